# SPDX-License-Identifier: MIT
# Linux benchmarks (never run by make check): boot time of the tiny test
# kernel and a defconfig kernel (built here only: it takes long), Tessera
# native and interpreter against qemu-system-riscv64; then guest I/O
# (virtio-blk dd, HTTP over -netdev user) against QEMU. See
# bench/linux/README.md.
EXTRA_DIST += bench/linux/linux-boot.py bench/linux/io.py \
	bench/linux/README.md
LINUX_BENCH_RUNS = 5
LINUX_BENCH_KERNELS = tiny,defconfig
LINUX_BENCH_IO_KERNEL = defconfig
bench-linux: all
	$(LINUX_GUEST_BUILD) $$(echo '$(LINUX_BENCH_KERNELS),$(LINUX_BENCH_IO_KERNEL)' \
		| tr ',' '\n' | sort -u)
	$(AM_TESTS_ENVIRONMENT) python3 $(srcdir)/bench/linux/linux-boot.py \
		-n $(LINUX_BENCH_RUNS) -k $(LINUX_BENCH_KERNELS)
	$(AM_TESTS_ENVIRONMENT) python3 $(srcdir)/bench/linux/io.py \
		-n $(LINUX_BENCH_RUNS) -k $(LINUX_BENCH_IO_KERNEL)
.PHONY: bench-linux
