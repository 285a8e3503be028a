/* SPDX-License-Identifier: MIT */
/*
 * tessera/tool.h - instrumentation tools ("tcg-tools").
 *
 * A tool is a plugin of kind TESSERA_PLUGIN_TOOL. Its init registers a
 * TesseraToolClass; the user enables it with -plugin NAME[,key=value...]
 * (several -plugin options load several different tools; a tool keeps its
 * state in static storage, so each is loaded at most once).
 *
 * Life of a tool
 *   install() receives the parsed arguments (already checked against the
 *   class's option list) and registers callbacks with tessera_tool_on_*().
 *   Each time the core translates a block it calls the tools' block
 *   callbacks with a description of the block (TesseraToolBlock: every
 *   instruction's virtual and physical address, size, raw bytes and
 *   disassembly). From there a tool asks for what it wants to see when the
 *   block runs: a callback or an inline counter per block or per
 *   instruction, and memory-access callbacks per instruction.
 *
 * Cost
 *   Everything is inserted into the block's IR at translation time. With
 *   no tool loaded nothing is inserted and the engine runs unchanged; an
 *   inline counter is one interpreter operation, no call.
 *
 * Inside callbacks a tool may read guest registers by name (through the
 *   arch's register list) and guest memory by virtual or physical address.
 *   Execution callbacks run before the instruction they are attached to;
 *   memory callbacks run after the access succeeded.
 *
 * Everything here is plain C; descriptions passed to callbacks are valid
 * only during the call.
 */
#ifndef TESSERA_TOOL_H
#define TESSERA_TOOL_H

#include <tessera/tessera.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Version of this header's interface, independent of the plugin ABI
 *  minor (tools check it against tessera_tool_api_version()). */
#define TESSERA_TOOL_API_VERSION 1

typedef struct TesseraTool TesseraTool;       /* one loaded instance */
typedef struct TesseraToolCounter TesseraToolCounter; /* per-vCPU u64 */

/** An option accepted by a tool, for -plugin help and argument checking. */
typedef struct TesseraToolOption {
    const char *name;  /* "classes" */
    const char *value; /* what it takes, shown in help: "on|off", "N" */
    const char *help;  /* one line */
} TesseraToolOption;

typedef struct TesseraToolClass {
    const char *name;        /* what -plugin NAME selects */
    const char *description; /* one line for -plugin help */
    const TesseraToolOption *options; /* ended by name NULL; may be NULL */
    /**
     * Sets up one instance: nargs key/value pairs from the command line,
     * all keys among options; the strings stay valid until exit. Returns
     * 0, or -1 after tessera_error().
     */
    int (*install)(TesseraTool *tool, unsigned nargs,
                   const char *const *keys, const char *const *values);
} TesseraToolClass;

/** Registers a tool class; call from the plugin's init. 0 or -1. */
int tessera_register_tool(const TesseraToolClass *cls);

/** TESSERA_TOOL_API_VERSION of the running core. */
unsigned tessera_tool_api_version(void);

/* ---------------------------------------------------------------------- */
/* Argument helpers                                                        */

/** Parses "on/off/yes/no/true/false/1/0"; false with a message if bad. */
bool tessera_tool_parse_bool(const char *key, const char *value, bool *out);
/** Parses an unsigned integer (decimal or 0x hex) or, when allow_symbol,
 *  a guest ELF symbol name; false with a message if bad. */
bool tessera_tool_parse_u64(const char *key, const char *value,
                            bool allow_symbol, uint64_t *out);

/* ---------------------------------------------------------------------- */
/* Blocks as translated                                                    */

typedef struct TesseraToolInsn {
    uint64_t vaddr;
    uint64_t paddr;
    unsigned size;
    uint8_t bytes[16];  /* first min(size, 16) bytes, guest order */
    const char *disas;  /* disassembly ("" when the arch has none) */
} TesseraToolInsn;

typedef struct TesseraToolBlock TesseraToolBlock; /* opaque handle */

uint64_t tessera_tool_block_vaddr(const TesseraToolBlock *blk);
uint64_t tessera_tool_block_paddr(const TesseraToolBlock *blk);
unsigned tessera_tool_block_ninsns(const TesseraToolBlock *blk);
const TesseraToolInsn *tessera_tool_block_insn(const TesseraToolBlock *blk,
                                               unsigned i);

/** A memory access, as seen by memory callbacks. */
typedef struct TesseraToolMem {
    uint64_t vaddr;
    uint64_t paddr; /* UINT64_MAX if it could not be determined */
    uint64_t value; /* loaded value (extended as the load did) or stored */
    unsigned size;  /* bytes */
    bool store;
    uint64_t pc;    /* the instruction doing it */
} TesseraToolMem;

typedef void (*TesseraToolExecCb)(unsigned vcpu, void *udata);
typedef void (*TesseraToolMemCb)(unsigned vcpu, const TesseraToolMem *m,
                                 void *udata);

/** Calls cb each time the block starts executing. */
void tessera_tool_block_exec_cb(const TesseraToolBlock *blk,
                                TesseraToolExecCb cb, void *udata);
/** Adds n to the executing vCPU's counter each time the block starts. */
void tessera_tool_block_inline_add(const TesseraToolBlock *blk,
                                   TesseraToolCounter *c, uint64_t n);
/** Calls cb before instruction i of the block executes. */
void tessera_tool_insn_exec_cb(const TesseraToolBlock *blk, unsigned i,
                               TesseraToolExecCb cb, void *udata);
/** Adds n to the vCPU's counter before instruction i executes. */
void tessera_tool_insn_inline_add(const TesseraToolBlock *blk, unsigned i,
                                  TesseraToolCounter *c, uint64_t n);
/** Calls cb after each memory access of instruction i (see the note on
 *  helper-made accesses in docs/writing-tools.md). */
void tessera_tool_insn_mem_cb(const TesseraToolBlock *blk, unsigned i,
                              TesseraToolMemCb cb, void *udata);

/* ---------------------------------------------------------------------- */
/* Events                                                                  */

typedef enum TesseraToolTrapKind {
    TESSERA_TOOL_TRAP_FAULT = 1,     /* failed memory access or fetch */
    TESSERA_TOOL_TRAP_EXCEPTION = 2, /* a helper entered a trap handler
                                        (ecall, illegal instruction...) */
    TESSERA_TOOL_TRAP_INTERRUPT = 3,
} TesseraToolTrapKind;

typedef struct TesseraToolTrap {
    TesseraToolTrapKind kind;
    uint64_t cause;   /* TesseraFault for faults, else 0: read the arch's
                         cause register (e.g. "mcause") for details */
    uint64_t from_pc;
    uint64_t to_pc;
} TesseraToolTrap;

void tessera_tool_on_vcpu_init(TesseraTool *tool,
                               void (*cb)(unsigned vcpu, void *udata),
                               void *udata);
void tessera_tool_on_vcpu_exit(TesseraTool *tool,
                               void (*cb)(unsigned vcpu, void *udata),
                               void *udata);
/** Called for every block translated, before it first runs. */
void tessera_tool_on_block_translate(
    TesseraTool *tool, void (*cb)(const TesseraToolBlock *blk, void *udata),
    void *udata);
void tessera_tool_on_trap(TesseraTool *tool,
                          void (*cb)(unsigned vcpu, const TesseraToolTrap *t,
                                     void *udata),
                          void *udata);
/** At exit, after vcpu exits, in load order: print results here. */
void tessera_tool_on_exit(TesseraTool *tool, void (*cb)(void *udata),
                          void *udata);

/* ---------------------------------------------------------------------- */
/* Counters, registers, memory                                             */

/** A zeroed counter with one 64-bit value per vCPU (freed at exit). */
TesseraToolCounter *tessera_tool_counter_new(void);
uint64_t tessera_tool_counter_get(const TesseraToolCounter *c, unsigned vcpu);
uint64_t tessera_tool_counter_sum(const TesseraToolCounter *c);
void tessera_tool_counter_set(TesseraToolCounter *c, unsigned vcpu,
                              uint64_t v);

/** Zeroed memory that the core frees after the at-exit callbacks: for
 *  data attached to instrumentation (udata of per-instruction callbacks)
 *  that must live as long as the translated code. Never returns NULL. */
void *tessera_tool_alloc(size_t size);

/** Number of vCPUs of the machine (valid from vcpu init on). */
unsigned tessera_tool_vcpu_count(void);

/** The arch's registers: count, name of register i, index by name (-1). */
unsigned tessera_tool_reg_count(void);
const char *tessera_tool_reg_name(unsigned i);
int tessera_tool_reg_find(const char *name);
/** Value of register i (zero-extended) of vcpu; the low 8 bytes of a
 *  wider one (vector registers: see tessera_tool_reg_read_bytes). */
uint64_t tessera_tool_reg_read(unsigned vcpu, unsigned i);
/** Size in bytes of register i (1 to 64), 0 if there is none. */
unsigned tessera_tool_reg_size(unsigned i);
/** Copies register i of vcpu (its size in bytes, as in env: little-endian,
 *  lane 0 first) to buf; returns the size, or 0 if len is too small or
 *  there is no such register. */
unsigned tessera_tool_reg_read_bytes(unsigned vcpu, unsigned i, void *buf,
                                     size_t len);
/** Registers 0 to n - 1 at once into vals (the fast way to snapshot all
 *  of them); returns how many were read. */
unsigned tessera_tool_reg_read_all(unsigned vcpu, uint64_t *vals,
                                   unsigned n);
/** By name; false if there is no such register. */
bool tessera_tool_reg_read_name(unsigned vcpu, const char *name,
                                uint64_t *val);

/** Current PC and retired instruction count of vcpu (exact in callbacks). */
uint64_t tessera_tool_pc(unsigned vcpu);
uint64_t tessera_tool_insns(unsigned vcpu);

/** Reads guest memory by virtual address (translated as the vCPU's code
 *  fetches are in its current mode, no fault raised) or by physical
 *  address. Only RAM and ROM are read (never device registers); false
 *  otherwise. */
bool tessera_tool_read_vmem(unsigned vcpu, uint64_t vaddr, void *buf,
                            size_t len);
bool tessera_tool_read_pmem(uint64_t paddr, void *buf, size_t len);

/** The bus region holding physical address paddr: its name ("ram",
 *  "uart0"...) and base. False if none. */
bool tessera_tool_region(uint64_t paddr, const char **name, uint64_t *base);

/** Disassembles len bytes at pc with the arch's disassembler. */
unsigned tessera_tool_disas(uint64_t pc, const uint8_t *bytes, size_t len,
                            char *out, size_t outlen);

/** Makes tessera exit with status (non-zero) whatever the guest's own
 *  exit status, also from at-exit callbacks; stops the guest if running. */
void tessera_tool_fail(int status);

/** Where tools print results: stderr unless -D FILE (the log). */
TESSERA_PRINTF(1, 2) void tessera_tool_printf(const char *fmt, ...);

#ifdef __cplusplus
}
#endif

#endif
