# SPDX-License-Identifier: MIT
# Loader and character backend suites.

check_PROGRAMS += tests/unit/test-loader tests/unit/test-chardev
TESTS += tests/unit/test-loader tests/unit/test-chardev

tests_unit_test_loader_SOURCES = tests/unit/test-loader.c
tests_unit_test_loader_CFLAGS = $(CORE_CC_FLAGS) $(CUNIT_CFLAGS)
tests_unit_test_loader_LDFLAGS = $(CORE_LINK)
tests_unit_test_loader_LDADD = $(CORE_LIBS) $(CUNIT_LIBS)
tests_unit_test_loader_DEPENDENCIES = kernel/libcore.a

tests_unit_test_chardev_SOURCES = tests/unit/test-chardev.c
tests_unit_test_chardev_CFLAGS = $(CORE_CC_FLAGS) $(CUNIT_CFLAGS)
tests_unit_test_chardev_LDFLAGS = $(CORE_LINK)
tests_unit_test_chardev_LDADD = $(CORE_LIBS) $(CUNIT_LIBS)
tests_unit_test_chardev_DEPENDENCIES = kernel/libcore.a

# Device plugins, each built from its own source against a fake core
# (fake-core.c) instead of the real one, so no machine is needed.
DEVICE_TESTS = tests/unit/test-ns16550a tests/unit/test-clint \
	tests/unit/test-htif tests/unit/test-sifive-test
check_PROGRAMS += $(DEVICE_TESTS)
TESTS += $(DEVICE_TESTS)

tests_unit_test_ns16550a_SOURCES = tests/unit/test-ns16550a.c \
	tests/unit/fake-core.c tests/unit/fake-core.h
tests_unit_test_ns16550a_CFLAGS = $(AM_CFLAGS) $(CUNIT_CFLAGS)
tests_unit_test_ns16550a_LDADD = $(CUNIT_LIBS) $(FDT_LIBS)

tests_unit_test_clint_SOURCES = tests/unit/test-clint.c tests/unit/fake-core.c
tests_unit_test_clint_CFLAGS = $(AM_CFLAGS) $(CUNIT_CFLAGS)
tests_unit_test_clint_LDADD = $(CUNIT_LIBS) $(FDT_LIBS)

tests_unit_test_htif_SOURCES = tests/unit/test-htif.c tests/unit/fake-core.c
tests_unit_test_htif_CFLAGS = $(AM_CFLAGS) $(CUNIT_CFLAGS)
tests_unit_test_htif_LDADD = $(CUNIT_LIBS) $(FDT_LIBS)

tests_unit_test_sifive_test_SOURCES = tests/unit/test-sifive-test.c \
	tests/unit/fake-core.c
tests_unit_test_sifive_test_CFLAGS = $(AM_CFLAGS) $(CUNIT_CFLAGS)
tests_unit_test_sifive_test_LDADD = $(CUNIT_LIBS) $(FDT_LIBS)
