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
#include <termios.h>
#include <unistd.h>

#include "kernel/chardev.h"
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
    /* Written at once, not at exit. */
    fd = open(path, O_RDONLY);
    CU_ASSERT_EQUAL(read(fd, got, sizeof(got)), 6);
    CU_ASSERT_STRING_EQUAL(got, "hello!");
    close(fd);
    chardev_cleanup();
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

/* Output goes straight to fd 1, unbuffered. */
static void test_stdio_output(void)
{
    int in[2], out[2];
    char err[128], got[16] = {0};

    CU_ASSERT_FATAL(pipe(in) == 0 && pipe(out) == 0);
    int saved_in = swap_fd(in[0], 0);
    int saved_out = swap_fd(out[1], 1);
    TesseraChardev *c = chardev_new("serial0", "stdio", err, sizeof(err));
    tessera_chr_write(c, (const uint8_t *)"out", 3);
    restore_fd(saved_out, 1);
    CU_ASSERT_EQUAL(read(out[0], got, sizeof(got)), 3);
    CU_ASSERT_STRING_EQUAL(got, "out");
    chardev_cleanup();
    restore_fd(saved_in, 0);
    close(in[1]);
    close(out[0]);
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
        {"stdio terminal", test_stdio_tty},
        {"stdio terminal Ctrl-A x", test_stdio_tty_exit},
    };

    return UNIT_RUN("chardev", tests);
}
