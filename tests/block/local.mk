# SPDX-License-Identifier: MIT
# Block library and tessera-img, checked against Debian's qemu-utils.
check_PROGRAMS += tests/block/blk-stress
tests_block_blk_stress_SOURCES = tests/block/blk-stress.c \
	tests/block/stress-common.h
tests_block_blk_stress_LDADD = $(BLOCK_LIBS)
check_PROGRAMS += tests/block/nbd-reconnect
tests_block_nbd_reconnect_SOURCES = tests/block/nbd-reconnect.c
tests_block_nbd_reconnect_LDADD = $(BLOCK_LIBS)
check_PROGRAMS += tests/block/snap-stress
tests_block_snap_stress_SOURCES = tests/block/snap-stress.c \
	tests/block/stress-common.h
tests_block_snap_stress_LDADD = $(BLOCK_LIBS)
TESTS += tests/block/interop.test tests/block/crash.test tests/block/nbd.test \
	tests/block/nbd-client.test tests/block/luks.test tests/block/bitmaps.test \
	tests/block/nbd-reconnect.test tests/block/snapshot-crash.test \
	tests/block/nbd-snapshot.test
EXTRA_DIST += tests/block/interop.test tests/block/crash.test \
	tests/block/nbd.test tests/block/nbd-proto.py tests/block/nbd-reads.py \
	tests/block/nbd-client.test tests/block/nbd-evil.py tests/block/luks.test \
	tests/block/bitmaps.test tests/block/nbd-reconnect.test \
	tests/block/snapshot-crash.test tests/block/nbd-snapshot.test
