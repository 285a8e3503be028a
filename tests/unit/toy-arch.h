/* SPDX-License-Identifier: MIT */
/*
 * A toy architecture for engine tests, so the core is tested without any
 * real ISA. Instructions are 4 bytes: opcode, a, b, c.
 *
 *   01 LI    r[a] = b | c << 8
 *   02 ADD   r[a] = r[b] + r[c]
 *   03 ADDI  r[a] = r[b] + (int8)c
 *   04 ST8   mem8[r[b] + (int8)c] = r[a]
 *   05 LD8   r[a] = mem8[r[b] + (int8)c]
 *   06 BNEZ  if (r[a]) pc += 4 * (int16)(b | c << 8), else pc += 4
 *   07 JR    pc = r[a]
 *   08 HALT  (wfi: halts, resumes after it)
 *   09 ST32  mem32[r[b] + (int8)c] = r[a]
 *   0a LD32  r[a] = mem32[r[b] + (int8)c]
 *   0b CALL  r[a] = helper(r[b]): counts calls, records pc/insns/cycles
 *   0c JMP   pc += 4 * (int16)(b | c << 8)
 *   0d MARK  exit_loop to the next instruction
 *   0e SLOW  costs (1 + a) cycles
 *   0f STP   mem8[r[b]] = r[a], then r[b] += 1 (ops after a store)
 *
 * Any other opcode is an illegal instruction: the helper records it and
 * halts. Faults record their details in env and halt (no trap vector), or
 * jump to env->trap_vector when it is set.
 *
 * Tests that check single IR ops install toy_custom: then translate()
 * calls it instead of decoding memory.
 */
#ifndef TESTS_UNIT_TOY_ARCH_H
#define TESTS_UNIT_TOY_ARCH_H

#include <stdbool.h>
#include <stdint.h>

#include <tessera/arch.h>

typedef struct ToyEnv {
    uint64_t r[16];
    uint64_t scratch[16]; /* more IR globals for op tests */

    /* Faults. */
    uint64_t faults;
    uint64_t fault_vaddr, fault_access, fault_kind, fault_pc;
    uint64_t fault_insns, fault_cycles;
    uint64_t trap_vector; /* 0: halt on faults */

    /* translate_addr controls. */
    uint64_t unmapped_lo, unmapped_hi; /* page fault in this range */
    uint64_t readonly_lo, readonly_hi; /* no write permission */
    uint64_t mmu1_offset;              /* mmu 1: phys = vaddr + offset */
    uint64_t remap_lo, remap_hi;       /* mmu 0: phys = vaddr + ... */
    uint64_t remap_offset;             /* ... this in that range */
    uint64_t translations;             /* calls of translate_addr */

    /* Helpers. */
    uint64_t calls;
    uint64_t call_pc, call_insns, call_cycles;
    uint64_t illegal;

    /* Interrupts. */
    uint64_t irq_level, irq_enabled, irq_vector, irq_taken, irq_pc;

    TesseraCpu *cpu;

    uint64_t nocache; /* translate_addr adds TESSERA_PROT_NOCACHE */
} ToyEnv;

typedef int (*ToyTranslateFn)(ToyEnv *env, TesseraIR *b, uint64_t pc);

extern ToyTranslateFn toy_custom;
extern const TesseraArchClass toy_arch;
extern const TesseraArchClass toy_arch_be; /* big-endian variant */
/* Interrupts and deadlines at the exact instruction (exact_interrupts). */
extern const TesseraArchClass toy_arch_exact;
/* No translate_addr: code at fixed addresses (as on microcontrollers). */
extern const TesseraArchClass toy_arch_flat;

/* The engine suites' CPU: a fresh translation cache and toy CPU 0 on the
 * bus the suite has set up, its ToyEnv in *env; NULL if it cannot be
 * made. toy_suite_clean(), the suites' CUnit clean function, frees it,
 * drops toy_custom and empties the bus. */
TesseraCpu *toy_suite_cpu(ToyEnv **env);
int toy_suite_clean(void);
/* The backend the suite runs on: $TESSERA_ACCEL (the *-on-interp.test
 * scripts run the same tests on each) or the default; false after a
 * message if there is no such backend. */
bool toy_suite_backend(void);

#define TOY_R(i) (offsetof(ToyEnv, r) + 8 * (i))
#define TOY_S(i) (offsetof(ToyEnv, scratch) + 8 * (i))

/* Encodes one instruction (constant expressions, for static tables). */
#define TOY_INSN(op, a, b, c)                                          \
    ((uint32_t)((op) & 0xff) | (uint32_t)((a) & 0xff) << 8 |           \
     (uint32_t)((b) & 0xff) << 16 | (uint32_t)((c) & 0xff) << 24)
#define TOY_IMM16(op, a, imm)                                          \
    TOY_INSN(op, a, (unsigned)(imm) & 0xff, ((unsigned)(imm) >> 8) & 0xff)

#endif
