/* SPDX-License-Identifier: MIT */
/*
 * RV32 user mode on an RV64 hart (mstatus.UXL, what Linux checks for
 * "ELF compat mode supported"): UXL and sstatus.UXL take 1 and 2 and keep
 * their value for 0; with UXL = 1, U-mode code runs as RV32 (32-bit
 * arithmetic and shifts, the RV32 encoding of rev8, RV64-only
 * instructions illegal), and with UXL = 2 the same code runs as RV64.
 * U-mode registers are printed in their low 32 bits: the spec (and QEMU)
 * sign-extend RV32 results into the upper half, Tessera zero-extends
 * (riscv.h); M-mode software alone can see that.
 */
#include "rt.h"

#define MSTATUS_UXL_SHIFT 32
#define MSTATUS_SXL_SHIFT 34

void run_user(void (*fn)(void));
void user_return(void);
void u32_arith(void);
void u32_addiw(void);
void u32_slli32(void);
void u32_ld(void);

static struct trap_frame last;

static int on_trap(struct trap_frame *f)
{
    ulong mpp = (csr_read(mstatus) >> 11) & 3;

    if (mpp != 0)
        return 0; /* only U-mode traps are expected */
    last = *f;
    f->mepc = (ulong)user_return;
    csr_set(mstatus, 3UL << 11); /* back to M */
    return 1;
}

static ulong uxl(void)
{
    return (csr_read(mstatus) >> MSTATUS_UXL_SHIFT) & 3;
}

static void set_uxl(const char *csr, ulong v)
{
    ulong mask = 3UL << MSTATUS_UXL_SHIFT;

    if (csr[0] == 'm') {
        ulong s = csr_read(mstatus);
        csr_write(mstatus, (s & ~mask) | (v << MSTATUS_UXL_SHIFT));
    } else {
        ulong s = csr_read(sstatus);
        csr_write(sstatus, (s & ~mask) | (v << MSTATUS_UXL_SHIFT));
    }
    putstr(csr);
    putstr(".UXL = ");
    putu(v);
    putstr(": UXL ");
    putu(uxl());
    putstr(", sstatus.UXL ");
    putu((csr_read(sstatus) >> MSTATUS_UXL_SHIFT) & 3);
    putch('\n');
}

static void show(const char *name, ulong v, ulong mask)
{
    putstr("  ");
    putstr(name);
    putstr(" = ");
    putx(v & mask);
    putch('\n');
}

static void run(const char *what, void (*fn)(void), ulong mask)
{
    static const char *const names[] = {
        "a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "t0", "t1", "t2",
        "s2", "s3",
    };
    static const unsigned regs[] = {10, 11, 12, 13, 14, 15, 16, 17, 5, 6,
                                    7,  18, 19};

    memset(&last, 0, sizeof(last));
    run_user(fn);
    putstr(what);
    putstr(": mcause ");
    putx(last.mcause);
    /* QEMU sign-extends the RV32 PC into mepc: compare its low word. */
    putstr(", at +");
    putx((last.mepc - (ulong)fn) & 0xffffffffUL);
    if (last.mcause == 2) {
        putstr(", mtval ");
        putx(last.mtval);
    }
    putch('\n');
    if (last.mcause != 8 || fn != u32_arith)
        return;
    for (unsigned i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
        show(names[i], last.x[regs[i]], mask);
    show("auipc-pc", last.x[21] - ((ulong)fn + 0x3a), 0xffffffffUL);
}

int main(void)
{
    trap_hook = on_trap;
    putstr("reset: UXL ");
    putu(uxl());
    putstr(", SXL ");
    putu((csr_read(mstatus) >> MSTATUS_SXL_SHIFT) & 3);
    putch('\n');
    CHECK_EQ(uxl(), 2);

    set_uxl("mstatus", 1);
    CHECK_EQ(uxl(), 1);
    set_uxl("mstatus", 0);
    CHECK_EQ(uxl(), 1);
    set_uxl("sstatus", 2);
    CHECK_EQ(uxl(), 2);
    set_uxl("sstatus", 1);
    CHECK_EQ(uxl(), 1);

    /* U mode may use all memory and the counters. */
    csr_write(pmpaddr0, -1UL);
    csr_write(pmpcfg0, 0x1fUL);
    csr_write(mcounteren, 7);
    csr_write(scounteren, 7);

    run("rv32 arith", u32_arith, 0xffffffffUL);
    CHECK_EQ(last.mcause, 8);
    CHECK_EQ(last.x[12] & 0xffffffffUL, 0);          /* wrapped add */
    CHECK_EQ(last.x[13] & 0xffffffffUL, 0xf8000000); /* 32-bit srai */
    CHECK_EQ(last.x[16], 1);                         /* negative */
    run("rv32 addiw", u32_addiw, 0xffffffffUL);
    CHECK_EQ(last.mcause, 2);
    run("rv32 slli 32", u32_slli32, 0xffffffffUL);
    CHECK_EQ(last.mcause, 2);
    run("rv32 ld", u32_ld, 0xffffffffUL);
    CHECK_EQ(last.mcause, 2);

    set_uxl("mstatus", 2);
    run("rv64 arith", u32_arith, -1UL);
    run("rv64 addiw", u32_addiw, -1UL);
    CHECK_EQ(last.mcause, 8);
    return check_done("uxl");
}
