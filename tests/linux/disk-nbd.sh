#!/bin/sh
# SPDX-License-Identifier: MIT
# Linux on two NBD disks (tessera-nbd and qemu-nbd) through -drive nbd+unix://.
exec python3 "${top_srcdir:-$(dirname "$0")/../..}/tests/linux/disk-nbd.py"
