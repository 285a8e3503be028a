/* SPDX-License-Identifier: MIT */
/* Small parsing helpers shared by the board parser and the command line. */
#ifndef KERNEL_UTIL_H
#define KERNEL_UTIL_H

#include <stdbool.h>
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
/* on/off, yes/no, true/false, 1/0. */
bool util_parse_bool(const char *s, bool *out);

/* True when the running program lives in the build tree (then plugins and
 * board files are taken from there instead of the installed ones). */
bool util_running_from_build_tree(void);

#endif
