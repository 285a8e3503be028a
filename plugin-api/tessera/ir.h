/* SPDX-License-Identifier: MIT */
/*
 * tessera/ir.h - the intermediate representation that arch frontends emit.
 *
 * An arch plugin's translate() callback receives a builder for one block
 * and emits, for each guest instruction, tessera_ir_insn_start() followed by
 * operations. The core optimises the block (constant and copy propagation,
 * dead code, dead guest-register writes) and hands it to a backend (the
 * interpreter; a native code generator on hosts that have one). The IR has
 * no instruction set's semantics in it: how flags are formed, what x/0
 * gives, is the frontend's business.
 *
 * Values
 *   Every value is a 64-bit slot, named by a TesseraVal handle:
 *   - temporaries (tessera_ir_temp): live within one block only;
 *   - globals: fields of the arch's CPU state (env) at a byte offset, the
 *     guest registers. tessera_ir_global() names an 8-byte field;
 *     tessera_ir_global_sized() a 1, 2, 4 or 8-byte field at its natural
 *     alignment, read with zero or sign extension to 64 bits and written
 *     with the low bytes of the value. Using globals directly as operands
 *     keeps one guest ALU instruction one IR operation;
 *   - constants (tessera_ir_const).
 *   Operations of width TESSERA_I32 read the low 32 bits of their operands
 *   and write a zero-extended 32-bit result; TESSERA_I64 uses all 64 bits.
 *
 * Semantics worth knowing
 *   - shift and rotate counts are taken modulo the width (32 or 64);
 *   - DIV/DIVU/REM/REMU: when the divisor is 0, or for DIV/REM when the
 *     dividend is the most negative value and the divisor -1, the result is
 *     unspecified (the host never traps): a frontend that defines those
 *     cases tests for them (select or brcond) and gives its own result;
 *   - MULH/MULHU give the high half of the double-width product (signed,
 *     unsigned); tessera_ir_muls2/mulu2 give both halves;
 *   - carries and overflows: tessera_ir_carry() computes a + b + carry-in
 *     (or a - b - borrow-in) and its carry, borrow or signed overflow over
 *     any width from 1 to 64 bits, so NZCV, x86's flags and AVR's SREG
 *     (including the half carry: width 4) are a few ops, not a helper;
 *   - branches go forward only, to a label later in the same block; a
 *     branch to a label past other instructions' starts skips them: they
 *     do not retire and their cycles are not counted on that path (so an
 *     if-then can stay inside one block: branch over the "then" part to a
 *     label placed before the next instruction's tessera_ir_insn_start);
 *   - every path through the block ends with an exit (goto, goto_dyn or
 *     exit_loop), and nothing follows an exit until the next label.
 *
 * Precise state
 *   Memory operations and helper calls remember the instruction they belong
 *   to. When one faults, the core sets the PC to that instruction and counts
 *   only the instructions before it as retired; the arch never saves the PC
 *   before a load, a store or a helper. Guest-register writes are kept in
 *   order with respect to every operation that can observe them: an exit,
 *   an operation that may fault, a helper that reads globals.
 *
 * Memory-mapped devices never write CPU state behind a running block:
 * a device that wants the CPU's attention raises an IRQ line, and the
 * arch's irq_set() keeps what it records out of the fields that blocks use
 * as globals (see arch.h). So loads and stores do not make the optimiser
 * forget what it knows of guest registers.
 */
#ifndef TESSERA_IR_H
#define TESSERA_IR_H

#include <tessera/tessera.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct TesseraIR TesseraIR; /* builder for one block, opaque */
typedef uint32_t TesseraVal;        /* a value handle */
typedef uint32_t TesseraLabel;      /* a forward branch target */

typedef enum TesseraWidth {
    TESSERA_I32 = 0,
    TESSERA_I64 = 1,
} TesseraWidth;

typedef enum TesseraBinop {
    TESSERA_ADD,
    TESSERA_SUB,
    TESSERA_MUL,
    TESSERA_MULH,
    TESSERA_MULHU,
    TESSERA_DIV,
    TESSERA_DIVU,
    TESSERA_REM,
    TESSERA_REMU,
    TESSERA_AND,
    TESSERA_OR,
    TESSERA_XOR,
    TESSERA_SHL,
    TESSERA_SHR, /* logical */
    TESSERA_SAR, /* arithmetic */
    TESSERA_ROTL,
    TESSERA_ROTR,
} TesseraBinop;

typedef enum TesseraUnop {
    TESSERA_NEG,
    TESSERA_NOT,
    TESSERA_EXT8S,
    TESSERA_EXT8U,
    TESSERA_EXT16S,
    TESSERA_EXT16U,
    TESSERA_EXT32S, /* I64 only: sign-extend the low 32 bits */
    TESSERA_EXT32U, /* I64 only: zero-extend the low 32 bits */
    TESSERA_BSWAP16, /* byte-swap the low 16 bits, zero-extended */
    TESSERA_BSWAP32, /* byte-swap the low 32 bits, zero-extended */
    TESSERA_BSWAP64, /* I64 only */
    TESSERA_CLZ,     /* leading zeros within the width; width if 0 */
    TESSERA_CTZ,     /* trailing zeros; the width if 0 */
    TESSERA_CTPOP,   /* bits set */
} TesseraUnop;

/** Additions and subtractions with carry, borrow and overflow. */
typedef enum TesseraCarryOp {
    TESSERA_ADDC,       /* a + b + cin */
    TESSERA_SUBC,       /* a - b - cin */
    TESSERA_ADD_CARRY,  /* carry out of a + b + cin (0 or 1) */
    TESSERA_ADD_OVERFLOW, /* signed overflow of a + b + cin (0 or 1) */
    TESSERA_SUB_BORROW, /* borrow out of a - b - cin: a < b + cin unsigned */
    TESSERA_SUB_OVERFLOW, /* signed overflow of a - b - cin (0 or 1) */
} TesseraCarryOp;

/** Read-modify-write atomics: dst = old memory value, memory = old OP v. */
typedef enum TesseraAtomicOp {
    TESSERA_AMO_XCHG, /* memory = v */
    TESSERA_AMO_ADD,
    TESSERA_AMO_AND,
    TESSERA_AMO_OR,
    TESSERA_AMO_XOR,
    TESSERA_AMO_SMIN, /* signed and unsigned minimum and maximum, compared */
    TESSERA_AMO_SMAX, /* at the access size */
    TESSERA_AMO_UMIN,
    TESSERA_AMO_UMAX,
} TesseraAtomicOp;

/** Memory barrier kinds for tessera_ir_mb(): which earlier accesses are
 *  ordered before which later ones. */
#define TESSERA_MB_LD_LD 1u
#define TESSERA_MB_LD_ST 2u
#define TESSERA_MB_ST_LD 4u
#define TESSERA_MB_ST_ST 8u
#define TESSERA_MB_ALL 15u

typedef enum TesseraCond {
    TESSERA_EQ,
    TESSERA_NE,
    TESSERA_LT, /* signed */
    TESSERA_GE,
    TESSERA_LE,
    TESSERA_GT,
    TESSERA_LTU, /* unsigned */
    TESSERA_GEU,
    TESSERA_LEU,
    TESSERA_GTU,
} TesseraCond;

/** Memory operation: size in bytes plus flags. */
typedef enum TesseraMemOp {
    TESSERA_MO_8 = 1,
    TESSERA_MO_16 = 2,
    TESSERA_MO_32 = 4,
    TESSERA_MO_64 = 8,
    TESSERA_MO_SIZE_MASK = 15,
    TESSERA_MO_SIGN = 16,  /* loads: sign-extend to 64 bits */
    TESSERA_MO_ALIGN = 32, /* fault when not naturally aligned */
    /*
     * Loads and stores (ABI 2.4): the arch has checked that every byte the
     * access touches lies in the board's RAM region that holds the address
     * `offset` (the op's constant) itself, and that this memory is never
     * fetched as code (Harvard data memory, e.g. AVR SRAM). A backend may
     * then reach host memory directly, without the soft TLB; watchpoints
     * and tools still see the access (the core falls back to the TLB path
     * while watchpoints are set). Ignored on other ops.
     */
    TESSERA_MO_RAM = 64,
} TesseraMemOp;

/* ---------------------------------------------------------------------- */
/* Values                                                                  */

#define TESSERA_IR_NONE ((TesseraVal)0) /* "no value", e.g. a void helper */

/** A new temporary. */
TesseraVal tessera_ir_temp(TesseraIR *b);
/** The 8-byte field at offset bytes into the arch CPU state (env). */
TesseraVal tessera_ir_global(TesseraIR *b, size_t offset);
/**
 * The field of size memop (TESSERA_MO_8/16/32/64, optionally with
 * TESSERA_MO_SIGN) at offset bytes into env, naturally aligned. Reads
 * extend it to 64 bits (sign-extend with TESSERA_MO_SIGN); writes store the
 * value's low bytes. Fields may overlap (a 16-bit view of two 8-bit
 * registers): the core keeps their reads and writes consistent.
 */
TesseraVal tessera_ir_global_sized(TesseraIR *b, size_t offset,
                                   unsigned memop);
/** A constant. */
TesseraVal tessera_ir_const(TesseraIR *b, uint64_t value);

/* ---------------------------------------------------------------------- */
/* Instructions                                                            */

/**
 * Starts guest instruction number n of the block at guest virtual address
 * pc, size bytes long, costing cycles (1 for most ISAs; the AVR cycle
 * table). Call before the instruction's operations.
 */
void tessera_ir_insn_start(TesseraIR *b, uint64_t pc, unsigned size,
                           unsigned cycles);
/** Adds cycles on the current path (e.g. a taken branch's extra cycle). */
void tessera_ir_add_cycles(TesseraIR *b, unsigned cycles);

/** dst = src */
void tessera_ir_mov(TesseraIR *b, TesseraWidth w, TesseraVal dst,
                    TesseraVal src);
/** dst = a OP b2 */
void tessera_ir_binop(TesseraIR *b, TesseraBinop op, TesseraWidth w,
                      TesseraVal dst, TesseraVal a, TesseraVal b2);
/** dst = OP a */
void tessera_ir_unop(TesseraIR *b, TesseraUnop op, TesseraWidth w,
                     TesseraVal dst, TesseraVal a);
/** dst = (a COND b2) ? 1 : 0 */
void tessera_ir_setcond(TesseraIR *b, TesseraCond c, TesseraWidth w,
                        TesseraVal dst, TesseraVal a, TesseraVal b2);
/** dst = (a COND b2) ? t : f */
void tessera_ir_select(TesseraIR *b, TesseraCond c, TesseraWidth w,
                       TesseraVal dst, TesseraVal a, TesseraVal b2,
                       TesseraVal t, TesseraVal f);

/**
 * dst = OP(a, b2, cin) computed over the low bits bits of the operands
 * (1..64); cin is 0 or 1 (a constant or a value). TESSERA_ADDC/SUBC give
 * the result zero-extended from bits; the others give 0 or 1.
 */
void tessera_ir_carry(TesseraIR *b, TesseraCarryOp op, unsigned bits,
                      TesseraVal dst, TesseraVal a, TesseraVal b2,
                      TesseraVal cin);

/** (hi:lo) = a * b2, double-width, unsigned or signed. */
void tessera_ir_mulu2(TesseraIR *b, TesseraWidth w, TesseraVal lo,
                      TesseraVal hi, TesseraVal a, TesseraVal b2);
void tessera_ir_muls2(TesseraIR *b, TesseraWidth w, TesseraVal lo,
                      TesseraVal hi, TesseraVal a, TesseraVal b2);

/** dst = bits [pos, pos + len) of a, zero- or sign-extended. */
void tessera_ir_extract(TesseraIR *b, TesseraWidth w, TesseraVal dst,
                        TesseraVal a, unsigned pos, unsigned len);
void tessera_ir_sextract(TesseraIR *b, TesseraWidth w, TesseraVal dst,
                         TesseraVal a, unsigned pos, unsigned len);
/** dst = a with bits [pos, pos + len) replaced by the low len bits of v. */
void tessera_ir_deposit(TesseraIR *b, TesseraWidth w, TesseraVal dst,
                        TesseraVal a, TesseraVal v, unsigned pos,
                        unsigned len);

/**
 * dst = memory[addr + offset] through the MMU context mmu_idx (an index
 * below the arch's nb_mmu_modes). Loads zero-extend unless TESSERA_MO_SIGN.
 * The address is computed at 64 bits; the arch masks it for 32-bit modes.
 */
void tessera_ir_load(TesseraIR *b, TesseraVal dst, TesseraVal addr,
                     int64_t offset, unsigned memop, unsigned mmu_idx);
/** memory[addr + offset] = low bytes of val. */
void tessera_ir_store(TesseraIR *b, TesseraVal val, TesseraVal addr,
                      int64_t offset, unsigned memop, unsigned mmu_idx);

/*
 * Atomics. The access is checked for writing before anything happens (its
 * faults are write faults, even when a compare fails), and no other vCPU
 * or device sees it half done.
 *
 * tessera_ir_atomic_rmw: dst = memory (extended as memop says), then
 * memory = dst OP v. dst may be TESSERA_IR_NONE.
 * tessera_ir_atomic_cmpxchg: dst = memory (extended as memop says); if
 * dst == expected (all 64 bits), memory = low bytes of newv. LR/SC and
 * LDREX/STREX are a load that records (address, value) and a cmpxchg
 * against that value.
 */
void tessera_ir_atomic_rmw(TesseraIR *b, TesseraAtomicOp op, TesseraVal dst,
                           TesseraVal addr, int64_t offset, TesseraVal v,
                           unsigned memop, unsigned mmu_idx);
void tessera_ir_atomic_cmpxchg(TesseraIR *b, TesseraVal dst, TesseraVal addr,
                               int64_t offset, TesseraVal expected,
                               TesseraVal newv, unsigned memop,
                               unsigned mmu_idx);
/** Orders memory accesses (TESSERA_MB_* bits) for other vCPUs. */
void tessera_ir_mb(TesseraIR *b, unsigned kinds);

/* ---------------------------------------------------------------------- */
/* Control flow inside the block                                           */

TesseraLabel tessera_ir_label_new(TesseraIR *b);
/** Places label here. Each label is placed once, after its branches. */
void tessera_ir_label_set(TesseraIR *b, TesseraLabel l);
/** if (a COND b2) goto l */
void tessera_ir_brcond(TesseraIR *b, TesseraCond c, TesseraWidth w,
                       TesseraVal a, TesseraVal b2, TesseraLabel l);

/* ---------------------------------------------------------------------- */
/* Helpers                                                                 */

/**
 * A C helper: receives the arch CPU state (env) and up to four 64-bit
 * arguments, returns a 64-bit value (ignored when dst is TESSERA_IR_NONE).
 * Inside a helper, tessera_cpu_get_pc() is the current instruction and the
 * helper may raise a guest exception (see arch.h).
 *
 * Flags say what a helper does not do, so that the core can keep guest
 * registers in host registers across it. With flags 0 a helper may read
 * and write every field of env and raise; declare less when you can:
 */
typedef uint64_t (*TesseraHelper)(void *env, uint64_t a0, uint64_t a1,
                                  uint64_t a2, uint64_t a3);

/** Reads no env field that the block uses as a global. */
#define TESSERA_HELPER_NO_READ 2u
/** Writes no env field that the block uses as a global. */
#define TESSERA_HELPER_NO_WRITE 4u
/** Never raises, exits the loop, sets the PC, halts or stops the CPU. */
#define TESSERA_HELPER_NO_RAISE 8u
/** All three, and no other side effect: removed when its result is unused. */
#define TESSERA_HELPER_PURE \
    (1u | TESSERA_HELPER_NO_READ | TESSERA_HELPER_NO_WRITE | \
     TESSERA_HELPER_NO_RAISE)

void tessera_ir_call(TesseraIR *b, TesseraHelper fn, unsigned flags,
                     TesseraVal dst, unsigned nargs, const TesseraVal *args);

/* ---------------------------------------------------------------------- */
/* Block exits                                                             */

/** Continue at a guest address known now (the core chains blocks). */
void tessera_ir_goto(TesseraIR *b, uint64_t pc);
/** Continue at a computed guest address (the core looks it up). */
void tessera_ir_goto_dyn(TesseraIR *b, TesseraVal pc);
/**
 * Continue at pc after returning to the main loop, which re-reads the
 * translation flags and checks interrupts. Use after any instruction that
 * changed tessera_cpu_set_tb_flags() state or enabled interrupts.
 */
void tessera_ir_exit_loop(TesseraIR *b, uint64_t pc);

/* ---------------------------------------------------------------------- */
/* Code fetch                                                              */

/**
 * Reads len (1..8) bytes of guest code at virtual address pc into buf
 * (guest byte order). The core translates the address. If it cannot be
 * fetched and pc belongs to the block's first instruction, the core raises
 * the arch's fetch fault and does not return; otherwise it returns false
 * and the frontend must end the block before this instruction with
 * tessera_ir_goto(b, pc_of_this_instruction).
 */
bool tessera_ir_fetch(TesseraIR *b, uint64_t pc, void *buf, unsigned len);

/**
 * True when the block has reached the core's size limit: end it with
 * tessera_ir_goto() to the next instruction.
 */
bool tessera_ir_block_full(TesseraIR *b);

#ifdef __cplusplus
}
#endif

#endif
