/* SPDX-License-Identifier: MIT */
/*
 * The monitor's input commands (kernel/input-cmds.c): HMP sendkey, QMP
 * send-key and input-send-event, on the input layer (kernel/input.h).
 */
#ifndef KERNEL_INPUT_CMDS_H
#define KERNEL_INPUT_CMDS_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>

/* sendkey KEYS [HOLD_MS]: keys is "ctrl-alt-f1"; hold NULL = 100 ms.
 * Errors go to out. */
void input_hmp_sendkey(const char *keys, const char *hold, GString *out);
/* The key names, for "help sendkey". */
void input_hmp_sendkey_help(GString *out);
/* QMP send-key / input-send-event with their arguments (args may be
 * NULL). False with QEMU-shaped error text in err. */
bool input_qmp_send_key(JsonObject *args, char *err, size_t errlen);
bool input_qmp_send_event(JsonObject *args, char *err, size_t errlen);

#endif
