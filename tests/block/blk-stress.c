/* SPDX-License-Identifier: MIT */
/*
 * Random writes through the block library, for the crash test.
 *
 *   blk-stress run IMAGE SEED NOPS LOG
 *     opens IMAGE (any format) and does NOPS seeded operations on 4 KiB
 *     blocks: writes of 1-4 blocks, zero writes, flushes. After each
 *     flush returns, the operation index goes to LOG (and is synced).
 *     Prints the number of image writes issued (see
 *     TESSERA_BLK_CRASH_AFTER in block/block.c).
 *   blk-stress run IMAGE SEED NOPS LOG bitmaps
 *     the same on a qcow2 that first gets two persistent dirty bitmaps,
 *     with two more kinds of operation: close and reopen (the bitmaps are
 *     written back and marked in use again) and a bitmap edit between
 *     two writing sessions (add, merge, clear, remove).
 *   blk-stress verify RAW SEED NOPS LOG [bitmaps]
 *     checks a raw copy of the image after a crash: each block holds what
 *     the last flushed operation left there, or what a later one wrote
 *     (sector by sector: unflushed writes may be torn).
 */
#include <stdbool.h>

#include "tests/block/stress-common.h"

enum { OP_WRITE, OP_ZERO, OP_FLUSH, OP_REOPEN, OP_BITMAP };

static bool bitmaps_mode;

typedef struct Op {
    int kind;
    uint64_t block, count;
} Op;

static Op gen(uint64_t nblocks)
{
    Op op = { 0 };
    uint32_t r = next() % 100;
    op.kind = r < 75 ? OP_WRITE : r < 88 ? OP_ZERO : OP_FLUSH;
    if (bitmaps_mode && r >= 96)
        op.kind = r < 98 ? OP_REOPEN : OP_BITMAP;
    op.count = 1 + next() % 4;
    op.block = next() % nblocks;
    if (op.block + op.count > nblocks)
        op.count = nblocks - op.block;
    return op;
}

/* One bitmap edit in its own open (BLK_O_BITMAPS), the n-th of a cycle. */
static int edit_bitmaps(const char *image, uint64_t n)
{
    char err[1024];
    BlockDev *bs = blk_open(image, NULL, BLK_O_RDWR | BLK_O_BITMAPS, err,
                            sizeof(err));
    if (!bs) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    BlkBitmapEdit ed = { .name = "c" };
    uint8_t *bits = NULL;
    uint64_t nbits;
    uint32_t gran;
    int r = 0;
    switch (n % 4) {
    case 0: ed.op = BLK_BM_ADD; ed.granularity = 512; break;
    case 1:
        ed.op = BLK_BM_MERGE;
        r = blk_bitmap_load(bs, "a", &bits, &nbits, &gran);
        ed.bits = bits;
        ed.src_nbits = nbits;
        ed.src_granularity = gran;
        break;
    case 2: ed.op = BLK_BM_CLEAR; ed.name = "a"; break;
    default: ed.op = BLK_BM_REMOVE; break;
    }
    if (r == 0)
        r = blk_bitmap_edit(bs, &ed);
    if (r < 0)
        fprintf(stderr, "%s\n", blk_error(bs));
    free(bits);
    blk_close(bs);
    return r;
}

static int run(const char *image, uint64_t seed, uint64_t nops,
               const char *logname)
{
    char err[1024];
    if (bitmaps_mode) {
        BlockDev *e = blk_open(image, NULL, BLK_O_RDWR | BLK_O_BITMAPS, err,
                               sizeof(err));
        BlkBitmapEdit a = { .op = BLK_BM_ADD, .name = "a" };
        BlkBitmapEdit b = { .op = BLK_BM_ADD, .name = "b",
                            .granularity = 4096 };
        if (!e || blk_bitmap_edit(e, &a) < 0 || blk_bitmap_edit(e, &b) < 0) {
            fprintf(stderr, "%s\n", e ? blk_error(e) : err);
            return 1;
        }
        blk_close(e);
    }
    uint64_t edits = 0;
    Stress st;
    if (stress_open(&st, image, logname))
        return 1;
    BlockDev *bs = st.bs;
    uint64_t nblocks = st.nblocks;
    uint8_t *buf = st.buf;
    rng = seed;
    for (uint64_t i = 0; i < nops; i++) {
        Op op = gen(nblocks);
        int r = 0;
        if (op.kind == OP_WRITE) {
            for (uint64_t k = 0; k < op.count; k++)
                fill(buf + k * BS, i, op.block + k);
            r = blk_write(bs, op.block * BS, buf, op.count * BS);
        } else if (op.kind == OP_ZERO) {
            r = blk_write_zeroes(bs, op.block * BS, op.count * BS);
        } else if (op.kind == OP_REOPEN || op.kind == OP_BITMAP) {
            blk_close(bs);
            if (op.kind == OP_BITMAP && edit_bitmaps(image, edits++) < 0)
                return 1;
            bs = st.bs = blk_open(image, NULL, BLK_O_RDWR, err, sizeof(err));
            if (!bs) {
                fprintf(stderr, "%s\n", err);
                return 1;
            }
        } else {
            r = blk_flush(bs);
            if (r == 0)
                stress_log(&st, i);
        }
        if (r < 0) {
            fprintf(stderr, "op %" PRIu64 ": %s\n", i, blk_error(bs));
            return 1;
        }
    }
    return stress_finish(&st, nops);
}

static int verify(const char *raw, uint64_t seed, uint64_t nops,
                  const char *logname)
{
    int64_t flushed = stress_last_logged(logname);
    FILE *f = fopen(raw, "rb");
    if (!f) {
        perror(raw);
        return 1;
    }
    fseek(f, 0, SEEK_END);
    uint64_t nblocks = (uint64_t)ftell(f) / BS;
    /* state[b]: 0 zero, else op index + 1; later[b]: bitmap of values
     * written after the last flush (kept as a small list per block). */
    uint64_t *state = calloc(nblocks, 8);
    uint64_t **later = calloc(nblocks, sizeof(*later));
    size_t *nlater = calloc(nblocks, sizeof(*nlater));
    rng = seed;
    for (uint64_t i = 0; i < nops; i++) {
        Op op = gen(nblocks);
        if (op.kind != OP_WRITE && op.kind != OP_ZERO)
            continue;
        for (uint64_t k = 0; k < op.count; k++) {
            uint64_t b = op.block + k, v = op.kind == OP_WRITE ? i + 1 : 0;
            if ((int64_t)i < flushed) {
                state[b] = v;
            } else {
                later[b] = realloc(later[b], (nlater[b] + 1) * 8);
                later[b][nlater[b]++] = v;
            }
        }
    }
    uint8_t got[BS], want[BS];
    int bad = 0;
    for (uint64_t b = 0; b < nblocks; b++) {
        fseek(f, (long)(b * BS), SEEK_SET);
        if (fread(got, 1, BS, f) != BS) {
            fprintf(stderr, "%s: short read at block %" PRIu64 "\n", raw, b);
            return 1;
        }
        /* Unflushed writes may be torn at sector (512-byte) boundaries. */
        bool ok = true;
        for (int sec = 0; sec < BS / 512 && ok; sec++) {
            bool sok = false;
            for (size_t k = 0; k <= nlater[b] && !sok; k++) {
                uint64_t v = k == 0 ? state[b] : later[b][k - 1];
                if (v == 0)
                    memset(want, 0, BS);
                else
                    fill(want, v - 1, b);
                sok = !memcmp(got + sec * 512, want + sec * 512, 512);
            }
            ok = sok;
        }
        if (!ok && bad++ < 10) {
            uint64_t a, c;
            memcpy(&a, got, 8);
            memcpy(&c, got + 8, 8);
            fprintf(stderr, "block %" PRIu64 ": holds (%" PRIu64 ", %" PRIu64
                    "), flushed state %" PRIu64 " (last flush at op %"
                    PRId64 ")\n", b, a, c, state[b], flushed);
        }
    }
    fclose(f);
    for (uint64_t b = 0; b < nblocks; b++)
        free(later[b]);
    free(later);
    free(nlater);
    free(state);
    if (bad)
        fprintf(stderr, "%d blocks lost flushed data\n", bad);
    return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc != 6 && !(argc == 7 && !strcmp(argv[6], "bitmaps"))) {
        fprintf(stderr, "usage: blk-stress run|verify FILE SEED NOPS LOG "
                "[bitmaps]\n");
        return 2;
    }
    bitmaps_mode = argc == 7;
    uint64_t seed = strtoull(argv[3], NULL, 0), nops = strtoull(argv[4], NULL, 0);
    if (!strcmp(argv[1], "run"))
        return run(argv[2], seed, nops, argv[5]);
    if (!strcmp(argv[1], "verify"))
        return verify(argv[2], seed, nops, argv[5]);
    return 2;
}
