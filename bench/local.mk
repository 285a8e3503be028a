# SPDX-License-Identifier: MIT
# Benchmarks (never run by make check)

# RISC-V guest workload (bench/bench.c) in two layouts, plus short ones for
# profiling; `make bench-guest` builds them and runs bench/run.sh. The run
# counts differ so that QEMU takes one to three seconds on each layout.
BENCH_GUEST_ELFS = bench/bench-normal.elf bench/bench-mixed.elf \
	bench/bench-small.elf bench/bench-mixed-small.elf \
	bench/bench-mixed-long.elf
BENCH_GUEST_SRC = bench/bench.c tests/guest/rt/crt0.S tests/guest/rt/rt.c \
	tests/guest/rt/rt.h tests/guest/rt/asm.h
BENCH_GUEST_FLAGS = -march=rv64imac_zicsr_zifencei -mabi=lp64 -mcmodel=medany \
	-O2 -g -Wall -Wextra -ffreestanding -nostdlib -nostartfiles -fno-builtin \
	-fno-tree-loop-distribute-patterns -DRT_BOARD_VIRT \
	-I$(srcdir)/tests/guest/rt -static -Wl,--no-warn-rwx-segments
BENCH_GUEST_CC = $(RISCV_CC) $(BENCH_GUEST_FLAGS) -o $@ \
	$(srcdir)/tests/guest/rt/crt0.S $(srcdir)/bench/bench.c $(srcdir)/tests/guest/rt/rt.c
BENCH_GUEST_NEED_CC = @test -n "$(RISCV_CC)" || { echo "riscv64-unknown-elf-gcc not found: apt-get install gcc-riscv64-unknown-elf, then re-run configure" >&2; exit 1; }
EXTRA_DIST += bench/bench.c bench/normal.ld bench/mixed.ld bench/run.sh bench/README.md \
	bench/display/idle-cpu.sh \
	bench/x86-emit-zydis.c
CLEANFILES += $(BENCH_GUEST_ELFS)

bench/bench-normal.elf: $(BENCH_GUEST_SRC) bench/normal.ld
	$(BENCH_GUEST_NEED_CC)
	$(AM_V_GEN)$(MKDIR_P) bench && $(BENCH_GUEST_CC) -DROUNDS=16000 -T $(srcdir)/bench/normal.ld
bench/bench-mixed.elf: $(BENCH_GUEST_SRC) bench/mixed.ld
	$(BENCH_GUEST_NEED_CC)
	$(AM_V_GEN)$(MKDIR_P) bench && $(BENCH_GUEST_CC) -DROUNDS=800 -T $(srcdir)/bench/mixed.ld
bench/bench-mixed-long.elf: $(BENCH_GUEST_SRC) bench/mixed.ld
	$(BENCH_GUEST_NEED_CC)
	$(AM_V_GEN)$(MKDIR_P) bench && $(BENCH_GUEST_CC) -DROUNDS=16000 -T $(srcdir)/bench/mixed.ld
bench/bench-small.elf: $(BENCH_GUEST_SRC) bench/normal.ld
	$(BENCH_GUEST_NEED_CC)
	$(AM_V_GEN)$(MKDIR_P) bench && $(BENCH_GUEST_CC) -DROUNDS=200 -T $(srcdir)/bench/normal.ld
bench/bench-mixed-small.elf: $(BENCH_GUEST_SRC) bench/mixed.ld
	$(BENCH_GUEST_NEED_CC)
	$(AM_V_GEN)$(MKDIR_P) bench && $(BENCH_GUEST_CC) -DROUNDS=20 -T $(srcdir)/bench/mixed.ld

bench-guest-elfs: $(BENCH_GUEST_ELFS)
bench-guest: all bench-guest-elfs
	$(SHELL) $(srcdir)/bench/run.sh
.PHONY: bench-guest bench-guest-elfs

# Micro-benchmark of the execution engine (IR -> interpreter), built on
# demand: make bench/engine-micro && bench/engine-micro alu
EXTRA_PROGRAMS = bench/engine-micro
CLEANFILES += bench/engine-micro
bench_engine_micro_SOURCES = bench/engine-micro.c
bench_engine_micro_CFLAGS = $(CORE_CC_FLAGS)
bench_engine_micro_LDFLAGS = $(CORE_LINK)
bench_engine_micro_LDADD = $(CORE_LIBS)
bench_engine_micro_DEPENDENCIES = kernel/libcore.a
EXTRA_DIST += bench/arm/run.sh bench/arm/workload.c bench/arm/README.md
