/* SPDX-License-Identifier: MIT */
/* Entry of the bare-metal demo: one stack per hart, then main(). */
    .section .text.start
    .globl _start
_start:
    csrr  t0, mhartid
    bnez  t0, park            /* only hart 0 runs the demo */
    la    sp, stack_top
    call  main
park:
    wfi
    j     park

    .bss
    .align 4
    .space 4096
stack_top:
