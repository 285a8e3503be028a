/* SPDX-License-Identifier: MIT */
/*
 * probe_s_load(va): loads a doubleword at va as S mode would (M mode
 * with MPRV and MPP = S). A fault traps to M mode, whose hook (svx.c)
 * skips the load, so a0 keeps the marker -1. Nothing after the load
 * touches memory before MPRV is cleared again.
 */
    .text
    .option push
    .option norvc
    .globl  probe_s_load
    .balign 4
probe_s_load:
    li      t1, 3 << 11
    csrc    mstatus, t1
    li      t1, (1 << 17) | (1 << 11)   /* MPRV, MPP = S */
    mv      t0, a0
    li      a0, -1
    csrs    mstatus, t1
    .globl  probe_s_insn
probe_s_insn:
    ld      a0, 0(t0)
    csrc    mstatus, t1
    ret
    .option pop
