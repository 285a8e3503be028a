/* SPDX-License-Identifier: MIT */
/*
 * The fixed part of the random RISC-V programs of tools/difftest: gen-riscv
 * puts this (assembled as a flat binary) at 0x80000000 and the random
 * stream at STREAM. Layout of the image:
 *   0x80000000  _start: trap vector, registers from INIT, jump to STREAM
 *   0x80000200  trap: skip the faulting instruction, count the trap and
 *               fold mcause into a hash (SAVE area)
 *   0x80000800  done: the stream ends with a jump here; dumps the
 *               registers, fcsr, the trap count and hash, minstret and hashes of
 *               the scratch area on the UART, then exits through
 *               sifive-test
 *   0x80001000  STREAM: the random instructions
 *   0x80010000  INIT: x0..x31, f0..f31, fcsr (written by gen-riscv)
 *   0x80011000  SAVE: the trap handler's and the dump's words
 *   0x80012000  SCRATCH: 4 KiB of random data the stream loads and stores
 * The same numbers are in gen-riscv.c.
 */
#define INIT    0x80010000
#define SAVE    0x80011000
#define SCRATCH 0x80012000
#define SCRATCH_SIZE 4096
#define UART    0x10000000
#define TEST    0x100000

    .option norvc
    .option norelax
    .text
    .globl _start
_start:
    la t0, trap
    csrw mtvec, t0
    li t0, SAVE
    csrw mscratch, t0
    csrr t1, minstret       /* the dump prints instructions since here */
    sd t1, 592(t0)
    li t0, 3 << 13          /* mstatus.FS = dirty */
    csrs mstatus, t0
    li t0, INIT
    ld t1, 512(t0)
    csrw fcsr, t1
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    fld f\n, 256+8*\n(t0)
    .endr
    .irp n, 1,2,3,4,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    ld x\n, 8*\n(t0)
    .endr
    ld x5, 40(t0)
    j stream

    .org 0x200
trap:
    csrrw tp, mscratch, tp
    sd t0, 0(tp)
    sd t1, 8(tp)
    csrr t0, mepc
    lhu t1, 0(t0)
    andi t1, t1, 3
    addi t0, t0, 2
    addi t1, t1, -3
    bnez t1, 1f
    addi t0, t0, 2
1:  csrw mepc, t0
    ld t0, 16(tp)           /* trap count */
    addi t0, t0, 1
    sd t0, 16(tp)
    ld t0, 24(tp)           /* hash = hash * 31 + mcause */
    slli t1, t0, 5
    sub t0, t1, t0
    csrr t1, mcause
    add t0, t0, t1
    sd t0, 24(tp)
    ld t0, 0(tp)
    ld t1, 8(tp)
    csrrw tp, mscratch, tp
    mret

    .org 0x800
done:
    csrrw x1, mscratch, x1  /* x1 = SAVE, mscratch = the stream's x1 */
    .irp n, 2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    sd x\n, 64+8*\n(x1)
    .endr
    /* instructions retired since _start read minstret: compared between
     * the backends only (QEMU's -icount count differs on instructions
     * that trap: difftest.sh leaves this line out against it) */
    csrr x2, minstret
    ld x3, 592(x1)
    sub x2, x2, x3
    sd x2, 584(x1)
    csrr x2, mscratch
    sd x2, 64+8(x1)
    sd x0, 64(x1)
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    fsd f\n, 320+8*\n(x1)
    .endr
    csrr x2, fcsr
    sd x2, 576(x1)
    /* print: "x00 ".."x31 ", "f00 ".."f31 ", "fcsr", "trap count", "trap hash" */
    mv s0, x1
    li s1, 0                /* index */
    li s2, 'x'
1:  mv a0, s2
    call putc
    andi a0, s1, 31
    call putdec2
    li a0, ' '
    call putc
    slli t0, s1, 3
    add t0, t0, s0
    ld a0, 64(t0)
    call puthex
    li a0, '\n'
    call putc
    addi s1, s1, 1
    li t0, 32
    bne s1, t0, 2f
    li s2, 'f'
2:  li t0, 64
    bne s1, t0, 1b
    la a0, s_fcsr
    call puts
    ld a0, 576(s0)
    call puthex
    la a0, s_traps
    call puts
    ld a0, 16(s0)
    call puthex
    la a0, s_hash
    call puts
    ld a0, 24(s0)
    call puthex
    la a0, s_instret
    call puts
    ld a0, 584(s0)
    call puthex
    li a0, '\n'
    call putc
    /* the scratch area: a hash (h * 31 + word) of each 128 bytes, 4 a
     * line (printing it all would take ten times more instructions,
     * which lockstep runs pay for) */
    li s1, SCRATCH
    li s3, SCRATCH + SCRATCH_SIZE
3:  li s2, 16
    li s4, 0
4:  ld t0, 0(s1)
    slli t1, s4, 5
    sub s4, t1, s4
    add s4, s4, t0
    addi s1, s1, 8
    addi s2, s2, -1
    bnez s2, 4b
    mv a0, s4
    call puthex
    andi t0, s1, 511
    li a0, ' '
    bnez t0, 5f
    li a0, '\n'
5:  call putc
    bltu s1, s3, 3b
    li t0, TEST
    li t1, 0x5555
    sw t1, 0(t0)
6:  j 6b

putc:
    li t0, UART
1:  lbu t1, 5(t0)
    andi t1, t1, 0x20
    beqz t1, 1b
    sb a0, 0(t0)
    ret

puts:
    mv t2, ra
    mv t3, a0
1:  lbu a0, 0(t3)
    beqz a0, 2f
    call putc
    addi t3, t3, 1
    j 1b
2:  mv ra, t2
    ret

/* a0 < 100, two digits */
putdec2:
    mv t2, ra
    li t3, 10
    divu t4, a0, t3
    remu t5, a0, t3
    addi a0, t4, '0'
    call putc
    addi a0, t5, '0'
    call putc
    mv ra, t2
    ret

puthex:
    mv t2, ra
    mv t3, a0
    li t4, 60
1:  srl a0, t3, t4
    andi a0, a0, 15
    addi a0, a0, '0'
    li t5, '9'
    bleu a0, t5, 3f
    addi a0, a0, 'a' - '9' - 1
3:  call putc
    addi t4, t4, -4
    bgez t4, 1b
    mv ra, t2
    ret

s_fcsr:  .asciz "fcsr "
s_traps: .asciz "\ntraps "
s_hash:  .asciz " hash "
s_instret: .asciz "\ninstret "

    .org 0x1000
stream:
