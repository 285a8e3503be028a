/* SPDX-License-Identifier: MIT */
/*
 * The interpreter backend: every IR op and width through the real engine
 * (builder, optimiser, compiler, cpu_exec), memory ops through the soft
 * TLB and the slow paths, helpers, faults with precise PC and counts.
 * Blocks come from toy_custom callbacks that emit IR directly.
 */
#include <CUnit/Basic.h>
#include <string.h>

#include "kernel/bus.h"
#include "kernel/cpu-internal.h"
#include "kernel/cpu.h"
#include "tests/unit/toy-arch.h"
#include "tests/unit/unit.h"

#define RAM_BASE 0x0
#define RAM_SIZE 0x100000
#define MMIO_BASE 0x200000
#define UNMAPPED 0x900000
#define PC0 0x1000

static Cpu *cpu;
static ToyEnv *env;

/* ---------------------------------------------------------------------- */
/* A fake device                                                           */

static struct {
    uint64_t last_off, last_val;
    unsigned last_size, reads, writes;
} dev;

static uint64_t dev_read(void *opaque, uint64_t off, unsigned size)
{
    dev.reads++;
    dev.last_off = off;
    dev.last_size = size;
    /* The top bytes of a fixed pattern: 0x1122 for 2 bytes. */
    return 0x1122334455667788ull >> (64 - 8 * size);
}

static void dev_write(void *opaque, uint64_t off, uint64_t v, unsigned size)
{
    dev.writes++;
    dev.last_off = off;
    dev.last_val = v;
    dev.last_size = size;
}

static const TesseraMmioOps dev_ops = {dev_read, dev_write, 0, 0};

static int suite_init(void)
{
    if (!bus_add_ram("ram", RAM_BASE, RAM_SIZE))
        return -1;
    if (!bus_add_mmio("dev", MMIO_BASE, 0x1000, &dev_ops, NULL))
        return -1;
    tcache_init(0);
    cpu = cpu_new(&toy_arch, NULL, 0);
    if (!cpu)
        return -1;
    env = tessera_cpu_env(cpu);
    return 0;
}

static int suite_clean(void)
{
    cpu_free(cpu);
    toy_custom = NULL;
    bus_reset_all();
    return 0;
}

/* Runs the custom block at PC0 once on c (fresh translation). */
static void run_on(Cpu *c, ToyTranslateFn fn)
{
    toy_custom = fn;
    tcache_flush();
    tessera_cpu_set_pc(c, PC0);
    cpu_exec(c, 1);
    toy_custom = NULL;
}

static void run(ToyTranslateFn fn)
{
    run_on(cpu, fn);
}

/* ---------------------------------------------------------------------- */
/* Moves between narrow globals, temporaries and constants                 */

static int emit_narrow_moves(ToyEnv *e, TesseraIR *b, uint64_t pc)
{
    (void)e;
    TesseraVal t = tessera_ir_temp(b), u = tessera_ir_temp(b);
    TesseraVal s = tessera_ir_temp(b);
    tessera_ir_insn_start(b, pc, 4, 1);
    /* A 16-bit and a sign-extended 8-bit read into temporaries... */
    tessera_ir_mov(b, TESSERA_I64, t,
                   tessera_ir_global_sized(b, TOY_S(0), TESSERA_MO_16));
    tessera_ir_mov(b, TESSERA_I64, s,
                   tessera_ir_global_sized(b, TOY_S(0) + 1,
                                           TESSERA_MO_8 | TESSERA_MO_SIGN));
    tessera_ir_binop(b, TESSERA_ADD, TESSERA_I64, u, t,
                     tessera_ir_const(b, 1));
    tessera_ir_mov(b, TESSERA_I64, tessera_ir_global(b, TOY_S(1)), u);
    tessera_ir_mov(b, TESSERA_I64, tessera_ir_global(b, TOY_S(3)), s);
    /* ...a temporary and a constant written to narrow globals. */
    tessera_ir_mov(b, TESSERA_I32,
                   tessera_ir_global_sized(b, TOY_S(2), TESSERA_MO_16), u);
    tessera_ir_mov(b, TESSERA_I32,
                   tessera_ir_global_sized(b, TOY_S(2) + 2, TESSERA_MO_8),
                   tessera_ir_const(b, 0x1ab));
    tessera_ir_exit_loop(b, pc + 4);
    return 0;
}

static void test_narrow_moves(void)
{
    env->scratch[0] = 0x99f234;
    env->scratch[1] = 0;
    env->scratch[2] = 0xffffffffffffffffull;
    env->scratch[3] = 0;
    run(emit_narrow_moves);
    CU_ASSERT_EQUAL(env->scratch[1], 0xf235);
    CU_ASSERT_EQUAL(env->scratch[3], (uint64_t)(int64_t)(int8_t)0xf2);
    CU_ASSERT_EQUAL(env->scratch[2], 0xffffffffffabf235ull);
}

/* ---------------------------------------------------------------------- */
/* Carries, every width form, constant and register operands, and the     */
/* carry whose result is also moved into a 1-byte global                  */

static TesseraCarryOp c_op;
static unsigned c_bits;
static bool c_const, c_g8;
static uint64_t c_x, c_y, c_cin;

static int emit_carry(ToyEnv *e, TesseraIR *b, uint64_t pc)
{
    (void)e;
    TesseraVal t = tessera_ir_temp(b);
    TesseraVal y = c_const ? tessera_ir_const(b, c_y)
                           : tessera_ir_global(b, TOY_S(1));
    tessera_ir_insn_start(b, pc, 4, 1);
    tessera_ir_carry(b, c_op, c_bits, t, tessera_ir_global(b, TOY_S(0)), y,
                     tessera_ir_global(b, TOY_S(4)));
    if (c_g8)
        tessera_ir_mov(b, TESSERA_I64,
                       tessera_ir_global_sized(b, TOY_S(3), TESSERA_MO_8),
                       t);
    tessera_ir_mov(b, TESSERA_I64, tessera_ir_global(b, TOY_S(2)), t);
    tessera_ir_exit_loop(b, pc + 4);
    return 0;
}

static uint64_t carry_ref(TesseraCarryOp op, unsigned bits, uint64_t x,
                          uint64_t y, uint64_t cin)
{
    unsigned __int128 m = ((unsigned __int128)1 << bits) - 1;
    unsigned __int128 ux = x & m, uy = y & m;
    __int128 half = (__int128)1 << (bits - 1);
    __int128 sx = ux >= (unsigned __int128)half ? (__int128)ux - 2 * half
                                                 : (__int128)ux;
    __int128 sy = uy >= (unsigned __int128)half ? (__int128)uy - 2 * half
                                                 : (__int128)uy;
    __int128 r;
    switch (op) {
    case TESSERA_ADDC: return (uint64_t)((ux + uy + cin) & m);
    case TESSERA_SUBC: return (uint64_t)((ux - uy - cin) & m);
    case TESSERA_ADD_CARRY: return (uint64_t)(((ux + uy + cin) >> bits) & 1);
    case TESSERA_SUB_BORROW: return ux < uy + cin;
    case TESSERA_ADD_OVERFLOW:
        r = sx + sy + (__int128)cin;
        return r < -half || r >= half;
    case TESSERA_SUB_OVERFLOW:
        r = sx - sy - (__int128)cin;
        return r < -half || r >= half;
    }
    return 0;
}

static void test_carry_forms(void)
{
    static const unsigned widths[] = {1, 4, 7, 8, 16, 32, 64};
    static const uint64_t vals[] = {0, 1, 0x7f, 0x80, 0xff, 0x8000, 0xffff,
                                    0x12345678, 0x80000000, 0xffffffff,
                                    0x8000000000000000ull, ~0ull};
    for (unsigned op = TESSERA_ADDC; op <= TESSERA_SUB_OVERFLOW; op++)
        for (unsigned wi = 0; wi < 7; wi++)
            for (unsigned xi = 0; xi < 12; xi++)
                for (unsigned yi = 0; yi < 12; yi += 1 + xi % 3)
                    for (unsigned form = 0; form < 4; form++) {
                        c_op = (TesseraCarryOp)op;
                        c_bits = widths[wi];
                        c_const = form & 1;
                        c_g8 = form & 2;
                        c_x = vals[xi];
                        c_y = vals[yi];
                        c_cin = (xi + yi) & 1;
                        env->scratch[0] = c_x;
                        env->scratch[1] = c_y;
                        env->scratch[4] = c_cin;
                        env->scratch[2] = 0xdead;
                        env->scratch[3] = 0xffffffffffffffffull;
                        run(emit_carry);
                        uint64_t want = carry_ref(c_op, c_bits, c_x, c_y,
                                                  c_cin);
                        CU_ASSERT_EQUAL(env->scratch[2], want);
                        if (c_g8)
                            CU_ASSERT_EQUAL(env->scratch[3],
                                            0xffffffffffffff00ull |
                                                (uint8_t)want);
                    }
}

/* ---------------------------------------------------------------------- */
/* Binary operations                                                       */

static TesseraBinop t_op;
static TesseraWidth t_w;
static int t_form; /* 0: reg,reg  1: reg,const  2: const,reg */
static uint64_t t_x, t_y;

static int emit_binop(ToyEnv *e, TesseraIR *b, uint64_t pc)
{
    TesseraVal x = t_form == 2 ? tessera_ir_const(b, t_x)
                               : tessera_ir_global(b, TOY_S(0));
    TesseraVal y = t_form == 1 ? tessera_ir_const(b, t_y)
                               : tessera_ir_global(b, TOY_S(1));
    tessera_ir_insn_start(b, pc, 4, 1);
    tessera_ir_binop(b, t_op, t_w, tessera_ir_global(b, TOY_S(2)), x, y);
    tessera_ir_exit_loop(b, pc + 4);
    return 0;
}

static uint64_t binop(TesseraBinop op, TesseraWidth w, int form, uint64_t x,
                      uint64_t y)
{
    t_op = op;
    t_w = w;
    t_form = form;
    t_x = x;
    t_y = y;
    env->scratch[0] = x;
    env->scratch[1] = y;
    env->scratch[2] = 0xdeadbeefdeadbeefull;
    run(emit_binop);
    return env->scratch[2];
}

/* Checks all three operand forms give want. */
#define CHECK_BINOP(op, w, x, y, want)                                  \
    do {                                                                \
        for (int f_ = 0; f_ < 3; f_++)                                  \
            CU_ASSERT_EQUAL(binop(op, w, f_, x, y), (uint64_t)(want));  \
    } while (0)

static void test_binop_basic(void)
{
    CHECK_BINOP(TESSERA_ADD, TESSERA_I64, 5, 7, 12);
    CHECK_BINOP(TESSERA_ADD, TESSERA_I32, 0xffffffffull, 1, 0);
    CHECK_BINOP(TESSERA_ADD, TESSERA_I32, 0x1234500000001ull, 2, 3);
    CHECK_BINOP(TESSERA_SUB, TESSERA_I64, 5, 7, (uint64_t)-2);
    CHECK_BINOP(TESSERA_SUB, TESSERA_I32, 5, 7, 0xfffffffeull);
    CHECK_BINOP(TESSERA_MUL, TESSERA_I64, 0x100000000ull, 0x100000000ull, 0);
    CHECK_BINOP(TESSERA_MUL, TESSERA_I32, 0x10000, 0x10001, 0x10000);
    CHECK_BINOP(TESSERA_AND, TESSERA_I64, 0xff00ff00ff00ff00ull,
                0x0ff00ff00ff00ff0ull, 0x0f000f000f000f00ull);
    CHECK_BINOP(TESSERA_OR, TESSERA_I32, 0xff00000000000001ull, 2, 3);
    CHECK_BINOP(TESSERA_XOR, TESSERA_I64, 0xffull, 0x0full, 0xf0);
}

static void test_binop_mulh(void)
{
    CHECK_BINOP(TESSERA_MULH, TESSERA_I64, (uint64_t)-2, 3, UINT64_MAX);
    CHECK_BINOP(TESSERA_MULHU, TESSERA_I64, (uint64_t)-2, 3, 2);
    CHECK_BINOP(TESSERA_MULH, TESSERA_I64, INT64_MIN, INT64_MIN,
                0x4000000000000000ull);
    CHECK_BINOP(TESSERA_MULH, TESSERA_I32, 0xfffffffe, 3, 0xffffffff);
    CHECK_BINOP(TESSERA_MULHU, TESSERA_I32, 0xfffffffe, 3, 2);
}

static void test_binop_div(void)
{
    /* The IR leaves x/0 and MIN/-1 unspecified; whatever the backends give
     * must agree with the optimiser's folding (lockstep compares backends)
     * and never trap the host. Ours: x/0 all ones, x%0 x, MIN/-1 MIN. */
    CHECK_BINOP(TESSERA_DIV, TESSERA_I64, 7, 0, UINT64_MAX);
    CHECK_BINOP(TESSERA_DIVU, TESSERA_I64, 7, 0, UINT64_MAX);
    CHECK_BINOP(TESSERA_REM, TESSERA_I64, 7, 0, 7);
    CHECK_BINOP(TESSERA_REMU, TESSERA_I64, 7, 0, 7);
    CHECK_BINOP(TESSERA_DIV, TESSERA_I64, INT64_MIN, (uint64_t)-1, INT64_MIN);
    CHECK_BINOP(TESSERA_REM, TESSERA_I64, INT64_MIN, (uint64_t)-1, 0);
    CHECK_BINOP(TESSERA_DIV, TESSERA_I64, (uint64_t)-7, 2, (uint64_t)-3);
    CHECK_BINOP(TESSERA_REM, TESSERA_I64, (uint64_t)-7, 2, (uint64_t)-1);
    CHECK_BINOP(TESSERA_DIVU, TESSERA_I64, (uint64_t)-7, 2,
                0x7ffffffffffffffcull);
    CHECK_BINOP(TESSERA_REMU, TESSERA_I64, (uint64_t)-7, 2, 1);

    CHECK_BINOP(TESSERA_DIV, TESSERA_I32, 7, 0, 0xffffffff);
    CHECK_BINOP(TESSERA_DIVU, TESSERA_I32, 7, 0, 0xffffffff);
    CHECK_BINOP(TESSERA_REM, TESSERA_I32, 0x500000007ull, 0, 7);
    CHECK_BINOP(TESSERA_REMU, TESSERA_I32, 7, 0, 7);
    CHECK_BINOP(TESSERA_DIV, TESSERA_I32, 0x80000000, 0xffffffff, 0x80000000);
    CHECK_BINOP(TESSERA_REM, TESSERA_I32, 0x80000000, 0xffffffff, 0);
    CHECK_BINOP(TESSERA_DIV, TESSERA_I32, 0xfffffff9, 2, 0xfffffffd);
    CHECK_BINOP(TESSERA_REM, TESSERA_I32, 0xfffffff9, 2, 0xffffffff);
    CHECK_BINOP(TESSERA_DIVU, TESSERA_I32, 0xfffffff9, 2, 0x7ffffffc);
    /* The high half of the 64-bit inputs is ignored at I32. */
    CHECK_BINOP(TESSERA_DIVU, TESSERA_I32, 0xabcd000000000010ull,
                0x1234000000000004ull, 4);
}

static void test_binop_shift(void)
{
    /* Counts are taken modulo the width. */
    CHECK_BINOP(TESSERA_SHL, TESSERA_I64, 1, 65, 2);
    CHECK_BINOP(TESSERA_SHL, TESSERA_I64, 1, 63, 0x8000000000000000ull);
    CHECK_BINOP(TESSERA_SHR, TESSERA_I64, 0x8000000000000000ull, 127, 1);
    CHECK_BINOP(TESSERA_SAR, TESSERA_I64, 0x8000000000000000ull, 63,
                UINT64_MAX);
    CHECK_BINOP(TESSERA_SHL, TESSERA_I32, 1, 33, 2);
    CHECK_BINOP(TESSERA_SHL, TESSERA_I32, 3, 31, 0x80000000);
    CHECK_BINOP(TESSERA_SHR, TESSERA_I32, 0xff80000000ull, 31, 1);
    CHECK_BINOP(TESSERA_SAR, TESSERA_I32, 0x80000000, 4, 0xf8000000);
    CHECK_BINOP(TESSERA_SAR, TESSERA_I32, 0x80000000, 36, 0xf8000000);
    CHECK_BINOP(TESSERA_ROTL, TESSERA_I64, 0x8000000000000001ull, 1, 3);
    CHECK_BINOP(TESSERA_ROTR, TESSERA_I64, 3, 1, 0x8000000000000001ull);
    CHECK_BINOP(TESSERA_ROTL, TESSERA_I64, 0x1234, 64, 0x1234);
    CHECK_BINOP(TESSERA_ROTL, TESSERA_I32, 0x80000001, 1, 3);
    CHECK_BINOP(TESSERA_ROTR, TESSERA_I32, 3, 1, 0x80000001);
    CHECK_BINOP(TESSERA_ROTR, TESSERA_I32, 0x12345678, 32, 0x12345678);
    CHECK_BINOP(TESSERA_ROTR, TESSERA_I32, 0x12345678, 4, 0x81234567);
}

/* Cross-check every op, width and form against the reference rules. */
static void test_binop_all(void)
{
    static const uint64_t vals[] = {
        0, 1, 2, 3, 31, 32, 63, 64, 0x7f, 0x80, 0xff, 0x7fffffff,
        0x80000000, 0xffffffff, 0x100000000ull, 0x7fffffffffffffffull,
        0x8000000000000000ull, UINT64_MAX, 0x123456789abcdef0ull,
        (uint64_t)-7,
    };
    unsigned n = sizeof(vals) / sizeof(vals[0]);
    unsigned bad = 0;
    for (int op = TESSERA_ADD; op <= TESSERA_ROTR; op++)
        for (int w = 0; w < 2; w++)
            for (unsigned i = 0; i < n; i += 3)
                for (unsigned j = 0; j < n; j++)
                    for (int f = 0; f < 3; f++)
                        if (binop(op, w, f, vals[i], vals[j]) !=
                            ir_eval_binop(op, w, vals[i], vals[j]))
                            bad++;
    CU_ASSERT_EQUAL(bad, 0);
}

/* 32-bit op, then sign extension: fused into one op (RV64 "w" ops). */
static bool t_via_temp;
static TesseraUnop u_op;
static int emit_binop_sext(ToyEnv *e, TesseraIR *b, uint64_t pc)
{
    TesseraVal x = t_form == 2 ? tessera_ir_const(b, t_x)
                               : tessera_ir_global(b, TOY_S(0));
    TesseraVal y = t_form == 1 ? tessera_ir_const(b, t_y)
                               : tessera_ir_global(b, TOY_S(1));
    TesseraVal d = tessera_ir_global(b, TOY_S(2));
    TesseraVal r = t_via_temp ? tessera_ir_temp(b) : d;
    tessera_ir_insn_start(b, pc, 4, 1);
    tessera_ir_binop(b, t_op, TESSERA_I32, r, x, y);
    tessera_ir_unop(b, TESSERA_EXT32S, TESSERA_I64, d, r);
    tessera_ir_exit_loop(b, pc + 4);
    return 0;
}

static void test_binop_sext(void)
{
    static const uint64_t vals[] = {0, 1, 5, 31, 0x7fffffff, 0x80000000,
                                    0xffffffff, 0x123456789abcdef0ull,
                                    (uint64_t)-7};
    unsigned n = sizeof(vals) / sizeof(vals[0]), bad = 0;
    for (int op = TESSERA_ADD; op <= TESSERA_ROTR; op++)
        for (unsigned i = 0; i < n; i++)
            for (unsigned j = 0; j < n; j++)
                for (int f = 0; f < 3; f++)
                    for (int via = 0; via < 2; via++) {
                        t_op = op;
                        t_form = f;
                        t_via_temp = via;
                        t_x = vals[i];
                        t_y = vals[j];
                        env->scratch[0] = vals[i];
                        env->scratch[1] = vals[j];
                        run(emit_binop_sext);
                        uint64_t want = (uint64_t)(int64_t)(int32_t)
                            ir_eval_binop(op, TESSERA_I32, vals[i], vals[j]);
                        if (env->scratch[2] != want)
                            bad++;
                    }
    CU_ASSERT_EQUAL(bad, 0);
}

static int emit_unop_sext(ToyEnv *e, TesseraIR *b, uint64_t pc)
{
    TesseraVal d = tessera_ir_global(b, TOY_S(2));
    tessera_ir_insn_start(b, pc, 4, 1);
    if (t_form)
        tessera_ir_mov(b, TESSERA_I32, d, tessera_ir_global(b, TOY_S(0)));
    else
        tessera_ir_unop(b, u_op, TESSERA_I32, d,
                        tessera_ir_global(b, TOY_S(0)));
    tessera_ir_unop(b, TESSERA_EXT32S, TESSERA_I64, d, d);
    tessera_ir_exit_loop(b, pc + 4);
    return 0;
}

static void test_unop_sext(void)
{
    static const uint64_t vals[] = {0, 1, 0x7f, 0x80, 0x8000, 0x7fffffff,
                                    0x80000000, 0xfedcba9876543210ull};
    unsigned bad = 0;
    for (int op = TESSERA_NEG; op <= TESSERA_EXT16U; op++)
        for (unsigned i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
            u_op = op;
            t_form = 0;
            env->scratch[0] = vals[i];
            run(emit_unop_sext);
            if (env->scratch[2] != (uint64_t)(int64_t)(int32_t)
                    ir_eval_unop(op, TESSERA_I32, vals[i]))
                bad++;
        }
    CU_ASSERT_EQUAL(bad, 0);
    /* mov_i32 + ext32s is sext.w */
    t_form = 1;
    env->scratch[0] = 0x1234567880000001ull;
    run(emit_unop_sext);
    CU_ASSERT_EQUAL(env->scratch[2], 0xffffffff80000001ull);
}

/* ---------------------------------------------------------------------- */
/* Unary operations, setcond, select, brcond                               */

static int emit_unop(ToyEnv *e, TesseraIR *b, uint64_t pc)
{
    tessera_ir_insn_start(b, pc, 4, 1);
    tessera_ir_unop(b, u_op, t_w, tessera_ir_global(b, TOY_S(2)),
                    t_form ? tessera_ir_const(b, t_x)
                           : tessera_ir_global(b, TOY_S(0)));
    tessera_ir_exit_loop(b, pc + 4);
    return 0;
}

static uint64_t unop(TesseraUnop op, TesseraWidth w, uint64_t x)
{
    uint64_t r[2];
    u_op = op;
    t_w = w;
    t_x = x;
    for (int f = 0; f < 2; f++) {
        t_form = f;
        env->scratch[0] = x;
        env->scratch[2] = 0xdeadbeef;
        run(emit_unop);
        r[f] = env->scratch[2];
    }
    CU_ASSERT_EQUAL(r[0], r[1]);
    return r[0];
}

static void test_unop(void)
{
    CU_ASSERT_EQUAL(unop(TESSERA_NEG, TESSERA_I64, 1), UINT64_MAX);
    CU_ASSERT_EQUAL(unop(TESSERA_NEG, TESSERA_I32, 1), 0xffffffff);
    CU_ASSERT_EQUAL(unop(TESSERA_NOT, TESSERA_I64, 0), UINT64_MAX);
    CU_ASSERT_EQUAL(unop(TESSERA_NOT, TESSERA_I32, 0xff00000000ull),
                    0xffffffff);
    CU_ASSERT_EQUAL(unop(TESSERA_EXT8S, TESSERA_I64, 0x180), UINT64_MAX - 0x7f);
    CU_ASSERT_EQUAL(unop(TESSERA_EXT8S, TESSERA_I32, 0x80), 0xffffff80);
    CU_ASSERT_EQUAL(unop(TESSERA_EXT8U, TESSERA_I64, 0x1ff), 0xff);
    CU_ASSERT_EQUAL(unop(TESSERA_EXT16S, TESSERA_I64, 0x8000),
                    0xffffffffffff8000ull);
    CU_ASSERT_EQUAL(unop(TESSERA_EXT16S, TESSERA_I32, 0x8000), 0xffff8000);
    CU_ASSERT_EQUAL(unop(TESSERA_EXT16U, TESSERA_I32, 0x18001), 0x8001);
    CU_ASSERT_EQUAL(unop(TESSERA_EXT32S, TESSERA_I64, 0x80000000),
                    0xffffffff80000000ull);
    CU_ASSERT_EQUAL(unop(TESSERA_EXT32U, TESSERA_I64, 0xffffffff80000000ull),
                    0x80000000);
}

static TesseraCond c_cond;
static int emit_setcond(ToyEnv *e, TesseraIR *b, uint64_t pc)
{
    /* Forms: reg/reg, reg/const, const/reg. */
    TesseraVal x = t_form == 2 ? tessera_ir_const(b, t_x)
                               : tessera_ir_global(b, TOY_S(0));
    TesseraVal y = t_form == 1 ? tessera_ir_const(b, t_y)
                               : tessera_ir_global(b, TOY_S(1));
    tessera_ir_insn_start(b, pc, 4, 1);
    tessera_ir_setcond(b, c_cond, t_w, tessera_ir_global(b, TOY_S(2)), x, y);
    tessera_ir_select(b, c_cond, t_w, tessera_ir_global(b, TOY_S(3)), x, y,
                      tessera_ir_global(b, TOY_S(4)),
                      tessera_ir_const(b, 0x5555555555555555ull));
    TesseraLabel l = tessera_ir_label_new(b);
    tessera_ir_brcond(b, c_cond, t_w, x, y, l);
    tessera_ir_exit_loop(b, pc + 4);
    tessera_ir_label_set(b, l);
    tessera_ir_exit_loop(b, pc + 8);
    return 0;
}

/* Runs setcond, select and brcond; all must agree with want. */
static void check_cond(TesseraCond c, TesseraWidth w, uint64_t x, uint64_t y,
                       bool want)
{
    c_cond = c;
    t_w = w;
    t_x = x;
    t_y = y;
    for (int f = 0; f < 3; f++) {
        t_form = f;
        env->scratch[0] = x;
        env->scratch[1] = y;
        env->scratch[2] = 77;
        env->scratch[4] = 0xaaaaaaaaaaaaaaaaull;
        run(emit_setcond);
        CU_ASSERT_EQUAL(env->scratch[2], want);
        uint64_t sel = want ? 0xaaaaaaaaaaaaaaaaull : 0x5555555555555555ull;
        if (w == TESSERA_I32)
            sel &= 0xffffffff;
        CU_ASSERT_EQUAL(env->scratch[3], sel);
        CU_ASSERT_EQUAL(tessera_cpu_get_pc(cpu), want ? PC0 + 8 : PC0 + 4);
    }
}

/* The usual block end: brcond, goto, label, goto (one fused op). */
static int emit_branch_end(ToyEnv *e, TesseraIR *b, uint64_t pc)
{
    TesseraVal x = t_form == 2 ? tessera_ir_const(b, t_x)
                               : tessera_ir_global(b, TOY_S(0));
    TesseraVal y = t_form == 1 ? tessera_ir_const(b, t_y)
                               : tessera_ir_global(b, TOY_S(1));
    TesseraLabel l = tessera_ir_label_new(b);
    tessera_ir_insn_start(b, pc, 4, 1);
    tessera_ir_brcond(b, c_cond, t_w, x, y, l);
    tessera_ir_goto(b, 0x5000);
    tessera_ir_label_set(b, l);
    tessera_ir_goto(b, 0x6000);
    return 0;
}

static void check_cond(TesseraCond c, TesseraWidth w, uint64_t x, uint64_t y,
                       bool want);

static void check_branch_end(TesseraCond c, TesseraWidth w, uint64_t x,
                             uint64_t y, bool want)
{
    c_cond = c;
    t_w = w;
    t_x = x;
    t_y = y;
    for (int f = 0; f < 3; f++) {
        t_form = f;
        env->scratch[0] = x;
        env->scratch[1] = y;
        run(emit_branch_end);
        CU_ASSERT_EQUAL(tessera_cpu_get_pc(cpu), want ? 0x6000 : 0x5000);
    }
    check_cond(c, w, x, y, want);
}

static void test_conditions(void)
{
    check_branch_end(TESSERA_EQ, TESSERA_I64, 5, 5, true);
    check_branch_end(TESSERA_EQ, TESSERA_I64, 5, 0x100000005ull, false);
    check_branch_end(TESSERA_EQ, TESSERA_I32, 5, 0x100000005ull, true);
    check_branch_end(TESSERA_NE, TESSERA_I64, 5, 6, true);
    check_branch_end(TESSERA_NE, TESSERA_I32, 0xff00000006ull, 6, false);
    check_branch_end(TESSERA_LT, TESSERA_I64, (uint64_t)-1, 0, true);
    check_branch_end(TESSERA_LT, TESSERA_I32, 0xffffffff, 0, true);
    check_branch_end(TESSERA_LT, TESSERA_I64, 0xffffffff, 0, false);
    check_branch_end(TESSERA_GE, TESSERA_I64, 0, (uint64_t)-1, true);
    check_branch_end(TESSERA_GE, TESSERA_I32, 0x80000000, 0x7fffffff, false);
    check_branch_end(TESSERA_LE, TESSERA_I64, 3, 3, true);
    check_branch_end(TESSERA_LE, TESSERA_I64, 4, 3, false);
    check_branch_end(TESSERA_GT, TESSERA_I32, 1, 0x80000000, true);
    check_branch_end(TESSERA_GT, TESSERA_I64, 1, 0x80000000, false);
    check_branch_end(TESSERA_LTU, TESSERA_I64, 0, (uint64_t)-1, true);
    check_branch_end(TESSERA_LTU, TESSERA_I32, 0x1ffffffffull, 0x100000000ull, false);
    check_branch_end(TESSERA_GEU, TESSERA_I64, (uint64_t)-1, 0, true);
    check_branch_end(TESSERA_GEU, TESSERA_I32, 1, 2, false);
    check_branch_end(TESSERA_LEU, TESSERA_I64, 2, 2, true);
    check_branch_end(TESSERA_LEU, TESSERA_I32, 0xffffffff, 0, false);
    check_branch_end(TESSERA_GTU, TESSERA_I64, 0x8000000000000000ull, 1, true);
    check_branch_end(TESSERA_GTU, TESSERA_I32, 0x100000000ull, 0, false);
}

static int emit_mov(ToyEnv *e, TesseraIR *b, uint64_t pc)
{
    tessera_ir_insn_start(b, pc, 4, 1);
    tessera_ir_mov(b, TESSERA_I64, tessera_ir_global(b, TOY_S(2)),
                   tessera_ir_global(b, TOY_S(0)));
    tessera_ir_mov(b, TESSERA_I32, tessera_ir_global(b, TOY_S(3)),
                   tessera_ir_global(b, TOY_S(0)));
    tessera_ir_mov(b, TESSERA_I32, tessera_ir_global(b, TOY_S(4)),
                   tessera_ir_const(b, 0x123456789ull));
    tessera_ir_mov(b, TESSERA_I64, tessera_ir_global(b, TOY_S(5)),
                   tessera_ir_const(b, 0x123456789ull));
    tessera_ir_exit_loop(b, pc + 4);
    return 0;
}

static void test_mov(void)
{
    env->scratch[0] = 0xfedcba9876543210ull;
    run(emit_mov);
    CU_ASSERT_EQUAL(env->scratch[2], 0xfedcba9876543210ull);
    CU_ASSERT_EQUAL(env->scratch[3], 0x76543210);
    CU_ASSERT_EQUAL(env->scratch[4], 0x23456789);
    CU_ASSERT_EQUAL(env->scratch[5], 0x123456789ull);
}

/* Temps, chains of ops and branches inside one block. */
static int emit_temps(ToyEnv *e, TesseraIR *b, uint64_t pc)
{
    TesseraVal t[40];
    TesseraVal s0 = tessera_ir_global(b, TOY_S(0));
    tessera_ir_insn_start(b, pc, 4, 1);
    for (int i = 0; i < 40; i++) {
        t[i] = tessera_ir_temp(b);
        tessera_ir_binop(b, TESSERA_ADD, TESSERA_I64, t[i], s0,
                         tessera_ir_const(b, (uint64_t)i));
    }
    /* Sum them all so every temp stays live across the others. */
    TesseraVal sum = tessera_ir_temp(b);
    tessera_ir_mov(b, TESSERA_I64, sum, tessera_ir_const(b, 0));
    for (int i = 0; i < 40; i++)
        tessera_ir_binop(b, TESSERA_ADD, TESSERA_I64, sum, sum, t[i]);
    TesseraLabel l = tessera_ir_label_new(b);
    tessera_ir_brcond(b, TESSERA_EQ, TESSERA_I64, s0, tessera_ir_const(b, 0),
                      l);
    tessera_ir_binop(b, TESSERA_MUL, TESSERA_I64, sum, sum,
                     tessera_ir_const(b, 2));
    tessera_ir_label_set(b, l);
    tessera_ir_mov(b, TESSERA_I64, tessera_ir_global(b, TOY_S(2)), sum);
    tessera_ir_exit_loop(b, pc + 4);
    return 0;
}

static void test_temps_and_labels(void)
{
    env->scratch[0] = 10;
    run(emit_temps);
    CU_ASSERT_EQUAL(env->scratch[2], 2 * (40 * 10 + 39 * 40 / 2));
    env->scratch[0] = 0;
    run(emit_temps);
    CU_ASSERT_EQUAL(env->scratch[2], 39 * 40 / 2);
}

/* ---------------------------------------------------------------------- */
/* Loads and stores                                                        */

static unsigned m_memop, m_mmu;
static int64_t m_off;

static int emit_load(ToyEnv *e, TesseraIR *b, uint64_t pc)
{
    tessera_ir_insn_start(b, pc, 4, 1);
    tessera_ir_mov(b, TESSERA_I64, tessera_ir_global(b, TOY_R(1)),
                   tessera_ir_const(b, 1));
    tessera_ir_insn_start(b, pc + 4, 4, 1);
    tessera_ir_load(b, tessera_ir_global(b, TOY_S(2)),
                    tessera_ir_global(b, TOY_S(0)), m_off, m_memop, m_mmu);
    tessera_ir_exit_loop(b, pc + 8);
    return 0;
}

static int emit_store(ToyEnv *e, TesseraIR *b, uint64_t pc)
{
    tessera_ir_insn_start(b, pc, 4, 1);
    tessera_ir_mov(b, TESSERA_I64, tessera_ir_global(b, TOY_R(1)),
                   tessera_ir_const(b, 1));
    tessera_ir_insn_start(b, pc + 4, 4, 1);
    tessera_ir_store(b, tessera_ir_global(b, TOY_S(1)),
                     tessera_ir_global(b, TOY_S(0)), m_off, m_memop, m_mmu);
    tessera_ir_exit_loop(b, pc + 8);
    return 0;
}

static uint64_t load_on(Cpu *c, uint64_t addr, unsigned memop)
{
    ToyEnv *e = tessera_cpu_env(c);
    m_memop = memop;
    m_mmu = 0;
    m_off = 0;
    e->scratch[0] = addr;
    e->scratch[2] = 0xdead;
    run_on(c, emit_load);
    return e->scratch[2];
}

static uint64_t load(uint64_t addr, unsigned memop)
{
    return load_on(cpu, addr, memop);
}

static void store_on(Cpu *c, uint64_t addr, uint64_t v, unsigned memop)
{
    ToyEnv *e = tessera_cpu_env(c);
    m_memop = memop;
    m_mmu = 0;
    m_off = 0;
    e->scratch[0] = addr;
    e->scratch[1] = v;
    run_on(c, emit_store);
}

static void store(uint64_t addr, uint64_t v, unsigned memop)
{
    store_on(cpu, addr, v, memop);
}

static const uint8_t pattern[16] = {0x88, 0x77, 0x66, 0x55, 0x44, 0x33,
                                    0x22, 0x91, 0x01, 0x02, 0x03, 0x04,
                                    0x05, 0x06, 0x07, 0x08};

static void test_load_sizes(void)
{
    CU_ASSERT_TRUE(bus_write_buf(0x8000, pattern, sizeof(pattern)));
    tessera_tlb_flush(cpu);
    /* Twice: a TLB miss then a hit. */
    for (int k = 0; k < 2; k++) {
        CU_ASSERT_EQUAL(load(0x8000, TESSERA_MO_8), 0x88);
        CU_ASSERT_EQUAL(load(0x8000, TESSERA_MO_8 | TESSERA_MO_SIGN),
                        0xffffffffffffff88ull);
        CU_ASSERT_EQUAL(load(0x8001, TESSERA_MO_8 | TESSERA_MO_SIGN), 0x77);
        CU_ASSERT_EQUAL(load(0x8000, TESSERA_MO_16), 0x7788);
        CU_ASSERT_EQUAL(load(0x8000, TESSERA_MO_16 | TESSERA_MO_SIGN),
                        0x7788);
        CU_ASSERT_EQUAL(load(0x8006, TESSERA_MO_16 | TESSERA_MO_SIGN),
                        0xffffffffffff9122ull);
        CU_ASSERT_EQUAL(load(0x8000, TESSERA_MO_32), 0x55667788);
        CU_ASSERT_EQUAL(load(0x8004, TESSERA_MO_32 | TESSERA_MO_SIGN),
                        0xffffffff91223344ull);
        CU_ASSERT_EQUAL(load(0x8004, TESSERA_MO_32), 0x91223344);
        CU_ASSERT_EQUAL(load(0x8000, TESSERA_MO_64), 0x9122334455667788ull);
        CU_ASSERT_EQUAL(load(0x8003, TESSERA_MO_64), 0x0302019122334455ull);
    }
    /* The memory offset operand. */
    m_off = 8;
    env->scratch[0] = 0x8000;
    m_memop = TESSERA_MO_32;
    toy_custom = emit_load;
    tcache_flush();
    tessera_cpu_set_pc(cpu, PC0);
    cpu_exec(cpu, 1);
    toy_custom = NULL;
    CU_ASSERT_EQUAL(env->scratch[2], 0x04030201);

    /* A displacement beyond 32 bits. */
    m_off = 0x100000000ll;
    env->scratch[0] = 0x8004 - 0x100000000ull;
    toy_custom = emit_load;
    tcache_flush();
    tessera_cpu_set_pc(cpu, PC0);
    cpu_exec(cpu, 1);
    toy_custom = NULL;
    CU_ASSERT_EQUAL(env->scratch[2], 0x91223344);
    m_off = 0;
}

static void test_store_sizes(void)
{
    uint8_t buf[16];
    memset(buf, 0, sizeof(buf));
    CU_ASSERT_TRUE(bus_write_buf(0x9000, buf, sizeof(buf)));
    store(0x9000, 0x1122334455667788ull, TESSERA_MO_64);
    store(0x9008, 0xaabbccdd, TESSERA_MO_32);
    store(0x900c, 0xeeff1234, TESSERA_MO_16);
    store(0x900e, 0x56, TESSERA_MO_8);
    CU_ASSERT_TRUE(bus_read_buf(0x9000, buf, sizeof(buf)));
    static const uint8_t want[16] = {0x88, 0x77, 0x66, 0x55, 0x44, 0x33,
                                     0x22, 0x11, 0xdd, 0xcc, 0xbb, 0xaa,
                                     0x34, 0x12, 0x56, 0x00};
    CU_ASSERT_EQUAL(memcmp(buf, want, 16), 0);
    /* Misaligned without MO_ALIGN is fine. */
    store(0x9001, 0xcafe, TESSERA_MO_16);
    CU_ASSERT_EQUAL(load(0x9001, TESSERA_MO_16), 0xcafe);
    CU_ASSERT_EQUAL(env->faults, 0);
}

static void test_page_crossing(void)
{
    /* 0x2ffd..0x3004 spans two pages: slow path, byte by byte. */
    store(0x2ffd, 0x0102030405060708ull, TESSERA_MO_64);
    CU_ASSERT_EQUAL(load(0x2ffd, TESSERA_MO_64), 0x0102030405060708ull);
    CU_ASSERT_EQUAL(load(0x2fff, TESSERA_MO_32), 0x03040506);
    CU_ASSERT_EQUAL(load(0x3000, TESSERA_MO_8), 0x05);
    CU_ASSERT_EQUAL(env->faults, 0);
}

static void test_big_endian(void)
{
    Cpu *be = cpu_new(&toy_arch_be, NULL, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(be);
    ToyEnv *e = tessera_cpu_env(be);
    CU_ASSERT_TRUE(bus_write_buf(0xa000, pattern, sizeof(pattern)));
    CU_ASSERT_EQUAL(load_on(be, 0xa000, TESSERA_MO_32), 0x88776655);
    CU_ASSERT_EQUAL(load_on(be, 0xa000, TESSERA_MO_16 | TESSERA_MO_SIGN),
                    0xffffffffffff8877ull);
    CU_ASSERT_EQUAL(load_on(be, 0xa000, TESSERA_MO_64),
                    0x8877665544332291ull);
    store_on(be, 0xa010, 0x0102030405060708ull, TESSERA_MO_64);
    uint8_t buf[8];
    CU_ASSERT_TRUE(bus_read_buf(0xa010, buf, 8));
    CU_ASSERT_EQUAL(buf[0], 0x01);
    CU_ASSERT_EQUAL(buf[7], 0x08);
    store_on(be, 0xa018, 0xabcd, TESSERA_MO_16);
    CU_ASSERT_TRUE(bus_read_buf(0xa018, buf, 2));
    CU_ASSERT_EQUAL(buf[0], 0xab);
    CU_ASSERT_EQUAL(buf[1], 0xcd);
    /* The slow path swaps too (page crossing). */
    store_on(be, 0x3ffe, 0x11223344, TESSERA_MO_32);
    CU_ASSERT_EQUAL(load_on(be, 0x3ffe, TESSERA_MO_32), 0x11223344);
    CU_ASSERT_TRUE(bus_read_buf(0x3ffe, buf, 4));
    CU_ASSERT_EQUAL(buf[0], 0x11);
    CU_ASSERT_EQUAL(e->faults, 0);
    cpu_free(be);
}

static void test_mmio(void)
{
    memset(&dev, 0, sizeof(dev));
    store(MMIO_BASE + 0x10, 0xabcd1234, TESSERA_MO_32);
    CU_ASSERT_EQUAL(dev.writes, 1);
    CU_ASSERT_EQUAL(dev.last_off, 0x10);
    CU_ASSERT_EQUAL(dev.last_size, 4);
    CU_ASSERT_EQUAL(dev.last_val, 0xabcd1234);
    uint64_t v = load(MMIO_BASE + 0x20, TESSERA_MO_16);
    CU_ASSERT_EQUAL(dev.reads, 1);
    CU_ASSERT_EQUAL(dev.last_off, 0x20);
    CU_ASSERT_EQUAL(dev.last_size, 2);
    CU_ASSERT_EQUAL(v, 0x1122);
    /* Every access goes to the device, TLB entry or not. */
    load(MMIO_BASE + 0x20, TESSERA_MO_16);
    CU_ASSERT_EQUAL(dev.reads, 2);
    CU_ASSERT_EQUAL(env->faults, 0);
}

static void test_mmu_index(void)
{
    /* mmu 1 maps vaddr + 0x10000. */
    env->mmu1_offset = 0x10000;
    uint32_t word = 0x5a5a1234;
    CU_ASSERT_TRUE(bus_write_buf(0x14000, &word, 4));
    m_memop = TESSERA_MO_32;
    m_mmu = 1;
    m_off = 0;
    env->scratch[0] = 0x4000;
    run(emit_load);
    CU_ASSERT_EQUAL(env->scratch[2], 0x5a5a1234);
    env->mmu1_offset = 0;
    tessera_tlb_flush(cpu);
}

/* ---------------------------------------------------------------------- */
/* Faults                                                                  */

static void fault_setup(void)
{
    env->faults = 0;
    env->fault_pc = env->fault_vaddr = 0;
    env->r[1] = 0;
}

static void test_fault_unmapped(void)
{
    fault_setup();
    uint64_t insns = tessera_cpu_insns(cpu);
    uint64_t cycles = tessera_cpu_cycles(cpu);
    CU_ASSERT_EQUAL(load(UNMAPPED + 4, TESSERA_MO_32), 0xdead);
    CU_ASSERT_EQUAL(env->faults, 1);
    CU_ASSERT_EQUAL(env->fault_kind, TESSERA_FAULT_ACCESS);
    CU_ASSERT_EQUAL(env->fault_access, TESSERA_ACCESS_READ);
    CU_ASSERT_EQUAL(env->fault_vaddr, UNMAPPED + 4);
    /* The PC is the load's instruction; only the one before retired. */
    CU_ASSERT_EQUAL(env->fault_pc, PC0 + 4);
    CU_ASSERT_EQUAL(env->fault_insns, insns + 1);
    CU_ASSERT_EQUAL(env->fault_cycles, cycles + 1);
    CU_ASSERT_EQUAL(env->r[1], 1); /* the first instruction ran */
    CU_ASSERT_EQUAL(tessera_cpu_insns(cpu), insns + 1);
    CU_ASSERT_EQUAL(tessera_cpu_cycles(cpu), cycles + 1);
    CU_ASSERT_EQUAL(tessera_cpu_get_pc(cpu), PC0 + 4);
    CU_ASSERT_TRUE(cpu_is_idle(cpu)); /* the toy halts on faults */
    cpu_reset(cpu);
}

static void test_fault_store_partial(void)
{
    /* A store running off the end of RAM faults without writing. */
    uint8_t buf[4] = {1, 2, 3, 4};
    CU_ASSERT_TRUE(bus_write_buf(RAM_SIZE - 4, buf, 4));
    fault_setup();
    store(RAM_SIZE - 4, 0, TESSERA_MO_64);
    CU_ASSERT_EQUAL(env->faults, 1);
    CU_ASSERT_EQUAL(env->fault_access, TESSERA_ACCESS_WRITE);
    CU_ASSERT_EQUAL(env->fault_pc, PC0 + 4);
    CU_ASSERT_TRUE(bus_read_buf(RAM_SIZE - 4, buf, 4));
    CU_ASSERT_EQUAL(buf[0], 1);
    CU_ASSERT_EQUAL(buf[3], 4);
    cpu_reset(cpu);
}

static void test_fault_misaligned(void)
{
    fault_setup();
    load(0x8002, TESSERA_MO_32 | TESSERA_MO_ALIGN);
    CU_ASSERT_EQUAL(env->faults, 1);
    CU_ASSERT_EQUAL(env->fault_kind, TESSERA_FAULT_MISALIGNED);
    CU_ASSERT_EQUAL(env->fault_vaddr, 0x8002);
    cpu_reset(cpu);
    fault_setup();
    store(0x8001, 0, TESSERA_MO_16 | TESSERA_MO_ALIGN);
    CU_ASSERT_EQUAL(env->faults, 1);
    CU_ASSERT_EQUAL(env->fault_kind, TESSERA_FAULT_MISALIGNED);
    CU_ASSERT_EQUAL(env->fault_access, TESSERA_ACCESS_WRITE);
    cpu_reset(cpu);
    /* Aligned ones pass, also on a TLB hit. */
    fault_setup();
    CU_ASSERT_EQUAL(load(0x8004, TESSERA_MO_32 | TESSERA_MO_ALIGN),
                    0x91223344);
    CU_ASSERT_EQUAL(load(0x8004, TESSERA_MO_32 | TESSERA_MO_ALIGN),
                    0x91223344);
    load(0x8006, TESSERA_MO_32 | TESSERA_MO_ALIGN);
    CU_ASSERT_EQUAL(env->faults, 1);
    cpu_reset(cpu);
}

static void test_fault_page(void)
{
    fault_setup();
    env->unmapped_lo = 0x50000;
    env->unmapped_hi = 0x51000;
    tessera_tlb_flush(cpu);
    load(0x50010, TESSERA_MO_8);
    CU_ASSERT_EQUAL(env->faults, 1);
    CU_ASSERT_EQUAL(env->fault_kind, TESSERA_FAULT_PAGE);
    cpu_reset(cpu);
    /* Read-only page: loads work, stores fault. */
    env->unmapped_lo = env->unmapped_hi = 0;
    env->readonly_lo = 0x50000;
    env->readonly_hi = 0x51000;
    fault_setup();
    load(0x50010, TESSERA_MO_8);
    CU_ASSERT_EQUAL(env->faults, 0);
    store(0x50010, 1, TESSERA_MO_8);
    CU_ASSERT_EQUAL(env->faults, 1);
    CU_ASSERT_EQUAL(env->fault_kind, TESSERA_FAULT_PAGE);
    CU_ASSERT_EQUAL(env->fault_access, TESSERA_ACCESS_WRITE);
    env->readonly_lo = env->readonly_hi = 0;
    tessera_tlb_flush(cpu);
    cpu_reset(cpu);
}

/*
 * TESSERA_PROT_NOCACHE: protection that changes inside a page. Without
 * the flag the engine caches the first answer for the whole page; with
 * it every access is translated again, so both sides of a boundary in
 * the same page get their own answer.
 */
static void test_prot_nocache(void)
{
    uint8_t b;

    env->readonly_lo = 0x50100; /* 4 read-only bytes */
    env->readonly_hi = 0x50104;
    env->unmapped_lo = 0x50200; /* 8 unmapped bytes */
    env->unmapped_hi = 0x50208;
    env->nocache = 1;
    tessera_tlb_flush(cpu);

    fault_setup();
    store(0x500fc, 0xa1, TESSERA_MO_8);
    store(0x50104, 0xa2, TESSERA_MO_8);
    CU_ASSERT_EQUAL(env->faults, 0);
    store(0x50100, 0xa3, TESSERA_MO_8);
    CU_ASSERT_EQUAL(env->faults, 1);
    CU_ASSERT_EQUAL(env->fault_kind, TESSERA_FAULT_PAGE);
    CU_ASSERT_EQUAL(env->fault_access, TESSERA_ACCESS_WRITE);
    CU_ASSERT_EQUAL(env->fault_vaddr, 0x50100);
    cpu_reset(cpu);
    CU_ASSERT_TRUE(bus_read_buf(0x500fc, &b, 1));
    CU_ASSERT_EQUAL(b, 0xa1);
    CU_ASSERT_TRUE(bus_read_buf(0x50104, &b, 1));
    CU_ASSERT_EQUAL(b, 0xa2);
    CU_ASSERT_TRUE(bus_read_buf(0x50100, &b, 1));
    CU_ASSERT_NOT_EQUAL(b, 0xa3);

    /* Reads: the read-only bytes load, the unmapped ones fault. */
    fault_setup();
    CU_ASSERT_EQUAL(load(0x50104, TESSERA_MO_8), 0xa2);
    CU_ASSERT_EQUAL(load(0x501fc, TESSERA_MO_8), 0);
    load(0x50204, TESSERA_MO_8);
    CU_ASSERT_EQUAL(env->faults, 1);
    CU_ASSERT_EQUAL(env->fault_kind, TESSERA_FAULT_PAGE);
    CU_ASSERT_EQUAL(env->fault_access, TESSERA_ACCESS_READ);
    CU_ASSERT_EQUAL(env->fault_vaddr, 0x50204);
    cpu_reset(cpu);
    fault_setup();
    load(0x50208, TESSERA_MO_8);
    CU_ASSERT_EQUAL(env->faults, 0);

    /* Every access asks translate_addr again (direct accesses, outside
     * blocks, so code fetches do not count). */
    uint64_t n = env->translations;
    tessera_cpu_load(cpu, 0x50010, TESSERA_MO_32, 0);
    tessera_cpu_load(cpu, 0x50014, TESSERA_MO_32, 0);
    tessera_cpu_store(cpu, 0x50018, 1, TESSERA_MO_32, 0);
    CU_ASSERT_EQUAL(env->translations - n, 3);

    /* Without the flag the page's first answer is cached: the wrong one
     * for the bytes across the boundary, which is why the flag exists. */
    env->nocache = 0;
    tessera_tlb_flush(cpu);
    n = env->translations;
    tessera_cpu_store(cpu, 0x500fc, 0xb1, TESSERA_MO_8, 0);
    tessera_cpu_store(cpu, 0x50100, 0xb2, TESSERA_MO_8, 0);
    CU_ASSERT_EQUAL(env->translations - n, 1);
    CU_ASSERT_TRUE(bus_read_buf(0x50100, &b, 1));
    CU_ASSERT_EQUAL(b, 0xb2);

    env->readonly_lo = env->readonly_hi = 0;
    env->unmapped_lo = env->unmapped_hi = 0;
    tessera_tlb_flush(cpu);
    cpu_reset(cpu);
}

static void test_fault_trap_vector(void)
{
    /* The arch moves the PC to its handler; execution goes on there. */
    static const uint32_t handler[] = {0x00050101 /* LI r1, 5 */, 0x08};
    CU_ASSERT_TRUE(bus_write_buf(0x6000, handler, sizeof(handler)));
    fault_setup();
    env->trap_vector = 0x6000;
    m_memop = TESSERA_MO_32;
    m_mmu = 0;
    m_off = 0;
    env->scratch[0] = UNMAPPED;
    run(emit_load);
    CU_ASSERT_EQUAL(env->faults, 1);
    CU_ASSERT_EQUAL(tessera_cpu_get_pc(cpu), 0x6000);
    cpu_exec(cpu, 100);
    CU_ASSERT_EQUAL(env->r[1], 5);
    CU_ASSERT_TRUE(cpu_is_idle(cpu));
    env->trap_vector = 0;
    cpu_reset(cpu);
}

/* ---------------------------------------------------------------------- */
/* Helpers, counts, exits                                                  */

static uint64_t h_args[4];
static uint64_t helper4(void *e, uint64_t a0, uint64_t a1, uint64_t a2,
                        uint64_t a3)
{
    ToyEnv *te = e;
    h_args[0] = a0;
    h_args[1] = a1;
    h_args[2] = a2;
    h_args[3] = a3;
    te->call_pc = tessera_cpu_get_pc(te->cpu);
    te->call_insns = tessera_cpu_insns(te->cpu);
    te->call_cycles = tessera_cpu_cycles(te->cpu);
    return a0 * 1000 + a1 * 100 + a2 * 10 + a3;
}

static int emit_helper(ToyEnv *e, TesseraIR *b, uint64_t pc)
{
    TesseraVal args[4] = {
        tessera_ir_global(b, TOY_S(0)), tessera_ir_const(b, 2),
        tessera_ir_const(b, 0), tessera_ir_global(b, TOY_S(1))};
    tessera_ir_insn_start(b, pc, 4, 3);
    tessera_ir_insn_start(b, pc + 4, 4, 5);
    tessera_ir_add_cycles(b, 7);
    tessera_ir_insn_start(b, pc + 8, 4, 2);
    tessera_ir_call(b, helper4, 0, tessera_ir_global(b, TOY_S(2)), 4, args);
    tessera_ir_insn_start(b, pc + 12, 4, 11);
    tessera_ir_exit_loop(b, pc + 16);
    return 0;
}

static void test_helper(void)
{
    env->scratch[0] = 1;
    env->scratch[1] = 4;
    uint64_t insns = tessera_cpu_insns(cpu);
    uint64_t cycles = tessera_cpu_cycles(cpu);
    run(emit_helper);
    CU_ASSERT_EQUAL(h_args[0], 1);
    CU_ASSERT_EQUAL(h_args[1], 2);
    CU_ASSERT_EQUAL(h_args[2], 0);
    CU_ASSERT_EQUAL(h_args[3], 4);
    CU_ASSERT_EQUAL(env->scratch[2], 1204);
    /* Inside the helper: the third instruction, two retired, their cycles
     * plus the extra ones. */
    CU_ASSERT_EQUAL(env->call_pc, PC0 + 8);
    CU_ASSERT_EQUAL(env->call_insns, insns + 2);
    CU_ASSERT_EQUAL(env->call_cycles, cycles + 3 + 5 + 7);
    CU_ASSERT_EQUAL(tessera_cpu_insns(cpu), insns + 4);
    CU_ASSERT_EQUAL(tessera_cpu_cycles(cpu), cycles + 3 + 5 + 7 + 2 + 11);
    CU_ASSERT_EQUAL(tessera_cpu_get_pc(cpu), PC0 + 16);
}

static uint64_t pure_calls;
static uint64_t helper_pure(void *e, uint64_t a0, uint64_t a1, uint64_t a2,
                            uint64_t a3)
{
    pure_calls++;
    return a0 + 1;
}

static int emit_pure(ToyEnv *e, TesseraIR *b, uint64_t pc)
{
    TesseraVal a = tessera_ir_global(b, TOY_S(0));
    TesseraVal unused = tessera_ir_temp(b);
    tessera_ir_insn_start(b, pc, 4, 1);
    tessera_ir_call(b, helper_pure, TESSERA_HELPER_PURE, unused, 1, &a);
    tessera_ir_call(b, helper_pure, TESSERA_HELPER_PURE,
                    tessera_ir_global(b, TOY_S(2)), 1, &a);
    tessera_ir_call(b, helper_pure, 0, TESSERA_IR_NONE, 1, &a);
    tessera_ir_exit_loop(b, pc + 4);
    return 0;
}

static void test_helper_pure(void)
{
    pure_calls = 0;
    env->scratch[0] = 41;
    run(emit_pure);
    /* The pure call with an unused result is gone; the others ran. */
    CU_ASSERT_EQUAL(pure_calls, 2);
    CU_ASSERT_EQUAL(env->scratch[2], 42);
}

static uint64_t helper_exit(void *e, uint64_t a0, uint64_t a1, uint64_t a2,
                            uint64_t a3)
{
    ToyEnv *te = e;
    te->scratch[7]++;
    tessera_cpu_set_pc(te->cpu, 0x7777);
    tessera_cpu_exit_loop(te->cpu);
}

static int emit_exit_helper(ToyEnv *e, TesseraIR *b, uint64_t pc)
{
    tessera_ir_insn_start(b, pc, 4, 2);
    tessera_ir_insn_start(b, pc + 4, 4, 3);
    tessera_ir_call(b, helper_exit, 0, TESSERA_IR_NONE, 0, NULL);
    tessera_ir_mov(b, TESSERA_I64, tessera_ir_global(b, TOY_S(6)),
                   tessera_ir_const(b, 99));
    tessera_ir_exit_loop(b, pc + 8);
    return 0;
}

static void test_helper_exit_loop(void)
{
    uint64_t insns = tessera_cpu_insns(cpu);
    uint64_t cycles = tessera_cpu_cycles(cpu);
    env->scratch[6] = 0;
    env->scratch[7] = 0;
    run(emit_exit_helper);
    CU_ASSERT_EQUAL(env->scratch[7], 1);
    CU_ASSERT_EQUAL(env->scratch[6], 0); /* rest of the block abandoned */
    CU_ASSERT_EQUAL(tessera_cpu_get_pc(cpu), 0x7777);
    /* Like a trap: the helper's instruction did not retire. */
    CU_ASSERT_EQUAL(tessera_cpu_insns(cpu), insns + 1);
    CU_ASSERT_EQUAL(tessera_cpu_cycles(cpu), cycles + 2);
}

/* An exit in the middle of the block gives back the pre-committed counts
 * of the instructions it skips. */
static int emit_early_exit(ToyEnv *e, TesseraIR *b, uint64_t pc)
{
    TesseraLabel l = tessera_ir_label_new(b);
    tessera_ir_insn_start(b, pc, 4, 2);
    tessera_ir_brcond(b, TESSERA_NE, TESSERA_I64,
                      tessera_ir_global(b, TOY_S(0)), tessera_ir_const(b, 0),
                      l);
    tessera_ir_add_cycles(b, 10);
    tessera_ir_exit_loop(b, 0x4444);
    tessera_ir_label_set(b, l);
    tessera_ir_insn_start(b, pc + 4, 4, 3);
    tessera_ir_insn_start(b, pc + 8, 4, 4);
    tessera_ir_exit_loop(b, pc + 12);
    return 0;
}

static void test_early_exit_counts(void)
{
    uint64_t insns = tessera_cpu_insns(cpu);
    uint64_t cycles = tessera_cpu_cycles(cpu);
    env->scratch[0] = 0;
    run(emit_early_exit);
    CU_ASSERT_EQUAL(tessera_cpu_get_pc(cpu), 0x4444);
    CU_ASSERT_EQUAL(tessera_cpu_insns(cpu), insns + 1);
    CU_ASSERT_EQUAL(tessera_cpu_cycles(cpu), cycles + 2 + 10);
    env->scratch[0] = 1;
    run(emit_early_exit);
    CU_ASSERT_EQUAL(tessera_cpu_get_pc(cpu), PC0 + 12);
    CU_ASSERT_EQUAL(tessera_cpu_insns(cpu), insns + 1 + 3);
    CU_ASSERT_EQUAL(tessera_cpu_cycles(cpu), cycles + 12 + 2 + 3 + 4);
}

static int emit_goto_dyn(ToyEnv *e, TesseraIR *b, uint64_t pc)
{
    tessera_ir_insn_start(b, pc, 4, 1);
    if (pc == PC0) {
        TesseraVal t = tessera_ir_temp(b);
        tessera_ir_binop(b, TESSERA_ADD, TESSERA_I64, t,
                         tessera_ir_global(b, TOY_S(0)),
                         tessera_ir_const(b, 0x100));
        tessera_ir_goto_dyn(b, t);
    } else {
        tessera_ir_mov(b, TESSERA_I64, tessera_ir_global(b, TOY_S(3)),
                       tessera_ir_const(b, pc));
        tessera_ir_exit_loop(b, pc + 4);
    }
    return 0;
}

static void test_goto_dyn(void)
{
    env->scratch[0] = 0x2000;
    env->scratch[3] = 0;
    toy_custom = emit_goto_dyn;
    tcache_flush();
    tessera_cpu_set_pc(cpu, PC0);
    cpu_exec(cpu, 2);
    toy_custom = NULL;
    CU_ASSERT_EQUAL(env->scratch[3], 0x2100);
    CU_ASSERT_EQUAL(tessera_cpu_get_pc(cpu), 0x2104);
}

/* Translation errors are reported, not executed. */
static int emit_bad(ToyEnv *e, TesseraIR *b, uint64_t pc)
{
    tessera_ir_insn_start(b, pc, 4, 1);
    tessera_ir_mov(b, TESSERA_I64, tessera_ir_global(b, TOY_S(0)),
                   tessera_ir_const(b, 1));
    return 0; /* no exit */
}

static void test_ir_validate(void)
{
    TesseraIR *b = ir_begin(NULL, 0x100, 0, 0);
    tessera_ir_insn_start(b, 0x100, 4, 1);
    tessera_ir_goto(b, 0x104);
    CU_ASSERT_TRUE(ir_validate(b));

    b = ir_begin(NULL, 0x100, 0, 0);
    tessera_ir_goto(b, 0x104);
    CU_ASSERT_FALSE(ir_validate(b)); /* no instruction */

    b = ir_begin(NULL, 0x100, 0, 0);
    tessera_ir_insn_start(b, 0x100, 4, 1);
    TesseraLabel l = tessera_ir_label_new(b);
    tessera_ir_label_set(b, l);
    tessera_ir_brcond(b, TESSERA_EQ, TESSERA_I64, tessera_ir_global(b, 0),
                      tessera_ir_const(b, 0), l);
    tessera_ir_goto(b, 0x104);
    CU_ASSERT_FALSE(ir_validate(b)); /* backward branch */

    b = ir_begin(NULL, 0x100, 0, 0);
    tessera_ir_insn_start(b, 0x100, 4, 1);
    tessera_ir_goto(b, 0x104);
    tessera_ir_mov(b, TESSERA_I64, tessera_ir_global(b, 0),
                   tessera_ir_const(b, 0));
    tessera_ir_goto(b, 0x104);
    CU_ASSERT_FALSE(ir_validate(b)); /* op after an exit */

    /* The engine refuses such a block instead of running it. */
    uint64_t before = tcache_blocks_translated();
    toy_custom = emit_bad;
    tcache_flush();
    tessera_cpu_set_pc(cpu, PC0);
    cpu_exec(cpu, 10);
    toy_custom = NULL;
    CU_ASSERT_EQUAL(tcache_blocks_translated(), before);
}

int main(void)
{
    static const UnitTest tests[] = {
        {"binop basics", test_binop_basic},
        {"mulh variants", test_binop_mulh},
        {"div and rem corner cases", test_binop_div},
        {"shifts and rotates modulo width", test_binop_shift},
        {"all binops, widths and forms", test_binop_all},
        {"32-bit binops with sign extension", test_binop_sext},
        {"32-bit unops with sign extension", test_unop_sext},
        {"unops", test_unop},
        {"setcond, select, brcond, branch ends", test_conditions},
        {"mov widths", test_mov},
        {"temps and labels", test_temps_and_labels},
        {"load sizes and sign extension", test_load_sizes},
        {"store sizes", test_store_sizes},
        {"page-crossing accesses", test_page_crossing},
        {"big-endian guest", test_big_endian},
        {"MMIO through the slow path", test_mmio},
        {"mmu index", test_mmu_index},
        {"fault: unmapped address", test_fault_unmapped},
        {"fault: store runs off RAM", test_fault_store_partial},
        {"fault: misaligned", test_fault_misaligned},
        {"fault: page fault and read-only", test_fault_page},
        {"fault: PROT_NOCACHE decides every access", test_prot_nocache},
        {"fault: trap vector", test_fault_trap_vector},
        {"helper arguments, pc and counts", test_helper},
        {"pure helpers", test_helper_pure},
        {"exit_loop from a helper", test_helper_exit_loop},
        {"early exits and add_cycles", test_early_exit_counts},
        {"goto_dyn", test_goto_dyn},
        {"moves with narrow globals", test_narrow_moves},
        {"carries: widths, constant operands, fused flag store",
         test_carry_forms},
        {"malformed blocks", test_ir_validate},
    };
    return UNIT_RUN_WITH("interp", suite_init, suite_clean, tests);
}
