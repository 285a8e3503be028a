/* SPDX-License-Identifier: MIT */
/*
 * A small x86-64 instruction emitter for the native backend: one function
 * per instruction form the backend uses, written straight into a byte
 * buffer. No instruction is ever written past the buffer's end: one that
 * does not fit sets the overflow flag and is dropped, and so is every
 * later one.
 *
 * Operand sizes (sz) are in bytes: 1, 2, 4 or 8 as each function allows.
 * A 32-bit operation on a register zero-extends it to 64 bits, as on the
 * hardware. Register operands of byte size name the low byte (AL, CL, ...,
 * SPL, BPL, SIL, DIL, R8B, ...), never AH..BH: the emitter adds the REX
 * prefix that the low bytes of RSP..RDI need.
 *
 * Branches (jcc, jmp, call rel32) are emitted with a zero displacement and
 * return the buffer offset of their 32-bit displacement field, which
 * x86_patch_rel32() (a label in the same buffer) or x86_set_rel32() (any
 * target, from run-time addresses: chaining) fills in later.
 */
#ifndef KERNEL_X86_EMIT_H
#define KERNEL_X86_EMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum X86Reg {
    X86_RAX, X86_RCX, X86_RDX, X86_RBX, X86_RSP, X86_RBP, X86_RSI, X86_RDI,
    X86_R8, X86_R9, X86_R10, X86_R11, X86_R12, X86_R13, X86_R14, X86_R15,
    X86_NOREG /* no index register in an X86Mem */
} X86Reg;

/* Condition codes, in the encoding's order (jcc, setcc, cmovcc). */
typedef enum X86Cond {
    X86_CC_O, X86_CC_NO, X86_CC_B, X86_CC_AE, X86_CC_E, X86_CC_NE,
    X86_CC_BE, X86_CC_A, X86_CC_S, X86_CC_NS, X86_CC_P, X86_CC_NP,
    X86_CC_L, X86_CC_GE, X86_CC_LE, X86_CC_G
} X86Cond;

/* Two-operand arithmetic, numbered as in the encoding. */
typedef enum X86Alu {
    X86_ADD, X86_OR, X86_ADC, X86_SBB, X86_AND, X86_SUB, X86_XOR, X86_CMP
} X86Alu;

typedef enum X86Shift {
    X86_ROL = 0, X86_ROR = 1, X86_SHL = 4, X86_SHR = 5, X86_SAR = 7
} X86Shift;

/* One-operand arithmetic; MUL..IDIV work on RDX:RAX. */
typedef enum X86Unary {
    X86_NOT = 2, X86_NEG = 3, X86_MUL = 4, X86_IMUL = 5, X86_DIV = 6,
    X86_IDIV = 7
} X86Unary;

/* A memory operand: [base + index * scale + disp]. */
typedef struct X86Mem {
    X86Reg base;
    X86Reg index; /* X86_NOREG for none; never RSP */
    uint8_t scale; /* 1, 2, 4 or 8 */
    int32_t disp;
} X86Mem;

static inline X86Mem x86_mem(X86Reg base, int32_t disp)
{
    return (X86Mem){ base, X86_NOREG, 1, disp };
}

static inline X86Mem x86_mem_index(X86Reg base, X86Reg index, unsigned scale,
                                   int32_t disp)
{
    return (X86Mem){ base, index, (uint8_t)scale, disp };
}

typedef struct X86Buf {
    uint8_t *start, *p, *end;
    bool overflow;
    /* Near the end an instruction is built here, then copied if it fits. */
    uint8_t tail[16];
} X86Buf;

void x86_buf_init(X86Buf *b, void *mem, size_t size);

/* Bytes emitted so far: the offset of the next instruction. */
static inline size_t x86_buf_offset(const X86Buf *b)
{
    return (size_t)(b->p - b->start);
}

/* Moves and immediates. */
void x86_mov_rr(X86Buf *b, unsigned sz, X86Reg dst, X86Reg src); /* 4, 8 */
/* The shortest form: sz 8 with an imm that fits 32 bits zero- or
 * sign-extended takes 5 or 7 bytes instead of 10. */
void x86_mov_ri(X86Buf *b, unsigned sz, X86Reg dst, uint64_t imm);
/* Always the 10-byte form; returns the offset of the 8-byte immediate. */
size_t x86_movabs(X86Buf *b, X86Reg dst, uint64_t imm);

/* Memory: sz 1, 2, 4, 8. A load of 1 or 2 bytes keeps the upper bits. */
void x86_load(X86Buf *b, unsigned sz, X86Reg dst, X86Mem m);
void x86_store(X86Buf *b, unsigned sz, X86Mem m, X86Reg src);
/* The immediate is truncated to sz (sign-extended for sz 8). */
void x86_store_imm(X86Buf *b, unsigned sz, X86Mem m, int32_t imm);
void x86_lea(X86Buf *b, unsigned sz, X86Reg dst, X86Mem m); /* 4, 8 */

/* Extensions: dsz 4 or 8, ssz 1 or 2 (movsx also 4 into dsz 8: movsxd).
 * A zero-extension from 4 bytes is x86_mov_rr(b, 4, ...). */
void x86_movzx_rr(X86Buf *b, unsigned dsz, unsigned ssz, X86Reg dst,
                  X86Reg src);
void x86_movzx_rm(X86Buf *b, unsigned dsz, unsigned ssz, X86Reg dst,
                  X86Mem m);
void x86_movsx_rr(X86Buf *b, unsigned dsz, unsigned ssz, X86Reg dst,
                  X86Reg src);
void x86_movsx_rm(X86Buf *b, unsigned dsz, unsigned ssz, X86Reg dst,
                  X86Mem m);

/* Arithmetic, sz 4 or 8; immediates are sign-extended to sz and take the
 * 1-byte form when they fit. */
void x86_alu_rr(X86Buf *b, X86Alu op, unsigned sz, X86Reg dst, X86Reg src);
void x86_alu_ri(X86Buf *b, X86Alu op, unsigned sz, X86Reg dst, int32_t imm);
void x86_alu_rm(X86Buf *b, X86Alu op, unsigned sz, X86Reg dst, X86Mem m);
void x86_alu_mr(X86Buf *b, X86Alu op, unsigned sz, X86Mem m, X86Reg src);
void x86_alu_mi(X86Buf *b, X86Alu op, unsigned sz, X86Mem m, int32_t imm);
/* cmp byte ptr m, imm (a flag in memory). */
void x86_cmp_mi8(X86Buf *b, X86Mem m, int8_t imm);
void x86_test_rr(X86Buf *b, unsigned sz, X86Reg a, X86Reg c);
void x86_test_ri(X86Buf *b, unsigned sz, X86Reg a, int32_t imm);
void x86_shift_cl(X86Buf *b, X86Shift op, unsigned sz, X86Reg r);
void x86_shift_ri(X86Buf *b, X86Shift op, unsigned sz, X86Reg r,
                  uint8_t count);
void x86_unary(X86Buf *b, X86Unary op, unsigned sz, X86Reg r);
void x86_imul_rr(X86Buf *b, unsigned sz, X86Reg dst, X86Reg src);
void x86_imul_rm(X86Buf *b, unsigned sz, X86Reg dst, X86Mem m);
void x86_imul_rri(X86Buf *b, unsigned sz, X86Reg dst, X86Reg src,
                  int32_t imm);
/* cdq (sz 4) or cqo (sz 8): sign-extends RAX into RDX before IDIV. */
void x86_cqo(X86Buf *b, unsigned sz);

/* Conditions. */
void x86_setcc(X86Buf *b, X86Cond cc, X86Reg dst); /* the low byte */
void x86_setcc_m(X86Buf *b, X86Cond cc, X86Mem m);  /* a byte in memory */
void x86_cmov(X86Buf *b, X86Cond cc, unsigned sz, X86Reg dst, X86Reg src);

/* Bits, sz 4 or 8 (lzcnt, tzcnt and popcnt also 2). */
void x86_bswap(X86Buf *b, unsigned sz, X86Reg r);
void x86_lzcnt(X86Buf *b, unsigned sz, X86Reg dst, X86Reg src);
void x86_tzcnt(X86Buf *b, unsigned sz, X86Reg dst, X86Reg src);
void x86_popcnt(X86Buf *b, unsigned sz, X86Reg dst, X86Reg src);
/* dst = src rotated right by count, flags untouched (BMI2: only on hosts
 * that have it, __builtin_cpu_supports("bmi2")). */
void x86_rorx(X86Buf *b, unsigned sz, X86Reg dst, X86Reg src, uint8_t count);

/* Atomics, sz 1, 2, 4, 8 (xchg with memory is locked by the hardware). */
void x86_xchg_rr(X86Buf *b, unsigned sz, X86Reg a, X86Reg c);
void x86_xchg_mr(X86Buf *b, unsigned sz, X86Mem m, X86Reg r);
/* Compares RAX with m; equal: m = r; else RAX = m. */
void x86_lock_cmpxchg(X86Buf *b, unsigned sz, X86Mem m, X86Reg r);
void x86_lock_xadd(X86Buf *b, unsigned sz, X86Mem m, X86Reg r);
void x86_mfence(X86Buf *b);

/* Control flow. The rel32 forms return their displacement's offset. */
size_t x86_jcc(X86Buf *b, X86Cond cc);
size_t x86_jmp(X86Buf *b);
size_t x86_call(X86Buf *b);
void x86_jmp_r(X86Buf *b, X86Reg r);
void x86_call_r(X86Buf *b, X86Reg r);
void x86_jmp_m(X86Buf *b, X86Mem m);
void x86_call_m(X86Buf *b, X86Mem m);
void x86_push(X86Buf *b, X86Reg r);
void x86_pop(X86Buf *b, X86Reg r);
void x86_ret(X86Buf *b);

/*
 * Points the rel32 field at offset field (as returned above) to offset
 * target of the same buffer; ignored if the field was not emitted
 * (overflow).
 */
void x86_patch_rel32(X86Buf *b, size_t field, size_t target);
/*
 * Writes the rel32 field at field, whose run-time address is field_x, so
 * that it branches to target_x; false (nothing written) if the target is
 * out of a rel32's reach.
 */
bool x86_set_rel32(uint8_t *field, uintptr_t field_x, uintptr_t target_x);

#endif
