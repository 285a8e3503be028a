; SPDX-License-Identifier: MIT
; A known number of data-space accesses for -plugin mem (tests/avr/mem.sh):
; SRAM: 100 stores (ST X+), 100 loads (LD X+), PUSH/POP, LDS/STS, a
; CALL/RET pair (2 stores, 2 loads); I/O: one IN from PINB. Then it waits
; with interrupts off, which ends the run.
#include <avr/io.h>
    .text
    .global main
main:
    ldi r16, 0xff
    out _SFR_IO_ADDR(SPL), r16
    ldi r16, 0x08
    out _SFR_IO_ADDR(SPH), r16
    ldi r26, 0x00
    ldi r27, 0x02
    ldi r24, 100
1:  st X+, r24
    dec r24
    brne 1b
    ldi r26, 0x00
    ldi r27, 0x02
    ldi r24, 100
2:  ld r0, X+
    dec r24
    brne 2b
    push r0
    pop r0
    lds r1, 0x0200
    sts 0x0201, r1
    rcall 3f
    in r2, _SFR_IO_ADDR(PINB)
    cli
4:  rjmp 4b
3:  ret
