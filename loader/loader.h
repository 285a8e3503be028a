/* SPDX-License-Identifier: MIT */
/*
 * Guest image loaders. Parsing is separate from placing the bytes, so the
 * parsers can be tested and fuzzed on buffers without a machine.
 */
#ifndef LOADER_LOADER_H
#define LOADER_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ElfSegment {
    uint64_t paddr;   /* where the bytes go (physical address) */
    uint64_t filesz;  /* bytes taken from the file ... */
    uint64_t memsz;   /* ... then zero-filled up to memsz */
    const uint8_t *data; /* points into the parsed buffer */
} ElfSegment;

typedef struct ElfSymbol {
    char *name;
    uint64_t value;
    uint64_t size;
} ElfSymbol;

typedef struct ElfImage {
    unsigned class_bits; /* 32 or 64 */
    bool big_endian;
    uint16_t machine;    /* e_machine: 243 RISC-V, 83 AVR */
    uint64_t entry;
    ElfSegment *segs;
    size_t nsegs;
    ElfSymbol *syms;
    size_t nsyms;
} ElfImage;

/*
 * Parses an ELF file held in buf (which must outlive the image). Returns 0,
 * or -1 with a one-line reason in err (no read ever leaves buf).
 */
int elf_parse(const uint8_t *buf, size_t len, ElfImage *img, char *err,
              size_t errlen);
void elf_free(ElfImage *img);

/* Intel HEX: contiguous runs of data records, in file order. */
typedef struct IhexChunk {
    uint64_t addr; /* from the record addresses and 02/04 base records */
    size_t len;
    uint8_t *data; /* owned by the image */
} IhexChunk;

typedef struct IhexImage {
    IhexChunk *chunks;
    size_t nchunks;
    uint64_t entry; /* from a 03 or 05 record, if has_entry */
    bool has_entry;
} IhexImage;

/*
 * Parses Intel HEX text in buf. Returns 0, or -1 with a one-line reason
 * (naming the line) in err. Free the image with ihex_free().
 */
int ihex_parse(const uint8_t *buf, size_t len, IhexImage *img, char *err,
               size_t errlen);
void ihex_free(IhexImage *img);

/*
 * Image placement since the last reset. loader_claim() accepts [addr,
 * addr+len) for a load named what ("prog.elf segment") only when it is
 * all RAM or ROM and overlaps nothing loaded before; 0, or -1 after a
 * message naming both sides. Boot sequences start with
 * loader_placements_clear(). loader_placement_find() gives the range of
 * the first load named what.
 */
int loader_claim(const char *what, uint64_t addr, uint64_t len);
void loader_placements_clear(void);
bool loader_placement_find(const char *what, uint64_t *lo, uint64_t *hi);

/*
 * True when buf starts like an Intel HEX file: optional blank lines, then
 * a record (':' and hex digits, at least 11 characters).
 */
bool ihex_detect(const uint8_t *buf, size_t len);

/* Symbols of every loaded image, for tessera_symbol_lookup(). */
void loader_symbols_add(const ElfImage *img);
bool loader_symbol_lookup(const char *name, uint64_t *value);
void loader_symbols_clear(void);

#endif
