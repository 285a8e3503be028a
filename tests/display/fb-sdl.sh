#!/bin/sh
# SPDX-License-Identifier: MIT
# -display sdl in a virtual X server (Xvfb): the window shows the screendump
# and keys typed into it (XTEST) reach the guest.
command -v xvfb-run >/dev/null 2>&1 || {
    echo "FAIL: xvfb-run not found: apt-get install xvfb xauth (tools/install-deps.sh)"
    exit 1
}
exec xvfb-run -a -s "-screen 0 1024x768x24" \
    python3 "${top_srcdir:-$(dirname "$0")/../..}/tests/display/display.py" sdl
