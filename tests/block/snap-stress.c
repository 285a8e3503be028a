/* SPDX-License-Identifier: MIT */
/*
 * Internal snapshots under kill -9, for tests/block/snapshot-crash.test.
 *
 *   snap-stress run IMAGE SEED NOPS LOG
 *     opens the qcow2 IMAGE and does NOPS seeded operations on 4 KiB
 *     blocks: writes of 1-4 blocks, zero writes, flushes, and snapshot
 *     create (named "s<op index>"), delete and apply (of one of the live
 *     snapshots, at most 4 at a time). After each flush and each snapshot
 *     operation returns, the operation index goes to LOG (synced). Prints
 *     the number of image writes issued (TESSERA_BLK_CRASH_AFTER).
 *   snap-stress verify RAW SEED NOPS LOG DIR [NAME...]
 *     checks an image after a crash: NAMEs are the snapshots it lists,
 *     DIR/NAME.raw their contents and RAW the active contents. With P the
 *     last logged operation and Q the next flush or snapshot operation,
 *     the list must be the set of snapshots after P or after Q; each
 *     snapshot must hold exactly what the disk held when it was made; each
 *     block of the active disk what it held after P or what an operation
 *     in (P, Q] put there (unfinished writes may be torn at sectors).
 */
#include <stdbool.h>

#include "tests/block/stress-common.h"
#define MAX_SNAPS 4

enum { OP_WRITE, OP_ZERO, OP_FLUSH, OP_CREATE, OP_DELETE, OP_APPLY };

/* The live snapshots (by the op index that made them), oldest first. */
typedef struct Model {
    uint64_t snap[MAX_SNAPS];
    int n;
} Model;

typedef struct Op {
    int kind;
    uint64_t block, count;
    int which;          /* delete, apply: index into Model.snap */
} Op;

/* The next operation; updates the model's snapshot list. */
static Op gen(Model *m, uint64_t i, uint64_t nblocks)
{
    Op op = { 0 };
    uint32_t r = next() % 100;
    op.kind = r < 60 ? OP_WRITE : r < 70 ? OP_ZERO : r < 78 ? OP_FLUSH :
              r < 88 ? OP_CREATE : r < 94 ? OP_DELETE : OP_APPLY;
    op.count = 1 + next() % 4;
    op.block = next() % nblocks;
    if (op.block + op.count > nblocks)
        op.count = nblocks - op.block;
    if (op.kind == OP_CREATE && m->n == MAX_SNAPS)
        op.kind = OP_DELETE;
    if ((op.kind == OP_DELETE || op.kind == OP_APPLY) && m->n == 0)
        op.kind = OP_CREATE;
    op.which = m->n ? (int)(next() % (uint32_t)m->n) : 0;
    if (op.kind == OP_CREATE) {
        m->snap[m->n++] = i;
    } else if (op.kind == OP_DELETE) {
        memmove(&m->snap[op.which], &m->snap[op.which + 1],
                (size_t)(m->n - op.which - 1) * 8);
        m->n--;
    }
    return op;
}

static bool logged(int kind)
{
    return kind != OP_WRITE && kind != OP_ZERO;
}

static int run(const char *image, uint64_t seed, uint64_t nops,
               const char *logname)
{
    char name[32];
    Stress st;
    if (stress_open(&st, image, logname))
        return 1;
    Model m = { .n = 0 };
    rng = seed;
    for (uint64_t i = 0; i < nops; i++) {
        Model before = m;
        Op op = gen(&m, i, st.nblocks);
        int r = 0;
        switch (op.kind) {
        case OP_WRITE:
            for (uint64_t k = 0; k < op.count; k++)
                fill(st.buf + k * BS, i, op.block + k);
            r = blk_write(st.bs, op.block * BS, st.buf, op.count * BS);
            break;
        case OP_ZERO:
            r = blk_write_zeroes(st.bs, op.block * BS, op.count * BS);
            break;
        case OP_FLUSH:
            r = blk_flush(st.bs);
            break;
        case OP_CREATE:
            snprintf(name, sizeof(name), "s%" PRIu64, i);
            r = blk_snapshot_create(st.bs, name);
            break;
        default:
            snprintf(name, sizeof(name), "s%" PRIu64,
                     before.snap[op.which]);
            r = op.kind == OP_DELETE ? blk_snapshot_delete(st.bs, name)
                                     : blk_snapshot_apply(st.bs, name);
            break;
        }
        if (r < 0) {
            fprintf(stderr, "op %" PRIu64 ": %s\n", i, blk_error(st.bs));
            return 1;
        }
        if (logged(op.kind))
            stress_log(&st, i);
    }
    return stress_finish(&st, nops);
}

static uint8_t *read_file(const char *path, uint64_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    *len = (uint64_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc(*len + 1);
    if (!p || fread(p, 1, *len, f) != *len) {
        fprintf(stderr, "%s: short read\n", path);
        fclose(f);
        free(p);
        return NULL;
    }
    fclose(f);
    return p;
}

static void block_of(uint8_t *want, uint64_t v, uint64_t b)
{
    if (v == 0)
        memset(want, 0, BS);
    else
        fill(want, v - 1, b);
}

/* The snapshots of a model as a sorted list of op indices. */
static int cmp64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static bool same_set(const Model *m, const uint64_t *obs, int nobs)
{
    uint64_t s[MAX_SNAPS];
    if (m->n != nobs)
        return false;
    memcpy(s, m->snap, (size_t)m->n * 8);
    qsort(s, (size_t)m->n, 8, cmp64);
    return !memcmp(s, obs, (size_t)nobs * 8);
}

static void print_set(const char *what, const Model *m)
{
    fprintf(stderr, "  %s:", what);
    for (int i = 0; i < m->n; i++)
        fprintf(stderr, " s%" PRIu64, m->snap[i]);
    fprintf(stderr, "\n");
}

static int verify(const char *raw, uint64_t seed, uint64_t nops,
                  const char *logname, const char *dir, int nnames,
                  char **names)
{
    int64_t last = stress_last_logged(logname);
    uint64_t len;
    uint8_t *img = read_file(raw, &len);
    if (!img)
        return 1;
    uint64_t nblocks = len / BS;
    /* state: block values (0 zero, else op index + 1); each snapshot's
     * copy of it, by op index. */
    uint64_t *state = calloc(nblocks, 8);
    uint64_t **snapstate = calloc(nops + 1, sizeof(*snapstate));
    uint64_t **later = calloc(nblocks, sizeof(*later));
    size_t *nlater = calloc(nblocks, sizeof(*nlater));
    Model m = { .n = 0 }, at_p = { .n = 0 }, at_q;
    bool q_seen = false;
    rng = seed;
    for (uint64_t i = 0; i < nops; i++) {
        Model before = m;
        Op op = gen(&m, i, nblocks);
        bool done = (int64_t)i <= last;
        if (!done && q_seen)
            break;
        if (op.kind == OP_WRITE || op.kind == OP_ZERO) {
            for (uint64_t k = 0; k < op.count; k++) {
                uint64_t b = op.block + k, v = op.kind == OP_WRITE ? i + 1 : 0;
                if (done) {
                    state[b] = v;
                } else {
                    later[b] = realloc(later[b], (nlater[b] + 1) * 8);
                    later[b][nlater[b]++] = v;
                }
            }
        } else if (op.kind == OP_CREATE) {
            /* Made from everything before it (all of it finished). The
             * writes after P are not in state yet: take them from later. */
            snapstate[i] = malloc(nblocks * 8);
            memcpy(snapstate[i], state, nblocks * 8);
            for (uint64_t b = 0; b < nblocks; b++)
                if (nlater[b])
                    snapstate[i][b] = later[b][nlater[b] - 1];
        } else if (op.kind == OP_APPLY) {
            const uint64_t *src = snapstate[before.snap[op.which]];
            for (uint64_t b = 0; b < nblocks; b++) {
                if (done) {
                    state[b] = src[b];
                } else {
                    later[b] = realloc(later[b], (nlater[b] + 1) * 8);
                    later[b][nlater[b]++] = src[b];
                }
            }
        }
        if (done) {
            at_p = m;
        } else if (logged(op.kind)) {
            at_q = m;
            q_seen = true;
        }
    }
    if (!q_seen)
        at_q = at_p;
    int bad = 0;
    /* The snapshot list. */
    uint64_t obs[MAX_SNAPS + 1];
    if (nnames > MAX_SNAPS) {
        fprintf(stderr, "%d snapshots listed, at most %d can exist\n", nnames,
                MAX_SNAPS);
        bad++;
        nnames = 0;
    }
    for (int k = 0; k < nnames; k++) {
        if (names[k][0] != 's') {
            fprintf(stderr, "unknown snapshot '%s'\n", names[k]);
            bad++;
        }
        obs[k] = strtoull(names[k] + 1, NULL, 10);
    }
    qsort(obs, (size_t)nnames, 8, cmp64);
    if (!same_set(&at_p, obs, nnames) && !same_set(&at_q, obs, nnames)) {
        fprintf(stderr, "snapshot list is neither the one after op %" PRId64
                " nor the next one\n", last);
        fprintf(stderr, "  listed:");
        for (int k = 0; k < nnames; k++)
            fprintf(stderr, " %s", names[k]);
        fprintf(stderr, "\n");
        print_set("after P", &at_p);
        print_set("after Q", &at_q);
        bad++;
    }
    /* Each snapshot's contents: exact. */
    uint8_t want[BS];
    for (int k = 0; k < nnames && !bad; k++) {
        char path[4096];
        uint64_t slen;
        snprintf(path, sizeof(path), "%s/%s.raw", dir, names[k]);
        uint8_t *s = read_file(path, &slen);
        const uint64_t *ss = obs[k] <= nops ? snapstate[obs[k]] : NULL;
        if (!s || !ss || slen != len) {
            fprintf(stderr, "snapshot %s: missing or wrong size\n", names[k]);
            bad++;
            free(s);
            continue;
        }
        for (uint64_t b = 0; b < nblocks; b++) {
            block_of(want, ss[b], b);
            if (memcmp(s + b * BS, want, BS)) {
                uint64_t a, c;
                memcpy(&a, s + b * BS, 8);
                memcpy(&c, s + b * BS + 8, 8);
                fprintf(stderr, "snapshot %s block %" PRIu64 ": holds (%"
                        PRIu64 ", %" PRIu64 "), made with %" PRIu64 "\n",
                        names[k], b, a, c, ss[b]);
                bad++;
                break;
            }
        }
        free(s);
    }
    /* The active disk. */
    for (uint64_t b = 0; b < nblocks; b++) {
        bool ok = true;
        for (int sec = 0; sec < BS / 512 && ok; sec++) {
            bool sok = false;
            for (size_t k = 0; k <= nlater[b] && !sok; k++) {
                block_of(want, k == 0 ? state[b] : later[b][k - 1], b);
                sok = !memcmp(img + b * BS + sec * 512, want + sec * 512, 512);
            }
            ok = sok;
        }
        if (!ok && bad++ < 10) {
            uint64_t a, c;
            memcpy(&a, img + b * BS, 8);
            memcpy(&c, img + b * BS + 8, 8);
            fprintf(stderr, "block %" PRIu64 ": holds (%" PRIu64 ", %" PRIu64
                    "), state after op %" PRId64 ": %" PRIu64 "\n", b, a, c,
                    last, state[b]);
        }
    }
    for (uint64_t b = 0; b < nblocks; b++)
        free(later[b]);
    for (uint64_t i = 0; i <= nops; i++)
        free(snapstate[i]);
    free(snapstate);
    free(later);
    free(nlater);
    free(state);
    free(img);
    return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc >= 6 && !strcmp(argv[1], "run") && argc == 6)
        return run(argv[2], strtoull(argv[3], NULL, 0),
                   strtoull(argv[4], NULL, 0), argv[5]);
    if (argc >= 7 && !strcmp(argv[1], "verify"))
        return verify(argv[2], strtoull(argv[3], NULL, 0),
                      strtoull(argv[4], NULL, 0), argv[5], argv[6], argc - 7,
                      argv + 7);
    fprintf(stderr, "usage: snap-stress run IMAGE SEED NOPS LOG\n"
            "       snap-stress verify RAW SEED NOPS LOG DIR [NAME...]\n");
    return 2;
}
