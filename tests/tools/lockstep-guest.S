/* SPDX-License-Identifier: MIT */
/*
 * Guest for the lockstep tests. Built twice: the VARIANT build differs in
 * exactly one instruction, at the label "changed" (same size, same
 * address). Before it, a 300-round loop makes the divergence land past
 * the first few message batches, and the 600 after it make the runs
 * notice it in the middle of a batch, not at exit.
 */
    .option norvc
    .section .text
    .globl _start
_start:
    addi a0, zero, 0
    addi t0, zero, 300
1:  addi a0, a0, 1
    addi t0, t0, -1
    bnez t0, 1b
    .globl changed
changed:
#ifdef VARIANT
    addi a0, a0, 5
#else
    addi a0, a0, 3
#endif
    addi a1, a0, 7
    slli a1, a1, 2
    addi t0, zero, 200     /* enough after the change to fill a batch */
3:  addi a1, a1, 1
    addi t0, t0, -1
    bnez t0, 3b
    lui t0, 0x100          /* sifive,test0: exit status 0 */
    lui t1, 0x5
    addi t1, t1, 0x555
    sw t1, 0(t0)
2:  j 2b
