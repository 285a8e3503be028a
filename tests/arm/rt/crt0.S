/* SPDX-License-Identifier: MIT */
/* Vector table and reset for the ARM guest tests (M-profile). */
    .syntax unified
    .thumb

    .section .vectors, "a"
    .global vectors
vectors:
    .word _stack_top
    .word reset_handler
    .word nmi_handler
    .word hardfault_handler
    .word memmanage_handler
    .word busfault_handler
    .word usagefault_handler
    .word 0, 0, 0, 0
    .word svc_handler
    .word debugmon_handler
    .word 0
    .word pendsv_handler
    .word systick_handler
#ifndef RT_NIRQ
#define RT_NIRQ 32 /* mps2-an511 has 64 */
#endif
    .rept RT_NIRQ
    .word irq_handler
    .endr

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
2:  bl main
    bl rt_exit
3:  b 3b

