/* SPDX-License-Identifier: MIT */
/*
 * ARM CMSDK AHB GPIO: a 16-pin port (CMSDK technical reference manual,
 * ARM DDI 0479).
 *
 *   0x000 DATA         read: the pins' input levels; write: DATAOUT
 *   0x004 DATAOUT      the output register
 *   0x010/0x014        OUTENSET/OUTENCLR (write 1 to set/clear; both read
 *                      the output enables)
 *   0x018/0x01c        ALTFUNCSET/ALTFUNCCLR (the "altfunc-mask" pins)
 *   0x020/0x024        INTENSET/INTENCLR
 *   0x028/0x02c        INTTYPESET/INTTYPECLR (1 = edge, 0 = level)
 *   0x030/0x034        INTPOLSET/INTPOLCLR (1 = rising edge/high level)
 *   0x038 INTSTATUS    read; write 1s: INTCLEAR
 *   0x400-0x7fc        MASKLOWBYTE: address bits 9:2 mask DATA/DATAOUT
 *                      bits 7:0 (read DATA & mask; write changes only the
 *                      masked DATAOUT bits)
 *   0x800-0xbfc        MASKHIGHBYTE: the same for bits 15:8
 *   0xfd0-0xffc        PID4-7, PID0-3, CID0-3 (part 0x820)
 *
 * Byte and halfword accesses work on their byte lanes (bits 15:0 are the
 * port; lanes 2 and 3 ignore writes), as the AHB port's byte strobes do.
 *
 * Interrupts: a pin enabled in INTEN raises its INTSTATUS bit on its
 * event (level: while the input is at the INTPOL level; edge: on the
 * input's INTPOL edge). A status bit stays set until INTCLEAR clears it,
 * and a clear does nothing while the event is still there (a level
 * interrupt cannot be cleared while the level lasts). The edge detector
 * only follows the inputs while some pin is edge-triggered, as the
 * hardware's: an edge type set later compares with the level it last saw.
 * Output lines: "irq-pins" (one per pin, its INTSTATUS bit) and "irq"
 * (their OR).
 *
 * Pins: the 16 input lines of the device are the levels driven from
 * outside (0 when nothing drives them). With "pad-loopback" (the default;
 * the MPS2 boards' bidirectional pads) a pin whose output is enabled and
 * not given to its alternate function reads its own output. The "out"
 * lines carry the level each pin drives (DATAOUT where enabled, else 0).
 * The hardware's two-flop input synchroniser is not modelled: a change is
 * seen at once.
 */
#include <stdint.h>

#include <tessera/device.h>

#define NPINS 16

typedef struct Gpio {
    TesseraDevice *dev;
    TesseraIrq *irq, *pin_irq[NPINS], *out[NPINS];
    bool loopback;
    uint16_t alt_mask;
    uint16_t ext;   /* levels driven from outside (input lines) */
    uint16_t dout, outen, altfunc, inten, inttype, intpol, intstat;
    uint16_t last_in;  /* the edge detector's previous input */
    uint16_t out_lvl;  /* levels last set on the "out" lines */
    bool irq_lvl;
    uint16_t pin_lvl;  /* levels last set on the "irq-pins" lines */
} Gpio;

static const uint8_t gpio_id[12] = {0x04, 0, 0, 0, 0x20, 0xb8, 0x1b, 0,
                                    0x0d, 0xf0, 0x05, 0xb1};

static uint16_t driven(const Gpio *s)
{
    return s->outen & (uint16_t)~s->altfunc;
}

/* The input levels the port sees. */
static uint16_t pins_in(const Gpio *s)
{
    if (!s->loopback)
        return s->ext;
    uint16_t d = driven(s);
    return (uint16_t)((s->dout & d) | (s->ext & ~d));
}

/*
 * One evaluation of the interrupt logic after anything changed; clr holds
 * the bits an INTCLEAR write clears.
 */
static void update(Gpio *s, uint16_t clr)
{
    uint16_t in = pins_in(s);
    uint16_t level = (uint16_t)~s->inttype &
                     (uint16_t)((in & s->intpol) | (~in & ~s->intpol));
    uint16_t edge = s->inttype &
                    (uint16_t)((in & ~s->last_in & s->intpol) |
                               (~in & s->last_in & ~s->intpol));
    uint16_t event = (uint16_t)((level | edge) & s->inten);
    s->intstat = (uint16_t)((s->intstat & ~clr) | event);
    if (s->inttype)
        s->last_in = in;

    uint16_t chg = s->intstat ^ s->pin_lvl;
    for (unsigned i = 0; i < NPINS; i++)
        if ((chg >> i) & 1)
            tessera_irq_set(s->pin_irq[i], (s->intstat >> i) & 1);
    s->pin_lvl = s->intstat;
    if ((s->intstat != 0) != s->irq_lvl) {
        s->irq_lvl = s->intstat != 0;
        tessera_irq_set(s->irq, s->irq_lvl);
    }
    uint16_t o = s->dout & driven(s);
    chg = o ^ s->out_lvl;
    s->out_lvl = o;
    for (unsigned i = 0; i < NPINS; i++)
        if ((chg >> i) & 1)
            tessera_irq_set(s->out[i], (o >> i) & 1);
}

static void pin_input(void *opaque, unsigned line, int level)
{
    Gpio *s = opaque;
    if (line >= NPINS)
        return;
    uint16_t bit = (uint16_t)(1u << line);
    uint16_t ext = level ? (uint16_t)(s->ext | bit) : (uint16_t)(s->ext & ~bit);
    if (ext == s->ext)
        return;
    s->ext = ext;
    update(s, 0);
}

static uint32_t read_word(Gpio *s, uint32_t off)
{
    uint32_t mask = (off >> 2) & 0xff;
    switch (off >> 10) {
    case 1:
        return pins_in(s) & mask;
    case 2:
        return pins_in(s) & (mask << 8);
    case 3:
        return off >= 0xfd0 ? gpio_id[(off - 0xfd0) / 4] : 0;
    default:
        break;
    }
    switch (off) {
    case 0x00:
        return pins_in(s);
    case 0x04:
        return s->dout;
    case 0x10:
    case 0x14:
        return s->outen;
    case 0x18:
    case 0x1c:
        return s->altfunc;
    case 0x20:
    case 0x24:
        return s->inten;
    case 0x28:
    case 0x2c:
        return s->inttype;
    case 0x30:
    case 0x34:
        return s->intpol;
    case 0x38:
        return s->intstat;
    default:
        return 0;
    }
}

static uint64_t gpio_read(void *opaque, uint64_t offset, unsigned size)
{
    Gpio *s = opaque;
    uint32_t off = (uint32_t)offset & 0xfff;
    uint32_t w = read_word(s, off & ~3u);
    w >>= (off & 3) * 8;
    return size >= 4 ? w : w & ((1u << (size * 8)) - 1);
}

/* s->reg: set (or clear) the written bits of lanes. */
static void set_bits(uint16_t *reg, uint16_t v, bool set)
{
    *reg = set ? (uint16_t)(*reg | v) : (uint16_t)(*reg & ~v);
}

static void gpio_write(void *opaque, uint64_t offset, uint64_t value,
                       unsigned size)
{
    Gpio *s = opaque;
    uint32_t off = (uint32_t)offset & 0xfff;
    unsigned sh = (off & 3) * 8;
    /* The port's byte lanes this access writes (bits 15:0). */
    uint16_t lanes;
    if (size >= 4)
        lanes = 0xffff;
    else if (size == 2)
        lanes = (off & 2) ? 0 : 0xffff;
    else
        lanes = (off & 3) == 0 ? 0x00ff : (off & 3) == 1 ? 0xff00 : 0;
    uint16_t v = (uint16_t)(((uint32_t)value << sh) & lanes);
    uint16_t clr = 0;
    off &= ~3u;

    switch (off >> 10) {
    case 1:
    case 2: {
        uint16_t m = (uint16_t)((off >> 2) & 0xff);
        if (off >> 10 == 2)
            m = (uint16_t)(m << 8);
        m &= lanes;
        s->dout = (uint16_t)((s->dout & ~m) | (v & m));
        break;
    }
    case 3:
        break; /* the ID registers are read-only */
    default:
        switch (off) {
        case 0x00:
        case 0x04:
            s->dout = (uint16_t)((s->dout & ~lanes) | v);
            break;
        case 0x10:
        case 0x14:
            set_bits(&s->outen, v, off == 0x10);
            break;
        case 0x18:
        case 0x1c:
            set_bits(&s->altfunc, v & s->alt_mask, off == 0x18);
            break;
        case 0x20:
        case 0x24:
            set_bits(&s->inten, v, off == 0x20);
            break;
        case 0x28:
        case 0x2c:
            set_bits(&s->inttype, v, off == 0x28);
            break;
        case 0x30:
        case 0x34:
            set_bits(&s->intpol, v, off == 0x30);
            break;
        case 0x38:
            clr = v;
            break;
        default:
            if (tessera_log_enabled(TESSERA_LOG_GUEST_ERRORS))
                tessera_log(TESSERA_LOG_GUEST_ERRORS,
                            "%s: write of 0x%03x\n",
                            tessera_dev_name(s->dev), (unsigned)off);
            return;
        }
    }
    update(s, clr);
}

static const TesseraMmioOps gpio_ops = {
    .read = gpio_read,
    .write = gpio_write,
    .min_access = 1,
    .max_access = 4,
};

static int gpio_realize(TesseraDevice *dev, void *state)
{
    Gpio *s = state;
    s->dev = dev;
    s->loopback = tessera_dev_prop_bool(dev, "pad-loopback");
    uint64_t am = tessera_dev_prop_u64(dev, "altfunc-mask");
    if (am > 0xffff) {
        tessera_error("%s: altfunc-mask=0x%llx: the port has 16 pins "
                      "(at most 0xffff)",
                      tessera_dev_name(dev), (unsigned long long)am);
        return -1;
    }
    s->alt_mask = (uint16_t)am;
    const char *lists[] = {"irq-pins", "out"};
    for (unsigned k = 0; k < 2; k++) {
        unsigned n = tessera_dev_irq_out_count(dev, lists[k]);
        if (n > NPINS) {
            tessera_error("%s: %s has %u lines; the port has %d pins",
                          tessera_dev_name(dev), lists[k], n, NPINS);
            return -1;
        }
    }
    tessera_dev_irq_inputs(dev, NPINS, pin_input, s);
    return tessera_dev_map_mmio(dev, tessera_dev_prop_u64(dev, "base"),
                                0x1000, &gpio_ops, s);
}

static void gpio_reset(TesseraDevice *dev, void *state)
{
    Gpio *s = state;
    s->irq = tessera_dev_irq_out(dev, "irq", 0);
    for (unsigned i = 0; i < NPINS; i++) {
        s->pin_irq[i] = tessera_dev_irq_out(dev, "irq-pins", i);
        s->out[i] = tessera_dev_irq_out(dev, "out", i);
    }
    /* The input lines keep their levels: their drivers are outside. */
    s->dout = s->outen = s->altfunc = s->inten = 0;
    s->inttype = s->intpol = s->intstat = s->last_in = 0;
    s->out_lvl = s->pin_lvl = 0;
    s->irq_lvl = false;
    tessera_irq_set(s->irq, 0);
    for (unsigned i = 0; i < NPINS; i++) {
        tessera_irq_set(s->pin_irq[i], 0);
        tessera_irq_set(s->out[i], 0);
    }
    update(s, 0);
}

static const TesseraProp gpio_props[] = {
    {"base", TESSERA_PROP_U64, NULL, "MMIO base address (4 KiB)"},
    {"irq", TESSERA_PROP_IRQ, "", "combined interrupt (any INTSTATUS bit)"},
    {"irq-pins", TESSERA_PROP_IRQ, "",
     "per-pin interrupts, pin 0 first (up to 16 lines)"},
    {"out", TESSERA_PROP_IRQ, "",
     "the levels the pins drive, pin 0 first (up to 16 lines)"},
    {"pad-loopback", TESSERA_PROP_BOOL, "on",
     "an output-enabled pin reads its own output (bidirectional pads)"},
    {"altfunc-mask", TESSERA_PROP_U64, "0xffff",
     "pins that have an alternate function (ALTFUNC bits kept)"},
    {NULL, 0, NULL, NULL},
};

static const TesseraDeviceClass gpio_class = {
    .name = "cmsdk-ahb-gpio",
    .description = "ARM CMSDK AHB GPIO (16 pins)",
    .props = gpio_props,
    .state_size = sizeof(Gpio),
    .realize = gpio_realize,
    .reset = gpio_reset,
    .mmio_help = "0x1000 bytes at base",
    .irq_inputs_help = "0..15: the levels driven on the pins from outside",
};

static int gpio_init(void)
{
    return tessera_register_device(&gpio_class);
}

TESSERA_PLUGIN(TESSERA_PLUGIN_DEVICE, "cmsdk-ahb-gpio", "0.1.0", gpio_init);
