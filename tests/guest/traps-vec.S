/* SPDX-License-Identifier: MIT */
/*
 * A vectored trap table for traps.c. Each slot records its own number in
 * vec_last, then joins the ordinary trap_entry, so the C hook sees both the
 * cause and which slot the hart jumped to.
 */
#include "asm.h"

    .bss
    .balign 4
    .globl  vec_last
vec_last:
    .word   0

    .text
/* mtvec in vectored mode needs BASE aligned; 256 covers every hart's rule. */
    .balign 256
    .globl  vec_table
vec_table:
    .option push
    .option norvc
    j       vec_0
    j       vec_1
    j       vec_2
    j       vec_3
    j       vec_4
    j       vec_5
    j       vec_6
    j       vec_7
    j       vec_8
    j       vec_9
    j       vec_10
    j       vec_11
    .option pop

.macro VEC idx
vec_\idx:
    addi    sp, sp, -16
    SREG    t0, 0(sp)
    SREG    t1, 8(sp)
    li      t0, \idx
    la      t1, vec_last
    sw      t0, 0(t1)
    LREG    t0, 0(sp)
    LREG    t1, 8(sp)
    addi    sp, sp, 16
    j       trap_entry
.endm

    VEC 0
    VEC 1
    VEC 2
    VEC 3
    VEC 4
    VEC 5
    VEC 6
    VEC 7
    VEC 8
    VEC 9
    VEC 10
    VEC 11

/* Sites whose addresses traps.c checks against mepc and mtval. */
    .globl  site_ecall, site_ebreak, site_illegal, site_unimp, site_cunimp
    .globl  do_ecall, do_ebreak, do_illegal, do_unimp, do_cunimp
    .option push
    .option norvc
do_ecall:
    li      a0, 0
site_ecall:
    ecall
    ret
do_ebreak:
site_ebreak:
    ebreak
    ret
do_illegal:
site_illegal:
    .4byte  0x00007003      /* LOAD with funct3 7: reserved */
    ret
do_unimp:
site_unimp:
    csrrw   x0, cycle, x0   /* a write to a read-only CSR */
    ret
    .option pop
do_cunimp:
site_cunimp:
    .2byte  0x0000          /* the all-zero 16-bit pattern is illegal */
    ret
