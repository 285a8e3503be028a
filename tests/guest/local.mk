# SPDX-License-Identifier: MIT
# Guest programs built with the RISC-V cross compiler, each run on Tessera
# and on QEMU by tests/guest/run-guest.sh. One test per program, XLEN and
# board, named <program>-<xlen>-<board>.test; the ELFs and these small
# wrapper scripts are made by tests/guest/guest.mk (a GNU make sub-make,
# because the per-variant rules need pattern rules). Everything built goes
# under tests/guest/build/.
# priv runs on virt only: QEMU 7.2's spike machine aborts on some of its
# instruction fetch faults (an assertion in its translator).
# trigger (Sdtrig) runs on rv64 only: QEMU 7.2's RV32 mcontrol6 fires on
# other addresses and loops on the program (Tessera passes it on rv32 too:
# ./tessera -M virt -cpu rv32 -bios none -kernel .../rv32-virt/trigger.elf).

GUEST_TESTS = \
	tests/guest/build/rvi-rv64-virt.test tests/guest/build/rvi-rv32-virt.test \
	tests/guest/build/rvm-rv64-virt.test tests/guest/build/rvm-rv32-virt.test \
	tests/guest/build/rva-rv64-virt.test tests/guest/build/rva-rv32-virt.test \
	tests/guest/build/rvc-rv64-virt.test tests/guest/build/rvc-rv32-virt.test \
	tests/guest/build/csr-rv64-virt.test tests/guest/build/csr-rv32-virt.test \
	tests/guest/build/traps-rv64-virt.test tests/guest/build/traps-rv32-virt.test \
	tests/guest/build/timer-rv64-virt.test tests/guest/build/timer-rv32-virt.test \
	tests/guest/build/smc-rv64-virt.test tests/guest/build/smc-rv32-virt.test \
	tests/guest/build/uart-rv64-virt.test tests/guest/build/uart-rv32-virt.test \
	tests/guest/build/exitcode-rv64-virt.test tests/guest/build/exitcode-rv32-virt.test \
	tests/guest/build/htif-rv64-spike.test tests/guest/build/htif-rv32-spike.test \
	tests/guest/build/rvi-rv64-spike.test tests/guest/build/rvi-rv32-spike.test \
	tests/guest/build/rvm-rv64-spike.test tests/guest/build/rvm-rv32-spike.test \
	tests/guest/build/rva-rv64-spike.test tests/guest/build/rva-rv32-spike.test \
	tests/guest/build/rvc-rv64-spike.test tests/guest/build/rvc-rv32-spike.test \
	tests/guest/build/csr-rv64-spike.test tests/guest/build/csr-rv32-spike.test \
	tests/guest/build/traps-rv64-spike.test tests/guest/build/traps-rv32-spike.test \
	tests/guest/build/timer-rv64-spike.test tests/guest/build/timer-rv32-spike.test \
	tests/guest/build/smc-rv64-spike.test tests/guest/build/smc-rv32-spike.test \
	tests/guest/build/exitcode-rv64-spike.test tests/guest/build/exitcode-rv32-spike.test \
	tests/guest/build/priv-rv64-virt.test tests/guest/build/priv-rv32-virt.test \
	tests/guest/build/fpu-rv64-virt.test tests/guest/build/fpu-rv32-virt.test \
	tests/guest/build/fpu-rv64-spike.test tests/guest/build/fpu-rv32-spike.test \
	tests/guest/build/trigger-rv64-virt.test \
	tests/guest/build/virtnet-rv64-virt.test tests/guest/build/virtnet-rv32-virt.test \
	tests/guest/build/netfwd-rv64-virt.test

GUEST_SRC_FILES = \
	tests/guest/guest.mk tests/guest/run-guest.sh \
	tests/guest/rt/asm.h tests/guest/rt/crt0.S tests/guest/rt/guest.ld \
	tests/guest/rt/insn.h tests/guest/rt/rt.c tests/guest/rt/rt.h \
	tests/guest/rvi.c tests/guest/rvm.c tests/guest/rva.c \
	tests/guest/rvc.c tests/guest/rvc-forms.S tests/guest/csr.c \
	tests/guest/traps.c tests/guest/traps-vec.S tests/guest/timer.c \
	tests/guest/smc.c tests/guest/smc-code.S tests/guest/uart.c \
	tests/guest/htif.c tests/guest/exitcode.c \
	tests/guest/priv.c tests/guest/priv-asm.S tests/guest/fpu.c \
	tests/guest/trigger.c \
	tests/guest/vio.h tests/guest/vblk.c tests/guest/vrng.c tests/guest/vcons.c \
	tests/guest/virtnet.c tests/guest/netfwd.c \
	tests/guest/netfwd-host.py

check_SCRIPTS += $(GUEST_TESTS)
TESTS += $(GUEST_TESTS)
EXTRA_DIST += $(GUEST_SRC_FILES) tests/guest/expect

# The virtio devices (blk, rng, console) on Tessera and QEMU, with drives
# and images compared: programs run by tests/guest/virtio.test.
GUEST_EXTRA_ELFS = rv64-virt/vblk.elf rv64-virt/vrng.elf rv64-virt/vcons.elf
TESTS += tests/guest/virtio.test
EXTRA_DIST += tests/guest/virtio.test
tests/guest/virtio.test: tests/guest/build/.built

# The native backend against the interpreter on the same programs.
TESTS += tests/guest/backends.test
EXTRA_DIST += tests/guest/backends.test
tests/guest/backends.test: tests/guest/build/.built

# The wrappers come with the ELFs; the sub-make decides what is stale.
$(GUEST_TESTS): tests/guest/build/.built
tests/guest/build/.built: $(GUEST_SRC_FILES) Makefile
	$(AM_V_GEN)$(MAKE) --no-print-directory -f $(srcdir)/tests/guest/guest.mk \
		SRCDIR='$(abs_top_srcdir)/tests/guest' OUT=tests/guest/build \
		RISCV_CC='$(RISCV_CC)' QEMU_RISCV64='$(QEMU_RISCV64)' \
		QEMU_RISCV32='$(QEMU_RISCV32)' \
		TESSERA='$(abs_top_builddir)/tessera$(EXEEXT)' \
		WRAPPERS='$(GUEST_TESTS)' EXTRA_ELFS='$(GUEST_EXTRA_ELFS)' \
		V='$(V)' all && touch $@

clean-local: guest-clean
guest-clean:
	-rm -rf tests/guest/build
.PHONY: guest-clean
