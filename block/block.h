/* SPDX-License-Identifier: MIT */
/*
 * Tessera block library: disk images shared by the emulator and
 * tessera-img. Formats: raw, qcow2 (version 3; optionally LUKS encrypted)
 * and luks (LUKS1). Every function that
 * can fail returns a negative value (or NULL) and leaves a one-line
 * message naming the file in blk_error() (or in the err buffer given).
 */
#ifndef TESSERA_BLOCK_H
#define TESSERA_BLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct BlockDev BlockDev;

/* blk_open flags */
#define BLK_O_RDWR        0x1  /* open for writing */
#define BLK_O_NO_BACKING  0x2  /* do not open the backing file */
#define BLK_O_CHECK       0x4  /* for check -r: accept dirty/corrupt images */
#define BLK_O_BITMAPS     0x8  /* with RDWR: edit persistent bitmaps; guest
                                  data writes are refused, so bitmaps are
                                  not marked in use */
/* Cache modes (-drive cache=; the image itself, not its backing files).
 * Default (writeback): the host page cache, flush = fdatasync. */
#define BLK_O_DIRECT       0x10 /* cache=none: O_DIRECT for aligned I/O */
#define BLK_O_WRITETHROUGH 0x20 /* flush after every write */
#define BLK_O_UNSAFE       0x40 /* cache=unsafe: flushes do nothing */
#define BLK_O_NO_KEY      0x80 /* open an encrypted image without its key:
                                  header only (info); data I/O refused */

/* Options of blk_create(); zero means "default". */
typedef struct BlkCreateOpts {
    const char *fmt;              /* "raw" or "qcow2" */
    uint64_t size;                /* virtual size in bytes; 0 with a
                                     backing file: the backing file's */
    uint32_t cluster_size;        /* qcow2: 512..2M, power of two */
    const char *compression_type; /* qcow2: "zlib" (default) or "zstd" */
    const char *backing_file;     /* qcow2: stored as given */
    const char *backing_fmt;      /* qcow2: stored as backing_fmt */
    int refcount_bits;            /* qcow2: 16 by default */
    /* Encryption: luks always; qcow2 with encrypt_format "luks". The
     * password is the secret key_secret names (blk_object_add). */
    const char *encrypt_format;   /* qcow2: NULL or "luks" */
    const char *key_secret;
    const char *cipher_alg;       /* aes-256 (default) or aes-128 */
    const char *cipher_mode;      /* xts */
    const char *ivgen_alg;        /* plain64 (default) or plain */
    const char *hash_alg;         /* sha256 (default), sha1, sha512 */
    int64_t iter_time;            /* PBKDF2 time in ms; 0: 2000 */
    /* The file's extent size hint (XFS; other file systems ignore it),
     * at most 4 GiB - 1; when not given, 1 MiB, as qemu-img sets. */
    bool has_extent_size_hint;
    uint64_t extent_size_hint;
} BlkCreateOpts;

/* The LUKS header as qemu-img info shows it. */
typedef struct BlkLuksInfo {
    char cipher_alg[16], cipher_mode[16], ivgen_alg[16], hash_alg[16];
    char uuid[41];
    uint64_t payload_offset;      /* bytes */
    uint32_t master_key_iters;
    struct {
        bool active;
        uint32_t iters, stripes;
        uint64_t key_offset;      /* bytes */
    } slots[8];
} BlkLuksInfo;

/* Block status of a range (blk_block_status). */
#define BLK_ST_DATA       0x1  /* read from a data area of a file */
#define BLK_ST_ZERO       0x2  /* reads as zeroes */
#define BLK_ST_ALLOCATED  0x4  /* defined by this layer (no fall-through) */
#define BLK_ST_OFFSET     0x8  /* host_offset is valid */
#define BLK_ST_COMPRESSED 0x10 /* compressed cluster */

typedef struct BlkStatus {
    int flags;
    uint64_t host_offset;
    int depth;              /* layer that answered (0 = this image) */
    const char *filename;   /* file of that layer */
} BlkStatus;

typedef struct BlkCheckResult {
    uint64_t corruptions, leaks, check_errors;
    uint64_t corruptions_fixed, leaks_fixed;
    uint64_t total_clusters, allocated_clusters, fragmented_clusters,
             compressed_clusters;
    uint64_t image_end_offset;
} BlkCheckResult;

/* Fixed-size image information (blk_info). */
typedef struct BlkInfo {
    const char *format;
    uint64_t virtual_size;
    uint32_t cluster_size;       /* qcow2 only */
    int refcount_bits;
    const char *compression_type;
    bool dirty, corrupt, lazy_refcounts;
    const char *backing_file;    /* NULL when none */
    const char *backing_fmt;
    int nb_snapshots;
    int version;                 /* qcow2: 2 or 3 */
    bool encrypted;
    bool has_luks;               /* luks holds the LUKS header */
    BlkLuksInfo luks;
} BlkInfo;

typedef struct BlkSnapshot {
    char *id, *name;
    uint64_t vm_state_size, vm_clock_nsec, icount;
    uint32_t date_sec, date_nsec;
    uint64_t disk_size;
} BlkSnapshot;

/* A persistent dirty bitmap (qcow2), read only. */
#define BLK_BITMAP_IN_USE 0x1
#define BLK_BITMAP_AUTO   0x2
typedef struct BlkBitmap {
    char *name;
    uint32_t granularity;
    uint32_t flags;
} BlkBitmap;

int blk_create(const char *filename, const BlkCreateOpts *opts,
               char *err, size_t errlen);
BlockDev *blk_open(const char *filename, const char *fmt, int flags,
                   char *err, size_t errlen);
/* blk_open for an encrypted image: key_secret names the secret holding
 * its password (NULL: none; then only BLK_O_NO_KEY opens it). */
BlockDev *blk_open_key(const char *filename, const char *fmt, int flags,
                       const char *key_secret, char *err, size_t errlen);
/* blk_open_key with a secret for each layer of the backing chain:
 * keys[0] for the image, keys[1] for its backing file and so on (nkeys
 * entries; NULL or missing: none), as qemu-img's backing.key-secret. */
BlockDev *blk_open_keys(const char *filename, const char *fmt, int flags,
                        const char *const *keys, int nkeys, char *err,
                        size_t errlen);
void blk_close(BlockDev *bs);
/* False if a freshly created image does not read as zeroes (luks). */
bool blk_zero_init(const BlockDev *bs);

/* An --image-opts string (qemu-img's and qemu-nbd's): driver=FMT,
 * file.filename=PATH (or file=PATH), key-secret=ID or
 * encrypt.key-secret=ID, and for the backing chain the same keys after
 * "backing." (once a level, as qemu-img: a luks backing file's
 * backing.key-secret=, a qcow2+luks one's backing.encrypt.key-secret=);
 * keys[d] is the secret of layer d, for blk_open_keys. file.driver=file,
 * encrypt.format=luks and a backing layer's driver= are accepted and
 * ignored. Returns 0 with o's strings malloc'ed (fmt NULL without
 * driver=; free them with blk_image_opts_free), or -1 with a message. */
#define BLK_MAX_KEY_LAYERS 8
typedef struct BlkImageOpts {
    char *filename;
    char *fmt;
    char *keys[BLK_MAX_KEY_LAYERS];
} BlkImageOpts;
int blk_parse_image_opts(const char *spec, BlkImageOpts *o, char *err,
                         size_t errlen);
void blk_image_opts_free(BlkImageOpts *o);

/* Registers a secret from a QEMU --object string:
 * "secret,id=ID,data=TEXT|file=PATH[,format=raw|base64]". */
int blk_object_add(const char *spec, char *err, size_t errlen);

/* LUKS keyslot management (qemu-img amend; luks and qcow2+luks opened
 * for writing with a key). */
typedef struct BlkLuksAmend {
    bool activate;                /* state=active: add new_secret */
    const char *new_secret;       /* secret id */
    const char *old_secret;       /* inactive: erase the slots it opens */
    int keyslot;                  /* -1: not given */
    int64_t iter_time;            /* ms, 0: 2000 */
    bool force;                   /* may erase the last active slot */
} BlkLuksAmend;
int blk_luks_amend(BlockDev *bs, const BlkLuksAmend *a);
const char *blk_error(const BlockDev *bs);
const char *blk_filename(const BlockDev *bs);
const char *blk_format(const BlockDev *bs);
uint64_t blk_size(const BlockDev *bs);
BlockDev *blk_backing(const BlockDev *bs);
void blk_info(const BlockDev *bs, BlkInfo *info);
/* Bytes the image's file occupies on disk. */
uint64_t blk_actual_size(const BlockDev *bs);

/* Guest view: reads fall through to the backing chain. */
int blk_read(BlockDev *bs, uint64_t off, void *buf, size_t len);
int blk_write(BlockDev *bs, uint64_t off, const void *buf, size_t len);
/* The range reads as zeroes afterwards (qcow2: zero clusters). */
int blk_write_zeroes(BlockDev *bs, uint64_t off, uint64_t len);
/* Writes whole clusters compressed (qcow2 only; off cluster aligned,
 * len a multiple of the cluster size or reaching the end). */
int blk_write_compressed(BlockDev *bs, uint64_t off, const void *buf,
                         size_t len);
/* The same, pipelined: the clusters are compressed on the image's
 * threads while the caller goes on, and stored in order, at the latest
 * before the next call on the image other than this one returns (say
 * blk_flush, or blk_drain); an error storing them is reported by that
 * call. buf must stay unchanged until done(opaque) is called (from the
 * caller's thread, inside a call on this image, also on failure).
 * A call queues its batches (of about 4 MiB) and stores the oldest while
 * more than BLK_COMPRESS_INFLIGHT are queued, so at most that many are in
 * flight when it returns (1: batch N is stored while N+1 is compressed;
 * more cost CPU, in the caches, and did not pay on 2 cores). done may be
 * NULL; with cache=writethrough the data is stored on return. */
#define BLK_COMPRESS_INFLIGHT 1
int blk_write_compressed_async(BlockDev *bs, uint64_t off, const void *buf,
                               size_t len, void (*done)(void *opaque),
                               void *opaque);
/* Stores whatever blk_write_compressed_async left in flight. */
int blk_drain(BlockDev *bs);
/* Whole clusters in the range become unallocated (qcow2: reads fall
 * through to the backing file) or are punched out (raw). */
int blk_discard(BlockDev *bs, uint64_t off, uint64_t len);
int blk_flush(BlockDev *bs);
int blk_resize(BlockDev *bs, uint64_t size, bool allow_shrink);
/* Status of [off, off+len) through the chain; *pnum: bytes that share it. */
int blk_block_status(BlockDev *bs, uint64_t off, uint64_t len,
                     uint64_t *pnum, BlkStatus *st);
/* Status in this layer only. */
int blk_block_status_layer(BlockDev *bs, uint64_t off, uint64_t len,
                           uint64_t *pnum, BlkStatus *st);
/* Consistency check; fix: 0, 1 (leaks) or 2 (all). */
int blk_check(BlockDev *bs, int fix, BlkCheckResult *res);
uint32_t blk_cluster_size(const BlockDev *bs);
/* Changes the backing file name recorded in the image (qcow2). */
int blk_set_backing(BlockDev *bs, const char *backing, const char *fmt);
/* A backing file name as the image overlay records it (relative to the
 * overlay's directory) as a path from here; free() it. NULL: no memory. */
char *blk_full_backing_name(const char *overlay, const char *backing);
int blk_snapshot_list(BlockDev *bs, BlkSnapshot **list, int *count);
void blk_snapshot_list_free(BlkSnapshot *list, int count);
/* Internal snapshots (qcow2) of the disk state, by name; apply and delete
 * take an id or a name. The image must be open for writing. */
int blk_snapshot_create(BlockDev *bs, const char *name);
int blk_snapshot_apply(BlockDev *bs, const char *id_or_name);
int blk_snapshot_delete(BlockDev *bs, const char *id_or_name);
/* On an image opened read-only: reads (and the size) become those of an
 * internal snapshot, as qemu-nbd -l. With both id and name the snapshot
 * must have both; NULL matches any. The image file is not changed. */
int blk_snapshot_load(BlockDev *bs, const char *id, const char *name);
/* Parses qemu-nbd's -l argument: "snapshot.id=ID[,snapshot.name=NAME]"
 * (either key or both, malloc'ed into *id and *name) or, when it does not
 * start with "snapshot.", an id or name (*id_or_name set to spec). */
int blk_parse_snapshot_spec(const char *spec, char **id, char **name,
                            const char **id_or_name, char *err,
                            size_t errlen);
/* Writes go to a new temporary qcow2 overlay over base (the emulator's
 * -snapshot, tessera-nbd -s): created in $TMPDIR (default /var/tmp) and
 * deleted from the directory at once, so it lives while it is open.
 * Takes base (closed with the overlay); flags: cache flags for the
 * overlay. NULL with a message in err on failure (base then closed). */
BlockDev *blk_open_temp_overlay(BlockDev *base, int flags, char *err,
                                size_t errlen);
/* Persistent dirty bitmaps recorded in the image (none for raw). */
int blk_bitmap_list(BlockDev *bs, BlkBitmap **list, int *count);
void blk_bitmap_list_free(BlkBitmap *list, int count);
/* Changes to the persistent dirty bitmaps (qcow2, opened with
 * BLK_O_RDWR | BLK_O_BITMAPS). */
enum { BLK_BM_ADD, BLK_BM_REMOVE, BLK_BM_CLEAR, BLK_BM_ENABLE,
       BLK_BM_DISABLE, BLK_BM_MERGE };
typedef struct BlkBitmapEdit {
    int op;
    const char *name;
    uint32_t granularity;     /* ADD: 0 = max(64k, cluster size) */
    bool disabled;            /* ADD: not recording (no auto flag) */
    /* ADD (optional) and MERGE: bits to OR in (as blk_bitmap_load's) */
    const uint8_t *bits;
    uint64_t src_nbits;
    uint32_t src_granularity;
} BlkBitmapEdit;
int blk_bitmap_edit(BlockDev *bs, const BlkBitmapEdit *ed);
/* The bits of bitmap NAME (malloc'ed, free() them): granule i is bit i%8
 * of byte i/8; *nbits granules of *granularity bytes cover the image. */
int blk_bitmap_load(BlockDev *bs, const char *name, uint8_t **bits,
                    uint64_t *nbits, uint32_t *granularity);

/* Bytes the LUKS header of a new encrypted image takes (measure): the
 * payload offset of a luks image, the header region of a qcow2 with
 * encrypt_format "luks" (before rounding to clusters). The key secret
 * must be given and exist, as for create. 0 when o asks for no
 * encryption. */
int blk_luks_header_size(const BlkCreateOpts *o, uint64_t *bytes, char *err,
                         size_t errlen);

/* Writes issued to image files so far (crash tests; see block.c). */
uint64_t blk_debug_write_count(void);

/* Parses "10G", "512k", "1.5M"... into bytes; -1 on error. */
int blk_parse_size(const char *s, uint64_t *out);
/* Reads a qcow2 header from memory and validates it (fuzz target). */
int blk_qcow2_probe_header(const uint8_t *buf, size_t len, char *err,
                           size_t errlen);

/* Reads a LUKS1 header from memory, validates it and tries to unlock it
 * with a password, PBKDF2 iterations capped at max_iters (fuzz target). */
int blk_luks_probe_header(const uint8_t *buf, size_t len, uint32_t max_iters,
                          char *err, size_t errlen);
/* Lowers the PBKDF2 iteration cap of every LUKS header opened later
 * (fuzzing; 0 restores the default). */
void blk_luks_set_max_iters(uint32_t n);

#endif
