/* SPDX-License-Identifier: MIT */
/* -m sizes, read as QEMU reads them. */
#include <CUnit/Basic.h>
#include <string.h>

#include "kernel/util.h"
#include "tests/unit/unit.h"

static bool size_ok(const char *s, uint64_t want)
{
    char why[256];
    uint64_t v = 0;
    return util_parse_ram_size(s, &v, why, sizeof(why)) == 0 && v == want;
}

static bool size_bad(const char *s, const char *reason)
{
    char why[256];
    uint64_t v = 0;
    return util_parse_ram_size(s, &v, why, sizeof(why)) < 0 &&
           strstr(why, reason) != NULL;
}

static void test_ram_sizes(void)
{
    CU_ASSERT_TRUE(size_ok("128", 128ull << 20)); /* MiB without suffix */
    CU_ASSERT_TRUE(size_ok("128M", 128ull << 20));
    CU_ASSERT_TRUE(size_ok("1.5G", 3ull << 29));
    CU_ASSERT_TRUE(size_ok("1.5M", 1536ull << 10));
    CU_ASSERT_TRUE(size_ok("1536k", 1536ull << 10));
    CU_ASSERT_TRUE(size_ok("2g", 2ull << 30));
    CU_ASSERT_TRUE(size_ok("0.25G", 256ull << 20));
    CU_ASSERT_TRUE(size_ok("4096B", 4096));
    CU_ASSERT_TRUE(size_ok("64MiB", 64ull << 20));
    CU_ASSERT_TRUE(size_ok("0", 0)); /* the board's default, as QEMU */
    CU_ASSERT_TRUE(size_ok("0x100M", 256ull << 20));
    CU_ASSERT_TRUE(size_bad("1.5", "a fraction needs a suffix"));
    CU_ASSERT_TRUE(size_bad("1.3B", "whole number of bytes"));
    CU_ASSERT_TRUE(size_bad("foo", "is not a size"));
    CU_ASSERT_TRUE(size_bad("4G,", "is not a size"));
    CU_ASSERT_TRUE(size_bad("", "is not a size"));
    CU_ASSERT_TRUE(size_bad("-1", "is not a size"));
    CU_ASSERT_TRUE(size_bad("99999999999999T", "too large"));
}

/* A hex number without suffix is MiB in QEMU too: read so, with a note. */
static void test_ram_size_hex(void)
{
    char why[256];
    uint64_t v = 0;
    CU_ASSERT_EQUAL(util_parse_ram_size("0x10000000", &v, why, sizeof(why)),
                    0);
    CU_ASSERT_EQUAL(v, 0x10000000ull << 20);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "256 TiB"));
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "256 MiB"));
    CU_ASSERT_EQUAL(util_parse_ram_size("256M", &v, why, sizeof(why)), 0);
    CU_ASSERT_STRING_EQUAL(why, "");
}

int main(void)
{
    static const UnitTest tests[] = {
        {"-m sizes", test_ram_sizes},
        {"-m hex without suffix", test_ram_size_hex},
    };
    return UNIT_RUN("util", tests);
}
