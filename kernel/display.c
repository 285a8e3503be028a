/* SPDX-License-Identifier: MIT */
/* The display layer: see kernel/display.h and tessera/display.h. */
#include <glib.h>
#include <inttypes.h>
#include <ltdl.h>
#include <string.h>
#include <time.h>

#include "kernel/bus.h"
#include "kernel/device.h"
#include "kernel/display.h"
#include "kernel/fdwatch.h"
#include "kernel/log.h"
#include "kernel/sched.h"
#include "kernel/util.h"

struct TesseraDisplay {
    TesseraDevice *dev;
    DisplaySurface s;
    bool poll;       /* compare with shadow at each refresh */
    uint8_t *shadow; /* poll: the contents the front-end has */
    bool resized;    /* the front-end has not seen this surface yet */
    unsigned dx0, dy0, dx1, dy1; /* dirty bounding box, exclusive end */
};

static GPtrArray *displays; /* TesseraDisplay *, creation order */
static const DisplayListener *listener;
static char *ui_name;       /* -display NAME (NULL: none) */
static char *ui_opts;       /* what follows NAME, */
static bool want_help;
static lt_dlhandle ui_module;
static uint64_t next_refresh_ns;

unsigned tessera_pixel_bytes(TesseraPixelFormat format)
{
    return format == TESSERA_PIXEL_XRGB8888 ? 4
           : format == TESSERA_PIXEL_RGB565 ? 2 : 0;
}

TesseraDisplay *tessera_display_new(TesseraDevice *dev)
{
    TesseraDisplay *d = g_new0(TesseraDisplay, 1);
    d->dev = dev;
    if (!displays)
        displays = g_ptr_array_new();
    g_ptr_array_add(displays, d);
    return d;
}

static void mark(TesseraDisplay *d, unsigned x0, unsigned y0, unsigned x1,
                 unsigned y1)
{
    if (d->dx1 == 0) {
        d->dx0 = x0, d->dy0 = y0, d->dx1 = x1, d->dy1 = y1;
        return;
    }
    d->dx0 = MIN(d->dx0, x0);
    d->dy0 = MIN(d->dy0, y0);
    d->dx1 = MAX(d->dx1, x1);
    d->dy1 = MAX(d->dy1, y1);
}

int tessera_display_set_surface(TesseraDisplay *d, unsigned width,
                                unsigned height, unsigned stride,
                                TesseraPixelFormat format, const void *pixels)
{
    unsigned bpp = tessera_pixel_bytes(format);
    const char *who = d->dev ? tessera_dev_name(d->dev) : "display";

    if (!bpp) {
        tessera_error("%s: unknown pixel format %d", who, (int)format);
        return -1;
    }
    if (!width || !height || width > 16384 || height > 16384 ||
        stride < (uint64_t)width * bpp || !pixels) {
        tessera_error("%s: bad surface %ux%u, stride %u bytes (at least "
                      "%u), 1 to 16384 pixels each way", who, width, height,
                      stride, width * bpp);
        return -1;
    }
    d->s = (DisplaySurface){width, height, stride, format, pixels};
    g_free(d->shadow);
    d->shadow = NULL;
    d->resized = true;
    mark(d, 0, 0, width, height);
    return 0;
}

void tessera_display_dirty(TesseraDisplay *d, unsigned x, unsigned y,
                           unsigned w, unsigned h)
{
    if (x >= d->s.width || y >= d->s.height || !w || !h)
        return;
    mark(d, x, y, x + MIN(w, d->s.width - x), y + MIN(h, d->s.height - y));
}

void tessera_display_set_poll(TesseraDisplay *d, bool on)
{
    d->poll = on;
}

void *tessera_dev_map_ram(TesseraDevice *dev, uint64_t base, uint64_t size)
{
    Region *r = bus_add_ram(tessera_dev_name(dev), base, size);
    return r ? r->host : NULL;
}

/* ---------------------------------------------------------------------- */
/* Refresh                                                                 */

/* Poll mode: the lines that differ from the shadow copy become dirty. */
static void compare_shadow(TesseraDisplay *d)
{
    const DisplaySurface *s = &d->s;
    size_t line = (size_t)s->width * tessera_pixel_bytes(s->format);

    if (!d->shadow) {
        d->shadow = g_malloc((size_t)line * s->height);
        for (unsigned y = 0; y < s->height; y++)
            memcpy(d->shadow + y * line, s->pixels + (size_t)y * s->stride,
                   line);
        return; /* the resize redraws everything */
    }
    for (unsigned y = 0; y < s->height; y++) {
        const uint8_t *src = s->pixels + (size_t)y * s->stride;
        uint8_t *dst = d->shadow + y * line;
        if (memcmp(src, dst, line)) {
            memcpy(dst, src, line);
            mark(d, 0, y, s->width, y + 1);
        }
    }
}

void display_refresh(void)
{
    TesseraDisplay *d = displays && displays->len ? displays->pdata[0] : NULL;

    if (d && d->s.pixels && listener) {
        if (d->poll)
            compare_shadow(d);
        if (d->resized) {
            d->resized = false;
            d->dx1 = 0;
            listener->resize(listener->opaque, &d->s);
        } else if (d->dx1) {
            unsigned x = d->dx0, y = d->dy0;
            unsigned w = d->dx1 - x, h = d->dy1 - y;
            d->dx1 = 0;
            listener->update(listener->opaque, &d->s, x, y, w, h);
        }
    }
    if (listener && listener->tick)
        listener->tick(listener->opaque);
}

static uint64_t host_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void refresh_prepare(void *opaque, int *timeout_ms)
{
    (void)opaque;
    uint64_t now = host_now_ns();
    int ms = now >= next_refresh_ns
                 ? 0
                 : (int)((next_refresh_ns - now + 999999) / 1000000);
    if (*timeout_ms < 0 || ms < *timeout_ms)
        *timeout_ms = ms;
}

static bool refresh_dispatch(void *opaque, bool error)
{
    (void)opaque, (void)error;
    uint64_t now = host_now_ns();
    if (now < next_refresh_ns)
        return false;
    next_refresh_ns = now + DISPLAY_REFRESH_MS * 1000000ull;
    display_refresh();
    return false;
}

static const FdSource refresh_source = {refresh_prepare, refresh_dispatch,
                                        NULL};

void display_set_listener(const DisplayListener *l)
{
    if (listener && !l)
        fdwatch_unregister(&refresh_source);
    else if (!listener && l)
        fdwatch_register(&refresh_source);
    listener = l;
    for (guint i = 0; l && displays && i < displays->len; i++)
        ((TesseraDisplay *)displays->pdata[i])->resized = true;
}

bool display_surface(DisplaySurface *out)
{
    TesseraDisplay *d = displays && displays->len ? displays->pdata[0] : NULL;
    if (!d || !d->s.pixels)
        return false;
    *out = d->s;
    return true;
}

void display_request_close(void)
{
    /* No board has a power button yet: QEMU quits then too. */
    sched_request_quit("host-ui");
}

/* ---------------------------------------------------------------------- */
/* -display                                                                */

static const struct {
    const char *name, *help;
} frontends[] = {
    {"none", "no window (the default; screendump still works)"},
    {"sdl", "an SDL2 window: Ctrl-Alt-G grabs/releases the mouse and "
            "keyboard, Ctrl-Alt-F toggles full screen, closing it quits"},
};

int display_parse(const char *spec)
{
    size_t n = strcspn(spec, ",");

    if (!strcmp(spec, "help")) {
        want_help = true;
        return 0;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(frontends); i++) {
        if (strlen(frontends[i].name) == n &&
            !strncmp(spec, frontends[i].name, n)) {
            g_free(ui_name);
            g_free(ui_opts);
            ui_name = strcmp(frontends[i].name, "none")
                          ? g_strdup(frontends[i].name)
                          : NULL;
            ui_opts = g_strdup(spec[n] ? spec + n + 1 : "");
            return 0;
        }
    }
    tessera_error("-display %s: unknown display type (-display help lists "
                  "them)", spec);
    return -1;
}

bool display_help_requested(void)
{
    return want_help;
}

void display_print_help(void)
{
    printf("Available display backend types:\n");
    for (size_t i = 0; i < G_N_ELEMENTS(frontends); i++)
        printf("%-6s %s\n", frontends[i].name, frontends[i].help);
    printf("-nographic: no window, serial port 0 and the monitor on the "
           "terminal\n");
}

/* Loads ui-NAME.so from the build tree or the installed ui directory. */
static int load_frontend(void)
{
    char *dir = util_running_from_build_tree()
                    ? g_strdup(TESSERA_BUILDDIR "/ui/.libs")
                    : g_strdup(TESSERA_UIDIR);
    const char *env = g_getenv("TESSERA_UI_PATH");
    char *path = g_strdup_printf("%s/ui-%s.so", env && *env ? env : dir,
                                 ui_name);
    char *sym = g_strdup_printf("tessera_ui_%s_init", ui_name);
    int r = -1;

    lt_dlinit();
    ui_module = lt_dlopen(path);
    if (!ui_module) {
        tessera_error("-display %s: cannot load its front-end %s: %s (the "
                      "Debian package tessera-ui-%s holds it)", ui_name, path,
                      lt_dlerror(), ui_name);
        goto out;
    }
    int (*init)(const char *opts) = (int (*)(const char *))lt_dlsym(ui_module,
                                                                    sym);
    if (!init)
        tessera_error("-display %s: %s has no %s()", ui_name, path, sym);
    else
        r = init(ui_opts);
out:
    g_free(sym);
    g_free(path);
    g_free(dir);
    return r;
}

int display_start(void)
{
    if (!ui_name)
        return 0;
    if (!displays || !displays->len) {
        tessera_warn("-display %s: the machine has no display device (add "
                     "one, e.g. -device simple-framebuffer): no window",
                     ui_name);
        return 0;
    }
    return load_frontend();
}

void display_cleanup(void)
{
    if (listener && listener->fini)
        listener->fini(listener->opaque);
    display_set_listener(NULL);
    if (ui_module) {
        lt_dlclose(ui_module);
        ui_module = NULL;
    }
    for (guint i = 0; displays && i < displays->len; i++) {
        TesseraDisplay *d = displays->pdata[i];
        g_free(d->shadow);
        g_free(d);
    }
    if (displays)
        g_ptr_array_free(displays, TRUE);
    displays = NULL;
}
