# SPDX-License-Identifier: MIT
# tessera-img convert against qemu-img convert on a 1 GiB image (never run
# by make check). See bench/block/README.md. BLOCK_BENCH_ARGS passes
# options to convert.sh, e.g. BLOCK_BENCH_ARGS='-o /dev/shm -w /var/tmp/bb -k'.
EXTRA_DIST += bench/block/convert.sh bench/block/README.md
BLOCK_BENCH_RUNS = 5
BLOCK_BENCH_ARGS =
bench-block: all
	top_builddir='$(abs_top_builddir)' bash $(srcdir)/bench/block/convert.sh \
		-n $(BLOCK_BENCH_RUNS) $(BLOCK_BENCH_ARGS)
.PHONY: bench-block
