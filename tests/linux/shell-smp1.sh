#!/bin/sh
# SPDX-License-Identifier: MIT
# Linux to the BusyBox shell with -smp 1, commands, poweroff; QEMU as oracle.
exec python3 "${top_srcdir:-$(dirname "$0")/../..}/tests/linux/shell.py" 1 qemu
