/* SPDX-License-Identifier: MIT */
/*
 * Character backends. Each backend has at most one input fd, read only
 * when poll(2) says so, so the guest never waits on the host; and one
 * output fd.
 *
 * Output is buffered: a UART sends one byte at a time, and a system call
 * (and a reader's wake-up) per byte is most of what a chatty guest costs
 * the host. There is one buffer for all backends, holding bytes of one
 * backend at a time (another backend's write first writes it out), so
 * bytes reach the host in exactly the order the guest sent them, across
 * backends too. chardev_flush() writes it out; it runs when the buffer
 * fills, in every chardev_poll() (before it reads input or waits, and
 * after it delivered input, so that monitor replies go at once), which
 * the main loop calls at least every millisecond of host time while a CPU
 * runs; before the core writes messages to stderr or the log (log.c); at
 * exit (chardev_cleanup(), atexit) and on the fatal signals.
 *
 * Input goes through a per-backend buffer and is handed to the receiver
 * only as fast as its can_read() allows. A pipe is read only while the
 * buffer has room, so no byte of a piped input is ever lost. A terminal
 * is always read, so that the Ctrl-A escapes work even when the guest
 * stops reading; keys typed into a full buffer are dropped.
 *
 * Sockets: a server listens and serves one peer at a time, going back to
 * listening when it leaves; a client with reconnect=N tries again every N
 * seconds. Output while nobody is connected is dropped, as in QEMU.
 * A mux backend hands input to its focused front end; Ctrl-A escapes
 * apply to it even when the input is not a terminal (as in QEMU).
 */
#define _GNU_SOURCE /* posix_openpt, ptsname */
#include "kernel/chardev.h"
#include "kernel/fdwatch.h"
#include "kernel/sched.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <fcntl.h>
#include <glib.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define CHR_INBUF 4096
#define CHR_ESCAPE 0x01 /* Ctrl-A, as in QEMU */

typedef enum ChrKind {
    CHR_NULL,
    CHR_STDIO,
    CHR_FILE,
    CHR_SOCKET,
    CHR_PTY,
} ChrKind;

typedef struct ChrFrontend {
    int (*can_read)(void *opaque);
    void (*receive)(void *opaque, const uint8_t *buf, size_t len);
    void (*event)(void *opaque, ChrEvent ev);
    void *opaque;
    bool core; /* monitor or QMP: fed from chardev_poll() only */
} ChrFrontend;

struct TesseraChardev {
    char *id;
    ChrKind kind;
    int in_fd;        /* -1: no input */
    int out_fd;       /* -1: output is discarded */
    bool in_eof;      /* no more input will come */
    bool out_broken;  /* a write failed: stop trying */
    bool tty;         /* input is a terminal: Ctrl-A escapes apply */
    bool mux;         /* several front ends, Ctrl-A c switches */
    bool escape;      /* Ctrl-A seen, the command byte comes next */
    bool delivering;  /* inside the receiver: accept_input must not recurse */
    ChrFrontend fe[CHR_MAX_FRONTENDS];
    unsigned nfe, focus;
    /* socket */
    bool server, wait, is_socket;
    int listen_fd;             /* server: -1 when not listening */
    unsigned reconnect;        /* client: seconds between attempts, 0 = no */
    int64_t next_connect_us;   /* client: when to try again (0: not due) */
    struct sockaddr_storage addr;
    socklen_t addrlen;
    char *descr;               /* "unix:PATH" / "tcp:HOST:PORT" */
    char *unlink_path;         /* server UNIX socket file to remove at exit */
    int pty_slave;             /* pty: kept open so the master never hangs up */
    size_t in_len;
    uint8_t in[CHR_INBUF];
};

static GPtrArray *chr_all;
static GHashTable *chr_aliases; /* extra id -> TesseraChardev */
static TesseraChardev *chr_stdio; /* only one backend may own stdin */

/* ---------------------------------------------------------------------- */
/* The terminal                                                            */

static struct termios chr_saved_tty;
static volatile sig_atomic_t chr_tty_raw;

/* Async-signal-safe: called from signal handlers and at exit. */
static void chr_tty_restore(void)
{
    if (chr_tty_raw) {
        tcsetattr(STDIN_FILENO, TCSANOW, &chr_saved_tty);
        chr_tty_raw = 0;
    }
}

static void chr_out_flush_signal(void);

static void chr_atexit(void)
{
    chardev_flush();
    chr_tty_restore();
}

/*
 * A fatal signal must not lose the output buffered so far, nor leave the
 * user's shell in raw mode: write the one, restore the other, then let
 * the signal's default action run (SA_RESETHAND put it back; the signal
 * stays blocked until we return, then kills us).
 */
static void chr_signal(int sig)
{
    chr_out_flush_signal();
    chr_tty_restore();
    raise(sig);
}

static void chr_install_signals(void)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    static bool done;

    if (done)
        return;
    done = true;
    atexit(chr_atexit);
    for (size_t i = 0; i < G_N_ELEMENTS(sigs); i++) {
        struct sigaction old, sa;
        /* Whoever installed a handler first (the CLI) keeps it. */
        if (sigaction(sigs[i], NULL, &old) < 0 || old.sa_handler != SIG_DFL)
            continue;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = chr_signal;
        sa.sa_flags = SA_RESETHAND;
        sigemptyset(&sa.sa_mask);
        sigaction(sigs[i], &sa, NULL);
    }
}

/*
 * Raw input so that every key reaches the guest (Ctrl-C included: the
 * Ctrl-A x escape ends the emulator), but output processing stays on so
 * that our own messages still start at the left margin.
 */
static void chr_tty_make_raw(void)
{
    struct termios t;

    if (tcgetattr(STDIN_FILENO, &chr_saved_tty) < 0)
        return;
    chr_install_signals();
    t = chr_saved_tty;
    t.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR |
                   ICRNL | IXON);
    t.c_lflag &= ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
    t.c_cflag &= ~(CSIZE | PARENB);
    t.c_cflag |= CS8;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    if (tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0)
        chr_tty_raw = 1;
}

/* ---------------------------------------------------------------------- */
/* Connections                                                             */

static void chr_event(TesseraChardev *chr, ChrEvent ev)
{
    /* A mux tells only the focused front end that a peer came or went. */
    for (unsigned i = 0; i < chr->nfe; i++) {
        if (chr->mux && i != chr->focus)
            continue;
        if (chr->fe[i].event)
            chr->fe[i].event(chr->fe[i].opaque, ev);
    }
}

static void chr_set_conn(TesseraChardev *chr, int fd)
{
    chr->in_fd = chr->out_fd = fd;
    chr->in_eof = false;
    chr->out_broken = false;
    chr->in_len = 0;
    chr->escape = false;
}

static void chr_out_drop(TesseraChardev *chr);

/* The peer left: listen again, plan a reconnection, or give up. */
static void chr_disconnect(TesseraChardev *chr)
{
    if (!chr->is_socket || chr->in_fd < 0)
        return;
    chr_out_drop(chr);
    close(chr->in_fd);
    chr->in_fd = chr->out_fd = -1;
    chr->in_len = 0;
    if (!chr->server && chr->reconnect)
        chr->next_connect_us = g_get_monotonic_time() +
                               (int64_t)chr->reconnect * G_USEC_PER_SEC;
    chr_event(chr, CHR_EVENT_CLOSED);
}

/* ---------------------------------------------------------------------- */
/* Output                                                                  */

/*
 * The output buffer (see the top of the file): bytes start..len-1 of buf
 * are owner's and not written yet. A fatal signal's handler writes them
 * too, so the fields it reads are volatile, a signal fence orders the
 * bytes before len, and writing marks the moment a write(2) is under way
 * (its bytes may be out already: the handler leaves them alone).
 */
#define CHR_OUTBUF 4096

static struct {
    TesseraChardev *volatile owner;   /* NULL: empty */
    volatile sig_atomic_t start, len;
    volatile sig_atomic_t writing;
    uint8_t buf[CHR_OUTBUF];
} chr_out;
static bool chr_out_armed; /* the exit and signal hooks are installed */

static void chr_out_reset(void)
{
    chr_out.len = 0; /* first: start > len reads as empty */
    chr_out.start = 0;
    chr_out.owner = NULL;
}

/* Drops chr's unwritten output (its peer went away). */
static void chr_out_drop(TesseraChardev *chr)
{
    if (chr_out.owner == chr)
        chr_out_reset();
}

static ssize_t chr_out_syscall(const TesseraChardev *chr, const uint8_t *buf,
                               size_t len)
{
    return chr->is_socket ? send(chr->out_fd, buf, len, MSG_NOSIGNAL)
                          : write(chr->out_fd, buf, len);
}

void chardev_flush(void)
{
    TesseraChardev *chr = chr_out.owner;
    bool lost_peer = false;

    while (chr && chr_out.start < chr_out.len && !chr->out_broken &&
           chr->out_fd >= 0) {
        chr_out.writing = 1;
        ssize_t n = chr_out_syscall(chr, chr_out.buf + chr_out.start,
                                    (size_t)(chr_out.len - chr_out.start));
        if (n > 0)
            chr_out.start += (sig_atomic_t)n;
        chr_out.writing = 0;
        if (n > 0) {
            continue;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
                   chr->kind == CHR_PTY) {
            break; /* nobody reads the terminal: drop, never block */
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            /* Someone made the fd non-blocking: wait until it drains. */
            struct pollfd p = {.fd = chr->out_fd, .events = POLLOUT};
            poll(&p, 1, -1);
        } else if (chr->is_socket) {
            lost_peer = true;
            break;
        } else {
            chr->out_broken = true;
        }
    }
    chr_out_reset();
    /* Last: its front ends hear of it and may write (to a fresh buffer). */
    if (lost_peer)
        chr_disconnect(chr);
}

void tessera_console_flush(void)
{
    chardev_flush();
}

/*
 * From a fatal signal's handler: writes what the buffer holds, unless the
 * main loop was in the middle of writing it, and only while the fd takes
 * it at once (a reader that stopped reading must not keep us alive).
 */
static void chr_out_flush_signal(void)
{
    TesseraChardev *chr = chr_out.owner;

    if (!chr || chr_out.writing || chr->out_fd < 0 || chr->out_broken)
        return;
    sig_atomic_t len = chr_out.len;
    atomic_signal_fence(memory_order_acquire);
    while (chr_out.start < len) {
        struct pollfd p = {.fd = chr->out_fd, .events = POLLOUT};
        if (poll(&p, 1, 0) != 1 || !(p.revents & POLLOUT))
            return;
        ssize_t n = chr_out_syscall(chr, chr_out.buf + chr_out.start,
                                    (size_t)(len - chr_out.start));
        if (n <= 0)
            return;
        chr_out.start += (sig_atomic_t)n;
    }
}

void tessera_chr_write(TesseraChardev *chr, const uint8_t *buf, size_t len)
{
    if (!chr || len == 0)
        return;
    while (len > 0 && chr->out_fd >= 0 && !chr->out_broken) {
        if ((chr_out.owner && chr_out.owner != chr) ||
            chr_out.len == CHR_OUTBUF) {
            /* May call front ends back (a peer left): look again. */
            chardev_flush();
            continue;
        }
        if (!chr_out.owner) {
            if (!chr_out_armed) {
                chr_out_armed = true;
                chr_install_signals();
            }
            chr_out.owner = chr;
        }
        size_t n = MIN(len, (size_t)(CHR_OUTBUF - chr_out.len));
        memcpy(chr_out.buf + chr_out.len, buf, n);
        atomic_signal_fence(memory_order_release);
        chr_out.len += (sig_atomic_t)n;
        buf += n;
        len -= n;
    }
}

static void chr_print(TesseraChardev *chr, const char *s)
{
    tessera_chr_write(chr, (const uint8_t *)s, strlen(s));
}

/* ---------------------------------------------------------------------- */
/* Front ends and input                                                    */

static ChrFrontend *chr_fe_slot(TesseraChardev *chr, void *opaque)
{
    for (unsigned i = 0; i < chr->nfe; i++)
        if (chr->fe[i].opaque == opaque)
            return &chr->fe[i];
    if (!chr->mux)
        return &chr->fe[0]; /* a plain backend has one: the last one set */
    if (chr->nfe == CHR_MAX_FRONTENDS)
        return NULL;
    return &chr->fe[chr->nfe];
}

void tessera_chr_set_receiver(TesseraChardev *chr,
                              int (*can_read)(void *opaque),
                              void (*receive)(void *opaque, const uint8_t *buf,
                                              size_t len),
                              void *opaque)
{
    ChrFrontend *fe;

    if (!chr || !(fe = chr_fe_slot(chr, opaque)))
        return;
    if (fe == &chr->fe[chr->nfe])
        chr->nfe++;
    *fe = (ChrFrontend){.can_read = can_read, .receive = receive,
                        .opaque = opaque};
}

bool chardev_add_frontend(TesseraChardev *chr, int (*can_read)(void *opaque),
                          void (*receive)(void *opaque, const uint8_t *buf,
                                          size_t len),
                          void (*event)(void *opaque, ChrEvent ev),
                          void *opaque)
{
    if (chardev_busy(chr) || (chr->mux && chr->nfe == CHR_MAX_FRONTENDS))
        return false;
    unsigned i = chr->nfe++;
    chr->fe[i] = (ChrFrontend){.can_read = can_read, .receive = receive,
                               .event = event, .opaque = opaque,
                               .core = true};
    if (event && chr->in_fd >= 0 && (!chr->mux || i == chr->focus))
        event(opaque, CHR_EVENT_OPENED);
    return true;
}

bool chardev_busy(TesseraChardev *chr)
{
    return !chr->mux && chr->nfe > 0;
}

void chardev_set_mux(TesseraChardev *chr)
{
    chr->mux = true;
}

bool chardev_is_mux(TesseraChardev *chr)
{
    return chr->mux;
}

const char *chardev_id(TesseraChardev *chr)
{
    return chr->id;
}

/*
 * Hands buffered input to the focused front end. True when some bytes
 * went. from_poll: called by the main loop (core front ends run only then,
 * never in the middle of a guest instruction).
 */
static bool chr_deliver(TesseraChardev *chr, bool from_poll)
{
    size_t done = 0;
    ChrFrontend *fe = chr->nfe ? &chr->fe[chr->focus] : NULL;

    if (!fe || !fe->receive || chr->delivering || chr->in_len == 0 ||
        (fe->core && !from_poll))
        return false;
    chr->delivering = true;
    while (done < chr->in_len && chr->nfe && fe == &chr->fe[chr->focus]) {
        size_t avail = chr->in_len - done;
        if (fe->can_read) {
            int n = fe->can_read(fe->opaque);
            if (n <= 0)
                break;
            avail = MIN(avail, (size_t)n);
        }
        fe->receive(fe->opaque, chr->in + done, avail);
        done += avail;
        if (chr->in_len == 0) /* the receiver disconnected us */
            break;
    }
    done = MIN(done, chr->in_len);
    memmove(chr->in, chr->in + done, chr->in_len - done);
    chr->in_len -= done;
    chr->delivering = false;
    return done > 0;
}

void tessera_chr_accept_input(TesseraChardev *chr)
{
    if (chr)
        chr_deliver(chr, false);
}

static void chr_push(TesseraChardev *chr, uint8_t c)
{
    if (chr->in_len < CHR_INBUF)
        chr->in[chr->in_len++] = c;
}

static const char chr_help[] =
    "\n"
    "C-a h    print this help\n"
    "C-a x    exit emulator\n"
    "C-a C-a  sends C-a\n";
static const char chr_help_mux[] = "C-a c    switch between console and monitor\n";

/* Ctrl-A c: the next front end gets the input. */
static void chr_switch_focus(TesseraChardev *chr)
{
    if (chr->nfe < 2)
        return;
    /* Input typed for the old front end stays with it: drop it. */
    chr->in_len = 0;
    chr->focus = (chr->focus + 1) % chr->nfe;
    if (chr->fe[chr->focus].event)
        chr->fe[chr->focus].event(chr->fe[chr->focus].opaque,
                                  CHR_EVENT_FOCUS);
}

/* A byte typed on the terminal or a mux: Ctrl-A starts a command for us. */
static void chr_escape_byte(TesseraChardev *chr, uint8_t c)
{
    if (!chr->escape) {
        if (c == CHR_ESCAPE)
            chr->escape = true;
        else
            chr_push(chr, c);
        return;
    }
    chr->escape = false;
    switch (c) {
    case 'x':
    case 'X':
        chr_print(chr, "\ntessera: terminated\n");
        chr_tty_restore();
        sched_request_quit("host-ui");
        break;
    case 'h':
    case 'H':
    case '?':
        chr_print(chr, chr_help);
        if (chr->mux)
            chr_print(chr, chr_help_mux);
        break;
    case 'c':
    case 'C':
        if (chr->mux)
            chr_switch_focus(chr);
        break;
    case CHR_ESCAPE:
        chr_push(chr, c);
        break;
    default: /* unknown commands are swallowed */
        break;
    }
}

static void chr_read_input(TesseraChardev *chr)
{
    uint8_t tmp[256];
    bool escapes = chr->tty || chr->mux;
    uint8_t *dst = escapes ? tmp : chr->in + chr->in_len;
    size_t room = escapes ? sizeof(tmp) : CHR_INBUF - chr->in_len;
    ssize_t n;

    chardev_flush(); /* what the guest wrote comes before what it reads */
    do {
        n = read(chr->in_fd, dst, room);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return;
    if (n <= 0) {
        if (chr->is_socket) {
            chr_disconnect(chr);
            return;
        }
        /* End of input (or a hung-up terminal): the guest just gets no more. */
        chr->in_eof = true;
        return;
    }
    if (!escapes) {
        chr->in_len += (size_t)n;
        return;
    }
    for (ssize_t i = 0; i < n; i++)
        chr_escape_byte(chr, tmp[i]);
}

static bool chr_wants_input(const TesseraChardev *chr)
{
    return chr->in_fd >= 0 && !chr->in_eof &&
           (chr->tty || chr->mux || chr->in_len < CHR_INBUF);
}

/* ---------------------------------------------------------------------- */
/* Sockets                                                                 */

static int chr_try_connect(TesseraChardev *chr)
{
    int fd = socket(chr->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&chr->addr, chr->addrlen) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    if (chr->addr.ss_family != AF_UNIX) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    }
    return fd;
}

static void chr_accept(TesseraChardev *chr)
{
    int fd = accept4(chr->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0)
        return;
    if (chr->in_fd >= 0) { /* one peer at a time */
        close(fd);
        return;
    }
    chr_set_conn(chr, fd);
    chr_event(chr, CHR_EVENT_OPENED);
}

static void chr_reconnect(TesseraChardev *chr)
{
    int fd = chr_try_connect(chr);
    if (fd < 0) {
        chr->next_connect_us = g_get_monotonic_time() +
                               (int64_t)chr->reconnect * G_USEC_PER_SEC;
        return;
    }
    chr->next_connect_us = 0;
    chr_set_conn(chr, fd);
    chr_event(chr, CHR_EVENT_OPENED);
}

/* Clamps timeout_ms to the next reconnection attempt; makes due ones. */
static int chr_reconnect_due(int timeout_ms)
{
    int64_t now = g_get_monotonic_time();
    for (unsigned i = 0; chr_all && i < chr_all->len; i++) {
        TesseraChardev *chr = g_ptr_array_index(chr_all, i);
        if (!chr->next_connect_us || chr->in_fd >= 0)
            continue;
        if (chr->next_connect_us <= now) {
            chr_reconnect(chr);
            if (chr->in_fd >= 0)
                continue;
        }
        int ms = (int)((chr->next_connect_us - now + 999) / 1000);
        if (ms < 0)
            ms = 0;
        if (timeout_ms < 0 || ms < timeout_ms)
            timeout_ms = ms;
    }
    return timeout_ms;
}

static int chr_wakeup_fd = -1;

void chardev_set_wakeup_fd(int fd)
{
    chr_wakeup_fd = fd;
}

bool chardev_poll(int timeout_ms)
{
    /* Backends with a descriptor in the set, by index (they come first). */
    static TesseraChardev **who;
    static bool *listening;
    static unsigned who_cap;
    unsigned nfds = 0;
    bool delivered = false;

    /* Before it reads or waits; and at least every millisecond while a
     * CPU runs, as the main loop calls us that often. */
    chardev_flush();
    timeout_ms = chr_reconnect_due(timeout_ms);
    for (unsigned i = 0; chr_all && i < chr_all->len; i++)
        delivered |= chr_deliver(g_ptr_array_index(chr_all, i), true);
    if (delivered)
        timeout_ms = 0;

    fdwatch_begin();
    if (chr_all && who_cap < chr_all->len) {
        who_cap = chr_all->len;
        who = g_renew(TesseraChardev *, who, who_cap);
        listening = g_renew(bool, listening, who_cap);
    }
    for (unsigned i = 0; chr_all && i < chr_all->len; i++) {
        TesseraChardev *chr = g_ptr_array_index(chr_all, i);
        if (chr_wants_input(chr)) {
            fdwatch_add(chr->in_fd, POLLIN);
            listening[nfds] = false;
            who[nfds++] = chr;
        } else if (chr->listen_fd >= 0 && chr->in_fd < 0) {
            fdwatch_add(chr->listen_fd, POLLIN);
            listening[nfds] = true;
            who[nfds++] = chr;
        }
    }
    /* The bottom halves' wake-up descriptor (chardev_set_wakeup_fd). */
    int wake_idx = chr_wakeup_fd >= 0 ? fdwatch_add(chr_wakeup_fd, POLLIN)
                                      : -1;
    /* Network backends too, while the machine runs (fdwatch.h). */
    int r = fdwatch_poll(timeout_ms, fdwatch_sources_enabled());
    if (r > 0) {
        if (wake_idx >= 0 && (fdwatch_revents(wake_idx) & POLLIN))
            delivered = true;
        for (unsigned i = 0; i < nfds; i++) {
            TesseraChardev *chr = who[i];
            short rev = fdwatch_revents(i);
            if (listening[i]) {
                if (rev & POLLIN)
                    chr_accept(chr);
                continue;
            }
            if (rev & (POLLIN | POLLHUP | POLLERR))
                chr_read_input(chr);
            if (rev & POLLNVAL)
                chr->in_eof = true;
            delivered |= chr_deliver(chr, true);
        }
    }
    delivered |= fdwatch_dispatch(r);
    chardev_flush(); /* the replies of the monitors just fed */
    return delivered;
}

/* ---------------------------------------------------------------------- */
/* Creation                                                                */

static TesseraChardev *chr_alloc(const char *id, ChrKind kind)
{
    TesseraChardev *chr = g_new0(TesseraChardev, 1);

    chr->id = g_strdup(id);
    chr->kind = kind;
    chr->in_fd = -1;
    chr->out_fd = -1;
    chr->listen_fd = -1;
    chr->pty_slave = -1;
    if (!chr_all)
        chr_all = g_ptr_array_new();
    g_ptr_array_add(chr_all, chr);
    return chr;
}

static TesseraChardev *chr_new_stdio(const char *id, char *err, size_t errlen)
{
    TesseraChardev *chr;

    if (chr_stdio) {
        snprintf(err, errlen,
                 "stdio is already used by character backend '%s'",
                 chr_stdio->id);
        return NULL;
    }
    chr = chr_alloc(id, CHR_STDIO);
    chr->in_fd = STDIN_FILENO;
    chr->out_fd = STDOUT_FILENO;
    if (fcntl(STDIN_FILENO, F_GETFD) < 0)
        chr->in_eof = true; /* stdin closed: no input */
    if (isatty(STDIN_FILENO)) {
        chr->tty = true;
        chr_tty_make_raw();
    }
    chr_stdio = chr;
    return chr;
}

static TesseraChardev *chr_new_file(const char *id, const char *path,
                                    char *err, size_t errlen)
{
    TesseraChardev *chr;
    int fd;

    if (!*path) {
        snprintf(err, errlen, "file: needs a path (file:PATH)");
        return NULL;
    }
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    chr = chr_alloc(id, CHR_FILE);
    chr->out_fd = fd;
    return chr;
}

static TesseraChardev *chr_new_pty(const char *id, char *err, size_t errlen)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    const char *name;
    struct termios t;
    int slave;

    if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0 ||
        !(name = ptsname(master))) {
        snprintf(err, errlen, "cannot create a pseudo-terminal: %s",
                 strerror(errno));
        if (master >= 0)
            close(master);
        return NULL;
    }
    slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0) {
        snprintf(err, errlen, "%s: %s", name, strerror(errno));
        close(master);
        return NULL;
    }
    /* A raw line: bytes pass unchanged both ways. */
    if (tcgetattr(slave, &t) == 0) {
        cfmakeraw(&t);
        tcsetattr(slave, TCSANOW, &t);
    }
    fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
    TesseraChardev *chr = chr_alloc(id, CHR_PTY);
    chr->in_fd = chr->out_fd = master;
    chr->pty_slave = slave;
    /* QEMU's message, which scripts look for. */
    fprintf(stderr, "char device redirected to %s (label %s)\n", name, id);
    return chr;
}

/* Options of a socket backend, from -chardev or a legacy spec. */
typedef struct SockOpts {
    const char *path, *host, *port;
    bool server, wait, abstract, tight, is_unix;
    unsigned reconnect;
} SockOpts;

static bool sock_resolve(TesseraChardev *chr, const SockOpts *o, char *err,
                         size_t errlen)
{
    if (o->is_unix) {
        struct sockaddr_un *un = (struct sockaddr_un *)&chr->addr;
        size_t len = strlen(o->path), off = o->abstract ? 1 : 0;
        if (!len || len + off >= sizeof(un->sun_path)) {
            snprintf(err, errlen, "UNIX socket path '%s' is %s", o->path,
                     len ? "too long" : "empty");
            return false;
        }
        un->sun_family = AF_UNIX;
        memcpy(un->sun_path + off, o->path, len);
        /*
         * Linux abstract names are exactly addrlen bytes long: tight=on
         * uses the name's length, tight=off the whole zero-padded
         * sun_path (the two are different names).
         */
        if (o->abstract && !o->tight)
            chr->addrlen = sizeof(*un);
        else
            chr->addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
                                       off + len + (o->abstract ? 0 : 1));
        chr->descr = g_strdup_printf("unix:%s%s", o->abstract ? "@" : "",
                                     o->path);
        return true;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = o->server ? AI_PASSIVE : 0};
    struct addrinfo *res = NULL;
    const char *host = o->host && *o->host ? o->host : NULL;
    if (!o->port || !*o->port) {
        snprintf(err, errlen, "a TCP socket needs a port (tcp:HOST:PORT)");
        return false;
    }
    if (!host && !o->server)
        host = "localhost";
    int r = getaddrinfo(host, o->port, &hints, &res);
    if (r != 0 || !res) {
        snprintf(err, errlen, "address '%s:%s': %s", host ? host : "",
                 o->port, gai_strerror(r));
        return false;
    }
    memcpy(&chr->addr, res->ai_addr, res->ai_addrlen);
    chr->addrlen = res->ai_addrlen;
    freeaddrinfo(res);
    chr->descr = g_strdup_printf("tcp:%s:%s", host ? host : "", o->port);
    return true;
}

static TesseraChardev *chr_new_socket(const char *id, const SockOpts *o,
                                      char *err, size_t errlen)
{
    TesseraChardev *chr = chr_alloc(id, CHR_SOCKET);
    chr->is_socket = true;
    chr->server = o->server;
    chr->wait = o->wait;
    chr->reconnect = o->reconnect;
    if (!sock_resolve(chr, o, err, errlen))
        goto fail;
    if (!o->server) {
        int fd = chr_try_connect(chr);
        if (fd < 0) {
            if (!o->reconnect) {
                snprintf(err, errlen, "cannot connect to %s: %s", chr->descr,
                         strerror(errno));
                goto fail;
            }
            chr->next_connect_us = g_get_monotonic_time() +
                                   (int64_t)o->reconnect * G_USEC_PER_SEC;
        } else {
            chr_set_conn(chr, fd);
        }
        return chr;
    }
    int fd = socket(chr->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0)
        goto fail_errno;
    if (chr->addr.ss_family != AF_UNIX)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    else if (!o->abstract)
        unlink(o->path); /* a stale socket file of an earlier run */
    if (bind(fd, (struct sockaddr *)&chr->addr, chr->addrlen) < 0 ||
        listen(fd, 1) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        goto fail_errno;
    }
    chr->listen_fd = fd;
    if (chr->addr.ss_family == AF_UNIX && !o->abstract)
        chr->unlink_path = g_strdup(o->path);
    if (o->wait) {
        fprintf(stderr, "tessera: waiting for connection on %s,server=on\n",
                chr->descr);
        int c;
        do {
            c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
        } while (c < 0 && errno == EINTR);
        if (c < 0)
            goto fail_errno;
        chr_set_conn(chr, c);
    }
    return chr;

fail_errno:
    snprintf(err, errlen, "%s: %s", chr->descr, strerror(errno));
fail:
    g_ptr_array_remove(chr_all, chr);
    if (chr->listen_fd >= 0)
        close(chr->listen_fd);
    if (chr->unlink_path)
        unlink(chr->unlink_path);
    g_free(chr->unlink_path);
    g_free(chr->descr);
    g_free(chr->id);
    g_free(chr);
    return NULL;
}

TesseraChardev *chardev_find(const char *id)
{
    char err[128];

    for (unsigned i = 0; id && chr_all && i < chr_all->len; i++) {
        TesseraChardev *chr = g_ptr_array_index(chr_all, i);
        if (strcmp(chr->id, id) == 0)
            return chr;
    }
    if (!id)
        return NULL;
    if (chr_aliases && g_hash_table_contains(chr_aliases, id))
        return g_hash_table_lookup(chr_aliases, id);
    /*
     * Board files may name the well-known backends directly: "stdio" is
     * whichever backend owns stdin (created on first use), and "null" or
     * "none" a fresh sink.
     */
    if (strcmp(id, "stdio") == 0)
        return chr_stdio ? chr_stdio : chardev_new(id, id, err, sizeof(err));
    if (strcmp(id, "null") == 0 || strcmp(id, "none") == 0)
        return chardev_new(id, id, err, sizeof(err));
    return NULL;
}

void chardev_alias(const char *name, TesseraChardev *chr)
{
    if (!chr_aliases)
        chr_aliases = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                            NULL);
    g_hash_table_replace(chr_aliases, g_strdup(name), chr);
}

static bool chr_id_taken(const char *id, char *err, size_t errlen)
{
    for (unsigned i = 0; chr_all && i < chr_all->len; i++) {
        TesseraChardev *chr = g_ptr_array_index(chr_all, i);
        if (strcmp(chr->id, id) == 0) {
            snprintf(err, errlen, "character backend '%s' already exists", id);
            return true;
        }
    }
    return false;
}

/* "on"/"off" (and the other spellings of util_parse_bool). */
static bool opt_bool(const char *key, const char *v, bool *out, char *err,
                     size_t errlen)
{
    if (!strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "true")) {
        *out = true;
        return true;
    }
    if (!strcmp(v, "off") || !strcmp(v, "no") || !strcmp(v, "false")) {
        *out = false;
        return true;
    }
    snprintf(err, errlen, "%s=%s: expected on or off", key, v);
    return false;
}

/*
 * Parses socket options "key=value" (and QEMU's bare "server", "nowait")
 * from items into o. The first item is not looked at.
 */
static bool sock_parse_opts(char **items, SockOpts *o, bool *mux, char *err,
                            size_t errlen)
{
    bool have_wait = false, have_tight = false;

    o->tight = true;
    o->wait = true;
    for (char **it = items; *it; it++) {
        char *kv = *it, *eq = strchr(kv, '=');
        const char *v = eq ? eq + 1 : "on";
        size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);
        bool b;
#define KEY(name) (klen == strlen(name) && !strncmp(kv, name, klen))
        if (KEY("server")) {
            if (!opt_bool("server", v, &o->server, err, errlen))
                return false;
        } else if (KEY("wait")) {
            if (!opt_bool("wait", v, &o->wait, err, errlen))
                return false;
            have_wait = true;
        } else if (KEY("nowait")) {
            o->wait = false;
            have_wait = true;
        } else if (KEY("abstract")) {
            if (!opt_bool("abstract", v, &o->abstract, err, errlen))
                return false;
        } else if (KEY("tight")) {
            if (!opt_bool("tight", v, &o->tight, err, errlen))
                return false;
            have_tight = true;
        } else if (KEY("nodelay") || KEY("telnet") || KEY("websocket")) {
            if (!opt_bool("option", v, &b, err, errlen))
                return false;
            if (b && !KEY("nodelay")) {
                snprintf(err, errlen, "'%s' is not supported", kv);
                return false;
            }
        } else if (KEY("reconnect")) {
            char *end;
            unsigned long n = strtoul(v, &end, 10);
            if (!*v || *end || n > 86400) {
                snprintf(err, errlen, "reconnect=%s: expected seconds (0 to "
                         "86400)", v);
                return false;
            }
            o->reconnect = (unsigned)n;
        } else if (KEY("mux") && mux) {
            if (!opt_bool("mux", v, mux, err, errlen))
                return false;
        } else if (KEY("path") && eq) {
            o->path = v;
            o->is_unix = true;
        } else if (KEY("host") && eq) {
            o->host = v;
        } else if (KEY("port") && eq) {
            o->port = v;
        } else if (KEY("id") || KEY("ipv4") || KEY("ipv6") || KEY("to")) {
            continue; /* id: taken by the caller; the rest: any family */
        } else {
            snprintf(err, errlen, "unknown socket option '%s' (known: path, "
                     "host, port, server, wait, reconnect, abstract, tight, "
                     "nodelay, mux)", kv);
            return false;
        }
#undef KEY
    }
    if (o->server && o->reconnect) {
        snprintf(err, errlen, "reconnect=%u is for clients (server=off)",
                 o->reconnect);
        return false;
    }
    if (!o->server && have_wait) {
        snprintf(err, errlen, "wait= is for servers (server=on)");
        return false;
    }
    if ((o->abstract || have_tight) && !o->is_unix) {
        snprintf(err, errlen, "abstract= and tight= are for UNIX sockets");
        return false;
    }
    return true;
}

/* "unix:PATH,opts" / "tcp:HOST:PORT,opts" */
static TesseraChardev *chr_new_legacy_socket(const char *id, const char *spec,
                                             char *err, size_t errlen)
{
    char **items = g_strsplit(spec, ",", -1);
    SockOpts o = {0};
    TesseraChardev *chr = NULL;
    char *hostport = NULL;

    if (g_str_has_prefix(items[0], "unix:")) {
        o.path = items[0] + 5;
        o.is_unix = true;
    } else {
        hostport = g_strdup(items[0] + 4);
        char *colon = strrchr(hostport, ':');
        if (!colon) {
            snprintf(err, errlen, "expected tcp:HOST:PORT");
            goto out;
        }
        *colon = 0;
        o.host = hostport;
        o.port = colon + 1;
        /* [::1]:4444 */
        if (o.host[0] == '[' && o.host[strlen(o.host) - 1] == ']') {
            o.host++;
            hostport[strlen(hostport) - 1] = 0;
        }
    }
    if (sock_parse_opts(items + 1, &o, NULL, err, errlen))
        chr = chr_new_socket(id, &o, err, errlen);
out:
    g_free(hostport);
    g_strfreev(items);
    return chr;
}

TesseraChardev *chardev_new(const char *id, const char *spec, char *err,
                            size_t errlen)
{
    if (!id || !*id || !spec) {
        snprintf(err, errlen, "character backend needs an id and a spec");
        return NULL;
    }
    if (chr_id_taken(id, err, errlen))
        return NULL;
    if (strcmp(spec, "stdio") == 0)
        return chr_new_stdio(id, err, errlen);
    if (strcmp(spec, "null") == 0 || strcmp(spec, "none") == 0)
        return chr_alloc(id, CHR_NULL);
    if (strcmp(spec, "pty") == 0)
        return chr_new_pty(id, err, errlen);
    if (strcmp(spec, "file") == 0 || strcmp(spec, "file:") == 0) {
        snprintf(err, errlen, "the file backend needs a path (path=PATH with "
                              "-chardev, file:PATH with -serial)");
        return NULL;
    }
    if (strncmp(spec, "file:", 5) == 0)
        return chr_new_file(id, spec + 5, err, errlen);
    if (g_str_has_prefix(spec, "unix:") || g_str_has_prefix(spec, "tcp:"))
        return chr_new_legacy_socket(id, spec, err, errlen);
    snprintf(err, errlen,
             "unknown character backend '%s' (expected stdio, null, none, "
             "file:PATH, pty, unix:PATH[,server=on,...], "
             "tcp:HOST:PORT[,server=on,...], mon:SPEC or chardev:ID)", spec);
    return NULL;
}

TesseraChardev *chardev_new_opts(const char *opts, char *err, size_t errlen)
{
    char **items = g_strsplit(opts, ",", -1);
    const char *type = items[0], *id = NULL, *path = NULL;
    bool mux = false;
    TesseraChardev *chr = NULL;

    for (char **it = items + 1; *it; it++) {
        if (g_str_has_prefix(*it, "id="))
            id = *it + 3;
        else if (g_str_has_prefix(*it, "path="))
            path = *it + 5;
    }
    if (!id || !*id) {
        snprintf(err, errlen, "needs id=NAME");
        goto out;
    }
    if (!strcmp(type, "socket")) {
        SockOpts o = {0};
        if (!sock_parse_opts(items + 1, &o, &mux, err, errlen))
            goto out;
        if (!o.is_unix && !o.port) {
            snprintf(err, errlen, "a socket needs path=PATH or "
                     "host=HOST,port=PORT");
            goto out;
        }
        if (!chr_id_taken(id, err, errlen))
            chr = chr_new_socket(id, &o, err, errlen);
    } else {
        /* stdio, null, pty, file: path= and mux= only */
        for (char **it = items + 1; *it; it++) {
            if (g_str_has_prefix(*it, "id=") || g_str_has_prefix(*it, "path="))
                continue;
            if (g_str_has_prefix(*it, "mux=")) {
                if (!opt_bool("mux", *it + 4, &mux, err, errlen))
                    goto out;
            } else if (g_str_has_prefix(*it, "signal=")) {
                continue; /* Ctrl-C always reaches the guest here */
            } else {
                snprintf(err, errlen, "unknown option '%s'", *it);
                goto out;
            }
        }
        if (!strcmp(type, "file")) {
            char *spec = g_strdup_printf("file:%s", path ? path : "");
            chr = chardev_new(id, spec, err, errlen);
            g_free(spec);
        } else if (!strcmp(type, "stdio") || !strcmp(type, "null") ||
                   !strcmp(type, "pty")) {
            chr = chardev_new(id, type, err, errlen);
        } else {
            snprintf(err, errlen, "unknown backend type '%s' (expected "
                     "socket, stdio, pty, null or file)", type);
        }
    }
    if (chr && mux)
        chr->mux = true;
out:
    g_strfreev(items);
    return chr;
}

void chardev_cleanup(void)
{
    chardev_flush();
    chr_tty_restore();
    for (unsigned i = 0; chr_all && i < chr_all->len; i++) {
        TesseraChardev *chr = g_ptr_array_index(chr_all, i);
        if ((chr->kind == CHR_FILE || chr->kind == CHR_SOCKET ||
             chr->kind == CHR_PTY) && chr->out_fd >= 0)
            close(chr->out_fd);
        if (chr->listen_fd >= 0)
            close(chr->listen_fd);
        if (chr->pty_slave >= 0)
            close(chr->pty_slave);
        if (chr->unlink_path)
            unlink(chr->unlink_path);
        g_free(chr->unlink_path);
        g_free(chr->descr);
        g_free(chr->id);
        g_free(chr);
    }
    if (chr_all)
        g_ptr_array_free(chr_all, TRUE);
    if (chr_aliases)
        g_hash_table_destroy(chr_aliases);
    chr_aliases = NULL;
    chr_all = NULL;
    chr_stdio = NULL;
}
