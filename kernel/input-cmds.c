/* SPDX-License-Identifier: MIT */
/*
 * The monitor's input commands (QEMU's syntax and JSON shapes): HMP
 * sendkey, QMP send-key and input-send-event. They parse and check all of
 * their arguments before sending anything, so a bad one sends nothing.
 */
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/input.h"
#include "kernel/input-cmds.h"

#define SENDKEY_MAX 32        /* keys in one combination */
#define HOLD_DEFAULT_MS 100   /* QEMU's default hold time */

static void hold_list(GString *out)
{
    g_string_append(out, "key names:");
    unsigned col = 10;
    for (const char *const *n = input_qcode_names(); *n; n++) {
        size_t len = strlen(*n) + 1;
        if (col + len > 78) {
            g_string_append(out, "\n ");
            col = 1;
        }
        g_string_append_printf(out, " %s", *n);
        col += (unsigned)len;
    }
    g_string_append(out, "\nor a scancode in hex (0x1e), 0x01..0x58\n");
}

void input_hmp_sendkey_help(GString *out)
{
    hold_list(out);
}

void input_hmp_sendkey(const char *keys, const char *hold, GString *out)
{
    unsigned codes[SENDKEY_MAX];
    size_t n = 0;
    unsigned long hold_ms = HOLD_DEFAULT_MS;

    if (!keys || !*keys) {
        g_string_append(out, "sendkey: missing key list (e.g. sendkey "
                             "ctrl-alt-f1 [hold_ms])\n");
        return;
    }
    if (hold) {
        char *end;
        hold_ms = strtoul(hold, &end, 0);
        if (*end || !*hold || hold[0] == '-' || hold_ms > 600000) {
            g_string_append_printf(out, "sendkey: invalid hold time '%s' "
                                   "(milliseconds, at most 600000)\n", hold);
            return;
        }
    }
    gchar **parts = g_strsplit(keys, "-", -1);
    for (gchar **p = parts; *p; p++) {
        if (n == SENDKEY_MAX) {
            g_string_append_printf(out, "sendkey: too many keys (at most "
                                   "%d)\n", SENDKEY_MAX);
            g_strfreev(parts);
            return;
        }
        int k = **p ? input_parse_key(*p) : -1;
        if (k < 0) {
            g_string_append_printf(out, "invalid parameter: '%s' is not a "
                                   "key name ('help sendkey' lists them)\n",
                                   *p);
            g_strfreev(parts);
            return;
        }
        codes[n++] = (unsigned)k;
    }
    g_strfreev(parts);
    input_send_keys(codes, n, (unsigned)hold_ms);
}

/* ---------------------------------------------------------------------- */
/* QMP                                                                     */

/* A QEMU KeyValue: {"type":"qcode","data":"a"} or {"type":"number",
 * "data":30}. The Linux code, or -1 with err set. */
static int key_value(JsonNode *n, const char *where, char *err,
                     size_t errlen)
{
    if (!n || JSON_NODE_TYPE(n) != JSON_NODE_OBJECT) {
        snprintf(err, errlen, "Parameter '%s' expects a key object "
                 "({\"type\": \"qcode\", \"data\": \"a\"})", where);
        return -1;
    }
    JsonObject *o = json_node_get_object(n);
    JsonNode *t = json_object_get_member(o, "type");
    JsonNode *d = json_object_get_member(o, "data");
    const char *type = t && JSON_NODE_HOLDS_VALUE(t) &&
                               json_node_get_value_type(t) == G_TYPE_STRING
                           ? json_node_get_string(t)
                           : NULL;
    if (!type || !d || !JSON_NODE_HOLDS_VALUE(d)) {
        snprintf(err, errlen, "Parameter '%s' expects members 'type' "
                 "(\"qcode\" or \"number\") and 'data'", where);
        return -1;
    }
    if (!strcmp(type, "qcode")) {
        if (json_node_get_value_type(d) != G_TYPE_STRING) {
            snprintf(err, errlen, "Parameter '%s.data' expects a key name",
                     where);
            return -1;
        }
        const char *name = json_node_get_string(d);
        int k = input_qcode_lookup(name);
        if (k < 0)
            snprintf(err, errlen, "Parameter '%s.data' does not accept "
                     "value '%.64s' (not a QEMU key name)", where, name);
        return k;
    }
    if (!strcmp(type, "number")) {
        if (json_node_get_value_type(d) != G_TYPE_INT64) {
            snprintf(err, errlen, "Parameter '%s.data' expects an integer",
                     where);
            return -1;
        }
        gint64 v = json_node_get_int(d);
        int k = v > 0 ? input_number_key((unsigned long)v) : -1;
        if (k < 0)
            snprintf(err, errlen, "Parameter '%s.data': scancode %lld is "
                     "not supported (0x01..0x58)", where, (long long)v);
        return k;
    }
    snprintf(err, errlen, "Parameter '%s.type' does not accept value "
             "'%.32s' (\"qcode\" or \"number\")", where, type);
    return -1;
}

static bool get_int(JsonObject *o, const char *name, const char *where,
                    bool optional, gint64 *v, char *err, size_t errlen)
{
    JsonNode *n = o ? json_object_get_member(o, name) : NULL;
    if (!n) {
        if (optional)
            return true;
        snprintf(err, errlen, "Parameter '%s%s' is missing", where, name);
        return false;
    }
    if (!JSON_NODE_HOLDS_VALUE(n) ||
        json_node_get_value_type(n) != G_TYPE_INT64) {
        snprintf(err, errlen, "Parameter '%s%s' expects integer", where,
                 name);
        return false;
    }
    *v = json_node_get_int(n);
    return true;
}

bool input_qmp_send_key(JsonObject *args, char *err, size_t errlen)
{
    JsonNode *keys = args ? json_object_get_member(args, "keys") : NULL;
    gint64 hold = HOLD_DEFAULT_MS;
    unsigned codes[SENDKEY_MAX];

    if (!keys) {
        snprintf(err, errlen, "Parameter 'keys' is missing");
        return false;
    }
    if (JSON_NODE_TYPE(keys) != JSON_NODE_ARRAY) {
        snprintf(err, errlen, "Parameter 'keys' expects array");
        return false;
    }
    if (!get_int(args, "hold-time", "", true, &hold, err, errlen))
        return false;
    if (hold < 0 || hold > 600000) {
        snprintf(err, errlen, "Parameter 'hold-time' out of range "
                 "(0..600000 ms)");
        return false;
    }
    JsonArray *a = json_node_get_array(keys);
    guint n = json_array_get_length(a);
    if (n == 0 || n > SENDKEY_MAX) {
        snprintf(err, errlen, "Parameter 'keys' needs 1 to %d keys",
                 SENDKEY_MAX);
        return false;
    }
    for (guint i = 0; i < n; i++) {
        char where[32];
        snprintf(where, sizeof(where), "keys[%u]", i);
        int k = key_value(json_array_get_element(a, i), where, err, errlen);
        if (k < 0)
            return false;
        codes[i] = (unsigned)k;
    }
    input_send_keys(codes, n, (unsigned)hold);
    return true;
}

/* One checked event of input-send-event. */
typedef struct Ev {
    enum { EV_K, EV_B, EV_R, EV_A } kind;
    unsigned code;
    int value;
} Ev;

static const struct {
    const char *name;
    int btn;   /* BTN_*, or -1: a wheel "button" */
    int wheel; /* REL_WHEEL/HWHEEL value on press */
    int axis;
} buttons[] = {
    {"left", TESSERA_BTN_LEFT, 0, 0},
    {"right", TESSERA_BTN_RIGHT, 0, 0},
    {"middle", TESSERA_BTN_MIDDLE, 0, 0},
    {"side", TESSERA_BTN_SIDE, 0, 0},
    {"extra", TESSERA_BTN_EXTRA, 0, 0},
    {"wheel-up", -1, 1, TESSERA_REL_WHEEL},
    {"wheel-down", -1, -1, TESSERA_REL_WHEEL},
    {"wheel-left", -1, -1, TESSERA_REL_HWHEEL},
    {"wheel-right", -1, 1, TESSERA_REL_HWHEEL},
};

static bool get_bool(JsonObject *o, const char *where, bool *v, char *err,
                     size_t errlen)
{
    JsonNode *n = json_object_get_member(o, "down");
    if (!n) {
        snprintf(err, errlen, "Parameter '%s.down' is missing", where);
        return false;
    }
    if (!JSON_NODE_HOLDS_VALUE(n) ||
        json_node_get_value_type(n) != G_TYPE_BOOLEAN) {
        snprintf(err, errlen, "Parameter '%s.down' expects boolean", where);
        return false;
    }
    *v = json_node_get_boolean(n);
    return true;
}

static const char *get_str(JsonObject *o, const char *name, const char *where,
                           char *err, size_t errlen)
{
    JsonNode *n = json_object_get_member(o, name);
    if (!n) {
        snprintf(err, errlen, "Parameter '%s.%s' is missing", where, name);
        return NULL;
    }
    if (!JSON_NODE_HOLDS_VALUE(n) ||
        json_node_get_value_type(n) != G_TYPE_STRING) {
        snprintf(err, errlen, "Parameter '%s.%s' expects string", where,
                 name);
        return NULL;
    }
    return json_node_get_string(n);
}

static bool parse_event(JsonNode *n, const char *where, Ev *ev, char *err,
                        size_t errlen)
{
    if (!n || JSON_NODE_TYPE(n) != JSON_NODE_OBJECT) {
        snprintf(err, errlen, "Parameter '%s' expects an event object", where);
        return false;
    }
    JsonObject *o = json_node_get_object(n);
    const char *type = get_str(o, "type", where, err, errlen);
    if (!type)
        return false;
    JsonNode *dn = json_object_get_member(o, "data");
    if (!dn || JSON_NODE_TYPE(dn) != JSON_NODE_OBJECT) {
        snprintf(err, errlen, "Parameter '%s.data' %s", where,
                 dn ? "expects an object" : "is missing");
        return false;
    }
    JsonObject *d = json_node_get_object(dn);
    char dw[48];
    snprintf(dw, sizeof(dw), "%s.data", where);
    if (!strcmp(type, "key")) {
        bool down;
        if (!get_bool(d, dw, &down, err, errlen))
            return false;
        char kw[56];
        snprintf(kw, sizeof(kw), "%s.key", dw);
        int k = key_value(json_object_get_member(d, "key"), kw, err, errlen);
        if (k < 0)
            return false;
        *ev = (Ev){EV_K, (unsigned)k, down};
        return true;
    }
    if (!strcmp(type, "btn")) {
        bool down;
        if (!get_bool(d, dw, &down, err, errlen))
            return false;
        const char *b = get_str(d, "button", dw, err, errlen);
        if (!b)
            return false;
        for (size_t i = 0; i < G_N_ELEMENTS(buttons); i++) {
            if (strcmp(buttons[i].name, b))
                continue;
            if (buttons[i].btn >= 0)
                *ev = (Ev){EV_B, (unsigned)buttons[i].btn, down};
            else /* a wheel click: one step on press, nothing on release */
                *ev = (Ev){EV_R, (unsigned)buttons[i].axis,
                           down ? buttons[i].wheel : 0};
            return true;
        }
        snprintf(err, errlen, "Parameter '%s.button' does not accept value "
                 "'%.32s' (left, right, middle, side, extra, wheel-up, "
                 "wheel-down, wheel-left, wheel-right)", dw, b);
        return false;
    }
    if (!strcmp(type, "rel") || !strcmp(type, "abs")) {
        const char *axis = get_str(d, "axis", dw, err, errlen);
        if (!axis)
            return false;
        unsigned ax;
        if (!strcmp(axis, "x"))
            ax = 0; /* REL_X, ABS_X */
        else if (!strcmp(axis, "y"))
            ax = 1;
        else {
            snprintf(err, errlen, "Parameter '%s.axis' does not accept "
                     "value '%.32s' (x or y)", dw, axis);
            return false;
        }
        char vw[56];
        snprintf(vw, sizeof(vw), "%s.", dw);
        gint64 v = 0;
        if (!get_int(d, "value", vw, false, &v, err, errlen))
            return false;
        if (v < INT32_MIN || v > INT32_MAX) {
            snprintf(err, errlen, "Parameter '%s.value' out of range", dw);
            return false;
        }
        if (type[0] == 'a')
            *ev = (Ev){EV_A, ax, v < 0 ? 0 : (int)v};
        else
            *ev = (Ev){EV_R, ax, (int)v};
        return true;
    }
    snprintf(err, errlen, "Parameter '%s.type' does not accept value "
             "'%.32s' (key, btn, rel or abs)", where, type);
    return false;
}

bool input_qmp_send_event(JsonObject *args, char *err, size_t errlen)
{
    JsonNode *events = args ? json_object_get_member(args, "events") : NULL;
    if (!events) {
        snprintf(err, errlen, "Parameter 'events' is missing");
        return false;
    }
    if (JSON_NODE_TYPE(events) != JSON_NODE_ARRAY) {
        snprintf(err, errlen, "Parameter 'events' expects array");
        return false;
    }
    if (args && json_object_has_member(args, "device")) {
        snprintf(err, errlen, "Parameter 'device' is not supported: events "
                 "go to the active keyboard and pointer");
        return false;
    }
    gint64 head = 0;
    if (!get_int(args, "head", "", true, &head, err, errlen))
        return false;
    JsonArray *a = json_node_get_array(events);
    guint n = json_array_get_length(a);
    if (n > 1024) {
        snprintf(err, errlen, "Parameter 'events': at most 1024 events");
        return false;
    }
    Ev *evs = g_new(Ev, n ? n : 1);
    for (guint i = 0; i < n; i++) {
        char where[32];
        snprintf(where, sizeof(where), "events[%u]", i);
        if (!parse_event(json_array_get_element(a, i), where, &evs[i], err,
                         errlen)) {
            g_free(evs);
            return false;
        }
    }
    for (guint i = 0; i < n; i++) {
        switch (evs[i].kind) {
        case EV_K:
            input_key(evs[i].code, evs[i].value);
            break;
        case EV_B:
            input_btn(evs[i].code, evs[i].value);
            break;
        case EV_R:
            if (evs[i].value)
                input_rel((int)evs[i].code, evs[i].value);
            break;
        case EV_A:
            input_abs((int)evs[i].code, (unsigned)evs[i].value);
            break;
        }
    }
    input_sync();
    g_free(evs);
    return true;
}
