/* SPDX-License-Identifier: MIT */
/*
 * FP context on exceptions (Cortex-M4/M7): a PendSV taken while the thread
 * uses FP registers, with lazy preservation (FPCCR.LSPEN: FPCAR and
 * LSPACT at entry, the registers written at FPCAR by the handler's first
 * FP instruction), with immediate stacking (LSPEN clear) and without an FP
 * context (ASPEN and CONTROL.FPCA clear: the basic frame). EXC_RETURN,
 * CONTROL, FPCCR, FPCAR and the stacked words are printed and the thread's
 * registers must survive the handler's changes. Then CPACR denies access:
 * a UsageFault with CFSR.NOCP, whose handler grants access and retries,
 * also for unprivileged code when CPACR grants privileged access only.
 */
#include "rt/rt.h"

#define CPACR REG32(0xe000ed88)
#define FPCCR REG32(0xe000ef34)
#define FPCAR REG32(0xe000ef38)
#define FPDSCR REG32(0xe000ef3c)

static volatile uint32_t seen_lr, seen_sp, seen_ctrl, seen_fpccr, seen_fpcar;
static volatile uint32_t after_fpccr, after_ctrl, stacked_hash, lazy_hash;
static volatile uint32_t handler_fpscr;

static uint32_t control(void)
{
    uint32_t v;
    __asm__ volatile("mrs %0, control" : "=r"(v));
    return v;
}

static uint32_t words_hash(uint32_t a, unsigned n)
{
    uint32_t h = 2166136261u;
    for (unsigned i = 0; i < n; i++)
        h = rt_hash(h, REG32(a + 4 * i));
    return h;
}

/* Called from the PendSV entry with EXC_RETURN and the SP at entry. */
void __attribute__((used)) pendsv_c(uint32_t lr, uint32_t sp)
{
    seen_lr = lr;
    seen_sp = sp;
    seen_ctrl = control();
    seen_fpccr = FPCCR;
    seen_fpcar = FPCAR;
    if (!(lr & 0x10) && !(FPCCR & 1)) /* saved at entry */
        stacked_hash = words_hash(sp + 0x20, 17);
    /* The handler's own FP use: preserves the thread's state lazily. */
    __asm__ volatile("vmov.f32 s0, #1.0\n\tvmov.f32 s1, #2.0\n\t"
                     "vadd.f32 s2, s0, s1\n\tvmov.f32 s15, #3.0\n\t"
                     "vmrs %0, fpscr" : "=r"(handler_fpscr)
                     : : "s0", "s1", "s2", "s15");
    after_fpccr = FPCCR;
    after_ctrl = control();
    if (!(lr & 0x10) && (seen_fpccr & 1))
        lazy_hash = words_hash(seen_fpcar, 17);
}

__attribute__((naked)) void pendsv_handler(void)
{
    __asm__ volatile("mov r0, lr\n\tmov r1, sp\n\tpush {r0, lr}\n\t"
                     "bl pendsv_c\n\tpop {r0, pc}");
}

static volatile uint32_t nocp_cfsr;

void __attribute__((used)) usage_c(void)
{
    nocp_cfsr = SCB_CFSR;
    SCB_CFSR = nocp_cfsr;
    CPACR |= 0xfu << 20;
    /* Back to privileged thread mode (semihosting on QEMU needs it). */
    __asm__ volatile("msr control, %0" : : "r"(control() & ~1u));
}

__attribute__((naked)) void usagefault_handler(void)
{
    __asm__ volatile("push {r0, lr}\n\tbl usage_c\n\tpop {r0, pc}");
}

/* Fills s0-s15 and FPSCR, takes PendSV, and hashes them afterwards. */
static void __attribute__((noinline)) trial(const char *name)
{
    uint32_t regs[16], fpscr;
    seen_lr = seen_sp = seen_ctrl = seen_fpccr = seen_fpcar = 0;
    after_fpccr = after_ctrl = stacked_hash = lazy_hash = 0;
    handler_fpscr = 0;
    __asm__ volatile(
        "vmov.f32 s0, #0.5\n\tvmov.f32 s1, #1.5\n\tvmov.f32 s2, #2.5\n\t"
        "vmov.f32 s3, #3.5\n\tvmov.f32 s4, #4.5\n\tvmov.f32 s5, #5.5\n\t"
        "vmov.f32 s6, #6.5\n\tvmov.f32 s7, #7.5\n\tvmov.f32 s8, #-0.5\n\t"
        "vmov.f32 s9, #-1.5\n\tvmov.f32 s10, #-2.5\n\tvmov.f32 s11, #-3.5\n\t"
        "vmov.f32 s12, #-4.5\n\tvmov.f32 s13, #-5.5\n\tvmov.f32 s14, #-6.5\n\t"
        "vdiv.f32 s15, s14, s13\n\t" /* inexact: IXC */
        "ldr r0, =0x10000000\n\tldr r1, =0xe000ed04\n\tstr r0, [r1]\n\t"
        "dsb\n\tisb\n\t"
        "vstmia %[p], {s0-s15}\n\tvmrs %[f], fpscr"
        : [f] "=r"(fpscr)
        : [p] "r"(regs)
        : "r0", "r1", "memory", "s0", "s1", "s2", "s3", "s4", "s5", "s6",
          "s7", "s8", "s9", "s10", "s11", "s12", "s13", "s14", "s15");
    uint32_t h = 2166136261u;
    for (unsigned i = 0; i < 16; i++)
        h = rt_hash(h, regs[i]);
    rt_puts(name);
    rt_puts(":\n");
    rt_print("exc_return", seen_lr);
    rt_print("frame", seen_sp & 0xff);
    rt_print("control in", seen_ctrl);
    rt_print("fpccr in", seen_fpccr);
    rt_print("fpcar-sp", seen_fpcar ? seen_fpcar - seen_sp : 0xffffffff);
    rt_print("fpccr after", after_fpccr);
    rt_print("control after", after_ctrl);
    rt_print("handler fpscr", handler_fpscr);
    rt_print("stacked", stacked_hash);
    rt_print("lazy", lazy_hash);
    rt_print("regs", h);
    rt_print("fpscr", fpscr);
    rt_print("control", control());
    rt_print("fpccr", FPCCR);
}

static void __attribute__((noinline)) run(void)
{
    SCB_SHPR3 = 0xff << 16; /* PendSV lowest */
    FPDSCR = 0x03c00000;    /* DN, RZ in a new context */
    trial("lazy");
    FPCCR = 0x80000000; /* ASPEN only: state saved on entry */
    trial("immediate");
    FPCCR = 0;
    __asm__ volatile("msr control, %0\n\tisb" : : "r"(0));
    trial("no FP context");
    FPCCR = 0xc0000000;
    /* NOCP: CPACR denies CP10/CP11, UsageFault enabled. */
    SCB_SHCSR |= 1u << 18;
    CPACR = 0;
    __asm__ volatile("dsb\n\tisb");
    float x;
    __asm__ volatile("vmov.f32 %0, #1.0" : "=t"(x));
    rt_print("nocp cfsr", nocp_cfsr);
    rt_print("cpacr", CPACR);
    (void)x;
    /* Privileged-only access (01): fine in privileged thread mode. */
    CPACR = 0x5u << 20;
    __asm__ volatile("dsb\n\tisb\n\tvmov.f32 %0, #2.0" : "=t"(x));
    rt_print("priv cpacr", CPACR);
    /* ... but a NOCP UsageFault from unprivileged thread mode. */
    nocp_cfsr = 0;
    CPACR = 0x5u << 20;
    __asm__ volatile("dsb\n\tmsr control, %0\n\tisb"
                     : : "r"(control() | 1));
    __asm__ volatile("vmov.f32 %0, #3.0" : "=t"(x));
    rt_print("unpriv nocp cfsr", nocp_cfsr);
    rt_print("control", control());
    rt_print("cpacr", CPACR);
}

int main(void)
{
    CPACR |= 0xfu << 20;
    __asm__ volatile("dsb\n\tisb");
    rt_print("control", control());
    run();
    return 0;
}
