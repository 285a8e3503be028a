/* SPDX-License-Identifier: MIT */
/*
 * Self-modifying code: rewrite instructions with ordinary stores, fence.i,
 * and run the new ones; again and again, so that a translation cache must
 * drop what it had each time.
 */
#include "rt.h"

ulong smc_const(void);
ulong smc_patch_self(uint32_t insn);
ulong smc_loop(ulong n);
ulong smc_compressed(void);
ulong smc_around_a(void);
ulong smc_around_b(void);
extern uint8_t smc_gap[16], smc_after[16];
extern uint32_t smc_loop_step;

/* addi rd, rs1, imm */
static uint32_t addi(int rd, int rs1, int imm)
{
    return ((uint32_t)imm << 20) | ((uint32_t)rs1 << 15) | ((uint32_t)rd << 7) | 0x13;
}

/* c.li rd, imm (imm in -32..31) */
static uint16_t c_li(int rd, int imm)
{
    return (uint16_t)(0x4001 | (((imm >> 5) & 1) << 12) | (rd << 7) | ((imm & 31) << 2));
}

static void fence_i(void)
{
    __asm__ volatile("fence.i" ::: "memory");
}

#define A0 10

static void test_rewrite(void)
{
    volatile uint32_t *insn = (volatile uint32_t *)(ulong)smc_const;
    int bad = 0;

    CHECK_EQ(smc_const(), 1);
    for (int i = 2; i < 200; i++) {
        *insn = addi(A0, 0, i);
        fence_i();
        if (smc_const() != (ulong)i)
            bad++;
    }
    CHECK_EQ(bad, 0);
    /* a different kind of instruction: lui a0, 0x12345 */
    *insn = 0x12345537;
    fence_i();
    CHECK_EQ(smc_const(), 0x12345000);
    puts("rewritten function: 199 versions ran");
}

static void test_patch_self(void)
{
    CHECK_EQ(smc_patch_self(addi(A0, 0, 7)), 7);
    CHECK_EQ(smc_patch_self(addi(A0, 0, 9)), 9);
    CHECK_EQ(smc_patch_self(addi(A0, A0, 0x10)), 0x10 + addi(A0, A0, 0x10));
    puts("store into the running block: new instruction ran");
}

static void test_loop(void)
{
    int bad = 0;

    for (int step = 1; step <= 50; step++) {
        smc_loop_step = addi(A0, A0, step);
        fence_i();
        if (smc_loop(100) != (ulong)(100 * step))
            bad++;
    }
    CHECK_EQ(bad, 0);
    puts("hot loop body rewritten 50 times");
}

static void test_compressed(void)
{
    volatile uint16_t *insn = (volatile uint16_t *)(ulong)smc_compressed;

    CHECK_EQ(smc_compressed(), 1);
    *insn = c_li(A0, 5);
    fence_i();
    CHECK_EQ(smc_compressed(), 5);
    *insn = c_li(A0, -3);
    fence_i();
    CHECK_EQ(smc_compressed(), (ulong)-3);
    puts("compressed instruction rewritten");
}

/* Copy code somewhere new and run it there, as a loader or JIT would. */
static void test_copy(void)
{
    static uint32_t buf[4] __attribute__((aligned(16)));

    buf[0] = addi(A0, 0, 42);
    buf[1] = 0x00008067;            /* ret */
    fence_i();
    CHECK_EQ(((ulong (*)(void))(ulong)buf)(), 42);
    buf[0] = addi(A0, 0, -42);
    fence_i();
    CHECK_EQ(((ulong (*)(void))(ulong)buf)(), (ulong)-42);
    puts("generated code ran");
}

/* Stores of every size at every offset of a data area. */
static int fill_check(uint8_t *p, unsigned len, unsigned seed)
{
    int bad = 0;

    for (unsigned size = 1; size <= 8; size *= 2)
        for (unsigned off = 0; off + size <= len; off++) {
            uint64_t v = 0x0102030405060708ull * (seed + off + size);
            volatile uint8_t *q = p + off;
            switch (size) {
            case 1: *(volatile uint8_t *)q = (uint8_t)v; break;
            case 2: *(volatile uint16_t *)q = (uint16_t)v; break;
            case 4: *(volatile uint32_t *)q = (uint32_t)v; break;
            default: *(volatile uint64_t *)q = v; break;
            }
            for (unsigned k = 0; k < size; k++)
                if (q[k] != (uint8_t)(v >> (8 * k)))
                    bad++;
        }
    return bad;
}

/* Data that shares a page with code: before, between and after the
 * translated functions, of every size and alignment. */
static void test_data_on_code_page(void)
{
    volatile uint32_t *b = (volatile uint32_t *)(ulong)smc_around_b;
    int bad = 0;

    CHECK_EQ(smc_around_a(), 11);
    CHECK_EQ(smc_around_b(), 22);
    for (unsigned round = 0; round < 20; round++) {
        bad += fill_check(smc_gap, sizeof(smc_gap), round);
        bad += fill_check(smc_after, sizeof(smc_after), round);
        if (smc_around_a() != 11 || smc_around_b() != 22)
            bad++;
    }
    CHECK_EQ(bad, 0);
    *b = addi(A0, 0, 33);
    fence_i();
    CHECK_EQ(smc_around_b(), 33);
    CHECK_EQ(smc_around_a(), 11);
    puts("data next to code written, code kept; code written, new code ran");
}

int main(void)
{
    puts("smc: self-modifying code with fence.i");
    test_rewrite();
    test_patch_self();
    test_loop();
    test_compressed();
    test_copy();
    test_data_on_code_page();
    return check_done("smc");
}
