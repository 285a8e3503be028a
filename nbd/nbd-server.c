/* SPDX-License-Identifier: MIT */
/*
 * NBD server protocol, written from the NBD protocol specification
 * (doc/proto.md of the NBD project): fixed newstyle negotiation with
 * NBD_OPT_EXPORT_NAME, ABORT, LIST, STARTTLS (refused), INFO, GO,
 * STRUCTURED_REPLY, LIST_META_CONTEXT and SET_META_CONTEXT; then
 * READ, WRITE, DISC, FLUSH, TRIM, CACHE, WRITE_ZEROES and BLOCK_STATUS
 * (base:allocation and qemu:dirty-bitmap:NAME).
 *
 * Every length, offset and flag the client sends is checked before it is
 * used: offsets are 64-bit, sums are checked for overflow, strings are
 * limited to NBD_MAX_STRING bytes, options to OPT_MAX bytes (longer ones
 * are read and dropped, answered with NBD_REP_ERR_TOO_BIG). Bad requests
 * get an error reply; only a broken stream (bad magic, end of input)
 * ends the connection.
 */
#include "nbd/nbd-server.h"

#include "block/nbd-wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Magic numbers */
#define NBDMAGIC        0x4e42444d41474943ull
#define IHAVEOPT        0x49484156454f5054ull
#define REPLY_MAGIC_OPT 0x0003e889045565a9ull
#define REQUEST_MAGIC   0x25609513u
#define SIMPLE_MAGIC    0x67446698u
#define STRUCT_MAGIC    0x668e33efu

/* Handshake flags */
#define FLAG_FIXED_NEWSTYLE 0x1
#define FLAG_NO_ZEROES      0x2

/* Options */
#define OPT_EXPORT_NAME       1
#define OPT_ABORT             2
#define OPT_LIST              3
#define OPT_STARTTLS          5
#define OPT_INFO              6
#define OPT_GO                7
#define OPT_STRUCTURED_REPLY  8
#define OPT_LIST_META_CONTEXT 9
#define OPT_SET_META_CONTEXT  10

/* Option replies */
#define REP_ACK          1
#define REP_SERVER       2
#define REP_INFO         3
#define REP_META_CONTEXT 4
#define REP_ERR_UNSUP    0x80000001u
#define REP_ERR_INVALID  0x80000003u
#define REP_ERR_UNKNOWN  0x80000006u
#define REP_ERR_TOO_BIG  0x80000009u

#define INFO_EXPORT      0
#define INFO_NAME        1
#define INFO_DESCRIPTION 2
#define INFO_BLOCK_SIZE  3

/* Transmission flags */
#define TF_HAS_FLAGS    (1u << 0)
#define TF_READ_ONLY    (1u << 1)
#define TF_FLUSH        (1u << 2)
#define TF_FUA          (1u << 3)
#define TF_TRIM         (1u << 5)
#define TF_WRITE_ZEROES (1u << 6)
#define TF_DF           (1u << 7)
#define TF_MULTI_CONN   (1u << 8)
#define TF_CACHE        (1u << 10)

/* Commands and their flags */
#define CMD_READ         0
#define CMD_WRITE        1
#define CMD_DISC         2
#define CMD_FLUSH        3
#define CMD_TRIM         4
#define CMD_CACHE        5
#define CMD_WRITE_ZEROES 6
#define CMD_BLOCK_STATUS 7
#define CF_FUA     (1u << 0)
#define CF_NO_HOLE (1u << 1)
#define CF_DF      (1u << 2)
#define CF_REQ_ONE (1u << 3)

/* Structured reply chunks */
#define RF_DONE            1
#define RT_NONE            0
#define RT_OFFSET_DATA     1
#define RT_OFFSET_HOLE     2
#define RT_BLOCK_STATUS    5
#define RT_ERROR           0x8001

/* Errors */
#define NBD_EPERM  1
#define NBD_EIO    5
#define NBD_ENOMEM 12
#define NBD_EINVAL 22
#define NBD_ENOSPC 28

#define STATE_HOLE  1
#define STATE_ZERO  2
#define STATE_DIRTY 1

#define CTX_BASE   1  /* base:allocation */
#define CTX_BITMAP 2  /* qemu:dirty-bitmap:NAME */
#define CTX_DEPTH  3  /* qemu:allocation-depth */

#define OPT_MAX (64u << 10)     /* largest option payload we parse */
#define MAX_EXTENTS 1024        /* descriptors in one block status chunk */

typedef struct Conn {
    NbdExport *ex;
    const NbdStream *st;
    bool structured;
    bool no_zeroes;
    bool want_base, want_bitmap, want_depth; /* meta contexts selected */
} Conn;


static int crecv(Conn *c, void *buf, size_t len)
{
    return len ? c->st->recv(c->st->ctx, buf, len) : 0;
}
static int csend(Conn *c, const void *buf, size_t len)
{
    return len ? c->st->send(c->st->ctx, buf, len) : 0;
}

/* Reads and drops len bytes. */
static int drain(Conn *c, uint64_t len)
{
    uint8_t tmp[4096];
    while (len) {
        size_t n = len < sizeof(tmp) ? (size_t)len : sizeof(tmp);
        if (crecv(c, tmp, n) < 0)
            return -1;
        len -= n;
    }
    return 0;
}

/* ---- option phase ---- */

static int opt_reply(Conn *c, uint32_t opt, uint32_t type, const void *data,
                     uint32_t len)
{
    uint8_t h[20];
    nbd_put64(h, REPLY_MAGIC_OPT);
    nbd_put32(h + 8, opt);
    nbd_put32(h + 12, type);
    nbd_put32(h + 16, len);
    if (csend(c, h, sizeof(h)) < 0)
        return -1;
    return csend(c, data, len);
}

/* An error reply with a message for people. */
static int opt_error(Conn *c, uint32_t opt, uint32_t type, const char *msg)
{
    return opt_reply(c, opt, type, msg, (uint32_t)strlen(msg));
}

static uint16_t transmission_flags(Conn *c)
{
    uint16_t f = TF_HAS_FLAGS | TF_FLUSH | TF_CACHE;
    if (c->ex->read_only)
        f |= TF_READ_ONLY;
    else
        f |= TF_FUA | TF_TRIM | TF_WRITE_ZEROES;
    if (c->structured)
        f |= TF_DF;
    if (c->ex->multi_conn)
        f |= TF_MULTI_CONN;
    return f;
}

static bool name_matches(Conn *c, const uint8_t *name, uint32_t len)
{
    return strlen(c->ex->name) == len && memcmp(c->ex->name, name, len) == 0;
}

/* NBD_OPT_EXPORT_NAME: no reply but the export data, or a closed stream. */
static int opt_export_name(Conn *c, const uint8_t *data, uint32_t len)
{
    if (len > NBD_MAX_STRING || !name_matches(c, data, len))
        return -1; /* the only answer this option allows */
    uint8_t r[10 + 124];
    memset(r, 0, sizeof(r));
    nbd_put64(r, blk_size(c->ex->bs));
    nbd_put16(r + 8, transmission_flags(c));
    return csend(c, r, c->no_zeroes ? 10 : sizeof(r));
}

/* NBD_OPT_INFO and NBD_OPT_GO. Returns 1 to start transmission. */
static int opt_info_go(Conn *c, uint32_t opt, const uint8_t *d, uint32_t len)
{
    if (len < 6)
        return opt_error(c, opt, REP_ERR_INVALID, "option too short");
    uint32_t nlen = nbd_get32(d);
    if (nlen > NBD_MAX_STRING)
        return opt_error(c, opt, REP_ERR_INVALID, "export name too long");
    if (nlen > len - 6)
        return opt_error(c, opt, REP_ERR_INVALID,
                         "export name longer than the option");
    const uint8_t *name = d + 4;
    uint16_t nreq = nbd_get16(d + 4 + nlen);
    if ((uint64_t)nreq * 2 != len - 6 - nlen)
        return opt_error(c, opt, REP_ERR_INVALID,
                         "information requests do not fill the option");
    if (!name_matches(c, name, nlen))
        return opt_error(c, opt, REP_ERR_UNKNOWN, "no such export");
    bool want_name = false, want_desc = false, want_bs = false;
    for (uint16_t i = 0; i < nreq; i++) {
        uint16_t t = nbd_get16(d + 6 + nlen + 2 * i);
        want_name |= t == INFO_NAME;
        want_desc |= t == INFO_DESCRIPTION;
        want_bs |= t == INFO_BLOCK_SIZE;
    }
    uint8_t buf[2 + NBD_MAX_STRING];
    nbd_put16(buf, INFO_EXPORT);
    nbd_put64(buf + 2, blk_size(c->ex->bs));
    nbd_put16(buf + 10, transmission_flags(c));
    if (opt_reply(c, opt, REP_INFO, buf, 12) < 0)
        return -1;
    if (want_name) {
        size_t n = strlen(c->ex->name);
        nbd_put16(buf, INFO_NAME);
        memcpy(buf + 2, c->ex->name, n);
        if (opt_reply(c, opt, REP_INFO, buf, (uint32_t)(2 + n)) < 0)
            return -1;
    }
    if (want_desc && c->ex->description) {
        size_t n = strlen(c->ex->description);
        if (n > NBD_MAX_STRING)
            n = NBD_MAX_STRING;
        nbd_put16(buf, INFO_DESCRIPTION);
        memcpy(buf + 2, c->ex->description, n);
        if (opt_reply(c, opt, REP_INFO, buf, (uint32_t)(2 + n)) < 0)
            return -1;
    }
    if (want_bs) {
        nbd_put16(buf, INFO_BLOCK_SIZE);
        nbd_put32(buf + 2, 1);               /* any byte alignment */
        nbd_put32(buf + 6, 4096);            /* preferred */
        nbd_put32(buf + 10, NBD_MAX_PAYLOAD);
        if (opt_reply(c, opt, REP_INFO, buf, 14) < 0)
            return -1;
    }
    if (opt_reply(c, opt, REP_ACK, NULL, 0) < 0)
        return -1;
    return opt == OPT_GO ? 1 : 0;
}

static int opt_list(Conn *c, uint32_t len)
{
    if (len != 0)
        return opt_error(c, OPT_LIST, REP_ERR_INVALID,
                         "NBD_OPT_LIST takes no data");
    size_t n = strlen(c->ex->name);
    size_t dn = c->ex->description ? strlen(c->ex->description) : 0;
    if (n > NBD_MAX_STRING)
        n = NBD_MAX_STRING;
    if (dn > NBD_MAX_STRING)
        dn = NBD_MAX_STRING;
    uint8_t buf[4 + 2 * NBD_MAX_STRING];
    nbd_put32(buf, (uint32_t)n);
    memcpy(buf + 4, c->ex->name, n);
    if (dn)
        memcpy(buf + 4 + n, c->ex->description, dn);
    if (opt_reply(c, OPT_LIST, REP_SERVER, buf, (uint32_t)(4 + n + dn)) < 0)
        return -1;
    return opt_reply(c, OPT_LIST, REP_ACK, NULL, 0);
}

static int send_context(Conn *c, uint32_t opt, uint32_t id, const char *a,
                        const char *b)
{
    uint8_t buf[4 + 64 + NBD_MAX_STRING];
    size_t na = strlen(a), nb = b ? strlen(b) : 0;
    if (na + nb > 64 + NBD_MAX_STRING - 4)
        return 0; /* cannot happen: names are limited at start-up */
    nbd_put32(buf, id);
    memcpy(buf + 4, a, na);
    if (nb)
        memcpy(buf + 4 + na, b, nb);
    return opt_reply(c, opt, REP_META_CONTEXT, buf, (uint32_t)(4 + na + nb));
}

/* NBD_OPT_LIST_META_CONTEXT and NBD_OPT_SET_META_CONTEXT. */
static int opt_meta(Conn *c, uint32_t opt, const uint8_t *d, uint32_t len)
{
    bool set = opt == OPT_SET_META_CONTEXT;
    if (set && !c->structured)
        return opt_error(c, opt, REP_ERR_INVALID,
                         "structured replies not negotiated");
    if (len < 8)
        return opt_error(c, opt, REP_ERR_INVALID, "option too short");
    uint32_t nlen = nbd_get32(d);
    if (nlen > NBD_MAX_STRING)
        return opt_error(c, opt, REP_ERR_INVALID, "export name too long");
    if (nlen > len - 8)
        return opt_error(c, opt, REP_ERR_INVALID,
                         "export name longer than the option");
    const uint8_t *name = d + 4;
    uint32_t nq = nbd_get32(d + 4 + nlen);
    /* Validate every query before answering any of them. */
    uint32_t pos = 8 + nlen;
    for (uint32_t i = 0; i < nq; i++) {
        if (len - pos < 4)
            return opt_error(c, opt, REP_ERR_INVALID,
                             "queries do not fit the option");
        uint32_t ql = nbd_get32(d + pos);
        if (ql > NBD_MAX_STRING)
            return opt_error(c, opt, REP_ERR_TOO_BIG, "query too long");
        if (ql > len - pos - 4)
            return opt_error(c, opt, REP_ERR_INVALID,
                             "query longer than the option");
        pos += 4 + ql;
    }
    if (pos != len)
        return opt_error(c, opt, REP_ERR_INVALID,
                         "bytes left after the queries");
    if (!name_matches(c, name, nlen))
        return opt_error(c, opt, REP_ERR_UNKNOWN, "no such export");
    const char *bm = c->ex->bitmap_name;
    bool ad = c->ex->alloc_depth;
    bool base = false, bitmap = false, depth = false;
    if (nq == 0 && !set) { /* list everything */
        base = true;
        bitmap = bm != NULL;
        depth = ad;
    }
    pos = 8 + nlen;
    for (uint32_t i = 0; i < nq; i++) {
        uint32_t ql = nbd_get32(d + pos);
        const char *q = (const char *)d + pos + 4;
        pos += 4 + ql;
#define IS(s) (ql == strlen(s) && memcmp(q, s, ql) == 0)
        if (IS("base:allocation") || (!set && IS("base:")))
            base = true;
        if (bm && (!set && (IS("qemu:") || IS("qemu:dirty-bitmap:"))))
            bitmap = true;
        if (ad && ((!set && IS("qemu:")) || IS("qemu:allocation-depth")))
            depth = true;
        if (bm && ql == 18 + strlen(bm) &&
            memcmp(q, "qemu:dirty-bitmap:", 18) == 0 &&
            memcmp(q + 18, bm, ql - 18) == 0)
            bitmap = true;
#undef IS
    }
    if (base && send_context(c, opt, CTX_BASE, "base:allocation", NULL) < 0)
        return -1;
    if (depth && send_context(c, opt, CTX_DEPTH, "qemu:allocation-depth",
                              NULL) < 0)
        return -1;
    if (bitmap &&
        send_context(c, opt, CTX_BITMAP, "qemu:dirty-bitmap:", bm) < 0)
        return -1;
    if (set) {
        c->want_base = base;
        c->want_bitmap = bitmap;
        c->want_depth = depth;
    }
    return opt_reply(c, opt, REP_ACK, NULL, 0);
}

/* Returns 1 when transmission starts, 0 after a clean abort, -1 else. */
static int negotiate(Conn *c)
{
    uint8_t h[18];
    nbd_put64(h, NBDMAGIC);
    nbd_put64(h + 8, IHAVEOPT);
    nbd_put16(h + 16, FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES);
    if (csend(c, h, 18) < 0)
        return -1;
    uint8_t cf[4];
    if (crecv(c, cf, 4) < 0)
        return -1;
    uint32_t cflags = nbd_get32(cf);
    if (cflags & ~(uint32_t)(FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES))
        return -1; /* the spec: unknown client flags end the session */
    c->no_zeroes = cflags & FLAG_NO_ZEROES;
    uint8_t *data = malloc(OPT_MAX);
    if (!data)
        return -1;
    int ret = -1;
    for (;;) {
        uint8_t oh[16];
        if (crecv(c, oh, 16) < 0 || nbd_get64(oh) != IHAVEOPT)
            break;
        uint32_t opt = nbd_get32(oh + 8), len = nbd_get32(oh + 12);
        if (len > OPT_MAX) {
            if (opt == OPT_EXPORT_NAME || drain(c, len) < 0)
                break;
            if (opt_error(c, opt, REP_ERR_TOO_BIG, "option too long") < 0)
                break;
            continue;
        }
        if (crecv(c, data, len) < 0)
            break;
        int r;
        switch (opt) {
        case OPT_EXPORT_NAME:
            ret = opt_export_name(c, data, len) < 0 ? -1 : 1;
            goto out;
        case OPT_ABORT:
            opt_reply(c, opt, REP_ACK, NULL, 0); /* the client may be gone */
            ret = 0;
            goto out;
        case OPT_LIST:
            r = opt_list(c, len);
            break;
        case OPT_INFO:
        case OPT_GO:
            r = opt_info_go(c, opt, data, len);
            if (r == 1) {
                ret = 1;
                goto out;
            }
            break;
        case OPT_STRUCTURED_REPLY:
            if (len != 0) {
                r = opt_error(c, opt, REP_ERR_INVALID,
                              "NBD_OPT_STRUCTURED_REPLY takes no data");
            } else {
                c->structured = true;
                r = opt_reply(c, opt, REP_ACK, NULL, 0);
            }
            break;
        case OPT_LIST_META_CONTEXT:
        case OPT_SET_META_CONTEXT:
            r = opt_meta(c, opt, data, len);
            break;
        case OPT_STARTTLS:
            r = opt_error(c, opt, REP_ERR_UNSUP, "TLS is not supported");
            break;
        default:
            r = opt_error(c, opt, REP_ERR_UNSUP, "unknown option");
            break;
        }
        if (r < 0)
            break;
    }
out:
    free(data);
    return ret;
}

/* ---- transmission phase ---- */

static int simple_reply(Conn *c, uint64_t handle, uint32_t error,
                        const void *data, size_t len)
{
    uint8_t h[16];
    nbd_put32(h, SIMPLE_MAGIC);
    nbd_put32(h + 4, error);
    nbd_put64(h + 8, handle);
    if (csend(c, h, 16) < 0)
        return -1;
    return error ? 0 : csend(c, data, len);
}

static int chunk_header(Conn *c, uint16_t flags, uint16_t type,
                        uint64_t handle, uint32_t len)
{
    uint8_t h[20];
    nbd_put32(h, STRUCT_MAGIC);
    nbd_put16(h + 4, flags);
    nbd_put16(h + 6, type);
    nbd_put64(h + 8, handle);
    nbd_put32(h + 16, len);
    return csend(c, h, 20);
}

/* The final reply of a request without data: success or an error. */
static int reply(Conn *c, uint64_t handle, uint32_t error, const char *msg)
{
    if (!c->structured)
        return simple_reply(c, handle, error, NULL, 0);
    if (!error)
        return chunk_header(c, RF_DONE, RT_NONE, handle, 0);
    size_t n = strlen(msg);
    uint8_t p[6];
    nbd_put32(p, error);
    nbd_put16(p + 4, (uint16_t)n);
    if (chunk_header(c, RF_DONE, RT_ERROR, handle, (uint32_t)(6 + n)) < 0 ||
        csend(c, p, 6) < 0)
        return -1;
    return csend(c, msg, n);
}

static void mark_dirty(NbdExport *ex, uint64_t off, uint64_t len)
{
    if (!ex->bitmap || !len)
        return;
    uint64_t first = off / ex->bitmap_gran;
    uint64_t last = (off + len - 1) / ex->bitmap_gran;
    for (uint64_t i = first; i <= last && i < ex->bitmap_bits; i++)
        ex->bitmap[i / 8] |= (uint8_t)(1u << (i % 8));
}

static bool bit_at(const NbdExport *ex, uint64_t off)
{
    uint64_t i = off / ex->bitmap_gran;
    return i < ex->bitmap_bits && (ex->bitmap[i / 8] >> (i % 8) & 1);
}

/* One block status chunk for one context; the lock is held. */
static int block_status(Conn *c, uint64_t handle, uint32_t ctx, uint64_t off,
                        uint32_t len, bool one, bool last)
{
    NbdExport *ex = c->ex;
    uint8_t *p = malloc(4 + 8 * MAX_EXTENTS);
    if (!p)
        return reply(c, handle, NBD_ENOMEM, "out of memory");
    size_t n = 0;
    uint64_t pos = off, end = off + len;
    int err = 0;
    while (pos < end && n < (one ? 1u : MAX_EXTENTS)) {
        uint64_t run;
        uint32_t flags;
        if (ctx == CTX_BASE || ctx == CTX_DEPTH) {
            BlkStatus s;
            if (blk_block_status(ex->bs, pos, end - pos, &run, &s) < 0 ||
                run == 0) {
                err = 1;
                break;
            }
            if (ctx == CTX_DEPTH) /* 0: nowhere, 1: this image, 2.. */
                flags = s.flags & BLK_ST_ALLOCATED ? (uint32_t)s.depth + 1
                                                   : 0;
            else
                flags = (s.flags & BLK_ST_DATA ? 0 : STATE_HOLE) |
                        (s.flags & BLK_ST_ZERO ? STATE_ZERO : 0);
        } else {
            bool d = bit_at(ex, pos);
            uint64_t g = ex->bitmap_gran;
            uint64_t q = (pos / g + 1) * g;
            while (q < end && bit_at(ex, q) == d)
                q += g;
            run = (q < end ? q : end) - pos;
            flags = d ? STATE_DIRTY : 0;
        }
        if (run > end - pos)
            run = end - pos;
        /* Merge with the previous extent when the flags match. */
        if (n && nbd_get32(p + 4 + 8 * (n - 1) + 4) == flags) {
            uint8_t *e = p + 4 + 8 * (n - 1);
            nbd_put32(e, (uint32_t)(nbd_get32(e) + run)); /* sum <= len < 2^32 */
        } else {
            nbd_put32(p + 4 + 8 * n, (uint32_t)run);
            nbd_put32(p + 4 + 8 * n + 4, flags);
            n++;
        }
        pos += run;
    }
    int r;
    if (err && n == 0) { /* an error chunk, final only if last */
        const char *msg = blk_error(ex->bs);
        size_t mn = strlen(msg);
        uint8_t e[6];
        nbd_put32(e, NBD_EIO);
        nbd_put16(e + 4, (uint16_t)mn);
        r = chunk_header(c, last ? RF_DONE : 0, RT_ERROR, handle,
                         (uint32_t)(6 + mn));
        if (r == 0)
            r = csend(c, e, 6);
        if (r == 0)
            r = csend(c, msg, mn);
    } else {
        nbd_put32(p, ctx);
        r = chunk_header(c, last ? RF_DONE : 0, RT_BLOCK_STATUS, handle,
                         (uint32_t)(4 + 8 * n));
        if (r == 0)
            r = csend(c, p, 4 + 8 * n);
    }
    free(p);
    return r;
}

/* One piece of a structured read reply: data from buf, or a hole. */
typedef struct Piece {
    uint64_t off;
    uint32_t len;
    bool hole;
} Piece;

/* The pieces of [off, off+len): one a block status extent, a hole where
 * it reads as zeroes (as qemu-nbd splits its reads; adjacent extents are
 * not merged), data (read into buf) elsewhere. The lock is held. On a
 * block status error the rest is one data piece. Returns the number of
 * pieces, -1 when reading failed (message in msg), -2 out of memory. */
static long sparse_pieces(NbdExport *ex, uint64_t off, uint32_t len,
                          uint8_t *buf, Piece **out, char *msg, size_t ml)
{
    size_t n = 0, cap = 16;
    Piece *pc = malloc(cap * sizeof(*pc));
    if (!pc)
        return -2;
    for (uint64_t pos = off, end = off + len; pos < end;) {
        uint64_t run;
        BlkStatus s;
        bool hole = false;
        if (blk_block_status(ex->bs, pos, end - pos, &run, &s) < 0 ||
            run == 0 || run > end - pos)
            run = end - pos;
        else
            hole = s.flags & BLK_ST_ZERO;
        if (!hole && blk_read(ex->bs, pos, buf + (pos - off), run) < 0) {
            snprintf(msg, ml, "%s", blk_error(ex->bs));
            free(pc);
            return -1;
        }
        if (n == cap) {
            Piece *np = realloc(pc, 2 * cap * sizeof(*pc));
            if (!np) {
                free(pc);
                return -2;
            }
            pc = np;
            cap *= 2;
        }
        pc[n++] = (Piece){pos, (uint32_t)run, hole};
        pos += run;
    }
    *out = pc;
    return (long)n;
}

/* NBD_CMD_READ. Simple reply without structured replies; with them, one
 * OFFSET_DATA chunk with NBD_CMD_FLAG_DF, else OFFSET_DATA and
 * OFFSET_HOLE chunks (zero ranges are not sent); a zero-length read gets
 * a NONE chunk. Data is read under the lock, sent outside it. */
static int serve_read(Conn *c, uint64_t handle, uint16_t flags,
                      uint64_t off, uint32_t len)
{
    NbdExport *ex = c->ex;
    if (c->structured && len == 0)
        return reply(c, handle, 0, "");
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        return reply(c, handle, NBD_ENOMEM, "out of memory");
    bool sparse = c->structured && !(flags & CF_DF);
    Piece *pc = NULL;
    long np = 1;
    char msg[256];
    int r = 0;
    pthread_mutex_lock(&ex->lock);
    if (sparse) {
        np = sparse_pieces(ex, off, len, buf, &pc, msg, sizeof(msg));
        if (np == -2)
            snprintf(msg, sizeof(msg), "out of memory");
        r = np < 0 ? -1 : 0;
    } else if (blk_read(ex->bs, off, buf, len) < 0) {
        snprintf(msg, sizeof(msg), "%s", blk_error(ex->bs));
        r = -1;
    }
    pthread_mutex_unlock(&ex->lock);
    if (r < 0) {
        free(buf);
        return reply(c, handle, np == -2 ? NBD_ENOMEM : NBD_EIO, msg);
    }
    if (!c->structured) {
        r = simple_reply(c, handle, 0, buf, len);
    } else if (!sparse) {
        uint8_t o[8];
        nbd_put64(o, off);
        r = chunk_header(c, RF_DONE, RT_OFFSET_DATA, handle, 8 + len);
        if (r == 0)
            r = csend(c, o, 8);
        if (r == 0)
            r = csend(c, buf, len);
    } else {
        for (long i = 0; r == 0 && i < np; i++) {
            uint16_t fl = i == np - 1 ? RF_DONE : 0;
            uint8_t o[12];
            nbd_put64(o, pc[i].off);
            if (pc[i].hole) {
                nbd_put32(o + 8, pc[i].len);
                r = chunk_header(c, fl, RT_OFFSET_HOLE, handle, 12);
                if (r == 0)
                    r = csend(c, o, 12);
            } else {
                r = chunk_header(c, fl, RT_OFFSET_DATA, handle,
                                 8 + pc[i].len);
                if (r == 0)
                    r = csend(c, o, 8);
                if (r == 0)
                    r = csend(c, buf + (pc[i].off - off), pc[i].len);
            }
        }
    }
    free(pc);
    free(buf);
    return r;
}

static bool all_zero(const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (p[i])
            return false;
    return true;
}

/* Writes, zeroes, trims; the lock is taken here. */
static int serve_modify(Conn *c, uint64_t handle, uint16_t type,
                        uint16_t flags, uint64_t off, uint32_t len,
                        const uint8_t *data)
{
    NbdExport *ex = c->ex;
    pthread_mutex_lock(&ex->lock);
    int r = 0;
    if (type == CMD_WRITE && ex->detect_zeroes != NBD_DZ_OFF &&
        all_zero(data, len)) {
        /* As a write-zeroes, which may deallocate only with unmap. */
        type = CMD_WRITE_ZEROES;
        if (ex->detect_zeroes == NBD_DZ_ON)
            flags |= CF_NO_HOLE;
    }
    if (type == CMD_WRITE) {
        r = blk_write(ex->bs, off, data, len);
    } else if (type == CMD_TRIM) {
        if (ex->discard_unmap)
            r = blk_discard(ex->bs, off, len);
        else
            len = 0; /* --discard=ignore: nothing changes */
    } else if ((flags & CF_NO_HOLE) &&
               strcmp(blk_format(ex->bs), "raw") == 0) {
        /* Zeroes that stay allocated: raw write-zeroes punches holes.
         * (qcow2 zero clusters are allocated in their layer, as qemu's
         * for a write-zeroes without unmap.) */
        static const uint8_t zero[65536];
        for (uint64_t p = off; r == 0 && p < off + len;) {
            uint64_t n = off + len - p < sizeof(zero) ? off + len - p
                                                       : sizeof(zero);
            r = blk_write(ex->bs, p, zero, n);
            p += n;
        }
    } else {
        r = blk_write_zeroes(ex->bs, off, len);
    }
    if (r == 0)
        mark_dirty(ex, off, len);
    if (r == 0 && (flags & CF_FUA))
        r = blk_flush(ex->bs);
    char msg[256];
    if (r < 0)
        snprintf(msg, sizeof(msg), "%s", blk_error(ex->bs));
    pthread_mutex_unlock(&ex->lock);
    return reply(c, handle, r < 0 ? NBD_EIO : 0, r < 0 ? msg : "");
}

/* Returns 0 after NBD_CMD_DISC, -1 when the stream breaks. */
static int transmission(Conn *c)
{
    NbdExport *ex = c->ex;
    uint8_t *wbuf = NULL;
    int ret = -1;
    for (;;) {
        uint8_t h[28];
        if (crecv(c, h, 28) < 0 || nbd_get32(h) != REQUEST_MAGIC)
            break;
        uint16_t flags = nbd_get16(h + 4), type = nbd_get16(h + 6);
        uint64_t handle = nbd_get64(h + 8), off = nbd_get64(h + 16);
        uint32_t len = nbd_get32(h + 24);
        uint64_t size = blk_size(ex->bs);
        bool in_range = off <= size && len <= size - off;
        int r;
        if (type == CMD_WRITE) {
            /* The payload comes first, whatever we think of it. */
            if (len > NBD_MAX_PAYLOAD) {
                if (drain(c, len) < 0)
                    break;
                r = reply(c, handle, NBD_EINVAL, "write too large");
            } else {
                free(wbuf);
                wbuf = malloc(len ? len : 1);
                if (!wbuf) {
                    if (drain(c, len) < 0)
                        break;
                    r = reply(c, handle, NBD_ENOMEM, "out of memory");
                } else if (crecv(c, wbuf, len) < 0) {
                    break;
                } else if (flags & ~CF_FUA) {
                    r = reply(c, handle, NBD_EINVAL, "invalid flags");
                } else if (ex->read_only) {
                    r = reply(c, handle, NBD_EPERM, "read-only export");
                } else if (!in_range) {
                    r = reply(c, handle, NBD_ENOSPC, "beyond the end");
                } else {
                    r = serve_modify(c, handle, type, flags, off, len, wbuf);
                }
                free(wbuf);
                wbuf = NULL;
            }
            if (r < 0)
                break;
            continue;
        }
        switch (type) {
        case CMD_READ:
            if (flags & ~(c->structured ? CF_DF : 0))
                r = reply(c, handle, NBD_EINVAL, "invalid flags");
            else if (len > NBD_MAX_PAYLOAD)
                r = reply(c, handle, NBD_EINVAL, "read too large");
            else if (!in_range)
                r = reply(c, handle, NBD_EINVAL, "beyond the end");
            else
                r = serve_read(c, handle, flags, off, len);
            break;
        case CMD_DISC:
            ret = 0;
            goto out;
        case CMD_FLUSH:
            if (flags) {
                r = reply(c, handle, NBD_EINVAL, "invalid flags");
            } else {
                pthread_mutex_lock(&ex->lock);
                int e = blk_flush(ex->bs);
                pthread_mutex_unlock(&ex->lock);
                r = reply(c, handle, e < 0 ? NBD_EIO : 0, "flush failed");
            }
            break;
        case CMD_TRIM:
        case CMD_WRITE_ZEROES: {
            uint16_t ok = type == CMD_TRIM ? CF_FUA : CF_FUA | CF_NO_HOLE;
            if (flags & ~ok)
                r = reply(c, handle, NBD_EINVAL, "invalid flags");
            else if (ex->read_only)
                r = reply(c, handle, NBD_EPERM, "read-only export");
            else if (!in_range)
                r = reply(c, handle, type == CMD_TRIM ? NBD_EINVAL
                                                      : NBD_ENOSPC,
                          "beyond the end");
            else
                r = serve_modify(c, handle, type, flags, off, len, NULL);
            break;
        }
        case CMD_CACHE:
            /* Nothing to prefetch into: the host page cache does it. */
            if (flags)
                r = reply(c, handle, NBD_EINVAL, "invalid flags");
            else if (!in_range)
                r = reply(c, handle, NBD_EINVAL, "beyond the end");
            else
                r = reply(c, handle, 0, "");
            break;
        case CMD_BLOCK_STATUS:
            if (!c->structured ||
                !(c->want_base || c->want_bitmap || c->want_depth))
                r = reply(c, handle, NBD_EINVAL,
                          "no metadata context negotiated");
            else if (flags & ~CF_REQ_ONE)
                r = reply(c, handle, NBD_EINVAL, "invalid flags");
            else if (len == 0 || !in_range)
                r = reply(c, handle, NBD_EINVAL, "invalid range");
            else {
                pthread_mutex_lock(&ex->lock);
                r = 0;
                if (c->want_base)
                    r = block_status(c, handle, CTX_BASE, off, len,
                                     flags & CF_REQ_ONE,
                                     !c->want_bitmap && !c->want_depth);
                if (r == 0 && c->want_depth)
                    r = block_status(c, handle, CTX_DEPTH, off, len,
                                     flags & CF_REQ_ONE, !c->want_bitmap);
                if (r == 0 && c->want_bitmap)
                    r = block_status(c, handle, CTX_BITMAP, off, len,
                                     flags & CF_REQ_ONE, true);
                pthread_mutex_unlock(&ex->lock);
            }
            break;
        default:
            r = reply(c, handle, NBD_EINVAL, "unknown command");
            break;
        }
        if (r < 0)
            break;
    }
out:
    free(wbuf);
    return ret;
}

int nbd_serve(NbdExport *ex, const NbdStream *st)
{
    Conn c = {.ex = ex, .st = st};
    int r = negotiate(&c);
    if (r <= 0)
        return r;
    return transmission(&c);
}
