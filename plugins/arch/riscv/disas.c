/* SPDX-License-Identifier: MIT */
/*
 * RISC-V disassembler for -d in_asm (Debian's capstone 4 has no RISC-V).
 * Output follows GNU objdump's default style: ABI register names, the
 * usual pseudo-instructions (li, mv, ret, beqz, csrr, ...), compressed
 * instructions shown as their expansion, branch targets as absolute hex.
 * One deliberate difference: immediate forms keep their "i" (addi, slli),
 * which newer objdump releases drop.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "decode.h"
#include "riscv.h"

const char *const riscv_gpr_names[32] = {
    "zero", "ra", "sp", "gp", "tp",  "t0",  "t1", "t2", "s0", "s1", "a0",
    "a1",   "a2", "a3", "a4", "a5",  "a6",  "a7", "s2", "s3", "s4", "s5",
    "s6",   "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
};

static const char *const fpr_names[32] = {
    "ft0", "ft1", "ft2",  "ft3",  "ft4", "ft5", "ft6",  "ft7",
    "fs0", "fs1", "fa0",  "fa1",  "fa2", "fa3", "fa4",  "fa5",
    "fa6", "fa7", "fs2",  "fs3",  "fs4", "fs5", "fs6",  "fs7",
    "fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10", "ft11",
};

static const struct {
    unsigned num;
    const char *name;
} csr_names[] = {
    {CSR_FFLAGS, "fflags"},       {CSR_FRM, "frm"},
    {CSR_FCSR, "fcsr"},           {CSR_CYCLE, "cycle"},
    {CSR_TIME, "time"},           {CSR_INSTRET, "instret"},
    {CSR_CYCLEH, "cycleh"},       {CSR_TIMEH, "timeh"},
    {CSR_INSTRETH, "instreth"},   {CSR_SSTATUS, "sstatus"},
    {CSR_SIE, "sie"},             {CSR_STVEC, "stvec"},
    {CSR_SCOUNTEREN, "scounteren"}, {CSR_SENVCFG, "senvcfg"},
    {CSR_SSCRATCH, "sscratch"},   {CSR_SEPC, "sepc"},
    {CSR_SCAUSE, "scause"},       {CSR_STVAL, "stval"},
    {CSR_SIP, "sip"},             {CSR_SATP, "satp"},
    {CSR_MVENDORID, "mvendorid"}, {CSR_MARCHID, "marchid"},
    {CSR_MIMPID, "mimpid"},       {CSR_MHARTID, "mhartid"},
    {CSR_MCONFIGPTR, "mconfigptr"}, {CSR_MSTATUS, "mstatus"},
    {CSR_MISA, "misa"},           {CSR_MEDELEG, "medeleg"},
    {CSR_MIDELEG, "mideleg"},     {CSR_MIE, "mie"},
    {CSR_MTVEC, "mtvec"},         {CSR_MCOUNTEREN, "mcounteren"},
    {CSR_MENVCFG, "menvcfg"},     {CSR_MSTATUSH, "mstatush"},
    {CSR_MENVCFGH, "menvcfgh"},   {CSR_MCOUNTINHIBIT, "mcountinhibit"},
    {CSR_MSCRATCH, "mscratch"},   {CSR_MEPC, "mepc"},
    {CSR_MCAUSE, "mcause"},       {CSR_MTVAL, "mtval"},
    {CSR_MIP, "mip"},             {0x34a, "mtinst"},
    {0x34b, "mtval2"},            {CSR_MCYCLE, "mcycle"},
    {CSR_MINSTRET, "minstret"},   {CSR_MCYCLEH, "mcycleh"},
    {CSR_MINSTRETH, "minstreth"}, {CSR_TSELECT, "tselect"},
    {0x7a1, "tdata1"},            {0x7a2, "tdata2"},
    {0x7a3, "tdata3"},            {CSR_DCSR, "dcsr"},
    {CSR_DPC, "dpc"},             {0x7b2, "dscratch0"},
    {0x7b3, "dscratch1"},
};

/* Numbered CSR families: name prefix, first number, first index, count. */
static const struct {
    const char *prefix;
    const char *suffix;
    unsigned first, base, count;
} csr_ranges[] = {
    {"hpmcounter", "", CSR_HPMCOUNTER3, 3, 29},
    {"hpmcounter", "h", CSR_HPMCOUNTER3H, 3, 29},
    {"mhpmcounter", "", CSR_MHPMCOUNTER3, 3, 29},
    {"mhpmcounter", "h", CSR_MHPMCOUNTER3H, 3, 29},
    {"mhpmevent", "", CSR_MHPMEVENT3, 3, 29},
    {"pmpcfg", "", CSR_PMPCFG0, 0, 16},
    {"pmpaddr", "", CSR_PMPADDR0, 0, 64},
};

static void csr_str(unsigned csr, char *buf, size_t len)
{
    for (size_t i = 0; i < sizeof(csr_names) / sizeof(csr_names[0]); i++) {
        if (csr_names[i].num == csr) {
            snprintf(buf, len, "%s", csr_names[i].name);
            return;
        }
    }
    for (size_t i = 0; i < sizeof(csr_ranges) / sizeof(csr_ranges[0]); i++) {
        if (csr >= csr_ranges[i].first &&
            csr < csr_ranges[i].first + csr_ranges[i].count) {
            snprintf(buf, len, "%s%u%s", csr_ranges[i].prefix,
                     csr - csr_ranges[i].first + csr_ranges[i].base,
                     csr_ranges[i].suffix);
            return;
        }
    }
    snprintf(buf, len, "0x%x", csr);
}

/* ---------------------------------------------------------------------- */
/* Output                                                                  */

typedef struct Out {
    char *buf;
    size_t len, pos;
} Out;

TESSERA_PRINTF(2, 3) static void put(Out *o, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (o->pos >= o->len)
        return;
    va_start(ap, fmt);
    n = vsnprintf(o->buf + o->pos, o->len - o->pos, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->pos += (size_t)n;
}

#define X(r) riscv_gpr_names[r]

static void put_fence_set(Out *o, unsigned set)
{
    if (set == 0)
        put(o, "0");
    if (set & 8)
        put(o, "i");
    if (set & 4)
        put(o, "o");
    if (set & 2)
        put(o, "r");
    if (set & 1)
        put(o, "w");
}

static const char *aqrl_suffix(unsigned aqrl)
{
    static const char *const s[4] = {"", ".rl", ".aq", ".aqrl"};
    return s[aqrl & 3];
}

/* The pseudo-instruction objdump would print, if any. */
static bool put_alias(Out *o, const RiscvInsn *in, uint64_t target)
{
    unsigned rd = in->rd, rs1 = in->rs1, rs2 = in->rs2;
    int64_t imm = in->imm;
    char csr[24];

    switch (in->op) {
    case RV_ADDI:
        if (rd == 0 && rs1 == 0 && imm == 0)
            put(o, "nop");
        else if (rs1 == 0)
            put(o, "li %s,%" PRId64, X(rd), imm);
        else if (imm == 0)
            put(o, "mv %s,%s", X(rd), X(rs1));
        else
            return false;
        return true;
    case RV_ADDIW:
        if (imm != 0)
            return false;
        put(o, "sext.w %s,%s", X(rd), X(rs1));
        return true;
    case RV_XORI:
        if (imm != -1)
            return false;
        put(o, "not %s,%s", X(rd), X(rs1));
        return true;
    case RV_SLTIU:
        if (imm != 1)
            return false;
        put(o, "seqz %s,%s", X(rd), X(rs1));
        return true;
    case RV_ADD:
        /* c.mv expands to add rd,x0,rs2 */
        if (rs1 != 0)
            return false;
        put(o, "mv %s,%s", X(rd), X(rs2));
        return true;
    case RV_SUB:
    case RV_SUBW:
        if (rs1 != 0)
            return false;
        put(o, "%s %s,%s", in->op == RV_SUB ? "neg" : "negw", X(rd), X(rs2));
        return true;
    case RV_SLTU:
        if (rs1 != 0)
            return false;
        put(o, "snez %s,%s", X(rd), X(rs2));
        return true;
    case RV_SLT:
        if (rs2 == 0)
            put(o, "sltz %s,%s", X(rd), X(rs1));
        else if (rs1 == 0)
            put(o, "sgtz %s,%s", X(rd), X(rs2));
        else
            return false;
        return true;
    case RV_BEQ:
    case RV_BNE:
    case RV_BLT:
    case RV_BGE: {
        /* beqz/bnez/bltz/bgez compare rs1 with zero; blez/bgtz swap. */
        static const char *const zero_rs2[4] = {"beqz", "bnez", "bltz",
                                                "bgez"};
        static const char *const zero_rs1[4] = {NULL, NULL, "bgtz", "blez"};
        unsigned k = in->op == RV_BEQ ? 0 : in->op == RV_BNE ? 1
                     : in->op == RV_BLT ? 2 : 3;
        if (rs2 == 0)
            put(o, "%s %s,%" PRIx64, zero_rs2[k], X(rs1), target);
        else if (rs1 == 0 && zero_rs1[k])
            put(o, "%s %s,%" PRIx64, zero_rs1[k], X(rs2), target);
        else
            return false;
        return true;
    }
    case RV_JAL:
        if (rd == 0)
            put(o, "j %" PRIx64, target);
        else if (rd == 1)
            put(o, "jal %" PRIx64, target);
        else
            return false;
        return true;
    case RV_JALR:
        if (rd == 0 && rs1 == 1 && imm == 0)
            put(o, "ret");
        else if ((rd == 0 || rd == 1) && imm == 0)
            put(o, "%s %s", rd ? "jalr" : "jr", X(rs1));
        else if (rd == 0 || rd == 1)
            put(o, "%s %" PRId64 "(%s)", rd ? "jalr" : "jr", imm, X(rs1));
        else if (imm == 0)
            put(o, "jalr %s,%s", X(rd), X(rs1));
        else
            put(o, "jalr %s,%" PRId64 "(%s)", X(rd), imm, X(rs1));
        return true;
    case RV_CSRRS:
        if (rs1 != 0)
            break;
        if (imm == CSR_CYCLE || imm == CSR_TIME || imm == CSR_INSTRET ||
            imm == CSR_CYCLEH || imm == CSR_TIMEH || imm == CSR_INSTRETH) {
            csr_str((unsigned)imm, csr, sizeof(csr));
            put(o, "rd%s %s", csr, X(rd));
        } else {
            csr_str((unsigned)imm, csr, sizeof(csr));
            put(o, "csrr %s,%s", X(rd), csr);
        }
        return true;
    case RV_FENCE: {
        unsigned fm = (unsigned)imm >> 8, pred = (imm >> 4) & 15,
                 succ = imm & 15;
        if (fm == 8 && pred == 3 && succ == 3)
            put(o, "fence.tso");
        else if (fm == 0 && pred == 1 && succ == 0)
            put(o, "pause");
        else if (fm == 0 && pred == 15 && succ == 15)
            put(o, "fence");
        else
            return false;
        return true;
    }
    default:
        break;
    }

    /* csrw/csrs/csrc and their immediate forms when rd is x0. */
    if (rd == 0 && in->op >= RV_CSRRW && in->op <= RV_CSRRCI) {
        static const char *const names[6] = {"csrw",  "csrs",  "csrc",
                                             "csrwi", "csrsi", "csrci"};
        csr_str((unsigned)imm, csr, sizeof(csr));
        if (in->op >= RV_CSRRWI)
            put(o, "%s %s,%u", names[in->op - RV_CSRRW], csr, rs1);
        else
            put(o, "%s %s,%s", names[in->op - RV_CSRRW], csr, X(rs1));
        return true;
    }
    return false;
}

static void put_insn(Out *o, const RiscvInsn *in, uint64_t pc,
                     unsigned xlen)
{
    const char *m = riscv_op_names[in->op];
    uint64_t mask = xlen == 64 ? UINT64_MAX : UINT32_MAX;
    uint64_t target = (pc + in->imm) & mask;
    char csr[24];

    if (put_alias(o, in, target))
        return;

    switch (riscv_op_formats[in->op]) {
    case FMT_NONE:
        put(o, "%s", m);
        break;
    case FMT_R:
        if (in->op == RV_SFENCE_VMA) {
            put(o, "%s", m);
            if (in->rs1 || in->rs2)
                put(o, " %s", X(in->rs1));
            if (in->rs2)
                put(o, ",%s", X(in->rs2));
            break;
        }
        put(o, "%s %s,%s,%s", m, X(in->rd), X(in->rs1), X(in->rs2));
        break;
    case FMT_I:
        put(o, "%s %s,%s,%" PRId64, m, X(in->rd), X(in->rs1), in->imm);
        break;
    case FMT_SHIFT:
        put(o, "%s %s,%s,0x%" PRIx64, m, X(in->rd), X(in->rs1), in->imm);
        break;
    case FMT_U:
        put(o, "%s %s,0x%" PRIx64, m, X(in->rd),
            ((uint64_t)in->imm >> 12) & 0xfffff);
        break;
    case FMT_LOAD:
        put(o, "%s %s,%" PRId64 "(%s)", m, X(in->rd), in->imm, X(in->rs1));
        break;
    case FMT_STORE:
        put(o, "%s %s,%" PRId64 "(%s)", m, X(in->rs2), in->imm, X(in->rs1));
        break;
    case FMT_FLOAD:
        put(o, "%s %s,%" PRId64 "(%s)", m, fpr_names[in->rd], in->imm,
            X(in->rs1));
        break;
    case FMT_FSTORE:
        put(o, "%s %s,%" PRId64 "(%s)", m, fpr_names[in->rs2], in->imm,
            X(in->rs1));
        break;
    case FMT_BRANCH:
        put(o, "%s %s,%s,%" PRIx64, m, X(in->rs1), X(in->rs2), target);
        break;
    case FMT_JAL:
        put(o, "%s %s,%" PRIx64, m, X(in->rd), target);
        break;
    case FMT_JALR:
        put(o, "%s %s,%" PRId64 "(%s)", m, X(in->rd), in->imm, X(in->rs1));
        break;
    case FMT_CSR:
        csr_str((unsigned)in->imm, csr, sizeof(csr));
        put(o, "%s %s,%s,%s", m, X(in->rd), csr, X(in->rs1));
        break;
    case FMT_CSRI:
        csr_str((unsigned)in->imm, csr, sizeof(csr));
        put(o, "%s %s,%s,%u", m, X(in->rd), csr, in->rs1);
        break;
    case FMT_LR:
        put(o, "%s%s %s,(%s)", m, aqrl_suffix(in->aqrl), X(in->rd),
            X(in->rs1));
        break;
    case FMT_AMO:
        put(o, "%s%s %s,%s,(%s)", m, aqrl_suffix(in->aqrl), X(in->rd),
            X(in->rs2), X(in->rs1));
        break;
    case FMT_R1:
        put(o, "%s %s,%s", m, X(in->rd), X(in->rs1));
        break;
    case FMT_CBO:
        put(o, "%s (%s)", m, X(in->rs1));
        break;
    case FMT_FENCE:
        put(o, "%s ", m);
        put_fence_set(o, (in->imm >> 4) & 15);
        put(o, ",");
        put_fence_set(o, in->imm & 15);
        break;
    }
}

/*
 * OP-FP and the fused multiply-adds, which the decoder leaves to the
 * translator: mnemonic and operands straight from the bits. A rounding
 * mode other than dyn is printed as objdump does. False if reserved.
 */
static bool put_fp(Out *o, uint32_t raw, unsigned xlen)
{
    static const char *const rms[8] = {"rne", "rtz", "rdn", "rup", "rmm",
                                       NULL, NULL, NULL};
    static const char *const fma_names[4] = {"fmadd", "fmsub", "fnmsub",
                                             "fnmadd"};
    unsigned opc = raw & 0x7f, rd = (raw >> 7) & 31, f3 = (raw >> 12) & 7;
    unsigned rs1 = (raw >> 15) & 31, rs2 = (raw >> 20) & 31;
    unsigned fmt = (raw >> 25) & 3, f5 = raw >> 27;
    char sfx = fmt == 0 ? 's' : fmt == 1 ? 'd' : 0;
    const char *rm = f3 == 7 ? NULL : rms[f3];
    const char *const *f = fpr_names;
    static const char *const ints[4] = {"w", "wu", "l", "lu"};

    if (!sfx || (f3 != 7 && !rm && (opc != 0x53 || f5 == 0 || f5 == 0x0b ||
                                     f5 == 0x08 || f5 == 0x18 || f5 == 0x1a)))
        return false;
#define RM_SFX (rm ? "," : ""), (rm ? rm : "")
    if (opc != 0x53) {
        put(o, "%s.%c %s,%s,%s,%s%s%s", fma_names[(opc >> 2) & 3], sfx,
            f[rd], f[rs1], f[rs2], f[f5], RM_SFX);
        return true;
    }
    switch (f5) {
    case 0x00: case 0x01: case 0x02: case 0x03: {
        static const char *const n[4] = {"fadd", "fsub", "fmul", "fdiv"};
        put(o, "%s.%c %s,%s,%s%s%s", n[f5], sfx, f[rd], f[rs1], f[rs2],
            RM_SFX);
        return true;
    }
    case 0x0b:
        if (rs2)
            return false;
        put(o, "fsqrt.%c %s,%s%s%s", sfx, f[rd], f[rs1], RM_SFX);
        return true;
    case 0x04:
        if (f3 > 2)
            return false;
        put(o, "%s.%c %s,%s,%s",
            f3 == 0 ? "fsgnj" : f3 == 1 ? "fsgnjn" : "fsgnjx", sfx, f[rd],
            f[rs1], f[rs2]);
        return true;
    case 0x05:
        if (f3 > 1)
            return false;
        put(o, "%s.%c %s,%s,%s", f3 ? "fmax" : "fmin", sfx, f[rd], f[rs1],
            f[rs2]);
        return true;
    case 0x08:
        if (rs2 != (fmt ? 0u : 1u))
            return false;
        put(o, "fcvt.%c.%c %s,%s%s%s", sfx, fmt ? 's' : 'd', f[rd], f[rs1],
            RM_SFX);
        return true;
    case 0x14:
        if (f3 > 2)
            return false;
        put(o, "%s.%c %s,%s,%s", f3 == 2 ? "feq" : f3 == 1 ? "flt" : "fle",
            sfx, X(rd), f[rs1], f[rs2]);
        return true;
    case 0x18:
        if (rs2 > 3 || (rs2 > 1 && xlen == 32))
            return false;
        put(o, "fcvt.%s.%c %s,%s%s%s", ints[rs2], sfx, X(rd), f[rs1],
            RM_SFX);
        return true;
    case 0x1a:
        if (rs2 > 3 || (rs2 > 1 && xlen == 32))
            return false;
        put(o, "fcvt.%c.%s %s,%s%s%s", sfx, ints[rs2], f[rd], X(rs1),
            RM_SFX);
        return true;
    case 0x1c:
        if (rs2 || f3 > 1 || (f3 == 0 && fmt == 1 && xlen == 32))
            return false;
        if (f3)
            put(o, "fclass.%c %s,%s", sfx, X(rd), f[rs1]);
        else
            put(o, "fmv.x.%c %s,%s", fmt ? 'd' : 'w', X(rd), f[rs1]);
        return true;
    case 0x1e:
        if (rs2 || f3 || (fmt == 1 && xlen == 32))
            return false;
        put(o, "fmv.%c.x %s,%s", fmt ? 'd' : 'w', f[rd], X(rs1));
        return true;
    }
#undef RM_SFX
    return false;
}

unsigned riscv_disas(uint64_t pc, const uint8_t *bytes, size_t len,
                     uint64_t flags, char *out, size_t outlen)
{
    Out o = {out, outlen, 0};
    unsigned xlen = riscv_tbf_xlen(flags);
    uint32_t raw;
    RiscvInsn in;

    if (outlen)
        out[0] = '\0';
    if (len < 2)
        return 0;
    raw = bytes[0] | (uint32_t)bytes[1] << 8;
    if (riscv_insn_len((uint16_t)raw) == 4) {
        if (len < 4)
            return 0;
        raw |= (uint32_t)bytes[2] << 16 | (uint32_t)bytes[3] << 24;
    }
    riscv_decode(raw, xlen, &in);
    if (in.op == RV_ILLEGAL && in.len == 4) {
        unsigned opc = raw & 0x7f;
        if ((opc == 0x53 || opc == 0x43 || opc == 0x47 || opc == 0x4b ||
             opc == 0x4f) &&
            put_fp(&o, raw, xlen))
            return 4;
    }
    if (in.op == RV_ILLEGAL) {
        if (in.len == 4)
            put(&o, ".word 0x%08" PRIx32, raw);
        else
            put(&o, ".short 0x%04" PRIx32, raw & 0xffff);
        return 0;
    }
    put_insn(&o, &in, pc, xlen);
    return in.len;
}
