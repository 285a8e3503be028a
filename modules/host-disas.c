// SPDX-License-Identifier: MIT
/*
 * -d out_asm: a block's host code as text, by capstone. A module of the
 * core loaded on first use (kernel/tcache.c), so that the tessera
 * executable does not link capstone: its 77,000 relocations took some
 * 6 ms of every start.
 */
#include <capstone/capstone.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

size_t tessera_host_disas(FILE *f, const void *code, size_t size,
                          size_t entry);

/* Prints one line per instruction of the x86-64 code at code (size
 * bytes), marking the one at offset entry; returns how many it printed. */
size_t tessera_host_disas(FILE *f, const void *code, size_t size,
                          size_t entry)
{
    csh cs;
    cs_insn *insn;

    if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK) {
        fprintf(f, "  (capstone cannot disassemble x86-64)\n");
        return 0;
    }
    size_t n = cs_disasm(cs, code, size, (uintptr_t)code, 0, &insn);
    for (size_t i = 0; i < n; i++) {
        const char *mark = insn[i].address == (uintptr_t)code + entry
                               ? "  <- entry from the loop" : "";
        fprintf(f, "0x%" PRIx64 ":  %-8s %s%s\n", insn[i].address,
                insn[i].mnemonic, insn[i].op_str, mark);
    }
    if (n)
        cs_free(insn, n);
    cs_close(&cs);
    return n;
}
