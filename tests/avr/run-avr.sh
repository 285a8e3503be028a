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
        </dev/null >"$out/$prog.out" 2>"$out/$prog.err"
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
    # The same program as Intel HEX (what the Arduino tools flash), given
    # with -kernel this time.
    if [ "$prog" = hello ]; then
        avr-objcopy -O ihex -R .eeprom "$elf" "$out/$prog.hex" &&
        timeout 60 "$top/tessera" -M "$board" -nographic \
            -kernel "$out/$prog.hex" </dev/null >"$out/$prog.hex.out" 2>/dev/null
        if cmp -s "$out/$prog.out" "$out/$prog.hex.out"; then
            echo "PASS: $prog.hex on $board"
        else
            echo "FAIL: $prog.hex on $board: output differs from the ELF's"
            status=1
        fi
    fi
done
# USART input (simavr has no stdin to compare with): typed text comes back
# in upper case through the RX-complete interrupt.
elf=$out/echo.elf
if avr-gcc -mmcu="$mcu" -Os -Wall -I"$srcdir/tests/avr" -o "$elf" \
        "$srcdir/tests/avr/echo.c"; then
    printf 'hello, avr.' | timeout 60 "$top/tessera" -M "$board" -nographic \
        -bios "$elf" >"$out/echo.out" 2>/dev/null
    if [ "$(cat "$out/echo.out")" = "$(printf 'ready\nHELLO, AVR\nbye')" ]; then
        echo "PASS: echo (USART RX) on $board"
    else
        echo "FAIL: echo (USART RX) on $board, got:"
        cat "$out/echo.out"
        status=1
    fi
else
    echo "FAIL: echo: avr-gcc failed"
    status=1
fi
# EEPROM persistence: a second run with the same file sees the first's
# writes instead of the ELF's .eeprom contents.
rm -f "$out/ee.bin"
for run in 1 2; do
    timeout 60 "$top/tessera" -M "$board" -nographic -bios "$out/eeprom.elf" \
        -set eeprom.file="$out/ee.bin" </dev/null >"$out/ee$run.out" 2>/dev/null
done
if grep -q '^preset\[1\]=0x22$' "$out/ee1.out" &&
   grep -q '^preset\[1\]=0xa5$' "$out/ee2.out"; then
    echo "PASS: EEPROM file persists on $board"
else
    echo "FAIL: EEPROM file did not persist on $board"
    status=1
fi

# -d unimp names the I/O registers nothing models (the ADC here).
elf=$out/unimp.elf
if avr-gcc -mmcu="$mcu" -Os -Wall -I"$srcdir/tests/avr" -o "$elf" \
        "$srcdir/tests/avr/unimp.c" &&
   timeout 60 "$top/tessera" -M "$board" -nographic -bios "$elf" -d unimp \
        -D "$out/unimp.log" </dev/null >/dev/null 2>&1 &&
   grep -q "write 0x87 to unmodelled data address 0x007a" "$out/unimp.log" &&
   grep -q "read of unmodelled data address 0x0078" "$out/unimp.log"; then
    echo "PASS: -d unimp on $board"
else
    echo "FAIL: -d unimp on $board did not log the ADC accesses"
    status=1
fi

# VCD trace: PB5 toggles four times, 1004 cycles (62750 ns) apart.
elf=$out/blink.elf
if avr-gcc -mmcu="$mcu" -Os -Wall -I"$srcdir/tests/avr" -o "$elf" \
        "$srcdir/tests/avr/blink.c" &&
   timeout 60 "$top/tessera" -M "$board" -nographic -bios "$elf" \
        -set portb.vcd="$out/blink.vcd" </dev/null >/dev/null 2>&1; then
    got=$(awk '/^#/ { t = substr($0, 2) } /^[01]f$/ { n++; if (n > 2) printf "%d ", t - last; last = t }
               END { printf "changes=%d", n }' "$out/blink.vcd")
    if [ "$got" = "62750 62750 62750 changes=5" ] &&
       grep -q '^\$var wire 1 f portb_5 \$end' "$out/blink.vcd"; then
        echo "PASS: blink VCD trace on $board"
    else
        echo "FAIL: blink VCD trace on $board: $got"
        status=1
    fi
else
    echo "FAIL: blink on $board did not build or run"
    status=1
fi
exit $status
