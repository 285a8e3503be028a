/* SPDX-License-Identifier: MIT */
/* Raw images: the file is the disk. Holes read as zeroes. */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "block/block-int.h"

static int raw_probe(const uint8_t *buf, size_t len)
{
    return 1; /* anything is a raw image, as a last resort */
}

static int raw_create(const char *filename, const BlkCreateOpts *o,
                      char *err, size_t errlen)
{
    if (o->backing_file) {
        snprintf(err, errlen, "%s: raw images have no backing file",
                 filename);
        return -1;
    }
    int fd = blk_create_file(filename, o, err, errlen);
    if (fd < 0)
        return -1;
    if (ftruncate(fd, (off_t)o->size) < 0) {
        snprintf(err, errlen, "%s: cannot set size %llu: %s", filename,
                 (unsigned long long)o->size, strerror(errno));
        close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

static int raw_open(BlockDev *bs, int flags)
{
    struct stat st;
    if (fstat(bs->fd, &st) < 0)
        return blk_set_error(bs, "%s: %s", bs->filename, strerror(errno));
    if (S_ISBLK(st.st_mode)) {
        off_t end = lseek(bs->fd, 0, SEEK_END);
        if (end < 0)
            return blk_set_error(bs, "%s: %s", bs->filename, strerror(errno));
        bs->size = (uint64_t)end;
    } else {
        bs->size = (uint64_t)st.st_size;
    }
    bs->opaque = bs; /* nothing of its own */
    return 0;
}

static void raw_close(BlockDev *bs) { }

static int raw_read(BlockDev *bs, uint64_t off, void *buf, size_t len)
{
    return blk_pread(bs, off, buf, len, "data");
}

static int raw_write(BlockDev *bs, uint64_t off, const void *buf, size_t len)
{
    return blk_pwrite(bs, off, buf, len, "data");
}

static int raw_write_zeroes(BlockDev *bs, uint64_t off, uint64_t len)
{
    if (fallocate(bs->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                  (off_t)off, (off_t)len) == 0)
        return 0;
    static const uint8_t zero[65536];
    while (len) {
        size_t n = len < sizeof(zero) ? (size_t)len : sizeof(zero);
        if (blk_pwrite(bs, off, zero, n, "zeroes") < 0)
            return -1;
        off += n;
        len -= n;
    }
    return 0;
}

static int raw_discard(BlockDev *bs, uint64_t off, uint64_t len)
{
    /* Best effort: the range may keep its data if the file system
     * cannot punch holes. */
    if (fallocate(bs->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                  (off_t)off, (off_t)len) < 0 && errno != EOPNOTSUPP)
        return blk_set_error(bs, "%s: cannot discard %llu bytes at %llu: %s",
                             bs->filename, (unsigned long long)len,
                             (unsigned long long)off, strerror(errno));
    return 0;
}

static int raw_resize(BlockDev *bs, uint64_t size)
{
    if (ftruncate(bs->fd, (off_t)size) < 0)
        return blk_set_error(bs, "%s: cannot resize to %llu bytes: %s",
                             bs->filename, (unsigned long long)size,
                             strerror(errno));
    bs->size = size;
    return 0;
}

/* Data and holes, found with SEEK_DATA/SEEK_HOLE. */
static int raw_status(BlockDev *bs, uint64_t off, uint64_t len,
                      uint64_t *pnum, BlkStatus *st)
{
    st->flags = BLK_ST_ALLOCATED | BLK_ST_OFFSET;
    st->host_offset = off;
    off_t data = lseek(bs->fd, (off_t)off, SEEK_DATA);
    if (data < 0 && errno == ENXIO)
        data = (off_t)bs->size; /* only a hole up to the end */
    if (data < 0) { /* no SEEK_DATA: all data */
        st->flags |= BLK_ST_DATA;
        *pnum = len;
        return 0;
    }
    if ((uint64_t)data > off) {
        st->flags |= BLK_ST_ZERO;
        *pnum = (uint64_t)data - off < len ? (uint64_t)data - off : len;
        return 0;
    }
    off_t hole = lseek(bs->fd, (off_t)off, SEEK_HOLE);
    if (hole < 0 || (uint64_t)hole <= off)
        hole = (off_t)(off + len);
    st->flags |= BLK_ST_DATA;
    *pnum = (uint64_t)hole - off < len ? (uint64_t)hole - off : len;
    return 0;
}

const BlockDriver blk_raw_driver = {
    .name = "raw",
    .probe = raw_probe,
    .create = raw_create,
    .open = raw_open,
    .close = raw_close,
    .read = raw_read,
    .write = raw_write,
    .write_zeroes = raw_write_zeroes,
    .discard = raw_discard,
    .flush = blk_sync_file,
    .resize = raw_resize,
    .status = raw_status,
};
