/* SPDX-License-Identifier: MIT */
/* U-mode routines for cbo.c (run by run_user from uxl-code.S): one
 * cache-block operation on the block at a1 (run_user leaves
 * a1 as its caller set it), then ecall. */
    .text
    .option push
    .option norvc
    .globl  u_cbo_zero
    .balign 4
u_cbo_zero:
    .word   0x0045a00f      /* cbo.zero (a1) */
    ecall
    .globl  u_cbo_clean
    .balign 4
u_cbo_clean:
    .word   0x0015a00f      /* cbo.clean (a1) */
    ecall
    .globl  u_cbo_flush
    .balign 4
u_cbo_flush:
    .word   0x0025a00f      /* cbo.flush (a1) */
    ecall
    .globl  u_cbo_inval
    .balign 4
u_cbo_inval:
    .word   0x0005a00f      /* cbo.inval (a1) */
    ecall
    .option pop
