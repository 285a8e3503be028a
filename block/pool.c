/* SPDX-License-Identifier: MIT */
/* A small pool of worker threads (see pool.h). */
#include "block/pool.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

struct BlkPool {
    pthread_mutex_t lock;
    pthread_cond_t work;      /* a job was queued (or quit) */
    pthread_cond_t done;      /* the last item of a job finished */
    pthread_t *tid;
    int nthreads;             /* workers started */
    BlkPoolJob *head, *tail;  /* jobs with items not yet started */
    bool quit;
};

int blk_pool_default_threads(void)
{
    const char *e = getenv("TESSERA_BLK_THREADS");
    if (e && *e) {
        long v = strtol(e, NULL, 10);
        return v < 1 ? 1 : v > 64 ? 64 : (int)v;
    }
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    return c < 4 ? 4 : c > 8 ? 8 : (int)c;
}

/* Takes the next item of j (queued, with items left); called locked. */
static size_t take(BlkPool *p, BlkPoolJob *j)
{
    size_t i = j->next++;
    if (j->next == j->n) { /* its last one: off the queue */
        BlkPoolJob **pp = &p->head, *prev = NULL;
        while (*pp != j) {
            prev = *pp;
            pp = &(*pp)->link;
        }
        *pp = j->link;
        if (p->tail == j)
            p->tail = prev;
        j->link = NULL;
        j->queued = false;
    }
    return i;
}

/* Runs item i of j unlocked; called locked. */
static void run_item(BlkPool *p, BlkPoolJob *j, size_t i, int slot)
{
    BlkPoolFn *fn = j->fn;
    void *ctx = j->ctx;
    pthread_mutex_unlock(&p->lock);
    fn(ctx, i, slot);
    pthread_mutex_lock(&p->lock);
    /* j may be gone as soon as the waiter sees this (after the unlock). */
    if (++j->finished == j->n)
        pthread_cond_signal(&p->done);
}

typedef struct Start {
    BlkPool *p;
    int slot;
} Start;

static void *worker(void *arg)
{
    Start st = *(Start *)arg;
    BlkPool *p = st.p;
    free(arg);
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->head && !p->quit)
            pthread_cond_wait(&p->work, &p->lock);
        if (!p->head)
            break;
        BlkPoolJob *j = p->head;
        run_item(p, j, take(p, j), st.slot);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

BlkPool *blk_pool_new(int threads)
{
    if (threads <= 0)
        threads = blk_pool_default_threads();
    BlkPool *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->tid = calloc((size_t)threads, sizeof(pthread_t));
    if (!p->tid) {
        free(p);
        return NULL;
    }
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->done, NULL);
    for (int i = 1; i < threads; i++) {
        Start *st = malloc(sizeof(*st));
        if (!st)
            break;
        st->p = p;
        st->slot = i;
        if (pthread_create(&p->tid[p->nthreads], NULL, worker, st)) {
            free(st);
            break;
        }
        p->nthreads++;
    }
    return p;
}

int blk_pool_slots(const BlkPool *p)
{
    return p->nthreads + 1;
}

void blk_pool_submit(BlkPool *p, BlkPoolJob *j, size_t n, BlkPoolFn *fn,
                     void *ctx)
{
    pthread_mutex_lock(&p->lock);
    j->fn = fn;
    j->ctx = ctx;
    j->n = n;
    j->next = 0;
    j->finished = 0;
    j->link = NULL;
    j->queued = n > 0;
    if (n) {
        if (p->tail)
            p->tail->link = j;
        else
            p->head = j;
        p->tail = j;
        if (n > 1)
            pthread_cond_broadcast(&p->work);
        else
            pthread_cond_signal(&p->work);
    }
    pthread_mutex_unlock(&p->lock);
}

void blk_pool_wait(BlkPool *p, BlkPoolJob *j)
{
    pthread_mutex_lock(&p->lock);
    while (j->finished < j->n) {
        if (j->queued)
            run_item(p, j, take(p, j), 0);
        else if (p->head) { /* take() may unqueue it */
            BlkPoolJob *h = p->head;
            run_item(p, h, take(p, h), 0);
        } else
            pthread_cond_wait(&p->done, &p->lock);
    }
    pthread_mutex_unlock(&p->lock);
}

void blk_pool_run(BlkPool *p, size_t n, BlkPoolFn *fn, void *ctx)
{
    if (!n)
        return;
    if (n == 1) { /* not worth waking a worker */
        fn(ctx, 0, 0);
        return;
    }
    BlkPoolJob j;
    blk_pool_submit(p, &j, n, fn, ctx);
    blk_pool_wait(p, &j);
}

void blk_pool_free(BlkPool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->quit = true;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; i < p->nthreads; i++)
        pthread_join(p->tid[i], NULL);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->done);
    free(p->tid);
    free(p);
}
