/* SPDX-License-Identifier: MIT */
/* Internals of the block library: the format driver interface. */
#ifndef TESSERA_BLOCK_INT_H
#define TESSERA_BLOCK_INT_H

#include "block/block.h"

typedef struct BlockDriver {
    const char *name;
    /* Score how much the first bytes of a file look like this format. */
    int (*probe)(const uint8_t *buf, size_t len);
    int (*create)(const char *filename, const BlkCreateOpts *o,
                  char *err, size_t errlen);
    int (*open)(BlockDev *bs, int flags);
    void (*close)(BlockDev *bs);
    int (*read)(BlockDev *bs, uint64_t off, void *buf, size_t len);
    int (*write)(BlockDev *bs, uint64_t off, const void *buf, size_t len);
    int (*write_zeroes)(BlockDev *bs, uint64_t off, uint64_t len);
    /* May return before the data is stored (see
     * blk_write_compressed_async); done(opaque), if not NULL, is called
     * once buf is no longer used, also on failure. */
    int (*write_compressed)(BlockDev *bs, uint64_t off, const void *buf,
                            size_t len, void (*done)(void *opaque),
                            void *opaque);
    /* Finishes work deferred by write_compressed (stores the batches
     * still being compressed); its error, if any. NULL: none deferred. */
    int (*drain)(BlockDev *bs);
    int (*discard)(BlockDev *bs, uint64_t off, uint64_t len);
    int (*flush)(BlockDev *bs);
    int (*resize)(BlockDev *bs, uint64_t size);
    int (*status)(BlockDev *bs, uint64_t off, uint64_t len, uint64_t *pnum,
                  BlkStatus *st);
    int (*check)(BlockDev *bs, int fix, BlkCheckResult *res);
    void (*info)(const BlockDev *bs, BlkInfo *info);
    int (*set_backing)(BlockDev *bs, const char *backing, const char *fmt);
    int (*snapshots)(BlockDev *bs, BlkSnapshot **list, int *count);
    int (*bitmaps)(BlockDev *bs, BlkBitmap **list, int *count);
    int (*snapshot_create)(BlockDev *bs, const char *name);
    int (*snapshot_apply)(BlockDev *bs, const char *id_or_name);
    int (*snapshot_delete)(BlockDev *bs, const char *id_or_name);
    /* Read-only open: reads see snapshot (id, name; NULL: any) from now. */
    int (*snapshot_load)(BlockDev *bs, const char *id, const char *name);
    int (*bitmap_edit)(BlockDev *bs, const BlkBitmapEdit *ed);
    int (*bitmap_load)(BlockDev *bs, const char *name, uint8_t **bits,
                       uint64_t *nbits, uint32_t *granularity);
    /* The LUKS header of an encrypted image (NULL: not encrypted). */
    struct Luks *(*crypto)(BlockDev *bs);
    bool no_zero_init;      /* a new image does not read as zeroes */
} BlockDriver;

struct BlockDev {
    const BlockDriver *drv;
    char *filename;
    int fd;
    int dfd;                /* O_DIRECT descriptor (cache=none) or -1 */
    uint32_t dio_align;     /* its alignment of offsets, lengths, buffers */
    int flags;
    uint64_t size;          /* virtual size */
    BlockDev *backing;
    char *backing_name;     /* as recorded in the image */
    char *backing_fmt;
    char *key_secret;       /* secret id for an encrypted image */
    void *opaque;           /* driver state */
    struct BlkPool *pool;   /* worker threads (blk_get_pool), or NULL */
    bool pool_failed;
    char err[1024];
};

/* The image's worker pool (block/pool.h), started on first use; NULL
 * when no thread could be started (then work on the calling thread).
 * Used by one thread at a time: the one calling into this image. */
struct BlkPool *blk_get_pool(BlockDev *bs);

extern const BlockDriver blk_raw_driver;
extern const BlockDriver blk_qcow2_driver;
extern const BlockDriver blk_nbd_driver;

/*
 * The NBD client protocol (block/nbd.c) over any byte stream: the nbd
 * driver gives it a socket, the fuzz target a buffer of server bytes.
 * recv/send return 0 when all len bytes moved, -2 when the socket's
 * timeout expired, -1 otherwise. Every call
 * returns -1 with a message in err on failure; after a protocol
 * violation (dead) every call fails.
 */
typedef struct NbdClient {
    int (*recv)(void *ctx, void *buf, size_t len);
    int (*send)(void *ctx, const void *buf, size_t len);
    void *ctx;
    uint64_t size;          /* export size */
    uint16_t tflags;        /* transmission flags */
    uint32_t min_block;     /* power of two, at most 64 KiB */
    uint32_t max_payload;   /* largest read/write, at most 32 MiB */
    uint64_t handle;
    bool dead;
    bool lost;              /* dead because the connection broke (not a
                               protocol violation): may reconnect */
    bool structured;        /* NBD_OPT_STRUCTURED_REPLY was acknowledged */
    bool has_meta;          /* base:allocation was negotiated ... */
    uint32_t meta_id;       /* ... under this context id */
    unsigned timeout;       /* seconds, for messages (0: none) */
    /* The extents of the last block status reply, from ext_off on. */
    uint64_t ext_off;
    uint32_t ext_n;
    struct { uint32_t len, flags; } ext[1024];
    char err[512];
} NbdClient;
int nbd_client_handshake(NbdClient *c, const char *export_name);
int nbd_client_read(NbdClient *c, uint64_t off, void *buf, uint64_t len);
int nbd_client_write(NbdClient *c, uint64_t off, const void *buf,
                     uint64_t len);
int nbd_client_write_zeroes(NbdClient *c, uint64_t off, uint64_t len,
                            bool may_trim);
int nbd_client_trim(NbdClient *c, uint64_t off, uint64_t len);
int nbd_client_flush(NbdClient *c);
/* base:allocation of [off, off+len): the length of the first extent
 * (at most len) in *pnum and its NBD_STATE_HOLE/ZERO flags in *flags.
 * Without the context, everything is data. */
int nbd_client_block_status(NbdClient *c, uint64_t off, uint64_t len,
                            uint64_t *pnum, uint32_t *flags);
void nbd_client_disconnect(NbdClient *c);
/* nbd://, nbd+tcp:// or nbd+unix:// */
bool blk_is_nbd_url(const char *filename);

extern const BlockDriver blk_luks_driver;

/* The password bytes of bs->key_secret; `what` names the option in the
 * error ("key-secret", "encrypt.key-secret"). */
int blk_key_password(BlockDev *bs, const char *what, const uint8_t **pw,
                     size_t *len);

/* Sets bs->err (printf style); returns -1. */
int blk_set_error(BlockDev *bs, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* fdatasync of bs->fd: the flush of the file-based drivers. */
int blk_sync_file(BlockDev *bs);
/* Whole-buffer pread/pwrite on bs->fd: -1 with an error naming what. */
int blk_pread(BlockDev *bs, uint64_t off, void *buf, size_t len,
              const char *what);
int blk_pwrite(BlockDev *bs, uint64_t off, const void *buf, size_t len,
               const char *what);
/* Creates (or truncates) filename for a new image, read-write, with o's
 * extent size hint: the fd, or -1 with an error in err. */
int blk_create_file(const char *filename, const BlkCreateOpts *o, char *err,
                    size_t errlen);
/* Reads through the backing chain, zeroes past its end. */
int blk_read_backing(BlockDev *bs, uint64_t off, void *buf, size_t len);

#endif
