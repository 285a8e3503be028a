#!/bin/sh
# SPDX-License-Identifier: MIT
# -plugin mem sees the AVR's data-space loads and stores: memloop.S makes
# a known number of them (100 + PUSH/POP + LDS/STS + the return address
# of one RCALL, 2 bytes, or 3 on the ATmega2560; one IN from PINB).
set -u
srcdir=${srcdir:-.}
top=${top_builddir:-$(pwd)}
out=$top/tests/avr/build/mem
mkdir -p "$out" || exit 99
if ! command -v avr-gcc >/dev/null 2>&1; then
    echo "FAIL: avr-gcc is not installed (tools/install-deps.sh)"
    exit 1
fi
export TESSERA_BOARD_PATH=$srcdir/config/boards
status=0
for spec in atmega328p:uno:104 atmega2560:mega2560:105; do
    mcu=${spec%%:*} rest=${spec#*:}
    board=${rest%%:*} n=${rest#*:}
    elf=$out/memloop-$board.elf
    avr-gcc -mmcu="$mcu" -nostartfiles -o "$elf" "$srcdir/tests/avr/memloop.S" ||
        { echo "FAIL: avr-gcc failed"; status=1; continue; }
    timeout 60 "$top/tessera" -M "$board" -nographic -bios "$elf" \
        -plugin mem </dev/null >"$out/$board.txt" 2>&1
    if grep -Eq "^sram +0x[0-9a-f]+ +$n +$n +$((2 * n))$" "$out/$board.txt" &&
       grep -Eq "^portb +0x0*800023 +1 +0 +1$" "$out/$board.txt" &&
       grep -q "loads: $((n + 1)), stores: $n" "$out/$board.txt"; then
        echo "PASS: -plugin mem on $board: $n SRAM loads and stores, 1 I/O load"
    else
        echo "FAIL: -plugin mem on $board: expected $n SRAM loads and stores, 1 I/O load; got:"
        cat "$out/$board.txt"
        status=1
    fi
done
exit $status
