/* SPDX-License-Identifier: MIT */
/*
 * Backend selection (-accel): the code generators the engine was built
 * with, and the one blocks are compiled with.
 */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "kernel/backend.h"
#include "kernel/cpu-internal.h"

static const Backend *const backends[] = {
    &backend_interp,
#if defined(__x86_64__)
    &backend_native,
#endif
};

/* Host code where we can generate it; the interpreter elsewhere. */
#if defined(__x86_64__)
static const Backend *current = &backend_native;
#else
static const Backend *current = &backend_interp;
#endif

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

/* ---------------------------------------------------------------------- */
/* Temp slots, shared by the backends                                      */

static int16_t *slot_of;

/*
 * Temps get slots by linear scan over op order. Branches only go forward,
 * so a temp's interval [first mention, last mention] covers every path
 * between its definition and its uses.
 */
const int16_t *backend_alloc_slots(const TesseraIR *b)
{
    unsigned nt = b->ntemps;
    unsigned *last = g_new(unsigned, nt + 1);
    unsigned *free_slots = g_new(unsigned, CPU_TEMP_SLOTS);
    unsigned nfree = 0;
    /* Per op, the temps whose interval ends there (linked through
     * next_end) so each op frees its temps in O(1). */
    int *end_head = g_new(int, b->nops + 1);
    int *next_end = g_new(int, nt + 1);

    slot_of = g_renew(int16_t, slot_of, nt + 1);
    memset(slot_of, 0, (nt + 1) * sizeof(int16_t));
    memset(last, 0xff, (nt + 1) * sizeof(unsigned));
    for (unsigned i = 0; i < b->nops; i++)
        for (int k = 0; k < 5; k++)
            if (ir_val_kind(b->ops[i].v[k]) == IR_VK_TEMP)
                last[IR_VAL_INDEX(b->ops[i].v[k])] = i;
    for (unsigned i = 0; i <= b->nops; i++)
        end_head[i] = -1;
    for (unsigned t = 0; t <= nt; t++) {
        if (last[t] != UINT_MAX) {
            next_end[t] = end_head[last[t]];
            end_head[last[t]] = (int)t;
        }
    }
    for (unsigned s = CPU_TEMP_SLOTS; s-- > CPU_SLOT_FIRST_TEMP;)
        free_slots[nfree++] = s;

    for (unsigned i = 0; i < b->nops; i++) {
        for (int k = 0; k < 5; k++) {
            TesseraVal v = b->ops[i].v[k];
            if (ir_val_kind(v) != IR_VK_TEMP || slot_of[IR_VAL_INDEX(v)])
                continue;
            g_assert(nfree > 0); /* tessera_ir_block_full() bounds temps */
            slot_of[IR_VAL_INDEX(v)] = cpu_slot_offset(free_slots[--nfree]);
        }
        for (int t = end_head[i]; t >= 0; t = next_end[t]) {
            int off = slot_of[t];
            free_slots[nfree++] = CPU_TEMP_SLOTS + (unsigned)(off / 8);
        }
    }
    g_free(last);
    g_free(free_slots);
    g_free(end_head);
    g_free(next_end);
    return slot_of;
}

