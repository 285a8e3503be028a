/* SPDX-License-Identifier: MIT */
/*
 * SiFive test finisher: one 32-bit register at offset 0 that lets a guest
 * end the emulation (pass, fail with a code) or reset the machine. Test
 * suites and Linux's "syscon-poweroff"/"syscon-reboot" drive it.
 */
#include <inttypes.h>

#include <tessera/device.h>

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
};

static int test_init(void)
{
    return tessera_register_device(&test_class);
}

TESSERA_PLUGIN(TESSERA_PLUGIN_DEVICE, "sifive-test", "0.1.0", test_init);
