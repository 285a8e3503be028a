# SPDX-License-Identifier: MIT
# AVR guest programs (built with avr-gcc during the test run) compared
# with simavr, one test per board.
AVR_BOARD_TESTS = tests/avr/board-uno.sh tests/avr/board-2009.sh \
	tests/avr/board-mega.sh tests/avr/board-mega2560.sh
TESTS += $(AVR_BOARD_TESTS) tests/avr/disas.sh tests/avr/mem.sh
EXTRA_DIST += $(AVR_BOARD_TESTS) tests/avr/disas.sh tests/avr/mem.sh \
	tests/avr/memloop.S tests/avr/run-avr.sh tests/avr/common.h \
	tests/avr/hello.c tests/avr/alu.c tests/avr/cycles.c tests/avr/ticks.c tests/avr/sleep.c \
	tests/avr/eeprom.c tests/avr/wdt.c tests/avr/farcall.c tests/avr/echo.c tests/avr/extint.c \
	tests/avr/blink.c tests/avr/unimp.c tests/avr/test-ihex.c \
	tests/avr/prr.c tests/avr/sleepmodes.c
clean-local: clean-avr-tests
clean-avr-tests:
	rm -rf tests/avr/build
.PHONY: clean-avr-tests

# The Intel HEX parser on its own.
check_PROGRAMS += tests/avr/test-ihex
TESTS += tests/avr/test-ihex
tests_avr_test_ihex_SOURCES = tests/avr/test-ihex.c loader/ihex.c
tests_avr_test_ihex_CFLAGS = $(AM_CFLAGS) $(CUNIT_CFLAGS) -DIHEX_PARSER_ONLY
tests_avr_test_ihex_LDADD = $(CUNIT_LIBS)

# The AVR benchmark (bench/avr/run.sh; not run by make check).
EXTRA_DIST += bench/avr/run.sh bench/avr/workload.c bench/avr/README.md
