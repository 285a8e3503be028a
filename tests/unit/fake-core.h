/* SPDX-License-Identifier: MIT */
/*
 * A stand-in for the core's side of the device API, so that a device
 * plugin's source can be tested alone: properties come from a table, the
 * MMIO region is called directly, IRQ levels, console output, exit and
 * reset requests are recorded, and time moves only when a test says so.
 */
#ifndef TESTS_UNIT_FAKE_CORE_H
#define TESTS_UNIT_FAKE_CORE_H

#include <tessera/device.h>

#define FAKE_MAX_IRQS 8
#define FAKE_MAX_REGIONS 4

typedef struct FakeRegion {
    uint64_t base, size;
    const TesseraMmioOps *ops;
    void *opaque;
} FakeRegion;

typedef struct FakeCore {
    const TesseraDeviceClass *cls;
    const char *const *props; /* "name", "value" pairs, NULL-ended */
    unsigned ncpus;
    FakeRegion regions[FAKE_MAX_REGIONS];
    unsigned nregions;
    int irq_level[2][FAKE_MAX_IRQS]; /* [0]: first IRQ property, [1]: second */
    const char *irq_names[2];
    uint8_t out[4096];           /* bytes written to the chardev */
    size_t out_len;
    bool has_chardev;
    int (*can_read)(void *);
    void (*receive)(void *, const uint8_t *, size_t);
    void *rx_opaque;
    uint8_t in[256];             /* bytes waiting to reach the device */
    size_t in_len;
    uint64_t now_ns;
    int exit_status;             /* -1: no exit requested */
    int resets;
    int errors;                  /* tessera_error() calls */
    const char *const *symbols;  /* "name", "value" pairs */
    uint8_t ram[0x1000];         /* tessera_phys_* at ram_base */
    uint64_t ram_base;
} FakeCore;

extern FakeCore fake;

/* Clears the fake core; the class comes from the included plugin. */
void fake_reset(void);
/* Calls realize on fresh state; returns its result. */
int fake_realize(void **state);
void fake_dev_reset(void *state);

uint64_t fake_read(uint64_t addr, unsigned size);
void fake_write(uint64_t addr, uint64_t value, unsigned size);

/* Queues input and hands over what the device accepts now. */
void fake_input(const char *bytes, size_t len);
/* Advances virtual time, running expired timers in order. */
void fake_advance(uint64_t ns);

#endif
