/* SPDX-License-Identifier: MIT */
/*
 * What the random program generators (gen-riscv, gen-avr) share: the
 * random numbers (splitmix64, seeded from the command line) and the
 * command-line parsing. See docs/testing.md.
 */
#ifndef TESSERA_DIFFTEST_GEN_COMMON_H
#define TESSERA_DIFFTEST_GEN_COMMON_H

#include <stdbool.h>
#include <stdint.h>

/* Seeds the generator; salt keeps the generators' streams apart. */
void gen_seed(uint64_t seed, uint64_t salt);
uint64_t rnd(void);
/* A number in [0, n). */
unsigned below(unsigned n);
/* True with the given probability in percent. */
bool chance(unsigned percent);

/* The options every generator takes. */
struct gen_opts {
    uint64_t units;   /* -n UNITS (in: the default) */
    uint64_t seed;    /* the first operand */
    bool flag;        /* the generator's own letter (-s, -q) */
    bool verbose;     /* -v */
    char **operands;  /* after the seed */
};

/*
 * Parses "[-FLAG] [-v] [-n UNITS] SEED OPERANDS..." with exactly
 * 'noperands' operands after the seed and 1 <= UNITS <= max_units.
 * Returns false on a usage error.
 */
bool gen_parse_opts(int argc, char **argv, char flag, unsigned max_units,
                    unsigned noperands, struct gen_opts *o);

#endif
