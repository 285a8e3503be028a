/* SPDX-License-Identifier: MIT */
/*
 * The x86-64 emitter, checked by disassembling each instruction it emits
 * with capstone: every function, all 16 registers, memory operands over
 * every base and index with displacements 0, +-1, +-127, +-128, +-2^31,
 * immediates at the 8/32/64-bit edges. The expected text is built here
 * from the operands and the expected length from the SDM's rules (prefix,
 * REX, opcode, ModRM, SIB, displacement, immediate); the disassembler must
 * decode exactly one instruction of that length. Also: branch patching
 * and that a buffer is never written past its end.
 */
#include <CUnit/Basic.h>
#include <capstone/capstone.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kernel/x86-emit.h"
#include "tests/unit/unit.h"

#define ADDR 0x1000 /* where the disassembler puts the code */

static csh cs;
static uint8_t code[64];
static unsigned nchecked, nfailed;

/* ---- expected text ---- */

static const char *const names64[16] = {
    "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
    "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};
static const char *const names32[16] = {
    "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
    "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d",
};
static const char *const names16[16] = {
    "ax", "cx", "dx", "bx", "sp", "bp", "si", "di",
    "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w",
};
static const char *const names8[16] = {
    "al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil",
    "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b",
};
static const char *const alu_names[8] = {
    "add", "or", "adc", "sbb", "and", "sub", "xor", "cmp",
};
static const char *const cc_names[16] = {
    "o", "no", "b", "ae", "e", "ne", "be", "a",
    "s", "ns", "p", "np", "l", "ge", "le", "g",
};

static const char *reg(unsigned sz, X86Reg r)
{
    switch (sz) {
    case 1: return names8[r];
    case 2: return names16[r];
    case 4: return names32[r];
    default: return names64[r];
    }
}

/* Formatted strings live in a ring of buffers, enough for one check. */
static char *ring(void)
{
    static char bufs[8][128];
    static unsigned next;
    return bufs[next++ % 8];
}

/* A number as capstone prints it (with CS_OPT_UNSIGNED). */
static const char *num(uint64_t v)
{
    char *s = ring();
    if (v > 9)
        snprintf(s, 128, "0x%" PRIx64, v);
    else
        snprintf(s, 128, "%" PRIu64, v);
    return s;
}

/* An immediate as the sz-byte operand it becomes. */
static const char *imm(unsigned sz, int64_t v)
{
    return num(sz == 8 ? (uint64_t)v : (uint64_t)v & ((1ull << 8 * sz) - 1));
}

/* A memory operand; sz 0: no size (lea). */
static const char *mem(unsigned sz, X86Mem m)
{
    static const char *const ptr[9] = {
        [1] = "byte ptr ", [2] = "word ptr ", [4] = "dword ptr ",
        [8] = "qword ptr ",
    };
    char *s = ring(), index[16] = "", scale[8] = "", disp[32] = "";

    if (m.index != X86_NOREG)
        snprintf(index, sizeof(index), " + %s", names64[m.index]);
    if (m.index != X86_NOREG && m.scale != 1)
        snprintf(scale, sizeof(scale), "*%u", m.scale);
    if (m.disp > 0)
        snprintf(disp, sizeof(disp), " + %s", num((uint64_t)m.disp));
    else if (m.disp < 0)
        snprintf(disp, sizeof(disp), " - %s", num(-(int64_t)m.disp));
    snprintf(s, 128, "%s[%s%s%s%s]", sz ? ptr[sz] : "", names64[m.base],
             index, scale, disp);
    return s;
}

/* ---- expected length ---- */

static unsigned hi(X86Reg r)
{
    return r >= X86_R8 && r != X86_NOREG;
}

/* A REX prefix (0 or 1 byte) if any condition holds. */
static unsigned rex(bool need)
{
    return need ? 1 : 0;
}

/* SPL, BPL, SIL and DIL (not AH..BH) need a REX prefix. */
static bool low8(unsigned sz, X86Reg r)
{
    return sz == 1 && r >= X86_RSP && r <= X86_RDI;
}

static bool mem_hi(X86Mem m)
{
    return hi(m.base) || hi(m.index);
}

/* ModRM, SIB and displacement. */
static unsigned mem_len(X86Mem m)
{
    unsigned n = 1;
    if (m.index != X86_NOREG || m.base == X86_RSP || m.base == X86_R12)
        n++;
    if (m.disp == 0 && m.base != X86_RBP && m.base != X86_R13)
        return n;
    return n + (m.disp >= -128 && m.disp <= 127 ? 1 : 4);
}

static unsigned imm_len(int32_t v)
{
    return v >= -128 && v <= 127 ? 1 : 4;
}

/* The operand-size prefix. */
static unsigned p66(unsigned sz)
{
    return sz == 2;
}

/* ---- checking ---- */

/* The n bytes at p, disassembled at address addr, are one instruction of
 * len bytes that reads expect. */
static void check_bytes(const uint8_t *p, size_t n, uint64_t addr,
                        size_t len, const char *expect)
{
    cs_insn *insn;
    size_t count = cs_disasm(cs, p, n, addr, 0, &insn);
    char text[192] = "(not decoded)";
    bool ok;

    nchecked++;
    if (count > 0)
        snprintf(text, sizeof(text), "%s%s%s", insn[0].mnemonic,
                 insn[0].op_str[0] ? " " : "", insn[0].op_str);
    ok = count == 1 && insn[0].size == n && n == len &&
         strcmp(text, expect) == 0;
    if (!ok && nfailed++ < 20) {
        fprintf(stderr, "\n  expected \"%s\" (%zu bytes), got \"%s\" (%zu "
                "bytes, %zu insns):", expect, len, text, n, count);
        for (size_t i = 0; i < n; i++)
            fprintf(stderr, " %02x", p[i]);
    }
    if (count > 0)
        cs_free(insn, count);
}

static void check(const X86Buf *b, size_t len, const char *fmt, ...)
{
    char expect[192];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(expect, sizeof(expect), fmt, ap);
    va_end(ap);
    CU_ASSERT_FALSE_FATAL(b->overflow);
    check_bytes(b->start, x86_buf_offset(b), ADDR, len, expect);
}

/* Emits with stmt (on X86Buf *b) into a fresh buffer, then checks. */
#define CHECK(stmt, len, ...)                                             \
    do {                                                                  \
        X86Buf buf_;                                                      \
        X86Buf *b = &buf_;                                                \
        x86_buf_init(b, code, sizeof(code));                              \
        stmt;                                                             \
        check(b, (len), __VA_ARGS__);                                     \
    } while (0)

static void make_mems(void);

static int suite_init(void)
{
    if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK)
        return 1;
    /* Immediates as the operand-sized unsigned values they are. */
    cs_option(cs, CS_OPT_UNSIGNED, CS_OPT_ON);
    make_mems();
    return 0;
}

static int suite_clean(void)
{
    cs_close(&cs);
    return 0;
}

static void begin(void)
{
    nchecked = nfailed = 0;
}

/* Every check passed, and there were some. */
static void end(void)
{
    if (nfailed)
        fprintf(stderr, "\n  %u of %u failed ", nfailed, nchecked);
    CU_ASSERT_EQUAL(nfailed, 0);
    CU_ASSERT_TRUE(nchecked > 0);
}

/* ---- operand sets ---- */

static const int32_t disps[] = {
    0, 1, -1, 127, -127, 128, -128, -129, INT32_MAX, INT32_MIN,
};
#define NDISPS (sizeof(disps) / sizeof(disps[0]))

static const int32_t imms32[] = {
    0, 1, -1, 9, 10, 127, -127, 128, -128, -129, 0x12345678, INT32_MAX,
    INT32_MIN,
};
#define NIMMS32 (sizeof(imms32) / sizeof(imms32[0]))

static const uint64_t imms64[] = {
    0, 1, 9, 0x7f, 0x80, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000,
    (uint64_t)-1, (uint64_t)-128, (uint64_t)INT32_MIN,
    (uint64_t)INT32_MIN - 1, 0x123456789abcdef0, 0x8000000000000000,
    0x7fffffffffffffff,
};
#define NIMMS64 (sizeof(imms64) / sizeof(imms64[0]))

/* Every base with every displacement, then every base with every index
 * (all scales and displacements in turn). */
#define NMEMS (16 * NDISPS + 16 * 15)
static X86Mem mems[NMEMS];

static void make_mems(void)
{
    unsigned n = 0;
    for (unsigned base = 0; base < 16; base++)
        for (unsigned d = 0; d < NDISPS; d++)
            mems[n++] = x86_mem(base, disps[d]);
    for (unsigned base = 0; base < 16; base++)
        for (unsigned index = 0; index < 16; index++) {
            if (index == X86_RSP)
                continue;
            mems[n++] = x86_mem_index(base, index, 1u << ((base + index) & 3),
                                      disps[(base * 3 + index) % NDISPS]);
        }
}

static const unsigned sizes48[] = { 4, 8 };
static const unsigned sizes_all[] = { 1, 2, 4, 8 };

/* ---- tests ---- */

static void test_mov(void)
{
    begin();
    for (unsigned s = 0; s < 2; s++) {
        unsigned sz = sizes48[s];
        for (X86Reg d = 0; d < 16; d++) {
            for (X86Reg r = 0; r < 16; r++)
                CHECK(x86_mov_rr(b, sz, d, r),
                      2 + rex(sz == 8 || hi(d) || hi(r)), "mov %s, %s",
                      reg(sz, d), reg(sz, r));
            for (unsigned i = 0; i < NIMMS64; i++) {
                uint64_t v = imms64[i];
                if (sz == 4)
                    CHECK(x86_mov_ri(b, 4, d, v), 5 + hi(d), "mov %s, %s",
                          reg(4, d), imm(4, (int64_t)v));
                else if (v <= UINT32_MAX)
                    CHECK(x86_mov_ri(b, 8, d, v), 5 + hi(d), "mov %s, %s",
                          reg(4, d), num(v));
                else if ((int64_t)v == (int32_t)v)
                    CHECK(x86_mov_ri(b, 8, d, v), 7, "mov %s, %s",
                          reg(8, d), num(v));
                else
                    CHECK(x86_mov_ri(b, 8, d, v), 10, "movabs %s, %s",
                          reg(8, d), num(v));
            }
        }
    }
    for (X86Reg d = 0; d < 16; d++)
        for (unsigned i = 0; i < NIMMS64; i++) {
            CHECK(CU_ASSERT_EQUAL(x86_movabs(b, d, imms64[i]), 2), 10,
                  "movabs %s, %s", reg(8, d), num(imms64[i]));
        }
    end();
}

static void test_load_store(void)
{
    begin();
    for (unsigned s = 0; s < 4; s++) {
        unsigned sz = sizes_all[s];
        for (unsigned i = 0; i < NMEMS; i++) {
            X86Mem m = mems[i];
            unsigned ml = mem_len(m);
            for (X86Reg r = 0; r < 16; r++) {
                unsigned len =
                    p66(sz) + 1 + ml +
                    rex(sz == 8 || hi(r) || mem_hi(m) || low8(sz, r));
                CHECK(x86_load(b, sz, r, m), len, "mov %s, %s", reg(sz, r),
                      mem(sz, m));
                CHECK(x86_store(b, sz, m, r), len, "mov %s, %s",
                      mem(sz, m), reg(sz, r));
                if (sz >= 4)
                    CHECK(x86_lea(b, sz, r, m),
                          1 + ml + rex(sz == 8 || hi(r) || mem_hi(m)),
                          "lea %s, %s", reg(sz, r), mem(0, m));
            }
            for (unsigned k = 0; k < NIMMS32; k++)
                CHECK(x86_store_imm(b, sz, m, imms32[k]),
                      p66(sz) + rex(sz == 8 || mem_hi(m)) + 1 + ml +
                          (sz < 4 ? sz : 4),
                      "mov %s, %s", mem(sz, m), imm(sz, imms32[k]));
        }
    }
    end();
}

static void test_extend(void)
{
    begin();
    for (unsigned s = 0; s < 2; s++) {
        unsigned dsz = sizes48[s];
        for (X86Reg d = 0; d < 16; d++) {
            for (unsigned ssz = 1; ssz <= 2; ssz++) {
                for (X86Reg r = 0; r < 16; r++) {
                    unsigned len =
                        3 + rex(dsz == 8 || hi(d) || hi(r) || low8(ssz, r));
                    CHECK(x86_movzx_rr(b, dsz, ssz, d, r), len,
                          "movzx %s, %s", reg(dsz, d), reg(ssz, r));
                    CHECK(x86_movsx_rr(b, dsz, ssz, d, r), len,
                          "movsx %s, %s", reg(dsz, d), reg(ssz, r));
                }
                for (unsigned i = 0; i < NMEMS; i++) {
                    X86Mem m = mems[i];
                    unsigned len = 2 + mem_len(m) +
                                   rex(dsz == 8 || hi(d) || mem_hi(m));
                    CHECK(x86_movzx_rm(b, dsz, ssz, d, m), len,
                          "movzx %s, %s", reg(dsz, d), mem(ssz, m));
                    CHECK(x86_movsx_rm(b, dsz, ssz, d, m), len,
                          "movsx %s, %s", reg(dsz, d), mem(ssz, m));
                }
            }
        }
    }
    for (X86Reg d = 0; d < 16; d++) {
        for (X86Reg r = 0; r < 16; r++)
            CHECK(x86_movsx_rr(b, 8, 4, d, r), 3, "movsxd %s, %s",
                  reg(8, d), reg(4, r));
        for (unsigned i = 0; i < NMEMS; i++)
            CHECK(x86_movsx_rm(b, 8, 4, d, mems[i]), 2 + mem_len(mems[i]),
                  "movsxd %s, %s", reg(8, d), mem(4, mems[i]));
    }
    end();
}

static void test_alu(void)
{
    begin();
    for (unsigned s = 0; s < 2; s++) {
        unsigned sz = sizes48[s];
        for (X86Alu op = X86_ADD; op <= X86_CMP; op++) {
            const char *name = alu_names[op];
            for (X86Reg d = 0; d < 16; d++) {
                for (X86Reg r = 0; r < 16; r++)
                    CHECK(x86_alu_rr(b, op, sz, d, r),
                          2 + rex(sz == 8 || hi(d) || hi(r)), "%s %s, %s",
                          name, reg(sz, d), reg(sz, r));
                for (unsigned i = 0; i < NIMMS32; i++)
                    CHECK(x86_alu_ri(b, op, sz, d, imms32[i]),
                          2 + rex(sz == 8 || hi(d)) + imm_len(imms32[i]),
                          "%s %s, %s", name, reg(sz, d),
                          imm(sz, imms32[i]));
            }
            for (unsigned i = 0; i < NMEMS; i++) {
                X86Mem m = mems[i];
                unsigned ml = mem_len(m);
                /* Four registers per memory operand, all 16 over them. */
                for (X86Reg r = (X86Reg)(i % 4); r < 16; r += 4) {
                    unsigned len = 1 + ml + rex(sz == 8 || hi(r) || mem_hi(m));
                    CHECK(x86_alu_rm(b, op, sz, r, m), len, "%s %s, %s",
                          name, reg(sz, r), mem(sz, m));
                    CHECK(x86_alu_mr(b, op, sz, m, r), len, "%s %s, %s",
                          name, mem(sz, m), reg(sz, r));
                }
                int32_t v = imms32[i % NIMMS32];
                CHECK(x86_alu_mi(b, op, sz, m, v),
                      1 + ml + rex(sz == 8 || mem_hi(m)) + imm_len(v),
                      "%s %s, %s", name, mem(sz, m), imm(sz, v));
            }
        }
    }
    /* cmp byte ptr m, imm8 */
    for (unsigned i = 0; i < NMEMS; i++) {
        X86Mem m = mems[i];
        int8_t v = (int8_t)imms32[i % NIMMS32];
        CHECK(x86_cmp_mi8(b, m, v), 2 + mem_len(m) + rex(mem_hi(m)),
              "cmp %s, %s", mem(1, m), imm(1, v));
    }
    end();
}

static void test_test_shift_unary(void)
{
    static const char *const shift_names[8] = {
        "rol", "ror", NULL, NULL, "shl", "shr", NULL, "sar",
    };
    static const X86Shift shifts[] = { X86_ROL, X86_ROR, X86_SHL, X86_SHR,
                                       X86_SAR };
    static const char *const unary_names[8] = {
        NULL, NULL, "not", "neg", "mul", "imul", "div", "idiv",
    };
    static const uint8_t counts[] = { 0, 1, 5, 31, 32, 63 };

    begin();
    for (unsigned s = 0; s < 2; s++) {
        unsigned sz = sizes48[s];
        for (X86Reg d = 0; d < 16; d++) {
            unsigned rx = rex(sz == 8 || hi(d));
            for (X86Reg r = 0; r < 16; r++)
                CHECK(x86_test_rr(b, sz, d, r),
                      2 + rex(sz == 8 || hi(d) || hi(r)), "test %s, %s",
                      reg(sz, d), reg(sz, r));
            for (unsigned i = 0; i < NIMMS32; i++)
                CHECK(x86_test_ri(b, sz, d, imms32[i]), 6 + rx,
                      "test %s, %s", reg(sz, d), imm(sz, imms32[i]));
            for (unsigned i = 0; i < 5; i++) {
                X86Shift op = shifts[i];
                CHECK(x86_shift_cl(b, op, sz, d), 2 + rx, "%s %s, cl",
                      shift_names[op], reg(sz, d));
                for (unsigned c = 0; c < sizeof(counts); c++) {
                    if (counts[c] >= 8 * sz)
                        continue;
                    CHECK(x86_shift_ri(b, op, sz, d, counts[c]), 3 + rx,
                          "%s %s, %s", shift_names[op], reg(sz, d),
                          num(counts[c]));
                }
            }
            for (X86Unary op = X86_NOT; op <= X86_IDIV; op++)
                CHECK(x86_unary(b, op, sz, d), 2 + rx, "%s %s",
                      unary_names[op], reg(sz, d));
        }
    }
    CHECK(x86_cqo(b, 4), 1, "cdq");
    CHECK(x86_cqo(b, 8), 2, "cqo");
    end();
}

static void test_imul(void)
{
    begin();
    for (unsigned s = 0; s < 2; s++) {
        unsigned sz = sizes48[s];
        for (X86Reg d = 0; d < 16; d++)
            for (X86Reg r = 0; r < 16; r++) {
                unsigned rx = rex(sz == 8 || hi(d) || hi(r));
                CHECK(x86_imul_rr(b, sz, d, r), 3 + rx, "imul %s, %s",
                      reg(sz, d), reg(sz, r));
                for (unsigned i = 0; i < NIMMS32; i++)
                    CHECK(x86_imul_rri(b, sz, d, r, imms32[i]),
                          2 + rx + imm_len(imms32[i]), "imul %s, %s, %s",
                          reg(sz, d), reg(sz, r), imm(sz, imms32[i]));
            }
        for (unsigned i = 0; i < NMEMS; i++) {
            X86Mem m = mems[i];
            for (X86Reg d = (X86Reg)(i % 4); d < 16; d += 4)
                CHECK(x86_imul_rm(b, sz, d, m),
                      2 + mem_len(m) + rex(sz == 8 || hi(d) || mem_hi(m)),
                      "imul %s, %s", reg(sz, d), mem(sz, m));
        }
    }
    end();
}

static void test_conditions(void)
{
    begin();
    for (X86Cond cc = X86_CC_O; cc <= X86_CC_G; cc++)
        for (X86Reg d = 0; d < 16; d++) {
            CHECK(x86_setcc(b, cc, d), 3 + rex(hi(d) || low8(1, d)),
                  "set%s %s", cc_names[cc], reg(1, d));
            for (unsigned s = 0; s < 2; s++) {
                unsigned sz = sizes48[s];
                for (X86Reg r = 0; r < 16; r++)
                    CHECK(x86_cmov(b, cc, sz, d, r),
                          3 + rex(sz == 8 || hi(d) || hi(r)), "cmov%s %s, %s",
                          cc_names[cc], reg(sz, d), reg(sz, r));
            }
        }
    for (X86Cond cc = X86_CC_O; cc <= X86_CC_G; cc++)
        for (unsigned i = cc; i < NMEMS; i += 16) {
            X86Mem m = mems[i];
            CHECK(x86_setcc_m(b, cc, m), 2 + mem_len(m) + rex(mem_hi(m)),
                  "set%s %s", cc_names[cc], mem(1, m));
        }
    end();
}

static void test_bits(void)
{
    static const unsigned sizes[] = { 2, 4, 8 };

    begin();
    for (X86Reg d = 0; d < 16; d++) {
        for (unsigned s = 0; s < 2; s++)
            CHECK(x86_bswap(b, sizes48[s], d),
                  2 + rex(sizes48[s] == 8 || hi(d)), "bswap %s",
                  reg(sizes48[s], d));
        for (unsigned s = 0; s < 3; s++) {
            unsigned sz = sizes[s];
            for (X86Reg r = 0; r < 16; r++) {
                unsigned len = p66(sz) + 4 + rex(sz == 8 || hi(d) || hi(r));
                CHECK(x86_lzcnt(b, sz, d, r), len, "lzcnt %s, %s",
                      reg(sz, d), reg(sz, r));
                CHECK(x86_tzcnt(b, sz, d, r), len, "tzcnt %s, %s",
                      reg(sz, d), reg(sz, r));
                CHECK(x86_popcnt(b, sz, d, r), len, "popcnt %s, %s",
                      reg(sz, d), reg(sz, r));
            }
        }
        for (unsigned s = 0; s < 2; s++) {
            unsigned sz = sizes48[s];
            static const uint8_t counts[] = { 1, 7, 31, 63 };
            for (X86Reg r = 0; r < 16; r++)
                for (unsigned c = 0; c < 4; c++) {
                    if (counts[c] >= 8 * sz)
                        continue;
                    CHECK(x86_rorx(b, sz, d, r, counts[c]), 6,
                          "rorx %s, %s, %s", reg(sz, d), reg(sz, r),
                          num(counts[c]));
                }
        }
    }
    end();
}

static void test_atomics(void)
{
    begin();
    for (unsigned s = 0; s < 4; s++) {
        unsigned sz = sizes_all[s];
        for (X86Reg d = 0; d < 16; d++) {
            for (X86Reg r = 0; r < 16; r++)
                CHECK(x86_xchg_rr(b, sz, d, r),
                      p66(sz) + 2 +
                          rex(sz == 8 || hi(d) || hi(r) || low8(sz, d) ||
                              low8(sz, r)),
                      "xchg %s, %s", reg(sz, d), reg(sz, r));
            for (unsigned i = 0; i < NMEMS; i++) {
                X86Mem m = mems[i];
                unsigned rx = rex(sz == 8 || hi(d) || mem_hi(m) || low8(sz, d));
                CHECK(x86_xchg_mr(b, sz, m, d), p66(sz) + rx + 1 + mem_len(m),
                      "xchg %s, %s", mem(sz, m), reg(sz, d));
                CHECK(x86_lock_cmpxchg(b, sz, m, d),
                      p66(sz) + 1 + rx + 2 + mem_len(m),
                      "lock cmpxchg %s, %s", mem(sz, m), reg(sz, d));
                CHECK(x86_lock_xadd(b, sz, m, d),
                      p66(sz) + 1 + rx + 2 + mem_len(m), "lock xadd %s, %s",
                      mem(sz, m), reg(sz, d));
            }
        }
    }
    CHECK(x86_mfence(b), 3, "mfence");
    {
        static const char *const nop_text[9] = {
            "nop", "nop", "nop dword ptr [rax]", "nop dword ptr [rax]",
            "nop dword ptr [rax + rax]", "nop word ptr [rax + rax]",
            "nop dword ptr [rax]", "nop dword ptr [rax + rax]",
            "nop word ptr [rax + rax]"};
        for (unsigned n = 1; n <= 9; n++)
            CHECK(x86_nop(b, n), n, "%s", nop_text[n - 1]);
    }
    end();
}

static void test_control(void)
{
    begin();
    for (X86Reg r = 0; r < 16; r++) {
        CHECK(x86_push(b, r), 1 + hi(r), "push %s", reg(8, r));
        CHECK(x86_pop(b, r), 1 + hi(r), "pop %s", reg(8, r));
        CHECK(x86_jmp_r(b, r), 2 + hi(r), "jmp %s", reg(8, r));
        CHECK(x86_call_r(b, r), 2 + hi(r), "call %s", reg(8, r));
    }
    for (unsigned i = 0; i < NMEMS; i++) {
        X86Mem m = mems[i];
        unsigned len = 1 + rex(mem_hi(m)) + mem_len(m);
        CHECK(x86_jmp_m(b, m), len, "jmp %s", mem(8, m));
        CHECK(x86_call_m(b, m), len, "call %s", mem(8, m));
    }
    CHECK(x86_ret(b), 1, "ret");
    /* Unpatched branches go to the next instruction. */
    for (X86Cond cc = X86_CC_O; cc <= X86_CC_G; cc++)
        CHECK(CU_ASSERT_EQUAL(x86_jcc(b, cc), 2), 6, "j%s %s", cc_names[cc],
              num(ADDR + 6));
    CHECK(CU_ASSERT_EQUAL(x86_jmp(b), 1), 5, "jmp %s", num(ADDR + 5));
    CHECK(CU_ASSERT_EQUAL(x86_call(b), 1), 5, "call %s", num(ADDR + 5));
    end();
}

/* Branches patched to labels backwards, onto themselves and forwards. */
static void test_patch(void)
{
    static uint8_t big[256];
    static const size_t targets[] = { 0, 7, 10, 16, 17, 255 };

    begin();
    for (unsigned t = 0; t < sizeof(targets) / sizeof(targets[0]); t++) {
        for (unsigned kind = 0; kind < 3; kind++) {
            X86Buf b;
            size_t field;
            x86_buf_init(&b, big, sizeof(big));
            for (int i = 0; i < 10; i++)
                x86_ret(&b);
            field = kind == 0 ? x86_jcc(&b, X86_CC_NE)
                    : kind == 1 ? x86_jmp(&b) : x86_call(&b);
            CU_ASSERT_EQUAL(field, kind == 0 ? 12 : 11);
            x86_patch_rel32(&b, field, targets[t]);
            char expect[64];
            uint8_t saved[4];
            snprintf(expect, sizeof(expect), "%s %s",
                     kind == 0 ? "jne" : kind == 1 ? "jmp" : "call",
                     num(ADDR + targets[t]));
            /* The branch is disassembled where it is, at ADDR + 10. */
            check_bytes(big + 10, field + 4 - 10, ADDR + 10, field + 4 - 10,
                        expect);
            /* A field that was not emitted is left alone. */
            memcpy(saved, big + field, 4);
            x86_patch_rel32(&b, SIZE_MAX, 0);
            x86_patch_rel32(&b, field + 1, 0);
            CU_ASSERT_EQUAL(memcmp(big + field, saved, 4), 0);
        }
    }
    /* From run-time addresses, at the edges of a rel32's reach. */
    uint8_t field[4] = { 0xaa, 0xaa, 0xaa, 0xaa };
    uintptr_t at = (uintptr_t)0x7f0000000000u, next = at + 4;
    CU_ASSERT_TRUE(x86_set_rel32(field, at, next + INT32_MAX));
    CU_ASSERT_EQUAL(memcmp(field, "\xff\xff\xff\x7f", 4), 0);
    CU_ASSERT_TRUE(x86_set_rel32(field, at, next - 0x80000000u));
    CU_ASSERT_EQUAL(memcmp(field, "\x00\x00\x00\x80", 4), 0);
    CU_ASSERT_TRUE(x86_set_rel32(field, at, at));
    CU_ASSERT_EQUAL(memcmp(field, "\xfc\xff\xff\xff", 4), 0);
    CU_ASSERT_FALSE(x86_set_rel32(field, at, next + INT32_MAX + 1u));
    CU_ASSERT_FALSE(x86_set_rel32(field, at, next - 0x80000001u));
    CU_ASSERT_EQUAL(memcmp(field, "\xfc\xff\xff\xff", 4), 0);
    end();
}

/* A sequence with instructions of 1 to 15 bytes. */
static void emit_sequence(X86Buf *b, size_t *ends, unsigned *n)
{
    X86Mem far = x86_mem_index(X86_R13, X86_R12, 8, INT32_MIN);
    unsigned k = 0;

#define STEP(stmt) (stmt, ends[k++] = x86_buf_offset(b))
    STEP(x86_ret(b));
    STEP(x86_movabs(b, X86_R9, 0x1122334455667788));
    STEP(x86_push(b, X86_R15));
    STEP(x86_lock_cmpxchg(b, 2, far, X86_RSI));
    STEP(x86_store_imm(b, 8, far, -1));
    STEP(x86_jcc(b, X86_CC_E));
    STEP(x86_alu_ri(b, X86_ADD, 8, X86_RAX, 1));
    STEP(x86_lzcnt(b, 2, X86_R10, X86_R11));
    STEP(x86_mfence(b));
    STEP(x86_alu_mi(b, X86_CMP, 8, far, 0x12345678));
    STEP(x86_ret(b));
#undef STEP
    *n = k;
}

static void test_overflow(void)
{
    uint8_t ref[128], area[128 + 32];
    size_t ends[16], ends2[16];
    unsigned n;
    X86Buf b;

    x86_buf_init(&b, ref, sizeof(ref));
    emit_sequence(&b, ends, &n);
    CU_ASSERT_FALSE(b.overflow);
    size_t total = x86_buf_offset(&b);
    CU_ASSERT_EQUAL(total, ends[n - 1]);

    for (size_t size = 0; size <= total; size++) {
        memset(area, 0x5a, sizeof(area));
        x86_buf_init(&b, area, size);
        emit_sequence(&b, ends2, &n);
        /* The whole instructions that fit, no more, and nothing after. */
        size_t fit = 0;
        while (fit < n && ends[fit] <= size)
            fit++;
        size_t used = fit ? ends[fit - 1] : 0;
        CU_ASSERT_EQUAL(x86_buf_offset(&b), used);
        CU_ASSERT_EQUAL(b.overflow, size < total);
        CU_ASSERT_EQUAL(memcmp(area, ref, used), 0);
        for (size_t i = used; i < sizeof(area); i++)
            if (area[i] != 0x5a) {
                CU_FAIL("written past the instructions that fit");
                break;
            }
    }

    /* After an overflow nothing more is emitted, even if it would fit,
     * and branch fields are reported as missing. */
    x86_buf_init(&b, area, 8);
    x86_movabs(&b, X86_RAX, 0);
    CU_ASSERT_TRUE(b.overflow);
    x86_ret(&b);
    CU_ASSERT_EQUAL(x86_buf_offset(&b), 0);
    CU_ASSERT_EQUAL(x86_jmp(&b), SIZE_MAX);
    CU_ASSERT_EQUAL(x86_movabs(&b, X86_RAX, 0), SIZE_MAX);
}

int main(void)
{
    static const UnitTest tests[] = {
        {"mov register, immediate", test_mov},
        {"loads, stores, lea", test_load_store},
        {"movzx, movsx, movsxd", test_extend},
        {"alu", test_alu},
        {"test, shifts, unary, cdq/cqo", test_test_shift_unary},
        {"imul", test_imul},
        {"setcc, cmovcc", test_conditions},
        {"bswap, lzcnt, tzcnt, popcnt, rorx", test_bits},
        {"xchg, lock cmpxchg, lock xadd, mfence", test_atomics},
        {"branches, calls, push, pop, ret", test_control},
        {"branch patching", test_patch},
        {"never past the end", test_overflow},
    };
    return UNIT_RUN_WITH("x86-emit", suite_init, suite_clean, tests);
}
