/* SPDX-License-Identifier: MIT */
/*
 * Board files: INI text parsed into sections of key/value pairs that
 * remember their line numbers, so every later check (unknown key, bad
 * number, dangling IRQ reference) can name the file and line.
 *
 * Sections: [board], [cpu] or [cpu NAME], [memory NAME], [device NAME].
 */
#ifndef KERNEL_BOARD_H
#define KERNEL_BOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct BoardKV {
    char *key;
    char *value;
    int line;
} BoardKV;

typedef enum BoardSectionKind {
    SECTION_BOARD,
    SECTION_CPU,
    SECTION_MEMORY,
    SECTION_DEVICE,
} BoardSectionKind;

typedef struct BoardSection {
    BoardSectionKind kind;
    char *name; /* instance name; "" for [board] and an unnamed [cpu] */
    int line;
    BoardKV *kvs;
    size_t nkvs;
} BoardSection;

typedef struct BoardConfig {
    char *path; /* as given, for messages */
    BoardSection *sections;
    size_t nsections;
} BoardConfig;

/*
 * Parses text (path is used in messages only). Checks the syntax and the
 * section names; keys are checked later against what they configure.
 * Returns NULL with "path:line: message" in err.
 */
BoardConfig *board_parse(const char *path, const char *text, char *err,
                         size_t errlen);
/* Reads and parses a file. */
BoardConfig *board_load(const char *path, char *err, size_t errlen);
void board_free(BoardConfig *cfg);

/* The first section of a kind (NULL if none) and a key's entry in it. */
BoardSection *board_section(BoardConfig *cfg, BoardSectionKind kind);
BoardKV *board_get(BoardSection *s, const char *key);

/*
 * Checks that every key of s is in the NULL-ended list allowed; on the
 * first other key, writes "path:line: unknown key ..." to err.
 */
bool board_check_keys(BoardConfig *cfg, BoardSection *s,
                      const char *const *allowed, char *err, size_t errlen);

/*
 * Where -M NAME is looked for: NAME.ini in $TESSERA_BOARD_PATH, the source
 * tree's config/boards (when running from the build tree) and the installed
 * board directory. A NAME containing '/' or ending in .ini is a path.
 * Returns a newly allocated path or NULL.
 */
char *board_find(const char *name);
/* Lists installed boards (name and description) to stdout for -M help. */
void board_print_list(void);

#endif
