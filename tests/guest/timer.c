/* SPDX-License-Identifier: MIT */
/*
 * CLINT: mtime advances, mtimecmp raises MTIP and the timer interrupt
 * (woken from wfi), msip raises the software interrupt. Counts are printed,
 * never times: virtual time differs between emulators.
 */
#include "rt.h"

#define MSTATUS_MIE (1UL << 3)
#define MIP_MSIP    (1UL << 3)
#define MIP_MTIP    (1UL << 7)
#define MIE_MSIE    (1UL << 3)
#define MIE_MTIE    (1UL << 7)

#define TICKS 500            /* 50 us at 10 MHz */
#define ROUNDS 10
/* Bounds every wait, so a dead timer fails a check instead of hanging. */
#define SPINS 20000000L

static volatile int mti_count, msi_count, other_traps;
static volatile uint64_t late;   /* mtime was before mtimecmp at a timer trap */
static volatile uint32_t msip_seen;

static int on_trap(struct trap_frame *f)
{
    if (f->mcause == (MCAUSE_INT | 7)) {
        uint64_t now = mtime();
        uint64_t cmp = mmio_read64(CLINT_MTIMECMP);
        if (now < cmp)
            late++;
        /* the interrupt stays pending until mtimecmp moves past mtime */
        set_mtimecmp(UINT64_MAX);
        mti_count++;
        return 1;
    }
    if (f->mcause == (MCAUSE_INT | 3)) {
        volatile uint32_t *msip = (volatile uint32_t *)CLINT_MSIP;
        msip_seen = *msip;
        *msip = 0;
        msi_count++;
        return 1;
    }
    other_traps++;
    return 0;
}

static void test_mtime(void)
{
    uint64_t t0 = mtime();
    uint64_t t1 = t0;

    for (long i = 0; i < SPINS && t1 == t0; i++)
        t1 = mtime();
    CHECK(t1 > t0);
    puts("mtime advances");
}

/* MTIP follows mtime >= mtimecmp, with interrupts off entirely. */
static void test_poll(void)
{
    set_mtimecmp(UINT64_MAX);
    CHECK(!(csr_read(mip) & MIP_MTIP));
    uint64_t cmp = mtime() + TICKS;
    set_mtimecmp(cmp);
    for (long n = 0; n < SPINS && !(csr_read(mip) & MIP_MTIP); n++)
        ;
    CHECK(csr_read(mip) & MIP_MTIP);
    CHECK(mtime() >= cmp);
    set_mtimecmp(UINT64_MAX);
    CHECK(!(csr_read(mip) & MIP_MTIP));
    /* a deadline in the past is pending at once */
    set_mtimecmp(0);
    CHECK(csr_read(mip) & MIP_MTIP);
    set_mtimecmp(UINT64_MAX);
    puts("mip.MTIP follows mtimecmp");
}

/* wfi wakes on a pending interrupt even when MIE is off; no trap is taken. */
static void test_wfi_masked(void)
{
    csr_clear(mstatus, MSTATUS_MIE);
    csr_write(mie, MIE_MTIE);
    set_mtimecmp(mtime() + TICKS);
    for (long n = 0; n < SPINS && !(csr_read(mip) & MIP_MTIP); n++)
        __asm__ volatile("wfi");
    CHECK(csr_read(mip) & MIP_MTIP);
    CHECK_EQ(mti_count, 0);
    set_mtimecmp(UINT64_MAX);
    csr_write(mie, 0);
    puts("wfi wakes with interrupts masked");
}

/*
 * Sleeps until the handler has moved *counter past seen. MIE stays off
 * around the test and the wfi (which still wakes on a pending enabled
 * interrupt), so an interrupt cannot slip in between them and leave the
 * hart asleep; it is taken in the short window with MIE on.
 */
static void wait_irq(volatile int *counter, int seen)
{
    for (long n = 0; n < SPINS && *counter == seen; n++) {
        __asm__ volatile("wfi");
        csr_set(mstatus, MSTATUS_MIE);
        csr_clear(mstatus, MSTATUS_MIE);
    }
}

static void test_timer_irq(void)
{
    csr_write(mie, MIE_MTIE);
    for (int i = 0; i < ROUNDS; i++) {
        set_mtimecmp(mtime() + TICKS);
        wait_irq(&mti_count, i);
    }
    csr_write(mie, 0);
    CHECK_EQ(mti_count, ROUNDS);
    CHECK_EQ(late, 0);
    putstr("timer interrupts: ");
    putd(mti_count);
    putch('\n');
}

static void test_software_irq(void)
{
    volatile uint32_t *msip = (volatile uint32_t *)CLINT_MSIP;

    /* msip drives mip.MSIP; only bit 0 is writable */
    *msip = 0xfffffffe;
    CHECK_EQ(*msip, 0);
    *msip = 1;
    CHECK_EQ(*msip, 1);
    CHECK(csr_read(mip) & MIP_MSIP);
    *msip = 0;
    CHECK(!(csr_read(mip) & MIP_MSIP));

    csr_write(mie, MIE_MSIE);
    csr_set(mstatus, MSTATUS_MIE);
    for (int i = 0; i < ROUNDS; i++) {
        *msip = 1;
        for (long n = 0; n < SPINS && msi_count == i; n++)
            ;
    }
    csr_clear(mstatus, MSTATUS_MIE);
    csr_write(mie, 0);
    CHECK_EQ(msi_count, ROUNDS);
    CHECK_EQ(msip_seen, 1);
    CHECK_EQ(*msip, 0);
    putstr("software interrupts: ");
    putd(msi_count);
    putch('\n');
}

int main(void)
{
    puts("timer: CLINT timer and software interrupts");
    trap_hook = on_trap;
    test_mtime();
    test_poll();
    test_wfi_masked();
    test_timer_irq();
    test_software_irq();
    trap_hook = 0;
    CHECK_EQ(other_traps, 0);
    return check_done("timer");
}
