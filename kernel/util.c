/* SPDX-License-Identifier: MIT */
#include "kernel/util.h"

#include <ctype.h>
#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

bool util_parse_u64(const char *s, uint64_t *out)
{
    unsigned base = 10;
    uint64_t v = 0;
    bool digits = false;

    while (isspace((unsigned char)*s))
        s++;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    } else if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B')) {
        base = 2;
        s += 2;
    } else if (s[0] == '0' && isdigit((unsigned char)s[1])) {
        base = 8;
        s++;
    }
    for (;; s++) {
        unsigned d;
        char c = *s;
        if (c == '_')
            continue; /* 0x8000_0000 reads better */
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            break;
        if (d >= base)
            break;
        if (v > (UINT64_MAX - d) / base)
            return false;
        v = v * base + d;
        digits = true;
    }
    if (!digits)
        return false;
    unsigned shift = 0;
    switch (*s) {
    case 'k': case 'K': shift = 10; s++; break;
    case 'm': case 'M': shift = 20; s++; break;
    case 'g': case 'G': shift = 30; s++; break;
    case 't': case 'T': shift = 40; s++; break;
    default: break;
    }
    if (shift && (*s == 'i' || *s == 'I') && (s[1] == 'b' || s[1] == 'B'))
        s += 2; /* "MiB" */
    else if (shift && (*s == 'b' || *s == 'B'))
        s++;
    while (isspace((unsigned char)*s))
        s++;
    if (*s)
        return false;
    if (shift && v > (UINT64_MAX >> shift))
        return false;
    *out = v << shift;
    return true;
}

bool util_parse_freq(const char *s, uint64_t *out)
{
    uint64_t v = 0, mul = 1;
    bool digits = false;

    while (isspace((unsigned char)*s))
        s++;
    for (; isdigit((unsigned char)*s) || *s == '_'; s++) {
        if (*s == '_')
            continue;
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
        digits = true;
    }
    switch (*s) {
    case 'k': case 'K': mul = 1000; s++; break;
    case 'M': mul = 1000000; s++; break;
    case 'G': mul = 1000000000; s++; break;
    default: break;
    }
    if ((s[0] == 'h' || s[0] == 'H') && (s[1] == 'z' || s[1] == 'Z'))
        s += 2;
    while (isspace((unsigned char)*s))
        s++;
    if (!digits || *s || !v || v > UINT64_MAX / mul)
        return false;
    *out = v * mul;
    return true;
}

/* "256 MiB", "1.5 GiB"-style text for a byte count, in whole units. */
static void format_size(uint64_t n, char *out, size_t len)
{
    static const char units[] = "KMGTPE";
    int u = -1;
    while (u < 5 && n >= 1024 && n % 1024 == 0) {
        n /= 1024;
        u++;
    }
    if (u < 0)
        snprintf(out, len, "%" PRIu64 " bytes", n);
    else
        snprintf(out, len, "%" PRIu64 " %ciB", n, units[u]);
}

int util_parse_ram_size(const char *s, uint64_t *out, char *why, size_t len)
{
    static const char suffixes[] = "BKMGTPE";
    const char *p = s;
    uint64_t v = 0, frac = 0, frac_div = 1;
    bool hex = false, digits = false;

    *why = 0;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        hex = true;
        p += 2;
    }
    for (; hex ? isxdigit((unsigned char)*p) : isdigit((unsigned char)*p);
         p++) {
        unsigned d = g_ascii_xdigit_value(*p);
        if (v > (UINT64_MAX - d) / (hex ? 16 : 10))
            goto too_big;
        v = v * (hex ? 16 : 10) + d;
        digits = true;
    }
    if (!hex && *p == '.') {
        for (p++; isdigit((unsigned char)*p); p++) {
            if (frac_div >= 1000000000000000000ull)
                goto bad; /* 18 decimals are plenty */
            frac = frac * 10 + (uint64_t)(*p - '0');
            frac_div *= 10;
            digits = true;
        }
    }
    if (!digits)
        goto bad;
    const char *unit = *p ? strchr(suffixes, g_ascii_toupper(*p)) : NULL;
    if (*p && !unit)
        goto bad;
    unsigned shift = unit ? 10 * (unsigned)(unit - suffixes) : 20;
    if (unit) {
        p++;
        if (shift && (*p == 'i' || *p == 'I') && (p[1] == 'b' || p[1] == 'B'))
            p += 2; /* "MiB" */
        else if (shift && (*p == 'b' || *p == 'B'))
            p++;
    }
    if (*p)
        goto bad;
    if (frac && !unit) {
        snprintf(why, len, "a fraction needs a suffix (1.5G, 512.5M)");
        return -1;
    }
    if (v > (UINT64_MAX >> shift))
        goto too_big;
    uint64_t frac_bytes = 0;
    if (frac) {
        /* frac/frac_div of a unit must be whole bytes: reduce the fraction,
         * then its denominator must be a power of two that the unit has. */
        uint64_t x = frac, y = frac_div;
        while (y) {
            uint64_t t = x % y;
            x = y;
            y = t;
        }
        frac /= x;
        frac_div /= x;
        unsigned k = 0;
        while ((1ull << k) < frac_div)
            k++;
        if ((1ull << k) != frac_div || k > shift) {
            snprintf(why, len, "'%s' is not a whole number of bytes", s);
            return -1;
        }
        frac_bytes = frac << (shift - k);
    }
    if ((v << shift) > UINT64_MAX - frac_bytes)
        goto too_big;
    *out = (v << shift) + frac_bytes;
    if (hex && !unit) {
        char meant[32], got[32];
        format_size(v, meant, sizeof(meant));
        format_size(*out, got, sizeof(got));
        snprintf(why, len, "a number without a suffix is in MiB, as in QEMU, "
                 "so this asks for %s; for %s write %s with a suffix "
                 "(e.g. 256M)", got, meant, s);
    }
    return 0;
too_big:
    snprintf(why, len, "'%s' is too large", s);
    return -1;
bad:
    snprintf(why, len, "'%s' is not a size (examples: 128M, 1.5G, 2048 for "
             "2048 MiB)", s);
    return -1;
}

bool util_parse_bool(const char *s, bool *out)
{
    static const char *yes[] = {"on", "yes", "true", "1"};
    static const char *no[] = {"off", "no", "false", "0"};
    for (unsigned i = 0; i < 4; i++) {
        if (!strcasecmp(s, yes[i])) {
            *out = true;
            return true;
        }
        if (!strcasecmp(s, no[i])) {
            *out = false;
            return true;
        }
    }
    return false;
}

bool util_running_from_build_tree(void)
{
    static int cached = -1;
    if (cached < 0) {
        char *exe = g_file_read_link("/proc/self/exe", NULL);
        cached = exe && g_str_has_prefix(exe, TESSERA_BUILDDIR "/");
        g_free(exe);
    }
    return cached;
}

GPtrArray *util_split_opts(const char *text)
{
    GPtrArray *items = g_ptr_array_new_with_free_func(g_free);
    GString *cur = g_string_new(NULL);
    for (const char *p = text;; p++) {
        if (*p == ',' && p[1] == ',') {
            g_string_append_c(cur, ',');
            p++;
        } else if (*p == ',' || !*p) {
            g_ptr_array_add(items, g_strdup(cur->str));
            g_string_truncate(cur, 0);
            if (!*p)
                break;
        } else {
            g_string_append_c(cur, *p);
        }
    }
    g_string_free(cur, TRUE);
    return items;
}
