/* SPDX-License-Identifier: MIT */
/*
 * The debugger's side of the engine: breakpoints, watchpoints, single
 * steps and stopping the machine, for the GDB stub (kernel/gdbstub.c).
 * Everything here is ISA-neutral: addresses are guest virtual addresses
 * of the CPU that asks, registers go through the arch's gdb_* callbacks.
 *
 * Costs when nothing is set: the CPU loop tests one per-CPU byte
 * (cpu->dbg) before each block it looks up; translation and TLB fills
 * test one global counter. Breakpoints are checked when code is
 * translated (a block ends before a breakpoint; a block starting at one
 * is never chained to nor cached by virtual PC, so the loop sees every
 * arrival); watched pages get TLB entries that miss the fast path, and
 * the slow path compares the access with the watched ranges.
 */
#ifndef KERNEL_DEBUG_H
#define KERNEL_DEBUG_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/cpu.h"

/* cpu->dbg bits. */
#define DBG_BP 1u        /* breakpoints exist: check the PC */
#define DBG_STEP 2u      /* run one instruction, then stop */
#define DBG_NOIRQ 4u     /* do not take interrupts (while stepping) */
#define DBG_SKIP_BP 8u   /* resuming: ignore a breakpoint at this PC once */
#define DBG_WATCH_HIT 16u /* a watched access happened: stop */

typedef enum DebugStopReason {
    DEBUG_STOP_NONE = 0,
    DEBUG_STOP_BREAK,     /* breakpoint (software or hardware) */
    DEBUG_STOP_STEP,      /* single step done */
    DEBUG_STOP_WATCH,     /* watchpoint; see DebugStop.watch_* */
    DEBUG_STOP_INTERRUPT, /* the debugger asked (Ctrl-C), or -S */
} DebugStopReason;

/* Watchpoint kinds, as gdb's Z2/Z3/Z4. */
typedef enum DebugWatchKind {
    DEBUG_WATCH_WRITE = 2,
    DEBUG_WATCH_READ = 3,
    DEBUG_WATCH_ACCESS = 4,
} DebugWatchKind;

typedef struct DebugStop {
    DebugStopReason reason;
    unsigned cpu;        /* CPU index */
    uint64_t watch_addr; /* DEBUG_STOP_WATCH: the address accessed */
    DebugWatchKind watch_kind;
} DebugStop;

/* Breakpoints and watchpoints set; read inline by the engine. */
extern unsigned debug_nbp, debug_nwp;
/* The machine is stopped for the debugger: the scheduler runs nothing. */
extern bool debug_vm_stopped;
/* CPUs (by index) the debugger keeps stopped while others run. */
extern uint64_t debug_hold_mask;

/* Breakpoint at virtual address pc (hw: Z1 rather than Z0). Inserting
 * the same address twice needs two removals. 0, or -1 when not set. */
int debug_bp_insert(uint64_t pc, bool hw);
int debug_bp_remove(uint64_t pc, bool hw);
bool debug_bp_at(uint64_t pc);
/* Watchpoint on [addr, addr + len), any length and alignment. */
int debug_wp_insert(uint64_t addr, uint64_t len, DebugWatchKind kind);
int debug_wp_remove(uint64_t addr, uint64_t len, DebugWatchKind kind);
/* Drops every breakpoint and watchpoint (detach). */
void debug_remove_all(void);

/* Engine hooks (cpu.c, tcache.c, ir.c). */
/* Whether a watchpoint overlaps the page [vpage, vpage + size): its TLB
 * entries must then take the slow path (*read, *write: which kinds). */
bool debug_wp_page(uint64_t vpage, uint64_t size, bool *read, bool *write);
/* A slow-path access on a watched page; may end the block after the
 * current instruction and stop the machine. */
void debug_watch_access(Cpu *cpu, uint64_t va, unsigned size, bool write);
/* A helper's physical access (tessera_phys_read/write): for a CPU
 * without an MMU (AVR reaches its data space this way) it is the running
 * instruction's access at that address. */
void debug_watch_phys(uint64_t addr, uint64_t len, bool write);
/* Called by the loop before each block when cpu->dbg is set: true when
 * the CPU must stop here (the machine then stops). Also returns the
 * core flags the block must be looked up with. */
bool debug_cpu_check(Cpu *cpu, uint32_t *cflags);

/* Run control (gdbstub.c). */
/* Stops the machine; the first stop reason since the last resume wins. */
void debug_stop_vm(Cpu *cpu, DebugStopReason reason);
/* The stop that stopped the machine, and clears it. */
bool debug_take_stop(DebugStop *out);
/* Resumes CPU cpu: step (one instruction) or continue; irq: take
 * interrupts while stepping. CPUs not resumed stay held. */
void debug_resume_cpu(Cpu *cpu, bool step, bool irq);
/* Lets the machine run after debug_resume_cpu() calls. */
void debug_resume_vm(void);
/* Debugger access to guest memory at virtual addresses of cpu. */
bool debug_mem_read(Cpu *cpu, uint64_t va, uint8_t *buf, uint64_t len);
bool debug_mem_write(Cpu *cpu, uint64_t va, const uint8_t *buf,
                     uint64_t len);
uint64_t debug_cpu_pc(Cpu *cpu);

#endif
