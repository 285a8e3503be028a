/* SPDX-License-Identifier: MIT */
/*
 * Micro-benchmark of the execution engine (not a test): a made-up arch
 * whose only block is a loop of simple IR ops, run through cpu_exec.
 * Prints nanoseconds and host cycles (at the TSC rate) per guest
 * instruction for a few mixes:
 *
 *   alu     register-register and register-immediate adds, xors, shifts
 *   w32     RV64-style 32-bit ops with sign extension (addw and friends)
 *   mem     a load and a store every other instruction (soft-TLB hits)
 *   branch  tiny blocks: two ops and a loop branch (chaining cost)
 *
 *   bench/engine-micro [MIX] [MILLION_INSNS]
 *
 * For instruction counts: valgrind --tool=callgrind bench/engine-micro alu 5
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernel/bus.h"
#include "kernel/cpu.h"

typedef struct MicroEnv {
    uint64_t r[16];
    uint64_t done;
    TesseraCpu *cpu;
} MicroEnv;

#define REG(i) (offsetof(MicroEnv, r) + 8 * (i))
#define LOOP_PC 0x1000
#define DATA 0x10000

static const char *mix = "alu";
static unsigned body; /* guest instructions in the loop body */

static uint64_t helper_done(void *opaque, uint64_t a0, uint64_t a1,
                            uint64_t a2, uint64_t a3)
{
    MicroEnv *env = opaque;
    env->done = 1;
    tessera_cpu_halt(env->cpu);
    return 0;
}

static void insn(TesseraIR *b, uint64_t *pc)
{
    tessera_ir_insn_start(b, *pc, 4, 1);
    *pc += 4;
}

static int micro_translate(void *opaque, TesseraIR *b, uint64_t pc,
                           uint32_t flags)
{
    TesseraVal r[16];
    for (int i = 0; i < 16; i++)
        r[i] = tessera_ir_global(b, REG(i));

    if (pc != LOOP_PC) {
        insn(b, &pc);
        tessera_ir_call(b, helper_done, 0, TESSERA_IR_NONE, 0, NULL);
        tessera_ir_exit_loop(b, pc);
        return 0;
    }
    if (!strcmp(mix, "alu")) {
        for (unsigned i = 0; i < body; i++) {
            insn(b, &pc);
            TesseraVal d = r[i % 6], s = r[(i + 1) % 6];
            switch (i % 4) {
            case 0:
                tessera_ir_binop(b, TESSERA_ADD, TESSERA_I64, d, d, s);
                break;
            case 1:
                tessera_ir_binop(b, TESSERA_ADD, TESSERA_I64, d, s,
                                 tessera_ir_const(b, i));
                break;
            case 2:
                tessera_ir_binop(b, TESSERA_XOR, TESSERA_I64, d, d, s);
                break;
            default:
                tessera_ir_binop(b, TESSERA_SHL, TESSERA_I64, d, s,
                                 tessera_ir_const(b, 3));
                break;
            }
        }
    } else if (!strcmp(mix, "w32")) {
        for (unsigned i = 0; i < body; i++) {
            insn(b, &pc);
            TesseraVal d = r[i % 6], s = r[(i + 1) % 6];
            tessera_ir_binop(b, i & 1 ? TESSERA_ADD : TESSERA_SUB,
                             TESSERA_I32, d, d, s);
            tessera_ir_unop(b, TESSERA_EXT32S, TESSERA_I64, d, d);
        }
    } else if (!strcmp(mix, "mem")) {
        for (unsigned i = 0; i < body; i++) {
            insn(b, &pc);
            TesseraVal d = r[i % 6];
            switch (i % 4) {
            case 0:
                tessera_ir_load(b, d, r[8], 8 * (i % 32), TESSERA_MO_64, 0);
                break;
            case 2:
                tessera_ir_store(b, d, r[8], 8 * (i % 32), TESSERA_MO_32, 0);
                break;
            default:
                tessera_ir_binop(b, TESSERA_ADD, TESSERA_I64, d, d,
                                 tessera_ir_const(b, 1));
                break;
            }
        }
    } else { /* branch */
        for (unsigned i = 0; i < body; i++) {
            insn(b, &pc);
            tessera_ir_binop(b, TESSERA_ADD, TESSERA_I64, r[i], r[i],
                             tessera_ir_const(b, 1));
        }
    }
    /* Loop: r7 -= 1; if (r7 != 0) goto LOOP_PC */
    insn(b, &pc);
    tessera_ir_binop(b, TESSERA_ADD, TESSERA_I64, r[7], r[7],
                     tessera_ir_const(b, (uint64_t)-1));
    insn(b, &pc);
    TesseraLabel again = tessera_ir_label_new(b);
    tessera_ir_brcond(b, TESSERA_NE, TESSERA_I64, r[7],
                      tessera_ir_const(b, 0), again);
    tessera_ir_goto(b, pc);
    tessera_ir_label_set(b, again);
    tessera_ir_goto(b, LOOP_PC);
    return 0;
}

static int micro_init(TesseraCpu *cpu, void *opaque,
                      const TesseraCpuModel *model, unsigned index)
{
    ((MicroEnv *)opaque)->cpu = cpu;
    return 0;
}

static void micro_reset(void *opaque)
{
    MicroEnv *env = opaque;
    tessera_cpu_set_pc(env->cpu, LOOP_PC);
}

static bool micro_has_work(void *opaque)
{
    return false;
}

static const TesseraCpuModel micro_models[] = {{"micro", "", NULL},
                                               {NULL, NULL, NULL}};

static const TesseraArchClass micro_arch = {
    .name = "micro",
    .description = "engine micro-benchmark",
    .models = micro_models,
    .default_model = "micro",
    .env_size = sizeof(MicroEnv),
    .nb_mmu_modes = 1,
    .page_bits = 12,
    .cpu_init = micro_init,
    .cpu_reset = micro_reset,
    .translate = micro_translate,
    .has_work = micro_has_work,
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double tsc_ghz(void)
{
    /* The TSC rate, for "host cycles": time rdtsc over 50 ms. */
    unsigned lo, hi;
    double t0 = now();
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    uint64_t c0 = (uint64_t)hi << 32 | lo;
    while (now() - t0 < 0.05)
        ;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    uint64_t c1 = (uint64_t)hi << 32 | lo;
    return (double)(c1 - c0) / (now() - t0) / 1e9;
}

int main(int argc, char **argv)
{
    double millions = 200;
    if (argc > 1)
        mix = argv[1];
    if (argc > 2)
        millions = atof(argv[2]);
    if (strcmp(mix, "alu") && strcmp(mix, "w32") && strcmp(mix, "mem") &&
        strcmp(mix, "branch")) {
        fprintf(stderr, "usage: %s [alu|w32|mem|branch] [MILLION_INSNS]\n",
                argv[0]);
        return 2;
    }
    body = !strcmp(mix, "branch") ? 2 : 30;

    if (!bus_add_ram("ram", 0, 0x100000))
        return 1;
    tcache_init(0);
    Cpu *cpu = cpu_new(&micro_arch, NULL, 0);
    if (!cpu)
        return 1;
    MicroEnv *env = tessera_cpu_env(cpu);
    uint64_t per_iter = body + 2;
    uint64_t iters = (uint64_t)(millions * 1e6) / per_iter;
    env->r[7] = iters;
    env->r[8] = DATA;

    double ghz = tsc_ghz();
    double t0 = now();
    while (!env->done)
        cpu_exec(cpu, 1000000);
    double t = now() - t0;
    uint64_t n = tessera_cpu_insns(cpu);
    printf("%-6s %" PRIu64 " guest insns in %.3f s: %.2f ns/insn, "
           "%.1f host cycles/insn at %.2f GHz, %.0f MIPS\n",
           mix, n, t, t * 1e9 / n, t * 1e9 / n * ghz, ghz, n / t / 1e6);
    cpu_free(cpu);
    return 0;
}
