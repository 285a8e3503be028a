/* SPDX-License-Identifier: MIT */
/*
 * The System Control Space of an M-profile CPU (0xe000e000, 4 KiB): the
 * NVIC, the System Control Block and SysTick. They are part of the CPU
 * (their state is the exception model's), so the arm plugin registers
 * them as the device type "armv7m-scs", which a board file maps like any
 * device: the core names neither an ISA nor this block, and the block
 * reads and writes its CPU's env directly.
 *
 * Its reset runs after the images are loaded (devices are reset after the
 * boot), which is when an M-profile CPU reads its initial SP and reset
 * vector from the vector table at VTOR (0).
 */
#include <inttypes.h>
#include <string.h>

#include <tessera/board.h>

#include "arm.h"

typedef struct Scs {
    TesseraDevice *dev;
    ArmEnv *env;
} Scs;

static const TesseraProp scs_props[] = {
    {"base", TESSERA_PROP_U64, "0xe000e000", "MMIO base (4 KiB)"},
    {"cpu", TESSERA_PROP_U64, "0", "the CPU this block belongs to"},
    {"num-irq", TESSERA_PROP_U64, "32", "external interrupts (1-240)"},
    {"cpu-frequency", TESSERA_PROP_FREQ, "25M",
     "processor clock (SysTick with CLKSOURCE = 1)"},
    {"ref-frequency", TESSERA_PROP_FREQ, "1M",
     "SysTick reference clock (CLKSOURCE = 0)"},
    {NULL, 0, NULL, NULL},
};

/* ---------------------------------------------------------------------- */
/* SysTick                                                                 */

#define SYST_ENABLE 1u
#define SYST_TICKINT 2u
#define SYST_CLKSOURCE 4u
#define SYST_COUNTFLAG (1u << 16)

static uint64_t syst_hz(ArmEnv *env)
{
    return (env->syst_csr & SYST_CLKSOURCE) ? env->cpu_hz : env->ref_hz;
}

static uint64_t ticks_since(ArmEnv *env, uint64_t t0)
{
    uint64_t now = tessera_clock_ns();
    if (now <= t0)
        return 0;
    return (uint64_t)((unsigned __int128)(now - t0) * syst_hz(env) /
                      1000000000u);
}

static uint64_t ns_of_ticks(ArmEnv *env, uint64_t ticks)
{
    uint64_t hz = syst_hz(env);
    return (uint64_t)(((unsigned __int128)ticks * 1000000000u + hz - 1) / hz);
}

/*
 * While enabled, the counter was loaded with RVR at syst_start_ns and
 * counts down one per tick, reaching 0 after RVR ticks and reloading on
 * the next: its value is RVR - (ticks mod (RVR + 1)). While disabled it
 * holds its value (syst_held), from which enabling resumes.
 */
static uint32_t syst_cvr(ArmEnv *env)
{
    if (!(env->syst_csr & SYST_ENABLE))
        return env->syst_held;
    if (env->syst_rvr == 0)
        return 0;
    uint64_t k = ticks_since(env, env->syst_start_ns);
    return env->syst_rvr - (uint32_t)(k % ((uint64_t)env->syst_rvr + 1));
}

static void syst_arm_timer(ArmEnv *env)
{
    if (!(env->syst_csr & SYST_ENABLE) || env->syst_rvr == 0) {
        tessera_timer_del(env->syst_timer);
        return;
    }
    uint64_t period = (uint64_t)env->syst_rvr + 1;
    uint64_t k = ticks_since(env, env->syst_start_ns);
    /* next tick count at which the counter reaches 0 */
    uint64_t n = k < env->syst_rvr ? env->syst_rvr
                                   : env->syst_rvr +
                                         ((k - env->syst_rvr) / period + 1) *
                                             period;
    tessera_timer_mod(env->syst_timer,
                      env->syst_start_ns + ns_of_ticks(env, n));
}

static void syst_fire(void *opaque)
{
    ArmEnv *env = opaque;
    env->syst_csr |= SYST_COUNTFLAG;
    if (env->syst_csr & SYST_TICKINT)
        arm_set_pending(env, EXC_SYSTICK, true);
    syst_arm_timer(env);
}

/* (Re)starts counting from value cur (0: load RVR on the next tick). */
static void syst_restart(ArmEnv *env, uint32_t cur)
{
    uint64_t now = tessera_clock_ns();
    uint32_t rvr = env->syst_rvr;
    /* the counter holds cur now: it was loaded with RVR (rvr - cur) ticks
     * ago; cur == 0 means it loads RVR one tick from now */
    if (cur == 0 || cur > rvr)
        env->syst_start_ns = now + ns_of_ticks(env, 1);
    else
        env->syst_start_ns = now - ns_of_ticks(env, rvr - cur);
    syst_arm_timer(env);
}

void arm_systick_reset(ArmEnv *env)
{
    env->syst_csr = 0;
    env->syst_rvr = 0;
    env->syst_held = 0;
    env->syst_start_ns = 0;
    tessera_timer_del(env->syst_timer);
}

/* ---------------------------------------------------------------------- */
/* Registers                                                               */

static uint32_t shcsr_read(ArmEnv *env)
{
    uint32_t v = env->shcsr & 0x70000u;
    v |= env->active[EXC_MEM] << 0 | env->active[EXC_BUS] << 1 |
         env->active[EXC_USAGE] << 3 | env->active[EXC_SVC] << 7 |
         env->active[EXC_DEBUG] << 8 | env->active[EXC_PENDSV] << 10 |
         env->active[EXC_SYSTICK] << 11 | env->pending[EXC_USAGE] << 12 |
         env->pending[EXC_MEM] << 13 | env->pending[EXC_BUS] << 14 |
         env->pending[EXC_SVC] << 15;
    return v;
}

static unsigned vect_pending(ArmEnv *env)
{
    unsigned best = 0;
    int bp = 1000;
    for (unsigned e = 2; e < EXC_IRQ0 + env->num_irq; e++)
        if (env->pending[e] && (e < EXC_IRQ0 || env->enabled[e])) {
            int p = e <= EXC_HARD ? (int)e - 4 : env->prio[e];
            if (p < bp) {
                bp = p;
                best = e;
            }
        }
    return best;
}

static uint32_t icsr_read(ArmEnv *env)
{
    uint32_t v = env->ipsr;
    unsigned nact = 0;
    for (unsigned e = 1; e < EXC_IRQ0 + env->num_irq; e++)
        nact += env->active[e];
    /* RETTOBASE: no active exception besides the running one (QEMU also
     * sets it in thread mode, where the architecture leaves it open). */
    if (nact <= (env->ipsr ? 1u : 0u))
        v |= 1u << 11;
    v |= vect_pending(env) << 12;
    for (unsigned e = EXC_IRQ0; e < EXC_IRQ0 + env->num_irq; e++)
        if (env->pending[e]) {
            v |= 1u << 22;
            break;
        }
    if (env->pending[EXC_SYSTICK])
        v |= 1u << 26;
    if (env->pending[EXC_PENDSV])
        v |= 1u << 28;
    if (env->pending[EXC_NMI])
        v |= 1u << 31;
    return v;
}

static uint32_t bits_of(ArmEnv *env, const uint8_t *arr, unsigned word)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < 32; i++) {
        unsigned irq = word * 32 + i;
        if (irq < env->num_irq && arr[EXC_IRQ0 + irq])
            v |= 1u << i;
    }
    return v;
}

static uint8_t prio_mask(ArmEnv *env)
{
    return (uint8_t)(0xff00u >> env->model->prio_bits);
}

static uint32_t scs_read32(ArmEnv *env, uint32_t off)
{
    if (off >= 0x100 && off < 0x140)
        return bits_of(env, env->enabled, (off - 0x100) / 4);
    if (off >= 0x180 && off < 0x1c0)
        return bits_of(env, env->enabled, (off - 0x180) / 4);
    if (off >= 0x200 && off < 0x240)
        return bits_of(env, env->pending, (off - 0x200) / 4);
    if (off >= 0x280 && off < 0x2c0)
        return bits_of(env, env->pending, (off - 0x280) / 4);
    if (off >= 0x300 && off < 0x340)
        return bits_of(env, env->active, (off - 0x300) / 4);
    if (off >= 0x400 && off < 0x400 + ARM_MAX_IRQ) {
        uint32_t v = 0;
        for (unsigned i = 0; i < 4; i++) {
            unsigned irq = off - 0x400 + i;
            if (irq < env->num_irq)
                v |= (uint32_t)env->prio[EXC_IRQ0 + irq] << (8 * i);
        }
        return v;
    }
    if (off >= 0xd18 && off < 0xd24) {
        uint32_t v = 0;
        for (unsigned i = 0; i < 4; i++)
            v |= (uint32_t)env->prio[4 + off - 0xd18 + i] << (8 * i);
        return v;
    }
    switch (off) {
    case 0x004: /* ICTR */
        return (env->num_irq + 31) / 32 - 1;
    case 0x010: {
        uint32_t v = env->syst_csr;
        env->syst_csr &= ~SYST_COUNTFLAG;
        return v;
    }
    case 0x014:
        return env->syst_rvr;
    case 0x018:
        return syst_cvr(env);
    case 0x01c: /* CALIB: no reference calibration value */
        return 0x80000000u;
    case 0xd00:
        return env->model->cpuid;
    case 0xd90: case 0xd94: case 0xd98: case 0xd9c: case 0xda0: case 0xda4:
    case 0xda8: case 0xdac: case 0xdb0: case 0xdb4: case 0xdb8:
        return arm_mpu_read(env, off);
    case 0xd40: case 0xd44: case 0xd48: case 0xd4c: case 0xd50: case 0xd54:
    case 0xd58: case 0xd5c: case 0xd60: case 0xd64: case 0xd68: case 0xd6c:
    case 0xd70:
        return env->model->id[(off - 0xd40) / 4];
    case 0xd04:
        return icsr_read(env);
    case 0xd08:
        return env->vtor;
    case 0xd0c:
        return 0xfa050000u | env->aircr_prigroup << 8;
    case 0xd10:
        return env->scr;
    case 0xd14:
        return env->ccr;
    case 0xd24:
        return shcsr_read(env);
    case 0xd28:
        return env->cfsr;
    case 0xd2c:
        return env->hfsr;
    case 0xd34:
        return env->mmfar;
    case 0xd38:
        return env->bfar;
    default: {
        uint32_t fv;
        if (env->model->fpu && arm_fp_scs_read(env, off, &fv))
            return fv;
        if (tessera_log_enabled(TESSERA_LOG_UNIMP))
            tessera_log(TESSERA_LOG_UNIMP,
                        "armv7m-scs: read of 0x%03" PRIx32 "\n", off);
        return 0;
    }
    }
}

static void set_bits(ArmEnv *env, uint8_t *arr, unsigned word, uint32_t v,
                     uint8_t val)
{
    for (unsigned i = 0; i < 32; i++) {
        unsigned irq = word * 32 + i;
        if ((v & (1u << i)) && irq < env->num_irq)
            arr[EXC_IRQ0 + irq] = val;
    }
}

static void scs_write_prio(ArmEnv *env, unsigned exc, uint8_t v)
{
    env->prio[exc] = v & prio_mask(env);
}

static void scs_write32_pend(ArmEnv *env, uint32_t off, uint32_t v);

/* A register write, with SEVONPEND for the pending bits it sets. */
static void scs_write32(ArmEnv *env, uint32_t off, uint32_t v)
{
    uint8_t before[ARM_NUM_EXC];
    bool sevonpend = env->scr & SCR_SEVONPEND;
    if (sevonpend)
        memcpy(before, env->pending, sizeof(before));
    scs_write32_pend(env, off, v);
    if (sevonpend)
        arm_sev_on_pend(env, before);
}

static void scs_write32_pend(ArmEnv *env, uint32_t off, uint32_t v)
{
    if (off >= 0x100 && off < 0x140)
        set_bits(env, env->enabled, (off - 0x100) / 4, v, 1);
    else if (off >= 0x180 && off < 0x1c0)
        set_bits(env, env->enabled, (off - 0x180) / 4, v, 0);
    else if (off >= 0x200 && off < 0x240)
        set_bits(env, env->pending, (off - 0x200) / 4, v, 1);
    else if (off >= 0x280 && off < 0x2c0)
        set_bits(env, env->pending, (off - 0x280) / 4, v, 0);
    else if (off >= 0x400 && off < 0x400 + ARM_MAX_IRQ) {
        for (unsigned i = 0; i < 4; i++) {
            unsigned irq = off - 0x400 + i;
            if (irq < env->num_irq)
                scs_write_prio(env, EXC_IRQ0 + irq, (uint8_t)(v >> (8 * i)));
        }
    } else if (off >= 0xd18 && off < 0xd24) {
        for (unsigned i = 0; i < 4; i++) {
            unsigned exc = 4 + off - 0xd18 + i;
            if (exc >= EXC_MEM && exc <= EXC_USAGE && !env->model->v7)
                continue;
            if (exc == 7 || exc == 8 || exc == 9 || exc == 10 || exc == 13)
                continue;
            scs_write_prio(env, exc, (uint8_t)(v >> (8 * i)));
        }
    } else if (off == 0xf00) { /* STIR */
        if ((v & 0x1ff) < env->num_irq)
            env->pending[EXC_IRQ0 + (v & 0x1ff)] = 1;
    } else {
        switch (off) {
        case 0x010: {
            uint32_t cur = syst_cvr(env);
            bool was = env->syst_csr & SYST_ENABLE;
            env->syst_csr = (env->syst_csr & SYST_COUNTFLAG) | (v & 7);
            if (v & SYST_ENABLE) {
                syst_restart(env, cur);
            } else {
                if (was)
                    env->syst_held = cur;
                tessera_timer_del(env->syst_timer);
            }
            break;
        }
        case 0x014:
            env->syst_rvr = v & 0xffffff;
            break;
        case 0x018: /* any write clears the counter and COUNTFLAG */
            env->syst_csr &= ~SYST_COUNTFLAG;
            env->syst_held = 0;
            if (env->syst_csr & SYST_ENABLE)
                syst_restart(env, 0);
            break;
        case 0xd04: /* ICSR */
            if (v & (1u << 31))
                env->pending[EXC_NMI] = 1;
            if (v & (1u << 28))
                env->pending[EXC_PENDSV] = 1;
            if (v & (1u << 27))
                env->pending[EXC_PENDSV] = 0;
            if (v & (1u << 26))
                env->pending[EXC_SYSTICK] = 1;
            if (v & (1u << 25))
                env->pending[EXC_SYSTICK] = 0;
            break;
        case 0xd08:
            env->vtor = v & 0xffffff80u;
            break;
        case 0xd0c:
            if ((v >> 16) != 0x05fa)
                break;
            if (env->model->v7)
                env->aircr_prigroup = (v >> 8) & 7;
            if (v & 4) /* SYSRESETREQ */
                tessera_request_reset();
            break;
        case 0xd10:
            env->scr = v & 0x16;
            break;
        case 0xd14:
            if (env->model->v7) {
                env->ccr = (v & 0x31bu) | CCR_STKALIGN;
                /* UNALIGN_TRP is a translation flag: back to the main
                 * loop after this block, which re-reads the flags */
                arm_update_tb_flags(env);
                tessera_cpu_kick(env->cpu);
            }
            break;
        case 0xd24:
            if (env->model->v7) {
                env->shcsr = v & 0x70000u;
                env->active[EXC_MEM] = v & 1;
                env->active[EXC_BUS] = (v >> 1) & 1;
                env->active[EXC_USAGE] = (v >> 3) & 1;
                env->active[EXC_SVC] = (v >> 7) & 1;
                env->active[EXC_PENDSV] = (v >> 10) & 1;
                env->active[EXC_SYSTICK] = (v >> 11) & 1;
                env->pending[EXC_USAGE] = (v >> 12) & 1;
                env->pending[EXC_MEM] = (v >> 13) & 1;
                env->pending[EXC_BUS] = (v >> 14) & 1;
                env->pending[EXC_SVC] = (v >> 15) & 1;
            } else {
                env->pending[EXC_SVC] = (v >> 15) & 1;
            }
            break;
        case 0xd28:
            if (env->model->v7)
                env->cfsr &= ~v;
            break;
        case 0xd2c:
            if (env->model->v7)
                env->hfsr &= ~v;
            break;
        case 0xd34:
            env->mmfar = v;
            break;
        case 0xd94: case 0xd98: case 0xd9c: case 0xda0: case 0xda4:
        case 0xda8: case 0xdac: case 0xdb0: case 0xdb4: case 0xdb8:
            arm_mpu_write(env, off, v);
            break;
        case 0xd38:
            env->bfar = v;
            break;
        default:
            if (env->model->fpu && arm_fp_scs_write(env, off, v))
                break;
            if (tessera_log_enabled(TESSERA_LOG_UNIMP))
                tessera_log(TESSERA_LOG_UNIMP,
                            "armv7m-scs: write 0x%08" PRIx32 " to 0x%03" PRIx32
                            "\n", v, off);
            break;
        }
    }
    arm_check_irqs(env);
}

static uint64_t scs_read(void *opaque, uint64_t off, unsigned size)
{
    Scs *s = opaque;
    uint32_t w = scs_read32(s->env, (uint32_t)off & ~3u);
    w >>= 8 * (off & 3);
    return size == 4 ? w : w & ((1u << (8 * size)) - 1);
}

static void scs_write(void *opaque, uint64_t off, uint64_t value,
                      unsigned size)
{
    Scs *s = opaque;
    ArmEnv *env = s->env;
    uint32_t o = (uint32_t)off;
    if (size == 4) {
        scs_write32(env, o, (uint32_t)value);
        return;
    }
    /* Priority registers are byte-accessible; others: read-modify-write
     * of the word (narrow accesses are UNPREDICTABLE there). */
    if (o >= 0x400 && o < 0x400 + ARM_MAX_IRQ && size == 1) {
        if (o - 0x400 < env->num_irq)
            scs_write_prio(env, EXC_IRQ0 + o - 0x400, (uint8_t)value);
        arm_check_irqs(env);
        return;
    }
    if (o >= 0xd18 && o < 0xd24 && size == 1) {
        unsigned exc = 4 + o - 0xd18;
        if (exc == 11 || exc == 14 || exc == 15 ||
            (env->model->v7 && exc >= 4 && exc <= 6) || exc == 12)
            scs_write_prio(env, exc, (uint8_t)value);
        arm_check_irqs(env);
        return;
    }
    unsigned sh = 8 * (o & 3);
    uint32_t mask = (size == 1 ? 0xffu : 0xffffu) << sh;
    uint32_t old = (o & ~3u) == 0xd28 || (o & ~3u) == 0xd2c ||
                           (o & ~3u) == 0x010
                       ? 0
                       : scs_read32(env, o & ~3u);
    scs_write32(env, o & ~3u, (old & ~mask) | (((uint32_t)value << sh) & mask));
}

static const TesseraMmioOps scs_ops = {
    .read = scs_read,
    .write = scs_write,
    .min_access = 1,
    .max_access = 4,
};

static int scs_realize(TesseraDevice *dev, void *state)
{
    Scs *s = state;
    unsigned idx = (unsigned)tessera_dev_prop_u64(dev, "cpu");
    TesseraCpu *cpu = tessera_cpu_by_index(idx);
    uint64_t nirq = tessera_dev_prop_u64(dev, "num-irq");
    s->dev = dev;
    if (!cpu) {
        tessera_error("%s: no cpu %u", tessera_dev_name(dev), idx);
        return -1;
    }
    if (nirq < 1 || nirq > ARM_MAX_IRQ) {
        tessera_error("%s: num-irq must be 1 to %u", tessera_dev_name(dev),
                      ARM_MAX_IRQ);
        return -1;
    }
    /* The CPU must be one of ours (its model is a Cortex-M). */
    const char *model = tessera_cpu_model_name(idx);
    s->env = tessera_cpu_env(cpu);
    if (!model || strncmp(model, "cortex-m", 8) || !s->env) {
        tessera_error("%s: cpu %u is not an ARM M-profile CPU",
                      tessera_dev_name(dev), idx);
        return -1;
    }
    ArmEnv *env = s->env;
    env->num_irq = (unsigned)nirq;
    env->cpu_hz = tessera_dev_prop_u64(dev, "cpu-frequency");
    env->ref_hz = tessera_dev_prop_u64(dev, "ref-frequency");
    if (!env->cpu_hz || !env->ref_hz) {
        tessera_error("%s: frequencies must not be 0", tessera_dev_name(dev));
        return -1;
    }
    env->syst_timer = tessera_timer_new(syst_fire, env);
    /* Interrupt inputs: N is external interrupt N (exception 16 + N);
     * the one after them is the NMI. */
    tessera_dev_irq_inputs(dev, (unsigned)nirq + 1, arm_irq_set, env);
    return tessera_dev_map_mmio(dev, tessera_dev_prop_u64(dev, "base"),
                                0x1000, &scs_ops, s);
}

static void scs_reset(TesseraDevice *dev, void *state)
{
    Scs *s = state;
    arm_systick_reset(s->env);
    arm_reset_from_vectors(s->env);
}

static const TesseraDeviceClass scs_class = {
    .name = "armv7m-scs",
    .description = "M-profile System Control Space: NVIC, SCB, SysTick "
                   "(part of the arm plugin)",
    .props = scs_props,
    .state_size = sizeof(Scs),
    .realize = scs_realize,
    .reset = scs_reset,
    .mmio_help = "0x1000 bytes at base",
    .irq_inputs_help = "0..num-irq-1: external interrupts (exception 16+N); "
                       "num-irq: the NMI (rising edge)",
};

int arm_scs_register(void)
{
    return tessera_register_device(&scs_class);
}
