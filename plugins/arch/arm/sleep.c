/* SPDX-License-Identifier: MIT */
/*
 * ARM M-profile sleep (ARMv7-M ARM B1.5.18-B1.5.19): WFI, WFE and SEV with
 * the event register, SCR.SEVONPEND and SCR.SLEEPONEXIT.
 *
 * A sleeping CPU is halted in the core (tessera_cpu_halt), which runs it
 * no more until has_work() says so: the host idles, as with WFI.
 *
 * - The event register is set by SEV, by exception entry and return, and
 *   (SCR.SEVONPEND) by any exception entering the pending state, enabled
 *   or not. WFE with the event set clears it and goes on; otherwise the CPU
 *   sleeps with the PC on the WFE itself, so that waking re-runs it: an
 *   event wakes it (the WFE then clears the event), and so does an
 *   exception that can preempt (taken with the WFE as return address; the
 *   return sets the event, so the WFE then completes).
 * - WFI wakes for an exception that would preempt if PRIMASK were clear.
 * - SLEEPONEXIT: an exception return to thread mode sleeps instead of
 *   unstacking. The frame stays on the stack; the interrupt that wakes the
 *   CPU is entered without stacking (tail-chained, LR the EXC_RETURN of
 *   the return that slept); a wake-up that cannot preempt (PRIMASK) makes
 *   the return complete.
 */
#include <string.h>

#include "arm.h"

void arm_pend(ArmEnv *env, unsigned exc)
{
    if (!env->pending[exc] && (env->scr & SCR_SEVONPEND))
        env->event = true;
    env->pending[exc] = 1;
}

void arm_sev_on_pend(ArmEnv *env, const uint8_t *before)
{
    if (!(env->scr & SCR_SEVONPEND))
        return;
    for (unsigned e = 1; e < ARM_NUM_EXC; e++)
        if (env->pending[e] && !before[e]) {
            env->event = true;
            return;
        }
}

void arm_sev(ArmEnv *env)
{
    env->event = true;
}

void arm_wfe(ArmEnv *env, uint32_t pc)
{
    if (env->event) {
        env->event = false;
        return;
    }
    env->sleep = ARM_SLEEP_WFE;
    arm_update_tb_flags(env);
    tessera_cpu_set_pc(env->cpu, pc);
    tessera_cpu_halt(env->cpu);
    tessera_cpu_exit_loop(env->cpu);
}

void arm_wfi(ArmEnv *env, uint32_t next)
{
    env->sleep = ARM_SLEEP_WFI;
    tessera_cpu_set_pc(env->cpu, next);
    tessera_cpu_halt(env->cpu);
}

bool arm_sleep_on_exit(ArmEnv *env, uint32_t exc_return)
{
    if (!(env->scr & SCR_SLEEPONEXIT))
        return false;
    env->sleep = ARM_SLEEP_ON_EXIT;
    env->sleep_exc_return = exc_return;
    tessera_cpu_halt(env->cpu);
    return true;
}

/* Whether an exception is pending that can preempt, optionally as if
 * PRIMASK were clear. */
static bool can_preempt(ArmEnv *env, bool ignore_primask)
{
    uint32_t pm = env->primask;
    if (ignore_primask)
        env->primask = 0;
    bool r = arm_preempting(env) != 0;
    env->primask = pm;
    return r;
}

bool arm_sleep_has_work(ArmEnv *env)
{
    switch (env->sleep) {
    case ARM_SLEEP_WFE:
        return env->event || can_preempt(env, false);
    case ARM_SLEEP_ON_EXIT:
        if (!can_preempt(env, true))
            return false;
        /* arm_sleep_wake() decides, from exec_interrupt */
        tessera_cpu_kick(env->cpu);
        return true;
    default:
        return can_preempt(env, true);
    }
}

bool arm_sleep_wake(ArmEnv *env)
{
    unsigned s = env->sleep;
    env->sleep = ARM_SLEEP_NONE;
    if (s != ARM_SLEEP_ON_EXIT)
        return false;
    unsigned e = arm_preempting(env);
    if (e) {
        arm_tail_chain(env, e, env->sleep_exc_return);
        return true;
    }
    /* Woken by what PRIMASK masks: the return completes. */
    arm_unstack(env, env->sleep_exc_return);
    return true;
}
