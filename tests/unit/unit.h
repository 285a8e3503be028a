/* SPDX-License-Identifier: MIT */
/* The common main() of the CUnit suites: one suite, verbose, exit status. */
#ifndef TESTS_UNIT_UNIT_H
#define TESTS_UNIT_UNIT_H

#include <CUnit/Basic.h>
#include <stddef.h>

typedef struct UnitTest {
    const char *name;
    CU_TestFunc fn;
} UnitTest;

/*
 * Runs tests as suite name (init and clean run around the suite, may be
 * NULL); returns 0 when all passed, 1 otherwise.
 */
static inline int unit_run(const char *name, CU_InitializeFunc init,
                           CU_CleanupFunc clean, const UnitTest *tests,
                           size_t n)
{
    unsigned failed;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 1;
    CU_pSuite suite = CU_add_suite(name, init, clean);
    for (size_t i = 0; i < n; i++)
        CU_add_test(suite, tests[i].name, tests[i].fn);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}

#define UNIT_RUN(name, tests) \
    unit_run((name), NULL, NULL, (tests), sizeof(tests) / sizeof((tests)[0]))
#define UNIT_RUN_WITH(name, init, clean, tests) \
    unit_run((name), (init), (clean), (tests), \
             sizeof(tests) / sizeof((tests)[0]))

#endif
