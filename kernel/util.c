/* SPDX-License-Identifier: MIT */
#include "kernel/util.h"

#include <ctype.h>
#include <glib.h>
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
