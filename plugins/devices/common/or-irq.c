/* SPDX-License-Identifier: MIT */
/*
 * An OR gate for interrupt lines: its output is high while any of its
 * "lines" inputs is high. Boards use it where several devices share one
 * interrupt input (an interrupt input follows the last level set on it).
 */
#include <stdint.h>

#include <tessera/device.h>

#define MAX_LINES 64

typedef struct OrIrq {
    TesseraIrq *out;
    unsigned lines;
    uint64_t high; /* one bit an input */
} OrIrq;

static void or_irq_set(void *opaque, unsigned line, int level)
{
    OrIrq *s = opaque;
    if (line >= s->lines)
        return;
    bool before = s->high != 0;
    if (level)
        s->high |= 1ull << line;
    else
        s->high &= ~(1ull << line);
    if ((s->high != 0) != before)
        tessera_irq_set(s->out, s->high != 0);
}

static int or_irq_realize(TesseraDevice *dev, void *state)
{
    OrIrq *s = state;
    uint64_t n = tessera_dev_prop_u64(dev, "lines");
    if (n < 1 || n > MAX_LINES) {
        tessera_error("%s: lines must be 1 to %d, not %llu",
                      tessera_dev_name(dev), MAX_LINES, (unsigned long long)n);
        return -1;
    }
    s->lines = (unsigned)n;
    tessera_dev_irq_inputs(dev, s->lines, or_irq_set, s);
    return 0;
}

static void or_irq_reset(TesseraDevice *dev, void *state)
{
    OrIrq *s = state;
    s->out = tessera_dev_irq_out(dev, "irq", 0);
    /* The inputs' devices set their levels again in their own reset. */
    s->high = 0;
    tessera_irq_set(s->out, 0);
}

static const TesseraProp or_irq_props[] = {
    {"lines", TESSERA_PROP_U64, "2", "number of inputs (1 to 64)"},
    {"irq", TESSERA_PROP_IRQ, "", "output"},
    {NULL, 0, NULL, NULL},
};

static const TesseraDeviceClass or_irq_class = {
    .name = "or-irq",
    .description = "OR gate for interrupt lines",
    .props = or_irq_props,
    .state_size = sizeof(OrIrq),
    .realize = or_irq_realize,
    .reset = or_irq_reset,
    .irq_inputs_help = "0..lines-1",
};

static int or_irq_init(void)
{
    return tessera_register_device(&or_irq_class);
}

TESSERA_PLUGIN(TESSERA_PLUGIN_DEVICE, "or-irq", "0.1.0", or_irq_init);
