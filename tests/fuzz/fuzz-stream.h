/* SPDX-License-Identifier: MIT */
/*
 * The byte stream of the NBD fuzz targets (fuzz-nbd.c for the server,
 * fuzz-nbd-client.c for the client): the fuzz input is everything the
 * peer sends, read in order; what the code under test sends is dropped.
 * Same shape as nbd_sock_recv/nbd_sock_send (0 when all moved, -1 at the
 * end of the input).
 */
#ifndef TESSERA_FUZZ_STREAM_H
#define TESSERA_FUZZ_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct FuzzInput {
    const uint8_t *p;
    size_t left;
} FuzzInput;

static inline int fuzz_recv(void *ctx, void *buf, size_t len)
{
    FuzzInput *in = ctx;
    if (len > in->left)
        return -1;
    memcpy(buf, in->p, len);
    in->p += len;
    in->left -= len;
    return 0;
}

static inline int fuzz_send(void *ctx, const void *buf, size_t len)
{
    (void)ctx;
    (void)buf;
    (void)len;
    return 0;
}

#endif
