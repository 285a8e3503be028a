/* SPDX-License-Identifier: MIT */
/*
 * Sdtrig: RISCV_NB_TRIGGERS address-match triggers of type 6 (mcontrol6)
 * selected with tselect, programmed with tdata1 (type, privileges, match,
 * execute/store/load) and tdata2 (the address). They fire before the
 * instruction or access, with action 0 only: a breakpoint exception with
 * mtval = the address. tdata3 reads 0; tinfo lists types 6 and 15
 * (disabled). No debug mode, chaining, data-value matching or sizes.
 *
 * Execute triggers are decided when code is translated (the flags carry a
 * configuration epoch, so any change retranslates); loads and stores are
 * checked by a helper before each access while a data trigger is enabled.
 */
#include "riscv.h"

#define MC6_LOAD (1ull << 0)
#define MC6_STORE (1ull << 1)
#define MC6_EXECUTE (1ull << 2)
#define MC6_U (1ull << 3)
#define MC6_S (1ull << 4)
#define MC6_M (1ull << 6)
#define MC6_MATCH_SHIFT 7
#define MC6_MATCH (15ull << MC6_MATCH_SHIFT)
#define MC6_HIT0 (1ull << 22)
/* Bits a write keeps (action, chain, select, size, dmode read as 0). */
#define MC6_WRITABLE (MC6_LOAD | MC6_STORE | MC6_EXECUTE | MC6_U | MC6_S | \
                      MC6_M | MC6_MATCH | MC6_HIT0)

#define TYPE_MCONTROL6 6u
#define TYPE_DISABLED 15u

static unsigned type_shift(const RiscvEnv *env)
{
    return env->xlen - 4;
}

static unsigned trig_type(const RiscvEnv *env, unsigned i)
{
    return (unsigned)(env->tdata1[i] >> type_shift(env)) & 15;
}

static void update_summary(RiscvEnv *env)
{
    env->trig_exec = env->trig_ls = false;
    for (unsigned i = 0; i < RISCV_NB_TRIGGERS; i++) {
        uint64_t t1 = env->tdata1[i];
        if (trig_type(env, i) != TYPE_MCONTROL6 ||
            !(t1 & (MC6_M | MC6_S | MC6_U)))
            continue;
        if (t1 & MC6_EXECUTE)
            env->trig_exec = true;
        if (t1 & (MC6_LOAD | MC6_STORE))
            env->trig_ls = true;
    }
    env->trig_epoch++;
    riscv_update_mode(env);
}

void riscv_trig_reset(RiscvEnv *env)
{
    env->tselect = 0;
    for (unsigned i = 0; i < RISCV_NB_TRIGGERS; i++) {
        env->tdata1[i] = (uint64_t)TYPE_DISABLED << type_shift(env);
        env->tdata2[i] = 0;
    }
    env->trig_exec = env->trig_ls = false;
}

uint64_t riscv_trig_csr_read(RiscvEnv *env, unsigned csr)
{
    unsigned i = (unsigned)env->tselect;

    switch (csr) {
    case CSR_TSELECT:
        return env->tselect;
    case CSR_TDATA1:
        return env->tdata1[i];
    case CSR_TDATA2:
        return env->tdata2[i];
    case CSR_TINFO: /* version 1 (Sdtrig 1.0), types 6 and 15 */
        return 1ull << 24 | 1u << TYPE_MCONTROL6 | 1u << TYPE_DISABLED;
    default: /* tdata3: no textra matching */
        return 0;
    }
}

void riscv_trig_csr_write(RiscvEnv *env, unsigned csr, uint64_t val)
{
    unsigned i = (unsigned)env->tselect;

    switch (csr) {
    case CSR_TSELECT:
        /* WARL: a trigger that does not exist is not selected, so that
         * software finds the count by reading back. */
        if (val < RISCV_NB_TRIGGERS)
            env->tselect = val;
        return;
    case CSR_TDATA1: {
        unsigned type = (unsigned)(val >> type_shift(env)) & 15;
        uint64_t t1 = (uint64_t)TYPE_DISABLED << type_shift(env);
        if (type == TYPE_MCONTROL6) {
            t1 = (uint64_t)TYPE_MCONTROL6 << type_shift(env) |
                 (val & MC6_WRITABLE);
            /* match: equal, NAPOT, >=, < only. */
            if (((t1 & MC6_MATCH) >> MC6_MATCH_SHIFT) > 3)
                t1 &= ~MC6_MATCH;
        }
        env->tdata1[i] = t1;
        break;
    }
    case CSR_TDATA2:
        env->tdata2[i] = val & riscv_xlen_mask(env);
        break;
    default: /* tdata3 and tinfo: read-only values */
        return;
    }
    update_summary(env);
}

static bool priv_ok(uint64_t t1, unsigned priv)
{
    return (priv == RISCV_PRV_M && (t1 & MC6_M)) ||
           (priv == RISCV_PRV_S && (t1 & MC6_S)) ||
           (priv == RISCV_PRV_U && (t1 & MC6_U));
}

/* Whether any byte of [a, a + size) matches the trigger. */
static bool addr_match(uint64_t t1, uint64_t t2, uint64_t a, unsigned size)
{
    uint64_t last = a + size - 1;

    switch ((t1 & MC6_MATCH) >> MC6_MATCH_SHIFT) {
    case 0: /* equal */
        return t2 >= a && t2 <= last;
    case 1: { /* NAPOT: the trailing ones of tdata2 and the zero above */
        uint64_t low_zero = ~t2 & (t2 + 1);
        uint64_t mask = low_zero | (low_zero - 1);
        return (a & ~mask) <= (t2 & ~mask) && (t2 & ~mask) <= (last | mask);
    }
    case 2: /* greater or equal */
        return last >= t2;
    default: /* less than */
        return a < t2;
    }
}

static int find(const RiscvEnv *env, uint64_t addr, unsigned size,
                unsigned kinds, unsigned priv)
{
    for (unsigned i = 0; i < RISCV_NB_TRIGGERS; i++) {
        uint64_t t1 = env->tdata1[i];
        if (trig_type(env, i) != TYPE_MCONTROL6 || !priv_ok(t1, priv) ||
            !(t1 & kinds & (MC6_LOAD | MC6_STORE | MC6_EXECUTE)))
            continue;
        if (addr_match(t1, env->tdata2[i], addr, size))
            return (int)i;
    }
    return -1;
}

bool riscv_trig_exec_match(const RiscvEnv *env, uint64_t pc, unsigned priv)
{
    return find(env, pc, 1, RISCV_TRIG_EXEC, priv) >= 0;
}

void riscv_trig_check(RiscvEnv *env, uint64_t addr, unsigned size,
                      unsigned kinds)
{
    int i = find(env, addr & riscv_xlen_mask(env), size, kinds, env->priv);
    if (i < 0)
        return;
    env->tdata1[i] |= MC6_HIT0;
    riscv_raise(env, EXC_BREAKPOINT, addr & riscv_xlen_mask(env));
}
