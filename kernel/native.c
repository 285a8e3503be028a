/* SPDX-License-Identifier: MIT */
/*
 * The native x86-64 backend: each IR op of a block becomes x86-64 code
 * (kernel/x86-emit.c encodes it). Guest registers and IR temps live in
 * host registers over the block ("Register allocation" below says by
 * which rules); the rest stays where the interpreter keeps it (temps in
 * the CPU's temp slots, globals in env).
 *
 * Registers while a block runs: RBX = the CPU's env (the CPU's own fields
 * are at negative offsets from it); R15 = cpu->cycles (RCYC: the
 * trampoline loads it, the epilogue and every call store it back, so C
 * code always sees the count in memory); RAX, RCX, RDX, RSI, RDI are
 * scratch within an op; RBP, R12..R14, R8..R11 hold values. Blocks run
 * below a trampoline that saves the callee-saved registers, and leave
 * through an epilogue that restores them (one shared by the blocks with
 * the same pins, see "Pin thunks"). RBP and R12..R14 hold the CPU's hot
 * globals, when its arch names them, across chained blocks ("Pinned
 * globals").
 *
 * A block's code: a chain entry (the check that the block fits under
 * cpu->limit, then the pre-commit of its instructions and cycles), the
 * body (where the CPU loop enters, having pre-committed itself), then the
 * cold code: TLB-miss paths, exits to the loop, the epilogue.
 *
 * Precise state: helper calls and slow paths set cpu->cur_insn (the slow
 * paths in cpu.c do it from the instruction index they are given). When
 * one sets cpu->end_insn, the block leaves at the next instruction
 * boundary (each instruction after one with a slow path checks), and its
 * exits do not chain onwards (cpu->limit is 0 then).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create */
#endif
#include <glib.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kernel/bus.h"
#include "kernel/cpu-internal.h"
#include "kernel/debug.h"
#include "kernel/x86-emit.h"

#if defined(__x86_64__)

#define RENV X86_RBX
#define RCYC X86_R15

/* env is the CPU's last member: its fields are at negative offsets. */
#define ENV_OFF ((int32_t)offsetof(struct TesseraCpu, env))
#define CPU_FIELD(f) \
    x86_mem(RENV, (int32_t)offsetof(struct TesseraCpu, f) - ENV_OFF)

/* ---------------------------------------------------------------------- */
/* Slow paths and helpers called from generated code                       */

/*
 * After the slow path of an access with a TLB slot (desc >> 32: its index
 * + 1, see emit_tlb_probe()), the slot takes what the TLB holds now for
 * va's page: all of it when the entry has no flag; for a store to a page
 * of code (where generated code stores only in little-endian guests with
 * the code's pages as theirs: code_page_check()), the side of the code
 * that va is on, if the store misses the code. Nothing for MMIO,
 * watchpoints and the like, which stay on the slow path.
 */
static void slot_fill(Cpu *cpu, uint64_t va, unsigned size, uint64_t desc)
{
    unsigned mmu = (desc >> 24) & 0xff;
    unsigned index = (unsigned)(desc >> 32) - 1;
    bool store = index / CPU_SLOTS_PER % 2;
    TlbSlot *s = &cpu->tlb_slot[index / CPU_SLOTS_PER / 2][store]
                               [index % CPU_SLOTS_PER];
    const TlbEntry *e = &cpu->tlb[mmu * CPU_TLB_SIZE +
                                  ((va >> cpu->page_bits) &
                                   (CPU_TLB_SIZE - 1))];
    uint64_t page = va & cpu->page_mask, tag = store ? e->tag_w : e->tag_r;
    uint64_t start = page, len = ~cpu->page_mask + 1;

    bool code = tag == (page | TLB_FLAG_CODE) && store;
    if (code) {
        const CodePage *cp = (const CodePage *)(const void *)e->codemask;
        uint64_t off = va - page;
        if (off >= cp->hi) {
            start = page + cp->hi;
            len -= cp->hi;
        } else if (off + size <= cp->lo) {
            len = cp->lo;
        } else {
            return;
        }
    } else if (tag != page) {
        return;
    }
    s->start = start;
    s->addend = e->addend;
    s->span = tlb_slot_span(len);
    cpu->code_slots |= code;
}

/* desc: insn | memop << 16 | mmu << 24 | (slot + 1) << 32 (0: none) */
static uint64_t native_load_slow(Cpu *cpu, uint64_t va, uint64_t desc)
{
    uint64_t v = cpu_load_slow(cpu, desc & 0xffff, va, (desc >> 16) & 0xff,
                               (desc >> 24) & 0xff);
    if (desc >> 32)
        slot_fill(cpu, va, (desc >> 16) & TESSERA_MO_SIZE_MASK, desc);
    return v;
}

static void native_store_slow(Cpu *cpu, uint64_t va, uint64_t v,
                              uint64_t desc)
{
    unsigned memop = (desc >> 16) & 0xff, mmu = (desc >> 24) & 0xff;
    unsigned size = memop & TESSERA_MO_SIZE_MASK;
    const TlbEntry *e = &cpu->tlb[mmu * CPU_TLB_SIZE +
                                  ((va >> cpu->page_bits) &
                                   (CPU_TLB_SIZE - 1))];
    uint64_t cmp = (memop & TESSERA_MO_ALIGN)
                       ? va & (cpu->page_mask | (size - 1))
                       : (va + size - 1) & cpu->page_mask;

    /* A code page, but no translated code under these bytes. */
    if ((e->tag_w ^ TLB_FLAG_CODE) == cmp &&
        (!tcache_granule_hit(*e->codemask, va, size) ||
         !tcache_code_overlap(e->codemask, va, size))) {
        if (desc >> 32)
            slot_fill(cpu, va, size, desc);
        uint64_t x = v;
        if (cpu->arch->big_endian)
            x = size == 2   ? __builtin_bswap16((uint16_t)x)
                : size == 4 ? __builtin_bswap32((uint32_t)x)
                : size == 8 ? __builtin_bswap64(x)
                            : x;
        memcpy((void *)(uintptr_t)(va + e->addend), &x, size);
        return;
    }
    cpu_store_slow(cpu, desc & 0xffff, va, v, memop, mmu);
    if (desc >> 32)
        slot_fill(cpu, va, size, desc);
}

/* desc: insn | memop << 16 | mmu << 24 | (amo + 1) << 32 (0: cmpxchg) */
static uint64_t native_atomic(Cpu *cpu, uint64_t va, uint64_t v,
                              uint64_t newv, uint64_t desc)
{
    int amo = (int)((desc >> 32) & 0xff) - 1;
    return cpu_atomic(cpu, desc & 0xffff, amo, va, v, newv,
                      (desc >> 16) & 0xff, (desc >> 24) & 0xff);
}

/* The rare ops go through the optimiser's evaluation rules. */
static uint64_t native_binop(uint64_t op_w, uint64_t x, uint64_t y)
{
    TesseraWidth w = (op_w >> 8) == IR_W32S ? TESSERA_I32
                                            : (TesseraWidth)(op_w >> 8);
    uint64_t r = ir_eval_binop((TesseraBinop)(op_w & 0xff), w, x, y);
    return (op_w >> 8) == IR_W32S ? (uint64_t)(int64_t)(int32_t)r : r;
}

static uint64_t native_unop(uint64_t op_w, uint64_t x)
{
    TesseraWidth w = (op_w >> 8) == IR_W32S ? TESSERA_I32
                                            : (TesseraWidth)(op_w >> 8);
    uint64_t r = ir_eval_unop((TesseraUnop)(op_w & 0xff), w, x);
    return (op_w >> 8) == IR_W32S ? (uint64_t)(int64_t)(int32_t)r : r;
}

static uint64_t native_carry(uint64_t op_bits, uint64_t a, uint64_t b,
                             uint64_t cin)
{
    return ir_eval_carry((TesseraCarryOp)(op_bits & 0xff),
                         (unsigned)(op_bits >> 8), a, b, cin);
}

/* ---------------------------------------------------------------------- */
/* The compiler                                                            */

/* What install() fills in once the block has its address. */
typedef enum PatchKind { PATCH_TB, PATCH_EXIT } PatchKind;

typedef struct Patch {
    size_t off; /* of an 8-byte immediate */
    PatchKind kind;
    unsigned index; /* exit number */
} Patch;

typedef struct NExit {
    uint64_t pc;
    uint32_t insn;
    size_t jmp_field; /* rel32 of a chainable goto, or SIZE_MAX */
    size_t home;      /* where that jump goes when unchained */
} NExit;

/* The registers values may live in (see "Register allocation"). */
#define NREGS 8
static const X86Reg alloc_regs[NREGS] = {
    X86_RBP, X86_R12, X86_R13, X86_R14, /* callee-saved */
    X86_R9, X86_R10, X86_R11, X86_R8,   /* caller-saved */
};
/* The caller-saved ones, R8..R11 (consecutive). */
#define NVOL 4
#define VOLATILE_MASK ((1u << X86_R8) | (1u << X86_R9) | (1u << X86_R10) | \
                       (1u << X86_R11))
/* Up to this many of them are kept for temps when a block needs them:
 * all (measured, callgrind: AVR's flag and byte-chain blocks run 2% fewer
 * host instructions than with 5; RISC-V blocks rarely need 5). */
#define MAX_TEMP_REGS NREGS

/* Hot globals pinned to the first PIN_MAX of alloc_regs across chained
 * blocks (see "Pinned globals"): only the callee-saved ones qualify. */
#define PIN_MAX 4

/* Code placed after the body. */
typedef enum ColdKind { COLD_LOAD, COLD_STORE, COLD_END_INSN } ColdKind;

typedef struct Cold {
    ColdKind kind;
    size_t from;  /* rel32 field of the jump that leads here */
    size_t back;  /* where to continue (loads, stores) */
    uint64_t desc;
    unsigned insn; /* COLD_END_INSN: the instruction to continue at */
    uint16_t dirty; /* N.dirty at the jump */
    X86Reg reg; /* loads: the destination; stores: the value */
    X86Reg abase; /* loads and stores: the address is abase + adisp */
    int32_t adisp;
    TesseraVal dst; /* loads: v0 */
    /* Loads and stores that end their instruction: the next one's
     * index (the slow path checks end_insn itself) and N.dirty there;
     * else -1. */
    int32_t end_next;
    uint16_t dirty_next;
    int32_t vol_temp[NVOL]; /* temps to keep in R8..R11 (or -1) */
    bool keep; /* give RDI and RCX back as the probe left them (N.kp) */
} Cold;


/* A load's or store's TLB slot missed (see emit_tlb_probe()): the fill
 * stub after the body probes the TLB and copies a hit into the slot. */
typedef struct SlotFill {
    size_t from;      /* rel32 field of the jump that leads here */
    size_t back;      /* the access */
    unsigned cold;    /* the slow path, for a TLB miss */
    int32_t slot;     /* the slot's displacement from RBX */
} SlotFill;

typedef struct GUse {
    TesseraVal v;
    uint16_t reads, writes;
    int gain; /* memory accesses a register saves (see plan_registers) */
    bool overlaps;
    bool set_first; /* written before read, before any branch: no load */
    bool pinned;    /* a pinned global (see "Pinned globals") */
} GUse;

/* By env offset (env is at most 30 KiB): the block's GUse that starts
 * there, and the global kept in a register there. */
#define GTAB_SIZE 32768
typedef struct GEntry {
    uint32_t stamp, regstamp;
    TesseraVal regval;
    uint16_t use;
    uint8_t span; /* the widest view that starts here, in bytes */
    int8_t reg;
} GEntry;
static GEntry GTab[GTAB_SIZE];
/*
 * The growing lists of a block's compilation: GArray's data and len
 * fields, so that g_array_index() reads them, appended to inline
 * (g_array_append_vals() cost some 70 host instructions a call, half a
 * million calls in a Linux boot). Emptied per block, never shrunk.
 */
typedef struct NArray {
    gchar *data;
    guint len, cap; /* in elements */
    guint esize;
} NArray;

static NArray *narray_new(guint esize)
{
    NArray *a = g_new0(NArray, 1);
    a->esize = esize;
    return a;
}

static __attribute__((noinline)) void narray_grow(NArray *a)
{
    a->cap = a->cap ? a->cap * 2 : 64;
    a->data = g_realloc(a->data, (gsize)a->cap * a->esize);
}

/* Appends the n elements at v (of a's element size, esize). */
static inline void narray_put(NArray *a, const void *v, guint n, gsize esize)
{
    while (a->len + n > a->cap)
        narray_grow(a);
    memcpy(a->data + (gsize)a->len * esize, v, (gsize)n * esize);
    a->len += n;
}
#define narray_append(a, v, n) narray_put((a), (v), (n), sizeof(*(v)))

#define G_MAX 4096 /* GUses per block (IR_MAX_OPS ops of 5 operands at most
                      would be more: the rest stay in env) */

static struct {
    X86Buf b;
    uint8_t *mem;
    size_t cap;
    const TesseraIR *ir;
    const int16_t *slot_of;
    int16_t *zero_slots; /* all 0, for blocks without temps */
    size_t zero_slots_cap;
    size_t *label_pos;
    NArray *fix_label; /* pairs (rel32 field, label) */
    NArray *patches;   /* Patch */
    NArray *exits;     /* NExit */
    NArray *colds;     /* Cold */
    NArray *to_epilogue; /* rel32 fields that jump to the epilogue */
    NArray *fills;     /* SlotFill: TLB slots' fill stubs */
    size_t entry;      /* offset of the body */
    size_t body;       /* after the entry's loads: where a self-loop goes */
    bool self_loop;    /* gotos to the block's own start jump to body */
    bool loop_body;    /* part of a loop (loop_body()): TLB slots */
    uint16_t d0;       /* N.dirty at body (see emit_self_loop) */
    /* A self-loop goto whose stub (ops sink_from..) runs only on the way
     * out (plan_loop_stub), UINT32_MAX if none; loop_checked: its limit
     * check has been emitted at sink_from. */
    uint32_t sink_from, sink_goto;
    bool loop_checked;
    uint32_t skip_op;  /* an op an earlier one did (setcond_to_global) */
    /* The guard at the start of a self-loop whose stub is sunk past it
     * (plan_loop_stub), UINT32_MAX if none. */
    uint32_t guard;
    /* Constants written to globals in env in such a loop's body, written
     * only on its ways out instead (plan_sunk_consts()). */
    uint32_t sunk[8];
    unsigned nsunk;
    uint64_t *insn_pc; /* by instruction */
    uint32_t *cycles_before;
    uint32_t ninsns, ncycles;
    /* The value RAX holds as the last op stored it (a temp or an 8-byte
     * global kept in memory), or TESSERA_IR_NONE: the next op need not
     * load it again. */
    TesseraVal rax_val;
    /* The last TLB probe, while RDI still holds its entry's index (and
     * RCX, if rcx, the value its tag was compared with): a later access
     * to the same address (base value, displacement, size, alignment,
     * MMU) only compares its own tag (see emit_tlb_probe()). */
    struct {
        bool valid, rdi, rcx, rdx;
        TesseraVal base;
        uint64_t disp;
        uint8_t memop, mmu;
        unsigned cold; /* the probe's slow path (it must give them back) */
    } kp;

    /* Register allocation (plan_registers()). */
    unsigned ng;                  /* globals kept in registers */
    TesseraVal gval[NREGS];       /* their handles */
    X86Reg greg[NREGS];           /* and registers */
    int8_t *treg;                 /* by temp: its register, or -1 */
    uint8_t *twidth;              /* by temp: its values are below 2^w */
    uint32_t *tfirst, *tlast;     /* by temp: first and last op mention */
    uint32_t ntemps_cap;
    bool temps;                   /* the block mentions a temp */
    uint32_t stamp;               /* of GTab entries of this block */
    bool odd_globals;             /* some global not 8-byte aligned */
    bool loops;                   /* a goto to b->pc (and not nocache) */
    int *delta;
    GUse u[G_MAX];
    /* While emitting: the op, the temp each register last held, the
     * registers of globals that may differ from env on some path here,
     * whether the code here is reachable, and by label the dirty
     * registers of the branches to it. */
    uint16_t entry_load; /* global registers loaded at the body's entry */
    X86Reg abase;        /* the current load or store's address: */
    int32_t adisp;       /* abase + adisp */
    uint32_t cur_op;
    uint32_t carry_twin; /* the op that finds its carry sum in RDI */
    int32_t exit_cycles; /* add_cycles folded into the next goto */
    X86Reg twin_reg;     /* where carry_twin's sum is, if not RDI */
    int32_t reg_temp[16];
    uint16_t dirty;
    bool reachable;
    uint16_t *label_dirty;
    bool *label_slow; /* by label: a branch to it follows a slow op in
                         the same instruction */
    uint32_t labels_cap, insns_cap, delta_cap; /* of the arrays above */

    /* Pinned globals (plan_registers()): how many, their handles and
     * registers; the pin registers that hold their global in this block
     * (pin_live), those that stand aside because the block uses other
     * views of its bytes (pin_out: the global is in env meanwhile), all
     * of them, and the live ones the block does not mention. */
    unsigned npin;
    TesseraVal pinval[PIN_MAX];
    X86Reg pinreg[PIN_MAX];
    uint16_t pin_live, pin_out, pin_all, pin_foreign;
    uint64_t pin_offs; /* their env offsets, 16 bits each (pin thunks) */
    size_t loop_entry; /* where the loop enters: loads the pins */
    /* A self-loop's closing branch whose way out is emitted after the
     * body (loop_branch()): ops defer_lo..defer_hi, entered by the jcc
     * at defer_jcc with defer_dirty; defer_lo is UINT32_MAX if none. */
    uint32_t defer_lo, defer_hi;
    size_t defer_jcc;
    uint16_t defer_dirty;
} N;

static void *trampoline;
/* The host has BMI2 (rorx): probed before the first block is compiled. */
static bool host_bmi2;

static void jmp_to_epilogue(void)
{
    size_t f = x86_jmp(&N.b);
    narray_append(N.to_epilogue, &f, 1);
}

static void movabs_patch(X86Reg r, PatchKind kind, unsigned index)
{
    Patch p = {x86_movabs(&N.b, r, 0), kind, index};
    narray_append(N.patches, &p, 1);
}

/*
 * cpu->cur_tb is only read while a helper or slow path runs (precise
 * state, SMC of the running block), so blocks set it there, not at entry.
 */
static void set_cur_tb(void)
{
    movabs_patch(X86_RAX, PATCH_TB, 0);
    x86_store(&N.b, 8, CPU_FIELD(cur_tb), X86_RAX);
}

static void call_fn(const void *fn)
{
    /* C code reads cpu->cycles (precise state, timers, faults). */
    x86_store(&N.b, 8, CPU_FIELD(cycles), RCYC);
    x86_movabs(&N.b, X86_RAX, (uint64_t)(uintptr_t)fn);
    x86_call_r(&N.b, X86_RAX);
}

/* r = the CPU (env is its last member). */
static void cpu_arg(X86Reg r)
{
    x86_lea(&N.b, 8, r, x86_mem(RENV, -ENV_OFF));
}

/* ---------------------------------------------------------------------- */
/* Register allocation                                                     */

/*
 * Values live in the 8 registers of alloc_regs for a whole block or part
 * of it; everything else stays where the interpreter keeps it. The rules:
 *
 *  - Globals: a guest register the block mentions is kept in a host
 *    register for the whole block when no other view of its bytes (another
 *    offset, size or signedness that overlaps them) is mentioned in the
 *    block, so one register never has to agree with another. They are
 *    ranked by what a register saves: mentions, less one load at entry if
 *    it is read and one store at the exit if it is written; those that
 *    save nothing stay in env. Callee-saved registers go first, and the
 *    temps keep as many registers as they need at once, up to
 *    MAX_TEMP_REGS. A narrow global's register holds the value a read
 *    gives (zero- or sign-extended); writes extend into it.
 *  - They are loaded at the body's entry (the loop and chained blocks
 *    both come through it), except one the block writes before it reads
 *    it and before its first branch. They are written back to env only
 *    where something may look at env: at every exit, before a helper that may read or
 *    write globals or raise (any flags short of NO_READ | NO_WRITE |
 *    NO_RAISE), on the out-of-line slow path of a memory operation (it may
 *    fault, and a fault must see every guest register as the interpreter
 *    would), and where a slow path asked the block to stop (end_insn).
 *    After a helper that may write globals, they are loaded again.
 *  - Only the ones that may differ from env are written back: N.dirty is
 *    the set of such registers at the current op. Branches only go
 *    forward, so the set at a label is the union of the sets of the
 *    branches to it and of the fall-through (when reachable): exact
 *    enough, and a register whose value equals env's may be written back
 *    for nothing, never one that differs be forgotten.
 *  - Temps: linear scan over op order with the registers the globals left,
 *    interval [first mention, last mention] (branches go forward, so it
 *    covers every path from definition to use). A register is free again
 *    after the op of its temp's last mention, so within an op no temp
 *    shares a register with another. The rest use their CPU temp slots.
 *  - Calls clobber R8..R11: around a helper or a slow path, a live temp
 *    there is stored in its slot and loaded back, and a global there is
 *    written back if dirty and loaded again. Ops work in the scratch
 *    registers RAX, RCX, RDX, RSI, RDI, which hold nothing between
 *    ops (but see rax_val).
 */

static int cmp_guse_gain(const void *a, const void *b)
{
    const GUse *x = a, *y = b;
    if (x->gain != y->gain)
        return x->gain > y->gain ? -1 : 1;
    return x->v < y->v ? -1 : x->v > y->v;
}

/* Does op write its v0 (rather than read it, or have none)? */
static bool writes_v0(const IROp *op)
{
    switch ((IROpc)op->opc) {
    case IR_MOV: case IR_BINOP: case IR_UNOP: case IR_SETCOND:
    case IR_SELECT: case IR_LOAD: case IR_CALL: case IR_CARRY:
    case IR_EXTRACT: case IR_DEPOSIT: case IR_ATOMIC: case IR_CMPXCHG:
        return true;
    default:
        return false;
    }
}

/* How many of op's operands v[0..] can be in use (see IROpc); the
 * others are TESSERA_IR_NONE. */
static unsigned nvals(const IROp *op)
{
    static const uint8_t n[IR_NB_OPC] = {
        [IR_MOV] = 2,     [IR_BINOP] = 3,   [IR_UNOP] = 2,
        [IR_SETCOND] = 3, [IR_SELECT] = 5,  [IR_LOAD] = 2,
        [IR_STORE] = 2,   [IR_BRCOND] = 3,  [IR_CARRY] = 4,
        [IR_EXTRACT] = 2, [IR_DEPOSIT] = 3, [IR_ATOMIC] = 3,
        [IR_CMPXCHG] = 4, [IR_GOTO_DYN] = 2,
    };
    if (op->opc == IR_CALL)
        return 1 + op->aux;
    return op->opc < IR_NB_OPC ? n[op->opc] : 5;
}

static X86Reg reg_of(TesseraVal v);

/*
 * Value widths: every value of v is below 2^width_of(v). A temp's width
 * is the widest of its definitions (each use sees only definitions before
 * it, as branches go forward, so the widest of all is never too narrow).
 * Code that masks or zero-extends skips it when the width says it changes
 * nothing (AVR's flags and 8-bit registers).
 */
static unsigned width_of(TesseraVal v)
{
    switch (ir_val_kind(v)) {
    case IR_VK_TEMP:
        return N.twidth[IR_VAL_INDEX(v)];
    case IR_VK_CONST: {
        uint64_t c = ir_const_value(N.ir, v);
        return c ? 64 - (unsigned)__builtin_clzll(c) : 0;
    }
    case IR_VK_GLOBAL:
        return ir_global_is_narrow(v) && !ir_global_is_signed(v)
                   ? 8 * ir_global_size(v) : 64;
    default:
        return 0;
    }
}

static unsigned min_u(unsigned a, unsigned b)
{
    return a < b ? a : b;
}

static unsigned max_u(unsigned a, unsigned b)
{
    return a > b ? a : b;
}

/* The width of what op writes to v0. */
static unsigned result_width(const IROp *op)
{
    unsigned top = op->width == TESSERA_I32 ? 32 : 64;
    unsigned a = width_of(op->v[1]), b = width_of(op->v[2]);
    switch ((IROpc)op->opc) {
    case IR_MOV:
        return min_u(a, top);
    case IR_SETCOND:
        return 1;
    case IR_CARRY:
        return op->sub == TESSERA_ADDC || op->sub == TESSERA_SUBC ? op->aux
                                                                  : 1;
    case IR_EXTRACT:
        return op->sub ? top : min_u(op->aux2, top);
    case IR_LOAD:
        return op->memop & TESSERA_MO_SIGN
                   ? 64 : 8 * (op->memop & TESSERA_MO_SIZE_MASK);
    case IR_UNOP:
        switch (op->sub) {
        case TESSERA_EXT8U: return 8;
        case TESSERA_EXT16U: return 16;
        case TESSERA_EXT32U: return 32;
        default: return op->width == IR_W32S ? 64 : top;
        }
    case IR_BINOP:
        if (op->width == IR_W32S)
            return 64;
        switch (op->sub) {
        case TESSERA_AND: return min_u(min_u(a, b), top);
        case TESSERA_OR:
        case TESSERA_XOR: return min_u(max_u(a, b), top);
        case TESSERA_ADD: return min_u(max_u(a, b) + 1, top);
        case TESSERA_SHR:
            if (ir_val_kind(op->v[2]) == IR_VK_CONST) {
                unsigned n = (unsigned)ir_const_value(N.ir, op->v[2]) &
                             (top - 1);
                a = min_u(a, top);
                return a > n ? a - n : 0;
            }
            return top;
        default: return top;
        }
    default:
        return 64;
    }
}

/* Binops whose code loads v1 into the destination's register first
 * (emit_binop), so the destination may share v1's register. */
static bool reuse_src_binop(unsigned sub)
{
    switch ((TesseraBinop)sub) {
    case TESSERA_ADD: case TESSERA_SUB: case TESSERA_MUL:
    case TESSERA_AND: case TESSERA_OR: case TESSERA_XOR:
    case TESSERA_SHL: case TESSERA_SHR: case TESSERA_SAR:
    case TESSERA_ROTL: case TESSERA_ROTR:
        return true;
    default:
        return false;
    }
}

/*
 * Pinned globals: the first PIN_MAX of the CPU's hot globals
 * (tessera_cpu_set_hot_globals) live in RBP, R12, R13, R14 for as long as
 * generated code runs, across chained blocks: the loop's entry into a
 * block loads them (the pins' trampoline, else a stub at loop_entry), and
 * only the epilogue (every return to the loop) writes them to env. In
 * between they are globals kept in registers like the others, and dirty
 * from the body's start on (an earlier block may have changed them):
 * written back before a helper and on the slow path of a memory
 * operation, reloaded after a helper that may write them (both in a
 * thunk, see "Pin thunks"); but a chained exit leaves them where they
 * are. Helper
 * flags speak of the globals the block uses, so the pins a block does not
 * mention (pin_foreign) are written back before every helper and loaded
 * again after it. A block that uses another view of a pin's bytes (an
 * overlapping or narrower global) works on env instead: its chain entry
 * writes the pin to env, and its chained exits load it back (pin_out).
 * Pin registers are callee-saved (checked here), so calls keep them and
 * nothing saves them around a call: a caller-saved one (R8..R11) would
 * come back from any helper or slow path with the C code's value in it.
 */
/* How many pins cpu has, and their env offsets (as N.pin_offs). */
static unsigned cpu_pins(const Cpu *cpu, uint64_t *offs)
{
    unsigned k = 0;
    *offs = 0;
    for (; cpu && k < cpu->nhot && k < PIN_MAX; k++) {
        if (cpu->hot_off[k] >= GTAB_SIZE - 8)
            break; /* never kept in registers */
        *offs |= (uint64_t)cpu->hot_off[k] << (16 * k);
    }
    return k;
}

static void plan_pins(const TesseraIR *b, unsigned nu)
{
    N.pin_live = N.pin_out = N.pin_all = N.pin_foreign = 0;
    unsigned npin = cpu_pins(b->cpu, &N.pin_offs);
    N.npin = 0;
    for (unsigned k = 0; k < npin; k++) {
        unsigned off = (unsigned)(N.pin_offs >> 16 * k & 0xffff);
        TesseraVal pv = ir_make_val(IR_VK_GLOBAL, off);
        uint16_t bit = (uint16_t)(1u << alloc_regs[k]);
        g_assert(!(bit & VOLATILE_MASK));
        /* The block's GUses are all in GTab unless there were too many. */
        bool out = nu == G_MAX, seen = false;
        /* Views at off + 1 .. off + 7 exist only if some global of the
         * block is not 8-byte aligned. */
        unsigned end = N.odd_globals ? off + 8 : off + 1;
        for (unsigned o = off; o < end && !out; o++) {
            if (GTab[o].stamp != N.stamp)
                continue;
            GUse *gu = &N.u[GTab[o].use];
            if (o == off && gu->v == pv && !gu->overlaps) {
                gu->pinned = true;
                seen = true;
            } else {
                out = true;
            }
        }
        N.pinval[k] = pv;
        N.pinreg[k] = alloc_regs[k];
        N.pin_all |= bit;
        if (out) {
            N.pin_out |= bit;
        } else {
            N.pin_live |= bit;
            if (!seen)
                N.pin_foreign |= bit;
        }
        N.npin++;
    }
}

/* Stores (loads) the pins whose registers are in mask to (from) env. */
static void store_pins(uint16_t mask)
{
    for (unsigned k = 0; k < N.npin; k++)
        if (mask & (1u << N.pinreg[k]))
            x86_store(&N.b, 8, x86_mem(RENV, (int32_t)IR_GLOBAL_OFFSET(
                                                 N.pinval[k])),
                      N.pinreg[k]);
}

static void load_pins(uint16_t mask)
{
    for (unsigned k = 0; k < N.npin; k++)
        if (mask & (1u << N.pinreg[k]))
            x86_load(&N.b, 8, N.pinreg[k],
                     x86_mem(RENV, (int32_t)IR_GLOBAL_OFFSET(N.pinval[k])));
}

/*
 * Pin thunks. A pin is dirty from the body's start on, so every slow path
 * and every helper call would store up to four pins to env before the
 * call (a fault leaves by siglongjmp, and C code may read guest
 * registers), and a helper that may write globals would load them again
 * after it: up to 32 bytes a site. Such a call goes through a thunk that
 * does these stores and loads and calls the C function instead: the same
 * bytes at the site as a direct call (the thunk's address instead of the
 * function's), one thunk per callee, pins and masks, shared by every
 * block. Pins live in callee-saved registers, so the call itself keeps
 * them. What env holds when C code runs is what it was with the stores
 * at the site.
 *
 * Two more thunks of the same kind serve the loop's entry and exit: the
 * pins' trampoline (make_trampoline()'s code, then the pins from env) and
 * a shared epilogue by live pins (the pins to env, then undo the
 * trampoline's frame), so that blocks need neither a loop-entry stub nor
 * an epilogue of their own (some 50 bytes a block with four pins).
 *
 * Thunks are made on first use, in a dual-mapped region of their own
 * (written through one mapping, run through the other, as the arena is),
 * and never freed nor rewritten; code_written makes the next entry from
 * the loop serialize first, before any block that calls a new one runs.
 * If the region cannot be had or is full, the stores and loads stay at
 * the call site.
 */
/*
 * The frame generated code runs in. native_exec() calls the trampoline
 * as run(cpu, env, code), so RSI = env and RDX = code: the callee-saved
 * registers are saved, RSP is 16-byte aligned for calls, RBX = env and
 * RCYC = cpu->cycles. Leaving it stores the count back and returns to
 * the loop.
 */
static void emit_frame_enter(X86Buf *b)
{
    x86_push(b, X86_RBP);
    x86_push(b, X86_RBX);
    x86_push(b, X86_R12);
    x86_push(b, X86_R13);
    x86_push(b, X86_R14);
    x86_push(b, X86_R15);
    x86_alu_ri(b, X86_SUB, 8, X86_RSP, 8);
    x86_mov_rr(b, 8, RENV, X86_RSI);
    x86_load(b, 8, RCYC, CPU_FIELD(cycles));
}

static void emit_frame_leave(X86Buf *b)
{
    x86_store(b, 8, CPU_FIELD(cycles), RCYC);
    x86_alu_ri(b, X86_ADD, 8, X86_RSP, 8);
    x86_pop(b, X86_R15);
    x86_pop(b, X86_R14);
    x86_pop(b, X86_R13);
    x86_pop(b, X86_R12);
    x86_pop(b, X86_RBX);
    x86_pop(b, X86_RBP);
    x86_ret(b);
}

#define THUNK_SPACE (64u << 10)
/* Not functions: the shared epilogue and trampoline (see emit_block). */
#define THUNK_EPILOGUE 1u
#define THUNK_TRAMPOLINE 2u

typedef struct ThunkKey {
    uintptr_t fn; /* or THUNK_EPILOGUE, THUNK_TRAMPOLINE */
    uint64_t offs; /* N.pin_offs */
    uint8_t store, load; /* by pin index */
} ThunkKey;

/* Open addressing, by thunk_slot(): looked up at every call site while
 * compiling, so no GHashTable call. Half full at most. */
#define THUNK_SLOTS 4096

typedef struct ThunkSlot {
    ThunkKey k;
    void *t; /* run-time address, NULL: empty */
} ThunkSlot;

static struct {
    uint8_t *w;      /* written through this mapping */
    ptrdiff_t delta; /* run-time address - written address */
    size_t used;
    unsigned count;
    bool tried;
    ThunkSlot *slot; /* [THUNK_SLOTS], NULL until the region is mapped */
} Th;

/* Set by every write of code (see sync_core). */
static bool code_written;

/* The slot of k, or the empty one where it would go. */
static ThunkSlot *thunk_slot(const ThunkKey *k)
{
    uint64_t h = (k->fn ^ k->offs * 0x9e3779b97f4a7c15ull) +
                 ((uint64_t)k->store << 8 | k->load);
    h *= 0xff51afd7ed558ccdull;
    for (unsigned i = (unsigned)(h >> 32);; i++) {
        ThunkSlot *e = &Th.slot[i & (THUNK_SLOTS - 1)];
        if (!e->t || (e->k.fn == k->fn && e->k.offs == k->offs &&
                      e->k.store == k->store && e->k.load == k->load))
            return e;
    }
}

static bool thunk_map(void)
{
    Th.tried = true;
    int fd = memfd_create("tessera-thunks", MFD_CLOEXEC);
    if (fd < 0)
        return false;
    void *w = MAP_FAILED, *x = MAP_FAILED;
    if (ftruncate(fd, THUNK_SPACE) == 0) {
        w = mmap(NULL, THUNK_SPACE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
                 0);
        x = mmap(NULL, THUNK_SPACE, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
    }
    close(fd);
    if (w == MAP_FAILED || x == MAP_FAILED) {
        if (w != MAP_FAILED)
            munmap(w, THUNK_SPACE);
        if (x != MAP_FAILED)
            munmap(x, THUNK_SPACE);
        return false;
    }
    Th.w = w;
    Th.delta = (uint8_t *)x - (uint8_t *)w;
    Th.slot = g_new0(ThunkSlot, THUNK_SLOTS);
    return true;
}

static X86Mem thunk_pin_mem(const ThunkKey *k, unsigned i)
{
    return x86_mem(RENV, (int32_t)(k->offs >> 16 * i & 0xffff));
}

/* The thunk for k, made if needed; NULL if there is no room. */
static void *thunk_get(const ThunkKey *k)
{
    if (!Th.slot && (Th.tried || !thunk_map()))
        return NULL;
    ThunkSlot *e = thunk_slot(k);
    if (e->t)
        return e->t;
    if (Th.count >= THUNK_SLOTS / 2)
        return NULL; /* full */
    X86Buf b;
    x86_buf_init(&b, Th.w + Th.used, THUNK_SPACE - Th.used);
    if (k->fn == THUNK_TRAMPOLINE) {
        /* make_trampoline()'s, and the pins from env. */
        emit_frame_enter(&b);
    }
    for (unsigned i = 0; i < PIN_MAX; i++)
        if (k->store & (1u << i))
            x86_store(&b, 8, thunk_pin_mem(k, i), alloc_regs[i]);
    if (k->fn == THUNK_EPILOGUE) {
        emit_frame_leave(&b);
    } else if (k->fn == THUNK_TRAMPOLINE) {
        for (unsigned i = 0; i < PIN_MAX; i++)
            if (k->load & (1u << i))
                x86_load(&b, 8, alloc_regs[i], thunk_pin_mem(k, i));
        x86_jmp_r(&b, X86_RDX);
    } else if (!k->load) {
        x86_movabs(&b, X86_RAX, k->fn);
        x86_jmp_r(&b, X86_RAX);
    } else {
        /* Entered with RSP 8 off a multiple of 16. */
        x86_alu_ri(&b, X86_SUB, 8, X86_RSP, 8);
        x86_movabs(&b, X86_RAX, k->fn);
        x86_call_r(&b, X86_RAX);
        x86_alu_ri(&b, X86_ADD, 8, X86_RSP, 8);
        for (unsigned i = 0; i < PIN_MAX; i++)
            if (k->load & (1u << i))
                x86_load(&b, 8, alloc_regs[i], thunk_pin_mem(k, i));
        x86_ret(&b);
    }
    if (b.overflow)
        return NULL; /* full */
    e->k = *k;
    e->t = Th.w + Th.used + Th.delta;
    Th.used += (x86_buf_offset(&b) + 15) & ~(size_t)15;
    Th.count++;
    code_written = true;
    return e->t;
}

/*
 * What to call for fn when the registers in *store are to be written to
 * env before it and those in *load loaded from env after it: a thunk that
 * does it for the pins among them (taken out of both masks), or fn itself
 * (no pins among them, or no thunk to be had: the masks stay).
 */
static const void *pin_thunk(const void *fn, uint16_t *store, uint16_t *load)
{
    ThunkKey k = {(uintptr_t)fn, N.pin_offs, 0, 0};
    for (unsigned i = 0; i < N.npin; i++) {
        uint16_t bit = (uint16_t)(1u << N.pinreg[i]);
        if (!(N.pin_live & bit))
            continue;
        k.store |= (uint8_t)((*store & bit) ? 1u << i : 0);
        k.load |= (uint8_t)((*load & bit) ? 1u << i : 0);
    }
    if (!k.store && !k.load)
        return fn;
    void *t = thunk_get(&k);
    if (!t)
        return fn;
    for (unsigned i = 0; i < N.npin; i++) {
        if (N.pin_live & (1u << N.pinreg[i])) {
            *store &= (uint16_t)~(1u << N.pinreg[i]);
            *load &= (uint16_t)~(1u << N.pinreg[i]);
        }
    }
    return t;
}

static void plan_registers(const TesseraIR *b)
{
    unsigned nt = b->ntemps + 1;
    N.ir = b;
    if (nt > N.ntemps_cap) {
        N.ntemps_cap = nt * 2;
        N.treg = g_renew(int8_t, N.treg, N.ntemps_cap);
        N.tfirst = g_renew(uint32_t, N.tfirst, N.ntemps_cap);
        N.tlast = g_renew(uint32_t, N.tlast, N.ntemps_cap);
        N.twidth = g_renew(uint8_t, N.twidth, N.ntemps_cap);
    }
    memset(N.treg, -1, nt);
    memset(N.twidth, 0, nt);
    memset(N.tfirst, 0xff, nt * sizeof(uint32_t));

    /*
     * Globals: one GUse per handle, found by env offset in GTab (stamped
     * per block, so nothing is cleared). In env, each mention is a memory
     * access; in a register, the reads cost one load at entry and the
     * writes one store at the exit taken: gain = mentions - (loaded at
     * entry) - (ever written), where a global the block sets before it
     * reads it and before any branch is not loaded.
     */
    if (++N.stamp == 0) {
        memset(GTab, 0, sizeof(GTab));
        N.stamp = 1;
    }
    unsigned nu = 0;
    bool branched = false, temps = false;
    unsigned odd = 0;
    const uint32_t stamp = N.stamp;
    /* A block that loops on itself (emit_self_loop) loads and writes back
     * once per entry, not per round: every mention counts. */
    bool loops = false;
    for (unsigned i = 0; i < b->nops; i++) {
        const IROp *op = &b->ops[i];
        branched |= op->opc == IR_BRCOND || op->opc == IR_BR;
        loops |= op->opc == IR_GOTO && op->imm == b->pc && !b->nocache;
        bool w0 = writes_v0(op);
        /* Down to v0: an op reads its sources before it writes v0. */
        for (unsigned k = nvals(op); k-- > 0;) {
            TesseraVal v = op->v[k];
            if (ir_val_kind(v) == IR_VK_GLOBAL) {
                unsigned off = IR_GLOBAL_OFFSET(v);
                if (off >= GTAB_SIZE - 8 || nu == G_MAX)
                    continue; /* never kept (no arch limits offsets) */
                odd |= off & 7;
                GEntry *g = &GTab[off];
                if (g->stamp != stamp) {
                    g->stamp = stamp;
                    g->use = (uint16_t)nu;
                    g->span = 0;
                    N.u[nu++] = (GUse){v, 0, 0, 0, false,
                                       !branched && k == 0 && w0, false};
                }
                if (ir_global_size(v) > g->span)
                    g->span = (uint8_t)ir_global_size(v);
                GUse *gu = &N.u[g->use];
                if (gu->v != v)
                    gu->overlaps = true; /* another view, same offset */
                if (k == 0 && w0)
                    gu->writes++;
                else
                    gu->reads++;
            } else if (ir_val_kind(v) == IR_VK_TEMP) {
                unsigned t = IR_VAL_INDEX(v);
                if (N.tfirst[t] == UINT32_MAX)
                    N.tfirst[t] = i;
                N.tlast[t] = i;
                temps = true;
            }
        }
        if (ir_val_kind(op->v[0]) == IR_VK_TEMP && w0) {
            unsigned t = IR_VAL_INDEX(op->v[0]);
            unsigned w = result_width(op);
            if (w > N.twidth[t])
                N.twidth[t] = (uint8_t)w;
        }
    }
    N.temps = temps;
    N.loops = loops;
    N.odd_globals = odd != 0;
    GUse *u = N.u;
    for (unsigned i = 0; i < nu; i++) {
        /* Overlapping views at other offsets: a view that starts inside
         * this one's bytes (none if all start 8-byte aligned: views are
         * at most 8 bytes). */
        unsigned lo = IR_GLOBAL_OFFSET(u[i].v);
        for (unsigned o = lo + 1; odd && o < lo + GTab[lo].span; o++) {
            if (GTab[o].stamp == N.stamp)
                u[i].overlaps = u[GTab[o].use].overlaps = true;
        }
        u[i].gain = (int)(u[i].reads + u[i].writes);
        if (!loops)
            u[i].gain -= (u[i].reads > 0 && !u[i].set_first) +
                         (u[i].writes > 0);
    }
    plan_pins(b, nu);
    if (nu > 32) {
        qsort(u, nu, sizeof(GUse), cmp_guse_gain);
    } else {
        /* The usual few: insertion sort (the order is total). */
        for (unsigned i = 1; i < nu; i++) {
            GUse x = u[i];
            unsigned j = i;
            for (; j > 0 && cmp_guse_gain(&u[j - 1], &x) > 0; j--)
                u[j] = u[j - 1];
            u[j] = x;
        }
    }

    /* The temps' register pressure: the most live at any op. */
    if (b->nops + 1 > N.delta_cap) {
        N.delta_cap = (b->nops + 1) * 2;
        N.delta = g_renew(int, N.delta, N.delta_cap);
    }
    int *delta = N.delta;
    memset(delta, 0, (b->nops + 1) * sizeof(int));
    for (unsigned t = 0; t < nt && temps; t++) {
        if (N.tfirst[t] != UINT32_MAX) {
            delta[N.tfirst[t]]++;
            delta[N.tlast[t] + 1]--;
        }
    }
    int live = 0, pressure = 0;
    for (unsigned i = 0; i < b->nops && temps; i++) {
        live += delta[i];
        pressure = live > pressure ? live : pressure;
    }

    /* The pinned globals keep their registers; the other globals that
     * gain take registers, the best first, but leave the temps as many as
     * they need at once, up to MAX_TEMP_REGS. */
    unsigned tneed = (unsigned)(pressure < MAX_TEMP_REGS ? pressure
                                                         : MAX_TEMP_REGS);
    unsigned max_g = NREGS - N.npin > tneed ? NREGS - N.npin - tneed : 0;
    uint16_t used = N.pin_all;
    /* A global that the block writes before anything reads it, and before
     * any branch (so on every path), needs no load at entry: set_first
     * (its first mention, and a register's only view: no overlaps). The
     * pins are loaded by the loop-entry stub, never at the entry. */
    N.entry_load = 0;
    N.ng = 0;
    for (unsigned k = 0; k < N.npin; k++) {
        if (N.pin_live & (1u << N.pinreg[k])) {
            N.gval[N.ng] = N.pinval[k];
            N.greg[N.ng++] = N.pinreg[k];
        }
    }
    for (unsigned i = 0, n = 0; i < nu && n < max_g && u[i].gain > 0; i++) {
        if (u[i].overlaps || u[i].pinned)
            continue;
        X86Reg r = alloc_regs[N.npin + n++];
        N.gval[N.ng] = u[i].v;
        N.greg[N.ng++] = r;
        used |= (uint16_t)(1u << r);
        if (!u[i].set_first)
            N.entry_load |= (uint16_t)(1u << r);
    }
    for (unsigned i = 0; i < N.ng; i++) {
        GEntry *g = &GTab[IR_GLOBAL_OFFSET(N.gval[i])];
        g->reg = (int8_t)N.greg[i];
        g->regval = N.gval[i];
        g->regstamp = N.stamp;
    }

    /* Temps: linear scan with what is left (none mentioned: nothing to
     * do, N.treg is all -1). */
    if (!temps)
        return;
    unsigned nfree = 0;
    X86Reg freeregs[NREGS];
    int32_t owner[16]; /* the temp each register was last given to */
    for (unsigned r = 0; r < 16; r++)
        owner[r] = -1;
    for (unsigned k = NREGS; k-- > 0;)
        if (!(used & (1u << alloc_regs[k])))
            freeregs[nfree++] = alloc_regs[k];
    for (unsigned i = 0; i < b->nops; i++) {
        const IROp *op = &b->ops[i];
        unsigned n = nvals(op);
        /* "d = v1 op ..." where v1 is a temp that dies here and d a temp
         * born here: d takes v1's register, so the op needs no copy (these
         * ops read v1, or load it into d, before they write d). */
        int keep = -1;
        if ((op->opc == IR_MOV || op->opc == IR_UNOP ||
             op->opc == IR_EXTRACT || op->opc == IR_SETCOND ||
             op->opc == IR_CARRY ||
             (op->opc == IR_BINOP && reuse_src_binop(op->sub))) &&
            ir_val_kind(op->v[0]) == IR_VK_TEMP &&
            ir_val_kind(op->v[1]) == IR_VK_TEMP) {
            unsigned d = IR_VAL_INDEX(op->v[0]), s1 = IR_VAL_INDEX(op->v[1]);
            if (d != s1 && N.tfirst[d] == i && N.tlast[s1] == i &&
                N.treg[s1] >= 0 && N.treg[d] < 0) {
                N.treg[d] = N.treg[s1];
                keep = N.treg[s1];
                owner[keep] = (int32_t)d;
            }
        }
        for (unsigned k = 0; k < n; k++) {
            TesseraVal v = op->v[k];
            unsigned t = IR_VAL_INDEX(v);
            if (ir_val_kind(v) != IR_VK_TEMP || N.tfirst[t] != i ||
                N.treg[t] >= 0)
                continue;
            if (nfree) {
                N.treg[t] = (int8_t)freeregs[--nfree];
                owner[N.treg[t]] = (int32_t)t;
                continue;
            }
            /* None free: the live temp that lives longest gives its
             * register up if it outlives this one, and stays in its slot
             * for its whole life (nothing is emitted yet). */
            int victim = -1;
            uint32_t far = N.tlast[t];
            for (unsigned r = 0; r < 16; r++) {
                int32_t o = owner[r];
                if (o >= 0 && N.treg[o] == (int8_t)r && N.tlast[o] > far &&
                    (int)r != keep) {
                    far = N.tlast[o];
                    victim = (int)r;
                }
            }
            if (victim >= 0) {
                N.treg[owner[victim]] = -1;
                N.treg[t] = (int8_t)victim;
                owner[victim] = (int32_t)t;
            }
        }
        for (unsigned k = 0; k < n; k++) {
            TesseraVal v = op->v[k];
            unsigned t = IR_VAL_INDEX(v);
            if (ir_val_kind(v) == IR_VK_TEMP && N.tlast[t] == i &&
                N.treg[t] >= 0 && N.treg[t] != keep) {
                bool dup = false; /* the same temp twice in one op */
                for (unsigned j = 0; j < nfree; j++)
                    dup |= freeregs[j] == (X86Reg)N.treg[t];
                if (!dup)
                    freeregs[nfree++] = (X86Reg)N.treg[t];
            }
        }
    }
}

/* The register that holds v, or X86_NOREG. */
static X86Reg reg_of(TesseraVal v)
{
    switch (ir_val_kind(v)) {
    case IR_VK_TEMP: {
        int8_t r = N.treg[IR_VAL_INDEX(v)];
        return r < 0 ? X86_NOREG : (X86Reg)r;
    }
    case IR_VK_GLOBAL: {
        const GEntry *g = &GTab[IR_GLOBAL_OFFSET(v) & (GTAB_SIZE - 1)];
        return g->regstamp == N.stamp && g->regval == v ? (X86Reg)g->reg
                                                        : X86_NOREG;
    }
    default:
        return X86_NOREG;
    }
}

static X86Mem global_mem(TesseraVal v)
{
    return x86_mem(RENV, (int32_t)IR_GLOBAL_OFFSET(v));
}

/* Loads global v from env into r, extended as a read gives it. */
static void load_global(X86Reg r, TesseraVal v)
{
    X86Mem m = global_mem(v);
    unsigned size = ir_global_size(v);
    if (size == 8)
        x86_load(&N.b, 8, r, m);
    else if (ir_global_is_signed(v))
        x86_movsx_rm(&N.b, 8, size, r, m);
    else if (size == 4)
        x86_load(&N.b, 4, r, m);
    else
        x86_movzx_rm(&N.b, 4, size, r, m);
}

/* Writes back the globals whose registers are in mask. */
static void flush_globals(uint16_t mask)
{
    for (unsigned i = 0; i < N.ng; i++)
        if (mask & (1u << N.greg[i]))
            x86_store(&N.b, ir_global_size(N.gval[i]), global_mem(N.gval[i]),
                      N.greg[i]);
}

/* Loads the globals whose registers are in mask from env. */
static void reload_globals(uint16_t mask)
{
    for (unsigned i = 0; i < N.ng; i++)
        if (mask & (1u << N.greg[i]))
            load_global(N.greg[i], N.gval[i]);
}

static uint16_t global_regs(void)
{
    uint16_t m = 0;
    for (unsigned i = 0; i < N.ng; i++)
        m |= (uint16_t)(1u << N.greg[i]);
    return m;
}

/* The temps in R8..R11 that are still needed after the current op. */
static void live_volatile_temps(int32_t out[NVOL])
{
    for (unsigned k = 0; k < NVOL; k++) {
        int32_t t = N.reg_temp[X86_R8 + k];
        out[k] = t >= 0 && N.treg[t] == (int8_t)(X86_R8 + k) &&
                         N.tlast[t] > N.cur_op && N.tfirst[t] < N.cur_op
                     ? t : -1;
    }
}

static X86Mem temp_mem(unsigned t)
{
    return x86_mem(RENV, N.slot_of[t]);
}

/*
 * Around a call: the caller-saved registers' values go to their homes
 * (dirty globals to env, live temps to their slots) and come back after;
 * globals_after are the global registers to load again (all of them after
 * a helper that may write globals).
 */
static void save_volatile(uint16_t dirty, const int32_t vt[NVOL])
{
    flush_globals(dirty & VOLATILE_MASK);
    for (unsigned k = 0; k < NVOL; k++)
        if (vt[k] >= 0)
            x86_store(&N.b, 8, temp_mem((unsigned)vt[k]), X86_R8 + k);
}

static void restore_volatile(uint16_t globals_after, const int32_t vt[NVOL])
{
    reload_globals(globals_after);
    for (unsigned k = 0; k < NVOL; k++)
        if (vt[k] >= 0)
            x86_load(&N.b, 8, X86_R8 + k, temp_mem((unsigned)vt[k]));
}

/* Calls fn, a pure function of its register arguments (no env access). */
static void call_pure(const void *fn)
{
    int32_t vt[NVOL];
    live_volatile_temps(vt);
    save_volatile(N.dirty, vt);
    call_fn(fn);
    restore_volatile(global_regs() & VOLATILE_MASK, vt);
}

/* A temp or 8-byte global kept in memory: an x86 memory operand as it is. */
static bool in_memory(TesseraVal v)
{
    if (reg_of(v) != X86_NOREG)
        return false;
    return ir_val_kind(v) == IR_VK_TEMP ||
           (ir_val_kind(v) == IR_VK_GLOBAL && !ir_global_is_narrow(v));
}

static X86Mem mem_of(TesseraVal v)
{
    if (ir_val_kind(v) == IR_VK_TEMP)
        return temp_mem(IR_VAL_INDEX(v));
    return global_mem(v);
}

/* An operand into register r. */
static void load_val(X86Reg r, TesseraVal v)
{
    X86Reg h = reg_of(v);
    if (r == X86_RAX) {
        if (v == N.rax_val && v != TESSERA_IR_NONE)
            return;
        N.rax_val = in_memory(v) ? v : TESSERA_IR_NONE;
    }
    if (h != X86_NOREG) {
        if (h != r)
            x86_mov_rr(&N.b, 8, r, h);
        return;
    }
    switch (ir_val_kind(v)) {
    case IR_VK_TEMP:
        x86_load(&N.b, 8, r, temp_mem(IR_VAL_INDEX(v)));
        return;
    case IR_VK_GLOBAL:
        load_global(r, v);
        return;
    case IR_VK_CONST:
        x86_mov_ri(&N.b, 8, r, ir_const_value(N.ir, v));
        return;
    case IR_VK_NONE:
        x86_mov_ri(&N.b, 4, r, 0);
        return;
    }
}

/* The code of store_val(), without its bookkeeping (for cold code). */
static void store_code(TesseraVal v, X86Reg r)
{
    X86Reg h = reg_of(v);
    if (h != X86_NOREG) {
        if (ir_val_kind(v) == IR_VK_GLOBAL) {
            unsigned size = ir_global_size(v);
            if (size == 8) {
                if (h != r)
                    x86_mov_rr(&N.b, 8, h, r);
            } else if (ir_global_is_signed(v)) {
                x86_movsx_rr(&N.b, 8, size, h, r);
            } else if (size == 4) {
                x86_mov_rr(&N.b, 4, h, r);
            } else {
                x86_movzx_rr(&N.b, 4, size, h, r);
            }
        } else if (h != r) {
            x86_mov_rr(&N.b, 8, h, r);
        }
        return;
    }
    switch (ir_val_kind(v)) {
    case IR_VK_TEMP:
        x86_store(&N.b, 8, temp_mem(IR_VAL_INDEX(v)), r);
        return;
    case IR_VK_GLOBAL:
        x86_store(&N.b, ir_global_size(v), global_mem(v), r);
        return;
    default:
        return;
    }
}

/* Register r into a destination (nothing for TESSERA_IR_NONE). */
static void store_val(TesseraVal v, X86Reg r)
{
    X86Reg h = reg_of(v);
    if (h != X86_NOREG) {
        /* RAX still holds what it held, unless that was v or r is RAX
         * (ops that compute in RAX store from it). */
        if (v == N.rax_val || r == X86_RAX)
            N.rax_val = TESSERA_IR_NONE;
        if (ir_val_kind(v) == IR_VK_GLOBAL) {
            unsigned size = ir_global_size(v);
            N.dirty |= (uint16_t)(1u << h);
            if (size == 8) {
                if (h != r)
                    x86_mov_rr(&N.b, 8, h, r);
            } else if (ir_global_is_signed(v)) {
                x86_movsx_rr(&N.b, 8, size, h, r);
            } else if (size == 4) {
                x86_mov_rr(&N.b, 4, h, r);
            } else {
                x86_movzx_rr(&N.b, 4, size, h, r);
            }
        } else if (h != r) {
            x86_mov_rr(&N.b, 8, h, r);
        }
        return;
    }
    N.rax_val = r == X86_RAX && in_memory(v) ? v : TESSERA_IR_NONE;
    switch (ir_val_kind(v)) {
    case IR_VK_TEMP:
        x86_store(&N.b, 8, temp_mem(IR_VAL_INDEX(v)), r);
        return;
    case IR_VK_GLOBAL:
        x86_store(&N.b, ir_global_size(v), global_mem(v), r);
        return;
    default:
        return;
    }
}

static bool fits_i32(uint64_t x)
{
    return (int64_t)x == (int32_t)x;
}

static X86Cond cond_of(TesseraCond c)
{
    static const X86Cond map[] = {
        [TESSERA_EQ] = X86_CC_E,   [TESSERA_NE] = X86_CC_NE,
        [TESSERA_LT] = X86_CC_L,   [TESSERA_GE] = X86_CC_GE,
        [TESSERA_LE] = X86_CC_LE,  [TESSERA_GT] = X86_CC_G,
        [TESSERA_LTU] = X86_CC_B,  [TESSERA_GEU] = X86_CC_AE,
        [TESSERA_LEU] = X86_CC_BE, [TESSERA_GTU] = X86_CC_A,
    };
    return map[c];
}

/* Operand size of an op's width; W32S ops work at 4 bytes. */
static unsigned sz_of(unsigned w)
{
    return w == TESSERA_I64 ? 8 : 4;
}

/* The result in d of a W32S op is sign-extended. */
static void finish_w(unsigned w, X86Reg d)
{
    if (w == IR_W32S)
        x86_movsx_rr(&N.b, 8, 4, d, d);
}

/*
 * The sign extension of a W32S op's result changes nothing anyone sees
 * when the next op that mentions v0 is a 32-bit binop that reads only its
 * low half and overwrites it (or v0 is a temp that dies there), and the
 * ops in between stay in the block and cannot fault (no exit, branch,
 * label, memory op or helper: none sees env or a temp slot). RV64's
 * chains of "w" instructions into one register (addw a4, a4, ...).
 */
static bool ext_dead(const IROp *op)
{
    const TesseraIR *b = N.ir;
    TesseraVal d = op->v[0];
    if (op->width != IR_W32S ||
        (ir_val_kind(d) != IR_VK_TEMP &&
         (ir_val_kind(d) != IR_VK_GLOBAL || ir_global_is_narrow(d))))
        return false;
    /* At most 32 ops ahead: translation stays linear in the block. */
    const IROp *end = op + 33 < b->ops + b->nops ? op + 33 : b->ops + b->nops;
    for (const IROp *p = op + 1; p < end; p++) {
        switch ((IROpc)p->opc) {
        case IR_INSN_START: case IR_ADD_CYCLES: case IR_NOP: case IR_MOV:
        case IR_BINOP: case IR_UNOP: case IR_SETCOND: case IR_SELECT:
        case IR_EXTRACT: case IR_DEPOSIT: case IR_CARRY:
            break;
        default:
            return false;
        }
        bool mentions = false;
        for (unsigned k = 0; k < nvals(p); k++) {
            TesseraVal v = p->v[k];
            mentions |= v == d ||
                        (ir_val_kind(d) == IR_VK_GLOBAL &&
                         ir_val_kind(v) == IR_VK_GLOBAL &&
                         IR_GLOBAL_OFFSET(v) < IR_GLOBAL_OFFSET(d) + 8 &&
                         IR_GLOBAL_OFFSET(d) < IR_GLOBAL_OFFSET(v) + 8);
        }
        if (!mentions)
            continue;
        if (p->opc != IR_BINOP ||
            (p->width != IR_W32S && p->width != TESSERA_I32))
            return false;
        switch ((TesseraBinop)p->sub) {
        case TESSERA_ADD: case TESSERA_SUB: case TESSERA_MUL:
        case TESSERA_AND: case TESSERA_OR: case TESSERA_XOR:
        case TESSERA_SHL: case TESSERA_SHR: case TESSERA_SAR:
            break;
        default:
            return false;
        }
        return p->v[0] == d ||
               (ir_val_kind(d) == IR_VK_TEMP &&
                N.tlast[IR_VAL_INDEX(d)] == (uint32_t)(p - b->ops));
    }
    return false;
}

/*
 * A W32S binop whose 32-bit result never has bit 31 set is its own sign
 * extension (the 32-bit op cleared the upper half): a logical shift right
 * by a constant 1..31, an and with a constant below 2^31.
 */
static bool nonneg32(const IROp *op)
{
    if (op->width != IR_W32S)
        return false;
    bool c1 = ir_val_kind(op->v[1]) == IR_VK_CONST;
    bool c2 = ir_val_kind(op->v[2]) == IR_VK_CONST;
    switch ((TesseraBinop)op->sub) {
    case TESSERA_SHR:
        return c2 && (ir_const_value(N.ir, op->v[2]) & 31) != 0;
    case TESSERA_AND:
        return (c1 && !(ir_const_value(N.ir, op->v[1]) & 0x80000000u)) ||
               (c2 && !(ir_const_value(N.ir, op->v[2]) & 0x80000000u));
    default:
        return false;
    }
}

/* v's register, or v loaded into scratch. */
static X86Reg src_reg(TesseraVal v, X86Reg scratch)
{
    X86Reg h = reg_of(v);
    if (h != X86_NOREG)
        return h;
    load_val(scratch, v);
    return scratch;
}

/*
 * Where an op computes its result: v0's own register when it has one and
 * the code "d = v1; d op= v2..v[last]" does not overwrite a source before
 * reading it; else RAX.
 */
static X86Reg dst_reg(const IROp *op, unsigned last)
{
    X86Reg d = reg_of(op->v[0]);
    if (d == X86_NOREG)
        return X86_RAX;
    for (unsigned k = 2; k <= last; k++)
        if (reg_of(op->v[k]) == d && reg_of(op->v[1]) != d)
            return X86_RAX;
    return d;
}

/* A constant operand whose value, truncated to the op's size, an
 * immediate gives. */
static bool imm_operand(TesseraVal v, unsigned sz, int32_t *imm)
{
    if (ir_val_kind(v) != IR_VK_CONST)
        return false;
    uint64_t c = ir_const_value(N.ir, v);
    if (sz == 8 && !fits_i32(c))
        return false;
    *imm = (int32_t)c;
    return true;
}

/* cmp v1, v2 at the width. */
static void emit_cmp(const IROp *op)
{
    unsigned sz = sz_of(op->width);
    int32_t imm;
    /* v1 in memory against an immediate or a register: one cmp. */
    if (in_memory(op->v[1]) && op->v[1] != N.rax_val) {
        if (imm_operand(op->v[2], sz, &imm)) {
            x86_alu_mi(&N.b, X86_CMP, sz, mem_of(op->v[1]), imm);
            return;
        }
        if (reg_of(op->v[2]) != X86_NOREG) {
            x86_alu_mr(&N.b, X86_CMP, sz, mem_of(op->v[1]),
                       reg_of(op->v[2]));
            return;
        }
    }
    X86Reg a = src_reg(op->v[1], X86_RAX);
    if (imm_operand(op->v[2], sz, &imm)) {
        x86_alu_ri(&N.b, X86_CMP, sz, a, imm);
        return;
    }
    if (in_memory(op->v[2])) {
        x86_alu_rm(&N.b, X86_CMP, sz, a, mem_of(op->v[2]));
        return;
    }
    x86_alu_rr(&N.b, X86_CMP, sz, a, src_reg(op->v[2], X86_RCX));
}

static void emit_binop(const IROp *op)
{
    static const X86Alu alu[] = {
        [TESSERA_ADD] = X86_ADD, [TESSERA_SUB] = X86_SUB,
        [TESSERA_AND] = X86_AND, [TESSERA_OR] = X86_OR,
        [TESSERA_XOR] = X86_XOR,
    };
    static const X86Shift sh[] = {
        [TESSERA_SHL] = X86_SHL, [TESSERA_SHR] = X86_SHR,
        [TESSERA_SAR] = X86_SAR, [TESSERA_ROTL] = X86_ROL,
        [TESSERA_ROTR] = X86_ROR,
    };
    unsigned w = op->width, sz = sz_of(w);
    X86Reg d = dst_reg(op, 2);
    int32_t imm;

    /* d = v1 op d, commutative: d op= v1 rather than through RAX. */
    bool commutes = op->sub == TESSERA_ADD || op->sub == TESSERA_AND ||
                    op->sub == TESSERA_OR || op->sub == TESSERA_XOR ||
                    op->sub == TESSERA_MUL;
    if (commutes && d == X86_RAX && reg_of(op->v[0]) != X86_NOREG &&
        reg_of(op->v[2]) == reg_of(op->v[0]) && op->v[1] != op->v[2]) {
        IROp sw = *op;
        sw.v[1] = op->v[2];
        sw.v[2] = op->v[1];
        emit_binop(&sw);
        return;
    }

    switch ((TesseraBinop)op->sub) {
    case TESSERA_ADD:
    case TESSERA_SUB:
    case TESSERA_AND:
    case TESSERA_OR:
    case TESSERA_XOR:
        /* d = v1 + imm in one lea when v1 is in another register. */
        if ((op->sub == TESSERA_ADD || op->sub == TESSERA_SUB) &&
            imm_operand(op->v[2], sz, &imm) && imm != INT32_MIN &&
            reg_of(op->v[1]) != X86_NOREG && reg_of(op->v[1]) != d) {
            x86_lea(&N.b, sz, d, x86_mem(reg_of(op->v[1]),
                                         op->sub == TESSERA_ADD ? imm : -imm));
            break;
        }
        load_val(d, op->v[1]);
        if (imm_operand(op->v[2], sz, &imm))
            x86_alu_ri(&N.b, alu[op->sub], sz, d, imm);
        else if (in_memory(op->v[2]))
            x86_alu_rm(&N.b, alu[op->sub], sz, d, mem_of(op->v[2]));
        else
            x86_alu_rr(&N.b, alu[op->sub], sz, d, src_reg(op->v[2], X86_RCX));
        break;
    case TESSERA_MUL:
        load_val(d, op->v[1]);
        if (in_memory(op->v[2]))
            x86_imul_rm(&N.b, sz, d, mem_of(op->v[2]));
        else
            x86_imul_rr(&N.b, sz, d, src_reg(op->v[2], X86_RCX));
        break;
    case TESSERA_SHL:
    case TESSERA_SHR:
    case TESSERA_SAR:
    case TESSERA_ROTL:
    case TESSERA_ROTR:
        if (ir_val_kind(op->v[2]) == IR_VK_CONST) {
            unsigned n = (unsigned)ir_const_value(N.ir, op->v[2]) &
                         (sz == 8 ? 63 : 31);
            load_val(d, op->v[1]);
            if (n)
                x86_shift_ri(&N.b, sh[op->sub], sz, d, (uint8_t)n);
            else if (sz == 4)
                x86_mov_rr(&N.b, 4, d, d);
        } else {
            load_val(X86_RCX, op->v[2]);
            load_val(d, op->v[1]);
            x86_shift_cl(&N.b, sh[op->sub], sz, d);
        }
        break;
    default: /* MULH, MULHU, DIV, DIVU, REM, REMU: rare */
        load_val(X86_RSI, op->v[1]);
        load_val(X86_RDX, op->v[2]);
        x86_mov_ri(&N.b, 4, X86_RDI, op->sub | (unsigned)w << 8);
        call_pure((const void *)native_binop);
        store_val(op->v[0], X86_RAX);
        return;
    }
    if (!ext_dead(op) && !nonneg32(op))
        finish_w(w, d);
    store_val(op->v[0], d);
}

static void emit_unop(const IROp *op)
{
    unsigned w = op->width, sz = sz_of(w);
    X86Reg d = dst_reg(op, 1);

    switch ((TesseraUnop)op->sub) {
    case TESSERA_NEG:
    case TESSERA_NOT:
    case TESSERA_EXT8S:
    case TESSERA_EXT8U:
    case TESSERA_EXT16S:
    case TESSERA_EXT16U:
    case TESSERA_EXT32S:
    case TESSERA_EXT32U:
        break;
    default: /* bswap, clz, ctz, ctpop */
        load_val(X86_RSI, op->v[1]);
        x86_mov_ri(&N.b, 4, X86_RDI, op->sub | (unsigned)w << 8);
        call_pure((const void *)native_unop);
        store_val(op->v[0], X86_RAX);
        return;
    }
    /* Extensions read the source where it is: from memory (the low
     * bytes of a temp slot or an 8-byte global), or its register. */
    if (op->sub != TESSERA_NEG && op->sub != TESSERA_NOT &&
        in_memory(op->v[1]) && op->v[1] != N.rax_val) {
        X86Mem m = mem_of(op->v[1]);
        switch ((TesseraUnop)op->sub) {
        case TESSERA_EXT8S: x86_movsx_rm(&N.b, sz, 1, d, m); break;
        case TESSERA_EXT8U: x86_movzx_rm(&N.b, 4, 1, d, m); break;
        case TESSERA_EXT16S: x86_movsx_rm(&N.b, sz, 2, d, m); break;
        case TESSERA_EXT16U: x86_movzx_rm(&N.b, 4, 2, d, m); break;
        case TESSERA_EXT32S: x86_movsx_rm(&N.b, 8, 4, d, m); break;
        default: x86_load(&N.b, 4, d, m); break; /* TESSERA_EXT32U */
        }
        if (d == X86_RAX)
            N.rax_val = TESSERA_IR_NONE;
        finish_w(w, d);
        store_val(op->v[0], d);
        return;
    }
    X86Reg sr = src_reg(op->v[1], d);
    switch ((TesseraUnop)op->sub) {
    case TESSERA_NEG:
        load_val(d, op->v[1]);
        x86_unary(&N.b, X86_NEG, sz, d);
        break;
    case TESSERA_NOT:
        load_val(d, op->v[1]);
        x86_unary(&N.b, X86_NOT, sz, d);
        break;
    case TESSERA_EXT8S:
        x86_movsx_rr(&N.b, sz, 1, d, sr);
        break;
    case TESSERA_EXT8U:
        x86_movzx_rr(&N.b, 4, 1, d, sr);
        break;
    case TESSERA_EXT16S:
        x86_movsx_rr(&N.b, sz, 2, d, sr);
        break;
    case TESSERA_EXT16U:
        x86_movzx_rr(&N.b, 4, 2, d, sr);
        break;
    case TESSERA_EXT32S:
        x86_movsx_rr(&N.b, 8, 4, d, sr);
        break;
    default: /* TESSERA_EXT32U */
        x86_mov_rr(&N.b, 4, d, sr);
        break;
    }
    finish_w(w, d);
    store_val(op->v[0], d);
}

static void emit_select(const IROp *op)
{
    unsigned sz = sz_of(op->width);
    load_val(X86_RDX, op->v[3]);
    load_val(X86_RSI, op->v[4]);
    emit_cmp(op);
    x86_mov_rr(&N.b, sz, X86_RAX, X86_RSI);
    x86_cmov(&N.b, cond_of(op->sub), sz, X86_RAX, X86_RDX);
    store_val(op->v[0], X86_RAX);
}

/* RSI = the guest address of a memory op. */
static void emit_address(const IROp *op)
{
    uint64_t off = op->imm;
    if (ir_val_kind(op->v[1]) == IR_VK_CONST) {
        x86_mov_ri(&N.b, 8, X86_RSI, ir_const_value(N.ir, op->v[1]) + off);
        return;
    }
    X86Reg h = reg_of(op->v[1]);
    if (h != X86_NOREG && fits_i32(off)) {
        x86_lea(&N.b, 8, X86_RSI, x86_mem(h, (int32_t)off));
        return;
    }
    load_val(X86_RSI, op->v[1]);
    if (off && fits_i32(off)) {
        x86_lea(&N.b, 8, X86_RSI, x86_mem(X86_RSI, (int32_t)off));
    } else if (off) {
        x86_mov_ri(&N.b, 8, X86_RAX, off);
        x86_alu_rr(&N.b, X86_ADD, 8, X86_RSI, X86_RAX);
        N.rax_val = TESSERA_IR_NONE;
    }
}

/*
 * The soft-TLB probe of RSI: RDX = the entry, RCX = the value a hit's tag
 * equals; jumps to a new cold path on a miss and returns its index.
 */
/* The address of a load or store as a register and a displacement
 * (N.abase, N.adisp): the base's own register when it has one. */
static void emit_mem_address(const IROp *op)
{
    X86Reg h = reg_of(op->v[1]);
    if (h != X86_NOREG && fits_i32(op->imm + 8)) {
        N.abase = h;
        N.adisp = (int32_t)op->imm;
        return;
    }
    if (ir_val_kind(op->v[1]) != IR_VK_CONST && fits_i32(op->imm + 8)) {
        load_val(X86_RSI, op->v[1]);
        N.abase = X86_RSI;
        N.adisp = (int32_t)op->imm;
        return;
    }
    emit_address(op);
    N.abase = X86_RSI;
    N.adisp = 0;
}

static void lea_or_mov(X86Reg dst, X86Reg base, int32_t disp)
{
    if (disp)
        x86_lea(&N.b, 8, dst, x86_mem(base, disp));
    else
        x86_mov_rr(&N.b, 8, dst, base);
}

/* RDI = the TLB index of the address N.abase + N.adisp (times 32). */
static void emit_tlb_index(void)
{
    unsigned pb = N.ir->arch->page_bits;
    if (N.adisp == 0 && host_bmi2) {
        /* One instruction instead of mov and shr: the bits rotated in at
         * the top are masked off below. */
        x86_rorx(&N.b, 8, X86_RDI, N.abase, (uint8_t)(pb - 5));
    } else {
        lea_or_mov(X86_RDI, N.abase, N.adisp);
        x86_shift_ri(&N.b, X86_SHR, 8, X86_RDI, (uint8_t)(pb - 5));
    }
    x86_alu_ri(&N.b, X86_AND, 4, X86_RDI, (CPU_TLB_SIZE - 1) << 5);
}

/* RCX = the value a TLB entry's tag is compared with, for the access op
 * at N.abase + N.adisp (see emit_tlb_probe()). */
static void emit_tlb_compare_value(const IROp *op)
{
    unsigned size = op->memop & TESSERA_MO_SIZE_MASK;
    int32_t mask = (int32_t)~((1u << N.ir->arch->page_bits) - 1);
    if (op->memop & TESSERA_MO_ALIGN) {
        lea_or_mov(X86_RCX, N.abase, N.adisp);
        x86_alu_ri(&N.b, X86_AND, 8, X86_RCX, mask | (int32_t)(size - 1));
    } else {
        lea_or_mov(X86_RCX, N.abase, N.adisp + (int32_t)size - 1);
        x86_alu_ri(&N.b, X86_AND, 8, X86_RCX, mask);
    }
}

/* The displacement from RBX of the TLB entry field at offset field, for
 * the entry RDI indexes in MMU mmu's TLB. */
static int32_t tlb_field(unsigned mmu, size_t field)
{
    /* RBX + RDI + that = &tlb[mmu][(va >> pb) & (size - 1)]: entries are
     * 32 bytes, the TLB follows env. */
    _Static_assert(sizeof(TlbEntry) == 32, "TLB entries are 32 bytes");
    return (int32_t)(mmu * CPU_TLB_SIZE * sizeof(TlbEntry) +
                     cpu_tlb_env_offset(N.ir->arch) + field);
}

/* Stores to pages of code check the code's range inline (see
 * emit_code_page_store()). */
static bool code_page_check(void)
{
    return !N.ir->arch->big_endian && N.ir->arch->page_bits == TC_PAGE_BITS;
}

/*
 * The soft-TLB probe of the address N.abase + N.adisp: RCX = the value a
 * hit's tag equals, RDX = the entry's addend (the access is at
 * [N.abase + RDX + N.adisp]); a miss jumps to a new cold path, whose index
 * this returns.
 *
 * In a self-loop a load or store first checks its own TLB slot
 * (cpu->tlb_slot, see cpu-internal.h), which holds the range and addend
 * it found last time: RCX = the address less the range's start, compared
 * with the slot's span, then the slot's addend: 5 instructions and the
 * access, with neither the entry's index nor its addend on the address's
 * dependency chain. A slot miss goes to a fill stub after the body
 * (SlotFill, emit_slot_fills()), which probes the TLB and copies a hit
 * into the slot; the slow path fills it after a TLB miss, and with one
 * side of the code for a store to a page of code (slot_fill()).
 */
static unsigned emit_tlb_probe(const IROp *op, bool store, ColdKind kind)
{
    uint8_t mo = op->memop & (TESSERA_MO_SIZE_MASK | TESSERA_MO_ALIGN);
    bool same = N.kp.valid && N.kp.base == op->v[1] && N.kp.disp == op->imm &&
                N.kp.memop == mo && N.kp.mmu == op->mmu;
    /* Stores only where the slow path knows the code's range
     * (slot_fill()); never an access that must be aligned (a slot lets
     * any access inside its range through). */
    bool slotted = (N.self_loop || N.loop_body) && op->mmu < CPU_SLOT_MMUS &&
                   !(op->memop & TESSERA_MO_ALIGN) &&
                   (!store || code_page_check());

    /* RDI: only a probe without a slot needs it (a slot's fill stub
     * computes its own). */
    bool index = !slotted && (!same || !N.kp.rdi);
    if (index)
        emit_tlb_index();
    /* RCX: a probe of the TLB takes the page of the access's last byte
     * unless the memop wants it aligned (the entry is the first byte's: a
     * crossing access misses); a slot takes its own (below), which no
     * later probe can use. */
    if (!slotted && (!same || !N.kp.rcx))
        emit_tlb_compare_value(op);
    Cold c = {kind, 0, 0,
              op->insn | (uint64_t)op->memop << 16 | (uint64_t)op->mmu << 24,
              0, N.dirty, X86_RAX, N.abase, N.adisp, TESSERA_IR_NONE, -1, 0,
              {-1, -1, -1, -1}, false};
    if (same) /* the probe before this one keeps RDI, RCX, RDX for it */
        g_array_index(N.colds, Cold, N.kp.cold).keep = true;
    live_volatile_temps(c.vol_temp);
    int32_t tag = tlb_field(op->mmu, store ? offsetof(TlbEntry, tag_w)
                                           : offsetof(TlbEntry, tag_r));
    if (slotted) {
        static unsigned next_slot[CPU_SLOT_MMUS][2];
        unsigned k = next_slot[op->mmu][store]++ % CPU_SLOTS_PER;
        unsigned index = (op->mmu * 2 + store) * CPU_SLOTS_PER + k;
        int32_t slot = CPU_FIELD(tlb_slot).disp +
                       (int32_t)(index * sizeof(TlbSlot));
        lea_or_mov(X86_RCX, N.abase, N.adisp);
        x86_alu_rm(&N.b, X86_SUB, 8, X86_RCX,
                   x86_mem(RENV, slot + (int32_t)offsetof(TlbSlot, start)));
        x86_alu_rm(&N.b, X86_CMP, 8, X86_RCX,
                   x86_mem(RENV, slot + (int32_t)offsetof(TlbSlot, span)));
        SlotFill f = {x86_jcc(&N.b, X86_CC_AE), 0, N.colds->len, slot};
        if (!same || !N.kp.rdx)
            x86_load(&N.b, 8, X86_RDX,
                     x86_mem(RENV, slot + (int32_t)offsetof(TlbSlot, addend)));
        f.back = x86_buf_offset(&N.b);
        narray_append(N.fills, &f, 1);
        /* The slow path fills the slot too (slot_fill()). */
        c.desc |= (uint64_t)(index + 1) << 32;
    } else {
        x86_alu_rm(&N.b, X86_CMP, 8, X86_RCX,
                   x86_mem_index(RENV, X86_RDI, 1, tag));
        c.from = x86_jcc(&N.b, X86_CC_NE);
        if (!same || !N.kp.rdx)
            x86_load(&N.b, 8, X86_RDX,
                     x86_mem_index(RENV, X86_RDI, 1,
                                   tlb_field(op->mmu,
                                             offsetof(TlbEntry, addend))));
    }
    narray_append(N.colds, &c, 1);
    N.kp.rdi = index || (same && N.kp.rdi);
    N.kp.valid = N.kp.rdx = true;
    N.kp.rcx = !slotted;
    N.kp.base = op->v[1];
    N.kp.disp = op->imm;
    N.kp.memop = mo;
    N.kp.mmu = op->mmu;
    N.kp.cold = N.colds->len - 1;
    return N.colds->len - 1;
}

/*
 * Whether the block is part of a loop, for TLB slots (which pay off only
 * where an access runs many times: in every block they cost the Linux
 * boot 25%, and in every block with a goto backwards 3%, bench/README.md).
 * A self-loop is; so is a block translated later that starts inside a
 * self-loop's span (the last LOOP_SPANS of them are kept): the other path
 * of a loop whose usual path is the self-loop, such as the heap sort's
 * sift-down when the larger child is the left one. A hint only, by
 * virtual PC.
 */
#define LOOP_SPANS 16
static bool loop_body(const TesseraIR *b)
{
    static struct {
        uint64_t lo, hi;
    } spans[LOOP_SPANS];
    static unsigned next;
    uint64_t pc = N.insn_pc[0];
    if (N.self_loop) {
        spans[next % LOOP_SPANS].lo = pc;
        spans[next % LOOP_SPANS].hi = N.insn_pc[b->ninsns - 1];
        next++;
        return true;
    }
    for (unsigned i = 0; i < LOOP_SPANS; i++)
        if (spans[i].lo < pc && pc <= spans[i].hi)
            return true;
    return false;
}

/*
 * The fill stubs of the block's TLB slots: RDI = the entry's index, the
 * TLB's own compare (a miss, or a store to a page of code, goes on to the
 * access's slow path, which fills the slot after it: slot_fill()), then
 * the entry's page and addend into the slot, and back to the access with
 * the addend in RDX. A stub's Cold has the same address registers as the
 * access, which nothing changes between the slot's check and here.
 */
static void emit_slot_fills(void)
{
    unsigned pb = N.ir->arch->page_bits;
    for (unsigned i = 0; i < N.fills->len; i++) {
        SlotFill *f = &g_array_index(N.fills, SlotFill, i);
        Cold *c = &g_array_index(N.colds, Cold, f->cold);
        unsigned mmu = (c->desc >> 24) & 0xff;
        bool store = c->kind == COLD_STORE;
        x86_patch_rel32(&N.b, f->from, x86_buf_offset(&N.b));
        N.abase = c->abase;
        N.adisp = c->adisp;
        emit_tlb_index();
        IROp probe = {.memop = (uint8_t)((c->desc >> 16) & 0xff)};
        emit_tlb_compare_value(&probe);
        x86_alu_rm(&N.b, X86_CMP, 8, X86_RCX,
                   x86_mem_index(RENV, X86_RDI, 1,
                                 tlb_field(mmu, store ? offsetof(TlbEntry, tag_w)
                                                      : offsetof(TlbEntry, tag_r))));
        c->from = x86_jcc(&N.b, X86_CC_NE);
        x86_load(&N.b, 8, X86_RDX,
                 x86_mem_index(RENV, X86_RDI, 1,
                               tlb_field(mmu, offsetof(TlbEntry, addend))));
        x86_store(&N.b, 8,
                  x86_mem(RENV, f->slot + (int32_t)offsetof(TlbSlot, addend)),
                  X86_RDX);
        /* A hit: RCX is the page (no access that hits crosses it). */
        x86_store(&N.b, 8,
                  x86_mem(RENV, f->slot + (int32_t)offsetof(TlbSlot, start)),
                  X86_RCX);
        x86_store_imm(&N.b, 8,
                      x86_mem(RENV, f->slot + (int32_t)offsetof(TlbSlot, span)),
                      (int32_t)tlb_slot_span(1u << pb));
        x86_patch_rel32(&N.b, x86_jmp(&N.b), f->back);
    }
}

/* Does writing w change what reading v gives (the same value, or
 * overlapping bytes of env)? */
static bool clobbers(TesseraVal w, TesseraVal v)
{
    if (w == v)
        return true;
    if (ir_val_kind(w) != IR_VK_GLOBAL || ir_val_kind(v) != IR_VK_GLOBAL)
        return false;
    unsigned a = IR_GLOBAL_OFFSET(w), c = IR_GLOBAL_OFFSET(v);
    return a < c + ir_global_size(v) && c < a + ir_global_size(w);
}

/* An operand that an ALU op takes without RCX: a register, memory or an
 * immediate. */
static bool no_rcx_operand(TesseraVal v, unsigned sz)
{
    int32_t imm;
    return reg_of(v) != X86_NOREG || in_memory(v) ||
           imm_operand(v, sz, &imm) || ir_val_kind(v) == IR_VK_NONE;
}

/*
 * After op (not a load or store): whether N.kp still holds. Only ops
 * that leave RDI alone and do not call out keep it, and only while the
 * base keeps its value; RCX survives the ALU ops and extensions that
 * take their operands without it.
 */
static void update_kept_probe(const IROp *op)
{
    if (!N.kp.valid)
        return;
    switch ((IROpc)op->opc) {
    case IR_INSN_START:
    case IR_ADD_CYCLES:
    case IR_NOP:
        return;
    case IR_MOV:
        break;
    case IR_BINOP:
        switch ((TesseraBinop)op->sub) {
        case TESSERA_ADD: case TESSERA_SUB: case TESSERA_AND:
        case TESSERA_OR: case TESSERA_XOR:
            if (!no_rcx_operand(op->v[1], sz_of(op->width)) ||
                !no_rcx_operand(op->v[2], sz_of(op->width)))
                N.kp.rcx = false;
            break;
        case TESSERA_MUL: case TESSERA_SHL: case TESSERA_SHR:
        case TESSERA_SAR: case TESSERA_ROTL: case TESSERA_ROTR:
            N.kp.rcx = false;
            break;
        default:
            N.kp.valid = false;
            return;
        }
        break;
    case IR_UNOP:
        switch ((TesseraUnop)op->sub) {
        case TESSERA_NEG: case TESSERA_NOT:
        case TESSERA_EXT8S: case TESSERA_EXT8U: case TESSERA_EXT16S:
        case TESSERA_EXT16U: case TESSERA_EXT32S: case TESSERA_EXT32U:
            break;
        default:
            N.kp.valid = false;
            return;
        }
        break;
    default:
        N.kp.valid = false;
        return;
    }
    if (clobbers(op->v[0], N.kp.base))
        N.kp.valid = false;
}

/*
 * A load or store that ends its instruction checks end_insn on its slow
 * path, the only place it can be set, rather than the next instruction on
 * the fast path (see emit_block()).
 */
static bool ends_insn(const IROp *op)
{
    const TesseraIR *b = N.ir;
    return (op->opc == IR_LOAD || op->opc == IR_STORE) &&
           op + 1 < b->ops + b->nops && op[1].opc == IR_INSN_START;
}

static void end_in_cold(Cold *c, const IROp *op)
{
    if (ends_insn(op)) {
        c->end_next = (int32_t)op[1].insn;
        c->dirty_next = N.dirty;
    }
}

/*
 * A TESSERA_MO_RAM access (the arch checked that it lies in the RAM region
 * holding the op's offset, memory never fetched as code): RDX = that
 * region's host address minus its guest address, the access is then at
 * [base + RDX + disp] with no TLB probe and no slow path. Not while
 * watchpoints are set (they need the TLB's slow path; setting one drops
 * all translations), nor for a region that is not plain RAM.
 */
static bool direct_ram(const IROp *op, uint64_t *addend)
{
    if (!(op->memop & TESSERA_MO_RAM) || debug_nwp ||
        (N.ir->arch->big_endian && (op->memop & TESSERA_MO_SIZE_MASK) > 1))
        return false;
    const Region *r = bus_lookup((uint64_t)op->imm);
    if (!r || r->kind != REGION_RAM || r->alias_delta || !r->host)
        return false;
    *addend = (uint64_t)(uintptr_t)r->host - r->base;
    return true;
}

/* The host address of a direct access: [N.abase + RDX + N.adisp]. */
static X86Mem direct_mem(uint64_t addend)
{
    int64_t disp = (int64_t)addend + N.adisp;
    if (disp == (int32_t)disp)
        return x86_mem(N.abase, (int32_t)disp);
    x86_mov_ri(&N.b, 8, X86_RDX, addend);
    N.kp.rdx = false; /* a probe of the same address loads it again */
    return x86_mem_index(N.abase, X86_RDX, 1, N.adisp);
}

static void emit_load(const IROp *op)
{
    unsigned size = op->memop & TESSERA_MO_SIZE_MASK;
    bool sign = (op->memop & TESSERA_MO_SIGN) != 0;
    bool be = N.ir->arch->big_endian && size > 1;

    /* Little-endian: straight into v0's register, if it has one. */
    X86Reg d = be || reg_of(op->v[0]) == X86_NOREG ? X86_RAX
                                                   : reg_of(op->v[0]);
    emit_mem_address(op);
    uint64_t addend;
    bool direct = direct_ram(op, &addend);
    unsigned ci = 0;
    X86Mem m;
    if (direct) {
        m = direct_mem(addend);
    } else {
        ci = emit_tlb_probe(op, false, COLD_LOAD);
        g_array_index(N.colds, Cold, ci).reg = d;
        m = x86_mem_index(N.abase, X86_RDX, 1, N.adisp);
    }
    if (size == 8) {
        x86_load(&N.b, 8, d, m);
        if (be)
            x86_bswap(&N.b, 8, X86_RAX);
    } else if (be) {
        /* Swap the bytes, then extend. */
        if (size == 2)
            x86_movzx_rm(&N.b, 4, 2, X86_RAX, m);
        else
            x86_load(&N.b, 4, X86_RAX, m);
        x86_bswap(&N.b, 4, X86_RAX);
        if (size == 2)
            x86_shift_ri(&N.b, sign ? X86_SAR : X86_SHR, 4, X86_RAX, 16);
        if (sign)
            x86_movsx_rr(&N.b, 8, 4, X86_RAX, X86_RAX);
    } else if (sign) {
        x86_movsx_rm(&N.b, 8, size, d, m);
    } else if (size == 4) {
        x86_load(&N.b, 4, d, m);
    } else {
        x86_movzx_rm(&N.b, 4, size, d, m);
    }
    store_val(op->v[0], d);
    if (clobbers(op->v[0], N.kp.base))
        N.kp.valid = false;
    if (direct)
        return;
    Cold *c = &g_array_index(N.colds, Cold, ci);
    c->back = x86_buf_offset(&N.b); /* the slow path stores v0 itself */
    c->dst = op->v[0];
    end_in_cold(c, op);
}

static void emit_store(const IROp *op)
{
    unsigned size = op->memop & TESSERA_MO_SIZE_MASK;

    /* The value: its own register, or RAX (the probe leaves it). */
    X86Reg vr = reg_of(op->v[0]);
    emit_mem_address(op);
    if (vr == X86_NOREG) {
        load_val(X86_RAX, op->v[0]);
        vr = X86_RAX;
    }
    uint64_t addend;
    if (direct_ram(op, &addend)) {
        /* (direct_ram() takes only bytes on big-endian archs) */
        x86_store(&N.b, size, direct_mem(addend), vr);
        return;
    }
    unsigned ci = emit_tlb_probe(op, true, COLD_STORE);
    g_array_index(N.colds, Cold, ci).reg = vr;
    if (N.ir->arch->big_endian && size > 1) {
        x86_mov_rr(&N.b, 8, X86_RAX, vr);
        if (size == 2) {
            x86_bswap(&N.b, 4, X86_RAX);
            x86_shift_ri(&N.b, X86_SHR, 4, X86_RAX, 16);
        } else {
            x86_bswap(&N.b, size, X86_RAX);
        }
        x86_store(&N.b, size, x86_mem_index(N.abase, X86_RDX, 1, N.adisp), X86_RAX);
    } else {
        x86_store(&N.b, size, x86_mem_index(N.abase, X86_RDX, 1, N.adisp), vr);
    }
    Cold *c = &g_array_index(N.colds, Cold, ci);
    c->back = x86_buf_offset(&N.b);
    end_in_cold(c, op);
}

static void emit_atomic(const IROp *op)
{
    uint64_t amo = op->opc == IR_CMPXCHG ? 0 : (uint64_t)op->sub + 1;
    emit_address(op);
    load_val(X86_RDX, op->v[2]);
    if (op->opc == IR_CMPXCHG)
        load_val(X86_RCX, op->v[3]);
    /* It may fault: env must be exact (the dirty pins: in the thunk).
     * R8 is written after the caller-saved registers are saved (it may
     * hold a value). */
    uint16_t flush = N.dirty, reload = 0;
    const void *fn = pin_thunk((const void *)native_atomic, &flush, &reload);
    flush_globals(flush);
    N.dirty = 0;
    int32_t vt[NVOL];
    live_volatile_temps(vt);
    save_volatile(0, vt);
    x86_mov_ri(&N.b, 8, X86_R8,
               op->insn | (uint64_t)op->memop << 16 |
                   (uint64_t)op->mmu << 24 | amo << 32);
    cpu_arg(X86_RDI);
    set_cur_tb();
    call_fn(fn);
    restore_volatile(global_regs() & VOLATILE_MASK, vt);
    store_val(op->v[0], X86_RAX);
}

static void emit_call(const IROp *op)
{
    static const X86Reg args[4] = {X86_RSI, X86_RDX, X86_RCX, X86_R8};
    x86_store_imm(&N.b, 4, CPU_FIELD(cur_insn), (int32_t)op->insn);
    x86_store_imm(&N.b, 1, CPU_FIELD(pc_override), 0);
    /* Only a helper that neither reads nor writes globals nor raises can
     * run with guest registers that env does not have yet. */
    const unsigned quiet = TESSERA_HELPER_NO_READ | TESSERA_HELPER_NO_WRITE |
                           TESSERA_HELPER_NO_RAISE;
    uint16_t flush, reload;
    if ((op->aux2 & quiet) != quiet) {
        flush = N.dirty;
        N.dirty = 0;
    } else {
        flush = N.dirty & N.pin_foreign;
        N.dirty &= (uint16_t)~N.pin_foreign;
    }
    reload = (op->aux2 & TESSERA_HELPER_NO_WRITE)
                 ? (global_regs() & VOLATILE_MASK) | N.pin_foreign
                 : global_regs();
    /* The pins' stores and loads: in a thunk. */
    const void *fn = pin_thunk((const void *)(uintptr_t)op->imm, &flush,
                               &reload);
    flush_globals(flush);
    int32_t vt[NVOL];
    live_volatile_temps(vt);
    save_volatile(N.dirty, vt);
    /* The arguments after the saves (stores only): R8, the last, may
     * hold a value the others read. */
    for (unsigned k = 0; k < 4; k++) {
        if (k < op->aux)
            load_val(args[k], op->v[1 + k]);
        else
            x86_mov_ri(&N.b, 4, args[k], 0);
    }
    x86_mov_rr(&N.b, 8, X86_RDI, RENV);
    set_cur_tb();
    call_fn(fn);
    restore_volatile(reload, vt);
    store_val(op->v[0], X86_RAX);
}

static void emit_extract(const IROp *op)
{
    unsigned pos = op->aux, len = op->aux2;
    bool i32 = op->width == TESSERA_I32;
    X86Reg d = dst_reg(op, 1);
    load_val(d, op->v[1]);
    if (op->sub) {
        if (i32)
            x86_mov_rr(&N.b, 4, d, d);
        if (64 - pos - len)
            x86_shift_ri(&N.b, X86_SHL, 8, d, (uint8_t)(64 - pos - len));
        if (64 - len)
            x86_shift_ri(&N.b, X86_SAR, 8, d, (uint8_t)(64 - len));
        if (i32)
            x86_mov_rr(&N.b, 4, d, d);
    } else {
        if (i32 && pos + len > 32)
            x86_mov_rr(&N.b, 4, d, d);
        if (pos)
            x86_shift_ri(&N.b, X86_SHR, 8, d, (uint8_t)pos);
        if (width_of(op->v[1]) <= pos + len && !i32) {
            /* nothing above the field */
        } else if (len < 32) {
            x86_alu_ri(&N.b, X86_AND, 4, d, (int32_t)((1u << len) - 1));
        } else if (len == 32 || i32) {
            x86_mov_rr(&N.b, 4, d, d);
        } else if (len < 64) {
            x86_mov_ri(&N.b, 8, X86_RCX, (1ull << len) - 1);
            x86_alu_rr(&N.b, X86_AND, 8, d, X86_RCX);
        }
    }
    store_val(op->v[0], d);
}

static void emit_deposit(const IROp *op)
{
    unsigned pos = op->aux, len = op->aux2;
    uint64_t m = (len >= 64 ? UINT64_MAX : (1ull << len) - 1) << pos;
    load_val(X86_RAX, op->v[1]);
    load_val(X86_RCX, op->v[2]);
    if (pos)
        x86_shift_ri(&N.b, X86_SHL, 8, X86_RCX, (uint8_t)pos);
    x86_mov_ri(&N.b, 8, X86_RDX, m);
    x86_alu_rr(&N.b, X86_AND, 8, X86_RCX, X86_RDX);
    x86_unary(&N.b, X86_NOT, 8, X86_RDX);
    x86_alu_rr(&N.b, X86_AND, 8, X86_RAX, X86_RDX);
    x86_alu_rr(&N.b, X86_OR, 8, X86_RAX, X86_RCX);
    if (op->width == TESSERA_I32)
        x86_mov_rr(&N.b, 4, X86_RAX, X86_RAX);
    store_val(op->v[0], X86_RAX);
}

/* r = v's low bits (1 to 31). */
static void load_masked(X86Reg r, TesseraVal v, unsigned bits)
{
    uint32_t m = (1u << bits) - 1;
    if (ir_val_kind(v) == IR_VK_CONST) {
        x86_mov_ri(&N.b, 4, r, ir_const_value(N.ir, v) & m);
        return;
    }
    if (width_of(v) <= bits) {
        load_val(r, v);
        return;
    }
    X86Reg h = reg_of(v);
    if (bits == 8 || bits == 16) {
        if (h == X86_NOREG) {
            load_val(r, v);
            h = r;
        }
        x86_movzx_rr(&N.b, 4, bits / 8, r, h);
        return;
    }
    load_val(r, v);
    x86_alu_ri(&N.b, X86_AND, 4, r, (int32_t)m);
}

/* A register holding v's low bits: v's own if no mask is needed. */
static X86Reg masked_reg(X86Reg scratch, TesseraVal v, unsigned bits)
{
    if (width_of(v) <= bits && reg_of(v) != X86_NOREG)
        return reg_of(v);
    load_masked(scratch, v, bits);
    return scratch;
}

/*
 * The next op computes the same sum (AVR's addc and add_carry of the same
 * operands, one for the result and one for the carry flag): this one keeps
 * it in RDI for that one.
 */
static bool carry_twin(const IROp *op)
{
    const TesseraIR *b = N.ir;
    const IROp *nx = op + 1;
    if (nx >= b->ops + b->nops || nx->opc != IR_CARRY ||
        nx->aux != op->aux || ir_val_kind(op->v[0]) != IR_VK_TEMP)
        return false;
    bool add1 = op->sub == TESSERA_ADDC || op->sub == TESSERA_ADD_CARRY;
    bool sub1 = op->sub == TESSERA_SUBC || op->sub == TESSERA_SUB_BORROW;
    bool add2 = nx->sub == TESSERA_ADDC || nx->sub == TESSERA_ADD_CARRY;
    bool sub2 = nx->sub == TESSERA_SUBC || nx->sub == TESSERA_SUB_BORROW;
    if (!((add1 && add2) || (sub1 && sub2)))
        return false;
    for (unsigned k = 1; k <= 3; k++)
        if (nx->v[k] != op->v[k] || op->v[k] == op->v[0])
            return false;
    return true;
}

/* Carries up to 31 bits inline (flags of 8 and 16-bit ISAs, half
 * carries); wider ones through the evaluation rules. */
static void emit_carry(const IROp *op)
{
    unsigned bits = op->aux;
    TesseraCarryOp cop = (TesseraCarryOp)op->sub;
    bool add = cop == TESSERA_ADDC || cop == TESSERA_ADD_CARRY ||
               cop == TESSERA_ADD_OVERFLOW;

    if (bits > 31) {
        load_val(X86_RSI, op->v[1]);
        load_val(X86_RDX, op->v[2]);
        load_val(X86_RCX, op->v[3]);
        x86_mov_ri(&N.b, 4, X86_RDI, op->sub | (unsigned)op->aux << 8);
        call_pure((const void *)native_carry);
        store_val(op->v[0], X86_RAX);
        return;
    }
    X86Reg acc = dst_reg(op, 3);
    int32_t m = (int32_t)((1u << bits) - 1);
    X86Alu alu = add ? X86_ADD : X86_SUB;
    bool ovf = cop == TESSERA_ADD_OVERFLOW || cop == TESSERA_SUB_OVERFLOW;
    if (N.carry_twin == N.cur_op) {
        /* The previous op left this sum in RDI, or in acc itself. */
        if (N.twin_reg != acc)
            x86_mov_rr(&N.b, 8, acc, X86_RDI);
        goto finish;
    }
    bool cconst = ir_val_kind(op->v[3]) == IR_VK_CONST;
    int32_t cin = cconst ? (int32_t)(ir_const_value(N.ir, op->v[3]) & 1) : 0;
    X86Reg c = cconst ? X86_NOREG : masked_reg(X86_RDX, op->v[3], 1);
    /* a in a register of its own, or a constant: one lea sums what it
     * can (a + k, a + b + cin, b + c + k) instead of a copy and adds. */
    bool v1const = ir_val_kind(op->v[1]) == IR_VK_CONST;
    bool v2const = ir_val_kind(op->v[2]) == IR_VK_CONST;
    X86Reg ar = !v1const && width_of(op->v[1]) <= bits ? reg_of(op->v[1])
                                                       : X86_NOREG;
    /* When one lea makes the whole sum and the twin has a register of its
     * own (see below), the sum goes there and the result is its low
     * bits: a movzx instead of a copy and a mask. */
    X86Reg split = X86_NOREG;
    if ((bits == 8 || bits == 16) &&
        (cop == TESSERA_ADDC || cop == TESSERA_SUBC) && carry_twin(op)) {
        const IROp *nx = op + 1;
        X86Reg nd = dst_reg(nx, 3);
        if (ir_val_kind(nx->v[0]) == IR_VK_TEMP && nd != X86_RAX &&
            nd != acc && N.tfirst[IR_VAL_INDEX(nx->v[0])] == N.cur_op + 1)
            split = nd;
    }
    X86Mem sum;
    if (!ovf && ar != X86_NOREG && ar != acc && v2const) {
        int32_t k = (int32_t)(ir_const_value(N.ir, op->v[2]) & (uint32_t)m) +
                    cin;
        sum = x86_mem(ar, add ? k : -k);
        if (c == X86_NOREG && split != X86_NOREG)
            goto split_sum;
        x86_lea(&N.b, 8, acc, sum);
    } else if (!ovf && add && !v2const && (v1const || (ar != X86_NOREG &&
                                                       ar != acc))) {
        X86Reg bv = masked_reg(X86_RCX, op->v[2], bits);
        if (v1const) {
            /* The carry in (a chain's last link) by an add of its own:
             * a three-part lea takes a cycle longer. */
            int32_t k = (int32_t)(ir_const_value(N.ir, op->v[1]) &
                                  (uint32_t)m) + cin;
            sum = x86_mem(bv, k);
            if (c != X86_NOREG && split != X86_NOREG && split != c) {
                x86_lea(&N.b, 8, split, sum);
                x86_alu_rr(&N.b, X86_ADD, 8, split, c);
                goto split_done;
            }
        } else {
            sum = x86_mem_index(ar, bv, 1, cin);
        }
        if (c == X86_NOREG && split != X86_NOREG)
            goto split_sum;
        x86_lea(&N.b, 8, acc, sum);
    } else {
        /* Summed step by step: into the twin's register too when no
         * operand still to be read lives there. */
        X86Reg dst = acc;
        if (split != X86_NOREG && split != c &&
            (v2const || split != reg_of(op->v[2])))
            dst = split;
        load_masked(dst, op->v[1], bits);
        if (v2const && !ovf) {
            int32_t k = (int32_t)(ir_const_value(N.ir, op->v[2]) &
                                  (uint32_t)m) + cin;
            if (k)
                x86_alu_ri(&N.b, alu, 8, dst, k);
        } else {
            X86Reg bv = masked_reg(X86_RCX, op->v[2], bits);
            if (ovf) {
                x86_mov_rr(&N.b, 8, X86_RSI, acc); /* a */
                x86_mov_rr(&N.b, 8, X86_RDI, bv);  /* b */
            }
            x86_alu_rr(&N.b, alu, 8, dst, bv);
            if (cin)
                x86_alu_ri(&N.b, alu, 8, dst, 1);
        }
        if (dst != acc) {
            if (c != X86_NOREG)
                x86_alu_rr(&N.b, alu, 8, dst, c);
            goto split_done;
        }
    }
    if (c != X86_NOREG)
        x86_alu_rr(&N.b, alu, 8, acc, c);
    if (carry_twin(op)) {
        /* Straight into the twin's register when it has one of its own
         * (a temp born there: nothing else lives in it past this op, and
         * the twin reads no source then). */
        const IROp *nx = op + 1;
        X86Reg nd = dst_reg(nx, 3);
        N.twin_reg = X86_NOREG;
        if (ir_val_kind(nx->v[0]) == IR_VK_TEMP && nd != X86_RAX &&
            nd != acc && N.tfirst[IR_VAL_INDEX(nx->v[0])] == N.cur_op + 1) {
            x86_mov_rr(&N.b, 8, nd, acc);
            N.twin_reg = nd;
        } else {
            x86_mov_rr(&N.b, 8, X86_RDI, acc);
        }
        N.carry_twin = N.cur_op + 1;
    }
finish:
    switch (cop) {
    case TESSERA_ADDC:
    case TESSERA_SUBC:
        x86_alu_ri(&N.b, X86_AND, 8, acc, m);
        break;
    case TESSERA_ADD_CARRY:
        /* Operands below 2^bits, carry-in 0 or 1: the sum is below
         * 2^(bits+1), so bit `bits` is all that is left. */
        x86_shift_ri(&N.b, X86_SHR, 8, acc, (uint8_t)bits);
        break;
    case TESSERA_SUB_BORROW:
        /* a - b - c of such operands borrows iff it is negative. */
        x86_shift_ri(&N.b, X86_SHR, 8, acc, 63);
        break;
    case TESSERA_ADD_OVERFLOW:
    case TESSERA_SUB_OVERFLOW:
        /* add: (a ^ r) & (b ^ r); sub: (a ^ b) & (a ^ r); top bit. */
        x86_alu_ri(&N.b, X86_AND, 8, acc, m);
        if (add) {
            x86_alu_rr(&N.b, X86_XOR, 8, X86_RDI, acc);
        } else {
            x86_alu_rr(&N.b, X86_XOR, 8, X86_RDI, X86_RSI);
        }
        x86_alu_rr(&N.b, X86_XOR, 8, X86_RSI, acc);
        x86_alu_rr(&N.b, X86_AND, 8, X86_RSI, X86_RDI);
        x86_mov_rr(&N.b, 8, acc, X86_RSI);
        /* a, b and r are below 2^bits: nothing above the sign bit. */
        if (bits > 1)
            x86_shift_ri(&N.b, X86_SHR, 8, acc, (uint8_t)(bits - 1));
        break;
    }
    store_val(op->v[0], acc);
    return;

split_sum:
    x86_lea(&N.b, 8, split, sum);
split_done:
    x86_movzx_rr(&N.b, 4, bits / 8, acc, split);
    N.twin_reg = split;
    N.carry_twin = N.cur_op + 1;
    store_val(op->v[0], acc);
}

/* Gives back di pre-committed instructions and dc cycles (cycles and
 * xcycles, see cpu-internal.h). */
static void emit_give_back(uint32_t di, uint32_t dc)
{
    /* Less the cycles of an add_cycles folded into this exit. */
    int64_t c = (int64_t)dc - N.exit_cycles;
    int64_t dx = c - (int64_t)di;
    N.exit_cycles = 0;
    if (dx)
        x86_alu_mi(&N.b, X86_SUB, 8, CPU_FIELD(xcycles), (int32_t)dx);
    if (c)
        x86_alu_ri(&N.b, X86_SUB, 8, RCYC, (int32_t)c);
}

/* Gives back what the block pre-committed for the instructions an exit
 * from instruction insn skips. */
static void emit_adjust(uint32_t insn)
{
    uint32_t after = insn + 1 < N.ninsns ? insn + 1 : N.ninsns;
    emit_give_back(N.ninsns - after, N.ncycles - N.cycles_before[after]);
}

/* pc into cpu->pc, last_exit = NULL, leave. */
static void emit_leave(uint64_t pc)
{
    x86_mov_ri(&N.b, 8, X86_RAX, pc);
    x86_store(&N.b, 8, CPU_FIELD(pc), X86_RAX);
    x86_store_imm(&N.b, 8, CPU_FIELD(last_exit), 0);
    jmp_to_epilogue();
}

static unsigned add_exit(const IROp *op, uint64_t pc)
{
    NExit x = {pc, op->insn, SIZE_MAX, 0};
    narray_append(N.exits, &x, 1);
    return N.exits->len - 1;
}

/*
 * A goto to the block's own start (a loop of one block) jumps back to the
 * body without leaving: the guest registers stay in their host registers,
 * so those written anywhere in the block (N.d0, all loaded at entry) are
 * dirty from the body's start on, and nothing is written back here. What
 * stays is the chain entry's limit check: pre-commit the next round (less
 * what this exit gives back) and compare.
 */
static size_t emit_guard_check(void);

static void emit_loop_check(const IROp *op, int32_t extra)
{
    uint32_t after = op->insn + 1 < N.ninsns ? op->insn + 1 : N.ninsns;
    /* The round's cycles: up to this instruction, and a taken branch's
     * add_cycles folded into this goto (see IR_ADD_CYCLES). */
    int64_t cyc = (int64_t)N.cycles_before[after] + extra;
    int64_t dx = cyc - (int64_t)after;

    g_assert(!(N.dirty & ~N.d0));
    if (cyc)
        x86_alu_ri(&N.b, X86_ADD, 8, RCYC, (int32_t)cyc);
    if (dx)
        x86_alu_mi(&N.b, X86_ADD, 8, CPU_FIELD(xcycles), (int32_t)dx);
    size_t out = N.guard != UINT32_MAX ? emit_guard_check() : 0;
    x86_alu_rm(&N.b, X86_CMP, 8, RCYC, CPU_FIELD(limit));
    x86_patch_rel32(&N.b, x86_jcc(&N.b, X86_CC_BE), N.body);
    if (out)
        x86_patch_rel32(&N.b, out, x86_buf_offset(&N.b));
}

static void emit_self_loop(const IROp *op)
{
    add_exit(op, op->imm);
    if (!N.loop_checked)
        emit_loop_check(op, N.exit_cycles);
    N.loop_checked = false;
    N.exit_cycles = 0;
    /* The next round does not fit: leave for the loop at the start. */
    emit_give_back(N.ninsns, N.ncycles);
    flush_globals(N.dirty & (uint16_t)~N.pin_all); /* pins: the epilogue */
    emit_leave(op->imm);
}

/* Ops that compute from their operands only (no memory, no call, no
 * control flow). */
static bool pure_op(const IROp *op)
{
    switch ((IROpc)op->opc) {
    case IR_MOV: case IR_BINOP: case IR_UNOP: case IR_SETCOND:
    case IR_SELECT: case IR_CARRY: case IR_EXTRACT: case IR_DEPOSIT:
        return true;
    default:
        return false;
    }
}

/* Env bytes 0..KILL_BYTES-1 are tracked by plan_loop_stub(). */
#define KILL_BYTES 1024

static bool bytes_all(const uint64_t *set, TesseraVal v)
{
    unsigned off = IR_GLOBAL_OFFSET(v), n = ir_global_size(v);
    if (off + n > KILL_BYTES)
        return false;
    for (unsigned i = off; i < off + n; i++)
        if (!(set[i / 64] >> (i % 64) & 1))
            return false;
    return true;
}

static void bytes_add(uint64_t *set, const uint64_t *unless, TesseraVal v)
{
    unsigned off = IR_GLOBAL_OFFSET(v), n = ir_global_size(v);
    for (unsigned i = off; i < off + n && i < KILL_BYTES; i++)
        if (!unless || !(unless[i / 64] >> (i % 64) & 1))
            set[i / 64] |= 1ull << (i % 64);
}

/*
 * The stretch of pure ops from op `from`: env bytes read before being
 * written go into read, those written before being read into written.
 * Returns the index of the first op that is not pure (or nops).
 */
static bool direct_ram(const IROp *op, uint64_t *addend);

static unsigned scan_pure(const TesseraIR *b, unsigned from, uint64_t *read,
                          uint64_t *written, bool ram)
{
    unsigned i;
    for (i = from; i < b->nops; i++) {
        const IROp *op = &b->ops[i];
        uint64_t addend;
        if (op->opc == IR_INSN_START || op->opc == IR_ADD_CYCLES ||
            op->opc == IR_NOP)
            continue;
        /* ram: direct RAM accesses too (no slow path, env unseen) */
        if (!pure_op(op) &&
            !(ram && (op->opc == IR_LOAD || op->opc == IR_STORE) &&
              direct_ram(op, &addend)))
            break;
        if (op->opc == IR_STORE) {
            for (unsigned k = 0; k < 2; k++)
                if (ir_val_kind(op->v[k]) == IR_VK_GLOBAL)
                    bytes_add(read, written, op->v[k]);
            continue;
        }
        for (unsigned k = 1; k < nvals(op); k++)
            if (ir_val_kind(op->v[k]) == IR_VK_GLOBAL)
                bytes_add(read, written, op->v[k]);
        if (ir_val_kind(op->v[0]) == IR_VK_GLOBAL)
            bytes_add(written, read, op->v[0]);
    }
    return i;
}

/*
 * The value v as the ops before op `before` compute it, from globals and
 * constants through a chain of moves and binops with a constant operand:
 * true if it is one; with emit, computed into RAX (at the loop check,
 * where RAX is free and the globals hold what the next round reads).
 */
static bool chain_eval(const TesseraIR *b, unsigned before, TesseraVal v,
                       bool emit, unsigned depth)
{
    if (depth > 8)
        return false;
    switch (ir_val_kind(v)) {
    case IR_VK_CONST:
        if (emit)
            x86_mov_ri(&N.b, 8, X86_RAX, ir_const_value(N.ir, v));
        return true;
    case IR_VK_GLOBAL:
        /* What the next round reads: not written before this read. */
        for (unsigned i = 0; i < before; i++)
            if (writes_v0(&b->ops[i]) && clobbers(b->ops[i].v[0], v))
                return false;
        if (emit) {
            N.rax_val = TESSERA_IR_NONE;
            load_val(X86_RAX, v);
        }
        return true;
    case IR_VK_TEMP:
        break;
    default:
        return false;
    }
    unsigned d = before;
    while (d-- > 0)
        if (writes_v0(&b->ops[d]) && b->ops[d].v[0] == v)
            break;
    if (d == UINT32_MAX || d >= before)
        return false;
    const IROp *op = &b->ops[d];
    if (op->opc == IR_MOV)
        return chain_eval(b, d, op->v[1], emit, depth + 1);
    if (op->opc != IR_BINOP || ir_val_kind(op->v[2]) != IR_VK_CONST ||
        (op->width != TESSERA_I32 && op->width != TESSERA_I64) ||
        !fits_i32(ir_const_value(N.ir, op->v[2])))
        return false;
    X86Alu alu;
    switch ((TesseraBinop)op->sub) {
    case TESSERA_ADD: alu = X86_ADD; break;
    case TESSERA_SUB: alu = X86_SUB; break;
    case TESSERA_AND: alu = X86_AND; break;
    case TESSERA_OR: alu = X86_OR; break;
    case TESSERA_XOR: alu = X86_XOR; break;
    default: return false;
    }
    if (!chain_eval(b, d, op->v[1], emit, depth + 1))
        return false;
    if (emit)
        x86_alu_ri(&N.b, alu, sz_of(op->width), X86_RAX,
                   (int32_t)ir_const_value(N.ir, op->v[2]));
    return true;
}

/*
 * A guard: the brcond at op gi (the first impure op of a self-loop)
 * branches forward to its fast path, falling through into a slow path
 * that only leaves the block (no branches, labels or fall-through), on a
 * value chain_eval() can compute again and a constant. Returns the index
 * of the fast path's label, 0 if op gi is no guard.
 */
static unsigned guard_fast(const TesseraIR *b, unsigned gi)
{
    if (gi >= b->nops || b->ops[gi].opc != IR_BRCOND ||
        ir_val_kind(b->ops[gi].v[2]) != IR_VK_CONST ||
        !fits_i32(ir_const_value(N.ir, b->ops[gi].v[2])) ||
        (b->ops[gi].width != TESSERA_I32 && b->ops[gi].width != TESSERA_I64))
        return 0;
    unsigned f;
    for (f = gi + 1; f < b->nops; f++) {
        const IROp *op = &b->ops[f];
        if (op->opc == IR_LABEL)
            break;
        if (op->opc == IR_BRCOND || op->opc == IR_BR)
            return 0;
    }
    if (f >= b->nops || b->ops[f].imm != b->ops[gi].imm)
        return 0;
    IROpc last = (IROpc)b->ops[f - 1].opc;
    if (last != IR_GOTO && last != IR_GOTO_DYN && last != IR_EXIT_LOOP)
        return 0;
    return chain_eval(b, gi, b->ops[gi].v[1], false, 0) ? f : 0;
}

/* At the loop check: the guard for the next round; jumps (rel32 to be
 * patched, returned) out of the loop if it would not take its fast path. */
static size_t emit_guard_check(void)
{
    const IROp *g = &N.ir->ops[N.guard];
    chain_eval(N.ir, N.guard, g->v[1], true, 0);
    N.rax_val = TESSERA_IR_NONE;
    x86_alu_ri(&N.b, X86_CMP, sz_of(g->width), X86_RAX,
               (int32_t)ir_const_value(N.ir, g->v[2]));
    return x86_jcc(&N.b, (X86Cond)(cond_of(g->sub) ^ 1));
}

/*
 * In a self-loop whose body (but for a guard's slow path) is pure up to
 * the branch back, a constant written to a global kept in env that
 * nothing else in the block reads or writes matters only once the loop
 * leaves: it is written in the stub (after the loop check) and after L
 * instead of every round. Rounds that go on leave env's copy alone, and
 * only the guard's slow path, which such rounds never reach, could see
 * it. (AVR: LDI of a register only compared or masked with, e.g. the CRC
 * loop's r19 and r22.)
 */
static void plan_sunk_consts(const TesseraIR *b, unsigned g, uint32_t guard,
                             unsigned fast)
{
    unsigned s = N.sink_from;
    for (unsigned j = 0; j + 1 < s && N.nsunk < 8; j++) {
        const IROp *op = &b->ops[j];
        TesseraVal d = op->v[0];
        if (op->opc != IR_MOV || ir_val_kind(op->v[1]) != IR_VK_CONST ||
            ir_val_kind(d) != IR_VK_GLOBAL || reg_of(d) != X86_NOREG ||
            (guard != UINT32_MAX && j > guard && j < fast))
            continue;
        bool alone = true;
        for (unsigned i = 0; i <= g && alone; i++) {
            const IROp *x = &b->ops[i];
            if (i == j || (guard != UINT32_MAX && i > guard && i < fast))
                continue;
            for (unsigned k = writes_v0(x) ? 1 : 0; k < nvals(x); k++)
                if (clobbers(d, x->v[k]))
                    alone = false;
            if (writes_v0(x) && clobbers(x->v[0], d))
                alone = false;
        }
        if (alone)
            N.sunk[N.nsunk++] = j;
    }
}

static bool is_sunk(uint32_t i)
{
    for (unsigned k = 0; k < N.nsunk; k++)
        if (N.sunk[k] == i)
            return true;
    return false;
}

static void emit_op(const IROp *op);

static void emit_sunk(void)
{
    uint32_t cur = N.cur_op;
    for (unsigned k = 0; k < N.nsunk; k++) {
        N.cur_op = N.sunk[k];
        emit_op(&N.ir->ops[N.sunk[k]]);
    }
    N.cur_op = cur;
}

/*
 * A self-loop whose taken branch computes something only for the way out:
 * AVR sets the flags of the compare before a branch in the branch's stub
 * ("brcond L; stub; add_cycles; goto start; L: ...") and again after L.
 * A stub made of pure ops (no memory, call or control flow) that write
 * only temps and globals "dead at the body's start" matters only if the
 * loop leaves: the limit check goes before it, and a round that goes on
 * skips it. Dead at the start: written before being read in the block's
 * first stretch of pure ops; or, when that stretch reaches the stub's
 * branch, not read in it (nor in the stub) and written both in the stub
 * and after L before anything else there (the next round sets them
 * again, on either path, before anything can see them).
 */
static void plan_loop_stub(const TesseraIR *b)
{
    uint64_t killed[KILL_BYTES / 64] = {0}, read[KILL_BYTES / 64] = {0};

    N.sink_from = N.sink_goto = UINT32_MAX;
    N.loop_checked = false;
    N.guard = UINT32_MAX;
    N.nsunk = 0;
    if (!N.self_loop)
        return;
    unsigned first_impure = scan_pure(b, 0, read, killed, false);
    unsigned fast = guard_fast(b, first_impure);
    uint32_t guard = UINT32_MAX;
    if (fast) {
        /* A guard, its slow path skipped: on the way round, the loop
         * check runs the guard for the next round and leaves through
         * the stub if it fails, so after a round that skipped the stub
         * the guard branches to its fast path. */
        guard = first_impure;
        first_impure = scan_pure(b, fast + 1, read, killed, true);
    }
    for (unsigned g = 1; g + 1 < b->nops; g++) {
        const IROp *op = &b->ops[g];
        if (op->opc != IR_GOTO || op->imm != N.insn_pc[0])
            continue;
        unsigned end = g, s;
        if (b->ops[end - 1].opc == IR_ADD_CYCLES)
            end--;
        for (s = end; s > 0 && pure_op(&b->ops[s - 1]); s--)
            ;
        if (s == end || s == 0 || b->ops[s - 1].opc != IR_BRCOND)
            continue;
        uint64_t ok[KILL_BYTES / 64], ws[KILL_BYTES / 64] = {0},
            rs[KILL_BYTES / 64] = {0}, wl[KILL_BYTES / 64] = {0},
            rl[KILL_BYTES / 64] = {0};
        memcpy(ok, killed, sizeof(ok));
        for (unsigned k = 1; k <= 2; k++) /* what the branch reads */
            if (ir_val_kind(b->ops[s - 1].v[k]) == IR_VK_GLOBAL)
                bytes_add(rs, NULL, b->ops[s - 1].v[k]);
        for (unsigned j = s; j < end; j++) {
            const IROp *x = &b->ops[j];
            for (unsigned k = 1; k < nvals(x); k++)
                if (ir_val_kind(x->v[k]) == IR_VK_GLOBAL)
                    bytes_add(rs, NULL, x->v[k]);
            if (ir_val_kind(x->v[0]) == IR_VK_GLOBAL)
                bytes_add(ws, NULL, x->v[0]);
        }
        /* The branch is the block's first impure op, and L follows the
         * goto: what both paths set again. */
        if (s - 1 == first_impure && b->ops[g + 1].opc == IR_LABEL &&
            b->ops[g + 1].imm == b->ops[s - 1].imm) {
            scan_pure(b, g + 2, rl, wl, false);
            for (unsigned k = 0; k < KILL_BYTES / 64; k++)
                ok[k] |= ws[k] & wl[k] & ~read[k];
        }
        for (unsigned k = 0; k < KILL_BYTES / 64; k++)
            ok[k] &= ~rs[k];
        bool sink = true;
        for (unsigned j = s; j < end && sink; j++) {
            TesseraVal d = b->ops[j].v[0];
            sink = ir_val_kind(d) != IR_VK_GLOBAL || bytes_all(ok, d);
        }
        if (sink) {
            N.sink_from = s;
            N.sink_goto = g;
            N.guard = guard;
            if (s - 1 == first_impure && b->ops[g + 1].opc == IR_LABEL &&
                b->ops[g + 1].imm == b->ops[s - 1].imm)
                plan_sunk_consts(b, g, guard, fast);
            return;
        }
    }
}

/*
 * The jump cache probe, as the interpreter's goto_dyn does it, for the PC
 * in RAX (hash computed at run time) or, with dyn false, the constant pc:
 * a hit jumps to the target's chain entry, a miss leaves for the loop
 * with cpu->pc = the target.
 */
static void emit_jc_probe(bool dyn, uint64_t pc)
{
    if (dyn) {
        /* cpu_jc_hash(): t = pc ^ (pc >> MIX), then t's entry bits
         * and group bits. */
        x86_mov_rr(&N.b, 8, X86_RCX, X86_RAX);
        x86_shift_ri(&N.b, X86_SHR, 8, X86_RCX, CPU_JC_MIX);
        x86_alu_rr(&N.b, X86_XOR, 8, X86_RCX, X86_RAX);
        x86_mov_rr(&N.b, 8, X86_RDX, X86_RCX);
        x86_shift_ri(&N.b, X86_SHR, 8, X86_RCX, 1);
        x86_alu_ri(&N.b, X86_AND, 4, X86_RCX, CPU_JC_SUB_MASK);
        x86_shift_ri(&N.b, X86_SHR, 8, X86_RDX, CPU_JC_GROUP_SHIFT);
        x86_alu_ri(&N.b, X86_AND, 4, X86_RDX, CPU_JC_GROUP_MASK);
        x86_alu_rr(&N.b, X86_OR, 4, X86_RCX, X86_RDX);
        x86_load(&N.b, 8, X86_RDX, CPU_FIELD(jc));
        x86_load(&N.b, 8, X86_RDX, x86_mem_index(X86_RDX, X86_RCX, 8, 0));
    } else {
        x86_mov_ri(&N.b, 8, X86_RAX, pc);
        x86_load(&N.b, 8, X86_RDX, CPU_FIELD(jc));
        x86_load(&N.b, 8, X86_RDX,
                 x86_mem(X86_RDX, (int32_t)(cpu_jc_hash(pc) * 8)));
    }
    x86_alu_rm(&N.b, X86_CMP, 8, X86_RAX,
               x86_mem(X86_RDX, (int32_t)offsetof(TB, pc)));
    size_t miss1 = x86_jcc(&N.b, X86_CC_NE);
    x86_load(&N.b, 8, X86_RCX, CPU_FIELD(tb_flags));
    x86_alu_rm(&N.b, X86_CMP, 8, X86_RCX,
               x86_mem(X86_RDX, (int32_t)offsetof(TB, flags)));
    size_t miss2 = x86_jcc(&N.b, X86_CC_NE);
    x86_load(&N.b, 4, X86_RCX, CPU_FIELD(cflags));
    x86_alu_rm(&N.b, X86_CMP, 4, X86_RCX,
               x86_mem(X86_RDX, (int32_t)offsetof(TB, cflags)));
    size_t miss3 = x86_jcc(&N.b, X86_CC_NE);
    /* The target's chain entry checks the limit and pre-commits (and if
     * it does not fit, leaves with cpu->pc at itself). */
    x86_jmp_m(&N.b, x86_mem(X86_RDX, (int32_t)offsetof(TB, code)));
    size_t miss = x86_buf_offset(&N.b);
    x86_patch_rel32(&N.b, miss1, miss);
    x86_patch_rel32(&N.b, miss2, miss);
    x86_patch_rel32(&N.b, miss3, miss);
    x86_store(&N.b, 8, CPU_FIELD(pc), X86_RAX);
    x86_store_imm(&N.b, 8, CPU_FIELD(last_exit), 0);
    jmp_to_epilogue();
}

static void emit_goto_dyn(const IROp *op)
{
    add_exit(op, 0);
    flush_globals(N.dirty & (uint16_t)~N.pin_all);
    load_pins(N.pin_out);
    emit_adjust(op->insn);
    load_val(X86_RAX, op->v[1]);
    emit_jc_probe(true, 0);
}

/*
 * True when the loop may chain a goto to pc: tcache_chain() chains only
 * to code in pages the block's own lookup vouched for (its spans), unless
 * the CPU's code mapping never changes.
 */
static bool goto_may_chain(uint64_t pc)
{
    unsigned bits = N.ir->cpu->page_bits;
    if (cpu_code_map_fixed(N.ir->cpu))
        return true;
    for (unsigned i = 0; i < N.ir->nspans; i++)
        if ((N.ir->spans[i].vunit >> bits) == (pc >> bits))
            return true;
    return false;
}

static void emit_goto(const IROp *op)
{
    if (N.self_loop && op->imm == N.insn_pc[0]) {
        emit_self_loop(op);
        return;
    }
    if (!goto_may_chain(op->imm)) {
        /* Another page: never chained (its mapping may change without
         * this block's), so probe the jump cache, which a mapping change
         * empties, as goto_dyn does. */
        add_exit(op, op->imm);
        flush_globals(N.dirty & (uint16_t)~N.pin_all);
        load_pins(N.pin_out);
        emit_adjust(op->insn);
        emit_jc_probe(false, op->imm);
        return;
    }
    unsigned i = add_exit(op, op->imm);
    /* Chained, the pins stay in their registers. */
    flush_globals(N.dirty & (uint16_t)~N.pin_all);
    load_pins(N.pin_out);
    emit_adjust(op->insn);
    size_t f = x86_jmp(&N.b);
    size_t home = x86_buf_offset(&N.b);
    x86_patch_rel32(&N.b, f, home);
    /* Unchained: back to the loop, which may chain this exit. */
    movabs_patch(X86_RAX, PATCH_EXIT, i);
    x86_store(&N.b, 8, CPU_FIELD(last_exit), X86_RAX);
    x86_mov_ri(&N.b, 8, X86_RAX, op->imm);
    x86_store(&N.b, 8, CPU_FIELD(pc), X86_RAX);
    jmp_to_epilogue();
    g_array_index(N.exits, NExit, i).jmp_field = f;
    g_array_index(N.exits, NExit, i).home = home;
}

static void emit_exit_loop(const IROp *op)
{
    add_exit(op, op->imm);
    flush_globals(N.dirty & (uint16_t)~N.pin_all); /* pins: the epilogue */
    emit_adjust(op->insn);
    emit_leave(op->imm);
}

/* Leave at instruction insn if the previous one's slow path asked to. */
static void emit_end_insn_check(unsigned insn)
{
    x86_cmp_mi8(&N.b, CPU_FIELD(end_insn), 0);
    Cold c = {COLD_END_INSN, x86_jcc(&N.b, X86_CC_NE), 0, 0, insn, N.dirty,
              X86_RAX, X86_RSI, 0, TESSERA_IR_NONE, -1, 0, {-1, -1, -1, -1}, false};
    narray_append(N.colds, &c, 1);
}

/* Ops that leave RAX alone until they load their first operand into it
 * (and instruction boundaries, which do not touch it). */
static bool keeps_rax(const IROp *op)
{
    switch ((IROpc)op->opc) {
    case IR_INSN_START:
    case IR_ADD_CYCLES:
    case IR_NOP:
    case IR_MOV:
    case IR_BINOP:
    case IR_UNOP:
    case IR_SETCOND:
    case IR_SELECT:
    case IR_BRCOND:
    case IR_EXTRACT:
    case IR_DEPOSIT:
        return true;
    default:
        return false;
    }
}

/* A setcond whose temp only goes, by the next op, into a byte global
 * kept in env. */
static bool setcond_to_global(const IROp *op)
{
    if (N.cur_op + 1 >= N.ir->nops)
        return false;
    const IROp *m = op + 1;
    TesseraVal t = op->v[0], g = m->v[0];
    return m->opc == IR_MOV && m->v[1] == t &&
           ir_val_kind(t) == IR_VK_TEMP &&
           N.tlast[IR_VAL_INDEX(t)] == N.cur_op + 1 &&
           ir_val_kind(g) == IR_VK_GLOBAL && ir_global_size(g) == 1 &&
           reg_of(g) == X86_NOREG && N.cur_op + 1 != N.sink_from;
}

/*
 * "brcond L; [add_cycles;] goto X; L: [add_cycles;] goto start" closing a
 * self-loop (a RISC-V loop's backward branch): the way out (the ops up to
 * goto X, whose last is returned in *hi) is emitted after the body, so
 * that a round that goes on takes one jump (back), not two.
 */
static bool loop_branch(const IROp *op, uint32_t *hi)
{
    const TesseraIR *b = N.ir;
    uint32_t i = N.cur_op + 1;
    if (!N.self_loop || N.defer_lo != UINT32_MAX ||
        N.sink_from != UINT32_MAX || N.guard != UINT32_MAX || N.nsunk)
        return false;
    if (i < b->nops && b->ops[i].opc == IR_ADD_CYCLES)
        i++;
    if (i + 1 >= b->nops || b->ops[i].opc != IR_GOTO ||
        b->ops[i].imm == N.insn_pc[0] || b->ops[i + 1].opc != IR_LABEL ||
        b->ops[i + 1].imm != op->imm)
        return false;
    uint32_t k = i + 2;
    if (k < b->nops && b->ops[k].opc == IR_ADD_CYCLES)
        k++;
    if (k >= b->nops || b->ops[k].opc != IR_GOTO ||
        b->ops[k].imm != N.insn_pc[0])
        return false;
    *hi = i;
    return true;
}

static void emit_op(const IROp *op)
{
    if (!keeps_rax(op))
        N.rax_val = TESSERA_IR_NONE;
    switch ((IROpc)op->opc) {
    case IR_NOP:
    case IR_INSN_START:
    case IR_MB: /* one vCPU runs at a time */
    case IR_NB_OPC:
        break;
    case IR_ADD_CYCLES:
        /* Right before a goto (a taken branch): folded into what the
         * exit gives back. */
        if (N.cur_op + 1 < N.ir->nops &&
            N.ir->ops[N.cur_op + 1].opc == IR_GOTO) {
            N.exit_cycles += (int32_t)op->imm;
            break;
        }
        x86_alu_ri(&N.b, X86_ADD, 8, RCYC, (int32_t)op->imm);
        x86_alu_mi(&N.b, X86_ADD, 8, CPU_FIELD(xcycles), (int32_t)op->imm);
        break;
    case IR_SKIP: {
        /* A branch over instructions: they do not retire. */
        uint32_t di = (uint32_t)op->imm, dc = (uint32_t)(op->imm >> 32);
        if (dc != di)
            x86_alu_mi(&N.b, X86_SUB, 8, CPU_FIELD(xcycles),
                       (int32_t)(dc - di));
        if (dc)
            x86_alu_ri(&N.b, X86_SUB, 8, RCYC, (int32_t)dc);
        break;
    }
    case IR_COUNTER:
        x86_load(&N.b, 4, X86_RAX, CPU_FIELD(index));
        x86_mov_ri(&N.b, 8, X86_RCX, op->imm);
        x86_alu_mi(&N.b, X86_ADD, 8, x86_mem_index(X86_RCX, X86_RAX, 8, 0),
                   op->aux2);
        break;
    case IR_LABEL:
        N.label_pos[op->imm] = x86_buf_offset(&N.b);
        N.dirty = (N.reachable ? N.dirty : 0) | N.label_dirty[op->imm];
        N.reachable = true;
        break;
    case IR_MOV: {
        TesseraVal src = op->v[1], dst = op->v[0];
        X86Reg sr = reg_of(src);
        /* The 32-bit truncation changes nothing for an unsigned global
         * of 4 bytes or less, or for a global of 4 bytes or less to
         * write. */
        bool narrow_src = ir_val_kind(src) == IR_VK_GLOBAL &&
                          ir_global_size(src) <= 4 &&
                          !ir_global_is_signed(src);
        bool narrow_dst = ir_val_kind(dst) == IR_VK_GLOBAL &&
                          ir_global_size(dst) <= 4;
        bool trunc = op->width != TESSERA_I64 && !narrow_src && !narrow_dst &&
                     width_of(src) > 32;
        if (sr != X86_NOREG && !trunc) {
            store_val(dst, sr);
            break;
        }
        /* A constant into a global or temp kept in memory: one store
         * (AVR's LDI, flags set to a constant). */
        if (ir_val_kind(src) == IR_VK_CONST && reg_of(dst) == X86_NOREG &&
            (ir_val_kind(dst) == IR_VK_GLOBAL ||
             ir_val_kind(dst) == IR_VK_TEMP)) {
            uint64_t c = ir_const_value(N.ir, src);
            if (op->width != TESSERA_I64)
                c = (uint32_t)c;
            unsigned sz = ir_val_kind(dst) == IR_VK_GLOBAL
                              ? ir_global_size(dst) : 8;
            if (sz != 8 || fits_i32(c)) {
                x86_store_imm(&N.b, sz, mem_of(dst), (int32_t)c);
                N.rax_val = TESSERA_IR_NONE;
                break;
            }
        }
        X86Reg d = dst_reg(op, 1);
        if (sr != X86_NOREG) {
            x86_mov_rr(&N.b, 4, d, sr);
        } else {
            load_val(d, src);
            if (trunc)
                x86_mov_rr(&N.b, 4, d, d);
        }
        store_val(dst, d);
        break;
    }
    case IR_BINOP:
        emit_binop(op);
        break;
    case IR_UNOP:
        emit_unop(op);
        break;
    case IR_SETCOND: {
        X86Reg d = reg_of(op->v[0]) != X86_NOREG ? reg_of(op->v[0]) : X86_RAX;
        if (setcond_to_global(op)) {
            /* "setcond t; mov g, t" with t dying there: set the byte of
             * g in env (a flag) directly; the mov is skipped. */
            emit_cmp(op);
            x86_setcc_m(&N.b, cond_of(op->sub), global_mem(op[1].v[0]));
            N.skip_op = N.cur_op + 1;
            break;
        }
        emit_cmp(op);
        x86_setcc(&N.b, cond_of(op->sub), d);
        x86_movzx_rr(&N.b, 4, 1, d, d);
        store_val(op->v[0], d);
        break;
    }
    case IR_SELECT:
        emit_select(op);
        break;
    case IR_BRCOND: {
        emit_cmp(op);
        uint32_t hi;
        if (loop_branch(op, &hi)) {
            /* The round goes on through L: jump out when it does not. */
            N.defer_jcc = x86_jcc(&N.b, (X86Cond)(cond_of(op->sub) ^ 1));
            N.defer_lo = N.cur_op + 1;
            N.defer_hi = hi;
            N.defer_dirty = N.dirty;
            N.label_dirty[op->imm] |= N.dirty;
            break;
        }
        size_t f = x86_jcc(&N.b, cond_of(op->sub));
        size_t pair[2] = {f, (size_t)op->imm};
        narray_append(N.fix_label, pair, 2);
        N.label_dirty[op->imm] |= N.dirty;
        break;
    }
    case IR_BR: {
        size_t pair[2] = {x86_jmp(&N.b), (size_t)op->imm};
        narray_append(N.fix_label, pair, 2);
        N.label_dirty[op->imm] |= N.dirty;
        N.reachable = false;
        break;
    }
    case IR_LOAD:
        emit_load(op);
        break;
    case IR_STORE:
        emit_store(op);
        break;
    case IR_ATOMIC:
    case IR_CMPXCHG:
        emit_atomic(op);
        break;
    case IR_CALL:
        emit_call(op);
        break;
    case IR_CARRY:
        emit_carry(op);
        break;
    case IR_EXTRACT:
        emit_extract(op);
        break;
    case IR_DEPOSIT:
        emit_deposit(op);
        break;
    case IR_GOTO:
        emit_goto(op);
        N.reachable = false;
        break;
    case IR_GOTO_DYN:
        emit_goto_dyn(op);
        N.reachable = false;
        break;
    case IR_EXIT_LOOP:
        emit_exit_loop(op);
        N.reachable = false;
        break;
    }
}

/* Ops after which the running block may have to stop (slow paths). */
static bool may_end_insn(const IROp *op)
{
    uint64_t addend;
    switch ((IROpc)op->opc) {
    case IR_LOAD:
    case IR_STORE:
        return !direct_ram(op, &addend);
    case IR_ATOMIC:
    case IR_CMPXCHG:
    case IR_CALL:
        return true;
    default:
        return false;
    }
}

/*
 * A store whose TLB entry is for a page of code (TLB_FLAG_CODE, RDI its
 * index, RCX the compare value, RSI the address) comes here on its way to
 * native_store_slow. Most such stores write data that shares the page
 * with code, not the code itself: when the bytes lie outside the span of
 * the page's translated code (CodePage.lo, .hi), store directly, as
 * native_store_slow would, without the call, and jump back; else fall
 * through to the call, which checks the 4-byte map. RDI and RCX stay as
 * the probe left them, for the slow path.
 */
static void emit_code_page_store(const Cold *c)
{
    unsigned memop = (c->desc >> 16) & 0xff, mmu = (c->desc >> 24) & 0xff;
    unsigned size = memop & TESSERA_MO_SIZE_MASK;
    int32_t base = (int32_t)(mmu * CPU_TLB_SIZE * sizeof(TlbEntry) +
                             cpu_tlb_env_offset(N.ir->arch));
    /* Scratch: p for the entry's words, u for the page offset; RCX only
     * when the value is in RAX, saved when the next probe wants it. */
    X86Reg u = c->reg != X86_RAX ? X86_RAX : X86_RCX;
    X86Reg p = X86_RDX;
    bool save_rcx = u == X86_RCX && c->keep;
    int32_t cp_lo = (int32_t)(offsetof(CodePage, lo) - offsetof(CodePage, mask));
    int32_t cp_hi = (int32_t)(offsetof(CodePage, hi) - offsetof(CodePage, mask));

    if (save_rcx)
        x86_push(&N.b, X86_RCX);
    /* Only a matching entry with no flag but TLB_FLAG_CODE. */
    x86_load(&N.b, 8, p,
             x86_mem_index(RENV, X86_RDI, 1,
                           base + (int32_t)offsetof(TlbEntry, tag_w)));
    x86_alu_ri(&N.b, X86_XOR, 8, p, TLB_FLAG_CODE);
    x86_alu_rr(&N.b, X86_CMP, 8, p, X86_RCX);
    size_t differs = x86_jcc(&N.b, X86_CC_NE);
    x86_load(&N.b, 8, p,
             x86_mem_index(RENV, X86_RDI, 1,
                           base + (int32_t)offsetof(TlbEntry, codemask)));
    /* No overlap when offset >= hi or offset + size <= lo (the store
     * does not cross the page: the probe's tag says so). */
    x86_mov_rr(&N.b, 4, u, X86_RSI);
    x86_alu_ri(&N.b, X86_AND, 4, u, (int32_t)(TC_PAGE_SIZE - 1));
    x86_alu_rm(&N.b, X86_CMP, 4, u, x86_mem(p, cp_hi));
    size_t after = x86_jcc(&N.b, X86_CC_AE);
    x86_alu_ri(&N.b, X86_ADD, 4, u, (int32_t)size);
    x86_alu_rm(&N.b, X86_CMP, 4, u, x86_mem(p, cp_lo));
    size_t overlaps = x86_jcc(&N.b, X86_CC_A);
    x86_patch_rel32(&N.b, after, x86_buf_offset(&N.b));
    x86_load(&N.b, 8, p,
             x86_mem_index(RENV, X86_RDI, 1,
                           base + (int32_t)offsetof(TlbEntry, addend)));
    if (save_rcx)
        x86_pop(&N.b, X86_RCX);
    x86_store(&N.b, size, x86_mem_index(X86_RSI, p, 1, 0), c->reg);
    x86_patch_rel32(&N.b, x86_jmp(&N.b), c->back);
    x86_patch_rel32(&N.b, differs, x86_buf_offset(&N.b));
    x86_patch_rel32(&N.b, overlaps, x86_buf_offset(&N.b));
    if (save_rcx)
        x86_pop(&N.b, X86_RCX);
}

static void emit_colds(void)
{
    for (unsigned i = 0; i < N.colds->len; i++) {
        Cold *c = &g_array_index(N.colds, Cold, i);
        x86_patch_rel32(&N.b, c->from, x86_buf_offset(&N.b));
        switch (c->kind) {
        case COLD_LOAD:
        case COLD_STORE:
            if (c->abase != X86_RSI || c->adisp)
                lea_or_mov(X86_RSI, c->abase, c->adisp);
            /* (a store with a slot leaves this to the call, which fills
             * the slot: slot_fill()) */
            if (c->kind == COLD_STORE && code_page_check() && !(c->desc >> 32))
                emit_code_page_store(c);
            if (c->kind == COLD_STORE) /* before RAX is used */
                x86_mov_rr(&N.b, 8, X86_RDX, c->reg);
            if (c->keep) { /* the address, twice: RSP stays aligned */
                x86_push(&N.b, X86_RSI);
                x86_push(&N.b, X86_RSI);
            }
            /* It may fault: env gets every guest register (the pins
             * in the thunk). */
            uint16_t flush = c->dirty, reload = 0;
            const void *fn = pin_thunk(
                c->kind == COLD_LOAD ? (const void *)native_load_slow
                                     : (const void *)native_store_slow,
                &flush, &reload);
            flush_globals(flush);
            save_volatile(0, c->vol_temp);
            set_cur_tb();
            cpu_arg(X86_RDI);
            x86_mov_ri(&N.b, 8, c->kind == COLD_LOAD ? X86_RDX : X86_RCX,
                       c->desc);
            call_fn(fn);
            restore_volatile(global_regs() & VOLATILE_MASK, c->vol_temp);
            if (c->kind == COLD_LOAD) {
                if (c->reg != X86_RAX)
                    x86_mov_rr(&N.b, 8, c->reg, X86_RAX);
                store_code(c->dst, c->reg);
            }
            if (c->keep) {
                /* RDI and RCX as the probe left them (N.kp). */
                unsigned memop = (c->desc >> 16) & 0xff;
                unsigned size = memop & TESSERA_MO_SIZE_MASK;
                unsigned pb = N.ir->arch->page_bits;
                int32_t mask = (int32_t)~((1u << pb) - 1);
                unsigned mmu = (c->desc >> 24) & 0xff;
                int32_t ad = (int32_t)(mmu * CPU_TLB_SIZE * sizeof(TlbEntry) +
                                       cpu_tlb_env_offset(N.ir->arch) +
                                       offsetof(TlbEntry, addend));
                x86_pop(&N.b, X86_RDI);
                x86_pop(&N.b, X86_RCX);
                x86_shift_ri(&N.b, X86_SHR, 8, X86_RDI, (uint8_t)(pb - 5));
                x86_alu_ri(&N.b, X86_AND, 4, X86_RDI, (CPU_TLB_SIZE - 1) << 5);
                /* and RDX the entry's addend, for a probe that matches */
                x86_load(&N.b, 8, X86_RDX,
                         x86_mem_index(RENV, X86_RDI, 1, ad));
                if (memop & TESSERA_MO_ALIGN) {
                    x86_alu_ri(&N.b, X86_AND, 8, X86_RCX,
                               mask | (int32_t)(size - 1));
                } else {
                    x86_lea(&N.b, 8, X86_RCX,
                            x86_mem(X86_RCX, (int32_t)size - 1));
                    x86_alu_ri(&N.b, X86_AND, 8, X86_RCX, mask);
                }
            }
            if (c->end_next >= 0) {
                Cold e = {COLD_END_INSN, 0, 0, 0, (unsigned)c->end_next,
                          c->dirty_next, X86_RAX, X86_RSI, 0,
                          TESSERA_IR_NONE, -1, 0, {-1, -1, -1, -1}, false};
                x86_cmp_mi8(&N.b, CPU_FIELD(end_insn), 0);
                e.from = x86_jcc(&N.b, X86_CC_NE);
                x86_patch_rel32(&N.b, x86_jmp(&N.b), c->back);
                narray_append(N.colds, &e, 1); /* c is stale from here */
                break;
            }
            x86_patch_rel32(&N.b, x86_jmp(&N.b), c->back);
            break;
        case COLD_END_INSN:
            flush_globals(c->dirty & (uint16_t)~N.pin_all);
            /* Instructions insn.. did not run: give back their counts. */
            x86_store_imm(&N.b, 1, CPU_FIELD(end_insn), 0);
            emit_give_back(N.ninsns - c->insn,
                           N.ncycles - N.cycles_before[c->insn]);
            emit_leave(N.insn_pc[c->insn]);
            break;
        }
    }
}

static void emit_block(const TesseraIR *b)
{
    X86Buf *xb = &N.b;

    /* A block entered only from the loop (a breakpoint, one instruction)
     * must not loop on its own. */
    N.self_loop = false;
    N.d0 = 0;
    if (N.insn_pc[0] == b->pc) /* as plan_registers() found */
        N.self_loop = N.loops;
    for (unsigned i = 0; i < b->nops && N.insn_pc[0] != b->pc &&
                         !b->nocache && !N.self_loop; i++)
        N.self_loop = b->ops[i].opc == IR_GOTO &&
                      b->ops[i].imm == N.insn_pc[0];
    /* A self-loop keeps every register it writes dirty across rounds, so
     * those are loaded at entry even where the block sets them first (a
     * slow path may write them back before that). */
    for (unsigned i = 0; i < b->nops && N.self_loop; i++) {
        const IROp *op = &b->ops[i];
        if (writes_v0(op) && ir_val_kind(op->v[0]) == IR_VK_GLOBAL &&
            reg_of(op->v[0]) != X86_NOREG)
            N.d0 |= (uint16_t)(1u << reg_of(op->v[0]));
    }
    if (N.self_loop)
        N.entry_load |= N.d0 & (uint16_t)~N.pin_all;
    N.loop_body = loop_body(b);
    /* Pins may differ from env wherever the block starts. */
    N.d0 |= N.pin_live;
    plan_loop_stub(b);

    /* Chain entry: enter only if the whole block fits under the limit. */
    x86_alu_ri(xb, X86_ADD, 8, RCYC, (int32_t)N.ncycles);
    x86_alu_rm(xb, X86_CMP, 8, RCYC, CPU_FIELD(limit));
    size_t no_enter = x86_jcc(xb, X86_CC_A);
    if (N.ncycles != N.ninsns)
        x86_alu_mi(xb, X86_ADD, 8, CPU_FIELD(xcycles),
                   (int32_t)((int64_t)N.ncycles - (int64_t)N.ninsns));
    store_pins(N.pin_out);
    N.entry = x86_buf_offset(xb);
    reload_globals(N.entry_load);
    if (N.self_loop) {
        /* The loop's head on a 32-byte boundary (the code starts on a
         * cache line): on this AMD host a misplaced head made the
         * bench's checksum loop half as slow again. */
        unsigned pad = (unsigned)(-x86_buf_offset(xb) & 31);
        while (pad) {
            unsigned n = pad < 9 ? pad : 9;
            x86_nop(xb, n);
            pad -= n;
        }
    }
    N.body = x86_buf_offset(xb);
    N.dirty = N.d0;

    bool slow_before = false;
    for (unsigned i = 0; i < b->nops; i++) {
        const IROp *op = &b->ops[i];
        if (i >= N.defer_lo && i <= N.defer_hi)
            continue; /* emitted after the body */
        N.cur_op = i;
        /* v0 last: a temp born here in the register of a source that
         * dies here ("d = v1 op v2") is what the register holds after. */
        for (unsigned k = N.temps ? nvals(op) : 0; k-- > 0;) {
            TesseraVal v = op->v[k];
            if (ir_val_kind(v) == IR_VK_TEMP && N.treg[IR_VAL_INDEX(v)] >= 0)
                N.reg_temp[N.treg[IR_VAL_INDEX(v)]] = (int32_t)IR_VAL_INDEX(v);
        }
        if (op->opc == IR_INSN_START) {
            if (slow_before && op->insn > 0)
                emit_end_insn_check(op->insn);
            slow_before = false;
        }
        /* Only paths through a slow op need the check: a label gets it
         * from the branches to it and the fall-through into it; code
         * after an exit is reached only through labels. */
        if (op->opc == IR_LABEL)
            slow_before = (N.reachable && slow_before) ||
                          N.label_slow[op->imm];
        else if (op->opc == IR_BRCOND || op->opc == IR_BR)
            N.label_slow[op->imm] |= slow_before;
        if (i == N.sink_from) {
            const IROp *g = &b->ops[N.sink_goto];
            emit_loop_check(g, g[-1].opc == IR_ADD_CYCLES
                                   ? (int32_t)g[-1].imm : 0);
            N.loop_checked = true;
            emit_sunk();
        }
        if (N.skip_op == i) /* done with the op before */
            N.skip_op = UINT32_MAX;
        else if (!is_sunk(i))
            emit_op(op);
        if (N.nsunk && i == N.sink_goto + 1) /* L */
            emit_sunk();
        if (op->opc != IR_LOAD && op->opc != IR_STORE)
            update_kept_probe(op);
        if (!N.reachable)
            slow_before = false;
        slow_before |= may_end_insn(op) && !ends_insn(op);
    }

    x86_patch_rel32(xb, no_enter, x86_buf_offset(xb));
    x86_alu_ri(xb, X86_SUB, 8, RCYC, (int32_t)N.ncycles);
    store_pins(N.pin_out);
    emit_leave(N.insn_pc[0]);
    if (N.defer_lo != UINT32_MAX) {
        x86_patch_rel32(xb, N.defer_jcc, x86_buf_offset(xb));
        N.dirty = N.defer_dirty;
        N.reachable = true;
        N.rax_val = TESSERA_IR_NONE;
        N.kp.valid = false;
        N.exit_cycles = 0;
        for (uint32_t i = N.defer_lo; i <= N.defer_hi; i++) {
            N.cur_op = i;
            emit_op(&b->ops[i]);
        }
    }
    emit_slot_fills();
    emit_colds();

    /* The loop's entry: the pins from env, then the entry's loads. The
     * pins' trampoline loads them (all of them: a pin_out register then
     * holds what env does, as at a chained exit), else a stub here. */
    N.loop_entry = N.entry;
    ThunkKey tk = {THUNK_TRAMPOLINE, N.pin_offs, 0,
                   (uint8_t)((1u << N.npin) - 1)};
    if (N.pin_live && !thunk_get(&tk)) {
        N.loop_entry = x86_buf_offset(xb);
        load_pins(N.pin_live);
        x86_patch_rel32(xb, x86_jmp(xb), N.entry);
    }

    /* The epilogue: the pins to env, undo the trampoline's frame; one
     * shared by the blocks with the same live pins, else here. */
    size_t epi = x86_buf_offset(xb);
    for (unsigned i = 0; i < N.to_epilogue->len; i++)
        x86_patch_rel32(xb, g_array_index(N.to_epilogue, size_t, i), epi);
    tk = (ThunkKey){THUNK_EPILOGUE, N.pin_offs, 0, 0};
    for (unsigned k = 0; k < N.npin; k++)
        if (N.pin_live & (1u << N.pinreg[k]))
            tk.store |= (uint8_t)(1u << k);
    void *shared = thunk_get(&tk);
    if (shared) {
        x86_movabs(xb, X86_RAX, (uint64_t)(uintptr_t)shared);
        x86_jmp_r(xb, X86_RAX);
        goto labels;
    }
    store_pins(N.pin_live);
    emit_frame_leave(xb);

labels:
    for (unsigned i = 0; i < N.fix_label->len; i += 2)
        x86_patch_rel32(xb, g_array_index(N.fix_label, size_t, i),
                        N.label_pos[g_array_index(N.fix_label, size_t, i + 1)]);
}

static void reset_state(const TesseraIR *b)
{
    if (!N.fix_label) {
        N.fix_label = narray_new(sizeof(size_t));
        N.patches = narray_new(sizeof(Patch));
        N.exits = narray_new(sizeof(NExit));
        N.colds = narray_new(sizeof(Cold));
        N.to_epilogue = narray_new(sizeof(size_t));
        N.fills = narray_new(sizeof(SlotFill));
    }
    N.fills->len = 0;
    N.defer_lo = UINT32_MAX;
    N.defer_hi = 0;
    N.fix_label->len = 0;
    N.skip_op = UINT32_MAX;
    N.patches->len = 0;
    N.exits->len = 0;
    N.colds->len = 0;
    N.to_epilogue->len = 0;
    N.ir = b;
    N.rax_val = TESSERA_IR_NONE;
    N.kp.valid = false;
    N.dirty = 0;
    N.reachable = true;
    N.carry_twin = UINT32_MAX;
    N.exit_cycles = 0;
    for (unsigned r = 0; r < 16; r++)
        N.reg_temp[r] = -1;
    /* Grown, never shrunk: most blocks need no allocation. */
    if (b->nlabels + 1 > N.labels_cap) {
        N.labels_cap = (b->nlabels + 1) * 2;
        N.label_dirty = g_renew(uint16_t, N.label_dirty, N.labels_cap);
        N.label_slow = g_renew(bool, N.label_slow, N.labels_cap);
        N.label_pos = g_renew(size_t, N.label_pos, N.labels_cap);
    }
    if (b->ninsns + 1 > N.insns_cap) {
        N.insns_cap = (b->ninsns + 1) * 2;
        N.insn_pc = g_renew(uint64_t, N.insn_pc, N.insns_cap);
        N.cycles_before = g_renew(uint32_t, N.cycles_before, N.insns_cap);
    }
    memset(N.label_dirty, 0, (b->nlabels + 1) * sizeof(uint16_t));
    memset(N.label_slow, 0, (b->nlabels + 1) * sizeof(bool));
    uint32_t cyc = 0, k = 0;
    for (unsigned i = 0; i < b->nops; i++) {
        if (b->ops[i].opc != IR_INSN_START)
            continue;
        N.insn_pc[k] = b->ops[i].imm;
        N.cycles_before[k++] = cyc;
        cyc += b->ops[i].aux2;
    }
    N.cycles_before[k] = cyc;
    N.ninsns = k;
    N.ncycles = cyc;
}

static size_t native_compile(const TesseraIR *b, unsigned *nexits)
{
    static bool probed;
    if (!probed) {
        __builtin_cpu_init();
        host_bmi2 = __builtin_cpu_supports("bmi2");
        probed = true;
    }
    plan_registers(b);
    /* No temp mentioned: no slot either (all 0, as backend_alloc_slots()
     * would say, at the cost of two passes over the ops). */
    if (N.temps) {
        N.slot_of = backend_alloc_slots(b);
    } else {
        if (b->ntemps + 1 > N.zero_slots_cap) {
            N.zero_slots_cap = (b->ntemps + 1) * 2;
            g_free(N.zero_slots);
            N.zero_slots = g_new0(int16_t, N.zero_slots_cap);
        }
        N.slot_of = N.zero_slots;
    }
    for (;;) {
        if (!N.mem) {
            N.cap = N.cap ? N.cap * 2 : 64 << 10;
            N.mem = g_malloc(N.cap);
        }
        reset_state(b);
        x86_buf_init(&N.b, N.mem, N.cap);
        emit_block(b);
        if (!N.b.overflow)
            break;
        g_free(N.mem);
        N.mem = NULL;
    }
    *nexits = N.exits->len;
    return x86_buf_offset(&N.b);
}

/*
 * Code is written through the arena's writable mapping and run through the
 * executable one, at another linear address. x86 keeps instruction fetch
 * coherent with stores only partly across such aliases: the SDM (vol. 3,
 * "Self-modifying code") says the check for instructions already fetched
 * is made by linear address, and asks code written through another
 * address to be run only after a serializing instruction. Without one, a
 * block entered right after it was written can run the bytes that were
 * there before (zeros: "add [rax], al"), seen on an AMD host as a SIGSEGV
 * on the first instruction of a new block's loop entry, the last bytes
 * written. So every write of code (a new block, a patched jump) sets
 * code_written, and the next entry from the loop serializes first. The
 * loop runs all CPUs and translates in one thread. A jump unchained while
 * generated code runs (a helper that invalidates blocks) may still be
 * taken as fetched before: it leads to a block that is invalid but not
 * overwritten (the arena is reused only after a flush, from the loop), and
 * that block's chain entry sends the CPU back to the loop, since an
 * invalidation sets cpu->limit to 0 for every running CPU.
 * (code_written is declared with the pin thunks.)
 */

/* IRET to the next instruction: serializing, and unlike CPUID it does not
 * exit to a hypervisor. Below the red zone of the C code around it. */
static void sync_core(void)
{
    unsigned long scratch;
    __asm__ volatile("sub $128, %%rsp\n\t"
                     "mov %%ss, %k0\n\t"
                     "push %0\n\t"
                     "lea 8(%%rsp), %0\n\t"
                     "push %0\n\t"
                     "pushfq\n\t"
                     "mov %%cs, %k0\n\t"
                     "push %0\n\t"
                     "lea 1f(%%rip), %0\n\t"
                     "push %0\n\t"
                     "iretq\n"
                     "1:\n\t"
                     "add $128, %%rsp"
                     : "=&r"(scratch)
                     :
                     : "memory", "cc");
}

static void native_install(TB *tb, void *code, void *code_x)
{
    code_written = true;
    size_t size = x86_buf_offset(&N.b);
    memcpy(code, N.mem, size);
    tb->code = code_x;
    tb->code_entry = (uint32_t)N.loop_entry;
    for (unsigned i = 0; i < N.exits->len; i++) {
        const NExit *nx = &g_array_index(N.exits, NExit, i);
        TBExit *x = &tb->exits[i];
        tcache_exit_init(tb, x, nx->pc, nx->insn);
        x->jmp_field = nx->jmp_field == SIZE_MAX ? UINT32_MAX
                                                 : (uint32_t)nx->jmp_field;
        x->jmp_home = (uint32_t)nx->home;
    }
    for (unsigned i = 0; i < N.patches->len; i++) {
        const Patch *p = &g_array_index(N.patches, Patch, i);
        uint64_t v = p->kind == PATCH_TB ? (uint64_t)(uintptr_t)tb
                                         : (uint64_t)(uintptr_t)&tb->exits[p->index];
        memcpy((uint8_t *)code + p->off, &v, 8);
    }
}

/* Points exit x's jump at target (run-time address). */
static void set_exit_jump(TBExit *x, uintptr_t target)
{
    uint8_t *field_x = (uint8_t *)x->tb->code + x->jmp_field;
    uint8_t *field_w = field_x - tcache_exec_delta();
    bool ok = x86_set_rel32(field_w, (uintptr_t)field_x, target);
    code_written = true;
    g_assert(ok); /* the arena is smaller than a rel32's reach */
}

static void native_chain(TBExit *x)
{
    if (x->jmp_field != UINT32_MAX)
        set_exit_jump(x, (uintptr_t)x->next->code);
}

static void native_unchain(TBExit *x)
{
    if (x->jmp_field != UINT32_MAX)
        set_exit_jump(x, (uintptr_t)x->tb->code + x->jmp_home);
}

/*
 * The trampoline, in a page of its own: saves the callee-saved
 * registers, keeps the stack 16-byte aligned for calls, loads RBX and RCYC
 * and jumps to the code (blocks pop the same frame in their epilogue).
 */
static void make_trampoline(void)
{
    size_t page = 4096;
    void *p = mmap(NULL, page, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    g_assert(p != MAP_FAILED);
    X86Buf b;
    x86_buf_init(&b, p, page);
    emit_frame_enter(&b);
    x86_jmp_r(&b, X86_RDX);
    g_assert(!b.overflow);
    /* Written, then made executable: never both. */
    g_assert(mprotect(p, page, PROT_READ | PROT_EXEC) == 0);
    trampoline = p;
}

/* The trampoline for cpu: the one of its pins (see emit_block), if it
 * has pins and their thunk exists, else the plain one. */
static void *cpu_trampoline(Cpu *cpu)
{
    static uint64_t last_offs;
    static unsigned last_npin;
    static void *last_t;
    uint64_t offs;
    unsigned npin = cpu_pins(cpu, &offs);
    if (last_t && npin == last_npin && offs == last_offs)
        return last_t;
    ThunkKey k = {THUNK_TRAMPOLINE, offs, 0, (uint8_t)((1u << npin) - 1)};
    void *t = npin && Th.slot ? thunk_slot(&k)->t : NULL;
    if (!trampoline)
        make_trampoline();
    if (t || !npin) { /* for good: thunks stay */
        last_offs = offs;
        last_npin = npin;
        last_t = t ? t : trampoline;
    }
    return t ? t : trampoline;
}

static void native_exec(Cpu *cpu, TB *tb)
{
    void (*run)(Cpu *, unsigned char *, void *);
    void *t = cpu_trampoline(cpu);
    memcpy(&run, &t, sizeof(run));
    if (unlikely(code_written)) {
        code_written = false;
        sync_core();
    }
    run(cpu, cpu->env, (uint8_t *)tb->code + tb->code_entry);
}

const Backend backend_native = {
    .name = "native",
    .description = "x86-64 code generator",
    .executable = true,
    .compile = native_compile,
    .install = native_install,
    .exec = native_exec,
    .chain = native_chain,
    .unchain = native_unchain,
};

#endif
