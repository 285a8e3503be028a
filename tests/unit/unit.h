/* SPDX-License-Identifier: MIT */
/* The common main() of the CUnit suites: one suite, verbose, exit status. */
#ifndef TESTS_UNIT_UNIT_H
#define TESTS_UNIT_UNIT_H

#include <CUnit/Basic.h>
#include <stddef.h>
#include <stdio.h>

typedef struct UnitTest {
    const char *name;
    CU_TestFunc fn;
} UnitTest;

/*
 * The suite's own init and clean run through these wrappers, so that a
 * failing one fails the program whatever CUnit's run summary counts (a
 * suite whose init fails runs none of its tests: without this, its
 * program would pass with every assert skipped).
 */
static CU_InitializeFunc unit_init_fn;
static CU_CleanupFunc unit_clean_fn;
static int unit_init_failed, unit_clean_failed;

static inline int unit_init_wrapper(void)
{
    int r = unit_init_fn ? unit_init_fn() : 0;
    if (r != 0)
        unit_init_failed = 1;
    return r;
}

static inline int unit_clean_wrapper(void)
{
    int r = unit_clean_fn ? unit_clean_fn() : 0;
    if (r != 0)
        unit_clean_failed = 1;
    return r;
}

/*
 * Runs tests as suite name (init and clean run around the suite, may be
 * NULL); returns 0 when the suite was set up and cleaned up and every test
 * ran and passed, 1 otherwise.
 */
static inline int unit_run(const char *name, CU_InitializeFunc init,
                           CU_CleanupFunc clean, const UnitTest *tests,
                           size_t n)
{
    unsigned failed;
    CU_ErrorCode rc;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    unit_init_fn = init;
    unit_clean_fn = clean;
    unit_init_failed = unit_clean_failed = 0;
    CU_pSuite suite = CU_add_suite(name, unit_init_wrapper,
                                   unit_clean_wrapper);
    if (!suite) {
        CU_cleanup_registry();
        return 1;
    }
    for (size_t i = 0; i < n; i++)
        if (!CU_add_test(suite, tests[i].name, tests[i].fn)) {
            CU_cleanup_registry();
            return 1;
        }
    CU_basic_set_mode(CU_BRM_VERBOSE);
    rc = CU_basic_run_tests();
    failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed() +
             CU_get_number_of_suites_failed();
    if (CU_get_number_of_tests_run() != n)
        failed++;
    CU_cleanup_registry();
    if (unit_init_failed)
        fprintf(stderr, "%s: suite init failed: no test ran\n", name);
    if (unit_clean_failed)
        fprintf(stderr, "%s: suite cleanup failed\n", name);
    if (unit_init_failed || unit_clean_failed || rc != CUE_SUCCESS)
        failed++;
    return failed ? 1 : 0;
}

#define UNIT_RUN(name, tests) \
    unit_run((name), NULL, NULL, (tests), sizeof(tests) / sizeof((tests)[0]))
#define UNIT_RUN_WITH(name, init, clean, tests) \
    unit_run((name), (init), (clean), (tests), \
             sizeof(tests) / sizeof((tests)[0]))

#endif
