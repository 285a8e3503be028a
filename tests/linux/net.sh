#!/bin/sh
# SPDX-License-Identifier: MIT
# Linux on -netdev user (virtio-net-device): udhcpc, wget from the host, hostfwd into the guest.
exec python3 "${top_srcdir:-$(dirname "$0")/../..}/tests/linux/net.py" 2
