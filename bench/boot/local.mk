# SPDX-License-Identifier: MIT
# Boot-time benchmark: start to OpenSBI's banner and to U-Boot's prompt,
# Tessera and QEMU side by side (never run by make check).
EXTRA_DIST += bench/boot/boot-time.py bench/boot/README.md
bench-boot: all
	top_builddir='$(abs_top_builddir)' QEMU_RISCV64='$(QEMU_RISCV64)' \
	python3 $(srcdir)/bench/boot/boot-time.py $(BOOT_RUNS)
.PHONY: bench-boot
