/* SPDX-License-Identifier: MIT */
/*
 * The x86-64 emitter (see x86-emit.h). Most forms go through emit_r() or
 * emit_m(): [66] [F0/F3] [REX] opcode ModRM [SIB] [disp] [imm]; the few
 * without a ModRM byte (push, pop, mov r, imm, bswap, branches) are
 * written directly.
 * Encodings: Intel SDM volume 2, chapter 2 and the instruction pages.
 */
#include <assert.h>
#include <string.h>

#include "kernel/x86-emit.h"

/*
 * The encoders below are inlined into each public form, so that its
 * constant prefix, opcode and immediate length fold away: translation
 * emits some 100 host instructions per block (a Linux boot: 50 000
 * blocks), and the generic path cost about 110 host instructions per
 * instruction encoded.
 */
#if defined(__GNUC__)
#define ENCODER static inline __attribute__((always_inline))
#else
#define ENCODER static inline
#endif

/* ModRM.rm or SIB.base values with a special meaning. */
#define RM_SIB 4     /* RSP, R12: a SIB byte follows */
#define RM_NODISP 5  /* RBP, R13 with mod 0: RIP-relative or no base */

void x86_buf_init(X86Buf *b, void *mem, size_t size)
{
    b->start = mem;
    b->p = mem;
    b->end = b->start + size;
    b->overflow = false;
}

/*
 * Every instruction is at most 15 bytes: with 16 bytes left it is written
 * in place, otherwise in b->tail and copied only if it fits.
 */
ENCODER uint8_t *ins_begin(X86Buf *b)
{
    return b->end - b->p >= 16 ? b->p : b->tail;
}

ENCODER void ins_end(X86Buf *b, uint8_t *start, uint8_t *q)
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
static size_t last_field(const X86Buf *b, size_t n)
{
    return b->overflow ? SIZE_MAX : x86_buf_offset(b) - n;
}

ENCODER uint8_t *put_le(uint8_t *q, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        *q++ = (uint8_t)(v >> (8 * i));
    return q;
}

/* The byte registers SPL, BPL, SIL and DIL exist only with a REX prefix. */
static inline bool needs_rex8(X86Reg r)
{
    return r >= X86_RSP && r <= X86_RDI;
}

static inline bool fits8(int64_t v)
{
    return v >= -128 && v <= 127;
}

ENCODER uint8_t *modrm_mem(uint8_t *q, unsigned reg, const X86Mem *m)
{
    unsigned base = m->base & 7;
    unsigned mod;

    assert(m->base < X86_NOREG && m->index != X86_RSP);
    assert(m->scale == 1 || m->scale == 2 || m->scale == 4 || m->scale == 8);
    if (m->disp == 0 && base != RM_NODISP)
        mod = 0;
    else if (fits8(m->disp))
        mod = 1;
    else
        mod = 2;
    if (m->index == X86_NOREG && base != RM_SIB) {
        *q++ = (uint8_t)(mod << 6 | (reg & 7) << 3 | base);
    } else {
        /* SIB index 4 (RSP) means no index. */
        unsigned index = m->index == X86_NOREG ? 4 : m->index & 7;
        unsigned scale = m->scale == 8 ? 3 : m->scale >> 1;
        *q++ = (uint8_t)(mod << 6 | (reg & 7) << 3 | RM_SIB);
        *q++ = (uint8_t)(scale << 6 | index << 3 | base);
    }
    if (mod == 1)
        *q++ = (uint8_t)m->disp;
    else if (mod == 2)
        q = put_le(q, (uint32_t)m->disp, 4);
    return q;
}

/*
 * Legacy prefixes, REX and opcode. sz 2 adds the operand-size prefix, sz 8
 * sets REX.W; pfx is a lock or mandatory prefix (0: none); rxb: REX.R, X
 * and B; rex8: a byte register operand needs REX; opc: 1 to 3 bytes.
 */
ENCODER uint8_t *head(uint8_t *q, unsigned sz, uint8_t pfx, bool rex8,
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
 * An instruction with a register operand in ModRM.rm (see head() for the
 * first arguments); reg is the ModRM.reg field, a register or an opcode
 * extension; immlen bytes of imm follow.
 */
ENCODER void emit_r(X86Buf *b, unsigned sz, uint8_t pfx, bool rex8,
                   uint32_t opc, unsigned reg, X86Reg rm, unsigned immlen,
                   uint64_t imm)
{
    uint8_t *s = ins_begin(b), *q = s;

    q = head(q, sz, pfx, rex8, (reg >> 3 & 1) << 2 | (rm >> 3 & 1), opc);
    *q++ = (uint8_t)(0xc0 | (reg & 7) << 3 | (rm & 7));
    q = put_le(q, imm, immlen);
    ins_end(b, s, q);
}

/* The same with a memory operand. */
ENCODER void emit_m(X86Buf *b, unsigned sz, uint8_t pfx, bool rex8,
                   uint32_t opc, unsigned reg, const X86Mem *m,
                   unsigned immlen, uint64_t imm)
{
    uint8_t *s = ins_begin(b), *q = s;
    unsigned x = m->index == X86_NOREG ? 0 : m->index >> 3 & 1;

    q = head(q, sz, pfx, rex8,
             (reg >> 3 & 1) << 2 | x << 1 | (m->base >> 3 & 1), opc);
    q = modrm_mem(q, reg, m);
    q = put_le(q, imm, immlen);
    ins_end(b, s, q);
}

/* An instruction without ModRM: [REX] opcode(s) + (r & 7), immediate. */
ENCODER void emit_plain(X86Buf *b, bool w, X86Reg r, uint32_t opc,
                       unsigned immlen, uint64_t imm)
{
    uint8_t *s = ins_begin(b), *q = s;
    unsigned rex = (unsigned)w << 3 | (r >> 3 & 1);

    if (rex)
        *q++ = (uint8_t)(0x40 | rex);
    if (opc > 0xff)
        *q++ = (uint8_t)(opc >> 8);
    *q++ = (uint8_t)(opc + (r & 7));
    q = put_le(q, imm, immlen);
    ins_end(b, s, q);
}

static inline void check_sz48(unsigned sz)
{
    assert(sz == 4 || sz == 8);
    (void)sz;
}

static inline void check_sz(unsigned sz)
{
    assert(sz == 1 || sz == 2 || sz == 4 || sz == 8);
    (void)sz;
}

void x86_mov_rr(X86Buf *b, unsigned sz, X86Reg dst, X86Reg src)
{
    check_sz48(sz);
    emit_r(b, sz, 0, false, 0x89, src, dst, 0, 0);
}

void x86_mov_ri(X86Buf *b, unsigned sz, X86Reg dst, uint64_t imm)
{
    check_sz48(sz);
    if (sz == 4 || imm <= UINT32_MAX)
        emit_plain(b, false, dst, 0xb8, 4, (uint32_t)imm);
    else if ((int64_t)imm == (int32_t)imm)
        emit_r(b, 8, 0, false, 0xc7, 0, dst, 4, imm);
    else
        emit_plain(b, true, dst, 0xb8, 8, imm);
}

size_t x86_movabs(X86Buf *b, X86Reg dst, uint64_t imm)
{
    emit_plain(b, true, dst, 0xb8, 8, imm);
    return last_field(b, 8);
}

void x86_load(X86Buf *b, unsigned sz, X86Reg dst, X86Mem m)
{
    check_sz(sz);
    emit_m(b, sz, 0, sz == 1 && needs_rex8(dst), sz == 1 ? 0x8a : 0x8b,
            dst, &m, 0, 0);
}

void x86_store(X86Buf *b, unsigned sz, X86Mem m, X86Reg src)
{
    check_sz(sz);
    emit_m(b, sz, 0, sz == 1 && needs_rex8(src), sz == 1 ? 0x88 : 0x89,
            src, &m, 0, 0);
}

void x86_store_imm(X86Buf *b, unsigned sz, X86Mem m, int32_t imm)
{
    check_sz(sz);
    emit_m(b, sz, 0, false, sz == 1 ? 0xc6 : 0xc7, 0, &m,
            sz < 4 ? sz : 4, (uint32_t)imm);
}

void x86_lea(X86Buf *b, unsigned sz, X86Reg dst, X86Mem m)
{
    check_sz48(sz);
    emit_m(b, sz, 0, false, 0x8d, dst, &m, 0, 0);
}

/* The opcode of movzx (sign false) or movsx from ssz bytes to dsz. */
static uint32_t movx_opc(bool sign, unsigned dsz, unsigned ssz)
{
    check_sz48(dsz);
    if (ssz == 1)
        return sign ? 0x0fbe : 0x0fb6;
    if (ssz == 2)
        return sign ? 0x0fbf : 0x0fb7;
    assert(sign && ssz == 4 && dsz == 8);
    return 0x63; /* movsxd */
}

void x86_movzx_rr(X86Buf *b, unsigned dsz, unsigned ssz, X86Reg dst,
                  X86Reg src)
{
    emit_r(b, dsz, 0, ssz == 1 && needs_rex8(src), movx_opc(false, dsz, ssz),
           dst, src, 0, 0);
}

void x86_movzx_rm(X86Buf *b, unsigned dsz, unsigned ssz, X86Reg dst,
                  X86Mem m)
{
    emit_m(b, dsz, 0, false, movx_opc(false, dsz, ssz), dst, &m, 0, 0);
}

void x86_movsx_rr(X86Buf *b, unsigned dsz, unsigned ssz, X86Reg dst,
                  X86Reg src)
{
    emit_r(b, dsz, 0, ssz == 1 && needs_rex8(src), movx_opc(true, dsz, ssz),
           dst, src, 0, 0);
}

void x86_movsx_rm(X86Buf *b, unsigned dsz, unsigned ssz, X86Reg dst,
                  X86Mem m)
{
    emit_m(b, dsz, 0, false, movx_opc(true, dsz, ssz), dst, &m, 0, 0);
}

/* Group 1 with an immediate: 83 /op ib, or 81 /op id if it needs more. */
static inline uint32_t alu_imm_opc(int32_t imm)
{
    return fits8(imm) ? 0x83 : 0x81;
}

static inline unsigned alu_imm_len(int32_t imm)
{
    return fits8(imm) ? 1 : 4;
}

void x86_alu_rr(X86Buf *b, X86Alu op, unsigned sz, X86Reg dst, X86Reg src)
{
    check_sz48(sz);
    emit_r(b, sz, 0, false, op * 8 + 1, src, dst, 0, 0);
}

void x86_alu_ri(X86Buf *b, X86Alu op, unsigned sz, X86Reg dst, int32_t imm)
{
    check_sz48(sz);
    emit_r(b, sz, 0, false, alu_imm_opc(imm), op, dst, alu_imm_len(imm),
           (uint32_t)imm);
}

void x86_alu_rm(X86Buf *b, X86Alu op, unsigned sz, X86Reg dst, X86Mem m)
{
    check_sz48(sz);
    emit_m(b, sz, 0, false, op * 8 + 3, dst, &m, 0, 0);
}

void x86_alu_mr(X86Buf *b, X86Alu op, unsigned sz, X86Mem m, X86Reg src)
{
    check_sz48(sz);
    emit_m(b, sz, 0, false, op * 8 + 1, src, &m, 0, 0);
}

void x86_alu_mi(X86Buf *b, X86Alu op, unsigned sz, X86Mem m, int32_t imm)
{
    check_sz48(sz);
    emit_m(b, sz, 0, false, alu_imm_opc(imm), op, &m, alu_imm_len(imm),
           (uint32_t)imm);
}

void x86_cmp_mi8(X86Buf *b, X86Mem m, int8_t imm)
{
    emit_m(b, 1, 0, false, 0x80, X86_CMP, &m, 1, (uint8_t)imm);
}

void x86_test_rr(X86Buf *b, unsigned sz, X86Reg a, X86Reg c)
{
    check_sz48(sz);
    emit_r(b, sz, 0, false, 0x85, c, a, 0, 0);
}

void x86_test_ri(X86Buf *b, unsigned sz, X86Reg a, int32_t imm)
{
    check_sz48(sz);
    emit_r(b, sz, 0, false, 0xf7, 0, a, 4, (uint32_t)imm);
}

void x86_shift_cl(X86Buf *b, X86Shift op, unsigned sz, X86Reg r)
{
    check_sz48(sz);
    emit_r(b, sz, 0, false, 0xd3, op, r, 0, 0);
}

void x86_shift_ri(X86Buf *b, X86Shift op, unsigned sz, X86Reg r,
                  uint8_t count)
{
    check_sz48(sz);
    emit_r(b, sz, 0, false, 0xc1, op, r, 1, count);
}

void x86_unary(X86Buf *b, X86Unary op, unsigned sz, X86Reg r)
{
    check_sz48(sz);
    emit_r(b, sz, 0, false, 0xf7, op, r, 0, 0);
}

void x86_imul_rr(X86Buf *b, unsigned sz, X86Reg dst, X86Reg src)
{
    check_sz48(sz);
    emit_r(b, sz, 0, false, 0x0faf, dst, src, 0, 0);
}

void x86_imul_rm(X86Buf *b, unsigned sz, X86Reg dst, X86Mem m)
{
    check_sz48(sz);
    emit_m(b, sz, 0, false, 0x0faf, dst, &m, 0, 0);
}

void x86_imul_rri(X86Buf *b, unsigned sz, X86Reg dst, X86Reg src,
                  int32_t imm)
{
    check_sz48(sz);
    if (fits8(imm))
        emit_r(b, sz, 0, false, 0x6b, dst, src, 1, (uint8_t)imm);
    else
        emit_r(b, sz, 0, false, 0x69, dst, src, 4, (uint32_t)imm);
}

void x86_cqo(X86Buf *b, unsigned sz)
{
    check_sz48(sz);
    emit_plain(b, sz == 8, X86_RAX, 0x99, 0, 0);
}

void x86_setcc(X86Buf *b, X86Cond cc, X86Reg dst)
{
    emit_r(b, 1, 0, needs_rex8(dst), 0x0f90 + cc, 0, dst, 0, 0);
}

void x86_setcc_m(X86Buf *b, X86Cond cc, X86Mem m)
{
    emit_m(b, 1, 0, false, 0x0f90 + cc, 0, &m, 0, 0);
}

void x86_cmov(X86Buf *b, X86Cond cc, unsigned sz, X86Reg dst, X86Reg src)
{
    check_sz48(sz);
    emit_r(b, sz, 0, false, 0x0f40 + cc, dst, src, 0, 0);
}

void x86_bswap(X86Buf *b, unsigned sz, X86Reg r)
{
    check_sz48(sz);
    emit_plain(b, sz == 8, r, 0x0fc8, 0, 0);
}

void x86_rorx(X86Buf *b, unsigned sz, X86Reg dst, X86Reg src, uint8_t count)
{
    check_sz48(sz);
    uint8_t *start = ins_begin(b), *q = start;
    /* VEX3: map 0F3A, W = size, pp = F2, no vvvv; F0 /r ib. */
    *q++ = 0xc4;
    *q++ = (uint8_t)((dst & 8 ? 0 : 0x80) | 0x40 | (src & 8 ? 0 : 0x20) | 0x03);
    *q++ = (uint8_t)((sz == 8 ? 0x80 : 0) | 0x78 | 0x03);
    *q++ = 0xf0;
    *q++ = (uint8_t)(0xc0 | (dst & 7) << 3 | (src & 7));
    *q++ = count;
    ins_end(b, start, q);
}

static void bitcount(X86Buf *b, uint32_t opc, unsigned sz, X86Reg dst,
                     X86Reg src)
{
    assert(sz == 2 || sz == 4 || sz == 8);
    emit_r(b, sz, 0xf3, false, opc, dst, src, 0, 0);
}

void x86_lzcnt(X86Buf *b, unsigned sz, X86Reg dst, X86Reg src)
{
    bitcount(b, 0x0fbd, sz, dst, src);
}

void x86_tzcnt(X86Buf *b, unsigned sz, X86Reg dst, X86Reg src)
{
    bitcount(b, 0x0fbc, sz, dst, src);
}

void x86_popcnt(X86Buf *b, unsigned sz, X86Reg dst, X86Reg src)
{
    bitcount(b, 0x0fb8, sz, dst, src);
}

void x86_xchg_rr(X86Buf *b, unsigned sz, X86Reg a, X86Reg c)
{
    check_sz(sz);
    emit_r(b, sz, 0, sz == 1 && (needs_rex8(a) || needs_rex8(c)),
            sz == 1 ? 0x86 : 0x87, c, a, 0, 0);
}

void x86_xchg_mr(X86Buf *b, unsigned sz, X86Mem m, X86Reg r)
{
    check_sz(sz);
    emit_m(b, sz, 0, sz == 1 && needs_rex8(r), sz == 1 ? 0x86 : 0x87, r,
            &m, 0, 0);
}

void x86_lock_cmpxchg(X86Buf *b, unsigned sz, X86Mem m, X86Reg r)
{
    check_sz(sz);
    emit_m(b, sz, 0xf0, sz == 1 && needs_rex8(r),
            sz == 1 ? 0x0fb0 : 0x0fb1, r, &m, 0, 0);
}

void x86_lock_xadd(X86Buf *b, unsigned sz, X86Mem m, X86Reg r)
{
    check_sz(sz);
    emit_m(b, sz, 0xf0, sz == 1 && needs_rex8(r),
            sz == 1 ? 0x0fc0 : 0x0fc1, r, &m, 0, 0);
}

void x86_mfence(X86Buf *b)
{
    uint8_t *s = ins_begin(b), *q = s;

    *q++ = 0x0f;
    *q++ = 0xae;
    *q++ = 0xf0;
    ins_end(b, s, q);
}

size_t x86_jcc(X86Buf *b, X86Cond cc)
{
    uint8_t *s = ins_begin(b), *q = s;

    *q++ = 0x0f;
    *q++ = (uint8_t)(0x80 + cc);
    q = put_le(q, 0, 4);
    ins_end(b, s, q);
    return last_field(b, 4);
}

static size_t rel32_op(X86Buf *b, uint8_t opc)
{
    uint8_t *s = ins_begin(b), *q = s;

    *q++ = opc;
    q = put_le(q, 0, 4);
    ins_end(b, s, q);
    return last_field(b, 4);
}

size_t x86_jmp(X86Buf *b)
{
    return rel32_op(b, 0xe9);
}

size_t x86_call(X86Buf *b)
{
    return rel32_op(b, 0xe8);
}

/* FF /4 (jmp) and FF /2 (call) take a 64-bit operand without REX.W. */
void x86_jmp_r(X86Buf *b, X86Reg r)
{
    emit_r(b, 4, 0, false, 0xff, 4, r, 0, 0);
}

void x86_call_r(X86Buf *b, X86Reg r)
{
    emit_r(b, 4, 0, false, 0xff, 2, r, 0, 0);
}

void x86_jmp_m(X86Buf *b, X86Mem m)
{
    emit_m(b, 4, 0, false, 0xff, 4, &m, 0, 0);
}

void x86_call_m(X86Buf *b, X86Mem m)
{
    emit_m(b, 4, 0, false, 0xff, 2, &m, 0, 0);
}

void x86_push(X86Buf *b, X86Reg r)
{
    emit_plain(b, false, r, 0x50, 0, 0);
}

void x86_pop(X86Buf *b, X86Reg r)
{
    emit_plain(b, false, r, 0x58, 0, 0);
}

void x86_ret(X86Buf *b)
{
    uint8_t *s = ins_begin(b), *q = s;

    *q++ = 0xc3;
    ins_end(b, s, q);
}

void x86_patch_rel32(X86Buf *b, size_t field, size_t target)
{
    size_t used = x86_buf_offset(b);

    if (field > used || used - field < 4)
        return;
    put_le(b->start + field, (uint32_t)(target - (field + 4)), 4);
}

bool x86_set_rel32(uint8_t *field, uintptr_t field_x, uintptr_t target_x)
{
    int64_t d = (int64_t)(target_x - (field_x + 4));

    if (d != (int32_t)d)
        return false;
    put_le(field, (uint32_t)d, 4);
    return true;
}
