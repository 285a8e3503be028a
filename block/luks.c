/* SPDX-License-Identifier: MIT */
/*
 * The luks format: a LUKS1 header and keyslots at the start of the file,
 * then the payload, each 512-byte sector encrypted with the master key
 * and its sector number (from the payload start) as IV, as qemu-img and
 * cryptsetup write it. As with qemu-img, a new image is not zeroed: its
 * payload is a hole, which reads as noise (blk_zero_init is false, so
 * convert writes zeroes explicitly).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "block/block-int.h"
#include "block/crypto.h"

#define BOUNCE (1u << 20)

typedef struct LuksDev {
    Luks luks;
    uint64_t payload;     /* bytes */
    uint8_t *bounce;      /* BOUNCE bytes */
} LuksDev;

static int fd_io(void *opaque, bool write, uint64_t off, void *buf,
                 size_t len)
{
    BlockDev *bs = opaque;
    return write ? blk_pwrite(bs, off, buf, len, "LUKS header")
                 : blk_pread(bs, off, buf, len, "LUKS header");
}

static int luks_probe(const uint8_t *buf, size_t len)
{
    return len >= 6 && !memcmp(buf, "LUKS\xba\xbe", 6) ? 100 : 0;
}

/* The password of a key secret (errors name the option as QEMU does). */
int blk_key_password(BlockDev *bs, const char *what, const uint8_t **pw,
                     size_t *len);
int blk_key_password(BlockDev *bs, const char *what, const uint8_t **pw,
                     size_t *len)
{
    if (!bs->key_secret)
        return blk_set_error(bs, "%s: Parameter '%s' is required for cipher",
                             bs->filename, what);
    *pw = blk_secret_get(bs->key_secret, len);
    if (!*pw)
        return blk_set_error(bs, "%s: No secret with id '%s'", bs->filename,
                             bs->key_secret);
    return 0;
}

static int luks_open(BlockDev *bs, int flags)
{
    LuksDev *d = calloc(1, sizeof(*d));
    if (!d)
        return blk_set_error(bs, "%s: out of memory", bs->filename);
    bs->opaque = d;
    d->bounce = malloc(BOUNCE);
    if (!d->bounce)
        return blk_set_error(bs, "%s: out of memory", bs->filename);
    uint8_t hdr[LUKS_HDR_SIZE];
    struct stat st;
    if (fstat(bs->fd, &st) < 0)
        return blk_set_error(bs, "%s: %s", bs->filename, strerror(errno));
    if ((uint64_t)st.st_size < LUKS_HDR_SIZE)
        return blk_set_error(bs, "%s: not a LUKS image (file too short)",
                             bs->filename);
    if (blk_pread(bs, 0, hdr, sizeof(hdr), "LUKS header") < 0)
        return -1;
    d->luks.io = fd_io;
    d->luks.io_opaque = bs;
    char err[512];
    if (luks_parse(&d->luks, hdr, sizeof(hdr), 0, 0, err, sizeof(err)) < 0)
        return blk_set_error(bs, "%s: %s", bs->filename, err);
    d->payload = (uint64_t)d->luks.payload_offset * LUKS_SECTOR;
    if ((uint64_t)st.st_size < d->payload)
        return blk_set_error(bs, "%s: LUKS payload offset %llu is past the "
                             "end of the file (%llu bytes)", bs->filename,
                             (unsigned long long)d->payload,
                             (unsigned long long)st.st_size);
    bs->size = ((uint64_t)st.st_size - d->payload) & ~(uint64_t)511;
    if (flags & BLK_O_NO_KEY)
        return 0;
    const uint8_t *pw;
    size_t pwlen;
    if (blk_key_password(bs, "key-secret", &pw, &pwlen) < 0)
        return -1;
    if (luks_unlock(&d->luks, pw, pwlen, -1, NULL, err, sizeof(err)) < 0)
        return blk_set_error(bs, "%s: %s", bs->filename, err);
    return 0;
}

static void luks_close(BlockDev *bs)
{
    LuksDev *d = bs->opaque;
    free(d->bounce);
    memset(d, 0, sizeof(*d));
    free(d);
    bs->opaque = NULL;
}

static int need_key(BlockDev *bs)
{
    LuksDev *d = bs->opaque;
    if (!d->luks.have_key)
        return blk_set_error(bs, "%s: image was opened without its key "
                             "(key-secret)", bs->filename);
    return 0;
}

static int luks_read(BlockDev *bs, uint64_t off, void *buf, size_t len)
{
    LuksDev *d = bs->opaque;
    uint8_t *p = buf;
    if (need_key(bs) < 0)
        return -1;
    while (len) {
        uint64_t s0 = off & ~511ull;
        uint64_t in = off - s0;
        size_t n = BOUNCE - in < len ? BOUNCE - (size_t)in : len;
        size_t span = (size_t)((in + n + 511) & ~511ull);
        if (blk_pread(bs, d->payload + s0, d->bounce, span, "data") < 0)
            return -1;
        luks_decrypt(&d->luks, s0 / LUKS_SECTOR, d->bounce, span);
        memcpy(p, d->bounce + in, n);
        p += n;
        off += n;
        len -= n;
    }
    return 0;
}

/* Writes len bytes at off; data NULL writes zeroes. */
static int luks_write_data(BlockDev *bs, uint64_t off, const uint8_t *data,
                           uint64_t len)
{
    LuksDev *d = bs->opaque;
    if (need_key(bs) < 0)
        return -1;
    while (len) {
        uint64_t s0 = off & ~511ull;
        uint64_t in = off - s0;
        size_t n = BOUNCE - in < len ? BOUNCE - (size_t)in : (size_t)len;
        size_t span = (size_t)((in + n + 511) & ~511ull);
        /* Partial sectors at either end: read them first. */
        if (in || (n & 511)) {
            if (blk_pread(bs, d->payload + s0, d->bounce, span, "data") < 0)
                return -1;
            luks_decrypt(&d->luks, s0 / LUKS_SECTOR, d->bounce, span);
        }
        if (data)
            memcpy(d->bounce + in, data, n);
        else
            memset(d->bounce + in, 0, n);
        luks_encrypt(&d->luks, s0 / LUKS_SECTOR, d->bounce, span);
        if (blk_pwrite(bs, d->payload + s0, d->bounce, span, "data") < 0)
            return -1;
        if (data)
            data += n;
        off += n;
        len -= n;
    }
    return 0;
}

static int luks_write(BlockDev *bs, uint64_t off, const void *buf, size_t len)
{
    return luks_write_data(bs, off, buf, len);
}

/* Zeroes must be written encrypted: a hole reads as noise. */
static int luks_write_zeroes(BlockDev *bs, uint64_t off, uint64_t len)
{
    return luks_write_data(bs, off, NULL, len);
}

/* Discard is advisory; punching holes would turn data into noise. */
static int luks_discard(BlockDev *bs, uint64_t off, uint64_t len)
{
    (void)bs;
    (void)off;
    (void)len;
    return 0;
}

static int luks_resize(BlockDev *bs, uint64_t size)
{
    LuksDev *d = bs->opaque;
    uint64_t old = bs->size;
    if (size % 512)
        return blk_set_error(bs, "%s: LUKS image size %llu is not a "
                             "multiple of 512", bs->filename,
                             (unsigned long long)size);
    if (size > old && need_key(bs) < 0)
        return -1;
    if (ftruncate(bs->fd, (off_t)(d->payload + size)) < 0)
        return blk_set_error(bs, "%s: cannot resize: %s", bs->filename,
                             strerror(errno));
    bs->size = size;
    if (size > old)
        return luks_write_zeroes(bs, old, size - old);
    return 0;
}

static int luks_status(BlockDev *bs, uint64_t off, uint64_t len,
                       uint64_t *pnum, BlkStatus *st)
{
    (void)bs;
    (void)off;
    *pnum = len;
    st->flags = BLK_ST_DATA | BLK_ST_ALLOCATED;
    return 0;
}

static void luks_info(const BlockDev *bs, BlkInfo *info)
{
    const LuksDev *d = bs->opaque;
    info->encrypted = true;
    info->has_luks = true;
    luks_get_info(&d->luks, &info->luks);
}

static Luks *luks_crypto(BlockDev *bs)
{
    LuksDev *d = bs->opaque;
    return &d->luks;
}

static int luks_create(const char *filename, const BlkCreateOpts *o,
                       char *err, size_t errlen)
{
    if (!o->key_secret) {
        snprintf(err, errlen, "%s: Parameter 'key-secret' is required for "
                 "cipher", filename);
        return -1;
    }
    size_t pwlen;
    const uint8_t *pw = blk_secret_get(o->key_secret, &pwlen);
    if (!pw) {
        snprintf(err, errlen, "%s: No secret with id '%s'", filename,
                 o->key_secret);
        return -1;
    }
    LuksParams p = { o->cipher_alg, o->cipher_mode, o->ivgen_alg, o->hash_alg,
                     o->iter_time };
    uint64_t hdr, size = (o->size + 511) & ~511ull;
    char e[512];
    if (luks_layout_size(&p, &hdr, e, sizeof(e)) < 0) {
        snprintf(err, errlen, "%s: %s", filename, e);
        return -1;
    }
    int fd = blk_create_file(filename, o, err, errlen);
    if (fd < 0)
        return -1;
    BlockDev tmp = { .fd = fd, .filename = (char *)filename };
    Luks *l = calloc(1, sizeof(*l));
    int r = -1;
    if (!l) {
        snprintf(err, errlen, "%s: out of memory", filename);
        goto out;
    }
    l->io = fd_io;
    l->io_opaque = &tmp;
    if (luks_format(l, &p, pw, pwlen, e, sizeof(e)) < 0) {
        snprintf(err, errlen, "%s: %s", filename, *tmp.err ? tmp.err : e);
        goto out;
    }
    if (ftruncate(fd, (off_t)(hdr + size)) < 0) {
        snprintf(err, errlen, "%s: cannot resize: %s", filename,
                 strerror(errno));
        goto out;
    }
    r = 0;
out:
    free(l);
    if (fsync(fd) < 0 && r == 0) {
        snprintf(err, errlen, "%s: fsync: %s", filename, strerror(errno));
        r = -1;
    }
    close(fd);
    return r;
}

const BlockDriver blk_luks_driver = {
    .name = "luks",
    .probe = luks_probe,
    .create = luks_create,
    .open = luks_open,
    .close = luks_close,
    .read = luks_read,
    .write = luks_write,
    .write_zeroes = luks_write_zeroes,
    .discard = luks_discard,
    .flush = blk_sync_file,
    .resize = luks_resize,
    .status = luks_status,
    .info = luks_info,
    .crypto = luks_crypto,
    .no_zero_init = true,
};
