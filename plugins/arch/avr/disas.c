/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include "exec.h"
unsigned avr_disas(uint64_t pc, const uint8_t *bytes, size_t len,
                   uint64_t flags, char *out, size_t outlen)
{
    (void)pc, (void)flags;
    if (len < 2)
        return 0;
    snprintf(out, outlen, ".word 0x%04x", bytes[0] | (bytes[1] << 8));
    return 2;
}
