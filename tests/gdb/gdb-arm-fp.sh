#!/bin/sh
# SPDX-License-Identifier: MIT
# gdb scenario "arm-fp" of tests/gdb/run-gdb.py.
exec python3 "${srcdir:-.}/tests/gdb/run-gdb.py" arm-fp
