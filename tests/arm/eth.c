/* SPDX-License-Identifier: MIT */
/*
 * The LAN9118 Ethernet controller of the MPS2 boards on user-mode
 * networking (-nic user): its registers, MAC CSRs and PHY after reset,
 * then a DHCP discover sent through the TX FIFOs, whose offer from the
 * user-mode network's DHCP server is read back through the RX FIFOs with
 * the receive interrupt (NVIC 13). The status words, the offer's bytes
 * (hashed) and the address offered must be what qemu-system-arm shows.
 */
#include "rt/rt.h"

/* At 0x40200000 on AN385/AN386, 0xa0000000 on AN500 (its SCC ID). */
static uint32_t eth_base;
#define E(o) REG32(eth_base + (o))
#define RX_DATA 0x00
#define TX_DATA 0x20
#define RX_STATUS 0x40
#define TX_STATUS 0x48
#define IRQ_CFG 0x54
#define INT_STS 0x58
#define INT_EN 0x5c
#define FIFO_INT 0x68
#define TX_CFG 0x70
#define HW_CFG 0x74
#define RX_FIFO_INF 0x7c
#define TX_FIFO_INF 0x80
#define MAC_CSR_CMD 0xa4
#define MAC_CSR_DATA 0xa8

/* The LAN9118's interrupt: 13, or 47 on mps2-an511. */
#ifndef ETH_IRQ
#define ETH_IRQ 13
#endif

static volatile uint32_t rxints;

void irq_handler(void)
{
    uint32_t ipsr;
    __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
    if (ipsr != 16 + ETH_IRQ) {
        rt_print("unexpected irq", ipsr);
        rt_exit(3);
    }
    rxints++;
    E(INT_EN) = 0; /* the main loop reads the frame */
}

static uint32_t csr_read(unsigned i)
{
    E(MAC_CSR_CMD) = 0xc0000000u | i;
    while (E(MAC_CSR_CMD) & 0x80000000u)
        ;
    return E(MAC_CSR_DATA);
}

static void csr_write(unsigned i, uint32_t v)
{
    E(MAC_CSR_DATA) = v;
    E(MAC_CSR_CMD) = 0x80000000u | i;
    while (E(MAC_CSR_CMD) & 0x80000000u)
        ;
}

static uint32_t phy_read(unsigned r)
{
    csr_write(6, 1u << 11 | r << 6);
    while (csr_read(6) & 1)
        ;
    return csr_read(7);
}

/* A DHCP discover from 52:54:00:12:34:56, broadcast. */
static uint8_t frame[342];

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void build_discover(void)
{
    static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
    uint8_t *f = frame;
    for (int i = 0; i < 6; i++) {
        f[i] = 0xff;
        f[6 + i] = mac[i];
    }
    put16(f + 12, 0x0800);
    uint8_t *ip = f + 14;
    ip[0] = 0x45;
    put16(ip + 2, sizeof(frame) - 14);
    ip[8] = 64;
    ip[9] = 17; /* UDP */
    for (int i = 16; i < 20; i++)
        ip[i] = 0xff;
    uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2)
        sum += (uint32_t)ip[i] << 8 | ip[i + 1];
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    put16(ip + 10, ~sum & 0xffff);
    uint8_t *udp = ip + 20;
    put16(udp, 68);
    put16(udp + 2, 67);
    put16(udp + 4, sizeof(frame) - 34);
    uint8_t *b = udp + 8;
    b[0] = 1; /* BOOTREQUEST */
    b[1] = 1;
    b[2] = 6;
    b[4] = 0x12; /* xid */
    b[5] = 0x34;
    b[6] = 0x56;
    b[7] = 0x78;
    put16(b + 10, 0x8000); /* broadcast flag */
    for (int i = 0; i < 6; i++)
        b[28 + i] = mac[i];
    uint8_t *o = b + 236;
    o[0] = 99;
    o[1] = 130;
    o[2] = 83;
    o[3] = 99;
    o[4] = 53; /* DHCP message type: discover */
    o[5] = 1;
    o[6] = 1;
    o[7] = 255;
}

static void send_frame(void)
{
    unsigned len = sizeof(frame);
    E(TX_DATA) = 1u << 13 | 1u << 12 | len; /* first and last segment */
    E(TX_DATA) = 0xabcdu << 16 | len;       /* tag, length */
    for (unsigned i = 0; i < len; i += 4) {
        uint32_t w = 0;
        for (unsigned k = 0; k < 4 && i + k < len; k++)
            w |= (uint32_t)frame[i + k] << (8 * k);
        E(TX_DATA) = w;
    }
}

int main(void)
{
    eth_base = REG32(0x4002fffcu) == 0x41045000u ? 0xa0000000u : 0x40200000u;
    static const uint16_t regs[] = {0x50, 0x54, 0x58, 0x5c, 0x64, 0x68,
                                    0x6c, 0x70, 0x74, 0x78, 0x7c, 0x80,
                                    0x84, 0x8c, 0x98, 0xa0, 0xac, 0xb0};
    for (unsigned i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
        rt_puts("reg");
        rt_hex(regs[i]);
        rt_print("", E(regs[i]));
    }
    for (unsigned i = 1; i <= 12; i++) {
        rt_puts("csr");
        rt_hex(i);
        rt_print("", csr_read(i));
    }
    static const uint8_t phys[] = {0, 1, 2, 3, 4, 5, 6, 29, 29};
    for (unsigned i = 0; i < sizeof(phys); i++) {
        rt_puts("phy");
        rt_hex(phys[i]);
        rt_print("", phy_read(phys[i]));
    }

    /* Soft reset, then a driver's bring-up. */
    E(HW_CFG) = 1;
    while (E(HW_CFG) & 1)
        ;
    rt_print("after srst hw_cfg", E(HW_CFG));
    E(IRQ_CFG) = 1u << 8 | 1u << 4 | 1u; /* enabled, active high, push-pull */
    E(FIFO_INT) = 0; /* an interrupt for each received status */
    E(INT_STS) = 0xffffffffu;
    E(INT_EN) = 1u << 3; /* RSFL */
    csr_write(1, csr_read(1) | 1u << 2 | 1u << 3); /* MAC RX and TX on */
    E(TX_CFG) = 1u << 1;                           /* TX on */
    rt_print("mac_cr", csr_read(1));
    REG32(0xe000e100 + 4 * (ETH_IRQ / 32)) = 1u << (ETH_IRQ % 32);

    build_discover();
    send_frame();
    while (!(E(TX_FIFO_INF) >> 16))
        ;
    rt_print("tx status", E(TX_STATUS));
    rt_print("tx fifo inf", E(TX_FIFO_INF));

    /* The offer. */
    for (;;) {
        __asm__ volatile("cpsid i" ::: "memory");
        if (rxints)
            break;
        __asm__ volatile("wfi\n\tcpsie i\n\tisb" ::: "memory");
    }
    __asm__ volatile("cpsie i" ::: "memory");
    rt_print("rx ints", rxints);
    rt_print("irq_cfg", E(IRQ_CFG));
    rt_print("rx fifo inf", E(RX_FIFO_INF));
    uint32_t st = E(RX_STATUS);
    /* Without bit 5, the frame type (Ethernet II), which the LAN9118 sets
     * by its datasheet and QEMU 7.2 does not. */
    rt_print("rx status", st & ~0x20u);
    unsigned len = (st >> 16) & 0x3fff, words = (len + 3) / 4;
    uint8_t rx[1600];
    uint32_t h = 0;
    for (unsigned w = 0; w < words && w < sizeof(rx) / 4; w++) {
        uint32_t v = E(RX_DATA);
        for (unsigned k = 0; k < 4; k++)
            rx[4 * w + k] = (uint8_t)(v >> (8 * k));
    }
    /* The bytes but the IP identification and checksum (a counter of the
     * host's network stack) and the FCS. */
    for (unsigned i = 0; i + 4 < len; i++)
        if (i < 18 || i > 25 || (i > 19 && i < 24))
            h = rt_hash(h, rx[i]);
    rt_print("offer hash", h);
    rt_print("offer yiaddr", (uint32_t)rx[58] << 24 | rx[59] << 16 |
                                 rx[60] << 8 | rx[61]);
    rt_print("offer xid", (uint32_t)rx[46] << 24 | rx[47] << 16 |
                              rx[48] << 8 | rx[49]);
    rt_print("rx fifo inf after", E(RX_FIFO_INF));
    rt_print("int_sts", E(INT_STS));
    return 0;
}
