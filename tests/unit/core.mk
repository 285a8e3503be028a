# SPDX-License-Identifier: MIT
# Unit tests of the bus, board parser, scheduler and device core.
CORE_TESTS = tests/unit/test-bus tests/unit/test-board tests/unit/test-sched \
	tests/unit/test-util tests/unit/test-netopts tests/unit/test-input
check_PROGRAMS += $(CORE_TESTS)
TESTS += $(CORE_TESTS)

tests_unit_test_bus_SOURCES = tests/unit/test-bus.c
tests_unit_test_bus_CFLAGS = $(CORE_CC_FLAGS) $(CUNIT_CFLAGS)
tests_unit_test_bus_LDFLAGS = $(CORE_LINK)
tests_unit_test_bus_LDADD = $(CORE_LIBS) $(CUNIT_LIBS)
tests_unit_test_bus_DEPENDENCIES = kernel/libcore.a

tests_unit_test_board_SOURCES = tests/unit/test-board.c
tests_unit_test_board_CFLAGS = $(CORE_CC_FLAGS) $(CUNIT_CFLAGS)
tests_unit_test_board_LDFLAGS = $(CORE_LINK)
tests_unit_test_board_LDADD = $(CORE_LIBS) $(CUNIT_LIBS)
tests_unit_test_board_DEPENDENCIES = kernel/libcore.a

tests_unit_test_sched_SOURCES = tests/unit/test-sched.c
tests_unit_test_sched_CFLAGS = $(CORE_CC_FLAGS) $(CUNIT_CFLAGS)
tests_unit_test_sched_LDFLAGS = $(CORE_LINK)
tests_unit_test_sched_LDADD = $(CORE_LIBS) $(CUNIT_LIBS)
tests_unit_test_sched_DEPENDENCIES = kernel/libcore.a

tests_unit_test_util_SOURCES = tests/unit/test-util.c
tests_unit_test_util_CFLAGS = $(CORE_CC_FLAGS) $(CUNIT_CFLAGS)
tests_unit_test_util_LDFLAGS = $(CORE_LINK)
tests_unit_test_util_LDADD = $(CORE_LIBS) $(CUNIT_LIBS)
tests_unit_test_util_DEPENDENCIES = kernel/libcore.a

tests_unit_test_netopts_SOURCES = tests/unit/test-netopts.c
tests_unit_test_netopts_CFLAGS = $(CORE_CC_FLAGS) $(CUNIT_CFLAGS)
tests_unit_test_netopts_LDFLAGS = $(CORE_LINK)
tests_unit_test_netopts_LDADD = $(CORE_LIBS) $(CUNIT_LIBS)
tests_unit_test_netopts_DEPENDENCIES = kernel/libcore.a

tests_unit_test_input_SOURCES = tests/unit/test-input.c
tests_unit_test_input_CFLAGS = $(CORE_CC_FLAGS) $(JSON_GLIB_CFLAGS) \
	$(CUNIT_CFLAGS)
tests_unit_test_input_LDFLAGS = $(CORE_LINK)
tests_unit_test_input_LDADD = $(CORE_LIBS) $(CUNIT_LIBS)
tests_unit_test_input_DEPENDENCIES = kernel/libcore.a
