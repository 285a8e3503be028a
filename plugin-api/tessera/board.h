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
    /**
     * Adds the board's part of the device tree (ABI 1.1; may be NULL):
     * /cpus, /memory, /chosen and a /soc bus node. The core has created
     * the root with #address-cells = #size-cells = 2; after this it calls
     * every device's fdt_node() with /soc as parent (the root when there is
     * no /soc). fdt is a libfdt blob open for writing. 0 or -1.
     */
    int (*fdt_populate)(const TesseraBootInfo *info, void *fdt);
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
/**
 * The machine's device tree blob (ABI 1.1): the -dtb file when the user gave
 * one, else a tree built now from the board logic's fdt_populate() and
 * every device's fdt_node(). Call from boot() after deciding where images
 * go. The blob stays owned by the core until the next call or the end of
 * the machine; size receives its length. NULL after an error message.
 */
const void *tessera_fdt_build(size_t *size);

/**
 * A phandle for a node the board writes itself (a CPU node, a clock),
 * unique per key and stable for the machine's lifetime (ABI 1.1).
 */
uint32_t tessera_fdt_phandle(const char *key);

/**
 * Reads a CPU register by the name the arch gives it in its regs list
 * ("misa", "a0"). Returns false when the arch has no such register.
 */
bool tessera_cpu_reg_read(unsigned cpu, const char *name, uint64_t *value);

/** The -cpu model name of CPU cpu ("rv64"), NULL when out of range. */
const char *tessera_cpu_model_name(unsigned cpu);

/**
 * Loads a file's bytes at addr; size receives its length. An empty file is
 * refused. 0 or -1.
 *
 * Every loader (raw, ELF segments, Intel HEX, tessera_load_blob) refuses
 * a placement that is not entirely RAM or ROM, or that overlaps anything
 * loaded since the machine's last reset, with a message naming both.
 */
int tessera_load_raw(const char *path, uint64_t addr, uint64_t *size);

/**
 * Writes data the board logic made (a device tree, a reset stub) at addr,
 * with the loaders' checks; what names it in messages ("device tree").
 * 0, or -1 after a message (ABI 1.3).
 */
int tessera_load_blob(const char *what, uint64_t addr, const void *data,
                      uint64_t len);
/** True when the file starts with the ELF magic. */
bool tessera_file_is_elf(const char *path);

/**
 * Loads an Intel HEX file (avr-objcopy -O ihex, the Arduino tools) at
 * base + the addresses its records give. entry receives base + its start
 * address record, or the lowest address written when it has none;
 * lowest/highest (may be NULL) the first and last byte written. 0, or -1
 * after a message naming the file and the line.
 */
int tessera_load_ihex(const char *path, uint64_t base, uint64_t *entry,
                      uint64_t *lowest, uint64_t *highest);
/**
 * True when the file's first non-blank line is an Intel HEX record (":"
 * then hex digits).
 */
bool tessera_file_is_ihex(const char *path);

#ifdef __cplusplus
}
#endif

#endif
