#!/bin/sh
# SPDX-License-Identifier: MIT
# -drive cache=none and detect-zeroes=unmap seen from the host.
exec python3 "${top_srcdir:-$(dirname "$0")/../..}/tests/linux/disk-opts.py"
