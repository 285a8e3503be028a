/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the AVR peripheral plugins (header-only: each
 * peripheral is its own plugin).
 *
 * Register addresses are data-space addresses (0x20.. for I/O registers);
 * the bus sees them at 0x800000 + address, as avr-gcc's ELF files do.
 * Interrupt lines are wired in the board file to the CPU's inputs vecN;
 * when the CPU enters vector N it writes to 0x820000 + N, which a device
 * maps to learn that the hardware cleared the flag.
 */
#ifndef AVR_DEV_H
#define AVR_DEV_H

#include <stdint.h>

#include <tessera/device.h>

#define AVR_DEV_DATA_BASE 0x800000u
#define AVR_DEV_EEPROM_BASE 0x810000u
#define AVR_DEV_ACK_BASE 0x820000u
#define AVR_DEV_WDR_STROBE 0x8200ffu
/* SMCR on SLEEP, 0 on wake; reads 1 if a wake source survives (avr-power). */
#define AVR_DEV_SLEEP_STROBE 0x8200feu

/* Maps a one-byte I/O register at the data-space address held by prop. */
static inline int avr_dev_map_reg(TesseraDevice *dev, const char *prop,
                                  const TesseraMmioOps *ops, void *opaque)
{
    return tessera_dev_map_mmio(
        dev, AVR_DEV_DATA_BASE + tessera_dev_prop_u64(dev, prop), 1, ops,
        opaque);
}

/* Virtual time <-> CPU cycles at hz (exact with [cpu] frequency = hz). */
static inline uint64_t avr_now_cycles(uint64_t hz)
{
    return (uint64_t)(((unsigned __int128)tessera_clock_ns() * hz) /
                      1000000000u);
}

static inline uint64_t avr_cycles_to_ns(uint64_t cycles, uint64_t hz)
{
    return (uint64_t)(((unsigned __int128)cycles * 1000000000u + hz - 1) /
                      hz);
}

/*
 * Maps the acknowledge byte of the vector that output line index of IRQ
 * property name is wired to, if it goes to a CPU. Call from reset() (the
 * wiring is not known in realize()); *mapped makes it happen once.
 */
static inline void avr_map_ack(TesseraDevice *dev, const char *name,
                               unsigned index, const TesseraMmioOps *ops,
                               void *opaque)
{
    TesseraIrqTarget t;
    if (tessera_dev_irq_target(dev, name, index, &t) && t.cpu >= 0)
        tessera_dev_map_mmio(dev, AVR_DEV_ACK_BASE + t.input, 1, ops, opaque);
}

#endif
