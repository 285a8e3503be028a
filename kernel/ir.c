/* SPDX-License-Identifier: MIT */
/*
 * The IR builder: the tessera_ir_* calls an arch frontend makes while it
 * translates one block. Ops go into one reused array; nothing is checked on
 * the hot paths of the builder beyond what would corrupt the core, and
 * ir_validate() checks the block's shape once at the end.
 */
#include <glib.h>
#include <inttypes.h>
#include <string.h>

#include "kernel/bus.h"
#include "kernel/cpu-internal.h"
#include "kernel/debug.h"
#include "kernel/ir-internal.h"
#include "kernel/log.h"

static TesseraIR builder;

static void ir_fail(TesseraIR *b, const char *msg)
{
    if (!b->error) {
        b->error = true;
        b->error_msg = msg;
    }
}

TesseraIR *ir_begin(Cpu *cpu, uint64_t pc, uint64_t flags, unsigned code_mmu)
{
    TesseraIR *b = &builder;

    b->cpu = cpu;
    b->arch = cpu ? cpu->arch : NULL;
    b->pc = pc;
    b->flags = flags;
    b->code_mmu = code_mmu;
    /* Spans must sit inside one arch page and inside one code page. */
    b->unit_bits = TC_PAGE_BITS;
    if (cpu && cpu->page_bits < b->unit_bits)
        b->unit_bits = cpu->page_bits;
    b->nops = 0;
    b->nconsts = 0;
    b->ntemps = 0;
    b->nlabels = 0;
    b->skips = false;
    b->ninsns = 0;
    b->insn0_size = 0;
    b->cur_insn = -1;
    b->error = false;
    b->error_msg = NULL;
    b->nspans = 0;
    b->one_insn = false;
    b->nocache = false;
    b->bytes_hi = 0;
    /* Handle 0 of each table is unused so that no value is TESSERA_IR_NONE. */
    ir_const(b, 0);
    b->ntemps = 1;
    return b;
}

static __attribute__((noinline)) void grow_ops(TesseraIR *b)
{
    b->ops_cap = b->ops_cap ? b->ops_cap * 2 : 256;
    b->ops = g_renew(IROp, b->ops, b->ops_cap);
}

/* Inlined into the builder's calls: an op is a few stores. */
static inline IROp *emit(TesseraIR *b, IROpc opc)
{
    if (unlikely(b->nops == b->ops_cap))
        grow_ops(b);
    IROp *op = &b->ops[b->nops++];
    *op = (IROp){.opc = (uint8_t)opc,
                 .insn = b->cur_insn < 0 ? 0 : (uint32_t)b->cur_insn};
    return op;
}

IROp *ir_emit(TesseraIR *b, IROpc opc)
{
    return emit(b, opc);
}

TesseraVal ir_const(TesseraIR *b, uint64_t value)
{
    if (b->nconsts == b->consts_cap) {
        b->consts_cap = b->consts_cap ? b->consts_cap * 2 : 256;
        b->consts = g_renew(uint64_t, b->consts, b->consts_cap);
    }
    b->consts[b->nconsts] = value;
    return ir_make_val(IR_VK_CONST, b->nconsts++);
}

/* ---------------------------------------------------------------------- */
/* Values                                                                  */

TesseraVal tessera_ir_temp(TesseraIR *b)
{
    if (b->ntemps >= (1u << IR_VAL_SHIFT) - 1) {
        ir_fail(b, "too many temporaries");
        return ir_make_val(IR_VK_TEMP, 1);
    }
    return ir_make_val(IR_VK_TEMP, b->ntemps++);
}

TesseraVal tessera_ir_global(TesseraIR *b, size_t offset)
{
    if ((b->arch && offset + 8 > b->arch->env_size) || (offset & 7) ||
        offset > 0xffff) {
        ir_fail(b, "global outside env or not 8-byte aligned");
        offset = 0;
    }
    return ir_make_val(IR_VK_GLOBAL, (uint32_t)offset);
}

TesseraVal tessera_ir_global_sized(TesseraIR *b, size_t offset,
                                   unsigned memop)
{
    static const uint32_t code[9] = {[1] = 1, [2] = 2, [4] = 3, [8] = 0};
    unsigned size = memop & TESSERA_MO_SIZE_MASK;
    bool sign = (memop & TESSERA_MO_SIGN) && size < 8;

    if ((size != 1 && size != 2 && size != 4 && size != 8) ||
        (memop & ~(unsigned)(TESSERA_MO_SIZE_MASK | TESSERA_MO_SIGN)) ||
        (offset & (size - 1)) || offset > 0xffff ||
        (b->arch && offset + size > b->arch->env_size)) {
        ir_fail(b, "global_sized: bad size, or field outside env or not "
                   "naturally aligned");
        return ir_make_val(IR_VK_GLOBAL, 0);
    }
    return ir_make_val(IR_VK_GLOBAL, (uint32_t)offset | code[size] << 16 |
                                         (sign ? IR_GLOBAL_SIGN : 0));
}

TesseraVal tessera_ir_const(TesseraIR *b, uint64_t value)
{
    return ir_const(b, value);
}

/* ---------------------------------------------------------------------- */
/* Instructions                                                            */

void tessera_ir_insn_start(TesseraIR *b, uint64_t pc, unsigned size,
                           unsigned cycles)
{
    b->cur_insn = (int)b->ninsns++;
    b->next_pc = pc + size;
    if (b->cur_insn == 0)
        b->insn0_size = size;
    IROp *op = emit(b, IR_INSN_START);
    op->imm = pc;
    op->aux = (uint8_t)(size > 255 ? 255 : size);
    op->aux2 = (uint16_t)(cycles > 65535 ? 65535 : cycles);
    /* Instrumentation tools will hook here: per-instruction callbacks
     * and counters are ops inserted right after the insn_start. */
}

void tessera_ir_add_cycles(TesseraIR *b, unsigned cycles)
{
    if (cycles)
        emit(b, IR_ADD_CYCLES)->imm = cycles;
}

static bool is_dst(TesseraVal v)
{
    IRValKind k = ir_val_kind(v);
    return k == IR_VK_TEMP || k == IR_VK_GLOBAL;
}

static bool is_src(TesseraVal v)
{
    return ir_val_kind(v) != IR_VK_NONE;
}

void tessera_ir_mov(TesseraIR *b, TesseraWidth w, TesseraVal dst,
                    TesseraVal src)
{
    if (!is_dst(dst) || !is_src(src))
        ir_fail(b, "mov: bad operand");
    IROp *op = emit(b, IR_MOV);
    op->width = (uint8_t)w;
    op->v[0] = dst;
    op->v[1] = src;
}

void tessera_ir_binop(TesseraIR *b, TesseraBinop o, TesseraWidth w,
                      TesseraVal dst, TesseraVal a, TesseraVal b2)
{
    if (!is_dst(dst) || !is_src(a) || !is_src(b2) || o > TESSERA_ROTR)
        ir_fail(b, "binop: bad operand");
    IROp *op = emit(b, IR_BINOP);
    op->sub = (uint8_t)o;
    op->width = (uint8_t)w;
    op->v[0] = dst;
    op->v[1] = a;
    op->v[2] = b2;
}

void tessera_ir_unop(TesseraIR *b, TesseraUnop o, TesseraWidth w,
                     TesseraVal dst, TesseraVal a)
{
    if (!is_dst(dst) || !is_src(a) || o > TESSERA_CTPOP ||
        (w == TESSERA_I32 && (o == TESSERA_EXT32S || o == TESSERA_EXT32U ||
                              o == TESSERA_BSWAP64)))
        ir_fail(b, "unop: bad operand");
    IROp *op = emit(b, IR_UNOP);
    op->sub = (uint8_t)o;
    op->width = (uint8_t)w;
    op->v[0] = dst;
    op->v[1] = a;
}

void tessera_ir_setcond(TesseraIR *b, TesseraCond c, TesseraWidth w,
                        TesseraVal dst, TesseraVal a, TesseraVal b2)
{
    if (!is_dst(dst) || !is_src(a) || !is_src(b2) || c > TESSERA_GTU)
        ir_fail(b, "setcond: bad operand");
    IROp *op = emit(b, IR_SETCOND);
    op->sub = (uint8_t)c;
    op->width = (uint8_t)w;
    op->v[0] = dst;
    op->v[1] = a;
    op->v[2] = b2;
}

void tessera_ir_select(TesseraIR *b, TesseraCond c, TesseraWidth w,
                       TesseraVal dst, TesseraVal a, TesseraVal b2,
                       TesseraVal t, TesseraVal f)
{
    if (!is_dst(dst) || !is_src(a) || !is_src(b2) || !is_src(t) ||
        !is_src(f) || c > TESSERA_GTU)
        ir_fail(b, "select: bad operand");
    IROp *op = emit(b, IR_SELECT);
    op->sub = (uint8_t)c;
    op->width = (uint8_t)w;
    op->v[0] = dst;
    op->v[1] = a;
    op->v[2] = b2;
    op->v[3] = t;
    op->v[4] = f;
}

void tessera_ir_carry(TesseraIR *b, TesseraCarryOp o, unsigned bits,
                      TesseraVal dst, TesseraVal a, TesseraVal b2,
                      TesseraVal cin)
{
    if (!is_dst(dst) || !is_src(a) || !is_src(b2) || !is_src(cin) ||
        o > TESSERA_SUB_OVERFLOW || bits < 1 || bits > 64)
        ir_fail(b, "carry: bad operand, op or width");
    IROp *op = emit(b, IR_CARRY);
    op->sub = (uint8_t)o;
    op->width = TESSERA_I64;
    op->aux = (uint8_t)bits;
    op->v[0] = dst;
    op->v[1] = a;
    op->v[2] = b2;
    op->v[3] = cin;
}

/* The high half first, into a temp: lo and hi may be a or b2. */
static void mul2(TesseraIR *b, TesseraBinop high, TesseraWidth w,
                 TesseraVal lo, TesseraVal hi, TesseraVal a, TesseraVal b2)
{
    if (!is_dst(lo) || !is_dst(hi) || lo == hi)
        ir_fail(b, "mul2: bad destination");
    TesseraVal t = tessera_ir_temp(b);
    tessera_ir_binop(b, high, w, t, a, b2);
    tessera_ir_binop(b, TESSERA_MUL, w, lo, a, b2);
    tessera_ir_mov(b, w, hi, t);
}

void tessera_ir_mulu2(TesseraIR *b, TesseraWidth w, TesseraVal lo,
                      TesseraVal hi, TesseraVal a, TesseraVal b2)
{
    mul2(b, TESSERA_MULHU, w, lo, hi, a, b2);
}

void tessera_ir_muls2(TesseraIR *b, TesseraWidth w, TesseraVal lo,
                      TesseraVal hi, TesseraVal a, TesseraVal b2)
{
    mul2(b, TESSERA_MULH, w, lo, hi, a, b2);
}

static void extract(TesseraIR *b, bool sign, TesseraWidth w, TesseraVal dst,
                    TesseraVal a, unsigned pos, unsigned len)
{
    unsigned bits = w == TESSERA_I64 ? 64 : 32;
    if (!is_dst(dst) || !is_src(a) || len < 1 || pos >= bits ||
        len > bits - pos)
        ir_fail(b, "extract: bad operand or bit field");
    IROp *op = emit(b, IR_EXTRACT);
    op->sub = sign;
    op->width = (uint8_t)w;
    op->aux = (uint8_t)pos;
    op->aux2 = (uint16_t)len;
    op->v[0] = dst;
    op->v[1] = a;
}

void tessera_ir_extract(TesseraIR *b, TesseraWidth w, TesseraVal dst,
                        TesseraVal a, unsigned pos, unsigned len)
{
    extract(b, false, w, dst, a, pos, len);
}

void tessera_ir_sextract(TesseraIR *b, TesseraWidth w, TesseraVal dst,
                         TesseraVal a, unsigned pos, unsigned len)
{
    extract(b, true, w, dst, a, pos, len);
}

void tessera_ir_deposit(TesseraIR *b, TesseraWidth w, TesseraVal dst,
                        TesseraVal a, TesseraVal v, unsigned pos,
                        unsigned len)
{
    unsigned bits = w == TESSERA_I64 ? 64 : 32;
    if (!is_dst(dst) || !is_src(a) || !is_src(v) || len < 1 ||
        pos >= bits || len > bits - pos)
        ir_fail(b, "deposit: bad operand or bit field");
    IROp *op = emit(b, IR_DEPOSIT);
    op->width = (uint8_t)w;
    op->aux = (uint8_t)pos;
    op->aux2 = (uint16_t)len;
    op->v[0] = dst;
    op->v[1] = a;
    op->v[2] = v;
}

static bool memop_ok(TesseraIR *b, unsigned memop, unsigned mmu_idx)
{
    unsigned size = memop & TESSERA_MO_SIZE_MASK;
    if (size != 1 && size != 2 && size != 4 && size != 8)
        return false;
    if (memop & ~(unsigned)(TESSERA_MO_SIZE_MASK | TESSERA_MO_SIGN |
                            TESSERA_MO_ALIGN | TESSERA_MO_RAM))
        return false;
    if (b->arch && mmu_idx >= b->arch->nb_mmu_modes)
        return false;
    return mmu_idx < CPU_MAX_MMU_MODES;
}

void tessera_ir_load(TesseraIR *b, TesseraVal dst, TesseraVal addr,
                     int64_t offset, unsigned memop, unsigned mmu_idx)
{
    if (!is_dst(dst) || !is_src(addr) || !memop_ok(b, memop, mmu_idx)) {
        ir_fail(b, "load: bad operand, memop or mmu index");
        mmu_idx = 0;
    }
    /* A sign flag on a 64-bit load means nothing. */
    if ((memop & TESSERA_MO_SIZE_MASK) == 8)
        memop &= ~(unsigned)TESSERA_MO_SIGN;
    IROp *op = emit(b, IR_LOAD);
    op->v[0] = dst;
    op->v[1] = addr;
    op->imm = (uint64_t)offset;
    op->memop = (uint8_t)memop;
    op->mmu = (uint8_t)mmu_idx;
}

void tessera_ir_store(TesseraIR *b, TesseraVal val, TesseraVal addr,
                      int64_t offset, unsigned memop, unsigned mmu_idx)
{
    if (!is_src(val) || !is_src(addr) || !memop_ok(b, memop, mmu_idx)) {
        ir_fail(b, "store: bad operand, memop or mmu index");
        mmu_idx = 0;
    }
    IROp *op = emit(b, IR_STORE);
    op->v[0] = val;
    op->v[1] = addr;
    op->imm = (uint64_t)offset;
    op->memop = (uint8_t)(memop & ~(unsigned)TESSERA_MO_SIGN);
    op->mmu = (uint8_t)mmu_idx;
}

void tessera_ir_atomic_rmw(TesseraIR *b, TesseraAtomicOp o, TesseraVal dst,
                           TesseraVal addr, int64_t offset, TesseraVal v,
                           unsigned memop, unsigned mmu_idx)
{
    if ((dst != TESSERA_IR_NONE && !is_dst(dst)) || !is_src(addr) ||
        !is_src(v) || o > TESSERA_AMO_UMAX || !memop_ok(b, memop, mmu_idx)) {
        ir_fail(b, "atomic_rmw: bad operand, op, memop or mmu index");
        mmu_idx = 0;
    }
    IROp *op = emit(b, IR_ATOMIC);
    op->sub = (uint8_t)o;
    op->v[0] = dst;
    op->v[1] = addr;
    op->v[2] = v;
    op->imm = (uint64_t)offset;
    op->memop = (uint8_t)memop;
    op->mmu = (uint8_t)mmu_idx;
}

void tessera_ir_atomic_cmpxchg(TesseraIR *b, TesseraVal dst, TesseraVal addr,
                               int64_t offset, TesseraVal expected,
                               TesseraVal newv, unsigned memop,
                               unsigned mmu_idx)
{
    if ((dst != TESSERA_IR_NONE && !is_dst(dst)) || !is_src(addr) ||
        !is_src(expected) || !is_src(newv) || !memop_ok(b, memop, mmu_idx)) {
        ir_fail(b, "atomic_cmpxchg: bad operand, memop or mmu index");
        mmu_idx = 0;
    }
    IROp *op = emit(b, IR_CMPXCHG);
    op->v[0] = dst;
    op->v[1] = addr;
    op->v[2] = expected;
    op->v[3] = newv;
    op->imm = (uint64_t)offset;
    op->memop = (uint8_t)memop;
    op->mmu = (uint8_t)mmu_idx;
}

void tessera_ir_mb(TesseraIR *b, unsigned kinds)
{
    if (kinds & ~TESSERA_MB_ALL)
        ir_fail(b, "mb: unknown barrier kind");
    emit(b, IR_MB)->aux = (uint8_t)(kinds & TESSERA_MB_ALL);
}

/* ---------------------------------------------------------------------- */
/* Control flow                                                            */

TesseraLabel tessera_ir_label_new(TesseraIR *b)
{
    unsigned l = ++b->nlabels; /* 0 is never a label */
    if (l >= b->label_insns_cap) {
        b->label_insns_cap = b->label_insns_cap ? 2 * b->label_insns_cap : 64;
        b->label_insns = g_renew(uint32_t, b->label_insns, b->label_insns_cap);
    }
    b->label_insns[l] = UINT32_MAX;
    return l;
}

void tessera_ir_label_set(TesseraIR *b, TesseraLabel l)
{
    if (l == 0 || l > b->nlabels) {
        ir_fail(b, "label_set: unknown label");
        return;
    }
    if (b->label_insns[l] < b->ninsns)
        b->skips = true; /* a branch over instructions */
    emit(b, IR_LABEL)->imm = l;
}

void tessera_ir_brcond(TesseraIR *b, TesseraCond c, TesseraWidth w,
                       TesseraVal a, TesseraVal b2, TesseraLabel l)
{
    if (!is_src(a) || !is_src(b2) || c > TESSERA_GTU || l == 0 ||
        l > b->nlabels)
        ir_fail(b, "brcond: bad operand or label");
    else if (b->label_insns[l] == UINT32_MAX)
        b->label_insns[l] = b->ninsns;
    IROp *op = emit(b, IR_BRCOND);
    op->sub = (uint8_t)c;
    op->width = (uint8_t)w;
    op->v[1] = a;
    op->v[2] = b2;
    op->imm = l;
}

void tessera_ir_call(TesseraIR *b, TesseraHelper fn, unsigned flags,
                     TesseraVal dst, unsigned nargs, const TesseraVal *args)
{
    if (!fn || nargs > 4 || (dst != TESSERA_IR_NONE && !is_dst(dst)))
        ir_fail(b, "call: bad helper, destination or argument count");
    if (nargs > 4)
        nargs = 4;
    IROp *op = emit(b, IR_CALL);
    op->v[0] = dst;
    for (unsigned i = 0; i < nargs; i++) {
        if (!is_src(args[i]))
            ir_fail(b, "call: bad argument");
        op->v[1 + i] = args[i];
    }
    op->aux = (uint8_t)nargs;
    op->aux2 = (uint16_t)flags;
    op->imm = (uint64_t)(uintptr_t)fn;
}

void tessera_ir_goto(TesseraIR *b, uint64_t pc)
{
    emit(b, IR_GOTO)->imm = pc;
}

void tessera_ir_goto_dyn(TesseraIR *b, TesseraVal pc)
{
    if (!is_src(pc))
        ir_fail(b, "goto_dyn: bad operand");
    emit(b, IR_GOTO_DYN)->v[1] = pc;
}

void tessera_ir_exit_loop(TesseraIR *b, uint64_t pc)
{
    emit(b, IR_EXIT_LOOP)->imm = pc;
}

bool tessera_ir_block_full(TesseraIR *b)
{
    return b->ninsns >= IR_MAX_INSNS || b->nops >= IR_MAX_OPS - 256 ||
           b->ntemps >= IR_MAX_TEMPS - 64 || (b->one_insn && b->ninsns) ||
           /* The debugger: a block ends before a breakpoint. */
           (unlikely(debug_nbp) && b->ninsns && debug_bp_at(b->next_pc));
}

/* ---------------------------------------------------------------------- */
/* Code fetch                                                              */

/* The span holding vaddr's unit, adding it if there is room. */
static TesseraFault find_span(TesseraIR *b, uint64_t vaddr, IRSpan **out)
{
    uint64_t usize = 1ull << b->unit_bits;
    uint64_t vunit = vaddr & ~(usize - 1);

    for (unsigned i = 0; i < b->nspans; i++) {
        if (b->spans[i].vunit == vunit) {
            *out = &b->spans[i];
            return TESSERA_FAULT_NONE;
        }
    }
    if (b->nspans == IR_MAX_SPANS) {
        *out = NULL;
        return TESSERA_FAULT_NONE;
    }

    uint64_t phys = vunit;
    if (b->cpu) {
        /* vaddr itself: fetch permission may differ inside the unit. */
        TesseraFault f = cpu_translate_code(b->cpu, vaddr, &phys);
        if (f != TESSERA_FAULT_NONE)
            return f;
        phys -= vaddr - vunit;
        if (b->cpu->code_nocache)
            b->one_insn = true;
    }
    IRSpan *s = &b->spans[b->nspans++];
    s->vunit = vunit;
    s->punit = phys;
    s->lo = UINT32_MAX;
    s->hi = 0;
    s->host = NULL;
    Region *r = bus_lookup(phys);
    if (r && (r->kind == REGION_RAM || r->kind == REGION_ROM) &&
        phys - r->base + usize <= r->size && phys - r->base < r->size)
        s->host = r->host + (phys - r->base);
    *out = s;
    return TESSERA_FAULT_NONE;
}

/*
 * Copies n code bytes at physical pa. They must be RAM or ROM: code in
 * MMIO (or nowhere) cannot be executed. Other parts of the same page may
 * be anything (a device overlaying a few bytes of RAM, say).
 */
static bool copy_code(uint64_t pa, void *out, unsigned n)
{
    while (n > 0) {
        Region *r = bus_lookup(pa);
        if (!r || (r->kind != REGION_RAM && r->kind != REGION_ROM))
            return false;
        uint64_t avail = r->size - (pa - r->base);
        unsigned k = avail < n ? (unsigned)avail : n;
        memcpy(out, r->host + (pa - r->base), k);
        out = (uint8_t *)out + k;
        pa += k;
        n -= k;
    }
    return true;
}

static bool fetch_slow(TesseraIR *b, uint64_t pc, uint8_t *out,
                       unsigned len);

bool tessera_ir_fetch(TesseraIR *b, uint64_t pc, void *buf, unsigned len)
{
    uint8_t *out = buf;
    uint64_t usize = 1ull << b->unit_bits;

    if (len == 0 || len > 8) {
        ir_fail(b, "fetch: length must be 1..8");
        return false;
    }
    /* The usual case: inside a unit already found, in RAM or ROM. */
    uint64_t vunit = pc & ~(usize - 1);
    uint32_t off = (uint32_t)(pc - vunit);
    uint64_t boff = pc - b->pc;
    for (unsigned i = 0;
         i < b->nspans && off + len <= usize && boff + len <= sizeof(b->bytes);
         i++) {
        IRSpan *s = &b->spans[i];
        if (s->vunit != vunit || !s->host)
            continue;
        const uint8_t *src = s->host + off;
        uint8_t *copy = b->bytes + boff;
        if (len == 2) { /* RISC-V's parcels, Arm's and AVR's words */
            uint16_t x;
            memcpy(&x, src, 2);
            memcpy(out, &x, 2);
            memcpy(copy, &x, 2);
        } else {
            for (unsigned k = 0; k < len; k++)
                out[k] = copy[k] = src[k];
        }
        if (off < s->lo)
            s->lo = off;
        if (off + len > s->hi)
            s->hi = off + len;
        if (boff + len > b->bytes_hi)
            b->bytes_hi = (uint32_t)(boff + len);
        return true;
    }
    return fetch_slow(b, pc, out, len);
}

/* A unit not found yet, not RAM or ROM, or a fetch across units. */
static __attribute__((noinline)) bool fetch_slow(TesseraIR *b, uint64_t pc,
                                                 uint8_t *out, unsigned len)
{
    uint64_t usize = 1ull << b->unit_bits;

    while (len > 0) {
        IRSpan *s = NULL;
        TesseraFault f = find_span(b, pc, &s);
        uint32_t off = s ? (uint32_t)(pc - s->vunit) : 0;
        unsigned n = (unsigned)MIN((uint64_t)len, usize - off);
        if (f == TESSERA_FAULT_NONE && s && !copy_code(s->punit + off, out, n))
            f = TESSERA_FAULT_ACCESS;
        if (f != TESSERA_FAULT_NONE || !s) {
            /* Only the block's first instruction reports the fault; later
             * ones end the block and fault when they run first. */
            bool first = b->ninsns == 0 ||
                         (b->ninsns == 1 && pc - b->pc < b->insn0_size);
            if (first && f != TESSERA_FAULT_NONE && b->cpu)
                cpu_fault(b->cpu, pc, TESSERA_ACCESS_EXEC, f);
            if (first)
                ir_fail(b, "fetch: first instruction cannot be fetched");
            return false;
        }
        if (off < s->lo)
            s->lo = off;
        if (off + n > s->hi)
            s->hi = off + n;
        uint64_t boff = pc - b->pc;
        if (boff + n <= sizeof(b->bytes)) {
            memcpy(b->bytes + boff, out, n);
            if (boff + n > b->bytes_hi)
                b->bytes_hi = (uint32_t)(boff + n);
        }
        out += n;
        pc += n;
        len -= n;
    }
    return true;
}

/* ---------------------------------------------------------------------- */
/* Checks and listings                                                     */

bool ir_validate(TesseraIR *b)
{
    if (b->error)
        return false;
    if (b->ninsns == 0) {
        ir_fail(b, "block has no instruction");
        return false;
    }
    /* Backends use 16-bit instruction indices and branch offsets;
     * tessera_ir_block_full() keeps frontends far below this. */
    if (b->ninsns > 4096 || b->nops > 4 * IR_MAX_OPS ||
        b->ntemps > CPU_TEMP_SLOTS - CPU_SLOT_FIRST_TEMP) {
        ir_fail(b, "block too large (ignores tessera_ir_block_full)");
        return false;
    }
    /* Labels placed once, after their branches; every path ends in an
     * exit; nothing after an exit but a label. */
    /* 1 used, 2 placed; on the stack for the usual few labels (a call
     * to the allocator per block was half of this function's cost). */
    uint8_t small[256];
    uint8_t *state = b->nlabels < sizeof(small) ? small
                                                : g_malloc(b->nlabels + 1);
    memset(state, 0, b->nlabels + 1);
    bool open = true; /* the current point is reachable by falling in */
    for (unsigned i = 0; i < b->nops && !b->error; i++) {
        IROp *op = &b->ops[i];
        switch (op->opc) {
        case IR_LABEL:
            if (state[op->imm] & 2)
                ir_fail(b, "label placed twice");
            state[op->imm] |= 2;
            open = true;
            break;
        case IR_BRCOND:
        case IR_BR:
            if (state[op->imm] & 2)
                ir_fail(b, "backward branch");
            state[op->imm] |= 1;
            break;
        case IR_GOTO:
        case IR_GOTO_DYN:
        case IR_EXIT_LOOP:
            if (!open)
                ir_fail(b, "exit after exit without a label");
            open = false;
            break;
        case IR_INSN_START:
            break;
        default:
            if (!open)
                ir_fail(b, "operation after an exit without a label");
            break;
        }
    }
    if (open)
        ir_fail(b, "block does not end with an exit");
    for (unsigned l = 1; l <= b->nlabels && !b->error; l++)
        if (state[l] == 1)
            ir_fail(b, "branch to a label that is never placed");
    if (state != small)
        g_free(state);
    return !b->error;
}

static const char *const binop_names[] = {
    "add", "sub", "mul", "mulh", "mulhu", "div", "divu", "rem",
    "remu", "and", "or", "xor", "shl", "shr", "sar", "rotl", "rotr",
};
static const char *const unop_names[] = {
    "neg", "not", "ext8s", "ext8u", "ext16s", "ext16u", "ext32s", "ext32u",
    "bswap16", "bswap32", "bswap64", "clz", "ctz", "ctpop",
};
static const char *const carry_names[] = {
    "addc", "subc", "add_carry", "add_overflow", "sub_borrow", "sub_overflow",
};
static const char *const amo_names[] = {
    "xchg", "add", "and", "or", "xor", "smin", "smax", "umin", "umax",
};
static const char *const cond_names[] = {
    "eq", "ne", "lt", "ge", "le", "gt", "ltu", "geu", "leu", "gtu",
};

static const char *val_str(const TesseraIR *b, TesseraVal v, char *buf,
                           size_t len)
{
    uint32_t i = IR_VAL_INDEX(v);
    switch (ir_val_kind(v)) {
    case IR_VK_NONE:
        snprintf(buf, len, "-");
        break;
    case IR_VK_TEMP:
        snprintf(buf, len, "t%u", i);
        break;
    case IR_VK_CONST:
        snprintf(buf, len, "$0x%" PRIx64, b->consts[i]);
        break;
    case IR_VK_GLOBAL: {
        const TesseraRegInfo *r = b->arch ? b->arch->regs : NULL;
        uint32_t off = IR_GLOBAL_OFFSET(v);
        unsigned size = ir_global_size(v);
        for (; r && r->name; r++) {
            if (r->offset == off && r->size == size) {
                snprintf(buf, len, "%s", r->name);
                return buf;
            }
        }
        if (size == 8)
            snprintf(buf, len, "env+0x%x", off);
        else
            snprintf(buf, len, "env+0x%x:%c%u", off,
                     ir_global_is_signed(v) ? 's' : 'u', size * 8);
        break;
    }
    }
    return buf;
}

void ir_dump(const TesseraIR *b, FILE *f, const char *title)
{
    char s[5][48];
    const char *w;

    fprintf(f, "%s: 0x%" PRIx64 " flags 0x%" PRIx64 "\n", title, b->pc, b->flags);
    for (unsigned i = 0; i < b->nops; i++) {
        const IROp *op = &b->ops[i];
        for (int k = 0; k < 5; k++)
            val_str(b, op->v[k], s[k], sizeof(s[k]));
        w = op->width == TESSERA_I64 ? "i64"
            : op->width == IR_W32S   ? "i32s"
                                     : "i32";
        switch ((IROpc)op->opc) {
        case IR_NOP:
            break;
        case IR_INSN_START:
            fprintf(f, " ---- 0x%" PRIx64 " (insn %u, %u bytes, %u cycles)\n",
                    op->imm, op->insn, op->aux, op->aux2);
            break;
        case IR_ADD_CYCLES:
            fprintf(f, " add_cycles %" PRIu64 "\n", op->imm);
            break;
        case IR_MOV:
            fprintf(f, " mov_%s %s, %s\n", w, s[0], s[1]);
            break;
        case IR_BINOP:
            fprintf(f, " %s_%s %s, %s, %s\n", binop_names[op->sub], w, s[0],
                    s[1], s[2]);
            break;
        case IR_UNOP:
            fprintf(f, " %s_%s %s, %s\n", unop_names[op->sub], w, s[0], s[1]);
            break;
        case IR_SETCOND:
            fprintf(f, " setcond_%s %s, %s, %s, %s\n", w, s[0], s[1], s[2],
                    cond_names[op->sub]);
            break;
        case IR_SELECT:
            fprintf(f, " select_%s %s, %s, %s, %s, %s, %s\n", w, s[0], s[1],
                    s[2], cond_names[op->sub], s[3], s[4]);
            break;
        case IR_LOAD:
            fprintf(f, " ld%s%u%s%s %s, [%s%+" PRId64 "] mmu%u\n",
                    op->memop & TESSERA_MO_SIGN ? "s" : "u",
                    (op->memop & TESSERA_MO_SIZE_MASK) * 8,
                    op->memop & TESSERA_MO_ALIGN ? "a" : "",
                    op->memop & TESSERA_MO_RAM ? "_ram" : "", s[0], s[1],
                    (int64_t)op->imm, op->mmu);
            break;
        case IR_STORE:
            fprintf(f, " st%u%s%s %s, [%s%+" PRId64 "] mmu%u\n",
                    (op->memop & TESSERA_MO_SIZE_MASK) * 8,
                    op->memop & TESSERA_MO_ALIGN ? "a" : "",
                    op->memop & TESSERA_MO_RAM ? "_ram" : "", s[0], s[1],
                    (int64_t)op->imm, op->mmu);
            break;
        case IR_LABEL:
            fprintf(f, " L%" PRIu64 ":\n", op->imm);
            break;
        case IR_BRCOND:
            fprintf(f, " brcond_%s %s, %s, %s, L%" PRIu64 "\n", w, s[1], s[2],
                    cond_names[op->sub], op->imm);
            break;
        case IR_BR:
            fprintf(f, " br L%" PRIu64 "\n", op->imm);
            break;
        case IR_CALL:
            fprintf(f, " call %p%s, %s", (void *)(uintptr_t)op->imm,
                    (op->aux2 & TESSERA_HELPER_PURE) == TESSERA_HELPER_PURE
                        ? " pure" : "", s[0]);
            for (unsigned k = 0; k < op->aux; k++)
                fprintf(f, ", %s", s[1 + k]);
            fputc('\n', f);
            break;
        case IR_CARRY:
            fprintf(f, " %s/%u %s, %s, %s, %s\n", carry_names[op->sub],
                    op->aux, s[0], s[1], s[2], s[3]);
            break;
        case IR_EXTRACT:
            fprintf(f, " %sextract_%s %s, %s, %u, %u\n", op->sub ? "s" : "",
                    w, s[0], s[1], op->aux, op->aux2);
            break;
        case IR_DEPOSIT:
            fprintf(f, " deposit_%s %s, %s, %s, %u, %u\n", w, s[0], s[1],
                    s[2], op->aux, op->aux2);
            break;
        case IR_ATOMIC:
            fprintf(f, " amo%s%u %s, [%s%+" PRId64 "], %s mmu%u\n",
                    amo_names[op->sub],
                    (op->memop & TESSERA_MO_SIZE_MASK) * 8, s[0], s[1],
                    (int64_t)op->imm, s[2], op->mmu);
            break;
        case IR_CMPXCHG:
            fprintf(f, " cmpxchg%u %s, [%s%+" PRId64 "], %s, %s mmu%u\n",
                    (op->memop & TESSERA_MO_SIZE_MASK) * 8, s[0], s[1],
                    (int64_t)op->imm, s[2], s[3], op->mmu);
            break;
        case IR_MB:
            fprintf(f, " mb 0x%x\n", op->aux);
            break;
        case IR_GOTO:
            fprintf(f, " goto 0x%" PRIx64 "\n", op->imm);
            break;
        case IR_GOTO_DYN:
            fprintf(f, " goto_dyn %s\n", s[1]);
            break;
        case IR_EXIT_LOOP:
            fprintf(f, " exit_loop 0x%" PRIx64 "\n", op->imm);
            break;
        case IR_COUNTER:
            fprintf(f, " counter %p += %u\n", (void *)(uintptr_t)op->imm,
                    (unsigned)op->aux2);
            break;
        case IR_SKIP:
            fprintf(f, " skip %u insns, %u cycles\n", (unsigned)op->imm,
                    (unsigned)(op->imm >> 32));
            break;
        case IR_NB_OPC:
            break;
        }
    }
    fputc('\n', f);
}

/*
 * Branches over instructions (ir.h): the backends pre-commit a block's
 * instructions and cycles at entry and give back, at each exit, what
 * follows the exit's instruction. A branch to a label past other
 * instructions' starts (an if-then inside the block) skips those, so its
 * taken side goes through a landing pad placed right before the label that
 * gives them back (IR_SKIP) and then joins the label:
 *
 *     brcond P ... [fall-through: br L] P: skip n, c; L:
 *
 * Everything after the pad is counted as before (a fault or an exit
 * further on gives back only what follows it), so retired counts stay
 * exact on every path. One pad per such branch; none in most blocks.
 */
void ir_lower_skips(TesseraIR *b)
{
    if (!b->skips)
        return;
    unsigned n = b->nops, nl = b->nlabels + 1, npads = 0;
    uint32_t pos = 0, cyc = 0;
    /* Per label: instruction starts and cycles before it, and the chain
     * of its skipping branches (op index + 1, 0 ends); per op: the next
     * in the chain, the pad label and the counts it gives back. */
    uint32_t *lpos = g_new0(uint32_t, 4 * (size_t)nl + 4 * (size_t)n);
    uint32_t *lcyc = lpos + nl, *head = lcyc + nl, *tail = head + nl;
    uint32_t *next = tail + nl, *pad = next + n, *sn = pad + n, *sc = sn + n;

    for (unsigned i = 0; i < n; i++) {
        const IROp *op = &b->ops[i];
        if (op->opc == IR_INSN_START) {
            pos++;
            cyc += op->aux2;
        } else if (op->opc == IR_LABEL) {
            lpos[op->imm] = pos;
            lcyc[op->imm] = cyc;
        }
    }
    pos = cyc = 0;
    for (unsigned i = 0; i < n; i++) {
        const IROp *op = &b->ops[i];
        if (op->opc == IR_INSN_START) {
            pos++;
            cyc += op->aux2;
        } else if ((op->opc == IR_BRCOND || op->opc == IR_BR) &&
                   lpos[op->imm] > pos) {
            pad[i] = ++b->nlabels;
            sn[i] = lpos[op->imm] - pos;
            sc[i] = lcyc[op->imm] - cyc;
            if (tail[op->imm])
                next[tail[op->imm] - 1] = i + 1;
            else
                head[op->imm] = i + 1;
            tail[op->imm] = i + 1;
            npads++;
        }
    }
    if (npads == 0) {
        g_free(lpos);
        return;
    }

    IROp *out = g_new(IROp, n + 3 * npads);
    unsigned o = 0;
    bool open = true;
    for (unsigned i = 0; i < n; i++) {
        const IROp *op = &b->ops[i];
        if (op->opc == IR_LABEL) {
            for (uint32_t j = head[op->imm]; j; j = next[j - 1]) {
                IROp *x;
                if (open) { /* the path before jumps over the pad */
                    x = memset(&out[o++], 0, sizeof(*x));
                    x->opc = IR_BR;
                    x->insn = op->insn;
                    x->imm = op->imm;
                }
                x = memset(&out[o++], 0, sizeof(*x));
                x->opc = IR_LABEL;
                x->insn = op->insn;
                x->imm = pad[j - 1];
                x = memset(&out[o++], 0, sizeof(*x));
                x->opc = IR_SKIP;
                x->insn = op->insn;
                x->imm = sn[j - 1] | (uint64_t)sc[j - 1] << 32;
                open = true;
            }
        }
        out[o] = *op;
        if (pad[i])
            out[o].imm = pad[i];
        o++;
        switch (op->opc) {
        case IR_LABEL:
            open = true;
            break;
        case IR_GOTO: case IR_GOTO_DYN: case IR_EXIT_LOOP: case IR_BR:
            open = false;
            break;
        default:
            break;
        }
    }
    g_free(b->ops);
    b->ops = out;
    b->nops = o;
    b->ops_cap = n + 3 * npads;
    g_free(lpos);
}

void ir_dump_asm(const TesseraIR *b, FILE *f)
{
    fprintf(f, "IN:\n");
    for (unsigned i = 0; i < b->nops; i++) {
        const IROp *op = &b->ops[i];
        if (op->opc != IR_INSN_START)
            continue;
        uint64_t pc = op->imm, off = pc - b->pc;
        unsigned size = op->aux;
        char text[128] = "";
        bool have = off + size <= b->bytes_hi && size > 0;

        if (have && b->arch && b->arch->disas &&
            b->arch->disas(pc, b->bytes + off, size, b->flags, text,
                           sizeof(text)) > 0) {
            fprintf(f, "0x%08" PRIx64 ":  %s\n", pc, text);
            continue;
        }
        fprintf(f, "0x%08" PRIx64 ":  .byte", pc);
        for (unsigned k = 0; have && k < size; k++)
            fprintf(f, "%s0x%02x", k ? "," : " ", b->bytes[off + k]);
        fputc('\n', f);
    }
    fputc('\n', f);
}
