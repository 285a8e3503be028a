#!/bin/sh
# SPDX-License-Identifier: MIT
# Linux's fbcon on -device simple-framebuffer, read back from screendumps.
exec python3 "${top_srcdir:-$(dirname "$0")/../..}/tests/display/display.py" console
