/* SPDX-License-Identifier: MIT */
/*
 * gen-riscv: writes a random RV64GC program for differential testing.
 *
 *   gen-riscv [-q] [-v] [-n UNITS] SEED RUNTIME.bin OUT.bin
 *
 * RUNTIME.bin is tools/difftest/rv-runtime.S as a flat binary (prologue,
 * trap handler, register and memory dump, exit; see its comment for the
 * layout). OUT.bin is a raw image for 0x80000000 (-bios none -kernel
 * OUT.bin on the virt board): the runtime, then UNITS random "units" at
 * STREAM, then the initial registers and the scratch area. A unit is one
 * instruction or a short sequence that must stay together (an address
 * computation and the AMO using it, auipc and jalr); branches and jumps go
 * forward to the start of a later unit, so every program ends. Registers
 * sp (x2) and s0 (x8) point into the middle of the scratch area and s1
 * (x9) at unmapped memory; no instruction writes them. Everything else is
 * drawn from the seed alone: the same seed gives the same image.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen-common.h"

#define BASE 0x80000000ull
#define STREAM 0x1000u
#define DONE 0x800u
#define INIT 0x10000u
#define SCRATCH 0x12000u
#define SCRATCH_SIZE 4096u
#define IMAGE_SIZE (SCRATCH + SCRATCH_SIZE)
#define BAD_ADDR 0x88000000ull /* past the 128 MiB of RAM */
#define MAX_UNITS 4000u

/* ---------------------------------------------------------------------- */
/* Random numbers (splitmix64)                                             */


/* An interesting 64-bit value: edge cases half of the time. */
static uint64_t value(void)
{
    static const uint64_t edges[] = {
        0, 1, 2, 0xffffffffffffffffull, 0x8000000000000000ull,
        0x7fffffffffffffffull, 0x80000000ull, 0xffffffff80000000ull,
        0x7fffffffull, 0xffffffffull, 0x100000000ull, 0xfffffffffffffffeull,
        63, 64, 31, 32,
    };
    switch (below(4)) {
    case 0:
        return edges[below(sizeof(edges) / sizeof(edges[0]))];
    case 1:
        return (uint64_t)(int64_t)(int32_t)rnd();
    case 2:
        return rnd() & 0xfff;
    default:
        return rnd();
    }
}

/* An interesting double (or NaN-boxed float) bit pattern. */
static uint64_t fvalue(void)
{
    static const uint64_t d[] = {
        0, 0x8000000000000000ull, 0x3ff0000000000000ull,
        0xbff0000000000000ull, 0x7ff0000000000000ull, 0xfff0000000000000ull,
        0x7ff8000000000000ull, 0x7ff0000000000001ull, 0x0000000000000001ull,
        0x000fffffffffffffull, 0x7fefffffffffffffull, 0x43e0000000000000ull,
        0xc3e0000000000000ull, 0x41e0000000000000ull, 0x4000000000000000ull,
        0x3fe0000000000000ull,
    };
    static const uint32_t s[] = {
        0, 0x80000000u, 0x3f800000u, 0xbf800000u, 0x7f800000u, 0xff800000u,
        0x7fc00000u, 0x7f800001u, 0x00000001u, 0x007fffffu, 0x7f7fffffu,
        0x5f000000u, 0xdf000000u, 0x4f000000u, 0x3f000000u, 0x40490fdbu,
    };
    switch (below(6)) {
    case 0:
        return d[below(16)];
    case 1:
        return 0xffffffff00000000ull | s[below(16)];
    case 2: /* a float not NaN-boxed */
        return rnd() & 0xffffffffu;
    case 3:
        return 0xffffffff00000000ull | (uint32_t)rnd();
    default:
        return rnd();
    }
}

/* ---------------------------------------------------------------------- */
/* Encoding                                                                */

static uint32_t R(uint32_t op, unsigned rd, unsigned f3, unsigned rs1,
                  unsigned rs2, unsigned f7)
{
    return f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op;
}

static uint32_t I(uint32_t op, unsigned rd, unsigned f3, unsigned rs1,
                  int32_t imm)
{
    return ((uint32_t)imm & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 |
           op;
}

static uint32_t S(uint32_t op, unsigned f3, unsigned rs1, unsigned rs2,
                  int32_t imm)
{
    uint32_t u = (uint32_t)imm;
    return ((u >> 5) & 0x7f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 |
           (u & 0x1f) << 7 | op;
}

static uint32_t B(unsigned f3, unsigned rs1, unsigned rs2, int32_t off)
{
    uint32_t u = (uint32_t)off;
    return ((u >> 12) & 1) << 31 | ((u >> 5) & 0x3f) << 25 | rs2 << 20 |
           rs1 << 15 | f3 << 12 | ((u >> 1) & 0xf) << 8 |
           ((u >> 11) & 1) << 7 | 0x63;
}

static uint32_t J(unsigned rd, int32_t off)
{
    uint32_t u = (uint32_t)off;
    return ((u >> 20) & 1) << 31 | ((u >> 1) & 0x3ff) << 21 |
           ((u >> 11) & 1) << 20 | ((u >> 12) & 0xff) << 12 | rd << 7 | 0x6f;
}

static uint32_t R4(uint32_t op, unsigned rd, unsigned rm, unsigned rs1,
                   unsigned rs2, unsigned rs3, unsigned fmt)
{
    return rs3 << 27 | fmt << 25 | rs2 << 20 | rs1 << 15 | rm << 12 |
           rd << 7 | op;
}

static uint32_t bit(uint32_t v, unsigned from, unsigned to)
{
    return ((v >> from) & 1) << to;
}

/* ---------------------------------------------------------------------- */
/* Units                                                                   */

enum { K_PLAIN, K_BRANCH, K_JAL, K_JALR, K_CJ, K_CBRANCH, K_CJR };

typedef struct Unit {
    unsigned kind;
    unsigned n;          /* parcels */
    uint32_t w[4];       /* instructions; 16-bit ones in the low half */
    uint8_t len[4];      /* 2 or 4 */
    unsigned skip;       /* branches: units skipped forward */
    unsigned f3, ra, rb, rd, t; /* branches: drawn with the unit */
    uint32_t addr;       /* offset in the image, set by layout */
} Unit;

static Unit *units;
static bool verbose; /* -v: where the last random unit is */
static bool qemu_safe; /* -q: nothing QEMU 7.2 gets wrong */
static unsigned nunits;

static void add32(Unit *u, uint32_t w)
{
    u->w[u->n] = w;
    u->len[u->n++] = 4;
}

static void add16(Unit *u, uint32_t w)
{
    u->w[u->n] = w & 0xffff;
    u->len[u->n++] = 2;
}

/* Destinations: anything but sp, s0 and s1 (x0 is fine, writes vanish). */
static unsigned rd_any(void)
{
    for (;;) {
        unsigned r = below(32);
        if (r != 2 && r != 8 && r != 9)
            return r;
    }
}

static unsigned rd_nonzero(void)
{
    for (;;) {
        unsigned r = rd_any();
        if (r)
            return r;
    }
}

static unsigned rs_any(void)
{
    return below(32);
}

/* Compressed registers x8..x15: destinations x10..x15 only. */
static unsigned crd(void)
{
    return 2 + below(6);
}

static unsigned crs(void)
{
    return below(8);
}

/* A memory operand: base register and offset for an access of size bytes.
 * Mostly aligned and inside the scratch area, sometimes misaligned,
 * sometimes through s1 (unmapped: an access fault). */
static void mem_operand(unsigned size, unsigned *base, int32_t *off)
{
    *base = chance(50) ? 8 : 2;
    int32_t o = (int32_t)below(4096) - 2048;
    if (!chance(15))
        o &= ~(int32_t)(size - 1);
    if (o > 2047 - (int32_t)size + 1)
        o -= 8;
    *off = o;
    if (chance(3))
        *base = 9;
}

static unsigned rm(void)
{
    static const unsigned rms[] = {0, 1, 2, 3, 4, 7, 7, 7};
    if (chance(2))
        return 5 + below(2); /* reserved: illegal instruction */
    return rms[below(8)];
}

static void gen_alu(Unit *u)
{
    static const unsigned op[][2] = {/* f3, f7 */
        {0, 0}, {0, 0x20}, {1, 0}, {2, 0}, {3, 0}, {4, 0}, {5, 0},
        {5, 0x20}, {6, 0}, {7, 0}, {0, 1}, {1, 1}, {2, 1}, {3, 1},
        {4, 1}, {5, 1}, {6, 1}, {7, 1},
    };
    static const unsigned opw[][2] = {
        {0, 0}, {0, 0x20}, {1, 0}, {5, 0}, {5, 0x20}, {0, 1}, {4, 1},
        {5, 1}, {6, 1}, {7, 1},
    };
    if (chance(70)) {
        unsigned k = below(18);
        add32(u, R(0x33, rd_any(), op[k][0], rs_any(), rs_any(), op[k][1]));
    } else {
        unsigned k = below(10);
        add32(u, R(0x3b, rd_any(), opw[k][0], rs_any(), rs_any(),
                   opw[k][1]));
    }
}

static void gen_alui(Unit *u)
{
    int32_t imm = (int32_t)below(4096) - 2048;
    if (chance(30))
        imm = (int32_t)below(5) - 2;
    switch (below(4)) {
    case 0: { /* addi slti sltiu xori ori andi */
        static const unsigned f3[] = {0, 2, 3, 4, 6, 7};
        add32(u, I(0x13, rd_any(), f3[below(6)], rs_any(), imm));
        break;
    }
    case 1: { /* slli srli srai */
        unsigned k = below(3), sh = below(64);
        unsigned hi = k == 2 ? 0x400 : 0;
        add32(u, I(0x13, rd_any(), k == 0 ? 1 : 5, rs_any(),
                   (int32_t)(hi | sh)));
        break;
    }
    case 2:
        add32(u, I(0x1b, rd_any(), 0, rs_any(), imm)); /* addiw */
        break;
    default: { /* slliw srliw sraiw */
        unsigned k = below(3), sh = below(32);
        unsigned hi = k == 2 ? 0x400 : 0;
        add32(u, I(0x1b, rd_any(), k == 0 ? 1 : 5, rs_any(),
                   (int32_t)(hi | sh)));
        break;
    }
    }
}

static void gen_upper(Unit *u)
{
    add32(u, (uint32_t)(rnd() & 0xfffff000u) | rd_any() << 7 |
                 (chance(50) ? 0x37 : 0x17));
}

static void gen_load(Unit *u)
{
    static const unsigned f3[] = {0, 1, 2, 3, 4, 5, 6};
    unsigned k = f3[below(7)], base;
    int32_t off;
    mem_operand(1u << (k & 3), &base, &off);
    add32(u, I(0x03, rd_any(), k, base, off));
}

static void gen_store(Unit *u)
{
    unsigned k = below(4), base;
    int32_t off;
    mem_operand(1u << k, &base, &off);
    add32(u, S(0x23, k, base, rs_any(), off));
}

/* A register for an address computed inside the unit. */
static unsigned rtemp(void)
{
    return rd_nonzero();
}

static void gen_amo(Unit *u)
{
    static const unsigned f5[] = {0x01, 0x00, 0x04, 0x0c, 0x08,
                                  0x10, 0x14, 0x18, 0x1c};
    bool d = chance(50);
    unsigned t = rtemp();
    int32_t off = ((int32_t)below(4000) - 2000) & ~7;
    if (!d && chance(50))
        off += 4;
    /* Misaligned: a store/AMO misaligned fault (cause 6), which QEMU 7.2
     * reports as a misaligned load (4). */
    if (chance(5) && !qemu_safe)
        off += 1 + (int32_t)below(3);
    add32(u, I(0x13, t, 0, 8, off));
    add32(u, R(0x2f, rd_any(), d ? 3 : 2, t, rs_any(),
               f5[below(9)] << 2 | below(4)));
}

static void gen_lrsc(Unit *u)
{
    bool d = chance(50);
    unsigned t = rtemp(), r1;
    int32_t off = ((int32_t)below(4000) - 2000) & ~7;
    do
        r1 = rd_any();
    while (r1 == t);
    add32(u, I(0x13, t, 0, 8, off));
    add32(u, R(0x2f, r1, d ? 3 : 2, t, 0, 0x02 << 2 | below(4)));
    if (chance(30)) { /* something in between that keeps t */
        unsigned r;
        do
            r = rd_any();
        while (r == t);
        add32(u, R(0x33, r, 0, rs_any(), rs_any(), 0));
    }
    add32(u, R(0x2f, rd_any(), d ? 3 : 2, t, rs_any(),
               0x03 << 2 | below(4)));
}

static unsigned fr(void)
{
    return below(32);
}

static void gen_fp(Unit *u)
{
    unsigned fmt = below(2); /* 0 single, 1 double */
    unsigned rd = fr(), a = fr(), b = fr(), c = fr();
    switch (below(12)) {
    case 0: { /* fadd fsub fmul fdiv */
        add32(u, R(0x53, rd, rm(), a, b, (below(4) << 2 | fmt)));
        break;
    }
    case 1: /* fsqrt */
        add32(u, R(0x53, rd, rm(), a, 0, 0x0b << 2 | fmt));
        break;
    case 2: /* fsgnj n x */
        add32(u, R(0x53, rd, below(3), a, b, 0x04 << 2 | fmt));
        break;
    case 3: /* fmin fmax */
        add32(u, R(0x53, rd, below(2), a, b, 0x05 << 2 | fmt));
        break;
    case 4: /* fcvt.{w,wu,l,lu}.fmt */
        add32(u, R(0x53, rd_any(), rm(), a, below(4), 0x18 << 2 | fmt));
        break;
    case 5: /* fcvt.fmt.{w,wu,l,lu} */
        add32(u, R(0x53, rd, rm(), rs_any(), below(4), 0x1a << 2 | fmt));
        break;
    case 6: /* fcvt.s.d, fcvt.d.s */
        add32(u, R(0x53, rd, rm(), a, fmt ? 0 : 1, 0x08 << 2 | fmt));
        break;
    case 7: /* fmv.x.{w,d}, fclass */
        add32(u, R(0x53, rd_any(), below(2), a, 0, 0x1c << 2 | fmt));
        break;
    case 8: /* fmv.{w,d}.x */
        add32(u, R(0x53, rd, 0, rs_any(), 0, 0x1e << 2 | fmt));
        break;
    case 9: /* fle flt feq */
        add32(u, R(0x53, rd_any(), below(3), a, b, 0x14 << 2 | fmt));
        break;
    case 10: /* fmadd fmsub fnmsub fnmadd */
        add32(u, R4(0x43 | below(4) << 2, rd, rm(), a, b, c, fmt));
        break;
    default: { /* flw fld fsw fsd */
        unsigned base;
        int32_t off;
        mem_operand(fmt ? 8 : 4, &base, &off);
        if (chance(50))
            add32(u, I(0x07, rd, fmt ? 3 : 2, base, off));
        else
            add32(u, S(0x27, fmt ? 3 : 2, base, a, off));
        break;
    }
    }
}

static void gen_csr(Unit *u)
{
    unsigned csr = 1 + below(3); /* fflags frm fcsr */
    unsigned f3 = 1 + below(3) + (chance(50) ? 4 : 0);
    unsigned src = f3 >= 4 ? below(32) : rs_any();
    add32(u, I(0x73, rd_any(), f3, src, (int32_t)csr));
}

static void gen_trap(Unit *u)
{
    switch (below(9)) {
    case 0:
        add32(u, 0x00000073); /* ecall */
        break;
    case 1:
        add32(u, 0x00100073); /* ebreak */
        break;
    case 2:
        add16(u, 0x9002); /* c.ebreak */
        break;
    case 3:
        add16(u, 0x0000); /* illegal */
        break;
    case 4:
        add32(u, 0xffffffff);
        break;
    case 5: /* load with funct3 7: reserved */
        add32(u, I(0x03, rd_any(), 7, 8, 0));
        break;
    case 6: /* OP-IMM-32 with funct3 2: reserved */
        add32(u, I(0x1b, rd_any(), 2, rs_any(), (int32_t)below(4096)));
        break;
    case 7:
        add32(u, 0x0000100f); /* fence.i */
        break;
    default:
        add32(u, 0x0ff0000f); /* fence */
        break;
    }
}

static void gen_c(Unit *u)
{
    unsigned r, imm;
    switch (below(22)) {
    case 0: /* c.addi4spn */
        imm = (1 + below(255)) << 2;
        add16(u, bit(imm, 4, 11) | bit(imm, 5, 12) | ((imm >> 6) & 15) << 7 |
                     bit(imm, 2, 6) | bit(imm, 3, 5) | crd() << 2);
        break;
    case 1: /* c.fld c.ld c.fsd c.sd */
    case 2: {
        static const unsigned f3[] = {1, 3, 5, 7};
        unsigned k = f3[below(4)];
        imm = below(32) << 3;
        unsigned rx = (k == 3) ? crd() : crs();
        add16(u, k << 13 | ((imm >> 3) & 7) << 10 | 0 << 7 |
                     ((imm >> 6) & 3) << 5 | rx << 2);
        break;
    }
    case 3: { /* c.lw c.sw */
        unsigned k = chance(50) ? 2 : 6;
        imm = below(32) << 2;
        unsigned rx = (k == 2) ? crd() : crs();
        add16(u, k << 13 | ((imm >> 3) & 7) << 10 | bit(imm, 2, 6) |
                     bit(imm, 6, 5) | rx << 2);
        break;
    }
    case 4: /* c.addi */
        imm = below(64);
        add16(u, 0 << 13 | bit(imm, 5, 12) | rd_nonzero() << 7 |
                     (imm & 31) << 2 | 1);
        break;
    case 5: /* c.addiw */
        imm = below(64);
        add16(u, 1 << 13 | bit(imm, 5, 12) | rd_nonzero() << 7 |
                     (imm & 31) << 2 | 1);
        break;
    case 6: /* c.li */
        imm = below(64);
        add16(u, 2 << 13 | bit(imm, 5, 12) | rd_nonzero() << 7 |
                     (imm & 31) << 2 | 1);
        break;
    case 7: /* c.lui */
        imm = 1 + below(63);
        add16(u, 3 << 13 | bit(imm, 5, 12) | rd_nonzero() << 7 |
                     (imm & 31) << 2 | 1);
        break;
    case 8: /* c.srli c.srai c.andi */
        imm = 1 + below(63);
        add16(u, 4 << 13 | bit(imm, 5, 12) | below(3) << 10 | crd() << 7 |
                     (imm & 31) << 2 | 1);
        break;
    case 9: /* c.sub c.xor c.or c.and c.subw c.addw */
        r = below(6);
        add16(u, 4 << 13 | (r >= 4) << 12 | 3 << 10 | crd() << 7 |
                     (r & 3) << 5 | crs() << 2 | 1);
        break;
    case 10: /* c.slli */
        imm = 1 + below(63);
        add16(u, 0 << 13 | bit(imm, 5, 12) | rd_nonzero() << 7 |
                     (imm & 31) << 2 | 2);
        break;
    case 11: /* c.fldsp c.ldsp */
    case 12:
        r = chance(50) ? 1 : 3;
        imm = below(64) << 3;
        add16(u, r << 13 | bit(imm, 5, 12) |
                     (r == 3 ? rd_nonzero() : fr()) << 7 |
                     ((imm >> 3) & 3) << 5 | ((imm >> 6) & 7) << 2 | 2);
        break;
    case 13: /* c.lwsp */
        imm = below(64) << 2;
        add16(u, 2 << 13 | bit(imm, 5, 12) | rd_nonzero() << 7 |
                     ((imm >> 2) & 7) << 4 | ((imm >> 6) & 3) << 2 | 2);
        break;
    case 14: /* c.mv */
        add16(u, 4 << 13 | rd_nonzero() << 7 | (1 + below(31)) << 2 | 2);
        break;
    case 15: /* c.add */
        add16(u, 4 << 13 | 1 << 12 | rd_nonzero() << 7 |
                     (1 + below(31)) << 2 | 2);
        break;
    case 16: /* c.fsdsp c.sdsp */
        r = chance(50) ? 5 : 7;
        imm = below(64) << 3;
        add16(u, r << 13 | ((imm >> 3) & 7) << 10 | ((imm >> 6) & 7) << 7 |
                     below(32) << 2 | 2);
        break;
    case 17: /* c.swsp */
        imm = below(64) << 2;
        add16(u, 6 << 13 | ((imm >> 2) & 15) << 9 | ((imm >> 6) & 3) << 7 |
                     below(32) << 2 | 2);
        break;
    case 18: { /* c.addi16sp up and back down */
        int32_t v = (int32_t)(1 + below(15)) << 4;
        for (int s = 0; s < 2; s++) {
            uint32_t x = (uint32_t)(s ? -v : v);
            add16(u, 3 << 13 | bit(x, 9, 12) | 2 << 7 | bit(x, 4, 6) |
                         bit(x, 6, 5) | ((x >> 7) & 3) << 3 | bit(x, 5, 2) |
                         1);
        }
        break;
    }
    default: /* c.nop */
        add16(u, 0x0001);
        break;
    }
}

static void gen_unit(Unit *u)
{
    memset(u, 0, sizeof(*u));
    u->kind = K_PLAIN;
    unsigned k = below(100);
    if (k < 18)
        gen_alu(u);
    else if (k < 30)
        gen_alui(u);
    else if (k < 33)
        gen_upper(u);
    else if (k < 41)
        gen_load(u);
    else if (k < 48)
        gen_store(u);
    else if (k < 52)
        gen_amo(u);
    else if (k < 54)
        gen_lrsc(u);
    else if (k < 66)
        gen_fp(u);
    else if (k < 69)
        gen_csr(u);
    else if (k < 72)
        gen_trap(u);
    else if (k < 86)
        gen_c(u);
    else {
        static const unsigned bf3[] = {0, 1, 4, 5, 6, 7};
        u->skip = below(6);
        u->f3 = bf3[below(6)];
        u->ra = rs_any();
        u->rb = rs_any();
        u->rd = rd_any();
        u->t = rtemp();
        if (chance(50))
            u->f3 |= 8; /* c.bnez, c.jalr */
        switch (below(5)) {
        case 0:
        case 1:
            u->kind = K_BRANCH;
            add32(u, 0);
            break;
        case 2:
            u->kind = chance(50) ? K_JAL : K_CJ;
            if (u->kind == K_JAL)
                add32(u, 0);
            else
                add16(u, 0);
            break;
        case 3:
            u->kind = K_CBRANCH;
            add16(u, 0);
            break;
        default:
            u->kind = chance(50) ? K_JALR : K_CJR;
            add32(u, 0);
            add32(u, 0);
            if (u->kind == K_CJR)
                add16(u, 0);
            break;
        }
    }
}

static unsigned unit_size(const Unit *u)
{
    unsigned s = 0;
    for (unsigned i = 0; i < u->n; i++)
        s += u->len[i];
    return s;
}

/* Fills in the branches once every unit has its address. The last unit
 * (the jump to done) is a valid target. */
static void resolve(Unit *u, unsigned idx)
{
    unsigned ti = idx + 1 + u->skip;
    if (ti >= nunits)
        ti = nunits - 1;
    int32_t off = (int32_t)(units[ti].addr - u->addr);
    switch (u->kind) {
    case K_BRANCH:
        u->w[0] = B(u->f3 & 7, u->ra, u->rb, off);
        break;
    case K_JAL:
        u->w[0] = J(u->rd, off);
        break;
    case K_CJ: {
        uint32_t x = (uint32_t)off;
        u->w[0] = 5 << 13 | bit(x, 11, 12) | bit(x, 4, 11) |
                  ((x >> 8) & 3) << 9 | bit(x, 10, 8) | bit(x, 6, 7) |
                  bit(x, 7, 6) | ((x >> 1) & 7) << 3 | bit(x, 5, 2) | 1;
        break;
    }
    case K_CBRANCH: {
        uint32_t x = (uint32_t)off;
        u->w[0] = (u->f3 & 8 ? 7u : 6u) << 13 | bit(x, 8, 12) |
                  ((x >> 3) & 3) << 10 | (u->ra & 7) << 7 | ((x >> 6) & 3) << 5 |
                  ((x >> 1) & 3) << 3 | bit(x, 5, 2) | 1;
        break;
    }
    case K_JALR: { /* auipc t, 0; jalr rd, off(t) */
        unsigned t = u->t;
        u->w[0] = t << 7 | 0x17;
        u->w[1] = I(0x67, u->rd, 0, t, off);
        break;
    }
    case K_CJR: { /* auipc t, 0; addi t, t, off; c.jr/c.jalr t */
        unsigned t = u->t;
        u->w[0] = t << 7 | 0x17;
        u->w[1] = I(0x13, t, 0, t, off);
        u->w[2] = 4 << 13 | (u->f3 & 8 ? 1u : 0u) << 12 | t << 7 | 2;
        break;
    }
    default:
        break;
    }
}

static void put64(uint8_t *p, uint64_t v)
{
    for (unsigned i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static int usage(void)
{
    fprintf(stderr, "usage: gen-riscv [-q] [-v] [-n UNITS] SEED RUNTIME.bin "
                    "OUT.bin\n"
                    "  -v        print where the last random unit is\n"
                    "  -n UNITS  1 to %u random units (default 500)\n"
                    "  -q        leave out what QEMU 7.2 gets wrong (misaligned "
                    "AMOs)\n",
            MAX_UNITS);
    return 2;
}

int main(int argc, char **argv)
{
    struct gen_opts o = {.units = 500};
    if (!gen_parse_opts(argc, argv, 'q', MAX_UNITS, 2, &o))
        return usage();
    qemu_safe = o.flag;
    verbose = o.verbose;
    uint64_t n = o.units;
    gen_seed(o.seed, 0x1234567);

    uint8_t *img = calloc(1, IMAGE_SIZE);
    if (!img)
        return 1;
    FILE *f = fopen(o.operands[0], "rb");
    if (!f) {
        fprintf(stderr, "gen-riscv: %s: %s\n", o.operands[0], strerror(errno));
        return 1;
    }
    size_t got = fread(img, 1, STREAM + 1, f);
    fclose(f);
    if (got != STREAM) {
        fprintf(stderr, "gen-riscv: %s: expected %u bytes (the runtime "
                        "up to the stream), got %zu\n",
                o.operands[0], STREAM, got);
        return 1;
    }

    /* Registers (x0..x31, f0..f31, fcsr) and the scratch area first, so
     * that the first K units of a program are the same for every -n >= K
     * (bisecting a failure: difftest.sh --bisect). */
    for (unsigned r = 0; r < 32; r++)
        put64(img + INIT + 8 * r, value());
    put64(img + INIT + 8 * 2, BASE + SCRATCH + SCRATCH_SIZE / 2);
    put64(img + INIT + 8 * 8, BASE + SCRATCH + SCRATCH_SIZE / 2);
    put64(img + INIT + 8 * 9, BAD_ADDR);
    for (unsigned r = 0; r < 32; r++)
        put64(img + INIT + 256 + 8 * r, fvalue());
    put64(img + INIT + 512, below(5) << 5); /* a valid frm, no flags */
    for (unsigned i = 0; i < SCRATCH_SIZE; i += 8)
        put64(img + SCRATCH + i, chance(50) ? fvalue() : value());

    nunits = (unsigned)n + 1;
    units = calloc(nunits, sizeof(*units));
    if (!units)
        return 1;
    uint32_t addr = STREAM;
    for (unsigned i = 0; i + 1 < nunits; i++) {
        gen_unit(&units[i]);
        units[i].addr = addr;
        addr += unit_size(&units[i]);
    }
    Unit *last = &units[nunits - 1];
    last->kind = K_PLAIN;
    last->addr = addr;
    add32(last, J(0, (int32_t)DONE - (int32_t)addr));
    addr += 4;
    if (addr > INIT) {
        fprintf(stderr, "gen-riscv: the stream does not fit\n");
        return 1;
    }
    for (unsigned i = 0; i < nunits; i++) {
        resolve(&units[i], i);
        uint32_t p = units[i].addr;
        for (unsigned k = 0; k < units[i].n; k++) {
            for (unsigned b = 0; b < units[i].len[k]; b++)
                img[p + b] = (uint8_t)(units[i].w[k] >> (8 * b));
            p += units[i].len[k];
        }
    }

    if (verbose && nunits > 1)
        printf("last unit: 0x%llx..0x%llx\n",
               (unsigned long long)(BASE + units[nunits - 2].addr),
               (unsigned long long)(BASE + units[nunits - 1].addr));
    f = fopen(o.operands[1], "wb");
    if (!f || fwrite(img, 1, IMAGE_SIZE, f) != IMAGE_SIZE || fclose(f)) {
        fprintf(stderr, "gen-riscv: %s: %s\n", o.operands[1], strerror(errno));
        return 1;
    }
    free(img);
    free(units);
    return 0;
}
