/* SPDX-License-Identifier: MIT */
/*
 * A guest with known counts for the tool tests (rv64, virt board, no C
 * extension so every instruction is 4 bytes). After the boot ROM's 6
 * instructions (2 loads), it runs:
 *   3 instructions, then a 4-instruction loop 100 times (one store and
 *   one load to buf per round), then 3 instructions and the store to the
 *   test finisher that ends the run with status 0.
 */
    .option norvc
    .section .text
    .globl _start
_start:
    addi t0, zero, 100
1:  auipc t1, %pcrel_hi(buf)
    addi t1, t1, %pcrel_lo(1b)
loop:
    sd t0, 0(t1)
    ld t2, 0(t1)
    addi t0, t0, -1
    bnez t0, loop
    lui t0, 0x100          /* sifive,test0 at 0x100000 */
    lui t1, 0x5
    addi t1, t1, 0x555     /* 0x5555: pass */
    sw t1, 0(t0)
2:  j 2b

    .section .data
    .balign 8
    .globl buf
buf:
    .dword 0
