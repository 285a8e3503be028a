#!/bin/sh
# SPDX-License-Identifier: MIT
# The AVR guest programs on -M 2009 (atmega168), compared with simavr.
exec "${srcdir:-.}/tests/avr/run-avr.sh" atmega168 2009 hello alu cycles ticks sleep eeprom wdt extint
