/* SPDX-License-Identifier: MIT */
/*
 * Backend selection (-accel): the code generators the engine was built
 * with, and the one blocks are compiled with.
 */
#include <stdio.h>
#include <string.h>

#include "kernel/backend.h"

static const Backend *const backends[] = {
    &backend_interp,
};

static const Backend *current = &backend_interp;

const Backend *backend_current(void)
{
    return current;
}

bool backend_select(const char *name)
{
    for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
        if (!strcmp(backends[i]->name, name)) {
            current = backends[i];
            return true;
        }
    }
    return false;
}

void backend_list(void)
{
    printf("Accelerators supported in this build:\n");
    for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
        printf("%-10s %s%s\n", backends[i]->name, backends[i]->description,
               backends[i] == current ? " (default)" : "");
}
