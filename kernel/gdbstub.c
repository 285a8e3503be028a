/* SPDX-License-Identifier: MIT */
/*
 * The GDB remote stub (see gdbstub.h). All-stop: when one CPU stops
 * (breakpoint, step, watchpoint, Ctrl-C) the whole machine stops and the
 * debugger gets one stop reply naming that CPU as the thread. Thread ids
 * are CPU numbers plus one.
 */
#include "kernel/gdbstub.h"
#include "kernel/monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <tessera/tessera.h>

#include "kernel/chardev.h"
#include "kernel/cpu.h"
#include "kernel/debug.h"
#include "kernel/gdbproto.h"
#include "kernel/machine.h"
#include "kernel/sched.h"

/* qqemu.sstep bits, as QEMU's stub names them. */
#define SSTEP_ENABLE 1u
#define SSTEP_NOIRQ 2u
#define SSTEP_NOTIMER 4u

/* While stopped, the character backends are polled this often. */
#define STOPPED_POLL_MS 50
/* A debugger that does not read its replies for this long is dropped. */
#define SEND_TIMEOUT_MS 5000

typedef struct Stub {
    /* Configuration (-gdb). */
    bool configured;
    bool is_unix;
    char *host, *port, *path;
    bool wait;
    /* Sockets. */
    int listen_fd;
    int fd; /* the debugger, or -1 */
    bool unlink_path;
    /* Protocol state. */
    GdbFramer framer;
    bool no_ack;
    GString *last; /* last packet sent, for '-' */
    bool owe_stop; /* a resume packet waits for its stop reply */
    DebugStop stop; /* why the machine last stopped */
    unsigned g_cpu; /* Hg: registers and memory */
    int c_cpu;      /* Hc: c and s (-1: all) */
    unsigned thread_iter;
    unsigned sstep;
    uint8_t data[GDB_MAX_PACKET + 1];
    GdbCmd cmd;
} Stub;

static Stub S = {.listen_fd = -1, .fd = -1,
                 .sstep = SSTEP_ENABLE | SSTEP_NOIRQ | SSTEP_NOTIMER};

bool gdbstub_enabled(void)
{
    return S.listen_fd >= 0;
}

/* ---------------------------------------------------------------------- */
/* Configuration and sockets                                               */

int gdbstub_configure(const char *spec)
{
    char **parts = g_strsplit(spec, ",", -1);
    const char *main_part = parts[0];
    int ret = -1;

    g_free(S.host);
    g_free(S.port);
    g_free(S.path);
    S.host = S.port = S.path = NULL;
    S.wait = false;
    S.configured = false;
    if (!strcmp(main_part, "none")) {
        g_strfreev(parts);
        return 0;
    }
    for (char **p = parts + 1; *p; p++) {
        if (!strcmp(*p, "server") || !strcmp(*p, "server=on"))
            continue;
        if (!strcmp(*p, "wait=off") || !strcmp(*p, "nowait")) {
            S.wait = false;
            continue;
        }
        if (!strcmp(*p, "wait=on") || !strcmp(*p, "wait")) {
            S.wait = true;
            continue;
        }
        tessera_error("-gdb %s: unknown option '%s' (known: server=on, "
                      "wait=on, wait=off)", spec, *p);
        goto out;
    }
    if (g_str_has_prefix(main_part, "unix:")) {
        const char *path = main_part + 5;
        if (!*path || strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
            tessera_error("-gdb %s: expected unix:PATH with a path of 1 to "
                          "%zu bytes", spec,
                          sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
            goto out;
        }
        S.is_unix = true;
        S.path = g_strdup(path);
    } else {
        /* tcp:HOST:PORT, tcp::PORT, and QEMU's bare :PORT or PORT. */
        const char *hp = g_str_has_prefix(main_part, "tcp:") ? main_part + 4
                                                             : main_part;
        const char *colon = strrchr(hp, ':');
        const char *port = colon ? colon + 1 : hp;
        char *end;
        unsigned long n = strtoul(port, &end, 10);
        if (!*port || *end || n > 65535) {
            tessera_error("-gdb %s: expected tcp:HOST:PORT, tcp::PORT or "
                          "unix:PATH (PORT from 0 to 65535)", spec);
            goto out;
        }
        S.is_unix = false;
        S.host = colon ? g_strndup(hp, colon - hp) : g_strdup("");
        S.port = g_strdup(port);
    }
    S.configured = true;
    ret = 0;
out:
    g_strfreev(parts);
    return ret;
}

static int listen_tcp(void)
{
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = *S.host ? AF_UNSPEC : AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    int r = getaddrinfo(*S.host ? S.host : NULL, S.port, &hints, &res);
    if (r != 0) {
        tessera_error("-gdb tcp:%s:%s: %s", S.host, S.port, gai_strerror(r));
        return -1;
    }
    int fd = -1, err = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
                    ai->ai_protocol);
        if (fd < 0) {
            err = errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 1) == 0)
            break;
        err = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        tessera_error("-gdb tcp:%s:%s: cannot listen: %s", S.host, S.port,
                      strerror(err));
        return -1;
    }
    if (!strcmp(S.port, "0")) {
        /* An ephemeral port: say which one (tests use this). */
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        getsockname(fd, (struct sockaddr *)&ss, &sl);
        unsigned port = ss.ss_family == AF_INET6
                            ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                            : ntohs(((struct sockaddr_in *)&ss)->sin_port);
        fprintf(stderr, "tessera: gdb server listening on tcp:%s:%u\n",
                S.host, port);
        fflush(stderr);
    }
    return fd;
}

static int listen_unix(void)
{
    struct sockaddr_un sa = {0};
    struct stat st;

    sa.sun_family = AF_UNIX;
    strcpy(sa.sun_path, S.path); /* length checked by gdbstub_configure */
    if (lstat(S.path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            tessera_error("-gdb unix:%s: the path exists and is not a "
                          "socket", S.path);
            return -1;
        }
        unlink(S.path); /* left over by an earlier run */
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        listen(fd, 1) < 0) {
        tessera_error("-gdb unix:%s: cannot listen: %s", S.path,
                      strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    S.unlink_path = true;
    return fd;
}

int gdbstub_start(bool stopped)
{
    if (!S.configured)
        return 0;
    int fd = S.is_unix ? listen_unix() : listen_tcp();
    if (fd < 0)
        return -1;
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    S.listen_fd = fd;
    S.last = g_string_new(NULL);
    if (stopped || S.wait) {
        debug_stop_vm(machine.ncpus ? machine.cpus[0] : NULL,
                      DEBUG_STOP_INTERRUPT);
        if (S.is_unix)
            fprintf(stderr, "tessera: stopped, waiting for gdb on unix:%s\n",
                    S.path);
        fflush(stderr);
    }
    return 0;
}

static void close_client(void)
{
    if (S.fd >= 0)
        close(S.fd);
    S.fd = -1;
}

void gdbstub_cleanup(void)
{
    close_client();
    if (S.listen_fd >= 0)
        close(S.listen_fd);
    S.listen_fd = -1;
    if (S.unlink_path)
        unlink(S.path);
    S.unlink_path = false;
    if (S.last)
        g_string_free(S.last, TRUE);
    S.last = NULL;
    g_free(S.host);
    g_free(S.port);
    g_free(S.path);
    S.host = S.port = S.path = NULL;
    S.configured = false;
}

/* HMP "gdbserver [DEVICE]": the stub on DEVICE (tcp::1234 when none is
 * given) from now on, or no stub for "none". */
static int hmp_gdbserver(const char *dev, char *err, size_t errlen)
{
    gdbstub_cleanup();
    if (dev && !strcmp(dev, "none"))
        return 0;
    if (!dev)
        dev = "tcp::1234";
    if (gdbstub_configure(dev) < 0 || gdbstub_start(false) < 0) {
        snprintf(err, errlen, "Could not open gdbserver on device '%s'", dev);
        return -1;
    }
    return 0;
}

void gdbstub_register_monitor(void)
{
    monitor_set_gdbserver_hook(hmp_gdbserver);
}

/* ---------------------------------------------------------------------- */
/* Sending                                                                 */

static void send_raw(const char *buf, size_t len)
{
    while (len && S.fd >= 0) {
        ssize_t n = send(S.fd, buf, len, MSG_NOSIGNAL);
        if (n > 0) {
            buf += n;
            len -= (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd p = {.fd = S.fd, .events = POLLOUT};
            if (poll(&p, 1, SEND_TIMEOUT_MS) > 0)
                continue;
        }
        close_client(); /* gone, or not reading: the guest goes on */
    }
}

static void send_packet(const char *data, size_t len)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum = (uint8_t)(sum + (uint8_t)data[i]);
    g_string_truncate(S.last, 0);
    g_string_append_c(S.last, '$');
    g_string_append_len(S.last, data, (gssize)len);
    g_string_append_printf(S.last, "#%02x", sum);
    send_raw(S.last->str, S.last->len);
}

static void reply(const char *s)
{
    send_packet(s, strlen(s));
}

static void reply_gs(GString *g)
{
    send_packet(g->str, g->len);
}

static void reply_error(unsigned code)
{
    char buf[8];
    snprintf(buf, sizeof(buf), "E%02x", code & 0xff);
    reply(buf);
}

void gdbstub_exit(int status)
{
    if (S.fd >= 0) {
        char buf[8];
        snprintf(buf, sizeof(buf), "W%02x", status & 0xff);
        reply(buf);
    }
}

/* ---------------------------------------------------------------------- */
/* Registers and threads                                                   */

static Cpu *cpu_of(unsigned i)
{
    return i < machine.ncpus ? machine.cpus[i] : machine.cpus[0];
}

static const TesseraArchClass *arch_of(unsigned i)
{
    return cpu_arch(cpu_of(i));
}

static unsigned read_reg(unsigned cpu, unsigned n, uint8_t *buf)
{
    const TesseraArchClass *a = arch_of(cpu);
    if (!a->gdb_read_reg)
        return 0;
    return a->gdb_read_reg(tessera_cpu_env(cpu_of(cpu)), n, buf);
}

static bool thread_valid(int64_t t)
{
    return t >= 1 && t <= (int64_t)machine.ncpus;
}

static void append_stop_reply(GString *g, const DebugStop *st)
{
    int sig = st->reason == DEBUG_STOP_INTERRUPT ? 2 : 5;
    g_string_append_printf(g, "T%02xthread:%x;", sig, st->cpu + 1);
    if (st->reason == DEBUG_STOP_WATCH) {
        const char *k = st->watch_kind == DEBUG_WATCH_READ    ? "rwatch"
                        : st->watch_kind == DEBUG_WATCH_WRITE ? "watch"
                                                              : "awatch";
        g_string_append_printf(g, "%s:%" PRIx64 ";", k, st->watch_addr);
    }
}

/* Fetches a new stop from the engine; sends its reply if one is owed. */
static void collect_stop(void)
{
    DebugStop st;
    if (!debug_take_stop(&st))
        return;
    S.stop = st;
    S.g_cpu = st.cpu;
    if (S.owe_stop && S.fd >= 0) {
        GString *g = g_string_new(NULL);
        append_stop_reply(g, &st);
        reply_gs(g);
        g_string_free(g, TRUE);
    }
    S.owe_stop = false;
}

/* ---------------------------------------------------------------------- */
/* Monitor commands                                                        */

static void append_registers(GString *out, unsigned index)
{
    Cpu *cpu = cpu_of(index);
    const TesseraArchClass *a = cpu_arch(cpu);
    const uint8_t *env = tessera_cpu_env(cpu);

    g_string_append_printf(out, "CPU#%u\n pc       %016" PRIx64 "\n", index,
                           debug_cpu_pc(cpu));
    for (const TesseraRegInfo *r = a->regs; r && r->name; r++) {
        uint64_t v = 0;
        if (r->size > 8)
            continue; /* vector registers: not in this listing */
        memcpy(&v, env + r->offset, r->size); /* little-endian host */
        g_string_append_printf(out, " %-8s %0*" PRIx64 "\n", r->name,
                               (int)r->size * 2, v);
    }
}

bool gdbstub_monitor_command(const char *cmd, GString *out)
{
    while (*cmd == ' ')
        cmd++;
    if (!strcmp(cmd, "info registers") || !strcmp(cmd, "info registers -a")) {
        bool all = g_str_has_suffix(cmd, "-a");
        for (unsigned i = 0; i < machine.ncpus; i++)
            if (all || i == S.g_cpu)
                append_registers(out, i);
        return true;
    }
    if (!strcmp(cmd, "help")) {
        g_string_append(out, "info registers [-a]  registers of the current "
                             "CPU (-a: of every CPU)\n");
        return true;
    }
    g_string_append_printf(out, "unknown command: '%s' (try 'monitor "
                                "help')\n", cmd);
    return false;
}

/* Sends out as 'O' console packets, then OK. */
static void reply_rcmd(const char *text)
{
    GString *out = g_string_new(NULL);
    gdbstub_monitor_command(text, out);
    for (size_t off = 0; off < out->len;) {
        size_t n = MIN(out->len - off, (size_t)GDB_MAX_PACKET / 2 - 8);
        char *hex = g_malloc(2 * n + 2);
        hex[0] = 'O';
        gdb_hex_encode(hex + 1, (const uint8_t *)out->str + off, n);
        reply(hex);
        g_free(hex);
        off += n;
    }
    g_string_free(out, TRUE);
    reply("OK");
}

/* ---------------------------------------------------------------------- */
/* Run control                                                             */

/* Lets the machine run: step is the CPU to step (-1: none), the others
 * continue when cont, else stay held. */
static void resume(const char *actions)
{
    /* actions[i]: 'c', 's' or 0 (held) for CPU i. */
    debug_hold_mask = ~0ull;
    bool irq = !(S.sstep & SSTEP_NOIRQ);
    for (unsigned i = 0; i < machine.ncpus; i++)
        if (actions[i])
            debug_resume_cpu(machine.cpus[i], actions[i] == 's', irq);
    S.owe_stop = true;
    debug_resume_vm();
}

static void do_cont_step(const GdbCmd *c)
{
    char act[64] = {0};
    unsigned cur = S.c_cpu >= 0 ? (unsigned)S.c_cpu : S.g_cpu;
    if (c->has_addr) {
        Cpu *cpu = cpu_of(cur);
        tessera_cpu_set_pc(cpu, c->addr);
    }
    if (c->type == GDB_CMD_STEP) {
        act[cur] = (S.sstep & SSTEP_ENABLE) ? 's' : 'c';
    } else {
        for (unsigned i = 0; i < machine.ncpus && i < 64; i++)
            act[i] = 'c';
    }
    resume(act);
}

static void do_vcont(const GdbCmd *c)
{
    char act[64] = {0};
    for (unsigned i = 0; i < machine.ncpus && i < 64; i++) {
        for (unsigned k = 0; k < c->nvcont; k++) {
            const GdbVContAction *v = &c->vcont[k];
            if (v->thread != GDB_THREAD_ALL && v->thread != (int64_t)i + 1)
                continue;
            act[i] = v->action == 't' ? 0 : v->action;
            break;
        }
    }
    for (unsigned k = 0; k < c->nvcont; k++)
        if (c->vcont[k].thread != GDB_THREAD_ALL &&
            !thread_valid(c->vcont[k].thread)) {
            reply_error(0x16);
            return;
        }
    resume(act);
}

/* ---------------------------------------------------------------------- */
/* Commands                                                                */

static void do_read_regs(void)
{
    const TesseraArchClass *a = arch_of(S.g_cpu);
    GString *g = g_string_new(NULL);
    uint8_t buf[64];
    char hex[129];
    for (unsigned n = 0; n < a->gdb_g_regs; n++) {
        unsigned size = read_reg(S.g_cpu, n, buf);
        gdb_hex_encode(hex, buf, size);
        g_string_append(g, hex);
    }
    reply_gs(g);
    g_string_free(g, TRUE);
}

static void do_write_regs(const GdbCmd *c)
{
    Cpu *cpu = cpu_of(S.g_cpu);
    const TesseraArchClass *a = cpu_arch(cpu);
    size_t off = 0;
    uint8_t buf[64];
    for (unsigned n = 0; n < a->gdb_g_regs && a->gdb_write_reg; n++) {
        unsigned size = read_reg(S.g_cpu, n, buf);
        if (off + size > c->data_len)
            break;
        a->gdb_write_reg(tessera_cpu_env(cpu), n, c->data + off, size);
        off += size;
    }
    reply("OK");
}

static void do_read_reg(const GdbCmd *c)
{
    uint8_t buf[64];
    char hex[129];
    unsigned size = read_reg(S.g_cpu, c->regno, buf);
    if (!size) {
        reply_error(0x0e);
        return;
    }
    gdb_hex_encode(hex, buf, size);
    reply(hex);
}

static void do_write_reg(const GdbCmd *c)
{
    Cpu *cpu = cpu_of(S.g_cpu);
    const TesseraArchClass *a = cpu_arch(cpu);
    if (!a->gdb_write_reg || c->data_len > 64 ||
        !a->gdb_write_reg(tessera_cpu_env(cpu), c->regno, c->data,
                          (unsigned)c->data_len)) {
        reply_error(0x0e);
        return;
    }
    reply("OK");
}

static void do_read_mem(const GdbCmd *c)
{
    uint64_t len = MIN(c->len, (uint64_t)GDB_MAX_PACKET / 2);
    uint8_t *buf = g_malloc(len + 1);
    char *hex = g_malloc(2 * len + 1);
    if (!debug_mem_read(cpu_of(S.g_cpu), c->addr, buf, len)) {
        reply_error(0x0e);
    } else {
        gdb_hex_encode(hex, buf, len);
        reply(hex);
    }
    g_free(buf);
    g_free(hex);
}

static void do_xfer_features(const GdbCmd *c)
{
    Cpu *cpu = cpu_of(S.g_cpu);
    const TesseraArchClass *a = cpu_arch(cpu);
    const char *xml = a->gdb_xml ? a->gdb_xml(tessera_cpu_env(cpu), c->text)
                                 : NULL;
    if (!xml) {
        reply_error(0x00);
        return;
    }
    size_t total = strlen(xml);
    uint64_t off = MIN(c->addr, (uint64_t)total);
    uint64_t n = MIN(c->len, (uint64_t)GDB_MAX_PACKET / 2);
    n = MIN(n, total - off);
    GString *g = g_string_new(off + n < total ? "m" : "l");
    for (uint64_t i = 0; i < n; i++) {
        char ch = xml[off + i];
        if (ch == '$' || ch == '#' || ch == '}' || ch == '*') {
            g_string_append_c(g, '}');
            ch ^= 0x20;
        }
        g_string_append_c(g, ch);
    }
    reply_gs(g);
    g_string_free(g, TRUE);
}

static void do_breakpoint(const GdbCmd *c)
{
    int r;
    bool insert = c->type == GDB_CMD_INSERT;
    switch (c->ztype) {
    case 0:
    case 1:
        r = insert ? debug_bp_insert(c->addr, c->ztype == 1)
                   : debug_bp_remove(c->addr, c->ztype == 1);
        break;
    default: {
        DebugWatchKind k = (DebugWatchKind)c->ztype;
        r = insert ? debug_wp_insert(c->addr, c->len, k)
                   : debug_wp_remove(c->addr, c->len, k);
        break;
    }
    }
    if (r < 0)
        reply_error(0x16);
    else
        reply("OK");
}

static void do_supported(const GdbCmd *c)
{
    (void)c;
    const TesseraArchClass *a = arch_of(0);
    GString *g = g_string_new(NULL);
    g_string_append_printf(g, "PacketSize=%x;vContSupported+;"
                              "QStartNoAckMode+",
                           GDB_MAX_PACKET);
    if (a->gdb_xml && a->gdb_xml(tessera_cpu_env(cpu_of(0)), "target.xml"))
        g_string_append(g, ";qXfer:features:read+");
    reply_gs(g);
    g_string_free(g, TRUE);
}

static void detach(void)
{
    debug_remove_all();
    S.owe_stop = false;
    S.no_ack = false;
    if (debug_vm_stopped) {
        char act[64];
        memset(act, 'c', sizeof(act));
        resume(act);
        S.owe_stop = false;
    }
}

static void handle_packet(const char *pkt, size_t len)
{
    GdbCmd *c = &S.cmd;
    gdb_parse_cmd(pkt, len, c, S.data);

    /* While the machine runs, only a stop request makes sense; gdb waits
     * for the stop reply before it sends anything else. */
    switch (c->type) {
    case GDB_CMD_UNKNOWN:
    case GDB_CMD_MUST_REPLY_EMPTY:
        reply("");
        break;
    case GDB_CMD_BAD:
        reply_error(0x16);
        break;
    case GDB_CMD_STATUS: {
        GString *g = g_string_new(NULL);
        DebugStop st = {.reason = DEBUG_STOP_BREAK, .cpu = S.g_cpu};
        append_stop_reply(g, &st);
        reply_gs(g);
        g_string_free(g, TRUE);
        break;
    }
    case GDB_CMD_READ_REGS:
        do_read_regs();
        break;
    case GDB_CMD_WRITE_REGS:
        do_write_regs(c);
        break;
    case GDB_CMD_READ_REG:
        do_read_reg(c);
        break;
    case GDB_CMD_WRITE_REG:
        do_write_reg(c);
        break;
    case GDB_CMD_READ_MEM:
        do_read_mem(c);
        break;
    case GDB_CMD_WRITE_MEM:
        if (debug_mem_write(cpu_of(S.g_cpu), c->addr, c->data, c->data_len))
            reply("OK");
        else
            reply_error(0x0e);
        break;
    case GDB_CMD_CONT:
    case GDB_CMD_STEP:
        do_cont_step(c);
        break;
    case GDB_CMD_VCONT:
        do_vcont(c);
        break;
    case GDB_CMD_VCONT_QUERY:
        reply("vCont;c;C;s;S;t");
        break;
    case GDB_CMD_SET_THREAD:
        if (c->thread != GDB_THREAD_ALL && c->thread != GDB_THREAD_ANY &&
            !thread_valid(c->thread)) {
            reply_error(0x16);
            break;
        }
        if (c->op == 'g')
            S.g_cpu = c->thread > 0 ? (unsigned)c->thread - 1 : 0;
        else
            S.c_cpu = c->thread > 0 ? (int)c->thread - 1 : -1;
        reply("OK");
        break;
    case GDB_CMD_THREAD_ALIVE:
        if (thread_valid(c->thread))
            reply("OK");
        else
            reply_error(0x16);
        break;
    case GDB_CMD_INSERT:
    case GDB_CMD_REMOVE:
        do_breakpoint(c);
        break;
    case GDB_CMD_DETACH:
        reply("OK");
        detach();
        close_client();
        break;
    case GDB_CMD_KILL:
        /* As QEMU: the debugger ends the emulation. No reply. */
        close_client();
        debug_remove_all();
        sched_request_exit(0);
        break;
    case GDB_CMD_SUPPORTED:
        do_supported(c);
        break;
    case GDB_CMD_XFER_FEATURES:
        do_xfer_features(c);
        break;
    case GDB_CMD_THREAD_FIRST: {
        GString *g = g_string_new("m");
        for (unsigned i = 0; i < machine.ncpus; i++)
            g_string_append_printf(g, "%s%x", i ? "," : "", i + 1);
        reply_gs(g);
        g_string_free(g, TRUE);
        break;
    }
    case GDB_CMD_THREAD_NEXT:
        reply("l");
        break;
    case GDB_CMD_CURRENT_THREAD: {
        char buf[24];
        snprintf(buf, sizeof(buf), "QC%x", S.g_cpu + 1);
        reply(buf);
        break;
    }
    case GDB_CMD_ATTACHED:
        reply("1");
        break;
    case GDB_CMD_THREAD_EXTRA: {
        if (!thread_valid(c->thread)) {
            reply_error(0x16);
            break;
        }
        Cpu *cpu = cpu_of((unsigned)c->thread - 1);
        char text[64], hex[129];
        snprintf(text, sizeof(text), "CPU#%u [%s]", (unsigned)c->thread - 1,
                 cpu_is_idle(cpu) ? "halted" : "running");
        gdb_hex_encode(hex, (const uint8_t *)text, strlen(text));
        reply(hex);
        break;
    }
    case GDB_CMD_RCMD:
        reply_rcmd(c->text);
        break;
    case GDB_CMD_NO_ACK:
        reply("OK");
        S.no_ack = true;
        break;
    case GDB_CMD_SSTEP_BITS:
        reply("ENABLE=1,NOIRQ=2,NOTIMER=4");
        break;
    case GDB_CMD_SSTEP_GET: {
        char buf[16];
        snprintf(buf, sizeof(buf), "0x%x", S.sstep);
        reply(buf);
        break;
    }
    case GDB_CMD_SSTEP_SET:
        if (c->addr & ~(uint64_t)7) {
            reply_error(0x16);
            break;
        }
        S.sstep = (unsigned)c->addr;
        reply("OK");
        break;
    }
}

/* ---------------------------------------------------------------------- */
/* Input                                                                   */

static void client_gone(void)
{
    close_client();
    detach(); /* the guest goes on without its debugger */
}

static void accept_client(void)
{
    int fd = accept(S.listen_fd, NULL, NULL);
    if (fd < 0)
        return;
    if (S.fd >= 0) { /* one debugger at a time */
        close(fd);
        return;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    S.fd = fd;
    S.no_ack = false;
    S.owe_stop = false;
    S.c_cpu = -1;
    gdb_framer_init(&S.framer);
    /* A debugger that attaches stops the machine, as with QEMU. */
    if (!debug_vm_stopped)
        debug_stop_vm(cpu_of(S.g_cpu), DEBUG_STOP_INTERRUPT);
}

static void read_client(void)
{
    uint8_t buf[4096];
    for (;;) {
        ssize_t n = recv(S.fd, buf, sizeof(buf), 0);
        if (n == 0) {
            client_gone();
            return;
        }
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                client_gone();
            return;
        }
        for (ssize_t i = 0; i < n && S.fd >= 0; i++) {
            switch (gdb_framer_byte(&S.framer, buf[i])) {
            case GDB_EV_PACKET:
                if (!S.no_ack)
                    send_raw("+", 1);
                handle_packet(S.framer.buf, S.framer.len);
                break;
            case GDB_EV_BAD:
                if (!S.no_ack)
                    send_raw("-", 1);
                break;
            case GDB_EV_NAK:
                if (!S.no_ack && S.last->len)
                    send_raw(S.last->str, S.last->len);
                break;
            case GDB_EV_INTERRUPT:
                if (!debug_vm_stopped)
                    debug_stop_vm(cpu_of(S.g_cpu), DEBUG_STOP_INTERRUPT);
                break;
            default:
                break;
            }
        }
        if (S.fd < 0)
            return;
    }
}

void gdbstub_poll(int timeout_ms)
{
    if (S.listen_fd < 0)
        return;
    struct pollfd p[2] = {{.fd = S.listen_fd, .events = POLLIN},
                          {.fd = S.fd, .events = POLLIN}};
    nfds_t n = S.fd >= 0 ? 2 : 1;
    if (poll(p, n, timeout_ms) > 0) {
        if (p[0].revents & POLLIN)
            accept_client();
        if (n == 2 && S.fd >= 0 && (p[1].revents & (POLLIN | POLLHUP |
                                                     POLLERR)))
            read_client();
    }
    if (debug_vm_stopped)
        collect_stop();
}

void gdbstub_serve_stopped(void)
{
    collect_stop();
    if (S.listen_fd < 0) {
        /* Nobody can resume it (should not happen: -S needs -gdb). */
        debug_resume_vm();
        return;
    }
    while (debug_vm_stopped && !sched_exit_requested()) {
        chardev_poll(0); /* the terminal's Ctrl-A x still works */
        gdbstub_poll(STOPPED_POLL_MS);
    }
}
