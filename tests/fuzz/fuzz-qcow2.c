/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the qcow2 header and metadata parser. The input is an
 * image file; it is opened read-write through the block library, read,
 * mapped, checked and written to. Every rejection must be one line
 * naming the file; nothing may crash (ASan/UBSan watch), hang, or grow
 * the file by more than the clusters the writes may allocate.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "block/block.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one_line(const char *msg)
{
    if (!msg[0] || strchr(msg, '\n'))
        abort(); /* every error explains itself on one line */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[] = "/tmp/fuzz-qcow2.XXXXXX";
    char err[1024];
    int fd = mkstemp(path);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        unlink(path);
        return 0;
    }
    close(fd);
    char hdr_err[512];
    blk_qcow2_probe_header(data, size, hdr_err, sizeof(hdr_err));
    BlockDev *bs = blk_open(path, "qcow2", BLK_O_RDWR | BLK_O_NO_BACKING,
                            err, sizeof(err));
    if (!bs) {
        one_line(err);
        unlink(path);
        return 0;
    }
    uint64_t vsize = blk_size(bs);
    uint64_t n = vsize < (4u << 20) ? vsize : (4u << 20);
    uint8_t *buf = malloc(n ? n : 1);
    if (buf && blk_read(bs, 0, buf, n) < 0)
        one_line(blk_error(bs));
    uint64_t off = 0, pnum;
    BlkStatus st;
    for (int i = 0; i < 64 && off < vsize; i++, off += pnum) {
        if (blk_block_status(bs, off, vsize - off, &pnum, &st) < 0) {
            one_line(blk_error(bs));
            break;
        }
        if (pnum == 0 || pnum > vsize - off)
            abort();
    }
    BlkCheckResult res;
    FILE *saved = stderr;
    stderr = fopen("/dev/null", "w"); /* check lists what it finds */
    if (stderr && blk_check(bs, 0, &res) < 0)
        one_line(blk_error(bs));
    if (stderr)
        fclose(stderr);
    stderr = saved;
    /* Writes: a few clusters at most, so the file may grow only so much. */
    uint32_t cs = blk_cluster_size(bs);
    static const uint8_t pattern[8192] = { 1, 2, 3 };
    uint64_t targets[3] = { 0, vsize / 2, vsize ? vsize - 1 : 0 };
    int writes = 0;
    for (int i = 0; i < 3 && vsize; i++) {
        uint64_t at = targets[i];
        size_t len = vsize - at < sizeof(pattern) ? (size_t)(vsize - at)
                                                  : sizeof(pattern);
        writes++;
        if (blk_write(bs, at, pattern, len) < 0) {
            one_line(blk_error(bs));
            break;
        }
    }
    if (vsize && blk_write_zeroes(bs, 0, vsize < 65536 ? vsize : 65536) < 0)
        one_line(blk_error(bs));
    if (vsize && blk_discard(bs, 0, vsize < 65536 ? vsize : 65536) < 0)
        one_line(blk_error(bs));
    blk_close(bs);
    struct stat sb;
    /* Each write may take a data cluster, an L2 table, a refcount block
     * and a bigger refcount table (at most 8 MiB). */
    if (stat(path, &sb) == 0 &&
        (uint64_t)sb.st_size > size + (uint64_t)(writes + 2) * 8 * cs +
                               (9u << 20))
        abort();
    /* Internal snapshots: create, apply, delete (ours and the image's
     * first). They copy the L1 table (at most 32 MiB) and the snapshot
     * table, and may give clusters inside the file refcount blocks. */
    uint64_t before = (uint64_t)sb.st_size;
    bs = blk_open(path, "qcow2", BLK_O_RDWR | BLK_O_NO_BACKING, err,
                  sizeof(err));
    if (bs) {
        if (blk_snapshot_apply(bs, "1") < 0)
            one_line(blk_error(bs));
        if (blk_snapshot_create(bs, "fuzz") < 0)
            one_line(blk_error(bs));
        else if (blk_snapshot_apply(bs, "fuzz") < 0 ||
                 blk_snapshot_delete(bs, "fuzz") < 0)
            one_line(blk_error(bs));
        if (blk_snapshot_delete(bs, "1") < 0)
            one_line(blk_error(bs));
        blk_close(bs);
        if (stat(path, &sb) == 0 &&
            (uint64_t)sb.st_size > 2 * before + (80u << 20))
            abort();
    }
    free(buf);
    unlink(path);
    return 0;
}
