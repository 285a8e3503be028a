/* SPDX-License-Identifier: MIT */
/*
 * A small pool of worker threads for the block library: runs fn(ctx, i,
 * slot) for i in [0, n) on the workers and the calling thread, and
 * returns when all are done. slot (0 .. blk_pool_slots()-1) tells which
 * thread runs the item, so callers can keep per-thread scratch (a zstd
 * context, a buffer). Used by qcow2 to compress and decompress clusters
 * in parallel; the items must not touch the image's metadata.
 */
#ifndef TESSERA_BLOCK_POOL_H
#define TESSERA_BLOCK_POOL_H

#include <stddef.h>

typedef struct BlkPool BlkPool;
typedef void BlkPoolFn(void *ctx, size_t i, int slot);

/* A pool with `threads` threads in all (the caller counts as one; at
 * least 1); NULL when no thread could be started. 0: the default. */
BlkPool *blk_pool_new(int threads);
void blk_pool_free(BlkPool *p);
int blk_pool_slots(const BlkPool *p);
void blk_pool_run(BlkPool *p, size_t n, BlkPoolFn *fn, void *ctx);
/* The default thread count: TESSERA_BLK_THREADS, else the online CPUs,
 * at least 4 and at most 8. */
int blk_pool_default_threads(void);

#endif
