/* SPDX-License-Identifier: MIT */
#ifndef AVR_EXEC_H
#define AVR_EXEC_H

#include "avr.h"

uint8_t avr_data_read(AvrEnv *e, uint32_t a);
void avr_data_write(AvrEnv *e, uint32_t a, uint8_t v);
void avr_push_pc(AvrEnv *e, uint32_t pc);

/* Helpers of translated blocks (TesseraHelper), see exec.c. */
#define AVR_HELPER(name)                                                 \
    uint64_t avr_helper_##name(void *env, uint64_t a0, uint64_t a1,      \
                               uint64_t a2, uint64_t a3)
AVR_HELPER(ld);
AVR_HELPER(st);
AVR_HELPER(push_pc);
AVR_HELPER(pop_pc);
AVR_HELPER(i_written);
AVR_HELPER(inhibit_done);
AVR_HELPER(sleep);
AVR_HELPER(wdr);
AVR_HELPER(spm);
TESSERA_NORETURN AVR_HELPER(invalid);

int avr_translate(void *env, TesseraIR *b, uint64_t pc, uint64_t flags);
unsigned avr_disas(uint64_t pc, const uint8_t *bytes, size_t len,
                   uint64_t flags, char *out, size_t outlen);

#endif
