/* SPDX-License-Identifier: MIT */
#include "kernel/board.h"

#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kernel/util.h"

typedef struct ParseState {
    BoardConfig *cfg;
    int line;         /* line being parsed */
    char *err;
    size_t errlen;
    bool failed;
    GArray *sections;  /* BoardSection */
    GArray *kvs;       /* BoardKV of the current section */
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
    s.line = st->line;
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

/* "key = value" inside the current section. */
static void add_key(ParseState *st, const char *key, const char *value)
{
    if (st->sections->len == 0) {
        fail(st, st->line, "'%s' outside any section", key);
        return;
    }
    for (guint i = 0; i < st->kvs->len; i++) {
        BoardKV *o = &g_array_index(st->kvs, BoardKV, i);
        if (!strcmp(o->key, key)) {
            fail(st, st->line, "key '%s' given twice (first on line %d)", key,
                 o->line);
            return;
        }
    }
    BoardKV kv = {g_strdup(key), g_strdup(value), st->line};
    g_array_append_val(st->kvs, kv);
}

/*
 * Cuts a comment off line: ';' or '#' at the start of the line or after
 * a space or tab. Then strips the spaces around what is left.
 */
static char *strip_comment(char *line)
{
    for (char *p = line; *p; p++) {
        if ((*p == ';' || *p == '#') &&
            (p == line || p[-1] == ' ' || p[-1] == '\t')) {
            *p = 0;
            break;
        }
    }
    return g_strstrip(line);
}

/* One line, without its line ending. */
static void parse_line(ParseState *st, char *line)
{
    line = strip_comment(line);
    if (!*line)
        return;
    if (*line == '[') {
        char *close = strchr(line, ']');
        if (!close || close[1]) {
            fail(st, st->line, "syntax error: expected [KIND] or [KIND NAME] "
                               "on a line of its own");
            return;
        }
        *close = 0;
        open_section(st, line + 1);
        return;
    }
    char *eq = strchr(line, '=');
    if (!eq) {
        fail(st, st->line, "syntax error (expected [section], key = value, or "
                           "a comment starting with ';' or '#')");
        return;
    }
    *eq = 0;
    char *key = g_strstrip(line), *value = g_strstrip(eq + 1);
    if (!*key) {
        fail(st, st->line, "syntax error: '= %s' has no key", value);
        return;
    }
    add_key(st, key, value);
}

BoardConfig *board_parse(const char *path, const char *text, char *err,
                         size_t errlen)
{
    ParseState st = {0};
    BoardConfig *cfg = g_new0(BoardConfig, 1);

    cfg->path = g_strdup(path);
    st.cfg = cfg;
    st.err = err;
    st.errlen = errlen;
    st.sections = g_array_new(FALSE, TRUE, sizeof(BoardSection));
    st.kvs = g_array_new(FALSE, TRUE, sizeof(BoardKV));
    /* Lines end with LF, CRLF or CR; a UTF-8 byte order mark is skipped. */
    const char *p = text;
    if (!strncmp(p, "\xef\xbb\xbf", 3))
        p += 3;
    while (*p && !st.failed) {
        size_t len = strcspn(p, "\r\n");
        char *line = g_strndup(p, len);
        st.line++;
        parse_line(&st, line);
        g_free(line);
        p += len;
        if (p[0] == '\r' && p[1] == '\n')
            p += 2;
        else if (*p)
            p++;
    }
    close_section(&st);
    g_array_free(st.kvs, TRUE);
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
            BoardSection *b = cfg ? board_section(cfg, SECTION_BOARD) : NULL;
            BoardKV *kv = b ? board_get(b, "description") : NULL;
            BoardKV *al = b ? board_get(b, "aliases") : NULL;
            g_ptr_array_add(lines, g_strdup_printf(
                                       "%-22s %s%s%s%s", name,
                                       kv ? kv->value
                                          : cfg ? "" : "(broken board file)",
                                       al ? " (alias: " : "",
                                       al ? al->value : "", al ? ")" : ""));
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
