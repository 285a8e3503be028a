/* SPDX-License-Identifier: MIT */
/*
 * Plugin discovery and loading (libltdl).
 *
 * Search order: -L directories, $TESSERA_PLUGIN_PATH, then the installed
 * $(pkglibdir)/{arch,devices,boards,tools} - or, when tessera runs from
 * its build tree, the plugins built there. A type is looked up first in the
 * file of the same name (type "ns16550a" in ns16550a.so), then in every
 * plugin found.
 */
#ifndef KERNEL_PLUGIN_H
#define KERNEL_PLUGIN_H

#include <glib.h>
#include <stdbool.h>

#include <tessera/arch.h>
#include <tessera/board.h>
#include <tessera/device.h>

/* -L DIR; call before any lookup. */
void plugin_add_dir(const char *dir);

/*
 * Finds a registered type, loading plugins as needed. On failure returns
 * NULL and, when requester is not NULL, prints an error naming the type,
 * the requester ("virt.ini:14") and the directories searched.
 */
const TesseraArchClass *plugin_find_arch(const char *name,
                                         const char *requester);
const TesseraDeviceClass *plugin_find_device(const char *name,
                                             const char *requester);
const TesseraBoardClass *plugin_find_board(const char *name,
                                           const char *requester);

/* The plugin file a type came from (for listings). */
const char *plugin_file_of(const void *cls);

/* Loads every plugin found (for listings); problems become warnings. */
void plugin_load_all(void);

/* Listings for -cpu help, -device help, -plugins. */
void plugin_print_archs(void);
void plugin_print_devices(void);
void plugin_print_board_logic(void);
void plugin_print_plugins(void);
/* Every registered arch, for -cpu help across arches. */
unsigned plugin_arch_count(void);
const TesseraArchClass *plugin_arch(unsigned i);

/* The plugins loaded so far, one line each (the monitor's info plugins). */
void plugin_describe_loaded(GString *out);

/* Unloads everything (tests). */
void plugin_shutdown(void);

#endif
