#!/bin/sh
# SPDX-License-Identifier: MIT
# gdb scenario "rv64" of tests/gdb/run-gdb.py.
exec python3 "${srcdir:-.}/tests/gdb/run-gdb.py" rv64
