/* SPDX-License-Identifier: MIT */
/*
 * The mini guest: checks two rules of the ISA (the carry flag, x / 0 = 0),
 * halting with status 1 if one fails, then prints a line on the UART at
 * 0xf000 (an ns16550a: its transmit register is at offset 0) and halts
 * with status 0. Loaded at 0 and started there.
 */
.include "mini.inc"

start:
    /* 0xffffffff + 1 carries: r4 = 0 - 1, then r4 + 1 sets c. */
    li 4, 0
    addi 4, 4, -1
    addi 5, 4, 1
    bc carried
    li 6, 1
    halt 6
carried:
    /* mini defines x / 0 as 0 (the IR leaves it to the frontend). */
    li 5, 7
    li 6, 0
    divu 7, 5, 6
    bnz 7, bad

    li 1, msg-start     /* r1: the next character (start is at 0) */
    li 2, 0xf000        /* r2: the UART */
loop:
    lb 3, 1, 0
    sb 3, 2, 0
    addi 1, 1, 1
    lb 3, 1, 0
    bnz 3, loop
    halt 0              /* r0 is 0: success */
bad:
    li 6, 1
    halt 6

msg:
    .ascii "Hello from mini, a Tessera arch plugin!\n"
    .byte 0
