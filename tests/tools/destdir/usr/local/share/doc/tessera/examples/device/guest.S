/* SPDX-License-Identifier: MIT */
/*
 * Bare-metal RV64 guest for doorbell.ini: checks the ID register, rings the
 * doorbell, takes its interrupt through the PLIC (claim, acknowledge the
 * device, complete), prints the outcome on the UART and ends through the
 * sifive-test finisher (exit 0 on success, else the number of the failed
 * step).
 */
#define TEST    0x100000
#define UART    0x10000000
#define BELL    0x10010000
#define ID      0x7e55e7a
#define PLIC    0xc000000
#define SOURCE  12                  /* bell0's "irq = plic0:12" */

    .text
    .globl _start
_start:
    la      t0, trap
    csrw    mtvec, t0
    li      s0, BELL
    li      s1, 0                   /* interrupts taken */

    li      a0, 1                   /* step 1: ID register */
    lw      t1, 0(s0)
    li      t2, ID
    bne     t1, t2, fail

    li      a0, 2                   /* step 2: ring, interrupt arrives */
    li      t0, PLIC                /* source priority 1, enabled for */
    li      t1, 1                   /* context 0 (hart 0, M mode), */
    sw      t1, 4 * SOURCE(t0)      /* threshold 0 */
    li      t2, PLIC + 0x2000
    li      t1, 1 << SOURCE
    sw      t1, 0(t2)
    li      t2, PLIC + 0x200000
    sw      zero, 0(t2)
    li      t0, 1 << 11             /* mie.MEIE */
    csrs    mie, t0
    csrsi   mstatus, 8              /* mstatus.MIE */
    li      t1, 1
    sw      t1, 4(s0)
    li      t3, 100000              /* bounded wait, no timing involved */
1:  bnez    s1, 2f
    addi    t3, t3, -1
    bnez    t3, 1b
    j       fail
2:
    li      a0, 3                   /* step 3: acknowledged, counted once */
    lw      t1, 8(s0)
    bnez    t1, fail
    lw      t1, 16(s0)
    li      t2, 1
    bne     t1, t2, fail

    la      a1, ok_msg
    call    puts
    li      t0, TEST
    li      t1, 0x5555
    sw      t1, 0(t0)
    j       .

fail:
    mv      s2, a0
    la      a1, fail_msg
    call    puts
    li      t0, TEST
    slli    t1, s2, 16
    li      t2, 0x3333
    or      t1, t1, t2
    sw      t1, 0(t0)
    j       .

/* Prints the NUL-terminated string at a1 (the UART transmits at once). */
puts:
    li      t0, UART
1:  lbu     t1, 0(a1)
    beqz    t1, 2f
    sb      t1, 0(t0)
    addi    a1, a1, 1
    j       1b
2:  ret

    .align 2
trap:
    csrr    t0, mcause
    li      t1, (1 << 63) | 11      /* machine external interrupt */
    bne     t0, t1, unexpected
    li      t0, PLIC + 0x200004     /* claim */
    lw      t2, 0(t0)
    li      t1, SOURCE
    bne     t2, t1, unexpected
    li      t1, BELL
    li      t4, 1                   /* (t3 is the main loop's counter) */
    sw      t4, 12(t1)              /* ACK lowers the line */
    sw      t2, 0(t0)               /* complete */
    addi    s1, s1, 1
    mret
unexpected:
    li      a0, 9
    j       fail

    .data
ok_msg:   .asciz "doorbell: ID ok, interrupt taken and acknowledged\n"
fail_msg: .asciz "doorbell: FAILED\n"
