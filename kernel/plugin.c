/* SPDX-License-Identifier: MIT */
#include "kernel/plugin.h"

#include "kernel/util.h"

#include <dirent.h>
#include <glib.h>
#include <stddef.h>
#include <ltdl.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

typedef struct PluginFile {
    char *path;
    char *name; /* file name without .so */
    lt_dlhandle handle;
    const TesseraPluginDesc *desc;
    int fd; /* the file as found at start-up, see load_file() */
    bool tried;
    bool ok;
} PluginFile;

typedef struct Registered {
    const void *cls;
    PluginFile *file;
} Registered;

static GPtrArray *extra_dirs;   /* -L */
static GPtrArray *search_dirs;  /* all, in order; built on first use */
static GPtrArray *files;        /* PluginFile, in search order */
static GHashTable *files_by_name;
static GHashTable *reg_arch, *reg_device, *reg_board;
static PluginFile *loading;     /* the plugin whose init() is running */
static bool ltdl_ready;

void plugin_add_dir(const char *dir)
{
    if (!extra_dirs)
        extra_dirs = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(extra_dirs, g_strdup(dir));
}

/* g_ptr_array_sort passes pointers to the elements: by name, after the
 * type byte in front (scan_dir). */
static gint cmp_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a + 1, *(char *const *)b + 1);
}

/*
 * Whether the entry n of dir is a directory: from readdir's d_type where
 * the file system gives it (a build tree's plugin folders hold some 500
 * files: a stat each was 2-3 ms of every start), else from stat.
 */
static bool is_dir(const char *dir, const char *n, unsigned char type)
{
    if (type != DT_UNKNOWN && type != DT_LNK)
        return type == DT_DIR;
    char *p = g_build_filename(dir, n, NULL);
    bool r = g_file_test(p, G_FILE_TEST_IS_DIR);
    g_free(p);
    return r;
}

static void scan_dir(const char *dir, int depth)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    if (!d)
        return;
    /* Names sorted, each with its d_type + 1 in front. */
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            g_ptr_array_add(names, g_strdup_printf("%c%s", e->d_type + 1,
                                                   e->d_name));
    closedir(d);
    g_ptr_array_sort(names, cmp_names);
    for (guint i = 0; i < names->len; i++) {
        const char *n = (const char *)names->pdata[i] + 1;
        unsigned char type = *(const unsigned char *)names->pdata[i] - 1;
        if (g_str_has_suffix(n, ".so") && !is_dir(dir, n, type)) {
            /* The first file of a name wins, so -L overrides installed
             * plugins and a newer copy never shadows the one chosen. */
            char *name = g_strndup(n, strlen(n) - 3);
            if (g_hash_table_contains(files_by_name, name)) {
                g_free(name);
            } else {
                PluginFile *pf = g_new0(PluginFile, 1);
                pf->path = g_build_filename(dir, n, NULL);
                pf->fd = open(pf->path, O_RDONLY | O_CLOEXEC);
                pf->name = name;
                g_ptr_array_add(files, pf);
                g_hash_table_insert(files_by_name, pf->name, pf);
            }
        } else if (depth > 0 && (n[0] != '.' || !strcmp(n, ".libs")) &&
                   is_dir(dir, n, type)) {
            char *p = g_build_filename(dir, n, NULL);
            scan_dir(p, depth - 1);
            g_free(p);
        }
    }
    g_ptr_array_free(names, TRUE);
}

static void init_catalog(void)
{
    if (files)
        return;
    files = g_ptr_array_new();
    files_by_name = g_hash_table_new(g_str_hash, g_str_equal);
    reg_arch = g_hash_table_new(g_str_hash, g_str_equal);
    reg_device = g_hash_table_new(g_str_hash, g_str_equal);
    reg_board = g_hash_table_new(g_str_hash, g_str_equal);
    search_dirs = g_ptr_array_new_with_free_func(g_free);

    for (guint i = 0; extra_dirs && i < extra_dirs->len; i++)
        g_ptr_array_add(search_dirs, g_strdup(extra_dirs->pdata[i]));
    const char *env = g_getenv("TESSERA_PLUGIN_PATH");
    if (env) {
        char **parts = g_strsplit(env, ":", -1);
        for (char **p = parts; *p; p++)
            if (**p)
                g_ptr_array_add(search_dirs, g_strdup(*p));
        g_strfreev(parts);
    }
    if (util_running_from_build_tree()) {
        g_ptr_array_add(search_dirs, g_strdup(TESSERA_BUILDDIR "/plugins"));
    } else {
        /* One directory per ABI major holding {arch,devices,boards,tools}:
         * packages for another ABI install beside it, never over it. */
        g_ptr_array_add(search_dirs, g_strdup(TESSERA_PLUGINDIR));
    }
    for (guint i = 0; i < search_dirs->len; i++)
        scan_dir(search_dirs->pdata[i], 4);
}

static char *searched_dirs(void)
{
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < search_dirs->len; i++)
        g_string_append_printf(s, "%s%s", i ? ", " : "",
                               (char *)search_dirs->pdata[i]);
    return g_string_free(s, FALSE);
}

/*
 * The distribution package that ships plugin NAME, from the first
 * "plugin-packages" file of the search directories that mentions it. Each
 * line is "KIND/FILE.so PACKAGE"; the build generates the file from the
 * source layout, so it also knows plugins that are not installed.
 */
static char *package_of(const char *name)
{
    char *want = g_strconcat("/", name, ".so", NULL);
    char *pkg = NULL;
    for (guint i = 0; i < search_dirs->len && !pkg; i++) {
        char *p = g_build_filename(search_dirs->pdata[i], "plugin-packages",
                                   NULL);
        char *text = NULL;
        if (g_file_get_contents(p, &text, NULL, NULL)) {
            char **lines = g_strsplit(text, "\n", -1);
            for (char **l = lines; *l && !pkg; l++) {
                char **f = g_strsplit_set(*l, " \t", -1);
                if (f[0] && f[1] && *f[1]) {
                    char *file = g_strconcat("/", f[0], NULL);
                    if (g_str_has_suffix(file, want))
                        pkg = g_strdup(f[1]);
                    g_free(file);
                }
                g_strfreev(f);
            }
            g_strfreev(lines);
            g_free(text);
        }
        g_free(p);
    }
    g_free(want);
    return pkg;
}

/*
 * Why path does not load. lt_dlopen() tries its "dlopen" loader, then
 * its "preopen" loader, whose "file not found" replaces the real reason
 * (an unresolved symbol, not an ELF file, too many open files); asking
 * the dlopen loader alone gets that reason from lt_dlerror().
 */
static char *load_error(const char *path)
{
    const lt_dlvtable *v = lt_dlloader_find("lt_dlopen");
    if (!v || !v->module_open)
        return g_strdup(lt_dlerror());
    lt_module m = v->module_open(v->dlloader_data, path, NULL);
    if (m) { /* it loads now: the file changed under us */
        v->module_close(v->dlloader_data, m);
        return g_strdup("it changed while being loaded");
    }
    const char *why = lt_dlerror();
    if (!why)
        return g_strdup("unknown error");
    /* dlerror() starts with the file name we already print. */
    if (g_str_has_prefix(why, path) && !strncmp(why + strlen(path), ": ", 2))
        why += strlen(path) + 2;
    return g_strdup(why);
}

static bool load_file(PluginFile *pf, bool quiet)
{
    if (pf->tried)
        return pf->ok;
    pf->tried = true;
    if (!ltdl_ready) {
        lt_dlinit();
        ltdl_ready = true;
    }
    lt_dladvise adv;
    lt_dladvise_init(&adv);
    lt_dladvise_local(&adv);
    /* Open the file we found at start-up, not what the path names now:
     * a package upgrade replaces plugin files under a running emulator,
     * and a plugin of the new version may not suit this core. */
    if (pf->fd >= 0) {
        char *pinned = g_strdup_printf("/proc/self/fd/%d", pf->fd);
        pf->handle = lt_dlopenadvise(pinned, adv);
        g_free(pinned);
    }
    if (!pf->handle)
        pf->handle = lt_dlopenadvise(pf->path, adv);
    lt_dladvise_destroy(&adv);
    if (!pf->handle) {
        char *why = load_error(pf->path);
        tessera_error("%s: cannot load plugin: %s", pf->path, why);
        g_free(why);
        return false;
    }
    pf->desc = lt_dlsym(pf->handle, TESSERA_PLUGIN_SYMBOL);
    if (!pf->desc) {
        if (!quiet)
            tessera_error("%s: not a Tessera plugin (no %s symbol)", pf->path,
                          TESSERA_PLUGIN_SYMBOL);
        lt_dlclose(pf->handle);
        pf->handle = NULL;
        return false;
    }
    if (pf->desc->abi_major != TESSERA_ABI_MAJOR ||
        pf->desc->abi_minor > TESSERA_ABI_MINOR) {
        tessera_error("%s: plugin built for plugin ABI %u.%u, but this "
                      "tessera provides ABI %u.%u",
                      pf->path, pf->desc->abi_major, pf->desc->abi_minor,
                      TESSERA_ABI_MAJOR, TESSERA_ABI_MINOR);
        pf->desc = NULL;
        lt_dlclose(pf->handle);
        pf->handle = NULL;
        return false;
    }
    loading = pf;
    int r = pf->desc->init ? pf->desc->init() : 0;
    loading = NULL;
    if (r != 0) {
        tessera_error("%s: plugin '%s' failed to initialise", pf->path,
                      pf->desc->name);
        return false;
    }
    pf->ok = true;
    return true;
}

void plugin_load_all(void)
{
    init_catalog();
    for (guint i = 0; i < files->len; i++)
        load_file(files->pdata[i], true);
}

static int do_register(GHashTable *table, const char *what, const char *name,
                       const void *cls)
{
    init_catalog();
    if (!name || !*name) {
        tessera_error("%s: registers a %s without a name",
                      loading ? loading->path : "(core)", what);
        return -1;
    }
    Registered *old = g_hash_table_lookup(table, name);
    if (old) {
        tessera_error("%s type '%s' registered twice (by %s and %s)", what,
                      name, old->file ? old->file->path : "(core)",
                      loading ? loading->path : "(core)");
        return -1;
    }
    Registered *r = g_new0(Registered, 1);
    r->cls = cls;
    r->file = loading;
    g_hash_table_insert(table, (gpointer)name, r);
    return 0;
}

int tessera_register_arch(const TesseraArchClass *cls)
{
    /* A plugin built for ABI 2.0 has a class without the 2.1 fields:
     * give the core a copy whose missing fields are zero. */
    if (loading && loading->desc && loading->desc->abi_minor < 1) {
        TesseraArchClass *full = g_new0(TesseraArchClass, 1);
        memcpy(full, cls, offsetof(TesseraArchClass, gdb_xml));
        cls = full; /* kept until the process ends, as the plugin's */
    }
    return do_register(reg_arch, "arch", cls->name, cls);
}

int tessera_register_device(const TesseraDeviceClass *cls)
{
    /* Before ABI 2.2 the class ended before slot_type. */
    if (loading && loading->desc && loading->desc->abi_minor < 2) {
        TesseraDeviceClass *full = g_new0(TesseraDeviceClass, 1);
        memcpy(full, cls, offsetof(TesseraDeviceClass, slot_type));
        cls = full; /* kept until the process ends, as the plugin's */
    }
    return do_register(reg_device, "device", cls->name, cls);
}

int tessera_register_board(const TesseraBoardClass *cls)
{
    return do_register(reg_board, "board logic", cls->name, cls);
}

static const void *find(GHashTable **tablep, const char *what,
                        const char *name, const char *requester)
{
    init_catalog();
    GHashTable *table = *tablep;
    Registered *r = g_hash_table_lookup(table, name);
    if (r)
        return r->cls;
    PluginFile *pf = g_hash_table_lookup(files_by_name, name);
    if (pf && load_file(pf, false)) {
        r = g_hash_table_lookup(table, name);
        if (r)
            return r->cls;
    }
    plugin_load_all();
    r = g_hash_table_lookup(table, name);
    if (r)
        return r->cls;
    if (requester && pf && !pf->ok) {
        tessera_error("%s: %s '%s': %s did not load (reason above)",
                      requester, what, name, pf->path);
    } else if (requester) {
        char *dirs = searched_dirs();
        char *pkg = package_of(name);
        char *hint = pkg ? g_strdup_printf("; it is in the package '%s': "
                                           "install that package", pkg)
                         : g_strdup("");
        tessera_error("%s: no plugin provides %s '%s' (looked for %s.so in: "
                      "%s)%s",
                      requester, what, name, name, *dirs ? dirs : "(none)",
                      hint);
        g_free(hint);
        g_free(pkg);
        g_free(dirs);
    }
    return NULL;
}

const TesseraArchClass *plugin_find_arch(const char *name,
                                         const char *requester)
{
    return find(&reg_arch, "arch", name, requester);
}

const TesseraDeviceClass *plugin_find_device(const char *name,
                                             const char *requester)
{
    return find(&reg_device, "device type", name, requester);
}

const TesseraBoardClass *plugin_find_board(const char *name,
                                           const char *requester)
{
    return find(&reg_board, "board logic", name, requester);
}

static Registered *reg_of(const void *cls)
{
    GHashTable *tables[] = {reg_arch, reg_device, reg_board};
    for (size_t t = 0; t < G_N_ELEMENTS(tables); t++) {
        GHashTableIter it;
        gpointer k, v;
        if (!tables[t])
            continue;
        g_hash_table_iter_init(&it, tables[t]);
        while (g_hash_table_iter_next(&it, &k, &v))
            if (((Registered *)v)->cls == cls)
                return v;
    }
    return NULL;
}

const char *plugin_file_of(const void *cls)
{
    Registered *r = reg_of(cls);
    return r && r->file ? r->file->path : "(built in)";
}

static GList *sorted_keys(GHashTable *t)
{
    return g_list_sort(g_hash_table_get_keys(t), (GCompareFunc)strcmp);
}

unsigned plugin_arch_count(void)
{
    init_catalog();
    return g_hash_table_size(reg_arch);
}

const TesseraArchClass *plugin_arch(unsigned i)
{
    GList *keys = sorted_keys(reg_arch);
    GList *k = g_list_nth(keys, i);
    const TesseraArchClass *cls = NULL;
    if (k)
        cls = ((Registered *)g_hash_table_lookup(reg_arch, k->data))->cls;
    g_list_free(keys);
    return cls;
}

void plugin_print_archs(void)
{
    plugin_load_all();
    GList *keys = sorted_keys(reg_arch);
    printf("Available CPU models (-cpu NAME):\n");
    for (GList *k = keys; k; k = k->next) {
        Registered *r = g_hash_table_lookup(reg_arch, k->data);
        const TesseraArchClass *a = r->cls;
        for (const TesseraCpuModel *m = a->models; m && m->name; m++)
            printf("%-16s %-8s %s%s\n", m->name, a->name,
                   m->description ? m->description : "",
                   a->default_model && !strcmp(a->default_model, m->name)
                       ? " (default)"
                       : "");
    }
    if (!keys)
        printf("(no arch plugin found)\n");
    /* What a board file's "cpuN:INPUT" references may name. */
    for (GList *k = keys; k; k = k->next) {
        Registered *r = g_hash_table_lookup(reg_arch, k->data);
        const TesseraArchClass *a = r->cls;
        const char *const *in = a->irq_inputs;
        if (!in || !*in)
            continue;
        unsigned n = 0;
        while (in[n])
            n++;
        printf("IRQ inputs of %s CPUs (cpuN:NAME or cpuN:NUMBER): ", a->name);
        if (n > 12)
            printf("%s .. %s (%u inputs)\n", in[0], in[n - 1], n);
        else
            for (unsigned i = 0; i < n; i++)
                printf("%s%s", in[i], i + 1 < n ? " " : "\n");
    }
    g_list_free(keys);
}

void plugin_print_board_logic(void)
{
    plugin_load_all();
    GList *keys = sorted_keys(reg_board);
    printf("Board logic ([board] logic = NAME):\n");
    for (GList *k = keys; k; k = k->next) {
        Registered *r = g_hash_table_lookup(reg_board, k->data);
        const TesseraBoardClass *b = r->cls;
        printf("%-22s %s\n", b->name, b->description ? b->description : "");
    }
    if (!keys)
        printf("(no board logic plugin found)\n");
    g_list_free(keys);
}

void plugin_print_devices(void)
{
    plugin_load_all();
    GList *keys = sorted_keys(reg_device);
    printf("Available device types (use -device NAME,help for properties):\n");
    for (GList *k = keys; k; k = k->next) {
        Registered *r = g_hash_table_lookup(reg_device, k->data);
        const TesseraDeviceClass *d = r->cls;
        printf("%-20s %s\n", d->name, d->description ? d->description : "");
    }
    if (!keys)
        printf("(no device plugin found)\n");
    g_list_free(keys);
}

void plugin_print_plugins(void)
{
    static const char *kind_names[] = {"?", "arch", "device", "board", "tool"};
    plugin_load_all();
    printf("%-20s %-7s %-9s %s\n", "PLUGIN", "KIND", "VERSION", "FILE");
    for (guint i = 0; i < files->len; i++) {
        PluginFile *pf = files->pdata[i];
        if (!pf->ok)
            continue;
        unsigned k = pf->desc->kind <= 4 ? pf->desc->kind : 0;
        printf("%-20s %-7s %-9s %s\n", pf->desc->name, kind_names[k],
               pf->desc->version ? pf->desc->version : "", pf->path);
    }
}

void plugin_describe_loaded(GString *out)
{
    static const char *kind_names[] = {"?", "arch", "device", "board", "tool"};
    for (guint i = 0; files && i < files->len; i++) {
        PluginFile *pf = files->pdata[i];
        if (!pf->ok || !pf->handle)
            continue;
        unsigned k = pf->desc->kind <= 4 ? pf->desc->kind : 0;
        g_string_append_printf(out, "%-20s %-7s %-9s %s\n", pf->desc->name,
                               kind_names[k],
                               pf->desc->version ? pf->desc->version : "",
                               pf->path);
    }
}

void plugin_shutdown(void)
{
    if (!files)
        return;
    for (guint i = 0; i < files->len; i++) {
        PluginFile *pf = files->pdata[i];
        if (pf->handle)
            lt_dlclose(pf->handle);
        if (pf->fd >= 0)
            close(pf->fd);
        g_free(pf->path);
        g_free(pf->name);
        g_free(pf);
    }
    g_ptr_array_free(files, TRUE);
    files = NULL;
    g_hash_table_destroy(files_by_name);
    GHashTable *tables[] = {reg_arch, reg_device, reg_board};
    for (size_t t = 0; t < G_N_ELEMENTS(tables); t++) {
        GHashTableIter it;
        gpointer k, v;
        g_hash_table_iter_init(&it, tables[t]);
        while (g_hash_table_iter_next(&it, &k, &v))
            g_free(v);
        g_hash_table_destroy(tables[t]);
    }
    reg_arch = reg_device = reg_board = NULL;
    g_ptr_array_free(search_dirs, TRUE);
    search_dirs = NULL;
    if (ltdl_ready) {
        lt_dlexit();
        ltdl_ready = false;
    }
}
