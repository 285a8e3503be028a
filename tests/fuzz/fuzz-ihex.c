/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the Intel HEX parser must accept or reject any bytes with
 * a one-line reason, never read outside them (ASan watches), and what it
 * accepts must be self-consistent.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loader/loader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    IhexImage img;
    char err[256];
    size_t total = 0;

    if (ihex_parse(data, size, &img, err, sizeof(err)) < 0) {
        if (!err[0] || strchr(err, '\n'))
            abort(); /* every rejection explains itself on one line */
        if (img.chunks || img.nchunks)
            abort(); /* and leaves nothing behind */
        return 0;
    }
    for (size_t i = 0; i < img.nchunks; i++) {
        if (!img.chunks[i].len || !img.chunks[i].data)
            abort();
        total += img.chunks[i].len;
    }
    /* Each data byte takes two characters of input. */
    if (total > size / 2)
        abort();
    ihex_free(&img);
    return 0;
}
