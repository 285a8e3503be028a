/* SPDX-License-Identifier: MIT */
/*
 * The identification registers of the System Control Block (CPUID and
 * the ARMv7-M feature registers ID_PFR0 to ID_ISAR4), as the model of the
 * board's CPU advertises them.
 */
#include "rt/rt.h"

static const struct {
    const char *name;
    uint32_t addr;
} regs[] = {
    {"cpuid", 0xe000ed00}, {"id_pfr0", 0xe000ed40}, {"id_pfr1", 0xe000ed44},
    {"id_dfr0", 0xe000ed48}, {"id_afr0", 0xe000ed4c},
    {"id_mmfr0", 0xe000ed50}, {"id_mmfr1", 0xe000ed54},
    {"id_mmfr2", 0xe000ed58}, {"id_mmfr3", 0xe000ed5c},
    {"id_isar0", 0xe000ed60}, {"id_isar1", 0xe000ed64},
    {"id_isar2", 0xe000ed68}, {"id_isar3", 0xe000ed6c},
    {"id_isar4", 0xe000ed70},
};

int main(void)
{
    for (unsigned i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
        rt_print(regs[i].name, REG32(regs[i].addr));
    rt_exit(0);
}
