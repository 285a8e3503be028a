#!/bin/sh
# SPDX-License-Identifier: MIT
# Host CPU of Tessera while the Linux test guest idles at its shell prompt
# (tests/linux/build.sh's tiny kernel, tickless), with no display device,
# with the simple-framebuffer and -display none, and with -display sdl
# under Xvfb; the fbcon cursor is turned off (vt.global_cursor_default=0)
# so the screen is static, and on (it blinks) for one more run.
#
#   LINUX_TESTS_DIR=DIR top_builddir=. bench/display/idle-cpu.sh [SECONDS]
#
# Prints the CPU time (user + system, /proc/PID/stat) of SECONDS (20) of
# idling, as a percentage of one core.
set -eu
b=${top_builddir:-.}
L=${LINUX_TESTS_DIR:-$b/tests/linux/build}
secs=${1:-20}
fw=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin
for f in "$L/Image-tiny" "$L/initramfs.cpio" "$fw" "$b/tessera"; do
    [ -e "$f" ] || { echo "idle-cpu: $f missing (make check builds the guest)" >&2; exit 1; }
done
command -v xvfb-run >/dev/null || { echo "idle-cpu: xvfb-run missing (apt-get install xvfb)" >&2; exit 1; }
# Everything runs inside one Xvfb (only the -display sdl runs use it).
if [ -z "${IDLE_CPU_XVFB:-}" ]; then
    IDLE_CPU_XVFB=1 exec xvfb-run -a "$0" "$@"
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# measure APPEND ARGS...: one run, printed as "ARGS: N.NN% of a core".
measure() {
    append=$1
    shift
    mkfifo "$tmp/in"
    sleep $((secs + 200)) >"$tmp/in" &
    keep=$!
    "$b/tessera" -M virt -m 256M -bios "$fw" -kernel "$L/Image-tiny" \
        -initrd "$L/initramfs.cpio" -append "console=ttyS0 $append" \
        -nographic "$@" <"$tmp/in" >"$tmp/out" 2>&1 &
    pid=$!
    i=0
    until grep -q 'guest#' "$tmp/out"; do
        i=$((i + 1))
        if [ $i -gt 1200 ] || ! kill -0 $pid 2>/dev/null; then
            echo "idle-cpu: no shell prompt ($*)" >&2
            cat "$tmp/out" >&2
            exit 1
        fi
        sleep 0.1
    done
    sleep 5 # let the boot's last work settle
    a=$(awk '{ print $14 + $15 }' /proc/$pid/stat)
    sleep "$secs"
    z=$(awk '{ print $14 + $15 }' /proc/$pid/stat)
    kill $pid $keep 2>/dev/null || true
    wait $pid 2>/dev/null || true
    rm -f "$tmp/in"
    hz=$(getconf CLK_TCK)
    echo "${*:-no display device} ${append:+($append)}: $(echo "scale=2; 100 * ($z - $a) / $hz / $secs" | bc)% of a core"
}

static=vt.global_cursor_default=0
measure "$static"
measure "$static" -device simple-framebuffer
measure "$static" -device simple-framebuffer -display sdl
measure "" -device simple-framebuffer -display sdl
