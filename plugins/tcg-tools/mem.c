/* SPDX-License-Identifier: MIT */
/*
 * mem: memory accesses. By default counts loads and stores (and bytes)
 * per bus region ("ram", "uart0"...); trace=on prints one line per access
 * instead (pc, load/store, size, virtual and physical address, value).
 */
#include <tessera/tool.h>

#include <string.h>

#define MAX_REGIONS 64

typedef struct Region {
    const char *name;
    uint64_t base;
    uint64_t loads, stores, bytes;
} Region;

static Region regions[MAX_REGIONS + 1]; /* last: outside every region */
static unsigned nregions;
static bool trace;
static uint64_t loads, stores;

static Region *region_of(uint64_t pa)
{
    const char *name;
    uint64_t base;
    if (pa == UINT64_MAX || !tessera_tool_region(pa, &name, &base))
        return &regions[MAX_REGIONS];
    for (unsigned i = 0; i < nregions; i++)
        if (regions[i].base == base && regions[i].name == name)
            return &regions[i];
    if (nregions == MAX_REGIONS)
        return &regions[MAX_REGIONS];
    Region *r = &regions[nregions++];
    r->name = name;
    r->base = base;
    return r;
}

static void on_mem(unsigned vcpu, const TesseraToolMem *m, void *u)
{
    (void)u;
    if (m->store)
        stores++;
    else
        loads++;
    if (trace) {
        tessera_tool_printf("cpu %u pc 0x%llx %s %u vaddr 0x%llx paddr 0x%llx "
                            "value 0x%llx\n", vcpu,
                            (unsigned long long)m->pc,
                            m->store ? "store" : "load", m->size,
                            (unsigned long long)m->vaddr,
                            (unsigned long long)m->paddr,
                            (unsigned long long)m->value);
        return;
    }
    Region *r = region_of(m->paddr);
    if (m->store)
        r->stores++;
    else
        r->loads++;
    r->bytes += m->size;
}

static void on_block(const TesseraToolBlock *blk, void *u)
{
    (void)u;
    for (unsigned i = 0; i < tessera_tool_block_ninsns(blk); i++)
        tessera_tool_insn_mem_cb(blk, i, on_mem, NULL);
}

static void on_exit_(void *u)
{
    (void)u;
    if (!trace) {
        tessera_tool_printf("%-16s %18s %12s %12s %12s\n", "region", "base",
                            "loads", "stores", "bytes");
        for (unsigned i = 0; i <= MAX_REGIONS; i++) {
            const Region *r = &regions[i];
            if (i == MAX_REGIONS && !r->loads && !r->stores)
                continue;
            if (i >= nregions && i < MAX_REGIONS)
                continue;
            tessera_tool_printf("%-16s 0x%016llx %12llu %12llu %12llu\n",
                                i == MAX_REGIONS ? "(none)" : r->name,
                                (unsigned long long)r->base,
                                (unsigned long long)r->loads,
                                (unsigned long long)r->stores,
                                (unsigned long long)r->bytes);
        }
    }
    tessera_tool_printf("loads: %llu, stores: %llu\n",
                        (unsigned long long)loads, (unsigned long long)stores);
}

static int install(TesseraTool *tool, unsigned nargs, const char *const *k,
                   const char *const *v)
{
    for (unsigned i = 0; i < nargs; i++)
        if (!strcmp(k[i], "trace") &&
            !tessera_tool_parse_bool(k[i], v[i], &trace))
            return -1;
    tessera_tool_on_block_translate(tool, on_block, NULL);
    tessera_tool_on_exit(tool, on_exit_, NULL);
    return 0;
}

static const TesseraToolOption options[] = {
    {"trace", "on|off", "one line per access instead of counts by region"},
    {NULL, NULL, NULL},
};

static const TesseraToolClass mem_tool = {
    .name = "mem",
    .description = "memory accesses: counts by bus region, or a trace",
    .options = options,
    .install = install,
};

static int init(void)
{
    return tessera_register_tool(&mem_tool);
}

TESSERA_PLUGIN(TESSERA_PLUGIN_TOOL, "mem", "0.1.0", init);
