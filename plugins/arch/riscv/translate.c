/* SPDX-License-Identifier: MIT */
/*
 * RISC-V translator: decoded instructions to Tessera IR.
 *
 * Guest registers are IR globals, so a simple ALU instruction is one IR
 * operation on globals and constants. x0 reads as the constant 0 and
 * writes to it emit nothing (a load to x0 still happens, into a
 * temporary). RV32 uses 32-bit IR operations, which keep the registers
 * zero-extended (see riscv.h); RV64 *W instructions are a 32-bit
 * operation plus EXT32S.
 */
#include <stddef.h>

#include "decode.h"
#include "riscv.h"

/* Forward branches followed inside a block: at most this many pending at
 * once, to a target at most this many bytes ahead. */
#define RISCV_PEND_MAX 4
#define RISCV_PEND_REACH 64

typedef struct Ctx {
    TesseraIR *b;
    const RiscvEnv *env;
    unsigned xlen;
    TesseraWidth w;  /* XLEN-wide operations */
    uint64_t mask;   /* XLEN mask for addresses and constants */
    unsigned priv;
    unsigned mmu_idx; /* of data accesses */
    uint64_t flags;
    uint64_t pc;     /* current instruction */
    uint64_t next_pc;
    bool ended;      /* the instruction ended the block */
    uint64_t start;  /* the block's first instruction */
    uint64_t page;   /* of the block's first instruction */
    /* Forward branches whose target the block may reach: the label is
     * placed there (an if-then inside the block), or at the block's end
     * as an exit to the target if the block stops before it. */
    struct {
        uint64_t pc;
        TesseraLabel l;
    } pend[RISCV_PEND_MAX];
    unsigned npend;
    TesseraVal gpr[32];
    TesseraVal zero;
} Ctx;

/* ---------------------------------------------------------------------- */
/* Operands                                                                */

static TesseraVal cst(Ctx *c, uint64_t v)
{
    return tessera_ir_const(c->b, v);
}

static TesseraVal global_at(Ctx *c, size_t offset)
{
    return tessera_ir_global(c->b, offset);
}

/* The value of register r as an operand (x0 is the constant 0). */
static TesseraVal reg(Ctx *c, unsigned r)
{
    if (r == 0) {
        if (!c->zero)
            c->zero = cst(c, 0);
        return c->zero;
    }
    if (!c->gpr[r])
        c->gpr[r] = global_at(c, offsetof(RiscvEnv, x) + 8 * r);
    return c->gpr[r];
}

/* Register r as a destination; callers skip r == 0. */
static TesseraVal dst(Ctx *c, unsigned r)
{
    return reg(c, r);
}

static TesseraVal temp(Ctx *c)
{
    return tessera_ir_temp(c->b);
}

/* ---------------------------------------------------------------------- */
/* Helpers called from translated code                                     */

static uint64_t helper_raise(void *env, uint64_t cause, uint64_t tval,
                             uint64_t a2, uint64_t a3)
{
    riscv_raise(env, cause, tval);
}

static uint64_t helper_csr(void *env, uint64_t insn, uint64_t src,
                           uint64_t a2, uint64_t a3)
{
    return riscv_csr_op(env, (uint32_t)insn, src);
}

/* Sdtrig: info is size | kinds << 8 (RISCV_TRIG_*). */
static uint64_t helper_trig(void *env, uint64_t addr, uint64_t info,
                            uint64_t a2, uint64_t a3)
{
    riscv_trig_check(env, addr, info & 0xff, (unsigned)(info >> 8));
    return 0;
}

static uint64_t helper_mret(void *env, uint64_t a0, uint64_t a1, uint64_t a2,
                            uint64_t a3)
{
    return riscv_do_mret(env);
}

static uint64_t helper_sret(void *env, uint64_t insn, uint64_t a1,
                            uint64_t a2, uint64_t a3)
{
    RiscvEnv *e = env;

    /* TSR makes sret illegal in S mode. */
    if (e->priv == RISCV_PRV_S && (e->mstatus & MSTATUS_TSR))
        riscv_raise(e, EXC_ILLEGAL_INSN, insn);
    return riscv_do_sret(e);
}

static uint64_t helper_sfence_vma(void *env, uint64_t insn, uint64_t vaddr,
                                  uint64_t has_addr, uint64_t a3)
{
    RiscvEnv *e = env;

    if (e->priv == RISCV_PRV_S && (e->mstatus & MSTATUS_TVM))
        riscv_raise(e, EXC_ILLEGAL_INSN, insn);
    /* The core's TLB holds 4 KiB pieces of superpages: an address that
     * may be in one flushes them all. */
    vaddr &= riscv_xlen_mask(e);
    if (has_addr && (vaddr < e->sp_lo || vaddr > e->sp_hi)) {
        tessera_tlb_flush_page(e->cpu, vaddr);
    } else {
        riscv_sp_clear(e);
        tessera_tlb_flush(e->cpu);
    }
    return 0;
}

static uint64_t helper_fp(void *env, uint64_t insn, uint64_t a1, uint64_t a2,
                          uint64_t a3)
{
    riscv_fp_exec(env, (uint32_t)insn);
    return 0;
}

static uint64_t helper_wfi(void *env, uint64_t next_pc, uint64_t insn,
                           uint64_t a2, uint64_t a3)
{
    RiscvEnv *e = env;

    /* TW: wfi traps below M (no time limit implemented: at once). */
    if (e->priv < RISCV_PRV_M && (e->mstatus & MSTATUS_TW))
        riscv_raise(e, EXC_ILLEGAL_INSN, insn);
    /* With S mode present, wfi in U mode is always illegal. */
    if (e->priv == RISCV_PRV_U && riscv_has_ext(e, 'S'))
        riscv_raise(e, EXC_ILLEGAL_INSN, insn);
    tessera_cpu_set_pc(e->cpu, next_pc);
    tessera_cpu_halt(e->cpu);
    return 0;
}

/* Zbb orc.b: each byte becomes 0xff when not zero. */
static uint64_t helper_orc_b(void *env, uint64_t a, uint64_t a1, uint64_t a2,
                             uint64_t a3)
{
    uint64_t r = 0;

    for (unsigned i = 0; i < 64; i += 8)
        if ((a >> i) & 0xff)
            r |= 0xffull << i;
    return r;
}

/*
 * Zbc: carry-less products of XLEN-bit a and b. kind 0 gives the low
 * XLEN bits (clmul), 1 the high ones (clmulh), 2 bits 2*XLEN-2..XLEN-1
 * (clmulr).
 */
static uint64_t helper_clmul(void *env, uint64_t a, uint64_t b,
                             uint64_t kind, uint64_t xlen)
{
    uint64_t r = 0;
    unsigned n = (unsigned)xlen;

    if (n == 32) {
        a &= UINT32_MAX;
        b &= UINT32_MAX;
    }
    for (unsigned i = 0; i < n; i++) {
        if (!((b >> i) & 1))
            continue;
        if (kind == 0)
            r ^= a << i;
        else if (kind == 1)
            r ^= i ? a >> (n - i) : 0;
        else
            r ^= a >> (n - i - 1);
    }
    return n == 32 ? r & UINT32_MAX : r;
}

/*
 * Zicbom/Zicboz: whether cbo.* may run in this mode (menvcfg for S and U,
 * senvcfg too for U), else an illegal instruction. field is the envcfg
 * bits that enable it (CBIE, CBCFE or CBZE).
 */
static uint64_t helper_cbo_check(void *env, uint64_t insn, uint64_t field,
                                 uint64_t a2, uint64_t a3)
{
    RiscvEnv *e = env;

    if (e->priv == RISCV_PRV_M)
        return 0;
    if (!(e->menvcfg & field) ||
        (e->priv == RISCV_PRV_U && !(e->senvcfg & field)))
        riscv_raise(e, EXC_ILLEGAL_INSN, insn);
    return 0;
}

static void call(Ctx *c, TesseraHelper fn, TesseraVal d, unsigned nargs,
                 const TesseraVal *args)
{
    tessera_ir_call(c->b, fn, 0, d, nargs, args);
}

/* Raises an exception and ends the block (the helper does not return). */
static void gen_raise(Ctx *c, unsigned cause, uint64_t tval)
{
    TesseraVal args[2] = {cst(c, cause), cst(c, tval)};

    call(c, helper_raise, TESSERA_IR_NONE, 2, args);
    tessera_ir_exit_loop(c->b, c->pc);
    c->ended = true;
}

static void gen_illegal(Ctx *c, const RiscvInsn *in)
{
    gen_raise(c, EXC_ILLEGAL_INSN, in->raw);
}

/* ---------------------------------------------------------------------- */
/* Integer computation                                                     */

static void gen_mov(Ctx *c, unsigned rd, TesseraVal v)
{
    if (rd)
        tessera_ir_mov(c->b, c->w, dst(c, rd), v);
}

static void gen_binop(Ctx *c, TesseraBinop op, unsigned rd, TesseraVal a,
                      TesseraVal b2)
{
    if (rd)
        tessera_ir_binop(c->b, op, c->w, dst(c, rd), a, b2);
}

/* RV64 *W: 32-bit operation, then sign-extend the result. */
static void gen_binop_w(Ctx *c, TesseraBinop op, unsigned rd, TesseraVal a,
                        TesseraVal b2)
{
    if (!rd)
        return;
    tessera_ir_binop(c->b, op, TESSERA_I32, dst(c, rd), a, b2);
    tessera_ir_unop(c->b, TESSERA_EXT32S, TESSERA_I64, dst(c, rd), dst(c, rd));
}

static void gen_setcond(Ctx *c, TesseraCond cond, unsigned rd, TesseraVal a,
                        TesseraVal b2)
{
    if (rd)
        tessera_ir_setcond(c->b, cond, c->w, dst(c, rd), a, b2);
}

static void gen_op_imm(Ctx *c, const RiscvInsn *in)
{
    TesseraVal s, imm;

    if (in->rd == 0) /* nop and hints */
        return;
    s = reg(c, in->rs1);
    if (in->op == RV_ADDI && in->rs1 == 0) { /* li */
        gen_mov(c, in->rd, cst(c, in->imm & c->mask));
        return;
    }
    if (in->op == RV_ADDI && in->imm == 0) { /* mv */
        gen_mov(c, in->rd, s);
        return;
    }
    imm = cst(c, in->imm);
    switch (in->op) {
    case RV_ADDI:
        gen_binop(c, TESSERA_ADD, in->rd, s, imm);
        break;
    case RV_SLTI: gen_setcond(c, TESSERA_LT, in->rd, s, imm); break;
    case RV_SLTIU: gen_setcond(c, TESSERA_LTU, in->rd, s, imm); break;
    case RV_XORI: gen_binop(c, TESSERA_XOR, in->rd, s, imm); break;
    case RV_ORI: gen_binop(c, TESSERA_OR, in->rd, s, imm); break;
    case RV_ANDI: gen_binop(c, TESSERA_AND, in->rd, s, imm); break;
    case RV_SLLI: gen_binop(c, TESSERA_SHL, in->rd, s, imm); break;
    case RV_SRLI: gen_binop(c, TESSERA_SHR, in->rd, s, imm); break;
    case RV_SRAI: gen_binop(c, TESSERA_SAR, in->rd, s, imm); break;
    case RV_ADDIW:
        if (in->rs1 == 0)
            gen_mov(c, in->rd, imm); /* already sign-extended from 12 bits */
        else
            gen_binop_w(c, TESSERA_ADD, in->rd, s, imm);
        break;
    case RV_SLLIW: gen_binop_w(c, TESSERA_SHL, in->rd, s, imm); break;
    case RV_SRLIW: gen_binop_w(c, TESSERA_SHR, in->rd, s, imm); break;
    case RV_SRAIW: gen_binop_w(c, TESSERA_SAR, in->rd, s, imm); break;
    default: break;
    }
}

static const TesseraBinop op_binops[RV_NB_OPS] = {
    [RV_ADD] = TESSERA_ADD,     [RV_SUB] = TESSERA_SUB,
    [RV_SLL] = TESSERA_SHL,     [RV_XOR] = TESSERA_XOR,
    [RV_SRL] = TESSERA_SHR,     [RV_SRA] = TESSERA_SAR,
    [RV_OR] = TESSERA_OR,       [RV_AND] = TESSERA_AND,
    [RV_MUL] = TESSERA_MUL,     [RV_MULH] = TESSERA_MULH,
    [RV_MULHU] = TESSERA_MULHU,
    [RV_DIV] = TESSERA_DIV,     [RV_DIVU] = TESSERA_DIVU,
    [RV_REM] = TESSERA_REM,     [RV_REMU] = TESSERA_REMU,
    [RV_ADDW] = TESSERA_ADD,    [RV_SUBW] = TESSERA_SUB,
    [RV_SLLW] = TESSERA_SHL,    [RV_SRLW] = TESSERA_SHR,
    [RV_SRAW] = TESSERA_SAR,    [RV_MULW] = TESSERA_MUL,
    [RV_DIVW] = TESSERA_DIV,    [RV_DIVUW] = TESSERA_DIVU,
    [RV_REMW] = TESSERA_REM,    [RV_REMUW] = TESSERA_REMU,
};

/*
 * M extension. The IR leaves x/0 and MIN/-1 to the frontend: RISC-V gives
 * all ones (DIV, DIVU), the dividend (REM, REMU), and for a divisor of -1
 * the negated dividend and 0 (which covers MIN/-1 = MIN, remainder 0).
 * MULHSU is MULH plus a when b is negative.
 */
static void gen_muldiv(Ctx *c, const RiscvInsn *in)
{
    TesseraIR *b = c->b;
    bool w32 = in->op == RV_MULW || in->op == RV_DIVW || in->op == RV_DIVUW ||
               in->op == RV_REMW || in->op == RV_REMUW;
    TesseraWidth w = w32 ? TESSERA_I32 : c->w;
    TesseraVal a = reg(c, in->rs1), b2 = reg(c, in->rs2);
    TesseraVal r = tessera_ir_temp(b), t = tessera_ir_temp(b);
    TesseraVal ones = cst(c, UINT64_MAX);

    if (!in->rd)
        return;
    switch (in->op) {
    case RV_MULHSU:
        tessera_ir_binop(b, TESSERA_MULH, w, r, a, b2);
        tessera_ir_binop(b, TESSERA_SAR, w, t, b2,
                         cst(c, w == TESSERA_I64 ? 63 : 31));
        tessera_ir_binop(b, TESSERA_AND, w, t, t, a);
        tessera_ir_binop(b, TESSERA_ADD, w, r, r, t);
        break;
    case RV_DIV: case RV_DIVW:
        tessera_ir_binop(b, TESSERA_DIV, w, r, a, b2);
        tessera_ir_unop(b, TESSERA_NEG, w, t, a);
        tessera_ir_select(b, TESSERA_EQ, w, r, b2, ones, t, r);
        tessera_ir_select(b, TESSERA_EQ, w, r, b2, cst(c, 0), ones, r);
        break;
    case RV_REM: case RV_REMW:
        tessera_ir_binop(b, TESSERA_REM, w, r, a, b2);
        tessera_ir_select(b, TESSERA_EQ, w, r, b2, ones, cst(c, 0), r);
        tessera_ir_select(b, TESSERA_EQ, w, r, b2, cst(c, 0), a, r);
        break;
    case RV_DIVU: case RV_DIVUW:
        tessera_ir_binop(b, TESSERA_DIVU, w, r, a, b2);
        tessera_ir_select(b, TESSERA_EQ, w, r, b2, cst(c, 0), ones, r);
        break;
    case RV_REMU: case RV_REMUW:
        tessera_ir_binop(b, TESSERA_REMU, w, r, a, b2);
        tessera_ir_select(b, TESSERA_EQ, w, r, b2, cst(c, 0), a, r);
        break;
    default: /* MUL, MULH, MULHU, MULW */
        tessera_ir_binop(b, op_binops[in->op], w, r, a, b2);
        break;
    }
    if (w32 && c->w == TESSERA_I64)
        tessera_ir_unop(b, TESSERA_EXT32S, TESSERA_I64, dst(c, in->rd), r);
    else
        tessera_ir_mov(b, w, dst(c, in->rd), r);
}

static void gen_op(Ctx *c, const RiscvInsn *in)
{
    TesseraVal a = reg(c, in->rs1), b2 = reg(c, in->rs2);

    switch (in->op) {
    case RV_SLT:
        gen_setcond(c, TESSERA_LT, in->rd, a, b2);
        return;
    case RV_SLTU:
        gen_setcond(c, TESSERA_LTU, in->rd, a, b2);
        return;
    case RV_ADD:
    case RV_OR:
    case RV_XOR:
        /* c.mv and friends: a copy when one side is x0. */
        if (in->rs1 == 0) {
            gen_mov(c, in->rd, b2);
            return;
        }
        if (in->rs2 == 0) {
            gen_mov(c, in->rd, a);
            return;
        }
        break;
    case RV_ADDW: case RV_SUBW: case RV_SLLW: case RV_SRLW: case RV_SRAW:
    case RV_MULW: case RV_DIVW: case RV_DIVUW: case RV_REMW: case RV_REMUW:
        gen_binop_w(c, op_binops[in->op], in->rd, a, b2);
        return;
    default:
        break;
    }
    gen_binop(c, op_binops[in->op], in->rd, a, b2);
}

/* ---------------------------------------------------------------------- */
/* Bit manipulation: Zba, Zbb, Zbc, Zbs                                    */

/* The extension each Zb* operation belongs to. */
static unsigned zb_ext(RiscvOp op)
{
    switch (op) {
    case RV_SH1ADD: case RV_SH2ADD: case RV_SH3ADD: case RV_ADD_UW:
    case RV_SH1ADD_UW: case RV_SH2ADD_UW: case RV_SH3ADD_UW:
    case RV_SLLI_UW:
        return RVX_ZBA;
    case RV_CLMUL: case RV_CLMULH: case RV_CLMULR:
        return RVX_ZBC;
    case RV_BCLR: case RV_BCLRI: case RV_BEXT: case RV_BEXTI: case RV_BINV:
    case RV_BINVI: case RV_BSET: case RV_BSETI:
        return RVX_ZBS;
    default:
        return RVX_ZBB;
    }
}

/* 1 << (b mod XLEN), for the Zbs register forms. */
static TesseraVal bit_of(Ctx *c, TesseraVal b2)
{
    TesseraVal t = temp(c);

    tessera_ir_binop(c->b, TESSERA_AND, c->w, t, b2, cst(c, c->xlen - 1));
    tessera_ir_binop(c->b, TESSERA_SHL, c->w, t, cst(c, 1), t);
    return t;
}

static void gen_zb(Ctx *c, const RiscvInsn *in)
{
    TesseraIR *b = c->b;
    TesseraVal a = reg(c, in->rs1), b2 = reg(c, in->rs2), t, d;
    TesseraWidth w = c->w;
    unsigned rd = in->rd;
    uint64_t one = 1;

    if (!rd)
        return; /* no Zb* instruction has side effects */
    d = dst(c, rd);
    switch (in->op) {
    case RV_SH1ADD: case RV_SH2ADD: case RV_SH3ADD:
        t = temp(c);
        tessera_ir_binop(b, TESSERA_SHL, w, t, a,
                         cst(c, in->op - RV_SH1ADD + 1));
        tessera_ir_binop(b, TESSERA_ADD, w, d, t, b2);
        break;
    case RV_ADD_UW: case RV_SH1ADD_UW: case RV_SH2ADD_UW: case RV_SH3ADD_UW:
        t = temp(c);
        tessera_ir_unop(b, TESSERA_EXT32U, TESSERA_I64, t, a);
        if (in->op != RV_ADD_UW)
            tessera_ir_binop(b, TESSERA_SHL, w, t, t,
                             cst(c, in->op - RV_SH1ADD_UW + 1));
        tessera_ir_binop(b, TESSERA_ADD, w, d, t, b2);
        break;
    case RV_SLLI_UW:
        t = temp(c);
        tessera_ir_unop(b, TESSERA_EXT32U, TESSERA_I64, t, a);
        tessera_ir_binop(b, TESSERA_SHL, w, d, t, cst(c, in->imm));
        break;
    case RV_ANDN: case RV_ORN: case RV_XNOR:
        t = temp(c);
        if (in->op == RV_XNOR) {
            tessera_ir_binop(b, TESSERA_XOR, w, t, a, b2);
            tessera_ir_unop(b, TESSERA_NOT, w, d, t);
        } else {
            tessera_ir_unop(b, TESSERA_NOT, w, t, b2);
            tessera_ir_binop(b, in->op == RV_ANDN ? TESSERA_AND : TESSERA_OR,
                             w, d, a, t);
        }
        break;
    case RV_CLZ: tessera_ir_unop(b, TESSERA_CLZ, w, d, a); break;
    case RV_CTZ: tessera_ir_unop(b, TESSERA_CTZ, w, d, a); break;
    case RV_CPOP: tessera_ir_unop(b, TESSERA_CTPOP, w, d, a); break;
    /* 32-bit operations leave the count zero-extended, which is right. */
    case RV_CLZW: tessera_ir_unop(b, TESSERA_CLZ, TESSERA_I32, d, a); break;
    case RV_CTZW: tessera_ir_unop(b, TESSERA_CTZ, TESSERA_I32, d, a); break;
    case RV_CPOPW:
        tessera_ir_unop(b, TESSERA_CTPOP, TESSERA_I32, d, a);
        break;
    case RV_MAX: tessera_ir_select(b, TESSERA_GT, w, d, a, b2, a, b2); break;
    case RV_MAXU: tessera_ir_select(b, TESSERA_GTU, w, d, a, b2, a, b2); break;
    case RV_MIN: tessera_ir_select(b, TESSERA_LT, w, d, a, b2, a, b2); break;
    case RV_MINU: tessera_ir_select(b, TESSERA_LTU, w, d, a, b2, a, b2); break;
    case RV_SEXT_B: tessera_ir_unop(b, TESSERA_EXT8S, w, d, a); break;
    case RV_SEXT_H: tessera_ir_unop(b, TESSERA_EXT16S, w, d, a); break;
    case RV_ZEXT_H: tessera_ir_unop(b, TESSERA_EXT16U, w, d, a); break;
    case RV_ROL: tessera_ir_binop(b, TESSERA_ROTL, w, d, a, b2); break;
    case RV_ROR: tessera_ir_binop(b, TESSERA_ROTR, w, d, a, b2); break;
    case RV_RORI:
        tessera_ir_binop(b, TESSERA_ROTR, w, d, a, cst(c, in->imm));
        break;
    case RV_ROLW: case RV_RORW: case RV_RORIW:
        tessera_ir_binop(b, in->op == RV_ROLW ? TESSERA_ROTL : TESSERA_ROTR,
                         TESSERA_I32, d, a,
                         in->op == RV_RORIW ? cst(c, in->imm) : b2);
        tessera_ir_unop(b, TESSERA_EXT32S, TESSERA_I64, d, d);
        break;
    case RV_ORC_B: {
        TesseraVal arg = a;
        tessera_ir_call(b, helper_orc_b, TESSERA_HELPER_PURE, d, 1, &arg);
        break;
    }
    case RV_REV8:
        tessera_ir_unop(b, c->xlen == 64 ? TESSERA_BSWAP64 : TESSERA_BSWAP32,
                        w, d, a);
        break;
    case RV_CLMUL: case RV_CLMULH: case RV_CLMULR: {
        TesseraVal args[4] = {a, b2, cst(c, in->op - RV_CLMUL),
                              cst(c, c->xlen)};
        /* CLMUL, CLMULH, CLMULR are declared in that order. */
        tessera_ir_call(b, helper_clmul, TESSERA_HELPER_PURE, d, 4, args);
        break;
    }
    case RV_BCLR:
        t = bit_of(c, b2);
        tessera_ir_unop(b, TESSERA_NOT, w, t, t);
        tessera_ir_binop(b, TESSERA_AND, w, d, a, t);
        break;
    case RV_BSET:
        tessera_ir_binop(b, TESSERA_OR, w, d, a, bit_of(c, b2));
        break;
    case RV_BINV:
        tessera_ir_binop(b, TESSERA_XOR, w, d, a, bit_of(c, b2));
        break;
    case RV_BEXT:
        t = temp(c);
        tessera_ir_binop(b, TESSERA_SHR, w, t, a, b2);
        tessera_ir_binop(b, TESSERA_AND, w, d, t, cst(c, 1));
        break;
    case RV_BCLRI:
        tessera_ir_binop(b, TESSERA_AND, w, d, a,
                         cst(c, ~(one << in->imm) & c->mask));
        break;
    case RV_BSETI:
        tessera_ir_binop(b, TESSERA_OR, w, d, a, cst(c, one << in->imm));
        break;
    case RV_BINVI:
        tessera_ir_binop(b, TESSERA_XOR, w, d, a, cst(c, one << in->imm));
        break;
    case RV_BEXTI:
        tessera_ir_extract(b, w, d, a, (unsigned)in->imm, 1);
        break;
    default:
        break;
    }
}

/* ---------------------------------------------------------------------- */
/* Memory                                                                  */

/* Base and offset of rs1 + imm; RV32 addresses wrap at 32 bits. */
static void gen_addr(Ctx *c, unsigned rs1, int64_t imm, TesseraVal *base,
                     int64_t *off)
{
    if (c->xlen == 64) {
        *base = reg(c, rs1);
        *off = imm;
    } else if (rs1 == 0) {
        *base = cst(c, (uint64_t)imm & UINT32_MAX);
        *off = 0;
    } else if (imm == 0) {
        *base = reg(c, rs1);
        *off = 0;
    } else {
        *base = temp(c);
        tessera_ir_binop(c->b, TESSERA_ADD, TESSERA_I32, *base, reg(c, rs1),
                         cst(c, imm));
        *off = 0;
    }
}

/* Sdtrig: while a data trigger is enabled, each access asks first. */
static void gen_trig_data(Ctx *c, TesseraVal base, int64_t off,
                          unsigned size, unsigned kinds)
{
    if (!(c->flags & RISCV_TBF_TRIG_LS))
        return;
    TesseraVal a = temp(c);
    tessera_ir_binop(c->b, TESSERA_ADD, c->w, a, base, cst(c, (uint64_t)off));
    TesseraVal args[2] = {a, cst(c, size | kinds << 8)};
    call(c, helper_trig, TESSERA_IR_NONE, 2, args);
}

static void gen_load(Ctx *c, const RiscvInsn *in)
{
    static const unsigned memops[RV_NB_OPS] = {
        [RV_LB] = TESSERA_MO_8 | TESSERA_MO_SIGN,
        [RV_LH] = TESSERA_MO_16 | TESSERA_MO_SIGN,
        [RV_LW] = TESSERA_MO_32 | TESSERA_MO_SIGN,
        [RV_LD] = TESSERA_MO_64,
        [RV_LBU] = TESSERA_MO_8,
        [RV_LHU] = TESSERA_MO_16,
        [RV_LWU] = TESSERA_MO_32,
    };
    unsigned memop = memops[in->op];
    TesseraVal base, d;
    int64_t off;

    /* RV32 keeps registers zero-extended: lw needs no extension. */
    if (c->xlen == 32 && in->op == RV_LW)
        memop = TESSERA_MO_32;
    gen_addr(c, in->rs1, in->imm, &base, &off);
    /* A load to x0 still accesses memory (faults, MMIO side effects). */
    gen_trig_data(c, base, off, memop & TESSERA_MO_SIZE_MASK,
                  RISCV_TRIG_LOAD);
    d = in->rd ? dst(c, in->rd) : temp(c);
    tessera_ir_load(c->b, d, base, off, memop, c->mmu_idx);
    if (c->xlen == 32 && in->rd && (memop & TESSERA_MO_SIGN))
        tessera_ir_unop(c->b, TESSERA_EXT32U, TESSERA_I64, d, d);
}

static void gen_store(Ctx *c, const RiscvInsn *in)
{
    static const unsigned memops[RV_NB_OPS] = {
        [RV_SB] = TESSERA_MO_8,
        [RV_SH] = TESSERA_MO_16,
        [RV_SW] = TESSERA_MO_32,
        [RV_SD] = TESSERA_MO_64,
    };
    TesseraVal base;
    int64_t off;

    gen_addr(c, in->rs1, in->imm, &base, &off);
    gen_trig_data(c, base, off, memops[in->op], RISCV_TRIG_STORE);
    tessera_ir_store(c->b, reg(c, in->rs2), base, off, memops[in->op],
                     c->mmu_idx);
}

static TesseraVal amo_flag(Ctx *c)
{
    return global_at(c, offsetof(RiscvEnv, amo_access));
}

/* Word-sized atomics sign-extend on RV64 (RV32 keeps zero extension). */
static unsigned amo_memop(Ctx *c, bool dword)
{
    if (dword)
        return TESSERA_MO_64 | TESSERA_MO_ALIGN;
    return TESSERA_MO_32 | TESSERA_MO_ALIGN |
           (c->xlen == 64 ? TESSERA_MO_SIGN : 0);
}

static void gen_lr(Ctx *c, const RiscvInsn *in)
{
    TesseraVal addr = reg(c, in->rs1), v = temp(c);

    gen_trig_data(c, addr, 0, in->op == RV_LR_D ? 8 : 4, RISCV_TRIG_LOAD);
    tessera_ir_load(c->b, v, addr, 0, amo_memop(c, in->op == RV_LR_D),
                    c->mmu_idx);
    tessera_ir_mov(c->b, TESSERA_I64,
                   global_at(c, offsetof(RiscvEnv, res_addr)), addr);
    tessera_ir_mov(c->b, TESSERA_I64,
                   global_at(c, offsetof(RiscvEnv, res_val)), v);
    gen_mov(c, in->rd, v);
}

/*
 * sc succeeds when the reservation is for this address and memory still
 * holds the value lr read (a compare-and-swap against it): harts are
 * interleaved, so a store by another hart in between shows up as a
 * changed value. A probing load comes first, as a store access, so that
 * misaligned or faulting addresses trap even when the reservation is gone.
 */
static void gen_sc(Ctx *c, const RiscvInsn *in)
{
    unsigned memop = amo_memop(c, in->op == RV_SC_D);
    TesseraVal addr = reg(c, in->rs1), cur = temp(c), result = temp(c);
    TesseraVal res_addr = global_at(c, offsetof(RiscvEnv, res_addr));
    TesseraVal res_val = global_at(c, offsetof(RiscvEnv, res_val));
    TesseraLabel fail = tessera_ir_label_new(c->b);

    gen_trig_data(c, addr, 0, memop & TESSERA_MO_SIZE_MASK,
                  RISCV_TRIG_STORE);
    tessera_ir_mov(c->b, TESSERA_I64, amo_flag(c), cst(c, 1));
    tessera_ir_load(c->b, cur, addr, 0, memop, c->mmu_idx);
    tessera_ir_mov(c->b, TESSERA_I64, amo_flag(c), cst(c, 0));
    tessera_ir_mov(c->b, TESSERA_I64, result, cst(c, 1));
    tessera_ir_brcond(c->b, TESSERA_NE, TESSERA_I64, res_addr, addr, fail);
    tessera_ir_atomic_cmpxchg(c->b, cur, addr, 0, res_val, reg(c, in->rs2),
                              memop, c->mmu_idx);
    tessera_ir_setcond(c->b, TESSERA_NE, TESSERA_I64, result, cur, res_val);
    tessera_ir_label_set(c->b, fail);
    tessera_ir_mov(c->b, TESSERA_I64, res_addr,
                   cst(c, RISCV_NO_RESERVATION));
    gen_mov(c, in->rd, result);
}

static void gen_amo(Ctx *c, const RiscvInsn *in)
{
    static const TesseraAtomicOp ops[RV_NB_OPS] = {
        [RV_AMOSWAP_W] = TESSERA_AMO_XCHG, [RV_AMOADD_W] = TESSERA_AMO_ADD,
        [RV_AMOXOR_W] = TESSERA_AMO_XOR,   [RV_AMOAND_W] = TESSERA_AMO_AND,
        [RV_AMOOR_W] = TESSERA_AMO_OR,     [RV_AMOMIN_W] = TESSERA_AMO_SMIN,
        [RV_AMOMAX_W] = TESSERA_AMO_SMAX,  [RV_AMOMINU_W] = TESSERA_AMO_UMIN,
        [RV_AMOMAXU_W] = TESSERA_AMO_UMAX,
    };
    bool dword = in->op >= RV_LR_D;
    RiscvOp op = dword ? (RiscvOp)(in->op - (RV_LR_D - RV_LR_W)) : in->op;
    TesseraVal old = temp(c);

    gen_trig_data(c, reg(c, in->rs1), 0, dword ? 8 : 4,
                  RISCV_TRIG_LOAD | RISCV_TRIG_STORE);
    /* The core checks the access for writing first: faults are store/AMO
     * faults, misalignment too. */
    tessera_ir_atomic_rmw(c->b, ops[op], old, reg(c, in->rs1), 0,
                          reg(c, in->rs2), amo_memop(c, dword), c->mmu_idx);
    gen_mov(c, in->rd, old);
}

/*
 * Zicbom and Zicboz. Memory is always coherent here, so cbo.clean,
 * cbo.flush and cbo.inval only check that they are allowed; cbo.zero
 * stores zeros to the whole cache block (RISCV_CBO_BLOCK_SIZE) holding
 * the address, as 8-byte stores, so a fault reports the block's first
 * unwritable doubleword.
 */
static void gen_cbo(Ctx *c, const RiscvInsn *in)
{
    bool zero = in->op == RV_CBO_ZERO;
    uint64_t field = zero ? MENVCFG_CBZE
                     : in->op == RV_CBO_INVAL ? MENVCFG_CBIE
                                              : MENVCFG_CBCFE;
    TesseraVal args[2] = {cst(c, in->raw), cst(c, field)};

    if (!riscv_has_x(c->env, zero ? RVX_ZICBOZ : RVX_ZICBOM)) {
        gen_illegal(c, in);
        return;
    }
    call(c, helper_cbo_check, TESSERA_IR_NONE, 2, args);
    if (!zero)
        return;
    TesseraVal base = temp(c);
    tessera_ir_binop(c->b, TESSERA_AND, c->w, base, reg(c, in->rs1),
                     cst(c, ~(uint64_t)(RISCV_CBO_BLOCK_SIZE - 1) & c->mask));
    gen_trig_data(c, base, 0, RISCV_CBO_BLOCK_SIZE, RISCV_TRIG_STORE);
    for (unsigned i = 0; i < RISCV_CBO_BLOCK_SIZE; i += 8)
        tessera_ir_store(c->b, cst(c, 0), base, i, TESSERA_MO_64,
                         c->mmu_idx);
}

/* ---------------------------------------------------------------------- */
/* Decoding                                                                */

/*
 * Decoded instructions by their bits and XLEN: a boot translates the same
 * instruction words again and again (prologues, spills, calls), and a
 * lookup costs less than decoding. Translation runs on one thread.
 */
#define DCACHE_BITS 11
static struct {
    uint32_t raw, xlen; /* xlen 0: empty */
    RiscvInsn in;
} dcache[1u << DCACHE_BITS];

static void decode(uint32_t raw, unsigned xlen, RiscvInsn *in)
{
    if ((raw & 3) != 3)
        raw &= 0xffff; /* a 16-bit instruction */
    unsigned h = (raw * 0x9e3779b1u) >> (32 - DCACHE_BITS);
    if (dcache[h].raw == raw && dcache[h].xlen == xlen) {
        *in = dcache[h].in;
        return;
    }
    riscv_decode(raw, xlen, in);
    dcache[h].raw = raw;
    dcache[h].xlen = xlen;
    dcache[h].in = *in;
}

/* ---------------------------------------------------------------------- */
/* Control flow                                                            */

/*
 * Whether the instructions from pc up to target (all fetched, so the block
 * covers their bytes) are ones that never end a block: then a branch to
 * target is an if-then that the block keeps whole. A branch or jump back
 * to the block's start on the way also qualifies: the block is a loop and
 * the branch to target leaves it (a "break").
 */
static bool straight_to(Ctx *c, uint64_t pc, uint64_t target)
{
    while (pc < target) {
        uint8_t buf[4] = {0};
        RiscvInsn in;

        if (!tessera_ir_fetch(c->b, pc, buf, 2) ||
            ((buf[0] & 3) == 3 && !tessera_ir_fetch(c->b, pc + 2, buf + 2, 2)))
            return false;
        decode(buf[0] | buf[1] << 8 | (uint32_t)buf[2] << 16 |
                   (uint32_t)buf[3] << 24,
               c->xlen, &in);
        switch (riscv_op_formats[in.op]) {
        case FMT_R: case FMT_I: case FMT_SHIFT: case FMT_U: case FMT_R1:
        case FMT_LOAD: case FMT_STORE: case FMT_FLOAD: case FMT_FSTORE:
        case FMT_LR: case FMT_AMO:
            break;
        case FMT_BRANCH:
            if (in.imm <= 0)
                return ((pc + in.imm) & c->mask) == c->start;
            break;
        case FMT_JAL:
            return ((pc + in.imm) & c->mask) == c->start;
        default:
            return false;
        }
        pc += in.len;
    }
    return pc == target;
}

/*
 * A forward branch over a few instructions that never end a block, to a
 * target on the same page, is an if-then inside the block: the block goes
 * on with the fall-through and the taken path joins it at the target,
 * where riscv_translate() places the label (the core gives back the
 * instructions it skips); should the block stop before the target after
 * all (it is full), the taken path leaves for it from the block's end.
 * Any other branch ends the block: a backward one so that a loop back to
 * the block's start is a block of its own, which the backend runs round
 * after round without leaving, and the code after the loop is not
 * translated again with every block that enters the loop; a forward one
 * over a call, a jump or a loop because going on past it (with a side
 * exit) translated more code on a Linux boot and ran no faster.
 */
static void gen_branch(Ctx *c, const RiscvInsn *in)
{
    static const TesseraCond conds[RV_NB_OPS] = {
        [RV_BEQ] = TESSERA_EQ,   [RV_BNE] = TESSERA_NE,
        [RV_BLT] = TESSERA_LT,   [RV_BGE] = TESSERA_GE,
        [RV_BLTU] = TESSERA_LTU, [RV_BGEU] = TESSERA_GEU,
    };
    uint64_t target = (c->pc + in->imm) & c->mask;
    TesseraLabel l = tessera_ir_label_new(c->b);

    tessera_ir_brcond(c->b, conds[in->op], c->w, reg(c, in->rs1),
                      reg(c, in->rs2), l);
    if (target > c->pc && target - c->pc <= RISCV_PEND_REACH &&
        (target >> 12) == c->page && c->npend < RISCV_PEND_MAX &&
        straight_to(c, c->next_pc, target)) {
        c->pend[c->npend].pc = target;
        c->pend[c->npend++].l = l;
        return;
    }
    tessera_ir_goto(c->b, c->next_pc);
    tessera_ir_label_set(c->b, l);
    tessera_ir_goto(c->b, target);
    c->ended = true;
}

static void gen_jal(Ctx *c, const RiscvInsn *in)
{
    gen_mov(c, in->rd, cst(c, c->next_pc));
    tessera_ir_goto(c->b, (c->pc + in->imm) & c->mask);
    c->ended = true;
}

/* With C, IALIGN is 16: the target's bit 0 is cleared and never traps. */
static void gen_jalr(Ctx *c, const RiscvInsn *in)
{
    TesseraVal target;

    if (in->rs1 == 0) {
        gen_mov(c, in->rd, cst(c, c->next_pc));
        tessera_ir_goto(c->b, (uint64_t)in->imm & ~(uint64_t)1 & c->mask);
    } else {
        /* Compute the target first: rd may be rs1. */
        target = temp(c);
        tessera_ir_binop(c->b, TESSERA_ADD, c->w, target, reg(c, in->rs1),
                         cst(c, in->imm));
        tessera_ir_binop(c->b, TESSERA_AND, c->w, target, target,
                         cst(c, ~(uint64_t)1));
        gen_mov(c, in->rd, cst(c, c->next_pc));
        tessera_ir_goto_dyn(c->b, target);
    }
    c->ended = true;
}

/* ---------------------------------------------------------------------- */
/* System                                                                  */

static bool has_ext(Ctx *c, char ext);

static void gen_csr(Ctx *c, const RiscvInsn *in)
{
    bool imm_form = in->op >= RV_CSRRWI;
    bool is_rw = in->op == RV_CSRRW || in->op == RV_CSRRWI;
    bool writes = is_rw || in->rs1 != 0;
    TesseraVal args[2];

    args[0] = cst(c, in->raw);
    args[1] = imm_form ? cst(c, in->rs1) : reg(c, in->rs1);
    call(c, helper_csr, in->rd ? dst(c, in->rd) : TESSERA_IR_NONE, 2, args);
    /* Interrupts may now be enabled, or the translation mode changed. */
    if (writes && riscv_csr_write_ends_block((unsigned)in->imm)) {
        tessera_ir_exit_loop(c->b, c->next_pc);
        c->ended = true;
    }
}

static void gen_system(Ctx *c, const RiscvInsn *in)
{
    TesseraVal arg, target;

    switch (in->op) {
    case RV_ECALL:
        gen_raise(c, EXC_ECALL_U + c->priv, 0);
        break;
    case RV_EBREAK:
        gen_raise(c, EXC_BREAKPOINT, c->pc);
        break;
    case RV_MRET:
        if (c->priv != RISCV_PRV_M) {
            gen_illegal(c, in);
            break;
        }
        /* goto_dyn rather than a helper exit, so that mret retires. */
        target = temp(c);
        call(c, helper_mret, target, 0, NULL);
        tessera_ir_goto_dyn(c->b, target);
        c->ended = true;
        break;
    case RV_WFI: {
        TesseraVal wargs[2] = {cst(c, c->next_pc), cst(c, in->raw)};
        call(c, helper_wfi, TESSERA_IR_NONE, 2, wargs);
        tessera_ir_exit_loop(c->b, c->next_pc);
        c->ended = true;
        break;
    }
    case RV_FENCE:
        /* One host thread runs every hart: memory is always ordered. */
        break;
    case RV_FENCE_I:
        /* Stores already invalidated stale code; refetch from here. */
        tessera_ir_exit_loop(c->b, c->next_pc);
        c->ended = true;
        break;
    case RV_SRET:
        if (c->priv < RISCV_PRV_S || !has_ext(c, 'S')) {
            gen_illegal(c, in);
            break;
        }
        arg = cst(c, in->raw);
        target = temp(c);
        call(c, helper_sret, target, 1, &arg);
        tessera_ir_goto_dyn(c->b, target);
        c->ended = true;
        break;
    case RV_SFENCE_VMA: {
        TesseraVal sargs[3];

        if (c->priv < RISCV_PRV_S || !has_ext(c, 'S')) {
            gen_illegal(c, in);
            break;
        }
        sargs[0] = cst(c, in->raw);
        sargs[1] = reg(c, in->rs1);
        sargs[2] = cst(c, in->rs1 != 0);
        call(c, helper_sfence_vma, TESSERA_IR_NONE, 3, sargs);
        /* Following code may now translate differently. */
        tessera_ir_exit_loop(c->b, c->next_pc);
        c->ended = true;
        break;
    }
    default:
        gen_illegal(c, in);
        break;
    }
}

/* ---------------------------------------------------------------------- */
/* Floating point                                                          */

static bool fp_ok(Ctx *c, bool dbl)
{
    return (c->flags & RISCV_TBF_FP) && has_ext(c, dbl ? 'D' : 'F');
}

/* FP loads write f registers: mstatus.FS becomes Dirty. */
static void gen_fs_dirty(Ctx *c)
{
    TesseraVal ms;

    if (c->flags & RISCV_TBF_FS_DIRTY)
        return;
    ms = global_at(c, offsetof(RiscvEnv, mstatus));
    tessera_ir_binop(c->b, TESSERA_OR, TESSERA_I64, ms, ms,
                     cst(c, MSTATUS_FS));
}

static TesseraVal freg(Ctx *c, unsigned r)
{
    return global_at(c, offsetof(RiscvEnv, f) + 8 * r);
}

static void gen_fload(Ctx *c, const RiscvInsn *in)
{
    bool dbl = in->op == RV_FLD;
    TesseraVal base, v;
    int64_t off;

    if (!fp_ok(c, dbl)) {
        gen_illegal(c, in);
        return;
    }
    gen_addr(c, in->rs1, in->imm, &base, &off);
    gen_trig_data(c, base, off, dbl ? 8 : 4, RISCV_TRIG_LOAD);
    v = temp(c);
    tessera_ir_load(c->b, v, base, off, dbl ? TESSERA_MO_64 : TESSERA_MO_32,
                    c->mmu_idx);
    if (!dbl) /* NaN-box the single */
        tessera_ir_binop(c->b, TESSERA_OR, TESSERA_I64, v, v,
                         cst(c, 0xffffffff00000000ull));
    tessera_ir_mov(c->b, TESSERA_I64, freg(c, in->rd), v);
    gen_fs_dirty(c);
}

static void gen_fstore(Ctx *c, const RiscvInsn *in)
{
    bool dbl = in->op == RV_FSD;
    TesseraVal base;
    int64_t off;

    if (!fp_ok(c, dbl)) {
        gen_illegal(c, in);
        return;
    }
    gen_addr(c, in->rs1, in->imm, &base, &off);
    gen_trig_data(c, base, off, dbl ? 8 : 4, RISCV_TRIG_STORE);
    tessera_ir_store(c->b, freg(c, in->rs2), base, off,
                     dbl ? TESSERA_MO_64 : TESSERA_MO_32, c->mmu_idx);
}

/* OP-FP and the fused multiply-adds run in C (fpu.c). */
static void gen_fp_op(Ctx *c, const RiscvInsn *in)
{
    TesseraVal arg;

    if (!fp_ok(c, false)) {
        gen_illegal(c, in);
        return;
    }
    arg = cst(c, in->raw);
    call(c, helper_fp, TESSERA_IR_NONE, 1, &arg);
}

/* ---------------------------------------------------------------------- */
/* The block                                                               */

static bool has_ext(Ctx *c, char ext)
{
    return (c->env->misa & RISCV_EXT(ext)) != 0;
}

static void gen_insn(Ctx *c, const RiscvInsn *in)
{
    switch (in->op) {
    case RV_LUI:
        gen_mov(c, in->rd, cst(c, in->imm & c->mask));
        break;
    case RV_AUIPC:
        gen_mov(c, in->rd, cst(c, (c->pc + in->imm) & c->mask));
        break;
    case RV_JAL:
        gen_jal(c, in);
        break;
    case RV_JALR:
        gen_jalr(c, in);
        break;
    case RV_BEQ: case RV_BNE: case RV_BLT: case RV_BGE: case RV_BLTU:
    case RV_BGEU:
        gen_branch(c, in);
        break;
    case RV_LB: case RV_LH: case RV_LW: case RV_LD: case RV_LBU: case RV_LHU:
    case RV_LWU:
        gen_load(c, in);
        break;
    case RV_SB: case RV_SH: case RV_SW: case RV_SD:
        gen_store(c, in);
        break;
    case RV_ADDI: case RV_SLTI: case RV_SLTIU: case RV_XORI: case RV_ORI:
    case RV_ANDI: case RV_SLLI: case RV_SRLI: case RV_SRAI: case RV_ADDIW:
    case RV_SLLIW: case RV_SRLIW: case RV_SRAIW:
        gen_op_imm(c, in);
        break;
    case RV_ADD: case RV_SUB: case RV_SLL: case RV_SLT: case RV_SLTU:
    case RV_XOR: case RV_SRL: case RV_SRA: case RV_OR: case RV_AND:
    case RV_ADDW: case RV_SUBW: case RV_SLLW: case RV_SRLW: case RV_SRAW:
        gen_op(c, in);
        break;
    case RV_MUL: case RV_MULH: case RV_MULHSU: case RV_MULHU: case RV_DIV:
    case RV_DIVU: case RV_REM: case RV_REMU: case RV_MULW: case RV_DIVW:
    case RV_DIVUW: case RV_REMW: case RV_REMUW:
        if (has_ext(c, 'M'))
            gen_muldiv(c, in);
        else
            gen_illegal(c, in);
        break;
    case RV_LR_W: case RV_LR_D:
        if (has_ext(c, 'A'))
            gen_lr(c, in);
        else
            gen_illegal(c, in);
        break;
    case RV_SC_W: case RV_SC_D:
        if (has_ext(c, 'A'))
            gen_sc(c, in);
        else
            gen_illegal(c, in);
        break;
    case RV_AMOSWAP_W: case RV_AMOADD_W: case RV_AMOXOR_W: case RV_AMOAND_W:
    case RV_AMOOR_W: case RV_AMOMIN_W: case RV_AMOMAX_W: case RV_AMOMINU_W:
    case RV_AMOMAXU_W: case RV_AMOSWAP_D: case RV_AMOADD_D: case RV_AMOXOR_D:
    case RV_AMOAND_D: case RV_AMOOR_D: case RV_AMOMIN_D: case RV_AMOMAX_D:
    case RV_AMOMINU_D: case RV_AMOMAXU_D:
        if (has_ext(c, 'A'))
            gen_amo(c, in);
        else
            gen_illegal(c, in);
        break;
    case RV_CSRRW: case RV_CSRRS: case RV_CSRRC: case RV_CSRRWI:
    case RV_CSRRSI: case RV_CSRRCI:
        gen_csr(c, in);
        break;
    case RV_FENCE: case RV_FENCE_I: case RV_ECALL: case RV_EBREAK:
    case RV_SRET: case RV_MRET: case RV_WFI: case RV_SFENCE_VMA:
        gen_system(c, in);
        break;
    case RV_FLW: case RV_FLD:
        gen_fload(c, in);
        break;
    case RV_FSW: case RV_FSD:
        gen_fstore(c, in);
        break;
    case RV_CBO_INVAL: case RV_CBO_CLEAN: case RV_CBO_FLUSH: case RV_CBO_ZERO:
        gen_cbo(c, in);
        break;
    default:
        if (in->op >= RV_SH1ADD && in->op <= RV_BSETI) {
            if (riscv_has_x(c->env, zb_ext(in->op)))
                gen_zb(c, in);
            else
                gen_illegal(c, in);
            break;
        }
        if (in->len == 4) {
            unsigned opc = in->raw & 0x7f;
            if (opc == 0x53 || opc == 0x43 || opc == 0x47 || opc == 0x4b ||
                opc == 0x4f) {
                gen_fp_op(c, in);
                break;
            }
        }
        gen_illegal(c, in);
        break;
    }
}

int riscv_translate(void *opaque, TesseraIR *b, uint64_t pc, uint64_t flags)
{
    Ctx c = {
        .b = b,
        .env = opaque,
        .xlen = riscv_tbf_xlen(flags),
        .priv = riscv_tbf_priv(flags),
    };
    uint64_t page = pc >> 12;
    bool stop = false;

    c.w = c.xlen == 64 ? TESSERA_I64 : TESSERA_I32;
    c.mask = c.xlen == 64 ? UINT64_MAX : UINT32_MAX;
    c.mmu_idx = riscv_tbf_dpriv(flags);
    c.flags = flags;
    c.pc = pc;
    c.start = pc;
    c.page = page;

    for (;;) {
        uint8_t buf[4] = {0};
        uint32_t raw;
        RiscvInsn in;

        /*
         * Fetch in 16-bit parcels: a 32-bit instruction may straddle a page
         * boundary, and its second half may fault on its own.
         */
        if (!tessera_ir_fetch(b, c.pc, buf, 2)) {
            tessera_ir_goto(b, c.pc);
            break;
        }
        if ((buf[0] & 3) == 3 &&
            !tessera_ir_fetch(b, (c.pc + 2) & c.mask, buf + 2, 2)) {
            tessera_ir_goto(b, c.pc);
            break;
        }
        raw = buf[0] | buf[1] << 8 | (uint32_t)buf[2] << 16 |
              (uint32_t)buf[3] << 24;
        decode(raw, c.xlen, &in);
        c.next_pc = (c.pc + in.len) & c.mask;
        /* Branches that join here; one into the middle of this
         * instruction ends the block before it. */
        for (unsigned i = 0; i < c.npend; i++) {
            if (c.pend[i].pc == c.pc) {
                tessera_ir_label_set(b, c.pend[i].l);
                c.pend[i--] = c.pend[--c.npend];
            } else if (c.pend[i].pc < c.next_pc) {
                stop = true;
            }
        }
        if (stop) {
            tessera_ir_goto(b, c.pc);
            break;
        }

        tessera_ir_insn_start(b, c.pc, in.len, 1);
        /* Sdtrig: an execute trigger fires before the instruction. */
        if ((flags & RISCV_TBF_TRIG_EXEC) &&
            riscv_trig_exec_match(c.env, c.pc, c.priv)) {
            TesseraVal args[2] = {cst(&c, c.pc),
                                  cst(&c, in.len | RISCV_TRIG_EXEC << 8)};
            call(&c, helper_trig, TESSERA_IR_NONE, 2, args);
        }
        gen_insn(&c, &in);
        if (c.ended)
            break;

        c.pc = c.next_pc;
        /* Blocks stay within one page so page-level invalidation covers
         * them; and stop when the core says the block is full. */
        if ((c.pc >> 12) != page || tessera_ir_block_full(b)) {
            tessera_ir_goto(b, c.pc);
            break;
        }
    }
    /* Branches whose target the block did not reach leave for it. */
    for (unsigned i = 0; i < c.npend; i++) {
        tessera_ir_label_set(b, c.pend[i].l);
        tessera_ir_goto(b, c.pend[i].pc);
    }
    return 0;
}
