/* SPDX-License-Identifier: MIT */
/*
 * The interpreter backend: a block's IR is compiled into an array of IOp,
 * each naming its handler by address, and run with GNU computed goto
 * (direct threading). Operands are env-relative offsets, constants are
 * immediates of register-immediate handler variants, and loads and stores
 * probe the soft TLB inline; everything unusual goes to C slow paths in
 * cpu.c.
 *
 * Control stays here across blocks: a goto exit jumps straight into its
 * chained successor, goto_dyn probes the CPU's jump cache, and each block
 * starts with an entry op that checks the cycle limit (which the core
 * drops to 0 to make the CPU come back to its loop) and pre-commits the
 * block's instruction and cycle counts.
 */
#include <glib.h>
#include <string.h>

#include "kernel/cpu-internal.h"
#include "kernel/ir-internal.h"

/* Env slots are also the arch's struct fields: read them without
 * assuming anything about aliasing. */
typedef uint64_t __attribute__((may_alias)) u64a;
typedef uint32_t __attribute__((may_alias)) u32a;
typedef uint16_t __attribute__((may_alias)) u16a;
typedef uint32_t __attribute__((may_alias, aligned(1))) u32u;
typedef uint16_t __attribute__((may_alias, aligned(1))) u16u;
typedef uint64_t __attribute__((may_alias, aligned(1))) u64u;

/* ---------------------------------------------------------------------- */
/* Handler tables, filled by interp_run(NULL, NULL)                        */

enum { LD_U8, LD_S8, LD_U16, LD_S16, LD_U32, LD_S32, LD_U64, LD_NKINDS };

/* Carry handlers at constant widths: name, op, bits, index. */
#define CARRY_OPS(X, BITS, I)                                             \
    X(addc, TESSERA_ADDC, BITS, I)                                        \
    X(subc, TESSERA_SUBC, BITS, I)                                        \
    X(add_carry, TESSERA_ADD_CARRY, BITS, I)                              \
    X(add_overflow, TESSERA_ADD_OVERFLOW, BITS, I)                        \
    X(sub_borrow, TESSERA_SUB_BORROW, BITS, I)                            \
    X(sub_overflow, TESSERA_SUB_OVERFLOW, BITS, I)
#define CARRY_WIDTHS(X) \
    CARRY_OPS(X, 4, 0) CARRY_OPS(X, 8, 1) CARRY_OPS(X, 16, 2) CARRY_OPS(X, 32, 3)
/* Widths whose second operand fits the 16-bit b field as an immediate. */
#define CARRY_WIDTHS_K(X) \
    CARRY_OPS(X, 4, 0) CARRY_OPS(X, 8, 1) CARRY_OPS(X, 16, 2)

static struct {
    bool ready;
    const void *movi, *mov64, *mov32, *br, *call, *add_cycles;
    const void *ldg[7], *stg[4];  /* narrow globals: [LD_* kind], [log2] */
    const void *stgi[3];          /* constant to a narrow global: [log2] */
    const void *carry[TESSERA_SUB_OVERFLOW + 1];
    /* The same at a constant width (bits 4, 8, 16, 32): masks fold. */
    const void *carry_w[4][TESSERA_SUB_OVERFLOW + 1];
    /* ... also storing the result's low byte to a 1-byte global. */
    const void *carry_wg8[4][TESSERA_SUB_OVERFLOW + 1];
    /* ... with a constant second operand (low 16 bits in b): [g8][w][op] */
    const void *carry_wk[2][3][TESSERA_SUB_OVERFLOW + 1];
    const void *extract, *sextract64, *sextract32, *deposit64, *deposit32;
    const void *unop_any;         /* rare unops, through ir_eval_unop */
    const void *atomic;
    const void *counter; /* tool inline counters */
    const void *skip;    /* a branch over instructions (IR_SKIP) */
    const void *go, *go_adj, *go_dyn, *go_dyn_adj, *exit_loop, *smc_exit;
    /* w: TESSERA_I32, TESSERA_I64, IR_W32S */
    const void *binop[TESSERA_ROTR + 1][2][3]; /* [op][imm][w] */
    const void *unop[TESSERA_CTPOP + 1][3];    /* [op][w] */
    const void *setcond[TESSERA_GTU + 1][2][2];
    const void *brcond[TESSERA_GTU + 1][2][2];
    const void *br2[TESSERA_GTU + 1][2];        /* [cond][w] */
    const void *select[TESSERA_GTU + 1][2];
    /* [kind or log2 size][align][be][4 KiB pages] */
    const void *load[LD_NKINDS][2][2][2];
    const void *store[4][2][2][2];
} H;

static void interp_run(Cpu *cpu, const IOp *ip);

static void interp_init(void)
{
    if (!H.ready) {
        interp_run(NULL, NULL);
        H.ready = true;
    }
}

static bool interp_is_branch(const IOp *op)
{
    if (op->h == H.br)
        return true;
    for (unsigned c = 0; c <= TESSERA_GTU; c++)
        for (unsigned i = 0; i < 2; i++)
            for (unsigned w = 0; w < 2; w++)
                if (op->h == H.brcond[c][i][w])
                    return true;
    return false;
}

/* ---------------------------------------------------------------------- */
/* Ending a block after the current instruction                            */

/*
 * The running block must stop after the current instruction: a store or
 * helper overwrote its code, or kicked a CPU whose interrupts are exact.
 * That instruction must finish, and the next one be found afresh: copy
 * the rest of the instruction's ops into a per-CPU buffer that ends with
 * an exit to the next instruction. Blocks are never freed while running,
 * so the copied ops' exits and the block's tables stay valid.
 */
static const IOp *after_call(Cpu *cpu, const IOp *ip, unsigned n)
{
    const IOp *next = ip + n;

    cpu->end_insn = false;
    if (cpu->smc_tail && ip >= cpu->smc_tail &&
        ip < cpu->smc_tail + cpu->smc_tail_cap)
        return next; /* already finishing the instruction */

    const TB *tb = cpu->cur_tb;
    const IOp *code = tb->code;
    unsigned insn = ip->insn;
    const IOp *end = code + tb->code_size / sizeof(IOp);
    const IOp *stop = next;
    unsigned nbr = 0;
    while (stop < end && stop->insn == insn) {
        if (stop->h && interp_is_branch(stop))
            nbr++;
        stop++;
    }
    unsigned count = (unsigned)(stop - next);
    unsigned need = count + 1 + nbr;
    if (need > cpu->smc_tail_cap) {
        cpu->smc_tail_cap = need * 2;
        cpu->smc_tail = g_renew(IOp, cpu->smc_tail, cpu->smc_tail_cap);
    }
    IOp *tail = cpu->smc_tail;
    memcpy(tail, next, count * sizeof(IOp));

    uint64_t next_pc = tb->insn_pc[insn] + tb->insn_size[insn];
    memset(&tail[count], 0, sizeof(IOp));
    tail[count].h = H.smc_exit;
    tail[count].insn = (uint16_t)insn;
    tail[count].uimm = next_pc;

    /* Branches leaving the instruction become exits to their target's
     * instruction. */
    unsigned stub = count + 1;
    for (unsigned j = 0; j < count; j++) {
        if (!tail[j].h || !interp_is_branch(&tail[j]))
            continue;
        const IOp *target = next + j + tail[j].d;
        if (target >= next && target < stop)
            continue;
        memset(&tail[stub], 0, sizeof(IOp));
        tail[stub].h = H.smc_exit;
        tail[stub].insn = (uint16_t)insn;
        tail[stub].uimm = target < end ? tb->insn_pc[target->insn] : next_pc;
        tail[j].d = (int16_t)(stub - j);
        stub++;
    }
    return tail;
}

/* ---------------------------------------------------------------------- */
/* The interpreter                                                         */

#define R(o) (*(u64a *)(env + (o)))

/*
 * Enters block n from an exit: back to the loop (continuing at n) when
 * running it whole would pass the cycle limit (a deadline, or 0 after a
 * kick), else pre-commit its instructions and cycles and run it.
 */
#define ENTER(n)                                  \
    do {                                          \
        TB *n_ = (n);                             \
        if (unlikely(cpu->cycles + n_->ncycles > cpu->limit)) { \
            cpu->pc = n_->pc;                     \
            cpu->last_exit = NULL;                \
            return;                               \
        }                                         \
        cpu->cur_tb = n_;                         \
        cpu->xcycles += (uint64_t)n_->ncycles - n_->ninsns; \
        cpu->cycles += n_->ncycles;               \
        ip = n_->code;                            \
        DISPATCH();                               \
    } while (0)
#define DISPATCH() goto *ip->h
#define NEXT(n)        \
    do {               \
        ip += (n);     \
        DISPATCH();    \
    } while (0)

/* name, TesseraBinop, 64-bit expression, 32-bit expression (x, y). */
#define BINOPS(X)                                                          \
    X(add, TESSERA_ADD, x + y, x + y)                                      \
    X(sub, TESSERA_SUB, x - y, x - y)                                      \
    X(mul, TESSERA_MUL, x * y, x * y)                                      \
    X(mulh, TESSERA_MULH, ir_mulh64(x, y), ir_mulh32(x, y))                \
    X(mulhu, TESSERA_MULHU, ir_mulhu64(x, y), ir_mulhu32(x, y))            \
    X(div, TESSERA_DIV, ir_div64(x, y), ir_div32(x, y))                    \
    X(divu, TESSERA_DIVU, ir_divu64(x, y), ir_divu32(x, y))                \
    X(rem, TESSERA_REM, ir_rem64(x, y), ir_rem32(x, y))                    \
    X(remu, TESSERA_REMU, ir_remu64(x, y), ir_remu32(x, y))                \
    X(and, TESSERA_AND, x & y, x & y)                                      \
    X(or, TESSERA_OR, x | y, x | y)                                        \
    X(xor, TESSERA_XOR, x ^ y, x ^ y)                                      \
    X(shl, TESSERA_SHL, x << (y & 63), x << (y & 31))                      \
    X(shr, TESSERA_SHR, x >> (y & 63), x >> (y & 31))                      \
    X(sar, TESSERA_SAR, (uint64_t)((int64_t)x >> (y & 63)),                \
      (uint32_t)((int32_t)x >> (y & 31)))                                  \
    X(rotl, TESSERA_ROTL, ir_rotl64(x, (unsigned)y), ir_rotl32(x, y))      \
    X(rotr, TESSERA_ROTR, ir_rotr64(x, (unsigned)y), ir_rotr32(x, y))

/* name, TesseraUnop, expression of uint64_t x (the 32-bit form keeps the
 * low half of the result). */
#define UNOPS(X)                                        \
    X(neg, TESSERA_NEG, -x)                             \
    X(not, TESSERA_NOT, ~x)                             \
    X(ext8s, TESSERA_EXT8S, (uint64_t)(int64_t)(int8_t)x)   \
    X(ext8u, TESSERA_EXT8U, (uint8_t)x)                 \
    X(ext16s, TESSERA_EXT16S, (uint64_t)(int64_t)(int16_t)x) \
    X(ext16u, TESSERA_EXT16U, (uint16_t)x)              \
    X(ext32s, TESSERA_EXT32S, (uint64_t)(int64_t)(int32_t)x) \
    X(ext32u, TESSERA_EXT32U, (uint32_t)x)

/* name, TesseraCond, operator, signedness. */
#define CONDS(X)                      \
    X(eq, TESSERA_EQ, ==, u)          \
    X(ne, TESSERA_NE, !=, u)          \
    X(lt, TESSERA_LT, <, s)           \
    X(ge, TESSERA_GE, >=, s)          \
    X(le, TESSERA_LE, <=, s)          \
    X(gt, TESSERA_GT, >, s)           \
    X(ltu, TESSERA_LTU, <, u)         \
    X(geu, TESSERA_GEU, >=, u)        \
    X(leu, TESSERA_LEU, <=, u)        \
    X(gtu, TESSERA_GTU, >, u)

#define T64_s int64_t
#define T64_u uint64_t
#define T32_s int32_t
#define T32_u uint32_t

/* name, kind, C type loaded, size, memop, sign-extension cast. */
#define LOADS(X)                                                   \
    X(u8, LD_U8, uint8_t, 1, TESSERA_MO_8, uint64_t)               \
    X(s8, LD_S8, uint8_t, 1, TESSERA_MO_8 | TESSERA_MO_SIGN, int8_t) \
    X(u16, LD_U16, uint16_t, 2, TESSERA_MO_16, uint64_t)           \
    X(s16, LD_S16, uint16_t, 2, TESSERA_MO_16 | TESSERA_MO_SIGN, int16_t) \
    X(u32, LD_U32, uint32_t, 4, TESSERA_MO_32, uint64_t)           \
    X(s32, LD_S32, uint32_t, 4, TESSERA_MO_32 | TESSERA_MO_SIGN, int32_t) \
    X(u64, LD_U64, uint64_t, 8, TESSERA_MO_64, uint64_t)

#define STORES(X)                          \
    X(8, 0, uint8_t, 1, TESSERA_MO_8)      \
    X(16, 1, uint16_t, 2, TESSERA_MO_16)   \
    X(32, 2, uint32_t, 4, TESSERA_MO_32)   \
    X(64, 3, uint64_t, 8, TESSERA_MO_64)

static inline uint8_t bswap_1(uint8_t x)
{
    return x;
}
#define bswap_2 __builtin_bswap16
#define bswap_4 __builtin_bswap32
#define bswap_8 __builtin_bswap64
#define SWAP(n, x) bswap_##n(x)

static inline uint64_t host_ld(uintptr_t p, unsigned size)
{
    switch (size) {
    case 1: return *(const uint8_t *)p;
    case 2: return *(const u16u *)p;
    case 4: return *(const u32u *)p;
    default: return *(const u64u *)p;
    }
}

static inline void host_st(uintptr_t p, unsigned size, uint64_t v)
{
    switch (size) {
    case 1: *(uint8_t *)p = (uint8_t)v; break;
    case 2: *(u16u *)p = (uint16_t)v; break;
    case 4: *(u32u *)p = (uint32_t)v; break;
    default: *(u64u *)p = v; break;
    }
}

/*
 * The compare value a hit must equal: the page of the access's last byte
 * (a page-crossing access misses), or for aligned accesses the address with
 * its misalignment kept (a misaligned one misses). FIXED4K: handlers for
 * archs with 4 KiB pages use constants instead of the CPU's page size.
 */
#define PAGE_MASK(fixed4k) ((fixed4k) ? ~(uint64_t)0xfff : cpu->page_mask)
#define PAGE_BITS(fixed4k) ((fixed4k) ? 12u : cpu->page_bits)
#define TLB_CMP(va, size, align, fixed4k)                             \
    ((align) ? ((va) & (PAGE_MASK(fixed4k) | ((size) - 1)))           \
             : (((va) + (size) - 1) & PAGE_MASK(fixed4k)))
#define TLB_INDEX(va, fixed4k)                                        \
    (((va) >> PAGE_BITS(fixed4k)) & (CPU_TLB_SIZE - 1))
#define TLB_ENTRY(va, fixed4k)                                        \
    ((const TlbEntry *)((char *)cpu->tlb + ip->mem.tlboff +           \
                        TLB_INDEX(va, fixed4k) * sizeof(TlbEntry)))

static void interp_run(Cpu *cpu, const IOp *ip)
{
    if (!cpu) {
        /* Publish the handler addresses. */
        H.movi = &&L_movi;
        H.mov64 = &&L_mov64;
        H.mov32 = &&L_mov32;
        H.br = &&L_br;
        H.call = &&L_call;
        H.add_cycles = &&L_add_cycles;
        H.counter = &&L_counter;
        H.skip = &&L_skip;
        H.go = &&L_goto;
        H.go_adj = &&L_goto_adj;
        H.go_dyn = &&L_goto_dyn;
        H.go_dyn_adj = &&L_goto_dyn_adj;
        H.exit_loop = &&L_exit_loop;
        H.smc_exit = &&L_smc_exit;
        H.ldg[LD_U8] = &&L_ldg_u8;
        H.ldg[LD_S8] = &&L_ldg_s8;
        H.ldg[LD_U16] = &&L_ldg_u16;
        H.ldg[LD_S16] = &&L_ldg_s16;
        H.ldg[LD_U32] = &&L_ldg_u32;
        H.ldg[LD_S32] = &&L_ldg_s32;
        H.stg[0] = &&L_stg_8;
        H.stg[1] = &&L_stg_16;
        H.stg[2] = &&L_stg_32;
        H.stgi[0] = &&L_stgi_8;
        H.stgi[1] = &&L_stgi_16;
        H.stgi[2] = &&L_stgi_32;
        H.carry[TESSERA_ADDC] = &&L_addc;
        H.carry[TESSERA_SUBC] = &&L_subc;
        H.carry[TESSERA_ADD_CARRY] = &&L_add_carry;
        H.carry[TESSERA_ADD_OVERFLOW] = &&L_add_overflow;
        H.carry[TESSERA_SUB_BORROW] = &&L_sub_borrow;
        H.carry[TESSERA_SUB_OVERFLOW] = &&L_sub_overflow;
#define X(name, OP, BITS, I) H.carry_w[I][OP] = &&L_##name##_##BITS;
        CARRY_WIDTHS(X)
#undef X
#define X(name, OP, BITS, I) H.carry_wg8[I][OP] = &&L_##name##_##BITS##_g8;
        CARRY_WIDTHS(X)
#undef X
#define X(name, OP, BITS, I)                                   \
        H.carry_wk[0][I][OP] = &&L_##name##_##BITS##_k;        \
        H.carry_wk[1][I][OP] = &&L_##name##_##BITS##_k_g8;
        CARRY_WIDTHS_K(X)
#undef X
        H.extract = &&L_extract;
        H.sextract64 = &&L_sextract64;
        H.sextract32 = &&L_sextract32;
        H.deposit64 = &&L_deposit64;
        H.deposit32 = &&L_deposit32;
        H.unop_any = &&L_unop_any;
        H.atomic = &&L_atomic;
#define X(name, OP, e64, e32)                  \
        H.binop[OP][0][1] = &&L_##name##_rr64;  \
        H.binop[OP][1][1] = &&L_##name##_ri64;  \
        H.binop[OP][0][0] = &&L_##name##_rr32;  \
        H.binop[OP][1][0] = &&L_##name##_ri32;  \
        H.binop[OP][0][2] = &&L_##name##_rr32s; \
        H.binop[OP][1][2] = &&L_##name##_ri32s;
        BINOPS(X)
#undef X
        for (unsigned u = 0; u <= TESSERA_CTPOP; u++)
            for (unsigned w = 0; w < 3; w++)
                H.unop[u][w] = &&L_unop_any;
#define X(name, OP, e)                      \
        H.unop[OP][1] = &&L_##name##_64;    \
        H.unop[OP][0] = &&L_##name##_32;    \
        H.unop[OP][2] = &&L_##name##_32s;
        UNOPS(X)
#undef X
#define X(name, C, op, sg)                           \
        H.setcond[C][0][1] = &&L_set##name##_rr64;   \
        H.setcond[C][1][1] = &&L_set##name##_ri64;   \
        H.setcond[C][0][0] = &&L_set##name##_rr32;   \
        H.setcond[C][1][0] = &&L_set##name##_ri32;   \
        H.brcond[C][0][1] = &&L_b##name##_rr64;      \
        H.brcond[C][1][1] = &&L_b##name##_ri64;      \
        H.brcond[C][0][0] = &&L_b##name##_rr32;      \
        H.brcond[C][1][0] = &&L_b##name##_ri32;      \
        H.select[C][1] = &&L_sel##name##_64;         \
        H.select[C][0] = &&L_sel##name##_32;         \
        H.br2[C][1] = &&L_b2##name##_64;             \
        H.br2[C][0] = &&L_b2##name##_32;
        CONDS(X)
#undef X
#define X(name, K, T, S, MO, CAST)                   \
        H.load[K][0][0][0] = &&L_ld##name;           \
        H.load[K][1][0][0] = &&L_ld##name##_a;       \
        H.load[K][0][1][0] = &&L_ld##name##_be;      \
        H.load[K][1][1][0] = &&L_ld##name##_a_be;    \
        H.load[K][0][0][1] = &&L_ld##name##_4k;      \
        H.load[K][1][0][1] = &&L_ld##name##_a_4k;    \
        H.load[K][0][1][1] = &&L_ld##name##_be_4k;   \
        H.load[K][1][1][1] = &&L_ld##name##_a_be_4k;
        LOADS(X)
#undef X
#define X(bits, L2, T, S, MO)                        \
        H.store[L2][0][0][0] = &&L_st##bits;         \
        H.store[L2][1][0][0] = &&L_st##bits##_a;     \
        H.store[L2][0][1][0] = &&L_st##bits##_be;    \
        H.store[L2][1][1][0] = &&L_st##bits##_a_be;  \
        H.store[L2][0][0][1] = &&L_st##bits##_4k;    \
        H.store[L2][1][0][1] = &&L_st##bits##_a_4k;  \
        H.store[L2][0][1][1] = &&L_st##bits##_be_4k; \
        H.store[L2][1][1][1] = &&L_st##bits##_a_be_4k;
        STORES(X)
#undef X
        return;
    }

    unsigned char *env = cpu->env;
    TBExit *x2;
    DISPATCH();

L_movi:
    R(ip->d) = ip->uimm;
    NEXT(1);
L_mov64:
    R(ip->d) = R(ip->a);
    NEXT(1);
L_mov32:
    R(ip->d) = (uint32_t)R(ip->a);
    NEXT(1);

#define X(name, OP, e64, e32)                                          \
    L_##name##_rr64 : {                                                \
        uint64_t x = R(ip->a), y = R(ip->b);                           \
        R(ip->d) = (e64);                                              \
        NEXT(1);                                                       \
    }                                                                  \
    L_##name##_ri64 : {                                                \
        uint64_t x = R(ip->a), y = ip->uimm;                           \
        R(ip->d) = (e64);                                              \
        NEXT(1);                                                       \
    }                                                                  \
    L_##name##_rr32 : {                                                \
        uint32_t x = (uint32_t)R(ip->a), y = (uint32_t)R(ip->b);       \
        R(ip->d) = (uint32_t)(e32);                                    \
        NEXT(1);                                                       \
    }                                                                  \
    L_##name##_ri32 : {                                                \
        uint32_t x = (uint32_t)R(ip->a), y = (uint32_t)ip->uimm;       \
        R(ip->d) = (uint32_t)(e32);                                    \
        NEXT(1);                                                       \
    }                                                                  \
    L_##name##_rr32s : {                                               \
        uint32_t x = (uint32_t)R(ip->a), y = (uint32_t)R(ip->b);       \
        R(ip->d) = (uint64_t)(int64_t)(int32_t)(uint32_t)(e32);        \
        NEXT(1);                                                       \
    }                                                                  \
    L_##name##_ri32s : {                                               \
        uint32_t x = (uint32_t)R(ip->a), y = (uint32_t)ip->uimm;       \
        R(ip->d) = (uint64_t)(int64_t)(int32_t)(uint32_t)(e32);        \
        NEXT(1);                                                       \
    }
    BINOPS(X)
#undef X

#define X(name, OP, e)                     \
    L_##name##_64 : {                      \
        uint64_t x = R(ip->a);             \
        R(ip->d) = (e);                    \
        NEXT(1);                           \
    }                                      \
    L_##name##_32 : {                      \
        uint64_t x = R(ip->a);             \
        R(ip->d) = (uint32_t)(e);          \
        NEXT(1);                           \
    }                                      \
    L_##name##_32s : {                     \
        uint64_t x = R(ip->a);             \
        R(ip->d) = (uint64_t)(int64_t)(int32_t)(uint32_t)(e); \
        NEXT(1);                           \
    }
    UNOPS(X)
#undef X

#define X(name, C, op, sg)                                                 \
    L_set##name##_rr64 :                                                   \
        R(ip->d) = (T64_##sg)R(ip->a) op(T64_##sg) R(ip->b);               \
    NEXT(1);                                                               \
    L_set##name##_ri64 :                                                   \
        R(ip->d) = (T64_##sg)R(ip->a) op(T64_##sg) ip->uimm;               \
    NEXT(1);                                                               \
    L_set##name##_rr32 :                                                   \
        R(ip->d) = (T32_##sg)R(ip->a) op(T32_##sg) R(ip->b);               \
    NEXT(1);                                                               \
    L_set##name##_ri32 :                                                   \
        R(ip->d) = (T32_##sg)R(ip->a) op(T32_##sg) ip->uimm;               \
    NEXT(1);                                                               \
    L_b##name##_rr64 :                                                     \
        if ((T64_##sg)R(ip->a) op(T64_##sg) R(ip->b))                      \
            NEXT(ip->d);                                                   \
    NEXT(1);                                                               \
    L_b##name##_ri64 :                                                     \
        if ((T64_##sg)R(ip->a) op(T64_##sg) ip->uimm)                      \
            NEXT(ip->d);                                                   \
    NEXT(1);                                                               \
    L_b##name##_rr32 :                                                     \
        if ((T32_##sg)R(ip->a) op(T32_##sg) R(ip->b))                      \
            NEXT(ip->d);                                                   \
    NEXT(1);                                                               \
    L_b##name##_ri32 :                                                     \
        if ((T32_##sg)R(ip->a) op(T32_##sg) ip->uimm)                      \
            NEXT(ip->d);                                                   \
    NEXT(1);                                                               \
    L_sel##name##_64 :                                                     \
        R(ip->d) = (T64_##sg)R(ip->a) op(T64_##sg) R(ip->b) ? R(ip->sel.t) \
                                                           : R(ip->sel.f); \
    NEXT(1);                                                               \
    L_sel##name##_32 :                                                     \
        R(ip->d) = (uint32_t)((T32_##sg)R(ip->a) op(T32_##sg) R(ip->b)     \
                                  ? R(ip->sel.t)                           \
                                  : R(ip->sel.f));                         \
    NEXT(1);                                                               \
    L_b2##name##_64 :                                                      \
        x2 = (T64_##sg)R(ip->a) op(T64_##sg) R(ip->b) ? ip->exit           \
                                                      : ip[1].exit;        \
    goto take_exit;                                                        \
    L_b2##name##_32 :                                                      \
        x2 = (T32_##sg)R(ip->a) op(T32_##sg) R(ip->b) ? ip->exit           \
                                                      : ip[1].exit;        \
    goto take_exit;
    CONDS(X)
#undef X

    /* Two-way block end (brcond + goto + goto): chain or return. */
take_exit:
    if (likely(x2->next != NULL))
        ENTER(x2->next);
    cpu->pc = x2->pc;
    cpu->last_exit = x2;
    return;

    /* Narrow globals: a read extends into a slot, a write stores the low
     * bytes of one. */
#define LDG(name, T, CAST)                                   \
    L_ldg_##name : R(ip->d) = (uint64_t)(CAST)(*(const T *)(env + ip->a)); \
    NEXT(1);
    LDG(u8, uint8_t, uint8_t)
    LDG(s8, uint8_t, int8_t)
    LDG(u16, u16a, uint16_t)
    LDG(s16, u16a, int16_t)
    LDG(u32, u32a, uint32_t)
    LDG(s32, u32a, int32_t)
#undef LDG
L_stg_8:
    *(uint8_t *)(env + ip->d) = (uint8_t)R(ip->a);
    NEXT(1);
L_stg_16:
    *(u16a *)(env + ip->d) = (uint16_t)R(ip->a);
    NEXT(1);
L_stg_32:
    *(u32a *)(env + ip->d) = (uint32_t)R(ip->a);
    NEXT(1);
L_stgi_8:
    *(uint8_t *)(env + ip->d) = (uint8_t)ip->uimm;
    NEXT(1);
L_stgi_16:
    *(u16a *)(env + ip->d) = (uint16_t)ip->uimm;
    NEXT(1);
L_stgi_32:
    *(u32a *)(env + ip->d) = (uint32_t)ip->uimm;
    NEXT(1);

    /* Carries: operands a, b, carry-in sel.t; sel.f = width in bits. */
#define CARRY(label, OP)                                                    \
    label : R(ip->d) = ir_eval_carry(OP, (unsigned)ip->sel.f, R(ip->a),    \
                                     R(ip->b), R(ip->sel.t));              \
    NEXT(1);
    CARRY(L_addc, TESSERA_ADDC)
    CARRY(L_subc, TESSERA_SUBC)
    CARRY(L_add_carry, TESSERA_ADD_CARRY)
    CARRY(L_add_overflow, TESSERA_ADD_OVERFLOW)
    CARRY(L_sub_borrow, TESSERA_SUB_BORROW)
    CARRY(L_sub_overflow, TESSERA_SUB_OVERFLOW)
#undef CARRY
#define X(name, OP, BITS, I)                                               \
    L_##name##_##BITS : R(ip->d) = ir_eval_carry(OP, BITS, R(ip->a),       \
                                                 R(ip->b), R(ip->sel.t));  \
    NEXT(1);
    CARRY_WIDTHS(X)
#undef X
    /* sel.f: offset of the 1-byte global that also gets the result. */
#define X(name, OP, BITS, I)                                               \
    L_##name##_##BITS##_g8 : {                                             \
        uint64_t v_ = ir_eval_carry(OP, BITS, R(ip->a), R(ip->b),          \
                                    R(ip->sel.t));                         \
        R(ip->d) = v_;                                                     \
        *(uint8_t *)(env + ip->sel.f) = (uint8_t)v_;                       \
        NEXT(1);                                                           \
    }
    CARRY_WIDTHS(X)
#undef X
#define X(name, OP, BITS, I)                                               \
    L_##name##_##BITS##_k : R(ip->d) =                                     \
        ir_eval_carry(OP, BITS, R(ip->a), (uint16_t)ip->b, R(ip->sel.t));  \
    NEXT(1);                                                               \
    L_##name##_##BITS##_k_g8 : {                                           \
        uint64_t v_ = ir_eval_carry(OP, BITS, R(ip->a), (uint16_t)ip->b,   \
                                    R(ip->sel.t));                         \
        R(ip->d) = v_;                                                     \
        *(uint8_t *)(env + ip->sel.f) = (uint8_t)v_;                       \
        NEXT(1);                                                           \
    }
    CARRY_WIDTHS_K(X)
#undef X

    /* Bit fields: b = position (or left shift), uimm = mask (or right
     * shift). */
L_extract:
    R(ip->d) = (R(ip->a) >> ip->b) & ip->uimm;
    NEXT(1);
L_sextract64:
    R(ip->d) = (uint64_t)((int64_t)(R(ip->a) << ip->b) >> ip->uimm);
    NEXT(1);
L_sextract32:
    R(ip->d) = (uint32_t)((int64_t)(R(ip->a) << ip->b) >> ip->uimm);
    NEXT(1);
L_deposit64: {
    uint64_t m = ip[1].uimm;
    R(ip->d) = (R(ip->a) & ~m) | ((R(ip->b) << ip[1].d) & m);
    NEXT(2);
}
L_deposit32: {
    uint64_t m = ip[1].uimm;
    R(ip->d) = (uint32_t)((R(ip->a) & ~m) | ((R(ip->b) << ip[1].d) & m));
    NEXT(2);
}
L_unop_any:
    R(ip->d) = ir_eval_unop((TesseraUnop)ip->b, (TesseraWidth)ip->uimm,
                            R(ip->a));
    NEXT(1);

    /* Atomics: d = old value, a = address, b = operand; the extension
     * word holds the new value (cmpxchg), the op, memop, mmu and
     * displacement. */
L_atomic: {
    const IOp *x = ip + 1;
    uint64_t va = R(ip->a) + (uint64_t)x->imm;
    uint64_t old = cpu_atomic(cpu, ip->insn, (int)(int16_t)x->a, va,
                              R(ip->b), R(x->d), (unsigned)x->b & 0xff,
                              (unsigned)x->b >> 8);
    R(ip->d) = old;
    if (unlikely(cpu->end_insn)) {
        ip = after_call(cpu, ip, 2);
        DISPATCH();
    }
    NEXT(2);
}

L_br:
    NEXT(ip->d);

L_add_cycles:
    cpu->cycles += ip->uimm;
    cpu->xcycles += ip->uimm;
    NEXT(1);

L_skip:
    cpu->cycles -= ip->uimm >> 32;
    cpu->xcycles -= (ip->uimm >> 32) - (uint32_t)ip->uimm;
    NEXT(1);

L_counter:
    ((uint64_t *)ip->uimm)[cpu->index] += (uint64_t)ip->d;
    NEXT(1);

L_call: {
    const IOp *x = ip + 1;
    cpu->cur_insn = ip->insn;
    cpu->pc_override = false;
    uint64_t r = ip->fn(env, R(ip->a), R(ip->b), R(x->d), R(x->a));
    R(ip->d) = r;
    if (unlikely(cpu->end_insn)) {
        ip = after_call(cpu, ip, 2);
        DISPATCH();
    }
    NEXT(2);
}

/* Loads: TLB hit -> host load; anything else -> cpu_load_slow. */
#define LOAD_BODY(T, S, MO, CAST, ALIGN, BE, F4K)                          \
    {                                                                      \
        uint64_t va = R(ip->a) + (int64_t)ip->mem.disp;                    \
        const TlbEntry *e = TLB_ENTRY(va, F4K);                            \
        uint64_t v;                                                        \
        if (likely(e->tag_r == TLB_CMP(va, S, ALIGN, F4K))) {              \
            T raw = (T)host_ld(va + e->addend, S);                         \
            if (BE)                                                        \
                raw = SWAP(S, raw);                                        \
            v = (uint64_t)(CAST)raw;                                       \
        } else {                                                           \
            v = cpu_load_slow(cpu, ip->insn, va,                           \
                              (MO) | ((ALIGN) ? TESSERA_MO_ALIGN : 0),     \
                              (unsigned)ip->b);                            \
            if (unlikely(cpu->end_insn)) {                                 \
                R(ip->d) = v;                                              \
                ip = after_call(cpu, ip, 1);                               \
                DISPATCH();                                                \
            }                                                              \
        }                                                                  \
        R(ip->d) = v;                                                      \
        NEXT(1);                                                           \
    }
#define X(name, K, T, S, MO, CAST)                            \
    L_ld##name : LOAD_BODY(T, S, MO, CAST, 0, 0, 0)           \
    L_ld##name##_a : LOAD_BODY(T, S, MO, CAST, 1, 0, 0)       \
    L_ld##name##_be : LOAD_BODY(T, S, MO, CAST, 0, 1, 0)      \
    L_ld##name##_a_be : LOAD_BODY(T, S, MO, CAST, 1, 1, 0)    \
    L_ld##name##_4k : LOAD_BODY(T, S, MO, CAST, 0, 0, 1)      \
    L_ld##name##_a_4k : LOAD_BODY(T, S, MO, CAST, 1, 0, 1)    \
    L_ld##name##_be_4k : LOAD_BODY(T, S, MO, CAST, 0, 1, 1)   \
    L_ld##name##_a_be_4k : LOAD_BODY(T, S, MO, CAST, 1, 1, 1)
    LOADS(X)
#undef X

/*
 * Stores: TLB hit -> host store. A write entry flagged CODE still stores
 * inline when no granule the store touches holds translated code.
 */
#define STORE_BODY(T, S, MO, ALIGN, BE, F4K)                               \
    {                                                                      \
        uint64_t va = R(ip->a) + (int64_t)ip->mem.disp;                    \
        const TlbEntry *e = TLB_ENTRY(va, F4K);                            \
        uint64_t cmp = TLB_CMP(va, S, ALIGN, F4K);                         \
        T v = (T)R(ip->d);                                                 \
        if (BE)                                                            \
            v = SWAP(S, v);                                                \
        if (likely(e->tag_w == cmp)) {                                     \
            host_st(va + e->addend, S, v);                                 \
            NEXT(1);                                                       \
        }                                                                  \
        if ((e->tag_w ^ TLB_FLAG_CODE) == cmp &&                           \
            (!tcache_granule_hit(*e->codemask, va, S) ||                   \
             !tcache_code_overlap(e->codemask, va, S))) {                  \
            /* A code page, but no code under these bytes. */             \
            host_st(va + e->addend, S, v);                                 \
            NEXT(1);                                                       \
        }                                                                  \
        cpu_store_slow(cpu, ip->insn, va, R(ip->d),                        \
                       (MO) | ((ALIGN) ? TESSERA_MO_ALIGN : 0),            \
                       (unsigned)ip->b);                                   \
        ip = unlikely(cpu->end_insn) ? after_call(cpu, ip, 1) : ip + 1;    \
        DISPATCH();                                                        \
    }
#define X(bits, L2, T, S, MO)                             \
    L_st##bits : STORE_BODY(T, S, MO, 0, 0, 0)            \
    L_st##bits##_a : STORE_BODY(T, S, MO, 1, 0, 0)        \
    L_st##bits##_be : STORE_BODY(T, S, MO, 0, 1, 0)       \
    L_st##bits##_a_be : STORE_BODY(T, S, MO, 1, 1, 0)     \
    L_st##bits##_4k : STORE_BODY(T, S, MO, 0, 0, 1)       \
    L_st##bits##_a_4k : STORE_BODY(T, S, MO, 1, 0, 1)     \
    L_st##bits##_be_4k : STORE_BODY(T, S, MO, 0, 1, 1)    \
    L_st##bits##_a_be_4k : STORE_BODY(T, S, MO, 1, 1, 1)
    STORES(X)
#undef X

L_goto_adj:
    cpu->xcycles -= (uint64_t)ip->exit->cycle_adj - ip->exit->insn_adj;
    cpu->cycles -= ip->exit->cycle_adj;
    /* fall through */
L_goto: {
    TBExit *x = ip->exit;
    if (likely(x->next != NULL))
        ENTER(x->next);
    cpu->pc = x->pc;
    cpu->last_exit = x;
    return;
}

L_goto_dyn_adj:
    cpu->xcycles -= (uint64_t)ip->exit->cycle_adj - ip->exit->insn_adj;
    cpu->cycles -= ip->exit->cycle_adj;
    /* fall through */
L_goto_dyn: {
    uint64_t pc = R(ip->a);
    TB *n = cpu->jc[cpu_jc_hash(pc)];
    if (likely(tb_matches(n, pc, cpu->tb_flags, cpu->cflags)))
        ENTER(n);
    cpu->pc = pc;
    cpu->last_exit = NULL;
    return;
}

L_exit_loop:
    cpu->xcycles -= (uint64_t)ip->exit->cycle_adj - ip->exit->insn_adj;
    cpu->cycles -= ip->exit->cycle_adj;
    cpu->pc = ip->exit->pc;
    cpu->last_exit = NULL;
    return;

L_smc_exit: {
    /* End of an instruction after which the block must not go on (its
     * code was overwritten, or an exact-interrupt CPU was kicked). */
    const TB *tb = cpu->cur_tb;
    unsigned next = ip->insn + 1u;
    cpu->xcycles -= (uint64_t)(tb->ncycles - tb->cycles_before[next]) -
                    (tb->ninsns - next);
    cpu->cycles -= tb->ncycles - tb->cycles_before[next];
    cpu->pc = ip->uimm;
    cpu->last_exit = NULL;
    return;
}
}

/* ---------------------------------------------------------------------- */
/* Compiler: IR -> IOp                                                     */

typedef struct CompiledExit {
    unsigned op;   /* index of the exit op */
    uint32_t insn;
    uint64_t pc;
} CompiledExit;

static struct {
    IOp *ops;
    unsigned n, cap;
    unsigned scratch; /* next scratch slot for this IR op */
    /* A narrow global the current op writes: stored from a slot after it. */
    TesseraVal pending_global;
    int16_t pending_slot;
    const int16_t *slot_of; /* temp -> slot offset (backend_alloc_slots) */
    unsigned *label_pos;
    unsigned *fix_op, *fix_label; /* branch fixups */
    unsigned nfix, fix_cap;
    CompiledExit *exits;
    unsigned nexits, exits_cap;
} C;

static IOp *cc_emit(const void *h, uint32_t insn)
{
    if (C.n == C.cap) {
        C.cap = C.cap ? C.cap * 2 : 1024;
        C.ops = g_renew(IOp, C.ops, C.cap);
    }
    IOp *op = &C.ops[C.n++];
    memset(op, 0, sizeof(*op));
    op->h = h;
    op->insn = (uint16_t)insn;
    return op;
}

/* An operand as an env offset; constants other than 0 are materialised
 * into a scratch slot by a movi placed before the op. */
static int16_t scratch_slot(void)
{
    g_assert(C.scratch < CPU_SLOT_FIRST_TEMP);
    return cpu_slot_offset(C.scratch++);
}

static unsigned ldg_kind(TesseraVal g)
{
    bool s = ir_global_is_signed(g);
    switch (ir_global_size(g)) {
    case 1: return s ? LD_S8 : LD_U8;
    case 2: return s ? LD_S16 : LD_U16;
    default: return s ? LD_S32 : LD_U32;
    }
}

static int16_t cc_operand(const TesseraIR *b, TesseraVal v, uint32_t insn)
{
    switch (ir_val_kind(v)) {
    case IR_VK_TEMP:
        return C.slot_of[IR_VAL_INDEX(v)];
    case IR_VK_GLOBAL:
        if (ir_global_is_narrow(v)) {
            /* Extended into a scratch slot first. */
            int16_t off = scratch_slot();
            IOp *m = cc_emit(H.ldg[ldg_kind(v)], insn);
            m->d = off;
            m->a = (int16_t)IR_GLOBAL_OFFSET(v);
            return off;
        }
        return (int16_t)IR_VAL_INDEX(v);
    case IR_VK_CONST: {
        uint64_t c = ir_const_value(b, v);
        if (c == 0)
            return cpu_slot_offset(CPU_SLOT_ZERO);
        int16_t off = scratch_slot();
        IOp *m = cc_emit(H.movi, insn);
        m->d = off;
        m->uimm = c;
        return off;
    }
    case IR_VK_NONE:
        break;
    }
    return cpu_slot_offset(CPU_SLOT_ZERO);
}

static int16_t cc_dst(TesseraVal v)
{
    if (ir_val_kind(v) == IR_VK_TEMP)
        return C.slot_of[IR_VAL_INDEX(v)];
    if (ir_val_kind(v) == IR_VK_GLOBAL) {
        if (!ir_global_is_narrow(v))
            return (int16_t)IR_VAL_INDEX(v);
        /* Written to a slot; the op's store of it follows the op. */
        C.pending_global = v;
        C.pending_slot = scratch_slot();
        return C.pending_slot;
    }
    return cpu_slot_offset(CPU_SLOT_DISCARD);
}

static void cc_flush_global(uint32_t insn)
{
    TesseraVal g = C.pending_global;
    if (g == TESSERA_IR_NONE)
        return;
    static const unsigned l2[5] = {[1] = 0, [2] = 1, [4] = 2};
    IOp *io = cc_emit(H.stg[l2[ir_global_size(g)]], insn);
    io->d = (int16_t)IR_GLOBAL_OFFSET(g);
    io->a = C.pending_slot;
    C.pending_global = TESSERA_IR_NONE;
}

static bool is_const(TesseraVal v)
{
    return ir_val_kind(v) == IR_VK_CONST;
}

static uint64_t imm_of(const TesseraIR *b, TesseraVal v, unsigned w)
{
    uint64_t c = ir_const_value(b, v);
    return w == TESSERA_I64 ? c : (uint32_t)c;
}

static void add_fixup(unsigned op, unsigned label)
{
    if (C.nfix == C.fix_cap) {
        C.fix_cap = C.fix_cap ? C.fix_cap * 2 : 64;
        C.fix_op = g_renew(unsigned, C.fix_op, C.fix_cap);
        C.fix_label = g_renew(unsigned, C.fix_label, C.fix_cap);
    }
    C.fix_op[C.nfix] = op;
    C.fix_label[C.nfix++] = label;
}

static IOp *add_exit(const void *h, const IROp *op)
{
    if (C.nexits == C.exits_cap) {
        C.exits_cap = C.exits_cap ? C.exits_cap * 2 : 16;
        C.exits = g_renew(CompiledExit, C.exits, C.exits_cap);
    }
    IOp *io = cc_emit(h, op->insn);
    CompiledExit *x = &C.exits[C.nexits];
    x->op = C.n - 1;
    x->insn = op->insn;
    x->pc = op->imm;
    io->imm = C.nexits++;
    return io;
}

static unsigned ld_kind(unsigned memop)
{
    bool s = (memop & TESSERA_MO_SIGN) != 0;
    switch (memop & TESSERA_MO_SIZE_MASK) {
    case 1: return s ? LD_S8 : LD_U8;
    case 2: return s ? LD_S16 : LD_U16;
    case 4: return s ? LD_S32 : LD_U32;
    default: return LD_U64;
    }
}

static unsigned log2_size(unsigned memop)
{
    switch (memop & TESSERA_MO_SIZE_MASK) {
    case 1: return 0;
    case 2: return 1;
    case 4: return 2;
    default: return 3;
    }
}

/*
 * A carry op; g8, when not TESSERA_IR_NONE, is a 1-byte global that also
 * receives the result (see try_fuse_carry_store). Widths 4, 8, 16 and 32
 * have their own handlers, and at 4, 8 and 16 bits a constant second
 * operand is an immediate (its low 16 bits are all that count).
 */
static void compile_carry(const TesseraIR *b, const IROp *op, TesseraVal g8)
{
    uint32_t insn = op->insn;
    unsigned wi = op->aux == 4 ? 0 : op->aux == 8 ? 1
                  : op->aux == 16 ? 2 : op->aux == 32 ? 3 : 4;
    bool k = wi < 3 && is_const(op->v[2]);
    int16_t a = cc_operand(b, op->v[1], insn);
    int16_t r2 = k ? (int16_t)(uint16_t)ir_const_value(b, op->v[2])
                   : cc_operand(b, op->v[2], insn);
    int16_t cin = cc_operand(b, op->v[3], insn);
    const void *h;
    if (k)
        h = H.carry_wk[g8 != TESSERA_IR_NONE][wi][op->sub];
    else if (g8 != TESSERA_IR_NONE)
        h = H.carry_wg8[wi][op->sub];
    else
        h = wi < 4 ? H.carry_w[wi][op->sub] : H.carry[op->sub];
    IOp *io = cc_emit(h, insn);
    io->d = g8 != TESSERA_IR_NONE ? C.slot_of[IR_VAL_INDEX(op->v[0])]
                                  : cc_dst(op->v[0]);
    io->a = a;
    io->b = r2;
    io->sel.t = cin;
    io->sel.f = g8 != TESSERA_IR_NONE ? (int16_t)IR_GLOBAL_OFFSET(g8)
                                      : (int16_t)op->aux;
}

static void compile_op(const TesseraIR *b, const IROp *op, bool be, bool f4k)
{
    unsigned w = op->width;
    uint32_t insn = op->insn;
    IOp *io;
    int16_t a, r2, d;

    C.scratch = CPU_SLOT_SCRATCH;
    switch ((IROpc)op->opc) {
    case IR_NOP:
    case IR_INSN_START:
    case IR_NB_OPC:
        break;
    case IR_ADD_CYCLES:
        cc_emit(H.add_cycles, insn)->uimm = op->imm;
        break;
    case IR_SKIP:
        cc_emit(H.skip, insn)->uimm = op->imm;
        break;
    case IR_COUNTER:
        io = cc_emit(H.counter, insn);
        io->uimm = op->imm;
        io->d = (int16_t)op->aux2;
        break;
    case IR_LABEL:
        C.label_pos[op->imm] = C.n;
        break;
    case IR_MOV:
        if (ir_val_kind(op->v[0]) == IR_VK_GLOBAL &&
            ir_global_is_narrow(op->v[0]) && is_const(op->v[1])) {
            /* Constant to narrow global: one store op. */
            static const unsigned l2[5] = {[1] = 0, [2] = 1, [4] = 2};
            io = cc_emit(H.stgi[l2[ir_global_size(op->v[0])]], insn);
            io->d = (int16_t)IR_GLOBAL_OFFSET(op->v[0]);
            io->uimm = ir_const_value(b, op->v[1]);
            break;
        }
        if (ir_val_kind(op->v[0]) == IR_VK_GLOBAL &&
            ir_global_is_narrow(op->v[0]) &&
            ir_val_kind(op->v[1]) == IR_VK_TEMP) {
            /* Temp to narrow global: one store op. */
            static const unsigned l2[5] = {[1] = 0, [2] = 1, [4] = 2};
            a = cc_operand(b, op->v[1], insn);
            io = cc_emit(H.stg[l2[ir_global_size(op->v[0])]], insn);
            io->d = (int16_t)IR_GLOBAL_OFFSET(op->v[0]);
            io->a = a;
            break;
        }
        if (ir_val_kind(op->v[1]) == IR_VK_GLOBAL &&
            ir_global_is_narrow(op->v[1]) &&
            ir_val_kind(op->v[0]) == IR_VK_TEMP &&
            (w == TESSERA_I64 || !ir_global_is_signed(op->v[1]))) {
            /* Narrow global to temp: one extending read. */
            io = cc_emit(H.ldg[ldg_kind(op->v[1])], insn);
            io->d = C.slot_of[IR_VAL_INDEX(op->v[0])];
            io->a = (int16_t)IR_GLOBAL_OFFSET(op->v[1]);
            break;
        }
        if (is_const(op->v[1])) {
            d = cc_dst(op->v[0]);
            io = cc_emit(H.movi, insn);
            io->uimm = imm_of(b, op->v[1], w);
        } else {
            /* The operand first: a narrow global's read is an op of its
             * own, which must come before the move (and may move ops). */
            a = cc_operand(b, op->v[1], insn);
            d = cc_dst(op->v[0]);
            io = cc_emit(w == TESSERA_I64 ? H.mov64 : H.mov32, insn);
            io->a = a;
        }
        io->d = d;
        break;
    case IR_BINOP: {
        bool ri = is_const(op->v[2]);
        a = cc_operand(b, op->v[1], insn);
        r2 = ri ? 0 : cc_operand(b, op->v[2], insn);
        io = cc_emit(H.binop[op->sub][ri][w], insn);
        io->d = cc_dst(op->v[0]);
        io->a = a;
        io->b = r2;
        if (ri)
            io->uimm = imm_of(b, op->v[2], w);
        break;
    }
    case IR_UNOP:
        a = cc_operand(b, op->v[1], insn);
        io = cc_emit(H.unop[op->sub][w], insn);
        io->d = cc_dst(op->v[0]);
        io->a = a;
        if (io->h == H.unop_any) {
            io->b = op->sub;
            io->uimm = w == IR_W32S ? TESSERA_I32 : w;
            if (w == IR_W32S) {
                /* The rare ops have no sign-extending form. */
                int16_t r = io->d;
                io = cc_emit(H.unop[TESSERA_EXT32S][TESSERA_I64], insn);
                io->d = r;
                io->a = r;
            }
        }
        break;
    case IR_CARRY:
        compile_carry(b, op, TESSERA_IR_NONE);
        break;
    case IR_EXTRACT: {
        unsigned pos = op->aux, len = op->aux2;
        a = cc_operand(b, op->v[1], insn);
        if (!op->sub) {
            io = cc_emit(H.extract, insn);
            io->b = (int16_t)pos;
            io->uimm = len >= 64 ? UINT64_MAX : (1ull << len) - 1;
        } else {
            io = cc_emit(w == TESSERA_I64 ? H.sextract64 : H.sextract32, insn);
            io->b = (int16_t)(64 - pos - len);
            io->uimm = 64 - len;
        }
        io->d = cc_dst(op->v[0]);
        io->a = a;
        break;
    }
    case IR_DEPOSIT: {
        unsigned pos = op->aux, len = op->aux2;
        a = cc_operand(b, op->v[1], insn);
        r2 = cc_operand(b, op->v[2], insn);
        io = cc_emit(w == TESSERA_I64 ? H.deposit64 : H.deposit32, insn);
        io->d = cc_dst(op->v[0]);
        io->a = a;
        io->b = r2;
        io = cc_emit(NULL, insn); /* extension word */
        io->d = (int16_t)pos;
        io->uimm = (len >= 64 ? UINT64_MAX : (1ull << len) - 1) << pos;
        break;
    }
    case IR_ATOMIC:
    case IR_CMPXCHG: {
        int16_t v2, v3 = cpu_slot_offset(CPU_SLOT_ZERO);
        uint64_t off = op->imm;
        if (is_const(op->v[1])) {
            off += ir_const_value(b, op->v[1]);
            a = cpu_slot_offset(CPU_SLOT_ZERO);
        } else {
            a = cc_operand(b, op->v[1], insn);
        }
        v2 = cc_operand(b, op->v[2], insn);
        if (op->opc == IR_CMPXCHG)
            v3 = cc_operand(b, op->v[3], insn);
        io = cc_emit(H.atomic, insn);
        io->d = op->v[0] == TESSERA_IR_NONE
                    ? cpu_slot_offset(CPU_SLOT_DISCARD)
                    : cc_dst(op->v[0]);
        io->a = a;
        io->b = v2;
        io = cc_emit(NULL, insn); /* extension word */
        io->d = v3;
        io->a = op->opc == IR_CMPXCHG ? -1 : (int16_t)op->sub;
        io->b = (int16_t)(op->memop | op->mmu << 8);
        io->uimm = off;
        break;
    }
    case IR_MB:
        /* One vCPU runs at a time: program order is memory order. */
        break;
    case IR_SETCOND:
    case IR_BRCOND: {
        bool ri = is_const(op->v[2]);
        a = cc_operand(b, op->v[1], insn);
        r2 = ri ? 0 : cc_operand(b, op->v[2], insn);
        if (op->opc == IR_SETCOND) {
            io = cc_emit(H.setcond[op->sub][ri][w], insn);
            io->d = cc_dst(op->v[0]);
        } else {
            io = cc_emit(H.brcond[op->sub][ri][w], insn);
            add_fixup(C.n - 1, (unsigned)op->imm);
        }
        io->a = a;
        io->b = r2;
        if (ri)
            io->uimm = imm_of(b, op->v[2], w);
        break;
    }
    case IR_BR:
        cc_emit(H.br, insn);
        add_fixup(C.n - 1, (unsigned)op->imm);
        break;
    case IR_SELECT: {
        int16_t t, f;
        a = cc_operand(b, op->v[1], insn);
        r2 = cc_operand(b, op->v[2], insn);
        t = cc_operand(b, op->v[3], insn);
        f = cc_operand(b, op->v[4], insn);
        io = cc_emit(H.select[op->sub][w], insn);
        io->d = cc_dst(op->v[0]);
        io->a = a;
        io->b = r2;
        io->sel.t = t;
        io->sel.f = f;
        break;
    }
    case IR_LOAD:
    case IR_STORE: {
        bool align = (op->memop & TESSERA_MO_ALIGN) != 0;
        uint64_t off = op->imm;
        int16_t val = 0;
        /* A constant address becomes the offset from the zero slot. */
        if (is_const(op->v[1])) {
            off += ir_const_value(b, op->v[1]);
            a = cpu_slot_offset(CPU_SLOT_ZERO);
        } else {
            a = cc_operand(b, op->v[1], insn);
        }
        if ((int64_t)off != (int32_t)off) {
            /* Displacements are 32-bit: add a big one beforehand. */
            int16_t t = scratch_slot();
            io = cc_emit(H.binop[TESSERA_ADD][1][TESSERA_I64], insn);
            io->d = t;
            io->a = a;
            io->uimm = off;
            a = t;
            off = 0;
        }
        if (op->opc == IR_STORE) {
            val = cc_operand(b, op->v[0], insn);
            io = cc_emit(H.store[log2_size(op->memop)][align][be][f4k], insn);
            io->d = val;
        } else {
            io = cc_emit(H.load[ld_kind(op->memop)][align][be][f4k], insn);
            io->d = cc_dst(op->v[0]);
        }
        io->a = a;
        io->b = op->mmu;
        io->mem.disp = (int32_t)off;
        io->mem.tlboff = op->mmu * CPU_TLB_SIZE * (uint32_t)sizeof(TlbEntry);
        break;
    }
    case IR_CALL: {
        int16_t args[4];
        for (unsigned k = 0; k < 4; k++)
            args[k] = k < op->aux ? cc_operand(b, op->v[1 + k], insn)
                                  : cpu_slot_offset(CPU_SLOT_ZERO);
        io = cc_emit(H.call, insn);
        io->d = op->v[0] == TESSERA_IR_NONE ? cpu_slot_offset(CPU_SLOT_DISCARD)
                                            : cc_dst(op->v[0]);
        io->a = args[0];
        io->b = args[1];
        io->fn = (TesseraHelper)(uintptr_t)op->imm;
        io = cc_emit(NULL, insn); /* argument extension word */
        io->d = args[2];
        io->a = args[3];
        break;
    }
    case IR_GOTO:
        add_exit(H.go, op);
        break;
    case IR_GOTO_DYN:
        a = cc_operand(b, op->v[1], insn);
        add_exit(H.go_dyn, op)->a = a;
        break;
    case IR_EXIT_LOOP:
        add_exit(H.exit_loop, op);
        break;
    }
    cc_flush_global(insn);
}

/*
 * "brcond L; goto X; L: goto Y" at the end of a block becomes one op with
 * two exits, saving a dispatch on every guest branch. Returns the number of
 * IR ops consumed (0 when the pattern does not apply).
 */
static unsigned try_fuse_branch(const TesseraIR *b, unsigned i,
                                const unsigned *label_refs)
{
    const IROp *br = &b->ops[i];
    if (br->opc != IR_BRCOND || i + 3 >= b->nops)
        return 0;
    const IROp *gx = &b->ops[i + 1], *lab = &b->ops[i + 2],
               *gy = &b->ops[i + 3];
    uint32_t last = b->ninsns - 1;
    if (gx->opc != IR_GOTO || lab->opc != IR_LABEL || lab->imm != br->imm ||
        gy->opc != IR_GOTO || gx->insn != last || gy->insn != last ||
        br->width > TESSERA_I64)
        return 0;

    uint32_t insn = br->insn;
    C.scratch = CPU_SLOT_SCRATCH;
    int16_t a = cc_operand(b, br->v[1], insn);
    int16_t r2 = cc_operand(b, br->v[2], insn);
    IOp *io = add_exit(H.br2[br->sub][br->width], gy);
    io->a = a;
    io->b = r2;
    io->insn = (uint16_t)insn;
    add_exit(NULL, gx)->insn = (uint16_t)insn; /* second exit word */
    /* Other branches to L still need "L: goto Y". */
    return label_refs[br->imm] > 1 ? 2 : 4;
}

/*
 * A carry op at width 4, 8, 16 or 32 into a temporary, followed (NOPs
 * aside) by a move of that temporary into a 1-byte global of the same
 * instruction (a flag): one op that writes both. Returns the number of
 * IR ops consumed (0 when the pattern does not apply).
 */
static unsigned try_fuse_carry_store(const TesseraIR *b, unsigned i)
{
    const IROp *op = &b->ops[i];
    if (op->opc != IR_CARRY || ir_val_kind(op->v[0]) != IR_VK_TEMP)
        return 0;
    unsigned wi = op->aux == 4 ? 0 : op->aux == 8 ? 1
                  : op->aux == 16 ? 2 : op->aux == 32 ? 3 : 4;
    unsigned j = i + 1;
    while (j < b->nops && b->ops[j].opc == IR_NOP)
        j++;
    if (wi == 4 || j >= b->nops)
        return 0;
    const IROp *mv = &b->ops[j];
    if (mv->opc != IR_MOV || mv->insn != op->insn || mv->v[1] != op->v[0] ||
        ir_val_kind(mv->v[0]) != IR_VK_GLOBAL ||
        !ir_global_is_narrow(mv->v[0]) || ir_global_size(mv->v[0]) != 1)
        return 0;

    C.scratch = CPU_SLOT_SCRATCH;
    compile_carry(b, op, mv->v[0]);
    return j + 1 - i;
}

static size_t interp_compile(const TesseraIR *b, unsigned *nexits)
{
    bool be = b->arch && b->arch->big_endian;
    bool f4k = b->arch && b->arch->page_bits == 12;

    interp_init();
    C.n = 0;
    C.nfix = 0;
    C.nexits = 0;
    C.pending_global = TESSERA_IR_NONE;
    C.label_pos = g_renew(unsigned, C.label_pos, b->nlabels + 1);
    C.slot_of = backend_alloc_slots(b);

    unsigned *label_refs = g_new0(unsigned, b->nlabels + 1);
    for (unsigned i = 0; i < b->nops; i++)
        if (b->ops[i].opc == IR_BRCOND || b->ops[i].opc == IR_BR)
            label_refs[b->ops[i].imm]++;
    for (unsigned i = 0; i < b->nops;) {
        unsigned n = try_fuse_branch(b, i, label_refs);
        if (!n)
            n = try_fuse_carry_store(b, i);
        if (n) {
            i += n;
            continue;
        }
        compile_op(b, &b->ops[i], be, f4k);
        i++;
    }
    g_free(label_refs);
    for (unsigned i = 0; i < C.nfix; i++)
        C.ops[C.fix_op[i]].d =
            (int16_t)((int)C.label_pos[C.fix_label[i]] - (int)C.fix_op[i]);
    *nexits = C.nexits;
    return C.n * sizeof(IOp);
}

/* The interpreter's code is data: the write and run addresses agree. */
static void interp_install(TB *tb, void *code, void *code_x)
{
    IOp *ops = code;

    memcpy(ops, C.ops, C.n * sizeof(IOp));
    tb->code = code_x;
    for (unsigned i = 0; i < C.nexits; i++) {
        const CompiledExit *cx = &C.exits[i];
        TBExit *x = &tb->exits[i];
        IOp *io = &ops[cx->op];

        tcache_exit_init(tb, x, cx->pc, cx->insn);
        io->exit = x;
        /* Early exits give back what the block entry pre-committed for
         * the instructions they skip. */
        if (x->insn_adj || x->cycle_adj) {
            if (io->h == H.go)
                io->h = H.go_adj;
            else if (io->h == H.go_dyn)
                io->h = H.go_dyn_adj;
        }
    }
}

static void interp_exec(Cpu *cpu, TB *tb)
{
    interp_run(cpu, tb->code);
}

const Backend backend_interp = {
    .name = "interp",
    .description = "portable direct-threaded interpreter of the IR",
    .executable = false,
    .compile = interp_compile,
    .install = interp_install,
    .exec = interp_exec,
};
