/* SPDX-License-Identifier: MIT */
/*
 * SiFive test finisher: one 32-bit register at offset 0 that lets a guest
 * end the emulation (pass, fail with a code) or reset the machine. Test
 * suites and Linux's "syscon-poweroff"/"syscon-reboot" drive it.
 */
#include <inttypes.h>

#include <tessera/device.h>

#include "riscv-fdt.h"

#define TEST_SIZE 0x1000

#define TEST_FAIL 0x3333  /* upper 16 bits: exit code */
#define TEST_PASS 0x5555
#define TEST_RESET 0x7777

typedef struct SifiveTest {
    TesseraDevice *dev;
} SifiveTest;

static uint64_t test_read(void *opaque, uint64_t offset, unsigned size)
{
    return 0;
}

static void test_write(void *opaque, uint64_t offset, uint64_t value,
                       unsigned size)
{
    SifiveTest *s = opaque;
    uint32_t v = (uint32_t)value;

    if (offset == 0) {
        switch (v & 0xffff) {
        case TEST_PASS:
            tessera_request_exit(0);
            return;
        case TEST_FAIL:
            tessera_request_exit((int)(v >> 16));
            return;
        case TEST_RESET:
            tessera_request_reset();
            return;
        }
    }
    tessera_log(TESSERA_LOG_GUEST_ERRORS,
                "%s: unknown write 0x%" PRIx32 " at offset 0x%" PRIx64 "\n",
                tessera_dev_name(s->dev), v, offset);
}

static const TesseraMmioOps test_ops = {
    .read = test_read,
    .write = test_write,
    .min_access = 4,
    .max_access = 8, /* a 64-bit store is one command, not two */
};

static int test_realize(TesseraDevice *dev, void *state)
{
    SifiveTest *s = state;

    s->dev = dev;
    return tessera_dev_map_mmio(dev, tessera_dev_prop_u64(dev, "base"),
                                TEST_SIZE, &test_ops, s);
}

/*
 * The test device is a syscon; the root gets the syscon-poweroff and
 * syscon-reboot nodes that tell Linux which values to write.
 */
static int test_fdt_node(TesseraDevice *dev, void *state, void *fdt,
                         int parent)
{
    static const char compat[] = "sifive,test1\0sifive,test0\0syscon";
    static const struct {
        const char *name, *compat;
        uint32_t value;
    } ctl[] = {
        {"poweroff", "syscon-poweroff", TEST_PASS},
        {"reboot", "syscon-reboot", TEST_RESET},
    };
    uint64_t base = tessera_dev_prop_u64(dev, "base");
    uint32_t ph = tessera_dev_phandle(dev);
    int node = riscv_fdt_node(fdt, parent, "test", base), r;

    (void)state;
    if (node < 0)
        return node;
    if ((r = fdt_setprop_u32(fdt, node, "phandle", ph)) < 0 ||
        (r = riscv_fdt_reg(fdt, node, base, TEST_SIZE)) < 0 ||
        (r = fdt_setprop(fdt, node, "compatible", compat, sizeof(compat))) < 0)
        return r;
    for (size_t i = 0; i < sizeof(ctl) / sizeof(ctl[0]); i++) {
        int n = fdt_add_subnode(fdt, 0, ctl[i].name);
        if (n == -FDT_ERR_EXISTS)
            continue; /* a second test device: the first one owns these */
        if (n < 0)
            return n;
        if ((r = fdt_setprop_u32(fdt, n, "value", ctl[i].value)) < 0 ||
            (r = fdt_setprop_u32(fdt, n, "offset", 0)) < 0 ||
            (r = fdt_setprop_u32(fdt, n, "regmap", ph)) < 0 ||
            (r = fdt_setprop_string(fdt, n, "compatible", ctl[i].compat)) < 0)
            return r;
    }
    return 0;
}

static const TesseraProp test_props[] = {
    {"base", TESSERA_PROP_U64, NULL, "MMIO base address"},
    {NULL, 0, NULL, NULL},
};

static const TesseraDeviceClass test_class = {
    .name = "sifive-test",
    .description = "SiFive test finisher: guest-requested exit and reset",
    .props = test_props,
    .state_size = sizeof(SifiveTest),
    .realize = test_realize,
    .fdt_node = test_fdt_node,
    .mmio_help =
        "0x1000 bytes at base; write 0x5555 = exit 0, (CODE << 16) | 0x3333"
        " = exit CODE, 0x7777 = machine reset",
};

static int test_init(void)
{
    return tessera_register_device(&test_class);
}

TESSERA_PLUGIN(TESSERA_PLUGIN_DEVICE, "sifive-test", "0.1.0", test_init);
