/* SPDX-License-Identifier: MIT */
/*
 * --image-opts strings, as qemu-img and qemu-nbd take them, and qemu-nbd's
 * -l snapshot spec: one parser for tessera-img and tessera-nbd.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "block/block.h"

static int opts_error(BlkImageOpts *o, char *err, size_t errlen,
                      const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int opts_error(BlkImageOpts *o, char *err, size_t errlen,
                      const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    blk_image_opts_free(o);
    return -1;
}

/* Replaces *slot with a copy of v; false when out of memory. */
static bool set_str(char **slot, const char *v)
{
    char *s = strdup(v);
    if (!s)
        return false;
    free(*slot);
    *slot = s;
    return true;
}

/* file.driver=file and encrypt.format=luks say what the image says
 * anyway: accepted and ignored. */
static bool implied(const char *k, const char *v)
{
    return (!strcmp(k, "file.driver") && !strcmp(v, "file")) ||
           (!strcmp(k, "encrypt.format") && !strcmp(v, "luks"));
}

int blk_parse_image_opts(const char *spec, BlkImageOpts *o, char *err,
                         size_t errlen)
{
    memset(o, 0, sizeof(*o));
    char *copy = strdup(spec), *save = NULL;
    if (!copy)
        return opts_error(o, err, errlen, "out of memory");
    for (char *tok = strtok_r(copy, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        if (!eq) {
            opts_error(o, err, errlen, "image options '%s': '%s' needs a "
                       "value", spec, tok);
            free(copy);
            return -1;
        }
        *eq = 0;
        const char *v = eq + 1;
        const char *k = tok;
        int depth = 0;
        while (!strncmp(k, "backing.", 8) && depth < BLK_MAX_KEY_LAYERS - 1) {
            k += 8;
            depth++;
        }
        bool ok = true;
        if (!strcmp(k, "key-secret") || !strcmp(k, "encrypt.key-secret")) {
            ok = set_str(&o->keys[depth], v);
        } else if (depth && (!strcmp(k, "driver") || implied(k, v))) {
            continue; /* the chain's formats come from the images */
        } else if (depth) {
            opts_error(o, err, errlen, "image options '%s': unsupported "
                       "option '%s' (backing. takes key-secret, "
                       "encrypt.key-secret, driver)", spec, tok);
            free(copy);
            return -1;
        } else if (!strcmp(k, "driver")) {
            ok = set_str(&o->fmt, v);
        } else if (!strcmp(k, "file.filename") || !strcmp(k, "file")) {
            ok = set_str(&o->filename, v);
        } else if (!implied(k, v)) {
            opts_error(o, err, errlen, "image options '%s': unsupported "
                       "option '%s' (driver, file.filename, key-secret, "
                       "encrypt.key-secret, backing.key-secret, "
                       "backing.encrypt.key-secret)", spec, tok);
            free(copy);
            return -1;
        }
        if (!ok) {
            free(copy);
            return opts_error(o, err, errlen, "out of memory");
        }
    }
    free(copy);
    if (!o->filename)
        return opts_error(o, err, errlen, "image options '%s': "
                          "file.filename is missing", spec);
    return 0;
}

void blk_image_opts_free(BlkImageOpts *o)
{
    free(o->filename);
    free(o->fmt);
    for (int i = 0; i < BLK_MAX_KEY_LAYERS; i++)
        free(o->keys[i]);
    memset(o, 0, sizeof(*o));
}

/* qemu-nbd -l: ID or NAME, or snapshot.id=/snapshot.name= (block.h). */
int blk_parse_snapshot_spec(const char *spec, char **id, char **name,
                            const char **id_or_name, char *err,
                            size_t errlen)
{
    *id = *name = NULL;
    *id_or_name = NULL;
    if (strncmp(spec, "snapshot.", 9)) {
        if (!*spec) {
            snprintf(err, errlen, "empty snapshot id or name");
            return -1;
        }
        *id_or_name = spec;
        return 0;
    }
    const char *p = spec;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char **dst = NULL;
        size_t klen = 0;
        if (len >= 12 && !strncmp(p, "snapshot.id=", 12)) {
            dst = id;
            klen = 12;
        } else if (len >= 14 && !strncmp(p, "snapshot.name=", 14)) {
            dst = name;
            klen = 14;
        }
        if (!dst) {
            snprintf(err, errlen, "invalid snapshot parameter '%.*s' (expected "
                     "snapshot.id=ID or snapshot.name=NAME)",
                     (int)(len > 200 ? 200 : len), p);
            goto fail;
        }
        free(*dst);
        *dst = strndup(p + klen, len - klen);
        if (!*dst) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
        p += len;
        if (*p == ',') /* a trailing comma is accepted, as by qemu-nbd */
            p++;
    }
    return 0;
fail:
    free(*id);
    free(*name);
    *id = *name = NULL;
    return -1;
}
