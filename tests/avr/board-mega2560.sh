#!/bin/sh
# SPDX-License-Identifier: MIT
# The AVR guest programs on -M mega2560 (atmega2560), compared with simavr.
exec "${srcdir:-.}/tests/avr/run-avr.sh" atmega2560 mega2560 hello alu cycles ticks sleep eeprom wdt extint farcall
