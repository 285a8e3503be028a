#!/bin/sh
# SPDX-License-Identifier: MIT
# -d in_asm disassembles AVR code as avr-objdump -d does: every
# instruction Tessera translates while running hello.c must read the same
# (mnemonic and operands; comments aside).
set -u
srcdir=${srcdir:-.}
top=${top_builddir:-$(pwd)}
out=$top/tests/avr/build/disas
mkdir -p "$out" || exit 99
for tool in avr-gcc avr-objdump; do
    if ! command -v $tool >/dev/null 2>&1; then
        echo "FAIL: $tool is not installed (tools/install-deps.sh)"
        exit 1
    fi
done
export TESSERA_BOARD_PATH=$srcdir/config/boards
elf=$out/hello.elf
avr-gcc -mmcu=atmega328p -Os -Wall -I"$srcdir/tests/avr" -o "$elf" \
    "$srcdir/tests/avr/hello.c" || { echo "FAIL: avr-gcc failed"; exit 1; }
timeout 60 "$top/tessera" -M uno -nographic -bios "$elf" -d in_asm \
    -D "$out/in_asm.log" </dev/null >/dev/null 2>&1
# "ADDRESS TEXT" without comments, from both.
avr-objdump -d "$elf" |
    sed -n 's/^ *\([0-9a-f]*\):\t[0-9a-f ]*\t\([^;]*\).*/\1 \2/p' |
    sed 's/[ \t]*$//; s/\t/ /g' >"$out/objdump.txt"
sed -n 's/^0x0*\([0-9a-f][0-9a-f]*\):  \([^;]*\).*/\1 \2/p' "$out/in_asm.log" |
    sed 's/[ \t]*$//; s/\t/ /g' | grep -v ' \.byte' | sort -u >"$out/tessera.txt"
n=$(wc -l <"$out/tessera.txt")
if [ "$n" -lt 50 ]; then
    echo "FAIL: only $n instructions in the -d in_asm log"
    exit 1
fi
bad=$(awk 'NR == FNR { ref[$1] = $0; next }
           !($1 in ref) || ref[$1] != $0 { print "  tessera: " $0 "\n  objdump: " ref[$1] }' \
      "$out/objdump.txt" "$out/tessera.txt")
if [ -n "$bad" ]; then
    echo "FAIL: -d in_asm differs from avr-objdump -d:"
    echo "$bad" | head -20
    exit 1
fi
echo "PASS: $n instructions disassembled as avr-objdump does"
sed -n '1,12p' "$out/tessera.txt"
