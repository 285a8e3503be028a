#!/bin/sh
# SPDX-License-Identifier: MIT
# Linux runs a second shell on hvc0 (virtconsole on a socket).
exec python3 "${top_srcdir:-$(dirname "$0")/../..}/tests/linux/devices.py" hvc 1
