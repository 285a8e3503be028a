#!/bin/sh
# SPDX-License-Identifier: MIT
# U-Boot (smode) on the virt board with -smp 4, compared with QEMU.
exec python3 "${top_srcdir:-$(dirname "$0")/../..}/tests/boot/uboot.py" smode 4
