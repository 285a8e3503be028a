/* SPDX-License-Identifier: MIT */
/*
 * Code that smc.c rewrites while the program runs. It sits in the .smc
 * section, which the linker script places among the data.
 */
#include "asm.h"

    .section .smc, "awx"
    .option push
    .option norvc

/* Returns a constant; smc.c rewrites the first instruction. */
    .balign 4
    .globl  smc_const
smc_const:
    addi    a0, zero, 1
    ret

/*
 * smc_patch_self(insn): stores insn over the instruction at 1f, in the block
 * that is running, then runs it. Returns a0 as that instruction left it.
 */
    .balign 4
    .globl  smc_patch_self
smc_patch_self:
    la      t0, 1f
    sw      a0, 0(t0)
    fence.i
1:  addi    a0, zero, 0
    ret

/* A loop whose body smc.c rewrites between calls: a0 = n * step. */
    .balign 4
    .globl  smc_loop, smc_loop_step
smc_loop:
    mv      t0, a0
    li      a0, 0
2:
smc_loop_step:
    addi    a0, a0, 1
    addi    t0, t0, -1
    bnez    t0, 2b
    ret
    .option pop

/* A compressed instruction to rewrite with a 16-bit store. */
    .balign 4
    .globl  smc_compressed
smc_compressed:
    c.li    a0, 1
    ret

/*
 * Data on a code page: two functions with data words between them and
 * after them. Stores to the data must leave the code alone; a store to
 * the first instruction of the second function changes what it returns.
 */
    .balign 8
    .globl  smc_around_a, smc_around_b, smc_gap, smc_after
smc_around_a:
    .option push
    .option norvc
    addi    a0, zero, 11
    ret
smc_gap:
    .dword  0, 0
smc_around_b:
    addi    a0, zero, 22
    ret
    .option pop
smc_after:
    .dword  0, 0
