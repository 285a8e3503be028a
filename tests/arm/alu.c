/* SPDX-License-Identifier: MIT */
/*
 * Data processing on many operand pairs and input flags: every result and
 * the APSR after it (N Z C V Q) go into a hash per instruction group, which
 * must match QEMU's. Built for ARMv7-M (Thumb-2, wide and narrow forms);
 * with -DV6M only the ARMv6-M subset.
 */
#include "rt/rt.h"

static const uint32_t special[] = {
    0, 1, 2, 3, 31, 32, 33, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff,
    0x10000, 0x7ffffffe, 0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe,
    0xffffffff, 0x12345678, 0xdeadbeef, 0x55555555, 0xaaaaaaaa};
#define NSPECIAL (sizeof(special) / sizeof(special[0]))
#define NVALS (NSPECIAL + 23)
static uint32_t vals[NVALS];
static const uint32_t cins[] = {0, 0x20000000, 0xf8000000, 0x50000000,
                                0x90000000};
#define NCINS (sizeof(cins) / sizeof(cins[0]))

static uint32_t h;

/* One instruction with flags in and out (rt.h). */
#define OP(R0, RC, TEXT, ...) \
    RT_FLAGS_OP("apsr_nzcvq", R0, RC, TEXT, ##__VA_ARGS__)
/* Three-register form. */
#define RRR(insn) \
    OP(0, "=&r", insn " %[r], %[a], %[b]", [a] "r"(a), [b] "r"(b))
/* Narrow two-register form: rd = rd OP rm, low registers. */
#define RR_N(insn) OP(a, "+l", insn " %[r], %[b]", [b] "l"(b))
/* Register with an immediate or a fixed operand text. */
#define RI(insn, rest) OP(0, "=&r", insn " %[r], %[a], " rest, [a] "r"(a))

/* Compare forms: only the flags. */
#define CMP(insn, rest)                                                    \
    do {                                                                   \
        uint32_t f;                                                        \
        __asm__ volatile("msr apsr_nzcvq, %[c]\n\t" insn " %[a], " rest    \
                         "\n\tmrs %[f], apsr"                              \
                         : [f] "=&r"(f)                                    \
                         : [a] "r"(a), [b] "r"(b), [c] "r"(cin)            \
                         : "cc");                                          \
        h = rt_hash(h, f);                                                 \
    } while (0)

#define GROUP RT_GROUP

int main(void)
{
    uint32_t x = 12345;
    for (unsigned i = 0; i < NVALS; i++) {
        if (i < NSPECIAL) {
            vals[i] = special[i];
        } else {
            x = x * 1103515245u + 12345u;
            vals[i] = x ^ (x >> 7) * 0x9e3779b9u;
        }
    }

    GROUP("add-narrow", { RR_N("adcs"); RR_N("sbcs"); RR_N("ands");
                          RR_N("eors"); RR_N("orrs"); RR_N("bics");
                          RR_N("mvns"); RR_N("muls");
                          RR_N("tst"); RR_N("cmn"); RR_N("cmp"); });
    GROUP("shift-narrow", { RR_N("lsls"); RR_N("lsrs"); RR_N("asrs");
                            RR_N("rors"); });
    GROUP("add3-narrow", {
        OP(0, "=&l", "adds %[r], %[a], %[b]", [a] "l"(a), [b] "l"(b));
        OP(0, "=&l", "subs %[r], %[a], %[b]", [a] "l"(a), [b] "l"(b));
        OP(0, "=&l", "subs %[r], %[a], #7\n\tlsls %[r], %[r], #5\n\t"
           "lsrs %[r], %[r], #3\n\tasrs %[r], %[r], #1", [a] "l"(a));
        OP(0, "=&l", "lsrs %[r], %[a], #32", [a] "l"(a));
        OP(0, "=&l", "asrs %[r], %[a], #32", [a] "l"(a));
    });
#ifndef V6M
    GROUP("add-wide", { RRR("adds.w"); RRR("adcs.w"); RRR("subs.w");
                        RRR("sbcs.w"); RRR("rsbs.w"); RRR("add.w");
                        RRR("adc.w"); RRR("sub.w"); RRR("sbc.w"); });
    GROUP("logic-wide", { RRR("ands.w"); RRR("orrs.w"); RRR("eors.w");
                          RRR("bics.w"); RRR("orns"); RRR("and.w");
                          RRR("orn"); });
    GROUP("shifted-operand", {
        RRR("adds.w");
#define SH(insn, sh) \
        OP(0, "=&r", insn " %[r], %[a], %[b], " sh, [a] "r"(a), [b] "r"(b));
        SH("adds", "lsl #3") SH("ands", "lsl #1") SH("ands", "lsr #1")
        SH("orrs", "lsr #32") SH("eors", "asr #32") SH("bics", "asr #5")
        SH("ands", "ror #7") SH("orrs", "rrx") SH("subs", "ror #31")
        SH("adcs", "asr #17") SH("sbcs", "lsl #31") SH("rsbs", "lsr #16")
        SH("add", "lsl #2") SH("orns", "lsl #4")
    });
    GROUP("shift-wide", { RRR("lsls.w"); RRR("lsrs.w"); RRR("asrs.w");
                          RRR("rors.w"); RRR("lsl.w"); RRR("ror.w");
                          RI("lsls.w", "#1"); RI("lsrs.w", "#31");
                          RI("asrs.w", "#1"); RI("rors.w", "#13");
                          RI("ands.w", "#0x3f"); RI("orns", "#0xff000000");
                          RI("eors.w", "#0"); });
    GROUP("imm-wide", { RI("adds.w", "#0xff00ff00"); RI("subs.w", "#0x3fc");
                        RI("ands", "#0x80000000"); RI("orrs", "#0xab00");
                        RI("eors", "#0x00ab00ab"); RI("bics", "#0x7f000000");
                        RI("adcs", "#1"); RI("sbcs", "#0x10000");
                        RI("rsbs", "#0"); RI("addw", "#0xfff");
                        RI("subw", "#0x123"); RI("orns", "#0xff");
                        CMP("cmp.w", "#0x80000000"); CMP("cmn.w", "#1");
                        CMP("tst.w", "#0x40000000"); CMP("teq.w", "#0xf0");
                        CMP("cmp.w", "%[b]"); CMP("cmn.w", "%[b]");
                        CMP("tst.w", "%[b], lsl #31");
                        CMP("teq.w", "%[b], ror #1"); });
    GROUP("multiply", {
        RRR("mul.w");
        uint32_t lo, hi;
#define ML(insn)                                                           \
        lo = a ^ 0x5a5a; hi = b + 7;                                       \
        __asm__ volatile(insn " %[lo], %[hi], %[a], %[b]"                  \
                         : [lo] "+&r"(lo), [hi] "+&r"(hi)                  \
                         : [a] "r"(a), [b] "r"(b));                        \
        h = rt_hash(rt_hash(h, lo), hi);
        ML("umull") ML("smull") ML("umlal") ML("smlal")
        uint32_t r;
        __asm__("mla %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(cin));
        h = rt_hash(h, r);
        __asm__("mls %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(cin));
        h = rt_hash(h, r);
    });
    GROUP("divide", { RRR("udiv"); RRR("sdiv"); });
    GROUP("bitfield", {
        uint32_t r;
#define BF(insn)                                                           \
        r = b;                                                             \
        __asm__ volatile(insn : "+r"(r) : "r"(a));                         \
        h = rt_hash(h, r);
        BF("ubfx %0, %1, #3, #7") BF("sbfx %0, %1, #0, #1")
        BF("sbfx %0, %1, #31, #1") BF("ubfx %0, %1, #0, #32")
        BF("sbfx %0, %1, #8, #16") BF("bfi %0, %1, #4, #12")
        BF("bfi %0, %1, #0, #32") BF("bfc %0, #9, #5")
        BF("bfi %0, %1, #31, #1") BF("clz %0, %1") BF("rbit %0, %1")
        BF("rev %0, %1") BF("rev16 %0, %1") BF("revsh %0, %1")
        BF("uxtb %0, %1, ror #8") BF("sxth %0, %1, ror #16")
        BF("sxtb %0, %1, ror #24") BF("uxth %0, %1")
        BF("movt %0, #0xbeef") BF("movw %0, #0xcafe")
    });
    GROUP("saturate", {
#define SAT(insn, n, sh) \
        OP(0, "=&r", insn " %[r], #" n ", %[a]" sh, [a] "r"(a));
        SAT("ssat", "8", "") SAT("usat", "8", "") SAT("ssat", "1", "")
        SAT("usat", "0", "") SAT("ssat", "32", "") SAT("usat", "31", "")
        SAT("ssat", "16", ", lsl #4") SAT("usat", "12", ", asr #3")
        SAT("ssat", "24", ", asr #31")
    });
#endif
    GROUP("narrow-misc", {
        uint32_t r;
#define N1(insn)                                                           \
        __asm__ volatile(insn : "=l"(r) : "l"(a));                         \
        h = rt_hash(h, r);
        N1("rev %0, %1") N1("rev16 %0, %1") N1("revsh %0, %1")
        N1("uxtb %0, %1") N1("uxth %0, %1") N1("sxtb %0, %1")
        N1("sxth %0, %1")
        N1("rsbs %0, %1, #0")
    });
    return 0;
}
