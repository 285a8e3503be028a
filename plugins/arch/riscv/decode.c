/* SPDX-License-Identifier: MIT */
/*
 * RISC-V decoder: 32-bit base/M/A/Zicsr/Zifencei/privileged encodings and
 * the C extension (RV32C and RV64C), from the unprivileged ISA manual's
 * opcode maps.
 */
#include "decode.h"

const char *const riscv_op_names[RV_NB_OPS] = {
#define RISCV_OP_NAME(name, mnem, fmt) [RV_##name] = mnem,
    RISCV_OPS(RISCV_OP_NAME)
#undef RISCV_OP_NAME
};

const unsigned char riscv_op_formats[RV_NB_OPS] = {
#define RISCV_OP_FMT(name, mnem, fmt) [RV_##name] = fmt,
    RISCV_OPS(RISCV_OP_FMT)
#undef RISCV_OP_FMT
};

/* Bits hi..lo of x, shifted down. */
static inline uint32_t bits(uint32_t x, unsigned hi, unsigned lo)
{
    return (x >> lo) & ((2u << (hi - lo)) - 1);
}

/* Sign-extends the low n bits of x. */
static inline int64_t sext(uint64_t x, unsigned n)
{
    return (int64_t)(x << (64 - n)) >> (64 - n);
}

static void set(RiscvInsn *in, RiscvOp op, unsigned rd, unsigned rs1,
                unsigned rs2, int64_t imm)
{
    in->op = op;
    in->rd = rd;
    in->rs1 = rs1;
    in->rs2 = rs2;
    in->imm = imm;
}

/* ---------------------------------------------------------------------- */
/* 32-bit encodings                                                        */

static RiscvOp decode_load(unsigned f3, unsigned xlen)
{
    static const RiscvOp ops[8] = {RV_LB,  RV_LH,  RV_LW,  RV_LD,
                                   RV_LBU, RV_LHU, RV_LWU, RV_ILLEGAL};
    if ((f3 == 3 || f3 == 6) && xlen == 32)
        return RV_ILLEGAL;
    return ops[f3];
}

static RiscvOp decode_op(unsigned f7, unsigned f3, unsigned rs2,
                         unsigned xlen)
{
    static const RiscvOp base[8] = {RV_ADD, RV_SLL, RV_SLT, RV_SLTU,
                                    RV_XOR, RV_SRL, RV_OR,  RV_AND};
    static const RiscvOp mext[8] = {RV_MUL, RV_MULH, RV_MULHSU, RV_MULHU,
                                    RV_DIV, RV_DIVU, RV_REM,    RV_REMU};
    /* Zb*: funct7 0x20 also holds andn/orn/xnor; 0x05 min/max/clmul. */
    static const RiscvOp f7_20[8] = {RV_SUB,     RV_ILLEGAL, RV_ILLEGAL,
                                     RV_ILLEGAL, RV_XNOR,    RV_SRA,
                                     RV_ORN,     RV_ANDN};
    static const RiscvOp f7_05[8] = {RV_ILLEGAL, RV_CLMUL, RV_CLMULR,
                                     RV_CLMULH,  RV_MIN,   RV_MINU,
                                     RV_MAX,     RV_MAXU};
    switch (f7) {
    case 0x00:
        return base[f3];
    case 0x20:
        return f7_20[f3];
    case 0x01:
        return mext[f3];
    case 0x05:
        return f7_05[f3];
    case 0x10:
        return f3 == 2 ? RV_SH1ADD : f3 == 4 ? RV_SH2ADD
                                             : f3 == 6 ? RV_SH3ADD
                                                       : RV_ILLEGAL;
    case 0x30:
        return f3 == 1 ? RV_ROL : f3 == 5 ? RV_ROR : RV_ILLEGAL;
    case 0x24:
        return f3 == 1 ? RV_BCLR : f3 == 5 ? RV_BEXT : RV_ILLEGAL;
    case 0x34:
        return f3 == 1 ? RV_BINV : RV_ILLEGAL;
    case 0x14:
        return f3 == 1 ? RV_BSET : RV_ILLEGAL;
    case 0x04: /* zext.h is RV32's pack rd, rs1, x0 */
        return xlen == 32 && f3 == 4 && rs2 == 0 ? RV_ZEXT_H : RV_ILLEGAL;
    }
    return RV_ILLEGAL;
}

static RiscvOp decode_op32(unsigned f7, unsigned f3, unsigned rs2)
{
    switch (f7) {
    case 0x00:
        return f3 == 0 ? RV_ADDW : f3 == 1 ? RV_SLLW : f3 == 5 ? RV_SRLW
                                                               : RV_ILLEGAL;
    case 0x20:
        return f3 == 0 ? RV_SUBW : f3 == 5 ? RV_SRAW : RV_ILLEGAL;
    case 0x04: /* add.uw; zext.h is RV64's packw rd, rs1, x0 */
        return f3 == 0 ? RV_ADD_UW
                       : f3 == 4 && rs2 == 0 ? RV_ZEXT_H : RV_ILLEGAL;
    case 0x10:
        return f3 == 2 ? RV_SH1ADD_UW : f3 == 4 ? RV_SH2ADD_UW
                                                : f3 == 6 ? RV_SH3ADD_UW
                                                          : RV_ILLEGAL;
    case 0x30:
        return f3 == 1 ? RV_ROLW : f3 == 5 ? RV_RORW : RV_ILLEGAL;
    case 0x01:
        switch (f3) {
        case 0: return RV_MULW;
        case 4: return RV_DIVW;
        case 5: return RV_DIVUW;
        case 6: return RV_REMW;
        case 7: return RV_REMUW;
        }
    }
    return RV_ILLEGAL;
}

static RiscvOp decode_amo(unsigned f5, unsigned f3, unsigned rs2,
                          unsigned xlen)
{
    static const struct { unsigned f5; RiscvOp w; } amos[] = {
        {0x02, RV_LR_W},      {0x03, RV_SC_W},      {0x01, RV_AMOSWAP_W},
        {0x00, RV_AMOADD_W},  {0x04, RV_AMOXOR_W},  {0x0c, RV_AMOAND_W},
        {0x08, RV_AMOOR_W},   {0x10, RV_AMOMIN_W},  {0x14, RV_AMOMAX_W},
        {0x18, RV_AMOMINU_W}, {0x1c, RV_AMOMAXU_W},
    };
    /* The .d forms follow the .w forms in the same order. */
    const int d_offset = RV_LR_D - RV_LR_W;

    if (f3 != 2 && !(f3 == 3 && xlen == 64))
        return RV_ILLEGAL;
    for (unsigned i = 0; i < sizeof(amos) / sizeof(amos[0]); i++) {
        if (amos[i].f5 != f5)
            continue;
        if (amos[i].w == RV_LR_W && rs2 != 0)
            return RV_ILLEGAL;
        return f3 == 2 ? amos[i].w : (RiscvOp)(amos[i].w + d_offset);
    }
    return RV_ILLEGAL;
}

static void decode_system(uint32_t raw, RiscvInsn *in)
{
    unsigned f3 = bits(raw, 14, 12);
    unsigned rd = bits(raw, 11, 7), rs1 = bits(raw, 19, 15);
    static const RiscvOp csr_ops[8] = {RV_ILLEGAL, RV_CSRRW,  RV_CSRRS,
                                       RV_CSRRC,   RV_ILLEGAL, RV_CSRRWI,
                                       RV_CSRRSI,  RV_CSRRCI};

    if (f3 != 0) {
        set(in, csr_ops[f3], rd, rs1, 0, bits(raw, 31, 20));
        return;
    }
    if (bits(raw, 31, 25) == 0x09 && rd == 0) {
        set(in, RV_SFENCE_VMA, 0, rs1, bits(raw, 24, 20), 0);
        return;
    }
    switch (raw) {
    case 0x00000073: set(in, RV_ECALL, 0, 0, 0, 0); break;
    case 0x00100073: set(in, RV_EBREAK, 0, 0, 0, 0); break;
    case 0x10200073: set(in, RV_SRET, 0, 0, 0, 0); break;
    case 0x30200073: set(in, RV_MRET, 0, 0, 0, 0); break;
    case 0x10500073: set(in, RV_WFI, 0, 0, 0, 0); break;
    }
}

static void decode32(uint32_t raw, unsigned xlen, RiscvInsn *in)
{
    unsigned rd = bits(raw, 11, 7), rs1 = bits(raw, 19, 15);
    unsigned rs2 = bits(raw, 24, 20), f3 = bits(raw, 14, 12);
    unsigned f7 = bits(raw, 31, 25);
    int64_t imm_i = sext(raw >> 20, 12);
    int64_t imm_s = sext((bits(raw, 31, 25) << 5) | bits(raw, 11, 7), 12);
    int64_t imm_b = sext((bits(raw, 31, 31) << 12) | (bits(raw, 7, 7) << 11) |
                             (bits(raw, 30, 25) << 5) | (bits(raw, 11, 8) << 1),
                         13);
    int64_t imm_u = sext(raw & 0xfffff000u, 32);
    int64_t imm_j = sext((bits(raw, 31, 31) << 20) | (bits(raw, 19, 12) << 12) |
                             (bits(raw, 20, 20) << 11) |
                             (bits(raw, 30, 21) << 1),
                         21);
    unsigned shamt_hi = xlen == 64 ? 26 : 25; /* first bit above shamt */

    switch (bits(raw, 6, 0)) {
    case 0x37:
        set(in, RV_LUI, rd, 0, 0, imm_u);
        break;
    case 0x17:
        set(in, RV_AUIPC, rd, 0, 0, imm_u);
        break;
    case 0x6f:
        set(in, RV_JAL, rd, 0, 0, imm_j);
        break;
    case 0x67:
        if (f3 == 0)
            set(in, RV_JALR, rd, rs1, 0, imm_i);
        break;
    case 0x63: {
        static const RiscvOp ops[8] = {RV_BEQ, RV_BNE, RV_ILLEGAL, RV_ILLEGAL,
                                       RV_BLT, RV_BGE, RV_BLTU,    RV_BGEU};
        set(in, ops[f3], 0, rs1, rs2, imm_b);
        break;
    }
    case 0x03:
        set(in, decode_load(f3, xlen), rd, rs1, 0, imm_i);
        break;
    case 0x23:
        if (f3 < 3 || (f3 == 3 && xlen == 64))
            set(in, (RiscvOp)(RV_SB + f3), 0, rs1, rs2, imm_s);
        break;
    case 0x13: {
        static const RiscvOp ops[8] = {RV_ADDI, RV_SLLI, RV_SLTI, RV_SLTIU,
                                       RV_XORI, RV_SRLI, RV_ORI,  RV_ANDI};
        unsigned shamt = bits(raw, shamt_hi - 1, 20);
        unsigned top = raw >> shamt_hi; /* funct bits above shamt */
        /* Zbb/Zbs: funct6 above a 6-bit shamt (bit 25 is 0 on RV32). */
        unsigned f6 = raw >> 26;
        bool sh_ok = xlen == 64 || !(raw & (1u << 25));
        if (f3 == 1) {
            static const RiscvOp unary[8] = {RV_CLZ,    RV_CTZ,    RV_CPOP,
                                             RV_ILLEGAL, RV_SEXT_B, RV_SEXT_H,
                                             RV_ILLEGAL, RV_ILLEGAL};
            if (top == 0)
                set(in, RV_SLLI, rd, rs1, 0, shamt);
            else if (f7 == 0x30 && rs2 < 8)
                set(in, unary[rs2], rd, rs1, 0, 0);
            else if (sh_ok && (f6 == 0x12 || f6 == 0x0a || f6 == 0x1a))
                set(in, f6 == 0x12 ? RV_BCLRI : f6 == 0x0a ? RV_BSETI
                                                           : RV_BINVI,
                    rd, rs1, 0, shamt);
        } else if (f3 == 5) {
            unsigned imm12 = raw >> 20;
            if (top == 0)
                set(in, RV_SRLI, rd, rs1, 0, shamt);
            else if (top == (0x20u << 25) >> shamt_hi)
                set(in, RV_SRAI, rd, rs1, 0, shamt);
            else if (imm12 == 0x287)
                set(in, RV_ORC_B, rd, rs1, 0, 0);
            else if (imm12 == (xlen == 64 ? 0x6b8u : 0x698u))
                set(in, RV_REV8, rd, rs1, 0, 0);
            else if (sh_ok && f6 == 0x18)
                set(in, RV_RORI, rd, rs1, 0, shamt);
            else if (sh_ok && f6 == 0x12)
                set(in, RV_BEXTI, rd, rs1, 0, shamt);
        } else {
            set(in, ops[f3], rd, rs1, 0, imm_i);
        }
        break;
    }
    case 0x33:
        set(in, decode_op(f7, f3, rs2, xlen), rd, rs1, rs2, 0);
        if (in->op == RV_ZEXT_H)
            in->rs2 = 0;
        break;
    case 0x1b:
        if (xlen != 64)
            break;
        if (f3 == 0)
            set(in, RV_ADDIW, rd, rs1, 0, imm_i);
        else if (f3 == 1 && f7 == 0)
            set(in, RV_SLLIW, rd, rs1, 0, rs2);
        else if (f3 == 1 && (raw >> 26) == 0x02)
            set(in, RV_SLLI_UW, rd, rs1, 0, bits(raw, 25, 20));
        else if (f3 == 1 && f7 == 0x30 && rs2 < 3)
            set(in, (RiscvOp)(RV_CLZW + rs2), rd, rs1, 0, 0);
        else if (f3 == 5 && f7 == 0)
            set(in, RV_SRLIW, rd, rs1, 0, rs2);
        else if (f3 == 5 && f7 == 0x20)
            set(in, RV_SRAIW, rd, rs1, 0, rs2);
        else if (f3 == 5 && f7 == 0x30)
            set(in, RV_RORIW, rd, rs1, 0, rs2);
        break;
    case 0x3b:
        if (xlen == 64)
            set(in, decode_op32(f7, f3, rs2), rd, rs1, rs2, 0);
        break;
    case 0x2f:
        set(in, decode_amo(f7 >> 2, f3, rs2, xlen), rd, rs1, rs2, 0);
        in->aqrl = f7 & 3;
        break;
    case 0x0f:
        /* Reserved FENCE fields are ignored, as the spec recommends. */
        if (f3 == 0)
            set(in, RV_FENCE, 0, 0, 0, raw >> 20);
        else if (f3 == 1)
            set(in, RV_FENCE_I, 0, 0, 0, 0);
        else if (f3 == 2 && rd == 0 && (raw >> 20) < 5 && (raw >> 20) != 3)
            /* cbo.inval (0), cbo.clean (1), cbo.flush (2), cbo.zero (4) */
            set(in, (raw >> 20) == 4 ? RV_CBO_ZERO
                                     : (RiscvOp)(RV_CBO_INVAL + (raw >> 20)),
                0, rs1, 0, 0);
        break;
    case 0x73:
        decode_system(raw, in);
        break;
    case 0x07:
        if (f3 == 2 || f3 == 3)
            set(in, f3 == 2 ? RV_FLW : RV_FLD, rd, rs1, 0, imm_i);
        break;
    case 0x27:
        if (f3 == 2 || f3 == 3)
            set(in, f3 == 2 ? RV_FSW : RV_FSD, 0, rs1, rs2, imm_s);
        break;
    }
}

/* ---------------------------------------------------------------------- */
/* Compressed encodings                                                    */

/* Registers x8..x15 named by 3-bit fields. */
static inline unsigned creg(uint32_t raw, unsigned lo)
{
    return 8 + bits(raw, lo + 2, lo);
}

/* CI-format 6-bit signed immediate: imm[5] = bit 12, imm[4:0] = 6:2. */
static inline int64_t ci_imm(uint32_t raw)
{
    return sext((bits(raw, 12, 12) << 5) | bits(raw, 6, 2), 6);
}

static inline unsigned ci_shamt(uint32_t raw)
{
    return (bits(raw, 12, 12) << 5) | bits(raw, 6, 2);
}

/* CL/CS offsets for word and doubleword accesses. */
static inline unsigned cl_w_off(uint32_t raw)
{
    return (bits(raw, 12, 10) << 3) | (bits(raw, 6, 6) << 2) |
           (bits(raw, 5, 5) << 6);
}

static inline unsigned cl_d_off(uint32_t raw)
{
    return (bits(raw, 12, 10) << 3) | (bits(raw, 6, 5) << 6);
}

static void decode_q0(uint32_t raw, unsigned xlen, RiscvInsn *in)
{
    unsigned rdp = creg(raw, 2), rs1p = creg(raw, 7);

    switch (bits(raw, 15, 13)) {
    case 0: { /* c.addi4spn */
        unsigned nzuimm = (bits(raw, 12, 11) << 4) | (bits(raw, 10, 7) << 6) |
                          (bits(raw, 6, 6) << 2) | (bits(raw, 5, 5) << 3);
        if (nzuimm)
            set(in, RV_ADDI, rdp, 2, 0, nzuimm);
        break;
    }
    case 1: /* c.fld */
        set(in, RV_FLD, rdp, rs1p, 0, cl_d_off(raw));
        break;
    case 2: /* c.lw */
        set(in, RV_LW, rdp, rs1p, 0, cl_w_off(raw));
        break;
    case 3: /* c.flw / c.ld */
        if (xlen == 32)
            set(in, RV_FLW, rdp, rs1p, 0, cl_w_off(raw));
        else
            set(in, RV_LD, rdp, rs1p, 0, cl_d_off(raw));
        break;
    case 5: /* c.fsd */
        set(in, RV_FSD, 0, rs1p, rdp, cl_d_off(raw));
        break;
    case 6: /* c.sw */
        set(in, RV_SW, 0, rs1p, rdp, cl_w_off(raw));
        break;
    case 7: /* c.fsw / c.sd */
        if (xlen == 32)
            set(in, RV_FSW, 0, rs1p, rdp, cl_w_off(raw));
        else
            set(in, RV_SD, 0, rs1p, rdp, cl_d_off(raw));
        break;
    }
}

static int64_t cj_offset(uint32_t raw)
{
    return sext((bits(raw, 12, 12) << 11) | (bits(raw, 11, 11) << 4) |
                    (bits(raw, 10, 9) << 8) | (bits(raw, 8, 8) << 10) |
                    (bits(raw, 7, 7) << 6) | (bits(raw, 6, 6) << 7) |
                    (bits(raw, 5, 3) << 1) | (bits(raw, 2, 2) << 5),
                12);
}

static int64_t cb_offset(uint32_t raw)
{
    return sext((bits(raw, 12, 12) << 8) | (bits(raw, 11, 10) << 3) |
                    (bits(raw, 6, 5) << 6) | (bits(raw, 4, 3) << 1) |
                    (bits(raw, 2, 2) << 5),
                9);
}

static void decode_q1_alu(uint32_t raw, unsigned xlen, RiscvInsn *in)
{
    unsigned rd = creg(raw, 7), rs2 = creg(raw, 2);
    unsigned shamt = ci_shamt(raw);

    switch (bits(raw, 11, 10)) {
    case 0:
    case 1:
        if (xlen == 32 && shamt >= 32)
            break;
        set(in, bits(raw, 11, 10) ? RV_SRAI : RV_SRLI, rd, rd, 0, shamt);
        break;
    case 2:
        set(in, RV_ANDI, rd, rd, 0, ci_imm(raw));
        break;
    case 3: {
        static const RiscvOp ops[2][4] = {
            {RV_SUB, RV_XOR, RV_OR, RV_AND},
            {RV_SUBW, RV_ADDW, RV_ILLEGAL, RV_ILLEGAL},
        };
        unsigned w = bits(raw, 12, 12);
        if (w && xlen == 32)
            break;
        set(in, ops[w][bits(raw, 6, 5)], rd, rd, rs2, 0);
        break;
    }
    }
}

static void decode_q1(uint32_t raw, unsigned xlen, RiscvInsn *in)
{
    unsigned rd = bits(raw, 11, 7);

    switch (bits(raw, 15, 13)) {
    case 0: /* c.addi, c.nop (and hints) */
        set(in, RV_ADDI, rd, rd, 0, ci_imm(raw));
        break;
    case 1:
        if (xlen == 32) /* c.jal */
            set(in, RV_JAL, 1, 0, 0, cj_offset(raw));
        else if (rd != 0) /* c.addiw */
            set(in, RV_ADDIW, rd, rd, 0, ci_imm(raw));
        break;
    case 2: /* c.li */
        set(in, RV_ADDI, rd, 0, 0, ci_imm(raw));
        break;
    case 3:
        if (rd == 2) { /* c.addi16sp */
            int64_t imm = sext((bits(raw, 12, 12) << 9) |
                                   (bits(raw, 6, 6) << 4) |
                                   (bits(raw, 5, 5) << 6) |
                                   (bits(raw, 4, 3) << 7) |
                                   (bits(raw, 2, 2) << 5),
                               10);
            if (imm)
                set(in, RV_ADDI, 2, 2, 0, imm);
        } else if (ci_imm(raw) != 0) { /* c.lui */
            set(in, RV_LUI, rd, 0, 0, ci_imm(raw) * 4096);
        }
        break;
    case 4:
        decode_q1_alu(raw, xlen, in);
        break;
    case 5: /* c.j */
        set(in, RV_JAL, 0, 0, 0, cj_offset(raw));
        break;
    case 6: /* c.beqz */
        set(in, RV_BEQ, 0, creg(raw, 7), 0, cb_offset(raw));
        break;
    case 7: /* c.bnez */
        set(in, RV_BNE, 0, creg(raw, 7), 0, cb_offset(raw));
        break;
    }
}

static void decode_q2(uint32_t raw, unsigned xlen, RiscvInsn *in)
{
    unsigned rd = bits(raw, 11, 7), rs2 = bits(raw, 6, 2);
    unsigned lwsp = (bits(raw, 12, 12) << 5) | (bits(raw, 6, 4) << 2) |
                    (bits(raw, 3, 2) << 6);
    unsigned ldsp = (bits(raw, 12, 12) << 5) | (bits(raw, 6, 5) << 3) |
                    (bits(raw, 4, 2) << 6);
    unsigned swsp = (bits(raw, 12, 9) << 2) | (bits(raw, 8, 7) << 6);
    unsigned sdsp = (bits(raw, 12, 10) << 3) | (bits(raw, 9, 7) << 6);

    switch (bits(raw, 15, 13)) {
    case 0: /* c.slli */
        if (xlen == 32 && ci_shamt(raw) >= 32)
            break;
        set(in, RV_SLLI, rd, rd, 0, ci_shamt(raw));
        break;
    case 1: /* c.fldsp */
        set(in, RV_FLD, rd, 2, 0, ldsp);
        break;
    case 2: /* c.lwsp */
        if (rd)
            set(in, RV_LW, rd, 2, 0, lwsp);
        break;
    case 3: /* c.flwsp / c.ldsp */
        if (xlen == 32)
            set(in, RV_FLW, rd, 2, 0, lwsp);
        else if (rd)
            set(in, RV_LD, rd, 2, 0, ldsp);
        break;
    case 4:
        if (!bits(raw, 12, 12)) {
            if (rs2 == 0) { /* c.jr */
                if (rd)
                    set(in, RV_JALR, 0, rd, 0, 0);
            } else { /* c.mv */
                set(in, RV_ADD, rd, 0, rs2, 0);
            }
        } else {
            if (rs2 == 0 && rd == 0) /* c.ebreak */
                set(in, RV_EBREAK, 0, 0, 0, 0);
            else if (rs2 == 0) /* c.jalr */
                set(in, RV_JALR, 1, rd, 0, 0);
            else /* c.add */
                set(in, RV_ADD, rd, rd, rs2, 0);
        }
        break;
    case 5: /* c.fsdsp */
        set(in, RV_FSD, 0, 2, rs2, sdsp);
        break;
    case 6: /* c.swsp */
        set(in, RV_SW, 0, 2, rs2, swsp);
        break;
    case 7: /* c.fswsp / c.sdsp */
        if (xlen == 32)
            set(in, RV_FSW, 0, 2, rs2, swsp);
        else
            set(in, RV_SD, 0, 2, rs2, sdsp);
        break;
    }
}

void riscv_decode(uint32_t raw, unsigned xlen, RiscvInsn *in)
{
    in->op = RV_ILLEGAL;
    in->rd = in->rs1 = in->rs2 = 0;
    in->aqrl = 0;
    in->imm = 0;
    if ((raw & 3) == 3) {
        in->len = 4;
        in->raw = raw;
        decode32(raw, xlen, in);
        return;
    }
    in->len = 2;
    in->raw = raw & 0xffff;
    switch (raw & 3) {
    case 0:
        decode_q0(in->raw, xlen, in);
        break;
    case 1:
        decode_q1(in->raw, xlen, in);
        break;
    case 2:
        decode_q2(in->raw, xlen, in);
        break;
    }
}
