/* SPDX-License-Identifier: MIT */
/*
 * Host file descriptors the main loop waits for, besides the character
 * backends': a source (a network backend) adds its descriptors before each
 * poll and handles what they report after it. The main loop's one poll()
 * (chardev_poll) covers everything, so an idle machine sleeps until any of
 * them is ready and a running one never waits (timeout 0 between quanta).
 * With no source registered this costs nothing but an empty loop.
 *
 * Sources run on the machine's thread, between instruction quanta or while
 * the CPUs sleep; never while the machine is stopped by the monitor or the
 * debugger (they are not asked for descriptors then).
 */
#ifndef KERNEL_FDWATCH_H
#define KERNEL_FDWATCH_H

#include <poll.h>
#include <stdbool.h>

typedef struct FdSource {
    /*
     * Adds descriptors with fdwatch_add() and may lower *timeout_ms (-1:
     * no limit) for its own timers.
     */
    void (*prepare)(void *opaque, int *timeout_ms);
    /* After the poll (also after a poll error: error true); true when it
     * did something that may wake a CPU. */
    bool (*dispatch)(void *opaque, bool error);
    void *opaque;
} FdSource;

/* Registers / removes a source (src must stay valid while registered). */
void fdwatch_register(const FdSource *src);
void fdwatch_unregister(const FdSource *src);

/* In prepare(): watch fd for events (POLLIN...); returns its index. */
int fdwatch_add(int fd, short events);
/* In dispatch(): what the poll reported for index idx (0 if out of range). */
short fdwatch_revents(int idx);

/*
 * For the main loop: start a new set, add descriptors (fdwatch_add), let
 * the sources add theirs (when the machine runs), poll, dispatch.
 */
void fdwatch_begin(void);
/* Returns poll()'s result; sources are dispatched afterwards with
 * fdwatch_dispatch(). */
int fdwatch_poll(int timeout_ms, bool with_sources);
bool fdwatch_dispatch(int poll_result);
/* True while the machine runs (not stopped by monitor or debugger). */
bool fdwatch_sources_enabled(void);
/* Anything registered? */
bool fdwatch_have_sources(void);

#endif
