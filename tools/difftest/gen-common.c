/* SPDX-License-Identifier: MIT */
/* Random numbers and options of the program generators (gen-common.h). */
#include "gen-common.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state;

void gen_seed(uint64_t seed, uint64_t salt)
{
    rng_state = seed * 0x2545f4914f6cdd1dull + salt;
}

uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

unsigned below(unsigned n)
{
    return (unsigned)(rnd() % n);
}

bool chance(unsigned percent)
{
    return below(100) < percent;
}

static bool parse_u64(const char *s, uint64_t *v)
{
    char *end;
    errno = 0;
    *v = strtoull(s, &end, 0);
    return *s && *s != '-' && !*end && !errno;
}

bool gen_parse_opts(int argc, char **argv, char flag, unsigned max_units,
                    unsigned noperands, struct gen_opts *o)
{
    int a = 1;
    for (;;) {
        const char *arg = a < argc ? argv[a] : "";
        if (a + 1 < argc && !strcmp(arg, "-n")) {
            if (!parse_u64(argv[a + 1], &o->units) || o->units < 1 ||
                o->units > max_units)
                return false;
            a += 2;
        } else if (arg[0] == '-' && arg[1] == flag && !arg[2]) {
            o->flag = true;
            a++;
        } else if (!strcmp(arg, "-v")) {
            o->verbose = true;
            a++;
        } else {
            break;
        }
    }
    if (argc - a != (int)noperands + 1 || !parse_u64(argv[a], &o->seed))
        return false;
    o->operands = argv + a + 1;
    return true;
}
