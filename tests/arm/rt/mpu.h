/* SPDX-License-Identifier: MIT */
/* The ARM guest tests that fault on purpose (mpu.c, sys.c, fpstk.c): the
 * PMSAv7 MPU's registers and a record of the faults taken. */
#ifndef ARM_RT_MPU_H
#define ARM_RT_MPU_H
#include "rt.h"

#define MPU_TYPE REG32(0xe000ed90)
#define MPU_CTRL REG32(0xe000ed94)
#define MPU_RNR REG32(0xe000ed98)
#define MPU_RBAR REG32(0xe000ed9c)
#define MPU_RASR REG32(0xe000eda0)
#define SCB_MMFAR REG32(0xe000ed34)
#define SCB_BFAR REG32(0xe000ed38)

/* MPU_RASR's fields */
#define AP(x) ((uint32_t)(x) << 24)
#define XN (1u << 28)
#define SIZE(log2) ((uint32_t)((log2) - 1) << 1)
#define SRD(m) ((uint32_t)(m) << 8)
#define EN 1u

/* Memory and the MPU's settings as they are now for what follows. */
static inline void sync(void)
{
    __asm__ volatile("dsb\n\tisb" ::: "memory");
}

static inline void region(unsigned n, uint32_t base, uint32_t rasr)
{
    MPU_RNR = n;
    MPU_RBAR = base;
    MPU_RASR = rasr;
}

/* The first eight faults of a case: exception number, CFSR, HFSR and an
 * address the handler gives; n counts them all. */
struct rt_faults {
    uint32_t n, exc[8], cfsr[8], hfsr[8], addr[8];
};

/* A fault handler's record; CFSR and HFSR are cleared for the next. */
static inline void rt_fault_record(volatile struct rt_faults *f,
                                   uint32_t addr)
{
    if (f->n < 8) {
        f->exc[f->n] = rt_ipsr();
        f->cfsr[f->n] = SCB_CFSR;
        f->hfsr[f->n] = SCB_HFSR;
        f->addr[f->n] = addr;
    }
    f->n++;
    SCB_CFSR = SCB_CFSR;
    SCB_HFSR = SCB_HFSR;
}

/* The first max faults, each " [exc E cfsr C hfsr H]" (and " addr A"
 * before the "]" if with_addr). */
static inline void rt_faults_print(const volatile struct rt_faults *f,
                                   uint32_t max, int with_addr)
{
    for (uint32_t i = 0; i < f->n && i < max; i++) {
        rt_puts(" [exc ");
        rt_dec(f->exc[i]);
        rt_puts(" cfsr ");
        rt_hex(f->cfsr[i]);
        rt_puts(" hfsr ");
        rt_hex(f->hfsr[i]);
        if (with_addr) {
            rt_puts(" addr ");
            rt_hex(f->addr[i]);
        }
        rt_puts("]");
    }
}
#endif
