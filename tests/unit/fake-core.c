/* SPDX-License-Identifier: MIT */
#include "tests/unit/fake-core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

FakeCore fake;

/* The one device instance and its single chardev; handles are dummies. */
static int fake_dev_token, fake_chr_token;
#define FAKE_DEV ((TesseraDevice *)&fake_dev_token)
#define FAKE_CHR ((TesseraChardev *)&fake_chr_token)

struct TesseraTimer {
    void (*cb)(void *);
    void *opaque;
    bool armed;
    uint64_t expire;
};
static TesseraTimer fake_timers[64];
static unsigned fake_ntimers;

/* IRQ handles encode (property, index) as a pointer into this array. */
static int fake_irq_handles[2][FAKE_MAX_IRQS];

void fake_reset(void)
{
    const TesseraDeviceClass *cls = fake.cls;

    memset(&fake, 0, sizeof(fake));
    memset(fake_timers, 0, sizeof(fake_timers));
    fake_ntimers = 0;
    fake.cls = cls;
    fake.ncpus = 1;
    fake.exit_status = -1;
    fake.has_chardev = true;
    for (int p = 0; p < 2; p++)
        for (int i = 0; i < FAKE_MAX_IRQS; i++)
            fake.irq_level[p][i] = -1; /* never set */
}

int fake_realize(void **state)
{
    *state = calloc(1, fake.cls->state_size);
    return fake.cls->realize(FAKE_DEV, *state);
}

void fake_dev_reset(void *state)
{
    if (fake.cls->reset)
        fake.cls->reset(FAKE_DEV, state);
}

static FakeRegion *fake_region(uint64_t addr, unsigned size)
{
    for (unsigned i = 0; i < fake.nregions; i++) {
        FakeRegion *r = &fake.regions[i];
        if (addr >= r->base && addr - r->base + size <= r->size)
            return r;
    }
    fprintf(stderr, "fake core: no region at 0x%llx\n",
            (unsigned long long)addr);
    abort();
}

uint64_t fake_read(uint64_t addr, unsigned size)
{
    FakeRegion *r = fake_region(addr, size);
    return r->ops->read(r->opaque, addr - r->base, size);
}

void fake_write(uint64_t addr, uint64_t value, unsigned size)
{
    FakeRegion *r = fake_region(addr, size);
    r->ops->write(r->opaque, addr - r->base, value, size);
}

static void fake_deliver(void)
{
    while (fake.in_len && fake.receive) {
        int n = fake.can_read ? fake.can_read(fake.rx_opaque) : 1;
        if (n <= 0)
            return;
        size_t m = (size_t)n < fake.in_len ? (size_t)n : fake.in_len;
        uint8_t tmp[256];
        memcpy(tmp, fake.in, m);
        memmove(fake.in, fake.in + m, fake.in_len - m);
        fake.in_len -= m;
        fake.receive(fake.rx_opaque, tmp, m);
    }
}

void fake_input(const char *bytes, size_t len)
{
    memcpy(fake.in + fake.in_len, bytes, len);
    fake.in_len += len;
    fake_deliver();
}

void fake_advance(uint64_t ns)
{
    uint64_t end = fake.now_ns + ns;

    for (;;) {
        TesseraTimer *next = NULL;
        for (unsigned i = 0; i < fake_ntimers; i++) {
            TesseraTimer *t = &fake_timers[i];
            if (t->armed && t->expire <= end &&
                (!next || t->expire < next->expire))
                next = t;
        }
        if (!next)
            break;
        if (next->expire > fake.now_ns)
            fake.now_ns = next->expire;
        next->armed = false;
        next->cb(next->opaque);
    }
    fake.now_ns = end;
}

/* ---------------------------------------------------------------------- */
/* The API the plugin calls                                                */

static const char *fake_prop(const char *name)
{
    for (const char *const *p = fake.props; p && *p; p += 2)
        if (!strcmp(p[0], name))
            return p[1];
    for (const TesseraProp *p = fake.cls->props; p->name; p++)
        if (!strcmp(p->name, name))
            return p->default_value;
    fprintf(stderr, "fake core: undeclared property '%s'\n", name);
    abort();
}

uint64_t tessera_dev_prop_u64(TesseraDevice *dev, const char *name)
{
    const char *v = fake_prop(name);
    return v ? strtoull(v, NULL, 0) : 0;
}

bool tessera_dev_prop_bool(TesseraDevice *dev, const char *name)
{
    const char *v = fake_prop(name);
    return v && (!strcmp(v, "on") || !strcmp(v, "true") || !strcmp(v, "1"));
}

const char *tessera_dev_prop_str(TesseraDevice *dev, const char *name)
{
    return fake_prop(name);
}

const char *tessera_dev_name(TesseraDevice *dev)
{
    return "dut";
}

const char *tessera_dev_type(TesseraDevice *dev)
{
    return fake.cls->name;
}

void *tessera_dev_state(TesseraDevice *dev)
{
    return NULL;
}

unsigned tessera_cpu_count(void)
{
    return fake.ncpus;
}

int tessera_dev_map_mmio(TesseraDevice *dev, uint64_t base, uint64_t size,
                         const TesseraMmioOps *ops, void *opaque)
{
    if (fake.nregions == FAKE_MAX_REGIONS)
        return -1;
    fake.regions[fake.nregions++] = (FakeRegion){base, size, ops, opaque};
    return 0;
}

static int fake_irq_prop(const char *name)
{
    for (int p = 0; p < 2; p++) {
        if (fake.irq_names[p] && !strcmp(fake.irq_names[p], name))
            return p;
    }
    return -1;
}

TesseraIrq *tessera_dev_irq_out(TesseraDevice *dev, const char *name,
                                unsigned index)
{
    int p = fake_irq_prop(name);
    if (p < 0 || index >= FAKE_MAX_IRQS)
        return NULL;
    return (TesseraIrq *)&fake_irq_handles[p][index];
}

unsigned tessera_dev_irq_out_count(TesseraDevice *dev, const char *name)
{
    return fake_irq_prop(name) < 0 ? 0 : FAKE_MAX_IRQS;
}

void tessera_irq_set(TesseraIrq *irq, int level)
{
    if (!irq)
        return;
    int *h = (int *)irq;
    size_t idx = (size_t)(h - &fake_irq_handles[0][0]);
    fake.irq_level[idx / FAKE_MAX_IRQS][idx % FAKE_MAX_IRQS] = level != 0;
}

void tessera_dev_irq_inputs(TesseraDevice *dev, unsigned count,
                            TesseraIrqHandler handler, void *opaque)
{
}

TesseraChardev *tessera_dev_chardev(TesseraDevice *dev, const char *prop)
{
    return fake.has_chardev ? FAKE_CHR : NULL;
}

void tessera_chr_write(TesseraChardev *chr, const uint8_t *buf, size_t len)
{
    if (!chr)
        return;
    memcpy(fake.out + fake.out_len, buf, len);
    fake.out_len += len;
}

void tessera_chr_set_receiver(TesseraChardev *chr,
                              int (*can_read)(void *opaque),
                              void (*receive)(void *opaque, const uint8_t *buf,
                                              size_t len),
                              void *opaque)
{
    if (!chr)
        return;
    fake.can_read = can_read;
    fake.receive = receive;
    fake.rx_opaque = opaque;
}

void tessera_chr_accept_input(TesseraChardev *chr)
{
    if (chr)
        fake_deliver();
}

uint64_t tessera_clock_ns(void)
{
    return fake.now_ns;
}

TesseraTimer *tessera_timer_new(void (*cb)(void *opaque), void *opaque)
{
    TesseraTimer *t = &fake_timers[fake_ntimers++];
    t->cb = cb;
    t->opaque = opaque;
    return t;
}

void tessera_timer_mod(TesseraTimer *t, uint64_t expire_ns)
{
    t->armed = true;
    t->expire = expire_ns;
}

void tessera_timer_del(TesseraTimer *t)
{
    t->armed = false;
}

void tessera_timer_free(TesseraTimer *t)
{
    t->armed = false; /* timers live in a static array */
}

int tessera_phys_read(uint64_t addr, void *buf, uint64_t len)
{
    if (addr < fake.ram_base || addr - fake.ram_base > sizeof(fake.ram) ||
        len > sizeof(fake.ram) - (addr - fake.ram_base))
        return -1;
    memcpy(buf, fake.ram + (addr - fake.ram_base), len);
    return 0;
}

int tessera_phys_write(uint64_t addr, const void *buf, uint64_t len)
{
    if (addr < fake.ram_base || addr - fake.ram_base > sizeof(fake.ram) ||
        len > sizeof(fake.ram) - (addr - fake.ram_base))
        return -1;
    memcpy(fake.ram + (addr - fake.ram_base), buf, len);
    return 0;
}

void tessera_request_exit(int status)
{
    if (fake.exit_status < 0)
        fake.exit_status = status;
}

void tessera_request_reset(void)
{
    fake.resets++;
}

bool tessera_symbol_lookup(const char *name, uint64_t *value)
{
    for (const char *const *p = fake.symbols; p && *p; p += 2) {
        if (!strcmp(p[0], name)) {
            *value = strtoull(p[1], NULL, 0);
            return true;
        }
    }
    return false;
}

int tessera_register_device(const TesseraDeviceClass *cls)
{
    fake.cls = cls;
    return 0;
}

void tessera_error(const char *fmt, ...)
{
    fake.errors++;
}

void tessera_warn(const char *fmt, ...)
{
}

bool tessera_log_enabled(uint32_t mask)
{
    return false;
}

void tessera_log(uint32_t mask, const char *fmt, ...)
{
}

/* Device-tree helpers (ABI 1.1): the fake machine wires nothing to fdt. */
uint32_t tessera_dev_phandle(TesseraDevice *dev)
{
    return 1;
}

uint32_t tessera_cpu_intc_phandle(unsigned cpu)
{
    return 2 + cpu;
}

bool tessera_dev_irq_target(TesseraDevice *dev, const char *name,
                            unsigned index, TesseraIrqTarget *t)
{
    return false;
}
