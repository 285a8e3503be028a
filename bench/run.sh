#!/bin/sh
# SPDX-License-Identifier: MIT
# Times Tessera (native code and the interpreter) against
# qemu-system-riscv64 on the same guest workload.
#
#   bench/run.sh [-n RUNS] [LAYOUT...]      (layouts: normal mixed; default both)
#
# Run it from the build tree (or set BUILDDIR). It builds the ELFs if needed,
# runs each emulator RUNS times (default 3), alternating, keeps the fastest
# time of each (CPU time, user + sys: steadier than wall time on a loaded
# machine; BENCH_CLOCK=wall for wall time), and prints guest MIPS and the
# speed ratio. Native code also runs under -icount shift=0, to show what
# exact instruction counting costs, and once with -d tb_stats for the
# translation cost (host bytes per guest instruction, blocks/s).
# Environment: TESSERA (default BUILDDIR/tessera), QEMU (default
# qemu-system-riscv64), BENCH_TIMEOUT (seconds per run, default 900),
# BENCH_CLOCK (cpu or wall, default cpu).
#
# With both layouts, native code then runs the mixed layout with the normal
# layout's round count (bench-mixed-long.elf) alternately with the normal
# one, and the script prints how much longer the same work takes when data
# shares pages with code (the target is at most 1.1 times).
#
# The instruction count used for MIPS comes from one extra QEMU run with
# -icount shift=0, where QEMU's minstret counts instructions (without
# -icount it counts host ticks). Tessera's own count is shown beside it.

set -u

runs=3
while getopts n:h opt; do
    case $opt in
    n) runs=$OPTARG ;;
    *) sed -n '3,16p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
layouts=${*:-normal mixed}

if [ -n "${BUILDDIR:-}" ]; then
    build=$BUILDDIR
elif [ -f Makefile ] && grep -q '^bench-guest-elfs:' Makefile; then
    build=$(pwd)
else
    build=$(cd "$(dirname "$0")/.." && pwd)
fi
tessera=${TESSERA:-$build/tessera}
qemu=${QEMU:-qemu-system-riscv64}
limit=${BENCH_TIMEOUT:-900}
clock=${BENCH_CLOCK:-cpu}
case $clock in
cpu)
    if ! command -v python3 >/dev/null 2>&1; then
        echo "python3 not found (apt-get install python3), or BENCH_CLOCK=wall" >&2
        exit 1
    fi ;;
wall) ;;
*) echo "BENCH_CLOCK must be cpu or wall" >&2; exit 2 ;;
esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

targets=
for l in $layouts; do
    case $l in
    normal|mixed) targets="$targets bench/bench-$l.elf" ;;
    *) echo "unknown layout '$l' (normal, mixed)" >&2; exit 2 ;;
    esac
done
# shellcheck disable=SC2086
make -s -C "$build" $targets || { echo "building the benchmark failed" >&2; exit 1; }
if [ ! -x "$tessera" ]; then
    echo "no tessera binary at $tessera (build it, or set TESSERA)" >&2
    exit 1
fi
if ! command -v "$qemu" >/dev/null 2>&1; then
    echo "$qemu not found: apt-get install qemu-system-misc" >&2
    exit 1
fi

now() { date +%s.%N; }

# timed_run OUTFILE CMD...: runs CMD, prints its time in seconds (CPU or
# wall, see BENCH_CLOCK), or "FAIL" when it does not exit with 0.
timed_run() {
    out=$1
    shift
    if [ "$clock" = cpu ]; then
        # The child's own rusage (posix_spawn, wait4), to the microsecond:
        # /usr/bin/time prints hundredths, 2% of a 0.5 s run; a fork of
        # Python or timeout(1) in between would add their 20 ms.
        python3 -c '
import os, signal, sys
limit, out, err = float(sys.argv[1]), sys.argv[2], sys.argv[3]
w = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
pid = os.posix_spawnp(sys.argv[4], sys.argv[4:], os.environ, file_actions=[
    (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
    (os.POSIX_SPAWN_OPEN, 1, out, w, 0o644),
    (os.POSIX_SPAWN_OPEN, 2, err, w, 0o644)])
signal.signal(signal.SIGALRM, lambda s, f: os.kill(pid, signal.SIGKILL))
signal.setitimer(signal.ITIMER_REAL, limit)
_, status, ru = os.wait4(pid, 0)
ok = os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
print("%.3f" % (ru.ru_utime + ru.ru_stime) if ok else "FAIL")
' "$limit" "$out" "$out.err" "$@"
        return
    fi
    t0=$(now)
    timeout "$limit" "$@" </dev/null >"$out" 2>"$out.err"
    rc=$?
    t1=$(now)
    if [ $rc -ne 0 ]; then
        echo FAIL
    else
        echo "$t0 $t1" | awk '{ printf "%.3f\n", $2 - $1 }'
    fi
}

field() { sed -n "s/^$1: //p" "$2"; }
min() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b + 0 < a + 0) print b; else print a }'
}

status=0
normal_sum=
for l in $layouts; do
    elf=$build/bench/bench-$l.elf
    echo "== layout $l: $elf"

    if [ "$(timed_run "$tmp/ref" "$qemu" -M virt -bios none -nographic \
            -icount shift=0 -kernel "$elf")" = FAIL ]; then
        echo "  qemu -icount reference run failed:"
        sed 's/^/    /' "$tmp/ref" "$tmp/ref.err"
        status=1
        continue
    fi
    insns=$(field instructions "$tmp/ref")
    sum=$(field checksum "$tmp/ref")
    [ "$l" = normal ] && normal_sum=$sum
    echo "  rounds $(field rounds "$tmp/ref"), $insns guest instructions, checksum $sum"
    echo "  times: $clock (user + sys when cpu), best of $runs"
    if "$tessera" -accel native -d tb_stats -D "$tmp/stats" -M virt -bios none \
            -nographic -kernel "$elf" </dev/null >/dev/null 2>&1; then
        sed -n -e '1s/^tb_stats: /  native translation: /p' \
            -e '2,$s/^tb_stats: /  native engine: /p' "$tmp/stats"
    fi

    best_n= best_i= best_q= best_c= t_insns=
    i=0
    while [ $i -lt "$runs" ]; do
        i=$((i + 1))
        n=$(timed_run "$tmp/n" "$tessera" -accel native -M virt -bios none -nographic -kernel "$elf")
        t=$(timed_run "$tmp/t" "$tessera" -accel interp -M virt -bios none -nographic -kernel "$elf")
        q=$(timed_run "$tmp/q" "$qemu" -M virt -bios none -nographic -kernel "$elf")
        c=$(timed_run "$tmp/c" "$tessera" -accel native -icount shift=0 -M virt -bios none -nographic -kernel "$elf")
        echo "  run $i: native $n s, interp $t s, qemu $q s, native -icount $c s"
        if [ "$c" = FAIL ] || [ "$(field checksum "$tmp/c")" != "$sum" ]; then
            echo "  tessera -icount failed or gave a wrong checksum"
            status=1
        else
            best_c=$(min "$best_c" "$c")
        fi
        for side in n t; do
            v=$(eval echo "\$$side")
            if [ "$v" = FAIL ] || [ "$(field checksum "$tmp/$side")" != "$sum" ]; then
                echo "  tessera ($side) failed or gave a wrong checksum (want $sum):"
                sed 's/^/    /' "$tmp/$side" "$tmp/$side.err" | head -n 10
                status=1
                eval "best_$side=FAIL"
            elif [ "$side" = n ] && [ "$best_n" != FAIL ]; then
                best_n=$(min "$best_n" "$v")
                t_insns=$(field instructions "$tmp/n")
            elif [ "$side" = t ] && [ "$best_i" != FAIL ]; then
                best_i=$(min "$best_i" "$v")
            fi
        done
        if [ "$q" = FAIL ] || [ "$(field checksum "$tmp/q")" != "$sum" ]; then
            echo "  qemu failed or gave a wrong checksum"
            status=1
        else
            best_q=$(min "$best_q" "$q")
        fi
    done

    if [ -n "$t_insns" ] && [ "$t_insns" != "$insns" ]; then
        echo "  note: tessera's minstret counted $t_insns instructions, qemu -icount $insns"
    fi
    if [ -z "$best_n" ] || [ -z "$best_i" ] || [ -z "$best_q" ] ||
        [ "$best_n" = FAIL ] || [ "$best_i" = FAIL ]; then
        echo "  no comparison: native ${best_n:-FAIL}, interp ${best_i:-FAIL}, qemu ${best_q:-FAIL}"
        continue
    fi
    echo "$insns $best_n $best_i $best_q" | awk '{
        nm = $1 / $2 / 1e6; im = $1 / $3 / 1e6; qm = $1 / $4 / 1e6;
        printf "  best of %d: native %.3f s (%.1f MIPS), interp %.3f s (%.1f MIPS), qemu %.3f s (%.1f MIPS)\n", '"$runs"', $2, nm, $3, im, $4, qm;
        printf "  speed against qemu: native %.3f, interp %.3f\n", $4 / $2, $4 / $3 }'
    if [ -n "$best_c" ]; then
        echo "$best_n $best_c" | awk '{ printf "  native -icount shift=0: %.3f s, %+.1f%% against native\n", $2, ($2 / $1 - 1) * 100 }'
    fi
done

# The cost of data on code pages: the same rounds in both layouts.
has_layout() { case " $layouts " in *" $1 "*) return 0 ;; esac; return 1; }
if has_layout normal && has_layout mixed && [ -n "$normal_sum" ]; then
    make -s -C "$build" bench/bench-mixed-long.elf || exit 1
    echo "== same-page cost: native, bench-normal.elf against bench-mixed-long.elf (same rounds)"
    best_a= best_b=
    i=0
    while [ $i -lt "$runs" ]; do
        i=$((i + 1))
        a=$(timed_run "$tmp/a" "$tessera" -accel native -M virt -bios none -nographic -kernel "$build/bench/bench-normal.elf")
        b=$(timed_run "$tmp/b" "$tessera" -accel native -M virt -bios none -nographic -kernel "$build/bench/bench-mixed-long.elf")
        echo "  run $i: normal $a s, mixed $b s"
        if [ "$a" = FAIL ] || [ "$b" = FAIL ] ||
            [ "$(field checksum "$tmp/a")" != "$normal_sum" ] ||
            [ "$(field checksum "$tmp/b")" != "$normal_sum" ]; then
            echo "  a run failed or gave a wrong checksum (want $normal_sum)"
            status=1
            break
        fi
        best_a=$(min "$best_a" "$a")
        best_b=$(min "$best_b" "$b")
    done
    if [ -n "$best_a" ] && [ -n "$best_b" ]; then
        echo "$best_a $best_b" | awk '{ printf "  best of '"$runs"': normal %.3f s, mixed %.3f s: the same-page layout takes %.3f times as long\n", $1, $2, $2 / $1 }'
    fi
fi
exit $status
