/* SPDX-License-Identifier: MIT */
/*
 * Loads and stores (all sizes and addressing modes, LDM/STM, PUSH/POP,
 * LDRD/STRD), exclusives, IT blocks and conditional branches on every
 * flag combination, TBB/TBH. Results are hashed and printed.
 */
#include "rt/rt.h"

static uint32_t h;
static volatile uint8_t buf[256] __attribute__((aligned(8)));
static volatile uint32_t words[16] __attribute__((aligned(8)));

#define PRINT(name) rt_print(name, h)

/* Each condition, evaluated with IT and with a branch, on all 16 NZCV. */
#define COND(c)                                                            \
    for (uint32_t fl = 0; fl < 16; fl++) {                                 \
        uint32_t r = 0, s = 0, f = fl << 28;                               \
        __asm__ volatile("msr apsr_nzcvq, %[f]\n\t"                        \
                         "it " #c "\n\tmov" #c " %[r], #1\n\t"             \
                         "b" #c " 1f\n\tmov %[s], #5\n1:"                  \
                         : [r] "+r"(r), [s] "+r"(s)                        \
                         : [f] "r"(f) : "cc");                             \
        h = rt_hash(h, r << 4 | s);                                        \
    }

static void conditions(void)
{
    h = 0;
    COND(eq) COND(ne) COND(cs) COND(cc) COND(mi) COND(pl) COND(vs)
    COND(vc) COND(hi) COND(ls) COND(ge) COND(lt) COND(gt) COND(le)
    PRINT("conditions");
    /* Longer IT blocks: flag-setting inside does not set flags (16-bit
     * forms), and the pattern of then/else. */
    h = 0;
    for (uint32_t fl = 0; fl < 16; fl++) {
        uint32_t a = fl, b = 0, c = 0, d = 0, f = fl << 28;
        __asm__ volatile("msr apsr_nzcvq, %[f]\n\t"
                         "itete gt\n\t"
                         "addgt %[a], %[a], #3\n\t"
                         "suble %[b], %[a], #1\n\t"
                         "movgt %[c], #7\n\t"
                         "movle %[d], #9\n\t"
                         "ittt cs\n\t"
                         "lslcs %[a], %[a], #2\n\t"
                         "addcs %[b], %[b], %[a]\n\t"
                         "eorcs %[c], %[c], %[b]\n\t"
                         "mrs %[f], apsr"
                         : [a] "+l"(a), [b] "+l"(b), [c] "+l"(c), [d] "+l"(d),
                           [f] "+r"(f)
                         :
                         : "cc");
        h = rt_hash(rt_hash(rt_hash(rt_hash(rt_hash(h, a), b), c), d), f);
    }
    PRINT("it-blocks");
}

static unsigned sw(unsigned x)
{
    switch (x) { /* dense: TBB */
    case 0: return 11;
    case 1: return 22;
    case 2: return 33;
    case 3: return 44;
    case 4: return 55;
    case 5: return 66;
    case 6: return 77;
    case 7: return 88;
    default: return 0;
    }
}

static void loads_stores(void)
{
    h = 0;
    for (unsigned i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)(i * 37 + 11);
    for (unsigned off = 0; off < 64; off++) {
        const volatile uint8_t *p = buf + off;
        uint32_t a, b, c, d, e;
        __asm__ volatile("ldrb %0, [%5]\n\tldrsb %1, [%5, #1]\n\t"
                         "ldrh %2, [%5, #2]\n\tldrsh %3, [%5, #4]\n\t"
                         "ldr %4, [%5, #8]"
                         : "=&r"(a), "=&r"(b), "=&r"(c), "=&r"(d), "=&r"(e)
                         : "r"(p));
        h = rt_hash(rt_hash(rt_hash(rt_hash(rt_hash(h, a), b), c), d), e);
        /* pre- and post-indexed with writeback, register offsets */
        const volatile uint8_t *q = p;
        __asm__ volatile("ldrb %0, [%2, #3]!\n\tldrh %1, [%2], #-2"
                         : "=&r"(a), "=&r"(b), "+r"(q));
        h = rt_hash(rt_hash(rt_hash(h, a), b), (uint32_t)(q - p));
        uint32_t idx = off & 7;
        __asm__ volatile("ldr %0, [%2, %3, lsl #2]\n\tldrsb %1, [%2, %3]"
                         : "=&r"(a), "=&r"(b) : "r"(buf + 64), "r"(idx));
        h = rt_hash(rt_hash(h, a), b);
    }
    /* stores of each size, then read back */
    for (unsigned off = 0; off < 32; off++) {
        volatile uint8_t *p = buf + 128 + off;
        uint32_t v = 0x11223344u * (off + 1);
        __asm__ volatile("strb %0, [%1]\n\tstrh %0, [%1, #5]\n\t"
                         "str %0, [%1, #9]\n\tstr %0, [%1, #-4]!"
                         : : "r"(v), "r"(p) : "memory");
    }
    for (unsigned i = 0; i < 64; i++)
        h = rt_hash(h, buf[120 + i]);
    PRINT("loads-stores");

    h = 0;
    uint32_t regs[8];
    for (unsigned i = 0; i < 16; i++)
        words[i] = 0x01010101u * i;
    __asm__ volatile("mov r0, %0\n\tldmia r0!, {r1, r2, r3, r4}\n\t"
                     "stmia %1, {r1, r2, r3, r4}\n\tsub %0, r0, %0\n\t"
                     : : "r"(words + 2), "r"(regs) : "r0", "r1", "r2", "r3",
                     "r4", "memory");
    for (unsigned i = 0; i < 4; i++)
        h = rt_hash(h, regs[i]);
    uint32_t base = (uint32_t)(words + 12), wb;
    __asm__ volatile("mov r5, #0x55\n\tmov r6, #0x66\n\tmov r7, #0x77\n\t"
                     "mov %0, %1\n\tstmdb %0!, {r5, r6, r7}\n\t"
                     "ldmdb %0, {r1, r2, r3}\n\tadd r1, r1, r2\n\t"
                     "add %0, %0, r3\n\tadd %0, %0, r1"
                     : "=&r"(wb) : "r"(base) : "r1", "r2", "r3", "r5", "r6",
                     "r7", "memory");
    h = rt_hash(h, wb - base);
    for (unsigned i = 0; i < 16; i++)
        h = rt_hash(h, words[i]);
    uint32_t x, y;
    __asm__ volatile("mov r1, #1\n\tmov r2, #2\n\tmov r3, #3\n\t"
                     "push {r1, r2, r3, lr}\n\tpop {r1, r2}\n\tpop {r3, r4}\n\t"
                     "add %0, r1, r2, lsl #4\n\tadd %1, r3, #0"
                     : "=&r"(x), "=&r"(y) : : "r1", "r2", "r3", "r4");
    h = rt_hash(rt_hash(h, x), y);
    uint64_t dw = 0x123456789abcdef0ull, dr;
    __asm__ volatile("strd %Q1, %R1, [%2, #8]\n\tldrd %Q0, %R0, [%2, #8]"
                     : "=&r"(dr) : "r"(dw), "r"(words) : "memory");
    h = rt_hash(rt_hash(h, (uint32_t)dr), (uint32_t)(dr >> 32));
    for (unsigned i = 0; i < 10; i++)
        h = rt_hash(h, sw(i));
    PRINT("multiple");
}

static void exclusives(void)
{
    h = 0;
    volatile uint32_t *w = words;
    uint32_t v, st;
    w[0] = 5;
    __asm__ volatile("ldrex %0, [%2]\n\tadd %0, %0, #1\n\t"
                     "strex %1, %0, [%2]"
                     : "=&r"(v), "=&r"(st) : "r"(w) : "memory");
    h = rt_hash(rt_hash(rt_hash(h, v), st), w[0]);
    /* CLREX makes the store fail */
    __asm__ volatile("ldrex %0, [%2]\n\tclrex\n\tadd %0, %0, #1\n\t"
                     "strex %1, %0, [%2]"
                     : "=&r"(v), "=&r"(st) : "r"(w) : "memory");
    h = rt_hash(rt_hash(rt_hash(h, v), st), w[0]);
    /* a store-exclusive without a load-exclusive fails */
    __asm__ volatile("mov %0, #9\n\tstrex %1, %0, [%2]"
                     : "=&r"(v), "=&r"(st) : "r"(w + 1) : "memory");
    h = rt_hash(rt_hash(h, st), w[1]);
    /* byte and halfword */
    volatile uint8_t *b = (volatile uint8_t *)(w + 2);
    *b = 0x7f;
    __asm__ volatile("ldrexb %0, [%2]\n\tadd %0, %0, #2\n\t"
                     "strexb %1, %0, [%2]"
                     : "=&r"(v), "=&r"(st) : "r"(b) : "memory");
    h = rt_hash(rt_hash(rt_hash(h, v), st), *b);
    volatile uint16_t *hw = (volatile uint16_t *)(w + 3);
    *hw = 0xfffe;
    __asm__ volatile("ldrexh %0, [%2]\n\tadd %0, %0, #3\n\t"
                     "strexh %1, %0, [%2]"
                     : "=&r"(v), "=&r"(st) : "r"(hw) : "memory");
    h = rt_hash(rt_hash(rt_hash(h, v), st), *hw);
    /* an atomic increment loop */
    for (int i = 0; i < 100; i++) {
        uint32_t t;
        __asm__ volatile("1: ldrex %0, [%2]\n\tadds %0, %0, #3\n\t"
                         "strex %1, %0, [%2]\n\tcmp %1, #0\n\tbne 1b"
                         : "=&r"(t), "=&r"(st) : "r"(w + 4) : "memory", "cc");
    }
    h = rt_hash(h, w[4]);
    PRINT("exclusives");
}

int main(void)
{
    conditions();
    loads_stores();
    exclusives();
    return 0;
}
