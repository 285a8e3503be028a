/* SPDX-License-Identifier: MIT */
/*
 * AVR EEPROM controller: EECR, EEDR, EEARL, EEARH from "base". The cells
 * are the board's [memory eeprom] region at 0x810000 (where avr-gcc ELF
 * files put .eeprom, so the loader fills it); cells the ELF file does not
 * set read 0xff, as on an erased part. With file=PATH the contents
 * persist: loaded at reset when the file exists, written back after each
 * programmed byte (-set eeprom.file=PATH on the command line). The file
 * must be writable and, when it exists, be empty or exactly size bytes:
 * anything else is refused when the machine starts, so that no write is
 * lost and no other part's EEPROM image is cut to this size.
 *
 * A write needs EEMPE then EEPE within four cycles and keeps EEPE set for
 * the 3.4 ms programming time; the EE_READY interrupt ("ready") is level
 * triggered on EERIE with EEPE clear.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tessera/device.h>

#include "avr-dev.h"

#define EERE 0x01
#define EEPE 0x02
#define EEMPE 0x04
#define EERIE 0x08

/* 3.4 ms programming time */
#define WRITE_NS 3400000u

typedef struct Eeprom {
    TesseraDevice *dev;
    TesseraIrq *ready;
    TesseraTimer *timer;
    uint64_t hz, size;
    const char *file;
    uint8_t eecr, eedr;
    uint16_t eear;
    uint64_t mpe_cycle; /* when EEMPE was set */
    /* The cells as the guest left them: a machine reset reloads the ELF,
     * but EEPROM keeps its contents across resets. */
    uint8_t *shadow;
    bool save_failed; /* warned once already */
} Eeprom;

static void ee_update(Eeprom *s)
{
    tessera_irq_set(s->ready, (s->eecr & EERIE) && !(s->eecr & EEPE));
}

static void ee_save(Eeprom *s)
{
    if (!s->file)
        return;
    uint8_t *buf = malloc(s->size);
    if (!buf)
        return;
    FILE *f = NULL;
    bool ok = tessera_phys_read(AVR_DEV_EEPROM_BASE, buf, s->size) == 0 &&
              (f = fopen(s->file, "wb")) &&
              fwrite(buf, 1, s->size, f) == s->size;
    if (f && fclose(f) != 0)
        ok = false;
    if (!ok && !s->save_failed) {
        tessera_warn("%s: cannot write %s: %s (EEPROM writes are not saved)",
                     tessera_dev_name(s->dev), s->file, strerror(errno));
        s->save_failed = true;
    }
    free(buf);
}

static void ee_done(void *opaque)
{
    Eeprom *s = opaque;
    s->eecr &= (uint8_t)~EEPE;
    ee_update(s);
}

static uint64_t ee_read(void *opaque, uint64_t off, unsigned size)
{
    Eeprom *s = opaque;
    (void)size;
    switch (off) {
    case 0: return s->eecr;
    case 1: return s->eedr;
    case 2: return s->eear & 0xff;
    case 3: return s->eear >> 8;
    }
    return 0;
}

static void ee_write(void *opaque, uint64_t off, uint64_t value,
                     unsigned size)
{
    Eeprom *s = opaque;
    uint8_t v = (uint8_t)value;
    uint16_t addr = (uint16_t)(s->eear % s->size);
    (void)size;
    switch (off) {
    case 0: {
        uint64_t now = avr_now_cycles(s->hz);
        bool armed = (s->eecr & EEMPE) && now - s->mpe_cycle < 4;
        /* EEPM bits and EERIE are plain while no write is running. */
        if (!(s->eecr & EEPE))
            s->eecr = (uint8_t)((s->eecr & ~0x38) | (v & 0x38));
        else
            s->eecr = (uint8_t)((s->eecr & ~EERIE) | (v & EERIE));
        if ((v & EEMPE) && !(v & EEPE)) {
            s->eecr |= EEMPE;
            s->mpe_cycle = now;
        }
        if ((v & EERE) && !(s->eecr & EEPE))
            tessera_phys_read(AVR_DEV_EEPROM_BASE + addr, &s->eedr, 1);
        if ((v & EEPE) && armed && !(s->eecr & EEPE)) {
            uint8_t old = 0xff, cell;
            tessera_phys_read(AVR_DEV_EEPROM_BASE + addr, &old, 1);
            switch ((s->eecr >> 4) & 3) {
            case 1: cell = 0xff; break;         /* erase only */
            case 2: cell = old & s->eedr; break; /* write only */
            default: cell = s->eedr; break;      /* erase and write */
            }
            tessera_phys_write(AVR_DEV_EEPROM_BASE + addr, &cell, 1);
            if (s->shadow)
                s->shadow[addr] = cell;
            ee_save(s);
            s->eecr |= EEPE;
            s->eecr &= (uint8_t)~EEMPE;
            tessera_timer_mod(s->timer, tessera_clock_ns() + WRITE_NS);
        }
        break;
    }
    case 1: s->eedr = v; break;
    case 2: s->eear = (uint16_t)((s->eear & 0xff00) | v); break;
    case 3: s->eear = (uint16_t)((s->eear & 0x00ff) | (v << 8)); break;
    }
    ee_update(s);
}

static const TesseraMmioOps ee_ops = {
    .read = ee_read, .write = ee_write, .min_access = 1, .max_access = 1};

/*
 * Refuses a file= that could not keep the contents: not a regular file,
 * not writable, or of another size than the EEPROM (an image of another
 * part). An empty file counts as a new one.
 */
static int check_file(Eeprom *s)
{
    const char *name = tessera_dev_name(s->dev);
    struct stat st;
    if (stat(s->file, &st) == 0) {
        if (!S_ISREG(st.st_mode)) {
            tessera_error("%s.file=%s: is not a regular file (expected a "
                          "file for the %llu EEPROM bytes)", name, s->file,
                          (unsigned long long)s->size);
            return -1;
        }
        if (st.st_size != 0 && (uint64_t)st.st_size != s->size) {
            tessera_error("%s.file=%s: is %llu bytes, expected %llu (the "
                          "EEPROM size) or an empty or new file", name,
                          s->file, (unsigned long long)st.st_size,
                          (unsigned long long)s->size);
            return -1;
        }
        int fd = open(s->file, O_WRONLY | O_CLOEXEC);
        if (fd < 0) {
            tessera_error("%s.file=%s: cannot write it: %s", name, s->file,
                          strerror(errno));
            return -1;
        }
        close(fd);
        return 0;
    }
    /* A new file: create it to see that we can, then leave the place
     * empty so that the ELF file's .eeprom is used until the first write. */
    int fd = open(s->file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) {
        tessera_error("%s.file=%s: cannot create it: %s", name, s->file,
                      strerror(errno));
        return -1;
    }
    close(fd);
    unlink(s->file);
    return 0;
}

static int ee_realize(TesseraDevice *dev, void *state)
{
    Eeprom *s = state;
    s->dev = dev;
    s->hz = tessera_dev_prop_u64(dev, "frequency");
    s->size = tessera_dev_prop_u64(dev, "size");
    const char *file = tessera_dev_prop_str(dev, "file");
    s->file = file && *file ? file : NULL;
    if (!s->hz || !s->size || s->size > 0x10000) {
        tessera_error("%s: frequency and size (1..64K) must be set",
                      tessera_dev_name(dev));
        return -1;
    }
    /* An erased EEPROM reads 0xff; the loader then writes .eeprom. */
    uint8_t *blank = malloc(s->size);
    int r = blank ? 0 : -1;
    if (blank) {
        memset(blank, 0xff, s->size);
        r = tessera_phys_write(AVR_DEV_EEPROM_BASE, blank, s->size);
        free(blank);
    }
    if (r < 0) {
        tessera_error("%s: needs a [memory] region of size %llu at 0x%x for "
                      "the EEPROM cells", tessera_dev_name(dev),
                      (unsigned long long)s->size, AVR_DEV_EEPROM_BASE);
        return -1;
    }
    if (s->file && check_file(s) < 0)
        return -1;
    s->timer = tessera_timer_new(ee_done, s);
    return tessera_dev_map_mmio(dev,
                                AVR_DEV_DATA_BASE +
                                    tessera_dev_prop_u64(dev, "base"),
                                4, &ee_ops, s);
}

static void ee_reset(TesseraDevice *dev, void *state)
{
    Eeprom *s = state;
    s->ready = tessera_dev_irq_out(dev, "ready", 0);
    s->eecr = s->eedr = 0;
    s->eear = 0;
    tessera_timer_del(s->timer);
    if (s->shadow) {
        tessera_phys_write(AVR_DEV_EEPROM_BASE, s->shadow, s->size);
        ee_update(s);
        return;
    }
    s->shadow = calloc(1, s->size);
    if (s->file) {
        FILE *f = fopen(s->file, "rb");
        if (f) {
            uint8_t *buf = malloc(s->size);
            size_t n = buf ? fread(buf, 1, s->size, f) : 0;
            if (n)
                tessera_phys_write(AVR_DEV_EEPROM_BASE, buf, n);
            free(buf);
            fclose(f);
        }
    }
    if (s->shadow)
        tessera_phys_read(AVR_DEV_EEPROM_BASE, s->shadow, s->size);
    ee_update(s);
}

static void ee_finalize(TesseraDevice *dev, void *state)
{
    Eeprom *s = state;
    (void)dev;
    tessera_timer_free(s->timer);
    free(s->shadow);
}

static const TesseraProp ee_props[] = {
    {"base", TESSERA_PROP_U64, NULL, "data address of EECR (0x3f)"},
    {"size", TESSERA_PROP_U64, NULL, "EEPROM bytes (the [memory eeprom] size)"},
    {"file", TESSERA_PROP_STRING, "", "persist the contents in this file"},
    {"frequency", TESSERA_PROP_FREQ, "16000000", "CPU clock in Hz"},
    {"ready", TESSERA_PROP_IRQ, "", "EE_READY interrupt (cpu0:vecN)"},
    {NULL, 0, NULL, NULL},
};

static const TesseraDeviceClass ee_class = {
    .name = "avr-eeprom",
    .description = "AVR EEPROM controller, optionally persisted to a file",
    .props = ee_props,
    .state_size = sizeof(Eeprom),
    .realize = ee_realize,
    .reset = ee_reset,
    .finalize = ee_finalize,
    .mmio_help =
        "4 bytes at data address base (EECR, EEDR, EEARL, EEARH); the cells"
        " are the board's [memory] at 0x810000",
};

static int ee_init(void)
{
    return tessera_register_device(&ee_class);
}

TESSERA_PLUGIN(TESSERA_PLUGIN_DEVICE, "avr-eeprom", "0.1.0", ee_init);
