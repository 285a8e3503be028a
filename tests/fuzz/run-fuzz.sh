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
    echo "usage: $0 TARGET SECONDS   (TARGET: elf, ini, ihex, qmp, hmp, gdb, qcow2, luks, image-opts, virtio, netopts, nbd, nbd-client)" >&2
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
qcow2|luks)
    sources="block/block.c block/raw.c block/qcow2.c block/nbd.c block/crypto.c block/luks.c block/pool.c block/image-opts.c"
    pkgs="zlib libzstd nettle"
    ;;
image-opts)
    sources="block/image-opts.c"
    pkgs=""
    ;;
virtio)
    sources="plugins/devices/virtio/virtio.c plugins/devices/virtio/virtio-input.c"
    pkgs=""
    libs_extra="-lfdt -pthread"
    ;;
nbd-client)
    sources="block/block.c block/raw.c block/qcow2.c block/nbd.c block/crypto.c block/luks.c block/pool.c block/image-opts.c"
    pkgs="zlib libzstd nettle"
    ;;
nbd)
    sources="nbd/nbd-server.c block/block.c block/raw.c block/qcow2.c block/nbd.c block/crypto.c block/luks.c block/pool.c block/image-opts.c"
    pkgs="zlib libzstd nettle"
    ;;
ihex)
    sources="loader/ihex.c"
    pkgs=""
    defs_extra="-DIHEX_PARSER_ONLY"
    ;;
gdb)
    sources="kernel/gdbproto.c"
    pkgs=""
    ;;
netopts)
    sources="kernel/netopts.c kernel/util.c"
    pkgs="glib-2.0"
    ;;
qmp|hmp)
    # The monitors need the whole core (no machine is built); only their
    # own files are instrumented, the rest is compiled plainly (the
    # interpreter's one big function takes clang minutes to instrument).
    sources="kernel/monitor.c kernel/qmp.c kernel/qom.c kernel/util.c"
    plain_sources=$(cd "$top" && ls kernel/*.c loader/*.c block/*.c |
        grep -v -e kernel/main.c -e kernel/monitor.c -e kernel/qmp.c \
            -e kernel/qom.c -e kernel/util.c)
    pkgs="glib-2.0 gmodule-2.0 json-glib-1.0 capstone libzstd zlib slirp nettle libpng"
    libs_extra="-lfdt -lltdl -lm"
    ;;
*)
    echo "$0: unknown target '$target' (known: elf, ini, ihex, qmp, hmp, gdb, qcow2, luks, image-opts, virtio, netopts, nbd, nbd-client)" >&2
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
defs="-DTESSERA_PLUGINDIR=\"/nonexistent\" -DTESSERA_UIDIR=\"/nonexistent\" -DTESSERA_MODDIR=\"/nonexistent\" -DTESSERA_BOARDDIR=\"$top/config/boards\""
defs="$defs ${defs_extra:-} -DTESSERA_BUILDDIR=\"${BUILDDIR:-$top}\" -DTESSERA_SRCDIR=\"$top\""

# Plain objects (no fuzzer or sanitizer instrumentation), two at a time.
plain_objs=""
for s in ${plain_sources:-}; do
    plain_objs="$plain_objs $work/$(echo "$s" | tr / _).o"
done
if [ -n "${plain_sources:-}" ]; then
    pkgcflags=$(pkg-config --cflags $pkgs)
    pids=""
    for s in $plain_sources; do
        # shellcheck disable=SC2086 # word splitting of flag lists is intended
        $CLANG -g -O1 -std=gnu11 -fPIC $incs $defs $pkgcflags -c "$top/$s" \
            -o "$work/$(echo "$s" | tr / _).o" &
        pids="$pids $!"
        if [ "$(echo $pids | wc -w)" -ge 2 ]; then
            for p in $pids; do
                wait "$p" || { echo "$0: $target: building $s failed" >&2; exit 1; }
            done
            pids=""
        fi
    done
    for p in $pids; do
        wait "$p" || { echo "$0: $target: building the core failed" >&2; exit 1; }
    done
fi

srcs="$top/tests/fuzz/fuzz-$target.c"
for s in $sources; do
    srcs="$srcs $top/$s"
done
# shellcheck disable=SC2086 # word splitting of flag lists is intended
$CLANG $flags $incs $defs $srcs $plain_objs $pkgflags ${libs_extra:-} \
    -o "$work/fuzz-$target"

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
