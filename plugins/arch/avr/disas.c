/* SPDX-License-Identifier: MIT */
/*
 * AVR disassembler for -d in_asm and tools, in avr-objdump's notation:
 * "mnemonic<TAB>operands", immediates as avr-objdump writes them, relative
 * branches as ".+N"/".-N" followed by "; 0xTARGET".
 */
#include <stdarg.h>
#include <stdio.h>

#include "exec.h"

static const char *const brbs_names[8] = {"brcs", "breq", "brmi", "brvs",
                                          "brlt", "brhs", "brts", "brie"};
static const char *const brbc_names[8] = {"brcc", "brne", "brpl", "brvc",
                                          "brge", "brhc", "brtc", "brid"};
static const char *const bset_names[8] = {"sec", "sez", "sen", "sev",
                                          "ses", "seh", "set", "sei"};
static const char *const bclr_names[8] = {"clc", "clz", "cln", "clv",
                                          "cls", "clh", "clt", "cli"};

static void put(char *out, size_t outlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, outlen, fmt, ap);
    va_end(ap);
}

/* ".+4 ; 0x84" for a relative jump of k words from pc. */
static void rel(char *out, size_t outlen, const char *mn, uint64_t pc,
                int k, const char *prefix)
{
    int bytes = k * 2;
    put(out, outlen, "%s\t%s.%c%d\t; 0x%llx", mn, prefix,
        bytes < 0 ? '-' : '+', bytes < 0 ? -bytes : bytes,
        (unsigned long long)(pc + 2 + (int64_t)bytes));
}

/* LD/ST pointer modes (opcode bits 0-3). */
static const char *ptr_mode(unsigned mode)
{
    switch (mode) {
    case 0x1: return "Z+";
    case 0x2: return "-Z";
    case 0x9: return "Y+";
    case 0xa: return "-Y";
    case 0xc: return "X";
    case 0xd: return "X+";
    case 0xe: return "-X";
    }
    return NULL;
}

static unsigned disas_9(uint16_t op, uint16_t op2, bool have2, char *out,
                        size_t outlen)
{
    unsigned d = (op >> 4) & 31;
    switch ((op >> 8) & 15) {
    case 0x0: case 0x1:
        switch (op & 15) {
        case 0x0:
            if (!have2)
                return 0;
            put(out, outlen, "lds\tr%u, 0x%04X", d, op2);
            return 4;
        case 0x4: put(out, outlen, "lpm\tr%u, Z", d); return 2;
        case 0x5: put(out, outlen, "lpm\tr%u, Z+", d); return 2;
        case 0x6: put(out, outlen, "elpm\tr%u, Z", d); return 2;
        case 0x7: put(out, outlen, "elpm\tr%u, Z+", d); return 2;
        case 0xf: put(out, outlen, "pop\tr%u", d); return 2;
        }
        if (!ptr_mode(op & 15))
            return 0;
        put(out, outlen, "ld\tr%u, %s", d, ptr_mode(op & 15));
        return 2;
    case 0x2: case 0x3:
        switch (op & 15) {
        case 0x0:
            if (!have2)
                return 0;
            put(out, outlen, "sts\t0x%04X, r%u", op2, d);
            return 4;
        case 0xf: put(out, outlen, "push\tr%u", d); return 2;
        }
        if (!ptr_mode(op & 15))
            return 0;
        put(out, outlen, "st\t%s, r%u", ptr_mode(op & 15), d);
        return 2;
    case 0x4: case 0x5: {
        static const char *const one[16] = {
            "com", "neg", "swap", "inc", NULL, "asr", "lsr", "ror",
            NULL, NULL, "dec", NULL, NULL, NULL, NULL, NULL};
        unsigned k = op & 15;
        if (one[k]) {
            put(out, outlen, "%s\tr%u", one[k], d);
            return 2;
        }
        if (k >= 0xc) { /* JMP, CALL */
            if (!have2)
                return 0;
            uint32_t a = ((((uint32_t)(op >> 3) & 0x3e) | (op & 1)) << 16 |
                          op2) * 2;
            put(out, outlen, "%s\t0x%x", k >= 0xe ? "call" : "jmp", a);
            return 4;
        }
        if (k == 0x8) {
            if (!(op & 0x100)) {
                unsigned s = (op >> 4) & 7;
                put(out, outlen, "%s", (op & 0x80) ? bclr_names[s]
                                                   : bset_names[s]);
                return 2;
            }
            static const char *const misc[16] = {
                "ret", "reti", NULL, NULL, NULL, NULL, NULL, NULL,
                "sleep", "break", "wdr", NULL, "lpm", "elpm", "spm", "spm\tZ+"};
            const char *mn = misc[(op >> 4) & 15];
            if (!mn)
                return 0;
            put(out, outlen, "%s", mn);
            return 2;
        }
        if (k == 0x9) {
            static const char *const ind[4] = {"ijmp", "eijmp", "icall",
                                               "eicall"};
            if (op & 0xe0)
                return 0;
            put(out, outlen, "%s", ind[((op >> 7) & 2) | ((op >> 4) & 1)]);
            return 2;
        }
        return 0;
    }
    case 0x6: case 0x7:
        put(out, outlen, "%s\tr%u, 0x%02x", (op & 0x100) ? "sbiw" : "adiw",
            24 + ((op >> 3) & 6), (op & 15) | ((op >> 2) & 0x30));
        return 2;
    case 0x8: case 0x9: case 0xa: case 0xb: {
        static const char *const bitio[4] = {"cbi", "sbic", "sbi", "sbis"};
        put(out, outlen, "%s\t0x%02x, %u", bitio[(op >> 8) & 3],
            (op >> 3) & 31, op & 7);
        return 2;
    }
    default:
        put(out, outlen, "mul\tr%u, r%u", d, (op & 15) | ((op >> 5) & 16));
        return 2;
    }
}

static unsigned disas_op(uint64_t pc, uint16_t op, uint16_t op2, bool have2,
                         char *out, size_t outlen)
{
    unsigned d5 = (op >> 4) & 31, r5 = (op & 15) | ((op >> 5) & 16);
    unsigned d4 = 16 + ((op >> 4) & 15);
    unsigned k8 = ((op >> 4) & 0xf0) | (op & 15);
    static const char *const rr[16] = {
        NULL,  "cpc", "sbc", "add", "cpse", "cp", "sub", "adc",
        "and", "eor", "or",  "mov", NULL,   NULL, NULL,  NULL};
    static const char *const imm[8] = {NULL,   NULL,   NULL,  "cpi",
                                       "sbci", "subi", "ori", "andi"};

    if (op >> 12 < 3 && rr[op >> 10]) {
        put(out, outlen, "%s\tr%u, r%u", rr[op >> 10], d5, r5);
        return 2;
    }
    switch (op >> 12) {
    case 0x0:
        switch ((op >> 8) & 3) {
        case 0:
            if (op)
                return 0;
            put(out, outlen, "nop");
            return 2;
        case 1:
            put(out, outlen, "movw\tr%u, r%u", ((op >> 4) & 15) * 2,
                (op & 15) * 2);
            return 2;
        case 2:
            put(out, outlen, "muls\tr%u, r%u", d4, 16 + (op & 15));
            return 2;
        default: {
            static const char *const m[4] = {"mulsu", "fmul", "fmuls",
                                             "fmulsu"};
            put(out, outlen, "%s\tr%u, r%u",
                m[((op >> 6) & 2) | ((op >> 3) & 1)], 16 + ((op >> 4) & 7),
                16 + (op & 7));
            return 2;
        }
        }
    case 0x3: case 0x4: case 0x5: case 0x6: case 0x7:
        put(out, outlen, "%s\tr%u, 0x%02X", imm[op >> 12], d4, k8);
        return 2;
    case 0xe:
        put(out, outlen, "ldi\tr%u, 0x%02X", d4, k8);
        return 2;
    case 0x8: case 0xa: {
        unsigned q = (op & 7) | ((op >> 7) & 0x18) | ((op >> 8) & 0x20);
        char p = (op & 8) ? 'Y' : 'Z';
        bool st = (op & 0x200) != 0;
        if (q == 0) {
            if (st)
                put(out, outlen, "st\t%c, r%u", p, d5);
            else
                put(out, outlen, "ld\tr%u, %c", d5, p);
        } else if (st) {
            put(out, outlen, "std\t%c+%u, r%u", p, q, d5);
        } else {
            put(out, outlen, "ldd\tr%u, %c+%u", d5, p, q);
        }
        return 2;
    }
    case 0x9:
        return disas_9(op, op2, have2, out, outlen);
    case 0xb: {
        unsigned a = (op & 15) | ((op >> 5) & 0x30);
        if (op & 0x800)
            put(out, outlen, "out\t0x%02x, r%u", a, d5);
        else
            put(out, outlen, "in\tr%u, 0x%02x", d5, a);
        return 2;
    }
    case 0xc: case 0xd:
        rel(out, outlen, (op >> 12) == 0xc ? "rjmp" : "rcall", pc,
            (int32_t)((uint32_t)op << 20) >> 20, "");
        return 2;
    case 0xf: {
        if (!(op & 0x800)) {
            unsigned s = op & 7;
            rel(out, outlen, (op & 0x400) ? brbc_names[s] : brbs_names[s],
                pc, (int32_t)((uint32_t)op << 22) >> 25, "");
            return 2;
        }
        if (op & 8)
            return 0;
        static const char *const tb[4] = {"bld", "bst", "sbrc", "sbrs"};
        put(out, outlen, "%s\tr%u, %u", tb[(op >> 9) & 3], d5, op & 7);
        return 2;
    }
    }
    return 0;
}

unsigned avr_disas(uint64_t pc, const uint8_t *bytes, size_t len,
                   uint64_t flags, char *out, size_t outlen)
{
    (void)flags;
    if (len < 2)
        return 0;
    uint16_t op = (uint16_t)(bytes[0] | (bytes[1] << 8));
    bool have2 = len >= 4;
    uint16_t op2 = have2 ? (uint16_t)(bytes[2] | (bytes[3] << 8)) : 0;
    unsigned n = disas_op(pc, op, op2, have2, out, outlen);
    if (!n) {
        put(out, outlen, ".word\t0x%04x\t; ????", op);
        n = 2;
    }
    return n;
}
