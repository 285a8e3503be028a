/* SPDX-License-Identifier: MIT */
/*
 * tessera/tessera.h - the plugin contract of the Tessera emulator.
 *
 * Every plugin (arch, device, board, tool) includes this header, defines one
 * descriptor with TESSERA_PLUGIN() and registers its types from the init
 * function named there. The core loads plugins with libltdl, checks the ABI
 * major in the descriptor, then calls init once.
 *
 * Rules for plugin authors:
 *  - include only headers under <tessera/>; every function named tessera_*
 *    is provided by the running core (the tessera executable exports them);
 *  - plain C types only: no glib, no core internals;
 *  - everything a plugin registers must stay valid until the process ends
 *    (use static storage for class descriptions).
 *
 * ABI policy: adding a function or appending a field to the end of a class
 * struct that the core allocates bumps the minor; anything else bumps the
 * major. The core refuses plugins built for another major.
 */
#ifndef TESSERA_TESSERA_H
#define TESSERA_TESSERA_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* 2.0: the ISA-neutral IR (sub-word globals, carries, bit fields,
 * atomics, helper effect flags), 64-bit translation flags, register
 * types, exact interrupts; TESSERA_PROP_FREQ and the mmio_help and
 * irq_inputs_help fields of TesseraDeviceClass; tessera_load_blob and
 * tessera_device_find_type. */
#define TESSERA_ABI_MAJOR 2
/* 2.1: TesseraArchClass gdb_xml, gdb_g_regs, gdb_read_reg, gdb_write_reg
 * (the GDB remote stub). */
/* 2.2: device DMA on RAM only (tessera_dma_*), bottom halves for worker
 * threads (tessera_bh_*), drives for devices (TESSERA_PROP_DRIVE,
 * tessera_drive_*), TesseraDeviceClass slot_type (-device),
 * tessera_semihosting_enabled(); network devices (tessera/net.h:
 * tessera_net_attach, _send, _rx_ready, _mac, _id). */
/* 2.3: keyboards and pointers (tessera/input.h: tessera_input_register,
 * _activate, _unregister); screens (tessera/display.h: tessera_display_new,
 * _set_surface, _dirty, _set_poll, tessera_pixel_bytes) and device-owned
 * video memory (tessera_dev_map_ram). */
/* 2.4: TESSERA_MO_RAM (loads and stores the arch has checked to be in
 * data-only RAM: backends may skip the soft TLB);
 * tessera_cpu_set_hot_globals() (a register-allocation hint). */
/* 2.5: tessera_console_flush() (character backends buffer their output). */
#define TESSERA_ABI_MINOR 5

#if defined(__GNUC__)
#define TESSERA_EXPORT __attribute__((visibility("default")))
#define TESSERA_NORETURN __attribute__((noreturn))
#define TESSERA_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define TESSERA_EXPORT
#define TESSERA_NORETURN
#define TESSERA_PRINTF(f, a)
#endif

/** The four kinds of plugin. */
typedef enum TesseraPluginKind {
    TESSERA_PLUGIN_ARCH = 1,
    TESSERA_PLUGIN_DEVICE = 2,
    TESSERA_PLUGIN_BOARD = 3,
    TESSERA_PLUGIN_TOOL = 4,
} TesseraPluginKind;

/**
 * The descriptor every plugin exports under the symbol name
 * "tessera_plugin_descriptor". Use TESSERA_PLUGIN() to define it.
 *
 * init() registers the plugin's types (tessera_register_arch(),
 * tessera_register_device(), ...). It returns 0 on success; on failure it
 * returns -1 after reporting with tessera_error().
 */
typedef struct TesseraPluginDesc {
    uint32_t abi_major;
    uint32_t abi_minor;
    TesseraPluginKind kind;
    const char *name;    /* plugin name, e.g. "ns16550a" */
    const char *version; /* plugin version string, e.g. "0.1.0" */
    int (*init)(void);
} TesseraPluginDesc;

#define TESSERA_PLUGIN_SYMBOL "tessera_plugin_descriptor"

/** Defines the plugin's descriptor. Use once per plugin. */
#define TESSERA_PLUGIN(kind_, name_, version_, init_)                      \
    TESSERA_EXPORT const TesseraPluginDesc tessera_plugin_descriptor = {   \
        TESSERA_ABI_MAJOR, TESSERA_ABI_MINOR, (kind_), (name_), (version_), \
        (init_)}

/* ---------------------------------------------------------------------- */
/* Messages                                                                */

/**
 * Reports an error to the user (stderr, prefixed "tessera: ").
 * Use it for configuration errors found while realizing a device or a
 * board; then return -1 from the callback.
 */
TESSERA_PRINTF(1, 2) void tessera_error(const char *fmt, ...);
/** Reports a warning (stderr, prefixed "tessera: warning: "). */
TESSERA_PRINTF(1, 2) void tessera_warn(const char *fmt, ...);

/**
 * Writes out what the character backends (serial consoles and the like)
 * buffered: they write the guest's output in batches, at the latest when
 * the main loop next polls. A plugin that writes to the host's stdout or
 * stderr itself (a semihosting console, a message of its own) calls this
 * first, so that the guest's earlier output comes first. tessera_error(),
 * tessera_warn() and tessera_log() do it already (ABI 2.5).
 */
void tessera_console_flush(void);

/** Log categories for -d. A message is printed only when its mask is on. */
typedef enum TesseraLogMask {
    TESSERA_LOG_IN_ASM = 1u << 0,       /* guest code as it is translated */
    TESSERA_LOG_EXEC = 1u << 1,         /* each block executed */
    TESSERA_LOG_CPU = 1u << 2,          /* registers before each block */
    TESSERA_LOG_INT = 1u << 3,          /* interrupts and exceptions */
    TESSERA_LOG_UNIMP = 1u << 4,        /* accesses to unimplemented parts */
    TESSERA_LOG_GUEST_ERRORS = 1u << 5, /* guest did something invalid */
    TESSERA_LOG_OP = 1u << 6,           /* IR after translation */
    TESSERA_LOG_OP_OPT = 1u << 7,       /* IR after optimisation */
    TESSERA_LOG_OUT_ASM = 1u << 8,      /* host code of each block */
} TesseraLogMask;

/** True when any category in mask is enabled (cheap: test before formatting). */
bool tessera_log_enabled(uint32_t mask);
/** Writes to the log (-D file, else stderr) when mask is enabled. */
TESSERA_PRINTF(2, 3) void tessera_log(uint32_t mask, const char *fmt, ...);

/* ---------------------------------------------------------------------- */
/* Machine control                                                         */

/** Ends the emulation after the current instruction, with this exit status. */
void tessera_request_exit(int status);
/** Resets the whole machine (devices, CPUs) after the current instruction. */
void tessera_request_reset(void);

/**
 * True when the user asked for semihosting (-semihosting or
 * -semihosting-config enable=on): an arch then serves its guests' host
 * calls (ARM: BKPT 0xab), writing their console output to stderr as
 * QEMU does (ABI 2.2).
 */
bool tessera_semihosting_enabled(void);

/**
 * Looks up a symbol of the loaded guest images (ELF symbol tables).
 * Returns true and stores its value when found.
 */
bool tessera_symbol_lookup(const char *name, uint64_t *value);

#ifdef __cplusplus
}
#endif

#endif
