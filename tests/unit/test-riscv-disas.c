/* SPDX-License-Identifier: MIT */
/*
 * RISC-V disassembler and decoder. The expected strings were checked
 * against riscv64-unknown-elf-objdump -d (binutils 2.40), except that we
 * keep the "i" of immediate forms (addi, slli, csrrsi) which that release
 * drops.
 */
#include <CUnit/Basic.h>
#include <stdint.h>
#include <string.h>

#include "decode.h"
#include "riscv.h"
#include "tests/unit/unit.h"

typedef struct Vector {
    bool rv64;
    uint64_t pc;
    uint32_t insn;
    unsigned len;
    const char *text;
} Vector;

static const Vector vectors[] = {
    {true, 0x0, 0x00150513, 4, "addi a0,a0,1"},
    {true, 0x4, 0xffb00513, 4, "li a0,-5"},
    {true, 0x8, 0x00058513, 4, "mv a0,a1"},
    {true, 0xc, 0x00000013, 4, "nop"},
    {true, 0x10, 0x0005851b, 4, "sext.w a0,a1"},
    {true, 0x14, 0x0035851b, 4, "addiw a0,a1,3"},
    {true, 0x18, 0xfff5c513, 4, "not a0,a1"},
    {true, 0x1c, 0x40b00533, 4, "neg a0,a1"},
    {true, 0x20, 0x40b0053b, 4, "negw a0,a1"},
    {true, 0x24, 0x0015b513, 4, "seqz a0,a1"},
    {true, 0x28, 0x00b03533, 4, "snez a0,a1"},
    {true, 0x2c, 0x0005a533, 4, "sltz a0,a1"},
    {true, 0x30, 0x00b02533, 4, "sgtz a0,a1"},
    {true, 0x34, 0xffd5a513, 4, "slti a0,a1,-3"},
    {true, 0x38, 0x0ff57513, 4, "andi a0,a0,255"},
    {true, 0x3c, 0x02051513, 4, "slli a0,a0,0x20"},
    {true, 0x40, 0x40355513, 4, "srai a0,a0,0x3"},
    {true, 0x44, 0x0055d51b, 4, "srliw a0,a1,0x5"},
    {true, 0x48, 0x12345537, 4, "lui a0,0x12345"},
    {true, 0x4c, 0xfffff537, 4, "lui a0,0xfffff"},
    {true, 0x50, 0x00000517, 4, "auipc a0,0x0"},
    {true, 0x54, 0x00812503, 4, "lw a0,8(sp)"},
    {true, 0x58, 0xff843503, 4, "ld a0,-8(s0)"},
    {true, 0x5c, 0x0005c503, 4, "lbu a0,0(a1)"},
    {true, 0x60, 0x00a12423, 4, "sw a0,8(sp)"},
    {true, 0x64, 0x00113c23, 4, "sd ra,24(sp)"},
    {true, 0x68, 0x00050063, 4, "beqz a0,68"},
    {true, 0x6c, 0xfe051ee3, 4, "bnez a0,68"},
    {true, 0x70, 0xfe055ce3, 4, "bgez a0,68"},
    {true, 0x74, 0xfe054ae3, 4, "bltz a0,68"},
    {true, 0x78, 0xfea058e3, 4, "blez a0,68"},
    {true, 0x7c, 0xfea046e3, 4, "bgtz a0,68"},
    {true, 0x80, 0xfeb544e3, 4, "blt a0,a1,68"},
    {true, 0x84, 0xfeb572e3, 4, "bgeu a0,a1,68"},
    {true, 0x88, 0xfe1ff06f, 4, "j 68"},
    {true, 0x8c, 0xfddff0ef, 4, "jal 68"},
    {true, 0x90, 0xfd9ff2ef, 4, "jal t0,68"},
    {true, 0x94, 0x00008067, 4, "ret"},
    {true, 0x98, 0x00050067, 4, "jr a0"},
    {true, 0x9c, 0x00850067, 4, "jr 8(a0)"},
    {true, 0xa0, 0x000500e7, 4, "jalr a0"},
    {true, 0xa4, 0x008500e7, 4, "jalr 8(a0)"},
    {true, 0xa8, 0x000502e7, 4, "jalr t0,a0"},
    {true, 0xac, 0x004502e7, 4, "jalr t0,4(a0)"},
    {true, 0xb0, 0x30002573, 4, "csrr a0,mstatus"},
    {true, 0xb4, 0x30551073, 4, "csrw mtvec,a0"},
    {true, 0xb8, 0x30452073, 4, "csrs mie,a0"},
    {true, 0xbc, 0x30453073, 4, "csrc mie,a0"},
    {true, 0xc0, 0x34059573, 4, "csrrw a0,mscratch,a1"},
    {true, 0xc4, 0x30045073, 4, "csrwi mstatus,8"},
    {true, 0xc8, 0x30046073, 4, "csrsi mstatus,8"},
    {true, 0xcc, 0x30047073, 4, "csrci mstatus,8"},
    {true, 0xd0, 0x30046573, 4, "csrrsi a0,mstatus,8"},
    {true, 0xd4, 0xc0002573, 4, "rdcycle a0"},
    {true, 0xd8, 0xc0102573, 4, "rdtime a0"},
    {true, 0xdc, 0xc0202573, 4, "rdinstret a0"},
    {true, 0xe0, 0x7c002573, 4, "csrr a0,0x7c0"},
    {true, 0xe4, 0x18002573, 4, "csrr a0,satp"},
    {true, 0xe8, 0x0ff0000f, 4, "fence"},
    {true, 0xec, 0x0ff0000f, 4, "fence"},
    {true, 0xf0, 0x0330000f, 4, "fence rw,rw"},
    {true, 0xf4, 0x0120000f, 4, "fence w,r"},
    {true, 0xf8, 0x8330000f, 4, "fence.tso"},
    {true, 0xfc, 0x0000100f, 4, "fence.i"},
    {true, 0x100, 0x00000073, 4, "ecall"},
    {true, 0x104, 0x00100073, 4, "ebreak"},
    {true, 0x108, 0x30200073, 4, "mret"},
    {true, 0x10c, 0x10500073, 4, "wfi"},
    {true, 0x110, 0x10200073, 4, "sret"},
    {true, 0x114, 0x12000073, 4, "sfence.vma"},
    {true, 0x118, 0x12050073, 4, "sfence.vma a0"},
    {true, 0x11c, 0x02c58533, 4, "mul a0,a1,a2"},
    {true, 0x120, 0x02c5a533, 4, "mulhsu a0,a1,a2"},
    {true, 0x124, 0x02c5d53b, 4, "divuw a0,a1,a2"},
    {true, 0x128, 0x1005a52f, 4, "lr.w a0,(a1)"},
    {true, 0x12c, 0x1405b52f, 4, "lr.d.aq a0,(a1)"},
    {true, 0x130, 0x18c5a52f, 4, "sc.w a0,a2,(a1)"},
    {true, 0x134, 0x1ac5b52f, 4, "sc.d.rl a0,a2,(a1)"},
    {true, 0x138, 0x0ec5a52f, 4, "amoswap.w.aqrl a0,a2,(a1)"},
    {true, 0x13c, 0x00c5b52f, 4, "amoadd.d a0,a2,(a1)"},
    {true, 0x140, 0xe0c5a52f, 4, "amomaxu.w a0,a2,(a1)"},
    {true, 0x144, 0x00813507, 4, "fld fa0,8(sp)"},
    {true, 0x148, 0xfe152e27, 4, "fsw ft1,-4(a0)"},
    {true, 0x154, 0x0808, 2, "addi a0,sp,16"},
    {true, 0x156, 0x41c8, 2, "lw a0,4(a1)"},
    {true, 0x158, 0x6588, 2, "ld a0,8(a1)"},
    {true, 0x15a, 0xc1c8, 2, "sw a0,4(a1)"},
    {true, 0x15c, 0xe588, 2, "sd a0,8(a1)"},
    {true, 0x15e, 0x0001, 2, "nop"},
    {true, 0x160, 0x0505, 2, "addi a0,a0,1"},
    {true, 0x162, 0x357d, 2, "addiw a0,a0,-1"},
    {true, 0x164, 0x2501, 2, "sext.w a0,a0"},
    {true, 0x166, 0x5575, 2, "li a0,-3"},
    {true, 0x168, 0x7139, 2, "addi sp,sp,-64"},
    {true, 0x16a, 0x6505, 2, "lui a0,0x1"},
    {true, 0x16c, 0x757d, 2, "lui a0,0xfffff"},
    {true, 0x16e, 0x810d, 2, "srli a0,a0,0x3"},
    {true, 0x170, 0x850d, 2, "srai a0,a0,0x3"},
    {true, 0x172, 0x9979, 2, "andi a0,a0,-2"},
    {true, 0x174, 0x8d0d, 2, "sub a0,a0,a1"},
    {true, 0x176, 0x8d2d, 2, "xor a0,a0,a1"},
    {true, 0x178, 0x8d4d, 2, "or a0,a0,a1"},
    {true, 0x17a, 0x8d6d, 2, "and a0,a0,a1"},
    {true, 0x17c, 0x9d0d, 2, "subw a0,a0,a1"},
    {true, 0x17e, 0x9d2d, 2, "addw a0,a0,a1"},
    {true, 0x180, 0xa001, 2, "j 180"},
    {true, 0x182, 0xdd7d, 2, "beqz a0,180"},
    {true, 0x184, 0xfd75, 2, "bnez a0,180"},
    {true, 0x186, 0x050e, 2, "slli a0,a0,0x3"},
    {true, 0x188, 0x4532, 2, "lw a0,12(sp)"},
    {true, 0x18a, 0x6542, 2, "ld a0,16(sp)"},
    {true, 0x18c, 0x8082, 2, "ret"},
    {true, 0x18e, 0x8502, 2, "jr a0"},
    {true, 0x190, 0x852e, 2, "mv a0,a1"},
    {true, 0x192, 0x9002, 2, "ebreak"},
    {true, 0x194, 0x9502, 2, "jalr a0"},
    {true, 0x196, 0x952e, 2, "add a0,a0,a1"},
    {true, 0x198, 0xc62a, 2, "sw a0,12(sp)"},
    {true, 0x19a, 0xe82a, 2, "sd a0,16(sp)"},
    {true, 0x19c, 0x2588, 2, "fld fa0,8(a1)"},
    {true, 0x19e, 0x2522, 2, "fld fa0,8(sp)"},
    {true, 0x1a0, 0xa42a, 2, "fsd fa0,8(sp)"},
    {false, 0x0, 0x2001, 2, "jal 0"},
    {false, 0x2, 0x61c8, 2, "flw fa0,4(a1)"},
    {false, 0x4, 0xe1c8, 2, "fsw fa0,4(a1)"},
    {false, 0x6, 0x6512, 2, "flw fa0,4(sp)"},
    {false, 0x8, 0xe22a, 2, "fsw fa0,4(sp)"},
    {false, 0xa, 0x057e, 2, "slli a0,a0,0x1f"},
    {false, 0xc, 0x817d, 2, "srli a0,a0,0x1f"},
    {false, 0xe, 0x7501, 2, "lui a0,0xfffe0"},
    {false, 0x10, 0x5de8, 2, "lw a0,124(a1)"},
    {false, 0x12, 0x1fe8, 2, "addi a0,sp,1020"},
    {false, 0x14, 0x617d, 2, "addi sp,sp,496"},
    {false, 0x16, 0x7101, 2, "addi sp,sp,-512"},
    {false, 0x18, 0xd565, 2, "beqz a0,0"},
    {false, 0x1a, 0xb7dd, 2, "j 0"},
    {false, 0x1c, 0x01f51513, 4, "slli a0,a0,0x1f"},
    {false, 0x20, 0x41f55513, 4, "srai a0,a0,0x1f"},
    {false, 0x24, 0xb8002573, 4, "csrr a0,mcycleh"},
    {false, 0x28, 0xc8002573, 4, "rdcycleh a0"},
    {false, 0x2c, 0x31002573, 4, "csrr a0,mstatush"},
    {false, 0x30, 0x3b502573, 4, "csrr a0,pmpaddr5"},
    {false, 0x34, 0xb9102573, 4, "csrr a0,mhpmcounter17h"},
    {false, 0x38, 0x7ff7f06f, 4, "j 80036"},
    /* Zba, Zbb, Zbc, Zbs (objdump: rori, roriw, bclri, bexti print as
     * ror, rorw, bclr, bext), Zicbom, Zicboz. */
    {true, 0x0, 0x20c5a533, 4, "sh1add a0,a1,a2"},
    {true, 0x0, 0x08c5853b, 4, "add.uw a0,a1,a2"},
    {true, 0x0, 0x0a15951b, 4, "slli.uw a0,a1,0x21"},
    {true, 0x0, 0x40c5f533, 4, "andn a0,a1,a2"},
    {true, 0x0, 0x60059513, 4, "clz a0,a1"},
    {true, 0x0, 0x6005951b, 4, "clzw a0,a1"},
    {true, 0x0, 0x6025951b, 4, "cpopw a0,a1"},
    {true, 0x0, 0x60459513, 4, "sext.b a0,a1"},
    {true, 0x0, 0x0805c53b, 4, "zext.h a0,a1"},
    {false, 0x0, 0x0805c533, 4, "zext.h a0,a1"},
    {true, 0x0, 0x6285d513, 4, "rori a0,a1,0x28"},
    {true, 0x0, 0x6055d51b, 4, "roriw a0,a1,0x5"},
    {true, 0x0, 0x2875d513, 4, "orc.b a0,a1"},
    {true, 0x0, 0x6b85d513, 4, "rev8 a0,a1"},
    {false, 0x0, 0x6985d513, 4, "rev8 a0,a1"},
    {true, 0x0, 0x0ac59533, 4, "clmul a0,a1,a2"},
    {true, 0x0, 0x0ac5a533, 4, "clmulr a0,a1,a2"},
    {true, 0x0, 0x0ac5b533, 4, "clmulh a0,a1,a2"},
    {true, 0x0, 0x4bf59513, 4, "bclri a0,a1,0x3f"},
    {true, 0x0, 0x4835d513, 4, "bexti a0,a1,0x3"},
    {true, 0x0, 0x68c59533, 4, "binv a0,a1,a2"},
    {true, 0x0, 0x0ac5e533, 4, "max a0,a1,a2"},
    {true, 0x0, 0x0100000f, 4, "pause"},
    {true, 0x0, 0x0045200f, 4, "cbo.zero (a0)"},
    {true, 0x0, 0x0015a00f, 4, "cbo.clean (a1)"},
};

static unsigned disas(bool rv64, uint64_t pc, uint32_t insn, unsigned len,
                      char *out, size_t outlen)
{
    uint8_t b[4] = {insn, insn >> 8, insn >> 16, insn >> 24};

    return riscv_disas(pc, b, len, rv64 ? RISCV_TBF_RV64 : 0, out, outlen);
}

static void test_vectors(void)
{
    for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
        const Vector *v = &vectors[i];
        char out[96];
        unsigned n = disas(v->rv64, v->pc, v->insn, v->len, out, sizeof(out));

        if (n != v->len || strcmp(out, v->text) != 0)
            fprintf(stderr, "\n  %08x: got \"%s\" (%u), want \"%s\" (%u)",
                    v->insn, out, n, v->text, v->len);
        CU_ASSERT_EQUAL(n, v->len);
        CU_ASSERT_STRING_EQUAL(out, v->text);
    }
}

static void test_invalid(void)
{
    char out[64];

    /* All-zero parcel, all-ones word, and a reserved compressed opcode. */
    CU_ASSERT_EQUAL(disas(true, 0, 0x0000, 2, out, sizeof(out)), 0);
    CU_ASSERT_STRING_EQUAL(out, ".short 0x0000");
    CU_ASSERT_EQUAL(disas(true, 0, 0xffffffff, 4, out, sizeof(out)), 0);
    CU_ASSERT_STRING_EQUAL(out, ".word 0xffffffff");
    CU_ASSERT_EQUAL(disas(true, 0, 0x8000, 2, out, sizeof(out)), 0);
    /* RV64-only encodings are invalid on RV32. */
    CU_ASSERT_EQUAL(disas(false, 0, 0xff843503, 4, out, sizeof(out)), 0);
    CU_ASSERT_EQUAL(disas(false, 0, 0x0005851b, 4, out, sizeof(out)), 0);
    /* RV64-only Zb* forms are invalid on RV32, bclri with shamt[5] too. */
    CU_ASSERT_EQUAL(disas(false, 0, 0x08c5853b, 4, out, sizeof(out)), 0);
    CU_ASSERT_EQUAL(disas(false, 0, 0x6b85d513, 4, out, sizeof(out)), 0);
    CU_ASSERT_EQUAL(disas(false, 0, 0x4bf59513, 4, out, sizeof(out)), 0);
    /* slli with shamt[5] set is reserved on RV32. */
    CU_ASSERT_EQUAL(disas(false, 0, 0x02051513, 4, out, sizeof(out)), 0);
    /* c.lwsp/c.ldsp to x0 and c.addi4spn with zero immediate. */
    CU_ASSERT_EQUAL(disas(true, 0, 0x4002, 2, out, sizeof(out)), 0);
    CU_ASSERT_EQUAL(disas(true, 0, 0x6002, 2, out, sizeof(out)), 0);
    CU_ASSERT_EQUAL(disas(true, 0, 0x0004, 2, out, sizeof(out)), 0);
}

static void test_truncated_input(void)
{
    char out[64];

    /* A 32-bit instruction needs four bytes, a compressed one two. */
    CU_ASSERT_EQUAL(disas(true, 0, 0x00150513, 2, out, sizeof(out)), 0);
    CU_ASSERT_EQUAL(disas(true, 0, 0x0505, 1, out, sizeof(out)), 0);
    CU_ASSERT_EQUAL(disas(true, 0, 0x0505, 2, out, sizeof(out)), 2);
}

static void test_small_output(void)
{
    char out[8];

    memset(out, 'x', sizeof(out));
    CU_ASSERT_EQUAL(disas(true, 0, 0x0ec5a52f, 4, out, 6), 4);
    CU_ASSERT_STRING_EQUAL(out, "amosw");
    CU_ASSERT_EQUAL(out[6], 'x');
}

static void test_targets(void)
{
    char out[64];

    /* Branch targets are absolute; RV32 wraps at 32 bits. */
    CU_ASSERT_EQUAL(disas(true, 0x80000010, 0xfe1ff06f, 4, out, sizeof(out)),
                    4);
    CU_ASSERT_STRING_EQUAL(out, "j 7ffffff0");
    CU_ASSERT_EQUAL(disas(false, 0x10, 0xfe1ff06f, 4, out, sizeof(out)), 4);
    CU_ASSERT_STRING_EQUAL(out, "j fffffff0");
    CU_ASSERT_EQUAL(disas(true, 0x10, 0xfe1ff06f, 4, out, sizeof(out)), 4);
    CU_ASSERT_STRING_EQUAL(out, "j fffffffffffffff0");
}

static void test_decode_fields(void)
{
    RiscvInsn in;

    /* c.sdsp ra,8(sp) expands to sd ra,8(sp). */
    riscv_decode(0xe406, 64, &in);
    CU_ASSERT_EQUAL(in.op, RV_SD);
    CU_ASSERT_EQUAL(in.len, 2);
    CU_ASSERT_EQUAL(in.rs1, 2);
    CU_ASSERT_EQUAL(in.rs2, 1);
    CU_ASSERT_EQUAL(in.imm, 8);
    CU_ASSERT_EQUAL(in.raw, 0xe406);
    /* The same bits are c.fswsp on RV32. */
    riscv_decode(0xe406, 32, &in);
    CU_ASSERT_EQUAL(in.op, RV_FSW);
    /* csrrw t0,mscratch,t1 keeps the CSR number in imm. */
    riscv_decode(0x340312f3, 64, &in);
    CU_ASSERT_EQUAL(in.op, RV_CSRRW);
    CU_ASSERT_EQUAL(in.imm, 0x340);
    CU_ASSERT_EQUAL(in.rd, 5);
    CU_ASSERT_EQUAL(in.rs1, 6);
}

int main(void)
{
    static const UnitTest tests[] = {
        {"objdump vectors", test_vectors},
        {"invalid encodings", test_invalid},
        {"truncated input", test_truncated_input},
        {"small output buffer", test_small_output},
        {"branch targets", test_targets},
        {"decoded fields", test_decode_fields},
    };
    return UNIT_RUN("riscv-disas", tests);
}
