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
    /* Kept from block to block (the machine's one thread translates). */
    static unsigned *free_slots;
    static int *end_head, *next_end;
    static unsigned temps_cap, ops_cap;
    unsigned nt = b->ntemps;
    unsigned nfree = 0, fresh = CPU_SLOT_FIRST_TEMP;

    if (nt + 1 > temps_cap) {
        temps_cap = (nt + 1) * 2;
        slot_of = g_renew(int16_t, slot_of, temps_cap);
        next_end = g_renew(int, next_end, temps_cap);
    }
    if (b->nops + 1 > ops_cap) {
        ops_cap = (b->nops + 1) * 2;
        end_head = g_renew(int, end_head, ops_cap);
    }
    if (!free_slots)
        free_slots = g_new(unsigned, CPU_TEMP_SLOTS);
    memset(slot_of, 0, (nt + 1) * sizeof(int16_t));
    /* Per op, the temps whose interval ends there (linked through
     * next_end) so each op frees its temps in O(1): walking the ops
     * backwards, a temp's first mention met is its last. slot_of doubles
     * as the "seen" mark here (-1), before slots are given out. */
    for (unsigned i = b->nops + 1; i-- > 0;)
        end_head[i] = -1;
    for (unsigned i = b->nops; i-- > 0;) {
        for (int k = 0; k < 5; k++) {
            TesseraVal v = b->ops[i].v[k];
            unsigned t = IR_VAL_INDEX(v);
            if (ir_val_kind(v) != IR_VK_TEMP || slot_of[t])
                continue;
            slot_of[t] = -1;
            /* Highest temp first (the order slots are freed in). */
            int *at = &end_head[i];
            while (*at > (int)t)
                at = &next_end[*at];
            next_end[t] = *at;
            *at = (int)t;
        }
    }
    memset(slot_of, 0, (nt + 1) * sizeof(int16_t));

    /* Freed slots are taken again first (last freed, first taken), then
     * the lowest never used: the order a stack of all the slots, lowest
     * on top, would give. */
    for (unsigned i = 0; i < b->nops; i++) {
        for (int k = 0; k < 5; k++) {
            TesseraVal v = b->ops[i].v[k];
            if (ir_val_kind(v) != IR_VK_TEMP || slot_of[IR_VAL_INDEX(v)])
                continue;
            unsigned s;
            if (nfree)
                s = free_slots[--nfree];
            else {
                g_assert(fresh < CPU_TEMP_SLOTS); /* tessera_ir_block_full()
                                                     bounds temps */
                s = fresh++;
            }
            slot_of[IR_VAL_INDEX(v)] = cpu_slot_offset(s);
        }
        for (int t = end_head[i]; t >= 0; t = next_end[t]) {
            int off = slot_of[t];
            free_slots[nfree++] = CPU_TEMP_SLOTS + (unsigned)(off / 8);
        }
    }
    return slot_of;
}

