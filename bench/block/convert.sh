#!/bin/bash
# SPDX-License-Identifier: MIT
# tessera-img convert against qemu-img convert on the same 1 GiB image
# (never run by make check; see bench/block/README.md).
#
#   convert.sh [-n RUNS] [-s SIZE_MIB] [-w WORKDIR] [-o OUTDIR] [-k] [CASE...]
#
# WORKDIR holds the source images (kept with -k or an explicit -w, and
# reused); OUTDIR (default WORKDIR) the converted images, one at a time:
# put it on tmpfs to time the tools rather than the disk.
# CASE is one of q2r (qcow2->raw), zq2r (zstd-compressed qcow2->raw),
# r2q (raw->qcow2), r2zq (raw->qcow2 -c -o compression_type=zstd);
# default: all four. The two tools run alternating, RUNS times each; the
# minimum wall and the minimum CPU (user+system) time are reported, and
# every output is checked with qemu-img compare against the source.
#
# Environment: TESSERA_IMG (default: tessera-img of the build tree or
# tessera-img in PATH), QEMU_IMG (default: qemu-img), TESSERA_IMG_BASE
# (optional: another tessera-img build, say the one before a change, run
# as a third tool "base" in the same rotation).
set -eu -o pipefail

runs=5
size_mib=1024
work=
outdir=
keep=0
while getopts n:s:w:o:k o; do
    case $o in
    n) runs=$OPTARG ;;
    s) size_mib=$OPTARG ;;
    w) work=$OPTARG ;;
    o) outdir=$OPTARG ;;
    k) keep=1 ;;
    *) echo "usage: $0 [-n RUNS] [-s SIZE_MIB] [-w WORKDIR] [-o OUTDIR] [-k] [CASE...]" >&2
       exit 2 ;;
    esac
done
shift $((OPTIND - 1))
cases=${*:-q2r zq2r r2q r2zq}

: "${top_builddir:=.}"
if [ -z "${TESSERA_IMG:-}" ]; then
    if [ -x "$top_builddir/tessera-img" ]; then
        TESSERA_IMG=$top_builddir/tessera-img
    else
        TESSERA_IMG=$(command -v tessera-img) || {
            echo "convert.sh: no tessera-img (build it, or set TESSERA_IMG)" >&2
            exit 1; }
    fi
fi
# a libtool wrapper script would be timed too: use the real binary
if [ -x "$(dirname "$TESSERA_IMG")/.libs/tessera-img" ] &&
   head -c 2 "$TESSERA_IMG" | grep -q '#!'; then
    TESSERA_IMG=$(dirname "$TESSERA_IMG")/.libs/tessera-img
fi
TESSERA_IMG_BASE=${TESSERA_IMG_BASE:-}
tools="tessera qemu"
[ -z "$TESSERA_IMG_BASE" ] || tools="tessera base qemu"
QEMU_IMG=${QEMU_IMG:-qemu-img}
command -v "$QEMU_IMG" >/dev/null || {
    echo "convert.sh: $QEMU_IMG not found (apt-get install qemu-utils)" >&2
    exit 1; }
command -v python3 >/dev/null || {
    echo "convert.sh: python3 is needed to build the test image" >&2; exit 1; }

tmpwork=0
if [ -z "$work" ]; then
    work=$(mktemp -d "${TMPDIR:-/var/tmp}/tessera-bench-block.XXXXXX")
    [ "$keep" = 1 ] || tmpwork=1
fi
mkdir -p "$work"
outdir=${outdir:-$work}
mkdir -p "$outdir"
cleanup() {
    rm -f "$outdir"/bench-out-*
    if [ "$tmpwork" = 1 ]; then rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the test image, built once (deterministic: fixed seed) ----
# Per MiB: 40% random (incompressible), 30% text-like (a repeated,
# shuffled word list: compresses 3-4x), 15% holes, 10% allocated zeroes,
# 5% mixed (64 KiB pieces of the three kinds, so zero detection must work
# below the MiB).
src=$work/src-$size_mib.raw
if [ ! -f "$src" ]; then
    echo "building $src ($size_mib MiB)..." >&2
    python3 - "$src" "$size_mib" <<'EOF'
import random, sys
path, mib = sys.argv[1], int(sys.argv[2])
rng = random.Random(20261206)
words = ("block cluster qcow2 image refcount table zero data guest host "
         "write read flush backing snapshot bitmap compress offset length "
         "sector header extension l1 l2 entry the a of to and in is").split()
lines = []
for i in range(4096):
    lines.append(" ".join(rng.choice(words) for _ in range(rng.randint(4, 14)))
                 + " %d\n" % rng.randint(0, 99999))
text = "".join(lines).encode()
M = 1 << 20
def textlike(n):
    o = rng.randrange(len(text))
    s = (text[o:] + text) * (n // len(text) + 2)
    return s[:n]
with open(path, "wb") as f:
    f.truncate(mib * M)
    for i in range(mib):
        r = rng.random()
        f.seek(i * M)
        if r < 0.40:
            f.write(rng.randbytes(M))
        elif r < 0.70:
            f.write(textlike(M))
        elif r < 0.85:
            pass                      # hole
        elif r < 0.95:
            f.write(bytes(M))         # allocated zeroes
        else:
            for j in range(16):
                k = rng.randrange(3)
                f.seek(i * M + j * 65536)
                f.write(rng.randbytes(65536) if k == 0 else
                        textlike(65536) if k == 1 else bytes(65536))
EOF
fi
srcq=$work/src-$size_mib.qcow2
srczq=$work/src-$size_mib-zstd.qcow2
[ -f "$srcq" ] || "$QEMU_IMG" convert -q -f raw -O qcow2 "$src" "$srcq"
[ -f "$srczq" ] || "$QEMU_IMG" convert -q -c -f raw -O qcow2 \
    -o compression_type=zstd "$src" "$srczq"

# ---- timing ----
# Each run: "wall user sys" in seconds (the shell's time keyword; user and
# sys include all threads of the tool).
timeit() {
    out=$1
    shift
    rm -f "$out"
    TIMEFORMAT='%3R %3U %3S'
    { time "$@" >/dev/null 2>"$work/err"; } 2>"$work/time" || {
        echo "convert.sh: failed: $*" >&2
        cat "$work/err" >&2
        exit 1; }
    cat "$work/time"
}

min() { sort -g | head -n 1; }
mean() { awk '{ s += $1 } END { printf "%.3f", (NR ? s / NR : 0) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

printf '%-6s %-8s %9s %9s %10s %9s %10s %9s\n' case tool wall_min cpu_min \
    'wall/qemu' 'cpu/qemu' wall_mean cpu_mean
for c in $cases; do
    case $c in
    q2r)  in=$srcq;  f=qcow2; o="-O raw";   ext=raw ;;
    zq2r) in=$srczq; f=qcow2; o="-O raw";   ext=raw ;;
    r2q)  in=$src;   f=raw;   o="-O qcow2"; ext=qcow2 ;;
    r2zq) in=$src;   f=raw
          o="-O qcow2 -c -o compression_type=zstd"; ext=qcow2 ;;
    *) echo "convert.sh: unknown case $c" >&2; exit 2 ;;
    esac
    for t in $tools; do : >"$work/t-$t"; done
    i=0
    while [ $i -lt "$runs" ]; do
        # rotate which tool goes first, so a load change hits all
        case "$tools:$((i % 2)):$((i % 3))" in
        "tessera qemu:0:"*) order="tessera qemu" ;;
        "tessera qemu:1:"*) order="qemu tessera" ;;
        *:*:0) order="tessera base qemu" ;;
        *:*:1) order="base qemu tessera" ;;
        *) order="qemu tessera base" ;;
        esac
        for t in $order; do
            case $t in
            tessera) tool=$TESSERA_IMG ;;
            base) tool=$TESSERA_IMG_BASE ;;
            *) tool=$QEMU_IMG ;;
            esac
            out=$outdir/bench-out-$t.$ext
            # shellcheck disable=SC2086
            timeit "$out" "$tool" convert -q -f $f $o "$in" "$out" \
                >>"$work/t-$t"
            # a wrong fast result must not pass
            "$QEMU_IMG" compare -q -f "$f" -F "$ext" "$in" "$out" || {
                echo "convert.sh: $c: $t's output differs from the source" >&2
                exit 1; }
            if [ "$ext" = qcow2 ]; then
                "$QEMU_IMG" check -q "$out" || {
                    echo "convert.sh: $c: $t's output fails qemu-img check" >&2
                    exit 1; }
            fi
            echo $(($(stat -c %b "$out") * 512 / 1048576)) >"$work/size-$t"
            rm -f "$out"
        done
        i=$((i + 1))
    done
    qcpu=$(awk '{ printf "%.3f\n", $2 + $3 }' "$work/t-qemu" | min)
    qwall=$(awk '{ print $1 }' "$work/t-qemu" | min)
    for t in $tools; do
        wall=$(awk '{ print $1 }' "$work/t-$t" | min)
        cpu=$(awk '{ printf "%.3f\n", $2 + $3 }' "$work/t-$t" | min)
        wmean=$(awk '{ print $1 }' "$work/t-$t" | mean)
        cmean=$(awk '{ print $2 + $3 }' "$work/t-$t" | mean)
        printf '%-6s %-8s %9s %9s %10s %9s %10s %9s  (%d MiB on disk)\n' \
            "$c" "$t" "$wall" "$cpu" "$(ratio "$wall" "$qwall")" \
            "$(ratio "$cpu" "$qcpu")" "$wmean" "$cmean" "$(cat "$work/size-$t")"
    done
done
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs; runs: $runs"
