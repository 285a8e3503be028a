/* SPDX-License-Identifier: MIT */
/* Entry of the GDB test guest: every hart gets 4 KiB of stack; hart 0
 * runs main(), the others run worker(hartid) (so that -smp 4 shows four
 * busy threads). */
    .section .text.init, "ax"
    .globl _start
_start:
    .option push
    .option norelax
    la      gp, __global_pointer$
    .option pop
    csrr    a0, mhartid
    la      sp, stacks_end
    slli    t0, a0, 12
    sub     sp, sp, t0
    bnez    a0, 1f
    call    main
    j       finish
1:  call    worker
    j       .

    .bss
    .balign 16
stacks:
    .space  4096 * 8
stacks_end:
