/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the NBD server's option and request parser. The input is
 * everything a client sends on one connection (handshake, options,
 * requests with their payloads); the server's answers are dropped. The
 * export is a 4 MiB raw image (created once) with a dirty bitmap, so
 * that reads, writes, trims, zeroes and both block status contexts run.
 * Nothing may crash (ASan/UBSan watch), hang or touch the image outside
 * its size.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "block/block.h"
#include "nbd/nbd-server.h"
#include "tests/fuzz/fuzz-stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define IMG_SIZE (4u << 20)

static NbdExport ex;
static char path[] = "/tmp/fuzz-nbd.XXXXXX";

static void cleanup(void)
{
    unlink(path);
}

static int setup(void)
{
    int fd = mkstemp(path);
    if (fd < 0 || ftruncate(fd, IMG_SIZE) < 0)
        return -1;
    close(fd);
    atexit(cleanup);
    char err[1024];
    ex.bs = blk_open(path, "raw", BLK_O_RDWR, err, sizeof(err));
    if (!ex.bs) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    ex.name = "";
    ex.description = "fuzz";
    ex.discard_unmap = true;
    ex.detect_zeroes = NBD_DZ_UNMAP;
    ex.alloc_depth = true;
    ex.bitmap_name = "b0";
    ex.bitmap_gran = 65536;
    ex.bitmap_bits = IMG_SIZE / 65536;
    ex.bitmap = calloc(ex.bitmap_bits / 8, 1);
    pthread_mutex_init(&ex.lock, NULL);
    return ex.bitmap ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        if (setup() < 0)
            abort();
        ready = 1;
    }
    /* The first byte picks read-only or read-write. */
    ex.read_only = size && (data[0] & 1);
    FuzzInput in = {data + (size ? 1 : 0), size ? size - 1 : 0};
    NbdStream st = {fuzz_recv, fuzz_send, &in};
    nbd_serve(&ex, &st);
    struct stat sb;
    if (stat(path, &sb) < 0 || sb.st_size != IMG_SIZE)
        abort(); /* the image grew or vanished */
    return 0;
}
