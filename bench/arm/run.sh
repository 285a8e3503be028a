#!/bin/sh
# SPDX-License-Identifier: MIT
# CPU-bound Thumb-2 benchmark: the same ELF on Tessera (native and
# interpreter backends) and qemu-system-arm, both -M mps2-an385, reported
# as host seconds (best of REPEAT runs) and the ratio to QEMU.
#   bench/arm/run.sh [ROUNDS]     (from the build tree; default 400)
set -eu
rounds=${1:-400}
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILDDIR:-$top}
work=$(mktemp -d "${TMPDIR:-/tmp}/tessera-arm-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
arm-none-eabi-gcc -mcpu=cortex-m3 -mthumb -O2 -nostdlib -ffreestanding \
    -DROUNDS="$rounds" -T "$top/tests/arm/rt/guest.ld" -o "$work/bench.elf" \
    "$top/tests/arm/rt/crt0.S" "$top/tests/arm/rt/rt.c" \
    "$top/bench/arm/workload.c" -lgcc
board=$top/config/boards/mps2-an385.ini
repeat=${REPEAT:-3}
best() { # name command...
    name=$1
    shift
    b=
    i=0
    while [ $i -lt "$repeat" ]; do
        t0=$(date +%s.%N)
        "$@" -nographic -semihosting -kernel "$work/bench.elf" \
            </dev/null >/dev/null 2>"$work/out"
        t1=$(date +%s.%N)
        t=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
        if [ -z "$b" ] || awk -v t="$t" -v b="$b" 'BEGIN { exit !(t < b) }'
        then
            b=$t
        fi
        i=$((i + 1))
    done
    echo "$name: $b s ($(cat "$work/out"))"
    last=$b
}
best qemu-system-arm qemu-system-arm -M mps2-an385
q=$last
best "tessera native" "$build/tessera" -accel native -M "$board"
n=$last
best "tessera interp" "$build/tessera" -accel interp -M "$board"
i=$last
awk -v q="$q" -v n="$n" -v i="$i" 'BEGIN {
    printf "speed vs qemu-system-arm: native %.2fx, interp %.2fx\n", q / n, q / i }'
