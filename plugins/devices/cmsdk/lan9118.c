/* SPDX-License-Identifier: MIT */
/*
 * SMSC LAN9118 Ethernet controller (the MPS2 boards' network), 32-bit
 * bus, on a netdev (tessera/net.h: -nic user, -netdev user).
 *
 * What software sees, from the datasheet:
 *   0x00-0x1c  RX data FIFO (read)       0x20-0x3c  TX data FIFO (write)
 *   0x40/0x44  RX status FIFO / peek     0x48/0x4c  TX status FIFO / peek
 *   0x50 ID_REV, 0x54 IRQ_CFG, 0x58 INT_STS, 0x5c INT_EN, 0x64 BYTE_TEST,
 *   0x68 FIFO_INT, 0x6c RX_CFG, 0x70 TX_CFG, 0x74 HW_CFG, 0x78 RX_DP_CTRL,
 *   0x7c RX_FIFO_INF, 0x80 TX_FIFO_INF, 0x84 PMT_CTRL, 0x8c GPT_CFG,
 *   0x90 GPT_CNT, 0x98 WORD_SWAP, 0x9c FREE_RUN, 0xa0 RX_DROP,
 *   0xa4/0xa8 MAC_CSR_CMD/DATA (MAC_CR, ADDRH, ADDRL, HASHH, HASHL,
 *   MII_ACC, MII_DATA, FLOW, VLAN1, VLAN2, WUFF, WUCSR; the internal PHY
 *   through MII_ACC), 0xb0/0xb4 E2P_CMD/DATA (no EEPROM: the MAC address
 *   is loaded from the "mac" property).
 * A frame is sent when the TX command words and data of its last segment
 * are in; a received frame goes to the RX FIFOs with its FCS (as the
 * datasheet says) when the MAC's receiver is on and the address filter
 * takes it. Frames leave the TX data FIFO at once, so it never fills and
 * TDFA (space above the level) is never raised. Not modelled: wake-up frames, the general-purpose timer's
 * count, flow control, VLAN tags, 16-bit mode, the EEPROM.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include <tessera/device.h>
#include <tessera/net.h>

#define FIFO_BYTES 16384u /* TX data + RX data + status FIFOs */
#define STATUS_MAX 512u
#define FRAME_MAX 2048u

/* INT_STS / INT_EN */
#define INT_RSFL (1u << 3)
#define INT_TSFL (1u << 7)
#define INT_SW (1u << 31)
/* IRQ_CFG */
#define IRQ_EN (1u << 8)
#define IRQ_INT (1u << 12)
/* MAC_CR */
#define MAC_RXEN (1u << 2)
#define MAC_TXEN (1u << 3)
#define MAC_BCAST (1u << 11)
#define MAC_MCPAS (1u << 19)
#define MAC_PRMS (1u << 18)
/* TX_CFG */
#define TX_ON (1u << 1)
#define TX_TXSAO (1u << 2)
#define TX_TXD_DUMP (1u << 14)
#define TX_TXS_DUMP (1u << 15)

typedef struct Fifo32 {
    uint32_t *buf;
    unsigned cap, head, n;
} Fifo32;

typedef struct Lan9118 {
    TesseraDevice *dev;
    TesseraIrq *irq;
    TesseraNetClient *nc;
    uint8_t mac[6];

    uint32_t irq_cfg, int_sts, int_en, fifo_int, rx_cfg, tx_cfg, hw_cfg;
    uint32_t pmt_ctrl, gpt_cfg, word_swap, rx_drop, afc_cfg, e2p_cmd;
    uint32_t e2p_data, mac_csr_data;
    uint32_t mac_cr, addrh, addrl, hashh, hashl, mii_acc, mii_data, flow;
    uint32_t vlan1, vlan2, wuff, wucsr;
    uint16_t phy_bmcr, phy_anar, phy_int_mask;
    uint16_t phy_int_src;

    /* TX: the frame being built from command and data words. */
    enum { TX_CMD_A, TX_CMD_B, TX_DATA } tx_state;
    uint32_t cmd_a, cmd_b;
    unsigned seg_dwords, seg_index; /* data words of this segment */
    uint8_t frame[FRAME_MAX];
    unsigned frame_len;
    Fifo32 tx_status;

    /* RX: data words, the words of each frame in it, status words. */
    Fifo32 rx_data, rx_frame_words, rx_status;
    unsigned rx_left; /* words of the frame being read */
} Lan9118;

static const uint8_t broadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* ---------------------------------------------------------------------- */

static bool fifo_init(Fifo32 *f, unsigned cap)
{
    f->buf = calloc(cap, sizeof(uint32_t));
    f->cap = cap;
    f->head = f->n = 0;
    return f->buf != NULL;
}

static bool fifo_push(Fifo32 *f, uint32_t v)
{
    if (f->n == f->cap)
        return false;
    f->buf[(f->head + f->n) % f->cap] = v;
    f->n++;
    return true;
}

static uint32_t fifo_peek(const Fifo32 *f)
{
    return f->n ? f->buf[f->head] : 0;
}

static uint32_t fifo_pop(Fifo32 *f)
{
    if (!f->n)
        return 0;
    uint32_t v = f->buf[f->head];
    f->head = (f->head + 1) % f->cap;
    f->n--;
    return v;
}

/* ---------------------------------------------------------------------- */

static unsigned tx_fifo_bytes(const Lan9118 *s)
{
    return ((s->hw_cfg >> 16) & 15) * 1024;
}

static unsigned rx_fifo_bytes(const Lan9118 *s)
{
    /* What the TX data and both status FIFOs leave: 512 bytes of status
     * each side. */
    return FIFO_BYTES - tx_fifo_bytes(s) - 1024;
}

static unsigned tx_free_bytes(const Lan9118 *s)
{
    return tx_fifo_bytes(s) - 512; /* frames leave at once */
}

static void update_irq(Lan9118 *s)
{
    if (s->rx_status.n > (s->fifo_int & 0xff))
        s->int_sts |= INT_RSFL;
    if (s->tx_status.n > ((s->fifo_int >> 16) & 0xff))
        s->int_sts |= INT_TSFL;
    bool pending = (s->int_sts & s->int_en) != 0;
    if (pending)
        s->irq_cfg |= IRQ_INT;
    else
        s->irq_cfg &= ~IRQ_INT;
    tessera_irq_set(s->irq, pending && (s->irq_cfg & IRQ_EN));
}

/* ---------------------------------------------------------------------- */
/* Transmit                                                                */

static void tx_frame_done(Lan9118 *s)
{
    if ((s->mac_cr & MAC_TXEN) && (s->tx_cfg & TX_ON))
        tessera_net_send(s->nc, s->frame, s->frame_len);
    uint32_t tag = s->cmd_b >> 16;
    if (!(s->tx_cfg & TX_TXSAO))
        fifo_push(&s->tx_status, tag << 16);
    s->frame_len = 0;
}

static void tx_word(Lan9118 *s, uint32_t v)
{
    switch (s->tx_state) {
    case TX_CMD_A:
        s->cmd_a = v;
        s->tx_state = TX_CMD_B;
        break;
    case TX_CMD_B: {
        s->cmd_b = v;
        unsigned size = s->cmd_a & 0x7ff, offset = (s->cmd_a >> 16) & 31;
        unsigned align = (s->cmd_a >> 24) & 3; /* 4, 16 or 32 bytes */
        unsigned unit = align == 1 ? 16 : align == 2 ? 32 : 4;
        unsigned bytes = (offset + size + unit - 1) / unit * unit;
        if (s->cmd_a & (1u << 13)) /* first segment */
            s->frame_len = 0;
        s->seg_dwords = bytes / 4;
        s->seg_index = 0;
        s->tx_state = TX_DATA;
        if (!s->seg_dwords) {
            s->tx_state = TX_CMD_A;
            if (s->cmd_a & (1u << 12))
                tx_frame_done(s);
        }
        break;
    }
    case TX_DATA: {
        unsigned size = s->cmd_a & 0x7ff, offset = (s->cmd_a >> 16) & 31;
        for (unsigned b = 0; b < 4; b++) {
            unsigned pos = s->seg_index * 4 + b;
            if (pos >= offset && pos < offset + size &&
                s->frame_len < FRAME_MAX)
                s->frame[s->frame_len++] = (uint8_t)(v >> (8 * b));
        }
        if (++s->seg_index == s->seg_dwords) {
            s->tx_state = TX_CMD_A;
            if (s->cmd_a & (1u << 12)) /* last segment */
                tx_frame_done(s);
        }
        break;
    }
    }
}

/* ---------------------------------------------------------------------- */
/* Receive                                                                 */

static unsigned rx_frame_dwords(const Lan9118 *s, size_t len)
{
    unsigned off = (s->rx_cfg >> 8) & 31;
    return (unsigned)((off + len + 4 + 3) / 4);
}

static bool lan_can_receive(void *opaque)
{
    Lan9118 *s = opaque;
    return (s->mac_cr & MAC_RXEN) && s->rx_status.n < s->rx_status.cap;
}

static bool wanted(const Lan9118 *s, const uint8_t *f)
{
    if (s->mac_cr & MAC_PRMS)
        return true;
    if (!memcmp(f, broadcast, 6))
        return !(s->mac_cr & MAC_BCAST);
    if (f[0] & 1)
        return (s->mac_cr & MAC_MCPAS) != 0;
    return !memcmp(f, s->mac, 6);
}

static bool lan_receive(void *opaque, const uint8_t *f, size_t len)
{
    Lan9118 *s = opaque;
    if (!(s->mac_cr & MAC_RXEN))
        return false;
    if (len < 14 || len > 1514 || !wanted(s, f))
        return true; /* filtered out */
    unsigned words = rx_frame_dwords(s, len);
    if ((s->rx_data.n + words) * 4 > rx_fifo_bytes(s)) {
        s->rx_drop++;
        return true;
    }
    uint8_t buf[FRAME_MAX + 40] = {0};
    unsigned off = (s->rx_cfg >> 8) & 31;
    memcpy(buf + off, f, len);
    uint32_t fcs = (uint32_t)crc32(0, f, (uInt)len);
    for (unsigned i = 0; i < 4; i++)
        buf[off + len + i] = (uint8_t)(fcs >> (8 * i));
    for (unsigned w = 0; w < words; w++)
        fifo_push(&s->rx_data, (uint32_t)buf[4 * w] |
                                   (uint32_t)buf[4 * w + 1] << 8 |
                                   (uint32_t)buf[4 * w + 2] << 16 |
                                   (uint32_t)buf[4 * w + 3] << 24);
    fifo_push(&s->rx_frame_words, words);
    uint32_t st = (uint32_t)(len + 4) << 16;
    if (!memcmp(f, broadcast, 6))
        st |= 1u << 13;
    else if (f[0] & 1)
        st |= 1u << 10;
    if (((unsigned)f[12] << 8 | f[13]) >= 0x600)
        st |= 1u << 5; /* frame type */
    fifo_push(&s->rx_status, st);
    update_irq(s);
    return true;
}

static uint32_t rx_data_word(Lan9118 *s)
{
    if (!s->rx_left)
        s->rx_left = fifo_pop(&s->rx_frame_words);
    if (!s->rx_left)
        return 0;
    s->rx_left--;
    return fifo_pop(&s->rx_data);
}

/* RX_DP_CTRL.RX_FFWD: skips the rest of the frame being read. */
static void rx_fast_forward(Lan9118 *s)
{
    if (!s->rx_left)
        s->rx_left = fifo_pop(&s->rx_frame_words);
    while (s->rx_left) {
        fifo_pop(&s->rx_data);
        s->rx_left--;
    }
}

/* ---------------------------------------------------------------------- */
/* MAC CSRs and the PHY                                                    */

static uint16_t phy_read(Lan9118 *s, unsigned reg)
{
    switch (reg) {
    case 0:
        return s->phy_bmcr;
    case 1: /* 10/100 capable, link up, auto-negotiation complete */
        return 0x782d;
    case 2:
        return 0x0007;
    case 3:
        return 0xc0d1;
    case 4:
        return s->phy_anar;
    case 5: /* the partner: 10/100, full and half duplex */
        return 0x0f71;
    case 6:
        return 0x0001;
    case 29: { /* interrupt source: cleared by the read */
        uint16_t v = s->phy_int_src;
        s->phy_int_src = 0;
        return v;
    }
    case 30:
        return s->phy_int_mask;
    default:
        return 0;
    }
}

static void phy_write(Lan9118 *s, unsigned reg, uint16_t v)
{
    switch (reg) {
    case 0:
        if (v & 0x8000) { /* reset */
            s->phy_bmcr = 0x3000;
            s->phy_anar = 0x01e1;
            return;
        }
        s->phy_bmcr = v & 0x7fff;
        if (v & 0x0200) /* restart auto-negotiation: done at once */
            s->phy_int_src |= 0x40;
        break;
    case 4:
        s->phy_anar = v;
        break;
    case 30:
        s->phy_int_mask = v;
        break;
    default:
        break;
    }
}

static uint32_t *mac_csr(Lan9118 *s, unsigned idx)
{
    switch (idx) {
    case 1: return &s->mac_cr;
    case 2: return &s->addrh;
    case 3: return &s->addrl;
    case 4: return &s->hashh;
    case 5: return &s->hashl;
    case 6: return &s->mii_acc;
    case 7: return &s->mii_data;
    case 8: return &s->flow;
    case 9: return &s->vlan1;
    case 10: return &s->vlan2;
    case 11: return &s->wuff;
    case 12: return &s->wucsr;
    default: return NULL;
    }
}

static void mac_csr_cmd(Lan9118 *s, uint32_t cmd)
{
    if (!(cmd & 0x80000000u))
        return;
    uint32_t *r = mac_csr(s, cmd & 0xff);
    if (cmd & 0x40000000u) { /* read */
        s->mac_csr_data = r ? *r : 0;
        return;
    }
    if (!r)
        return;
    *r = s->mac_csr_data;
    if (r == &s->addrh || r == &s->addrl) {
        for (int i = 0; i < 4; i++)
            s->mac[i] = (uint8_t)(s->addrl >> (8 * i));
        s->mac[4] = (uint8_t)s->addrh;
        s->mac[5] = (uint8_t)(s->addrh >> 8);
    } else if (r == &s->mii_acc) {
        unsigned phy = (s->mii_acc >> 11) & 31, reg = (s->mii_acc >> 6) & 31;
        if (phy == 1) {
            if (s->mii_acc & 2)
                phy_write(s, reg, (uint16_t)s->mii_data);
            else
                s->mii_data = phy_read(s, reg);
        } else if (!(s->mii_acc & 2)) {
            s->mii_data = 0xffff; /* nothing at that PHY address */
        }
        s->mii_acc &= ~1u; /* not busy */
    } else if (r == &s->mac_cr && (s->mac_cr & MAC_RXEN)) {
        tessera_net_rx_ready(s->nc);
    }
}

/* ---------------------------------------------------------------------- */

static void soft_reset(Lan9118 *s)
{
    s->irq_cfg = s->int_sts = s->int_en = 0;
    s->fifo_int = 0x48000000u;
    s->rx_cfg = s->tx_cfg = 0;
    s->hw_cfg = 0x00050004u; /* 5 KiB TX FIFO; bit 2 as the chip reads */
    s->pmt_ctrl = 1;         /* ready */
    s->gpt_cfg = 0xffff;
    s->word_swap = s->rx_drop = s->afc_cfg = 0;
    s->e2p_cmd = 0x100; /* MAC address loaded */
    s->e2p_data = s->mac_csr_data = 0;
    s->mac_cr = 0x00040000u;
    s->addrh = (uint32_t)s->mac[5] << 8 | s->mac[4];
    s->addrl = (uint32_t)s->mac[3] << 24 | (uint32_t)s->mac[2] << 16 |
               (uint32_t)s->mac[1] << 8 | s->mac[0];
    s->hashh = s->hashl = s->mii_acc = s->mii_data = s->flow = 0;
    s->vlan1 = s->vlan2 = s->wuff = s->wucsr = 0;
    s->phy_bmcr = 0x3000;
    s->phy_anar = 0x01e1;
    s->phy_int_mask = 0;
    s->phy_int_src = 0xc0; /* auto-negotiation done, link came up */
    s->tx_state = TX_CMD_A;
    s->frame_len = 0;
    s->tx_status.head = s->tx_status.n = 0;
    s->rx_data.head = s->rx_data.n = 0;
    s->rx_frame_words.head = s->rx_frame_words.n = 0;
    s->rx_status.head = s->rx_status.n = 0;
    s->rx_left = 0;
}

static uint64_t lan_read(void *opaque, uint64_t off, unsigned size)
{
    Lan9118 *s = opaque;
    uint32_t v;
    (void)size;
    if (off < 0x20)
        return rx_data_word(s);
    if (off < 0x40)
        return 0;
    switch (off) {
    case 0x40:
        v = fifo_pop(&s->rx_status);
        update_irq(s);
        return v;
    case 0x44:
        return fifo_peek(&s->rx_status);
    case 0x48:
        v = fifo_pop(&s->tx_status);
        update_irq(s);
        return v;
    case 0x4c:
        return fifo_peek(&s->tx_status);
    case 0x50:
        return 0x01180001u; /* LAN9118, revision 1 */
    case 0x54:
        return s->irq_cfg;
    case 0x58:
        return s->int_sts;
    case 0x5c:
        return s->int_en;
    case 0x64:
        return 0x87654321u;
    case 0x68:
        return s->fifo_int;
    case 0x6c:
        return s->rx_cfg;
    case 0x70:
        return s->tx_cfg;
    case 0x74:
        return s->hw_cfg;
    case 0x7c:
        return s->rx_status.n << 16 | (s->rx_data.n * 4 & 0xffff);
    case 0x80:
        return s->tx_status.n << 16 | tx_free_bytes(s);
    case 0x84:
        return s->pmt_ctrl;
    case 0x8c:
        return s->gpt_cfg;
    case 0x90:
        return s->gpt_cfg & 0xffff;
    case 0x98:
        return s->word_swap;
    case 0x9c: /* FREE_RUN: 25 MHz */
        return (uint32_t)(tessera_clock_ns() / 40);
    case 0xa0:
        return s->rx_drop;
    case 0xa4:
        return 0; /* never busy */
    case 0xa8:
        return s->mac_csr_data;
    case 0xac:
        return s->afc_cfg;
    case 0xb0:
        return s->e2p_cmd;
    case 0xb4:
        return s->e2p_data;
    default:
        return 0;
    }
}

static void lan_write(void *opaque, uint64_t off, uint64_t value,
                      unsigned size)
{
    Lan9118 *s = opaque;
    uint32_t v = (uint32_t)value;
    (void)size;
    if (off >= 0x20 && off < 0x40) {
        tx_word(s, v);
        update_irq(s);
        return;
    }
    switch (off) {
    case 0x54:
        s->irq_cfg = (s->irq_cfg & IRQ_INT) | (v & 0xff000111u);
        break;
    case 0x58: /* write 1 to clear */
        s->int_sts &= ~v;
        break;
    case 0x5c:
        s->int_en = v;
        if (v & INT_SW)
            s->int_sts |= INT_SW;
        break;
    case 0x68:
        s->fifo_int = v;
        break;
    case 0x6c:
        s->rx_cfg = v & 0xcf001f00u;
        if (v & (1u << 15)) { /* RX_DUMP */
            s->rx_data.n = s->rx_frame_words.n = s->rx_status.n = 0;
            s->rx_left = 0;
        }
        break;
    case 0x70:
        if (v & TX_TXS_DUMP)
            s->tx_status.n = 0;
        if (v & TX_TXD_DUMP) {
            s->tx_state = TX_CMD_A;
            s->frame_len = 0;
        }
        s->tx_cfg = v & (TX_ON | TX_TXSAO);
        break;
    case 0x74:
        if (v & 1) { /* SRST */
            soft_reset(s);
            break;
        }
        s->hw_cfg = (s->hw_cfg & 0xfff0ffffu) | (v & 0x000f0000u);
        break;
    case 0x78:
        if (v & 0x80000000u)
            rx_fast_forward(s);
        break;
    case 0x84:
        s->pmt_ctrl = (v & ~0x1u) | 1;
        break;
    case 0x8c:
        s->gpt_cfg = v & 0x2000ffffu;
        break;
    case 0x98:
        s->word_swap = v;
        break;
    case 0xa4:
        mac_csr_cmd(s, v);
        break;
    case 0xa8:
        s->mac_csr_data = v;
        break;
    case 0xac:
        s->afc_cfg = v & 0x00ffffffu;
        break;
    case 0xb0:
        s->e2p_cmd = (s->e2p_cmd & 0x100) | (v & 0x7000007fu);
        break;
    case 0xb4:
        s->e2p_data = v & 0xff;
        break;
    default:
        break;
    }
    update_irq(s);
    if (lan_can_receive(s))
        tessera_net_rx_ready(s->nc);
}

static const TesseraMmioOps lan_ops = {
    .read = lan_read,
    .write = lan_write,
    .min_access = 4,
    .max_access = 4,
};

static const TesseraNetOps lan_net_ops = {
    .can_receive = lan_can_receive,
    .receive = lan_receive,
};

static int lan_realize(TesseraDevice *dev, void *state)
{
    Lan9118 *s = state;
    s->dev = dev;
    if (!fifo_init(&s->tx_status, STATUS_MAX) ||
        !fifo_init(&s->rx_data, FIFO_BYTES / 4) ||
        !fifo_init(&s->rx_frame_words, STATUS_MAX) ||
        !fifo_init(&s->rx_status, STATUS_MAX)) {
        tessera_error("%s: out of memory", tessera_dev_name(dev));
        return -1;
    }
    if (tessera_net_mac(dev, "mac", s->mac) < 0)
        return -1;
    s->nc = tessera_net_attach(dev, "netdev", &lan_net_ops, s);
    if (!s->nc) {
        const char *nd = tessera_dev_prop_str(dev, "netdev");
        if (nd && *nd)
            return -1; /* the core said why */
    }
    return tessera_dev_map_mmio(dev, tessera_dev_prop_u64(dev, "base"),
                                0x100, &lan_ops, s);
}

static void lan_reset(TesseraDevice *dev, void *state)
{
    Lan9118 *s = state;
    s->irq = tessera_dev_irq_out(dev, "irq", 0);
    soft_reset(s);
    update_irq(s);
}

static void lan_finalize(TesseraDevice *dev, void *state)
{
    Lan9118 *s = state;
    (void)dev;
    free(s->tx_status.buf);
    free(s->rx_data.buf);
    free(s->rx_frame_words.buf);
    free(s->rx_status.buf);
}

static const TesseraProp lan_props[] = {
    {"base", TESSERA_PROP_U64, NULL, "MMIO base address (256 bytes)"},
    {"irq", TESSERA_PROP_IRQ, "", "interrupt output"},
    {"netdev", TESSERA_PROP_STRING, "", "the -netdev id (empty: no network)"},
    {"mac", TESSERA_PROP_STRING, "", "MAC address (empty: automatic)"},
    {NULL, 0, NULL, NULL},
};

static const TesseraDeviceClass lan_class = {
    .name = "lan9118",
    .description = "SMSC LAN9118 Ethernet controller",
    .props = lan_props,
    .state_size = sizeof(Lan9118),
    .realize = lan_realize,
    .reset = lan_reset,
    .finalize = lan_finalize,
    .mmio_help = "0x100 bytes at base",
    .slot_type = "lan9118",
};

static int lan_init(void)
{
    return tessera_register_device(&lan_class);
}

TESSERA_PLUGIN(TESSERA_PLUGIN_DEVICE, "lan9118", "0.1.0", lan_init);
