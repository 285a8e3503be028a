/* SPDX-License-Identifier: MIT */
/*
 * RISC-V instruction decoder shared by the translator and the
 * disassembler. Compressed instructions decode to the operation of their
 * 32-bit expansion (len 2), so only one emitter exists per operation.
 */
#ifndef RISCV_DECODE_H
#define RISCV_DECODE_H

#include <stdbool.h>
#include <stdint.h>

/* Operand layouts, used by the disassembler. */
enum {
    FMT_NONE,    /* ecall */
    FMT_R,       /* rd,rs1,rs2 */
    FMT_I,       /* rd,rs1,imm */
    FMT_SHIFT,   /* rd,rs1,0xshamt */
    FMT_U,       /* rd,0ximm20 */
    FMT_LOAD,    /* rd,imm(rs1) */
    FMT_STORE,   /* rs2,imm(rs1) */
    FMT_FLOAD,   /* frd,imm(rs1) */
    FMT_FSTORE,  /* frs2,imm(rs1) */
    FMT_BRANCH,  /* rs1,rs2,target */
    FMT_JAL,     /* rd,target */
    FMT_JALR,    /* rd,imm(rs1) */
    FMT_CSR,     /* rd,csr,rs1 */
    FMT_CSRI,    /* rd,csr,uimm */
    FMT_LR,      /* rd,(rs1) */
    FMT_AMO,     /* rd,rs2,(rs1) */
    FMT_FENCE,   /* pred,succ */
    FMT_R1,      /* rd,rs1 */
    FMT_CBO,     /* (rs1) */
};

/* X(name, mnemonic, format) */
#define RISCV_OPS(X)                                                       \
    X(ILLEGAL, "illegal", FMT_NONE)                                        \
    X(LUI, "lui", FMT_U)                                                   \
    X(AUIPC, "auipc", FMT_U)                                               \
    X(JAL, "jal", FMT_JAL)                                                 \
    X(JALR, "jalr", FMT_JALR)                                              \
    X(BEQ, "beq", FMT_BRANCH)                                              \
    X(BNE, "bne", FMT_BRANCH)                                              \
    X(BLT, "blt", FMT_BRANCH)                                              \
    X(BGE, "bge", FMT_BRANCH)                                              \
    X(BLTU, "bltu", FMT_BRANCH)                                            \
    X(BGEU, "bgeu", FMT_BRANCH)                                            \
    X(LB, "lb", FMT_LOAD)                                                  \
    X(LH, "lh", FMT_LOAD)                                                  \
    X(LW, "lw", FMT_LOAD)                                                  \
    X(LD, "ld", FMT_LOAD)                                                  \
    X(LBU, "lbu", FMT_LOAD)                                                \
    X(LHU, "lhu", FMT_LOAD)                                                \
    X(LWU, "lwu", FMT_LOAD)                                                \
    X(SB, "sb", FMT_STORE)                                                 \
    X(SH, "sh", FMT_STORE)                                                 \
    X(SW, "sw", FMT_STORE)                                                 \
    X(SD, "sd", FMT_STORE)                                                 \
    X(ADDI, "addi", FMT_I)                                                 \
    X(SLTI, "slti", FMT_I)                                                 \
    X(SLTIU, "sltiu", FMT_I)                                               \
    X(XORI, "xori", FMT_I)                                                 \
    X(ORI, "ori", FMT_I)                                                   \
    X(ANDI, "andi", FMT_I)                                                 \
    X(SLLI, "slli", FMT_SHIFT)                                             \
    X(SRLI, "srli", FMT_SHIFT)                                             \
    X(SRAI, "srai", FMT_SHIFT)                                             \
    X(ADD, "add", FMT_R)                                                   \
    X(SUB, "sub", FMT_R)                                                   \
    X(SLL, "sll", FMT_R)                                                   \
    X(SLT, "slt", FMT_R)                                                   \
    X(SLTU, "sltu", FMT_R)                                                 \
    X(XOR, "xor", FMT_R)                                                   \
    X(SRL, "srl", FMT_R)                                                   \
    X(SRA, "sra", FMT_R)                                                   \
    X(OR, "or", FMT_R)                                                     \
    X(AND, "and", FMT_R)                                                   \
    X(ADDIW, "addiw", FMT_I)                                               \
    X(SLLIW, "slliw", FMT_SHIFT)                                           \
    X(SRLIW, "srliw", FMT_SHIFT)                                           \
    X(SRAIW, "sraiw", FMT_SHIFT)                                           \
    X(ADDW, "addw", FMT_R)                                                 \
    X(SUBW, "subw", FMT_R)                                                 \
    X(SLLW, "sllw", FMT_R)                                                 \
    X(SRLW, "srlw", FMT_R)                                                 \
    X(SRAW, "sraw", FMT_R)                                                 \
    X(MUL, "mul", FMT_R)                                                   \
    X(MULH, "mulh", FMT_R)                                                 \
    X(MULHSU, "mulhsu", FMT_R)                                             \
    X(MULHU, "mulhu", FMT_R)                                               \
    X(DIV, "div", FMT_R)                                                   \
    X(DIVU, "divu", FMT_R)                                                 \
    X(REM, "rem", FMT_R)                                                   \
    X(REMU, "remu", FMT_R)                                                 \
    X(MULW, "mulw", FMT_R)                                                 \
    X(DIVW, "divw", FMT_R)                                                 \
    X(DIVUW, "divuw", FMT_R)                                               \
    X(REMW, "remw", FMT_R)                                                 \
    X(REMUW, "remuw", FMT_R)                                               \
    X(LR_W, "lr.w", FMT_LR)                                                \
    X(SC_W, "sc.w", FMT_AMO)                                               \
    X(AMOSWAP_W, "amoswap.w", FMT_AMO)                                     \
    X(AMOADD_W, "amoadd.w", FMT_AMO)                                       \
    X(AMOXOR_W, "amoxor.w", FMT_AMO)                                       \
    X(AMOAND_W, "amoand.w", FMT_AMO)                                       \
    X(AMOOR_W, "amoor.w", FMT_AMO)                                         \
    X(AMOMIN_W, "amomin.w", FMT_AMO)                                       \
    X(AMOMAX_W, "amomax.w", FMT_AMO)                                       \
    X(AMOMINU_W, "amominu.w", FMT_AMO)                                     \
    X(AMOMAXU_W, "amomaxu.w", FMT_AMO)                                     \
    X(LR_D, "lr.d", FMT_LR)                                                \
    X(SC_D, "sc.d", FMT_AMO)                                               \
    X(AMOSWAP_D, "amoswap.d", FMT_AMO)                                     \
    X(AMOADD_D, "amoadd.d", FMT_AMO)                                       \
    X(AMOXOR_D, "amoxor.d", FMT_AMO)                                       \
    X(AMOAND_D, "amoand.d", FMT_AMO)                                       \
    X(AMOOR_D, "amoor.d", FMT_AMO)                                         \
    X(AMOMIN_D, "amomin.d", FMT_AMO)                                       \
    X(AMOMAX_D, "amomax.d", FMT_AMO)                                       \
    X(AMOMINU_D, "amominu.d", FMT_AMO)                                     \
    X(AMOMAXU_D, "amomaxu.d", FMT_AMO)                                     \
    X(FENCE, "fence", FMT_FENCE)                                           \
    X(FENCE_I, "fence.i", FMT_NONE)                                        \
    X(ECALL, "ecall", FMT_NONE)                                            \
    X(EBREAK, "ebreak", FMT_NONE)                                          \
    X(SRET, "sret", FMT_NONE)                                              \
    X(MRET, "mret", FMT_NONE)                                              \
    X(WFI, "wfi", FMT_NONE)                                                \
    X(SFENCE_VMA, "sfence.vma", FMT_R)                                     \
    X(CSRRW, "csrrw", FMT_CSR)                                             \
    X(CSRRS, "csrrs", FMT_CSR)                                             \
    X(CSRRC, "csrrc", FMT_CSR)                                             \
    X(CSRRWI, "csrrwi", FMT_CSRI)                                          \
    X(CSRRSI, "csrrsi", FMT_CSRI)                                          \
    X(CSRRCI, "csrrci", FMT_CSRI)                                          \
    X(FLW, "flw", FMT_FLOAD)                                               \
    X(FLD, "fld", FMT_FLOAD)                                               \
    X(FSW, "fsw", FMT_FSTORE)                                              \
    X(FSD, "fsd", FMT_FSTORE)                                              \
    /* Zba */                                                              \
    X(SH1ADD, "sh1add", FMT_R)                                             \
    X(SH2ADD, "sh2add", FMT_R)                                             \
    X(SH3ADD, "sh3add", FMT_R)                                             \
    X(ADD_UW, "add.uw", FMT_R)                                             \
    X(SH1ADD_UW, "sh1add.uw", FMT_R)                                       \
    X(SH2ADD_UW, "sh2add.uw", FMT_R)                                       \
    X(SH3ADD_UW, "sh3add.uw", FMT_R)                                       \
    X(SLLI_UW, "slli.uw", FMT_SHIFT)                                       \
    /* Zbb */                                                              \
    X(ANDN, "andn", FMT_R)                                                 \
    X(ORN, "orn", FMT_R)                                                   \
    X(XNOR, "xnor", FMT_R)                                                 \
    X(CLZ, "clz", FMT_R1)                                                  \
    X(CTZ, "ctz", FMT_R1)                                                  \
    X(CPOP, "cpop", FMT_R1)                                                \
    X(CLZW, "clzw", FMT_R1)                                                \
    X(CTZW, "ctzw", FMT_R1)                                                \
    X(CPOPW, "cpopw", FMT_R1)                                              \
    X(MAX, "max", FMT_R)                                                   \
    X(MAXU, "maxu", FMT_R)                                                 \
    X(MIN, "min", FMT_R)                                                   \
    X(MINU, "minu", FMT_R)                                                 \
    X(SEXT_B, "sext.b", FMT_R1)                                            \
    X(SEXT_H, "sext.h", FMT_R1)                                            \
    X(ZEXT_H, "zext.h", FMT_R1)                                            \
    X(ROL, "rol", FMT_R)                                                   \
    X(ROR, "ror", FMT_R)                                                   \
    X(RORI, "rori", FMT_SHIFT)                                             \
    X(ROLW, "rolw", FMT_R)                                                 \
    X(RORW, "rorw", FMT_R)                                                 \
    X(RORIW, "roriw", FMT_SHIFT)                                           \
    X(ORC_B, "orc.b", FMT_R1)                                              \
    X(REV8, "rev8", FMT_R1)                                                \
    /* Zbc */                                                              \
    X(CLMUL, "clmul", FMT_R)                                               \
    X(CLMULH, "clmulh", FMT_R)                                             \
    X(CLMULR, "clmulr", FMT_R)                                             \
    /* Zbs */                                                              \
    X(BCLR, "bclr", FMT_R)                                                 \
    X(BCLRI, "bclri", FMT_SHIFT)                                           \
    X(BEXT, "bext", FMT_R)                                                 \
    X(BEXTI, "bexti", FMT_SHIFT)                                           \
    X(BINV, "binv", FMT_R)                                                 \
    X(BINVI, "binvi", FMT_SHIFT)                                           \
    X(BSET, "bset", FMT_R)                                                 \
    X(BSETI, "bseti", FMT_SHIFT)                                           \
    /* Zicbom, Zicboz */                                                   \
    X(CBO_INVAL, "cbo.inval", FMT_CBO)                                     \
    X(CBO_CLEAN, "cbo.clean", FMT_CBO)                                     \
    X(CBO_FLUSH, "cbo.flush", FMT_CBO)                                     \
    X(CBO_ZERO, "cbo.zero", FMT_CBO)

typedef enum RiscvOp {
#define RISCV_OP_ENUM(name, mnem, fmt) RV_##name,
    RISCV_OPS(RISCV_OP_ENUM)
#undef RISCV_OP_ENUM
    RV_NB_OPS
} RiscvOp;

typedef struct RiscvInsn {
    RiscvOp op;
    unsigned len;       /* 2 or 4 bytes */
    unsigned rd, rs1, rs2;
    unsigned aqrl;      /* AMO bits 26:25 (aq = 2, rl = 1) */
    int64_t imm;        /* sign-extended immediate, shift amount, CSR number
                           or FENCE bits 31:20 */
    uint32_t raw;       /* the instruction bits (16-bit ones zero-extended) */
} RiscvInsn;

/* Length of the instruction whose low 16 bits are given: 2 or 4. */
static inline unsigned riscv_insn_len(uint16_t lo)
{
    return (lo & 3) == 3 ? 4 : 2;
}

/*
 * Decodes one instruction for XLEN xlen (32 or 64). Unknown and reserved
 * encodings give RV_ILLEGAL; the caller checks extensions (e.g. F/D for
 * the FP loads and stores) against the model.
 */
void riscv_decode(uint32_t raw, unsigned xlen, RiscvInsn *in);

extern const char *const riscv_op_names[RV_NB_OPS];
extern const unsigned char riscv_op_formats[RV_NB_OPS];

#endif
