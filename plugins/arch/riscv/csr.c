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

static void write_mstatus(RiscvEnv *env, unsigned csr, uint64_t val)
{
    uint64_t wmask = mstatus_wmask(env);
    unsigned mpp = (val & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT;

    /* MPP is WARL: an unsupported privilege keeps the old value. */
    if (!priv_supported(env, mpp))
        wmask &= ~MSTATUS_MPP;
    if (env->xlen == 32)
        wmask &= UINT32_MAX;
    env->mstatus = (env->mstatus & ~wmask) | (val & wmask);
    riscv_update_mode(env);
    riscv_update_irq(env);
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
    return env->priv == RISCV_PRV_M ||
           (env->mcounteren >> (csr & 31) & 1);
}

/* ---------------------------------------------------------------------- */
/* The table                                                               */

static const RiscvCsr csr_table[] = {
    /* User counters (read-only by their number). */
    {CSR_CYCLE, CSR_CYCLE, 0, read_counter, NULL, user_counter_present},
    {CSR_TIME, CSR_TIME, 0, read_time, NULL, user_counter_present},
    {CSR_INSTRET, CSR_INSTRET, 0, read_counter, NULL, user_counter_present},
    {CSR_HPMCOUNTER3, CSR_HPMCOUNTER31, 0, read_zero, NULL,
     user_counter_present},
    {CSR_CYCLEH, CSR_CYCLEH, CSRF_RV32, read_counter, NULL,
     user_counter_present},
    {CSR_TIMEH, CSR_TIMEH, CSRF_RV32, read_time, NULL, user_counter_present},
    {CSR_INSTRETH, CSR_INSTRETH, CSRF_RV32, read_counter, NULL,
     user_counter_present},
    {CSR_HPMCOUNTER3H, CSR_HPMCOUNTER31H, CSRF_RV32, read_zero, NULL,
     user_counter_present},

    /* Machine information. */
    {CSR_MVENDORID, CSR_MIMPID, 0, read_zero, NULL, NULL},
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
    {CSR_MHPMEVENT3, CSR_MHPMEVENT31, 0, read_zero, NULL, NULL},
    {CSR_MSCRATCH, CSR_MSCRATCH, 0, read_mscratch, write_mscratch, NULL},
    {CSR_MEPC, CSR_MEPC, 0, read_mepc, write_mepc, NULL},
    {CSR_MCAUSE, CSR_MCAUSE, 0, read_mcause, write_mcause, NULL},
    {CSR_MTVAL, CSR_MTVAL, 0, read_mtval, write_mtval, NULL},
    {CSR_MIP, CSR_MIP, CSRF_MODE, read_mip, write_mip, NULL},

    /* Machine counters. */
    {CSR_MCYCLE, CSR_MCYCLE, 0, read_counter, write_counter, NULL},
    {CSR_MINSTRET, CSR_MINSTRET, 0, read_counter, write_counter, NULL},
    {CSR_MHPMCOUNTER3, CSR_MHPMCOUNTER31, 0, read_zero, NULL, NULL},
    {CSR_MCYCLEH, CSR_MCYCLEH, CSRF_RV32, read_counter, write_counter, NULL},
    {CSR_MINSTRETH, CSR_MINSTRETH, CSRF_RV32, read_counter, write_counter,
     NULL},
    {CSR_MHPMCOUNTER3H, CSR_MHPMCOUNTER31H, CSRF_RV32, read_zero, NULL, NULL},
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

    if (!c || ((c->flags & CSRF_RV32) && env->xlen != 32) ||
        (c->present && !c->present(env, csr)) ||
        env->priv < ((csr >> 8) & 3) ||
        (writes && (csr >> 10) == 3))
        riscv_raise(env, EXC_ILLEGAL_INSN, insn);

    if (reads)
        old = c->read(env, csr) & riscv_xlen_mask(env);
    if (!writes)
        return old;

    switch (f3 & 3) {
    case 1:
        val = src;
        break;
    case 2:
        val = old | src;
        break;
    default:
        val = old & ~src;
        break;
    }
    if (c->write)
        c->write(env, csr, val & riscv_xlen_mask(env));
    return old;
}
