# SPDX-License-Identifier: MIT
# AVR guest programs (built with avr-gcc during the test run) compared
# with simavr, one test per board.
AVR_BOARD_TESTS = tests/avr/board-uno.sh tests/avr/board-2009.sh \
	tests/avr/board-mega.sh tests/avr/board-mega2560.sh
TESTS += $(AVR_BOARD_TESTS)
EXTRA_DIST += $(AVR_BOARD_TESTS) tests/avr/run-avr.sh tests/avr/common.h \
	tests/avr/hello.c tests/avr/cycles.c tests/avr/ticks.c tests/avr/sleep.c \
	tests/avr/eeprom.c tests/avr/wdt.c tests/avr/farcall.c
clean-local: clean-avr-tests
clean-avr-tests:
	rm -rf tests/avr/build
.PHONY: clean-avr-tests
