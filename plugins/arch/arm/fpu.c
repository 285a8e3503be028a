/* SPDX-License-Identifier: MIT */
/*
 * ARM M-profile frontend: the floating-point extension, FPv4-SP (Cortex-M4,
 * single precision) and FPv5-D16 (Cortex-M7, single and double precision).
 *
 * Every FP instruction is one helper call (h_fp) with its encoding: the
 * helper does ExecuteFPCheck (CPACR, lazy state preservation, a new FP
 * context with FPDSCR's defaults) and then the instruction, decoded again
 * at run time. Arithmetic uses the host's IEEE 754 operations (SSE on
 * x86-64) under <fenv.h> for rounding modes and exception flags, with the
 * places where ARM differs done here explicitly:
 *   - NaNs: ARM's propagation order (first signalling NaN, then first
 *     quiet NaN, quietened; the default NaN 0x7fc00000 when FPSCR.DN is
 *     set or when an operation is invalid), and VFMA's (inf * 0) + qNaN;
 *   - flush-to-zero (FPSCR.FZ): denormal inputs become zeros with IDC,
 *     and results tiny before rounding become zeros with UFC only;
 *   - underflow: ARM detects tininess before rounding, x86 after; the one
 *     case that differs (a result rounded up to the smallest normal) is
 *     decided by computing again with round-towards-zero;
 *   - half precision (VCVTB/VCVTT, IEEE or alternative format) and
 *     float-to-integer conversions (saturation, IOC) are our own code.
 * Debian has no packaged soft-float library; the host FPU is exact for
 * IEEE operations, so only the differences above need code.
 */
#include <fenv.h>
#include <math.h>
#include <string.h>

#include "arm.h"

#define FPSCR_IOC 0x01u
#define FPSCR_DZC 0x02u
#define FPSCR_OFC 0x04u
#define FPSCR_UFC 0x08u
#define FPSCR_IXC 0x10u
#define FPSCR_IDC 0x80u
#define FPSCR_FZ (1u << 24)
#define FPSCR_DN (1u << 25)
#define FPSCR_AHP (1u << 26)
#define FPSCR_MASK 0xf7c0009fu

#define FPCCR_LSPACT ARM_FPCCR_LSPACT
#define FPCCR_USER (1u << 1)
#define FPCCR_THREAD (1u << 3)
#define FPCCR_HFRDY (1u << 4)
#define FPCCR_MMRDY (1u << 5)
#define FPCCR_BFRDY (1u << 6)
#define FPCCR_LSPEN (1u << 30)
#define FPCCR_ASPEN (1u << 31)
#define FPCCR_MASK 0xc000017bu

/* ---------------------------------------------------------------------- */
/* Registers                                                               */

static uint64_t getd(ArmEnv *env, unsigned n)
{
    return env->fpr[2 * n] | (uint64_t)env->fpr[2 * n + 1] << 32;
}

static void setd(ArmEnv *env, unsigned n, uint64_t v)
{
    env->fpr[2 * n] = (uint32_t)v;
    env->fpr[2 * n + 1] = (uint32_t)(v >> 32);
}

/* A register of the instruction's precision as bits. */
static uint64_t getr(ArmEnv *env, bool dp, unsigned n)
{
    return dp ? getd(env, n) : env->fpr[n];
}

static void setr(ArmEnv *env, bool dp, unsigned n, uint64_t v)
{
    if (dp)
        setd(env, n, v);
    else
        env->fpr[n] = (uint32_t)v;
}

/* ---------------------------------------------------------------------- */
/* Formats                                                                 */

#define SIGN(dp) ((dp) ? 0x8000000000000000ull : 0x80000000ull)
#define EXPM(dp) ((dp) ? 0x7ff0000000000000ull : 0x7f800000ull)
#define FRACM(dp) ((dp) ? 0x000fffffffffffffull : 0x007fffffull)
#define QBIT(dp) ((dp) ? 0x0008000000000000ull : 0x00400000ull)
#define MINNORM(dp) ((dp) ? 0x0010000000000000ull : 0x00800000ull)

static bool is_nan(bool dp, uint64_t x)
{
    return (x & EXPM(dp)) == EXPM(dp) && (x & FRACM(dp));
}

static bool is_snan(bool dp, uint64_t x)
{
    return is_nan(dp, x) && !(x & QBIT(dp));
}

static bool is_inf(bool dp, uint64_t x)
{
    return (x & ~SIGN(dp)) == EXPM(dp);
}

static bool is_zero(bool dp, uint64_t x)
{
    return (x & ~SIGN(dp)) == 0;
}

static uint64_t default_nan(bool dp)
{
    return EXPM(dp) | QBIT(dp);
}

static void fpexc(ArmEnv *env, uint32_t bits)
{
    env->fpscr |= bits;
}

/* FPUnpack's flush of a denormal input to zero under FPSCR.FZ. */
static uint64_t fz_in(ArmEnv *env, bool dp, uint64_t x)
{
    if ((env->fpscr & FPSCR_FZ) && !(x & EXPM(dp)) && (x & FRACM(dp))) {
        fpexc(env, FPSCR_IDC);
        return x & SIGN(dp);
    }
    return x;
}

/* FPProcessNaNs: true with the result when an operand is a NaN. */
static bool process_nans(ArmEnv *env, bool dp, unsigned n,
                         const uint64_t *ops, uint64_t *res)
{
    int pick = -1;
    for (unsigned i = 0; i < n && pick < 0; i++)
        if (is_snan(dp, ops[i]))
            pick = (int)i;
    if (pick >= 0)
        fpexc(env, FPSCR_IOC);
    for (unsigned i = 0; i < n && pick < 0; i++)
        if (is_nan(dp, ops[i]))
            pick = (int)i;
    if (pick < 0)
        return false;
    *res = (env->fpscr & FPSCR_DN) ? default_nan(dp)
                                   : ops[pick] | QBIT(dp);
    return true;
}

/* ---------------------------------------------------------------------- */
/* Host arithmetic                                                         */

enum { OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_SQRT, OP_FMA, OP_D2S, OP_I2F,
       OP_RINT };

static const int host_rm[4] = {FE_TONEAREST, FE_UPWARD, FE_DOWNWARD,
                               FE_TOWARDZERO};

/* The cases of host()'s switch on op for the arithmetic, vr = x op y (z)
 * in the precision of x, y and z, with that type's SQRT, FMA and RINT. */
#define HOST_ARITH(SQRT, FMA, RINT)                                        \
    case OP_ADD: vr = x + y; break;                                        \
    case OP_SUB: vr = x - y; break;                                        \
    case OP_MUL: vr = x * y; break;                                        \
    case OP_DIV: vr = x / y; break;                                        \
    case OP_SQRT: vr = SQRT(x); break;                                     \
    case OP_FMA: vr = FMA(x, y, z); break;                                 \
    case OP_RINT: vr = RINT(x); break

/* One host operation in rounding mode rm (ARM encoding): result bits of
 * precision out_dp, host exception flags in *exc. OP_I2F converts the
 * double a (exact) to the output precision; OP_RINT rounds to integral. */
static uint64_t host(bool dp, bool out_dp, int op, uint64_t a, uint64_t b,
                     uint64_t c, unsigned rm, int *exc)
{
    uint64_t r;
    fesetround(host_rm[rm & 3]);
    feclearexcept(FE_ALL_EXCEPT);
    if (dp || op == OP_I2F) {
        volatile double x, y, z;
        double t;
        volatile double vr;
        memcpy(&t, &a, 8);
        x = t;
        memcpy(&t, &b, 8);
        y = t;
        memcpy(&t, &c, 8);
        z = t;
        switch (op) {
        HOST_ARITH(sqrt, fma, nearbyint);
        default: { /* OP_D2S, OP_I2F */
            if (out_dp) {
                vr = x;
            } else {
                volatile float f = (float)x;
                float ft = f;
                uint32_t u;
                memcpy(&u, &ft, 4);
                *exc = fetestexcept(FE_ALL_EXCEPT);
                fesetround(FE_TONEAREST);
                return u;
            }
            break;
        }
        }
        t = vr;
        *exc = fetestexcept(FE_ALL_EXCEPT);
        fesetround(FE_TONEAREST);
        memcpy(&r, &t, 8);
        return r;
    }
    volatile float x, y, z, vr;
    float t;
    uint32_t u = (uint32_t)a;
    memcpy(&t, &u, 4);
    x = t;
    u = (uint32_t)b;
    memcpy(&t, &u, 4);
    y = t;
    u = (uint32_t)c;
    memcpy(&t, &u, 4);
    z = t;
    switch (op) {
    HOST_ARITH(sqrtf, fmaf, nearbyintf);
    default: vr = nearbyintf(x); break;
    }
    t = vr;
    *exc = fetestexcept(FE_ALL_EXCEPT);
    fesetround(FE_TONEAREST);
    memcpy(&u, &t, 4);
    return u;
}

/* An operation's result with ARM's flags, tininess and flush-to-zero. */
static uint64_t arith(ArmEnv *env, bool dp, bool out_dp, int op, uint64_t a,
                      uint64_t b, uint64_t c)
{
    int exc;
    unsigned rm = (env->fpscr >> 22) & 3;
    uint64_t r = host(dp, out_dp, op, a, b, c, rm, &exc);
    uint32_t f = 0;
    if (exc & FE_INVALID)
        f |= FPSCR_IOC;
    if (exc & FE_DIVBYZERO)
        f |= FPSCR_DZC;
    if (exc & FE_OVERFLOW)
        f |= FPSCR_OFC;
    if (exc & FE_UNDERFLOW)
        f |= FPSCR_UFC;
    if (exc & FE_INEXACT)
        f |= FPSCR_IXC;
    if (is_nan(out_dp, r)) { /* made by an invalid operation */
        fpexc(env, f);
        return default_nan(out_dp);
    }
    uint64_t mag = r & ~SIGN(out_dp);
    bool tiny = false;
    if (mag < MINNORM(out_dp))
        tiny = mag != 0 || (exc & FE_INEXACT);
    else if (mag == MINNORM(out_dp) && (exc & FE_INEXACT)) {
        int e2;
        uint64_t rz = host(dp, out_dp, op, a, b, c, 3, &e2);
        tiny = (rz & ~SIGN(out_dp)) < MINNORM(out_dp);
    }
    if (tiny && (env->fpscr & FPSCR_FZ)) {
        fpexc(env, (f & ~(FPSCR_UFC | FPSCR_IXC)) | FPSCR_UFC);
        return r & SIGN(out_dp);
    }
    if (tiny && (exc & FE_INEXACT))
        f |= FPSCR_UFC;
    fpexc(env, f);
    return r;
}

/* FPAdd, FPSub, FPMul, FPDiv. */
static uint64_t fp_binop(ArmEnv *env, bool dp, int op, uint64_t a,
                         uint64_t b)
{
    uint64_t ops[2] = {fz_in(env, dp, a), fz_in(env, dp, b)}, r;
    if (process_nans(env, dp, 2, ops, &r))
        return r;
    return arith(env, dp, dp, op, ops[0], ops[1], 0);
}

/* FPMulAdd(addend, op1, op2): fused. */
static uint64_t fp_muladd(ArmEnv *env, bool dp, uint64_t ad, uint64_t a,
                          uint64_t b)
{
    uint64_t ops[3] = {fz_in(env, dp, ad), fz_in(env, dp, a),
                       fz_in(env, dp, b)}, r;
    bool infzero = (is_inf(dp, ops[1]) && is_zero(dp, ops[2])) ||
                   (is_zero(dp, ops[1]) && is_inf(dp, ops[2]));
    if (is_nan(dp, ops[0]) && !is_snan(dp, ops[0]) && infzero) {
        fpexc(env, FPSCR_IOC);
        return default_nan(dp);
    }
    if (process_nans(env, dp, 3, ops, &r))
        return r;
    return arith(env, dp, dp, OP_FMA, ops[1], ops[2], ops[0]);
}

static uint64_t fp_sqrt(ArmEnv *env, bool dp, uint64_t a)
{
    uint64_t ops[1] = {fz_in(env, dp, a)}, r;
    if (process_nans(env, dp, 1, ops, &r))
        return r;
    return arith(env, dp, dp, OP_SQRT, ops[0], 0, 0);
}

static uint64_t fp_neg(bool dp, uint64_t a) { return a ^ SIGN(dp); }

/* An operand's bits (a single in the low 32) and its value. */
typedef union {
    uint64_t u64;
    double d;
    uint32_t u32;
    float f;
} FpBits;

/* The value of a single or double operand: exact, since every float is a
 * double. */
static double as_double(bool dp, uint64_t v)
{
    FpBits x;
    if (dp)
        x.u64 = v;
    else
        x.u32 = (uint32_t)v;
    return dp ? x.d : x.f;
}

/* Back: v as a double's bits, or as a single's (v converted to float; the
 * callers' values are exact in it). */
static uint64_t from_double(bool dp, double v)
{
    FpBits x;
    if (dp)
        x.d = v;
    else
        x.f = (float)v;
    return dp ? x.u64 : x.u32;
}

/* FPCompare: NZCV in bits 3-0. */
static unsigned fp_compare(ArmEnv *env, bool dp, uint64_t a, uint64_t b,
                           bool signal_qnan)
{
    a = fz_in(env, dp, a);
    b = fz_in(env, dp, b);
    if (is_nan(dp, a) || is_nan(dp, b)) {
        if (is_snan(dp, a) || is_snan(dp, b) || signal_qnan)
            fpexc(env, FPSCR_IOC);
        return 3;
    }
    double x = as_double(dp, a), y = as_double(dp, b);
    if (x == y)
        return 6;
    return x < y ? 8 : 2;
}

/* FPv5 VMAXNM/VMINNM. */
static uint64_t fp_minmaxnum(ArmEnv *env, bool dp, uint64_t a, uint64_t b,
                             bool max)
{
    a = fz_in(env, dp, a);
    b = fz_in(env, dp, b);
    bool qa = is_nan(dp, a) && !is_snan(dp, a);
    bool qb = is_nan(dp, b) && !is_snan(dp, b);
    if (qa && !is_nan(dp, b))
        a = b;
    else if (qb && !is_nan(dp, a))
        b = a;
    uint64_t ops[2] = {a, b}, r;
    if (process_nans(env, dp, 2, ops, &r))
        return r;
    if (is_zero(dp, a) && is_zero(dp, b))
        return max ? (a & b) : (a | b);
    double x = as_double(dp, a), y = as_double(dp, b);
    return (max ? x > y : x < y) ? a : b;
}

/* FPRoundInt (VRINT*): rm 0-3 as FPSCR.RMode, 4 ties away; exact: IXC. */
static uint64_t fp_roundint(ArmEnv *env, bool dp, uint64_t a, unsigned rm,
                            bool exact)
{
    uint64_t ops[1] = {fz_in(env, dp, a)}, r;
    if (process_nans(env, dp, 1, ops, &r))
        return r;
    a = ops[0];
    if (is_inf(dp, a) || is_zero(dp, a))
        return a;
    double x = as_double(dp, a), y;
    if (rm == 4)
        y = round(x);
    else {
        int exc;
        uint64_t xb;
        memcpy(&xb, &x, 8);
        uint64_t yb = host(true, true, OP_RINT, xb, 0, 0, rm, &exc);
        memcpy(&y, &yb, 8);
    }
    if (y != x && exact)
        fpexc(env, FPSCR_IXC);
    if (y == 0)
        y = copysign(0.0, x);
    return from_double(dp, y);
}

/* FPToFixed: a * 2^fbits rounded (rm 0-3, 4 ties away) to a signed or
 * unsigned integer of size bits, saturated with IOC. */
static uint32_t fp_to_fixed(ArmEnv *env, bool dp, uint64_t a, unsigned fbits,
                            bool uns, unsigned size, unsigned rm)
{
    a = fz_in(env, dp, a);
    if (is_nan(dp, a)) {
        fpexc(env, FPSCR_IOC);
        return 0;
    }
    double x = ldexp(as_double(dp, a), (int)fbits), y;
    if (rm == 4)
        y = round(x);
    else if (rm == 3)
        y = trunc(x);
    else if (rm == 1)
        y = ceil(x);
    else if (rm == 2)
        y = floor(x);
    else
        y = nearbyint(x); /* the host's mode is round to nearest even */
    double lo = uns ? 0 : -ldexp(1, (int)size - 1);
    double hi = uns ? ldexp(1, (int)size) - 1 : ldexp(1, (int)size - 1) - 1;
    if (y < lo || y > hi) {
        fpexc(env, FPSCR_IOC);
        y = y < lo ? lo : hi;
    } else if (y != x) {
        fpexc(env, FPSCR_IXC);
    }
    uint32_t v = uns ? (uint32_t)y : (uint32_t)(int32_t)y;
    if (size == 16)
        v = uns ? (v & 0xffff) : (uint32_t)(int32_t)(int16_t)v;
    return v;
}

/* FixedToFP: the integer v / 2^fbits in the output precision, rounded in
 * FPSCR's mode (VCVT from an integer) or to nearest (VCVT from fixed
 * point, as the ARM ARM says and QEMU does). */
static uint64_t fixed_to_fp(ArmEnv *env, bool dp, uint32_t v, unsigned fbits,
                            bool uns, unsigned size, bool nearest)
{
    int64_t iv;
    if (size == 16)
        iv = uns ? (int64_t)(v & 0xffff) : (int64_t)(int16_t)v;
    else
        iv = uns ? (int64_t)v : (int64_t)(int32_t)v;
    double x = ldexp((double)iv, -(int)fbits);
    uint64_t xb;
    memcpy(&xb, &x, 8);
    uint32_t saved = env->fpscr;
    if (nearest)
        env->fpscr &= ~(3u << 22);
    uint64_t r = arith(env, true, dp, OP_I2F, xb, 0, 0);
    if (nearest)
        env->fpscr = (env->fpscr & ~(3u << 22)) | (saved & (3u << 22));
    return r;
}

/* ---------------------------------------------------------------------- */
/* Half precision                                                          */

/* Rounds the value (-1)^sign * m * 2^e (m != 0) to half precision. */
static uint16_t round_half(ArmEnv *env, bool sign, int e, uint64_t m,
                           bool ahp)
{
    unsigned rm = (env->fpscr >> 22) & 3;
    int msb = 63 - __builtin_clzll(m);
    int E = e + msb; /* value = 1.f * 2^E */
    bool tiny = E < -14;
    int q = tiny ? -24 : E - 10; /* the exponent of the last place */
    uint64_t im, rem = 0, half = 0;
    int sh = q - e;
    if (sh <= 0) {
        im = m << -sh;
    } else if (sh >= 64) {
        im = 0;
        rem = m; /* below half: any nonzero */
        half = 0;
    } else {
        im = m >> sh;
        rem = m & ((1ull << sh) - 1);
        half = 1ull << (sh - 1);
    }
    bool inexact = rem != 0;
    bool up = false;
    if (inexact) {
        switch (rm) {
        case 0:
            up = rem > half || (rem == half && (im & 1));
            if (sh >= 64)
                up = false;
            break;
        case 1: up = !sign; break;
        case 2: up = sign; break;
        default: break;
        }
    }
    im += up;
    uint32_t f = 0;
    if (tiny && inexact)
        f |= FPSCR_UFC;
    /* im: with tiny, im < 2^10 is subnormal (2^10 = the smallest normal) */
    int be; /* biased exponent */
    if (tiny) {
        be = im >= 1024 ? 1 : 0;
        im &= 1023;
    } else {
        if (im >= 2048) {
            im >>= 1;
            E++;
        }
        be = E + 15;
        im &= 1023;
    }
    uint16_t r;
    int maxbe = ahp ? 31 : 30;
    if (be > maxbe) {
        if (ahp) {
            fpexc(env, FPSCR_IOC);
            return (uint16_t)(sign << 15 | 0x7fff);
        }
        bool to_inf = rm == 0 || (rm == 1 && !sign) || (rm == 2 && sign);
        r = to_inf ? 0x7c00 : 0x7bff;
        fpexc(env, FPSCR_OFC | FPSCR_IXC);
        return (uint16_t)(sign << 15 | r);
    }
    if (inexact)
        f |= FPSCR_IXC;
    fpexc(env, f);
    return (uint16_t)(sign << 15 | be << 10 | im);
}

static uint16_t to_half(ArmEnv *env, bool dp, uint64_t a)
{
    bool ahp = env->fpscr & FPSCR_AHP;
    a = fz_in(env, dp, a);
    bool sign = (a & SIGN(dp)) != 0;
    if (is_nan(dp, a)) {
        if (ahp) {
            fpexc(env, FPSCR_IOC);
            return (uint16_t)(sign << 15);
        }
        if (is_snan(dp, a))
            fpexc(env, FPSCR_IOC);
        if (env->fpscr & FPSCR_DN)
            return 0x7e00;
        uint64_t frac = a & FRACM(dp);
        return (uint16_t)(sign << 15 | 0x7e00 |
                          ((dp ? frac >> 42 : frac >> 13) & 0x3ff));
    }
    if (is_inf(dp, a)) {
        if (ahp) {
            fpexc(env, FPSCR_IOC);
            return (uint16_t)(sign << 15 | 0x7fff);
        }
        return (uint16_t)(sign << 15 | 0x7c00);
    }
    if (is_zero(dp, a))
        return (uint16_t)(sign << 15);
    int eb = dp ? (int)((a >> 52) & 0x7ff) : (int)((a >> 23) & 0xff);
    uint64_t m = a & FRACM(dp);
    int bias = dp ? 1023 : 127, fb = dp ? 52 : 23;
    if (eb)
        m |= FRACM(dp) + 1;
    else
        eb = 1;
    return round_half(env, sign, eb - bias - fb, m, ahp);
}

static uint64_t from_half(ArmEnv *env, bool dp, uint16_t h)
{
    bool ahp = env->fpscr & FPSCR_AHP;
    uint64_t sign = (h >> 15) ? SIGN(dp) : 0;
    unsigned e = (h >> 10) & 31, fr = h & 0x3ff;
    if (e == 31 && !ahp) {
        if (!fr)
            return sign | EXPM(dp);
        if (!(fr & 0x200))
            fpexc(env, FPSCR_IOC);
        if (env->fpscr & FPSCR_DN)
            return default_nan(dp);
        return sign | EXPM(dp) | QBIT(dp) |
               ((uint64_t)fr << (dp ? 42 : 13));
    }
    if (e == 0 && fr == 0)
        return sign;
    double v = ldexp(e ? (double)(fr | 0x400) : (double)fr,
                     (e ? (int)e : 1) - 25);
    if (sign)
        v = -v;
    return from_double(dp, v);
}

/* ---------------------------------------------------------------------- */
/* FP state: access check, lazy preservation, exception frames            */

/* S0-S15 and FPSCR as the extended frame holds them (0x20-0x60). */
static void fp_state_words(ArmEnv *env, uint32_t *v)
{
    for (unsigned i = 0; i < 16; i++)
        v[i] = env->fpr[i];
    v[16] = env->fpscr;
}

/* PreserveFPState: the registers written at FPCAR, checked with the
 * privilege and priority recorded in FPCCR when the frame was reserved
 * (USER: unprivileged; HFRDY clear: execution priority below 0, so the
 * MPU is off unless HFNMIENA). A fault is MLSPERR or LSPERR. */
static void preserve_fp_state(ArmEnv *env, uint32_t pc)
{
    uint32_t v[17];
    unsigned idx = ARM_MMU_PRIV;
    if (env->fpccr & FPCCR_USER)
        idx = ARM_MMU_UNPRIV;
    else if (!(env->fpccr & FPCCR_HFRDY) && !(env->mpu_ctrl & 2))
        idx = ARM_MMU_NOMPU;
    fp_state_words(env, v);
    unsigned e = arm_frame_write(env, env->fpcar, v, 17, idx);
    if (e)
        arm_lazy_fp_fault(env, e,
                          env->fpccr & (e == EXC_MEM ? FPCCR_MMRDY
                                                     : FPCCR_BFRDY),
                          env->fpccr & FPCCR_HFRDY, pc);
    env->fpccr &= ~FPCCR_LSPACT;
}

/* ExecuteFPCheck. */
static void fp_check(ArmEnv *env)
{
    uint32_t pc = (uint32_t)tessera_cpu_get_pc(env->cpu);
    unsigned cp10 = (env->cpacr >> 20) & 3;
    bool priv = env->ipsr != 0 || !(env->control & 1);
    if (cp10 == 0 || cp10 == 2 || (cp10 == 1 && !priv))
        arm_fault(env, EXC_USAGE, CFSR_NOCP, pc);
    if (env->fpccr & FPCCR_LSPACT)
        preserve_fp_state(env, pc);
    if ((env->fpccr & FPCCR_ASPEN) && !(env->control & ARM_CONTROL_FPCA)) {
        env->fpscr = env->fpdscr;
        env->control |= ARM_CONTROL_FPCA;
    }
}

static bool ready(ArmEnv *env, int prio_now, unsigned exc)
{
    unsigned mask = ~((2u << env->aircr_prigroup) - 1) & 0xff;
    return (int)(env->prio[exc] & mask) < prio_now;
}

unsigned arm_fp_push(ArmEnv *env, uint32_t frame, bool from_thread,
                     unsigned idx, bool write)
{
    unsigned e = 0;
    if (env->fpccr & FPCCR_LSPEN) {
        int p = arm_exec_prio(env);
        bool priv = !from_thread || !(env->control & 1);
        uint32_t f = env->fpccr & ~(FPCCR_USER | FPCCR_THREAD | FPCCR_HFRDY |
                                    FPCCR_MMRDY | FPCCR_BFRDY | (1u << 8));
        f |= FPCCR_LSPACT;
        if (!priv)
            f |= FPCCR_USER;
        if (from_thread)
            f |= FPCCR_THREAD;
        if (p > -1)
            f |= FPCCR_HFRDY;
        if ((env->shcsr & SHCSR_MEMFAULTENA) && ready(env, p, EXC_MEM))
            f |= FPCCR_MMRDY;
        if ((env->shcsr & SHCSR_BUSFAULTENA) && ready(env, p, EXC_BUS))
            f |= FPCCR_BFRDY;
        env->fpccr = f;
        env->fpcar = (frame + 0x20) & ~7u;
    } else if (write) {
        uint32_t v[17];
        fp_state_words(env, v);
        e = arm_frame_write(env, frame + 0x20, v, 17, idx);
    }
    env->control &= ~ARM_CONTROL_FPCA;
    return e;
}

void arm_fp_pop(ArmEnv *env, uint32_t frame)
{
    if (env->fpccr & FPCCR_LSPACT) {
        env->fpccr &= ~FPCCR_LSPACT; /* the registers were never saved */
        return;
    }
    for (unsigned i = 0; i < 16; i++)
        env->fpr[i] = arm_rd32(frame + 0x20 + 4 * i);
    env->fpscr = arm_rd32(frame + 0x60) & FPSCR_MASK;
}

bool arm_fp_scs_read(ArmEnv *env, uint32_t off, uint32_t *v)
{
    switch (off) {
    case 0xd88: *v = env->cpacr; return true;
    case 0xf34: *v = env->fpccr; return true;
    case 0xf38: *v = env->fpcar; return true;
    case 0xf3c: *v = env->fpdscr; return true;
    case 0xf40: *v = env->model->mvfr[0]; return true;
    case 0xf44: *v = env->model->mvfr[1]; return true;
    case 0xf48: *v = env->model->mvfr[2]; return true;
    default: return false;
    }
}

bool arm_fp_scs_write(ArmEnv *env, uint32_t off, uint32_t v)
{
    switch (off) {
    case 0xd88: env->cpacr = v & 0x00f00000u; return true;
    case 0xf34: env->fpccr = v & FPCCR_MASK; return true;
    case 0xf38: env->fpcar = v & ~7u; return true;
    case 0xf3c: env->fpdscr = v & 0x07c00000u; return true;
    default: return false;
    }
}

/* ---------------------------------------------------------------------- */
/* Instructions                                                            */

static uint32_t ld32(ArmEnv *env, uint32_t a)
{
    return (uint32_t)tessera_cpu_load(env->cpu, a,
                                      TESSERA_MO_32 | TESSERA_MO_ALIGN,
                                      arm_mmu_idx(env));
}

static void st32(ArmEnv *env, uint32_t a, uint32_t v)
{
    tessera_cpu_store(env->cpu, a, v, TESSERA_MO_32 | TESSERA_MO_ALIGN,
                      arm_mmu_idx(env));
}

static uint32_t core(ArmEnv *env, unsigned n, uint32_t pc)
{
    return n == 15 ? pc + 4 : env->r[n];
}

/* Extension register load/store (bits 27:25 = 110). */
static bool ldst(ArmEnv *env, uint32_t i, uint32_t pc)
{
    bool dp = i & 0x100;
    unsigned p = (i >> 24) & 1, u = (i >> 23) & 1, D = (i >> 22) & 1;
    unsigned w = (i >> 21) & 1, l = (i >> 20) & 1, rn = (i >> 16) & 15;
    unsigned vd = (i >> 12) & 15, imm8 = i & 0xff;
    unsigned d = dp ? (D << 4 | vd) : (vd << 1 | D);
    if (dp && D && (p || u || w))
        return false; /* D16-D31 */
    if (!p && !u && !w) {
        if (!D)
            return false;
        /* VMOV between two core registers and two S or one D */
        unsigned rt = (i >> 12) & 15, rt2 = (i >> 16) & 15;
        unsigned m = dp ? (((i >> 5) & 1) << 4 | (i & 15))
                        : ((i & 15) << 1 | ((i >> 5) & 1));
        if (dp && m >= 16)
            return false;
        if (!dp && m == 31)
            return false;
        if (l) {
            env->r[rt] = env->fpr[dp ? 2 * m : m];
            env->r[rt2] = env->fpr[dp ? 2 * m + 1 : m + 1];
        } else {
            env->fpr[dp ? 2 * m : m] = env->r[rt];
            env->fpr[dp ? 2 * m + 1 : m + 1] = env->r[rt2];
        }
        return true;
    }
    if (p && !w) { /* VLDR/VSTR */
        uint32_t base = rn == 15 ? ((pc + 4) & ~3u) : env->r[rn];
        uint32_t a = u ? base + imm8 * 4 : base - imm8 * 4;
        unsigned s0 = dp ? 2 * d : d;
        for (unsigned k = 0; k < (dp ? 2u : 1u); k++) {
            if (l)
                env->fpr[s0 + k] = ld32(env, a + 4 * k);
            else
                st32(env, a + 4 * k, env->fpr[s0 + k]);
        }
        return true;
    }
    if (p == u) /* P=U=1 (W=1): UNDEFINED; P=U=0 handled above */
        return false;
    /* VLDM/VSTM (VPUSH/VPOP): imm8 words */
    unsigned words = imm8, s0 = dp ? 2 * d : d;
    if (dp)
        words &= ~1u; /* FLDMX/FSTMX: the odd word is not transferred */
    if (words == 0 || s0 + words > 32 || (dp && imm8 > 32))
        return false;
    if (rn == 15 && w)
        return false;
    uint32_t base = core(env, rn, pc);
    uint32_t a = p ? base - imm8 * 4 : base;
    for (unsigned k = 0; k < words; k++) {
        if (l)
            env->fpr[s0 + k] = ld32(env, a + 4 * k);
        else
            st32(env, a + 4 * k, env->fpr[s0 + k]);
    }
    if (w)
        env->r[rn] = p ? base - imm8 * 4 : base + imm8 * 4;
    return true;
}

/* Transfers between core and FP registers (bits 27:24 = 1110, bit 4). */
static bool xfer(ArmEnv *env, uint32_t i)
{
    unsigned l = (i >> 20) & 1, rt = (i >> 12) & 15, opc1 = (i >> 21) & 7;
    if (!(i & 0x100)) {
        if (opc1 == 0) { /* VMOV Sn <-> Rt */
            unsigned n = ((i >> 16) & 15) << 1 | ((i >> 7) & 1);
            if (l)
                env->r[rt] = env->fpr[n];
            else
                env->fpr[n] = env->r[rt];
            return true;
        }
        if (opc1 == 7 && ((i >> 16) & 15) == 1) {
            if (l) { /* VMRS */
                if (rt == 15) {
                    env->nf = env->fpscr >> 31;
                    env->zf = (env->fpscr >> 30) & 1;
                    env->cf = (env->fpscr >> 29) & 1;
                    env->vf = (env->fpscr >> 28) & 1;
                } else {
                    env->r[rt] = env->fpscr;
                }
            } else { /* VMSR */
                env->fpscr = env->r[rt] & FPSCR_MASK;
            }
            return true;
        }
        return false;
    }
    /* VMOV Dn[x] <-> Rt (32-bit scalar) */
    if ((i & 0x60) || (opc1 & 6))
        return false;
    unsigned n = ((i >> 7) & 1) << 4 | ((i >> 16) & 15);
    unsigned x = opc1 & 1;
    if (n >= 16)
        return false;
    if (l)
        env->r[rt] = env->fpr[2 * n + x];
    else
        env->fpr[2 * n + x] = env->r[rt];
    return true;
}

static uint64_t expand_imm(bool dp, unsigned imm8)
{
    uint64_t s = imm8 >> 7, b6 = (imm8 >> 6) & 1, low = imm8 & 0x3f;
    if (dp)
        return s << 63 | (b6 ? 0x3fc0000000000000ull : 0x4000000000000000ull) |
               low << 48;
    return s << 31 | (b6 ? 0x3e000000u : 0x40000000u) | low << 19;
}

/* Data processing (bits 27:24 = 1110, bit 4 clear). */
static bool dataproc(ArmEnv *env, uint32_t i)
{
    bool dp = i & 0x100;
    unsigned D = (i >> 22) & 1, N = (i >> 7) & 1, M = (i >> 5) & 1;
    unsigned vd = (i >> 12) & 15, vn = (i >> 16) & 15, vm = i & 15;
    unsigned d = dp ? (D << 4 | vd) : (vd << 1 | D);
    unsigned n = dp ? (N << 4 | vn) : (vn << 1 | N);
    unsigned m = dp ? (M << 4 | vm) : (vm << 1 | M);
    unsigned opc1 = ((i >> 23) & 1) << 2 | ((i >> 20) & 3);
    bool op6 = (i >> 6) & 1;
    if (dp && env->model->fpu < 2)
        return false;
    /* FPv5-D16 has D0-D15: a D, N or M bit naming D16-D31 is UNDEFINED
     * (checked where the operand is a double). */
    if (dp && opc1 != 7 && (D || N || M))
        return false;
    if (dp && opc1 == 7) {
        unsigned o2 = vn;
        bool b7 = (i >> 7) & 1, dd = true, dm = true;
        if (!op6)
            dm = false; /* VMOV immediate */
        else if (o2 == 2 || o2 == 8)
            dm = false; /* from half, from an integer: Sm */
        else if (o2 == 3 || o2 == 12 || o2 == 13 || (o2 == 7 && b7))
            dd = false; /* to half, to an integer, to single: Sd */
        else if (o2 >= 10)
            dm = false; /* fixed point: in place */
        if ((dd && D) || (dm && M))
            return false;
        n = 0;
    }
    uint64_t a = getr(env, dp, n), r;
    uint64_t b = dp && m >= 16 ? 0 : getr(env, dp, m);
    switch (opc1) {
    case 0: /* VMLA, VMLS */
    case 1: { /* VNMLS, VNMLA */
        uint64_t prod = fp_binop(env, dp, OP_MUL, a, b);
        uint64_t acc = getr(env, dp, d);
        if (opc1 == 0 && op6)
            prod = fp_neg(dp, prod);
        if (opc1 == 1) {
            acc = fp_neg(dp, acc);
            if (op6)
                prod = fp_neg(dp, prod);
        }
        setr(env, dp, d, fp_binop(env, dp, OP_ADD, acc, prod));
        return true;
    }
    case 2: /* VMUL, VNMUL */
        r = fp_binop(env, dp, OP_MUL, a, b);
        setr(env, dp, d, op6 ? fp_neg(dp, r) : r);
        return true;
    case 3:
        setr(env, dp, d, fp_binop(env, dp, op6 ? OP_SUB : OP_ADD, a, b));
        return true;
    case 4:
        if (op6)
            return false;
        setr(env, dp, d, fp_binop(env, dp, OP_DIV, a, b));
        return true;
    case 5: /* VFNMS (op 0), VFNMA (op 1) */
    case 6: { /* VFMA (op 0), VFMS (op 1) */
        uint64_t acc = getr(env, dp, d);
        if (opc1 == 5)
            acc = fp_neg(dp, acc);
        if (op6) /* VFNMA, VFMS */
            a = fp_neg(dp, a);
        setr(env, dp, d, fp_muladd(env, dp, acc, a, b));
        return true;
    }
    default:
        break;
    }
    /* opc1 = 1x11: other operations */
    if (!op6) { /* VMOV immediate */
        if (i & 0xa0)
            return false;
        setr(env, dp, d, expand_imm(dp, (vn << 4) | vm));
        return true;
    }
    unsigned opc2 = vn;
    bool b7 = (i >> 7) & 1;
    switch (opc2) {
    case 0:
        setr(env, dp, d, b7 ? b & ~SIGN(dp) : b); /* VABS, VMOV */
        return true;
    case 1:
        setr(env, dp, d, b7 ? fp_sqrt(env, dp, b) : fp_neg(dp, b));
        return true;
    case 2: case 3: { /* VCVTB/VCVTT: half <-> single (double on FPv5) */
        unsigned sm = (vm << 1 | M), sd = (vd << 1 | D);
        unsigned sh = b7 ? 16 : 0;
        if (opc2 == 2) { /* from half */
            uint16_t h = (uint16_t)(env->fpr[sm] >> sh);
            setr(env, dp, dp ? (D << 4 | vd) : sd, from_half(env, dp, h));
        } else {
            uint64_t v = dp ? getd(env, M << 4 | vm) : env->fpr[sm];
            uint16_t h = to_half(env, dp, v);
            env->fpr[sd] = (env->fpr[sd] & ~(0xffffu << sh)) |
                           (uint32_t)h << sh;
        }
        return true;
    }
    case 4: case 5: { /* VCMP, VCMPE */
        uint64_t y = opc2 == 5 ? 0 : b;
        if (opc2 == 5 && (i & 0x2f))
            return false;
        uint64_t x = getr(env, dp, d);
        unsigned nzcv = fp_compare(env, dp, x, y, b7);
        env->fpscr = (env->fpscr & 0x0fffffffu) | nzcv << 28;
        return true;
    }
    case 6: /* VRINTR (b7 0), VRINTZ (b7 1) */
        if (env->model->fpu < 2)
            return false;
        setr(env, dp, d, fp_roundint(env, dp, b,
                                     b7 ? 3 : (env->fpscr >> 22) & 3, false));
        return true;
    case 7:
        if (!b7) { /* VRINTX */
            if (env->model->fpu < 2)
                return false;
            setr(env, dp, d, fp_roundint(env, dp, b, (env->fpscr >> 22) & 3,
                                         true));
            return true;
        }
        /* VCVT between single and double */
        if (env->model->fpu < 2)
            return false;
        if (dp) { /* f64 -> f32: Sd from Dm */
            uint64_t ops[1] = {fz_in(env, true, b)};
            uint64_t res;
            if (process_nans(env, true, 1, ops, &res)) {
                if (!(env->fpscr & FPSCR_DN))
                    res = (res >> 32 & 0x80000000u) | 0x7fc00000u |
                          ((res >> 29) & 0x3fffffu);
                else
                    res = 0x7fc00000u;
            } else if (is_inf(true, ops[0]) || is_zero(true, ops[0])) {
                res = (ops[0] >> 32 & 0x80000000u) |
                      (is_inf(true, ops[0]) ? 0x7f800000u : 0);
            } else {
                res = arith(env, true, false, OP_D2S, ops[0], 0, 0);
            }
            env->fpr[vd << 1 | D] = (uint32_t)res;
        } else { /* f32 -> f64: Dd from Sm */
            uint64_t ops[1] = {fz_in(env, false, b)};
            uint64_t res;
            if (process_nans(env, false, 1, ops, &res)) {
                res = (env->fpscr & FPSCR_DN)
                          ? default_nan(true)
                          : ((res & 0x80000000ull) << 32) |
                                0x7ff8000000000000ull |
                                ((res & 0x3fffffull) << 29);
            } else {
                res = from_double(true, as_double(false, ops[0]));
            }
            setd(env, D << 4 | vd, res);
        }
        return true;
    case 8: { /* VCVT int -> float: Sm holds the integer */
        uint32_t v = env->fpr[vm << 1 | M];
        setr(env, dp, d, fixed_to_fp(env, dp, v, 0, !b7, 32, false));
        return true;
    }
    case 10: case 11: case 14: case 15: { /* VCVT fixed point */
        bool to_fixed = opc2 & 4, uns = opc2 & 1;
        unsigned size = b7 ? 32 : 16;
        unsigned imm = (vm << 1) | M;
        if (imm > size)
            return false;
        unsigned fbits = size - imm;
        if (to_fixed) {
            uint32_t v = fp_to_fixed(env, dp, getr(env, dp, d), fbits, uns,
                                     size, 3);
            uint64_t ext = uns ? v : (uint64_t)(int64_t)(int32_t)v;
            setr(env, dp, d, dp ? ext : v);
        } else {
            uint32_t v = (uint32_t)getr(env, dp, d);
            setr(env, dp, d, fixed_to_fp(env, dp, v, fbits, uns, size, true));
        }
        return true;
    }
    case 12: case 13: { /* VCVT/VCVTR float -> int into Sd */
        unsigned rm = b7 ? 3 : (env->fpscr >> 22) & 3;
        env->fpr[vd << 1 | D] = fp_to_fixed(env, dp, b, 0, opc2 == 12, 32,
                                            rm);
        return true;
    }
    default:
        return false;
    }
}

/* FPv5 encodings with h1 = 0xfexx: VSEL, VMAXNM/VMINNM, VRINT{A,N,P,M},
 * VCVT{A,N,P,M}. */
static bool fpv5(ArmEnv *env, uint32_t i)
{
    if (env->model->fpu < 2 || (i & 0x10))
        return false;
    bool dp = i & 0x100;
    unsigned D = (i >> 22) & 1, N = (i >> 7) & 1, M = (i >> 5) & 1;
    if (dp && (D || N || M))
        return false;
    unsigned vd = (i >> 12) & 15, vn = (i >> 16) & 15, vm = i & 15;
    unsigned d = dp ? (D << 4 | vd) : (vd << 1 | D);
    unsigned n = dp ? (N << 4 | vn) : (vn << 1 | N);
    unsigned m = dp ? (M << 4 | vm) : (vm << 1 | M);
    static const unsigned rmode[4] = {4, 0, 1, 2}; /* A, N, P, M */
    if (!(i & 0x00800000u)) { /* VSEL */
        if (i & 0x40)
            return false;
        bool c;
        switch ((i >> 20) & 3) {
        case 0: c = env->zf; break;
        case 1: c = env->vf; break;
        case 2: c = env->nf == env->vf; break;
        default: c = !env->zf && env->nf == env->vf; break;
        }
        setr(env, dp, d, getr(env, dp, c ? n : m));
        return true;
    }
    if (((i >> 20) & 3) == 0) { /* VMAXNM (op 0), VMINNM (op 1) */
        setr(env, dp, d, fp_minmaxnum(env, dp, getr(env, dp, n),
                                      getr(env, dp, m), !(i & 0x40)));
        return true;
    }
    if (((i >> 20) & 3) != 3 || !(i & 0x40) || ((i >> 18) & 3) != 2)
        return false;
    if (i & 0x80) /* VRINT{A,N,P,M}: 1x11 10RM, bit 7 clear */
        return false;
    setr(env, dp, d, fp_roundint(env, dp, getr(env, dp, m),
                                 rmode[(i >> 16) & 3], false));
    return true;
}

/* VCVT{A,N,P,M}: 1111 1110 1 D 111 1 RM Vd 101 sz op 1 M 0 Vm. */
static bool fpv5_cvt(ArmEnv *env, uint32_t i)
{
    if (env->model->fpu < 2 || (i & 0x10) || !(i & 0x40))
        return false;
    static const unsigned rmode[4] = {4, 0, 1, 2};
    bool dp = i & 0x100;
    unsigned D = (i >> 22) & 1, M = (i >> 5) & 1;
    unsigned vd = (i >> 12) & 15, vm = i & 15;
    unsigned m = dp ? (M << 4 | vm) : (vm << 1 | M);
    if (dp && M)
        return false;
    env->fpr[vd << 1 | D] = fp_to_fixed(env, dp, getr(env, dp, m), 0,
                                        !(i & 0x80), 32,
                                        rmode[(i >> 16) & 3]);
    return true;
}

static bool fp_exec(ArmEnv *env, uint32_t i, uint32_t pc)
{
    if ((i >> 28) == 0xf) {
        if (((i >> 23) & 0x1f) == 0x1d && ((i >> 16) & 0x3f) >= 0x3c)
            return fpv5_cvt(env, i);
        if (((i >> 24) & 0xf) == 0xe)
            return fpv5(env, i);
        return false;
    }
    if (((i >> 25) & 7) == 6)
        return ldst(env, i, pc);
    if (((i >> 24) & 15) == 14)
        return (i & 0x10) ? xfer(env, i) : dataproc(env, i);
    return false;
}

static uint64_t h_fp(void *e, uint64_t insn, uint64_t pc, uint64_t a2,
                     uint64_t a3)
{
    ArmEnv *env = e;
    fp_check(env);
    if (!fp_exec(env, (uint32_t)insn, (uint32_t)pc))
        arm_fault(env, EXC_USAGE, CFSR_UNDEFINSTR, (uint32_t)pc);
    return 0;
}

bool arm_fp_t32(TesseraIR *b, uint32_t pc, unsigned h1, unsigned h2)
{
    if (((h2 >> 9) & 7) != 5) /* coprocessors 10 and 11 only */
        return false;
    if ((h1 & 0xef00) != 0xee00 && (h1 & 0xee00) != 0xec00)
        return false;
    if ((h1 & 0x1000) && (h1 & 0xff00) != 0xfe00)
        return false;
    TesseraVal args[2] = {
        tessera_ir_const(b, (uint32_t)h1 << 16 | h2),
        tessera_ir_const(b, pc)};
    tessera_ir_call(b, h_fp, 0, TESSERA_IR_NONE, 2, args);
    return true;
}
