/* SPDX-License-Identifier: MIT */
/*
 * LUKS1 (the on-disk format specification, version 1.2.x) for the block
 * library: header parsing and writing, keyslots, the anti-forensic
 * splitter, and AES-XTS sector encryption with plain/plain64 IVs. All
 * cryptography is nettle's: AES-XTS, SHA-1/256/512 and PBKDF2-HMAC.
 * Also the secrets registry (--object secret,...).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <nettle/base64.h>
#include <nettle/memops.h>
#include <nettle/nettle-meta.h>
#include <nettle/pbkdf2.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>

#include "block/crypto.h"

#define SLOT_ACTIVE   0x00AC71F3u
#define SLOT_INACTIVE 0x0000DEADu
#define DIGEST_SIZE   20
#define SALT_SIZE     32
#define MIN_ITERS     1000
/* qemu-img's layout: key material from 4 KiB on, each slot's material
 * aligned to 4 KiB. */
#define ALIGN_SECTORS 8

static uint32_t default_max_iters = LUKS_MAX_ITERS;

void blk_luks_set_max_iters(uint32_t n)
{
    default_max_iters = n && n < LUKS_MAX_ITERS ? n : LUKS_MAX_ITERS;
}

static const uint8_t luks_magic[6] = { 'L', 'U', 'K', 'S', 0xba, 0xbe };

static const struct {
    const char *name;
    const struct nettle_hash *h;
} hashes[] = {
    { "sha1", &nettle_sha1 },
    { "sha256", &nettle_sha256 },
    { "sha512", &nettle_sha512 },
};
#define N_HASHES ((int)(sizeof(hashes) / sizeof(hashes[0])))

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

static void wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static int find_hash(const char *name)
{
    for (int i = 0; i < N_HASHES; i++)
        if (!strcmp(hashes[i].name, name))
            return i;
    return -1;
}

static int random_bytes(uint8_t *p, size_t n, char *err, size_t errlen)
{
    while (n) {
        ssize_t r = getrandom(p, n, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            snprintf(err, errlen, "cannot get random bytes: %s",
                     strerror(errno));
            return -1;
        }
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

static void do_pbkdf2(int hash, const uint8_t *pw, size_t pwlen,
                   const uint8_t *salt, size_t saltlen, uint32_t iters,
                   uint8_t *out, size_t outlen)
{
    switch (hash) {
    case 0:
        pbkdf2_hmac_sha1(pwlen, pw, iters, saltlen, salt, outlen, out);
        break;
    case 1:
        pbkdf2_hmac_sha256(pwlen, pw, iters, saltlen, salt, outlen, out);
        break;
    default:
        pbkdf2_hmac_sha512(pwlen, pw, iters, saltlen, salt, outlen, out);
        break;
    }
}

/* ---- cipher ---- */

/* Loads a key (32 bytes: aes-128-xts, 64: aes-256-xts) for encryption
 * and decryption. */
static void set_key(Luks *l, const uint8_t *key, uint32_t key_bytes,
                    void *enc, void *dec)
{
    (void)l;
    if (key_bytes == 32) {
        xts_aes128_set_encrypt_key(enc, key);
        xts_aes128_set_decrypt_key(dec, key);
    } else {
        xts_aes256_set_encrypt_key(enc, key);
        xts_aes256_set_decrypt_key(dec, key);
    }
}

static void crypt_sectors(bool plain32, uint32_t key_bytes, void *ctx,
                          bool encrypt, uint64_t sector, uint8_t *buf,
                          size_t len)
{
    for (size_t off = 0; off < len; off += LUKS_SECTOR, sector++) {
        uint8_t iv[16] = { 0 };
        uint64_t s = plain32 ? (uint32_t)sector : sector;
        for (int i = 0; i < 8; i++)
            iv[i] = (uint8_t)(s >> (8 * i));
        uint8_t *p = buf + off;
        if (key_bytes == 32) {
            if (encrypt)
                xts_aes128_encrypt_message(ctx, iv, LUKS_SECTOR, p, p);
            else
                xts_aes128_decrypt_message(ctx, iv, LUKS_SECTOR, p, p);
        } else {
            if (encrypt)
                xts_aes256_encrypt_message(ctx, iv, LUKS_SECTOR, p, p);
            else
                xts_aes256_decrypt_message(ctx, iv, LUKS_SECTOR, p, p);
        }
    }
}

void luks_encrypt(Luks *l, uint64_t sector, uint8_t *buf, size_t len)
{
    crypt_sectors(l->plain32, l->key_bytes, &l->enc, true, sector, buf, len);
}

void luks_decrypt(Luks *l, uint64_t sector, uint8_t *buf, size_t len)
{
    crypt_sectors(l->plain32, l->key_bytes, &l->dec, false, sector, buf, len);
}

/* ---- anti-forensic splitter ---- */

/* Diffuses buf in place: each digest-sized block i becomes
 * H(be32(i) || block), truncated to the block's length. */
static void af_diffuse(int hash, uint8_t *buf, size_t len)
{
    const struct nettle_hash *h = hashes[hash].h;
    union {
        struct sha1_ctx a;
        struct sha256_ctx b;
        struct sha512_ctx c;
    } ctx;
    uint8_t dig[SHA512_DIGEST_SIZE];
    size_t ds = h->digest_size;
    for (size_t i = 0, off = 0; off < len; i++, off += ds) {
        size_t n = len - off < ds ? len - off : ds;
        uint8_t be[4];
        wr32(be, (uint32_t)i);
        h->init(&ctx);
        h->update(&ctx, 4, be);
        h->update(&ctx, n, buf + off);
        h->digest(&ctx, ds, dig);
        memcpy(buf + off, dig, n);
    }
}

static void af_merge(int hash, const uint8_t *src, uint32_t key_bytes,
                     uint32_t stripes, uint8_t *out)
{
    memset(out, 0, key_bytes);
    for (uint32_t i = 0; i < stripes; i++) {
        memxor(out, src + (size_t)i * key_bytes, key_bytes);
        if (i + 1 < stripes)
            af_diffuse(hash, out, key_bytes);
    }
}

static int af_split(int hash, const uint8_t *key, uint32_t key_bytes,
                    uint32_t stripes, uint8_t *dst, char *err, size_t errlen)
{
    uint8_t acc[64] = { 0 };
    size_t last = (size_t)(stripes - 1) * key_bytes;
    if (random_bytes(dst, last, err, errlen) < 0)
        return -1;
    for (uint32_t i = 0; i + 1 < stripes; i++) {
        memxor(acc, dst + (size_t)i * key_bytes, key_bytes);
        af_diffuse(hash, acc, key_bytes);
    }
    memxor3(dst + last, acc, key, key_bytes);
    return 0;
}

/* ---- header ---- */

static int bad(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int bad(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (err && errlen)
        vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* A NUL-terminated string of at most 32 bytes from a 32-byte field. */
static int get_name(const uint8_t *p, char *out, const char *field, char *err,
                    size_t errlen)
{
    size_t n = strnlen((const char *)p, 32);
    if (n == 32)
        return bad(err, errlen, "LUKS header field %s is not terminated",
                   field);
    for (size_t i = 0; i < n; i++)
        if (p[i] < 0x21 || p[i] > 0x7e)
            return bad(err, errlen, "LUKS header field %s holds a "
                       "non-printable byte 0x%02x", field, p[i]);
    memcpy(out, p, n);
    out[n] = 0;
    return 0;
}

static uint32_t material_sectors(uint32_t key_bytes, uint32_t stripes)
{
    uint64_t b = (uint64_t)key_bytes * stripes;
    return (uint32_t)((b + LUKS_SECTOR - 1) / LUKS_SECTOR);
}

/* Cipher mode "xts-plain64" or "xts-plain"; cipher "aes" with 32 or 64
 * key bytes (AES-128 or AES-256 in XTS: two keys). */
static int check_cipher(Luks *l, char *err, size_t errlen)
{
    if (strcmp(l->cipher_name, "aes"))
        return bad(err, errlen, "LUKS cipher '%s' is not supported (aes)",
                   l->cipher_name);
    if (!strcmp(l->cipher_mode, "xts-plain64"))
        l->plain32 = false;
    else if (!strcmp(l->cipher_mode, "xts-plain"))
        l->plain32 = true;
    else
        return bad(err, errlen, "LUKS cipher mode '%s' is not supported "
                   "(xts-plain64, xts-plain)", l->cipher_mode);
    if (l->key_bytes != 32 && l->key_bytes != 64)
        return bad(err, errlen, "LUKS key size %u bytes is not supported "
                   "(32: aes-128-xts, 64: aes-256-xts)", l->key_bytes);
    l->hash = find_hash(l->hash_spec);
    if (l->hash < 0)
        return bad(err, errlen, "LUKS hash '%s' is not supported (sha1, "
                   "sha256, sha512)", l->hash_spec);
    return 0;
}

int luks_parse(Luks *l, const uint8_t *buf, size_t len, uint64_t region,
               uint32_t max_iters, char *err, size_t errlen)
{
    LuksIO io = l->io;
    void *op = l->io_opaque;
    memset(l, 0, sizeof(*l));
    l->io = io;
    l->io_opaque = op;
    l->region = region;
    l->max_iters = max_iters ? max_iters : default_max_iters;
    if (len < LUKS_HDR_SIZE || memcmp(buf, luks_magic, 6))
        return bad(err, errlen, "not a LUKS image (bad magic)");
    uint16_t version = (uint16_t)(buf[6] << 8 | buf[7]);
    if (version != 1)
        return bad(err, errlen, "LUKS version %u is not supported (1)",
                   version);
    if (get_name(buf + 8, l->cipher_name, "cipher-name", err, errlen) < 0 ||
        get_name(buf + 40, l->cipher_mode, "cipher-mode", err, errlen) < 0 ||
        get_name(buf + 72, l->hash_spec, "hash-spec", err, errlen) < 0)
        return -1;
    l->payload_offset = rd32(buf + 104);
    l->key_bytes = rd32(buf + 108);
    memcpy(l->mk_digest, buf + 112, DIGEST_SIZE);
    memcpy(l->mk_salt, buf + 132, SALT_SIZE);
    l->mk_iters = rd32(buf + 164);
    size_t un = strnlen((const char *)buf + 168, 40);
    memcpy(l->uuid, buf + 168, un);
    l->uuid[un] = 0;
    for (size_t i = 0; i < un; i++)
        if (l->uuid[i] < 0x20 || l->uuid[i] > 0x7e)
            l->uuid[i] = '?';
    if (check_cipher(l, err, errlen) < 0)
        return -1;
    if (!region) /* a luks file: the header ends where the payload starts */
        region = l->region = (uint64_t)l->payload_offset * LUKS_SECTOR;
    if (l->mk_iters == 0 || l->mk_iters > l->max_iters)
        return bad(err, errlen, "LUKS master key iteration count %u is "
                   "out of range (1 to %u)", l->mk_iters, l->max_iters);
    for (int i = 0; i < LUKS_SLOTS; i++) {
        const uint8_t *s = buf + 208 + 48 * i;
        LuksSlot *k = &l->slot[i];
        uint32_t state = rd32(s);
        if (state != SLOT_ACTIVE && state != SLOT_INACTIVE)
            return bad(err, errlen, "LUKS keyslot %d has invalid state "
                       "0x%08x", i, state);
        k->active = state == SLOT_ACTIVE;
        k->iters = rd32(s + 4);
        memcpy(k->salt, s + 8, SALT_SIZE);
        k->key_offset = rd32(s + 40);
        k->stripes = rd32(s + 44);
        if (k->stripes == 0 ||
            (uint64_t)k->stripes * l->key_bytes > LUKS_MAX_AF)
            return bad(err, errlen, "LUKS keyslot %d has invalid stripes "
                       "%u", i, k->stripes);
        uint64_t start = (uint64_t)k->key_offset * LUKS_SECTOR;
        uint64_t end = start + (uint64_t)material_sectors(l->key_bytes,
                                                           k->stripes) *
                       LUKS_SECTOR;
        if (start < LUKS_HDR_SIZE || end > region)
            return bad(err, errlen, "LUKS keyslot %d key material at "
                       "offset %llu length %llu is outside the header "
                       "(%llu bytes)", i, (unsigned long long)start,
                       (unsigned long long)(end - start),
                       (unsigned long long)region);
        if (k->active && (k->iters == 0 || k->iters > l->max_iters))
            return bad(err, errlen, "LUKS keyslot %d iteration count %u is "
                       "out of range (1 to %u)", i, k->iters, l->max_iters);
    }
    /* Key material areas must not overlap. */
    for (int i = 0; i < LUKS_SLOTS; i++) {
        uint64_t a0 = l->slot[i].key_offset,
                 a1 = a0 + material_sectors(l->key_bytes, l->slot[i].stripes);
        for (int j = i + 1; j < LUKS_SLOTS; j++) {
            uint64_t b0 = l->slot[j].key_offset,
                     b1 = b0 + material_sectors(l->key_bytes,
                                                l->slot[j].stripes);
            if (a0 < b1 && b0 < a1)
                return bad(err, errlen, "LUKS keyslots %d and %d have "
                           "overlapping key material", i, j);
        }
    }
    return 0;
}

static void serialize(const Luks *l, uint8_t *b)
{
    memset(b, 0, LUKS_HDR_SIZE);
    memcpy(b, luks_magic, 6);
    b[7] = 1;
    memcpy(b + 8, l->cipher_name, strlen(l->cipher_name));
    memcpy(b + 40, l->cipher_mode, strlen(l->cipher_mode));
    memcpy(b + 72, l->hash_spec, strlen(l->hash_spec));
    wr32(b + 104, l->payload_offset);
    wr32(b + 108, l->key_bytes);
    memcpy(b + 112, l->mk_digest, DIGEST_SIZE);
    memcpy(b + 132, l->mk_salt, SALT_SIZE);
    wr32(b + 164, l->mk_iters);
    memcpy(b + 168, l->uuid, strlen(l->uuid));
    for (int i = 0; i < LUKS_SLOTS; i++) {
        uint8_t *s = b + 208 + 48 * i;
        const LuksSlot *k = &l->slot[i];
        wr32(s, k->active ? SLOT_ACTIVE : SLOT_INACTIVE);
        wr32(s + 4, k->iters);
        memcpy(s + 8, k->salt, SALT_SIZE);
        wr32(s + 40, k->key_offset);
        wr32(s + 44, k->stripes);
    }
}

int luks_write_header(Luks *l, char *err, size_t errlen)
{
    uint8_t b[LUKS_HDR_SIZE];
    serialize(l, b);
    return l->io(l->io_opaque, true, 0, b, sizeof(b)) < 0 ? -1 : 0;
    (void)err;
    (void)errlen;
}

/* ---- keys ---- */

/* Reads a slot's key material and merges it into a candidate key. */
static int slot_key(Luks *l, int i, const uint8_t *pw, size_t pwlen,
                    uint8_t *mk, char *err, size_t errlen)
{
    LuksSlot *k = &l->slot[i];
    size_t mlen = (size_t)material_sectors(l->key_bytes, k->stripes) *
                  LUKS_SECTOR;
    uint8_t *m = malloc(mlen);
    if (!m)
        return bad(err, errlen, "out of memory");
    if (l->io(l->io_opaque, false, (uint64_t)k->key_offset * LUKS_SECTOR, m,
              mlen) < 0) {
        free(m);
        return bad(err, errlen, "cannot read the key material of LUKS "
                   "keyslot %d", i);
    }
    uint8_t dk[64];
    union { struct xts_aes128_key k128; struct xts_aes256_key k256; } e, d;
    do_pbkdf2(l->hash, pw, pwlen, k->salt, SALT_SIZE, k->iters, dk,
           l->key_bytes);
    set_key(l, dk, l->key_bytes, &e, &d);
    crypt_sectors(l->plain32, l->key_bytes, &d, false, 0, m, mlen);
    af_merge(l->hash, m, l->key_bytes, k->stripes, mk);
    memset(dk, 0, sizeof(dk));
    memset(m, 0, mlen);
    free(m);
    return 0;
}

static bool key_matches(Luks *l, const uint8_t *mk)
{
    uint8_t dig[DIGEST_SIZE];
    do_pbkdf2(l->hash, mk, l->key_bytes, l->mk_salt, SALT_SIZE, l->mk_iters,
           dig, DIGEST_SIZE);
    return !memcmp(dig, l->mk_digest, DIGEST_SIZE);
}

static void load_mk(Luks *l, const uint8_t *mk)
{
    memcpy(l->mk, mk, l->key_bytes);
    set_key(l, mk, l->key_bytes, &l->enc, &l->dec);
    l->have_key = true;
}

int luks_unlock(Luks *l, const uint8_t *pw, size_t pwlen, int slot, int *used,
                char *err, size_t errlen)
{
    uint8_t mk[64];
    for (int i = 0; i < LUKS_SLOTS; i++) {
        if (!l->slot[i].active || (slot >= 0 && i != slot))
            continue;
        if (slot_key(l, i, pw, pwlen, mk, err, errlen) < 0)
            return -1;
        if (key_matches(l, mk)) {
            load_mk(l, mk);
            memset(mk, 0, sizeof(mk));
            if (used)
                *used = i;
            return 0;
        }
    }
    memset(mk, 0, sizeof(mk));
    return bad(err, errlen, "Invalid password, cannot unlock any keyslot");
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* PBKDF2 iterations that take iter_time ms producing outlen bytes. */
static uint32_t count_iters(int hash, size_t outlen, int64_t iter_time)
{
    uint8_t out[64], salt[SALT_SIZE] = { 0 };
    static const uint8_t pw[] = "tessera-benchmark";
    uint32_t n = 1u << 10;
    uint64_t t;
    /* Measure over at least 10 ms (or the whole time if shorter). */
    uint64_t want = iter_time < 10 ? (uint64_t)iter_time * 1000000u
                                   : 10000000u;
    for (;;) {
        uint64_t t0 = now_ns();
        do_pbkdf2(hash, pw, sizeof(pw) - 1, salt, sizeof(salt), n, out, outlen);
        t = now_ns() - t0;
        if (t >= want || n >= (1u << 24))
            break;
        n *= 2;
    }
    if (!t)
        t = 1;
    double iters = (double)n * ((double)iter_time * 1e6) / (double)t;
    if (iters > LUKS_MAX_ITERS)
        iters = LUKS_MAX_ITERS;
    return (uint32_t)iters;
}

static int slot_material_write(Luks *l, int i, const uint8_t *pw,
                               size_t pwlen, char *err, size_t errlen)
{
    LuksSlot *k = &l->slot[i];
    size_t mlen = (size_t)material_sectors(l->key_bytes, k->stripes) *
                  LUKS_SECTOR;
    uint8_t *m = calloc(1, mlen);
    if (!m)
        return bad(err, errlen, "out of memory");
    if (af_split(l->hash, l->mk, l->key_bytes, k->stripes, m, err,
                 errlen) < 0) {
        free(m);
        return -1;
    }
    uint8_t dk[64];
    union { struct xts_aes128_key k128; struct xts_aes256_key k256; } e, d;
    do_pbkdf2(l->hash, pw, pwlen, k->salt, SALT_SIZE, k->iters, dk,
           l->key_bytes);
    set_key(l, dk, l->key_bytes, &e, &d);
    crypt_sectors(l->plain32, l->key_bytes, &e, true, 0, m, mlen);
    memset(dk, 0, sizeof(dk));
    int r = l->io(l->io_opaque, true, (uint64_t)k->key_offset * LUKS_SECTOR,
                  m, mlen);
    memset(m, 0, mlen);
    free(m);
    return r < 0 ? bad(err, errlen, "cannot write LUKS keyslot %d", i) : 0;
}

static int parse_params(const LuksParams *p, Luks *l, char *err,
                        size_t errlen)
{
    const char *alg = p && p->cipher_alg ? p->cipher_alg : "aes-256";
    const char *mode = p && p->cipher_mode ? p->cipher_mode : "xts";
    const char *iv = p && p->ivgen_alg ? p->ivgen_alg : "plain64";
    const char *hash = p && p->hash_alg ? p->hash_alg : "sha256";
    if (!strcmp(alg, "aes-256"))
        l->key_bytes = 64;
    else if (!strcmp(alg, "aes-128"))
        l->key_bytes = 32;
    else
        return bad(err, errlen, "cipher-alg '%s' is not supported (aes-256, "
                   "aes-128)", alg);
    if (strcmp(mode, "xts"))
        return bad(err, errlen, "cipher-mode '%s' is not supported (xts)",
                   mode);
    if (strcmp(iv, "plain64") && strcmp(iv, "plain"))
        return bad(err, errlen, "ivgen-alg '%s' is not supported (plain64, "
                   "plain)", iv);
    if (find_hash(hash) < 0)
        return bad(err, errlen, "hash-alg '%s' is not supported (sha256, "
                   "sha1, sha512)", hash);
    if (p && (p->iter_time < 0 || p->iter_time > 3600000))
        return bad(err, errlen, "iter-time %lld ms is out of range",
                   (long long)p->iter_time);
    strcpy(l->cipher_name, "aes");
    snprintf(l->cipher_mode, sizeof(l->cipher_mode), "xts-%s", iv);
    snprintf(l->hash_spec, sizeof(l->hash_spec), "%s", hash);
    return check_cipher(l, err, errlen);
}

static uint32_t slot_stride(uint32_t key_bytes)
{
    uint32_t s = material_sectors(key_bytes, LUKS_STRIPES);
    return (s + ALIGN_SECTORS - 1) / ALIGN_SECTORS * ALIGN_SECTORS;
}

int luks_layout_size(const LuksParams *p, uint64_t *bytes, char *err,
                     size_t errlen)
{
    Luks l;
    memset(&l, 0, sizeof(l));
    if (parse_params(p, &l, err, errlen) < 0)
        return -1;
    *bytes = (uint64_t)(ALIGN_SECTORS + LUKS_SLOTS * slot_stride(l.key_bytes))
             * LUKS_SECTOR;
    return 0;
}

int luks_format(Luks *l, const LuksParams *p, const uint8_t *pw, size_t pwlen,
                char *err, size_t errlen)
{
    LuksIO io = l->io;
    void *op = l->io_opaque;
    uint64_t region = l->region;
    memset(l, 0, sizeof(*l));
    l->io = io;
    l->io_opaque = op;
    l->max_iters = LUKS_MAX_ITERS;
    if (parse_params(p, l, err, errlen) < 0)
        return -1;
    int64_t it = p && p->iter_time ? p->iter_time : 2000;
    uint32_t stride = slot_stride(l->key_bytes);
    l->payload_offset = ALIGN_SECTORS + LUKS_SLOTS * stride;
    l->region = region ? region : (uint64_t)l->payload_offset * LUKS_SECTOR;
    uint8_t mk[64], u[16];
    if (random_bytes(mk, l->key_bytes, err, errlen) < 0 ||
        random_bytes(l->mk_salt, SALT_SIZE, err, errlen) < 0 ||
        random_bytes(u, sizeof(u), err, errlen) < 0)
        return -1;
    u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);
    u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
    snprintf(l->uuid, sizeof(l->uuid), "%02x%02x%02x%02x-%02x%02x-%02x%02x-"
             "%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2], u[3],
             u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13],
             u[14], u[15]);
    /* As cryptsetup: the digest takes an eighth of the time. */
    uint32_t mi = count_iters(l->hash, DIGEST_SIZE, it) / 8;
    l->mk_iters = mi < MIN_ITERS ? MIN_ITERS : mi;
    do_pbkdf2(l->hash, mk, l->key_bytes, l->mk_salt, SALT_SIZE, l->mk_iters,
           l->mk_digest, DIGEST_SIZE);
    for (int i = 0; i < LUKS_SLOTS; i++) {
        l->slot[i].key_offset = ALIGN_SECTORS + (uint32_t)i * stride;
        l->slot[i].stripes = LUKS_STRIPES;
    }
    load_mk(l, mk);
    memset(mk, 0, sizeof(mk));
    return luks_add_key(l, 0, pw, pwlen, it, NULL, err, errlen);
}

int luks_add_key(Luks *l, int slot, const uint8_t *pw, size_t pwlen,
                 int64_t iter_time, int *used, char *err, size_t errlen)
{
    if (!l->have_key)
        return bad(err, errlen, "the LUKS master key is not loaded");
    if (slot < 0) {
        for (int i = 0; i < LUKS_SLOTS && slot < 0; i++)
            if (!l->slot[i].active)
                slot = i;
        if (slot < 0)
            return bad(err, errlen, "Can't add a keyslot - all keyslots are "
                       "in use");
    } else if (slot >= LUKS_SLOTS) {
        return bad(err, errlen, "Invalid keyslot %d specified, must be "
                   "between 0 and %d", slot, LUKS_SLOTS - 1);
    } else if (l->slot[slot].active) {
        return bad(err, errlen, "Refusing to overwrite active keyslot %d - "
                   "please erase it first", slot);
    }
    if (iter_time < 0 || iter_time > 3600000)
        return bad(err, errlen, "iter-time %lld ms is out of range",
                   (long long)iter_time);
    LuksSlot *k = &l->slot[slot];
    uint32_t iters = count_iters(l->hash, l->key_bytes,
                                 iter_time ? iter_time : 2000);
    k->iters = iters < MIN_ITERS ? MIN_ITERS : iters;
    if (k->iters > l->max_iters)
        k->iters = l->max_iters;
    if (random_bytes(k->salt, SALT_SIZE, err, errlen) < 0)
        return -1;
    /* Key material first, then the header that makes the slot active. */
    if (slot_material_write(l, slot, pw, pwlen, err, errlen) < 0)
        return -1;
    k->active = true;
    if (luks_write_header(l, err, errlen) < 0) {
        k->active = false;
        return bad(err, errlen, "cannot write the LUKS header");
    }
    if (used)
        *used = slot;
    return 0;
}

int luks_erase_slot(Luks *l, int slot, char *err, size_t errlen)
{
    if (slot < 0 || slot >= LUKS_SLOTS)
        return bad(err, errlen, "Invalid keyslot %d specified, must be "
                   "between 0 and %d", slot, LUKS_SLOTS - 1);
    LuksSlot *k = &l->slot[slot];
    k->active = false;
    k->iters = 0;
    memset(k->salt, 0, SALT_SIZE);
    if (luks_write_header(l, err, errlen) < 0)
        return bad(err, errlen, "cannot write the LUKS header");
    size_t mlen = (size_t)material_sectors(l->key_bytes, k->stripes) *
                  LUKS_SECTOR;
    uint8_t *m = malloc(mlen);
    if (!m)
        return bad(err, errlen, "out of memory");
    int r = random_bytes(m, mlen, err, errlen);
    if (r == 0 && l->io(l->io_opaque, true,
                        (uint64_t)k->key_offset * LUKS_SECTOR, m, mlen) < 0)
        r = bad(err, errlen, "cannot wipe LUKS keyslot %d", slot);
    free(m);
    return r;
}

void luks_get_info(const Luks *l, BlkLuksInfo *in)
{
    memset(in, 0, sizeof(*in));
    snprintf(in->cipher_alg, sizeof(in->cipher_alg), "%.8s-%u", l->cipher_name,
             l->key_bytes * 4);
    snprintf(in->cipher_mode, sizeof(in->cipher_mode), "%.*s",
             (int)strcspn(l->cipher_mode, "-"), l->cipher_mode);
    snprintf(in->ivgen_alg, sizeof(in->ivgen_alg), "%.15s",
             l->plain32 ? "plain" : "plain64");
    snprintf(in->hash_alg, sizeof(in->hash_alg), "%.15s", l->hash_spec);
    memcpy(in->uuid, l->uuid, sizeof(in->uuid));
    in->payload_offset = (uint64_t)l->payload_offset * LUKS_SECTOR;
    in->master_key_iters = l->mk_iters;
    for (int i = 0; i < LUKS_SLOTS; i++) {
        in->slots[i].active = l->slot[i].active;
        in->slots[i].iters = l->slot[i].iters;
        in->slots[i].stripes = l->slot[i].stripes;
        in->slots[i].key_offset = (uint64_t)l->slot[i].key_offset *
                                  LUKS_SECTOR;
    }
}

/* ---- fuzz entry ---- */

typedef struct MemIO {
    const uint8_t *buf;
    size_t len;
} MemIO;

static int mem_io(void *opaque, bool write, uint64_t off, void *buf,
                  size_t len)
{
    MemIO *m = opaque;
    if (write)
        return -1;
    memset(buf, 0, len);
    if (off < m->len)
        memcpy(buf, m->buf + off, m->len - off < len ? m->len - off : len);
    return 0;
}

int blk_luks_probe_header(const uint8_t *buf, size_t len, uint32_t max_iters,
                          char *err, size_t errlen)
{
    Luks *l = calloc(1, sizeof(*l));
    MemIO m = { buf, len };
    if (!l)
        return bad(err, errlen, "out of memory");
    l->io = mem_io;
    l->io_opaque = &m;
    /* The region ends at the payload, as in a luks file. */
    int r = luks_parse(l, buf, len, 0, max_iters, err, errlen);
    if (r == 0)
        r = luks_unlock(l, (const uint8_t *)"fuzz", 4, -1, NULL, err, errlen);
    free(l);
    return r;
}

/* ---- secrets ---- */

typedef struct Secret {
    char *id;
    uint8_t *data;
    size_t len;
} Secret;

static Secret *secrets;
static int n_secrets;

const uint8_t *blk_secret_get(const char *id, size_t *len)
{
    for (int i = 0; i < n_secrets; i++)
        if (!strcmp(secrets[i].id, id)) {
            *len = secrets[i].len;
            return secrets[i].data;
        }
    return NULL;
}

/* Next key=value of a QEMU option string (",," is a literal comma). */
static char *next_opt(const char **ps, char **val)
{
    const char *s = *ps;
    size_t cap = strlen(s) + 1, n = 0;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    while (*s) {
        if (*s == ',') {
            if (s[1] == ',') {
                out[n++] = ',';
                s += 2;
                continue;
            }
            s++;
            break;
        }
        out[n++] = *s++;
    }
    out[n] = 0;
    *ps = s;
    char *eq = strchr(out, '=');
    *val = NULL;
    if (eq) {
        *eq = 0;
        *val = eq + 1;
    }
    return out;
}

int blk_object_add(const char *spec, char *err, size_t errlen)
{
    const char *s = spec;
    char *id = NULL, *data = NULL, *file = NULL, *format = NULL;
    int r = -1;
    bool first = true;
    while (*s) {
        char *v, *k = next_opt(&s, &v);
        if (!k) {
            bad(err, errlen, "out of memory");
            goto out;
        }
        if (first && !v) {
            if (strcmp(k, "secret")) {
                bad(err, errlen, "object type '%s' is not supported (secret)",
                    k);
                free(k);
                goto out;
            }
            first = false;
            free(k);
            continue;
        }
        if (first && !strcmp(k, "qom-type")) {
            if (strcmp(v, "secret")) {
                bad(err, errlen, "object type '%s' is not supported (secret)",
                    v);
                free(k);
                goto out;
            }
            first = false;
            free(k);
            continue;
        }
        first = false;
        char **slot = !strcmp(k, "id") ? &id : !strcmp(k, "data") ? &data
                    : !strcmp(k, "file") ? &file
                    : !strcmp(k, "format") ? &format : NULL;
        if (!slot || !v) {
            bad(err, errlen, "secret: %s '%s' (id, data, file, format)",
                v ? "unknown property" : "property needs a value:", k);
            free(k);
            goto out;
        }
        free(*slot);
        *slot = strdup(v);
        free(k);
    }
    if (!id || !*id) {
        bad(err, errlen, "secret: Parameter 'id' is missing");
        goto out;
    }
    if (!!data == !!file) {
        bad(err, errlen, "secret %s: exactly one of 'data' and 'file' is "
            "needed", id);
        goto out;
    }
    if (format && strcmp(format, "raw") && strcmp(format, "base64")) {
        bad(err, errlen, "secret %s: format '%s' is not supported (raw, "
            "base64)", id, format);
        goto out;
    }
    if (blk_secret_get(id, &(size_t){ 0 })) {
        bad(err, errlen, "attempt to add duplicate secret with id '%s'", id);
        goto out;
    }
    uint8_t *bytes;
    size_t blen;
    if (file) {
        FILE *f = fopen(file, "rb");
        if (!f) {
            bad(err, errlen, "secret %s: cannot read %s: %s", id, file,
                strerror(errno));
            goto out;
        }
        size_t cap = 4096;
        bytes = malloc(cap);
        blen = 0;
        size_t n;
        while (bytes && (n = fread(bytes + blen, 1, cap - blen, f)) > 0) {
            blen += n;
            if (blen == cap) {
                if (cap >= (1u << 20))
                    break;
                cap *= 2;
                uint8_t *nb = realloc(bytes, cap);
                if (!nb) {
                    free(bytes);
                    bytes = NULL;
                }
                bytes = nb;
            }
        }
        fclose(f);
        if (!bytes) {
            bad(err, errlen, "out of memory");
            goto out;
        }
    } else {
        blen = strlen(data);
        bytes = malloc(blen + 1);
        if (!bytes) {
            bad(err, errlen, "out of memory");
            goto out;
        }
        memcpy(bytes, data, blen);
    }
    if (format && !strcmp(format, "base64")) {
        struct base64_decode_ctx ctx;
        uint8_t *dec = malloc(BASE64_DECODE_LENGTH(blen) + 1);
        size_t dlen = BASE64_DECODE_LENGTH(blen);
        base64_decode_init(&ctx);
        if (!dec || !base64_decode_update(&ctx, &dlen, dec, blen,
                                          (const char *)bytes) ||
            !base64_decode_final(&ctx)) {
            free(dec);
            free(bytes);
            bad(err, errlen, "secret %s: invalid base64 data", id);
            goto out;
        }
        free(bytes);
        bytes = dec;
        blen = dlen;
    }
    Secret *ns = realloc(secrets, (size_t)(n_secrets + 1) * sizeof(*ns));
    if (!ns) {
        free(bytes);
        bad(err, errlen, "out of memory");
        goto out;
    }
    secrets = ns;
    secrets[n_secrets].id = id;
    secrets[n_secrets].data = bytes;
    secrets[n_secrets].len = blen;
    n_secrets++;
    id = NULL;
    r = 0;
out:
    free(id);
    free(data);
    free(file);
    free(format);
    return r;
}
