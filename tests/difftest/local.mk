# SPDX-License-Identifier: MIT
# Differential testing on random programs (tools/difftest, docs/testing.md):
# a few seeds in make check, many more in `make difftest-long` (CI).
check_PROGRAMS += tools/difftest/gen-riscv tools/difftest/gen-avr \
	tools/difftest/gen-arm
tools_difftest_gen_arm_SOURCES = tools/difftest/gen-arm.c \
	tools/difftest/gen-common.c tools/difftest/gen-common.h
tools_difftest_gen_riscv_SOURCES = tools/difftest/gen-riscv.c \
	tools/difftest/gen-common.c tools/difftest/gen-common.h
tools_difftest_gen_avr_SOURCES = tools/difftest/gen-avr.c \
	tools/difftest/gen-common.c tools/difftest/gen-common.h
check_DATA += tools/difftest/rv-runtime.bin
tools/difftest/rv-runtime.bin: tools/difftest/rv-runtime.S
	@test -n "$(RISCV_CC)" -a -n "$(RISCV_OBJCOPY)" || { echo "riscv64-unknown-elf-gcc or -objcopy not found: apt-get install gcc-riscv64-unknown-elf binutils-riscv64-unknown-elf, then re-run configure" >&2; exit 1; }
	$(AM_V_GEN)$(MKDIR_P) tools/difftest && $(RISCV_CC) -march=rv64gc \
		-mabi=lp64d -nostdlib -nostartfiles -static \
		-Wl,-Ttext=0x80000000 -Wl,--no-warn-rwx-segments \
		-o tools/difftest/rv-runtime.elf \
		$(srcdir)/tools/difftest/rv-runtime.S && \
	$(RISCV_OBJCOPY) -O binary tools/difftest/rv-runtime.elf $@
TESTS += tests/difftest/difftest.test
EXTRA_DIST += tests/difftest/difftest.test tools/difftest/difftest.sh docs/testing.md \
	tools/difftest/rv-runtime.S tools/difftest/arm-runtime.c
CLEANFILES += tools/difftest/rv-runtime.bin tools/difftest/rv-runtime.elf

# The long run, for CI: DIFFTEST_COUNT seeds from DIFFTEST_FIRST of 1000
# units each, RISC-V (lockstep and QEMU) and AVR on the uno board
# (lockstep and simavr), half as many on the mega2560, and Thumb-2 on the
# Cortex-M3 and (with DSP) the Cortex-M4 (lockstep and qemu-system-arm).
DIFFTEST_FIRST = 1000
DIFFTEST_COUNT = 100
difftest-long: all $(check_PROGRAMS) tools/difftest/rv-runtime.bin
	top_builddir=$(abs_top_builddir) $(srcdir)/tools/difftest/difftest.sh \
		-a riscv -n 1000 $(DIFFTEST_FIRST) \
		$$(($(DIFFTEST_FIRST) + $(DIFFTEST_COUNT) - 1))
	top_builddir=$(abs_top_builddir) $(srcdir)/tools/difftest/difftest.sh \
		-a avr -n 1000 $(DIFFTEST_FIRST) \
		$$(($(DIFFTEST_FIRST) + $(DIFFTEST_COUNT) - 1))
	top_builddir=$(abs_top_builddir) $(srcdir)/tools/difftest/difftest.sh \
		-a avr2560 -n 1000 $(DIFFTEST_FIRST) \
		$$(($(DIFFTEST_FIRST) + $(DIFFTEST_COUNT) / 2 - 1))
	top_builddir=$(abs_top_builddir) $(srcdir)/tools/difftest/difftest.sh \
		-a arm -n 2000 $(DIFFTEST_FIRST) \
		$$(($(DIFFTEST_FIRST) + $(DIFFTEST_COUNT) - 1))
	top_builddir=$(abs_top_builddir) $(srcdir)/tools/difftest/difftest.sh \
		-a arm-dsp -n 2000 $(DIFFTEST_FIRST) \
		$$(($(DIFFTEST_FIRST) + $(DIFFTEST_COUNT) - 1))
.PHONY: difftest-long
