/* SPDX-License-Identifier: MIT */
/*
 * The interpreter backend: every IR op and width through the real engine
 * (builder, optimiser, compiler, cpu_exec), memory ops through the soft
 * TLB and the slow paths, helpers, faults with precise PC and counts.
 * Blocks come from toy_custom callbacks that emit IR directly.
 */
#include <CUnit/Basic.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/backend.h"
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

/* Set by the test that shows loads and stores keep what the optimiser
 * knows of globals: the device then writes env->scratch[5] (a rule no
 * real device may break). */
static bool dev_pokes_env;

static uint64_t dev_read(void *opaque, uint64_t off, unsigned size)
{
    dev.reads++;
    if (dev_pokes_env)
        env->scratch[5] = 1000;
    dev.last_off = off;
    dev.last_size = size;
    /* The top bytes of a fixed pattern: 0x1122 for 2 bytes. */
    return 0x1122334455667788ull >> (64 - 8 * size);
}

static void dev_write(void *opaque, uint64_t off, uint64_t v, unsigned size)
{
    dev.writes++;
    if (dev_pokes_env)
        env->scratch[5] = 1000;
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
    cpu = toy_suite_cpu(&env);
    return cpu ? 0 : -1;
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

static int emit_carry_forms(ToyEnv *e, TesseraIR *b, uint64_t pc)
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
                        run(emit_carry_forms);
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

/*
 * Eight temps live across a helper call: on native code the last takes the
 * register of a temp that dies where it is born ("i = h << 1"), and that
 * register is the last argument register. The call must save and restore
 * it like the others (it once did not: the register's owner was taken to
 * be the dead source, and the argument overwrote the live value).
 */
static int emit_live_across_call(ToyEnv *e, TesseraIR *b, uint64_t pc)
{
    TesseraVal s0 = tessera_ir_global(b, TOY_S(0));
    TesseraVal t[9];
    tessera_ir_insn_start(b, pc, 4, 1);
    for (unsigned k = 0; k < 8; k++) {
        t[k] = tessera_ir_temp(b);
        tessera_ir_binop(b, TESSERA_ADD, TESSERA_I64, t[k], s0,
                         tessera_ir_const(b, k + 1));
    }
    t[8] = tessera_ir_temp(b);
    tessera_ir_binop(b, TESSERA_SHL, TESSERA_I64, t[8], t[7],
                     tessera_ir_const(b, 1));
    TesseraVal args[4] = {s0, tessera_ir_const(b, 2), tessera_ir_const(b, 0),
                          tessera_ir_global(b, TOY_S(1))};
    tessera_ir_call(b, helper4, 0, TESSERA_IR_NONE, 4, args);
    TesseraVal sum = t[8];
    for (unsigned k = 0; k < 7; k++) {
        TesseraVal n = tessera_ir_temp(b);
        tessera_ir_binop(b, TESSERA_ADD, TESSERA_I64, n, sum, t[k]);
        sum = n;
    }
    tessera_ir_mov(b, TESSERA_I64, tessera_ir_global(b, TOY_S(2)), sum);
    tessera_ir_exit_loop(b, pc + 4);
    return 0;
}

static void test_live_across_call(void)
{
    env->scratch[0] = 1;
    env->scratch[1] = 4;
    run(emit_live_across_call);
    /* (1+1) + ... + (1+7) + (1+8) * 2 */
    CU_ASSERT_EQUAL(env->scratch[2], 9 * 1 + 28 + 16);
    CU_ASSERT_EQUAL(h_args[3], 4);
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

/*
 * Branches over instructions (an if-then inside the block): S0 != 0 jumps
 * from the first instruction over the next two, S6 != 0 from the second
 * over the third, both to the fourth, which calls a helper (it sees the
 * counts of what ran before it) and leaves. Only what ran retires.
 */
static int emit_skip(ToyEnv *e, TesseraIR *b, uint64_t pc)
{
    TesseraLabel l = tessera_ir_label_new(b);
    TesseraVal args[4] = {tessera_ir_const(b, 0), tessera_ir_const(b, 0),
                          tessera_ir_const(b, 0), tessera_ir_const(b, 0)};
    tessera_ir_insn_start(b, pc, 4, 2);
    tessera_ir_brcond(b, TESSERA_NE, TESSERA_I64,
                      tessera_ir_global(b, TOY_S(0)), tessera_ir_const(b, 0),
                      l);
    tessera_ir_insn_start(b, pc + 4, 4, 3);
    tessera_ir_mov(b, TESSERA_I64, tessera_ir_global(b, TOY_S(1)),
                   tessera_ir_const(b, 1));
    tessera_ir_brcond(b, TESSERA_NE, TESSERA_I64,
                      tessera_ir_global(b, TOY_S(6)), tessera_ir_const(b, 0),
                      l);
    tessera_ir_insn_start(b, pc + 8, 4, 4);
    tessera_ir_mov(b, TESSERA_I64, tessera_ir_global(b, TOY_S(2)),
                   tessera_ir_const(b, 1));
    tessera_ir_label_set(b, l);
    tessera_ir_insn_start(b, pc + 12, 4, 5);
    tessera_ir_call(b, helper4, 0, TESSERA_IR_NONE, 4, args);
    tessera_ir_insn_start(b, pc + 16, 4, 6);
    tessera_ir_exit_loop(b, pc + 20);
    return 0;
}

static void test_skip_counts(void)
{
    static const struct {
        uint64_t s0, s6, s1, s2, insns, cycles;
    } cases[] = {
        {0, 0, 1, 1, 5, 2 + 3 + 4 + 5 + 6},
        {1, 0, 0, 0, 3, 2 + 5 + 6},
        {0, 1, 1, 0, 4, 2 + 3 + 5 + 6},
        {1, 1, 0, 0, 3, 2 + 5 + 6},
    };
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint64_t insns = tessera_cpu_insns(cpu);
        uint64_t cycles = tessera_cpu_cycles(cpu);
        env->scratch[0] = cases[i].s0;
        env->scratch[6] = cases[i].s6;
        env->scratch[1] = env->scratch[2] = 0;
        run(emit_skip);
        CU_ASSERT_EQUAL(env->scratch[1], cases[i].s1);
        CU_ASSERT_EQUAL(env->scratch[2], cases[i].s2);
        /* in the helper: the fourth instruction, all before it that ran */
        CU_ASSERT_EQUAL(env->call_pc, PC0 + 12);
        CU_ASSERT_EQUAL(env->call_insns, insns + cases[i].insns - 2);
        CU_ASSERT_EQUAL(env->call_cycles, cycles + cases[i].cycles - 5 - 6);
        CU_ASSERT_EQUAL(tessera_cpu_insns(cpu), insns + cases[i].insns);
        CU_ASSERT_EQUAL(tessera_cpu_cycles(cpu), cycles + cases[i].cycles);
        CU_ASSERT_EQUAL(tessera_cpu_get_pc(cpu), PC0 + 20);
    }
    env->scratch[0] = env->scratch[6] = 0;
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

/* ---------------------------------------------------------------------- */
/* ABI 2 ops: carries, bit fields, byte swaps, bit counts, double-width    */
/* multiplies. Each checks the engine against a plain reference written   */
/* here with wider arithmetic, with operands in globals (the backend) and */
/* as constants (the optimiser's folding).                                */

typedef unsigned __int128 u128;
typedef __int128 s128;

/* Prints the first few mismatches of a table-driven test. */
static unsigned report_bad(unsigned bad, const char *what, uint64_t got,
                           uint64_t want)
{
    if (bad < 5)
        printf("\n  %s: got 0x%" PRIx64 ", want 0x%" PRIx64, what, got,
               want);
    return bad + 1;
}

/* bits-wide two's complement value of x (already masked) */
static s128 ref_signed(u128 x, unsigned bits)
{
    u128 half = (u128)1 << (bits - 1);
    return x >= half ? (s128)x - ((s128)1 << bits) : (s128)x;
}

static uint64_t ref_carry(TesseraCarryOp op, unsigned bits, uint64_t a,
                          uint64_t b, uint64_t cin)
{
    u128 m = ((u128)1 << bits) - 1;
    u128 ua = a & m, ub = b & m;
    s128 sa = ref_signed(ua, bits), sb = ref_signed(ub, bits);
    s128 lo = -((s128)1 << (bits - 1)), hi = ((s128)1 << (bits - 1)) - 1;
    s128 s;

    switch (op) {
    case TESSERA_ADDC:
        return (uint64_t)((ua + ub + cin) & m);
    case TESSERA_SUBC:
        return (uint64_t)((ua - ub - cin) & m);
    case TESSERA_ADD_CARRY:
        return ua + ub + cin > m;
    case TESSERA_ADD_OVERFLOW:
        s = sa + sb + (s128)cin;
        return s < lo || s > hi;
    case TESSERA_SUB_BORROW:
        return ua < ub + cin;
    case TESSERA_SUB_OVERFLOW:
        s = sa - sb - (s128)cin;
        return s < lo || s > hi;
    }
    return 0xbad;
}

static TesseraCarryOp k_op;
static unsigned k_bits;
static int k_form; /* 0: all globals  1: all constants  2: a global */
static uint64_t k_a, k_b, k_cin;

static int emit_carry(ToyEnv *e, TesseraIR *b, uint64_t pc)
{
    TesseraVal a = k_form == 1 ? tessera_ir_const(b, k_a)
                               : tessera_ir_global(b, TOY_S(0));
    TesseraVal y = k_form == 0 ? tessera_ir_global(b, TOY_S(1))
                               : tessera_ir_const(b, k_b);
    TesseraVal cin = k_form == 0 ? tessera_ir_global(b, TOY_S(3))
                                 : tessera_ir_const(b, k_cin);
    tessera_ir_insn_start(b, pc, 4, 1);
    tessera_ir_carry(b, k_op, k_bits, tessera_ir_global(b, TOY_S(2)), a, y,
                     cin);
    tessera_ir_exit_loop(b, pc + 4);
    return 0;
}

static void test_carry(void)
{
    static const unsigned widths[] = {1, 4, 8, 16, 32, 63, 64};
    static const uint64_t junk[] = {0x5a5a5a5a5a5a5a5aull,
                                    0xdeadbeefcafef00dull};
    unsigned bad = 0, runs = 0;

    for (int op = TESSERA_ADDC; op <= TESSERA_SUB_OVERFLOW; op++)
        for (unsigned wi = 0; wi < 7; wi++) {
            unsigned bits = widths[wi];
            uint64_t m = bits == 64 ? UINT64_MAX : (1ull << bits) - 1;
            uint64_t half = 1ull << (bits - 1);
            /* The edges of the width, plus bits above it (ignored). */
            uint64_t vals[] = {0, 1, half - 1, half, half + 1, m - 1, m,
                               junk[0], junk[1], ~m | 1};
            unsigned n = sizeof(vals) / sizeof(vals[0]);
            for (unsigned i = 0; i < n; i++)
                for (unsigned j = 0; j < n; j++)
                    for (uint64_t cin = 0; cin < 2; cin++)
                        for (int f = 0; f < 3; f++) {
                            k_op = op;
                            k_bits = bits;
                            k_form = f;
                            k_a = vals[i];
                            k_b = vals[j];
                            k_cin = cin;
                            env->scratch[0] = vals[i];
                            env->scratch[1] = vals[j];
                            env->scratch[3] = cin;
                            env->scratch[2] = 0x7777;
                            run(emit_carry);
                            runs++;
                            uint64_t want = ref_carry(op, bits, vals[i],
                                                      vals[j], cin);
                            if (env->scratch[2] != want) {
                                char what[96];
                                snprintf(what, sizeof(what),
                                         "carry op %d bits %u form %d "
                                         "a 0x%" PRIx64 " b 0x%" PRIx64
                                         " cin %u",
                                         op, bits, f, vals[i], vals[j],
                                         (unsigned)cin);
                                bad = report_bad(bad, what, env->scratch[2],
                                                 want);
                            }
                        }
        }
    CU_ASSERT_EQUAL(runs, 6 * 7 * 10 * 10 * 2 * 3);
    CU_ASSERT_EQUAL(bad, 0);
}

/* Bit fields: the reference goes bit by bit. */
static uint64_t ref_extract(TesseraWidth w, bool sign, uint64_t x,
                            unsigned pos, unsigned len)
{
    uint64_t r = 0;
    for (unsigned i = 0; i < len; i++)
        r |= ((x >> (pos + i)) & 1) << i;
    if (sign && ((r >> (len - 1)) & 1))
        for (unsigned i = len; i < 64; i++)
            r |= 1ull << i;
    return w == TESSERA_I32 ? (uint32_t)r : r;
}

static uint64_t ref_deposit(TesseraWidth w, uint64_t x, uint64_t v,
                            unsigned pos, unsigned len)
{
    uint64_t r = x;
    for (unsigned i = 0; i < len; i++) {
        r &= ~(1ull << (pos + i));
        r |= ((v >> i) & 1) << (pos + i);
    }
    return w == TESSERA_I32 ? (uint32_t)r : r;
}

static int x_kind; /* 0 extract, 1 sextract, 2 deposit */
static unsigned x_pos, x_len;

static int emit_field(ToyEnv *e, TesseraIR *b, uint64_t pc)
{
    TesseraVal a = t_form ? tessera_ir_const(b, t_x)
                          : tessera_ir_global(b, TOY_S(0));
    TesseraVal v = t_form ? tessera_ir_const(b, t_y)
                          : tessera_ir_global(b, TOY_S(1));
    TesseraVal d = tessera_ir_global(b, TOY_S(2));
    tessera_ir_insn_start(b, pc, 4, 1);
    if (x_kind == 0)
        tessera_ir_extract(b, t_w, d, a, x_pos, x_len);
    else if (x_kind == 1)
        tessera_ir_sextract(b, t_w, d, a, x_pos, x_len);
    else
        tessera_ir_deposit(b, t_w, d, a, v, x_pos, x_len);
    tessera_ir_exit_loop(b, pc + 4);
    return 0;
}

static void test_bit_fields(void)
{
    static const unsigned f32[][2] = {{0, 1},  {0, 8},   {0, 31}, {0, 32},
                                      {1, 31}, {31, 1},  {16, 16}, {24, 8},
                                      {5, 13}, {30, 2}};
    static const unsigned f64[][2] = {{0, 1},   {0, 32},  {0, 63}, {0, 64},
                                      {1, 63},  {63, 1},  {32, 32}, {31, 2},
                                      {56, 8},  {7, 50}};
    static const uint64_t vals[] = {0, UINT64_MAX, 0x8000000000000000ull,
                                    0x80000000, 1, 0x123456789abcdef0ull,
                                    0xfedcba9876543210ull,
                                    0x5555555555555555ull};
    static const uint64_t ins[] = {UINT64_MAX, 0, 0xa5a5a5a5a5a5a5a5ull};
    unsigned bad = 0;

    for (int w = 0; w < 2; w++)
        for (unsigned fi = 0; fi < 10; fi++)
            for (unsigned i = 0; i < 8; i++)
                for (unsigned j = 0; j < 3; j++)
                    for (int kind = 0; kind < 3; kind++)
                        for (int f = 0; f < 2; f++) {
                            t_w = w;
                            x_pos = w ? f64[fi][0] : f32[fi][0];
                            x_len = w ? f64[fi][1] : f32[fi][1];
                            x_kind = kind;
                            t_form = f;
                            t_x = env->scratch[0] = vals[i];
                            t_y = env->scratch[1] = ins[j];
                            env->scratch[2] = 0x7777;
                            run(emit_field);
                            uint64_t x = w ? vals[i] : (uint32_t)vals[i];
                            uint64_t want =
                                kind == 2 ? ref_deposit(w, x, ins[j], x_pos,
                                                        x_len)
                                          : ref_extract(w, kind, x, x_pos,
                                                        x_len);
                            if (env->scratch[2] != want) {
                                char what[96];
                                snprintf(what, sizeof(what),
                                         "field kind %d w %d pos %u len %u "
                                         "form %d x 0x%" PRIx64,
                                         kind, w, x_pos, x_len, f, vals[i]);
                                bad = report_bad(bad, what, env->scratch[2],
                                                 want);
                            }
                        }
    CU_ASSERT_EQUAL(bad, 0);
}

static uint64_t ref_bswap(uint64_t x, unsigned bytes)
{
    uint64_t r = 0;
    for (unsigned i = 0; i < bytes; i++)
        r |= ((x >> (8 * i)) & 0xff) << (8 * (bytes - 1 - i));
    return r;
}

static uint64_t ref_count(TesseraUnop op, TesseraWidth w, uint64_t x)
{
    unsigned bits = w == TESSERA_I64 ? 64 : 32, n = 0;
    if (op == TESSERA_CLZ)
        while (n < bits && !((x >> (bits - 1 - n)) & 1))
            n++;
    else if (op == TESSERA_CTZ)
        while (n < bits && !((x >> n) & 1))
            n++;
    else
        for (unsigned i = 0; i < bits; i++)
            n += (x >> i) & 1;
    return n;
}

static void test_bswap_and_counts(void)
{
    static const uint64_t vals[] = {0,
                                    1,
                                    0x80,
                                    0x8000,
                                    0x80000000,
                                    0x8000000000000000ull,
                                    0xffffffff00000000ull,
                                    0x00000000ffffffffull,
                                    0x0123456789abcdefull,
                                    UINT64_MAX,
                                    0x0000010000100000ull};
    unsigned bad = 0;

    for (unsigned i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
        uint64_t x = vals[i], x32 = (uint32_t)x;
        struct {
            TesseraUnop op;
            TesseraWidth w;
            uint64_t want;
        } cases[] = {
            {TESSERA_BSWAP16, TESSERA_I32, ref_bswap(x, 2)},
            {TESSERA_BSWAP16, TESSERA_I64, ref_bswap(x, 2)},
            {TESSERA_BSWAP32, TESSERA_I32, ref_bswap(x, 4)},
            {TESSERA_BSWAP32, TESSERA_I64, ref_bswap(x, 4)},
            {TESSERA_BSWAP64, TESSERA_I64, ref_bswap(x, 8)},
            {TESSERA_CLZ, TESSERA_I32, ref_count(TESSERA_CLZ, 0, x32)},
            {TESSERA_CLZ, TESSERA_I64, ref_count(TESSERA_CLZ, 1, x)},
            {TESSERA_CTZ, TESSERA_I32, ref_count(TESSERA_CTZ, 0, x32)},
            {TESSERA_CTZ, TESSERA_I64, ref_count(TESSERA_CTZ, 1, x)},
            {TESSERA_CTPOP, TESSERA_I32, ref_count(TESSERA_CTPOP, 0, x32)},
            {TESSERA_CTPOP, TESSERA_I64, ref_count(TESSERA_CTPOP, 1, x)},
        };
        for (unsigned k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
            uint64_t got = unop(cases[k].op, cases[k].w, x);
            if (got != cases[k].want) {
                char what[64];
                snprintf(what, sizeof(what), "unop %d w %d x 0x%" PRIx64,
                         cases[k].op, cases[k].w, x);
                bad = report_bad(bad, what, got, cases[k].want);
            }
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
    /* The zero cases by name. */
    CU_ASSERT_EQUAL(unop(TESSERA_CLZ, TESSERA_I32, 0), 32);
    CU_ASSERT_EQUAL(unop(TESSERA_CTZ, TESSERA_I64, 0), 64);
    CU_ASSERT_EQUAL(unop(TESSERA_CTPOP, TESSERA_I64, 0), 0);
    CU_ASSERT_EQUAL(unop(TESSERA_CLZ, TESSERA_I32, 0xffffffff00000000ull),
                    32);
}

/* Double-width multiplies; alias: 0 none, 1 lo = a, 2 hi = a, 3 lo = b,
 * 4 hi = b. */
static int m2_signed, m2_alias;

static int emit_mul2(ToyEnv *e, TesseraIR *b, uint64_t pc)
{
    TesseraVal a = t_form ? tessera_ir_const(b, t_x)
                          : tessera_ir_global(b, TOY_S(0));
    TesseraVal y = t_form ? tessera_ir_const(b, t_y)
                          : tessera_ir_global(b, TOY_S(1));
    TesseraVal lo = tessera_ir_global(b, TOY_S(2));
    TesseraVal hi = tessera_ir_global(b, TOY_S(3));
    if (m2_alias == 1)
        lo = a;
    else if (m2_alias == 2)
        hi = a;
    else if (m2_alias == 3)
        lo = y;
    else if (m2_alias == 4)
        hi = y;
    tessera_ir_insn_start(b, pc, 4, 1);
    if (m2_signed)
        tessera_ir_muls2(b, t_w, lo, hi, a, y);
    else
        tessera_ir_mulu2(b, t_w, lo, hi, a, y);
    tessera_ir_exit_loop(b, pc + 4);
    return 0;
}

static void ref_mul2(bool sign, TesseraWidth w, uint64_t a, uint64_t b,
                     uint64_t *lo, uint64_t *hi)
{
    if (w == TESSERA_I64) {
        u128 p = sign ? (u128)((s128)(int64_t)a * (int64_t)b)
                      : (u128)a * b;
        *lo = (uint64_t)p;
        *hi = (uint64_t)(p >> 64);
    } else {
        uint64_t p = sign ? (uint64_t)((int64_t)(int32_t)a * (int32_t)b)
                          : (uint64_t)(uint32_t)a * (uint32_t)b;
        *lo = (uint32_t)p;
        *hi = (uint32_t)(p >> 32);
    }
}

static void test_mul2(void)
{
    static const uint64_t vals[] = {0, 1, 3, (uint64_t)-2, 0x7fffffff,
                                    0x80000000, 0xffffffff,
                                    0x8000000000000000ull, UINT64_MAX,
                                    0x123456789abcdef0ull};
    unsigned n = sizeof(vals) / sizeof(vals[0]), bad = 0;

    for (int s = 0; s < 2; s++)
        for (int w = 0; w < 2; w++)
            for (int alias = 0; alias < 5; alias++)
                for (unsigned i = 0; i < n; i++)
                    for (unsigned j = 0; j < n; j++)
                        for (int f = 0; f < 2; f++) {
                            /* A constant cannot be a destination. */
                            if (f && alias)
                                continue;
                            m2_signed = s;
                            m2_alias = alias;
                            t_w = w;
                            t_form = f;
                            t_x = vals[i];
                            t_y = vals[j];
                            env->scratch[0] = vals[i];
                            env->scratch[1] = vals[j];
                            env->scratch[2] = env->scratch[3] = 0x7777;
                            run(emit_mul2);
                            uint64_t lo, hi;
                            ref_mul2(s, w, vals[i], vals[j], &lo, &hi);
                            int lo_at = alias == 1 ? 0 : alias == 3 ? 1 : 2;
                            int hi_at = alias == 2 ? 0 : alias == 4 ? 1 : 3;
                            if (env->scratch[lo_at] != lo ||
                                env->scratch[hi_at] != hi) {
                                char what[96];
                                snprintf(what, sizeof(what),
                                         "mul2 signed %d w %d alias %d form %d"
                                         " 0x%" PRIx64 " * 0x%" PRIx64 " lo",
                                         s, w, alias, f, vals[i], vals[j]);
                                bad = report_bad(bad, what,
                                                 env->scratch[lo_at], lo);
                            }
                        }
    CU_ASSERT_EQUAL(bad, 0);
}

/* ---------------------------------------------------------------------- */
/* Narrow globals                                                          */

/* The narrow fields live in scratch[8] (8 bytes at N) and scratch[9]. */
#define NB TOY_S(8)
#define G8(b_, o_) tessera_ir_global_sized(b_, NB + (o_), TESSERA_MO_8)
#define G8S(b_, o_) \
    tessera_ir_global_sized(b_, NB + (o_), TESSERA_MO_8 | TESSERA_MO_SIGN)
#define G16(b_, o_) tessera_ir_global_sized(b_, NB + (o_), TESSERA_MO_16)
#define G16S(b_, o_) \
    tessera_ir_global_sized(b_, NB + (o_), TESSERA_MO_16 | TESSERA_MO_SIGN)
#define G32(b_, o_) tessera_ir_global_sized(b_, NB + (o_), TESSERA_MO_32)
#define G32S(b_, o_) \
    tessera_ir_global_sized(b_, NB + (o_), TESSERA_MO_32 | TESSERA_MO_SIGN)

static uint8_t env_byte(unsigned off)
{
    return ((uint8_t *)env)[NB + off];
}

static int emit_narrow_reads(ToyEnv *e, TesseraIR *b, uint64_t pc)
{
    tessera_ir_insn_start(b, pc, 4, 1);
    tessera_ir_mov(b, TESSERA_I64, tessera_ir_global(b, TOY_S(0)), G8(b, 3));
    tessera_ir_mov(b, TESSERA_I64, tessera_ir_global(b, TOY_S(1)), G8S(b, 3));
    tessera_ir_mov(b, TESSERA_I64, tessera_ir_global(b, TOY_S(2)), G16(b, 2));
    tessera_ir_mov(b, TESSERA_I64, tessera_ir_global(b, TOY_S(3)),
                   G16S(b, 2));
    tessera_ir_mov(b, TESSERA_I64, tessera_ir_global(b, TOY_S(4)), G32(b, 4));
    tessera_ir_mov(b, TESSERA_I64, tessera_ir_global(b, TOY_S(5)),
                   G32S(b, 4));
    /* Through an op, not only a move. */
    tessera_ir_binop(b, TESSERA_ADD, TESSERA_I64,
                     tessera_ir_global(b, TOY_S(6)), G8S(b, 0),
                     tessera_ir_const(b, 1));
    tessera_ir_exit_loop(b, pc + 4);
    return 0;
}

static void test_narrow_reads(void)
{
    /* Bytes N+0..7 (little-endian host): ff 01 34 92 78 56 34 f2 */
    env->scratch[8] = 0xf2345678923401ffull;
    run(emit_narrow_reads);
    CU_ASSERT_EQUAL(env->scratch[0], 0x92);
    CU_ASSERT_EQUAL(env->scratch[1], 0xffffffffffffff92ull);
    CU_ASSERT_EQUAL(env->scratch[2], 0x9234);
    CU_ASSERT_EQUAL(env->scratch[3], 0xffffffffffff9234ull);
    CU_ASSERT_EQUAL(env->scratch[4], 0xf2345678);
    CU_ASSERT_EQUAL(env->scratch[5], 0xfffffffff2345678ull);
    CU_ASSERT_EQUAL(env->scratch[6], 0); /* (int8)0xff + 1 */
    CU_ASSERT_EQUAL(env->scratch[8], 0xf2345678923401ffull);
}

/* Values to write come from constants (the optimiser knows them) or from
 * the registers r[4..13] (it does not). */
static int n_runtime;

static TesseraVal nval(TesseraIR *b, unsigned i, uint64_t v)
{
    if (!n_runtime)
        return tessera_ir_const(b, v);
    env->r[4 + i] = v;
    return tessera_ir_global(b, TOY_R(4 + i));
}

static int emit_narrow_writes(ToyEnv *e, TesseraIR *b, uint64_t pc)
{
    tessera_ir_insn_start(b, pc, 4, 1);
    /* Only the low bytes of the value are written. */
    tessera_ir_mov(b, TESSERA_I64, G8(b, 1), nval(b, 0, 0xabcdefull));
    tessera_ir_mov(b, TESSERA_I64, G16(b, 2), nval(b, 1, 0xffffffffffff1234));
    tessera_ir_mov(b, TESSERA_I64, G32S(b, 4), nval(b, 2, 0x1111111187654321));
    /* 0xff + 1 in a byte wraps without carrying into its neighbour. */
    tessera_ir_binop(b, TESSERA_ADD, TESSERA_I64, G8(b, 8), G8(b, 8),
                     nval(b, 3, 1));
    tessera_ir_binop(b, TESSERA_SUB, TESSERA_I32, G16(b, 10), G16(b, 10),
                     nval(b, 4, 1));
    tessera_ir_exit_loop(b, pc + 4);
    return 0;
}

static void test_narrow_writes(void)
{
    for (n_runtime = 0; n_runtime < 2; n_runtime++) {
        env->scratch[8] = 0x0807060504030201ull;
        env->scratch[9] = 0x1817161500001bffull;
        run(emit_narrow_writes);
        CU_ASSERT_EQUAL(env->scratch[8], 0x876543211234ef01ull);
        /* byte 0: 0xff + 1 = 0; bytes 2-3: 0 - 1 = 0xffff; the rest as
         * they were */
        CU_ASSERT_EQUAL(env->scratch[9], 0x18171615ffff1b00ull);
    }
}

/*
 * Overlapping views: B0 = byte N, B1 = byte N+1, H = the 16-bit view over
 * both, Q = the 8-byte global at N. Every read must see the last write
 * through any view, with the optimiser's constant propagation (constants
 * known per view) and dead-write elimination (a write is dead only when
 * later writes cover all its bytes) in the way.
 */
static int emit_views(ToyEnv *e, TesseraIR *b, uint64_t pc)
{
    TesseraVal q = tessera_ir_global(b, NB);
    TesseraVal t = tessera_ir_temp(b);
    tessera_ir_insn_start(b, pc, 4, 1);
    tessera_ir_mov(b, TESSERA_I64, t, q); /* a copy of the old Q */
    tessera_ir_mov(b, TESSERA_I64, G8(b, 0), nval(b, 0, 0x11));
    tessera_ir_mov(b, TESSERA_I64, G8(b, 1), nval(b, 1, 0x22));
    tessera_ir_mov(b, TESSERA_I64, tessera_ir_global(b, TOY_S(0)),
                   G16(b, 0));                             /* 0x2211 */
    tessera_ir_mov(b, TESSERA_I64, G16(b, 0), nval(b, 2, 0x3344));
    tessera_ir_mov(b, TESSERA_I64, tessera_ir_global(b, TOY_S(1)),
                   G8(b, 1));                              /* 0x33 */
    tessera_ir_mov(b, TESSERA_I64, tessera_ir_global(b, TOY_S(2)),
                   G8S(b, 0));                             /* 0x44 */
    tessera_ir_mov(b, TESSERA_I64, G8(b, 1), nval(b, 3, 0x99));
    tessera_ir_mov(b, TESSERA_I64, tessera_ir_global(b, TOY_S(3)),
                   G16(b, 0));                             /* 0x9944 */
    tessera_ir_mov(b, TESSERA_I64, tessera_ir_global(b, TOY_S(4)),
                   G16S(b, 0));                            /* sign */
    tessera_ir_binop(b, TESSERA_ADD, TESSERA_I64,
                     tessera_ir_global(b, TOY_S(5)), G8S(b, 1),
                     tessera_ir_const(b, 1));              /* -0x66 */
    tessera_ir_mov(b, TESSERA_I64, tessera_ir_global(b, TOY_S(6)), t);
    tessera_ir_mov(b, TESSERA_I64, tessera_ir_global(b, TOY_S(7)), q);
    /* Dead writes: B0 and B1 are both overwritten by H (dead); H is then
     * only half overwritten by B0 (not dead). */
    tessera_ir_mov(b, TESSERA_I64, G8(b, 0), nval(b, 4, 0xa0));
    tessera_ir_mov(b, TESSERA_I64, G8(b, 1), nval(b, 5, 0xa1));
    tessera_ir_mov(b, TESSERA_I64, G16(b, 0), nval(b, 6, 0x5566));
    tessera_ir_mov(b, TESSERA_I64, G8(b, 0), nval(b, 7, 0x77));
    /* A 32-bit view over the 16-bit one, written, then a byte of it. */
    tessera_ir_mov(b, TESSERA_I64, G32(b, 4), nval(b, 8, 0xcafef00d));
    tessera_ir_mov(b, TESSERA_I64, G8(b, 6), nval(b, 9, 0xee));
    tessera_ir_mov(b, TESSERA_I64, tessera_ir_global(b, TOY_S(9)),
                   G32(b, 4));                             /* 0xcaeef00d */
    tessera_ir_exit_loop(b, pc + 4);
    return 0;
}

static void test_narrow_views(void)
{
    for (n_runtime = 0; n_runtime < 2; n_runtime++) {
        env->scratch[8] = 0x0807060504030201ull;
        memset(env->scratch, 0, 8 * 8);
        run(emit_views);
        CU_ASSERT_EQUAL(env->scratch[0], 0x2211);
        CU_ASSERT_EQUAL(env->scratch[1], 0x33);
        CU_ASSERT_EQUAL(env->scratch[2], 0x44);
        CU_ASSERT_EQUAL(env->scratch[3], 0x9944);
        CU_ASSERT_EQUAL(env->scratch[4], 0xffffffffffff9944ull);
        CU_ASSERT_EQUAL(env->scratch[5], (uint64_t)(int64_t)(int8_t)0x9a);
        CU_ASSERT_EQUAL(env->scratch[6], 0x0807060504030201ull);
        CU_ASSERT_EQUAL(env->scratch[7], 0x0807060504039944ull);
        CU_ASSERT_EQUAL(env->scratch[9], 0xcaeef00d);
        CU_ASSERT_EQUAL(env_byte(0), 0x77);
        CU_ASSERT_EQUAL(env_byte(1), 0x55);
        CU_ASSERT_EQUAL(env->scratch[8], 0xcaeef00d04035577ull);
    }
}

/* ---------------------------------------------------------------------- */
/* Atomics and barriers                                                    */

#define AMO_ADDR 0xb000

static int a_kind; /* 0 rmw, 1 cmpxchg */
static TesseraAtomicOp a_op;
static unsigned a_memop;

static int emit_atomic(ToyEnv *e, TesseraIR *b, uint64_t pc)
{
    TesseraVal addr = tessera_ir_global(b, TOY_S(0));
    TesseraVal dst = tessera_ir_global(b, TOY_S(2));
    tessera_ir_insn_start(b, pc, 4, 1);
    tessera_ir_mov(b, TESSERA_I64, tessera_ir_global(b, TOY_R(1)),
                   tessera_ir_const(b, 1));
    tessera_ir_insn_start(b, pc + 4, 4, 1);
    if (a_kind == 0)
        tessera_ir_atomic_rmw(b, a_op, dst, addr, 0,
                              tessera_ir_global(b, TOY_S(1)), a_memop, 0);
    else
        tessera_ir_atomic_cmpxchg(b, dst, addr, 0,
                                  tessera_ir_global(b, TOY_S(3)),
                                  tessera_ir_global(b, TOY_S(1)), a_memop, 0);
    tessera_ir_mov(b, TESSERA_I64, tessera_ir_global(b, TOY_R(2)),
                   tessera_ir_const(b, 2));
    tessera_ir_exit_loop(b, pc + 8);
    return 0;
}

/* The new memory value of an rmw, over size bytes. */
static uint64_t ref_amo(TesseraAtomicOp op, unsigned size, uint64_t old,
                        uint64_t v)
{
    unsigned bits = 8 * size;
    uint64_t m = size == 8 ? UINT64_MAX : (1ull << bits) - 1;
    uint64_t uo = old & m, uv = v & m;
    int64_t so = (int64_t)(uo << (64 - bits)) >> (64 - bits);
    int64_t sv = (int64_t)(uv << (64 - bits)) >> (64 - bits);
    uint64_t r = 0;
    switch (op) {
    case TESSERA_AMO_XCHG: r = uv; break;
    case TESSERA_AMO_ADD: r = uo + uv; break;
    case TESSERA_AMO_AND: r = uo & uv; break;
    case TESSERA_AMO_OR: r = uo | uv; break;
    case TESSERA_AMO_XOR: r = uo ^ uv; break;
    case TESSERA_AMO_SMIN: r = so <= sv ? uo : uv; break;
    case TESSERA_AMO_SMAX: r = so >= sv ? uo : uv; break;
    case TESSERA_AMO_UMIN: r = uo <= uv ? uo : uv; break;
    case TESSERA_AMO_UMAX: r = uo >= uv ? uo : uv; break;
    }
    return r & m;
}

static uint64_t mem64(uint64_t addr)
{
    uint64_t v = 0;
    CU_ASSERT_TRUE(bus_read_buf(addr, &v, 8));
    return v;
}

static void set_mem64(uint64_t addr, uint64_t v)
{
    CU_ASSERT_TRUE(bus_write_buf(addr, &v, 8));
}

static void test_atomic_rmw(void)
{
    static const uint64_t pairs[][2] = {
        {5, 7},
        {0xfffffffe, 3},
        {0x80000000, 0x7fffffff},
        {0xdead00000000000full, 0xbeef000000000003ull},
        {0x8000000000000000ull, 1},
        {UINT64_MAX, 0},
        {0x123456789abcdef0ull, 0x0fedcba987654321ull},
        {0x7fffffffffffffffull, 0x8000000000000001ull},
    };
    static const unsigned memops[] = {TESSERA_MO_32,
                                      TESSERA_MO_32 | TESSERA_MO_SIGN,
                                      TESSERA_MO_64};
    unsigned bad = 0;

    a_kind = 0;
    for (int op = TESSERA_AMO_XCHG; op <= TESSERA_AMO_UMAX; op++)
        for (unsigned mi = 0; mi < 3; mi++)
            for (unsigned p = 0; p < 8; p++) {
                unsigned size = memops[mi] & TESSERA_MO_SIZE_MASK;
                uint64_t old = pairs[p][0], v = pairs[p][1];
                uint64_t m = size == 8 ? UINT64_MAX : 0xffffffffull;
                /* The 4-byte word sits in the low half of a marked
                 * doubleword: its neighbours must stay. */
                set_mem64(AMO_ADDR, (0xa5a5a5a5a5a5a5a5ull & ~m) | (old & m));
                set_mem64(AMO_ADDR + 8, 0x5a5a5a5a5a5a5a5aull);
                a_op = op;
                a_memop = memops[mi];
                env->scratch[0] = AMO_ADDR;
                env->scratch[1] = v;
                env->scratch[2] = 0x7777;
                run(emit_atomic);
                uint64_t want_dst = old & m;
                if (memops[mi] & TESSERA_MO_SIGN)
                    want_dst = (uint64_t)(int64_t)(int32_t)want_dst;
                uint64_t want_mem = (0xa5a5a5a5a5a5a5a5ull & ~m) |
                                    ref_amo(op, size, old, v);
                char what[96];
                snprintf(what, sizeof(what),
                         "amo %d memop %u old 0x%" PRIx64 " v 0x%" PRIx64,
                         op, memops[mi], old, v);
                if (env->scratch[2] != want_dst)
                    bad = report_bad(bad, what, env->scratch[2], want_dst);
                if (mem64(AMO_ADDR) != want_mem)
                    bad = report_bad(bad, what, mem64(AMO_ADDR), want_mem);
                if (mem64(AMO_ADDR + 8) != 0x5a5a5a5a5a5a5a5aull)
                    bad = report_bad(bad, what, mem64(AMO_ADDR + 8), 0);
            }
    CU_ASSERT_EQUAL(bad, 0);
}

/* One cmpxchg; returns the old value read. */
static uint64_t cmpxchg(uint64_t addr, uint64_t expected, uint64_t newv,
                        unsigned memop)
{
    a_kind = 1;
    a_memop = memop;
    env->scratch[0] = addr;
    env->scratch[1] = newv;
    env->scratch[3] = expected;
    env->scratch[2] = 0x7777;
    run(emit_atomic);
    return env->scratch[2];
}

static void test_atomic_cmpxchg(void)
{
    /* 8 bytes: success, then failure. */
    set_mem64(AMO_ADDR, 0x1122334455667788ull);
    CU_ASSERT_EQUAL(cmpxchg(AMO_ADDR, 0x1122334455667788ull, 42,
                            TESSERA_MO_64),
                    0x1122334455667788ull);
    CU_ASSERT_EQUAL(mem64(AMO_ADDR), 42);
    CU_ASSERT_EQUAL(cmpxchg(AMO_ADDR, 41, 43, TESSERA_MO_64), 42);
    CU_ASSERT_EQUAL(mem64(AMO_ADDR), 42);

    /* 4 bytes: the compare is over all 64 bits of the extended value. */
    set_mem64(AMO_ADDR, 0xa5a5a5a5fffffff0ull);
    CU_ASSERT_EQUAL(cmpxchg(AMO_ADDR, 0xfffffffffffffff0ull, 1,
                            TESSERA_MO_32),
                    0xfffffff0);
    CU_ASSERT_EQUAL(mem64(AMO_ADDR), 0xa5a5a5a5fffffff0ull); /* failed */
    CU_ASSERT_EQUAL(cmpxchg(AMO_ADDR, 0xfffffffffffffff0ull,
                            0x9999999900000001ull,
                            TESSERA_MO_32 | TESSERA_MO_SIGN),
                    0xfffffffffffffff0ull);
    CU_ASSERT_EQUAL(mem64(AMO_ADDR), 0xa5a5a5a500000001ull); /* low bytes */
    CU_ASSERT_EQUAL(cmpxchg(AMO_ADDR, 1, 2, TESSERA_MO_32), 1);
    CU_ASSERT_EQUAL(mem64(AMO_ADDR), 0xa5a5a5a500000002ull);
    CU_ASSERT_EQUAL(env->r[2], 2); /* the block went on after it */
}

/* Write faults on a read-only page, before anything changes; misaligned
 * with TESSERA_MO_ALIGN. */
static void check_atomic_fault(int kind, uint64_t addr, unsigned memop,
                               TesseraFault want)
{
    uint64_t before = mem64(addr & ~7ull);
    fault_setup();
    env->r[2] = 0;
    a_kind = kind;
    a_op = TESSERA_AMO_ADD;
    a_memop = memop;
    env->scratch[0] = addr;
    env->scratch[1] = 1;
    env->scratch[3] = before; /* cmpxchg: would succeed */
    env->scratch[2] = 0x7777;
    run(emit_atomic);
    CU_ASSERT_EQUAL(env->faults, 1);
    CU_ASSERT_EQUAL(env->fault_kind, want);
    CU_ASSERT_EQUAL(env->fault_access, TESSERA_ACCESS_WRITE);
    CU_ASSERT_EQUAL(env->fault_vaddr, addr);
    CU_ASSERT_EQUAL(env->fault_pc, PC0 + 4);
    CU_ASSERT_EQUAL(env->r[1], 1);          /* the first insn retired */
    CU_ASSERT_EQUAL(env->r[2], 0);          /* nothing after the fault */
    CU_ASSERT_EQUAL(env->scratch[2], 0x7777); /* dst untouched */
    CU_ASSERT_EQUAL(mem64(addr & ~7ull), before);
    cpu_reset(cpu);
}

static void test_atomic_faults(void)
{
    set_mem64(0x50010, 0x1000000000000005ull);
    env->readonly_lo = 0x50000;
    env->readonly_hi = 0x51000;
    tessera_tlb_flush(cpu);
    /* A load first: the page is in the TLB for reading. */
    CU_ASSERT_EQUAL(load(0x50010, TESSERA_MO_8), 5);
    for (int kind = 0; kind < 2; kind++) {
        check_atomic_fault(kind, 0x50010, TESSERA_MO_64, TESSERA_FAULT_PAGE);
        check_atomic_fault(kind, 0x50010, TESSERA_MO_32, TESSERA_FAULT_PAGE);
    }
    /* A failing compare still faults as a write. */
    fault_setup();
    cmpxchg(0x50010, 12345, 1, TESSERA_MO_64);
    CU_ASSERT_EQUAL(env->faults, 1);
    CU_ASSERT_EQUAL(env->fault_access, TESSERA_ACCESS_WRITE);
    CU_ASSERT_EQUAL(mem64(0x50010), 0x1000000000000005ull);
    cpu_reset(cpu);
    env->readonly_lo = env->readonly_hi = 0;
    tessera_tlb_flush(cpu);

    set_mem64(AMO_ADDR, 0);
    set_mem64(AMO_ADDR + 8, 0);
    for (int kind = 0; kind < 2; kind++) {
        check_atomic_fault(kind, AMO_ADDR + 4, TESSERA_MO_64 | TESSERA_MO_ALIGN,
                           TESSERA_FAULT_MISALIGNED);
        check_atomic_fault(kind, AMO_ADDR + 2, TESSERA_MO_32 | TESSERA_MO_ALIGN,
                           TESSERA_FAULT_MISALIGNED);
    }
    /* Aligned ones with the flag work. */
    fault_setup();
    a_kind = 0;
    a_op = TESSERA_AMO_ADD;
    a_memop = TESSERA_MO_32 | TESSERA_MO_ALIGN;
    env->scratch[0] = AMO_ADDR + 4;
    env->scratch[1] = 3;
    run(emit_atomic);
    CU_ASSERT_EQUAL(env->faults, 0);
    CU_ASSERT_EQUAL(mem64(AMO_ADDR), 3ull << 32);
}

static int emit_mb(ToyEnv *e, TesseraIR *b, uint64_t pc)
{
    tessera_ir_insn_start(b, pc, 4, 1);
    tessera_ir_mov(b, TESSERA_I64, tessera_ir_global(b, TOY_S(2)),
                   tessera_ir_const(b, 1));
    for (unsigned k = 1; k <= TESSERA_MB_ALL; k++)
        tessera_ir_mb(b, k);
    tessera_ir_store(b, tessera_ir_global(b, TOY_S(2)),
                     tessera_ir_const(b, AMO_ADDR), 0, TESSERA_MO_64, 0);
    tessera_ir_mb(b, TESSERA_MB_ST_LD);
    tessera_ir_load(b, tessera_ir_global(b, TOY_S(3)),
                    tessera_ir_const(b, AMO_ADDR), 0, TESSERA_MO_64, 0);
    tessera_ir_exit_loop(b, pc + 4);
    return 0;
}

static void test_mb(void)
{
    uint64_t before = tcache_blocks_translated();
    env->scratch[2] = env->scratch[3] = 0;
    set_mem64(AMO_ADDR, 0);
    run(emit_mb);
    CU_ASSERT_EQUAL(tcache_blocks_translated(), before + 1);
    CU_ASSERT_EQUAL(env->scratch[3], 1);
    CU_ASSERT_EQUAL(tessera_cpu_get_pc(cpu), PC0 + 4);

    /* An unknown kind is refused. */
    TesseraIR *b = ir_begin(NULL, 0x100, 0, 0);
    tessera_ir_insn_start(b, 0x100, 4, 1);
    tessera_ir_mb(b, 16);
    tessera_ir_goto(b, 0x104);
    CU_ASSERT_TRUE(b->error);
}

/* ---------------------------------------------------------------------- */
/* What the optimiser keeps knowing about globals                          */

/* Writes scratch[5] behind the optimiser's back, after noting what it saw
 * there. */
static uint64_t helper_writes_global(void *e, uint64_t a0, uint64_t a1,
                                     uint64_t a2, uint64_t a3)
{
    ToyEnv *te = e;
    te->scratch[6] = te->scratch[5];
    te->scratch[5] = 99;
    return 0;
}

static unsigned hf_flags;

static int emit_helper_flags(ToyEnv *e, TesseraIR *b, uint64_t pc)
{
    TesseraVal s5 = tessera_ir_global(b, TOY_S(5));
    tessera_ir_insn_start(b, pc, 4, 1);
    tessera_ir_mov(b, TESSERA_I64, s5, tessera_ir_const(b, 1));
    tessera_ir_call(b, helper_writes_global, hf_flags, TESSERA_IR_NONE, 0,
                    NULL);
    tessera_ir_binop(b, TESSERA_ADD, TESSERA_I64,
                     tessera_ir_global(b, TOY_S(7)), s5,
                     tessera_ir_const(b, 1));
    tessera_ir_exit_loop(b, pc + 4);
    return 0;
}

/* The block above with the helper declared with flags, from s5-s7 = 0. */
static void run_helper_flags(unsigned flags)
{
    hf_flags = flags;
    env->scratch[5] = env->scratch[6] = env->scratch[7] = 0;
    run(emit_helper_flags);
}

static void test_helper_flags(void)
{
    /* Declared NO_WRITE (falsely, to observe it): the optimiser keeps
     * s5 = 1 across the call. */
    run_helper_flags(TESSERA_HELPER_NO_WRITE);
    CU_ASSERT_EQUAL(env->scratch[6], 1); /* it reads globals: written first */
    CU_ASSERT_EQUAL(env->scratch[7], 2);
    /* Without the flag the helper may write: s5 is read again. */
    run_helper_flags(TESSERA_HELPER_NO_RAISE | TESSERA_HELPER_NO_READ);
    CU_ASSERT_EQUAL(env->scratch[7], 100);
    run_helper_flags(0);
    CU_ASSERT_EQUAL(env->scratch[6], 1);
    CU_ASSERT_EQUAL(env->scratch[7], 100);
}

static int emit_mem_keeps(ToyEnv *e, TesseraIR *b, uint64_t pc)
{
    TesseraVal s5 = tessera_ir_global(b, TOY_S(5));
    TesseraVal mmio = tessera_ir_const(b, MMIO_BASE);
    tessera_ir_insn_start(b, pc, 4, 1);
    tessera_ir_mov(b, TESSERA_I64, s5, tessera_ir_const(b, 7));
    tessera_ir_load(b, tessera_ir_global(b, TOY_S(2)), mmio, 0x20,
                    TESSERA_MO_32, 0);
    tessera_ir_binop(b, TESSERA_ADD, TESSERA_I64,
                     tessera_ir_global(b, TOY_S(6)), s5,
                     tessera_ir_const(b, 1));
    tessera_ir_store(b, tessera_ir_global(b, TOY_S(2)), mmio, 0x20,
                     TESSERA_MO_32, 0);
    tessera_ir_binop(b, TESSERA_ADD, TESSERA_I64,
                     tessera_ir_global(b, TOY_S(7)), s5,
                     tessera_ir_const(b, 2));
    tessera_ir_exit_loop(b, pc + 4);
    return 0;
}

static void test_mem_keeps_globals(void)
{
    /* The device breaks the rule (it writes scratch[5] from its MMIO
     * callbacks) so that we can see the optimiser still using s5 = 7
     * after the load and the store. */
    dev_pokes_env = true;
    memset(&dev, 0, sizeof(dev));
    run(emit_mem_keeps);
    dev_pokes_env = false;
    CU_ASSERT_EQUAL(dev.reads, 1);
    CU_ASSERT_EQUAL(dev.writes, 1);
    CU_ASSERT_EQUAL(env->scratch[5], 1000); /* the device did write */
    CU_ASSERT_EQUAL(env->scratch[6], 8);
    CU_ASSERT_EQUAL(env->scratch[7], 9);
}

/* ---------------------------------------------------------------------- */
/* Exact interrupts: no block runs past the deadline                       */

#define LOOP_PC 0x3000

/* Ten 1-cycle ADDI r1 += 1, then JMP back (or a SLOW in the middle). */
static void write_loop(bool slow)
{
    uint32_t code[11];
    for (int i = 0; i < 10; i++)
        code[i] = TOY_INSN(0x03, 1, 1, 1);
    if (slow)
        code[2] = TOY_INSN(0x0e, 3, 0, 0); /* 4 cycles */
    code[10] = TOY_IMM16(0x0c, 0, -10);
    CU_ASSERT_TRUE(bus_write_buf(LOOP_PC, code, sizeof(code)));
    tcache_flush();
}

static void test_exact_deadline(void)
{
    Cpu *c = cpu_new(&toy_arch_exact, NULL, 2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    ToyEnv *e = tessera_cpu_env(c);

    write_loop(false);
    tessera_cpu_set_pc(c, LOOP_PC);
    uint64_t insns = tessera_cpu_insns(c);
    CU_ASSERT_EQUAL(cpu_exec(c, 5), 5);
    CU_ASSERT_EQUAL(tessera_cpu_insns(c) - insns, 5);
    CU_ASSERT_EQUAL(e->r[1], 5);
    CU_ASSERT_EQUAL(tessera_cpu_get_pc(c), LOOP_PC + 20);
    /* Every slice, also once blocks are chained, retires exactly its
     * cycles' worth (all instructions here take one cycle). */
    unsigned bad = 0;
    for (uint64_t n = 1; n < 40; n++) {
        insns = tessera_cpu_insns(c);
        uint64_t ran = cpu_exec(c, n);
        if (ran != n || tessera_cpu_insns(c) - insns != n)
            bad++;
    }
    CU_ASSERT_EQUAL(bad, 0);

    /* A 4-cycle instruction that starts before the deadline runs (and
     * ends after it); the next one does not start. */
    write_loop(true);
    tessera_cpu_set_pc(c, LOOP_PC);
    e->r[1] = 0;
    insns = tessera_cpu_insns(c);
    CU_ASSERT_EQUAL(cpu_exec(c, 3), 6);
    CU_ASSERT_EQUAL(tessera_cpu_insns(c) - insns, 3);
    CU_ASSERT_EQUAL(e->r[1], 2);
    CU_ASSERT_EQUAL(tessera_cpu_get_pc(c), LOOP_PC + 12);
    cpu_free(c);

    /* The ordinary arch runs whole blocks: 10 ADDI and the JMP. */
    c = cpu_new(&toy_arch, NULL, 3);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    e = tessera_cpu_env(c);
    write_loop(false);
    tessera_cpu_set_pc(c, LOOP_PC);
    insns = tessera_cpu_insns(c);
    CU_ASSERT_EQUAL(cpu_exec(c, 5), 11);
    CU_ASSERT_EQUAL(tessera_cpu_insns(c) - insns, 11);
    CU_ASSERT_EQUAL(e->r[1], 10);
    CU_ASSERT_EQUAL(tessera_cpu_get_pc(c), LOOP_PC);
    cpu_free(c);
}

/* A helper whose instruction raises the CPU's interrupt line (as a device
 * behind a store would), and one that parks the CPU at the vector. */
static uint64_t helper_kick(void *e, uint64_t a0, uint64_t a1, uint64_t a2,
                            uint64_t a3)
{
    toy_arch.irq_set(e, 0, 1);
    return 0;
}

static uint64_t helper_park(void *e, uint64_t a0, uint64_t a1, uint64_t a2,
                            uint64_t a3)
{
    ToyEnv *te = e;
    tessera_cpu_halt(te->cpu);
    return 0;
}

/* Six instructions: the second kicks, the others mark scratch[i]. */
static int emit_kick(ToyEnv *e, TesseraIR *b, uint64_t pc)
{
    if (pc != PC0) {
        tessera_ir_insn_start(b, pc, 4, 1);
        tessera_ir_call(b, helper_park, 0, TESSERA_IR_NONE, 0, NULL);
        tessera_ir_exit_loop(b, pc);
        return 0;
    }
    for (unsigned i = 0; i < 6; i++) {
        tessera_ir_insn_start(b, pc + 4 * i, 4, 1);
        if (i == 1)
            tessera_ir_call(b, helper_kick, 0, TESSERA_IR_NONE, 0, NULL);
        else
            tessera_ir_mov(b, TESSERA_I64, tessera_ir_global(b, TOY_S(i)),
                           tessera_ir_const(b, 1));
    }
    tessera_ir_exit_loop(b, pc + 24);
    return 0;
}

static void check_kick(const TesseraArchClass *arch, unsigned index,
                       uint64_t want_irq_pc, uint64_t want_marks)
{
    Cpu *c = cpu_new(arch, NULL, index);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    ToyEnv *e = tessera_cpu_env(c);
    e->irq_enabled = 1;
    e->irq_vector = 0x7000;
    toy_custom = emit_kick;
    tcache_flush();
    tessera_cpu_set_pc(c, PC0);
    cpu_exec(c, 1000);
    toy_custom = NULL;
    CU_ASSERT_EQUAL(e->irq_taken, 1);
    CU_ASSERT_EQUAL(e->irq_pc, want_irq_pc);
    uint64_t marks = 0;
    for (unsigned i = 0; i < 6; i++)
        marks += e->scratch[i];
    CU_ASSERT_EQUAL(marks, want_marks);
    cpu_free(c);
}

static void test_exact_kick(void)
{
    /* Exact: the block ends after the kicking instruction and the
     * interrupt is taken before the next one. */
    check_kick(&toy_arch_exact, 4, PC0 + 8, 1);
    /* Ordinary: at the end of the block. */
    check_kick(&toy_arch, 5, PC0 + 24, 5);
}


/* ---------------------------------------------------------------------- */
/* Hot globals (tessera_cpu_set_hot_globals): the native backend keeps    */
/* them in host registers across chained blocks                           */

#define PIN_PC PC0

/* Reads s8 (a hot global block B does not mention), writes s11 (another
 * one) and s14: declared as touching none of block B's globals. */
static uint64_t helper_pins(void *e, uint64_t a0, uint64_t a1, uint64_t a2,
                            uint64_t a3)
{
    ToyEnv *te = e;
    te->scratch[14] += te->scratch[8];
    te->scratch[11] = 2 * te->scratch[8];
    return 0;
}

/* Three blocks that chain into a loop of eight rounds:
 *   A: s8 += 1; s13 += s8; goto B
 *   B: s9 += 3; bytes 2-3 of s10 = bytes 0-1 of s10 (16-bit views of a
 *      hot global); helper_pins; goto C
 *   C: s12 += s11; s10 += 1; mem64[0x8000] = s13; s8 < 8 ? goto A : exit
 */
static int emit_pins(ToyEnv *e, TesseraIR *b, uint64_t pc)
{
    (void)e;
    TesseraVal s[16];
    uint8_t insn[4];
    for (unsigned i = 8; i < 16; i++)
        s[i] = tessera_ir_global(b, TOY_S(i));
    /* The fetch vouches for the page: gotos into it chain directly. */
    if (!tessera_ir_fetch(b, pc, insn, 4))
        return -1;
    tessera_ir_insn_start(b, pc, 4, 1);
    if (pc == PIN_PC) {
        tessera_ir_binop(b, TESSERA_ADD, TESSERA_I64, s[8], s[8],
                         tessera_ir_const(b, 1));
        tessera_ir_binop(b, TESSERA_ADD, TESSERA_I64, s[13], s[13], s[8]);
        tessera_ir_goto(b, PIN_PC + 0x10);
    } else if (pc == PIN_PC + 0x10) {
        TesseraVal t = tessera_ir_temp(b);
        tessera_ir_binop(b, TESSERA_ADD, TESSERA_I64, s[9], s[9],
                         tessera_ir_const(b, 3));
        tessera_ir_mov(b, TESSERA_I64, t,
                       tessera_ir_global_sized(b, TOY_S(10), TESSERA_MO_16));
        tessera_ir_mov(b, TESSERA_I32,
                       tessera_ir_global_sized(b, TOY_S(10) + 2,
                                               TESSERA_MO_16), t);
        tessera_ir_call(b, helper_pins,
                        TESSERA_HELPER_NO_READ | TESSERA_HELPER_NO_WRITE |
                            TESSERA_HELPER_NO_RAISE,
                        TESSERA_IR_NONE, 0, NULL);
        tessera_ir_goto(b, PIN_PC + 0x20);
    } else if (pc == PIN_PC + 0x20) {
        TesseraLabel l = tessera_ir_label_new(b);
        tessera_ir_binop(b, TESSERA_ADD, TESSERA_I64, s[12], s[12], s[11]);
        tessera_ir_binop(b, TESSERA_ADD, TESSERA_I64, s[10], s[10],
                         tessera_ir_const(b, 1));
        tessera_ir_store(b, s[13], tessera_ir_const(b, 0x8000), 0,
                         TESSERA_MO_64, 0);
        tessera_ir_brcond(b, TESSERA_LTU, TESSERA_I64, s[8],
                          tessera_ir_const(b, 8), l);
        tessera_ir_exit_loop(b, PIN_PC + 0x30);
        tessera_ir_label_set(b, l);
        tessera_ir_goto(b, PIN_PC);
    } else {
        /* D: s8 = 77, then a load that faults. */
        tessera_ir_mov(b, TESSERA_I64, s[8], tessera_ir_const(b, 77));
        tessera_ir_insn_start(b, pc + 4, 4, 1);
        tessera_ir_load(b, s[9], tessera_ir_const(b, UNMAPPED), 0,
                        TESSERA_MO_64, 0);
        tessera_ir_exit_loop(b, pc + 8);
    }
    return 0;
}

static void test_hot_globals(void)
{
    size_t off[8];
    for (unsigned i = 0; i < 8; i++)
        off[i] = TOY_S(8 + i);
    /* Bad lists are refused and change nothing. */
    size_t bad[2] = {TOY_S(8), TOY_S(8) + 4};
    tessera_cpu_set_hot_globals(cpu, bad, 2);
    CU_ASSERT_EQUAL(cpu->nhot, 0);
    bad[1] = TOY_S(8);
    tessera_cpu_set_hot_globals(cpu, bad, 2);
    CU_ASSERT_EQUAL(cpu->nhot, 0);
    tessera_cpu_set_hot_globals(cpu, off, 9);
    CU_ASSERT_EQUAL(cpu->nhot, 0);
    tessera_cpu_set_hot_globals(cpu, off, 8);
    CU_ASSERT_EQUAL(cpu->nhot, 8);

    for (unsigned i = 8; i < 16; i++)
        env->scratch[i] = 0;
    env->scratch[10] = 0x1234;
    /* The reference. */
    uint64_t r[16] = {0};
    r[10] = 0x1234;
    do {
        r[8]++;
        r[13] += r[8];
        r[9] += 3;
        r[10] = (r[10] & ~0xffff0000ull) | (r[10] & 0xffff) << 16;
        r[14] += r[8];
        r[11] = 2 * r[8];
        r[12] += r[11];
        r[10]++;
    } while (r[8] < 8);

    toy_custom = emit_pins;
    tcache_flush();
    tessera_cpu_set_pc(cpu, PIN_PC);
    uint64_t insns = tessera_cpu_insns(cpu);
    cpu_exec(cpu, 24); /* the 24 instructions of the loop */
    CU_ASSERT_EQUAL(tessera_cpu_get_pc(cpu), PIN_PC + 0x30);
    CU_ASSERT_EQUAL(tessera_cpu_insns(cpu), insns + 24);
    for (unsigned i = 8; i < 16; i++) {
        if (env->scratch[i] != r[i])
            printf("\nscratch[%u] = 0x%" PRIx64 ", want 0x%" PRIx64, i,
                   env->scratch[i], r[i]);
        CU_ASSERT_EQUAL(env->scratch[i], r[i]);
    }
    CU_ASSERT_EQUAL(mem64(0x8000), r[13]);

    /* A fault sees the hot global written before it. */
    fault_setup();
    tessera_cpu_set_pc(cpu, PIN_PC + 0x40);
    cpu_exec(cpu, 1000);
    CU_ASSERT_EQUAL(env->faults, 1);
    CU_ASSERT_EQUAL(env->fault_pc, PIN_PC + 0x44);
    CU_ASSERT_EQUAL(env->scratch[8], 77);
    toy_custom = NULL;
    cpu->nhot = 0;
    cpu_reset(cpu);
}

int main(void)
{
    if (!toy_suite_backend())
        return 1;
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
        {"temps live across a helper call", test_live_across_call},
        {"pure helpers", test_helper_pure},
        {"exit_loop from a helper", test_helper_exit_loop},
        {"early exits and add_cycles", test_early_exit_counts},
        {"branches over instructions", test_skip_counts},
        {"goto_dyn", test_goto_dyn},
        {"moves with narrow globals", test_narrow_moves},
        {"carries: widths, constant operands, fused flag store",
         test_carry_forms},
        {"malformed blocks", test_ir_validate},
        {"carry ops, every width, against a reference", test_carry},
        {"extract, sextract, deposit", test_bit_fields},
        {"bswap, clz, ctz, ctpop", test_bswap_and_counts},
        {"mulu2 and muls2, also aliased", test_mul2},
        {"narrow globals: extension on read", test_narrow_reads},
        {"narrow globals: only their bytes written", test_narrow_writes},
        {"narrow globals: overlapping views", test_narrow_views},
        {"atomic rmw, every op, 4 and 8 bytes", test_atomic_rmw},
        {"atomic cmpxchg", test_atomic_cmpxchg},
        {"atomic faults", test_atomic_faults},
        {"memory barriers", test_mb},
        {"helper flags and known globals", test_helper_flags},
        {"loads and stores keep known globals", test_mem_keeps_globals},
        {"exact interrupts: deadlines inside blocks", test_exact_deadline},
        {"exact interrupts: a kick ends the block", test_exact_kick},
        {"hot globals across chained blocks", test_hot_globals},
    };
    return UNIT_RUN_WITH("interp", suite_init, toy_suite_clean, tests);
}
