/* SPDX-License-Identifier: MIT */
/*
 * Breakpoints, watchpoints, single steps and stopping the machine for the
 * debugger (see debug.h for how they reach the engine).
 */
#include "kernel/debug.h"

#include <glib.h>
#include <string.h>

#include "kernel/bus.h"
#include "kernel/cpu-internal.h"
#include "kernel/machine.h"
#include "kernel/sched.h"

typedef struct Breakpoint {
    uint64_t pc;
    bool hw;
} Breakpoint;

typedef struct Watchpoint {
    uint64_t addr, len;
    DebugWatchKind kind;
} Watchpoint;

unsigned debug_nbp, debug_nwp;
bool debug_vm_stopped;
uint64_t debug_hold_mask;

static GArray *bps; /* Breakpoint */
static GArray *wps; /* Watchpoint */
static DebugStop last_stop;

/* ---------------------------------------------------------------------- */
/* Address translation for the debugger                                    */

/* Virtual to physical through the CPU's current code MMU context, without
 * touching the TLB or raising anything. */
static bool debug_translate(Cpu *cpu, uint64_t va, uint64_t *pa)
{
    if (!cpu->arch->translate_addr) {
        *pa = va;
        return true;
    }
    unsigned prot;
    return cpu->arch->translate_addr(cpu->env, va, TESSERA_ACCESS_READ,
                                     cpu->code_mmu, pa, &prot) ==
           TESSERA_FAULT_NONE;
}

static bool mem_access(Cpu *cpu, uint64_t va, uint8_t *buf, uint64_t len,
                       bool write)
{
    uint64_t psize = 1ull << cpu->page_bits;

    while (len) {
        uint64_t n = psize - (va & (psize - 1));
        if (n > len)
            n = len;
        uint64_t pa;
        if (!debug_translate(cpu, va, &pa))
            return false;
        if (!(write ? bus_write_buf(pa, buf, n) : bus_read_buf(pa, buf, n)))
            return false;
        va += n;
        buf += n;
        len -= n;
    }
    return true;
}

bool debug_mem_read(Cpu *cpu, uint64_t va, uint8_t *buf, uint64_t len)
{
    return mem_access(cpu, va, buf, len, false);
}

bool debug_mem_write(Cpu *cpu, uint64_t va, const uint8_t *buf,
                     uint64_t len)
{
    return mem_access(cpu, va, (uint8_t *)buf, len, true);
}

uint64_t debug_cpu_pc(Cpu *cpu)
{
    return cpu->pc;
}

/* ---------------------------------------------------------------------- */
/* Breakpoints                                                             */

/* Code translated at pc (on any CPU's mapping) must be translated again:
 * blocks end before a breakpoint and a block starting at one is kept out
 * of chaining, both decided at translation time. */
static void invalidate_code_at(uint64_t pc)
{
    for (unsigned i = 0; i < machine.ncpus; i++) {
        uint64_t pa;
        if (!debug_translate(machine.cpus[i], pc, &pa)) {
            tcache_flush(); /* not mapped now: be safe */
            return;
        }
        tcache_invalidate_phys(pa, 1);
    }
}

static void update_cpu_flags(void)
{
    for (unsigned i = 0; i < machine.ncpus; i++) {
        Cpu *cpu = machine.cpus[i];
        if (debug_nbp)
            cpu->dbg |= DBG_BP;
        else
            cpu->dbg &= ~DBG_BP;
    }
}

bool debug_bp_at(uint64_t pc)
{
    for (unsigned i = 0; i < debug_nbp; i++)
        if (g_array_index(bps, Breakpoint, i).pc == pc)
            return true;
    return false;
}

int debug_bp_insert(uint64_t pc, bool hw)
{
    if (!bps)
        bps = g_array_new(FALSE, FALSE, sizeof(Breakpoint));
    bool known = debug_bp_at(pc);
    Breakpoint bp = {pc, hw};
    g_array_append_val(bps, bp);
    debug_nbp = bps->len;
    update_cpu_flags();
    if (!known)
        invalidate_code_at(pc);
    return 0;
}

int debug_bp_remove(uint64_t pc, bool hw)
{
    for (unsigned i = 0; i < debug_nbp; i++) {
        Breakpoint *bp = &g_array_index(bps, Breakpoint, i);
        if (bp->pc == pc && bp->hw == hw) {
            g_array_remove_index_fast(bps, i);
            debug_nbp = bps->len;
            update_cpu_flags();
            if (!debug_bp_at(pc))
                invalidate_code_at(pc);
            return 0;
        }
    }
    return -1;
}

/* ---------------------------------------------------------------------- */
/* Watchpoints                                                             */

static void flush_all_tlbs(void)
{
    for (unsigned i = 0; i < machine.ncpus; i++)
        tessera_tlb_flush(machine.cpus[i]);
}

int debug_wp_insert(uint64_t addr, uint64_t len, DebugWatchKind kind)
{
    if (len == 0 || addr + len - 1 < addr)
        return -1;
    if (!wps)
        wps = g_array_new(FALSE, FALSE, sizeof(Watchpoint));
    Watchpoint wp = {addr, len, kind};
    g_array_append_val(wps, wp);
    debug_nwp = wps->len;
    flush_all_tlbs(); /* entries of the page refill with the slow path */
    if (debug_nwp == 1)
        tcache_flush(); /* native code reaches RAM without the TLB
                         * (TESSERA_MO_RAM) only while none is set */
    return 0;
}

int debug_wp_remove(uint64_t addr, uint64_t len, DebugWatchKind kind)
{
    for (unsigned i = 0; i < debug_nwp; i++) {
        Watchpoint *wp = &g_array_index(wps, Watchpoint, i);
        if (wp->addr == addr && wp->len == len && wp->kind == kind) {
            g_array_remove_index_fast(wps, i);
            debug_nwp = wps->len;
            flush_all_tlbs();
            if (!debug_nwp)
                tcache_flush();
            return 0;
        }
    }
    return -1;
}

void debug_remove_all(void)
{
    while (debug_nbp) {
        Breakpoint bp = g_array_index(bps, Breakpoint, 0);
        debug_bp_remove(bp.pc, bp.hw);
    }
    if (debug_nwp) {
        g_array_set_size(wps, 0);
        debug_nwp = 0;
        flush_all_tlbs();
        tcache_flush();
    }
}

static bool overlaps(const Watchpoint *wp, uint64_t a, uint64_t len)
{
    /* Inclusive ends, so that ranges touching the top of the address
     * space do not wrap. */
    return a <= wp->addr + (wp->len - 1) && wp->addr <= a + (len - 1);
}

bool debug_wp_page(uint64_t vpage, uint64_t size, bool *read, bool *write)
{
    *read = *write = false;
    for (unsigned i = 0; i < debug_nwp; i++) {
        const Watchpoint *wp = &g_array_index(wps, Watchpoint, i);
        if (!overlaps(wp, vpage, size))
            continue;
        if (wp->kind != DEBUG_WATCH_WRITE)
            *read = true;
        if (wp->kind != DEBUG_WATCH_READ)
            *write = true;
    }
    return *read || *write;
}

void debug_watch_access(Cpu *cpu, uint64_t va, unsigned size, bool write)
{
    if (cpu->dbg & DBG_WATCH_HIT)
        return; /* the first access of the instruction is reported */
    for (unsigned i = 0; i < debug_nwp; i++) {
        const Watchpoint *wp = &g_array_index(wps, Watchpoint, i);
        if (!overlaps(wp, va, size))
            continue;
        if ((write && wp->kind == DEBUG_WATCH_READ) ||
            (!write && wp->kind == DEBUG_WATCH_WRITE))
            continue;
        cpu->dbg |= DBG_WATCH_HIT;
        cpu->dbg_watch_addr = va > wp->addr ? va : wp->addr;
        cpu->dbg_watch_kind = (uint8_t)wp->kind;
        cpu->limit = 0;
        if (cpu->arch->gdb_watch_before && cpu->cur_insn >= 0) {
            /* Before the access: the instruction is abandoned (the PC
             * stays on it) and gdb steps over it itself. */
            cpu->pc_override = false;
            tessera_cpu_exit_loop(cpu);
        }
        /* After the instruction: gdb compares old and new values. */
        cpu->end_insn = true;
        return;
    }
}

void debug_watch_phys(uint64_t addr, uint64_t len, bool write)
{
    for (unsigned i = 0; i < machine.ncpus; i++) {
        Cpu *cpu = machine.cpus[i];
        if (cpu->running && cpu->cur_insn >= 0 &&
            !cpu->arch->translate_addr && len && len <= UINT32_MAX)
            debug_watch_access(cpu, addr, (unsigned)len, write);
    }
}

/* ---------------------------------------------------------------------- */
/* The CPU loop's check and run control                                    */

bool debug_cpu_check(Cpu *cpu, uint32_t *cflags)
{
    if (cpu->dbg & DBG_WATCH_HIT) {
        cpu->dbg &= ~(DBG_WATCH_HIT | DBG_STEP | DBG_NOIRQ | DBG_SKIP_BP);
        debug_stop_vm(cpu, DEBUG_STOP_WATCH);
        return true;
    }
    if (cpu->dbg & DBG_STEP) {
        /* Done when an instruction retired or the PC moved (a trap). */
        if (cpu_insns_raw(cpu) != cpu->dbg_step_insns || cpu->pc != cpu->dbg_step_pc) {
            cpu->dbg &= ~(DBG_STEP | DBG_NOIRQ | DBG_SKIP_BP);
            debug_stop_vm(cpu, DEBUG_STOP_STEP);
            return true;
        }
        *cflags |= TB_CF_SINGLE;
    }
    if ((cpu->dbg & DBG_BP) && debug_bp_at(cpu->pc) &&
        !((cpu->dbg & DBG_SKIP_BP) && cpu->pc == cpu->dbg_skip_pc)) {
        cpu->dbg &= ~(DBG_STEP | DBG_NOIRQ | DBG_SKIP_BP);
        debug_stop_vm(cpu, DEBUG_STOP_BREAK);
        return true;
    }
    cpu->dbg &= ~DBG_SKIP_BP;
    return false;
}

void debug_stop_vm(Cpu *cpu, DebugStopReason reason)
{
    if (last_stop.reason == DEBUG_STOP_NONE) {
        last_stop.reason = reason;
        last_stop.cpu = cpu ? cpu->index : 0;
        if (cpu && reason == DEBUG_STOP_WATCH) {
            last_stop.watch_addr = cpu->dbg_watch_addr;
            last_stop.watch_kind = (DebugWatchKind)cpu->dbg_watch_kind;
        }
    }
    if (!debug_vm_stopped) {
        debug_vm_stopped = true;
        sched_pause_clock(true);
    }
    for (unsigned i = 0; i < machine.ncpus; i++)
        cpu_stop(machine.cpus[i]);
}

bool debug_take_stop(DebugStop *out)
{
    if (last_stop.reason == DEBUG_STOP_NONE)
        return false;
    *out = last_stop;
    memset(&last_stop, 0, sizeof(last_stop));
    return true;
}

void debug_resume_cpu(Cpu *cpu, bool step, bool irq)
{
    cpu->dbg &= DBG_BP;
    cpu->dbg |= DBG_SKIP_BP;
    cpu->dbg_skip_pc = cpu->pc;
    if (step) {
        cpu->dbg |= DBG_STEP | (irq ? 0 : DBG_NOIRQ);
        cpu->dbg_step_pc = cpu->pc;
        cpu->dbg_step_insns = cpu_insns_raw(cpu);
    }
    if (cpu->index < 64)
        debug_hold_mask &= ~(1ull << cpu->index);
}

void debug_resume_vm(void)
{
    memset(&last_stop, 0, sizeof(last_stop));
    if (debug_vm_stopped) {
        debug_vm_stopped = false;
        sched_pause_clock(false);
    }
}
