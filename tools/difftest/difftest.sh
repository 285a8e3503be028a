#!/bin/sh
# SPDX-License-Identifier: MIT
# Differential testing on random programs (docs/testing.md).
#
#   difftest.sh [-a riscv|avr|avr2560|arm|arm-dsp] [-n UNITS] [--no-qemu] [--keep DIR] FIRST [LAST]
#   difftest.sh [-a ARCH] [-n UNITS] --bisect SEED
#
# For each seed FIRST..LAST, writes a random program (tools/difftest/
# gen-riscv, gen-avr or gen-arm) and runs it
#  - on the interpreter and on the native backend at once under the
#    lockstep tool (-icount shift=0): the registers must agree after every
#    instruction, and both runs print the same dump;
#  - RISC-V: on qemu-system-riscv64 too, whose dump (registers, fcsr,
#    traps, scratch memory, printed by the program over the UART) must be
#    Tessera's (--no-qemu leaves this out);
#  - AVR (avr: the uno board, avr2560: mega2560): on simavr, whose USART
#    output (the same dump) must be Tessera's;
#  - ARM (arm: Thumb-2 on mps2-an385's Cortex-M3, arm-dsp: with the DSP
#    instructions on mps2-an386's Cortex-M4): gen-arm writes assembler,
#    arm-none-eabi-gcc links it with tools/difftest/arm-runtime.c, and
#    qemu-system-arm's semihosting dump must be Tessera's.
# On a failure it prints the seed, the command that reproduces it, the
# lockstep report (the last instructions with disassembly and both
# register files) or the diff of the dumps. --bisect SEED finds the
# smallest -n that still fails, so the last unit is the culprit.
# Environment: top_builddir (the build tree, default .), QEMU_RISCV64,
# SIMAVR, QEMU_ARM, ARM_CC.
set -u
b=${top_builddir:-.}
src=$(cd "$(dirname "$0")/../.." && pwd)
tessera="$b/tessera"
arch=riscv
units=""
qemu=1
keep=""
bisect=0
while [ $# -gt 0 ]; do
    case $1 in
    -a) arch=$2; shift 2 ;;
    -n) units=$2; shift 2 ;;
    --no-qemu) qemu=0; shift ;;
    --keep) keep=$2; shift 2 ;;
    --bisect) bisect=1; shift ;;
    -h|--help) sed -n '3,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "difftest: unknown option $1" >&2; exit 2 ;;
    *) break ;;
    esac
done
if [ $# -lt 1 ] || [ $# -gt 2 ]; then echo "usage: difftest.sh [-a riscv|avr|avr2560] [-n UNITS] [--no-qemu] [--keep DIR] FIRST [LAST] | --bisect SEED" >&2; exit 2; fi
first=$1 last=${2:-$1}
case $arch in
riscv) gen="$b/tools/difftest/gen-riscv"; rt="$b/tools/difftest/rv-runtime.bin"
    ref=${QEMU_RISCV64:-qemu-system-riscv64}
    machine="-M virt -bios none"; ext=bin; [ -n "$units" ] || units=500 ;;
avr|avr2560) gen="$b/tools/difftest/gen-avr"; rt=""
    ref=${SIMAVR:-simavr}
    if [ "$arch" = avr ]; then mcu=atmega328p board=uno; else mcu=atmega2560 board=mega2560; fi
    machine="-M $board"; ext=hex; [ -n "$units" ] || units=400 ;;
arm|arm-dsp) gen="$b/tools/difftest/gen-arm"; rt=""
    ref=${QEMU_ARM:-qemu-system-arm}; acc=${ARM_CC:-arm-none-eabi-gcc}
    command -v "$acc" >/dev/null 2>&1 ||
        { echo "FAIL: no $acc (apt-get install gcc-arm-none-eabi)"; exit 1; }
    if [ "$arch" = arm ]; then aboard=mps2-an385 acpu=cortex-m3 dflag=""
    else aboard=mps2-an386 acpu=cortex-m4 dflag=-d; fi
    machine="-M $src/config/boards/$aboard.ini -semihosting"; ext=elf
    [ -n "$units" ] || units=400 ;;
*) echo "difftest: -a riscv, avr (uno), avr2560 (mega2560), arm (mps2-an385) or arm-dsp (mps2-an386)" >&2; exit 2 ;;
esac
for f in "$tessera" "$gen"; do
    [ -x "$f" ] || { echo "FAIL: missing $f (make check builds it)"; exit 1; }
done
[ -z "$rt" ] || [ -f "$rt" ] || { echo "FAIL: missing $rt (make check builds it)"; exit 1; }
if [ "$qemu" = 1 ] && ! command -v "$ref" >/dev/null 2>&1; then
    echo "FAIL: $ref is not installed (tools/install-deps.sh)"; exit 1
fi
if [ -n "$keep" ]; then
    mkdir -p "$keep" || exit 1
    work=$keep
else
    work=$(mktemp -d "${TMPDIR:-/tmp}/difftest.XXXXXX") || exit 1
    trap 'rm -rf "$work"' EXIT
fi

# gen SEED N OUT [-v]
# shellcheck disable=SC2086
gen() {
    if [ "$ext" = elf ]; then
        "$gen" $dflag ${4:-} -n "$2" "$1" "${3%.elf}.S" &&
            "$acc" -mcpu=$acpu -mthumb -mfloat-abi=soft -O2 -nostdlib \
                -ffreestanding -T "$src/tests/arm/rt/guest.ld" \
                -I"$src/tests/arm" -o "$3" "$src/tests/arm/rt/crt0.S" \
                "$src/tests/arm/rt/rt.c" "$src/tools/difftest/arm-runtime.c" \
                "${3%.elf}.S" -lgcc
    elif [ "$arch" = riscv ]; then
        if [ "$qemu" = 1 ]; then
            "$gen" ${4:-} -q -n "$2" "$1" "$rt" "$3"
        else
            "$gen" ${4:-} -n "$2" "$1" "$rt" "$3"
        fi
    elif [ "$qemu" = 1 ]; then
        "$gen" ${4:-} -s -n "$2" "$1" "$3"
    else
        "$gen" ${4:-} -n "$2" "$1" "$3"
    fi
}

# Tessera's image options for an image.
img_opts() {
    if [ "$arch" = riscv ] || [ "$ext" = elf ]; then echo "-kernel $1"; else echo "-bios $1"; fi
}

# lockstep IMG TAG: interp against native; sets ls_ok and leaves
# $work/TAG.interp and $work/TAG.native.
lockstep() {
    img=$1 tag=$2
    sock="$work/$tag.sock"
    rm -f "$sock"
    # shellcheck disable=SC2046,SC2086
    timeout 300 "$tessera" -accel interp -icount shift=0 $machine -nographic \
        $(img_opts "$img") -plugin "lockstep,sockpath=$sock,timeout=60,ring=12" \
        </dev/null >"$work/$tag.interp" 2>&1 &
    lpid=$!
    i=0
    while [ ! -S "$sock" ]; do
        i=$((i + 1))
        if [ $((i % 1000)) -eq 0 ] && ! kill -0 "$lpid" 2>/dev/null; then
            break
        fi
        [ "$i" -gt 20000000 ] && break
    done
    # shellcheck disable=SC2046,SC2086
    timeout 300 "$tessera" -accel native -icount shift=0 $machine -nographic \
        $(img_opts "$img") -plugin "lockstep,sockpath=$sock" \
        </dev/null >"$work/$tag.native" 2>&1
    st2=$?
    wait "$lpid"
    st1=$?
    ls_ok=0
    if [ "$st1" -eq 0 ] && [ "$st2" -eq 0 ] &&
        grep -q "lockstep: no divergence" "$work/$tag.interp" &&
        grep -q "lockstep: no divergence" "$work/$tag.native" &&
        grep -v '^lockstep:' "$work/$tag.interp" >"$work/$tag.dump.i" &&
        grep -v '^lockstep:' "$work/$tag.native" >"$work/$tag.dump.n" &&
        cmp -s "$work/$tag.dump.i" "$work/$tag.dump.n"; then
        ls_ok=1
    fi
}

# reference IMG TAG: the reference emulator's dump against Tessera's; sets
# ref_ok, leaves $work/TAG.ref and $work/TAG.tessera.
reference() {
    img=$1 tag=$2
    ref_ok=1
    [ "$qemu" = 1 ] || return 0
    if [ "$ext" = elf ]; then
        # the dump is on the semihosting console (stderr)
        timeout 60 "$ref" -M "$aboard" -nographic -semihosting \
            -kernel "$img" </dev/null 2>"$work/$tag.ref" >/dev/null
        # shellcheck disable=SC2086
        timeout 60 "$tessera" $machine -nographic -kernel "$img" \
            </dev/null 2>"$work/$tag.tessera" >/dev/null
        cmp -s "$work/$tag.ref" "$work/$tag.tessera" &&
            [ -s "$work/$tag.ref" ] || ref_ok=0
        return 0
    elif [ "$arch" = riscv ]; then
        timeout 60 "$ref" -M virt -bios none -nographic -kernel "$img" \
            </dev/null >"$work/$tag.ref" 2>&1
    else
        # simavr writes the USART's lines on stderr, coloured, with a '.'
        # before each newline; its own messages start with "simavr:".
        timeout 60 "$ref" -m "$mcu" -f 16000000 "$img" 2>&1 >/dev/null |
            sed 's/\x1b\[[0-9;]*m//g; s/\.$//' | grep -v '^simavr:' \
            >"$work/$tag.ref"
    fi
    # shellcheck disable=SC2046,SC2086
    timeout 60 "$tessera" $machine -nographic $(img_opts "$img") \
        </dev/null >"$work/$tag.tessera" 2>/dev/null
    if [ "$arch" = riscv ]; then
        # minstret: QEMU's -icount count differs from ours on some
        # instructions that trap, so only the backends compare it
        # (between themselves, under lockstep)
        for f in ref tessera; do
            grep -v '^instret ' "$work/$tag.$f" >"$work/$tag.$f.x" &&
                mv "$work/$tag.$f.x" "$work/$tag.$f"
        done
    fi
    cmp -s "$work/$tag.ref" "$work/$tag.tessera" && [ -s "$work/$tag.ref" ] ||
        ref_ok=0
}

# check SEED N TAG: 0 when everything agrees.
check() {
    ls_ok=0 ref_ok=0
    img="$work/$3.$ext"
    gen "$1" "$2" "$img" || { echo "FAIL: seed $1: the generator failed"; return 1; }
    lockstep "$img" "$3"
    reference "$img" "$3"
    [ "$ls_ok" = 1 ] && [ "$ref_ok" = 1 ]
}

repro() {
    q=""
    [ "$qemu" = 1 ] || q=" --no-qemu"
    echo "  reproduce: top_builddir=$b $0 -a $arch -n $units$q --keep /tmp/dt $1"
}

if [ "$bisect" = 1 ]; then
    if check "$first" "$units" bisect; then
        echo "seed $first passes with -n $units: nothing to bisect"; exit 0
    fi
    lo=0 hi=$units # lo passes (no units), hi fails
    while [ $((hi - lo)) -gt 1 ]; do
        mid=$(((lo + hi) / 2))
        if check "$first" "$mid" bisect; then lo=$mid; else hi=$mid; fi
    done
    echo "seed $first: fails with -n $hi, passes with -n $lo: unit $hi is the first that fails"
    check "$first" "$hi" bisect
    if [ "$arch" = riscv ]; then
        range=$(gen "$first" "$hi" "$work/v.bin" -v | sed -n 's/^last unit: //p')
        echo "unit $hi ($range):"
        if command -v riscv64-unknown-elf-objdump >/dev/null 2>&1; then
            riscv64-unknown-elf-objdump -D -b binary -m riscv:rv64 \
                --adjust-vma=0x80000000 --start-address="${range%%..*}" \
                --stop-address="${range##*..}" "$work/bisect.bin" |
                sed -n '/^ *[0-9a-f]*:/p'
        fi
    elif [ "$ext" = elf ]; then
        gen "$first" "$hi" "$work/v.elf" -v | sed -n 's/^last unit: //p'
        sed -n "/^$(gen "$first" "$hi" "$work/v.elf" -v | sed -n 's/^last unit: //p'):/,/^\.Lu/p" "$work/v.S"
    else
        range=$(gen "$first" "$hi" "$work/v.hex" -v | sed -n 's/^last unit: //p')
        echo "unit $hi ($range, byte addresses):"
        if command -v avr-objdump >/dev/null 2>&1; then
            avr-objdump -m avr5 -D --start-address="${range%%..*}" \
                --stop-address="${range##*..}" "$work/bisect.hex" 2>/dev/null |
                sed -n '/^ *[0-9a-f]*:/p'
        fi
    fi
    [ "$ls_ok" = 1 ] || { echo "--- lockstep (interp)"; cat "$work/bisect.interp"; }
    [ "$ref_ok" = 1 ] || { echo "--- dumps (- reference, + tessera)"; diff -u "$work/bisect.ref" "$work/bisect.tessera" | head -40; }
    exit 1
fi

fails=0 n=0
seed=$first
while [ "$seed" -le "$last" ]; do
    n=$((n + 1))
    tag="s$seed"
    if check "$seed" "$units" "$tag"; then
        [ -n "$keep" ] || rm -f "$work/$tag".*
    else
        fails=$((fails + 1))
        echo "FAIL: $arch seed $seed (-n $units)"
        repro "$seed"
        if [ "$ls_ok" != 1 ]; then
            echo "--- interp against native (lockstep), interp side:"
            tail -80 "$work/$tag.interp"
            echo "--- native side:"
            tail -20 "$work/$tag.native"
        fi
        if [ "$ref_ok" != 1 ]; then
            echo "--- dumps differ (- $ref, + tessera):"
            diff -u "$work/$tag.ref" "$work/$tag.tessera" | head -40
        fi
    fi
    seed=$((seed + 1))
done
echo "difftest: $arch seeds $first..$last, $n programs of $units units, $fails failed"
[ "$fails" -eq 0 ]
