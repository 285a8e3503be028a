#!/bin/sh
# SPDX-License-Identifier: MIT
# Coverage-guided fuzzing with libFuzzer:
#     tests/fuzz/run-fuzz.sh TARGET SECONDS
# builds tests/fuzz/fuzz-TARGET.c with clang (fuzzer, ASan, UBSan) and runs
# it for SECONDS, seeded with tests/fuzz/corpus/TARGET. New inputs and
# crash reproducers go to a scratch directory (kept and printed on a
# crash), never into the source tree. Exit status: 0 when no crash.
set -eu

if [ $# -ne 2 ]; then
    echo "usage: $0 TARGET SECONDS   (TARGET: elf, ini, ihex, qcow2)" >&2
    exit 2
fi
target=$1
seconds=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
CLANG=${CLANG:-clang}

# The sources each target needs besides its own file, and its libraries.
case $target in
elf)
    sources="loader/elf.c"
    pkgs=""
    ;;
ini)
    sources="kernel/board.c kernel/util.c"
    pkgs="glib-2.0"
    ;;
qcow2)
    sources="block/block.c block/raw.c block/qcow2.c"
    pkgs="zlib libzstd"
    ;;
ihex)
    sources="loader/ihex.c"
    pkgs=""
    defs_extra="-DIHEX_PARSER_ONLY"
    ;;
*)
    echo "$0: unknown target '$target' (known: elf, ini, ihex, qcow2)" >&2
    exit 2
    ;;
esac

work=$(mktemp -d "${TMPDIR:-/tmp}/tessera-fuzz-$target.XXXXXX")
flags="-g -O1 -std=gnu11 -fsanitize=fuzzer,address,undefined"
flags="$flags -fno-sanitize-recover=undefined"
pkgflags=""
if [ -n "$pkgs" ]; then
    pkgflags=$(pkg-config --cflags --libs $pkgs)
fi
# config.h lives in the build tree; a source-tree build has it at the top.
incs="-I$top -I$top/plugin-api -I${BUILDDIR:-$top}"
# The core's sources expect the paths that AM_CPPFLAGS defines.
defs="-DTESSERA_PLUGINDIR=\"/nonexistent\" -DTESSERA_BOARDDIR=\"$top/config/boards\""
defs="$defs ${defs_extra:-} -DTESSERA_BUILDDIR=\"${BUILDDIR:-$top}\" -DTESSERA_SRCDIR=\"$top\""

srcs="$top/tests/fuzz/fuzz-$target.c"
for s in $sources; do
    srcs="$srcs $top/$s"
done
# shellcheck disable=SC2086 # word splitting of flag lists is intended
$CLANG $flags $incs $defs $srcs $pkgflags -o "$work/fuzz-$target"

mkdir -p "$work/corpus"
if [ -d "$top/tests/fuzz/corpus/$target" ]; then
    cp "$top/tests/fuzz/corpus/$target"/* "$work/corpus/" 2>/dev/null || true
fi

status=0
"$work/fuzz-$target" -max_total_time="$seconds" -artifact_prefix="$work/" \
    -print_final_stats=1 "$work/corpus" || status=$?
if [ $status -ne 0 ]; then
    echo "$0: $target: failure; reproducers in $work" >&2
    exit $status
fi
rm -rf "$work"
echo "$0: $target: no crash in ${seconds}s"
