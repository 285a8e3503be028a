/* SPDX-License-Identifier: MIT */
/*
 * Every C-extension form, written with explicit c.* mnemonics so the
 * assembler cannot pick a 32-bit encoding. rvc_forms(out) stores one result
 * per step in out[] and returns the end of what it stored; rvc.c knows what
 * each step must give.
 */
#include "asm.h"

/* Stores reg at the cursor (t6) and advances it; 32-bit forms on purpose. */
.macro SAVE reg
    .option push
    .option norvc
    SREG    \reg, 0(t6)
    addi    t6, t6, REGBYTES
    .option pop
.endm

    .data
    .balign 16
    .globl rvc_buf
rvc_buf:
    .word   0x12345678, 0x80000000, 0, 0
    .dword  0x8000000000000001, 0

    .text
    .globl  rvc_forms
    .balign 4
rvc_forms:
    addi    sp, sp, -64
    SREG    ra, 0(sp)
    SREG    s0, REGBYTES(sp)
    SREG    s1, 2*REGBYTES(sp)
    mv      t6, a0

    /* 0..4: c.li, c.addi, c.nop, c.lui */
    c.li    a1, -32
    SAVE    a1
    c.li    a2, 31
    c.addi  a2, -1
    c.nop
    SAVE    a2
    c.lui   a3, 0xfffff
    SAVE    a3
    c.lui   a3, 1
    SAVE    a3
    c.lui   a3, 0x1f
    c.addi  a3, 31
    SAVE    a3

    /* 5, 6: c.addi16sp, c.addi4spn */
    mv      a4, sp
    c.addi16sp sp, -32
    sub     a5, a4, sp
    c.addi16sp sp, 32
    SAVE    a5
    c.addi4spn a4, sp, 16
    sub     a5, a4, sp
    SAVE    a5

    /* 7..12: c.mv, c.add, c.sub, c.xor, c.or, c.and */
    c.mv    a4, a1
    SAVE    a4
    li      a4, 100
    li      a5, 23
    c.add   a4, a5
    SAVE    a4
    c.sub   a4, a5
    c.sub   a4, a5
    SAVE    a4
    li      a4, 0xff0
    li      a5, 0x0ff
    c.xor   a4, a5
    SAVE    a4
    li      a4, 0xff0
    c.or    a4, a5
    SAVE    a4
    li      a4, 0xff0
    c.and   a4, a5
    SAVE    a4

    /* 13..17: c.andi, c.slli, c.srli, c.srai */
    li      a4, -1
    c.andi  a4, 0x1f
    SAVE    a4
    li      a4, 0x12345
    c.andi  a4, -32
    SAVE    a4
    li      a4, 1
    c.slli  a4, __riscv_xlen - 1
    SAVE    a4
    mv      a5, a4
    c.srli  a4, __riscv_xlen - 1
    SAVE    a4
    c.srai  a5, 4
    SAVE    a5

    /* 18..21: c.lw, c.sw, c.lwsp, c.swsp */
    la      s0, rvc_buf
    c.lw    a4, 4(s0)
    SAVE    a4
    li      a5, 0x1234
    c.sw    a5, 8(s0)
    lw      a4, 8(s0)
    SAVE    a4
    c.swsp  a1, 40(sp)
    c.lwsp  a4, 40(sp)
    SAVE    a4
    c.lw    a4, 0(s0)
    SAVE    a4

    /* 22..25: c.beqz, c.bnez, taken and not taken (a4 counts takes) */
    li      a5, 0
    li      a4, 0
    c.beqz  a5, 1f
    addi    a4, a4, 100
1:  addi    a4, a4, 1
    c.bnez  a5, 2f
    addi    a4, a4, 10
2:  SAVE    a4
    li      a5, -1
    li      a4, 0
    c.beqz  a5, 3f
    addi    a4, a4, 100
3:  c.bnez  a5, 4f
    addi    a4, a4, 10
4:  SAVE    a4
    /* a backward c.bnez loop */
    li      a4, 0
    li      a5, 5
5:  addi    a4, a4, 3
    c.addi  a5, -1
    c.bnez  a5, 5b
    SAVE    a4
    SAVE    a5

    /* 26, 27: c.j forward and backward */
    li      a4, 0
    c.j     7f
6:  addi    a4, a4, 1
    c.j     8f
7:  addi    a4, a4, 10
    c.j     6b
    addi    a4, a4, 100
8:  SAVE    a4
    SAVE    zero

    /* 28, 29: c.jr, c.jalr (link = pc + 2) */
    li      a4, 0
    la      a5, 9f
    c.jr    a5
    li      a4, 1
9:  SAVE    a4
    la      a5, 10f
    c.jalr  a5
11: li      a4, 1
10: la      a4, 11b
    sub     a4, ra, a4
    SAVE    a4

#if __riscv_xlen == 32
    /* 30: c.jal (RV32 only; on RV64 the encoding is c.addiw) */
    c.jal   12f
13: li      a4, 1
12: la      a4, 13b
    sub     a4, ra, a4
    SAVE    a4
#else
    /* 30..36: c.ld, c.sd, c.ldsp, c.sdsp, c.addiw, c.addw, c.subw */
    c.ld    a4, 16(s0)
    SAVE    a4
    li      a5, -2
    c.sd    a5, 24(s0)
    ld      a4, 24(s0)
    SAVE    a4
    c.sdsp  a4, 48(sp)
    c.ldsp  a3, 48(sp)
    SAVE    a3
    li      a4, 0x7fffffff
    c.addiw a4, 1
    SAVE    a4
    li      a4, 0x1ffffffff
    c.addiw a4, 0
    SAVE    a4
    li      a4, 0x7fffffff
    li      a5, 0x100000001
    c.addw  a4, a5
    SAVE    a4
    li      a4, 0
    li      a5, 1
    c.subw  a4, a5
    SAVE    a4
#endif

    /* last: c.ebreak, handled by rvc.c's trap hook */
    .globl  rvc_ebreak_site
rvc_ebreak_site:
    c.ebreak
    mv      a0, t6
    LREG    ra, 0(sp)
    LREG    s0, REGBYTES(sp)
    LREG    s1, 2*REGBYTES(sp)
    addi    sp, sp, 64
    ret
