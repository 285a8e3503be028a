/* SPDX-License-Identifier: MIT */
/*
 * tessera/display.h - screens for device plugins (ABI 2.3).
 *
 * A display device (a framebuffer, a GPU, an LCD controller) creates a
 * display, gives it a surface - the pixels the guest sees - and tells the
 * core which parts changed. The core shows the surface in the front-end the
 * user chose (-display sdl), takes screendumps (monitor "screendump") and
 * costs nothing when no display exists. Devices never talk to a window
 * system.
 *
 * The pixels stay the device's: a pointer into guest RAM (see
 * tessera_dev_map_ram, e.g. a simple framebuffer) or a buffer the device
 * draws into. The core only reads them, on the machine's thread, between
 * instructions (a refresh at 30 Hz, a screendump).
 *
 * Changes: call tessera_display_dirty() for each rectangle the device
 * changed. A surface that the guest writes directly (RAM with no write
 * trap) cannot be tracked that way: mark it with
 * tessera_display_set_poll(d, true) and the core compares its contents at
 * each refresh itself, only while somebody looks at it.
 *
 *     s->disp = tessera_display_new(dev);
 *     s->vram = tessera_dev_map_ram(dev, base, size);
 *     tessera_display_set_surface(s->disp, 640, 480, 640 * 4,
 *                                 TESSERA_PIXEL_XRGB8888, s->vram);
 *     tessera_display_set_poll(s->disp, true);
 */
#ifndef TESSERA_DISPLAY_H
#define TESSERA_DISPLAY_H

#include <tessera/device.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Pixel formats, little-endian words as in Linux's simplefb names. */
typedef enum TesseraPixelFormat {
    /* 32 bits: blue in bits 0-7, green 8-15, red 16-23, 24-31 ignored
     * (simplefb "a8r8g8b8" / "x8r8g8b8"). */
    TESSERA_PIXEL_XRGB8888 = 1,
    /* 16 bits: blue in bits 0-4, green 5-10, red 11-15 ("r5g6b5"). */
    TESSERA_PIXEL_RGB565 = 2,
} TesseraPixelFormat;

/** Bytes per pixel of format (0 for an unknown one). */
unsigned tessera_pixel_bytes(TesseraPixelFormat format);

/** A screen; owned by the core, freed with its device. */
typedef struct TesseraDisplay TesseraDisplay;

/**
 * Creates the display of dev (one per device; the first one created is
 * what screendump and the front-end show). NULL after an error message.
 */
TesseraDisplay *tessera_display_new(TesseraDevice *dev);

/**
 * Sets (or changes: a resize, another buffer) the surface: width x height
 * pixels, stride bytes from one line to the next, pixels valid until the
 * next call or the device's finalize. The whole surface counts as
 * changed. Returns 0, or -1 with a message for a bad size or format.
 */
int tessera_display_set_surface(TesseraDisplay *d, unsigned width,
                                unsigned height, unsigned stride,
                                TesseraPixelFormat format,
                                const void *pixels);

/** The device changed the rectangle (clipped to the surface). */
void tessera_display_dirty(TesseraDisplay *d, unsigned x, unsigned y,
                           unsigned w, unsigned h);

/**
 * on: the device cannot see the guest's writes, the core detects changes
 * by comparing the surface with its last copy at each refresh.
 */
void tessera_display_set_poll(TesseraDisplay *d, bool on);

/**
 * Maps size bytes of memory owned by dev at bus address base, as RAM for
 * the guest (no trap on access, as video memory), zero-filled. Returns the
 * host pointer to it (valid for the machine's life), or NULL after an
 * error message (overlap, size 0).
 */
void *tessera_dev_map_ram(TesseraDevice *dev, uint64_t base, uint64_t size);

#ifdef __cplusplus
}
#endif

#endif
