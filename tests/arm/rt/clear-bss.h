/* SPDX-License-Identifier: MIT */
/* For the start-up code of the ARM guests (crt0.S, newlib-crt0.S): an
 * assembler macro that zeroes .bss (__bss_start to __bss_end, words) with
 * r0-r2. */
    .macro clear_bss
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
