/* SPDX-License-Identifier: MIT */
/* SiFive PLIC on the plugin's own source with the fake core. */
#include <CUnit/Basic.h>
#include <stdlib.h>

#include "plugins/devices/riscv/sifive-plic.c"
#include "tests/unit/fake-core.h"
#include "tests/unit/unit.h"

#define BASE 0xc000000u
#define PRIO(i) (BASE + 4 * (i))
#define PENDING(w) (BASE + PLIC_PENDING + 4 * (w))
#define ENABLE(c, w) (BASE + PLIC_ENABLE + PLIC_ENABLE_STRIDE * (c) + 4 * (w))
#define THRESHOLD(c) (BASE + PLIC_CONTEXT + PLIC_CONTEXT_STRIDE * (c))
#define CLAIM(c) (THRESHOLD(c) + 4)

static void *st;
static const char *const props[] = {"base", "0xc000000", "size", "0x600000",
                                    "num-sources", "96", "num-priorities",
                                    "7", NULL};

static void setup(void)
{
    fake_reset();
    fake.props = props;
    fake.irq_names[0] = "irq"; /* 8 contexts in the fake */
    CU_ASSERT_EQUAL_FATAL(fake_realize(&st), 0);
    fake_dev_reset(st);
}

static void teardown(void)
{
    plic_finalize(NULL, st);
    free(st);
    st = NULL;
}

static int ctx(unsigned k) { return fake.irq_level[0][k]; }
static void line(unsigned src, int level) { plic_irq_in(st, src, level); }

static void test_reset_state(void)
{
    setup();
    CU_ASSERT_EQUAL(fake.regions[0].size, 0x600000);
    CU_ASSERT_EQUAL(fake_read(PRIO(10), 4), 0);
    CU_ASSERT_EQUAL(fake_read(PENDING(0), 4), 0);
    CU_ASSERT_EQUAL(fake_read(CLAIM(0), 4), 0);
    CU_ASSERT_EQUAL(ctx(0), 0);
    teardown();
}

/* Priorities keep 3 bits (0..7); source 0 does not exist. */
static void test_priority_warl(void)
{
    setup();
    fake_write(PRIO(5), 0xffffffff, 4);
    CU_ASSERT_EQUAL(fake_read(PRIO(5), 4), 7);
    fake_write(PRIO(0), 3, 4);
    CU_ASSERT_EQUAL(fake_read(PRIO(0), 4), 0);
    fake_write(PRIO(97), 3, 4);
    CU_ASSERT_EQUAL(fake_read(PRIO(97), 4), 0);
    /* Enable bits for source 0 and past 96 stay clear. */
    fake_write(ENABLE(0, 0), 0xffffffff, 4);
    CU_ASSERT_EQUAL(fake_read(ENABLE(0, 0), 4), 0xfffffffe);
    fake_write(ENABLE(0, 3), 0xffffffff, 4);
    CU_ASSERT_EQUAL(fake_read(ENABLE(0, 3), 4), 1);
    teardown();
}

static void test_claim_complete(void)
{
    setup();
    fake_write(PRIO(10), 1, 4);
    fake_write(ENABLE(0, 0), 1u << 10, 4);
    line(10, 1);
    CU_ASSERT_EQUAL(fake_read(PENDING(0), 4), 1u << 10);
    CU_ASSERT_EQUAL(ctx(0), 1);
    CU_ASSERT_EQUAL(ctx(1), 0); /* not enabled there */
    CU_ASSERT_EQUAL(fake_read(CLAIM(0), 4), 10);
    CU_ASSERT_EQUAL(fake_read(PENDING(0), 4), 0);
    CU_ASSERT_EQUAL(ctx(0), 0);
    /* In service: a second claim finds nothing. */
    CU_ASSERT_EQUAL(fake_read(CLAIM(0), 4), 0);
    /* The line is still up at completion: pending again. */
    fake_write(CLAIM(0), 10, 4);
    CU_ASSERT_EQUAL(ctx(0), 1);
    line(10, 0);
    CU_ASSERT_EQUAL(ctx(0), 0);
    CU_ASSERT_EQUAL(fake_read(CLAIM(0), 4), 0);
    teardown();
}

/* Higher priority first; equal priorities: lower id first. */
static void test_priority_order(void)
{
    setup();
    fake_write(ENABLE(0, 0), 0xfffffffe, 4);
    fake_write(ENABLE(0, 1), 0xffffffff, 4);
    fake_write(PRIO(3), 2, 4);
    fake_write(PRIO(7), 2, 4);
    fake_write(PRIO(40), 5, 4);
    line(3, 1);
    line(7, 1);
    line(40, 1);
    CU_ASSERT_EQUAL(fake_read(CLAIM(0), 4), 40);
    CU_ASSERT_EQUAL(fake_read(CLAIM(0), 4), 3);
    CU_ASSERT_EQUAL(fake_read(CLAIM(0), 4), 7);
    CU_ASSERT_EQUAL(fake_read(CLAIM(0), 4), 0);
    teardown();
}

/* Only priorities above the threshold interrupt; priority 0 never. */
static void test_threshold(void)
{
    setup();
    fake_write(ENABLE(1, 0), 1u << 4, 4);
    fake_write(PRIO(4), 3, 4);
    fake_write(THRESHOLD(1), 3, 4);
    line(4, 1);
    CU_ASSERT_EQUAL(ctx(1), 0);
    CU_ASSERT_EQUAL(fake_read(CLAIM(1), 4), 0);
    fake_write(THRESHOLD(1), 2, 4);
    CU_ASSERT_EQUAL(fake_read(THRESHOLD(1), 4), 2);
    CU_ASSERT_EQUAL(ctx(1), 1);
    fake_write(PRIO(4), 0, 4);
    CU_ASSERT_EQUAL(ctx(1), 0);
    teardown();
}

/* Two contexts enabling one source: the first claim takes it. */
static void test_two_contexts(void)
{
    setup();
    fake_write(PRIO(1), 1, 4);
    fake_write(ENABLE(0, 0), 2, 4);
    fake_write(ENABLE(3, 0), 2, 4);
    line(1, 1);
    CU_ASSERT_EQUAL(ctx(0), 1);
    CU_ASSERT_EQUAL(ctx(3), 1);
    CU_ASSERT_EQUAL(fake_read(CLAIM(3), 4), 1);
    CU_ASSERT_EQUAL(ctx(0), 0);
    CU_ASSERT_EQUAL(fake_read(CLAIM(0), 4), 0);
    /* Completing from a context that does not enable it is ignored. */
    fake_write(CLAIM(5), 1, 4);
    CU_ASSERT_EQUAL(ctx(0), 0);
    fake_write(CLAIM(3), 1, 4);
    CU_ASSERT_EQUAL(ctx(0), 1);
    teardown();
}

static void test_bad_config(void)
{
    static const char *const bad[] = {"base", "0xc000000", "num-sources",
                                      "0", NULL};
    fake_reset();
    fake.props = bad;
    fake.irq_names[0] = "irq";
    CU_ASSERT_EQUAL(fake_realize(&st), -1);
    CU_ASSERT_EQUAL(fake.errors, 1);
    free(st);
}

int main(void)
{
    static const UnitTest tests[] = {
        {"reset state", test_reset_state},
        {"priority and enable WARL", test_priority_warl},
        {"claim and complete", test_claim_complete},
        {"priority order", test_priority_order},
        {"threshold", test_threshold},
        {"two contexts", test_two_contexts},
        {"bad num-sources", test_bad_config},
    };

    fake_reset();
    if (tessera_plugin_descriptor.init() != 0 || !fake.cls)
        return 1;
    return UNIT_RUN("sifive-plic", tests);
}
