/* SPDX-License-Identifier: MIT */
/* RV32I / RV64I base integer instructions, each run on chosen operands. */
#include "insn.h"

#define M1   ((ulong)-1)
#define SMIN (1UL << (XLEN - 1))
#define SMAX (SMIN - 1)
/* What a 32-bit result becomes in a register: sign-extended on RV64. */
#define SEXT32(v) ((ulong)(slong)(int32_t)(uint32_t)(v))

static void test_reg_reg(void)
{
    CHECK_EQ(RR(add, 5, 7), 12);
    CHECK_EQ(RR(add, SMAX, 1), SMIN);
    CHECK_EQ(RR(add, M1, 1), 0);
    CHECK_EQ(RR(add, 0x12345678, 0x87654321), (ulong)0x12345678 + 0x87654321);
    CHECK_EQ(RR(sub, 5, 7), (ulong)-2);
    CHECK_EQ(RR(sub, SMIN, 1), SMAX);
    CHECK_EQ(RR(sub, 0, M1), 1);

    CHECK_EQ(RR(sll, 1, 3), 8);
    CHECK_EQ(RR(sll, 1, XLEN - 1), SMIN);
    CHECK_EQ(RR(sll, 1, XLEN), 1);          /* only log2(XLEN) bits count */
    CHECK_EQ(RR(sll, 1, XLEN + 1), 2);
    CHECK_EQ(RR(sll, 3, M1), SMIN);         /* shamt = XLEN-1 */
    CHECK_EQ(RR(srl, SMIN, XLEN - 1), 1);
    CHECK_EQ(RR(srl, M1, 4), M1 >> 4);
    CHECK_EQ(RR(srl, M1, XLEN + 4), M1 >> 4);
    CHECK_EQ(RR(sra, SMIN, XLEN - 1), M1);
    CHECK_EQ(RR(sra, (ulong)-16, 2), (ulong)-4);
    CHECK_EQ(RR(sra, 0x70, XLEN + 2), 0x1c);
    CHECK_EQ(RR(sra, SMAX, XLEN - 2), 1);

    CHECK_EQ(RR(slt, M1, 1), 1);
    CHECK_EQ(RR(slt, 1, M1), 0);
    CHECK_EQ(RR(slt, 5, 5), 0);
    CHECK_EQ(RR(slt, SMIN, SMAX), 1);
    CHECK_EQ(RR(sltu, M1, 1), 0);
    CHECK_EQ(RR(sltu, 1, M1), 1);
    CHECK_EQ(RR(sltu, 0, 1), 1);
    CHECK_EQ(RR(sltu, 5, 5), 0);
    CHECK_EQ(RR(sltu, SMIN, SMAX), 0);

    CHECK_EQ(RR(xor, 0xff00ff00, 0x0ff00ff0), 0xf0f0f0f0);
    CHECK_EQ(RR(xor, M1, 0x55), ~(ulong)0x55);
    CHECK_EQ(RR(or, 0xff00ff00, 0x0ff00ff0), 0xfff0fff0);
    CHECK_EQ(RR(or, 0, 0), 0);
    CHECK_EQ(RR(and, 0xff00ff00, 0x0ff00ff0), 0x0f000f00);
    CHECK_EQ(RR(and, M1, SMIN), SMIN);
}

static void test_reg_imm(void)
{
    CHECK_EQ(RI(addi, 5, -7), (ulong)-2);
    CHECK_EQ(RI(addi, SMAX, 1), SMIN);
    CHECK_EQ(RI(addi, 0, 2047), 2047);
    CHECK_EQ(RI(addi, 0, -2048), (ulong)-2048);
    CHECK_EQ(RI(slti, M1, 0), 1);
    CHECK_EQ(RI(slti, 0, -1), 0);
    CHECK_EQ(RI(slti, 5, 5), 0);
    CHECK_EQ(RI(slti, 4, 5), 1);
    CHECK_EQ(RI(sltiu, 0, 1), 1);
    CHECK_EQ(RI(sltiu, 5, -1), 1);          /* imm is sign-extended first */
    CHECK_EQ(RI(sltiu, M1, -1), 0);
    CHECK_EQ(RI(sltiu, 7, 1), 0);
    CHECK_EQ(RI(xori, 0x0f, -1), ~(ulong)0x0f);
    CHECK_EQ(RI(xori, 0xf0, 0x0f), 0xff);
    CHECK_EQ(RI(ori, 0x100, 0xff), 0x1ff);
    CHECK_EQ(RI(ori, 0, -2048), (ulong)-2048);
    CHECK_EQ(RI(andi, M1, 0x7ff), 0x7ff);
    CHECK_EQ(RI(andi, 0x12345678, -16), 0x12345670);
    CHECK_EQ(RI(slli, 1, XLEN - 1), SMIN);
    CHECK_EQ(RI(slli, 3, 4), 48);
    CHECK_EQ(RI(srli, M1, XLEN - 1), 1);
    CHECK_EQ(RI(srli, 0x80, 7), 1);
    CHECK_EQ(RI(srai, SMIN, XLEN - 1), M1);
    CHECK_EQ(RI(srai, (ulong)-256, 4), (ulong)-16);
    CHECK_EQ(RI(srai, 0x7f0, 4), 0x7f);
}

/* Addresses as the linker wrote them, to check pc-relative results. */
extern const ulong auipc_site_addr;

static void test_upper(void)
{
    ulong v, pc;

    __asm__ volatile("lui %0, 0x12345" : "=r"(v));
    CHECK_EQ(v, 0x12345000);
    __asm__ volatile("lui %0, 0x80000" : "=r"(v));
    CHECK_EQ(v, SEXT32(0x80000000));
    __asm__ volatile("lui %0, 0xfffff" : "=r"(v));
    CHECK_EQ(v, (ulong)-4096);

    __asm__ volatile(".option push\n\t.option norvc\n"
                     "auipc_site:\n\t"
                     "auipc %0, 0\n\t"
                     "auipc %1, 1\n\t"
                     ".pushsection .rodata\n\t"
                     ".balign 8\n"
                     "auipc_site_addr:\n\t"
#if XLEN == 64
                     ".dword auipc_site\n\t"
#else
                     ".word auipc_site\n\t"
#endif
                     ".popsection\n\t"
                     ".option pop"
                     : "=r"(pc), "=r"(v));
    CHECK_EQ(pc, auipc_site_addr);
    CHECK_EQ(v, auipc_site_addr + 4 + 0x1000);
}

static void test_x0(void)
{
    ulong v;

    /* Writes to x0 are dropped; reads give zero. */
    __asm__ volatile("li t0, 77\n\t"
                     "add x0, t0, t0\n\t"
                     "addi x0, x0, 5\n\t"
                     "lui x0, 0x12345\n\t"
                     "add %0, x0, x0"
                     : "=r"(v) : : "t0");
    CHECK_EQ(v, 0);
    __asm__ volatile("li %0, 9\n\tsltu %0, x0, %0" : "=&r"(v));
    CHECK_EQ(v, 1);
}

static uint8_t lbuf[16] __attribute__((aligned(16))) = {
    0x01, 0x82, 0x23, 0xc4, 0x45, 0xe6, 0x67, 0x88,
    0x99, 0x1a, 0xbb, 0x3c, 0xdd, 0x5e, 0xff, 0x70,
};

static void test_loads(void)
{
    volatile uint8_t *p = lbuf;
    volatile uint8_t *mid = lbuf + 8;

    CHECK_EQ(LD(lb, p, 0), 1);
    CHECK_EQ(LD(lb, p, 1), (ulong)(slong)(int8_t)0x82);
    CHECK_EQ(LD(lb, p, 14), M1);
    CHECK_EQ(LD(lbu, p, 1), 0x82);
    CHECK_EQ(LD(lbu, p, 14), 0xff);
    CHECK_EQ(LD(lh, p, 0), (ulong)(slong)(int16_t)0x8201);
    CHECK_EQ(LD(lh, p, 2), (ulong)(slong)(int16_t)0xc423);
    CHECK_EQ(LD(lh, p, 4), (ulong)(slong)(int16_t)0xe645);
    CHECK_EQ(LD(lh, p, 12), 0x5edd);
    CHECK_EQ(LD(lhu, p, 2), 0xc423);
    CHECK_EQ(LD(lhu, p, 12), 0x5edd);
    CHECK_EQ(LD(lw, p, 0), SEXT32(0xc4238201));
    CHECK_EQ(LD(lw, p, 4), SEXT32(0x8867e645));
    CHECK_EQ(LD(lw, p, 12), 0x70ff5edd);
    /* negative offsets */
    CHECK_EQ(LD(lb, mid, -7), (ulong)(slong)(int8_t)0x82);
    CHECK_EQ(LD(lhu, mid, -2), 0x8867);
    CHECK_EQ(LD(lw, mid, -8), SEXT32(0xc4238201));
#if XLEN == 64
    CHECK_EQ(LD(lwu, p, 0), 0xc4238201);
    CHECK_EQ(LD(lwu, p, 12), 0x70ff5edd);
    CHECK_EQ(LD(ld, p, 8), 0x70ff5edd3cbb1a99);
    CHECK_EQ(LD(ld, p, 0), 0x8867e645c4238201);
    CHECK_EQ(LD(ld, mid, -8), 0x8867e645c4238201);
#endif
}

static void test_stores(void)
{
    static uint8_t sbuf[24] __attribute__((aligned(16)));
    volatile uint32_t *w = (volatile uint32_t *)sbuf;
    uint8_t *p = sbuf;
    const uint64_t v = 0x123456789abcdef0ULL;

    memset(sbuf, 0xaa, sizeof(sbuf));
    ST(sb, p, 1, v);
    ST(sh, p, 2, v);
    ST(sw, p, 4, v);
    CHECK_EQ(w[0], 0xdef0f0aa);
    CHECK_EQ(w[1], 0x9abcdef0);
#if XLEN == 64
    ST(sd, p, 8, v);
    CHECK_EQ(w[2], 0x9abcdef0);
    CHECK_EQ(w[3], 0x12345678);
#else
    ST(sw, p, 8, 0x11223344);
    ST(sw, p, 12, 0x55667788);
    CHECK_EQ(w[2], 0x11223344);
    CHECK_EQ(w[3], 0x55667788);
#endif
    /* negative offsets, and the neighbours stay untouched */
    ST(sb, p + 20, -3, 0x5a);
    ST(sh, p + 20, -2, 0xbeef);
    CHECK_EQ(w[4], 0xbeef5aaa);
    CHECK_EQ(w[5], 0xaaaaaaaa);
    ST(sw, p + 24, -4, 0xcafef00d);
    CHECK_EQ(w[5], 0xcafef00d);
    CHECK_EQ(w[4], 0xbeef5aaa);
}

static void test_branches(void)
{
    CHECK_EQ(BR(beq, 5, 5), 1);
    CHECK_EQ(BR(beq, 5, 6), 0);
    CHECK_EQ(BR(beq, M1, SMIN), 0);
    CHECK_EQ(BR(bne, 5, 5), 0);
    CHECK_EQ(BR(bne, 5, 6), 1);
    CHECK_EQ(BR(blt, M1, 1), 1);
    CHECK_EQ(BR(blt, 1, M1), 0);
    CHECK_EQ(BR(blt, 3, 3), 0);
    CHECK_EQ(BR(blt, SMIN, SMAX), 1);
    CHECK_EQ(BR(bge, M1, 1), 0);
    CHECK_EQ(BR(bge, 1, M1), 1);
    CHECK_EQ(BR(bge, 3, 3), 1);
    CHECK_EQ(BR(bltu, M1, 1), 0);
    CHECK_EQ(BR(bltu, 1, M1), 1);
    CHECK_EQ(BR(bltu, 3, 3), 0);
    CHECK_EQ(BR(bltu, SMIN, SMAX), 0);
    CHECK_EQ(BR(bgeu, M1, 1), 1);
    CHECK_EQ(BR(bgeu, 1, M1), 0);
    CHECK_EQ(BR(bgeu, 3, 3), 1);

    /* a backward branch: sum 1..10 */
    ulong sum, n;
    __asm__ volatile(NORVC_BEGIN
                     "li %0, 0\n\t"
                     "li %1, 10\n"
                     "1:\tadd %0, %0, %1\n\t"
                     "addi %1, %1, -1\n\t"
                     "bne %1, x0, 1b"
                     NORVC_END
                     : "=&r"(sum), "=&r"(n));
    CHECK_EQ(sum, 55);
    CHECK_EQ(n, 0);
}

static void test_jumps(void)
{
    ulong link, want, skipped;

    /* jal forward: link is the next instruction, which is skipped */
    __asm__ volatile(NORVC_BEGIN
                     "li %2, 0\n\t"
                     "jal %0, 1f\n"
                     "2:\tli %2, 1\n"
                     "1:\tla %1, 2b"
                     NORVC_END
                     : "=&r"(link), "=&r"(want), "=&r"(skipped));
    CHECK_EQ(link, want);
    CHECK_EQ(skipped, 0);

    /* jal backward */
    __asm__ volatile(NORVC_BEGIN
                     "li %2, 0\n\t"
                     "j 3f\n"
                     "1:\taddi %2, %2, 1\n\t"
                     "j 4f\n"
                     "3:\tjal %0, 1b\n"
                     "2:\taddi %2, %2, 16\n"
                     "4:\tla %1, 2b"
                     NORVC_END
                     : "=&r"(link), "=&r"(want), "=&r"(skipped));
    CHECK_EQ(link, want);
    CHECK_EQ(skipped, 1);

    /* jalr: the low bit of the target is cleared */
    __asm__ volatile(NORVC_BEGIN
                     "li %2, 0\n\t"
                     "la t0, 1f\n\t"
                     "addi t0, t0, -3\n\t"
                     "jalr %0, 4(t0)\n"
                     "2:\tli %2, 1\n"
                     "1:\tla %1, 2b"
                     NORVC_END
                     : "=&r"(link), "=&r"(want), "=&r"(skipped) : : "t0");
    CHECK_EQ(link, want);
    CHECK_EQ(skipped, 0);

    /* jalr with rd == rs1: the target uses the old value */
    __asm__ volatile(NORVC_BEGIN
                     "li %2, 0\n\t"
                     "la %0, 1f\n\t"
                     "jalr %0, 0(%0)\n"
                     "2:\tli %2, 1\n"
                     "1:\tla %1, 2b"
                     NORVC_END
                     : "=&r"(link), "=&r"(want), "=&r"(skipped));
    CHECK_EQ(link, want);
    CHECK_EQ(skipped, 0);

    /* jalr with a negative offset, and x0 as the link (a plain jump) */
    __asm__ volatile(NORVC_BEGIN
                     "li %1, 0\n\t"
                     "la %0, 1f\n\t"
                     "addi %0, %0, 64\n\t"
                     "jalr x0, -64(%0)\n\t"
                     "li %1, 1\n"
                     "1:"
                     NORVC_END
                     : "=&r"(link), "=&r"(skipped));
    CHECK_EQ(skipped, 0);
}

static void test_fences(void)
{
    /* Ordering only on one hart: these must simply execute. */
    __asm__ volatile("fence\n\tfence rw, rw\n\tfence r, r\n\tfence w, w\n\t"
                     "fence iorw, iorw\n\tfence.tso\n\tfence.i" ::: "memory");
    CHECK(1);
}

#if XLEN == 64
static void test_rv64_words(void)
{
    CHECK_EQ(RR(addw, 0x7fffffff, 1), 0xffffffff80000000);
    CHECK_EQ(RR(addw, 0xffffffff, 1), 0);
    CHECK_EQ(RR(addw, 0x100000005, 3), 8);
    CHECK_EQ(RR(subw, 0, 1), M1);
    CHECK_EQ(RR(subw, 0x80000000, 1), 0x7fffffff);
    CHECK_EQ(RR(subw, 0x500000000, 0x100000000), 0);
    CHECK_EQ(RR(sllw, 1, 31), 0xffffffff80000000);
    CHECK_EQ(RR(sllw, 1, 32), 1);
    CHECK_EQ(RR(sllw, 0xffffffff00000001, 4), 0x10);
    CHECK_EQ(RR(srlw, 0x80000000, 31), 1);
    CHECK_EQ(RR(srlw, 0x80000000, 0), 0xffffffff80000000);
    CHECK_EQ(RR(srlw, 0xffffffff, 4), 0x0fffffff);
    CHECK_EQ(RR(srlw, 0x1234567880000000, 32), 0xffffffff80000000);
    CHECK_EQ(RR(sraw, 0x80000000, 31), M1);
    CHECK_EQ(RR(sraw, 0x7fffffff, 1), 0x3fffffff);
    CHECK_EQ(RR(sraw, 0x80000000, 4), 0xfffffffff8000000);
    CHECK_EQ(RR(sraw, 0xffffffff7fffffff, 36), 0x07ffffff);
    CHECK_EQ(RI(addiw, 0x7fffffff, 1), 0xffffffff80000000);
    CHECK_EQ(RI(addiw, 0x100000000, 0), 0);
    CHECK_EQ(RI(addiw, M1, 1), 0);
    CHECK_EQ(RI(addiw, 0, -2048), (ulong)-2048);
    CHECK_EQ(RI(slliw, 1, 31), 0xffffffff80000000);
    CHECK_EQ(RI(slliw, 0xffff, 16), 0xffffffffffff0000);
    CHECK_EQ(RI(srliw, 0xffffffff80000000, 31), 1);
    CHECK_EQ(RI(srliw, M1, 0), M1);
    CHECK_EQ(RI(srliw, 0x80000000, 4), 0x08000000);
    CHECK_EQ(RI(sraiw, 0x80000000, 4), 0xfffffffff8000000);
    CHECK_EQ(RI(sraiw, 0x17fffffff, 30), 1);
    CHECK_EQ(RI(slli, 1, 40), 1UL << 40);
    CHECK_EQ(RI(srli, 0x8000000000, 39), 1);
    CHECK_EQ(RI(srai, 0x8000000000000000, 32), 0xffffffff80000000);
}
#endif

int main(void)
{
    puts("rvi: base integer instructions");
    test_reg_reg();
    test_reg_imm();
    test_upper();
    test_x0();
    test_loads();
    test_stores();
    test_branches();
    test_jumps();
    test_fences();
#if XLEN == 64
    test_rv64_words();
#endif
    return check_done("rvi");
}
