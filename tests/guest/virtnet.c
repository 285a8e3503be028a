/* SPDX-License-Identifier: MIT */
/*
 * virtio-net over virtio-mmio (modern, version 2) on user-mode networking:
 * a driver written from the virtio 1.2 specification that finds the NIC,
 * negotiates MAC and STATUS, then talks to libslirp's virtual network:
 * DHCP (DISCOVER -> OFFER of 10.0.2.15 from 10.0.2.2), ARP for the host and
 * the DNS server, ping of the host, and receive flow control: replies that
 * arrive while the guest has no receive buffer are held, not dropped, and
 * come in order once buffers are added.
 *
 * Run with: -netdev user,id=n -device virtio-net-device,netdev=n
 * (QEMU also needs -global virtio-mmio.force-legacy=false).
 */
#include "rt.h"

#define SLOT0 0x10001000UL
#define NSLOTS 8
#define SLOT_SIZE 0x1000UL

enum {
    MAGIC = 0x000, VERSION = 0x004, DEVICE_ID = 0x008, DEV_FEATURES = 0x010,
    DEV_FEATURES_SEL = 0x014, DRV_FEATURES = 0x020, DRV_FEATURES_SEL = 0x024,
    QUEUE_SEL = 0x030, QUEUE_NUM_MAX = 0x034, QUEUE_NUM = 0x038,
    QUEUE_READY = 0x044, QUEUE_NOTIFY = 0x050, INT_STATUS = 0x060,
    INT_ACK = 0x064, STATUS = 0x070, DESC_LO = 0x080, DESC_HI = 0x084,
    DRIVER_LO = 0x090, DRIVER_HI = 0x094, DEVICE_LO = 0x0a0,
    DEVICE_HI = 0x0a4, CONFIG = 0x100,
};

#define ST_ACK 1
#define ST_DRIVER 2
#define ST_DRIVER_OK 4
#define ST_FEATURES_OK 8

#define F_MAC 5
#define F_STATUS 16
#define F_VERSION_1 32

#define QSZ 8
#define BUFSZ 2048
#define HDR 12

struct desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};
struct avail {
    uint16_t flags, idx, ring[QSZ], used_event;
};
struct used_elem {
    uint32_t id, len;
};
struct used {
    uint16_t flags, idx;
    struct used_elem ring[QSZ];
    uint16_t avail_event;
};

struct queue {
    struct desc desc[QSZ] __attribute__((aligned(16)));
    struct avail avail __attribute__((aligned(2)));
    struct used used __attribute__((aligned(4)));
    uint16_t last_used;
};

static struct queue rxq __attribute__((aligned(4096)));
static struct queue txq __attribute__((aligned(4096)));
static uint8_t rxbuf[QSZ][BUFSZ];
static uint8_t txbuf[QSZ][BUFSZ];
static ulong base;
static uint8_t mymac[6];

static const uint8_t host_ip[4] = {10, 0, 2, 2};
static const uint8_t dns_ip[4] = {10, 0, 2, 3};
static const uint8_t guest_ip[4] = {10, 0, 2, 15};
static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static uint32_t rd(ulong off) { return *(volatile uint32_t *)(base + off); }
static void wr(ulong off, uint32_t v) { *(volatile uint32_t *)(base + off) = v; }
static uint8_t cfg8(ulong off) { return *(volatile uint8_t *)(base + CONFIG + off); }

static void fence(void) { __asm__ volatile("fence rw, rw" ::: "memory"); }

static void putbyte(uint8_t b)
{
    static const char hex[] = "0123456789abcdef";
    putch(hex[b >> 4]);
    putch(hex[b & 15]);
}

static void putmac(const uint8_t *m)
{
    for (int i = 0; i < 6; i++) {
        if (i)
            putch(':');
        putbyte(m[i]);
    }
}

static void putip(const uint8_t *ip)
{
    for (int i = 0; i < 4; i++) {
        if (i)
            putch('.');
        putu(ip[i]);
    }
}

static int eq(const uint8_t *a, const uint8_t *b, int n)
{
    for (int i = 0; i < n; i++)
        if (a[i] != b[i])
            return 0;
    return 1;
}

static void setup_queue(unsigned q, struct queue *vq)
{
    wr(QUEUE_SEL, q);
    CHECK_EQ(rd(QUEUE_READY), 0);
    CHECK(rd(QUEUE_NUM_MAX) >= QSZ);
    wr(QUEUE_NUM, QSZ);
    wr(DESC_LO, (uint32_t)(ulong)vq->desc);
    wr(DESC_HI, (uint32_t)((uint64_t)(ulong)vq->desc >> 32));
    wr(DRIVER_LO, (uint32_t)(ulong)&vq->avail);
    wr(DRIVER_HI, (uint32_t)((uint64_t)(ulong)&vq->avail >> 32));
    wr(DEVICE_LO, (uint32_t)(ulong)&vq->used);
    wr(DEVICE_HI, (uint32_t)((uint64_t)(ulong)&vq->used >> 32));
    wr(QUEUE_READY, 1);
    CHECK_EQ(rd(QUEUE_READY), 1);
}

/* Gives the device one receive buffer (descriptor slot i). */
static void post_rx(unsigned i)
{
    rxq.desc[i].addr = (ulong)rxbuf[i];
    rxq.desc[i].len = BUFSZ;
    rxq.desc[i].flags = 2; /* device writes */
    rxq.desc[i].next = 0;
    rxq.avail.ring[rxq.avail.idx % QSZ] = i;
    fence();
    rxq.avail.idx++;
    fence();
    wr(QUEUE_NOTIFY, 0);
}

/* Sends a frame (Ethernet header first), waits until the device used it. */
static void send(const uint8_t *frame, unsigned len)
{
    unsigned i = txq.avail.idx % QSZ;
    memset(txbuf[i], 0, HDR);
    memcpy(txbuf[i] + HDR, frame, len);
    txq.desc[i].addr = (ulong)txbuf[i];
    txq.desc[i].len = HDR + len;
    txq.desc[i].flags = 0;
    txq.avail.ring[i] = i;
    fence();
    txq.avail.idx++;
    fence();
    wr(QUEUE_NOTIFY, 1);
    for (unsigned long n = 0; n < 100000000UL; n++) {
        fence();
        if (txq.used.idx == txq.avail.idx)
            return;
    }
    puts("virtnet: transmit never completed");
    exit(3);
}

/* Waits for the next received frame; returns its buffer, length in *len. */
static uint8_t *recv(unsigned *len)
{
    uint64_t start = mtime();
    /* A bound, not a wait: replies normally come at once. 10 s at 10 MHz. */
    while (mtime() - start < 100000000ULL) {
        fence();
        if (rxq.used.idx != rxq.last_used) {
            struct used_elem *u = &rxq.used.ring[rxq.last_used % QSZ];
            rxq.last_used++;
            wr(INT_ACK, rd(INT_STATUS));
            CHECK(u->len >= HDR + 14);
            /* virtio 1.x header: no flags, no GSO. num_buffers must be 1
             * without MRG_RXBUF (5.1.6.4.1; Tessera writes 1), QEMU 7.2
             * leaves 0 there. */
            uint8_t *b = rxbuf[u->id % QSZ];
            CHECK_EQ(b[0], 0);
            CHECK_EQ(b[1], 0);
            CHECK((b[10] | b[11] << 8) <= 1);
            *len = u->len - HDR;
            return b + HDR;
        }
    }
    puts("virtnet: no frame received");
    exit(4);
}

static unsigned csum(const uint8_t *p, unsigned n)
{
    uint32_t s = 0;
    for (unsigned i = 0; i + 1 < n; i += 2)
        s += p[i] << 8 | p[i + 1];
    if (n & 1)
        s += p[n - 1] << 8;
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return ~s & 0xffff;
}

static unsigned eth(uint8_t *f, const uint8_t *dst, unsigned type)
{
    memcpy(f, dst, 6);
    memcpy(f + 6, mymac, 6);
    f[12] = type >> 8;
    f[13] = type & 0xff;
    return 14;
}

static unsigned ipv4(uint8_t *p, unsigned proto, const uint8_t *src,
                     const uint8_t *dst, unsigned payload)
{
    unsigned tot = 20 + payload;
    memset(p, 0, 20);
    p[0] = 0x45;
    p[2] = tot >> 8;
    p[3] = tot & 0xff;
    p[8] = 64;
    p[9] = proto;
    memcpy(p + 12, src, 4);
    memcpy(p + 16, dst, 4);
    unsigned c = csum(p, 20);
    p[10] = c >> 8;
    p[11] = c & 0xff;
    return 20;
}

static void dhcp(void)
{
    static uint8_t f[600];
    static const uint8_t zero[4] = {0};
    static const uint8_t all[4] = {255, 255, 255, 255};
    memset(f, 0, sizeof(f));
    unsigned o = eth(f, bcast, 0x0800);
    uint8_t *ip = f + o;
    uint8_t *udp = ip + 20;
    uint8_t *bp = udp + 8;
    bp[0] = 1; /* BOOTREQUEST */
    bp[1] = 1; /* Ethernet */
    bp[2] = 6;
    bp[4] = 0x12, bp[5] = 0x34, bp[6] = 0x56, bp[7] = 0x78; /* xid */
    memcpy(bp + 28, mymac, 6);
    uint8_t *opt = bp + 236;
    opt[0] = 99, opt[1] = 130, opt[2] = 83, opt[3] = 99; /* magic cookie */
    opt[4] = 53, opt[5] = 1, opt[6] = 1;                /* DISCOVER */
    opt[7] = 255;
    unsigned bplen = 236 + 8 + 52; /* BOOTP's minimum of 300 bytes */
    udp[0] = 0, udp[1] = 68, udp[2] = 0, udp[3] = 67;
    udp[4] = (8 + bplen) >> 8, udp[5] = (8 + bplen) & 0xff;
    ipv4(ip, 17, zero, all, 8 + bplen);
    send(f, o + 20 + 8 + bplen);

    unsigned len;
    uint8_t *r = recv(&len);
    CHECK_EQ(r[12] << 8 | r[13], 0x0800);
    CHECK_EQ(r[14 + 9], 17);
    uint8_t *rudp = r + 14 + (r[14] & 15) * 4;
    CHECK_EQ(rudp[0] << 8 | rudp[1], 67);
    CHECK_EQ(rudp[2] << 8 | rudp[3], 68);
    uint8_t *rb = rudp + 8;
    CHECK_EQ(rb[0], 2); /* BOOTREPLY */
    CHECK(eq(rb + 4, bp + 4, 4));
    CHECK(eq(rb + 28, mymac, 6));
    uint8_t type = 0, server[4] = {0}, router[4] = {0}, dns[4] = {0};
    uint8_t mask[4] = {0};
    CHECK(rb[236] == 99 && rb[237] == 130 && rb[238] == 83 && rb[239] == 99);
    for (uint8_t *p = rb + 240; p < r + len && *p != 255;) {
        if (*p == 0) {
            p++;
            continue;
        }
        uint8_t code = p[0], n = p[1];
        if (code == 53 && n == 1)
            type = p[2];
        else if (code == 54 && n == 4)
            memcpy(server, p + 2, 4);
        else if (code == 3 && n >= 4)
            memcpy(router, p + 2, 4);
        else if (code == 6 && n >= 4)
            memcpy(dns, p + 2, 4);
        else if (code == 1 && n == 4)
            memcpy(mask, p + 2, 4);
        p += 2 + n;
    }
    CHECK_EQ(type, 2); /* OFFER */
    CHECK(eq(rb + 16, guest_ip, 4));
    CHECK(eq(server, host_ip, 4));
    putstr("virtnet: DHCP offer ");
    putip(rb + 16);
    putstr(" from ");
    putip(server);
    putstr(" (router ");
    putip(router);
    putstr(", dns ");
    putip(dns);
    putstr(", mask ");
    putip(mask);
    putstr(") by ");
    putmac(r + 6);
    putstr("\n");
}

static void arp_request(const uint8_t *who)
{
    uint8_t f[60] = {0};
    unsigned o = eth(f, bcast, 0x0806);
    uint8_t *a = f + o;
    a[1] = 1;           /* Ethernet */
    a[2] = 0x08;        /* IPv4 */
    a[4] = 6, a[5] = 4;
    a[7] = 1;           /* request */
    memcpy(a + 8, mymac, 6);
    memcpy(a + 14, guest_ip, 4);
    memcpy(a + 24, who, 4);
    send(f, 60);
}

static uint8_t host_mac_buf[6];
static const uint8_t *host_mac = host_mac_buf;

static void arp_check_reply(const uint8_t *who)
{
    unsigned len;
    uint8_t *r = recv(&len);
    CHECK_EQ(r[12] << 8 | r[13], 0x0806);
    uint8_t *a = r + 14;
    CHECK_EQ(a[7], 2); /* reply */
    CHECK(eq(a + 14, who, 4));
    CHECK(eq(a + 18, mymac, 6));
    CHECK(eq(a + 24, guest_ip, 4));
    CHECK(eq(r, mymac, 6));
    if (eq(who, host_ip, 4))
        memcpy(host_mac_buf, a + 8, 6);
    putstr("virtnet: ARP ");
    putip(who);
    putstr(" is at ");
    putmac(a + 8);
    putstr("\n");
}

static void ping_send(unsigned seq)
{
    uint8_t f[14 + 20 + 8 + 32];
    unsigned o = eth(f, host_mac, 0x0800);
    uint8_t *icmp = f + o + 20;
    memset(icmp, 0, 8);
    icmp[0] = 8; /* echo request */
    icmp[4] = 0x42, icmp[5] = 0x42;
    icmp[6] = seq >> 8, icmp[7] = seq & 0xff;
    for (int i = 0; i < 32; i++)
        icmp[8 + i] = 'a' + i % 26;
    unsigned c = csum(icmp, 40);
    icmp[2] = c >> 8, icmp[3] = c & 0xff;
    ipv4(f + o, 1, guest_ip, host_ip, 40);
    send(f, sizeof(f));
}

static void ping_check_reply(unsigned seq)
{
    unsigned len;
    uint8_t *r = recv(&len);
    CHECK_EQ(r[12] << 8 | r[13], 0x0800);
    CHECK_EQ(r[14 + 9], 1);
    uint8_t *icmp = r + 14 + (r[14] & 15) * 4;
    CHECK_EQ(icmp[0], 0); /* echo reply */
    CHECK_EQ(icmp[6] << 8 | icmp[7], seq);
    CHECK_EQ(icmp[8], 'a');
    CHECK_EQ(icmp[8 + 31], 'a' + 31 % 26);
    CHECK(eq(r + 14 + 12, host_ip, 4));
    putstr("virtnet: ping reply seq ");
    putu(seq);
    putstr(" from ");
    putip(r + 14 + 12);
    putstr("\n");
}

/* Finds and starts the NIC (netfwd.c uses it too); 0 when absent. */
static int virtnet_start(void)
{
    for (unsigned i = 0; i < NSLOTS; i++) {
        ulong b = SLOT0 + i * SLOT_SIZE;
        if (*(volatile uint32_t *)b == 0x74726976 &&
            *(volatile uint32_t *)(b + DEVICE_ID) == 1)
            base = b;
    }
    if (!base)
        return 0;
    putstr("virtnet: virtio-net at ");
    putx(base);
    putstr(", version ");
    putu(rd(VERSION));
    putstr("\n");
    CHECK_EQ(rd(VERSION), 2);

    wr(STATUS, 0);
    CHECK_EQ(rd(STATUS), 0);
    wr(STATUS, ST_ACK);
    wr(STATUS, ST_ACK | ST_DRIVER);
    wr(DEV_FEATURES_SEL, 0);
    uint64_t feat = rd(DEV_FEATURES);
    wr(DEV_FEATURES_SEL, 1);
    feat |= (uint64_t)rd(DEV_FEATURES) << 32;
    CHECK(feat & (1ull << F_MAC));
    CHECK(feat & (1ull << F_STATUS));
    CHECK(feat & (1ull << F_VERSION_1));
    uint64_t want = (1ull << F_MAC) | (1ull << F_STATUS) |
                    (1ull << F_VERSION_1);
    wr(DRV_FEATURES_SEL, 0);
    wr(DRV_FEATURES, (uint32_t)want);
    wr(DRV_FEATURES_SEL, 1);
    wr(DRV_FEATURES, (uint32_t)(want >> 32));
    wr(STATUS, ST_ACK | ST_DRIVER | ST_FEATURES_OK);
    CHECK(rd(STATUS) & ST_FEATURES_OK);

    setup_queue(0, &rxq);
    setup_queue(1, &txq);
    for (int i = 0; i < 6; i++)
        mymac[i] = cfg8(i);
    unsigned link = cfg8(6) | cfg8(7) << 8;
    wr(STATUS, ST_ACK | ST_DRIVER | ST_FEATURES_OK | ST_DRIVER_OK);
    putstr("virtnet: mac ");
    putmac(mymac);
    putstr(", link ");
    putstr(link & 1 ? "up" : "down");
    putstr("\n");
    return 1;
}

#ifndef VIRTNET_NO_MAIN
int main(void)
{
    if (!virtnet_start()) {
        puts("virtnet: no virtio-net device");
        return 2;
    }

    post_rx(0);
    post_rx(1);
    dhcp();
    arp_request(host_ip);
    arp_check_reply(host_ip);

    /*
     * Flow control: no buffer left. Two requests whose replies must wait
     * in the backend, then come in order as buffers are added.
     */
    CHECK_EQ(rxq.avail.idx, rxq.used.idx);
    arp_request(dns_ip);
    ping_send(1);
    CHECK_EQ(rxq.used.idx, rxq.last_used); /* nothing could arrive */
    post_rx(2);
    arp_check_reply(dns_ip);
    post_rx(3);
    ping_check_reply(1);

    /* And with buffers to spare. */
    post_rx(4);
    post_rx(5);
    ping_send(2);
    ping_check_reply(2);
    return check_done("virtnet");
}
#endif
