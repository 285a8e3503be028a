/* SPDX-License-Identifier: MIT */
#include "kernel/device.h"

#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "kernel/bus.h"
#include "kernel/chardev.h"
#include "kernel/cpu.h"
#include "kernel/drive.h"
#include "kernel/log.h"
#include "kernel/machine.h"
#include "kernel/plugin.h"
#include "kernel/util.h"

/* A parsed property value. */
typedef struct PropValue {
    const TesseraProp *decl;
    char *text;  /* as written (or the default) */
    char *where; /* "file:line" or "-set" or "default" */
    uint64_t u64;
    bool b;
} PropValue;

struct TesseraIrq {
    TesseraDevice *dev; /* target device, or NULL for a CPU */
    Cpu *cpu;
    unsigned line;
};

/* An IRQ output property: the references and, once wired, the lines. */
typedef struct IrqOut {
    const char *name;
    char *where;
    char **targets; /* "plic0" / "cpu0" */
    char **inputs;  /* "10" / "mtip" */
    unsigned count;
    TesseraIrq *lines;
} IrqOut;

struct TesseraDevice {
    char *name;
    const TesseraDeviceClass *cls;
    void *state;
    GHashTable *props; /* name -> PropValue */
    GPtrArray *irq_outs;
    unsigned nin;
    TesseraIrqHandler in_handler;
    void *in_opaque;
    char *where; /* file:line of the section */
};

static GPtrArray *devices;

static PropValue *prop(TesseraDevice *dev, const char *name)
{
    PropValue *p = g_hash_table_lookup(dev->props, name);
    if (!p) {
        /* A plugin bug, not a user error: say so loudly. */
        tessera_error("device %s (%s) asked for undeclared property '%s'",
                      dev->name, dev->cls->name, name);
    }
    return p;
}

uint64_t tessera_dev_prop_u64(TesseraDevice *dev, const char *name)
{
    PropValue *p = prop(dev, name);
    return p ? p->u64 : 0;
}

bool tessera_dev_prop_bool(TesseraDevice *dev, const char *name)
{
    PropValue *p = prop(dev, name);
    return p ? p->b : false;
}

const char *tessera_dev_prop_str(TesseraDevice *dev, const char *name)
{
    PropValue *p = prop(dev, name);
    return p ? p->text : NULL;
}

const char *tessera_dev_name(TesseraDevice *dev)
{
    return dev->name;
}

const char *tessera_dev_type(TesseraDevice *dev)
{
    return dev->cls->name;
}

void *tessera_dev_state(TesseraDevice *dev)
{
    return dev->state;
}

TesseraDevice *tessera_device_find(const char *name)
{
    for (guint i = 0; devices && i < devices->len; i++) {
        TesseraDevice *d = devices->pdata[i];
        if (!strcmp(d->name, name))
            return d;
    }
    return NULL;
}

TesseraDevice *tessera_device_find_type(const char *type)
{
    for (guint i = 0; devices && i < devices->len; i++) {
        TesseraDevice *d = devices->pdata[i];
        if (!strcmp(d->cls->name, type))
            return d;
    }
    return NULL;
}

int tessera_dev_map_mmio(TesseraDevice *dev, uint64_t base, uint64_t size,
                         const TesseraMmioOps *ops, void *opaque)
{
    /* Caught here, not at the guest's first access to the region. */
    if (!ops || !ops->read || !ops->write) {
        tessera_error("%s: [device %s] (%s, plugin %s) maps MMIO at 0x%" PRIx64
                      " without %s callback: a plugin bug",
                      dev->where, dev->name, dev->cls->name,
                      plugin_file_of(dev->cls), base,
                      !ops ? "an ops table" : !ops->read ? "a read" : "a write");
        return -1;
    }
    return bus_add_mmio(dev->name, base, size, ops, opaque) ? 0 : -1;
}

void tessera_dev_irq_inputs(TesseraDevice *dev, unsigned count,
                            TesseraIrqHandler handler, void *opaque)
{
    dev->nin = count;
    dev->in_handler = handler;
    dev->in_opaque = opaque;
}

static IrqOut *irq_out(TesseraDevice *dev, const char *name)
{
    for (guint i = 0; i < dev->irq_outs->len; i++) {
        IrqOut *o = dev->irq_outs->pdata[i];
        if (!strcmp(o->name, name))
            return o;
    }
    return NULL;
}

TesseraIrq *tessera_dev_irq_out(TesseraDevice *dev, const char *name,
                                unsigned index)
{
    IrqOut *o = irq_out(dev, name);
    if (!o || !o->lines || index >= o->count)
        return NULL;
    return &o->lines[index];
}

unsigned tessera_dev_irq_out_count(TesseraDevice *dev, const char *name)
{
    IrqOut *o = irq_out(dev, name);
    return o ? o->count : 0;
}

void tessera_irq_set(TesseraIrq *irq, int level)
{
    if (!irq)
        return;
    if (irq->cpu)
        cpu_irq_set(irq->cpu, irq->line, level != 0);
    else if (irq->dev->in_handler)
        irq->dev->in_handler(irq->dev->in_opaque, irq->line, level != 0);
}

TesseraChardev *tessera_dev_chardev(TesseraDevice *dev, const char *name)
{
    PropValue *p = prop(dev, name);
    if (!p || !p->text || !*p->text)
        return NULL;
    return chardev_find(p->text);
}

unsigned tessera_cpu_count(void)
{
    return machine.ncpus;
}

/* ---------------------------------------------------------------------- */

/* Splits an IRQ list into references, expanding cpu* per CPU. */
static bool parse_irq_refs(IrqOut *o, const char *text, char *err,
                           size_t errlen)
{
    char **items = g_strsplit(text, ",", -1);
    GPtrArray *t = g_ptr_array_new(), *in = g_ptr_array_new();
    unsigned nstar = 0, nitems = 0;
    bool ok = true;

    for (char **it = items; *it && ok; it++) {
        char *ref = g_strstrip(*it);
        if (!*ref)
            continue;
        char *colon = strchr(ref, ':');
        if (!colon || colon == ref || !colon[1]) {
            snprintf(err, errlen, "'%s' is not an IRQ reference DEVICE:INPUT",
                     ref);
            ok = false;
            break;
        }
        nitems++;
        if (!strncmp(ref, "cpu*", 4) && colon == ref + 4)
            nstar++;
    }
    if (ok && nstar && nstar != nitems) {
        snprintf(err, errlen, "cpu* cannot be mixed with other references");
        ok = false;
    }
    unsigned reps = nstar ? machine.ncpus : 1;
    for (unsigned r = 0; ok && r < reps; r++) {
        for (char **it = items; *it; it++) {
            char *ref = *it;
            if (!*ref)
                continue;
            char *colon = strchr(ref, ':');
            g_ptr_array_add(t, nstar ? g_strdup_printf("cpu%u", r)
                                     : g_strndup(ref, colon - ref));
            g_ptr_array_add(in, g_strdup(colon + 1));
        }
    }
    g_strfreev(items);
    o->count = t->len;
    g_ptr_array_add(t, NULL);
    g_ptr_array_add(in, NULL);
    o->targets = (char **)g_ptr_array_free(t, FALSE);
    o->inputs = (char **)g_ptr_array_free(in, FALSE);
    return ok;
}

static bool parse_value(TesseraDevice *dev, PropValue *v, IrqOut **irq,
                        char *err, size_t errlen)
{
    switch (v->decl->type) {
    case TESSERA_PROP_U64:
        if (!util_parse_u64(v->text, &v->u64)) {
            snprintf(err, errlen, "'%s' is not a number", v->text);
            return false;
        }
        return true;
    case TESSERA_PROP_FREQ:
        if (!util_parse_freq(v->text, &v->u64)) {
            snprintf(err, errlen, "'%s' is not a frequency in Hz (examples: "
                     "16M, 16MHz, 16000000; K/M/G are powers of 1000)", v->text);
            return false;
        }
        return true;
    case TESSERA_PROP_BOOL:
        if (!util_parse_bool(v->text, &v->b)) {
            snprintf(err, errlen, "'%s' is not on/off", v->text);
            return false;
        }
        return true;
    case TESSERA_PROP_IRQ: {
        IrqOut *o = g_new0(IrqOut, 1);
        o->name = v->decl->name;
        o->where = g_strdup(v->where);
        *irq = o;
        return parse_irq_refs(o, v->text, err, errlen);
    }
    case TESSERA_PROP_CHARDEV:
        if (*v->text && !chardev_find(v->text)) {
            /* Extra serial ports nobody asked for go nowhere, as in QEMU. */
            if (g_str_has_prefix(v->text, "serial"))
                return chardev_new(v->text, "null", err, errlen) != NULL;
            snprintf(err, errlen,
                     "no character backend '%s' (define it with -chardev or "
                     "-serial)",
                     v->text);
            return false;
        }
        return true;
    case TESSERA_PROP_DRIVE: {
        const char *owner;
        if (!*v->text)
            return true;
        TesseraDrive *d = drive_find(v->text);
        if (!d) {
            snprintf(err, errlen, "no drive '%s' (define it with -drive "
                     "if=none,id=%s,file=...)", v->text, v->text);
            return false;
        }
        if (!drive_claim(d, dev->name, &owner)) {
            snprintf(err, errlen, "drive '%s' is already used by %s",
                     v->text, owner);
            return false;
        }
        return true;
    }
    default:
        return true;
    }
}

TesseraDrive *tessera_dev_drive(TesseraDevice *dev, const char *name)
{
    PropValue *v = prop(dev, name);
    if (!v || v->decl->type != TESSERA_PROP_DRIVE || !*v->text)
        return NULL;
    return drive_find(v->text);
}

static const TesseraProp *find_decl(const TesseraDeviceClass *cls,
                                    const char *name)
{
    for (const TesseraProp *p = cls->props; p && p->name; p++)
        if (!strcmp(p->name, name))
            return p;
    return NULL;
}

static char *prop_names(const TesseraDeviceClass *cls)
{
    GString *s = g_string_new("type");
    for (const TesseraProp *p = cls->props; p && p->name; p++)
        g_string_append_printf(s, ", %s", p->name);
    return g_string_free(s, FALSE);
}

static void free_device(TesseraDevice *dev)
{
    if (dev->state && dev->cls->finalize)
        dev->cls->finalize(dev, dev->state);
    g_hash_table_destroy(dev->props);
    for (guint i = 0; i < dev->irq_outs->len; i++) {
        IrqOut *o = dev->irq_outs->pdata[i];
        g_strfreev(o->targets);
        g_strfreev(o->inputs);
        g_free(o->lines);
        g_free(o->where);
        g_free(o);
    }
    g_ptr_array_free(dev->irq_outs, TRUE);
    g_free(dev->state);
    g_free(dev->name);
    g_free(dev->where);
    g_free(dev);
}

static void free_prop(gpointer p)
{
    PropValue *v = p;
    g_free(v->text);
    g_free(v->where);
    g_free(v);
}

static bool set_prop(TesseraDevice *dev, const char *key, const char *value,
                     const char *where)
{
    char err[512];
    const TesseraProp *decl = find_decl(dev->cls, key);
    if (!decl) {
        char *names = prop_names(dev->cls);
        tessera_error("%s: [device %s]: %s has no property '%s' (it has: %s)",
                      where, dev->name, dev->cls->name, key, names);
        g_free(names);
        return false;
    }
    PropValue *v = g_new0(PropValue, 1);
    v->decl = decl;
    v->text = g_strdup(value);
    v->where = g_strdup(where);
    IrqOut *irq = NULL;
    if (!parse_value(dev, v, &irq, err, sizeof(err))) {
        tessera_error("%s: [device %s] %s = %s: %s", where, dev->name, key,
                      value, err);
        free_prop(v);
        if (irq) {
            g_strfreev(irq->targets);
            g_strfreev(irq->inputs);
            g_free(irq->where);
            g_free(irq);
        }
        return false;
    }
    if (irq) {
        IrqOut *old = irq_out(dev, key);
        if (old) {
            g_ptr_array_remove(dev->irq_outs, old);
            g_strfreev(old->targets);
            g_strfreev(old->inputs);
            g_free(old->where);
            g_free(old);
        }
        g_ptr_array_add(dev->irq_outs, irq);
    }
    g_hash_table_replace(dev->props, (gpointer)decl->name, v);
    return true;
}

DeviceSpec *device_spec_new(const char *name, const char *type,
                            const char *where, const char *type_where)
{
    DeviceSpec *sp = g_new0(DeviceSpec, 1);
    sp->name = g_strdup(name);
    sp->type = g_strdup(type);
    sp->where = g_strdup(where);
    sp->type_where = g_strdup(type_where);
    sp->keys = g_ptr_array_new_with_free_func(g_free);
    sp->values = g_ptr_array_new_with_free_func(g_free);
    sp->wheres = g_ptr_array_new_with_free_func(g_free);
    return sp;
}

void device_spec_set(DeviceSpec *sp, const char *key, const char *value,
                     const char *where)
{
    for (guint i = 0; i < sp->keys->len; i++) {
        if (!strcmp(sp->keys->pdata[i], key)) {
            g_free(sp->values->pdata[i]);
            g_free(sp->wheres->pdata[i]);
            sp->values->pdata[i] = g_strdup(value);
            sp->wheres->pdata[i] = g_strdup(where);
            return;
        }
    }
    g_ptr_array_add(sp->keys, g_strdup(key));
    g_ptr_array_add(sp->values, g_strdup(value));
    g_ptr_array_add(sp->wheres, g_strdup(where));
}

void device_spec_free(DeviceSpec *sp)
{
    if (!sp)
        return;
    g_free(sp->name);
    g_free(sp->type);
    g_free(sp->where);
    g_free(sp->type_where);
    g_ptr_array_free(sp->keys, TRUE);
    g_ptr_array_free(sp->values, TRUE);
    g_ptr_array_free(sp->wheres, TRUE);
    g_free(sp);
}

DeviceSpec *device_spec_from_section(BoardConfig *cfg, BoardSection *s)
{
    char where[512], twhere[512];
    BoardKV *type = board_get(s, "type");

    snprintf(where, sizeof(where), "%s:%d", cfg->path, s->line);
    if (!type) {
        tessera_error("%s: [device %s] has no 'type' (see -device help)",
                      where, s->name);
        return NULL;
    }
    snprintf(twhere, sizeof(twhere), "%s:%d", cfg->path, type->line);
    DeviceSpec *sp = device_spec_new(s->name, type->value, where, twhere);
    for (size_t i = 0; i < s->nkvs; i++) {
        if (!strcmp(s->kvs[i].key, "type"))
            continue;
        snprintf(where, sizeof(where), "%s:%d", cfg->path, s->kvs[i].line);
        device_spec_set(sp, s->kvs[i].key, s->kvs[i].value, where);
    }
    return sp;
}

TesseraDevice *device_create(BoardConfig *cfg, BoardSection *s,
                             GPtrArray *sets)
{
    DeviceSpec *sp = device_spec_from_section(cfg, s);
    if (!sp)
        return NULL;
    TesseraDevice *dev = device_create_spec(sp, sets);
    device_spec_free(sp);
    return dev;
}

TesseraDevice *device_create_spec(const DeviceSpec *sp, GPtrArray *sets)
{
    const TesseraDeviceClass *cls = plugin_find_device(sp->type,
                                                       sp->type_where);
    if (!cls)
        return NULL;

    TesseraDevice *dev = g_new0(TesseraDevice, 1);
    dev->name = g_strdup(sp->name);
    dev->cls = cls;
    dev->props = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                       free_prop);
    dev->irq_outs = g_ptr_array_new();
    dev->where = g_strdup(sp->where);
    bool ok = true;

    for (guint i = 0; ok && i < sp->keys->len; i++)
        ok = set_prop(dev, sp->keys->pdata[i], sp->values->pdata[i],
                      sp->wheres->pdata[i]);
    size_t nlen = strlen(dev->name);
    for (guint i = 0; ok && sets && i < sets->len; i++) {
        const char *set = sets->pdata[i];
        const char *eq = strchr(set, '=');
        if (strncmp(set, dev->name, nlen) || set[nlen] != '.' || !eq)
            continue;
        char *key = g_strndup(set + nlen + 1, eq - (set + nlen + 1));
        ok = set_prop(dev, key, eq + 1, "-set");
        g_free(key);
    }
    for (const TesseraProp *p = cls->props; ok && p && p->name; p++) {
        if (g_hash_table_contains(dev->props, p->name))
            continue;
        if (!p->default_value) {
            tessera_error("%s: [device %s]: property '%s' of %s is required "
                          "(%s)",
                          dev->where, dev->name, p->name, cls->name,
                          p->help ? p->help : "no default");
            ok = false;
            break;
        }
        ok = set_prop(dev, p->name, p->default_value, "default");
    }
    if (ok) {
        dev->state = g_malloc0(cls->state_size ? cls->state_size : 1);
        if (!devices)
            devices = g_ptr_array_new();
        g_ptr_array_add(devices, dev);
        unsigned errors = log_error_count();
        if (cls->realize && cls->realize(dev, dev->state) != 0) {
            /* One line per problem: only when the device said nothing. */
            if (log_error_count() == errors)
                tessera_error("%s: [device %s] (%s) could not be set up",
                              dev->where, dev->name, cls->name);
            g_ptr_array_remove(devices, dev);
            ok = false;
        }
    }
    if (!ok) {
        free_device(dev);
        return NULL;
    }
    return dev;
}

static Cpu *cpu_named(const char *name)
{
    if (strncmp(name, "cpu", 3) || !g_ascii_isdigit(name[3]))
        return NULL;
    uint64_t i;
    if (!util_parse_u64(name + 3, &i) || i >= machine.ncpus)
        return NULL;
    return machine.cpus[i];
}

static bool resolve_input(TesseraDevice *dev, IrqOut *o, unsigned k,
                          TesseraIrq *line)
{
    const char *target = o->targets[k], *input = o->inputs[k];
    uint64_t n;
    Cpu *cpu = cpu_named(target);

    if (cpu) {
        const char *const *names = cpu_arch(cpu)->irq_inputs;
        unsigned count = 0;
        bool found = false;
        for (; names && names[count]; count++) {
            if (!strcmp(names[count], input)) {
                n = count;
                found = true;
            }
        }
        if (!found && util_parse_u64(input, &n) && n < count)
            found = true;
        if (!found) {
            GString *list = g_string_new(NULL);
            for (unsigned j = 0; j < count; j++)
                g_string_append_printf(list, "%s%s", j ? ", " : "", names[j]);
            tessera_error("%s: [device %s] %s: %s has no IRQ input '%s' "
                          "(inputs: %s)",
                          o->where, dev->name, o->name, target, input,
                          list->str);
            g_string_free(list, TRUE);
            return false;
        }
        line->cpu = cpu;
        line->line = n;
        return true;
    }
    TesseraDevice *t = tessera_device_find(target);
    if (!t) {
        tessera_error("%s: [device %s] %s = %s:%s: no device or CPU named "
                      "'%s'",
                      o->where, dev->name, o->name, target, input, target);
        return false;
    }
    if (!util_parse_u64(input, &n) || n >= t->nin) {
        tessera_error("%s: [device %s] %s: %s has %u IRQ inputs (0..%d); "
                      "'%s' is not one of them",
                      o->where, dev->name, o->name, target, t->nin,
                      (int)t->nin - 1, input);
        return false;
    }
    line->dev = t;
    line->line = n;
    return true;
}

int device_wire_all(void)
{
    for (guint i = 0; devices && i < devices->len; i++) {
        TesseraDevice *dev = devices->pdata[i];
        for (guint j = 0; j < dev->irq_outs->len; j++) {
            IrqOut *o = dev->irq_outs->pdata[j];
            o->lines = g_new0(TesseraIrq, o->count ? o->count : 1);
            for (unsigned k = 0; k < o->count; k++)
                if (!resolve_input(dev, o, k, &o->lines[k]))
                    return -1;
        }
    }
    return 0;
}

void device_reset_all(void)
{
    for (guint i = 0; devices && i < devices->len; i++) {
        TesseraDevice *dev = devices->pdata[i];
        if (dev->cls->reset)
            dev->cls->reset(dev, dev->state);
    }
}

void device_destroy_all(void)
{
    for (guint i = 0; devices && i < devices->len; i++)
        free_device(devices->pdata[i]);
    if (devices)
        g_ptr_array_free(devices, TRUE);
    devices = NULL;
}

int device_fdt_all(void *fdt, int (*parent_offset)(void *fdt))
{
    for (guint i = 0; devices && i < devices->len; i++) {
        TesseraDevice *dev = devices->pdata[i];
        if (!dev->cls->fdt_node)
            continue;
        int r = dev->cls->fdt_node(dev, dev->state, fdt, parent_offset(fdt));
        if (r < 0)
            return r;
    }
    return 0;
}

bool tessera_dev_irq_target(TesseraDevice *dev, const char *name,
                            unsigned index, TesseraIrqTarget *t)
{
    IrqOut *o = irq_out(dev, name);
    if (!o || !o->lines || index >= o->count)
        return false;
    const TesseraIrq *l = &o->lines[index];
    memset(t, 0, sizeof(*t));
    t->dev = l->dev;
    t->cpu = -1;
    t->input = l->line;
    if (l->cpu) {
        const char *const *names = cpu_arch(l->cpu)->irq_inputs;
        t->cpu = (int)tessera_cpu_index(l->cpu);
        t->input_name = names ? names[l->line] : NULL;
    }
    return true;
}

int device_check_sets(GPtrArray *sets)
{
    for (guint i = 0; sets && i < sets->len; i++) {
        const char *set = sets->pdata[i];
        const char *dot = strchr(set, '.');
        const char *eq = strchr(set, '=');
        if (!dot || !eq || eq < dot) {
            tessera_error("-set %s: expected DEVICE.PROPERTY=VALUE", set);
            return -1;
        }
        char *name = g_strndup(set, dot - set);
        bool found = tessera_device_find(name) != NULL;
        if (!found)
            tessera_error("-set %s: the board has no device '%s'", set, name);
        g_free(name);
        if (!found)
            return -1;
    }
    return 0;
}

int device_print_props(const char *type)
{
    static const char *type_names[] = {"?", "number", "on/off", "string",
                                       "irq", "chardev", "Hz", "drive"};
    const TesseraDeviceClass *cls = plugin_find_device(type, "-device");
    if (!cls)
        return -1;
    printf("%s: %s\n", cls->name, cls->description ? cls->description : "");
    printf("  (from %s)\n", plugin_file_of(cls));
    for (const TesseraProp *p = cls->props; p && p->name; p++) {
        unsigned t = p->type <= TESSERA_PROP_DRIVE ? p->type : 0;
        printf("  %-18s %-8s %s", p->name, type_names[t], p->help ? p->help : "");
        if (p->default_value)
            printf(" (default: %s)", *p->default_value ? p->default_value : "\"\"");
        else
            printf(" (required)");
        printf("\n");
    }
    printf("  MMIO: %s\n", cls->mmio_help ? cls->mmio_help : "none");
    printf("  IRQ inputs: %s\n",
           cls->irq_inputs_help ? cls->irq_inputs_help : "none");
    printf("  Numbers take K/M/G/T = 2^10/2^20/2^30/2^40; Hz values take "
           "K/M/G = 10^3/10^6/10^9.\n");
    return 0;
}

unsigned device_count(void)
{
    return devices ? devices->len : 0;
}

TesseraDevice *device_at(unsigned i)
{
    return i < device_count() ? devices->pdata[i] : NULL;
}

const TesseraDeviceClass *device_class(TesseraDevice *dev)
{
    return dev->cls;
}
