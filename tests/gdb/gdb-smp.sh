#!/bin/sh
# SPDX-License-Identifier: MIT
# gdb scenario "smp" of tests/gdb/run-gdb.py.
exec python3 "${srcdir:-.}/tests/gdb/run-gdb.py" smp
