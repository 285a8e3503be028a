/* SPDX-License-Identifier: MIT */
/*
 * CPUs: creation, the execution loop, the soft TLB and the memory slow
 * paths, precise state for helpers and faults, and the tessera_cpu_* API
 * that arch plugins use.
 *
 * The loop (cpu_exec) finds a block, lets the interpreter run it and
 * whatever it chains to, and comes back only when the interpreter returns:
 * budget used up, a kick or stop (both drop cpu->limit to 0 so the next
 * block entry fails), an exit that is not chained yet, or exit_loop.
 * Faults and tessera_cpu_exit_loop() come back with siglongjmp.
 */
#include <glib.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/bus.h"
#include "kernel/cpu-internal.h"
#include "kernel/debug.h"
#include "kernel/log.h"
#include "kernel/tool.h"

static GPtrArray *all_cpus;
EngineStats engine_stats;

/* ---------------------------------------------------------------------- */
/* Soft TLB                                                                */

static void jc_reset(Cpu *cpu)
{
    TB *dummy = tcache_dummy_tb();
    for (unsigned i = 0; i < CPU_JC_SIZE; i++)
        cpu->jc[i] = dummy;
}

/* Drops the jump cache entries of group g whose block has code in arch
 * page vpn. */
static void jc_flush_group(Cpu *cpu, uint32_t g, uint64_t vpn, TB *dummy)
{
    TB **jc = cpu->jc + g;
    for (unsigned i = 0; i < CPU_JC_SUB_SIZE; i++) {
        TB *tb = jc[i];
        if (tb == dummy)
            continue;
        if ((tb->pc >> cpu->page_bits) == vpn) {
            jc[i] = dummy;
            continue;
        }
        for (unsigned k = 1; k < tb->nspans; k++) {
            if ((tb->vunit[k] >> cpu->page_bits) == vpn) {
                jc[i] = dummy;
                break;
            }
        }
    }
}

/*
 * Drops the jump cache entries of the blocks with code in arch page vpn.
 * A block in the jump cache starts in that page or in the one before (its
 * spans lie in the page of its PC and the next: find_tb), and the blocks
 * that start in one jc page share a group (cpu_jc_hash), so only the
 * groups of the jc pages from the previous arch page's start to this
 * page's end are looked at; the whole cache when they are all of them.
 */
static void jc_flush_page(Cpu *cpu, uint64_t vpn)
{
    TB *dummy = tcache_dummy_tb();
    unsigned pb = cpu->page_bits;
    uint64_t first = vpn ? (vpn - 1) << pb : 0;
    uint64_t last = ((vpn + 1) << pb) - 1;
    uint64_t jfirst = first >> CPU_JC_PAGE_BITS;
    uint64_t jlast = last >> CPU_JC_PAGE_BITS;

    if (jlast - jfirst >= CPU_JC_GROUPS) {
        for (uint32_t g = 0; g < CPU_JC_SIZE; g += CPU_JC_SUB_SIZE)
            jc_flush_group(cpu, g, vpn, dummy);
        return;
    }
    for (uint64_t j = jfirst; j <= jlast; j++)
        jc_flush_group(cpu, cpu_jc_group(j), vpn, dummy);
}

static void tlb_flush_all(Cpu *cpu)
{
    size_t n = (size_t)cpu->nb_mmu * CPU_TLB_SIZE;
    memset(cpu->tlb, 0xff, n * sizeof(TlbEntry));
    memset(cpu->tlb_cold, 0xff, n * sizeof(TlbCold));
    memset(cpu->tlb_slot, 0, sizeof(cpu->tlb_slot));
}

/*
 * A translation changed: blocks found through the jump cache (by virtual
 * PC) and chained jumps may be stale, so the next block entry must come
 * back to the loop for a fresh lookup.
 */
static void mapping_changed(Cpu *cpu)
{
    jc_reset(cpu);
    if (cpu->running)
        cpu->limit = 0;
}

void tessera_tlb_flush(TesseraCpu *cpu)
{
    engine_stats.tlb_flushes++;
    tlb_flush_all(cpu);
    mapping_changed(cpu);
}

void tessera_tlb_flush_page(TesseraCpu *cpu, uint64_t vaddr)
{
    uint64_t vpage = vaddr & cpu->page_mask;
    unsigned idx = (unsigned)(vaddr >> cpu->page_bits) & (CPU_TLB_SIZE - 1);

    engine_stats.tlb_page_flushes++;
    for (unsigned m = 0; m < cpu->nb_mmu; m++) {
        TlbEntry *e = &cpu->tlb[m * CPU_TLB_SIZE + idx];
        TlbCold *c = &cpu->tlb_cold[m * CPU_TLB_SIZE + idx];
        if ((e->tag_r & ~(uint64_t)TLB_FLAGS) == vpage ||
            (e->tag_w & ~(uint64_t)TLB_FLAGS) == vpage || c->tag_x == vpage) {
            e->tag_r = e->tag_w = TLB_INVALID;
            c->tag_x = TLB_INVALID;
        }
    }
    uint64_t mask = cpu->page_mask; /* (not reloaded after each store) */
    for (unsigned m = 0; m < CPU_SLOT_MMUS; m++)
        for (unsigned d = 0; d < 2; d++)
            for (unsigned k = 0; k < CPU_SLOTS_PER; k++) {
                TlbSlot *s = &cpu->tlb_slot[m][d][k];
                if ((s->start & mask) == vpage)
                    s->span = 0;
            }
    /* Only blocks with code in that page leave the jump cache: the others'
     * mappings stand (a kernel that remaps one page keeps running its
     * cached blocks). The running chain stops, as in mapping_changed(). */
    jc_flush_page(cpu, vaddr >> cpu->page_bits);
    if (cpu->running)
        cpu->limit = 0;
}

static inline unsigned tlb_index(Cpu *cpu, uint64_t va, unsigned mmu)
{
    return mmu * CPU_TLB_SIZE +
           ((unsigned)(va >> cpu->page_bits) & (CPU_TLB_SIZE - 1));
}

/* True when a code page overlaps [ppage, ppage + psize). */
static bool range_has_code(uint64_t ppage, uint64_t psize)
{
    for (uint64_t a = ppage & ~(TC_PAGE_SIZE - 1); a < ppage + psize;
         a += TC_PAGE_SIZE)
        if (tcache_page_mask(a >> TC_PAGE_BITS))
            return true;
    return false;
}

/* A watched page: its accesses of the watched kinds miss the fast path,
 * and the slow path (which translates them again) checks the ranges. */
static void tlb_watch(TlbEntry *e, uint64_t vpage, uint64_t psize)
{
    bool r, w;
    if (!debug_wp_page(vpage, psize, &r, &w))
        return;
    if (r && e->tag_r != TLB_INVALID)
        e->tag_r |= TLB_FLAG_RECHECK;
    if (w && e->tag_w != TLB_INVALID)
        e->tag_w |= TLB_FLAG_RECHECK;
}

/* Fills the entry of vaddr from a translation (phys of vaddr, prot). */
static void tlb_set(Cpu *cpu, uint64_t va, unsigned mmu, uint64_t phys,
                    unsigned prot)
{
    uint64_t psize = 1ull << cpu->page_bits;
    uint64_t vpage = va & cpu->page_mask;
    uint64_t ppage = phys - (va - vpage);
    unsigned idx = tlb_index(cpu, va, mmu);
    TlbEntry *e = &cpu->tlb[idx];
    TlbCold *c = &cpu->tlb_cold[idx];

    /* Only a page that one RAM or ROM region covers whole goes fast. */
    Region *r = bus_lookup(ppage);
    if (r && r->alias_delta) {
        /* A mirror: the page of the region it mirrors, so that code and
         * its invalidation see one address for the same bytes. */
        ppage += r->alias_delta;
        r = bus_lookup(ppage);
    }
    bool whole = r && ppage - r->base <= r->size - psize && r->size >= psize;
    bool ram = whole && r->kind == REGION_RAM;
    bool rom = whole && r->kind == REGION_ROM;

    e->addend = (ram || rom) ? (uintptr_t)(r->host + (ppage - r->base)) - vpage
                             : 0;
    e->codemask = NULL;
    e->tag_r = !(prot & TESSERA_PROT_READ) ? TLB_INVALID
               : (ram || rom)              ? vpage
                                           : vpage | TLB_FLAG_SLOW;
    if (!(prot & TESSERA_PROT_WRITE)) {
        e->tag_w = TLB_INVALID;
    } else if (!ram) {
        e->tag_w = vpage | TLB_FLAG_SLOW;
    } else if (cpu->page_bits == TC_PAGE_BITS) {
        const uint64_t *m = tcache_page_mask(ppage >> TC_PAGE_BITS);
        e->tag_w = m ? vpage | TLB_FLAG_CODE : vpage;
        e->codemask = m;
    } else {
        /* The masks do not line up with the page: code pages go slow. */
        e->tag_w = range_has_code(ppage, psize) ? vpage | TLB_FLAG_SLOW
                                                : vpage;
    }
    c->tag_x = (prot & TESSERA_PROT_EXEC) ? vpage : TLB_INVALID;
    c->phys_addend = ppage - vpage;
    if (unlikely(debug_nwp))
        tlb_watch(e, vpage, psize);
    if (unlikely(prot & TESSERA_PROT_NOCACHE)) {
        /* Valid for this address only: every access misses the fast path
         * and the slow path translates it again. */
        if (e->tag_r != TLB_INVALID)
            e->tag_r |= TLB_FLAG_RECHECK;
        if (e->tag_w != TLB_INVALID)
            e->tag_w |= TLB_FLAG_RECHECK;
        c->tag_x = TLB_INVALID;
    }
}

static TesseraFault translate(Cpu *cpu, uint64_t va, TesseraAccess acc,
                              unsigned mmu, uint64_t *phys, unsigned *prot)
{
    static const unsigned need[] = {TESSERA_PROT_READ, TESSERA_PROT_WRITE,
                                    TESSERA_PROT_EXEC};
    if (!cpu->arch->translate_addr) {
        *phys = va;
        *prot = TESSERA_PROT_READ | TESSERA_PROT_WRITE | TESSERA_PROT_EXEC;
        return TESSERA_FAULT_NONE;
    }
    TesseraFault f =
        cpu->arch->translate_addr(cpu->env, va, acc, mmu, phys, prot);
    if (f == TESSERA_FAULT_NONE && !(*prot & need[acc]))
        f = TESSERA_FAULT_PAGE;
    return f;
}

/* Makes the entry of va valid for acc, or raises the fault. */
static void tlb_fill(Cpu *cpu, uint64_t va, TesseraAccess acc, unsigned mmu)
{
    uint64_t phys;
    unsigned prot;
    engine_stats.tlb_fills++;
    TesseraFault f = translate(cpu, va, acc, mmu, &phys, &prot);
    if (f != TESSERA_FAULT_NONE)
        cpu_fault(cpu, va, acc, f);
    tlb_set(cpu, va, mmu, phys, prot);
}

TesseraFault cpu_translate_code(Cpu *cpu, uint64_t va, uint64_t *phys)
{
    unsigned idx = tlb_index(cpu, va, cpu->code_mmu);
    TlbCold *c = &cpu->tlb_cold[idx];

    cpu->code_nocache = false;
    if (c->tag_x != (va & cpu->page_mask)) {
        unsigned prot;
        uint64_t p;
        engine_stats.code_fills++;
        TesseraFault f = translate(cpu, va, TESSERA_ACCESS_EXEC,
                                   cpu->code_mmu, &p, &prot);
        if (f != TESSERA_FAULT_NONE)
            return f;
        tlb_set(cpu, va, cpu->code_mmu, p, prot);
        cpu->code_nocache = (prot & TESSERA_PROT_NOCACHE) != 0;
    }
    *phys = va + c->phys_addend;
    return TESSERA_FAULT_NONE;
}

void cpu_all_code_page_added(uint64_t page)
{
    /* Write entries of that page must start checking the code mask:
     * drop them so the next store refills them flagged. */
    for (unsigned i = 0; all_cpus && i < all_cpus->len; i++) {
        Cpu *cpu = g_ptr_array_index(all_cpus, i);
        uint64_t psize = 1ull << cpu->page_bits;
        size_t n = (size_t)cpu->nb_mmu * CPU_TLB_SIZE;
        for (size_t k = 0; k < n; k++) {
            TlbEntry *e = &cpu->tlb[k];
            if (e->tag_w == TLB_INVALID)
                continue;
            uint64_t ppage = (e->tag_w & ~(uint64_t)TLB_FLAGS) +
                             cpu->tlb_cold[k].phys_addend;
            uint64_t pbase = page << TC_PAGE_BITS;
            if (ppage < pbase + TC_PAGE_SIZE && pbase < ppage + psize)
                e->tag_w = TLB_INVALID;
        }
        /* Store slots do not say their physical page: all of them go. */
        for (unsigned m = 0; m < CPU_SLOT_MMUS; m++)
            for (unsigned k = 0; k < CPU_SLOTS_PER; k++)
                cpu->tlb_slot[m][1][k].span = 0;
    }
}

void cpu_all_code_range_grew(void)
{
    for (unsigned i = 0; all_cpus && i < all_cpus->len; i++) {
        Cpu *cpu = g_ptr_array_index(all_cpus, i);
        if (!cpu->code_slots)
            continue;
        /* Which slots those are is not kept: all store slots go (they
         * fill again from the TLB in a few instructions). */
        for (unsigned m = 0; m < CPU_SLOT_MMUS; m++)
            for (unsigned k = 0; k < CPU_SLOTS_PER; k++)
                cpu->tlb_slot[m][1][k].span = 0;
        cpu->code_slots = false;
    }
}

/* ---------------------------------------------------------------------- */
/* Precise state and faults                                                */

void cpu_sync_state(Cpu *cpu, bool fault)
{
    if (cpu->cur_insn < 0)
        return;
    const TB *tb = cpu->cur_tb;
    unsigned i = (unsigned)cpu->cur_insn;
    if (fault || !cpu->pc_override)
        cpu->pc = tb->insn_pc[i];
    cpu->xcycles -=
        (uint64_t)(tb->ncycles - tb->cycles_before[i]) - (tb->ninsns - i);
    cpu->cycles -= tb->ncycles - tb->cycles_before[i];
    cpu->cur_insn = -1;
}

static TESSERA_NORETURN void leave_block(Cpu *cpu)
{
    if (!cpu->running) {
        tessera_error("cpu %u: guest exception or exit_loop outside of "
                      "execution", cpu->index);
        abort();
    }
    siglongjmp(cpu->jmp, 1);
}

void cpu_fault(Cpu *cpu, uint64_t vaddr, TesseraAccess access,
               TesseraFault fault)
{
    cpu_sync_state(cpu, true);
    cpu->pc_override = false;
    if (cpu->arch->raise_fault) {
        uint64_t from = cpu->pc;
        cpu->arch->raise_fault(cpu->env, vaddr, access, fault);
        if (unlikely(tool_trap_active))
            tool_trap(cpu, TESSERA_TOOL_TRAP_FAULT, fault, from, cpu->pc);
    } else {
        tessera_error("cpu %u: unhandled %s fault at 0x%" PRIx64
                      " (pc 0x%" PRIx64 ")", cpu->index,
                      access == TESSERA_ACCESS_EXEC ? "fetch"
                      : access == TESSERA_ACCESS_WRITE ? "store" : "load",
                      vaddr, cpu->pc);
        tessera_request_exit(1);
    }
    leave_block(cpu);
}

void tessera_cpu_exit_loop(TesseraCpu *cpu)
{
    if (unlikely(tool_trap_active) && cpu->cur_insn >= 0 &&
        cpu->pc_override) {
        const TB *tb = cpu->cur_tb;
        unsigned i = (unsigned)cpu->cur_insn;
        uint64_t from = tb->insn_pc[i];
        /* A helper that moved the PC elsewhere than the next instruction:
         * an exception or a trap return. */
        if (cpu->pc != from + tb->insn_size[i])
            tool_trap(cpu, TESSERA_TOOL_TRAP_EXCEPTION, 0, from, cpu->pc);
    }
    cpu_sync_state(cpu, false);
    leave_block(cpu);
}

/* ---------------------------------------------------------------------- */
/* Memory slow paths                                                       */

static uint64_t bswap_size(uint64_t v, unsigned size)
{
    switch (size) {
    case 2: return __builtin_bswap16((uint16_t)v);
    case 4: return __builtin_bswap32((uint32_t)v);
    case 8: return __builtin_bswap64(v);
    default: return v;
    }
}

static uint64_t host_load(const uint8_t *p, unsigned size)
{
    uint64_t v = 0;
    memcpy(&v, p, size); /* little-endian host */
    return v;
}

/* An access inside one page, in memory byte order (little-endian). */
static uint64_t load_page(Cpu *cpu, uint64_t va, unsigned size, unsigned mmu)
{
    unsigned idx = tlb_index(cpu, va, mmu);
    TlbEntry *e = &cpu->tlb[idx];
    uint64_t vpage = va & cpu->page_mask;

    if ((e->tag_r & ~(uint64_t)TLB_FLAGS) != vpage ||
        (e->tag_r & TLB_FLAG_RECHECK))
        tlb_fill(cpu, va, TESSERA_ACCESS_READ, mmu);
    if (unlikely(debug_nwp) && (e->tag_r & TLB_FLAG_RECHECK))
        debug_watch_access(cpu, va, size, false); /* may leave the block */
    if (!(e->tag_r & TLB_FLAG_SLOW))
        return host_load((const uint8_t *)(va + e->addend), size);
    uint64_t v;
    if (!bus_read(va + cpu->tlb_cold[idx].phys_addend, size, &v))
        cpu_fault(cpu, va, TESSERA_ACCESS_READ, TESSERA_FAULT_ACCESS);
    return v;
}

/* Drops translated code under a store into a page that holds some. */
static void check_code_write(const uint64_t *m, uint64_t pa, unsigned size)
{
    engine_stats.code_writes++;
    if ((pa & (TC_PAGE_SIZE - 1)) + size > TC_PAGE_SIZE) {
        /* Two code pages (arch pages above 4 KiB): compare ranges. */
        tcache_invalidate_phys(pa, size);
        return;
    }
    if (!m) {
        /* Slow entries (MMIO, ROM, big pages) have no mask pointer. */
        m = tcache_page_mask(pa >> TC_PAGE_BITS);
        if (!m)
            return;
    }
    if (tcache_granule_hit(*m, pa, size) && tcache_code_overlap(m, pa, size))
        tcache_invalidate_phys(pa, size);
}

static void store_page(Cpu *cpu, uint64_t va, unsigned size, uint64_t v,
                       unsigned mmu)
{
    unsigned idx = tlb_index(cpu, va, mmu);
    TlbEntry *e = &cpu->tlb[idx];
    uint64_t vpage = va & cpu->page_mask;

    if ((e->tag_w & ~(uint64_t)TLB_FLAGS) != vpage ||
        (e->tag_w & TLB_FLAG_RECHECK))
        tlb_fill(cpu, va, TESSERA_ACCESS_WRITE, mmu);
    if (unlikely(debug_nwp) && (e->tag_w & TLB_FLAG_RECHECK))
        debug_watch_access(cpu, va, size, true); /* may leave the block */
    uint64_t pa = va + cpu->tlb_cold[idx].phys_addend;
    /* A device's write may flush the TLB (an MPU register): what the
     * entry said is read before. */
    uint64_t tag = e->tag_w;
    const uint64_t *codemask = e->codemask;
    if (tag & TLB_FLAG_SLOW) {
        if (!bus_write(pa, size, v))
            cpu_fault(cpu, va, TESSERA_ACCESS_WRITE, TESSERA_FAULT_ACCESS);
    } else {
        memcpy((void *)(va + e->addend), &v, size);
    }
    if (tag & TLB_FLAGS)
        check_code_write(codemask, pa, size);
}

static bool crosses_page(Cpu *cpu, uint64_t va, unsigned size)
{
    return ((va & ~cpu->page_mask) + size) > (1ull << cpu->page_bits);
}

/*
 * Before a page-crossing access touches anything, both parts must
 * translate and exist on the bus, so a fault leaves memory and devices
 * as they were.
 */
static void probe_crossing(Cpu *cpu, uint64_t va, unsigned size,
                           TesseraAccess acc, unsigned mmu)
{
    uint64_t psize = 1ull << cpu->page_bits;
    uint64_t second = (va & cpu->page_mask) + psize;
    uint64_t part[2][2] = {{va, second - va}, {second, va + size - second}};

    for (int i = 0; i < 2; i++) {
        uint64_t a = part[i][0], n = part[i][1];
        tlb_fill(cpu, a, acc, mmu);
        uint64_t pa = a + cpu->tlb_cold[tlb_index(cpu, a, mmu)].phys_addend;
        Region *r = bus_lookup(pa);
        if (!r || pa - r->base + n > r->size)
            cpu_fault(cpu, a, acc, TESSERA_FAULT_ACCESS);
    }
}

/* The page of va is writable (its write entry valid), or the fault. */
static void probe_write(Cpu *cpu, uint64_t va, unsigned mmu)
{
    TlbEntry *e = &cpu->tlb[tlb_index(cpu, va, mmu)];
    if ((e->tag_w & ~(uint64_t)TLB_FLAGS) != (va & cpu->page_mask) ||
        (e->tag_w & TLB_FLAG_RECHECK))
        tlb_fill(cpu, va, TESSERA_ACCESS_WRITE, mmu);
}

static uint64_t do_load(Cpu *cpu, uint64_t va, unsigned memop, unsigned mmu)
{
    unsigned size = memop & TESSERA_MO_SIZE_MASK;
    uint64_t v;

    if ((memop & TESSERA_MO_ALIGN) && (va & (size - 1)))
        cpu_fault(cpu, va, TESSERA_ACCESS_READ, TESSERA_FAULT_MISALIGNED);
    if (unlikely(crosses_page(cpu, va, size))) {
        probe_crossing(cpu, va, size, TESSERA_ACCESS_READ, mmu);
        v = 0;
        for (unsigned i = 0; i < size; i++)
            v |= load_page(cpu, va + i, 1, mmu) << (8 * i);
    } else {
        v = load_page(cpu, va, size, mmu);
    }
    if (cpu->arch->big_endian)
        v = bswap_size(v, size);
    if (memop & TESSERA_MO_SIGN) {
        unsigned sh = 64 - 8 * size;
        v = (uint64_t)((int64_t)(v << sh) >> sh);
    }
    return v;
}

static void do_store(Cpu *cpu, uint64_t va, uint64_t v, unsigned memop,
                     unsigned mmu)
{
    unsigned size = memop & TESSERA_MO_SIZE_MASK;

    if ((memop & TESSERA_MO_ALIGN) && (va & (size - 1)))
        cpu_fault(cpu, va, TESSERA_ACCESS_WRITE, TESSERA_FAULT_MISALIGNED);
    if (cpu->arch->big_endian)
        v = bswap_size(v, size);
    if (unlikely(crosses_page(cpu, va, size))) {
        probe_crossing(cpu, va, size, TESSERA_ACCESS_WRITE, mmu);
        for (unsigned i = 0; i < size; i++)
            store_page(cpu, va + i, 1, v >> (8 * i), mmu);
    } else {
        store_page(cpu, va, size, v, mmu);
    }
}

uint64_t cpu_load_slow(Cpu *cpu, unsigned insn, uint64_t vaddr,
                       unsigned memop, unsigned mmu)
{
    cpu->cur_insn = (int32_t)insn;
    cpu->pc_override = false;
    return do_load(cpu, vaddr, memop, mmu);
}

void cpu_store_slow(Cpu *cpu, unsigned insn, uint64_t vaddr, uint64_t value,
                    unsigned memop, unsigned mmu)
{
    cpu->cur_insn = (int32_t)insn;
    cpu->pc_override = false;
    do_store(cpu, vaddr, value, memop, mmu);
}

/*
 * Atomics: one vCPU runs at a time, so a load and a store in a row are
 * atomic; the access is checked for writing first so that a read-only
 * page gives a write fault before anything happens.
 */
uint64_t cpu_atomic(Cpu *cpu, unsigned insn, int amo, uint64_t vaddr,
                    uint64_t v, uint64_t newv, unsigned memop, unsigned mmu)
{
    unsigned size = memop & TESSERA_MO_SIZE_MASK;

    cpu->cur_insn = (int32_t)insn;
    cpu->pc_override = false;
    if ((memop & TESSERA_MO_ALIGN) && (vaddr & (size - 1)))
        cpu_fault(cpu, vaddr, TESSERA_ACCESS_WRITE, TESSERA_FAULT_MISALIGNED);
    if (crosses_page(cpu, vaddr, size))
        probe_crossing(cpu, vaddr, size, TESSERA_ACCESS_WRITE, mmu);
    else
        probe_write(cpu, vaddr, mmu);
    memop &= ~(unsigned)TESSERA_MO_ALIGN;
    uint64_t old = do_load(cpu, vaddr, memop, mmu);
    if (amo < 0) {
        if (old == v)
            do_store(cpu, vaddr, newv, memop, mmu);
    } else {
        do_store(cpu, vaddr, ir_eval_atomic((TesseraAtomicOp)amo, size, old, v),
                 memop, mmu);
    }
    return old;
}

static bool memop_valid(Cpu *cpu, unsigned memop, unsigned mmu)
{
    unsigned size = memop & TESSERA_MO_SIZE_MASK;
    return (size == 1 || size == 2 || size == 4 || size == 8) &&
           mmu < cpu->nb_mmu;
}

uint64_t tessera_cpu_load(TesseraCpu *cpu, uint64_t vaddr, unsigned memop,
                          unsigned mmu_idx)
{
    if (!memop_valid(cpu, memop, mmu_idx)) {
        tessera_error("tessera_cpu_load: bad memop %u or mmu index %u",
                      memop, mmu_idx);
        return 0;
    }
    return do_load(cpu, vaddr, memop, mmu_idx);
}

void tessera_cpu_store(TesseraCpu *cpu, uint64_t vaddr, uint64_t value,
                       unsigned memop, unsigned mmu_idx)
{
    if (!memop_valid(cpu, memop, mmu_idx)) {
        tessera_error("tessera_cpu_store: bad memop %u or mmu index %u",
                      memop, mmu_idx);
        return;
    }
    do_store(cpu, vaddr, value, memop & ~(unsigned)TESSERA_MO_SIGN, mmu_idx);
}

/* ---------------------------------------------------------------------- */
/* Self-modifying code                                                     */

/*
 * The backend finishes the running instruction and leaves the block. Any
 * running CPU stops chaining: a jump to tb that was just unchained may
 * still be taken as fetched before the patch (kernel/native.c,
 * code_written), and tb's chain entry then sends it back to the loop.
 */
void cpu_all_tb_invalidated(TB *tb)
{
    for (unsigned i = 0; all_cpus && i < all_cpus->len; i++) {
        Cpu *cpu = g_ptr_array_index(all_cpus, i);
        if (!cpu->running)
            continue;
        if (cpu->cur_tb == tb)
            cpu->end_insn = true;
        cpu->limit = 0;
    }
}

void cpu_all_tcache_flushed(void)
{
    for (unsigned i = 0; all_cpus && i < all_cpus->len; i++) {
        Cpu *cpu = g_ptr_array_index(all_cpus, i);
        jc_reset(cpu);
        /* Write entries point at code masks that are gone. */
        tlb_flush_all(cpu);
        cpu->last_exit = NULL;
        if (cpu->running)
            cpu->limit = 0;
    }
}

/* ---------------------------------------------------------------------- */
/* Life cycle                                                              */

static const TesseraCpuModel *default_model(const TesseraArchClass *arch)
{
    const TesseraCpuModel *m = arch->models;
    if (!m)
        return NULL;
    for (const TesseraCpuModel *p = m; p->name; p++)
        if (arch->default_model && !strcmp(p->name, arch->default_model))
            return p;
    return m->name ? m : NULL;
}

Cpu *cpu_new(const TesseraArchClass *arch, const TesseraCpuModel *model,
             unsigned index)
{
    if (arch->page_bits < 6 || arch->page_bits > 30) {
        tessera_error("arch %s: page_bits %u is outside 6..30", arch->name,
                      arch->page_bits);
        return NULL;
    }
    if (arch->nb_mmu_modes > CPU_MAX_MMU_MODES) {
        tessera_error("arch %s: %u MMU modes, at most %u", arch->name,
                      arch->nb_mmu_modes, CPU_MAX_MMU_MODES);
        return NULL;
    }
    if (arch->env_size > 30 * 1024) {
        tessera_error("arch %s: env_size %zu is over 30 KiB", arch->name,
                      arch->env_size);
        return NULL;
    }
    if (!arch->translate) {
        tessera_error("arch %s has no translate callback", arch->name);
        return NULL;
    }

    size_t nb_mmu = arch->nb_mmu_modes ? arch->nb_mmu_modes : 1;
    size_t size = sizeof(struct TesseraCpu) + cpu_tlb_env_offset(arch) +
                  nb_mmu * CPU_TLB_SIZE * sizeof(TlbEntry);
    Cpu *cpu;
    if (posix_memalign((void **)&cpu, 64, size) != 0) {
        tessera_error("out of memory for cpu %u", index);
        return NULL;
    }
    memset(cpu, 0, size);
    cpu->cur_insn = -1;
    cpu->arch = arch;
    cpu->model = model ? model : default_model(arch);
    cpu->index = index;
    cpu->page_bits = arch->page_bits;
    cpu->page_mask = ~((1ull << arch->page_bits) - 1);
    cpu->nb_mmu = arch->nb_mmu_modes ? arch->nb_mmu_modes : 1;
    cpu->tlb = (TlbEntry *)(cpu->env + cpu_tlb_env_offset(arch));
    cpu->tlb_cold = g_new(TlbCold, (size_t)cpu->nb_mmu * CPU_TLB_SIZE);
    cpu->jc = g_new(TB *, CPU_JC_SIZE);
    tlb_flush_all(cpu);
    jc_reset(cpu);

    if (!all_cpus)
        all_cpus = g_ptr_array_new();
    g_ptr_array_add(all_cpus, cpu);

    if (arch->cpu_init &&
        arch->cpu_init(cpu, cpu->env, cpu->model, index) < 0) {
        cpu_free(cpu);
        return NULL;
    }
    cpu_reset(cpu);
    return cpu;
}

void cpu_free(Cpu *cpu)
{
    if (!cpu)
        return;
    if (all_cpus)
        g_ptr_array_remove(all_cpus, cpu);
    if (cpu->arch->cpu_finalize)
        cpu->arch->cpu_finalize(tessera_cpu_env(cpu));
    g_free(cpu->tlb_cold);
    g_free(cpu->jc);
    g_free(cpu->smc_tail);
    free(cpu);
}

void cpu_reset(Cpu *cpu)
{
    cpu->halted = false;
    cpu->kick = false;
    if (cpu->arch->cpu_reset)
        cpu->arch->cpu_reset(cpu->env);
    tlb_flush_all(cpu);
    mapping_changed(cpu);
}

const TesseraArchClass *cpu_arch(Cpu *cpu)
{
    return cpu->arch;
}

/* ---------------------------------------------------------------------- */
/* The loop                                                                */

/* True when tb's code lies in its PC's page and the next only. */
static bool jc_spans_near(Cpu *cpu, const TB *tb)
{
    uint64_t vpn = tb->pc >> cpu->page_bits;
    for (unsigned k = 0; k < tb->nspans; k++) {
        uint64_t d = (tb->vunit[k] >> cpu->page_bits) - vpn;
        if (d > 1)
            return false;
    }
    return true;
}

static TB *find_tb(Cpu *cpu, uint32_t cflags)
{
    uint64_t pc = cpu->pc;
    uint32_t h = cpu_jc_hash(pc);
    TB *tb = cpu->jc[h];

    engine_stats.loop_blocks++;
    if (tb_matches(tb, pc, cpu->tb_flags, cflags))
        return tb;
    engine_stats.jc_misses++;
    uint64_t phys;
    TesseraFault f = cpu_translate_code(cpu, pc, &phys);
    if (f != TESSERA_FAULT_NONE)
        cpu_fault(cpu, pc, TESSERA_ACCESS_EXEC, f);
    bool nocache = cpu->code_nocache;
    tb = tcache_find(cpu, pc, phys, cflags);
    if (tb && unlikely(nocache) && !tb->nocache) {
        /* Translated before the page's protection stopped being uniform:
         * it may run past a boundary. Make a one-instruction block. */
        tcache_invalidate_phys(phys, 1);
        cpu->end_insn = false; /* between blocks: nothing is running */
        tb = tcache_find(cpu, pc, phys, cflags);
    }
    /* One-instruction blocks for exact deadlines stay out of the jump
     * cache: the whole block is what the next lookup wants. So do blocks
     * with code outside their PC's page and the next, which
     * jc_flush_page() would not find. */
    if (tb && likely(!tb->nocache) && !(cflags & TB_CF_SINGLE) &&
        jc_spans_near(cpu, tb))
        cpu->jc[h] = tb;
    return tb;
}

static void log_block(Cpu *cpu, const TB *tb)
{
    if (log_on(TESSERA_LOG_CPU) && cpu->arch->dump_state)
        cpu->arch->dump_state(cpu->env);
    if (log_on(TESSERA_LOG_EXEC))
        tessera_log(TESSERA_LOG_EXEC,
                    "exec: cpu %u pc 0x%016" PRIx64 " phys 0x%" PRIx64
                    " flags 0x%" PRIx64 " insns %u\n",
                    cpu->index, tb->pc, tb->phys_pc, cpu->tb_flags,
                    tb->ninsns);
}

/* Runs blocks until a reason to return; re-entered after a siglongjmp. */
static void exec_loop(Cpu *cpu)
{
    const TesseraArchClass *arch = cpu->arch;

    for (;;) {
        cpu->pc_override = false;
        cpu->end_insn = false;
        cpu->cur_insn = -1;
        if (cpu->kick && !(cpu->dbg & DBG_NOIRQ)) {
            cpu->kick = false;
            uint64_t from = cpu->pc;
            if (arch->exec_interrupt && arch->exec_interrupt(cpu->env)) {
                cpu->halted = false;
                if (unlikely(tool_trap_active))
                    tool_trap(cpu, TESSERA_TOOL_TRAP_INTERRUPT, 0, from,
                              cpu->pc);
            }
        }
        uint32_t cflags = cpu->cflags;
        /* The debugger: breakpoints, single steps, watchpoint hits. */
        if (unlikely(cpu->dbg) && debug_cpu_check(cpu, &cflags))
            return;
        if (cpu->stop || cpu->halted || cpu->cycles >= cpu->end)
            return;

        TB *tb = find_tb(cpu, cflags);
        /* An exact-interrupt CPU runs no block past its deadline: near
         * it, one instruction at a time (it still runs one instruction
         * that starts before the deadline and ends after it). */
        if (tb && arch->exact_interrupts && tb->ninsns > 1 &&
            cpu->cycles + tb->ncycles > cpu->end)
            tb = find_tb(cpu, cflags | TB_CF_SINGLE);
        if (!tb) {
            cpu->last_exit = NULL;
            tessera_request_exit(1);
            return;
        }
        /* Logging a line per block means coming back after each one. */
        bool single = (log_mask & (TESSERA_LOG_EXEC | TESSERA_LOG_CPU)) != 0 ||
                      unlikely(cpu->dbg & DBG_STEP);
        if (cpu->last_exit) {
            if (!single)
                tcache_chain(cpu->last_exit, tb, cpu);
            cpu->last_exit = NULL;
        }
        if (unlikely(single))
            log_block(cpu, tb);

        cpu->limit = single || cpu->kick || cpu->stop ? 0 : cpu->end;
        cpu->cur_tb = tb;
        cpu->xcycles += (uint64_t)tb->ncycles - tb->ninsns;
        cpu->cycles += tb->ncycles;
        backend_current()->exec(cpu, tb);
    }
}

uint64_t cpu_exec(Cpu *cpu, uint64_t max_cycles)
{
    const TesseraArchClass *arch = cpu->arch;

    if (cpu->halted) {
        if (!arch->has_work || !arch->has_work(cpu->env))
            return 0;
        cpu->halted = false;
    }
    uint64_t start = cpu->cycles;
    cpu->end = start + max_cycles < start ? UINT64_MAX : start + max_cycles;
    cpu->stop = false;
    cpu->last_exit = NULL;
    cpu->running = true;
    cpu->limit = 0;
    cpu->spin_insns = cpu_insns_raw(cpu);
    cpu->spin_faults = 0;
    /* Faults and exit_loop land here with the CPU state already exact. */
    if (sigsetjmp(cpu->jmp, 0)) {
        cpu->last_exit = NULL;
        /* A trap handler that faults itself retires nothing and uses no
         * cycles: give the scheduler its turn now and then. */
        if (cpu_insns_raw(cpu) != cpu->spin_insns) {
            cpu->spin_insns = cpu_insns_raw(cpu);
            cpu->spin_faults = 0;
        } else if (++cpu->spin_faults >= 64) {
            goto out;
        }
    }
    exec_loop(cpu);
out:
    cpu->running = false;
    cpu->limit = 0;
    cpu->cur_insn = -1;
    return cpu->cycles - start;
}

void cpu_stop(Cpu *cpu)
{
    if (cpu->running) {
        cpu->stop = true;
        cpu->limit = 0;
    }
}

bool cpu_is_idle(Cpu *cpu)
{
    return cpu->halted &&
           !(cpu->arch->has_work && cpu->arch->has_work(cpu->env));
}

void cpu_irq_set(Cpu *cpu, unsigned line, int level)
{
    if (cpu->arch->irq_set)
        cpu->arch->irq_set(cpu->env, line, level);
}

/* ---------------------------------------------------------------------- */
/* The CPU as the arch sees it                                             */

void tessera_cpu_set_hot_globals(TesseraCpu *cpu, const size_t *offsets,
                                 unsigned n)
{
    if (n > CPU_MAX_HOT) {
        tessera_error("cpu %u: %u hot globals (at most %u)", cpu->index, n,
                      CPU_MAX_HOT);
        return;
    }
    for (unsigned i = 0; i < n; i++) {
        const char *why = NULL;
        if (offsets[i] & 7)
            why = "not 8-byte aligned";
        else if (offsets[i] + 8 > cpu->arch->env_size || offsets[i] > 0xffff)
            why = "past the end of env (or above 0xffff)";
        for (unsigned j = 0; j < i && !why; j++)
            if (offsets[j] == offsets[i])
                why = "listed twice";
        if (why) {
            tessera_error("cpu %u: hot global %u at env offset %zu: %s "
                          "(env is %zu bytes)", cpu->index, i, offsets[i],
                          why, cpu->arch->env_size);
            return;
        }
    }
    /* Blocks may be shared by the CPUs of an arch: one list for all. */
    for (unsigned i = 0; all_cpus && i < all_cpus->len; i++) {
        Cpu *o = g_ptr_array_index(all_cpus, i);
        bool same = o->nhot == n;
        for (unsigned k = 0; same && k < n; k++)
            same = o->hot_off[k] == offsets[k];
        if (o != cpu && o->arch == cpu->arch && !same) {
            tessera_error("cpu %u: hot globals differ from cpu %u's (one "
                          "list per arch)", cpu->index, o->index);
            return;
        }
    }
    for (unsigned i = 0; i < n; i++)
        cpu->hot_off[i] = (uint16_t)offsets[i];
    cpu->nhot = (uint8_t)n;
}

unsigned tessera_cpu_index(TesseraCpu *cpu)
{
    return cpu->index;
}

void *tessera_cpu_env(TesseraCpu *cpu)
{
    return cpu->env;
}

uint64_t tessera_cpu_get_pc(TesseraCpu *cpu)
{
    if (cpu->cur_insn >= 0 && !cpu->pc_override)
        return cpu->cur_tb->insn_pc[cpu->cur_insn];
    return cpu->pc;
}

void tessera_cpu_set_pc(TesseraCpu *cpu, uint64_t pc)
{
    cpu->pc = pc;
    cpu->pc_override = true;
}

uint64_t tessera_cpu_get_tb_flags(TesseraCpu *cpu)
{
    return cpu->tb_flags;
}

/* Chains never cross modes, but the running chain must stop. */
static void mode_changed(Cpu *cpu)
{
    if (cpu->running)
        cpu->limit = 0;
}

void tessera_cpu_set_tb_flags(TesseraCpu *cpu, uint64_t flags)
{
    if (flags != cpu->tb_flags) {
        cpu->tb_flags = flags;
        mode_changed(cpu);
    }
}

void tessera_cpu_set_code_mmu_idx(TesseraCpu *cpu, unsigned mmu_idx)
{
    if (mmu_idx >= cpu->nb_mmu) {
        tessera_error("cpu %u: code mmu index %u out of range", cpu->index,
                      mmu_idx);
        return;
    }
    if (mmu_idx != cpu->code_mmu) {
        cpu->code_mmu = mmu_idx;
        cpu->cflags = mmu_idx;
        mode_changed(cpu);
    }
}

uint64_t tessera_cpu_insns(TesseraCpu *cpu)
{
    if (cpu->cur_insn >= 0)
        return cpu_insns_raw(cpu) -
               (cpu->cur_tb->ninsns - (uint32_t)cpu->cur_insn);
    return cpu_insns_raw(cpu);
}

uint64_t tessera_cpu_cycles(TesseraCpu *cpu)
{
    if (cpu->cur_insn >= 0) {
        const TB *tb = cpu->cur_tb;
        return cpu->cycles - (tb->ncycles - tb->cycles_before[cpu->cur_insn]);
    }
    return cpu->cycles;
}

bool tessera_cpu_should_stop(TesseraCpu *cpu)
{
    /* A debugger's single step takes no interrupt: a pending one must
     * not stop the instruction either. */
    return cpu->stop || (cpu->kick && !(cpu->dbg & DBG_NOIRQ)) ||
           tessera_cpu_cycles(cpu) >= cpu->end;
}

void tessera_cpu_kick(TesseraCpu *cpu)
{
    cpu->kick = true;
    cpu->limit = 0;
    /* Kicked by its own instruction (a store to a device, a helper): an
     * exact-interrupt CPU stops right after that instruction. */
    if (cpu->arch->exact_interrupts && cpu->running && cpu->cur_insn >= 0)
        cpu->end_insn = true;
}

void tessera_cpu_halt(TesseraCpu *cpu)
{
    cpu->halted = true;
    cpu->limit = 0;
}
