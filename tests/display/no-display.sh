#!/bin/sh
# SPDX-License-Identifier: MIT
# No display device: screendump fails clearly, -display none changes nothing.
exec python3 "${top_srcdir:-$(dirname "$0")/../..}/tests/display/display.py" none
