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
# A file= that cannot keep the contents stops the run before it starts,
# with one line naming the file and what is wrong.
mkdir -p "$out/ee-dir"
printf 'abc' >"$out/ee-short.bin"
for bad in "dir:$out/ee-dir:is not a regular file" \
           "missing:$out/no/such/dir/ee.bin:cannot create it" \
           "size:$out/ee-short.bin:is 3 bytes, expected"; do
    what=${bad%%:*}; rest=${bad#*:}; file=${rest%%:*}; expect=${rest#*:}
    timeout 60 "$top/tessera" -M "$board" -nographic -bios "$out/eeprom.elf" \
        -set eeprom.file="$file" </dev/null >/dev/null 2>"$out/ee-$what.err"
    rc=$?
    if [ $rc -eq 1 ] && [ "$(wc -l <"$out/ee-$what.err")" -eq 1 ] &&
       grep -qF "eeprom.file=$file: $expect" "$out/ee-$what.err"; then
        echo "PASS: EEPROM file ($what) refused on $board"
    else
        echo "FAIL: EEPROM file ($what) on $board: status $rc, stderr:"
        cat "$out/ee-$what.err"
        status=1
    fi
done
[ "$(cat "$out/ee-short.bin")" = abc ] ||
    { echo "FAIL: the refused EEPROM file was changed on $board"; status=1; }

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

# Power reduction and sleep modes: simavr models neither (its clocks run in
# every sleep mode and PRR is plain memory), so these check the
# datasheet's behaviour on Tessera only.
prr_expect='prr=0x00 off-read=0 frozen=1
counting again=1
write while off ignored: TCNT1=100
usart off: UCSR0A read 0, nothing sent
timer0 off: TOV0=0'
case $mcu in
atmega1280|atmega2560) prr_expect="$prr_expect
timer3 off: read 0, prr1=0x00" ;;
esac
sleep_expect='idle: t2=1 wdt=0 timer1 stopped=0
power-save: t2=2 wdt=0 timer1 stopped=1
adc noise reduction: t2=3 wdt=0 timer1 stopped=1
extended standby: t2=4 wdt=0 timer1 stopped=1
power-down: t2=4 wdt=1 timer1 stopped=1
power-down with only timer 0: never wakes'
for prog in prr sleepmodes; do
    elf=$out/$prog.elf
    if [ $prog = prr ]; then expect=$prr_expect; else expect=$sleep_expect; fi
    if avr-gcc -mmcu="$mcu" -Os -Wall -I"$srcdir/tests/avr" -o "$elf" \
            "$srcdir/tests/avr/$prog.c" &&
       timeout 60 "$top/tessera" -M "$board" -nographic -bios "$elf" \
            </dev/null >"$out/$prog.out" 2>"$out/$prog.err" &&
       [ "$(cat "$out/$prog.out")" = "$expect" ] &&
       [ "$(wc -l <"$out/$prog.err")" -eq 1 ] &&
       grep -q "can never wake" "$out/$prog.err"; then
        echo "PASS: $prog (Tessera only, datasheet behaviour) on $board"
    else
        echo "FAIL: $prog on $board, got:"
        cat "$out/$prog.out" "$out/$prog.err"
        status=1
    fi
done
# The last sleep is power-down with only a stopped clock's interrupt on.
if ! grep -q "mode 2 with no wake source" "$out/sleepmodes.err"; then
    echo "FAIL: sleepmodes on $board did not stop as 'can never wake' in power-down"
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
# The same through the register trace (avr-vcd sampling PORTB every cycle).
if timeout 60 "$top/tessera" -M "$board" -nographic -bios "$elf" \
        -set vcd.file="$out/regs.vcd" -set vcd.regs=PORTB:0x25,DDRB:0x24 \
        -set vcd.period=1 </dev/null >/dev/null 2>&1; then
    got=$(awk '/^#/ { t = substr($0, 2) } / !$/ { n++; if (n > 2) printf "%d ", t - last; last = t }
               END { printf "changes=%d", n }' "$out/regs.vcd")
    if [ "$got" = "62750 62750 62750 changes=5" ] &&
       grep -q '^\$var wire 8 ! PORTB \$end' "$out/regs.vcd" &&
       grep -q '^b00100000 "$' "$out/regs.vcd"; then
        echo "PASS: register VCD trace on $board"
    else
        echo "FAIL: register VCD trace on $board: $got"
        status=1
    fi
else
    echo "FAIL: blink with vcd.regs on $board did not run"
    status=1
fi
exit $status
