/* SPDX-License-Identifier: MIT */
/* A known number of instructions for -plugin insn: 1 + 2 * 100 + 4 = 205
 * (the semihosting BKPT that ends the run is the last one retired). */
    .syntax unified
    .thumb
    .section .vectors, "a"
    .word 0x20001000
    .word start + 1
    .text
    .thumb_func
start:
    movs r1, #100
1:  subs r1, #1
    bne 1b
    movs r0, #0x18
    ldr r1, =0x20026
    nop
    bkpt 0xab
