/* SPDX-License-Identifier: MIT */
/*
 * -display sdl: the first display in an SDL2 window. A module of the core
 * (ui-sdl.so, loaded by kernel/display.c), so that the tessera binary does
 * not need libSDL2 and a distribution can ship the window apart.
 *
 * The window starts at the surface's size (one host pixel per guest
 * pixel) and scales, keeping the aspect, when resized. Keys go to the
 * guest as Linux key codes from SDL's scancodes (layout independent);
 * the mouse as absolute positions when the guest has a tablet, else as
 * relative motion while grabbed (Ctrl-Alt-G, or a click). Ctrl-Alt-F
 * toggles full screen. Closing the window asks the machine to shut down.
 *
 * Options (-display sdl,OPT=...): full-screen=on|off.
 */
#include <SDL.h>
#include <glib.h>
#include <string.h>

#include "kernel/display.h"
#include "kernel/input.h"
#include <tessera/tessera.h>
#include "ui/sdl-keymap.h"

typedef struct Sdl {
    SDL_Window *win;
    SDL_Renderer *ren;
    SDL_Texture *tex;
    unsigned w, h;
    TesseraPixelFormat format;
    bool grabbed, full_screen;
    bool hotkey_used; /* a Ctrl-Alt combination: eat the key's release */
} Sdl;

static Sdl sdl;

int tessera_ui_sdl_init(const char *opts);

static void set_title(void)
{
    SDL_SetWindowTitle(sdl.win, sdl.grabbed
                                    ? "Tessera - Press Ctrl-Alt-G to exit grab"
                                    : "Tessera - Ctrl-Alt-G grabs, "
                                      "Ctrl-Alt-F full screen");
}

static void present(void)
{
    SDL_SetRenderDrawColor(sdl.ren, 0, 0, 0, 255);
    SDL_RenderClear(sdl.ren);
    SDL_RenderCopy(sdl.ren, sdl.tex, NULL, NULL);
    SDL_RenderPresent(sdl.ren);
}

static void sdl_update(void *opaque, const DisplaySurface *s, unsigned x,
                       unsigned y, unsigned w, unsigned h)
{
    (void)opaque;
    SDL_Rect r = {(int)x, (int)y, (int)w, (int)h};
    const uint8_t *p = s->pixels + (size_t)y * s->stride +
                       (size_t)x * tessera_pixel_bytes(s->format);
    SDL_UpdateTexture(sdl.tex, &r, p, (int)s->stride);
    present();
}

static void sdl_resize(void *opaque, const DisplaySurface *s)
{
    if (sdl.tex)
        SDL_DestroyTexture(sdl.tex);
    sdl.tex = SDL_CreateTexture(sdl.ren,
                                s->format == TESSERA_PIXEL_RGB565
                                    ? SDL_PIXELFORMAT_RGB565
                                    : SDL_PIXELFORMAT_RGB888,
                                SDL_TEXTUREACCESS_STREAMING, (int)s->width,
                                (int)s->height);
    if (s->width != sdl.w || s->height != sdl.h) {
        sdl.w = s->width;
        sdl.h = s->height;
        if (!sdl.full_screen)
            SDL_SetWindowSize(sdl.win, (int)sdl.w, (int)sdl.h);
        SDL_RenderSetLogicalSize(sdl.ren, (int)sdl.w, (int)sdl.h);
    }
    SDL_ShowWindow(sdl.win);
    sdl_update(opaque, s, 0, 0, s->width, s->height);
}

static void set_grab(bool on)
{
    sdl.grabbed = on;
    SDL_SetWindowGrab(sdl.win, on ? SDL_TRUE : SDL_FALSE);
    SDL_SetWindowKeyboardGrab(sdl.win, on ? SDL_TRUE : SDL_FALSE);
    if (!input_pointer_is_absolute())
        SDL_SetRelativeMouseMode(on ? SDL_TRUE : SDL_FALSE);
    set_title();
}

/* Ctrl-Alt-G and Ctrl-Alt-F; true when the key was one of them. */
static bool hotkey(const SDL_KeyboardEvent *k)
{
    SDL_Keymod m = SDL_GetModState();
    if (!(m & KMOD_CTRL) || !(m & KMOD_ALT) || k->type != SDL_KEYDOWN)
        return false;
    if (k->keysym.scancode == SDL_SCANCODE_G) {
        set_grab(!sdl.grabbed);
    } else if (k->keysym.scancode == SDL_SCANCODE_F) {
        sdl.full_screen = !sdl.full_screen;
        SDL_SetWindowFullscreen(sdl.win, sdl.full_screen
                                             ? SDL_WINDOW_FULLSCREEN_DESKTOP
                                             : 0);
    } else {
        return false;
    }
    sdl.hotkey_used = true;
    return true;
}

static void key_event(const SDL_KeyboardEvent *k)
{
    if (hotkey(k))
        return;
    unsigned code = sdl_scancode_to_linux(k->keysym.scancode);
    if (k->type == SDL_KEYUP && sdl.hotkey_used &&
        (k->keysym.scancode == SDL_SCANCODE_G ||
         k->keysym.scancode == SDL_SCANCODE_F)) {
        sdl.hotkey_used = false;
        return;
    }
    if (!code || (k->repeat && k->type == SDL_KEYUP))
        return;
    input_key(code, k->type == SDL_KEYDOWN);
    input_sync();
}

static unsigned abs_axis(int v, unsigned size)
{
    if (v < 0)
        v = 0;
    if (size < 2)
        return 0;
    return (unsigned)((uint64_t)v * TESSERA_INPUT_ABS_MAX / (size - 1));
}

static void mouse_event(const SDL_Event *e)
{
    bool absolute = input_pointer_is_absolute();

    switch (e->type) {
    case SDL_MOUSEMOTION:
        if (absolute) {
            input_abs(TESSERA_ABS_X, abs_axis(e->motion.x, sdl.w));
            input_abs(TESSERA_ABS_Y, abs_axis(e->motion.y, sdl.h));
        } else if (sdl.grabbed) {
            input_rel(TESSERA_REL_X, e->motion.xrel);
            input_rel(TESSERA_REL_Y, e->motion.yrel);
        } else {
            return;
        }
        break;
    case SDL_MOUSEBUTTONDOWN:
    case SDL_MOUSEBUTTONUP: {
        static const unsigned btn[] = {0, TESSERA_BTN_LEFT, TESSERA_BTN_MIDDLE,
                                       TESSERA_BTN_RIGHT, TESSERA_BTN_SIDE,
                                       TESSERA_BTN_EXTRA};
        if (!absolute && !sdl.grabbed) {
            /* A click in the window grabs a relative mouse, as QEMU. */
            if (e->type == SDL_MOUSEBUTTONDOWN && input_has_pointer())
                set_grab(true);
            return;
        }
        if (e->button.button >= G_N_ELEMENTS(btn))
            return;
        input_btn(btn[e->button.button], e->type == SDL_MOUSEBUTTONDOWN);
        break;
    }
    case SDL_MOUSEWHEEL:
        if (!absolute && !sdl.grabbed)
            return;
        input_rel(TESSERA_REL_WHEEL, e->wheel.y);
        break;
    }
    input_sync();
}

static void sdl_tick(void *opaque)
{
    SDL_Event e;
    (void)opaque;

    while (SDL_PollEvent(&e)) {
        switch (e.type) {
        case SDL_QUIT:
            display_request_close();
            break;
        case SDL_KEYDOWN:
        case SDL_KEYUP:
            key_event(&e.key);
            break;
        case SDL_MOUSEMOTION:
        case SDL_MOUSEBUTTONDOWN:
        case SDL_MOUSEBUTTONUP:
        case SDL_MOUSEWHEEL:
            mouse_event(&e);
            break;
        case SDL_WINDOWEVENT:
            if (e.window.event == SDL_WINDOWEVENT_EXPOSED ||
                e.window.event == SDL_WINDOWEVENT_SIZE_CHANGED)
                present();
            else if (e.window.event == SDL_WINDOWEVENT_FOCUS_LOST &&
                     sdl.grabbed)
                set_grab(false);
            break;
        }
    }
}

static void sdl_fini(void *opaque)
{
    (void)opaque;
    if (sdl.tex)
        SDL_DestroyTexture(sdl.tex);
    if (sdl.ren)
        SDL_DestroyRenderer(sdl.ren);
    if (sdl.win)
        SDL_DestroyWindow(sdl.win);
    SDL_Quit();
    memset(&sdl, 0, sizeof(sdl));
}

static const DisplayListener listener = {sdl_resize, sdl_update, sdl_tick,
                                         sdl_fini, NULL};

int tessera_ui_sdl_init(const char *opts)
{
    char **parts = g_strsplit(opts ? opts : "", ",", -1);
    int r = 0;

    for (char **p = parts; *p && r == 0; p++) {
        if (!**p)
            continue;
        if (!strcmp(*p, "full-screen=on"))
            sdl.full_screen = true;
        else if (strcmp(*p, "full-screen=off")) {
            tessera_error("-display sdl: unknown option '%s' (full-screen="
                          "on|off)", *p);
            r = -1;
        }
    }
    g_strfreev(parts);
    if (r < 0)
        return -1;
    /* Ctrl-C in the terminal stays the terminal's. */
    SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
    if (SDL_Init(SDL_INIT_VIDEO) < 0) {
        tessera_error("-display sdl: cannot open a window: %s (is $DISPLAY "
                      "set?)", SDL_GetError());
        return -1;
    }
    sdl.win = SDL_CreateWindow("Tessera", SDL_WINDOWPOS_UNDEFINED,
                               SDL_WINDOWPOS_UNDEFINED, 640, 480,
                               SDL_WINDOW_HIDDEN | SDL_WINDOW_RESIZABLE |
                                   (sdl.full_screen
                                        ? SDL_WINDOW_FULLSCREEN_DESKTOP
                                        : 0));
    sdl.ren = sdl.win ? SDL_CreateRenderer(sdl.win, -1, 0) : NULL;
    if (!sdl.ren) {
        tessera_error("-display sdl: cannot create the window: %s",
                      SDL_GetError());
        sdl_fini(NULL);
        return -1;
    }
    set_title();
    display_set_listener(&listener);
    return 0;
}
