# SPDX-License-Identifier: MIT
# Unit tests of the execution engine: IR optimiser, interpreter, translation
# cache and CPU loop. The toy arch lets them run without any real ISA.
ENGINE_TESTS = tests/unit/test-ir tests/unit/test-interp tests/unit/test-tcache
check_PROGRAMS += $(ENGINE_TESTS)
TESTS += $(ENGINE_TESTS)
# The same engine tests on the interpreter (the plain runs use the default
# backend: native code on x86-64 hosts).
INTERP_ENGINE_TESTS = tests/unit/test-interp-on-interp.test \
	tests/unit/test-tcache-on-interp.test
TESTS += $(INTERP_ENGINE_TESTS)
EXTRA_DIST += $(INTERP_ENGINE_TESTS)
$(INTERP_ENGINE_TESTS): tests/unit/test-interp tests/unit/test-tcache

ENGINE_TEST_CFLAGS = $(CORE_CC_FLAGS) $(CUNIT_CFLAGS)
ENGINE_TEST_LIBS = $(CORE_LIBS) $(CUNIT_LIBS)

tests_unit_test_ir_SOURCES = tests/unit/test-ir.c
tests_unit_test_ir_CFLAGS = $(ENGINE_TEST_CFLAGS)
tests_unit_test_ir_LDFLAGS = $(CORE_LINK)
tests_unit_test_ir_LDADD = $(ENGINE_TEST_LIBS)
tests_unit_test_ir_DEPENDENCIES = kernel/libcore.a

tests_unit_test_interp_SOURCES = tests/unit/test-interp.c \
	tests/unit/toy-arch.c tests/unit/toy-arch.h
tests_unit_test_interp_CFLAGS = $(ENGINE_TEST_CFLAGS)
tests_unit_test_interp_LDFLAGS = $(CORE_LINK)
tests_unit_test_interp_LDADD = $(ENGINE_TEST_LIBS)
tests_unit_test_interp_DEPENDENCIES = kernel/libcore.a

tests_unit_test_tcache_SOURCES = tests/unit/test-tcache.c \
	tests/unit/toy-arch.c tests/unit/toy-arch.h
tests_unit_test_tcache_CFLAGS = $(ENGINE_TEST_CFLAGS)
tests_unit_test_tcache_LDFLAGS = $(CORE_LINK)
tests_unit_test_tcache_LDADD = $(ENGINE_TEST_LIBS)
tests_unit_test_tcache_DEPENDENCIES = kernel/libcore.a

# The native backend's x86-64 emitter, checked against capstone.
X86_EMIT_TESTS = tests/unit/test-x86-emit
check_PROGRAMS += $(X86_EMIT_TESTS)
TESTS += $(X86_EMIT_TESTS)
tests_unit_test_x86_emit_SOURCES = tests/unit/test-x86-emit.c
tests_unit_test_x86_emit_CFLAGS = $(ENGINE_TEST_CFLAGS) $(CAPSTONE_CFLAGS)
tests_unit_test_x86_emit_LDFLAGS = $(CORE_LINK)
tests_unit_test_x86_emit_LDADD = $(ENGINE_TEST_LIBS) $(CAPSTONE_LIBS)
tests_unit_test_x86_emit_DEPENDENCIES = kernel/libcore.a
