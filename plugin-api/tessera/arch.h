/* SPDX-License-Identifier: MIT */
/*
 * tessera/arch.h - instruction-set frontends.
 *
 * An arch plugin registers a TesseraArchClass. For each CPU of a board the
 * core allocates env_size zeroed bytes of CPU state ("env"), calls
 * cpu_init() then cpu_reset(), and runs the CPU by translating blocks of
 * guest code to IR (tessera/ir.h).
 *
 * The program counter, the translation flags and the instruction counters
 * live in the core; the arch reads and writes them with the tessera_cpu_*
 * functions below. Everything else (registers, CSRs, privilege) lives in
 * env; IR globals name its fields (1, 2, 4 or 8 bytes, naturally aligned).
 *
 * Debugging (-gdb): the core keeps breakpoints, watchpoints and single
 * steps; the arch only names its registers for gdb (gdb_* fields). gdb's
 * memory addresses are the CPU's virtual addresses, translated with the
 * CPU's current code MMU context; an arch whose gdb uses several address
 * spaces lays them out on the bus as gdb numbers them (AVR: flash at 0,
 * data space at 0x800000, as avr-gcc's ELF files do).
 *
 * Traps: a helper (or a memory access through raise_fault) puts the guest
 * into its trap handler by updating env and calling tessera_cpu_set_pc(),
 * then calls tessera_cpu_exit_loop(), which abandons the current block.
 */
#ifndef TESSERA_ARCH_H
#define TESSERA_ARCH_H

#include <tessera/ir.h>
#include <tessera/tessera.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct TesseraCpu TesseraCpu; /* opaque */

typedef enum TesseraAccess {
    TESSERA_ACCESS_READ = 0,
    TESSERA_ACCESS_WRITE = 1,
    TESSERA_ACCESS_EXEC = 2,
} TesseraAccess;

typedef enum TesseraFault {
    TESSERA_FAULT_NONE = 0,
    TESSERA_FAULT_PAGE,       /* the MMU refused the translation */
    TESSERA_FAULT_ACCESS,     /* bus error, protection (PMP) */
    TESSERA_FAULT_MISALIGNED, /* TESSERA_MO_ALIGN access not aligned */
} TesseraFault;

/* Protection bits returned by translate_addr. */
#define TESSERA_PROT_READ 1u
#define TESSERA_PROT_WRITE 2u
#define TESSERA_PROT_EXEC 4u
/*
 * Decide every access separately: the engine must not cache this
 * translation. Set it (with the bits granted to this very access) when the
 * answer is not uniform over the page, e.g. a protection boundary inside
 * it. The engine then calls translate_addr again for every load and store
 * to that page; code on such a page is translated one instruction per
 * block and its fetch permission checked each time the block runs.
 */
#define TESSERA_PROT_NOCACHE 8u

/** A CPU model selectable with -cpu. */
typedef struct TesseraCpuModel {
    const char *name;        /* "rv64" */
    const char *description; /* one line for -cpu help */
    const void *data;        /* arch-private */
} TesseraCpuModel;

/** Kinds of register, for debuggers (target descriptions) and tools. */
typedef enum TesseraRegType {
    TESSERA_REG_INT = 0,    /* integer, little-endian in env */
    TESSERA_REG_FLOAT = 1,  /* IEEE float of size bytes */
    TESSERA_REG_VECTOR = 2, /* vector: size bytes, lane 0 first */
} TesseraRegType;

/** A register visible to the debugger and to tools. */
typedef struct TesseraRegInfo {
    const char *name;  /* "a0", "mstatus" */
    uint32_t offset;   /* byte offset in env */
    uint32_t size;     /* bytes: 1 to 64 (16 or 32 for vector registers) */
    uint32_t type;     /* TesseraRegType */
    const char *group; /* "general", "float", "vector", "system"; NULL is
                          "general" */
} TesseraRegInfo;

typedef struct TesseraArchClass {
    const char *name;        /* "riscv": the board file's [cpu] arch */
    const char *description; /* one line */
    const TesseraCpuModel *models; /* ended by an entry with name NULL */
    const char *default_model;
    size_t env_size;         /* bytes of CPU state; at most 30 KiB */
    unsigned nb_mmu_modes;   /* MMU contexts used by loads/stores, <= 8 */
    unsigned page_bits;      /* smallest MMU page: 12 for 4 KiB */
    /** Names of the CPU's IRQ input lines (index = line), NULL-ended. */
    const char *const *irq_inputs;
    /** Registers for debuggers and tools, ended by name NULL. */
    const TesseraRegInfo *regs;
    /** Guest is big-endian (the core then byte-swaps loads and stores). */
    bool big_endian;
    /**
     * Interrupts and timer deadlines are taken between any two
     * instructions, at the exact cycle (microcontrollers whose timers a
     * guest measures). The core then never runs a block past the CPU's
     * next deadline (it runs one-instruction blocks near it) and ends a
     * block right after an instruction whose memory access or helper
     * kicked the CPU. Otherwise they are taken at block boundaries.
     */
    bool exact_interrupts;

    /** index is the CPU number (hart id). 0 or -1 with a message. */
    int (*cpu_init)(TesseraCpu *cpu, void *env, const TesseraCpuModel *model,
                    unsigned index);
    /** Puts the CPU in its reset state, including tessera_cpu_set_pc(). */
    void (*cpu_reset)(void *env);

    /**
     * Translates the block at virtual address pc under translation flags
     * (the value last passed to tessera_cpu_set_tb_flags). Returns 0, or
     * -1 only for internal errors.
     */
    int (*translate)(void *env, TesseraIR *b, uint64_t pc, uint64_t flags);

    /**
     * An IRQ input line changed level. Call tessera_cpu_kick() if the CPU
     * should look at its interrupts. May run in the middle of a block (a
     * device raises a line from a store's MMIO callback): record the line
     * in env fields that no block uses as an IR global (helpers and
     * exec_interrupt read them), never in one that does.
     */
    void (*irq_set)(void *env, unsigned line, int level);
    /**
     * Called at a block boundary after tessera_cpu_kick(): takes the
     * highest-priority enabled interrupt if any (updating env and the PC)
     * and returns true if it did.
     */
    bool (*exec_interrupt)(void *env);
    /** While halted (tessera_cpu_halt): true when the CPU should wake. */
    bool (*has_work)(void *env);

    /**
     * Virtual to physical translation for mmu_idx. NULL means identity with
     * full permissions. Returns TESSERA_FAULT_NONE and fills phys and prot
     * (TESSERA_PROT_* for the whole page of 1 << page_bits bytes, which the
     * core caches, unless TESSERA_PROT_NOCACHE is set), or the fault kind.
     * Must not raise by itself.
     */
    TesseraFault (*translate_addr)(void *env, uint64_t vaddr,
                                   TesseraAccess access, unsigned mmu_idx,
                                   uint64_t *phys, unsigned *prot);
    /**
     * Enters the guest's trap handler for a faulting access (PC already
     * set to the faulting instruction). The core abandons the block after
     * it returns.
     */
    void (*raise_fault)(void *env, uint64_t vaddr, TesseraAccess access,
                        TesseraFault fault);

    /**
     * Disassembles one instruction at pc into out (NUL-terminated).
     * Returns its length in bytes, or 0 when it is not valid.
     */
    unsigned (*disas)(uint64_t pc, const uint8_t *bytes, size_t len,
                      uint64_t flags, char *out, size_t outlen);
    /** Writes the registers for -d cpu with tessera_log(TESSERA_LOG_CPU). */
    void (*dump_state)(void *env);
    /**
     * Frees what cpu_init() allocated (timers...) when the machine is torn
     * down; the core frees env itself. May be NULL.
     */
    void (*cpu_finalize)(void *env);

    /* ---- ABI 2.1: the GDB remote stub (-gdb). All may be NULL. ---- */
    /**
     * The target description document named annex (gdb asks for
     * "target.xml" first, then any document it includes) for this CPU,
     * or NULL. The text must stay valid until the process ends. NULL for
     * every annex: gdb uses its default register layout for the ELF's
     * architecture.
     */
    const char *(*gdb_xml)(void *env, const char *annex);
    /** Registers 0 .. gdb_g_regs - 1 (gdb's numbering) form the 'g' packet. */
    unsigned gdb_g_regs;
    /**
     * Reads register n in gdb's numbering (the one the target description
     * gives with regnum) into buf, at most 64 bytes in the guest's byte
     * order. Returns its size, or 0 when the CPU has no register n (or it
     * is not available in the CPU's current state).
     */
    unsigned (*gdb_read_reg)(void *env, unsigned n, uint8_t *buf);
    /** Writes register n from buf (len bytes, as gdb_read_reg gives them).
     * Returns the size used, 0 when there is no such register. */
    unsigned (*gdb_write_reg)(void *env, unsigned n, const uint8_t *buf,
                              unsigned len);
    /**
     * gdb expects a watchpoint to stop the CPU before the access (the
     * instruction not executed; gdb steps over it itself), as its RISC-V
     * target does. false: after the instruction, as for AVR.
     */
    bool gdb_watch_before;
} TesseraArchClass;

/** Registers an arch; call from the plugin's init. 0 or -1. */
int tessera_register_arch(const TesseraArchClass *cls);

/* ---------------------------------------------------------------------- */
/* The CPU, as seen from the arch plugin                                   */

/** The CPU's number (0-based hart id) and its env. */
unsigned tessera_cpu_index(TesseraCpu *cpu);
void *tessera_cpu_env(TesseraCpu *cpu);
/** CPU number i of the machine, NULL if out of range. */
TesseraCpu *tessera_cpu_by_index(unsigned i);

/** The current instruction's address (exact inside helpers). */
uint64_t tessera_cpu_get_pc(TesseraCpu *cpu);
void tessera_cpu_set_pc(TesseraCpu *cpu, uint64_t pc);

/**
 * Translation flags: the part of the CPU's mode that changes how code is
 * translated (privilege, XLEN, ...). Blocks are keyed by (physical PC,
 * flags). The block that changes them must end with tessera_ir_exit_loop.
 */
uint64_t tessera_cpu_get_tb_flags(TesseraCpu *cpu);
void tessera_cpu_set_tb_flags(TesseraCpu *cpu, uint64_t flags);

/**
 * The MMU context used to fetch code (default 0). Part of the mode: set it
 * together with the translation flags.
 */
void tessera_cpu_set_code_mmu_idx(TesseraCpu *cpu, unsigned mmu_idx);

/**
 * A speed hint (ABI 2.4): the env fields that the arch's blocks use most,
 * as 8-byte globals (tessera_ir_global() offsets), most used first; at
 * most 8. A backend may keep the first few in host registers across the
 * blocks it chains, writing them to env wherever anything else may look
 * (helpers, memory slow paths and faults, returns to the loop): nothing
 * the arch sees changes. Call it from cpu_init(), with the same list for
 * every CPU of the arch; an invalid list is reported and ignored.
 */
void tessera_cpu_set_hot_globals(TesseraCpu *cpu, const size_t *offsets,
                                 unsigned n);

/** Instructions retired and cycles spent so far (exact inside helpers). */
uint64_t tessera_cpu_insns(TesseraCpu *cpu);
uint64_t tessera_cpu_cycles(TesseraCpu *cpu);

/**
 * True when the core wants the running CPU back: the virtual clock has
 * reached the next timer deadline (or the end of the time slice), or a
 * kick or stop is pending. Exact inside helpers. A frontend whose
 * interrupts must be taken at an exact instruction (cycle-accurate MCUs)
 * calls it from an instruction's helper before the instruction does
 * anything, and if true sets the PC to that instruction and calls
 * tessera_cpu_exit_loop() (the instruction then neither runs nor counts).
 */
bool tessera_cpu_should_stop(TesseraCpu *cpu);

/** Leaves the current block now, continuing at the PC last set. */
TESSERA_NORETURN void tessera_cpu_exit_loop(TesseraCpu *cpu);
/** Makes the main loop call exec_interrupt() at the next block boundary. */
void tessera_cpu_kick(TesseraCpu *cpu);
/**
 * Stops executing until has_work() is true (wfi). The PC must already
 * point after the instruction; call from a helper, then the block exits.
 */
void tessera_cpu_halt(TesseraCpu *cpu);

/**
 * Guest memory access from a helper through the MMU context mmu_idx.
 * Faults enter the guest trap handler and do not return. Values are in
 * host order, zero-extended.
 */
uint64_t tessera_cpu_load(TesseraCpu *cpu, uint64_t vaddr, unsigned memop,
                          unsigned mmu_idx);
void tessera_cpu_store(TesseraCpu *cpu, uint64_t vaddr, uint64_t value,
                       unsigned memop, unsigned mmu_idx);

/** Forget cached translations (after the MMU configuration changed). */
void tessera_tlb_flush(TesseraCpu *cpu);
void tessera_tlb_flush_page(TesseraCpu *cpu, uint64_t vaddr);

#ifdef __cplusplus
}
#endif

#endif
