/* SPDX-License-Identifier: MIT */
/*
 * Bare-metal RISC-V guest for the monitor and socket tests: prints
 * "echo: ready" on the ns16550a of virt, then sends back every byte it
 * receives. Built for RV64 with -Ttext=0x80000000; runs with -bios none.
 */
    .equ UART, 0x10000000
    .equ LSR, 5
    .section .text
    .globl _start
_start:
    li      t0, UART
    la      t1, banner
1:  lbu     t2, 0(t1)
    beqz    t2, 3f
2:  lbu     t3, LSR(t0)
    andi    t3, t3, 0x20
    beqz    t3, 2b
    sb      t2, 0(t0)
    addi    t1, t1, 1
    j       1b
3:  lbu     t3, LSR(t0)         /* wait for a byte */
    andi    t3, t3, 1
    beqz    t3, 3b
    lbu     t2, 0(t0)
4:  lbu     t3, LSR(t0)
    andi    t3, t3, 0x20
    beqz    t3, 4b
    sb      t2, 0(t0)
    j       3b

    .section .rodata
banner:
    .asciz  "echo: ready\n"
