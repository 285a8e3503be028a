/* SPDX-License-Identifier: MIT */
/*
 * Runs a fuzz target over files named on the command line, so that the
 * corpus is replayed by `make check` with any compiler. The libFuzzer
 * build (tests/fuzz/run-fuzz.sh) uses its own main instead.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    int n = 0;
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            perror(argv[i]);
            return 1;
        }
        uint8_t *buf = NULL;
        size_t len = 0, cap = 0, r;
        do {
            if (len == cap) {
                cap = cap ? cap * 2 : 4096;
                buf = realloc(buf, cap);
                if (!buf)
                    return 1;
            }
            r = fread(buf + len, 1, cap - len, f);
            len += r;
        } while (r > 0);
        fclose(f);
        LLVMFuzzerTestOneInput(buf, len);
        free(buf);
        n++;
    }
    /* No input at all means the corpus was not found: a setup failure,
     * not a pass. */
    if (n == 0) {
        fprintf(stderr, "%s: no corpus file given\n", argv[0]);
        return 1;
    }
    printf("replayed %d inputs, none crashed\n", n);
    return 0;
}
