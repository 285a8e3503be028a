/* SPDX-License-Identifier: MIT */
/*
 * The IR as the core keeps it: the builder's op list (ir.c), the optimiser
 * (ir-opt.c) and the evaluation rules every backend must agree with.
 *
 * A block is a flat array of IROp. Values are 32-bit handles whose top bits
 * give the kind (temp, global, const) and whose low bits give the temp
 * number, the env offset or the index in the constant table.
 */
#ifndef KERNEL_IR_INTERNAL_H
#define KERNEL_IR_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <tessera/arch.h>
#include <tessera/ir.h>

struct TesseraCpu;

/* ---------------------------------------------------------------------- */
/* Values                                                                  */

#define IR_VAL_SHIFT 28
#define IR_VAL_INDEX(v) ((v) & ((1u << IR_VAL_SHIFT) - 1))

typedef enum IRValKind {
    IR_VK_NONE = 0,
    IR_VK_TEMP = 1,
    IR_VK_GLOBAL = 2,
    IR_VK_CONST = 3,
} IRValKind;

static inline IRValKind ir_val_kind(TesseraVal v)
{
    return (IRValKind)(v >> IR_VAL_SHIFT);
}

static inline TesseraVal ir_make_val(IRValKind k, uint32_t index)
{
    return ((uint32_t)k << IR_VAL_SHIFT) | index;
}

/*
 * A global's index is its env offset, plus a size code in bits 16-17
 * (0: 8 bytes, 1: 1 byte, 2: 2 bytes, 3: 4 bytes) and a sign flag in bit
 * 18, so an 8-byte global's index is its offset.
 */
#define IR_GLOBAL_OFFSET(v) (IR_VAL_INDEX(v) & 0xffffu)
#define IR_GLOBAL_SIGN (1u << 18)

static inline unsigned ir_global_size(TesseraVal v)
{
    static const unsigned char sizes[4] = {8, 1, 2, 4};
    return sizes[(IR_VAL_INDEX(v) >> 16) & 3];
}

/* A 1, 2 or 4-byte global: backends convert it on access. */
static inline bool ir_global_is_narrow(TesseraVal v)
{
    return (IR_VAL_INDEX(v) >> 16) != 0;
}

static inline bool ir_global_is_signed(TesseraVal v)
{
    return (IR_VAL_INDEX(v) & IR_GLOBAL_SIGN) != 0;
}

/* The value a narrow global reads back after x was written to it. */
static inline uint64_t ir_global_extend(TesseraVal v, uint64_t x)
{
    unsigned sh = 64 - 8 * ir_global_size(v);
    if (sh == 0)
        return x;
    if (ir_global_is_signed(v))
        return (uint64_t)((int64_t)(x << sh) >> sh);
    return (x << sh) >> sh;
}

/* ---------------------------------------------------------------------- */
/* Operations                                                              */

typedef enum IROpc {
    IR_NOP,
    IR_INSN_START, /* imm = pc, aux = size, aux2 = cycles */
    IR_ADD_CYCLES, /* imm = cycles */
    IR_MOV,        /* v0 = v1 */
    IR_BINOP,      /* v0 = v1 sub v2 */
    IR_UNOP,       /* v0 = sub v1 */
    IR_SETCOND,    /* v0 = v1 cond v2 */
    IR_SELECT,     /* v0 = v1 cond v2 ? v3 : v4 */
    IR_LOAD,       /* v0 = mem[v1 + imm] */
    IR_STORE,      /* mem[v1 + imm] = v0 */
    IR_LABEL,      /* imm = label */
    IR_BRCOND,     /* if (v1 cond v2) goto label imm */
    IR_BR,         /* goto label imm (made by the optimiser) */
    IR_CALL,       /* v0 = fn(v1..v4), imm = fn, aux = nargs, aux2 = flags */
    IR_CARRY,      /* v0 = sub(v1, v2, v3) over aux bits (TesseraCarryOp) */
    IR_EXTRACT,    /* v0 = bits [aux, aux + aux2) of v1; sub 1: signed */
    IR_DEPOSIT,    /* v0 = v1 with bits [aux, aux + aux2) from v2 */
    IR_ATOMIC,     /* v0 = mem[v1 + imm]; mem = sub(v0, v2) (TesseraAtomicOp) */
    IR_CMPXCHG,    /* v0 = mem[v1 + imm]; if v0 == v2: mem = v3 */
    IR_MB,         /* aux = TESSERA_MB_* kinds */
    IR_GOTO,       /* imm = pc */
    IR_GOTO_DYN,   /* pc = v1 */
    IR_EXIT_LOOP,  /* imm = pc */
    /* Instrumentation (kernel/tool.c): ((uint64_t *)imm)[cpu index] +=
     * aux2, no call. Never removed. */
    IR_COUNTER,
    /* Made by ir_lower_skips() on the taken side of a branch over other
     * instructions' starts: they do not retire. imm = instructions,
     * aux2 unused; v none; the cycles in imm >> 32. */
    IR_SKIP,
    IR_NB_OPC
} IROpc;

/*
 * Besides TesseraWidth, ops may carry this width after optimisation: a
 * 32-bit operation whose result is sign-extended to 64 bits (what RV64's
 * "w" instructions and similar need, as one op instead of two).
 */
#define IR_W32S 2

typedef struct IROp {
    uint8_t opc;   /* IROpc */
    uint8_t sub;   /* TesseraBinop, TesseraUnop or TesseraCond */
    uint8_t width; /* TesseraWidth or IR_W32S */
    uint8_t memop; /* loads and stores */
    uint8_t mmu;   /* loads and stores */
    uint8_t aux;   /* see IROpc */
    uint16_t aux2; /* see IROpc */
    uint32_t insn; /* guest instruction index in the block */
    TesseraVal v[5];
    uint64_t imm;
} IROp;

/* One contiguous run of guest code bytes inside one "unit" of address
 * space (min(arch page, code page)): virtual and physical base of the unit,
 * and the byte range fetched from it. */
typedef struct IRSpan {
    uint64_t vunit;
    uint64_t punit;
    uint32_t lo, hi;
    /* The unit's bytes when one RAM or ROM region holds all of it (the
     * fetch then reads them without a bus lookup), else NULL. */
    const uint8_t *host;
} IRSpan;

#define IR_MAX_SPANS 2

struct TesseraIR {
    struct TesseraCpu *cpu;
    const TesseraArchClass *arch;
    uint64_t pc;
    uint64_t flags;
    unsigned code_mmu;
    unsigned unit_bits; /* log2 of the unit size used for spans */

    IROp *ops;
    unsigned nops, ops_cap;
    uint64_t *consts;
    unsigned nconsts, consts_cap;
    unsigned ntemps;
    unsigned nlabels;
    /* Per label: instructions started before its first branch
     * (UINT32_MAX: none yet); skips: a label was placed after more
     * instructions than that (ir_lower_skips() has work). */
    uint32_t *label_insns;
    unsigned label_insns_cap;
    bool skips;
    unsigned ninsns;
    unsigned insn0_size; /* bytes of the first instruction */
    int cur_insn; /* -1 before the first insn_start */
    uint64_t next_pc; /* after the last instruction started */
    bool error;   /* misuse detected; the block is refused */
    const char *error_msg;

    IRSpan spans[IR_MAX_SPANS];
    unsigned nspans;
    bool one_insn; /* code on a TESSERA_PROT_NOCACHE page */
    /* Set before the backend compiles it: the block is entered only from
     * the CPU loop (never chained to, not even by itself). */
    bool nocache;

    /* Copy of the fetched bytes for -d in_asm, by offset from pc. */
    uint8_t bytes[1024];
    uint32_t bytes_hi;
};

/* Block size limits: tessera_ir_block_full() turns true near them. */
#define IR_MAX_INSNS 64
#define IR_MAX_OPS 2048
#define IR_MAX_TEMPS 960

/* Starts a block for cpu at pc; returns the (single, reused) builder. */
TesseraIR *ir_begin(struct TesseraCpu *cpu, uint64_t pc, uint64_t flags,
                    unsigned code_mmu);
/* Checks the finished block's shape; false (with b->error_msg) if bad. */
bool ir_validate(TesseraIR *b);
/* A constant value handle (new table entry). */
TesseraVal ir_const(TesseraIR *b, uint64_t value);
static inline uint64_t ir_const_value(const TesseraIR *b, TesseraVal v)
{
    return b->consts[IR_VAL_INDEX(v)];
}
/* Appends an op (used by the builder and by tests). */
IROp *ir_emit(TesseraIR *b, IROpc opc);

/* The optimiser: folding, propagation, dead code. */
void ir_optimize(TesseraIR *b);
/* After the optimiser: a branch to a label past other instructions'
 * starts gets a landing pad with an IR_SKIP (see ir.c). */
void ir_lower_skips(TesseraIR *b);

/* Writes the op list to f (for -d op / op_opt and tests). */
void ir_dump(const TesseraIR *b, FILE *f, const char *title);
/* -d in_asm listing of the block's instructions. */
void ir_dump_asm(const TesseraIR *b, FILE *f);

/* ---------------------------------------------------------------------- */
/* Evaluation rules (ir.h semantics), shared by optimiser and backends.     */

static inline uint64_t ir_zext32(uint64_t x)
{
    return (uint32_t)x;
}

static inline uint64_t ir_div64(uint64_t x, uint64_t y)
{
    if (y == 0)
        return UINT64_MAX;
    if ((int64_t)x == INT64_MIN && (int64_t)y == -1)
        return x;
    return (uint64_t)((int64_t)x / (int64_t)y);
}

static inline uint64_t ir_rem64(uint64_t x, uint64_t y)
{
    if (y == 0)
        return x;
    if ((int64_t)x == INT64_MIN && (int64_t)y == -1)
        return 0;
    return (uint64_t)((int64_t)x % (int64_t)y);
}

static inline uint64_t ir_divu64(uint64_t x, uint64_t y)
{
    return y ? x / y : UINT64_MAX;
}

static inline uint64_t ir_remu64(uint64_t x, uint64_t y)
{
    return y ? x % y : x;
}

static inline uint32_t ir_div32(uint32_t x, uint32_t y)
{
    if (y == 0)
        return UINT32_MAX;
    if ((int32_t)x == INT32_MIN && (int32_t)y == -1)
        return x;
    return (uint32_t)((int32_t)x / (int32_t)y);
}

static inline uint32_t ir_rem32(uint32_t x, uint32_t y)
{
    if (y == 0)
        return x;
    if ((int32_t)x == INT32_MIN && (int32_t)y == -1)
        return 0;
    return (uint32_t)((int32_t)x % (int32_t)y);
}

static inline uint32_t ir_divu32(uint32_t x, uint32_t y)
{
    return y ? x / y : UINT32_MAX;
}

static inline uint32_t ir_remu32(uint32_t x, uint32_t y)
{
    return y ? x % y : x;
}

static inline uint64_t ir_mulh64(uint64_t x, uint64_t y)
{
    return (uint64_t)(((__int128)(int64_t)x * (int64_t)y) >> 64);
}

static inline uint64_t ir_mulhu64(uint64_t x, uint64_t y)
{
    return (uint64_t)(((unsigned __int128)x * y) >> 64);
}


static inline uint32_t ir_mulh32(uint32_t x, uint32_t y)
{
    return (uint32_t)(((int64_t)(int32_t)x * (int32_t)y) >> 32);
}

static inline uint32_t ir_mulhu32(uint32_t x, uint32_t y)
{
    return (uint32_t)(((uint64_t)x * y) >> 32);
}


static inline uint64_t ir_rotl64(uint64_t x, unsigned n)
{
    n &= 63;
    return (x << n) | (x >> ((64 - n) & 63));
}

static inline uint64_t ir_rotr64(uint64_t x, unsigned n)
{
    n &= 63;
    return (x >> n) | (x << ((64 - n) & 63));
}

static inline uint32_t ir_rotl32(uint32_t x, unsigned n)
{
    n &= 31;
    return (x << n) | (x >> ((32 - n) & 31));
}

static inline uint32_t ir_rotr32(uint32_t x, unsigned n)
{
    n &= 31;
    return (x >> n) | (x << ((32 - n) & 31));
}

static inline uint64_t ir_eval_binop(TesseraBinop op, TesseraWidth w,
                                     uint64_t x, uint64_t y)
{
    if (w == TESSERA_I64) {
        switch (op) {
        case TESSERA_ADD: return x + y;
        case TESSERA_SUB: return x - y;
        case TESSERA_MUL: return x * y;
        case TESSERA_MULH: return ir_mulh64(x, y);
        case TESSERA_MULHU: return ir_mulhu64(x, y);
        case TESSERA_DIV: return ir_div64(x, y);
        case TESSERA_DIVU: return ir_divu64(x, y);
        case TESSERA_REM: return ir_rem64(x, y);
        case TESSERA_REMU: return ir_remu64(x, y);
        case TESSERA_AND: return x & y;
        case TESSERA_OR: return x | y;
        case TESSERA_XOR: return x ^ y;
        case TESSERA_SHL: return x << (y & 63);
        case TESSERA_SHR: return x >> (y & 63);
        case TESSERA_SAR: return (uint64_t)((int64_t)x >> (y & 63));
        case TESSERA_ROTL: return ir_rotl64(x, (unsigned)y);
        case TESSERA_ROTR: return ir_rotr64(x, (unsigned)y);
        }
        return 0;
    }
    uint32_t a = (uint32_t)x, b = (uint32_t)y;
    switch (op) {
    case TESSERA_ADD: return (uint32_t)(a + b);
    case TESSERA_SUB: return (uint32_t)(a - b);
    case TESSERA_MUL: return (uint32_t)(a * b);
    case TESSERA_MULH: return ir_mulh32(a, b);
    case TESSERA_MULHU: return ir_mulhu32(a, b);
    case TESSERA_DIV: return ir_div32(a, b);
    case TESSERA_DIVU: return ir_divu32(a, b);
    case TESSERA_REM: return ir_rem32(a, b);
    case TESSERA_REMU: return ir_remu32(a, b);
    case TESSERA_AND: return a & b;
    case TESSERA_OR: return a | b;
    case TESSERA_XOR: return a ^ b;
    case TESSERA_SHL: return (uint32_t)(a << (b & 31));
    case TESSERA_SHR: return a >> (b & 31);
    case TESSERA_SAR: return (uint32_t)((int32_t)a >> (b & 31));
    case TESSERA_ROTL: return ir_rotl32(a, b);
    case TESSERA_ROTR: return ir_rotr32(a, b);
    }
    return 0;
}

static inline uint64_t ir_eval_unop(TesseraUnop op, TesseraWidth w,
                                    uint64_t x)
{
    uint64_t r;
    unsigned bits = w == TESSERA_I64 ? 64 : 32;
    if (bits == 32)
        x = (uint32_t)x;
    switch (op) {
    case TESSERA_BSWAP16: r = __builtin_bswap16((uint16_t)x); break;
    case TESSERA_BSWAP32: r = __builtin_bswap32((uint32_t)x); break;
    case TESSERA_BSWAP64: r = __builtin_bswap64(x); break;
    case TESSERA_CLZ: r = x ? (unsigned)__builtin_clzll(x) - (64 - bits) : bits;
        break;
    case TESSERA_CTZ: r = x ? (unsigned)__builtin_ctzll(x) : bits; break;
    case TESSERA_CTPOP: r = (unsigned)__builtin_popcountll(x); break;
    case TESSERA_NEG: r = -x; break;
    case TESSERA_NOT: r = ~x; break;
    case TESSERA_EXT8S: r = (uint64_t)(int64_t)(int8_t)x; break;
    case TESSERA_EXT8U: r = (uint8_t)x; break;
    case TESSERA_EXT16S: r = (uint64_t)(int64_t)(int16_t)x; break;
    case TESSERA_EXT16U: r = (uint16_t)x; break;
    case TESSERA_EXT32S: r = (uint64_t)(int64_t)(int32_t)x; break;
    case TESSERA_EXT32U: r = (uint32_t)x; break;
    default: r = 0; break;
    }
    return w == TESSERA_I64 ? r : (uint32_t)r;
}

static inline bool ir_eval_cond(TesseraCond c, TesseraWidth w, uint64_t x,
                                uint64_t y)
{
    if (w == TESSERA_I32) {
        /* Signed compares see the low 32 bits as int32. */
        x = (uint32_t)x;
        y = (uint32_t)y;
        if (c >= TESSERA_LT && c <= TESSERA_GT) {
            x = (uint64_t)(int64_t)(int32_t)x;
            y = (uint64_t)(int64_t)(int32_t)y;
        }
    }
    switch (c) {
    case TESSERA_EQ: return x == y;
    case TESSERA_NE: return x != y;
    case TESSERA_LT: return (int64_t)x < (int64_t)y;
    case TESSERA_GE: return (int64_t)x >= (int64_t)y;
    case TESSERA_LE: return (int64_t)x <= (int64_t)y;
    case TESSERA_GT: return (int64_t)x > (int64_t)y;
    case TESSERA_LTU: return x < y;
    case TESSERA_GEU: return x >= y;
    case TESSERA_LEU: return x <= y;
    case TESSERA_GTU: return x > y;
    }
    return false;
}

/* Mask of the low bits bits (1..64). */
static inline uint64_t ir_bits_mask(unsigned bits)
{
    return bits >= 64 ? UINT64_MAX : (1ull << bits) - 1;
}

/* TesseraCarryOp over the low bits bits of x and y; cin is 0 or 1. */
static inline uint64_t ir_eval_carry(TesseraCarryOp op, unsigned bits,
                                     uint64_t x, uint64_t y, uint64_t cin)
{
    uint64_t m = ir_bits_mask(bits), top = 1ull << (bits - 1);
    x &= m;
    y &= m;
    cin &= 1;
    switch (op) {
    case TESSERA_ADDC:
        return (x + y + cin) & m;
    case TESSERA_SUBC:
        return (x - y - cin) & m;
    case TESSERA_ADD_CARRY: {
        uint64_t t;
        if (bits < 64)
            return ((x + y + cin) >> bits) & 1;
        bool c1 = __builtin_add_overflow(x, y, &t);
        return c1 | __builtin_add_overflow(t, cin, &t);
    }
    case TESSERA_ADD_OVERFLOW: {
        uint64_t r = (x + y + cin) & m;
        return ((x ^ r) & (y ^ r) & top) != 0;
    }
    case TESSERA_SUB_BORROW: {
        uint64_t t;
        if (bits < 64)
            return ((x - y - cin) >> bits) & 1;
        bool b1 = __builtin_sub_overflow(x, y, &t);
        return b1 | __builtin_sub_overflow(t, cin, &t);
    }
    case TESSERA_SUB_OVERFLOW: {
        uint64_t r = (x - y - cin) & m;
        return ((x ^ y) & (x ^ r) & top) != 0;
    }
    }
    return 0;
}

static inline uint64_t ir_eval_extract(TesseraWidth w, bool sign, uint64_t x,
                                       unsigned pos, unsigned len)
{
    uint64_t r;
    if (w == TESSERA_I32)
        x = (uint32_t)x;
    if (sign)
        r = (uint64_t)((int64_t)(x << (64 - pos - len)) >> (64 - len));
    else
        r = (x >> pos) & ir_bits_mask(len);
    return w == TESSERA_I64 ? r : (uint32_t)r;
}

static inline uint64_t ir_eval_deposit(TesseraWidth w, uint64_t x, uint64_t v,
                                       unsigned pos, unsigned len)
{
    uint64_t m = ir_bits_mask(len) << pos;
    uint64_t r = (x & ~m) | ((v << pos) & m);
    return w == TESSERA_I64 ? r : (uint32_t)r;
}

/* TesseraAtomicOp on values of size bytes (already extended). */
static inline uint64_t ir_eval_atomic(TesseraAtomicOp op, unsigned size,
                                      uint64_t old, uint64_t v)
{
    unsigned sh = 64 - 8 * size;
    int64_t so = (int64_t)(old << sh) >> sh, sv = (int64_t)(v << sh) >> sh;
    uint64_t uo = (old << sh) >> sh, uv = (v << sh) >> sh;
    switch (op) {
    case TESSERA_AMO_XCHG: return v;
    case TESSERA_AMO_ADD: return old + v;
    case TESSERA_AMO_AND: return old & v;
    case TESSERA_AMO_OR: return old | v;
    case TESSERA_AMO_XOR: return old ^ v;
    case TESSERA_AMO_SMIN: return so < sv ? old : v;
    case TESSERA_AMO_SMAX: return so > sv ? old : v;
    case TESSERA_AMO_UMIN: return uo < uv ? old : v;
    case TESSERA_AMO_UMAX: return uo > uv ? old : v;
    }
    return v;
}

/* The condition with its operands exchanged: a c b == b swap(c) a. */
static inline TesseraCond ir_cond_swap(TesseraCond c)
{
    switch (c) {
    case TESSERA_LT: return TESSERA_GT;
    case TESSERA_GT: return TESSERA_LT;
    case TESSERA_LE: return TESSERA_GE;
    case TESSERA_GE: return TESSERA_LE;
    case TESSERA_LTU: return TESSERA_GTU;
    case TESSERA_GTU: return TESSERA_LTU;
    case TESSERA_LEU: return TESSERA_GEU;
    case TESSERA_GEU: return TESSERA_LEU;
    default: return c;
    }
}

#endif
