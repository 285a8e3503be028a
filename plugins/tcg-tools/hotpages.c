/* SPDX-License-Identifier: MIT */
/*
 * hotpages: guest physical pages by number of memory accesses (reads and
 * writes), the N hottest (default 10). pagesize=BYTES (a power of two,
 * default 4096).
 */
#include <tessera/tool.h>

#include <stdlib.h>
#include <string.h>

typedef struct Page {
    uint64_t page; /* UINT64_MAX: empty slot */
    uint64_t reads, writes;
} Page;

static Page *table;
static size_t tsize = 1024, used;
static unsigned shift = 12;
static uint64_t top = 10;

static size_t slot(uint64_t page)
{
    size_t i = (size_t)((page * 0x9e3779b97f4a7c15ull) >> 20) & (tsize - 1);
    while (table[i].page != UINT64_MAX && table[i].page != page)
        i = (i + 1) & (tsize - 1);
    return i;
}

static void grow(void)
{
    Page *old = table;
    size_t on = tsize;
    tsize *= 2;
    table = malloc(tsize * sizeof(*table));
    if (!table)
        abort();
    for (size_t i = 0; i < tsize; i++)
        table[i].page = UINT64_MAX;
    for (size_t i = 0; i < on; i++)
        if (old[i].page != UINT64_MAX)
            table[slot(old[i].page)] = old[i];
    free(old);
}

static void on_mem(unsigned vcpu, const TesseraToolMem *m, void *u)
{
    (void)vcpu, (void)u;
    uint64_t a = m->paddr != UINT64_MAX ? m->paddr : m->vaddr;
    uint64_t page = a >> shift;
    size_t i = slot(page);
    if (table[i].page == UINT64_MAX) {
        if (2 * (used + 1) > tsize) {
            grow();
            i = slot(page);
        }
        table[i].page = page;
        table[i].reads = table[i].writes = 0;
        used++;
    }
    if (m->store)
        table[i].writes++;
    else
        table[i].reads++;
}

static void on_block(const TesseraToolBlock *blk, void *u)
{
    (void)u;
    for (unsigned i = 0; i < tessera_tool_block_ninsns(blk); i++)
        tessera_tool_insn_mem_cb(blk, i, on_mem, NULL);
}

static int cmp(const void *a, const void *b)
{
    const Page *x = a, *y = b;
    uint64_t sx = x->reads + x->writes, sy = y->reads + y->writes;
    if (sx != sy)
        return sx < sy ? 1 : -1;
    return x->page < y->page ? -1 : x->page > y->page;
}

static void on_exit_(void *u)
{
    (void)u;
    size_t n = 0;
    for (size_t i = 0; i < tsize; i++)
        if (table[i].page != UINT64_MAX)
            table[n++] = table[i];
    qsort(table, n, sizeof(*table), cmp);
    tessera_tool_printf("pages: %zu (page size %llu)\n", n,
                        (unsigned long long)1 << shift);
    tessera_tool_printf("address, reads, writes\n");
    for (size_t i = 0; i < n && i < top; i++)
        tessera_tool_printf("0x%016llx, %llu, %llu\n",
                            (unsigned long long)(table[i].page << shift),
                            (unsigned long long)table[i].reads,
                            (unsigned long long)table[i].writes);
    free(table);
    table = NULL;
}

static int install(TesseraTool *tool, unsigned nargs, const char *const *k,
                   const char *const *v)
{
    for (unsigned i = 0; i < nargs; i++) {
        uint64_t x;
        if (!strcmp(k[i], "top")) {
            if (!tessera_tool_parse_u64(k[i], v[i], false, &top) || !top)
                return -1;
        } else if (!strcmp(k[i], "pagesize")) {
            if (!tessera_tool_parse_u64(k[i], v[i], false, &x))
                return -1;
            if (x < 2 || (x & (x - 1))) {
                tessera_error("hotpages: pagesize=%s is not a power of two",
                              v[i]);
                return -1;
            }
            shift = (unsigned)__builtin_ctzll(x);
        }
    }
    table = malloc(tsize * sizeof(*table));
    if (!table)
        abort();
    for (size_t i = 0; i < tsize; i++)
        table[i].page = UINT64_MAX;
    tessera_tool_on_block_translate(tool, on_block, NULL);
    tessera_tool_on_exit(tool, on_exit_, NULL);
    return 0;
}

static const TesseraToolOption options[] = {
    {"top", "N", "how many pages to list (default 10)"},
    {"pagesize", "BYTES", "page size, a power of two (default 4096)"},
    {NULL, NULL, NULL},
};

static const TesseraToolClass hotpages_tool = {
    .name = "hotpages",
    .description = "physical pages by number of memory accesses",
    .options = options,
    .install = install,
};

static int init(void)
{
    return tessera_register_tool(&hotpages_tool);
}

TESSERA_PLUGIN(TESSERA_PLUGIN_TOOL, "hotpages", "0.1.0", init);
