/* SPDX-License-Identifier: MIT */
/*
 * The human monitor (HMP): QEMU's command names and output shapes. A
 * monitor reads lines from a character backend (echoing them, as QEMU's
 * readline does), runs them between instruction quanta (the backend
 * delivers its input only from the main loop) and writes the output with
 * "\r\n" line ends. hmp_execute() is the same thing without a backend, for
 * QMP's human-monitor-command and the fuzz target.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "kernel/bus.h"
#include "kernel/cpu-internal.h"
#include "kernel/device.h"
#include "kernel/input-cmds.h"
#include "kernel/log.h"
#include "kernel/machine.h"
#include "kernel/display.h"
#include "kernel/monitor.h"
#include "kernel/plugin.h"
#include "kernel/sched.h"

#define MON_LINE_MAX 4096
#define MON_PROMPT "(tessera) "
/* Bounds on what one command may ask for (x /N, memsave SIZE). */
#define MON_X_MAX 4096
#define MON_SAVE_MAX (1ull << 32)

typedef struct Monitor {
    TesseraChardev *chr;
    GString *line;
    bool overflow;  /* the line got too long: drop it at its end */
    bool banner;    /* the greeting was shown */
    bool last_cr;   /* "\r\n" is one line end */
    int esc;        /* 0, or inside an ESC [ ... sequence */
} Monitor;

static GPtrArray *monitors;
static bool sandbox;
static MonitorGdbserverFn gdbserver_hook;
static unsigned cur_cpu;

void monitor_set_sandbox(bool on)
{
    sandbox = on;
}

bool monitor_sandboxed(void)
{
    return sandbox;
}

void monitor_set_gdbserver_hook(MonitorGdbserverFn fn)
{
    gdbserver_hook = fn;
}

/* ---------------------------------------------------------------------- */
/* Arguments                                                               */

/* Splits at blanks; the last of max arguments takes the rest of the line. */
static GPtrArray *split_args(const char *s, unsigned max)
{
    GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
    while (*s) {
        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s)
            break;
        if (a->len + 1 == max) {
            char *rest = g_strdup(s);
            g_strchomp(rest);
            g_ptr_array_add(a, rest);
            break;
        }
        const char *e = s;
        while (*e && *e != ' ' && *e != '\t')
            e++;
        g_ptr_array_add(a, g_strndup(s, e - s));
        s = e;
    }
    return a;
}

static Cpu *mon_cpu(void)
{
    return cur_cpu < machine.ncpus ? machine.cpus[cur_cpu] : NULL;
}

static const TesseraRegInfo *find_reg(Cpu *cpu, const char *name)
{
    for (const TesseraRegInfo *r = cpu->arch->regs; r && r->name; r++)
        if (!strcmp(r->name, name) && r->size <= 8)
            return r;
    return NULL;
}

/* A number, or $pc / $REG of the current CPU. */
static bool parse_value(const char *s, uint64_t *v, GString *out)
{
    if (s[0] == '$') {
        Cpu *cpu = mon_cpu();
        const TesseraRegInfo *r;
        if (!cpu) {
            g_string_append(out, "No CPU available\n");
            return false;
        }
        if (!strcmp(s + 1, "pc")) {
            *v = tessera_cpu_get_pc(cpu);
            return true;
        }
        if ((r = find_reg(cpu, s + 1))) {
            *v = 0;
            memcpy(v, (uint8_t *)tessera_cpu_env(cpu) + r->offset, r->size);
            return true;
        }
        g_string_append_printf(out, "unknown register '%s'\n", s + 1);
        return false;
    }
    char *end;
    errno = 0;
    *v = strtoull(s, &end, 0);
    if (!*s || *end || errno || s[0] == '-') {
        g_string_append_printf(out, "invalid number '%s'\n", s);
        return false;
    }
    return true;
}

/* ---------------------------------------------------------------------- */
/* Memory                                                                  */

/* Reads guest virtual memory through the current CPU's MMU (no faults). */
static bool read_virt(Cpu *cpu, uint64_t va, uint8_t *buf, size_t len)
{
    const TesseraArchClass *arch = cpu->arch;
    uint64_t page = 1ull << (arch->page_bits ? arch->page_bits : 12);

    while (len > 0) {
        uint64_t pa = va;
        unsigned prot = 0;
        size_t n = MIN(len, (size_t)(page - (va & (page - 1))));
        if (arch->translate_addr &&
            arch->translate_addr(tessera_cpu_env(cpu), va, TESSERA_ACCESS_READ,
                                 cpu->code_mmu, &pa, &prot) !=
                TESSERA_FAULT_NONE)
            return false;
        if (!bus_read_buf(pa, buf, n))
            return false;
        va += n;
        buf += n;
        len -= n;
    }
    return true;
}

static bool read_mem(bool phys, uint64_t addr, uint8_t *buf, size_t len)
{
    if (phys)
        return bus_read_buf(addr, buf, len);
    Cpu *cpu = mon_cpu();
    return cpu && read_virt(cpu, addr, buf, len);
}

static uint64_t get_le(const uint8_t *p, unsigned size, bool big)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)p[big ? size - 1 - i : i] << (8 * i);
    return v;
}

/* x /FMT ADDR and xp /FMT ADDR. */
static void cmd_x_common(GPtrArray *a, GString *out, bool phys)
{
    unsigned count = 1, size = 4;
    char fmt = 'x';
    bool size_given = false;
    const char *addr_s;
    uint64_t addr;

    if (a->len < 2) {
        g_string_append_printf(out, "%s: missing address (usage: %s /fmt "
                               "addr)\n", phys ? "xp" : "x", phys ? "xp" : "x");
        return;
    }
    if (((char *)a->pdata[1])[0] == '/') {
        const char *f = (char *)a->pdata[1] + 1;
        if (g_ascii_isdigit(*f)) {
            char *end;
            unsigned long n = strtoul(f, &end, 10);
            count = n > MON_X_MAX ? MON_X_MAX : (unsigned)n;
            f = end;
        }
        for (; *f; f++) {
            switch (*f) {
            case 'x': case 'd': case 'u': case 'o': case 't': case 'c':
            case 'i': case 'a':
                fmt = *f;
                break;
            case 'b': size = 1; size_given = true; break;
            case 'h': size = 2; size_given = true; break;
            case 'w': size = 4; size_given = true; break;
            case 'g': size = 8; size_given = true; break;
            default:
                g_string_append_printf(out, "invalid char in format: '%c'\n",
                                       *f);
                return;
            }
        }
        if (a->len < 3) {
            g_string_append(out, "missing address\n");
            return;
        }
        addr_s = a->pdata[2];
    } else {
        addr_s = a->pdata[1];
    }
    if (!parse_value(addr_s, &addr, out))
        return;
    if (fmt == 'c' && !size_given)
        size = 1;
    if (fmt == 'a')
        size = 8;
    Cpu *cpu = mon_cpu();
    bool big = cpu && cpu->arch->big_endian;

    if (fmt == 'i') {
        if (!cpu || !cpu->arch->disas) {
            g_string_append(out, "no disassembler for this CPU\n");
            return;
        }
        for (unsigned i = 0; i < count; i++) {
            uint8_t bytes[16];
            char text[128];
            unsigned n = 0;
            memset(bytes, 0, sizeof(bytes));
            if (!read_mem(phys, addr, bytes, sizeof(bytes)) &&
                !read_mem(phys, addr, bytes, 4)) {
                g_string_append(out, "Cannot access memory\n");
                return;
            }
            n = cpu->arch->disas(addr, bytes, sizeof(bytes),
                                 tessera_cpu_get_tb_flags(cpu), text,
                                 sizeof(text));
            if (!n) {
                g_string_append_printf(out, "0x%016" PRIx64 ":  %08" PRIx32
                                       "  (bad)\n", addr,
                                       (uint32_t)get_le(bytes, 4, big));
                n = 2;
            } else {
                g_string_append_printf(out, "0x%016" PRIx64 ":  %0*" PRIx64
                                       "  %s\n", addr, (int)(n * 2),
                                       get_le(bytes, n > 8 ? 8 : n, big),
                                       text);
            }
            addr += n;
        }
        return;
    }
    unsigned per_line = size == 8 ? 2 : size == 4 ? 4 : 8;
    for (unsigned i = 0; i < count; i++) {
        uint8_t b[8];
        if (i % per_line == 0)
            g_string_append_printf(out, "%s%016" PRIx64 ":", i ? "\n" : "",
                                   addr);
        if (!read_mem(phys, addr, b, size)) {
            g_string_append(out, " Cannot access memory\n");
            return;
        }
        uint64_t v = get_le(b, size, big);
        int64_t sv = size == 8 ? (int64_t)v
                               : (int64_t)(v << (64 - 8 * size)) >>
                                     (64 - 8 * size);
        switch (fmt) {
        case 'x':
        case 'a':
            g_string_append_printf(out, " 0x%0*" PRIx64, (int)size * 2, v);
            break;
        case 'd':
            g_string_append_printf(out, " %" PRId64, sv);
            break;
        case 'u':
            g_string_append_printf(out, " %" PRIu64, v);
            break;
        case 'o':
            g_string_append_printf(out, " %#" PRIo64, v);
            break;
        case 't':
            g_string_append_c(out, ' ');
            for (int bit = (int)size * 8 - 1; bit >= 0; bit--)
                g_string_append_c(out, (v >> bit) & 1 ? '1' : '0');
            break;
        case 'c':
            if (v >= 0x20 && v < 0x7f)
                g_string_append_printf(out, " '%c'", (int)v);
            else
                g_string_append_printf(out, " '\\x%02" PRIx64 "'", v);
            break;
        }
        addr += size;
    }
    g_string_append_c(out, '\n');
}

static void cmd_x(GPtrArray *a, GString *out)
{
    if (!mon_cpu()) {
        g_string_append(out, "No CPU available\n");
        return;
    }
    cmd_x_common(a, out, false);
}

static void cmd_xp(GPtrArray *a, GString *out)
{
    cmd_x_common(a, out, true);
}

static void save_common(GPtrArray *a, GString *out, bool phys)
{
    uint64_t addr, size;
    const char *name = phys ? "pmemsave" : "memsave";

    if (a->len != 4) {
        g_string_append_printf(out, "%s: usage: %s addr size file\n", name,
                               name);
        return;
    }
    if (!parse_value(a->pdata[1], &addr, out) ||
        !parse_value(a->pdata[2], &size, out))
        return;
    if (sandbox) {
        g_string_append_printf(out, "%s: writing files is disabled\n", name);
        return;
    }
    if (!phys && !mon_cpu()) {
        g_string_append(out, "No CPU available\n");
        return;
    }
    if (size > MON_SAVE_MAX) {
        g_string_append_printf(out, "%s: size %" PRIu64 " is too big\n", name,
                               size);
        return;
    }
    FILE *f = fopen(a->pdata[3], "wb");
    if (!f) {
        g_string_append_printf(out, "could not open '%s': %s\n",
                               (char *)a->pdata[3], strerror(errno));
        return;
    }
    uint8_t buf[4096];
    while (size > 0) {
        size_t n = size < sizeof(buf) ? (size_t)size : sizeof(buf);
        if (!read_mem(phys, addr, buf, n)) {
            g_string_append_printf(out, "Invalid addr 0x%016" PRIx64
                                   "/size %" PRIu64 " specified\n", addr,
                                   size);
            break;
        }
        if (fwrite(buf, 1, n, f) != n) {
            g_string_append_printf(out, "could not write '%s'\n",
                                   (char *)a->pdata[3]);
            break;
        }
        addr += n;
        size -= n;
    }
    fclose(f);
}

static void cmd_memsave(GPtrArray *a, GString *out)
{
    save_common(a, out, false);
}

static void cmd_pmemsave(GPtrArray *a, GString *out)
{
    save_common(a, out, true);
}

/* ---------------------------------------------------------------------- */
/* info                                                                    */

static void info_status(GString *out)
{
    g_string_append_printf(out, "VM status: %s\n",
                           sched_running() ? "running" : "paused");
}

static void info_version(GString *out)
{
    g_string_append_printf(out, "%s\n", PACKAGE_VERSION);
}

static void info_registers(GString *out)
{
    Cpu *cpu = mon_cpu();
    if (!cpu) {
        g_string_append(out, "No CPU available\n");
        return;
    }
    g_string_append_printf(out, "CPU#%u\n pc       %016" PRIx64 "\n",
                           cur_cpu, tessera_cpu_get_pc(cpu));
    unsigned col = 0;
    for (const TesseraRegInfo *r = cpu->arch->regs; r && r->name; r++) {
        if (r->size > 8)
            continue;
        uint64_t v = 0;
        memcpy(&v, (uint8_t *)tessera_cpu_env(cpu) + r->offset, r->size);
        g_string_append_printf(out, " %-8s %0*" PRIx64, r->name,
                               (int)r->size * 2, v);
        if (++col % 4 == 0)
            g_string_append_c(out, '\n');
    }
    if (col % 4)
        g_string_append_c(out, '\n');
}

static void info_cpus(GString *out)
{
    for (unsigned i = 0; i < machine.ncpus; i++)
        g_string_append_printf(out, "%c CPU #%u: thread_id=%ld\n",
                               i == cur_cpu ? '*' : ' ', i, (long)getpid());
}

static void info_mtree(GString *out)
{
    g_string_append(out, "address-space: memory\n"
                         "  0000000000000000-ffffffffffffffff (prio 0, i/o): "
                         "system\n");
    for (unsigned i = 0; i < bus_region_count(); i++) {
        Region *r = bus_region(i);
        const char *kind = r->kind == REGION_RAM   ? "ram"
                           : r->kind == REGION_ROM ? "rom"
                                                   : "i/o";
        if (r->alias_delta)
            g_string_append_printf(out, "    %016" PRIx64 "-%016" PRIx64
                                   " (prio 0, %s): alias %s @%016" PRIx64
                                   "\n", r->base, r->base + r->size - 1,
                                   kind, r->name, r->base + r->alias_delta);
        else
            g_string_append_printf(out, "    %016" PRIx64 "-%016" PRIx64
                                   " (prio 0, %s): %s\n", r->base,
                                   r->base + r->size - 1, kind, r->name);
    }
}

static void info_qtree(GString *out)
{
    g_string_append(out, "bus: main-system-bus\n  type System\n");
    for (unsigned i = 0; i < device_count(); i++) {
        TesseraDevice *d = device_at(i);
        const TesseraDeviceClass *cls = device_class(d);
        g_string_append_printf(out, "  dev: %s, id \"%s\"\n", cls->name,
                               tessera_dev_name(d));
        for (const TesseraProp *p = cls->props; p && p->name; p++) {
            if (p->type == TESSERA_PROP_U64 || p->type == TESSERA_PROP_FREQ) {
                uint64_t v = tessera_dev_prop_u64(d, p->name);
                g_string_append_printf(out, "    %s = %" PRIu64 " (0x%" PRIx64
                                       ")\n", p->name, v, v);
            } else if (p->type == TESSERA_PROP_BOOL) {
                g_string_append_printf(out, "    %s = %s\n", p->name,
                                       tessera_dev_prop_bool(d, p->name)
                                           ? "true" : "false");
            } else {
                const char *v = tessera_dev_prop_str(d, p->name);
                g_string_append_printf(out, "    %s = \"%s\"\n", p->name,
                                       v ? v : "");
            }
        }
    }
}

static void info_qom_tree(GString *out)
{
    qom_tree(out);
}

static void info_plugins(GString *out)
{
    g_string_append_printf(out, "%-20s %-7s %-9s %s\n", "PLUGIN", "KIND",
                           "VERSION", "FILE");
    plugin_describe_loaded(out);
}

typedef struct InfoCmd {
    const char *name;
    void (*fn)(GString *out);
    const char *help;
} InfoCmd;

static const InfoCmd info_cmds[] = {
    {"cpus", info_cpus, "show infos for each CPU"},
    {"mtree", info_mtree, "show memory tree"},
    {"plugins", info_plugins, "show the loaded plugins"},
    {"qom-tree", info_qom_tree, "show QOM composition tree"},
    {"qtree", info_qtree, "show device tree"},
    {"registers", info_registers, "show the cpu registers"},
    {"status", info_status, "show the current VM status (running|paused)"},
    {"version", info_version, "show the version of Tessera"},
    {NULL, NULL, NULL},
};

static void cmd_info(GPtrArray *a, GString *out)
{
    if (a->len < 2) {
        for (const InfoCmd *c = info_cmds; c->name; c++)
            g_string_append_printf(out, "info %s  -- %s\n", c->name, c->help);
        return;
    }
    for (const InfoCmd *c = info_cmds; c->name; c++) {
        if (!strcmp(c->name, a->pdata[1])) {
            c->fn(out);
            return;
        }
    }
    g_string_append_printf(out, "info: unknown item '%s' (info lists them)\n",
                           (char *)a->pdata[1]);
}

/* ---------------------------------------------------------------------- */
/* Machine control and objects                                             */

static void cmd_stop(GPtrArray *a, GString *out)
{
    (void)a;
    (void)out;
    sched_stop();
}

static void cmd_cont(GPtrArray *a, GString *out)
{
    (void)a;
    (void)out;
    sched_cont();
}

static void cmd_system_reset(GPtrArray *a, GString *out)
{
    (void)a;
    (void)out;
    sched_request_host_reset();
}

static void cmd_quit(GPtrArray *a, GString *out)
{
    (void)a;
    (void)out;
    sched_request_quit("host-qmp-quit");
}

static void cmd_cpu(GPtrArray *a, GString *out)
{
    uint64_t n;
    if (a->len != 2 || !parse_value(a->pdata[1], &n, out))
        return;
    if (n >= machine.ncpus) {
        g_string_append(out, "invalid CPU index\n");
        return;
    }
    cur_cpu = (unsigned)n;
}

static void cmd_qom_list(GPtrArray *a, GString *out)
{
    char err[256];
    const char *path = a->len > 1 ? a->pdata[1] : "/";
    GPtrArray *props = qom_list(path, err, sizeof(err));
    if (!props) {
        g_string_append_printf(out, "Error: %s\n", err);
        return;
    }
    for (unsigned i = 0; i < props->len; i++) {
        QomProp *p = props->pdata[i];
        g_string_append_printf(out, "%s (%s)\n", p->name, p->type);
    }
    g_ptr_array_free(props, TRUE);
}

static void cmd_qom_get(GPtrArray *a, GString *out)
{
    char err[256];
    bool nf;
    if (a->len < 2 || a->len > 3) {
        g_string_append(out, "qom-get: usage: qom-get path property "
                             "(or path.property)\n");
        return;
    }
    char *v = qom_get(a->pdata[1], a->len > 2 ? a->pdata[2] : NULL, &nf, err,
                      sizeof(err));
    if (!v) {
        g_string_append_printf(out, "Error: %s\n", err);
        return;
    }
    g_string_append_printf(out, "%s\n", v);
    g_free(v);
}

/* qom-set [-j] PATH PROPERTY VALUE: without -j, VALUE is a number or text. */
static void cmd_qom_set(GPtrArray *a, GString *out, const char *rest)
{
    char err[256];
    bool nf, json = false;
    GPtrArray *b;

    while (*rest == ' ')
        rest++;
    if (g_str_has_prefix(rest, "-j ")) {
        json = true;
        rest += 3;
    }
    (void)a;
    b = split_args(rest, 3);
    if (b->len != 3) {
        g_string_append(out, "qom-set: usage: qom-set [-j] path property "
                             "value\n");
        g_ptr_array_free(b, TRUE);
        return;
    }
    char *value = NULL;
    const char *v = b->pdata[2];
    if (!json) {
        /* A plain number stays a number; anything else is a string. */
        uint64_t n;
        char *end;
        errno = 0;
        n = strtoull(v, &end, 0);
        if (*v && !*end && !errno && v[0] != '-')
            value = g_strdup_printf("%" PRId64, (int64_t)n);
        else if (!strcmp(v, "on") || !strcmp(v, "true"))
            value = g_strdup("true");
        else if (!strcmp(v, "off") || !strcmp(v, "false"))
            value = g_strdup("false");
        else {
            char *q = g_strescape(v, NULL);
            value = g_strdup_printf("\"%s\"", q);
            g_free(q);
        }
    }
    if (!qom_set(b->pdata[0], b->pdata[1], value ? value : v, &nf, err,
                 sizeof(err)))
        g_string_append_printf(out, "Error: %s\n", err);
    g_free(value);
    g_ptr_array_free(b, TRUE);
}

static void cmd_gdbserver(GPtrArray *a, GString *out)
{
    char err[256] = "";
    const char *dev = a->len > 1 ? a->pdata[1] : NULL;
    if (!gdbserver_hook) {
        g_string_append(out, "gdbserver is not available in this build "
                             "(no gdb stub)\n");
        return;
    }
    if (gdbserver_hook(dev, err, sizeof(err)) < 0) {
        g_string_append_printf(out, "%s\n", err[0] ? err : "gdbserver failed");
        return;
    }
    if (dev && !strcmp(dev, "none"))
        g_string_append(out, "Disabled gdbserver\n");
    else
        g_string_append_printf(out, "Waiting for gdb connection on device "
                               "'%s'\n", dev ? dev : "tcp::1234");
}

static void cmd_log(GPtrArray *a, GString *out)
{
    char err[256];
    if (a->len != 2) {
        g_string_append(out, "log: usage: log item1[,...] (none turns the "
                             "log off)\n");
        return;
    }
    if (!strcmp(a->pdata[1], "none")) {
        log_mask = 0;
        return;
    }
    if (log_parse(a->pdata[1], err, sizeof(err)) < 0)
        g_string_append_printf(out, "%s\n", err);
}

static void cmd_logfile(GPtrArray *a, GString *out)
{
    if (a->len != 2) {
        g_string_append(out, "logfile: usage: logfile filename\n");
        return;
    }
    if (sandbox) {
        g_string_append(out, "logfile: writing files is disabled\n");
        return;
    }
    if (log_set_file(a->pdata[1]) < 0)
        g_string_append_printf(out, "could not open '%s'\n",
                               (char *)a->pdata[1]);
}

/* screendump FILE [-f ppm|png] (QEMU: "-f" before or after the name). */
static void cmd_screendump(GPtrArray *a, GString *out)
{
    const char *file = NULL, *format = "ppm";
    char err[512];

    for (guint i = 1; i < a->len; i++) {
        const char *s = a->pdata[i];
        if (!strcmp(s, "-f") && i + 1 < a->len)
            format = a->pdata[++i];
        else if (!file && strcmp(s, "-f"))
            file = s;
        else
            file = NULL, i = a->len;
    }
    if (!file) {
        g_string_append(out, "screendump: usage: screendump filename "
                             "[-f ppm|png]\n");
        return;
    }
    if (sandbox) {
        g_string_append(out, "screendump: writing files is disabled\n");
        return;
    }
    if (display_screendump(file, format, err, sizeof(err)) < 0)
        g_string_append_printf(out, "screendump: %s\n", err);
}

static void cmd_sendkey(GPtrArray *a, GString *out)
{
    if (a->len > 3) {
        g_string_append(out, "sendkey: too many arguments (sendkey KEYS "
                             "[HOLD_MS])\n");
        return;
    }
    input_hmp_sendkey(a->len > 1 ? a->pdata[1] : NULL,
                      a->len > 2 ? a->pdata[2] : NULL, out);
}

static void cmd_help(GPtrArray *a, GString *out);

typedef struct HmpCmd {
    const char *name, *alias, *args, *help;
    void (*fn)(GPtrArray *a, GString *out);
} HmpCmd;

/* Sorted by name, as QEMU's help lists them. */
static const HmpCmd hmp_cmds[] = {
    {"cont", "c", "", "resume emulation", cmd_cont},
    {"cpu", NULL, "index", "set the default CPU", cmd_cpu},
    {"gdbserver", NULL, "[device]",
     "start gdbserver on given device (default 'tcp::1234'), stop with 'none'",
     cmd_gdbserver},
    {"help", "?", "[cmd]", "show the help", cmd_help},
    {"info", NULL, "[subcommand]", "show various information about the system "
     "state", cmd_info},
    {"log", NULL, "item1[,...]", "activate logging of the specified items",
     cmd_log},
    {"logfile", NULL, "filename", "output logs to 'filename'", cmd_logfile},
    {"memsave", NULL, "addr size file",
     "save to disk virtual memory dump starting at 'addr' of size 'size'",
     cmd_memsave},
    {"pmemsave", NULL, "addr size file",
     "save to disk physical memory dump starting at 'addr' of size 'size'",
     cmd_pmemsave},
    {"qom-get", NULL, "path property", "print QOM property", cmd_qom_get},
    {"qom-list", NULL, "path", "list QOM properties", cmd_qom_list},
    {"qom-set", NULL, "[-j] path property value",
     "set QOM property.\n\t\t\t-j: the value is specified in json format.",
     NULL},
    {"quit", "q", "", "quit the emulator", cmd_quit},
    {"screendump", NULL, "filename [-f ppm|png]",
     "save screen from the first display as PPM (default) or PNG",
     cmd_screendump},
    {"sendkey", NULL, "keys [hold_ms]",
     "send keys to the VM (e.g. 'sendkey ctrl-alt-f1', default hold time=100 "
     "ms)", cmd_sendkey},
    {"stop", NULL, "", "stop emulation", cmd_stop},
    {"system_reset", NULL, "", "reset the system", cmd_system_reset},
    {"x", NULL, "/fmt addr", "virtual memory dump starting at 'addr'", cmd_x},
    {"xp", NULL, "/fmt addr", "physical memory dump starting at 'addr'",
     cmd_xp},
    {NULL, NULL, NULL, NULL, NULL},
};

static void help_line(const HmpCmd *c, GString *out)
{
    g_string_append_printf(out, "%s%s%s %s -- %s\n", c->name,
                           c->alias ? "|" : "", c->alias ? c->alias : "",
                           c->args, c->help);
}

static void cmd_help(GPtrArray *a, GString *out)
{
    for (const HmpCmd *c = hmp_cmds; c->name; c++) {
        if (a->len > 1 && strcmp(c->name, a->pdata[1]))
            continue;
        help_line(c, out);
        if (a->len > 1 && !strcmp(c->name, "info"))
            cmd_info(a, out);
        if (a->len > 1 && !strcmp(c->name, "sendkey"))
            input_hmp_sendkey_help(out);
    }
}

void hmp_execute(const char *line, GString *out, int cpu_index)
{
    unsigned saved_cpu = cur_cpu;
    GPtrArray *a = split_args(line, 64);

    if (cpu_index >= 0)
        cur_cpu = (unsigned)cpu_index;
    if (a->len > 0) {
        const char *name = a->pdata[0];
        const HmpCmd *c;
        for (c = hmp_cmds; c->name; c++)
            if (!strcmp(c->name, name) || (c->alias && !strcmp(c->alias, name)))
                break;
        if (!c->name) {
            g_string_append_printf(out, "unknown command: '%s'\n", name);
        } else if (!strcmp(c->name, "qom-set")) {
            const char *rest = strstr(line, name) + strlen(name);
            cmd_qom_set(a, out, rest);
        } else {
            c->fn(a, out);
        }
    }
    g_ptr_array_free(a, TRUE);
    if (cpu_index >= 0)
        cur_cpu = saved_cpu;
}

/* ---------------------------------------------------------------------- */
/* The monitor on a character backend                                      */

/* Writes text with "\r\n" line ends. */
static void mon_puts(Monitor *m, const char *s, size_t len)
{
    GString *o = g_string_sized_new(len + 16);
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\n')
            g_string_append_c(o, '\r');
        g_string_append_c(o, s[i]);
    }
    tessera_chr_write(m->chr, (const uint8_t *)o->str, o->len);
    g_string_free(o, TRUE);
}

static void mon_print(Monitor *m, const char *s)
{
    mon_puts(m, s, strlen(s));
}

static void mon_greet(Monitor *m)
{
    if (!m->banner) {
        char *b = g_strdup_printf("Tessera %s monitor - type 'help' for more "
                                  "information\n", PACKAGE_VERSION);
        mon_print(m, b);
        g_free(b);
        m->banner = true;
    }
    mon_print(m, MON_PROMPT);
}

static void mon_event(void *opaque, ChrEvent ev)
{
    Monitor *m = opaque;
    switch (ev) {
    case CHR_EVENT_OPENED:
        m->banner = false;
        g_string_truncate(m->line, 0);
        mon_greet(m);
        break;
    case CHR_EVENT_FOCUS:
        mon_greet(m);
        break;
    case CHR_EVENT_CLOSED:
        g_string_truncate(m->line, 0);
        m->overflow = false;
        break;
    }
}

static int mon_can_read(void *opaque)
{
    (void)opaque;
    return MON_LINE_MAX;
}

static void mon_run_line(Monitor *m)
{
    GString *out = g_string_new(NULL);
    mon_print(m, "\n");
    if (m->overflow)
        g_string_append(out, "command line too long\n");
    else
        hmp_execute(m->line->str, out, -1);
    mon_puts(m, out->str, out->len);
    g_string_free(out, TRUE);
    g_string_truncate(m->line, 0);
    m->overflow = false;
    if (!sched_exit_requested())
        mon_print(m, MON_PROMPT);
}

static void mon_receive(void *opaque, const uint8_t *buf, size_t len)
{
    Monitor *m = opaque;
    for (size_t i = 0; i < len && !sched_exit_requested(); i++) {
        uint8_t c = buf[i];
        if (m->esc) { /* ESC [ ... final byte: cursor keys, ignored */
            if (m->esc == 1)
                m->esc = c == '[' || c == 'O' ? 2 : 0;
            else if (c >= 0x40 && c <= 0x7e)
                m->esc = 0;
            continue;
        }
        bool cr = m->last_cr;
        m->last_cr = c == '\r';
        if (c == '\n' && cr)
            continue;
        if (c == '\r' || c == '\n') {
            mon_run_line(m);
        } else if (c == 0x7f || c == 0x08) {
            if (m->line->len > 0) {
                g_string_truncate(m->line, m->line->len - 1);
                mon_print(m, "\b \b");
            }
        } else if (c == 0x1b) {
            m->esc = 1;
        } else if (c >= 0x20 || c == '\t') {
            if (m->line->len >= MON_LINE_MAX) {
                m->overflow = true;
                continue;
            }
            g_string_append_c(m->line, (char)c);
            tessera_chr_write(m->chr, &c, 1); /* echo, as QEMU's readline */
        }
    }
}

bool monitor_attach(TesseraChardev *chr)
{
    Monitor *m = g_new0(Monitor, 1);
    m->chr = chr;
    m->line = g_string_new(NULL);
    if (!monitors)
        monitors = g_ptr_array_new();
    g_ptr_array_add(monitors, m);
    if (!chardev_add_frontend(chr, mon_can_read, mon_receive, mon_event, m)) {
        g_ptr_array_remove(monitors, m);
        g_string_free(m->line, TRUE);
        g_free(m);
        return false;
    }
    return true;
}

void monitor_cleanup(void)
{
    for (unsigned i = 0; monitors && i < monitors->len; i++) {
        Monitor *m = monitors->pdata[i];
        g_string_free(m->line, TRUE);
        g_free(m);
    }
    if (monitors)
        g_ptr_array_free(monitors, TRUE);
    monitors = NULL;
    qmp_cleanup_sessions();
}
