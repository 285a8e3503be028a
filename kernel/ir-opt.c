/* SPDX-License-Identifier: MIT */
/*
 * Block optimiser: one forward pass (constant folding, constant and copy
 * propagation into temps, branch folding, unreachable code) and one
 * backward pass (dead temps and pure helpers). Both are linear in the
 * number of ops; translation speed matters when an OS boots.
 *
 * What we know about temps is forgotten at every label that a branch still
 * targets, because another path joins there. Globals are env fields of 1
 * to 8 bytes that may overlap: a write to one forgets what is known of
 * every global sharing a byte with it. A temp copied from an 8-byte global
 * is replaced by the global until the global may change (a write to it,
 * or a helper that does not declare TESSERA_HELPER_NO_WRITE); loads and
 * stores do not change globals (devices never write CPU state behind a
 * block). Narrow globals are not propagated into uses: backends convert
 * them on every read, so a temp is cheaper. Constants written to globals
 * are known on the same terms, and a global write that a later one
 * overwrites before anything could see it (a read, an exit, a helper that
 * reads globals or may raise, a memory access that may fault) is dropped.
 *
 * Last, a 32-bit op followed by a sign extension of its result becomes
 * one IR_W32S op.
 */
#include <glib.h>
#include <string.h>

#include "kernel/ir-internal.h"

typedef enum { FACT_NONE, FACT_CONST, FACT_COPY } FactKind;

typedef struct Fact {
    uint32_t gen;   /* valid when equal to the pass's generation */
    uint8_t kind;
    TesseraVal val; /* FACT_CONST: a const handle; FACT_COPY: the source */
    TesseraVal who; /* global facts: the global (size and sign) known */
} Fact;

typedef struct Opt {
    TesseraIR *b;
    Fact *facts;       /* by temp number */
    Fact *gfacts;      /* by global byte offset: known constants */
    uint32_t ggen;     /* generation of gfacts */
    uint32_t gset;     /* == ggen: some gfact was set in this generation */
    unsigned nbytes;   /* env bytes the block's globals reach */
    uint32_t gen;
    uint32_t *copies;  /* temps that hold a FACT_COPY */
    unsigned ncopies;
    uint32_t *refs;    /* live branches per label */
    bool ext32s;       /* forward() saw a 64-bit ext32s (for fuse_sext) */
} Opt;

static void kill_copies(Opt *o, TesseraVal src, bool all_globals);

/*
 * The passes' tables live from block to block (translation runs on the
 * machine's one thread, as the backends' own state does), so a block
 * allocates and clears only what it must.
 */
static struct {
    void *facts, *gfacts, *copies, *refs, *live, *at_label, *overwritten,
        *uses, *label_gen;
    size_t facts_cap, gfacts_cap, copies_cap, refs_cap, live_cap,
        at_label_cap, overwritten_cap, uses_cap, label_gen_cap;
    uint32_t gen, ggen, ogen; /* the last generations used */
} S;

/* Zeroing for scratch(). */
enum { KEEP, ZERO_N, ZERO_ALL };

/*
 * *buf with room for n bytes, bytes beyond the old capacity zero; zero
 * says what else to clear: nothing, the n bytes, or all the capacity.
 */
static void *scratch(void **buf, size_t *cap, size_t n, int zero)
{
    if (n > *cap) {
        size_t c = *cap ? *cap : 256;
        while (c < n)
            c *= 2;
        *buf = g_realloc(*buf, c);
        memset((uint8_t *)*buf + *cap, 0, c - *cap);
        *cap = c;
    }
    if (zero != KEEP)
        memset(*buf, 0, zero == ZERO_ALL ? *cap : n);
    return *buf;
}

static bool is_global(TesseraVal v)
{
    return ir_val_kind(v) == IR_VK_GLOBAL;
}

/* Whether globals a and b share a byte. */
static bool globals_overlap(TesseraVal a, TesseraVal b)
{
    uint32_t oa = IR_GLOBAL_OFFSET(a), ob = IR_GLOBAL_OFFSET(b);
    return oa < ob + ir_global_size(b) && ob < oa + ir_global_size(a);
}

static Fact *fact_of(Opt *o, TesseraVal v)
{
    Fact *f = &o->facts[IR_VAL_INDEX(v)];
    return f->gen == o->gen ? f : NULL;
}

static bool is_temp(TesseraVal v)
{
    return ir_val_kind(v) == IR_VK_TEMP;
}

static bool is_const(TesseraVal v)
{
    return ir_val_kind(v) == IR_VK_CONST;
}

static Fact *gfact_of(Opt *o, TesseraVal v)
{
    if (o->gset != o->ggen)
        return NULL; /* none known */
    Fact *f = &o->gfacts[IR_GLOBAL_OFFSET(v)];
    return f->gen == o->ggen && f->kind == FACT_CONST && f->who == v ? f
                                                                     : NULL;
}

static TesseraVal subst(Opt *o, TesseraVal v)
{
    if (is_temp(v)) {
        Fact *f = fact_of(o, v);
        if (f && f->kind != FACT_NONE)
            v = f->val;
    }
    if (ir_val_kind(v) == IR_VK_GLOBAL) {
        Fact *g = gfact_of(o, v);
        if (g)
            v = g->val;
    }
    return v;
}

/* Anything may have changed env: forget globals. */
static void forget_globals(Opt *o)
{
    o->ggen++;
    kill_copies(o, TESSERA_IR_NONE, true);
}

/* Forget every copy whose source satisfies pred (or is exactly src). */
static void kill_copies(Opt *o, TesseraVal src, bool all_globals)
{
    unsigned j = 0;
    for (unsigned i = 0; i < o->ncopies; i++) {
        uint32_t t = o->copies[i];
        Fact *f = &o->facts[t];
        bool dead = f->gen != o->gen || f->kind != FACT_COPY ||
                    f->val == src ||
                    (is_global(f->val) &&
                     (all_globals ||
                      (is_global(src) && globals_overlap(f->val, src))));
        if (dead) {
            if (f->gen == o->gen && f->kind == FACT_COPY)
                f->kind = FACT_NONE;
        } else {
            o->copies[j++] = t;
        }
    }
    o->ncopies = j;
}

/* dst is about to be written: nothing it stood for holds any more. */
static void clobber(Opt *o, TesseraVal dst)
{
    if (is_temp(dst)) {
        Fact *f = &o->facts[IR_VAL_INDEX(dst)];
        f->gen = o->gen;
        f->kind = FACT_NONE;
    } else if (is_global(dst) && o->gset == o->ggen) {
        uint32_t off = IR_GLOBAL_OFFSET(dst);
        for (uint32_t k = off > 7 ? off - 7 : 0;
             k < off + ir_global_size(dst); k++) {
            Fact *g = &o->gfacts[k];
            if (g->gen == o->ggen && g->kind == FACT_CONST &&
                globals_overlap(g->who, dst))
                g->kind = FACT_NONE;
        }
    }
    if (is_temp(dst) || ir_val_kind(dst) == IR_VK_GLOBAL)
        kill_copies(o, dst, false);
}

static void set_fact(Opt *o, TesseraVal dst, FactKind kind, TesseraVal val)
{
    if (is_global(dst) && kind == FACT_CONST) {
        Fact *g = &o->gfacts[IR_GLOBAL_OFFSET(dst)];
        uint64_t c = ir_const_value(o->b, val);
        g->gen = o->ggen;
        o->gset = o->ggen;
        g->kind = FACT_CONST;
        g->who = dst;
        /* What a read of the global gives back. */
        g->val = ir_global_extend(dst, c) == c
                     ? val
                     : ir_const(o->b, ir_global_extend(dst, c));
        return;
    }
    if (!is_temp(dst))
        return;
    Fact *f = &o->facts[IR_VAL_INDEX(dst)];
    f->gen = o->gen;
    f->kind = (uint8_t)kind;
    f->val = val;
    if (kind == FACT_COPY)
        o->copies[o->ncopies++] = IR_VAL_INDEX(dst);
}

static uint64_t cval(Opt *o, TesseraVal v)
{
    return ir_const_value(o->b, v);
}

static uint64_t width_mask(unsigned w)
{
    return w == TESSERA_I64 ? UINT64_MAX : UINT32_MAX;
}

/* Turns op into "mov w dst, src" (dst unchanged). */
static void to_mov(IROp *op, TesseraVal src)
{
    op->opc = IR_MOV;
    op->v[1] = src;
    op->v[2] = op->v[3] = op->v[4] = TESSERA_IR_NONE;
}

static void to_movi(Opt *o, IROp *op, uint64_t value)
{
    op->width = TESSERA_I64;
    to_mov(op, ir_const(o->b, value));
}

static bool commutative(TesseraBinop op)
{
    switch (op) {
    case TESSERA_ADD:
    case TESSERA_MUL:
    case TESSERA_MULH:
    case TESSERA_MULHU:
    case TESSERA_AND:
    case TESSERA_OR:
    case TESSERA_XOR:
        return true;
    default:
        return false;
    }
}

static void fold_binop(Opt *o, IROp *op)
{
    TesseraBinop bop = op->sub;
    unsigned w = op->width;
    uint64_t m = width_mask(w);

    if (is_const(op->v[1]) && is_const(op->v[2])) {
        to_movi(o, op, ir_eval_binop(bop, w, cval(o, op->v[1]),
                                     cval(o, op->v[2])));
        return;
    }
    /* Constants go second: backends have register-immediate forms. */
    if (is_const(op->v[1]) && commutative(bop)) {
        TesseraVal t = op->v[1];
        op->v[1] = op->v[2];
        op->v[2] = t;
    }
    if (op->v[1] == op->v[2] &&
        (bop == TESSERA_SUB || bop == TESSERA_XOR)) {
        to_movi(o, op, 0);
        return;
    }
    if (op->v[1] == op->v[2] &&
        (bop == TESSERA_AND || bop == TESSERA_OR)) {
        to_mov(op, op->v[1]);
        return;
    }
    if (!is_const(op->v[2]))
        return;
    uint64_t c = cval(o, op->v[2]) & m;
    unsigned shift_mask = w == TESSERA_I64 ? 63 : 31;
    switch (bop) {
    case TESSERA_ADD:
    case TESSERA_SUB:
    case TESSERA_OR:
    case TESSERA_XOR:
        if (c == 0)
            to_mov(op, op->v[1]);
        else if (bop == TESSERA_OR && c == m)
            to_movi(o, op, m);
        break;
    case TESSERA_SHL:
    case TESSERA_SHR:
    case TESSERA_SAR:
    case TESSERA_ROTL:
    case TESSERA_ROTR:
        if ((c & shift_mask) == 0)
            to_mov(op, op->v[1]);
        break;
    case TESSERA_MUL:
        if (c == 1)
            to_mov(op, op->v[1]);
        else if (c == 0)
            to_movi(o, op, 0);
        break;
    case TESSERA_DIV:
    case TESSERA_DIVU:
        if (c == 1)
            to_mov(op, op->v[1]);
        break;
    case TESSERA_AND:
        if (c == 0)
            to_movi(o, op, 0);
        else if (c == m)
            to_mov(op, op->v[1]);
        break;
    default:
        break;
    }
}

/* Puts a constant first operand of a comparison second. */
static void canon_cmp(IROp *op)
{
    if (is_const(op->v[1]) && !is_const(op->v[2])) {
        TesseraVal t = op->v[1];
        op->v[1] = op->v[2];
        op->v[2] = t;
        op->sub = (uint8_t)ir_cond_swap(op->sub);
    }
}

/* -1 unknown, else whether (a cond b) holds. */
static int known_cond(Opt *o, const IROp *op)
{
    TesseraCond c = op->sub;
    if (is_const(op->v[1]) && is_const(op->v[2]))
        return ir_eval_cond(c, op->width, cval(o, op->v[1]),
                            cval(o, op->v[2]));
    if (op->v[1] == op->v[2]) {
        switch (c) {
        case TESSERA_EQ: case TESSERA_GE: case TESSERA_LE:
        case TESSERA_GEU: case TESSERA_LEU:
            return 1;
        default:
            return 0;
        }
    }
    return -1;
}

/* Records what dst holds after op (which writes it). */
static void after_write(Opt *o, IROp *op)
{
    TesseraVal dst = op->v[0];
    clobber(o, dst);
    if (op->opc != IR_MOV)
        return;
    TesseraVal src = op->v[1];
    if (is_const(src)) {
        if (op->width == TESSERA_I32) {
            src = ir_const(o->b, ir_zext32(cval(o, src)));
            op->v[1] = src;
            op->width = TESSERA_I64;
        }
        set_fact(o, dst, FACT_CONST, src);
    } else if (op->width == TESSERA_I64 && src != dst && is_temp(dst) &&
               !(is_global(src) && ir_global_is_narrow(src))) {
        set_fact(o, dst, FACT_COPY, src);
    }
}

static void drop_branch(Opt *o, IROp *op)
{
    if (op->opc == IR_BRCOND || op->opc == IR_BR)
        o->refs[op->imm]--;
    op->opc = IR_NOP;
}

static void forward(Opt *o)
{
    TesseraIR *b = o->b;
    bool reachable = true;

    for (unsigned i = 0; i < b->nops; i++) {
        IROp *op = &b->ops[i];
        if (op->opc == IR_LABEL) {
            if (o->refs[op->imm] == 0) {
                /* Nobody branches here any more: fall through or dead. */
                op->opc = IR_NOP;
                continue;
            }
            o->gen++;
            o->ggen++;
            o->ncopies = 0;
            reachable = true;
            continue;
        }
        if (!reachable) {
            if (op->opc != IR_INSN_START)
                drop_branch(o, op);
            continue;
        }
        /* Sources: v[1..4] always; v[0] for stores and calls' args.
         * Constants and unused operands stay (the usual half). */
        uint32_t gen = o->gen;
        bool gknown = o->gset == o->ggen; /* some global constant known */
        for (int k = 1; k < 5; k++) {
            TesseraVal v = op->v[k];
            if (ir_val_kind(v) == IR_VK_TEMP) {
                const Fact *f = &o->facts[IR_VAL_INDEX(v)];
                if (f->gen == gen && f->kind != FACT_NONE)
                    op->v[k] = v = f->val;
            }
            if (gknown && ir_val_kind(v) == IR_VK_GLOBAL)
                op->v[k] = subst(o, v);
        }

        switch ((IROpc)op->opc) {
        case IR_MOV:
            if (op->v[0] == op->v[1] && op->width == TESSERA_I64) {
                op->opc = IR_NOP;
                break;
            }
            after_write(o, op);
            break;
        case IR_BINOP:
            fold_binop(o, op);
            after_write(o, op);
            break;
        case IR_UNOP:
            o->ext32s |= op->sub == TESSERA_EXT32S;
            if (is_const(op->v[1]))
                to_movi(o, op, ir_eval_unop(op->sub, op->width,
                                            cval(o, op->v[1])));
            after_write(o, op);
            break;
        case IR_SETCOND: {
            canon_cmp(op);
            int k = known_cond(o, op);
            if (k >= 0)
                to_movi(o, op, (uint64_t)k);
            after_write(o, op);
            break;
        }
        case IR_SELECT: {
            canon_cmp(op);
            int k = known_cond(o, op);
            if (k >= 0)
                to_mov(op, k ? op->v[3] : op->v[4]);
            else if (op->v[3] == op->v[4])
                to_mov(op, op->v[3]);
            after_write(o, op);
            break;
        }
        case IR_CARRY:
            if (is_const(op->v[1]) && is_const(op->v[2]) &&
                is_const(op->v[3]))
                to_movi(o, op, ir_eval_carry(op->sub, op->aux,
                                             cval(o, op->v[1]),
                                             cval(o, op->v[2]),
                                             cval(o, op->v[3])));
            after_write(o, op);
            break;
        case IR_EXTRACT:
            if (is_const(op->v[1]))
                to_movi(o, op, ir_eval_extract(op->width, op->sub,
                                               cval(o, op->v[1]), op->aux,
                                               op->aux2));
            after_write(o, op);
            break;
        case IR_DEPOSIT:
            if (is_const(op->v[1]) && is_const(op->v[2]))
                to_movi(o, op, ir_eval_deposit(op->width, cval(o, op->v[1]),
                                               cval(o, op->v[2]), op->aux,
                                               op->aux2));
            after_write(o, op);
            break;
        case IR_LOAD:
            after_write(o, op);
            break;
        case IR_STORE:
            op->v[0] = subst(o, op->v[0]);
            break;
        case IR_ATOMIC:
        case IR_CMPXCHG:
            if (op->v[0] != TESSERA_IR_NONE)
                clobber(o, op->v[0]);
            break;
        case IR_CALL:
            if (!(op->aux2 & TESSERA_HELPER_NO_WRITE))
                forget_globals(o);
            if (op->v[0] != TESSERA_IR_NONE)
                clobber(o, op->v[0]);
            break;
        case IR_BRCOND: {
            canon_cmp(op);
            int k = known_cond(o, op);
            if (k == 0) {
                drop_branch(o, op);
            } else if (k == 1) {
                op->opc = IR_BR;
                reachable = false;
            }
            break;
        }
        case IR_GOTO_DYN:
            if (is_const(op->v[1])) {
                /* A computed jump to a known place chains like a goto. */
                op->opc = IR_GOTO;
                op->imm = cval(o, op->v[1]);
                op->v[1] = TESSERA_IR_NONE;
            }
            reachable = false;
            break;
        case IR_BR:
        case IR_GOTO:
        case IR_EXIT_LOOP:
            reachable = false;
            break;
        default:
            break;
        }
    }
}

/* Ops that only compute v0 from their operands: nothing else is read,
 * written or raised. */
static bool computes(const IROp *op)
{
    switch ((IROpc)op->opc) {
    case IR_MOV:
    case IR_BINOP:
    case IR_UNOP:
    case IR_SETCOND:
    case IR_SELECT:
    case IR_CARRY:
    case IR_EXTRACT:
    case IR_DEPOSIT:
        return true;
    default:
        return false;
    }
}

/* Dropped when the result is unused. */
static bool removable(const IROp *op)
{
    if (op->opc == IR_CALL)
        return (op->aux2 & TESSERA_HELPER_PURE) == TESSERA_HELPER_PURE;
    return computes(op);
}

/* Observes no global but its operands (not a dead-write barrier). */
static bool plain(const IROp *op)
{
    const unsigned quiet = TESSERA_HELPER_NO_READ | TESSERA_HELPER_NO_RAISE;
    if (op->opc == IR_CALL)
        return (op->aux2 & quiet) == quiet;
    return computes(op);
}

/*
 * Backward liveness of temps; dead results of removable ops go. For
 * globals, overwritten[byte] == ogen says a later op writes that env byte
 * before anything can observe it; a barrier (an op that may observe
 * globals: an exit, a memory access that may fault, a helper that reads
 * them or may raise, a label, a branch) bumps ogen.
 *
 * One shape of branch is followed on both paths: "brcond L; stub; exit;
 * L:" where the stub has no barrier. A byte the stub writes (without
 * reading it first) that was also overwritten from L on is overwritten on
 * both paths, so a write before the branch is dead. (AVR sets the flags
 * of a compare on both paths of the branch after it; the flags of the
 * instructions before the compare then go.)
 */
#define STUB_MAX 32

static void stub_drop(uint32_t *stub, unsigned *n, uint32_t byte)
{
    for (unsigned k = 0; k < *n; k++)
        if (stub[2 * k] == byte)
            stub[2 * k + 1] = 0;
}

static void backward(Opt *o)
{
    TesseraIR *b = o->b;
    unsigned words = (b->ntemps + 63) / 64;
    uint64_t *live = scratch(&S.live, &S.live_cap, words * 8, ZERO_N);
    uint64_t *at_label = scratch(&S.at_label, &S.at_label_cap,
                                 (size_t)words * (b->nlabels + 1) * 8, ZERO_N);
    /* overwritten[] is never cleared: entries of earlier blocks hold
     * generations below this block's first one. */
    if (S.ogen > UINT32_MAX - b->nops - 2)
        S.ogen = 0;
    uint32_t *overwritten = scratch(&S.overwritten, &S.overwritten_cap,
                                    (o->nbytes + 1) * 4,
                                    S.ogen == 0 ? ZERO_ALL : KEEP);
    uint32_t ogen = ++S.ogen;
    uint32_t *label_gen = scratch(&S.label_gen, &S.label_gen_cap,
                                  (b->nlabels + 1) * 4, ZERO_N);
    /* Reads of each temp by the ops that stay, for fuse_sext(). */
    uint32_t *uses = scratch(&S.uses, &S.uses_cap, (b->ntemps + 1) * 4,
                             ZERO_N);
    /* The stub the scan is in: the label after its exit (or UINT32_MAX),
     * and (byte, its stamp before the stub wrote it) pairs. */
    uint32_t stub_label = UINT32_MAX, stub[2 * STUB_MAX];
    unsigned nstub = 0;

#define LIVE(set, t) (((set)[(t) / 64] >> ((t) % 64)) & 1)
#define USE(v)                                                          \
    do {                                                                \
        if (is_temp(v)) {                                               \
            live[IR_VAL_INDEX(v) / 64] |= 1ull << (IR_VAL_INDEX(v) % 64); \
            uses[IR_VAL_INDEX(v)]++;                                    \
        }                                                               \
    } while (0)

    for (unsigned i = b->nops; i-- > 0;) {
        IROp *op = &b->ops[i];
        if (op->opc == IR_NOP || op->opc == IR_INSN_START ||
            op->opc == IR_ADD_CYCLES)
            continue;
        if (!plain(op)) {
            uint32_t lab = op->opc == IR_BRCOND ? (uint32_t)op->imm
                                                : UINT32_MAX;
            if (op->opc == IR_LABEL)
                label_gen[op->imm] = ogen;
            ogen++; /* a barrier */
            if (lab == stub_label && lab != UINT32_MAX) {
                for (unsigned k = 0; k < nstub; k++)
                    if (stub[2 * k + 1] && stub[2 * k + 1] == label_gen[lab])
                        overwritten[stub[2 * k]] = ogen;
                for (int k = 1; k <= 2; k++) /* what the branch reads */
                    if (is_global(op->v[k]))
                        for (unsigned j = 0; j < ir_global_size(op->v[k]); j++)
                            overwritten[IR_GLOBAL_OFFSET(op->v[k]) + j] = 0;
            }
            stub_label = UINT32_MAX;
            nstub = 0;
            if ((op->opc == IR_GOTO || op->opc == IR_GOTO_DYN ||
                 op->opc == IR_EXIT_LOOP) &&
                i + 1 < b->nops && b->ops[i + 1].opc == IR_LABEL)
                stub_label = (uint32_t)b->ops[i + 1].imm;
        } else if (is_global(op->v[0])) {
            uint32_t off = IR_GLOBAL_OFFSET(op->v[0]);
            unsigned size = ir_global_size(op->v[0]);
            bool dead = op->opc != IR_CALL;
            for (unsigned k = 0; k < size && dead; k++)
                dead = overwritten[off + k] == ogen;
            if (dead) {
                op->opc = IR_NOP;
                continue;
            }
            for (unsigned k = 0; k < size && stub_label != UINT32_MAX; k++) {
                if (nstub < STUB_MAX) {
                    stub[2 * nstub] = off + k;
                    stub[2 * nstub + 1] = overwritten[off + k];
                    nstub++;
                } else {
                    stub_label = UINT32_MAX;
                }
            }
            for (unsigned k = 0; k < size; k++)
                overwritten[off + k] = ogen;
        }
        switch ((IROpc)op->opc) {
        case IR_NOP:
        case IR_INSN_START:
        case IR_ADD_CYCLES:
            continue;
        case IR_LABEL:
            memcpy(&at_label[op->imm * words], live, words * 8);
            continue;
        case IR_GOTO:
        case IR_EXIT_LOOP:
            memset(live, 0, words * 8);
            continue;
        case IR_GOTO_DYN:
            memset(live, 0, words * 8);
            USE(op->v[1]);
            continue;
        case IR_BR:
            memcpy(live, &at_label[op->imm * words], words * 8);
            continue;
        case IR_BRCOND:
            for (unsigned k = 0; k < words; k++)
                live[k] |= at_label[op->imm * words + k];
            USE(op->v[1]);
            USE(op->v[2]);
            continue;
        case IR_STORE:
            USE(op->v[0]);
            USE(op->v[1]);
            continue;
        default:
            break;
        }
        /* Ops that define v[0]. */
        TesseraVal dst = op->v[0];
        if (is_temp(dst)) {
            uint32_t t = IR_VAL_INDEX(dst);
            if (!LIVE(live, t) && removable(op)) {
                op->opc = IR_NOP;
                continue;
            }
            live[t / 64] &= ~(1ull << (t % 64));
        } else if (dst == TESSERA_IR_NONE && op->opc == IR_CALL &&
                   removable(op)) {
            op->opc = IR_NOP;
            continue;
        }
        for (int k = 1; k < 5; k++) {
            TesseraVal v = op->v[k];
            USE(v);
            if (is_global(v)) {
                uint32_t off = IR_GLOBAL_OFFSET(v);
                unsigned size = ir_global_size(v);
                for (unsigned j = 0; j < size; j++)
                    overwritten[off + j] = 0;
                for (unsigned j = 0; nstub && j < size; j++)
                    stub_drop(stub, &nstub, off + j);
            }
        }
    }
#undef LIVE
#undef USE
    S.ogen = ogen;
}

/*
 * "op32 d, ...; ext32s d, d" -> one op of width IR_W32S. Also when the
 * 32-bit result is a temp read only by the extension (backward() counted
 * the reads of each temp by the ops it kept).
 */
static bool fuse_sext(TesseraIR *b)
{
    bool fused = false;
    const uint32_t *uses = S.uses;
    for (unsigned i = 0; i + 1 < b->nops; i++) {
        IROp *op = &b->ops[i], *x = &b->ops[i + 1];
        if (x->opc != IR_UNOP || x->sub != TESSERA_EXT32S ||
            x->width != TESSERA_I64 || op->width != TESSERA_I32 ||
            x->v[1] != op->v[0])
            continue;
        bool same = x->v[0] == op->v[0];
        bool single = is_temp(op->v[0]) && uses[IR_VAL_INDEX(op->v[0])] == 1;
        if (!same && !single)
            continue;
        switch ((IROpc)op->opc) {
        case IR_BINOP:
        case IR_UNOP:
            op->width = IR_W32S;
            op->v[0] = x->v[0];
            break;
        case IR_MOV:
            /* sext.w: the extension alone reads the low half. */
            x->v[1] = op->v[1];
            op->opc = IR_NOP;
            fused = true;
            continue;
        default:
            continue;
        }
        x->opc = IR_NOP;
        fused = true;
    }
    return fused;
}

static void compact(TesseraIR *b)
{
    unsigned j = 0;
    for (unsigned i = 0; i < b->nops; i++)
        if (b->ops[i].opc != IR_NOP)
            b->ops[j++] = b->ops[i];
    b->nops = j;
}

void ir_optimize(TesseraIR *b)
{
    Opt o = {.b = b};

    /* The builder keeps globals inside the arch's env (a pass over the
     * ops finds how far they reach only without an arch: tests). */
    if (b->arch) {
        o.nbytes = (unsigned)b->arch->env_size + 8;
    } else {
        for (unsigned i = 0; i < b->nops; i++)
            for (int k = 0; k < 5; k++)
                if (is_global(b->ops[i].v[k]) &&
                    IR_GLOBAL_OFFSET(b->ops[i].v[k]) + 8 > o.nbytes)
                    o.nbytes = IR_GLOBAL_OFFSET(b->ops[i].v[k]) + 8;
    }
    /* Facts are valid only at the current generation, and generations
     * go on from block to block, so the tables are cleared only when the
     * count would wrap (a block bumps them at most once per op). */
    bool wrap = S.gen > UINT32_MAX - 2 * b->nops - 4 ||
                S.ggen > UINT32_MAX - 2 * b->nops - 4;
    if (wrap)
        S.gen = S.ggen = 0;
    o.facts = scratch(&S.facts, &S.facts_cap, (b->ntemps + 1) * sizeof(Fact),
                      wrap ? ZERO_ALL : KEEP);
    o.gfacts = scratch(&S.gfacts, &S.gfacts_cap, (o.nbytes + 1) * sizeof(Fact),
                       wrap ? ZERO_ALL : KEEP);
    o.copies = scratch(&S.copies, &S.copies_cap, (b->ntemps + 1) * 4, KEEP);
    o.refs = scratch(&S.refs, &S.refs_cap, (b->nlabels + 1) * 4, ZERO_N);
    o.gen = ++S.gen;
    o.ggen = ++S.ggen;
    for (unsigned i = 0; i < b->nops; i++)
        if (b->ops[i].opc == IR_BRCOND || b->ops[i].opc == IR_BR)
            o.refs[b->ops[i].imm]++;

    forward(&o);
    S.gen = o.gen;
    S.ggen = o.ggen;
    backward(&o);
    compact(b);
    if (o.ext32s && fuse_sext(b))
        compact(b);
}
