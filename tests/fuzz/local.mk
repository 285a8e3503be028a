# SPDX-License-Identifier: MIT
# Fuzz targets
# Board-file parser: replayed over the corpus by make check; the coverage-
# guided run is tests/fuzz/run-fuzz.sh (CI runs it briefly).
check_PROGRAMS += tests/fuzz/fuzz-ini
tests_fuzz_fuzz_ini_SOURCES = tests/fuzz/fuzz-ini.c tests/fuzz/replay.c \
	kernel/board.c kernel/util.c
tests_fuzz_fuzz_ini_CFLAGS = $(CORE_CC_FLAGS)
tests_fuzz_fuzz_ini_LDADD = $(GLIB_LIBS)
TESTS += tests/fuzz/replay-ini.sh
EXTRA_DIST += tests/fuzz/replay-ini.sh tests/fuzz/corpus

# ELF parser: same scheme as the board-file parser above.
check_PROGRAMS += tests/fuzz/fuzz-elf
tests_fuzz_fuzz_elf_SOURCES = tests/fuzz/fuzz-elf.c tests/fuzz/replay.c \
	loader/elf.c
tests_fuzz_fuzz_elf_CFLAGS = $(AM_CFLAGS)
TESTS += tests/fuzz/replay-elf.sh
EXTRA_DIST += tests/fuzz/replay-elf.sh tests/fuzz/run-fuzz.sh

# Intel HEX parser: same scheme.
check_PROGRAMS += tests/fuzz/fuzz-ihex
tests_fuzz_fuzz_ihex_SOURCES = tests/fuzz/fuzz-ihex.c tests/fuzz/replay.c \
	loader/ihex.c
tests_fuzz_fuzz_ihex_CFLAGS = $(AM_CFLAGS) -DIHEX_PARSER_ONLY
TESTS += tests/fuzz/replay-ihex.sh
EXTRA_DIST += tests/fuzz/replay-ihex.sh

# QMP input and HMP command lines: the monitors against an empty machine
# (the whole core linked in; file-writing commands disabled).
check_PROGRAMS += tests/fuzz/fuzz-qmp tests/fuzz/fuzz-hmp
tests_fuzz_fuzz_qmp_SOURCES = tests/fuzz/fuzz-qmp.c tests/fuzz/replay.c
tests_fuzz_fuzz_qmp_CFLAGS = $(CORE_CC_FLAGS)
tests_fuzz_fuzz_qmp_LDFLAGS = $(CORE_LINK)
tests_fuzz_fuzz_qmp_LDADD = $(CORE_LIBS)
tests_fuzz_fuzz_qmp_DEPENDENCIES = kernel/libcore.a
tests_fuzz_fuzz_hmp_SOURCES = tests/fuzz/fuzz-hmp.c tests/fuzz/replay.c
tests_fuzz_fuzz_hmp_CFLAGS = $(CORE_CC_FLAGS)
tests_fuzz_fuzz_hmp_LDFLAGS = $(CORE_LINK)
tests_fuzz_fuzz_hmp_LDADD = $(CORE_LIBS)
tests_fuzz_fuzz_hmp_DEPENDENCIES = kernel/libcore.a
TESTS += tests/fuzz/replay-qmp.sh tests/fuzz/replay-hmp.sh
EXTRA_DIST += tests/fuzz/replay-qmp.sh tests/fuzz/replay-hmp.sh

# GDB remote protocol framing and packet decoding: same scheme.
check_PROGRAMS += tests/fuzz/fuzz-gdb
tests_fuzz_fuzz_gdb_SOURCES = tests/fuzz/fuzz-gdb.c tests/fuzz/replay.c \
	kernel/gdbproto.c
tests_fuzz_fuzz_gdb_CFLAGS = $(AM_CFLAGS)
TESTS += tests/fuzz/replay-gdb.sh
EXTRA_DIST += tests/fuzz/replay-gdb.sh

# qcow2 header and metadata (block library): same scheme.
check_PROGRAMS += tests/fuzz/fuzz-qcow2
tests_fuzz_fuzz_qcow2_SOURCES = tests/fuzz/fuzz-qcow2.c tests/fuzz/replay.c
tests_fuzz_fuzz_qcow2_LDADD = $(BLOCK_LIBS)
TESTS += tests/fuzz/replay-qcow2.sh
EXTRA_DIST += tests/fuzz/replay-qcow2.sh

# LUKS1 header and keyslots (block library): same scheme.
check_PROGRAMS += tests/fuzz/fuzz-luks
tests_fuzz_fuzz_luks_SOURCES = tests/fuzz/fuzz-luks.c tests/fuzz/replay.c
tests_fuzz_fuzz_luks_LDADD = $(BLOCK_LIBS)
TESTS += tests/fuzz/replay-luks.sh
EXTRA_DIST += tests/fuzz/replay-luks.sh

# --image-opts strings (block library, tessera-img and tessera-nbd): same
# scheme.
check_PROGRAMS += tests/fuzz/fuzz-image-opts
tests_fuzz_fuzz_image_opts_SOURCES = tests/fuzz/fuzz-image-opts.c tests/fuzz/replay.c
tests_fuzz_fuzz_image_opts_LDADD = $(BLOCK_LIBS)
TESTS += tests/fuzz/replay-image-opts.sh
EXTRA_DIST += tests/fuzz/replay-image-opts.sh

# -netdev / -nic option strings: same scheme.
check_PROGRAMS += tests/fuzz/fuzz-netopts
tests_fuzz_fuzz_netopts_SOURCES = tests/fuzz/fuzz-netopts.c tests/fuzz/replay.c \
	kernel/netopts.c kernel/util.c
tests_fuzz_fuzz_netopts_CFLAGS = $(CORE_CC_FLAGS)
tests_fuzz_fuzz_netopts_LDADD = $(GLIB_LIBS)
TESTS += tests/fuzz/replay-netopts.sh
EXTRA_DIST += tests/fuzz/replay-netopts.sh

# The virtio device models and their transport/virtqueue code on a fake
# core with 64 KiB of guest RAM: same scheme.
check_PROGRAMS += tests/fuzz/fuzz-virtio
tests_fuzz_fuzz_virtio_SOURCES = tests/fuzz/fuzz-virtio.c tests/fuzz/replay.c \
	plugins/devices/virtio/virtio.c plugins/devices/virtio/virtio-input.c
tests_fuzz_fuzz_virtio_CFLAGS = $(AM_CFLAGS) $(FDT_CFLAGS) -pthread
tests_fuzz_fuzz_virtio_LDADD = $(FDT_LIBS)
tests_fuzz_fuzz_virtio_LDFLAGS = -pthread
TESTS += tests/fuzz/replay-virtio.sh
EXTRA_DIST += tests/fuzz/replay-virtio.sh

# NBD server option and request parser: same scheme.
check_PROGRAMS += tests/fuzz/fuzz-nbd
tests_fuzz_fuzz_nbd_SOURCES = tests/fuzz/fuzz-nbd.c tests/fuzz/replay.c \
	tests/fuzz/fuzz-stream.h \
	nbd/nbd-server.c
tests_fuzz_fuzz_nbd_CFLAGS = $(AM_CFLAGS) -pthread
tests_fuzz_fuzz_nbd_LDADD = $(BLOCK_LIBS) -lpthread
TESTS += tests/fuzz/replay-nbd.sh
EXTRA_DIST += tests/fuzz/replay-nbd.sh

# The block library's NBD client: what a server sends (reply parser).
check_PROGRAMS += tests/fuzz/fuzz-nbd-client
tests_fuzz_fuzz_nbd_client_SOURCES = tests/fuzz/fuzz-nbd-client.c \
	tests/fuzz/fuzz-stream.h \
	tests/fuzz/replay.c
tests_fuzz_fuzz_nbd_client_LDADD = $(BLOCK_LIBS)
TESTS += tests/fuzz/replay-nbd-client.sh
EXTRA_DIST += tests/fuzz/replay-nbd-client.sh
