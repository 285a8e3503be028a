/* SPDX-License-Identifier: MIT */
/* The toy architecture of the engine tests (see toy-arch.h). */
#include "tests/unit/toy-arch.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/backend.h"
#include "kernel/bus.h"
#include "kernel/cpu.h"

ToyTranslateFn toy_custom;

static uint64_t helper_call(void *opaque, uint64_t a0, uint64_t a1,
                            uint64_t a2, uint64_t a3)
{
    ToyEnv *env = opaque;
    env->calls++;
    env->call_pc = tessera_cpu_get_pc(env->cpu);
    env->call_insns = tessera_cpu_insns(env->cpu);
    env->call_cycles = tessera_cpu_cycles(env->cpu);
    return a0 + 1000;
}

static uint64_t helper_halt(void *opaque, uint64_t a0, uint64_t a1,
                            uint64_t a2, uint64_t a3)
{
    ToyEnv *env = opaque;
    tessera_cpu_set_pc(env->cpu, a0);
    tessera_cpu_halt(env->cpu);
    return 0;
}

static uint64_t helper_illegal(void *opaque, uint64_t a0, uint64_t a1,
                               uint64_t a2, uint64_t a3)
{
    ToyEnv *env = opaque;
    env->illegal++;
    tessera_cpu_halt(env->cpu);
    tessera_cpu_exit_loop(env->cpu); /* stays at the bad instruction */
}

static int toy_translate(void *opaque, TesseraIR *b, uint64_t pc,
                         uint64_t flags)
{
    ToyEnv *env = opaque;
    if (toy_custom)
        return toy_custom(env, b, pc);

    for (;;) {
        uint8_t in[4];
        if (tessera_ir_block_full(b) || !tessera_ir_fetch(b, pc, in, 4)) {
            tessera_ir_goto(b, pc);
            return 0;
        }
        unsigned op = in[0], a = in[1] & 15, rb = in[2] & 15;
        int8_t c8 = (int8_t)in[3];
        int16_t imm = (int16_t)(in[2] | in[3] << 8);
        unsigned cycles = op == 0x0e ? 1u + in[1] : 1u;
        TesseraVal ra = tessera_ir_global(b, TOY_R(a));
        TesseraVal vb = tessera_ir_global(b, TOY_R(rb));

        tessera_ir_insn_start(b, pc, 4, cycles);
        switch (op) {
        case 0x01:
            tessera_ir_mov(b, TESSERA_I64, ra,
                           tessera_ir_const(b, (uint16_t)imm));
            break;
        case 0x02:
            tessera_ir_binop(b, TESSERA_ADD, TESSERA_I64, ra, vb,
                             tessera_ir_global(b, TOY_R(in[3] & 15)));
            break;
        case 0x03:
            tessera_ir_binop(b, TESSERA_ADD, TESSERA_I64, ra, vb,
                             tessera_ir_const(b, (uint64_t)(int64_t)c8));
            break;
        case 0x04:
            tessera_ir_store(b, ra, vb, c8, TESSERA_MO_8, 0);
            break;
        case 0x05:
            tessera_ir_load(b, ra, vb, c8, TESSERA_MO_8, 0);
            break;
        case 0x09:
            tessera_ir_store(b, ra, vb, c8, TESSERA_MO_32, 0);
            break;
        case 0x0a:
            tessera_ir_load(b, ra, vb, c8, TESSERA_MO_32, 0);
            break;
        case 0x06: {
            TesseraLabel taken = tessera_ir_label_new(b);
            tessera_ir_brcond(b, TESSERA_NE, TESSERA_I64, ra,
                              tessera_ir_const(b, 0), taken);
            tessera_ir_goto(b, pc + 4);
            tessera_ir_label_set(b, taken);
            tessera_ir_goto(b, pc + 4 * (int64_t)imm);
            return 0;
        }
        case 0x07:
            tessera_ir_goto_dyn(b, ra);
            return 0;
        case 0x0c:
            tessera_ir_goto(b, pc + 4 * (int64_t)imm);
            return 0;
        case 0x08: {
            TesseraVal arg = tessera_ir_const(b, pc + 4);
            tessera_ir_call(b, helper_halt, 0, TESSERA_IR_NONE, 1, &arg);
            tessera_ir_exit_loop(b, pc + 4);
            return 0;
        }
        case 0x0b:
            tessera_ir_call(b, helper_call, 0, ra, 1, &vb);
            break;
        case 0x0d:
            tessera_ir_exit_loop(b, pc + 4);
            return 0;
        case 0x0e:
            break;
        case 0x0f:
            tessera_ir_store(b, ra, vb, 0, TESSERA_MO_8, 0);
            tessera_ir_binop(b, TESSERA_ADD, TESSERA_I64, vb, vb,
                             tessera_ir_const(b, 1));
            break;
        default:
            tessera_ir_call(b, helper_illegal, 0, TESSERA_IR_NONE, 0, NULL);
            tessera_ir_exit_loop(b, pc);
            return 0;
        }
        pc += 4;
    }
}

static TesseraFault toy_translate_addr(void *opaque, uint64_t vaddr,
                                       TesseraAccess access, unsigned mmu,
                                       uint64_t *phys, unsigned *prot)
{
    ToyEnv *env = opaque;
    env->translations++;
    if (vaddr >= env->unmapped_lo && vaddr < env->unmapped_hi)
        return TESSERA_FAULT_PAGE;
    *prot = TESSERA_PROT_READ | TESSERA_PROT_WRITE | TESSERA_PROT_EXEC;
    if (vaddr >= env->readonly_lo && vaddr < env->readonly_hi) {
        *prot &= ~TESSERA_PROT_WRITE;
        if (access == TESSERA_ACCESS_WRITE)
            return TESSERA_FAULT_PAGE;
    }
    if (env->nocache)
        *prot |= TESSERA_PROT_NOCACHE;
    *phys = mmu == 1 ? vaddr + env->mmu1_offset : vaddr;
    if (mmu == 0 && vaddr >= env->remap_lo && vaddr < env->remap_hi)
        *phys += env->remap_offset;
    return TESSERA_FAULT_NONE;
}

static void toy_raise_fault(void *opaque, uint64_t vaddr,
                            TesseraAccess access, TesseraFault fault)
{
    ToyEnv *env = opaque;
    env->faults++;
    env->fault_vaddr = vaddr;
    env->fault_access = access;
    env->fault_kind = fault;
    env->fault_pc = tessera_cpu_get_pc(env->cpu);
    env->fault_insns = tessera_cpu_insns(env->cpu);
    env->fault_cycles = tessera_cpu_cycles(env->cpu);
    if (env->trap_vector)
        tessera_cpu_set_pc(env->cpu, env->trap_vector);
    else
        tessera_cpu_halt(env->cpu);
}

static void toy_irq_set(void *opaque, unsigned line, int level)
{
    ToyEnv *env = opaque;
    env->irq_level = level;
    if (level)
        tessera_cpu_kick(env->cpu);
}

static bool toy_exec_interrupt(void *opaque)
{
    ToyEnv *env = opaque;
    if (!env->irq_level || !env->irq_enabled)
        return false;
    env->irq_taken++;
    env->irq_pc = tessera_cpu_get_pc(env->cpu);
    env->irq_enabled = 0;
    tessera_cpu_set_pc(env->cpu, env->irq_vector);
    return true;
}

static bool toy_has_work(void *opaque)
{
    ToyEnv *env = opaque;
    return env->irq_level != 0;
}

static int toy_cpu_init(TesseraCpu *cpu, void *opaque,
                        const TesseraCpuModel *model, unsigned index)
{
    ToyEnv *env = opaque;
    env->cpu = cpu;
    return 0;
}

static void toy_cpu_reset(void *opaque)
{
    ToyEnv *env = opaque;
    memset(env->r, 0, sizeof(env->r));
    tessera_cpu_set_pc(env->cpu, 0x1000);
    tessera_cpu_set_tb_flags(env->cpu, 0);
}

static unsigned toy_disas(uint64_t pc, const uint8_t *bytes, size_t len,
                          uint64_t flags, char *out, size_t outlen)
{
    if (len < 4)
        return 0;
    snprintf(out, outlen, "op%02x %u,%u,%u", bytes[0], bytes[1], bytes[2],
             bytes[3]);
    return 4;
}

static const TesseraCpuModel toy_models[] = {
    {"toy", "test CPU", NULL},
    {NULL, NULL, NULL},
};

static const TesseraRegInfo toy_regs[] = {
    {"r0", offsetof(ToyEnv, r), 8, TESSERA_REG_INT, NULL},
    {"r1", offsetof(ToyEnv, r) + 8, 8, TESSERA_REG_INT, NULL},
    {0},
};

static const char *const toy_irqs[] = {"irq", NULL};

#define TOY_CLASS(name_, be_, exact_, xlate_)                        \
    {                                                                \
        .name = name_, .description = "engine test CPU",             \
        .models = toy_models, .default_model = "toy",                \
        .env_size = sizeof(ToyEnv), .nb_mmu_modes = 2,               \
        .page_bits = 12, .irq_inputs = toy_irqs, .regs = toy_regs,   \
        .big_endian = be_, .exact_interrupts = exact_,               \
        .cpu_init = toy_cpu_init,                                    \
        .cpu_reset = toy_cpu_reset, .translate = toy_translate,      \
        .irq_set = toy_irq_set, .exec_interrupt = toy_exec_interrupt, \
        .has_work = toy_has_work, .translate_addr = xlate_,          \
        .raise_fault = toy_raise_fault, .disas = toy_disas,          \
        .dump_state = NULL,                                          \
    }

const TesseraArchClass toy_arch =
    TOY_CLASS("toy", false, false, toy_translate_addr);
const TesseraArchClass toy_arch_be =
    TOY_CLASS("toy-be", true, false, toy_translate_addr);
const TesseraArchClass toy_arch_exact =
    TOY_CLASS("toy-exact", false, true, toy_translate_addr);
const TesseraArchClass toy_arch_flat = TOY_CLASS("toy-flat", false, false, NULL);

static Cpu *suite_cpu;

TesseraCpu *toy_suite_cpu(ToyEnv **env)
{
    tcache_init(0);
    suite_cpu = cpu_new(&toy_arch, NULL, 0);
    if (suite_cpu)
        *env = tessera_cpu_env(suite_cpu);
    return suite_cpu;
}

bool toy_suite_backend(void)
{
    const char *accel = getenv("TESSERA_ACCEL");
    return !accel || backend_select(accel);
}

int toy_suite_clean(void)
{
    cpu_free(suite_cpu);
    suite_cpu = NULL;
    toy_custom = NULL;
    bus_reset_all();
    return 0;
}
