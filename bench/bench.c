/* SPDX-License-Identifier: MIT */
/*
 * CPU-bound guest workload for timing emulators: checksums, a histogram,
 * sorting, a matrix product and a SHA-style mixing function, repeated
 * ROUNDS times. It prints the instructions and cycles it took (minstret,
 * mcycle) and a checksum that any correct emulator reproduces.
 *
 * Each kernel's code and the data it writes carry their own sections
 * (.hot.<kernel>.text / .hot.<kernel>.data), so the linker script decides
 * the layout: normal.ld keeps code and data on separate pages, mixed.ld puts
 * each kernel's written arrays on the same 4 KiB page as its code, which
 * is what an emulator's self-modifying-code detection has to cope with.
 */
#include "rt.h"

#ifndef ROUNDS
#define ROUNDS 400
#endif

#define HOT_TEXT(k) __attribute__((section(".hot." #k ".text"), noinline))
#define HOT_DATA(k) __attribute__((section(".hot." #k ".data"), aligned(16)))

static uint32_t rng_state = 0x9e3779b9;

static inline uint32_t rng(void)
{
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    rng_state = x;
    return x;
}

static inline uint32_t rotr(uint32_t x, int n)
{
    return (x >> n) | (x << (32 - n));
}

/* ---- CRC-32: rewrite a buffer, then checksum it through a table ---- */

#define CRC_BYTES 1024
HOT_DATA(crc) static uint32_t crc_buf[CRC_BYTES / 4];
HOT_DATA(crc) static uint32_t crc_table[256];

static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320 & -(c & 1));
        crc_table[i] = c;
    }
}

HOT_TEXT(crc) static uint32_t crc_round(uint32_t seed)
{
    for (int i = 0; i < CRC_BYTES / 4; i++)
        crc_buf[i] = crc_buf[i] * 1664525u + seed + (uint32_t)i;
    const uint8_t *p = (const uint8_t *)crc_buf;
    uint32_t crc = 0xffffffff;
    for (int i = 0; i < CRC_BYTES; i++)
        crc = (crc >> 8) ^ crc_table[(crc ^ p[i]) & 0xff];
    return ~crc;
}

/* ---- Adler-32 and FNV-1a over the same buffer, with a byte histogram ---- */

HOT_DATA(hash) static uint32_t hist[256];

HOT_TEXT(hash) static uint32_t hash_round(void)
{
    const uint8_t *p = (const uint8_t *)crc_buf;
    uint32_t a = 1, b = 0, fnv = 0x811c9dc5;

    for (int i = 0; i < CRC_BYTES; i++) {
        a += p[i];
        if (a >= 65521)
            a -= 65521;
        b += a;
        if (b >= 65521)
            b -= 65521;
        fnv = (fnv ^ p[i]) * 16777619u;
        hist[p[i]]++;
    }
    return ((b << 16) | a) ^ fnv;
}

/* ---- heap sort of fresh random numbers ---- */

#define SORT_N 256
HOT_DATA(sort) static uint32_t sort_a[SORT_N];

static inline void sift_down(uint32_t *a, int root, int end)
{
    while (2 * root + 1 < end) {
        int child = 2 * root + 1;
        if (child + 1 < end && a[child] < a[child + 1])
            child++;
        if (a[root] >= a[child])
            return;
        uint32_t t = a[root];
        a[root] = a[child];
        a[child] = t;
        root = child;
    }
}

HOT_TEXT(sort) static uint32_t sort_round(void)
{
    for (int i = 0; i < SORT_N; i++)
        sort_a[i] = rng();
    for (int i = SORT_N / 2 - 1; i >= 0; i--)
        sift_down(sort_a, i, SORT_N);
    for (int end = SORT_N - 1; end > 0; end--) {
        uint32_t t = sort_a[0];
        sort_a[0] = sort_a[end];
        sort_a[end] = t;
        sift_down(sort_a, 0, end);
    }
    uint32_t sum = 0;
    for (int i = 0; i < SORT_N; i++)
        sum = sum * 31 + sort_a[i];
    return sum;
}

/* ---- integer matrix product, fed back into its input ---- */

#define MAT_N 12
HOT_DATA(mat) static int32_t mat_c[MAT_N][MAT_N];
HOT_DATA(mat) static int32_t mat_a[MAT_N][MAT_N];
HOT_DATA(mat) static int32_t mat_b[MAT_N][MAT_N];

static void mat_init(void)
{
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++) {
            mat_a[i][j] = (int32_t)(rng() & 0xff) - 128;
            mat_b[i][j] = (int32_t)(rng() & 0xff) - 128;
        }
}

HOT_TEXT(mat) static uint32_t mat_round(void)
{
    uint32_t sum = 0;

    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++) {
            int32_t s = 0;
            for (int k = 0; k < MAT_N; k++)
                s += mat_a[i][k] * mat_b[k][j];
            mat_c[i][j] = s;
        }
    /* keep the values small so the next round stays interesting */
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++) {
            sum = sum * 33 + (uint32_t)mat_c[i][j];
            mat_a[i][j] = (mat_c[i][j] >> 8) & 0x1ff;
            mat_a[i][j] -= 0x100;
        }
    return sum;
}

/* ---- SHA-256-shaped compression: message schedule and 64 rounds ---- */

HOT_DATA(mix) static uint32_t mix_w[64];
HOT_DATA(mix) static uint32_t mix_state[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

/* Round constants: our own, from the 32-bit golden-ratio sequence. */
static inline uint32_t mix_k(int i)
{
    return 0x9e3779b9u * (uint32_t)(i + 1);
}

HOT_TEXT(mix) static uint32_t mix_round(int block)
{
    const uint32_t *msg = crc_buf + (block & 15) * 16;
    uint32_t s[8];

    for (int i = 0; i < 16; i++)
        mix_w[i] = msg[i];
    for (int i = 16; i < 64; i++) {
        uint32_t w15 = mix_w[i - 15], w2 = mix_w[i - 2];
        uint32_t s0 = rotr(w15, 7) ^ rotr(w15, 18) ^ (w15 >> 3);
        uint32_t s1 = rotr(w2, 17) ^ rotr(w2, 19) ^ (w2 >> 10);
        mix_w[i] = mix_w[i - 16] + s0 + mix_w[i - 7] + s1;
    }
    for (int i = 0; i < 8; i++)
        s[i] = mix_state[i];
    for (int i = 0; i < 64; i++) {
        uint32_t e = s[4], a = s[0];
        uint32_t t1 = s[7] + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) +
                      ((e & s[5]) ^ (~e & s[6])) + mix_k(i) + mix_w[i];
        uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) +
                      ((a & s[1]) ^ (a & s[2]) ^ (s[1] & s[2]));
        s[7] = s[6];
        s[6] = s[5];
        s[5] = s[4];
        s[4] = s[3] + t1;
        s[3] = s[2];
        s[2] = s[1];
        s[1] = s[0];
        s[0] = t1 + t2;
    }
    for (int i = 0; i < 8; i++)
        mix_state[i] += s[i];
    return mix_state[0] ^ mix_state[7];
}

static uint32_t fold(uint32_t sum, uint32_t v)
{
    return rotr(sum, 5) ^ v;
}

int main(void)
{
    uint32_t sum = 0;

    crc_init();
    mat_init();
    for (int i = 0; i < CRC_BYTES / 4; i++)
        crc_buf[i] = rng();

    uint64_t c0 = csr_read(mcycle), i0 = csr_read(minstret);
#if XLEN == 32
    c0 |= (uint64_t)csr_read(mcycleh) << 32;
    i0 |= (uint64_t)csr_read(minstreth) << 32;
#endif
    for (int r = 0; r < ROUNDS; r++) {
        sum = fold(sum, crc_round((uint32_t)r));
        sum = fold(sum, hash_round());
        sum = fold(sum, sort_round());
        sum = fold(sum, mat_round());
        for (int b = 0; b < 4; b++)
            sum = fold(sum, mix_round(r * 4 + b));
    }
    uint64_t c1 = csr_read(mcycle), i1 = csr_read(minstret);
#if XLEN == 32
    c1 |= (uint64_t)csr_read(mcycleh) << 32;
    i1 |= (uint64_t)csr_read(minstreth) << 32;
#endif
    for (int i = 0; i < 256; i++)
        sum = fold(sum, hist[i]);

    putstr("rounds: ");
    putd(ROUNDS);
    putstr("\ninstructions: ");
    putu(i1 - i0);
    putstr("\ncycles: ");
    putu(c1 - c0);
    putstr("\nchecksum: ");
    putx(sum);
    putch('\n');
    return 0;
}
