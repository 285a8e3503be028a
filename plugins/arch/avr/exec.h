/* SPDX-License-Identifier: MIT */
#ifndef AVR_EXEC_H
#define AVR_EXEC_H

#include "avr.h"

/*
 * Runs one instruction. a0: opcode (second word in bits 16-31), a1: its
 * byte address, a2: size in bytes of the following instruction (what a
 * skip skips), a3: bit 0 set for a 32-bit instruction. Returns the address
 * of the next instruction to run.
 */
uint64_t avr_helper_exec(void *env, uint64_t a0, uint64_t a1, uint64_t a2,
                         uint64_t a3);

uint8_t avr_data_read(AvrEnv *e, uint32_t a);
void avr_data_write(AvrEnv *e, uint32_t a, uint8_t v);
void avr_push_pc(AvrEnv *e, uint32_t pc);

#endif
