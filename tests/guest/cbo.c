/* SPDX-License-Identifier: MIT */
/*
 * Zicbom and Zicboz on Tessera's max CPU (rv64, virt): cbo.zero clears
 * exactly the 64-byte block holding the address; cbo.clean, cbo.flush
 * and cbo.inval run in M mode and, in U mode, only when menvcfg and
 * senvcfg enable them (CBCFE, CBIE, CBZE), else they are illegal
 * instructions; menvcfg.CBIE is WARL (2 is reserved). QEMU 7.2 has
 * neither extension, so run-guest.sh runs this on Tessera alone and the
 * expected output was checked against the Zicbo* specification.
 */
#include "rt.h"

#define CBIE_SHIFT 4
#define CBCFE (1UL << 6)
#define CBZE (1UL << 7)

/* uxl-code.S: a1 reaches fn unchanged. */
void run_user(void (*fn)(void), ulong a1);
void user_return(void);
void u_cbo_zero(void);
void u_cbo_clean(void);
void u_cbo_flush(void);
void u_cbo_inval(void);

static volatile ulong last_cause;
static uint8_t block[256] __attribute__((aligned(64)));

static int on_trap(struct trap_frame *f)
{
    if (((csr_read(mstatus) >> 11) & 3) != 0)
        return 0;
    last_cause = f->mcause;
    f->mepc = (ulong)user_return;
    csr_set(mstatus, 3UL << 11);
    return 1;
}

/* Runs fn in U mode with a1 = addr; returns the trap that ended it. */
static ulong in_user(void (*fn)(void), ulong addr)
{
    last_cause = 0;
    run_user(fn, addr);
    return last_cause;
}

static unsigned count(uint8_t v, unsigned from, unsigned to)
{
    unsigned n = 0;

    for (unsigned i = from; i < to; i++)
        n += block[i] == v;
    return n;
}

static void show(const char *what, ulong cause)
{
    putstr(what);
    putstr(": ");
    putstr(cause == 8 ? "runs" : cause == 2 ? "illegal" : "?");
    putch('\n');
}

int main(void)
{
    trap_hook = on_trap;
    memset(block, 0xaa, sizeof(block));

    /* M mode: always allowed. */
    register ulong a0 __asm__("a0") = (ulong)block + 64 + 13;
    __asm__ volatile(".word 0x0045200f" : : "r"(a0) : "memory");
    putstr("m cbo.zero: zeros in block 1: ");
    putu(count(0, 64, 128));
    putstr(", others untouched: ");
    putu(count(0xaa, 0, 64) + count(0xaa, 128, 256));
    putch('\n');
    CHECK_EQ(count(0, 64, 128), 64);
    CHECK_EQ(count(0xaa, 0, 64) + count(0xaa, 128, 256), 192);
    __asm__ volatile(".word 0x0015200f\n\t.word 0x0025200f\n\t"
                     ".word 0x0005200f" : : "r"(a0) : "memory");
    puts("m cbo.clean, cbo.flush, cbo.inval: run");

    /* menvcfg.CBIE: 0, 1 and 3 stick, 2 keeps the old value. */
    for (ulong v = 0; v < 4; v++) {
        csr_write(menvcfg, (csr_read(menvcfg) & ~(3UL << CBIE_SHIFT)) |
                               v << CBIE_SHIFT);
        putstr("menvcfg.CBIE = ");
        putu(v);
        putstr(": reads ");
        putu((csr_read(menvcfg) >> CBIE_SHIFT) & 3);
        putch('\n');
    }

    csr_write(pmpaddr0, -1UL);
    csr_write(pmpcfg0, 0x1fUL);
    ulong b2 = (ulong)block + 128;

    csr_write(menvcfg, 0);
    csr_write(senvcfg, CBZE | CBCFE | (1UL << CBIE_SHIFT));
    show("u cbo.zero, menvcfg off", in_user(u_cbo_zero, b2));
    show("u cbo.clean, menvcfg off", in_user(u_cbo_clean, b2));
    show("u cbo.inval, menvcfg off", in_user(u_cbo_inval, b2));
    CHECK_EQ(count(0xaa, 128, 192), 64);

    csr_write(menvcfg, CBZE | CBCFE | (1UL << CBIE_SHIFT));
    csr_write(senvcfg, 0);
    show("u cbo.zero, senvcfg off", in_user(u_cbo_zero, b2));
    show("u cbo.flush, senvcfg off", in_user(u_cbo_flush, b2));
    CHECK_EQ(count(0xaa, 128, 192), 64);

    csr_write(senvcfg, CBZE | CBCFE | (3UL << CBIE_SHIFT));
    show("u cbo.zero, both on", in_user(u_cbo_zero, b2 + 63));
    show("u cbo.clean, both on", in_user(u_cbo_clean, b2));
    show("u cbo.flush, both on", in_user(u_cbo_flush, b2));
    show("u cbo.inval, both on", in_user(u_cbo_inval, b2));
    putstr("u cbo.zero: zeros in block 2: ");
    putu(count(0, 128, 192));
    putch('\n');
    CHECK_EQ(count(0, 128, 192), 64);
    CHECK_EQ(count(0xaa, 192, 256), 64);
    return check_done("cbo");
}
