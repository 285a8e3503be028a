/* SPDX-License-Identifier: MIT */
/*
 * A small preemptive scheduler: two threads on the process stack, a
 * SysTick tick that pends PendSV, and PendSV switching contexts (r4-r11
 * saved by software, the rest by the exception frame). The threads'
 * results do not depend on where the ticks fall, so the output is the
 * same on every emulator; that the ticks did preempt is checked too.
 */
#include "rt/rt.h"

#define STACK_WORDS 256
static uint32_t stacks[2][STACK_WORDS] __attribute__((aligned(8)));
uint32_t saved_sp[3]; /* thread 0, thread 1, main */
uint32_t cur = 2;
static volatile uint32_t ticks, switches, done;
static volatile uint32_t result[2];

void systick_handler(void)
{
    ticks++;
    SCB_ICSR = 1u << 28; /* PENDSVSET */
}

/* Saves r4-r11 on the current process stack, picks the next thread. */
__attribute__((naked)) void pendsv_handler(void)
{
    __asm__ volatile(
        "mrs r0, psp\n\t"
        "stmdb r0!, {r4-r11}\n\t"
        "ldr r1, =cur\n\t"
        "ldr r2, [r1]\n\t"
        "ldr r3, =saved_sp\n\t"
        "str r0, [r3, r2, lsl #2]\n\t"
        "push {r1, r3, lr}\n\t"
        "bl next_thread\n\t"
        "pop {r1, r3, lr}\n\t"
        "str r0, [r1]\n\t"
        "ldr r0, [r3, r0, lsl #2]\n\t"
        "ldmia r0!, {r4-r11}\n\t"
        "msr psp, r0\n\t"
        "bx lr");
}

uint32_t next_thread(void)
{
    switches++;
    return cur == 0 ? 1 : 0;
}

static void finish(unsigned id, uint32_t r)
{
    __asm__ volatile("cpsid i" ::: "memory");
    result[id] = r;
    if (++done == 2) {
        rt_print("thread0", result[0]);
        rt_print("thread1", result[1]);
        rt_print("preempted", ticks >= 2 && switches >= 2);
        SYST_CSR = 0;
        rt_exit(0);
    }
    __asm__ volatile("cpsie i" ::: "memory");
    for (;;)
        __asm__ volatile("wfi");
}

static void thread0(void)
{
    uint32_t h = 1;
    for (uint32_t i = 0; i < 300000; i++)
        h = h * 33 + i;
    finish(0, h);
}

static void thread1(void)
{
    uint32_t h = 7;
    for (uint32_t i = 0; i < 200000; i++)
        h = rt_hash(h, i);
    finish(1, h);
}

static void setup(unsigned id, void (*fn)(void))
{
    uint32_t *sp = stacks[id] + STACK_WORDS - 16;
    for (unsigned i = 0; i < 16; i++)
        sp[i] = 0;
    sp[8 + 5] = 0xffffffffu;          /* lr: never returns */
    sp[8 + 6] = (uint32_t)fn & ~1u;   /* pc */
    sp[8 + 7] = 1u << 24;             /* xPSR: Thumb */
    saved_sp[id] = (uint32_t)sp;
}

int main(void)
{
    setup(0, thread0);
    setup(1, thread1);
    SCB_SHPR3 = 0xffu << 16 | 0x80u << 24; /* PendSV lowest, SysTick 0x80 */
    /* main continues on the process stack until the first switch */
    static uint32_t main_stack[64] __attribute__((aligned(8)));
    __asm__ volatile("msr psp, %0\n\tmov r0, #2\n\tmsr control, r0\n\tisb"
                     : : "r"(main_stack + 64) : "r0", "memory");
    SYST_RVR = 20000;
    SYST_CVR = 0;
    SYST_CSR = 7;
    for (;;)
        __asm__ volatile("wfi");
}
