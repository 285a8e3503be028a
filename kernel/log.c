/* SPDX-License-Identifier: MIT */
/* Messages to the user and the -d debug log. */
#include "kernel/log.h"
#include "kernel/chardev.h"

#include <errno.h>
#include <stdarg.h>
#include <glib.h>
#include <string.h>

uint32_t log_mask;
static FILE *log_file;

static const struct {
    const char *name;
    uint32_t mask;
    const char *help;
} categories[] = {
    {"in_asm", TESSERA_LOG_IN_ASM, "guest code as it is translated"},
    {"exec", TESSERA_LOG_EXEC, "each translated block as it runs"},
    {"cpu", TESSERA_LOG_CPU, "CPU registers before each block"},
    {"int", TESSERA_LOG_INT, "interrupts and exceptions"},
    {"unimp", TESSERA_LOG_UNIMP, "accesses to unimplemented devices/registers"},
    {"guest_errors", TESSERA_LOG_GUEST_ERRORS,
     "invalid guest actions (bus errors, ROM writes, bad register values)"},
    {"op", TESSERA_LOG_OP, "IR of each block as translated"},
    {"op_opt", TESSERA_LOG_OP_OPT, "IR of each block after optimisation"},
    {"out_asm", TESSERA_LOG_OUT_ASM,
     "host code of each block (backends that generate it: -accel native)"},
    {"tb_stats", LOG_TB_STATS,
     "at exit: blocks translated, host bytes per guest instruction, "
     "translation time; loop lookups, TLB fills and flushes, code "
     "invalidations"},
};

int log_parse(const char *spec, char *err, size_t errlen)
{
    uint32_t mask = 0;
    char **items = g_strsplit(spec, ",", -1);
    int ret = 0;

    for (char **it = items; *it; it++) {
        bool found = false;
        if (!**it)
            continue;
        if (!strcmp(*it, "all")) {
            for (size_t i = 0; i < G_N_ELEMENTS(categories); i++)
                mask |= categories[i].mask;
            continue;
        }
        for (size_t i = 0; i < G_N_ELEMENTS(categories); i++) {
            if (!strcmp(*it, categories[i].name)) {
                mask |= categories[i].mask;
                found = true;
            }
        }
        if (!found) {
            snprintf(err, errlen,
                     "-d: unknown log category '%s' (use -d help for a list)",
                     *it);
            ret = -1;
            break;
        }
    }
    g_strfreev(items);
    if (ret == 0)
        log_mask = mask;
    return ret;
}

void log_print_help(void)
{
    printf("Log categories for -d (comma-separated, or 'all'):\n");
    for (size_t i = 0; i < G_N_ELEMENTS(categories); i++)
        printf("  %-13s %s\n", categories[i].name, categories[i].help);
}

int log_set_file(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        tessera_error("-D %s: %s", path, strerror(errno));
        return -1;
    }
    if (log_file)
        fclose(log_file);
    log_file = f;
    return 0;
}

FILE *log_stream(void)
{
    chardev_flush(); /* the guest's earlier output comes first */
    return log_file ? log_file : stderr;
}

bool tessera_log_enabled(uint32_t mask)
{
    return log_on(mask);
}

void tessera_log(uint32_t mask, const char *fmt, ...)
{
    va_list ap;
    if (!log_on(mask))
        return;
    va_start(ap, fmt);
    vfprintf(log_stream(), fmt, ap);
    va_end(ap);
}

static unsigned error_count;

unsigned log_error_count(void)
{
    return error_count;
}

void tessera_error(const char *fmt, ...)
{
    va_list ap;
    error_count++;
    chardev_flush();
    fflush(stdout);
    fputs("tessera: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void tessera_warn(const char *fmt, ...)
{
    va_list ap;
    chardev_flush();
    fflush(stdout);
    fputs("tessera: warning: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}
