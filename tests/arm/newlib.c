/* SPDX-License-Identifier: MIT */
/*
 * A program on Debian's newlib (libnewlib-arm-none-eabi) with its
 * semihosting library (librdimon), as embedded test runners build them:
 * printf of integers and (soft) floats, the heap, qsort, string
 * conversions, libm, a file written and read back through semihosting,
 * stdout and stderr, and an exit status of 3 (librdimon passes it with
 * SYS_EXIT_EXTENDED once ":semihosting-features" says it may). Its output must be qemu-system-arm's.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

int main(void)
{
    printf("hello from newlib: %d %u %x %s\n", -42, 42u, 0xbeefu, "ok");
    printf("floats: %.6f %.3e %g\n", 3.14159265358979, 6.02214076e23,
           sqrt(2.0));
    printf("libm: %.9f %.9f %.9f\n", sin(1.0), exp(1.0), log(10.0));

    int n = 1000;
    int *v = malloc(n * sizeof(*v));
    if (!v)
        return 1;
    unsigned x = 12345;
    for (int i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        v[i] = (int)(x >> 8) % 100000 - 50000;
    }
    qsort(v, n, sizeof(*v), cmp);
    long sum = 0;
    for (int i = 0; i < n; i++)
        sum += v[i];
    printf("sorted: min %d max %d median %d sum %ld\n", v[0], v[n - 1],
           v[n / 2], sum);
    free(v);

    char buf[64];
    snprintf(buf, sizeof(buf), "%08.3f|%-6s|%+d", -1.5, "ab", 7);
    printf("snprintf: [%s] strtol %ld strtod %.2f\n", buf,
           strtol("-0x1f", NULL, 16), strtod("2.5e2", NULL));

    FILE *f = fopen("newlib-test.txt", "w");
    if (!f) {
        printf("fopen for writing failed\n");
        return 2;
    }
    fprintf(f, "line %d\n", 1);
    fputs("second line\n", f);
    fclose(f);
    f = fopen("newlib-test.txt", "r");
    if (!f) {
        printf("fopen for reading failed\n");
        return 2;
    }
    while (fgets(buf, sizeof(buf), f))
        printf("read back: %s", buf);
    fclose(f);
    fprintf(stderr, "to stderr: %d\n", 5);
    return 3;
}
