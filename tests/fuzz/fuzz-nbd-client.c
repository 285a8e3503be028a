/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the block library's NBD client (block/nbd.c). The input is
 * everything a server sends on one connection (greeting, option replies,
 * replies to requests with their data, simple or structured); what the
 * client sends is dropped. After the handshake the client asks for block
 * status, reads, writes (aligned and not), writes zeroes, trims and
 * flushes, as the nbd driver would. Nothing may crash (ASan/UBSan
 * watch), hang or read past the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "block/block-int.h"
#include "tests/fuzz/fuzz-stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t buf[65536 + 4096];
    FuzzInput in = { data, size };
    NbdClient c = { .recv = fuzz_recv, .send = fuzz_send, .ctx = &in };
    if (nbd_client_handshake(&c, "x") < 0)
        return 0;
    uint64_t n = c.size < 4096 ? c.size : 4096, pnum;
    uint32_t flags;
    if (nbd_client_block_status(&c, 0, c.size, &pnum, &flags) == 0 &&
        (pnum > c.size || (c.size && !pnum)))
        abort(); /* an extent outside what was asked */
    nbd_client_read(&c, 0, buf, n);
    nbd_client_write(&c, 0, buf, n);
    nbd_client_flush(&c);
    if (c.size > 700) {
        nbd_client_read(&c, 1, buf, 699);
        nbd_client_write(&c, 3, buf, 600);
        nbd_client_write_zeroes(&c, 0, c.size > 65536 ? 65536 : c.size,
                                true);
        nbd_client_trim(&c, 100, 600);
        nbd_client_block_status(&c, 700, c.size - 700, &pnum, &flags);
    }
    nbd_client_read(&c, c.size, buf, 0);
    nbd_client_read(&c, c.size - n, buf, n + 1); /* past the end */
    nbd_client_disconnect(&c);
    return 0;
}
