/* SPDX-License-Identifier: MIT */
#include "kernel/sched.h"

#include <glib.h>
#include <stdatomic.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <tessera/device.h>

#include "kernel/chardev.h"
#include "kernel/cpu.h"
#include "kernel/debug.h"
#include "kernel/gdbstub.h"
#include "kernel/machine.h"
#include "kernel/monitor.h"

struct TesseraTimer {
    void (*cb)(void *opaque);
    void *opaque;
    uint64_t expire;
    bool armed;
    TesseraTimer *next; /* armed timers, sorted by expire */
};

/* Cycles a CPU runs before the loop looks at timers and input again. */
#define QUANTUM_CYCLES 100000
/* In real time, poll host input at most this often while CPUs run. */
#define POLL_INTERVAL_NS 1000000

static int icount_shift = -1;
static uint64_t icount_ns;   /* the clock under -icount */
/*
 * Cycle-accurate mode ([cpu] frequency): the clock counts CPU cycles and
 * one cycle lasts freq_num / freq_den ns exactly (1e9 / frequency, reduced;
 * 125/2 at 16 MHz). Nanoseconds are rounded up so that floor(ns * den /
 * num) gives back the cycle count.
 */
static uint64_t freq_num, freq_den;
static uint64_t freq_cycles;     /* cycles committed by finished quanta */
static Cpu *freq_cpu;            /* the CPU running now, for exact reads */
static uint64_t freq_cpu_start;  /* its cycle count when the quantum began */
static uint64_t host_start;  /* host time of clock 0 in real-time mode */
static bool gdb_paused;      /* the debugger holds the clock */
static TesseraTimer *armed;
static bool exit_requested;
static int exit_status;
static bool reset_requested;
static bool no_reboot;
static bool paused;          /* stopped by the monitor */
static unsigned pause_depth; /* monitor and debugger stops in force */
static uint64_t pause_host;  /* host time when the clock stopped */

static uint64_t host_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

void sched_set_icount(int shift)
{
    icount_shift = shift;
}

bool sched_icount_enabled(void)
{
    return icount_shift >= 0 || freq_num;
}

static uint64_t gcd64(uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

void sched_set_frequency(uint64_t hz)
{
    if (!hz) {
        freq_num = freq_den = 0;
        return;
    }
    uint64_t g = gcd64(1000000000ull, hz);
    freq_num = 1000000000ull / g;
    freq_den = hz / g;
}

static uint64_t freq_now_cycles(void)
{
    uint64_t c = freq_cycles;
    if (freq_cpu)
        c += tessera_cpu_cycles(freq_cpu) - freq_cpu_start;
    return c;
}

static uint64_t cycles_to_ns(uint64_t c)
{
    return (uint64_t)(((unsigned __int128)c * freq_num + freq_den - 1) /
                      freq_den);
}

/* The first cycle count whose time is >= ns. */
static uint64_t ns_to_cycles_ceil(uint64_t ns)
{
    if (!ns)
        return 0;
    return (uint64_t)(((unsigned __int128)(ns - 1) * freq_den) / freq_num) + 1;
}

uint64_t tessera_clock_ns(void)
{
    if (freq_num)
        return cycles_to_ns(freq_now_cycles());
    if (icount_shift >= 0)
        return icount_ns;
    if (!host_start)
        host_start = host_ns();
    return (pause_depth ? pause_host : host_ns()) - host_start;
}

/*
 * Real time stands still while the machine is stopped, by the monitor
 * (stop/cont) or by the debugger, so the guest sees no jump on resuming.
 */
static void clock_pause(void)
{
    if (pause_depth++ == 0) {
        if (!host_start)
            host_start = host_ns();
        pause_host = host_ns();
    }
}

static void clock_resume(void)
{
    if (pause_depth && --pause_depth == 0 && host_start)
        host_start += host_ns() - pause_host;
}

void sched_pause_clock(bool pause)
{
    if (pause == gdb_paused)
        return;
    gdb_paused = pause;
    if (pause)
        clock_pause();
    else
        clock_resume();
}

void sched_advance_ns(uint64_t ns)
{
    if (freq_num)
        freq_cycles = ns_to_cycles_ceil(cycles_to_ns(freq_cycles) + ns);
    else if (icount_shift >= 0)
        icount_ns += ns;
}

TesseraTimer *tessera_timer_new(void (*cb)(void *opaque), void *opaque)
{
    TesseraTimer *t = g_new0(TesseraTimer, 1);
    t->cb = cb;
    t->opaque = opaque;
    return t;
}

void tessera_timer_del(TesseraTimer *t)
{
    if (!t->armed)
        return;
    for (TesseraTimer **p = &armed; *p; p = &(*p)->next) {
        if (*p == t) {
            *p = t->next;
            break;
        }
    }
    t->armed = false;
    t->next = NULL;
}

void tessera_timer_free(TesseraTimer *t)
{
    if (t) {
        tessera_timer_del(t);
        g_free(t);
    }
}

void tessera_timer_mod(TesseraTimer *t, uint64_t expire_ns)
{
    TesseraTimer **p;
    tessera_timer_del(t);
    t->expire = expire_ns;
    t->armed = true;
    for (p = &armed; *p && (*p)->expire <= expire_ns; p = &(*p)->next)
        ;
    t->next = *p;
    *p = t;
    /* A deadline earlier than the running quantum's end: stop early. */
    for (unsigned i = 0; i < machine.ncpus; i++)
        cpu_stop(machine.cpus[i]);
}

uint64_t sched_next_deadline(void)
{
    return armed ? armed->expire : UINT64_MAX;
}

void sched_run_timers(void)
{
    uint64_t now = tessera_clock_ns();
    while (armed && armed->expire <= now) {
        TesseraTimer *t = armed;
        armed = t->next;
        t->armed = false;
        t->next = NULL;
        t->cb(t->opaque);
    }
}

/* ---------------------------------------------------------------------- */
/* Bottom halves: work handed to the machine thread by other threads       */

struct TesseraBh {
    void (*cb)(void *opaque);
    void *opaque;
    atomic_bool scheduled;
};

static GPtrArray *bh_all;          /* machine thread only */
static atomic_bool bh_pending;     /* some bottom half is scheduled */
static int bh_wake_fd = -1;        /* eventfd: wakes chardev_poll() */
static unsigned bh_work;           /* work begun and not ended */

TesseraBh *tessera_bh_new(void (*cb)(void *opaque), void *opaque)
{
    TesseraBh *bh = g_new0(TesseraBh, 1);
    bh->cb = cb;
    bh->opaque = opaque;
    atomic_init(&bh->scheduled, false);
    if (!bh_all)
        bh_all = g_ptr_array_new();
    g_ptr_array_add(bh_all, bh);
    if (bh_wake_fd < 0) {
        bh_wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (bh_wake_fd >= 0)
            chardev_set_wakeup_fd(bh_wake_fd);
    }
    return bh;
}

void tessera_bh_schedule(TesseraBh *bh)
{
    if (atomic_exchange(&bh->scheduled, true))
        return;
    atomic_store(&bh_pending, true);
    if (bh_wake_fd >= 0) {
        uint64_t one = 1;
        ssize_t r = write(bh_wake_fd, &one, sizeof(one));
        (void)r; /* a full counter already wakes the poll */
    }
}

void tessera_bh_free(TesseraBh *bh)
{
    if (!bh)
        return;
    if (bh_all)
        g_ptr_array_remove(bh_all, bh);
    g_free(bh);
    if (bh_all && bh_all->len == 0) {
        g_ptr_array_free(bh_all, TRUE);
        bh_all = NULL;
        chardev_set_wakeup_fd(-1);
        if (bh_wake_fd >= 0)
            close(bh_wake_fd);
        bh_wake_fd = -1;
    }
}

void tessera_bh_work_begin(TesseraBh *bh)
{
    (void)bh;
    bh_work++;
}

void tessera_bh_work_end(TesseraBh *bh)
{
    (void)bh;
    if (bh_work)
        bh_work--;
}

void sched_run_bhs(void)
{
    if (!atomic_load_explicit(&bh_pending, memory_order_acquire))
        return;
    atomic_store(&bh_pending, false);
    if (bh_wake_fd >= 0) {
        uint64_t n;
        ssize_t r = read(bh_wake_fd, &n, sizeof(n));
        (void)r;
    }
    /* A callback may free bottom halves (its own included): walk by index
     * and look each one up again. */
    for (guint i = 0; bh_all && i < bh_all->len; i++) {
        TesseraBh *bh = bh_all->pdata[i];
        if (atomic_exchange(&bh->scheduled, false)) {
            bh->cb(bh->opaque);
            if (!bh_all || i >= bh_all->len || bh_all->pdata[i] != bh)
                i = (guint)-1; /* the list changed: start over */
        }
    }
}

void sched_request_exit(int status)
{
    if (!exit_requested) {
        exit_requested = true;
        exit_status = status;
    }
}

void sched_set_no_reboot(bool on)
{
    no_reboot = on;
}

void sched_request_reset(void)
{
    if (no_reboot) /* -no-reboot: a guest reset ends the run, as QEMU */
        sched_request_exit(0);
    else
        reset_requested = true;
}

void sched_request_quit(const char *reason)
{
    if (!exit_requested)
        qmp_event_shutdown(false, reason);
    sched_request_exit(0);
    for (unsigned i = 0; i < machine.ncpus; i++)
        cpu_stop(machine.cpus[i]);
}

void sched_request_host_reset(void)
{
    qmp_event_reset(false, "host-qmp-system-reset");
    reset_requested = true;
    for (unsigned i = 0; i < machine.ncpus; i++)
        cpu_stop(machine.cpus[i]);
}

void sched_stop(void)
{
    if (paused)
        return;
    tessera_clock_ns(); /* start the clock if it has not started */
    clock_pause();
    paused = true;
    for (unsigned i = 0; i < machine.ncpus; i++)
        cpu_stop(machine.cpus[i]);
    qmp_event_simple("STOP");
}

void sched_cont(void)
{
    if (!paused)
        return;
    clock_resume();
    paused = false;
    qmp_event_simple("RESUME");
}

bool sched_running(void)
{
    return !paused;
}

bool sched_exit_requested(void)
{
    return exit_requested;
}

void sched_reset_all(void)
{
    while (armed)
        tessera_timer_del(armed);
    icount_ns = 0;
    freq_cycles = 0;
    freq_cpu = NULL;
    host_start = 0;
    gdb_paused = false;
    pause_depth = 0;
    exit_requested = false;
    reset_requested = false;
    exit_status = 0;
    paused = false;
}

/* Cycles the CPUs may run before the next deadline. */
static uint64_t budget_until(uint64_t deadline)
{
    if (freq_num && deadline != UINT64_MAX) {
        uint64_t target = ns_to_cycles_ceil(deadline);
        if (target <= freq_cycles)
            return 1;
        return MIN(target - freq_cycles, (uint64_t)QUANTUM_CYCLES);
    }
    if (icount_shift < 0 || deadline == UINT64_MAX)
        return QUANTUM_CYCLES;
    uint64_t now = icount_ns;
    if (deadline <= now)
        return 1;
    uint64_t cycles = ((deadline - now) + (1ull << icount_shift) - 1) >>
                      icount_shift;
    return cycles < QUANTUM_CYCLES ? cycles : QUANTUM_CYCLES;
}

/*
 * Waits for input. With a debugger listening, its socket is polled too
 * (at least every GDB_IDLE_POLL_MS, since the character backends' poll
 * does not know it) so that Ctrl-C reaches an idle machine.
 */
#define GDB_IDLE_POLL_MS 20
static bool idle_poll(int timeout_ms)
{
    if (!gdbstub_enabled())
        return chardev_poll(timeout_ms);
    if (timeout_ms < 0 || timeout_ms > GDB_IDLE_POLL_MS)
        timeout_ms = GDB_IDLE_POLL_MS;
    bool r = chardev_poll(timeout_ms);
    gdbstub_poll(0);
    return r || debug_vm_stopped;
}

/* All CPUs sleep: move time to the next event or wait for input. */
static void idle_wait(void)
{
    uint64_t deadline = sched_next_deadline();
    if ((freq_num || icount_shift >= 0) && bh_work) {
        /* A worker will answer: wait for it, do not skip time. */
        idle_poll(-1);
        return;
    }
    if (freq_num) {
        if (idle_poll(0))
            return;
        if (deadline == UINT64_MAX) {
            idle_poll(-1);
            return;
        }
        uint64_t target = ns_to_cycles_ceil(deadline);
        if (target > freq_cycles)
            freq_cycles = target;
        return;
    }
    if (icount_shift >= 0) {
        /* Input may wake a CPU; otherwise jump to the deadline. */
        if (idle_poll(0))
            return;
        if (deadline == UINT64_MAX) {
            idle_poll(-1);
            return;
        }
        if (deadline > icount_ns)
            icount_ns = deadline;
        return;
    }
    uint64_t now = tessera_clock_ns();
    int timeout_ms = -1;
    if (deadline != UINT64_MAX)
        timeout_ms = deadline <= now ? 0 : (int)MIN((deadline - now + 999999) / 1000000, 1000);
    idle_poll(timeout_ms);
}

static inline bool unlikely_stopped(void)
{
    return __builtin_expect(debug_vm_stopped, 0);
}

int sched_run(void)
{
    unsigned first_cpu = 0;

    uint64_t last_poll = 0;

    tessera_clock_ns(); /* start the real-time clock now */
    while (!exit_requested) {
        sched_run_bhs();
        if (reset_requested) {
            reset_requested = false;
            if (machine_reset() < 0)
                return 1;
        }
        if (unlikely_stopped()) {
            /* The debugger holds the machine: serve it until it lets go. */
            gdbstub_serve_stopped();
            continue;
        }
        if (paused) {
            /* Only the monitors run: wait for their input. */
            chardev_poll(-1);
            last_poll = host_ns();
            continue;
        }
        sched_run_timers();
        if (exit_requested)
            break;
        if (reset_requested) /* a timer asked for it: do not idle first */
            continue;

        uint64_t budget = budget_until(sched_next_deadline());
        uint64_t ran_max = 0;
        bool any_awake = false;
        for (unsigned k = 0; k < machine.ncpus && !exit_requested &&
                             !debug_vm_stopped; k++) {
            unsigned i = first_cpu + k;
            if (i >= machine.ncpus)
                i -= machine.ncpus;
            Cpu *cpu = machine.cpus[i];
            if (cpu_is_idle(cpu) ||
                (debug_hold_mask && i < 64 && (debug_hold_mask >> i) & 1))
                continue;
            any_awake = true;
            freq_cpu = cpu;
            freq_cpu_start = tessera_cpu_cycles(cpu);
            uint64_t ran = cpu_exec(cpu, budget);
            freq_cpu = NULL;
            /* Stopped by the debugger: the next round starts with the
             * next CPU, so that every CPU gets its turn. */
            if (unlikely_stopped())
                first_cpu = i + 1 < machine.ncpus ? i + 1 : 0;
            if (ran > ran_max)
                ran_max = ran;
        }
        if (freq_num)
            freq_cycles += ran_max;
        else if (icount_shift >= 0)
            icount_ns += ran_max << icount_shift;

        if (!any_awake) {
            idle_wait();
            last_poll = host_ns();
        } else {
            uint64_t h = host_ns();
            if (h - last_poll >= POLL_INTERVAL_NS) {
                chardev_poll(0);
                if (gdbstub_enabled())
                    gdbstub_poll(0);
                last_poll = h;
            }
        }
    }
    return exit_status;
}
