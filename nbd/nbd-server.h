/* SPDX-License-Identifier: MIT */
/*
 * The NBD server protocol (fixed newstyle handshake, simple and
 * structured replies, block status) over any byte stream: tessera-nbd
 * gives it sockets, the fuzz target a memory buffer. One export, shared
 * by all connections under its lock.
 */
#ifndef TESSERA_NBD_SERVER_H
#define TESSERA_NBD_SERVER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "block/block.h"

#define NBD_MAX_STRING 4096          /* names and queries (as the spec) */
#define NBD_MAX_PAYLOAD (32u << 20)  /* largest read or write request */

typedef struct NbdExport {
    BlockDev *bs;
    const char *name;          /* export name ("" by default) */
    const char *description;   /* NULL: none */
    bool read_only;
    bool multi_conn;           /* advertise NBD_FLAG_CAN_MULTI_CONN */
    bool discard_unmap;        /* --discard=unmap: trims deallocate (else
                                  they are accepted and ignored) */
    int detect_zeroes;         /* NBD_DZ_*: writes of zeroes */
    bool alloc_depth;          /* -A: the context qemu:allocation-depth */
    /* Dirty bitmap exported as qemu:dirty-bitmap:NAME (NULL: none).
     * Writes through the export mark their granules dirty. */
    const char *bitmap_name;
    uint8_t *bitmap;           /* granule i: bit i%8 of byte i/8 */
    uint64_t bitmap_bits;
    uint32_t bitmap_gran;
    pthread_mutex_t lock;      /* around every use of bs and bitmap */
} NbdExport;

/* --detect-zeroes: a write whose data is all zeroes is a write-zeroes
 * that keeps the range allocated (ON) or may deallocate it (UNMAP, only
 * with discard_unmap). */
enum { NBD_DZ_OFF, NBD_DZ_ON, NBD_DZ_UNMAP };

/* The byte stream of one client. Both return 0 when all len bytes moved,
 * -1 otherwise (end of stream or error). */
typedef struct NbdStream {
    int (*recv)(void *ctx, void *buf, size_t len);
    int (*send)(void *ctx, const void *buf, size_t len);
    void *ctx;
} NbdStream;

/* Serves one client until it disconnects or misbehaves beyond repair.
 * Returns 0 after a clean disconnect (NBD_OPT_ABORT, NBD_CMD_DISC), -1
 * otherwise. Never aborts on client input. */
int nbd_serve(NbdExport *ex, const NbdStream *st);

#endif
