/* SPDX-License-Identifier: MIT */
/*
 * RISC-V multi-letter extensions a CPU model may have, in the canonical
 * order of an ISA string (Z* by category then name, then S*). The arch
 * plugin publishes a model's set as the bit mask of its "isa_ext"
 * register (bit n = riscv_isa_ext_names[n]); the boards build the device
 * tree's riscv,isa from it, so the string says what the model implements.
 */
#ifndef RISCV_ISA_EXT_H
#define RISCV_ISA_EXT_H

enum {
    RVX_ZICBOM,
    RVX_ZICBOP,
    RVX_ZICBOZ,
    RVX_ZICSR,
    RVX_ZIFENCEI,
    RVX_ZIHINTPAUSE,
    RVX_ZBA,
    RVX_ZBB,
    RVX_ZBC,
    RVX_ZBS,
    RVX_SSTC,
    RVX_SVNAPOT,
    RVX_SVPBMT,
    RVX_NB,
};

#define RVX(e) (1ull << RVX_##e)

static const char *const riscv_isa_ext_names[RVX_NB] = {
    [RVX_ZICBOM] = "zicbom",         [RVX_ZICBOP] = "zicbop",
    [RVX_ZICBOZ] = "zicboz",         [RVX_ZICSR] = "zicsr",
    [RVX_ZIFENCEI] = "zifencei",     [RVX_ZIHINTPAUSE] = "zihintpause",
    [RVX_ZBA] = "zba",               [RVX_ZBB] = "zbb",
    [RVX_ZBC] = "zbc",               [RVX_ZBS] = "zbs",
    [RVX_SSTC] = "sstc",             [RVX_SVNAPOT] = "svnapot",
    [RVX_SVPBMT] = "svpbmt",
};

/* Cache-block size of Zicbom/Zicboz (riscv,cbom-block-size etc.). */
#define RISCV_CBO_BLOCK_SIZE 64

#endif
