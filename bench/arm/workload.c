/* SPDX-License-Identifier: MIT */
/*
 * CPU-bound Thumb-2 workload for bench/arm/run.sh: CRC-32, an insertion
 * sort and a small integer matrix product, ROUNDS times; prints a
 * checksum through semihosting and exits with status 0.
 */
#include "../../tests/arm/rt/rt.h"

#ifndef ROUNDS
#define ROUNDS 400
#endif

static uint32_t data[256];
static int32_t ma[8][8], mb[8][8], mc[8][8];

static uint32_t crc32(const uint8_t *p, unsigned n, uint32_t crc)
{
    crc = ~crc;
    while (n--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
    }
    return ~crc;
}

static void sort(uint32_t *a, unsigned n)
{
    for (unsigned i = 1; i < n; i++) {
        uint32_t v = a[i];
        unsigned j = i;
        while (j > 0 && a[j - 1] > v) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = v;
    }
}

int main(void)
{
    uint32_t sum = 0, x = 1;
    for (unsigned r = 0; r < ROUNDS; r++) {
        for (unsigned i = 0; i < 256; i++) {
            x = x * 1664525u + 1013904223u;
            data[i] = x >> 8;
        }
        sum = crc32((const uint8_t *)data, sizeof(data), sum);
        sort(data, 256);
        sum += data[r & 255];
        for (int i = 0; i < 8; i++)
            for (int j = 0; j < 8; j++) {
                ma[i][j] = (int32_t)(data[i * 8 + j] & 0xffff) - 0x8000;
                mb[i][j] = (int32_t)(data[64 + j * 8 + i] & 0xff);
            }
        for (int i = 0; i < 8; i++)
            for (int j = 0; j < 8; j++) {
                int32_t s = 0;
                for (int k = 0; k < 8; k++)
                    s += ma[i][k] * mb[k][j];
                mc[i][j] = s;
            }
        sum ^= (uint32_t)mc[r & 7][(r >> 3) & 7] / 3u;
    }
    rt_print("checksum", sum);
    return 0;
}
