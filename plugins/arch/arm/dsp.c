/* SPDX-License-Identifier: MIT */
/*
 * ARMv7E-M DSP extension (Cortex-M4, Cortex-M7), 32-bit Thumb encodings:
 * parallel add/subtract (signed, saturating, halving; unsigned likewise)
 * with the GE flags, SEL, QADD/QSUB/QDADD/QDSUB, SSAT16/USAT16,
 * SXTAB16/SXTB16/UXTAB16/UXTB16, PKHBT/PKHTB, the halfword and
 * most-significant-word multiplies (SMLA<x><y>, SMLAW<y>, SMLAD, SMLSD,
 * SMMLA, SMMLS, SMUAD, SMUSD...), the long ones (SMLAL<x><y>, SMLALD,
 * SMLSLD, UMAAL), USAD8 and USADA8.
 *
 * The translator calls arm_dsp_t32() for every 32-bit instruction on a
 * model with the extension; on the others these encodings stay
 * UNDEFINED. The work is done by helpers: the ones that may set Q write
 * a block global (env->qf); GE (env->ge) is not a block global, so the
 * helpers that only touch GE keep the block's registers in place.
 */
#include "arm.h"

#define HFLAGS_GE (TESSERA_HELPER_NO_READ | TESSERA_HELPER_NO_WRITE | \
                   TESSERA_HELPER_NO_RAISE)
#define HFLAGS_Q TESSERA_HELPER_NO_RAISE

static int32_t sx16(uint32_t v) { return (int16_t)(v & 0xffff); }

/* Signed saturation to a 32-bit value; sets *sat when it clamped. */
static int64_t ssat(int64_t v, unsigned bits, bool *sat)
{
    int64_t hi = (1ll << (bits - 1)) - 1, lo = -(1ll << (bits - 1));
    if (v > hi) {
        *sat = true;
        return hi;
    }
    if (v < lo) {
        *sat = true;
        return lo;
    }
    return v;
}

static int64_t usat(int64_t v, unsigned bits, bool *sat)
{
    int64_t hi = (1ll << bits) - 1;
    if (v > hi) {
        *sat = true;
        return hi;
    }
    if (v < 0) {
        *sat = true;
        return 0;
    }
    return v;
}

/* ---------------------------------------------------------------------- */
/* Helpers                                                                 */

/*
 * Parallel add/subtract: a0 Rn, a1 Rm, a2 op1 (bits 2:0: 0 ADD8, 1 ADD16,
 * 2 ASX, 4 SUB8, 5 SUB16, 6 SAX) | kind << 3 (bits 1:0: 0 plain with GE,
 * 1 saturating, 2 halving; bit 2 unsigned).
 */
static uint64_t h_par(void *e, uint64_t a0, uint64_t a1, uint64_t code,
                      uint64_t a3)
{
    ArmEnv *env = e;
    uint32_t a = (uint32_t)a0, b = (uint32_t)a1, r = 0;
    unsigned op = code & 7, kind = (code >> 3) & 3;
    bool uns = (code >> 3) & 4, byte = (op & 3) == 0;
    unsigned w = byte ? 8 : 16, lanes = byte ? 4 : 2, ge = 0;
    uint32_t lmask = (1u << w) - 1;
    for (unsigned i = 0; i < lanes; i++) {
        unsigned ia = i, ib = i;
        bool sub = op & 4;
        if (op == 2) { /* ASX: lo = a.lo - b.hi, hi = a.hi + b.lo */
            ib = i ^ 1;
            sub = i == 0;
        } else if (op == 6) { /* SAX: lo = a.lo + b.hi, hi = a.hi - b.lo */
            ib = i ^ 1;
            sub = i == 1;
        }
        uint32_t xa = (a >> (ia * w)) & lmask, xb = (b >> (ib * w)) & lmask;
        int64_t x, y, v;
        if (uns) {
            x = xa;
            y = xb;
        } else {
            x = (int64_t)(xa ^ (1u << (w - 1))) - (1ll << (w - 1));
            y = (int64_t)(xb ^ (1u << (w - 1))) - (1ll << (w - 1));
        }
        v = sub ? x - y : x + y;
        bool sat = false, geb;
        switch (kind) {
        case 1:
            v = uns ? usat(v, w, &sat) : ssat(v, w, &sat);
            break;
        case 2:
            v >>= 1; /* floor, as the ARM ARM's bit slice */
            break;
        default:
            if (uns)
                geb = sub ? v >= 0 : v >= (1ll << w);
            else
                geb = v >= 0;
            if (geb)
                ge |= (byte ? 1u : 3u) << (i * (w / 8));
            break;
        }
        r |= ((uint32_t)v & lmask) << (i * w);
    }
    if (kind == 0)
        env->ge = (uint8_t)ge;
    return r;
}

/* SEL: a0 Rn, a1 Rm; each byte from Rn where GE is set. */
static uint64_t h_sel(void *e, uint64_t a0, uint64_t a1, uint64_t a2,
                      uint64_t a3)
{
    ArmEnv *env = e;
    uint32_t m = 0;
    for (unsigned i = 0; i < 4; i++)
        if (env->ge & (1u << i))
            m |= 0xffu << (8 * i);
    return ((uint32_t)a0 & m) | ((uint32_t)a1 & ~m);
}

/* QADD, QDADD, QSUB, QDSUB: a0 Rm, a1 Rn, a2 op (0..3 in that order). */
static uint64_t h_qaddsub(void *e, uint64_t a0, uint64_t a1, uint64_t op,
                          uint64_t a3)
{
    ArmEnv *env = e;
    bool sat = false;
    int64_t m = (int32_t)a0, n = (int32_t)a1;
    if (op & 1)
        n = ssat(2 * n, 32, &sat);
    int64_t r = ssat((op & 2) ? m - n : m + n, 32, &sat);
    if (sat)
        env->qf = 1;
    return (uint32_t)r;
}

/* SSAT16/USAT16: a0 Rn, a1 saturate_to, a2 unsigned. */
static uint64_t h_sat16(void *e, uint64_t a0, uint64_t bits, uint64_t uns,
                        uint64_t a3)
{
    ArmEnv *env = e;
    bool sat = false;
    uint32_t v = (uint32_t)a0, r = 0;
    for (unsigned i = 0; i < 2; i++) {
        int64_t x = sx16(v >> (16 * i));
        x = uns ? usat(x, (unsigned)bits, &sat) : ssat(x, (unsigned)bits, &sat);
        r |= ((uint32_t)x & 0xffff) << (16 * i);
    }
    if (sat)
        env->qf = 1;
    return r;
}

/* SXTAB16 & co: a0 Rn (0 without add), a1 Rm rotated, a2 signed. */
static uint64_t h_xtab16(void *e, uint64_t a0, uint64_t a1, uint64_t sgn,
                         uint64_t a3)
{
    uint32_t n = (uint32_t)a0, m = (uint32_t)a1, r = 0;
    for (unsigned i = 0; i < 2; i++) {
        uint32_t byte = (m >> (16 * i)) & 0xff;
        if (sgn)
            byte = (uint32_t)(int32_t)(int8_t)byte;
        r |= (((n >> (16 * i)) + byte) & 0xffff) << (16 * i);
    }
    return r;
}

/*
 * Multiplies with a 32-bit result: a0 Rn, a1 Rm, a2 Ra, a3 op1 (bits 2:0
 * of the encoding's op1) | op2 << 3 (bits 5:4 of the second halfword)
 * | 32 when there is no accumulator (Ra is 15).
 */
static uint64_t h_mul(void *e, uint64_t a0, uint64_t a1, uint64_t a2,
                      uint64_t code)
{
    ArmEnv *env = e;
    uint32_t n = (uint32_t)a0, m = (uint32_t)a1, ra = (uint32_t)a2;
    unsigned op1 = code & 7, op2 = (code >> 3) & 3;
    bool acc = !(code & 32);
    int64_t r, acc64 = acc ? (int32_t)ra : 0;
    uint64_t u;
    switch (op1) {
    case 1: /* SMLA<x><y>, SMUL<x><y> */
        r = (int64_t)sx16(op2 & 2 ? n >> 16 : n) *
                sx16(op2 & 1 ? m >> 16 : m) + acc64;
        break;
    case 2: case 4: { /* SMLAD, SMUAD / SMLSD, SMUSD */
        if (op2 & 1)
            m = m >> 16 | m << 16;
        int64_t p1 = (int64_t)sx16(n) * sx16(m);
        int64_t p2 = (int64_t)sx16(n >> 16) * sx16(m >> 16);
        r = (op1 == 2 ? p1 + p2 : p1 - p2) + acc64;
        break;
    }
    case 3: /* SMLAW<y>, SMULW<y> */
        r = (((int64_t)(int32_t)n * sx16(op2 & 1 ? m >> 16 : m)) >> 16) +
            acc64;
        break;
    case 5: case 6: /* SMMLA, SMMUL / SMMLS */
        u = (uint64_t)((int64_t)(int32_t)n * (int32_t)m);
        u = op1 == 5 ? ((uint64_t)ra << 32) + u : ((uint64_t)ra << 32) - u;
        if (op2 & 1)
            u += 0x80000000u;
        return (uint32_t)(u >> 32);
    default: { /* USAD8, USADA8 */
        uint32_t s = acc ? ra : 0;
        for (unsigned i = 0; i < 4; i++) {
            int x = (int)((n >> (8 * i)) & 0xff) - (int)((m >> (8 * i)) & 0xff);
            s += (uint32_t)(x < 0 ? -x : x);
        }
        return s;
    }
    }
    if (r != (int32_t)r)
        env->qf = 1;
    return (uint32_t)r;
}

/*
 * Long multiplies: a0 Rn, a1 Rm, a2 RdHi:RdLo, a3 0 SMLAL<x><y> (| N << 1
 * | M), 4 SMLALD, 5 SMLSLD (| 8 for X), 6 UMAAL.
 */
static uint64_t h_lmul(void *e, uint64_t a0, uint64_t a1, uint64_t acc,
                       uint64_t code)
{
    uint32_t n = (uint32_t)a0, m = (uint32_t)a1;
    switch (code & 7) {
    case 0: case 1: case 2: case 3:
        return acc + (uint64_t)((int64_t)sx16(code & 2 ? n >> 16 : n) *
                                sx16(code & 1 ? m >> 16 : m));
    case 4: case 5: {
        if (code & 8)
            m = m >> 16 | m << 16;
        int64_t p1 = (int64_t)sx16(n) * sx16(m);
        int64_t p2 = (int64_t)sx16(n >> 16) * sx16(m >> 16);
        return acc + (uint64_t)((code & 7) == 4 ? p1 + p2 : p1 - p2);
    }
    default: /* UMAAL */
        return (uint64_t)n * m + (acc >> 32) + (uint32_t)acc;
    }
}

/* ---------------------------------------------------------------------- */
/* Decoding                                                                */

static TesseraVal reg(TesseraIR *b, unsigned n)
{
    return tessera_ir_global_sized(b, offsetof(ArmEnv, r) + 4 * (n & 15),
                                   TESSERA_MO_32);
}

static TesseraVal rd_op(TesseraIR *b, uint32_t pc, unsigned n)
{
    if (n == 15)
        return tessera_ir_const(b, pc + 4);
    return reg(b, n);
}

/* rd = fn(a0, a1, a2, a3) */
static void call_to(TesseraIR *b, unsigned rd, TesseraHelper fn,
                    unsigned flags, unsigned nargs, TesseraVal a0,
                    TesseraVal a1, TesseraVal a2, TesseraVal a3)
{
    TesseraVal args[4] = {a0, a1, a2, a3}, t = tessera_ir_temp(b);
    tessera_ir_call(b, fn, flags, t, nargs, args);
    tessera_ir_mov(b, TESSERA_I32, reg(b, rd), t);
}

bool arm_dsp_t32(TesseraIR *b, uint32_t pc, unsigned h1, unsigned h2)
{
    unsigned rn = h1 & 15, rd = (h2 >> 8) & 15, rm = h2 & 15, ra = h2 >> 12;
#define K(v) tessera_ir_const(b, (v))
#define N rd_op(b, pc, rn)
#define M rd_op(b, pc, rm)

    /* SSAT16, USAT16 */
    if (((h1 & 0xfff0) == 0xf320 || (h1 & 0xfff0) == 0xf3a0) &&
        (h2 & 0xf0c0) == 0) {
        bool uns = h1 & 0x80;
        unsigned sat = h2 & 15;
        call_to(b, rd, h_sat16, HFLAGS_Q, 3, N, K(uns ? sat : sat + 1),
                K(uns), TESSERA_IR_NONE);
        return true;
    }
    /* PKHBT, PKHTB */
    if ((h1 & 0xfff0) == 0xeac0 && (h2 & 0x8010) == 0) {
        unsigned imm = ((h2 >> 12) & 7) << 2 | ((h2 >> 6) & 3);
        bool tb = h2 & 0x20;
        TesseraVal t = tessera_ir_temp(b), u = tessera_ir_temp(b);
        if (tb) {
            tessera_ir_binop(b, TESSERA_SAR, TESSERA_I32, t, M,
                             K(imm ? imm : 31));
            tessera_ir_binop(b, TESSERA_AND, TESSERA_I32, t, t, K(0xffff));
            tessera_ir_binop(b, TESSERA_AND, TESSERA_I32, u, N,
                             K(0xffff0000u));
        } else {
            tessera_ir_binop(b, TESSERA_SHL, TESSERA_I32, t, M, K(imm));
            tessera_ir_binop(b, TESSERA_AND, TESSERA_I32, t, t,
                             K(0xffff0000u));
            tessera_ir_binop(b, TESSERA_AND, TESSERA_I32, u, N, K(0xffff));
        }
        tessera_ir_binop(b, TESSERA_OR, TESSERA_I32, reg(b, rd), t, u);
        return true;
    }
    /* Data processing (register) */
    if ((h1 & 0xff00) == 0xfa00 && (h2 & 0xf000) == 0xf000) {
        unsigned op1 = (h1 >> 4) & 15, op2 = (h2 >> 4) & 15;
        if (op1 >= 8 && !(op2 & 8)) { /* parallel add/subtract */
            unsigned op = op1 & 7, kind = op2 & 3;
            if (op == 3 || op == 7 || kind == 3)
                return false;
            unsigned code = op | (kind | (op2 & 4)) << 3;
            call_to(b, rd, h_par, kind ? TESSERA_HELPER_PURE : HFLAGS_GE, 3,
                    N, M, K(code), TESSERA_IR_NONE);
            return true;
        }
        if ((op1 == 2 || op1 == 3) && (op2 & 0xc) == 8) { /* xTAB16 */
            TesseraVal t = tessera_ir_temp(b);
            tessera_ir_binop(b, TESSERA_ROTR, TESSERA_I32, t, M,
                             K((op2 & 3) * 8));
            call_to(b, rd, h_xtab16, TESSERA_HELPER_PURE, 3,
                    rn == 15 ? K(0) : N, t, K(op1 == 2), TESSERA_IR_NONE);
            return true;
        }
        if (op1 == 8 && (op2 & 0xc) == 8) { /* QADD, QDADD, QSUB, QDSUB */
            call_to(b, rd, h_qaddsub, HFLAGS_Q, 3, M, N, K(op2 & 3),
                    TESSERA_IR_NONE);
            return true;
        }
        if (op1 == 10 && op2 == 8) { /* SEL */
            call_to(b, rd, h_sel, HFLAGS_GE, 2, N, M, TESSERA_IR_NONE,
                    TESSERA_IR_NONE);
            return true;
        }
        return false;
    }
    /* Multiply, multiply accumulate, absolute difference */
    if ((h1 & 0xff80) == 0xfb00 && (h2 & 0xc0) == 0) {
        unsigned op1 = (h1 >> 4) & 7, op2 = (h2 >> 4) & 3;
        bool q;
        switch (op1) {
        case 1: q = ra != 15; break;
        case 2: case 4: q = true; if (op2 & 2) return false; break;
        case 3: q = ra != 15; if (op2 & 2) return false; break;
        case 5: case 6: q = false; if (op2 & 2) return false; break;
        case 7: q = false; if (op2) return false; break;
        default: return false;
        }
        unsigned code = op1 | op2 << 3;
        if (ra == 15 && op1 != 6)
            code |= 32;
        call_to(b, rd, h_mul, q ? HFLAGS_Q : TESSERA_HELPER_PURE, 4, N, M,
                ra == 15 ? K(0) : reg(b, ra), K(code));
        return true;
    }
    /* Long multiply, multiply accumulate */
    if ((h1 & 0xff80) == 0xfb80) {
        unsigned op1 = (h1 >> 4) & 7, op2 = (h2 >> 4) & 15, code;
        unsigned rlo = h2 >> 12, rhi = (h2 >> 8) & 15;
        if (op1 == 4 && (op2 & 12) == 8)
            code = op2 & 3;
        else if ((op1 == 4 || op1 == 5) && (op2 & 14) == 12)
            code = (op1 == 4 ? 4 : 5) | (op2 & 1) << 3;
        else if (op1 == 6 && op2 == 6)
            code = 6;
        else
            return false;
        TesseraVal acc = tessera_ir_temp(b), lo = tessera_ir_temp(b);
        TesseraVal p = tessera_ir_temp(b), args[4];
        tessera_ir_binop(b, TESSERA_SHL, TESSERA_I64, acc, reg(b, rhi),
                         K(32));
        tessera_ir_unop(b, TESSERA_EXT32U, TESSERA_I64, lo, reg(b, rlo));
        tessera_ir_binop(b, TESSERA_OR, TESSERA_I64, acc, acc, lo);
        args[0] = N;
        args[1] = M;
        args[2] = acc;
        args[3] = K(code);
        tessera_ir_call(b, h_lmul, TESSERA_HELPER_PURE, p, 4, args);
        tessera_ir_mov(b, TESSERA_I32, reg(b, rlo), p);
        tessera_ir_binop(b, TESSERA_SHR, TESSERA_I64, p, p, K(32));
        tessera_ir_mov(b, TESSERA_I32, reg(b, rhi), p);
        return true;
    }
#undef K
#undef N
#undef M
    return false;
}
