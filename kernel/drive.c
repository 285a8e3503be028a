/* SPDX-License-Identifier: MIT */
#include "kernel/drive.h"

#include <glib.h>
#include <stdint.h>
#include <string.h>

struct TesseraDrive {
    char *id;
    BlockDev *bs;
    bool readonly;
    bool unmap;
    int detect_zeroes;
    char *owner; /* device that took it, or NULL */
};

static GPtrArray *drives;

TesseraDrive *drive_find(const char *id)
{
    for (guint i = 0; drives && i < drives->len; i++) {
        TesseraDrive *d = drives->pdata[i];
        if (!strcmp(d->id, id))
            return d;
    }
    return NULL;
}

TesseraDrive *drive_add(const char *id, BlockDev *bs, bool readonly,
                        bool unmap)
{
    if (drive_find(id)) {
        tessera_error("-drive: duplicate id '%s'", id);
        return NULL;
    }
    TesseraDrive *d = g_new0(TesseraDrive, 1);
    d->id = g_strdup(id);
    d->bs = bs;
    d->readonly = readonly;
    d->unmap = unmap;
    if (!drives)
        drives = g_ptr_array_new();
    g_ptr_array_add(drives, d);
    return d;
}

void drive_set_detect_zeroes(TesseraDrive *d, int mode)
{
    d->detect_zeroes = mode;
}

static bool all_zero(const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len && ((uintptr_t)p & 7)) {
        if (*p++)
            return false;
        len--;
    }
    for (; len >= 8; p += 8, len -= 8)
        if (*(const uint64_t *)(const void *)p)
            return false;
    while (len--)
        if (*p++)
            return false;
    return true;
}

char *drive_new_id(const char *iface)
{
    for (unsigned n = 0;; n++) {
        char *id = g_strdup_printf("%s%u", iface, n);
        if (!drive_find(id))
            return id;
        g_free(id);
    }
}

bool drive_claim(TesseraDrive *d, const char *devname, const char **owner)
{
    if (d->owner && strcmp(d->owner, devname)) {
        *owner = d->owner;
        return false;
    }
    g_free(d->owner);
    d->owner = g_strdup(devname);
    return true;
}

void drive_warn_unused(void)
{
    for (guint i = 0; drives && i < drives->len; i++) {
        TesseraDrive *d = drives->pdata[i];
        if (!d->owner)
            tessera_warn("-drive id=%s: no device uses this drive (add "
                         "-device virtio-blk-device,drive=%s)", d->id, d->id);
    }
}

int drive_close_all(void)
{
    int r = 0;
    for (guint i = 0; drives && i < drives->len; i++) {
        TesseraDrive *d = drives->pdata[i];
        if (!d->readonly && blk_flush(d->bs) < 0) {
            tessera_error("%s", blk_error(d->bs));
            r = -1;
        }
        blk_close(d->bs);
        g_free(d->id);
        g_free(d->owner);
        g_free(d);
    }
    if (drives)
        g_ptr_array_free(drives, TRUE);
    drives = NULL;
    return r;
}

/* The device API (<tessera/device.h>); callable from one worker thread per
 * drive: nothing here touches shared core state. */

uint64_t tessera_drive_size(TesseraDrive *d)
{
    return blk_size(d->bs);
}

bool tessera_drive_readonly(TesseraDrive *d)
{
    return d->readonly;
}

int tessera_drive_read(TesseraDrive *d, uint64_t off, void *buf, size_t len)
{
    return blk_read(d->bs, off, buf, len) < 0 ? -1 : 0;
}

int tessera_drive_write(TesseraDrive *d, uint64_t off, const void *buf,
                        size_t len)
{
    if (d->readonly)
        return -1;
    /* detect-zeroes: on and unmap (with or without discard=unmap) both
     * end as blk_write_zeroes, which deallocates where the format can
     * (qcow2 zero clusters, holes in raw files). */
    if (d->detect_zeroes != DRIVE_DZ_OFF && all_zero(buf, len))
        return blk_write_zeroes(d->bs, off, len) < 0 ? -1 : 0;
    return blk_write(d->bs, off, buf, len) < 0 ? -1 : 0;
}

int tessera_drive_write_zeroes(TesseraDrive *d, uint64_t off, uint64_t len,
                               bool may_unmap)
{
    if (d->readonly)
        return -1;
    (void)may_unmap; /* blk_write_zeroes deallocates where it can */
    return blk_write_zeroes(d->bs, off, len) < 0 ? -1 : 0;
}

int tessera_drive_discard(TesseraDrive *d, uint64_t off, uint64_t len)
{
    if (d->readonly)
        return -1;
    if (!d->unmap)
        return 0; /* discard=ignore, QEMU's default */
    return blk_discard(d->bs, off, len) < 0 ? -1 : 0;
}

int tessera_drive_flush(TesseraDrive *d)
{
    return blk_flush(d->bs) < 0 ? -1 : 0;
}

const char *tessera_drive_error(TesseraDrive *d)
{
    return blk_error(d->bs);
}
