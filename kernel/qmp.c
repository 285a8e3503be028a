/* SPDX-License-Identifier: MIT */
/*
 * QMP, the JSON monitor protocol: greeting, capability negotiation,
 * commands and events, after the QMP specification and QEMU's observable
 * behaviour. JSON is parsed and printed with json-glib.
 *
 * Input is split into top-level JSON values by counting brackets outside
 * strings (QEMU's streamer does the same); each value is parsed on its
 * own, so a malformed one gets an error reply and the session goes on.
 * One value may not exceed QMP_MAX_INPUT bytes nor nest deeper than
 * QMP_MAX_DEPTH.
 */
#include <inttypes.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "kernel/input-cmds.h"
#include "kernel/machine.h"
#include "kernel/display.h"
#include "kernel/monitor.h"
#include "kernel/sched.h"

#define QMP_MAX_INPUT (64 * 1024)
#define QMP_MAX_DEPTH 64

struct QmpSession {
    void (*write)(void *opaque, const char *buf, size_t len);
    void *opaque;
    bool negotiated;
    GString *buf;     /* the value being read */
    int depth;        /* bracket depth */
    bool in_string, escaped, too_long;
};

static GPtrArray *sessions;

/* ---------------------------------------------------------------------- */
/* Output                                                                  */

static void send_node(QmpSession *s, JsonNode *n)
{
    gsize len;
    JsonGenerator *g = json_generator_new();
    json_generator_set_root(g, n);
    char *text = json_generator_to_data(g, &len);
    s->write(s->opaque, text, len);
    s->write(s->opaque, "\r\n", 2);
    g_free(text);
    g_object_unref(g);
}

static void send_object(QmpSession *s, JsonObject *o)
{
    JsonNode *n = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(n, o);
    send_node(s, n);
    json_node_unref(n);
}

static void reply(QmpSession *s, JsonNode *ret, JsonNode *id)
{
    JsonObject *o = json_object_new();
    json_object_set_member(o, "return", ret);
    if (id)
        json_object_set_member(o, "id", json_node_copy(id));
    send_object(s, o);
}

static void reply_empty(QmpSession *s, JsonNode *id)
{
    JsonNode *n = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(n, json_object_new());
    reply(s, n, id);
}

static void reply_error(QmpSession *s, const char *cls, const char *desc,
                        JsonNode *id)
{
    JsonObject *e = json_object_new(), *o = json_object_new();
    json_object_set_string_member(e, "class", cls);
    json_object_set_string_member(e, "desc", desc);
    json_object_set_object_member(o, "error", e);
    if (id)
        json_object_set_member(o, "id", json_node_copy(id));
    send_object(s, o);
}

static JsonObject *version_object(void)
{
    unsigned major = 0, minor = 0, micro = 0;
    sscanf(PACKAGE_VERSION, "%u.%u.%u", &major, &minor, &micro);
    JsonObject *v = json_object_new(), *q = json_object_new();
    json_object_set_int_member(q, "micro", micro);
    json_object_set_int_member(q, "minor", minor);
    json_object_set_int_member(q, "major", major);
    /* QMP clients look for "qemu"; the numbers are Tessera's. */
    json_object_set_object_member(v, "qemu", q);
    json_object_set_string_member(v, "package", "tessera " PACKAGE_VERSION);
    return v;
}

void qmp_session_start(QmpSession *s)
{
    JsonObject *o = json_object_new(), *q = json_object_new();
    s->negotiated = false;
    g_string_truncate(s->buf, 0);
    s->depth = 0;
    s->in_string = s->escaped = s->too_long = false;
    json_object_set_object_member(q, "version", version_object());
    json_object_set_array_member(q, "capabilities", json_array_new());
    json_object_set_object_member(o, "QMP", q);
    send_object(s, o);
}

/* ---------------------------------------------------------------------- */
/* Events                                                                  */

static void send_event(const char *name, JsonObject *data)
{
    gint64 now = g_get_real_time();
    for (unsigned i = 0; sessions && i < sessions->len; i++) {
        QmpSession *s = sessions->pdata[i];
        if (!s->negotiated)
            continue;
        JsonObject *o = json_object_new(), *ts = json_object_new();
        json_object_set_int_member(ts, "seconds", now / G_USEC_PER_SEC);
        json_object_set_int_member(ts, "microseconds", now % G_USEC_PER_SEC);
        json_object_set_object_member(o, "timestamp", ts);
        json_object_set_string_member(o, "event", name);
        if (data)
            json_object_set_object_member(o, "data", json_object_ref(data));
        send_object(s, o);
    }
    if (data)
        json_object_unref(data);
}

void qmp_event_simple(const char *name)
{
    send_event(name, NULL);
}

static JsonObject *guest_reason(bool guest, const char *reason)
{
    JsonObject *d = json_object_new();
    json_object_set_boolean_member(d, "guest", guest);
    json_object_set_string_member(d, "reason", reason);
    return d;
}

void qmp_event_reset(bool guest, const char *reason)
{
    send_event("RESET", guest_reason(guest, reason));
}

void qmp_event_shutdown(bool guest, const char *reason)
{
    send_event("SHUTDOWN", guest_reason(guest, reason));
}

/* ---------------------------------------------------------------------- */
/* Commands                                                                */

typedef struct Args {
    JsonObject *o; /* may be NULL: no arguments */
    char err[256];
} Args;

/* A string argument; NULL (and err set) when missing or of another type. */
static const char *arg_str(Args *a, const char *name, bool optional)
{
    JsonNode *n = a->o ? json_object_get_member(a->o, name) : NULL;
    if (!n) {
        if (!optional)
            snprintf(a->err, sizeof(a->err), "Parameter '%s' is missing",
                     name);
        return NULL;
    }
    if (JSON_NODE_TYPE(n) != JSON_NODE_VALUE ||
        json_node_get_value_type(n) != G_TYPE_STRING) {
        snprintf(a->err, sizeof(a->err), "Parameter '%s' expects string",
                 name);
        return NULL;
    }
    return json_node_get_string(n);
}

/* Every argument must be one of names (NULL-ended). */
static bool check_args(QmpSession *s, Args *a, const char *const *names,
                       JsonNode *id)
{
    if (!a->o)
        return true;
    GList *members = json_object_get_members(a->o);
    for (GList *l = members; l; l = l->next) {
        bool known = false;
        for (const char *const *n = names; n && *n; n++)
            known |= !strcmp(*n, l->data);
        if (!known) {
            char desc[300];
            snprintf(desc, sizeof(desc), "Parameter '%.200s' is unexpected",
                     (const char *)l->data);
            reply_error(s, "GenericError", desc, id);
            g_list_free(members);
            return false;
        }
    }
    g_list_free(members);
    return true;
}

typedef void QmpFn(QmpSession *s, Args *a, JsonNode *id);

static void q_query_status(QmpSession *s, Args *a, JsonNode *id)
{
    (void)a;
    JsonObject *o = json_object_new();
    bool run = sched_running();
    json_object_set_string_member(o, "status", run ? "running" : "paused");
    json_object_set_boolean_member(o, "singlestep", false);
    json_object_set_boolean_member(o, "running", run);
    JsonNode *n = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(n, o);
    reply(s, n, id);
}

static void q_stop(QmpSession *s, Args *a, JsonNode *id)
{
    (void)a;
    sched_stop();
    reply_empty(s, id);
}

static void q_cont(QmpSession *s, Args *a, JsonNode *id)
{
    (void)a;
    sched_cont();
    reply_empty(s, id);
}

static void q_system_reset(QmpSession *s, Args *a, JsonNode *id)
{
    (void)a;
    sched_request_host_reset();
    reply_empty(s, id);
}

static void q_quit(QmpSession *s, Args *a, JsonNode *id)
{
    (void)a;
    sched_request_quit("host-qmp-quit");
    reply_empty(s, id);
}

/* screendump {"filename": F, "format": "ppm"|"png"}: the first display
 * ("device" may name it, as QEMU's console). */
static void q_screendump(QmpSession *s, Args *a, JsonNode *id)
{
    const char *file = arg_str(a, "filename", false);
    const char *format = file ? arg_str(a, "format", true) : NULL;
    char err[512];

    if (!file || *a->err) {
        reply_error(s, "GenericError", a->err, id);
        return;
    }
    if (monitor_sandboxed()) {
        reply_error(s, "GenericError", "writing files is disabled", id);
        return;
    }
    if (display_screendump(file, format, err, sizeof(err)) < 0) {
        reply_error(s, "GenericError", err, id);
        return;
    }
    reply_empty(s, id);
}

static void q_query_cpus_fast(QmpSession *s, Args *a, JsonNode *id)
{
    (void)a;
    JsonArray *arr = json_array_new();
    for (unsigned i = 0; i < machine.ncpus; i++) {
        JsonObject *o = json_object_new(), *props = json_object_new();
        char *path = g_strdup_printf("/machine/cpu%u", i);
        json_object_set_int_member(o, "thread-id", getpid());
        json_object_set_int_member(props, "core-id", i);
        json_object_set_object_member(o, "props", props);
        json_object_set_string_member(o, "qom-path", path);
        json_object_set_int_member(o, "cpu-index", i);
        json_object_set_string_member(o, "target",
                                      cpu_arch(machine.cpus[i])->name);
        json_array_add_object_element(arr, o);
        g_free(path);
    }
    JsonNode *n = json_node_new(JSON_NODE_ARRAY);
    json_node_take_array(n, arr);
    reply(s, n, id);
}

static void q_hmc(QmpSession *s, Args *a, JsonNode *id)
{
    const char *line = arg_str(a, "command-line", false);
    JsonNode *cpu = a->o ? json_object_get_member(a->o, "cpu-index") : NULL;
    int cpu_index = -1;
    if (!line) {
        reply_error(s, "GenericError", a->err, id);
        return;
    }
    if (cpu) {
        if (JSON_NODE_TYPE(cpu) != JSON_NODE_VALUE ||
            json_node_get_value_type(cpu) != G_TYPE_INT64) {
            reply_error(s, "GenericError",
                        "Parameter 'cpu-index' expects integer", id);
            return;
        }
        gint64 c = json_node_get_int(cpu);
        if (c < 0 || c >= machine.ncpus) {
            reply_error(s, "GenericError", "Invalid CPU index", id);
            return;
        }
        cpu_index = (int)c;
    }
    GString *out = g_string_new(NULL);
    hmp_execute(line, out, cpu_index);
    /* QEMU's reply has the monitor's "\r\n" line ends. */
    GString *crlf = g_string_new(NULL);
    for (gsize i = 0; i < out->len; i++) {
        if (out->str[i] == '\n')
            g_string_append_c(crlf, '\r');
        g_string_append_c(crlf, out->str[i]);
    }
    JsonNode *n = json_node_new(JSON_NODE_VALUE);
    json_node_set_string(n, crlf->str);
    reply(s, n, id);
    g_string_free(out, TRUE);
    g_string_free(crlf, TRUE);
}

static void q_qom_list(QmpSession *s, Args *a, JsonNode *id)
{
    char err[256];
    const char *path = arg_str(a, "path", false);
    if (!path) {
        reply_error(s, "GenericError", a->err, id);
        return;
    }
    GPtrArray *props = qom_list(path, err, sizeof(err));
    if (!props) {
        reply_error(s, "DeviceNotFound", err, id);
        return;
    }
    JsonArray *arr = json_array_new();
    for (unsigned i = 0; i < props->len; i++) {
        QomProp *p = props->pdata[i];
        JsonObject *o = json_object_new();
        json_object_set_string_member(o, "name", p->name);
        json_object_set_string_member(o, "type", p->type);
        json_array_add_object_element(arr, o);
    }
    g_ptr_array_free(props, TRUE);
    JsonNode *n = json_node_new(JSON_NODE_ARRAY);
    json_node_take_array(n, arr);
    reply(s, n, id);
}

static void q_qom_get(QmpSession *s, Args *a, JsonNode *id)
{
    char err[256];
    bool nf;
    const char *path = arg_str(a, "path", false);
    const char *prop = path ? arg_str(a, "property", false) : NULL;
    if (!prop) {
        reply_error(s, "GenericError", a->err, id);
        return;
    }
    char *v = qom_get(path, prop, &nf, err, sizeof(err));
    if (!v) {
        reply_error(s, nf ? "DeviceNotFound" : "GenericError", err, id);
        return;
    }
    JsonNode *n = json_from_string(v, NULL);
    reply(s, n, id);
    g_free(v);
}

static void q_qom_set(QmpSession *s, Args *a, JsonNode *id)
{
    char err[256];
    bool nf;
    const char *path = arg_str(a, "path", false);
    const char *prop = path ? arg_str(a, "property", false) : NULL;
    JsonNode *value = a->o ? json_object_get_member(a->o, "value") : NULL;
    if (!prop) {
        reply_error(s, "GenericError", a->err, id);
        return;
    }
    if (!value) {
        reply_error(s, "GenericError", "Parameter 'value' is missing", id);
        return;
    }
    char *text = json_to_string(value, FALSE);
    bool ok = qom_set(path, prop, text, &nf, err, sizeof(err));
    g_free(text);
    if (!ok)
        reply_error(s, nf ? "DeviceNotFound" : "GenericError", err, id);
    else
        reply_empty(s, id);
}

static void q_send_key(QmpSession *s, Args *a, JsonNode *id)
{
    char err[300];
    if (input_qmp_send_key(a->o, err, sizeof(err)))
        reply_empty(s, id);
    else
        reply_error(s, "GenericError", err, id);
}

static void q_input_send_event(QmpSession *s, Args *a, JsonNode *id)
{
    char err[300];
    if (input_qmp_send_event(a->o, err, sizeof(err)))
        reply_empty(s, id);
    else
        reply_error(s, "GenericError", err, id);
}

static void q_query_version(QmpSession *s, Args *a, JsonNode *id)
{
    (void)a;
    JsonNode *n = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(n, version_object());
    reply(s, n, id);
}

static void q_query_commands(QmpSession *s, Args *a, JsonNode *id);

static void q_capabilities(QmpSession *s, Args *a, JsonNode *id)
{
    (void)a;
    s->negotiated = true;
    reply_empty(s, id);
}

typedef struct QmpCmd {
    const char *name;
    QmpFn *fn;
    const char *args[4];
} QmpCmd;

static const QmpCmd qmp_cmds[] = {
    {"cont", q_cont, {NULL}},
    {"human-monitor-command", q_hmc, {"command-line", "cpu-index", NULL}},
    {"input-send-event", q_input_send_event,
     {"device", "head", "events", NULL}},
    {"qmp_capabilities", q_capabilities, {"enable", NULL}},
    {"qom-get", q_qom_get, {"path", "property", NULL}},
    {"qom-list", q_qom_list, {"path", NULL}},
    {"qom-set", q_qom_set, {"path", "property", "value", NULL}},
    {"query-commands", q_query_commands, {NULL}},
    {"query-cpus-fast", q_query_cpus_fast, {NULL}},
    {"query-status", q_query_status, {NULL}},
    {"query-version", q_query_version, {NULL}},
    {"quit", q_quit, {NULL}},
    {"screendump", q_screendump, {"filename", "format", "device", NULL}},
    {"send-key", q_send_key, {"keys", "hold-time", NULL}},
    {"stop", q_stop, {NULL}},
    {"system_reset", q_system_reset, {NULL}},
    {NULL, NULL, {NULL}},
};

static void q_query_commands(QmpSession *s, Args *a, JsonNode *id)
{
    (void)a;
    JsonArray *arr = json_array_new();
    for (const QmpCmd *c = qmp_cmds; c->name; c++) {
        JsonObject *o = json_object_new();
        json_object_set_string_member(o, "name", c->name);
        json_array_add_object_element(arr, o);
    }
    JsonNode *n = json_node_new(JSON_NODE_ARRAY);
    json_node_take_array(n, arr);
    reply(s, n, id);
}

/* One complete JSON value from the client. */
static void handle_value(QmpSession *s, const char *text)
{
    GError *err = NULL;
    JsonParser *p = json_parser_new();
    char desc[512];

    if (!json_parser_load_from_data(p, text, -1, &err)) {
        snprintf(desc, sizeof(desc), "JSON parse error, %s",
                 err ? err->message : "invalid input");
        reply_error(s, "GenericError", desc, NULL);
        g_clear_error(&err);
        g_object_unref(p);
        return;
    }
    JsonNode *root = json_parser_get_root(p);
    if (!root || JSON_NODE_TYPE(root) != JSON_NODE_OBJECT) {
        reply_error(s, "GenericError", "QMP input must be a JSON object",
                    NULL);
        g_object_unref(p);
        return;
    }
    JsonObject *o = json_node_get_object(root);
    JsonNode *id = json_object_get_member(o, "id");
    JsonNode *ex = json_object_get_member(o, "execute");
    JsonNode *args = json_object_get_member(o, "arguments");
    GList *members = json_object_get_members(o);
    const char *bad = NULL;
    for (GList *l = members; l; l = l->next)
        if (strcmp(l->data, "execute") && strcmp(l->data, "arguments") &&
            strcmp(l->data, "id"))
            bad = l->data;
    if (bad) {
        snprintf(desc, sizeof(desc), "QMP input member '%.200s' is unexpected",
                 bad);
        reply_error(s, "GenericError", desc, id);
    } else if (!ex) {
        reply_error(s, "GenericError", "QMP input lacks member 'execute'", id);
    } else if (JSON_NODE_TYPE(ex) != JSON_NODE_VALUE ||
               json_node_get_value_type(ex) != G_TYPE_STRING) {
        reply_error(s, "GenericError",
                    "QMP input member 'execute' must be a string", id);
    } else if (args && JSON_NODE_TYPE(args) != JSON_NODE_OBJECT) {
        reply_error(s, "GenericError",
                    "QMP input member 'arguments' must be an object", id);
    } else {
        const char *name = json_node_get_string(ex);
        const QmpCmd *c;
        for (c = qmp_cmds; c->name; c++)
            if (!strcmp(c->name, name))
                break;
        bool caps = c->name && c->fn == q_capabilities;
        if (!s->negotiated && !caps) {
            reply_error(s, "CommandNotFound", "Expecting capabilities "
                        "negotiation with 'qmp_capabilities'", id);
        } else if (s->negotiated && caps) {
            reply_error(s, "CommandNotFound", "Capabilities negotiation is "
                        "already complete, command ignored", id);
        } else if (!c->name) {
            snprintf(desc, sizeof(desc), "The command %.200s has not been "
                     "found", name);
            reply_error(s, "CommandNotFound", desc, id);
        } else {
            Args a = {.o = args ? json_node_get_object(args) : NULL};
            if (check_args(s, &a, c->args, id))
                c->fn(s, &a, id);
        }
    }
    g_list_free(members);
    g_object_unref(p);
}

static void finish_value(QmpSession *s)
{
    if (s->too_long)
        reply_error(s, "GenericError", "JSON parse error, input too big or "
                    "nested too deeply", NULL);
    else if (s->buf->len)
        handle_value(s, s->buf->str);
    g_string_truncate(s->buf, 0);
    s->depth = 0;
    s->in_string = s->escaped = s->too_long = false;
}

void qmp_session_input(QmpSession *s, const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = (char)buf[i];
        if (c == 0) /* never part of JSON text; json-glib stops at it */
            c = 1;
        bool top = s->depth == 0 && !s->in_string;
        if (top && (c == ' ' || c == '\t' || c == '\r' || c == '\n')) {
            /* a bare token ("foo", 42) ends at white space */
            if (s->buf->len)
                finish_value(s);
            continue;
        }
        if (top && (c == '{' || c == '[') && s->buf->len)
            finish_value(s); /* junk before a new value */
        if (s->buf->len < QMP_MAX_INPUT)
            g_string_append_c(s->buf, c);
        else
            s->too_long = true;
        if (s->in_string) {
            if (s->escaped)
                s->escaped = false;
            else if (c == '\\')
                s->escaped = true;
            else if (c == '"')
                s->in_string = false;
            continue;
        }
        if (c == '"') {
            s->in_string = true;
        } else if (c == '{' || c == '[') {
            if (++s->depth > QMP_MAX_DEPTH)
                s->too_long = true;
        } else if (c == '}' || c == ']') {
            if (--s->depth <= 0)
                finish_value(s);
        }
    }
}

QmpSession *qmp_session_new(void (*write)(void *opaque, const char *buf,
                                          size_t len),
                            void *opaque)
{
    QmpSession *s = g_new0(QmpSession, 1);
    s->write = write;
    s->opaque = opaque;
    s->buf = g_string_new(NULL);
    if (!sessions)
        sessions = g_ptr_array_new();
    g_ptr_array_add(sessions, s);
    return s;
}

void qmp_session_free(QmpSession *s)
{
    if (!s)
        return;
    if (sessions)
        g_ptr_array_remove(sessions, s);
    g_string_free(s->buf, TRUE);
    g_free(s);
}

void qmp_cleanup_sessions(void)
{
    while (sessions && sessions->len)
        qmp_session_free(sessions->pdata[0]);
    if (sessions)
        g_ptr_array_free(sessions, TRUE);
    sessions = NULL;
}

/* ---------------------------------------------------------------------- */
/* QMP on a character backend                                              */

typedef struct QmpChr {
    TesseraChardev *chr;
    QmpSession *s;
} QmpChr;

static void qc_write(void *opaque, const char *buf, size_t len)
{
    QmpChr *q = opaque;
    tessera_chr_write(q->chr, (const uint8_t *)buf, len);
}

static int qc_can_read(void *opaque)
{
    (void)opaque;
    return 4096;
}

static void qc_receive(void *opaque, const uint8_t *buf, size_t len)
{
    QmpChr *q = opaque;
    qmp_session_input(q->s, buf, len);
}

static void qc_event(void *opaque, ChrEvent ev)
{
    QmpChr *q = opaque;
    if (ev == CHR_EVENT_OPENED || ev == CHR_EVENT_FOCUS)
        qmp_session_start(q->s);
    else
        q->s->negotiated = false; /* no events to a closed peer */
}

bool qmp_attach(TesseraChardev *chr)
{
    static GPtrArray *all; /* QmpChr blocks live until exit */
    QmpChr *q = g_new0(QmpChr, 1);
    q->chr = chr;
    q->s = qmp_session_new(qc_write, q);
    if (!chardev_add_frontend(chr, qc_can_read, qc_receive, qc_event, q)) {
        qmp_session_free(q->s);
        g_free(q);
        return false;
    }
    if (!all)
        all = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(all, q);
    return true;
}
