/* SPDX-License-Identifier: MIT */
/*
 * Helpers for priv.c: entering S or U mode from M mode and coming back,
 * and a small S-mode trap handler for delegated traps.
 */
#include "asm.h"

    .bss
    .balign 16
lower_ctx:
    .space  16 * REGBYTES

    .globl  s_last
    .balign 16
/* scause, sepc, stval, sstatus at entry, count */
s_last:
    .space  5 * REGBYTES

    .text
/*
 * ulong run_lower(ulong mpp, void (*fn)(ulong), ulong arg): runs fn(arg)
 * in the privilege mpp (0 = U, 1 = S). fn ends with an ecall, which the M
 * hook turns into a jump to lower_return with a0 as fn's answer.
 */
    .globl  run_lower
    .balign 4
run_lower:
    la      t0, lower_ctx
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
    csrc    mstatus, t1
    slli    a0, a0, 11
    csrs    mstatus, a0
    csrw    mepc, a1
    mv      a0, a2
    /* fn returning by ret would be a bug: make it fault visibly. */
    li      ra, 0
    mret

    .globl  lower_return
    .balign 4
lower_return:
    la      t0, lower_ctx
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

/*
 * S-mode vector for delegated traps: records scause, sepc, stval and
 * sstatus, then resumes after the instruction (or, for a fetch fault, at
 * ra, like a return from the call that jumped there). Interrupts clear
 * sip.SSIP and resume where they hit.
 */
    .globl  s_trap_entry
    .balign 4
s_trap_entry:
    csrw    sscratch, t0
    la      t0, s_last
    SREG    t1, -REGBYTES(sp)
    csrr    t1, scause
    SREG    t1, 0*REGBYTES(t0)
    csrr    t1, sepc
    SREG    t1, 1*REGBYTES(t0)
    csrr    t1, stval
    SREG    t1, 2*REGBYTES(t0)
    csrr    t1, sstatus
    SREG    t1, 3*REGBYTES(t0)
    LREG    t1, 4*REGBYTES(t0)
    addi    t1, t1, 1
    SREG    t1, 4*REGBYTES(t0)
    csrr    t1, scause
    bltz    t1, 3f
    addi    t1, t1, -12
    beqz    t1, 2f
    addi    t1, t1, 11
    beqz    t1, 2f
    /* sepc += length of the instruction there */
    csrr    t1, sepc
    lhu     t0, 0(t1)
    andi    t0, t0, 3
    addi    t0, t0, -3
    addi    t1, t1, 2
    bnez    t0, 1f
    addi    t1, t1, 2
1:  csrw    sepc, t1
    j       4f
2:  csrw    sepc, ra
    j       4f
3:  li      t1, 2
    csrc    sip, t1
4:  LREG    t1, -REGBYTES(sp)
    csrr    t0, sscratch
    sret

/*
 * Probes run in S or U mode by run_lower: one access at the address in
 * a0, then ebreak, which the M hook turns into the way back (ebreak is
 * never delegated here, unlike ecall in some tests). A faulting access is
 * skipped by whichever handler takes it.
 */
    .option push
    .option norvc
    .globl  probe_load
    .balign 4
probe_load:
    mv      t0, a0
    li      a0, -1
    lw      a0, 0(t0)
    ebreak

    .globl  probe_store
    .balign 4
probe_store:
    mv      t0, a0
    li      a0, 0x5a
    sw      a0, 0(t0)
    ebreak

/* Two accesses in one run: first at probe_first, then at a0, so the
 * second finds whatever the first left in the TLB. */
    .globl  probe_load2
    .balign 4
probe_load2:
    mv      t0, a0
    la      t1, probe_first
    LREG    t1, 0(t1)
    lw      t1, 0(t1)
    li      a0, -1
    lw      a0, 0(t0)
    ebreak

    .globl  probe_store2
    .balign 4
probe_store2:
    mv      t0, a0
    la      t1, probe_first
    LREG    t1, 0(t1)
    li      a0, 0x5a
    sw      a0, 0(t1)
    sw      a0, 0(t0)
    ebreak

    .globl  probe_exec
    .balign 4
probe_exec:
    mv      t0, a0
    li      a0, -1
    jalr    ra, 0(t0)
    ebreak

    .globl  probe_ecall
    .balign 4
probe_ecall:
    li      a0, 7
    ecall
    ebreak

    .globl  probe_csr_mstatus
    .balign 4
probe_csr_mstatus:
    li      a0, -1
    csrr    a0, mstatus
    ebreak

    .globl  probe_sstatus
    .balign 4
probe_sstatus:
    csrr    a0, sstatus
    ebreak

    .globl  probe_cycle
    .balign 4
probe_cycle:
    li      a0, 1
    rdcycle t0
    li      a0, 2
    ebreak

    .globl  probe_sret
    .balign 4
probe_sret:
    sret
    ebreak

    .globl  probe_mret
    .balign 4
probe_mret:
    mret
    ebreak

    .globl  probe_wfi
    .balign 4
probe_wfi:
    wfi
    ebreak

    .globl  probe_sfence
    .balign 4
probe_sfence:
    sfence.vma
    ebreak

/* SSIP delegated to S: enable SIE, raise SSIP, take it at once. */
    .globl  probe_ssip
    .balign 4
probe_ssip:
    csrsi   sstatus, 2
    csrsi   sip, 2
    nop
    csrci   sstatus, 2
    ebreak
    .option pop
