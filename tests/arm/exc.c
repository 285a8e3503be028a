/* SPDX-License-Identifier: MIT */
/*
 * The exception model: SVCall with arguments in the stacked frame,
 * PendSV, SysTick interrupts, priorities (preemption and tail-chaining),
 * PRIMASK and BASEPRI masking, an NVIC interrupt pended by software,
 * process stack use in thread mode, and faults with their status
 * registers: divide by zero (UsageFault), an undefined instruction with
 * UsageFault disabled (HardFault, FORCED), an unaligned LDM, an
 * interworking branch to an even address (INVSTATE).
 */
#include "rt/rt.h"

static volatile uint32_t order[16], norder;
static volatile uint32_t systicks, pendsvs, irqs;
static volatile uint32_t fault_cfsr, fault_hfsr, fault_ipsr;
static volatile int svc_nested;

static void note(uint32_t what)
{
    if (norder < 16)
        order[norder++] = what;
}

/* SVC: r0 = number from the instruction, result = r0 + r1 in the frame. */
void svc_c(uint32_t *frame)
{
    uint16_t insn = *(uint16_t *)(frame[6] - 2);
    note(0x100 | (insn & 0xff));
    frame[0] = frame[0] + frame[1] + (insn & 0xff);
    if (svc_nested) {
        /* pend PendSV from inside the SVC handler */
        SCB_ICSR = 1u << 28;
        note(0x1ff);
    }
}

__attribute__((naked)) void svc_handler(void)
{
    __asm__ volatile("tst lr, #4\n\tite eq\n\tmrseq r0, msp\n\t"
                     "mrsne r0, psp\n\tb svc_c");
}

void pendsv_handler(void)
{
    pendsvs++;
    note(0x200 | rt_ipsr());
}

void systick_handler(void)
{
    systicks++;
    if (systicks == 5) {
        /* stop it, and drop a tick that came in meanwhile (a loaded host
         * may run the guest late) */
        SYST_CSR = 0;
        SCB_ICSR = 1u << 25;
    }
}

void irq_handler(void)
{
    irqs++;
    note(0x300 | rt_ipsr());
}

/* Faults: record the status, skip the faulting instruction. */
void fault_c(uint32_t *frame, uint32_t skip_to)
{
    fault_cfsr = SCB_CFSR;
    fault_hfsr = SCB_HFSR;
    fault_ipsr = rt_ipsr();
    SCB_CFSR = fault_cfsr; /* write one to clear */
    SCB_HFSR = fault_hfsr;
    if (skip_to) {
        frame[6] = skip_to & ~1u;
        frame[7] |= 1u << 24;
    } else {
        uint16_t insn = *(uint16_t *)frame[6];
        frame[6] += (insn >> 11) >= 0x1d ? 4 : 2;
    }
}

static volatile uint32_t recover_to;

__attribute__((naked)) void usagefault_handler(void)
{
    __asm__ volatile("mov r0, sp\n\tldr r1, =recover_to\n\tldr r1, [r1]\n\t"
                     "b fault_c");
}

__attribute__((naked)) void hardfault_handler(void)
{
    __asm__ volatile("mov r0, sp\n\tldr r1, =recover_to\n\tldr r1, [r1]\n\t"
                     "b fault_c");
}

static uint32_t svc3(uint32_t a, uint32_t b)
{
    register uint32_t r0 __asm__("r0") = a;
    register uint32_t r1 __asm__("r1") = b;
    __asm__ volatile("svc #3" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

static void report_fault(const char *what)
{
    rt_puts(what);
    rt_putc(' ');
    rt_hex(fault_ipsr);
    rt_putc(' ');
    rt_hex(fault_cfsr);
    rt_putc(' ');
    rt_hex(fault_hfsr);
    rt_putc('\n');
    fault_cfsr = fault_hfsr = fault_ipsr = 0;
}

static void recover(void)
{
}

static uint32_t psp_stack[64] __attribute__((aligned(8)));

int main(void)
{
    rt_print("cpuid", REG32(0xe000ed00));
    rt_print("ictr", REG32(0xe000e004));
    rt_print("aircr", SCB_AIRCR);

    /* SVC */
    rt_print("svc", svc3(10, 20));

    /* PendSV, masked by PRIMASK until it is cleared */
    __asm__ volatile("cpsid i");
    SCB_ICSR = 1u << 28;
    rt_print("pendsv-masked", pendsvs);
    rt_print("icsr", SCB_ICSR);
    __asm__ volatile("cpsie i\n\tisb");
    rt_print("pendsv-taken", pendsvs);

    /* Priorities: SVC 0x80. PendSV lower (0xc0): tail-chains after the
     * SVC handler; PendSV higher (0x40): preempts it. */
    SCB_SHPR2 = 0x80u << 24;
    SCB_SHPR3 = 0xc0u << 16;
    norder = 0;
    svc_nested = 1;
    svc3(1, 2);
    SCB_SHPR3 = 0x40u << 16;
    svc3(1, 2);
    svc_nested = 0;
    for (unsigned i = 0; i < norder; i++)
        rt_print("order", order[i]);

    /* BASEPRI: masks PendSV at 0x40 while set to 0x40 */
    __asm__ volatile("mov r0, #0x40\n\tmsr basepri, r0" ::: "r0");
    SCB_ICSR = 1u << 28;
    rt_print("pendsv-basepri", pendsvs);
    __asm__ volatile("mov r0, #0\n\tmsr basepri, r0\n\tisb" ::: "r0");
    rt_print("pendsv-after", pendsvs);

    /* An NVIC interrupt pended by software, enabled later */
    norder = 0;
    NVIC_IPR(7) = 0x20;
    NVIC_ISPR0 = 1u << 7;
    rt_print("ispr", NVIC_ISPR0);
    rt_print("irqs-disabled", irqs);
    NVIC_ISER0 = 1u << 7;
    __asm__ volatile("isb");
    rt_print("irqs-enabled", irqs);
    rt_print("order", order[0]);
    NVIC_ICER0 = 1u << 7;

    /* SysTick: five interrupts, then the handler stops it */
    SYST_RVR = 2000;
    SYST_CVR = 0;
    SYST_CSR = 7;
    while (systicks < 5)
        __asm__ volatile("wfi");
    rt_print("systicks", systicks);
    rt_print("syst-csr", SYST_CSR & 7);

    /* Thread mode on the process stack */
    uint32_t top = (uint32_t)(psp_stack + 64), sp_in, ctrl;
    __asm__ volatile("msr psp, %2\n\tmov r0, #2\n\tmsr control, r0\n\tisb\n\t"
                     "mov %0, sp\n\tmrs %1, control\n\t"
                     : "=&r"(sp_in), "=&r"(ctrl) : "r"(top) : "r0", "memory");
    uint32_t r = svc3(5, 6); /* stacked on PSP */
    __asm__ volatile("mov r0, #0\n\tmsr control, r0\n\tisb" ::: "r0");
    rt_print("psp-sp", top - sp_in);
    rt_print("psp-control", ctrl);
    rt_print("psp-svc", r);

    /* Faults */
    SCB_SHCSR = 1u << 18; /* UsageFault enabled */
    SCB_CCR |= 1u << 4;   /* DIV_0_TRP */
    volatile uint32_t zero = 0, q;
    q = 100 / zero;
    (void)q;
    report_fault("div0");
    SCB_CCR &= ~(1u << 4);
    q = 100 / zero;
    rt_print("div0-untrapped", q);

    __asm__ volatile("udf #1");
    report_fault("udf-usage");
    SCB_SHCSR = 0;
    __asm__ volatile("udf #2");
    report_fault("udf-hard");
    SCB_SHCSR = 1u << 18;

    uint32_t odd = (uint32_t)(psp_stack) + 2;
    __asm__ volatile("ldm %0, {r1, r2}" : : "r"(odd) : "r1", "r2");
    report_fault("ldm-unaligned");
    SCB_CCR |= 1u << 3; /* UNALIGN_TRP */
    volatile uint32_t *up = (volatile uint32_t *)odd;
    q = *up;
    report_fault("ldr-unaligned");
    SCB_CCR &= ~(1u << 3);
    q = *up;
    rt_print("ldr-unaligned-ok", q);

    recover_to = (uint32_t)recover;
    __asm__ volatile("mov r0, %0\n\tbic r0, r0, #1\n\tblx r0"
                     : : "r"(recover_to) : "r0", "lr");
    report_fault("invstate");
    recover_to = 0;

    rt_print("shcsr", SCB_SHCSR);
    return 0;
}
