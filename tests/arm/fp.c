/* SPDX-License-Identifier: MIT */
/*
 * The floating-point extension: every FP data-processing instruction over
 * special and random operands (zeros, denormals, the smallest normal,
 * infinities, quiet and signalling NaNs, near-overflow and half-precision
 * boundaries), for each rounding mode with FZ and DN off and on. Each
 * result and FPSCR after it (NZCV and the cumulative flags) go into one
 * hash per instruction and FPSCR setting, compared with qemu-system-arm.
 * Built for FPv4-SP (mps2-an386, single precision) and with -DFPV5 for
 * FPv5-D16 (mps2-an500: double precision and the FPv5 instructions). On a
 * Cortex-M3 (no FPU) the first FP instruction is a NOCP UsageFault, which
 * escalates to HardFault (the runtime's handler reports CFSR and HFSR).
 */
#include "rt/rt.h"

#define CPACR REG32(0xe000ed88)

static const uint32_t special[] = {
    0x00000000, 0x80000000, 0x00000001, 0x80000001, 0x007fffff, 0x807fffff,
    0x00800000, 0x80800000, 0x00800001, 0x3f800000, 0xbf800000, 0x3fc00000,
    0x40400000, 0x3dcccccd, 0x7f7fffff, 0xff7fffff, 0x7f000000, 0x7f800000,
    0xff800000, 0x7fc00000, 0xffc00001, 0x7f800001, 0xff812345, 0x7fa00000,
    0x4f000000, 0xcf000000, 0x4f800000, 0x477fe000, 0x477ff000, 0x38800000,
    0x33800000, 0x33000000, 0x1f800000, 0x20000000, 0x00400000, 0x4b400001,
    0x3f000000, 0xbf000000, 0x40200000, 0xc0600000, 0x46fffe00, 0x477fffff};
#define NSPECIAL (sizeof(special) / sizeof(special[0]))
#define NVALS (NSPECIAL + 22)
static uint32_t vals[NVALS];

static uint32_t h, cfg;
static uint32_t seed = 12345;

static uint32_t rnd(void)
{
    seed = seed * 1103515245u + 12345u;
    return seed ^ (seed >> 15);
}

/* NAME(x): x's bits as the type TO (a float from its bits, or back). */
#define BITCAST(NAME, TO, FROM)                                            \
    static inline TO NAME(FROM x)                                          \
    {                                                                      \
        TO y;                                                              \
        _Static_assert(sizeof(x) == sizeof(y), "same size");               \
        __builtin_memcpy(&y, &x, sizeof(y));                               \
        return y;                                                          \
    }
BITCAST(bf, float, uint32_t)
BITCAST(fbits, uint32_t, float)

#define HASH(r, f) (h = rt_hash(rt_hash(h, r), f))

/*
 * One instruction between writing cfg to FPSCR and reading FPSCR back into
 * f, then both hashed: T is the result r's type, R0 its value before (the
 * forms that read r, or write half of it), RC its constraint ("=&" written
 * only, "+&" read too), BITS and HASHR turn it into the hash; TEXT is the
 * instruction and the rest the inputs besides cfg.
 */
#define FPOP(T, R0, RC, BITS, HASHR, TEXT, ...)                            \
    do {                                                                   \
        T r = R0;                                                          \
        uint32_t f;                                                        \
        __asm__ volatile("vmsr fpscr, %[c]\n\t" TEXT "\n\t"                \
                         "vmrs %[f], fpscr"                                \
                         : [r] RC(r), [f] "=&r"(f)                         \
                         : [c] "r"(cfg), ##__VA_ARGS__);                   \
        HASHR(BITS(r), f);                                                 \
    } while (0)

/* A compare: FPSCR and the APSR after VMRS APSR_nzcv; A and B the operands
 * (constraint and value). */
#define FPCMP(TEXT, A, B)                                                  \
    do {                                                                   \
        uint32_t f, g;                                                     \
        __asm__ volatile("vmsr fpscr, %[c]\n\t" TEXT "\n\t"                \
                         "vmrs APSR_nzcv, fpscr\n\tmrs %[g], apsr\n\t"     \
                         "vmrs %[f], fpscr"                                \
                         : [f] "=&r"(f), [g] "=&r"(g)                      \
                         : [a] A, [b] B, [c] "r"(cfg)                      \
                         : "cc");                                          \
        HASH(g & 0xf0000000u, f);                                          \
    } while (0)

#define SOP(R0, RC, TEXT, ...) \
    FPOP(float, R0, RC, fbits, HASH, TEXT, ##__VA_ARGS__)
/* r = op a, b */
#define S3(insn) \
    SOP(0, "=&t", insn " %[r], %[a], %[b]", [a] "t"(fa), [b] "t"(fb))
/* r = r op a, b (accumulating) */
#define S3A(insn) \
    SOP(fc, "+&t", insn " %[r], %[a], %[b]", [a] "t"(fa), [b] "t"(fb))
/* r = op a (r's old value fc matters for half-precision writes) */
#define S2(insn) SOP(fc, "+&t", insn " %[r], %[a]", [a] "t"(fa))
/* in place: r = op r, #imm */
#define S1(text) SOP(fa, "+&t", text)
/* compare */
#define SCMP(text) FPCMP(text, "t"(fa), "t"(fb))

#ifdef FPV5
BITCAST(bd, double, uint64_t)
BITCAST(dbits, uint64_t, double)

#define HASHD(r, f) (h = rt_hash(rt_hash(rt_hash(h, (uint32_t)(r)), \
                                         (uint32_t)((r) >> 32)), f))

#define DOP(R0, RC, TEXT, ...) \
    FPOP(double, R0, RC, dbits, HASHD, TEXT, ##__VA_ARGS__)
#define D3(insn) \
    DOP(0, "=&w", insn " %P[r], %P[a], %P[b]", [a] "w"(da), [b] "w"(db))
#define D3A(insn) \
    DOP(dc, "+&w", insn " %P[r], %P[a], %P[b]", [a] "w"(da), [b] "w"(db))
#define D2(insn) DOP(0, "=&w", insn " %P[r], %P[a]", [a] "w"(da))
/* single result from a double operand */
#define SD2(insn) SOP(fc, "+&t", insn " %[r], %P[a]", [a] "w"(da))
/* double result from a single operand */
#define DS2(insn) DOP(0, "=&w", insn " %P[r], %[a]", [a] "t"(fa))
#define DCMP(text) FPCMP(text, "w"(da), "w"(db))
/* in place: r = op r, #imm (double) */
#define DI1(text) DOP(da, "+&w", text)

/* A double with the single's class and a wider payload. */
static uint64_t widen(uint32_t v, uint32_t lo)
{
    uint64_t s = (uint64_t)(v >> 31) << 63;
    uint32_t e = (v >> 23) & 0xff, m = v & 0x7fffff;
    uint64_t de;
    if (e == 0xff)
        de = 0x7ff;
    else if (e == 0)
        de = (lo & 1) ? 0 : 1; /* denormals and the smallest normals */
    else if (e >= 0xfd)
        de = 0x7fe - (0xff - e);
    else
        de = e - 127 + 1023;
    return s | de << 52 | (uint64_t)m << 29 | (lo & 0x1fffffff);
}
#endif

/* One group over all operand pairs: the hash printed with its name. */
#define GROUP(name, body)                                                  \
    do {                                                                   \
        h = 2166136261u;                                                   \
        for (unsigned i = 0; i < NVALS; i++)                               \
            for (unsigned j = 0; j < NVALS; j++) {                         \
                float fa = bf(vals[i]), fb = bf(vals[j]);                  \
                float fc = bf(vals[(i * 7 + j * 3) % NVALS]);              \
                (void)fa; (void)fb; (void)fc;                              \
                body;                                                      \
            }                                                              \
        rt_print(name, h);                                                 \
    } while (0)

/* Groups of one operand: a pass over the values only. */
#define GROUP1(name, body)                                                 \
    do {                                                                   \
        h = 2166136261u;                                                   \
        for (unsigned i = 0; i < NVALS; i++) {                             \
            float fa = bf(vals[i]), fb = fa;                               \
            float fc = bf(vals[(i * 7 + 3) % NVALS]);                      \
            (void)fa; (void)fb; (void)fc;                                  \
            body;                                                          \
        }                                                                  \
        rt_print(name, h);                                                 \
    } while (0)

#ifdef FPV5
#define DGROUP(name, body)                                                 \
    do {                                                                   \
        h = 2166136261u;                                                   \
        for (unsigned i = 0; i < NVALS; i++)                               \
            for (unsigned j = 0; j < NVALS; j++) {                         \
                double da = bd(widen(vals[i], rnd()));                     \
                double db = bd(widen(vals[j], rnd()));                     \
                double dc = bd(widen(vals[(i * 7 + j * 3) % NVALS], rnd())); \
                (void)da; (void)db; (void)dc;                              \
                body;                                                      \
            }                                                              \
        rt_print(name, h);                                                 \
    } while (0)

#define DGROUP1(name, body)                                                \
    do {                                                                   \
        h = 2166136261u;                                                   \
        for (unsigned i = 0; i < NVALS; i++)                               \
            for (unsigned k = 0; k < 4; k++) {                             \
                double da = bd(widen(vals[i], k ? rnd() : 0)), db = da;    \
                float fa = bf(vals[i]);                                    \
                float fc = bf(vals[(i * 7 + 3) % NVALS]);                  \
                (void)da; (void)db; (void)fa; (void)fc;                    \
                body;                                                      \
            }                                                              \
        rt_print(name, h);                                                 \
    } while (0)
#endif

static void __attribute__((noinline)) run(void)
{
    for (unsigned i = 0; i < NVALS; i++) {
        if (i < NSPECIAL) {
            vals[i] = special[i];
        } else {
            uint32_t r = rnd();
            switch (i % 4) {
            case 0: /* anything */
                vals[i] = r;
                break;
            case 1: /* near 1 */
                vals[i] = (r & 0x807fffff) | 0x3f000000 | (r & 0x00800000);
                break;
            case 2: /* near the smallest normal */
                vals[i] = (r & 0x80ffffff) | ((r >> 27) & 1) << 24;
                break;
            default: /* near overflow */
                vals[i] = (r & 0x80ffffff) | 0x7e000000;
                break;
            }
        }
    }
    for (unsigned c = 0; c < 16; c++) {
        cfg = (c & 3) << 22 | ((c >> 2) & 1) << 24 | ((c >> 3) & 1) << 25;
        rt_print("fpscr", cfg);
        GROUP("vadd", S3("vadd.f32"));
        GROUP("vsub", S3("vsub.f32"));
        GROUP("vmul", S3("vmul.f32"));
        GROUP("vnmul", S3("vnmul.f32"));
        GROUP("vdiv", S3("vdiv.f32"));
        GROUP("vmla", S3A("vmla.f32"));
        GROUP("vmls", S3A("vmls.f32"));
        GROUP("vnmla", S3A("vnmla.f32"));
        GROUP("vnmls", S3A("vnmls.f32"));
        GROUP("vfma", S3A("vfma.f32"));
        GROUP("vfms", S3A("vfms.f32"));
        GROUP("vfnma", S3A("vfnma.f32"));
        GROUP("vfnms", S3A("vfnms.f32"));
        GROUP("vcmp", SCMP("vcmp.f32 %[a], %[b]"));
        GROUP("vcmpe", SCMP("vcmpe.f32 %[a], %[b]"));
        GROUP1("vcmp0", SCMP("vcmp.f32 %[a], #0"));
        GROUP1("vcmpe0", SCMP("vcmpe.f32 %[a], #0"));
        GROUP1("vsqrt", S2("vsqrt.f32"));
        GROUP1("vabs", S2("vabs.f32"));
        GROUP1("vneg", S2("vneg.f32"));
        GROUP1("vmov", S2("vmov.f32"));
        GROUP1("vcvt.s32", S2("vcvt.s32.f32"));
        GROUP1("vcvt.u32", S2("vcvt.u32.f32"));
        GROUP1("vcvtr.s32", S2("vcvtr.s32.f32"));
        GROUP1("vcvtr.u32", S2("vcvtr.u32.f32"));
        GROUP1("vcvt.f32.s32", S2("vcvt.f32.s32"));
        GROUP1("vcvt.f32.u32", S2("vcvt.f32.u32"));
        GROUP1("vcvt.s32.16", S1("vcvt.s32.f32 %[r], %[r], #16"));
        GROUP1("vcvt.u16.8", S1("vcvt.u16.f32 %[r], %[r], #8"));
        GROUP1("vcvt.s16.1", S1("vcvt.s16.f32 %[r], %[r], #1"));
        GROUP1("vcvt.u32.32", S1("vcvt.u32.f32 %[r], %[r], #32"));
        GROUP1("vcvt.f32.s32.16", S1("vcvt.f32.s32 %[r], %[r], #16"));
        GROUP1("vcvt.f32.u16.4", S1("vcvt.f32.u16 %[r], %[r], #4"));
        GROUP1("vcvt.f32.s16.15", S1("vcvt.f32.s16 %[r], %[r], #15"));
        for (unsigned ahp = 0; ahp < 2; ahp++) {
            cfg ^= ahp << 26;
            GROUP1("vcvtb.f16.f32", S2("vcvtb.f16.f32"));
            GROUP1("vcvtt.f16.f32", S2("vcvtt.f16.f32"));
            GROUP1("vcvtb.f32.f16", S2("vcvtb.f32.f16"));
            GROUP1("vcvtt.f32.f16", S2("vcvtt.f32.f16"));
            cfg ^= ahp << 26;
        }
#ifdef FPV5
        GROUP("vselgt", S3("vselgt.f32"));
        GROUP("vmaxnm", S3("vmaxnm.f32"));
        GROUP("vminnm", S3("vminnm.f32"));
        GROUP1("vrinta", S2("vrinta.f32"));
        GROUP1("vrintn", S2("vrintn.f32"));
        GROUP1("vrintp", S2("vrintp.f32"));
        GROUP1("vrintm", S2("vrintm.f32"));
        GROUP1("vrintr", S2("vrintr.f32"));
        GROUP1("vrintz", S2("vrintz.f32"));
        GROUP1("vrintx", S2("vrintx.f32"));
        GROUP1("vcvta.s32", S2("vcvta.s32.f32"));
        GROUP1("vcvtn.u32", S2("vcvtn.u32.f32"));
        GROUP1("vcvtp.s32", S2("vcvtp.s32.f32"));
        GROUP1("vcvtm.u32", S2("vcvtm.u32.f32"));
        DGROUP("d.vadd", D3("vadd.f64"));
        DGROUP("d.vsub", D3("vsub.f64"));
        DGROUP("d.vmul", D3("vmul.f64"));
        DGROUP("d.vnmul", D3("vnmul.f64"));
        DGROUP("d.vdiv", D3("vdiv.f64"));
        DGROUP("d.vmla", D3A("vmla.f64"));
        DGROUP("d.vnmls", D3A("vnmls.f64"));
        DGROUP("d.vfma", D3A("vfma.f64"));
        DGROUP("d.vfnms", D3A("vfnms.f64"));
        DGROUP("d.vcmpe", DCMP("vcmpe.f64 %P[a], %P[b]"));
        DGROUP("d.vmaxnm", D3("vmaxnm.f64"));
        DGROUP("d.vminnm", D3("vminnm.f64"));
        DGROUP("d.vselge", D3("vselge.f64"));
        DGROUP1("d.vsqrt", D2("vsqrt.f64"));
        DGROUP1("d.vabs", D2("vabs.f64"));
        DGROUP1("d.vneg", D2("vneg.f64"));
        DGROUP1("d.vrinta", D2("vrinta.f64"));
        DGROUP1("d.vrintx", D2("vrintx.f64"));
        DGROUP1("d.vrintz", D2("vrintz.f64"));
        DGROUP1("d.vcvt.f32.f64", SD2("vcvt.f32.f64"));
        DGROUP1("d.vcvt.f64.f32", DS2("vcvt.f64.f32"));
        DGROUP1("d.vcvt.s32.f64", SD2("vcvt.s32.f64"));
        DGROUP1("d.vcvtr.u32.f64", SD2("vcvtr.u32.f64"));
        DGROUP1("d.vcvtm.s32.f64", SD2("vcvtm.s32.f64"));
        DGROUP1("d.vcvt.f64.s32", DS2("vcvt.f64.s32"));
        DGROUP1("d.vcvt.f64.u32", DS2("vcvt.f64.u32"));
        DGROUP1("d.vcvtb.f16.f64", SD2("vcvtb.f16.f64"));
        DGROUP("d.vmls", D3A("vmls.f64"));
        DGROUP("d.vnmla", D3A("vnmla.f64"));
        DGROUP("d.vfms", D3A("vfms.f64"));
        DGROUP("d.vfnma", D3A("vfnma.f64"));
        DGROUP("d.vcmp", DCMP("vcmp.f64 %P[a], %P[b]"));
        DGROUP1("d.vcmp0", DCMP("vcmp.f64 %P[a], #0"));
        DGROUP("d.vseleq", D3("vseleq.f64"));
        DGROUP("d.vselvs", D3("vselvs.f64"));
        DGROUP1("d.vrintm", D2("vrintm.f64"));
        DGROUP1("d.vrintr", D2("vrintr.f64"));
        DGROUP1("d.vcvtb.f64.f16", DS2("vcvtb.f64.f16"));
        DGROUP1("d.vcvtt.f16.f64", SD2("vcvtt.f16.f64"));
        DGROUP1("d.vcvta.u32.f64", SD2("vcvta.u32.f64"));
        DGROUP1("d.vcvtp.s32.f64", SD2("vcvtp.s32.f64"));
        DGROUP1("d.vcvtn.s32.f64", SD2("vcvtn.s32.f64"));
        DGROUP1("d.vcvt.s32.16", DI1("vcvt.s32.f64 %P[r], %P[r], #16"));
        DGROUP1("d.vcvt.u16.3", DI1("vcvt.u16.f64 %P[r], %P[r], #3"));
        DGROUP1("d.vcvt.f64.s32.20", DI1("vcvt.f64.s32 %P[r], %P[r], #20"));
        DGROUP1("d.vcvt.f64.u16.16", DI1("vcvt.f64.u16 %P[r], %P[r], #16"));
        DGROUP1("d.vcvtt.f64.f16", DS2("vcvtt.f64.f16"));
#endif
    }
    /* VMOV immediate and the register transfers */
    h = 2166136261u;
    {
        float a, b;
        double d;
        uint32_t x, y;
        __asm__ volatile("vmov.f32 %[a], #-1.5\n\tvmov.f32 %[b], #31.0\n\t"
                         "vmov %[x], %[a]\n\tvmov %[y], %[b]"
                         : [a] "=&t"(a), [b] "=&t"(b), [x] "=&r"(x),
                           [y] "=&r"(y));
        HASH(x, y);
        __asm__ volatile("vmov.f32 %[a], #0.125\n\tvmov %[x], %[a]"
                         : [a] "=&t"(a), [x] "=&r"(x));
        HASH(x, 0);
        __asm__ volatile("vmov %P[d], %[x], %[y]" : [d] "=w"(d)
                         : [x] "r"(0x01234567u), [y] "r"(0x89abcdefu));
        __asm__ volatile("vmov %[x], %[y], %P[d]" : [x] "=r"(x), [y] "=r"(y)
                         : [d] "w"(d));
        HASH(x, y);
        __asm__ volatile("vmov s2, s3, %[x], %[y]\n\tvmov %[y], s2\n\t"
                         "vmov %[x], s3"
                         : [x] "+r"(x), [y] "+r"(y) : : "s2", "s3");
        HASH(x, y);
#ifdef FPV5
        __asm__ volatile("vmov.f64 %P[d], #-0.25\n\tvmov %[x], %[y], %P[d]"
                         : [d] "=&w"(d), [x] "=&r"(x), [y] "=&r"(y));
        HASH(x, y);
#endif
    }
    rt_print("vmov", h);
    /* Loads and stores: VLDR/VSTR (also PC-relative), VLDM/VSTM with
     * writeback, VPUSH/VPOP, single and double registers. */
    h = 2166136261u;
    {
        static uint32_t buf[24], out[24];
        uint32_t *p = buf, *q = out, x, y;
        for (unsigned i = 0; i < 24; i++)
            buf[i] = vals[i];
        __asm__ volatile(
            "vldmia %[p]!, {s4-s11}\n\tvldr s12, [%[p], #4]\n\t"
            "vldr d7, [%[p], #-8]\n\tvldmdb %[p]!, {d0-d1}\n\t"
            "vpush {s4-s7}\n\tvpush {d6-d7}\n\tvpop {s0-s3}\n\t"
            "vpop {d2-d3}\n\tvstmia %[q]!, {s0-s15}\n\t"
            "vstr s3, [%[q]]\n\tvstr d1, [%[q], #8]\n\t"
            "vstmdb %[q]!, {s13-s14}\n\tvldr s0, 1f\n\tvmov %[x], s0\n\t"
            "vmov %[y], s15\n\tvstr d6, [%[q], #16]\n\tb 2f\n\t"
            ".align 2\n"
            "1:\t.word 0x3f9e0419\n2:"
            : [p] "+r"(p), [q] "+r"(q), [x] "=&r"(x), [y] "=&r"(y)
            :
            : "memory", "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8",
              "s9", "s10", "s11", "s12", "s13", "s14", "s15");
        for (unsigned i = 0; i < 24; i++)
            HASH(out[i], i);
        HASH((uint32_t)(p - buf), (uint32_t)(q - out));
        HASH(x, y);
#ifdef FPV5
        __asm__ volatile("vmov.32 %[y], d7[1]\n\tvmov.32 d6[0], %[x]\n\t"
                         "vmov %[x], s12"
                         : [x] "+r"(x), [y] "=&r"(y) : : "s12", "s13");
        HASH(x, y);
#endif
    }
    rt_print("vldst", h);
}

int main(void)
{
    CPACR |= 0xfu << 20; /* CP10, CP11: full access */
    __asm__ volatile("dsb\n\tisb");
    rt_print("cpacr", CPACR);
    rt_print("mvfr0", REG32(0xe000ef40));
    rt_print("mvfr1", REG32(0xe000ef44));
    rt_print("fpccr", REG32(0xe000ef34));
    run();
    return 0;
}
