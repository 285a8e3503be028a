/* SPDX-License-Identifier: MIT */
/*
 * ARM M-profile frontend: Thumb (ARMv6-M) and Thumb-2 (ARMv7-M) to IR.
 *
 * Data processing, loads and stores, branches, multiplies and bit fields
 * are IR. ADD, SUB, CMP, CMN and RSB (no carry in) compute C and V with
 * plain 32-bit ops, which every backend compiles inline; ADC and SBC use
 * tessera_ir_carry (SBC is a + ~b + C, one formula for C and V). System
 * instructions, division (which may trap), saturation and semihosting are
 * helpers.
 *
 * IT blocks: the IT state of a block's first instruction is in the
 * translation flags; the translator follows it through the block and
 * writes env->it whenever it differs from what env holds, so that a fault
 * or an exception stacks the right xPSR. A block that ends with an IT
 * state other than the one it started with leaves through a helper that
 * updates the translation flags.
 */
#include <string.h>

#include "arm.h"

typedef struct Ctx {
    TesseraIR *b;
    ArmEnv *env;
    const ArmModel *m;
    uint64_t flags;
    uint32_t pc;      /* the instruction being translated */
    uint32_t next;    /* the next instruction */
    unsigned it;      /* its IT state */
    unsigned it_next; /* the IT state after it */
    unsigned env_it;  /* what env->it holds at this point of the block */
    unsigned start_it;
    bool handler;
    unsigned align;   /* TESSERA_MO_ALIGN when every access must be aligned */
    TesseraVal kh[4]; /* the last constants made (a handle is one value) */
    uint32_t kv[4];
    unsigned kn;
    unsigned mmu;     /* MMU context of loads and stores (ARM_MMU_*) */
} Ctx;

#define G32(f) tessera_ir_global_sized(c->b, offsetof(ArmEnv, f), TESSERA_MO_32)
#define G8(f) tessera_ir_global_sized(c->b, offsetof(ArmEnv, f), TESSERA_MO_8)

static TesseraVal cst(Ctx *c, uint64_t v)
{
    TesseraVal h = tessera_ir_const(c->b, v);
    c->kh[c->kn & 3] = h;
    c->kv[c->kn++ & 3] = (uint32_t)v;
    return h;
}

/* Whether v is one of the last constants cst() made, and its value. */
static bool known_const(Ctx *c, TesseraVal v, uint32_t *value)
{
    for (unsigned i = 0; i < 4; i++)
        if (c->kh[i] && c->kh[i] == v) {
            *value = c->kv[i];
            return true;
        }
    return false;
}
static TesseraVal tmp(Ctx *c) { return tessera_ir_temp(c->b); }
static TesseraVal NF(Ctx *c) { return G8(nf); }
static TesseraVal ZF(Ctx *c) { return G8(zf); }
static TesseraVal CF(Ctx *c) { return G8(cf); }
static TesseraVal VF(Ctx *c) { return G8(vf); }

static TesseraVal regv(Ctx *c, unsigned n)
{
    return tessera_ir_global_sized(c->b, offsetof(ArmEnv, r) + 4 * (n & 15),
                                   TESSERA_MO_32);
}

/* A register as an operand: r15 reads as the instruction's address + 4. */
static TesseraVal R(Ctx *c, unsigned n)
{
    if (n == 15)
        return cst(c, c->pc + 4);
    return regv(c, n);
}

static void mov(Ctx *c, TesseraVal d, TesseraVal s)
{
    tessera_ir_mov(c->b, TESSERA_I32, d, s);
}

static void bin(Ctx *c, TesseraBinop op, TesseraVal d, TesseraVal a,
                TesseraVal b2)
{
    tessera_ir_binop(c->b, op, TESSERA_I32, d, a, b2);
}

static void call(Ctx *c, TesseraHelper fn, unsigned flags, TesseraVal dst,
                 unsigned n, TesseraVal a0, TesseraVal a1, TesseraVal a2)
{
    TesseraVal args[3] = {a0, a1, a2};
    tessera_ir_call(c->b, fn, flags, dst, n, args);
}

/* ---------------------------------------------------------------------- */
/* Helpers                                                                 */

static uint64_t h_set_it(void *e, uint64_t it, uint64_t pc, uint64_t a2,
                         uint64_t a3)
{
    ArmEnv *env = e;
    env->it = (uint8_t)it;
    arm_update_tb_flags(env);
    tessera_cpu_set_pc(env->cpu, pc);
    tessera_cpu_exit_loop(env->cpu);
}

static uint64_t h_exc_return(void *e, uint64_t v, uint64_t a1, uint64_t a2,
                             uint64_t a3)
{
    ArmEnv *env = e;
    arm_exception_return(env, (uint32_t)v);
    tessera_cpu_exit_loop(env->cpu);
}

static uint64_t h_invstate(void *e, uint64_t target, uint64_t a1,
                           uint64_t a2, uint64_t a3)
{
    ArmEnv *env = e;
    env->it = 0;
    arm_fault(env, EXC_USAGE, CFSR_INVSTATE, (uint32_t)target);
}

static uint64_t h_undef(void *e, uint64_t a0, uint64_t a1, uint64_t a2,
                        uint64_t a3)
{
    ArmEnv *env = e;
    arm_fault(env, EXC_USAGE, (uint32_t)a0,
              (uint32_t)tessera_cpu_get_pc(env->cpu));
}

static uint64_t h_svc(void *e, uint64_t next, uint64_t it, uint64_t a2,
                      uint64_t a3)
{
    ArmEnv *env = e;
    env->it = (uint8_t)it;
    arm_raise(env, EXC_SVC, (uint32_t)next);
}

static uint64_t h_bkpt(void *e, uint64_t imm, uint64_t next, uint64_t a2,
                       uint64_t a3)
{
    ArmEnv *env = e;
    if (imm == 0xab && arm_semihosting_enabled()) {
        if (arm_semihost(env)) { /* the run ends here */
            tessera_cpu_set_pc(env->cpu, next);
            tessera_cpu_exit_loop(env->cpu);
        }
        return 0;
    }
    /* No debugger attached: a debug event escalates to HardFault. */
    env->hfsr |= 1u << 31;
    arm_raise(env, EXC_HARD, (uint32_t)tessera_cpu_get_pc(env->cpu));
}

static uint64_t h_wfi(void *e, uint64_t next, uint64_t a1, uint64_t a2,
                      uint64_t a3)
{
    arm_wfi(e, (uint32_t)next);
    return 0;
}

static uint64_t h_wfe(void *e, uint64_t pc, uint64_t a1, uint64_t a2,
                      uint64_t a3)
{
    arm_wfe(e, (uint32_t)pc);
    return 0;
}

static uint64_t h_sev(void *e, uint64_t a0, uint64_t a1, uint64_t a2,
                      uint64_t a3)
{
    arm_sev(e);
    return 0;
}

static uint64_t h_div0(ArmEnv *env)
{
    if (env->ccr & CCR_DIV_0_TRP)
        arm_fault(env, EXC_USAGE, CFSR_DIVBYZERO,
                  (uint32_t)tessera_cpu_get_pc(env->cpu));
    return 0;
}

static uint64_t h_udiv(void *e, uint64_t a, uint64_t b, uint64_t a2,
                       uint64_t a3)
{
    if ((uint32_t)b == 0)
        return h_div0(e);
    return (uint32_t)a / (uint32_t)b;
}

static uint64_t h_sdiv(void *e, uint64_t a, uint64_t b, uint64_t a2,
                       uint64_t a3)
{
    int32_t x = (int32_t)a, y = (int32_t)b;
    if (y == 0)
        return h_div0(e);
    if (x == INT32_MIN && y == -1)
        return (uint32_t)x;
    return (uint32_t)(x / y);
}

/* Shift by a register: result in bits 0-31, carry out in bit 32, bit 33
 * set when the carry changed (amount != 0). */
static uint64_t h_shift_reg(void *e, uint64_t v, uint64_t amt, uint64_t type,
                            uint64_t cin)
{
    uint32_t x = (uint32_t)v, n = (uint32_t)amt & 0xff, r;
    unsigned c = (unsigned)cin;
    if (n == 0)
        return x | (uint64_t)c << 32;
    switch (type) {
    case 0: /* LSL */
        r = n >= 32 ? 0 : x << n;
        c = n > 32 ? 0 : (x >> (32 - n)) & 1;
        break;
    case 1: /* LSR */
        r = n >= 32 ? 0 : x >> n;
        c = n > 32 ? 0 : (x >> (n - 1)) & 1;
        break;
    case 2: /* ASR */
        if (n >= 32) {
            r = (uint32_t)((int32_t)x >> 31);
            c = x >> 31;
        } else {
            r = (uint32_t)((int32_t)x >> n);
            c = (x >> (n - 1)) & 1;
        }
        break;
    default: /* ROR */
        n &= 31;
        r = n ? (x >> n) | (x << (32 - n)) : x;
        c = r >> 31;
        break;
    }
    return r | (uint64_t)c << 32 | 1ull << 33;
}

static uint64_t h_rbit(void *e, uint64_t v, uint64_t a1, uint64_t a2,
                       uint64_t a3)
{
    uint32_t x = (uint32_t)v, r = 0;
    for (int i = 0; i < 32; i++)
        if (x & (1u << i))
            r |= 1u << (31 - i);
    return r;
}

/* SSAT/USAT: a0 value (already shifted), a1 bits, a2 unsigned. Sets Q. */
static uint64_t h_sat(void *e, uint64_t v, uint64_t bits, uint64_t uns,
                      uint64_t a3)
{
    ArmEnv *env = e;
    int64_t x = (int32_t)v, lo, hi;
    if (uns) {
        lo = 0;
        hi = (bits >= 32) ? 0xffffffffll : ((1ll << bits) - 1);
    } else {
        hi = (1ll << (bits - 1)) - 1;
        lo = -(1ll << (bits - 1));
    }
    if (x > hi) {
        env->qf = 1;
        x = hi;
    } else if (x < lo) {
        env->qf = 1;
        x = lo;
    }
    return (uint32_t)x;
}

/* MRS: a0 SYSm. */
static uint64_t h_mrs(void *e, uint64_t sysm, uint64_t a1, uint64_t a2,
                      uint64_t a3)
{
    ArmEnv *env = e;
    bool handler = env->ipsr != 0;
    switch (sysm) {
    case 0: case 1: case 2: case 3: case 5: case 6: case 7: {
        uint32_t v = 0;
        if (sysm & 4)
            v = 0;
        else
            v = arm_xpsr(env) & 0xf80f0000u;
        if (sysm & 1)
            v |= env->ipsr;
        return v;
    }
    case 8:
        return (!handler && (env->control & 2)) ? env->other_sp : env->r[13];
    case 9:
        return (!handler && (env->control & 2)) ? env->r[13] : env->other_sp;
    case 16:
        return env->primask;
    case 17: case 18:
        return env->model->v7 ? env->basepri : 0;
    case 19:
        return env->model->v7 ? env->faultmask : 0;
    case 20:
        return env->control;
    default:
        return 0;
    }
}

/* MSR: a0 SYSm, a1 value, a2 mask field (bits 11:10 of the encoding). */
static uint64_t h_msr(void *e, uint64_t sysm, uint64_t v, uint64_t mask,
                      uint64_t a3)
{
    ArmEnv *env = e;
    uint32_t x = (uint32_t)v;
    bool priv = env->ipsr != 0 || !(env->control & 1);
    switch (sysm) {
    case 0: case 1: case 2: case 3:
        if (mask & 2) {
            env->nf = x >> 31;
            env->zf = (x >> 30) & 1;
            env->cf = (x >> 29) & 1;
            env->vf = (x >> 28) & 1;
            env->qf = (x >> 27) & 1;
        }
        if ((mask & 1) && env->model->dsp)
            env->ge = (x >> 16) & 15;
        break;
    case 8:
        if (priv)
            arm_set_sp(env, false, x & ~3u);
        break;
    case 9:
        if (priv)
            arm_set_sp(env, true, x & ~3u);
        break;
    case 16:
        if (priv)
            env->primask = x & 1;
        break;
    case 17:
        if (priv && env->model->v7)
            env->basepri = x & 0xff;
        break;
    case 18:
        if (priv && env->model->v7 && (x & 0xff) &&
            ((x & 0xff) < env->basepri || !env->basepri))
            env->basepri = x & 0xff;
        break;
    case 19:
        if (priv && env->model->v7 && arm_exec_prio(env) > -1)
            env->faultmask = x & 1;
        break;
    case 20:
        if (priv) {
            uint32_t old = env->control;
            uint32_t nv = x & (env->model->v7 ? 3u : 2u);
            if (env->model->fpu)
                nv |= x & ARM_CONTROL_FPCA;
            if (env->ipsr != 0)
                nv = (nv & ~2u) | (old & 2u); /* SPSEL: thread only */
            if ((nv ^ old) & 2) {
                uint32_t t = env->r[13];
                env->r[13] = env->other_sp;
                env->other_sp = t;
            }
            env->control = nv;
        }
        break;
    default:
        break;
    }
    arm_update_tb_flags(env);
    arm_check_irqs(env);
    return 0;
}

/* CPSIE/CPSID: a0 1 to disable, a1 bit 1 = I, bit 0 = F. */
static uint64_t h_cps(void *e, uint64_t dis, uint64_t which, uint64_t a2,
                      uint64_t a3)
{
    ArmEnv *env = e;
    bool priv = env->ipsr != 0 || !(env->control & 1);
    if (!priv)
        return 0;
    if (which & 2)
        env->primask = dis ? 1 : 0;
    if ((which & 1) && env->model->v7) {
        if (!dis)
            env->faultmask = 0;
        else if (arm_exec_prio(env) > -1)
            env->faultmask = 1;
    }
    arm_update_tb_flags(env); /* FAULTMASK may select another MMU context */
    arm_check_irqs(env);
    return 0;
}

/* ---------------------------------------------------------------------- */
/* Exits                                                                   */

static void sync_env_it(Ctx *c, unsigned it)
{
    if (c->env_it != it) {
        mov(c, G8(it), cst(c, it));
        c->env_it = it;
    }
}

/* Leaves the block for a known address with IT state it_after. */
static void exit_to(Ctx *c, uint32_t target, unsigned it_after)
{
    unsigned saved = c->env_it;
    sync_env_it(c, it_after);
    c->env_it = saved; /* other paths of the block still see the old one */
    if (it_after != c->start_it) {
        call(c, h_set_it, 0, TESSERA_IR_NONE, 2, cst(c, it_after),
             cst(c, target), 0);
        tessera_ir_exit_loop(c->b, target);
    } else {
        tessera_ir_goto(c->b, target);
    }
}

static void exit_dyn(Ctx *c, TesseraVal target, unsigned it_after)
{
    unsigned saved = c->env_it;
    sync_env_it(c, it_after);
    c->env_it = saved;
    if (it_after != c->start_it) {
        call(c, h_set_it, 0, TESSERA_IR_NONE, 2, cst(c, it_after), target, 0);
        tessera_ir_exit_loop(c->b, c->pc);
    } else {
        tessera_ir_goto_dyn(c->b, target);
    }
}

/* BXWritePC: interworking branch, exception return in handler mode. */
static void bx_write_pc(Ctx *c, TesseraVal v)
{
    TesseraVal t = tmp(c), bit = tmp(c);
    TesseraLabel inv = tessera_ir_label_new(c->b);
    mov(c, t, v);
    if (c->handler) {
        TesseraLabel go = tessera_ir_label_new(c->b);
        tessera_ir_brcond(c->b, TESSERA_LTU, TESSERA_I32, t,
                          cst(c, 0xf0000000u), go);
        call(c, h_exc_return, 0, TESSERA_IR_NONE, 1, t, 0, 0);
        tessera_ir_exit_loop(c->b, c->pc);
        tessera_ir_label_set(c->b, go);
    }
    bin(c, TESSERA_AND, bit, t, cst(c, 1));
    tessera_ir_brcond(c->b, TESSERA_EQ, TESSERA_I32, bit, cst(c, 0), inv);
    bin(c, TESSERA_AND, t, t, cst(c, ~1u));
    exit_dyn(c, t, c->it_next);
    tessera_ir_label_set(c->b, inv);
    call(c, h_invstate, 0, TESSERA_IR_NONE, 1, t, 0, 0);
    tessera_ir_exit_loop(c->b, c->pc);
}

/* BranchWritePC (ADD/MOV to PC): bit 0 ignored. */
static void branch_write_pc(Ctx *c, TesseraVal v)
{
    TesseraVal t = tmp(c);
    bin(c, TESSERA_AND, t, v, cst(c, ~1u));
    exit_dyn(c, t, c->it_next);
}

/* WFE: goes on, or sleeps with the PC on the WFE (the helper leaves). */
static void gen_wfe(Ctx *c)
{
    call(c, h_wfe, TESSERA_HELPER_NO_WRITE, TESSERA_IR_NONE, 1,
         cst(c, c->pc), 0, 0);
    exit_to(c, c->next, c->it_next);
}

static void gen_undef(Ctx *c, uint32_t cfsr)
{
    call(c, h_undef, TESSERA_HELPER_NO_WRITE, TESSERA_IR_NONE, 1,
         cst(c, cfsr), 0, 0);
    tessera_ir_exit_loop(c->b, c->pc);
}

/* ---------------------------------------------------------------------- */
/* Conditions and flags                                                    */

/* Branches to skip when condition cond (0-13) is false. */
static void gen_skip_unless(Ctx *c, unsigned cond, TesseraLabel skip)
{
    TesseraVal t;
    bool inv = cond & 1;
    TesseraCond z = inv ? TESSERA_EQ : TESSERA_NE; /* skip if ... */
    TesseraCond nz = inv ? TESSERA_NE : TESSERA_EQ;
    switch (cond >> 1) {
    case 0: /* EQ/NE */
        tessera_ir_brcond(c->b, nz, TESSERA_I32, ZF(c), cst(c, 0), skip);
        break;
    case 1: /* CS/CC */
        tessera_ir_brcond(c->b, nz, TESSERA_I32, CF(c), cst(c, 0), skip);
        break;
    case 2: /* MI/PL */
        tessera_ir_brcond(c->b, nz, TESSERA_I32, NF(c), cst(c, 0), skip);
        break;
    case 3: /* VS/VC */
        tessera_ir_brcond(c->b, nz, TESSERA_I32, VF(c), cst(c, 0), skip);
        break;
    case 4: /* HI: C && !Z */
        t = tmp(c);
        bin(c, TESSERA_XOR, t, ZF(c), cst(c, 1));
        bin(c, TESSERA_AND, t, t, CF(c));
        tessera_ir_brcond(c->b, nz, TESSERA_I32, t, cst(c, 0), skip);
        break;
    case 5: /* GE: N == V */
        t = tmp(c);
        bin(c, TESSERA_XOR, t, NF(c), VF(c));
        tessera_ir_brcond(c->b, z, TESSERA_I32, t, cst(c, 0), skip);
        break;
    case 6: /* GT: !Z && N == V */
        t = tmp(c);
        bin(c, TESSERA_XOR, t, NF(c), VF(c));
        bin(c, TESSERA_OR, t, t, ZF(c));
        tessera_ir_brcond(c->b, z, TESSERA_I32, t, cst(c, 0), skip);
        break;
    default:
        break;
    }
}

static void set_nz(Ctx *c, TesseraVal res)
{
    tessera_ir_extract(c->b, TESSERA_I32, NF(c), res, 31, 1);
    tessera_ir_setcond(c->b, TESSERA_EQ, TESSERA_I32, ZF(c), res, cst(c, 0));
}

/* d = a + b2 + cin, with NZCV when s. d may be NONE (compare). With a
 * carry in from C (ADC, SBC): the IR's 32-bit carry ops. */
static void gen_adc(Ctx *c, TesseraVal d, TesseraVal a, TesseraVal b2,
                    TesseraVal cin, bool s)
{
    TesseraVal r = tmp(c);
    tessera_ir_carry(c->b, TESSERA_ADDC, 32, r, a, b2, cin);
    if (s) {
        TesseraVal cf = tmp(c), vf = tmp(c);
        tessera_ir_carry(c->b, TESSERA_ADD_CARRY, 32, cf, a, b2, cin);
        tessera_ir_carry(c->b, TESSERA_ADD_OVERFLOW, 32, vf, a, b2, cin);
        set_nz(c, r);
        mov(c, CF(c), cf);
        mov(c, VF(c), vf);
    }
    if (d != TESSERA_IR_NONE)
        mov(c, d, r);
}

/* d = a + b2 or a - b2 (no carry in), with NZCV when s, in plain 32-bit
 * ops (ADD, SUB, CMP, CMN, RSB: most flag-setting instructions): C is
 * r < a (add) or a >= b2 (sub, no borrow); V is bit 31 of
 * (a ^ r) & (b2 ^ r) (add) or (a ^ b2) & (a ^ r) (sub). With a constant
 * b2, adding k (as a signed number, -k for a subtraction: 1 to 2^31)
 * overflows for one range of a, so V is one unsigned compare: k > 0:
 * a in [2^31 - k, 2^31 - 1]; k < 0: a in [2^31, 2^31 - k - 1]. */
static void gen_addsub(Ctx *c, TesseraVal d, TesseraVal a, TesseraVal b2,
                       bool sub, bool s)
{
    TesseraVal r = tmp(c);
    uint32_t kv;
    bool kc = s && known_const(c, b2, &kv);
    bin(c, sub ? TESSERA_SUB : TESSERA_ADD, r, a, b2);
    if (s) {
        tessera_ir_setcond(c->b, sub ? TESSERA_GEU : TESSERA_LTU,
                           TESSERA_I32, CF(c), sub ? a : r, sub ? b2 : a);
        if (kc) {
            int64_t k = (int32_t)kv;
            if (sub)
                k = -k;
            if (k == 0) {
                mov(c, VF(c), cst(c, 0));
            } else {
                TesseraVal x = tmp(c);
                uint32_t lo = k > 0 ? (uint32_t)(0x80000000u - (uint64_t)k)
                                    : 0x80000000u;
                uint32_t n = k > 0 ? (uint32_t)k : (uint32_t)-k;
                bin(c, TESSERA_SUB, x, a, cst(c, lo));
                tessera_ir_setcond(c->b, TESSERA_LTU, TESSERA_I32, VF(c), x,
                                   cst(c, n));
            }
        } else {
            TesseraVal x = tmp(c), y = tmp(c);
            bin(c, TESSERA_XOR, x, a, sub ? b2 : r);
            bin(c, TESSERA_XOR, y, sub ? a : b2, r);
            bin(c, TESSERA_AND, x, x, y);
            tessera_ir_extract(c->b, TESSERA_I32, VF(c), x, 31, 1);
        }
        set_nz(c, r);
    }
    if (d != TESSERA_IR_NONE)
        mov(c, d, r);
}

/* d = a - b2 (- !C when carry) */
static void gen_sbc(Ctx *c, TesseraVal d, TesseraVal a, TesseraVal b2,
                    bool use_carry, bool s)
{
    if (!use_carry) {
        gen_addsub(c, d, a, b2, true, s);
        return;
    }
    TesseraVal nb = tmp(c);
    tessera_ir_unop(c->b, TESSERA_NOT, TESSERA_I32, nb, b2);
    gen_adc(c, d, a, nb, CF(c), s);
}

/* Immediate shift (DecodeImmShift): result into a temp; *carry gets the
 * shifter carry out or NONE when C is unchanged. */
static TesseraVal shift_imm(Ctx *c, TesseraVal v, unsigned type,
                            unsigned imm5, TesseraVal *carry)
{
    TesseraVal r = tmp(c), co = tmp(c);
    *carry = TESSERA_IR_NONE;
    switch (type) {
    case 0:
        if (imm5 == 0) {
            mov(c, r, v);
            return r;
        }
        tessera_ir_extract(c->b, TESSERA_I32, co, v, 32 - imm5, 1);
        bin(c, TESSERA_SHL, r, v, cst(c, imm5));
        break;
    case 1:
        if (imm5 == 0) {
            tessera_ir_extract(c->b, TESSERA_I32, co, v, 31, 1);
            mov(c, r, cst(c, 0));
        } else {
            tessera_ir_extract(c->b, TESSERA_I32, co, v, imm5 - 1, 1);
            bin(c, TESSERA_SHR, r, v, cst(c, imm5));
        }
        break;
    case 2:
        if (imm5 == 0)
            imm5 = 32;
        tessera_ir_extract(c->b, TESSERA_I32, co, v, imm5 - 1, 1);
        bin(c, TESSERA_SAR, r, v, cst(c, imm5 == 32 ? 31 : imm5));
        break;
    default:
        if (imm5 == 0) { /* RRX */
            TesseraVal t = tmp(c);
            tessera_ir_extract(c->b, TESSERA_I32, co, v, 0, 1);
            bin(c, TESSERA_SHR, r, v, cst(c, 1));
            bin(c, TESSERA_SHL, t, CF(c), cst(c, 31));
            bin(c, TESSERA_OR, r, r, t);
        } else {
            bin(c, TESSERA_ROTR, r, v, cst(c, imm5));
            tessera_ir_extract(c->b, TESSERA_I32, co, r, 31, 1);
        }
        break;
    }
    *carry = co;
    return r;
}

/* Register-specified shift with flags. */
static void gen_shift_reg(Ctx *c, unsigned rd, TesseraVal v, TesseraVal amt,
                          unsigned type, bool s)
{
    TesseraVal r = tmp(c);
    TesseraVal args[4] = {v, amt, cst(c, type), CF(c)};
    tessera_ir_call(c->b, h_shift_reg, TESSERA_HELPER_PURE, r, 4, args);
    if (s) {
        TesseraVal res = tmp(c);
        mov(c, res, r);
        set_nz(c, res);
        tessera_ir_extract(c->b, TESSERA_I64, CF(c), r, 32, 1);
        mov(c, regv(c, rd), res);
    } else {
        mov(c, regv(c, rd), r);
    }
}

static void logic_flags(Ctx *c, TesseraVal res, TesseraVal carry)
{
    set_nz(c, res);
    if (carry != TESSERA_IR_NONE)
        mov(c, CF(c), carry);
}

/* ThumbExpandImm_C: the value, and whether it sets the carry to bit 31. */
static uint32_t expand_imm(unsigned imm12, bool *carry_set)
{
    uint32_t v = imm12 & 0xff;
    *carry_set = false;
    if ((imm12 >> 10) == 0) {
        switch ((imm12 >> 8) & 3) {
        case 0: return v;
        case 1: return v | v << 16;
        case 2: return v << 8 | v << 24;
        default: return v | v << 8 | v << 16 | v << 24;
        }
    }
    unsigned rot = imm12 >> 7;
    v = 0x80 | (imm12 & 0x7f);
    *carry_set = true;
    return (v >> rot) | (v << (32 - rot));
}

/*
 * The data-processing operations of Thumb-2 (op = bits 8:5 of the first
 * halfword), on operand values a (Rn) and b2 (shifted register or
 * immediate), with the shifter carry (NONE = unchanged). Returns false
 * when the encoding is undefined. rd == 15 with s: compare forms.
 */
static bool gen_dp(Ctx *c, unsigned op, bool s, unsigned rd, unsigned rn,
                   TesseraVal b2, TesseraVal carry)
{
    TesseraVal a = R(c, rn), res = tmp(c);
    bool test = rd == 15 && s;
    switch (op) {
    case 0: /* AND, TST */
        bin(c, TESSERA_AND, res, a, b2);
        break;
    case 1: /* BIC */
        tessera_ir_unop(c->b, TESSERA_NOT, TESSERA_I32, res, b2);
        bin(c, TESSERA_AND, res, a, res);
        break;
    case 2: /* ORR, MOV */
        if (rn == 15)
            mov(c, res, b2);
        else
            bin(c, TESSERA_OR, res, a, b2);
        break;
    case 3: /* ORN, MVN */
        tessera_ir_unop(c->b, TESSERA_NOT, TESSERA_I32, res, b2);
        if (rn != 15)
            bin(c, TESSERA_OR, res, a, res);
        break;
    case 4: /* EOR, TEQ */
        bin(c, TESSERA_XOR, res, a, b2);
        break;
    case 8: /* ADD, CMN */
        gen_addsub(c, test ? TESSERA_IR_NONE : regv(c, rd), a, b2, false, s);
        return rd != 15 || s;
    case 10:
        gen_adc(c, regv(c, rd), a, b2, CF(c), s);
        return rd != 15;
    case 11:
        gen_sbc(c, regv(c, rd), a, b2, true, s);
        return rd != 15;
    case 13: /* SUB, CMP */
        gen_sbc(c, test ? TESSERA_IR_NONE : regv(c, rd), a, b2, false, s);
        return rd != 15 || s;
    case 14: /* RSB */
        gen_sbc(c, regv(c, rd), b2, a, false, s);
        return rd != 15;
    default:
        return false;
    }
    if (rd == 15 && !(s && (op == 0 || op == 4)))
        return false;
    if (s)
        logic_flags(c, res, carry);
    if (!test)
        mov(c, regv(c, rd), res);
    return true;
}

/* ---------------------------------------------------------------------- */
/* Loads and stores                                                        */

static void gen_load(Ctx *c, unsigned rt, TesseraVal addr, unsigned memop,
                     bool *ended)
{
    if (rt == 15) {
        TesseraVal t = tmp(c);
        tessera_ir_load(c->b, t, addr, 0, TESSERA_MO_32 | c->align, c->mmu);
        bx_write_pc(c, t);
        *ended = true;
        return;
    }
    if ((memop & TESSERA_MO_SIZE_MASK) > 1)
        memop |= c->align;
    TesseraVal t = tmp(c);
    tessera_ir_load(c->b, t, addr, 0, memop, c->mmu);
    mov(c, regv(c, rt), t);
}

static void gen_store(Ctx *c, unsigned rt, TesseraVal addr, unsigned memop)
{
    if ((memop & TESSERA_MO_SIZE_MASK) > 1)
        memop |= c->align;
    tessera_ir_store(c->b, R(c, rt), addr, 0, memop, c->mmu);
}

/* Address: base + offset into a new temp (32-bit wrap). */
static TesseraVal addr_of(Ctx *c, TesseraVal base, int32_t off)
{
    TesseraVal a = tmp(c);
    bin(c, TESSERA_ADD, a, base, cst(c, (uint32_t)off));
    return a;
}

/* LDM/STM: list of registers, increment after or decrement before. */
static bool gen_ldstm(Ctx *c, unsigned rn, unsigned list, bool load,
                      bool db, bool wback, bool *ended)
{
    unsigned n = __builtin_popcount(list);
    if (n == 0)
        return false;
    TesseraVal base = tmp(c), a = tmp(c), pcval = TESSERA_IR_NONE;
    mov(c, base, R(c, rn));
    if (db)
        bin(c, TESSERA_SUB, a, base, cst(c, 4 * n));
    else
        mov(c, a, base);
    unsigned i = 0;
    for (unsigned r = 0; r < 16; r++) {
        if (!(list & (1u << r)))
            continue;
        TesseraVal ea = addr_of(c, a, 4 * i++);
        if (load) {
            TesseraVal t = tmp(c);
            tessera_ir_load(c->b, t, ea, 0, TESSERA_MO_32 | TESSERA_MO_ALIGN,
                            c->mmu);
            if (r == 15)
                pcval = t;
            else
                mov(c, regv(c, r), t);
        } else {
            tessera_ir_store(c->b, R(c, r), ea, 0,
                             TESSERA_MO_32 | TESSERA_MO_ALIGN, c->mmu);
        }
    }
    if (wback && !(load && (list & (1u << rn)))) {
        TesseraVal nb = tmp(c);
        if (db)
            bin(c, TESSERA_SUB, nb, base, cst(c, 4 * n));
        else
            bin(c, TESSERA_ADD, nb, base, cst(c, 4 * n));
        mov(c, regv(c, rn), nb);
    }
    if (pcval != TESSERA_IR_NONE) {
        bx_write_pc(c, pcval);
        *ended = true;
    }
    return true;
}

static void gen_ldrex(Ctx *c, unsigned rt, TesseraVal addr, unsigned memop)
{
    TesseraVal t = tmp(c);
    tessera_ir_load(c->b, t, addr, 0, memop | TESSERA_MO_ALIGN, c->mmu);
    tessera_ir_mov(c->b, TESSERA_I64, tessera_ir_global(c->b,
                   offsetof(ArmEnv, excl_addr)), addr);
    mov(c, G32(excl_val), t);
    mov(c, regv(c, rt), t);
}

static void gen_strex(Ctx *c, unsigned rd, unsigned rt, TesseraVal addr,
                      unsigned memop)
{
    TesseraVal ea = tessera_ir_global(c->b, offsetof(ArmEnv, excl_addr));
    TesseraVal ev = G32(excl_val);
    TesseraVal cur = tmp(c), res = tmp(c), a = tmp(c);
    TesseraLabel fail = tessera_ir_label_new(c->b);
    tessera_ir_mov(c->b, TESSERA_I64, a, addr);
    mov(c, res, cst(c, 1));
    tessera_ir_brcond(c->b, TESSERA_NE, TESSERA_I64, ea, a, fail);
    tessera_ir_atomic_cmpxchg(c->b, cur, a, 0, ev, R(c, rt),
                              memop | TESSERA_MO_ALIGN, c->mmu);
    tessera_ir_setcond(c->b, TESSERA_NE, TESSERA_I64, res, cur, ev);
    tessera_ir_label_set(c->b, fail);
    tessera_ir_mov(c->b, TESSERA_I64, ea, cst(c, ~0ull));
    mov(c, regv(c, rd), res);
}

/* ---------------------------------------------------------------------- */
/* 16-bit instructions                                                     */

static bool t16(Ctx *c, unsigned h, bool *ended)
{
    bool s = c->it == 0; /* flag-setting outside IT blocks */
    unsigned rd = h & 7, rn = (h >> 3) & 7, rm = (h >> 6) & 7;
    TesseraVal carry, v;

    switch (h >> 11) {
    case 0: case 1: case 2: { /* LSL/LSR/ASR imm */
        unsigned type = h >> 11, imm5 = (h >> 6) & 31;
        v = shift_imm(c, R(c, rn), type, imm5, &carry);
        if (s)
            logic_flags(c, v, carry);
        mov(c, regv(c, rd), v);
        return true;
    }
    case 3: { /* ADD/SUB reg/imm3 */
        TesseraVal b2 = (h & 0x400) ? cst(c, rm) : R(c, rm);
        if (h & 0x200)
            gen_sbc(c, regv(c, rd), R(c, rn), b2, false, s);
        else
            gen_addsub(c, regv(c, rd), R(c, rn), b2, false, s);
        return true;
    }
    case 4: /* MOV imm8 */
        rd = (h >> 8) & 7;
        mov(c, regv(c, rd), cst(c, h & 0xff));
        if (s)
            set_nz(c, cst(c, h & 0xff));
        return true;
    case 5: /* CMP imm8 */
        gen_sbc(c, TESSERA_IR_NONE, R(c, (h >> 8) & 7), cst(c, h & 0xff),
                false, true);
        return true;
    case 6: /* ADD imm8 */
        rd = (h >> 8) & 7;
        gen_addsub(c, regv(c, rd), R(c, rd), cst(c, h & 0xff), false, s);
        return true;
    case 7: /* SUB imm8 */
        rd = (h >> 8) & 7;
        gen_sbc(c, regv(c, rd), R(c, rd), cst(c, h & 0xff), false, s);
        return true;
    case 8:
        if (!(h & 0x400)) { /* data processing */
            unsigned op = (h >> 6) & 15;
            TesseraVal a = R(c, rd), b2 = R(c, rn), res = tmp(c);
            switch (op) {
            case 0: bin(c, TESSERA_AND, res, a, b2); break;
            case 1: bin(c, TESSERA_XOR, res, a, b2); break;
            case 2: gen_shift_reg(c, rd, a, b2, 0, s); return true;
            case 3: gen_shift_reg(c, rd, a, b2, 1, s); return true;
            case 4: gen_shift_reg(c, rd, a, b2, 2, s); return true;
            case 5: gen_adc(c, regv(c, rd), a, b2, CF(c), s); return true;
            case 6: gen_sbc(c, regv(c, rd), a, b2, true, s); return true;
            case 7: gen_shift_reg(c, rd, a, b2, 3, s); return true;
            case 8: /* TST */
                bin(c, TESSERA_AND, res, a, b2);
                set_nz(c, res);
                return true;
            case 9: /* RSB #0 */
                gen_sbc(c, regv(c, rd), cst(c, 0), b2, false, s);
                return true;
            case 10:
                gen_sbc(c, TESSERA_IR_NONE, a, b2, false, true);
                return true;
            case 11:
                gen_addsub(c, TESSERA_IR_NONE, a, b2, false, true);
                return true;
            case 12: bin(c, TESSERA_OR, res, a, b2); break;
            case 13: bin(c, TESSERA_MUL, res, a, b2); break;
            case 14:
                tessera_ir_unop(c->b, TESSERA_NOT, TESSERA_I32, res, b2);
                bin(c, TESSERA_AND, res, a, res);
                break;
            default:
                tessera_ir_unop(c->b, TESSERA_NOT, TESSERA_I32, res, b2);
                break;
            }
            if (s)
                set_nz(c, res);
            mov(c, regv(c, rd), res);
            return true;
        }
        if ((h & 0x300) != 0x300) { /* ADD/CMP/MOV high registers */
            unsigned op = (h >> 8) & 3;
            rd = (h & 7) | ((h >> 4) & 8);
            rm = (h >> 3) & 15;
            if (op == 0) {
                TesseraVal res = tmp(c);
                bin(c, TESSERA_ADD, res, R(c, rd), R(c, rm));
                if (rd == 15) {
                    branch_write_pc(c, res);
                    *ended = true;
                } else {
                    mov(c, regv(c, rd), res);
                }
            } else if (op == 1) {
                gen_sbc(c, TESSERA_IR_NONE, R(c, rd), R(c, rm), false, true);
            } else {
                if (rd == 15) {
                    branch_write_pc(c, R(c, rm));
                    *ended = true;
                } else {
                    mov(c, regv(c, rd), R(c, rm));
                }
            }
            return true;
        }
        /* BX, BLX */
        rm = (h >> 3) & 15;
        if (h & 0x80) {
            TesseraVal t = tmp(c);
            mov(c, t, R(c, rm));
            mov(c, regv(c, 14), cst(c, c->next | 1));
            bx_write_pc(c, t);
        } else {
            bx_write_pc(c, R(c, rm));
        }
        *ended = true;
        return true;
    case 9: { /* LDR literal */
        uint32_t a = ((c->pc + 4) & ~3u) + (h & 0xff) * 4;
        gen_load(c, (h >> 8) & 7, cst(c, a), TESSERA_MO_32, ended);
        return true;
    }
    case 10: case 11: { /* load/store register offset */
        TesseraVal a = tmp(c);
        static const unsigned ops[8] = {
            TESSERA_MO_32, TESSERA_MO_16, TESSERA_MO_8,
            TESSERA_MO_8 | TESSERA_MO_SIGN, TESSERA_MO_32, TESSERA_MO_16,
            TESSERA_MO_8, TESSERA_MO_16 | TESSERA_MO_SIGN};
        unsigned op = (h >> 9) & 7;
        bin(c, TESSERA_ADD, a, R(c, rn), R(c, rm));
        if (op < 3)
            gen_store(c, rd, a, ops[op]);
        else
            gen_load(c, rd, a, ops[op], ended);
        return true;
    }
    case 12: case 13: case 14: case 15: case 16: case 17: {
        unsigned imm5 = (h >> 6) & 31, memop, sc;
        if ((h >> 11) <= 13) {
            memop = TESSERA_MO_32;
            sc = 4;
        } else if ((h >> 11) <= 15) {
            memop = TESSERA_MO_8;
            sc = 1;
        } else {
            memop = TESSERA_MO_16;
            sc = 2;
        }
        TesseraVal a = addr_of(c, R(c, rn), imm5 * sc);
        if (h & 0x800)
            gen_load(c, rd, a, memop, ended);
        else
            gen_store(c, rd, a, memop);
        return true;
    }
    case 18: case 19: { /* STR/LDR SP-relative */
        TesseraVal a = addr_of(c, R(c, 13), (h & 0xff) * 4);
        if (h & 0x800)
            gen_load(c, (h >> 8) & 7, a, TESSERA_MO_32, ended);
        else
            gen_store(c, (h >> 8) & 7, a, TESSERA_MO_32);
        return true;
    }
    case 20: /* ADR */
        mov(c, regv(c, (h >> 8) & 7),
            cst(c, ((c->pc + 4) & ~3u) + (h & 0xff) * 4));
        return true;
    case 21: /* ADD Rd, SP, imm */
        bin(c, TESSERA_ADD, regv(c, (h >> 8) & 7), R(c, 13),
            cst(c, (h & 0xff) * 4));
        return true;
    case 22: case 23: /* miscellaneous */
        switch ((h >> 8) & 15) {
        case 0:
            bin(c, (h & 0x80) ? TESSERA_SUB : TESSERA_ADD, regv(c, 13),
                R(c, 13), cst(c, (h & 0x7f) * 4));
            return true;
        case 1: case 3: case 9: case 11: { /* CBZ, CBNZ */
            if (!c->m->v7)
                return false;
            uint32_t t = c->pc + 4 + ((((h >> 9) & 1) << 6) |
                                      (((h >> 3) & 0x1f) << 1));
            TesseraLabel taken = tessera_ir_label_new(c->b);
            tessera_ir_brcond(c->b, (h & 0x800) ? TESSERA_NE : TESSERA_EQ,
                              TESSERA_I32, R(c, rd), cst(c, 0), taken);
            exit_to(c, c->next, 0);
            tessera_ir_label_set(c->b, taken);
            exit_to(c, t, 0);
            *ended = true;
            return true;
        }
        case 2: { /* SXTH SXTB UXTH UXTB */
            static const TesseraUnop ext[4] = {TESSERA_EXT16S, TESSERA_EXT8S,
                                               TESSERA_EXT16U, TESSERA_EXT8U};
            tessera_ir_unop(c->b, ext[(h >> 6) & 3], TESSERA_I32,
                            regv(c, rd), R(c, rn));
            return true;
        }
        case 4: case 5: /* PUSH */
            return gen_ldstm(c, 13, (h & 0xff) | ((h & 0x100) ? 0x4000 : 0),
                             false, true, true, ended);
        case 12: case 13: /* POP */
            return gen_ldstm(c, 13, (h & 0xff) | ((h & 0x100) ? 0x8000 : 0),
                             true, false, true, ended);
        case 6: /* CPS */
            if ((h & 0xffe8) != 0xb660)
                return false;
            call(c, h_cps, TESSERA_HELPER_NO_READ | TESSERA_HELPER_NO_WRITE,
                 TESSERA_IR_NONE, 2, cst(c, (h >> 4) & 1), cst(c, h & 3), 0);
            exit_to(c, c->next, c->it_next);
            *ended = true;
            return true;
        case 10: { /* REV REV16 REVSH */
            unsigned op = (h >> 6) & 3;
            TesseraVal x = R(c, rn), t = tmp(c), u = tmp(c);
            if (op == 0) {
                tessera_ir_unop(c->b, TESSERA_BSWAP32, TESSERA_I32,
                                regv(c, rd), x);
            } else if (op == 1) {
                bin(c, TESSERA_SHR, t, x, cst(c, 8));
                bin(c, TESSERA_AND, t, t, cst(c, 0x00ff00ff));
                bin(c, TESSERA_SHL, u, x, cst(c, 8));
                bin(c, TESSERA_AND, u, u, cst(c, 0xff00ff00u));
                bin(c, TESSERA_OR, regv(c, rd), t, u);
            } else if (op == 3) {
                tessera_ir_unop(c->b, TESSERA_BSWAP16, TESSERA_I32, t, x);
                tessera_ir_unop(c->b, TESSERA_EXT16S, TESSERA_I32,
                                regv(c, rd), t);
            } else {
                return false;
            }
            return true;
        }
        case 14: /* BKPT */
            call(c, h_bkpt, 0, TESSERA_IR_NONE, 2, cst(c, h & 0xff),
                 cst(c, c->next), 0);
            return true;
        case 15: /* IT and hints */
            if (h & 15) /* IT itself is handled by the caller */
                return true;
            switch ((h >> 4) & 15) {
            case 0: case 1: /* NOP YIELD */
                return true;
            case 2: /* WFE */
                gen_wfe(c);
                *ended = true;
                return true;
            case 4: /* SEV */
                call(c, h_sev, TESSERA_HELPER_NO_READ | TESSERA_HELPER_NO_WRITE,
                     TESSERA_IR_NONE, 0, 0, 0, 0);
                return true;
            case 3: /* WFI */
                call(c, h_wfi, TESSERA_HELPER_NO_READ | TESSERA_HELPER_NO_WRITE,
                     TESSERA_IR_NONE, 1, cst(c, c->next), 0, 0);
                exit_to(c, c->next, c->it_next);
                *ended = true;
                return true;
            default:
                return true;
            }
        default:
            return false;
        }
    case 24: case 25: { /* STM, LDM */
        unsigned list = h & 0xff;
        bool load = h & 0x800;
        rn = (h >> 8) & 7;
        return gen_ldstm(c, rn, list, load, false,
                         !load || !(list & (1u << rn)), ended);
    }
    case 26: case 27: { /* B cond, UDF, SVC */
        unsigned cond = (h >> 8) & 15;
        if (cond == 14) {
            gen_undef(c, CFSR_UNDEFINSTR);
            *ended = true;
            return true;
        }
        if (cond == 15) {
            call(c, h_svc, TESSERA_HELPER_NO_WRITE, TESSERA_IR_NONE, 2,
                 cst(c, c->next), cst(c, c->it_next), 0);
            tessera_ir_exit_loop(c->b, c->next);
            *ended = true;
            return true;
        }
        uint32_t t = c->pc + 4 + (uint32_t)((int32_t)(int8_t)(h & 0xff) * 2);
        TesseraLabel skip = tessera_ir_label_new(c->b);
        gen_skip_unless(c, cond, skip);
        exit_to(c, t, 0);
        tessera_ir_label_set(c->b, skip);
        exit_to(c, c->next, 0);
        *ended = true;
        return true;
    }
    case 28: { /* B */
        int32_t off = (int32_t)((uint32_t)(h & 0x7ff) << 21) >> 20;
        exit_to(c, c->pc + 4 + (uint32_t)off, 0);
        *ended = true;
        return true;
    }
    default:
        return false;
    }
}

/* ---------------------------------------------------------------------- */
/* 32-bit instructions                                                     */

static bool t32_ldst_single(Ctx *c, unsigned h1, unsigned h2, bool *ended)
{
    unsigned rn = h1 & 15, rt = h2 >> 12, size = (h1 >> 5) & 3;
    bool load = h1 & 0x10, sign = h1 & 0x100;
    unsigned memop = (1u << size) | (sign ? TESSERA_MO_SIGN : 0);
    TesseraVal a = tmp(c), base;
    bool wback = false, post = false;
    int32_t off = 0;

    if (size == 3 || (!load && sign))
        return false;
    if (rn == 15) {
        if (!load)
            return false;
        off = (h1 & 0x80) ? (int32_t)(h2 & 0xfff) : -(int32_t)(h2 & 0xfff);
        base = cst(c, (c->pc + 4) & ~3u);
        bin(c, TESSERA_ADD, a, base, cst(c, (uint32_t)off));
    } else if (h1 & 0x80) {
        bin(c, TESSERA_ADD, a, R(c, rn), cst(c, h2 & 0xfff));
    } else if ((h2 & 0xf00) == 0xe00) {
        /* LDRT, STRT and kin: the access is checked as unprivileged. */
        if (rn == 15 || rt == 15 || rt == 13)
            return false;
        bin(c, TESSERA_ADD, a, R(c, rn), cst(c, h2 & 0xff));
        unsigned mmu = c->mmu;
        if (c->mmu != ARM_MMU_NOMPU)
            c->mmu = ARM_MMU_UNPRIV;
        if (load)
            gen_load(c, rt, a, memop, ended);
        else
            gen_store(c, rt, a, memop);
        c->mmu = mmu;
        return true;
    } else if (h2 & 0x800) {
        unsigned p = (h2 >> 10) & 1, u = (h2 >> 9) & 1, w = (h2 >> 8) & 1;
        if (!p && !w)
            return false;
        off = u ? (int32_t)(h2 & 0xff) : -(int32_t)(h2 & 0xff);
        wback = w;
        post = !p;
        if (wback && (rn == rt))
            return false;
        if (post)
            mov(c, a, R(c, rn));
        else
            bin(c, TESSERA_ADD, a, R(c, rn), cst(c, (uint32_t)off));
    } else if ((h2 & 0xfc0) == 0) {
        TesseraVal t = tmp(c);
        bin(c, TESSERA_SHL, t, R(c, h2 & 15), cst(c, (h2 >> 4) & 3));
        bin(c, TESSERA_ADD, a, R(c, rn), t);
    } else {
        return false;
    }
    if (load && rt == 15 && size < 2)
        return true; /* PLD, PLI: hints */
    if (load) {
        if (rt == 15) {
            if (wback) {
                TesseraVal nb = tmp(c);
                bin(c, TESSERA_ADD, nb, R(c, rn), cst(c, (uint32_t)off));
                TesseraVal t = tmp(c);
                tessera_ir_load(c->b, t, a, 0, TESSERA_MO_32 | c->align, c->mmu);
                mov(c, regv(c, rn), nb);
                bx_write_pc(c, t);
                *ended = true;
                return true;
            }
            gen_load(c, 15, a, memop, ended);
            return true;
        }
        gen_load(c, rt, a, memop, ended);
    } else {
        gen_store(c, rt, a, memop);
    }
    if (wback)
        bin(c, TESSERA_ADD, regv(c, rn), R(c, rn), cst(c, (uint32_t)off));
    return true;
}

static bool t32_ldst_dual_excl(Ctx *c, unsigned h1, unsigned h2, bool *ended)
{
    unsigned op1 = (h1 >> 7) & 3, op2 = (h1 >> 4) & 3, op3 = (h2 >> 4) & 15;
    unsigned rn = h1 & 15, rt = h2 >> 12, rt2 = (h2 >> 8) & 15;
    if (op1 == 0 && op2 == 0) { /* STREX */
        gen_strex(c, rt2, rt, addr_of(c, R(c, rn), (h2 & 0xff) * 4),
                  TESSERA_MO_32);
        return true;
    }
    if (op1 == 0 && op2 == 1) { /* LDREX */
        gen_ldrex(c, rt, addr_of(c, R(c, rn), (h2 & 0xff) * 4),
                  TESSERA_MO_32);
        return true;
    }
    if (op1 == 1 && op2 == 0) {
        if (op3 == 4 || op3 == 5) {
            gen_strex(c, h2 & 15, rt, addr_of(c, R(c, rn), 0),
                      op3 == 4 ? TESSERA_MO_8 : TESSERA_MO_16);
            return true;
        }
        return false;
    }
    if (op1 == 1 && op2 == 1) {
        if (op3 == 0 || op3 == 1) { /* TBB, TBH */
            TesseraVal a = tmp(c), t = tmp(c), tg = tmp(c);
            if (op3 == 1) {
                bin(c, TESSERA_SHL, t, R(c, h2 & 15), cst(c, 1));
                bin(c, TESSERA_ADD, a, R(c, rn), t);
            } else {
                bin(c, TESSERA_ADD, a, R(c, rn), R(c, h2 & 15));
            }
            tessera_ir_load(c->b, t, a, 0,
                            op3 ? TESSERA_MO_16 | c->align : TESSERA_MO_8, c->mmu);
            bin(c, TESSERA_SHL, t, t, cst(c, 1));
            bin(c, TESSERA_ADD, tg, t, cst(c, c->pc + 4));
            exit_dyn(c, tg, 0);
            *ended = true;
            return true;
        }
        if (op3 == 4 || op3 == 5) {
            gen_ldrex(c, rt, addr_of(c, R(c, rn), 0),
                      op3 == 4 ? TESSERA_MO_8 : TESSERA_MO_16);
            return true;
        }
        return false;
    }
    /* LDRD, STRD */
    bool p = h1 & 0x100, u = h1 & 0x80, w = h1 & 0x20, load = h1 & 0x10;
    int32_t off = u ? (int32_t)((h2 & 0xff) * 4) : -(int32_t)((h2 & 0xff) * 4);
    TesseraVal base = rn == 15 ? cst(c, (c->pc + 4) & ~3u) : R(c, rn);
    TesseraVal a = tmp(c);
    if (p)
        bin(c, TESSERA_ADD, a, base, cst(c, (uint32_t)off));
    else
        mov(c, a, base);
    if (load) {
        TesseraVal t1 = tmp(c), t2 = tmp(c);
        tessera_ir_load(c->b, t1, a, 0, TESSERA_MO_32 | TESSERA_MO_ALIGN, c->mmu);
        tessera_ir_load(c->b, t2, a, 4, TESSERA_MO_32 | TESSERA_MO_ALIGN, c->mmu);
        if (w)
            bin(c, TESSERA_ADD, regv(c, rn), base, cst(c, (uint32_t)off));
        mov(c, regv(c, rt), t1);
        mov(c, regv(c, rt2), t2);
    } else {
        tessera_ir_store(c->b, R(c, rt), a, 0,
                         TESSERA_MO_32 | TESSERA_MO_ALIGN, c->mmu);
        tessera_ir_store(c->b, R(c, rt2), a, 4,
                         TESSERA_MO_32 | TESSERA_MO_ALIGN, c->mmu);
        if (w)
            bin(c, TESSERA_ADD, regv(c, rn), base, cst(c, (uint32_t)off));
    }
    return true;
}

static bool t32_plain_imm(Ctx *c, unsigned h1, unsigned h2)
{
    unsigned op = (h1 >> 4) & 31, rn = h1 & 15, rd = (h2 >> 8) & 15;
    unsigned imm12 = ((h1 >> 10) & 1) << 11 | ((h2 >> 12) & 7) << 8 |
                     (h2 & 0xff);
    unsigned lsb = ((h2 >> 12) & 7) << 2 | ((h2 >> 6) & 3);
    unsigned w5 = h2 & 31;
    switch (op) {
    case 0: /* ADDW, ADR */
        if (rn == 15)
            mov(c, regv(c, rd), cst(c, ((c->pc + 4) & ~3u) + imm12));
        else
            bin(c, TESSERA_ADD, regv(c, rd), R(c, rn), cst(c, imm12));
        return true;
    case 10: /* SUBW, ADR */
        if (rn == 15)
            mov(c, regv(c, rd), cst(c, ((c->pc + 4) & ~3u) - imm12));
        else
            bin(c, TESSERA_SUB, regv(c, rd), R(c, rn), cst(c, imm12));
        return true;
    case 4: /* MOVW */
        mov(c, regv(c, rd), cst(c, imm12 | (h1 & 15) << 12));
        return true;
    case 12: /* MOVT */
        tessera_ir_deposit(c->b, TESSERA_I32, regv(c, rd), R(c, rd),
                           cst(c, imm12 | (h1 & 15) << 12), 16, 16);
        return true;
    case 16: case 18: case 24: case 26: { /* SSAT, USAT */
        bool uns = op >= 24;
        if (op & 2 && lsb == 0)
            return false; /* SSAT16/USAT16: DSP */
        TesseraVal v = tmp(c), r = tmp(c);
        bin(c, (h1 & 0x20) ? TESSERA_SAR : TESSERA_SHL, v, R(c, rn),
            cst(c, (h1 & 0x20) && lsb == 0 ? 31 : lsb));
        TesseraVal args[3] = {v, cst(c, uns ? w5 : w5 + 1), cst(c, uns)};
        tessera_ir_call(c->b, h_sat, 0, r, 3, args);
        mov(c, regv(c, rd), r);
        return true;
    }
    case 20: /* SBFX */
        if (lsb + w5 + 1 > 32)
            return false;
        tessera_ir_sextract(c->b, TESSERA_I32, regv(c, rd), R(c, rn), lsb,
                            w5 + 1);
        return true;
    case 28: /* UBFX */
        if (lsb + w5 + 1 > 32)
            return false;
        tessera_ir_extract(c->b, TESSERA_I32, regv(c, rd), R(c, rn), lsb,
                           w5 + 1);
        return true;
    case 22: /* BFI, BFC */
        if (w5 < lsb)
            return false;
        tessera_ir_deposit(c->b, TESSERA_I32, regv(c, rd), R(c, rd),
                           rn == 15 ? cst(c, 0) : R(c, rn), lsb,
                           w5 - lsb + 1);
        return true;
    default:
        return false;
    }
}

static bool t32_branch_misc(Ctx *c, unsigned h1, unsigned h2, bool *ended)
{
    unsigned op1 = (h2 >> 12) & 7, op = (h1 >> 4) & 0x7f;
    uint32_t S = (h1 >> 10) & 1, J1 = (h2 >> 13) & 1, J2 = (h2 >> 11) & 1;
    if (op1 & 1) { /* B.W, BL */
        uint32_t I1 = !(J1 ^ S), I2 = !(J2 ^ S);
        uint32_t imm = S << 24 | I1 << 23 | I2 << 22 | (h1 & 0x3ff) << 12 |
                       (h2 & 0x7ff) << 1;
        int32_t off = (int32_t)(imm << 7) >> 7;
        if (op1 & 4)
            mov(c, regv(c, 14), cst(c, c->next | 1));
        exit_to(c, c->pc + 4 + (uint32_t)off, 0);
        *ended = true;
        return true;
    }
    if (op1 == 0 || op1 == 2) {
        if ((op & 0x38) != 0x38) { /* B<cond>.W */
            uint32_t imm = S << 20 | J2 << 19 | J1 << 18 |
                           (h1 & 0x3f) << 12 | (h2 & 0x7ff) << 1;
            int32_t off = (int32_t)(imm << 11) >> 11;
            TesseraLabel skip = tessera_ir_label_new(c->b);
            gen_skip_unless(c, (h1 >> 6) & 15, skip);
            exit_to(c, c->pc + 4 + (uint32_t)off, 0);
            tessera_ir_label_set(c->b, skip);
            exit_to(c, c->next, 0);
            *ended = true;
            return true;
        }
        if (op1 == 2) {
            if (op == 0x7f) {
                gen_undef(c, CFSR_UNDEFINSTR);
                *ended = true;
                return true;
            }
            return false;
        }
        switch (op) {
        case 0x38: case 0x39: /* MSR */
            call(c, h_msr, 0, TESSERA_IR_NONE, 3, cst(c, h2 & 0xff),
                 R(c, h1 & 15), cst(c, (h2 >> 10) & 3));
            exit_to(c, c->next, c->it_next);
            *ended = true;
            return true;
        case 0x3a: /* hints */
            if ((h2 & 0xff) == 3) { /* WFI */
                call(c, h_wfi, TESSERA_HELPER_NO_READ | TESSERA_HELPER_NO_WRITE,
                     TESSERA_IR_NONE, 1, cst(c, c->next), 0, 0);
                exit_to(c, c->next, c->it_next);
                *ended = true;
            } else if ((h2 & 0xff) == 2) { /* WFE */
                gen_wfe(c);
                *ended = true;
            } else if ((h2 & 0xff) == 4) { /* SEV */
                call(c, h_sev, TESSERA_HELPER_NO_READ | TESSERA_HELPER_NO_WRITE,
                     TESSERA_IR_NONE, 0, 0, 0, 0);
            }
            return true;
        case 0x3b: /* CLREX, DSB, DMB, ISB */
            switch ((h2 >> 4) & 15) {
            case 2:
                tessera_ir_mov(c->b, TESSERA_I64, tessera_ir_global(c->b,
                               offsetof(ArmEnv, excl_addr)), cst(c, ~0ull));
                return true;
            case 4: case 5:
                tessera_ir_mb(c->b, TESSERA_MB_ALL);
                return true;
            case 6:
                exit_to(c, c->next, c->it_next);
                *ended = true;
                return true;
            default:
                return false;
            }
        case 0x3e: case 0x3f: { /* MRS */
            TesseraVal r = tmp(c);
            call(c, h_mrs, TESSERA_HELPER_NO_WRITE | TESSERA_HELPER_NO_RAISE,
                 r, 1, cst(c, h2 & 0xff), 0, 0);
            mov(c, regv(c, (h2 >> 8) & 15), r);
            return true;
        }
        default:
            return false;
        }
    }
    return false;
}

static bool t32_dp_reg(Ctx *c, unsigned h1, unsigned h2)
{
    unsigned op1 = (h1 >> 4) & 15, op2 = (h2 >> 4) & 15;
    unsigned rn = h1 & 15, rd = (h2 >> 8) & 15, rm = h2 & 15;
    if ((h2 & 0xf000) != 0xf000)
        return false;
    if (op2 == 0 && op1 < 8) { /* shifts by register */
        gen_shift_reg(c, rd, R(c, rn), R(c, rm), op1 >> 1, op1 & 1);
        return true;
    }
    if (op1 < 6 && (op2 & 8) && op1 != 2 && op1 != 3) { /* extends */
        static const TesseraUnop ext[6] = {TESSERA_EXT16S, TESSERA_EXT16U, 0,
                                           0, TESSERA_EXT8S, TESSERA_EXT8U};
        unsigned rot = ((h2 >> 4) & 3) * 8;
        TesseraVal t = tmp(c);
        bin(c, TESSERA_ROTR, t, R(c, rm), cst(c, rot));
        tessera_ir_unop(c->b, ext[op1], TESSERA_I32, t, t);
        if (rn == 15)
            mov(c, regv(c, rd), t);
        else
            bin(c, TESSERA_ADD, regv(c, rd), R(c, rn), t);
        return true;
    }
    if ((op1 & 12) == 8 && (op2 & 12) == 8) {
        TesseraVal x = R(c, rm), t = tmp(c), u = tmp(c);
        switch ((op1 & 3) << 2 | (op2 & 3)) {
        case 4: /* REV */
            tessera_ir_unop(c->b, TESSERA_BSWAP32, TESSERA_I32, regv(c, rd),
                            x);
            return true;
        case 5: /* REV16 */
            bin(c, TESSERA_SHR, t, x, cst(c, 8));
            bin(c, TESSERA_AND, t, t, cst(c, 0x00ff00ff));
            bin(c, TESSERA_SHL, u, x, cst(c, 8));
            bin(c, TESSERA_AND, u, u, cst(c, 0xff00ff00u));
            bin(c, TESSERA_OR, regv(c, rd), t, u);
            return true;
        case 6: /* RBIT */
            call(c, h_rbit, TESSERA_HELPER_PURE, t, 1, x, 0, 0);
            mov(c, regv(c, rd), t);
            return true;
        case 7: /* REVSH */
            tessera_ir_unop(c->b, TESSERA_BSWAP16, TESSERA_I32, t, x);
            tessera_ir_unop(c->b, TESSERA_EXT16S, TESSERA_I32, regv(c, rd),
                            t);
            return true;
        case 12: /* CLZ */
            tessera_ir_unop(c->b, TESSERA_CLZ, TESSERA_I32, regv(c, rd), x);
            return true;
        default:
            return false; /* QADD & co: DSP */
        }
    }
    return false;
}

static bool t32_mul(Ctx *c, unsigned h1, unsigned h2)
{
    unsigned op1 = (h1 >> 4) & 7, op2 = (h2 >> 4) & 3;
    unsigned rn = h1 & 15, ra = h2 >> 12, rd = (h2 >> 8) & 15, rm = h2 & 15;
    TesseraVal t = tmp(c);
    if (op1 != 0)
        return false;
    bin(c, TESSERA_MUL, t, R(c, rn), R(c, rm));
    if (op2 == 0) {
        if (ra == 15)
            mov(c, regv(c, rd), t);
        else
            bin(c, TESSERA_ADD, regv(c, rd), R(c, ra), t);
        return true;
    }
    if (op2 == 1) {
        bin(c, TESSERA_SUB, regv(c, rd), R(c, ra), t);
        return true;
    }
    return false;
}

static bool t32_long_mul(Ctx *c, unsigned h1, unsigned h2)
{
    unsigned op1 = (h1 >> 4) & 7, op2 = (h2 >> 4) & 15;
    unsigned rn = h1 & 15, rlo = h2 >> 12, rhi = (h2 >> 8) & 15, rm = h2 & 15;
    if (op2 == 15 && (op1 == 1 || op1 == 3)) { /* SDIV, UDIV */
        TesseraVal r = tmp(c);
        call(c, op1 == 1 ? h_sdiv : h_udiv,
             TESSERA_HELPER_NO_READ | TESSERA_HELPER_NO_WRITE, r, 2,
             R(c, rn), R(c, rm), 0);
        mov(c, regv(c, rhi), r);
        return true;
    }
    if (op2 != 0 || (op1 != 0 && op1 != 2 && op1 != 4 && op1 != 6))
        return false;
    bool sgn = !(op1 & 2), acc = op1 & 4;
    TesseraVal a = tmp(c), b2 = tmp(c), p = tmp(c);
    TesseraUnop ext = sgn ? TESSERA_EXT32S : TESSERA_EXT32U;
    tessera_ir_unop(c->b, ext, TESSERA_I64, a, R(c, rn));
    tessera_ir_unop(c->b, ext, TESSERA_I64, b2, R(c, rm));
    tessera_ir_binop(c->b, TESSERA_MUL, TESSERA_I64, p, a, b2);
    if (acc) {
        TesseraVal h = tmp(c);
        tessera_ir_binop(c->b, TESSERA_SHL, TESSERA_I64, h, R(c, rhi),
                         cst(c, 32));
        tessera_ir_binop(c->b, TESSERA_OR, TESSERA_I64, h, h, R(c, rlo));
        tessera_ir_binop(c->b, TESSERA_ADD, TESSERA_I64, p, p, h);
    }
    TesseraVal hi = tmp(c);
    tessera_ir_binop(c->b, TESSERA_SHR, TESSERA_I64, hi, p, cst(c, 32));
    mov(c, regv(c, rlo), p);
    mov(c, regv(c, rhi), hi);
    return true;
}

static bool t32(Ctx *c, unsigned h1, unsigned h2, bool *ended)
{
    unsigned op1 = (h1 >> 11) & 3, op2 = (h1 >> 4) & 0x7f;
    if (!c->m->v7) {
        /* ARMv6-M: BL, MSR, MRS, DSB, DMB, ISB, UDF.W only. */
        if (op1 == 2 && (h2 & 0x8000))
            return t32_branch_misc(c, h1, h2, ended);
        return false;
    }
    if (c->m->dsp && arm_dsp_t32(c->b, c->pc, h1, h2))
        return true;
    if (op1 == 1) {
        if ((op2 & 0x64) == 0) { /* load/store multiple */
            unsigned op = (h1 >> 7) & 3;
            if (op != 1 && op != 2)
                return false;
            return gen_ldstm(c, h1 & 15, h2, h1 & 0x10, op == 2, h1 & 0x20,
                             ended);
        }
        if ((op2 & 0x64) == 4)
            return t32_ldst_dual_excl(c, h1, h2, ended);
        if ((op2 & 0x60) == 0x20) { /* data processing, shifted register */
            unsigned op = (h1 >> 5) & 15, rd = (h2 >> 8) & 15;
            unsigned imm5 = ((h2 >> 12) & 7) << 2 | ((h2 >> 6) & 3);
            TesseraVal carry;
            TesseraVal b2 = shift_imm(c, R(c, h2 & 15), (h2 >> 4) & 3, imm5,
                                      &carry);
            if (op == 6)
                return false; /* PKH: DSP */
            return gen_dp(c, op, h1 & 0x10, rd, h1 & 15, b2, carry);
        }
        /* coprocessor: the FP extension, or no coprocessor there */
        if (c->m->fpu && arm_fp_t32(c->b, c->pc, h1, h2))
            return true;
        gen_undef(c, CFSR_NOCP);
        *ended = true;
        return true;
    }
    if (op1 == 2) {
        if (h2 & 0x8000)
            return t32_branch_misc(c, h1, h2, ended);
        if (!(op2 & 0x20)) { /* modified immediate */
            unsigned imm12 = ((h1 >> 10) & 1) << 11 |
                             ((h2 >> 12) & 7) << 8 | (h2 & 0xff);
            bool cs;
            uint32_t v = expand_imm(imm12, &cs);
            TesseraVal carry = cs ? cst(c, v >> 31) : TESSERA_IR_NONE;
            return gen_dp(c, (h1 >> 5) & 15, h1 & 0x10, (h2 >> 8) & 15,
                          h1 & 15, cst(c, v), carry);
        }
        return t32_plain_imm(c, h1, h2);
    }
    /* op1 == 3 */
    if ((op2 & 0x71) == 0 || (op2 & 0x67) == 1 || (op2 & 0x67) == 3 ||
        (op2 & 0x67) == 5)
        return t32_ldst_single(c, h1, h2, ended);
    if ((op2 & 0x70) == 0x20)
        return t32_dp_reg(c, h1, h2);
    if ((op2 & 0x78) == 0x30)
        return t32_mul(c, h1, h2);
    if ((op2 & 0x78) == 0x38)
        return t32_long_mul(c, h1, h2);
    if (op2 & 0x40) {
        if (c->m->fpu && arm_fp_t32(c->b, c->pc, h1, h2))
            return true;
        gen_undef(c, CFSR_NOCP);
        *ended = true;
        return true;
    }
    return false;
}

/* ---------------------------------------------------------------------- */

static unsigned it_advance(unsigned it)
{
    if ((it & 7) == 0)
        return 0;
    return (it & 0xe0) | ((it << 1) & 0x1f);
}

int arm_translate(void *opaque, TesseraIR *b, uint64_t pc64, uint64_t flags)
{
    ArmEnv *env = opaque;
    Ctx ctx = {.b = b, .env = env, .m = env->model, .flags = flags};
    Ctx *c = &ctx;
    uint32_t pc = (uint32_t)pc64;
    unsigned it = flags & ARM_TBF_IT_MASK;

    c->start_it = it;
    c->env_it = it;
    c->handler = flags & ARM_TBF_HANDLER;
    c->align = (flags & ARM_TBF_ALIGN) ? TESSERA_MO_ALIGN : 0;
    c->mmu = (flags >> ARM_TBF_MMU_SHIFT) & 3;
    for (;;) {
        uint16_t h1, h2 = 0;
        uint8_t buf[4];
        if (tessera_ir_block_full(b) || !tessera_ir_fetch(b, pc, buf, 2)) {
            c->pc = pc;
            exit_to(c, pc, it);
            return 0;
        }
        h1 = buf[0] | buf[1] << 8;
        bool wide = (h1 >> 11) >= 0x1d;
        if (wide) {
            if (!tessera_ir_fetch(b, pc + 2, buf + 2, 2)) {
                c->pc = pc;
                exit_to(c, pc, it);
                return 0;
            }
            h2 = buf[2] | buf[3] << 8;
        }
        c->pc = pc;
        c->next = pc + (wide ? 4 : 2);
        c->it = it;
        c->it_next = it_advance(it);
        tessera_ir_insn_start(b, pc, wide ? 4 : 2, 1);
        sync_env_it(c, it);

        bool ended = false, ok;
        TesseraLabel skip = 0;
        bool cond = false;
        if (!wide && (h1 & 0xff00) == 0xbf00 && (h1 & 15) && it == 0) {
            /* IT: the next instructions get their condition from it */
            c->it_next = h1 & 0xff;
            ok = true;
        } else {
            if (it) {
                unsigned cc = it >> 4;
                if (cc != 14 && cc != 15) {
                    skip = tessera_ir_label_new(b);
                    cond = true;
                    gen_skip_unless(c, cc, skip);
                }
            }
            ok = wide ? t32(c, h1, h2, &ended) : t16(c, h1, &ended);
        }
        if (!ok) {
            gen_undef(c, CFSR_UNDEFINSTR);
            ended = true;
        }
        if (cond)
            tessera_ir_label_set(b, skip);
        pc = c->next;
        it = c->it_next;
        if (ended) {
            if (cond)
                exit_to(c, pc, it);
            return 0;
        }
    }
}
