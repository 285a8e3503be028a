# SPDX-License-Identifier: MIT
# Tests of the instrumentation tools (plugins/tcg-tools) on small guests
# with known counts, lockstep between two runs, and the example tool of
# docs/writing-tools.md built out of tree against an installed Tessera.
TOOLS_GUEST_ELFS = tests/tools/count.elf tests/tools/lockstep-guest.elf \
	tests/tools/lockstep-variant.elf tests/tools/trap.elf
TOOLS_GUEST_FLAGS = -march=rv64imac_zicsr -mabi=lp64 -nostdlib -nostartfiles \
	-static -T $(srcdir)/tests/tools/guest.ld -Wl,--no-warn-rwx-segments
TOOLS_NEED_CC = @test -n "$(RISCV_CC)" || { echo "riscv64-unknown-elf-gcc not found: apt-get install gcc-riscv64-unknown-elf, then re-run configure" >&2; exit 1; }

tests/tools/count.elf: tests/tools/count.S tests/tools/guest.ld
	$(TOOLS_NEED_CC)
	$(AM_V_GEN)$(MKDIR_P) tests/tools && $(RISCV_CC) $(TOOLS_GUEST_FLAGS) -o $@ $(srcdir)/tests/tools/count.S
tests/tools/trap.elf: tests/tools/trap.S tests/tools/guest.ld
	$(TOOLS_NEED_CC)
	$(AM_V_GEN)$(MKDIR_P) tests/tools && $(RISCV_CC) $(TOOLS_GUEST_FLAGS) -o $@ $(srcdir)/tests/tools/trap.S
tests/tools/lockstep-guest.elf: tests/tools/lockstep-guest.S tests/tools/guest.ld
	$(TOOLS_NEED_CC)
	$(AM_V_GEN)$(MKDIR_P) tests/tools && $(RISCV_CC) $(TOOLS_GUEST_FLAGS) -o $@ $(srcdir)/tests/tools/lockstep-guest.S
tests/tools/lockstep-variant.elf: tests/tools/lockstep-guest.S tests/tools/guest.ld
	$(TOOLS_NEED_CC)
	$(AM_V_GEN)$(MKDIR_P) tests/tools && $(RISCV_CC) $(TOOLS_GUEST_FLAGS) -DVARIANT -o $@ $(srcdir)/tests/tools/lockstep-guest.S

check_DATA += $(TOOLS_GUEST_ELFS) bench/bench-small.elf
TESTS += tests/tools/tools.test tests/tools/lockstep.test \
	tests/tools/out-of-tree.test
EXTRA_DIST += tests/tools/tools.test tests/tools/lockstep.test \
	tests/tools/out-of-tree.test tests/tools/count.S \
	tests/tools/lockstep-guest.S tests/tools/trap.S tests/tools/guest.ld \
	docs/writing-tools.md bench/tools/run.sh bench/tools/README.md
CLEANFILES += $(TOOLS_GUEST_ELFS) tests/tools/install.log
clean-local: clean-tools-tests
clean-tools-tests:
	-rm -rf tests/tools/destdir tests/tools/oot
.PHONY: clean-tools-tests
