# SPDX-License-Identifier: MIT
# The GDB stub with the real gdb (gdb-multiarch, and gdb-avr's avr-gdb for
# AVR) in batch mode: tests/gdb/run-gdb.py builds the guests, runs tessera
# with a gdb socket and checks gdb's output.
GDB_TESTS = tests/gdb/gdb-rv64.sh tests/gdb/gdb-rv32.sh \
	tests/gdb/gdb-smp.sh tests/gdb/gdb-avr.sh tests/gdb/gdb-arm.sh \
	tests/gdb/gdb-arm-fp.sh \
	tests/gdb/gdb-robust.sh
TESTS += $(GDB_TESTS)
EXTRA_DIST += $(GDB_TESTS) tests/gdb/run-gdb.py tests/gdb/start.S \
	tests/gdb/target.c tests/gdb/avr-target.c tests/gdb/arm-target.c
