/* SPDX-License-Identifier: MIT */
#include "kernel/object.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <tessera/device.h>

#include "block/block.h"

struct TesseraRng {
    char *id;
    char *filename; /* NULL: getrandom() (rng-builtin) */
    int fd;         /* -1 until first used */
};

static GPtrArray *objects;
static TesseraRng *default_rng;

static TesseraRng *rng_new(const char *id, const char *filename)
{
    TesseraRng *r = g_new0(TesseraRng, 1);
    r->id = g_strdup(id);
    r->filename = g_strdup(filename);
    r->fd = -1;
    return r;
}

static void rng_free(TesseraRng *r)
{
    if (r->fd >= 0)
        close(r->fd);
    g_free(r->id);
    g_free(r->filename);
    g_free(r);
}

static TesseraRng *object_find(const char *id)
{
    for (guint i = 0; objects && i < objects->len; i++) {
        TesseraRng *r = objects->pdata[i];
        if (!strcmp(r->id, id))
            return r;
    }
    return NULL;
}

int object_add(const char *spec)
{
    char **parts = g_strsplit(spec, ",", -1);
    const char *type = parts[0], *id = NULL, *filename = NULL;
    int r = -1;

    if (!strcmp(type, "secret")) { /* passwords of encrypted images */
        char err[512];
        r = blk_object_add(spec, err, sizeof(err));
        if (r < 0)
            tessera_error("-object %s: %s", spec, err);
        goto out;
    }
    if (strcmp(type, "rng-random") && strcmp(type, "rng-builtin")) {
        tessera_error("-object %s: unsupported object type '%s' (known: "
                      "rng-random, rng-builtin, secret)", spec, type);
        goto out;
    }
    for (char **p = parts + 1; *p; p++) {
        if (g_str_has_prefix(*p, "id="))
            id = *p + 3;
        else if (!strcmp(type, "rng-random") &&
                 g_str_has_prefix(*p, "filename="))
            filename = *p + 9;
        else {
            tessera_error("-object %s: unsupported option '%s' (id=%s)", spec,
                          *p, !strcmp(type, "rng-random") ? ", filename=" : "");
            goto out;
        }
    }
    if (!id || !*id) {
        tessera_error("-object %s: needs id=ID", spec);
        goto out;
    }
    if (object_find(id)) {
        tessera_error("-object %s: duplicate id '%s'", spec, id);
        goto out;
    }
    if (!strcmp(type, "rng-random")) {
        if (!filename)
            filename = "/dev/urandom";
        if (access(filename, R_OK) < 0) {
            tessera_error("-object %s: cannot read %s: %s", spec, filename,
                          strerror(errno));
            goto out;
        }
    }
    if (!objects)
        objects = g_ptr_array_new();
    g_ptr_array_add(objects, rng_new(id, filename));
    r = 0;
out:
    g_strfreev(parts);
    return r;
}

void object_cleanup(void)
{
    for (guint i = 0; objects && i < objects->len; i++)
        rng_free(objects->pdata[i]);
    if (objects)
        g_ptr_array_free(objects, TRUE);
    objects = NULL;
    if (default_rng)
        rng_free(default_rng);
    default_rng = NULL;
}

TesseraRng *tessera_rng_find(const char *id)
{
    TesseraRng *r;
    if (!id || !*id) {
        if (!default_rng)
            default_rng = rng_new("default", "/dev/urandom");
        r = default_rng;
    } else if (!(r = object_find(id))) {
        tessera_error("no entropy object '%s' (define it with -object "
                      "rng-random,id=%s,filename=/dev/urandom)", id, id);
        return NULL;
    }
    if (r->filename && r->fd < 0) {
        r->fd = open(r->filename, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (r->fd < 0) {
            tessera_error("entropy object '%s': cannot open %s: %s", r->id,
                          r->filename, strerror(errno));
            return NULL;
        }
    }
    return r;
}

long tessera_rng_read(TesseraRng *rng, void *buf, size_t len)
{
    ssize_t n;
    if (len == 0)
        return 0;
    if (!rng->filename)
        n = getrandom(buf, len, GRND_NONBLOCK);
    else
        n = read(rng->fd, buf, len);
    if (n < 0)
        return errno == EAGAIN || errno == EINTR ? 0 : -1;
    return (long)n;
}
