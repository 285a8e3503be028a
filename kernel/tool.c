/* SPDX-License-Identifier: MIT */
/*
 * Instrumentation tools: the -plugin option, tool instances, and the IR
 * inserted into blocks at translation time. Nothing here runs unless a
 * tool is loaded: the translator tests tool_active once per block.
 */
#include "kernel/tool.h"

#include "kernel/bus.h"
#include "kernel/cpu-internal.h"
#include "kernel/log.h"
#include "kernel/machine.h"
#include "kernel/plugin.h"
#include "kernel/util.h"

#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool tool_active;
bool tool_trap_active;

typedef struct Hook {
    void (*fn)(void);
    void *udata;
} Hook;

struct TesseraTool {
    const TesseraToolClass *cls;
    char *spec;
    char **args; /* the split spec: keys and values stay valid until exit */
    GArray *vcpu_init, *vcpu_exit, *block, *trap, *at_exit; /* Hook */
};

#define TOOL_MAX_VCPUS 64

struct TesseraToolCounter {
    uint64_t v[TOOL_MAX_VCPUS];
};

static GPtrArray *classes; /* const TesseraToolClass * */
static GPtrArray *specs;   /* char *, from -plugin */
static GPtrArray *tools;   /* TesseraTool * */
static GPtrArray *counters;
static GPtrArray *sites; /* every MemSite / ExecSite, freed at exit */
static bool help_requested;

/* ---------------------------------------------------------------------- */
/* Registry and arguments                                                  */

int tessera_register_tool(const TesseraToolClass *cls)
{
    if (!cls || !cls->name || !*cls->name || !cls->install) {
        tessera_error("tool registered without a name or install()");
        return -1;
    }
    if (!classes)
        classes = g_ptr_array_new();
    for (guint i = 0; i < classes->len; i++) {
        const TesseraToolClass *c = classes->pdata[i];
        if (!strcmp(c->name, cls->name)) {
            if (c == cls)
                return 0;
            tessera_error("tool '%s' registered twice", cls->name);
            return -1;
        }
    }
    g_ptr_array_add(classes, (gpointer)cls);
    return 0;
}

unsigned tessera_tool_api_version(void)
{
    return TESSERA_TOOL_API_VERSION;
}

static const TesseraToolClass *find_class(const char *name)
{
    for (guint i = 0; classes && i < classes->len; i++) {
        const TesseraToolClass *c = classes->pdata[i];
        if (!strcmp(c->name, name))
            return c;
    }
    return NULL;
}

int tool_add_spec(const char *spec)
{
    if (!spec || !*spec) {
        tessera_error("-plugin: expected NAME[,key=value...] or help");
        return -1;
    }
    if (!strcmp(spec, "help")) {
        help_requested = true;
        return 0;
    }
    if (!specs)
        specs = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(specs, g_strdup(spec));
    return 0;
}

bool tool_help_requested(void)
{
    return help_requested;
}

static gint cmp_class(gconstpointer a, gconstpointer b)
{
    const TesseraToolClass *x = *(const TesseraToolClass *const *)a;
    const TesseraToolClass *y = *(const TesseraToolClass *const *)b;
    return strcmp(x->name, y->name);
}

void tool_print_help(void)
{
    plugin_load_all();
    if (!classes || !classes->len) {
        printf("No instrumentation tools found.\n");
        return;
    }
    g_ptr_array_sort(classes, cmp_class);
    printf("Instrumentation tools (-plugin NAME[,key=value...]):\n");
    for (guint i = 0; i < classes->len; i++) {
        const TesseraToolClass *c = classes->pdata[i];
        printf("  %-12s %s\n", c->name, c->description ? c->description : "");
        for (const TesseraToolOption *o = c->options; o && o->name; o++) {
            char lhs[64];
            snprintf(lhs, sizeof(lhs), "%s=%s", o->name,
                     o->value ? o->value : "VALUE");
            printf("      %-24s %s\n", lhs, o->help ? o->help : "");
        }
    }
}

static bool option_known(const TesseraToolClass *c, const char *key)
{
    for (const TesseraToolOption *o = c->options; o && o->name; o++)
        if (!strcmp(o->name, key))
            return true;
    return false;
}

static int install_one(const char *spec)
{
    char **parts = g_strsplit(spec, ",", -1);
    const char *name = parts[0];
    const TesseraToolClass *c = find_class(name);
    if (!c) {
        /* Tools live in their own files: load everything once. */
        plugin_load_all();
        c = find_class(name);
    }
    if (!c) {
        tessera_error("-plugin %s: no tool named '%s' (-plugin help lists "
                      "them)", spec, name);
        g_strfreev(parts);
        return -1;
    }
    for (guint i = 0; tools && i < tools->len; i++) {
        if (((TesseraTool *)tools->pdata[i])->cls == c) {
            tessera_error("-plugin %s: tool '%s' is already loaded (give "
                          "all its options in one -plugin)", spec, name);
            g_strfreev(parts);
            return -1;
        }
    }
    unsigned n = g_strv_length(parts) - 1;
    const char **keys = g_new0(const char *, n + 1);
    const char **vals = g_new0(const char *, n + 1);
    int r = 0;
    for (unsigned i = 0; i < n; i++) {
        char *kv = parts[i + 1];
        char *eq = strchr(kv, '=');
        if (!eq || eq == kv) {
            tessera_error("-plugin %s: '%s' is not key=value", spec, kv);
            r = -1;
            break;
        }
        *eq = 0;
        if (!option_known(c, kv)) {
            GString *s = g_string_new(NULL);
            for (const TesseraToolOption *o = c->options; o && o->name; o++)
                g_string_append_printf(s, "%s%s", s->len ? ", " : "",
                                       o->name);
            tessera_error("-plugin %s: tool '%s' has no option '%s' "
                          "(options: %s)", spec, name, kv,
                          s->len ? s->str : "none");
            g_string_free(s, TRUE);
            r = -1;
            break;
        }
        keys[i] = kv;
        vals[i] = eq + 1;
    }
    if (r == 0) {
        TesseraTool *t = g_new0(TesseraTool, 1);
        t->cls = c;
        t->spec = g_strdup(spec);
        t->args = parts;
        parts = NULL;
        t->vcpu_init = g_array_new(FALSE, FALSE, sizeof(Hook));
        t->vcpu_exit = g_array_new(FALSE, FALSE, sizeof(Hook));
        t->block = g_array_new(FALSE, FALSE, sizeof(Hook));
        t->trap = g_array_new(FALSE, FALSE, sizeof(Hook));
        t->at_exit = g_array_new(FALSE, FALSE, sizeof(Hook));
        if (!tools)
            tools = g_ptr_array_new();
        g_ptr_array_add(tools, t);
        if (c->install(t, n, keys, vals) < 0) {
            tessera_error("-plugin %s: tool '%s' could not be set up", spec,
                          name);
            r = -1;
        }
    }
    g_free(keys);
    g_free(vals);
    g_strfreev(parts);
    return r;
}

int tool_load_all(void)
{
    if (specs && specs->len && machine.ncpus > TOOL_MAX_VCPUS) {
        tessera_error("-plugin: tools support at most %u vCPUs (the machine "
                      "has %u)", TOOL_MAX_VCPUS, machine.ncpus);
        return -1;
    }
    for (guint i = 0; specs && i < specs->len; i++)
        if (install_one(specs->pdata[i]) < 0)
            return -1;
    tool_active = tools && tools->len > 0;
    return 0;
}

bool tessera_tool_parse_bool(const char *key, const char *value, bool *out)
{
    static const char *const yes[] = {"on", "yes", "true", "1"};
    static const char *const no[] = {"off", "no", "false", "0"};
    for (size_t i = 0; i < G_N_ELEMENTS(yes); i++) {
        if (!strcmp(value, yes[i])) {
            *out = true;
            return true;
        }
        if (!strcmp(value, no[i])) {
            *out = false;
            return true;
        }
    }
    tessera_error("%s=%s: expected on or off", key, value);
    return false;
}

bool tessera_tool_parse_u64(const char *key, const char *value,
                            bool allow_symbol, uint64_t *out)
{
    char *end;
    if (*value && g_ascii_isdigit(*value)) {
        errno = 0;
        uint64_t v = g_ascii_strtoull(value, &end, 0);
        if (!*end && errno == 0) {
            *out = v;
            return true;
        }
    } else if (allow_symbol && *value && tessera_symbol_lookup(value, out)) {
        return true;
    }
    tessera_error("%s=%s: expected a number%s", key, value,
                  allow_symbol ? " or a guest symbol" : "");
    return false;
}

/* ---------------------------------------------------------------------- */
/* Event registration and dispatch                                         */

static void add_hook(GArray *a, void (*fn)(void), void *udata)
{
    Hook h = {fn, udata};
    g_array_append_val(a, h);
}

void tessera_tool_on_vcpu_init(TesseraTool *tool,
                               void (*cb)(unsigned, void *), void *udata)
{
    add_hook(tool->vcpu_init, (void (*)(void))cb, udata);
}

void tessera_tool_on_vcpu_exit(TesseraTool *tool,
                               void (*cb)(unsigned, void *), void *udata)
{
    add_hook(tool->vcpu_exit, (void (*)(void))cb, udata);
}

void tessera_tool_on_block_translate(
    TesseraTool *tool, void (*cb)(const TesseraToolBlock *, void *),
    void *udata)
{
    add_hook(tool->block, (void (*)(void))cb, udata);
}

void tessera_tool_on_trap(TesseraTool *tool,
                          void (*cb)(unsigned, const TesseraToolTrap *,
                                     void *),
                          void *udata)
{
    add_hook(tool->trap, (void (*)(void))cb, udata);
    tool_trap_active = true;
}

void tessera_tool_on_exit(TesseraTool *tool, void (*cb)(void *), void *udata)
{
    add_hook(tool->at_exit, (void (*)(void))cb, udata);
}

typedef void (*VcpuFn)(unsigned, void *);

static void each_vcpu_hook(size_t member_off)
{
    for (guint i = 0; tools && i < tools->len; i++) {
        TesseraTool *t = tools->pdata[i];
        GArray *a = *(GArray **)((char *)t + member_off);
        for (guint k = 0; k < a->len; k++) {
            Hook *h = &g_array_index(a, Hook, k);
            for (unsigned c = 0; c < machine.ncpus; c++)
                ((VcpuFn)h->fn)(c, h->udata);
        }
    }
}

void tool_machine_started(void)
{
    each_vcpu_hook(offsetof(TesseraTool, vcpu_init));
}

static int fail_status;

void tessera_tool_fail(int status)
{
    if (!fail_status)
        fail_status = status ? status : 1;
    tessera_request_exit(fail_status);
}

int tool_finish(void)
{
    if (!tools)
        return 0;
    each_vcpu_hook(offsetof(TesseraTool, vcpu_exit));
    for (guint i = 0; i < tools->len; i++) {
        TesseraTool *t = tools->pdata[i];
        for (guint k = 0; k < t->at_exit->len; k++) {
            Hook *h = &g_array_index(t->at_exit, Hook, k);
            ((void (*)(void *))h->fn)(h->udata);
        }
    }
    fflush(log_stream());
    for (guint i = 0; i < tools->len; i++) {
        TesseraTool *t = tools->pdata[i];
        g_array_free(t->vcpu_init, TRUE);
        g_array_free(t->vcpu_exit, TRUE);
        g_array_free(t->block, TRUE);
        g_array_free(t->trap, TRUE);
        g_array_free(t->at_exit, TRUE);
        g_free(t->spec);
        g_strfreev(t->args);
        g_free(t);
    }
    g_ptr_array_free(tools, TRUE);
    tools = NULL;
    if (counters) {
        g_ptr_array_free(counters, TRUE);
        counters = NULL;
    }
    if (sites) {
        g_ptr_array_free(sites, TRUE);
        sites = NULL;
    }
    if (specs) {
        g_ptr_array_free(specs, TRUE);
        specs = NULL;
    }
    tool_active = false;
    tool_trap_active = false;
    int st = fail_status;
    fail_status = 0;
    return st;
}

void tool_trap(Cpu *cpu, TesseraToolTrapKind kind, uint64_t cause,
               uint64_t from, uint64_t to)
{
    TesseraToolTrap t = {kind, cause, from, to};
    for (guint i = 0; tools && i < tools->len; i++) {
        TesseraTool *tl = tools->pdata[i];
        for (guint k = 0; k < tl->trap->len; k++) {
            Hook *h = &g_array_index(tl->trap, Hook, k);
            ((void (*)(unsigned, const TesseraToolTrap *, void *))h->fn)(
                cpu->index, &t, h->udata);
        }
    }
}

/* ---------------------------------------------------------------------- */
/* Counters, registers, memory                                             */

TesseraToolCounter *tessera_tool_counter_new(void)
{
    if (!counters)
        counters = g_ptr_array_new_with_free_func(g_free);
    TesseraToolCounter *c = g_new0(TesseraToolCounter, 1);
    g_ptr_array_add(counters, c);
    return c;
}

uint64_t tessera_tool_counter_get(const TesseraToolCounter *c, unsigned vcpu)
{
    return vcpu < TOOL_MAX_VCPUS ? c->v[vcpu] : 0;
}

uint64_t tessera_tool_counter_sum(const TesseraToolCounter *c)
{
    uint64_t s = 0;
    for (unsigned i = 0; i < TOOL_MAX_VCPUS; i++)
        s += c->v[i];
    return s;
}

void tessera_tool_counter_set(TesseraToolCounter *c, unsigned vcpu,
                              uint64_t v)
{
    if (vcpu < TOOL_MAX_VCPUS)
        c->v[vcpu] = v;
}

unsigned tessera_tool_vcpu_count(void)
{
    return machine.ncpus;
}

static Cpu *vcpu(unsigned i)
{
    return i < machine.ncpus ? machine.cpus[i] : NULL;
}

static const TesseraArchClass *any_arch(void)
{
    return machine.ncpus ? cpu_arch(machine.cpus[0]) : NULL;
}

/* Counted once: callbacks read registers on every instruction. */
static unsigned arch_nregs(void)
{
    static const TesseraArchClass *counted;
    static unsigned n;
    const TesseraArchClass *a = any_arch();
    if (a != counted) {
        counted = a;
        n = 0;
        while (a && a->regs && a->regs[n].name)
            n++;
    }
    return n;
}

/* The arch's registers, then "pc" (kept by the core). */
unsigned tessera_tool_reg_count(void)
{
    return any_arch() ? arch_nregs() + 1 : 0;
}

const char *tessera_tool_reg_name(unsigned i)
{
    unsigned n = arch_nregs();
    if (i < n)
        return any_arch()->regs[i].name;
    return i == n && any_arch() ? "pc" : NULL;
}

int tessera_tool_reg_find(const char *name)
{
    unsigned n = tessera_tool_reg_count();
    for (unsigned i = 0; i < n; i++)
        if (!strcmp(tessera_tool_reg_name(i), name))
            return (int)i;
    return -1;
}

uint64_t tessera_tool_reg_read(unsigned v, unsigned i)
{
    Cpu *cpu = vcpu(v);
    unsigned n = arch_nregs();
    if (!cpu)
        return 0;
    if (i == n)
        return tessera_cpu_get_pc(cpu);
    if (i > n)
        return 0;
    const TesseraRegInfo *r = &cpu->arch->regs[i];
    uint64_t x = 0;
    /* Little-endian env: the low bytes of a wider register. */
    memcpy(&x, cpu->env + r->offset, MIN(r->size, 8u));
    return x;
}

unsigned tessera_tool_reg_size(unsigned i)
{
    unsigned n = arch_nregs();
    const TesseraArchClass *a = any_arch();
    if (i == n)
        return 8; /* pc */
    return i < n && a ? a->regs[i].size : 0;
}

unsigned tessera_tool_reg_read_bytes(unsigned v, unsigned i, void *buf,
                                     size_t len)
{
    Cpu *cpu = vcpu(v);
    unsigned size = tessera_tool_reg_size(i);
    if (!cpu || size == 0 || len < size)
        return 0;
    if (i == arch_nregs()) {
        uint64_t pc = tessera_cpu_get_pc(cpu);
        memcpy(buf, &pc, 8);
    } else {
        memcpy(buf, cpu->env + cpu->arch->regs[i].offset, size);
    }
    return size;
}

unsigned tessera_tool_reg_read_all(unsigned v, uint64_t *vals, unsigned n)
{
    Cpu *cpu = vcpu(v);
    unsigned nr = arch_nregs();
    if (!cpu)
        return 0;
    unsigned i;
    for (i = 0; i < n && i < nr; i++) {
        const TesseraRegInfo *r = &cpu->arch->regs[i];
        const unsigned char *p = cpu->env + r->offset;
        if (r->size == 8) {
            memcpy(&vals[i], p, 8);
        } else {
            vals[i] = tessera_tool_reg_read(v, i);
        }
    }
    if (i < n && i == nr)
        vals[i++] = tessera_cpu_get_pc(cpu);
    return i;
}

bool tessera_tool_reg_read_name(unsigned v, const char *name, uint64_t *val)
{
    int i = tessera_tool_reg_find(name);
    if (i < 0 || !vcpu(v))
        return false;
    *val = tessera_tool_reg_read(v, (unsigned)i);
    return true;
}

uint64_t tessera_tool_pc(unsigned v)
{
    Cpu *cpu = vcpu(v);
    return cpu ? tessera_cpu_get_pc(cpu) : 0;
}

uint64_t tessera_tool_insns(unsigned v)
{
    Cpu *cpu = vcpu(v);
    return cpu ? tessera_cpu_insns(cpu) : 0;
}

/* Virtual to physical through MMU context mmu, without faulting. */
static bool virt_to_phys(Cpu *cpu, uint64_t va, unsigned mmu, uint64_t *pa)
{
    if (!cpu->arch->translate_addr) {
        *pa = va;
        return true;
    }
    unsigned prot;
    return cpu->arch->translate_addr(cpu->env, va, TESSERA_ACCESS_READ, mmu,
                                     pa, &prot) == TESSERA_FAULT_NONE;
}

bool tessera_tool_read_vmem(unsigned v, uint64_t vaddr, void *buf,
                            size_t len)
{
    Cpu *cpu = vcpu(v);
    uint8_t *out = buf;
    if (!cpu)
        return false;
    while (len) {
        uint64_t psize = 1ull << cpu->page_bits;
        size_t chunk = MIN(len, psize - (vaddr & (psize - 1)));
        uint64_t pa;
        if (!virt_to_phys(cpu, vaddr, cpu->code_mmu, &pa) ||
            !tessera_tool_read_pmem(pa, out, chunk))
            return false;
        vaddr += chunk;
        out += chunk;
        len -= chunk;
    }
    return true;
}

/* RAM and ROM only: reading a device register could change it. */
bool tessera_tool_read_pmem(uint64_t paddr, void *buf, size_t len)
{
    uint8_t *out = buf;
    while (len) {
        Region *r = bus_lookup(paddr);
        if (!r || !r->host)
            return false;
        uint64_t off = paddr - r->base;
        size_t chunk = (size_t)MIN((uint64_t)len, r->size - off);
        memcpy(out, r->host + off, chunk);
        out += chunk;
        paddr += chunk;
        len -= chunk;
    }
    return true;
}

bool tessera_tool_region(uint64_t paddr, const char **name, uint64_t *base)
{
    Region *r = bus_lookup(paddr);
    if (!r)
        return false;
    if (name)
        *name = r->name;
    if (base)
        *base = r->base;
    return true;
}

unsigned tessera_tool_disas(uint64_t pc, const uint8_t *bytes, size_t len,
                            char *out, size_t outlen)
{
    const TesseraArchClass *a = any_arch();
    if (!a || !a->disas) {
        if (outlen)
            out[0] = 0;
        return 0;
    }
    return a->disas(pc, bytes, len, 0, out, outlen);
}

void tessera_tool_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(log_stream(), fmt, ap);
    va_end(ap);
}

/* ---------------------------------------------------------------------- */
/* Instrumentation                                                         */

enum { REQ_EXEC, REQ_INLINE, REQ_MEM };

typedef struct Req {
    int insn; /* -1: the block */
    int kind;
    void (*fn)(void);
    void *udata;
    TesseraToolCounter *counter;
    uint64_t n;
} Req;

struct TesseraToolBlock {
    uint64_t vaddr, paddr;
    unsigned ninsns;
    TesseraToolInsn *insns;
    GArray *reqs;
};

/* What a memory helper needs, allocated per instrumented access site and
 * kept for the life of the process (blocks never free their sites). */
typedef struct MemSite {
    TesseraToolMemCb fn;
    void *udata;
    unsigned size;
    unsigned mmu;
    bool store;
} MemSite;

typedef struct ExecSite {
    TesseraToolExecCb fn;
    void *udata;
} ExecSite;

static void *site_alloc(size_t size)
{
    if (!sites)
        sites = g_ptr_array_new_with_free_func(g_free);
    void *p = g_malloc0(size);
    g_ptr_array_add(sites, p);
    return p;
}

void *tessera_tool_alloc(size_t size)
{
    return site_alloc(size ? size : 1);
}

uint64_t tessera_tool_block_vaddr(const TesseraToolBlock *blk)
{
    return blk->vaddr;
}

uint64_t tessera_tool_block_paddr(const TesseraToolBlock *blk)
{
    return blk->paddr;
}

unsigned tessera_tool_block_ninsns(const TesseraToolBlock *blk)
{
    return blk->ninsns;
}

const TesseraToolInsn *tessera_tool_block_insn(const TesseraToolBlock *blk,
                                               unsigned i)
{
    return i < blk->ninsns ? &blk->insns[i] : NULL;
}

static void add_req(const TesseraToolBlock *blk, int insn, int kind,
                    void (*fn)(void), void *udata, TesseraToolCounter *c,
                    uint64_t n)
{
    if (insn >= (int)blk->ninsns) {
        tessera_warn("tool: instruction %d of a %u-instruction block", insn,
                     blk->ninsns);
        return;
    }
    Req r = {insn, kind, fn, udata, c, n};
    g_array_append_val(blk->reqs, r);
}

void tessera_tool_block_exec_cb(const TesseraToolBlock *blk,
                                TesseraToolExecCb cb, void *udata)
{
    add_req(blk, -1, REQ_EXEC, (void (*)(void))cb, udata, NULL, 0);
}

void tessera_tool_block_inline_add(const TesseraToolBlock *blk,
                                   TesseraToolCounter *c, uint64_t n)
{
    add_req(blk, -1, REQ_INLINE, NULL, NULL, c, n);
}

void tessera_tool_insn_exec_cb(const TesseraToolBlock *blk, unsigned i,
                               TesseraToolExecCb cb, void *udata)
{
    add_req(blk, (int)i, REQ_EXEC, (void (*)(void))cb, udata, NULL, 0);
}

void tessera_tool_insn_inline_add(const TesseraToolBlock *blk, unsigned i,
                                  TesseraToolCounter *c, uint64_t n)
{
    add_req(blk, (int)i, REQ_INLINE, NULL, NULL, c, n);
}

void tessera_tool_insn_mem_cb(const TesseraToolBlock *blk, unsigned i,
                              TesseraToolMemCb cb, void *udata)
{
    add_req(blk, (int)i, REQ_MEM, (void (*)(void))cb, udata, NULL, 0);
}

static inline Cpu *cpu_of_env(void *env)
{
    return (Cpu *)((char *)env - offsetof(struct TesseraCpu, env));
}

static uint64_t helper_exec(void *env, uint64_t site, uint64_t a1,
                            uint64_t a2, uint64_t a3)
{
    (void)a1, (void)a2, (void)a3;
    const ExecSite *s = (const ExecSite *)(uintptr_t)site;
    s->fn(cpu_of_env(env)->index, s->udata);
    return 0;
}

/* Physical address of an access that just succeeded: its TLB entry is
 * filled unless it went through a slow path that bypasses the TLB. */
static uint64_t mem_phys(Cpu *cpu, uint64_t va, unsigned mmu)
{
    unsigned idx = mmu * CPU_TLB_SIZE +
                   ((unsigned)(va >> cpu->page_bits) & (CPU_TLB_SIZE - 1));
    const TlbEntry *e = &cpu->tlb[idx];
    uint64_t page = va & cpu->page_mask;
    if ((e->tag_r & ~(uint64_t)TLB_FLAGS) == page ||
        (e->tag_w & ~(uint64_t)TLB_FLAGS) == page)
        return va + cpu->tlb_cold[idx].phys_addend;
    uint64_t pa;
    return virt_to_phys(cpu, va, mmu, &pa) ? pa : UINT64_MAX;
}

static uint64_t helper_mem(void *env, uint64_t vaddr, uint64_t value,
                           uint64_t site, uint64_t a3)
{
    (void)a3;
    const MemSite *s = (const MemSite *)(uintptr_t)site;
    Cpu *cpu = cpu_of_env(env);
    TesseraToolMem m;
    m.vaddr = vaddr;
    m.paddr = mem_phys(cpu, vaddr, s->mmu);
    m.size = s->size;
    m.store = s->store;
    m.value = s->store && s->size < 8
                  ? value & ((1ull << (8 * s->size)) - 1)
                  : value;
    m.pc = tessera_cpu_get_pc(cpu);
    s->fn(cpu->index, &m, s->udata);
    return 0;
}

typedef struct Out {
    IROp *ops;
    unsigned n, cap;
} Out;

static IROp *out_op(Out *o, IROpc opc, uint32_t insn)
{
    if (o->n == o->cap) {
        o->cap = o->cap ? o->cap * 2 : 512;
        o->ops = g_renew(IROp, o->ops, o->cap);
    }
    IROp *op = &o->ops[o->n++];
    memset(op, 0, sizeof(*op));
    op->opc = (uint8_t)opc;
    op->insn = insn;
    return op;
}

static void out_call(Out *o, uint32_t insn, TesseraHelper fn, unsigned nargs,
                     const TesseraVal *args)
{
    IROp *op = out_op(o, IR_CALL, insn);
    op->imm = (uint64_t)(uintptr_t)fn;
    op->aux = (uint8_t)nargs;
    for (unsigned k = 0; k < nargs; k++)
        op->v[1 + k] = args[k];
}

/* The requests for one instruction (or -1, the block), in order: inline
 * counters first so callbacks see them updated. */
static void emit_exec(Out *o, TesseraIR *b, GArray *reqs, int which,
                      uint32_t insn)
{
    for (guint i = 0; i < reqs->len; i++) {
        Req *r = &g_array_index(reqs, Req, i);
        if (r->insn != which || r->kind != REQ_INLINE)
            continue;
        uint64_t n = r->n;
        while (n) {
            uint64_t step = MIN(n, (uint64_t)INT16_MAX);
            IROp *op = out_op(o, IR_COUNTER, insn);
            op->imm = (uint64_t)(uintptr_t)r->counter->v;
            op->aux2 = (uint16_t)step;
            n -= step;
        }
    }
    for (guint i = 0; i < reqs->len; i++) {
        Req *r = &g_array_index(reqs, Req, i);
        if (r->insn != which || r->kind != REQ_EXEC)
            continue;
        ExecSite *s = site_alloc(sizeof(*s));
        s->fn = (TesseraToolExecCb)r->fn;
        s->udata = r->udata;
        TesseraVal a = ir_const(b, (uint64_t)(uintptr_t)s);
        out_call(o, insn, helper_exec, 1, &a);
    }
}

static bool has_mem(GArray *reqs, int which)
{
    for (guint i = 0; i < reqs->len; i++) {
        Req *r = &g_array_index(reqs, Req, i);
        if (r->insn == which && r->kind == REQ_MEM)
            return true;
    }
    return false;
}

static void rewrite(TesseraIR *b, GArray *reqs)
{
    Out o = {0};
    bool open = true; /* reachable: no exit since the last label */
    int cur = -1;
    for (unsigned i = 0; i < b->nops; i++) {
        IROp op = b->ops[i];
        switch (op.opc) {
        case IR_LABEL:
            open = true;
            break;
        case IR_GOTO:
        case IR_GOTO_DYN:
        case IR_EXIT_LOOP:
            *out_op(&o, IR_NOP, 0) = op;
            open = false;
            continue;
        default:
            break;
        }
        if (op.opc == IR_INSN_START) {
            cur++;
            *out_op(&o, IR_NOP, 0) = op;
            if (!open)
                continue;
            if (cur == 0)
                emit_exec(&o, b, reqs, -1, op.insn);
            emit_exec(&o, b, reqs, cur, op.insn);
            continue;
        }
        if ((op.opc == IR_LOAD || op.opc == IR_STORE) && cur >= 0 &&
            has_mem(reqs, cur)) {
            /* The address before the access: a load may overwrite its
             * base register. */
            TesseraVal addr = ir_make_val(IR_VK_TEMP, b->ntemps++);
            IROp *add = out_op(&o, IR_BINOP, op.insn);
            add->sub = TESSERA_ADD;
            add->width = TESSERA_I64;
            add->v[0] = addr;
            add->v[1] = op.v[1];
            add->v[2] = ir_const(b, (uint64_t)(int64_t)op.imm);
            *out_op(&o, IR_NOP, 0) = op;
            for (guint k = 0; k < reqs->len; k++) {
                Req *r = &g_array_index(reqs, Req, k);
                if (r->insn != cur || r->kind != REQ_MEM)
                    continue;
                MemSite *s = site_alloc(sizeof(*s));
                s->fn = (TesseraToolMemCb)r->fn;
                s->udata = r->udata;
                s->size = op.memop & TESSERA_MO_SIZE_MASK;
                s->mmu = op.mmu;
                s->store = op.opc == IR_STORE;
                TesseraVal args[3] = {addr, op.v[0],
                                      ir_const(b, (uint64_t)(uintptr_t)s)};
                out_call(&o, op.insn, helper_mem, 3, args);
            }
            continue;
        }
        *out_op(&o, IR_NOP, 0) = op;
    }
    g_free(b->ops);
    b->ops = o.ops;
    b->nops = o.n;
    b->ops_cap = o.cap;
}

void tool_instrument(Cpu *cpu, TesseraIR *b, uint64_t phys_pc)
{
    TesseraToolBlock blk = {0};
    blk.vaddr = b->pc;
    blk.paddr = phys_pc;
    blk.ninsns = b->ninsns;
    blk.insns = g_new0(TesseraToolInsn, b->ninsns ? b->ninsns : 1);
    blk.reqs = g_array_new(FALSE, FALSE, sizeof(Req));
    char (*dis)[96] = g_malloc0(sizeof(*dis) * (b->ninsns ? b->ninsns : 1));

    unsigned k = 0;
    for (unsigned i = 0; i < b->nops && k < b->ninsns; i++) {
        const IROp *op = &b->ops[i];
        if (op->opc != IR_INSN_START)
            continue;
        TesseraToolInsn *in = &blk.insns[k];
        in->vaddr = op->imm;
        in->size = op->aux;
        uint64_t off = op->imm - b->pc;
        if (off + in->size <= b->bytes_hi && off + in->size <= sizeof(b->bytes))
            memcpy(in->bytes, b->bytes + off, MIN(in->size, 16u));
        uint64_t pa;
        in->paddr = cpu_translate_code(cpu, in->vaddr, &pa) ==
                            TESSERA_FAULT_NONE
                        ? pa
                        : UINT64_MAX;
        if (cpu->arch->disas)
            cpu->arch->disas(in->vaddr, in->bytes, MIN(in->size, 16u),
                             b->flags, dis[k], sizeof(dis[k]));
        in->disas = dis[k];
        k++;
    }
    for (guint i = 0; tools && i < tools->len; i++) {
        TesseraTool *t = tools->pdata[i];
        for (guint h = 0; h < t->block->len; h++) {
            Hook *hk = &g_array_index(t->block, Hook, h);
            ((void (*)(const TesseraToolBlock *, void *))hk->fn)(&blk,
                                                                 hk->udata);
        }
    }
    if (blk.reqs->len)
        rewrite(b, blk.reqs);
    g_array_free(blk.reqs, TRUE);
    g_free(blk.insns);
    g_free(dis);
}
