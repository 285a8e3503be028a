/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the virtio device models (virtio-blk-device,
 * virtio-rng-device, virtio-serial-device, virtio-net-device,
 * virtio-keyboard/-mouse/-tablet-device) and the
 * shared transport and
 * virtqueue code, on a fake core whose guest RAM is a 64 KiB host buffer.
 *
 * Input: byte 0 picks the device; a 2-byte length L and L bytes fill the
 * start of guest RAM (descriptor tables, rings, buffers); the rest is a
 * program of operations: register reads and writes of any offset and
 * size, a well-formed queue set-up (so the fuzzer reaches the virtqueue
 * code quickly), kicks, RAM pokes, console input or network frames from
 * the backend (held, as the core holds them, until the device can take
 * them), input events (key, button, motion), timer expiry, bottom
 * halves, machine resets. Any crash, ASan report, or access the fake core
 * sees outside guest RAM is a failure (abort); hangs are caught by the
 * fuzzer's timeout.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tessera/device.h>

/* The three plugins in one program: rename their descriptors. */
#define tessera_plugin_descriptor fuzz_desc_blk
#include "plugins/devices/virtio/virtio-blk.c"
#undef tessera_plugin_descriptor
#define tessera_plugin_descriptor fuzz_desc_rng
#include "plugins/devices/virtio/virtio-rng.c"
#undef tessera_plugin_descriptor
#define tessera_plugin_descriptor fuzz_desc_serial
#include "plugins/devices/virtio/virtio-serial.c"
#undef tessera_plugin_descriptor
#define tessera_plugin_descriptor fuzz_desc_net
#include "plugins/devices/virtio/virtio-net.c"
#undef tessera_plugin_descriptor
#define tessera_plugin_descriptor fuzz_desc_kbd
#include "plugins/devices/virtio/virtio-keyboard.c"
#undef tessera_plugin_descriptor
#define tessera_plugin_descriptor fuzz_desc_mouse
#include "plugins/devices/virtio/virtio-mouse.c"
#undef tessera_plugin_descriptor
#define tessera_plugin_descriptor fuzz_desc_tablet
#include "plugins/devices/virtio/virtio-tablet.c"
#undef tessera_plugin_descriptor

#define RAM_BASE 0x80000000ull
#define RAM_SIZE 0x10000ull
#define MMIO_BASE 0x10008000ull
#define DISK_SIZE 0x10000ull

/* ---------------------------------------------------------------------- */
/* Fake core                                                               */

static uint8_t *ram;
static uint8_t *disk;
static const TesseraDeviceClass *classes[12];
static unsigned nclasses;
static const TesseraDeviceClass *cur;
static const TesseraMmioOps *mmio_ops;
static void *mmio_opaque;
static int irq_level;
static int (*chr_can_read)(void *);
static void (*chr_receive)(void *, const uint8_t *, size_t);
static void *chr_opaque;
static uint64_t now_ns;
static uint8_t rng_counter;

struct TesseraDevice {
    int unused;
};
struct TesseraIrq {
    int unused;
};
struct TesseraChardev {
    int unused;
};
struct TesseraDrive {
    int unused;
};
struct TesseraRng {
    int unused;
};
struct TesseraNetClient {
    int unused;
};
struct TesseraTimer {
    void (*cb)(void *);
    void *opaque;
    uint64_t expire;
    bool armed;
};
struct TesseraBh {
    void (*cb)(void *);
    void *opaque;
    atomic_bool scheduled;
};

static struct TesseraDevice the_dev;
static struct TesseraIrq the_irq;
static struct TesseraChardev the_chr;
static struct TesseraDrive the_drive;
static struct TesseraRng the_rng;
static struct TesseraTimer *timers[4];
static unsigned ntimers;
static struct TesseraBh *bhs[4];
static unsigned nbhs;

void tessera_error(const char *fmt, ...)
{
    (void)fmt;
}

void tessera_warn(const char *fmt, ...)
{
    (void)fmt;
}

bool tessera_log_enabled(uint32_t mask)
{
    (void)mask;
    return false;
}

void tessera_log(uint32_t mask, const char *fmt, ...)
{
    (void)mask;
    (void)fmt;
}

int tessera_register_device(const TesseraDeviceClass *cls)
{
    if (nclasses < 12)
        classes[nclasses++] = cls;
    return 0;
}

const char *tessera_dev_name(TesseraDevice *dev)
{
    return "fuzz0";
}

const char *tessera_dev_type(TesseraDevice *dev)
{
    return cur->name;
}

uint64_t tessera_dev_prop_u64(TesseraDevice *dev, const char *name)
{
    if (!strcmp(name, "base"))
        return MMIO_BASE;
    if (!strcmp(name, "version"))
        return 2;
    if (!strcmp(name, "logical_block_size"))
        return 512;
    return 0;
}

bool tessera_dev_prop_bool(TesseraDevice *dev, const char *name)
{
    return !strcmp(name, "discard") || !strcmp(name, "write-zeroes");
}

const char *tessera_dev_prop_str(TesseraDevice *dev, const char *name)
{
    if (!strcmp(name, "serial"))
        return "FUZZ-SERIAL-0123456789";
    return "";
}

int tessera_dev_map_mmio(TesseraDevice *dev, uint64_t base, uint64_t size,
                         const TesseraMmioOps *ops, void *opaque)
{
    mmio_ops = ops;
    mmio_opaque = opaque;
    return 0;
}

TesseraIrq *tessera_dev_irq_out(TesseraDevice *dev, const char *name,
                                unsigned index)
{
    return &the_irq;
}

void tessera_irq_set(TesseraIrq *irq, int level)
{
    if (irq)
        irq_level = level;
}

bool tessera_dev_irq_target(TesseraDevice *dev, const char *name,
                            unsigned index, TesseraIrqTarget *t)
{
    return false;
}

uint32_t tessera_dev_phandle(TesseraDevice *dev)
{
    return 1;
}

bool tessera_dma_valid(uint64_t addr, uint64_t len)
{
    return addr >= RAM_BASE && addr - RAM_BASE <= RAM_SIZE &&
           len <= RAM_SIZE - (addr - RAM_BASE);
}

int tessera_dma_read(uint64_t addr, void *buf, uint64_t len)
{
    if (!tessera_dma_valid(addr, len))
        return -1;
    memcpy(buf, ram + (addr - RAM_BASE), len);
    return 0;
}

int tessera_dma_write(uint64_t addr, const void *buf, uint64_t len)
{
    if (!tessera_dma_valid(addr, len))
        return -1;
    memcpy(ram + (addr - RAM_BASE), buf, len);
    return 0;
}

TesseraChardev *tessera_dev_chardev(TesseraDevice *dev, const char *prop)
{
    return &the_chr;
}

void tessera_chr_write(TesseraChardev *chr, const uint8_t *buf, size_t len)
{
    /* Touch every byte: ASan checks the device's buffer. */
    volatile uint8_t x = 0;
    for (size_t i = 0; i < len; i++)
        x ^= buf[i];
    (void)x;
}

void tessera_chr_set_receiver(TesseraChardev *chr, int (*can_read)(void *),
                              void (*receive)(void *, const uint8_t *,
                                              size_t),
                              void *opaque)
{
    chr_can_read = can_read;
    chr_receive = receive;
    chr_opaque = opaque;
}

static void chr_deliver(const uint8_t *p, size_t len)
{
    while (len && chr_can_read) {
        int n = chr_can_read(chr_opaque);
        if (n <= 0)
            return;
        size_t k = (size_t)n < len ? (size_t)n : len;
        chr_receive(chr_opaque, p, k);
        p += k;
        len -= k;
    }
}

void tessera_chr_accept_input(TesseraChardev *chr)
{
}

uint64_t tessera_clock_ns(void)
{
    return now_ns;
}

TesseraTimer *tessera_timer_new(void (*cb)(void *), void *opaque)
{
    TesseraTimer *t = calloc(1, sizeof(*t));
    t->cb = cb;
    t->opaque = opaque;
    if (ntimers < 4)
        timers[ntimers++] = t;
    return t;
}

void tessera_timer_mod(TesseraTimer *t, uint64_t expire)
{
    t->expire = expire;
    t->armed = true;
}

void tessera_timer_del(TesseraTimer *t)
{
    t->armed = false;
}

void tessera_timer_free(TesseraTimer *t)
{
    for (unsigned i = 0; i < ntimers; i++)
        if (timers[i] == t)
            timers[i] = timers[--ntimers];
    free(t);
}

static void run_timers(void)
{
    for (unsigned i = 0; i < ntimers; i++)
        if (timers[i]->armed && timers[i]->expire <= now_ns) {
            timers[i]->armed = false;
            timers[i]->cb(timers[i]->opaque);
        }
}

TesseraBh *tessera_bh_new(void (*cb)(void *), void *opaque)
{
    TesseraBh *bh = calloc(1, sizeof(*bh));
    bh->cb = cb;
    bh->opaque = opaque;
    if (nbhs < 4)
        bhs[nbhs++] = bh;
    return bh;
}

void tessera_bh_schedule(TesseraBh *bh)
{
    atomic_store(&bh->scheduled, true);
}

void tessera_bh_work_begin(TesseraBh *bh)
{
}

void tessera_bh_work_end(TesseraBh *bh)
{
}

void tessera_bh_free(TesseraBh *bh)
{
    for (unsigned i = 0; i < nbhs; i++)
        if (bhs[i] == bh)
            bhs[i] = bhs[--nbhs];
    free(bh);
}

static void run_bhs(void)
{
    for (unsigned i = 0; i < nbhs; i++)
        if (atomic_exchange(&bhs[i]->scheduled, false))
            bhs[i]->cb(bhs[i]->opaque);
}

TesseraDrive *tessera_dev_drive(TesseraDevice *dev, const char *prop)
{
    return &the_drive;
}

uint64_t tessera_drive_size(TesseraDrive *d)
{
    return DISK_SIZE;
}

bool tessera_drive_readonly(TesseraDrive *d)
{
    return false;
}

static void disk_check(uint64_t off, uint64_t len)
{
    if (off > DISK_SIZE || len > DISK_SIZE - off) {
        fprintf(stderr, "drive access outside the disk: %llu+%llu\n",
                (unsigned long long)off, (unsigned long long)len);
        abort();
    }
}

int tessera_drive_read(TesseraDrive *d, uint64_t off, void *buf, size_t len)
{
    disk_check(off, len);
    memcpy(buf, disk + off, len);
    return 0;
}

int tessera_drive_write(TesseraDrive *d, uint64_t off, const void *buf,
                        size_t len)
{
    disk_check(off, len);
    memcpy(disk + off, buf, len);
    return 0;
}

int tessera_drive_write_zeroes(TesseraDrive *d, uint64_t off, uint64_t len,
                               bool may_unmap)
{
    disk_check(off, len);
    memset(disk + off, 0, len);
    return 0;
}

int tessera_drive_discard(TesseraDrive *d, uint64_t off, uint64_t len)
{
    disk_check(off, len);
    return 0;
}

int tessera_drive_flush(TesseraDrive *d)
{
    return 0;
}

const char *tessera_drive_error(TesseraDrive *d)
{
    return "fuzz";
}

TesseraRng *tessera_rng_find(const char *id)
{
    return &the_rng;
}

long tessera_rng_read(TesseraRng *rng, void *buf, size_t len)
{
    /* Sometimes nothing, to exercise the retry path. */
    if (++rng_counter % 5 == 0)
        return 0;
    memset(buf, rng_counter, len);
    return (long)len;
}

static struct TesseraNetClient the_nc;
static TesseraNetOps net_fops;
static void *net_opaque;
static uint8_t held[2048]; /* a frame the device could not take yet */
static size_t held_len;

TesseraNetClient *tessera_net_attach(TesseraDevice *dev, const char *prop,
                                     const TesseraNetOps *ops, void *opaque)
{
    net_fops = *ops;
    net_opaque = opaque;
    return &the_nc;
}

int tessera_net_send(TesseraNetClient *nc, const uint8_t *frame, size_t len)
{
    if (!len || len > TESSERA_NET_MAX_FRAME)
        abort(); /* the device checks lengths itself */
    volatile uint8_t x = 0;
    for (size_t i = 0; i < len; i++)
        x ^= frame[i];
    (void)x;
    return 0;
}

/* Offers the held frame, as the core does. */
static void net_offer(void)
{
    if (held_len && net_fops.can_receive(net_opaque) &&
        net_fops.receive(net_opaque, held, held_len))
        held_len = 0;
}

void tessera_net_rx_ready(TesseraNetClient *nc)
{
    net_offer();
}

int tessera_net_mac(TesseraDevice *dev, const char *prop, uint8_t mac[6])
{
    static const uint8_t m[6] = {0x52, 0x54, 0, 0x12, 0x34, 0x56};
    memcpy(mac, m, 6);
    return 0;
}

const char *tessera_net_id(TesseraNetClient *nc)
{
    return "n0";
}

struct TesseraInputHandle {
    TesseraInputHandler handler;
    void *opaque;
};
static struct TesseraInputHandle the_input;

TesseraInputHandle *tessera_input_register(TesseraDevice *dev,
                                           unsigned kinds,
                                           TesseraInputHandler handler,
                                           void *opaque)
{
    the_input.handler = handler;
    the_input.opaque = opaque;
    return &the_input;
}

void tessera_input_activate(TesseraInputHandle *h)
{
}

void tessera_input_unregister(TesseraInputHandle *h)
{
    if (h)
        h->handler = NULL;
}

/* A group of events from the host, as the core sends them. */
static void input_deliver(const uint8_t *b, unsigned n)
{
    for (unsigned i = 0; i < n && the_input.handler; i++) {
        static const uint16_t types[4] = {TESSERA_EV_KEY, TESSERA_EV_REL,
                                          TESSERA_EV_ABS, TESSERA_EV_KEY};
        TesseraInputEvent ev = {types[b[i] & 3], (uint16_t)(b[i] >> 2),
                                (int32_t)b[i] - 100};
        the_input.handler(the_input.opaque, &ev);
    }
    if (the_input.handler) {
        TesseraInputEvent syn = {TESSERA_EV_SYN, 0, 0};
        the_input.handler(the_input.opaque, &syn);
    }
}

/* ---------------------------------------------------------------------- */
/* The program                                                             */

typedef struct Input {
    const uint8_t *p;
    size_t n;
} Input;

static unsigned take(Input *in, unsigned bytes)
{
    unsigned v = 0;
    for (unsigned i = 0; i < bytes; i++) {
        v = v << 8 | (in->n ? *in->p : 0);
        if (in->n) {
            in->p++;
            in->n--;
        }
    }
    return v;
}

static void mmio_w(uint64_t off, uint32_t v)
{
    mmio_ops->write(mmio_opaque, off, v, 4);
}

/* A well-formed set-up of queue q: 8 entries in RAM at a place chosen by
 * the input, all features the device offers, DRIVER_OK. */
static void setup_queue(unsigned q, unsigned where)
{
    uint64_t base = RAM_BASE + (where & 0xf) * 0x1000;
    /* A running device keeps its other queues. */
    if ((mmio_ops->read(mmio_opaque, 0x070, 4) & 0x4f) != 0xf) {
        mmio_w(0x070, 0);
        mmio_w(0x070, 3);
        for (unsigned sel = 0; sel < 2; sel++) {
            mmio_w(0x014, sel);
            uint32_t f = (uint32_t)mmio_ops->read(mmio_opaque, 0x010, 4);
            mmio_w(0x024, sel);
            mmio_w(0x020, f);
        }
        mmio_w(0x070, 0xb);
    }
    mmio_w(0x030, q);
    mmio_w(0x038, 8);
    mmio_w(0x080, (uint32_t)base);
    mmio_w(0x084, (uint32_t)(base >> 32));
    mmio_w(0x090, (uint32_t)(base + 0x100));
    mmio_w(0x094, 0);
    mmio_w(0x0a0, (uint32_t)(base + 0x200));
    mmio_w(0x0a4, 0);
    mmio_w(0x044, 1);
    mmio_w(0x070, 0xf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool inited;
    if (!inited) {
        fuzz_desc_blk.init();
        fuzz_desc_rng.init();
        fuzz_desc_serial.init();
        fuzz_desc_net.init();
        fuzz_desc_kbd.init();
        fuzz_desc_mouse.init();
        fuzz_desc_tablet.init();
        inited = true;
    }
    if (size < 1)
        return 0;
    Input in = {data + 1, size - 1};
    cur = classes[data[0] % nclasses];

    ram = calloc(1, RAM_SIZE);
    disk = calloc(1, DISK_SIZE);
    /* RAM: a 2-byte length, then that many bytes at its start. */
    size_t fill = take(&in, 2) % 0x2000;
    if (fill > in.n)
        fill = in.n;
    memcpy(ram, in.p, fill);
    in.p += fill;
    in.n -= fill;
    now_ns = 0;
    irq_level = 0;
    chr_can_read = NULL;
    net_fops.can_receive = NULL;
    held_len = 0;
    the_input.handler = NULL;

    void *state = calloc(1, cur->state_size);
    if (cur->realize(&the_dev, state) == 0) {
        if (cur->reset)
            cur->reset(&the_dev, state);
        for (unsigned steps = 0; in.n && steps < 4096; steps++) {
            unsigned op = take(&in, 1);
            switch (op % 10) {
            case 0: { /* register write, any offset and size */
                unsigned off = take(&in, 2) & 0x1ff;
                uint32_t v = take(&in, 4);
                unsigned sz = 1u << (take(&in, 1) % 3);
                mmio_ops->write(mmio_opaque, off, v, sz);
                break;
            }
            case 1: {
                unsigned off = take(&in, 2) & 0x1ff;
                unsigned sz = 1u << (take(&in, 1) % 3);
                (void)mmio_ops->read(mmio_opaque, off, sz);
                break;
            }
            case 2:
                setup_queue(take(&in, 1) % 3, take(&in, 1));
                break;
            case 3: /* kick */
                mmio_w(0x050, take(&in, 1) % 4);
                break;
            case 4: { /* poke 8 bytes of RAM */
                unsigned off = take(&in, 2) % (RAM_SIZE - 8);
                for (int i = 0; i < 8; i++)
                    ram[off + i] = (uint8_t)take(&in, 1);
                break;
            }
            case 5: { /* console input */
                uint8_t buf[16] = {0};
                unsigned n = take(&in, 1) % 16;
                for (unsigned i = 0; i < n; i++)
                    buf[i] = (uint8_t)take(&in, 1);
                chr_deliver(buf, n);
                input_deliver(buf, n);
                if (net_fops.can_receive && !held_len) {
                    /* a frame of up to 2 KiB, the bytes repeating */
                    held_len = 1 + take(&in, 1) * 8;
                    for (size_t i = 0; i < held_len; i++)
                        held[i] = buf[i % 16];
                    net_offer();
                }
                break;
            }
            case 6:
                now_ns += 2000000;
                run_timers();
                break;
            case 7:
                run_bhs();
                break;
            case 8:
                if (cur->reset)
                    cur->reset(&the_dev, state);
                break;
            case 9: /* ack interrupts */
                mmio_w(0x064, 3);
                break;
            }
        }
        run_bhs();
    }
    if (cur->finalize)
        cur->finalize(&the_dev, state);
    run_bhs(); /* nothing may be left that touches freed state */
    for (unsigned i = 0; i < nbhs; i++)
        free(bhs[i]);
    nbhs = 0;
    for (unsigned i = 0; i < ntimers; i++)
        free(timers[i]);
    ntimers = 0;
    free(state);
    free(ram);
    free(disk);
    return 0;
}
