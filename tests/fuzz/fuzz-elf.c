/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the ELF parser must accept or reject any bytes with a
 * one-line reason, never read outside them (ASan watches), and whatever
 * it accepts must be self-consistent.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loader/loader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ElfImage img;
    char err[256];

    if (elf_parse(data, size, &img, err, sizeof(err)) < 0) {
        if (!err[0] || strchr(err, '\n'))
            abort(); /* every rejection explains itself on one line */
        return 0;
    }
    if (img.nsegs == 0 || (img.class_bits != 32 && img.class_bits != 64))
        abort();
    for (size_t i = 0; i < img.nsegs; i++) {
        const ElfSegment *s = &img.segs[i];
        if (s->filesz > s->memsz || s->memsz == 0 ||
            s->paddr + (s->memsz - 1) < s->paddr)
            abort();
        if (s->data < data || s->filesz > size ||
            (size_t)(s->data - data) > size - s->filesz)
            abort();
    }
    for (size_t i = 0; i < img.nsyms; i++)
        if (!img.syms[i].name || !img.syms[i].name[0])
            abort();
    elf_free(&img);
    return 0;
}
