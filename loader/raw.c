/* SPDX-License-Identifier: MIT */
/*
 * Putting image files into guest memory: raw binaries, and ELF images
 * parsed by elf.c. The symbols of loaded ELF images are kept here for
 * tessera_symbol_lookup(). The parser stays in elf.c, free of the bus and
 * of glib, so that it can be fuzzed alone.
 */
#include "loader/loader.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tessera/board.h>

#include "kernel/bus.h"

/* ---------------------------------------------------------------------- */
/* Symbols                                                                 */

/* name -> value of every symbol of every image loaded so far. */
static GHashTable *loader_symbols;

void loader_symbols_add(const ElfImage *img)
{
    if (!loader_symbols)
        loader_symbols = g_hash_table_new_full(g_str_hash, g_str_equal,
                                               g_free, g_free);
    /*
     * Later definitions win: ELF lists local symbols before global ones,
     * so a global beats a local of the same name, and a later image (the
     * kernel after the firmware) beats an earlier one.
     */
    for (size_t i = 0; i < img->nsyms; i++) {
        uint64_t *v = g_new(uint64_t, 1);
        *v = img->syms[i].value;
        g_hash_table_replace(loader_symbols, g_strdup(img->syms[i].name), v);
    }
}

bool loader_symbol_lookup(const char *name, uint64_t *value)
{
    uint64_t *v;

    if (!loader_symbols || !name)
        return false;
    v = g_hash_table_lookup(loader_symbols, name);
    if (!v)
        return false;
    if (value)
        *value = *v;
    return true;
}

void loader_symbols_clear(void)
{
    if (loader_symbols)
        g_hash_table_remove_all(loader_symbols);
}

bool tessera_symbol_lookup(const char *name, uint64_t *value)
{
    return loader_symbol_lookup(name, value);
}

/* ---------------------------------------------------------------------- */
/* Files                                                                   */

/* Opens a regular file for reading and gives its size; the descriptor,
 * or -1 after a message naming it. */
static int loader_open_file(const char *path, size_t *size)
{
    struct stat st;
    int fd;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        tessera_error("%s: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) < 0) {
        tessera_error("%s: %s", path, strerror(errno));
        goto fail;
    }
    if (!S_ISREG(st.st_mode)) {
        tessera_error("%s: not a regular file", path);
        goto fail;
    }
    if ((uint64_t)st.st_size > SIZE_MAX - 1) {
        tessera_error("%s: file too large", path);
        goto fail;
    }
    *size = (size_t)st.st_size;
    return fd;

fail:
    close(fd);
    return -1;
}

/* Reads up to size bytes into buf; the count read (less if the file
 * shrank), or -1 after a message. */
static ssize_t loader_read_fd(int fd, const char *path, uint8_t *buf,
                              size_t size)
{
    size_t done = 0;

    while (done < size) {
        ssize_t n = read(fd, buf + done, size - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            tessera_error("%s: %s", path, strerror(errno));
            return -1;
        }
        if (n == 0) /* shrank while we read it */
            break;
        done += (size_t)n;
    }
    return (ssize_t)done;
}

/* Reads a whole regular file. 0, or -1 after a message naming it. */
static int loader_read_file(const char *path, uint8_t **data, size_t *len)
{
    uint8_t *buf = NULL;
    size_t size;
    ssize_t n;
    int fd = loader_open_file(path, &size);

    if (fd < 0)
        return -1;
    buf = g_try_malloc(size ? size : 1);
    if (!buf) {
        tessera_error("%s: out of memory reading %zu bytes", path, size);
        goto fail;
    }
    n = loader_read_fd(fd, path, buf, size);
    if (n < 0)
        goto fail;
    close(fd);
    *data = buf;
    *len = (size_t)n;
    return 0;

fail:
    g_free(buf);
    close(fd);
    return -1;
}

/* ---------------------------------------------------------------------- */
/* Placement                                                               */

/*
 * Everything loaded since the last reset (images, ELF segments, blobs the
 * board logic wrote), so that a new load that would overwrite an earlier
 * one is refused instead of silently corrupting it.
 */
typedef struct Placed {
    char *what; /* "prog.elf segment", "device tree" */
    uint64_t lo, hi; /* inclusive */
} Placed;
static GArray *placed;

void loader_placements_clear(void)
{
    for (guint i = 0; placed && i < placed->len; i++)
        g_free(g_array_index(placed, Placed, i).what);
    if (placed)
        g_array_set_size(placed, 0);
}

bool loader_placement_find(const char *what, uint64_t *lo, uint64_t *hi)
{
    for (guint i = 0; placed && i < placed->len; i++) {
        Placed *p = &g_array_index(placed, Placed, i);
        if (!strcmp(p->what, what)) {
            *lo = p->lo;
            *hi = p->hi;
            return true;
        }
    }
    return false;
}

static guint loader_placements_count(void)
{
    return placed ? placed->len : 0;
}

/* Forgets the placements after the first n (a load that failed midway). */
static void loader_placements_truncate(guint n)
{
    for (guint i = n; placed && i < placed->len; i++)
        g_free(g_array_index(placed, Placed, i).what);
    if (placed && placed->len > n)
        g_array_set_size(placed, n);
}

/*
 * What lies at [lo, hi] when it is not all RAM or ROM: a description for
 * the message, or NULL when the range may take an image.
 */
static char *loader_not_memory(uint64_t lo, uint64_t hi)
{
    uint64_t addr = lo;
    for (;;) {
        Region *r = bus_lookup(addr);
        if (!r)
            return g_strdup_printf("nothing is mapped at 0x%" PRIx64, addr);
        if (r->kind != REGION_RAM && r->kind != REGION_ROM)
            return g_strdup_printf("it overlaps %s region '%s' (0x%" PRIx64
                                   "-0x%" PRIx64 ")", bus_kind_name(r->kind),
                                   r->name, r->base, r->base + r->size - 1);
        uint64_t last = r->base + (r->size - 1);
        if (last >= hi || last == UINT64_MAX)
            return NULL;
        addr = last + 1;
    }
}

int loader_claim(const char *what, uint64_t addr, uint64_t len)
{
    if (len == 0)
        return 0;
    uint64_t hi = addr + (len - 1);
    if (hi < addr) {
        tessera_error("%s at 0x%" PRIx64 " (0x%" PRIx64 " bytes) runs past "
                      "the end of the address space", what, addr, len);
        return -1;
    }
    char *why = loader_not_memory(addr, hi);
    if (why) {
        tessera_error("%s 0x%" PRIx64 "-0x%" PRIx64 " must go to RAM or ROM, "
                      "but %s", what, addr, hi, why);
        g_free(why);
        return -1;
    }
    for (guint i = 0; placed && i < placed->len; i++) {
        Placed *p = &g_array_index(placed, Placed, i);
        if (addr <= p->hi && p->lo <= hi) {
            tessera_error("requested regions overlap: %s 0x%" PRIx64 "-0x%"
                          PRIx64 " and %s 0x%" PRIx64 "-0x%" PRIx64, what,
                          addr, hi, p->what, p->lo, p->hi);
            return -1;
        }
    }
    if (!placed)
        placed = g_array_new(FALSE, FALSE, sizeof(Placed));
    Placed p = {g_strdup(what), addr, hi};
    g_array_append_val(placed, p);
    return 0;
}

int tessera_load_blob(const char *what, uint64_t addr, const void *data,
                      uint64_t len)
{
    if (loader_claim(what, addr, len) < 0)
        return -1;
    if (!bus_write_buf(addr, data, len)) {
        tessera_error("%s: cannot write at 0x%" PRIx64, what, addr);
        return -1;
    }
    return 0;
}

bool tessera_file_is_elf(const char *path)
{
    uint8_t magic[4];
    ssize_t n;
    int fd;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    do {
        n = read(fd, magic, sizeof(magic));
    } while (n < 0 && errno == EINTR);
    close(fd);
    return n == sizeof(magic) && memcmp(magic, "\x7f" "ELF", 4) == 0;
}

int tessera_load_elf(const char *path, uint64_t *entry, uint64_t *lowest,
                     uint64_t *highest)
{
    uint64_t lo = UINT64_MAX, hi = 0;
    ElfImage img;
    uint8_t *data;
    size_t len;
    char err[256];
    int ret = -1;

    if (loader_read_file(path, &data, &len) < 0)
        return -1;
    if (elf_parse(data, len, &img, err, sizeof(err)) < 0) {
        tessera_error("%s: %s", path, err);
        g_free(data);
        return -1;
    }

    /* Check everything first so a bad image leaves memory untouched. */
    guint nplaced = placed ? placed->len : 0;
    for (size_t i = 0; i < img.nsegs; i++) {
        const ElfSegment *s = &img.segs[i];
        char *what = g_strdup_printf("%s segment", path);
        int r = loader_claim(what, s->paddr, s->memsz);
        g_free(what);
        if (r < 0) {
            loader_placements_truncate(nplaced);
            goto out;
        }
        lo = MIN(lo, s->paddr);
        hi = MAX(hi, s->paddr + (s->memsz - 1));
    }
    for (size_t i = 0; i < img.nsegs; i++) {
        const ElfSegment *s = &img.segs[i];
        /* The .bss part with bus_zero(): no page is touched for it. */
        if (!bus_write_buf(s->paddr, s->data, s->filesz) ||
            !bus_zero(s->paddr + s->filesz, s->memsz - s->filesz)) {
            tessera_error("%s: cannot write segment at 0x%" PRIx64, path,
                          s->paddr);
            goto out;
        }
    }
    loader_symbols_add(&img);
    if (entry)
        *entry = img.entry;
    if (lowest)
        *lowest = lo;
    if (highest)
        *highest = hi;
    ret = 0;
out:
    elf_free(&img);
    g_free(data);
    return ret;
}

/*
 * An image that fits in one RAM or ROM region is read straight into it:
 * no buffer to fault in and copy (a 20 MB kernel, an initramfs).
 */
int tessera_load_raw(const char *path, uint64_t addr, uint64_t *size)
{
    uint8_t *data = NULL, *host;
    size_t len;
    ssize_t n;
    int ret = -1;
    int fd = loader_open_file(path, &len);

    if (fd < 0)
        return -1;
    if (len == 0) {
        /* As QEMU: an empty image is a mistake, not a program. */
        tessera_error("%s: the file is empty (0 bytes): nothing to load",
                      path);
        goto out;
    }
    host = addr + len > addr ? bus_host_range(addr, len) : NULL;
    if (host) {
        guint nplaced = loader_placements_count();
        if (loader_claim(path, addr, len) < 0)
            goto out;
        n = loader_read_fd(fd, path, host, len);
        bus_host_written(addr, len);
        if (n <= 0) {
            if (n == 0)
                tessera_error("%s: the file is empty (0 bytes): nothing to "
                              "load", path);
            loader_placements_truncate(nplaced);
            goto out;
        }
        if ((size_t)n < len) { /* the file shrank: claim what is there */
            loader_placements_truncate(nplaced);
            loader_claim(path, addr, (uint64_t)n);
        }
        len = (size_t)n;
    } else {
        data = g_try_malloc(len);
        if (!data) {
            tessera_error("%s: out of memory reading %zu bytes", path, len);
            goto out;
        }
        n = loader_read_fd(fd, path, data, len);
        if (n <= 0) {
            if (n == 0)
                tessera_error("%s: the file is empty (0 bytes): nothing to "
                              "load", path);
            goto out;
        }
        len = (size_t)n;
        if (tessera_load_blob(path, addr, data, len) < 0)
            goto out;
    }
    if (size)
        *size = len;
    ret = 0;
out:
    g_free(data);
    close(fd);
    return ret;
}
