/* SPDX-License-Identifier: MIT */
#include "kernel/machine.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/bus.h"
#include "kernel/cpu.h"
#include "kernel/device.h"
#include "kernel/fdt.h"
#include "kernel/monitor.h"
#include "kernel/plugin.h"
#include "kernel/sched.h"
#include "kernel/util.h"
#include "loader/loader.h"

Machine machine;

static const char *const board_keys[] = {"name", "description", "logic",
                                         "aliases", "nic-model", NULL};
static const char *const cpu_keys[] = {"arch", "model", "count",
                                       "max-count", "frequency", NULL};
static const char *const memory_keys[] = {"base", "size", "type", "target",
                                           NULL};

#define MAX_CPUS 64

static char *where(BoardConfig *cfg, int line)
{
    return g_strdup_printf("%s:%d", cfg->path, line);
}

static bool check_keys(BoardConfig *cfg, BoardSection *s,
                       const char *const *allowed)
{
    char err[1024];
    if (board_check_keys(cfg, s, allowed, err, sizeof(err)))
        return true;
    tessera_error("%s", err);
    return false;
}

/* A number key of a section; returns false after an error message. */
static bool get_u64(BoardConfig *cfg, BoardSection *s, const char *key,
                    bool required, uint64_t *out)
{
    BoardKV *kv = board_get(s, key);
    if (!kv) {
        if (required)
            tessera_error("%s:%d: [%s%s%s] needs '%s'", cfg->path, s->line,
                          s->kind == SECTION_MEMORY ? "memory" : "cpu",
                          *s->name ? " " : "", s->name, key);
        return !required;
    }
    if (!util_parse_u64(kv->value, out)) {
        tessera_error("%s:%d: %s = '%s' is not a number (examples: 4096, "
                      "0x80000000, 128M)",
                      cfg->path, kv->line, key, kv->value);
        return false;
    }
    return true;
}

/* [cpu] frequency: a clock rate (util_parse_freq: 16M is 16 MHz). */
static bool get_frequency(BoardConfig *cfg, BoardSection *s, uint64_t *out)
{
    BoardKV *kv = board_get(s, "frequency");
    if (!kv || util_parse_freq(kv->value, out))
        return true;
    tessera_error("%s:%d: frequency = '%s' is not a clock rate (examples: "
                  "16M, 16MHz, 16000000)",
                  cfg->path, kv->line, kv->value);
    return false;
}

/* The [board] name, for messages. */
static const char *board_name(void)
{
    BoardKV *name = board_get(board_section(machine.cfg, SECTION_BOARD),
                              "name");
    return name ? name->value : machine.cfg->path;
}

static int create_cpus(const MachineOptions *opts)
{
    BoardConfig *cfg = machine.cfg;
    bool first = true;

    for (size_t i = 0; i < cfg->nsections; i++) {
        BoardSection *s = &cfg->sections[i];
        if (s->kind != SECTION_CPU)
            continue;
        if (!check_keys(cfg, s, cpu_keys))
            return -1;
        BoardKV *arch_kv = board_get(s, "arch");
        if (!arch_kv) {
            tessera_error("%s:%d: [cpu] needs 'arch' (e.g. arch = riscv)",
                          cfg->path, s->line);
            return -1;
        }
        char *w = where(cfg, arch_kv->line);
        const TesseraArchClass *arch = plugin_find_arch(arch_kv->value, w);
        g_free(w);
        if (!arch)
            return -1;

        uint64_t count = 1, max = MAX_CPUS;
        if (!get_u64(cfg, s, "count", false, &count) ||
            !get_u64(cfg, s, "max-count", false, &max))
            return -1;
        BoardKV *max_kv = board_get(s, "max-count");
        if (first && opts->smp && opts->smp > max) {
            /* As QEMU: "Invalid SMP CPUs 2. The max CPUs supported ..." */
            tessera_error("-smp %u: the board '%s' supports at most %" PRIu64
                          " CPU%s (%s:%d)",
                          opts->smp, board_name(), max, max == 1 ? "" : "s",
                          cfg->path, max_kv ? max_kv->line : s->line);
            return -1;
        }
        if (first && opts->smp)
            count = opts->smp;
        if (count > max) {
            tessera_error("%s:%d: count = %" PRIu64 " is more than max-count "
                          "= %" PRIu64, cfg->path, s->line, count, max);
            return -1;
        }
        uint64_t freq = 0;
        if (!get_frequency(cfg, s, &freq))
            return -1;
        if (first && freq)
            sched_set_frequency(freq); /* 16M: 16 MHz, 1 cycle = 62.5 ns */
        BoardKV *model_kv = board_get(s, "model");
        const char *model_name = model_kv ? model_kv->value
                                          : arch->default_model;
        const char *model_where = model_kv ? NULL : "";
        if (first && opts->cpu_model) {
            model_name = opts->cpu_model;
            model_where = "-cpu";
        }
        const TesseraCpuModel *model = NULL;
        for (const TesseraCpuModel *m = arch->models; m && m->name; m++)
            if (model_name && !strcmp(m->name, model_name))
                model = m;
        if (!model) {
            GString *names = g_string_new(NULL);
            for (const TesseraCpuModel *m = arch->models; m && m->name; m++)
                g_string_append_printf(names, "%s%s", names->len ? ", " : "",
                                       m->name);
            if (model_where && *model_where)
                tessera_error("%s: '%s' is not a %s CPU model (models: %s)",
                              model_where, model_name ? model_name : "",
                              arch->name, names->str);
            else
                tessera_error("%s:%d: model '%s' is not a %s CPU model "
                              "(models: %s)",
                              cfg->path, model_kv ? model_kv->line : s->line,
                              model_name ? model_name : "", arch->name,
                              names->str);
            g_string_free(names, TRUE);
            return -1;
        }
        if (count == 0 || machine.ncpus + count > MAX_CPUS) {
            tessera_error("%s:%d: CPU count %" PRIu64 " out of range (1..%d "
                          "in all)",
                          cfg->path, s->line, count, MAX_CPUS);
            return -1;
        }
        machine.cpus = g_renew(Cpu *, machine.cpus, machine.ncpus + count);
        for (uint64_t k = 0; k < count; k++) {
            Cpu *cpu = cpu_new(arch, model, machine.ncpus);
            if (!cpu)
                return -1;
            machine.cpus[machine.ncpus++] = cpu;
        }
        first = false;
    }
    if (machine.ncpus == 0) {
        tessera_error("%s: the board has no [cpu] section", cfg->path);
        return -1;
    }
    return 0;
}

static int create_memory(const MachineOptions *opts)
{
    BoardConfig *cfg = machine.cfg;
    bool ram_seen = false;

    for (size_t i = 0; i < cfg->nsections; i++) {
        BoardSection *s = &cfg->sections[i];
        uint64_t base, size;
        if (s->kind != SECTION_MEMORY)
            continue;
        if (!check_keys(cfg, s, memory_keys) ||
            !get_u64(cfg, s, "base", true, &base) ||
            !get_u64(cfg, s, "size", true, &size))
            return -1;
        BoardKV *type = board_get(s, "type");
        const char *t = type ? type->value : "ram";
        Region *r;
        if (!strcmp(t, "ram")) {
            bool from_m = !ram_seen && opts->ram_size;
            if (from_m)
                size = opts->ram_size;
            if (!ram_seen) {
                machine.boot.ram_base = base;
                machine.boot.ram_size = size;
            }
            ram_seen = true;
            /* The size came from -m: errors blame it, not the file. */
            char *blame = from_m ? g_strdup_printf("-m %s", opts->ram_size_arg)
                                 : NULL;
            bus_set_blame(blame);
            r = bus_add_ram(s->name, base, size);
            bus_set_blame(NULL);
            g_free(blame);
            if (!r && from_m)
                return -1;
        } else if (!strcmp(t, "rom")) {
            r = bus_add_rom(s->name, base, size);
        } else if (!strcmp(t, "unimplemented")) {
            r = bus_add_unimp(s->name, base, size);
        } else if (!strcmp(t, "alias")) {
            uint64_t target;
            if (!get_u64(cfg, s, "target", true, &target))
                return -1;
            r = bus_add_alias(s->name, base, size, target);
        } else {
            tessera_error("%s:%d: type = '%s': expected ram, rom, alias or "
                          "unimplemented",
                          cfg->path, type->line, t);
            return -1;
        }
        if (strcmp(t, "alias") && board_get(s, "target")) {
            tessera_error("%s:%d: 'target' is only for type = alias",
                          cfg->path, board_get(s, "target")->line);
            return -1;
        }
        if (!r) {
            tessera_error("%s:%d: cannot add [memory %s]", cfg->path, s->line,
                          s->name);
            return -1;
        }
    }
    return 0;
}

const char *machine_default_nic(const char *board)
{
    static char model[128];
    char err[1024];
    char *path = board_find(board);
    BoardConfig *cfg = path ? board_load(path, err, sizeof(err)) : NULL;
    BoardSection *bs = cfg ? board_section(cfg, SECTION_BOARD) : NULL;
    BoardKV *kv = bs ? board_get(bs, "nic-model") : NULL;
    const char *r = NULL;
    if (kv) {
        snprintf(model, sizeof(model), "%s", kv->value);
        r = model;
    }
    if (cfg)
        board_free(cfg);
    g_free(path);
    return r;
}

/*
 * -device TYPE[,id=NAME][,prop=value...]: a class with a slot type takes
 * the place of the first free device of that type in specs (see
 * TesseraDeviceClass.slot_type), keeping its name (unless id= is given),
 * its place and the slot's properties the class also declares.
 */
static int apply_cli_device(GPtrArray *specs, const char *text)
{
    GPtrArray *parts = util_split_opts(text);
    char *where = g_strdup_printf("-device %s", text);
    const char *type = parts->pdata[0];
    int r = -1;

    const TesseraDeviceClass *cls = *type ? plugin_find_device(type, where)
                                          : NULL;
    if (!*type)
        tessera_error("%s: no device type", where);
    if (!cls)
        goto out;
    if (!cls->slot_type) {
        tessera_error("%s: %s cannot be added on the command line (it needs "
                      "an address and wiring): add a [device] section to a "
                      "board file", where, type);
        goto out;
    }
    DeviceSpec *slot = NULL;
    guint slot_i = 0;
    for (guint i = 0; i < specs->len; i++) {
        DeviceSpec *sp = specs->pdata[i];
        if (!strcmp(sp->type, cls->slot_type)) {
            slot = sp;
            slot_i = i;
            break;
        }
    }
    if (!slot) {
        tessera_error("%s: no free %s slot left on board '%s'", where,
                      cls->slot_type, board_name());
        goto out;
    }
    const char *name = slot->name;
    for (guint i = 1; i < parts->len; i++)
        if (g_str_has_prefix(parts->pdata[i], "id="))
            name = (const char *)parts->pdata[i] + 3;
    for (guint i = 0; i < specs->len; i++) {
        DeviceSpec *sp = specs->pdata[i];
        if (i != slot_i && !strcmp(sp->name, name)) {
            tessera_error("%s: a device named '%s' exists already", where,
                          name);
            goto out;
        }
    }
    DeviceSpec *sp = device_spec_new(name, type, where, where);
    for (guint i = 0; i < slot->keys->len; i++) {
        const char *key = slot->keys->pdata[i];
        for (const TesseraProp *p = cls->props; p && p->name; p++)
            if (!strcmp(p->name, key))
                device_spec_set(sp, key, slot->values->pdata[i],
                                slot->wheres->pdata[i]);
    }
    for (guint i = 1; i < parts->len; i++) {
        const char *kv = parts->pdata[i];
        const char *eq = strchr(kv, '=');
        if (g_str_has_prefix(kv, "id="))
            continue;
        if (!eq) {
            tessera_error("%s: '%s' is not PROP=VALUE", where, kv);
            device_spec_free(sp);
            goto out;
        }
        char *key = g_strndup(kv, eq - kv);
        device_spec_set(sp, key, eq + 1, where);
        g_free(key);
    }
    device_spec_free(slot);
    specs->pdata[slot_i] = sp;
    r = 0;
out:
    g_free(where);
    g_ptr_array_free(parts, TRUE);
    return r;
}

int machine_create(const MachineOptions *opts)
{
    char err[1024];

    machine.board_path = board_find(opts->board);
    if (!machine.board_path) {
        tessera_error("unknown board '%s' (use -M help for a list, or give "
                      "a path to a .ini file)",
                      opts->board);
        return -1;
    }
    machine.cfg = board_load(machine.board_path, err, sizeof(err));
    if (!machine.cfg) {
        tessera_error("%s", err);
        return -1;
    }
    BoardConfig *cfg = machine.cfg;
    BoardSection *bs = board_section(cfg, SECTION_BOARD);
    if (!check_keys(cfg, bs, board_keys))
        return -1;
    BoardKV *logic = board_get(bs, "logic");
    if (logic) {
        char *w = where(cfg, logic->line);
        machine.logic = plugin_find_board(logic->value, w);
        g_free(w);
        if (!machine.logic)
            return -1;
    }
    if (create_cpus(opts) < 0 || create_memory(opts) < 0)
        return -1;
    GPtrArray *specs = g_ptr_array_new_with_free_func(
        (GDestroyNotify)device_spec_free);
    int r = 0;
    for (size_t i = 0; r == 0 && i < cfg->nsections; i++) {
        BoardSection *s = &cfg->sections[i];
        DeviceSpec *sp;
        if (s->kind != SECTION_DEVICE)
            continue;
        if (!(sp = device_spec_from_section(cfg, s)))
            r = -1;
        else
            g_ptr_array_add(specs, sp);
    }
    for (guint i = 0; r == 0 && opts->devices && i < opts->devices->len; i++)
        r = apply_cli_device(specs, opts->devices->pdata[i]);
    for (guint i = 0; r == 0 && i < specs->len; i++)
        if (!device_create_spec(specs->pdata[i], opts->sets))
            r = -1;
    g_ptr_array_free(specs, TRUE);
    if (r < 0)
        return -1;
    if (device_check_sets(opts->sets) < 0 || device_wire_all() < 0)
        return -1;

    machine.boot.bios = opts->bios;
    machine.boot.kernel = opts->kernel;
    machine.boot.initrd = opts->initrd;
    machine.boot.dtb = opts->dtb;
    machine.boot.append = opts->append;
    machine.boot.ncpus = machine.ncpus;
    return 0;
}

/* Loads one image: ELF and Intel HEX where they say, raw at addr. */
static int load_image(const char *path, uint64_t addr, uint64_t *entry)
{
    if (tessera_file_is_elf(path))
        return tessera_load_elf(path, entry, NULL, NULL);
    if (tessera_file_is_ihex(path)) /* addresses are absolute */
        return tessera_load_ihex(path, 0, entry, NULL, NULL);
    uint64_t size;
    *entry = addr;
    return tessera_load_raw(path, addr, &size);
}

/*
 * Where a raw image goes without board logic: where CPU 0 starts after
 * reset when that is RAM or ROM (a microcontroller's flash at 0), else the
 * start of the first RAM region.
 */
static uint64_t raw_load_address(const TesseraBootInfo *b)
{
    uint64_t pc = tessera_cpu_get_pc(machine.cpus[0]);
    Region *r = bus_lookup(pc);
    if (r && (r->kind == REGION_RAM || r->kind == REGION_ROM))
        return pc;
    return b->ram_base;
}

/* Without board logic: firmware and/or kernel, every CPU at the entry. */
static int default_boot(const TesseraBootInfo *b)
{
    uint64_t entry = 0, raw_at = raw_load_address(b);
    bool have_entry = false;
    const char *unused = b->initrd ? "-initrd" : b->append ? "-append"
                         : b->dtb  ? "-dtb"
                                   : NULL;

    if (unused) {
        tessera_error("%s: the board '%s' has no boot logic that passes it "
                      "to the guest (only -bios and -kernel are loaded)",
                      unused, board_name());
        return -1;
    }
    if (b->bios && strcmp(b->bios, "none")) {
        if (load_image(b->bios, raw_at, &entry) < 0)
            return -1;
        have_entry = true;
    }
    if (b->kernel) {
        uint64_t kentry;
        if (load_image(b->kernel, raw_at, &kentry) < 0)
            return -1;
        if (!have_entry)
            entry = kentry;
        have_entry = true;
    }
    if (!have_entry) {
        tessera_error("nothing to run: give -kernel FILE (ELF or raw "
                      "binary) or -bios FILE");
        return -1;
    }
    for (unsigned i = 0; i < machine.ncpus; i++)
        tessera_cpu_set_pc(machine.cpus[i], entry);
    return 0;
}

int machine_reset(void)
{
    for (unsigned i = 0; i < machine.ncpus; i++)
        cpu_reset(machine.cpus[i]);
    loader_symbols_clear();
    loader_placements_clear();
    int r = machine.logic ? machine.logic->boot(&machine.boot)
                          : default_boot(&machine.boot);
    if (r < 0)
        return -1;
    device_reset_all();
    /* A device found a configuration error it could only see now. */
    if (sched_exit_requested())
        return -1;
    return 0;
}

void machine_destroy(void)
{
    loader_placements_clear();
    fdt_cleanup();
    device_destroy_all();
    for (unsigned i = 0; i < machine.ncpus; i++)
        cpu_free(machine.cpus[i]);
    g_free(machine.cpus);
    bus_reset_all();
    board_free(machine.cfg);
    g_free(machine.board_path);
    memset(&machine, 0, sizeof(machine));
}

TesseraCpu *tessera_cpu_by_index(unsigned i)
{
    return i < machine.ncpus ? machine.cpus[i] : NULL;
}

bool machine_semihosting;

bool tessera_semihosting_enabled(void)
{
    return machine_semihosting;
}

void tessera_request_exit(int status)
{
    if (!sched_exit_requested())
        qmp_event_shutdown(true, "guest-shutdown");
    sched_request_exit(status);
    for (unsigned i = 0; i < machine.ncpus; i++)
        cpu_stop(machine.cpus[i]);
}

void tessera_request_reset(void)
{
    qmp_event_reset(true, "guest-reset");
    sched_request_reset();
    for (unsigned i = 0; i < machine.ncpus; i++)
        cpu_stop(machine.cpus[i]);
}
