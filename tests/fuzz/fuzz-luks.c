/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the LUKS1 header parser and keyslot unlocking. The input
 * is a luks image: its header is parsed and unlocked from memory, then
 * the file is opened through the block library without a key (info) and
 * with a password, read and written. PBKDF2 iteration counts are capped
 * low so that no input makes a run slow; a rejection must be one line.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
    static bool init;
    char err[1024];
    if (!init) {
        blk_luks_set_max_iters(5000);
        if (blk_object_add("secret,id=fz,data=fuzz", err, sizeof(err)) < 0)
            abort();
        init = true;
    }
    if (blk_luks_probe_header(data, size, 5000, err, sizeof(err)) < 0)
        one_line(err);
    char path[] = "/tmp/fuzz-luks.XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        unlink(path);
        return 0;
    }
    close(fd);
    BlockDev *bs = blk_open(path, "luks", BLK_O_NO_KEY, err, sizeof(err));
    if (!bs) {
        one_line(err);
    } else {
        BlkInfo in;
        blk_info(bs, &in);
        if (!in.has_luks || blk_read(bs, 0, err, 1) == 0)
            abort(); /* no key: no data */
        blk_close(bs);
    }
    bs = blk_open_key(path, "luks", BLK_O_RDWR, "fz", err, sizeof(err));
    if (!bs) {
        one_line(err);
    } else {
        uint8_t buf[4096];
        uint64_t n = blk_size(bs) < sizeof(buf) ? blk_size(bs) : sizeof(buf);
        if (blk_read(bs, 0, buf, n) < 0)
            one_line(blk_error(bs));
        if (n > 3 && blk_write(bs, 1, buf, n - 3) < 0)
            one_line(blk_error(bs));
        blk_close(bs);
    }
    unlink(path);
    return 0;
}
