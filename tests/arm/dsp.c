/* SPDX-License-Identifier: MIT */
/*
 * ARMv7E-M DSP instructions (Cortex-M4) on many operand patterns and input
 * flags: each result and the APSR after it (N Z C V Q and GE) go into a
 * hash per instruction group, which must match QEMU's on mps2-an386. On a
 * Cortex-M3 the first one is UNDEFINED (a HardFault from UsageFault, which
 * the runtime's handler reports with CFSR and HFSR).
 */
#include "rt/rt.h"

static const uint32_t special[] = {
    0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000,
    0x7fff7fff, 0x80008000, 0x7f7f7f7f, 0x80808080, 0x7fffffff, 0x80000000,
    0xffffffff, 0xfffefffe, 0x00ff00ff, 0xff00ff00, 0x12345678, 0xdeadbeef,
    0x55555555, 0xaaaaaaaa, 0x01800180};
#define NSPECIAL (sizeof(special) / sizeof(special[0]))
#define NVALS (NSPECIAL + 14)
static uint32_t vals[NVALS];
/* N Z C V Q and GE in: none, all, Q only, a GE pattern */
static const uint32_t cins[] = {0, 0xf80f0000, 0x08000000, 0x20050000,
                                0x900a0000};
#define NCINS (sizeof(cins) / sizeof(cins[0]))

static uint32_t h;

/* One instruction with flags in and out (rt.h). */
#define OP(TEXT, ...) RT_FLAGS_OP("apsr_nzcvqg", 0, "=&r", TEXT, ##__VA_ARGS__)
#define RRR(insn) OP(insn " %[r], %[a], %[b]", [a] "r"(a), [b] "r"(b))
#define RRRR(insn) \
    OP(insn " %[r], %[a], %[b], %[x]", [a] "r"(a), [b] "r"(b), [x] "r"(x))
#define RR_TEXT(insn, rest) OP(insn " %[r], " rest, [a] "r"(a), [b] "r"(b))

#define LONG(insn)                                                         \
    do {                                                                   \
        uint32_t lo = x, hi = a ^ b, f;                                    \
        __asm__ volatile("msr apsr_nzcvqg, %[c]\n\t" insn                  \
                         " %[lo], %[hi], %[a], %[b]\n\tmrs %[f], apsr"     \
                         : [lo] "+&r"(lo), [hi] "+&r"(hi), [f] "=&r"(f)    \
                         : [a] "r"(a), [b] "r"(b), [c] "r"(cin)            \
                         : "cc");                                          \
        h = rt_hash(rt_hash(rt_hash(h, lo), hi), f);                       \
    } while (0)

#define GROUP RT_GROUP

int main(void)
{
    uint32_t s = 4242;
    for (unsigned i = 0; i < NVALS; i++) {
        if (i < NSPECIAL) {
            vals[i] = special[i];
        } else {
            s = s * 1103515245u + 12345u;
            vals[i] = s ^ (s >> 9) * 0x9e3779b9u;
        }
    }

    GROUP("par-signed", { RRR("sadd16"); RRR("sasx"); RRR("ssax");
                          RRR("ssub16"); RRR("sadd8"); RRR("ssub8"); });
    GROUP("par-unsigned", { RRR("uadd16"); RRR("uasx"); RRR("usax");
                            RRR("usub16"); RRR("uadd8"); RRR("usub8"); });
    GROUP("par-sat", { RRR("qadd16"); RRR("qasx"); RRR("qsax");
                       RRR("qsub16"); RRR("qadd8"); RRR("qsub8");
                       RRR("uqadd16"); RRR("uqasx"); RRR("uqsax");
                       RRR("uqsub16"); RRR("uqadd8"); RRR("uqsub8"); });
    GROUP("par-halving", { RRR("shadd16"); RRR("shasx"); RRR("shsax");
                           RRR("shsub16"); RRR("shadd8"); RRR("shsub8");
                           RRR("uhadd16"); RRR("uhasx"); RRR("uhsax");
                           RRR("uhsub16"); RRR("uhadd8"); RRR("uhsub8"); });
    GROUP("sel", { RRR("sel"); RRR("uadd8");
                   RRR("sel"); RRR("ssub16"); RRR("sel"); });
    GROUP("qadd", { RRR("qadd"); RRR("qsub"); RRR("qdadd"); RRR("qdsub"); });
    GROUP("saturate16", { RR_TEXT("ssat16", "#1, %[a]");
                          RR_TEXT("ssat16", "#8, %[a]");
                          RR_TEXT("ssat16", "#16, %[a]");
                          RR_TEXT("usat16", "#0, %[a]");
                          RR_TEXT("usat16", "#7, %[a]");
                          RR_TEXT("usat16", "#15, %[a]"); });
    GROUP("extend16", { RRR("sxtab16"); RRR("uxtab16");
                        RR_TEXT("sxtab16", "%[a], %[b], ror #8");
                        RR_TEXT("uxtab16", "%[a], %[b], ror #24");
                        RR_TEXT("sxtb16", "%[a]");
                        RR_TEXT("uxtb16", "%[a], ror #16");
                        RR_TEXT("sxtb16", "%[b], ror #8"); });
    GROUP("pack", { RRR("pkhbt"); RR_TEXT("pkhbt", "%[a], %[b], lsl #7");
                    RR_TEXT("pkhbt", "%[a], %[b], lsl #31");
                    RR_TEXT("pkhtb", "%[a], %[b], asr #1");
                    RR_TEXT("pkhtb", "%[a], %[b], asr #16");
                    RR_TEXT("pkhtb", "%[a], %[b], asr #32"); });
    GROUP("mul-halfword", { RRRR("smlabb"); RRRR("smlabt"); RRRR("smlatb");
                            RRRR("smlatt"); RRR("smulbb"); RRR("smulbt");
                            RRR("smultb"); RRR("smultt"); RRRR("smlawb");
                            RRRR("smlawt"); RRR("smulwb"); RRR("smulwt"); });
    GROUP("mul-dual", { RRRR("smlad"); RRRR("smladx"); RRRR("smlsd");
                        RRRR("smlsdx"); RRR("smuad"); RRR("smuadx");
                        RRR("smusd"); RRR("smusdx"); });
    GROUP("mul-msw", { RRRR("smmla"); RRRR("smmlar"); RRRR("smmls");
                       RRRR("smmlsr"); RRR("smmul"); RRR("smmulr"); });
    GROUP("usad", { RRR("usad8"); RRRR("usada8"); });
    GROUP("mul-long", { LONG("smlalbb"); LONG("smlalbt"); LONG("smlaltb");
                        LONG("smlaltt"); LONG("smlald"); LONG("smlaldx");
                        LONG("smlsld"); LONG("smlsldx"); LONG("umaal"); });
    /* Q stays set until cleared; GE survives other instructions. */
    {
        uint32_t f = 0x7fffffff;
        __asm__ volatile("msr apsr_nzcvqg, %1\n\tqadd %0, %0, %0\n\t"
                         "adds %0, #0\n\tmrs %0, apsr"
                         : "+r"(f) : "r"(0x000a0000) : "cc");
        rt_print("q-sticky", f);
    }
    rt_exit(0);
}
