/* SPDX-License-Identifier: MIT */
/*
 * AVR frontend (avr5, avr51, avr6): shared definitions.
 *
 * Address map on the Tessera bus (avr-gcc's ELF convention):
 *   0x000000  program flash (byte addresses; the PC is a byte address too)
 *   0x800000  data space: registers (0x00-0x1f, kept in env), I/O
 *             registers (MMIO devices), SRAM
 *   0x810000  EEPROM image (where avr-gcc puts .eeprom)
 *   0x820000  interrupt acknowledge: when the CPU enters vector N it writes
 *             1 to byte 0x820000 + N, so a device whose flag the hardware
 *             clears on entry (timer overflow, compare, ...) can map that
 *             byte and clear it.
 */
#ifndef AVR_AVR_H
#define AVR_AVR_H

#include <stdbool.h>
#include <stdint.h>

#include <tessera/arch.h>

#define AVR_DATA_BASE 0x800000u
#define AVR_EEPROM_BASE 0x810000u
#define AVR_IRQ_ACK_BASE 0x820000u
/* SMCR written on SLEEP, 0 on wake; reads 0 if nothing can wake. */
#define AVR_SLEEP_STROBE 0x8200feu
#define AVR_MAX_VECTORS 64

/* SREG bits */
enum { SR_C, SR_Z, SR_N, SR_V, SR_S, SR_H, SR_T, SR_I };

/* Data-space addresses of the core registers (the same on every model). */
#define AVR_RAMPZ 0x5b
#define AVR_EIND 0x5c
#define AVR_SPL 0x5d
#define AVR_SPH 0x5e
#define AVR_SREG 0x5f
#define AVR_SMCR 0x53
#define AVR_WDTCSR 0x60

typedef struct AvrModel {
    unsigned flash_size;  /* bytes */
    unsigned sram_start;  /* first SRAM data address (after I/O) */
    unsigned sram_end;    /* last SRAM data address (reset SP) */
    unsigned nvectors;
    bool pc22;            /* 3-byte PC: EIND, 3-byte return addresses */
    bool has_rampz;       /* ELPM */
    uint8_t pin_regs[16]; /* I/O data addresses of PINx, 0-ended */
} AvrModel;

/* Translation flags */
#define AVR_TBF_IRQ_ENTRY 1u /* account the cycles of an interrupt entry */
/* I was just set (SEI, RETI, SREG write): the block runs one instruction,
 * then looks at the pending interrupts. */
#define AVR_TBF_INHIBIT 2u

/*
 * CPU state. Blocks use r[], flag[], sp, rampz, eind and smcr as IR
 * globals; SREG is not stored as a byte: each bit is its own byte (0 or 1)
 * in flag[], indexed by SR_*, and avr_get_sreg() composes it. irq_set()
 * writes only pending[].
 */
typedef struct AvrEnv {
    uint8_t r[32];
    uint8_t flag[8]; /* SREG bits C Z N V S H T I, each 0 or 1 */
    uint16_t sp;     /* SPL (low byte), SPH */
    uint8_t rampz;
    uint8_t eind;
    uint8_t smcr;
    bool sleeping;
    uint64_t pending[AVR_MAX_VECTORS / 64]; /* levels of the vector lines */
    TesseraCpu *cpu;
    const AvrModel *model;
} AvrEnv;

static inline uint8_t avr_get_sreg(const AvrEnv *e)
{
    unsigned v = 0;
    for (unsigned i = 0; i < 8; i++)
        v |= (e->flag[i] & 1u) << i;
    return (uint8_t)v;
}

#endif
