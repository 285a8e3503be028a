#!/bin/sh
# SPDX-License-Identifier: MIT
# Linux writes a raw ext4 disk (virtio-blk); the host finds the data; QEMU too.
exec python3 "${top_srcdir:-$(dirname "$0")/../..}/tests/linux/disk.py" raw 1 qemu
