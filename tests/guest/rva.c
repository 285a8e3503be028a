/* SPDX-License-Identifier: MIT */
/* A extension: LR/SC and every AMO, on words (and doublewords on RV64). */
#include "insn.h"

#define M1 ((ulong)-1)
#define SEXT32(v) ((ulong)(slong)(int32_t)(uint32_t)(v))

/* old = op [p], v */
#define AMO(op, p, v) ({                                                    \
    ulong r_;                                                               \
    __asm__ volatile(#op " %0, %2, (%1)" : "=&r"(r_)                        \
                     : "r"(p), "r"((ulong)(v)) : "memory");                 \
    r_; })

/* Two words with guards around them, to see that only one is written. */
static volatile uint32_t words[4] __attribute__((aligned(16)));
#if XLEN == 64
static volatile uint64_t dwords[3] __attribute__((aligned(16)));
#endif
/* A second reservation target, well away from the first. */
static volatile uint32_t far_word[32] __attribute__((aligned(64)));

static void set_w(uint32_t v)
{
    words[0] = 0x5a5a5a5a;
    words[1] = v;
    words[2] = 0xa5a5a5a5;
}

/* Checks the old value returned, the new value stored and the guards. */
static void amo_w_result(ulong old, uint32_t want_old, uint32_t want_new)
{
    CHECK_EQ(old, SEXT32(want_old));
    CHECK_EQ(words[1], want_new);
    CHECK(words[0] == 0x5a5a5a5a && words[2] == 0xa5a5a5a5);
}

static void test_amo_w(void)
{
    volatile uint32_t *p = &words[1];

    set_w(0x80000001);
    amo_w_result(AMO(amoswap.w, p, 0x12345678), 0x80000001, 0x12345678);
    set_w(0x7fffffff);
    amo_w_result(AMO(amoadd.w, p, 1), 0x7fffffff, 0x80000000);
    set_w(0xffffffff);
    amo_w_result(AMO(amoadd.w, p, 2), 0xffffffff, 1);
    set_w(0xff00ff00);
    amo_w_result(AMO(amoxor.w, p, 0x0ff00ff0), 0xff00ff00, 0xf0f0f0f0);
    set_w(0xff00ff00);
    amo_w_result(AMO(amoand.w, p, 0x0ff00ff0), 0xff00ff00, 0x0f000f00);
    set_w(0xff00ff00);
    amo_w_result(AMO(amoor.w, p, 0x0ff00ff0), 0xff00ff00, 0xfff0fff0);
    set_w(0xfffffffb); /* -5 */
    amo_w_result(AMO(amomin.w, p, 3), 0xfffffffb, 0xfffffffb);
    set_w(3);
    amo_w_result(AMO(amomin.w, p, -5), 3, 0xfffffffb);
    set_w(0xfffffffb);
    amo_w_result(AMO(amomax.w, p, 3), 0xfffffffb, 3);
    set_w(0xfffffffb);
    amo_w_result(AMO(amominu.w, p, 3), 0xfffffffb, 3);
    set_w(0xfffffffb);
    amo_w_result(AMO(amomaxu.w, p, 3), 0xfffffffb, 0xfffffffb);
    set_w(7);
    amo_w_result(AMO(amomaxu.w, p, 0x80000000), 7, 0x80000000);
    /* ordering bits change nothing on one hart */
    set_w(10);
    amo_w_result(AMO(amoadd.w.aqrl, p, 5), 10, 15);
    set_w(10);
    amo_w_result(AMO(amoswap.w.aq, p, 1), 10, 1);
    set_w(10);
    amo_w_result(AMO(amoor.w.rl, p, 1), 10, 11);
#if XLEN == 64
    /* only the low word of rs2 counts */
    set_w(1);
    amo_w_result(AMO(amoadd.w, p, 0xffffffff00000003), 1, 4);
    set_w(0x80000000);
    amo_w_result(AMO(amomin.w, p, 0x100000000), 0x80000000, 0x80000000);
#endif
    /* rd = x0: the memory update still happens */
    set_w(40);
    __asm__ volatile("amoadd.w x0, %1, (%0)" :: "r"(p), "r"(2UL) : "memory");
    CHECK_EQ(words[1], 42);
}

#if XLEN == 64
static void set_d(uint64_t v)
{
    dwords[0] = 0x5a5a5a5a5a5a5a5a;
    dwords[1] = v;
    dwords[2] = 0xa5a5a5a5a5a5a5a5;
}

static void amo_d_result(ulong old, uint64_t want_old, uint64_t want_new)
{
    CHECK_EQ(old, want_old);
    CHECK_EQ(dwords[1], want_new);
    CHECK(dwords[0] == 0x5a5a5a5a5a5a5a5a && dwords[2] == 0xa5a5a5a5a5a5a5a5);
}

static void test_amo_d(void)
{
    volatile uint64_t *p = &dwords[1];

    set_d(0x8000000000000001);
    amo_d_result(AMO(amoswap.d, p, 0x123456789), 0x8000000000000001, 0x123456789);
    set_d(0x7fffffffffffffff);
    amo_d_result(AMO(amoadd.d, p, 1), 0x7fffffffffffffff, 0x8000000000000000);
    set_d(0x00000000ffffffff);
    amo_d_result(AMO(amoadd.d, p, 1), 0xffffffff, 0x100000000);
    set_d(0xff00ff00ff00ff00);
    amo_d_result(AMO(amoxor.d, p, 0x0ff00ff00ff00ff0), 0xff00ff00ff00ff00,
                 0xf0f0f0f0f0f0f0f0);
    set_d(0xff00ff00ff00ff00);
    amo_d_result(AMO(amoand.d, p, 0x0ff00ff00ff00ff0), 0xff00ff00ff00ff00,
                 0x0f000f000f000f00);
    set_d(0xff00ff00ff00ff00);
    amo_d_result(AMO(amoor.d, p, 0x0ff00ff00ff00ff0), 0xff00ff00ff00ff00,
                 0xfff0fff0fff0fff0);
    set_d(M1 - 4);
    amo_d_result(AMO(amomin.d, p, 3), M1 - 4, M1 - 4);
    set_d(M1 - 4);
    amo_d_result(AMO(amomax.d, p, 3), M1 - 4, 3);
    set_d(M1 - 4);
    amo_d_result(AMO(amominu.d, p, 3), M1 - 4, 3);
    set_d(M1 - 4);
    amo_d_result(AMO(amomaxu.d, p, 3), M1 - 4, M1 - 4);
    /* 0x80000000 is positive as a doubleword, unlike in amomin.w */
    set_d(0x80000000);
    amo_d_result(AMO(amomin.d, p, 1), 0x80000000, 1);
    set_d(0x100000000);
    amo_d_result(AMO(amomaxu.d, p, 0xffffffff), 0x100000000, 0x100000000);
}
#endif

static void test_lrsc(void)
{
    volatile uint32_t *p = &words[1];
    ulong v, rc;

    /* success: sc returns 0 and stores */
    set_w(0x80000005);
    __asm__ volatile("lr.w %0, (%2)\n\t"
                     "addi %0, %0, 1\n\t"
                     "sc.w %1, %0, (%2)"
                     : "=&r"(v), "=&r"(rc) : "r"(p) : "memory");
    CHECK_EQ(rc, 0);
    CHECK_EQ(v, SEXT32(0x80000006));        /* lr.w sign-extends */
    CHECK_EQ(words[1], 0x80000006);

    /* a second sc without a new lr fails: the first one used it up */
    rc = 0;
    __asm__ volatile("lr.w %0, (%2)\n\t"
                     "sc.w %1, %0, (%2)\n\t"
                     "li %0, 99\n\t"
                     "sc.w %1, %0, (%2)"
                     : "=&r"(v), "=&r"(rc) : "r"(p) : "memory");
    CHECK(rc != 0);
    CHECK_EQ(words[1], 0x80000006);

    /* sc to another address than the reserved one fails and stores nothing */
    far_word[16] = 1234;
    __asm__ volatile("lr.w %0, (%2)\n\t"
                     "li %0, 77\n\t"
                     "sc.w %1, %0, (%3)"
                     : "=&r"(v), "=&r"(rc) : "r"(p), "r"(&far_word[16]) : "memory");
    CHECK(rc != 0);
    CHECK_EQ(far_word[16], 1234);

    /* a retry loop, the way atomics are written with LR/SC */
    set_w(100);
    for (int i = 0; i < 10; i++) {
        __asm__ volatile("1:\tlr.w.aq %0, (%2)\n\t"
                         "addi %0, %0, 3\n\t"
                         "sc.w.rl %1, %0, (%2)\n\t"
                         "bnez %1, 1b"
                         : "=&r"(v), "=&r"(rc) : "r"(p) : "memory");
    }
    CHECK_EQ(words[1], 130);

#if XLEN == 64
    volatile uint64_t *d = &dwords[1];
    set_d(0xfffffffffffffff0);
    __asm__ volatile("lr.d %0, (%2)\n\t"
                     "addi %0, %0, 0x20\n\t"
                     "sc.d %1, %0, (%2)"
                     : "=&r"(v), "=&r"(rc) : "r"(d) : "memory");
    CHECK_EQ(rc, 0);
    CHECK_EQ(dwords[1], 0x10);
    __asm__ volatile("li %0, 5\n\t"
                     "sc.d %1, %0, (%2)"
                     : "=&r"(v), "=&r"(rc) : "r"(d) : "memory");
    CHECK(rc != 0);
    CHECK_EQ(dwords[1], 0x10);
#endif
}

int main(void)
{
    puts("rva: atomics");
    test_amo_w();
#if XLEN == 64
    test_amo_d();
#endif
    test_lrsc();
    return check_done("rva");
}
