/* SPDX-License-Identifier: MIT */
/* Helpers for assembly that builds for both RV32 and RV64. */
#ifndef ASM_H
#define ASM_H

#if __riscv_xlen == 64
#define SREG sd
#define LREG ld
#define REGBYTES 8
#else
#define SREG sw
#define LREG lw
#define REGBYTES 4
#endif

/* struct trap_frame: x[32], mepc, mcause, mtval, rounded up to 16 bytes. */
#define FRAME_SIZE (((35 * REGBYTES) + 15) & ~15)

/* Harts that may run secondary_main, and the stack each gets (4 KiB). */
#define RT_MAX_HARTS 8
#define RT_HART_STACK_SHIFT 12

#endif
