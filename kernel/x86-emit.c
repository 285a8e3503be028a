/* SPDX-License-Identifier: MIT */
/*
 * The x86-64 emitter (see x86-emit.h), the forms not defined inline
 * there. Most forms go through x86i_emit_r() or x86i_emit_m(): [66]
 * [F0/F3] [REX] opcode ModRM [SIB] [disp] [imm]; the few without a ModRM
 * byte (push, pop, mov r, imm, bswap, branches) are written directly.
 * Encodings: Intel SDM volume 2, chapter 2 and the instruction pages.
 */
#include <assert.h>
#include <string.h>

#include "kernel/x86-emit.h"

void x86_buf_init(X86Buf *b, void *mem, size_t size)
{
    b->start = mem;
    b->p = mem;
    b->end = b->start + size;
    b->overflow = false;
}

/* The opcode of movzx (sign false) or movsx from ssz bytes to dsz. */
static uint32_t movx_opc(bool sign, unsigned dsz, unsigned ssz)
{
    x86i_check_sz48(dsz);
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
    x86i_emit_r(b, dsz, 0, ssz == 1 && x86i_needs_rex8(src), movx_opc(false, dsz, ssz),
           dst, src, 0, 0);
}

void x86_movzx_rm(X86Buf *b, unsigned dsz, unsigned ssz, X86Reg dst,
                  X86Mem m)
{
    x86i_emit_m(b, dsz, 0, false, movx_opc(false, dsz, ssz), dst, &m, 0, 0);
}

void x86_movsx_rr(X86Buf *b, unsigned dsz, unsigned ssz, X86Reg dst,
                  X86Reg src)
{
    x86i_emit_r(b, dsz, 0, ssz == 1 && x86i_needs_rex8(src), movx_opc(true, dsz, ssz),
           dst, src, 0, 0);
}

void x86_movsx_rm(X86Buf *b, unsigned dsz, unsigned ssz, X86Reg dst,
                  X86Mem m)
{
    x86i_emit_m(b, dsz, 0, false, movx_opc(true, dsz, ssz), dst, &m, 0, 0);
}

/* Group 1 with an immediate: 83 /op ib, or 81 /op id if it needs more. */

void x86_alu_mr(X86Buf *b, X86Alu op, unsigned sz, X86Mem m, X86Reg src)
{
    x86i_check_sz48(sz);
    x86i_emit_m(b, sz, 0, false, op * 8 + 1, src, &m, 0, 0);
}

void x86_test_rr(X86Buf *b, unsigned sz, X86Reg a, X86Reg c)
{
    x86i_check_sz48(sz);
    x86i_emit_r(b, sz, 0, false, 0x85, c, a, 0, 0);
}

void x86_test_ri(X86Buf *b, unsigned sz, X86Reg a, int32_t imm)
{
    x86i_check_sz48(sz);
    x86i_emit_r(b, sz, 0, false, 0xf7, 0, a, 4, (uint32_t)imm);
}

void x86_shift_cl(X86Buf *b, X86Shift op, unsigned sz, X86Reg r)
{
    x86i_check_sz48(sz);
    x86i_emit_r(b, sz, 0, false, 0xd3, op, r, 0, 0);
}

void x86_unary(X86Buf *b, X86Unary op, unsigned sz, X86Reg r)
{
    x86i_check_sz48(sz);
    x86i_emit_r(b, sz, 0, false, 0xf7, op, r, 0, 0);
}

void x86_imul_rr(X86Buf *b, unsigned sz, X86Reg dst, X86Reg src)
{
    x86i_check_sz48(sz);
    x86i_emit_r(b, sz, 0, false, 0x0faf, dst, src, 0, 0);
}

void x86_imul_rm(X86Buf *b, unsigned sz, X86Reg dst, X86Mem m)
{
    x86i_check_sz48(sz);
    x86i_emit_m(b, sz, 0, false, 0x0faf, dst, &m, 0, 0);
}

void x86_imul_rri(X86Buf *b, unsigned sz, X86Reg dst, X86Reg src,
                  int32_t imm)
{
    x86i_check_sz48(sz);
    if (x86i_fits8(imm))
        x86i_emit_r(b, sz, 0, false, 0x6b, dst, src, 1, (uint8_t)imm);
    else
        x86i_emit_r(b, sz, 0, false, 0x69, dst, src, 4, (uint32_t)imm);
}

void x86_cqo(X86Buf *b, unsigned sz)
{
    x86i_check_sz48(sz);
    x86i_emit_plain(b, sz == 8, X86_RAX, 0x99, 0, 0);
}

void x86_setcc(X86Buf *b, X86Cond cc, X86Reg dst)
{
    x86i_emit_r(b, 1, 0, x86i_needs_rex8(dst), 0x0f90 + cc, 0, dst, 0, 0);
}

void x86_setcc_m(X86Buf *b, X86Cond cc, X86Mem m)
{
    x86i_emit_m(b, 1, 0, false, 0x0f90 + cc, 0, &m, 0, 0);
}

void x86_cmov(X86Buf *b, X86Cond cc, unsigned sz, X86Reg dst, X86Reg src)
{
    x86i_check_sz48(sz);
    x86i_emit_r(b, sz, 0, false, 0x0f40 + cc, dst, src, 0, 0);
}

void x86_bswap(X86Buf *b, unsigned sz, X86Reg r)
{
    x86i_check_sz48(sz);
    x86i_emit_plain(b, sz == 8, r, 0x0fc8, 0, 0);
}

void x86_rorx(X86Buf *b, unsigned sz, X86Reg dst, X86Reg src, uint8_t count)
{
    x86i_check_sz48(sz);
    uint8_t *start = x86i_ins_begin(b), *q = start;
    /* VEX3: map 0F3A, W = size, pp = F2, no vvvv; F0 /r ib. */
    *q++ = 0xc4;
    *q++ = (uint8_t)((dst & 8 ? 0 : 0x80) | 0x40 | (src & 8 ? 0 : 0x20) | 0x03);
    *q++ = (uint8_t)((sz == 8 ? 0x80 : 0) | 0x78 | 0x03);
    *q++ = 0xf0;
    *q++ = (uint8_t)(0xc0 | (dst & 7) << 3 | (src & 7));
    *q++ = count;
    x86i_ins_end(b, start, q);
}

static void bitcount(X86Buf *b, uint32_t opc, unsigned sz, X86Reg dst,
                     X86Reg src)
{
    assert(sz == 2 || sz == 4 || sz == 8);
    x86i_emit_r(b, sz, 0xf3, false, opc, dst, src, 0, 0);
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
    x86i_check_sz(sz);
    x86i_emit_r(b, sz, 0, sz == 1 && (x86i_needs_rex8(a) || x86i_needs_rex8(c)),
            sz == 1 ? 0x86 : 0x87, c, a, 0, 0);
}

void x86_xchg_mr(X86Buf *b, unsigned sz, X86Mem m, X86Reg r)
{
    x86i_check_sz(sz);
    x86i_emit_m(b, sz, 0, sz == 1 && x86i_needs_rex8(r), sz == 1 ? 0x86 : 0x87, r,
            &m, 0, 0);
}

void x86_lock_cmpxchg(X86Buf *b, unsigned sz, X86Mem m, X86Reg r)
{
    x86i_check_sz(sz);
    x86i_emit_m(b, sz, 0xf0, sz == 1 && x86i_needs_rex8(r),
            sz == 1 ? 0x0fb0 : 0x0fb1, r, &m, 0, 0);
}

void x86_lock_xadd(X86Buf *b, unsigned sz, X86Mem m, X86Reg r)
{
    x86i_check_sz(sz);
    x86i_emit_m(b, sz, 0xf0, sz == 1 && x86i_needs_rex8(r),
            sz == 1 ? 0x0fc0 : 0x0fc1, r, &m, 0, 0);
}

void x86_mfence(X86Buf *b)
{
    uint8_t *s = x86i_ins_begin(b), *q = s;

    *q++ = 0x0f;
    *q++ = 0xae;
    *q++ = 0xf0;
    x86i_ins_end(b, s, q);
}

void x86_nop(X86Buf *b, unsigned n)
{
    /* The recommended one-instruction NOPs of 1 to 9 bytes. */
    static const uint8_t nops[9][9] = {
        {0x90},
        {0x66, 0x90},
        {0x0f, 0x1f, 0x00},
        {0x0f, 0x1f, 0x40, 0x00},
        {0x0f, 0x1f, 0x44, 0x00, 0x00},
        {0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00},
        {0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00},
        {0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00},
        {0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00},
    };
    uint8_t *s = x86i_ins_begin(b), *q = s;

    assert(n >= 1 && n <= 9);
    memcpy(q, nops[n - 1], n);
    x86i_ins_end(b, s, q + n);
}

size_t x86_call(X86Buf *b)
{
    return x86i_rel32_op(b, 0xe8);
}

/* FF /4 (jmp) and FF /2 (call) take a 64-bit operand without REX.W. */
void x86_jmp_r(X86Buf *b, X86Reg r)
{
    x86i_emit_r(b, 4, 0, false, 0xff, 4, r, 0, 0);
}

void x86_jmp_m(X86Buf *b, X86Mem m)
{
    x86i_emit_m(b, 4, 0, false, 0xff, 4, &m, 0, 0);
}

void x86_call_m(X86Buf *b, X86Mem m)
{
    x86i_emit_m(b, 4, 0, false, 0xff, 2, &m, 0, 0);
}

bool x86_set_rel32(uint8_t *field, uintptr_t field_x, uintptr_t target_x)
{
    int64_t d = (int64_t)(target_x - (field_x + 4));

    if (d != (int32_t)d)
        return false;
    x86i_put_le(field, (uint32_t)d, 4);
    return true;
}
