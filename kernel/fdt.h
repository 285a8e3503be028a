/* SPDX-License-Identifier: MIT */
/*
 * The machine's flattened device tree: built with libfdt from the board
 * logic's /cpus, /memory, /chosen, /soc and each device's own node, or read
 * from -dtb; written out by -machine dumpdtb=FILE.
 */
#ifndef KERNEL_FDT_H
#define KERNEL_FDT_H

/* Writes the machine's tree (building it if boot did not) to path. 0 or -1. */
int fdt_dump(const char *path);
/* Forgets the blob and the phandles (machine teardown). */
void fdt_cleanup(void);

#endif
