/* SPDX-License-Identifier: MIT */
/*
 * Encoding speed of kernel/x86-emit.c against Zydis 4's encoder, on the
 * same pseudo-random mix of the forms the native backend needs (see the
 * weights below). Not part of the build (Zydis is no dependency); from the
 * source tree, with libzydis-dev installed:
 *
 *   cc -std=gnu11 -O2 -I. bench/x86-emit-zydis.c kernel/x86-emit.c \
 *      -lZydis -o /tmp/x86-emit-zydis && /tmp/x86-emit-zydis
 *
 * Each encoder runs over the whole list several times; the best run is
 * reported in ns per instruction, with the bytes produced.
 */
#include <Zydis/Zydis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernel/x86-emit.h"

enum Kind {
    K_MOV_RR, K_MOV_RI64, K_ALU_RR, K_ALU_RI, K_LOAD, K_STORE_SIB, K_MOVZX_M,
    K_MOVSX_R, K_SHIFT_CL, K_SHIFT_RI, K_IMUL, K_CMP, K_JCC, K_SETCC,
    K_CMOV, K_LEA, K_CALL, K_JMP, K_JMP_R, K_PUSH, K_POP, K_RET, K_BSWAP,
    K_LZCNT, K_TZCNT, K_POPCNT, K_XCHG_M, K_CMPXCHG, K_MFENCE, K_NKINDS
};

/* Relative frequencies: a guess at translated RISC-V code. */
static const unsigned weight[K_NKINDS] = {
    [K_MOV_RR] = 14, [K_MOV_RI64] = 4, [K_ALU_RR] = 10, [K_ALU_RI] = 10,
    [K_LOAD] = 14, [K_STORE_SIB] = 8, [K_MOVZX_M] = 3, [K_MOVSX_R] = 3,
    [K_SHIFT_CL] = 2, [K_SHIFT_RI] = 3, [K_IMUL] = 2, [K_CMP] = 5,
    [K_JCC] = 5, [K_SETCC] = 2, [K_CMOV] = 1, [K_LEA] = 3, [K_CALL] = 2,
    [K_JMP] = 2, [K_JMP_R] = 1, [K_PUSH] = 1, [K_POP] = 1, [K_RET] = 1,
    [K_BSWAP] = 1, [K_LZCNT] = 1, [K_TZCNT] = 1, [K_POPCNT] = 1,
    [K_XCHG_M] = 1, [K_CMPXCHG] = 1, [K_MFENCE] = 1,
};

typedef struct Ins {
    uint8_t kind, sz, r0, r1, base, index, scale, sub;
    int32_t disp;
    int64_t imm;
} Ins;

#define N 1000000
#define RUNS 7

static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}

static void make(Ins *v)
{
    unsigned total = 0;
    for (unsigned k = 0; k < K_NKINDS; k++)
        total += weight[k];
    for (unsigned i = 0; i < N; i++) {
        unsigned w = rnd() % total, k = 0;
        while (w >= weight[k])
            w -= weight[k++];
        static const int32_t disps[] = { 0, 8, -16, 120, 200, 4096, -3000 };
        Ins *p = &v[i];
        p->kind = (uint8_t)k;
        p->sz = rnd() & 1 ? 8 : 4;
        p->r0 = rnd() & 15;
        p->r1 = rnd() & 15;
        p->base = rnd() & 15;
        do
            p->index = rnd() & 15;
        while (p->index == X86_RSP);
        p->scale = (uint8_t)(1u << (rnd() & 3));
        p->sub = rnd() & 15;
        p->disp = disps[rnd() % 7];
        p->imm = rnd() & 1 ? (int32_t)rnd() % 1000 : (int64_t)rnd() << 20;
    }
}

static void encode_ours(const Ins *v, X86Buf *b)
{
    static const X86Shift shifts[] = { X86_SHL, X86_SHR, X86_SAR, X86_ROL };

    for (unsigned i = 0; i < N; i++) {
        const Ins *p = &v[i];
        X86Reg r0 = p->r0, r1 = p->r1;
        X86Mem m = x86_mem(p->base, p->disp);
        switch (p->kind) {
        case K_MOV_RR: x86_mov_rr(b, p->sz, r0, r1); break;
        case K_MOV_RI64: x86_mov_ri(b, 8, r0, (uint64_t)p->imm); break;
        case K_ALU_RR: x86_alu_rr(b, p->sub & 7, p->sz, r0, r1); break;
        case K_ALU_RI:
            x86_alu_ri(b, p->sub & 7, p->sz, r0, (int32_t)p->imm);
            break;
        case K_LOAD: x86_load(b, p->sz, r0, m); break;
        case K_STORE_SIB:
            x86_store(b, p->sz, x86_mem_index(p->base, p->index, p->scale,
                                              p->disp), r0);
            break;
        case K_MOVZX_M: x86_movzx_rm(b, 4, 1, r0, m); break;
        case K_MOVSX_R: x86_movsx_rr(b, 8, 2, r0, r1); break;
        case K_SHIFT_CL: x86_shift_cl(b, shifts[p->sub & 3], p->sz, r0); break;
        case K_SHIFT_RI:
            x86_shift_ri(b, shifts[p->sub & 3], p->sz, r0, p->sub);
            break;
        case K_IMUL: x86_imul_rr(b, p->sz, r0, r1); break;
        case K_CMP: x86_alu_rr(b, X86_CMP, p->sz, r0, r1); break;
        case K_JCC: x86_jcc(b, p->sub); break;
        case K_SETCC: x86_setcc(b, p->sub, r0); break;
        case K_CMOV: x86_cmov(b, p->sub, p->sz, r0, r1); break;
        case K_LEA: x86_lea(b, p->sz, r0, m); break;
        case K_CALL: x86_call(b); break;
        case K_JMP: x86_jmp(b); break;
        case K_JMP_R: x86_jmp_r(b, r0); break;
        case K_PUSH: x86_push(b, r0); break;
        case K_POP: x86_pop(b, r0); break;
        case K_RET: x86_ret(b); break;
        case K_BSWAP: x86_bswap(b, p->sz, r0); break;
        case K_LZCNT: x86_lzcnt(b, p->sz, r0, r1); break;
        case K_TZCNT: x86_tzcnt(b, p->sz, r0, r1); break;
        case K_POPCNT: x86_popcnt(b, p->sz, r0, r1); break;
        case K_XCHG_M: x86_xchg_mr(b, p->sz, m, r0); break;
        case K_CMPXCHG: x86_lock_cmpxchg(b, p->sz, m, r0); break;
        case K_MFENCE: x86_mfence(b); break;
        }
    }
}

static ZydisRegister zreg(unsigned sz, unsigned r)
{
    return (sz == 8 ? ZYDIS_REGISTER_RAX : ZYDIS_REGISTER_EAX) + r;
}

static ZydisRegister zreg8(unsigned r)
{
    return r < 4 ? ZYDIS_REGISTER_AL + r : ZYDIS_REGISTER_SPL + (r - 4);
}

static void op_reg(ZydisEncoderOperand *o, ZydisRegister r)
{
    o->type = ZYDIS_OPERAND_TYPE_REGISTER;
    o->reg.value = r;
}

static void op_mem(ZydisEncoderOperand *o, unsigned size, unsigned base,
                   unsigned index, unsigned scale, int32_t disp)
{
    o->type = ZYDIS_OPERAND_TYPE_MEMORY;
    o->mem.base = ZYDIS_REGISTER_RAX + base;
    o->mem.index = index == X86_NOREG ? ZYDIS_REGISTER_NONE
                                      : ZYDIS_REGISTER_RAX + index;
    o->mem.scale = index == X86_NOREG ? 0 : (ZyanU8)scale;
    o->mem.displacement = disp;
    o->mem.size = (ZyanU16)size;
}

static void op_imm(ZydisEncoderOperand *o, int64_t imm)
{
    o->type = ZYDIS_OPERAND_TYPE_IMMEDIATE;
    o->imm.s = imm;
}

static size_t encode_zydis(const Ins *v, uint8_t *out, size_t size,
                           unsigned *failed)
{
    static const ZydisMnemonic alu[] = {
        ZYDIS_MNEMONIC_ADD, ZYDIS_MNEMONIC_OR, ZYDIS_MNEMONIC_ADC,
        ZYDIS_MNEMONIC_SBB, ZYDIS_MNEMONIC_AND, ZYDIS_MNEMONIC_SUB,
        ZYDIS_MNEMONIC_XOR, ZYDIS_MNEMONIC_CMP,
    };
    static const ZydisMnemonic shifts[] = {
        ZYDIS_MNEMONIC_SHL, ZYDIS_MNEMONIC_SHR, ZYDIS_MNEMONIC_SAR,
        ZYDIS_MNEMONIC_ROL,
    };
    static const ZydisMnemonic jcc[] = {
        ZYDIS_MNEMONIC_JO, ZYDIS_MNEMONIC_JNO, ZYDIS_MNEMONIC_JB,
        ZYDIS_MNEMONIC_JNB, ZYDIS_MNEMONIC_JZ, ZYDIS_MNEMONIC_JNZ,
        ZYDIS_MNEMONIC_JBE, ZYDIS_MNEMONIC_JNBE, ZYDIS_MNEMONIC_JS,
        ZYDIS_MNEMONIC_JNS, ZYDIS_MNEMONIC_JP, ZYDIS_MNEMONIC_JNP,
        ZYDIS_MNEMONIC_JL, ZYDIS_MNEMONIC_JNL, ZYDIS_MNEMONIC_JLE,
        ZYDIS_MNEMONIC_JNLE,
    };
    static const ZydisMnemonic setcc[] = {
        ZYDIS_MNEMONIC_SETO, ZYDIS_MNEMONIC_SETNO, ZYDIS_MNEMONIC_SETB,
        ZYDIS_MNEMONIC_SETNB, ZYDIS_MNEMONIC_SETZ, ZYDIS_MNEMONIC_SETNZ,
        ZYDIS_MNEMONIC_SETBE, ZYDIS_MNEMONIC_SETNBE, ZYDIS_MNEMONIC_SETS,
        ZYDIS_MNEMONIC_SETNS, ZYDIS_MNEMONIC_SETP, ZYDIS_MNEMONIC_SETNP,
        ZYDIS_MNEMONIC_SETL, ZYDIS_MNEMONIC_SETNL, ZYDIS_MNEMONIC_SETLE,
        ZYDIS_MNEMONIC_SETNLE,
    };
    static const ZydisMnemonic cmov[] = {
        ZYDIS_MNEMONIC_CMOVO, ZYDIS_MNEMONIC_CMOVNO, ZYDIS_MNEMONIC_CMOVB,
        ZYDIS_MNEMONIC_CMOVNB, ZYDIS_MNEMONIC_CMOVZ, ZYDIS_MNEMONIC_CMOVNZ,
        ZYDIS_MNEMONIC_CMOVBE, ZYDIS_MNEMONIC_CMOVNBE, ZYDIS_MNEMONIC_CMOVS,
        ZYDIS_MNEMONIC_CMOVNS, ZYDIS_MNEMONIC_CMOVP, ZYDIS_MNEMONIC_CMOVNP,
        ZYDIS_MNEMONIC_CMOVL, ZYDIS_MNEMONIC_CMOVNL, ZYDIS_MNEMONIC_CMOVLE,
        ZYDIS_MNEMONIC_CMOVNLE,
    };
    size_t used = 0;

    *failed = 0;
    for (unsigned i = 0; i < N; i++) {
        const Ins *p = &v[i];
        ZydisEncoderRequest req;
        ZydisEncoderOperand *o = req.operands;
        unsigned sz = p->sz;

        memset(&req, 0, sizeof(req));
        req.machine_mode = ZYDIS_MACHINE_MODE_LONG_64;
        req.operand_count = 2;
        switch (p->kind) {
        case K_MOV_RR:
            req.mnemonic = ZYDIS_MNEMONIC_MOV;
            op_reg(&o[0], zreg(sz, p->r0));
            op_reg(&o[1], zreg(sz, p->r1));
            break;
        case K_MOV_RI64:
            req.mnemonic = ZYDIS_MNEMONIC_MOV;
            op_reg(&o[0], zreg(8, p->r0));
            op_imm(&o[1], p->imm);
            break;
        case K_ALU_RR:
        case K_CMP:
            req.mnemonic = p->kind == K_CMP ? ZYDIS_MNEMONIC_CMP
                                            : alu[p->sub & 7];
            op_reg(&o[0], zreg(sz, p->r0));
            op_reg(&o[1], zreg(sz, p->r1));
            break;
        case K_ALU_RI:
            req.mnemonic = alu[p->sub & 7];
            op_reg(&o[0], zreg(sz, p->r0));
            op_imm(&o[1], (int32_t)p->imm);
            break;
        case K_LOAD:
            req.mnemonic = ZYDIS_MNEMONIC_MOV;
            op_reg(&o[0], zreg(sz, p->r0));
            op_mem(&o[1], sz, p->base, X86_NOREG, 1, p->disp);
            break;
        case K_STORE_SIB:
            req.mnemonic = ZYDIS_MNEMONIC_MOV;
            op_mem(&o[0], sz, p->base, p->index, p->scale, p->disp);
            op_reg(&o[1], zreg(sz, p->r0));
            break;
        case K_MOVZX_M:
            req.mnemonic = ZYDIS_MNEMONIC_MOVZX;
            op_reg(&o[0], zreg(4, p->r0));
            op_mem(&o[1], 1, p->base, X86_NOREG, 1, p->disp);
            break;
        case K_MOVSX_R:
            req.mnemonic = ZYDIS_MNEMONIC_MOVSX;
            op_reg(&o[0], zreg(8, p->r0));
            op_reg(&o[1], ZYDIS_REGISTER_AX + p->r1);
            break;
        case K_SHIFT_CL:
            req.mnemonic = shifts[p->sub & 3];
            op_reg(&o[0], zreg(sz, p->r0));
            op_reg(&o[1], ZYDIS_REGISTER_CL);
            break;
        case K_SHIFT_RI:
            req.mnemonic = shifts[p->sub & 3];
            op_reg(&o[0], zreg(sz, p->r0));
            op_imm(&o[1], p->sub);
            break;
        case K_IMUL:
            req.mnemonic = ZYDIS_MNEMONIC_IMUL;
            op_reg(&o[0], zreg(sz, p->r0));
            op_reg(&o[1], zreg(sz, p->r1));
            break;
        case K_JCC:
        case K_CALL:
        case K_JMP:
            req.mnemonic = p->kind == K_JCC    ? jcc[p->sub]
                           : p->kind == K_CALL ? ZYDIS_MNEMONIC_CALL
                                               : ZYDIS_MNEMONIC_JMP;
            req.branch_type = ZYDIS_BRANCH_TYPE_NEAR;
            req.branch_width = ZYDIS_BRANCH_WIDTH_32;
            req.operand_count = 1;
            op_imm(&o[0], 0);
            break;
        case K_SETCC:
            req.mnemonic = setcc[p->sub];
            req.operand_count = 1;
            op_reg(&o[0], zreg8(p->r0));
            break;
        case K_CMOV:
            req.mnemonic = cmov[p->sub];
            op_reg(&o[0], zreg(sz, p->r0));
            op_reg(&o[1], zreg(sz, p->r1));
            break;
        case K_LEA:
            req.mnemonic = ZYDIS_MNEMONIC_LEA;
            op_reg(&o[0], zreg(sz, p->r0));
            /* Zydis wants the address size (8) for an LEA operand. */
            op_mem(&o[1], 8, p->base, X86_NOREG, 1, p->disp);
            break;
        case K_JMP_R:
            req.mnemonic = ZYDIS_MNEMONIC_JMP;
            req.operand_count = 1;
            op_reg(&o[0], zreg(8, p->r0));
            break;
        case K_PUSH:
        case K_POP:
            req.mnemonic = p->kind == K_PUSH ? ZYDIS_MNEMONIC_PUSH
                                             : ZYDIS_MNEMONIC_POP;
            req.operand_count = 1;
            op_reg(&o[0], zreg(8, p->r0));
            break;
        case K_RET:
            req.mnemonic = ZYDIS_MNEMONIC_RET;
            req.operand_count = 0;
            break;
        case K_BSWAP:
            req.mnemonic = ZYDIS_MNEMONIC_BSWAP;
            req.operand_count = 1;
            op_reg(&o[0], zreg(sz, p->r0));
            break;
        case K_LZCNT:
        case K_TZCNT:
        case K_POPCNT:
            req.mnemonic = p->kind == K_LZCNT   ? ZYDIS_MNEMONIC_LZCNT
                           : p->kind == K_TZCNT ? ZYDIS_MNEMONIC_TZCNT
                                                : ZYDIS_MNEMONIC_POPCNT;
            op_reg(&o[0], zreg(sz, p->r0));
            op_reg(&o[1], zreg(sz, p->r1));
            break;
        case K_XCHG_M:
            req.mnemonic = ZYDIS_MNEMONIC_XCHG;
            op_mem(&o[0], sz, p->base, X86_NOREG, 1, p->disp);
            op_reg(&o[1], zreg(sz, p->r0));
            break;
        case K_CMPXCHG:
            req.mnemonic = ZYDIS_MNEMONIC_CMPXCHG;
            req.prefixes = ZYDIS_ATTRIB_HAS_LOCK;
            op_mem(&o[0], sz, p->base, X86_NOREG, 1, p->disp);
            op_reg(&o[1], zreg(sz, p->r0));
            break;
        case K_MFENCE:
            req.mnemonic = ZYDIS_MNEMONIC_MFENCE;
            req.operand_count = 0;
            break;
        }
        ZyanUSize len = size - used;
        if (ZYAN_SUCCESS(ZydisEncoderEncodeInstruction(&req, out + used,
                                                       &len)))
            used += len;
        else
            (*failed)++;
    }
    return used;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(void)
{
    Ins *v = malloc(N * sizeof(*v));
    size_t size = (size_t)N * 16;
    uint8_t *out = malloc(size);
    double best_ours = 1e9, best_zydis = 1e9;
    size_t bytes_ours = 0, bytes_zydis = 0;
    unsigned failed = 0;

    make(v);
    for (int run = 0; run < RUNS; run++) {
        X86Buf b;
        double t = now();
        x86_buf_init(&b, out, size);
        encode_ours(v, &b);
        t = now() - t;
        if (b.overflow)
            return 1;
        bytes_ours = x86_buf_offset(&b);
        if (t < best_ours)
            best_ours = t;

        t = now();
        bytes_zydis = encode_zydis(v, out, size, &failed);
        t = now() - t;
        if (t < best_zydis)
            best_zydis = t;
    }
    printf("instructions: %d\n", N);
    printf("x86-emit: %.2f ns/insn, %zu bytes\n", best_ours * 1e9 / N,
           bytes_ours);
    printf("zydis:    %.2f ns/insn, %zu bytes, %u not encoded\n",
           best_zydis * 1e9 / N, bytes_zydis, failed);
    printf("ratio:    %.1fx\n", best_zydis / best_ours);
    free(v);
    free(out);
    return 0;
}
