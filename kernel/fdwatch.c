/* SPDX-License-Identifier: MIT */
#include "kernel/fdwatch.h"

#include <glib.h>

#include "kernel/debug.h"
#include "kernel/sched.h"

static GPtrArray *sources;
static struct pollfd *pfd; /* grows, never shrinks: no allocation per poll */
static unsigned npfd, cap;
static bool sources_polled;

void fdwatch_register(const FdSource *src)
{
    if (!sources)
        sources = g_ptr_array_new();
    g_ptr_array_add(sources, (gpointer)src);
}

void fdwatch_unregister(const FdSource *src)
{
    if (sources) {
        g_ptr_array_remove(sources, (gpointer)src);
        if (!sources->len) {
            g_ptr_array_free(sources, TRUE);
            sources = NULL;
        }
    }
}

bool fdwatch_sources_enabled(void)
{
    return sources && sched_running() && !debug_vm_stopped;
}

bool fdwatch_have_sources(void)
{
    return sources && sources->len;
}

void fdwatch_begin(void)
{
    npfd = 0;
    sources_polled = false;
}

int fdwatch_add(int fd, short events)
{
    if (npfd == cap) {
        cap = cap ? cap * 2 : 32;
        pfd = g_renew(struct pollfd, pfd, cap);
    }
    pfd[npfd] = (struct pollfd){.fd = fd, .events = events};
    return (int)npfd++;
}

short fdwatch_revents(int idx)
{
    return idx >= 0 && (unsigned)idx < npfd ? pfd[idx].revents : 0;
}

int fdwatch_poll(int timeout_ms, bool with_sources)
{
    if (with_sources && sources) {
        sources_polled = true;
        for (guint i = 0; i < sources->len; i++) {
            const FdSource *s = sources->pdata[i];
            s->prepare(s->opaque, &timeout_ms);
        }
    }
    if (!npfd && timeout_ms == 0)
        return 0;
    return poll(pfd, npfd, timeout_ms);
}

bool fdwatch_dispatch(int poll_result)
{
    bool woke = false;
    if (!sources_polled || !sources)
        return false;
    sources_polled = false;
    /* A source may unregister itself: walk a copy. */
    unsigned n = sources->len;
    const FdSource *copy[n ? n : 1];
    for (unsigned i = 0; i < n; i++)
        copy[i] = sources->pdata[i];
    for (unsigned i = 0; i < n; i++)
        woke |= copy[i]->dispatch(copy[i]->opaque, poll_result < 0);
    return woke;
}
