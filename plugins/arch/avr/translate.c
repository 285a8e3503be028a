/* SPDX-License-Identifier: MIT */
/*
 * AVR frontend: translation of AVR instructions to Tessera IR.
 *
 * Registers r0-r31, the SREG bits (one byte each, 0 or 1), SP, RAMPZ,
 * EIND and SMCR are IR globals. Within a block, every register or flag
 * read is cached in a temporary: a global is read at most once until the
 * block writes it. Flags are written by each instruction as the manual
 * says (a subtraction's a little later, see Lazy); the core's optimiser
 * drops the writes a later instruction overwrites before anything can
 * observe them.
 *
 * Data memory: constant addresses (IN, OUT, LDS, STS, SBI, CBI, SBIC,
 * SBIS) are decided here: core registers become globals, mapped I/O and
 * SRAM become IR loads and stores at AVR_DATA_BASE + address, unmapped
 * addresses a helper that logs them under -d unimp and reads 0. Pointer
 * and stack accesses check at run time that the address is in SRAM (one
 * compare); otherwise a helper does the access (register file, core and
 * device I/O, unmapped addresses) and the block ends after the
 * instruction.
 *
 * Cycles: each instruction is started with the manual's count; taken
 * branches and skips add theirs on their path.
 */
#include <stddef.h>
#include <string.h>

#include <tessera/arch.h>
#include <tessera/tool.h>

#include "avr.h"
#include "exec.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "SPL/SPH are byte views of sp: little-endian hosts only"
#endif

#define I32 TESSERA_I32

/*
 * The flags of a subtraction (SUB, SBC, CP, CPC and the immediates), of
 * ADIW/SBIW and of INC/DEC are computed late: only the one a conditional branch right after it tests
 * comes before the branch; all are set on each of the branch's paths
 * (before the taken exit, and after the label, where the optimiser drops
 * those the next instructions set again). A loop that ends with a compare
 * and a branch back to the block's start so computes the flags of its
 * last compare only on its way out (the native backend runs that stub
 * only when the loop leaves: plan_loop_stub()). Before any other
 * instruction they are set as usual (lazy_flush()).
 */
typedef struct Lazy {
    bool on;
    bool keep_z;         /* SBC, SBCI, CPC: Z = Z & (R == 0) */
    bool word, add;      /* ADIW (word, add), SBIW (word) */
    bool incdec;         /* INC, DEC: V = (R == imm) */
    uint8_t mask;        /* the flags it sets */
    int imm;             /* the subtrahend's value if constant, else -1 */
    TesseraVal d, s, cin, r, old_z;
    TesseraVal zr;       /* SBC, SBCI, CPC after a subtraction whose Z was
                          * still owed: Z = (zr == 0), zr the OR of the
                          * chain's results (old_z then unused) */
    TesseraVal v[8];     /* the flags computed so far, by SREG bit */
} Lazy;

#define LAZY_FLAGS (1u << SR_C | 1u << SR_Z | 1u << SR_N | 1u << SR_V | \
                    1u << SR_S | 1u << SR_H)

typedef struct Ctx {
    TesseraIR *b;
    const AvrModel *m;
    TesseraVal reg[32];  /* cached register values (0: not read yet) */
    TesseraVal pair[32]; /* cached 16-bit pairs, at the even register */
    TesseraVal flag[8];
    TesseraVal sp;
    Lazy lz;
    uint32_t known;      /* registers holding a known constant (LDI) */
    uint32_t word_read;  /* pairs (bit lo) this block has read as words */
    uint8_t kval[32];    /* their values */
    uint32_t pc, next;   /* this instruction, the next one */
    unsigned next_size;  /* bytes of the next instruction (skips) */
    bool inhibit;        /* AVR_TBF_INHIBIT: one instruction, then check */
    bool loop_end;       /* a conditional branch backwards: end the block */
    bool pure;           /* the block so far has only ALU instructions
                          * (after an SRAM access at its start) */
    uint32_t start;      /* the block's first instruction */
} Ctx;

/* ---------------------------------------------------------------------- */
/* IR shorthands                                                           */

static TesseraVal K(Ctx *c, uint64_t v)
{
    return tessera_ir_const(c->b, v);
}

static TesseraVal op2(Ctx *c, TesseraBinop op, TesseraVal a, TesseraVal b)
{
    TesseraVal t = tessera_ir_temp(c->b);
    tessera_ir_binop(c->b, op, I32, t, a, b);
    return t;
}

static TesseraVal opi(Ctx *c, TesseraBinop op, TesseraVal a, uint64_t k)
{
    return op2(c, op, a, K(c, k));
}

static TesseraVal cmpi(Ctx *c, TesseraCond cond, TesseraVal a, uint64_t k)
{
    TesseraVal t = tessera_ir_temp(c->b);
    tessera_ir_setcond(c->b, cond, I32, t, a, K(c, k));
    return t;
}

static TesseraVal carry(Ctx *c, TesseraCarryOp op, unsigned bits,
                        TesseraVal a, TesseraVal b, TesseraVal cin)
{
    TesseraVal t = tessera_ir_temp(c->b);
    tessera_ir_carry(c->b, op, bits, t, a, b, cin);
    return t;
}

/* Bit n of a (0 or 1). */
static TesseraVal bit(Ctx *c, TesseraVal a, unsigned n)
{
    TesseraVal t = tessera_ir_temp(c->b);
    tessera_ir_extract(c->b, I32, t, a, n, 1);
    return t;
}

static TesseraVal glob(Ctx *c, size_t off, unsigned mo)
{
    return tessera_ir_global_sized(c->b, off, mo);
}

static TesseraVal read_glob(Ctx *c, size_t off, unsigned mo)
{
    TesseraVal t = tessera_ir_temp(c->b);
    tessera_ir_mov(c->b, I32, t, glob(c, off, mo));
    return t;
}

static void write_glob(Ctx *c, size_t off, unsigned mo, TesseraVal v)
{
    tessera_ir_mov(c->b, I32, glob(c, off, mo), v);
}

static void call(Ctx *c, TesseraHelper fn, unsigned flags, TesseraVal dst,
                 unsigned nargs, const TesseraVal *args)
{
    tessera_ir_call(c->b, fn, flags, dst, nargs, args);
}

/* ---------------------------------------------------------------------- */
/* Registers, flags, SP                                                    */

#define OFF_R(i) (offsetof(AvrEnv, r) + (i))
#define OFF_F(f) (offsetof(AvrEnv, flag) + (f))

/* r24-r31: the pairs ADIW, SBIW and (X, Y, Z) the pointer accesses read as
 * words. */
#define WORD_PAIR(i) ((i) >= 24)

static TesseraVal R(Ctx *c, unsigned i)
{
    if (!c->reg[i])
        c->reg[i] = read_glob(c, OFF_R(i), TESSERA_MO_8);
    return c->reg[i];
}

/*
 * v must be 0..255 (it stays cached). A byte of r24-r31 whose pair the
 * block has read as a word (a pointer, ADIW, SBIW), and whose other byte
 * is known (or can be extracted from the known pair), is written with it
 * as a word: a loop reads the pair as a word again in its next round (and
 * in the loop check's range check), and a host load of a word that two
 * byte stores wrote just before waits until they reach the cache (no
 * store forwarding), where one word store forwards. The byte written
 * first is then overwritten, and dropped. (Pairs used as data bytes only,
 * like r26, r27 in a CRC loop, stay bytes: the word costs a shift and an
 * OR.)
 */
static void W(Ctx *c, unsigned i, TesseraVal v)
{
    unsigned lo = i & ~1u;
    c->known &= ~(1u << i);
    if (WORD_PAIR(i) && (c->word_read >> lo & 1) &&
        (c->reg[i ^ 1] || c->pair[lo])) {
        if (!c->reg[i ^ 1])
            c->reg[i ^ 1] = i & 1 ? opi(c, TESSERA_AND, c->pair[lo], 0xff)
                                  : opi(c, TESSERA_SHR, c->pair[lo], 8);
        TesseraVal l = i & 1 ? c->reg[lo] : v, h = i & 1 ? v : c->reg[lo + 1];
        TesseraVal p = op2(c, TESSERA_OR, l, opi(c, TESSERA_SHL, h, 8));
        write_glob(c, OFF_R(lo), TESSERA_MO_16, p);
        c->reg[i] = v;
        c->pair[lo] = p;
        return;
    }
    write_glob(c, OFF_R(i), TESSERA_MO_8, v);
    c->reg[i] = v;
    c->pair[lo] = 0;
}

/* The constant in Ri (set by LDI in this block and not written since),
 * or -1. The optimiser propagates it anyway; the frontend uses it to
 * pick cheaper flag forms for a constant operand. */
static int konst(Ctx *c, unsigned i)
{
    return (c->known >> i) & 1 ? c->kval[i] : -1;
}

/* The pair r[lo+1]:r[lo] (lo even), e.g. X = 26. */
static TesseraVal R16(Ctx *c, unsigned lo)
{
    c->word_read |= 1u << lo;
    if (!c->pair[lo]) {
        if (c->reg[lo] && c->reg[lo + 1])
            c->pair[lo] = op2(c, TESSERA_OR, c->reg[lo],
                              opi(c, TESSERA_SHL, c->reg[lo + 1], 8));
        else
            c->pair[lo] = read_glob(c, OFF_R(lo), TESSERA_MO_16);
    }
    return c->pair[lo];
}

/* v must be 0..0xffff. */
static void W16(Ctx *c, unsigned lo, TesseraVal v)
{
    write_glob(c, OFF_R(lo), TESSERA_MO_16, v);
    c->pair[lo] = v;
    c->reg[lo] = c->reg[lo + 1] = 0;
    c->known &= ~(3u << lo);
}

static TesseraVal lazy_flag(Ctx *c, unsigned f);
static TesseraVal lazy_zsrc(const Ctx *c);
static void lazy_flush(Ctx *c);

static TesseraVal F(Ctx *c, unsigned f)
{
    if (c->lz.on && (c->lz.mask >> f & 1)) {
        if (!c->lz.v[f])
            c->lz.v[f] = lazy_flag(c, f);
        return c->lz.v[f];
    }
    if (!c->flag[f])
        c->flag[f] = read_glob(c, OFF_F(f), TESSERA_MO_8);
    return c->flag[f];
}

/* v must be 0 or 1. */
static void WF(Ctx *c, unsigned f, TesseraVal v)
{
    write_glob(c, OFF_F(f), TESSERA_MO_8, v);
    c->flag[f] = v;
}

static TesseraVal SP(Ctx *c)
{
    if (!c->sp)
        c->sp = read_glob(c, offsetof(AvrEnv, sp), TESSERA_MO_16);
    return c->sp;
}

static void WSP(Ctx *c, TesseraVal v)
{
    write_glob(c, offsetof(AvrEnv, sp), TESSERA_MO_16, v);
    c->sp = v;
}

/* N and Z from an 8-bit result r, and S = N ^ V. */
static void flags_nzs(Ctx *c, TesseraVal r, TesseraVal v)
{
    TesseraVal n = opi(c, TESSERA_SHR, r, 7);
    WF(c, SR_N, n);
    WF(c, SR_Z, cmpi(c, TESSERA_EQ, r, 0));
    WF(c, SR_S, op2(c, TESSERA_XOR, n, v));
}

/* ---------------------------------------------------------------------- */
/* Exits                                                                   */

static uint32_t wrap(Ctx *c, uint32_t pc)
{
    return pc & (c->m->flash_size - 1);
}

/* The instruction after SEI/RETI is done: interrupts may be taken. */
static void inhibit_done(Ctx *c)
{
    if (c->inhibit)
        call(c, avr_helper_inhibit_done,
             TESSERA_HELPER_NO_WRITE | TESSERA_HELPER_NO_RAISE,
             TESSERA_IR_NONE, 0, NULL);
}

static void exit_goto(Ctx *c, uint32_t pc)
{
    inhibit_done(c);
    if (c->inhibit)
        tessera_ir_exit_loop(c->b, pc);
    else
        tessera_ir_goto(c->b, pc);
}

static void exit_dyn(Ctx *c, TesseraVal pc)
{
    inhibit_done(c);
    tessera_ir_goto_dyn(c->b, pc);
}

static void exit_loop(Ctx *c, uint32_t pc)
{
    inhibit_done(c);
    tessera_ir_exit_loop(c->b, pc);
}

/*
 * After a conditional exit, registers are read from their globals again
 * rather than from the temps that cached them: a temp kept across the
 * rest of a long block would hold a host register all that time (or be
 * spilled), where a global the backend keeps in a register costs nothing
 * to read and one in env one load.
 */
static void forget_regs(Ctx *c)
{
    memset(c->reg, 0, sizeof(c->reg));
    memset(c->pair, 0, sizeof(c->pair));
}

/*
 * Branches to target unless (a nocond b): the taken path costs 1 cycle.
 * A branch backwards closes a loop: the block ends after it, so a loop
 * back to the block's start is a block of its own (the backend runs it
 * round after round without leaving) and the code after the loop, run
 * once per loop, is not translated again with every block that enters
 * the loop further up.
 */
static void branch_unless(Ctx *c, TesseraCond nocond, TesseraVal a,
                          TesseraVal b, uint32_t target)
{
    TesseraLabel no = tessera_ir_label_new(c->b);
    /* Flags still owed are set on both paths (see Lazy) where that pays:
     * in a loop back to the block's start with nothing before the branch
     * that may let env be seen (plan_loop_stub()). Elsewhere they are set
     * before the branch: both paths' copies would keep their operands
     * alive across it. */
    if (!c->pure || target != c->start)
        lazy_flush(c);
    tessera_ir_brcond(c->b, nocond, I32, a, b, no);
    /* What the taken path computes is not there after the label. */
    Lazy lz = c->lz;
    TesseraVal flag[8];
    memcpy(flag, c->flag, sizeof(flag));
    lazy_flush(c);
    tessera_ir_add_cycles(c->b, 1);
    exit_goto(c, target);
    tessera_ir_label_set(c->b, no);
    c->lz = lz;
    memcpy(c->flag, flag, sizeof(flag));
    forget_regs(c);
    if (target <= c->pc)
        c->loop_end = true;
}

/* Skips the next instruction unless (a nocond b). */
static void skip_unless(Ctx *c, TesseraCond nocond, TesseraVal a,
                        TesseraVal b)
{
    TesseraLabel no = tessera_ir_label_new(c->b);
    tessera_ir_brcond(c->b, nocond, I32, a, b, no);
    tessera_ir_add_cycles(c->b, c->next_size / 2);
    exit_goto(c, wrap(c, c->next + c->next_size));
    tessera_ir_label_set(c->b, no);
}

/* ---------------------------------------------------------------------- */
/* Data space                                                              */

/*
 * Branches to the returned label when the n bytes from data address a
 * (a 32-bit value; below 0 or above 0xffff means out of range) are SRAM.
 * What follows the call is the slow path, which must end with an exit.
 */
static TesseraLabel in_sram(Ctx *c, TesseraVal a, unsigned n,
                            TesseraVal *rel)
{
    unsigned start = c->m->sram_start;
    unsigned size = c->m->sram_end + 1 - start;
    TesseraLabel fast = tessera_ir_label_new(c->b);
    *rel = opi(c, TESSERA_SUB, a, start);
    tessera_ir_brcond(c->b, TESSERA_LTU, I32, *rel, K(c, size - (n - 1)),
                      fast);
    return fast;
}

/*
 * An SRAM access on in_sram()'s fast path: rel is a - sram_start (0..size
 * - n), at == i the byte a + i. SRAM is one RAM region that is never
 * fetched (TESSERA_MO_RAM: the native backend skips the soft TLB).
 */
static unsigned sram_memop(const Ctx *c)
{
    uint64_t lo, hi;
    /* The board maps the model's whole SRAM as one region (else the
     * backend's direct access could run past it: the TLB path then). */
    if (tessera_tool_region(AVR_DATA_BASE + c->m->sram_start, NULL, &lo) &&
        tessera_tool_region(AVR_DATA_BASE + c->m->sram_end, NULL, &hi) &&
        lo == hi)
        return TESSERA_MO_8 | TESSERA_MO_RAM;
    return TESSERA_MO_8;
}

static void sram_load(Ctx *c, TesseraVal dst, TesseraVal rel, int i)
{
    tessera_ir_load(c->b, dst, rel,
                    (int64_t)AVR_DATA_BASE + c->m->sram_start + i,
                    sram_memop(c), 0);
}

static void sram_store(Ctx *c, TesseraVal v, TesseraVal rel, int i)
{
    tessera_ir_store(c->b, v, rel,
                     (int64_t)AVR_DATA_BASE + c->m->sram_start + i,
                     sram_memop(c), 0);
}

/* Rd = data[a] (a: 0..0xffff, or out of range to wrap), last in the insn. */
static void load_last(Ctx *c, unsigned d, TesseraVal a)
{
    TesseraVal rel;
    TesseraLabel fast = in_sram(c, a, 1, &rel);
    TesseraVal v = tessera_ir_temp(c->b);
    TesseraVal arg = opi(c, TESSERA_AND, a, 0xffff);
    call(c, avr_helper_ld, TESSERA_HELPER_NO_WRITE | TESSERA_HELPER_NO_RAISE,
         v, 1, &arg);
    write_glob(c, OFF_R(d), TESSERA_MO_8, v);
    exit_goto(c, c->next);
    tessera_ir_label_set(c->b, fast);
    TesseraVal w = tessera_ir_temp(c->b);
    sram_load(c, w, rel, 0);
    W(c, d, w);
}

/* data[a] = v, last in the instruction. */
static void store_last(Ctx *c, TesseraVal a, TesseraVal v)
{
    TesseraVal rel;
    TesseraLabel fast = in_sram(c, a, 1, &rel);
    TesseraVal args[2] = {opi(c, TESSERA_AND, a, 0xffff), v};
    call(c, avr_helper_st, 0, TESSERA_IR_NONE, 2, args);
    exit_goto(c, c->next);
    tessera_ir_label_set(c->b, fast);
    sram_store(c, v, rel, 0);
}

static bool sram(const Ctx *c, unsigned a)
{
    return a >= c->m->sram_start && a <= c->m->sram_end;
}

static bool mapped(unsigned a)
{
    return tessera_tool_region(AVR_DATA_BASE + a, NULL, NULL);
}

/* The byte at constant data address a. */
static TesseraVal read_const(Ctx *c, unsigned a)
{
    if (a < 32)
        return R(c, a);
    switch (a) {
    case AVR_SREG: {
        TesseraVal v = F(c, 0);
        for (unsigned i = 1; i < 8; i++)
            v = op2(c, TESSERA_OR, v, opi(c, TESSERA_SHL, F(c, i), i));
        return v;
    }
    case AVR_SPL:
        return opi(c, TESSERA_AND, SP(c), 0xff);
    case AVR_SPH:
        return opi(c, TESSERA_SHR, SP(c), 8);
    case AVR_RAMPZ:
        if (c->m->has_rampz)
            return read_glob(c, offsetof(AvrEnv, rampz), TESSERA_MO_8);
        break;
    case AVR_EIND:
        if (c->m->pc22)
            return read_glob(c, offsetof(AvrEnv, eind), TESSERA_MO_8);
        break;
    case AVR_SMCR:
        return read_glob(c, offsetof(AvrEnv, smcr), TESSERA_MO_8);
    }
    TesseraVal v = tessera_ir_temp(c->b);
    if (sram(c, a) && mapped(a)) {
        sram_load(c, v, K(c, 0), (int)(a - c->m->sram_start));
    } else if (mapped(a)) {
        tessera_ir_load(c->b, v, K(c, 0), AVR_DATA_BASE + a, TESSERA_MO_8, 0);
    } else {
        TesseraVal arg = K(c, a);
        call(c, avr_helper_ld,
             TESSERA_HELPER_NO_WRITE | TESSERA_HELPER_NO_RAISE, v, 1, &arg);
    }
    return v;
}

/* Writes v (0..255) to constant data address a. */
static void write_const(Ctx *c, unsigned a, TesseraVal v)
{
    if (a < 32) {
        W(c, a, v);
        return;
    }
    switch (a) {
    case AVR_SREG: {
        TesseraVal old_i = F(c, SR_I);
        for (unsigned i = 0; i < 8; i++)
            WF(c, i, bit(c, v, i));
        call(c, avr_helper_i_written,
             TESSERA_HELPER_NO_WRITE | TESSERA_HELPER_NO_RAISE,
             TESSERA_IR_NONE, 1, &old_i);
        return;
    }
    case AVR_SPL:
        write_glob(c, offsetof(AvrEnv, sp), TESSERA_MO_8, v);
        c->sp = 0;
        return;
    case AVR_SPH:
        write_glob(c, offsetof(AvrEnv, sp) + 1, TESSERA_MO_8, v);
        c->sp = 0;
        return;
    case AVR_RAMPZ:
        if (c->m->has_rampz) {
            write_glob(c, offsetof(AvrEnv, rampz), TESSERA_MO_8, v);
            return;
        }
        break;
    case AVR_EIND:
        if (c->m->pc22) {
            write_glob(c, offsetof(AvrEnv, eind), TESSERA_MO_8, v);
            return;
        }
        break;
    case AVR_SMCR:
        write_glob(c, offsetof(AvrEnv, smcr), TESSERA_MO_8,
                   opi(c, TESSERA_AND, v, 0x0f));
        return;
    }
    if (sram(c, a) && mapped(a)) {
        sram_store(c, v, K(c, 0), (int)(a - c->m->sram_start));
    } else if (mapped(a)) {
        tessera_ir_store(c->b, v, K(c, 0), AVR_DATA_BASE + a, TESSERA_MO_8,
                         0);
    } else {
        TesseraVal args[2] = {K(c, a), v};
        call(c, avr_helper_st,
             TESSERA_HELPER_NO_WRITE | TESSERA_HELPER_NO_RAISE,
             TESSERA_IR_NONE, 2, args);
    }
}

/* Pushes the return address (a constant) and jumps to target. */
static void call_to(Ctx *c, uint32_t target)
{
    unsigned n = c->m->pc22 ? 3 : 2;
    uint32_t w = c->next >> 1;
    TesseraVal sp = SP(c);
    TesseraVal rel; /* sp - (n - 1) - sram_start */
    TesseraLabel fast = in_sram(c, opi(c, TESSERA_SUB, sp, n - 1), n, &rel);
    TesseraVal arg = K(c, c->next);
    call(c, avr_helper_push_pc, 0, TESSERA_IR_NONE, 1, &arg);
    exit_goto(c, target);
    tessera_ir_label_set(c->b, fast);
    for (unsigned i = 0; i < n; i++)
        sram_store(c, K(c, (w >> (8 * i)) & 0xff), rel, (int)(n - 1 - i));
    WSP(c, opi(c, TESSERA_SUB, sp, n));
    exit_goto(c, target);
}

/* Same, jumping to a computed address. */
static void call_dyn(Ctx *c, TesseraVal target)
{
    unsigned n = c->m->pc22 ? 3 : 2;
    uint32_t w = c->next >> 1;
    TesseraVal sp = SP(c);
    TesseraVal rel;
    TesseraLabel fast = in_sram(c, opi(c, TESSERA_SUB, sp, n - 1), n, &rel);
    TesseraVal arg = K(c, c->next);
    call(c, avr_helper_push_pc, 0, TESSERA_IR_NONE, 1, &arg);
    exit_dyn(c, target);
    tessera_ir_label_set(c->b, fast);
    for (unsigned i = 0; i < n; i++)
        sram_store(c, K(c, (w >> (8 * i)) & 0xff), rel, (int)(n - 1 - i));
    WSP(c, opi(c, TESSERA_SUB, sp, n));
    exit_dyn(c, target);
}

/* RET, RETI: pops the return address and jumps there. */
static void ret(Ctx *c, bool reti)
{
    unsigned n = c->m->pc22 ? 3 : 2;
    TesseraVal sp = SP(c);
    TesseraVal old_i = reti ? F(c, SR_I) : 0;
    TesseraVal rel; /* sp + 1 - sram_start */
    TesseraLabel fast = in_sram(c, opi(c, TESSERA_ADD, sp, 1), n, &rel);
    TesseraVal t = tessera_ir_temp(c->b);
    call(c, avr_helper_pop_pc, 0, t, 0, NULL);
    if (reti) {
        WF(c, SR_I, K(c, 1));
        call(c, avr_helper_i_written,
             TESSERA_HELPER_NO_WRITE | TESSERA_HELPER_NO_RAISE,
             TESSERA_IR_NONE, 1, &old_i);
    }
    exit_dyn(c, t);
    tessera_ir_label_set(c->b, fast);
    /* The high byte was pushed last: it is at the lowest address. */
    TesseraVal w = K(c, 0);
    for (unsigned i = 0; i < n; i++) {
        TesseraVal v = tessera_ir_temp(c->b);
        sram_load(c, v, rel, (int)i);
        w = op2(c, TESSERA_OR, w, opi(c, TESSERA_SHL, v, 8 * (n - 1 - i)));
    }
    WSP(c, carry(c, TESSERA_ADDC, 16, sp, K(c, n), K(c, 0)));
    TesseraVal target = opi(c, TESSERA_AND, opi(c, TESSERA_SHL, w, 1),
                            c->m->flash_size - 1);
    if (reti) {
        WF(c, SR_I, K(c, 1));
        call(c, avr_helper_i_written,
             TESSERA_HELPER_NO_WRITE | TESSERA_HELPER_NO_RAISE,
             TESSERA_IR_NONE, 1, &old_i);
    }
    exit_dyn(c, target);
}

/* ---------------------------------------------------------------------- */
/* ALU                                                                     */

/* Bit 7 of a & ~b (a, b: 0..255), 0 or 1: the signed overflow of an
 * 8-bit add or subtract whose second operand is a constant, from the
 * first operand and the result (the manual's V with Rr7 known). */
static TesseraVal bit7_andn(Ctx *c, TesseraVal a, TesseraVal b)
{
    return opi(c, TESSERA_SHR, op2(c, TESSERA_AND, a,
                                   opi(c, TESSERA_XOR, b, 0xff)), 7);
}

/* Rd + Rr + cin: the manual's ADD/ADC flags; k: Rr's value if it is a
 * constant, else -1. The result and C come first, next to each other:
 * backends may share their sum. */
static TesseraVal add8(Ctx *c, TesseraVal d, TesseraVal s, TesseraVal cin,
                       int k)
{
    TesseraVal r = carry(c, TESSERA_ADDC, 8, d, s, cin);
    WF(c, SR_C, carry(c, TESSERA_ADD_CARRY, 8, d, s, cin));
    WF(c, SR_H, carry(c, TESSERA_ADD_CARRY, 4, d, s, cin));
    /* V = Rd7 & Rr7 & !R7 | !Rd7 & !Rr7 & R7 */
    TesseraVal v = k < 0 ? carry(c, TESSERA_ADD_OVERFLOW, 8, d, s, cin)
                   : (k & 0x80) ? bit7_andn(c, d, r)
                                : bit7_andn(c, r, d);
    WF(c, SR_V, v);
    flags_nzs(c, r, v);
    return r;
}

/* V of d - k for a constant k and no borrow in: d (0..255, as signed) - k
 * leaves -128..127 for d in a range of k values, so V is one unsigned
 * compare: 1 <= k <= 0x7f: d in [0x80, 0x7f + k]; k >= 0x80: d in
 * [k - 0x80, 0x7f]. */
static TesseraVal sub_overflow_imm(Ctx *c, TesseraVal d, unsigned k)
{
    if (k == 0)
        return K(c, 0);
    if (k < 0x80)
        return cmpi(c, TESSERA_LTU, opi(c, TESSERA_SUB, d, 0x80), k);
    return cmpi(c, TESSERA_LTU, opi(c, TESSERA_SUB, d, k - 0x80), 0x100 - k);
}

/* Rd - Rr - cin (SUB, SBC, CP, CPC and the immediates). keep_z: SBC, SBCI
 * and CPC (the ones with a borrow in) leave Z set only if it was set and
 * the result is 0. imm: s's value if it is a constant, else -1. The
 * flags are computed late (Lazy); C right away, next to the result (the
 * backend shares their sum), but for SUBI and CPI. */
static TesseraVal sub8(Ctx *c, TesseraVal d, TesseraVal s, TesseraVal cin,
                       bool keep_z, int imm)
{
    /* In a chain (CP, CPC, CPC...) Z is whether all results are 0: one
     * OR each, and a single compare where Z is needed. */
    TesseraVal prev_zr = keep_z ? lazy_zsrc(c) : 0;
    TesseraVal old_z = keep_z && !prev_zr ? F(c, SR_Z) : 0;
    TesseraVal r = carry(c, TESSERA_SUBC, 8, d, s, cin);
    c->lz = (Lazy){.on = true, .keep_z = keep_z, .mask = LAZY_FLAGS,
                   .imm = imm, .d = d, .s = s, .cin = cin, .r = r,
                   .old_z = old_z};
    /* SUBI, CPI: C late too (d - k and a shift wherever it goes, so only
     * where it is needed: a loop's compare then sets it on the way out). */
    if (imm < 0 || keep_z)
        c->lz.v[SR_C] = carry(c, TESSERA_SUB_BORROW, 8, d, s, cin);
    if (prev_zr) /* after C: the result and C stay adjacent */
        c->lz.zr = op2(c, TESSERA_OR, r, prev_zr);
    return r;
}

/* Flag f of ADIW/SBIW Rd, imm (d: the pair before, r: after): V is one
 * range compare, the constant being 0..63: SBIW: d in [0x8000, 0x8000 +
 * k), ADIW: d in [0x8000 - k, 0x8000). */
static TesseraVal lazy_flag_word(Ctx *c, unsigned f)
{
    const Lazy *l = &c->lz;
    unsigned k = (unsigned)l->imm;
    switch (f) {
    case SR_C:
        return carry(c, l->add ? TESSERA_ADD_CARRY : TESSERA_SUB_BORROW, 16,
                     l->d, K(c, k), K(c, 0));
    case SR_V: /* SBIW: V = Rdh7 & !R15; ADIW: V = !Rdh7 & R15 */
        return cmpi(c, TESSERA_LTU,
                    opi(c, TESSERA_SUB, l->d, l->add ? 0x8000 - k : 0x8000),
                    k);
    case SR_N:
        return opi(c, TESSERA_SHR, l->r, 15);
    case SR_Z:
        return cmpi(c, TESSERA_EQ, l->r, 0);
    default: /* SR_S */
        return op2(c, TESSERA_XOR, F(c, SR_N), F(c, SR_V));
    }
}

/* The value whose being 0 is the owed Z of c->lz, or 0 if Z is not
 * owed that way (computed already, or an AND with an older Z). */
static TesseraVal lazy_zsrc(const Ctx *c)
{
    const Lazy *l = &c->lz;
    if (!l->on || !(l->mask >> SR_Z & 1) || l->v[SR_Z])
        return 0;
    return l->zr ? l->zr : l->keep_z ? 0 : l->r;
}

/* Flag f of the subtraction (or ADIW/SBIW) c->lz describes. */
static TesseraVal lazy_flag(Ctx *c, unsigned f)
{
    const Lazy *l = &c->lz;
    if (l->word)
        return lazy_flag_word(c, f);
    if (l->incdec && f == SR_V)
        return cmpi(c, TESSERA_EQ, l->r, (uint64_t)l->imm);
    switch (f) {
    case SR_C:
        return carry(c, TESSERA_SUB_BORROW, 8, l->d, l->s, l->cin);
    case SR_H:
        return carry(c, TESSERA_SUB_BORROW, 4, l->d, l->s, l->cin);
    case SR_V: /* V = Rd7 & !Rr7 & !R7 | !Rd7 & Rr7 & R7 */
        return l->imm < 0 ? carry(c, TESSERA_SUB_OVERFLOW, 8, l->d, l->s,
                                  l->cin)
               : !l->keep_z ? sub_overflow_imm(c, l->d, (unsigned)l->imm)
               : (l->imm & 0x80) ? bit7_andn(c, l->r, l->d)
                                 : bit7_andn(c, l->d, l->r);
    case SR_N:
        return opi(c, TESSERA_SHR, l->r, 7);
    case SR_Z: {
        if (l->zr)
            return cmpi(c, TESSERA_EQ, l->zr, 0);
        TesseraVal z = cmpi(c, TESSERA_EQ, l->r, 0);
        return l->keep_z ? op2(c, TESSERA_AND, z, l->old_z) : z;
    }
    default: /* SR_S */
        return op2(c, TESSERA_XOR, F(c, SR_N), F(c, SR_V));
    }
}

/* Sets the flags c->lz still owes. */
static void lazy_flush(Ctx *c)
{
    static const uint8_t order[] = {SR_C, SR_H, SR_V, SR_N, SR_Z, SR_S};
    if (!c->lz.on)
        return;
    uint8_t mask = c->lz.mask;
    /* Each written as soon as computed (F() still answers from c->lz
     * meanwhile): a setcond right before its flag's write can set the
     * byte in env directly (native). */
    for (unsigned i = 0; i < sizeof(order); i++)
        if (mask >> order[i] & 1)
            WF(c, order[i], F(c, order[i]));
    c->lz.on = false;
}

/* AND, OR, EOR, COM...: V = 0, S = N. */
static TesseraVal logic(Ctx *c, TesseraVal r)
{
    TesseraVal n = opi(c, TESSERA_SHR, r, 7);
    WF(c, SR_V, K(c, 0));
    WF(c, SR_N, n);
    WF(c, SR_Z, cmpi(c, TESSERA_EQ, r, 0));
    WF(c, SR_S, n);
    return r;
}

/* Right shifts of d giving r: C = bit 0 of d, V = N ^ C, S = N ^ V. */
static TesseraVal shr8(Ctx *c, TesseraVal d, TesseraVal r)
{
    TesseraVal cf = opi(c, TESSERA_AND, d, 1);
    TesseraVal n = opi(c, TESSERA_SHR, r, 7);
    TesseraVal v = op2(c, TESSERA_XOR, n, cf);
    WF(c, SR_C, cf);
    WF(c, SR_N, n);
    WF(c, SR_V, v);
    WF(c, SR_Z, cmpi(c, TESSERA_EQ, r, 0));
    WF(c, SR_S, op2(c, TESSERA_XOR, n, v));
    return r;
}

/* r1:r0 = r (0..0xffff), C = cf, Z = (r == 0). */
static void mul_write(Ctx *c, TesseraVal r, TesseraVal cf)
{
    W16(c, 0, r);
    WF(c, SR_C, cf);
    WF(c, SR_Z, cmpi(c, TESSERA_EQ, r, 0));
}

/* MUL family: r1:r0 = p (shifted left once for FMUL*), C = bit 15 of p,
 * Z = result is 0. p is a signed or unsigned 32-bit product. */
static void mul_result(Ctx *c, TesseraVal p, bool fractional)
{
    TesseraVal cf = bit(c, p, 15);
    TesseraVal r = opi(c, TESSERA_AND,
                       fractional ? opi(c, TESSERA_SHL, p, 1) : p, 0xffff);
    mul_write(c, r, cf);
}

static TesseraVal sext8(Ctx *c, TesseraVal v)
{
    TesseraVal t = tessera_ir_temp(c->b);
    tessera_ir_unop(c->b, TESSERA_EXT8S, I32, t, v);
    return t;
}

/* ---------------------------------------------------------------------- */
/* Instructions                                                            */

static bool invalid(Ctx *c, uint16_t op)
{
    TesseraVal args[2] = {K(c, op), K(c, c->pc)};
    call(c, avr_helper_invalid, 0, TESSERA_IR_NONE, 2, args);
    tessera_ir_exit_loop(c->b, c->pc);
    return false;
}

/* LD/ST through X, Y, Z with post-increment or pre-decrement. */
static bool ld_st(Ctx *c, uint16_t op, bool store)
{
    unsigned d = (op >> 4) & 31;
    unsigned ptr;
    int pre = 0, post = 0;
    switch (op & 15) {
    case 0x1: ptr = 30; post = 1; break;
    case 0x2: ptr = 30; pre = 1; break;
    case 0x9: ptr = 28; post = 1; break;
    case 0xa: ptr = 28; pre = 1; break;
    case 0xc: ptr = 26; break;
    case 0xd: ptr = 26; post = 1; break;
    case 0xe: ptr = 26; pre = 1; break;
    default: return invalid(c, op);
    }
    TesseraVal zero = K(c, 0), one = K(c, 1);
    TesseraVal v = store ? R(c, d) : 0; /* the value before the update */
    TesseraVal a = R16(c, ptr);
    if (pre) {
        a = carry(c, TESSERA_SUBC, 16, a, one, zero);
        W16(c, ptr, a);
    } else if (post) {
        W16(c, ptr, carry(c, TESSERA_ADDC, 16, a, one, zero));
    }
    if (store)
        store_last(c, a, v);
    else
        load_last(c, d, a);
    return true;
}

/* Sleeping instructions end the block at pc (helper_sleep set the PC). */
static bool sleep_insn(Ctx *c, uint32_t resume, bool real)
{
    TesseraVal args[2] = {K(c, resume), K(c, real)};
    call(c, avr_helper_sleep, 0, TESSERA_IR_NONE, 2, args);
    exit_loop(c, resume);
    return false;
}

/* BSET/BCLR s. */
static void bset(Ctx *c, unsigned s, bool set)
{
    if (s == SR_I && set) {
        TesseraVal old_i = F(c, SR_I);
        WF(c, SR_I, K(c, 1));
        call(c, avr_helper_i_written,
             TESSERA_HELPER_NO_WRITE | TESSERA_HELPER_NO_RAISE,
             TESSERA_IR_NONE, 1, &old_i);
        return;
    }
    WF(c, s, K(c, set));
}

/* Group 0x9xxx. Returns false when the instruction ended the block. */
static bool insn_9(Ctx *c, uint16_t op, uint16_t op2w)
{
    const AvrModel *m = c->m;
    unsigned d5 = (op >> 4) & 31;
    TesseraVal zero = K(c, 0), one = K(c, 1);

    switch ((op >> 8) & 15) {
    case 0x0:
    case 0x1: /* loads */
        switch (op & 15) {
        case 0x0: /* LDS */
            W(c, d5, read_const(c, op2w));
            return true;
        case 0x4: case 0x5: { /* LPM Rd, Z(+) */
            TesseraVal z = R16(c, 30), v = tessera_ir_temp(c->b);
            tessera_ir_load(c->b, v, opi(c, TESSERA_AND, z, m->flash_size - 1),
                            0, TESSERA_MO_8, 0);
            if (op & 1)
                W16(c, 30, carry(c, TESSERA_ADDC, 16, z, one, zero));
            W(c, d5, v);
            return true;
        }
        case 0x6: case 0x7: { /* ELPM Rd, Z(+) */
            if (!m->has_rampz)
                return invalid(c, op);
            TesseraVal rz = read_glob(c, offsetof(AvrEnv, rampz), TESSERA_MO_8);
            TesseraVal z = op2(c, TESSERA_OR, R16(c, 30),
                               opi(c, TESSERA_SHL, rz, 16));
            TesseraVal v = tessera_ir_temp(c->b);
            tessera_ir_load(c->b, v, opi(c, TESSERA_AND, z, m->flash_size - 1),
                            0, TESSERA_MO_8, 0);
            if (op & 1) {
                TesseraVal nz = opi(c, TESSERA_ADD, z, 1);
                W16(c, 30, opi(c, TESSERA_AND, nz, 0xffff));
                write_glob(c, offsetof(AvrEnv, rampz), TESSERA_MO_8,
                           opi(c, TESSERA_SHR, nz, 16));
            }
            W(c, d5, v);
            return true;
        }
        case 0xf: { /* POP */
            TesseraVal a = opi(c, TESSERA_ADD, SP(c), 1);
            WSP(c, opi(c, TESSERA_AND, a, 0xffff));
            load_last(c, d5, a);
            return true;
        }
        case 0x3: case 0x8: case 0xb:
            return invalid(c, op);
        default:
            return ld_st(c, op, false);
        }
    case 0x2:
    case 0x3: /* stores */
        switch (op & 15) {
        case 0x0: /* STS */
            write_const(c, op2w, R(c, d5));
            return true;
        case 0xf: { /* PUSH */
            TesseraVal v = R(c, d5), sp = SP(c);
            WSP(c, carry(c, TESSERA_SUBC, 16, sp, one, zero));
            store_last(c, sp, v);
            return true;
        }
        case 0x3: case 0x4: case 0x5: case 0x6: case 0x7: case 0x8: case 0xb:
            return invalid(c, op); /* XCH/LAS/LAC/LAT are XMEGA only */
        default:
            return ld_st(c, op, true);
        }
    case 0x4:
    case 0x5:
        switch (op & 15) {
        case 0x0: { /* COM: C = 1 */
            TesseraVal r = opi(c, TESSERA_XOR, R(c, d5), 0xff);
            WF(c, SR_C, one);
            W(c, d5, logic(c, r));
            return true;
        }
        case 0x1: { /* NEG: H = R3 | Rd3 (a borrow out of the low nibble),
                       V = R == 0x80, C = R != 0 */
            TesseraVal dv = R(c, d5);
            TesseraVal r = carry(c, TESSERA_SUBC, 8, zero, dv, zero);
            TesseraVal v = cmpi(c, TESSERA_EQ, r, 0x80);
            WF(c, SR_H, carry(c, TESSERA_SUB_BORROW, 4, zero, dv, zero));
            WF(c, SR_V, v);
            WF(c, SR_C, cmpi(c, TESSERA_NE, r, 0));
            flags_nzs(c, r, v);
            W(c, d5, r);
            return true;
        }
        case 0x2: { /* SWAP */
            TesseraVal dv = R(c, d5);
            TesseraVal r = op2(c, TESSERA_OR, opi(c, TESSERA_SHR, dv, 4),
                               opi(c, TESSERA_AND,
                                   opi(c, TESSERA_SHL, dv, 4), 0xf0));
            W(c, d5, r);
            return true;
        }
        case 0x3: /* INC: V = R == 0x80 */
        case 0xa: { /* DEC: V = R == 0x7f; the flags late (Lazy) */
            bool inc = (op & 15) == 0x3;
            TesseraVal r = carry(c, inc ? TESSERA_ADDC : TESSERA_SUBC, 8,
                                 R(c, d5), one, zero);
            c->lz = (Lazy){.on = true, .incdec = true, .imm = inc ? 0x80 : 0x7f,
                           .mask = 1u << SR_V | 1u << SR_N | 1u << SR_Z |
                                   1u << SR_S,
                           .r = r};
            W(c, d5, r);
            return true;
        }
        case 0x5: { /* ASR */
            TesseraVal dv = R(c, d5);
            TesseraVal r = op2(c, TESSERA_OR, opi(c, TESSERA_SHR, dv, 1),
                               opi(c, TESSERA_AND, dv, 0x80));
            W(c, d5, shr8(c, dv, r));
            return true;
        }
        case 0x6: { /* LSR */
            TesseraVal dv = R(c, d5);
            W(c, d5, shr8(c, dv, opi(c, TESSERA_SHR, dv, 1)));
            return true;
        }
        case 0x7: { /* ROR */
            TesseraVal dv = R(c, d5);
            TesseraVal r = op2(c, TESSERA_OR, opi(c, TESSERA_SHR, dv, 1),
                               opi(c, TESSERA_SHL, F(c, SR_C), 7));
            W(c, d5, shr8(c, dv, r));
            return true;
        }
        case 0xc: case 0xd: /* JMP */
            exit_goto(c, wrap(c, (((uint32_t)((op >> 3) & 0x3e) | (op & 1))
                                  << 17) | (uint32_t)op2w << 1));
            return false;
        case 0xe: case 0xf: /* CALL */
            call_to(c, wrap(c, (((uint32_t)((op >> 3) & 0x3e) | (op & 1))
                                << 17) | (uint32_t)op2w << 1));
            return false;
        case 0x8:
            if (!(op & 0x100)) { /* BSET / BCLR */
                bset(c, (op >> 4) & 7, !(op & 0x80));
                return true;
            }
            switch ((op >> 4) & 15) {
            case 0x0: /* RET */
                ret(c, false);
                return false;
            case 0x1: /* RETI */
                ret(c, true);
                return false;
            case 0x8: /* SLEEP (a NOP unless SMCR.SE) */
                return sleep_insn(c, c->next, true);
            case 0x9: /* BREAK: a NOP without an on-chip debugger */
                return true;
            case 0xa: /* WDR */
                call(c, avr_helper_wdr,
                     TESSERA_HELPER_NO_READ | TESSERA_HELPER_NO_WRITE |
                         TESSERA_HELPER_NO_RAISE,
                     TESSERA_IR_NONE, 0, NULL);
                return true;
            case 0xc: { /* LPM */
                TesseraVal v = tessera_ir_temp(c->b);
                tessera_ir_load(c->b, v,
                                opi(c, TESSERA_AND, R16(c, 30),
                                    m->flash_size - 1),
                                0, TESSERA_MO_8, 0);
                W(c, 0, v);
                return true;
            }
            case 0xd: { /* ELPM */
                if (!m->has_rampz)
                    return invalid(c, op);
                TesseraVal rz = read_glob(c, offsetof(AvrEnv, rampz),
                                          TESSERA_MO_8);
                TesseraVal z = op2(c, TESSERA_OR, R16(c, 30),
                                   opi(c, TESSERA_SHL, rz, 16));
                TesseraVal v = tessera_ir_temp(c->b);
                tessera_ir_load(c->b, v,
                                opi(c, TESSERA_AND, z, m->flash_size - 1), 0,
                                TESSERA_MO_8, 0);
                W(c, 0, v);
                return true;
            }
            case 0xe: case 0xf: { /* SPM */
                TesseraVal arg = K(c, c->pc);
                call(c, avr_helper_spm,
                     TESSERA_HELPER_NO_READ | TESSERA_HELPER_NO_WRITE |
                         TESSERA_HELPER_NO_RAISE,
                     TESSERA_IR_NONE, 1, &arg);
                return true;
            }
            }
            return invalid(c, op);
        case 0x9: {
            TesseraVal z = R16(c, 30);
            TesseraVal t = opi(c, TESSERA_SHL, z, 1);
            if (op & 0x10) { /* EIJMP, EICALL */
                if (!m->pc22)
                    return invalid(c, op);
                TesseraVal eind = read_glob(c, offsetof(AvrEnv, eind),
                                            TESSERA_MO_8);
                t = op2(c, TESSERA_OR, t, opi(c, TESSERA_SHL, eind, 17));
            }
            t = opi(c, TESSERA_AND, t, m->flash_size - 1);
            switch (op & 0x1e0) {
            case 0x000: /* IJMP, EIJMP */
                exit_dyn(c, t);
                return false;
            case 0x100: /* ICALL, EICALL */
                call_dyn(c, t);
                return false;
            }
            return invalid(c, op);
        }
        }
        return invalid(c, op);
    case 0x6:
    case 0x7: { /* ADIW / SBIW */
        unsigned d = 24 + ((op >> 3) & 6);
        unsigned kk = (op & 15) | ((op >> 2) & 0x30);
        TesseraVal k = K(c, kk);
        TesseraVal v = R16(c, d), r, cf;
        /* The result and C next to each other (backends may share the
         * sum); the other flags late (Lazy, lazy_flag_word()). */
        if (op & 0x100) { /* SBIW: C = R15 & !Rdh7 */
            r = carry(c, TESSERA_SUBC, 16, v, k, zero);
            cf = carry(c, TESSERA_SUB_BORROW, 16, v, k, zero);
        } else { /* ADIW: C = !R15 & Rdh7 */
            r = carry(c, TESSERA_ADDC, 16, v, k, zero);
            cf = carry(c, TESSERA_ADD_CARRY, 16, v, k, zero);
        }
        c->lz = (Lazy){.on = true, .word = true, .add = !(op & 0x100),
                       .mask = LAZY_FLAGS & ~(1u << SR_H), .imm = (int)kk,
                       .d = v, .r = r};
        c->lz.v[SR_C] = cf;
        W16(c, d, r);
        return true;
    }
    case 0x8: case 0x9: case 0xa: case 0xb: { /* CBI SBIC SBI SBIS */
        unsigned a = ((op >> 3) & 31) + 0x20, b = op & 7;
        if (op & 0x100) { /* SBIC / SBIS */
            TesseraVal set = bit(c, read_const(c, a), b);
            skip_unless(c, TESSERA_NE, set, K(c, (op & 0x200) != 0));
            return true;
        }
        /* A PINx write toggles the pins written as 1: SBI toggles one. */
        for (const uint8_t *p = m->pin_regs; *p; p++) {
            if (*p == a) {
                if (op & 0x200)
                    write_const(c, a, K(c, 1u << b));
                return true;
            }
        }
        TesseraVal v = read_const(c, a);
        v = (op & 0x200) ? opi(c, TESSERA_OR, v, 1u << b)
                         : opi(c, TESSERA_AND, v, 0xffu & ~(1u << b));
        write_const(c, a, v);
        return true;
    }
    default: { /* MUL */
        unsigned r5 = (op & 15) | ((op >> 5) & 16);
        /* Unsigned 8 x 8 bits: below 0x10000, no mask. */
        TesseraVal p = op2(c, TESSERA_MUL, R(c, d5), R(c, r5));
        mul_write(c, p, bit(c, p, 15));
        return true;
    }
    }
}

/* One instruction. Returns false when it ended the block. */
static bool insn(Ctx *c, uint16_t op, uint16_t op2w)
{
    unsigned d5 = (op >> 4) & 31, r5 = (op & 15) | ((op >> 5) & 16);
    unsigned d4 = 16 + ((op >> 4) & 15);
    unsigned kv = ((op >> 4) & 0xf0) | (op & 15);
    TesseraVal k8 = K(c, kv);
    TesseraVal zero = K(c, 0);

    switch (op >> 12) {
    case 0x0:
        switch ((op >> 10) & 3) {
        case 0:
            switch ((op >> 8) & 3) {
            case 0:
                if (op != 0)
                    return invalid(c, op);
                return true; /* NOP */
            case 1: { /* MOVW: byte by byte, so that a block using the
                         * registers as bytes only has no 16-bit view of
                         * them (which would keep them in env) */
                unsigned dd = ((op >> 4) & 15) * 2, ss = (op & 15) * 2;
                TesseraVal lo = R(c, ss), hi = R(c, ss + 1);
                W(c, dd, lo);
                W(c, dd + 1, hi);
                return true;
            }
            case 2: /* MULS */
                mul_result(c, op2(c, TESSERA_MUL, sext8(c, R(c, d4)),
                                  sext8(c, R(c, 16 + (op & 15)))), false);
                return true;
            case 3: {
                TesseraVal d = R(c, 16 + ((op >> 4) & 7));
                TesseraVal r = R(c, 16 + (op & 7));
                switch (op & 0x88) {
                case 0x00: /* MULSU */
                    mul_result(c, op2(c, TESSERA_MUL, sext8(c, d), r), false);
                    break;
                case 0x08: /* FMUL */
                    mul_result(c, op2(c, TESSERA_MUL, d, r), true);
                    break;
                case 0x80: /* FMULS */
                    mul_result(c, op2(c, TESSERA_MUL, sext8(c, d),
                                      sext8(c, r)), true);
                    break;
                default: /* FMULSU */
                    mul_result(c, op2(c, TESSERA_MUL, sext8(c, d), r), true);
                    break;
                }
                return true;
            }
            }
            break;
        case 1: /* CPC */
            sub8(c, R(c, d5), R(c, r5), F(c, SR_C), true, konst(c, r5));
            return true;
        case 2: /* SBC */
            W(c, d5, sub8(c, R(c, d5), R(c, r5), F(c, SR_C), true,
                          konst(c, r5)));
            return true;
        case 3: /* ADD */
            W(c, d5, add8(c, R(c, d5), R(c, r5), zero, konst(c, r5)));
            return true;
        }
        break;
    case 0x1:
        switch ((op >> 10) & 3) {
        case 0: /* CPSE */
            skip_unless(c, TESSERA_NE, R(c, d5), R(c, r5));
            return true;
        case 1: /* CP */
            sub8(c, R(c, d5), R(c, r5), zero, false, konst(c, r5));
            return true;
        case 2: /* SUB */
            W(c, d5, sub8(c, R(c, d5), R(c, r5), zero, false,
                          konst(c, r5)));
            return true;
        case 3: /* ADC */
            W(c, d5, add8(c, R(c, d5), R(c, r5), F(c, SR_C), konst(c, r5)));
            return true;
        }
        break;
    case 0x2:
        switch ((op >> 10) & 3) {
        case 0: /* AND */
            W(c, d5, logic(c, op2(c, TESSERA_AND, R(c, d5), R(c, r5))));
            return true;
        case 1: /* EOR */
            if (d5 == r5) { /* CLR: a known 0, like LDI */
                W(c, d5, logic(c, K(c, 0)));
                c->known |= 1u << d5;
                c->kval[d5] = 0;
                return true;
            }
            W(c, d5, logic(c, op2(c, TESSERA_XOR, R(c, d5), R(c, r5))));
            return true;
        case 2: /* OR */
            W(c, d5, logic(c, op2(c, TESSERA_OR, R(c, d5), R(c, r5))));
            return true;
        case 3: /* MOV */
            W(c, d5, R(c, r5));
            return true;
        }
        break;
    case 0x3: /* CPI */
        sub8(c, R(c, d4), k8, zero, false, (int)kv);
        return true;
    case 0x4: /* SBCI */
        W(c, d4, sub8(c, R(c, d4), k8, F(c, SR_C), true, (int)kv));
        return true;
    case 0x5: /* SUBI */
        W(c, d4, sub8(c, R(c, d4), k8, zero, false, (int)kv));
        return true;
    case 0x6: /* ORI */
        W(c, d4, logic(c, op2(c, TESSERA_OR, R(c, d4), k8)));
        return true;
    case 0x7: /* ANDI */
        W(c, d4, logic(c, op2(c, TESSERA_AND, R(c, d4), k8)));
        return true;
    case 0x8:
    case 0xa: { /* LDD/STD with displacement */
        unsigned q = (op & 7) | ((op >> 7) & 0x18) | ((op >> 8) & 0x20);
        TesseraVal a = R16(c, (op & 8) ? 28 : 30);
        if (q)
            a = opi(c, TESSERA_ADD, a, q); /* past 0xffff: the slow path */
        if (op & 0x200)
            store_last(c, a, R(c, d5));
        else
            load_last(c, d5, a);
        return true;
    }
    case 0x9:
        return insn_9(c, op, op2w);
    case 0xb: { /* IN / OUT */
        unsigned a = ((op & 15) | ((op >> 5) & 0x30)) + 0x20;
        if (op & 0x800)
            write_const(c, a, R(c, d5));
        else
            W(c, d5, read_const(c, a));
        return true;
    }
    case 0xc: /* RJMP */
        if (op == 0xcfff) /* "rjmp ." (avr-libc's exit loop) waits */
            return sleep_insn(c, c->pc, false);
        exit_goto(c, wrap(c, c->pc + 2 +
                                 (uint32_t)(((int32_t)((uint32_t)op << 20) >>
                                             20) * 2)));
        return false;
    case 0xd: /* RCALL */
        call_to(c, wrap(c, c->pc + 2 +
                               (uint32_t)(((int32_t)((uint32_t)op << 20) >>
                                           20) * 2)));
        return false;
    case 0xe: /* LDI */
        W(c, d4, k8);
        c->known |= 1u << d4;
        c->kval[d4] = (uint8_t)kv;
        return true;
    case 0xf:
        if (!(op & 0x800)) { /* BRBS / BRBC */
            int32_t k = (int32_t)((uint32_t)op << 22) >> 25;
            uint32_t target = wrap(c, c->pc + 2 + (uint32_t)(k * 2));
            TesseraVal zs = (op & 7) == SR_Z ? lazy_zsrc(c) : 0;
            if (zs) {
                /* BREQ/BRNE on a Z still owed: on the result (or the
                 * chain's OR) itself; Z stays owed, set on the paths
                 * that need it. */
                branch_unless(c, op & 0x400 ? TESSERA_EQ : TESSERA_NE, zs,
                              K(c, 0), target);
                return true;
            }
            branch_unless(c, TESSERA_NE, F(c, op & 7), K(c, !(op & 0x400)),
                          target);
            return true;
        }
        if (op & 8)
            break;
        switch ((op >> 9) & 3) {
        case 0: /* BLD */ {
            TesseraVal r = tessera_ir_temp(c->b);
            tessera_ir_deposit(c->b, I32, r, R(c, d5), F(c, SR_T), op & 7, 1);
            W(c, d5, r);
            return true;
        }
        case 1: /* BST */
            WF(c, SR_T, bit(c, R(c, d5), op & 7));
            return true;
        case 2: /* SBRC */
            skip_unless(c, TESSERA_NE, bit(c, R(c, d5), op & 7), zero);
            return true;
        case 3: /* SBRS */
            skip_unless(c, TESSERA_EQ, bit(c, R(c, d5), op & 7), zero);
            return true;
        }
        break;
    }
    return invalid(c, op);
}

/* ---------------------------------------------------------------------- */
/* Blocks                                                                  */

/* Instructions that translate to ALU ops on registers and flags only (no
 * memory access, helper call or branch). */
static bool is_alu(uint16_t op)
{
    switch (op >> 12) {
    case 0x0: case 0x2: case 0x3: case 0x4: case 0x5: case 0x6: case 0x7:
    case 0xe:
        return true;
    case 0x1:
        return (op & 0xfc00) != 0x1000; /* not CPSE */
    case 0x9:
        if ((op & 0xfe00) == 0x9400) { /* COM NEG SWAP INC ASR LSR ROR DEC */
            unsigned lo = op & 15;
            return lo <= 3 || (lo >= 5 && lo <= 7) || lo == 0xa;
        }
        return (op & 0xfe00) == 0x9600 || (op & 0xfc00) == 0x9c00;
    case 0xf:
        return (op & 0xfc08) == 0xf800; /* BLD, BST */
    default:
        return false;
    }
}

/* LD, ST through X, Y or Z (also with post-increment, pre-decrement or
 * a displacement): a data access behind in_sram() and nothing else. */
static bool is_ptr_ldst(uint16_t op)
{
    if ((op & 0xd000) == 0x8000) /* LDD, STD (LD, ST Y and Z) */
        return true;
    if ((op & 0xfc00) != 0x9000)
        return false;
    switch (op & 15) {
    case 0x1: case 0x2: case 0x9: case 0xa: case 0xc: case 0xd: case 0xe:
        return true;
    default:
        return false;
    }
}

/* BRBS, BRBC: the only instructions a Lazy flag state may reach. */
static bool is_brbx(uint16_t op)
{
    return (op & 0xf800) == 0xf000;
}

/* LDI, MOV, MOVW: register moves, no flags, nothing else. */
static bool is_move(uint16_t op)
{
    return (op & 0xf000) == 0xe000 || (op & 0xfc00) == 0x2c00 ||
           (op & 0xff00) == 0x0100;
}

/* SBC, SBCI, CPC: the flags of a subtraction with borrow in. */
static bool is_sbc(uint16_t op)
{
    return (op & 0xfc00) == 0x0400 || (op & 0xfc00) == 0x0800 ||
           (op & 0xf000) == 0x4000;
}

static bool is32(uint16_t op)
{
    return (op & 0xfc0f) == 0x9000 || (op & 0xfe0c) == 0x940c;
}

/* Skip instructions: CPSE, SBRC, SBRS, SBIC, SBIS. */
static bool is_skip(uint16_t op)
{
    return (op & 0xfc00) == 0x1000 || (op & 0xfc08) == 0xfc00 ||
           (op & 0xfd00) == 0x9900;
}

/* Cycle counts from the AVR Instruction Set Manual (AVRe/AVRe+ columns),
 * not counting the extra cycles of taken branches and skips. */
static unsigned cycles_of(uint16_t op, bool pc22)
{
    switch (op >> 12) {
    case 0x0:
        if ((op & 0xfe00) == 0x0200)
            return 2; /* MULS, MULSU, FMUL* */
        return 1;
    case 0x8:
    case 0xa:
        return 2;
    case 0x9:
        break;
    case 0xc:
        return 2;
    case 0xd:
        return pc22 ? 4 : 3;
    default:
        return 1;
    }
    switch ((op >> 8) & 15) {
    case 0x0: case 0x1:
        switch (op & 15) {
        case 0x4: case 0x5: case 0x6: case 0x7:
            return 3;
        }
        return 2;
    case 0x2: case 0x3:
        return 2;
    case 0x4: case 0x5:
        switch (op & 15) {
        case 0xc: case 0xd:
            return 3;
        case 0xe: case 0xf:
            return pc22 ? 5 : 4;
        case 0x9:
            if (op & 0x100)
                return (pc22 || (op & 0x10)) ? 4 : 3;
            return 2;
        case 0x8:
            if (!(op & 0x100))
                return 1;
            switch ((op >> 4) & 15) {
            case 0x0: case 0x1:
                return pc22 ? 5 : 4;
            case 0xc: case 0xd:
                return 3;
            case 0xe: case 0xf:
                return 4;
            }
            return 1;
        }
        return 1;
    case 0x6: case 0x7:
        return 2;
    case 0x8: case 0xa:
        return 2;
    case 0x9: case 0xb:
        return 1;
    default:
        return 2; /* MUL */
    }
}

/* Ends the pseudo-block that accounts an interrupt entry's cycles. */
static uint64_t helper_entry_done(void *env, uint64_t a0, uint64_t a1,
                                  uint64_t a2, uint64_t a3)
{
    AvrEnv *e = env;
    (void)a0, (void)a1, (void)a2, (void)a3;
    tessera_cpu_set_tb_flags(e->cpu, 0);
    return 0;
}

#define MAX_BLOCK_INSNS 64

int avr_translate(void *env, TesseraIR *b, uint64_t pc, uint64_t flags)
{
    AvrEnv *e = env;
    const AvrModel *m = e->model;

    if (flags & AVR_TBF_IRQ_ENTRY) {
        /* The datasheets give 4 cycles (5 with a 3-byte PC) from the flag
         * to the vector, plus 4 to wake from sleep. Our flags rise on the
         * timer edge and the check runs before the next instruction, so
         * what remains to account is calibrated on simavr, which the
         * tests compare against: the first ISR instruction reads the same
         * Timer1 value there and here. */
        unsigned cyc = 1; /* the wake-up */
        tessera_ir_insn_start(b, pc, 2, cyc);
        tessera_ir_call(b, helper_entry_done, 0, TESSERA_IR_NONE, 0, NULL);
        tessera_ir_exit_loop(b, pc);
        return 0;
    }

    Ctx c = {.b = b, .m = m, .inhibit = (flags & AVR_TBF_INHIBIT) != 0,
             .pure = true, .start = (uint32_t)pc};
    for (unsigned n = 0;; n++) {
        uint8_t buf[4];
        if (n >= MAX_BLOCK_INSNS || tessera_ir_block_full(b) ||
            !tessera_ir_fetch(b, pc, buf, 2)) {
            lazy_flush(&c);
            tessera_ir_goto(b, pc);
            return 0;
        }
        uint16_t op = (uint16_t)(buf[0] | (buf[1] << 8)), op2w = 0;
        unsigned size = 2;
        if (is32(op)) {
            if (!tessera_ir_fetch(b, pc + 2, buf + 2, 2)) {
                if (n == 0) /* wrapped past the end of flash */
                    memset(buf + 2, 0, 2);
                else {
                    lazy_flush(&c);
                    tessera_ir_goto(b, pc);
                    return 0;
                }
            }
            op2w = (uint16_t)(buf[2] | (buf[3] << 8));
            size = 4;
        }
        c.next_size = 2;
        if (is_skip(op)) {
            uint8_t nb[2];
            if (tessera_ir_fetch(b, pc + size, nb, 2) &&
                is32((uint16_t)(nb[0] | (nb[1] << 8))))
                c.next_size = 4;
        }
        /* Branches test the owed flags; SBC, SBCI and CPC set all of them
         * again (and chain Z, see sub8()); LDI, MOV and MOVW leave them
         * alone. */
        if (!is_brbx(op) && !is_sbc(op) && !is_move(op))
            lazy_flush(&c);
        tessera_ir_insn_start(b, pc, size, cycles_of(op, m->pc22));
        c.pc = (uint32_t)pc;
        c.next = wrap(&c, (uint32_t)pc + size);
        if (!insn(&c, op, op2w))
            return 0;
        /* A loop may start with an SRAM access: its range check is the
         * block's guard (the native backend checks it for the next round
         * on the way round, plan_loop_stub()). */
        c.pure = c.pure && (is_alu(op) || (n == 0 && is_ptr_ldst(op)));
        pc = c.next;
        if (c.inhibit || c.loop_end) {
            lazy_flush(&c);
            exit_goto(&c, (uint32_t)pc);
            return 0;
        }
    }
}
