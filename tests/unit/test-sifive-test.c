/* SPDX-License-Identifier: MIT */
/*
 * SiFive test finisher on the plugin's own source with a fake core
 * (fake-core.c).
 */
#include <CUnit/Basic.h>
#include <stdlib.h>
#include <string.h>

#include "plugins/devices/riscv/sifive-test.c"
#include "tests/unit/fake-core.h"
#include "tests/unit/unit.h"

static void *st;

static const char *const props[] = {"base", "0x100000", NULL};

static void setup(void)
{
    fake_reset();
    fake.props = props;
    CU_ASSERT_EQUAL_FATAL(fake_realize(&st), 0);
    fake_dev_reset(st);
}

static void test_pass(void)
{
    setup();
    CU_ASSERT_EQUAL(fake.regions[0].base, 0x100000);
    CU_ASSERT_EQUAL(fake.regions[0].size, 0x1000);
    fake_write(0x100000, 0x5555, 4);
    CU_ASSERT_EQUAL(fake.exit_status, 0);
    free(st);
}

static void test_fail_code(void)
{
    setup();
    fake_write(0x100000, (42u << 16) | 0x3333, 4);
    CU_ASSERT_EQUAL(fake.exit_status, 42);
    free(st);
}

static void test_reset(void)
{
    setup();
    fake_write(0x100000, 0x7777, 4);
    CU_ASSERT_EQUAL(fake.resets, 1);
    CU_ASSERT_EQUAL(fake.exit_status, -1);
    free(st);
}

static void test_other_values(void)
{
    setup();
    fake_write(0x100000, 0x1234, 4);
    fake_write(0x100004, 0x5555, 4); /* only offset 0 is the finisher */
    CU_ASSERT_EQUAL(fake.exit_status, -1);
    CU_ASSERT_EQUAL(fake.resets, 0);
    CU_ASSERT_EQUAL(fake_read(0x100000, 4), 0);
    /* A 64-bit store is one command. */
    fake_write(0x100000, 0x5555, 8);
    CU_ASSERT_EQUAL(fake.exit_status, 0);
    free(st);
}

int main(void)
{
    static const UnitTest tests[] = {
        {"pass", test_pass},
        {"fail with code", test_fail_code},
        {"reset", test_reset},
        {"other values", test_other_values},
    };

    fake_reset();
    if (tessera_plugin_descriptor.init() != 0 || !fake.cls)
        return 1;
    return UNIT_RUN("sifive-test", tests);
}
