/* SPDX-License-Identifier: MIT */
/*
 * qcow2 images, version 3 (version 2 read-only), after QEMU's
 * docs/interop/qcow2.txt.
 *
 * Metadata is written through (never cached dirty), in an order that
 * keeps the image consistent if the process dies between any two
 * writes: data, then the L2 entry, then the L1 entry; refcounts go up
 * before a reference is written and down only after it is removed. So a
 * crash can leak clusters but never leave a reference to a cluster whose
 * refcount is too low. New clusters are always taken at the end of the
 * file; freed ones are punched out of the file, not reused.
 */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>
#include <zlib.h>
#include <zstd.h>

#include "block/block-int.h"
#include "block/crypto.h"
#include "block/pool.h"

#define QCOW_MAGIC 0x514649fbu
#define MIN_CLUSTER_BITS 9
#define MAX_CLUSTER_BITS 21
#define MAX_L1_BYTES (32u << 20)
#define MAX_RT_BYTES (8u << 20)
#define MAX_BACKING_NAME 1023
#define MAX_SNAPSHOTS 65536

#define INCOMPAT_DIRTY      (1ull << 0)
#define INCOMPAT_CORRUPT    (1ull << 1)
#define INCOMPAT_DATA_FILE  (1ull << 2)
#define INCOMPAT_COMPRESS   (1ull << 3)
#define INCOMPAT_EXTL2      (1ull << 4)
#define COMPAT_LAZY_REFCOUNTS (1ull << 0)

#define EXT_END          0x00000000u
#define EXT_BACKING_FMT  0xe2792acau
#define EXT_FEATURES     0x6803f857u
#define EXT_BITMAPS      0x23852875u
#define EXT_CRYPTO       0x0537be77u
#define CRYPT_AES        1
#define CRYPT_LUKS       2
/* The LUKS header region (header and 8 keyslots) is refused above this. */
#define MAX_CRYPTO_HDR   (64u << 20)
#define AUTOCLEAR_BITMAPS (1ull << 0)

#define OFLAG_COPIED     (1ull << 63)
#define OFLAG_COMPRESSED (1ull << 62)
#define OFLAG_ZERO       1ull
#define OFFSET_MASK      0x00fffffffffffe00ull
#define L1E_RESERVED     0x7f000000000001ffull
#define L2E_RESERVED     0x3f000000000001feull

enum { CL_UNALLOC, CL_ZERO_PLAIN, CL_ZERO_ALLOC, CL_NORMAL, CL_COMPRESSED };

#define L2_CACHE_SLOTS 16
#define RB_CACHE_SLOTS 4

typedef struct CacheSlot {
    uint64_t off;     /* 0: empty */
    uint64_t stamp;
    void *data;
} CacheSlot;

typedef struct Ext {
    uint32_t type, len;
    uint8_t *data;
} Ext;

typedef struct BmEnt BmEnt;

typedef struct Qcow2 {
    uint32_t version;
    uint32_t cluster_bits, l2_bits;
    uint64_t cs;              /* cluster size */
    uint64_t l2_entries;
    uint32_t l1_size;
    uint64_t l1_offset;
    uint64_t *l1;             /* host order */
    uint64_t rt_offset;
    uint32_t rt_clusters;
    uint64_t rt_entries;
    uint64_t *rt;             /* host order */
    uint32_t refcount_order;
    uint64_t rb_entries;      /* refcounts per block */
    uint64_t incompat, compat, autoclear;
    uint32_t header_length;
    int compression;          /* 0 zlib, 1 zstd */
    uint32_t nb_snapshots;
    uint64_t snapshots_offset;
    Ext *ext;
    int n_ext;
    uint64_t end_cluster;     /* next cluster to allocate */
    uint64_t comp_next;       /* next free byte for compressed data, 0: none */
    uint64_t *meta;           /* set of metadata clusters (see set_meta) */
    uint64_t meta_cap, meta_used;
    CacheSlot l2c[L2_CACHE_SLOTS];
    CacheSlot rbc[RB_CACHE_SLOTS];
    uint64_t stamp;
    uint8_t *cbuf;            /* a cluster of scratch */
    uint8_t *zbuf;            /* compressed input/output, 2 clusters */
    uint64_t dec_off;         /* guest cluster held decompressed in dbuf */
    uint8_t *dbuf;
    bool dec_valid;
    bool bitmaps_editable;   /* BLK_O_BITMAPS: bitmaps kept consistent */
    BmEnt *bm;                /* read-write open: the bitmaps, tracking */
    int n_bm;                 /* guest writes (see bm_mark) */
    bool bm_quiet;            /* resize's own zeroing: not a guest write */
    uint32_t crypt;           /* crypt_method: 0 or CRYPT_LUKS */
    Luks *crypto;             /* LUKS header and key (encrypted images) */
    uint64_t crypt_off, crypt_len;  /* the LUKS header region */
    uint8_t *ebuf;            /* a cluster of scratch for encryption */
    /* Compression and decompression: contexts per thread of the pool
     * (slot 0 is the caller's), created when first used. */
    struct Codec *codec;
    /* Compressed writes in flight (see comp_queue): a ring of batches,
     * the oldest at cb_first. */
    struct CompBatch *cb;
    int cb_first, cb_count;
    uint8_t *batch_in;        /* compressed input of a read batch */
} Qcow2;

/* ---- big-endian helpers ---- */

static uint64_t be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
           (uint32_t)p[2] << 8 | p[3];
}

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = (uint8_t)v;
}

static uint64_t div_round_up(uint64_t a, uint64_t b) { return a / b + (a % b != 0); }

/* ---- header parsing (shared with the fuzz target) ---- */

typedef struct Header {
    uint32_t version, cluster_bits, l1_size, rt_clusters, nb_snapshots;
    uint32_t refcount_order, header_length, backing_size, crypt;
    uint64_t backing_offset, size, l1_offset, rt_offset, snapshots_offset;
    uint64_t incompat, compat, autoclear;
    int compression;
} Header;

static const char *feature_name(const Ext *ext, int n_ext, int bit,
                                char *buf, size_t len)
{
    for (int i = 0; i < n_ext; i++) {
        if (ext[i].type != EXT_FEATURES)
            continue;
        for (uint32_t j = 0; j + 48 <= ext[i].len; j += 48) {
            const uint8_t *e = ext[i].data + j;
            if (e[0] == 0 && e[1] == bit) {
                snprintf(buf, len, "'%.46s' (bit %d)", (const char *)e + 2,
                         bit);
                return buf;
            }
        }
    }
    snprintf(buf, len, "bit %d", bit);
    return buf;
}

/* Validates the fixed header in buf (the first cluster, or less). */
static int parse_header(const uint8_t *buf, size_t len, Header *h,
                        const char *fn, char *err, size_t errlen)
{
#define BAD(...) do { snprintf(err, errlen, __VA_ARGS__); return -1; } while (0)
    memset(h, 0, sizeof(*h));
    if (len < 72 || be32(buf) != QCOW_MAGIC)
        BAD("%s: not a qcow2 image (bad magic)", fn);
    h->version = be32(buf + 4);
    if (h->version != 2 && h->version != 3)
        BAD("%s: qcow2 header field version has unsupported value %u "
            "(2 or 3 expected)", fn, h->version);
    h->backing_offset = be64(buf + 8);
    h->backing_size = be32(buf + 16);
    h->cluster_bits = be32(buf + 20);
    h->size = be64(buf + 24);
    h->crypt = be32(buf + 32);
    h->l1_size = be32(buf + 36);
    h->l1_offset = be64(buf + 40);
    h->rt_offset = be64(buf + 48);
    h->rt_clusters = be32(buf + 56);
    h->nb_snapshots = be32(buf + 60);
    h->snapshots_offset = be64(buf + 64);
    h->refcount_order = 4;
    h->header_length = 72;
    if (h->version == 3) {
        if (len < 104)
            BAD("%s: qcow2 header truncated (%zu bytes)", fn, len);
        h->incompat = be64(buf + 72);
        h->compat = be64(buf + 80);
        h->autoclear = be64(buf + 88);
        h->refcount_order = be32(buf + 96);
        h->header_length = be32(buf + 100);
        if (h->header_length < 104)
            BAD("%s: qcow2 header field header_length has invalid value %u "
                "(at least 104)", fn, h->header_length);
        if (h->header_length > 104) {
            if (len < 105)
                BAD("%s: qcow2 header truncated (%zu bytes)", fn, len);
            h->compression = buf[104];
        }
    }
    if (h->cluster_bits < MIN_CLUSTER_BITS || h->cluster_bits > MAX_CLUSTER_BITS)
        BAD("%s: qcow2 header field cluster_bits has invalid value %u "
            "(%d to %d)", fn, h->cluster_bits, MIN_CLUSTER_BITS,
            MAX_CLUSTER_BITS);
    uint64_t cs = 1ull << h->cluster_bits;
    if (h->header_length > cs || h->header_length > len)
        BAD("%s: qcow2 header field header_length has invalid value %u "
            "(larger than the cluster)", fn, h->header_length);
    if (h->crypt == CRYPT_AES)
        BAD("%s: qcow2 images with the legacy AES encryption (crypt_method "
            "= 1) are not supported (use encrypt.format=luks)", fn);
    if (h->crypt > CRYPT_LUKS)
        BAD("%s: qcow2 header field crypt_method has invalid value %u "
            "(0 none, 2 LUKS)", fn, h->crypt);
    if (h->refcount_order > 6)
        BAD("%s: qcow2 header field refcount_order has invalid value %u "
            "(0 to 6)", fn, h->refcount_order);
    if (h->size > (1ull << 62))
        BAD("%s: qcow2 header field size has invalid value %llu (too large)",
            fn, (unsigned long long)h->size);
    uint64_t l2_entries = cs / 8;
    uint64_t need_l1 = div_round_up(h->size, cs * l2_entries);
    if ((uint64_t)h->l1_size * 8 > MAX_L1_BYTES)
        BAD("%s: qcow2 header field l1_size has invalid value %u "
            "(more than %u entries)", fn, h->l1_size, MAX_L1_BYTES / 8);
    if (h->l1_size < need_l1)
        BAD("%s: qcow2 header field l1_size has invalid value %u (the size "
            "%llu needs %llu entries)", fn, h->l1_size,
            (unsigned long long)h->size, (unsigned long long)need_l1);
    if (h->l1_size && (h->l1_offset % cs || !h->l1_offset ||
                       h->l1_offset > OFFSET_MASK))
        BAD("%s: qcow2 header field l1_table_offset has invalid value %llu",
            fn, (unsigned long long)h->l1_offset);
    if (h->rt_offset % cs || !h->rt_offset || h->rt_offset > OFFSET_MASK)
        BAD("%s: qcow2 header field refcount_table_offset has invalid value "
            "%llu", fn, (unsigned long long)h->rt_offset);
    if (!h->rt_clusters || (uint64_t)h->rt_clusters * cs > MAX_RT_BYTES)
        BAD("%s: qcow2 header field refcount_table_clusters has invalid "
            "value %u", fn, h->rt_clusters);
    if (h->nb_snapshots > MAX_SNAPSHOTS)
        BAD("%s: qcow2 header field nb_snapshots has invalid value %u", fn,
            h->nb_snapshots);
    if (h->nb_snapshots && (h->snapshots_offset % cs || !h->snapshots_offset ||
                            h->snapshots_offset > OFFSET_MASK))
        BAD("%s: qcow2 header field snapshots_offset has invalid value %llu",
            fn, (unsigned long long)h->snapshots_offset);
    if (h->backing_offset) {
        if (h->backing_size == 0 || h->backing_size > MAX_BACKING_NAME ||
            h->backing_offset >= cs ||
            h->backing_offset + h->backing_size > cs ||
            h->backing_offset + h->backing_size > len)
            BAD("%s: qcow2 header fields backing_file_offset %llu and "
                "backing_file_size %u point outside the header cluster", fn,
                (unsigned long long)h->backing_offset, h->backing_size);
    }
    if (h->compression > 1)
        BAD("%s: qcow2 header field compression_type has unsupported value %d "
            "(0 zlib, 1 zstd)", fn, h->compression);
    if (h->compression && !(h->incompat & INCOMPAT_COMPRESS))
        BAD("%s: qcow2 compression_type is %d but the compression type "
            "incompatible feature bit is not set", fn, h->compression);
    return 0;
#undef BAD
}

/* Header extensions between header_length and the end of the cluster. */
static int parse_extensions(const uint8_t *buf, size_t len, const Header *h,
                            Ext **pext, int *pn, const char *fn, char *err,
                            size_t errlen)
{
    Ext *ext = NULL;
    int n = 0;
    size_t off = h->header_length;
    uint64_t limit = len;
    if (h->backing_offset && h->backing_offset < limit)
        limit = h->backing_offset;
    if (h->version == 2) {
        *pext = NULL;
        *pn = 0;
        if (h->header_length >= limit)
            return 0;
    }
    for (;;) {
        if (off + 8 > limit)
            break; /* tolerate a header without end marker at the limit */
        uint32_t type = be32(buf + off), elen = be32(buf + off + 4);
        if (type == EXT_END)
            break;
        off += 8;
        if (elen > limit - off) {
            snprintf(err, errlen, "%s: qcow2 header extension 0x%08x has "
                     "invalid length %u (past the header)", fn, type, elen);
            goto fail;
        }
        Ext *ne = realloc(ext, (size_t)(n + 1) * sizeof(*ext));
        if (!ne) {
            snprintf(err, errlen, "%s: out of memory", fn);
            goto fail;
        }
        ext = ne;
        ext[n].type = type;
        ext[n].len = elen;
        ext[n].data = malloc(elen ? elen : 1);
        if (!ext[n].data) {
            snprintf(err, errlen, "%s: out of memory", fn);
            goto fail;
        }
        memcpy(ext[n].data, buf + off, elen);
        n++;
        off += (elen + 7) & ~7u;
    }
    *pext = ext;
    *pn = n;
    return 0;
fail:
    for (int i = 0; i < n; i++)
        free(ext[i].data);
    free(ext);
    return -1;
}

static void free_ext(Ext *ext, int n)
{
    for (int i = 0; i < n; i++)
        free(ext[i].data);
    free(ext);
}

static int check_features(const Header *h, const Ext *ext, int n_ext,
                          const char *fn, char *err, size_t errlen)
{
    uint64_t known = INCOMPAT_DIRTY | INCOMPAT_CORRUPT | INCOMPAT_COMPRESS;
    char name[80];
    if (h->incompat & INCOMPAT_DATA_FILE) {
        snprintf(err, errlen, "%s: unsupported qcow2 incompatible feature %s: "
                 "external data file", fn,
                 feature_name(ext, n_ext, 2, name, sizeof(name)));
        return -1;
    }
    if (h->incompat & INCOMPAT_EXTL2) {
        snprintf(err, errlen, "%s: unsupported qcow2 incompatible feature %s: "
                 "extended L2 entries", fn,
                 feature_name(ext, n_ext, 4, name, sizeof(name)));
        return -1;
    }
    for (int bit = 0; bit < 64; bit++) {
        if ((h->incompat >> bit & 1) && !(known >> bit & 1)) {
            snprintf(err, errlen, "%s: unknown qcow2 incompatible feature %s "
                     "(incompatible_features = 0x%llx)", fn,
                     feature_name(ext, n_ext, bit, name, sizeof(name)),
                     (unsigned long long)h->incompat);
            return -1;
        }
    }
    return 0;
}

int blk_qcow2_probe_header(const uint8_t *buf, size_t len, char *err,
                           size_t errlen)
{
    Header h;
    Ext *ext;
    int n;
    if (parse_header(buf, len, &h, "image", err, errlen) < 0)
        return -1;
    if (parse_extensions(buf, len < (1ull << h.cluster_bits) ? len :
                         (size_t)(1ull << h.cluster_bits), &h, &ext, &n,
                         "image", err, errlen) < 0)
        return -1;
    int r = check_features(&h, ext, n, "image", err, errlen);
    free_ext(ext, n);
    return r;
}

/* ---- metadata set: clusters that data must never be written to ----
 * An open-addressing hash set of cluster numbers (stored + 1; 0 is empty,
 * UINT64_MAX a deleted slot): offsets come from the image and may be
 * anywhere below 2^56, so no bitmap. */

#define META_DELETED UINT64_MAX

static uint64_t meta_hash(uint64_t c)
{
    c ^= c >> 33;
    c *= 0xff51afd7ed558ccdull;
    c ^= c >> 33;
    return c;
}

static bool meta_insert(uint64_t *slots, uint64_t cap, uint64_t key)
{
    uint64_t i = meta_hash(key) & (cap - 1), del = UINT64_MAX;
    for (uint64_t n = 0; n < cap; n++, i = (i + 1) & (cap - 1)) {
        if (slots[i] == key)
            return false;
        if (slots[i] == META_DELETED && del == UINT64_MAX)
            del = i;
        if (slots[i] == 0) {
            slots[del != UINT64_MAX ? del : i] = key;
            return true;
        }
    }
    if (del != UINT64_MAX) {
        slots[del] = key;
        return true;
    }
    return false;
}

/* Adds or removes a cluster; true if it was added and not there yet. */
static bool set_meta(Qcow2 *q, uint64_t cluster, bool on)
{
    uint64_t key = cluster + 1;
    if (on && (q->meta_used + 1) * 2 > q->meta_cap) {
        uint64_t ncap = q->meta_cap ? q->meta_cap * 2 : 1024;
        uint64_t *ns = calloc(ncap, 8);
        if (!ns)
            return true; /* best effort: only loses a safety check */
        for (uint64_t i = 0; i < q->meta_cap; i++)
            if (q->meta[i] && q->meta[i] != META_DELETED)
                meta_insert(ns, ncap, q->meta[i]);
        free(q->meta);
        q->meta = ns;
        q->meta_cap = ncap;
    }
    if (!q->meta_cap)
        return true;
    if (on) {
        if (!meta_insert(q->meta, q->meta_cap, key))
            return false;
        q->meta_used++;
        return true;
    }
    uint64_t i = meta_hash(key) & (q->meta_cap - 1);
    for (uint64_t n = 0; n < q->meta_cap && q->meta[i];
         n++, i = (i + 1) & (q->meta_cap - 1)) {
        if (q->meta[i] == key) {
            q->meta[i] = META_DELETED;
            break;
        }
    }
    return false;
}

static bool is_meta(const Qcow2 *q, uint64_t cluster)
{
    uint64_t key = cluster + 1;
    if (!q->meta_cap)
        return false;
    uint64_t i = meta_hash(key) & (q->meta_cap - 1);
    for (uint64_t n = 0; n < q->meta_cap && q->meta[i];
         n++, i = (i + 1) & (q->meta_cap - 1))
        if (q->meta[i] == key)
            return true;
    return false;
}

static void set_meta_range(Qcow2 *q, uint64_t off, uint64_t len, bool on)
{
    if (!len)
        return;
    for (uint64_t c = off >> q->cluster_bits;
         c <= (off + len - 1) >> q->cluster_bits; c++)
        set_meta(q, c, on);
}

/* ---- caches (read caches; every change is written through) ---- */

static CacheSlot *cache_get(BlockDev *bs, CacheSlot *slots, int n,
                            uint64_t off, const char *what)
{
    Qcow2 *q = bs->opaque;
    CacheSlot *victim = &slots[0];
    for (int i = 0; i < n; i++) {
        if (slots[i].off == off) {
            slots[i].stamp = ++q->stamp;
            return &slots[i];
        }
        if (slots[i].stamp < victim->stamp)
            victim = &slots[i];
    }
    if (!victim->data) {
        victim->data = malloc(q->cs);
        if (!victim->data) {
            blk_set_error(bs, "%s: out of memory", bs->filename);
            return NULL;
        }
    }
    victim->off = 0;
    if (blk_pread(bs, off, victim->data, q->cs, what) < 0)
        return NULL;
    victim->off = off;
    victim->stamp = ++q->stamp;
    return victim;
}

static void cache_drop(CacheSlot *slots, int n, uint64_t off)
{
    for (int i = 0; i < n; i++)
        if (slots[i].off == off)
            slots[i].off = 0;
}

/* ---- refcounts ---- */

static uint64_t rb_get(const Qcow2 *q, const uint8_t *b, uint64_t i)
{
    unsigned bits = 1u << q->refcount_order;
    if (bits >= 8) {
        uint64_t v = 0;
        for (unsigned k = 0; k < bits / 8; k++)
            v = v << 8 | b[i * (bits / 8) + k];
        return v;
    }
    uint64_t bit = i * bits;
    return (b[bit / 8] >> (bit % 8)) & ((1u << bits) - 1);
}

/* Sets entry i; returns the byte range changed. */
static void rb_set(const Qcow2 *q, uint8_t *b, uint64_t i, uint64_t v,
                   uint64_t *boff, uint64_t *blen)
{
    unsigned bits = 1u << q->refcount_order;
    if (bits >= 8) {
        unsigned n = bits / 8;
        for (unsigned k = 0; k < n; k++)
            b[i * n + k] = (uint8_t)(v >> (8 * (n - 1 - k)));
        *boff = i * n;
        *blen = n;
        return;
    }
    uint64_t bit = i * bits;
    uint8_t mask = (uint8_t)(((1u << bits) - 1) << (bit % 8));
    b[bit / 8] = (uint8_t)((b[bit / 8] & ~mask) | ((v << (bit % 8)) & mask));
    *boff = bit / 8;
    *blen = 1;
}

static uint64_t refcount_max(const Qcow2 *q)
{
    unsigned bits = 1u << q->refcount_order;
    return bits == 64 ? UINT64_MAX : (1ull << bits) - 1;
}

static int validate_rb_offset(BlockDev *bs, uint64_t idx, uint64_t off)
{
    Qcow2 *q = bs->opaque;
    if (off & ~OFFSET_MASK || off % q->cs)
        return blk_set_error(bs, "%s: qcow2 refcount table entry %llu has "
                             "invalid value 0x%llx (not a cluster offset)",
                             bs->filename, (unsigned long long)idx,
                             (unsigned long long)off);
    return 0;
}

static int get_refcount(BlockDev *bs, uint64_t cluster, uint64_t *out)
{
    Qcow2 *q = bs->opaque;
    uint64_t b = cluster / q->rb_entries;
    *out = 0;
    if (b >= q->rt_entries || !q->rt[b])
        return 0;
    if (validate_rb_offset(bs, b, q->rt[b]) < 0)
        return -1;
    CacheSlot *s = cache_get(bs, q->rbc, RB_CACHE_SLOTS, q->rt[b],
                             "refcount block");
    if (!s)
        return -1;
    *out = rb_get(q, s->data, cluster % q->rb_entries);
    return 0;
}

static int64_t alloc_clusters(BlockDev *bs, uint64_t n);

static int write_rt_entry(BlockDev *bs, uint64_t b)
{
    Qcow2 *q = bs->opaque;
    uint8_t e[8];
    put64(e, q->rt[b]);
    return blk_pwrite(bs, q->rt_offset + b * 8, e, 8, "refcount table");
}

static int grow_refcount_table(BlockDev *bs, uint64_t need_entries);
static int set_refcount(BlockDev *bs, uint64_t cluster, uint64_t v);

/* Creates refcount block b at cluster `at`, which lies in block b's range
 * and so is counted by the block itself. */
static int place_refblock(BlockDev *bs, uint64_t b, uint64_t at)
{
    Qcow2 *q = bs->opaque;
    uint64_t boff, blen;
    uint8_t *blk = calloc(1, q->cs);
    if (!blk)
        return blk_set_error(bs, "%s: out of memory", bs->filename);
    rb_set(q, blk, at % q->rb_entries, 1, &boff, &blen);
    int r = blk_pwrite(bs, at << q->cluster_bits, blk, q->cs,
                       "refcount block");
    free(blk);
    if (r < 0)
        return -1;
    q->rt[b] = at << q->cluster_bits;
    set_meta(q, at, true);
    if (write_rt_entry(bs, b) < 0) {
        q->rt[b] = 0;
        return -1;
    }
    return 0;
}

/*
 * Creates refcount block b at the end of the file. When the end lies in
 * b's own range the block counts itself; otherwise it goes, still empty,
 * into a cluster that the block of the end's range counts (for ranges
 * beyond the end of the file). Written before the table points to it, so
 * a crash leaves at worst a leaked cluster.
 */
static int place_refblock_elsewhere(BlockDev *bs, uint64_t b)
{
    Qcow2 *q = bs->opaque;
    for (;;) {
        uint64_t c = q->end_cluster, cb = c / q->rb_entries;
        if (c + 1 > (OFFSET_MASK >> q->cluster_bits))
            return blk_set_error(bs, "%s: qcow2 image is full", bs->filename);
        if (cb >= q->rt_entries) {
            if (grow_refcount_table(bs, cb + 1) < 0)
                return -1;
            continue;
        }
        if (cb == b || !q->rt[cb]) {
            /* The end's own block is missing: it counts itself. */
            if (place_refblock(bs, cb, c) < 0)
                return -1;
            q->end_cluster = c + 1;
            if (cb == b)
                return 0;
            continue;
        }
        uint8_t *blk = calloc(1, q->cs);
        if (!blk)
            return blk_set_error(bs, "%s: out of memory", bs->filename);
        int r = blk_pwrite(bs, c << q->cluster_bits, blk, q->cs,
                           "refcount block");
        free(blk);
        if (r < 0 || set_refcount(bs, c, 1) < 0)
            return -1;
        q->end_cluster = c + 1;
        q->rt[b] = c << q->cluster_bits;
        set_meta(q, c, true);
        return write_rt_entry(bs, b);
    }
}

/*
 * Before a run longer than one refcount block's range: creates every block
 * the run will need (placed in front of it), until the run, starting at the
 * end of the file, finds all of them. Placing them inside the run instead
 * would move its start past each new block, forever.
 */
static int prepare_long_run(BlockDev *bs, uint64_t n)
{
    Qcow2 *q = bs->opaque;
    for (;;) {
        uint64_t start = q->end_cluster;
        if ((start + n) > (OFFSET_MASK >> q->cluster_bits))
            return blk_set_error(bs, "%s: qcow2 image is full", bs->filename);
        uint64_t first = start / q->rb_entries;
        uint64_t last = (start + n - 1) / q->rb_entries;
        if (last >= q->rt_entries) {
            if (grow_refcount_table(bs, last + 1) < 0)
                return -1;
            continue;
        }
        uint64_t b = first;
        while (b <= last && q->rt[b])
            b++;
        if (b > last)
            return 0;
        if (place_refblock_elsewhere(bs, b) < 0)
            return -1;
    }
}

/* Sets the refcount of a cluster that a refcount block covers. */
static int set_refcount(BlockDev *bs, uint64_t cluster, uint64_t v)
{
    Qcow2 *q = bs->opaque;
    uint64_t b = cluster / q->rb_entries;
    if (b >= q->rt_entries || !q->rt[b]) {
        /* Only check repairs reach here: give the block a home. */
        if (b >= q->rt_entries && grow_refcount_table(bs, b + 1) < 0)
            return -1;
        if (!q->rt[b] && place_refblock_elsewhere(bs, b) < 0)
            return -1;
    }
    if (validate_rb_offset(bs, b, q->rt[b]) < 0)
        return -1;
    /* A crafted table may name a block far past the end: writing there
     * would grow the file to any size. */
    if ((q->rt[b] >> q->cluster_bits) >= q->end_cluster)
        return blk_set_error(bs, "%s: qcow2 image is corrupt: refcount block "
                             "at 0x%llx is past the end of the file",
                             bs->filename, (unsigned long long)q->rt[b]);
    CacheSlot *s = cache_get(bs, q->rbc, RB_CACHE_SLOTS, q->rt[b],
                             "refcount block");
    if (!s)
        return -1;
    uint64_t boff, blen;
    rb_set(q, s->data, cluster % q->rb_entries, v, &boff, &blen);
    return blk_pwrite(bs, q->rt[b] + boff, (uint8_t *)s->data + boff, blen,
                      "refcount");
}

/*
 * Sets the refcounts of clusters [c, c+n), whose refcount blocks exist,
 * to v: one write per refcount block (the changed byte range), so a run
 * of new clusters costs one write, not one per cluster.
 */
static int set_refcount_run(BlockDev *bs, uint64_t c, uint64_t n, uint64_t v,
                            const uint64_t *vs)
{
    Qcow2 *q = bs->opaque;
    while (n) {
        if (vs)
            v = *vs;
        uint64_t b = c / q->rb_entries;
        uint64_t i = c % q->rb_entries;
        uint64_t k = q->rb_entries - i < n ? q->rb_entries - i : n;
        if (b >= q->rt_entries || !q->rt[b] || k == 1) {
            if (set_refcount(bs, c, v) < 0)
                return -1;
            c++;
            n--;
            if (vs)
                vs++;
            continue;
        }
        if (validate_rb_offset(bs, b, q->rt[b]) < 0)
            return -1;
        if ((q->rt[b] >> q->cluster_bits) >= q->end_cluster)
            return blk_set_error(bs, "%s: qcow2 image is corrupt: refcount "
                                 "block at 0x%llx is past the end of the file",
                                 bs->filename, (unsigned long long)q->rt[b]);
        CacheSlot *s = cache_get(bs, q->rbc, RB_CACHE_SLOTS, q->rt[b],
                                 "refcount block");
        if (!s)
            return -1;
        uint64_t lo = UINT64_MAX, hi = 0, boff, blen;
        for (uint64_t j = i; j < i + k; j++) {
            rb_set(q, s->data, j, vs ? vs[j - i] : v, &boff, &blen);
            if (boff < lo)
                lo = boff;
            if (boff + blen > hi)
                hi = boff + blen;
        }
        if (blk_pwrite(bs, q->rt[b] + lo, (uint8_t *)s->data + lo, hi - lo,
                       "refcounts") < 0)
            return -1;
        c += k;
        n -= k;
        if (vs)
            vs += k;
    }
    return 0;
}

static int update_refcount(BlockDev *bs, uint64_t cluster, int delta)
{
    Qcow2 *q = bs->opaque;
    uint64_t rc;
    if (get_refcount(bs, cluster, &rc) < 0)
        return -1;
    if ((delta < 0 && rc == 0) || (delta > 0 && rc == refcount_max(q)))
        return blk_set_error(bs, "%s: qcow2 image is corrupt: refcount of "
                             "cluster %llu is %llu and cannot %s",
                             bs->filename, (unsigned long long)cluster,
                             (unsigned long long)rc,
                             delta < 0 ? "go down" : "go up");
    return set_refcount(bs, cluster, rc + (uint64_t)(int64_t)delta);
}

/* Drops one reference to each cluster of [off, off+len); a cluster that
 * is left unused is punched out of the file. */
static int free_range(BlockDev *bs, uint64_t off, uint64_t len)
{
    Qcow2 *q = bs->opaque;
    if (!len)
        return 0;
    for (uint64_t c = off >> q->cluster_bits;
         c <= (off + len - 1) >> q->cluster_bits; c++) {
        uint64_t rc;
        if (update_refcount(bs, c, -1) < 0 || get_refcount(bs, c, &rc) < 0)
            return -1;
        if (rc == 0) {
            set_meta(q, c, false);
            cache_drop(q->l2c, L2_CACHE_SLOTS, c << q->cluster_bits);
            if (q->comp_next >> q->cluster_bits == c)
                q->comp_next = 0;
            fallocate(bs->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                      (off_t)(c << q->cluster_bits), (off_t)q->cs);
        }
    }
    return 0;
}

/*
 * Allocates n contiguous clusters at the end of the file with refcount 1
 * and returns the offset of the first. A refcount block that the range
 * needs is placed at the start of its own range (counting itself).
 */
static int64_t alloc_clusters_rc(BlockDev *bs, uint64_t n,
                                 const uint64_t *rc);

static int64_t alloc_clusters(BlockDev *bs, uint64_t n)
{
    return alloc_clusters_rc(bs, n, NULL);
}

/* The same with refcount rc[i] for the i-th cluster (NULL: all 1). */
static int64_t alloc_clusters_rc(BlockDev *bs, uint64_t n, const uint64_t *rc)
{
    Qcow2 *q = bs->opaque;
    /* A run that needs a new refcount block starts again after it (the
     * block counts itself). A run longer than one block's range gets its
     * blocks first (prepare_long_run); the guard below only stops a
     * corrupt image from looping. */
    if (n > q->rb_entries && prepare_long_run(bs, n) < 0)
        return -1;
    uint64_t placements = 0, max_placements = n / q->rb_entries + 2;
    for (;;) {
        uint64_t start = q->end_cluster;
        bool placed = false;
        if ((start + n) > (OFFSET_MASK >> q->cluster_bits))
            return blk_set_error(bs, "%s: qcow2 image is full", bs->filename);
        for (uint64_t c = start; c < start + n; c++) {
            uint64_t b = c / q->rb_entries;
            if (b >= q->rt_entries) {
                if (grow_refcount_table(bs, b + 1) < 0)
                    return -1;
                placed = true; /* the table took clusters: start over */
                break;
            }
            if (!q->rt[b]) {
                if (++placements > max_placements)
                    return blk_set_error(bs, "%s: cannot allocate %llu "
                                         "contiguous clusters (more than one "
                                         "refcount block covers, %llu)",
                                         bs->filename, (unsigned long long)n,
                                         (unsigned long long)q->rb_entries);
                if (place_refblock(bs, b, c) < 0)
                    return -1;
                q->end_cluster = c + 1;
                placed = true;
                break;
            }
        }
        if (placed)
            continue;
        if (set_refcount_run(bs, start, n, 1, rc) < 0)
            return -1;
        q->end_cluster = start + n;
        return (int64_t)(start << q->cluster_bits);
    }
}

/*
 * Moves the refcount table to a bigger one at the end of the file, with
 * the refcount blocks its own clusters need right after it. The header
 * switches to it in one write; until then it is all unreferenced.
 */
static int grow_refcount_table(BlockDev *bs, uint64_t need_entries)
{
    Qcow2 *q = bs->opaque;
    uint64_t per_cluster = q->cs / 8;
    uint64_t want = need_entries > q->rt_entries ? need_entries : q->rt_entries;
    want = want * 2;
    for (int attempt = 0; attempt < 8; attempt++, want *= 2) {
        uint64_t tclusters = div_round_up(want, per_cluster);
        uint64_t entries = tclusters * per_cluster;
        if (tclusters * q->cs > MAX_RT_BYTES)
            return blk_set_error(bs, "%s: qcow2 refcount table would exceed "
                                 "%u bytes", bs->filename, MAX_RT_BYTES);
        uint64_t start = q->end_cluster;
        uint64_t *nrt = calloc(entries, 8);
        uint64_t *newb = calloc(entries, 8);  /* blocks created here */
        int nnew = 0;
        if (!nrt || !newb) {
            free(nrt);
            free(newb);
            return blk_set_error(bs, "%s: out of memory", bs->filename);
        }
        memcpy(nrt, q->rt, q->rt_entries * 8);
        uint64_t pos = start + tclusters;
        bool fits = true;
        for (uint64_t c = start; c < pos; c++) {
            uint64_t b = c / q->rb_entries;
            if (b >= entries) {
                fits = false;
                break;
            }
            if (!nrt[b]) {
                nrt[b] = pos << q->cluster_bits;
                newb[nnew++] = b;
                pos++;
            }
        }
        if (!fits) {
            free(nrt);
            free(newb);
            continue;
        }
        /* Refcounts of [start, pos): in the new blocks, or in old ones. */
        for (int i = 0; i < nnew; i++) {
            uint64_t b = newb[i], boff, blen;
            uint8_t *blk = calloc(1, q->cs);
            if (!blk) {
                blk_set_error(bs, "%s: out of memory", bs->filename);
                goto fail;
            }
            for (uint64_t c = start; c < pos; c++)
                if (c / q->rb_entries == b)
                    rb_set(q, blk, c % q->rb_entries, 1, &boff, &blen);
            int r = blk_pwrite(bs, nrt[b], blk, q->cs, "refcount block");
            free(blk);
            if (r < 0)
                goto fail;
            set_meta(q, nrt[b] >> q->cluster_bits, true);
        }
        for (uint64_t c = start; c < pos; c++) {
            uint64_t b = c / q->rb_entries;
            if (b < q->rt_entries && q->rt[b] && set_refcount(bs, c, 1) < 0)
                goto fail;
        }
        /* The table itself. */
        uint8_t *tbuf = calloc(tclusters, q->cs);
        if (!tbuf) {
            blk_set_error(bs, "%s: out of memory", bs->filename);
            goto fail;
        }
        for (uint64_t i = 0; i < entries; i++)
            put64(tbuf + i * 8, nrt[i]);
        int r = blk_pwrite(bs, start << q->cluster_bits, tbuf,
                           tclusters * q->cs, "refcount table");
        free(tbuf);
        if (r < 0)
            goto fail;
        /* Switch: offset and cluster count are adjacent header fields. */
        uint8_t hdr[12];
        put64(hdr, start << q->cluster_bits);
        put32(hdr + 8, (uint32_t)tclusters);
        if (fdatasync(bs->fd) < 0 ||
            blk_pwrite(bs, 48, hdr, 12, "header") < 0)
            goto fail;
        uint64_t old_off = q->rt_offset, old_clusters = q->rt_clusters;
        free(q->rt);
        q->rt = nrt;
        q->rt_entries = entries;
        q->rt_offset = start << q->cluster_bits;
        q->rt_clusters = (uint32_t)tclusters;
        q->end_cluster = pos;
        free(newb);
        set_meta_range(q, q->rt_offset, tclusters * q->cs, true);
        set_meta_range(q, old_off, old_clusters * q->cs, false);
        return free_range(bs, old_off, old_clusters * q->cs);
fail:
        free(nrt);
        free(newb);
        return -1;
    }
    return blk_set_error(bs, "%s: cannot lay out a bigger refcount table",
                         bs->filename);
}

/* ---- L1 / L2 ---- */

static int validate_l2_offset(BlockDev *bs, uint64_t idx, uint64_t e)
{
    Qcow2 *q = bs->opaque;
    uint64_t off = e & OFFSET_MASK;
    if ((e & L1E_RESERVED) || off % q->cs || off == 0)
        return blk_set_error(bs, "%s: qcow2 image is corrupt: L1 entry %llu "
                             "has invalid value 0x%llx", bs->filename,
                             (unsigned long long)idx, (unsigned long long)e);
    return 0;
}

/* The cached L2 table of guest offset off; NULL (and *l2off 0) if none. */
static int get_l2(BlockDev *bs, uint64_t off, uint64_t **table,
                  uint64_t *l2off)
{
    Qcow2 *q = bs->opaque;
    uint64_t i1 = off >> (q->cluster_bits + q->l2_bits);
    *table = NULL;
    *l2off = 0;
    if (i1 >= q->l1_size || !(q->l1[i1] & OFFSET_MASK)) {
        if (i1 < q->l1_size && q->l1[i1] & L1E_RESERVED)
            return validate_l2_offset(bs, i1, q->l1[i1]);
        return 0;
    }
    if (validate_l2_offset(bs, i1, q->l1[i1]) < 0)
        return -1;
    uint64_t o = q->l1[i1] & OFFSET_MASK;
    for (int i = 0; i < L2_CACHE_SLOTS; i++) {
        if (q->l2c[i].off == o) {
            q->l2c[i].stamp = ++q->stamp;
            *table = q->l2c[i].data;
            *l2off = o;
            return 0;
        }
    }
    CacheSlot *s = cache_get(bs, q->l2c, L2_CACHE_SLOTS, o, "L2 table");
    if (!s)
        return -1;
    uint64_t *t = s->data;
    for (uint64_t i = 0; i < q->l2_entries; i++)
        t[i] = be64((uint8_t *)&t[i]);
    *table = t;
    *l2off = o;
    return 0;
}

typedef struct Entry {
    int type;
    uint64_t raw;
    uint64_t host;     /* cluster offset (normal, zero-alloc) or byte offset */
    uint64_t clen;     /* compressed: bytes to read */
} Entry;

static int decode_entry(BlockDev *bs, uint64_t guest, uint64_t e, Entry *out)
{
    Qcow2 *q = bs->opaque;
    out->raw = e;
    out->clen = 0;
    if (e & OFLAG_COMPRESSED) {
        unsigned x = 62 - (q->cluster_bits - 8);
        uint64_t off = e & ((1ull << x) - 1);
        uint64_t nsec = ((e >> x) & ((1ull << (q->cluster_bits - 8)) - 1)) + 1;
        if (off == 0 || off > OFFSET_MASK)
            return blk_set_error(bs, "%s: qcow2 image is corrupt: compressed "
                                 "L2 entry for guest offset %llu has invalid "
                                 "value 0x%llx", bs->filename,
                                 (unsigned long long)guest,
                                 (unsigned long long)e);
        out->type = CL_COMPRESSED;
        out->host = off;
        out->clen = nsec * 512 - (off & 511);
        return 0;
    }
    uint64_t off = e & OFFSET_MASK;
    if ((e & L2E_RESERVED) || off % q->cs)
        return blk_set_error(bs, "%s: qcow2 image is corrupt: L2 entry for "
                             "guest offset %llu has invalid value 0x%llx",
                             bs->filename, (unsigned long long)guest,
                             (unsigned long long)e);
    out->host = off;
    if ((e & OFLAG_ZERO) && q->version >= 3)
        out->type = off ? CL_ZERO_ALLOC : CL_ZERO_PLAIN;
    else
        out->type = off ? CL_NORMAL : CL_UNALLOC;
    if (off && off < q->cs)
        return blk_set_error(bs, "%s: qcow2 image is corrupt: L2 entry for "
                             "guest offset %llu points into the header",
                             bs->filename, (unsigned long long)guest);
    return 0;
}

static int get_entry(BlockDev *bs, uint64_t guest, Entry *out)
{
    Qcow2 *q = bs->opaque;
    uint64_t *t, l2off;
    if (get_l2(bs, guest, &t, &l2off) < 0)
        return -1;
    if (!t) {
        memset(out, 0, sizeof(*out));
        out->type = CL_UNALLOC;
        return 0;
    }
    return decode_entry(bs, guest,
                        t[(guest >> q->cluster_bits) & (q->l2_entries - 1)],
                        out);
}

/* ---- compression ---- */

/* Per-thread compression state: zlib streams and zstd contexts are kept
 * and reset rather than set up for every cluster. */
typedef struct Codec {
    bool def_ok, inf_ok;
    z_stream def, inf;
    ZSTD_CCtx *zc;
    ZSTD_DCtx *zd;
} Codec;

#define MAX_SLOTS 64

static int codecs_init(BlockDev *bs)
{
    Qcow2 *q = bs->opaque;
    if (!q->codec && !(q->codec = calloc(MAX_SLOTS, sizeof(Codec))))
        return blk_set_error(bs, "%s: out of memory", bs->filename);
    return 0;
}

static void codecs_free(Qcow2 *q)
{
    if (q->codec) {
        for (int i = 0; i < MAX_SLOTS; i++) {
            Codec *c = &q->codec[i];
            if (c->def_ok)
                deflateEnd(&c->def);
            if (c->inf_ok)
                inflateEnd(&c->inf);
            ZSTD_freeCCtx(c->zc);
            ZSTD_freeDCtx(c->zd);
        }
        free(q->codec);
        q->codec = NULL;
    }
    free(q->batch_in);
}

/* The worker pool (NULL: work on one thread); at most MAX_SLOTS. */
static BlkPool *get_pool(BlockDev *bs)
{
    BlkPool *p = blk_get_pool(bs);
    return p && blk_pool_slots(p) <= MAX_SLOTS ? p : NULL;
}

/* Decompresses len bytes at in into the cluster out; false on bad data. */
static bool codec_decompress(const Qcow2 *q, Codec *c, const uint8_t *in,
                             size_t len, uint8_t *out)
{
    if (q->compression == 0) {
        if (!c->inf_ok) {
            memset(&c->inf, 0, sizeof(c->inf));
            if (inflateInit2(&c->inf, -15) != Z_OK)
                return false;
            c->inf_ok = true;
        } else if (inflateReset(&c->inf) != Z_OK) {
            return false;
        }
        z_stream *z = &c->inf;
        z->next_in = (Bytef *)in;
        z->avail_in = (uInt)len;
        z->next_out = out;
        z->avail_out = (uInt)q->cs;
        int r = inflate(z, Z_FINISH);
        return (r == Z_STREAM_END || r == Z_BUF_ERROR || r == Z_OK) &&
               z->avail_out == 0;
    }
    if (!c->zd && !(c->zd = ZSTD_createDCtx()))
        return false;
    ZSTD_DCtx_reset(c->zd, ZSTD_reset_session_only);
    ZSTD_inBuffer zi = { in, len, 0 };
    ZSTD_outBuffer o = { out, q->cs, 0 };
    for (;;) {
        size_t r = ZSTD_decompressStream(c->zd, &o, &zi);
        if (ZSTD_isError(r))
            return false;
        if (r == 0 || o.pos == o.size)
            return o.pos == o.size;
        if (zi.pos == zi.size)
            return false;
    }
}

static int decompress_error(BlockDev *bs, const Entry *e)
{
    Qcow2 *q = bs->opaque;
    return blk_set_error(bs, "%s: qcow2 compressed cluster at host offset "
                         "%llu (%llu bytes, %s) does not decompress to "
                         "%llu bytes", bs->filename,
                         (unsigned long long)e->host,
                         (unsigned long long)e->clen,
                         q->compression ? "zstd" : "zlib",
                         (unsigned long long)q->cs);
}

static uint64_t comp_read_len(const Qcow2 *q, const Entry *e)
{
    return e->clen > 2 * q->cs ? 2 * q->cs : e->clen;
}

static int decompress_cluster(BlockDev *bs, const Entry *e, uint8_t *out)
{
    Qcow2 *q = bs->opaque;
    uint64_t len = comp_read_len(q, e);
    if (codecs_init(bs) < 0)
        return -1;
    if (blk_pread(bs, e->host, q->zbuf, len, "compressed cluster") < 0)
        return -1;
    if (!codec_decompress(q, &q->codec[0], q->zbuf, len, out))
        return decompress_error(bs, e);
    return 0;
}

/* Compresses one cluster into out (room for cs - 1 bytes); 0 when it
 * does not shrink. */
static size_t codec_compress(const Qcow2 *q, Codec *c, const uint8_t *in,
                             uint8_t *out)
{
    if (q->compression == 0) {
        if (!c->def_ok) {
            memset(&c->def, 0, sizeof(c->def));
            if (deflateInit2(&c->def, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -12,
                             9, Z_DEFAULT_STRATEGY) != Z_OK)
                return 0;
            c->def_ok = true;
        } else if (deflateReset(&c->def) != Z_OK) {
            return 0;
        }
        z_stream *z = &c->def;
        z->next_in = (Bytef *)in;
        z->avail_in = (uInt)q->cs;
        z->next_out = out;
        z->avail_out = (uInt)(q->cs - 1);
        int r = deflate(z, Z_FINISH);
        return r == Z_STREAM_END ? q->cs - 1 - z->avail_out : 0;
    }
    if (!c->zc && !(c->zc = ZSTD_createCCtx()))
        return 0;
    size_t r = ZSTD_compressCCtx(c->zc, out, q->cs - 1, in, q->cs,
                                 ZSTD_CLEVEL_DEFAULT);
    return ZSTD_isError(r) ? 0 : r;
}

/* ---- reading ---- */

/* ---- encryption (crypt_method 2: LUKS) ---- */

/* The IV of a data sector: its offset in the image file / 512, as QEMU
 * does for LUKS in qcow2. */
static uint64_t crypt_sector(uint64_t host)
{
    return host / LUKS_SECTOR;
}

static int crypt_compressed(BlockDev *bs)
{
    return blk_set_error(bs, "%s: qcow2 image is corrupt: compressed "
                         "cluster in an encrypted image", bs->filename);
}

static int need_key(BlockDev *bs)
{
    Qcow2 *q = bs->opaque;
    if (q->crypto && !q->crypto->have_key)
        return blk_set_error(bs, "%s: image was opened without its key "
                             "(encrypt.key-secret)", bs->filename);
    return 0;
}

/* Reads [in, in+n) of the data cluster at host (guest cluster gc),
 * decrypting it in an encrypted image. */
static int data_read(BlockDev *bs, uint64_t host, uint64_t gc, uint64_t in,
                     uint8_t *p, size_t n)
{
    Qcow2 *q = bs->opaque;
    (void)gc;
    if (!q->crypto)
        return blk_pread(bs, host + in, p, n, "data");
    if (need_key(bs) < 0)
        return -1;
    uint64_t s0 = in & ~511ull;
    size_t span = (size_t)(((in + n + 511) & ~511ull) - s0);
    if (blk_pread(bs, host + s0, q->ebuf, span, "data") < 0)
        return -1;
    luks_decrypt(q->crypto, crypt_sector(host + s0), q->ebuf, span);
    memcpy(p, q->ebuf + (in - s0), n);
    return 0;
}

/* Writes [in, in+n) of the data cluster at host; in an encrypted image
 * partial sectors are read, merged and written encrypted. */
static int data_write(BlockDev *bs, uint64_t host, uint64_t gc, uint64_t in,
                      const uint8_t *p, size_t n)
{
    Qcow2 *q = bs->opaque;
    (void)gc;
    if (!q->crypto)
        return blk_pwrite(bs, host + in, p, n, "data");
    if (need_key(bs) < 0)
        return -1;
    uint64_t s0 = in & ~511ull;
    size_t span = (size_t)(((in + n + 511) & ~511ull) - s0);
    if ((in & 511) || (n & 511)) {
        if (blk_pread(bs, host + s0, q->ebuf, span, "data") < 0)
            return -1;
        luks_decrypt(q->crypto, crypt_sector(host + s0), q->ebuf, span);
    }
    memcpy(q->ebuf + (in - s0), p, n);
    luks_encrypt(q->crypto, crypt_sector(host + s0), q->ebuf, span);
    return blk_pwrite(bs, host + s0, q->ebuf, span, "data");
}

static uint64_t batch_clusters(const Qcow2 *q);

typedef struct DecJob {
    const Qcow2 *q;
    const Entry *e;
    const uint8_t *in;        /* the compressed bytes of the run */
    uint64_t base;            /* their host offset */
    uint8_t *out;
    bool *ok;
} DecJob;

static void dec_item(void *ctx, size_t i, int slot)
{
    DecJob *j = ctx;
    const Qcow2 *q = j->q;
    j->ok[i] = codec_decompress(q, &q->codec[slot], j->in + (j->e[i].host -
                                j->base), comp_read_len(q, &j->e[i]),
                                j->out + i * q->cs);
}

/*
 * Reads whole compressed clusters from guest offset off (the first is
 * *first) whose compressed data lie in ascending order close together in
 * the file (as every writer lays them out): one read of their bytes, then
 * decompression on the worker pool straight into buf. Returns the
 * clusters read; 0: fewer than two such clusters (read one by one).
 */
static int64_t read_compressed_run(BlockDev *bs, uint64_t off,
                                   const Entry *first, uint8_t *buf,
                                   size_t len)
{
    Qcow2 *q = bs->opaque;
    uint64_t max = batch_clusters(q), limit = 2 * max * q->cs;
    if (max > len >> q->cluster_bits)
        max = len >> q->cluster_bits;
    if (max < 2 || codecs_init(bs) < 0)
        return max < 2 ? 0 : -1;
    Entry *e = calloc(max, sizeof(Entry));
    bool *ok = calloc(max, sizeof(bool));
    if (!e || !ok) {
        free(e);
        free(ok);
        return blk_set_error(bs, "%s: out of memory", bs->filename);
    }
    e[0] = *first;
    uint64_t m = 1, end = first->host + comp_read_len(q, first);
    while (m < max) {
        Entry f;
        if (get_entry(bs, off + (m << q->cluster_bits), &f) < 0)
            goto fail;
        uint64_t fend = f.host + comp_read_len(q, &f);
        if (f.type != CL_COMPRESSED || f.host < e[m - 1].host ||
            fend - e[0].host > limit)
            break;
        e[m++] = f;
        if (fend > end)
            end = fend;
    }
    if (m < 2) {
        free(e);
        free(ok);
        return 0;
    }
    if (!q->batch_in && !(q->batch_in = malloc(limit))) {
        blk_set_error(bs, "%s: out of memory", bs->filename);
        goto fail;
    }
    if (blk_pread(bs, e[0].host, q->batch_in, end - e[0].host,
                  "compressed clusters") < 0)
        goto fail;
    DecJob job = { .q = q, .e = e, .in = q->batch_in, .base = e[0].host,
                   .out = buf, .ok = ok };
    BlkPool *pool = get_pool(bs);
    if (pool)
        blk_pool_run(pool, m, dec_item, &job);
    else
        for (uint64_t i = 0; i < m; i++)
            dec_item(&job, i, 0);
    for (uint64_t i = 0; i < m; i++)
        if (!ok[i]) {
            decompress_error(bs, &e[i]);
            goto fail;
        }
    free(e);
    free(ok);
    return (int64_t)m;
fail:
    free(e);
    free(ok);
    return -1;
}

static int qcow2_read(BlockDev *bs, uint64_t off, void *buf, size_t len)
{
    Qcow2 *q = bs->opaque;
    uint8_t *p = buf;
    while (len) {
        uint64_t in = off & (q->cs - 1);
        size_t n = q->cs - in < len ? (size_t)(q->cs - in) : len;
        Entry e;
        if (get_entry(bs, off, &e) < 0)
            return -1;
        switch (e.type) {
        case CL_UNALLOC:
            if (blk_read_backing(bs, off, p, n) < 0)
                return -1;
            break;
        case CL_ZERO_PLAIN:
        case CL_ZERO_ALLOC:
            memset(p, 0, n);
            break;
        case CL_NORMAL:
            /* Unencrypted clusters that follow each other in the file
             * are read with one call. */
            while (!q->crypto && n < len) {
                Entry f;
                if (get_entry(bs, off + n, &f) < 0)
                    return -1;
                if (f.type != CL_NORMAL || f.host != e.host + in + n)
                    break;
                n += q->cs < len - n ? (size_t)q->cs : len - n;
            }
            if (data_read(bs, e.host, off - in, in, p, n) < 0)
                return -1;
            break;
        case CL_COMPRESSED: {
            uint64_t gc = off - in;
            if (q->crypto)
                return crypt_compressed(bs);
            if (!in && n == q->cs && len >= 2 * q->cs) {
                int64_t m = read_compressed_run(bs, off, &e, p, len);
                if (m < 0)
                    return -1;
                if (m) {
                    n = (size_t)m << q->cluster_bits;
                    break;
                }
            }
            if (!q->dec_valid || q->dec_off != gc) {
                q->dec_valid = false;
                if (decompress_cluster(bs, &e, q->dbuf) < 0)
                    return -1;
                q->dec_valid = true;
                q->dec_off = gc;
            }
            memcpy(p, q->dbuf + in, n);
            break;
        }
        }
        p += n;
        off += n;
        len -= n;
    }
    return 0;
}

/* ---- writing ---- */

static int write_l1_entry(BlockDev *bs, uint64_t i1)
{
    Qcow2 *q = bs->opaque;
    uint8_t e[8];
    put64(e, q->l1[i1]);
    return blk_pwrite(bs, q->l1_offset + i1 * 8, e, 8, "L1 table");
}

/*
 * Gives this image its own copy of an L2 table it shares with an internal
 * snapshot (no COPIED flag in the L1 entry): the copy is written, the
 * L1 entry points to it, then the old table loses this image's reference.
 */
static int cow_l2(BlockDev *bs, uint64_t i1, uint64_t off)
{
    Qcow2 *q = bs->opaque;
    uint64_t *t, l2off;
    if (get_l2(bs, off, &t, &l2off) < 0)
        return -1;
    uint64_t *copy = malloc(q->cs);
    uint8_t *raw = malloc(q->cs);
    if (!copy || !raw) {
        free(copy);
        free(raw);
        return blk_set_error(bs, "%s: out of memory", bs->filename);
    }
    memcpy(copy, t, q->cs);
    /* Data clusters keep their refcounts: each counts the L1 -> L2 paths
     * to it, and the active image's path merely moves to the copy. Their
     * entries lack COPIED already (refcount >= 2); keep it so. */
    for (uint64_t i = 0; i < q->l2_entries; i++)
        if (!(copy[i] & OFLAG_COMPRESSED))
            copy[i] &= ~OFLAG_COPIED;
    int64_t at = alloc_clusters(bs, 1);
    if (at < 0)
        goto fail;
    for (uint64_t i = 0; i < q->l2_entries; i++)
        put64(raw + i * 8, copy[i]);
    if (blk_pwrite(bs, (uint64_t)at, raw, q->cs, "L2 table") < 0)
        goto fail;
    set_meta(q, (uint64_t)at >> q->cluster_bits, true);
    q->l1[i1] = (uint64_t)at | OFLAG_COPIED;
    if (write_l1_entry(bs, i1) < 0 ||
        update_refcount(bs, l2off >> q->cluster_bits, -1) < 0)
        goto fail;
    free(copy);
    free(raw);
    return 0;
fail:
    free(copy);
    free(raw);
    return -1;
}

/* The L2 table for guest offset off, created if missing. */
static int get_l2_for_write(BlockDev *bs, uint64_t off, uint64_t **table,
                            uint64_t *l2off)
{
    Qcow2 *q = bs->opaque;
    uint64_t i1 = off >> (q->cluster_bits + q->l2_bits);
    if (i1 >= q->l1_size)
        return blk_set_error(bs, "%s: guest offset %llu is past the L1 table",
                             bs->filename, (unsigned long long)off);
    if (get_l2(bs, off, table, l2off) < 0)
        return -1;
    if (*table) {
        if (!(q->l1[i1] & OFLAG_COPIED)) {
            if (cow_l2(bs, i1, off) < 0)
                return -1;
            return get_l2(bs, off, table, l2off);
        }
        return 0;
    }
    int64_t at = alloc_clusters(bs, 1);
    if (at < 0)
        return -1;
    set_meta(q, (uint64_t)at >> q->cluster_bits, true);
    memset(q->cbuf, 0, q->cs);
    if (blk_pwrite(bs, (uint64_t)at, q->cbuf, q->cs, "L2 table") < 0)
        return -1;
    q->l1[i1] = (uint64_t)at | OFLAG_COPIED;
    if (write_l1_entry(bs, i1) < 0)
        return -1;
    return get_l2(bs, off, table, l2off);
}

static int set_l2_entry(BlockDev *bs, uint64_t *t, uint64_t l2off,
                        uint64_t guest, uint64_t e)
{
    Qcow2 *q = bs->opaque;
    uint64_t i2 = (guest >> q->cluster_bits) & (q->l2_entries - 1);
    uint8_t b[8];
    t[i2] = e;
    put64(b, e);
    if (q->dec_valid && q->dec_off == (guest & ~(q->cs - 1)))
        q->dec_valid = false;
    return blk_pwrite(bs, l2off + i2 * 8, b, 8, "L2 entry");
}

/* Drops the old cluster an L2 entry pointed to. */
static int release_entry(BlockDev *bs, const Entry *e)
{
    Qcow2 *q = bs->opaque;
    if ((e->type == CL_NORMAL || e->type == CL_ZERO_ALLOC ||
         e->type == CL_COMPRESSED) && is_meta(q, e->host >> q->cluster_bits))
        return blk_set_error(bs, "%s: qcow2 image is corrupt: data at host "
                             "offset %llu overlaps metadata", bs->filename,
                             (unsigned long long)e->host);
    if (e->type == CL_NORMAL || e->type == CL_ZERO_ALLOC)
        return free_range(bs, e->host, q->cs);
    if (e->type == CL_COMPRESSED) {
        uint64_t start = e->host & ~511ull;
        uint64_t end = e->host + e->clen;
        return free_range(bs, start, end - start);
    }
    return 0;
}

/* True if data may be written in place into this cluster. */
static int writable_in_place(BlockDev *bs, const Entry *e, bool *inplace)
{
    Qcow2 *q = bs->opaque;
    uint64_t rc;
    *inplace = false;
    if ((e->type != CL_NORMAL && e->type != CL_ZERO_ALLOC) ||
        !(e->raw & OFLAG_COPIED))
        return 0;
    uint64_t c = e->host >> q->cluster_bits;
    if (is_meta(q, c))
        return blk_set_error(bs, "%s: qcow2 image is corrupt: data cluster at "
                             "host offset %llu overlaps metadata",
                             bs->filename, (unsigned long long)e->host);
    if (get_refcount(bs, c, &rc) < 0)
        return -1;
    if (rc == 0)
        return blk_set_error(bs, "%s: qcow2 image is corrupt: data cluster at "
                             "host offset %llu has refcount 0", bs->filename,
                             (unsigned long long)e->host);
    *inplace = rc == 1;
    return 0;
}

/* The current contents of the guest cluster at gc (for copy-on-write). */
static int read_old_cluster(BlockDev *bs, uint64_t gc, const Entry *e,
                            uint8_t *out)
{
    Qcow2 *q = bs->opaque;
    uint64_t n = bs->size - gc < q->cs ? bs->size - gc : q->cs;
    memset(out, 0, q->cs);
    switch (e->type) {
    case CL_UNALLOC:
        return blk_read_backing(bs, gc, out, n);
    case CL_NORMAL:
        return data_read(bs, e->host, gc, 0, out, n);
    case CL_COMPRESSED:
        if (q->crypto)
            return crypt_compressed(bs);
        return decompress_cluster(bs, e, out);
    default:
        return 0;
    }
}

/* Writes the part [in, in+n) of guest cluster gc. */
static int write_cluster(BlockDev *bs, uint64_t gc, uint64_t in,
                         const uint8_t *data, size_t n)
{
    Qcow2 *q = bs->opaque;
    uint64_t *t, l2off;
    Entry e;
    bool inplace;
    if (get_l2_for_write(bs, gc, &t, &l2off) < 0)
        return -1;
    if (decode_entry(bs, gc, t[(gc >> q->cluster_bits) & (q->l2_entries - 1)],
                     &e) < 0)
        return -1;
    if (writable_in_place(bs, &e, &inplace) < 0)
        return -1;
    if (inplace && e.type == CL_NORMAL)
        return data_write(bs, e.host, gc, in, data, n);
    /* A new cluster (or a zero one made normal): write it whole. The
     * allocation comes first: it may use the scratch buffer. */
    uint64_t host;
    if (inplace) {
        host = e.host;
    } else {
        int64_t at = alloc_clusters(bs, 1);
        if (at < 0)
            return -1;
        host = (uint64_t)at;
    }
    bool whole = in == 0 && (n == q->cs || gc + n >= bs->size);
    if (!whole && read_old_cluster(bs, gc, &e, q->cbuf) < 0)
        return -1;
    if (whole)
        memset(q->cbuf + n, 0, q->cs - n);
    memcpy(q->cbuf + in, data, n);
    if (q->crypto) /* the scratch cluster is not used again */
        luks_encrypt(q->crypto, crypt_sector(host), q->cbuf, q->cs);
    if (blk_pwrite(bs, host, q->cbuf, q->cs, "data") < 0)
        return -1;
    if (set_l2_entry(bs, t, l2off, gc, host | OFLAG_COPIED) < 0)
        return -1;
    return inplace ? 0 : release_entry(bs, &e);
}

static void bm_mark(BlockDev *bs, uint64_t off, uint64_t len);
static int bm_fit(BlockDev *bs);

/* Writes the L2 entries [i, i+n) of table t (host order) at l2off with
 * one call. */
static int write_l2_entries(BlockDev *bs, const uint64_t *t, uint64_t l2off,
                            uint64_t i, uint64_t n)
{
    Qcow2 *q = bs->opaque;
    uint8_t *b = q->cbuf; /* n <= l2_entries: fits in a cluster */
    for (uint64_t j = 0; j < n; j++)
        put64(b + j * 8, t[i + j]);
    return blk_pwrite(bs, l2off + i * 8, b, n * 8, "L2 entries");
}

/*
 * A sequential write of whole clusters that have no cluster yet
 * (unallocated or plain zero, unencrypted), all in one L2 table: one run
 * of new clusters (its refcounts written once per refcount block), the
 * data with one write, then the L2 entries with one write. The order is
 * the single-cluster path's: refcounts, data, then the references.
 * Returns the number of clusters written, 0 when the run is shorter than
 * two clusters (the caller takes the cluster-by-cluster path).
 */
static int64_t write_new_run(BlockDev *bs, uint64_t off, const uint8_t *p,
                             size_t len)
{
    Qcow2 *q = bs->opaque;
    uint64_t n = len >> q->cluster_bits;
    uint64_t i2 = (off >> q->cluster_bits) & (q->l2_entries - 1);
    if (q->crypto || n < 2)
        return 0;
    if (n > q->l2_entries - i2)
        n = q->l2_entries - i2;
    uint64_t *t, l2off;
    if (get_l2_for_write(bs, off, &t, &l2off) < 0)
        return -1;
    uint64_t m = 0;
    while (m < n) {
        Entry e;
        if (decode_entry(bs, off + (m << q->cluster_bits), t[i2 + m], &e) < 0)
            return -1;
        if (e.type != CL_UNALLOC && e.type != CL_ZERO_PLAIN)
            break;
        m++;
    }
    if (m < 2)
        return 0;
    int64_t at = alloc_clusters(bs, m);
    if (at < 0)
        return -1;
    /* alloc_clusters may have grown the refcount table; t stays the
     * cached table (only L2 caches of freed clusters are dropped). */
    if (get_l2(bs, off, &t, &l2off) < 0)
        return -1;
    if (blk_pwrite(bs, (uint64_t)at, p, m << q->cluster_bits, "data") < 0)
        return -1;
    for (uint64_t j = 0; j < m; j++)
        t[i2 + j] = ((uint64_t)at + (j << q->cluster_bits)) | OFLAG_COPIED;
    if (q->dec_valid && q->dec_off >= off &&
        q->dec_off < off + (m << q->cluster_bits))
        q->dec_valid = false;
    if (write_l2_entries(bs, t, l2off, i2, m) < 0)
        return -1;
    return (int64_t)m;
}

static int qcow2_write(BlockDev *bs, uint64_t off, const void *buf, size_t len)
{
    Qcow2 *q = bs->opaque;
    const uint8_t *p = buf;
    bm_mark(bs, off, len);
    while (len) {
        uint64_t in = off & (q->cs - 1);
        size_t n = q->cs - in < len ? (size_t)(q->cs - in) : len;
        if (!in && len >= 2 * q->cs) {
            int64_t m = write_new_run(bs, off, p, len);
            if (m < 0)
                return -1;
            if (m) {
                n = (size_t)m << q->cluster_bits;
                p += n;
                off += n;
                len -= n;
                continue;
            }
        }
        if (write_cluster(bs, off - in, in, p, n) < 0)
            return -1;
        p += n;
        off += n;
        len -= n;
    }
    return 0;
}

/* Sets whole guest clusters to `value` (0: unallocated, OFLAG_ZERO: zero),
 * dropping what they pointed to. */
static int set_clusters(BlockDev *bs, uint64_t off, uint64_t len,
                        uint64_t value)
{
    Qcow2 *q = bs->opaque;
    for (uint64_t gc = off; gc < off + len; gc += q->cs) {
        uint64_t *t, l2off;
        Entry e;
        if (value == 0) {
            if (get_l2(bs, gc, &t, &l2off) < 0)
                return -1;
            if (!t)
                continue;
            uint64_t i1 = gc >> (q->cluster_bits + q->l2_bits);
            if (!(q->l1[i1] & OFLAG_COPIED) &&
                get_l2_for_write(bs, gc, &t, &l2off) < 0)
                return -1;
        } else if (get_l2_for_write(bs, gc, &t, &l2off) < 0) {
            return -1;
        }
        if (decode_entry(bs, gc,
                         t[(gc >> q->cluster_bits) & (q->l2_entries - 1)],
                         &e) < 0)
            return -1;
        if (e.raw == value)
            continue;
        if (set_l2_entry(bs, t, l2off, gc, value) < 0 ||
            release_entry(bs, &e) < 0)
            return -1;
    }
    return 0;
}

static int qcow2_write_zeroes(BlockDev *bs, uint64_t off, uint64_t len)
{
    Qcow2 *q = bs->opaque;
    static const uint8_t zero[4096];
    bm_mark(bs, off, len);
    if (q->version < 3) { /* no zero clusters: write zeroes */
        while (len) {
            size_t n = len < sizeof(zero) ? (size_t)len : sizeof(zero);
            if (qcow2_write(bs, off, zero, n) < 0)
                return -1;
            off += n;
            len -= n;
        }
        return 0;
    }
    while (len) {
        uint64_t in = off & (q->cs - 1);
        uint64_t n = q->cs - in < len ? q->cs - in : len;
        bool whole = in == 0 && (n == q->cs || off + n == bs->size);
        if (whole) {
            if (set_clusters(bs, off, n, OFLAG_ZERO) < 0)
                return -1;
        } else {
            for (uint64_t done = 0; done < n;) {
                size_t k = n - done < sizeof(zero) ? (size_t)(n - done)
                                                   : sizeof(zero);
                if (qcow2_write(bs, off + done, zero, k) < 0)
                    return -1;
                done += k;
            }
        }
        off += n;
        len -= n;
    }
    return 0;
}

static int qcow2_discard(BlockDev *bs, uint64_t off, uint64_t len)
{
    Qcow2 *q = bs->opaque;
    uint64_t end = off + len;
    uint64_t start = (off + q->cs - 1) & ~(q->cs - 1);
    uint64_t stop = end == bs->size ? end : end & ~(q->cs - 1);
    bm_mark(bs, off, len); /* the whole request, as QEMU */
    if (stop <= start)
        return 0;
    /* Discarded clusters become unallocated (the backing file shows). */
    return set_clusters(bs, start, stop - start, 0);
}

/* Clusters compressed together: about 4 MiB of input, at most 256. */
static uint64_t batch_clusters(const Qcow2 *q)
{
    uint64_t n = (4u << 20) >> q->cluster_bits;
    return n < 1 ? 1 : n > 256 ? 256 : n;
}

/*
 * Compressed writes can be pipelined (blk_write_compressed_async): each
 * batch (about 4 MiB of input, read in place from the caller's buffer)
 * takes a slot of a ring and its compression is queued on the worker
 * pool; then, while more than COMP_DEPTH batches are queued, the call
 * waits for the oldest and stores it (write_compressed_batch, on the
 * calling thread) as the workers compress the newer ones. So batch N is
 * written while N+1 is compressed, and the workers need not wait for the
 * write. Stored batches keep their order, so the image is the same as
 * with synchronous writes. The batches still in the ring are stored
 * before any other operation on the image (the drain hook, called by
 * block.c) and at close; an error storing one is reported by that next
 * call. The caller's buffer is handed back by its done callback once its
 * last batch is stored.
 */
#define COMP_DEPTH BLK_COMPRESS_INFLIGHT
#define COMP_SLOTS (COMP_DEPTH + 1)   /* + the one being queued */

typedef struct CompBatch {
    BlkPoolJob job;
    const Qcow2 *q;
    const uint8_t *in;        /* the input: the caller's */
    uint8_t *last;            /* a partial last cluster, zero padded */
    uint8_t *out;             /* cluster i compressed at out + i * cs */
    size_t *len;              /* its length, 0: it does not shrink */
    uint64_t off;             /* guest offset (cluster aligned) */
    size_t bytes, nb;         /* input length, clusters */
    void (*done)(void *opaque); /* the call's last batch: buffer free */
    void *opaque;
} CompBatch;

static int batch_buffers(BlockDev *bs)
{
    Qcow2 *q = bs->opaque;
    uint64_t nb = batch_clusters(q);
    if (codecs_init(bs) < 0)
        return -1;
    if (!q->cb && !(q->cb = calloc(COMP_SLOTS, sizeof(CompBatch))))
        return blk_set_error(bs, "%s: out of memory", bs->filename);
    for (int i = 0; i < COMP_SLOTS; i++) {
        CompBatch *b = &q->cb[i];
        if (!b->last)
            b->last = malloc(q->cs);
        if (!b->out)
            b->out = malloc(nb * q->cs);
        if (!b->len)
            b->len = calloc(nb, sizeof(size_t));
        if (!b->last || !b->out || !b->len)
            return blk_set_error(bs, "%s: out of memory", bs->filename);
    }
    return 0;
}

static void batches_free(Qcow2 *q)
{
    if (!q->cb)
        return;
    for (int i = 0; i < COMP_SLOTS; i++) {
        free(q->cb[i].last);
        free(q->cb[i].out);
        free(q->cb[i].len);
    }
    free(q->cb);
    q->cb = NULL;
}

/* Runs on the pool: only the batch and the codec of its slot. */
static void comp_item(void *ctx, size_t i, int slot)
{
    CompBatch *b = ctx;
    const Qcow2 *q = b->q;
    const uint8_t *in = i + 1 == b->nb && b->bytes % q->cs ? b->last
                                                           : b->in + i * q->cs;
    b->len[i] = codec_compress(q, &q->codec[slot], in, b->out + i * q->cs);
}

/*
 * Stores batch b (compressed; nb clusters at guest offset off, all in
 * one L2 table; the last may be partial at the end of the image) with
 * batched metadata: the compressed clusters are packed one after the
 * other (a cluster is never straddled), first into what is left of the
 * cluster the previous batch ended in, then into a run of new clusters.
 * Order, as for single writes: the refcounts (the new run's written once
 * per refcount block, each counting the compressed clusters in it; the
 * shared cluster's raised), then the data, then the L2 entries in one
 * write, then the old clusters are released. Clusters that do not shrink
 * are written uncompressed after.
 */
static int write_compressed_batch(BlockDev *bs, CompBatch *b)
{
    Qcow2 *q = bs->opaque;
    uint64_t off = b->off;
    const uint8_t *p = b->in;
    size_t len = b->bytes, nb = b->nb;
    uint64_t i2 = (off >> q->cluster_bits) & (q->l2_entries - 1);
    uint64_t *t, l2off;
    if (get_l2_for_write(bs, off, &t, &l2off) < 0)
        return -1;
    /* Placement: where (-1: the shared cluster, else the index in the new
     * run) and the offset inside it, as compressing one by one would. */
    uint64_t rmax = refcount_max(q);
    uint64_t shared = 0, shared_rc = 0, shared_refs = 0;
    uint64_t in = 0;
    int64_t where = -1;
    if (q->comp_next && (q->comp_next & (q->cs - 1))) {
        shared = q->comp_next & ~(q->cs - 1);
        if (get_refcount(bs, shared >> q->cluster_bits, &shared_rc) < 0)
            return -1;
        in = q->comp_next & (q->cs - 1);
    }
    uint64_t *refs = calloc(nb, sizeof(uint64_t));
    int64_t *pwhere = calloc(nb, sizeof(int64_t));
    uint64_t *pin = calloc(nb, sizeof(uint64_t));
    uint64_t nnew = 0;
    size_t first = nb, lastc = 0;
    int rc = -1;
    if (!refs || !pwhere || !pin) {
        blk_set_error(bs, "%s: out of memory", bs->filename);
        goto out;
    }
    for (size_t i = 0; i < nb; i++) {
        size_t clen = b->len[i];
        if (!clen)
            continue;
        uint64_t cnt = where < 0 ? shared_rc + shared_refs : refs[where];
        if (!in || in + clen > q->cs || cnt >= rmax) {
            where = (int64_t)nnew++;
            in = 0;
        }
        pwhere[i] = where;
        pin[i] = in;
        if (where < 0)
            shared_refs++;
        else
            refs[where]++;
        in += clen;
        if (in == q->cs)
            in = 0;
        if (first == nb)
            first = i;
        lastc = i;
    }
    if (first < nb) {
        int64_t at = 0;
        if (nnew && (at = alloc_clusters_rc(bs, nnew, refs)) < 0)
            goto out;
        if (shared_refs && set_refcount(bs, shared >> q->cluster_bits,
                                        shared_rc + shared_refs) < 0)
            goto out;
        /* Pack: the shared cluster's part into zbuf, the new run in
         * place in batch_out (every item moves down or stays). */
        uint64_t sh_lo = q->comp_next & (q->cs - 1), sh_hi = sh_lo;
        uint64_t run_end = 0;
        memset(refs, 0, nb * sizeof(uint64_t)); /* now: bytes used */
        for (size_t i = first; i <= lastc; i++) {
            size_t clen = b->len[i];
            if (!clen)
                continue;
            if (pwhere[i] < 0) {
                memcpy(q->zbuf + pin[i], b->out + i * q->cs, clen);
                sh_hi = pin[i] + clen;
            } else {
                uint64_t dst = (uint64_t)pwhere[i] * q->cs + pin[i];
                if (dst > run_end)
                    memset(b->out + run_end, 0, dst - run_end);
                memmove(b->out + dst, b->out + i * q->cs, clen);
                run_end = dst + clen;
                refs[pwhere[i]] = pin[i] + clen;
            }
        }
        if (sh_hi > sh_lo &&
            blk_pwrite(bs, shared + sh_lo, q->zbuf + sh_lo, sh_hi - sh_lo,
                       "compressed data") < 0)
            goto out;
        /* Each new cluster up to its last byte used: the rest stays a
         * hole in the file, as with single writes. */
        for (uint64_t r = 0; r < nnew; r++)
            if (refs[r] && blk_pwrite(bs, (uint64_t)at + r * q->cs,
                                      b->out + r * q->cs, refs[r],
                                      "compressed data") < 0)
                goto out;
        Entry *old = calloc(nb, sizeof(Entry));
        if (!old) {
            blk_set_error(bs, "%s: out of memory", bs->filename);
            goto out;
        }
        unsigned x = 62 - (q->cluster_bits - 8);
        uint64_t last_end = 0;
        for (size_t i = first; i <= lastc; i++) {
            size_t clen = b->len[i];
            if (!clen)
                continue;
            uint64_t gc = off + ((uint64_t)i << q->cluster_bits);
            if (decode_entry(bs, gc, t[i2 + i], &old[i]) < 0) {
                free(old);
                goto out;
            }
            uint64_t host = (pwhere[i] < 0 ? shared
                             : (uint64_t)at + ((uint64_t)pwhere[i] << q->cluster_bits))
                            + pin[i];
            uint64_t nsec = ((host + clen - 1) >> 9) - (host >> 9);
            t[i2 + i] = OFLAG_COMPRESSED | host | (nsec << x);
            last_end = host + clen;
        }
        if (write_l2_entries(bs, t, l2off, i2 + first, lastc - first + 1) < 0) {
            free(old);
            goto out;
        }
        q->comp_next = last_end & (q->cs - 1) ? last_end : 0;
        for (size_t i = first; i <= lastc; i++)
            if (b->len[i] && release_entry(bs, &old[i]) < 0) {
                free(old);
                goto out;
            }
        free(old);
    }
    /* What did not shrink goes uncompressed (runs of it in one write). */
    for (size_t i = 0; i < nb;) {
        if (b->len[i]) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < nb && !b->len[j])
            j++;
        uint64_t a = (uint64_t)i << q->cluster_bits;
        uint64_t e = (uint64_t)j << q->cluster_bits;
        if (e > len)
            e = len;
        if (qcow2_write(bs, off + a, p + a, (size_t)(e - a)) < 0)
            goto out;
        i = j;
    }
    rc = 0;
out:
    free(refs);
    free(pwhere);
    free(pin);
    return rc;
}

/* Takes the oldest batch off the ring (waiting for its compression);
 * stores it unless drop, and hands its caller's buffer back. */
static int comp_finish_oldest(BlockDev *bs, bool drop)
{
    Qcow2 *q = bs->opaque;
    CompBatch *b = &q->cb[q->cb_first];
    BlkPool *pool = get_pool(bs);
    if (pool)
        blk_pool_wait(pool, &b->job);
    q->cb_first = (q->cb_first + 1) % COMP_SLOTS;
    q->cb_count--;
    int rc = drop ? 0 : write_compressed_batch(bs, b);
    if (b->done)
        b->done(b->opaque);
    return rc;
}

/* Stores every batch in flight (drop: none); after an error, the rest
 * are dropped (waited for and handed back, not written). */
static int comp_flush(BlockDev *bs, bool drop)
{
    Qcow2 *q = bs->opaque;
    int rc = drop ? -1 : 0;
    while (q->cb_count)
        if (comp_finish_oldest(bs, rc < 0) < 0)
            rc = -1;
    return drop ? 0 : rc;
}

static int qcow2_drain(BlockDev *bs)
{
    return comp_flush(bs, false);
}

/* Queues the compression of n bytes at guest offset off (one batch),
 * then, when more than COMP_DEPTH are in flight, stores the oldest while
 * the workers compress the new one. */
static int comp_queue(BlockDev *bs, uint64_t off, const uint8_t *p, size_t n,
                      void (*done)(void *), void *opaque)
{
    Qcow2 *q = bs->opaque;
    CompBatch *b = &q->cb[(q->cb_first + q->cb_count) % COMP_SLOTS];
    b->q = q;
    b->in = p;
    b->off = off;
    b->bytes = n;
    b->nb = (n + q->cs - 1) >> q->cluster_bits;
    b->done = done;
    b->opaque = opaque;
    if (n % q->cs) {
        size_t tail = n % q->cs;
        memcpy(b->last, p + n - tail, tail);
        memset(b->last + tail, 0, q->cs - tail);
    }
    q->cb_count++;
    BlkPool *pool = b->nb > 1 ? get_pool(bs) : NULL;
    if (pool) {
        blk_pool_submit(pool, &b->job, b->nb, comp_item, b);
    } else {
        for (size_t i = 0; i < b->nb; i++)
            comp_item(b, i, 0);
        memset(&b->job, 0, sizeof(b->job)); /* nothing to wait for */
    }
    if (q->cb_count > COMP_DEPTH && comp_finish_oldest(bs, false) < 0)
        return -1;
    return 0;
}

static int qcow2_write_compressed(BlockDev *bs, uint64_t off, const void *buf,
                                  size_t len, void (*done)(void *),
                                  void *opaque)
{
    Qcow2 *q = bs->opaque;
    const uint8_t *p = buf;
    int rc = -1;
    if (q->crypto) {
        blk_set_error(bs, "%s: Compression can't be used with encryption",
                      bs->filename);
        goto fail;
    }
    if (off % q->cs) {
        blk_set_error(bs, "%s: compressed write at offset %llu is not "
                      "cluster aligned", bs->filename,
                      (unsigned long long)off);
        goto fail;
    }
    /* Only the image's last cluster may be written partially. */
    if (len % q->cs && off + len - len % q->cs + q->cs < bs->size) {
        blk_set_error(bs, "%s: compressed write of a partial cluster at "
                      "offset %llu", bs->filename,
                      (unsigned long long)(off + len - len % q->cs));
        goto fail;
    }
    if (batch_buffers(bs) < 0)
        goto fail;
    bm_mark(bs, off, len);
    q->dec_valid = false;
    while (len) {
        uint64_t i2 = (off >> q->cluster_bits) & (q->l2_entries - 1);
        uint64_t nb = batch_clusters(q);
        if (nb > q->l2_entries - i2)
            nb = q->l2_entries - i2;
        size_t n = len < (nb << q->cluster_bits) ? len
                                                 : (size_t)(nb << q->cluster_bits);
        /* the buffer goes back with the call's last batch */
        bool lastb = n == len;
        if (comp_queue(bs, off, p, n, lastb ? done : NULL,
                       lastb ? opaque : NULL) < 0) {
            /* the rest is dropped; the buffer goes back with the last
             * batch if it was queued, else here */
            comp_flush(bs, true);
            if (!lastb && done)
                done(opaque);
            return -1;
        }
        p += n;
        off += n;
        len -= n;
    }
    return 0;
fail:
    if (done)
        done(opaque);
    return rc;
}

/* ---- status ---- */

static int qcow2_status(BlockDev *bs, uint64_t off, uint64_t len,
                        uint64_t *pnum, BlkStatus *st)
{
    Qcow2 *q = bs->opaque;
    Entry first;
    uint64_t done = 0;
    if (get_entry(bs, off, &first) < 0)
        return -1;
    while (done < len) {
        uint64_t cur = off + done;
        uint64_t in = cur & (q->cs - 1);
        uint64_t n = q->cs - in < len - done ? q->cs - in : len - done;
        Entry e;
        if (done == 0) {
            e = first;
        } else {
            if (get_entry(bs, cur, &e) < 0)
                return -1;
            int ta = e.type == CL_ZERO_ALLOC ? CL_ZERO_PLAIN : e.type;
            int tb = first.type == CL_ZERO_ALLOC ? CL_ZERO_PLAIN : first.type;
            if (ta != tb)
                break;
            if (e.type == CL_NORMAL &&
                e.host != first.host + ((cur - off + (off & (q->cs - 1))) &
                                        ~(q->cs - 1)))
                break;
        }
        done += n;
    }
    *pnum = done;
    switch (first.type) {
    case CL_UNALLOC:
        st->flags = 0;
        break;
    case CL_ZERO_PLAIN:
    case CL_ZERO_ALLOC:
        st->flags = BLK_ST_ZERO | BLK_ST_ALLOCATED;
        break;
    case CL_NORMAL:
        /* Encrypted data has no offset a reader could use (as QEMU). */
        st->flags = BLK_ST_DATA | BLK_ST_ALLOCATED |
                    (q->crypto ? 0 : BLK_ST_OFFSET);
        st->host_offset = first.host + (off & (q->cs - 1));
        break;
    case CL_COMPRESSED:
        st->flags = BLK_ST_DATA | BLK_ST_ALLOCATED | BLK_ST_COMPRESSED;
        break;
    }
    return 0;
}

/* ---- header rewrite (backing file changes, flags) ---- */

static int write_header(BlockDev *bs)
{
    Qcow2 *q = bs->opaque;
    uint8_t *h = calloc(1, q->cs);
    if (!h)
        return blk_set_error(bs, "%s: out of memory", bs->filename);
    put32(h, QCOW_MAGIC);
    put32(h + 4, q->version);
    put32(h + 20, q->cluster_bits);
    put64(h + 24, bs->size);
    put32(h + 32, q->crypt);
    put32(h + 36, q->l1_size);
    put64(h + 40, q->l1_offset);
    put64(h + 48, q->rt_offset);
    put32(h + 56, q->rt_clusters);
    put32(h + 60, q->nb_snapshots);
    put64(h + 64, q->snapshots_offset);
    put64(h + 72, q->incompat);
    put64(h + 80, q->compat);
    put64(h + 88, q->autoclear);
    put32(h + 96, q->refcount_order);
    put32(h + 100, q->header_length);
    if (q->header_length > 104)
        h[104] = (uint8_t)q->compression;
    size_t off = q->header_length;
    for (int i = 0; i < q->n_ext; i++) {
        if (q->ext[i].type == EXT_BACKING_FMT)
            continue;
        if (off + 8 + q->ext[i].len + 8 > q->cs)
            goto toolong;
        put32(h + off, q->ext[i].type);
        put32(h + off + 4, q->ext[i].len);
        memcpy(h + off + 8, q->ext[i].data, q->ext[i].len);
        off += 8 + ((q->ext[i].len + 7) & ~7u);
    }
    if (bs->backing_fmt) {
        size_t n = strlen(bs->backing_fmt);
        if (off + 8 + n + 8 > q->cs)
            goto toolong;
        put32(h + off, EXT_BACKING_FMT);
        put32(h + off + 4, (uint32_t)n);
        memcpy(h + off + 8, bs->backing_fmt, n);
        off += 8 + ((n + 7) & ~7u);
    }
    off += 8; /* end marker */
    if (bs->backing_name) {
        size_t n = strlen(bs->backing_name);
        if (n > MAX_BACKING_NAME || off + n > q->cs)
            goto toolong;
        put64(h + 8, off);
        put32(h + 16, (uint32_t)n);
        memcpy(h + off, bs->backing_name, n);
        off += n;
    }
    int r = blk_pwrite(bs, 0, h, off, "header");
    free(h);
    return r;
toolong:
    free(h);
    return blk_set_error(bs, "%s: qcow2 header, extensions and backing file "
                         "name do not fit in one cluster", bs->filename);
}

static int qcow2_set_backing(BlockDev *bs, const char *backing,
                             const char *fmt)
{
    Qcow2 *q = bs->opaque;
    if (q->version < 3)
        return blk_set_error(bs, "%s: version 2 images are read-only",
                             bs->filename);
    if (backing && strlen(backing) > MAX_BACKING_NAME)
        return blk_set_error(bs, "%s: backing file name longer than %d bytes",
                             bs->filename, MAX_BACKING_NAME);
    char *nb = backing ? strdup(backing) : NULL;
    char *nf = backing && fmt ? strdup(fmt) : NULL;
    free(bs->backing_name);
    free(bs->backing_fmt);
    bs->backing_name = nb;
    bs->backing_fmt = nf;
    return write_header(bs);
}

/* ---- resize ---- */

static int qcow2_resize(BlockDev *bs, uint64_t size)
{
    Qcow2 *q = bs->opaque;
    uint8_t b[8];
    if (q->version < 3)
        return blk_set_error(bs, "%s: version 2 images are read-only",
                             bs->filename);
    if (q->nb_snapshots)
        return blk_set_error(bs, "%s: cannot resize an image with internal "
                             "snapshots", bs->filename);
    if (size > (1ull << 62))
        return blk_set_error(bs, "%s: size %llu is too large", bs->filename,
                             (unsigned long long)size);
    size = (size + 511) & ~511ull; /* whole sectors, as QEMU */
    if (size < bs->size) {
        /* Drop the clusters wholly past the end, zero the partial one. */
        uint64_t keep = (size + q->cs - 1) & ~(q->cs - 1);
        uint64_t old_end = (bs->size + q->cs - 1) & ~(q->cs - 1);
        if (keep < old_end && set_clusters(bs, keep, old_end - keep, 0) < 0)
            return -1;
        uint64_t zend = keep < bs->size ? keep : bs->size;
        q->bm_quiet = true;
        int r = size < zend ? qcow2_write_zeroes(bs, size, zend - size) : 0;
        q->bm_quiet = false;
        if (r < 0)
            return -1;
    }
    uint64_t need = div_round_up(size, q->cs * q->l2_entries);
    if (need > q->l1_size) {
        if (need * 8 > MAX_L1_BYTES)
            return blk_set_error(bs, "%s: size %llu needs an L1 table larger "
                                 "than %u bytes", bs->filename,
                                 (unsigned long long)size, MAX_L1_BYTES);
        uint64_t bytes = ((need * 8) + q->cs - 1) & ~(q->cs - 1);
        uint64_t entries = bytes / 8;
        uint64_t *nl1 = calloc(entries, 8);
        uint8_t *raw = calloc(1, bytes);
        if (!nl1 || !raw) {
            free(nl1);
            free(raw);
            return blk_set_error(bs, "%s: out of memory", bs->filename);
        }
        memcpy(nl1, q->l1, (size_t)q->l1_size * 8);
        for (uint64_t i = 0; i < entries; i++)
            put64(raw + i * 8, nl1[i]);
        int64_t at = alloc_clusters(bs, bytes / q->cs);
        if (at < 0 || blk_pwrite(bs, (uint64_t)at, raw, bytes, "L1 table") < 0) {
            free(nl1);
            free(raw);
            return -1;
        }
        free(raw);
        uint8_t hdr[12];
        put32(hdr, (uint32_t)entries);
        put64(hdr + 4, (uint64_t)at);
        if (fdatasync(bs->fd) < 0 || blk_pwrite(bs, 36, hdr, 12, "header") < 0) {
            free(nl1);
            return -1;
        }
        uint64_t old = q->l1_offset, oldlen = (uint64_t)q->l1_size * 8;
        free(q->l1);
        q->l1 = nl1;
        q->l1_size = (uint32_t)entries;
        q->l1_offset = (uint64_t)at;
        set_meta_range(q, q->l1_offset, bytes, true);
        if (old && oldlen) {
            set_meta_range(q, old, oldlen, false);
            if (free_range(bs, old, oldlen) < 0)
                return -1;
        }
    }
    put64(b, size);
    if (blk_pwrite(bs, 24, b, 8, "header") < 0)
        return -1;
    uint64_t old = bs->size;
    bs->size = size;
    if (bm_fit(bs) < 0)
        return -1;
    /* Growing an overlay shorter than its backing file: the new part
     * reads as zeroes, not as what the backing file has there. As QEMU,
     * all of it becomes zero clusters (also past the backing file). */
    if (bs->backing && old < blk_size(bs->backing) && old < size) {
        q->bm_quiet = true;
        int r = qcow2_write_zeroes(bs, old, size - old);
        q->bm_quiet = false;
        if (r < 0)
            return -1;
    }
    return 0;
}

/* ---- snapshots (listing) ---- */

static int qcow2_snapshots(BlockDev *bs, BlkSnapshot **plist, int *pcount)
{
    Qcow2 *q = bs->opaque;
    BlkSnapshot *list = calloc(q->nb_snapshots ? q->nb_snapshots : 1,
                               sizeof(*list));
    if (!list)
        return blk_set_error(bs, "%s: out of memory", bs->filename);
    uint64_t off = q->snapshots_offset;
    int n = 0;
    for (uint32_t i = 0; i < q->nb_snapshots; i++) {
        uint8_t h[40], ex[24];
        if (blk_pread(bs, off, h, 40, "snapshot table") < 0)
            goto fail;
        uint16_t idlen = be16(h + 12), namelen = be16(h + 14);
        uint32_t extra = be32(h + 36);
        if (extra > 1024) {
            blk_set_error(bs, "%s: qcow2 snapshot %u has invalid "
                          "extra_data_size %u", bs->filename, i, extra);
            goto fail;
        }
        memset(ex, 0, sizeof(ex));
        if (blk_pread(bs, off + 40, ex, extra < 24 ? extra : 24,
                      "snapshot table") < 0)
            goto fail;
        BlkSnapshot *s = &list[n];
        s->date_sec = be32(h + 16);
        s->date_nsec = be32(h + 20);
        s->vm_clock_nsec = be64(h + 24);
        s->vm_state_size = be32(h + 32);
        if (extra >= 8)
            s->vm_state_size = be64(ex);
        if (extra >= 16)
            s->disk_size = be64(ex + 8);
        if (extra >= 24)
            s->icount = be64(ex + 16);
        s->id = calloc(1, idlen + 1u);
        s->name = calloc(1, namelen + 1u);
        n++;
        if (!s->id || !s->name) {
            blk_set_error(bs, "%s: out of memory", bs->filename);
            goto fail;
        }
        if (blk_pread(bs, off + 40 + extra, s->id, idlen, "snapshot id") < 0 ||
            blk_pread(bs, off + 40 + extra + idlen, s->name, namelen,
                      "snapshot name") < 0)
            goto fail;
        off += 40 + extra + idlen + namelen;
        off = (off + 7) & ~7ull;
    }
    *plist = list;
    *pcount = n;
    return 0;
fail:
    blk_snapshot_list_free(list, n);
    return -1;
}

/* ---- internal snapshots: create, apply, delete ---- */

/* Bytes of the snapshot table (entries are 8-byte aligned). */
static int snapshot_table_size(BlockDev *bs, uint64_t *size)
{
    Qcow2 *q = bs->opaque;
    uint64_t off = q->snapshots_offset;
    for (uint32_t i = 0; i < q->nb_snapshots; i++) {
        uint8_t h[40];
        if (blk_pread(bs, off, h, 40, "snapshot table") < 0)
            return -1;
        uint32_t extra = be32(h + 36);
        if (extra > 1024)
            return blk_set_error(bs, "%s: qcow2 snapshot %u has invalid "
                                 "extra_data_size %u", bs->filename, i, extra);
        off += 40 + extra + be16(h + 12) + be16(h + 14);
        off = (off + 7) & ~7ull;
    }
    *size = off - q->snapshots_offset;
    return 0;
}

/* Reads an L1 table (host order) of l1_size entries at off. */
static uint64_t *read_l1(BlockDev *bs, uint64_t off, uint32_t l1_size)
{
    Qcow2 *q = bs->opaque;
    if ((uint64_t)l1_size * 8 > MAX_L1_BYTES || off % q->cs) {
        blk_set_error(bs, "%s: qcow2 snapshot L1 table (%u entries at 0x%llx)"
                      " is invalid", bs->filename, l1_size,
                      (unsigned long long)off);
        return NULL;
    }
    uint64_t *l1 = malloc((size_t)l1_size * 8 + 8);
    if (!l1) {
        blk_set_error(bs, "%s: out of memory", bs->filename);
        return NULL;
    }
    if (blk_pread(bs, off, l1, (size_t)l1_size * 8, "snapshot L1 table") < 0) {
        free(l1);
        return NULL;
    }
    for (uint32_t i = 0; i < l1_size; i++)
        l1[i] = be64((uint8_t *)&l1[i]);
    return l1;
}

/* Finds a snapshot by id or name: its offset in the table, its entry's
 * length, its L1 table and disk size. Returns -1 when not found. */
typedef struct SnapRef {
    uint64_t pos, len;       /* within the table */
    uint64_t l1_offset;
    uint32_t l1_size;
    uint64_t disk_size;
    bool has_disk_size;
} SnapRef;

static int find_snapshot(BlockDev *bs, const uint8_t *tab, const char *key,
                         SnapRef *out, uint32_t *max_id)
{
    Qcow2 *q = bs->opaque;
    uint64_t pos = 0;
    int found = -1;
    *max_id = 0;
    for (uint32_t i = 0; i < q->nb_snapshots; i++) {
        const uint8_t *h = tab + pos;
        uint16_t idlen = be16(h + 12), namelen = be16(h + 14);
        uint32_t extra = be32(h + 36);
        const char *id = (const char *)h + 40 + extra;
        const char *name = id + idlen;
        char idbuf[32];
        if (idlen < sizeof(idbuf)) {
            memcpy(idbuf, id, idlen);
            idbuf[idlen] = 0;
            uint32_t v = (uint32_t)strtoul(idbuf, NULL, 10);
            if (v > *max_id)
                *max_id = v;
        }
        uint64_t len = ((40 + extra + idlen + namelen + 7) & ~7ull);
        if (found < 0 && key &&
            ((strlen(key) == namelen && !memcmp(name, key, namelen)) ||
             (strlen(key) == idlen && !memcmp(id, key, idlen)))) {
            found = (int)i;
            out->pos = pos;
            out->len = len;
            out->l1_offset = be64(h);
            out->l1_size = be32(h + 8);
            out->has_disk_size = extra >= 16;
            out->disk_size = extra >= 16 ? be64(h + 48) : 0;
        }
        pos += len;
    }
    return found;
}

static uint8_t *load_snapshot_table(BlockDev *bs, uint64_t *size,
                                    uint64_t extra)
{
    Qcow2 *q = bs->opaque;
    if (snapshot_table_size(bs, size) < 0)
        return NULL;
    uint8_t *tab = calloc(1, *size + extra + 8);
    if (!tab) {
        blk_set_error(bs, "%s: out of memory", bs->filename);
        return NULL;
    }
    if (*size && blk_pread(bs, q->snapshots_offset, tab, *size,
                           "snapshot table") < 0) {
        free(tab);
        return NULL;
    }
    return tab;
}

/*
 * Creating, applying and deleting a snapshot changes the refcount of
 * clusters the active tree references together with the COPIED flags of
 * the entries naming them, and qemu-img check calls a mismatch either way
 * a corruption. No order of in-place writes avoids that, so every change
 * goes to new clusters and one header write switches them in:
 *   1. the refcount changes are collected (Deltas, per cluster);
 *   2. each L2 table of the new active tree whose COPIED flags are wrong
 *      under the new refcounts gets a copy with the right flags (the
 *      data's refcounts stay: their path merely moves to the copy);
 *   3. every refcount block with a change is copied with the changes,
 *      and a new refcount table names the copies;
 *   4. the new L1 table, L2 copies, snapshot table (and, for create, the
 *      snapshot's copy of the L1 table), refcount blocks and table are
 *      written into new clusters (their refcounts go up in place: leaks
 *      until the switch), then a flush;
 *   5. one write of header bytes 24..71 (size, L1 table, refcount table,
 *      snapshot count and table) switches everything, then a flush;
 *   6. the old refcount table and blocks are freed.
 * A kill -9 before 5 leaves the old image plus leaks, after it the new one
 * plus leaks.
 */

typedef struct Delta {
    uint64_t c;
    int64_t d;
} Delta;

typedef struct Deltas {
    Delta *v;
    size_t n, cap;
} Deltas;

static int delta_add(BlockDev *bs, Deltas *ds, uint64_t c, int64_t d)
{
    if (ds->n == ds->cap) {
        size_t ncap = ds->cap ? ds->cap * 2 : 256;
        Delta *nv = realloc(ds->v, ncap * sizeof(*nv));
        if (!nv)
            return blk_set_error(bs, "%s: out of memory", bs->filename);
        ds->v = nv;
        ds->cap = ncap;
    }
    ds->v[ds->n].c = c;
    ds->v[ds->n].d = d;
    ds->n++;
    return 0;
}

static int delta_range(BlockDev *bs, Deltas *ds, uint64_t off, uint64_t len,
                       int64_t d)
{
    Qcow2 *q = bs->opaque;
    if (!len)
        return 0;
    for (uint64_t c = off >> q->cluster_bits;
         c <= (off + len - 1) >> q->cluster_bits; c++)
        if (delta_add(bs, ds, c, d) < 0)
            return -1;
    return 0;
}

static int delta_cmp(const void *a, const void *b)
{
    const Delta *x = a, *y = b;
    return x->c < y->c ? -1 : x->c > y->c;
}

/* Sorts by cluster and sums the changes of each cluster. */
static void delta_sort(Deltas *ds)
{
    size_t o = 0;
    if (!ds->n)
        return;
    qsort(ds->v, ds->n, sizeof(Delta), delta_cmp);
    for (size_t i = 0; i < ds->n; i++) {
        if (o && ds->v[o - 1].c == ds->v[i].c)
            ds->v[o - 1].d += ds->v[i].d;
        else
            ds->v[o++] = ds->v[i];
    }
    ds->n = o;
}

static int64_t delta_of(const Deltas *ds, uint64_t c)
{
    size_t lo = 0, hi = ds->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ds->v[mid].c < c)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < ds->n && ds->v[lo].c == c ? ds->v[lo].d : 0;
}

/* The refcount of a cluster once the (sorted) changes are made. */
static int new_refcount(BlockDev *bs, const Deltas *ds, uint64_t c,
                        uint64_t *out)
{
    Qcow2 *q = bs->opaque;
    uint64_t rc;
    if (get_refcount(bs, c, &rc) < 0)
        return -1;
    int64_t d = delta_of(ds, c);
    if ((d < 0 && rc < (uint64_t)-d) ||
        (d > 0 && refcount_max(q) - rc < (uint64_t)d))
        return blk_set_error(bs, "%s: qcow2 image is corrupt or refcounts "
                             "too narrow: refcount of cluster %llu is %llu "
                             "and cannot change by %lld", bs->filename,
                             (unsigned long long)c, (unsigned long long)rc,
                             (long long)d);
    *out = rc + (uint64_t)d;
    return 0;
}

/* Validates and reads the L2 table an L1 entry names (into t, raw). */
static int read_l2_checked(BlockDev *bs, uint64_t idx, uint64_t l1e,
                           uint8_t *t)
{
    Qcow2 *q = bs->opaque;
    uint64_t l2off = l1e & OFFSET_MASK;
    if (validate_l2_offset(bs, idx, l1e) < 0)
        return -1;
    if ((l2off >> q->cluster_bits) >= q->end_cluster)
        return blk_set_error(bs, "%s: qcow2 image is corrupt: L2 table at "
                             "0x%llx is past the end of the file",
                             bs->filename, (unsigned long long)l2off);
    return blk_pread(bs, l2off, t, q->cs, "L2 table");
}

/* The host clusters [*start, *start + *len) an L2 entry references (len 0:
 * none), validated. */
static int entry_range(BlockDev *bs, uint64_t guest, uint64_t raw,
                       uint64_t *start, uint64_t *len)
{
    Qcow2 *q = bs->opaque;
    Entry e;
    *len = 0;
    if (decode_entry(bs, guest, raw, &e) < 0)
        return -1;
    if (e.type == CL_NORMAL || e.type == CL_ZERO_ALLOC) {
        *start = e.host;
        *len = q->cs;
    } else if (e.type == CL_COMPRESSED) {
        *start = e.host & ~511ull;
        *len = e.host + e.clen - *start;
    } else {
        return 0;
    }
    if (((*start + *len - 1) >> q->cluster_bits) >= q->end_cluster ||
        is_meta(q, *start >> q->cluster_bits))
        return blk_set_error(bs, "%s: qcow2 image is corrupt: L2 entry for "
                             "guest offset %llu points past the end of the "
                             "file or into metadata", bs->filename,
                             (unsigned long long)guest);
    return 0;
}

/* Adds sign (+1 or -1) for every cluster the tree of an L1 table
 * references: its L2 tables and their data (one per path). */
static int tree_deltas(BlockDev *bs, Deltas *ds, const uint64_t *l1,
                       uint32_t l1_size, int sign)
{
    Qcow2 *q = bs->opaque;
    uint8_t *t = malloc(q->cs);
    if (!t)
        return blk_set_error(bs, "%s: out of memory", bs->filename);
    for (uint32_t i = 0; i < l1_size; i++) {
        uint64_t l2off = l1[i] & OFFSET_MASK;
        if (!l2off)
            continue;
        if (read_l2_checked(bs, i, l1[i], t) < 0 ||
            delta_add(bs, ds, l2off >> q->cluster_bits, sign) < 0)
            goto fail;
        for (uint64_t k = 0; k < q->l2_entries; k++) {
            uint64_t guest = (((uint64_t)i << q->l2_bits) + k)
                             << q->cluster_bits, start, len;
            if (entry_range(bs, guest, be64(t + k * 8), &start, &len) < 0 ||
                delta_range(bs, ds, start, len, sign) < 0)
                goto fail;
        }
    }
    free(t);
    return 0;
fail:
    free(t);
    return -1;
}

/* Sets the COPIED flags of an L2 table (raw) for the new refcounts;
 * true in *changed if any differs. */
static int l2_copied_flags(BlockDev *bs, const Deltas *ds, uint8_t *t,
                           uint64_t gbase, bool *changed)
{
    Qcow2 *q = bs->opaque;
    *changed = false;
    for (uint64_t k = 0; k < q->l2_entries; k++) {
        uint64_t e = be64(t + k * 8), start, len, rc;
        if (entry_range(bs, gbase + (k << q->cluster_bits), e, &start,
                        &len) < 0)
            return -1;
        if (!len || (e & OFLAG_COMPRESSED))
            continue;
        if (new_refcount(bs, ds, start >> q->cluster_bits, &rc) < 0)
            return -1;
        uint64_t ne = rc == 1 ? e | OFLAG_COPIED : e & ~OFLAG_COPIED;
        if (ne != e) {
            put64(t + k * 8, ne);
            *changed = true;
        }
    }
    return 0;
}

/* The new state that switch_trees() makes current. */
typedef struct TreeSwitch {
    uint64_t *l1;       /* active L1 entries (flags are recomputed) */
    uint32_t l1_size;
    uint8_t *tab;       /* snapshot table, nb entries, tab_size bytes */
    uint64_t tab_size;
    uint32_t nb;
    uint64_t disk_size;
    int64_t snap_pos;   /* >= 0: the entry there gets a copy of the
                           current active L1 table (create) */
    Deltas ds;          /* refcount changes of the trees */
} TreeSwitch;

static int64_t alloc_meta(BlockDev *bs, uint64_t bytes)
{
    Qcow2 *q = bs->opaque;
    return alloc_clusters(bs, div_round_up(bytes, q->cs));
}

static int switch_trees(BlockDev *bs, TreeSwitch *sw)
{
    Qcow2 *q = bs->opaque;
    Deltas *ds = &sw->ds;
    uint64_t cs = q->cs, old_tab_size = 0;
    uint32_t n = sw->l1_size;
    int ret = -1;
    bool *copy = calloc(n ? n : 1, sizeof(bool));
    uint64_t *nl1 = calloc(n ? n : 1, 8);
    uint64_t *l2new = calloc(n ? n : 1, 8);
    uint64_t *blocks = NULL, *bnew = NULL, *nrt = NULL;
    uint8_t *t = malloc(cs), *raw = NULL;
    size_t nblocks = 0;
    if (!copy || !nl1 || !l2new || !t) {
        blk_set_error(bs, "%s: out of memory", bs->filename);
        goto out;
    }
    /* 1. The old snapshot table goes. */
    if (q->nb_snapshots) {
        if (snapshot_table_size(bs, &old_tab_size) < 0 ||
            delta_range(bs, ds, q->snapshots_offset, old_tab_size, -1) < 0)
            goto out;
    }
    delta_sort(ds);
    /* 2. L2 tables of the new active tree with wrong COPIED flags get a
     * copy (the old one loses the active reference). */
    uint32_t ncopies = 0;
    for (uint32_t i = 0; i < n; i++) {
        bool changed;
        if (!(sw->l1[i] & OFFSET_MASK))
            continue;
        if (read_l2_checked(bs, i, sw->l1[i], t) < 0 ||
            l2_copied_flags(bs, ds, t, (uint64_t)i << (q->cluster_bits +
                                                       q->l2_bits),
                            &changed) < 0)
            goto out;
        if (changed) {
            copy[i] = true;
            ncopies++;
            if (delta_add(bs, ds, (sw->l1[i] & OFFSET_MASK) >> q->cluster_bits,
                          -1) < 0)
                goto out;
        }
    }
    delta_sort(ds);
    bool l1_changed = n != q->l1_size || ncopies;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t off = sw->l1[i] & OFFSET_MASK, rc;
        nl1[i] = off;
        if (copy[i])
            continue;
        if (off) {
            if (new_refcount(bs, ds, off >> q->cluster_bits, &rc) < 0)
                goto out;
            if (rc == 1)
                nl1[i] |= OFLAG_COPIED;
        }
        if (i >= q->l1_size || nl1[i] != q->l1[i])
            l1_changed = true;
    }
    if (l1_changed && q->l1_size) {
        if (delta_range(bs, ds, q->l1_offset, (uint64_t)q->l1_size * 8,
                        -1) < 0)
            goto out;
        delta_sort(ds);
    }
    /* Every change must be possible, and lands in an existing block. */
    blocks = calloc(ds->n + 1, 8);
    bnew = calloc(ds->n + 1, 8);
    if (!blocks || !bnew) {
        blk_set_error(bs, "%s: out of memory", bs->filename);
        goto out;
    }
    for (size_t i = 0; i < ds->n; i++) {
        uint64_t rc, b = ds->v[i].c / q->rb_entries;
        if (!ds->v[i].d)
            continue;
        if (new_refcount(bs, ds, ds->v[i].c, &rc) < 0)
            goto out;
        if (b >= q->rt_entries || !q->rt[b] ||
            validate_rb_offset(bs, b, q->rt[b]) < 0 ||
            (q->rt[b] >> q->cluster_bits) >= q->end_cluster) {
            blk_set_error(bs, "%s: qcow2 image is corrupt: cluster %llu is "
                          "in use but has no valid refcount block",
                          bs->filename, (unsigned long long)ds->v[i].c);
            goto out;
        }
        if (!nblocks || blocks[nblocks - 1] != b)
            blocks[nblocks++] = b;
    }
    /* 3. Allocation: new clusters get refcount 1 in place (leaks until
     * the switch). The refcount table comes last, as its size may grow. */
    int64_t snap_l1 = 0, l1at = 0, tabat = 0, rtat = -1;
    uint64_t sl1_bytes = (uint64_t)q->l1_size * 8;
    if (sw->snap_pos >= 0 && sl1_bytes && (snap_l1 = alloc_meta(bs, sl1_bytes)) < 0)
        goto out;
    if (l1_changed && n && (l1at = alloc_meta(bs, (uint64_t)n * 8)) < 0)
        goto out;
    if (!l1_changed)
        l1at = (int64_t)q->l1_offset;
    for (uint32_t i = 0; i < n; i++) {
        if (!copy[i])
            continue;
        int64_t at = alloc_clusters(bs, 1);
        if (at < 0)
            goto out;
        l2new[i] = (uint64_t)at;
    }
    if (sw->nb && (tabat = alloc_meta(bs, sw->tab_size)) < 0)
        goto out;
    for (size_t i = 0; i < nblocks; i++) {
        int64_t at = alloc_clusters(bs, 1);
        if (at < 0)
            goto out;
        bnew[i] = (uint64_t)at;
    }
    if (nblocks) {
        for (int attempt = 0;; attempt++) {
            uint32_t want = q->rt_clusters;
            if (attempt == 4) {
                blk_set_error(bs, "%s: cannot place a new refcount table",
                              bs->filename);
                goto out;
            }
            if ((rtat = alloc_clusters(bs, want)) < 0)
                goto out;
            if (q->rt_clusters == want)
                break; /* else the table grew meanwhile: a leak, again */
        }
    }
    /* 4. The new clusters' contents. */
    if (snap_l1) {
        raw = calloc(1, sl1_bytes);
        if (!raw) {
            blk_set_error(bs, "%s: out of memory", bs->filename);
            goto out;
        }
        for (uint32_t i = 0; i < q->l1_size; i++)
            put64(raw + i * 8, q->l1[i] & ~OFLAG_COPIED);
        if (blk_pwrite(bs, (uint64_t)snap_l1, raw, sl1_bytes,
                       "snapshot L1 table") < 0)
            goto out;
        free(raw);
        raw = NULL;
    }
    if (sw->snap_pos >= 0)
        put64(sw->tab + sw->snap_pos, (uint64_t)snap_l1);
    for (uint32_t i = 0; i < n; i++) {
        bool changed;
        if (!copy[i])
            continue;
        if (read_l2_checked(bs, i, sw->l1[i], t) < 0 ||
            l2_copied_flags(bs, ds, t, (uint64_t)i << (q->cluster_bits +
                                                       q->l2_bits),
                            &changed) < 0 ||
            blk_pwrite(bs, l2new[i], t, cs, "L2 table") < 0)
            goto out;
        nl1[i] = l2new[i] | OFLAG_COPIED;
    }
    if (l1_changed && n) {
        raw = calloc(1, (size_t)n * 8);
        if (!raw) {
            blk_set_error(bs, "%s: out of memory", bs->filename);
            goto out;
        }
        for (uint32_t i = 0; i < n; i++)
            put64(raw + i * 8, nl1[i]);
        if (blk_pwrite(bs, (uint64_t)l1at, raw, (size_t)n * 8,
                       "L1 table") < 0)
            goto out;
        free(raw);
        raw = NULL;
    }
    if (sw->nb && blk_pwrite(bs, (uint64_t)tabat, sw->tab, sw->tab_size,
                             "snapshot table") < 0)
        goto out;
    uint64_t rt_bytes = (uint64_t)q->rt_clusters * cs;
    if (nblocks) {
        nrt = malloc(rt_bytes);
        raw = calloc(1, rt_bytes);
        if (!nrt || !raw) {
            blk_set_error(bs, "%s: out of memory", bs->filename);
            goto out;
        }
        memcpy(nrt, q->rt, rt_bytes);
        size_t di = 0;
        for (size_t i = 0; i < nblocks; i++) {
            uint64_t b = blocks[i], boff, blen;
            if (blk_pread(bs, q->rt[b], t, cs, "refcount block") < 0)
                goto out;
            while (di < ds->n && ds->v[di].c / q->rb_entries < b)
                di++; /* blocks whose changes sum to zero are skipped */
            for (; di < ds->n && ds->v[di].c / q->rb_entries == b; di++) {
                uint64_t rc;
                if (new_refcount(bs, ds, ds->v[di].c, &rc) < 0)
                    goto out;
                rb_set(q, t, ds->v[di].c % q->rb_entries, rc, &boff, &blen);
            }
            if (blk_pwrite(bs, bnew[i], t, cs, "refcount block") < 0)
                goto out;
            nrt[b] = bnew[i];
        }
        for (uint64_t i = 0; i < q->rt_entries; i++)
            put64(raw + i * 8, nrt[i]);
        if (blk_pwrite(bs, (uint64_t)rtat, raw, rt_bytes,
                       "refcount table") < 0)
            goto out;
        free(raw);
        raw = NULL;
    }
    if (blk_sync_file(bs) < 0)
        goto out;
    /* 5. The switch. */
    uint8_t hdr[48];
    put64(hdr, sw->disk_size);
    put32(hdr + 8, q->crypt);
    put32(hdr + 12, n);
    put64(hdr + 16, (uint64_t)l1at);
    put64(hdr + 24, nblocks ? (uint64_t)rtat : q->rt_offset);
    put32(hdr + 32, q->rt_clusters);
    put32(hdr + 36, sw->nb);
    put64(hdr + 40, sw->nb ? (uint64_t)tabat : 0);
    if (blk_pwrite(bs, 24, hdr, sizeof(hdr), "header") < 0)
        goto out;
    /* In memory: the new tables; caches dropped (blocks moved). */
    uint64_t old_rt = q->rt_offset;
    for (int i = 0; i < L2_CACHE_SLOTS; i++)
        q->l2c[i].off = 0;
    for (int i = 0; i < RB_CACHE_SLOTS; i++)
        q->rbc[i].off = 0;
    q->dec_valid = false;
    q->comp_next = 0;
    if (nblocks) {
        for (size_t i = 0; i < nblocks; i++)
            blocks[i] = q->rt[blocks[i]]; /* from here: the old blocks */
        free(q->rt);
        q->rt = nrt;
        nrt = NULL;
        q->rt_offset = (uint64_t)rtat;
        set_meta_range(q, q->rt_offset, rt_bytes, true);
        for (size_t i = 0; i < nblocks; i++)
            set_meta(q, bnew[i] >> q->cluster_bits, true);
    }
    if (l1_changed) {
        free(q->l1);
        q->l1 = nl1;
        nl1 = NULL;
        q->l1_size = n;
        q->l1_offset = (uint64_t)l1at;
        set_meta_range(q, q->l1_offset, (uint64_t)n * 8, true);
    }
    for (uint32_t i = 0; i < q->l1_size; i++)
        if (q->l1[i] & OFFSET_MASK)
            set_meta(q, (q->l1[i] & OFFSET_MASK) >> q->cluster_bits, true);
    if (snap_l1)
        set_meta_range(q, (uint64_t)snap_l1, sl1_bytes, true);
    q->nb_snapshots = sw->nb;
    q->snapshots_offset = sw->nb ? (uint64_t)tabat : 0;
    if (sw->nb)
        set_meta_range(q, q->snapshots_offset, sw->tab_size, true);
    bool resized = bs->size != sw->disk_size;
    bs->size = sw->disk_size;
    if (blk_sync_file(bs) < 0)
        goto out;
    /* 6. What the new image no longer uses. */
    for (size_t i = 0; i < ds->n; i++) {
        uint64_t rc, c = ds->v[i].c;
        if (!ds->v[i].d || get_refcount(bs, c, &rc) < 0 || rc)
            continue;
        set_meta(q, c, false);
        fallocate(bs->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                  (off_t)(c << q->cluster_bits), (off_t)cs);
    }
    if (nblocks) {
        if (free_range(bs, old_rt, rt_bytes) < 0)
            goto out;
        for (size_t i = 0; i < nblocks; i++)
            if (free_range(bs, blocks[i], cs) < 0)
                goto out;
    }
    ret = 0;
    if (resized && bm_fit(bs) < 0)
        ret = -1;
out:
    free(copy);
    free(nl1);
    free(l2new);
    free(blocks);
    free(bnew);
    free(nrt);
    free(t);
    free(raw);
    return ret;
}

static int qcow2_snapshot_create(BlockDev *bs, const char *name)
{
    Qcow2 *q = bs->opaque;
    size_t nlen = strlen(name);
    if (q->version < 3)
        return blk_set_error(bs, "%s: version 2 images are read-only",
                             bs->filename);
    if (!nlen || nlen > 1000)
        return blk_set_error(bs, "%s: invalid snapshot name", bs->filename);
    if (q->nb_snapshots >= MAX_SNAPSHOTS)
        return blk_set_error(bs, "%s: too many snapshots", bs->filename);
    uint64_t size;
    uint8_t *tab = load_snapshot_table(bs, &size, 64 + 2 * nlen + 32);
    if (!tab)
        return -1;
    SnapRef ref;
    uint32_t max_id;
    if (find_snapshot(bs, tab, name, &ref, &max_id) >= 0) {
        free(tab);
        return blk_set_error(bs, "%s: a snapshot named '%s' already exists",
                             bs->filename, name);
    }
    TreeSwitch sw;
    memset(&sw, 0, sizeof(sw));
    sw.l1 = malloc((size_t)q->l1_size * 8 + 8);
    if (!sw.l1) {
        free(tab);
        return blk_set_error(bs, "%s: out of memory", bs->filename);
    }
    memcpy(sw.l1, q->l1, (size_t)q->l1_size * 8);
    sw.l1_size = q->l1_size;
    /* The snapshot's paths: the active tree once more. */
    if (tree_deltas(bs, &sw.ds, q->l1, q->l1_size, +1) < 0)
        goto fail;
    /* The new entry at the end of the table (its L1 offset is filled in
     * by switch_trees). */
    char id[16];
    snprintf(id, sizeof(id), "%u", max_id + 1);
    size_t idlen = strlen(id);
    uint8_t *e = tab + size;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    put64(e, 0);
    put32(e + 8, q->l1_size);
    e[12] = 0;
    e[13] = (uint8_t)idlen;
    e[14] = (uint8_t)(nlen >> 8);
    e[15] = (uint8_t)nlen;
    put32(e + 16, (uint32_t)ts.tv_sec);
    put32(e + 20, (uint32_t)ts.tv_nsec);
    put64(e + 24, 0);             /* vm_clock_nsec */
    put32(e + 32, 0);             /* vm_state_size */
    put32(e + 36, 24);            /* extra data: */
    put64(e + 40, 0);             /*   vm_state_size_large */
    put64(e + 48, bs->size);      /*   disk_size */
    put64(e + 64 - 8, UINT64_MAX); /*  icount: none */
    memcpy(e + 64, id, idlen);
    memcpy(e + 64 + idlen, name, nlen);
    sw.tab = tab;
    sw.tab_size = size + ((64 + idlen + nlen + 7) & ~7ull);
    sw.nb = q->nb_snapshots + 1;
    sw.snap_pos = (int64_t)size;
    sw.disk_size = bs->size;
    int r = switch_trees(bs, &sw);
    free(sw.l1);
    free(sw.ds.v);
    free(tab);
    return r;
fail:
    free(sw.l1);
    free(sw.ds.v);
    free(tab);
    return -1;
}

/* For apply and delete: the snapshot table (*size bytes, to free) and
 * the entry whose ID or name is key, or NULL with the error set. */
static uint8_t *load_snapshot(BlockDev *bs, const char *key, uint64_t *size,
                              SnapRef *ref)
{
    Qcow2 *q = bs->opaque;
    uint32_t max_id;
    if (q->version < 3) {
        blk_set_error(bs, "%s: version 2 images are read-only", bs->filename);
        return NULL;
    }
    uint8_t *tab = load_snapshot_table(bs, size, 0);
    if (tab && find_snapshot(bs, tab, key, ref, &max_id) < 0) {
        free(tab);
        blk_set_error(bs, "%s: no snapshot with ID or name '%s'",
                      bs->filename, key);
        return NULL;
    }
    return tab;
}

static int qcow2_snapshot_apply(BlockDev *bs, const char *key)
{
    Qcow2 *q = bs->opaque;
    uint64_t size;
    SnapRef ref;
    uint8_t *tab = load_snapshot(bs, key, &size, &ref);
    if (!tab)
        return -1;
    TreeSwitch sw;
    memset(&sw, 0, sizeof(sw));
    sw.disk_size = ref.has_disk_size ? ref.disk_size : bs->size;
    uint64_t need = div_round_up(sw.disk_size, q->cs * q->l2_entries);
    if (need * 8 > MAX_L1_BYTES) {
        free(tab);
        return blk_set_error(bs, "%s: snapshot '%s' has an invalid disk size",
                             bs->filename, key);
    }
    uint64_t *sl1 = read_l1(bs, ref.l1_offset, ref.l1_size);
    if (!sl1) {
        free(tab);
        return -1;
    }
    sw.l1_size = ref.l1_size > need ? ref.l1_size : (uint32_t)need;
    sw.l1 = calloc(sw.l1_size ? sw.l1_size : 1, 8);
    int r = -1;
    if (!sw.l1) {
        blk_set_error(bs, "%s: out of memory", bs->filename);
        goto out;
    }
    memcpy(sw.l1, sl1, (size_t)ref.l1_size * 8);
    /* The snapshot's tree gains the active paths, the current tree loses
     * them. The snapshot table stays (rewritten, as every switch does). */
    if (tree_deltas(bs, &sw.ds, sl1, ref.l1_size, +1) < 0 ||
        tree_deltas(bs, &sw.ds, q->l1, q->l1_size, -1) < 0)
        goto out;
    sw.tab = tab;
    sw.tab_size = size;
    sw.nb = q->nb_snapshots;
    sw.snap_pos = -1;
    r = switch_trees(bs, &sw);
out:
    free(sl1);
    free(sw.l1);
    free(sw.ds.v);
    free(tab);
    return r;
}

static int qcow2_snapshot_delete(BlockDev *bs, const char *key)
{
    Qcow2 *q = bs->opaque;
    uint64_t size;
    SnapRef ref;
    uint8_t *tab = load_snapshot(bs, key, &size, &ref);
    if (!tab)
        return -1;
    uint64_t *sl1 = read_l1(bs, ref.l1_offset, ref.l1_size);
    if (!sl1) {
        free(tab);
        return -1;
    }
    TreeSwitch sw;
    memset(&sw, 0, sizeof(sw));
    int r = -1;
    sw.l1 = malloc((size_t)q->l1_size * 8 + 8);
    if (!sw.l1) {
        blk_set_error(bs, "%s: out of memory", bs->filename);
        goto out;
    }
    memcpy(sw.l1, q->l1, (size_t)q->l1_size * 8);
    sw.l1_size = q->l1_size;
    if (tree_deltas(bs, &sw.ds, sl1, ref.l1_size, -1) < 0 ||
        delta_range(bs, &sw.ds, ref.l1_offset, (uint64_t)ref.l1_size * 8,
                    -1) < 0)
        goto out;
    memmove(tab + ref.pos, tab + ref.pos + ref.len,
            size - ref.pos - ref.len);
    sw.tab = tab;
    sw.tab_size = size - ref.len;
    sw.nb = q->nb_snapshots - 1;
    sw.snap_pos = -1;
    sw.disk_size = bs->size;
    r = switch_trees(bs, &sw);
out:
    free(sl1);
    free(sw.l1);
    free(sw.ds.v);
    free(tab);
    return r;
}

/* Reads see a snapshot instead of the active state (read-only open; the
 * file is not touched), as qemu-nbd -l: its L1 table and disk size. */
static int qcow2_snapshot_load(BlockDev *bs, const char *id,
                               const char *name)
{
    Qcow2 *q = bs->opaque;
    uint64_t size, pos = 0;
    uint8_t *tab = load_snapshot_table(bs, &size, 0);
    if (!tab)
        return -1;
    int found = -1;
    SnapRef ref;
    memset(&ref, 0, sizeof(ref));
    for (uint32_t i = 0; i < q->nb_snapshots && found < 0; i++) {
        const uint8_t *h = tab + pos;
        uint16_t idlen = be16(h + 12), namelen = be16(h + 14);
        uint32_t extra = be32(h + 36);
        const char *sid = (const char *)h + 40 + extra;
        const char *sname = sid + idlen;
        if ((!id || (strlen(id) == idlen && !memcmp(sid, id, idlen))) &&
            (!name || (strlen(name) == namelen &&
                       !memcmp(sname, name, namelen)))) {
            found = (int)i;
            ref.l1_offset = be64(h);
            ref.l1_size = be32(h + 8);
            ref.has_disk_size = extra >= 16;
            ref.disk_size = extra >= 16 ? be64(h + 48) : 0;
        }
        pos += (40 + extra + idlen + namelen + 7) & ~7ull;
    }
    free(tab);
    if (found < 0)
        return blk_set_error(bs, "%s: no snapshot with%s%s%s%s%s%s%s",
                             bs->filename, id ? " ID '" : "", id ? id : "",
                             id ? "'" : "", id && name ? " and" : "",
                             name ? " name '" : "", name ? name : "",
                             name ? "'" : "");
    if ((ref.l1_offset >> q->cluster_bits) >= q->end_cluster)
        return blk_set_error(bs, "%s: qcow2 image is corrupt: snapshot L1 "
                             "table at 0x%llx is past the end of the file",
                             bs->filename,
                             (unsigned long long)ref.l1_offset);
    uint64_t *sl1 = read_l1(bs, ref.l1_offset, ref.l1_size);
    if (!sl1)
        return -1;
    free(q->l1);
    q->l1 = sl1;
    q->l1_size = ref.l1_size;
    q->l1_offset = ref.l1_offset;
    for (int i = 0; i < L2_CACHE_SLOTS; i++)
        q->l2c[i].off = 0;
    q->dec_valid = false;
    if (ref.has_disk_size)
        bs->size = ref.disk_size;
    return 0;
}

/* ---- persistent dirty bitmaps (read only) ---- */

typedef struct Refs Refs;
static void add_ref(BlockDev *bs, Refs *r, uint64_t off, uint64_t len,
                    BlkCheckResult *res, const char *what);

/*
 * Walks the bitmap directory of the bitmaps extension (when the autoclear
 * bit says it is valid): lists the bitmaps and, for check, counts the
 * clusters of the directory, the bitmap tables and their data.
 */
static int walk_bitmaps(BlockDev *bs, BlkBitmap **plist, int *pn, Refs *r,
                        BlkCheckResult *res)
{
    Qcow2 *q = bs->opaque;
    const Ext *e = NULL;
    if (plist) {
        *plist = NULL;
        *pn = 0;
    }
    for (int i = 0; i < q->n_ext; i++)
        if (q->ext[i].type == EXT_BITMAPS)
            e = &q->ext[i];
    if (!e || !(q->autoclear & AUTOCLEAR_BITMAPS))
        return 0;
    if (e->len < 24)
        return blk_set_error(bs, "%s: qcow2 bitmaps extension has invalid "
                             "length %u (24 expected)", bs->filename, e->len);
    uint32_t nb = be32(e->data);
    uint64_t dsize = be64(e->data + 8), doff = be64(e->data + 16);
    if (nb > 65535 || dsize > (64u << 20) || doff % q->cs ||
        doff > OFFSET_MASK)
        return blk_set_error(bs, "%s: qcow2 bitmaps extension is invalid "
                             "(nb_bitmaps %u, directory size %llu at 0x%llx)",
                             bs->filename, nb, (unsigned long long)dsize,
                             (unsigned long long)doff);
    uint8_t *dir = malloc(dsize ? dsize : 1);
    BlkBitmap *list = calloc(nb ? nb : 1, sizeof(*list));
    int n = 0;
    if (!dir || !list) {
        free(dir);
        free(list);
        return blk_set_error(bs, "%s: out of memory", bs->filename);
    }
    if (blk_pread(bs, doff, dir, dsize, "bitmap directory") < 0)
        goto fail;
    if (r)
        add_ref(bs, r, doff, dsize, res, "bitmap directory");
    uint64_t pos = 0;
    for (uint32_t i = 0; i < nb; i++) {
        if (pos + 24 > dsize)
            goto bad;
        const uint8_t *d = dir + pos;
        uint64_t toff = be64(d);
        uint32_t tsize = be32(d + 8), flags = be32(d + 12);
        uint8_t gbits = d[17];
        uint16_t nlen = be16(d + 18);
        uint32_t extra = be32(d + 20);
        if (extra > dsize || pos + 24 + extra + nlen > dsize ||
            gbits < 9 || gbits > 31 || toff % q->cs || toff > OFFSET_MASK ||
            (uint64_t)tsize * 8 > MAX_L1_BYTES)
            goto bad;
        list[n].name = strndup((const char *)d + 24 + extra, nlen);
        list[n].granularity = 1u << gbits;
        list[n].flags = flags;
        if (!list[n].name)
            goto fail;
        n++;
        if (r && tsize) {
            uint8_t *t = malloc((size_t)tsize * 8);
            if (!t) {
                blk_set_error(bs, "%s: out of memory", bs->filename);
                goto fail;
            }
            if (blk_pread(bs, toff, t, (size_t)tsize * 8, "bitmap table") < 0) {
                free(t);
                goto fail;
            }
            add_ref(bs, r, toff, (uint64_t)tsize * 8, res, "bitmap table");
            for (uint32_t k = 0; k < tsize; k++) {
                uint64_t o = be64(t + (size_t)k * 8) & OFFSET_MASK;
                if (o)
                    add_ref(bs, r, o, q->cs, res, "bitmap data");
            }
            free(t);
        }
        pos = (pos + 24 + extra + nlen + 7) & ~7ull;
    }
    free(dir);
    if (plist) {
        *plist = list;
        *pn = n;
    } else {
        blk_bitmap_list_free(list, n);
    }
    return 0;
bad:
    blk_set_error(bs, "%s: qcow2 bitmap directory entry %d at 0x%llx is "
                  "invalid", bs->filename, n,
                  (unsigned long long)(doff + pos));
fail:
    free(dir);
    blk_bitmap_list_free(list, n);
    return -1;
}

/* The bitmap directory a bitmaps extension points at (malloc'ed; its
 * size and offset in *dsize and *doff), or NULL after an error. */
static uint8_t *read_bitmap_dir(BlockDev *bs, const Ext *e, uint64_t *dsize,
                                uint64_t *doff)
{
    *dsize = be64(e->data + 8);
    *doff = be64(e->data + 16);
    uint8_t *dir = malloc(*dsize ? *dsize : 1);
    if (!dir) {
        blk_set_error(bs, "%s: out of memory for the bitmap directory",
                      bs->filename);
        return NULL;
    }
    if (blk_pread(bs, *doff, dir, *dsize, "bitmap directory") < 0) {
        free(dir);
        return NULL;
    }
    return dir;
}

/* Sets the in-use flag of every bitmap in the directory. */
static int mark_bitmaps_in_use(BlockDev *bs)
{
    Qcow2 *q = bs->opaque;
    BlkBitmap *list;
    int n;
    if (walk_bitmaps(bs, &list, &n, NULL, NULL) < 0) /* validates */
        return -1;
    blk_bitmap_list_free(list, n);
    for (int i = 0; i < q->n_ext; i++) {
        if (q->ext[i].type != EXT_BITMAPS)
            continue;
        uint32_t nb = be32(q->ext[i].data);
        uint64_t dsize, doff;
        uint8_t *dir = read_bitmap_dir(bs, &q->ext[i], &dsize, &doff);
        if (!dir) {
            return -1;
        }
        uint64_t pos = 0;
        for (uint32_t k = 0; k < nb; k++) {
            uint8_t *d = dir + pos;
            uint8_t flags[4];
            put32(flags, be32(d + 12) | BLK_BITMAP_IN_USE);
            if (blk_pwrite(bs, doff + pos + 12, flags, 4, "bitmap flags") < 0) {
                free(dir);
                return -1;
            }
            pos = (pos + 24 + be32(d + 20) + be16(d + 18) + 7) & ~7ull;
        }
        free(dir);
    }
    return 0;
}

static int qcow2_bitmaps(BlockDev *bs, BlkBitmap **list, int *n)
{
    return walk_bitmaps(bs, list, n, NULL, NULL);
}

static int bm_copy_bits(BlockDev *bs, const char *name, uint8_t **pbits,
                        uint64_t *pnbits, uint32_t *pgran);

/*
 * Loads the bits of bitmap NAME: one bit a granule, granule i in bit i%8
 * of byte i/8 (the order the qcow2 spec stores them in).
 */
static int qcow2_bitmap_load(BlockDev *bs, const char *name, uint8_t **pbits,
                             uint64_t *pnbits, uint32_t *pgran)
{
    Qcow2 *q = bs->opaque;
    BlkBitmap *list;
    int n;
    if (q->bm) /* tracking: the bits in memory are the current ones */
        return bm_copy_bits(bs, name, pbits, pnbits, pgran);
    if (walk_bitmaps(bs, &list, &n, NULL, NULL) < 0) /* validates */
        return -1;
    blk_bitmap_list_free(list, n);
    for (int i = 0; i < q->n_ext; i++) {
        if (q->ext[i].type != EXT_BITMAPS)
            continue;
        uint32_t nb = be32(q->ext[i].data);
        uint64_t dsize, doff;
        uint8_t *dir = read_bitmap_dir(bs, &q->ext[i], &dsize, &doff);
        if (!dir) {
            return -1;
        }
        uint64_t pos = 0;
        for (uint32_t k = 0; k < nb; k++) {
            const uint8_t *d = dir + pos;
            uint32_t extra = be32(d + 20);
            uint16_t nlen = be16(d + 18);
            if (strlen(name) != nlen ||
                memcmp(d + 24 + extra, name, nlen) != 0) {
                pos = (pos + 24 + extra + nlen + 7) & ~7ull;
                continue;
            }
            uint64_t toff = be64(d);
            uint32_t tsize = be32(d + 8);
            uint32_t gran = 1u << d[17];
            free(dir);
            uint64_t nbits = (bs->size + gran - 1) / gran;
            uint64_t nbytes = (nbits + 7) / 8;
            if ((uint64_t)tsize * q->cs < nbytes)
                return blk_set_error(bs, "%s: qcow2 bitmap '%s' has a table "
                                     "too short for the image", bs->filename,
                                     name);
            uint8_t *bits = calloc(nbytes ? nbytes : 1, 1);
            uint8_t *t = malloc((size_t)tsize * 8 + 1);
            if (!bits || !t) {
                free(bits);
                free(t);
                return blk_set_error(bs, "%s: out of memory", bs->filename);
            }
            if (blk_pread(bs, toff, t, (size_t)tsize * 8, "bitmap table") < 0)
                goto fail;
            for (uint64_t c = 0; c * q->cs < nbytes; c++) {
                uint64_t e = be64(t + c * 8);
                uint64_t o = e & OFFSET_MASK & ~(q->cs - 1);
                uint64_t len = nbytes - c * q->cs;
                if (len > q->cs)
                    len = q->cs;
                if (o) {
                    if (blk_pread(bs, o, bits + c * q->cs, len,
                                  "bitmap data") < 0)
                        goto fail;
                } else if (e & 1) {
                    memset(bits + c * q->cs, 0xff, len);
                }
            }
            free(t);
            *pbits = bits;
            *pnbits = nbits;
            *pgran = gran;
            return 0;
        fail:
            free(t);
            free(bits);
            return -1;
        }
        free(dir);
    }
    return blk_set_error(bs, "%s: no bitmap named '%s'", bs->filename, name);
}

/* ---- persistent dirty bitmaps: editing (BLK_O_BITMAPS opens) ----
 *
 * The directory is loaded whole (names, flags, bits), changed in memory,
 * and written anew: every bitmap's data clusters and table, then the
 * directory, a flush, the header (extension and autoclear bit) in one
 * write, and last the old clusters are freed. A kill -9 before the
 * header write leaves leaks only. */

struct BmEnt {
    char *name;
    uint32_t flags;
    uint8_t type, gbits;
    uint8_t *bits;           /* granule i: bit i%8 of byte i/8 */
    uint64_t nbits;
    uint64_t toff;           /* old table, freed after the switch */
    uint32_t tsize;
    /* Tracking (read-write opens, q->bm): */
    bool track;              /* enabled and consistent: guest writes set bits */
    bool stale;              /* in use already at open: left in use */
    bool changed;            /* bits set since the open */
};

static void bm_free(BmEnt *b, int n)
{
    for (int i = 0; i < n; i++) {
        free(b[i].name);
        free(b[i].bits);
    }
    free(b);
}

static int bm_load(BlockDev *bs, BmEnt **pb, int *pn)
{
    Qcow2 *q = bs->opaque;
    BlkBitmap *list;
    int n;
    *pb = NULL;
    *pn = 0;
    if (walk_bitmaps(bs, &list, &n, NULL, NULL) < 0) /* validates */
        return -1;
    BmEnt *b = calloc((size_t)n + 1, sizeof(*b));
    if (!b) {
        blk_bitmap_list_free(list, n);
        return blk_set_error(bs, "%s: out of memory", bs->filename);
    }
    int k = 0;
    for (; k < n; k++) {
        uint32_t gran;
        b[k].name = strdup(list[k].name);
        if (!b[k].name || qcow2_bitmap_load(bs, list[k].name, &b[k].bits,
                                            &b[k].nbits, &gran) < 0)
            goto fail;
        b[k].flags = list[k].flags;
        b[k].gbits = (uint8_t)__builtin_ctz(gran);
        b[k].type = 1;
    }
    /* The old tables, to free after the switch. */
    for (int i = 0; i < q->n_ext; i++) {
        if (q->ext[i].type != EXT_BITMAPS)
            continue;
        uint64_t dsize, doff;
        uint8_t *dir = read_bitmap_dir(bs, &q->ext[i], &dsize, &doff);
        if (!dir) {
            goto fail;
        }
        uint64_t pos = 0;
        for (int j = 0; j < n; j++) {
            b[j].toff = be64(dir + pos);
            b[j].tsize = be32(dir + pos + 8);
            pos = (pos + 24 + be32(dir + pos + 20) + be16(dir + pos + 18) + 7)
                  & ~7ull;
        }
        free(dir);
    }
    blk_bitmap_list_free(list, n);
    *pb = b;
    *pn = n;
    return 0;
fail:
    blk_bitmap_list_free(list, n);
    bm_free(b, k + 1);
    return -1;
}

/* Frees a bitmap table and its data clusters. */
static int bm_free_table(BlockDev *bs, uint64_t toff, uint32_t tsize)
{
    Qcow2 *q = bs->opaque;
    if (!tsize)
        return 0;
    uint8_t *t = malloc((size_t)tsize * 8);
    if (!t)
        return blk_set_error(bs, "%s: out of memory", bs->filename);
    if (blk_pread(bs, toff, t, (size_t)tsize * 8, "bitmap table") < 0) {
        free(t);
        return -1;
    }
    for (uint32_t k = 0; k < tsize; k++) {
        uint64_t o = be64(t + (size_t)k * 8) & OFFSET_MASK & ~(q->cs - 1);
        if (o && free_range(bs, o, q->cs) < 0) {
            free(t);
            return -1;
        }
    }
    free(t);
    return free_range(bs, toff, (uint64_t)tsize * 8);
}

/* Writes the bitmaps' data, tables and directory; switches the header. */
static int bm_store(BlockDev *bs, BmEnt *b, int n, int64_t removed_toff,
                    uint32_t removed_tsize)
{
    Qcow2 *q = bs->opaque;
    uint64_t dsize = 0;
    for (int i = 0; i < n; i++)
        dsize += (24 + strlen(b[i].name) + 7) & ~7ull;
    uint8_t *dir = calloc(1, dsize + 8);
    uint64_t *newtoff = calloc((size_t)n + 1, 8);
    uint32_t *newtsize = calloc((size_t)n + 1, 4);
    uint8_t *t = NULL;
    int ret = -1;
    if (!dir || !newtoff || !newtsize) {
        blk_set_error(bs, "%s: out of memory", bs->filename);
        goto out;
    }
    for (int i = 0; i < n; i++) {
        uint64_t nbytes = (b[i].nbits + 7) / 8;
        uint32_t tsize = (uint32_t)div_round_up(nbytes, q->cs);
        free(t);
        t = calloc((size_t)tsize + 1, 8);
        if (!t) {
            blk_set_error(bs, "%s: out of memory", bs->filename);
            goto out;
        }
        for (uint32_t c = 0; c < tsize; c++) {
            uint64_t len = nbytes - (uint64_t)c * q->cs;
            if (len > q->cs)
                len = q->cs;
            const uint8_t *chunk = b[i].bits + (uint64_t)c * q->cs;
            bool any = false;
            for (uint64_t x = 0; x < len && !any; x++)
                any = chunk[x] != 0;
            if (!any)
                continue;
            int64_t at = alloc_clusters(bs, 1);
            if (at < 0)
                goto out;
            memset(q->cbuf, 0, q->cs);
            memcpy(q->cbuf, chunk, len);
            if (blk_pwrite(bs, (uint64_t)at, q->cbuf, q->cs,
                           "bitmap data") < 0)
                goto out;
            put64(t + (size_t)c * 8, (uint64_t)at);
        }
        if (tsize) {
            int64_t at = alloc_clusters(bs, div_round_up((uint64_t)tsize * 8,
                                                         q->cs));
            if (at < 0 || blk_pwrite(bs, (uint64_t)at, t, (size_t)tsize * 8,
                                     "bitmap table") < 0)
                goto out;
            set_meta_range(q, (uint64_t)at, (uint64_t)tsize * 8, true);
            newtoff[i] = (uint64_t)at;
        }
        newtsize[i] = tsize;
    }
    uint64_t pos = 0;
    for (int i = 0; i < n; i++) {
        size_t nl = strlen(b[i].name);
        put64(dir + pos, newtoff[i]);
        put32(dir + pos + 8, newtsize[i]);
        put32(dir + pos + 12, b[i].flags);
        dir[pos + 16] = b[i].type;
        dir[pos + 17] = b[i].gbits;
        dir[pos + 18] = (uint8_t)(nl >> 8);
        dir[pos + 19] = (uint8_t)nl;
        put32(dir + pos + 20, 0);
        memcpy(dir + pos + 24, b[i].name, nl);
        pos += (24 + nl + 7) & ~7ull;
    }
    int64_t doff = 0;
    if (n) {
        doff = alloc_clusters(bs, div_round_up(dsize, q->cs));
        if (doff < 0 || blk_pwrite(bs, (uint64_t)doff, dir, dsize,
                                   "bitmap directory") < 0)
            goto out;
        set_meta_range(q, (uint64_t)doff, dsize, true);
    }
    if (blk_sync_file(bs) < 0)
        goto out;
    /* The header: the extension and the autoclear bit. */
    uint64_t old_doff = 0, old_dsize = 0;
    int ei = -1;
    for (int i = 0; i < q->n_ext; i++)
        if (q->ext[i].type == EXT_BITMAPS)
            ei = i;
    if (ei >= 0) {
        old_dsize = be64(q->ext[ei].data + 8);
        old_doff = be64(q->ext[ei].data + 16);
    }
    if (n) {
        if (ei < 0) {
            Ext *ne = realloc(q->ext, sizeof(*ne) * ((size_t)q->n_ext + 1));
            if (!ne) {
                blk_set_error(bs, "%s: out of memory", bs->filename);
                goto out;
            }
            q->ext = ne;
            ei = q->n_ext++;
            q->ext[ei].type = EXT_BITMAPS;
            q->ext[ei].len = 24;
            q->ext[ei].data = calloc(1, 24);
            if (!q->ext[ei].data) {
                q->n_ext--;
                blk_set_error(bs, "%s: out of memory", bs->filename);
                goto out;
            }
        }
        put32(q->ext[ei].data, (uint32_t)n);
        put32(q->ext[ei].data + 4, 0);
        put64(q->ext[ei].data + 8, dsize);
        put64(q->ext[ei].data + 16, (uint64_t)doff);
        q->autoclear |= AUTOCLEAR_BITMAPS;
    } else if (ei >= 0) {
        free(q->ext[ei].data);
        q->ext[ei] = q->ext[q->n_ext - 1];
        q->n_ext--;
        q->autoclear &= ~AUTOCLEAR_BITMAPS;
    }
    if (write_header(bs) < 0)
        goto out;
    /* The old clusters. */
    if (old_dsize && free_range(bs, old_doff, old_dsize) < 0)
        goto out;
    for (int i = 0; i < n; i++)
        if (b[i].toff && bm_free_table(bs, b[i].toff, b[i].tsize) < 0)
            goto out;
    if (removed_toff > 0 && bm_free_table(bs, (uint64_t)removed_toff,
                                          removed_tsize) < 0)
        goto out;
    for (int i = 0; i < n; i++) {
        b[i].toff = newtoff[i];
        b[i].tsize = newtsize[i];
    }
    ret = 0;
out:
    free(t);
    free(dir);
    free(newtoff);
    free(newtsize);
    return ret;
}

static int qcow2_bitmap_edit(BlockDev *bs, const BlkBitmapEdit *ed)
{
    Qcow2 *q = bs->opaque;
    if (!q->bitmaps_editable)
        return blk_set_error(bs, "%s: open the image with BLK_O_BITMAPS to "
                             "change its bitmaps", bs->filename);
    if (q->version < 3)
        return blk_set_error(bs, "%s: version 2 images have no bitmaps",
                             bs->filename);
    BmEnt *b;
    int n;
    if (bm_load(bs, &b, &n) < 0)
        return -1;
    int idx = -1;
    for (int i = 0; i < n; i++)
        if (strcmp(b[i].name, ed->name) == 0)
            idx = i;
    int ret = -1;
    int64_t rm_toff = 0;
    uint32_t rm_tsize = 0;
    if (ed->op == BLK_BM_ADD) {
        size_t nl = strlen(ed->name);
        uint32_t g = ed->granularity ? ed->granularity
                                     : (q->cs > 65536 ? (uint32_t)q->cs
                                                      : 65536);
        if (idx >= 0) {
            blk_set_error(bs, "%s: a bitmap named '%s' already exists",
                          bs->filename, ed->name);
            goto out;
        }
        if (!nl || nl > 1023) {
            blk_set_error(bs, "%s: bitmap name must be 1 to 1023 bytes",
                          bs->filename);
            goto out;
        }
        if (g < 512 || g > (1u << 31) || (g & (g - 1))) {
            blk_set_error(bs, "%s: bitmap granularity %u is not a power of "
                          "two between 512 and 2G", bs->filename, g);
            goto out;
        }
        if (n >= 65535) {
            blk_set_error(bs, "%s: too many bitmaps", bs->filename);
            goto out;
        }
        BmEnt *nb = realloc(b, sizeof(*b) * ((size_t)n + 1));
        if (!nb) {
            blk_set_error(bs, "%s: out of memory", bs->filename);
            goto out;
        }
        b = nb;
        memset(&b[n], 0, sizeof(b[n]));
        b[n].name = strdup(ed->name);
        b[n].type = 1;
        b[n].gbits = (uint8_t)__builtin_ctz(g);
        b[n].flags = ed->disabled ? 0 : BLK_BITMAP_AUTO;
        b[n].nbits = (bs->size + g - 1) / g;
        b[n].bits = calloc((b[n].nbits + 7) / 8 + 1, 1);
        n++;
        if (!b[n - 1].name || !b[n - 1].bits) {
            blk_set_error(bs, "%s: out of memory", bs->filename);
            goto out;
        }
        idx = n - 1;
    } else if (idx < 0) {
        blk_set_error(bs, "%s: no bitmap named '%s'", bs->filename, ed->name);
        goto out;
    }
    BmEnt *e = &b[idx];
    switch (ed->op) {
    case BLK_BM_ADD:
    case BLK_BM_MERGE:
        if (ed->bits) { /* OR the source in, granule by granule */
            uint64_t sg = ed->src_granularity, dg = 1ull << e->gbits;
            for (uint64_t i = 0; i < ed->src_nbits; i++) {
                if (!(ed->bits[i / 8] >> (i % 8) & 1))
                    continue;
                uint64_t first = i * sg / dg, last = ((i + 1) * sg - 1) / dg;
                for (uint64_t k = first; k <= last && k < e->nbits; k++)
                    e->bits[k / 8] |= (uint8_t)(1u << (k % 8));
            }
        }
        break;
    case BLK_BM_REMOVE:
        rm_toff = (int64_t)e->toff;
        rm_tsize = e->tsize;
        free(e->name);
        free(e->bits);
        b[idx] = b[n - 1];
        n--;
        break;
    case BLK_BM_CLEAR:
        memset(e->bits, 0, (e->nbits + 7) / 8);
        break;
    case BLK_BM_ENABLE:
        e->flags |= BLK_BITMAP_AUTO;
        break;
    case BLK_BM_DISABLE:
        e->flags &= ~(uint32_t)BLK_BITMAP_AUTO;
        break;
    }
    ret = bm_store(bs, b, n, rm_toff, rm_tsize);
out:
    bm_free(b, n);
    return ret;
}

/* ---- persistent dirty bitmaps: tracking guest writes ----
 *
 * A read-write open (without BLK_O_BITMAPS) loads every bitmap into
 * memory, then sets the in-use flag of each in the directory on disk (and
 * flushes) before any guest write, as the qcow2 specification asks of a
 * program that changes the image while it holds a bitmap. Every guest
 * write, write-zeroes, compressed write and discard sets the bits of the
 * bitmaps that record (auto flag) and were consistent at open. At close
 * the bits are written back and the in-use flags cleared (bm_writeback).
 * A bitmap already in use at open (left by a crash) stays in use, bits
 * untouched, as QEMU leaves it: it can only be removed. */

static void bm_mark(BlockDev *bs, uint64_t off, uint64_t len)
{
    Qcow2 *q = bs->opaque;
    if (!q->bm || q->bm_quiet || !len)
        return;
    for (int i = 0; i < q->n_bm; i++) {
        BmEnt *b = &q->bm[i];
        if (!b->track)
            continue;
        uint64_t first = off >> b->gbits, last = (off + len - 1) >> b->gbits;
        for (uint64_t k = first; k <= last && k < b->nbits; k++) {
            uint8_t m = (uint8_t)(1u << (k % 8));
            if ((k % 8) == 0 && k + 8 <= last + 1 && k + 8 <= b->nbits) {
                if (b->bits[k / 8] != 0xff) {
                    b->bits[k / 8] = 0xff;
                    b->changed = true;
                }
                k += 7;
                continue;
            }
            if (!(b->bits[k / 8] & m)) {
                b->bits[k / 8] |= m;
                b->changed = true;
            }
        }
    }
}

static int bm_copy_bits(BlockDev *bs, const char *name, uint8_t **pbits,
                        uint64_t *pnbits, uint32_t *pgran)
{
    Qcow2 *q = bs->opaque;
    for (int i = 0; i < q->n_bm; i++) {
        BmEnt *b = &q->bm[i];
        if (strcmp(b->name, name) != 0)
            continue;
        uint64_t nbytes = (b->nbits + 7) / 8;
        uint8_t *bits = malloc(nbytes ? nbytes : 1);
        if (!bits)
            return blk_set_error(bs, "%s: out of memory", bs->filename);
        memcpy(bits, b->bits, nbytes);
        *pbits = bits;
        *pnbits = b->nbits;
        *pgran = 1u << b->gbits;
        return 0;
    }
    return blk_set_error(bs, "%s: no bitmap named '%s'", bs->filename, name);
}

static int claim_meta(BlockDev *bs, uint64_t off, uint64_t len,
                      const char *what, bool strict);

/* The directory, tables and data clusters of the bitmaps become metadata
 * that must lie inside the file and overlap nothing else: they are
 * written in place (bm_writeback), so a hostile image must not make them
 * name an L1, L2 or refcount cluster, or a huge offset. */
static int bm_claim(BlockDev *bs, const BmEnt *b, int n)
{
    Qcow2 *q = bs->opaque;
    for (int e = 0; e < q->n_ext; e++)
        if (q->ext[e].type == EXT_BITMAPS &&
            claim_meta(bs, be64(q->ext[e].data + 16),
                       be64(q->ext[e].data + 8), "bitmap directory",
                       true) < 0)
            return -1;
    for (int i = 0; i < n; i++) {
        if (!b[i].tsize)
            continue;
        if (claim_meta(bs, b[i].toff, (uint64_t)b[i].tsize * 8,
                       "bitmap table", true) < 0)
            return -1;
        uint8_t *t = malloc((size_t)b[i].tsize * 8);
        if (!t)
            return blk_set_error(bs, "%s: out of memory", bs->filename);
        if (blk_pread(bs, b[i].toff, t, (size_t)b[i].tsize * 8,
                      "bitmap table") < 0) {
            free(t);
            return -1;
        }
        for (uint32_t c = 0; c < b[i].tsize; c++) {
            uint64_t o = be64(t + (size_t)c * 8) & OFFSET_MASK & ~(q->cs - 1);
            if (o && claim_meta(bs, o, q->cs, "bitmap data", true) < 0) {
                free(t);
                return -1;
            }
        }
        free(t);
    }
    return 0;
}

/* Loads the bitmaps and marks them in use (read-write opens). */
static int bm_track_open(BlockDev *bs)
{
    Qcow2 *q = bs->opaque;
    BmEnt *b;
    int n;
    if (bm_load(bs, &b, &n) < 0)
        return -1;
    if (bm_claim(bs, b, n) < 0) {
        bm_free(b, n);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        b[i].stale = (b[i].flags & BLK_BITMAP_IN_USE) != 0;
        b[i].track = !b[i].stale && (b[i].flags & BLK_BITMAP_AUTO);
    }
    if (mark_bitmaps_in_use(bs) < 0 || blk_sync_file(bs) < 0) {
        bm_free(b, n);
        return -1;
    }
    q->bm = b;
    q->n_bm = n;
    return 0;
}

/*
 * Writes the bits back and clears the in-use flags. With the same table
 * sizes (no resize across a table cluster) the data clusters are
 * rewritten in place (they are garbage to any reader while the flag is
 * set) and a cluster for a chunk that was all zeroes is allocated, written
 * and then entered in the table; after a flush the directory gets its
 * flags in one write. After a resize that changes a table's size the
 * bitmaps are stored anew (bm_store). A kill -9 at any point leaves
 * bitmaps in use and leaks at worst.
 */
/* Grows or truncates the bitmaps in memory to the image size (resize:
 * new granules clean, as QEMU). */
static int bm_fit(BlockDev *bs)
{
    Qcow2 *q = bs->opaque;
    for (int i = 0; i < q->n_bm; i++) {
        BmEnt *b = &q->bm[i];
        uint64_t g = 1ull << b->gbits;
        uint64_t nbits = (bs->size + g - 1) / g;
        if (nbits == b->nbits)
            continue;
        uint64_t ob = (b->nbits + 7) / 8, nb = (nbits + 7) / 8;
        uint8_t *nbuf = realloc(b->bits, nb + 1);
        if (!nbuf)
            return blk_set_error(bs, "%s: out of memory", bs->filename);
        if (nb > ob)
            memset(nbuf + ob, 0, nb - ob);
        if (nbits % 8)
            nbuf[nbits / 8] &= (uint8_t)((1u << (nbits % 8)) - 1);
        b->bits = nbuf;
        b->nbits = nbits;
        b->changed = true;
    }
    return 0;
}

static int bm_writeback(BlockDev *bs)
{
    Qcow2 *q = bs->opaque;
    BmEnt *b = q->bm;
    int n = q->n_bm;
    bool restore = false, any = false;
    if (bm_fit(bs) < 0)
        return -1;
    for (int i = 0; i < n; i++) {
        if (div_round_up((b[i].nbits + 7) / 8, q->cs) != b[i].tsize)
            restore = true;
        if (!b[i].stale)
            b[i].flags &= ~(uint32_t)BLK_BITMAP_IN_USE;
        any = any || !b[i].stale;
    }
    if (!any)
        return 0;
    if (restore)
        return bm_store(bs, b, n, 0, 0);
    uint8_t *t = NULL;
    for (int i = 0; i < n; i++) {
        if (b[i].stale || !b[i].changed || !b[i].tsize)
            continue;
        uint64_t nbytes = (b[i].nbits + 7) / 8;
        free(t);
        t = malloc((size_t)b[i].tsize * 8);
        if (!t)
            return blk_set_error(bs, "%s: out of memory", bs->filename);
        if (blk_pread(bs, b[i].toff, t, (size_t)b[i].tsize * 8,
                      "bitmap table") < 0)
            goto fail;
        for (uint32_t c = 0; c < b[i].tsize; c++) {
            uint64_t len = nbytes - (uint64_t)c * q->cs;
            if (len > q->cs)
                len = q->cs;
            const uint8_t *chunk = b[i].bits + (uint64_t)c * q->cs;
            bool nz = false;
            for (uint64_t x = 0; x < len && !nz; x++)
                nz = chunk[x] != 0;
            uint64_t e = be64(t + (size_t)c * 8);
            uint64_t o = e & OFFSET_MASK & ~(q->cs - 1);
            if (!nz && !o && !(e & 1))
                continue; /* all zeroes, unallocated: stays */
            memset(q->cbuf, 0, q->cs);
            memcpy(q->cbuf, chunk, len);
            if (o) {
                if (blk_pwrite(bs, o, q->cbuf, q->cs, "bitmap data") < 0)
                    goto fail;
                continue;
            }
            int64_t at = alloc_clusters(bs, 1);
            uint8_t ent[8];
            put64(ent, (uint64_t)at);
            if (at < 0 ||
                blk_pwrite(bs, (uint64_t)at, q->cbuf, q->cs,
                           "bitmap data") < 0 ||
                blk_pwrite(bs, b[i].toff + (uint64_t)c * 8, ent, 8,
                           "bitmap table") < 0)
                goto fail;
        }
    }
    free(t);
    t = NULL;
    if (blk_sync_file(bs) < 0)
        return -1;
    for (int e = 0; e < q->n_ext; e++) {
        if (q->ext[e].type != EXT_BITMAPS)
            continue;
        uint64_t dsize, doff;
        uint8_t *dir = read_bitmap_dir(bs, &q->ext[e], &dsize, &doff);
        if (!dir) {
            return -1;
        }
        uint64_t pos = 0;
        for (int k = 0; k < n; k++) {
            put32(dir + pos + 12, b[k].flags);
            pos = (pos + 24 + be32(dir + pos + 20) + be16(dir + pos + 18) + 7)
                  & ~7ull;
        }
        int r = blk_pwrite(bs, doff, dir, dsize, "bitmap directory");
        free(dir);
        if (r < 0)
            return -1;
    }
    return blk_sync_file(bs);
fail:
    free(t);
    return -1;
}

/* ---- check ---- */

struct Refs {
    uint32_t *count;
    uint64_t n;
};

static void add_ref(BlockDev *bs, Refs *r, uint64_t off, uint64_t len,
                    BlkCheckResult *res, const char *what)
{
    Qcow2 *q = bs->opaque;
    if (!len)
        return;
    for (uint64_t c = off >> q->cluster_bits;
         c <= (off + len - 1) >> q->cluster_bits; c++) {
        if (c >= r->n) {
            fprintf(stderr, "ERROR %s at offset 0x%llx is past the end of "
                    "the image file\n", what, (unsigned long long)off);
            res->corruptions++;
            return;
        }
        if (r->count[c] < UINT32_MAX)
            r->count[c]++;
    }
}

static int check_l2(BlockDev *bs, Refs *r, uint64_t l2off, bool active,
                    BlkCheckResult *res, uint64_t *last_host, uint64_t gbase)
{
    Qcow2 *q = bs->opaque;
    uint8_t *t = malloc(q->cs);
    if (!t)
        return blk_set_error(bs, "%s: out of memory", bs->filename);
    if (blk_pread(bs, l2off, t, q->cs, "L2 table") < 0) {
        free(t);
        return -1;
    }
    for (uint64_t i = 0; i < q->l2_entries; i++) {
        uint64_t raw = be64(t + i * 8);
        uint64_t guest = gbase + (i << q->cluster_bits);
        Entry e;
        if (!raw)
            continue;
        if (decode_entry(bs, guest, raw, &e) < 0) {
            fprintf(stderr, "ERROR %s\n", bs->err);
            res->corruptions++;
            continue;
        }
        if (e.type == CL_COMPRESSED) {
            uint64_t start = e.host & ~511ull;
            add_ref(bs, r, start, e.host + e.clen - start, res,
                    "compressed cluster");
            if (active && guest < bs->size) {
                res->allocated_clusters++;
                res->compressed_clusters++;
                res->fragmented_clusters++; /* as qemu-img counts them */
            }
        } else if (e.type == CL_NORMAL || e.type == CL_ZERO_ALLOC) {
            add_ref(bs, r, e.host, q->cs, res, "data cluster");
            if (active && e.type == CL_NORMAL && guest < bs->size) {
                res->allocated_clusters++;
                if (*last_host && e.host != *last_host + q->cs)
                    res->fragmented_clusters++;
                *last_host = e.host;
            }
        }
    }
    free(t);
    return 0;
}

static int check_l1(BlockDev *bs, Refs *r, uint64_t l1off, uint32_t l1size,
                    bool active, BlkCheckResult *res)
{
    Qcow2 *q = bs->opaque;
    uint64_t last = 0;
    if (!l1size)
        return 0;
    uint8_t *l1 = malloc((size_t)l1size * 8);
    if (!l1)
        return blk_set_error(bs, "%s: out of memory", bs->filename);
    if (blk_pread(bs, l1off, l1, (size_t)l1size * 8, "L1 table") < 0) {
        free(l1);
        return -1;
    }
    add_ref(bs, r, l1off, (uint64_t)l1size * 8, res, "L1 table");
    for (uint32_t i = 0; i < l1size; i++) {
        uint64_t e = be64(l1 + (size_t)i * 8);
        if (!(e & OFFSET_MASK))
            continue;
        if (validate_l2_offset(bs, i, e) < 0) {
            fprintf(stderr, "ERROR %s\n", bs->err);
            res->corruptions++;
            continue;
        }
        add_ref(bs, r, e & OFFSET_MASK, q->cs, res, "L2 table");
        last = 0; /* contiguity is counted within an L2 table, as QEMU */
        if (check_l2(bs, r, e & OFFSET_MASK, active, res, &last,
                     (uint64_t)i << (q->cluster_bits + q->l2_bits)) < 0) {
            free(l1);
            return -1;
        }
    }
    free(l1);
    return 0;
}

static int qcow2_check(BlockDev *bs, int fix, BlkCheckResult *res)
{
    Qcow2 *q = bs->opaque;
    struct stat st;
    if (fstat(bs->fd, &st) < 0)
        return blk_set_error(bs, "%s: %s", bs->filename, strerror(errno));
    Refs r;
    r.n = div_round_up((uint64_t)st.st_size, q->cs);
    r.count = calloc(r.n + 1, sizeof(uint32_t));
    if (!r.count)
        return blk_set_error(bs, "%s: out of memory", bs->filename);
    res->total_clusters = div_round_up(bs->size, q->cs);
    add_ref(bs, &r, 0, q->cs, res, "header");
    add_ref(bs, &r, q->rt_offset, (uint64_t)q->rt_clusters * q->cs, res,
            "refcount table");
    for (uint64_t b = 0; b < q->rt_entries; b++) {
        if (!q->rt[b])
            continue;
        if (validate_rb_offset(bs, b, q->rt[b]) < 0) {
            fprintf(stderr, "ERROR %s\n", bs->err);
            res->corruptions++;
            continue;
        }
        add_ref(bs, &r, q->rt[b], q->cs, res, "refcount block");
    }
    if (check_l1(bs, &r, q->l1_offset, q->l1_size, true, res) < 0)
        goto fail;
    /* Internal snapshots: their table and L1 tables (and L2s). */
    uint64_t off = q->snapshots_offset;
    for (uint32_t i = 0; i < q->nb_snapshots; i++) {
        uint8_t h[40];
        if (blk_pread(bs, off, h, 40, "snapshot table") < 0)
            goto fail;
        uint64_t l1off = be64(h);
        uint32_t l1size = be32(h + 8);
        uint32_t extra = be32(h + 36);
        if (l1off % q->cs || (uint64_t)l1size * 8 > MAX_L1_BYTES ||
            extra > 1024) {
            fprintf(stderr, "ERROR snapshot %u has an invalid L1 table\n", i);
            res->corruptions++;
        } else if (check_l1(bs, &r, l1off, l1size, false, res) < 0) {
            goto fail;
        }
        off += 40 + extra + be16(h + 12) + be16(h + 14);
        off = (off + 7) & ~7ull;
    }
    if (q->nb_snapshots)
        add_ref(bs, &r, q->snapshots_offset, off - q->snapshots_offset, res,
                "snapshot table");
    if (q->crypt_len)
        add_ref(bs, &r, q->crypt_off, q->crypt_len, res, "LUKS header");
    if (walk_bitmaps(bs, NULL, NULL, &r, res) < 0) {
        fprintf(stderr, "ERROR %s\n", bs->err);
        res->corruptions++;
    }
    /* Compare with the stored refcounts. */
    uint64_t last_used = 0;
    /* Clusters past the end of the file with a refcount are not looked
     * for: a crafted refcount table could make that walk endless. */
    uint64_t covered = q->rt_entries * q->rb_entries;
    uint64_t limit = r.n;
    for (uint64_t c = 0; c < limit; c++) {
        uint64_t stored = 0, want = c < r.n ? r.count[c] : 0;
        if (c < covered && get_refcount(bs, c, &stored) < 0)
            goto fail;
        if (stored || want)
            last_used = c + 1;
        if (stored == want)
            continue;
        if (stored < want) {
            fprintf(stderr, "ERROR cluster %llu refcount=%llu reference=%llu\n",
                    (unsigned long long)c, (unsigned long long)stored,
                    (unsigned long long)want);
            if (fix >= 2 && set_refcount(bs, c, want) == 0) {
                res->corruptions_fixed++;
                continue;
            }
            res->corruptions++;
        } else {
            fprintf(stderr, "Leaked cluster %llu refcount=%llu reference=%llu\n",
                    (unsigned long long)c, (unsigned long long)stored,
                    (unsigned long long)want);
            if (fix >= 1 && set_refcount(bs, c, want) == 0) {
                res->leaks_fixed++;
                continue;
            }
            res->leaks++;
        }
    }
    res->image_end_offset = last_used << q->cluster_bits;
    if (fix && (q->incompat & INCOMPAT_DIRTY) && !res->corruptions &&
        (bs->flags & BLK_O_RDWR)) {
        q->incompat &= ~INCOMPAT_DIRTY;
        uint8_t b[8];
        put64(b, q->incompat);
        if (blk_pwrite(bs, 72, b, 8, "header") < 0)
            goto fail;
    }
    free(r.count);
    return 0;
fail:
    free(r.count);
    return -1;
}

/* ---- open / close / create ---- */

static void qcow2_close(BlockDev *bs)
{
    Qcow2 *q = bs->opaque;
    /* Compressed batches still in flight: blk_flush reports their errors;
     * here say it on stderr, as for the bitmaps. */
    if (q->cb && q->cb_count && qcow2_drain(bs) < 0)
        fprintf(stderr, "%s: cannot store compressed clusters: %s\n",
                bs->filename, bs->err);
    if (q->bm) {
        /* blk_close has no error return: say it on stderr (the bitmaps
         * stay in use, which qemu-img check and QEMU accept). */
        if (bm_writeback(bs) < 0)
            fprintf(stderr, "%s: cannot store the dirty bitmaps: %s\n",
                    bs->filename, bs->err);
        bm_free(q->bm, q->n_bm);
        q->bm = NULL;
    }
    for (int i = 0; i < L2_CACHE_SLOTS; i++)
        free(q->l2c[i].data);
    for (int i = 0; i < RB_CACHE_SLOTS; i++)
        free(q->rbc[i].data);
    free_ext(q->ext, q->n_ext);
    free(q->l1);
    free(q->rt);
    free(q->meta);
    free(q->cbuf);
    free(q->zbuf);
    free(q->dbuf);
    free(q->ebuf);
    codecs_free(q);
    batches_free(q);
    if (q->crypto)
        memset(q->crypto, 0, sizeof(*q->crypto));
    free(q->crypto);
    free(q);
    bs->opaque = NULL;
}

static int qcow2_probe(const uint8_t *buf, size_t len)
{
    return len >= 4 && be32(buf) == QCOW_MAGIC ? 100 : 0;
}

static int claim_meta(BlockDev *bs, uint64_t off, uint64_t len,
                      const char *what, bool strict)
{
    Qcow2 *q = bs->opaque;
    if (!len)
        return 0;
    for (uint64_t c = off >> q->cluster_bits;
         c <= (off + len - 1) >> q->cluster_bits; c++) {
        bool fresh = set_meta(q, c, true);
        if (!strict)
            continue;
        if (c >= q->end_cluster)
            return blk_set_error(bs, "%s: qcow2 image is corrupt: %s at "
                                 "offset 0x%llx is past the end of the file; "
                                 "open it read-only", bs->filename, what,
                                 (unsigned long long)off);
        if (!fresh)
            return blk_set_error(bs, "%s: qcow2 image is corrupt: %s at "
                                 "offset 0x%llx overlaps other metadata; "
                                 "open it read-only", bs->filename, what,
                                 (unsigned long long)off);
    }
    return 0;
}

static int crypt_io(void *opaque, bool write, uint64_t off, void *buf,
                    size_t len)
{
    BlockDev *bs = opaque;
    Qcow2 *q = bs->opaque;
    if (off > q->crypt_len || len > q->crypt_len - off)
        return blk_set_error(bs, "%s: LUKS header access at %llu length %zu "
                             "outside its region", bs->filename,
                             (unsigned long long)off, len);
    return write ? blk_pwrite(bs, q->crypt_off + off, buf, len, "LUKS header")
                 : blk_pread(bs, q->crypt_off + off, buf, len, "LUKS header");
}

/* crypt_method 2: the LUKS header named by the crypto header extension,
 * unlocked with encrypt.key-secret unless opened with BLK_O_NO_KEY. */
static int open_crypto(BlockDev *bs, int flags, bool rw)
{
    Qcow2 *q = bs->opaque;
    const Ext *x = NULL;
    for (int i = 0; i < q->n_ext; i++)
        if (q->ext[i].type == EXT_CRYPTO)
            x = &q->ext[i];
    if (!x || x->len < 16)
        return blk_set_error(bs, "%s: qcow2 image is LUKS encrypted but has "
                             "no valid crypto header extension", bs->filename);
    q->crypt = CRYPT_LUKS;
    q->crypt_off = be64(x->data);
    q->crypt_len = be64(x->data + 8);
    if (!q->crypt_off || q->crypt_off % q->cs || q->crypt_off > OFFSET_MASK ||
        q->crypt_len < LUKS_HDR_SIZE || q->crypt_len > MAX_CRYPTO_HDR)
        return blk_set_error(bs, "%s: qcow2 crypto header extension has "
                             "invalid offset %llu length %llu", bs->filename,
                             (unsigned long long)q->crypt_off,
                             (unsigned long long)q->crypt_len);
    if (claim_meta(bs, q->crypt_off, q->crypt_len, "LUKS header", rw) < 0)
        return -1;
    q->crypto = calloc(1, sizeof(*q->crypto));
    q->ebuf = malloc(q->cs);
    if (!q->crypto || !q->ebuf)
        return blk_set_error(bs, "%s: out of memory", bs->filename);
    q->crypto->io = crypt_io;
    q->crypto->io_opaque = bs;
    uint8_t hdr[LUKS_HDR_SIZE];
    char err[512];
    if (blk_pread(bs, q->crypt_off, hdr, sizeof(hdr), "LUKS header") < 0)
        return -1;
    if (luks_parse(q->crypto, hdr, sizeof(hdr), q->crypt_len, 0, err,
                   sizeof(err)) < 0)
        return blk_set_error(bs, "%s: %s", bs->filename, err);
    if (flags & BLK_O_NO_KEY)
        return 0;
    const uint8_t *pw;
    size_t pwlen;
    if (blk_key_password(bs, "encrypt.key-secret", &pw, &pwlen) < 0)
        return -1;
    if (luks_unlock(q->crypto, pw, pwlen, -1, NULL, err, sizeof(err)) < 0)
        return blk_set_error(bs, "%s: %s", bs->filename, err);
    return 0;
}

/* Makes a new image LUKS encrypted: the header region in new clusters,
 * formatted, then the extension and crypt_method in one header write. */
static int create_crypto(BlockDev *bs, const BlkCreateOpts *o)
{
    Qcow2 *q = bs->opaque;
    if (strcmp(o->encrypt_format, "luks"))
        return blk_set_error(bs, "%s: encrypt.format '%s' is not supported "
                             "(luks)", bs->filename, o->encrypt_format);
    if (!o->key_secret)
        return blk_set_error(bs, "%s: Parameter 'encrypt.key-secret' is "
                             "required for cipher", bs->filename);
    size_t pwlen;
    const uint8_t *pw = blk_secret_get(o->key_secret, &pwlen);
    if (!pw)
        return blk_set_error(bs, "%s: No secret with id '%s'", bs->filename,
                             o->key_secret);
    LuksParams p = { o->cipher_alg, o->cipher_mode, o->ivgen_alg, o->hash_alg,
                     o->iter_time };
    uint64_t len;
    char err[512];
    if (luks_layout_size(&p, &len, err, sizeof(err)) < 0)
        return blk_set_error(bs, "%s: %s", bs->filename, err);
    int64_t at = alloc_clusters(bs, div_round_up(len, q->cs));
    if (at < 0)
        return -1;
    q->crypt_off = (uint64_t)at;
    q->crypt_len = len;
    set_meta_range(q, q->crypt_off, len, true);
    q->crypto = calloc(1, sizeof(*q->crypto));
    q->ebuf = malloc(q->cs);
    Ext *ne = realloc(q->ext, (size_t)(q->n_ext + 1) * sizeof(*ne));
    uint8_t *data = malloc(16);
    if (!q->crypto || !q->ebuf || !ne || !data) {
        free(data);
        if (ne)
            q->ext = ne;
        return blk_set_error(bs, "%s: out of memory", bs->filename);
    }
    q->ext = ne;
    q->crypto->io = crypt_io;
    q->crypto->io_opaque = bs;
    q->crypto->region = len;
    if (luks_format(q->crypto, &p, pw, pwlen, err, sizeof(err)) < 0) {
        free(data);
        return *bs->err ? -1 : blk_set_error(bs, "%s: %s", bs->filename, err);
    }
    put64(data, q->crypt_off);
    put64(data + 8, q->crypt_len);
    q->ext[q->n_ext].type = EXT_CRYPTO;
    q->ext[q->n_ext].len = 16;
    q->ext[q->n_ext].data = data;
    q->n_ext++;
    q->crypt = CRYPT_LUKS;
    if (blk_sync_file(bs) < 0)
        return -1;
    return write_header(bs);
}

static int qcow2_open(BlockDev *bs, int flags)
{
    uint8_t first[512];
    Header h;
    if (blk_pread(bs, 0, first, sizeof(first), "header") < 0)
        return -1;
    if (be32(first) != QCOW_MAGIC)
        return blk_set_error(bs, "%s: not a qcow2 image (bad magic)",
                             bs->filename);
    /* The header cluster (at least 512 bytes; at most 2 MiB). */
    uint32_t cb = be32(first + 20);
    if (cb < MIN_CLUSTER_BITS || cb > MAX_CLUSTER_BITS)
        return parse_header(first, sizeof(first), &h, bs->filename, bs->err,
                            sizeof(bs->err));
    Qcow2 *q = calloc(1, sizeof(*q));
    if (!q)
        return blk_set_error(bs, "%s: out of memory", bs->filename);
    bs->opaque = q;
    q->cs = 1ull << cb;
    q->cluster_bits = cb;
    q->cbuf = malloc(q->cs);
    q->zbuf = malloc(2 * q->cs);
    q->dbuf = malloc(q->cs);
    if (!q->cbuf || !q->zbuf || !q->dbuf)
        return blk_set_error(bs, "%s: out of memory", bs->filename);
    if (blk_pread(bs, 0, q->cbuf, q->cs, "header") < 0)
        return -1;
    if (parse_header(q->cbuf, q->cs, &h, bs->filename, bs->err,
                     sizeof(bs->err)) < 0 ||
        parse_extensions(q->cbuf, q->cs, &h, &q->ext, &q->n_ext, bs->filename,
                         bs->err, sizeof(bs->err)) < 0 ||
        check_features(&h, q->ext, q->n_ext, bs->filename, bs->err,
                       sizeof(bs->err)) < 0)
        return -1;
    bool rw = flags & BLK_O_RDWR;
    if (rw && h.version < 3)
        return blk_set_error(bs, "%s: qcow2 version 2 images can only be "
                             "opened read-only (convert with -O qcow2)",
                             bs->filename);
    if (rw && (h.incompat & INCOMPAT_CORRUPT) && !(flags & BLK_O_CHECK))
        return blk_set_error(bs, "%s: qcow2 image is marked corrupt "
                             "(incompatible feature bit 1); run "
                             "'tessera-img check -r all' or open it read-only",
                             bs->filename);
    if (rw && (h.incompat & INCOMPAT_DIRTY) && !(flags & BLK_O_CHECK))
        return blk_set_error(bs, "%s: qcow2 image is dirty (lazy refcounts "
                             "not written back; incompatible feature bit 0); "
                             "run 'tessera-img check -r all' first",
                             bs->filename);
    q->version = h.version;
    q->l2_bits = cb - 3;
    q->l2_entries = q->cs / 8;
    q->l1_size = h.l1_size;
    q->l1_offset = h.l1_offset;
    q->rt_offset = h.rt_offset;
    q->rt_clusters = h.rt_clusters;
    q->refcount_order = h.refcount_order;
    q->rb_entries = q->cs * 8 >> h.refcount_order;
    q->incompat = h.incompat;
    q->compat = h.compat;
    q->autoclear = h.autoclear;
    q->header_length = h.header_length;
    q->compression = h.compression;
    q->nb_snapshots = h.nb_snapshots;
    q->snapshots_offset = h.snapshots_offset;
    bs->size = h.size;
    if (h.backing_offset) {
        bs->backing_name = calloc(1, h.backing_size + 1);
        if (!bs->backing_name)
            return blk_set_error(bs, "%s: out of memory", bs->filename);
        memcpy(bs->backing_name, q->cbuf + h.backing_offset, h.backing_size);
        if (strlen(bs->backing_name) != h.backing_size)
            return blk_set_error(bs, "%s: qcow2 backing file name contains a "
                                 "NUL byte", bs->filename);
    }
    for (int i = 0; i < q->n_ext; i++) {
        if (q->ext[i].type == EXT_BACKING_FMT) {
            free(bs->backing_fmt);
            bs->backing_fmt = strndup((char *)q->ext[i].data, q->ext[i].len);
            if (!bs->backing_fmt)
                return blk_set_error(bs, "%s: out of memory", bs->filename);
            if (strcmp(bs->backing_fmt, "raw") &&
                strcmp(bs->backing_fmt, "qcow2") &&
                strcmp(bs->backing_fmt, "luks"))
                return blk_set_error(bs, "%s: qcow2 backing_fmt '%s' is not "
                                     "supported (raw, qcow2, luks)",
                                     bs->filename, bs->backing_fmt);
        }
    }
    /* Tables. */
    q->l1 = calloc(q->l1_size ? q->l1_size : 1, 8);
    q->rt_entries = (uint64_t)q->rt_clusters * q->cs / 8;
    q->rt = calloc(q->rt_entries, 8);
    if (!q->l1 || !q->rt)
        return blk_set_error(bs, "%s: out of memory", bs->filename);
    if (blk_pread(bs, q->l1_offset, q->l1, (size_t)q->l1_size * 8,
                  "L1 table") < 0 ||
        blk_pread(bs, q->rt_offset, q->rt, q->rt_entries * 8,
                  "refcount table") < 0)
        return -1;
    for (uint32_t i = 0; i < q->l1_size; i++)
        q->l1[i] = be64((uint8_t *)&q->l1[i]);
    for (uint64_t i = 0; i < q->rt_entries; i++)
        q->rt[i] = be64((uint8_t *)&q->rt[i]);
    struct stat st;
    if (fstat(bs->fd, &st) < 0)
        return blk_set_error(bs, "%s: %s", bs->filename, strerror(errno));
    q->end_cluster = div_round_up((uint64_t)st.st_size, q->cs);
    if (q->end_cluster == 0)
        q->end_cluster = 1;
    /* Metadata clusters that data must never land on. For writing, each
     * must lie inside the file (we never reference a cluster before
     * writing it, so anything else is damage, and writing there could
     * make a huge sparse file) and must not overlap another. */
    set_meta(q, 0, true);
    if (claim_meta(bs, q->l1_offset, (uint64_t)q->l1_size * 8, "L1 table",
                   rw) < 0 ||
        claim_meta(bs, q->rt_offset, (uint64_t)q->rt_clusters * q->cs,
                   "refcount table", rw) < 0)
        return -1;
    for (uint64_t b = 0; b < q->rt_entries; b++) {
        if (!q->rt[b])
            continue;
        if (validate_rb_offset(bs, b, q->rt[b]) < 0 ||
            claim_meta(bs, q->rt[b], q->cs, "refcount block", rw) < 0)
            return -1;
    }
    for (uint32_t i = 0; i < q->l1_size; i++) {
        if (!(q->l1[i] & OFFSET_MASK))
            continue;
        if (rw && validate_l2_offset(bs, i, q->l1[i]) < 0)
            return -1;
        if (claim_meta(bs, q->l1[i] & OFFSET_MASK, q->cs, "L2 table", rw) < 0)
            return -1;
    }
    if (q->nb_snapshots)
        set_meta(q, q->snapshots_offset >> q->cluster_bits, true);
    if (h.crypt == CRYPT_LUKS && open_crypto(bs, flags, rw) < 0)
        return -1;
    /* Bitmaps are tracked while the image is open for writing: loaded
     * and marked in use (bm_track_open), written back at close; if that
     * fails, the autoclear bit is cleared as the specification asks of
     * software that does not maintain bitmaps. Other autoclear features
     * are cleared. */
    uint64_t keep = 0;
    q->bitmaps_editable = rw && (flags & BLK_O_BITMAPS);
    if (q->bitmaps_editable && (q->autoclear & AUTOCLEAR_BITMAPS))
        keep = AUTOCLEAR_BITMAPS; /* no guest writes: they stay right */
    else if (rw && (q->autoclear & AUTOCLEAR_BITMAPS) &&
             bm_track_open(bs) == 0)
        keep = AUTOCLEAR_BITMAPS;
    if (rw && q->autoclear != keep) {
        uint8_t b[8];
        q->autoclear = keep;
        put64(b, keep);
        if (blk_pwrite(bs, 88, b, 8, "header") < 0)
            return -1;
    }
    return 0;
}

static int qcow2_create(const char *filename, const BlkCreateOpts *o,
                        char *err, size_t errlen)
{
    uint64_t cs = o->cluster_size ? o->cluster_size : 65536;
    int cb = 0;
    while ((1ull << cb) < cs)
        cb++;
    if ((1ull << cb) != cs || cb < MIN_CLUSTER_BITS || cb > MAX_CLUSTER_BITS) {
        snprintf(err, errlen, "%s: cluster size %llu is not a power of two "
                 "between 512 and 2M", filename, (unsigned long long)cs);
        return -1;
    }
    int comp = 0;
    if (o->compression_type && !strcmp(o->compression_type, "zstd"))
        comp = 1;
    else if (o->compression_type && strcmp(o->compression_type, "zlib")) {
        snprintf(err, errlen, "%s: unknown compression type '%s' (zlib, zstd)",
                 filename, o->compression_type);
        return -1;
    }
    int rbits = o->refcount_bits ? o->refcount_bits : 16;
    int order = 0;
    while ((1 << order) < rbits)
        order++;
    if ((1 << order) != rbits || order > 6) {
        snprintf(err, errlen, "%s: refcount bits %d is not a power of two up "
                 "to 64", filename, rbits);
        return -1;
    }
    if (o->backing_file && strlen(o->backing_file) > MAX_BACKING_NAME) {
        snprintf(err, errlen, "%s: backing file name is longer than %d bytes",
                 filename, MAX_BACKING_NAME);
        return -1;
    }
    if (o->size > (1ull << 62)) {
        snprintf(err, errlen, "%s: size %llu is too large", filename,
                 (unsigned long long)o->size);
        return -1;
    }
    if (div_round_up(o->size, cs * (cs / 8)) * 8 > MAX_L1_BYTES) {
        snprintf(err, errlen, "%s: size %llu needs an L1 table larger than %u "
                 "bytes with %llu-byte clusters", filename,
                 (unsigned long long)o->size, MAX_L1_BYTES,
                 (unsigned long long)cs);
        return -1;
    }
    int fd = blk_create_file(filename, o, err, errlen);
    if (fd < 0)
        return -1;
    /* Cluster 0 header, 1 refcount table, 2 refcount block; the L1
     * table is allocated through the normal path below. */
    uint8_t *buf = calloc(3, cs);
    if (!buf) {
        close(fd);
        snprintf(err, errlen, "%s: out of memory", filename);
        return -1;
    }
    put32(buf, QCOW_MAGIC);
    put32(buf + 4, 3);
    put32(buf + 20, (uint32_t)cb);
    put64(buf + 24, 0);
    put64(buf + 48, cs);
    put32(buf + 56, 1);
    put64(buf + 72, comp ? INCOMPAT_COMPRESS : 0);
    put32(buf + 96, (uint32_t)order);
    put32(buf + 100, 112);
    buf[104] = (uint8_t)comp;
    put64(buf + cs, 2 * cs);
    Qcow2 tmp = { .refcount_order = (uint32_t)order };
    uint64_t boff, blen;
    for (int c = 0; c < 3; c++)
        rb_set(&tmp, buf + 2 * cs, (uint64_t)c, 1, &boff, &blen);
    ssize_t w = pwrite(fd, buf, 3 * cs, 0);
    free(buf);
    if (w != (ssize_t)(3 * cs)) {
        snprintf(err, errlen, "%s: cannot write the header: %s", filename,
                 w < 0 ? strerror(errno) : "short write");
        close(fd);
        return -1;
    }
    close(fd);
    BlockDev *bs = blk_open(filename, "qcow2", BLK_O_RDWR | BLK_O_NO_BACKING,
                            err, errlen);
    if (!bs)
        return -1;
    int r = 0;
    if (o->encrypt_format)
        r = create_crypto(bs, o);
    else if (o->key_secret)
        r = blk_set_error(bs, "%s: encrypt.key-secret needs "
                          "encrypt.format=luks", filename);
    if (r == 0 && o->backing_file)
        r = qcow2_set_backing(bs, o->backing_file, o->backing_fmt);
    if (r == 0)
        r = qcow2_resize(bs, o->size);
    if (r == 0)
        r = blk_sync_file(bs);
    if (r < 0)
        snprintf(err, errlen, "%s", bs->err);
    blk_close(bs);
    return r;
}

static void qcow2_info(const BlockDev *bs, BlkInfo *info)
{
    const Qcow2 *q = bs->opaque;
    info->cluster_size = (uint32_t)q->cs;
    info->refcount_bits = 1 << q->refcount_order;
    info->compression_type = q->compression ? "zstd" : "zlib";
    info->dirty = q->incompat & INCOMPAT_DIRTY;
    info->corrupt = q->incompat & INCOMPAT_CORRUPT;
    info->lazy_refcounts = q->compat & COMPAT_LAZY_REFCOUNTS;
    info->nb_snapshots = (int)q->nb_snapshots;
    info->version = (int)q->version;
    if (q->crypto) {
        info->encrypted = true;
        info->has_luks = true;
        luks_get_info(q->crypto, &info->luks);
    }
}

static Luks *qcow2_crypto(BlockDev *bs)
{
    Qcow2 *q = bs->opaque;
    return q->crypto;
}

const BlockDriver blk_qcow2_driver = {
    .name = "qcow2",
    .probe = qcow2_probe,
    .create = qcow2_create,
    .open = qcow2_open,
    .close = qcow2_close,
    .read = qcow2_read,
    .write = qcow2_write,
    .write_zeroes = qcow2_write_zeroes,
    .write_compressed = qcow2_write_compressed,
    .drain = qcow2_drain,
    .discard = qcow2_discard,
    .flush = blk_sync_file,
    .resize = qcow2_resize,
    .status = qcow2_status,
    .check = qcow2_check,
    .info = qcow2_info,
    .set_backing = qcow2_set_backing,
    .snapshots = qcow2_snapshots,
    .bitmaps = qcow2_bitmaps,
    .bitmap_load = qcow2_bitmap_load,
    .bitmap_edit = qcow2_bitmap_edit,
    .snapshot_create = qcow2_snapshot_create,
    .snapshot_apply = qcow2_snapshot_apply,
    .snapshot_delete = qcow2_snapshot_delete,
    .snapshot_load = qcow2_snapshot_load,
    .crypto = qcow2_crypto,
};
