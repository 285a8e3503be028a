/* SPDX-License-Identifier: MIT */
/*
 * What both ends of the NBD protocol share (block/nbd.c, the client;
 * nbd/nbd-server.c and tessera-nbd, the server): big-endian fields and
 * whole-buffer socket I/O.
 */
#ifndef TESSERA_BLOCK_NBD_WIRE_H
#define TESSERA_BLOCK_NBD_WIRE_H

#include <stddef.h>
#include <stdint.h>

static inline void nbd_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void nbd_put32(uint8_t *p, uint32_t v)
{
    nbd_put16(p, (uint16_t)(v >> 16));
    nbd_put16(p + 2, (uint16_t)v);
}

static inline void nbd_put64(uint8_t *p, uint64_t v)
{
    nbd_put32(p, (uint32_t)(v >> 32));
    nbd_put32(p + 4, (uint32_t)v);
}

static inline uint16_t nbd_get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t nbd_get32(const uint8_t *p)
{
    return (uint32_t)nbd_get16(p) << 16 | nbd_get16(p + 2);
}

static inline uint64_t nbd_get64(const uint8_t *p)
{
    return (uint64_t)nbd_get32(p) << 32 | nbd_get32(p + 4);
}

/*
 * Receive or send exactly len bytes on the socket *(int *)ctx (retrying
 * on EINTR; no SIGPIPE). 0 when all moved, -2 when a timeout set on the
 * socket (SO_RCVTIMEO/SO_SNDTIMEO) expired, -1 on an error or end of
 * stream. The shape of NbdClient's and NbdStream's callbacks.
 */
int nbd_sock_recv(void *ctx, void *buf, size_t len);
int nbd_sock_send(void *ctx, const void *buf, size_t len);

#endif
