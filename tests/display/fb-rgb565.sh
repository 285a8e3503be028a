#!/bin/sh
# SPDX-License-Identifier: MIT
# The same with a 16-bit framebuffer (format=r5g6b5), read back from screendumps.
exec python3 "${top_srcdir:-$(dirname "$0")/../..}/tests/display/display.py" console r5g6b5
