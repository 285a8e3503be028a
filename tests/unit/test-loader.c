/* SPDX-License-Identifier: MIT */
/*
 * Loader tests: ELF images are built here, field by field, in all four
 * class/byte-order combinations; then single fields are corrupted to hit
 * each of the parser's checks. Images go into freshly allocated buffers of
 * exactly their length, so valgrind or ASan would see any read past them.
 */
#include <CUnit/Basic.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tessera/board.h>

#include "kernel/bus.h"
#include "loader/loader.h"
#include "tests/unit/unit.h"

/* ---------------------------------------------------------------------- */
/* Building images                                                         */

enum { SYM_NULL, SYM_FILE, SYM_SECTION, SYM_LOCAL, SYM_START, SYM_TOHOST,
       SYM_UNDEF, NSYMS };

enum { SH_NULL, SH_TEXT, SH_SYMTAB, SH_STRTAB, SH_SHSTRTAB, NSECTIONS };

#define ENTRY 0x80000010u
#define SEG0_PADDR 0x80000000u
#define SEG0_VADDR 0x40000000u /* differs: the loader must use paddr */
#define SEG1_PADDR 0x80001000u
#define SEG1_MEMSZ 0x100u
#define SEG0_SIZE 16

/* Where the interesting fields of a built image are. */
typedef struct Built {
    uint8_t *buf;
    size_t len;
    bool is64, be;
    size_t phoff, shoff, symoff, stroff, data_off;
    size_t phentsize, shentsize, symentsize;
    size_t strsize;
} Built;

static void put(Built *b, size_t off, uint64_t v, unsigned size)
{
    for (unsigned i = 0; i < size; i++) {
        unsigned shift = b->be ? 8 * (size - 1 - i) : 8 * i;
        b->buf[off + i] = (uint8_t)(v >> shift);
    }
}

/* An address-sized field. */
static void put_addr(Built *b, size_t off, uint64_t v)
{
    put(b, off, v, b->is64 ? 8 : 4);
}

static const char strtab[] = "\0local\0_start\0tohost\0undef\0file.c";
enum { STR_LOCAL = 1, STR_START = 7, STR_TOHOST = 14, STR_UNDEF = 21,
       STR_FILE = 27 };
static const char shstrtab[] = "\0.text\0.symtab\0.strtab\0.shstrtab";
static const uint8_t seg0_data[SEG0_SIZE] = {
    0x13, 0x00, 0x00, 0x00, 0x6f, 0x00, 0x00, 0x00,
    0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04,
};

/* Offsets of header fields that differ between the classes. */
static size_t eh_phoff(const Built *b) { return b->is64 ? 32 : 28; }
static size_t eh_shoff(const Built *b) { return b->is64 ? 40 : 32; }
static size_t eh_half(const Built *b, int i)
{
    return (b->is64 ? 54 : 42) + 2 * i;
}
#define EH_PHENTSIZE 0
#define EH_PHNUM 1
#define EH_SHENTSIZE 2
#define EH_SHNUM 3
#define EH_SHSTRNDX 4

/* Program header field offsets (relative to the entry). */
static size_t ph_offset(const Built *b) { return b->is64 ? 8 : 4; }
static size_t ph_paddr(const Built *b) { return b->is64 ? 24 : 12; }
static size_t ph_filesz(const Built *b) { return b->is64 ? 32 : 16; }
static size_t ph_memsz(const Built *b) { return b->is64 ? 40 : 20; }

/* Section header field offsets. */
static size_t sh_offset(const Built *b) { return b->is64 ? 24 : 16; }
static size_t sh_size(const Built *b) { return b->is64 ? 32 : 20; }
static size_t sh_link(const Built *b) { return b->is64 ? 40 : 24; }
static size_t sh_entsize(const Built *b) { return b->is64 ? 56 : 36; }

/* Where entry i of each table starts. */
static size_t ph_at(const Built *b, int i)
{
    return b->phoff + i * b->phentsize;
}

static size_t sh_at(const Built *b, int i)
{
    return b->shoff + i * b->shentsize;
}

static size_t sym_at(const Built *b, int i)
{
    return b->symoff + i * b->symentsize;
}

static void put_sym(Built *b, int i, uint32_t name, uint64_t value,
                    uint64_t size, uint8_t info, uint16_t shndx)
{
    size_t o = sym_at(b, i);

    put(b, o, name, 4);
    if (b->is64) {
        b->buf[o + 4] = info;
        put(b, o + 6, shndx, 2);
        put(b, o + 8, value, 8);
        put(b, o + 16, size, 8);
    } else {
        put(b, o + 4, value, 4);
        put(b, o + 8, size, 4);
        b->buf[o + 12] = info;
        put(b, o + 14, shndx, 2);
    }
}

static void put_shdr(Built *b, int i, uint32_t name, uint32_t type,
                     uint64_t off, uint64_t size, uint32_t link,
                     uint32_t info, uint64_t entsize)
{
    size_t o = sh_at(b, i);

    put(b, o, name, 4);
    put(b, o + 4, type, 4);
    put(b, o + sh_offset(b), off, b->is64 ? 8 : 4);
    put(b, o + sh_size(b), size, b->is64 ? 8 : 4);
    put(b, o + sh_link(b), link, 4);
    put(b, o + sh_link(b) + 4, info, 4);
    put(b, o + sh_entsize(b), entsize, b->is64 ? 8 : 4);
}

static size_t align8(size_t v)
{
    return (v + 7) & ~(size_t)7;
}

/*
 * An executable with two PT_LOAD segments (code with data, then a
 * zero-filled one), a PT_NOTE that must be ignored, and a symbol table
 * holding every kind of symbol the parser must keep or skip.
 */
static Built build(bool is64, bool be)
{
    Built b = {.is64 = is64, .be = be};
    size_t ehsize = is64 ? 64 : 52;

    b.phentsize = is64 ? 56 : 32;
    b.shentsize = is64 ? 64 : 40;
    b.symentsize = is64 ? 24 : 16;
    b.phoff = ehsize;
    b.data_off = b.phoff + 3 * b.phentsize;
    b.stroff = b.data_off + SEG0_SIZE;
    b.strsize = sizeof(strtab);
    size_t shstroff = b.stroff + b.strsize;
    b.symoff = align8(shstroff + sizeof(shstrtab));
    b.shoff = align8(b.symoff + NSYMS * b.symentsize);
    b.len = b.shoff + NSECTIONS * b.shentsize;
    b.buf = calloc(1, b.len);

    memcpy(b.buf, "\x7f" "ELF", 4);
    b.buf[4] = is64 ? 2 : 1;
    b.buf[5] = be ? 2 : 1;
    b.buf[6] = 1;
    put(&b, 16, 2, 2);   /* ET_EXEC */
    put(&b, 18, 243, 2); /* RISC-V */
    put(&b, 20, 1, 4);
    put_addr(&b, 24, ENTRY);
    put_addr(&b, eh_phoff(&b), b.phoff);
    put_addr(&b, eh_shoff(&b), b.shoff);
    put(&b, is64 ? 52 : 40, ehsize, 2);
    put(&b, eh_half(&b, EH_PHENTSIZE), b.phentsize, 2);
    put(&b, eh_half(&b, EH_PHNUM), 3, 2);
    put(&b, eh_half(&b, EH_SHENTSIZE), b.shentsize, 2);
    put(&b, eh_half(&b, EH_SHNUM), NSECTIONS, 2);
    put(&b, eh_half(&b, EH_SHSTRNDX), SH_SHSTRTAB, 2);

    /* Segment 0: code. */
    size_t p = ph_at(&b, 0);
    put(&b, p, 1, 4);
    put_addr(&b, p + ph_offset(&b), b.data_off);
    put_addr(&b, p + ph_paddr(&b) - (is64 ? 8 : 4), SEG0_VADDR);
    put_addr(&b, p + ph_paddr(&b), SEG0_PADDR);
    put_addr(&b, p + ph_filesz(&b), SEG0_SIZE);
    put_addr(&b, p + ph_memsz(&b), SEG0_SIZE);
    /* Segment 1: a PT_NOTE, ignored. */
    p = ph_at(&b, 1);
    put(&b, p, 4, 4);
    put_addr(&b, p + ph_offset(&b), b.data_off);
    put_addr(&b, p + ph_filesz(&b), 4);
    put_addr(&b, p + ph_memsz(&b), 4);
    /* Segment 2: .bss, nothing from the file. */
    p = ph_at(&b, 2);
    put(&b, p, 1, 4);
    put_addr(&b, p + ph_offset(&b), b.len);
    put_addr(&b, p + ph_paddr(&b), SEG1_PADDR);
    put_addr(&b, p + ph_memsz(&b), SEG1_MEMSZ);

    memcpy(b.buf + b.data_off, seg0_data, SEG0_SIZE);
    memcpy(b.buf + b.stroff, strtab, sizeof(strtab));
    memcpy(b.buf + shstroff, shstrtab, sizeof(shstrtab));

    /* info: binding << 4 | type; 0xfff1 is SHN_ABS. */
    put_sym(&b, SYM_FILE, STR_FILE, 0, 0, 0x04, 0xfff1);       /* FILE */
    put_sym(&b, SYM_SECTION, 0, SEG0_PADDR, 0, 0x03, SH_TEXT); /* STT_SECTION */
    put_sym(&b, SYM_LOCAL, STR_LOCAL, 0x80000008, 4, 0x00, SH_TEXT);
    put_sym(&b, SYM_START, STR_START, ENTRY, 0, 0x12, SH_TEXT); /* FUNC */
    put_sym(&b, SYM_TOHOST, STR_TOHOST, SEG1_PADDR, 8, 0x11, SH_TEXT);
    put_sym(&b, SYM_UNDEF, STR_UNDEF, 0, 0, 0x10, 0);           /* undefined */

    put_shdr(&b, SH_TEXT, 1, 1, b.data_off, SEG0_SIZE, 0, 0, 0);
    put_shdr(&b, SH_SYMTAB, 7, 2, b.symoff, NSYMS * b.symentsize, SH_STRTAB,
             SYM_START, b.symentsize);
    put_shdr(&b, SH_STRTAB, 15, 3, b.stroff, b.strsize, 0, 0, 0);
    put_shdr(&b, SH_SHSTRTAB, 23, 3, shstroff, sizeof(shstrtab), 0, 0, 0);
    return b;
}

static int parse(const Built *b, ElfImage *img, char *err, size_t errlen)
{
    /* A copy of exactly len bytes, so that over-reads are caught. */
    uint8_t *copy = malloc(b->len ? b->len : 1);
    memcpy(copy, b->buf, b->len);
    int ret = elf_parse(copy, b->len, img, err, errlen);
    /* The image points into its buffer: check before freeing it. */
    if (ret == 0) {
        for (size_t i = 0; i < img->nsegs; i++) {
            const ElfSegment *s = &img->segs[i];
            CU_ASSERT(s->filesz == 0 || (s->data >= copy &&
                                         s->data + s->filesz <= copy + b->len));
        }
    }
    free(copy);
    return ret;
}

/* Parses a corrupted image: it must fail with a one-line message. */
static void expect_error(Built *b, const char *needle)
{
    ElfImage img;
    char err[200];

    CU_ASSERT_EQUAL(parse(b, &img, err, sizeof(err)), -1);
    CU_ASSERT(strlen(err) > 0);
    CU_ASSERT_PTR_NULL(strchr(err, '\n'));
    if (!strstr(err, needle)) {
        fprintf(stderr, "\nexpected \"%s\" in \"%s\"\n", needle, err);
        CU_FAIL("wrong error message");
    }
    CU_ASSERT_EQUAL(img.nsegs, 0);
    CU_ASSERT_EQUAL(img.nsyms, 0);
    free(b->buf);
}

static const ElfSymbol *find_sym(const ElfImage *img, const char *name)
{
    for (size_t i = 0; i < img->nsyms; i++)
        if (strcmp(img->syms[i].name, name) == 0)
            return &img->syms[i];
    return NULL;
}

/* ---------------------------------------------------------------------- */
/* Valid images                                                            */

static void check_valid(bool is64, bool be)
{
    Built b = build(is64, be);
    ElfImage img;
    char err[200];

    CU_ASSERT_EQUAL_FATAL(parse(&b, &img, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(img.class_bits, is64 ? 64 : 32);
    CU_ASSERT_EQUAL(img.big_endian, be);
    CU_ASSERT_EQUAL(img.machine, 243);
    CU_ASSERT_EQUAL(img.entry, ENTRY);

    CU_ASSERT_EQUAL_FATAL(img.nsegs, 2);
    CU_ASSERT_EQUAL(img.segs[0].paddr, SEG0_PADDR);
    CU_ASSERT_EQUAL(img.segs[0].filesz, SEG0_SIZE);
    CU_ASSERT_EQUAL(img.segs[0].memsz, SEG0_SIZE);
    CU_ASSERT_EQUAL(img.segs[1].paddr, SEG1_PADDR);
    CU_ASSERT_EQUAL(img.segs[1].filesz, 0);
    CU_ASSERT_EQUAL(img.segs[1].memsz, SEG1_MEMSZ);

    /* File, section and undefined symbols are dropped. */
    CU_ASSERT_EQUAL(img.nsyms, 3);
    const ElfSymbol *s = find_sym(&img, "_start");
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_EQUAL(s->value, ENTRY);
    s = find_sym(&img, "tohost");
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_EQUAL(s->value, SEG1_PADDR);
    CU_ASSERT_EQUAL(s->size, 8);
    s = find_sym(&img, "local");
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_EQUAL(s->value, 0x80000008);
    CU_ASSERT_EQUAL(s->size, 4);
    CU_ASSERT_PTR_NULL(find_sym(&img, "undef"));
    CU_ASSERT_PTR_NULL(find_sym(&img, "file.c"));

    elf_free(&img);
    CU_ASSERT_EQUAL(img.nsegs, 0);
    CU_ASSERT_PTR_NULL(img.syms);
    free(b.buf);
}

static void test_elf64_le(void) { check_valid(true, false); }
static void test_elf64_be(void) { check_valid(true, true); }
static void test_elf32_le(void) { check_valid(false, false); }
static void test_elf32_be(void) { check_valid(false, true); }

/* The segment bytes are the file's bytes. */
static void test_segment_data(void)
{
    Built b = build(true, false);
    ElfImage img;
    char err[200];

    CU_ASSERT_EQUAL_FATAL(elf_parse(b.buf, b.len, &img, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(memcmp(img.segs[0].data, seg0_data, SEG0_SIZE), 0);
    elf_free(&img);
    free(b.buf);
}

/* Without .symtab (stripped), the dynamic symbols are used. */
static void test_dynsym_fallback(void)
{
    Built b = build(true, false);
    ElfImage img;
    char err[200];

    put(&b, sh_at(&b, SH_SYMTAB) + 4, 11, 4); /* SHT_DYNSYM */
    CU_ASSERT_EQUAL_FATAL(parse(&b, &img, err, sizeof(err)), 0);
    CU_ASSERT_PTR_NOT_NULL(find_sym(&img, "tohost"));
    elf_free(&img);
    free(b.buf);
}

/* No section headers at all is fine: no symbols. */
static void test_no_sections(void)
{
    Built b = build(false, false);
    ElfImage img;
    char err[200];

    put_addr(&b, eh_shoff(&b), 0);
    put(&b, eh_half(&b, EH_SHNUM), 0, 2);
    put(&b, eh_half(&b, EH_SHSTRNDX), 0, 2);
    CU_ASSERT_EQUAL_FATAL(parse(&b, &img, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(img.nsegs, 2);
    CU_ASSERT_EQUAL(img.nsyms, 0);
    elf_free(&img);
    free(b.buf);
}

/* Counts beyond 16 bits are taken from section 0. */
static void test_extended_numbering(void)
{
    Built b = build(true, false);
    ElfImage img;
    char err[200];

    put(&b, eh_half(&b, EH_SHNUM), 0, 2);
    put(&b, eh_half(&b, EH_SHSTRNDX), 0xffff, 2);
    put(&b, eh_half(&b, EH_PHNUM), 0xffff, 2);
    put_shdr(&b, SH_NULL, 0, 0, 0, NSECTIONS, SH_SHSTRTAB, 3, 0);
    CU_ASSERT_EQUAL_FATAL(parse(&b, &img, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(img.nsegs, 2);
    CU_ASSERT_EQUAL(img.nsyms, 3);
    elf_free(&img);
    free(b.buf);
}

/* ---------------------------------------------------------------------- */
/* Broken images                                                           */

static void test_bad_magic(void)
{
    Built b = build(true, false);
    b.buf[1] = 'X';
    expect_error(&b, "bad magic");
}

static void test_empty_and_tiny(void)
{
    static const uint8_t magic[] = {0x7f, 'E', 'L', 'F'};
    ElfImage img;
    char err[200];

    CU_ASSERT_EQUAL(elf_parse(magic, 0, &img, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "bad magic"));
    CU_ASSERT_EQUAL(elf_parse(magic, 4, &img, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "truncated"));
}

static void test_truncated_header(void)
{
    Built b = build(true, false);
    b.len = 40; /* enough for an ELF32 header, not for ELF64 */
    expect_error(&b, "truncated ELF header");
    b = build(false, true);
    b.len = 51;
    expect_error(&b, "truncated ELF header");
}

static void test_bad_class(void)
{
    Built b = build(true, false);
    b.buf[4] = 3;
    expect_error(&b, "class");
}

static void test_bad_encoding(void)
{
    Built b = build(true, false);
    b.buf[5] = 0;
    expect_error(&b, "encoding");
}

static void test_bad_version(void)
{
    Built b = build(false, false);
    b.buf[6] = 2;
    expect_error(&b, "version");
}

static void test_relocatable(void)
{
    Built b = build(true, true);
    put(&b, 16, 1, 2);
    expect_error(&b, "relocatable");
}

static void test_phdrs_outside(void)
{
    Built b = build(true, false);
    put_addr(&b, eh_phoff(&b), b.len - 10);
    expect_error(&b, "program header table");
    /* An offset so large that offset + size wraps around. */
    b = build(true, false);
    put_addr(&b, eh_phoff(&b), UINT64_MAX - 8);
    expect_error(&b, "program header table");
    b = build(false, false);
    put(&b, eh_half(&b, EH_PHNUM), 0xfff0, 2);
    expect_error(&b, "program header table");
}

static void test_phentsize_small(void)
{
    Built b = build(false, true);
    put(&b, eh_half(&b, EH_PHENTSIZE), 16, 2);
    expect_error(&b, "program header entry size");
}

static void test_segment_outside(void)
{
    Built b = build(true, false);
    put_addr(&b, ph_at(&b, 0) + ph_filesz(&b), b.len);
    put_addr(&b, ph_at(&b, 0) + ph_memsz(&b), b.len);
    expect_error(&b, "outside the file");
    b = build(false, true);
    put_addr(&b, ph_at(&b, 0) + ph_offset(&b), b.len + 1);
    put_addr(&b, ph_at(&b, 0) + ph_filesz(&b), 0);
    expect_error(&b, "outside the file");
}

static void test_segment_offset_overflow(void)
{
    Built b = build(true, false);
    /* offset + filesz wraps to a small number inside the file. */
    put_addr(&b, ph_at(&b, 0) + ph_offset(&b), UINT64_MAX - 7);
    put_addr(&b, ph_at(&b, 0) + ph_filesz(&b), 16);
    put_addr(&b, ph_at(&b, 0) + ph_memsz(&b), 16);
    expect_error(&b, "outside the file");
    b = build(false, false);
    put_addr(&b, ph_at(&b, 0) + ph_offset(&b), 0xfffffff8u);
    put_addr(&b, ph_at(&b, 0) + ph_filesz(&b), 16);
    put_addr(&b, ph_at(&b, 0) + ph_memsz(&b), 16);
    expect_error(&b, "outside the file");
}

static void test_filesz_gt_memsz(void)
{
    Built b = build(false, false);
    put_addr(&b, ph_at(&b, 0) + ph_memsz(&b), SEG0_SIZE - 1);
    expect_error(&b, "exceeds memory size");
}

static void test_address_wraps(void)
{
    Built b = build(true, false);
    put_addr(&b, ph_at(&b, 2) + ph_paddr(&b), UINT64_MAX - 0x10);
    expect_error(&b, "wraps around");
    b = build(false, false);
    put_addr(&b, ph_at(&b, 2) + ph_paddr(&b), 0xffffff00u);
    put_addr(&b, ph_at(&b, 2) + ph_memsz(&b), 0x200);
    /* 32-bit addresses cannot wrap in our 64-bit address space. */
    ElfImage img;
    char err[200];
    CU_ASSERT_EQUAL(parse(&b, &img, err, sizeof(err)), 0);
    elf_free(&img);
    free(b.buf);
}

static void test_no_load_segments(void)
{
    Built b = build(true, false);
    put(&b, ph_at(&b, 0), 4, 4);
    put(&b, ph_at(&b, 2), 6, 4);
    expect_error(&b, "no loadable segments");
}

static void test_shdrs_outside(void)
{
    Built b = build(true, false);
    put_addr(&b, eh_shoff(&b), b.len - 8);
    expect_error(&b, "section header table");
    b = build(true, false);
    put_addr(&b, eh_shoff(&b), UINT64_MAX - 0x20);
    expect_error(&b, "section header table");
    b = build(false, false);
    put(&b, eh_half(&b, EH_SHNUM), 200, 2);
    expect_error(&b, "section header table");
}

static void test_shentsize_small(void)
{
    Built b = build(true, false);
    put(&b, eh_half(&b, EH_SHENTSIZE), 40, 2);
    expect_error(&b, "section header entry size");
}

static void test_bad_shstrndx(void)
{
    Built b = build(true, false);
    put(&b, eh_half(&b, EH_SHSTRNDX), NSECTIONS, 2);
    expect_error(&b, "string table index");
    b = build(false, true);
    put(&b, eh_half(&b, EH_SHSTRNDX), 0xff10, 2);
    expect_error(&b, "string table index");
}

static void test_bad_strtab_link(void)
{
    Built b = build(true, false);
    put(&b, sh_at(&b, SH_SYMTAB) + sh_link(&b), 99, 4);
    expect_error(&b, "string table");
    /* A link to a section that is not a string table. */
    b = build(false, false);
    put(&b, sh_at(&b, SH_SYMTAB) + sh_link(&b), SH_TEXT, 4);
    expect_error(&b, "not a string table");
    b = build(false, false);
    put(&b, sh_at(&b, SH_SYMTAB) + sh_link(&b), 0, 4);
    expect_error(&b, "string table");
}

static void test_symtab_outside(void)
{
    Built b = build(true, false);
    put_addr(&b, sh_at(&b, SH_SYMTAB) + sh_size(&b), b.len);
    expect_error(&b, "symbol table");
    b = build(true, false);
    put_addr(&b, sh_at(&b, SH_SYMTAB) + sh_offset(&b), UINT64_MAX - 16);
    expect_error(&b, "symbol table");
}

static void test_symtab_entsize(void)
{
    Built b = build(true, false);
    put_addr(&b, sh_at(&b, SH_SYMTAB) + sh_entsize(&b), 0);
    expect_error(&b, "entry size");
}

static void test_strtab_outside(void)
{
    Built b = build(false, false);
    put_addr(&b, sh_at(&b, SH_STRTAB) + sh_size(&b), b.len);
    expect_error(&b, "string table");
}

static void test_symbol_name_outside(void)
{
    Built b = build(true, true);
    put(&b, sym_at(&b, SYM_START), b.strsize + 5, 4);
    expect_error(&b, "name offset");
}

static void test_strtab_unterminated(void)
{
    Built b = build(false, false);
    /* Cut the table inside the last name. */
    put_addr(&b, sh_at(&b, SH_STRTAB) + sh_size(&b), STR_UNDEF + 3);
    put(&b, sym_at(&b, SYM_LOCAL), STR_UNDEF + 1, 4);
    expect_error(&b, "NUL-terminated");
}

/* Every prefix of a valid image parses or fails cleanly. */
static void test_every_truncation(void)
{
    for (int variant = 0; variant < 4; variant++) {
        Built b = build(variant & 1, variant & 2);
        size_t full = b.len;
        for (size_t len = 0; len < full; len++) {
            ElfImage img;
            char err[200];
            b.len = len;
            if (parse(&b, &img, err, sizeof(err)) == 0)
                elf_free(&img);
            else
                CU_ASSERT(strlen(err) > 0);
        }
        free(b.buf);
    }
}

/* Flipping any single byte must never crash or over-read. */
static void test_every_byte_flip(void)
{
    Built b = build(true, false);

    for (size_t i = 0; i < b.len; i++) {
        for (int v = 0; v < 3; v++) {
            static const uint8_t vals[] = {0x00, 0xff, 0x80};
            uint8_t saved = b.buf[i];
            ElfImage img;
            char err[200];
            b.buf[i] = vals[v];
            if (parse(&b, &img, err, sizeof(err)) == 0)
                elf_free(&img);
            b.buf[i] = saved;
        }
    }
    free(b.buf);
}

/* A tiny error buffer truncates the message instead of overflowing. */
static void test_small_error_buffer(void)
{
    Built b = build(true, false);
    ElfImage img;
    char err[8];

    b.buf[0] = 0;
    CU_ASSERT_EQUAL(elf_parse(b.buf, b.len, &img, err, sizeof(err)), -1);
    CU_ASSERT_EQUAL(strlen(err), sizeof(err) - 1);
    CU_ASSERT_EQUAL(elf_parse(b.buf, b.len, &img, NULL, 0), -1);
    free(b.buf);
}

/* ---------------------------------------------------------------------- */
/* Loading files into memory                                               */

static char tmpdir[64];

static char *write_temp(const char *name, const void *data, size_t len)
{
    char *path = g_build_filename(tmpdir, name, NULL);
    FILE *f = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(fwrite(data, 1, len, f), len);
    fclose(f);
    return path;
}

static int setup_memory(void)
{
    loader_symbols_clear();
    loader_placements_clear();
    bus_reset_all();
    return bus_add_ram("ram", 0x80000000, 0x10000) ? 0 : -1;
}

static void test_load_elf(void)
{
    Built b = build(true, false);
    char *path = write_temp("ok.elf", b.buf, b.len);
    uint64_t entry = 0, lo = 0, hi = 0, v = 0;
    uint8_t got[SEG0_SIZE];

    CU_ASSERT_EQUAL_FATAL(setup_memory(), 0);
    /* Dirty the .bss range so that the zero fill is visible. */
    uint8_t junk[SEG1_MEMSZ];
    memset(junk, 0xaa, sizeof(junk));
    CU_ASSERT(bus_write_buf(SEG1_PADDR, junk, sizeof(junk)));

    CU_ASSERT_TRUE(tessera_file_is_elf(path));
    CU_ASSERT_EQUAL_FATAL(tessera_load_elf(path, &entry, &lo, &hi), 0);
    CU_ASSERT_EQUAL(entry, ENTRY);
    CU_ASSERT_EQUAL(lo, SEG0_PADDR);
    CU_ASSERT_EQUAL(hi, SEG1_PADDR + SEG1_MEMSZ - 1);
    CU_ASSERT(bus_read_buf(SEG0_PADDR, got, sizeof(got)));
    CU_ASSERT_EQUAL(memcmp(got, seg0_data, SEG0_SIZE), 0);
    CU_ASSERT(bus_read_buf(SEG1_PADDR, junk, sizeof(junk)));
    for (size_t i = 0; i < sizeof(junk); i++)
        CU_ASSERT_EQUAL(junk[i], 0);

    CU_ASSERT_TRUE(tessera_symbol_lookup("tohost", &v));
    CU_ASSERT_EQUAL(v, SEG1_PADDR);
    CU_ASSERT_TRUE(tessera_symbol_lookup("_start", &v));
    CU_ASSERT_EQUAL(v, ENTRY);
    CU_ASSERT_FALSE(tessera_symbol_lookup("undef", &v));
    CU_ASSERT_FALSE(tessera_symbol_lookup("nonexistent", &v));

    /* Loading it again over itself is refused until the next reset. */
    CU_ASSERT_EQUAL(tessera_load_elf(path, NULL, NULL, NULL), -1);
    loader_placements_clear();
    /* NULL outputs are allowed. */
    CU_ASSERT_EQUAL(tessera_load_elf(path, NULL, NULL, NULL), 0);

    unlink(path);
    g_free(path);
    free(b.buf);
    bus_reset_all();
    loader_symbols_clear();
}

/* A segment outside memory fails, names the file, and writes nothing. */
static void test_load_elf_outside_memory(void)
{
    Built b = build(false, false);
    put_addr(&b, ph_at(&b, 2) + ph_paddr(&b), 0x8000ff80u); /* runs off RAM */
    char *path = write_temp("off.elf", b.buf, b.len);
    uint64_t entry = 0;
    uint8_t got[SEG0_SIZE];

    CU_ASSERT_EQUAL_FATAL(setup_memory(), 0);
    CU_ASSERT_EQUAL(tessera_load_elf(path, &entry, NULL, NULL), -1);
    CU_ASSERT(bus_read_buf(SEG0_PADDR, got, sizeof(got)));
    for (size_t i = 0; i < sizeof(got); i++)
        CU_ASSERT_EQUAL(got[i], 0);
    CU_ASSERT_FALSE(tessera_symbol_lookup("tohost", NULL));

    unlink(path);
    g_free(path);
    free(b.buf);
    bus_reset_all();
}

static void test_load_elf_bad_files(void)
{
    static const uint8_t junk[] = "\x7f" "ELF\x02\x01\x01 not really";
    char *path = write_temp("bad.elf", junk, sizeof(junk));
    char *missing = g_build_filename(tmpdir, "missing.elf", NULL);

    CU_ASSERT_EQUAL_FATAL(setup_memory(), 0);
    CU_ASSERT_TRUE(tessera_file_is_elf(path));
    CU_ASSERT_EQUAL(tessera_load_elf(path, NULL, NULL, NULL), -1);
    CU_ASSERT_FALSE(tessera_file_is_elf(missing));
    CU_ASSERT_EQUAL(tessera_load_elf(missing, NULL, NULL, NULL), -1);
    CU_ASSERT_EQUAL(tessera_load_elf(tmpdir, NULL, NULL, NULL), -1);

    unlink(path);
    g_free(path);
    g_free(missing);
    bus_reset_all();
}

static void test_load_raw(void)
{
    static const uint8_t data[] = {1, 2, 3, 4, 5, 6, 7};
    char *path = write_temp("img.bin", data, sizeof(data));
    uint8_t got[sizeof(data)];
    uint64_t size = 0;

    CU_ASSERT_EQUAL_FATAL(setup_memory(), 0);
    CU_ASSERT_FALSE(tessera_file_is_elf(path));
    CU_ASSERT_EQUAL(tessera_load_raw(path, 0x80000100, &size), 0);
    CU_ASSERT_EQUAL(size, sizeof(data));
    CU_ASSERT(bus_read_buf(0x80000100, got, sizeof(got)));
    CU_ASSERT_EQUAL(memcmp(got, data, sizeof(data)), 0);

    /* The last byte would fall off the end of RAM. */
    CU_ASSERT_EQUAL(tessera_load_raw(path, 0x80010000 - 6, &size), -1);
    CU_ASSERT_EQUAL(tessera_load_raw(path, 0x1000, NULL), -1);
    CU_ASSERT_EQUAL(tessera_load_raw(path, UINT64_MAX - 2, NULL), -1);

    unlink(path);
    g_free(path);
    bus_reset_all();
}

/* As QEMU: an empty image is refused, not run as nothing. */
static void test_load_raw_empty(void)
{
    char *path = write_temp("empty.bin", "", 0);
    uint64_t size = 99;

    CU_ASSERT_EQUAL_FATAL(setup_memory(), 0);
    CU_ASSERT_FALSE(tessera_file_is_elf(path));
    CU_ASSERT_EQUAL(tessera_load_raw(path, 0x80000000, &size), -1);
    CU_ASSERT_EQUAL(size, 99);
    unlink(path);
    g_free(path);
    bus_reset_all();
}

/* Images may not overlap each other ("rom: requested regions overlap"). */
static void test_load_overlap(void)
{
    static const uint8_t data[] = {1, 2, 3, 4, 5, 6, 7, 8};
    static const uint8_t other[] = {9, 9, 9, 9};
    char *path = write_temp("a.bin", data, sizeof(data));
    char *path2 = write_temp("b.bin", other, sizeof(other));
    uint8_t got[sizeof(data)];

    CU_ASSERT_EQUAL_FATAL(setup_memory(), 0);
    CU_ASSERT_EQUAL(tessera_load_raw(path, 0x80000000, NULL), 0);
    CU_ASSERT_EQUAL(tessera_load_raw(path2, 0x80000007, NULL), -1);
    CU_ASSERT_EQUAL(tessera_load_blob("blob", 0x80000000, other, 1), -1);
    CU_ASSERT(bus_read_buf(0x80000000, got, sizeof(got)));
    CU_ASSERT_EQUAL(memcmp(got, data, sizeof(data)), 0); /* untouched */
    /* Next to it is fine, and a reset forgets everything. */
    CU_ASSERT_EQUAL(tessera_load_raw(path2, 0x80000008, NULL), 0);
    loader_placements_clear();
    CU_ASSERT_EQUAL(tessera_load_raw(path2, 0x80000004, NULL), 0);

    unlink(path);
    unlink(path2);
    g_free(path);
    g_free(path2);
    bus_reset_all();
}

static unsigned mmio_writes;
static uint64_t mmio_read(void *opaque, uint64_t off, unsigned size)
{
    (void)opaque, (void)off, (void)size;
    return 0;
}
static void mmio_write(void *opaque, uint64_t off, uint64_t v, unsigned size)
{
    (void)opaque, (void)off, (void)v, (void)size;
    mmio_writes++;
}
static const TesseraMmioOps mmio_ops = {
    .read = mmio_read, .write = mmio_write, .min_access = 1, .max_access = 8,
};

/* Images go to RAM or ROM only: never into device registers. */
static void test_load_not_memory(void)
{
    static const uint8_t data[] = {1, 2, 3, 4};
    char *path = write_temp("dev.bin", data, sizeof(data));

    CU_ASSERT_EQUAL_FATAL(setup_memory(), 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(bus_add_mmio("uart", 0x10000000, 0x100,
                                              &mmio_ops, NULL));
    CU_ASSERT_PTR_NOT_NULL_FATAL(bus_add_unimp("hole", 0x1000, 0x1000));
    mmio_writes = 0;
    CU_ASSERT_EQUAL(tessera_load_raw(path, 0x10000000, NULL), -1);
    CU_ASSERT_EQUAL(tessera_load_raw(path, 0x1000, NULL), -1);
    /* Half in RAM, half past its end. */
    CU_ASSERT_EQUAL(tessera_load_raw(path, 0x8000fffe, NULL), -1);
    CU_ASSERT_EQUAL(mmio_writes, 0);

    unlink(path);
    g_free(path);
    bus_reset_all();
}

/* bus_zero() clears RAM (also what an earlier run wrote) page or not. */
static void test_bus_zero(void)
{
    const uint64_t base = 0x90000000, size = 8 << 20;
    uint8_t b = 0;

    bus_reset_all();
    CU_ASSERT_PTR_NOT_NULL_FATAL(bus_add_ram("big", base, size));
    uint8_t *junk = g_malloc(size);
    memset(junk, 0x55, size);
    CU_ASSERT(bus_write_buf(base, junk, size));
    CU_ASSERT(bus_zero(base + 3, size - 5));
    CU_ASSERT(bus_read_buf(base, junk, size));
    CU_ASSERT_EQUAL(junk[2], 0x55);
    CU_ASSERT_EQUAL(junk[size - 2], 0x55);
    CU_ASSERT_EQUAL(junk[size - 1], 0x55);
    size_t nonzero = 0;
    for (uint64_t i = 3; i < size - 2; i++)
        nonzero += junk[i] != 0;
    CU_ASSERT_EQUAL(nonzero, 0);
    CU_ASSERT(bus_read_buf(base + size / 2, &b, 1));
    CU_ASSERT_EQUAL(b, 0);
    CU_ASSERT_FALSE(bus_zero(base + size - 1, 2)); /* runs off RAM */
    g_free(junk);
    bus_reset_all();
}

/* Later images win, and so do global symbols over earlier locals. */
static void test_symbol_precedence(void)
{
    ElfSymbol a[] = {{"x", 1, 0}, {"y", 2, 0}};
    ElfSymbol b[] = {{"x", 3, 0}};
    ElfImage ia = {.syms = a, .nsyms = 2}, ib = {.syms = b, .nsyms = 1};
    uint64_t v = 0;

    loader_symbols_clear();
    loader_symbols_add(&ia);
    CU_ASSERT_TRUE(loader_symbol_lookup("x", &v));
    CU_ASSERT_EQUAL(v, 1);
    loader_symbols_add(&ib);
    CU_ASSERT_TRUE(loader_symbol_lookup("x", &v));
    CU_ASSERT_EQUAL(v, 3);
    CU_ASSERT_TRUE(loader_symbol_lookup("y", &v));
    CU_ASSERT_EQUAL(v, 2);
    loader_symbols_clear();
    CU_ASSERT_FALSE(loader_symbol_lookup("x", &v));
}

int main(void)
{
    static const UnitTest tests[] = {
        {"elf64 little-endian", test_elf64_le},
        {"elf64 big-endian", test_elf64_be},
        {"elf32 little-endian", test_elf32_le},
        {"elf32 big-endian", test_elf32_be},
        {"segment data", test_segment_data},
        {"dynsym fallback", test_dynsym_fallback},
        {"no sections", test_no_sections},
        {"extended numbering", test_extended_numbering},
        {"bad magic", test_bad_magic},
        {"empty and tiny buffers", test_empty_and_tiny},
        {"truncated header", test_truncated_header},
        {"bad class", test_bad_class},
        {"bad data encoding", test_bad_encoding},
        {"bad version", test_bad_version},
        {"relocatable object", test_relocatable},
        {"phdr table outside file", test_phdrs_outside},
        {"phdr entry size too small", test_phentsize_small},
        {"segment data outside file", test_segment_outside},
        {"segment offset+size overflow", test_segment_offset_overflow},
        {"filesz > memsz", test_filesz_gt_memsz},
        {"segment address wraps", test_address_wraps},
        {"no loadable segments", test_no_load_segments},
        {"shdr table outside file", test_shdrs_outside},
        {"shdr entry size too small", test_shentsize_small},
        {"bad section name string table index", test_bad_shstrndx},
        {"bad symbol string table link", test_bad_strtab_link},
        {"symbol table outside file", test_symtab_outside},
        {"symbol entry size", test_symtab_entsize},
        {"string table outside file", test_strtab_outside},
        {"symbol name outside string table", test_symbol_name_outside},
        {"string table not terminated", test_strtab_unterminated},
        {"every truncation", test_every_truncation},
        {"every byte flip", test_every_byte_flip},
        {"small error buffer", test_small_error_buffer},
        {"load elf", test_load_elf},
        {"load elf outside memory", test_load_elf_outside_memory},
        {"load bad elf files", test_load_elf_bad_files},
        {"load raw", test_load_raw},
        {"load empty raw", test_load_raw_empty},
        {"images may not overlap", test_load_overlap},
        {"images only in RAM or ROM", test_load_not_memory},
        {"bus_zero", test_bus_zero},
        {"symbol precedence", test_symbol_precedence},
    };

    snprintf(tmpdir, sizeof(tmpdir), "/tmp/tessera-loader-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    return UNIT_RUN("loader", tests);
}
