/* SPDX-License-Identifier: MIT */
/*
 * The system memory bus: a sorted set of non-overlapping regions of guest
 * physical address space. RAM and ROM are host memory; MMIO calls device
 * callbacks; "unimplemented" regions read as zero, ignore writes and log
 * under -d unimp. An access outside every region is a bus error.
 */
#ifndef KERNEL_BUS_H
#define KERNEL_BUS_H

#include <stdbool.h>
#include <stdint.h>

#include <tessera/device.h>

typedef enum RegionKind {
    REGION_RAM,
    REGION_ROM,
    REGION_MMIO,
    REGION_UNIMP,
} RegionKind;

typedef struct Region {
    char *name;
    uint64_t base;
    uint64_t size;
    RegionKind kind;
    uint8_t *host;             /* RAM and ROM: base maps to host[0] */
    const TesseraMmioOps *ops; /* MMIO */
    void *opaque;              /* MMIO */
    /*
     * An alias (a mirror of RAM or ROM at another address): the address of
     * the same bytes in the region it mirrors is addr + alias_delta (0 for
     * everything else). Translated code and its invalidation use that
     * address, so a store through either view reaches code run from either.
     */
    uint64_t alias_delta;
} Region;

/* Adding fails (message printed, NULL returned) on overlap or size 0. */
Region *bus_add_ram(const char *name, uint64_t base, uint64_t size);
Region *bus_add_rom(const char *name, uint64_t base, uint64_t size);
Region *bus_add_mmio(const char *name, uint64_t base, uint64_t size,
                     const TesseraMmioOps *ops, void *opaque);
Region *bus_add_unimp(const char *name, uint64_t base, uint64_t size);
/*
 * A mirror of [target, target + size), which must lie inside one RAM or
 * ROM region (not itself a mirror), at base: the same host bytes, the same
 * kind. base and target must be 4 KiB-aligned (pages of the two views line
 * up).
 */
Region *bus_add_alias(const char *name, uint64_t base, uint64_t size,
                      uint64_t target);
/* The address of addr's bytes in the region they belong to (addr itself
 * unless addr is in a mirror). */
uint64_t bus_canonical(uint64_t addr);
/*
 * What the next additions' error messages start with ("-m 4G") when the
 * option, not the board file, chose the region; NULL to stop.
 */
void bus_set_blame(const char *who);

/* The region that contains addr, or NULL. */
Region *bus_lookup(uint64_t addr);

/*
 * One access of size 1, 2, 4 or 8 bytes, little-endian, as the CPU sees
 * it: ROM ignores writes (logged under guest_errors). Returns false on a
 * bus error (unmapped address, or an access that runs off its region).
 */
bool bus_read(uint64_t addr, unsigned size, uint64_t *value);
bool bus_write(uint64_t addr, unsigned size, uint64_t value);

/*
 * Loader/DMA access of any length. Writes reach ROM too (images are
 * loaded there) and invalidate translated code in the range.
 */
bool bus_read_buf(uint64_t addr, void *buf, uint64_t len);
bool bus_write_buf(uint64_t addr, const void *buf, uint64_t len);

/*
 * The host memory behind [addr, addr + len) when one RAM or ROM region
 * holds all of it, else NULL. A loader that fills it directly calls
 * bus_host_written() on the range after (translated code there is stale).
 */
uint8_t *bus_host_range(uint64_t addr, uint64_t len);
void bus_host_written(uint64_t addr, uint64_t len);

/*
 * Zeroes len bytes of RAM or ROM at addr (an image's .bss) without
 * touching whole host pages. False when part of the range is not RAM/ROM.
 */
bool bus_zero(uint64_t addr, uint64_t len);

/* Number of regions and the i-th in address order (for listings). */
unsigned bus_region_count(void);
Region *bus_region(unsigned i);

/* "ram", "rom", "mmio", "unimplemented". */
const char *bus_kind_name(RegionKind k);

/* Removes every region (machine teardown, tests). */
void bus_reset_all(void);

#endif
