/* SPDX-License-Identifier: MIT */
/*
 * A small pool of worker threads for the block library: runs fn(ctx, i,
 * slot) for i in [0, n) on the workers and the calling thread. slot
 * (0 .. blk_pool_slots()-1) tells which thread runs the item (0: the
 * thread that calls into the pool), so callers can keep per-thread
 * scratch (a zstd context, a buffer). Used by qcow2 to compress and
 * decompress clusters in parallel and by the raw I/O of big requests;
 * the items must not touch the image's metadata.
 *
 * Jobs run in the order they were submitted; blk_pool_run waits for its
 * job, blk_pool_submit queues one and returns at once, so the caller can
 * do something else (write the previous batch) while the workers run it,
 * and blk_pool_wait collects it. Only one thread may call into a pool.
 */
#ifndef TESSERA_BLOCK_POOL_H
#define TESSERA_BLOCK_POOL_H

#include <stdbool.h>
#include <stddef.h>

typedef struct BlkPool BlkPool;
typedef void BlkPoolFn(void *ctx, size_t i, int slot);

/* A job: the caller owns it and keeps it alive until blk_pool_wait
 * returned (the fields are the pool's while it is queued). */
typedef struct BlkPoolJob {
    BlkPoolFn *fn;
    void *ctx;
    size_t n, next, finished;
    struct BlkPoolJob *link;  /* queue of jobs with items left */
    bool queued;
} BlkPoolJob;

/* A pool with `threads` threads in all (the caller counts as one; at
 * least 1); NULL when no thread could be started. 0: the default. */
BlkPool *blk_pool_new(int threads);
/* Waits for the queued jobs, then stops the threads. */
void blk_pool_free(BlkPool *p);
int blk_pool_slots(const BlkPool *p);
/* Runs n items and returns when all are done (the caller works too). */
void blk_pool_run(BlkPool *p, size_t n, BlkPoolFn *fn, void *ctx);
/* Queues n items of fn on job j (n may be 0) and returns. */
void blk_pool_submit(BlkPool *p, BlkPoolJob *j, size_t n, BlkPoolFn *fn,
                     void *ctx);
/* Returns when every item of j is done. Meanwhile the caller runs items:
 * j's own first, then those of the jobs queued after it. */
void blk_pool_wait(BlkPool *p, BlkPoolJob *j);
/* The default thread count: TESSERA_BLK_THREADS, else the online CPUs,
 * at least 4 and at most 8. */
int blk_pool_default_threads(void);

#endif
