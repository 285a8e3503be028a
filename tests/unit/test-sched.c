/* SPDX-License-Identifier: MIT */
/* Virtual clock and device timers under -icount. */
#include <CUnit/Basic.h>
#include <glib.h>
#include <string.h>

#include <tessera/device.h>

#include "kernel/sched.h"
#include "tests/unit/unit.h"

static int fired[8];
static int order[8], norder;
static TesseraTimer *rearm_timer;

static void cb(void *opaque)
{
    int i = (int)(intptr_t)opaque;
    fired[i]++;
    order[norder++] = i;
}

static void cb_rearm(void *opaque)
{
    cb(opaque);
    if (fired[(intptr_t)opaque] < 3)
        tessera_timer_mod(rearm_timer, tessera_clock_ns() + 100);
}

static int setup(void)
{
    sched_reset_all();
    sched_set_icount(0);
    memset(fired, 0, sizeof(fired));
    norder = 0;
    return 0;
}

static void test_clock_icount(void)
{
    setup();
    CU_ASSERT_TRUE(sched_icount_enabled());
    CU_ASSERT_EQUAL(tessera_clock_ns(), 0);
    sched_advance_ns(1234);
    CU_ASSERT_EQUAL(tessera_clock_ns(), 1234);
}

static void test_timer_order(void)
{
    setup();
    TesseraTimer *a = tessera_timer_new(cb, (void *)1);
    TesseraTimer *b = tessera_timer_new(cb, (void *)2);
    TesseraTimer *c = tessera_timer_new(cb, (void *)3);
    tessera_timer_mod(a, 300);
    tessera_timer_mod(b, 100);
    tessera_timer_mod(c, 200);
    CU_ASSERT_EQUAL(sched_next_deadline(), 100);
    sched_advance_ns(99);
    sched_run_timers();
    CU_ASSERT_EQUAL(norder, 0);
    sched_advance_ns(150); /* now 249 */
    sched_run_timers();
    CU_ASSERT_EQUAL(norder, 2);
    CU_ASSERT_EQUAL(order[0], 2);
    CU_ASSERT_EQUAL(order[1], 3);
    CU_ASSERT_EQUAL(sched_next_deadline(), 300);
    /* Re-arming moves a timer; deleting disarms it. */
    tessera_timer_mod(a, 1000);
    CU_ASSERT_EQUAL(sched_next_deadline(), 1000);
    tessera_timer_del(a);
    tessera_timer_del(a);
    CU_ASSERT_EQUAL(sched_next_deadline(), UINT64_MAX);
    sched_advance_ns(5000);
    sched_run_timers();
    CU_ASSERT_EQUAL(fired[1], 0);
    tessera_timer_free(a);
    tessera_timer_free(b);
    tessera_timer_free(c);
}

static void test_timer_rearm_from_callback(void)
{
    setup();
    rearm_timer = tessera_timer_new(cb_rearm, (void *)4);
    tessera_timer_mod(rearm_timer, 100);
    for (int i = 0; i < 10; i++) {
        sched_advance_ns(100);
        sched_run_timers();
    }
    CU_ASSERT_EQUAL(fired[4], 3);
    CU_ASSERT_EQUAL(sched_next_deadline(), UINT64_MAX);
    tessera_timer_free(rearm_timer);
}

static void test_exit_request(void)
{
    setup();
    CU_ASSERT_FALSE(sched_exit_requested());
    sched_request_exit(3);
    sched_request_exit(5); /* the first request wins */
    CU_ASSERT_TRUE(sched_exit_requested());
    CU_ASSERT_EQUAL(sched_run(), 3);
}

/* -no-reboot: a guest reset ends the run with status 0, as QEMU. */
static void test_no_reboot(void)
{
    setup();
    sched_set_no_reboot(true);
    sched_request_reset();
    CU_ASSERT_TRUE(sched_exit_requested());
    CU_ASSERT_EQUAL(sched_run(), 0);
    sched_set_no_reboot(false);
    setup();
    sched_request_reset();
    CU_ASSERT_FALSE(sched_exit_requested());
    sched_reset_all();
}

int main(void)
{
    static const UnitTest tests[] = {
        {"icount clock", test_clock_icount},
        {"timers fire in deadline order", test_timer_order},
        {"timer re-armed from its callback", test_timer_rearm_from_callback},
        {"exit request", test_exit_request},
        {"-no-reboot", test_no_reboot},
    };
    return UNIT_RUN("sched", tests);
}
