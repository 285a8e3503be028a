/* SPDX-License-Identifier: MIT */
/*
 * Faults on the FP part of an extended exception frame (Cortex-M4/M7).
 * A thread on the process stack fills S0-S15 and FPSCR and makes an SVC;
 * an MPU region covers the FP part of its frame from S2 on (the basic
 * frame and S0-S1 stay writable):
 *   - immediate stacking (FPCCR.LSPEN clear) into a read-only FP part:
 *     MSTKERR, the push stopping at S2;
 *   - lazy preservation by the SVC handler's first FP instruction:
 *     MLSPERR, taken at once when MemManage can preempt the handler (the
 *     instruction runs again after it), left pending when it cannot, and
 *     HardFault (FORCED) when MemManage was disabled at stacking time
 *     (FPCCR.MMRDY clear); checked as unprivileged when the frame was an
 *     unprivileged thread's (FPCCR.USER); LSPERR with FPCAR moved where
 *     nothing is;
 *   - an FP part made unreadable by the SVC handler: MUNSTKERR on return.
 * Each case prints the faults (exception, CFSR, HFSR), the FPCCR the
 * handler saw, the frame's words and the thread's FP registers after.
 *
 * Lines starting "unstack:" differ from QEMU 7.2 on purpose, and the test
 * checks them apart: a fault on the FP part of a frame at an exception
 * return leaves the frame on the stack and tail-chains into the fault
 * (as for the basic frame, the ARM ARM's derived exception on
 * unstacking), so returning again restores every register; QEMU instead
 * completes the return with S0-S15 and FPSCR zeroed and takes the fault
 * afterwards on a new frame (with LSPEN clear, that push into the same
 * no-access FP part adds MSTKERR).
 */
#include <stdbool.h>

#include "rt/mpu.h"

#define CPACR REG32(0xe000ed88)
#define FPCCR REG32(0xe000ef34)
#define FPCAR REG32(0xe000ef38)

/* What the SVC handler does (bits). */
enum { SVC_NOTHING = 0, SVC_FP = 1, SVC_BUS = 2, SVC_CLOSE = 4 };

uint32_t fp_in[17], fp_out[17];
static uint32_t fstk[64] __attribute__((aligned(256)));
static volatile int svc_mode;
static volatile uint32_t svc_fpccr, svc_fpcar, svc_after, svc_shcsr;
static volatile struct rt_faults flog;
static volatile uint32_t good_fpcar;

/* Faults: record, turn the MPU off, put FPCAR back. */
void __attribute__((used)) fault_c(void)
{
    rt_fault_record(&flog, 0);
    MPU_CTRL = 0;
    if (good_fpcar) {
        FPCAR = good_fpcar;
        good_fpcar = 0;
    }
    sync();
}

__attribute__((naked)) void memmanage_handler(void)
{
    __asm__ volatile("push {r0, lr}\n\tbl fault_c\n\tpop {r0, pc}");
}

__attribute__((naked)) void busfault_handler(void)
{
    __asm__ volatile("push {r0, lr}\n\tbl fault_c\n\tpop {r0, pc}");
}

__attribute__((naked)) void hardfault_handler(void)
{
    __asm__ volatile("push {r0, lr}\n\tbl fault_c\n\tpop {r0, pc}");
}

void svc_handler(void)
{
    svc_fpccr = FPCCR;
    svc_fpcar = FPCAR;
    if (svc_mode & SVC_BUS) {
        good_fpcar = FPCAR;
        FPCAR = 0x30000000u; /* nothing there */
    }
    if (svc_mode & SVC_FP)
        __asm__ volatile("vmov.f32 s0, #1.0\n\tvmov.f32 s15, #2.0"
                         : : : "s0", "s15");
    if (svc_mode & SVC_CLOSE) { /* the FP part: no access */
        region(1, (uint32_t)fstk + 0xc0, SIZE(6) | AP(0) | XN | EN);
        sync();
    }
    svc_shcsr = SCB_SHCSR & 0xf000u; /* the *PENDED bits */
    svc_after = FPCCR;
    /* Back to privileged thread mode. */
    __asm__ volatile("mrs r0, control\n\tbic r0, r0, #1\n\t"
                     "msr control, r0\n\tisb" ::: "r0");
}

/* Thread mode on the process stack sp (unprivileged if unpriv is 1):
 * S0-S15 and FPSCR from fp_in, an SVC, then S0-S15 and FPSCR to fp_out;
 * back on the main stack. */
__attribute__((naked, noinline)) static void on_psp(uint32_t sp,
                                                    uint32_t unpriv)
{
    __asm__ volatile(
        "push {r4-r6, lr}\n\t"
        "msr psp, r0\n\t"
        "mrs r4, control\n\t"
        "orr r4, r4, #2\n\t"
        "orr r4, r4, r1\n\t"
        "msr control, r4\n\t"
        "isb\n\t"
        "ldr r5, =fp_in\n\t"
        "vldmia r5, {s0-s15}\n\t"
        "ldr r6, [r5, #64]\n\t"
        "vmsr fpscr, r6\n\t"
        "svc #0\n\t"
        "ldr r5, =fp_out\n\t"
        "vstmia r5, {s0-s15}\n\t"
        "vmrs r6, fpscr\n\t"
        "str r6, [r5, #64]\n\t"
        "mrs r4, control\n\t"
        "bic r4, r4, #2\n\t"
        "msr control, r4\n\t"
        "isb\n\t"
        "pop {r4-r6, pc}\n\t"
        ".ltorg");
}

static uint32_t hash(const volatile uint32_t *p, unsigned n)
{
    uint32_t h = 2166136261u;
    for (unsigned i = 0; i < n; i++)
        h = rt_hash(h, p[i]);
    return h;
}

/* One case: fpccr for the SVC, ap the FP part's MPU permission (or
 * -1: no MPU), unpriv for the thread, mode for the SVC handler. */
static void trial(const char *name, uint32_t fpccr, int ap, uint32_t unpriv,
                  int mode)
{
    /* What QEMU does otherwise (see above): the faults and registers of
     * a return that reads an FP part made unreadable (written at entry,
     * or preserved by the handler). */
    bool written = !(fpccr & 0x40000000u) || (mode & SVC_FP);
    const char *pre = (mode & SVC_CLOSE) && written ? "unstack: " : "";
    for (unsigned i = 0; i < 64; i++)
        fstk[i] = 0x41000000u + 0x10000u * i; /* 8.0, 8.5, ... */
    /* The FPSCR slot (frame + 0x60): a value FPSCR can hold, so that it
     * reads the same whether the frame is left or written again. */
    fstk[0xf8 / 4] = 0x02c00000u;
    for (unsigned i = 0; i < 16; i++)
        fp_in[i] = 0x3f800000u + 0x00100000u * i;
    fp_in[16] = 0x00400000u; /* RMode +inf */
    flog.n = 0;
    svc_mode = mode;
    svc_fpccr = svc_fpcar = svc_after = svc_shcsr = 0;
    FPCCR = fpccr;
    region(0, 0, SIZE(32) | AP(3) | EN);
    if (ap >= 0) {
        region(1, (uint32_t)fstk + 0xc0, SIZE(6) | AP(ap) | XN | EN);
        MPU_CTRL = 1;
    }
    sync();
    on_psp((uint32_t)fstk + 0x100, unpriv);
    MPU_CTRL = 0;
    sync();
    rt_puts(pre);
    rt_puts(name);
    rt_puts(":");
    rt_faults_print(&flog, 4, 0);
    rt_puts("\n");
    rt_print("svc fpccr", svc_fpccr);
    rt_print("svc fpcar-stk", svc_fpcar ? svc_fpcar - (uint32_t)fstk : 0);
    rt_print("svc fpccr after", svc_after);
    rt_print("svc pended", svc_shcsr);
    rt_puts(pre);
    rt_print("frame", hash(fstk + 0x98 / 4, 26));
    rt_puts(pre);
    rt_print("s2 slot", fstk[0xc0 / 4]);
    bool intact = true;
    for (unsigned i = 0; i < 17; i++)
        intact = intact && fp_out[i] == fp_in[i];
    rt_puts(pre);
    rt_puts(intact ? "regs intact\n" : "regs changed\n");
    if (!*pre) {
        rt_print("regs", hash(fp_out, 16));
        rt_print("s2", fp_out[2]);
        rt_print("fpscr", fp_out[16]);
    }
    rt_print("fpccr", FPCCR);
}

int main(void)
{
    CPACR |= 0xfu << 20;
    SCB_SHCSR |= 3u << 16; /* MemManage, BusFault */
    sync();
    trial("no fault", 0x80000000u, -1, 0, SVC_FP);
    trial("immediate mstkerr", 0x80000000u, 6, 0, SVC_NOTHING);
    SCB_SHPR2 = 0x80u << 24; /* SVC below MemManage and BusFault */
    trial("lazy mlsperr taken", 0xc0000000u, 6, 0, SVC_FP);
    trial("lazy mlsperr unpriv", 0xc0000000u, 2, 1, SVC_FP);
    trial("lazy mlsperr priv ok", 0xc0000000u, 2, 0, SVC_FP);
    trial("lazy lsperr", 0xc0000000u, -1, 0, SVC_FP | SVC_BUS);
    SCB_SHCSR &= ~(1u << 16);
    trial("lazy mlsperr forced", 0xc0000000u, 6, 0, SVC_FP);
    SCB_SHCSR |= 1u << 16;
    SCB_SHPR2 = 0; /* SVC as MemManage: the fault waits */
    trial("lazy mlsperr pending", 0xc0000000u, 6, 0, SVC_FP);
    trial("immediate munstkerr", 0x80000000u, 3, 0, SVC_CLOSE);
    trial("lazy no munstkerr", 0xc0000000u, 3, 0, SVC_CLOSE);
    trial("lazy used munstkerr", 0xc0000000u, 3, 0, SVC_FP | SVC_CLOSE);
    return 0;
}
