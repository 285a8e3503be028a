/* SPDX-License-Identifier: MIT */
/*
 * insn: counts executed guest instructions with an inline counter per
 * instruction (no call), per vCPU and in total. Prints "total insns: N"
 * at exit like QEMU's insn plugin.
 *
 *   classes=on   also a histogram by instruction class (first word of the
 *                disassembly: the mnemonic), counted inline per class
 *   start=A,stop=B  also count the window from the first execution of
 *                address A (inclusive) to the next execution of B
 *                (exclusive): the number a guest computes by reading its
 *                instruction counter at A and at B. A and B are numbers or
 *                guest symbols.
 *
 * An instruction counts when it starts executing: one that faults and is
 * executed again after the trap handler counts twice, where the guest's
 * minstret counts it once.
 */
#include <tessera/tool.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CLASSES 512

typedef struct Class {
    char name[24];
    TesseraToolCounter *count;
} Class;

static TesseraToolCounter *total;
static bool classes_on;
static Class classes[MAX_CLASSES];
static unsigned nclasses;
static bool window_on;
static uint64_t win_start, win_stop;
static uint64_t win_begin;  /* counter at the start instruction */
static uint64_t win_count;
static int win_state;       /* 0 waiting, 1 counting, 2 done */

static TesseraToolCounter *class_of(const char *disas)
{
    char name[24];
    size_t n = strcspn(disas, " \t");
    if (n == 0) {
        strcpy(name, "(unknown)");
    } else {
        if (n >= sizeof(name))
            n = sizeof(name) - 1;
        memcpy(name, disas, n);
        name[n] = 0;
    }
    for (unsigned i = 0; i < nclasses; i++)
        if (!strcmp(classes[i].name, name))
            return classes[i].count;
    if (nclasses == MAX_CLASSES)
        return classes[MAX_CLASSES - 1].count;
    Class *c = &classes[nclasses++];
    strcpy(c->name, name);
    c->count = tessera_tool_counter_new();
    return c->count;
}

/* Counters are bumped before the instruction's callbacks, so both
 * snapshots include their own instruction: the difference counts
 * [start, stop), the instructions a guest's counter reads at start and
 * at stop would differ by. */
static void at_start(unsigned vcpu, void *u)
{
    (void)u;
    if (win_state == 0) {
        win_begin = tessera_tool_counter_get(total, vcpu);
        win_state = 1;
    }
}

static void at_stop(unsigned vcpu, void *u)
{
    (void)u;
    if (win_state == 1) {
        win_count = tessera_tool_counter_get(total, vcpu) - win_begin;
        win_state = 2;
    }
}

static void on_block(const TesseraToolBlock *blk, void *u)
{
    (void)u;
    unsigned n = tessera_tool_block_ninsns(blk);
    for (unsigned i = 0; i < n; i++) {
        const TesseraToolInsn *in = tessera_tool_block_insn(blk, i);
        tessera_tool_insn_inline_add(blk, i, total, 1);
        if (classes_on)
            tessera_tool_insn_inline_add(blk, i, class_of(in->disas), 1);
        if (window_on && in->vaddr == win_start)
            tessera_tool_insn_exec_cb(blk, i, at_start, NULL);
        if (window_on && in->vaddr == win_stop)
            tessera_tool_insn_exec_cb(blk, i, at_stop, NULL);
    }
}

static int cmp_class(const void *a, const void *b)
{
    uint64_t x = tessera_tool_counter_sum(((const Class *)a)->count);
    uint64_t y = tessera_tool_counter_sum(((const Class *)b)->count);
    if (x != y)
        return x < y ? 1 : -1;
    return strcmp(((const Class *)a)->name, ((const Class *)b)->name);
}

static void on_exit_(void *u)
{
    (void)u;
    unsigned nv = tessera_tool_vcpu_count();
    if (nv > 1)
        for (unsigned v = 0; v < nv; v++)
            tessera_tool_printf("cpu %u insns: %llu\n", v,
                                (unsigned long long)
                                    tessera_tool_counter_get(total, v));
    if (classes_on) {
        qsort(classes, nclasses, sizeof(Class), cmp_class);
        tessera_tool_printf("%-16s %16s\n", "class", "count");
        for (unsigned i = 0; i < nclasses; i++) {
            uint64_t c = tessera_tool_counter_sum(classes[i].count);
            if (c)
                tessera_tool_printf("%-16s %16llu\n", classes[i].name,
                                    (unsigned long long)c);
        }
    }
    if (window_on) {
        if (win_state == 2)
            tessera_tool_printf("window insns: %llu\n",
                                (unsigned long long)win_count);
        else
            tessera_tool_printf("window insns: (window %s)\n",
                                win_state ? "never closed" : "never opened");
    }
    tessera_tool_printf("total insns: %llu\n",
                        (unsigned long long)tessera_tool_counter_sum(total));
}

static int install(TesseraTool *tool, unsigned nargs, const char *const *k,
                   const char *const *v)
{
    bool have_start = false, have_stop = false;
    for (unsigned i = 0; i < nargs; i++) {
        if (!strcmp(k[i], "classes")) {
            if (!tessera_tool_parse_bool(k[i], v[i], &classes_on))
                return -1;
        } else if (!strcmp(k[i], "start")) {
            if (!tessera_tool_parse_u64(k[i], v[i], true, &win_start))
                return -1;
            have_start = true;
        } else if (!strcmp(k[i], "stop")) {
            if (!tessera_tool_parse_u64(k[i], v[i], true, &win_stop))
                return -1;
            have_stop = true;
        }
    }
    if (have_start != have_stop) {
        tessera_error("insn: start= and stop= go together");
        return -1;
    }
    window_on = have_start;
    total = tessera_tool_counter_new();
    tessera_tool_on_block_translate(tool, on_block, NULL);
    tessera_tool_on_exit(tool, on_exit_, NULL);
    return 0;
}

static const TesseraToolOption options[] = {
    {"classes", "on|off", "histogram by instruction class (mnemonic)"},
    {"start", "ADDR|SYMBOL", "window start (inclusive)"},
    {"stop", "ADDR|SYMBOL", "window end (exclusive)"},
    {NULL, NULL, NULL},
};

static const TesseraToolClass insn_tool = {
    .name = "insn",
    .description = "count executed instructions (inline), per vCPU and by class",
    .options = options,
    .install = install,
};

static int init(void)
{
    return tessera_register_tool(&insn_tool);
}

TESSERA_PLUGIN(TESSERA_PLUGIN_TOOL, "insn", "0.1.0", init);
