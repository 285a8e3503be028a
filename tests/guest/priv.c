/* SPDX-License-Identifier: MIT */
/*
 * Privileged architecture: U and S modes, trap delegation, the supervisor
 * CSRs, Sv39 (RV64) or Sv32 (RV32) translation with superpages, A/D
 * updates, every page-fault cause with its tval, SUM/MXR/MPRV,
 * sfence.vma, PMP (NAPOT, TOR, NA4, lock), counter enables and Sstc.
 * Probes (priv-asm.S) run in S or U mode; traps come back to M mode here
 * unless delegated to the small S handler.
 */
#include "rt.h"

#define MSTATUS_SIE  (1UL << 1)
#define MSTATUS_SPIE (1UL << 5)
#define MSTATUS_SPP  (1UL << 8)
#define MSTATUS_MPP  (3UL << 11)
#define MSTATUS_MPRV (1UL << 17)
#define MSTATUS_SUM  (1UL << 18)
#define MSTATUS_MXR  (1UL << 19)
#define MSTATUS_TVM  (1UL << 20)
#define MSTATUS_TW   (1UL << 21)
#define MSTATUS_TSR  (1UL << 22)

#define PTE_V 0x01UL
#define PTE_R 0x02UL
#define PTE_W 0x04UL
#define PTE_X 0x08UL
#define PTE_U 0x10UL
#define PTE_A 0x40UL
#define PTE_D 0x80UL
#define PTE_LEAF (PTE_V | PTE_A | PTE_D)

#define PRV_U 0
#define PRV_S 1

#if XLEN == 64
#define SATP_MODE (8UL << 60)
#define VPN_TOP(va) (((va) >> 30) & 511)
#else
#define SATP_MODE (1UL << 31)
#define VPN_TOP(va) (((va) >> 22) & 1023)
#endif

ulong run_lower(ulong mpp, void (*fn)(void), ulong arg);
void lower_return(void);
void s_trap_entry(void);
extern volatile ulong s_last[5];
void probe_load(void), probe_store(void), probe_exec(void);
void probe_load2(void), probe_store2(void);
ulong probe_first; /* the first address of probe_load2/probe_store2 */
void probe_ecall(void), probe_csr_mstatus(void), probe_sstatus(void);
void probe_cycle(void), probe_sret(void), probe_mret(void);
void probe_wfi(void), probe_sfence(void), probe_ssip(void);

#define PT_ENTRIES (4096 / sizeof(ulong))
static ulong root[PT_ENTRIES] __attribute__((aligned(4096)));
#if XLEN == 64
static ulong mid[PT_ENTRIES] __attribute__((aligned(4096)));
#endif
static ulong leaf[PT_ENTRIES] __attribute__((aligned(4096)));
/* Physical pages behind the test mappings, and pages for PMP. */
static uint32_t tpage[8][1024] __attribute__((aligned(4096)));
static uint32_t pdata[3][1024] __attribute__((aligned(4096)));
static uint32_t spage[1024] __attribute__((aligned(4096)));
static uint32_t xpage[1024] __attribute__((aligned(4096)));

/* Test pages: virtual TVA(i) maps to tpage[i] with leaf[i]. */
#define TVA(i) (0x40000000UL + (ulong)(i) * 4096)

static struct {
    int count;
    ulong cause, epc, tval, mpp;
} last;
static ulong exit_cause;
static volatile int nirq;
static volatile ulong irq_order[8];

static int on_trap(struct trap_frame *f)
{
    ulong mpp = (csr_read(mstatus) & MSTATUS_MPP) >> 11;

    if (f->mcause == 3 && mpp != 3) {
        /* ebreak from a probe: back to run_lower's caller, in M mode. */
        exit_cause = f->mcause;
        f->mepc = (ulong)lower_return;
        csr_set(mstatus, MSTATUS_MPP);
        return 1;
    }
    if (f->mcause & MCAUSE_INT) {
        /* Record the order; clear the source so it is taken once. */
        if (nirq < 8)
            irq_order[nirq++] = f->mcause & 0xff;
        if (f->mcause == (MCAUSE_INT | 3))
            *(volatile uint32_t *)CLINT_MSIP = 0;
        else if (f->mcause == (MCAUSE_INT | 7))
            set_mtimecmp(UINT64_MAX);
        else
            return 0;
        return 1;
    }
    last.count++;
    last.cause = f->mcause;
    last.epc = f->mepc;
    last.tval = f->mtval;
    last.mpp = mpp;
    if ((f->mcause == 1 || f->mcause == 12) && f->x[1] == 0) {
        /* The probe itself could not be fetched: straight back. */
        f->mepc = (ulong)lower_return;
        csr_set(mstatus, MSTATUS_MPP);
    } else if (f->mcause == 1 || f->mcause == 12)
        f->mepc = f->x[1]; /* fetch fault after a call: return */
    else
        f->mepc += insn_len(f->mepc);
    return 1;
}

static ulong run(ulong mode, void (*fn)(void), ulong arg)
{
    last.count = 0;
    return run_lower(mode, fn, arg);
}

/* Around an M-mode access that traps: the handler uses `last` too. */
static inline void barrier(void)
{
    __asm__ volatile("" ::: "memory");
}

static void expect_fault(ulong cause, ulong tval)
{
    CHECK_EQ(last.count, 1);
    CHECK_EQ(last.cause, cause);
    CHECK_EQ(last.tval, tval);
}

static void expect_none(void)
{
    CHECK_EQ(last.count, 0);
}

static void sfence(void)
{
    __asm__ volatile("sfence.vma" ::: "memory");
}

static ulong pte_to(const void *pa, ulong flags)
{
    return ((ulong)pa >> 12) << 10 | flags;
}

/* Lets S and U modes at all of memory (entry 15, lowest priority). */
static void pmp_allow_all(void)
{
    csr_write(pmpaddr15, -1UL);
#if XLEN == 64
    csr_write(pmpcfg2, 0x1fUL << 56);
#else
    csr_write(pmpcfg3, 0x1fUL << 24);
#endif
}

static void test_modes(void)
{
    ulong r;

    puts("modes: ecall, illegal CSRs and returns below M");
    r = run(PRV_U, probe_ecall, 0);
    expect_fault(8, 0);
    CHECK_EQ(last.mpp, PRV_U);
    CHECK_EQ(r, 7);
    run(PRV_S, probe_ecall, 0);
    expect_fault(9, 0);
    CHECK_EQ(last.mpp, PRV_S);

    r = run(PRV_S, probe_csr_mstatus, 0);
    CHECK_EQ(last.cause, 2);
    CHECK_EQ(r, -1UL);
    r = run(PRV_U, probe_sstatus, 0);
    CHECK_EQ(last.cause, 2);
    csr_set(mstatus, MSTATUS_SUM);
    r = run(PRV_S, probe_sstatus, 0);
    expect_none();
    CHECK(r & MSTATUS_SUM);
    CHECK(!(r & MSTATUS_MPP));
    csr_clear(mstatus, MSTATUS_SUM);

    run(PRV_U, probe_sret, 0);
    CHECK_EQ(last.cause, 2);
    run(PRV_S, probe_mret, 0);
    CHECK_EQ(last.cause, 2);
    run(PRV_U, probe_wfi, 0);
    CHECK_EQ(last.cause, 2);
    csr_set(mstatus, MSTATUS_TW);
    run(PRV_S, probe_wfi, 0);
    CHECK_EQ(last.cause, 2);
    csr_clear(mstatus, MSTATUS_TW);
    csr_set(mstatus, MSTATUS_TVM);
    run(PRV_S, probe_sfence, 0);
    CHECK_EQ(last.cause, 2);
    csr_clear(mstatus, MSTATUS_TVM);
    run(PRV_S, probe_sfence, 0);
    expect_none();
    csr_set(mstatus, MSTATUS_TSR);
    run(PRV_S, probe_sret, 0);
    CHECK_EQ(last.cause, 2);
    csr_clear(mstatus, MSTATUS_TSR);
}

static void test_deleg(void)
{
    puts("delegation: exceptions and interrupts to S");
    csr_write(stvec, (ulong)s_trap_entry);
    csr_write(medeleg, 1UL << 8);
    CHECK_EQ(csr_read(medeleg), 1UL << 8);
    s_last[4] = 0;
    run(PRV_U, probe_ecall, 0);
    expect_none();
    CHECK_EQ(s_last[4], 1);
    CHECK_EQ(s_last[0], 8);
    CHECK_EQ(s_last[1], (ulong)probe_ecall + 4);
    CHECK_EQ(s_last[3] & MSTATUS_SPP, 0);
    csr_write(medeleg, 0);

    /* sie and sip show only what mideleg hands to S. */
    csr_write(mie, 0x222);
    CHECK_EQ(csr_read(sie), 0);
    csr_write(mideleg, -1UL);
    /* QEMU also has the hypervisor's bits: look at S's only. */
    CHECK_EQ(csr_read(mideleg) & 0x2aa, 0x222);
    CHECK_EQ(csr_read(sie), 0x222);
    csr_write(mideleg, 2);
    CHECK_EQ(csr_read(sie), 2);
    csr_write(mie, 2);
    s_last[4] = 0;
    run(PRV_S, probe_ssip, 0);
    expect_none();
    CHECK_EQ(s_last[4], 1);
    CHECK_EQ(s_last[0], MCAUSE_INT | 1);
    CHECK_EQ(s_last[3] & (MSTATUS_SPP | MSTATUS_SPIE),
             MSTATUS_SPP | MSTATUS_SPIE);
    CHECK_EQ(csr_read(mip) & 2, 0);
    csr_write(mie, 0);
    csr_write(mideleg, 0);
}

static void test_irq(void)
{
    puts("interrupts: priority, enables, wfi");
    csr_clear(mstatus, 8); /* MIE (earlier mrets may have set it) */
    nirq = 0;
    csr_write(mideleg, 0);
    csr_write(mie, 0x88); /* MSIE, MTIE */
    set_mtimecmp(0);
    *(volatile uint32_t *)CLINT_MSIP = 1;
    /* Pending but globally disabled: nothing yet, and wfi returns. */
    __asm__ volatile("wfi");
    CHECK_EQ(nirq, 0);
    CHECK_EQ(csr_read(mip) & 0x88, 0x88);
    csr_set(mstatus, 8); /* MIE: MSI first, then MTI */
    __asm__ volatile("nop");
    csr_clear(mstatus, 8);
    CHECK_EQ(nirq, 2);
    CHECK_EQ(irq_order[0], 3);
    CHECK_EQ(irq_order[1], 7);
    /* Below M, M-level interrupts are taken whatever MIE says. */
    nirq = 0;
    *(volatile uint32_t *)CLINT_MSIP = 1;
    run(PRV_S, probe_sstatus, 0);
    CHECK_EQ(nirq, 1);
    CHECK_EQ(irq_order[0], 3);
    csr_write(mie, 0);
}

static void map_setup(void)
{
    static const uint32_t code[2] = {0x02a00513, 0x00008067}; /* li a0,42; ret */
    static const uint32_t ucode[2] = {0x02a00513, 0x00100073}; /* ...; ebreak */
    ulong ram = 0x80000000UL;

    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 1024; j++)
            tpage[i][j] = 0x1000u * (uint32_t)i + (uint32_t)j;
    memcpy(tpage[3], code, sizeof(code));
    memcpy(tpage[4], ucode, sizeof(ucode));
    __asm__ volatile("fence.i" ::: "memory");

    /* RAM: one identity superpage (1 GiB, or 4 MiB on RV32). */
    root[VPN_TOP(ram)] = pte_to((void *)ram, PTE_LEAF | PTE_R | PTE_W | PTE_X);
    /* A superpage whose PPN is not aligned to its size. */
    root[VPN_TOP(0xc0000000UL)] =
        pte_to((void *)(ram + 4096), PTE_LEAF | PTE_R | PTE_W);
#if XLEN == 64
    root[VPN_TOP(TVA(0))] = pte_to(mid, PTE_V);
    mid[0] = pte_to(leaf, PTE_V);
#else
    root[VPN_TOP(TVA(0))] = pte_to(leaf, PTE_V);
#endif
    leaf[0] = pte_to(tpage[0], 0); /* not valid */
    leaf[1] = pte_to(tpage[1], PTE_LEAF | PTE_R);
    leaf[2] = pte_to(tpage[2], PTE_V | PTE_R | PTE_W); /* A, D clear */
    leaf[3] = pte_to(tpage[3], PTE_LEAF | PTE_X);
    leaf[4] = pte_to(tpage[4], PTE_LEAF | PTE_U | PTE_R | PTE_W | PTE_X);
    leaf[5] = pte_to(tpage[5], PTE_LEAF | PTE_W); /* reserved W without R */
    leaf[6] = pte_to(tpage[6], PTE_LEAF | PTE_R | PTE_W);
    csr_write(satp, SATP_MODE | ((ulong)root >> 12));
    sfence();
}

static void test_paging(void)
{
    ulong r;

    puts(XLEN == 64 ? "paging: Sv39" : "paging: Sv32");
    map_setup();
    CHECK_EQ(csr_read(satp), SATP_MODE | ((ulong)root >> 12));

    /* Each fault: cause and stval (the virtual address). */
    run(PRV_S, probe_load, TVA(0) + 8);
    expect_fault(13, TVA(0) + 8);
    run(PRV_S, probe_store, TVA(0) + 12);
    expect_fault(15, TVA(0) + 12);
    run(PRV_S, probe_exec, TVA(0));
    expect_fault(12, TVA(0));

    r = run(PRV_S, probe_load, TVA(1) + 4);
    expect_none();
    CHECK_EQ(r, 0x1001);
    run(PRV_S, probe_store, TVA(1) + 4);
    expect_fault(15, TVA(1) + 4);
    run(PRV_S, probe_exec, TVA(1));
    expect_fault(12, TVA(1));

    /* A/D: a read sets A only, a write sets D. */
    r = run(PRV_S, probe_load, TVA(2));
    expect_none();
    CHECK_EQ(r, 0x2000);
    CHECK_EQ(leaf[2] & (PTE_A | PTE_D), PTE_A);
    run(PRV_S, probe_store, TVA(2) + 16);
    expect_none();
    CHECK_EQ(leaf[2] & (PTE_A | PTE_D), PTE_A | PTE_D);
    CHECK_EQ(tpage[2][4], 0x5a);

    /* Execute-only: reads need MXR. */
    r = run(PRV_S, probe_exec, TVA(3));
    expect_none();
    CHECK_EQ(r, 42);
    run(PRV_S, probe_load, TVA(3));
    expect_fault(13, TVA(3));
    csr_set(mstatus, MSTATUS_MXR);
    r = run(PRV_S, probe_load, TVA(3) + 4);
    expect_none();
    CHECK_EQ(r, 0x00008067);
    csr_clear(mstatus, MSTATUS_MXR);

    /* User pages: S needs SUM to read them and never executes them. */
    run(PRV_S, probe_load, TVA(4) + 8);
    expect_fault(13, TVA(4) + 8);
    csr_set(mstatus, MSTATUS_SUM);
    r = run(PRV_S, probe_load, TVA(4) + 8);
    expect_none();
    CHECK_EQ(r, 0x4002);
    run(PRV_S, probe_exec, TVA(4));
    expect_fault(12, TVA(4));
    csr_clear(mstatus, MSTATUS_SUM);
    /* U mode: its own page, but not S pages. */
    r = run(PRV_U, (void (*)(void))TVA(4), 0);
    expect_none();
    CHECK_EQ(r, 42);
    /* The probe code itself is an S page: U cannot fetch it. */
    run(PRV_U, probe_load, TVA(4));
    expect_fault(12, (ulong)probe_load);

    /* Reserved encodings and a misaligned superpage. */
    run(PRV_S, probe_load, TVA(5));
    expect_fault(13, TVA(5));
    run(PRV_S, probe_store, 0xc0000000UL + 8);
    expect_fault(15, 0xc0000000UL + 8);
#if XLEN == 64
    /* Sv39: bits 63..39 must copy bit 38. */
    run(PRV_S, probe_load, 0x0000004000000000UL);
    expect_fault(13, 0x0000004000000000UL);
#endif

    /* sfence.vma makes a changed mapping visible. */
    r = run(PRV_S, probe_load, TVA(6));
    CHECK_EQ(r, 0x6000);
    leaf[6] = pte_to(tpage[7], PTE_LEAF | PTE_R | PTE_W);
    sfence();
    r = run(PRV_S, probe_load, TVA(6));
    CHECK_EQ(r, 0x7000);

    /* A superpage with A clear: the walk sets it; a later sfence.vma of
     * another address inside it still drops the whole superpage. */
    {
        ulong off = (ulong)tpage[1] - 0x80000000UL;
#if XLEN == 64
        ulong *slot = &mid[1]; /* 2 MiB at 0x40200000 */
        ulong sva = 0x40200000UL;
        if (off >= 0x200000)
            off = 0; /* (the program is smaller than 2 MiB) */
#else
        ulong *slot = &root[VPN_TOP(0x40400000UL)]; /* 4 MiB */
        ulong sva = 0x40400000UL;
#endif
        *slot = pte_to((void *)0x80000000UL, PTE_V | PTE_R);
        sfence();
        r = run(PRV_S, probe_load, sva + off + 8);
        expect_none();
        CHECK_EQ(r, 0x1002);
        CHECK_EQ(*slot & (PTE_A | PTE_D), PTE_A);
        *slot = 0;
        __asm__ volatile("sfence.vma %0" ::"r"(sva) : "memory");
        run(PRV_S, probe_load, sva + off + 8);
        expect_fault(13, sva + off + 8);
    }

    /* MPRV: M-mode loads translated as S. */
    {
        ulong v;
        csr_clear(mstatus, MSTATUS_MPP);
        csr_set(mstatus, 1UL << 11);
        __asm__ volatile("csrs mstatus, %1\n\t"
                         "lw %0, 0(%2)\n\t"
                         "csrc mstatus, %1"
                         : "=&r"(v)
                         : "r"(MSTATUS_MPRV), "r"(TVA(6) + 4)
                         : "memory");
        CHECK_EQ(v, 0x7001);
    }

#if XLEN == 64
    /* Sv48 and Sv57: the Sv39 root becomes a lower level. */
    {
        static ulong root48[PT_ENTRIES] __attribute__((aligned(4096)));
        static ulong root57[PT_ENTRIES] __attribute__((aligned(4096)));

        root48[0] = pte_to(root, PTE_V);
        root57[0] = pte_to(root48, PTE_V);
        csr_write(satp, (9UL << 60) | ((ulong)root48 >> 12));
        sfence();
        CHECK_EQ(csr_read(satp) >> 60, 9);
        r = run(PRV_S, probe_load, TVA(1) + 4);
        expect_none();
        CHECK_EQ(r, 0x1001);
        run(PRV_S, probe_load, 0x0000800000000000UL);
        expect_fault(13, 0x0000800000000000UL);
        csr_write(satp, (10UL << 60) | ((ulong)root57 >> 12));
        sfence();
        CHECK_EQ(csr_read(satp) >> 60, 10);
        r = run(PRV_S, probe_load, TVA(1) + 8);
        expect_none();
        CHECK_EQ(r, 0x1002);
        run(PRV_S, probe_load, 0x0100000000000000UL);
        expect_fault(13, 0x0100000000000000UL);
        /* An unsupported mode leaves satp as it was. */
        csr_write(satp, (5UL << 60) | 1);
        CHECK_EQ(csr_read(satp) >> 60, 10);
    }
#endif

    csr_write(satp, 0);
    sfence();
    CHECK_EQ(csr_read(satp), 0);
}

/*
 * PMP boundaries inside one page: an allowed access first (so a TLB that
 * cached the whole page would say yes), then the other side of the
 * boundary, in the same page, must differ.
 * Entry 0: NA4, no access, at P+0x100. Entry 1: NAPOT 64 bytes read-only
 * at P+0x200. Entries 2-3: TOR [P+0x404, P+0x80c) read-only. Entry 15
 * allows the rest.
 */
/* fn (probe_load2 or probe_store2) at first, then at arg, in one run. */
static ulong run2(ulong mode, void (*fn)(void), ulong first, ulong arg)
{
    probe_first = first;
    return run(mode, fn, arg);
}

static void test_pmp_subpage(void)
{
    ulong p = (ulong)spage;

    puts("pmp: boundaries inside a page (NA4, 64-byte NAPOT, unaligned TOR)");
    for (int i = 0; i < 1024; i++)
        spage[i] = 0x1000 + (uint32_t)i;
    csr_write(pmpaddr0, (p + 0x100) >> 2);
    csr_write(pmpaddr1, ((p + 0x200) >> 2) | 0x7);
    csr_write(pmpaddr2, (p + 0x404) >> 2);
    csr_write(pmpaddr3, (p + 0x80c) >> 2);
    csr_write(pmpcfg0, 0x09001910UL);
    CHECK_EQ(csr_read(pmpcfg0) & 0xffffffffUL, 0x09001910UL);

    /* NA4: the words before and after load, the word itself does not. */
    CHECK_EQ(run2(PRV_S, probe_load2, p + 0x100 - 4, p + 0x104),
             0x1000 + 0x104 / 4);
    expect_none();
    run2(PRV_S, probe_load2, p + 0xfc, p + 0x100);
    expect_fault(5, p + 0x100);
    run2(PRV_U, probe_load2, p + 0x104, p + 0x100);
    expect_fault(5, p + 0x100);
    run2(PRV_S, probe_store2, p + 0x104, p + 0x100);
    expect_fault(7, p + 0x100);
    CHECK_EQ(spage[0x104 / 4], 0x5a);
    CHECK_EQ(spage[0x100 / 4], 0x1000 + 0x100 / 4);
    /* Read after read in the other direction: denied, then allowed. */
    CHECK_EQ(run2(PRV_U, probe_load2, p + 0xf8, p + 0xfc),
             0x1000 + 0xfc / 4);
    expect_none();
    /* The same through the MMU: RAM's identity superpage (map_setup). */
    csr_write(satp, SATP_MODE | ((ulong)root >> 12));
    sfence();
    run2(PRV_S, probe_load2, p + 0xfc, p + 0x100);
    expect_fault(5, p + 0x100);
    CHECK_EQ(run2(PRV_S, probe_load2, p + 0x100, p + 0x108),
             0x1000 + 0x108 / 4);
    expect_fault(5, p + 0x100);
    run2(PRV_S, probe_store2, p + 0x10c, p + 0x100);
    expect_fault(7, p + 0x100);
    CHECK_EQ(spage[0x10c / 4], 0x5a);
    csr_write(satp, 0);
    sfence();

    /* NAPOT 64 bytes, read-only: stores stop at its edges. */
    run2(PRV_S, probe_store2, p + 0x1fc, p + 0x200);
    expect_fault(7, p + 0x200);
    run2(PRV_U, probe_store2, p + 0x240, p + 0x23c);
    expect_fault(7, p + 0x23c);
    CHECK_EQ(run2(PRV_U, probe_load2, p + 0x240, p + 0x220),
             0x1000 + 0x220 / 4);
    expect_none();
    CHECK_EQ(spage[0x1fc / 4], 0x5a);
    CHECK_EQ(spage[0x200 / 4], 0x1000 + 0x200 / 4);
    CHECK_EQ(spage[0x23c / 4], 0x1000 + 0x23c / 4);
    CHECK_EQ(spage[0x240 / 4], 0x5a);

    /* TOR with bounds that are not page-aligned. */
    run2(PRV_S, probe_store2, p + 0x400, p + 0x404);
    expect_fault(7, p + 0x404);
    run2(PRV_U, probe_store2, p + 0x80c, p + 0x808);
    expect_fault(7, p + 0x808);
    CHECK_EQ(run2(PRV_U, probe_load2, p + 0x80c, p + 0x808),
             0x1000 + 0x808 / 4);
    expect_none();
    CHECK_EQ(spage[0x400 / 4], 0x5a);
    CHECK_EQ(spage[0x404 / 4], 0x1000 + 0x404 / 4);
    CHECK_EQ(spage[0x808 / 4], 0x1000 + 0x808 / 4);
    CHECK_EQ(spage[0x80c / 4], 0x5a);

    /* Fetches: 64 bytes at X+0x140 lose X; code on both sides of it in
     * the same page. (A block running from X+0x138 into it must fault
     * at X+0x140 too, but QEMU 7.2 runs on there: that case is in
     * tests/unit/test-tcache.c instead.) */
    static const uint32_t code[] = {
        0x02a00513, /* li a0, 42 */
        0x00150513, /* addi a0, a0, 1 */
        0x00008067, /* ret */
    };
    ulong x = (ulong)xpage;
    for (int i = 0; i < 1024; i++)
        xpage[i] = 0x00008067; /* ret */
    memcpy((void *)(x + 0x120), code, sizeof(code));
    memcpy((void *)(x + 0x180), code, sizeof(code));
    __asm__ volatile("fence.i" ::: "memory");
    csr_write(pmpcfg0, 0);
    csr_write(pmpaddr0, ((x + 0x140) >> 2) | 0x7);
    csr_write(pmpcfg0, 0x1bUL); /* NAPOT, R and W */
    CHECK_EQ(run(PRV_S, probe_exec, x + 0x120), 43);
    expect_none();
    CHECK_EQ(run(PRV_U, probe_exec, x + 0x180), 43);
    expect_none();
    run(PRV_U, probe_exec, x + 0x17c);
    expect_fault(1, x + 0x17c);
    run(PRV_S, probe_exec, x + 0x140);
    expect_fault(1, x + 0x140);
    CHECK_EQ(run(PRV_S, probe_exec, x + 0x13c), -1UL);
    expect_none();
    CHECK_EQ(run(PRV_S, probe_load, x + 0x140), 0x00008067);
    expect_none();

    /* Locked entry 14, 64 bytes read-only at P+0x300: M mode obeys it
     * there and nowhere else in the page. Entries 0-3 go off first. */
    csr_write(pmpcfg0, 0);
    csr_write(pmpaddr14, ((p + 0x300) >> 2) | 0x7);
#if XLEN == 64
    csr_set(pmpcfg2, 0x99UL << 48);
#else
    csr_set(pmpcfg3, 0x99UL << 16);
#endif
    last.count = 0;
    barrier();
    *(volatile uint32_t *)(p + 0x2fc) = 1;
    *(volatile uint32_t *)(p + 0x300) = 2;
    barrier();
    expect_fault(7, p + 0x300);
    *(volatile uint32_t *)(p + 0x340) = 3;
    barrier();
    CHECK_EQ(last.count, 1);
    CHECK_EQ(spage[0x2fc / 4], 1);
    CHECK_EQ(spage[0x300 / 4], 0x1000 + 0x300 / 4);
    CHECK_EQ(spage[0x340 / 4], 3);
    CHECK_EQ(*(volatile uint32_t *)(p + 0x33c), 0x1000 + 0x33c / 4);
}

static void test_pmp(void)
{
    ulong a0 = (ulong)pdata[0], a1 = (ulong)pdata[1], a2 = (ulong)pdata[2];

    puts("pmp: NAPOT, TOR, NA4 and lock");
    pdata[0][0] = 0x11;
    pdata[1][0] = 0x22;
    pdata[2][0] = 0x33;
    /* 0: NAPOT 4 KiB read-only; 1-2: TOR no access; 3: NA4 read-only. */
    csr_write(pmpaddr0, (a0 >> 2) | 0x1ff);
    csr_write(pmpaddr1, a1 >> 2);
    csr_write(pmpaddr2, (a1 + 4096) >> 2);
    csr_write(pmpaddr3, a2 >> 2);
    csr_write(pmpcfg0, 0x11UL << 24 | 0x08UL << 16 | 0x00UL << 8 | 0x19UL);
    CHECK_EQ(csr_read(pmpaddr0), (a0 >> 2) | 0x1ff);
    CHECK_EQ(csr_read(pmpcfg0) & 0xffffffffUL, 0x11080019UL);

    CHECK_EQ(run(PRV_S, probe_load, a0), 0x11);
    expect_none();
    run(PRV_S, probe_store, a0);
    expect_fault(7, a0);
    run(PRV_U, probe_load, a1);
    expect_fault(5, a1);
    run(PRV_S, probe_store, a1 + 8);
    expect_fault(7, a1 + 8);
    CHECK_EQ(run(PRV_U, probe_load, a2), 0x33);
    expect_none();
    run(PRV_U, probe_store, a2);
    expect_fault(7, a2);
    /* M mode ignores unlocked entries. */
    pdata[0][1] = 0x44;
    CHECK_EQ(pdata[0][1], 0x44);

    /* Locked: M mode obeys it, and the entry no longer changes. */
    csr_set(pmpcfg0, 0x80);
    CHECK_EQ(csr_read(pmpcfg0) & 0xff, 0x99);
    csr_clear(pmpcfg0, 0xff);
    CHECK_EQ(csr_read(pmpcfg0) & 0xff, 0x99);
    csr_write(pmpaddr0, 0);
    CHECK_EQ(csr_read(pmpaddr0), (a0 >> 2) | 0x1ff);
    last.count = 0;
    barrier();
    *(volatile uint32_t *)(a0 + 8) = 1;
    barrier();
    expect_fault(7, a0 + 8);
    CHECK_EQ(pdata[0][2], 0);
}

static void test_counters(void)
{
    puts("counters: mcounteren and scounteren");
    csr_write(mcounteren, 0);
    csr_write(scounteren, 0);
    CHECK_EQ(run(PRV_S, probe_cycle, 0), 2);
    CHECK_EQ(last.cause, 2);
    csr_write(mcounteren, 7);
    CHECK_EQ(run(PRV_S, probe_cycle, 0), 2);
    expect_none();
    run(PRV_U, probe_cycle, 0);
    CHECK_EQ(last.count, 1);
    csr_write(scounteren, 1);
    run(PRV_U, probe_cycle, 0);
    expect_none();
    CHECK_EQ(csr_read(scounteren), 1);
}

static void test_sstc(void)
{
    ulong t;
    int spins = 0;

    puts("sstc: stimecmp drives STIP");
#if XLEN == 64
    csr_set(menvcfg, 1UL << 63);
    CHECK_EQ(csr_read(menvcfg) >> 63, 1);
#else
    csr_set(menvcfgh, 1UL << 31);
    CHECK_EQ(csr_read(menvcfgh) >> 31, 1);
    __asm__ volatile("csrw 0x15d, %0" ::"r"(-1UL)); /* stimecmph */
#endif
    __asm__ volatile("csrw 0x14d, %0" ::"r"(-1UL));
    CHECK_EQ(csr_read(mip) & 0x20, 0);
    t = (ulong)mtime();
#if XLEN == 32
    __asm__ volatile("csrw 0x15d, %0" ::"r"((ulong)(mtime() >> 32)));
#endif
    __asm__ volatile("csrw 0x14d, %0" ::"r"(t + 200));
    while (!(csr_read(mip) & 0x20) && spins < 10000000)
        spins++;
#if XLEN == 64
    /* QEMU 7.2 never raises STIP from stimecmp on RV32. */
    CHECK(csr_read(mip) & 0x20);
#endif
    __asm__ volatile("csrw 0x14d, %0" ::"r"(-1UL));
#if XLEN == 32
    __asm__ volatile("csrw 0x15d, %0" ::"r"(-1UL));
#endif
    CHECK_EQ(csr_read(mip) & 0x20, 0);
}

int main(void)
{
    puts("priv: S and U modes, paging, PMP");
    trap_hook = on_trap;
    {
        ulong misa = csr_read(misa);
        /* The letters both emulators implement (QEMU also has H). */
        CHECK_EQ(misa & 0x3ffffff & ~(1UL << 7), 0x14112d);
    }
    pmp_allow_all();
    test_modes();
    test_deleg();
    test_irq();
    test_paging();
    test_counters();
    test_sstc();
    test_pmp_subpage();
    test_pmp();
    return check_done("priv");
}
