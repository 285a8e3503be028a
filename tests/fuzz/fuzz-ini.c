/* SPDX-License-Identifier: MIT */
/* Fuzz target: the board-file parser must reject anything with a message
 * and never crash, whatever the bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/board.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0; /* board_load rejects NULs; the parser sees C strings */
    err[0] = 0;
    BoardConfig *cfg = board_parse("fuzz.ini", text, err, sizeof(err));
    if (cfg) {
        BoardSection *b = board_section(cfg, SECTION_BOARD);
        static const char *const keys[] = {"name", NULL};
        if (b)
            board_check_keys(cfg, b, keys, err, sizeof(err));
        for (size_t i = 0; i < cfg->nsections; i++)
            board_get(&cfg->sections[i], "type");
    } else if (!err[0]) {
        abort(); /* every rejection explains itself */
    }
    board_free(cfg);
    free(text);
    return 0;
}
