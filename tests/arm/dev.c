/* SPDX-License-Identifier: MIT */
/*
 * The MPS2 AN385 system devices besides the UARTs and timers: the CMSDK
 * APB dual timer (NVIC 10), the CMSDK APB watchdog (NMI, then a system
 * reset), the FPGA I/O block and the serial configuration controller.
 * Everything printed must be what qemu-system-arm prints: ID registers,
 * reset values, one-shot, periodic and free-running counting, the
 * watchdog lock and its reset. A word of SSRAM that no image covers
 * survives the reset and counts the boots.
 */
#include "rt/rt.h"

#define DT 0x40002000u
#define DT1(o) REG32(DT + (o))
#define DT2(o) REG32(DT + 0x20 + (o))
#define LOAD 0x00
#define VALUE 0x04
#define CTRL 0x08
#define INTCLR 0x0c
#define RIS 0x10
#define MIS 0x14
#define BGLOAD 0x18
#define C_ONESHOT 1u
#define C_32BIT 2u
#define C_PRE16 4u
#define C_INTEN 0x20u
#define C_PERIODIC 0x40u
#define C_EN 0x80u

#define WD 0x40008000u
#define WDOG(o) REG32(WD + (o))
#define WD_LOCK 0xc00
#define WD_UNLOCK_KEY 0x1acce551u

#define FPGAIO 0x40028000u
#define SCC 0x4002f000u

/* Not in any image: kept across the watchdog's reset. */
#ifndef KEEP_BASE /* mps2-an511: in SSRAM 2/3 */
#define KEEP_BASE 0x20380000u
#endif
#define BOOTS REG32(KEEP_BASE)
#define NMIS REG32(KEEP_BASE + 4)
#define MAGIC 0x5eed0000u

static volatile uint32_t dtints;
static volatile uint32_t probing, probed; /* which IRQ a device raises */

void irq_handler(void)
{
    uint32_t ipsr;
    __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
    if (probing) {
        probed = ipsr - 16;
        NVIC_ICER0 = 0xffffffffu;
        return;
    }
    if (ipsr != 16 + 10) {
        rt_print("unexpected irq", ipsr);
        rt_exit(3);
    }
    dtints++;
    if (DT1(MIS))
        DT1(INTCLR) = 1;
    if (DT2(MIS)) {
        DT2(INTCLR) = 1;
        if (dtints == 4) /* 1 one-shot + 3 periodic */
            DT2(CTRL) = 0;
    }
}

void nmi_handler(void)
{
    /* The first timeout: leave the interrupt set, so the second one
     * resets the system. */
    NMIS = NMIS + 1;
}

static void wait_change(volatile uint32_t *p, uint32_t old)
{
    for (;;) {
        __asm__ volatile("cpsid i" ::: "memory");
        if (*p != old)
            break;
        __asm__ volatile("wfi\n\tcpsie i\n\tisb" ::: "memory");
    }
    __asm__ volatile("cpsie i" ::: "memory");
}

static void dump(const char *what, uint32_t base, const uint16_t *offs,
                 unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        rt_puts(what);
        rt_putc('+');
        rt_hex(offs[i]);
        rt_print("", REG32(base + offs[i]));
    }
}

static void ids(const char *what, uint32_t base)
{
    uint32_t h = 0;
    for (uint32_t o = 0xfd0; o < 0x1000; o += 4)
        h = rt_hash(h, REG32(base + o));
    rt_puts(what);
    rt_print(" id-hash", h);
    rt_puts(what);
    rt_print(" pid0", REG32(base + 0xfe0));
}

static void dualtimer(void)
{
    static const uint16_t regs[] = {0x00, 0x04, 0x08, 0x10, 0x14, 0x18,
                                    0x20, 0x24, 0x28, 0x30, 0x34, 0x38,
                                    0xf00};
    dump("dualtimer", DT, regs, sizeof(regs) / sizeof(regs[0]));
    ids("dualtimer", DT);

    NVIC_ISER0 = 1u << 10;
    /* Timer 1, one-shot: one interrupt, then it holds 0. */
    DT1(LOAD) = 3000;
    rt_print("one-shot value after load", DT1(VALUE));
    DT1(CTRL) = C_EN | C_ONESHOT | C_32BIT | C_INTEN;
    wait_change(&dtints, 0);
    rt_print("one-shot ints", dtints);
    rt_print("one-shot value", DT1(VALUE));
    rt_print("one-shot ris", DT1(RIS));
    rt_print("one-shot ctrl", DT1(CTRL));
    DT1(CTRL) = 0;

    /* Timer 2, periodic with BGLOAD: three interrupts. */
    DT2(LOAD) = 100000;
    DT2(BGLOAD) = 2500; /* the next period, the count goes on */
    rt_print("bgload reads as load", DT2(LOAD));
    rt_print("bgload kept value", DT2(VALUE) > 2500);
    DT2(CTRL) = C_EN | C_PERIODIC | C_32BIT | C_INTEN;
    while (dtints < 4)
        wait_change(&dtints, dtints);
    rt_print("periodic ints", dtints);
    rt_print("periodic ctrl", DT2(CTRL));

    /* Timer 1, free-running, 16 bits, prescaler 16, no interrupt: the
     * count wraps to 0xffff, not to LOAD. */
    DT1(LOAD) = 0x40;
    DT1(CTRL) = C_EN | C_PRE16;
    while (!DT1(RIS))
        ;
    uint32_t v = DT1(VALUE);
    rt_print("free-running wrapped high", v > 0x40 && v <= 0xffff);
    rt_print("free-running mis", DT1(MIS));
    DT1(CTRL) = 0;
    DT1(INTCLR) = 1;
    rt_print("after clear ris", DT1(RIS));
    rt_print("dualtimer ints", dtints);
}

static void watchdog_first(void)
{
    /* Not VALUE: QEMU's counter runs before it is enabled. */
    static const uint16_t regs[] = {0x00, 0x08, 0x10, 0x14, 0xc00, 0xf00};
    dump("watchdog", WD, regs, sizeof(regs) / sizeof(regs[0]));
    ids("watchdog", WD);

    WDOG(WD_LOCK) = WD_UNLOCK_KEY;
    rt_print("unlocked", WDOG(WD_LOCK));
    WDOG(LOAD) = 20000;
    WDOG(CTRL) = 3; /* interrupt and reset enable */
    WDOG(WD_LOCK) = 0;
    rt_print("locked", WDOG(WD_LOCK));
    WDOG(LOAD) = 5; /* ignored while locked */
    rt_print("load while locked", WDOG(LOAD));
    rt_print("ctrl", WDOG(CTRL));
    /* The NMI comes, then the reset: main starts again. (Not in WFI:
     * QEMU 7.2 does not wake a sleeping CPU for the watchdog's NMI.) */
    for (;;)
        __asm__ volatile("nop");
}

static void sysdevs(void)
{
    static const uint16_t fpga[] = {0x00, 0x08, 0x1c, 0x4c};
    dump("fpgaio", FPGAIO, fpga, sizeof(fpga) / sizeof(fpga[0]));
    REG32(FPGAIO + 0x00) = 0xff; /* LEDs: 2 bits */
    rt_print("fpgaio led0 after 0xff", REG32(FPGAIO + 0x00));
    REG32(FPGAIO + 0x1c) = 1000;
    rt_print("fpgaio prescale", REG32(FPGAIO + 0x1c));
    uint32_t c = REG32(FPGAIO + 0x18);
    while (REG32(FPGAIO + 0x18) == c)
        ;
    rt_print("fpgaio counter moves", 1);

    static const uint16_t scc[] = {0x000, 0x004, 0x008, 0x00c, 0x010,
                                   0x0a0, 0x0a4, 0x0a8, 0x0ac, 0x100,
                                   0xff8, 0xffc};
    dump("scc", SCC, scc, sizeof(scc) / sizeof(scc[0]));
    REG32(SCC + 0x000) = 0xffffffffu;
    rt_print("scc cfg0 after ~0", REG32(SCC + 0x000));
    REG32(SCC + 0x000) = 0;
}

static const uint32_t spis[] = {0x40020000u, 0x40021000u, 0x40025000u,
                                0x40026000u, 0x40027000u};

static void spi(void)
{
    static const uint16_t regs[] = {0x00, 0x04, 0x0c, 0x10, 0x14, 0x18,
                                    0x1c, 0x24};
    for (unsigned i = 0; i < 5; i++) {
        uint32_t b = spis[i];
        dump("spi", b, regs, sizeof(regs) / sizeof(regs[0]));
        ids("spi", b);
        /* The TX interrupt (FIFO empty) is on at once: where does it go? */
        probing = 1;
        probed = 0;
        REG32(b + 0x14) = 8;
        REG32(b + 0x04) = 2;
        NVIC_ISER0 = 0xffffffffu;
        for (volatile int k = 0; k < 100; k++)
            ;
        rt_print("spi irq", probed);
        REG32(b + 0x14) = 0;
        REG32(b + 0x04) = 0;
        NVIC_ICPR0 = 0xffffffffu;
        probing = 0;
    }
    /* Loopback, 8-bit frames: ten frames through FIFOs of eight. */
    uint32_t b = spis[0];
    REG32(b + 0x00) = 7;
    REG32(b + 0x04) = 3;
    for (unsigned i = 0; i < 10; i++) {
        REG32(b + 0x08) = 0x100 + i * 7;
        rt_print("spi sr", REG32(b + 0x0c));
        rt_print("spi ris", REG32(b + 0x18));
    }
    while (REG32(b + 0x0c) & 4) {
        rt_print("spi rx", REG32(b + 0x08));
        rt_print("spi sr", REG32(b + 0x0c));
    }
    /* 16-bit frames, no loopback: nothing answers. */
    REG32(b + 0x00) = 15;
    REG32(b + 0x04) = 2;
    REG32(b + 0x08) = 0xa55a;
    rt_print("spi sr", REG32(b + 0x0c));
    rt_print("spi rx", REG32(b + 0x08));
    REG32(b + 0x04) = 0;
}

/* SysTick holds its count while disabled and resumes from it. */
static void systick_hold(void)
{
    SYST_RVR = 100000;
    SYST_CVR = 0;
    SYST_CSR = 5; /* enabled, processor clock, no interrupt */
    while (SYST_CVR == 0 || SYST_CVR > 99000)
        ;
    SYST_CSR = 4;
    uint32_t a = SYST_CVR;
    for (volatile int k = 0; k < 1000; k++)
        ;
    uint32_t b = SYST_CVR;
    rt_print("systick held", a == b && a != 0 && a <= 99000);
    SYST_CSR = 5;
    while (SYST_CVR == a)
        ;
    uint32_t c = SYST_CVR;
    rt_print("systick resumed below", c < a);
    SYST_CSR = 4;
    SYST_CVR = 1;
    rt_print("systick cleared", SYST_CVR);
}

static void i2c(void)
{
    static const uint32_t bases[] = {0x40022000u, 0x40023000u, 0x40029000u,
                                     0x4002a000u};
    for (unsigned i = 0; i < 4; i++) {
        uint32_t b = bases[i];
        rt_print("i2c reset", REG32(b));
        REG32(b + 0) = 3;
        rt_print("i2c set 3", REG32(b));
        REG32(b + 4) = 1;
        rt_print("i2c clear scl", REG32(b));
        REG32(b + 4) = 2;
        rt_print("i2c clear sda", REG32(b));
    }
}

int main(void)
{
    if (BOOTS != MAGIC) {
        BOOTS = MAGIC;
        NMIS = 0;
        sysdevs();
        spi();
        i2c();
        systick_hold();
        dualtimer();
        watchdog_first();
    }
    rt_print("after the watchdog reset, nmis", NMIS);
    rt_print("watchdog ctrl after reset", WDOG(CTRL));
    rt_print("watchdog lock after reset", WDOG(WD_LOCK));
    BOOTS = 0;
    return 0;
}
