/* SPDX-License-Identifier: MIT */
/*
 * The interface between the engine and its code generators. The
 * translation cache hands a backend a block's optimised IR and gets back
 * code that it stores in its arena; the CPU loop runs blocks only through
 * exec(); self-modifying code, precise faults and tools know nothing of a
 * backend's code.
 *
 * What a backend must do:
 *  - compile(): compile the optimised block, remember the result, and say
 *    how many bytes of code and how many exits (TBExit) it needs;
 *  - install(): write that code at the arena address code (its run-time
 *    address is code_x: the same for data, another mapping of the same
 *    pages for host code on W^X hosts), set tb->code to code_x and
 *    initialise every exit with tcache_exit_init();
 *  - exec(): run tb, whose instructions and cycles the loop has already
 *    pre-committed, and whatever it chains to, until an exit returns with
 *    cpu->pc set (and cpu->last_exit set for an unchained goto). An exit
 *    taken before the block's last instruction gives back the
 *    pre-committed counts of the instructions it skips (insn_adj,
 *    cycle_adj). Entering a successor directly, it pre-commits the
 *    successor's counts, unless cpu->cycles + its cycles would pass
 *    cpu->limit: then it returns with cpu->pc at the successor;
 *  - precise state: before any helper call or memory slow path, set
 *    cpu->cur_insn to the guest instruction index (the core derives the
 *    PC and exact counters from it); after one, if cpu->end_insn is set,
 *    clear it, finish the current instruction and return to the loop with
 *    cpu->pc at the next one (cpu_end_insn_counts() fixes the counters);
 *  - chain()/unchain() (optional): exit x's x->next was just set or
 *    cleared; patch the code if the backend jumps directly.
 */
#ifndef KERNEL_BACKEND_H
#define KERNEL_BACKEND_H

#include <stdbool.h>
#include <stddef.h>

#include "kernel/ir-internal.h"

struct TB;
struct TBExit;
struct TesseraCpu;

typedef struct Backend {
    const char *name;        /* for -accel */
    const char *description; /* one line for -accel help */
    bool executable;         /* its code runs on the host CPU */
    size_t (*compile)(const TesseraIR *b, unsigned *nexits);
    void (*install)(struct TB *tb, void *code, void *code_x);
    void (*exec)(struct TesseraCpu *cpu, struct TB *tb);
    void (*chain)(struct TBExit *x);
    void (*unchain)(struct TBExit *x);
} Backend;

extern const Backend backend_interp;
#if defined(__x86_64__)
extern const Backend backend_native;
#endif

/* The backend blocks are compiled with (the interpreter by default). */
const Backend *backend_current(void);
/* Selects by name before any block is translated; false if unknown. */
bool backend_select(const char *name);
/* Prints the backends for -accel help. */
void backend_list(void);
/* Each temp of b gets a CPU temp slot (an env-relative offset, by
 * temp number); valid until the next call. */
const int16_t *backend_alloc_slots(const TesseraIR *b);

#endif
