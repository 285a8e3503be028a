/* SPDX-License-Identifier: MIT */
/*
 * F and D computation. Each instruction runs here in C on host IEEE
 * arithmetic, with the host rounding mode set from rm and the exception
 * flags read back into fflags: the host's single and double operations
 * (including fma) are correctly rounded, and x86 detects tininess after
 * rounding as RISC-V does. What the host does differently is handled
 * explicitly: NaN results become the canonical NaN, min/max/compare and
 * float-to-integer conversions are written out to get RISC-V's flags and
 * saturation, and round-to-nearest-max-magnitude (RMM), which hosts lack,
 * is derived from the round-to-nearest-even result and its exact error.
 *
 * Loads, stores and moves between registers are translated inline; this
 * file only sees OP-FP and the fused multiply-add opcodes.
 */
#include <fenv.h>
#include <math.h>
#include <string.h>

#include "riscv.h"


enum { FF_NX = 1, FF_UF = 2, FF_OF = 4, FF_DZ = 8, FF_NV = 16 };
enum { RM_RNE, RM_RTZ, RM_RDN, RM_RUP, RM_RMM, RM_DYN = 7 };

#define BOX32 0xffffffff00000000ull
#define CNAN32 0x7fc00000u
#define CNAN64 0x7ff8000000000000ull

/* ---------------------------------------------------------------------- */
/* Bits and values                                                         */

static float f32_of(uint32_t u)
{
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static uint32_t bits32(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static double f64_of(uint64_t u)
{
    double d;
    memcpy(&d, &u, 8);
    return d;
}

static uint64_t bits64(double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    return u;
}

/* A single read from a register: not NaN-boxed means the canonical NaN. */
static uint32_t unbox(const RiscvEnv *env, unsigned r)
{
    uint64_t v = env->f[r];

    return (v & BOX32) == BOX32 ? (uint32_t)v : CNAN32;
}

static bool snan32(uint32_t u)
{
    return (u & 0x7f800000u) == 0x7f800000u && (u & 0x007fffffu) &&
           !(u & 0x00400000u);
}

static bool snan64(uint64_t u)
{
    return (u & 0x7ff0000000000000ull) == 0x7ff0000000000000ull &&
           (u & 0x000fffffffffffffull) && !(u & 0x0008000000000000ull);
}

static void put32(RiscvEnv *env, unsigned rd, float f)
{
    uint32_t u = isnan(f) ? CNAN32 : bits32(f);

    env->f[rd] = BOX32 | u;
}

static void put64(RiscvEnv *env, unsigned rd, double d)
{
    env->f[rd] = isnan(d) ? CNAN64 : bits64(d);
}

static void put_x(RiscvEnv *env, unsigned rd, uint64_t v)
{
    if (rd)
        env->x[rd] = v & riscv_cur_mask(env);
}

/* ---------------------------------------------------------------------- */
/* Rounding and flags                                                      */

/* An illegal instruction changes nothing: mstatus as it was (ms). */
static void illegal(RiscvEnv *env, uint32_t insn, uint64_t ms)
{
    env->mstatus = ms;
    riscv_raise(env, EXC_ILLEGAL_INSN, insn);
}

/* The effective rounding mode; reserved ones are illegal instructions. */
static unsigned get_rm(RiscvEnv *env, uint32_t insn, uint64_t ms)
{
    unsigned rm = (insn >> 12) & 7;

    if (rm == RM_DYN)
        rm = (unsigned)env->frm;
    if (rm > RM_RMM)
        illegal(env, insn, ms);
    return rm;
}

static void host_round(unsigned rm)
{
    static const int modes[] = {FE_TONEAREST, FE_TOWARDZERO, FE_DOWNWARD,
                                FE_UPWARD, FE_TONEAREST};
    fesetround(modes[rm]);
    feclearexcept(FE_ALL_EXCEPT);
}

/* Host flags raised since host_round() into fflags; host mode back. */
static void host_done(RiscvEnv *env)
{
    int e = fetestexcept(FE_ALL_EXCEPT);

    env->fflags |= ((e & FE_INEXACT) ? FF_NX : 0) |
                   ((e & FE_UNDERFLOW) ? FF_UF : 0) |
                   ((e & FE_OVERFLOW) ? FF_OF : 0) |
                   ((e & FE_DIVBYZERO) ? FF_DZ : 0) |
                   ((e & FE_INVALID) ? FF_NV : 0);
    fesetround(FE_TONEAREST);
    feclearexcept(FE_ALL_EXCEPT);
}

/*
 * RMM from the round-to-nearest-even result r: only a tie rounds
 * differently (RNE may have kept the smaller magnitude). above tells
 * whether the exact value is above r, tie whether it sits exactly halfway
 * between r and its neighbour in that direction. Callers run this with the
 * host flags held, so the checks themselves raise nothing.
 */
typedef __float128 quad;

static double rmm_pick64(double r, bool above, quad exact_or_mid_test,
                         bool use_quotient, double a, double b)
{
    double other = nextafter(r, above ? INFINITY : -INFINITY);
    quad mid = ((quad)r + (quad)other) / 2;
    bool tie;

    if (!isfinite(other))
        return r;
    /* a / b is a tie when mid * b is a exactly (exact in quad). */
    tie = use_quotient ? mid * (quad)b == (quad)a : exact_or_mid_test == mid;
    return tie && fabs(other) > fabs(r) ? other : r;
}

static float rmm_pick32(float r, double exact)
{
    float other;

    if (!isfinite(r) || (double)r == exact)
        return r;
    other = nextafterf(r, exact > r ? INFINITY : -INFINITY);
    if (isfinite(other) && exact - r == other - exact &&
        fabsf(other) > fabsf(r))
        return other;
    return r;
}

/* ---------------------------------------------------------------------- */
/* Arithmetic                                                              */

enum { OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_SQRT };

static float arith32(unsigned op, float a, float b, unsigned rm)
{
    float r;

    switch (op) {
    case OP_ADD: r = a + b; break;
    case OP_SUB: r = a - b; break;
    case OP_MUL: r = a * b; break;
    case OP_DIV: r = a / b; break;
    default: r = sqrtf(a); break;
    }
    if (rm == RM_RMM && op != OP_SQRT && isfinite(r) &&
        fetestexcept(FE_INEXACT)) {
        /* Sums and products of singles are exact in double (or so far
         * apart that no tie is possible); quotients compare in double. */
        fenv_t save;

        feholdexcept(&save);
        if (op == OP_DIV) {
            double q = (double)a / b; /* correctly rounded: not a tie test */
            float other = nextafterf(r, q > r ? INFINITY : -INFINITY);
            double mid = ((double)r + other) / 2;
            if (isfinite(other) && mid * b == a && fabsf(other) > fabsf(r))
                r = other;
        } else {
            double exact = op == OP_ADD   ? (double)a + b
                           : op == OP_SUB ? (double)a - b
                                          : (double)a * b;
            r = rmm_pick32(r, exact);
        }
        fesetenv(&save);
    }
    return r;
}

static double arith64(unsigned op, double a, double b, unsigned rm)
{
    double r;

    switch (op) {
    case OP_ADD: r = a + b; break;
    case OP_SUB: r = a - b; break;
    case OP_MUL: r = a * b; break;
    case OP_DIV: r = a / b; break;
    default: r = sqrt(a); break;
    }
    if (rm == RM_RMM && op != OP_SQRT && isfinite(r) &&
        fetestexcept(FE_INEXACT)) {
        /* Binary128 holds the exact sum (when a tie is possible) and the
         * exact product; a quotient's direction comes from its remainder. */
        fenv_t save;

        feholdexcept(&save);
        if (op == OP_DIV) {
            quad rem = (quad)a - (quad)r * (quad)b;
            bool above = (rem > 0) == (b > 0);
            r = rmm_pick64(r, above, 0, true, a, b);
        } else {
            quad e = op == OP_ADD   ? (quad)a + (quad)b
                     : op == OP_SUB ? (quad)a - (quad)b
                                    : (quad)a * (quad)b;
            r = rmm_pick64(r, e > (quad)r, e, false, a, b);
        }
        fesetenv(&save);
    }
    return r;
}

/* ---------------------------------------------------------------------- */
/* Min/max, compare, classify                                              */

static uint64_t minmax(RiscvEnv *env, bool dbl, bool max, uint64_t ua,
                       uint64_t ub)
{
    bool na, nb;
    double a, b;

    if (dbl) {
        a = f64_of(ua);
        b = f64_of(ub);
        if (snan64(ua) || snan64(ub))
            env->fflags |= FF_NV;
    } else {
        a = f32_of((uint32_t)ua);
        b = f32_of((uint32_t)ub);
        if (snan32((uint32_t)ua) || snan32((uint32_t)ub))
            env->fflags |= FF_NV;
    }
    na = isnan(a);
    nb = isnan(b);
    if (na && nb)
        return dbl ? CNAN64 : CNAN32;
    if (na)
        return ub;
    if (nb)
        return ua;
    if (a == b) {
        /* -0 is less than +0. */
        bool sa = signbit(a);
        return (max ? !sa : sa) ? ua : ub;
    }
    return (max ? a > b : a < b) ? ua : ub;
}

/* funct3: 2 = feq (quiet), 1 = flt, 0 = fle (signaling). */
static uint64_t compare(RiscvEnv *env, unsigned f3, bool dbl, uint64_t ua,
                        uint64_t ub)
{
    double a = dbl ? f64_of(ua) : f32_of((uint32_t)ua);
    double b = dbl ? f64_of(ub) : f32_of((uint32_t)ub);

    if (isnan(a) || isnan(b)) {
        bool sig = dbl ? snan64(ua) || snan64(ub)
                       : snan32((uint32_t)ua) || snan32((uint32_t)ub);
        if (f3 != 2 || sig)
            env->fflags |= FF_NV;
        return 0;
    }
    switch (f3) {
    case 2: return a == b;
    case 1: return a < b;
    default: return a <= b;
    }
}

static uint64_t classify(bool dbl, uint64_t u)
{
    /* Classify in the operand's own format: single subnormals are normal
     * as doubles. */
    int cls = dbl ? fpclassify(f64_of(u)) : fpclassify(f32_of((uint32_t)u));
    bool neg = dbl ? (u >> 63) & 1 : (u >> 31) & 1;

    switch (cls) {
    case FP_INFINITE: return neg ? 1u << 0 : 1u << 7;
    case FP_NORMAL: return neg ? 1u << 1 : 1u << 6;
    case FP_SUBNORMAL: return neg ? 1u << 2 : 1u << 5;
    case FP_ZERO: return neg ? 1u << 3 : 1u << 4;
    default:
        return (dbl ? snan64(u) : snan32((uint32_t)u)) ? 1u << 8 : 1u << 9;
    }
}

/* ---------------------------------------------------------------------- */
/* Conversions                                                             */

/* Rounds v to an integral value in mode rm (v finite). */
static double round_int(double v, unsigned rm)
{
    switch (rm) {
    case RM_RTZ: return trunc(v);
    case RM_RDN: return floor(v);
    case RM_RUP: return ceil(v);
    case RM_RMM: return round(v);
    default: {
        /* nearest, ties to even */
        double f = floor(v), d = v - f;
        if (d > 0.5 || (d == 0.5 && fmod(f, 2) != 0))
            return f + 1;
        return f;
    }
    }
}

/*
 * Float to integer: kind 0 = int32, 1 = uint32, 2 = int64, 3 = uint64.
 * NaN and values out of range saturate (NaN to the maximum) with NV;
 * otherwise an inexact result sets NX. The result is sign-extended to
 * XLEN as the spec says for the 32-bit forms.
 */
static uint64_t to_int(RiscvEnv *env, double v, unsigned kind, unsigned rm)
{
    static const double lo[4] = {-2147483648.0, 0, -9223372036854775808.0,
                                 0};
    /* Exclusive upper limits. */
    static const double hi[4] = {2147483648.0, 4294967296.0,
                                 9223372036854775808.0,
                                 18446744073709551616.0};
    static const uint64_t max[4] = {0x7fffffff, UINT64_MAX,
                                    0x7fffffffffffffffull, UINT64_MAX};
    static const uint64_t min[4] = {0xffffffff80000000ull, 0,
                                    0x8000000000000000ull, 0};
    double r;

    if (isnan(v)) {
        env->fflags |= FF_NV;
        return max[kind];
    }
    r = isinf(v) ? v : round_int(v, rm);
    if (r < lo[kind] || r >= hi[kind]) {
        env->fflags |= FF_NV;
        return signbit(v) ? min[kind] : max[kind];
    }
    if (r != v)
        env->fflags |= FF_NX;
    switch (kind) {
    case 0: return (uint64_t)(int64_t)(int32_t)r;
    case 1: return (uint64_t)(int64_t)(int32_t)(uint32_t)r;
    case 2: return (uint64_t)(int64_t)r;
    default: return (uint64_t)r;
    }
}

/* Integer to float in the current host mode; RMM through exact checks. */
static double from_int64(uint64_t x, unsigned kind, unsigned rm, bool dbl)
{
    double r = 0;
    float rf = 0;

    /* Convert once, to the destination format only: its flags count. */
    if (dbl) {
        switch (kind) {
        case 0: r = (int32_t)x; break;
        case 1: r = (uint32_t)x; break;
        case 2: r = (double)(int64_t)x; break;
        default: r = (double)x; break;
        }
    } else {
        switch (kind) {
        case 0: rf = (float)(int32_t)x; break;
        case 1: rf = (float)(uint32_t)x; break;
        case 2: rf = (float)(int64_t)x; break;
        default: rf = (float)x; break;
        }
    }
    if (rm == RM_RMM && fetestexcept(FE_INEXACT)) {
        /* Ties only happen when the integer has more bits than the
         * significand; compare in 128-bit arithmetic. */
        fenv_t save;
        feholdexcept(&save);
        bool neg = (kind == 0 && (int32_t)x < 0) ||
                   (kind == 2 && (int64_t)x < 0);
        unsigned __int128 mag =
            kind == 0   ? (unsigned __int128)(neg ? -(int64_t)(int32_t)x
                                                  : (int32_t)x)
            : kind == 1 ? (uint32_t)x
            : kind == 2 ? (neg ? (unsigned __int128)(-(__int128)(int64_t)x)
                               : (unsigned __int128)x)
                        : (unsigned __int128)x;
        double got = dbl ? fabs(r) : fabsf(rf);
        if (got < 18446744073709551616.0 * 2) {
            unsigned __int128 g = (unsigned __int128)got;
            if (g != mag) {
                double other = dbl ? nextafter(got, g < mag ? INFINITY : 0)
                                   : nextafterf((float)got,
                                                g < mag ? INFINITY : 0);
                unsigned __int128 o = (unsigned __int128)other;
                unsigned __int128 d1 = g > mag ? g - mag : mag - g;
                unsigned __int128 d2 = o > mag ? o - mag : mag - o;
                if (d1 == d2 && other > got)
                    got = other;
            }
        }
        r = neg ? -got : got;
        rf = (float)r;
        fesetenv(&save);
    }
    return dbl ? r : rf;
}

/* ---------------------------------------------------------------------- */
/* The instruction                                                         */

void riscv_fp_exec(RiscvEnv *env, uint32_t insn)
{
    unsigned opc = insn & 0x7f;
    unsigned rd = (insn >> 7) & 31, f3 = (insn >> 12) & 7;
    unsigned rs1 = (insn >> 15) & 31, rs2 = (insn >> 20) & 31;
    unsigned fmt = (insn >> 25) & 3, f5 = insn >> 27;
    bool dbl = fmt == 1;
    uint64_t ms = env->mstatus;
    unsigned rm;

    if (fmt > 1 || (dbl && !riscv_has_ext(env, 'D')))
        illegal(env, insn, ms);
    /* Every F/D instruction may write FP state: FS becomes Dirty. */
    env->mstatus |= MSTATUS_FS;

    if (opc != 0x53) {
        /* fmadd, fmsub, fnmsub, fnmadd: rs3 in bits 31:27. */
        unsigned rs3 = f5;
        bool neg_prod = opc == 0x4b || opc == 0x4f;
        bool neg_add = opc == 0x47 || opc == 0x4f;

        rm = get_rm(env, insn, ms);
        host_round(rm);
        if (dbl) {
            double a = f64_of(env->f[rs1]), b = f64_of(env->f[rs2]);
            double c = f64_of(env->f[rs3]);
            if (neg_prod)
                a = -a;
            if (neg_add)
                c = -c;
            double r = fma(a, b, c);
            if (rm == RM_RMM && isfinite(r) && fetestexcept(FE_INEXACT)) {
                /* The product is exact in binary128; the sum is exact
                 * whenever the operands are close enough to tie. */
                fenv_t save;
                feholdexcept(&save);
                quad pr = (quad)a * (quad)b, e = pr + (quad)c;
                quad bb = e - pr;
                /* Two-sum: a rounded sum cannot be a tie. */
                if ((pr - (e - bb)) + ((quad)c - bb) == 0)
                    r = rmm_pick64(r, e > (quad)r, e, false, 0, 0);
                fesetenv(&save);
            }
            /* inf * 0 is invalid even when the addend is a quiet NaN. */
            if ((isinf(a) && b == 0) || (a == 0 && isinf(b)))
                feraiseexcept(FE_INVALID);
            host_done(env);
            put64(env, rd, r);
        } else {
            float a = f32_of(unbox(env, rs1)), b = f32_of(unbox(env, rs2));
            float c = f32_of(unbox(env, rs3));
            if (neg_prod)
                a = -a;
            if (neg_add)
                c = -c;
            float r = fmaf(a, b, c);
            if (rm == RM_RMM && isfinite(r) && fetestexcept(FE_INEXACT)) {
                fenv_t save;
                feholdexcept(&save);
                /* The product of singles is exact in double; the sum
                 * with c is exact in binary128 when a tie is possible. */
                quad pr = (quad)((double)a * b), e = pr + (quad)c;
                quad bb = e - pr;
                if ((pr - (e - bb)) + ((quad)c - bb) == 0 && (quad)(double)e == e)
                    r = rmm_pick32(r, (double)e);
                fesetenv(&save);
            }
            if ((isinf(a) && b == 0) || (a == 0 && isinf(b)))
                feraiseexcept(FE_INVALID);
            host_done(env);
            put32(env, rd, r);
        }
        return;
    }

    uint64_t ua = dbl ? env->f[rs1] : unbox(env, rs1);
    uint64_t ub = dbl ? env->f[rs2] : unbox(env, rs2);

    switch (f5) {
    case 0x00: case 0x01: case 0x02: case 0x03: case 0x0b: {
        static const unsigned ops[] = {OP_ADD, OP_SUB, OP_MUL, OP_DIV};
        unsigned op = f5 == 0x0b ? OP_SQRT : ops[f5];

        if (op == OP_SQRT && rs2 != 0)
            illegal(env, insn, ms);
        rm = get_rm(env, insn, ms);
        host_round(rm);
        if (dbl) {
            double r = arith64(op, f64_of(ua), f64_of(ub), rm);
            host_done(env);
            put64(env, rd, r);
        } else {
            float r = arith32(op, f32_of((uint32_t)ua), f32_of((uint32_t)ub),
                              rm);
            host_done(env);
            put32(env, rd, r);
        }
        return;
    }
    case 0x04: { /* fsgnj, fsgnjn, fsgnjx: no canonicalisation, no flags */
        uint64_t sign = dbl ? 1ull << 63 : 1ull << 31;
        uint64_t s;

        if (f3 > 2)
            illegal(env, insn, ms);
        s = f3 == 0 ? ub & sign : f3 == 1 ? ~ub & sign : (ua ^ ub) & sign;
        ua = (ua & ~sign) | s;
        env->f[rd] = dbl ? ua : BOX32 | ua;
        return;
    }
    case 0x05:
        if (f3 > 1)
            illegal(env, insn, ms);
        ua = minmax(env, dbl, f3 == 1, ua, ub);
        env->f[rd] = dbl ? ua : BOX32 | ua;
        return;
    case 0x08: /* fcvt.s.d (fmt S, rs2 1) and fcvt.d.s (fmt D, rs2 0) */
        if (rs2 != (dbl ? 0u : 1u) || !riscv_has_ext(env, 'D'))
            illegal(env, insn, ms);
        rm = get_rm(env, insn, ms);
        host_round(rm);
        if (dbl) {
            /* The source is a single: unboxed, unlike ua (fmt is D). */
            double r = (double)f32_of(unbox(env, rs1));
            host_done(env);
            put64(env, rd, r);
        } else {
            double d = f64_of(env->f[rs1]);
            float r = (float)d;
            if (rm == RM_RMM && isfinite(r) && fetestexcept(FE_INEXACT)) {
                fenv_t save;
                feholdexcept(&save);
                r = rmm_pick32(r, d);
                fesetenv(&save);
            }
            host_done(env);
            put32(env, rd, r);
        }
        return;
    case 0x14:
        if (f3 > 2)
            illegal(env, insn, ms);
        put_x(env, rd, compare(env, f3, dbl, ua, ub));
        return;
    case 0x18: { /* fcvt.{w,wu,l,lu}.{s,d} */
        double v = dbl ? f64_of(ua) : f32_of((uint32_t)ua);

        if (rs2 > 3 || (rs2 >= 2 && riscv_cur_xlen(env) == 32))
            illegal(env, insn, ms);
        rm = get_rm(env, insn, ms);
        put_x(env, rd, to_int(env, v, rs2, rm));
        return;
    }
    case 0x1a: { /* fcvt.{s,d}.{w,wu,l,lu} */
        uint64_t x = env->x[rs1];

        if (rs2 > 3 || (rs2 >= 2 && riscv_cur_xlen(env) == 32))
            illegal(env, insn, ms);
        rm = get_rm(env, insn, ms);
        host_round(rm);
        double r = from_int64(x, rs2, rm, dbl);
        host_done(env);
        if (dbl)
            put64(env, rd, r);
        else
            put32(env, rd, (float)r);
        return;
    }
    case 0x1c: /* fmv.x.w / fmv.x.d, fclass */
        if (rs2 != 0 || (dbl && riscv_cur_xlen(env) == 32 && f3 == 0))
            illegal(env, insn, ms);
        if (f3 == 0) {
            /* fmv.x.w sign-extends the raw low word (no unboxing). */
            uint64_t v = dbl ? env->f[rs1]
                             : (uint64_t)(int64_t)(int32_t)env->f[rs1];
            put_x(env, rd, v);
        } else if (f3 == 1) {
            put_x(env, rd, classify(dbl, ua));
        } else {
            illegal(env, insn, ms);
        }
        return;
    case 0x1e: /* fmv.w.x / fmv.d.x */
        if (rs2 != 0 || f3 != 0 || (dbl && riscv_cur_xlen(env) == 32))
            illegal(env, insn, ms);
        env->f[rd] = dbl ? env->x[rs1] : BOX32 | (uint32_t)env->x[rs1];
        return;
    default:
        illegal(env, insn, ms);
    }
}
