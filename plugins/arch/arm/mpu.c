/* SPDX-License-Identifier: MIT */
/*
 * PMSAv7 memory protection unit (ARMv7-M): 8 regions programmed through
 * MPU_TYPE/CTRL/RNR/RBAR/RASR (and the RBAR/RASR aliases) in the System
 * Control Space, checked through the core's translate_addr hook.
 *
 * MMU contexts: ARM_MMU_PRIV (privileged), ARM_MMU_UNPRIV (unprivileged
 * thread mode) and ARM_MMU_NOMPU (execution priority below 0 with
 * MPU_CTRL.HFNMIENA clear: the MPU is off). The context of the running
 * code is in the translation flags; loads and stores use it and code
 * fetch follows it. A page (1 KiB) whose permissions are not uniform
 * (a region or subregion boundary inside it; regions go down to 32
 * bytes) is decided access by access (TESSERA_PROT_NOCACHE). The
 * Private Peripheral Bus (0xe0000000-0xe00fffff) is always reached
 * through the default map.
 *
 * The default map (ARMv7-M ARM B3.1) is execute-never in the Peripheral
 * (0x40000000-0x5fffffff), Device (0xa0000000-0xdfffffff) and System
 * (0xe0000000-) areas, with the MPU off, for code at priority -1 or -2
 * without HFNMIENA, and as PRIVDEFENA's background; the System area is
 * execute-never whatever a region says. A fetch there is MemManage
 * IACCVIOL.
 *
 * The System Control Space (0xe000e000-0xe000efff) is privileged: an
 * unprivileged access (unprivileged thread mode, LDRT/STRT) is a BusFault
 * (PRECISERR, BFAR), except STIR when CCR.USERSETMPEND is set.
 */
#include "arm.h"

#define CTRL_ENABLE 1u
#define CTRL_HFNMIENA 2u
#define CTRL_PRIVDEFENA 4u
#define RASR_ENABLE 1u
#define RASR_XN (1u << 28)

#define P_R TESSERA_PROT_READ
#define P_W TESSERA_PROT_WRITE
#define P_X TESSERA_PROT_EXEC

#define SYSTEM_AREA 0xe0000000u
#define CCR_USERSETMPEND (1u << 1)

/* The default map's permissions. */
static unsigned default_map(uint32_t a)
{
    if ((a >= 0x40000000u && a < 0x60000000u) || a >= 0xa0000000u)
        return P_R | P_W;
    return P_R | P_W | P_X;
}

/* Whether an unprivileged access to a is refused by the SCS. */
static bool scs_denied(const ArmEnv *env, uint32_t a)
{
    if ((a & ~0xfffu) != 0xe000e000u)
        return false;
    return !((a & ~3u) == 0xe000ef00u && (env->ccr & CCR_USERSETMPEND));
}

static unsigned prot_regions(const ArmEnv *env, uint32_t a, unsigned idx);

/* Permissions of one address for a context. */
static unsigned prot_at(const ArmEnv *env, uint32_t a, unsigned idx)
{
    unsigned p = prot_regions(env, a, idx);
    if (a >= SYSTEM_AREA)
        p &= ~P_X;
    return p;
}

static unsigned prot_regions(const ArmEnv *env, uint32_t a, unsigned idx)
{
    unsigned n = env->model->mpu_regions;
    bool priv = idx != ARM_MMU_UNPRIV;
    if (!(env->mpu_ctrl & CTRL_ENABLE) || idx == ARM_MMU_NOMPU ||
        (a >> 20) == 0xe00)
        return default_map(a);
    for (unsigned i = n; i-- > 0;) {
        uint32_t rasr = env->mpu_rasr[i];
        if (!(rasr & RASR_ENABLE))
            continue;
        unsigned sz = (rasr >> 1) & 31;
        if (sz < 4)
            continue;
        uint64_t size = 2ull << sz;
        uint32_t base = env->mpu_rbar[i] & ~31u & (uint32_t)~(size - 1);
        if ((uint64_t)(a - base) >= size && !(size == (1ull << 32)))
            continue;
        if (sz >= 7) { /* subregions: regions of 256 bytes and more */
            unsigned sub = (unsigned)(((uint64_t)(a - base) * 8) / size);
            if (rasr & (1u << (8 + sub)))
                continue;
        }
        unsigned p = 0;
        switch ((rasr >> 24) & 7) {
        case 1: p = priv ? P_R | P_W : 0; break;
        case 2: p = priv ? P_R | P_W : P_R; break;
        case 3: p = P_R | P_W; break;
        case 5: p = priv ? P_R : 0; break;
        case 6: case 7: p = P_R; break;
        default: p = 0; break;
        }
        if (p && !(rasr & RASR_XN))
            p |= P_X;
        return p;
    }
    if (priv && (env->mpu_ctrl & CTRL_PRIVDEFENA))
        return default_map(a);
    return 0;
}

TesseraFault arm_mpu_translate(void *opaque, uint64_t vaddr,
                               TesseraAccess access, unsigned idx,
                               uint64_t *phys, unsigned *prot)
{
    ArmEnv *env = opaque;
    uint32_t a = (uint32_t)vaddr, page = a & ~(ARM_PAGE_SIZE - 1);
    unsigned p = prot_at(env, a, idx);
    static const unsigned need[3] = {P_R, P_W, P_X};
    *phys = vaddr & 0xffffffffu;
    if (idx == ARM_MMU_UNPRIV && (page & ~0xfffu) == 0xe000e000u) {
        /* the SCS: decided access by access (STIR) */
        *prot = p | TESSERA_PROT_NOCACHE;
        if (scs_denied(env, a) && access != TESSERA_ACCESS_EXEC)
            return TESSERA_FAULT_ACCESS;
        return (p & need[access]) ? TESSERA_FAULT_NONE : TESSERA_FAULT_PAGE;
    }
    for (uint32_t o = 0; o < ARM_PAGE_SIZE; o += 32)
        if (prot_at(env, page + o, idx) != p) {
            p |= TESSERA_PROT_NOCACHE;
            break;
        }
    *prot = p;
    return (p & need[access]) ? TESSERA_FAULT_NONE : TESSERA_FAULT_PAGE;
}

/* SCS registers 0xd90-0xdbc. */
uint32_t arm_mpu_read(ArmEnv *env, uint32_t off)
{
    unsigned n = env->model->mpu_regions;
    if (!n)
        return 0;
    switch (off) {
    case 0xd90: /* MPU_TYPE */
        return n << 8;
    case 0xd94:
        return env->mpu_ctrl;
    case 0xd98:
        return env->mpu_rnr;
    case 0xd9c: case 0xda4: case 0xdac: case 0xdb4:
        return (env->mpu_rbar[env->mpu_rnr % n] & ~31u) | (env->mpu_rnr % n);
    case 0xda0: case 0xda8: case 0xdb0: case 0xdb8:
        return env->mpu_rasr[env->mpu_rnr % n];
    default:
        return 0;
    }
}

void arm_mpu_write(ArmEnv *env, uint32_t off, uint32_t v)
{
    unsigned n = env->model->mpu_regions;
    if (!n)
        return;
    switch (off) {
    case 0xd94:
        env->mpu_ctrl = v & 7;
        break;
    case 0xd98:
        if (v < n)
            env->mpu_rnr = v;
        break;
    case 0xd9c: case 0xda4: case 0xdac: case 0xdb4:
        if (v & 16) { /* VALID: selects the region, or nothing at all */
            if ((v & 15) >= n)
                return;
            env->mpu_rnr = v & 15;
        }
        env->mpu_rbar[env->mpu_rnr % n] = v & ~31u;
        break;
    case 0xda0: case 0xda8: case 0xdb0: case 0xdb8:
        env->mpu_rasr[env->mpu_rnr % n] = v & 0x173fff3fu;
        break;
    default:
        return;
    }
    arm_update_tb_flags(env);
    tessera_tlb_flush(env->cpu);
    tessera_cpu_kick(env->cpu);
}
