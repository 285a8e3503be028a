/* SPDX-License-Identifier: MIT */
/* An empty virtio-mmio slot answers a guest's probe: magic, version,
 * device ID 0 ("nothing here"), and ignores writes. */
#include <CUnit/Basic.h>
#include <stdlib.h>

#include "plugins/devices/riscv/virtio-mmio.c"
#include "tests/unit/fake-core.h"
#include "tests/unit/unit.h"

#define BASE 0x10001000u

static void *st;

static void setup(const char *const *props)
{
    fake_reset();
    fake.props = props;
    fake.irq_names[0] = "irq";
}

static void test_probe(void)
{
    static const char *const props[] = {"base", "0x10001000", NULL};
    setup(props);
    CU_ASSERT_EQUAL_FATAL(fake_realize(&st), 0);
    CU_ASSERT_EQUAL(fake.regions[0].size, 0x1000);
    CU_ASSERT_EQUAL(fake_read(BASE + VIRTIO_MAGIC, 4), 0x74726976);
    CU_ASSERT_EQUAL(fake_read(BASE + VIRTIO_VERSION, 4), 2);
    CU_ASSERT_EQUAL(fake_read(BASE + VIRTIO_DEVICE_ID, 4), 0);
    CU_ASSERT_EQUAL(fake_read(BASE + VIRTIO_VENDOR_ID, 4), 0x554d4551);
    CU_ASSERT_EQUAL(fake_read(BASE + VIRTIO_QUEUE_NUM_MAX, 4), 0);
    fake_write(BASE + 0x070, 0xf, 4); /* status: ignored */
    CU_ASSERT_EQUAL(fake_read(BASE + 0x070, 4), 0);
    CU_ASSERT_EQUAL(fake_read(BASE + VIRTIO_DEVICE_ID, 4), 0);
    free(st);
}

static void test_legacy_and_bad_version(void)
{
    static const char *const legacy[] = {"base", "0x10001000", "version",
                                         "1", NULL};
    static const char *const bad[] = {"base", "0x10001000", "version", "3",
                                      NULL};
    setup(legacy);
    CU_ASSERT_EQUAL_FATAL(fake_realize(&st), 0);
    CU_ASSERT_EQUAL(fake_read(BASE + VIRTIO_VERSION, 4), 1);
    free(st);
    setup(bad);
    CU_ASSERT_EQUAL(fake_realize(&st), -1);
    CU_ASSERT_EQUAL(fake.errors, 1);
    free(st);
}

int main(void)
{
    static const UnitTest tests[] = {
        {"probe of an empty slot", test_probe},
        {"legacy version, bad version", test_legacy_and_bad_version},
    };

    fake_reset();
    if (tessera_plugin_descriptor.init() != 0 || !fake.cls)
        return 1;
    return UNIT_RUN("virtio-mmio", tests);
}
