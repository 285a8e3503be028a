/* SPDX-License-Identifier: MIT */
/*
 * Intel HEX images (what the Arduino tools and avr-objcopy -O ihex
 * produce): the parser works on a buffer and knows nothing of the bus, so
 * it can be unit-tested and fuzzed; tessera_load_ihex() places the bytes.
 *
 * Records ":LLAAAATT<data>CC": 00 data, 01 end of file, 02 extended
 * segment address (base = value << 4), 03 start segment address (CS:IP),
 * 04 extended linear address (base = value << 16), 05 start linear
 * address. Every record's checksum is checked; blank lines and CR/LF line
 * ends are accepted, anything else is an error that names the line.
 */
#include "loader/loader.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Appends data at addr, extending the last chunk when contiguous. */
static bool add_data(IhexImage *img, uint64_t addr, const uint8_t *data,
                     size_t n)
{
    IhexChunk *last = img->nchunks ? &img->chunks[img->nchunks - 1] : NULL;
    if (!last || last->addr + last->len != addr) {
        IhexChunk *c = realloc(img->chunks,
                               (img->nchunks + 1) * sizeof(*img->chunks));
        if (!c)
            return false;
        img->chunks = c;
        last = &img->chunks[img->nchunks++];
        last->addr = addr;
        last->len = 0;
        last->data = NULL;
    }
    uint8_t *d = realloc(last->data, last->len + n);
    if (!d)
        return false;
    memcpy(d + last->len, data, n);
    last->data = d;
    last->len += n;
    return true;
}

int ihex_parse(const uint8_t *buf, size_t len, IhexImage *img, char *err,
               size_t errlen)
{
    uint64_t base = 0;
    unsigned line = 0;
    size_t pos = 0;
    bool eof = false;

    memset(img, 0, sizeof(*img));
    while (pos < len && !eof) {
        size_t start = pos, end = pos;
        line++;
        while (end < len && buf[end] != '\n')
            end++;
        pos = end < len ? end + 1 : end;
        size_t n = end - start;
        if (n && buf[start + n - 1] == '\r')
            n--;
        if (n == 0)
            continue;
        const uint8_t *p = buf + start;
        if (p[0] != ':') {
            snprintf(err, errlen, "line %u: a record starts with ':'", line);
            goto fail;
        }
        if (n < 11 || (n - 1) % 2) {
            snprintf(err, errlen, "line %u: record too short or odd length",
                     line);
            goto fail;
        }
        uint8_t rec[256 + 5];
        size_t nbytes = (n - 1) / 2;
        if (nbytes > sizeof(rec)) {
            snprintf(err, errlen, "line %u: record too long", line);
            goto fail;
        }
        uint8_t sum = 0;
        for (size_t i = 0; i < nbytes; i++) {
            int hi = hexval(p[1 + 2 * i]), lo = hexval(p[2 + 2 * i]);
            if (hi < 0 || lo < 0) {
                snprintf(err, errlen, "line %u: '%c%c' is not a hex byte",
                         line, p[1 + 2 * i], p[2 + 2 * i]);
                goto fail;
            }
            rec[i] = (uint8_t)(hi << 4 | lo);
            sum = (uint8_t)(sum + rec[i]);
        }
        unsigned count = rec[0];
        if (nbytes != count + 5u) {
            snprintf(err, errlen, "line %u: byte count %u does not match the "
                     "record's length", line, count);
            goto fail;
        }
        if (sum != 0) {
            snprintf(err, errlen, "line %u: bad checksum", line);
            goto fail;
        }
        unsigned addr = (unsigned)(rec[1] << 8 | rec[2]);
        const uint8_t *data = rec + 4;
        switch (rec[3]) {
        case 0x00:
            if (count && !add_data(img, base + addr, data, count)) {
                snprintf(err, errlen, "out of memory");
                goto fail;
            }
            break;
        case 0x01:
            eof = true;
            break;
        case 0x02:
        case 0x04:
            if (count != 2) {
                snprintf(err, errlen, "line %u: address record needs 2 "
                         "bytes", line);
                goto fail;
            }
            base = (uint64_t)(data[0] << 8 | data[1]) << (rec[3] == 2 ? 4 : 16);
            break;
        case 0x03:
        case 0x05:
            if (count != 4) {
                snprintf(err, errlen, "line %u: start address record needs 4 "
                         "bytes", line);
                goto fail;
            }
            if (rec[3] == 3)
                img->entry = ((uint64_t)(data[0] << 8 | data[1]) << 4) +
                             (uint64_t)(data[2] << 8 | data[3]);
            else
                img->entry = (uint64_t)data[0] << 24 | (uint64_t)data[1] << 16 |
                             (uint64_t)data[2] << 8 | data[3];
            img->has_entry = true;
            break;
        default:
            snprintf(err, errlen, "line %u: unknown record type %02x", line,
                     rec[3]);
            goto fail;
        }
    }
    if (!eof) {
        snprintf(err, errlen, "no end-of-file record");
        goto fail;
    }
    return 0;
fail:
    ihex_free(img);
    return -1;
}

bool ihex_detect(const uint8_t *buf, size_t len)
{
    size_t i = 0, n = 0;

    while (i < len && (buf[i] == '\r' || buf[i] == '\n'))
        i++; /* blank lines, which the parser skips too */
    if (i >= len || buf[i] != ':')
        return false;
    for (i++; i < len && buf[i] != '\r' && buf[i] != '\n'; i++, n++)
        if (hexval(buf[i]) < 0)
            return false;
    return n >= 10;
}

void ihex_free(IhexImage *img)
{
    for (size_t i = 0; i < img->nchunks; i++)
        free(img->chunks[i].data);
    free(img->chunks);
    memset(img, 0, sizeof(*img));
}

/* The fuzz target and the unit test build the parser alone. */
#ifndef IHEX_PARSER_ONLY
#include <glib.h>

#include <tessera/board.h>

#include "kernel/bus.h"

bool tessera_file_is_ihex(const char *path)
{
    /* Enough for the blank lines before the first record and the record. */
    uint8_t head[4096];
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    size_t n = fread(head, 1, sizeof(head), f);
    fclose(f);
    return ihex_detect(head, n);
}

int tessera_load_ihex(const char *path, uint64_t base, uint64_t *entry,
                      uint64_t *lowest, uint64_t *highest)
{
    gchar *data;
    gsize len;
    GError *gerr = NULL;
    char err[256];
    IhexImage img;

    if (!g_file_get_contents(path, &data, &len, &gerr)) {
        tessera_error("%s", gerr->message);
        g_error_free(gerr);
        return -1;
    }
    int r = ihex_parse((const uint8_t *)data, len, &img, err, sizeof(err));
    g_free(data);
    if (r < 0) {
        tessera_error("%s: not a valid Intel HEX file: %s", path, err);
        return -1;
    }
    uint64_t lo = UINT64_MAX, hi = 0;
    char *what = g_strdup_printf("%s data", path);
    for (size_t i = 0; i < img.nchunks; i++) {
        IhexChunk *c = &img.chunks[i];
        if (loader_claim(what, base + c->addr, c->len) < 0 ||
            !bus_write_buf(base + c->addr, c->data, c->len)) {
            g_free(what);
            ihex_free(&img);
            return -1;
        }
        if (base + c->addr < lo)
            lo = base + c->addr;
        if (base + c->addr + c->len - 1 > hi)
            hi = base + c->addr + c->len - 1;
    }
    g_free(what);
    if (entry)
        *entry = img.has_entry ? base + img.entry : (lo == UINT64_MAX ? base : lo);
    if (lowest)
        *lowest = lo == UINT64_MAX ? base : lo;
    if (highest)
        *highest = hi;
    ihex_free(&img);
    return 0;
}
#endif
