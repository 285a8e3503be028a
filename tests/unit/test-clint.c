/* SPDX-License-Identifier: MIT */
/* CLINT on the plugin's own source with a fake core (fake-core.c). */
#include <CUnit/Basic.h>
#include <stdlib.h>

#include "plugins/devices/riscv/clint.c"
#include "tests/unit/fake-core.h"
#include "tests/unit/unit.h"

#define BASE 0x2000000u

static void *st;
static const char *const props[] = {"base", "0x2000000", NULL};

static void setup(unsigned ncpus, const char *const *p)
{
    fake_reset();
    fake.ncpus = ncpus;
    fake.props = p ? p : props;
    fake.irq_names[0] = "msip";
    fake.irq_names[1] = "mtip";
    CU_ASSERT_EQUAL_FATAL(fake_realize(&st), 0);
    fake_dev_reset(st);
}

static void teardown(void)
{
    Clint *c = st;
    free(c->harts);
    free(st);
    st = NULL;
}

static int msip(unsigned h) { return fake.irq_level[0][h]; }
static int mtip(unsigned h) { return fake.irq_level[1][h]; }

static void test_mtime_counts(void)
{
    setup(1, NULL);
    CU_ASSERT_EQUAL(fake.regions[0].size, 0x10000);
    CU_ASSERT_EQUAL(fake_read(BASE + CLINT_MTIME, 8), 0);
    fake_advance(1000); /* 1 us at 10 MHz = 10 ticks */
    CU_ASSERT_EQUAL(fake_read(BASE + CLINT_MTIME, 8), 10);
    fake_advance(99);
    CU_ASSERT_EQUAL(fake_read(BASE + CLINT_MTIME, 8), 10);
    fake_advance(1);
    CU_ASSERT_EQUAL(fake_read(BASE + CLINT_MTIME, 8), 11);
    CU_ASSERT_EQUAL(fake_read(BASE + CLINT_MTIME, 4), 11);
    CU_ASSERT_EQUAL(fake_read(BASE + CLINT_MTIME + 4, 4), 0);
    teardown();
}

/* As on QEMU: mtimecmp is 0 after reset, so MTIP is already up. */
static void test_reset_pending(void)
{
    setup(2, NULL);
    CU_ASSERT_EQUAL(mtip(0), 1);
    CU_ASSERT_EQUAL(mtip(1), 1);
    CU_ASSERT_EQUAL(msip(0), 0);
    CU_ASSERT_EQUAL(fake_read(BASE + CLINT_MTIMECMP, 8), 0);
    teardown();
}

/* MTIP rises exactly when mtime reaches mtimecmp. */
static void test_timer_exact(void)
{
    setup(1, NULL);
    fake_write(BASE + CLINT_MTIMECMP, 50, 8); /* 5 us */
    CU_ASSERT_EQUAL(mtip(0), 0);
    fake_advance(4999);
    CU_ASSERT_EQUAL(mtip(0), 0);
    CU_ASSERT_EQUAL(fake_read(BASE + CLINT_MTIME, 8), 49);
    fake_advance(1);
    CU_ASSERT_EQUAL(mtip(0), 1);
    CU_ASSERT_EQUAL(fake_read(BASE + CLINT_MTIME, 8), 50);
    /* Moving mtimecmp ahead lowers MTIP and re-arms. */
    fake_write(BASE + CLINT_MTIMECMP, 60, 8);
    CU_ASSERT_EQUAL(mtip(0), 0);
    fake_advance(1000);
    CU_ASSERT_EQUAL(mtip(0), 1);
    /* "Never": all ones. */
    fake_write(BASE + CLINT_MTIMECMP, UINT64_MAX, 8);
    CU_ASSERT_EQUAL(mtip(0), 0);
    fake_advance(1000000000);
    CU_ASSERT_EQUAL(mtip(0), 0);
    teardown();
}

/* A 32-bit guest writes mtimecmp in halves. */
static void test_timer_halves(void)
{
    setup(1, NULL);
    fake_write(BASE + CLINT_MTIMECMP + 4, 0xffffffff, 4);
    fake_write(BASE + CLINT_MTIMECMP, 20, 4);
    fake_write(BASE + CLINT_MTIMECMP + 4, 0, 4);
    CU_ASSERT_EQUAL(fake_read(BASE + CLINT_MTIMECMP, 8), 20);
    CU_ASSERT_EQUAL(fake_read(BASE + CLINT_MTIMECMP + 4, 4), 0);
    CU_ASSERT_EQUAL(mtip(0), 0);
    fake_advance(2000);
    CU_ASSERT_EQUAL(mtip(0), 1);
    teardown();
}

/* Writing mtime moves the count and re-evaluates every hart. */
static void test_mtime_write(void)
{
    setup(2, NULL);
    fake_write(BASE + CLINT_MTIMECMP, 1000, 8);
    fake_write(BASE + CLINT_MTIMECMP + 8, 2000, 8);
    CU_ASSERT_EQUAL(mtip(0), 0);
    CU_ASSERT_EQUAL(mtip(1), 0);
    fake_write(BASE + CLINT_MTIME, 1500, 8);
    CU_ASSERT_EQUAL(fake_read(BASE + CLINT_MTIME, 8), 1500);
    CU_ASSERT_EQUAL(mtip(0), 1);
    CU_ASSERT_EQUAL(mtip(1), 0);
    fake_advance(50000); /* 500 ticks */
    CU_ASSERT_EQUAL(mtip(1), 1);
    CU_ASSERT_EQUAL(fake_read(BASE + CLINT_MTIME, 8), 2000);
    /* Going back in time lowers MTIP again. */
    fake_write(BASE + CLINT_MTIME, 0, 4);
    fake_write(BASE + CLINT_MTIME + 4, 0, 4);
    CU_ASSERT_EQUAL(mtip(0), 0);
    CU_ASSERT_EQUAL(mtip(1), 0);
    teardown();
}

static void test_msip(void)
{
    setup(3, NULL);
    fake_write(BASE + 4, 1, 4);
    CU_ASSERT_EQUAL(msip(0), 0);
    CU_ASSERT_EQUAL(msip(1), 1);
    CU_ASSERT_EQUAL(fake_read(BASE + 4, 4), 1);
    fake_write(BASE + 4, 0xfffffffe, 4); /* only bit 0 exists */
    CU_ASSERT_EQUAL(msip(1), 0);
    CU_ASSERT_EQUAL(fake_read(BASE + 4, 4), 0);
    fake_write(BASE, 0x100000001ull, 8); /* harts 0 and 1 at once */
    CU_ASSERT_EQUAL(msip(0), 1);
    CU_ASSERT_EQUAL(msip(1), 1);
    CU_ASSERT_EQUAL(fake_read(BASE, 8), 0x100000001ull);
    fake_write(BASE + 12, 1, 4); /* no hart 3: ignored */
    CU_ASSERT_EQUAL(fake_read(BASE + 12, 4), 0);
    teardown();
}

static void test_other_frequency(void)
{
    static const char *const p[] = {"base", "0x2000000",
                                    "timebase-frequency", "1000000", NULL};
    setup(1, p);
    fake_write(BASE + CLINT_MTIMECMP, 3, 8); /* 3 us at 1 MHz */
    fake_advance(2999);
    CU_ASSERT_EQUAL(mtip(0), 0);
    fake_advance(1);
    CU_ASSERT_EQUAL(mtip(0), 1);
    teardown();
}

static void test_bad_frequency(void)
{
    static const char *const p[] = {"base", "0x2000000",
                                    "timebase-frequency", "0", NULL};
    fake_reset();
    fake.props = p;
    CU_ASSERT_EQUAL(fake_realize(&st), -1);
    CU_ASSERT_EQUAL(fake.errors, 1);
    free(st);
}

static void test_conversions(void)
{
    /* ticks_to_ns gives the first instant at which the count is reached. */
    static const uint64_t freqs[] = {1, 3, 1000000, 10000000, 32768,
                                     1000000000, 7000000000ull};
    for (size_t f = 0; f < sizeof(freqs) / sizeof(freqs[0]); f++) {
        for (uint64_t t = 1; t < 5000; t += 7) {
            uint64_t ns = clint_ticks_to_ns(freqs[f], t);
            CU_ASSERT(clint_ns_to_ticks(freqs[f], ns) >= t);
            CU_ASSERT(clint_ns_to_ticks(freqs[f], ns - 1) < t);
        }
    }
    CU_ASSERT_EQUAL(clint_ticks_to_ns(1, UINT64_MAX), UINT64_MAX);
}

int main(void)
{
    static const UnitTest tests[] = {
        {"mtime counts", test_mtime_counts},
        {"MTIP pending at reset", test_reset_pending},
        {"timer exact", test_timer_exact},
        {"mtimecmp in halves", test_timer_halves},
        {"mtime write", test_mtime_write},
        {"msip", test_msip},
        {"other frequency", test_other_frequency},
        {"bad frequency", test_bad_frequency},
        {"tick conversions", test_conversions},
    };

    fake_reset();
    if (tessera_plugin_descriptor.init() != 0 || !fake.cls)
        return 1;
    return UNIT_RUN("clint", tests);
}
