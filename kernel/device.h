/* SPDX-License-Identifier: MIT */
/*
 * Device instances: creation from a [device NAME] section, property
 * parsing and checking, IRQ wiring, reset.
 */
#ifndef KERNEL_DEVICE_H
#define KERNEL_DEVICE_H

#include <glib.h>

#include <tessera/device.h>

#include "kernel/board.h"

/*
 * Creates and realizes the device of section s. sets holds -set
 * "NAME.PROP=VALUE" strings (those for other devices are ignored).
 * Returns NULL after printing an error with file and line.
 */
TesseraDevice *device_create(BoardConfig *cfg, BoardSection *s,
                             GPtrArray *sets);

/*
 * A device to create: a board-file section, possibly changed by -device
 * (which replaces a slot device, keeping its name and place). where and
 * type_where are "file:line" (or "-device ...") for messages; each key
 * has its own.
 */
typedef struct DeviceSpec {
    char *name;
    char *type;
    char *where;
    char *type_where;
    GPtrArray *keys, *values, *wheres; /* strings */
} DeviceSpec;

DeviceSpec *device_spec_new(const char *name, const char *type,
                            const char *where, const char *type_where);
/* Sets (or replaces) one property. */
void device_spec_set(DeviceSpec *sp, const char *key, const char *value,
                     const char *where);
void device_spec_free(DeviceSpec *sp);
/* The spec of a [device] section; NULL after an error message. */
DeviceSpec *device_spec_from_section(BoardConfig *cfg, BoardSection *s);
/* Creates and realizes a device from a spec, as device_create(). */
TesseraDevice *device_create_spec(const DeviceSpec *sp, GPtrArray *sets);
/* Connects every device's IRQ outputs; 0 or -1 after an error. */
int device_wire_all(void);
/* Resets every device in creation order. */
void device_reset_all(void);
/* Destroys every device (teardown, tests). */
void device_destroy_all(void);
/* Prints a device type's properties (-device NAME,help). 0 or -1. */
int device_print_props(const char *type);
/* -set strings naming devices that do not exist: error, -1. */
int device_check_sets(GPtrArray *sets);
/*
 * Calls every device's fdt_node() in creation order. parent_offset()
 * gives the parent node's offset afresh for each (a device that adds nodes
 * elsewhere moves other nodes). Returns 0, or the first negative libfdt
 * error / -1.
 */
int device_fdt_all(void *fdt, int (*parent_offset)(void *fdt));

/* Devices in creation order, for the monitor's object tree. */
unsigned device_count(void);
TesseraDevice *device_at(unsigned i);
const TesseraDeviceClass *device_class(TesseraDevice *dev);

#endif
