/* SPDX-License-Identifier: MIT */
#include "kernel/board.h"

#include <glib.h>
#include <stdarg.h>
#include <ini.h>
#include <stdio.h>
#include <string.h>

#include "kernel/util.h"

typedef struct ParseState {
    BoardConfig *cfg;
    const char *text; /* remaining input */
    int line;         /* line most recently handed to inih */
    int header_line;  /* line of the most recent [section] header */
    bool new_header;  /* a header was read since the last section opened */
    bool line_too_long;
    char *err;
    size_t errlen;
    bool failed;
    GArray *sections;  /* BoardSection */
    GArray *kvs;       /* BoardKV of the current section */
    char *cur_header;  /* raw [header] of the current section */
} ParseState;

static void fail(ParseState *st, int line, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

static void fail(ParseState *st, int line, const char *fmt, ...)
{
    va_list ap;
    if (st->failed)
        return; /* keep the first error */
    st->failed = true;
    int n = snprintf(st->err, st->errlen, "%s:%d: ", st->cfg->path, line);
    if (n < 0 || (size_t)n >= st->errlen)
        return;
    va_start(ap, fmt);
    vsnprintf(st->err + n, st->errlen - n, fmt, ap);
    va_end(ap);
}

/* inih reader: hands over one line per call so that st->line is exact. */
static char *reader(char *buf, int size, void *opaque)
{
    ParseState *st = opaque;
    const char *p = st->text;
    if (!*p)
        return NULL;
    const char *nl = strchr(p, '\n');
    size_t len = nl ? (size_t)(nl - p + 1) : strlen(p);
    st->line++;
    const char *q = p;
    while (*q == ' ' || *q == '\t')
        q++;
    if (*q == '[') {
        st->header_line = st->line;
        st->new_header = true;
        const char *close = memchr(q, ']', len - (q - p));
        if (!close)
            fail(st, st->line, "syntax error: section header without ']'");
    }
    if (len >= (size_t)size) {
        fail(st, st->line, "line longer than %d characters", size - 2);
        len = size - 2; /* inih sees a truncated line; we already failed */
        memcpy(buf, p, len);
        buf[len] = '\n';
        buf[len + 1] = 0;
    } else {
        memcpy(buf, p, len);
        buf[len] = 0;
    }
    st->text = nl ? nl + 1 : p + strlen(p);
    return buf;
}

static void close_section(ParseState *st)
{
    if (st->sections->len == 0)
        return;
    BoardSection *s = &g_array_index(st->sections, BoardSection,
                                     st->sections->len - 1);
    s->nkvs = st->kvs->len;
    s->kvs = (BoardKV *)g_array_free(st->kvs, FALSE);
    st->kvs = g_array_new(FALSE, TRUE, sizeof(BoardKV));
}

static bool valid_name(const char *n)
{
    if (!*n)
        return false;
    for (const char *p = n; *p; p++)
        if (!g_ascii_isalnum(*p) && *p != '_' && *p != '-' && *p != '.')
            return false;
    return true;
}

static void open_section(ParseState *st, const char *header)
{
    BoardSection s = {0};
    char **words = g_strsplit_set(header, " \t", -1);
    char *kind = NULL, *name = NULL;
    int nwords = 0;

    for (char **w = words; *w; w++) {
        if (!**w)
            continue;
        if (nwords == 0)
            kind = *w;
        else if (nwords == 1)
            name = *w;
        nwords++;
    }
    s.line = st->header_line ? st->header_line : st->line;
    if (!kind) {
        fail(st, s.line, "empty section name []");
    } else if (nwords > 2) {
        fail(st, s.line, "section [%s]: expected [KIND] or [KIND NAME]",
             header);
    } else if (!strcmp(kind, "board")) {
        s.kind = SECTION_BOARD;
        if (name)
            fail(st, s.line, "[board] takes no name (got '%s')", name);
    } else if (!strcmp(kind, "cpu")) {
        s.kind = SECTION_CPU;
    } else if (!strcmp(kind, "memory") || !strcmp(kind, "device")) {
        s.kind = !strcmp(kind, "memory") ? SECTION_MEMORY : SECTION_DEVICE;
        if (!name)
            fail(st, s.line, "[%s] needs a name, e.g. [%s %s0]", kind, kind,
                 kind[0] == 'm' ? "ram" : "uart");
    } else {
        fail(st, s.line,
             "unknown section [%s] (expected board, cpu, memory or device)",
             header);
    }
    if (name && !valid_name(name))
        fail(st, s.line,
             "bad name '%s': use letters, digits, '_', '-' and '.'", name);
    /* Names are unique among cpus, memories and devices together. */
    for (guint i = 0; name && i < st->sections->len; i++) {
        BoardSection *o = &g_array_index(st->sections, BoardSection, i);
        if (o->name && !strcmp(o->name, name))
            fail(st, s.line, "name '%s' already used on line %d", name,
                 o->line);
    }
    if (!name && (s.kind == SECTION_BOARD || s.kind == SECTION_CPU)) {
        for (guint i = 0; i < st->sections->len; i++) {
            BoardSection *o = &g_array_index(st->sections, BoardSection, i);
            if (o->kind == s.kind && !*o->name)
                fail(st, s.line, "second [%s] section (first on line %d)",
                     kind, o->line);
        }
    }
    s.name = g_strdup(name ? name : "");
    g_strfreev(words);
    close_section(st);
    g_array_append_val(st->sections, s);
}

static int handler(void *opaque, const char *section, const char *key,
                   const char *value)
{
    ParseState *st = opaque;

    if (!*section) {
        fail(st, st->line, "'%s' outside any section", key ? key : "");
        return 0;
    }
    if (st->new_header || !st->cur_header || strcmp(st->cur_header, section)) {
        st->new_header = false;
        g_free(st->cur_header);
        st->cur_header = g_strdup(section);
        open_section(st, section);
    }
    if (!key)
        return 1; /* an empty section */
    if (st->sections->len == 0) {
        fail(st, st->line, "'%s' outside any section", key);
        return 0;
    }
    for (guint i = 0; i < st->kvs->len; i++) {
        BoardKV *o = &g_array_index(st->kvs, BoardKV, i);
        if (!strcmp(o->key, key)) {
            fail(st, st->line, "key '%s' given twice (first on line %d)", key,
                 o->line);
            return 0;
        }
    }
    BoardKV kv = {g_strdup(key), g_strdup(value), st->line};
    g_array_append_val(st->kvs, kv);
    return 1;
}

BoardConfig *board_parse(const char *path, const char *text, char *err,
                         size_t errlen)
{
    ParseState st = {0};
    BoardConfig *cfg = g_new0(BoardConfig, 1);

    cfg->path = g_strdup(path);
    st.cfg = cfg;
    st.text = text;
    st.err = err;
    st.errlen = errlen;
    st.sections = g_array_new(FALSE, TRUE, sizeof(BoardSection));
    st.kvs = g_array_new(FALSE, TRUE, sizeof(BoardKV));
    int r = ini_parse_stream(reader, &st, handler, &st);
    if (r > 0)
        fail(&st, r, "syntax error (expected [section], key = value, or a "
                     "comment starting with ';' or '#')");
    else if (r < 0)
        fail(&st, 0, "cannot parse");
    close_section(&st);
    g_array_free(st.kvs, TRUE);
    g_free(st.cur_header);
    cfg->nsections = st.sections->len;
    cfg->sections = (BoardSection *)g_array_free(st.sections, FALSE);
    if (!st.failed && !board_section(cfg, SECTION_BOARD))
        fail(&st, 1, "no [board] section");
    if (st.failed) {
        board_free(cfg);
        return NULL;
    }
    return cfg;
}

BoardConfig *board_load(const char *path, char *err, size_t errlen)
{
    gchar *text = NULL;
    gsize len = 0;
    GError *gerr = NULL;

    if (!g_file_get_contents(path, &text, &len, &gerr)) {
        snprintf(err, errlen, "%s: %s", path, gerr->message);
        g_error_free(gerr);
        return NULL;
    }
    if (memchr(text, 0, len)) {
        snprintf(err, errlen, "%s: not a text file (contains NUL bytes)",
                 path);
        g_free(text);
        return NULL;
    }
    BoardConfig *cfg = board_parse(path, text, err, errlen);
    g_free(text);
    return cfg;
}

void board_free(BoardConfig *cfg)
{
    if (!cfg)
        return;
    for (size_t i = 0; i < cfg->nsections; i++) {
        BoardSection *s = &cfg->sections[i];
        for (size_t j = 0; j < s->nkvs; j++) {
            g_free(s->kvs[j].key);
            g_free(s->kvs[j].value);
        }
        g_free(s->kvs);
        g_free(s->name);
    }
    g_free(cfg->sections);
    g_free(cfg->path);
    g_free(cfg);
}

BoardSection *board_section(BoardConfig *cfg, BoardSectionKind kind)
{
    for (size_t i = 0; i < cfg->nsections; i++)
        if (cfg->sections[i].kind == kind)
            return &cfg->sections[i];
    return NULL;
}

BoardKV *board_get(BoardSection *s, const char *key)
{
    for (size_t i = 0; i < s->nkvs; i++)
        if (!strcmp(s->kvs[i].key, key))
            return &s->kvs[i];
    return NULL;
}

bool board_check_keys(BoardConfig *cfg, BoardSection *s,
                      const char *const *allowed, char *err, size_t errlen)
{
    for (size_t i = 0; i < s->nkvs; i++) {
        bool ok = false;
        for (const char *const *a = allowed; *a; a++)
            if (!strcmp(*a, s->kvs[i].key))
                ok = true;
        if (!ok) {
            GString *list = g_string_new(NULL);
            for (const char *const *a = allowed; *a; a++)
                g_string_append_printf(list, "%s%s", a == allowed ? "" : ", ",
                                       *a);
            snprintf(err, errlen, "%s:%d: unknown key '%s' (expected: %s)",
                     cfg->path, s->kvs[i].line, s->kvs[i].key, list->str);
            g_string_free(list, TRUE);
            return false;
        }
    }
    return true;
}

/* Directories holding NAME.ini board files, in search order. */
static GPtrArray *board_dirs(void)
{
    GPtrArray *dirs = g_ptr_array_new_with_free_func(g_free);
    const char *env = g_getenv("TESSERA_BOARD_PATH");
    if (env) {
        char **parts = g_strsplit(env, ":", -1);
        for (char **p = parts; *p; p++)
            if (**p)
                g_ptr_array_add(dirs, g_strdup(*p));
        g_strfreev(parts);
    }
    if (util_running_from_build_tree())
        g_ptr_array_add(dirs, g_strdup(TESSERA_SRCDIR "/config/boards"));
    else
        g_ptr_array_add(dirs, g_strdup(TESSERA_BOARDDIR));
    return dirs;
}

char *board_find(const char *name)
{
    if (strchr(name, '/') || g_str_has_suffix(name, ".ini"))
        return g_strdup(name);
    GPtrArray *dirs = board_dirs();
    char *found = NULL;
    char *file = g_strconcat(name, ".ini", NULL);
    for (guint i = 0; i < dirs->len && !found; i++) {
        char *p = g_build_filename(dirs->pdata[i], file, NULL);
        if (g_file_test(p, G_FILE_TEST_IS_REGULAR))
            found = p;
        else
            g_free(p);
    }
    /* Short aliases: a board file may say "aliases = uno, 2009". */
    for (guint i = 0; i < dirs->len && !found; i++) {
        GDir *d = g_dir_open(dirs->pdata[i], 0, NULL);
        const char *f;
        while (d && !found && (f = g_dir_read_name(d))) {
            if (!g_str_has_suffix(f, ".ini"))
                continue;
            char *p = g_build_filename(dirs->pdata[i], f, NULL);
            char err[256];
            BoardConfig *cfg = board_load(p, err, sizeof(err));
            BoardKV *kv = cfg ? board_get(board_section(cfg, SECTION_BOARD),
                                          "aliases")
                              : NULL;
            if (kv) {
                char **al = g_strsplit_set(kv->value, ", ", -1);
                for (char **a = al; *a; a++)
                    if (!strcmp(*a, name))
                        found = g_strdup(p);
                g_strfreev(al);
            }
            board_free(cfg);
            g_free(p);
        }
        if (d)
            g_dir_close(d);
    }
    g_free(file);
    g_ptr_array_free(dirs, TRUE);
    return found;
}

static gint cmp_str(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void board_print_list(void)
{
    GPtrArray *dirs = board_dirs();
    GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                             NULL);
    GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);

    for (guint i = 0; i < dirs->len; i++) {
        GDir *d = g_dir_open(dirs->pdata[i], 0, NULL);
        const char *f;
        while (d && (f = g_dir_read_name(d))) {
            if (!g_str_has_suffix(f, ".ini"))
                continue;
            char *name = g_strndup(f, strlen(f) - 4);
            if (g_hash_table_contains(seen, name)) {
                g_free(name);
                continue;
            }
            char *p = g_build_filename(dirs->pdata[i], f, NULL);
            char err[256];
            BoardConfig *cfg = board_load(p, err, sizeof(err));
            BoardKV *kv = cfg ? board_get(board_section(cfg, SECTION_BOARD),
                                          "description")
                              : NULL;
            g_ptr_array_add(lines, g_strdup_printf(
                                       "%-22s %s", name,
                                       kv ? kv->value
                                          : cfg ? "" : "(broken board file)"));
            g_hash_table_add(seen, name);
            board_free(cfg);
            g_free(p);
        }
        if (d)
            g_dir_close(d);
    }
    g_ptr_array_sort(lines, cmp_str);
    printf("Supported boards (-M NAME, or -M path/to/board.ini):\n");
    for (guint i = 0; i < lines->len; i++)
        printf("%s\n", (char *)lines->pdata[i]);
    g_ptr_array_free(lines, TRUE);
    g_hash_table_destroy(seen);
    g_ptr_array_free(dirs, TRUE);
}
