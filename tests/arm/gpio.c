/* SPDX-License-Identifier: MIT */
/*
 * The CMSDK AHB GPIO ports of the MPS2 boards (0x40010000-0x40013000),
 * checked against the CMSDK technical reference manual: qemu-system-arm
 * 7.2 leaves these ports unimplemented (they read as zero), so there is
 * nothing to compare with there; the program checks every value itself
 * and exits with the number of mismatches.
 *
 * ID and reset values; DATA/DATAOUT; the set/clear register pairs; byte
 * and halfword accesses on the port's byte lanes; the MASKLOWBYTE and
 * MASKHIGHBYTE windows; interrupts through the NVIC: level high/low,
 * rising/falling edge, a level that cannot be cleared while it lasts,
 * sticky edge status, the per-pin and the combined interrupt lines. The
 * pins are driven by the port's own outputs (the boards' bidirectional
 * pads read back what an output-enabled pin drives), and, with the board
 * option the test passes, GPIO 2's outputs drive GPIO 3's input lines.
 *
 * Built with -DAN511 for mps2-an511's interrupt numbers, else mps2-an385's
 * (also those of mps2-an386 and mps2-an500).
 */
#include "rt/rt.h"

#define GPIO(n) (0x40010000u + (n) * 0x1000u)
#define R(n, o) REG32(GPIO(n) + (o))
#define DATA 0x00
#define DATAOUT 0x04
#define OUTENSET 0x10
#define OUTENCLR 0x14
#define ALTFUNCSET 0x18
#define ALTFUNCCLR 0x1c
#define INTENSET 0x20
#define INTENCLR 0x24
#define INTTYPESET 0x28
#define INTTYPECLR 0x2c
#define INTPOLSET 0x30
#define INTPOLCLR 0x34
#define INTSTATUS 0x38
#define INTCLEAR 0x38
#define MASKLOW(m) (0x400 + (m) * 4)
#define MASKHIGH(m) (0x800 + (m) * 4)

#ifdef AN511
static const unsigned comb_irq[4] = {6, 7, 42, 43};
#define PIN_IRQ0 16
#define PIN_IRQS 16
#else
static const unsigned comb_irq[4] = {6, 7, 16, 17};
#define PIN_IRQ0 24
#define PIN_IRQS 8
#endif

#define NVIC_ISER(n) REG32(0xe000e100 + 4 * (n))
#define NVIC_ICER(n) REG32(0xe000e180 + 4 * (n))
#define NVIC_ISPR(n) REG32(0xe000e200 + 4 * (n))
#define NVIC_ICPR(n) REG32(0xe000e280 + 4 * (n))

static unsigned checks, fails;

static void check(const char *what, uint32_t got, uint32_t want)
{
    checks++;
    rt_print(what, got);
    if (got != want) {
        fails++;
        rt_print("  MISMATCH, expected", want);
    }
}

/* The interrupts taken: exception number - 16 and the port's status. */
static volatile unsigned nlog;
static volatile uint32_t log_irq[16], log_stat[16];
static volatile unsigned handler_port; /* the port the handler quiets */
static volatile uint32_t handler_lower; /* pins it drives low */

void irq_handler(void)
{
    uint32_t ipsr;
    __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
    unsigned n = nlog;
    if (n < 16) {
        log_irq[n] = ipsr - 16;
        log_stat[n] = R(handler_port, INTSTATUS);
        nlog = n + 1;
    }
    /* A level interrupt: drive the pin to its other level first. */
    if (handler_lower) {
        R(handler_port, MASKLOW(handler_lower & 0xff)) = 0;
        R(handler_port, MASKHIGH(handler_lower >> 8)) = 0;
    }
    R(handler_port, INTCLEAR) = 0xffff;
    if (nlog >= 16) { /* a storm: stop it */
        NVIC_ICER(0) = 0xffffffffu;
        NVIC_ICER(1) = 0xffffffffu;
    }
}

static void irq_enable(unsigned irq, int on)
{
    if (on)
        NVIC_ISER(irq / 32) = 1u << (irq % 32);
    else
        NVIC_ICER(irq / 32) = 1u << (irq % 32);
}

static int irq_pending(unsigned irq)
{
    return (NVIC_ISPR(irq / 32) >> (irq % 32)) & 1;
}

static void clear_log(void)
{
    nlog = 0;
    for (unsigned i = 0; i < 16; i++)
        log_irq[i] = log_stat[i] = 0;
}

static void ids(void)
{
    static const uint8_t want[12] = {0x04, 0, 0, 0, 0x20, 0xb8, 0x1b, 0,
                                     0x0d, 0xf0, 0x05, 0xb1};
    for (unsigned p = 0; p < 4; p++) {
        uint32_t bad = 0;
        for (unsigned i = 0; i < 12; i++)
            if (R(p, 0xfd0 + 4 * i) != want[i])
                bad |= 1u << i;
        check("id registers wrong (bit per register)", bad, 0);
    }
    check("gpio0 pid0", R(0, 0xfe0), 0x20);
    check("gpio3 cid3", R(3, 0xffc), 0xb1);
}

static void reset_values(void)
{
    static const uint16_t offs[] = {DATA, DATAOUT, 0x08, 0x0c, OUTENSET,
                                    OUTENCLR, ALTFUNCSET, ALTFUNCCLR,
                                    INTENSET, INTENCLR, INTTYPESET,
                                    INTTYPECLR, INTPOLSET, INTPOLCLR,
                                    INTSTATUS, 0x3c, 0x100, 0xfc0};
    for (unsigned p = 0; p < 4; p++) {
        uint32_t nonzero = 0;
        for (unsigned i = 0; i < sizeof(offs) / sizeof(offs[0]); i++)
            if (R(p, offs[i]))
                nonzero |= 1u << i;
        check("registers not 0 at reset (bit per register)", nonzero, 0);
    }
}

static void data_regs(void)
{
    R(1, DATAOUT) = 0xffffffffu;
    check("dataout keeps 16 bits", R(1, DATAOUT), 0xffff);
    check("data of undriven inputs", R(1, DATA), 0);
    R(1, OUTENSET) = 0xf0f0;
    check("outenset", R(1, OUTENSET), 0xf0f0);
    check("outenclr reads the same", R(1, OUTENCLR), 0xf0f0);
    check("data reads the driven pins", R(1, DATA), 0xf0f0);
    R(1, OUTENCLR) = 0x3030;
    check("outen after clr", R(1, OUTENSET), 0xc0c0);
    check("data after outenclr", R(1, DATA), 0xc0c0);
    R(1, DATA) = 0x1234; /* a DATA write sets DATAOUT */
    check("dataout after a data write", R(1, DATAOUT), 0x1234);
    check("data", R(1, DATA), 0x0000);
    R(1, OUTENSET) = 0xffff;
    check("data, all driven", R(1, DATA), 0x1234);

    /* Alternate functions: a pin given to one is not driven by DATAOUT. */
    R(1, ALTFUNCSET) = 0x0104;
    check("altfuncset", R(1, ALTFUNCSET), 0x0104);
    check("altfuncclr reads the same", R(1, ALTFUNCCLR), 0x0104);
    check("data without the altfunc pins", R(1, DATA), 0x1230);
    R(1, ALTFUNCCLR) = 0x0004;
    check("altfunc after clr", R(1, ALTFUNCSET), 0x0100);
    R(1, ALTFUNCCLR) = 0xffff;

    /* The set/clear pairs of the interrupt configuration. */
    R(1, INTTYPESET) = 0x8001;
    R(1, INTTYPECLR) = 0x0001;
    check("inttype", R(1, INTTYPECLR), 0x8000);
    R(1, INTPOLSET) = 0x00ff;
    R(1, INTPOLCLR) = 0x000f;
    check("intpol", R(1, INTPOLSET), 0x00f0);
    R(1, INTTYPECLR) = 0xffff;
    R(1, INTPOLCLR) = 0xffff;
    check("reserved 0x008 ignores writes", (R(1, 0x08) = 5, R(1, 0x08)), 0);

    /* Byte lanes: bits 15:0 are the port. */
    volatile uint8_t *b = (volatile uint8_t *)(GPIO(1) + DATAOUT);
    volatile uint16_t *h = (volatile uint16_t *)(GPIO(1) + DATAOUT);
    b[1] = 0xab;
    check("byte write to lane 1", R(1, DATAOUT), 0xab34);
    b[0] = 0xcd;
    check("byte write to lane 0", R(1, DATAOUT), 0xabcd);
    b[2] = 0xff;
    b[3] = 0xff;
    h[1] = 0xffff;
    check("lanes 2 and 3 ignore writes", R(1, DATAOUT), 0xabcd);
    h[0] = 0x5678;
    check("halfword write", R(1, DATAOUT), 0x5678);
    check("byte read of lane 1", b[1], 0x56);
    check("halfword read", h[0], 0x5678);
    check("byte read of lane 2", b[2], 0);
    volatile uint8_t *ob = (volatile uint8_t *)(GPIO(1) + OUTENCLR);
    ob[1] = 0xff;
    check("byte write to outenclr lane 1", R(1, OUTENSET), 0x00ff);
    R(1, OUTENCLR) = 0xffff;
    R(1, DATAOUT) = 0;
}

static void masked(void)
{
    R(2, OUTENSET) = 0xffff;
    R(2, DATAOUT) = 0;
    R(2, MASKLOW(0x0f)) = 0xff;
    check("masklowbyte 0x0f write", R(2, DATAOUT), 0x000f);
    R(2, MASKLOW(0x03)) = 0;
    check("masklowbyte 0x03 write of 0", R(2, DATAOUT), 0x000c);
    R(2, MASKLOW(0xff)) = 0xffffff5a; /* only bits 7:0 of the data count */
    check("masklowbyte 0xff write", R(2, DATAOUT), 0x005a);
    R(2, MASKHIGH(0xa5)) = 0xffff;
    check("maskhighbyte 0xa5 write", R(2, DATAOUT), 0xa55a);
    R(2, MASKHIGH(0xff)) = 0x00ff; /* bits 15:8 of the data count */
    check("maskhighbyte 0xff write of 0x00ff", R(2, DATAOUT), 0x005a);
    R(2, DATAOUT) = 0xa55a;
    check("masklowbyte 0x0f read", R(2, MASKLOW(0x0f)), 0x000a);
    check("masklowbyte 0xff read", R(2, MASKLOW(0xff)), 0x005a);
    check("maskhighbyte 0xf0 read", R(2, MASKHIGH(0xf0)), 0xa000);
    check("maskhighbyte 0x00 read", R(2, MASKHIGH(0x00)), 0);
    R(2, OUTENCLR) = 0xff00; /* the window reads inputs, not DATAOUT */
    check("maskhighbyte read of inputs", R(2, MASKHIGH(0xff)), 0);

    /* Byte writes: the low window needs lane 0, the high one lane 1. */
    volatile uint8_t *lo = (volatile uint8_t *)(GPIO(2) + MASKLOW(0xf0));
    volatile uint8_t *hi = (volatile uint8_t *)(GPIO(2) + MASKHIGH(0x0f));
    R(2, DATAOUT) = 0;
    lo[0] = 0xff;
    lo[1] = 0xff;
    check("masklowbyte byte writes", R(2, DATAOUT), 0x00f0);
    hi[0] = 0xff;
    check("maskhighbyte lane 0 write", R(2, DATAOUT), 0x00f0);
    hi[1] = 0xff;
    check("maskhighbyte lane 1 write", R(2, DATAOUT), 0x0ff0);
    volatile uint16_t *h = (volatile uint16_t *)(GPIO(2) + MASKHIGH(0x81));
    h[0] = 0xffff;
    check("maskhighbyte halfword write", R(2, DATAOUT), 0x8ff0);
    R(2, DATAOUT) = 0;
    R(2, OUTENCLR) = 0xffff;
}

/* Interrupts on GPIO 0 (per-pin and combined lines) and GPIO 1. */
static void interrupts(void)
{
    unsigned comb0 = comb_irq[0];
    handler_port = 0;
    handler_lower = 0;
    irq_enable(comb0, 1);
    for (unsigned i = 0; i < PIN_IRQS; i++)
        NVIC_IPR(PIN_IRQ0 + i) = 0x40; /* lower than the combined line */
    NVIC_IPR(comb0) = 0x20;
    R(0, OUTENSET) = 0xffff;

    /* Level high on pin 1: nothing while the pin is low. */
    __asm__ volatile("cpsid i" ::: "memory");
    R(0, INTPOLSET) = 1u << 1;
    R(0, INTENSET) = 1u << 1;
    check("level high, pin low: status", R(0, INTSTATUS), 0);
    R(0, MASKLOW(0x02)) = 0xff;
    check("level high, pin high: status", R(0, INTSTATUS), 0x0002);
    check("combined line pending", irq_pending(comb0), 1);
    check("pin 1's line pending", irq_pending(PIN_IRQ0 + 1), 1);
    R(0, INTCLEAR) = 0x0002;
    check("a clear while the level lasts", R(0, INTSTATUS), 0x0002);
    R(0, MASKLOW(0x02)) = 0;
    check("level gone: the status stays", R(0, INTSTATUS), 0x0002);
    R(0, INTCLEAR) = 0x0002;
    check("cleared", R(0, INTSTATUS), 0);
    NVIC_ICPR(comb0 / 32) = 1u << (comb0 % 32);
    check("combined line after the clear", irq_pending(comb0), 0);
    /* Now taken: the handler drives the pin low and clears. */
    clear_log();
    handler_lower = 1u << 1;
    R(0, MASKLOW(0x02)) = 0xff;
    __asm__ volatile("cpsie i\n\tisb" ::: "memory");
    check("level high: interrupts taken", nlog, 1);
    check("level high: irq", log_irq[0], comb0);
    check("level high: status in the handler", log_stat[0], 0x0002);
    check("pin low after the handler", R(0, DATA), 0);
    R(0, INTENCLR) = 0xffff;
    R(0, INTPOLCLR) = 0xffff;

    /* Level low on pin 4: enabling it while the pin is low fires. */
    clear_log();
    handler_lower = 0;
    R(0, DATAOUT) = 0xffff;
    __asm__ volatile("cpsid i" ::: "memory");
    R(0, INTENSET) = 1u << 4;
    check("level low, pin high", R(0, INTSTATUS), 0);
    R(0, MASKLOW(0x10)) = 0;
    check("level low, pin low", R(0, INTSTATUS), 0x0010);
    R(0, MASKLOW(0x10)) = 0xff;
    R(0, INTCLEAR) = 0x0010;
    check("level low, pin high again, cleared", R(0, INTSTATUS), 0);
    R(0, INTENCLR) = 0xffff;
    NVIC_ICPR(comb0 / 32) = 1u << (comb0 % 32);

    /* Rising edge on pin 2: once per rising edge, sticky until cleared. */
    R(0, DATAOUT) = 0;
    R(0, INTTYPESET) = 1u << 2;
    R(0, INTPOLSET) = 1u << 2;
    R(0, INTENSET) = 1u << 2;
    check("rising: nothing yet", R(0, INTSTATUS), 0);
    R(0, MASKLOW(0x04)) = 0xff;
    check("rising edge", R(0, INTSTATUS), 0x0004);
    R(0, INTCLEAR) = 0x0004;
    check("rising edge cleared while high", R(0, INTSTATUS), 0);
    R(0, MASKLOW(0x04)) = 0;
    check("falling edge on a rising pin", R(0, INTSTATUS), 0);
    R(0, MASKLOW(0x04)) = 0xff;
    R(0, MASKLOW(0x04)) = 0;
    check("rising edge, pin low again: sticky", R(0, INTSTATUS), 0x0004);
    R(0, INTENCLR) = 1u << 2;
    check("disabling keeps the status", R(0, INTSTATUS), 0x0004);
    R(0, INTCLEAR) = 0xffff;
    R(0, MASKLOW(0x04)) = 0xff;
    check("edge while disabled", R(0, INTSTATUS), 0);
    R(0, MASKLOW(0x04)) = 0;
    NVIC_ICPR(comb0 / 32) = 1u << (comb0 % 32);
    NVIC_ICPR(PIN_IRQ0 / 32) = 0xffu << (PIN_IRQ0 % 32);

    /* Falling edge on pin 3, taken: one interrupt per falling edge. */
    clear_log();
    R(0, INTTYPESET) = 1u << 3;
    R(0, INTPOLCLR) = 1u << 3;
    R(0, INTENSET) = 1u << 3;
    R(0, MASKLOW(0x08)) = 0xff;
    __asm__ volatile("cpsie i\n\tisb" ::: "memory");
    check("falling: rising edges taken", nlog, 0);
    R(0, MASKLOW(0x08)) = 0;
    __asm__ volatile("isb" ::: "memory");
    R(0, MASKLOW(0x08)) = 0xff;
    R(0, MASKLOW(0x08)) = 0;
    __asm__ volatile("isb" ::: "memory");
    check("falling edges taken", nlog, 2);
    check("falling: status in the handler", log_stat[1], 0x0008);
    check("falling: cleared by the handler", R(0, INTSTATUS), 0);
    R(0, INTENCLR) = 0xffff;
    R(0, INTTYPECLR) = 0xffff;
    R(0, INTPOLCLR) = 0xffff;

    /* The per-pin lines: the combined one off, each pin's own taken. */
    irq_enable(comb0, 0);
    clear_log();
    R(0, DATAOUT) = 0;
    R(0, INTTYPESET) = 0xffff;
    R(0, INTPOLSET) = 0xffff;
    R(0, INTENSET) = 0xffff;
    for (unsigned i = 0; i < PIN_IRQS; i++) /* left by the tests above */
        NVIC_ICPR((PIN_IRQ0 + i) / 32) = 1u << ((PIN_IRQ0 + i) % 32);
    for (unsigned i = 0; i < PIN_IRQS; i++)
        irq_enable(PIN_IRQ0 + i, 1);
    uint32_t order = 0;
    for (unsigned i = PIN_IRQS; i-- > 0;) {
        R(0, DATAOUT) = 1u << i;
        __asm__ volatile("isb" ::: "memory");
    }
    check("per-pin interrupts taken", nlog, PIN_IRQS);
    for (unsigned i = 0; i < nlog; i++)
        order = rt_hash(order, log_irq[i] - PIN_IRQ0 + 0x100 * log_stat[i]);
    uint32_t want = 0;
    for (unsigned i = PIN_IRQS; i-- > 0;)
        want = rt_hash(want, (PIN_IRQ0 + i) - PIN_IRQ0 + 0x100 * (1u << i));
    check("per-pin irqs and statuses (hash)", order, want);
    rt_print("first per-pin irq", log_irq[0]);
    for (unsigned i = 0; i < PIN_IRQS; i++)
        irq_enable(PIN_IRQ0 + i, 0);
    R(0, INTENCLR) = 0xffff;
    R(0, INTTYPECLR) = 0xffff;
    R(0, INTPOLCLR) = 0xffff;
    R(0, INTCLEAR) = 0xffff;
    R(0, DATAOUT) = 0;
    R(0, OUTENCLR) = 0xffff;

    /* The combined lines of the other ports. */
    for (unsigned p = 1; p < 4; p++) {
        clear_log();
        handler_port = p;
        irq_enable(comb_irq[p], 1);
        R(p, OUTENSET) = 1u << 15;
        R(p, INTTYPESET) = 1u << 15;
        R(p, INTPOLSET) = 1u << 15;
        R(p, INTENSET) = 1u << 15;
        R(p, MASKHIGH(0x80)) = 0x8000;
        __asm__ volatile("isb" ::: "memory");
        check("combined interrupt taken", nlog, 1);
        rt_print("  irq", log_irq[0]);
        check("  its number", log_irq[0], comb_irq[p]);
        check("  status", log_stat[0], 0x8000);
        irq_enable(comb_irq[p], 0);
        R(p, INTENCLR) = 0xffff;
        R(p, INTTYPECLR) = 0xffff;
        R(p, INTPOLCLR) = 0xffff;
        R(p, OUTENCLR) = 0xffff;
        R(p, DATAOUT) = 0;
    }
}

/* GPIO 2's "out" lines drive GPIO 3's inputs (the test's -set option). */
static void external(void)
{
    check("gpio3 inputs, nothing driven", R(3, DATA), 0);
    R(2, DATAOUT) = 0x8421;
    check("gpio3 inputs, gpio2 not enabled", R(3, DATA), 0);
    R(2, OUTENSET) = 0x00ff;
    check("gpio3 inputs, gpio2 low byte driving", R(3, DATA), 0x0021);
    R(2, OUTENSET) = 0xff00;
    check("gpio3 inputs, gpio2 driving", R(3, DATA), 0x8421);
    R(3, OUTENSET) = 0x0001; /* gpio3 pin 0 drives itself: reads DATAOUT 0 */
    check("gpio3 pin 0 as an output", R(3, DATA), 0x8420);
    R(3, OUTENCLR) = 0xffff;

    /* An edge from outside, taken on GPIO 3's combined line. */
    clear_log();
    handler_port = 3;
    handler_lower = 0;
    irq_enable(comb_irq[3], 1);
    R(3, INTTYPESET) = 1u << 6;
    R(3, INTPOLSET) = 1u << 6;
    R(3, INTENSET) = 1u << 6;
    R(2, MASKLOW(0x40)) = 0x40;
    __asm__ volatile("isb" ::: "memory");
    check("external rising edge taken", nlog, 1);
    check("  irq", log_irq[0], comb_irq[3]);
    check("  status", log_stat[0], 0x0040);
    irq_enable(comb_irq[3], 0);
    R(3, INTENCLR) = 0xffff;
    R(2, OUTENCLR) = 0xffff;
    check("gpio3 inputs, gpio2 released", R(3, DATA), 0);
}

int main(void)
{
    ids();
    reset_values();
    data_regs();
    masked();
    interrupts();
    external();
    rt_puts("gpio: ");
    rt_dec(checks);
    rt_puts(" checks, ");
    rt_dec(fails);
    rt_puts(" failed\n");
    return (int)fails;
}
