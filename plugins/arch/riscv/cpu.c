/* SPDX-License-Identifier: MIT */
/*
 * RISC-V arch plugin: CPU models, reset, traps, interrupts and the class
 * registration.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "riscv.h"

/*
 * Where a hart starts after reset. Boards (or the core's -kernel loader)
 * normally set the PC afterwards; 0x1000 is the boot ROM of the virt board.
 */
#define RISCV_RESET_VECTOR 0x1000

/*
 * QEMU's default rv32/rv64 CPUs are RV{32,64}GC with S and U modes (misa
 * "acdfimsu"); ours match so that the same firmware runs. The *imac
 * models keep the earlier machine-mode-only harts.
 */
#define EXTS_GC                                                              \
    (RISCV_EXT('I') | RISCV_EXT('M') | RISCV_EXT('A') | RISCV_EXT('F') |   \
     RISCV_EXT('D') | RISCV_EXT('C') | RISCV_EXT('S') | RISCV_EXT('U'))
#define EXTS_IMAC                                                            \
    (RISCV_EXT('I') | RISCV_EXT('M') | RISCV_EXT('A') | RISCV_EXT('C'))

/*
 * The multi-letter extensions of QEMU 7.2's rv32/rv64 (its default set
 * without H), so that a kernel sees the same features on both.
 */
#define ISA_QEMU72                                                           \
    (RVX(ZICSR) | RVX(ZIFENCEI) | RVX(ZIHINTPAUSE) | RVX(ZBA) | RVX(ZBB) |  \
     RVX(ZBC) | RVX(ZBS) | RVX(SSTC))
/* The earlier GC models: G's Zicsr and Zifencei, and Sstc. */
#define ISA_GC (RVX(ZICSR) | RVX(ZIFENCEI) | RVX(SSTC))
#define ISA_IMAC (RVX(ZICSR) | RVX(ZIFENCEI))

static const RiscvModel model_rv32 = {.xlen = 32, .exts = EXTS_GC,
                                      .isa_ext = ISA_QEMU72};
static const RiscvModel model_rv64 = {.xlen = 64, .exts = EXTS_GC,
                                      .isa_ext = ISA_QEMU72};
/* Everything this model implements: QEMU 7.2's set and the rest. */
#define ISA_MAX                                                              \
    (ISA_QEMU72 | RVX(ZICBOM) | RVX(ZICBOP) | RVX(ZICBOZ) | RVX(SVNAPOT) |  \
     RVX(SVPBMT))
static const RiscvModel model_max = {.xlen = 64, .exts = EXTS_GC,
                                     .isa_ext = ISA_MAX};
static const RiscvModel model_rv32gc = {.xlen = 32, .exts = EXTS_GC,
                                        .isa_ext = ISA_GC};
static const RiscvModel model_rv64gc = {.xlen = 64, .exts = EXTS_GC,
                                        .isa_ext = ISA_GC};
static const RiscvModel model_rv32imac = {.xlen = 32, .exts = EXTS_IMAC,
                                          .isa_ext = ISA_IMAC};
static const RiscvModel model_rv64imac = {.xlen = 64, .exts = EXTS_IMAC,
                                          .isa_ext = ISA_IMAC};

static const TesseraCpuModel riscv_models[] = {
    {"rv32", "RV32GC_Zihintpause_Zba_Zbb_Zbc_Zbs_Sstc (QEMU 7.2's rv32 "
     "without H), M/S/U modes, Sv32, PMP", &model_rv32},
    {"rv64", "RV64GC_Zihintpause_Zba_Zbb_Zbc_Zbs_Sstc (QEMU 7.2's rv64 "
     "without H), M/S/U modes, Sv39/48/57, PMP", &model_rv64},
    {"max", "rv64 and Zicbom, Zicbop, Zicboz (64-byte blocks), Svnapot, "
     "Svpbmt", &model_max},
    {"rv32gc", "RV32GC (IMAFDC_Zicsr_Zifencei) and Sstc, M/S/U modes",
     &model_rv32gc},
    {"rv64gc", "RV64GC (IMAFDC_Zicsr_Zifencei) and Sstc, M/S/U modes",
     &model_rv64gc},
    {"rv32imac", "RV32IMAC_Zicsr_Zifencei, machine mode only",
     &model_rv32imac},
    {"rv64imac", "RV64IMAC_Zicsr_Zifencei, machine mode only",
     &model_rv64imac},
    {NULL, NULL, NULL},
};

static const char *const riscv_irq_inputs[] = {
    [RISCV_LINE_MSIP] = "msip", [RISCV_LINE_MTIP] = "mtip",
    [RISCV_LINE_MEIP] = "meip", [RISCV_LINE_SSIP] = "ssip",
    [RISCV_LINE_STIP] = "stip", [RISCV_LINE_SEIP] = "seip",
    [RISCV_NB_LINES] = NULL,
};

/* mip bit driven by each input line. */
static const uint64_t line_bits[RISCV_NB_LINES] = {
    MIP_MSIP, MIP_MTIP, MIP_MEIP, MIP_SSIP, MIP_STIP, MIP_SEIP,
};

#define CSR_REG(name) \
    {#name, offsetof(RiscvEnv, name), 8, TESSERA_REG_INT, "system"}

/* x0..x31 by ABI name, then the machine-mode CSRs; the core adds pc. */
static const TesseraRegInfo riscv_regs[] = {
    {"zero", offsetof(RiscvEnv, x) + 8 * 0, 8, TESSERA_REG_INT, "general"},
    {"ra", offsetof(RiscvEnv, x) + 8 * 1, 8, TESSERA_REG_INT, "general"},
    {"sp", offsetof(RiscvEnv, x) + 8 * 2, 8, TESSERA_REG_INT, "general"},
    {"gp", offsetof(RiscvEnv, x) + 8 * 3, 8, TESSERA_REG_INT, "general"},
    {"tp", offsetof(RiscvEnv, x) + 8 * 4, 8, TESSERA_REG_INT, "general"},
    {"t0", offsetof(RiscvEnv, x) + 8 * 5, 8, TESSERA_REG_INT, "general"},
    {"t1", offsetof(RiscvEnv, x) + 8 * 6, 8, TESSERA_REG_INT, "general"},
    {"t2", offsetof(RiscvEnv, x) + 8 * 7, 8, TESSERA_REG_INT, "general"},
    {"s0", offsetof(RiscvEnv, x) + 8 * 8, 8, TESSERA_REG_INT, "general"},
    {"s1", offsetof(RiscvEnv, x) + 8 * 9, 8, TESSERA_REG_INT, "general"},
    {"a0", offsetof(RiscvEnv, x) + 8 * 10, 8, TESSERA_REG_INT, "general"},
    {"a1", offsetof(RiscvEnv, x) + 8 * 11, 8, TESSERA_REG_INT, "general"},
    {"a2", offsetof(RiscvEnv, x) + 8 * 12, 8, TESSERA_REG_INT, "general"},
    {"a3", offsetof(RiscvEnv, x) + 8 * 13, 8, TESSERA_REG_INT, "general"},
    {"a4", offsetof(RiscvEnv, x) + 8 * 14, 8, TESSERA_REG_INT, "general"},
    {"a5", offsetof(RiscvEnv, x) + 8 * 15, 8, TESSERA_REG_INT, "general"},
    {"a6", offsetof(RiscvEnv, x) + 8 * 16, 8, TESSERA_REG_INT, "general"},
    {"a7", offsetof(RiscvEnv, x) + 8 * 17, 8, TESSERA_REG_INT, "general"},
    {"s2", offsetof(RiscvEnv, x) + 8 * 18, 8, TESSERA_REG_INT, "general"},
    {"s3", offsetof(RiscvEnv, x) + 8 * 19, 8, TESSERA_REG_INT, "general"},
    {"s4", offsetof(RiscvEnv, x) + 8 * 20, 8, TESSERA_REG_INT, "general"},
    {"s5", offsetof(RiscvEnv, x) + 8 * 21, 8, TESSERA_REG_INT, "general"},
    {"s6", offsetof(RiscvEnv, x) + 8 * 22, 8, TESSERA_REG_INT, "general"},
    {"s7", offsetof(RiscvEnv, x) + 8 * 23, 8, TESSERA_REG_INT, "general"},
    {"s8", offsetof(RiscvEnv, x) + 8 * 24, 8, TESSERA_REG_INT, "general"},
    {"s9", offsetof(RiscvEnv, x) + 8 * 25, 8, TESSERA_REG_INT, "general"},
    {"s10", offsetof(RiscvEnv, x) + 8 * 26, 8, TESSERA_REG_INT, "general"},
    {"s11", offsetof(RiscvEnv, x) + 8 * 27, 8, TESSERA_REG_INT, "general"},
    {"t3", offsetof(RiscvEnv, x) + 8 * 28, 8, TESSERA_REG_INT, "general"},
    {"t4", offsetof(RiscvEnv, x) + 8 * 29, 8, TESSERA_REG_INT, "general"},
    {"t5", offsetof(RiscvEnv, x) + 8 * 30, 8, TESSERA_REG_INT, "general"},
    {"t6", offsetof(RiscvEnv, x) + 8 * 31, 8, TESSERA_REG_INT, "general"},
    CSR_REG(misa),
    /* Not a CSR: the model's multi-letter extensions (isa-ext.h). */
    CSR_REG(isa_ext),
    CSR_REG(mstatus),
    CSR_REG(mcause),
    CSR_REG(mepc),
    CSR_REG(mtval),
    CSR_REG(mtvec),
    CSR_REG(mie),
    CSR_REG(mip),
    CSR_REG(mscratch),
    CSR_REG(medeleg),
    CSR_REG(mideleg),
    CSR_REG(stvec),
    CSR_REG(sepc),
    CSR_REG(scause),
    CSR_REG(stval),
    CSR_REG(sscratch),
    CSR_REG(satp),
    {0},
};

/* ---------------------------------------------------------------------- */
/* Mode and interrupts                                                     */

unsigned riscv_data_priv(const RiscvEnv *env)
{
    if (env->priv == RISCV_PRV_M && (env->mstatus & MSTATUS_MPRV))
        return (env->mstatus & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT;
    return env->priv;
}

unsigned riscv_data_mmu(const RiscvEnv *env)
{
    unsigned p = riscv_data_priv(env);
    return p == RISCV_PRV_S && (env->mstatus & MSTATUS_SUM) ? RISCV_MMU_S_SUM
                                                           : p;
}

uint64_t riscv_tb_flags(const RiscvEnv *env)
{
    uint64_t f = (env->priv & RISCV_TBF_PRIV_MASK) |
                 (riscv_cur_xlen(env) == 64 ? RISCV_TBF_RV64 : 0) |
                 (riscv_data_mmu(env) << RISCV_TBF_DPRIV_SHIFT);

    if (riscv_has_ext(env, 'F') && (env->mstatus & MSTATUS_FS)) {
        f |= RISCV_TBF_FP;
        if ((env->mstatus & MSTATUS_FS) == MSTATUS_FS)
            f |= RISCV_TBF_FS_DIRTY;
    }
    if (env->trig_exec || env->trig_ls)
        f |= (env->trig_exec ? RISCV_TBF_TRIG_EXEC : 0) |
             (env->trig_ls ? RISCV_TBF_TRIG_LS : 0) |
             (uint64_t)env->trig_epoch << RISCV_TBF_TRIG_EPOCH_SHIFT;
    return f;
}

void riscv_update_mode(RiscvEnv *env)
{
    tessera_cpu_set_tb_flags(env->cpu, riscv_tb_flags(env));
    tessera_cpu_set_code_mmu_idx(env->cpu, env->priv);
}

void riscv_update_irq(RiscvEnv *env)
{
    uint64_t sw = env->mip_sw;

    /* With Sstc enabled, STIP is stimecmp's alone: a software-set STIP
     * from before does not count (nor can it be written meanwhile). */
    if (env->menvcfg & MENVCFG_STCE)
        sw &= ~MIP_STIP;
    env->mip = (sw | env->mip_lines | env->mip_stimer) & riscv_irq_mask(env);
    if (env->mip & env->mie)
        tessera_cpu_kick(env->cpu);
}

static void riscv_irq_set(void *opaque, unsigned line, int level)
{
    RiscvEnv *env = opaque;

    if (line >= RISCV_NB_LINES)
        return;
    if (level)
        env->mip_lines |= line_bits[line];
    else
        env->mip_lines &= ~line_bits[line];
    riscv_update_irq(env);
}

/* Highest-priority interrupt first (priv spec 3.1.9). */
static const unsigned irq_priority[] = {
    IRQ_M_EXT, IRQ_M_SOFT, IRQ_M_TIMER, IRQ_S_EXT, IRQ_S_SOFT, IRQ_S_TIMER,
};

/*
 * Interrupts for M mode (not delegated) are taken when running below M or
 * with MIE set; delegated ones when below S or in S with SIE set. Those
 * for M come before any for S, whatever their numbers.
 */
static bool riscv_exec_interrupt(void *opaque)
{
    RiscvEnv *env = opaque;
    uint64_t pending = env->mip & env->mie;
    uint64_t m_pend = pending & ~env->mideleg;
    uint64_t s_pend = pending & env->mideleg;
    uint64_t take = 0;

    if (!pending)
        return false;
    if (env->priv < RISCV_PRV_M ||
        (env->mstatus & MSTATUS_MIE))
        take = m_pend;
    if (!take && (env->priv < RISCV_PRV_S ||
                  (env->priv == RISCV_PRV_S && (env->mstatus & MSTATUS_SIE))))
        take = s_pend;
    if (!take)
        return false;
    for (size_t i = 0; i < sizeof(irq_priority) / sizeof(irq_priority[0]);
         i++) {
        if (take & (1ull << irq_priority[i])) {
            riscv_do_trap(env, RISCV_CAUSE_IRQ | irq_priority[i], 0);
            return true;
        }
    }
    return false;
}

static bool riscv_has_work(void *opaque)
{
    RiscvEnv *env = opaque;

    return (env->mip & env->mie) != 0;
}

/* ---------------------------------------------------------------------- */
/* Traps                                                                   */

static const char *const exc_names[16] = {
    "instruction address misaligned", "instruction access fault",
    "illegal instruction", "breakpoint", "load address misaligned",
    "load access fault", "store/AMO address misaligned",
    "store/AMO access fault", "environment call from U-mode",
    "environment call from S-mode", NULL, "environment call from M-mode",
    "instruction page fault", "load page fault", NULL,
    "store/AMO page fault",
};

static const char *const irq_names[16] = {
    [IRQ_S_SOFT] = "supervisor software interrupt",
    [IRQ_M_SOFT] = "machine software interrupt",
    [IRQ_S_TIMER] = "supervisor timer interrupt",
    [IRQ_M_TIMER] = "machine timer interrupt",
    [IRQ_S_EXT] = "supervisor external interrupt",
    [IRQ_M_EXT] = "machine external interrupt",
};

void riscv_do_trap(RiscvEnv *env, uint64_t cause, uint64_t tval)
{
    bool irq = (cause & RISCV_CAUSE_IRQ) != 0;
    uint64_t code = cause & ~RISCV_CAUSE_IRQ;
    uint64_t pc = tessera_cpu_get_pc(env->cpu);
    uint64_t mask = riscv_xlen_mask(env);
    uint64_t deleg = irq ? env->mideleg : env->medeleg;
    bool to_s = env->priv <= RISCV_PRV_S && code < 64 && (deleg >> code & 1);
    uint64_t tvec = to_s ? env->stvec : env->mtvec;
    uint64_t vec = tvec & ~(uint64_t)3;
    uint64_t s = env->mstatus;
    uint64_t xcause = irq ? code | (1ull << (env->xlen - 1)) : code;

    if ((tvec & 3) == 1 && irq)
        vec += 4 * code;
    vec &= mask;

    if (tessera_log_enabled(TESSERA_LOG_INT)) {
        const char *name = code < 16 ? (irq ? irq_names : exc_names)[code]
                                     : NULL;
        tessera_log(TESSERA_LOG_INT,
                    "riscv: hart %" PRIu64 ": %s %" PRIu64 " (%s) at pc 0x%"
                    PRIx64 ", tval 0x%" PRIx64 " -> %c 0x%" PRIx64 "\n",
                    env->mhartid, irq ? "interrupt" : "exception", code,
                    name ? name : "?", pc, tval & mask, to_s ? 'S' : 'M',
                    vec);
    }

    if (to_s) {
        env->sepc = pc & mask;
        env->scause = xcause;
        env->stval = tval & mask;
        /* SPIE = SIE, SIE = 0, SPP = previous privilege (U or S). */
        s = (s & ~MSTATUS_SPIE) | ((s & MSTATUS_SIE) ? MSTATUS_SPIE : 0);
        s &= ~(MSTATUS_SIE | MSTATUS_SPP);
        if (env->priv == RISCV_PRV_S)
            s |= MSTATUS_SPP;
        env->priv = RISCV_PRV_S;
    } else {
        env->mepc = pc & mask;
        env->mcause = xcause;
        env->mtval = tval & mask;
        /* MPIE = MIE, MIE = 0, MPP = previous privilege. */
        s = (s & ~MSTATUS_MPIE) | ((s & MSTATUS_MIE) ? MSTATUS_MPIE : 0);
        s &= ~MSTATUS_MIE;
        s = (s & ~MSTATUS_MPP) | ((uint64_t)env->priv << MSTATUS_MPP_SHIFT);
        env->priv = RISCV_PRV_M;
    }
    env->mstatus = s;
    /* A trap breaks any LR/SC sequence. */
    env->res_addr = RISCV_NO_RESERVATION;
    env->amo_access = 0;

    tessera_cpu_set_pc(env->cpu, vec);
    riscv_update_mode(env);
}

void riscv_raise(RiscvEnv *env, uint64_t cause, uint64_t tval)
{
    riscv_do_trap(env, cause, tval);
    tessera_cpu_exit_loop(env->cpu);
}

uint64_t riscv_do_mret(RiscvEnv *env)
{
    uint64_t s = env->mstatus;
    unsigned mpp = (s & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT;
    /* MPP becomes the least-privileged supported mode. */
    unsigned lowest = riscv_has_ext(env, 'U') ? RISCV_PRV_U : RISCV_PRV_M;

    s = (s & ~MSTATUS_MIE) | ((s & MSTATUS_MPIE) ? MSTATUS_MIE : 0);
    s |= MSTATUS_MPIE;
    s = (s & ~MSTATUS_MPP) | ((uint64_t)lowest << MSTATUS_MPP_SHIFT);
    if (mpp != RISCV_PRV_M)
        s &= ~MSTATUS_MPRV;
    env->mstatus = s;
    env->priv = mpp;

    riscv_update_mode(env);
    riscv_update_irq(env);
    /* The PC in the new mode's XLEN (U mode may be RV32, mstatus.UXL). */
    return env->mepc & riscv_cur_mask(env);
}

uint64_t riscv_do_sret(RiscvEnv *env)
{
    uint64_t s = env->mstatus;
    unsigned spp = (s & MSTATUS_SPP) ? RISCV_PRV_S : RISCV_PRV_U;

    s = (s & ~MSTATUS_SIE) | ((s & MSTATUS_SPIE) ? MSTATUS_SIE : 0);
    s |= MSTATUS_SPIE;
    s &= ~MSTATUS_SPP;
    /* Returning below M clears MPRV (priv spec 1.12, 3.1.6.1). */
    s &= ~MSTATUS_MPRV;
    env->mstatus = s;
    env->priv = spp;

    riscv_update_mode(env);
    riscv_update_irq(env);
    return env->sepc & riscv_cur_mask(env);
}

/*
 * Sstc: with menvcfg.STCE, STIP is time >= stimecmp. The timer wakes us
 * when that becomes true; a write moves it.
 */
static uint64_t riscv_time_now(void)
{
    return tessera_clock_ns() / 100; /* 10 MHz, as the CLINT */
}

void riscv_stimer_update(RiscvEnv *env)
{
    bool stce = (env->menvcfg >> 63) & 1;
    uint64_t now = riscv_time_now();

    if (!stce || !env->stimer) {
        env->mip_stimer = 0;
        if (env->stimer)
            tessera_timer_del(env->stimer);
    } else if (now >= env->stimecmp) {
        env->mip_stimer = MIP_STIP;
        tessera_timer_del(env->stimer);
    } else {
        env->mip_stimer = 0;
        /* Round up so that the timer fires at or after the tick. */
        tessera_timer_mod(env->stimer,
                          env->stimecmp > UINT64_MAX / 100
                              ? UINT64_MAX
                              : env->stimecmp * 100);
    }
    riscv_update_irq(env);
}

static void riscv_stimer_cb(void *opaque)
{
    riscv_stimer_update(opaque);
}

static void riscv_raise_fault(void *opaque, uint64_t vaddr,
                              TesseraAccess access, TesseraFault fault)
{
    RiscvEnv *env = opaque;
    /* Rows: READ, WRITE, EXEC; columns: PAGE, ACCESS, MISALIGNED. */
    static const uint8_t causes[3][3] = {
        {EXC_LOAD_PAGE, EXC_LOAD_ACCESS, EXC_LOAD_MISALIGNED},
        {EXC_STORE_PAGE, EXC_STORE_ACCESS, EXC_STORE_MISALIGNED},
        {EXC_INSN_PAGE, EXC_INSN_ACCESS, EXC_INSN_MISALIGNED},
    };
    unsigned row = access > TESSERA_ACCESS_EXEC ? TESSERA_ACCESS_READ : access;
    unsigned col = fault == TESSERA_FAULT_PAGE         ? 0
                   : fault == TESSERA_FAULT_MISALIGNED ? 2
                                                       : 1;

    /* The load half of an AMO or SC reports store/AMO causes. */
    if (row == TESSERA_ACCESS_READ && env->amo_access)
        row = TESSERA_ACCESS_WRITE;
    riscv_do_trap(env, causes[row][col], vaddr);
}

/* ---------------------------------------------------------------------- */
/* Life cycle                                                              */

static int riscv_cpu_init(TesseraCpu *cpu, void *opaque,
                          const TesseraCpuModel *model, unsigned index)
{
    RiscvEnv *env = opaque;

    env->cpu = cpu;
    env->model = model->data;
    env->xlen = env->model->xlen;
    env->mhartid = index;
    env->isa_ext = env->model->isa_ext;
    if (env->model->exts & RISCV_EXT('S'))
        env->stimer = tessera_timer_new(riscv_stimer_cb, env);
    /* The registers compiled code uses most: GCC allocates scratch values
     * from a5 down to a0, a0 and a1 also carry arguments and results (the
     * order of mentions in bench/bench.c's hot blocks: a5, a4, a0, a3, a2,
     * a1, then a6, a7). */
    static const unsigned hot[] = {15, 14, 10, 13, 12, 11, 16, 17};
    size_t off[sizeof(hot) / sizeof(hot[0])];
    for (unsigned i = 0; i < sizeof(hot) / sizeof(hot[0]); i++)
        off[i] = offsetof(RiscvEnv, x) + 8 * hot[i];
    tessera_cpu_set_hot_globals(cpu, off, sizeof(hot) / sizeof(hot[0]));
    return 0;
}

static void riscv_cpu_finalize(void *opaque)
{
    RiscvEnv *env = opaque;

    tessera_timer_free(env->stimer);
    free(env->gdb_xml);
    env->gdb_xml = NULL;
}

static void riscv_cpu_reset(void *opaque)
{
    RiscvEnv *env = opaque;
    const RiscvModel *m = env->model;

    memset(env->x, 0, sizeof(env->x));
    env->misa = (m->xlen == 64 ? 2ull << 62 : 1ull << 30) | m->exts;
    env->isa_ext = m->isa_ext;
    /* MPP starts as M (read-only M on the machine-mode-only models). */
    env->mstatus = (uint64_t)RISCV_PRV_M << MSTATUS_MPP_SHIFT;
    if (m->xlen == 64) {
        /* UXL/SXL are read-only 64-bit when the mode exists, else 0. */
        if (m->exts & RISCV_EXT('U'))
            env->mstatus |= 2ull << 32;
        if (m->exts & RISCV_EXT('S'))
            env->mstatus |= 2ull << 34;
    }
    env->mtvec = 0;
    env->mepc = 0;
    env->mcause = 0;
    env->mtval = 0;
    env->mie = 0;
    env->mip_sw = 0;
    env->mscratch = 0;
    env->mcounteren = 0;
    env->mcountinhibit = 0;
    env->mcycle_offset = 0;
    env->minstret_offset = 0;
    env->res_addr = RISCV_NO_RESERVATION;
    env->res_val = 0;
    env->amo_access = 0;
    memset(env->f, 0, sizeof(env->f));
    env->fflags = env->frm = 0;
    env->medeleg = env->mideleg = 0;
    env->stvec = env->sscratch = env->sepc = env->scause = env->stval = 0;
    env->satp = env->scounteren = env->senvcfg = env->menvcfg = 0;
    env->stimecmp = UINT64_MAX;
    env->mip_stimer = 0;
    if (env->stimer)
        tessera_timer_del(env->stimer);
    memset(env->pmpcfg, 0, sizeof(env->pmpcfg));
    memset(env->pmpaddr, 0, sizeof(env->pmpaddr));
    riscv_pmp_decode(env);
    memset(env->hpm, 0, sizeof(env->hpm));
    memset(env->hpmevent, 0, sizeof(env->hpmevent));
    riscv_sp_clear(env);
    env->priv = RISCV_PRV_M;
    tessera_tlb_flush(env->cpu);
    /* Line levels survive a reset: the devices driving them keep theirs. */
    env->mip = (env->mip_sw | env->mip_lines) & riscv_irq_mask(env);

    riscv_trig_reset(env);
    tessera_cpu_set_pc(env->cpu, RISCV_RESET_VECTOR);
    riscv_update_mode(env);
}

static void riscv_dump_state(void *opaque)
{
    RiscvEnv *env = opaque;
    int w = env->xlen / 4;

    tessera_log(TESSERA_LOG_CPU, " pc       %0*" PRIx64 "\n", w,
                tessera_cpu_get_pc(env->cpu));
    tessera_log(TESSERA_LOG_CPU,
                " priv     %c\n mstatus  %0*" PRIx64 "\n mcause   %0*" PRIx64
                "\n mepc     %0*" PRIx64 "\n mtval    %0*" PRIx64
                "\n mtvec    %0*" PRIx64 "\n mie      %0*" PRIx64
                "\n mip      %0*" PRIx64 "\n",
                "US?M"[env->priv & 3], w, riscv_mstatus_read(env), w,
                env->mcause, w, env->mepc, w, env->mtval, w, env->mtvec, w,
                env->mie, w, env->mip);
    for (int i = 0; i < 32; i += 4)
        tessera_log(TESSERA_LOG_CPU,
                    " x%-2d/%-4s %0*" PRIx64 " x%-2d/%-4s %0*" PRIx64
                    " x%-2d/%-4s %0*" PRIx64 " x%-2d/%-4s %0*" PRIx64 "\n",
                    i, riscv_gpr_names[i], w, env->x[i], i + 1,
                    riscv_gpr_names[i + 1], w, env->x[i + 1], i + 2,
                    riscv_gpr_names[i + 2], w, env->x[i + 2], i + 3,
                    riscv_gpr_names[i + 3], w, env->x[i + 3]);
}

static const TesseraArchClass riscv_arch = {
    .name = "riscv",
    .description = "RISC-V (RV32/RV64 GC, M/S/U modes)",
    .models = riscv_models,
    .default_model = "rv64",
    .env_size = sizeof(RiscvEnv),
    .nb_mmu_modes = RISCV_NB_MMU_MODES,
    .page_bits = 12,
    .irq_inputs = riscv_irq_inputs,
    .regs = riscv_regs,
    .big_endian = false,
    .cpu_init = riscv_cpu_init,
    .cpu_reset = riscv_cpu_reset,
    .translate = riscv_translate,
    .irq_set = riscv_irq_set,
    .exec_interrupt = riscv_exec_interrupt,
    .has_work = riscv_has_work,
    .translate_addr = riscv_translate_addr,
    .raise_fault = riscv_raise_fault,
    .disas = riscv_disas,
    .dump_state = riscv_dump_state,
    .cpu_finalize = riscv_cpu_finalize,
    .gdb_xml = riscv_gdb_xml,
    .gdb_g_regs = RISCV_GDB_G_REGS,
    .gdb_read_reg = riscv_gdb_read_reg,
    .gdb_write_reg = riscv_gdb_write_reg,
    .gdb_watch_before = true,
};

static int riscv_plugin_init(void)
{
    riscv_csr_init();
    return tessera_register_arch(&riscv_arch);
}

TESSERA_PLUGIN(TESSERA_PLUGIN_ARCH, "riscv", "0.1.0", riscv_plugin_init);
