/* SPDX-License-Identifier: MIT */
/* Small parsing helpers shared by the board parser and the command line. */
#ifndef KERNEL_UTIL_H
#define KERNEL_UTIL_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A number: decimal, 0x hex, 0b binary or 0 octal, optionally followed by
 * K, M, G or T (powers of 1024, upper or lower case). Surrounding blanks
 * are allowed; anything else, or overflow, fails.
 */
bool util_parse_u64(const char *s, uint64_t *out);
/*
 * A frequency in Hz: a decimal number, optionally followed by K, M or G
 * (powers of 1000: 16M is 16000000) and "Hz" in any case. Zero fails.
 */
bool util_parse_freq(const char *s, uint64_t *out);
/*
 * -m's size, read as QEMU reads it: a decimal number (with a fraction
 * when a suffix follows: 1.5G) or a 0x hex number, then an optional B, K,
 * M, G, T, P or E suffix (powers of 1024); without a suffix, MiB. On
 * failure, -1 and the reason in why. On success, 0 and in why a note for
 * the user when the reading may surprise (a hex number taken as MiB), else
 * "".
 */
int util_parse_ram_size(const char *s, uint64_t *out, char *why, size_t len);

/* on/off, yes/no, true/false, 1/0. */
bool util_parse_bool(const char *s, bool *out);
/* Splits QEMU-style option text "a,b=c,,d" at single commas (",," is a
 * comma inside an item). Free with g_ptr_array_unref(). */
GPtrArray *util_split_opts(const char *text);

/* True when the running program lives in the build tree (then plugins and
 * board files are taken from there instead of the installed ones). */
bool util_running_from_build_tree(void);

#endif
