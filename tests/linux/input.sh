#!/bin/sh
# SPDX-License-Identifier: MIT
# Linux reads virtio-keyboard-device and virtio-tablet-device events sent
# with QMP and HMP, on Tessera and on QEMU (ids and capability bitmaps).
exec python3 "${top_srcdir:-$(dirname "$0")/../..}/tests/linux/input.py" qemu
