/* SPDX-License-Identifier: MIT */
#include "kernel/fdt.h"

#include <errno.h>
#include <glib.h>
#include <libfdt.h>
#include <stdio.h>
#include <string.h>

#include <tessera/arch.h>
#include <tessera/board.h>

#include "kernel/cpu-internal.h"
#include "kernel/device.h"
#include "kernel/machine.h"
#include "loader/loader.h"

static void *fdt_blob;       /* the last tree built or read */
static size_t fdt_blob_size;
static GHashTable *phandles; /* "dev:NAME" / "cpu:N" -> phandle */
static uint32_t next_phandle = 1;

static uint32_t phandle_for(const char *key)
{
    if (!phandles)
        phandles = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                         NULL);
    gpointer v = g_hash_table_lookup(phandles, key);
    if (v)
        return GPOINTER_TO_UINT(v);
    uint32_t p = next_phandle++;
    g_hash_table_insert(phandles, g_strdup(key), GUINT_TO_POINTER(p));
    return p;
}

uint32_t tessera_fdt_phandle(const char *key)
{
    char *k = g_strdup_printf("board:%s", key);
    uint32_t p = phandle_for(k);
    g_free(k);
    return p;
}

uint32_t tessera_dev_phandle(TesseraDevice *dev)
{
    char *key = g_strdup_printf("dev:%s", tessera_dev_name(dev));
    uint32_t p = phandle_for(key);
    g_free(key);
    return p;
}

uint32_t tessera_cpu_intc_phandle(unsigned cpu)
{
    char key[32];
    snprintf(key, sizeof(key), "cpu:%u", cpu);
    return phandle_for(key);
}

bool tessera_cpu_reg_read(unsigned index, const char *name, uint64_t *value)
{
    if (index >= machine.ncpus)
        return false;
    Cpu *cpu = machine.cpus[index];
    const TesseraRegInfo *r = cpu_arch(cpu)->regs;
    for (; r && r->name; r++) {
        if (strcmp(r->name, name))
            continue;
        const unsigned char *env = tessera_cpu_env(cpu);
        uint64_t v = 0;
        switch (r->size) {
        case 1: v = *(const uint8_t *)(env + r->offset); break;
        case 2: v = *(const uint16_t *)(env + r->offset); break;
        case 4: v = *(const uint32_t *)(env + r->offset); break;
        default: v = *(const uint64_t *)(env + r->offset); break;
        }
        *value = v;
        return true;
    }
    return false;
}

const char *tessera_cpu_model_name(unsigned index)
{
    if (index >= machine.ncpus)
        return NULL;
    return machine.cpus[index]->model->name;
}

/*
 * libfdt's read-write functions put each new property and subnode first in
 * its node, so a tree built with them lists everything backwards. Copy it
 * with the sequential writer, reversing both lists, so the blob shows
 * properties and nodes in the order the code added them.
 */
static int fdt_copy_node(const void *in, int node, void *out)
{
    int r, n = 0, cap = 16;
    int *offs = g_new(int, cap);
    const char *name = fdt_get_name(in, node, NULL);

    if ((r = fdt_begin_node(out, node == 0 ? "" : name)) < 0)
        goto out;
    int p;
    fdt_for_each_property_offset(p, in, node) {
        if (n == cap)
            offs = g_renew(int, offs, cap *= 2);
        offs[n++] = p;
    }
    for (int i = n - 1; i >= 0; i--) {
        const char *pname;
        int len;
        const void *val = fdt_getprop_by_offset(in, offs[i], &pname, &len);
        if (!val) {
            r = len;
            goto out;
        }
        if ((r = fdt_property(out, pname, val, len)) < 0)
            goto out;
    }
    n = 0;
    int child;
    fdt_for_each_subnode(child, in, node) {
        if (n == cap)
            offs = g_renew(int, offs, cap *= 2);
        offs[n++] = child;
    }
    for (int i = n - 1; i >= 0; i--)
        if ((r = fdt_copy_node(in, offs[i], out)) < 0)
            goto out;
    r = fdt_end_node(out);
out:
    g_free(offs);
    return r;
}

static int fdt_reverse_copy(const void *in, void *out, size_t size)
{
    int r;
    if ((r = fdt_create(out, (int)size)) < 0 ||
        (r = fdt_finish_reservemap(out)) < 0 ||
        (r = fdt_copy_node(in, 0, out)) < 0)
        return r;
    return fdt_finish(out);
}

/* Devices go under /soc when the board made one, else under the root. */
static int fdt_soc_offset(void *fdt)
{
    int soc = fdt_path_offset(fdt, "/soc");
    return soc < 0 ? 0 : soc;
}

/* One attempt at building the tree in a buffer of size bytes. */
static int fdt_try_build(void *buf, size_t size)
{
    int r = fdt_create_empty_tree(buf, (int)size);
    if (r < 0)
        return r;
    if ((r = fdt_setprop_u32(buf, 0, "#address-cells", 2)) < 0 ||
        (r = fdt_setprop_u32(buf, 0, "#size-cells", 2)) < 0)
        return r;
    const TesseraBoardClass *logic = machine.logic;
    if (logic && logic->fdt_populate &&
        logic->fdt_populate(&machine.boot, buf) < 0)
        return -1;
    return device_fdt_all(buf, fdt_soc_offset);
}

static const void *fdt_generate(size_t *size)
{
    for (size_t cap = 64 * 1024; cap <= 16 * 1024 * 1024; cap *= 2) {
        void *buf = g_malloc0(cap);
        int r = fdt_try_build(buf, cap);
        if (r == -FDT_ERR_NOSPACE) {
            g_free(buf);
            continue;
        }
        if (r < 0) {
            if (r != -1)
                tessera_error("building the device tree: %s", fdt_strerror(r));
            else
                tessera_error("building the device tree failed");
            g_free(buf);
            return NULL;
        }
        void *ordered = g_malloc0(cap);
        r = fdt_reverse_copy(buf, ordered, cap);
        g_free(buf);
        if (r < 0) {
            g_free(ordered);
            if (r == -FDT_ERR_NOSPACE)
                continue;
            tessera_error("building the device tree: %s", fdt_strerror(r));
            return NULL;
        }
        buf = ordered;
        g_free(fdt_blob);
        fdt_blob = buf;
        fdt_blob_size = fdt_totalsize(buf);
        *size = fdt_blob_size;
        return fdt_blob;
    }
    tessera_error("the device tree does not fit in 16 MiB");
    return NULL;
}

/*
 * As QEMU does with -dtb: the kernel command line and the initrd's place
 * go into the given tree's /chosen (created when missing). Returns the
 * patched copy, or NULL after a message.
 */
static void *fdt_patch_chosen(const char *path, void *in)
{
    const char *append = machine.boot.append;
    uint64_t lo = 0, hi = 0;
    bool initrd = machine.boot.initrd &&
                  loader_placement_find(machine.boot.initrd, &lo, &hi);

    if (!append && !initrd)
        return in;
    int size = (int)fdt_totalsize(in) + 1024 + (append ? (int)strlen(append) : 0);
    void *out = g_malloc0((size_t)size);
    int r = fdt_open_into(in, out, size), chosen = 0;
    if (r >= 0) {
        chosen = r = fdt_path_offset(out, "/chosen");
        if (r == -FDT_ERR_NOTFOUND)
            chosen = r = fdt_add_subnode(out, 0, "chosen");
    }
    if (r >= 0 && append)
        r = fdt_setprop_string(out, chosen, "bootargs", append);
    if (r >= 0 && initrd && hi + 1 <= UINT32_MAX) {
        /* One cell when it fits, as the generated tree has them. */
        if ((r = fdt_setprop_u32(out, chosen, "linux,initrd-start",
                                 (uint32_t)lo)) >= 0)
            r = fdt_setprop_u32(out, chosen, "linux,initrd-end",
                                (uint32_t)(hi + 1));
    } else if (r >= 0 && initrd) {
        if ((r = fdt_setprop_u64(out, chosen, "linux,initrd-start", lo)) >= 0)
            r = fdt_setprop_u64(out, chosen, "linux,initrd-end", hi + 1);
    }
    if (r >= 0)
        r = fdt_pack(out);
    g_free(in);
    if (r < 0) {
        tessera_error("-dtb %s: cannot set /chosen (-append, -initrd): %s",
                      path, fdt_strerror(r));
        g_free(out);
        return NULL;
    }
    return out;
}

static const void *fdt_read_file(const char *path, size_t *size)
{
    gchar *data;
    gsize len;
    GError *err = NULL;

    if (!g_file_get_contents(path, &data, &len, &err)) {
        tessera_error("-dtb %s: %s", path, err->message);
        g_error_free(err);
        return NULL;
    }
    if (len < sizeof(struct fdt_header) || fdt_check_header(data) != 0 ||
        fdt_totalsize(data) > len) {
        tessera_error("-dtb %s: not a flattened device tree blob (make one "
                      "with dtc -O dtb)",
                      path);
        g_free(data);
        return NULL;
    }
    void *tree = fdt_patch_chosen(path, data);
    if (!tree)
        return NULL;
    g_free(fdt_blob);
    fdt_blob = tree;
    fdt_blob_size = fdt_totalsize(tree);
    *size = fdt_blob_size;
    return fdt_blob;
}

const void *tessera_fdt_build(size_t *size)
{
    if (machine.boot.dtb)
        return fdt_read_file(machine.boot.dtb, size);
    return fdt_generate(size);
}

int fdt_dump(const char *path)
{
    size_t size;

    if (!fdt_blob && !tessera_fdt_build(&size))
        return -1;
    GError *err = NULL;
    if (!g_file_set_contents(path, fdt_blob, (gssize)fdt_blob_size, &err)) {
        tessera_error("dumpdtb=%s: %s", path, err->message);
        g_error_free(err);
        return -1;
    }
    return 0;
}

void fdt_cleanup(void)
{
    g_free(fdt_blob);
    fdt_blob = NULL;
    fdt_blob_size = 0;
    if (phandles)
        g_hash_table_destroy(phandles);
    phandles = NULL;
    next_phandle = 1;
}
