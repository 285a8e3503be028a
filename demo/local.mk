# SPDX-License-Identifier: MIT
# `make demo`: build the bare-metal demo and boot it on the virt board.
DEMO_ELF = demo/hello.elf
DEMO_FLAGS = -march=rv64imac_zicsr -mabi=lp64 -mcmodel=medany -O2 \
	-ffreestanding -nostdlib -nostartfiles -Wl,--no-relax -Wl,--no-warn-rwx-segments
EXTRA_DIST += demo/start.S demo/hello.c demo/link.ld
CLEANFILES += $(DEMO_ELF)

$(DEMO_ELF): $(srcdir)/demo/start.S $(srcdir)/demo/hello.c $(srcdir)/demo/link.ld
	@test -n "$(RISCV_CC)" || { echo "riscv64-unknown-elf-gcc not found: apt-get install gcc-riscv64-unknown-elf" >&2; exit 1; }
	$(AM_V_GEN)$(MKDIR_P) demo && $(RISCV_CC) $(DEMO_FLAGS) -T $(srcdir)/demo/link.ld \
		-o $@ $(srcdir)/demo/start.S $(srcdir)/demo/hello.c

demo: all $(DEMO_ELF)
	./tessera -M virt -bios none -nographic -kernel $(DEMO_ELF)
.PHONY: demo
