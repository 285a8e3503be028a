/* SPDX-License-Identifier: MIT */
/*
 * Helpers for uxl.c: run_user(fn) runs fn in U mode and comes back when
 * the M-mode hook sends the trap to user_return; and U-mode routines as
 * RV32 machine code (hand-assembled with riscv64-unknown-elf-as
 * -march=rv32imac_zicsr_zba_zbb, as .half pairs since this file is built
 * for RV64), each ending in ecall or in an instruction RV32 lacks.
 */
#include "asm.h"

    .bss
    .balign 16
user_ctx:
    .space  16 * REGBYTES

    .text
    .globl  run_user
    .balign 4
run_user:
    la      t0, user_ctx
    SREG    ra, 0*REGBYTES(t0)
    SREG    sp, 1*REGBYTES(t0)
    SREG    s0, 2*REGBYTES(t0)
    SREG    s1, 3*REGBYTES(t0)
    SREG    s2, 4*REGBYTES(t0)
    SREG    s3, 5*REGBYTES(t0)
    SREG    s4, 6*REGBYTES(t0)
    SREG    s5, 7*REGBYTES(t0)
    SREG    s6, 8*REGBYTES(t0)
    SREG    s7, 9*REGBYTES(t0)
    SREG    s8, 10*REGBYTES(t0)
    SREG    s9, 11*REGBYTES(t0)
    SREG    s10, 12*REGBYTES(t0)
    SREG    s11, 13*REGBYTES(t0)
    SREG    gp, 14*REGBYTES(t0)
    SREG    tp, 15*REGBYTES(t0)
    li      t1, 3 << 11
    csrc    mstatus, t1        /* MPP = U */
    csrw    mepc, a0
    li      ra, 0
    mret

    .globl  user_return
    .balign 4
user_return:
    la      t0, user_ctx
    LREG    ra, 0*REGBYTES(t0)
    LREG    sp, 1*REGBYTES(t0)
    LREG    s0, 2*REGBYTES(t0)
    LREG    s1, 3*REGBYTES(t0)
    LREG    s2, 4*REGBYTES(t0)
    LREG    s3, 5*REGBYTES(t0)
    LREG    s4, 6*REGBYTES(t0)
    LREG    s5, 7*REGBYTES(t0)
    LREG    s6, 8*REGBYTES(t0)
    LREG    s7, 9*REGBYTES(t0)
    LREG    s8, 10*REGBYTES(t0)
    LREG    s9, 11*REGBYTES(t0)
    LREG    s10, 12*REGBYTES(t0)
    LREG    s11, 13*REGBYTES(t0)
    LREG    gp, 14*REGBYTES(t0)
    LREG    tp, 15*REGBYTES(t0)
    ret

#define INSN(x) .half ((x) & 0xffff), ((x) >> 16)

    .globl  u32_arith
    .balign 4
u32_arith:
    INSN(0x80000537)    /* lui     a0, 0x80000 */
    INSN(0xfff50593)    /* addi    a1, a0, -1 */
    INSN(0x00a50633)    /* add     a2, a0, a0 */
    INSN(0x40455693)    /* srai    a3, a0, 4 */
    INSN(0x01f55713)    /* srli    a4, a0, 31 */
    INSN(0x00b637b3)    /* sltu    a5, a2, a1 */
    INSN(0x00052833)    /* slt     a6, a0, zero */
    INSN(0x02a518b3)    /* mulh    a7, a0, a0 */
    INSN(0x00b582b3)    /* add     t0, a1, a1 */
    INSN(0x00158313)    /* addi    t1, a1, 1 */
    .half   0x0306      /* c.slli  t1, 1 */
    INSN(0x20a523b3)    /* sh1add  t2, a0, a0 */
    INSN(0x6985d913)    /* rev8    s2, a1 (RV32 encoding) */
    INSN(0x60071993)    /* clz     s3, a4 */
    INSN(0x00000013)    /* nop (rdcycleh is illegal on QEMU 7.2 here) */
    INSN(0x00000a97)    /* auipc   s5, 0 */
    INSN(0x00000073)    /* ecall */

    .globl  u32_addiw
    .balign 4
u32_addiw:
    INSN(0x0015051b)    /* addiw   a0, a0, 1: RV64 only */
    INSN(0x00000073)

    .globl  u32_slli32
    .balign 4
u32_slli32:
    INSN(0x02051513)    /* slli    a0, a0, 32: shamt[5] is RV64 only */
    INSN(0x00000073)

    .globl  u32_ld
    .balign 4
u32_ld:
    INSN(0x00053503)    /* ld      a0, 0(a0): RV64 only */
    INSN(0x00000073)
