/* SPDX-License-Identifier: MIT */
/*
 * Character backends. Each backend has at most one input fd, read only
 * when poll(2) says so, so the guest never waits on the host; and one
 * output fd written directly (no stdio buffering) so that whoever reads
 * our output through a pipe sees each byte as the guest sends it.
 *
 * Input goes through a per-backend buffer and is handed to the receiver
 * only as fast as its can_read() allows. A pipe is read only while the
 * buffer has room, so no byte of a piped input is ever lost. A terminal
 * is always read, so that the Ctrl-A escapes work even when the guest
 * stops reading; keys typed into a full buffer are dropped.
 */
#include "kernel/chardev.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <poll.h>
#include <signal.h>
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
} ChrKind;

struct TesseraChardev {
    char *id;
    ChrKind kind;
    int in_fd;        /* -1: no input */
    int out_fd;       /* -1: output is discarded */
    bool in_eof;      /* no more input will come */
    bool out_broken;  /* a write failed: stop trying */
    bool tty;         /* input is a terminal: Ctrl-A escapes apply */
    bool escape;      /* Ctrl-A seen, the command byte comes next */
    bool delivering;  /* inside the receiver: accept_input must not recurse */
    int (*can_read)(void *opaque);
    void (*receive)(void *opaque, const uint8_t *buf, size_t len);
    void *opaque;
    size_t in_len;
    uint8_t in[CHR_INBUF];
};

static GPtrArray *chr_all;
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

static void chr_atexit(void)
{
    chr_tty_restore();
}

/*
 * A fatal signal must not leave the user's shell in raw mode: restore the
 * terminal, then let the signal's default action run (SA_RESETHAND put it
 * back; the signal stays blocked until we return, then kills us).
 */
static void chr_signal(int sig)
{
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
/* Output                                                                  */

static void chr_write_fd(TesseraChardev *chr, const uint8_t *buf, size_t len)
{
    while (len > 0 && !chr->out_broken) {
        ssize_t n = write(chr->out_fd, buf, len);
        if (n > 0) {
            buf += n;
            len -= (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            /* Someone made the fd non-blocking: wait until it drains. */
            struct pollfd p = {.fd = chr->out_fd, .events = POLLOUT};
            poll(&p, 1, -1);
        } else {
            chr->out_broken = true;
        }
    }
}

void tessera_chr_write(TesseraChardev *chr, const uint8_t *buf, size_t len)
{
    if (!chr || chr->out_fd < 0 || len == 0)
        return;
    chr_write_fd(chr, buf, len);
}

static void chr_print(TesseraChardev *chr, const char *s)
{
    if (chr->out_fd >= 0)
        chr_write_fd(chr, (const uint8_t *)s, strlen(s));
}

/* ---------------------------------------------------------------------- */
/* Input                                                                   */

void tessera_chr_set_receiver(TesseraChardev *chr,
                              int (*can_read)(void *opaque),
                              void (*receive)(void *opaque, const uint8_t *buf,
                                              size_t len),
                              void *opaque)
{
    if (!chr)
        return;
    chr->can_read = can_read;
    chr->receive = receive;
    chr->opaque = opaque;
}

/* Hands buffered input to the receiver. True when some bytes went. */
static bool chr_deliver(TesseraChardev *chr)
{
    size_t done = 0;

    if (!chr->receive || chr->delivering || chr->in_len == 0)
        return false;
    chr->delivering = true;
    while (done < chr->in_len) {
        size_t avail = chr->in_len - done;
        if (chr->can_read) {
            int n = chr->can_read(chr->opaque);
            if (n <= 0)
                break;
            avail = MIN(avail, (size_t)n);
        }
        chr->receive(chr->opaque, chr->in + done, avail);
        done += avail;
    }
    memmove(chr->in, chr->in + done, chr->in_len - done);
    chr->in_len -= done;
    chr->delivering = false;
    return done > 0;
}

void tessera_chr_accept_input(TesseraChardev *chr)
{
    if (chr)
        chr_deliver(chr);
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

/* A byte typed on the terminal: Ctrl-A starts a command for us. */
static void chr_tty_byte(TesseraChardev *chr, uint8_t c)
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
        tessera_request_exit(0);
        break;
    case 'h':
    case 'H':
    case '?':
        chr_print(chr, chr_help);
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
    uint8_t *dst = chr->tty ? tmp : chr->in + chr->in_len;
    size_t room = chr->tty ? sizeof(tmp) : CHR_INBUF - chr->in_len;
    ssize_t n;

    do {
        n = read(chr->in_fd, dst, room);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return;
    if (n <= 0) {
        /* End of input (or a hung-up terminal): the guest just gets no more. */
        chr->in_eof = true;
        return;
    }
    if (!chr->tty) {
        chr->in_len += (size_t)n;
        return;
    }
    for (ssize_t i = 0; i < n; i++)
        chr_tty_byte(chr, tmp[i]);
}

static bool chr_wants_input(const TesseraChardev *chr)
{
    return chr->in_fd >= 0 && !chr->in_eof &&
           (chr->tty || chr->in_len < CHR_INBUF);
}

bool chardev_poll(int timeout_ms)
{
    struct pollfd fds[8];
    TesseraChardev *who[G_N_ELEMENTS(fds)];
    unsigned nfds = 0;
    bool delivered = false;

    for (unsigned i = 0; chr_all && i < chr_all->len; i++)
        delivered |= chr_deliver(g_ptr_array_index(chr_all, i));
    if (delivered)
        timeout_ms = 0;

    for (unsigned i = 0; chr_all && i < chr_all->len; i++) {
        TesseraChardev *chr = g_ptr_array_index(chr_all, i);
        if (chr_wants_input(chr) && nfds < G_N_ELEMENTS(fds)) {
            fds[nfds].fd = chr->in_fd;
            fds[nfds].events = POLLIN;
            fds[nfds].revents = 0;
            who[nfds++] = chr;
        }
    }
    if (poll(fds, nfds, timeout_ms) <= 0)
        return delivered;

    for (unsigned i = 0; i < nfds; i++) {
        if (fds[i].revents & (POLLIN | POLLHUP | POLLERR))
            chr_read_input(who[i]);
        if (fds[i].revents & POLLNVAL)
            who[i]->in_eof = true;
        delivered |= chr_deliver(who[i]);
    }
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

TesseraChardev *chardev_new(const char *id, const char *spec, char *err,
                            size_t errlen)
{
    if (!id || !*id || !spec) {
        snprintf(err, errlen, "character backend needs an id and a spec");
        return NULL;
    }
    for (unsigned i = 0; chr_all && i < chr_all->len; i++) {
        TesseraChardev *chr = g_ptr_array_index(chr_all, i);
        if (strcmp(chr->id, id) == 0) {
            snprintf(err, errlen, "character backend '%s' already exists", id);
            return NULL;
        }
    }
    if (strcmp(spec, "stdio") == 0)
        return chr_new_stdio(id, err, errlen);
    if (strcmp(spec, "null") == 0 || strcmp(spec, "none") == 0)
        return chr_alloc(id, CHR_NULL);
    if (strcmp(spec, "file") == 0 || strcmp(spec, "file:") == 0) {
        snprintf(err, errlen, "the file backend needs a path (path=PATH with "
                              "-chardev, file:PATH with -serial)");
        return NULL;
    }
    if (strncmp(spec, "file:", 5) == 0)
        return chr_new_file(id, spec + 5, err, errlen);
    snprintf(err, errlen,
             "unknown character backend '%s' (expected stdio, null, none or "
             "file:PATH)", spec);
    return NULL;
}

void chardev_cleanup(void)
{
    chr_tty_restore();
    for (unsigned i = 0; chr_all && i < chr_all->len; i++) {
        TesseraChardev *chr = g_ptr_array_index(chr_all, i);
        if (chr->kind == CHR_FILE && chr->out_fd >= 0)
            close(chr->out_fd);
        g_free(chr->id);
        g_free(chr);
    }
    if (chr_all)
        g_ptr_array_free(chr_all, TRUE);
    chr_all = NULL;
    chr_stdio = NULL;
}
