/* SPDX-License-Identifier: MIT */
/*
 * C extension: the hand-written forms in rvc-forms.S, then an ordinary C
 * workload that the compiler fills with compressed instructions.
 */
#include "rt.h"

#define SMIN (1UL << (XLEN - 1))
#define SEXT32(v) ((ulong)(slong)(int32_t)(uint32_t)(v))

ulong *rvc_forms(ulong *out);
extern char rvc_ebreak_site[];

static const ulong want[] = {
    (ulong)-32, 30, (ulong)-4096, 0x1000, 0x1f01f,      /* li addi nop lui */
    32, 16,                                             /* addi16sp addi4spn */
    (ulong)-32, 123, 77, 0xf0f, 0xfff, 0x0f0,           /* mv add sub xor or and */
    0x1f, 0x12340, SMIN, 1, (ulong)((slong)SMIN >> 4),  /* andi slli srli srai */
    SEXT32(0x80000000), 0x1234, (ulong)-32, 0x12345678, /* lw sw lwsp swsp */
    11, 100, 15, 0,                                     /* beqz bnez */
    11, 0,                                              /* j */
    0, 0,                                               /* jr jalr */
#if XLEN == 32
    0,                                                  /* jal */
#else
    0x8000000000000001, (ulong)-2, (ulong)-2,           /* ld sd ldsp sdsp */
    0xffffffff80000000, (ulong)-1,                      /* addiw */
    0xffffffff80000000, (ulong)-1,                      /* addw subw */
#endif
};
#define NWANT (sizeof(want) / sizeof(want[0]))

static int ebreaks;

static int on_trap(struct trap_frame *f)
{
    if (f->mcause != 3)
        return 0;
    ebreaks++;
    CHECK_EQ(f->mepc, (ulong)rvc_ebreak_site);
    /* mtval is the pc or zero, both allowed (QEMU 7.2 writes zero). */
    CHECK(f->mtval == (ulong)rvc_ebreak_site || f->mtval == 0);
    CHECK_EQ(insn_len(f->mepc), 2);
    f->mepc += 2;
    return 1;
}

static void test_forms(void)
{
    ulong out[64];

    trap_hook = on_trap;
    ulong *end = rvc_forms(out);
    trap_hook = 0;
    CHECK_EQ(end - out, NWANT);
    for (unsigned i = 0; i < NWANT && i < (ulong)(end - out); i++) {
        if (!CHECK_EQ(out[i], want[i])) {
            putstr("  in step ");
            putd(i);
            putch('\n');
        }
    }
    CHECK_EQ(ebreaks, 1);
}

/* ---- compiled code: sort, then checksum ---- */

static uint32_t rng_state = 12345;

static uint32_t rng(void)
{
    /* xorshift32 */
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

static void insertion_sort(int32_t *a, int n)
{
    for (int i = 1; i < n; i++) {
        int32_t v = a[i];
        int j = i - 1;
        while (j >= 0 && a[j] > v) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = v;
    }
}

static uint32_t crc32(const uint8_t *p, size_t n)
{
    uint32_t crc = 0xffffffff;
    while (n--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xedb88320 & -(crc & 1));
    }
    return ~crc;
}

static void test_compiled(void)
{
    static int32_t a[200];
    int sorted = 1;

    for (int i = 0; i < 200; i++)
        a[i] = (int32_t)rng();
    insertion_sort(a, 200);
    for (int i = 1; i < 200; i++)
        sorted &= a[i - 1] <= a[i];
    CHECK(sorted);
    /* Values worked out on the host with the same code. */
    CHECK_EQ(crc32((const uint8_t *)a, sizeof(a)), 0xdf3700f2);
    CHECK_EQ(crc32((const uint8_t *)"123456789", 9), 0xcbf43926);
    CHECK_EQ(a[0], -2121028955);
    CHECK_EQ(a[199], 2122318808);
}

int main(void)
{
    puts("rvc: compressed instructions");
    test_forms();
    test_compiled();
    return check_done("rvc");
}
