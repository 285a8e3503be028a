/* SPDX-License-Identifier: MIT */
/*
 * SiFive CLINT: per-hart software interrupt bits (msip) and machine timer
 * compare registers (mtimecmp), plus the shared mtime counter. mtime is
 * derived from the virtual clock, so it costs nothing while nobody looks;
 * each hart has one virtual-clock timer, armed for the instant mtime
 * reaches its mtimecmp, to raise MTIP exactly then.
 */
#include <inttypes.h>
#include <stdlib.h>

#include <tessera/device.h>

#include "riscv-fdt.h"

#define CLINT_SIZE 0x10000
#define CLINT_MSIP 0x0000     /* 4 bytes per hart */
#define CLINT_MTIMECMP 0x4000 /* 8 bytes per hart */
#define CLINT_MTIME 0xbff8
#define CLINT_MAX_HARTS 4095  /* mtimecmp runs into mtime after that */

#define NS_PER_SEC 1000000000ull

typedef struct Clint Clint;

typedef struct ClintHart {
    Clint *clint;
    unsigned index;
    uint32_t msip;
    uint64_t mtimecmp;
    TesseraTimer *timer;
    TesseraIrq *msip_irq;
    TesseraIrq *mtip_irq;
} ClintHart;

struct Clint {
    TesseraDevice *dev;
    uint64_t freq;        /* mtime ticks per second */
    uint64_t mtime_delta; /* added to the clock-derived count (guest writes) */
    unsigned nharts;
    ClintHart *harts;
};

/* ---------------------------------------------------------------------- */
/* Time                                                                    */

/*
 * ns * freq / 1e9 without a 128-bit product: split ns into whole seconds
 * and the rest. Exact for any freq below 18 GHz.
 */
static uint64_t clint_ns_to_ticks(uint64_t freq, uint64_t ns)
{
    return (ns / NS_PER_SEC) * freq + (ns % NS_PER_SEC) * freq / NS_PER_SEC;
}

/*
 * The first virtual time at which clint_ns_to_ticks() reaches ticks, or
 * UINT64_MAX when that lies beyond the clock's range.
 */
static uint64_t clint_ticks_to_ns(uint64_t freq, uint64_t ticks)
{
    uint64_t secs = ticks / freq, rest = ticks % freq;

    if (secs >= UINT64_MAX / NS_PER_SEC - 1)
        return UINT64_MAX;
    return secs * NS_PER_SEC + (rest * NS_PER_SEC + freq - 1) / freq;
}

static uint64_t clint_raw_ticks(const Clint *c)
{
    return clint_ns_to_ticks(c->freq, tessera_clock_ns());
}

static uint64_t clint_mtime(const Clint *c)
{
    return clint_raw_ticks(c) + c->mtime_delta;
}

/* Sets MTIP from mtime and mtimecmp, and arms the timer for the rise. */
static void clint_update_timer(ClintHart *h)
{
    Clint *c = h->clint;
    uint64_t now = clint_mtime(c);

    if (now >= h->mtimecmp) {
        tessera_timer_del(h->timer);
        tessera_irq_set(h->mtip_irq, 1);
        return;
    }
    tessera_irq_set(h->mtip_irq, 0);
    /* mtime counts up to mtimecmp without wrapping: wait for the gap. */
    uint64_t raw = clint_raw_ticks(c);
    uint64_t target = raw + (h->mtimecmp - now);
    if (target < raw) {
        tessera_timer_del(h->timer);
        return;
    }
    uint64_t ns = clint_ticks_to_ns(c->freq, target);
    if (ns == UINT64_MAX)
        tessera_timer_del(h->timer);
    else
        tessera_timer_mod(h->timer, ns);
}

static void clint_timer_cb(void *opaque)
{
    clint_update_timer(opaque);
}

static void clint_update_all(Clint *c)
{
    for (unsigned i = 0; i < c->nharts; i++)
        clint_update_timer(&c->harts[i]);
}

/* ---------------------------------------------------------------------- */
/* Registers                                                               */

/* Replaces the bytes of a 64-bit register that a 4- or 8-byte write hits. */
static uint64_t clint_merge(uint64_t old, uint64_t offset, uint64_t value,
                            unsigned size)
{
    if (size == 8)
        return value;
    if (offset & 4)
        return (old & 0xffffffffull) | (value << 32);
    return (old & ~0xffffffffull) | (value & 0xffffffffull);
}

static uint64_t clint_pick(uint64_t reg, uint64_t offset, unsigned size)
{
    if (size == 8)
        return reg;
    return (offset & 4) ? reg >> 32 : reg & 0xffffffffull;
}

static void clint_bad_access(Clint *c, const char *what, uint64_t offset,
                             unsigned size)
{
    tessera_log(TESSERA_LOG_GUEST_ERRORS,
                "%s: %s of %u bytes at offset 0x%" PRIx64 " ignored\n",
                tessera_dev_name(c->dev), what, size, offset);
}

static uint64_t clint_read(void *opaque, uint64_t offset, unsigned size)
{
    Clint *c = opaque;

    if (offset & (size - 1)) {
        clint_bad_access(c, "misaligned read", offset, size);
        return 0;
    }
    if (offset < CLINT_MTIMECMP) {
        uint64_t i = offset / 4;
        uint64_t v = i < c->nharts ? c->harts[i].msip : 0;
        if (size == 8 && i + 1 < c->nharts)
            v |= (uint64_t)c->harts[i + 1].msip << 32;
        return v;
    }
    if (offset >= CLINT_MTIME)
        return clint_pick(clint_mtime(c), offset - CLINT_MTIME, size);
    uint64_t i = (offset - CLINT_MTIMECMP) / 8;
    if (i < c->nharts)
        return clint_pick(c->harts[i].mtimecmp, offset, size);
    return 0;
}

static void clint_write_msip(Clint *c, uint64_t i, uint32_t v)
{
    if (i >= c->nharts)
        return;
    c->harts[i].msip = v & 1;
    tessera_irq_set(c->harts[i].msip_irq, v & 1);
}

static void clint_write(void *opaque, uint64_t offset, uint64_t value,
                        unsigned size)
{
    Clint *c = opaque;

    if (offset & (size - 1)) {
        clint_bad_access(c, "misaligned write", offset, size);
        return;
    }
    if (offset < CLINT_MTIMECMP) {
        clint_write_msip(c, offset / 4, (uint32_t)value);
        if (size == 8)
            clint_write_msip(c, offset / 4 + 1, (uint32_t)(value >> 32));
        return;
    }
    if (offset >= CLINT_MTIME) {
        uint64_t mtime = clint_merge(clint_mtime(c), offset - CLINT_MTIME,
                                     value, size);
        c->mtime_delta = mtime - clint_raw_ticks(c);
        clint_update_all(c);
        return;
    }
    uint64_t i = (offset - CLINT_MTIMECMP) / 8;
    if (i >= c->nharts) {
        clint_bad_access(c, "write to a missing hart's mtimecmp", offset,
                         size);
        return;
    }
    ClintHart *h = &c->harts[i];
    h->mtimecmp = clint_merge(h->mtimecmp, offset, value, size);
    clint_update_timer(h);
}

static const TesseraMmioOps clint_ops = {
    .read = clint_read,
    .write = clint_write,
    .min_access = 4,
    .max_access = 8,
};

/* ---------------------------------------------------------------------- */
/* Class                                                                   */

static int clint_realize(TesseraDevice *dev, void *state)
{
    Clint *c = state;

    c->dev = dev;
    c->freq = tessera_dev_prop_u64(dev, "timebase-frequency");
    c->nharts = tessera_cpu_count();
    if (c->freq == 0 || c->freq > 10 * NS_PER_SEC) {
        tessera_error("%s: timebase-frequency %" PRIu64
                      " is out of range (1 Hz to 10 GHz)",
                      tessera_dev_name(dev), c->freq);
        return -1;
    }
    if (c->nharts > CLINT_MAX_HARTS) {
        tessera_error("%s: %u CPUs, but a CLINT serves at most %u",
                      tessera_dev_name(dev), c->nharts, CLINT_MAX_HARTS);
        return -1;
    }
    c->harts = calloc(c->nharts ? c->nharts : 1, sizeof(*c->harts));
    if (!c->harts) {
        tessera_error("%s: out of memory", tessera_dev_name(dev));
        return -1;
    }
    for (unsigned i = 0; i < c->nharts; i++) {
        ClintHart *h = &c->harts[i];
        h->clint = c;
        h->index = i;
        h->timer = tessera_timer_new(clint_timer_cb, h);
    }
    return tessera_dev_map_mmio(dev, tessera_dev_prop_u64(dev, "base"),
                                CLINT_SIZE, &clint_ops, c);
}

static void clint_reset(TesseraDevice *dev, void *state)
{
    Clint *c = state;

    c->mtime_delta = 0;
    for (unsigned i = 0; i < c->nharts; i++) {
        ClintHart *h = &c->harts[i];
        /* IRQ lines are wired after realize: look them up here. */
        h->msip_irq = tessera_dev_irq_out(dev, "msip", i);
        h->mtip_irq = tessera_dev_irq_out(dev, "mtip", i);
        h->msip = 0;
        tessera_irq_set(h->msip_irq, 0);
        /* As on QEMU's virt board: mtimecmp 0, so MTIP is up at reset. */
        h->mtimecmp = 0;
        clint_update_timer(h);
    }
}

/*
 * The ACLINT spec splits the CLINT into an MSWI device (the msip words) and
 * an MTIMER device (mtimecmp array and mtime) with the same registers at
 * the same offsets, so "aclint = on" only changes how the tree names them.
 */
static int clint_fdt_aclint(TesseraDevice *dev, void *fdt, int parent,
                            uint64_t base)
{
    static const char *const msip[] = {"msip", NULL};
    static const char *const mtip[] = {"mtip", NULL};
    int node, r;

    if ((node = riscv_fdt_node(fdt, parent, "mswi", base)) < 0)
        return node;
    if ((r = fdt_setprop_u32(fdt, node, "#interrupt-cells", 0)) < 0 ||
        (r = fdt_setprop(fdt, node, "interrupt-controller", NULL, 0)) < 0 ||
        (r = riscv_fdt_irqs_extended(dev, fdt, node, msip)) < 0 ||
        (r = riscv_fdt_reg(fdt, node, base + CLINT_MSIP,
                           CLINT_MTIMECMP - CLINT_MSIP)) < 0 ||
        (r = fdt_setprop_string(fdt, node, "compatible",
                                "riscv,aclint-mswi")) < 0)
        return r;
    parent = fdt_parent_offset(fdt, node);
    if ((node = riscv_fdt_node(fdt, parent, "mtimer",
                               base + CLINT_MTIMECMP)) < 0)
        return node;
    /* mtime first, then the mtimecmp array, as the binding orders them. */
    if ((r = riscv_fdt_irqs_extended(dev, fdt, node, mtip)) < 0 ||
        (r = riscv_fdt_reg(fdt, node, base + CLINT_MTIME, 8)) < 0 ||
        (r = fdt_appendprop_u64(fdt, node, "reg", base + CLINT_MTIMECMP)) < 0 ||
        (r = fdt_appendprop_u64(fdt, node, "reg",
                                CLINT_MTIME - CLINT_MTIMECMP)) < 0 ||
        (r = fdt_setprop_string(fdt, node, "compatible",
                                "riscv,aclint-mtimer")) < 0)
        return r;
    return 0;
}

/* The node OpenSBI and Linux know as the SiFive CLINT (ACLINT-compatible). */
static int clint_fdt_node(TesseraDevice *dev, void *state, void *fdt,
                          int parent)
{
    static const char compat[] = "sifive,clint0\0riscv,clint0";
    static const char *const irqs[] = {"msip", "mtip", NULL};
    uint64_t base = tessera_dev_prop_u64(dev, "base");

    (void)state;
    if (tessera_dev_prop_bool(dev, "aclint"))
        return clint_fdt_aclint(dev, fdt, parent, base);
    int node = riscv_fdt_node(fdt, parent, "clint", base), r;
    if (node < 0)
        return node;
    if ((r = riscv_fdt_irqs_extended(dev, fdt, node, irqs)) < 0 ||
        (r = riscv_fdt_reg(fdt, node, base, CLINT_SIZE)) < 0 ||
        (r = fdt_setprop(fdt, node, "compatible", compat, sizeof(compat))) < 0)
        return r;
    return 0;
}

static void clint_finalize(TesseraDevice *dev, void *state)
{
    Clint *c = state;

    for (unsigned i = 0; c->harts && i < c->nharts; i++)
        tessera_timer_free(c->harts[i].timer);
    free(c->harts);
}

static const TesseraProp clint_props[] = {
    {"base", TESSERA_PROP_U64, NULL, "MMIO base address"},
    {"timebase-frequency", TESSERA_PROP_FREQ, "10000000",
     "mtime ticks per second"},
    {"msip", TESSERA_PROP_IRQ, "", "software interrupt, one per hart"},
    {"mtip", TESSERA_PROP_IRQ, "", "timer interrupt, one per hart"},
    {"aclint", TESSERA_PROP_BOOL, "off",
     "describe it as ACLINT MSWI + MTIMER in the device tree"},
    {NULL, 0, NULL, NULL},
};

static const TesseraDeviceClass clint_class = {
    .name = "clint",
    .description = "SiFive CLINT: machine timer and software interrupts",
    .props = clint_props,
    .state_size = sizeof(Clint),
    .realize = clint_realize,
    .reset = clint_reset,
    .fdt_node = clint_fdt_node,
    .finalize = clint_finalize,
    .mmio_help =
        "0x10000 bytes at base (msip at +0, mtimecmp at +0x4000, mtime at "
        "+0xbff8)",
};

static int clint_init(void)
{
    return tessera_register_device(&clint_class);
}

TESSERA_PLUGIN(TESSERA_PLUGIN_DEVICE, "clint", "0.1.0", clint_init);
