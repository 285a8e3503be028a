/* SPDX-License-Identifier: MIT */
/*
 * ARM M-profile frontend: -d in_asm through capstone (Thumb, M-class), the
 * library the core already uses for -d out_asm.
 */
#include <stdio.h>
#include <string.h>

#include <capstone/capstone.h>

#include "arm.h"

static csh handle;
static int state; /* 0 not tried, 1 open, -1 failed */

unsigned arm_disas(uint64_t pc, const uint8_t *bytes, size_t len,
                   uint64_t flags, char *out, size_t outlen)
{
    (void)flags;
    if (state == 0) {
        state = cs_open(CS_ARCH_ARM, CS_MODE_THUMB | CS_MODE_MCLASS,
                        &handle) == CS_ERR_OK
                    ? 1
                    : -1;
    }
    if (state < 0 || len < 2)
        return 0;
    cs_insn *insn;
    size_t n = cs_disasm(handle, bytes, len, pc, 1, &insn);
    if (n == 0)
        return 0;
    if (insn[0].op_str[0])
        snprintf(out, outlen, "%s %s", insn[0].mnemonic, insn[0].op_str);
    else
        snprintf(out, outlen, "%s", insn[0].mnemonic);
    unsigned size = insn[0].size;
    cs_free(insn, n);
    return size;
}

void arm_disas_close(void)
{
    if (state > 0)
        cs_close(&handle);
    state = 0;
}
