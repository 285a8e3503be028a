/* SPDX-License-Identifier: MIT */
/*
 * SMP stress: a token goes ROUNDS times around the harts as CLINT
 * software interrupts (each hart passes it on once it took it), while
 * every hart takes ROUNDS timer interrupts of its own (its mtimecmp) and
 * does the M-mode `csrs/csrc mip, SSIP` that firmware uses to forward
 * IPIs. One token means no two IPIs to a hart coalesce, so every count is
 * exact: the output is the same on every run and on QEMU, whatever the
 * interleaving. Harts wait with wfi for their own interrupts only (never
 * spinning on another hart, which a host thread that is not running
 * would starve); a lost interrupt ends in the runner's timeout, a
 * failure. The number of harts is found by probing the CLINT's msip
 * words (those of absent harts read 0); the runner starts the program
 * with -smp 4 (smpipi) and -smp 8 (smpipi8), free-running and under
 * -icount.
 */
#include "rt.h"

#define MAX_HARTS 8
#define ROUNDS 200
#define SPINS 20000000L

#define MSTATUS_MIE (1UL << 3)
#define MIE_MSIE (1UL << 3)
#define MIE_MTIE (1UL << 7)
#define MIP_SSIP (1UL << 1)

#define ERR_SEND 1u   /* the token never came */
#define ERR_WAIT 2u   /* our own interrupts never came */
#define ERR_TRAP 4u   /* an unexpected trap */

static volatile uint32_t recv[MAX_HARTS], timers[MAX_HARTS];
static volatile uint32_t done[MAX_HARTS], errs[MAX_HARTS], ready[MAX_HARTS];
static volatile uint32_t go;
static unsigned nharts;

static volatile uint32_t *msip(unsigned h)
{
    return (volatile uint32_t *)(CLINT_MSIP + 4 * h);
}

static void set_timer(unsigned h, uint64_t v)
{
    volatile uint32_t *p = (volatile uint32_t *)(CLINT_MTIMECMP + 8 * h);
#if XLEN == 64
    *(volatile uint64_t *)p = v;
#else
    p[1] = 0xffffffffu;
    p[0] = (uint32_t)v;
    p[1] = (uint32_t)(v >> 32);
#endif
}

static int on_trap(struct trap_frame *f)
{
    unsigned h = (unsigned)csr_read(mhartid);

    if (f->mcause == (MCAUSE_INT | 3)) {
        *msip(h) = 0;
        __asm__ volatile("fence iorw, iorw" ::: "memory");
        recv[h]++;
        return 1;
    }
    if (f->mcause == (MCAUSE_INT | 7)) {
        set_timer(h, UINT64_MAX);
        __asm__ volatile("fence iorw, iorw" ::: "memory");
        timers[h]++;
        return 1;
    }
    errs[h] |= ERR_TRAP;
    return 1;
}

/* Sleeps until *p >= want, race-free: the check runs with MIE off and
 * wfi wakes on a pending interrupt even then. */
static int wait_own(volatile uint32_t *p, uint32_t want)
{
    for (long s = 0; s < SPINS; s++) {
        csr_clear(mstatus, MSTATUS_MIE);
        if (*p >= want) {
            csr_set(mstatus, MSTATUS_MIE);
            return 1;
        }
        __asm__ volatile("wfi");
        csr_set(mstatus, MSTATUS_MIE);
    }
    return 0;
}

static void run(unsigned h)
{
    unsigned next = (h + 1) % nharts;

    /* mtimecmp may reset to 0 (QEMU): no timer until we arm one. */
    set_timer(h, UINT64_MAX);
    csr_write(mie, MIE_MSIE | MIE_MTIE);
    csr_set(mstatus, MSTATUS_MIE);
    for (uint32_t k = 1; k <= ROUNDS; k++) {
        /* A short timer of our own, different for every hart and round. */
        set_timer(h, mtime() + 5 + (h * 7 + k) % 13);
        /* The token: hart 0 starts lap k once lap k-1 came back, the
         * others pass lap k on once they got it. */
        if (!wait_own(&recv[h], h == 0 ? k - 1 : k)) {
            errs[h] |= ERR_SEND;
            break;
        }
        __asm__ volatile("fence rw, rw" ::: "memory");
        *msip(next) = 1;
        /* What OpenSBI does to hand an IPI to S mode (SSIP is not
         * enabled here, so it only exercises the read-modify-write). */
        csr_set(mip, MIP_SSIP);
        csr_clear(mip, MIP_SSIP);
        if (!wait_own(&timers[h], k)) {
            errs[h] |= ERR_WAIT;
            break;
        }
    }
    if (!errs[h] && !wait_own(&recv[h], ROUNDS))
        errs[h] |= ERR_WAIT;
    csr_write(mie, 0);
    __asm__ volatile("fence rw, rw" ::: "memory");
    done[h] = 1;
}

/*
 * Hart 0 waits until flags[1..nharts-1] are all set, without spinning: a
 * short timer wakes wfi (MIE off, so nothing is taken or counted).
 */
static void wait_all(volatile uint32_t *flags)
{
    csr_clear(mstatus, MSTATUS_MIE);
    csr_write(mie, MIE_MTIE);
    for (long s = 0; s < SPINS; s++) {
        unsigned n = 0;
        for (unsigned h = 1; h < nharts; h++)
            n += flags[h] != 0;
        if (n == nharts - 1)
            break;
        set_timer(0, mtime() + 50);
        __asm__ volatile("wfi");
    }
    set_timer(0, UINT64_MAX);
    csr_write(mie, 0);
}

void secondary_main(ulong hartid)
{
    /* Sleep until hart 0 sets msip and go (msip is set before go, so it
     * is cleared here before it could count as an IPI). */
    csr_write(mie, MIE_MSIE);
    while (!go)
        __asm__ volatile("wfi");
    if (hartid < MAX_HARTS)
        *msip((unsigned)hartid) = 0;
    __asm__ volatile("fence iorw, iorw" ::: "memory");
    if (hartid < MAX_HARTS)
        ready[hartid] = 1;
    if (hartid < nharts)
        run((unsigned)hartid);
    for (;;)
        __asm__ volatile("wfi");
}

int main(void)
{
    trap_hook = on_trap;
    /* Harts whose msip word holds a 1 exist (the others' read 0). */
    nharts = 1;
    for (unsigned h = 1; h < MAX_HARTS; h++) {
        *msip(h) = 1;
        int present = *msip(h) != 0;
        *msip(h) = 0;
        if (!present)
            break;
        nharts = h + 1;
    }
    putstr("harts: ");
    putu(nharts);
    putch('\n');
    CHECK(nharts >= 2);
    /* Wake the others (waiting in wfi for msip), let them go, and wait
     * until each has cleared its msip: only then may the token start. */
    for (unsigned h = 1; h < nharts; h++)
        *msip(h) = 1;
    __asm__ volatile("fence iorw, iorw" ::: "memory");
    go = 1;
    wait_all(ready);
    run(0);

    wait_all(done);
    for (unsigned h = 1; h < nharts; h++)
        CHECK(done[h]);
    __asm__ volatile("fence rw, rw" ::: "memory");
    for (unsigned h = 0; h < nharts; h++) {
        putstr("hart ");
        putu(h);
        putstr(": ipis ");
        putu(recv[h]);
        putstr(", timers ");
        putu(timers[h]);
        putstr(", errors ");
        putx(errs[h]);
        putch('\n');
        CHECK_EQ(recv[h], ROUNDS);
        CHECK_EQ(timers[h], ROUNDS);
        CHECK_EQ(errs[h], 0);
    }
    return check_done("smpipi");
}
