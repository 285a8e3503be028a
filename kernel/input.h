/* SPDX-License-Identifier: MIT */
/*
 * The core's input layer: front-ends (a window) and the monitor produce
 * Linux input events here, the core routes them to the devices that
 * registered with tessera_input_register() (tessera/input.h). Machine
 * thread only.
 *
 * A producer sends a group of events and ends it with input_sync():
 *     input_key(KEY_A, true); input_sync();
 *     input_abs(TESSERA_ABS_X, x); input_abs(TESSERA_ABS_Y, y);
 *     input_btn(TESSERA_BTN_LEFT, true); input_sync();
 * Events with no device of their kind are dropped silently, as a machine
 * without a mouse ignores one.
 */
#ifndef KERNEL_INPUT_H
#define KERNEL_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tessera/input.h>

/* A key went down or up (Linux KEY_* code, < TESSERA_KEY_CNT). Pointer
 * button codes (BTN_LEFT...) are routed as input_btn(). */
void input_key(unsigned code, bool down);
/* Relative motion on axis TESSERA_REL_X/Y/WHEEL/HWHEEL. */
void input_rel(int axis, int value);
/* Absolute position on axis TESSERA_ABS_X/Y, 0..TESSERA_INPUT_ABS_MAX
 * (larger values are clamped). */
void input_abs(int axis, unsigned value);
/* A pointer button (TESSERA_BTN_*) went down or up. */
void input_btn(unsigned btn, bool down);
/* Ends a group: every device that got events since gets EV_SYN. */
void input_sync(void);

/*
 * Timed key sequences (sendkey, QMP send-key): presses keys[0..n) in
 * order, each followed by a sync, and releases them in reverse order
 * hold_ms milliseconds of virtual time later. Sequences queue behind one
 * another (a second sendkey waits for the first's releases), as QEMU's.
 */
void input_send_keys(const unsigned *keys, size_t n, unsigned hold_ms);
/* Runs everything queued now (tests; also at exit). */
void input_flush_queue(void);

/* True when there is a keyboard / when the active pointer is absolute
 * (front-ends: no grab needed) / when there is any pointer. */
bool input_has_keyboard(void);
bool input_pointer_is_absolute(void);
bool input_has_pointer(void);

/* QEMU's key names ("qcodes": a, 1, ret, spc, ctrl, shift_r, kp_add,
 * f1, ...): the Linux key code, or -1 for an unknown name. */
int input_qcode_lookup(const char *name);
/* The qcode name of a Linux key code, or NULL. */
const char *input_qcode_name(unsigned code);
/* sendkey's key argument: a qcode name, or a hex number (0x1e), QEMU's
 * scancode ("qnum"; only 0x01..0x58, where it equals the Linux code).
 * The Linux key code, or -1. */
int input_parse_key(const char *s);
/* A QMP {"type":"number"} key: the Linux key code, or -1 (as above). */
int input_number_key(unsigned long v);
/* Every qcode name in table order (for help text), NULL-terminated. */
const char *const *input_qcode_names(void);

/* The names of the handlers, for "info mice"-like listings and tests:
 * calls fn for each, active ones first per kind. */
void input_foreach(void (*fn)(void *opaque, const char *dev_name,
                              unsigned kinds, bool active),
                   void *opaque);

/* Drops every handler and queued event (tests, exit). */
void input_reset_all(void);

#endif
