/* SPDX-License-Identifier: MIT */
/*
 * The display layer: devices create displays and surfaces
 * (tessera/display.h), one front-end (-display) shows the first display,
 * the monitor dumps it (screendump). With no display device nothing here
 * runs: no timer, no poll. With one and a front-end, a refresh every
 * DISPLAY_REFRESH_MS on the machine's thread (an fdwatch source's timeout)
 * collects the changes (the device's dirty rectangles, or a compare with a
 * shadow copy for surfaces in guest RAM) and hands them to the front-end.
 */
#ifndef KERNEL_DISPLAY_H
#define KERNEL_DISPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tessera/display.h>

#define DISPLAY_REFRESH_MS 33 /* ~30 Hz */

typedef struct DisplaySurface {
    unsigned width, height, stride;
    TesseraPixelFormat format;
    const uint8_t *pixels;
} DisplaySurface;

/* A front-end's callbacks (machine thread). */
typedef struct DisplayListener {
    /* New surface (size or buffer changed): redraw everything. */
    void (*resize)(void *opaque, const DisplaySurface *s);
    /* The rectangle changed. */
    void (*update)(void *opaque, const DisplaySurface *s, unsigned x,
                   unsigned y, unsigned w, unsigned h);
    /* After each refresh (the front-end's chance to read its events). */
    void (*tick)(void *opaque);
    /* At exit. */
    void (*fini)(void *opaque);
    void *opaque;
} DisplayListener;

/* -display SPEC: "none", "sdl[,opts]", "help". 0 or -1 with a message. */
int display_parse(const char *spec);
/* True when -display help was given (main prints the list and exits). */
bool display_help_requested(void);
void display_print_help(void);
/*
 * After the machine exists: starts the chosen front-end when a display
 * device exists (a warning when none does). 0 or -1.
 */
int display_start(void);
/* Stops the front-end and forgets every display (machine teardown). */
void display_cleanup(void);

/* Front-ends register here (one at a time). */
void display_set_listener(const DisplayListener *l);
/* The first display's surface; false when there is no display or no
 * surface yet. */
bool display_surface(DisplaySurface *out);
/* The window was closed: the guest is asked to shut down (QEMU's
 * host-ui shutdown: the board has no power button, so a quit). */
void display_request_close(void);
/* Refreshes now (tests, the front-end after an expose). */
void display_refresh(void);

/*
 * screendump: the first display's surface as PPM (P6) or PNG (format
 * "ppm" or "png") in path. 0, or -1 with a message in err.
 */
int display_screendump(const char *path, const char *format, char *err,
                       size_t errlen);
/* One pixel of s as 0xRRGGBB. */
uint32_t display_pixel_rgb(const DisplaySurface *s, unsigned x, unsigned y);

#endif
