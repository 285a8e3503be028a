# SPDX-License-Identifier: MIT
# Linux boot benchmark (never run by make check): the tiny test kernel and
# a defconfig kernel (built here only: it takes long), Tessera native and
# interpreter against qemu-system-riscv64. See bench/linux/README.md.
EXTRA_DIST += bench/linux/linux-boot.py bench/linux/README.md
LINUX_BENCH_RUNS = 5
LINUX_BENCH_KERNELS = tiny,defconfig
bench-linux: all
	$(LINUX_GUEST_BUILD) $$(echo '$(LINUX_BENCH_KERNELS)' | tr ',' ' ')
	$(AM_TESTS_ENVIRONMENT) python3 $(srcdir)/bench/linux/linux-boot.py \
		-n $(LINUX_BENCH_RUNS) -k $(LINUX_BENCH_KERNELS)
.PHONY: bench-linux
