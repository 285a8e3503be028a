#!/bin/sh
# SPDX-License-Identifier: MIT
# The cost of instrumentation: one guest workload run with no tool, with
# -plugin insn (an inline counter per instruction) and with -plugin
# execlog writing to /dev/null, side by side.
#
#   bench/tools/run.sh [-n RUNS] [-c] [-x] [ELF]
#
# ELF defaults to bench/bench-small.elf (21 M instructions; execlog needs
# about 20 s on it). Each configuration runs RUNS times (default 3) and the
# lowest CPU time (user + system, less sensitive than wall time to a busy
# machine) counts. With TESSERA_BASE=/path/to/tessera (a build
# without the tool API), its no-tool time is shown too. -c adds callgrind:
# host instructions per guest instruction with no tool (and for
# TESSERA_BASE), the engine's cost independent of machine noise.
# -x skips execlog (for long workloads such as bench/bench-normal.elf).
# Run from the build tree (or set BUILDDIR).
set -u
runs=3
cg=0
noexeclog=0
while getopts n:cxh opt; do
    case $opt in
    n) runs=$OPTARG ;;
    c) cg=1 ;;
    x) noexeclog=1 ;;
    *) sed -n '3,/^set -u/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
build=${BUILDDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
tessera=${TESSERA:-$build/tessera}
elf=${1:-$build/bench/bench-small.elf}
base=${TESSERA_BASE:-}
[ -e "$elf" ] || make -s -C "$build" bench/bench-small.elf ||
    { echo "cannot build $elf" >&2; exit 1; }
[ -x "$tessera" ] || { echo "no tessera at $tessera" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

best() { # label binary args...
    label=$1 bin=$2
    shift 2
    b=
    i=0
    while [ "$i" -lt "$runs" ]; do
        /usr/bin/time -f '%U %S' -o "$tmp/time" \
            "$bin" -M virt -bios none -nographic -kernel "$elf" "$@" \
            >"$tmp/out" 2>&1 || { echo "$label: run failed" >&2; cat "$tmp/out" >&2; exit 1; }
        t=$(awk '{ print $1 + $2 }' "$tmp/time")
        if [ -z "$b" ] || awk "BEGIN { exit !($t < $b) }"; then b=$t; fi
        i=$((i + 1))
    done
    printf '%-34s %8.3f s CPU %9.1f MIPS\n' "$label" "$b" \
        "$(awk "BEGIN { print ($b > 0 ? $insns / $b / 1e6 : 0) }")"
}

# The instruction count, from the insn tool itself.
"$tessera" -M virt -bios none -nographic -kernel "$elf" -plugin insn \
    >"$tmp/count" 2>&1
insns=$(sed -n 's/^total insns: //p' "$tmp/count")
[ -n "$insns" ] || { echo "no instruction count" >&2; cat "$tmp/count" >&2; exit 1; }
echo "workload: $elf ($insns guest instructions), best of $runs"
[ -n "$base" ] && best "no tool (build without tool API)" "$base"
best "no tool" "$tessera"
best "-plugin insn (inline counter)" "$tessera" -plugin insn
[ "$noexeclog" = 1 ] ||
    best "-plugin execlog,file=/dev/null" "$tessera" -plugin execlog,file=/dev/null

if [ "$cg" = 1 ]; then
    command -v valgrind >/dev/null || { echo "valgrind not found" >&2; exit 1; }
    for b in $base "$tessera"; do
        valgrind --tool=callgrind --callgrind-out-file="$tmp/cg" "$b" \
            -M virt -bios none -nographic -kernel "$elf" >"$tmp/vg" 2>&1
        host=$(sed -n 's/.*Collected : *//p' "$tmp/vg")
        printf 'callgrind %-24s %12s host insns, %.3f per guest insn\n' \
            "$(basename "$b")" "$host" "$(awk "BEGIN { print $host / $insns }")"
    done
fi
