# SPDX-License-Identifier: MIT
# CUnit suites: each area keeps its own fragment.
include tests/unit/core.mk
include tests/unit/engine.mk
include tests/unit/loader.mk
# The shared main() of the suites.
EXTRA_DIST += tests/unit/unit.h

# unit.h itself: a failing suite init or cleanup fails the program.
check_PROGRAMS += tests/unit/unit-harness
tests_unit_unit_harness_SOURCES = tests/unit/unit-harness.c
tests_unit_unit_harness_CFLAGS = $(AM_CFLAGS) $(CUNIT_CFLAGS)
tests_unit_unit_harness_LDADD = $(CUNIT_LIBS)
TESTS += tests/unit/unit-harness.test
EXTRA_DIST += tests/unit/unit-harness.test
