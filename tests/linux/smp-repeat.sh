#!/bin/sh
# SPDX-License-Identifier: MIT
# Five boots of Linux with -smp 4 to the prompt and power-off, no hang
# (make linux-smp-stress does 100).
exec python3 "${top_srcdir:-$(dirname "$0")/../..}/tests/linux/smp-repeat.py" 5 4
