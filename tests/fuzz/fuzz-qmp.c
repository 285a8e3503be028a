/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: QMP input (JSON split into values, parsed with json-glib,
 * commands run against an empty machine). No crash, no hang, and memory
 * bounded by the session's input limit whatever the bytes.
 */
#include <stdint.h>
#include <stdlib.h>

#include "kernel/monitor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t out_bytes;

static void sink(void *opaque, const char *buf, size_t len)
{
    (void)opaque;
    (void)buf;
    out_bytes += len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char caps[] = "{\"execute\":\"qmp_capabilities\"}";
    monitor_set_sandbox(true);
    QmpSession *s = qmp_session_new(sink, NULL);
    qmp_session_start(s);
    /* Half the runs negotiate first, so that commands run too. */
    if (size && (data[0] & 1))
        qmp_session_input(s, (const uint8_t *)caps, sizeof(caps) - 1);
    qmp_session_input(s, data, size);
    qmp_session_free(s);
    return 0;
}
