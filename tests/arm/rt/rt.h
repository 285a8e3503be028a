/* SPDX-License-Identifier: MIT */
/* Runtime of the ARM guest tests: semihosting output and exit, hashing. */
#ifndef ARM_RT_H
#define ARM_RT_H
#include <stdint.h>

#define REG32(a) (*(volatile uint32_t *)(a))
#define SCB_ICSR REG32(0xe000ed04)
#define SCB_VTOR REG32(0xe000ed08)
#define SCB_AIRCR REG32(0xe000ed0c)
#define SCB_CCR REG32(0xe000ed14)
#define SCB_SHPR2 REG32(0xe000ed1c)
#define SCB_SHPR3 REG32(0xe000ed20)
#define SCB_SHCSR REG32(0xe000ed24)
#define SCB_CFSR REG32(0xe000ed28)
#define SCB_HFSR REG32(0xe000ed2c)
#define SYST_CSR REG32(0xe000e010)
#define SYST_RVR REG32(0xe000e014)
#define SYST_CVR REG32(0xe000e018)
#define NVIC_ISER0 REG32(0xe000e100)
#define NVIC_ICER0 REG32(0xe000e180)
#define NVIC_ISPR0 REG32(0xe000e200)
#define NVIC_ICPR0 REG32(0xe000e280)
#define NVIC_IPR(n) (*(volatile uint8_t *)(0xe000e400 + (n)))

void rt_puts(const char *s);
void rt_putc(char c);
void rt_hex(uint32_t v);
void rt_dec(uint32_t v);
void rt_print(const char *label, uint32_t v); /* "label 0x........\n" */
__attribute__((noreturn)) void rt_exit(int code);
uint32_t rt_hash(uint32_t h, uint32_t v);
int rt_semihost(int op, void *arg);

static inline uint32_t rt_apsr(void)
{
    uint32_t v;
    __asm__ volatile("mrs %0, apsr" : "=r"(v));
    return v & 0xf8000000u;
}

static inline uint32_t rt_ipsr(void)
{
    uint32_t v;
    __asm__ volatile("mrs %0, ipsr" : "=r"(v));
    return v;
}
/*
 * The data-processing tests (alu.c, dsp.c). RT_FLAGS_OP: one instruction
 * TEXT with the APSR fields FIELDS ("apsr_nzcvq", or "apsr_nzcvqg" with the
 * DSP extension) set from cin before it; its result r (value R0 before,
 * constraint RC) and the APSR after it go into the test's hash h. The rest
 * are the inputs besides cin.
 */
#define RT_FLAGS_OP(FIELDS, R0, RC, TEXT, ...)                             \
    do {                                                                   \
        uint32_t r = R0, f;                                                \
        __asm__ volatile("msr " FIELDS ", %[c]\n\t" TEXT                    \
                         "\n\tmrs %[f], apsr"                              \
                         : [r] RC(r), [f] "=&r"(f)                         \
                         : [c] "r"(cin), ##__VA_ARGS__                     \
                         : "cc");                                          \
        h = rt_hash(rt_hash(h, r), f);                                     \
    } while (0)

/* A group: the statements for every pair (a, b) of the test's vals[] and
 * every APSR in cins[] (cin), x a third value; the hash printed with NAME. */
#define RT_GROUP(NAME, ...)                                                \
    do {                                                                   \
        h = 2166136261u;                                                   \
        for (unsigned i = 0; i < NVALS; i++)                               \
            for (unsigned j = 0; j < NVALS; j++)                           \
                for (unsigned k = 0; k < NCINS; k++) {                     \
                    uint32_t a = vals[i], b = vals[j], cin = cins[k];      \
                    uint32_t x = vals[(i + j + k) % NVALS];                \
                    (void)a; (void)b; (void)cin; (void)x;                  \
                    __VA_ARGS__;                                           \
                }                                                          \
        rt_print(NAME, h);                                                 \
    } while (0)
#endif
