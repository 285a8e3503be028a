/* SPDX-License-Identifier: MIT */
/*
 * The machine: CPUs, memory and devices built from a board file, and the
 * boot sequence that runs on start and on every reset.
 */
#ifndef KERNEL_MACHINE_H
#define KERNEL_MACHINE_H

#include <glib.h>

#include <tessera/board.h>

#include "kernel/board.h"
#include "kernel/cpu.h"

typedef struct MachineOptions {
    const char *board;     /* -M: name or path */
    const char *cpu_model; /* -cpu, or NULL */
    uint64_t ram_size;     /* -m in bytes, 0 = board's */
    const char *ram_size_arg; /* -m as given, for messages */
    unsigned smp;          /* -smp, 0 = board's */
    const char *bios, *kernel, *initrd, *dtb, *append;
    GPtrArray *sets;       /* -set DEV.PROP=VALUE strings */
    const char *dumpdtb;   /* -machine dumpdtb=FILE, or NULL */
    GPtrArray *devices;    /* -device TYPE,prop=value,... strings, or NULL */
} MachineOptions;

typedef struct Machine {
    BoardConfig *cfg;
    char *board_path;
    Cpu **cpus;
    unsigned ncpus;
    const TesseraBoardClass *logic;
    TesseraBootInfo boot;
} Machine;

extern Machine machine;

/* Builds the machine; 0, or -1 after printing errors. */
int machine_create(const MachineOptions *opts);
/* Resets CPUs and devices and runs the boot sequence. 0 or -1. */
int machine_reset(void);
void machine_destroy(void);

/* The [board] nic-model of board (a name or .ini path) for -nic, or NULL. */
const char *machine_default_nic(const char *board);

#endif
