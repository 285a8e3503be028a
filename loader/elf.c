/* SPDX-License-Identifier: MIT */
/*
 * ELF parser: ELF32 and ELF64, either byte order, read field by field so
 * that the host's layout and endianness never matter.
 *
 * The input is untrusted (a user's file, or a fuzzer's bytes): every
 * offset and size is checked against the buffer before it is used, with
 * sums written so that they cannot overflow. This file depends on libc
 * only, so the fuzz target and the unit tests can build it alone.
 */
#include "loader/loader.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EI_CLASS 4
#define EI_DATA 5
#define EI_VERSION 6
#define ELFCLASS32 1
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define ELFDATA2MSB 2

#define ET_REL 1
#define ET_EXEC 2
#define ET_DYN 3

#define PT_LOAD 1
#define PN_XNUM 0xffff

#define SHN_UNDEF 0
#define SHN_LORESERVE 0xff00
#define SHN_XINDEX 0xffff

#define SHT_SYMTAB 2
#define SHT_STRTAB 3
#define SHT_NOBITS 8
#define SHT_DYNSYM 11

#define STT_SECTION 3
#define STT_FILE 4

/* Sizes of the headers of each class. */
#define EHDR32_SIZE 52
#define EHDR64_SIZE 64
#define PHDR32_SIZE 32
#define PHDR64_SIZE 56
#define SHDR32_SIZE 40
#define SHDR64_SIZE 64
#define SYM32_SIZE 16
#define SYM64_SIZE 24

/* What the parser knows about the file while it walks it. */
typedef struct ElfReader {
    const uint8_t *buf;
    size_t len;
    bool is64;
    bool be;
    char *err;
    size_t errlen;
} ElfReader;

/* A section header, widened to 64 bits. */
typedef struct ElfShdr {
    uint32_t type;
    uint64_t offset;
    uint64_t size;
    uint32_t link;
    uint32_t info;
    uint64_t entsize;
} ElfShdr;

__attribute__((format(printf, 2, 3)))
static int elf_fail(ElfReader *r, const char *fmt, ...)
{
    va_list ap;

    if (r->errlen) {
        va_start(ap, fmt);
        vsnprintf(r->err, r->errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* Field readers. Callers have checked that the bytes lie inside buf. */
static uint64_t elf_get(const ElfReader *r, uint64_t off, unsigned size)
{
    const uint8_t *p = r->buf + off;
    uint64_t v = 0;

    for (unsigned i = 0; i < size; i++) {
        unsigned shift = r->be ? 8 * (size - 1 - i) : 8 * i;
        v |= (uint64_t)p[i] << shift;
    }
    return v;
}

static uint16_t elf_u16(const ElfReader *r, uint64_t off)
{
    return (uint16_t)elf_get(r, off, 2);
}

static uint32_t elf_u32(const ElfReader *r, uint64_t off)
{
    return (uint32_t)elf_get(r, off, 4);
}

/* An address-sized field: 4 bytes in ELF32, 8 in ELF64. */
static uint64_t elf_addr(const ElfReader *r, uint64_t off)
{
    return elf_get(r, off, r->is64 ? 8 : 4);
}

/* True when [off, off+size) lies inside the buffer; never overflows. */
static bool elf_in_file(const ElfReader *r, uint64_t off, uint64_t size)
{
    return off <= r->len && size <= r->len - off;
}

/* Checks a table of count entries of entsize bytes at off. */
static bool elf_table_in_file(const ElfReader *r, uint64_t off, uint64_t count,
                              uint64_t entsize)
{
    if (entsize && count > UINT64_MAX / entsize)
        return false;
    return elf_in_file(r, off, count * entsize);
}

static void elf_read_shdr(const ElfReader *r, uint64_t shoff,
                          uint64_t shentsize, uint64_t index, ElfShdr *sh)
{
    uint64_t o = shoff + index * shentsize; /* the table was checked */

    sh->type = elf_u32(r, o + 4);
    if (r->is64) {
        sh->offset = elf_get(r, o + 24, 8);
        sh->size = elf_get(r, o + 32, 8);
        sh->link = elf_u32(r, o + 40);
        sh->info = elf_u32(r, o + 44);
        sh->entsize = elf_get(r, o + 56, 8);
    } else {
        sh->offset = elf_u32(r, o + 16);
        sh->size = elf_u32(r, o + 20);
        sh->link = elf_u32(r, o + 24);
        sh->info = elf_u32(r, o + 28);
        sh->entsize = elf_u32(r, o + 36);
    }
}

static int elf_parse_segments(ElfReader *r, ElfImage *img, uint64_t phoff,
                              uint64_t phentsize, uint64_t phnum)
{
    unsigned need = r->is64 ? PHDR64_SIZE : PHDR32_SIZE;

    if (phnum == 0)
        return 0;
    if (phentsize < need)
        return elf_fail(r, "program header entry size %" PRIu64
                        " is smaller than %u", phentsize, need);
    if (!elf_table_in_file(r, phoff, phnum, phentsize))
        return elf_fail(r, "program header table (offset 0x%" PRIx64
                        ", %" PRIu64 " entries) lies outside the file",
                        phoff, phnum);

    img->segs = calloc(phnum, sizeof(*img->segs));
    if (!img->segs)
        return elf_fail(r, "out of memory");

    for (uint64_t i = 0; i < phnum; i++) {
        uint64_t o = phoff + i * phentsize;
        uint64_t offset, paddr, filesz, memsz;

        if (elf_u32(r, o) != PT_LOAD)
            continue;
        if (r->is64) {
            offset = elf_get(r, o + 8, 8);
            paddr = elf_get(r, o + 24, 8);
            filesz = elf_get(r, o + 32, 8);
            memsz = elf_get(r, o + 40, 8);
        } else {
            offset = elf_u32(r, o + 4);
            paddr = elf_u32(r, o + 12);
            filesz = elf_u32(r, o + 16);
            memsz = elf_u32(r, o + 20);
        }
        if (filesz > memsz)
            return elf_fail(r, "segment %" PRIu64 ": file size 0x%" PRIx64
                            " exceeds memory size 0x%" PRIx64, i, filesz,
                            memsz);
        if (!elf_in_file(r, offset, filesz))
            return elf_fail(r, "segment %" PRIu64 ": data (offset 0x%" PRIx64
                            ", size 0x%" PRIx64 ") lies outside the file",
                            i, offset, filesz);
        if (memsz == 0)
            continue;
        if (paddr + (memsz - 1) < paddr)
            return elf_fail(r, "segment %" PRIu64 ": address 0x%" PRIx64
                            " + size 0x%" PRIx64 " wraps around", i, paddr,
                            memsz);
        ElfSegment *s = &img->segs[img->nsegs++];
        s->paddr = paddr;
        s->filesz = filesz;
        s->memsz = memsz;
        s->data = r->buf + offset;
    }
    return 0;
}

/* Copies a NUL-terminated name out of a string table section. */
static int elf_string(ElfReader *r, const ElfShdr *strtab, uint64_t index,
                      char **out)
{
    if (index >= strtab->size)
        return elf_fail(r, "symbol name offset 0x%" PRIx64
                        " lies outside its string table", index);
    const char *s = (const char *)r->buf + strtab->offset + index;
    size_t max = strtab->size - index;
    size_t n = strnlen(s, max);
    if (n == max)
        return elf_fail(r, "string table is not NUL-terminated");
    *out = malloc(n + 1);
    if (!*out)
        return elf_fail(r, "out of memory");
    memcpy(*out, s, n + 1);
    return 0;
}

static int elf_parse_symtab(ElfReader *r, ElfImage *img, uint64_t shoff,
                            uint64_t shentsize, uint64_t shnum,
                            uint64_t symidx)
{
    unsigned need = r->is64 ? SYM64_SIZE : SYM32_SIZE;
    ElfShdr sym, str;

    elf_read_shdr(r, shoff, shentsize, symidx, &sym);
    if (sym.entsize < need)
        return elf_fail(r, "symbol table entry size %" PRIu64
                        " is smaller than %u", sym.entsize, need);
    if (!elf_in_file(r, sym.offset, sym.size))
        return elf_fail(r, "symbol table (offset 0x%" PRIx64 ", size 0x%"
                        PRIx64 ") lies outside the file", sym.offset,
                        sym.size);
    if (sym.link == SHN_UNDEF || sym.link >= shnum)
        return elf_fail(r, "symbol table names string table %" PRIu32
                        ", out of range (%" PRIu64 " sections)", sym.link,
                        shnum);
    elf_read_shdr(r, shoff, shentsize, sym.link, &str);
    if (str.type != SHT_STRTAB)
        return elf_fail(r, "symbol table's string table (section %" PRIu32
                        ") is not a string table", sym.link);
    if (!elf_in_file(r, str.offset, str.size))
        return elf_fail(r, "string table (offset 0x%" PRIx64 ", size 0x%"
                        PRIx64 ") lies outside the file", str.offset,
                        str.size);

    uint64_t count = sym.size / sym.entsize;
    img->syms = calloc(count ? count : 1, sizeof(*img->syms));
    if (!img->syms)
        return elf_fail(r, "out of memory");

    for (uint64_t i = 0; i < count; i++) {
        uint64_t o = sym.offset + i * sym.entsize;
        uint64_t name, value, size;
        unsigned info, shndx;

        if (r->is64) {
            name = elf_u32(r, o);
            info = r->buf[o + 4];
            shndx = elf_u16(r, o + 6);
            value = elf_get(r, o + 8, 8);
            size = elf_get(r, o + 16, 8);
        } else {
            name = elf_u32(r, o);
            value = elf_u32(r, o + 4);
            size = elf_u32(r, o + 8);
            info = r->buf[o + 12];
            shndx = elf_u16(r, o + 14);
        }
        /* Undefined, section and file symbols name no guest address. */
        unsigned type = info & 0xf;
        if (name == 0 || shndx == SHN_UNDEF || type == STT_SECTION ||
            type == STT_FILE)
            continue;
        ElfSymbol *s = &img->syms[img->nsyms];
        if (elf_string(r, &str, name, &s->name) < 0)
            return -1;
        if (!s->name[0]) { /* an offset that lands on a NUL: no name */
            free(s->name);
            s->name = NULL;
            continue;
        }
        s->value = value;
        s->size = size;
        img->nsyms++;
    }
    return 0;
}

static int elf_parse_sections(ElfReader *r, ElfImage *img, uint64_t shoff,
                              uint64_t shentsize, uint64_t shnum,
                              uint64_t shstrndx)
{
    unsigned need = r->is64 ? SHDR64_SIZE : SHDR32_SIZE;
    uint64_t symtab = 0, dynsym = 0;

    if (shentsize < need)
        return elf_fail(r, "section header entry size %" PRIu64
                        " is smaller than %u", shentsize, need);
    if (!elf_table_in_file(r, shoff, shnum, shentsize))
        return elf_fail(r, "section header table (offset 0x%" PRIx64
                        ", %" PRIu64 " entries) lies outside the file",
                        shoff, shnum);
    if (shstrndx != SHN_UNDEF && shstrndx >= shnum)
        return elf_fail(r, "section name string table index %" PRIu64
                        " is out of range (%" PRIu64 " sections)", shstrndx,
                        shnum);

    for (uint64_t i = 1; i < shnum; i++) {
        ElfShdr sh;
        elf_read_shdr(r, shoff, shentsize, i, &sh);
        if (sh.type == SHT_SYMTAB && !symtab)
            symtab = i;
        else if (sh.type == SHT_DYNSYM && !dynsym)
            dynsym = i;
    }
    /* Stripped images may still carry the dynamic symbols. */
    if (symtab)
        return elf_parse_symtab(r, img, shoff, shentsize, shnum, symtab);
    if (dynsym)
        return elf_parse_symtab(r, img, shoff, shentsize, shnum, dynsym);
    return 0;
}

int elf_parse(const uint8_t *buf, size_t len, ElfImage *img, char *err,
              size_t errlen)
{
    ElfReader r = {.buf = buf, .len = len, .err = err, .errlen = errlen};
    uint64_t phoff, shoff, phentsize, phnum, shentsize, shnum, shstrndx;
    unsigned ehsize;

    memset(img, 0, sizeof(*img));
    if (errlen)
        err[0] = '\0';

    if (len < 4 || memcmp(buf, "\x7f" "ELF", 4) != 0)
        return elf_fail(&r, "not an ELF file (bad magic)");
    if (len < EI_VERSION + 1)
        return elf_fail(&r, "truncated ELF header (%zu bytes)", len);
    switch (buf[EI_CLASS]) {
    case ELFCLASS32:
        r.is64 = false;
        break;
    case ELFCLASS64:
        r.is64 = true;
        break;
    default:
        return elf_fail(&r, "unknown ELF class %u", buf[EI_CLASS]);
    }
    switch (buf[EI_DATA]) {
    case ELFDATA2LSB:
        r.be = false;
        break;
    case ELFDATA2MSB:
        r.be = true;
        break;
    default:
        return elf_fail(&r, "unknown ELF data encoding %u", buf[EI_DATA]);
    }
    if (buf[EI_VERSION] != 1)
        return elf_fail(&r, "unknown ELF version %u", buf[EI_VERSION]);
    ehsize = r.is64 ? EHDR64_SIZE : EHDR32_SIZE;
    if (len < ehsize)
        return elf_fail(&r, "truncated ELF header (%zu of %u bytes)", len,
                        ehsize);

    img->class_bits = r.is64 ? 64 : 32;
    img->big_endian = r.be;
    img->machine = elf_u16(&r, 18);

    uint16_t type = elf_u16(&r, 16);
    if (type == ET_REL)
        return elf_fail(&r, "relocatable object, not an executable");
    if (type != ET_EXEC && type != ET_DYN)
        return elf_fail(&r, "not an executable (ELF type %u)", type);

    img->entry = elf_addr(&r, 24);
    if (r.is64) {
        phoff = elf_get(&r, 32, 8);
        shoff = elf_get(&r, 40, 8);
    } else {
        phoff = elf_u32(&r, 28);
        shoff = elf_u32(&r, 32);
    }
    unsigned base = r.is64 ? 54 : 42;
    phentsize = elf_u16(&r, base);
    phnum = elf_u16(&r, base + 2);
    shentsize = elf_u16(&r, base + 4);
    shnum = elf_u16(&r, base + 6);
    shstrndx = elf_u16(&r, base + 8);

    /*
     * Counts too large for the header live in section 0 ("extended
     * numbering"): sh_size for shnum, sh_link for shstrndx, sh_info for
     * phnum.
     */
    if (shoff != 0 && (shnum == 0 || shstrndx == SHN_XINDEX ||
                       phnum == PN_XNUM)) {
        ElfShdr sh0;
        unsigned need = r.is64 ? SHDR64_SIZE : SHDR32_SIZE;
        if (shentsize < need || !elf_in_file(&r, shoff, shentsize))
            return elf_fail(&r, "section header 0 (offset 0x%" PRIx64
                            ") lies outside the file", shoff);
        elf_read_shdr(&r, shoff, shentsize, 0, &sh0);
        if (shnum == 0)
            shnum = sh0.size;
        if (shstrndx == SHN_XINDEX)
            shstrndx = sh0.link;
        if (phnum == PN_XNUM)
            phnum = sh0.info;
    } else if (shstrndx >= SHN_LORESERVE) {
        return elf_fail(&r, "section name string table index 0x%" PRIx64
                        " is reserved", shstrndx);
    }

    if (elf_parse_segments(&r, img, phoff, phentsize, phnum) < 0)
        goto fail;
    if (img->nsegs == 0) {
        elf_fail(&r, "no loadable segments");
        goto fail;
    }
    if (shoff != 0 && shnum != 0 &&
        elf_parse_sections(&r, img, shoff, shentsize, shnum, shstrndx) < 0)
        goto fail;
    return 0;

fail:
    elf_free(img);
    return -1;
}

void elf_free(ElfImage *img)
{
    for (size_t i = 0; i < img->nsyms; i++)
        free(img->syms[i].name);
    free(img->syms);
    free(img->segs);
    memset(img, 0, sizeof(*img));
}
