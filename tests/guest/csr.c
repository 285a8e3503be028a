/* SPDX-License-Identifier: MIT */
/*
 * Zicsr: the six CSR instructions, machine information registers, counters
 * and the illegal-instruction trap for bad CSR accesses. QEMU runs this one
 * with -icount shift=0 so that its minstret counts instructions.
 */
#include "rt.h"

#define M1 ((ulong)-1)

static volatile int traps;
static volatile ulong trap_cause, trap_tval;

static int on_trap(struct trap_frame *f)
{
    traps++;
    trap_cause = f->mcause;
    trap_tval = f->mtval;
    f->mepc += insn_len(f->mepc);
    return 1;
}

static void test_rw(void)
{
    ulong old;

    csr_write(mscratch, 0x1234);
    __asm__ volatile("csrrw %0, mscratch, %1" : "=r"(old) : "r"(M1));
    CHECK_EQ(old, 0x1234);
    CHECK_EQ(csr_read(mscratch), M1);               /* all XLEN bits */

    __asm__ volatile("csrrc %0, mscratch, %1" : "=r"(old) : "r"(0xf0fUL));
    CHECK_EQ(old, M1);
    CHECK_EQ(csr_read(mscratch), ~0xf0fUL);
    __asm__ volatile("csrrs %0, mscratch, %1" : "=r"(old) : "r"(0x00fUL));
    CHECK_EQ(old, ~0xf0fUL);
    CHECK_EQ(csr_read(mscratch), ~0xf00UL);

    __asm__ volatile("csrrwi %0, mscratch, 21" : "=r"(old));
    CHECK_EQ(old, ~0xf00UL);
    CHECK_EQ(csr_read(mscratch), 21);
    __asm__ volatile("csrrsi %0, mscratch, 10" : "=r"(old));
    CHECK_EQ(old, 21);
    CHECK_EQ(csr_read(mscratch), 31);
    __asm__ volatile("csrrci %0, mscratch, 5" : "=r"(old));
    CHECK_EQ(old, 31);
    CHECK_EQ(csr_read(mscratch), 26);

    /* rd = x0 still writes; rs1 = x0 / uimm = 0 set and clear nothing */
    __asm__ volatile("csrrw x0, mscratch, %0" :: "r"(0x5a5aUL));
    CHECK_EQ(csr_read(mscratch), 0x5a5a);
    __asm__ volatile("csrrs %0, mscratch, x0" : "=r"(old));
    __asm__ volatile("csrrc %0, mscratch, x0" : "=r"(old));
    __asm__ volatile("csrrsi %0, mscratch, 0" : "=r"(old));
    __asm__ volatile("csrrci %0, mscratch, 0" : "=r"(old));
    CHECK_EQ(old, 0x5a5a);
    CHECK_EQ(csr_read(mscratch), 0x5a5a);
    /* same register as source and destination: old value out, new in */
    ulong v = 0x77;
    __asm__ volatile("csrrw %0, mscratch, %0" : "+r"(v));
    CHECK_EQ(v, 0x5a5a);
    CHECK_EQ(csr_read(mscratch), 0x77);
}

static void test_info(void)
{
    ulong misa = csr_read(misa);
    int mxl = (int)(misa >> (XLEN - 2));

    CHECK_EQ(mxl, XLEN == 32 ? 1 : 2);
    CHECK(misa & (1UL << ('I' - 'A')));
    CHECK(misa & (1UL << ('M' - 'A')));
    CHECK(misa & (1UL << ('A' - 'A')));
    CHECK(misa & (1UL << ('C' - 'A')));
    CHECK(!(misa & (1UL << ('E' - 'A'))));
    putstr("misa: rv");
    putd(XLEN);
    puts(" with I, M, A and C");
    CHECK_EQ(csr_read(mhartid), 0);
    /* Read-only information registers must at least be readable. */
    (void)csr_read(mvendorid);
    (void)csr_read(marchid);
    (void)csr_read(mimpid);
    CHECK_EQ(traps, 0);
}

static void test_machine_regs(void)
{
    ulong old_tvec = csr_read(mtvec);

    /* mtvec: direct and vectored modes read back */
    csr_write(mtvec, 0x80001000UL);
    CHECK_EQ(csr_read(mtvec), 0x80001000UL);
    csr_write(mtvec, 0x80001001UL);
    CHECK_EQ(csr_read(mtvec), 0x80001001UL);
    csr_write(mtvec, old_tvec);

    /* mepc holds an even address (IALIGN is 16 with C) */
    csr_write(mepc, 0x80002002UL);
    CHECK_EQ(csr_read(mepc), 0x80002002UL);

    /* mstatus.MIE and MPIE are writable */
    csr_set(mstatus, 1UL << 7);
    CHECK(csr_read(mstatus) & (1UL << 7));
    csr_clear(mstatus, 1UL << 7);
    CHECK(!(csr_read(mstatus) & (1UL << 7)));
    CHECK(!(csr_read(mstatus) & (1UL << 3)));

    /* mie: MSIE and MTIE are writable */
    csr_write(mie, (1UL << 3) | (1UL << 7));
    CHECK_EQ(csr_read(mie) & 0x88, 0x88);
    csr_write(mie, 0);
    CHECK_EQ(csr_read(mie) & 0x88, 0);
    CHECK_EQ(traps, 0);
}

/* Straight-line instructions between two minstret reads. */
static ulong instret_delta(void)
{
    ulong a, b;
    __asm__ volatile(".option push\n\t.option norvc\n\t"
                     "csrr %0, minstret\n\t"
                     "addi x0, x0, 1\n\taddi x0, x0, 2\n\t"
                     "addi x0, x0, 3\n\taddi x0, x0, 4\n\t"
                     "addi x0, x0, 5\n\taddi x0, x0, 6\n\t"
                     "addi x0, x0, 7\n\taddi x0, x0, 8\n\t"
                     "addi x0, x0, 9\n\taddi x0, x0, 10\n\t"
                     "csrr %1, minstret\n\t"
                     ".option pop"
                     : "=&r"(a), "=r"(b));
    return b - a;
}

/* A loop of known length: 3 instructions per iteration. */
static ulong instret_loop(unsigned n)
{
    ulong a, b, i = n;
    __asm__ volatile("csrr %0, minstret\n"
                     "1:\taddi %2, %2, -1\n\t"
                     "nop\n\t"
                     "bnez %2, 1b\n\t"
                     "csrr %1, minstret"
                     : "=&r"(a), "=r"(b), "+r"(i));
    return b - a;
}

/*
 * Forward branches inside a block (translated as an if-then that the
 * taken path joins): minstret counts only the instructions that ran, on
 * both paths, also when a load after the join, or in the skipped part,
 * faults (the trap hook skips it). x == 0 takes the branch; p is the
 * address loaded.
 */
static ulong instret_if(ulong x, ulong p)
{
    ulong a, b, t;
    __asm__ volatile(".option push\n\t.option norvc\n\t"
                     "csrr %0, minstret\n\t"
                     "beqz %3, 1f\n\t"
                     "addi x0, x0, 1\n\taddi x0, x0, 2\n\t"
                     "addi x0, x0, 3\n"
                     "1:\tlw %2, 0(%4)\n\t"
                     "addi x0, x0, 4\n\t"
                     "csrr %1, minstret\n\t"
                     ".option pop"
                     : "=&r"(a), "=r"(b), "=&r"(t)
                     : "r"(x), "r"(p)
                     : "memory");
    return b - a;
}

/* The same with the load in the part the branch skips. */
static ulong instret_if_skipped(ulong x, ulong p)
{
    ulong a, b, t;
    __asm__ volatile(".option push\n\t.option norvc\n\t"
                     "csrr %0, minstret\n\t"
                     "beqz %3, 1f\n\t"
                     "lw %2, 0(%4)\n\t"
                     "addi x0, x0, 1\n"
                     "1:\taddi x0, x0, 2\n\t"
                     "csrr %1, minstret\n\t"
                     ".option pop"
                     : "=&r"(a), "=r"(b), "=&r"(t)
                     : "r"(x), "r"(p)
                     : "memory");
    return b - a;
}

/* One load between two reads: the trap's cost when p faults. */
static ulong instret_load(ulong p)
{
    ulong a, b, t;
    __asm__ volatile("csrr %0, minstret\n\t"
                     "lw %2, 0(%3)\n\t"
                     "csrr %1, minstret"
                     : "=&r"(a), "=r"(b), "=&r"(t)
                     : "r"(p)
                     : "memory");
    return b - a;
}

/*
 * A loop whose body has an if-then (odd i: one more instruction) and a
 * way out forward past the loop's end when i reaches k: 5 instructions a
 * round, 6 for odd i, one less in the last round (it leaves by the beq,
 * without the bnez); *odd counts the odd rounds.
 */
static ulong instret_loop_if(ulong n, ulong k, ulong *odd)
{
    ulong a, b, t, i = n, s = 0;
    __asm__ volatile("csrr %0, minstret\n"
                     "1:\tandi %2, %3, 1\n\t"
                     "beqz %2, 2f\n\t"
                     "addi %4, %4, 1\n"
                     "2:\taddi %3, %3, -1\n\t"
                     "beq %3, %5, 3f\n\t"
                     "bnez %3, 1b\n"
                     "3:\tcsrr %1, minstret"
                     : "=&r"(a), "=r"(b), "=&r"(t), "+r"(i), "+r"(s)
                     : "r"(k));
    *odd = s;
    return b - a;
}

static void test_instret_branches(void)
{
    ulong ok = (ulong)&traps, bad = 0x08000000UL; /* a hole on virt/spike */
    ulong odd;

    traps = 0;
    CHECK_EQ(instret_if(1, ok), 7);
    CHECK_EQ(instret_if(0, ok), 4);
    CHECK_EQ(instret_if_skipped(1, ok), 5);
    CHECK_EQ(instret_if_skipped(0, ok), 3);
    CHECK_EQ(instret_load(ok), 2);
    CHECK_EQ(traps, 0);
    /* a faulting load does not retire; the hook's instructions do */
    ulong trap = instret_load(bad) - 1;
    CHECK_EQ(traps, 1);
    CHECK_EQ(instret_if(1, bad), 6 + trap);
    CHECK_EQ(instret_if(0, bad), 3 + trap);
    CHECK_EQ(instret_if_skipped(1, bad), 4 + trap);
    CHECK_EQ(traps, 4);
    CHECK_EQ(instret_if_skipped(0, bad), 3);
    CHECK_EQ(traps, 4);
    traps = 0;
    CHECK_EQ(instret_loop_if(1000, 0, &odd), 1 + 5 * 1000 - 1 + 500);
    CHECK_EQ(odd, 500);
    CHECK_EQ(instret_loop_if(1001, 300, &odd), 1 + 5 * 701 - 1 + 351);
    CHECK_EQ(odd, 351);
}

static void test_counters(void)
{
    /* the first csrr retires, the second reads before it retires */
    CHECK_EQ(instret_delta(), 11);
    CHECK_EQ(instret_loop(1000), 3001);
    CHECK_EQ(instret_loop(50000), 150001);

    ulong c0 = csr_read(mcycle);
    for (volatile int i = 0; i < 100; i++)
        ;
    ulong c1 = csr_read(mcycle);
    CHECK(c1 - c0 >= 100);
    CHECK(c1 != c0);

    /* writes set the counter; it keeps counting from there */
    csr_write(minstret, 1000);
    ulong r = csr_read(minstret);
    CHECK(r >= 1000 && r <= 1002);
    csr_write(mcycle, 5);
    r = csr_read(mcycle);
    CHECK(r >= 5 && r < 5 + 100000);
#if XLEN == 32
    /* the high halves are registers of their own */
    csr_write(minstret, 0);
    csr_write(minstreth, 7);
    CHECK_EQ(csr_read(minstreth), 7);
    (void)csr_read(mcycleh);
#endif
    CHECK_EQ(traps, 0);
}

/* Runs one instruction expected to be illegal; returns 1 if it trapped so. */
#define EXPECT_ILLEGAL(insn, bits) do {                                     \
        traps = 0;                                                          \
        __asm__ volatile(".option push\n\t.option norvc\n\t"                \
                         insn "\n\t.option pop" ::: "a0", "memory");        \
        CHECK_EQ(traps, 1);                                                 \
        CHECK_EQ(trap_cause, 2);                                            \
        CHECK(trap_tval == (bits) || (TVAL_MAY_BE_ZERO && trap_tval == 0)); \
    } while (0)

/*
 * mtval may be zero or the instruction bits; QEMU 7.2 writes the bits on
 * virt but zero on spike, so only virt insists on them.
 */
#ifdef RT_BOARD_SPIKE
#define TVAL_MAY_BE_ZERO 1
#else
#define TVAL_MAY_BE_ZERO 0
#endif

static void test_illegal(void)
{
    /* a CSR number no one implements (custom space) */
    EXPECT_ILLEGAL("csrr a0, 0x7c0", 0x7c002573);
    /* writes to read-only CSRs (top bits 11), even with rd = x0 */
    EXPECT_ILLEGAL("csrw mvendorid, a0", 0xf1151073);
    EXPECT_ILLEGAL("csrrwi a0, mhartid, 1", 0xf140d573);
    /* (a0 is made nonzero: QEMU 7.2 wrongly lets a zero write mask pass) */
    EXPECT_ILLEGAL("li a0, 1\n\tcsrrs a0, mhartid, a0", 0xf1452573);
    /* ... but reading them with a set or clear of nothing is fine */
    traps = 0;
    ulong v;
    __asm__ volatile("csrrs %0, mhartid, x0\n\tcsrrci %0, mimpid, 0" : "=r"(v));
    CHECK_EQ(traps, 0);
}

int main(void)
{
    puts("csr: control and status registers");
    trap_hook = on_trap;
    test_rw();
    test_info();
    test_machine_regs();
    test_counters();
    test_instret_branches();
    test_illegal();
    trap_hook = 0;
    return check_done("csr");
}
