#!/bin/sh
# SPDX-License-Identifier: MIT
# Linux writes an ext4 disk in a qcow2 from tessera-img, -smp 4.
exec python3 "${top_srcdir:-$(dirname "$0")/../..}/tests/linux/disk.py" qcow2-tessera 4
