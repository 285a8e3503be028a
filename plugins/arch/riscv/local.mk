# SPDX-License-Identifier: MIT
# RISC-V frontend plugin
arch_LTLIBRARIES += plugins/arch/riscv/riscv.la
plugins_arch_riscv_riscv_la_SOURCES = \
	plugins/arch/riscv/riscv.h \
	plugins/arch/riscv/isa-ext.h \
	plugins/arch/riscv/decode.h \
	plugins/arch/riscv/decode.c \
	plugins/arch/riscv/cpu.c \
	plugins/arch/riscv/csr.c \
	plugins/arch/riscv/mmu.c \
	plugins/arch/riscv/fpu.c \
	plugins/arch/riscv/translate.c \
	plugins/arch/riscv/disas.c \
	plugins/arch/riscv/gdb.c \
	plugins/arch/riscv/trigger.c
plugins_arch_riscv_riscv_la_CFLAGS = $(PLUGIN_CC_FLAGS) -frounding-math
plugins_arch_riscv_riscv_la_LIBADD = -lm
plugins_arch_riscv_riscv_la_LDFLAGS = $(PLUGIN_LD_FLAGS)

# The disassembler and decoder are plain functions: test them directly.
check_PROGRAMS += tests/unit/test-riscv-disas
TESTS += tests/unit/test-riscv-disas
tests_unit_test_riscv_disas_SOURCES = tests/unit/test-riscv-disas.c \
	plugins/arch/riscv/disas.c plugins/arch/riscv/decode.c
tests_unit_test_riscv_disas_CFLAGS = $(AM_CFLAGS) $(CUNIT_CFLAGS) \
	-I$(top_srcdir)/plugins/arch/riscv
tests_unit_test_riscv_disas_LDADD = $(CUNIT_LIBS)
