/* SPDX-License-Identifier: MIT */
/*
 * Character backend tests. The stdio backend uses fds 0 and 1, so tests
 * put pipes (or a pseudo-terminal) there and restore the real ones
 * afterwards; CUnit's own output is flushed first so nothing gets lost.
 */
#define _GNU_SOURCE
#include <CUnit/Basic.h>
#include <fcntl.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "kernel/chardev.h"
#include "kernel/log.h"
#include "kernel/sched.h"
#include "tests/unit/unit.h"

/* A receiver that takes at most `limit` bytes per can_read(). */
typedef struct Sink {
    int limit;
    uint8_t buf[8192];
    size_t len;
    TesseraChardev *chr;
    bool reenter; /* call accept_input from inside receive */
} Sink;

static int sink_can_read(void *opaque)
{
    Sink *s = opaque;
    return s->limit;
}

static void sink_receive(void *opaque, const uint8_t *buf, size_t len)
{
    Sink *s = opaque;

    CU_ASSERT(len <= (size_t)s->limit);
    memcpy(s->buf + s->len, buf, len);
    s->len += len;
    if (s->reenter)
        tessera_chr_accept_input(s->chr); /* must not recurse */
}

/* Replaces fd target with fd, returning a copy of the old one. */
static int swap_fd(int fd, int target)
{
    int saved;

    fflush(stdout);
    saved = dup(target);
    CU_ASSERT_FATAL(saved >= 0);
    CU_ASSERT_FATAL(dup2(fd, target) == target);
    close(fd);
    return saved;
}

static void restore_fd(int saved, int target)
{
    dup2(saved, target);
    close(saved);
}

static void write_all(int fd, const void *buf, size_t len)
{
    CU_ASSERT_EQUAL(write(fd, buf, len), (ssize_t)len);
}

static void test_null(void)
{
    char err[128];
    TesseraChardev *c = chardev_new("n0", "null", err, sizeof(err));

    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_PTR_EQUAL(chardev_find("n0"), c);
    tessera_chr_write(c, (const uint8_t *)"abc", 3);
    CU_ASSERT_PTR_NOT_NULL(chardev_new("n1", "none", err, sizeof(err)));
    CU_ASSERT_FALSE(chardev_poll(0));
    /* NULL backends (unset properties) are accepted everywhere. */
    tessera_chr_write(NULL, (const uint8_t *)"abc", 3);
    tessera_chr_set_receiver(NULL, NULL, NULL, NULL);
    tessera_chr_accept_input(NULL);
    chardev_cleanup();
    CU_ASSERT_PTR_NULL(chardev_find("n0"));
}

static void test_file(void)
{
    char path[] = "/tmp/tessera-chr-XXXXXX";
    char spec[64], err[128], got[16] = {0};
    int fd = mkstemp(path);

    CU_ASSERT_FATAL(fd >= 0);
    close(fd);
    snprintf(spec, sizeof(spec), "file:%s", path);
    TesseraChardev *c = chardev_new("f", spec, err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    tessera_chr_write(c, (const uint8_t *)"hello", 5);
    tessera_chr_write(c, (const uint8_t *)"!", 1);
    /* Buffered until the main loop polls, not kept until exit. */
    fd = open(path, O_RDONLY);
    CU_ASSERT_EQUAL(read(fd, got, sizeof(got)), 0);
    chardev_poll(0);
    CU_ASSERT_EQUAL(read(fd, got, sizeof(got)), 6);
    CU_ASSERT_STRING_EQUAL(got, "hello!");
    /* The rest at exit. */
    tessera_chr_write(c, (const uint8_t *)"bye", 3);
    chardev_cleanup();
    memset(got, 0, sizeof(got));
    CU_ASSERT_EQUAL(read(fd, got, sizeof(got)), 3);
    CU_ASSERT_STRING_EQUAL(got, "bye");
    close(fd);
    unlink(path);
}

static void test_errors(void)
{
    char err[128];

    CU_ASSERT_PTR_NULL(chardev_new("x", "bogus", err, sizeof(err)));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "bogus"));
    CU_ASSERT_PTR_NULL(chardev_new("x", "file:", err, sizeof(err)));
    CU_ASSERT_PTR_NULL(chardev_new("x", "file:/nonexistent/dir/f", err,
                                   sizeof(err)));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent/dir/f"));
    CU_ASSERT_PTR_NOT_NULL(chardev_new("x", "null", err, sizeof(err)));
    CU_ASSERT_PTR_NULL(chardev_new("x", "null", err, sizeof(err)));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "already exists"));
    CU_ASSERT_PTR_NULL(chardev_find("nothing"));
    chardev_cleanup();
}

/* "null" and "stdio" may be named without being created first. */
static void test_well_known_names(void)
{
    int p[2];
    char err[128];

    CU_ASSERT_FATAL(pipe(p) == 0);
    int saved = swap_fd(p[0], 0);
    TesseraChardev *s = chardev_new("serial0", "stdio", err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL(s);
    CU_ASSERT_PTR_EQUAL(chardev_find("stdio"), s);
    CU_ASSERT_PTR_NOT_NULL(chardev_find("null"));
    /* Only one backend can own stdin. */
    CU_ASSERT_PTR_NULL(chardev_new("serial1", "stdio", err, sizeof(err)));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "serial0"));
    chardev_cleanup();
    restore_fd(saved, 0);
    close(p[1]);
}

/* Piped input reaches the receiver only as fast as it accepts it. */
static void test_stdio_pipe_flow_control(void)
{
    static Sink sink = {.limit = 3};
    int p[2];
    char err[128];

    sink.len = 0;
    CU_ASSERT_FATAL(pipe(p) == 0);
    int saved = swap_fd(p[0], 0);
    TesseraChardev *c = chardev_new("serial0", "stdio", err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    tessera_chr_set_receiver(c, sink_can_read, sink_receive, &sink);

    write_all(p[1], "hello, world", 12);
    CU_ASSERT_TRUE(chardev_poll(100));
    CU_ASSERT_EQUAL(sink.len, 12);
    CU_ASSERT_EQUAL(memcmp(sink.buf, "hello, world", 12), 0);

    /* A full receiver keeps the bytes until it makes room. */
    sink.limit = 0;
    sink.len = 0;
    write_all(p[1], "xyz", 3);
    CU_ASSERT_FALSE(chardev_poll(100));
    CU_ASSERT_EQUAL(sink.len, 0);
    sink.limit = 2;
    tessera_chr_accept_input(c);
    CU_ASSERT_EQUAL(sink.len, 3);
    CU_ASSERT_EQUAL(memcmp(sink.buf, "xyz", 3), 0);

    /* EOF: no more input, polling goes on quietly, the guest runs on. */
    close(p[1]);
    CU_ASSERT_FALSE(chardev_poll(0));
    CU_ASSERT_FALSE(chardev_poll(0));
    CU_ASSERT_FALSE(sched_exit_requested());
    chardev_cleanup();
    restore_fd(saved, 0);
}

/* Large piped input is never dropped, whatever the receiver's pace. */
static void test_stdio_pipe_large(void)
{
    static Sink sink = {.limit = 1};
    static uint8_t data[6000];
    int p[2];
    char err[128];

    sink.len = 0;
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(i * 7);
    CU_ASSERT_FATAL(pipe(p) == 0);
    int saved = swap_fd(p[0], 0);
    TesseraChardev *c = chardev_new("serial0", "stdio", err, sizeof(err));
    tessera_chr_set_receiver(c, sink_can_read, sink_receive, &sink);
    write_all(p[1], data, sizeof(data));
    close(p[1]);
    for (int i = 0; i < 100 && sink.len < sizeof(data); i++)
        chardev_poll(10);
    CU_ASSERT_EQUAL(sink.len, sizeof(data));
    CU_ASSERT_EQUAL(memcmp(sink.buf, data, sizeof(data)), 0);
    chardev_cleanup();
    restore_fd(saved, 0);
}

/* accept_input called from inside receive() does not recurse. */
static void test_reentrant_accept(void)
{
    static Sink sink = {.limit = 1, .reenter = true};
    int p[2];
    char err[128];

    sink.len = 0;
    CU_ASSERT_FATAL(pipe(p) == 0);
    int saved = swap_fd(p[0], 0);
    sink.chr = chardev_new("serial0", "stdio", err, sizeof(err));
    tessera_chr_set_receiver(sink.chr, sink_can_read, sink_receive, &sink);
    write_all(p[1], "abcd", 4);
    CU_ASSERT_TRUE(chardev_poll(100));
    CU_ASSERT_EQUAL(sink.len, 4);
    CU_ASSERT_EQUAL(memcmp(sink.buf, "abcd", 4), 0);
    chardev_cleanup();
    restore_fd(saved, 0);
    close(p[1]);
}

/* stdin at /dev/null: EOF at once, never an error. */
static void test_stdio_devnull(void)
{
    char err[128];
    int fd = open("/dev/null", O_RDONLY);
    int saved = swap_fd(fd, 0);

    CU_ASSERT_PTR_NOT_NULL(chardev_new("serial0", "stdio", err, sizeof(err)));
    CU_ASSERT_FALSE(chardev_poll(0));
    CU_ASSERT_FALSE(chardev_poll(0));
    chardev_cleanup();
    restore_fd(saved, 0);
}

/*
 * What a pipe holds now, without waiting: its bytes as a string ("" when
 * empty). The read end must be non-blocking.
 */
static const char *drain(int fd)
{
    static char got[16384];
    ssize_t n = read(fd, got, sizeof(got) - 1);
    got[n > 0 ? n : 0] = 0;
    return got;
}

/* stdin and stdout pipes for the stdio backend; out[0] non-blocking. */
typedef struct StdioPipes {
    int in[2], out[2], saved_in, saved_out;
    TesseraChardev *chr;
} StdioPipes;

static void stdio_pipes_open(StdioPipes *p)
{
    char err[128];
    CU_ASSERT_FATAL(pipe(p->in) == 0 && pipe(p->out) == 0);
    fcntl(p->out[0], F_SETFL, O_NONBLOCK);
    p->saved_in = swap_fd(p->in[0], 0);
    p->saved_out = swap_fd(p->out[1], 1);
    p->chr = chardev_new("serial0", "stdio", err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(p->chr);
}

static void stdio_pipes_close(StdioPipes *p)
{
    chardev_cleanup();
    restore_fd(p->saved_out, 1);
    restore_fd(p->saved_in, 0);
    close(p->in[1]);
    close(p->out[0]);
}

/*
 * Output is buffered, one write(2) for many bytes, and goes out in order
 * when the main loop polls (at least every millisecond while a CPU runs,
 * and before it waits), when the buffer fills, and at cleanup.
 */
static void test_stdio_output(void)
{
    StdioPipes p;
    static char big[10000];

    stdio_pipes_open(&p);
    tessera_chr_write(p.chr, (const uint8_t *)"o", 1);
    tessera_chr_write(p.chr, (const uint8_t *)"ut", 2);
    CU_ASSERT_STRING_EQUAL(drain(p.out[0]), "");
    chardev_poll(0);
    CU_ASSERT_STRING_EQUAL(drain(p.out[0]), "out");
    chardev_poll(0);
    CU_ASSERT_STRING_EQUAL(drain(p.out[0]), "");

    /* A byte at a time, more than the buffer holds: the full buffer goes
     * by itself, the rest at the next poll, all in order. */
    for (size_t i = 0; i < sizeof(big); i++) {
        big[i] = (char)('a' + i % 26);
        tessera_chr_write(p.chr, (const uint8_t *)&big[i], 1);
    }
    size_t early = strlen(drain(p.out[0]));
    CU_ASSERT(early > 0 && early < sizeof(big));
    chardev_flush();
    CU_ASSERT_EQUAL(strlen(drain(p.out[0])), sizeof(big) - early);

    tessera_chr_write(p.chr, (const uint8_t *)"end", 3);
    chardev_cleanup();
    CU_ASSERT_STRING_EQUAL(drain(p.out[0]), "end");
    stdio_pipes_close(&p);
}

/* Two backends on one pipe: their bytes stay in the guest's order. */
static void test_output_order_across_backends(void)
{
    StdioPipes p;
    char err[128];

    stdio_pipes_open(&p);
    TesseraChardev *f = chardev_new("f", "file:/proc/self/fd/1", err,
                                    sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    tessera_chr_write(p.chr, (const uint8_t *)"A", 1);
    tessera_chr_write(f, (const uint8_t *)"B", 1);
    tessera_chr_write(p.chr, (const uint8_t *)"C", 1);
    tessera_chr_write(f, (const uint8_t *)"D", 1);
    chardev_poll(0);
    CU_ASSERT_STRING_EQUAL(drain(p.out[0]), "ABCD");
    stdio_pipes_close(&p);
}

/* A receiver that records what the output pipe held when input came. */
static int seen_fd;
static char seen[64];

static int seen_can_read(void *opaque)
{
    (void)opaque;
    return 64;
}

static void seen_receive(void *opaque, const uint8_t *buf, size_t len)
{
    (void)opaque;
    (void)buf;
    (void)len;
    g_strlcpy(seen, drain(seen_fd), sizeof(seen));
}

/* The guest's prompt is out before its input is read (echo order). */
static void test_output_before_input(void)
{
    StdioPipes p;

    stdio_pipes_open(&p);
    seen_fd = p.out[0];
    seen[0] = 0;
    tessera_chr_set_receiver(p.chr, seen_can_read, seen_receive, NULL);
    tessera_chr_write(p.chr, (const uint8_t *)"login: ", 7);
    write_all(p.in[1], "x", 1);
    CU_ASSERT_TRUE(chardev_poll(100));
    CU_ASSERT_STRING_EQUAL(seen, "login: ");
    stdio_pipes_close(&p);
}

/* Our messages on stderr never overtake the guest's earlier output. */
static void test_output_before_messages(void)
{
    StdioPipes p;
    char want[128];

    stdio_pipes_open(&p);
    int saved_err = dup(2);
    dup2(1, 2);
    tessera_chr_write(p.chr, (const uint8_t *)"one ", 4);
    tessera_warn("w");
    tessera_chr_write(p.chr, (const uint8_t *)"two ", 4);
    tessera_error("e");
    tessera_chr_write(p.chr, (const uint8_t *)"three ", 6);
    fprintf(log_stream(), "log\n");
    tessera_chr_write(p.chr, (const uint8_t *)"four", 4);
    restore_fd(saved_err, 2);
    chardev_flush();
    snprintf(want, sizeof(want), "one tessera: warning: w\ntwo tessera: "
             "e\nthree log\nfour");
    CU_ASSERT_STRING_EQUAL(drain(p.out[0]), want);
    stdio_pipes_close(&p);
}

/*
 * In a child: buffers output on the stdio backend (stdout the pipe's
 * write end), then ends by how (0: exit(), else that signal). The parent
 * checks that the bytes came out and how the child ended.
 */
static void check_output_at_end(int how)
{
    int out[2];
    char got[64] = {0};
    int status;

    fflush(stdout);
    CU_ASSERT_FATAL(pipe(out) == 0);
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        char err[128];
        int null = open("/dev/null", O_RDONLY);
        dup2(null, 0);
        dup2(out[1], 1);
        close(out[0]);
        TesseraChardev *c = chardev_new("serial0", "stdio", err, sizeof(err));
        if (!c)
            _exit(3);
        tessera_chr_write(c, (const uint8_t *)"last words", 10);
        if (how)
            raise(how);
        exit(0);
    }
    close(out[1]);
    ssize_t n = read(out[0], got, sizeof(got) - 1);
    CU_ASSERT_EQUAL(n, 10);
    CU_ASSERT_STRING_EQUAL(got, "last words");
    close(out[0]);
    CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
    if (how) {
        CU_ASSERT_TRUE(WIFSIGNALED(status));
        CU_ASSERT_EQUAL(WTERMSIG(status), how);
    } else {
        CU_ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
}

static void test_output_at_exit(void)
{
    check_output_at_end(0);
}

static void test_output_at_fatal_signal(void)
{
    check_output_at_end(SIGTERM);
    check_output_at_end(SIGINT);
}

/* The stdio backend on a pseudo-terminal: stdin its slave side, stdout a
 * pipe (out[0] reads what the backend prints), sink its receiver. */
typedef struct {
    int master, out[2], saved_in, saved_out;
    struct termios before; /* the terminal's settings before */
} StdioTty;

static void stdio_tty_open(StdioTty *t, Sink *sink)
{
    char err[128];
    sink->len = 0;
    t->master = posix_openpt(O_RDWR | O_NOCTTY);
    CU_ASSERT_FATAL(t->master >= 0);
    CU_ASSERT_FATAL(grantpt(t->master) == 0 && unlockpt(t->master) == 0);
    int slave = open(ptsname(t->master), O_RDWR | O_NOCTTY);
    CU_ASSERT_FATAL(slave >= 0);
    CU_ASSERT_FATAL(tcgetattr(slave, &t->before) == 0);
    CU_ASSERT_FATAL(pipe(t->out) == 0);

    t->saved_in = swap_fd(slave, 0);
    t->saved_out = swap_fd(t->out[1], 1);
    TesseraChardev *c = chardev_new("serial0", "stdio", err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    tessera_chr_set_receiver(c, sink_can_read, sink_receive, sink);
}

/* After chardev_cleanup() (stdout is given back before). */
static void stdio_tty_close(StdioTty *t)
{
    restore_fd(t->saved_in, 0);
    close(t->master);
    close(t->out[0]);
}

/*
 * On a terminal: raw mode while the backend lives, the Ctrl-A escapes
 * (Ctrl-A Ctrl-A is a literal Ctrl-A, Ctrl-A h prints help, unknown
 * commands vanish), and the terminal settings restored at cleanup.
 */
static void test_stdio_tty(void)
{
    static Sink sink = {.limit = 64};
    StdioTty t;
    char help[512] = {0};
    struct termios during, after;

    stdio_tty_open(&t, &sink);
    tcgetattr(0, &during);
    CU_ASSERT_EQUAL(during.c_lflag & (ICANON | ECHO | ISIG), 0);

    write_all(t.master, "a\x01\x01" "b\x01h\x01zc\x03", 10);
    for (int i = 0; i < 50 && sink.len < 5; i++)
        chardev_poll(20);
    restore_fd(t.saved_out, 1);
    CU_ASSERT_EQUAL(sink.len, 5);
    CU_ASSERT_EQUAL(memcmp(sink.buf, "a\x01" "bc\x03", 5), 0);
    CU_ASSERT(read(t.out[0], help, sizeof(help) - 1) > 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(help, "C-a x"));

    chardev_cleanup();
    tcgetattr(0, &after);
    CU_ASSERT_EQUAL(after.c_lflag, t.before.c_lflag);
    CU_ASSERT_EQUAL(after.c_iflag, t.before.c_iflag);
    stdio_tty_close(&t);
}

/* Ctrl-A x on a terminal ends the emulation and restores the terminal. */
static void test_stdio_tty_exit(void)
{
    static Sink sink = {.limit = 64};
    StdioTty t;
    char msg[256] = {0};
    struct termios after;

    sched_reset_all();
    stdio_tty_open(&t, &sink);
    write_all(t.master, "q\x01x", 3);
    for (int i = 0; i < 50 && !sched_exit_requested(); i++)
        chardev_poll(20);
    restore_fd(t.saved_out, 1);
    CU_ASSERT_TRUE(sched_exit_requested());
    CU_ASSERT_EQUAL(sink.len, 1);
    CU_ASSERT(read(t.out[0], msg, sizeof(msg) - 1) > 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "terminated"));
    /* Restored at once, before the emulator even gets to its cleanup. */
    tcgetattr(0, &after);
    CU_ASSERT_EQUAL(after.c_lflag, t.before.c_lflag);

    chardev_cleanup();
    sched_reset_all();
    stdio_tty_close(&t);
}

int main(void)
{
    static const UnitTest tests[] = {
        {"null", test_null},
        {"file", test_file},
        {"errors", test_errors},
        {"well-known names", test_well_known_names},
        {"stdio pipe flow control", test_stdio_pipe_flow_control},
        {"stdio pipe large input", test_stdio_pipe_large},
        {"reentrant accept_input", test_reentrant_accept},
        {"stdio /dev/null", test_stdio_devnull},
        {"stdio output", test_stdio_output},
        {"output order across backends", test_output_order_across_backends},
        {"output before input", test_output_before_input},
        {"output before messages", test_output_before_messages},
        {"output at exit", test_output_at_exit},
        {"output at a fatal signal", test_output_at_fatal_signal},
        {"stdio terminal", test_stdio_tty},
        {"stdio terminal Ctrl-A x", test_stdio_tty_exit},
    };

    return UNIT_RUN("chardev", tests);
}
