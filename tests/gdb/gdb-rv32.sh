#!/bin/sh
# SPDX-License-Identifier: MIT
# gdb scenario "rv32" of tests/gdb/run-gdb.py.
exec python3 "${srcdir:-.}/tests/gdb/run-gdb.py" rv32
