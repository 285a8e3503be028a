/* SPDX-License-Identifier: MIT */
/*
 * The memory bus keeps a flat, sorted array of non-overlapping regions.
 * An MMIO region may be placed over RAM (HTIF sits on its tohost word):
 * the RAM region is then split around it, so a lookup always returns the
 * one region that decides an address.
 */
#include "kernel/bus.h"
#include "kernel/debug.h"

#include <glib.h>
#include <inttypes.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kernel/cpu.h"
#include "kernel/log.h"

static Region **regions;
static unsigned nregions;
static unsigned capacity;
/* Counts changes of the region list: bus_lookup()'s per-thread memory of
 * the last region found holds only for the generation it was made in. */
static unsigned regions_gen;
static _Thread_local Region *last_region;
static _Thread_local unsigned last_gen;

/* Host mappings, freed on teardown (split RAM pieces share one). */
typedef struct HostBlock {
    void *ptr;
    uint64_t size;
} HostBlock;
static GArray *host_blocks;

static const char *blame; /* bus_set_blame() */

void bus_set_blame(const char *who)
{
    blame = who;
}

static bool overlaps(uint64_t b1, uint64_t s1, uint64_t b2, uint64_t s2)
{
    return b1 <= b2 + (s2 - 1) && b2 <= b1 + (s1 - 1);
}

static void insert_at(unsigned pos, Region *r)
{
    if (nregions == capacity) {
        capacity = capacity ? capacity * 2 : 16;
        regions = g_renew(Region *, regions, capacity);
    }
    memmove(&regions[pos + 1], &regions[pos],
            (nregions - pos) * sizeof(regions[0]));
    regions[pos] = r;
    nregions++;
    regions_gen++;
}

static void insert_sorted(Region *r)
{
    unsigned pos = 0;
    while (pos < nregions && regions[pos]->base < r->base)
        pos++;
    insert_at(pos, r);
}

static void remove_at(unsigned pos)
{
    memmove(&regions[pos], &regions[pos + 1],
            (nregions - pos - 1) * sizeof(regions[0]));
    nregions--;
    regions_gen++;
}

/* Cuts [base, base+size) out of RAM region index i, keeping the rest. */
static void split_ram(unsigned i, uint64_t base, uint64_t size)
{
    Region *r = regions[i];
    uint64_t end = base + size;          /* may be 0 on wrap; callers avoid */
    uint64_t rend = r->base + r->size;

    remove_at(i);
    if (r->base < base) {
        Region *lo = g_new0(Region, 1);
        *lo = *r;
        lo->name = g_strdup(r->name);
        lo->size = base - r->base;
        insert_sorted(lo);
    }
    if (end < rend) {
        Region *hi = g_new0(Region, 1);
        *hi = *r;
        hi->name = g_strdup(r->name);
        hi->base = end;
        hi->size = rend - end;
        hi->host = r->host + (end - r->base);
        insert_sorted(hi);
    }
    g_free(r->name);
    g_free(r);
}

static Region *add_region(const char *name, uint64_t base, uint64_t size,
                          RegionKind kind)
{
    if (size == 0 || base + (size - 1) < base) {
        tessera_error("%s%smemory region '%s' at 0x%" PRIx64
                      ": size 0x%" PRIx64 " is empty or wraps around",
                      blame ? blame : "", blame ? ": " : "", name, base, size);
        return NULL;
    }
    for (unsigned i = 0; i < nregions; i++) {
        Region *o = regions[i];
        if (!overlaps(base, size, o->base, o->size))
            continue;
        /* MMIO may overlay RAM; nothing else may overlap. */
        if (kind == REGION_MMIO && o->kind == REGION_RAM)
            continue;
        tessera_error("%s%smemory region '%s' [0x%" PRIx64 "-0x%" PRIx64
                      "] overlaps '%s' [0x%" PRIx64 "-0x%" PRIx64 "]",
                      blame ? blame : "", blame ? ": " : "", name, base,
                      base + size - 1, o->name, o->base,
                      o->base + o->size - 1);
        return NULL;
    }
    if (kind == REGION_MMIO) {
        for (unsigned i = 0; i < nregions; i++) {
            if (regions[i]->kind == REGION_RAM &&
                overlaps(base, size, regions[i]->base, regions[i]->size)) {
                split_ram(i, base, size);
                i = (unsigned)-1; /* the array changed: rescan */
            }
        }
        tcache_invalidate_phys(base, size);
    }
    Region *r = g_new0(Region, 1);
    r->name = g_strdup(name);
    r->base = base;
    r->size = size;
    r->kind = kind;
    insert_sorted(r);
    return r;
}

/* Transparent huge pages: the host's page size for big memories. */
#define HUGE_ALIGN (2ull << 20)

/*
 * Memory of 2 MiB or more starts on a 2 MiB boundary and asks for
 * transparent huge pages, as QEMU does for guest RAM: a guest touches its
 * memory densely, and a 20 MB kernel image costs ten host page faults
 * instead of five thousand (each one dearer still in a virtual machine).
 */
static uint8_t *alloc_host(uint64_t size, const char *name)
{
    bool huge = size >= HUGE_ALIGN && size <= UINT64_MAX - HUGE_ALIGN;
    uint64_t len = huge ? size + HUGE_ALIGN : size;
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
        tessera_error("%s%scannot allocate 0x%" PRIx64 " bytes of host memory "
                      "for '%s'", blame ? blame : "", blame ? ": " : "", size,
                      name);
        return NULL;
    }
    if (huge) {
        uintptr_t a = ((uintptr_t)p + HUGE_ALIGN - 1) & ~(HUGE_ALIGN - 1);
        size_t head = a - (uintptr_t)p, tail = (size_t)(len - head - size);
        if (head)
            munmap(p, head);
        if (tail)
            munmap((uint8_t *)a + size, tail);
        p = (void *)a;
#ifdef MADV_HUGEPAGE
        madvise(p, size, MADV_HUGEPAGE); /* a hint: failure changes nothing */
#endif
    }
    if (!host_blocks)
        host_blocks = g_array_new(FALSE, FALSE, sizeof(HostBlock));
    HostBlock hb = {p, size};
    g_array_append_val(host_blocks, hb);
    return p;
}

static Region *add_memory(const char *name, uint64_t base, uint64_t size,
                          RegionKind kind)
{
    Region *r = add_region(name, base, size, kind);
    if (!r)
        return NULL;
    r->host = alloc_host(size, name);
    if (!r->host) {
        for (unsigned i = 0; i < nregions; i++)
            if (regions[i] == r)
                remove_at(i);
        g_free(r->name);
        g_free(r);
        return NULL;
    }
    return r;
}

Region *bus_add_ram(const char *name, uint64_t base, uint64_t size)
{
    return add_memory(name, base, size, REGION_RAM);
}

Region *bus_add_rom(const char *name, uint64_t base, uint64_t size)
{
    return add_memory(name, base, size, REGION_ROM);
}

Region *bus_add_mmio(const char *name, uint64_t base, uint64_t size,
                     const TesseraMmioOps *ops, void *opaque)
{
    Region *r = add_region(name, base, size, REGION_MMIO);
    if (r) {
        r->ops = ops;
        r->opaque = opaque;
    }
    return r;
}

Region *bus_add_unimp(const char *name, uint64_t base, uint64_t size)
{
    return add_region(name, base, size, REGION_UNIMP);
}

Region *bus_add_alias(const char *name, uint64_t base, uint64_t size,
                      uint64_t target)
{
    Region *t = bus_lookup(target);
    if (t && t->alias_delta) {
        tessera_error("%s%smemory alias '%s': 0x%" PRIx64 " is in '%s', "
                      "itself a mirror: name the memory it mirrors",
                      blame ? blame : "", blame ? ": " : "", name, target,
                      t->name);
        return NULL;
    }
    if (!t || (t->kind != REGION_RAM && t->kind != REGION_ROM) ||
        size > t->size - (target - t->base)) {
        tessera_error("%s%smemory alias '%s': 0x%" PRIx64 "-0x%" PRIx64
                      " is not inside one RAM or ROM region",
                      blame ? blame : "", blame ? ": " : "", name, target,
                      target + size - 1);
        return NULL;
    }
    if ((base | target) & 0xfff) {
        tessera_error("%s%smemory alias '%s': base 0x%" PRIx64 " and target "
                      "0x%" PRIx64 " must be multiples of 4 KiB",
                      blame ? blame : "", blame ? ": " : "", name, base,
                      target);
        return NULL;
    }
    Region *r = add_region(name, base, size, t->kind);
    if (r) {
        r->host = t->host + (target - t->base);
        r->alias_delta = target - base;
    }
    return r;
}

uint64_t bus_canonical(uint64_t addr)
{
    Region *r = bus_lookup(addr);
    return r ? addr + r->alias_delta : addr;
}

/*
 * The slow paths (page walks, code fetch, TLB fills) ask for the same
 * RAM region again and again: the last region found comes first, then a
 * binary search.
 */
Region *bus_lookup(uint64_t addr)
{
    Region *r = last_region;
    if (r && last_gen == regions_gen && addr - r->base < r->size)
        return r;
    unsigned lo = 0, hi = nregions;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        r = regions[mid];
        if (addr < r->base)
            hi = mid;
        else if (addr - r->base >= r->size)
            lo = mid + 1;
        else {
            last_region = r;
            last_gen = regions_gen;
            return r;
        }
    }
    return NULL;
}

/* The region that holds all of [addr, addr+size), or NULL. */
static Region *lookup_range(uint64_t addr, uint64_t size)
{
    Region *r = bus_lookup(addr);
    if (r && addr - r->base + size > r->size)
        return NULL;
    return r;
}

static uint64_t load_le(const uint8_t *p, unsigned size)
{
    uint64_t v = 0;
    memcpy(&v, p, size); /* little-endian host */
    return v;
}

static void store_le(uint8_t *p, unsigned size, uint64_t v)
{
    memcpy(p, &v, size);
}

static unsigned min_size(const TesseraMmioOps *ops)
{
    return ops->min_access ? ops->min_access : 1;
}

static unsigned max_size(const TesseraMmioOps *ops)
{
    return ops->max_access ? ops->max_access : 8;
}

/* Reads with the device's access sizes: split wide accesses, widen narrow. */
static uint64_t mmio_read(Region *r, uint64_t off, unsigned size)
{
    const TesseraMmioOps *ops = r->ops;
    unsigned lo = min_size(ops), hi = max_size(ops);

    if (!ops->read)
        return 0;
    if (size > hi) {
        uint64_t v = 0;
        for (unsigned i = 0; i < size; i += hi)
            v |= mmio_read(r, off + i, hi) << (8 * i);
        return v;
    }
    if (size < lo) {
        uint64_t base = off & ~(uint64_t)(lo - 1);
        uint64_t v = ops->read(r->opaque, base, lo);
        v >>= 8 * (off - base);
        return size == 8 ? v : v & ((1ull << (8 * size)) - 1);
    }
    return ops->read(r->opaque, off, size);
}

static void mmio_write(Region *r, uint64_t off, unsigned size, uint64_t v)
{
    const TesseraMmioOps *ops = r->ops;
    unsigned lo = min_size(ops), hi = max_size(ops);

    if (!ops->write)
        return;
    if (size > hi) {
        for (unsigned i = 0; i < size; i += hi)
            mmio_write(r, off + i, hi, v >> (8 * i));
        return;
    }
    if (size < lo) {
        uint64_t base = off & ~(uint64_t)(lo - 1);
        unsigned shift = 8 * (off - base);
        uint64_t mask = ((1ull << (8 * size)) - 1) << shift;
        uint64_t old = ops->read ? ops->read(r->opaque, base, lo) : 0;
        ops->write(r->opaque, base, (old & ~mask) | ((v << shift) & mask), lo);
        return;
    }
    ops->write(r->opaque, off, v, size);
}

bool bus_read(uint64_t addr, unsigned size, uint64_t *value)
{
    Region *r = lookup_range(addr, size);
    if (!r) {
        if (log_on(TESSERA_LOG_GUEST_ERRORS))
            tessera_log(TESSERA_LOG_GUEST_ERRORS,
                        "bus error: read of %u bytes at 0x%" PRIx64 "\n",
                        size, addr);
        return false;
    }
    switch (r->kind) {
    case REGION_RAM:
    case REGION_ROM:
        *value = load_le(r->host + (addr - r->base), size);
        break;
    case REGION_MMIO:
        *value = mmio_read(r, addr - r->base, size);
        break;
    case REGION_UNIMP:
        tessera_log(TESSERA_LOG_UNIMP,
                    "%s: unimplemented device read (size %u, offset 0x%" PRIx64
                    ")\n", r->name, size, addr - r->base);
        *value = 0;
        break;
    }
    return true;
}

bool bus_write(uint64_t addr, unsigned size, uint64_t value)
{
    Region *r = lookup_range(addr, size);
    if (!r) {
        if (log_on(TESSERA_LOG_GUEST_ERRORS))
            tessera_log(TESSERA_LOG_GUEST_ERRORS,
                        "bus error: write of %u bytes at 0x%" PRIx64 "\n",
                        size, addr);
        return false;
    }
    switch (r->kind) {
    case REGION_RAM:
        store_le(r->host + (addr - r->base), size, value);
        break;
    case REGION_ROM:
        tessera_log(TESSERA_LOG_GUEST_ERRORS,
                    "%s: write to ROM at 0x%" PRIx64 " ignored\n", r->name,
                    addr);
        break;
    case REGION_MMIO:
        mmio_write(r, addr - r->base, size, value);
        break;
    case REGION_UNIMP:
        tessera_log(TESSERA_LOG_UNIMP,
                    "%s: unimplemented device write (size %u, offset 0x%" PRIx64
                    ", value 0x%" PRIx64 ")\n",
                    r->name, size, addr - r->base, value);
        break;
    }
    return true;
}

/* Copies between a buffer and the bus; writes reach ROM (image loading). */
static bool bus_copy(uint64_t addr, uint8_t *buf, uint64_t len, bool write)
{
    while (len > 0) {
        Region *r = bus_lookup(addr);
        if (!r)
            return false;
        uint64_t off = addr - r->base;
        uint64_t n = MIN(len, r->size - off);
        if (r->kind == REGION_RAM || r->kind == REGION_ROM) {
            if (write && r->alias_delta)
                tcache_invalidate_phys(addr + r->alias_delta, n);
            if (write)
                memcpy(r->host + off, buf, n);
            else
                memcpy(buf, r->host + off, n);
        } else {
            for (uint64_t i = 0; i < n; i++) {
                uint64_t v = 0;
                if (write)
                    bus_write(addr + i, 1, buf[i]);
                else if (bus_read(addr + i, 1, &v))
                    buf[i] = (uint8_t)v;
            }
        }
        addr += n;
        buf += n;
        len -= n;
        if (len && addr == 0)
            return false; /* wrapped around the address space */
    }
    return true;
}

uint8_t *bus_host_range(uint64_t addr, uint64_t len)
{
    Region *r = bus_lookup(addr);
    if (!r || (r->kind != REGION_RAM && r->kind != REGION_ROM) ||
        len > r->size - (addr - r->base))
        return NULL;
    return r->host + (addr - r->base);
}

void bus_host_written(uint64_t addr, uint64_t len)
{
    tcache_invalidate_phys(bus_canonical(addr), len);
}

bool bus_read_buf(uint64_t addr, void *buf, uint64_t len)
{
    return bus_copy(addr, buf, len, false);
}

bool bus_write_buf(uint64_t addr, const void *buf, uint64_t len)
{
    if (len == 0)
        return true;
    bool ok = bus_copy(addr, (uint8_t *)buf, len, true);
    tcache_invalidate_phys(addr, len);
    return ok;
}

/*
 * Zeroes host memory. Whole host pages go back to the kernel (the mapping
 * is private and anonymous, so they read as zero again and take no memory
 * until written): a huge .bss costs neither time nor RSS.
 */
static void zero_host(uint8_t *p, uint64_t len)
{
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t start = ((uintptr_t)p + page - 1) & ~(page - 1);
    uintptr_t end = ((uintptr_t)p + len) & ~(page - 1);

    if (end <= start || end - start < 16 * page) {
        memset(p, 0, len);
        return;
    }
    memset(p, 0, start - (uintptr_t)p);
    if (madvise((void *)start, end - start, MADV_DONTNEED) < 0)
        memset((void *)start, 0, end - start);
    memset((void *)end, 0, (uintptr_t)p + len - end);
}

bool bus_zero(uint64_t addr, uint64_t len)
{
    uint64_t start = addr, total = len;

    while (len > 0) {
        Region *r = bus_lookup(addr);
        if (!r || (r->kind != REGION_RAM && r->kind != REGION_ROM))
            return false;
        uint64_t off = addr - r->base;
        uint64_t n = MIN(len, r->size - off);
        zero_host(r->host + off, n);
        if (r->alias_delta)
            tcache_invalidate_phys(addr + r->alias_delta, n);
        addr += n;
        len -= n;
        if (len && addr == 0)
            return false;
    }
    tcache_invalidate_phys(start, total);
    return true;
}

int tessera_phys_read(uint64_t addr, void *buf, uint64_t len)
{
    if (__builtin_expect(debug_nwp != 0, 0))
        debug_watch_phys(addr, len, false);
    /* Page walks read one PTE at a time from RAM: copy it directly. */
    Region *r = bus_lookup(addr);
    if (r && (r->kind == REGION_RAM || r->kind == REGION_ROM) &&
        len <= r->size - (addr - r->base)) {
        const uint8_t *p = r->host + (addr - r->base);
        if (len == 8)
            memcpy(buf, p, 8);
        else if (len == 4)
            memcpy(buf, p, 4);
        else
            memcpy(buf, p, len);
        return 0;
    }
    return bus_read_buf(addr, buf, len) ? 0 : -1;
}

int tessera_phys_write(uint64_t addr, const void *buf, uint64_t len)
{
    if (__builtin_expect(debug_nwp != 0, 0))
        debug_watch_phys(addr, len, true);
    return bus_write_buf(addr, buf, len) ? 0 : -1;
}

unsigned bus_region_count(void)
{
    return nregions;
}

Region *bus_region(unsigned i)
{
    return i < nregions ? regions[i] : NULL;
}

void bus_reset_all(void)
{
    for (unsigned i = 0; i < nregions; i++) {
        g_free(regions[i]->name);
        g_free(regions[i]);
    }
    for (unsigned i = 0; host_blocks && i < host_blocks->len; i++) {
        HostBlock *hb = &g_array_index(host_blocks, HostBlock, i);
        munmap(hb->ptr, hb->size);
    }
    if (host_blocks)
        g_array_set_size(host_blocks, 0);
    nregions = 0;
    regions_gen++;
    g_free(regions);
    regions = NULL;
    capacity = 0;
}

const char *bus_kind_name(RegionKind k)
{
    switch (k) {
    case REGION_RAM: return "ram";
    case REGION_ROM: return "rom";
    case REGION_MMIO: return "mmio";
    default: return "unimplemented";
    }
}

/* DMA from devices: RAM only, checked whole before anything is copied. */
bool tessera_dma_valid(uint64_t addr, uint64_t len)
{
    while (len > 0) {
        Region *r = bus_lookup(addr);
        if (!r || r->kind != REGION_RAM)
            return false;
        uint64_t off = addr - r->base;
        uint64_t n = MIN(len, r->size - off);
        addr += n;
        len -= n;
        if (len && addr == 0)
            return false;
    }
    return true;
}

int tessera_dma_read(uint64_t addr, void *buf, uint64_t len)
{
    if (!tessera_dma_valid(addr, len))
        return -1;
    return tessera_phys_read(addr, buf, len);
}

int tessera_dma_write(uint64_t addr, const void *buf, uint64_t len)
{
    if (!tessera_dma_valid(addr, len))
        return -1;
    return tessera_phys_write(addr, buf, len);
}
