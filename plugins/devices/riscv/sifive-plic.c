/* SPDX-License-Identifier: MIT */
/*
 * SiFive PLIC (RISC-V platform-level interrupt controller): level-sensitive
 * sources 1..num-sources with a priority each, and contexts (one M and one
 * S per hart on the virt board) with an enable bit per source, a priority
 * threshold and a claim/complete register. A context's output is up while
 * some enabled pending source has a priority above its threshold.
 *
 * Register map (sifive,plic-1.0.0): priorities at 0x0 (4 bytes per
 * source), pending bits at 0x1000, enable bits at 0x2000 + 0x80 * context,
 * threshold at 0x200000 + 0x1000 * context and claim/complete 4 bytes
 * after it.
 */
#include <inttypes.h>
#include <stdlib.h>

#include <tessera/device.h>

#include "riscv-fdt.h"

#define PLIC_PENDING 0x1000
#define PLIC_ENABLE 0x2000
#define PLIC_ENABLE_STRIDE 0x80
#define PLIC_CONTEXT 0x200000
#define PLIC_CONTEXT_STRIDE 0x1000
#define PLIC_MAX_SOURCES 1023
#define PLIC_MAX_CONTEXTS 15872
#define PLIC_WORDS ((PLIC_MAX_SOURCES + 1) / 32)

typedef struct PlicContext {
    uint32_t enable[PLIC_WORDS];
    uint32_t threshold;
    TesseraIrq *out;
    int level;
} PlicContext;

typedef struct Plic {
    TesseraDevice *dev;
    unsigned nsources;   /* valid source ids are 1..nsources */
    uint32_t prio_mask;  /* implemented priority bits */
    unsigned ncontexts;
    uint32_t *priority;  /* by source id */
    uint32_t pending[PLIC_WORDS];
    uint32_t claimed[PLIC_WORDS]; /* in service: the gateway holds them */
    uint32_t level[PLIC_WORDS];   /* input levels */
    PlicContext *ctx;
    uint64_t base, size;
} Plic;

static bool bit(const uint32_t *w, unsigned i)
{
    return (w[i / 32] >> (i % 32)) & 1;
}

static void set_bit(uint32_t *w, unsigned i, bool v)
{
    if (v)
        w[i / 32] |= 1u << (i % 32);
    else
        w[i / 32] &= ~(1u << (i % 32));
}

/* The source a claim on context c would return now, 0 for none. */
static unsigned plic_best(Plic *p, PlicContext *c)
{
    unsigned best = 0;
    uint32_t best_prio = c->threshold;

    for (unsigned w = 0; w <= p->nsources / 32; w++) {
        uint32_t cand = p->pending[w] & c->enable[w];
        while (cand) {
            unsigned i = w * 32 + (unsigned)__builtin_ctz(cand);
            cand &= cand - 1;
            /* Ties go to the lowest id: only a higher priority wins. */
            if (i && i <= p->nsources && p->priority[i] > best_prio) {
                best = i;
                best_prio = p->priority[i];
            }
        }
    }
    return best;
}

static void plic_update(Plic *p)
{
    for (unsigned k = 0; k < p->ncontexts; k++) {
        PlicContext *c = &p->ctx[k];
        int level = plic_best(p, c) != 0;
        if (level != c->level) {
            c->level = level;
            tessera_irq_set(c->out, level);
        }
    }
}

static void plic_irq_in(void *opaque, unsigned line, int level)
{
    Plic *p = opaque;

    if (line == 0 || line > p->nsources)
        return;
    set_bit(p->level, line, level);
    /* The gateway forwards a level request unless one is in service. */
    if (!bit(p->claimed, line))
        set_bit(p->pending, line, level);
    plic_update(p);
}

static uint32_t plic_claim(Plic *p, PlicContext *c)
{
    unsigned id = plic_best(p, c);

    if (id) {
        set_bit(p->pending, id, false);
        set_bit(p->claimed, id, true);
        plic_update(p);
    }
    return id;
}

static void plic_complete(Plic *p, PlicContext *c, uint32_t id)
{
    /* A completion for a source the context does not enable is ignored. */
    if (id == 0 || id > p->nsources || !bit(c->enable, id))
        return;
    set_bit(p->claimed, id, false);
    if (bit(p->level, id))
        set_bit(p->pending, id, true);
    plic_update(p);
}

static void plic_bad(Plic *p, const char *what, uint64_t offset)
{
    tessera_log(TESSERA_LOG_GUEST_ERRORS, "%s: %s at offset 0x%" PRIx64 "\n",
                tessera_dev_name(p->dev), what, offset);
}

static uint64_t plic_read(void *opaque, uint64_t offset, unsigned size)
{
    Plic *p = opaque;

    if (offset < PLIC_PENDING) {
        unsigned i = offset / 4;
        return i && i <= p->nsources ? p->priority[i] : 0;
    }
    if (offset < PLIC_ENABLE) {
        unsigned w = (offset - PLIC_PENDING) / 4;
        return w < PLIC_WORDS ? p->pending[w] : 0;
    }
    if (offset < PLIC_CONTEXT) {
        unsigned k = (offset - PLIC_ENABLE) / PLIC_ENABLE_STRIDE;
        unsigned w = (offset - PLIC_ENABLE) % PLIC_ENABLE_STRIDE / 4;
        return k < p->ncontexts && w < PLIC_WORDS ? p->ctx[k].enable[w] : 0;
    }
    unsigned k = (offset - PLIC_CONTEXT) / PLIC_CONTEXT_STRIDE;
    unsigned reg = (offset - PLIC_CONTEXT) % PLIC_CONTEXT_STRIDE;
    if (k >= p->ncontexts) {
        plic_bad(p, "read of a missing context", offset);
        return 0;
    }
    if (reg == 0)
        return p->ctx[k].threshold;
    if (reg == 4)
        return plic_claim(p, &p->ctx[k]);
    return 0;
}

static void plic_write(void *opaque, uint64_t offset, uint64_t value,
                       unsigned size)
{
    Plic *p = opaque;
    uint32_t v = (uint32_t)value;

    if (offset < PLIC_PENDING) {
        unsigned i = offset / 4;
        if (i && i <= p->nsources) {
            p->priority[i] = v & p->prio_mask;
            plic_update(p);
        }
        return;
    }
    if (offset < PLIC_ENABLE) {
        /* Pending bits are read-only. */
        plic_bad(p, "write to a pending register", offset);
        return;
    }
    if (offset < PLIC_CONTEXT) {
        unsigned k = (offset - PLIC_ENABLE) / PLIC_ENABLE_STRIDE;
        unsigned w = (offset - PLIC_ENABLE) % PLIC_ENABLE_STRIDE / 4;
        if (k >= p->ncontexts || w > p->nsources / 32)
            return;
        /* Source 0 and ids past the last one stay disabled. */
        uint32_t mask = w == 0 ? ~1u : ~0u;
        unsigned first = w * 32;
        if (first + 31 > p->nsources)
            mask &= (p->nsources >= first)
                        ? (uint32_t)((2ull << (p->nsources - first)) - 1)
                        : 0;
        p->ctx[k].enable[w] = v & mask;
        plic_update(p);
        return;
    }
    unsigned k = (offset - PLIC_CONTEXT) / PLIC_CONTEXT_STRIDE;
    unsigned reg = (offset - PLIC_CONTEXT) % PLIC_CONTEXT_STRIDE;
    if (k >= p->ncontexts) {
        plic_bad(p, "write to a missing context", offset);
        return;
    }
    if (reg == 0) {
        p->ctx[k].threshold = v & p->prio_mask;
        plic_update(p);
    } else if (reg == 4) {
        plic_complete(p, &p->ctx[k], v);
    }
}

static const TesseraMmioOps plic_ops = {
    .read = plic_read,
    .write = plic_write,
    .min_access = 4,
    .max_access = 4,
};

static int plic_realize(TesseraDevice *dev, void *state)
{
    Plic *p = state;
    uint64_t n = tessera_dev_prop_u64(dev, "num-sources");
    uint64_t np = tessera_dev_prop_u64(dev, "num-priorities");

    p->dev = dev;
    if (n == 0 || n > PLIC_MAX_SOURCES) {
        tessera_error("%s: num-sources %" PRIu64 " out of range (1..%d)",
                      tessera_dev_name(dev), n, PLIC_MAX_SOURCES);
        return -1;
    }
    if (np == 0 || np > 0xffffffffull) {
        tessera_error("%s: num-priorities must be at least 1",
                      tessera_dev_name(dev));
        return -1;
    }
    p->nsources = (unsigned)n;
    /* Priorities 0..num-priorities: keep just enough low bits (WARL). */
    p->prio_mask = 1;
    while (p->prio_mask < np)
        p->prio_mask = (p->prio_mask << 1) | 1;
    p->priority = calloc(p->nsources + 1, sizeof(*p->priority));
    p->base = tessera_dev_prop_u64(dev, "base");
    p->size = tessera_dev_prop_u64(dev, "size");
    if (!p->priority)
        return -1;
    tessera_dev_irq_inputs(dev, p->nsources + 1, plic_irq_in, p);
    return tessera_dev_map_mmio(dev, p->base, p->size, &plic_ops, p);
}

static void plic_reset(TesseraDevice *dev, void *state)
{
    Plic *p = state;
    unsigned n = tessera_dev_irq_out_count(dev, "irq");

    if (n > PLIC_MAX_CONTEXTS)
        n = PLIC_MAX_CONTEXTS;
    if (n != p->ncontexts) {
        free(p->ctx);
        p->ctx = calloc(n ? n : 1, sizeof(*p->ctx));
        p->ncontexts = p->ctx ? n : 0;
    }
    memset(p->pending, 0, sizeof(p->pending));
    memset(p->claimed, 0, sizeof(p->claimed));
    memset(p->priority, 0, (p->nsources + 1) * sizeof(*p->priority));
    for (unsigned k = 0; k < p->ncontexts; k++) {
        PlicContext *c = &p->ctx[k];
        memset(c, 0, sizeof(*c));
        c->out = tessera_dev_irq_out(dev, "irq", k);
        tessera_irq_set(c->out, 0);
    }
    /* Sources whose line is up stay requested across a reset. */
    for (unsigned i = 1; i <= p->nsources; i++)
        if (bit(p->level, i))
            set_bit(p->pending, i, true);
}

static int plic_fdt_node(TesseraDevice *dev, void *state, void *fdt,
                         int parent)
{
    Plic *p = state;
    static const char compat[] = "sifive,plic-1.0.0\0riscv,plic0";
    static const char *const irqs[] = {"irq", NULL};
    int node = riscv_fdt_node(fdt, parent, "plic", p->base), r;

    if (node < 0)
        return node;
    if ((r = fdt_setprop_u32(fdt, node, "phandle",
                             tessera_dev_phandle(dev))) < 0 ||
        (r = fdt_setprop_u32(fdt, node, "riscv,ndev", p->nsources)) < 0 ||
        (r = riscv_fdt_reg(fdt, node, p->base, p->size)) < 0 ||
        (r = riscv_fdt_irqs_extended(dev, fdt, node, irqs)) < 0 ||
        (r = fdt_setprop(fdt, node, "interrupt-controller", NULL, 0)) < 0 ||
        (r = fdt_setprop(fdt, node, "compatible", compat, sizeof(compat))) < 0 ||
        (r = fdt_setprop_u32(fdt, node, "#address-cells", 0)) < 0 ||
        (r = fdt_setprop_u32(fdt, node, "#interrupt-cells", 1)) < 0)
        return r;
    return 0;
}

static void plic_finalize(TesseraDevice *dev, void *state)
{
    Plic *p = state;

    free(p->priority);
    free(p->ctx);
}

static const TesseraProp plic_props[] = {
    {"base", TESSERA_PROP_U64, NULL, "MMIO base address"},
    {"size", TESSERA_PROP_U64, "0x4000000", "MMIO size (room for contexts)"},
    {"num-sources", TESSERA_PROP_U64, "96",
     "interrupt sources; ids 1..num-sources (riscv,ndev)"},
    {"num-priorities", TESSERA_PROP_U64, "7", "highest priority level"},
    {"irq", TESSERA_PROP_IRQ, "",
     "context outputs in context order, e.g. cpu*:meip, cpu*:seip"},
    {NULL, 0, NULL, NULL},
};

static const TesseraDeviceClass plic_class = {
    .name = "sifive-plic",
    .description = "SiFive platform-level interrupt controller",
    .props = plic_props,
    .state_size = sizeof(Plic),
    .realize = plic_realize,
    .reset = plic_reset,
    .fdt_node = plic_fdt_node,
    .finalize = plic_finalize,
    .mmio_help = "size bytes at base (default 0x4000000)",
    .irq_inputs_help =
        "1..num-sources: interrupt sources (input 0 is reserved)",
};

static int plic_init(void)
{
    return tessera_register_device(&plic_class);
}

TESSERA_PLUGIN(TESSERA_PLUGIN_DEVICE, "sifive-plic", "0.1.0", plic_init);
