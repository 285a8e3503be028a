/* SPDX-License-Identifier: MIT */
/*
 * M-profile system behaviour: WFE and SEV with the event register
 * (SEVONPEND, exception entry), SCR.SLEEPONEXIT, faults while stacking and
 * unstacking (MSTKERR, MUNSTKERR, STKERR, UNSTKERR, escalated to
 * HardFault), the default map's execute-never areas and unprivileged
 * accesses to the System Control Space.
 *
 * Lines starting "sleep:" show what only a CPU that really sleeps does
 * (QEMU 7.2's WFE never sleeps and it ignores SLEEPONEXIT); the test
 * checks them apart from the comparison with qemu-system-arm.
 */
#include "rt/mpu.h"

#define SCB_SCR REG32(0xe000ed10)
#define SCB_STIR REG32(0xe000ef00)

static volatile uint32_t ticks, thread_runs, runs_at[8], lr_at[8];
static volatile struct rt_faults flog;
static volatile uint32_t svcs, irqs;
static volatile int fault_mode;
static uint32_t psp_area[64] __attribute__((aligned(256)));
static uint32_t ro_area[64] __attribute__((aligned(256)));

void systick_handler(void)
{
    uint32_t lr;
    __asm__ volatile("mov %0, lr" : "=r"(lr));
    if (ticks < 8) {
        runs_at[ticks] = thread_runs;
        lr_at[ticks] = lr;
    }
    ticks++;
    if (ticks == 5) {
        SYST_CSR = 0;
        SCB_ICSR = 1u << 25;
        SCB_SCR &= ~2u; /* SLEEPONEXIT off: this return unstacks */
    }
}

void irq_handler(void)
{
    irqs++;
}

/* Faults: record, then recover as fault_mode says. */
void fault_c(uint32_t *msp_frame, uint32_t exc_return)
{
    uint32_t cfsr = SCB_CFSR;
    rt_fault_record(&flog, (cfsr & 0x80) ? SCB_MMFAR : (cfsr & 0x8000) ? SCB_BFAR : 0);
    (void)exc_return;
    switch (fault_mode) {
    case 1: /* MUNSTKERR: open the frame again */
        MPU_CTRL = 0;
        sync();
        break;
    case 2: /* STKERR / UNSTKERR: a good frame to return through */
        __asm__ volatile("msr psp, %0" : : "r"(ro_area + 24));
        break;
    case 3: { /* a fetch fault: back to the caller */
        uint32_t *f = msp_frame;
        f[6] = f[5] & ~1u;
        break;
    }
    case 4: { /* a data fault from thread mode on PSP: skip the insn */
        uint32_t *f;
        __asm__ volatile("mrs %0, psp" : "=r"(f));
        if (exc_return == 0xfffffff9u)
            f = msp_frame;
        uint16_t hw = *(volatile uint16_t *)f[6];
        f[6] += (hw >> 11) >= 0x1d ? 4 : 2;
        break;
    }
    default:
        break;
    }
}

__attribute__((naked)) void memmanage_handler(void)
{
    __asm__ volatile("mrs r0, msp\n\tmov r1, lr\n\tpush {r0, lr}\n\t"
                     "bl fault_c\n\tpop {r0, pc}");
}

__attribute__((naked)) void busfault_handler(void)
{
    __asm__ volatile("mrs r0, msp\n\tmov r1, lr\n\tpush {r0, lr}\n\t"
                     "bl fault_c\n\tpop {r0, pc}");
}

__attribute__((naked)) void hardfault_handler(void)
{
    __asm__ volatile("mrs r0, msp\n\tmov r1, lr\n\tpush {r0, lr}\n\t"
                     "bl fault_c\n\tpop {r0, pc}");
}

/* SVC: count; back to privileged; "closing" makes the return fault. */
static volatile int closing;
void svc_handler(void)
{
    svcs++;
    if (closing == 1) { /* the process stack frame: no access */
        MPU_RNR = 1;
        MPU_RASR = SIZE(8) | AP(0) | XN | EN;
        sync();
    } else if (closing == 2) { /* the process stack: not memory */
        __asm__ volatile("msr psp, %0" : : "r"(0x30000100u));
    }
    closing = 0;
    __asm__ volatile("mrs r0, control\n\tbic r0, r0, #1\n\t"
                     "msr control, r0\n\tisb" ::: "r0");
}

static void faults_report(const char *what)
{
    rt_puts(what);
    rt_puts(":");
    rt_faults_print(&flog, 8, 1);
    rt_puts(" svcs ");
    rt_dec(svcs);
    rt_puts("\n");
    flog.n = 0;
    svcs = 0;
}

extern char svc_on_psp_back[];

/* A frame that returns to svc_on_psp_back in thread mode. */
static void fill_frame(uint32_t *f)
{
    for (int i = 0; i < 6; i++)
        f[i] = 0;
    f[6] = (uint32_t)svc_on_psp_back & ~1u;
    f[7] = 0x01000000u;
}

/* Thread mode on PSP = sp (unprivileged if asked) makes an SVC, then an
 * SVC back to privileged, and returns on the main stack. */
uint32_t saved_msp_sp;
__attribute__((noinline)) static void svc_on_psp(uint32_t sp, uint32_t unpriv)
{
    __asm__ volatile(
        "push {r4-r11, lr}\n\t"
        "ldr r4, =saved_msp_sp\n\t"
        "str sp, [r4]\n\t"
        "msr psp, %0\n\t"
        "mrs r4, control\n\t"
        "orr r4, r4, #2\n\t"
        "orr r4, r4, %1\n\t"
        "msr control, r4\n\t"
        "isb\n\t"
        "svc #0\n\t"
        ".global svc_on_psp_back\n\t"
        ".thumb_func\n"
        "svc_on_psp_back:\n\t"
        "svc #1\n\t"
        "mrs r4, control\n\t"
        "bic r4, r4, #3\n\t"
        "msr control, r4\n\t"
        "isb\n\t"
        "ldr r4, =saved_msp_sp\n\t"
        "ldr sp, [r4]\n\t"
        "pop {r4-r11, lr}"
        : : "r"(sp), "r"(unpriv) : "r4", "memory");
}

static void stacking(void)
{
    SCB_SHCSR |= 7u << 16; /* MEM, BUS, USAGE faults enabled */
    region(0, 0x00000000u, SIZE(32) | AP(3) | EN);

    /* MSTKERR: the process stack is read-only, a frame already there;
     * the SVC stays pending and runs after the MemManage handler, which
     * turns the MPU off. */
    fault_mode = 1;
    fill_frame(ro_area + 24);
    region(1, (uint32_t)ro_area, SIZE(8) | AP(6) | XN | EN);
    MPU_CTRL = 1;
    sync();
    svc_on_psp((uint32_t)(ro_area + 32), 0);
    faults_report("mstkerr");

    /* From unprivileged code: privileged RW, unprivileged RO. */
    fill_frame(ro_area + 24);
    region(1, (uint32_t)ro_area, SIZE(8) | AP(2) | XN | EN);
    MPU_CTRL = 1;
    sync();
    svc_on_psp((uint32_t)(ro_area + 32), 1);
    faults_report("mstkerr unpriv");

    /* MemManage disabled: HardFault, FORCED. */
    SCB_SHCSR &= ~(1u << 16);
    fill_frame(ro_area + 24);
    region(1, (uint32_t)ro_area, SIZE(8) | AP(6) | XN | EN);
    MPU_CTRL = 1;
    sync();
    svc_on_psp((uint32_t)(ro_area + 32), 0);
    SCB_SHCSR |= 1u << 16;
    faults_report("mstkerr forced");

    /* MUNSTKERR: the SVC handler makes the frame no-access. */
    region(1, (uint32_t)psp_area, SIZE(8) | AP(3) | XN | EN);
    MPU_CTRL = 1 | 4;
    sync();
    closing = 1;
    svc_on_psp((uint32_t)(psp_area + 48), 0);
    faults_report("munstkerr");

    /* STKERR: the process stack is not memory; the BusFault handler
     * points PSP at a good frame. */
    fault_mode = 2;
    fill_frame(ro_area + 24);
    svc_on_psp(0x30000100u, 0);
    faults_report("stkerr");

    /* UNSTKERR: the SVC handler moves PSP where nothing is. */
    fill_frame(ro_area + 24);
    closing = 2;
    svc_on_psp((uint32_t)(psp_area + 48), 0);
    faults_report("unstkerr");
    fault_mode = 0;
}

/* Execute-never areas of the default map. */
static void call_at(const char *what, uint32_t a)
{
    void (*fn)(void) = (void (*)(void))(a | 1);
    fn();
    faults_report(what);
}

static void xn(void)
{
    fault_mode = 3;
    call_at("call 0x40000000", 0x40000000u);
    call_at("call 0xa0000000", 0xa0000000u);
    call_at("call 0xe0000000", 0xe0000000u);
    call_at("call 0xe000ed00", 0xe000ed00u);
    call_at("call 0xf0000000", 0xf0000000u);
    /* The background map: the same areas. */
    region(0, 0x00000000u, SIZE(22) | AP(3) | EN);
    region(1, 0x20000000u, SIZE(22) | AP(3) | EN);
    MPU_CTRL = 1 | 4;
    sync();
    call_at("privdefena call 0x40000000", 0x40000000u);
    /* A region cannot make the System area executable. */
    region(2, 0xe0000000u, SIZE(28) | AP(3) | EN);
    region(3, 0x40000000u, SIZE(28) | AP(3) | EN);
    sync();
    call_at("region call 0xe0000000", 0xe0000000u);
    MPU_CTRL = 0;
    sync();
    SCB_SHCSR &= ~(1u << 16);
    call_at("forced call 0xa0000000", 0xa0000000u);
    SCB_SHCSR |= 1u << 16;
    fault_mode = 0;
}

/* Unprivileged accesses to the SCS: BusFault, except STIR with
 * USERSETMPEND. Unprivileged code cannot print: it records only. */
static volatile uint32_t seen[8];
static void scs_unpriv(void)
{
    fault_mode = 4;
    NVIC_ISER0 = 1u << 3;
    __asm__ volatile("mrs r0, control\n\torr r0, r0, #1\n\t"
                     "msr control, r0\n\tisb" ::: "r0");
    seen[0] = REG32(0xe000ed00); /* CPUID */
    SYST_CSR = 0;
    SCB_STIR = 3; /* no USERSETMPEND */
    seen[2] = MPU_CTRL;
    __asm__ volatile("svc #1");
    faults_report("unpriv scs");
    rt_print("irqs", irqs);
    SCB_CCR |= 2; /* USERSETMPEND */
    __asm__ volatile("mrs r0, control\n\torr r0, r0, #1\n\t"
                     "msr control, r0\n\tisb" ::: "r0");
    SCB_STIR = 3;
    seen[3] = REG32(0xe000ef00);
    SCB_ICSR = 1u << 28;
    __asm__ volatile("svc #1");
    faults_report("unpriv stir");
    rt_print("irqs", irqs);
    SCB_CCR &= ~2u;
    /* LDRT from privileged code is an unprivileged access. */
    uint32_t v;
    __asm__ volatile("ldrt %0, [%1]" : "=r"(v) : "r"(0xe000ed00u) : "memory");
    (void)v;
    faults_report("ldrt scs");
    fault_mode = 0;
}

static void wfe_sev(void)
{
    /* SEV sets the event: WFE clears it and goes on. */
    __asm__ volatile("sev\n\twfe" ::: "memory");
    rt_puts("sev wfe: through\n");
    /* An exception entry sets the event. */
    __asm__ volatile("svc #1\n\twfe" ::: "memory");
    rt_puts("svc wfe: through\n");
    svcs = 0;
    /* SEVONPEND: a disabled interrupt becoming pending sets the event. */
    SCB_SCR = 1u << 4;
    __asm__ volatile("sev\n\twfe" ::: "memory");
    NVIC_ICER0 = 1u << 5;
    NVIC_ISPR0 = 1u << 5;
    __asm__ volatile("wfe" ::: "memory");
    NVIC_ICPR0 = 1u << 5;
    SCB_SCR = 0;
    rt_puts("sevonpend wfe: through\n");
    /* WFE until a SysTick interrupt sets a flag. */
    ticks = 0;
    uint32_t n = 0;
    SYST_RVR = 20000;
    SYST_CVR = 0;
    SYST_CSR = 7;
    while (ticks == 0) {
        __asm__ volatile("wfe" ::: "memory");
        n++;
    }
    SYST_CSR = 0;
    SCB_ICSR = 1u << 25;
    rt_print("wfe ticks", ticks > 0);
    rt_puts(n <= 2 ? "sleep: wfe slept\n" : "sleep: wfe spun\n");
    /* WFI with PRIMASK set wakes, the interrupt waits. */
    ticks = 0;
    __asm__ volatile("cpsid i" ::: "memory");
    SYST_CVR = 0;
    SYST_CSR = 7;
    while (!(SCB_ICSR & (1u << 26)))
        __asm__ volatile("wfi" ::: "memory");
    SYST_CSR = 0;
    rt_print("wfi primask ticks", ticks);
    __asm__ volatile("cpsie i\n\tisb" ::: "memory");
    rt_print("wfi after cpsie ticks", ticks);
}

static void sleep_on_exit(void)
{
    ticks = 0;
    thread_runs = 0;
    SCB_SCR = 2; /* SLEEPONEXIT */
    SYST_RVR = 20000;
    SYST_CVR = 0;
    SYST_CSR = 7;
    uint32_t a = 0x1234, b = 0x5678;
    while (ticks < 5) {
        thread_runs++;
        a = a * 3 + b;
        b ^= a >> 3;
    }
    rt_print("soe ticks", ticks);
    (void)a;
    for (int i = 0; i < 5; i++)
        rt_print("soe lr", lr_at[i]);
    rt_puts(runs_at[4] == runs_at[1] ? "sleep: no thread between ticks\n"
                                     : "sleep: thread ran between ticks\n");
}

int main(void)
{
    wfe_sev();
    sleep_on_exit();
    stacking();
    xn();
    scs_unpriv();
    rt_exit(0);
}
