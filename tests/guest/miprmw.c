/* SPDX-License-Identifier: MIT */
/*
 * mip read-modify-writes with a supervisor external interrupt pending
 * (virt only: it needs the PLIC). The UART's transmitter-empty interrupt
 * drives PLIC source 10, enabled for hart 0's S-mode context, so mip.SEIP
 * reads 1. M-mode then does what OpenSBI does to send a supervisor IPI,
 * `csrs mip, SSIP`, and the other read-modify-writes. The value read (rd)
 * shows SEIP, but only the software-writable SEIP bit takes part in the
 * read-modify-write (priv spec 3.1.9), so once the UART interrupt is
 * gone and claimed, SEIP must read 0 again. Before that was fixed, the
 * controller's SEIP was written back into the writable bit and stayed set
 * for good (the SMP Linux hang of issue 13).
 */
#include "rt.h"

#define MIP_SSIP (1UL << 1)
#define MIP_STIP (1UL << 5)
#define MIP_SEIP (1UL << 9)
#define S_BITS (MIP_SSIP | MIP_STIP | MIP_SEIP)

#define UART_BASE 0x10000000UL
#define UART_IER 1
#define IER_ETBEI 0x02
#define UART_IRQ 10

#define PLIC_BASE 0xc000000UL
#define PLIC_PRIO(src) (PLIC_BASE + 4 * (src))
#define PLIC_ENABLE(ctx) (PLIC_BASE + 0x2000 + 0x80 * (ctx))
#define PLIC_THRESHOLD(ctx) (PLIC_BASE + 0x200000 + 0x1000 * (ctx))
#define PLIC_CLAIM(ctx) (PLIC_BASE + 0x200004 + 0x1000 * (ctx))
#define CTX_S0 1 /* hart 0, S mode */

static inline void w32(ulong a, uint32_t v) { *(volatile uint32_t *)a = v; }
static inline uint32_t r32(ulong a) { return *(volatile uint32_t *)a; }

static void uart_irq(int on)
{
    /* Wait for the transmitter first so THRE is set when we enable. */
    volatile uint8_t *uart = (volatile uint8_t *)UART_BASE;
    while (!(uart[5] & 0x20))
        ;
    uart[UART_IER] = on ? IER_ETBEI : 0;
}

/* Drops the UART's line and completes anything the PLIC still holds. */
static void seip_off(void)
{
    uart_irq(0);
    uint32_t id = r32(PLIC_CLAIM(CTX_S0));
    if (id)
        w32(PLIC_CLAIM(CTX_S0), id);
}

static void seip_on(void)
{
    uart_irq(1);
}

static void show(const char *what, ulong v)
{
    putstr(what);
    putstr(": ");
    putx(v & S_BITS);
    putch('\n');
}

int main(void)
{
    ulong rd;

    csr_write(mie, 0);
    csr_write(mip, 0);
    w32(PLIC_PRIO(UART_IRQ), 1);
    w32(PLIC_ENABLE(CTX_S0), 1u << UART_IRQ);
    w32(PLIC_THRESHOLD(CTX_S0), 0);

    show("idle mip", csr_read(mip));
    seip_on();
    show("uart irq on, mip", csr_read(mip));
    CHECK(csr_read(mip) & MIP_SEIP);

    /* csrs mip, SSIP: rd shows SEIP, the write must not latch it. */
    __asm__ volatile("csrrsi %0, mip, 2" : "=r"(rd) :: "memory");
    show("csrrsi mip,SSIP rd", rd);
    show("after csrrsi, mip", csr_read(mip));
    seip_off();
    show("uart irq off, mip", csr_read(mip));
    CHECK_EQ(csr_read(mip) & S_BITS, MIP_SSIP);

    /* csrc mip, SSIP with SEIP pending. */
    seip_on();
    __asm__ volatile("csrrci %0, mip, 2" : "=r"(rd) :: "memory");
    show("csrrci mip,SSIP rd", rd);
    seip_off();
    show("uart irq off, mip", csr_read(mip));
    CHECK_EQ(csr_read(mip) & S_BITS, 0);

    /* Register forms, rs1 != x0, and an empty set mask (no write). */
    seip_on();
    rd = MIP_SSIP;
    __asm__ volatile("csrrs %0, mip, %0" : "+r"(rd) :: "memory");
    show("csrrs mip,SSIP rd", rd);
    __asm__ volatile("csrrs %0, mip, zero" : "=r"(rd) :: "memory");
    show("csrrs mip,zero rd", rd);
    rd = MIP_SSIP;
    __asm__ volatile("csrrc %0, mip, %0" : "+r"(rd) :: "memory");
    show("csrrc mip,SSIP rd", rd);
    rd = 0;
    __asm__ volatile("csrrc %0, mip, %0" : "+r"(rd) :: "memory");
    show("csrrc mip,0 rd", rd);
    seip_off();
    show("uart irq off, mip", csr_read(mip));
    CHECK_EQ(csr_read(mip) & S_BITS, 0);

    /* csrw mip keeps working: rd shows SEIP, the value sets SSIP. */
    seip_on();
    __asm__ volatile("csrrw %0, mip, %1" : "=r"(rd) : "r"(MIP_SSIP) : "memory");
    show("csrrw mip,SSIP rd", rd);
    seip_off();
    show("uart irq off, mip", csr_read(mip));
    CHECK_EQ(csr_read(mip) & S_BITS, MIP_SSIP);
    csr_write(mip, 0);

    /* The same through sip, with the S interrupts delegated. */
    csr_write(mideleg, S_BITS);
    seip_on();
    show("sip", csr_read(sip));
    __asm__ volatile("csrrsi %0, sip, 2" : "=r"(rd) :: "memory");
    show("csrrsi sip,SSIP rd", rd);
    __asm__ volatile("csrrci %0, sip, 2" : "=r"(rd) :: "memory");
    show("csrrci sip,SSIP rd", rd);
    __asm__ volatile("csrrsi %0, sip, 2" : "=r"(rd) :: "memory");
    seip_off();
    show("uart irq off, sip", csr_read(sip));
    show("uart irq off, mip", csr_read(mip));
    CHECK_EQ(csr_read(mip) & S_BITS, MIP_SSIP);
    csr_clear(sip, MIP_SSIP);
    show("csrc sip,SSIP, mip", csr_read(mip));
    CHECK_EQ(csr_read(mip) & S_BITS, 0);
    csr_write(mideleg, 0);

    /* Many IPIs in a row with the interrupt pending, as SMP Linux does. */
    seip_on();
    for (int i = 0; i < 1000; i++) {
        csr_set(mip, MIP_SSIP);
        csr_clear(mip, MIP_SSIP);
    }
    seip_off();
    show("after 1000 IPIs, mip", csr_read(mip));
    CHECK_EQ(csr_read(mip) & S_BITS, 0);

    /*
     * Sstc: a software-set STIP does not survive menvcfg.STCE; then STIP
     * is stimecmp's comparison alone, which csrs/csrc on mip leave alone.
     */
    csr_write(mip, MIP_STIP);
    show("csrw mip,STIP, mip", csr_read(mip));
    __asm__ volatile("csrw 0x14d, %0" :: "r"(-1UL));     /* stimecmp */
#if XLEN == 32
    __asm__ volatile("csrw 0x15d, %0" :: "r"(-1UL));     /* stimecmph */
    csr_set(0x31a, 1UL << 31);                           /* menvcfgh.STCE */
#else
    csr_set(0x30a, 1UL << 63);                           /* menvcfg.STCE */
#endif
    __asm__ volatile("csrw 0x14d, %0" :: "r"(-1UL));
    show("STCE on, stimecmp max, mip", csr_read(mip));
    CHECK_EQ(csr_read(mip) & MIP_STIP, 0);
    __asm__ volatile("csrw 0x14d, %0" :: "r"(0UL));
#if XLEN == 32
    __asm__ volatile("csrw 0x15d, %0" :: "r"(0UL));
#endif
    show("stimecmp 0, mip", csr_read(mip));
    CHECK_EQ(csr_read(mip) & MIP_STIP, MIP_STIP);
    csr_clear(mip, MIP_STIP | MIP_SSIP);
    csr_set(mip, MIP_SSIP);
    show("csrc mip,STIP; csrs mip,SSIP; mip", csr_read(mip));
    CHECK_EQ(csr_read(mip) & S_BITS, MIP_STIP | MIP_SSIP);
    __asm__ volatile("csrw 0x14d, %0" :: "r"(-1UL));
#if XLEN == 32
    __asm__ volatile("csrw 0x15d, %0" :: "r"(-1UL));
#endif
    csr_clear(mip, MIP_SSIP);
    show("stimecmp max, csrc mip,SSIP, mip", csr_read(mip));
    CHECK_EQ(csr_read(mip) & S_BITS, 0);

    return check_done("miprmw");
}
