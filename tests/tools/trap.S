/* SPDX-License-Identifier: MIT */
/*
 * Guest for the trap event: an ecall and a load from an unmapped address
 * (access fault), both handled by a handler that skips the instruction.
 */
    .option norvc
    .section .text
    .globl _start
_start:
1:  auipc t0, %pcrel_hi(handler)
    addi t0, t0, %pcrel_lo(1b)
    csrw mtvec, t0
    .globl do_ecall
do_ecall:
    ecall
    lui t1, 0x40000        /* 0x40000000: nothing there on virt */
    .globl do_fault
do_fault:
    ld t2, 0(t1)
    lui t0, 0x100          /* sifive,test0: exit status 0 */
    lui t1, 0x5
    addi t1, t1, 0x555
    sw t1, 0(t0)
2:  j 2b

    .balign 4
    .globl handler
handler:
    csrr t3, mepc
    addi t3, t3, 4
    csrw mepc, t3
    mret
