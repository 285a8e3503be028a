/* SPDX-License-Identifier: MIT */
/*
 * simple-framebuffer: video memory the firmware "set up" before the OS
 * runs, described in the device tree (Linux binding
 * display/simple-framebuffer.yaml: reg, width, height, stride, format) so
 * that Linux's simplefb drives it and fbcon shows on it. No registers: the
 * guest writes pixels into the memory, which is RAM for it (no trap); the
 * core compares it with its last copy at each refresh (tessera/display.h).
 *
 * Added with -device simple-framebuffer[,width=W][,height=H][,format=F]
 * on a board with a platform-bus slot (virt: 0x4000000); QEMU's virt has
 * no such device.
 */
#include <inttypes.h>
#include <libfdt.h>
#include <stdio.h>
#include <string.h>

#include <tessera/device.h>
#include <tessera/display.h>

typedef struct SimpleFb {
    TesseraDisplay *disp;
    uint64_t base, size;
    unsigned width, height, stride;
    const char *format;
} SimpleFb;

/* The binding's format names we show, and their pixel format. */
static const struct {
    const char *name;
    TesseraPixelFormat pf;
} formats[] = {
    {"a8r8g8b8", TESSERA_PIXEL_XRGB8888},
    {"x8r8g8b8", TESSERA_PIXEL_XRGB8888},
    {"r5g6b5", TESSERA_PIXEL_RGB565},
};

static int fb_realize(TesseraDevice *dev, void *state)
{
    SimpleFb *s = state;
    const char *name = tessera_dev_name(dev);
    uint64_t w = tessera_dev_prop_u64(dev, "width");
    uint64_t h = tessera_dev_prop_u64(dev, "height");
    uint64_t slot = tessera_dev_prop_u64(dev, "size");
    TesseraPixelFormat pf = 0;

    s->format = tessera_dev_prop_str(dev, "format");
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
        if (!strcmp(formats[i].name, s->format))
            pf = formats[i].pf;
    if (!pf) {
        tessera_error("%s: format '%s': expected a8r8g8b8, x8r8g8b8 or "
                      "r5g6b5", name, s->format);
        return -1;
    }
    if (w < 1 || w > 4096 || h < 1 || h > 4096) {
        tessera_error("%s: width %" PRIu64 ", height %" PRIu64 ": each "
                      "goes from 1 to 4096", name, w, h);
        return -1;
    }
    s->width = (unsigned)w;
    s->height = (unsigned)h;
    s->stride = s->width * tessera_pixel_bytes(pf);
    /* Whole pages, so that nothing else shares the last one. */
    s->size = ((uint64_t)s->stride * s->height + 4095) & ~4095ull;
    s->base = tessera_dev_prop_u64(dev, "base");
    if (s->size > slot) {
        tessera_error("%s: %ux%u %s needs 0x%" PRIx64 " bytes, the slot at "
                      "0x%" PRIx64 " has 0x%" PRIx64, name, s->width,
                      s->height, s->format, s->size, s->base, slot);
        return -1;
    }
    void *vram = tessera_dev_map_ram(dev, s->base, s->size);
    if (!vram)
        return -1;
    s->disp = tessera_display_new(dev);
    if (!s->disp || tessera_display_set_surface(s->disp, s->width, s->height,
                                                s->stride, pf, vram) < 0)
        return -1;
    tessera_display_set_poll(s->disp, true);
    return 0;
}

static int fb_fdt_node(TesseraDevice *dev, void *state, void *fdt, int parent)
{
    SimpleFb *s = state;
    char name[48];
    int node, r;

    (void)dev;
    snprintf(name, sizeof(name), "framebuffer@%" PRIx64, s->base);
    if ((node = fdt_add_subnode(fdt, parent, name)) < 0)
        return node;
    if ((r = fdt_setprop_string(fdt, node, "compatible",
                                "simple-framebuffer")) < 0 ||
        (r = fdt_setprop_u64(fdt, node, "reg", s->base)) < 0 ||
        (r = fdt_appendprop_u64(fdt, node, "reg", s->size)) < 0 ||
        (r = fdt_setprop_u32(fdt, node, "width", s->width)) < 0 ||
        (r = fdt_setprop_u32(fdt, node, "height", s->height)) < 0 ||
        (r = fdt_setprop_u32(fdt, node, "stride", s->stride)) < 0 ||
        (r = fdt_setprop_string(fdt, node, "format", s->format)) < 0 ||
        (r = fdt_setprop_string(fdt, node, "status", "okay")) < 0)
        return r;
    return 0;
}

static const TesseraProp fb_props[] = {
    {"base", TESSERA_PROP_U64, NULL, "address of the video memory"},
    {"size", TESSERA_PROP_U64, "0x2000000",
     "room at base (the slot's size): the memory must fit"},
    {"width", TESSERA_PROP_U64, "640", "pixels per line (1-4096)"},
    {"height", TESSERA_PROP_U64, "480", "lines (1-4096)"},
    {"format", TESSERA_PROP_STRING, "a8r8g8b8",
     "pixel format: a8r8g8b8, x8r8g8b8 (32 bits) or r5g6b5 (16 bits)"},
    {NULL, 0, NULL, NULL},
};

static const TesseraDeviceClass fb_class = {
    .name = "simple-framebuffer",
    .description = "linear framebuffer in RAM for Linux's simplefb (device "
                   "tree), shown by -display and screendump",
    .props = fb_props,
    .state_size = sizeof(SimpleFb),
    .realize = fb_realize,
    .fdt_node = fb_fdt_node,
    .mmio_help = "width * height * bytes per pixel of RAM at base, "
                 "rounded up to 4 KiB",
    .slot_type = "platform-bus",
};

static int fb_init(void)
{
    return tessera_register_device(&fb_class);
}

TESSERA_PLUGIN(TESSERA_PLUGIN_DEVICE, "simple-framebuffer", "0.1.0",
               fb_init);
