/* SPDX-License-Identifier: MIT */
/*
 * RISC-V frontend: CPU state, CSR numbers and the interfaces between the
 * plugin's files (cpu.c, csr.c, mmu.c, fpu.c, decode.c, translate.c,
 * disas.c).
 *
 * Register representation: x[] and the CSRs are 8-byte slots. On RV32
 * every value is kept zero-extended to 64 bits; 32-bit IR operations
 * produce exactly that, so RV32 code is translated with TESSERA_I32 ops and
 * addresses are already valid 32-bit physical addresses.
 *
 * MMU contexts: the mmu index of loads, stores and fetches is the
 * privilege level (0 = U, 1 = S, 3 = M), so nb_mmu_modes is 4. Data
 * accesses use the effective privilege (MPP under mstatus.MPRV), and S-mode
 * data accesses with mstatus.SUM set have their own index 2
 * (RISCV_MMU_S_SUM): Linux sets and clears SUM around every user-memory
 * copy, which then costs no TLB flush. What MXR changes is flushed from
 * the TLB when it changes.
 */
#ifndef RISCV_RISCV_H
#define RISCV_RISCV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tessera/arch.h>
#include <tessera/device.h>

#include "isa-ext.h"

/* Privilege levels (also the mmu index). */
#define RISCV_PRV_U 0
#define RISCV_PRV_S 1
#define RISCV_PRV_M 3
#define RISCV_NB_MMU_MODES 4
#define RISCV_MMU_S_SUM 2 /* S-mode data accesses with mstatus.SUM */

/*
 * Translation flags: everything that changes how a block is translated.
 * The data privilege (MPRV) and the FP state are part of them.
 */
#define RISCV_TBF_PRIV_MASK 0x3u /* current privilege */
#define RISCV_TBF_RV64 0x4u      /* XLEN is 64 */
/* MMU index of data accesses: their privilege (differs from priv under
 * mstatus.MPRV), or RISCV_MMU_S_SUM. */
#define RISCV_TBF_DPRIV_SHIFT 3
#define RISCV_TBF_DPRIV_MASK (0x3u << RISCV_TBF_DPRIV_SHIFT)
#define RISCV_TBF_FP 0x20u       /* F present and mstatus.FS is not Off */
#define RISCV_TBF_FS_DIRTY 0x40u /* mstatus.FS is already Dirty */
/* Sdtrig: some trigger matches fetches / loads and stores. With either,
 * the trigger configuration's epoch is in bits 32-63, so that blocks are
 * translated again whenever a trigger changes. */
#define RISCV_TBF_TRIG_EXEC 0x80u
#define RISCV_TBF_TRIG_LS 0x100u
#define RISCV_TBF_TRIG_EPOCH_SHIFT 32

static inline unsigned riscv_tbf_priv(uint32_t flags)
{
    return flags & RISCV_TBF_PRIV_MASK;
}

static inline unsigned riscv_tbf_xlen(uint32_t flags)
{
    return (flags & RISCV_TBF_RV64) ? 64 : 32;
}

static inline unsigned riscv_tbf_dpriv(uint32_t flags)
{
    return (flags & RISCV_TBF_DPRIV_MASK) >> RISCV_TBF_DPRIV_SHIFT;
}

/* misa extension bits. */
#define RISCV_EXT(c) (1u << ((c) - 'A'))

/* mstatus fields (RV64 positions; RV32 keeps the low word). */
#define MSTATUS_SIE (1ull << 1)
#define MSTATUS_MIE (1ull << 3)
#define MSTATUS_SPIE (1ull << 5)
#define MSTATUS_UBE (1ull << 6)
#define MSTATUS_MPIE (1ull << 7)
#define MSTATUS_SPP (1ull << 8)
#define MSTATUS_VS (3ull << 9)
#define MSTATUS_MPP_SHIFT 11
#define MSTATUS_MPP (3ull << MSTATUS_MPP_SHIFT)
#define MSTATUS_FS (3ull << 13)
#define MSTATUS_XS (3ull << 15)
#define MSTATUS_MPRV (1ull << 17)
#define MSTATUS_SUM (1ull << 18)
#define MSTATUS_MXR (1ull << 19)
#define MSTATUS_TVM (1ull << 20)
#define MSTATUS_TW (1ull << 21)
#define MSTATUS_TSR (1ull << 22)
#define MSTATUS_UXL (3ull << 32)
#define MSTATUS_SXL (3ull << 34)
#define MSTATUS_SBE (1ull << 36)
#define MSTATUS_MBE (1ull << 37)
#define MSTATUS64_SD (1ull << 63)
#define MSTATUS32_SD (1ull << 31)

/* menvcfg/senvcfg fields (senvcfg has FIOM and the CBO ones). */
#define MENVCFG_FIOM (1ull << 0)
#define MENVCFG_CBIE (3ull << 4)
#define MENVCFG_CBCFE (1ull << 6)
#define MENVCFG_CBZE (1ull << 7)
#define MENVCFG_PBMTE (1ull << 62)
#define MENVCFG_STCE (1ull << 63)

/* Interrupt numbers (bit positions in mip/mie, mcause codes). */
#define IRQ_S_SOFT 1
#define IRQ_M_SOFT 3
#define IRQ_S_TIMER 5
#define IRQ_M_TIMER 7
#define IRQ_S_EXT 9
#define IRQ_M_EXT 11

#define MIP_SSIP (1ull << IRQ_S_SOFT)
#define MIP_MSIP (1ull << IRQ_M_SOFT)
#define MIP_STIP (1ull << IRQ_S_TIMER)
#define MIP_MTIP (1ull << IRQ_M_TIMER)
#define MIP_SEIP (1ull << IRQ_S_EXT)
#define MIP_MEIP (1ull << IRQ_M_EXT)

/* Synchronous exception causes. */
enum {
    EXC_INSN_MISALIGNED = 0,
    EXC_INSN_ACCESS = 1,
    EXC_ILLEGAL_INSN = 2,
    EXC_BREAKPOINT = 3,
    EXC_LOAD_MISALIGNED = 4,
    EXC_LOAD_ACCESS = 5,
    EXC_STORE_MISALIGNED = 6,
    EXC_STORE_ACCESS = 7,
    EXC_ECALL_U = 8,
    EXC_ECALL_S = 9,
    EXC_ECALL_M = 11,
    EXC_INSN_PAGE = 12,
    EXC_LOAD_PAGE = 13,
    EXC_STORE_PAGE = 15,
};

/* CSR numbers. */
enum {
    CSR_FFLAGS = 0x001,
    CSR_FRM = 0x002,
    CSR_FCSR = 0x003,
    CSR_CYCLE = 0xc00,
    CSR_TIME = 0xc01,
    CSR_INSTRET = 0xc02,
    CSR_HPMCOUNTER3 = 0xc03,
    CSR_HPMCOUNTER31 = 0xc1f,
    CSR_CYCLEH = 0xc80,
    CSR_TIMEH = 0xc81,
    CSR_INSTRETH = 0xc82,
    CSR_HPMCOUNTER3H = 0xc83,
    CSR_HPMCOUNTER31H = 0xc9f,

    CSR_SSTATUS = 0x100,
    CSR_SIE = 0x104,
    CSR_STVEC = 0x105,
    CSR_SCOUNTEREN = 0x106,
    CSR_SENVCFG = 0x10a,
    CSR_SSCRATCH = 0x140,
    CSR_SEPC = 0x141,
    CSR_SCAUSE = 0x142,
    CSR_STVAL = 0x143,
    CSR_SIP = 0x144,
    CSR_SATP = 0x180,
    CSR_STIMECMP = 0x14d,
    CSR_STIMECMPH = 0x15d,

    CSR_MVENDORID = 0xf11,
    CSR_MARCHID = 0xf12,
    CSR_MIMPID = 0xf13,
    CSR_MHARTID = 0xf14,
    CSR_MCONFIGPTR = 0xf15,
    CSR_MSTATUS = 0x300,
    CSR_MISA = 0x301,
    CSR_MEDELEG = 0x302,
    CSR_MIDELEG = 0x303,
    CSR_MIE = 0x304,
    CSR_MTVEC = 0x305,
    CSR_MCOUNTEREN = 0x306,
    CSR_MENVCFG = 0x30a,
    CSR_MSTATUSH = 0x310,
    CSR_MENVCFGH = 0x31a,
    CSR_MCOUNTINHIBIT = 0x320,
    CSR_MHPMEVENT3 = 0x323,
    CSR_MHPMEVENT31 = 0x33f,
    CSR_MSCRATCH = 0x340,
    CSR_MEPC = 0x341,
    CSR_MCAUSE = 0x342,
    CSR_MTVAL = 0x343,
    CSR_MIP = 0x344,
    CSR_PMPCFG0 = 0x3a0,
    CSR_PMPADDR0 = 0x3b0,
    CSR_MCYCLE = 0xb00,
    CSR_MINSTRET = 0xb02,
    CSR_MHPMCOUNTER3 = 0xb03,
    CSR_MHPMCOUNTER31 = 0xb1f,
    CSR_MCYCLEH = 0xb80,
    CSR_MINSTRETH = 0xb82,
    CSR_MHPMCOUNTER3H = 0xb83,
    CSR_MHPMCOUNTER31H = 0xb9f,

    CSR_TSELECT = 0x7a0,
    CSR_TDATA1 = 0x7a1,
    CSR_TDATA2 = 0x7a2,
    CSR_TDATA3 = 0x7a3,
    CSR_TINFO = 0x7a4,
    CSR_DCSR = 0x7b0,
    CSR_DPC = 0x7b1,
};

/* A CPU model: what -cpu selects. */
typedef struct RiscvModel {
    unsigned xlen;  /* 32 or 64 */
    uint32_t exts;  /* misa extension bits */
    uint64_t isa_ext; /* multi-letter extensions, RVX() bits (isa-ext.h) */
} RiscvModel;

/* IRQ input lines, in the order of riscv_irq_inputs[]. */
enum {
    RISCV_LINE_MSIP,
    RISCV_LINE_MTIP,
    RISCV_LINE_MEIP,
    RISCV_LINE_SSIP,
    RISCV_LINE_STIP,
    RISCV_LINE_SEIP,
    RISCV_NB_LINES,
};

#define RISCV_NB_TRIGGERS 2

typedef struct RiscvEnv {
    /* IR globals first: 8-byte slots at fixed offsets. x[0] stays 0. */
    uint64_t x[32];
    uint64_t mstatus;
    uint64_t mtvec;
    uint64_t mepc;
    uint64_t mcause;
    uint64_t mtval;
    uint64_t mie;
    uint64_t mip; /* what software reads: mip_sw | line levels */
    uint64_t mscratch;
    uint64_t misa;
    uint64_t mhartid;
    uint64_t mcounteren;
    uint64_t mcountinhibit;
    /* Counter value minus the core's count, so writes are cheap. */
    uint64_t mcycle_offset;
    uint64_t minstret_offset;

    /* LR/SC: reserved address (or RISCV_NO_RESERVATION) and loaded value. */
    uint64_t res_addr;
    uint64_t res_val;
    /*
     * Set by the translator around the load half of an AMO or SC so that
     * raise_fault reports store/AMO causes for it, as the spec requires.
     */
    uint64_t amo_access;

    uint64_t isa_ext;   /* the model's RVX() bits, read by the boards */

    uint64_t mip_sw;    /* software-set pending bits */
    uint64_t mip_lines; /* levels of the IRQ input lines, as mip bits */

    /* F/D: registers hold NaN-boxed singles; fflags and frm apart. */
    uint64_t f[32];
    uint64_t fflags;
    uint64_t frm;

    /* Supervisor mode. */
    uint64_t medeleg;
    uint64_t mideleg;
    uint64_t stvec;
    uint64_t sscratch;
    uint64_t sepc;
    uint64_t scause;
    uint64_t stval;
    uint64_t satp;
    uint64_t scounteren;
    uint64_t senvcfg;
    uint64_t menvcfg;
    uint64_t stimecmp;
    uint64_t mip_stimer; /* STIP from Sstc's comparison */
    TesseraTimer *stimer;
    /*
     * The superpages that entered the TLB (which holds them as 4 KiB
     * pieces) all lie in [sp_lo, sp_hi], virtual; sp_lo > sp_hi when none
     * did. sfence.vma of an address in there flushes everything, of any
     * other address only its page: Linux's kernel and linear map are
     * superpages, its fixmap and vmalloc pages lie below them.
     */
    uint64_t sp_lo, sp_hi;

    /* PMP: 16 entries; cfg bytes and pmpaddr (address >> 2). */
    uint8_t pmpcfg[16];
    uint64_t pmpaddr[16];
    /* mhpmcounter3..18 and their events: writable, never counting. */
    uint64_t hpm[16];
    uint64_t hpmevent[16];
    bool pmp_any;    /* some entry is not OFF */
    bool pmp_locked; /* some entry is locked (applies to M mode) */
    /* Decoded by riscv_pmp_decode(): the entries that are on and not
     * empty, in order, as [lo, hi) and cfg; and per class (0: M, 1: S
     * and U) the last answer pmp_prot() gave for whole pages, with the
     * addresses [c_lo, c_lo + c_len) it holds for (c_len 0: none). */
    unsigned pmp_n;
    uint8_t pmp_act_cfg[16];
    uint64_t pmp_act_lo[16], pmp_act_hi[16];
    uint64_t pmp_c_lo[2], pmp_c_len[2];
    unsigned pmp_c_prot[2];

    /* Sdtrig: mcontrol6 triggers (trigger.c). */
    uint64_t tselect;
    uint64_t tdata1[RISCV_NB_TRIGGERS];
    uint64_t tdata2[RISCV_NB_TRIGGERS];
    uint32_t trig_epoch; /* counts trigger changes */
    bool trig_exec, trig_ls; /* some trigger matches fetches, data */

    char *gdb_xml; /* target description, built when gdb asks (gdb.c) */

    uint32_t priv;
    unsigned xlen;
    const RiscvModel *model;
    TesseraCpu *cpu;
} RiscvEnv;

#define RISCV_NO_RESERVATION UINT64_MAX

static inline uint64_t riscv_xlen_mask(const RiscvEnv *env)
{
    return env->xlen == 64 ? UINT64_MAX : UINT32_MAX;
}

/*
 * The XLEN of the current mode: 32 in U mode on RV64 when mstatus.UXL is
 * 1 (RV32 user programs on an RV64 kernel), else the hart's. Such U-mode
 * code runs as on RV32, registers zero-extended (riscv.h's RV32
 * representation) where the spec sign-extends into the upper half: only
 * S/M-mode software reading a U32 program's registers can tell.
 */
static inline unsigned riscv_cur_xlen(const RiscvEnv *env)
{
    if (env->xlen == 64 && env->priv == RISCV_PRV_U &&
        ((env->mstatus & MSTATUS_UXL) >> 32) == 1)
        return 32;
    return env->xlen;
}

static inline uint64_t riscv_cur_mask(const RiscvEnv *env)
{
    return riscv_cur_xlen(env) == 64 ? UINT64_MAX : UINT32_MAX;
}

static inline bool riscv_has_ext(const RiscvEnv *env, char ext)
{
    return (env->misa & RISCV_EXT(ext)) != 0;
}

/* A multi-letter extension of the model (RVX_* from isa-ext.h). */
static inline bool riscv_has_x(const RiscvEnv *env, unsigned rvx)
{
    return (env->isa_ext >> rvx) & 1;
}

/* Interrupts this hart implements (mie bits, readable mip bits). */
static inline uint64_t riscv_irq_mask(const RiscvEnv *env)
{
    uint64_t m = MIP_MSIP | MIP_MTIP | MIP_MEIP;

    if (riscv_has_ext(env, 'S'))
        m |= MIP_SSIP | MIP_STIP | MIP_SEIP;
    return m;
}

/* mcause of an interrupt before the XLEN-dependent top bit is placed. */
#define RISCV_CAUSE_IRQ (1ull << 63)

/* cpu.c */
uint64_t riscv_tb_flags(const RiscvEnv *env);
/* Re-derives the translation flags and code mmu index after a mode change. */
void riscv_update_mode(RiscvEnv *env);
/* Enters the trap handler (cause | RISCV_CAUSE_IRQ for interrupts). */
void riscv_do_trap(RiscvEnv *env, uint64_t cause, uint64_t tval);
/* Raises a synchronous exception from a helper: does not return. */
TESSERA_NORETURN void riscv_raise(RiscvEnv *env, uint64_t cause,
                                  uint64_t tval);
/* Pending and enabled interrupts changed: let the core look at them. */
void riscv_update_irq(RiscvEnv *env);
/*
 * mret: leaves the trap handler and returns the PC to continue at. The
 * caller jumps there with goto_dyn: the mode change and the kick make the
 * core re-read the flags and look at interrupts before the next block.
 */
uint64_t riscv_do_mret(RiscvEnv *env);

/* sret (S or M mode): like mret, returns the PC to continue at. */
uint64_t riscv_do_sret(RiscvEnv *env);
/* The data privilege (for tb flags): MPP under MPRV in M mode. */
unsigned riscv_data_priv(const RiscvEnv *env);
/* The mmu index of data accesses (riscv_data_priv, or RISCV_MMU_S_SUM). */
unsigned riscv_data_mmu(const RiscvEnv *env);
/* Sstc: stimecmp or menvcfg changed, or the time passed stimecmp. */
void riscv_stimer_update(RiscvEnv *env);

/* mmu.c */
TesseraFault riscv_translate_addr(void *env, uint64_t vaddr,
                                  TesseraAccess access, unsigned mmu_idx,
                                  uint64_t *phys, unsigned *prot);
/* PMP configuration changed: recompute summaries and flush the TLB. */
void riscv_pmp_changed(RiscvEnv *env);
void riscv_pmp_decode(RiscvEnv *env);

/* fpu.c: one OP-FP / FMADD-family instruction, executed in C. */
void riscv_fp_exec(RiscvEnv *env, uint32_t insn);

/* csr.c */
void riscv_csr_init(void);
/*
 * A CSR instruction (insn holds csr, rd, rs1 and funct3). src is the rs1
 * value or the immediate. Returns the old value for rd. Raises illegal
 * instruction on access errors.
 */
uint64_t riscv_csr_op(RiscvEnv *env, uint32_t insn, uint64_t src);
/* True when a write to csr may change interrupts or translation flags. */
bool riscv_csr_write_ends_block(unsigned csr);
/* The debugger reads (or writes *val to) CSR csr, without privilege
 * checks; false when the hart has no such CSR. */
bool riscv_csr_debug(RiscvEnv *env, unsigned csr, uint64_t *val, bool write);
/* mstatus as software reads it (SD computed). */
uint64_t riscv_mstatus_read(const RiscvEnv *env);

/* trigger.c: Sdtrig (tselect, tdata1-3, tinfo; mcontrol6 triggers on
 * execute, load and store addresses, firing before the access with a
 * breakpoint exception). */
#define RISCV_TRIG_LOAD 1u
#define RISCV_TRIG_STORE 2u
#define RISCV_TRIG_EXEC 4u
void riscv_trig_reset(RiscvEnv *env);
uint64_t riscv_trig_csr_read(RiscvEnv *env, unsigned csr);
void riscv_trig_csr_write(RiscvEnv *env, unsigned csr, uint64_t val);
/* Whether a trigger would fire on executing pc in privilege priv (at
 * translation time). */
bool riscv_trig_exec_match(const RiscvEnv *env, uint64_t pc, unsigned priv);
/* Raises the breakpoint exception if a trigger of kinds (RISCV_TRIG_*)
 * matches the access of size bytes at addr. */
void riscv_trig_check(RiscvEnv *env, uint64_t addr, unsigned size,
                      unsigned kinds);

/* translate.c */
int riscv_translate(void *env, TesseraIR *b, uint64_t pc, uint64_t flags);

/* gdb.c: target description and registers for the GDB stub. */
const char *riscv_gdb_xml(void *env, const char *annex);
unsigned riscv_gdb_read_reg(void *env, unsigned n, uint8_t *buf);
unsigned riscv_gdb_write_reg(void *env, unsigned n, const uint8_t *buf,
                             unsigned len);
/* Registers of the 'g' packet: x0-x31 and pc. */
#define RISCV_GDB_G_REGS 33

/* disas.c */
unsigned riscv_disas(uint64_t pc, const uint8_t *bytes, size_t len,
                     uint64_t flags, char *out, size_t outlen);
/* ABI names of x0..x31. */
extern const char *const riscv_gpr_names[32];

/* No superpage in the TLB (after a full flush). */
static inline void riscv_sp_clear(RiscvEnv *env)
{
    env->sp_lo = UINT64_MAX;
    env->sp_hi = 0;
}

#endif
