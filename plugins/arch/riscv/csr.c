/* SPDX-License-Identifier: MIT */
/*
 * RISC-V control and status registers. Each CSR (or range of CSRs) is one
 * table entry with read and write functions; later extensions (S mode,
 * PMP, F) add entries. Accesses go through riscv_csr_op(), called from a
 * translated helper, so counters and the PC are exact here.
 */
#include <tessera/device.h> /* tessera_clock_ns */

#include "riscv.h"

typedef struct RiscvCsr {
    unsigned first, last; /* CSR number range */
    unsigned flags;
    uint64_t (*read)(RiscvEnv *env, unsigned csr);
    /* NULL: writes are accepted and ignored (WARL, read-only value). */
    void (*write)(RiscvEnv *env, unsigned csr, uint64_t val);
    /* NULL: present on every model; else false makes the CSR illegal. */
    bool (*present)(const RiscvEnv *env, unsigned csr);
} RiscvCsr;

#define CSRF_RV32 1u      /* only on RV32 (the "h" upper halves) */
#define CSRF_MODE 2u      /* writes may change interrupts or tb flags */

/* ---------------------------------------------------------------------- */
/* Field masks that depend on the model                                   */

static uint64_t mstatus_wmask(const RiscvEnv *env)
{
    uint64_t m = MSTATUS_MIE | MSTATUS_MPIE;

    if (riscv_has_ext(env, 'U'))
        m |= MSTATUS_MPP | MSTATUS_MPRV | MSTATUS_TW;
    if (riscv_has_ext(env, 'S'))
        m |= MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_SUM |
             MSTATUS_MXR | MSTATUS_TVM | MSTATUS_TSR;
    if (riscv_has_ext(env, 'F'))
        m |= MSTATUS_FS;
    return m;
}

/* mip bits M-mode software may write (the S-level ones, with S mode). */
static uint64_t mip_wmask(const RiscvEnv *env)
{
    return riscv_has_ext(env, 'S') ? (MIP_SSIP | MIP_STIP | MIP_SEIP) : 0;
}

static bool priv_supported(const RiscvEnv *env, unsigned prv)
{
    switch (prv) {
    case RISCV_PRV_M:
        return true;
    case RISCV_PRV_S:
        return riscv_has_ext(env, 'S');
    case RISCV_PRV_U:
        return riscv_has_ext(env, 'U');
    }
    return false;
}

/* ---------------------------------------------------------------------- */
/* Machine information and trap setup                                      */

static uint64_t read_zero(RiscvEnv *env, unsigned csr)
{
    return 0;
}

/*
 * Tessera's own IDs. mvendorid 0: not a commercial implementation.
 * marchid "TESS" (0x54455353) with bit XLEN-1 set, as ids that RISC-V
 * International did not allocate must have it (0x8000000054455353 on
 * RV64, 0xd4455353 on RV32). mimpid: this plugin's version 0.1.0 as
 * 0xMMmmpp (0x000100).
 */
#define RISCV_MARCHID 0x54455353ull
#define RISCV_MIMPID 0x000100ull

static uint64_t read_marchid(RiscvEnv *env, unsigned csr)
{
    return RISCV_MARCHID | 1ull << (env->xlen - 1);
}

static uint64_t read_mimpid(RiscvEnv *env, unsigned csr)
{
    return RISCV_MIMPID;
}

static uint64_t read_mhartid(RiscvEnv *env, unsigned csr)
{
    return env->mhartid;
}

uint64_t riscv_mstatus_read(const RiscvEnv *env)
{
    uint64_t v = env->mstatus;
    bool dirty = (v & MSTATUS_FS) == MSTATUS_FS ||
                 (v & MSTATUS_XS) == MSTATUS_XS ||
                 (v & MSTATUS_VS) == MSTATUS_VS;

    if (env->xlen == 32)
        return (v & UINT32_MAX) | (dirty ? MSTATUS32_SD : 0);
    return v | (dirty ? MSTATUS64_SD : 0);
}

static uint64_t read_mstatus(RiscvEnv *env, unsigned csr)
{
    return riscv_mstatus_read(env);
}

/*
 * Stores a new mstatus. MXR changes what the cached translations allow;
 * SUM, MPRV and MPP only change which MMU context data accesses use,
 * which the translation flags carry.
 */
static void mstatus_set(RiscvEnv *env, uint64_t v)
{
    if ((v ^ env->mstatus) & MSTATUS_MXR)
        tessera_tlb_flush(env->cpu);
    env->mstatus = v;
    riscv_update_mode(env);
    riscv_update_irq(env);
}

/*
 * mstatus.UXL (RV64 with U mode) is WARL: 1 (RV32) and 2 (RV64) are
 * taken, 0 and the reserved 3 keep the old value. SXL stays 2 (read-only),
 * as on QEMU 7.2.
 */
static uint64_t uxl_wmask(const RiscvEnv *env, uint64_t val)
{
    uint64_t uxl = (val & MSTATUS_UXL) >> 32;

    if (env->xlen != 64 || !riscv_has_ext(env, 'U') || (uxl != 1 && uxl != 2))
        return 0;
    return MSTATUS_UXL;
}

static void write_mstatus(RiscvEnv *env, unsigned csr, uint64_t val)
{
    uint64_t wmask = mstatus_wmask(env) | uxl_wmask(env, val);
    unsigned mpp = (val & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT;

    /* MPP is WARL: an unsupported privilege keeps the old value. */
    if (!priv_supported(env, mpp))
        wmask &= ~MSTATUS_MPP;
    if (env->xlen == 32)
        wmask &= UINT32_MAX;
    mstatus_set(env, (env->mstatus & ~wmask) | (val & wmask));
}

/* RV32 upper half of mstatus: only the endianness bits, all zero here. */
static uint64_t read_mstatush(RiscvEnv *env, unsigned csr)
{
    return (env->mstatus >> 32) & ((MSTATUS_SBE | MSTATUS_MBE) >> 32);
}

static uint64_t read_misa(RiscvEnv *env, unsigned csr)
{
    return env->misa;
}

static uint64_t read_mtvec(RiscvEnv *env, unsigned csr)
{
    return env->mtvec;
}

static void write_mtvec(RiscvEnv *env, unsigned csr, uint64_t val)
{
    /* Modes 2 and 3 are reserved: ignore such writes (as QEMU does). */
    if ((val & 3) < 2)
        env->mtvec = val;
}

static uint64_t read_mie(RiscvEnv *env, unsigned csr)
{
    return env->mie;
}

static void write_mie(RiscvEnv *env, unsigned csr, uint64_t val)
{
    env->mie = val & riscv_irq_mask(env);
    riscv_update_irq(env);
}

static uint64_t read_mip(RiscvEnv *env, unsigned csr)
{
    return env->mip;
}

static void write_mip(RiscvEnv *env, unsigned csr, uint64_t val)
{
    uint64_t wmask = mip_wmask(env);

    /* With Sstc enabled, STIP follows stimecmp only. */
    if (env->menvcfg >> 63)
        wmask &= ~MIP_STIP;

    env->mip_sw = (env->mip_sw & ~wmask) | (val & wmask);
    riscv_update_irq(env);
}

static uint64_t read_mscratch(RiscvEnv *env, unsigned csr)
{
    return env->mscratch;
}

static void write_mscratch(RiscvEnv *env, unsigned csr, uint64_t val)
{
    env->mscratch = val;
}

static uint64_t read_mepc(RiscvEnv *env, unsigned csr)
{
    return env->mepc;
}

static void write_mepc(RiscvEnv *env, unsigned csr, uint64_t val)
{
    /* IALIGN is 16 with C: bit 0 is always zero. */
    env->mepc = val & ~(uint64_t)1;
}

static uint64_t read_mcause(RiscvEnv *env, unsigned csr)
{
    return env->mcause;
}

static void write_mcause(RiscvEnv *env, unsigned csr, uint64_t val)
{
    env->mcause = val;
}

static uint64_t read_mtval(RiscvEnv *env, unsigned csr)
{
    return env->mtval;
}

static void write_mtval(RiscvEnv *env, unsigned csr, uint64_t val)
{
    env->mtval = val;
}

static uint64_t read_mcounteren(RiscvEnv *env, unsigned csr)
{
    return env->mcounteren;
}

static void write_mcounteren(RiscvEnv *env, unsigned csr, uint64_t val)
{
    env->mcounteren = val & UINT32_MAX;
}

static uint64_t read_mcountinhibit(RiscvEnv *env, unsigned csr)
{
    return env->mcountinhibit;
}

static void write_mcountinhibit(RiscvEnv *env, unsigned csr, uint64_t val)
{
    /* Bit 1 (time) is read-only zero. Inhibiting is not modelled. */
    env->mcountinhibit = val & UINT32_MAX & ~(uint64_t)2;
}

/* ---------------------------------------------------------------------- */
/* Counters                                                                */

/*
 * Counters are the core's counts plus an offset. Inside a helper the core
 * counts the instructions before the current one; a written value is what
 * the next instruction reads, so the write accounts for this one.
 */
static uint64_t *counter_offset(RiscvEnv *env, unsigned csr)
{
    return (csr & 0x7f) == 0 ? &env->mcycle_offset : &env->minstret_offset;
}

static uint64_t counter_base(RiscvEnv *env, unsigned csr)
{
    return (csr & 0x7f) == 0 ? tessera_cpu_cycles(env->cpu)
                             : tessera_cpu_insns(env->cpu);
}

static uint64_t read_counter(RiscvEnv *env, unsigned csr)
{
    uint64_t v = counter_base(env, csr) + *counter_offset(env, csr);

    /* The "h" CSRs (0xb8x, 0xc8x) read the upper half. */
    return (csr & 0x80) ? v >> 32 : (v & riscv_xlen_mask(env));
}

static void write_counter(RiscvEnv *env, unsigned csr, uint64_t val)
{
    uint64_t base = counter_base(env, csr) + 1;
    uint64_t *off = counter_offset(env, csr);
    uint64_t cur = base + *off;

    if (env->xlen == 64)
        cur = val;
    else if (csr & 0x80)
        cur = (cur & UINT32_MAX) | (val << 32);
    else
        cur = (cur & ~(uint64_t)UINT32_MAX) | (val & UINT32_MAX);
    *off = cur - base;
}

static uint64_t read_time(RiscvEnv *env, unsigned csr)
{
    /* 10 MHz timebase, like the CLINT of the virt board. */
    uint64_t t = tessera_clock_ns() / 100;

    return csr == CSR_TIMEH ? t >> 32 : (t & riscv_xlen_mask(env));
}

/* User counters below M mode need their mcounteren bit (and later scounteren). */
static bool user_counter_present(const RiscvEnv *env, unsigned csr)
{
    unsigned bit = csr & 31;

    if (env->priv == RISCV_PRV_M)
        return true;
    if (!(env->mcounteren >> bit & 1))
        return false;
    return env->priv == RISCV_PRV_S || !riscv_has_ext(env, 'S') ||
           (env->scounteren >> bit & 1);
}

/*
 * Performance counters 3..18 exist (as on QEMU's virt CPUs) so that
 * firmware finds them, but no event makes them count.
 */
#define NB_HPM 16

static uint64_t read_hpm(RiscvEnv *env, unsigned csr)
{
    unsigned i = (csr & 31) - 3;
    uint64_t v = i < NB_HPM ? env->hpm[i] : 0;

    return (csr & 0x80) ? v >> 32 : (v & riscv_xlen_mask(env));
}

static void write_hpm(RiscvEnv *env, unsigned csr, uint64_t val)
{
    unsigned i = (csr & 31) - 3;

    if (i >= NB_HPM)
        return;
    if (env->xlen == 64)
        env->hpm[i] = val;
    else if (csr & 0x80)
        env->hpm[i] = (env->hpm[i] & UINT32_MAX) | (val << 32);
    else
        env->hpm[i] = (env->hpm[i] & ~(uint64_t)UINT32_MAX) |
                      (val & UINT32_MAX);
}

static uint64_t read_hpmevent(RiscvEnv *env, unsigned csr)
{
    unsigned i = csr - CSR_MHPMEVENT3;

    return i < NB_HPM ? env->hpmevent[i] : 0;
}

static void write_hpmevent(RiscvEnv *env, unsigned csr, uint64_t val)
{
    unsigned i = csr - CSR_MHPMEVENT3;

    if (i < NB_HPM)
        env->hpmevent[i] = val;
}

/* ---------------------------------------------------------------------- */
/* Supervisor mode                                                         */

#define SSTATUS_MASK                                                         \
    (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_UBE | MSTATUS_SPP | MSTATUS_VS |   \
     MSTATUS_FS | MSTATUS_XS | MSTATUS_SUM | MSTATUS_MXR | MSTATUS_UXL)

static bool s_present(const RiscvEnv *env, unsigned csr)
{
    return riscv_has_ext(env, 'S');
}

static uint64_t read_sstatus(RiscvEnv *env, unsigned csr)
{
    uint64_t v = riscv_mstatus_read(env);
    uint64_t sd = env->xlen == 32 ? MSTATUS32_SD : MSTATUS64_SD;

    return v & (SSTATUS_MASK | sd);
}

static void write_sstatus(RiscvEnv *env, unsigned csr, uint64_t val)
{
    uint64_t wmask = (mstatus_wmask(env) | uxl_wmask(env, val)) &
                     SSTATUS_MASK;

    if (env->xlen == 32)
        wmask &= UINT32_MAX;
    mstatus_set(env, (env->mstatus & ~wmask) | (val & wmask));
}

/* Exceptions M mode may hand to S: all but ecall from M (and reserved). */
#define MEDELEG_MASK 0xb3ffull
#define S_IRQS (MIP_SSIP | MIP_STIP | MIP_SEIP)

static uint64_t read_medeleg(RiscvEnv *env, unsigned csr)
{
    return env->medeleg;
}

static void write_medeleg(RiscvEnv *env, unsigned csr, uint64_t val)
{
    env->medeleg = val & MEDELEG_MASK;
}

static uint64_t read_mideleg(RiscvEnv *env, unsigned csr)
{
    return env->mideleg;
}

static void write_mideleg(RiscvEnv *env, unsigned csr, uint64_t val)
{
    env->mideleg = val & S_IRQS;
    riscv_update_irq(env);
}

static uint64_t read_sie(RiscvEnv *env, unsigned csr)
{
    return env->mie & env->mideleg;
}

static void write_sie(RiscvEnv *env, unsigned csr, uint64_t val)
{
    env->mie = (env->mie & ~env->mideleg) | (val & env->mideleg);
    riscv_update_irq(env);
}

static uint64_t read_sip(RiscvEnv *env, unsigned csr)
{
    return env->mip & env->mideleg;
}

static void write_sip(RiscvEnv *env, unsigned csr, uint64_t val)
{
    /* Only SSIP is writable from S mode. */
    uint64_t wmask = MIP_SSIP & env->mideleg;

    env->mip_sw = (env->mip_sw & ~wmask) | (val & wmask);
    riscv_update_irq(env);
}

#define SIMPLE_CSR(name)                                                     \
    static uint64_t read_##name(RiscvEnv *env, unsigned csr)                 \
    {                                                                        \
        return env->name;                                                    \
    }                                                                        \
    static void write_##name(RiscvEnv *env, unsigned csr, uint64_t val)     \
    {                                                                        \
        env->name = val;                                                     \
    }
SIMPLE_CSR(sscratch)
SIMPLE_CSR(scause)
SIMPLE_CSR(stval)

static uint64_t read_stvec(RiscvEnv *env, unsigned csr)
{
    return env->stvec;
}

static void write_stvec(RiscvEnv *env, unsigned csr, uint64_t val)
{
    if ((val & 3) < 2)
        env->stvec = val;
}

static uint64_t read_sepc(RiscvEnv *env, unsigned csr)
{
    return env->sepc;
}

static void write_sepc(RiscvEnv *env, unsigned csr, uint64_t val)
{
    env->sepc = val & ~(uint64_t)1;
}

static uint64_t read_scounteren(RiscvEnv *env, unsigned csr)
{
    return env->scounteren;
}

static void write_scounteren(RiscvEnv *env, unsigned csr, uint64_t val)
{
    env->scounteren = val & UINT32_MAX;
}

/*
 * The CBO enables: CBIE (WARL: 0, 1 = flush, 3 = invalidate; 2 is
 * reserved and keeps the old value) and CBCFE with Zicbom, CBZE with
 * Zicboz.
 */
static uint64_t envcfg_cbo(const RiscvEnv *env, uint64_t old, uint64_t val)
{
    uint64_t m = 0;

    if (riscv_has_x(env, RVX_ZICBOM)) {
        m |= MENVCFG_CBCFE;
        if ((val & MENVCFG_CBIE) != (2ull << 4))
            m |= MENVCFG_CBIE;
    }
    if (riscv_has_x(env, RVX_ZICBOZ))
        m |= MENVCFG_CBZE;
    return (old & ~m) | (val & m);
}

/* senvcfg: FIOM and the CBO fields. */
static uint64_t read_senvcfg(RiscvEnv *env, unsigned csr)
{
    return env->senvcfg;
}

static void write_senvcfg(RiscvEnv *env, unsigned csr, uint64_t val)
{
    env->senvcfg = envcfg_cbo(env, env->senvcfg & ~MENVCFG_FIOM, val) |
                   (val & MENVCFG_FIOM);
}

/* menvcfg: FIOM, the CBO fields, PBMTE (Svpbmt) and STCE (Sstc); RV32
 * sees the top two in menvcfgh. */

static uint64_t read_menvcfg(RiscvEnv *env, unsigned csr)
{
    if (csr == CSR_MENVCFGH)
        return env->menvcfg >> 32;
    return env->menvcfg;
}

static void write_menvcfg(RiscvEnv *env, unsigned csr, uint64_t val)
{
    uint64_t v = env->menvcfg;

    if (csr == CSR_MENVCFGH)
        v = (v & UINT32_MAX) | (val << 32);
    else if (env->xlen == 32)
        v = (v & ~(uint64_t)UINT32_MAX) | (val & UINT32_MAX);
    else
        v = val;
    uint64_t m = MENVCFG_FIOM;
    if (riscv_has_x(env, RVX_SSTC))
        m |= MENVCFG_STCE;
    if (riscv_has_x(env, RVX_SVPBMT))
        m |= MENVCFG_PBMTE;
    /* PBMTE changes what the cached translations mean. */
    if ((v ^ env->menvcfg) & m & MENVCFG_PBMTE)
        tessera_tlb_flush(env->cpu);
    env->menvcfg = envcfg_cbo(env, env->menvcfg & ~m, v) | (v & m);
    riscv_stimer_update(env);
}

static bool menvcfgh_present(const RiscvEnv *env, unsigned csr)
{
    return riscv_has_ext(env, 'U');
}

/*
 * satp: an unsupported MODE leaves the register unchanged. TVM makes it
 * illegal in S mode (checked in present()).
 */
static bool satp_present(const RiscvEnv *env, unsigned csr)
{
    return riscv_has_ext(env, 'S') &&
           !(env->priv == RISCV_PRV_S && (env->mstatus & MSTATUS_TVM));
}

static uint64_t read_satp(RiscvEnv *env, unsigned csr)
{
    return env->satp;
}

static void write_satp(RiscvEnv *env, unsigned csr, uint64_t val)
{
    if (env->xlen == 32) {
        /* MODE(1) ASID(9) PPN(22) */
        val &= UINT32_MAX;
    } else {
        unsigned mode = (unsigned)(val >> 60);

        if (mode != 0 && mode != 8 && mode != 9 && mode != 10)
            return;
        /* ASID is 16 bits, PPN 44. */
        val &= (0xfull << 60) | (0xffffull << 44) | ((1ull << 44) - 1);
    }
    env->satp = val;
    riscv_sp_clear(env);
    tessera_tlb_flush(env->cpu);
}

/* Sstc: stimecmp is for S mode when mcounteren.TM and menvcfg.STCE. */
static bool stimecmp_present(const RiscvEnv *env, unsigned csr)
{
    if (!riscv_has_ext(env, 'S') || !riscv_has_x(env, RVX_SSTC) ||
        (csr == CSR_STIMECMPH && env->xlen != 32))
        return false;
    if (env->priv == RISCV_PRV_M)
        return true;
    return (env->mcounteren & 2) && (env->menvcfg & MENVCFG_STCE);
}

static uint64_t read_stimecmp(RiscvEnv *env, unsigned csr)
{
    if (csr == CSR_STIMECMPH)
        return env->stimecmp >> 32;
    return env->stimecmp & riscv_xlen_mask(env);
}

static void write_stimecmp(RiscvEnv *env, unsigned csr, uint64_t val)
{
    uint64_t v = env->stimecmp;

    if (csr == CSR_STIMECMPH)
        v = (v & UINT32_MAX) | (val << 32);
    else if (env->xlen == 32)
        v = (v & ~(uint64_t)UINT32_MAX) | (val & UINT32_MAX);
    else
        v = val;
    env->stimecmp = v;
    riscv_stimer_update(env);
}

/* ---------------------------------------------------------------------- */
/* PMP                                                                     */

/* On RV64 only the even pmpcfg registers exist, each with 8 entries. */
static bool pmpcfg_present(const RiscvEnv *env, unsigned csr)
{
    unsigned n = csr - CSR_PMPCFG0;

    return n < 4 && (env->xlen == 32 || !(n & 1));
}

static uint64_t read_pmpcfg(RiscvEnv *env, unsigned csr)
{
    unsigned first = (csr - CSR_PMPCFG0) * 4;
    unsigned count = env->xlen / 8;
    uint64_t v = 0;

    for (unsigned i = 0; i < count && first + i < 16; i++)
        v |= (uint64_t)env->pmpcfg[first + i] << (8 * i);
    return v;
}

static void write_pmpcfg(RiscvEnv *env, unsigned csr, uint64_t val)
{
    unsigned first = (csr - CSR_PMPCFG0) * 4;
    unsigned count = env->xlen / 8;

    for (unsigned i = 0; i < count && first + i < 16; i++) {
        uint8_t b = (uint8_t)(val >> (8 * i));

        if (env->pmpcfg[first + i] & 0x80) /* locked */
            continue;
        /* W without R is reserved: keep R=0,W=0 (as QEMU does). */
        if ((b & 3) == 2)
            b &= ~3;
        env->pmpcfg[first + i] = b & 0x9f;
    }
    riscv_pmp_changed(env);
}

static bool pmpaddr_locked(const RiscvEnv *env, unsigned i)
{
    if (env->pmpcfg[i] & 0x80)
        return true;
    /* A locked TOR entry above also locks this address. */
    return i + 1 < 16 && (env->pmpcfg[i + 1] & 0x80) &&
           ((env->pmpcfg[i + 1] >> 3) & 3) == 1;
}

static uint64_t read_pmpaddr(RiscvEnv *env, unsigned csr)
{
    unsigned i = csr - CSR_PMPADDR0;

    return i < 16 ? env->pmpaddr[i] : 0;
}

static void write_pmpaddr(RiscvEnv *env, unsigned csr, uint64_t val)
{
    unsigned i = csr - CSR_PMPADDR0;

    if (i >= 16 || pmpaddr_locked(env, i))
        return;
    env->pmpaddr[i] = env->xlen == 32 ? val & UINT32_MAX
                                      : val & ((1ull << 54) - 1);
    riscv_pmp_changed(env);
}

/* ---------------------------------------------------------------------- */
/* Floating point                                                          */

static bool fp_present(const RiscvEnv *env, unsigned csr)
{
    return riscv_has_ext(env, 'F') && (env->mstatus & MSTATUS_FS);
}

static uint64_t read_fcsr(RiscvEnv *env, unsigned csr)
{
    switch (csr) {
    case CSR_FFLAGS:
        return env->fflags;
    case CSR_FRM:
        return env->frm;
    default:
        return env->fflags | env->frm << 5;
    }
}

static void write_fcsr(RiscvEnv *env, unsigned csr, uint64_t val)
{
    switch (csr) {
    case CSR_FFLAGS:
        env->fflags = val & 0x1f;
        break;
    case CSR_FRM:
        env->frm = val & 7;
        break;
    default:
        env->fflags = val & 0x1f;
        env->frm = (val >> 5) & 7;
        break;
    }
    if ((env->mstatus & MSTATUS_FS) != MSTATUS_FS) {
        env->mstatus |= MSTATUS_FS;
        riscv_update_mode(env);
    }
}

/* ---------------------------------------------------------------------- */
/* The table                                                               */

static const RiscvCsr csr_table[] = {
    /* Floating point (FS must not be Off). */
    {CSR_FFLAGS, CSR_FCSR, CSRF_MODE, read_fcsr, write_fcsr, fp_present},

    /* Supervisor. */
    {CSR_SSTATUS, CSR_SSTATUS, CSRF_MODE, read_sstatus, write_sstatus,
     s_present},
    {CSR_SIE, CSR_SIE, CSRF_MODE, read_sie, write_sie, s_present},
    {CSR_STVEC, CSR_STVEC, 0, read_stvec, write_stvec, s_present},
    {CSR_SCOUNTEREN, CSR_SCOUNTEREN, 0, read_scounteren, write_scounteren,
     s_present},
    {CSR_SENVCFG, CSR_SENVCFG, 0, read_senvcfg, write_senvcfg, s_present},
    {CSR_SSCRATCH, CSR_SSCRATCH, 0, read_sscratch, write_sscratch,
     s_present},
    {CSR_SEPC, CSR_SEPC, 0, read_sepc, write_sepc, s_present},
    {CSR_SCAUSE, CSR_SCAUSE, 0, read_scause, write_scause, s_present},
    {CSR_STVAL, CSR_STVAL, 0, read_stval, write_stval, s_present},
    {CSR_SIP, CSR_SIP, CSRF_MODE, read_sip, write_sip, s_present},
    {CSR_STIMECMP, CSR_STIMECMP, CSRF_MODE, read_stimecmp, write_stimecmp,
     stimecmp_present},
    {CSR_STIMECMPH, CSR_STIMECMPH, CSRF_MODE, read_stimecmp, write_stimecmp,
     stimecmp_present},
    {CSR_SATP, CSR_SATP, CSRF_MODE, read_satp, write_satp, satp_present},
    {CSR_MEDELEG, CSR_MEDELEG, 0, read_medeleg, write_medeleg, s_present},
    {CSR_MIDELEG, CSR_MIDELEG, CSRF_MODE, read_mideleg, write_mideleg,
     s_present},
    {CSR_MENVCFG, CSR_MENVCFG, CSRF_MODE, read_menvcfg, write_menvcfg,
     menvcfgh_present},
    {CSR_MENVCFGH, CSR_MENVCFGH, CSRF_MODE | CSRF_RV32, read_menvcfg,
     write_menvcfg, menvcfgh_present},
    {CSR_PMPCFG0, CSR_PMPCFG0 + 15, CSRF_MODE, read_pmpcfg, write_pmpcfg,
     pmpcfg_present},
    {CSR_PMPADDR0, CSR_PMPADDR0 + 63, CSRF_MODE, read_pmpaddr, write_pmpaddr,
     NULL},
    /* User counters (read-only by their number). */
    {CSR_CYCLE, CSR_CYCLE, 0, read_counter, NULL, user_counter_present},
    {CSR_TIME, CSR_TIME, 0, read_time, NULL, user_counter_present},
    {CSR_INSTRET, CSR_INSTRET, 0, read_counter, NULL, user_counter_present},
    {CSR_HPMCOUNTER3, CSR_HPMCOUNTER31, 0, read_hpm, NULL,
     user_counter_present},
    {CSR_CYCLEH, CSR_CYCLEH, CSRF_RV32, read_counter, NULL,
     user_counter_present},
    {CSR_TIMEH, CSR_TIMEH, CSRF_RV32, read_time, NULL, user_counter_present},
    {CSR_INSTRETH, CSR_INSTRETH, CSRF_RV32, read_counter, NULL,
     user_counter_present},
    {CSR_HPMCOUNTER3H, CSR_HPMCOUNTER31H, CSRF_RV32, read_hpm, NULL,
     user_counter_present},

    /* Machine information. */
    {CSR_MVENDORID, CSR_MVENDORID, 0, read_zero, NULL, NULL},
    {CSR_MARCHID, CSR_MARCHID, 0, read_marchid, NULL, NULL},
    {CSR_MIMPID, CSR_MIMPID, 0, read_mimpid, NULL, NULL},
    {CSR_MHARTID, CSR_MHARTID, 0, read_mhartid, NULL, NULL},
    {CSR_MCONFIGPTR, CSR_MCONFIGPTR, 0, read_zero, NULL, NULL},

    /* Machine trap setup and handling. */
    {CSR_MSTATUS, CSR_MSTATUS, CSRF_MODE, read_mstatus, write_mstatus, NULL},
    {CSR_MISA, CSR_MISA, 0, read_misa, NULL, NULL},
    {CSR_MIE, CSR_MIE, CSRF_MODE, read_mie, write_mie, NULL},
    {CSR_MTVEC, CSR_MTVEC, 0, read_mtvec, write_mtvec, NULL},
    {CSR_MCOUNTEREN, CSR_MCOUNTEREN, 0, read_mcounteren, write_mcounteren,
     NULL},
    {CSR_MSTATUSH, CSR_MSTATUSH, CSRF_RV32, read_mstatush, NULL, NULL},
    {CSR_MCOUNTINHIBIT, CSR_MCOUNTINHIBIT, 0, read_mcountinhibit,
     write_mcountinhibit, NULL},
    {CSR_MHPMEVENT3, CSR_MHPMEVENT31, 0, read_hpmevent, write_hpmevent,
     NULL},
    {CSR_MSCRATCH, CSR_MSCRATCH, 0, read_mscratch, write_mscratch, NULL},
    {CSR_MEPC, CSR_MEPC, 0, read_mepc, write_mepc, NULL},
    {CSR_MCAUSE, CSR_MCAUSE, 0, read_mcause, write_mcause, NULL},
    {CSR_MTVAL, CSR_MTVAL, 0, read_mtval, write_mtval, NULL},
    {CSR_MIP, CSR_MIP, CSRF_MODE, read_mip, write_mip, NULL},

    /* Sdtrig (trigger.c): tselect, tdata1-3, tinfo. */
    {CSR_TSELECT, CSR_TINFO, CSRF_MODE, riscv_trig_csr_read,
     riscv_trig_csr_write, NULL},

    /* Machine counters. */
    {CSR_MCYCLE, CSR_MCYCLE, 0, read_counter, write_counter, NULL},
    {CSR_MINSTRET, CSR_MINSTRET, 0, read_counter, write_counter, NULL},
    {CSR_MHPMCOUNTER3, CSR_MHPMCOUNTER31, 0, read_hpm, write_hpm, NULL},
    {CSR_MCYCLEH, CSR_MCYCLEH, CSRF_RV32, read_counter, write_counter, NULL},
    {CSR_MINSTRETH, CSR_MINSTRETH, CSRF_RV32, read_counter, write_counter,
     NULL},
    {CSR_MHPMCOUNTER3H, CSR_MHPMCOUNTER31H, CSRF_RV32, read_hpm, write_hpm,
     NULL},
};

static const RiscvCsr *csr_index[4096];

void riscv_csr_init(void)
{
    for (size_t i = 0; i < sizeof(csr_table) / sizeof(csr_table[0]); i++)
        for (unsigned n = csr_table[i].first; n <= csr_table[i].last; n++)
            csr_index[n] = &csr_table[i];
}

bool riscv_csr_write_ends_block(unsigned csr)
{
    return csr < 4096 && csr_index[csr] && (csr_index[csr]->flags & CSRF_MODE);
}

/*
 * The value csrrs/csrrc modify, given what software reads (old). mip's
 * SEIP and STIP read as the OR of the software-writable bit and the
 * interrupt controller's line (or Sstc's comparison), but only the
 * writable bit takes part in a read-modify-write (priv spec 3.1.9): else
 * `csrs mip, SSIP` with an external interrupt pending would latch SEIP
 * for good. The read-only bits are masked by the write anyway.
 */
static uint64_t csr_rmw_base(RiscvEnv *env, unsigned csr, uint64_t old)
{
    switch (csr) {
    case CSR_MIP:
        return env->mip_sw & riscv_irq_mask(env);
    case CSR_SIP:
        return env->mip_sw & env->mideleg;
    default:
        return old;
    }
}

uint64_t riscv_csr_op(RiscvEnv *env, uint32_t insn, uint64_t src)
{
    unsigned csr = insn >> 20;
    unsigned f3 = (insn >> 12) & 7;
    unsigned rd = (insn >> 7) & 31, rs1 = (insn >> 15) & 31;
    const RiscvCsr *c = csr_index[csr];
    /* csrrw always writes and reads only for rd != x0; csrrs/csrrc always
     * read and write only for a non-zero rs1 field (register or uimm). */
    bool is_rw = (f3 & 3) == 1;
    bool writes = is_rw || rs1 != 0;
    bool reads = !is_rw || rd != 0;
    uint64_t old = 0, val;

    /* U mode may be RV32 on an RV64 hart (mstatus.UXL): its view. */
    unsigned xl = riscv_cur_xlen(env);
    uint64_t mask = xl == 64 ? UINT64_MAX : UINT32_MAX;

    if (!c || ((c->flags & CSRF_RV32) && xl != 32) ||
        (c->present && !c->present(env, csr)) ||
        env->priv < ((csr >> 8) & 3) ||
        (writes && (csr >> 10) == 3))
        riscv_raise(env, EXC_ILLEGAL_INSN, insn);

    if (reads)
        old = c->read(env, csr) & mask;
    if (!writes)
        return old;

    switch (f3 & 3) {
    case 1:
        val = src;
        break;
    case 2:
        val = csr_rmw_base(env, csr, old) | src;
        break;
    default:
        val = csr_rmw_base(env, csr, old) & ~src;
        break;
    }
    if (c->write)
        c->write(env, csr, val & mask);
    return old;
}

bool riscv_csr_debug(RiscvEnv *env, unsigned csr, uint64_t *val, bool write)
{
    const RiscvCsr *c = csr < 4096 ? csr_index[csr] : NULL;

    /* No privilege check: the debugger sees everything the hart has. */
    if (!c || ((c->flags & CSRF_RV32) && env->xlen != 32))
        return false;
    if (write) {
        if (c->write)
            c->write(env, csr, *val & riscv_xlen_mask(env));
    } else {
        *val = c->read(env, csr) & riscv_xlen_mask(env);
    }
    return true;
}
