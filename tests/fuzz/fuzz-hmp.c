/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: HMP command lines (one per input line) against an empty
 * machine, with the commands that write host files disabled. No crash, no
 * hang, output bounded.
 */
#include <glib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/monitor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = g_strndup((const char *)data, size);
    char **lines = g_strsplit(text, "\n", 64);
    monitor_set_sandbox(true);
    for (char **l = lines; *l; l++) {
        GString *out = g_string_new(NULL);
        hmp_execute(*l, out, -1);
        if (out->len > (1u << 20))
            abort(); /* one command printed more than a MiB */
        g_string_free(out, TRUE);
    }
    g_strfreev(lines);
    g_free(text);
    return 0;
}
