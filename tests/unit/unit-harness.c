/* SPDX-License-Identifier: MIT */
/*
 * A tiny suite for checking unit.h itself: argv[1] picks what goes wrong
 * (pass, assert, init, clean). unit-harness.test runs every mode and
 * expects exit status 0 for "pass" only.
 */
#include <stdio.h>
#include <string.h>

#include "tests/unit/unit.h"

static const char *mode = "pass";
static int ran;

static int suite_init(void)
{
    return strcmp(mode, "init") == 0 ? -1 : 0;
}

static int suite_clean(void)
{
    return strcmp(mode, "clean") == 0 ? -1 : 0;
}

static void test_one(void)
{
    ran++;
    CU_ASSERT_TRUE(strcmp(mode, "assert") != 0);
}

static void test_two(void)
{
    ran++;
    CU_ASSERT_EQUAL(ran, 2);
}

int main(int argc, char **argv)
{
    static const UnitTest tests[] = {
        {"first", test_one},
        {"second", test_two},
    };
    if (argc > 1)
        mode = argv[1];
    int r = UNIT_RUN_WITH("harness", suite_init, suite_clean, tests);
    printf("harness: mode %s, %d tests ran, exit %d\n", mode, ran, r);
    return r;
}
