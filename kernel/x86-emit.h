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
#include <string.h>
#include <assert.h>

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

/* ---------------------------------------------------------------------- */
/* Encoding (internal to the emitter: the x86i_ names are not an API)      */

/*
 * The encoders are inlined into each form, and the forms the backend
 * emits most (moves, loads, stores, ALU, branches) are defined here and
 * inlined into their callers too, so that the constant operands of a call
 * (size, registers, an env field as [RBX + disp]) fold away: a Linux boot
 * translates some 40 000 blocks of about 100 host instructions each, and
 * a form called out of line cost some 100 host instructions per
 * instruction encoded (callgrind), 40 with the call's constants folded.
 * The other forms are in x86-emit.c.
 */
#if defined(__GNUC__)
#define X86I_ENCODER static inline __attribute__((always_inline))
#else
#define X86I_ENCODER static inline
#endif
/* The forms defined here. */
#define X86_FORM X86I_ENCODER

/* ModRM.rm or SIB.base values with a special meaning. */
#define X86I_RM_SIB 4     /* RSP, R12: a SIB byte follows */
#define X86I_RM_NODISP 5  /* RBP, R13 with mod 0: RIP-relative or no base */

/*
 * Every instruction is at most 15 bytes: with 16 bytes left it is written
 * in place, otherwise in b->tail and copied only if it fits.
 */
X86I_ENCODER uint8_t *x86i_ins_begin(X86Buf *b)
{
    return b->end - b->p >= 16 ? b->p : b->tail;
}

X86I_ENCODER void x86i_ins_end(X86Buf *b, uint8_t *start, uint8_t *q)
{
    size_t n = (size_t)(q - start);

    if (start == b->tail) {
        if (b->overflow || (size_t)(b->end - b->p) < n) {
            b->overflow = true;
            return;
        }
        memcpy(b->p, b->tail, n);
    }
    b->p += n;
}

/* The offset of the last n bytes emitted, or SIZE_MAX after an overflow. */
X86I_ENCODER size_t x86i_last_field(const X86Buf *b, size_t n)
{
    return b->overflow ? SIZE_MAX : x86_buf_offset(b) - n;
}

X86I_ENCODER uint8_t *x86i_put_le(uint8_t *q, uint64_t v, unsigned n)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* One store per field rather than a loop over bytes where the length
     * is not a constant (an immediate of 1 or 4 bytes). */
    if (n == 4) {
        uint32_t x = (uint32_t)v;
        memcpy(q, &x, 4);
        return q + 4;
    }
    if (n == 8) {
        memcpy(q, &v, 8);
        return q + 8;
    }
#endif
    for (unsigned i = 0; i < n; i++)
        *q++ = (uint8_t)(v >> (8 * i));
    return q;
}

/* The byte registers SPL, BPL, SIL and DIL exist only with a REX prefix. */
X86I_ENCODER bool x86i_needs_rex8(X86Reg r)
{
    return r >= X86_RSP && r <= X86_RDI;
}

X86I_ENCODER bool x86i_fits8(int64_t v)
{
    return v >= -128 && v <= 127;
}

X86I_ENCODER uint8_t *x86i_modrm_mem(uint8_t *q, unsigned reg, const X86Mem *m)
{
    unsigned base = m->base & 7;
    unsigned mod;

    assert(m->base < X86_NOREG && m->index != X86_RSP);
    assert(m->scale == 1 || m->scale == 2 || m->scale == 4 || m->scale == 8);
    if (m->disp == 0 && base != X86I_RM_NODISP)
        mod = 0;
    else if (x86i_fits8(m->disp))
        mod = 1;
    else
        mod = 2;
    if (m->index == X86_NOREG && base != X86I_RM_SIB) {
        *q++ = (uint8_t)(mod << 6 | (reg & 7) << 3 | base);
    } else {
        /* SIB index 4 (RSP) means no index. */
        unsigned index = m->index == X86_NOREG ? 4 : m->index & 7;
        unsigned scale = m->scale == 8 ? 3 : m->scale >> 1;
        *q++ = (uint8_t)(mod << 6 | (reg & 7) << 3 | X86I_RM_SIB);
        *q++ = (uint8_t)(scale << 6 | index << 3 | base);
    }
    if (mod == 1)
        *q++ = (uint8_t)m->disp;
    else if (mod == 2)
        q = x86i_put_le(q, (uint32_t)m->disp, 4);
    return q;
}

/*
 * Legacy prefixes, REX and opcode. sz 2 adds the operand-size prefix, sz 8
 * sets REX.W; pfx is a lock or mandatory prefix (0: none); rxb: REX.R, X
 * and B; rex8: a byte register operand needs REX; opc: 1 to 3 bytes.
 */
X86I_ENCODER uint8_t *x86i_head(uint8_t *q, unsigned sz, uint8_t pfx, bool rex8,
                            unsigned rxb, uint32_t opc)
{
    unsigned rex = (sz == 8) << 3 | rxb;

    if (sz == 2)
        *q++ = 0x66;
    if (pfx)
        *q++ = pfx;
    if (rex || rex8)
        *q++ = (uint8_t)(0x40 | rex);
    if (opc > 0xffff)
        *q++ = (uint8_t)(opc >> 16);
    if (opc > 0xff)
        *q++ = (uint8_t)(opc >> 8);
    *q++ = (uint8_t)opc;
    return q;
}

/*
 * An instruction with a register operand in ModRM.rm (see x86i_head() for the
 * first arguments); reg is the ModRM.reg field, a register or an opcode
 * extension; immlen bytes of imm follow.
 */
X86I_ENCODER void x86i_emit_r(X86Buf *b, unsigned sz, uint8_t pfx, bool rex8,
                   uint32_t opc, unsigned reg, X86Reg rm, unsigned immlen,
                   uint64_t imm)
{
    uint8_t *s = x86i_ins_begin(b), *q = s;

    q = x86i_head(q, sz, pfx, rex8, (reg >> 3 & 1) << 2 | (rm >> 3 & 1), opc);
    *q++ = (uint8_t)(0xc0 | (reg & 7) << 3 | (rm & 7));
    q = x86i_put_le(q, imm, immlen);
    x86i_ins_end(b, s, q);
}

/* The same with a memory operand. */
X86I_ENCODER void x86i_emit_m(X86Buf *b, unsigned sz, uint8_t pfx, bool rex8,
                   uint32_t opc, unsigned reg, const X86Mem *m,
                   unsigned immlen, uint64_t imm)
{
    uint8_t *s = x86i_ins_begin(b), *q = s;
    unsigned x = m->index == X86_NOREG ? 0 : m->index >> 3 & 1;

    q = x86i_head(q, sz, pfx, rex8,
             (reg >> 3 & 1) << 2 | x << 1 | (m->base >> 3 & 1), opc);
    q = x86i_modrm_mem(q, reg, m);
    q = x86i_put_le(q, imm, immlen);
    x86i_ins_end(b, s, q);
}

/* An instruction without ModRM: [REX] opcode(s) + (r & 7), immediate. */
X86I_ENCODER void x86i_emit_plain(X86Buf *b, bool w, X86Reg r, uint32_t opc,
                       unsigned immlen, uint64_t imm)
{
    uint8_t *s = x86i_ins_begin(b), *q = s;
    unsigned rex = (unsigned)w << 3 | (r >> 3 & 1);

    if (rex)
        *q++ = (uint8_t)(0x40 | rex);
    if (opc > 0xff)
        *q++ = (uint8_t)(opc >> 8);
    *q++ = (uint8_t)(opc + (r & 7));
    q = x86i_put_le(q, imm, immlen);
    x86i_ins_end(b, s, q);
}

X86I_ENCODER void x86i_check_sz48(unsigned sz)
{
    assert(sz == 4 || sz == 8);
    (void)sz;
}

X86I_ENCODER void x86i_check_sz(unsigned sz)
{
    assert(sz == 1 || sz == 2 || sz == 4 || sz == 8);
    (void)sz;
}

X86I_ENCODER uint32_t x86i_alu_imm_opc(int32_t imm)
{
    return x86i_fits8(imm) ? 0x83 : 0x81;
}

X86I_ENCODER unsigned x86i_alu_imm_len(int32_t imm)
{
    return x86i_fits8(imm) ? 1 : 4;
}

X86I_ENCODER size_t x86i_rel32_op(X86Buf *b, uint8_t opc)
{
    uint8_t *s = x86i_ins_begin(b), *q = s;

    *q++ = opc;
    q = x86i_put_le(q, 0, 4);
    x86i_ins_end(b, s, q);
    return x86i_last_field(b, 4);
}

/* Moves and immediates. */
X86_FORM void x86_mov_rr(X86Buf *b, unsigned sz, X86Reg dst, X86Reg src)
{
    x86i_check_sz48(sz);
    x86i_emit_r(b, sz, 0, false, 0x89, src, dst, 0, 0);
} /* 4, 8 */
/* The shortest form: sz 8 with an imm that fits 32 bits zero- or
 * sign-extended takes 5 or 7 bytes instead of 10. */
X86_FORM void x86_mov_ri(X86Buf *b, unsigned sz, X86Reg dst, uint64_t imm)
{
    x86i_check_sz48(sz);
    if (sz == 4 || imm <= UINT32_MAX)
        x86i_emit_plain(b, false, dst, 0xb8, 4, (uint32_t)imm);
    else if ((int64_t)imm == (int32_t)imm)
        x86i_emit_r(b, 8, 0, false, 0xc7, 0, dst, 4, imm);
    else
        x86i_emit_plain(b, true, dst, 0xb8, 8, imm);
}
/* Always the 10-byte form; returns the offset of the 8-byte immediate. */
X86_FORM size_t x86_movabs(X86Buf *b, X86Reg dst, uint64_t imm)
{
    x86i_emit_plain(b, true, dst, 0xb8, 8, imm);
    return x86i_last_field(b, 8);
}

/* Memory: sz 1, 2, 4, 8. A load of 1 or 2 bytes keeps the upper bits. */
X86_FORM void x86_load(X86Buf *b, unsigned sz, X86Reg dst, X86Mem m)
{
    x86i_check_sz(sz);
    x86i_emit_m(b, sz, 0, sz == 1 && x86i_needs_rex8(dst), sz == 1 ? 0x8a : 0x8b,
            dst, &m, 0, 0);
}
X86_FORM void x86_store(X86Buf *b, unsigned sz, X86Mem m, X86Reg src)
{
    x86i_check_sz(sz);
    x86i_emit_m(b, sz, 0, sz == 1 && x86i_needs_rex8(src), sz == 1 ? 0x88 : 0x89,
            src, &m, 0, 0);
}
/* The immediate is truncated to sz (sign-extended for sz 8). */
X86_FORM void x86_store_imm(X86Buf *b, unsigned sz, X86Mem m, int32_t imm)
{
    x86i_check_sz(sz);
    x86i_emit_m(b, sz, 0, false, sz == 1 ? 0xc6 : 0xc7, 0, &m,
            sz < 4 ? sz : 4, (uint32_t)imm);
}
X86_FORM void x86_lea(X86Buf *b, unsigned sz, X86Reg dst, X86Mem m)
{
    x86i_check_sz48(sz);
    x86i_emit_m(b, sz, 0, false, 0x8d, dst, &m, 0, 0);
} /* 4, 8 */

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
X86_FORM void x86_alu_rr(X86Buf *b, X86Alu op, unsigned sz, X86Reg dst, X86Reg src)
{
    x86i_check_sz48(sz);
    x86i_emit_r(b, sz, 0, false, op * 8 + 1, src, dst, 0, 0);
}
X86_FORM void x86_alu_ri(X86Buf *b, X86Alu op, unsigned sz, X86Reg dst, int32_t imm)
{
    x86i_check_sz48(sz);
    x86i_emit_r(b, sz, 0, false, x86i_alu_imm_opc(imm), op, dst, x86i_alu_imm_len(imm),
           (uint32_t)imm);
}
X86_FORM void x86_alu_rm(X86Buf *b, X86Alu op, unsigned sz, X86Reg dst, X86Mem m)
{
    x86i_check_sz48(sz);
    x86i_emit_m(b, sz, 0, false, op * 8 + 3, dst, &m, 0, 0);
}
void x86_alu_mr(X86Buf *b, X86Alu op, unsigned sz, X86Mem m, X86Reg src);
X86_FORM void x86_alu_mi(X86Buf *b, X86Alu op, unsigned sz, X86Mem m, int32_t imm)
{
    x86i_check_sz48(sz);
    x86i_emit_m(b, sz, 0, false, x86i_alu_imm_opc(imm), op, &m, x86i_alu_imm_len(imm),
           (uint32_t)imm);
}
/* cmp byte ptr m, imm (a flag in memory). */
X86_FORM void x86_cmp_mi8(X86Buf *b, X86Mem m, int8_t imm)
{
    x86i_emit_m(b, 1, 0, false, 0x80, X86_CMP, &m, 1, (uint8_t)imm);
}
void x86_test_rr(X86Buf *b, unsigned sz, X86Reg a, X86Reg c);
void x86_test_ri(X86Buf *b, unsigned sz, X86Reg a, int32_t imm);
void x86_shift_cl(X86Buf *b, X86Shift op, unsigned sz, X86Reg r);
X86_FORM void x86_shift_ri(X86Buf *b, X86Shift op, unsigned sz, X86Reg r,
                  uint8_t count)
{
    x86i_check_sz48(sz);
    x86i_emit_r(b, sz, 0, false, 0xc1, op, r, 1, count);
}
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
/* One NOP instruction of n bytes, 1 <= n <= 9 (padding). */
void x86_nop(X86Buf *b, unsigned n);

/* Control flow. The rel32 forms return their displacement's offset. */
X86_FORM size_t x86_jcc(X86Buf *b, X86Cond cc)
{
    uint8_t *s = x86i_ins_begin(b), *q = s;

    *q++ = 0x0f;
    *q++ = (uint8_t)(0x80 + cc);
    q = x86i_put_le(q, 0, 4);
    x86i_ins_end(b, s, q);
    return x86i_last_field(b, 4);
}
X86_FORM size_t x86_jmp(X86Buf *b)
{
    return x86i_rel32_op(b, 0xe9);
}
size_t x86_call(X86Buf *b);
void x86_jmp_r(X86Buf *b, X86Reg r);
X86_FORM void x86_call_r(X86Buf *b, X86Reg r)
{
    x86i_emit_r(b, 4, 0, false, 0xff, 2, r, 0, 0);
}
void x86_jmp_m(X86Buf *b, X86Mem m);
void x86_call_m(X86Buf *b, X86Mem m);
X86_FORM void x86_push(X86Buf *b, X86Reg r)
{
    x86i_emit_plain(b, false, r, 0x50, 0, 0);
}
X86_FORM void x86_pop(X86Buf *b, X86Reg r)
{
    x86i_emit_plain(b, false, r, 0x58, 0, 0);
}
X86_FORM void x86_ret(X86Buf *b)
{
    uint8_t *s = x86i_ins_begin(b), *q = s;

    *q++ = 0xc3;
    x86i_ins_end(b, s, q);
}

/*
 * Points the rel32 field at offset field (as returned above) to offset
 * target of the same buffer; ignored if the field was not emitted
 * (overflow).
 */
X86_FORM void x86_patch_rel32(X86Buf *b, size_t field, size_t target)
{
    size_t used = x86_buf_offset(b);

    if (field > used || used - field < 4)
        return;
    x86i_put_le(b->start + field, (uint32_t)(target - (field + 4)), 4);
}
/*
 * Writes the rel32 field at field, whose run-time address is field_x, so
 * that it branches to target_x; false (nothing written) if the target is
 * out of a rel32's reach.
 */
bool x86_set_rel32(uint8_t *field, uintptr_t field_x, uintptr_t target_x);

#endif
