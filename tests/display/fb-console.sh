#!/bin/sh
# SPDX-License-Identifier: MIT
# Linux's fbcon on -device simple-framebuffer, read back from screendumps;
# a command typed with sendkey on virtio-keyboard-device runs on it.
exec python3 "${top_srcdir:-$(dirname "$0")/../..}/tests/display/display.py" console
