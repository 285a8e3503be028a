/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the --image-opts parser of tessera-img and tessera-nbd
 * (block/image-opts.c), and tessera-nbd's -l snapshot argument
 * (blk_parse_snapshot_spec). Any text is accepted with a file name or
 * rejected with a message; never a crash or a leak (ASan).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "block/block.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    char err[512];
    err[0] = 0;
    BlkImageOpts o;
    if (blk_parse_image_opts(text, &o, err, sizeof(err)) == 0) {
        if (!o.filename || !strstr(text, o.filename))
            abort();
        if (o.fmt && !strstr(text, o.fmt))
            abort();
        for (int i = 0; i < BLK_MAX_KEY_LAYERS; i++)
            if (o.keys[i] && !strstr(text, o.keys[i]))
                abort();
        blk_image_opts_free(&o);
    } else if (!err[0] || o.filename || o.fmt) {
        abort(); /* a failure says why and leaves nothing allocated */
    }
    char *id, *name;
    const char *either;
    err[0] = 0;
    if (blk_parse_snapshot_spec(text, &id, &name, &either, err,
                                sizeof(err)) == 0) {
        if ((either && (either != text || id || name)) ||
            (!either && !id && !name) || (id && !strstr(text, id)) ||
            (name && !strstr(text, name)))
            abort();
        free(id);
        free(name);
    } else if (!err[0] || id || name || either) {
        abort();
    }
    free(text);
    return 0;
}
