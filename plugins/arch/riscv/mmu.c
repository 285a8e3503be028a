/* SPDX-License-Identifier: MIT */
/*
 * RISC-V address translation: Sv32/Sv39/Sv48/Sv57 page walks with
 * hardware A/D updates, and PMP on the resulting physical address.
 *
 * The core caches what translate_addr returns per 4 KiB page and MMU
 * context (the privilege), so this runs only on TLB misses (and on every
 * access to a page that a PMP boundary cuts: TESSERA_PROT_NOCACHE). Write
 * permission is reported only when a write needs no more bookkeeping
 * (D already set), so the first write to a clean page comes back here.
 */
#include <string.h>

#include "riscv.h"

#define PTE_V 0x001u
#define PTE_R 0x002u
#define PTE_W 0x004u
#define PTE_X 0x008u
#define PTE_U 0x010u
#define PTE_G 0x020u
#define PTE_A 0x040u
#define PTE_D 0x080u
/* RV64 PTE bits 63 (Svnapot's N), 62:61 (Svpbmt's PBMT), 60:54 reserved. */
#define PTE_N (1ull << 63)
#define PTE_PBMT (3ull << 61)
#define PTE_RSVD (0x7full << 54)

#define PMP_R 0x01u
#define PMP_W 0x02u
#define PMP_X 0x04u
#define PMP_A 0x18u
#define PMP_L 0x80u
enum { PMP_OFF = 0, PMP_TOR = 1, PMP_NA4 = 2, PMP_NAPOT = 3 };

/* ---------------------------------------------------------------------- */
/* PMP                                                                     */

/* [lo, hi) of entry i, false when it is OFF. */
static bool pmp_range(const RiscvEnv *env, unsigned i, uint64_t *lo,
                      uint64_t *hi)
{
    uint64_t a = env->pmpaddr[i];

    switch ((env->pmpcfg[i] & PMP_A) >> 3) {
    case PMP_TOR:
        *lo = i ? env->pmpaddr[i - 1] << 2 : 0;
        *hi = a << 2;
        return true;
    case PMP_NA4:
        *lo = a << 2;
        *hi = *lo + 4;
        return true;
    case PMP_NAPOT: {
        /* Trailing ones of pmpaddr give the size: 2^(ones + 3) bytes. */
        unsigned ones = (unsigned)__builtin_ctzll(~a);
        uint64_t size = ones >= 61 ? 0 : 8ull << ones;

        if (!size) {
            *lo = 0;
            *hi = UINT64_MAX;
        } else {
            *lo = (a << 2) & ~(size - 1);
            *hi = *lo + size;
        }
        return true;
    }
    }
    return false;
}

/* After a change of pmpcfg or pmpaddr (or a reset): the summary flags,
 * the list of the entries that can match, no cached answer. */
void riscv_pmp_decode(RiscvEnv *env)
{
    env->pmp_any = env->pmp_locked = false;
    env->pmp_n = 0;
    for (unsigned i = 0; i < 16; i++) {
        uint64_t lo, hi;

        if (env->pmpcfg[i] & PMP_A)
            env->pmp_any = true;
        if ((env->pmpcfg[i] & PMP_L) && (env->pmpcfg[i] & PMP_A))
            env->pmp_locked = true;
        if (!pmp_range(env, i, &lo, &hi) || lo >= hi)
            continue; /* off or empty: never matches */
        env->pmp_act_cfg[env->pmp_n] = env->pmpcfg[i];
        env->pmp_act_lo[env->pmp_n] = lo;
        env->pmp_act_hi[env->pmp_n] = hi;
        env->pmp_n++;
    }
    env->pmp_c_len[0] = env->pmp_c_len[1] = 0;
}

void riscv_pmp_changed(RiscvEnv *env)
{
    riscv_pmp_decode(env);
    tessera_tlb_flush(env->cpu);
}

/*
 * pmp_prot() without a cached answer: the active entries in order. When
 * the answer holds for the whole page (no NOCACHE), it is kept for the
 * run of whole pages around addr where it holds the same way: inside the
 * deciding entry (or, with none, anywhere) and clear of every entry
 * before it, all of which lie outside addr's page.
 */
static unsigned pmp_prot_slow(RiscvEnv *env, uint64_t addr, unsigned priv)
{
    uint64_t plo = addr & ~(uint64_t)0xfff, plast = plo + 0xfff;
    uint64_t rlo = 0, rlast = UINT64_MAX; /* whole pages, inclusive */
    unsigned nocache = 0, prot;
    unsigned n = env->pmp_n;

    for (unsigned k = 0; k < n; k++) {
        uint64_t lo = env->pmp_act_lo[k], hi = env->pmp_act_hi[k];
        uint8_t cfg = env->pmp_act_cfg[k];

        if (hi <= plo) { /* below the page */
            uint64_t end = (hi + 0xfff) & ~(uint64_t)0xfff;
            if (end > rlo)
                rlo = end;
            continue;
        }
        if (lo > plast) { /* above the page */
            uint64_t last = (lo & ~(uint64_t)0xfff) - 1;
            if (last < rlast)
                rlast = last;
            continue;
        }
        if (lo > plo || hi - 1 < plast)
            nocache = TESSERA_PROT_NOCACHE; /* a boundary in the page */
        if (addr < lo || addr >= hi)
            continue;
        if (priv == RISCV_PRV_M && !(cfg & PMP_L))
            prot = 7u;
        else
            prot = ((cfg & PMP_R) ? TESSERA_PROT_READ : 0) |
                   ((cfg & PMP_W) ? TESSERA_PROT_WRITE : 0) |
                   ((cfg & PMP_X) ? TESSERA_PROT_EXEC : 0);
        if (!nocache) {
            /* The page lies inside [lo, hi): lo <= plo, hi > plast. */
            uint64_t first = (lo + 0xfff) & ~(uint64_t)0xfff;
            uint64_t last = (hi & ~(uint64_t)0xfff) - 1;
            if (first > rlo)
                rlo = first;
            if (last < rlast)
                rlast = last;
        }
        goto done;
    }
    /* No match: M mode may, S and U may not. */
    prot = priv == RISCV_PRV_M ? 7u : 0u;
done:
    if (!nocache) {
        unsigned c = priv == RISCV_PRV_M ? 0 : 1;
        uint64_t len = rlast - rlo + 1;
        env->pmp_c_lo[c] = rlo;
        env->pmp_c_len[c] = len ? len : UINT64_MAX;
        env->pmp_c_prot[c] = prot;
    }
    return prot | nocache;
}

/*
 * Permissions (TESSERA_PROT_*) PMP grants at privilege priv for the
 * access at addr. The lowest-numbered entry that contains addr decides.
 * The core caches the answer for the 4 KiB page, which is exact when no
 * entry before the deciding one (or the deciding one itself) only partly
 * covers that page; otherwise TESSERA_PROT_NOCACHE is added so every
 * access comes back here. Firmware sets page-aligned entries, which stay
 * on the fast path. The last whole-page answer per class is kept with
 * the range it holds for (page walks ask for the same few page-table
 * pages again and again).
 */
static inline unsigned pmp_prot(RiscvEnv *env, uint64_t addr, unsigned priv)
{
    /* With no entry active, S and U get nothing, as with no match. */
    if (priv == RISCV_PRV_M && !env->pmp_locked)
        return 7u;
    if (!env->pmp_any)
        return priv == RISCV_PRV_M ? 7u : 0u;
    unsigned c = priv == RISCV_PRV_M ? 0 : 1;
    if (addr - env->pmp_c_lo[c] < env->pmp_c_len[c])
        return env->pmp_c_prot[c];
    return pmp_prot_slow(env, addr, priv);
}

/* ---------------------------------------------------------------------- */
/* Page walk                                                               */

static unsigned access_prot(TesseraAccess access)
{
    return access == TESSERA_ACCESS_WRITE  ? TESSERA_PROT_WRITE
           : access == TESSERA_ACCESS_EXEC ? TESSERA_PROT_EXEC
                                           : TESSERA_PROT_READ;
}

static TesseraFault page_walk(RiscvEnv *env, uint64_t va,
                              TesseraAccess access, unsigned priv, bool sum,
                              uint64_t *phys, unsigned *prot)
{
    unsigned mode, levels, vpn_bits, pte_size;
    uint64_t root;

    if (env->xlen == 32) {
        mode = (unsigned)(env->satp >> 31) & 1;
        if (!mode)
            goto bare;
        levels = 2;
        vpn_bits = 10;
        pte_size = 4;
        root = (env->satp & 0x3fffff) << 12;
        va &= UINT32_MAX;
    } else {
        mode = (unsigned)(env->satp >> 60);
        if (mode == 0)
            goto bare;
        levels = mode - 5; /* 8: Sv39, 9: Sv48, 10: Sv57 */
        vpn_bits = 9;
        pte_size = 8;
        root = (env->satp & ((1ull << 44) - 1)) << 12;
        /* Bits above the virtual address width copy its top bit. */
        unsigned vabits = 12 + 9 * levels;
        int64_t sext = (int64_t)(va << (64 - vabits)) >> (64 - vabits);
        if ((uint64_t)sext != va)
            return TESSERA_FAULT_PAGE;
    }

    bool mxr = (env->mstatus & MSTATUS_MXR) != 0;
    bool pbmte = riscv_has_x(env, RVX_SVPBMT) &&
                 (env->menvcfg & MENVCFG_PBMTE);
    bool svnapot = riscv_has_x(env, RVX_SVNAPOT);
    uint64_t table = root;

    for (int lvl = (int)levels - 1; lvl >= 0; lvl--) {
        unsigned shift = 12 + vpn_bits * (unsigned)lvl;
        uint64_t idx = (va >> shift) & ((1u << vpn_bits) - 1);
        uint64_t pte_addr = table + idx * pte_size;
        uint64_t pte = 0;

        /* The walk's own accesses are S-level reads for PMP. */
        if (!(pmp_prot(env, pte_addr, RISCV_PRV_S) & TESSERA_PROT_READ) ||
            tessera_phys_read(pte_addr, &pte, pte_size) != 0)
            return TESSERA_FAULT_ACCESS;

        if (!(pte & PTE_V) || ((pte & PTE_W) && !(pte & PTE_R)))
            return TESSERA_FAULT_PAGE;
        /*
         * Reserved bits must be 0. PBMT (Svpbmt, with menvcfg.PBMTE) may
         * be PMA, NC or IO on a leaf: memory attributes that change
         * nothing here. N (Svnapot) is checked at the leaf.
         */
        bool leaf = (pte & (PTE_R | PTE_X)) != 0;
        if (pte_size == 8) {
            uint64_t pbmt = (pte & PTE_PBMT) >> 61;
            if ((pte & PTE_RSVD) || ((pte & PTE_N) && !svnapot))
                return TESSERA_FAULT_PAGE;
            if (pbmt && (!pbmte || !leaf || pbmt == 3))
                return TESSERA_FAULT_PAGE;
        }

        uint64_t ppn = pte_size == 8 ? (pte >> 10) & ((1ull << 44) - 1)
                                     : (pte >> 10) & 0x3fffff;
        if (!leaf) {
            if (lvl == 0 || (pte_size == 8 && (pte & PTE_N)))
                return TESSERA_FAULT_PAGE;
            table = ppn << 12;
            continue;
        }
        /* Svnapot: a 64 KiB page made of 16 4 KiB PTEs, PPN[3:0] = 8,
         * which the address's VPN[0][3:0] replace; no other size. */
        uint64_t napot_mask = 0;
        if (pte_size == 8 && (pte & PTE_N)) {
            if (lvl != 0 || (ppn & 0xf) != 8)
                return TESSERA_FAULT_PAGE;
            napot_mask = 0xf;
        }

        /* A leaf: privilege, then the permission of this access. */
        if (priv == RISCV_PRV_U && !(pte & PTE_U))
            return TESSERA_FAULT_PAGE;
        if (priv == RISCV_PRV_S && (pte & PTE_U) &&
            (access == TESSERA_ACCESS_EXEC || !sum))
            return TESSERA_FAULT_PAGE;
        /* A superpage's PPN must be aligned to its size. */
        uint64_t low_mask = (1ull << (vpn_bits * (unsigned)lvl)) - 1;
        if (ppn & low_mask)
            return TESSERA_FAULT_PAGE;

        unsigned p = 0;
        if ((pte & PTE_R) || (mxr && (pte & PTE_X)))
            p |= TESSERA_PROT_READ;
        /* S mode never executes user pages, even with SUM. */
        if ((pte & PTE_X) && !(priv == RISCV_PRV_S && (pte & PTE_U)))
            p |= TESSERA_PROT_EXEC;
        if (pte & PTE_W)
            p |= TESSERA_PROT_WRITE;
        if (!(p & access_prot(access)))
            return TESSERA_FAULT_PAGE;

        /* Hardware A/D updates, as QEMU does. */
        uint64_t npte = pte | PTE_A;
        if (access == TESSERA_ACCESS_WRITE)
            npte |= PTE_D;
        if (npte != pte) {
            if (!(pmp_prot(env, pte_addr, RISCV_PRV_S) & TESSERA_PROT_WRITE) ||
                tessera_phys_write(pte_addr, &npte, pte_size) != 0)
                return TESSERA_FAULT_ACCESS;
        }
        if (!(npte & PTE_D))
            p &= ~TESSERA_PROT_WRITE;

        low_mask |= napot_mask;
        if (low_mask) {
            uint64_t first = va & ~((low_mask << 12) | 0xfff);
            uint64_t last = first + (low_mask << 12) + 0xfff;
            if (first < env->sp_lo)
                env->sp_lo = first;
            if (last > env->sp_hi)
                env->sp_hi = last;
        }
        *phys = (((ppn & ~napot_mask) | ((va >> 12) & low_mask)) << 12) |
                (va & 0xfff);
        *prot = p;
        return TESSERA_FAULT_NONE;
    }
    return TESSERA_FAULT_PAGE;

bare:
    *phys = va;
    *prot = TESSERA_PROT_READ | TESSERA_PROT_WRITE | TESSERA_PROT_EXEC;
    return TESSERA_FAULT_NONE;
}

TesseraFault riscv_translate_addr(void *opaque, uint64_t vaddr,
                                  TesseraAccess access, unsigned mmu_idx,
                                  uint64_t *phys, unsigned *prot)
{
    RiscvEnv *env = opaque;
    /* The S-with-SUM context is S for everything but SUM. */
    bool sum = mmu_idx == RISCV_MMU_S_SUM;
    unsigned priv = sum ? RISCV_PRV_S : mmu_idx;
    TesseraFault f;

    /* The M-mode fast path: no paging, PMP only when something is locked. */
    if (priv == RISCV_PRV_M && !env->pmp_locked) {
        *phys = vaddr;
        *prot = TESSERA_PROT_READ | TESSERA_PROT_WRITE | TESSERA_PROT_EXEC;
        return TESSERA_FAULT_NONE;
    }
    if (priv == RISCV_PRV_M) {
        *phys = vaddr;
        *prot = TESSERA_PROT_READ | TESSERA_PROT_WRITE | TESSERA_PROT_EXEC;
    } else {
        f = page_walk(env, vaddr, access, priv, sum, phys, prot);
        if (f != TESSERA_FAULT_NONE)
            return f;
    }
    /* The walk's own PMP checks need no NOCACHE: they are on the PTEs,
     * the same for every address of this virtual page. */
    unsigned pp = pmp_prot(env, *phys, priv);
    if (!(pp & access_prot(access)))
        return TESSERA_FAULT_ACCESS;
    *prot = (*prot & pp) | (pp & TESSERA_PROT_NOCACHE);
    return TESSERA_FAULT_NONE;
}
