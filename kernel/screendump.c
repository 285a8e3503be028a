/* SPDX-License-Identifier: MIT */
/*
 * screendump: the first display's surface as a PPM (P6, 8-bit RGB) or PNG
 * (libpng, 8-bit RGB, no interlace) file, as QEMU writes them.
 */
#include <errno.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/display.h"

uint32_t display_pixel_rgb(const DisplaySurface *s, unsigned x, unsigned y)
{
    const uint8_t *p = s->pixels + (size_t)y * s->stride;

    if (s->format == TESSERA_PIXEL_RGB565) {
        unsigned v = p[2 * x] | p[2 * x + 1] << 8;
        unsigned r = v >> 11 & 31, g = v >> 5 & 63, b = v & 31;
        /* Widen as r << 3 | r >> 2: 31 becomes 255. */
        return (r << 3 | r >> 2) << 16 | (g << 2 | g >> 4) << 8 |
               (b << 3 | b >> 2);
    }
    p += 4 * x;
    return (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static void line_rgb(const DisplaySurface *s, unsigned y, uint8_t *out)
{
    for (unsigned x = 0; x < s->width; x++) {
        uint32_t c = display_pixel_rgb(s, x, y);
        out[3 * x] = (uint8_t)(c >> 16);
        out[3 * x + 1] = (uint8_t)(c >> 8);
        out[3 * x + 2] = (uint8_t)c;
    }
}

static int write_ppm(FILE *f, const DisplaySurface *s, uint8_t *line)
{
    if (fprintf(f, "P6\n%u %u\n255\n", s->width, s->height) < 0)
        return -1;
    for (unsigned y = 0; y < s->height; y++) {
        line_rgb(s, y, line);
        if (fwrite(line, 3, s->width, f) != s->width)
            return -1;
    }
    return 0;
}

static int write_png(FILE *f, const DisplaySurface *s, uint8_t *line,
                     char *err, size_t errlen)
{
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL,
                                              NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;

    if (!info) {
        snprintf(err, errlen, "libpng: out of memory");
        png_destroy_write_struct(&png, NULL);
        return -1;
    }
    if (setjmp(png_jmpbuf(png))) {
        snprintf(err, errlen, "libpng could not write the image");
        png_destroy_write_struct(&png, &info);
        return -1;
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, s->width, s->height, 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (unsigned y = 0; y < s->height; y++) {
        line_rgb(s, y, line);
        png_write_row(png, line);
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    return 0;
}

int display_screendump(const char *path, const char *format, char *err,
                       size_t errlen)
{
    DisplaySurface s;
    bool png;

    *err = 0;
    if (!format || !strcmp(format, "ppm"))
        png = false;
    else if (!strcmp(format, "png"))
        png = true;
    else {
        snprintf(err, errlen, "unknown image format '%s' (ppm or png)",
                 format);
        return -1;
    }
    if (!display_surface(&s)) {
        snprintf(err, errlen, "no display: the machine has no display device "
                 "(add one, e.g. -device simple-framebuffer)");
        return -1;
    }
    FILE *f = fopen(path, "wb");
    if (!f) {
        snprintf(err, errlen, "could not open '%s': %s", path,
                 strerror(errno));
        return -1;
    }
    uint8_t *line = malloc((size_t)s.width * 3);
    int r = !line ? -1
            : png ? write_png(f, &s, line, err, errlen)
                  : write_ppm(f, &s, line);
    int werr = errno;
    free(line);
    if (fclose(f) != 0 && r == 0) {
        werr = errno;
        r = -1;
    }
    if (r < 0 && (!png || !*err))
        snprintf(err, errlen, "could not write '%s': %s", path,
                 strerror(werr));
    return r;
}
