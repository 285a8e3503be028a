/* SPDX-License-Identifier: MIT */
/*
 * The GDB stub's view of an M-profile CPU (-gdb): a target description
 * with gdb's "org.gnu.gdb.arm.m-profile" feature (r0-r12, sp, lr, pc,
 * xpsr: the 'g' packet, numbers 0-16) and the system registers msp, psp,
 * primask, basepri, faultmask and control in "org.gnu.gdb.arm.m-system"
 * (numbers 17-22, read and written one at a time with p/P). A model with
 * the FP extension adds gdb's "org.gnu.gdb.arm.vfp" (d0-d15 and fpscr,
 * numbers 23-39), from which gdb makes s0-s31, as with QEMU.
 */
#include <stdio.h>
#include <string.h>

#include "arm.h"

enum {
    REG_SP = 13,
    REG_PC = 15,
    REG_XPSR,
    REG_MSP,
    REG_PSP,
    REG_PRIMASK,
    REG_BASEPRI,
    REG_FAULTMASK,
    REG_CONTROL,
    REG_D0,
    REG_FPSCR = REG_D0 + 16,
    ARM_GDB_NREGS
};

#define TARGET_XML_BODY \
    "<?xml version=\"1.0\"?>\n" \
    "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n" \
    "<target>\n" \
    "<architecture>arm</architecture>\n" \
    "<feature name=\"org.gnu.gdb.arm.m-profile\">\n" \
    "<reg name=\"r0\" bitsize=\"32\" regnum=\"0\"/>\n" \
    "<reg name=\"r1\" bitsize=\"32\"/>\n" \
    "<reg name=\"r2\" bitsize=\"32\"/>\n" \
    "<reg name=\"r3\" bitsize=\"32\"/>\n" \
    "<reg name=\"r4\" bitsize=\"32\"/>\n" \
    "<reg name=\"r5\" bitsize=\"32\"/>\n" \
    "<reg name=\"r6\" bitsize=\"32\"/>\n" \
    "<reg name=\"r7\" bitsize=\"32\"/>\n" \
    "<reg name=\"r8\" bitsize=\"32\"/>\n" \
    "<reg name=\"r9\" bitsize=\"32\"/>\n" \
    "<reg name=\"r10\" bitsize=\"32\"/>\n" \
    "<reg name=\"r11\" bitsize=\"32\"/>\n" \
    "<reg name=\"r12\" bitsize=\"32\"/>\n" \
    "<reg name=\"sp\" bitsize=\"32\" type=\"data_ptr\"/>\n" \
    "<reg name=\"lr\" bitsize=\"32\"/>\n" \
    "<reg name=\"pc\" bitsize=\"32\" type=\"code_ptr\"/>\n" \
    "<reg name=\"xpsr\" bitsize=\"32\" regnum=\"16\"/>\n" \
    "</feature>\n" \
    "<feature name=\"org.gnu.gdb.arm.m-system\">\n" \
    "<reg name=\"msp\" bitsize=\"32\" regnum=\"17\" type=\"data_ptr\" " \
    "group=\"system\"/>\n" \
    "<reg name=\"psp\" bitsize=\"32\" type=\"data_ptr\" group=\"system\"/>\n" \
    "<reg name=\"primask\" bitsize=\"32\" group=\"system\"/>\n" \
    "<reg name=\"basepri\" bitsize=\"32\" group=\"system\"/>\n" \
    "<reg name=\"faultmask\" bitsize=\"32\" group=\"system\"/>\n" \
    "<reg name=\"control\" bitsize=\"32\" group=\"system\"/>\n" \
    "</feature>\n"

static const char target_xml[] = TARGET_XML_BODY "</target>\n";

#define D(n) "<reg name=\"d" #n "\" bitsize=\"64\" type=\"ieee_double\"/>\n"
static const char target_xml_fp[] = TARGET_XML_BODY
    "<feature name=\"org.gnu.gdb.arm.vfp\">\n"
    "<reg name=\"d0\" bitsize=\"64\" type=\"ieee_double\" regnum=\"23\"/>\n"
    D(1) D(2) D(3) D(4) D(5) D(6) D(7) D(8) D(9) D(10) D(11) D(12) D(13)
    D(14) D(15)
    "<reg name=\"fpscr\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
    "</feature>\n"
    "</target>\n";
#undef D

const char *arm_gdb_xml(void *env, const char *annex)
{
    ArmEnv *e = env;
    if (strcmp(annex, "target.xml"))
        return NULL;
    return e->model->fpu ? target_xml_fp : target_xml;
}

static void put32(uint8_t *buf, uint32_t v)
{
    for (unsigned i = 0; i < 4; i++)
        buf[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *buf)
{
    return (uint32_t)buf[0] | (uint32_t)buf[1] << 8 |
           (uint32_t)buf[2] << 16 | (uint32_t)buf[3] << 24;
}

unsigned arm_gdb_read_reg(void *opaque, unsigned n, uint8_t *buf)
{
    ArmEnv *env = opaque;
    uint32_t v;
    if (n < REG_PC)
        v = env->r[n];
    else if (n == REG_PC)
        v = (uint32_t)tessera_cpu_get_pc(env->cpu);
    else if (n == REG_XPSR)
        v = arm_xpsr(env);
    else if (n == REG_MSP || n == REG_PSP)
        v = arm_get_sp(env, n == REG_PSP);
    else if (n == REG_PRIMASK)
        v = env->primask;
    else if (n == REG_BASEPRI)
        v = env->basepri;
    else if (n == REG_FAULTMASK)
        v = env->faultmask;
    else if (n == REG_CONTROL)
        v = env->control;
    else if (env->model->fpu && n >= REG_D0 && n < REG_FPSCR) {
        put32(buf, env->fpr[2 * (n - REG_D0)]);
        put32(buf + 4, env->fpr[2 * (n - REG_D0) + 1]);
        return 8;
    } else if (env->model->fpu && n == REG_FPSCR)
        v = env->fpscr;
    else
        return 0;
    put32(buf, v);
    return 4;
}

unsigned arm_gdb_write_reg(void *opaque, unsigned n, const uint8_t *buf,
                           unsigned len)
{
    ArmEnv *env = opaque;
    if (len < 4 || n >= ARM_GDB_NREGS || (n >= REG_D0 && !env->model->fpu))
        return 0;
    uint32_t v = get32(buf);
    if (n >= REG_D0 && n < REG_FPSCR) {
        if (len < 8)
            return 0;
        env->fpr[2 * (n - REG_D0)] = v;
        env->fpr[2 * (n - REG_D0) + 1] = get32(buf + 4);
        return 8;
    }
    switch (n) {
    case REG_PC:
        tessera_cpu_set_pc(env->cpu, v & ~1u);
        break;
    case REG_XPSR: /* the flags; IPSR and the IT bits are not gdb's */
        env->nf = v >> 31 & 1;
        env->zf = v >> 30 & 1;
        env->cf = v >> 29 & 1;
        env->vf = v >> 28 & 1;
        env->qf = v >> 27 & 1;
        break;
    case REG_MSP:
    case REG_PSP:
        arm_set_sp(env, n == REG_PSP, v & ~3u);
        break;
    case REG_PRIMASK:
        env->primask = v & 1;
        arm_check_irqs(env);
        break;
    case REG_BASEPRI:
        env->basepri = v & 0xff;
        arm_check_irqs(env);
        break;
    case REG_FAULTMASK:
        env->faultmask = v & 1;
        arm_check_irqs(env);
        break;
    case REG_CONTROL: /* read-only here: SPSEL would swap the stacks */
        break;
    case REG_FPSCR:
        env->fpscr = v & 0xf7c0009fu;
        break;
    default:
        env->r[n] = n == REG_SP ? v & ~3u : v;
        break;
    }
    return 4;
}
