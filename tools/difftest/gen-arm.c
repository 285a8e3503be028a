/* SPDX-License-Identifier: MIT */
/*
 * gen-arm: writes a random Thumb-2 program (ARMv7-M, or ARMv7E-M with the
 * DSP instructions: -d) for differential testing, as GNU assembler source
 * that difftest.sh links with tools/difftest/arm-runtime.c and the ARM
 * guest runtime (tests/arm/rt) for the MPS2 boards.
 *
 *   gen-arm [-d] [-v] [-n UNITS] SEED OUT.S
 *
 * The program (gen_body, called by the runtime's main): random r0-r9 and
 * r12 and APSR (NZCVQ, GE with -d), r11 pointing at a 512-byte scratch
 * area that the program fills with random words, then UNITS random units,
 * then r0-r12 and APSR stored for the runtime, which prints them and the
 * scratch area over semihosting. A unit is one instruction or a short
 * sequence that belongs together (r10 set to a scratch address and the
 * access through it): ALU operations with and without flags in their 16-
 * and 32-bit encodings, with shifted
 * registers and modified immediates, shifts, bit fields, extends, byte
 * reversal, multiplies and long multiplies, divides (by zero too),
 * saturation, IT blocks of one to four instructions on random
 * conditions, conditional branches (B<c>, CBZ, CBNZ) forward to the start
 * of a later unit,
 * loads and stores of every size, with writeback, register offsets,
 * LDRD/STRD, LDM/STM, LDREX/STREX, and with -d the DSP instructions. The
 * assembler encodes (so every instruction is one that exists); the same
 * seed gives the same program.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "gen-common.h"

#define MAX_UNITS 20000u
#define SCRATCH_WORDS 128u

static FILE *out;
static bool dsp;
static unsigned unit_no;

static void emit(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputc('\t', out);
    vfprintf(out, fmt, ap);
    fputc('\n', out);
    va_end(ap);
}

/* A data register: r0-r9 or r12 (r10 is the address temporary, r11 the
 * scratch base). */
static unsigned reg(void)
{
    unsigned r = below(11);
    return r == 10 ? 12 : r;
}

static const char *const conds[14] = {"eq", "ne", "cs", "cc", "mi", "pl",
                                      "vs", "vc", "hi", "ls", "ge", "lt",
                                      "gt", "le"};

static uint32_t value(void)
{
    static const uint32_t edges[] = {0, 1, 0xffffffffu, 0x80000000u,
                                     0x7fffffffu, 0xffff, 0x8000, 0x80,
                                     0x7f, 2, 31, 32};
    if (chance(30))
        return edges[below(sizeof(edges) / sizeof(edges[0]))];
    if (chance(20))
        return (uint32_t)below(64);
    return (uint32_t)rnd();
}

/* A modified immediate (ThumbExpandImm). */
static uint32_t modimm(void)
{
    uint32_t b = below(256);
    switch (below(5)) {
    case 0: return b;
    case 1: return b | b << 16;
    case 2: return b << 8 | b << 24;
    case 3: return b | b << 8 | b << 16 | b << 24;
    default: {
        uint32_t v = 0x80 | (b & 0x7f);
        unsigned rot = 8 + below(24);
        return v << (32 - rot) | v >> rot;
    }
    }
}

static void shift_str(char *s, size_t n)
{
    switch (below(6)) {
    case 0: snprintf(s, n, "%s", ""); break;
    case 1: snprintf(s, n, ", lsl #%u", 1 + below(31)); break;
    case 2: snprintf(s, n, ", lsr #%u", 1 + below(32)); break;
    case 3: snprintf(s, n, ", asr #%u", 1 + below(32)); break;
    case 4: snprintf(s, n, ", ror #%u", 1 + below(31)); break;
    default: snprintf(s, n, ", rrx"); break;
    }
}

/* One data-processing instruction with condition suffix cc ("" outside
 * IT blocks; inside, only forms allowed there). */
static void alu(const char *cc)
{
    static const char *const ops[] = {"add", "adc", "sub", "sbc", "rsb",
                                      "and", "orr", "eor", "bic", "orn"};
    static const char *const cmps[] = {"cmp", "cmn", "tst", "teq"};
    char sh[24];
    const char *s = chance(50) ? "s" : "";
    unsigned d = reg(), n = reg(), m = reg();
    switch (below(9)) {
    case 0: case 1: case 2:
        shift_str(sh, sizeof(sh));
        emit("%s%s%s.w r%u, r%u, r%u%s", ops[below(10)], s, cc, d, n, m, sh);
        break;
    case 3: case 4:
        emit("%s%s%s.w r%u, r%u, #0x%x", ops[below(10)], s, cc, d, n,
             modimm());
        break;
    case 5:
        if (chance(50)) {
            shift_str(sh, sizeof(sh));
            emit("%s%s.w r%u, r%u%s", cmps[below(4)], cc, n, m, sh);
        } else {
            emit("%s%s.w r%u, #0x%x", cmps[below(4)], cc, n, modimm());
        }
        break;
    case 6: { /* shifts, immediate and register */
        static const char *const sh4[] = {"lsl", "lsr", "asr", "ror"};
        unsigned k = below(4);
        if (chance(50))
            emit("%s%s%s.w r%u, r%u, r%u", sh4[k], s, cc, d, n, m);
        else
            emit("%s%s%s.w r%u, r%u, #%u", sh4[k], s, cc, d, n,
                 k == 0 ? below(32) : k == 3 ? 1 + below(31) : 1 + below(32));
        break;
    }
    case 7:
        if (chance(50))
            emit("%s%s%s.w r%u, #0x%x", chance(50) ? "mov" : "mvn", s, cc, d,
                 modimm());
        else
            emit("%s%s%s.w r%u, r%u", chance(50) ? "mov" : "mvn", s, cc, d, m);
        break;
    default:
        if (chance(50))
            emit("%s%s r%u, r%u, #%u", chance(50) ? "addw" : "subw", cc, d,
                 n, below(4096));
        else
            emit("%s%s r%u, #%u", chance(50) ? "movw" : "movt", cc, d,
                 below(65536));
        break;
    }
}

/* The 16-bit encodings: low registers, flags set outside IT blocks and
 * left alone inside (cc != ""), as the Thumb instruction set has it. */
static void narrow(const char *cc)
{
    static const char *const dp[] = {"and", "eor", "lsl", "lsr", "asr",
                                     "adc", "sbc", "ror", "orr", "bic",
                                     "mvn", "mul"};
    const char *s = *cc ? "" : "s";
    unsigned d = below(8), n = below(8), m = below(8);
    switch (below(7)) {
    case 0:
        emit("%s%s%s r%u, r%u, r%u", chance(50) ? "add" : "sub", s, cc, d, n,
             m);
        break;
    case 1:
        emit("%s%s%s r%u, r%u, #%u", chance(50) ? "add" : "sub", s, cc, d, n,
             below(8));
        break;
    case 2:
        if (chance(50))
            emit("%s%s%s r%u, #%u", chance(50) ? "add" : "sub", s, cc, d,
                 below(256));
        else
            emit("mov%s%s r%u, #%u", s, cc, d, below(256));
        break;
    case 3: {
        unsigned k = below(12);
        if (k == 10)
            emit("mvn%s%s r%u, r%u", s, cc, d, m);
        else if (k == 11)
            emit("mul%s%s r%u, r%u, r%u", s, cc, d, m, d);
        else
            emit("%s%s%s r%u, r%u, r%u", dp[k], s, cc, d, d, m);
        break;
    }
    case 4:
        emit("%s%s r%u, r%u, #%u", chance(50) ? "lsl" : chance(50) ? "lsr" : "asr",
             *cc ? cc : "s", d, m, 1 + below(31));
        break;
    case 5:
        if (chance(50))
            emit("%s%s r%u, r%u", chance(50) ? "tst" : "cmn", cc, n, m);
        else if (chance(50))
            emit("cmp%s r%u, #%u", cc, n, below(256));
        else
            emit("rsb%s%s r%u, r%u, #0", s, cc, d, n);
        break;
    default: { /* high registers: ADD, MOV, CMP */
        unsigned hd = reg(), hm = reg();
        switch (below(3)) {
        case 0: emit("add%s r%u, r%u", cc, hd, hm); break;
        case 1: emit("mov%s r%u, r%u", cc, hd, hm); break;
        default: emit("cmp%s r%u, r%u", cc, hd, hm); break;
        }
        break;
    }
    }
}

static void bits(const char *cc)
{
    unsigned d = reg(), n = reg(), m = reg();
    unsigned lsb = below(32), w = 1 + below(32 - lsb);
    static const char *const ext[] = {"uxtb", "uxth", "sxtb", "sxth"};
    static const char *const exta[] = {"uxtab", "uxtah", "sxtab", "sxtah"};
    static const char *const one[] = {"clz", "rbit", "rev", "rev16", "revsh"};
    switch (below(7)) {
    case 0: emit("bfi%s r%u, r%u, #%u, #%u", cc, d, n, lsb, w); break;
    case 1: emit("bfc%s r%u, #%u, #%u", cc, d, lsb, w); break;
    case 2: emit("%s%s r%u, r%u, #%u, #%u", chance(50) ? "ubfx" : "sbfx", cc,
                 d, n, lsb, w); break;
    case 3: emit("%s%s.w r%u, r%u", one[below(5)], cc, d, m); break;
    case 4: emit("%s%s.w r%u, r%u, ror #%u", ext[below(4)], cc, d, m,
                 8 * below(4)); break;
    case 5: /* the extend-and-add forms are ARMv7E-M */
        if (dsp)
            emit("%s%s r%u, r%u, r%u, ror #%u", exta[below(4)], cc, d, n, m,
                 8 * below(4));
        else
            emit("%s%s.w r%u, r%u", one[below(5)], cc, d, m);
        break;
    default:
        if (chance(50))
            emit("ssat%s r%u, #%u, r%u, %s #%u", cc, d, 1 + below(32), n,
                 chance(50) ? "lsl" : "asr", 1 + below(31));
        else
            emit("usat%s r%u, #%u, r%u", cc, d, below(32), n);
        break;
    }
}

static void mul(const char *cc)
{
    unsigned d = reg(), n = reg(), m = reg(), a = reg();
    static const char *const l[] = {"umull", "smull", "umlal", "smlal"};
    switch (below(5)) {
    case 0: emit("mul%s.w r%u, r%u, r%u", cc, d, n, m); break;
    case 1: emit("%s%s r%u, r%u, r%u, r%u", chance(50) ? "mla" : "mls", cc, d,
                 n, m, a); break;
    case 2: case 3: {
        unsigned hi = reg();
        while (hi == d)
            hi = reg();
        emit("%s%s r%u, r%u, r%u, r%u", l[below(4)], cc, d, hi, n, m);
        break;
    }
    default:
        emit("%s%s r%u, r%u, r%u", chance(50) ? "udiv" : "sdiv", cc, d, n, m);
        break;
    }
}

static void dsp_op(const char *cc)
{
    static const char *const par[] = {"add16", "asx", "sax", "sub16",
                                      "add8", "sub8"};
    static const char *const pre[] = {"s", "q", "sh", "u", "uq", "uh"};
    static const char *const three[] = {
        "qadd", "qsub", "qdadd", "qdsub", "sel", "smulbb", "smulbt",
        "smultb", "smultt", "smulwb", "smulwt", "smuad", "smuadx", "smusd",
        "smusdx", "smmul", "smmulr", "usad8"};
    static const char *const four[] = {
        "smlabb", "smlabt", "smlatb", "smlatt", "smlawb", "smlawt", "smlad",
        "smladx", "smlsd", "smlsdx", "smmla", "smmlar", "smmls", "smmlsr",
        "usada8"};
    static const char *const lng[] = {"smlalbb", "smlalbt", "smlaltb",
                                      "smlaltt", "smlald", "smlaldx",
                                      "smlsld", "smlsldx", "umaal"};
    unsigned d = reg(), n = reg(), m = reg(), a = reg();
    switch (below(7)) {
    case 0: case 1:
        emit("%s%s%s r%u, r%u, r%u", pre[below(6)], par[below(6)], cc, d, n,
             m);
        break;
    case 2:
        emit("%s%s r%u, r%u, r%u", three[below(18)], cc, d, n, m);
        break;
    case 3:
        emit("%s%s r%u, r%u, r%u, r%u", four[below(15)], cc, d, n, m, a);
        break;
    case 4: {
        unsigned hi = reg();
        while (hi == d)
            hi = reg();
        emit("%s%s r%u, r%u, r%u, r%u", lng[below(9)], cc, d, hi, n, m);
        break;
    }
    case 5:
        if (chance(50))
            emit("pkhbt%s r%u, r%u, r%u, lsl #%u", cc, d, n, m, below(32));
        else
            emit("pkhtb%s r%u, r%u, r%u, asr #%u", cc, d, n, m, 1 + below(32));
        break;
    default:
        switch (below(4)) {
        case 0: emit("ssat16%s r%u, #%u, r%u", cc, d, 1 + below(16), n); break;
        case 1: emit("usat16%s r%u, #%u, r%u", cc, d, below(16), n); break;
        case 2: emit("%s%s r%u, r%u, ror #%u",
                     chance(50) ? "uxtb16" : "sxtb16", cc, d, m, 8 * below(4));
            break;
        default: emit("%s%s r%u, r%u, r%u, ror #%u",
                      chance(50) ? "uxtab16" : "sxtab16", cc, d, n, m,
                      8 * below(4));
            break;
        }
        break;
    }
}

/* Loads and stores into the scratch area (r11), r10 as the address. */
static void mem(void)
{
    static const char *const ld[] = {"ldr", "ldrb", "ldrh", "ldrsb", "ldrsh",
                                     "str", "strb", "strh"};
    unsigned t = reg(), t2 = reg();
    unsigned k = below(8);
    switch (below(7)) {
    case 0: case 1:
        emit("%s.w r%u, [r11, #%u]", ld[k], t, below(4 * SCRATCH_WORDS - 4));
        break;
    case 2: { /* writeback, pre- or post-indexed */
        unsigned off = 256 + below(120);
        int imm = (int)below(255) - 127;
        emit("add r10, r11, #%u", off);
        if (chance(50))
            emit("%s r%u, [r10, #%d]!", ld[k], t, imm);
        else
            emit("%s r%u, [r10], #%d", ld[k], t, imm);
        break;
    }
    case 3: /* register offset */
        emit("movw r10, #%u", below(32));
        emit("%s.w r%u, [r11, r10, lsl #%u]", ld[k], t, below(4));
        break;
    case 4: /* doubleword */
        while (t2 == t)
            t2 = reg();
        emit("%s r%u, r%u, [r11, #%u]", chance(50) ? "ldrd" : "strd", t, t2,
             4 * below(SCRATCH_WORDS - 2));
        break;
    case 5: { /* multiple */
        unsigned list = 0;
        while (__builtin_popcount(list) < 2)
            list = (unsigned)rnd() & 0x13ff;
        char s[64];
        size_t p = 0;
        for (unsigned r = 0; r < 13; r++)
            if (list & (1u << r))
                p += (size_t)snprintf(s + p, sizeof(s) - p, "%sr%u",
                                      p ? ", " : "", r);
        emit("add r10, r11, #%u", 4 * (16 + below(SCRATCH_WORDS - 32)));
        emit("%s%s r10%s, {%s}", chance(50) ? "ldm" : "stm",
             chance(50) ? "ia" : "db", chance(50) ? "!" : "", s);
        break;
    }
    default: { /* an exclusive pair */
        unsigned off = 4 * below(SCRATCH_WORDS);
        while (t2 == t)
            t2 = reg();
        emit("add r10, r11, #%u", off);
        emit("ldrex r%u, [r10]", t);
        emit("strex r%u, r%u, [r10]", t, t2);
        break;
    }
    }
}

/* An instruction allowed in an IT block, with its condition. */
static void in_it(const char *cc)
{
    switch (below(dsp ? 6 : 5)) {
    case 0: alu(cc); break;
    case 1: narrow(cc); break;
    case 2: bits(cc); break;
    case 3: mul(cc); break;
    case 4: alu(cc); break;
    default: dsp_op(cc); break;
    }
}

static void unit(void)
{
    fprintf(out, ".Lu%u:\n", unit_no);
    switch (below(dsp ? 12 : 10)) {
    case 0: case 1: alu(""); break;
    case 2: narrow(""); break;
    case 3: bits(""); break;
    case 4: mul(""); break;
    case 5: case 6: mem(); break;
    case 7: { /* IT block */
        unsigned c = below(14), n = 1 + below(4);
        char mask[4] = "", *p = mask;
        bool th[4] = {true};
        for (unsigned i = 1; i < n; i++) {
            th[i] = chance(50);
            *p++ = th[i] ? 't' : 'e';
        }
        *p = 0;
        emit("it%s %s", mask, conds[c]);
        for (unsigned i = 0; i < n; i++)
            in_it(conds[th[i] ? c : c ^ 1]);
        break;
    }
    case 8: /* a conditional branch forward */
        if (chance(25)) /* over the next unit at most: CBZ reaches 126 */
            emit("%s r%u, .Lu%u", chance(50) ? "cbz" : "cbnz", below(8),
                 unit_no + 1 + below(2));
        else
            emit("b%s%s .Lu%u", conds[below(14)], chance(50) ? ".w" : "",
                 unit_no + 1 + below(3));
        break;
    case 9:
        emit("msr APSR_nzcvq%s, r%u", dsp ? "g" : "", reg());
        break;
    default:
        dsp_op("");
        break;
    }
    unit_no++;
}

static void movimm(unsigned r, uint32_t v)
{
    emit("movw r%u, #0x%x", r, v & 0xffff);
    emit("movt r%u, #0x%x", r, v >> 16);
}

int main(int argc, char **argv)
{
    struct gen_opts o;
    if (!gen_parse_opts(argc, argv, 'd', MAX_UNITS, 1, &o)) {
        fprintf(stderr, "usage: gen-arm [-d] [-v] [-n UNITS] SEED OUT.S\n");
        return 2;
    }
    dsp = o.flag;
    gen_seed(o.seed, 0x41524d); /* "ARM" */
    out = fopen(o.operands[0], "w");
    if (!out) {
        perror(o.operands[0]);
        return 1;
    }
    fprintf(out, "/* gen-arm seed %llu, %llu units%s */\n",
            (unsigned long long)o.seed, (unsigned long long)o.units,
            dsp ? ", DSP" : "");
    fprintf(out, "\t.syntax unified\n\t.thumb\n\t.data\n\t.balign 8\n"
                 "\t.global gen_scratch\ngen_scratch:\n");
    for (unsigned i = 0; i < SCRATCH_WORDS; i++)
        fprintf(out, "\t.word 0x%08x\n", value());
    fprintf(out, "\t.global gen_regs\ngen_regs:\n\t.space 64\n");
    fprintf(out, "\t.text\n\t.global gen_body\n\t.thumb_func\ngen_body:\n");
    emit("push {r4-r11, lr}");
    for (unsigned r = 0; r < 13; r++)
        if (r != 10 && r != 11)
            movimm(r, value());
    movimm(10, (uint32_t)rnd());
    emit("msr APSR_nzcvq%s, r10", dsp ? "g" : "");
    emit("movw r11, #:lower16:gen_scratch");
    emit("movt r11, #:upper16:gen_scratch");
    for (uint64_t i = 0; i < o.units; i++) {
        if (o.verbose && i + 1 == o.units)
            printf("last unit: .Lu%u\n", unit_no);
        unit();
    }
    for (unsigned i = 0; i < 4; i++)
        fprintf(out, ".Lu%u:\n", unit_no + i);
    emit("movw r11, #:lower16:gen_regs");
    emit("movt r11, #:upper16:gen_regs");
    emit("stm r11, {r0-r10}");
    emit("str r12, [r11, #48]");
    emit("mrs r0, apsr");
    emit("str r0, [r11, #52]");
    emit("pop {r4-r11, pc}");
    if (fclose(out) != 0) {
        perror(o.operands[0]);
        return 1;
    }
    return 0;
}
