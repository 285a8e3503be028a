/* SPDX-License-Identifier: MIT */
/* M extension: multiply and divide, including the corner cases the ISA
 * defines instead of trapping (division by zero, signed overflow). */
#include "insn.h"

#define M1   ((ulong)-1)
#define SMIN (1UL << (XLEN - 1))
#define SMAX (SMIN - 1)
#define SEXT32(v) ((ulong)(slong)(int32_t)(uint32_t)(v))

/* Expected high halves, folded by the compiler at build time. */
#if XLEN == 64
typedef __int128 dslong;
typedef unsigned __int128 dulong;
#else
typedef int64_t dslong;
typedef uint64_t dulong;
#endif
#define MULH(a, b) ((ulong)(((dslong)(slong)(a) * (dslong)(slong)(b)) >> XLEN))
#define MULHU(a, b) ((ulong)(((dulong)(ulong)(a) * (dulong)(ulong)(b)) >> XLEN))
#define MULHSU(a, b) \
    ((ulong)(((dslong)(slong)(a) * (dslong)(dulong)(ulong)(b)) >> XLEN))

static void test_mul(void)
{
    CHECK_EQ(RR(mul, 3, 7), 21);
    CHECK_EQ(RR(mul, -3, 7), (ulong)-21);
    CHECK_EQ(RR(mul, SMIN, M1), SMIN);
    CHECK_EQ(RR(mul, 0x12345678, 0x9abcdef0), (ulong)0x12345678 * 0x9abcdef0);
    CHECK_EQ(RR(mul, M1, M1), 1);

    CHECK_EQ(RR(mulh, M1, M1), 0);
    CHECK_EQ(RR(mulh, SMIN, SMIN), MULH(SMIN, SMIN));
    CHECK_EQ(RR(mulh, SMIN, M1), 0);
    CHECK_EQ(RR(mulh, -2, 3), M1);
    CHECK_EQ(RR(mulh, SMAX, SMAX), MULH(SMAX, SMAX));
    CHECK_EQ(RR(mulh, 0x12345678, -0x9abcdef), MULH(0x12345678, -0x9abcdef));

    CHECK_EQ(RR(mulhu, M1, M1), M1 - 1);
    CHECK_EQ(RR(mulhu, SMIN, 2), 1);
    CHECK_EQ(RR(mulhu, 5, 7), 0);
    CHECK_EQ(RR(mulhu, 0xdeadbeef, M1 - 7), MULHU(0xdeadbeef, M1 - 7));

    CHECK_EQ(RR(mulhsu, M1, M1), M1);       /* -1 * (2^XLEN - 1) */
    CHECK_EQ(RR(mulhsu, 1, M1), 0);
    CHECK_EQ(RR(mulhsu, SMIN, M1), MULHSU(SMIN, M1));
    CHECK_EQ(RR(mulhsu, -5, 3), M1);
    CHECK_EQ(RR(mulhsu, SMAX, SMIN), MULHSU(SMAX, SMIN));
}

static void test_div(void)
{
    CHECK_EQ(RR(div, 20, 6), 3);
    CHECK_EQ(RR(div, -20, 6), (ulong)-3);   /* rounds toward zero */
    CHECK_EQ(RR(div, 20, -6), (ulong)-3);
    CHECK_EQ(RR(div, -20, -6), 3);
    CHECK_EQ(RR(div, 123, 0), M1);          /* divide by zero: all ones */
    CHECK_EQ(RR(div, 0, 0), M1);
    CHECK_EQ(RR(div, SMIN, M1), SMIN);      /* overflow: the dividend */
    CHECK_EQ(RR(divu, 20, 6), 3);
    CHECK_EQ(RR(divu, M1, 2), M1 >> 1);
    CHECK_EQ(RR(divu, 123, 0), M1);
    CHECK_EQ(RR(divu, SMIN, M1), 0);

    CHECK_EQ(RR(rem, 20, 6), 2);
    CHECK_EQ(RR(rem, -20, 6), (ulong)-2);   /* sign of the dividend */
    CHECK_EQ(RR(rem, 20, -6), 2);
    CHECK_EQ(RR(rem, -20, -6), (ulong)-2);
    CHECK_EQ(RR(rem, 123, 0), 123);         /* divide by zero: the dividend */
    CHECK_EQ(RR(rem, -9, 0), (ulong)-9);
    CHECK_EQ(RR(rem, SMIN, M1), 0);         /* overflow: zero */
    CHECK_EQ(RR(remu, 20, 6), 2);
    CHECK_EQ(RR(remu, M1, 10), M1 % 10);
    CHECK_EQ(RR(remu, 123, 0), 123);
    CHECK_EQ(RR(remu, SMIN, M1), SMIN);
}

#if XLEN == 64
static void test_words(void)
{
    CHECK_EQ(RR(mulw, 0x7fffffff, 2), (ulong)-2);
    CHECK_EQ(RR(mulw, 0x100000003, 5), 15);
    CHECK_EQ(RR(mulw, 0x10000, 0x10000), 0);
    CHECK_EQ(RR(mulw, 0x8000, 0x10000), 0xffffffff80000000);
    CHECK_EQ(RR(divw, -20, 6), (ulong)-3);
    CHECK_EQ(RR(divw, 0x100000014, 0x200000006), 3);
    CHECK_EQ(RR(divw, 0x80000000, M1), 0xffffffff80000000);
    CHECK_EQ(RR(divw, 77, 0x100000000), M1);    /* low word is zero */
    CHECK_EQ(RR(divuw, 0xfffffffffffffff0, 2), 0x7ffffff8);
    CHECK_EQ(RR(divuw, 0x80000000, 1), 0xffffffff80000000);
    CHECK_EQ(RR(divuw, 5, 0), M1);
    CHECK_EQ(RR(remw, -20, 6), (ulong)-2);
    CHECK_EQ(RR(remw, 0x1fffffff9, 0), (ulong)-7); /* low word, sign-extended */
    CHECK_EQ(RR(remw, 0x80000000, M1), 0);
    CHECK_EQ(RR(remuw, 0xffffffff, 0), M1);
    CHECK_EQ(RR(remuw, 0x100000007, 4), 3);
    CHECK_EQ(RR(remuw, 0xfffffffe, 0xffffffff), SEXT32(0xfffffffe));
}
#endif

/* 64-bit arithmetic in C: on RV32 this goes through libgcc helpers. */
static void test_wide(void)
{
    volatile uint64_t a = 0x123456789abcdefULL, b = 0x1234567ULL;
    volatile int64_t c = -1000000000000LL;

    CHECK_EQ(a * b, 0x123456789abcdefULL * 0x1234567ULL);
    CHECK_EQ(a / b, 0x123456789abcdefULL / 0x1234567ULL);
    CHECK_EQ(a % b, 0x123456789abcdefULL % 0x1234567ULL);
    CHECK_EQ(c / 7, -1000000000000LL / 7);
    CHECK_EQ(c % 7, -1000000000000LL % 7);
}

int main(void)
{
    puts("rvm: multiply and divide");
    test_mul();
    test_div();
#if XLEN == 64
    test_words();
#endif
    test_wide();
    putstr("64-bit division through the console: ");
    putd(-9223372036854775807LL - 1);
    putch('\n');
    return check_done("rvm");
}
