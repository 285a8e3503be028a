/* SPDX-License-Identifier: MIT */
/*
 * The execution engine as the rest of the core sees it: CPUs that run
 * translated blocks, and the translation cache that holds them.
 * Implementation: cpu.c (loop, soft TLB, memory access), ir.c (builder),
 * ir-opt.c (optimiser), interp.c (backend), tcache.c (block cache).
 */
#ifndef KERNEL_CPU_H
#define KERNEL_CPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tessera/arch.h>

typedef struct TesseraCpu Cpu;

/* Creates CPU number index; NULL after a message on failure. */
Cpu *cpu_new(const TesseraArchClass *arch, const TesseraCpuModel *model,
             unsigned index);
void cpu_free(Cpu *cpu);
/* arch cpu_reset plus the core's state (counters kept, TLB flushed). */
void cpu_reset(Cpu *cpu);

/*
 * Runs the CPU for about max_cycles cycles (it may overshoot by one
 * block), or until cpu_stop() / tessera_request_exit() / halt. Returns the
 * cycles actually executed.
 */
uint64_t cpu_exec(Cpu *cpu, uint64_t max_cycles);

/* Makes a running cpu_exec() return at the next block boundary. */
void cpu_stop(Cpu *cpu);

/* Halted (wfi) with nothing to wake it: has_work() is false. */
bool cpu_is_idle(Cpu *cpu);

/* Delivers an IRQ input line level change to the arch. */
void cpu_irq_set(Cpu *cpu, unsigned line, int level);

const TesseraArchClass *cpu_arch(Cpu *cpu);

/* Translation cache: budget in bytes; 0 picks the default from host RAM. */
void tcache_init(size_t budget_bytes);
/* Drops every block (all CPUs). */
void tcache_flush(void);
/* A write from outside the CPUs (loader, DMA) hit this physical range. */
void tcache_invalidate_phys(uint64_t addr, uint64_t len);
/* Statistics for tests and -d: blocks translated, flushes so far. */
uint64_t tcache_blocks_translated(void);
uint64_t tcache_flush_count(void);

#endif
