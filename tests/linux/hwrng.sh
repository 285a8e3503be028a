#!/bin/sh
# SPDX-License-Identifier: MIT
# Linux reads /dev/hwrng from virtio-rng-device.
exec python3 "${top_srcdir:-$(dirname "$0")/../..}/tests/linux/devices.py" hwrng 1
