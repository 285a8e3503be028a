#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds AVR guest programs with avr-gcc and checks that Tessera prints
# what simavr prints for the same ELF, on one board.
#   run-avr.sh MCU BOARD PROGRAM...
# Tessera must also end each run by itself (the programs finish asleep with
# interrupts off) with status 0 and one line on stderr.
set -u
mcu=$1 board=$2
shift 2
srcdir=${srcdir:-.}
top=${top_builddir:-$(pwd)}
out=$top/tests/avr/build/$board
mkdir -p "$out" || exit 99
for tool in avr-gcc simavr; do
    if ! command -v $tool >/dev/null 2>&1; then
        echo "FAIL: $tool is not installed (tools/install-deps.sh installs gcc-avr, avr-libc, simavr)"
        exit 1
    fi
done
export TESSERA_BOARD_PATH=$srcdir/config/boards
status=0
for prog in "$@"; do
    elf=$out/$prog.elf
    if ! avr-gcc -mmcu="$mcu" -Os -Wall -I"$srcdir/tests/avr" -o "$elf" \
            "$srcdir/tests/avr/$prog.c"; then
        echo "FAIL: $prog: avr-gcc failed"
        status=1
        continue
    fi
    # simavr writes the USART's lines on stderr, coloured, with a '.'
    # before each newline; its own messages start with "simavr:".
    timeout 60 simavr -m "$mcu" -f 16000000 "$elf" 2>&1 >/dev/null |
        sed 's/\x1b\[[0-9;]*m//g; s/\.$//' | grep -v '^simavr:' \
        >"$out/$prog.simavr"
    timeout 60 "$top/tessera" -M "$board" -nographic -bios "$elf" \
        >"$out/$prog.out" 2>"$out/$prog.err"
    rc=$?
    if [ $rc -ne 0 ]; then
        echo "FAIL: $prog on $board: tessera exited with status $rc"
        cat "$out/$prog.err"
        status=1
    elif [ "$(wc -l <"$out/$prog.err")" -ne 1 ] ||
         ! grep -q "can never wake" "$out/$prog.err"; then
        echo "FAIL: $prog on $board: expected one 'can never wake' line on stderr, got:"
        cat "$out/$prog.err"
        status=1
    elif ! diff -u "$out/$prog.simavr" "$out/$prog.out"; then
        echo "FAIL: $prog on $board: output differs from simavr (- simavr, + tessera)"
        status=1
    elif [ ! -s "$out/$prog.out" ]; then
        echo "FAIL: $prog on $board: no output"
        status=1
    else
        echo "PASS: $prog on $board ($mcu)"
    fi
done
exit $status
