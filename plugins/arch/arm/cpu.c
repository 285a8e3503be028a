/* SPDX-License-Identifier: MIT */
/*
 * ARM M-profile frontend: the arch class, models, and the exception model
 * (ARMv7-M ARM, B1.5): priorities with PRIGROUP, PRIMASK, BASEPRI and
 * FAULTMASK; entry with the 8-word frame on the selected stack (aligned to
 * 8 bytes, xPSR bit 9 recording the padding); return through EXC_RETURN
 * values loaded into the PC in handler mode; configurable faults that
 * escalate to HardFault (HFSR.FORCED) when disabled or masked.
 *
 * The FP part of the frames (lazy stacking) is fpu.c's. Faults on
 * stacking and unstacking are derived exceptions (MSTKERR, STKERR,
 * MUNSTKERR, UNSTKERR), for the basic frame and its FP part alike; a
 * fault on lazy FP preservation (MLSPERR, LSPERR) is pended with the
 * FPCCR's xxRDY bits (arm_lazy_fp_fault); sleep (WFE, SEV, SLEEPONEXIT)
 * is sleep.c.
 *
 * Not yet: lockup (reported and the run stopped instead).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "arm.h"

/* The values are those of the processors' Technical Reference Manuals. */
static const ArmModel model_m0 = {.v7 = false, .cpuid = 0x410cc200,
                                  .prio_bits = 2};
static const ArmModel model_m3 = {
    .v7 = true, .cpuid = 0x410fc231, .prio_bits = 8, .mpu_regions = 8,
    .id = {0x30, 0x200, 0x00100000, 0, 0x30, 0, 0, 0, 0x01141110, 0x02111000,
           0x21112231, 0x01111110, 0x01310102}};
/* QEMU 7.2 gives its Cortex-M4 the Cortex-M3's ID_ISAR1-4; these are the
 * Cortex-M4's (DSP: SIMD, saturating and the multiplies). */
static const ArmModel model_m4 = {
    .v7 = true, .dsp = true, .cpuid = 0x410fc240, .prio_bits = 8, .mpu_regions = 8,
    .fpu = 1, .mvfr = {0x10110021, 0x11000011, 0},
    .id = {0x30, 0x200, 0x00100000, 0, 0x30, 0, 0, 0, 0x01141110, 0x02112000,
           0x21232231, 0x01111131, 0x01310132}};
static const ArmModel model_m7 = {
    .v7 = true, .dsp = true, .cpuid = 0x411fc272, .prio_bits = 8, .mpu_regions = 8,
    .fpu = 2, .mvfr = {0x10110221, 0x12000011, 0x00000040},
    .id = {0x30, 0x200, 0x00100000, 0, 0x00100030, 0, 0x01000000, 0,
           0x01101110, 0x02112000, 0x20232231, 0x01111131, 0x01310132}};

static const TesseraCpuModel arm_models[] = {
    {"cortex-m0", "Cortex-M0 (ARMv6-M)", &model_m0},
    {"cortex-m3", "Cortex-M3 (ARMv7-M)", &model_m3},
    {"cortex-m4", "Cortex-M4 (ARMv7E-M with DSP and FPv4-SP)", &model_m4},
    {"cortex-m7", "Cortex-M7 (ARMv7E-M with DSP and FPv5-D16)", &model_m7},
    {NULL, NULL, NULL},
};

/* Input line N is external interrupt N (exception 16 + N): "irq0"... */
static char irq_names[ARM_MAX_IRQ][8];
static const char *irq_inputs[ARM_MAX_IRQ + 1];

#define GREG(n, i) \
    {n, offsetof(ArmEnv, r) + 4 * (i), 4, TESSERA_REG_INT, "general"}
#define SREG(n, f) \
    {n, offsetof(ArmEnv, f), sizeof(((ArmEnv *)0)->f), TESSERA_REG_INT, \
     "system"}
#define FREG(i) \
    {"s" #i, offsetof(ArmEnv, fpr) + 4 * (i), 4, TESSERA_REG_FLOAT, "float"}
static const TesseraRegInfo arm_regs[] = {
    GREG("r0", 0), GREG("r1", 1), GREG("r2", 2), GREG("r3", 3),
    GREG("r4", 4), GREG("r5", 5), GREG("r6", 6), GREG("r7", 7),
    GREG("r8", 8), GREG("r9", 9), GREG("r10", 10), GREG("r11", 11),
    GREG("r12", 12), GREG("sp", 13), GREG("lr", 14),
    SREG("nf", nf), SREG("zf", zf), SREG("cf", cf), SREG("vf", vf),
    SREG("qf", qf), SREG("primask", primask), SREG("basepri", basepri),
    SREG("faultmask", faultmask), SREG("control", control),
    SREG("ipsr", ipsr), SREG("vtor", vtor), SREG("ge", ge),
    /* the FP extension (zero on the M0 and M3) */
    FREG(0), FREG(1), FREG(2), FREG(3), FREG(4), FREG(5), FREG(6), FREG(7),
    FREG(8), FREG(9), FREG(10), FREG(11), FREG(12), FREG(13), FREG(14),
    FREG(15), FREG(16), FREG(17), FREG(18), FREG(19), FREG(20), FREG(21),
    FREG(22), FREG(23), FREG(24), FREG(25), FREG(26), FREG(27), FREG(28),
    FREG(29), FREG(30), FREG(31),
    {"fpscr", offsetof(ArmEnv, fpscr), 4, TESSERA_REG_INT, "float"},
    {NULL, 0, 0, 0, NULL},
};

uint32_t arm_xpsr(ArmEnv *env)
{
    return (uint32_t)env->nf << 31 | (uint32_t)env->zf << 30 |
           (uint32_t)env->cf << 29 | (uint32_t)env->vf << 28 |
           (uint32_t)env->qf << 27 | (uint32_t)(env->it & 3) << 25 |
           (uint32_t)(env->ge & 15) << 16 |
           1u << 24 | (uint32_t)(env->it >> 2) << 10 | env->ipsr;
}

void arm_update_tb_flags(ArmEnv *env)
{
    uint64_t f = env->it;
    if (env->ipsr)
        f |= ARM_TBF_HANDLER;
    else if (env->control & 1)
        f |= ARM_TBF_UNPRIV;
    if (!env->model->v7 || (env->ccr & 8))
        f |= ARM_TBF_ALIGN;
    unsigned idx = arm_mmu_idx(env);
    f |= (uint64_t)idx << ARM_TBF_MMU_SHIFT;
    tessera_cpu_set_code_mmu_idx(env->cpu, idx);
    tessera_cpu_set_tb_flags(env->cpu, f);
}

unsigned arm_mmu_idx(ArmEnv *env)
{
    if (env->ipsr == 0 && (env->control & 1))
        return ARM_MMU_UNPRIV;
    if (!(env->mpu_ctrl & 2) && arm_exec_prio(env) < 0)
        return ARM_MMU_NOMPU;
    return ARM_MMU_PRIV;
}

uint32_t arm_get_sp(ArmEnv *env, bool psp)
{
    bool cur_psp = env->ipsr == 0 && (env->control & 2);
    return psp == cur_psp ? env->r[13] : env->other_sp;
}

void arm_set_sp(ArmEnv *env, bool psp, uint32_t v)
{
    bool cur_psp = env->ipsr == 0 && (env->control & 2);
    if (psp == cur_psp)
        env->r[13] = v;
    else
        env->other_sp = v;
}

/* ---------------------------------------------------------------------- */
/* Priorities                                                              */

static int group_prio(ArmEnv *env, unsigned exc)
{
    if (exc == EXC_RESET)
        return -3;
    if (exc == EXC_NMI)
        return -2;
    if (exc == EXC_HARD)
        return -1;
    unsigned mask = ~((2u << env->aircr_prigroup) - 1) & 0xff;
    return env->prio[exc] & mask;
}

int arm_exec_prio(ArmEnv *env)
{
    int p = 256;
    for (unsigned e = 1; e < EXC_IRQ0 + env->num_irq; e++)
        if (env->active[e]) {
            int g = group_prio(env, e);
            if (g < p)
                p = g;
        }
    if (env->basepri) {
        unsigned mask = ~((2u << env->aircr_prigroup) - 1) & 0xff;
        int g = (int)(env->basepri & mask);
        if (g < p)
            p = g;
    }
    if (env->primask && p > 0)
        p = 0;
    if (env->faultmask && p > -1)
        p = -1;
    return p;
}

static bool exc_enabled(ArmEnv *env, unsigned exc)
{
    switch (exc) {
    case EXC_MEM:
        return env->shcsr & SHCSR_MEMFAULTENA;
    case EXC_BUS:
        return env->shcsr & SHCSR_BUSFAULTENA;
    case EXC_USAGE:
        return env->shcsr & SHCSR_USGFAULTENA;
    default:
        return exc < EXC_IRQ0 || env->enabled[exc];
    }
}

/* The pending exception that would be taken next, or 0. */
static unsigned best_pending(ArmEnv *env)
{
    unsigned best = 0;
    int bg = 0, bp = 0;
    for (unsigned e = 2; e < EXC_IRQ0 + env->num_irq; e++) {
        if (!env->pending[e] || !exc_enabled(env, e))
            continue;
        int g = group_prio(env, e);
        int p = e <= EXC_HARD ? g : env->prio[e];
        if (!best || g < bg || (g == bg && p < bp)) {
            best = e;
            bg = g;
            bp = p;
        }
    }
    return best;
}

void arm_set_pending(ArmEnv *env, unsigned exc, bool pend)
{
    if (pend) {
        arm_pend(env, exc);
        arm_check_irqs(env);
    } else {
        env->pending[exc] = 0;
    }
}

unsigned arm_preempting(ArmEnv *env)
{
    unsigned e = best_pending(env);
    return e && group_prio(env, e) < arm_exec_prio(env) ? e : 0;
}

void arm_check_irqs(ArmEnv *env)
{
    if (arm_preempting(env))
        tessera_cpu_kick(env->cpu);
}

/* ---------------------------------------------------------------------- */
/* Entry and return                                                        */

uint32_t arm_rd32(uint32_t a)
{
    uint8_t b[4] = {0};
    tessera_phys_read(a, b, 4);
    return b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
}

bool arm_wr32(uint32_t a, uint32_t v)
{
    uint8_t b[4] = {v, v >> 8, v >> 16, v >> 24};
    return tessera_phys_write(a, b, 4) == 0;
}

static unsigned stack_frame(ArmEnv *env, uint32_t frame,
                            const uint32_t *vals, unsigned idx);
static unsigned derived_on_entry(ArmEnv *env, unsigned exc, unsigned derived);
static unsigned unstack_check(ArmEnv *env, uint32_t frame, unsigned mode,
                              bool fp);

/* The last step of entering exc (after stacking, or on a tail-chain):
 * active, in handler mode, at its vector. */
static void activate(ArmEnv *env, unsigned exc)
{
    env->pending[exc] = 0;
    env->active[exc] = 1;
    env->ipsr = exc;
    env->it = 0;
    env->excl_addr = ~0ull;
    env->event = true;
    env->sleep = ARM_SLEEP_NONE;
    tessera_cpu_set_pc(env->cpu, arm_rd32(env->vtor + 4 * exc) & ~1u);
    arm_update_tb_flags(env);
}

static void take(ArmEnv *env, unsigned exc, uint32_t ret_pc)
{
    unsigned idx = arm_mmu_idx(env); /* stacking uses the context left */
    bool from_thread = env->ipsr == 0;
    bool psp = from_thread && (env->control & 2);
    uint32_t sp = env->r[13], xpsr = arm_xpsr(env);
    /* An FP context (CONTROL.FPCA) gets the extended frame, always
     * aligned to 8. */
    bool fp = env->model->fpu && (env->control & ARM_CONTROL_FPCA);
    uint32_t size = fp ? 0x68 : 0x20;
    uint32_t frame = (sp - size) & ~7u;
    if ((sp & 4) && (fp || (env->ccr & CCR_STKALIGN)))
        xpsr |= 1u << 9;
    else
        frame = sp - size;
    const uint32_t vals[8] = {env->r[0], env->r[1], env->r[2], env->r[3],
                              env->r[12], env->r[14], ret_pc, xpsr};
    unsigned derived = stack_frame(env, frame, vals, idx);
    if (fp) { /* the FP part: written only when the basic frame was */
        unsigned e = arm_fp_push(env, frame, from_thread, idx, !derived);
        if (!derived)
            derived = e;
    }
    if (derived)
        exc = derived_on_entry(env, exc, derived);
    env->r[13] = frame;
    env->r[14] = from_thread ? (psp ? 0xfffffffdu : 0xfffffff9u)
                             : 0xfffffff1u;
    if (fp) /* EXC_RETURN bit 4 clear: extended frame */
        env->r[14] &= ~0x10u;
    if (psp) { /* handlers run on the main stack */
        env->r[13] = env->other_sp;
        env->other_sp = frame;
    }
    if (tessera_log_enabled(TESSERA_LOG_INT))
        tessera_log(TESSERA_LOG_INT,
                    "arm: exception %u taken, return to 0x%08" PRIx32
                    ", frame at 0x%08" PRIx32 "\n", exc, ret_pc, frame);
    activate(env, exc);
}

static TESSERA_NORETURN void lockup(ArmEnv *env)
{
    tessera_error("arm: lockup (a fault while HardFault or NMI was "
                  "active, or FAULTMASK set) at pc 0x%08" PRIx64,
                  tessera_cpu_get_pc(env->cpu));
    tessera_request_exit(1);
    tessera_cpu_halt(env->cpu);
    tessera_cpu_exit_loop(env->cpu);
}

/* Fault escalation: the exception that actually runs. */
static unsigned escalate(ArmEnv *env, unsigned exc)
{
    if (exc != EXC_HARD &&
        (!env->model->v7 || !exc_enabled(env, exc) ||
         group_prio(env, exc) >= arm_exec_prio(env))) {
        if (env->model->v7)
            env->hfsr |= HFSR_FORCED;
        exc = EXC_HARD;
    }
    if (exc == EXC_HARD && arm_exec_prio(env) <= -1)
        lockup(env);
    return exc;
}

void arm_raise(ArmEnv *env, unsigned exc, uint32_t ret_pc)
{
    exc = escalate(env, exc);
    take(env, exc, ret_pc);
    tessera_cpu_exit_loop(env->cpu);
}

void arm_fault(ArmEnv *env, unsigned exc, uint32_t cfsr_bits, uint32_t ret_pc)
{
    if (env->model->v7)
        env->cfsr |= cfsr_bits;
    arm_raise(env, exc, ret_pc);
}

/* ---------------------------------------------------------------------- */
/* Faults on stacking and unstacking (ARMv7-M ARM B1.5.6-B1.5.8, B1.5.15)   */

#define CFSR_MUNSTKERR (1u << 3)
#define CFSR_MSTKERR (1u << 4)
#define CFSR_MLSPERR (1u << 5)
#define CFSR_UNSTKERR (1u << 11)
#define CFSR_STKERR (1u << 12)
#define CFSR_LSPERR (1u << 13)

/* One access of the frame, checked as the MPU (MemManage) and the bus
 * (BusFault) see it in MMU context idx: the exception it raises, or 0. */
static unsigned frame_access(ArmEnv *env, uint32_t a, uint32_t *v, bool wr,
                             unsigned idx)
{
    uint64_t phys;
    unsigned prot;
    TesseraFault f = arm_mpu_translate(env, a, wr ? TESSERA_ACCESS_WRITE
                                                  : TESSERA_ACCESS_READ,
                                       idx, &phys, &prot);
    if (f == TESSERA_FAULT_PAGE)
        return EXC_MEM;
    if (f != TESSERA_FAULT_NONE)
        return EXC_BUS;
    uint8_t b[4] = {*v, *v >> 8, *v >> 16, *v >> 24};
    if (wr)
        return tessera_phys_write(phys, b, 4) == 0 ? 0 : EXC_BUS;
    if (tessera_phys_read(phys, b, 4) != 0)
        return EXC_BUS;
    *v = b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
    return 0;
}

/* The derived exception that runs for a stacking fault, given the
 * priority it must preempt: HardFault (FORCED) when it is disabled or
 * cannot, lockup when HardFault cannot either. Sets its status bits. */
static unsigned derived_fault(ArmEnv *env, unsigned exc, uint32_t bits,
                              int limit)
{
    if (!env->model->v7)
        exc = EXC_HARD;
    else
        env->cfsr |= bits;
    if (exc != EXC_HARD &&
        (!exc_enabled(env, exc) || group_prio(env, exc) >= limit)) {
        env->hfsr |= HFSR_FORCED;
        exc = EXC_HARD;
    }
    if (exc == EXC_HARD && limit <= -1)
        lockup(env);
    return exc;
}

/* Pushes the frame, stopping at the first access that faults (as QEMU
 * does; the architecture leaves the rest UNKNOWN): MSTKERR or STKERR. */
static unsigned stack_frame(ArmEnv *env, uint32_t frame, const uint32_t *vals,
                            unsigned idx)
{
    return arm_frame_write(env, frame, vals, 8, idx);
}

unsigned arm_frame_write(ArmEnv *env, uint32_t a, const uint32_t *vals,
                         unsigned n, unsigned idx)
{
    for (unsigned i = 0; i < n; i++) {
        uint32_t v = vals[i];
        unsigned e = frame_access(env, a + 4 * i, &v, true, idx);
        if (e)
            return e;
    }
    return 0;
}

/* A fault on lazy FP preservation (PreserveFPState, from the FP
 * instruction at pc): MLSPERR or LSPERR, and the fault pended as the
 * FPCCR recorded when the frame was reserved: exc when its xxRDY bit is
 * set, else HardFault (FORCED) when HFRDY is, else lockup. Like QEMU,
 * it is taken at once (the instruction not run, LSPACT still set) when
 * it can preempt; otherwise it stays pending and the caller goes on. */
void arm_lazy_fp_fault(ArmEnv *env, unsigned exc, bool rdy, bool hfrdy,
                       uint32_t pc)
{
    env->cfsr |= exc == EXC_MEM ? CFSR_MLSPERR : CFSR_LSPERR;
    if (!rdy) {
        if (!hfrdy)
            lockup(env);
        env->hfsr |= HFSR_FORCED;
        exc = EXC_HARD;
    }
    if (tessera_log_enabled(TESSERA_LOG_INT))
        tessera_log(TESSERA_LOG_INT,
                    "arm: fault on lazy FP preservation at 0x%08" PRIx32
                    ": exception %u\n", env->fpcar, exc);
    arm_pend(env, exc);
    unsigned e = arm_preempting(env);
    if (e) {
        take(env, e, pc);
        tessera_cpu_exit_loop(env->cpu);
    }
}

/* A fault while stacking for exc: the derived fault is pended next to exc
 * (which stays pending), like a late-arriving exception: it escalates when
 * it cannot preempt the code that was running, and the higher of the two
 * is entered on the frame just pushed. Returns the exception to enter. */
static unsigned derived_on_entry(ArmEnv *env, unsigned exc, unsigned derived)
{
    int p = group_prio(env, exc);
    unsigned d = derived_fault(env, derived,
                               derived == EXC_MEM ? CFSR_MSTKERR : CFSR_STKERR,
                               arm_exec_prio(env));
    if (tessera_log_enabled(TESSERA_LOG_INT))
        tessera_log(TESSERA_LOG_INT,
                    "arm: fault stacking for exception %u: %u\n", exc, d);
    env->pending[exc] = 1;
    arm_pend(env, d);
    int dp = group_prio(env, d);
    if (dp < p || (dp == p && (d <= EXC_HARD ? dp : env->prio[d]) <=
                                  (exc <= EXC_HARD ? p : env->prio[exc])))
        return d;
    return exc;
}

/* Reads the frame at an exception return in the context of the code
 * returned to: the derived fault (MUNSTKERR or UNSTKERR), pended, or 0. */
static unsigned unstack_check(ArmEnv *env, uint32_t frame, unsigned mode,
                              bool fp)
{
    unsigned idx = ARM_MMU_PRIV;
    if (mode != 1 && (env->control & 1))
        idx = ARM_MMU_UNPRIV;
    else if (!(env->mpu_ctrl & 2) && arm_exec_prio(env) < 0)
        idx = ARM_MMU_NOMPU;
    /* The basic frame, then S0-S15 and FPSCR (0x20-0x63) of an extended
     * frame whose FP part was written (LSPACT clear). */
    unsigned n = fp && !(env->fpccr & ARM_FPCCR_LSPACT) ? 25 : 8;
    for (unsigned i = 0; i < n; i++) {
        uint32_t v = 0;
        unsigned e = frame_access(env, frame + 4 * i, &v, false, idx);
        if (e) {
            unsigned d = derived_fault(env, e,
                                       e == EXC_MEM ? CFSR_MUNSTKERR
                                                    : CFSR_UNSTKERR,
                                       arm_exec_prio(env));
            arm_pend(env, d);
            return d;
        }
    }
    return 0;
}

/* Enters exc without stacking, on the frame already on the stack (a
 * tail-chain): after a fault on unstacking, or waking from sleep-on-exit. */
void arm_tail_chain(ArmEnv *env, unsigned exc, uint32_t exc_return)
{
    if (tessera_log_enabled(TESSERA_LOG_INT))
        tessera_log(TESSERA_LOG_INT,
                    "arm: exception %u tail-chained (EXC_RETURN 0x%08" PRIx32
                    ")\n", exc, exc_return);
    env->r[14] = exc_return;
    activate(env, exc);
}

void arm_exception_return(ArmEnv *env, uint32_t exc_return)
{
    unsigned exc = env->ipsr;
    unsigned mode = exc_return & 15;
    bool fp = !(exc_return & 0x10);
    if ((mode != 1 && mode != 9 && mode != 13) || (fp && !env->model->fpu))
        arm_fault(env, EXC_USAGE, CFSR_INVPC,
                  (uint32_t)tessera_cpu_get_pc(env->cpu));
    env->active[exc] = 0;
    if (exc != EXC_NMI)
        env->faultmask = 0;
    if (exc >= EXC_IRQ0 && env->level[exc])
        arm_pend(env, exc);
    env->event = true;
    if (mode != 1 && arm_sleep_on_exit(env, exc_return))
        return;
    arm_unstack(env, exc_return);
}

/* The second half of an exception return: the frame back into the
 * registers (or a derived fault, tail-chained, when it cannot be read). */
void arm_unstack(ArmEnv *env, uint32_t exc_return)
{
    unsigned exc = env->ipsr;
    unsigned mode = exc_return & 15;
    bool fp = !(exc_return & 0x10); /* an extended (FP) frame */
    bool to_psp = mode == 13;
    /* In handler mode r13 is MSP and other_sp PSP. */
    uint32_t frame = to_psp ? env->other_sp : env->r[13];
    unsigned derived = unstack_check(env, frame, mode, fp);
    if (derived) {
        arm_tail_chain(env, derived, exc_return);
        return;
    }
    uint32_t v[8];
    for (unsigned i = 0; i < 8; i++)
        v[i] = arm_rd32(frame + 4 * i);
    if (fp)
        arm_fp_pop(env, frame);
    if (env->model->fpu) /* CONTROL.FPCA = NOT EXC_RETURN[4] */
        env->control = (env->control & ~ARM_CONTROL_FPCA) |
                       (fp ? ARM_CONTROL_FPCA : 0);
    uint32_t nsp = frame + (fp ? 0x68 : 0x20) + ((v[7] & (1u << 9)) ? 4 : 0);
    if (to_psp) {
        env->other_sp = env->r[13]; /* MSP */
        env->r[13] = nsp;
        env->control |= 2;
    } else {
        env->r[13] = nsp;
        if (mode == 9)
            env->control &= ~2u;
    }
    env->r[0] = v[0];
    env->r[1] = v[1];
    env->r[2] = v[2];
    env->r[3] = v[3];
    env->r[12] = v[4];
    env->r[14] = v[5];
    uint32_t xpsr = v[7];
    env->nf = xpsr >> 31;
    env->zf = (xpsr >> 30) & 1;
    env->cf = (xpsr >> 29) & 1;
    env->vf = (xpsr >> 28) & 1;
    env->qf = (xpsr >> 27) & 1;
    if (env->model->dsp)
        env->ge = (xpsr >> 16) & 15;
    env->it = (uint8_t)(((xpsr >> 25) & 3) | ((xpsr >> 10) & 0x3f) << 2);
    env->ipsr = mode == 1 ? (xpsr & 0x1ff) : 0;
    env->excl_addr = ~0ull;
    if (tessera_log_enabled(TESSERA_LOG_INT))
        tessera_log(TESSERA_LOG_INT,
                    "arm: return from exception %u to 0x%08" PRIx32 "\n", exc,
                    v[6]);
    tessera_cpu_set_pc(env->cpu, v[6] & ~1u);
    arm_update_tb_flags(env);
    tessera_cpu_kick(env->cpu); /* tail-chaining: look at what is pending */
}

/* ---------------------------------------------------------------------- */
/* The class                                                               */

static int arm_cpu_init(TesseraCpu *cpu, void *opaque,
                        const TesseraCpuModel *model, unsigned index)
{
    ArmEnv *env = opaque;
    env->cpu = cpu;
    env->model = model->data;
    env->num_irq = 32;
    env->cpu_hz = 25000000;
    env->ref_hz = 1000000;
    return 0;
}

void arm_reset_from_vectors(ArmEnv *env)
{
    env->r[13] = arm_rd32(env->vtor) & ~3u;
    uint32_t pc = arm_rd32(env->vtor + 4);
    tessera_cpu_set_pc(env->cpu, pc & ~1u);
    env->reset_done = true;
}

static void arm_cpu_reset(void *opaque)
{
    ArmEnv *env = opaque;
    TesseraCpu *cpu = env->cpu;
    const ArmModel *m = env->model;
    unsigned nirq = env->num_irq;
    uint64_t ch = env->cpu_hz, rh = env->ref_hz;
    TesseraTimer *t = env->syst_timer;
    size_t keep = offsetof(ArmEnv, cpu);
    memset(env, 0, keep);
    memset((char *)env + offsetof(ArmEnv, other_sp), 0,
           sizeof(ArmEnv) - offsetof(ArmEnv, other_sp));
    env->cpu = cpu;
    env->model = m;
    env->num_irq = nirq;
    env->cpu_hz = ch;
    env->ref_hz = rh;
    env->syst_timer = t;
    env->excl_addr = ~0ull;
    env->ccr = m->v7 ? CCR_STKALIGN : (CCR_STKALIGN | CCR_UNALIGN_TRP);
    if (m->fpu)
        env->fpccr = 0xc0000000u; /* ASPEN, LSPEN */
    if (t)
        arm_systick_reset(env);
    tessera_cpu_set_pc(cpu, 0);
    arm_update_tb_flags(env);
}

void arm_irq_set(void *opaque, unsigned line, int level)
{
    ArmEnv *env = opaque;
    unsigned exc = EXC_IRQ0 + line;
    if (line == env->num_irq) {
        /* The NMI input (a watchdog's): pends on a rising edge. */
        bool rising = level && !env->level[EXC_NMI];
        env->level[EXC_NMI] = level != 0;
        if (rising) {
            arm_pend(env, EXC_NMI);
            arm_check_irqs(env);
        }
        return;
    }
    if (line >= env->num_irq)
        return;
    env->level[exc] = level != 0;
    if (level) {
        arm_pend(env, exc);
        arm_check_irqs(env);
    }
}

static bool arm_exec_interrupt(void *opaque)
{
    ArmEnv *env = opaque;
    if (env->sleep && arm_sleep_wake(env))
        return true;
    unsigned e = best_pending(env);
    if (!e || group_prio(env, e) >= arm_exec_prio(env))
        return false;
    take(env, e, (uint32_t)tessera_cpu_get_pc(env->cpu));
    return true;
}

static bool arm_has_work(void *opaque)
{
    return arm_sleep_has_work(opaque);
}

static void arm_raise_fault(void *opaque, uint64_t vaddr, TesseraAccess access,
                            TesseraFault fault)
{
    ArmEnv *env = opaque;
    uint32_t pc = (uint32_t)tessera_cpu_get_pc(env->cpu);
    unsigned exc;
    uint32_t bits;
    if (fault == TESSERA_FAULT_MISALIGNED) {
        exc = EXC_USAGE;
        bits = CFSR_UNALIGNED;
    } else if (fault == TESSERA_FAULT_PAGE) { /* MPU */
        exc = EXC_MEM;
        if (access == TESSERA_ACCESS_EXEC) {
            bits = CFSR_IACCVIOL;
        } else {
            bits = CFSR_DACCVIOL | CFSR_MMARVALID;
            env->mmfar = (uint32_t)vaddr;
        }
    } else if (access == TESSERA_ACCESS_EXEC) {
        exc = EXC_BUS;
        bits = CFSR_IBUSERR;
    } else {
        exc = EXC_BUS;
        bits = CFSR_PRECISERR | CFSR_BFARVALID;
        env->bfar = (uint32_t)vaddr;
    }
    if (env->model->v7)
        env->cfsr |= bits;
    take(env, escalate(env, exc), pc);
}

static void arm_dump_state(void *opaque)
{
    ArmEnv *env = opaque;
    for (unsigned i = 0; i < 16; i++) {
        uint32_t v = i == 15 ? (uint32_t)tessera_cpu_get_pc(env->cpu)
                             : env->r[i];
        tessera_log(TESSERA_LOG_CPU, "R%02u=%08" PRIx32 "%s", i, v,
                    i % 4 == 3 ? "\n" : " ");
    }
    tessera_log(TESSERA_LOG_CPU,
                "XPSR=%08" PRIx32 " %c%c%c%c %s\n", arm_xpsr(env),
                env->nf ? 'N' : '-', env->zf ? 'Z' : '-',
                env->cf ? 'C' : '-', env->vf ? 'V' : '-',
                env->ipsr ? "handler" : "thread");
}

static void arm_cpu_finalize(void *opaque)
{
    ArmEnv *env = opaque;
    if (env->syst_timer)
        tessera_timer_free(env->syst_timer);
    env->syst_timer = NULL;
    arm_disas_close();
}

const TesseraArchClass arm_arch = {
    .name = "arm",
    .description = "ARM M-profile (Cortex-M0, M3, M4, M7), Thumb and Thumb-2",
    .models = arm_models,
    .default_model = "cortex-m3",
    .env_size = sizeof(ArmEnv),
    .nb_mmu_modes = ARM_NB_MMU,
    .page_bits = ARM_PAGE_BITS,
    .irq_inputs = irq_inputs,
    .regs = arm_regs,
    .cpu_init = arm_cpu_init,
    .cpu_reset = arm_cpu_reset,
    .translate = arm_translate,
    .irq_set = arm_irq_set,
    .exec_interrupt = arm_exec_interrupt,
    .has_work = arm_has_work,
    .translate_addr = arm_mpu_translate,
    .raise_fault = arm_raise_fault,
    .disas = arm_disas,
    .dump_state = arm_dump_state,
    .gdb_xml = arm_gdb_xml,
    .gdb_g_regs = 17,
    .gdb_read_reg = arm_gdb_read_reg,
    .gdb_write_reg = arm_gdb_write_reg,
    .gdb_watch_before = true, /* gdb steps over the access itself */
    .cpu_finalize = arm_cpu_finalize,
};

static int arm_plugin_init(void)
{
    for (unsigned i = 0; i < ARM_MAX_IRQ; i++) {
        snprintf(irq_names[i], sizeof(irq_names[i]), "irq%u", i);
        irq_inputs[i] = irq_names[i];
    }
    irq_inputs[ARM_MAX_IRQ] = NULL;
    if (tessera_register_arch(&arm_arch) < 0)
        return -1;
    return arm_scs_register();
}

TESSERA_PLUGIN(TESSERA_PLUGIN_ARCH, "arm", "0.1.0", arm_plugin_init);
