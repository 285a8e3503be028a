/* SPDX-License-Identifier: MIT */
/*
 * tessera/board.h - board logic that a board file cannot express.
 *
 * Most of a board is data ([cpu], [memory], [device] sections of an INI
 * file). A board plugin, named by "logic = NAME" in the [board] section,
 * adds the boot protocol: where firmware, kernel, initrd and device tree
 * go, and what the CPUs hold when they start. Without one, the core loads
 * -kernel (ELF or raw at the first RAM region) and starts every CPU at its
 * entry point.
 */
#ifndef TESSERA_BOARD_H
#define TESSERA_BOARD_H

#include <tessera/tessera.h>

#ifdef __cplusplus
extern "C" {
#endif

/** What the user asked for on the command line. */
typedef struct TesseraBootInfo {
    const char *bios;   /* -bios: a path, "none", or NULL when not given */
    const char *kernel; /* -kernel, or NULL */
    const char *initrd; /* -initrd, or NULL */
    const char *dtb;    /* -dtb, or NULL */
    const char *append; /* -append, or NULL */
    uint64_t ram_base;  /* the first [memory] region */
    uint64_t ram_size;
    unsigned ncpus;
} TesseraBootInfo;

typedef struct TesseraBoardClass {
    const char *name;        /* the [board] logic value */
    const char *description; /* one line */
    /** Loads images and sets the CPUs' entry state. 0 or -1 (with message). */
    int (*boot)(const TesseraBootInfo *info);
} TesseraBoardClass;

/** Registers board logic; call from the plugin's init. 0 or -1. */
int tessera_register_board(const TesseraBoardClass *cls);

/**
 * Loads an ELF image's loadable segments into guest physical memory.
 * entry receives the entry point; lowest/highest (may be NULL) the first
 * and the last byte address written (both inclusive). Its symbols become visible to tessera_symbol_lookup().
 * Returns 0, or -1 after a message naming the file and the problem.
 */
int tessera_load_elf(const char *path, uint64_t *entry, uint64_t *lowest,
                     uint64_t *highest);
/** Loads a file's bytes at addr; size receives its length. 0 or -1. */
int tessera_load_raw(const char *path, uint64_t addr, uint64_t *size);
/** True when the file starts with the ELF magic. */
bool tessera_file_is_elf(const char *path);

#ifdef __cplusplus
}
#endif

#endif
