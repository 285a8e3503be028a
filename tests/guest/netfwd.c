/* SPDX-License-Identifier: MIT */
/*
 * hostfwd end to end: the host connects to a forwarded port
 * (-netdev user,...,hostfwd=tcp:127.0.0.1:PORT-:7); this guest answers
 * slirp's ARP for 10.0.2.15, accepts the TCP connection on port 7 with a
 * minimal TCP of its own, sends a line and closes. run-guest.sh runs it
 * under tests/guest/netfwd-host.py, which connects once the guest prints
 * "ready" and prints what it received.
 */
#define VIRTNET_NO_MAIN
#pragma GCC diagnostic ignored "-Wunused-function"
#include "virtnet.c"

#define PORT 7
#define MY_ISS 1000u

static const char msg[] = "hello from the guest\n";

static void repost(const uint8_t *frame)
{
    unsigned id = (unsigned)((frame - HDR - &rxbuf[0][0]) / BUFSZ);
    post_rx(id);
}

static void arp_reply(const uint8_t *req)
{
    uint8_t f[60] = {0};
    unsigned o = eth(f, req + 6, 0x0806);
    uint8_t *a = f + o;
    a[1] = 1;
    a[2] = 0x08;
    a[4] = 6, a[5] = 4;
    a[7] = 2; /* reply */
    memcpy(a + 8, mymac, 6);
    memcpy(a + 14, guest_ip, 4);
    memcpy(a + 18, req + 14 + 8, 6);
    memcpy(a + 24, req + 14 + 14, 4);
    send(f, 60);
}

static uint8_t peer_mac[6], peer_ip[4];
static unsigned peer_port;
static uint32_t peer_next; /* next sequence number we expect */

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24, p[1] = v >> 16, p[2] = v >> 8, p[3] = v;
}

static void tcp_send(uint32_t seq, unsigned flags, const char *data,
                     unsigned len)
{
    static uint8_t f[14 + 20 + 20 + 64];
    unsigned o = eth(f, peer_mac, 0x0800);
    uint8_t *t = f + o + 20;
    memset(t, 0, 20);
    t[0] = PORT >> 8, t[1] = PORT & 0xff;
    t[2] = peer_port >> 8, t[3] = peer_port & 0xff;
    put32(t + 4, seq);
    put32(t + 8, peer_next);
    t[12] = 5 << 4;
    t[13] = flags;
    t[14] = 0x20, t[15] = 0x00; /* window 8192 */
    memcpy(t + 20, data, len);
    /* checksum over the pseudo header and the segment */
    static uint8_t ps[12 + 20 + 64];
    memcpy(ps, guest_ip, 4);
    memcpy(ps + 4, peer_ip, 4);
    ps[8] = 0, ps[9] = 6, ps[10] = 0, ps[11] = 20 + len;
    memcpy(ps + 12, t, 20 + len);
    unsigned c = csum(ps, 12 + 20 + len);
    t[16] = c >> 8, t[17] = c & 0xff;
    ipv4(f + o, 6, guest_ip, peer_ip, 20 + len);
    send(f, o + 20 + 20 + len);
}

int main(void)
{
    if (!virtnet_start()) {
        puts("netfwd: no virtio-net device");
        return 2;
    }
    for (unsigned i = 0; i < QSZ; i++)
        post_rx(i);
    puts("netfwd: ready");

    enum { LISTEN, SYN_RCVD, SENT, DONE } st = LISTEN;
    uint32_t my_end = MY_ISS + 1 + sizeof(msg) - 1 + 1; /* SYN, data, FIN */
    while (st != DONE) {
        unsigned len;
        uint8_t *r = recv(&len);
        unsigned type = r[12] << 8 | r[13];
        if (type == 0x0806 && r[14 + 7] == 1 &&
            eq(r + 14 + 24, guest_ip, 4)) {
            arp_reply(r);
        } else if (type == 0x0800 && r[14 + 9] == 6 &&
                   eq(r + 14 + 16, guest_ip, 4)) {
            uint8_t *t = r + 14 + (r[14] & 15) * 4;
            unsigned dport = t[2] << 8 | t[3], flags = t[13];
            if (dport != PORT) {
                repost(r);
                continue;
            }
            if (st == LISTEN && (flags & 0x02)) { /* SYN */
                memcpy(peer_mac, r + 6, 6);
                memcpy(peer_ip, r + 14 + 12, 4);
                peer_port = t[0] << 8 | t[1];
                peer_next = be32(t + 4) + 1;
                putstr("netfwd: SYN from ");
                putip(peer_ip);
                putstr(" to port ");
                putu(dport);
                putstr("\n");
                tcp_send(MY_ISS, 0x12, 0, 0); /* SYN+ACK */
                st = SYN_RCVD;
            } else if (st == SYN_RCVD && (flags & 0x10) &&
                       be32(t + 8) == MY_ISS + 1) {
                puts("netfwd: connected");
                tcp_send(MY_ISS + 1, 0x19, msg, sizeof(msg) - 1); /* FIN PSH ACK */
                st = SENT;
            } else if (st == SENT && (flags & 0x10) && be32(t + 8) == my_end) {
                puts("netfwd: data and FIN acknowledged");
                st = DONE;
            }
        }
        repost(r);
    }
    return check_done("netfwd");
}
