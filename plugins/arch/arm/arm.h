/* SPDX-License-Identifier: MIT */
/*
 * ARM M-profile frontend (Cortex-M0, M3, M4, M7): CPU state and the interfaces
 * between the plugin's files.
 *
 *   translate.c  Thumb and Thumb-2 to IR
 *   dsp.c        ARMv7E-M DSP instructions (called by translate.c)
 *   mpu.c        the PMSAv7 MPU (translate_addr, its SCS registers)
 *   cpu.c        the arch class, exceptions (entry, return, priorities)
 *   scs.c        the System Control Space (NVIC, SCB, SysTick) at
 *                0xe000e000, registered by this plugin as the device type
 *                "armv7m-scs" that a board file maps
 *   semihost.c   ARM semihosting (BKPT 0xab)
 *   disas.c      -d in_asm through capstone
 *   gdb.c        the GDB stub's target description and registers
 *
 * Flags N, Z, C, V and Q are one byte each (0 or 1), IR globals, as AVR
 * keeps SREG's bits. The IT state (ITSTATE, as in the ARM ARM: base
 * condition in bits 7:4 with the mask below it) is in the translation
 * flags; env->it mirrors it for the instruction being run (exception
 * entry stacks it in xPSR).
 */
#ifndef ARM_ARM_H
#define ARM_ARM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tessera/arch.h>
#include <tessera/device.h>

/* Translation flags. */
#define ARM_TBF_IT_MASK 0xffu   /* ITSTATE */
#define ARM_TBF_HANDLER 0x100u  /* handler mode (IPSR != 0) */
#define ARM_TBF_UNPRIV 0x200u   /* thread mode with CONTROL.nPRIV */
#define ARM_TBF_ALIGN 0x400u    /* every access aligned (v6-M, UNALIGN_TRP) */
#define ARM_TBF_MMU_SHIFT 11    /* bits 11-12: the MMU context (ARM_MMU_*) */

/* MMU contexts (mpu.c) */
#define ARM_MMU_PRIV 0
#define ARM_MMU_UNPRIV 1
#define ARM_MMU_NOMPU 2 /* priority < 0 with MPU_CTRL.HFNMIENA clear */
#define ARM_NB_MMU 3
#define ARM_PAGE_BITS 10
#define ARM_PAGE_SIZE (1u << ARM_PAGE_BITS)

/* Exception numbers. */
#define EXC_RESET 1
#define EXC_NMI 2
#define EXC_HARD 3
#define EXC_MEM 4
#define EXC_BUS 5
#define EXC_USAGE 6
#define EXC_SVC 11
#define EXC_DEBUG 12
#define EXC_PENDSV 14
#define EXC_SYSTICK 15
#define EXC_IRQ0 16
#define ARM_MAX_IRQ 240
#define ARM_NUM_EXC (EXC_IRQ0 + ARM_MAX_IRQ)

/* CFSR bits. */
#define CFSR_IACCVIOL (1u << 0)
#define CFSR_DACCVIOL (1u << 1)
#define CFSR_MMARVALID (1u << 7)
#define CFSR_IBUSERR (1u << 8)
#define CFSR_PRECISERR (1u << 9)
#define CFSR_BFARVALID (1u << 15)
#define CFSR_UNDEFINSTR (1u << 16)
#define CFSR_INVSTATE (1u << 17)
#define CFSR_INVPC (1u << 18)
#define CFSR_NOCP (1u << 19)
#define CFSR_UNALIGNED (1u << 24)
#define CFSR_DIVBYZERO (1u << 25)
#define HFSR_VECTTBL (1u << 1)
#define HFSR_FORCED (1u << 30)

/* CCR bits. */
#define CCR_UNALIGN_TRP (1u << 3)
#define CCR_DIV_0_TRP (1u << 4)
#define CCR_STKALIGN (1u << 9)

/* SCR bits (sleep.c). */
#define SCR_SLEEPONEXIT (1u << 1)
#define SCR_SEVONPEND (1u << 4)

/* Why the CPU sleeps (ArmEnv.sleep). */
#define ARM_SLEEP_NONE 0
#define ARM_SLEEP_WFI 1
#define ARM_SLEEP_WFE 2
#define ARM_SLEEP_ON_EXIT 3

/* SHCSR enable bits. */
#define SHCSR_MEMFAULTENA (1u << 16)
#define SHCSR_BUSFAULTENA (1u << 17)
#define SHCSR_USGFAULTENA (1u << 18)

typedef struct ArmModel {
    bool v7;        /* ARMv7-M (Thumb-2, divide, BASEPRI...), else v6-M */
    bool dsp;       /* ARMv7E-M DSP extension (dsp.c), GE flags */
    uint32_t cpuid; /* SCB CPUID */
    unsigned prio_bits; /* implemented priority bits (top bits of a byte) */
    /* ID_PFR0, ID_PFR1, ID_DFR0, ID_AFR0, ID_MMFR0-3, ID_ISAR0-4 (SCB
     * 0xd40-0xd70); all zero on ARMv6-M, which has none. */
    uint32_t id[13];
    unsigned mpu_regions; /* 8, or 0 without an MPU */
    unsigned fpu;         /* 0 none, 1 FPv4-SP, 2 FPv5-D16 (fpu.c) */
    uint32_t mvfr[3];     /* MVFR0-2 */
} ArmModel;

#define ARM_CONTROL_FPCA 4u
#define ARM_FPCCR_LSPACT 1u /* FPCCR.LSPACT: an FP frame reserved, not written */

typedef struct ArmEnv {
    /* ---- IR globals ---- */
    uint32_t r[16]; /* r15 is unused: the PC lives in the core */
    uint64_t excl_addr; /* exclusive monitor: address, or ~0 when open */
    uint32_t excl_val;
    uint8_t nf, zf, cf, vf, qf;
    uint8_t it; /* ITSTATE of the running instruction */

    /* ---- not used by blocks ---- */
    TesseraCpu *cpu;
    const ArmModel *model;
    uint32_t other_sp; /* the stack pointer not selected now */
    uint32_t primask, faultmask, basepri, control;
    uint32_t ipsr;
    uint8_t ge; /* APSR.GE (DSP): only helpers touch it */
    uint32_t vtor;
    bool reset_done; /* vector table read by the SCS's reset */

    /* NVIC and system handler state, by exception number. */
    uint8_t pending[ARM_NUM_EXC];
    uint8_t active[ARM_NUM_EXC];
    uint8_t enabled[ARM_NUM_EXC];
    uint8_t prio[ARM_NUM_EXC];
    uint8_t level[ARM_NUM_EXC]; /* IRQ input levels */
    unsigned num_irq;

    /* SCB */
    uint32_t aircr_prigroup;
    uint32_t scr, ccr, shcsr, cfsr, hfsr, mmfar, bfar;

    /* MPU */
    uint32_t mpu_ctrl, mpu_rnr, mpu_rbar[16], mpu_rasr[16];

    /* SysTick */
    uint32_t syst_csr, syst_rvr;
    uint32_t syst_held; /* the counter while disabled */
    uint64_t syst_start_ns; /* when the counter was last (re)loaded */
    uint64_t cpu_hz, ref_hz;
    TesseraTimer *syst_timer;

    /* FP extension (fpu.c): S0-S31 (D0-D15 are pairs), only helpers
     * touch them. */
    uint32_t fpr[32];
    uint32_t fpscr, cpacr, fpccr, fpcar, fpdscr;
    /* sleep.c */
    bool event;               /* the event register (WFE, SEV) */
    uint8_t sleep;            /* ARM_SLEEP_*: why the CPU is halted */
    uint32_t sleep_exc_return; /* the return that slept (SLEEPONEXIT) */
} ArmEnv;

/* gdb.c: the GDB stub's registers */
const char *arm_gdb_xml(void *env, const char *annex);
unsigned arm_gdb_read_reg(void *env, unsigned n, uint8_t *buf);
unsigned arm_gdb_write_reg(void *env, unsigned n, const uint8_t *buf,
                           unsigned len);

/* cpu.c */
extern const TesseraArchClass arm_arch;
uint32_t arm_xpsr(ArmEnv *env);
int arm_exec_prio(ArmEnv *env);
void arm_set_pending(ArmEnv *env, unsigned exc, bool pend);
void arm_update_tb_flags(ArmEnv *env);
/* Takes a synchronous exception now (from a helper); does not return. */
TESSERA_NORETURN void arm_raise(ArmEnv *env, unsigned exc, uint32_t ret_pc);
/* A fault with its CFSR bits: UsageFault, BusFault or MemManage (or
 * HardFault when that cannot run). Does not return. */
TESSERA_NORETURN void arm_fault(ArmEnv *env, unsigned exc, uint32_t cfsr_bits,
                                uint32_t ret_pc);
void arm_exception_return(ArmEnv *env, uint32_t exc_return);
void arm_check_irqs(ArmEnv *env);
/* The pending exception that would preempt now, or 0. */
unsigned arm_preempting(ArmEnv *env);
/* Enters exc on the frame already stacked, with LR = exc_return. */
void arm_tail_chain(ArmEnv *env, unsigned exc, uint32_t exc_return);
/* Unstacks the frame of an exception return (after the deactivation). */
void arm_unstack(ArmEnv *env, uint32_t exc_return);
/* External interrupt line (0-based) changed level: pends it on a rise. */
void arm_irq_set(void *env, unsigned line, int level);
void arm_reset_from_vectors(ArmEnv *env);
uint32_t arm_get_sp(ArmEnv *env, bool psp);
/* Writes n words of an exception frame at a, checked by the MPU in MMU
 * context idx and by the bus, stopping at the first that faults: returns
 * EXC_MEM or EXC_BUS for it, or 0. */
unsigned arm_frame_write(ArmEnv *env, uint32_t a, const uint32_t *vals,
                         unsigned n, unsigned idx);
/* A fault (EXC_MEM or EXC_BUS) on lazy FP preservation by the FP
 * instruction at pc; rdy and hfrdy are FPCCR's MMRDY/BFRDY and HFRDY.
 * Does not return when the fault is taken at once. */
void arm_lazy_fp_fault(ArmEnv *env, unsigned exc, bool rdy, bool hfrdy,
                       uint32_t pc);
/* Physical word accesses (vector table, checked frames). */
uint32_t arm_rd32(uint32_t a);
bool arm_wr32(uint32_t a, uint32_t v);
void arm_set_sp(ArmEnv *env, bool psp, uint32_t v);

/* scs.c */
int arm_scs_register(void);
void arm_systick_reset(ArmEnv *env);

/* sleep.c: WFI, WFE, SEV, SEVONPEND, SLEEPONEXIT */
/* Sets exc pending (the event register too, with SCR.SEVONPEND). */
void arm_pend(ArmEnv *env, unsigned exc);
/* SEVONPEND for pending bits set by other means: before is the old set. */
void arm_sev_on_pend(ArmEnv *env, const uint8_t *before);
void arm_sev(ArmEnv *env);
/* WFE at pc: goes on when the event register is set, else sleeps (and
 * leaves the block: does not return then). */
void arm_wfe(ArmEnv *env, uint32_t pc);
void arm_wfi(ArmEnv *env, uint32_t next);
/* An exception return to thread mode: true when it sleeps instead. */
bool arm_sleep_on_exit(ArmEnv *env, uint32_t exc_return);
bool arm_sleep_has_work(ArmEnv *env);
/* From exec_interrupt after a sleep: true when it entered or returned. */
bool arm_sleep_wake(ArmEnv *env);

/* semihost.c */
bool arm_semihosting_enabled(void);
/* Serves the call in r0/r1; true when it ended the run (SYS_EXIT). */
bool arm_semihost(ArmEnv *env);

/* translate.c */
int arm_translate(void *env, TesseraIR *b, uint64_t pc, uint64_t flags);

/* mpu.c */
TesseraFault arm_mpu_translate(void *env, uint64_t vaddr, TesseraAccess access,
                               unsigned idx, uint64_t *phys, unsigned *prot);
uint32_t arm_mpu_read(ArmEnv *env, uint32_t off);
void arm_mpu_write(ArmEnv *env, uint32_t off, uint32_t v);
/* The MMU context of code running now. */
unsigned arm_mmu_idx(ArmEnv *env);

/* dsp.c: emits the DSP instruction h1:h2 at pc; false when it is not one
 * (the caller decodes it further). */
bool arm_dsp_t32(TesseraIR *b, uint32_t pc, unsigned h1, unsigned h2);

/* fpu.c: emits the FP instruction h1:h2 (coprocessors 10 and 11) at pc;
 * false when it is not in the FP encoding space. */
bool arm_fp_t32(TesseraIR *b, uint32_t pc, unsigned h1, unsigned h2);
/* Exception entry with CONTROL.FPCA set: the FP part of the extended frame
 * (at frame + 0x20), saved now (in MMU context idx, when write is true:
 * the basic frame was written) or reserved for lazy preservation. Returns
 * the stacking fault (EXC_MEM, EXC_BUS) or 0. */
unsigned arm_fp_push(ArmEnv *env, uint32_t frame, bool from_thread,
                     unsigned idx, bool write);
/* Exception return to an extended frame (already checked readable). */
void arm_fp_pop(ArmEnv *env, uint32_t frame);
/* CPACR, FPCCR, FPCAR, FPDSCR, MVFR0-2: true when off is one of them. */
bool arm_fp_scs_read(ArmEnv *env, uint32_t off, uint32_t *v);
bool arm_fp_scs_write(ArmEnv *env, uint32_t off, uint32_t v);

/* disas.c */
unsigned arm_disas(uint64_t pc, const uint8_t *bytes, size_t len,
                   uint64_t flags, char *out, size_t outlen);
/* Closes the disassembler (the CPU's finalize; it opens again on use). */
void arm_disas_close(void);

#endif
