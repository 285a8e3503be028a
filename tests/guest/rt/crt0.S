/* SPDX-License-Identifier: MIT */
/*
 * Entry and trap vector. The board jumps to the start of RAM, so _start is
 * the first thing in .text.init (the linker script puts it there).
 */
#include "asm.h"

    .section .text.init, "ax"
    .globl _start
_start:
    .option push
    .option norelax
    la      gp, __global_pointer$
    .option pop
    /* Hart 0 runs the program; others go to secondary_main (below). */
    csrr    t0, mhartid
    bnez    t0, secondary
    la      sp, __stack_top
    la      t0, trap_entry
    csrw    mtvec, t0
    csrw    mie, zero
    la      t0, __bss_start
    la      t1, __bss_end
1:  bgeu    t0, t1, 2f
    sb      zero, 0(t0)
    addi    t0, t0, 1
    j       1b
2:  fence   rw, rw
    li      t0, 1
    la      t1, rt_harts_go
    sw      t0, 0(t1)
    call    main
    call    exit

/*
 * Harts 1..RT_MAX_HARTS-1 wait until hart 0 has cleared .bss, then call
 * secondary_main(hartid) on their own stack (rt.c parks them unless the
 * program defines it); any others sleep.
 */
secondary:
    li      t1, RT_MAX_HARTS
    bgeu    t0, t1, park
    la      t1, rt_harts_go
1:  lw      t2, 0(t1)
    beqz    t2, 1b
    fence   rw, rw
    la      sp, __hart_stacks_top
    addi    t1, t0, -1
    slli    t1, t1, RT_HART_STACK_SHIFT
    sub     sp, sp, t1
    la      t1, trap_entry
    csrw    mtvec, t1
    csrw    mie, zero
    mv      a0, t0
    call    secondary_main
park:
    wfi
    j       park

    .data
    .balign 4
    .globl  rt_harts_go
rt_harts_go:
    .word   0

    /* Stacks of harts 1..RT_MAX_HARTS-1, 4 KiB each, below the top. */
    .bss
    .balign 16
    .space  (RT_MAX_HARTS - 1) << RT_HART_STACK_SHIFT
__hart_stacks_top:

/*
 * Direct-mode vector: saves every register in a trap_frame on the current
 * stack, lets C decide, then restores (the hook may have changed mepc or
 * registers) and returns with mret.
 */
    .text
    .globl  trap_entry
    .balign 4
trap_entry:
    addi    sp, sp, -FRAME_SIZE
    SREG    x1, 1*REGBYTES(sp)
    /* x2 (sp) is saved below as its value before the trap */
    SREG    x3, 3*REGBYTES(sp)
    SREG    x4, 4*REGBYTES(sp)
    SREG    x5, 5*REGBYTES(sp)
    SREG    x6, 6*REGBYTES(sp)
    SREG    x7, 7*REGBYTES(sp)
    SREG    x8, 8*REGBYTES(sp)
    SREG    x9, 9*REGBYTES(sp)
    SREG    x10, 10*REGBYTES(sp)
    SREG    x11, 11*REGBYTES(sp)
    SREG    x12, 12*REGBYTES(sp)
    SREG    x13, 13*REGBYTES(sp)
    SREG    x14, 14*REGBYTES(sp)
    SREG    x15, 15*REGBYTES(sp)
    SREG    x16, 16*REGBYTES(sp)
    SREG    x17, 17*REGBYTES(sp)
    SREG    x18, 18*REGBYTES(sp)
    SREG    x19, 19*REGBYTES(sp)
    SREG    x20, 20*REGBYTES(sp)
    SREG    x21, 21*REGBYTES(sp)
    SREG    x22, 22*REGBYTES(sp)
    SREG    x23, 23*REGBYTES(sp)
    SREG    x24, 24*REGBYTES(sp)
    SREG    x25, 25*REGBYTES(sp)
    SREG    x26, 26*REGBYTES(sp)
    SREG    x27, 27*REGBYTES(sp)
    SREG    x28, 28*REGBYTES(sp)
    SREG    x29, 29*REGBYTES(sp)
    SREG    x30, 30*REGBYTES(sp)
    SREG    x31, 31*REGBYTES(sp)
    addi    t0, sp, FRAME_SIZE
    SREG    t0, 2*REGBYTES(sp)
    csrr    t0, mepc
    SREG    t0, 32*REGBYTES(sp)
    csrr    t0, mcause
    SREG    t0, 33*REGBYTES(sp)
    csrr    t0, mtval
    SREG    t0, 34*REGBYTES(sp)
    mv      a0, sp
    call    trap_dispatch
    LREG    t0, 32*REGBYTES(sp)
    csrw    mepc, t0
    LREG    x1, 1*REGBYTES(sp)
    LREG    x3, 3*REGBYTES(sp)
    LREG    x4, 4*REGBYTES(sp)
    LREG    x5, 5*REGBYTES(sp)
    LREG    x6, 6*REGBYTES(sp)
    LREG    x7, 7*REGBYTES(sp)
    LREG    x8, 8*REGBYTES(sp)
    LREG    x9, 9*REGBYTES(sp)
    LREG    x10, 10*REGBYTES(sp)
    LREG    x11, 11*REGBYTES(sp)
    LREG    x12, 12*REGBYTES(sp)
    LREG    x13, 13*REGBYTES(sp)
    LREG    x14, 14*REGBYTES(sp)
    LREG    x15, 15*REGBYTES(sp)
    LREG    x16, 16*REGBYTES(sp)
    LREG    x17, 17*REGBYTES(sp)
    LREG    x18, 18*REGBYTES(sp)
    LREG    x19, 19*REGBYTES(sp)
    LREG    x20, 20*REGBYTES(sp)
    LREG    x21, 21*REGBYTES(sp)
    LREG    x22, 22*REGBYTES(sp)
    LREG    x23, 23*REGBYTES(sp)
    LREG    x24, 24*REGBYTES(sp)
    LREG    x25, 25*REGBYTES(sp)
    LREG    x26, 26*REGBYTES(sp)
    LREG    x27, 27*REGBYTES(sp)
    LREG    x28, 28*REGBYTES(sp)
    LREG    x29, 29*REGBYTES(sp)
    LREG    x30, 30*REGBYTES(sp)
    LREG    x31, 31*REGBYTES(sp)
    addi    sp, sp, FRAME_SIZE
    mret
