/* SPDX-License-Identifier: MIT */
/*
 * mini: a complete, tiny instruction set for Tessera, the example of
 * docs/writing-an-arch.md. Eight 32-bit registers r0-r7, a carry flag,
 * 4-byte instructions: opcode, rd, then two operand bytes (ra and rb, or
 * ra and a signed 8-bit offset, or a 16-bit little-endian immediate).
 *
 *   01 LI   rd, imm16      rd = imm16
 *   02 ADD  rd, ra, rb     rd = ra + rb; c = carry out
 *   03 ADDI rd, ra, simm8  rd = ra + simm8; c = carry out
 *   04 LB   rd, simm8(ra)  rd = zero-extended byte at ra + simm8
 *   05 SB   rd, simm8(ra)  byte at ra + simm8 = low byte of rd
 *   06 BNZ  rd, simm16     if rd != 0: pc += 4 * simm16
 *   07 BC   simm16         if c: pc += 4 * simm16
 *   08 DIVU rd, ra, rb     rd = ra / rb, unsigned; x / 0 = 0
 *   09 HALT rd             ends the emulation with exit status rd
 *
 * Anything else is an illegal instruction: the emulation ends with
 * status 3. mini has no MMU, no interrupts and no trap vector: a memory
 * access that faults ends the emulation with status 2.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <tessera/arch.h>

/* --- env-begin --- */
typedef struct MiniEnv {
    uint32_t r[8]; /* IR globals of 4 bytes */
    uint8_t c;     /* the carry flag: an IR global of 1 byte */
    TesseraCpu *cpu;
} MiniEnv;

/* The IR global of register i, and of the carry flag. */
static TesseraVal reg(TesseraIR *b, unsigned i)
{
    return tessera_ir_global_sized(b, offsetof(MiniEnv, r) + 4 * (i & 7),
                                   TESSERA_MO_32);
}

static TesseraVal carry_flag(TesseraIR *b)
{
    return tessera_ir_global_sized(b, offsetof(MiniEnv, c), TESSERA_MO_8);
}
/* --- env-end --- */

/* --- helpers-begin --- */
/* HALT: reads and writes no global (its argument is a copy), but it
 * stops the machine, so it may not claim TESSERA_HELPER_NO_RAISE. */
static uint64_t helper_halt(void *opaque, uint64_t status, uint64_t a1,
                            uint64_t a2, uint64_t a3)
{
    tessera_request_exit((int)status);
    return 0;
}

static uint64_t helper_illegal(void *opaque, uint64_t a0, uint64_t a1,
                               uint64_t a2, uint64_t a3)
{
    MiniEnv *env = opaque;
    /* Exact inside a helper: the instruction that called it. */
    tessera_error("mini: illegal instruction at 0x%" PRIx64,
                  tessera_cpu_get_pc(env->cpu));
    tessera_request_exit(3);
    return 0;
}
/* --- helpers-end --- */

/* --- translate-begin --- */
/* Ends the block with a two-way branch on (a != 0). */
static void branch_if_nonzero(TesseraIR *b, TesseraVal a, uint64_t pc,
                              int16_t offset)
{
    TesseraLabel taken = tessera_ir_label_new(b);
    tessera_ir_brcond(b, TESSERA_NE, TESSERA_I32, a, tessera_ir_const(b, 0),
                      taken);
    tessera_ir_goto(b, pc + 4);
    tessera_ir_label_set(b, taken);
    tessera_ir_goto(b, pc + 4 * (int64_t)offset);
}

/* Translates one instruction. Returns false when it ended the block. */
static bool translate_insn(TesseraIR *b, uint64_t pc, const uint8_t in[4])
{
    TesseraVal rd = reg(b, in[1]), ra = reg(b, in[2]), rb = reg(b, in[3]);
    TesseraVal zero = tessera_ir_const(b, 0);
    int8_t simm8 = (int8_t)in[3];
    int16_t simm16 = (int16_t)(in[2] | in[3] << 8);

    switch (in[0]) {
    case 0x01: /* LI */
        tessera_ir_mov(b, TESSERA_I32, rd,
                       tessera_ir_const(b, (uint16_t)simm16));
        return true;
    case 0x02: /* ADD: the carry first, while ra and rb are intact */
        tessera_ir_carry(b, TESSERA_ADD_CARRY, 32, carry_flag(b), ra, rb,
                         zero);
        tessera_ir_binop(b, TESSERA_ADD, TESSERA_I32, rd, ra, rb);
        return true;
    case 0x03: { /* ADDI */
        TesseraVal imm = tessera_ir_const(b, (uint64_t)(int64_t)simm8);
        tessera_ir_carry(b, TESSERA_ADD_CARRY, 32, carry_flag(b), ra, imm,
                         zero);
        tessera_ir_binop(b, TESSERA_ADD, TESSERA_I32, rd, ra, imm);
        return true;
    }
    case 0x04: /* LB */
        tessera_ir_load(b, rd, ra, simm8, TESSERA_MO_8, 0);
        return true;
    case 0x05: /* SB */
        tessera_ir_store(b, rd, ra, simm8, TESSERA_MO_8, 0);
        return true;
    case 0x06: /* BNZ */
        branch_if_nonzero(b, rd, pc, simm16);
        return false;
    case 0x07: /* BC */
        simm16 = (int16_t)(in[1] | in[2] << 8);
        branch_if_nonzero(b, carry_flag(b), pc, simm16);
        return false;
    case 0x08: { /* DIVU: the IR leaves x / 0 open; mini says 0 */
        TesseraVal q = tessera_ir_temp(b);
        tessera_ir_binop(b, TESSERA_DIVU, TESSERA_I32, q, ra, rb);
        tessera_ir_select(b, TESSERA_EQ, TESSERA_I32, rd, rb, zero, zero, q);
        return true;
    }
    case 0x09: /* HALT */
        tessera_ir_call(b, helper_halt,
                        TESSERA_HELPER_NO_READ | TESSERA_HELPER_NO_WRITE,
                        TESSERA_IR_NONE, 1, &rd);
        tessera_ir_exit_loop(b, pc + 4);
        return false;
    default:
        tessera_ir_call(b, helper_illegal,
                        TESSERA_HELPER_NO_READ | TESSERA_HELPER_NO_WRITE,
                        TESSERA_IR_NONE, 0, NULL);
        tessera_ir_exit_loop(b, pc);
        return false;
    }
}

static int mini_translate(void *opaque, TesseraIR *b, uint64_t pc,
                          uint64_t flags)
{
    for (;;) {
        uint8_t in[4];
        /* A full block, or code that cannot be fetched (past the first
         * instruction): end here, the next block starts at pc. */
        if (tessera_ir_block_full(b) || !tessera_ir_fetch(b, pc, in, 4)) {
            tessera_ir_goto(b, pc);
            return 0;
        }
        tessera_ir_insn_start(b, pc, 4, 1);
        if (!translate_insn(b, pc, in))
            return 0;
        pc += 4;
    }
}
/* --- translate-end --- */

/* --- cpu-begin --- */
static int mini_cpu_init(TesseraCpu *cpu, void *opaque,
                         const TesseraCpuModel *model, unsigned index)
{
    MiniEnv *env = opaque;
    env->cpu = cpu;
    return 0;
}

static void mini_cpu_reset(void *opaque)
{
    MiniEnv *env = opaque;
    memset(env->r, 0, sizeof(env->r));
    env->c = 0;
    tessera_cpu_set_pc(env->cpu, 0); /* the loader moves it to the entry */
    tessera_cpu_set_tb_flags(env->cpu, 0);
}

/* A load or store that faulted: the PC is already the instruction's. */
static void mini_raise_fault(void *opaque, uint64_t vaddr,
                             TesseraAccess access, TesseraFault fault)
{
    MiniEnv *env = opaque;
    tessera_error("mini: %s fault at 0x%" PRIx64 " (pc 0x%" PRIx64 ")",
                  access == TESSERA_ACCESS_WRITE ? "store"
                  : access == TESSERA_ACCESS_READ ? "load"
                                                  : "fetch",
                  vaddr, tessera_cpu_get_pc(env->cpu));
    tessera_request_exit(2);
    tessera_cpu_halt(env->cpu);
}
/* --- cpu-end --- */

/* --- disas-begin --- */
static unsigned mini_disas(uint64_t pc, const uint8_t *in, size_t len,
                           uint64_t flags, char *out, size_t outlen)
{
    if (len < 4)
        return 0;
    unsigned rd = in[1] & 7, ra = in[2] & 7, rb = in[3] & 7;
    int simm8 = (int8_t)in[3];
    int simm16 = (int16_t)(in[2] | in[3] << 8);
    switch (in[0]) {
    case 0x01:
        snprintf(out, outlen, "li r%u, 0x%x", rd, (unsigned)(uint16_t)simm16);
        break;
    case 0x02:
        snprintf(out, outlen, "add r%u, r%u, r%u", rd, ra, rb);
        break;
    case 0x03:
        snprintf(out, outlen, "addi r%u, r%u, %d", rd, ra, simm8);
        break;
    case 0x04:
        snprintf(out, outlen, "lb r%u, %d(r%u)", rd, simm8, ra);
        break;
    case 0x05:
        snprintf(out, outlen, "sb r%u, %d(r%u)", rd, simm8, ra);
        break;
    case 0x06:
        snprintf(out, outlen, "bnz r%u, 0x%" PRIx64, rd,
                 pc + 4 * (int64_t)simm16);
        break;
    case 0x07:
        simm16 = (int16_t)(in[1] | in[2] << 8);
        snprintf(out, outlen, "bc 0x%" PRIx64, pc + 4 * (int64_t)simm16);
        break;
    case 0x08:
        snprintf(out, outlen, "divu r%u, r%u, r%u", rd, ra, rb);
        break;
    case 0x09:
        snprintf(out, outlen, "halt r%u", rd);
        break;
    default:
        return 0;
    }
    return 4;
}

static void mini_dump_state(void *opaque)
{
    MiniEnv *env = opaque;
    for (unsigned i = 0; i < 8; i++)
        tessera_log(TESSERA_LOG_CPU, "r%u %08" PRIx32 "%s", i, env->r[i],
                    i % 4 == 3 ? "\n" : "  ");
    tessera_log(TESSERA_LOG_CPU, "c %u  pc %08" PRIx64 "\n", env->c,
                tessera_cpu_get_pc(env->cpu));
}
/* --- disas-end --- */

/* --- class-begin --- */
#define MINI_REG(n, i) \
    {n, offsetof(MiniEnv, r) + 4 * (i), 4, TESSERA_REG_INT, NULL}

static const TesseraRegInfo mini_regs[] = {
    MINI_REG("r0", 0), MINI_REG("r1", 1), MINI_REG("r2", 2),
    MINI_REG("r3", 3), MINI_REG("r4", 4), MINI_REG("r5", 5),
    MINI_REG("r6", 6), MINI_REG("r7", 7),
    {"c", offsetof(MiniEnv, c), 1, TESSERA_REG_INT, "system"},
    {NULL, 0, 0, 0, NULL},
};

static const TesseraCpuModel mini_models[] = {
    {"mini", "the mini example CPU", NULL},
    {NULL, NULL, NULL},
};

static const TesseraArchClass mini_arch = {
    .name = "mini",
    .description = "mini, the example ISA of docs/writing-an-arch.md",
    .models = mini_models,
    .default_model = "mini",
    .env_size = sizeof(MiniEnv),
    .nb_mmu_modes = 1,
    .page_bits = 12,
    .regs = mini_regs,
    .cpu_init = mini_cpu_init,
    .cpu_reset = mini_cpu_reset,
    .translate = mini_translate,
    .raise_fault = mini_raise_fault,
    .disas = mini_disas,
    .dump_state = mini_dump_state,
};

static int mini_plugin_init(void)
{
    return tessera_register_arch(&mini_arch);
}

TESSERA_PLUGIN(TESSERA_PLUGIN_ARCH, "mini", "1.0.0", mini_plugin_init);
/* --- class-end --- */
