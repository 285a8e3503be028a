/* SPDX-License-Identifier: MIT */
/*
 * What the crash-test drivers tests/block/blk-stress.c and snap-stress.c
 * share: the seeded generator, the block contents an operation writes,
 * opening the image and the log, logging an operation (synced) and the
 * end of a run, and reading the last logged operation back.
 */
#ifndef TESSERA_TESTS_BLOCK_STRESS_COMMON_H
#define TESSERA_TESTS_BLOCK_STRESS_COMMON_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "block/block.h"

#define BS 4096

static uint64_t rng;

static uint32_t next(void)
{
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rng >> 33);
}

/* Block contents written by operation i: (i + 1, block) repeated. */
static void fill(uint8_t *p, uint64_t i, uint64_t block)
{
    for (int k = 0; k < BS; k += 16) {
        uint64_t a = i + 1, b = block;
        memcpy(p + k, &a, 8);
        memcpy(p + k + 8, &b, 8);
    }
}

typedef struct Stress {
    BlockDev *bs;
    FILE *log;
    uint8_t *buf;             /* room for 4 blocks */
    uint64_t nblocks;
} Stress;

/* Opens image read-write and the log for writing; 1 (said) on failure. */
static int stress_open(Stress *s, const char *image, const char *logname)
{
    char err[1024];
    s->bs = blk_open(image, NULL, BLK_O_RDWR, err, sizeof(err));
    if (!s->bs) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    s->log = fopen(logname, "w");
    if (!s->log) {
        perror(logname);
        return 1;
    }
    s->nblocks = blk_size(s->bs) / BS;
    s->buf = malloc(4 * BS);
    return 0;
}

/* Operation i is done: to the log, synced. */
static void stress_log(Stress *s, uint64_t i)
{
    fprintf(s->log, "%" PRIu64 "\n", i);
    fflush(s->log);
    fdatasync(fileno(s->log));
}

/* After the last operation: flush, log nops, close, print the number of
 * image writes issued (TESSERA_BLK_CRASH_AFTER). */
static int stress_finish(Stress *s, uint64_t nops)
{
    if (blk_flush(s->bs) < 0) {
        fprintf(stderr, "%s\n", blk_error(s->bs));
        return 1;
    }
    fprintf(s->log, "%" PRIu64 "\n", nops);
    fclose(s->log);
    blk_close(s->bs);
    printf("%" PRIu64 "\n", blk_debug_write_count());
    free(s->buf);
    return 0;
}

/* The last operation index in the log; -1: none (or no log). */
static int64_t stress_last_logged(const char *logname)
{
    FILE *log = fopen(logname, "r");
    int64_t last = -1;
    char line[64];
    while (log && fgets(line, sizeof(line), log))
        last = strtoll(line, NULL, 10);
    if (log)
        fclose(log);
    return last;
}

#endif
