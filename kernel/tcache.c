/* SPDX-License-Identifier: MIT */
/*
 * The translation cache: translated blocks in one arena of the -tb-size
 * budget, found by (physical PC, virtual PC, mode, arch) through a chained
 * hash table, and listed per physical code page so that a write to guest
 * code finds the blocks to drop. When the arena is full everything is
 * flushed at once; blocks are never freed one by one, which is what makes
 * it safe to finish running a block that a store just invalidated.
 *
 * Each code page keeps a 64-bit mask of the granules (page / 64) that hold
 * translated code. Stores to such a page test the mask inline; only a store
 * into a marked granule comes here to compare byte ranges.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create */
#endif
#include <glib.h>
#include <inttypes.h>
#include <ltdl.h>
#include <string.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "kernel/cpu-internal.h"
#include "kernel/debug.h"
#include "kernel/log.h"
#include "kernel/util.h"
#include "kernel/tool.h"

static struct {
    bool ready;
    uint8_t *arena;   /* written through this mapping */
    ptrdiff_t exec_delta; /* run-time address = arena address + delta */
    int arena_fd;     /* the executable arena's memory file, or -1 */
    size_t size, used;
    size_t populated; /* arena bytes committed (arena_populate) */
    TB **buckets;
    unsigned bucket_bits;
    unsigned count;
    GHashTable *pages; /* page number -> CodePage */
    /* invalidate_in_page() drops a batch of this page's blocks: their
     * unlinks leave its masks (a superset meanwhile) to one recompute. */
    CodePage *batch_page;
    uint64_t flushes;
    uint64_t translated;
} T;

static void ensure_ready(void);
static bool arena_map(size_t size, bool executable);
static void arena_unmap(void);
static void *arena_alloc(size_t size);

static TB dummy_tb = {.pc = UINT64_MAX, .cflags = TB_CF_DEAD};

TB *tcache_dummy_tb(void)
{
    return &dummy_tb;
}

uint64_t tcache_blocks_translated(void)
{
    return T.translated;
}

uint64_t tcache_flush_count(void)
{
    return T.flushes;
}

/* ---------------------------------------------------------------------- */
/* Setup                                                                   */

#define TC_MIN_BUDGET (64u << 10)
#define TC_DEFAULT_MIN (32ull << 20)
#define TC_DEFAULT_MAX (1ull << 30)

static size_t default_budget(void)
{
    long pages = sysconf(_SC_PHYS_PAGES);
    long psize = sysconf(_SC_PAGESIZE);
    uint64_t ram = pages > 0 && psize > 0 ? (uint64_t)pages * psize : 0;
    uint64_t b = ram / 16;
    if (b < TC_DEFAULT_MIN)
        b = TC_DEFAULT_MIN;
    if (b > TC_DEFAULT_MAX)
        b = TC_DEFAULT_MAX;
    return (size_t)b;
}

static void free_page(gpointer p)
{
    g_free(((CodePage *)p)->refs);
    g_free(p);
}

void tcache_init(size_t budget_bytes)
{
    tcache_init_arena(budget_bytes, backend_current()->executable);
}

void tcache_init_arena(size_t budget_bytes, bool executable)
{
    size_t size = budget_bytes ? budget_bytes : default_budget();
    if (size < TC_MIN_BUDGET)
        size = TC_MIN_BUDGET;

    if (T.ready) {
        tcache_flush();
        arena_unmap();
    } else {
        T.bucket_bits = 12;
        T.buckets = g_new0(TB *, 1u << T.bucket_bits);
        T.pages = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                        free_page);
    }
    if (!arena_map(size, executable)) {
        tessera_error("cannot reserve %zu bytes for the translation cache",
                      size);
        abort();
    }
    T.size = size;
    T.used = 0;
    T.populated = 0;
    T.ready = true;
}

/*
 * The arena. A backend whose code runs on the host gets the same pages
 * mapped twice, writable and executable, so that no page is ever both
 * (W^X hosts refuse that); the interpreter's code is data in one
 * writable mapping. Either way it is reserved, not committed: pages
 * appear as blocks are written.
 */
static bool arena_map(size_t size, bool executable)
{
    T.arena_fd = -1;
    T.exec_delta = 0;
    if (!executable) {
        void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        T.arena = p == MAP_FAILED ? NULL : p;
#ifdef MADV_HUGEPAGE
        /* Private memory can have transparent huge pages (a hint). */
        if (T.arena)
            madvise(T.arena, size, MADV_HUGEPAGE);
#endif
        return T.arena != NULL;
    }
    int fd = memfd_create("tessera-code", MFD_CLOEXEC);
    if (fd < 0 || ftruncate(fd, (off_t)size) < 0) {
        if (fd >= 0)
            close(fd);
        return false;
    }
    void *w = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    void *x = mmap(NULL, size, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
    if (w == MAP_FAILED || x == MAP_FAILED) {
        if (w != MAP_FAILED)
            munmap(w, size);
        if (x != MAP_FAILED)
            munmap(x, size);
        close(fd);
        return false;
    }
    T.arena = w;
    T.arena_fd = fd;
    T.exec_delta = (uint8_t *)x - (uint8_t *)w;
    return true;
}

static void arena_unmap(void)
{
    munmap(T.arena, T.size);
    if (T.arena_fd >= 0) {
        munmap(T.arena + T.exec_delta, T.size);
        close(T.arena_fd);
    }
}

ptrdiff_t tcache_exec_delta(void)
{
    return T.exec_delta;
}

void *tcache_code_alloc(size_t size, void **exec_addr)
{
    ensure_ready();
    void *p = arena_alloc(size);
    if (p && exec_addr)
        *exec_addr = (uint8_t *)p + T.exec_delta;
    return p;
}

static void ensure_ready(void)
{
    if (!T.ready)
        tcache_init(0);
}

/* ---------------------------------------------------------------------- */
/* Hash table                                                              */

static unsigned tb_hash(uint64_t phys, uint64_t pc, uint64_t flags,
                        uint32_t cflags)
{
    uint64_t h = phys * 0x9e3779b97f4a7c15ull;
    h ^= (pc ^ (pc >> 29)) * 0xc2b2ae3d27d4eb4full;
    h ^= (flags ^ ((uint64_t)cflags << 40)) * 0x165667b19e3779f9ull;
    return (unsigned)(h >> (64 - T.bucket_bits));
}

static void hash_grow(void)
{
    unsigned old_n = 1u << T.bucket_bits;
    TB **old = T.buckets;

    T.bucket_bits++;
    T.buckets = g_new0(TB *, 1u << T.bucket_bits);
    for (unsigned i = 0; i < old_n; i++) {
        for (TB *tb = old[i], *next; tb; tb = next) {
            next = tb->hash_next;
            unsigned h = tb_hash(tb->phys_pc, tb->pc, tb->flags, tb->cflags);
            tb->hash_next = T.buckets[h];
            T.buckets[h] = tb;
        }
    }
    g_free(old);
}

static void hash_insert(TB *tb)
{
    if (T.count >= (1u << T.bucket_bits))
        hash_grow();
    unsigned h = tb_hash(tb->phys_pc, tb->pc, tb->flags, tb->cflags);
    tb->hash_next = T.buckets[h];
    T.buckets[h] = tb;
    T.count++;
}

static void hash_remove(TB *tb)
{
    unsigned h = tb_hash(tb->phys_pc, tb->pc, tb->flags, tb->cflags);
    for (TB **p = &T.buckets[h]; *p; p = &(*p)->hash_next) {
        if (*p == tb) {
            *p = tb->hash_next;
            T.count--;
            return;
        }
    }
}

/* ---------------------------------------------------------------------- */
/* Code pages                                                              */

static CodePage *page_get(uint64_t page)
{
    return g_hash_table_lookup(T.pages, GSIZE_TO_POINTER(page));
}

const uint64_t *tcache_page_mask(uint64_t page)
{
    if (!T.ready)
        return NULL;
    CodePage *cp = page_get(page);
    return cp ? &cp->mask : NULL;
}

/* Which of tb's pages is page (0 or 1). */
static unsigned page_slot(const TB *tb, uint64_t page)
{
    return tb->npages > 1 && tb->pages[1].page == page ? 1 : 0;
}

static inline void fine_set(CodePage *cp, uint32_t lo, uint32_t hi)
{
    /* Units u0..u1, a word of the map at a time (usually one word: a
     * page's masks are recomputed over all its blocks at each unlink). */
    uint32_t u0 = lo >> TC_FINE_BITS, u1 = (hi - 1) >> TC_FINE_BITS;
    if (u0 / 64 == u1 / 64) {
        /* 2 << 63 wraps to 0: all ones after the - 1. */
        cp->fine[u0 / 64] |= ((2ull << (u1 % 64)) - 1) &
                             ~((1ull << (u0 % 64)) - 1);
        cp->lo = MIN(cp->lo, lo);
        cp->hi = MAX(cp->hi, hi);
        return;
    }
    for (uint32_t w = u0 / 64; w <= u1 / 64; w++) {
        uint32_t a = w == u0 / 64 ? u0 % 64 : 0;
        uint32_t z = w == u1 / 64 ? u1 % 64 : 63;
        cp->fine[w] |= (z == 63 ? UINT64_MAX : (2ull << z) - 1) &
                       ~((1ull << a) - 1);
    }
    cp->lo = MIN(cp->lo, lo);
    cp->hi = MAX(cp->hi, hi);
}

static void page_recompute(CodePage *cp, uint64_t page)
{
    uint64_t m = 0;
    memset(cp->fine, 0, sizeof(cp->fine));
    cp->lo = TC_PAGE_SIZE;
    cp->hi = 0;
    for (uint32_t i = 0; i < cp->nrefs; i++) {
        const TB *tb = cp->refs[i].tb;
        m |= tb->pages[page_slot(tb, page)].mask;
        fine_set(cp, cp->refs[i].lo, cp->refs[i].hi);
    }
    cp->mask = m;
}

static void page_link(TB *tb, unsigned k)
{
    uint64_t page = tb->pages[k].page;
    CodePage *cp = page_get(page);
    if (!cp) {
        cp = g_new0(CodePage, 1);
        cp->lo = TC_PAGE_SIZE;
        g_hash_table_insert(T.pages, GSIZE_TO_POINTER(page), cp);
        engine_stats.code_pages++;
        cpu_all_code_page_added(page);
    }
    if (cp->nrefs == cp->refs_cap) {
        cp->refs_cap = cp->refs_cap ? cp->refs_cap * 2 : 16;
        cp->refs = g_renew(CodeRef, cp->refs, cp->refs_cap);
    }
    tb->page_ref[k] = cp->nrefs;
    cp->refs[cp->nrefs++] = (CodeRef){tb->pages[k].lo, tb->pages[k].hi, tb};
    cp->mask |= tb->pages[k].mask;
    uint32_t lo = cp->lo, hi = cp->hi;
    fine_set(cp, tb->pages[k].lo, tb->pages[k].hi);
    if (cp->lo < lo || cp->hi > hi)
        cpu_all_code_range_grew();
}

static void page_unlink(TB *tb, unsigned k)
{
    uint64_t page = tb->pages[k].page;
    CodePage *cp = page_get(page);
    if (!cp)
        return;
    uint32_t i = tb->page_ref[k];
    g_assert(i < cp->nrefs && cp->refs[i].tb == tb);
    /* The last one takes its place. */
    cp->refs[i] = cp->refs[--cp->nrefs];
    if (i < cp->nrefs) {
        TB *moved = cp->refs[i].tb;
        moved->page_ref[page_slot(moved, page)] = i;
    }
    if (cp != T.batch_page)
        page_recompute(cp, page);
}

static uint64_t granule_mask(uint32_t lo, uint32_t hi)
{
    unsigned g0 = lo >> TC_GRANULE_BITS, g1 = (hi - 1) >> TC_GRANULE_BITS;
    uint64_t upto = g1 == 63 ? UINT64_MAX : (2ull << g1) - 1;
    return upto & ~((1ull << g0) - 1);
}

/* ---------------------------------------------------------------------- */
/* Invalidation                                                            */

static void unchain_from_target(TBExit *x)
{
    TB *target = x->next;
    const Backend *be = backend_current();
    for (TBExit **p = &target->in_list; *p; p = &(*p)->in_next) {
        if (*p == x) {
            *p = x->in_next;
            break;
        }
    }
    x->next = NULL;
    x->in_next = NULL;
    if (be->unchain)
        be->unchain(x);
}

static void tb_invalidate(TB *tb)
{
    const Backend *be = backend_current();

    if (tb->cflags & TB_CF_DEAD)
        return;
    engine_stats.invalidations++;
    hash_remove(tb); /* needs the key intact */
    tb->cflags |= TB_CF_DEAD;
    for (unsigned k = 0; k < tb->npages; k++)
        page_unlink(tb, k);
    for (TBExit *x = tb->in_list, *next; x; x = next) {
        next = x->in_next;
        x->next = NULL;
        x->in_next = NULL;
        if (be->unchain)
            be->unchain(x);
    }
    tb->in_list = NULL;
    for (unsigned i = 0; i < tb->nexits; i++)
        if (tb->exits[i].next)
            unchain_from_target(&tb->exits[i]);
    cpu_all_tb_invalidated(tb);
}

/* Drops the blocks of page whose code overlaps [addr, addr + len). */
static void invalidate_in_page(uint64_t page, uint64_t addr, uint64_t len)
{
    CodePage *cp = page_get(page);
    TB *victims[64];
    unsigned n;

    if (!cp)
        return;
    uint64_t base = page << TC_PAGE_BITS;
    uint64_t lo = addr > base ? addr - base : 0;
    uint64_t hi = addr + len - base; /* may exceed the page: fine */
    if (addr + len < addr || hi > TC_PAGE_SIZE)
        hi = TC_PAGE_SIZE;
    do {
        n = 0;
        for (uint32_t i = 0; i < cp->nrefs && n < 64; i++) {
            const CodeRef *r = &cp->refs[i];
            if (r->lo < hi && lo < r->hi)
                victims[n++] = r->tb;
        }
        T.batch_page = cp;
        for (unsigned i = 0; i < n; i++)
            tb_invalidate(victims[i]);
        T.batch_page = NULL;
        cp = page_get(page); /* still there: pages live until a flush */
        if (n)
            page_recompute(cp, page);
    } while (n == 64);
}

void tcache_invalidate_phys(uint64_t addr, uint64_t len)
{
    if (!T.ready || len == 0 || g_hash_table_size(T.pages) == 0)
        return;
    uint64_t last_addr = addr + len - 1 < addr ? UINT64_MAX : addr + len - 1;
    uint64_t first = addr >> TC_PAGE_BITS, last = last_addr >> TC_PAGE_BITS;

    if (last - first >= g_hash_table_size(T.pages)) {
        /* A large range: walk the code pages instead of the range. */
        GArray *hits = g_array_new(FALSE, FALSE, sizeof(uint64_t));
        GHashTableIter it;
        gpointer key;
        g_hash_table_iter_init(&it, T.pages);
        while (g_hash_table_iter_next(&it, &key, NULL)) {
            uint64_t p = GPOINTER_TO_SIZE(key);
            if (p >= first && p <= last)
                g_array_append_val(hits, p);
        }
        for (unsigned i = 0; i < hits->len; i++)
            invalidate_in_page(g_array_index(hits, uint64_t, i), addr, len);
        g_array_free(hits, TRUE);
        return;
    }
    for (uint64_t p = first; p <= last; p++) {
        invalidate_in_page(p, addr, len);
        if (p == UINT64_MAX >> TC_PAGE_BITS)
            break;
    }
}

void tcache_flush(void)
{
    if (!T.ready)
        return;
    T.used = 0;
    memset(T.buckets, 0, sizeof(TB *) << T.bucket_bits);
    T.count = 0;
    g_hash_table_remove_all(T.pages);
    T.flushes++;
    cpu_all_tcache_flushed();
}

/* ---------------------------------------------------------------------- */
/* Lookup and translation                                                  */

/*
 * The arena's pages are committed a chunk ahead of use with one call
 * each (both mappings), not by a page fault per 4 KiB as blocks are
 * written and first run: a Linux boot writes some 28 MB of code. Chunks
 * double from ARENA_CHUNK_MIN up to ARENA_CHUNK: a small program, whose
 * code fits in 100 KB, does not commit 2 MiB (1 ms of its start).
 */
#define ARENA_CHUNK (2u << 20)
#define ARENA_CHUNK_MIN (64u << 10)

static void arena_populate(size_t upto)
{
#if defined(MADV_POPULATE_WRITE) && defined(MADV_POPULATE_READ)
    while (T.populated < upto && T.populated < T.size) {
        size_t n = MIN(MIN((size_t)ARENA_CHUNK,
                           MAX((size_t)ARENA_CHUNK_MIN, T.populated)),
                       T.size - T.populated);
        uint8_t *w = T.arena + T.populated;
        /* A hint: on an older kernel the pages fault in as they are used. */
        if (madvise(w, n, MADV_POPULATE_WRITE) == 0 && T.arena_fd >= 0)
            madvise(w + T.exec_delta, n, MADV_POPULATE_READ);
        T.populated += n;
    }
#else
    (void)upto;
#endif
}

static void *arena_alloc(size_t size)
{
    if (!size)
        size = 1;
    size = (size + 63) & ~(size_t)63;
    if (T.used + size > T.size)
        return NULL;
    void *p = T.arena + T.used;
    T.used += size;
    if (T.used > T.populated)
        arena_populate(T.used);
    return p;
}

/* The block's other virtual units still map where they did. */
static bool spans_valid(Cpu *cpu, const TB *tb)
{
    for (unsigned i = 1; i < tb->nspans; i++) {
        if ((tb->vunit[i] >> cpu->page_bits) ==
            (tb->vunit[0] >> cpu->page_bits))
            continue; /* same arch page as the checked one */
        uint64_t phys;
        if (cpu_translate_code(cpu, tb->vunit[i], &phys) != TESSERA_FAULT_NONE ||
            phys != tb->punit[i])
            return false;
    }
    return true;
}

static void log_translation(const TesseraIR *b, uint32_t mask,
                            const char *title)
{
    FILE *f = log_stream();
    if (mask == TESSERA_LOG_IN_ASM)
        ir_dump_asm(b, f);
    else
        ir_dump(b, f, title);
    fflush(f);
}

/*
 * -d out_asm: the block's host code, disassembled by the host-disas
 * module (capstone), loaded on the first block: tessera does not link
 * capstone, whose relocations took some 6 ms of every start.
 */
typedef size_t (*HostDisasFn)(FILE *f, const void *code, size_t size,
                              size_t entry);

static HostDisasFn host_disas(void)
{
    static bool tried;
    static HostDisasFn fn;
    if (tried)
        return fn;
    tried = true;
    const char *path = util_running_from_build_tree()
                           ? TESSERA_BUILDDIR "/modules/.libs/host-disas.so"
                           : TESSERA_MODDIR "/host-disas.so";
    lt_dlinit();
    lt_dlhandle h = lt_dlopen(path);
    if (h)
        fn = (HostDisasFn)lt_dlsym(h, "tessera_host_disas");
    if (!fn)
        tessera_warn("-d out_asm: cannot load %s: %s (no host code shown)",
                     path, lt_dlerror());
    return fn;
}

static void log_host_code(const TB *tb)
{
    FILE *f = log_stream();
    HostDisasFn disas = host_disas();

    fprintf(f, "OUT: [size=%zu] guest 0x%" PRIx64 "\n", tb->code_size, tb->pc);
    if (disas)
        disas(f, tb->code, tb->code_size, tb->code_entry);
    fputc('\n', f);
    fflush(f);
}

static TB *translate(Cpu *cpu, uint64_t pc, uint64_t phys, uint32_t cflags)
{
    const TesseraArchClass *arch = cpu->arch;
    TesseraIR *b = ir_begin(cpu, pc, cpu->tb_flags, cpu->code_mmu);

    if (cflags & TB_CF_SINGLE)
        b->one_insn = true;
    if (arch->translate(cpu->env, b, pc, cpu->tb_flags) < 0 ||
        !ir_validate(b)) {
        tessera_error("%s: cannot translate the block at 0x%" PRIx64 "%s%s",
                      arch->name, pc, b->error_msg ? ": " : "",
                      b->error_msg ? b->error_msg : "");
        return NULL;
    }
    /* Tools see the block and add their IR before it is optimised. */
    if (unlikely(tool_active))
        tool_instrument(cpu, b, phys);
    if (unlikely(log_mask & (TESSERA_LOG_IN_ASM | TESSERA_LOG_OP |
                             TESSERA_LOG_OP_OPT))) {
        if (log_on(TESSERA_LOG_IN_ASM))
            log_translation(b, TESSERA_LOG_IN_ASM, NULL);
        if (log_on(TESSERA_LOG_OP))
            log_translation(b, TESSERA_LOG_OP, "OP");
    }
    ir_optimize(b);
    ir_lower_skips(b);
    if (unlikely(log_on(TESSERA_LOG_OP_OPT)))
        log_translation(b, TESSERA_LOG_OP_OPT, "OP after optimisation");

    /* A block at a breakpoint is entered only from the loop, which
     * checks the breakpoint (never chained to, nor in the jump cache). */
    b->nocache = b->one_insn || (unlikely(debug_nbp) && debug_bp_at(pc));
    const Backend *be = backend_current();
    unsigned nexits;
    size_t code_size = be->compile(b, &nexits);
    unsigned ni = b->ninsns;
    size_t head = sizeof(TB) + nexits * sizeof(TBExit) +
                  ni * sizeof(uint64_t) + (ni + 1) * sizeof(uint32_t) + ni;
    head = (head + 63) & ~(size_t)63; /* code starts on a cache line */
    TB *tb = arena_alloc(head + code_size);
    if (!tb) {
        tcache_flush();
        tb = arena_alloc(head + code_size);
        if (!tb) {
            tessera_error("translation cache too small for one block "
                          "(%zu bytes)", head + code_size);
            return NULL;
        }
    }
    memset(tb, 0, sizeof(*tb));
    uint8_t *extra = (uint8_t *)(tb + 1);
    tb->exits = (TBExit *)extra;
    extra += nexits * sizeof(TBExit);
    tb->insn_pc = (uint64_t *)extra;
    extra += ni * sizeof(uint64_t);
    tb->cycles_before = (uint32_t *)extra;
    extra += (ni + 1) * sizeof(uint32_t);
    tb->insn_size = extra;

    tb->pc = pc;
    tb->flags = cpu->tb_flags;
    tb->cflags = cflags;
    tb->phys_pc = phys;
    tb->arch = arch;
    tb->ninsns = ni;
    uint32_t cyc = 0;
    for (unsigned i = 0, k = 0; i < b->nops; i++) {
        const IROp *op = &b->ops[i];
        if (op->opc != IR_INSN_START)
            continue;
        tb->insn_pc[k] = op->imm;
        tb->insn_size[k] = op->aux;
        tb->cycles_before[k] = cyc;
        cyc += op->aux2;
        k++;
    }
    tb->cycles_before[ni] = cyc;
    tb->ncycles = cyc;
    tb->nocache = b->nocache;
    tb->nexits = nexits;
    tb->code_size = code_size;
    be->install(tb, (uint8_t *)tb + head, (uint8_t *)tb + head + T.exec_delta);
    if (unlikely(log_on(TESSERA_LOG_OUT_ASM)) && be->executable)
        log_host_code(tb);

    /* Units -> code pages (two units may share a page). */
    tb->nspans = b->nspans;
    for (unsigned i = 0; i < b->nspans; i++) {
        const IRSpan *s = &b->spans[i];
        tb->vunit[i] = s->vunit;
        tb->punit[i] = s->punit;
        if (s->hi <= s->lo)
            continue;
        uint64_t page = s->punit >> TC_PAGE_BITS;
        uint32_t base = (uint32_t)(s->punit & (TC_PAGE_SIZE - 1));
        uint32_t lo = base + s->lo, hi = base + s->hi;
        unsigned k;
        for (k = 0; k < tb->npages && tb->pages[k].page != page; k++)
            ;
        if (k == tb->npages) {
            tb->npages++;
            tb->pages[k].page = page;
            tb->pages[k].lo = lo;
            tb->pages[k].hi = hi;
        } else {
            tb->pages[k].lo = MIN(tb->pages[k].lo, lo);
            tb->pages[k].hi = MAX(tb->pages[k].hi, hi);
        }
    }
    for (unsigned k = 0; k < tb->npages; k++) {
        tb->pages[k].mask = granule_mask(tb->pages[k].lo, tb->pages[k].hi);
        page_link(tb, k);
    }
    hash_insert(tb);
    T.translated++;
    return tb;
}

/* -d tb_stats: what translation costs, over the whole run. */
static struct {
    uint64_t blocks, insns, host_bytes, ns;
} Stats;

static void print_stats(void)
{
    FILE *f = log_stream();
    double per = Stats.insns ? (double)Stats.host_bytes / (double)Stats.insns
                             : 0.0;
    double s = (double)Stats.ns / 1e9;
    fprintf(f,
            "tb_stats: %" PRIu64 " blocks translated, %" PRIu64
            " guest instructions, %" PRIu64 " host code bytes (%.1f per "
            "guest instruction), %.3f ms translating (%.0f blocks/s)\n",
            Stats.blocks, Stats.insns, Stats.host_bytes, per, s * 1e3,
            s > 0 ? (double)Stats.blocks / s : 0.0);
    const EngineStats *e = &engine_stats;
    fprintf(f,
            "tb_stats: %" PRIu64 " blocks entered from the loop (%" PRIu64
            " jump-cache misses, %" PRIu64 " hash lookups, %" PRIu64
            " blocks compared), %" PRIu64 " tcache flushes\n"
            "tb_stats: TLB: %" PRIu64 " data fills, %" PRIu64
            " code fills, %" PRIu64 " full flushes, %" PRIu64
            " page flushes\n"
            "tb_stats: code: %" PRIu64 " pages, %" PRIu64
            " stores checked, %" PRIu64 " blocks invalidated\n",
            e->loop_blocks, e->jc_misses, e->hash_lookups, e->hash_steps,
            T.flushes, e->tlb_fills, e->code_fills, e->tlb_flushes,
            e->tlb_page_flushes, e->code_pages, e->code_writes,
            e->invalidations);
    fflush(f);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static TB *translate_counted(Cpu *cpu, uint64_t pc, uint64_t phys,
                             uint32_t cflags)
{
    if (!Stats.blocks && !Stats.ns)
        atexit(print_stats);
    uint64_t t0 = now_ns();
    TB *tb = translate(cpu, pc, phys, cflags);
    Stats.ns += now_ns() - t0 + 1;
    if (tb) {
        Stats.blocks++;
        Stats.insns += tb->ninsns;
        Stats.host_bytes += tb->code_size;
    }
    return tb;
}

TB *tcache_find(Cpu *cpu, uint64_t pc, uint64_t phys_pc, uint32_t cflags)
{
    ensure_ready();
    uint64_t flags = cpu->tb_flags;
    engine_stats.hash_lookups++;
    for (TB *tb = T.buckets[tb_hash(phys_pc, pc, flags, cflags)]; tb;
         tb = tb->hash_next) {
        engine_stats.hash_steps++;
        if (tb->phys_pc == phys_pc && tb_matches(tb, pc, flags, cflags) &&
            tb->arch == cpu->arch && spans_valid(cpu, tb))
            return tb;
    }
    if (unlikely(log_on(LOG_TB_STATS)))
        return translate_counted(cpu, pc, phys_pc, cflags);
    return translate(cpu, pc, phys_pc, cflags);
}

void tcache_exit_init(TB *tb, TBExit *x, uint64_t pc, uint32_t insn)
{
    uint32_t after = insn + 1 < tb->ninsns ? insn + 1 : tb->ninsns;

    memset(x, 0, sizeof(*x));
    x->pc = pc;
    x->tb = tb;
    x->insn_adj = tb->ninsns - after;
    x->cycle_adj = tb->ncycles - tb->cycles_before[after];
}

void tcache_chain(TBExit *x, TB *tb, const Cpu *cpu)
{
    TB *src = x->tb;
    unsigned page_bits = cpu->page_bits;
    if (x->next || (src->cflags & TB_CF_DEAD) || tb->flags != src->flags ||
        tb->cflags != src->cflags || x->pc != tb->pc || tb->nocache)
        return;
    bool any_page = cpu_code_map_fixed(cpu);
    /*
     * A chained jump skips the lookup, so the target's code must lie in
     * pages whose mapping the source's own lookup already vouched for
     * (unless no mapping ever changes: cpu_code_map_fixed()).
     */
    for (unsigned i = 0; i < tb->nspans && !any_page; i++) {
        uint64_t page = tb->vunit[i] >> page_bits;
        bool known = false;
        for (unsigned j = 0; j < src->nspans; j++)
            if ((src->vunit[j] >> page_bits) == page)
                known = true;
        if (!known)
            return;
    }
    x->next = tb;
    x->in_next = tb->in_list;
    tb->in_list = x;
    if (backend_current()->chain)
        backend_current()->chain(x);
}
