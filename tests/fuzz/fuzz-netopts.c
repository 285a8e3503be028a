/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the -netdev / -nic option parser (kernel/netopts.c). Any
 * text is accepted with sane values or rejected with a message; never a
 * crash, a leak (ASan) or a value outside its range. The first byte picks
 * -netdev or -nic.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/netopts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    bool nic = data[0] & 1;
    char *text = malloc(size);
    if (!text)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = 0;
    char err[512];
    NetdevOpts o;
    err[0] = 0;
    if (netopts_parse(text, nic, &o, err, sizeof(err)) == 0) {
        if (o.type != NET_TYPE_USER && o.type != NET_TYPE_NONE)
            abort();
        if (!nic && !o.id)
            abort();
        if (o.prefix6_len < 0 || o.prefix6_len > 126)
            abort();
        for (guint i = 0; i < o.hostfwd->len; i++) {
            NetHostFwd *f = o.hostfwd->pdata[i];
            if (f->host_port < 0 || f->host_port > 65535 ||
                f->guest_port < 1 || f->guest_port > 65535 || !f->rule)
                abort();
        }
        for (guint i = 0; i < o.guestfwd->len; i++) {
            NetGuestFwd *g = o.guestfwd->pdata[i];
            if (g->port < 1 || g->port > 65535 || !g->cmd == !g->chardev)
                abort();
        }
        if (o.mac_given && (o.mac[0] & 1))
            abort();
        netopts_free(&o);
    } else if (!err[0]) {
        abort(); /* every rejection explains itself */
    }
    free(text);
    return 0;
}
