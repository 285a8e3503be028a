/* SPDX-License-Identifier: MIT */
/*
 * Virtual time and the main loop. The clock follows the host's monotonic
 * clock, or, with -icount shift=N, advances 2^N ns per executed cycle so
 * that runs are deterministic. Idle CPUs (wfi) make the clock skip to the
 * next timer deadline under -icount, or sleep until it in real time.
 */
#ifndef KERNEL_SCHED_H
#define KERNEL_SCHED_H

#include <stdbool.h>
#include <stdint.h>

/* shift < 0: real time (default). */
void sched_set_icount(int shift);
bool sched_icount_enabled(void);
/*
 * Cycle-accurate time ([cpu] frequency in the board file): the clock is
 * the CPU's cycle count at hz, exact even inside a block. 0 turns it off.
 * Takes precedence over -icount.
 */
void sched_set_frequency(uint64_t hz);

/* Runs the machine until an exit request; returns the exit status. */
int sched_run(void);

/* Ask the loop to stop with status (first request wins) or to reset. */
void sched_request_exit(int status);
void sched_request_reset(void);
/* -no-reboot: a reset request ends the run with status 0 instead. */
void sched_set_no_reboot(bool on);
bool sched_exit_requested(void);
/* The user asked to quit (monitor, Ctrl-A x): SHUTDOWN event, status 0. */
void sched_request_quit(const char *reason);
/* The monitor asked for a reset (RESET event, not a guest reset). */
void sched_request_host_reset(void);

/*
 * stop / cont: a stopped machine runs no CPU and no timer, and its virtual
 * clock stands still; the character backends (monitors) keep working.
 * They send the STOP and RESUME events when the state changes.
 */
void sched_stop(void);
void sched_cont(void);
bool sched_running(void);

/* Deadline of the earliest armed timer, UINT64_MAX when none. */
uint64_t sched_next_deadline(void);
/* Runs callbacks of timers whose deadline is <= now. */
void sched_run_timers(void);
/* The debugger stops (true) or restarts the machine: in real-time mode
 * the clock does not advance in between. */
void sched_pause_clock(bool pause);
/* Advance the icount clock (tests); no effect in real-time mode. */
void sched_advance_ns(uint64_t ns);
/* Runs the bottom halves other threads scheduled (tessera_bh_schedule). */
void sched_run_bhs(void);
/* Resets clock and timers to the initial state (tests, teardown). */
void sched_reset_all(void);

#endif
