/* SPDX-License-Identifier: MIT */
/*
 * execlog: one line per executed instruction:
 *
 *   0, 0x80000010, 0x00a50533, "add a0,a0,a0", a0=0x4
 *   0, 0x80000014, 0x00b53023, "sd a1,0(a0)", store 8 0x4=0x2a
 *
 * vCPU, address, raw instruction, disassembly, then its memory accesses
 * and the registers it changed (regs=off drops them). A line is written
 * when the next instruction of the vCPU starts (or at exit), since only
 * then are the instruction's effects known. Traps get a line of their
 * own ("trap exception 0 from 0x... to 0x...") after the instruction that
 * raised them; that instruction shows no register changes.
 * file=PATH writes there instead of the log.
 */
#include <tessera/tool.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_VCPUS 64
#define LINE_MAX_ 1024

typedef struct Insn {
    uint64_t pc;
    uint32_t raw;
    char disas[64];
} Insn;

typedef struct Vcpu {
    const Insn *cur; /* instruction whose line is pending */
    char mem[LINE_MAX_];
    size_t memlen;
    uint64_t *regs;  /* values before cur */
} Vcpu;

static Vcpu vcpus[MAX_VCPUS];
static bool show_regs = true;
static unsigned nregs;
static FILE *out;

static void emit(FILE *f, const char *fmt, ...) TESSERA_PRINTF(2, 3);

static void emit(FILE *f, const char *fmt, ...)
{
    char buf[LINE_MAX_ * 4];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (f)
        fputs(buf, f);
    else
        tessera_tool_printf("%s", buf);
}

/* Writes vcpu's pending line, then takes a new register snapshot. */
static void flush(unsigned vcpu)
{
    Vcpu *v = &vcpus[vcpu];
    char regs[LINE_MAX_];
    size_t rl = 0;
    regs[0] = 0;
    if (show_regs && v->regs) {
        /* pc is the last register: it always changes, leave it out. */
        uint64_t now[512];
        unsigned n = tessera_tool_reg_read_all(vcpu, now,
                                               nregs < 512 ? nregs : 512);
        for (unsigned i = 0; i + 1 < n; i++) {
            if (now[i] != v->regs[i] && v->cur && rl < sizeof(regs) - 64)
                rl += (size_t)snprintf(regs + rl, sizeof(regs) - rl,
                                       ", %s=0x%llx",
                                       tessera_tool_reg_name(i),
                                       (unsigned long long)now[i]);
            v->regs[i] = now[i];
        }
    }
    if (v->cur)
        emit(out, "%u, 0x%llx, 0x%08x, \"%s\"%.*s%s\n", vcpu,
             (unsigned long long)v->cur->pc, v->cur->raw, v->cur->disas,
             (int)v->memlen, v->mem, regs);
    v->cur = NULL;
    v->memlen = 0;
}

static void on_insn(unsigned vcpu, void *u)
{
    if (vcpu >= MAX_VCPUS)
        return;
    flush(vcpu);
    vcpus[vcpu].cur = u;
}

static void on_mem(unsigned vcpu, const TesseraToolMem *m, void *u)
{
    (void)u;
    if (vcpu >= MAX_VCPUS)
        return;
    Vcpu *v = &vcpus[vcpu];
    if (v->memlen < sizeof(v->mem) - 80)
        v->memlen += (size_t)snprintf(v->mem + v->memlen,
                                      sizeof(v->mem) - v->memlen,
                                      ", %s %u 0x%llx=0x%llx",
                                      m->store ? "store" : "load", m->size,
                                      (unsigned long long)m->vaddr,
                                      (unsigned long long)m->value);
}

static void on_block(const TesseraToolBlock *blk, void *u)
{
    (void)u;
    for (unsigned i = 0; i < tessera_tool_block_ninsns(blk); i++) {
        const TesseraToolInsn *in = tessera_tool_block_insn(blk, i);
        /* Lives as long as the block may run. */
        Insn *x = tessera_tool_alloc(sizeof(*x));
        x->pc = in->vaddr;
        for (unsigned k = 0; k < in->size && k < 4; k++)
            x->raw |= (uint32_t)in->bytes[k] << (8 * k);
        snprintf(x->disas, sizeof(x->disas), "%s", in->disas);
        tessera_tool_insn_exec_cb(blk, i, on_insn, x);
        tessera_tool_insn_mem_cb(blk, i, on_mem, NULL);
    }
}

static void on_trap(unsigned vcpu, const TesseraToolTrap *t, void *u)
{
    static const char *const kinds[] = {"?", "fault", "exception",
                                        "interrupt"};
    (void)u;
    if (vcpu >= MAX_VCPUS)
        return;
    flush(vcpu);
    emit(out, "%u, trap %s %llu from 0x%llx to 0x%llx\n", vcpu,
         kinds[t->kind <= 3 ? t->kind : 0], (unsigned long long)t->cause,
         (unsigned long long)t->from_pc, (unsigned long long)t->to_pc);
}

static void on_vcpu_init(unsigned vcpu, void *u)
{
    (void)u;
    if (vcpu >= MAX_VCPUS)
        return;
    nregs = tessera_tool_reg_count();
    if (nregs > 512)
        nregs = 512;
    vcpus[vcpu].regs = calloc(nregs ? nregs : 1, sizeof(uint64_t));
    if (!vcpus[vcpu].regs)
        abort();
    tessera_tool_reg_read_all(vcpu, vcpus[vcpu].regs, nregs);
}

static void on_vcpu_exit(unsigned vcpu, void *u)
{
    (void)u;
    if (vcpu >= MAX_VCPUS)
        return;
    flush(vcpu);
    free(vcpus[vcpu].regs);
    vcpus[vcpu].regs = NULL;
}

static void on_exit_(void *u)
{
    (void)u;
    if (out)
        fclose(out);
    out = NULL;
}

static int install(TesseraTool *tool, unsigned nargs, const char *const *k,
                   const char *const *v)
{
    for (unsigned i = 0; i < nargs; i++) {
        if (!strcmp(k[i], "regs")) {
            if (!tessera_tool_parse_bool(k[i], v[i], &show_regs))
                return -1;
        } else if (!strcmp(k[i], "file")) {
            out = fopen(v[i], "w");
            if (!out) {
                tessera_error("execlog: cannot open %s", v[i]);
                return -1;
            }
        }
    }
    tessera_tool_on_vcpu_init(tool, on_vcpu_init, NULL);
    tessera_tool_on_vcpu_exit(tool, on_vcpu_exit, NULL);
    tessera_tool_on_block_translate(tool, on_block, NULL);
    tessera_tool_on_trap(tool, on_trap, NULL);
    tessera_tool_on_exit(tool, on_exit_, NULL);
    return 0;
}

static const TesseraToolOption options[] = {
    {"regs", "on|off", "show the registers each instruction changed (on)"},
    {"file", "PATH", "write the log to PATH instead of the -D log/stderr"},
    {NULL, NULL, NULL},
};

static const TesseraToolClass execlog_tool = {
    .name = "execlog",
    .description = "one line per executed instruction, with memory accesses "
                   "and changed registers",
    .options = options,
    .install = install,
};

static int init(void)
{
    return tessera_register_tool(&execlog_tool);
}

TESSERA_PLUGIN(TESSERA_PLUGIN_TOOL, "execlog", "0.1.0", init);
