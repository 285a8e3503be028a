/* SPDX-License-Identifier: MIT */
/* A small pool of worker threads (see pool.h). */
#include "block/pool.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

struct BlkPool {
    pthread_mutex_t lock;
    pthread_cond_t work;      /* a new job (or quit) */
    pthread_cond_t done;      /* the last item of a job finished */
    pthread_t *tid;
    int nthreads;             /* workers started */
    uint64_t gen;             /* job number */
    BlkPoolFn *fn;
    void *ctx;
    size_t n, next, finished;
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

/* Runs items of the current job until none is left; called locked. */
static void run_items(BlkPool *p, int slot)
{
    while (p->next < p->n) {
        size_t i = p->next++;
        BlkPoolFn *fn = p->fn;
        void *ctx = p->ctx;
        pthread_mutex_unlock(&p->lock);
        fn(ctx, i, slot);
        pthread_mutex_lock(&p->lock);
        if (++p->finished == p->n)
            pthread_cond_signal(&p->done);
    }
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
    uint64_t seen = p->gen;
    for (;;) {
        while (!p->quit && p->gen == seen)
            pthread_cond_wait(&p->work, &p->lock);
        if (p->quit)
            break;
        seen = p->gen;
        run_items(p, st.slot);
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

void blk_pool_run(BlkPool *p, size_t n, BlkPoolFn *fn, void *ctx)
{
    if (!n)
        return;
    pthread_mutex_lock(&p->lock);
    p->fn = fn;
    p->ctx = ctx;
    p->n = n;
    p->next = 0;
    p->finished = 0;
    p->gen++;
    if (n > 1)
        pthread_cond_broadcast(&p->work);
    run_items(p, 0);
    while (p->finished < p->n)
        pthread_cond_wait(&p->done, &p->lock);
    p->n = 0;
    p->next = 0;
    pthread_mutex_unlock(&p->lock);
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
