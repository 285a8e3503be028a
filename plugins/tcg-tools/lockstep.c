/* SPDX-License-Identifier: MIT */
/*
 * lockstep: runs two Tessera processes side by side and stops at the
 * first instruction where they differ.
 *
 *   tessera ... -plugin lockstep,sockpath=/tmp/ls.sock &   (listens)
 *   tessera ... -plugin lockstep,sockpath=/tmp/ls.sock     (connects)
 *
 * The first run creates the UNIX socket and waits for the second. Both
 * record, before each instruction of vCPU 0 retires, a step: PC, retired
 * count, raw instruction and a hash of the architectural registers (the
 * arch's register list; with stores=on also of every stored value). Steps
 * go out in batches and each side compares its batch with the peer's. On
 * the first difference both sides exchange their last N steps (ring=N) and
 * register values, print both with disassembly, the differing registers
 * and (regs=all, the default) both register files whole, and exit with
 * status 1. When both guests end after the same
 * instructions, each prints "lockstep: no divergence" and the run ends
 * with the guest's own status.
 *
 * Wire protocol, version 1 (all integers little-endian):
 *   message  = u32 length (of type + body) | u8 type | body
 *   HELLO  1 : u32 magic "TSLK" | u16 version | u16 0 | u32 ring | u32 flags
 *   STEPS  2 : u32 n | n x step
 *   END    3 : u32 n | n x step       (the last, possibly empty, batch)
 *   DETAIL 4 : u32 n | n x (step | u16 len | disassembly)
 *              | u32 nregs | nregs x (u16 len | name | u64 value)
 *   step     = u64 pc | u64 retired | u64 hash | u32 raw | u32 size
 * Peers with another version or flags (stores=) refuse each other.
 */
#include <tessera/tool.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define LS_MAGIC 0x4b4c5354u /* "TSLK" */
#define LS_VERSION 1
#define BATCH 256

enum { M_HELLO = 1, M_STEPS = 2, M_END = 3, M_DETAIL = 4 };

typedef struct Step {
    uint64_t pc, retired, hash;
    uint32_t raw, size;
} Step;

typedef struct Insn {
    uint64_t pc;
    uint32_t raw, size;
    char disas[64];
} Insn;

typedef struct RingEntry {
    Step step;
    const Insn *insn;
    uint64_t *regs;
} RingEntry;

static bool wait_fd(int fd, int events);

static int sock = -1;
static bool listener;
static char *sockpath;
static unsigned ring_n = 8;
static bool hash_stores;
static uint64_t timeout_s = 60;
static bool all_regs = true;

static RingEntry *ring;
static unsigned ring_cap;
static uint64_t nsteps;   /* steps recorded so far */
static Step batch[BATCH];
static unsigned nbatch;
static unsigned nregs;
static uint64_t store_hash;
static bool done;

/* ---------------------------------------------------------------------- */
/* Wire                                                                    */

typedef struct Buf {
    uint8_t *p;
    size_t len, cap, pos;
} Buf;

static void put(Buf *b, const void *src, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
        if (!b->p)
            abort();
    }
    memcpy(b->p + b->len, src, n);
    b->len += n;
}

static void put_le(Buf *b, uint64_t v, unsigned n)
{
    uint8_t t[8];
    for (unsigned i = 0; i < n; i++)
        t[i] = (uint8_t)(v >> (8 * i));
    put(b, t, n);
}

static bool get_le(Buf *b, unsigned n, uint64_t *v)
{
    if (b->pos + n > b->len)
        return false;
    uint64_t x = 0;
    for (unsigned i = 0; i < n; i++)
        x |= (uint64_t)b->p[b->pos + i] << (8 * i);
    b->pos += n;
    *v = x;
    return true;
}

static void fail(const char *what)
{
    tessera_error("lockstep: %s", what);
    done = true;
    tessera_tool_fail(1);
}

static bool write_all(const void *p, size_t n)
{
    const uint8_t *c = p;
    while (n) {
        ssize_t r = send(sock, c, n, MSG_NOSIGNAL);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        c += r;
        n -= (size_t)r;
    }
    return true;
}

static bool read_all(void *p, size_t n)
{
    uint8_t *c = p;
    while (n) {
        ssize_t r = read(sock, c, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        c += r;
        n -= (size_t)r;
    }
    return true;
}

static bool send_msg(unsigned type, const Buf *body)
{
    Buf h = {0};
    put_le(&h, body->len + 1, 4);
    put_le(&h, type, 1);
    bool ok = write_all(h.p, h.len) && write_all(body->p, body->len);
    free(h.p);
    return ok;
}

/* Receives one message into body (type in *type). */
static bool recv_msg(unsigned *type, Buf *body)
{
    uint8_t h[5];
    if (!read_all(h, 5))
        return false;
    uint32_t len = (uint32_t)h[0] | (uint32_t)h[1] << 8 |
                   (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
    if (len < 1 || len > (64u << 20))
        return false;
    *type = h[4];
    body->len = len - 1;
    body->pos = 0;
    body->cap = body->len + 1;
    body->p = malloc(body->cap);
    if (!body->p)
        abort();
    return read_all(body->p, body->len);
}

static void put_step(Buf *b, const Step *s)
{
    put_le(b, s->pc, 8);
    put_le(b, s->retired, 8);
    put_le(b, s->hash, 8);
    put_le(b, s->raw, 4);
    put_le(b, s->size, 4);
}

static bool get_step(Buf *b, Step *s)
{
    uint64_t raw, size;
    if (!get_le(b, 8, &s->pc) || !get_le(b, 8, &s->retired) ||
        !get_le(b, 8, &s->hash) || !get_le(b, 4, &raw) ||
        !get_le(b, 4, &size))
        return false;
    s->raw = (uint32_t)raw;
    s->size = (uint32_t)size;
    return true;
}

/* ---------------------------------------------------------------------- */
/* Divergence report                                                       */

typedef struct Side {
    unsigned n;
    Step steps[64];
    char disas[64][64];
    unsigned nregs;
    char names[256][24];
    uint64_t vals[256];
} Side;

static RingEntry *ring_at(uint64_t k)
{
    return &ring[k % ring_cap];
}

/* Our last ring_n steps up to step g (inclusive), and the registers
 * before step g. */
static void collect(Side *s, uint64_t g)
{
    memset(s, 0, sizeof(*s));
    if (nsteps == 0)
        return;
    if (g >= nsteps)
        g = nsteps - 1;
    uint64_t first = g + 1 >= ring_n ? g + 1 - ring_n : 0;
    for (uint64_t k = first; k <= g && s->n < 64; k++) {
        RingEntry *e = ring_at(k);
        s->steps[s->n] = e->step;
        snprintf(s->disas[s->n], sizeof(s->disas[0]), "%s",
                 e->insn ? e->insn->disas : "");
        s->n++;
    }
    RingEntry *e = ring_at(g);
    for (unsigned i = 0; i < nregs && i < 256; i++) {
        snprintf(s->names[i], sizeof(s->names[0]), "%s",
                 tessera_tool_reg_name(i));
        s->vals[i] = e->regs[i];
    }
    s->nregs = nregs < 256 ? nregs : 256;
}

static void put_side(Buf *b, const Side *s)
{
    put_le(b, s->n, 4);
    for (unsigned i = 0; i < s->n; i++) {
        put_step(b, &s->steps[i]);
        size_t l = strlen(s->disas[i]);
        put_le(b, l, 2);
        put(b, s->disas[i], l);
    }
    put_le(b, s->nregs, 4);
    for (unsigned i = 0; i < s->nregs; i++) {
        size_t l = strlen(s->names[i]);
        put_le(b, l, 2);
        put(b, s->names[i], l);
        put_le(b, s->vals[i], 8);
    }
}

static bool get_str(Buf *b, char *out, size_t outlen)
{
    uint64_t l;
    if (!get_le(b, 2, &l) || b->pos + l > b->len)
        return false;
    size_t c = l < outlen - 1 ? (size_t)l : outlen - 1;
    memcpy(out, b->p + b->pos, c);
    out[c] = 0;
    b->pos += l;
    return true;
}

static bool get_side(Buf *b, Side *s)
{
    uint64_t n;
    memset(s, 0, sizeof(*s));
    if (!get_le(b, 4, &n) || n > 64)
        return false;
    for (s->n = 0; s->n < n; s->n++)
        if (!get_step(b, &s->steps[s->n]) ||
            !get_str(b, s->disas[s->n], sizeof(s->disas[0])))
            return false;
    if (!get_le(b, 4, &n) || n > 256)
        return false;
    for (s->nregs = 0; s->nregs < n; s->nregs++)
        if (!get_str(b, s->names[s->nregs], sizeof(s->names[0])) ||
            !get_le(b, 8, &s->vals[s->nregs]))
            return false;
    return true;
}

static void print_side(const char *title, const Side *s)
{
    tessera_tool_printf("  %s: last %u instructions\n", title, s->n);
    for (unsigned i = 0; i < s->n; i++)
        tessera_tool_printf("    #%llu 0x%016llx: %08x  %s\n",
                            (unsigned long long)s->steps[i].retired,
                            (unsigned long long)s->steps[i].pc,
                            s->steps[i].raw, s->disas[i]);
}

/* Both register files side by side, all of them ('*' where they differ). */
static void print_regs(const Side *me, const Side *peer)
{
    tessera_tool_printf("  registers before that instruction (this | "
                        "peer):\n");
    for (unsigned i = 0; i < me->nregs; i++) {
        bool has = i < peer->nregs && !strcmp(me->names[i], peer->names[i]);
        uint64_t pv = has ? peer->vals[i] : 0;
        tessera_tool_printf("   %c%-10s 0x%016llx | ",
                            has && pv == me->vals[i] ? ' ' : '*',
                            me->names[i], (unsigned long long)me->vals[i]);
        if (has)
            tessera_tool_printf("0x%016llx\n", (unsigned long long)pv);
        else
            tessera_tool_printf("-\n");
    }
}

/* Both sides call this with the same (mine, peer) pair of batches, so
 * they agree on the step and on exchanging DETAIL. */
static void report(uint64_t g, const char *why)
{
    Side *me = malloc(sizeof(Side)), *peer = malloc(sizeof(Side));
    if (!me || !peer)
        abort();
    collect(me, g);
    Buf b = {0};
    put_side(&b, me);
    bool ok = send_msg(M_DETAIL, &b);
    free(b.p);
    unsigned type;
    Buf r = {0};
    ok = ok && wait_fd(sock, POLLIN) && recv_msg(&type, &r) &&
         type == M_DETAIL && get_side(&r, peer);
    free(r.p);

    tessera_tool_printf("lockstep: DIVERGENCE at instruction %llu (%s)\n",
                        (unsigned long long)g, why);
    print_side(listener ? "this run (listener)" : "this run (connector)",
               me);
    if (!ok) {
        tessera_tool_printf("  peer: no details (connection lost)\n");
    } else {
        print_side(listener ? "peer run (connector)" : "peer run (listener)",
                   peer);
        tessera_tool_printf("  differing registers before instruction "
                            "%llu:\n", (unsigned long long)g);
        unsigned ndiff = 0;
        for (unsigned i = 0; i < me->nregs && i < peer->nregs; i++) {
            if (strcmp(me->names[i], peer->names[i]) ||
                me->vals[i] == peer->vals[i])
                continue;
            tessera_tool_printf("    %-10s this 0x%016llx  peer 0x%016llx\n",
                                me->names[i],
                                (unsigned long long)me->vals[i],
                                (unsigned long long)peer->vals[i]);
            ndiff++;
        }
        if (!ndiff)
            tessera_tool_printf("    (none)\n");
        if (all_regs)
            print_regs(me, peer);
    }
    free(me);
    free(peer);
    done = true;
    tessera_tool_fail(1);
}

/* Compares our steps [base, base + n) with the peer's. Returns false after
 * reporting a divergence. */
static bool compare(uint64_t base, const Step *mine, unsigned n,
                    const Step *theirs, unsigned pn, bool mine_end,
                    bool peer_end)
{
    unsigned common = n < pn ? n : pn;
    for (unsigned i = 0; i < common; i++) {
        const Step *a = &mine[i], *b = &theirs[i];
        char why[256];
        if (a->pc != b->pc || a->raw != b->raw) {
            snprintf(why, sizeof(why),
                     "different instruction: 0x%llx %08x here, 0x%llx %08x "
                     "in the peer",
                     (unsigned long long)a->pc, a->raw,
                     (unsigned long long)b->pc, b->raw);
            report(base + i, why);
            return false;
        }
        if (a->retired != b->retired) {
            snprintf(why, sizeof(why), "retired count %llu here, %llu in the "
                     "peer", (unsigned long long)a->retired,
                     (unsigned long long)b->retired);
            report(base + i, why);
            return false;
        }
        if (a->hash != b->hash) {
            uint64_t g = base + i;
            const RingEntry *prev = g ? ring_at(g - 1) : NULL;
            if (prev && prev->insn)
                snprintf(why, sizeof(why),
                         "same instruction, different registers: "
                         "instruction %llu before it, 0x%llx \"%s\", "
                         "gave different results",
                         (unsigned long long)(g - 1),
                         (unsigned long long)prev->insn->pc,
                         prev->insn->disas);
            else
                snprintf(why, sizeof(why), "different initial registers");
            report(base + i, why);
            return false;
        }
    }
    if (n != pn || mine_end != peer_end) {
        report(base + common, mine_end && (!peer_end || n < pn)
                                  ? "this run ended first"
                                  : "the peer run ended first");
        return false;
    }
    return true;
}

/* Sends our batch (as END when last) and compares it with the peer's. */
static void exchange(bool last)
{
    Buf b = {0};
    put_le(&b, nbatch, 4);
    for (unsigned i = 0; i < nbatch; i++)
        put_step(&b, &batch[i]);
    bool ok = send_msg(last ? M_END : M_STEPS, &b);
    free(b.p);
    unsigned type;
    Buf r = {0};
    if (ok && !wait_fd(sock, POLLIN)) {
        fail("the peer run sent nothing within the timeout (is its guest "
             "waiting for an interrupt?)");
        return;
    }
    if (!ok || !recv_msg(&type, &r) || (type != M_STEPS && type != M_END)) {
        free(r.p);
        fail("the peer run went away");
        return;
    }
    uint64_t pn;
    static Step theirs[BATCH];
    if (!get_le(&r, 4, &pn) || pn > BATCH) {
        free(r.p);
        fail("bad message from the peer");
        return;
    }
    for (unsigned i = 0; i < pn; i++)
        get_step(&r, &theirs[i]);
    free(r.p);
    uint64_t base = nsteps - nbatch;
    unsigned n = nbatch;
    nbatch = 0;
    if (compare(base, batch, n, theirs, (unsigned)pn, last, type == M_END) &&
        last)
        tessera_tool_printf("lockstep: no divergence after %llu "
                            "instructions\n", (unsigned long long)nsteps);
}

/* ---------------------------------------------------------------------- */
/* Instrumentation                                                         */

static uint64_t fnv(uint64_t h, uint64_t v)
{
    for (unsigned i = 0; i < 8; i++) {
        h ^= (v >> (8 * i)) & 0xff;
        h *= 0x100000001b3ull;
    }
    return h;
}

static void on_insn(unsigned vcpu, void *u)
{
    if (vcpu != 0 || done)
        return;
    const Insn *in = u;
    RingEntry *e = ring_at(nsteps);
    uint64_t h = 0xcbf29ce484222325ull;
    tessera_tool_reg_read_all(0, e->regs, nregs);
    for (unsigned i = 0; i < nregs; i++)
        h = fnv(h, e->regs[i]);
    if (hash_stores)
        h = fnv(h, store_hash);
    Step s = {in->pc, tessera_tool_insns(0), h, in->raw, in->size};
    e->step = s;
    e->insn = in;
    batch[nbatch++] = s;
    nsteps++;
    if (nbatch == BATCH)
        exchange(false);
}

static void on_mem(unsigned vcpu, const TesseraToolMem *m, void *u)
{
    (void)u;
    if (vcpu == 0 && m->store)
        store_hash = fnv(fnv(store_hash, m->vaddr), m->value);
}

static void on_block(const TesseraToolBlock *blk, void *u)
{
    (void)u;
    for (unsigned i = 0; i < tessera_tool_block_ninsns(blk); i++) {
        const TesseraToolInsn *t = tessera_tool_block_insn(blk, i);
        Insn *x = tessera_tool_alloc(sizeof(*x)); /* lives with the block */
        x->pc = t->vaddr;
        x->size = t->size;
        for (unsigned k = 0; k < t->size && k < 4; k++)
            x->raw |= (uint32_t)t->bytes[k] << (8 * k);
        snprintf(x->disas, sizeof(x->disas), "%s", t->disas);
        tessera_tool_insn_exec_cb(blk, i, on_insn, x);
        if (hash_stores)
            tessera_tool_insn_mem_cb(blk, i, on_mem, NULL);
    }
}

static void on_vcpu_init(unsigned vcpu, void *u)
{
    (void)u;
    if (vcpu != 0)
        return;
    if (tessera_tool_vcpu_count() > 1)
        tessera_warn("lockstep: only vCPU 0 is compared");
    nregs = tessera_tool_reg_count();
    ring_cap = BATCH + ring_n;
    ring = calloc(ring_cap, sizeof(*ring));
    if (!ring)
        abort();
    for (unsigned i = 0; i < ring_cap; i++) {
        ring[i].regs = calloc(nregs ? nregs : 1, sizeof(uint64_t));
        if (!ring[i].regs)
            abort();
    }
}

static void on_exit_(void *u)
{
    (void)u;
    if (!done && sock >= 0)
        exchange(true);
    done = true;
    if (sock >= 0)
        close(sock);
    sock = -1;
    for (unsigned i = 0; ring && i < ring_cap; i++)
        free(ring[i].regs);
    free(ring);
    ring = NULL;
    free(sockpath);
    sockpath = NULL;
}

/* ---------------------------------------------------------------------- */
/* Connection                                                              */

static bool wait_fd(int fd, int events)
{
    struct pollfd p = {fd, (short)events, 0};
    int r;
    do
        r = poll(&p, 1, timeout_s ? (int)(timeout_s * 1000) : -1);
    while (r < 0 && errno == EINTR);
    return r > 0;
}

static int make_addr(struct sockaddr_un *a, const char *path)
{
    memset(a, 0, sizeof(*a));
    a->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(a->sun_path)) {
        tessera_error("lockstep: sockpath too long (%zu bytes at most)",
                      sizeof(a->sun_path) - 1);
        return -1;
    }
    strcpy(a->sun_path, path);
    return 0;
}

/* The listener binds a temporary name and renames it into place once it
 * listens, so a peer that sees the path can always connect. */
static int open_socket(void)
{
    struct sockaddr_un a;
    if (make_addr(&a, sockpath) < 0)
        return -1;
    sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (sock < 0) {
        tessera_error("lockstep: socket: %s", strerror(errno));
        return -1;
    }
    if (connect(sock, (struct sockaddr *)&a, sizeof(a)) == 0) {
        listener = false;
        return 0;
    }
    if (errno != ENOENT && errno != ECONNREFUSED) {
        tessera_error("lockstep: connect %s: %s", sockpath, strerror(errno));
        return -1;
    }
    if (errno == ECONNREFUSED)
        unlink(sockpath); /* left over by a run that died */
    char tmp[sizeof(a.sun_path) + 32];
    snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", sockpath, (long)getpid());
    struct sockaddr_un t;
    if (make_addr(&t, tmp) < 0)
        return -1;
    unlink(tmp);
    int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (ls < 0 || bind(ls, (struct sockaddr *)&t, sizeof(t)) < 0 ||
        listen(ls, 1) < 0 || rename(tmp, sockpath) < 0) {
        tessera_error("lockstep: cannot listen on %s: %s", sockpath,
                      strerror(errno));
        if (ls >= 0)
            close(ls);
        unlink(tmp);
        return -1;
    }
    close(sock);
    listener = true;
    if (!wait_fd(ls, POLLIN)) {
        tessera_error("lockstep: no peer connected to %s within %llu s",
                      sockpath, (unsigned long long)timeout_s);
        close(ls);
        unlink(sockpath);
        sock = -1;
        return -1;
    }
    sock = accept(ls, NULL, NULL);
    close(ls);
    unlink(sockpath);
    if (sock < 0) {
        tessera_error("lockstep: accept: %s", strerror(errno));
        return -1;
    }
    return 0;
}

static int handshake(void)
{
    Buf b = {0};
    put_le(&b, LS_MAGIC, 4);
    put_le(&b, LS_VERSION, 2);
    put_le(&b, 0, 2);
    put_le(&b, ring_n, 4);
    put_le(&b, hash_stores ? 1 : 0, 4);
    bool ok = send_msg(M_HELLO, &b);
    free(b.p);
    unsigned type;
    Buf r = {0};
    uint64_t magic = 0, ver = 0, pad, ring, flags = 0;
    if (!ok || !wait_fd(sock, POLLIN) || !recv_msg(&type, &r) ||
        type != M_HELLO || !get_le(&r, 4, &magic) || !get_le(&r, 2, &ver) ||
        !get_le(&r, 2, &pad) || !get_le(&r, 4, &ring) ||
        !get_le(&r, 4, &flags) || magic != LS_MAGIC) {
        free(r.p);
        tessera_error("lockstep: the peer on %s is not a lockstep tool",
                      sockpath);
        return -1;
    }
    free(r.p);
    if (ver != LS_VERSION) {
        tessera_error("lockstep: protocol version %u here, %llu in the peer",
                      LS_VERSION, (unsigned long long)ver);
        return -1;
    }
    if (flags != (hash_stores ? 1u : 0u)) {
        tessera_error("lockstep: stores= differs between the two runs");
        return -1;
    }
    return 0;
}

static int install(TesseraTool *tool, unsigned nargs, const char *const *k,
                   const char *const *v)
{
    uint64_t x;
    for (unsigned i = 0; i < nargs; i++) {
        if (!strcmp(k[i], "sockpath")) {
            free(sockpath);
            sockpath = strdup(v[i]);
        } else if (!strcmp(k[i], "ring")) {
            if (!tessera_tool_parse_u64(k[i], v[i], false, &x) || !x ||
                x > 64) {
                tessera_error("lockstep: ring=N takes 1 to 64");
                return -1;
            }
            ring_n = (unsigned)x;
        } else if (!strcmp(k[i], "stores")) {
            if (!tessera_tool_parse_bool(k[i], v[i], &hash_stores))
                return -1;
        } else if (!strcmp(k[i], "regs")) {
            if (!strcmp(v[i], "all")) {
                all_regs = true;
            } else if (!strcmp(v[i], "diff")) {
                all_regs = false;
            } else {
                tessera_error("lockstep: regs= takes all or diff");
                return -1;
            }
        } else if (!strcmp(k[i], "timeout")) {
            if (!tessera_tool_parse_u64(k[i], v[i], false, &timeout_s))
                return -1;
        }
    }
    if (!sockpath || !*sockpath) {
        tessera_error("lockstep: sockpath=PATH is required");
        return -1;
    }
    if (open_socket() < 0 || handshake() < 0)
        return -1;
    tessera_tool_on_vcpu_init(tool, on_vcpu_init, NULL);
    tessera_tool_on_block_translate(tool, on_block, NULL);
    tessera_tool_on_exit(tool, on_exit_, NULL);
    return 0;
}

static const TesseraToolOption options[] = {
    {"sockpath", "PATH", "UNIX socket: the first run listens, the second "
                         "connects (required)"},
    {"ring", "N", "instructions shown from each side on divergence (8)"},
    {"stores", "on|off", "also compare every stored value"},
    {"regs", "all|diff", "on divergence, print both register files whole "
                         "(all, the default) or only what differs"},
    {"timeout", "SECONDS", "wait this long for the peer to connect or to "
                           "answer (60; 0 = forever)"},
    {NULL, NULL, NULL},
};

static const TesseraToolClass lockstep_tool = {
    .name = "lockstep",
    .description = "compare two runs instruction by instruction over a "
                   "UNIX socket",
    .options = options,
    .install = install,
};

static int init(void)
{
    return tessera_register_tool(&lockstep_tool);
}

TESSERA_PLUGIN(TESSERA_PLUGIN_TOOL, "lockstep", "0.1.0", init);
