/* SPDX-License-Identifier: MIT */
/*
 * SREG after every ALU instruction, for operand pairs around the carry,
 * half-carry and overflow edges and both carry-in values: one checksum
 * per instruction, compared with simavr.
 */
#include <stdint.h>

#include "common.h"

static const uint8_t vals[] = {0x00, 0x01, 0x0f, 0x10, 0x7f, 0x80, 0x81,
                               0xfe, 0xff, 0x55, 0xaa, 0x08};
#define NV sizeof(vals)

static uint16_t sum;

static void mix(uint8_t r, uint8_t sreg)
{
    sum = (uint16_t)((sum << 3) ^ (sum >> 13) ^ r ^ ((uint16_t)sreg << 8));
}

/* Binary ops: d = d OP r with carry-in cin and Z-in zin, SREG after. */
#define BIN(name, insn)                                                    \
    static void t_##name(void)                                             \
    {                                                                      \
        sum = 0;                                                           \
        for (uint8_t i = 0; i < NV; i++)                                   \
            for (uint8_t j = 0; j < NV; j++)                               \
                for (uint8_t f = 0; f < 4; f++) {                          \
                    uint8_t d = vals[i], r = vals[j], s = f == 0 ? 0 : f == 1 ? 1 : f == 2 ? 2 : 3; \
                    __asm__ volatile("out __SREG__, %2\n " insn " %0, %1\n" \
                                     " in %2, __SREG__"                    \
                                     : "+r"(d), "+r"(r), "+r"(s));         \
                    mix(d, s);                                             \
                }                                                          \
        printf(#name " %04x\n", sum);                                      \
    }

/* Unary ops */
#define UN(name, insn)                                                     \
    static void t_##name(void)                                             \
    {                                                                      \
        sum = 0;                                                           \
        for (uint8_t i = 0; i < NV; i++)                                   \
            for (uint8_t f = 0; f < 4; f++) {                              \
                uint8_t d = vals[i], s = f;                                \
                __asm__ volatile("out __SREG__, %1\n " insn " %0\n"        \
                                 " in %1, __SREG__"                        \
                                 : "+r"(d), "+r"(s));                      \
                mix(d, s);                                                 \
            }                                                              \
        printf(#name " %04x\n", sum);                                      \
    }

/* Immediate ops (upper registers) */
#define IMM(name, insn, k)                                                 \
    static void t_##name##k(void)                                          \
    {                                                                      \
        sum = 0;                                                           \
        for (uint8_t i = 0; i < NV; i++)                                   \
            for (uint8_t f = 0; f < 4; f++) {                              \
                uint8_t d = vals[i], s = f;                                \
                __asm__ volatile("out __SREG__, %1\n " insn " %0, " #k "\n" \
                                 " in %1, __SREG__"                        \
                                 : "+d"(d), "+r"(s));                      \
                mix(d, s);                                                 \
            }                                                              \
        printf(#name "_" #k " %04x\n", sum);                               \
    }

BIN(add, "add") BIN(adc, "adc") BIN(sub, "sub") BIN(sbc, "sbc")
BIN(cp, "cp") BIN(cpc, "cpc") BIN(and, "and") BIN(or, "or") BIN(eor, "eor")
UN(com, "com") UN(neg, "neg") UN(inc, "inc") UN(dec, "dec") UN(asr, "asr")
UN(lsr, "lsr") UN(ror, "ror") UN(swap, "swap")
IMM(subi, "subi", 0x80) IMM(subi, "subi", 1) IMM(sbci, "sbci", 0x7f)
IMM(cpi, "cpi", 0x10) IMM(andi, "andi", 0xf0) IMM(ori, "ori", 0x81)

static void t_words(void)
{
    static const uint16_t w[] = {0, 1, 0x7fff, 0x8000, 0xffff, 0x00ff, 0x8001};
    sum = 0;
    for (uint8_t i = 0; i < sizeof(w) / 2; i++) {
        uint16_t a = w[i], b = w[i];
        uint8_t s1, s2;
        __asm__ volatile("adiw %0, 63\n in %1, __SREG__" : "+w"(a), "=r"(s1));
        __asm__ volatile("sbiw %0, 33\n in %1, __SREG__" : "+w"(b), "=r"(s2));
        mix((uint8_t)a, s1);
        mix((uint8_t)(a >> 8), s2);
        mix((uint8_t)b, (uint8_t)(b >> 8));
    }
    printf("adiw_sbiw %04x\n", sum);
}

static void t_mul(void)
{
    sum = 0;
    for (uint8_t i = 0; i < NV; i++)
        for (uint8_t j = 0; j < NV; j++) {
            uint8_t a = vals[i], b = vals[j], lo, hi, s;
            __asm__ volatile("mul %3, %4\n in %2, __SREG__\n mov %0, r0\n"
                             " mov %1, r1\n clr r1"
                             : "=r"(lo), "=r"(hi), "=r"(s) : "r"(a), "r"(b));
            mix(lo, s);
            mix(hi, 0);
            __asm__ volatile("muls %3, %4\n in %2, __SREG__\n mov %0, r0\n"
                             " mov %1, r1\n clr r1"
                             : "=r"(lo), "=r"(hi), "=r"(s) : "d"(a), "d"(b));
            mix(lo, s);
            mix(hi, 1);
            __asm__ volatile("mulsu %3, %4\n in %2, __SREG__\n mov %0, r0\n"
                             " mov %1, r1\n clr r1"
                             : "=r"(lo), "=r"(hi), "=r"(s) : "a"(a), "a"(b));
            mix(lo, s);
            mix(hi, 2);
            __asm__ volatile("fmul %3, %4\n in %2, __SREG__\n mov %0, r0\n"
                             " mov %1, r1\n clr r1"
                             : "=r"(lo), "=r"(hi), "=r"(s) : "a"(a), "a"(b));
            mix(lo, s);
            mix(hi, 3);
            __asm__ volatile("fmuls %3, %4\n in %2, __SREG__\n mov %0, r0\n"
                             " mov %1, r1\n clr r1"
                             : "=r"(lo), "=r"(hi), "=r"(s) : "a"(a), "a"(b));
            mix(lo, s);
            mix(hi, 4);
            __asm__ volatile("fmulsu %3, %4\n in %2, __SREG__\n mov %0, r0\n"
                             " mov %1, r1\n clr r1"
                             : "=r"(lo), "=r"(hi), "=r"(s) : "a"(a), "a"(b));
            mix(lo, s);
            mix(hi, 5);
        }
    printf("mul %04x\n", sum);
}

/* A loop that starts with a load walks out of SRAM onto SREG (data
 * address 0x5f): the load must see the flags of the SUBI before it, not
 * older ones (the native backend sets a loop's flags only on its way out,
 * checking the load's range for the next round first). */
static void t_loop_guard(void)
{
    uint8_t v, n = 0xf0, saved = SREG;
    uint16_t z = 0x1a1; /* 0x1a1, 0x100, then 0x5f */
    __asm__ volatile("out __SREG__, __zero_reg__\n"
                     "1: ld %0, Z\n"
                     " subi r30, 0xa1\n"
                     " sbci r31, 0\n"
                     " subi %1, 0x50\n"
                     " brne 1b\n"
                     : "=&r"(v), "+d"(n), "+z"(z));
    SREG = saved;
    printf("loop_guard %02x\n", v);
}

/* A loop entered by a jump, so that its first round runs in its own
 * block: the LDI's register is written only when the loop leaves (the
 * native backend's constant sinking), and must hold 0x50 then. */
static void t_loop_const(void)
{
    uint8_t n = 0xf0, k = 0;
    __asm__ volatile("rjmp 1f\n"
                     "1: ldi %1, 0x50\n"
                     " sub %0, %1\n"
                     " brne 1b\n"
                     : "+r"(n), "+d"(k));
    printf("loop_const %02x %02x\n", n, k);
}

int main(void)
{
    common_init();
    t_add(); t_adc(); t_sub(); t_sbc(); t_cp(); t_cpc(); t_and(); t_or();
    t_eor(); t_com(); t_neg(); t_inc(); t_dec(); t_asr(); t_lsr(); t_ror();
    t_swap(); t_subi0x80(); t_subi1(); t_sbci0x7f(); t_cpi0x10();
    t_andi0xf0(); t_ori0x81(); t_words(); t_mul(); t_loop_guard();
    t_loop_const();
    common_stop();
    return 0;
}
