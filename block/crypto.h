/* SPDX-License-Identifier: MIT */
/*
 * LUKS1 inside the block library: the on-disk header, keyslots (PBKDF2,
 * anti-forensic splitter) and sector encryption, shared by the luks
 * format driver (header at the start of the file) and qcow2
 * (encrypt.format=luks: header in clusters named by a header extension).
 * The ciphers, hashes and PBKDF2 are nettle's.
 */
#ifndef TESSERA_BLOCK_CRYPTO_H
#define TESSERA_BLOCK_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <nettle/xts.h>

#include "block/block.h"

#define LUKS_HDR_SIZE   592
#define LUKS_SLOTS      8
#define LUKS_SECTOR     512
#define LUKS_STRIPES    4000
/* PBKDF2 iteration counts above this are refused as absurd (a header
 * made by qemu-img or cryptsetup with a 2 s iteration time on a fast
 * machine stays well below; 2^26 takes about a minute here). */
#define LUKS_MAX_ITERS  (1u << 26)
/* Key material of one slot (key bytes * stripes) is refused above this. */
#define LUKS_MAX_AF     (1u << 20)

/* Reads or writes the header region: offsets from its start. */
typedef int (*LuksIO)(void *opaque, bool write, uint64_t off, void *buf,
                      size_t len);

typedef struct LuksSlot {
    bool active;
    uint32_t iters;
    uint8_t salt[32];
    uint32_t key_offset;    /* sectors from the header start */
    uint32_t stripes;
} LuksSlot;

typedef struct Luks {
    char cipher_name[33], cipher_mode[33], hash_spec[33], uuid[41];
    uint32_t payload_offset;    /* sectors */
    uint32_t key_bytes;
    uint8_t mk_digest[20], mk_salt[32];
    uint32_t mk_iters;
    LuksSlot slot[LUKS_SLOTS];
    /* derived from the names */
    int hash;                   /* index into the hash table */
    bool plain32;               /* ivgen plain (32-bit) instead of plain64 */
    /* the master key, once unlocked */
    bool have_key;
    uint8_t mk[64];
    union { struct xts_aes128_key k128; struct xts_aes256_key k256; }
        enc, dec;
    /* header region I/O */
    LuksIO io;
    void *io_opaque;
    uint64_t region;            /* bytes of the header region */
    uint32_t max_iters;
} Luks;

/* Creation parameters (NULL / 0: the defaults qemu-img uses). */
typedef struct LuksParams {
    const char *cipher_alg;     /* aes-256 (default), aes-128 */
    const char *cipher_mode;    /* xts */
    const char *ivgen_alg;      /* plain64 (default), plain */
    const char *hash_alg;       /* sha256 (default), sha1, sha512 */
    int64_t iter_time;          /* ms, default 2000 */
} LuksParams;

/* Validates a header (the first LUKS_HDR_SIZE bytes of the region). Key
 * material must lie inside [LUKS_HDR_SIZE, region) (region 0: up to the
 * payload offset, as in a luks file) and iteration counts at most
 * max_iters (0: LUKS_MAX_ITERS or what blk_luks_set_max_iters set). */
int luks_parse(Luks *l, const uint8_t *buf, size_t len, uint64_t region,
               uint32_t max_iters, char *err, size_t errlen);
/* Tries every active slot (or only `slot` if >= 0) with the password;
 * on success the master key is loaded and *used (if not NULL) is the
 * slot. Wrong password: "Invalid password, cannot unlock any keyslot". */
int luks_unlock(Luks *l, const uint8_t *pw, size_t pwlen, int slot, int *used,
                char *err, size_t errlen);
/* Checks the parameters and fills in a new header with a random master
 * key and the layout qemu-img uses; slot 0 is set to the password
 * (luks_write_all writes everything). */
int luks_format(Luks *l, const LuksParams *p, const uint8_t *pw, size_t pwlen,
                char *err, size_t errlen);
/* Header bytes a format with these parameters needs (payload offset). */
int luks_layout_size(const LuksParams *p, uint64_t *bytes, char *err,
                     size_t errlen);
/* Writes the header sector (after luks_format: and slot 0's material). */
int luks_write_header(Luks *l, char *err, size_t errlen);
/* Sets keyslot `slot` (-1: the first inactive) to a password. */
int luks_add_key(Luks *l, int slot, const uint8_t *pw, size_t pwlen,
                 int64_t iter_time, int *used, char *err, size_t errlen);
/* Erases a keyslot: header entry first, then its key material. */
int luks_erase_slot(Luks *l, int slot, char *err, size_t errlen);
/* Sector encryption with the master key; len a multiple of 512. */
void luks_encrypt(Luks *l, uint64_t sector, uint8_t *buf, size_t len);
void luks_decrypt(Luks *l, uint64_t sector, uint8_t *buf, size_t len);
void luks_get_info(const Luks *l, BlkLuksInfo *info);

/* Secrets registered with blk_object_add: the bytes of ID, NULL if none. */
const uint8_t *blk_secret_get(const char *id, size_t *len);

#endif
