#!/bin/sh
# SPDX-License-Identifier: MIT
# The AVR guest programs on -M mega (atmega1280), compared with simavr.
exec "${srcdir:-.}/tests/avr/run-avr.sh" atmega1280 mega hello alu cycles ticks sleep eeprom wdt extint
