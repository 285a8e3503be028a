/* SPDX-License-Identifier: MIT */
/*
 * Block library front end: format probing, opening the backing chain,
 * argument checks and dispatch to the format drivers.
 */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/fs.h>

#include "block/block-int.h"
#include "block/crypto.h"
#include "block/pool.h"

#define MAX_BACKING_DEPTH 32

static const BlockDriver *drivers[] = { &blk_qcow2_driver, &blk_luks_driver,
                                        &blk_raw_driver };

static const BlockDriver *find_driver(const char *name)
{
    for (size_t i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++)
        if (!strcmp(drivers[i]->name, name))
            return drivers[i];
    return NULL;
}

int blk_set_error(BlockDev *bs, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(bs->err, sizeof(bs->err), fmt, ap);
    va_end(ap);
    return -1;
}

/*
 * cache=none: accesses whose offset and length are multiples of
 * dio_align go to the O_DIRECT descriptor (through an aligned bounce
 * buffer when the caller's is not aligned); the rest (qcow2's metadata
 * entries, partial blocks) to the buffered one, which Linux keeps
 * coherent with direct I/O. 1 when done, 0 when not direct, -1 on error.
 */
static int direct_io(BlockDev *bs, uint64_t off, void *buf, size_t len,
                     bool write)
{
    if (bs->dfd < 0 || !len || ((off | len) & (bs->dio_align - 1)))
        return 0;
    void *b = buf;
    if ((uintptr_t)buf & (bs->dio_align - 1)) {
        if (posix_memalign(&b, 4096, len))
            return 0;
        if (write)
            memcpy(b, buf, len);
    }
    size_t done = 0;
    while (done < len) {
        ssize_t n = write ? pwrite(bs->dfd, (uint8_t *)b + done, len - done,
                                   (off_t)(off + done))
                          : pread(bs->dfd, (uint8_t *)b + done, len - done,
                                  (off_t)(off + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EINVAL && done == 0 && bs->dio_align < 4096) {
            bs->dio_align = 4096; /* the device wants larger blocks */
            if (b != buf)
                free(b);
            return 0;
        }
        if (n < 0) {
            blk_set_error(bs, "%s: cannot %s at offset %llu (O_DIRECT): %s",
                          bs->filename, write ? "write" : "read",
                          (unsigned long long)(off + done), strerror(errno));
            if (b != buf)
                free(b);
            return -1;
        }
        if (n == 0) { /* end of file */
            if (write) {
                blk_set_error(bs, "%s: no progress writing at %llu",
                              bs->filename, (unsigned long long)(off + done));
                if (b != buf)
                    free(b);
                return -1;
            }
            memset((uint8_t *)b + done, 0, len - done);
            break;
        }
        done += (size_t)n;
    }
    if (b != buf) {
        if (!write)
            memcpy(buf, b, len);
        free(b);
    }
    return 1;
}

BlkPool *blk_get_pool(BlockDev *bs)
{
    if (!bs->pool && !bs->pool_failed) {
        bs->pool = blk_pool_new(0);
        bs->pool_failed = !bs->pool;
    }
    return bs->pool;
}

/*
 * Big reads and writes (a convert's 4 MiB chunks, a qcow2 run of new
 * clusters) are cut into 1 MiB pieces that the image's worker threads
 * move at once, as qemu-img's thread pool does: the copies between the
 * page cache and the buffer then use every core. The call returns when
 * all pieces are done, so the ordering of metadata writes is unchanged.
 */
#define PAR_PIECE (1u << 20)

typedef struct ParIo {
    int fd;
    bool write;
    uint8_t *buf;
    uint64_t off;
    size_t len;
    int *err;                 /* per piece: errno, or -1 for no progress */
} ParIo;

static void par_item(void *ctx, size_t i, int slot)
{
    ParIo *j = ctx;
    (void)slot;
    uint64_t a = (uint64_t)i * PAR_PIECE;
    size_t len = j->len - a < PAR_PIECE ? (size_t)(j->len - a) : PAR_PIECE;
    uint8_t *p = j->buf + a;
    off_t off = (off_t)(j->off + a);
    j->err[i] = 0;
    while (len) {
        ssize_t n = j->write ? pwrite(j->fd, p, len, off)
                             : pread(j->fd, p, len, off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            j->err[i] = errno;
            return;
        }
        if (n == 0) {
            if (j->write) {
                j->err[i] = -1;
                return;
            }
            memset(p, 0, len); /* past the end of the file: zeroes */
            return;
        }
        p += n;
        off += n;
        len -= (size_t)n;
    }
}

/* 1: done on the pool, 0: not big enough (or no pool), -1: error. */
static int par_io(BlockDev *bs, uint64_t off, void *buf, size_t len,
                  bool write, const char *what)
{
    if (len < 2 * PAR_PIECE)
        return 0;
    BlkPool *pool = blk_get_pool(bs);
    if (!pool || blk_pool_slots(pool) < 2)
        return 0;
    size_t n = (len + PAR_PIECE - 1) / PAR_PIECE;
    int err[64];
    if (n > sizeof(err) / sizeof(err[0]))
        return 0;
    ParIo j = { .fd = bs->fd, .write = write, .buf = buf, .off = off,
                .len = len, .err = err };
    blk_pool_run(pool, n, par_item, &j);
    for (size_t i = 0; i < n; i++)
        if (err[i])
            return blk_set_error(bs, "%s: cannot %s %s at offset %llu: %s",
                                 bs->filename, write ? "write" : "read", what,
                                 (unsigned long long)(off + i * PAR_PIECE),
                                 err[i] < 0 ? "no progress"
                                            : strerror(err[i]));
    return 1;
}

int blk_pread(BlockDev *bs, uint64_t off, void *buf, size_t len,
              const char *what)
{
    int d = direct_io(bs, off, buf, len, false);
    if (d)
        return d < 0 ? -1 : 0;
    d = par_io(bs, off, buf, len, false, what);
    if (d)
        return d < 0 ? -1 : 0;
    uint8_t *p = buf;
    while (len) {
        ssize_t n = pread(bs->fd, p, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return blk_set_error(bs, "%s: cannot read %s at offset %llu: %s",
                                 bs->filename, what,
                                 (unsigned long long)off, strerror(errno));
        if (n == 0) { /* past the end of the file: zeroes */
            memset(p, 0, len);
            return 0;
        }
        p += n;
        off += n;
        len -= n;
    }
    return 0;
}

/*
 * Crash testing: with TESSERA_BLK_CRASH_AFTER=N in the environment, the
 * process kills itself with SIGKILL just before its N-th write to any
 * image, so tests can stop it at every point of the metadata order.
 */
static uint64_t write_count, crash_after;
static bool crash_read;

uint64_t blk_debug_write_count(void)
{
    return write_count;
}

static void crash_point(void)
{
    if (!crash_read) {
        const char *e = getenv("TESSERA_BLK_CRASH_AFTER");
        crash_after = e ? strtoull(e, NULL, 10) : 0;
        crash_read = true;
    }
    if (++write_count == crash_after)
        kill(getpid(), SIGKILL);
}

int blk_pwrite(BlockDev *bs, uint64_t off, const void *buf, size_t len,
               const char *what)
{
    const uint8_t *p = buf;
    crash_point();
    int d = direct_io(bs, off, (void *)buf, len, true);
    if (d)
        return d < 0 ? -1 : 0;
    d = par_io(bs, off, (void *)buf, len, true, what);
    if (d)
        return d < 0 ? -1 : 0;
    while (len) {
        ssize_t n = pwrite(bs->fd, p, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return blk_set_error(bs, "%s: cannot write %s at offset %llu: %s",
                                 bs->filename, what,
                                 (unsigned long long)off,
                                 n < 0 ? strerror(errno) : "no progress");
        p += n;
        off += n;
        len -= n;
    }
    return 0;
}

static void copy_error(char *err, size_t errlen, const char *msg)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", msg);
}

static const BlockDriver *probe(const char *filename, char *err,
                                size_t errlen)
{
    uint8_t buf[512];
    int fd = open(filename, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot open: %s", filename,
                 strerror(errno));
        return NULL;
    }
    ssize_t n = pread(fd, buf, sizeof(buf), 0);
    close(fd);
    if (n < 0) {
        snprintf(err, errlen, "%s: cannot read: %s", filename,
                 strerror(errno));
        return NULL;
    }
    const BlockDriver *best = &blk_raw_driver;
    int score = 0;
    for (size_t i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++) {
        int s = drivers[i]->probe ? drivers[i]->probe(buf, (size_t)n) : 0;
        if (s > score) {
            score = s;
            best = drivers[i];
        }
    }
    return best;
}

/* The backing file name relative to the overlay's directory. */
static char *backing_path(const char *overlay, const char *backing)
{
    if (backing[0] == '/' || !strchr(overlay, '/'))
        return strdup(backing);
    size_t dirlen = (size_t)(strrchr(overlay, '/') - overlay) + 1;
    char *p = malloc(dirlen + strlen(backing) + 1);
    if (p) {
        memcpy(p, overlay, dirlen);
        strcpy(p + dirlen, backing);
    }
    return p;
}

char *blk_full_backing_name(const char *overlay, const char *backing)
{
    return backing_path(overlay, backing);
}

static BlockDev *open_depth(const char *filename, const char *fmt, int flags,
                            const char *const *keys, int nkeys, int depth,
                            char *err, size_t errlen)
{
    const char *key_secret = nkeys > 0 ? keys[0] : NULL;
    const BlockDriver *drv;
    if (depth > MAX_BACKING_DEPTH) {
        snprintf(err, errlen, "%s: backing chain deeper than %d images",
                 filename, MAX_BACKING_DEPTH);
        return NULL;
    }
    bool nbd = blk_is_nbd_url(filename);
    if (nbd) {
        /* A protocol: the export is a raw disk. */
        if (fmt && strcmp(fmt, "raw") && strcmp(fmt, "nbd")) {
            snprintf(err, errlen, "%s: format '%s' over NBD is not supported "
                     "(the export is used as a raw disk)", filename, fmt);
            return NULL;
        }
        drv = &blk_nbd_driver;
    } else if (fmt) {
        drv = find_driver(fmt);
        if (!drv) {
            snprintf(err, errlen, "%s: unknown format '%s' (known: raw, qcow2, luks)",
                     filename, fmt);
            return NULL;
        }
    } else {
        drv = probe(filename, err, errlen);
        if (!drv)
            return NULL;
    }
    BlockDev *bs = calloc(1, sizeof(*bs));
    if (!bs) {
        snprintf(err, errlen, "%s: out of memory", filename);
        return NULL;
    }
    bs->drv = drv;
    bs->flags = flags;
    bs->filename = strdup(filename);
    bs->dfd = -1;
    bs->key_secret = key_secret ? strdup(key_secret) : NULL;
    bs->fd = nbd ? -2 : open(filename, ((flags & BLK_O_RDWR) ? O_RDWR : O_RDONLY) |
                  O_CLOEXEC);
    if (bs->fd == -2) {
        bs->fd = -1; /* the driver connects */
    } else if (bs->fd < 0) {
        snprintf(err, errlen, "%s: cannot open%s: %s", filename,
                 (flags & BLK_O_RDWR) ? " for writing" : "", strerror(errno));
        free(bs->key_secret);
        free(bs->filename);
        free(bs);
        return NULL;
    }
    if ((flags & BLK_O_DIRECT) && !nbd) {
        bs->dio_align = 512;
        bs->dfd = open(filename, ((flags & BLK_O_RDWR) ? O_RDWR : O_RDONLY) |
                       O_CLOEXEC | O_DIRECT);
        if (bs->dfd < 0) {
            snprintf(err, errlen, "%s: cannot open with O_DIRECT (cache=none)"
                     ": %s", filename, strerror(errno));
            blk_close(bs);
            return NULL;
        }
    }
    if (drv->open(bs, flags) < 0) {
        copy_error(err, errlen, bs->err);
        blk_close(bs);
        return NULL;
    }
    if (bs->backing_name && !(flags & BLK_O_NO_BACKING)) {
        char *path = backing_path(filename, bs->backing_name);
        char berr[1024];
        if (!path) {
            snprintf(err, errlen, "%s: out of memory", filename);
            blk_close(bs);
            return NULL;
        }
        /* Backing files are read-only; an image opened without its key
         * (info) opens them without theirs. */
        bs->backing = open_depth(path, bs->backing_fmt,
                                 flags & BLK_O_NO_KEY, keys + (nkeys > 0),
                                 nkeys > 0 ? nkeys - 1 : 0, depth + 1,
                                 berr, sizeof(berr));
        if (!bs->backing) {
            snprintf(err, errlen, "%s: cannot open backing file: %.900s",
                     filename, berr);
            free(path);
            blk_close(bs);
            return NULL;
        }
        free(path);
    }
    return bs;
}

BlockDev *blk_open(const char *filename, const char *fmt, int flags,
                   char *err, size_t errlen)
{
    return blk_open_key(filename, fmt, flags, NULL, err, errlen);
}

BlockDev *blk_open_key(const char *filename, const char *fmt, int flags,
                       const char *key_secret, char *err, size_t errlen)
{
    return blk_open_keys(filename, fmt, flags, &key_secret, 1, err, errlen);
}

BlockDev *blk_open_keys(const char *filename, const char *fmt, int flags,
                        const char *const *keys, int nkeys, char *err,
                        size_t errlen)
{
    char buf[1024];
    BlockDev *bs = open_depth(filename, fmt, flags, keys, nkeys, 0, buf,
                              sizeof(buf));
    if (!bs)
        copy_error(err, errlen, buf);
    return bs;
}

/* Work a driver deferred (compressed writes in flight) is finished
 * before anything else touches the image; its error is this call's. */
static int settle(BlockDev *bs)
{
    return bs->drv && bs->opaque && bs->drv->drain ? bs->drv->drain(bs) : 0;
}

void blk_close(BlockDev *bs)
{
    if (!bs)
        return;
    if (bs->drv && bs->opaque && bs->drv->close)
        bs->drv->close(bs);
    if (bs->fd >= 0)
        close(bs->fd);
    if (bs->dfd >= 0)
        close(bs->dfd);
    blk_pool_free(bs->pool);
    blk_close(bs->backing);
    free(bs->backing_name);
    free(bs->backing_fmt);
    free(bs->key_secret);
    free(bs->filename);
    free(bs);
}

static int check_writable(BlockDev *bs);

bool blk_zero_init(const BlockDev *bs)
{
    return !bs->drv->no_zero_init;
}

int blk_luks_amend(BlockDev *bs, const BlkLuksAmend *a)
{
    if (settle(bs) < 0)
        return -1;
    if (check_writable(bs) < 0)
        return -1;
    Luks *l = bs->drv->crypto ? bs->drv->crypto(bs) : NULL;
    if (!l)
        return blk_set_error(bs, "%s: image is not encrypted with LUKS",
                             bs->filename);
    if (!l->have_key)
        return blk_set_error(bs, "%s: image was opened without its key",
                             bs->filename);
    char err[512];
    const uint8_t *pw;
    size_t pwlen;
    if (a->activate) {
        if (!a->new_secret)
            return blk_set_error(bs, "%s: 'new-secret' is required to "
                                 "activate a keyslot", bs->filename);
        pw = blk_secret_get(a->new_secret, &pwlen);
        if (!pw)
            return blk_set_error(bs, "%s: No secret with id '%s'",
                                 bs->filename, a->new_secret);
        if (luks_add_key(l, a->keyslot, pw, pwlen, a->iter_time, NULL, err,
                         sizeof(err)) < 0)
            return blk_set_error(bs, "%s: %s", bs->filename,
                                 *bs->err ? bs->err : err);
        return 0;
    }
    if (a->new_secret)
        return blk_set_error(bs, "%s: 'new-secret' must not be given when "
                             "erasing keyslots", bs->filename);
    bool erase[LUKS_SLOTS] = { false };
    int n = 0, active = 0;
    for (int i = 0; i < LUKS_SLOTS; i++)
        active += l->slot[i].active;
    if (a->keyslot >= 0) {
        if (a->keyslot >= LUKS_SLOTS)
            return blk_set_error(bs, "%s: Invalid keyslot %d specified, must "
                                 "be between 0 and %d", bs->filename,
                                 a->keyslot, LUKS_SLOTS - 1);
        if (!l->slot[a->keyslot].active)
            return blk_set_error(bs, "%s: Given keyslot %d is already erased "
                                 "(inactive) ", bs->filename, a->keyslot);
        if (a->old_secret) { /* both: that slot, if the password opens it */
            pw = blk_secret_get(a->old_secret, &pwlen);
            if (!pw)
                return blk_set_error(bs, "%s: No secret with id '%s'",
                                     bs->filename, a->old_secret);
            if (luks_unlock(l, pw, pwlen, a->keyslot, NULL, err,
                            sizeof(err)) < 0)
                return blk_set_error(bs, "%s: Given keyslot %d does not "
                                     "match the given password",
                                     bs->filename, a->keyslot);
        }
        erase[a->keyslot] = true;
        n = 1;
    } else if (a->old_secret) {
        pw = blk_secret_get(a->old_secret, &pwlen);
        if (!pw)
            return blk_set_error(bs, "%s: No secret with id '%s'",
                                 bs->filename, a->old_secret);
        for (int i = 0; i < LUKS_SLOTS; i++)
            if (l->slot[i].active &&
                luks_unlock(l, pw, pwlen, i, NULL, err, sizeof(err)) == 0) {
                erase[i] = true;
                n++;
            }
        if (!n)
            return blk_set_error(bs, "%s: No keyslots match given (old) "
                                 "password for erase operation",
                                 bs->filename);
    } else {
        return blk_set_error(bs, "%s: To erase keyslot(s), either explicit "
                             "keyslot index or the password currently "
                             "contained in them must be given", bs->filename);
    }
    if (n == active && !a->force) {
        char which[16] = "keyslots";
        for (int i = 0; i < LUKS_SLOTS && n == 1; i++)
            if (erase[i])
                snprintf(which, sizeof(which), "keyslot %d", i);
        return blk_set_error(bs, "%s: Attempt to erase the only active %s "
                             "which will erase all the data in the image "
                             "irreversibly - refusing operation (--force "
                             "erases anyway)", bs->filename, which);
    }
    for (int i = 0; i < LUKS_SLOTS; i++)
        if (erase[i] && luks_erase_slot(l, i, err, sizeof(err)) < 0)
            return blk_set_error(bs, "%s: %s", bs->filename,
                                 *bs->err ? bs->err : err);
    return 0;
}

int blk_create_file(const char *filename, const BlkCreateOpts *o, char *err,
                    size_t errlen)
{
    uint64_t hint = o->has_extent_size_hint ? o->extent_size_hint : 1 << 20;
    if (hint > UINT32_MAX) {
        snprintf(err, errlen, "%s: Extent size hint is too large "
                 "(extent_size_hint=%llu; at most 4294967295 bytes)",
                 filename, (unsigned long long)hint);
        return -1;
    }
    int fd = open(filename, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot create: %s", filename,
                 strerror(errno));
        return -1;
    }
    /* A hint only: file systems without extent size hints refuse it, and
     * the image works the same. */
    struct fsxattr attr;
    if (hint && ioctl(fd, FS_IOC_FSGETXATTR, &attr) == 0) {
        attr.fsx_xflags |= FS_XFLAG_EXTSIZE;
        attr.fsx_extsize = (uint32_t)hint;
        (void)ioctl(fd, FS_IOC_FSSETXATTR, &attr);
    }
    return fd;
}

int blk_create(const char *filename, const BlkCreateOpts *opts, char *err,
               size_t errlen)
{
    const char *fmt = opts->fmt ? opts->fmt : "raw";
    const BlockDriver *drv = blk_is_nbd_url(filename) ? &blk_nbd_driver
                                                      : find_driver(fmt);
    if (!drv) {
        snprintf(err, errlen, "%s: unknown format '%s' (known: raw, qcow2, luks)",
                 filename, fmt);
        return -1;
    }
    return drv->create(filename, opts, err, errlen);
}

int blk_luks_header_size(const BlkCreateOpts *o, uint64_t *bytes, char *err,
                         size_t errlen)
{
    bool luks = o->fmt && !strcmp(o->fmt, "luks");
    bool qcow2 = o->fmt && !strcmp(o->fmt, "qcow2") && o->encrypt_format &&
                 !strcmp(o->encrypt_format, "luks");
    size_t pwlen;
    *bytes = 0;
    if (!luks && !qcow2)
        return 0;
    if (!o->key_secret) {
        snprintf(err, errlen, "Parameter '%s' is required for cipher",
                 luks ? "key-secret" : "encrypt.key-secret");
        return -1;
    }
    if (!blk_secret_get(o->key_secret, &pwlen)) {
        snprintf(err, errlen, "No secret with id '%s'", o->key_secret);
        return -1;
    }
    LuksParams p = { o->cipher_alg, o->cipher_mode, o->ivgen_alg, o->hash_alg,
                     o->iter_time };
    return luks_layout_size(&p, bytes, err, errlen);
}

const char *blk_error(const BlockDev *bs) { return bs->err; }
const char *blk_filename(const BlockDev *bs) { return bs->filename; }
const char *blk_format(const BlockDev *bs) { return bs->drv->name; }
uint64_t blk_size(const BlockDev *bs) { return bs->size; }
BlockDev *blk_backing(const BlockDev *bs) { return bs->backing; }

void blk_info(const BlockDev *bs, BlkInfo *info)
{
    memset(info, 0, sizeof(*info));
    info->format = bs->drv->name;
    info->virtual_size = bs->size;
    info->backing_file = bs->backing_name;
    info->backing_fmt = bs->backing_fmt;
    if (bs->drv->info)
        bs->drv->info(bs, info);
}

uint64_t blk_actual_size(const BlockDev *bs)
{
    struct stat st;
    if (fstat(bs->fd, &st) < 0)
        return 0;
    return (uint64_t)st.st_blocks * 512;
}

uint32_t blk_cluster_size(const BlockDev *bs)
{
    BlkInfo info;
    blk_info(bs, &info);
    return info.cluster_size;
}

static int check_range(BlockDev *bs, uint64_t off, uint64_t len)
{
    if (off > bs->size || len > bs->size - off)
        return blk_set_error(bs, "%s: access at offset %llu length %llu is "
                             "past the end of the image (%llu bytes)",
                             bs->filename, (unsigned long long)off,
                             (unsigned long long)len,
                             (unsigned long long)bs->size);
    return 0;
}

static int check_writable(BlockDev *bs)
{
    if (!(bs->flags & BLK_O_RDWR))
        return blk_set_error(bs, "%s: image is opened read-only",
                             bs->filename);
    if (bs->flags & BLK_O_BITMAPS)
        return blk_set_error(bs, "%s: image is opened to edit its bitmaps "
                             "only", bs->filename);
    return 0;
}

int blk_read(BlockDev *bs, uint64_t off, void *buf, size_t len)
{
    if (settle(bs) < 0)
        return -1;
    if (check_range(bs, off, len) < 0)
        return -1;
    return bs->drv->read(bs, off, buf, len);
}

int blk_read_backing(BlockDev *bs, uint64_t off, void *buf, size_t len)
{
    BlockDev *b = bs->backing;
    if (!b) {
        memset(buf, 0, len);
        return 0;
    }
    size_t n = 0;
    if (off < b->size)
        n = b->size - off < len ? (size_t)(b->size - off) : len;
    if (n && b->drv->read(b, off, buf, n) < 0)
        return blk_set_error(bs, "%s", b->err);
    memset((uint8_t *)buf + n, 0, len - n);
    return 0;
}

/* cache=writethrough: every write is flushed before it completes. */
static int written(BlockDev *bs, int r)
{
    if (r < 0 || !(bs->flags & BLK_O_WRITETHROUGH))
        return r;
    return bs->drv->flush(bs);
}

int blk_write(BlockDev *bs, uint64_t off, const void *buf, size_t len)
{
    if (settle(bs) < 0)
        return -1;
    if (check_writable(bs) < 0 || check_range(bs, off, len) < 0)
        return -1;
    return written(bs, bs->drv->write(bs, off, buf, len));
}

int blk_write_zeroes(BlockDev *bs, uint64_t off, uint64_t len)
{
    if (settle(bs) < 0)
        return -1;
    if (check_writable(bs) < 0 || check_range(bs, off, len) < 0)
        return -1;
    return written(bs, bs->drv->write_zeroes(bs, off, len));
}

int blk_write_compressed_async(BlockDev *bs, uint64_t off, const void *buf,
                               size_t len, void (*done)(void *opaque),
                               void *opaque)
{
    int r = check_writable(bs) < 0 || check_range(bs, off, len) < 0 ? -1 : 0;
    if (r == 0 && !bs->drv->write_compressed)
        r = blk_set_error(bs, "%s: format %s does not support compression",
                          bs->filename, bs->drv->name);
    if (r < 0) {
        if (done)
            done(opaque);
        return -1;
    }
    r = bs->drv->write_compressed(bs, off, buf, len, done, opaque);
    if (r == 0 && (bs->flags & BLK_O_WRITETHROUGH))
        r = settle(bs);
    return r;
}

int blk_write_compressed(BlockDev *bs, uint64_t off, const void *buf,
                         size_t len)
{
    int r = blk_write_compressed_async(bs, off, buf, len, NULL, NULL);
    int d = settle(bs);
    return r < 0 ? r : d;
}

int blk_drain(BlockDev *bs)
{
    return settle(bs);
}

int blk_discard(BlockDev *bs, uint64_t off, uint64_t len)
{
    if (settle(bs) < 0)
        return -1;
    if (check_writable(bs) < 0 || check_range(bs, off, len) < 0)
        return -1;
    return bs->drv->discard(bs, off, len);
}

int blk_sync_file(BlockDev *bs)
{
    if (fdatasync(bs->fd) < 0)
        return blk_set_error(bs, "%s: fdatasync: %s", bs->filename,
                             strerror(errno));
    return 0;
}

int blk_flush(BlockDev *bs)
{
    if (settle(bs) < 0)
        return -1;
    if (!(bs->flags & BLK_O_RDWR) || (bs->flags & BLK_O_UNSAFE))
        return 0;
    return bs->drv->flush(bs);
}

int blk_resize(BlockDev *bs, uint64_t size, bool allow_shrink)
{
    if (settle(bs) < 0)
        return -1;
    if (check_writable(bs) < 0)
        return -1;
    if (size < bs->size && !allow_shrink)
        return blk_set_error(bs, "%s: shrinking from %llu to %llu bytes "
                             "needs --shrink (data past the new end is lost)",
                             bs->filename, (unsigned long long)bs->size,
                             (unsigned long long)size);
    return bs->drv->resize(bs, size);
}

int blk_block_status_layer(BlockDev *bs, uint64_t off, uint64_t len,
                           uint64_t *pnum, BlkStatus *st)
{
    if (settle(bs) < 0)
        return -1;
    memset(st, 0, sizeof(*st));
    st->filename = bs->filename;
    if (check_range(bs, off, len) < 0)
        return -1;
    if (len == 0) {
        *pnum = 0;
        return 0;
    }
    return bs->drv->status(bs, off, len, pnum, st);
}

int blk_block_status(BlockDev *bs, uint64_t off, uint64_t len,
                     uint64_t *pnum, BlkStatus *st)
{
    int depth = 0;
    BlockDev *cur = bs;
    for (;;) {
        if (blk_block_status_layer(cur, off, len, pnum, st) < 0) {
            if (cur != bs)
                blk_set_error(bs, "%s", cur->err);
            return -1;
        }
        st->depth = depth;
        if (st->flags & BLK_ST_ALLOCATED)
            return 0;
        if (!cur->backing) { /* unallocated at the bottom: zeroes */
            st->flags |= BLK_ST_ZERO;
            return 0;
        }
        len = *pnum;
        if (off >= cur->backing->size) { /* past the backing file: zeroes */
            st->flags = BLK_ST_ZERO;
            return 0;
        }
        if (len > cur->backing->size - off)
            len = cur->backing->size - off;
        cur = cur->backing;
        depth++;
    }
}

int blk_check(BlockDev *bs, int fix, BlkCheckResult *res)
{
    if (settle(bs) < 0)
        return -1;
    memset(res, 0, sizeof(*res));
    if (!bs->drv->check)
        return blk_set_error(bs, "%s: format '%s' does not support checks",
                             bs->filename, bs->drv->name);
    return bs->drv->check(bs, fix, res);
}

int blk_set_backing(BlockDev *bs, const char *backing, const char *fmt)
{
    if (settle(bs) < 0)
        return -1;
    if (check_writable(bs) < 0)
        return -1;
    if (!bs->drv->set_backing)
        return blk_set_error(bs, "%s: format '%s' has no backing files",
                             bs->filename, bs->drv->name);
    return bs->drv->set_backing(bs, backing, fmt);
}

int blk_snapshot_list(BlockDev *bs, BlkSnapshot **list, int *count)
{
    if (settle(bs) < 0)
        return -1;
    *list = NULL;
    *count = 0;
    if (!bs->drv->snapshots)
        return 0;
    return bs->drv->snapshots(bs, list, count);
}

void blk_snapshot_list_free(BlkSnapshot *list, int count)
{
    for (int i = 0; i < count; i++) {
        free(list[i].id);
        free(list[i].name);
    }
    free(list);
}

int blk_parse_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (!*s || *s == '-')
        return -1;
    double v = strtod(s, &end);
    if (errno || end == s || v < 0)
        return -1;
    double mult = 1;
    switch (*end) {
    case 'b': case 'B': end++; break;
    case 'k': case 'K': mult = 1024.0; end++; break;
    case 'm': case 'M': mult = 1024.0 * 1024; end++; break;
    case 'g': case 'G': mult = 1024.0 * 1024 * 1024; end++; break;
    case 't': case 'T': mult = 1024.0 * 1024 * 1024 * 1024; end++; break;
    case 'p': case 'P': mult = 1024.0 * 1024 * 1024 * 1024 * 1024; end++;
        break;
    case 'e': case 'E': mult = 1024.0 * 1024 * 1024 * 1024 * 1024 * 1024;
        end++; break;
    default: break;
    }
    if (*end)
        return -1;
    double r = v * mult;
    if (r >= 18446744073709551615.0)
        return -1;
    if (r != (double)(uint64_t)r) /* fractional bytes */
        return -1;
    *out = (uint64_t)r;
    return 0;
}

int blk_bitmap_list(BlockDev *bs, BlkBitmap **list, int *count)
{
    if (settle(bs) < 0)
        return -1;
    *list = NULL;
    *count = 0;
    if (!bs->drv->bitmaps)
        return 0;
    return bs->drv->bitmaps(bs, list, count);
}

void blk_bitmap_list_free(BlkBitmap *list, int count)
{
    for (int i = 0; i < count; i++)
        free(list[i].name);
    free(list);
}

int blk_bitmap_load(BlockDev *bs, const char *name, uint8_t **bits,
                    uint64_t *nbits, uint32_t *granularity)
{
    if (settle(bs) < 0)
        return -1;
    if (!bs->drv->bitmap_load)
        return blk_set_error(bs, "%s: %s images have no bitmaps",
                             bs->filename, bs->drv->name);
    return bs->drv->bitmap_load(bs, name, bits, nbits, granularity);
}

static int snapshot_op(BlockDev *bs, const char *arg,
                       int (*op)(BlockDev *, const char *))
{
    if (settle(bs) < 0)
        return -1;
    if (check_writable(bs) < 0)
        return -1;
    if (!op)
        return blk_set_error(bs, "%s: %s images have no internal snapshots",
                             bs->filename, bs->drv->name);
    return op(bs, arg);
}

int blk_snapshot_create(BlockDev *bs, const char *name)
{
    return snapshot_op(bs, name, bs->drv->snapshot_create);
}

int blk_snapshot_apply(BlockDev *bs, const char *id_or_name)
{
    return snapshot_op(bs, id_or_name, bs->drv->snapshot_apply);
}

int blk_snapshot_delete(BlockDev *bs, const char *id_or_name)
{
    return snapshot_op(bs, id_or_name, bs->drv->snapshot_delete);
}

int blk_snapshot_load(BlockDev *bs, const char *id, const char *name)
{
    if (settle(bs) < 0)
        return -1;
    if (bs->flags & BLK_O_RDWR)
        return blk_set_error(bs, "%s: a snapshot can only be loaded into an "
                             "image opened read-only", bs->filename);
    if (!bs->drv->snapshot_load)
        return blk_set_error(bs, "%s: %s images have no internal snapshots",
                             bs->filename, bs->drv->name);
    return bs->drv->snapshot_load(bs, id, name);
}

BlockDev *blk_open_temp_overlay(BlockDev *base, int flags, char *err,
                                size_t errlen)
{
    const char *dir = getenv("TMPDIR");
    char *path = NULL;
    BlockDev *ov = NULL;
    if (!dir || !*dir)
        dir = "/var/tmp"; /* big files, as QEMU's -snapshot */
    if (asprintf(&path, "%s/tessera-snapshot.XXXXXX", dir) < 0) {
        path = NULL;
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    int fd = mkstemp(path);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create a temporary overlay in %s: %s",
                 dir, strerror(errno));
        goto out;
    }
    close(fd);
    BlkCreateOpts o = {.fmt = "qcow2", .size = blk_size(base)};
    if (!o.size) /* qcow2 create takes 0 as "the backing file's size" */
        o.size = 512;
    if (blk_create(path, &o, err, errlen) == 0)
        ov = blk_open(path, "qcow2", BLK_O_RDWR | BLK_O_NO_BACKING | flags,
                      err, errlen);
    unlink(path);
    if (ov) {
        ov->size = blk_size(base);
        ov->backing = base;
        base = NULL;
    }
out:
    free(path);
    blk_close(base);
    return ov;
}

int blk_bitmap_edit(BlockDev *bs, const BlkBitmapEdit *ed)
{
    if (settle(bs) < 0)
        return -1;
    if (!(bs->flags & BLK_O_RDWR))
        return blk_set_error(bs, "%s: image is opened read-only",
                             bs->filename);
    if (!bs->drv->bitmap_edit)
        return blk_set_error(bs, "%s: %s images have no persistent bitmaps",
                             bs->filename, bs->drv->name);
    return bs->drv->bitmap_edit(bs, ed);
}
