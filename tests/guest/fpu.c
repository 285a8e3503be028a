/* SPDX-License-Identifier: MIT */
/*
 * F and D: every arithmetic operation, fused multiply-add, min/max,
 * compares, classify, sign injection, moves and conversions, over special
 * values (zeros, subnormals, infinities, quiet and signaling NaNs, values
 * that round to ties in each format) under each static rounding mode and
 * the dynamic one. Each group prints a hash of all result bits and
 * fflags, so any single difference from QEMU shows. Also: NaN boxing of
 * singles, canonical NaNs, reserved rounding modes, mstatus.FS.
 */
#include "rt.h"

#define MSTATUS_FS (3UL << 13)

static const uint64_t dvals[] = {
    0x0000000000000000ull, 0x8000000000000000ull, /* +0, -0 */
    0x3ff0000000000000ull, 0xbff0000000000000ull, /* 1, -1 */
    0x3ff8000000000000ull, 0x4008000000000000ull, /* 1.5, 3 */
    0x3fb999999999999aull, 0x3fd5555555555555ull, /* 0.1, 1/3 */
    0x3ff0000000000001ull, 0x3ca0000000000000ull, /* 1+ulp, 2^-53 */
    0x3cb8000000000000ull, 0xc004000000000000ull, /* 3*2^-53, -2.5 */
    0x0000000000000001ull, 0x000fffffffffffffull, /* subnormals */
    0x0010000000000000ull, 0x7fefffffffffffffull, /* min/max normal */
    0x7ff0000000000000ull, 0xfff0000000000000ull, /* +inf, -inf */
    0x7ff8000000000000ull, 0x7ff0000000000001ull, /* qNaN, sNaN */
    0xfff8000000000123ull, 0x41efffffffe00000ull, /* -qNaN, 2^32-0.5 */
    0xc1e0000000100000ull, 0x43e0000000000000ull, /* -2^31-0.5, 2^63 */
    0x4340000000000001ull, 0xc3e0000000000001ull, /* 2^54+2, < -2^63 */
    0x3fe0000000000000ull, 0x4004000000000000ull, /* 0.5, 2.5 */
};
#define NDV (sizeof(dvals) / sizeof(dvals[0]))

static const uint32_t svals[] = {
    0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x3fc00000, 0x40400000,
    0x3dcccccd, 0x3eaaaaab, 0x3f800001, 0x33800000, 0x34400000, 0xc0200000,
    0x00000001, 0x007fffff, 0x00800000, 0x7f7fffff, 0x7f800000, 0xff800000,
    0x7fc00000, 0x7f800001, 0xffc00123, 0x4f800000, 0xcf000001, 0x5f000000,
    0x3f000000, 0x40200000, 0x4b800001,
};
#define NSV (sizeof(svals) / sizeof(svals[0]))

static const uint64_t ivals[] = {
    0, 1, 0xffffffffffffffffull, 0x7fffffff, 0x80000000, 0xffffffff,
    16777217, 16777219, 0x7fffffffffffffffull, 0x8000000000000000ull,
    9007199254740993ull, 9007199254740995ull, 0x123456789abcdefull,
    0xfffffffffffffff0ull, 33554435,
};
#define NIV (sizeof(ivals) / sizeof(ivals[0]))

static uint64_t sv_boxed(unsigned i)
{
    return 0xffffffff00000000ull | svals[i];
}

/* FNV-1a over 64-bit words. */
static uint64_t hash;
static void h_add(uint64_t v)
{
#ifdef FPU_VERBOSE
    putx(v);
    putch('\n');
#endif
    for (int i = 0; i < 8; i++) {
        hash ^= (v >> (8 * i)) & 0xff;
        hash *= 0x100000001b3ull;
    }
}
static void h_start(void)
{
    hash = 0xcbf29ce484222325ull;
}
static void h_print(const char *name)
{
    putstr(name);
    putstr(": ");
    putx(hash);
    putch('\n');
}

static void set_frm(unsigned rm)
{
    __asm__ volatile("fsrm %0" ::"r"((ulong)rm));
}

/*
 * Operation wrappers: operands from memory (so that any 64-bit pattern,
 * boxed or not, reaches the register), result and fflags out.
 */
#define FP3(fn, insn)                                                        \
    static unsigned fn(const uint64_t *a, const uint64_t *b,                 \
                       const uint64_t *c, uint64_t *r)                       \
    {                                                                        \
        ulong fl;                                                            \
        __asm__ volatile("fsflags zero\n\t"                                  \
                         "fld ft0, 0(%1)\n\t"                                \
                         "fld ft1, 0(%2)\n\t"                                \
                         "fld ft2, 0(%3)\n\t" insn "\n\t"                    \
                         "fsd ft3, 0(%4)\n\t"                                \
                         "frflags %0"                                        \
                         : "=r"(fl)                                          \
                         : "r"(a), "r"(b), "r"(c), "r"(r)                    \
                         : "memory", "ft0", "ft1", "ft2", "ft3");            \
        return (unsigned)fl;                                                 \
    }

/* To an integer register. */
#define FPX(fn, insn)                                                        \
    static unsigned fn(const uint64_t *a, const uint64_t *b, ulong *r)      \
    {                                                                        \
        ulong fl, v;                                                         \
        __asm__ volatile("fsflags zero\n\t"                                  \
                         "fld ft0, 0(%2)\n\t"                                \
                         "fld ft1, 0(%3)\n\t" insn "\n\t"                    \
                         "frflags %0"                                        \
                         : "=r"(fl), "=r"(v)                                 \
                         : "r"(a), "r"(b)                                    \
                         : "memory", "ft0", "ft1");                          \
        *r = v;                                                              \
        return (unsigned)fl;                                                 \
    }

/* From an integer register. */
#define FPI(fn, insn)                                                        \
    static unsigned fn(ulong x, uint64_t *r)                                 \
    {                                                                        \
        ulong fl;                                                            \
        __asm__ volatile("fsflags zero\n\t" insn "\n\t"                      \
                         "fsd ft3, 0(%2)\n\t"                                \
                         "frflags %0"                                        \
                         : "=r"(fl)                                          \
                         : "r"(x), "r"(r)                                    \
                         : "memory", "ft3");                                 \
        return (unsigned)fl;                                                 \
    }

/* Binary ops with every rounding mode: name_rm(a, b, c, r). */
#define DEF_BIN(op, fmt, rm) FP3(op##_##fmt##_##rm,                        \
                                 #op "." #fmt " ft3, ft0, ft1, " #rm)
#define DEF_BIN_RMS(op, fmt)                                                 \
    DEF_BIN(op, fmt, rne) DEF_BIN(op, fmt, rtz) DEF_BIN(op, fmt, rdn)       \
    DEF_BIN(op, fmt, rup) DEF_BIN(op, fmt, rmm) DEF_BIN(op, fmt, dyn)
#define DEF_FMA(op, fmt, rm) FP3(op##_##fmt##_##rm,                        \
                                 #op "." #fmt " ft3, ft0, ft1, ft2, " #rm)
#define DEF_FMA_RMS(op, fmt)                                                 \
    DEF_FMA(op, fmt, rne) DEF_FMA(op, fmt, rtz) DEF_FMA(op, fmt, rdn)       \
    DEF_FMA(op, fmt, rup) DEF_FMA(op, fmt, rmm) DEF_FMA(op, fmt, dyn)
#define DEF_UN(op, fmt, rm) FP3(op##_##fmt##_##rm,                         \
                                #op "." #fmt " ft3, ft0, " #rm)
#define DEF_UN_RMS(op, fmt)                                                  \
    DEF_UN(op, fmt, rne) DEF_UN(op, fmt, rtz) DEF_UN(op, fmt, rdn)          \
    DEF_UN(op, fmt, rup) DEF_UN(op, fmt, rmm) DEF_UN(op, fmt, dyn)

typedef unsigned (*fp3_fn)(const uint64_t *, const uint64_t *,
                           const uint64_t *, uint64_t *);
#define RM_FNS(name) {name##_rne, name##_rtz, name##_rdn, name##_rup,       \
                      name##_rmm, name##_dyn}

DEF_BIN_RMS(fadd, d) DEF_BIN_RMS(fsub, d) DEF_BIN_RMS(fmul, d)
DEF_BIN_RMS(fdiv, d) DEF_UN_RMS(fsqrt, d)
DEF_BIN_RMS(fadd, s) DEF_BIN_RMS(fsub, s) DEF_BIN_RMS(fmul, s)
DEF_BIN_RMS(fdiv, s) DEF_UN_RMS(fsqrt, s)
DEF_FMA_RMS(fmadd, d) DEF_FMA_RMS(fmsub, d) DEF_FMA_RMS(fnmadd, d)
DEF_FMA_RMS(fnmsub, d)
DEF_FMA_RMS(fmadd, s) DEF_FMA_RMS(fmsub, s) DEF_FMA_RMS(fnmadd, s)
DEF_FMA_RMS(fnmsub, s)

/* fcvt.s.d is spelled with a dot: define by hand. */
#undef DEF_UN
#define FCVT_SD(rm) FP3(fcvt_sd_##rm, "fcvt.s.d ft3, ft0, " #rm)
FCVT_SD(rne) FCVT_SD(rtz) FCVT_SD(rdn) FCVT_SD(rup) FCVT_SD(rmm)
FCVT_SD(dyn)
FP3(fcvt_ds, "fcvt.d.s ft3, ft0")

FP3(fmin_d, "fmin.d ft3, ft0, ft1") FP3(fmax_d, "fmax.d ft3, ft0, ft1")
FP3(fmin_s, "fmin.s ft3, ft0, ft1") FP3(fmax_s, "fmax.s ft3, ft0, ft1")
FP3(fsgnj_d, "fsgnj.d ft3, ft0, ft1") FP3(fsgnjn_d, "fsgnjn.d ft3, ft0, ft1")
FP3(fsgnjx_d, "fsgnjx.d ft3, ft0, ft1")
FP3(fsgnj_s, "fsgnj.s ft3, ft0, ft1") FP3(fsgnjn_s, "fsgnjn.s ft3, ft0, ft1")
FP3(fsgnjx_s, "fsgnjx.s ft3, ft0, ft1")
FPX(feq_d, "feq.d %1, ft0, ft1") FPX(flt_d, "flt.d %1, ft0, ft1")
FPX(fle_d, "fle.d %1, ft0, ft1")
FPX(feq_s, "feq.s %1, ft0, ft1") FPX(flt_s, "flt.s %1, ft0, ft1")
FPX(fle_s, "fle.s %1, ft0, ft1")
FPX(fclass_d, "fclass.d %1, ft0") FPX(fclass_s, "fclass.s %1, ft0")
FPX(fmv_x_w, "fmv.x.w %1, ft0")

#define CVT_TO_INT(name, insn)                                               \
    FPX(name##_rne, insn ", rne") FPX(name##_rtz, insn ", rtz")             \
    FPX(name##_rdn, insn ", rdn") FPX(name##_rup, insn ", rup")             \
    FPX(name##_rmm, insn ", rmm") FPX(name##_dyn, insn ", dyn")
CVT_TO_INT(cvt_w_d, "fcvt.w.d %1, ft0")
CVT_TO_INT(cvt_wu_d, "fcvt.wu.d %1, ft0")
CVT_TO_INT(cvt_w_s, "fcvt.w.s %1, ft0")
CVT_TO_INT(cvt_wu_s, "fcvt.wu.s %1, ft0")
#if XLEN == 64
CVT_TO_INT(cvt_l_d, "fcvt.l.d %1, ft0")
CVT_TO_INT(cvt_lu_d, "fcvt.lu.d %1, ft0")
CVT_TO_INT(cvt_l_s, "fcvt.l.s %1, ft0")
CVT_TO_INT(cvt_lu_s, "fcvt.lu.s %1, ft0")
#endif

#define CVT_FROM_INT(name, insn)                                             \
    FPI(name##_rne, insn ", rne") FPI(name##_rtz, insn ", rtz")             \
    FPI(name##_rdn, insn ", rdn") FPI(name##_rup, insn ", rup")             \
    FPI(name##_rmm, insn ", rmm") FPI(name##_dyn, insn ", dyn")
/* Exact conversions take no rounding mode. */
#define CVT_FROM_INT_EXACT(name, insn)                                       \
    FPI(name##_rne, insn) FPI(name##_rtz, insn) FPI(name##_rdn, insn)       \
    FPI(name##_rup, insn) FPI(name##_rmm, insn) FPI(name##_dyn, insn)
CVT_FROM_INT_EXACT(cvt_d_w, "fcvt.d.w ft3, %1")
CVT_FROM_INT_EXACT(cvt_d_wu, "fcvt.d.wu ft3, %1")
CVT_FROM_INT(cvt_s_w, "fcvt.s.w ft3, %1")
CVT_FROM_INT(cvt_s_wu, "fcvt.s.wu ft3, %1")
#if XLEN == 64
CVT_FROM_INT(cvt_d_l, "fcvt.d.l ft3, %1")
CVT_FROM_INT(cvt_d_lu, "fcvt.d.lu ft3, %1")
CVT_FROM_INT(cvt_s_l, "fcvt.s.l ft3, %1")
CVT_FROM_INT(cvt_s_lu, "fcvt.s.lu ft3, %1")
#endif
FPI(fmv_w_x, "fmv.w.x ft3, %1")

typedef unsigned (*fpx_fn)(const uint64_t *, const uint64_t *, ulong *);
typedef unsigned (*fpi_fn)(ulong, uint64_t *);

static uint64_t dv(unsigned i, int single)
{
    return single ? sv_boxed(i) : dvals[i];
}

static unsigned nvals(int single)
{
    return single ? NSV : NDV;
}

static const char *const rm_names[6] = {"rne", "rtz", "rdn", "rup", "rmm",
                                        "dyn"};

/* Binary ops: every pair of values, each rounding mode (dyn uses frm 4). */
static void print_rm(const char *name, int m)
{
    putstr(name);
    putch('.');
    putstr(rm_names[m]);
    putstr(": ");
    putx(hash);
    putch('\n');
}

static void group_bin(const char *name, const fp3_fn fns[6], int single)
{
    for (int m = 0; m < 6; m++) {
        h_start();
        set_frm(m == 5 ? 4 : 0);
        for (unsigned i = 0; i < nvals(single); i++)
            for (unsigned j = 0; j < nvals(single); j++) {
                uint64_t a = dv(i, single), b = dv(j, single), r = 0;
                unsigned fl = fns[m](&a, &b, &b, &r);
                h_add(r);
                h_add(fl);
            }
        print_rm(name, m);
    }
}

/* Fused ops: triples of a smaller set, plus tie-making triples. */
static void group_fma(const char *name, const fp3_fn fns[6], int single)
{
    static const unsigned pick[] = {0, 1, 2, 3, 5, 6, 8, 9, 12, 15, 16, 18,
                                    19, 26};
    for (int m = 0; m < 6; m++) {
        h_start();
        set_frm(m == 5 ? 3 : 0);
        for (unsigned i = 0; i < sizeof(pick) / sizeof(pick[0]); i++)
            for (unsigned j = 0; j < sizeof(pick) / sizeof(pick[0]); j++)
                for (unsigned k = 0; k < sizeof(pick) / sizeof(pick[0]);
                     k++) {
                    uint64_t a = dv(pick[i], single), b = dv(pick[j], single);
                    uint64_t c = dv(pick[k], single), r = 0;
                    unsigned fl = fns[m](&a, &b, &c, &r);
                    h_add(r);
                    h_add(fl);
                }
        print_rm(name, m);
    }
}

static void group_x(const char *name, fpx_fn fn, int single, int pairs)
{
    h_start();
    for (unsigned i = 0; i < nvals(single); i++)
        for (unsigned j = 0; j < (pairs ? nvals(single) : 1); j++) {
            uint64_t a = dv(i, single), b = dv(j, single);
            ulong r = 0;
            unsigned fl = fn(&a, &b, &r);
            h_add(r);
            h_add(fl);
        }
    h_print(name);
}

static void group_3(const char *name, fp3_fn fn, int single)
{
    h_start();
    for (unsigned i = 0; i < nvals(single); i++)
        for (unsigned j = 0; j < nvals(single); j++) {
            uint64_t a = dv(i, single), b = dv(j, single), r = 0;
            unsigned fl = fn(&a, &b, &b, &r);
            h_add(r);
            h_add(fl);
        }
    h_print(name);
}

static void group_to_int(const char *name, const fpx_fn fns[6], int single,
                         int from_double)
{
    (void)from_double;
    h_start();
    for (int m = 0; m < 6; m++) {
        set_frm(m == 5 ? 2 : 0);
        for (unsigned i = 0; i < nvals(single); i++) {
            uint64_t a = dv(i, single);
            ulong r = 0;
            unsigned fl = fns[m](&a, &a, &r);
            h_add(r);
            h_add(fl);
        }
    }
    h_print(name);
}

static void group_from_int(const char *name, const fpi_fn fns[6])
{
    h_start();
    for (int m = 0; m < 6; m++) {
        set_frm(m == 5 ? 4 : 0);
        for (unsigned i = 0; i < NIV; i++) {
            uint64_t r = 0;
            unsigned fl = fns[m]((ulong)ivals[i], &r);
            h_add(r);
            h_add(fl);
            /* The negated value too: the signed cases. */
            fl = fns[m]((ulong)-ivals[i], &r);
            h_add(r);
            h_add(fl);
        }
    }
    h_print(name);
}

#define FNS6(name) ((const fp3_fn[6])RM_FNS(name))
#define XFNS6(name) ((const fpx_fn[6])RM_FNS(name))
#define IFNS6(name) ((const fpi_fn[6])RM_FNS(name))

static volatile int illegal_count;

static int on_trap(struct trap_frame *f)
{
    if (f->mcause != 2)
        return 0;
    illegal_count++;
    f->mepc += insn_len(f->mepc);
    return 1;
}

static void test_misc(void)
{
    uint64_t a, b, r;
    ulong x;

    puts("fpu: boxing, canonical NaN, fcsr, FS");
    /* flw boxes; an unboxed single reads as the canonical NaN. */
    {
        uint32_t one = 0x3f800000;
        __asm__ volatile("flw ft0, 0(%1)\n\tfsd ft0, 0(%0)"
                         ::"r"(&r), "r"(&one) : "memory", "ft0");
        CHECK_EQ(r, 0xffffffff3f800000ull);
    }
    a = 0x000000003f800000ull; /* not boxed */
    b = sv_boxed(2);
    fadd_s_rne(&a, &b, &b, &r);
    CHECK_EQ(r, 0xffffffff7fc00000ull);
    fsgnj_s(&a, &b, &b, &r); /* rs1 unboxed: canonical NaN with b's sign */
    CHECK_EQ(r, 0xffffffff7fc00000ull);
    /* fmv.x.w takes the raw low word, sign-extended. */
    a = 0x12345678c0000000ull;
    fmv_x_w(&a, &a, &x);
    CHECK_EQ(x, (ulong)0xffffffffc0000000ull);
    fmv_w_x(0x3f800000, &r);
    CHECK_EQ(r, 0xffffffff3f800000ull);
    /* NaN results are canonical, whatever the inputs' payloads. */
    a = 0xfff8000000000123ull;
    b = dvals[2];
    fadd_d_rne(&a, &b, &b, &r);
    CHECK_EQ(r, 0x7ff8000000000000ull);

    /* fcsr = frm << 5 | fflags. */
    __asm__ volatile("fscsr %0" ::"r"(0xffUL));
    CHECK_EQ(csr_read(fcsr), 0xff);
    CHECK_EQ(csr_read(frm), 7);
    CHECK_EQ(csr_read(fflags), 0x1f);
    __asm__ volatile("fscsr %0" ::"r"(0x3ffUL));
    CHECK_EQ(csr_read(fcsr), 0xff);

    /* Reserved rounding modes: static 5, and dyn with frm 5..7. */
    trap_hook = on_trap;
    illegal_count = 0;
    __asm__ volatile(".word 0x021051d3"); /* fadd.d ft3, ft0, ft1, rm=5 */
    CHECK_EQ(illegal_count, 1);
    set_frm(5);
    a = dvals[2];
    fadd_d_dyn(&a, &a, &a, &r);
    CHECK_EQ(illegal_count, 2);
    set_frm(0);

    /* FS: an FP write makes it Dirty (and SD); Off makes FP illegal. */
    csr_clear(mstatus, MSTATUS_FS);
    csr_set(mstatus, 1UL << 13); /* Initial */
    fadd_d_rne(&a, &a, &a, &r);
    CHECK_EQ(csr_read(mstatus) & MSTATUS_FS, MSTATUS_FS);
    CHECK(csr_read(mstatus) >> (XLEN - 1));
    csr_clear(mstatus, MSTATUS_FS);
    illegal_count = 0;
    __asm__ volatile("fmv.w.x ft0, zero" ::: "ft0");
    __asm__ volatile("csrr t0, fflags" ::: "t0");
    CHECK_EQ(illegal_count, 2);
    csr_set(mstatus, MSTATUS_FS);
    trap_hook = 0;
}

int main(void)
{
    csr_set(mstatus, MSTATUS_FS);
    puts("fpu: F and D");

    group_bin("fadd.d", FNS6(fadd_d), 0);
    group_bin("fsub.d", FNS6(fsub_d), 0);
    group_bin("fmul.d", FNS6(fmul_d), 0);
    group_bin("fdiv.d", FNS6(fdiv_d), 0);
    group_bin("fsqrt.d", FNS6(fsqrt_d), 0);
    group_bin("fadd.s", FNS6(fadd_s), 1);
    group_bin("fsub.s", FNS6(fsub_s), 1);
    group_bin("fmul.s", FNS6(fmul_s), 1);
    group_bin("fdiv.s", FNS6(fdiv_s), 1);
    group_bin("fsqrt.s", FNS6(fsqrt_s), 1);
    group_fma("fmadd.d", FNS6(fmadd_d), 0);
    group_fma("fmsub.d", FNS6(fmsub_d), 0);
    group_fma("fnmadd.d", FNS6(fnmadd_d), 0);
    group_fma("fnmsub.d", FNS6(fnmsub_d), 0);
    group_fma("fmadd.s", FNS6(fmadd_s), 1);
    group_fma("fmsub.s", FNS6(fmsub_s), 1);
    group_fma("fnmadd.s", FNS6(fnmadd_s), 1);
    group_fma("fnmsub.s", FNS6(fnmsub_s), 1);
    group_bin("fcvt.s.d", FNS6(fcvt_sd), 0);
    group_3("fcvt.d.s", fcvt_ds, 1);
    group_3("fmin.d", fmin_d, 0);
    group_3("fmax.d", fmax_d, 0);
    group_3("fmin.s", fmin_s, 1);
    group_3("fmax.s", fmax_s, 1);
    group_3("fsgnj.d", fsgnj_d, 0);
    group_3("fsgnjn.d", fsgnjn_d, 0);
    group_3("fsgnjx.d", fsgnjx_d, 0);
    group_3("fsgnj.s", fsgnj_s, 1);
    group_3("fsgnjn.s", fsgnjn_s, 1);
    group_3("fsgnjx.s", fsgnjx_s, 1);
    group_x("feq.d", feq_d, 0, 1);
    group_x("flt.d", flt_d, 0, 1);
    group_x("fle.d", fle_d, 0, 1);
    group_x("feq.s", feq_s, 1, 1);
    group_x("flt.s", flt_s, 1, 1);
    group_x("fle.s", fle_s, 1, 1);
    group_x("fclass.d", fclass_d, 0, 0);
    group_x("fclass.s", fclass_s, 1, 0);
    group_to_int("fcvt.w.d", XFNS6(cvt_w_d), 0, 1);
    group_to_int("fcvt.wu.d", XFNS6(cvt_wu_d), 0, 1);
    group_to_int("fcvt.w.s", XFNS6(cvt_w_s), 1, 0);
    group_to_int("fcvt.wu.s", XFNS6(cvt_wu_s), 1, 0);
    group_from_int("fcvt.d.w", IFNS6(cvt_d_w));
    group_from_int("fcvt.d.wu", IFNS6(cvt_d_wu));
    group_from_int("fcvt.s.w", IFNS6(cvt_s_w));
    group_from_int("fcvt.s.wu", IFNS6(cvt_s_wu));
#if XLEN == 64
    group_to_int("fcvt.l.d", XFNS6(cvt_l_d), 0, 1);
    group_to_int("fcvt.lu.d", XFNS6(cvt_lu_d), 0, 1);
    group_to_int("fcvt.l.s", XFNS6(cvt_l_s), 1, 0);
    group_to_int("fcvt.lu.s", XFNS6(cvt_lu_s), 1, 0);
    group_from_int("fcvt.d.l", IFNS6(cvt_d_l));
    group_from_int("fcvt.d.lu", IFNS6(cvt_d_lu));
    group_from_int("fcvt.s.l", IFNS6(cvt_s_l));
    group_from_int("fcvt.s.lu", IFNS6(cvt_s_lu));
#endif
    test_misc();
    return check_done("fpu");
}
