/* SPDX-License-Identifier: MIT */
/*
 * The MPS2 serial configuration controller (SCC) as the FPGA images show
 * it to software: CFG0..CFG4 (CFG0-2 writable, CFG3 and CFG4 read-only
 * board settings), the configuration transaction registers CFGDATA_RTN,
 * CFGDATA_OUT, CFGCTRL and CFGSTAT (a transaction started with CFGCTRL
 * bit 31 completes at once: there are no configuration devices behind
 * it, reads return 0), DLL (locked) and the AID and ID registers that
 * name the FPGA image (properties).
 */
#include <stdint.h>

#include <tessera/device.h>

#define CFGCTRL_START 0x80000000u
#define CFGCTRL_WRITE 0x40000000u

typedef struct Scc {
    uint32_t cfg[5];
    uint32_t cfg4, aid, id;
    uint32_t data_rtn, data_out, ctrl, stat;
} Scc;

static uint64_t scc_read(void *opaque, uint64_t off, unsigned size)
{
    Scc *s = opaque;
    (void)size;
    switch (off) {
    case 0x000:
    case 0x004:
    case 0x008:
    case 0x00c:
        return s->cfg[off / 4];
    case 0x010:
        return s->cfg4;
    case 0x0a0:
        return s->data_rtn;
    case 0x0a4:
        return s->data_out;
    case 0x0a8:
        return s->ctrl;
    case 0x0ac:
        return s->stat;
    case 0x100:
        return 0xffff0001u; /* DLL: all locked */
    case 0xff8:
        return s->aid;
    case 0xffc:
        return s->id;
    default:
        return 0;
    }
}

static void scc_write(void *opaque, uint64_t off, uint64_t value,
                      unsigned size)
{
    Scc *s = opaque;
    uint32_t v = (uint32_t)value;
    (void)size;
    switch (off) {
    case 0x000:
    case 0x004:
    case 0x008:
        s->cfg[off / 4] = v;
        break;
    case 0x0a0:
        s->data_rtn = v;
        break;
    case 0x0a4:
        s->data_out = v;
        break;
    case 0x0a8:
        s->ctrl = v & ~CFGCTRL_START;
        if (v & CFGCTRL_START) {
            if (!(v & CFGCTRL_WRITE))
                s->data_rtn = 0;
            s->stat = 1; /* done, no error */
        }
        break;
    case 0x0ac:
        s->stat = v & 3;
        break;
    default:
        break;
    }
}

static const TesseraMmioOps scc_ops = {
    .read = scc_read,
    .write = scc_write,
    .min_access = 4,
    .max_access = 4,
};

static int scc_realize(TesseraDevice *dev, void *state)
{
    Scc *s = state;
    s->cfg4 = (uint32_t)tessera_dev_prop_u64(dev, "cfg4");
    s->aid = (uint32_t)tessera_dev_prop_u64(dev, "aid");
    s->id = (uint32_t)tessera_dev_prop_u64(dev, "id");
    return tessera_dev_map_mmio(dev, tessera_dev_prop_u64(dev, "base"),
                                0x1000, &scc_ops, s);
}

static void scc_reset(TesseraDevice *dev, void *state)
{
    Scc *s = state;
    (void)dev;
    for (int i = 0; i < 4; i++)
        s->cfg[i] = 0;
    s->data_rtn = s->data_out = s->stat = 0;
    s->ctrl = 0x00100000u;
}

static const TesseraProp scc_props[] = {
    {"base", TESSERA_PROP_U64, NULL, "MMIO base address (4 KiB)"},
    {"cfg4", TESSERA_PROP_U64, "0", "CFG4 (board configuration)"},
    {"aid", TESSERA_PROP_U64, "0x00200008", "SCC AID"},
    {"id", TESSERA_PROP_U64, "0x41043850", "SCC ID (names the FPGA image)"},
    {NULL, 0, NULL, NULL},
};

static const TesseraDeviceClass scc_class = {
    .name = "mps2-scc",
    .description = "ARM MPS2 serial configuration controller",
    .props = scc_props,
    .state_size = sizeof(Scc),
    .realize = scc_realize,
    .reset = scc_reset,
    .mmio_help = "0x1000 bytes at base",
};

static int scc_init(void)
{
    return tessera_register_device(&scc_class);
}

TESSERA_PLUGIN(TESSERA_PLUGIN_DEVICE, "mps2-scc", "0.1.0", scc_init);
