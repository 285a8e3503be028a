/* SPDX-License-Identifier: MIT */
/* What the start-up code of the ARM guests (crt0.S, newlib-crt0.S) has in
 * common: Thumb code, the vector table's start and the reset handler's. */
    .syntax unified
    .thumb

/* The vector table's start: the initial stack pointer and the reset
 * handler's address. */
    .macro vectors_start
    .section .vectors, "a"
    .global vectors
vectors:
    .word _stack_top
    .word reset_handler
    .endm

/* reset_handler's start: .bss (__bss_start to __bss_end, words) zeroed
 * with r0-r2; what follows it goes on to main. */
    .macro reset_handler_start
    .text
    .thumb_func
    .global reset_handler
reset_handler:
    ldr r0, =__bss_start
    ldr r1, =__bss_end
    movs r2, #0
1:  cmp r0, r1
    bhs 2f
    str r2, [r0]
    adds r0, #4
    b 1b
2:
    .endm
