/* SPDX-License-Identifier: MIT */
/*
 * Inside the execution engine: the CPU structure, the soft TLB, translated
 * blocks and the interpreter's compiled form. Shared by cpu.c, ir.c,
 * interp.c and tcache.c (and white-box unit tests); nothing else should
 * include it.
 *
 * Memory layout of a CPU: core fields, then CPU_TEMP_SLOTS 8-byte slots for
 * block temporaries, then the arch's env. Compiled operands are signed
 * 16-bit offsets from env (globals >= 0, temps < 0), so a block holds no
 * CPU pointer and can run on any CPU of its arch.
 */
#ifndef KERNEL_CPU_INTERNAL_H
#define KERNEL_CPU_INTERNAL_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tessera/arch.h>

#include "kernel/backend.h"
#include "kernel/cpu.h"
#include "kernel/ir-internal.h"

#if defined(__GNUC__)
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#else
#define likely(x) (x)
#define unlikely(x) (x)
#endif

/* ---------------------------------------------------------------------- */
/* Soft TLB                                                                */

#define CPU_TLB_BITS 9
#define CPU_TLB_SIZE (1u << CPU_TLB_BITS)
#define CPU_MAX_MMU_MODES 8

/*
 * Tags are the page's virtual address with flag bits in the page offset.
 * A fast-path compare uses an address whose low bits are zero (or, for
 * aligned accesses, hold the misalignment, which is below 8), so any flag
 * makes it miss. Flags sit above bit 2 for that reason; pages must be at
 * least 64 bytes.
 */
#define TLB_INVALID UINT64_MAX
#define TLB_FLAG_SLOW 8u  /* MMIO, ROM write, partial page: bus access */
/* Writes check the code masks first; only used when the arch's page is a
 * code page (page_bits == TC_PAGE_BITS), so page offsets of virtual and
 * physical addresses agree. Other code pages are TLB_FLAG_SLOW. */
#define TLB_FLAG_CODE 16u
/* TESSERA_PROT_NOCACHE: every access re-translates (sub-page protection). */
#define TLB_FLAG_RECHECK 32u
#define TLB_FLAGS (TLB_FLAG_SLOW | TLB_FLAG_CODE | TLB_FLAG_RECHECK)

/* Probed by every load and store: keep at 32 bytes. */
typedef struct TlbEntry {
    uint64_t tag_r;
    uint64_t tag_w;
    uintptr_t addend;         /* host address = vaddr + addend */
    const uint64_t *codemask; /* TLB_FLAG_CODE: the page's CodePage mask */
} TlbEntry;

/* Used on misses and by code lookup. */
typedef struct TlbCold {
    uint64_t tag_x;       /* virtual page for fetches, or TLB_INVALID */
    uint64_t phys_addend; /* physical address = vaddr + phys_addend */
} TlbCold;

/* ---------------------------------------------------------------------- */
/* Code pages (tcache.c): the unit of self-modifying-code tracking.        */

#define TC_PAGE_BITS 12
#define TC_PAGE_SIZE (1ull << TC_PAGE_BITS)
#define TC_GRANULE_BITS (TC_PAGE_BITS - 6) /* 64 granules per page */
#define TC_FINE_BITS 2 /* 4-byte units in the fine map */
#define TC_FINE_WORDS (TC_PAGE_SIZE >> TC_FINE_BITS >> 6)

struct TB;

/* A block with code in a CodePage: its byte range there, and the block. */
typedef struct CodeRef {
    uint32_t lo, hi;
    struct TB *tb;
} CodeRef;

/*
 * A physical page holding translated code. The coarse mask comes first:
 * write TLB entries point at it, and the fine map is reached from there.
 */
typedef struct CodePage {
    uint64_t mask;                /* 64-byte granules holding code */
    uint64_t fine[TC_FINE_WORDS]; /* 4-byte units holding code */
    /* Page offsets of the first and past the last byte of code, for the
     * test that generated code does inline (empty: lo > hi). */
    uint32_t lo, hi;
    /* Its blocks, in no order (TB.page_ref[] is each one's index): an
     * array, so that a store into code scans ranges, not a list. */
    CodeRef *refs;
    uint32_t nrefs, refs_cap;
} CodePage;

/* Whether [pa, pa + size), inside one code page, overlaps translated code
 * (4-byte precision); codemask points at a CodePage's mask. */
static inline bool tcache_code_overlap(const uint64_t *codemask, uint64_t pa,
                                       unsigned size)
{
    const CodePage *cp = (const CodePage *)codemask;
    uint32_t u0 = (uint32_t)(pa & (TC_PAGE_SIZE - 1)) >> TC_FINE_BITS;
    uint32_t u1 = (uint32_t)((pa + size - 1) & (TC_PAGE_SIZE - 1)) >>
                  TC_FINE_BITS;
    return ((cp->fine[u0 / 64] >> (u0 % 64)) |
            (cp->fine[u1 / 64] >> (u1 % 64))) & 1;
}

/* The granule test that stores to code pages do inline. */
static inline bool tcache_granule_hit(uint64_t mask, uint64_t pa,
                                      unsigned size)
{
    return ((mask >> ((pa >> TC_GRANULE_BITS) & 63)) |
            (mask >> (((pa + size - 1) >> TC_GRANULE_BITS) & 63))) & 1;
}

/* ---------------------------------------------------------------------- */
/* Compiled code (interp.c)                                                */

struct TB;
struct TBExit;

/*
 * One compiled operation: the handler's address, then operands as env
 * offsets, the guest instruction index, and an immediate whose meaning
 * depends on the handler (constant, memory offset, exit, helper...).
 */
typedef struct IOp {
    const void *h;
    int16_t d, a, b;
    uint16_t insn;
    union {
        int64_t imm;
        uint64_t uimm;
        struct TBExit *exit;
        TesseraHelper fn;
        struct {
            int16_t t, f;
        } sel;
        struct {
            int32_t disp;    /* address displacement */
            uint32_t tlboff; /* byte offset of the mmu's TLB (b = mmu) */
        } mem;
    };
} IOp;

/* ---------------------------------------------------------------------- */
/* Translated blocks (tcache.c)                                            */

/* Every exit of a block has one: its target, chain and count fix-up. */
typedef struct TBExit {
    uint64_t pc;            /* target, for goto and exit_loop */
    struct TB *next;        /* chained successor (goto only) or NULL */
    struct TB *tb;          /* the block this exit belongs to */
    struct TBExit *in_next; /* next exit chained to the same target */
    uint32_t insn_adj;      /* instructions after this exit's insn */
    uint32_t cycle_adj;     /* their pre-committed cycles */
    /* Backend-private: where a native exit's jump is, and where it goes
     * when unchained (offsets in the block's code). */
    uint32_t jmp_field, jmp_home;
} TBExit;

/* tb->cflags: the core's part of a block's key, beside the arch flags. */
#define TB_CF_MMU_MASK 0xffu    /* code MMU index */
#define TB_CF_SINGLE (1u << 8)  /* one instruction (near an exact deadline) */
#define TB_CF_DEAD (1u << 31)   /* invalidated: never matches */

typedef struct TBPage {
    uint64_t page;   /* physical code page number */
    uint32_t lo, hi; /* bytes [lo, hi) of the page hold this block's code */
    uint64_t mask;   /* granules of [lo, hi) */
} TBPage;

typedef struct TB {
    /* Key: (phys_pc, pc, flags, cflags, arch). */
    uint64_t pc;
    uint64_t flags;  /* the arch's translation flags */
    uint32_t cflags; /* TB_CF_* */
    uint64_t phys_pc;
    const TesseraArchClass *arch;

    /* Virtual units (see IRSpan) and where they mapped, for lookups. */
    uint64_t vunit[IR_MAX_SPANS];
    uint64_t punit[IR_MAX_SPANS];
    unsigned nspans;

    TBPage pages[2];
    unsigned npages;
    uint32_t page_ref[2];    /* index in each page's CodePage.refs */
    struct TB *hash_next;
    TBExit *in_list;         /* exits of other blocks chained to this one */

    uint64_t *insn_pc;       /* [ninsns] */
    uint32_t *cycles_before; /* [ninsns + 1] prefix sums of insn cycles */
    uint8_t *insn_size;      /* [ninsns] */
    TBExit *exits;
    unsigned nexits;
    uint32_t ninsns;
    uint32_t ncycles;
    /* Translated from a TESSERA_PROT_NOCACHE page: one instruction, never
     * in the jump cache nor chained to, so every run checks the fetch. */
    bool nocache;
    void *code;       /* the backend's code, at its run-time address */
    size_t code_size; /* bytes */
    uint32_t code_entry; /* where the loop enters it (after a chain entry) */
} TB;

static inline bool tb_matches(const TB *tb, uint64_t pc, uint64_t flags,
                              uint32_t cflags)
{
    return tb->pc == pc && tb->flags == flags && tb->cflags == cflags;
}

/* ---------------------------------------------------------------------- */
/* The CPU                                                                 */

/*
 * The jump cache: CPU_JC_SIZE entries in groups of CPU_JC_SUB_SIZE. The
 * bits of a PC above CPU_JC_PAGE_BITS (a "jc page" of 4 KiB) choose the
 * group, the bits below choose the entry in it, so the blocks that start
 * in one jc page all sit in one group and a page flush clears a group
 * instead of scanning the whole cache (tessera_tlb_flush_page).
 */
#define CPU_JC_BITS 14
#define CPU_JC_SIZE (1u << CPU_JC_BITS)
#define CPU_JC_PAGE_BITS 12
#define CPU_JC_SUB_BITS 8
#define CPU_JC_SUB_SIZE (1u << CPU_JC_SUB_BITS)
#define CPU_JC_GROUPS (CPU_JC_SIZE / CPU_JC_SUB_SIZE)

/* Temp area slots: fixed roles first, then block temporaries. */
#define CPU_TEMP_SLOTS 1024
#define CPU_SLOT_ZERO 0    /* always reads 0 */
#define CPU_SLOT_DISCARD 1 /* results nobody reads */
#define CPU_SLOT_SCRATCH 2 /* 14 slots for constants and narrow globals */
#define CPU_SLOT_FIRST_TEMP 16

static inline int16_t cpu_slot_offset(unsigned slot)
{
    return (int16_t)(-(int)((CPU_TEMP_SLOTS - slot) * 8));
}

/*
 * With t = pc ^ (pc >> 5): the entry in the group is t's bits 1..6 (PC
 * bits 1..6 xor 6..11, all inside the jc page), the group t's bits 12..17
 * (PC bits 12..17 xor 17..22, all above it). The native backend's inline
 * probe (emit_jc_probe) computes the same with shifts, xor, and, or.
 */
#define CPU_JC_MIX (CPU_JC_PAGE_BITS - 1 - CPU_JC_SUB_BITS)
#define CPU_JC_SUB_MASK ((uint32_t)(CPU_JC_SUB_SIZE - 1))
#define CPU_JC_GROUP_MASK ((uint32_t)(CPU_JC_SIZE - CPU_JC_SUB_SIZE))
#define CPU_JC_GROUP_SHIFT (CPU_JC_PAGE_BITS - CPU_JC_SUB_BITS)
_Static_assert(CPU_JC_MIX + CPU_JC_SUB_BITS < CPU_JC_PAGE_BITS,
               "the entry bits must stay inside the jc page");

static inline uint32_t cpu_jc_hash(uint64_t pc)
{
    uint64_t t = pc ^ (pc >> CPU_JC_MIX);
    return ((uint32_t)(t >> 1) & CPU_JC_SUB_MASK) |
           ((uint32_t)(t >> CPU_JC_GROUP_SHIFT) & CPU_JC_GROUP_MASK);
}

/* The group of the blocks that start in jc page jpage (pc >> 12). */
static inline uint32_t cpu_jc_group(uint64_t jpage)
{
    uint64_t pc = jpage << CPU_JC_PAGE_BITS;
    return cpu_jc_hash(pc) & CPU_JC_GROUP_MASK;
}

/*
 * Native code's TLB slots: in a loop, each load or store has a slot of its
 * own, checked before the TLB itself. A slot is a range of virtual
 * addresses inside one page that the access may reach directly with the
 * slot's addend: the whole page of the TLB entry it hit last, or for a
 * store to a page of code, the part of the page on one side of the code
 * (so that data next to code costs nothing). Slots are by MMU index (the
 * first CPU_SLOT_MMUS) and kind (load, store), CPU_SLOTS_PER of each,
 * handed out round robin at translation. A slot holds a range only while
 * its translation stands: TLB flushes, whole or of its page, clear it; a
 * page that turns into code clears the store slots, and so does code
 * that grows towards a store slot's side (cpu.c).
 */
#define CPU_SLOT_MMUS 4
#define CPU_SLOTS_PER 32
typedef struct TlbSlot {
    /* An access of up to 8 bytes at va hits when va - start < span
     * (unsigned): span is the range's length less 7, so no access that
     * hits leaves the range. 0: empty. */
    uint64_t start, span;
    uintptr_t addend;
    uint64_t unused; /* a slot is 32 bytes */
} TlbSlot;

/* The span of a slot for a range of len bytes (0 when under 8). */
static inline uint64_t tlb_slot_span(uint64_t len)
{
    return len >= 8 ? len - 7 : 0;
}

/* At most this many hot globals (tessera_cpu_set_hot_globals). */
#define CPU_MAX_HOT 8

struct TesseraCpu {
    /* Hot: read and written by the interpreter. */
    /* cycles - retired instructions, pre-committed at block entry like
     * cycles (cpu_insns_raw() gives the count): a block whose cycles equal
     * its instruction count (every RISC-V block) enters with one counter
     * to update, not two. */
    uint64_t xcycles;
    uint64_t cycles;
    uint64_t limit; /* block entry returns when cycles >= limit */
    TB *cur_tb;
    TlbEntry *tlb; /* [nb_mmu][CPU_TLB_SIZE] */
    TlbCold *tlb_cold;
    uint64_t page_mask; /* ~(page size - 1) */
    unsigned page_bits;
    /* The running block must stop after its current instruction (its
     * code was overwritten; an exact-interrupt CPU was kicked). */
    bool end_insn;
    bool pc_override;   /* set_pc inside a helper */
    int32_t cur_insn;   /* instruction of a helper or slow path, or -1 */
    uint64_t tb_flags;  /* the arch's translation flags */
    uint32_t cflags;    /* code_mmu (TB_CF_*) */
    TB **jc;            /* jump cache by virtual pc */
    TBExit *last_exit;  /* unchained goto that returned to the loop */
    bool code_nocache;  /* last cpu_translate_code: TESSERA_PROT_NOCACHE */
    /* tessera_cpu_set_hot_globals(): env offsets of the 8-byte globals
     * the arch's blocks use most, most used first. */
    uint16_t hot_off[CPU_MAX_HOT];
    uint8_t nhot;

    /* Loop state. */
    uint64_t pc;
    uint64_t end; /* cycle count where cpu_exec returns */
    const TesseraArchClass *arch;
    const TesseraCpuModel *model;
    unsigned index;
    unsigned nb_mmu;
    unsigned code_mmu;
    bool running, stop, kick, halted;
    uint64_t spin_insns;  /* insns at the last fault of this cpu_exec */
    unsigned spin_faults; /* faults in a row without progress */
    /* Debugger (kernel/debug.c): DBG_* bits; non-zero makes the loop
     * call debug_cpu_check() before each block. */
    uint8_t dbg;
    uint8_t dbg_watch_kind;
    uint64_t dbg_skip_pc;    /* DBG_SKIP_BP: the PC it applies to */
    uint64_t dbg_step_pc;    /* DBG_STEP: where the step started */
    uint64_t dbg_step_insns; /* and the retired count then */
    uint64_t dbg_watch_addr; /* DBG_WATCH_HIT: the address */
    IOp *smc_tail;      /* interpreter: code finishing an instruction */
    unsigned smc_tail_cap;
    sigjmp_buf jmp;

    /* Native code: the TLB slots of loops' loads and stores (above). */
    _Alignas(64) TlbSlot tlb_slot[CPU_SLOT_MMUS][2][CPU_SLOTS_PER];
    bool code_slots; /* a store slot may hold one side of a page of code */
    _Alignas(64) uint64_t temps[CPU_TEMP_SLOTS];
    _Alignas(16) unsigned char env[];
};

_Static_assert(offsetof(struct TesseraCpu, env) ==
                   offsetof(struct TesseraCpu, temps) +
                       CPU_TEMP_SLOTS * sizeof(uint64_t),
               "temps must end where env starts");

/* Instructions retired (pre-committed ones included while a block runs). */
static inline uint64_t cpu_insns_raw(const struct TesseraCpu *cpu)
{
    return cpu->cycles - cpu->xcycles;
}

/*
 * Code addresses are physical and never remapped (the arch has no
 * translate_addr): a block's lookup then vouches for every page, and
 * chained jumps may cross pages.
 */
static inline bool cpu_code_map_fixed(const struct TesseraCpu *cpu)
{
    return !cpu->arch->translate_addr;
}

/*
 * The soft TLB (cpu->tlb) follows env in the CPU's own allocation, this
 * many bytes after env's start, so that generated code reaches it from its
 * env register without loading a pointer.
 */
static inline size_t cpu_tlb_env_offset(const TesseraArchClass *arch)
{
    return (arch->env_size + 63) & ~(size_t)63;
}

/* ---------------------------------------------------------------------- */
/* Event counts (-d tb_stats prints them at exit)                          */

/* Counted on slow paths only: the loop's lookups, TLB refills and
 * flushes, code invalidation. */
typedef struct EngineStats {
    uint64_t loop_blocks;   /* blocks entered from the loop */
    uint64_t jc_misses;     /* of which the jump cache did not have */
    uint64_t hash_lookups;  /* tcache_find calls */
    uint64_t hash_steps;    /* blocks compared in hash chains */
    uint64_t tlb_fills;     /* data TLB refills (translate_addr calls) */
    uint64_t code_fills;    /* code TLB refills */
    uint64_t tlb_flushes;   /* whole-TLB flushes */
    uint64_t tlb_page_flushes;
    uint64_t code_writes;   /* stores that reached the code-range check */
    uint64_t invalidations; /* blocks invalidated */
    uint64_t code_pages;    /* pages that became code pages */
} EngineStats;

extern EngineStats engine_stats;

/* ---------------------------------------------------------------------- */
/* Functions shared inside the engine                                      */

/* cpu.c */
/* Virtual to physical for code, without raising; fills the TLB. */
TesseraFault cpu_translate_code(Cpu *cpu, uint64_t vaddr, uint64_t *phys);
/* Sets the PC and exact counters from cur_insn (if inside a block). */
void cpu_sync_state(Cpu *cpu, bool fault);
/* Enters the arch's trap for a failed access and leaves the block. */
TESSERA_NORETURN void cpu_fault(Cpu *cpu, uint64_t vaddr,
                                TesseraAccess access, TesseraFault fault);
/* Slow paths of backends' memory ops, for guest instruction insn. */
uint64_t cpu_load_slow(Cpu *cpu, unsigned insn, uint64_t vaddr,
                       unsigned memop, unsigned mmu);
void cpu_store_slow(Cpu *cpu, unsigned insn, uint64_t vaddr, uint64_t value,
                    unsigned memop, unsigned mmu);
/* IR_ATOMIC (amo >= 0, a TesseraAtomicOp) or IR_CMPXCHG (amo < 0, v is
 * the new value): returns the old value. */
uint64_t cpu_atomic(Cpu *cpu, unsigned insn, int amo, uint64_t vaddr,
                    uint64_t v, uint64_t newv, unsigned memop, unsigned mmu);
/* Tcache events every CPU must see. */
void cpu_all_tcache_flushed(void);
void cpu_all_tb_invalidated(TB *tb);
void cpu_all_code_page_added(uint64_t page);
/* A page's code grew: store slots on a side of code go (cpu->code_slots). */
void cpu_all_code_range_grew(void);

/* tcache.c */
/* The block for (phys_pc, pc, cpu mode), translating it if needed; NULL
 * after a message if the arch cannot translate it. */
TB *tcache_find(Cpu *cpu, uint64_t pc, uint64_t phys_pc, uint32_t cflags);
/* Run-time address minus write address of arena memory. */
ptrdiff_t tcache_exec_delta(void);
/* tcache_init() with an arena for host code (dual-mapped) or not. */
void tcache_init_arena(size_t budget_bytes, bool executable);
/* size bytes of the arena for code; *exec_addr is where they run. */
void *tcache_code_alloc(size_t size, void **exec_addr);
/* Chains exit x of a block of cpu's to tb when both allow it. */
void tcache_chain(TBExit *x, TB *tb, const Cpu *cpu);
/* The code page's granule mask, or NULL if the page never held code. */
const uint64_t *tcache_page_mask(uint64_t page);
/* A block whose key never matches (empty jump cache entries). */
TB *tcache_dummy_tb(void);
/* For backends' install(): exit x of tb goes to pc, from instruction
 * insn (its count fix-ups follow from the block's tables). */
void tcache_exit_init(TB *tb, TBExit *x, uint64_t pc, uint32_t insn);

#endif
