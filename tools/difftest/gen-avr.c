/* SPDX-License-Identifier: MIT */
/*
 * gen-avr: writes a random AVR program (ATmega328P or ATmega2560: it uses
 * what both have) for differential testing, as Intel HEX.
 *
 *   gen-avr [-s] [-v] [-n UNITS] SEED OUT.hex
 *
 * The program: a prologue (stack, USART transmitter, the scratch SRAM area
 * 0x200..0x3ff filled from a flash table with lpm, random r0..r31 and
 * SREG), UNITS random units, then a dump (r0..r31, SREG, SP and the
 * scratch area in hex on the USART) and cli; sleep, which ends the run on
 * Tessera and on simavr. A unit is one instruction or a short sequence that
 * belongs together (loading X, Y or Z with a scratch address and the
 * access through it). Branches, jumps and calls go forward to the start
 * of a later unit; skips (cpse, sbrc, sbrs, sbic, sbis) skip whatever
 * comes next, two-word instructions included. The same seed gives the
 * same program, and the first K units are the same for every -n >= K.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen-common.h"

#define SCRATCH 0x200u
#define SCRATCH_SIZE 0x200u
#define SAVE 0x400u /* above the scratch area; 0x100 is I/O on the ATmega2560 */
#define UCSR0A 0xc0u
#define UCSR0B 0xc1u
#define UDR0 0xc6u
#define GPIOR0 0x1eu /* I/O addresses (in/out, sbi/cbi) */
#define GPIOR1 0x2au
#define GPIOR2 0x2bu
#define SREG 0x3fu
#define SPL 0x3du
#define SPH 0x3eu
#define MAX_UNITS 4000u
#define FLASH_WORDS 16384u /* 32 KiB */


/* A byte with edge cases often: 0, 0x7f, 0x80, 0xff, 1. */
static unsigned byte(void)
{
    static const unsigned edges[] = {0, 1, 0x7f, 0x80, 0xff, 0xfe, 0x81};
    return chance(30) ? edges[below(7)] : below(256);
}

/* ---------------------------------------------------------------------- */
/* Flash                                                                   */

static uint16_t flash[FLASH_WORDS];
static bool simavr_safe;  /* -s: nothing simavr gets wrong */
static bool after_skip;   /* the unit being made ends with a skip */
static bool prev_skip;    /* the unit before it did */
static bool multi;        /* the unit being made has several instructions */
static unsigned pc; /* next word */

static void w(unsigned v)
{
    if (pc >= FLASH_WORDS) {
        fprintf(stderr, "gen-avr: the program does not fit\n");
        exit(1);
    }
    flash[pc++] = (uint16_t)v;
}

/* Instruction forms. */
static void two(unsigned op6, unsigned d, unsigned r)
{
    w(op6 << 10 | (r & 0x10) << 5 | d << 4 | (r & 15));
}

static void imm(unsigned op4, unsigned d, unsigned k) /* d: 16..31 */
{
    w(op4 << 12 | (k & 0xf0) << 4 | (d - 16) << 4 | (k & 15));
}

static void ldi(unsigned d, unsigned k)
{
    imm(0xe, d, k);
}

static void lds(unsigned d, unsigned addr)
{
    w(0x9000 | d << 4);
    w(addr);
}

static void sts(unsigned addr, unsigned r)
{
    w(0x9200 | r << 4);
    w(addr);
}

static void out(unsigned io, unsigned r)
{
    w(0xb800 | (io & 0x30) << 5 | r << 4 | (io & 15));
}

static void in(unsigned d, unsigned io)
{
    w(0xb000 | (io & 0x30) << 5 | d << 4 | (io & 15));
}

static void rjmp_to(unsigned at, unsigned target, unsigned op) /* rjmp/rcall */
{
    flash[at] = (uint16_t)(op << 12 | ((target - at - 1) & 0xfff));
}

static void rcall_here(unsigned target)
{
    w(0xd000 | ((target - pc - 1) & 0xfff));
}

/* ---------------------------------------------------------------------- */
/* Units                                                                   */

enum { K_PLAIN, K_BR, K_RJMP, K_RCALL, K_JMP, K_CALL, K_IJMP, K_ICALL };

typedef struct Unit {
    unsigned kind, start, skip, cond, at;
} Unit;

static unsigned reg(void)
{
    return below(32);
}

static unsigned hreg(void) /* r16..r31 */
{
    return 16 + below(16);
}

/* Loads pointer register pair p (26 X, 28 Y, 30 Z) with a scratch
 * address, low byte first: a skip that lands here leaves a high byte of
 * 2 or 3, still inside SRAM. */
static void point(unsigned p)
{
    unsigned a = SCRATCH + 1 + below(SCRATCH_SIZE - 2);
    ldi(p, a & 0xff);
    ldi(p + 1, a >> 8);
}

/* A destination that is not in pointer pair p (ld r26, X+ is undefined). */
static unsigned reg_not(unsigned p)
{
    for (;;) {
        unsigned r = reg();
        if (r != p && r != p + 1)
            return r;
    }
}

static void gen_mem(void)
{
    unsigned k = below(10);
    if (k == 0) { /* lds / sts */
        unsigned a = SCRATCH + below(SCRATCH_SIZE);
        if (chance(50))
            lds(reg(), a);
        else
            sts(a, reg());
        return;
    }
    multi = true;
    if (k == 1) { /* push and pop: a move through the stack */
        w(0x920f | reg() << 4);
        w(0x900f | reg() << 4);
        return;
    }
    if (k == 2) { /* lpm from anywhere in the program */
        unsigned a = below(2 * pc);
        ldi(30, a & 0xff);
        ldi(31, a >> 8);
        switch (below(3)) {
        case 0:
            w(0x95c8); /* lpm (r0) */
            break;
        case 1:
            w(0x9004 | reg() << 4); /* lpm rd, Z */
            break;
        default:
            w(0x9005 | reg_not(30) << 4); /* lpm rd, Z+ */
            break;
        }
        return;
    }
    unsigned p = 26 + 2 * below(3); /* X Y Z */
    bool store = chance(50);
    point(p);
    unsigned mode = below(4); /* plain, post-inc, pre-dec, displacement */
    if (p == 26 && mode == 3)
        mode = 0;
    unsigned r = store ? reg() : reg_not(p);
    if (store && mode != 0 && mode != 3)
        r = reg_not(p); /* st X+, r26 is undefined too */
    unsigned base = store ? 0x9200 : 0x9000;
    if (mode == 3) { /* ldd/std Y+q, Z+q */
        unsigned q = below(64);
        w(0x8000 | (q & 0x20) << 8 | (q & 0x18) << 7 | (store ? 0x200 : 0) |
          r << 4 | (p == 28 ? 8 : 0) | (q & 7));
        return;
    }
    static const unsigned lo[3][3] = {
        {0xc, 0xd, 0xe}, /* X, X+, -X */
        {0x8, 0x9, 0xa}, /* Y (ldd Y+0), Y+, -Y */
        {0x0, 0x1, 0x2}, /* Z (ldd Z+0), Z+, -Z */
    };
    unsigned v = lo[(p - 26) / 2][mode];
    if (mode == 0 && p != 26) /* ld Y / ld Z are ldd with q = 0 */
        w(0x8000 | (store ? 0x200 : 0) | r << 4 | v);
    else
        w(base | r << 4 | v);
}

static void gen_alu(void)
{
    static const unsigned ops[] = {
        0x03, /* add */ 0x07, /* adc */ 0x06, /* sub */ 0x02, /* sbc */
        0x08, /* and */ 0x0a, /* or */  0x09, /* eor */ 0x05, /* cp */
        0x01, /* cpc */ 0x0b, /* mov */ 0x27, /* mul */
    };
    two(ops[below(11)], reg(), reg());
}

static void gen_imm(void)
{
    static const unsigned ops[] = {0x3, 0x4, 0x5, 0x6, 0x7, 0xe};
    imm(ops[below(6)], hreg(), byte());
}

static void gen_one(void)
{
    static const unsigned ops[] = {0x0, 0x1, 0x2, 0x3, 0x5, 0x6, 0x7, 0xa};
    w(0x9400 | reg() << 4 | ops[below(8)]);
}

static void gen_misc(void)
{
    switch (below(12)) {
    case 0: { /* adiw / sbiw */
        unsigned k = below(64);
        /* simavr takes adiw/sbiw with K & 15 >= 12 for a two-word
         * jmp/call when it skips them (it skips two words). */
        if (simavr_safe && prev_skip && (k & 15) >= 12)
            k &= ~4u;
        w((chance(50) ? 0x9600 : 0x9700) | below(4) << 4 | (k & 0x30) << 2 |
          (k & 15));
        break;
    }
    case 1: /* movw */
        w(0x0100 | below(16) << 4 | below(16));
        break;
    case 2: /* muls */
        w(0x0200 | below(16) << 4 | below(16));
        break;
    case 3: /* mulsu fmul fmuls fmulsu */
        w(0x0300 | below(8) << 4 | below(8) | below(2) << 7 | below(2) << 3);
        break;
    case 4: /* bset / bclr, never I */
        w(0x9408 | below(2) << 7 | below(7) << 4);
        break;
    case 5: /* bld / bst */
        w((chance(50) ? 0xf800 : 0xfa00) | reg() << 4 | below(8));
        break;
    case 6: { /* in / out on the general purpose I/O registers, in SREG */
        static const unsigned io[] = {GPIOR0, GPIOR1, GPIOR2};
        if (chance(20))
            in(reg(), SREG);
        else if (chance(50))
            in(reg(), io[below(3)]);
        else
            out(io[below(3)], reg());
        break;
    }
    case 7: /* sbi / cbi on GPIOR0 */
        w((chance(50) ? 0x9a00 : 0x9800) | GPIOR0 << 3 | below(8));
        break;
    case 8: /* swap */
        w(0x9402 | reg() << 4);
        break;
    case 9: { /* out SREG: andi with bit 7 clear first, so never I */
        unsigned r = hreg();
        multi = true;
        imm(0x7, r, 0x7f & byte());
        out(SREG, r);
        break;
    }
    case 10:
        w(0x0000); /* nop */
        break;
    default: /* skips: cpse, sbrc, sbrs, sbic, sbis */
        after_skip = true;
        switch (below(4)) {
        case 0:
            two(0x04, reg(), reg());
            break;
        case 1:
            w((chance(50) ? 0xfc00 : 0xfe00) | reg() << 4 | below(8));
            break;
        default:
            w((chance(50) ? 0x9900 : 0x9b00) | GPIOR0 << 3 | below(8));
            break;
        }
        break;
    }
}

static Unit *units;
static bool verbose; /* -v: where the last random unit is */
static unsigned nunits;

/* A skip right before a unit of several instructions would skip only the
 * first (a push and not its pop, half of a pointer): it skips a nop put
 * in front instead. */
static void guard(const Unit *u)
{
    if (!multi || !prev_skip)
        return;
    w(0);
    memmove(&flash[u->start + 1], &flash[u->start],
            (pc - 1 - u->start) * sizeof(flash[0]));
    flash[u->start] = 0x0000;
}

static void gen_unit(Unit *u)
{
    memset(u, 0, sizeof(*u));
    u->start = pc;
    unsigned k = below(100);
    prev_skip = after_skip;
    after_skip = false;
    multi = false;
    if (k < 22)
        gen_alu();
    else if (k < 34)
        gen_imm();
    else if (k < 42)
        gen_one();
    else if (k < 64)
        gen_misc();
    else if (k < 84)
        gen_mem();
    else {
        u->skip = below(6);
        u->cond = below(16); /* brbs/brbc and the SREG bit */
        switch (below(8)) {
        case 0:
        case 1:
        case 2:
            u->kind = K_BR;
            break;
        case 3:
            u->kind = K_RJMP;
            break;
        case 4:
            u->kind = K_RCALL;
            break;
        case 5:
            u->kind = chance(50) ? K_JMP : K_CALL;
            break;
        default:
            u->kind = chance(50) ? K_IJMP : K_ICALL;
            break;
        }
        /* A skip before it would skip the first ldi and leave half of
         * Z stale: let it skip a nop instead. */
        if ((u->kind == K_IJMP || u->kind == K_ICALL) && prev_skip)
            w(0x0000);
        u->at = pc;
        multi = false;
        if (u->kind == K_IJMP || u->kind == K_ICALL) {
            w(0);
            w(0);
            w(u->kind == K_IJMP ? 0x9409 : 0x9509);
        } else if (u->kind == K_JMP || u->kind == K_CALL) {
            w(0);
            w(0);
        } else {
            w(0);
        }
    }
    if (u->kind == K_PLAIN)
        guard(u);
}

static void resolve(const Unit *u, unsigned idx)
{
    unsigned ti = idx + 1 + u->skip;
    if (ti >= nunits)
        ti = nunits - 1;
    unsigned t = units[ti].start;
    switch (u->kind) {
    case K_BR:
        flash[u->at] = (uint16_t)((u->cond & 8 ? 0xf400 : 0xf000) |
                                  ((t - u->at - 1) & 0x7f) << 3 |
                                  (u->cond & 7));
        break;
    case K_RJMP:
        rjmp_to(u->at, t, 0xc);
        break;
    case K_RCALL:
        rjmp_to(u->at, t, 0xd);
        break;
    case K_JMP:
    case K_CALL:
        flash[u->at] = (uint16_t)(u->kind == K_JMP ? 0x940c : 0x940e);
        flash[u->at + 1] = (uint16_t)t;
        break;
    case K_IJMP:
    case K_ICALL:
        flash[u->at] = (uint16_t)(0xe000 | (t & 0xf0) << 4 | (30 - 16) << 4 |
                                  (t & 15));
        flash[u->at + 1] = (uint16_t)(0xe000 | (t >> 8 & 0xf0) << 4 |
                                      (31 - 16) << 4 | (t >> 8 & 15));
        break;
    default:
        break;
    }
}

/* ---------------------------------------------------------------------- */
/* Prologue and dump                                                       */

static unsigned table_fix; /* the ldi pair that loads the table address */
static uint8_t table[SCRATCH_SIZE];

static void prologue(void)
{
    ldi(16, 0xff);
    out(SPL, 16);
    ldi(16, 0x08);
    out(SPH, 16);
    ldi(16, 0x08); /* TXEN0 */
    sts(UCSR0B, 16);
    /* Copy the table (flash, byte address in Z) to the scratch area. */
    table_fix = pc;
    ldi(30, 0);
    ldi(31, 0);
    ldi(26, SCRATCH & 0xff);
    ldi(27, SCRATCH >> 8);
    ldi(24, SCRATCH_SIZE & 0xff);
    ldi(25, SCRATCH_SIZE >> 8);
    unsigned loop = pc;
    w(0x9005);         /* lpm r0, Z+ */
    w(0x920d);         /* st X+, r0 */
    w(0x9701);         /* sbiw r24, 1 */
    w(0xf401 | ((loop - pc - 1) & 0x7f) << 3); /* brne loop */
    for (unsigned i = 0; i < SCRATCH_SIZE; i++)
        table[i] = (uint8_t)byte();
    /* SREG (I clear), then the registers. */
    ldi(16, byte() & 0x7f);
    out(SREG, 16);
    for (unsigned r = 0; r < 16; r++) {
        ldi(16, byte());
        two(0x0b, r, 16); /* mov */
    }
    for (unsigned r = 16; r < 32; r++)
        ldi(r, byte());
}

static void dump(void)
{
    w(0x0000); /* what a skip in the last unit skips */
    for (unsigned r = 0; r < 32; r++)
        sts(SAVE + r, r);
    in(16, SREG);
    sts(SAVE + 32, 16);
    in(16, SPL);
    sts(SAVE + 33, 16);
    in(16, SPH);
    sts(SAVE + 34, 16);
    in(16, GPIOR0);
    sts(SAVE + 35, 16);
    /* two regions: SAVE..SAVE+36, the scratch area */
    unsigned call_region[2];
    for (unsigned k = 0; k < 2; k++) {
        unsigned a = k ? SCRATCH : SAVE, n = k ? SCRATCH_SIZE : 36;
        ldi(26, a & 0xff);
        ldi(27, a >> 8);
        ldi(28, n & 0xff);
        ldi(29, n >> 8);
        call_region[k] = pc;
        w(0); /* rcall region */
    }
    w(0x94f8); /* cli */
    w(0x9588); /* sleep */
    w(0xcfff); /* rjmp . (never reached: the run ends at sleep) */

    /* putc: r24 */
    unsigned putc_ = pc;
    lds(25, UCSR0A);
    w(0xfe00 | 25 << 4 | 5);                 /* sbrs r25, 5 (UDRE0) */
    w(0xc000 | ((putc_ - pc - 1) & 0xfff));  /* rjmp putc */
    sts(UDR0, 24);
    w(0x9508);                               /* ret */

    /* nib: r24 = 0..15 */
    unsigned nib = pc;
    imm(0x3, 24, 10);                        /* cpi r24, 10 */
    w(0xf008 | (1 & 0x7f) << 3);             /* brlo +1 (brbs C) */
    imm(0x5, 24, (unsigned)(-39) & 0xff);    /* subi r24, -39 */
    imm(0x5, 24, (unsigned)(-'0') & 0xff);   /* subi r24, -'0' */
    w(0xc000 | ((putc_ - pc - 1) & 0xfff));  /* rjmp putc */

    /* hex: r24 */
    unsigned hex = pc;
    two(0x0b, 23, 24);                       /* mov r23, r24 */
    w(0x9582);                               /* swap r24 */
    imm(0x7, 24, 0x0f);                      /* andi r24, 15 */
    rcall_here(nib);
    two(0x0b, 24, 23);                       /* mov r24, r23 */
    imm(0x7, 24, 0x0f);
    w(0xc000 | ((nib - pc - 1) & 0xfff));    /* rjmp nib */

    /* region: X = start, Y = count; 16 bytes a line */
    unsigned region = pc;
    unsigned loop = pc;
    w(0x918d);                               /* ld r24, X+ */
    rcall_here(hex);
    two(0x0b, 24, 26);                       /* mov r24, r26 */
    imm(0x7, 24, 0x0f);                      /* andi r24, 15 */
    w(0xf411);                               /* brne +2 */
    ldi(24, '\n');
    rcall_here(putc_);
    w(0x9721);                               /* sbiw r28, 1 */
    w(0xf401 | ((loop - pc - 1) & 0x7f) << 3); /* brne loop */
    ldi(24, '\n');
    w(0xc000 | ((putc_ - pc - 1) & 0xfff));  /* rjmp putc */

    for (unsigned k = 0; k < 2; k++)
        rjmp_to(call_region[k], region, 0xd);
}

static int write_hex(const char *path, unsigned words)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "gen-avr: %s: %s\n", path, strerror(errno));
        return 1;
    }
    unsigned bytes = 2 * words;
    for (unsigned a = 0; a < bytes; a += 16) {
        unsigned n = bytes - a < 16 ? bytes - a : 16;
        unsigned sum = n + (a >> 8) + (a & 0xff);
        fprintf(f, ":%02X%04X00", n, a);
        for (unsigned i = 0; i < n; i++) {
            unsigned v = (flash[(a + i) / 2] >> (8 * ((a + i) & 1))) & 0xff;
            fprintf(f, "%02X", v);
            sum += v;
        }
        fprintf(f, "%02X\n", (0x100 - (sum & 0xff)) & 0xff);
    }
    fprintf(f, ":00000001FF\n");
    if (fclose(f)) {
        fprintf(stderr, "gen-avr: %s: %s\n", path, strerror(errno));
        return 1;
    }
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: gen-avr [-s] [-v] [-n UNITS] SEED OUT.hex\n"
                    "  -v        print where the last random unit is\n"
                    "  -n UNITS  1 to %u random units (default 400)\n"
                    "  -s        leave out what simavr gets wrong (adiw/sbiw "
                    "that look like jmp/call after a skip)\n",
            MAX_UNITS);
    return 2;
}

int main(int argc, char **argv)
{
    struct gen_opts o = {.units = 400};
    if (!gen_parse_opts(argc, argv, 's', MAX_UNITS, 1, &o))
        return usage();
    simavr_safe = o.flag;
    verbose = o.verbose;
    uint64_t n = o.units;
    gen_seed(o.seed, 0x7654321);

    prologue();
    nunits = (unsigned)n + 1;
    units = calloc(nunits, sizeof(*units));
    if (!units)
        return 1;
    for (unsigned i = 0; i + 1 < nunits; i++)
        gen_unit(&units[i]);
    units[nunits - 1].start = pc; /* the dump's first word */
    for (unsigned i = 0; i < nunits; i++)
        resolve(&units[i], i);
    dump();

    /* The table after the code, its byte address into the prologue. */
    unsigned tbl = pc;
    for (unsigned i = 0; i < SCRATCH_SIZE; i += 2)
        w(table[i] | table[i + 1] << 8);
    flash[table_fix] = (uint16_t)(0xe000 | ((2 * tbl) & 0xf0) << 4 |
                                  (30 - 16) << 4 | ((2 * tbl) & 15));
    flash[table_fix + 1] = (uint16_t)(0xe000 | ((2 * tbl) >> 8 & 0xf0) << 4 |
                                      (31 - 16) << 4 | ((2 * tbl) >> 8 & 15));
    if (verbose && nunits > 1)
        printf("last unit: 0x%x..0x%x\n",
               2 * units[nunits - 2].start, 2 * units[nunits - 1].start);
    free(units);
    return write_hex(o.operands[0], pc);
}
