/* SPDX-License-Identifier: MIT */
/*
 * virtio-blk through the modern virtio-mmio interface, run with (see
 * tests/guest/virtio.test):
 *   disk 0 (first -device, slot 0x10008000): 1 MiB raw, sector n filled
 *     with the byte n & 0xff, discard=unmap, serial=TESSERA-SN-0001,
 *     physical_block_size=4096, min_io_size=4096, opt_io_size=65536,
 *     discard_granularity=64K
 *   disk 1: 64 KiB raw, readonly=on
 * Reads, writes (direct and indirect chains), flush, write zeroes,
 * discard, GET_ID, errors, read-only, and malformed chains that must put
 * the device into NEEDS_RESET (QEMU agrees on these; buffers outside
 * RAM, which QEMU bounces through its I/O space, are left to the fuzz
 * target). The test then compares both emulators' images byte for byte.
 */
#include "rt.h"
#include "vio.h"

#define T_IN 0
#define T_OUT 1
#define T_FLUSH 4
#define T_GET_ID 8
#define T_DISCARD 11
#define T_WRITE_ZEROES 13

#define F_RO 5
#define F_BLK_SIZE 6
#define F_FLUSH 9
#define F_TOPOLOGY 10
#define F_DISCARD 13
#define F_WRITE_ZEROES 14

struct req_hdr {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};

struct dz_seg {
    uint64_t sector;
    uint32_t num;
    uint32_t flags;
};

static struct vq vq0, vq1;
static struct req_hdr hdr;
static struct dz_seg seg;
static uint8_t buf[8192] __attribute__((aligned(16)));
static volatile uint8_t status;

static const uint64_t WANT = 1ull << VIO_F_VERSION_1 | 1ull << VIO_F_INDIRECT |
                             1ull << VIO_F_EVENT_IDX | 1ull << F_RO |
                             1ull << F_BLK_SIZE | 1ull << F_FLUSH |
                             1ull << F_TOPOLOGY | 1ull << F_DISCARD |
                             1ull << F_WRITE_ZEROES;

/* header, data (len may be 0), status: direct or through an indirect
 * table. Returns the status byte (0xee untouched, 0xdd timeout). */
static int do_req(struct vq *vq, uint32_t type, uint64_t sector, void *data,
                  uint32_t len, int data_write, int indirect, long *used_len)
{
    struct vq_desc *d = indirect ? vq->indirect : vq->desc;
    unsigned n = 0;
    hdr.type = type;
    hdr.reserved = 0;
    hdr.sector = sector;
    status = 0xee;
    vq_set(d, n, &hdr, sizeof(hdr), 0, 1);
    n++;
    if (len) {
        vq_set(d, n, data, len, data_write ? VQ_WRITE : 0, 1);
        n++;
    }
    vq_set(d, n, (void *)&status, 1, VQ_WRITE, 0);
    n++;
    if (indirect)
        vq_set(vq->desc, 0, vq->indirect, n * sizeof(struct vq_desc),
               VQ_INDIRECT, 0);
    vq_kick(vq, 0);
    long l = vq_wait(vq, 0);
    if (used_len)
        *used_len = l;
    if (l < 0)
        return 0xdd;
    return status;
}

static uint32_t sum(const uint8_t *p, unsigned n)
{
    uint32_t s = 0;
    for (unsigned i = 0; i < n; i++)
        s = s * 31 + p[i];
    return s;
}

static int all(const uint8_t *p, unsigned n, uint8_t v)
{
    for (unsigned i = 0; i < n; i++)
        if (p[i] != v)
            return 0;
    return 1;
}

static void features(const char *what, uint64_t f)
{
    static const struct {
        int bit;
        const char *name;
    } names[] = {{F_RO, "ro"},           {F_BLK_SIZE, "blk_size"},
                 {F_FLUSH, "flush"},     {F_TOPOLOGY, "topology"},
                 {F_DISCARD, "discard"}, {F_WRITE_ZEROES, "write_zeroes"},
                 {VIO_F_INDIRECT, "indirect"},
                 {VIO_F_EVENT_IDX, "event_idx"},
                 {VIO_F_VERSION_1, "version_1"}};
    putstr(what);
    putstr(":");
    for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (f >> names[i].bit & 1) {
            putstr(" ");
            putstr(names[i].name);
        }
    putstr("\n");
}

static void test_disk0(ulong b)
{
    long ul;
    uint64_t f = vio_start(b, WANT);
    CHECK(f != ~0ull);
    features("disk0 features", f);
    putstr("disk0 capacity ");
    putu(vio_cfg64(b, 0));
    putstr(" blk_size ");
    putu(vio_cfg32(b, 20));
    putstr(" phys_exp ");
    putu(vio_cfg8(b, 24));
    putstr(" min_io ");
    putu(vio_cfg16(b, 26));
    putstr(" opt_io ");
    putu(vio_cfg32(b, 28));
    putstr(" discard_align ");
    putu(vio_cfg32(b, 44));
    putstr("\n");
    CHECK_EQ(vq_init(&vq0, b, 0), 0);
    vio_driver_ok(b);

    /* GET_ID: 20 bytes, the serial, zero padded. */
    memset(buf, 0, 32);
    CHECK_EQ(do_req(&vq0, T_GET_ID, 0, buf, 20, 1, 0, &ul), 0);
    putstr("serial '");
    for (int i = 0; i < 20 && buf[i]; i++)
        putch((char)buf[i]);
    putstr("'\n");

    /* Read sectors 0..7 (direct), then 8..15 (indirect). */
    memset(buf, 0, sizeof(buf));
    CHECK_EQ(do_req(&vq0, T_IN, 0, buf, 4096, 1, 0, &ul), 0);
    CHECK_EQ(ul, 4097);
    for (int s = 0; s < 8; s++)
        CHECK(all(buf + 512 * s, 512, (uint8_t)s));
    CHECK_EQ(do_req(&vq0, T_IN, 8, buf, 4096, 1, 1, &ul), 0);
    CHECK_EQ(ul, 4097);
    CHECK(all(buf, 512, 8) && all(buf + 3584, 512, 15));
    putstr("read ok, sum ");
    putx(sum(buf, 4096));
    putstr("\n");

    /* Write a pattern at sector 100 (indirect) and read it back. */
    for (int i = 0; i < 8192; i++)
        buf[i] = (uint8_t)(i * 7 + 3);
    CHECK_EQ(do_req(&vq0, T_OUT, 100, buf, 8192, 0, 1, &ul), 0);
    CHECK_EQ(ul, 1);
    memset(buf, 0, sizeof(buf));
    CHECK_EQ(do_req(&vq0, T_IN, 100, buf, 8192, 1, 0, 0), 0);
    int same = 1;
    for (int i = 0; i < 8192; i++)
        same &= buf[i] == (uint8_t)(i * 7 + 3);
    CHECK(same);
    CHECK_EQ(do_req(&vq0, T_FLUSH, 0, 0, 0, 0, 0, &ul), 0);
    CHECK_EQ(ul, 1);
    putstr("write, read back, flush ok\n");

    /* Write zeroes over sectors 20..27 (with unmap), discard 40..167 (64K,
     * the granularity, aligned). */
    seg.sector = 20;
    seg.num = 8;
    seg.flags = 1;
    CHECK_EQ(do_req(&vq0, T_WRITE_ZEROES, 0, &seg, sizeof(seg), 0, 0, 0), 0);
    CHECK_EQ(do_req(&vq0, T_IN, 16, buf, 8192, 1, 0, 0), 0);
    for (int s = 16; s < 20; s++)
        CHECK(all(buf + 512 * (s - 16), 512, (uint8_t)s));
    CHECK(all(buf + 2048, 4096, 0));
    for (int s = 28; s < 32; s++)
        CHECK(all(buf + 512 * (s - 16), 512, (uint8_t)s));
    seg.sector = 128;
    seg.num = 128;
    seg.flags = 0;
    CHECK_EQ(do_req(&vq0, T_DISCARD, 0, &seg, sizeof(seg), 0, 0, 0), 0);
    /* Discard with the unmap flag is not defined: unsupported. */
    seg.flags = 1;
    CHECK_EQ(do_req(&vq0, T_DISCARD, 0, &seg, sizeof(seg), 0, 0, 0), 2);
    putstr("write zeroes, discard ok\n");

    /* Errors: past the end, an unknown type. */
    uint64_t cap = vio_cfg64(b, 0);
    putstr("read past end: status ");
    putu(do_req(&vq0, T_IN, cap, buf, 512, 1, 0, 0));
    putstr(", straddling: status ");
    putu(do_req(&vq0, T_IN, cap - 1, buf, 1024, 1, 0, 0));
    putstr(", unknown type: status ");
    putu(do_req(&vq0, 99, 0, buf, 512, 1, 0, 0));
    putstr("\n");
    /* The image ends up with a marker written last. */
    memset(buf, 0x5a, 512);
    CHECK_EQ(do_req(&vq0, T_OUT, cap - 1, buf, 512, 0, 0, 0), 0);
}

static void test_disk1(ulong b)
{
    long ul;
    uint64_t f = vio_start(b, WANT);
    CHECK(f != ~0ull);
    CHECK(f >> F_RO & 1);
    putstr("disk1 read-only ");
    putu(f >> F_RO & 1);
    putstr(" capacity ");
    putu(vio_cfg64(b, 0));
    putstr("\n");
    CHECK_EQ(vq_init(&vq1, b, 0), 0);
    vio_driver_ok(b);
    CHECK_EQ(do_req(&vq1, T_IN, 1, buf, 512, 1, 0, &ul), 0);
    CHECK(all(buf, 512, 1));
    memset(buf, 0x77, 512);
    putstr("disk1 write: status ");
    putu(do_req(&vq1, T_OUT, 1, buf, 512, 0, 0, 0));
    putstr("\n");
    CHECK_EQ(do_req(&vq1, T_IN, 1, buf, 512, 1, 0, 0), 0);
    CHECK(all(buf, 512, 1));
}

/* Malformed chains on disk 1: each must set NEEDS_RESET; a reset and a
 * new set-up bring the device back. */
static void malformed(ulong b, int which)
{
    struct vq *vq = &vq1;
    vio_start(b, WANT & ~(1ull << VIO_F_EVENT_IDX));
    vq_init(vq, b, 0);
    vio_driver_ok(b);
    hdr.type = T_IN;
    hdr.sector = 0;
    switch (which) {
    case 0: /* a loop: 0 -> 1 -> 0 */
        vq_set(vq->desc, 0, &hdr, sizeof(hdr), 0, 1);
        vq_set(vq->desc, 1, buf, 512, VQ_WRITE, 1);
        vq->desc[1].next = 0;
        break;
    case 1: /* header and status in one readable buffer: no status */
        vq_set(vq->desc, 0, &hdr, sizeof(hdr), 0, 0);
        break;
    case 2: /* next index past the queue */
        vq_set(vq->desc, 0, &hdr, sizeof(hdr), 0, 1);
        vq->desc[0].next = VQ_MAX + 3;
        break;
    case 3: /* an indirect table inside an indirect table */
        vq_set(vq->indirect, 0, &vq->indirect[2], 16, VQ_INDIRECT, 0);
        vq_set(vq->desc, 0, vq->indirect, 16, VQ_INDIRECT, 0);
        break;
    case 4: /* the avail index jumps past the queue size */
        vq_set(vq->desc, 0, &hdr, sizeof(hdr), 0, 0);
        vq->avail.idx = VQ_MAX + 5;
        break;
    }
    vq_kick(vq, 0);
    uint32_t st = vio_wait_status(b, VIO_S_NEEDS_RESET);
    putstr("malformed ");
    putu(which);
    putstr(": needs reset ");
    putu(!!(st & VIO_S_NEEDS_RESET));
    putstr("\n");
    /* Reset, set up again, and a good read works. */
    vio_start(b, WANT);
    vq_init(vq, b, 0);
    vio_driver_ok(b);
    CHECK_EQ(do_req(vq, T_IN, 2, buf, 512, 1, 0, 0), 0);
    CHECK(all(buf, 512, 2));
}

int main(void)
{
    ulong d0 = vio_find(2, 0), d1 = vio_find(2, 1);
    putstr("vblk: disks at ");
    putx(d0);
    putstr(" ");
    putx(d1);
    putstr("\n");
    CHECK(d0 && d1);
    if (!d0 || !d1)
        return check_done("vblk");
    test_disk0(d0);
    test_disk1(d1);
    for (int i = 0; i < 5; i++)
        malformed(d1, i);
    return check_done("vblk");
}
