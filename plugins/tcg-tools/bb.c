/* SPDX-License-Identifier: MIT */
/*
 * bb: blocks and instructions executed, counted inline at each block's
 * entry, per vCPU and in total. A block left early (a taken branch out of
 * its middle, a trap) still counts all its instructions: like QEMU's bb
 * plugin this counts block entries, not retired instructions.
 */
#include <tessera/tool.h>

#include <string.h>

static TesseraToolCounter *blocks, *insns;

static void on_block(const TesseraToolBlock *blk, void *u)
{
    (void)u;
    tessera_tool_block_inline_add(blk, blocks, 1);
    tessera_tool_block_inline_add(blk, insns, tessera_tool_block_ninsns(blk));
}

static void on_exit_(void *u)
{
    (void)u;
    unsigned nv = tessera_tool_vcpu_count();
    if (nv > 1)
        for (unsigned v = 0; v < nv; v++)
            tessera_tool_printf("cpu %u: bb's: %llu, insns: %llu\n", v,
                                (unsigned long long)tessera_tool_counter_get(blocks, v),
                                (unsigned long long)tessera_tool_counter_get(insns, v));
    tessera_tool_printf("bb's: %llu, insns: %llu\n",
                        (unsigned long long)tessera_tool_counter_sum(blocks),
                        (unsigned long long)tessera_tool_counter_sum(insns));
}

static int install(TesseraTool *tool, unsigned nargs, const char *const *k,
                   const char *const *v)
{
    (void)nargs, (void)k, (void)v;
    blocks = tessera_tool_counter_new();
    insns = tessera_tool_counter_new();
    tessera_tool_on_block_translate(tool, on_block, NULL);
    tessera_tool_on_exit(tool, on_exit_, NULL);
    return 0;
}

static const TesseraToolClass bb_tool = {
    .name = "bb",
    .description = "count blocks executed and their instructions (inline)",
    .options = NULL,
    .install = install,
};

static int init(void)
{
    return tessera_register_tool(&bb_tool);
}

TESSERA_PLUGIN(TESSERA_PLUGIN_TOOL, "bb", "0.1.0", init);
