/* SPDX-License-Identifier: MIT */
/*
 * tessera/ir.h - the intermediate representation that arch frontends emit.
 *
 * An arch plugin's translate() callback receives a builder for one block
 * and emits, for each guest instruction, tessera_ir_insn_start() followed by
 * operations. The core optimises the block (constant and copy propagation,
 * dead code) and runs it on a backend (an interpreter today).
 *
 * Values
 *   Every value is a 64-bit slot, named by a TesseraVal handle:
 *   - temporaries (tessera_ir_temp): live within one block only;
 *   - globals (tessera_ir_global): an 8-byte field of the arch's CPU state
 *     at a byte offset (guest registers). Using them directly as operands
 *     keeps one guest ALU instruction one IR operation;
 *   - constants (tessera_ir_const).
 *   Operations of width TESSERA_I32 read the low 32 bits of their operands
 *   and write a zero-extended 32-bit result; TESSERA_I64 uses all 64 bits.
 *
 * Semantics worth knowing
 *   - shift counts are taken modulo the width (32 or 64);
 *   - DIV/DIVU/REM/REMU never trap: x/0 gives all ones (DIVU and DIV),
 *     x%0 gives x, and MIN/-1 gives MIN with remainder 0;
 *   - MULH/MULHU/MULHSU give the high half of the double-width product
 *     (signed*signed, unsigned*unsigned, signed*unsigned);
 *   - branches go forward only, to a label later in the same block;
 *   - every path through the block ends with an exit (goto, goto_dyn or
 *     exit_loop), and nothing follows an exit until the next label.
 *
 * Precise state
 *   Memory operations and helper calls remember the instruction they belong
 *   to. When one faults, the core sets the PC to that instruction and counts
 *   only the instructions before it as retired; the arch never saves the PC
 *   before a load, a store or a helper.
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
    TESSERA_MULHSU,
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
} TesseraUnop;

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
} TesseraMemOp;

/* ---------------------------------------------------------------------- */
/* Values                                                                  */

#define TESSERA_IR_NONE ((TesseraVal)0) /* "no value", e.g. a void helper */

/** A new temporary. */
TesseraVal tessera_ir_temp(TesseraIR *b);
/** The 8-byte field at offset bytes into the arch CPU state (env). */
TesseraVal tessera_ir_global(TesseraIR *b, size_t offset);
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
 * dst = memory[addr + offset] through the MMU context mmu_idx (an index
 * below the arch's nb_mmu_modes). Loads zero-extend unless TESSERA_MO_SIGN.
 * The address is computed at 64 bits; the arch masks it for 32-bit modes.
 */
void tessera_ir_load(TesseraIR *b, TesseraVal dst, TesseraVal addr,
                     int64_t offset, unsigned memop, unsigned mmu_idx);
/** memory[addr + offset] = low bytes of val. */
void tessera_ir_store(TesseraIR *b, TesseraVal val, TesseraVal addr,
                      int64_t offset, unsigned memop, unsigned mmu_idx);

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
 */
typedef uint64_t (*TesseraHelper)(void *env, uint64_t a0, uint64_t a1,
                                  uint64_t a2, uint64_t a3);

#define TESSERA_HELPER_PURE 1u /* no side effects: removable if unused */

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
