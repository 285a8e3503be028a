/* SPDX-License-Identifier: MIT */
/* -d categories and the -D log file. */
#ifndef KERNEL_LOG_H
#define KERNEL_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <tessera/tessera.h>

extern uint32_t log_mask;

/* Kernel-only categories, above the public TESSERA_LOG_* bits. */
#define LOG_TB_STATS (1u << 31) /* translation cost, printed at exit */

static inline bool log_on(uint32_t mask)
{
    return (log_mask & mask) != 0;
}

/* Parses a -d list ("in_asm,exec"). 0, or -1 with a message in err. */
int log_parse(const char *spec, char *err, size_t errlen);
/* Prints the -d help listing to stdout. */
void log_print_help(void);
/* -D FILE. 0 or -1 (message printed). */
int log_set_file(const char *path);
/* Where log lines go: the -D file or stderr. */
FILE *log_stream(void);
/* How many errors tessera_error() has printed so far. */
unsigned log_error_count(void);

#endif
