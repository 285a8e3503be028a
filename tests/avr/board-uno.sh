#!/bin/sh
# SPDX-License-Identifier: MIT
# The AVR guest programs on -M uno (atmega328p), compared with simavr.
exec "${srcdir:-.}/tests/avr/run-avr.sh" atmega328p uno hello alu cycles ticks sleep eeprom wdt extint
