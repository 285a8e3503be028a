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

# qcow2 header and metadata (block library): same scheme.
check_PROGRAMS += tests/fuzz/fuzz-qcow2
tests_fuzz_fuzz_qcow2_SOURCES = tests/fuzz/fuzz-qcow2.c tests/fuzz/replay.c
tests_fuzz_fuzz_qcow2_LDADD = $(BLOCK_LIBS)
TESTS += tests/fuzz/replay-qcow2.sh
EXTRA_DIST += tests/fuzz/replay-qcow2.sh
