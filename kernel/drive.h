/* SPDX-License-Identifier: MIT */
/*
 * Drives: the disk images -drive opened, by id, for device models
 * (TESSERA_PROP_DRIVE, tessera_drive_* in <tessera/device.h>).
 */
#ifndef KERNEL_DRIVE_H
#define KERNEL_DRIVE_H

#include <stdbool.h>

#include <tessera/device.h>

#include "block/block.h"

/*
 * Registers an open image under id (which must be new). readonly: the
 * guest may not write; unmap: discard requests reach the image
 * (discard=unmap), else they are ignored as QEMU's default discard=ignore.
 * The drive owns bs from now on. Returns the drive or NULL (message
 * printed).
 */
enum { DRIVE_DZ_OFF, DRIVE_DZ_ON, DRIVE_DZ_UNMAP };
TesseraDrive *drive_add(const char *id, BlockDev *bs, bool readonly,
                        bool unmap);
/* detect-zeroes=off|on|unmap: a guest write of zeroes becomes a write
 * zeroes request (qcow2: a zero cluster, no data cluster). */
void drive_set_detect_zeroes(TesseraDrive *d, int mode);
TesseraDrive *drive_find(const char *id);
/* Marks a drive as taken by a device; false when another one has it. */
bool drive_claim(TesseraDrive *d, const char *devname, const char **owner);
/* An id for an unnamed -drive of interface iface: "virtio0", "virtio1"... */
char *drive_new_id(const char *iface);
/* Drives no device took: warns for each (-drive if=none unused). */
void drive_warn_unused(void);
/* Flushes and closes every drive (after the devices are gone); returns
 * -1 when a flush failed (message printed). */
int drive_close_all(void);

#endif
