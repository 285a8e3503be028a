/* SPDX-License-Identifier: MIT */
/*
 * RISC-V for the GDB stub: the target description and gdb's register
 * numbering. gdb's RISC-V target numbers x0-x31 as 0-31, pc as 32,
 * f0-f31 as 33-64 and CSR n as 65 + n (so fflags, frm and fcsr are 66,
 * 67 and 68, in the FPU feature) and the privilege level ("priv") as
 * 65 + 4096; the description gives these numbers explicitly.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "riscv.h"

#define GDB_PC 32
#define GDB_F0 33
#define GDB_CSR0 65
#define GDB_PRIV (GDB_CSR0 + 4096) /* the privilege level, as gdb's */

typedef struct GdbCsr {
    const char *name;
    unsigned num;
    char need; /* extension the CSR needs ('S'), or 0 */
    bool rv32; /* RV32 only */
} GdbCsr;

static const GdbCsr gdb_csrs[] = {
    {"sstatus", CSR_SSTATUS, 'S', false},
    {"sie", CSR_SIE, 'S', false},
    {"stvec", CSR_STVEC, 'S', false},
    {"scounteren", CSR_SCOUNTEREN, 'S', false},
    {"sscratch", CSR_SSCRATCH, 'S', false},
    {"sepc", CSR_SEPC, 'S', false},
    {"scause", CSR_SCAUSE, 'S', false},
    {"stval", CSR_STVAL, 'S', false},
    {"sip", CSR_SIP, 'S', false},
    {"satp", CSR_SATP, 'S', false},
    {"mvendorid", CSR_MVENDORID, 0, false},
    {"marchid", CSR_MARCHID, 0, false},
    {"mimpid", CSR_MIMPID, 0, false},
    {"mhartid", CSR_MHARTID, 0, false},
    {"mstatus", CSR_MSTATUS, 0, false},
    {"misa", CSR_MISA, 0, false},
    {"medeleg", CSR_MEDELEG, 'S', false},
    {"mideleg", CSR_MIDELEG, 'S', false},
    {"mie", CSR_MIE, 0, false},
    {"mtvec", CSR_MTVEC, 0, false},
    {"mcounteren", CSR_MCOUNTEREN, 0, false},
    {"mstatush", CSR_MSTATUSH, 0, true},
    {"mscratch", CSR_MSCRATCH, 0, false},
    {"mepc", CSR_MEPC, 0, false},
    {"mcause", CSR_MCAUSE, 0, false},
    {"mtval", CSR_MTVAL, 0, false},
    {"mip", CSR_MIP, 0, false},
    {"pmpcfg0", CSR_PMPCFG0, 0, false},
    {"pmpcfg1", CSR_PMPCFG0 + 1, 0, true},
    {"pmpcfg2", CSR_PMPCFG0 + 2, 0, false},
    {"pmpcfg3", CSR_PMPCFG0 + 3, 0, true},
    {"mcycle", CSR_MCYCLE, 0, false},
    {"minstret", CSR_MINSTRET, 0, false},
    {"mcycleh", CSR_MCYCLEH, 0, true},
    {"minstreth", CSR_MINSTRETH, 0, true},
    {"cycle", CSR_CYCLE, 0, false},
    {"time", CSR_TIME, 0, false},
    {"instret", CSR_INSTRET, 0, false},
    {"cycleh", CSR_CYCLEH, 0, true},
    {"timeh", CSR_TIMEH, 0, true},
    {"instreth", CSR_INSTRETH, 0, true},
    {"tselect", CSR_TSELECT, 0, false},
    {"tdata1", CSR_TDATA1, 0, false},
    {"tdata2", CSR_TDATA2, 0, false},
    {"tdata3", CSR_TDATA3, 0, false},
    {"tinfo", CSR_TINFO, 0, false},
};

static const char *const gdb_fpr_names[32] = {
    "ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7",
    "fs0", "fs1", "fa0", "fa1", "fa2", "fa3", "fa4", "fa5",
    "fa6", "fa7", "fs2", "fs3", "fs4", "fs5", "fs6", "fs7",
    "fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10", "ft11",
};

static bool csr_listed(const RiscvEnv *env, const GdbCsr *c)
{
    return (!c->need || riscv_has_ext(env, c->need)) &&
           (!c->rv32 || env->xlen == 32);
}

/* The FP register width in bytes: 8 with D, 4 with F only, 0 without. */
static unsigned flen(const RiscvEnv *env)
{
    return riscv_has_ext(env, 'D') ? 8 : riscv_has_ext(env, 'F') ? 4 : 0;
}

/* Appends printf text to a growing buffer (plain C: no glib here). */
typedef struct Buf {
    char *s;
    size_t len, cap;
} Buf;

static void __attribute__((format(printf, 2, 3)))
bprintf(Buf *b, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        b->cap = b->cap * 2 + 4096;
        char *s = realloc(b->s, b->cap);
        if (!s)
            abort();
        b->s = s;
    }
}

static char *build_xml(const RiscvEnv *env)
{
    unsigned x = env->xlen, f = flen(env) * 8;
    Buf b = {0};

    bprintf(&b, "<?xml version=\"1.0\"?>\n"
                "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
                "<target version=\"1.0\">\n"
                "<architecture>riscv:rv%u</architecture>\n"
                "<feature name=\"org.gnu.gdb.riscv.cpu\">\n", x);
    for (unsigned i = 0; i < 32; i++) {
        const char *type = i == 1 ? "code_ptr" : (i == 2 || i == 3 || i == 4 || i == 8) ? "data_ptr" : "int";
        bprintf(&b, "<reg name=\"%s\" bitsize=\"%u\" type=\"%s\" "
                    "regnum=\"%u\"/>\n", riscv_gpr_names[i], x, type, i);
    }
    bprintf(&b, "<reg name=\"pc\" bitsize=\"%u\" type=\"code_ptr\" "
                "regnum=\"%u\"/>\n</feature>\n", x, GDB_PC);
    if (f) {
        bprintf(&b, "<feature name=\"org.gnu.gdb.riscv.fpu\">\n");
        for (unsigned i = 0; i < 32; i++)
            bprintf(&b, "<reg name=\"%s\" bitsize=\"%u\" type=\"%s\" "
                        "regnum=\"%u\"/>\n", gdb_fpr_names[i], f,
                    f == 64 ? "ieee_double" : "ieee_single", GDB_F0 + i);
        bprintf(&b, "<reg name=\"fflags\" bitsize=\"32\" type=\"int\" "
                    "regnum=\"%u\"/>\n"
                    "<reg name=\"frm\" bitsize=\"32\" type=\"int\" "
                    "regnum=\"%u\"/>\n"
                    "<reg name=\"fcsr\" bitsize=\"32\" type=\"int\" "
                    "regnum=\"%u\"/>\n</feature>\n",
                GDB_CSR0 + CSR_FFLAGS, GDB_CSR0 + CSR_FRM,
                GDB_CSR0 + CSR_FCSR);
    }
    bprintf(&b, "<feature name=\"org.gnu.gdb.riscv.csr\">\n");
    for (size_t i = 0; i < sizeof(gdb_csrs) / sizeof(gdb_csrs[0]); i++)
        if (csr_listed(env, &gdb_csrs[i]))
            bprintf(&b, "<reg name=\"%s\" bitsize=\"%u\" type=\"int\" "
                        "regnum=\"%u\" group=\"system\"/>\n",
                    gdb_csrs[i].name, x, GDB_CSR0 + gdb_csrs[i].num);
    for (unsigned i = 0; i < 16; i++)
        bprintf(&b, "<reg name=\"pmpaddr%u\" bitsize=\"%u\" type=\"int\" "
                    "regnum=\"%u\" group=\"system\"/>\n",
                i, x, GDB_CSR0 + CSR_PMPADDR0 + i);
    bprintf(&b, "</feature>\n<feature name=\"org.gnu.gdb.riscv.virtual\">\n"
                "<reg name=\"priv\" bitsize=\"%u\" type=\"int\" "
                "regnum=\"%u\" group=\"system\"/>\n</feature>\n</target>\n",
            x, GDB_PRIV);
    return b.s;
}

const char *riscv_gdb_xml(void *opaque, const char *annex)
{
    RiscvEnv *env = opaque;

    if (strcmp(annex, "target.xml") != 0)
        return NULL;
    /* Built on the first request; riscv_cpu_finalize() frees it. */
    if (!env->gdb_xml)
        env->gdb_xml = build_xml(env);
    return env->gdb_xml;
}

static unsigned put(uint8_t *buf, uint64_t v, unsigned size)
{
    for (unsigned i = 0; i < size; i++)
        buf[i] = (uint8_t)(v >> (8 * i));
    return size;
}

static uint64_t get(const uint8_t *buf, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size && i < 8; i++)
        v |= (uint64_t)buf[i] << (8 * i);
    return v;
}

/* The CSR behind gdb register n, or -1. */
static int gdb_csr(const RiscvEnv *env, unsigned n)
{
    if (n < GDB_CSR0 || n >= GDB_CSR0 + 4096)
        return -1;
    unsigned csr = n - GDB_CSR0;
    if (csr == CSR_FFLAGS || csr == CSR_FRM || csr == CSR_FCSR)
        return flen(env) ? (int)csr : -1;
    if (csr >= CSR_PMPADDR0 && csr < CSR_PMPADDR0 + 16)
        return (int)csr;
    for (size_t i = 0; i < sizeof(gdb_csrs) / sizeof(gdb_csrs[0]); i++)
        if (gdb_csrs[i].num == csr && csr_listed(env, &gdb_csrs[i]))
            return (int)csr;
    return -1;
}

unsigned riscv_gdb_read_reg(void *opaque, unsigned n, uint8_t *buf)
{
    RiscvEnv *env = opaque;
    unsigned xb = env->xlen / 8, fb = flen(env);

    if (n < 32)
        return put(buf, env->x[n], xb);
    if (n == GDB_PC)
        return put(buf, tessera_cpu_get_pc(env->cpu), xb);
    if (n >= GDB_F0 && n < GDB_F0 + 32)
        return fb ? put(buf, env->f[n - GDB_F0], fb) : 0;
    if (n == GDB_PRIV)
        return put(buf, env->priv, xb);
    int csr = gdb_csr(env, n);
    uint64_t v;
    if (csr < 0 || !riscv_csr_debug(env, (unsigned)csr, &v, false))
        return 0;
    bool fcsr = csr == CSR_FFLAGS || csr == CSR_FRM || csr == CSR_FCSR;
    return put(buf, v, fcsr ? 4 : xb);
}

unsigned riscv_gdb_write_reg(void *opaque, unsigned n, const uint8_t *buf,
                             unsigned len)
{
    RiscvEnv *env = opaque;
    unsigned xb = env->xlen / 8, fb = flen(env);
    uint64_t v = get(buf, len);

    if (n < 32) {
        if (len < xb)
            return 0;
        if (n)
            env->x[n] = v & riscv_xlen_mask(env);
        return xb;
    }
    if (n == GDB_PC) {
        if (len < xb)
            return 0;
        tessera_cpu_set_pc(env->cpu, v & riscv_xlen_mask(env));
        return xb;
    }
    if (n >= GDB_F0 && n < GDB_F0 + 32) {
        if (!fb || len < fb)
            return 0;
        /* A single in a D-capable register is NaN-boxed. */
        env->f[n - GDB_F0] = fb == 4 ? v | 0xffffffff00000000ull : v;
        return fb;
    }
    if (n == GDB_PRIV) {
        /* Only the modes the hart has. */
        bool ok = v == RISCV_PRV_M ||
                  (v == RISCV_PRV_S && riscv_has_ext(env, 'S')) ||
                  (v == RISCV_PRV_U && riscv_has_ext(env, 'U'));
        if (len < xb || !ok)
            return 0;
        env->priv = (uint32_t)v;
        riscv_update_mode(env);
        return xb;
    }
    int csr = gdb_csr(env, n);
    bool fcsr = csr == CSR_FFLAGS || csr == CSR_FRM || csr == CSR_FCSR;
    if (csr < 0 || len < (fcsr ? 4u : xb) ||
        !riscv_csr_debug(env, (unsigned)csr, &v, true))
        return 0;
    return fcsr ? 4 : xb;
}
