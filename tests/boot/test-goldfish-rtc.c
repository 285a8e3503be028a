/* SPDX-License-Identifier: MIT */
/* Goldfish RTC on the plugin's own source with the fake core. */
#include <CUnit/Basic.h>
#include <stdlib.h>

#include "plugins/devices/riscv/goldfish-rtc.c"
#include "tests/unit/fake-core.h"
#include "tests/unit/unit.h"

#define BASE 0x101000u
#define START 1700000000ull /* seconds since 1970 */
#define NS 1000000000ull

static void *st;
static const char *const props[] = {"base", "0x101000", "start-time",
                                    "1700000000", NULL};

static void setup(void)
{
    fake_reset();
    fake.props = props;
    fake.irq_names[0] = "irq";
    CU_ASSERT_EQUAL_FATAL(fake_realize(&st), 0);
    fake_dev_reset(st);
}

static void teardown(void)
{
    free(st);
    st = NULL;
}

static uint64_t now(void)
{
    uint64_t lo = fake_read(BASE + RTC_TIME_LOW, 4);
    return lo | fake_read(BASE + RTC_TIME_HIGH, 4) << 32;
}

static void test_time(void)
{
    setup();
    CU_ASSERT_EQUAL(now(), START * NS);
    fake_advance(1500);
    CU_ASSERT_EQUAL(now(), START * NS + 1500);
    teardown();
}

/* The high half comes from the moment TIME_LOW was read. */
static void test_latch(void)
{
    setup();
    uint64_t lo = fake_read(BASE + RTC_TIME_LOW, 4);
    fake_advance(10 * NS);
    uint64_t hi = fake_read(BASE + RTC_TIME_HIGH, 4);
    CU_ASSERT_EQUAL((hi << 32) | lo, START * NS);
    teardown();
}

static void test_set_time(void)
{
    setup();
    uint64_t t = 0x123456789abcdef0ull;
    fake_write(BASE + RTC_TIME_HIGH, t >> 32, 4);
    fake_write(BASE + RTC_TIME_LOW, (uint32_t)t, 4);
    CU_ASSERT_EQUAL(now(), t);
    fake_advance(7);
    CU_ASSERT_EQUAL(now(), t + 7);
    teardown();
}

static void test_alarm(void)
{
    setup();
    uint64_t at = START * NS + 5000;
    fake_write(BASE + RTC_IRQ_ENABLED, 1, 4);
    fake_write(BASE + RTC_ALARM_HIGH, at >> 32, 4);
    fake_write(BASE + RTC_ALARM_LOW, (uint32_t)at, 4);
    CU_ASSERT_EQUAL(fake_read(BASE + RTC_ALARM_STATUS, 4), 1);
    fake_advance(4999);
    CU_ASSERT_EQUAL(fake.irq_level[0][0], 0);
    fake_advance(1);
    CU_ASSERT_EQUAL(fake.irq_level[0][0], 1);
    CU_ASSERT_EQUAL(fake_read(BASE + RTC_ALARM_STATUS, 4), 0);
    fake_write(BASE + RTC_CLEAR_INTERRUPT, 1, 4);
    CU_ASSERT_EQUAL(fake.irq_level[0][0], 0);
    teardown();
}

/* An alarm in the past fires at once; a cleared one never. */
static void test_alarm_past_and_clear(void)
{
    setup();
    fake_write(BASE + RTC_IRQ_ENABLED, 1, 4);
    fake_write(BASE + RTC_ALARM_HIGH, 0, 4);
    fake_write(BASE + RTC_ALARM_LOW, 1, 4);
    CU_ASSERT_EQUAL(fake.irq_level[0][0], 1);
    fake_write(BASE + RTC_CLEAR_INTERRUPT, 1, 4);
    uint64_t at = START * NS + 100;
    fake_write(BASE + RTC_ALARM_HIGH, at >> 32, 4);
    fake_write(BASE + RTC_ALARM_LOW, (uint32_t)at, 4);
    fake_write(BASE + RTC_CLEAR_ALARM, 1, 4);
    fake_advance(1000);
    CU_ASSERT_EQUAL(fake.irq_level[0][0], 0);
    teardown();
}

int main(void)
{
    static const UnitTest tests[] = {
        {"time", test_time},
        {"TIME_HIGH latched", test_latch},
        {"set time", test_set_time},
        {"alarm", test_alarm},
        {"alarm in the past, cleared alarm", test_alarm_past_and_clear},
    };

    fake_reset();
    if (tessera_plugin_descriptor.init() != 0 || !fake.cls)
        return 1;
    return UNIT_RUN("goldfish-rtc", tests);
}
