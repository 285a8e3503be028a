/* SPDX-License-Identifier: MIT */
/*
 * The translation cache and the CPU loop, with toy programs in RAM:
 * lookup, chaining, budgets, self-modifying code (other block, current
 * block, data next to code), external invalidation, flush on a full cache,
 * remapping, interrupts, halt, stop, fetch faults and logging.
 */
#include <CUnit/Basic.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel/backend.h"
#include "kernel/bus.h"
#include "kernel/cpu-internal.h"
#include "kernel/cpu.h"
#include "kernel/log.h"
#include "tests/unit/toy-arch.h"
#include "tests/unit/unit.h"

#define RAM_SIZE 0x100000
#define MMIO_BASE 0x200000

static Cpu *cpu;
static ToyEnv *env;

/* Device: +0 drives the IRQ line, +8 stops the CPU, +0x10 invalidates
 * 4 bytes of code at the written address (like a DMA engine). */
static uint64_t dev_read(void *opaque, uint64_t off, unsigned size)
{
    return 0;
}

static void dev_write(void *opaque, uint64_t off, uint64_t v, unsigned size)
{
    if (off == 0)
        cpu_irq_set(cpu, 0, (int)v);
    else if (off == 8)
        cpu_stop(cpu);
    else if (off == 0x10)
        tcache_invalidate_phys(v, 4);
}

static const TesseraMmioOps dev_ops = {dev_read, dev_write, 0, 0};

static int suite_init(void)
{
    if (!bus_add_ram("ram", 0, RAM_SIZE) ||
        !bus_add_mmio("dev", MMIO_BASE, 0x1000, &dev_ops, NULL) ||
        /* A device over 16 bytes of RAM page 0x7000 (HTIF does this). */
        !bus_add_mmio("overlay", 0x7f00, 0x10, &dev_ops, NULL))
        return -1;
    cpu = toy_suite_cpu(&env);
    return cpu ? 0 : -1;
}

#define I(op, a, b, c) TOY_INSN(op, a, b, c)
#define LI(r, v) TOY_IMM16(0x01, r, v)
#define ADDI(d, s, v) TOY_INSN(0x03, d, s, (unsigned)(v))
#define ADD(d, s, t) TOY_INSN(0x02, d, s, t)
#define ST8(v, base, off) TOY_INSN(0x04, v, base, (unsigned)(off))
#define ST32(v, base, off) TOY_INSN(0x09, v, base, (unsigned)(off))
#define LD32(d, base, off) TOY_INSN(0x0a, d, base, (unsigned)(off))
#define BNEZ(r, rel) TOY_IMM16(0x06, r, rel)
#define JR(r) TOY_INSN(0x07, r, 0, 0)
#define JMP(rel) TOY_IMM16(0x0c, 0, rel)
#define HALT TOY_INSN(0x08, 0, 0, 0)
#define MARK TOY_INSN(0x0d, 0, 0, 0)
#define STP(v, base) TOY_INSN(0x0f, v, base, 0)

static void load_prog(uint64_t addr, const uint32_t *words, size_t n)
{
    CU_ASSERT_TRUE(bus_write_buf(addr, words, n * 4));
}

/* Resets the CPU and runs it from 0x1000 until it halts. */
static void run_prog(void)
{
    cpu_reset(cpu);
    memset(env->scratch, 0, sizeof(env->scratch));
    env->faults = 0;
    for (int i = 0; i < 1000 && !cpu_is_idle(cpu); i++)
        cpu_exec(cpu, 100000);
    CU_ASSERT_TRUE(cpu_is_idle(cpu));
}

static const uint32_t loop_prog[] = {
    LI(2, 100),        /* 0x1000 */
    LI(1, 0),          /* 0x1004 */
    ADDI(1, 1, 3),     /* 0x1008 loop */
    ADDI(2, 2, -1),    /* 0x100c */
    BNEZ(2, -2),       /* 0x1010 -> 0x1008 */
    HALT,              /* 0x1014 */
};

static void test_lookup(void)
{
    tcache_flush();
    load_prog(0x1000, loop_prog, 6);
    uint64_t t0 = tcache_blocks_translated();
    uint64_t i0 = tessera_cpu_insns(cpu);
    run_prog();
    CU_ASSERT_EQUAL(env->r[1], 300);
    CU_ASSERT_EQUAL(env->r[2], 0);
    CU_ASSERT_EQUAL(tcache_blocks_translated() - t0, 3);
    CU_ASSERT_EQUAL(tessera_cpu_insns(cpu) - i0, 2 + 100 * 3 + 1);
    CU_ASSERT_EQUAL(tessera_cpu_get_pc(cpu), 0x1018);
    /* Again: everything comes from the cache. */
    run_prog();
    CU_ASSERT_EQUAL(env->r[1], 300);
    CU_ASSERT_EQUAL(tcache_blocks_translated() - t0, 3);
}

/* A loop of two blocks: A jumps to B, B branches back to A. */
static const uint32_t loop2_prog[] = {
    LI(2, 100),        /* 0x1000 */
    LI(1, 0),          /* 0x1004 */
    ADDI(1, 1, 3),     /* 0x1008 A */
    JMP(1),            /* 0x100c -> 0x1010 */
    ADDI(2, 2, -1),    /* 0x1010 B */
    BNEZ(2, -3),       /* 0x1014 -> 0x1008 */
    HALT,              /* 0x1018 */
};

/*
 * Exits between blocks are chained and listed at their targets. (A block
 * that branches to its own start may loop inside its own code instead:
 * the native backend does, so the two-block loop is what tests chaining.)
 */
static void test_chaining(void)
{
    tcache_flush();
    load_prog(0x1000, loop2_prog, 7);
    run_prog();
    CU_ASSERT_EQUAL(env->r[1], 300);
    CU_ASSERT_EQUAL(env->r[2], 0);
    TB *a = tcache_find(cpu, 0x1008, 0x1008, 0);
    TB *b = tcache_find(cpu, 0x1010, 0x1010, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    /* B's taken branch jumps straight into A, A's jump into B. */
    bool b_to_a = false, a_to_b = false;
    for (unsigned i = 0; i < b->nexits; i++)
        if (b->exits[i].pc == 0x1008 && b->exits[i].next == a)
            b_to_a = true;
    for (unsigned i = 0; i < a->nexits; i++)
        if (a->exits[i].pc == 0x1010 && a->exits[i].next == b)
            a_to_b = true;
    CU_ASSERT_TRUE(b_to_a);
    CU_ASSERT_TRUE(a_to_b);
    bool listed = false;
    for (TBExit *x = a->in_list; x; x = x->in_next)
        if (x->tb == b)
            listed = true;
    CU_ASSERT_TRUE(listed);
    /* Again from the cache, chained: the same results, exact counts. */
    uint64_t i0 = tessera_cpu_insns(cpu);
    run_prog();
    CU_ASSERT_EQUAL(env->r[1], 300);
    CU_ASSERT_EQUAL(tessera_cpu_insns(cpu) - i0, 2 + 100 * 4 + 1);
}

static void test_budget(void)
{
    static const uint32_t forever[] = {LI(2, 1), ADDI(1, 1, 1), BNEZ(2, -1)};
    tcache_flush();
    load_prog(0x1000, forever, 3);
    cpu_reset(cpu);
    uint64_t ran = cpu_exec(cpu, 1000);
    /* Blocks are 3 and 2 cycles: at most one block over. */
    CU_ASSERT_TRUE(ran >= 1000 && ran < 1003);
    ran = cpu_exec(cpu, 1);
    CU_ASSERT_TRUE(ran >= 1 && ran <= 2);
    CU_ASSERT_EQUAL(tessera_cpu_cycles(cpu), tessera_cpu_insns(cpu));
}

static void test_goto_dyn_loop(void)
{
    /* A loop closed by a computed jump goes through the jump cache. */
    static const uint32_t prog[] = {
        LI(2, 50),       /* 0x1000 */
        LI(5, 0x1008),   /* 0x1004 */
        ADDI(1, 1, 2),   /* 0x1008 */
        ADDI(2, 2, -1),  /* 0x100c */
        BNEZ(2, 2),      /* 0x1010 -> 0x1018 */
        HALT,            /* 0x1014 */
        JR(5),           /* 0x1018 */
    };
    tcache_flush();
    load_prog(0x1000, prog, 7);
    run_prog();
    CU_ASSERT_EQUAL(env->r[1], 100);
}

/*
 * A loop of two blocks on two pages: the jumps between them are never
 * chained (a mapping of the other page could change alone), but native
 * code probes the jump cache for them, so the warm loop does not come
 * back to the CPU loop per round. Counts stay exact either way.
 */
static void test_cross_page_loop(void)
{
    static const uint32_t a[] = {
        LI(2, 100),        /* 0x1000 */
        LI(1, 0),          /* 0x1004 */
        ADDI(1, 1, 3),     /* 0x1008 A */
        JMP(0x7fd),        /* 0x100c -> 0x3000 */
    };
    static const uint32_t b[] = {
        ADDI(2, 2, -1),    /* 0x3000 B */
        BNEZ(2, -0x7ff),   /* 0x3004 -> 0x1008 */
        HALT,              /* 0x3008 */
    };
    tcache_flush();
    load_prog(0x1000, a, 4);
    load_prog(0x3000, b, 3);
    run_prog();
    CU_ASSERT_EQUAL(env->r[1], 300);
    CU_ASSERT_EQUAL(env->r[2], 0);
    uint64_t i0 = tessera_cpu_insns(cpu);
    uint64_t c0 = tessera_cpu_cycles(cpu);
    uint64_t loop0 = engine_stats.loop_blocks;
    run_prog();
    CU_ASSERT_EQUAL(env->r[1], 300);
    CU_ASSERT_EQUAL(tessera_cpu_insns(cpu) - i0, 2 + 100 * 4 + 1);
    CU_ASSERT_EQUAL(tessera_cpu_cycles(cpu) - c0, 2 + 100 * 4 + 1);
    uint64_t entered = engine_stats.loop_blocks - loop0;
    if (strcmp(backend_current()->name, "native") == 0) {
        CU_ASSERT_TRUE(entered < 10);
    } else {
        CU_ASSERT_TRUE(entered >= 200);
    }
    /* B's page alone remapped to other code (A's page maps to the same
     * code either way): the probe in A must not find the old B. */
    static const uint32_t b2[] = {
        ADDI(1, 1, 2),     /* 0x3000 */
        ADDI(2, 2, -1),    /* 0x3004 */
        BNEZ(2, -0x800),   /* 0x3008 -> 0x1008 */
        HALT,              /* 0x300c */
    };
    load_prog(0x21000, a, 4);
    load_prog(0x23000, b2, 4);
    cpu_reset(cpu);
    env->mmu1_offset = 0;
    tessera_cpu_set_code_mmu_idx(cpu, 1);
    for (int i = 0; i < 10 && !cpu_is_idle(cpu); i++)
        cpu_exec(cpu, 100000);
    CU_ASSERT_EQUAL(env->r[1], 300);
    cpu_reset(cpu);
    env->mmu1_offset = 0x20000;
    tessera_tlb_flush_page(cpu, 0x3000);
    tessera_cpu_set_code_mmu_idx(cpu, 1);
    i0 = tessera_cpu_insns(cpu);
    for (int i = 0; i < 10 && !cpu_is_idle(cpu); i++)
        cpu_exec(cpu, 100000);
    CU_ASSERT_EQUAL(env->r[1], 500);
    CU_ASSERT_EQUAL(tessera_cpu_insns(cpu) - i0, 2 + 100 * 5 + 1);
    env->mmu1_offset = 0;
    tessera_cpu_set_code_mmu_idx(cpu, 0);
    tessera_tlb_flush(cpu);
}

/*
 * A block that starts at the end of one page and goes on into the next
 * sits in the jump cache under its PC's page: flushing the second page
 * alone (remapped to other code) must still drop it. The program halts
 * between the two loops and an interrupt line wakes it (no reset, which
 * would empty the jump cache).
 */
static void test_flush_second_page(void)
{
    static const uint32_t a[] = {
        LI(2, 100),        /* 0x1000 */
        LI(1, 0),          /* 0x1004 */
        JMP(0x3fc),        /* 0x1008 -> 0x1ff8 */
        HALT,              /* 0x100c: after each loop */
        LI(2, 100),        /* 0x1010 */
        JMP(0x3f9),        /* 0x1014 -> 0x1ff8 */
    };
    static const uint32_t tail[] = {
        ADDI(1, 1, 3),     /* 0x1ff8 */
        ADDI(2, 2, -1),    /* 0x1ffc */
    };
    static const uint32_t b[] = {
        BNEZ(2, -2),       /* 0x2000 -> 0x1ff8 */
        JMP(-0x3fe),       /* 0x2004 -> 0x100c */
    };
    static const uint32_t b2[] = {
        ADDI(1, 1, 1),     /* 0x2000 */
        BNEZ(2, -3),       /* 0x2004 -> 0x1ff8 */
        JMP(-0x3ff),       /* 0x2008 -> 0x100c */
    };
    tcache_flush();
    load_prog(0x1000, a, 6);
    load_prog(0x1ff8, tail, 2);
    load_prog(0x2000, b, 2);
    load_prog(0x21000, a, 6);
    load_prog(0x21ff8, tail, 2);
    load_prog(0x22000, b2, 3);
    cpu_reset(cpu);
    env->mmu1_offset = 0;
    tessera_cpu_set_code_mmu_idx(cpu, 1);
    for (int i = 0; i < 10 && !cpu_is_idle(cpu); i++)
        cpu_exec(cpu, 100000);
    CU_ASSERT_TRUE(cpu_is_idle(cpu));
    CU_ASSERT_EQUAL(env->r[1], 300);
    /* The block at 0x1ff8 (code MMU 1) is in the jump cache. */
    TB *tb = tcache_find(cpu, 0x1ff8, 0x1ff8, 1);
    CU_ASSERT_EQUAL(tb->npages, 2);
    CU_ASSERT_PTR_EQUAL(cpu->jc[cpu_jc_hash(0x1ff8)], tb);

    env->mmu1_offset = 0x20000;
    tessera_tlb_flush_page(cpu, 0x2000);
    CU_ASSERT_PTR_NOT_EQUAL(cpu->jc[cpu_jc_hash(0x1ff8)], tb);
    env->irq_enabled = 0;
    cpu_irq_set(cpu, 0, 1);
    uint64_t i0 = tessera_cpu_insns(cpu);
    cpu_exec(cpu, 100000); /* up to the halt after the second loop */
    cpu_irq_set(cpu, 0, 0);
    CU_ASSERT_TRUE(cpu_is_idle(cpu));
    CU_ASSERT_EQUAL(tessera_cpu_get_pc(cpu), 0x1010);
    CU_ASSERT_EQUAL(env->r[1], 300 + 400);
    CU_ASSERT_EQUAL(tessera_cpu_insns(cpu) - i0, 2 + 100 * 4 + 1 + 1);
    env->mmu1_offset = 0;
    tessera_cpu_set_code_mmu_idx(cpu, 0);
    tessera_tlb_flush(cpu);
}

/*
 * A jump to a block in the same page that runs on into the next: the
 * jump is chained only when the arch's code mapping never changes (no
 * translate_addr); with an MMU the next page's mapping could change
 * alone, and each round comes back to the loop. Counts stay exact.
 */
static void test_chain_fixed_map(void)
{
    static const uint32_t start[] = {
        LI(2, 100),        /* 0x1000 */
        LI(1, 0),          /* 0x1004 */
        JMP(0x3fa),        /* 0x1008 -> 0x1ff0 */
    };
    static const uint32_t loop[] = {
        ADDI(1, 1, 3),     /* 0x1ff0: A */
        JMP(1),            /* 0x1ff4 -> 0x1ff8 */
        ADDI(2, 2, -1),    /* 0x1ff8: B, on to the next page */
        ADDI(1, 1, 1),     /* 0x1ffc */
        BNEZ(2, -4),       /* 0x2000 -> 0x1ff0 */
        HALT,              /* 0x2004 */
    };
    for (int flat = 0; flat < 2; flat++) {
        Cpu *c = flat ? cpu_new(&toy_arch_flat, NULL, 4) : cpu;
        CU_ASSERT_PTR_NOT_NULL_FATAL(c);
        ToyEnv *e = tessera_cpu_env(c);
        uint64_t loop0 = 0, i0 = 0;
        tcache_flush();
        load_prog(0x1000, start, 3);
        load_prog(0x1ff0, loop, 6);
        for (int round = 0; round < 2; round++) { /* the second one warm */
            cpu_reset(c);
            loop0 = engine_stats.loop_blocks;
            i0 = tessera_cpu_insns(c);
            for (int i = 0; i < 1000 && !cpu_is_idle(c); i++)
                cpu_exec(c, 100000);
            CU_ASSERT_TRUE(cpu_is_idle(c));
        }
        CU_ASSERT_EQUAL(e->r[1], 400);
        CU_ASSERT_EQUAL(tessera_cpu_insns(c) - i0, 3 + 100 * 5 + 1);
        uint64_t entered = engine_stats.loop_blocks - loop0;
        if (flat) {
            CU_ASSERT_TRUE(entered < 10);
            cpu_free(c);
        } else {
            CU_ASSERT_TRUE(entered >= 100);
        }
    }
}

/* Wakes the halted CPU (the instruction after HALT runs) and runs it up
 * to its next halt. */
static void wake_and_run(void)
{
    env->irq_enabled = 0;
    cpu_irq_set(cpu, 0, 1);
    cpu_exec(cpu, 100000);
    cpu_irq_set(cpu, 0, 0);
    CU_ASSERT_TRUE(cpu_is_idle(cpu));
}

/*
 * A loop's load keeps the page it hit in a TLB slot (native code): a page
 * flush must drop it when the page is remapped, and a misaligned load
 * that crosses from the page before into the slot's page must not take
 * the slot's addend (the two pages are not next to each other in RAM).
 */
static void test_tlb_slots(void)
{
    static const uint32_t start[] = {
        LI(2, 100),        /* 0x1000 */
        LI(1, 0),          /* 0x1004 */
        LI(5, 0x6000),     /* 0x1008 */
        JMP(0x3fd),        /* 0x100c -> 0x2000 */
    };
    static const uint32_t loop[] = {
        LD32(3, 5, 0),     /* 0x2000 */
        ADD(1, 1, 3),      /* 0x2004 */
        ADDI(2, 2, -1),    /* 0x2008 */
        BNEZ(2, -3),       /* 0x200c -> 0x2000 */
        HALT,              /* 0x2010 */
        JR(6),             /* 0x2014: woken, again with r1, r2, r5 set */
    };
    static const uint8_t before[2] = {0x22, 0x11}, after[2] = {0x44, 0x33};
    static const uint32_t v7 = 7, v9 = 9;

    tcache_flush();
    load_prog(0x1000, start, 4);
    load_prog(0x2000, loop, 6);
    CU_ASSERT_TRUE(bus_write_buf(0x6000, &v7, 4));
    CU_ASSERT_TRUE(bus_write_buf(0x16000, &v9, 4));
    CU_ASSERT_TRUE(bus_write_buf(0x5ffe, before, 2));
    run_prog();
    CU_ASSERT_EQUAL(env->r[1], 700);

    /* The loop again, its block and slot kept (no reset): page 0x6000
     * now maps 0x16000. */
    env->remap_lo = 0x6000;
    env->remap_hi = 0x7000;
    env->remap_offset = 0x10000;
    tessera_tlb_flush_page(cpu, 0x6000);
    env->r[1] = 0;
    env->r[2] = 100;
    env->r[6] = 0x2000;
    wake_and_run();
    CU_ASSERT_EQUAL(env->r[1], 900);

    /* A load of 0x5ffe: two bytes from 0x5ffe, two from 0x16000. */
    CU_ASSERT_TRUE(bus_write_buf(0x16000, after, 2));
    env->r[1] = 0;
    env->r[2] = 100;
    env->r[5] = 0x5ffe;
    wake_and_run();
    CU_ASSERT_EQUAL(env->r[1], 100 * (uint64_t)0x33441122);

    env->remap_lo = env->remap_hi = env->remap_offset = 0;
    tessera_tlb_flush(cpu);
}

/*
 * A loop's store to a page of code, next to the code, gets a TLB slot for
 * the part of the page on that side of the code (native code; the loop at
 * loop_at, the store to target_at). Code translated later where the store
 * writes grows the page's code: the store must then invalidate it.
 */
static void slot_code_side(uint32_t loop_at, uint32_t target_at)
{
    const uint32_t start[] = {
        LI(2, 100),                        /* 0x1000 */
        LI(5, target_at),                  /* 0x1004 */
        LI(6, 0x5000),                     /* 0x1008 */
        JMP((loop_at - 0x100c) / 4),       /* 0x100c -> loop_at */
    };
    static const uint32_t loop[] = {
        LD32(3, 6, 0),     /* +0x00 */
        ST32(3, 5, 0),     /* +0x04 */
        ADDI(2, 2, -1),    /* +0x08 */
        BNEZ(2, -3),       /* +0x0c -> +0x00 */
        HALT,              /* +0x10 */
        JR(7),             /* +0x14 */
    };
    static const uint32_t target[] = {
        LI(1, 5),          /* what the loop writes over */
        HALT,
        JR(7),
    };
    const uint32_t li5 = LI(1, 5), li7 = LI(1, 7);

    tcache_flush();
    load_prog(0x1000, start, 4);
    load_prog(loop_at, loop, 6);
    load_prog(target_at, target, 3);
    CU_ASSERT_TRUE(bus_write_buf(0x5000, &li5, 4));
    run_prog(); /* the loop writes target_at with what it holds */
    CU_ASSERT_EQUAL(env->r[2], 0);

    env->r[7] = target_at; /* translated now: the page's code grows */
    wake_and_run();
    CU_ASSERT_EQUAL(env->r[1], 5);

    CU_ASSERT_TRUE(bus_write_buf(0x5000, &li7, 4));
    env->r[2] = 100;
    env->r[7] = loop_at;
    wake_and_run(); /* the loop writes new code at target_at */
    env->r[7] = target_at;
    wake_and_run();
    CU_ASSERT_EQUAL(env->r[1], 7);
}

static void test_tlb_slot_code_mode(void)
{
    slot_code_side(0x3000, 0x3800); /* the store above the code */
    slot_code_side(0x3800, 0x3100); /* and below it */
}

/*
 * A loop that stores on both sides of its own code, a 4-byte load that
 * crosses from its page into the next (mapped elsewhere: no slot may hold
 * it) and one that is misaligned inside a page (which a slot holds): all
 * must take the right bytes every time. Then the store above the code
 * moves from next to a block into it: its slot (the page above the
 * block's code) must not let it through.
 */
static void test_tlb_slot_edges(void)
{
    static const uint32_t start[] = {
        LI(2, 100),        /* 0x1000 */
        LI(5, 0x3100),     /* 0x1004 */
        LI(6, 0x3900),     /* 0x1008 */
        LI(8, 0x5ffe),     /* 0x100c */
        LI(9, 0x7003),     /* 0x1010 */
        LI(1, 0),          /* 0x1014 */
        LI(11, 0x5000),    /* 0x1018 */
        LD32(10, 11, 0),   /* 0x101c */
        JMP(0x8f8),        /* 0x1020 -> 0x3400 */
    };
    static const uint32_t loop[] = {
        ST32(2, 5, 0),     /* 0x3400: below the code */
        ST32(10, 6, 0),    /* 0x3404: above it */
        LD32(3, 8, 0),     /* 0x3408: crossing into the next page */
        ADD(1, 1, 3),      /* 0x340c */
        LD32(3, 9, 0),     /* 0x3410: misaligned */
        ADD(1, 1, 3),      /* 0x3414 */
        ADDI(2, 2, -1),    /* 0x3418 */
        BNEZ(2, -7),       /* 0x341c -> 0x3400 */
        HALT,              /* 0x3420 */
        JR(7),             /* 0x3424 */
    };
    static const uint32_t block[] = {LI(1, 5), HALT, JR(7)}; /* 0x3800 */
    static const uint8_t data[8] = {0x01, 0x02, 0x03, 0x04,
                                    0x10, 0x20, 0x30, 0x40};
    static const uint8_t before[2] = {0x22, 0x11}, after[2] = {0x44, 0x33};
    const uint32_t li7 = LI(1, 7);
    uint32_t below = 0, above = 0;

    tcache_flush();
    load_prog(0x1000, start, 9);
    load_prog(0x3400, loop, 10);
    load_prog(0x3800, block, 3);
    CU_ASSERT_TRUE(bus_write_buf(0x5000, &li7, 4));
    CU_ASSERT_TRUE(bus_write_buf(0x5ffe, before, 2));
    CU_ASSERT_TRUE(bus_write_buf(0x6000, data, 2));
    CU_ASSERT_TRUE(bus_write_buf(0x16000, after, 2));
    CU_ASSERT_TRUE(bus_write_buf(0x7000, data, 8));
    env->remap_lo = 0x6000; /* page 0x6000 maps 0x16000 */
    env->remap_hi = 0x7000;
    env->remap_offset = 0x10000;
    tessera_tlb_flush(cpu);
    run_prog();
    env->remap_lo = env->remap_hi = env->remap_offset = 0;
    tessera_tlb_flush(cpu);
    CU_ASSERT_EQUAL(env->r[2], 0);
    CU_ASSERT_EQUAL(env->r[1], 100 * (uint64_t)(0x33441122u + 0x30201004u));
    CU_ASSERT_TRUE(bus_read_buf(0x3100, &below, 4));
    CU_ASSERT_TRUE(bus_read_buf(0x3900, &above, 4));
    CU_ASSERT_EQUAL(below, 1);
    CU_ASSERT_EQUAL(above, li7);

    env->r[7] = 0x3800; /* the block, translated: the page's code grows */
    wake_and_run();
    CU_ASSERT_EQUAL(env->r[1], 5);
    env->r[2] = 100;   /* the loop again: its store slot takes 0x380c.. */
    env->r[7] = 0x3400;
    wake_and_run();
    env->r[2] = 100;   /* and now it writes LI r1, 7 over the block */
    env->r[6] = 0x3800;
    wake_and_run();
    env->r[7] = 0x3800;
    wake_and_run();
    CU_ASSERT_EQUAL(env->r[1], 7);
}

static void test_smc_other_block(void)
{
    static const uint32_t prog[] = {
        LI(5, 2),             /* 0x1000 */
        JMP(0x3f),            /* 0x1004 -> 0x1100 */
        LI(6, 0x1102),        /* 0x1008 */
        LI(7, 7),             /* 0x100c */
        ST8(7, 6, 0),         /* 0x1010: patch LI r1's immediate */
        ADDI(5, 5, -1),       /* 0x1014 */
        BNEZ(5, -5),          /* 0x1018 -> 0x1004 */
        HALT,                 /* 0x101c */
    };
    static const uint32_t sub[] = {LI(1, 1), ADD(4, 4, 1), JMP(-0x40)};
    tcache_flush();
    load_prog(0x1000, prog, 8);
    load_prog(0x1100, sub, 3);
    run_prog();
    CU_ASSERT_EQUAL(env->r[1], 7);
    CU_ASSERT_EQUAL(env->r[4], 1 + 7);
}

static void test_smc_same_block(void)
{
    /* The store patches the next instruction of the running block. */
    static const uint32_t prog[] = {
        LI(6, 0x100e),    /* 0x1000 */
        LI(7, 0x42),      /* 0x1004 */
        ST8(7, 6, 0),     /* 0x1008 */
        LI(3, 0),         /* 0x100c: becomes LI r3, 0x42 */
        HALT,             /* 0x1010 */
    };
    tcache_flush();
    load_prog(0x1000, prog, 5);
    uint64_t i0 = tessera_cpu_insns(cpu);
    uint64_t t0 = tcache_blocks_translated();
    run_prog();
    CU_ASSERT_EQUAL(env->r[3], 0x42);
    CU_ASSERT_EQUAL(tessera_cpu_insns(cpu) - i0, 5);
    CU_ASSERT_EQUAL(tcache_blocks_translated() - t0, 2);
}

static void test_smc_same_block_tail(void)
{
    /* Ops after the store (a post-increment) run exactly once. */
    static const uint32_t prog[] = {
        LI(6, 0x100e),    /* 0x1000 */
        LI(7, 0x42),      /* 0x1004 */
        STP(7, 6),        /* 0x1008: store, then r6++ */
        LI(3, 0),         /* 0x100c: patched */
        HALT,             /* 0x1010 */
    };
    tcache_flush();
    load_prog(0x1000, prog, 5);
    uint64_t i0 = tessera_cpu_insns(cpu);
    uint64_t c0 = tessera_cpu_cycles(cpu);
    run_prog();
    CU_ASSERT_EQUAL(env->r[3], 0x42);
    CU_ASSERT_EQUAL(env->r[6], 0x100f);
    CU_ASSERT_EQUAL(tessera_cpu_insns(cpu) - i0, 5);
    CU_ASSERT_EQUAL(tessera_cpu_cycles(cpu) - c0, 5);
}

static void test_smc_loop_patches_itself(void)
{
    /* A loop block rewrites its own ADDI immediate on every iteration. */
    static const uint32_t prog[] = {
        LI(2, 5),         /* 0x1000 */
        LI(6, 0x100f),    /* 0x1004: the immediate byte of 0x100c */
        LI(1, 0),         /* 0x1008 */
        ADDI(1, 1, 0),    /* 0x100c loop: r1 += imm */
        ADDI(7, 7, 1),    /* 0x1010 */
        ST8(7, 6, 0),     /* 0x1014: imm = r7 */
        ADDI(2, 2, -1),   /* 0x1018 */
        BNEZ(2, -4),      /* 0x101c -> 0x100c */
        HALT,             /* 0x1020 */
    };
    tcache_flush();
    load_prog(0x1000, prog, 9);
    run_prog();
    /* imm is 0, 1, 2, 3, 4 on the five passes. */
    CU_ASSERT_EQUAL(env->r[1], 0 + 1 + 2 + 3 + 4);
}

static void test_data_next_to_code(void)
{
    static const uint32_t prog[] = {
        LI(6, 0x1800),    /* 0x1000: data in the code's 4 KiB page */
        LI(2, 1000),      /* 0x1004 */
        ST32(2, 6, 0),    /* 0x1008 */
        ADDI(2, 2, -1),   /* 0x100c */
        BNEZ(2, -2),      /* 0x1010 -> 0x1008 */
        HALT,             /* 0x1014 */
    };
    tcache_flush();
    load_prog(0x1000, prog, 6);
    uint64_t t0 = tcache_blocks_translated();
    run_prog();
    uint32_t v;
    CU_ASSERT_TRUE(bus_read_buf(0x1800, &v, 4));
    CU_ASSERT_EQUAL(v, 1);
    /* No store touched code: nothing was translated twice. */
    CU_ASSERT_EQUAL(tcache_blocks_translated() - t0, 3);

    /* A store into a code granule but not onto code bytes: still no
     * retranslation. */
    static const uint32_t prog2[] = {
        LI(6, 0x1030),    /* 0x1000: same 64-byte granule as the code */
        LI(2, 100),       /* 0x1004 */
        ST32(2, 6, 0),    /* 0x1008 */
        ADDI(2, 2, -1),   /* 0x100c */
        BNEZ(2, -2),      /* 0x1010 */
        HALT,             /* 0x1014 */
    };
    tcache_flush();
    load_prog(0x1000, prog2, 6);
    t0 = tcache_blocks_translated();
    run_prog();
    CU_ASSERT_TRUE(bus_read_buf(0x1030, &v, 4));
    CU_ASSERT_EQUAL(v, 1);
    CU_ASSERT_EQUAL(tcache_blocks_translated() - t0, 3);
}

static void test_external_invalidation(void)
{
    static const uint32_t prog[] = {LI(1, 11), HALT};
    static const uint32_t patched = LI(1, 22);
    tcache_flush();
    load_prog(0x1000, prog, 2);
    run_prog();
    CU_ASSERT_EQUAL(env->r[1], 11);
    /* A loader or DMA write: the bus tells the cache. */
    load_prog(0x1000, &patched, 1);
    run_prog();
    CU_ASSERT_EQUAL(env->r[1], 22);
}

static void test_invalidation_from_device(void)
{
    /* A device write in the running block invalidates that block's next
     * instruction (patched behind the cache's back, as DMA would). */
    static const uint32_t prog[] = {
        LI(7, 0x1008),     /* 0x1000 */
        ST32(7, 9, 0),     /* 0x1004: r9 is RAM, then the device */
        LI(3, 5),          /* 0x1008: patched to LI r3, 9 */
        HALT,              /* 0x100c */
    };
    tcache_flush();
    load_prog(0x1000, prog, 4);
    cpu_reset(cpu);
    env->r[9] = 0x8000;
    for (int i = 0; i < 10 && !cpu_is_idle(cpu); i++)
        cpu_exec(cpu, 100000);
    CU_ASSERT_EQUAL(env->r[3], 5);

    uint32_t w = LI(3, 9);
    Region *r = bus_lookup(0x1008);
    memcpy(r->host + (0x1008 - r->base), &w, 4);
    cpu_reset(cpu);
    env->r[9] = MMIO_BASE + 0x10;
    for (int i = 0; i < 10 && !cpu_is_idle(cpu); i++)
        cpu_exec(cpu, 100000);
    CU_ASSERT_EQUAL(env->r[3], 9);
}

static void test_flush_when_full(void)
{
    enum { N = 2000 };
    uint32_t *prog = g_new(uint32_t, 2 * N + 1);
    for (int i = 0; i < N; i++) {
        prog[2 * i] = ADDI(1, 1, 1);
        prog[2 * i + 1] = JMP(1);
    }
    prog[2 * N] = HALT;
    tcache_init(64 * 1024);
    uint64_t f0 = tcache_flush_count();
    load_prog(0x1000, prog, 2 * N + 1);
    run_prog();
    CU_ASSERT_EQUAL(env->r[1], N);
    CU_ASSERT_TRUE(tcache_flush_count() - f0 >= 2);
    /* And again, now partly cached, partly flushed. */
    run_prog();
    CU_ASSERT_EQUAL(env->r[1], N);
    g_free(prog);
    tcache_init(0);
}

static void test_block_across_pages(void)
{
    static const uint32_t prog[] = {
        LI(1, 1),         /* 0x1ff8 */
        LI(2, 2),         /* 0x1ffc */
        LI(3, 3),         /* 0x2000: next page */
        HALT,             /* 0x2004 */
    };
    static const uint32_t entry = JMP(0xff8 / 4);
    tcache_flush();
    load_prog(0x1000, &entry, 1);
    load_prog(0x1ff8, prog, 4);
    run_prog();
    CU_ASSERT_EQUAL(env->r[3], 3);
    TB *tb = tcache_find(cpu, 0x1ff8, 0x1ff8, 0);
    CU_ASSERT_EQUAL(tb->npages, 2);
    CU_ASSERT_EQUAL(tb->ninsns, 4);
    /* A write to the second page drops the block. */
    static const uint32_t patched = LI(3, 33);
    load_prog(0x2000, &patched, 1);
    CU_ASSERT_TRUE(tb->cflags & TB_CF_DEAD);
    run_prog();
    CU_ASSERT_EQUAL(env->r[3], 33);
}

static void test_remap_and_tlb_flush(void)
{
    static const uint32_t a[] = {LI(1, 0xa), HALT};
    static const uint32_t b[] = {LI(1, 0xb), HALT};
    tcache_flush();
    load_prog(0x11000, a, 2);
    load_prog(0x21000, b, 2);
    cpu_reset(cpu);
    env->mmu1_offset = 0x10000;
    tessera_cpu_set_code_mmu_idx(cpu, 1);
    for (int i = 0; i < 10 && !cpu_is_idle(cpu); i++)
        cpu_exec(cpu, 1000);
    CU_ASSERT_EQUAL(env->r[1], 0xa);

    cpu_reset(cpu);
    env->mmu1_offset = 0x20000;
    tessera_tlb_flush(cpu);
    tessera_cpu_set_code_mmu_idx(cpu, 1);
    for (int i = 0; i < 10 && !cpu_is_idle(cpu); i++)
        cpu_exec(cpu, 1000);
    CU_ASSERT_EQUAL(env->r[1], 0xb);
    env->mmu1_offset = 0;
    tessera_cpu_set_code_mmu_idx(cpu, 0);
    tessera_tlb_flush(cpu);
}

static void test_interrupts(void)
{
    static const uint32_t prog[] = {
        LI(2, 1),          /* 0x1000 */
        ADDI(1, 1, 1),     /* 0x1004 */
        BNEZ(2, -1),       /* 0x1008 -> 0x1004 */
    };
    static const uint32_t handler[] = {LI(4, 0x99), HALT};
    tcache_flush();
    load_prog(0x1000, prog, 3);
    load_prog(0x3000, handler, 2);
    cpu_reset(cpu);
    env->irq_vector = 0x3000;
    env->irq_enabled = 1;
    env->irq_taken = 0;
    cpu_exec(cpu, 1000);
    CU_ASSERT_EQUAL(env->irq_taken, 0);
    cpu_irq_set(cpu, 0, 1);
    cpu_exec(cpu, 1000);
    CU_ASSERT_EQUAL(env->irq_taken, 1);
    CU_ASSERT_TRUE(env->irq_pc == 0x1004 || env->irq_pc == 0x1000);
    CU_ASSERT_EQUAL(env->r[4], 0x99);
    CU_ASSERT_FALSE(cpu_is_idle(cpu)); /* the line is still up */
    cpu_irq_set(cpu, 0, 0);
    CU_ASSERT_TRUE(cpu_is_idle(cpu));
}

static void test_interrupt_mid_quantum(void)
{
    /* A store to the device raises the line; the CPU takes the interrupt
     * at the next block boundary, within the same cpu_exec call. */
    static const uint32_t prog[] = {
        LI(8, 1),          /* 0x1000 */
        ST32(8, 9, 0),     /* 0x1004: raise */
        LI(5, 1),          /* 0x1008: same block, still runs */
        MARK,              /* 0x100c: block ends */
        LI(5, 2),          /* 0x1010: interrupted before this */
        HALT,
    };
    static const uint32_t handler[] = {HALT};
    tcache_flush();
    load_prog(0x1000, prog, 6);
    load_prog(0x3000, handler, 1);
    cpu_reset(cpu);
    env->r[9] = MMIO_BASE;
    env->irq_vector = 0x3000;
    env->irq_enabled = 1;
    env->irq_taken = 0;
    cpu_exec(cpu, 100000);
    CU_ASSERT_EQUAL(env->irq_taken, 1);
    CU_ASSERT_EQUAL(env->irq_pc, 0x1010);
    CU_ASSERT_EQUAL(env->r[5], 1);
    CU_ASSERT_TRUE(cpu_is_idle(cpu) == false); /* line still up */
    cpu_irq_set(cpu, 0, 0);
}

static void test_halt_and_wake(void)
{
    static const uint32_t prog[] = {HALT, LI(1, 5), HALT};
    tcache_flush();
    load_prog(0x1000, prog, 3);
    cpu_reset(cpu);
    cpu_exec(cpu, 1000);
    CU_ASSERT_TRUE(cpu_is_idle(cpu));
    CU_ASSERT_EQUAL(cpu_exec(cpu, 1000), 0);
    CU_ASSERT_EQUAL(env->r[1], 0);
    /* Work without an interrupt being taken (disabled): wfi resumes. */
    env->irq_enabled = 0;
    cpu_irq_set(cpu, 0, 1);
    CU_ASSERT_FALSE(cpu_is_idle(cpu));
    cpu_exec(cpu, 1000);
    CU_ASSERT_EQUAL(env->r[1], 5);
    cpu_irq_set(cpu, 0, 0);
    CU_ASSERT_TRUE(cpu_is_idle(cpu));
}

static void test_stop(void)
{
    static const uint32_t prog[] = {
        ST32(8, 9, 0),     /* 0x1000: MMIO_BASE + 8: cpu_stop */
        LI(2, 1),          /* 0x1004 */
        ADDI(1, 1, 1),     /* 0x1008 */
        BNEZ(2, -1),       /* 0x100c -> 0x1008 */
    };
    tcache_flush();
    load_prog(0x1000, prog, 4);
    cpu_reset(cpu);
    env->r[9] = MMIO_BASE + 8;
    uint64_t ran = cpu_exec(cpu, 1000000);
    CU_ASSERT_TRUE(ran > 0 && ran < 100);
    CU_ASSERT_FALSE(cpu_is_idle(cpu));
    /* A stop outside cpu_exec does nothing; the next call runs in full. */
    cpu_stop(cpu);
    ran = cpu_exec(cpu, 1000);
    CU_ASSERT_TRUE(ran >= 1000);
}

/* Runs from 0x1000 with r5 preset until the CPU halts. */
static void run_with_r5(uint64_t r5)
{
    cpu_reset(cpu);
    env->r[5] = r5;
    env->faults = 0;
    for (int i = 0; i < 10 && !cpu_is_idle(cpu); i++)
        cpu_exec(cpu, 1000);
}

static void test_fetch_faults(void)
{
    static const uint32_t prog[] = {JR(5)};
    tcache_flush();
    load_prog(0x1000, prog, 1);

    /* The MMU refuses the page. */
    env->unmapped_lo = 0x12000;
    env->unmapped_hi = 0x13000;
    uint64_t i0 = tessera_cpu_insns(cpu);
    run_with_r5(0x12000);
    CU_ASSERT_EQUAL(env->faults, 1);
    CU_ASSERT_EQUAL(env->fault_access, TESSERA_ACCESS_EXEC);
    CU_ASSERT_EQUAL(env->fault_kind, TESSERA_FAULT_PAGE);
    CU_ASSERT_EQUAL(env->fault_pc, 0x12000);
    CU_ASSERT_EQUAL(env->fault_vaddr, 0x12000);
    CU_ASSERT_EQUAL(env->fault_insns - i0, 1);
    env->unmapped_lo = env->unmapped_hi = 0;

    /* Unmapped physical memory and MMIO are not executable. */
    run_with_r5(0x120000);
    CU_ASSERT_EQUAL(env->faults, 1);
    CU_ASSERT_EQUAL(env->fault_kind, TESSERA_FAULT_ACCESS);
    CU_ASSERT_EQUAL(env->fault_pc, 0x120000);
    run_with_r5(MMIO_BASE);
    CU_ASSERT_EQUAL(env->faults, 1);
    CU_ASSERT_EQUAL(env->fault_kind, TESSERA_FAULT_ACCESS);
    CU_ASSERT_EQUAL(env->fault_access, TESSERA_ACCESS_EXEC);
    CU_ASSERT_EQUAL(env->fault_pc, MMIO_BASE);

    /* A block whose later instruction is on a faulting page ends before
     * it; the fault comes when that instruction runs first. */
    static const uint32_t prog3[] = {LI(1, 1), LI(2, 2)};
    static const uint32_t entry = JMP(0xff8 / 4);
    load_prog(0x1000, &entry, 1);
    load_prog(0x1ff8, prog3, 2);
    env->unmapped_lo = 0x2000;
    env->unmapped_hi = 0x3000;
    tcache_flush();
    i0 = tessera_cpu_insns(cpu);
    run_with_r5(0);
    CU_ASSERT_EQUAL(env->r[2], 2);
    CU_ASSERT_EQUAL(env->faults, 1);
    CU_ASSERT_EQUAL(env->fault_pc, 0x2000);
    CU_ASSERT_EQUAL(tessera_cpu_insns(cpu) - i0, 3);
    env->unmapped_lo = env->unmapped_hi = 0;
    tessera_tlb_flush(cpu);
}

/*
 * Fetch permission that changes inside a page (TESSERA_PROT_NOCACHE):
 * blocks there hold one instruction and every run checks the fetch, so
 * execution stops exactly at the boundary, also when the code was
 * translated earlier as one long block while the page was uniform.
 */
static void test_fetch_nocache(void)
{
    static const uint32_t prog[] = {
        LI(1, 0),        /* 0x1000 */
        LI(2, 3),        /* 0x1004 */
        ADDI(1, 1, 1),   /* 0x1008 loop */
        ADDI(2, 2, -1),  /* 0x100c */
        BNEZ(2, -2),     /* 0x1010 -> 0x1008 */
        ADDI(1, 1, 10),  /* 0x1014 */
        ADDI(1, 1, 10),  /* 0x1018: not executable in step 2 */
        HALT,            /* 0x101c */
    };
    tcache_flush();
    load_prog(0x1000, prog, 8);
    run_prog();
    CU_ASSERT_EQUAL(env->r[1], 23);
    CU_ASSERT_EQUAL(env->faults, 0);

    /* As after a PMP change: new answers, TLB flushed, blocks kept. */
    env->unmapped_lo = 0x1018;
    env->unmapped_hi = 0x101c;
    env->nocache = 1;
    tessera_tlb_flush(cpu);
    uint64_t i0 = tessera_cpu_insns(cpu);
    run_prog();
    CU_ASSERT_EQUAL(env->r[1], 13);
    CU_ASSERT_EQUAL(env->faults, 1);
    CU_ASSERT_EQUAL(env->fault_access, TESSERA_ACCESS_EXEC);
    CU_ASSERT_EQUAL(env->fault_kind, TESSERA_FAULT_PAGE);
    CU_ASSERT_EQUAL(env->fault_pc, 0x1018);
    CU_ASSERT_EQUAL(env->fault_vaddr, 0x1018);
    CU_ASSERT_EQUAL(env->fault_insns - i0, 2 + 3 * 3 + 1);

    /* Fresh translations on the page stop there too. */
    tcache_flush();
    run_prog();
    CU_ASSERT_EQUAL(env->r[1], 13);
    CU_ASSERT_EQUAL(env->faults, 1);
    CU_ASSERT_EQUAL(env->fault_pc, 0x1018);

    /* Executable again but still uncached: one-instruction blocks give
     * the same results. */
    env->unmapped_lo = env->unmapped_hi = 0;
    tessera_tlb_flush(cpu);
    i0 = tessera_cpu_insns(cpu);
    run_prog();
    CU_ASSERT_EQUAL(env->r[1], 23);
    CU_ASSERT_EQUAL(env->faults, 0);
    CU_ASSERT_EQUAL(tessera_cpu_insns(cpu) - i0, 2 + 3 * 3 + 3);

    env->nocache = 0;
    tessera_tlb_flush(cpu);
    run_prog();
    CU_ASSERT_EQUAL(env->r[1], 23);
}

static void test_fault_loop_returns(void)
{
    /* The trap vector itself cannot be fetched: the guest faults forever
     * without retiring anything, yet cpu_exec comes back. */
    static const uint32_t prog[] = {JR(5)};
    tcache_flush();
    load_prog(0x1000, prog, 1);
    cpu_reset(cpu);
    env->r[5] = 0x900000;
    env->trap_vector = 0x900000;
    env->faults = 0;
    uint64_t ran = cpu_exec(cpu, 1000);
    CU_ASSERT_EQUAL(ran, 1); /* the JR */
    CU_ASSERT_TRUE(env->faults >= 64);
    CU_ASSERT_FALSE(cpu_is_idle(cpu));
    uint64_t f = env->faults;
    CU_ASSERT_EQUAL(cpu_exec(cpu, 1000), 0);
    CU_ASSERT_TRUE(env->faults > f);
    env->trap_vector = 0;
}

static void test_code_next_to_device(void)
{
    /* Code, data and a device share one page: the code still runs, and
     * stores into the page (slow path: not all RAM) still find the code. */
    static const uint32_t prog[] = {
        LI(6, 0x7f40),    /* 0x7000 */
        LI(7, 0x2a),      /* 0x7004 */
        ST32(7, 6, 0),    /* 0x7008: RAM after the device */
        LI(6, 0x7016),    /* 0x700c: the immediate of 0x7014 */
        ST8(7, 6, 0),     /* 0x7010 */
        LI(3, 0),         /* 0x7014: becomes LI r3, 0x2a */
        HALT,             /* 0x7018 */
    };
    static const uint32_t entry = JMP((0x7000 - 0x1000) / 4);
    tcache_flush();
    load_prog(0x1000, &entry, 1);
    load_prog(0x7000, prog, 7);
    run_prog();
    uint32_t v = 0;
    CU_ASSERT_TRUE(bus_read_buf(0x7f40, &v, 4));
    CU_ASSERT_EQUAL(v, 0x2a);
    CU_ASSERT_EQUAL(env->r[3], 0x2a);
    CU_ASSERT_EQUAL(env->faults, 0);
}

static void test_logging(void)
{
    char path[] = "/tmp/tessera-test-log-XXXXXX";
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    close(fd);
    CU_ASSERT_EQUAL_FATAL(log_set_file(path), 0);
    static const uint32_t prog[] = {LI(1, 3), ADDI(1, 1, 4), HALT};
    tcache_flush();
    load_prog(0x1000, prog, 3);
    log_mask = TESSERA_LOG_IN_ASM | TESSERA_LOG_OP | TESSERA_LOG_OP_OPT |
               TESSERA_LOG_EXEC;
    run_prog();
    log_mask = 0;
    fflush(log_stream());
    CU_ASSERT_EQUAL(env->r[1], 7);

    FILE *f = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    static char text[65536];
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    text[n] = 0;
    fclose(f);
    unlink(path);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "IN:\n0x00001000:  op01 1,3,0\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "0x00001004:  op03 1,1,4\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "OP: 0x1000"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "OP after optimisation: 0x1000"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "mov_i64 r1, $0x3"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "exec: cpu 0 pc 0x0000000000001000"));
}

/* ---------------------------------------------------------------------- */
/* The arena for host code                                                 */

/* The permissions ("rw-s") of the mapping holding p, from /proc. */
static bool perms_of(const void *p, char out[5])
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    bool found = false;
    if (!f)
        return false;
    while (!found && fgets(line, sizeof(line), f)) {
        unsigned long lo, hi;
        char perms[5];
        if (sscanf(line, "%lx-%lx %4s", &lo, &hi, perms) == 3 &&
            (uintptr_t)p >= lo && (uintptr_t)p < hi) {
            memcpy(out, perms, 5);
            found = true;
        }
    }
    fclose(f);
    return found;
}

/*
 * A native backend's code is written through one mapping and run through
 * another of the same pages: no page is ever writable and executable.
 */
static void test_exec_arena(void)
{
    char pw[5], px[5];
    void *x = NULL;

    tcache_init_arena(1 << 20, true);
    uint8_t *w = tcache_code_alloc(16, &x);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w);
    CU_ASSERT_PTR_NOT_EQUAL(w, x);
    CU_ASSERT_TRUE(perms_of(w, pw));
    CU_ASSERT_STRING_EQUAL(pw, "rw-s");
    CU_ASSERT_TRUE(perms_of(x, px));
    CU_ASSERT_STRING_EQUAL(px, "r-xs");
#if defined(__x86_64__)
    /* mov eax, 42; ret */
    static const uint8_t code[] = {0xb8, 42, 0, 0, 0, 0xc3};
    int (*fn)(void);
    memcpy(w, code, sizeof(code));
    memcpy(&fn, &x, sizeof(fn));
    CU_ASSERT_EQUAL(fn(), 42);
#endif
    /* The interpreter's arena is one writable mapping. */
    tcache_init_arena(1 << 20, false);
    x = NULL;
    w = tcache_code_alloc(16, &x);
    CU_ASSERT_PTR_EQUAL(w, x);
    CU_ASSERT_TRUE(perms_of(w, pw));
    CU_ASSERT_STRING_EQUAL(pw, "rw-p");
    /* Back to the backend's own: blocks run as before. */
    tcache_init(0);
    load_prog(0x1000, loop_prog, 6);
    run_prog();
    CU_ASSERT_EQUAL(env->r[1], 300);
}

int main(void)
{
    if (!toy_suite_backend())
        return 1;
    static const UnitTest tests[] = {
        {"lookup and exact counts", test_lookup},
        {"chaining", test_chaining},
        {"cycle budget", test_budget},
        {"goto_dyn through the jump cache", test_goto_dyn_loop},
        {"loop across two pages", test_cross_page_loop},
        {"page flush drops a block from the page before", test_flush_second_page},
        {"TLB slots: page flush, crossing load", test_tlb_slots},
        {"TLB slot of a store next to code", test_tlb_slot_code_mode},
        {"chained across pages without an MMU", test_chain_fixed_map},
        {"TLB slots: both sides of code, crossing, misaligned",
         test_tlb_slot_edges},
        {"SMC: another block", test_smc_other_block},
        {"SMC: the running block", test_smc_same_block},
        {"SMC: ops after the store", test_smc_same_block_tail},
        {"SMC: a loop rewriting itself", test_smc_loop_patches_itself},
        {"data next to code", test_data_next_to_code},
        {"invalidation from the bus", test_external_invalidation},
        {"invalidation from a device", test_invalidation_from_device},
        {"flush when full", test_flush_when_full},
        {"block across pages", test_block_across_pages},
        {"fetch on a PROT_NOCACHE page", test_fetch_nocache},
        {"remap and TLB flush", test_remap_and_tlb_flush},
        {"interrupts", test_interrupts},
        {"interrupt raised mid-quantum", test_interrupt_mid_quantum},
        {"halt and wake", test_halt_and_wake},
        {"cpu_stop", test_stop},
        {"fetch faults", test_fetch_faults},
        {"a faulting trap vector", test_fault_loop_returns},
        {"code next to a device", test_code_next_to_device},
        {"logging", test_logging},
        {"executable arena", test_exec_arena},
    };
    return UNIT_RUN_WITH("tcache", suite_init, toy_suite_clean, tests);
}
