/* SPDX-License-Identifier: MIT */
/*
 * The object tree the monitors show (QEMU's QOM, much smaller): / holds
 * /machine, whose children are the devices and the CPUs. A device's
 * properties are its board-file properties (read-only once realized, as
 * in QEMU); a CPU's are its registers, which qom-set may change.
 */
#include <inttypes.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "kernel/board.h"
#include "kernel/cpu-internal.h"
#include "kernel/device.h"
#include "kernel/machine.h"
#include "kernel/monitor.h"

typedef enum ObjKind { OBJ_ROOT, OBJ_MACHINE, OBJ_DEVICE, OBJ_CPU } ObjKind;

typedef struct Obj {
    ObjKind kind;
    TesseraDevice *dev;
    Cpu *cpu;
} Obj;

static const char *board_name(void)
{
    BoardSection *bs = machine.cfg ? board_section(machine.cfg, SECTION_BOARD)
                                   : NULL;
    BoardKV *kv = bs ? board_get(bs, "name") : NULL;
    return kv ? kv->value : "machine";
}

static char *obj_type(const Obj *o)
{
    switch (o->kind) {
    case OBJ_ROOT:
        return g_strdup("container");
    case OBJ_MACHINE:
        return g_strdup_printf("%s-machine", board_name());
    case OBJ_DEVICE:
        return g_strdup(device_class(o->dev)->name);
    default:
        return g_strdup_printf("%s-cpu", o->cpu->arch->name);
    }
}

/* Finds a child of /machine by name. */
static bool machine_child(const char *name, Obj *o)
{
    TesseraDevice *d = tessera_device_find(name);
    if (d) {
        *o = (Obj){OBJ_DEVICE, d, NULL};
        return true;
    }
    if (!strncmp(name, "cpu", 3) && g_ascii_isdigit(name[3])) {
        char *end;
        unsigned long i = strtoul(name + 3, &end, 10);
        if (!*end && i < machine.ncpus) {
            *o = (Obj){OBJ_CPU, NULL, machine.cpus[i]};
            return true;
        }
    }
    return false;
}

/* Resolves an object path (absolute, or a bare child name as QEMU does). */
static bool resolve(const char *path, Obj *o)
{
    if (!path || !*path)
        return false;
    if (path[0] != '/')
        return machine_child(path, o);
    gchar **parts = g_strsplit(path + 1, "/", -1);
    GPtrArray *p = g_ptr_array_new();
    for (gchar **it = parts; *it; it++)
        if (**it)
            g_ptr_array_add(p, *it);
    bool ok = false;
    if (p->len == 0) {
        *o = (Obj){OBJ_ROOT, NULL, NULL};
        ok = true;
    } else if (strcmp(p->pdata[0], "machine") == 0 && machine.cfg) {
        if (p->len == 1) {
            *o = (Obj){OBJ_MACHINE, NULL, NULL};
            ok = true;
        } else {
            unsigned i = 1;
            const char *c = p->pdata[1];
            if (p->len == 3 && (!strcmp(c, "peripheral") ||
                                !strcmp(c, "unattached") ||
                                !strcmp(c, "peripheral-anon")))
                i = 2;
            ok = i + 1 == p->len && machine_child(p->pdata[i], o);
        }
    }
    g_ptr_array_free(p, TRUE);
    g_strfreev(parts);
    return ok;
}

static QomProp *prop_new(const char *name, char *type)
{
    QomProp *p = g_new0(QomProp, 1);
    p->name = g_strdup(name);
    p->type = type;
    return p;
}

void qom_prop_free(gpointer p)
{
    QomProp *q = p;
    g_free(q->name);
    g_free(q->type);
    g_free(q);
}

static gint prop_cmp(gconstpointer a, gconstpointer b)
{
    const QomProp *x = *(QomProp *const *)a, *y = *(QomProp *const *)b;
    return strcmp(x->name, y->name);
}

static const char *dev_prop_type(TesseraPropType t)
{
    switch (t) {
    case TESSERA_PROP_U64:
    case TESSERA_PROP_FREQ:
        return "uint64";
    case TESSERA_PROP_BOOL:
        return "bool";
    case TESSERA_PROP_IRQ:
        return "link<irq>";
    case TESSERA_PROP_CHARDEV:
        return "str"; /* QEMU: "str" for chardev names */
    default:
        return "string";
    }
}

static GPtrArray *list_obj(const Obj *o)
{
    GPtrArray *a = g_ptr_array_new_with_free_func(qom_prop_free);
    g_ptr_array_add(a, prop_new("type", g_strdup("string")));
    if (o->kind == OBJ_ROOT) {
        if (machine.cfg) {
            Obj m = {OBJ_MACHINE, NULL, NULL};
            char *t = obj_type(&m);
            g_ptr_array_add(a, prop_new("machine",
                                        g_strdup_printf("child<%s>", t)));
            g_free(t);
        }
    } else if (o->kind == OBJ_MACHINE) {
        for (unsigned i = 0; i < device_count(); i++) {
            Obj c = {OBJ_DEVICE, device_at(i), NULL};
            char *t = obj_type(&c);
            g_ptr_array_add(a, prop_new(tessera_dev_name(c.dev),
                                        g_strdup_printf("child<%s>", t)));
            g_free(t);
        }
        for (unsigned i = 0; i < machine.ncpus; i++) {
            Obj c = {OBJ_CPU, NULL, machine.cpus[i]};
            char *t = obj_type(&c), *n = g_strdup_printf("cpu%u", i);
            g_ptr_array_add(a, prop_new(n, g_strdup_printf("child<%s>", t)));
            g_free(t);
            g_free(n);
        }
    } else if (o->kind == OBJ_DEVICE) {
        for (const TesseraProp *p = device_class(o->dev)->props; p && p->name;
             p++)
            g_ptr_array_add(a, prop_new(p->name,
                                        g_strdup(dev_prop_type(p->type))));
    } else {
        g_ptr_array_add(a, prop_new("pc", g_strdup("uint64")));
        for (const TesseraRegInfo *r = o->cpu->arch->regs; r && r->name; r++)
            if (r->size <= 8)
                g_ptr_array_add(a, prop_new(r->name, g_strdup("uint64")));
    }
    g_ptr_array_sort(a, prop_cmp);
    return a;
}

GPtrArray *qom_list(const char *path, char *err, size_t errlen)
{
    Obj o;
    if (!resolve(path, &o)) {
        snprintf(err, errlen, "Device '%s' not found", path ? path : "");
        return NULL;
    }
    return list_obj(&o);
}

/* Splits "path.prop" when prop is NULL; returns the path to resolve. */
static char *split_prop(const char *path, const char **prop, char **owned)
{
    *owned = NULL;
    if (*prop)
        return g_strdup(path);
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash : path, '.');
    if (!dot)
        return g_strdup(path);
    *owned = g_strdup(dot + 1);
    *prop = *owned;
    return g_strndup(path, dot - path);
}

static const TesseraRegInfo *cpu_reg(Cpu *cpu, const char *name)
{
    for (const TesseraRegInfo *r = cpu->arch->regs; r && r->name; r++)
        if (!strcmp(r->name, name) && r->size <= 8)
            return r;
    return NULL;
}

static uint64_t reg_read(Cpu *cpu, const TesseraRegInfo *r)
{
    uint64_t v = 0;
    memcpy(&v, (uint8_t *)tessera_cpu_env(cpu) + r->offset, r->size);
    return v; /* little-endian host, as the env layout */
}

static JsonNode *get_node(const Obj *o, const char *prop)
{
    JsonNode *n = json_node_new(JSON_NODE_VALUE);
    if (!strcmp(prop, "type")) {
        char *t = obj_type(o);
        json_node_set_string(n, t);
        g_free(t);
        return n;
    }
    if (o->kind == OBJ_DEVICE) {
        for (const TesseraProp *p = device_class(o->dev)->props; p && p->name;
             p++) {
            if (strcmp(p->name, prop))
                continue;
            if (p->type == TESSERA_PROP_U64 || p->type == TESSERA_PROP_FREQ)
                json_node_set_int(n, (gint64)tessera_dev_prop_u64(o->dev,
                                                                  prop));
            else if (p->type == TESSERA_PROP_BOOL)
                json_node_set_boolean(n, tessera_dev_prop_bool(o->dev, prop));
            else
                json_node_set_string(n, tessera_dev_prop_str(o->dev, prop));
            return n;
        }
    } else if (o->kind == OBJ_CPU) {
        const TesseraRegInfo *r = cpu_reg(o->cpu, prop);
        if (!strcmp(prop, "pc")) {
            json_node_set_int(n, (gint64)tessera_cpu_get_pc(o->cpu));
            return n;
        }
        if (r) {
            json_node_set_int(n, (gint64)reg_read(o->cpu, r));
            return n;
        }
    }
    json_node_unref(n);
    return NULL;
}

static const char *obj_short_type(const Obj *o, char **owned)
{
    *owned = obj_type(o);
    return *owned;
}

char *qom_get(const char *path, const char *prop, bool *not_found, char *err,
              size_t errlen)
{
    char *owned, *opath = split_prop(path, &prop, &owned), *result = NULL;
    Obj o;

    *not_found = false;
    if (!resolve(opath, &o)) {
        *not_found = true;
        snprintf(err, errlen, "Device '%s' not found", opath);
    } else if (!prop) {
        snprintf(err, errlen, "Parameter 'property' is missing");
    } else {
        JsonNode *n = get_node(&o, prop);
        if (n) {
            result = json_to_string(n, FALSE);
            json_node_unref(n);
        } else {
            char *t;
            snprintf(err, errlen, "Property '%s.%s' not found",
                     obj_short_type(&o, &t), prop);
            g_free(t);
        }
    }
    g_free(opath);
    g_free(owned);
    return result;
}

bool qom_set(const char *path, const char *prop, const char *json,
             bool *not_found, char *err, size_t errlen)
{
    char *owned, *opath = split_prop(path, &prop, &owned), *t = NULL;
    bool ok = false;
    Obj o;
    GError *gerr = NULL;
    JsonNode *n = NULL;

    *not_found = false;
    if (!resolve(opath, &o)) {
        *not_found = true;
        snprintf(err, errlen, "Device '%s' not found", opath);
        goto out;
    }
    if (!prop) {
        snprintf(err, errlen, "Parameter 'property' is missing");
        goto out;
    }
    JsonNode *cur = get_node(&o, prop);
    if (!cur) {
        snprintf(err, errlen, "Property '%s.%s' not found",
                 obj_short_type(&o, &t), prop);
        goto out;
    }
    json_node_unref(cur);
    if (o.kind != OBJ_CPU || !strcmp(prop, "type")) {
        if (o.kind == OBJ_DEVICE)
            snprintf(err, errlen, "Attempt to set property '%s' on device "
                     "'%s' (type '%s') after it was realized", prop,
                     tessera_dev_name(o.dev), device_class(o.dev)->name);
        else
            snprintf(err, errlen, "Property '%s.%s' is read-only",
                     obj_short_type(&o, &t), prop);
        goto out;
    }
    n = json_from_string(json, &gerr);
    if (!n || JSON_NODE_TYPE(n) != JSON_NODE_VALUE ||
        json_node_get_value_type(n) != G_TYPE_INT64) {
        snprintf(err, errlen, "Invalid parameter type for '%s', expected: "
                 "integer", prop);
        g_clear_error(&gerr);
        goto out;
    }
    uint64_t v = (uint64_t)json_node_get_int(n);
    if (!strcmp(prop, "pc")) {
        tessera_cpu_set_pc(o.cpu, v);
    } else {
        const TesseraRegInfo *r = cpu_reg(o.cpu, prop);
        memcpy((uint8_t *)tessera_cpu_env(o.cpu) + r->offset, &v, r->size);
    }
    ok = true;
out:
    if (n)
        json_node_unref(n);
    g_free(t);
    g_free(opath);
    g_free(owned);
    return ok;
}

static void tree_at(GString *out, const char *name, const Obj *o, int depth)
{
    char *t = obj_type(o);
    g_string_append_printf(out, "%*s/%s (%s)\n", depth * 2, "", name, t);
    g_free(t);
    if (o->kind != OBJ_MACHINE)
        return;
    GPtrArray *kids = list_obj(o);
    for (unsigned i = 0; i < kids->len; i++) {
        QomProp *p = kids->pdata[i];
        Obj c;
        if (g_str_has_prefix(p->type, "child<") && machine_child(p->name, &c))
            tree_at(out, p->name, &c, depth + 1);
    }
    g_ptr_array_free(kids, TRUE);
}

void qom_tree(GString *out)
{
    Obj m = {OBJ_MACHINE, NULL, NULL};
    if (machine.cfg)
        tree_at(out, "machine", &m, 0);
}
