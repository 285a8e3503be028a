/* SPDX-License-Identifier: MIT */
/*
 * Sdtrig, in the spirit of riscv-tests' rv64mi-p-breakpoint: mcontrol6
 * (type 6) address triggers on execute, load and store raise a breakpoint
 * exception before the instruction; privilege bits gate them; tselect is
 * WARL over the triggers that exist; tinfo lists type 6.
 */
#include "rt.h"

#define TYPE6 (6UL << (XLEN - 4))
#define T_M (1UL << 6)
#define T_U (1UL << 3)
#define T_EXEC (1UL << 2)
#define T_STORE (1UL << 1)
#define T_LOAD (1UL << 0)

static volatile int hits;
static volatile ulong hit_epc;
static volatile ulong data_word = 42;

static int on_trap(struct trap_frame *f)
{
    if (f->mcause != 3)
        return 0;
    hits++;
    hit_epc = f->mepc;
    /* Disarm (keep type 6, no privilege): the instruction runs again. */
    csr_write(tdata1, TYPE6);
    return 1;
}

__attribute__((noinline)) static int target(int x)
{
    return x + 1;
}

int main(void)
{
    ulong v;
    int r;

    puts("trigger: Sdtrig mcontrol6 on execute, load and store");
    trap_hook = on_trap;

    csr_write(tselect, 0);
    CHECK_EQ(csr_read(tselect), 0);
    csr_write(tselect, 1);
    CHECK_EQ(csr_read(tselect), 1);
    csr_write(tselect, 100); /* no trigger 100: not selected */
    CHECK(csr_read(tselect) != 100);
    CHECK(csr_read(tinfo) & (1UL << 6));
    csr_write(tselect, 0);

    /* Execute: fires before the first instruction of target(). */
    csr_write(tdata2, (ulong)&target);
    csr_write(tdata1, TYPE6 | T_M | T_EXEC);
    CHECK_EQ(csr_read(tdata1) >> (XLEN - 4), 6);
    CHECK_EQ(csr_read(tdata2), (ulong)&target);
    r = target(1);
    CHECK_EQ(r, 2);
    CHECK_EQ(hits, 1);
    CHECK_EQ(hit_epc, (ulong)&target);

    /* U mode only: nothing fires in M mode. */
    hits = 0;
    csr_write(tdata1, TYPE6 | T_U | T_EXEC);
    r = target(5);
    CHECK_EQ(r, 6);
    CHECK_EQ(hits, 0);

    /* Load: a store to the word does not fire, a load does. */
    csr_write(tdata2, (ulong)&data_word);
    csr_write(tdata1, TYPE6 | T_M | T_LOAD);
    data_word = 7;
    CHECK_EQ(hits, 0);
    v = data_word;
    CHECK_EQ(v, 7);
    CHECK_EQ(hits, 1);

    /* Store: a load does not fire, a store does (and then happens). */
    hits = 0;
    csr_write(tdata1, TYPE6 | T_M | T_STORE);
    v = data_word;
    CHECK_EQ(hits, 0);
    data_word = 9;
    CHECK_EQ(hits, 1);
    CHECK_EQ(data_word, 9);

    /* Trigger 1 works the same; trigger 0 off. */
    hits = 0;
    csr_write(tdata1, TYPE6);
    csr_write(tselect, 1);
    csr_write(tdata2, (ulong)&data_word);
    csr_write(tdata1, TYPE6 | T_M | T_LOAD | T_STORE);
    data_word = 11;
    CHECK_EQ(hits, 1);
    CHECK_EQ(data_word, 11);
    csr_write(tselect, 1);
    CHECK_EQ(csr_read(tdata1) & (T_LOAD | T_STORE | T_M), 0);
    csr_write(tselect, 0);

    trap_hook = 0;
    return check_done("trigger");
}
