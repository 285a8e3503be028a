/* SPDX-License-Identifier: MIT */
/*
 * hotblocks: the N blocks executed most often (default 10), with their
 * address, instruction count, executions and disassembly. Each translated
 * block gets an inline counter; blocks translated again (after a flush or
 * self-modifying code) are merged by address and size at exit.
 */
#include <tessera/tool.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct Block {
    uint64_t pc;
    unsigned ninsns;
    TesseraToolCounter *count;
    uint64_t total;
    char *listing; /* disassembly, one line per instruction */
} Block;

static Block *blocks;
static size_t nblocks, cap;
static uint64_t top = 10;

static void on_block(const TesseraToolBlock *blk, void *u)
{
    (void)u;
    uint64_t pc = tessera_tool_block_vaddr(blk);
    unsigned n = tessera_tool_block_ninsns(blk);
    /* Same code at the same place: reuse its counter. */
    for (size_t i = nblocks; i-- > 0;) {
        if (blocks[i].pc == pc && blocks[i].ninsns == n) {
            tessera_tool_block_inline_add(blk, blocks[i].count, 1);
            return;
        }
    }
    if (nblocks == cap) {
        cap = cap ? cap * 2 : 256;
        blocks = realloc(blocks, cap * sizeof(*blocks));
        if (!blocks)
            abort();
    }
    Block *b = &blocks[nblocks++];
    memset(b, 0, sizeof(*b));
    b->pc = pc;
    b->ninsns = n;
    b->count = tessera_tool_counter_new();
    size_t len = 1;
    for (unsigned i = 0; i < n; i++)
        len += strlen(tessera_tool_block_insn(blk, i)->disas) + 40;
    b->listing = malloc(len);
    if (!b->listing)
        abort();
    b->listing[0] = 0;
    size_t off = 0;
    for (unsigned i = 0; i < n; i++) {
        const TesseraToolInsn *in = tessera_tool_block_insn(blk, i);
        off += (size_t)snprintf(b->listing + off, len - off,
                                "    0x%08llx  %s\n",
                                (unsigned long long)in->vaddr, in->disas);
    }
    tessera_tool_block_inline_add(blk, b->count, 1);
}

static int cmp(const void *a, const void *b)
{
    const Block *x = a, *y = b;
    if (x->total != y->total)
        return x->total < y->total ? 1 : -1;
    return x->pc < y->pc ? -1 : x->pc > y->pc;
}

static void on_exit_(void *u)
{
    (void)u;
    for (size_t i = 0; i < nblocks; i++)
        blocks[i].total = tessera_tool_counter_sum(blocks[i].count);
    qsort(blocks, nblocks, sizeof(*blocks), cmp);
    tessera_tool_printf("collected %zu blocks\n", nblocks);
    tessera_tool_printf("pc, insns, executions\n");
    for (size_t i = 0; i < nblocks && i < top; i++) {
        const Block *b = &blocks[i];
        tessera_tool_printf("0x%08llx, %u, %llu\n", (unsigned long long)b->pc,
                            b->ninsns, (unsigned long long)b->total);
        tessera_tool_printf("%s", b->listing);
    }
    for (size_t i = 0; i < nblocks; i++)
        free(blocks[i].listing);
    free(blocks);
    blocks = NULL;
    nblocks = cap = 0;
}

static int install(TesseraTool *tool, unsigned nargs, const char *const *k,
                   const char *const *v)
{
    for (unsigned i = 0; i < nargs; i++)
        if (!strcmp(k[i], "top") &&
            (!tessera_tool_parse_u64(k[i], v[i], false, &top) || top == 0)) {
            tessera_error("hotblocks: top must be a positive number");
            return -1;
        }
    tessera_tool_on_block_translate(tool, on_block, NULL);
    tessera_tool_on_exit(tool, on_exit_, NULL);
    return 0;
}

static const TesseraToolOption options[] = {
    {"top", "N", "how many blocks to list (default 10)"},
    {NULL, NULL, NULL},
};

static const TesseraToolClass hotblocks_tool = {
    .name = "hotblocks",
    .description = "the most executed blocks, with disassembly",
    .options = options,
    .install = install,
};

static int init(void)
{
    return tessera_register_tool(&hotblocks_tool);
}

TESSERA_PLUGIN(TESSERA_PLUGIN_TOOL, "hotblocks", "0.1.0", init);
