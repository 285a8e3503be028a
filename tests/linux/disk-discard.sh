#!/bin/sh
# SPDX-License-Identifier: MIT
# -drive discard=unmap/ignore: the guest's blkdiscard and fstrim seen in
# the qcow2 image.
exec python3 "${top_srcdir:-$(dirname "$0")/../..}/tests/linux/disk-discard.py"
