/* SPDX-License-Identifier: MIT */
/*
 * The NBD client's reconnect-delay= through the block library: the server
 * is killed and started again between requests, and requests made while
 * it is gone must wait for it and then succeed; without reconnect-delay,
 * or once the delay has passed, they fail with a message.
 * Usage: nbd-reconnect SOCKET PIDFILE SERVER-COMMAND...
 * The server command must listen on SOCKET before it returns and write
 * its pid to PIDFILE (tessera-nbd or qemu-nbd with --fork -t -e 0 ...).
 * No sleeps: a killed server is waited for until its pid is gone; a
 * started one listens when its command returns.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "block/block.h"

static int fails;
static char **server;
static const char *pidfile, *sock;

static void check(const char *name, int ok, const char *detail)
{
    printf("%s: %s%s%s\n", ok ? "ok" : "FAIL", name, ok ? "" : ": ",
           ok ? "" : detail);
    fails += !ok;
}

static void start(void)
{
    pid_t p = fork();
    if (p == 0) {
        execvp(server[0], server);
        _exit(127);
    }
    int st;
    if (p < 0 || waitpid(p, &st, 0) < 0 || !WIFEXITED(st) ||
        WEXITSTATUS(st)) {
        fprintf(stderr, "FAIL: cannot start %s\n", server[0]);
        exit(1);
    }
}

static void stop(void)
{
    FILE *f = fopen(pidfile, "r");
    int pid = 0;
    if (!f || fscanf(f, "%d", &pid) != 1 || pid <= 0) {
        fprintf(stderr, "FAIL: no pid in %s\n", pidfile);
        exit(1);
    }
    fclose(f);
    kill(pid, SIGKILL); /* no clean goodbye to the clients */
    while (kill(pid, 0) == 0 || errno != ESRCH)
        ;
    unlink(sock); /* left behind by the killed server */
}

static BlockDev *open_url(const char *url)
{
    char err[1024];
    BlockDev *bs = blk_open(url, "raw", BLK_O_RDWR, err, sizeof(err));
    if (!bs) {
        fprintf(stderr, "FAIL: open %s: %s\n", url, err);
        exit(1);
    }
    return bs;
}

static int pattern_ok(BlockDev *bs, uint64_t off, int val)
{
    static unsigned char buf[65536];
    if (blk_read(bs, off, buf, sizeof(buf)) < 0)
        return 0;
    for (size_t i = 0; i < sizeof(buf); i++)
        if (buf[i] != val)
            return 0;
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: nbd-reconnect SOCKET PIDFILE SERVER...\n");
        return 2;
    }
    sock = argv[1];
    pidfile = argv[2];
    server = argv + 3;
    char url[4096], url1[4200], url0[4200];
    snprintf(url, sizeof(url), "nbd+unix:///?socket=%s&reconnect-delay=60",
             argv[1]);
    snprintf(url1, sizeof(url1), "nbd+unix:///?socket=%s&reconnect-delay=1",
             argv[1]);
    snprintf(url0, sizeof(url0), "nbd+unix:///?socket=%s", argv[1]);
    static unsigned char buf[65536];

    start();
    BlockDev *bs = open_url(url), *b1 = open_url(url1), *b0 = open_url(url0);
    memset(buf, 0x5a, sizeof(buf));
    check("write and flush before the restart",
          blk_write(bs, 0, buf, sizeof(buf)) == 0 && blk_flush(bs) == 0,
          blk_error(bs));

    /* 1: the server is back before the next request. */
    stop();
    start();
    check("a read after the server restarted reconnects and succeeds",
          pattern_ok(bs, 0, 0x5a), blk_error(bs));
    check("... and without reconnect-delay it fails",
          blk_read(b0, 0, buf, 512) < 0 &&
          strstr(blk_error(b0), "connection lost"), blk_error(b0));

    /* 2: the server is gone when the request starts and comes back while
     * it waits (or just before: either way the request must succeed). */
    stop();
    pid_t p = fork();
    if (p == 0) {
        start();
        _exit(0);
    }
    memset(buf, 0x6b, sizeof(buf));
    int w = blk_write(bs, 65536, buf, sizeof(buf));
    int st;
    waitpid(p, &st, 0);
    check("a write while the server is down waits for it and succeeds",
          w == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0, blk_error(bs));
    check("... the write and the earlier one are there",
          pattern_ok(bs, 65536, 0x6b) && pattern_ok(bs, 0, 0x5a),
          blk_error(bs));
    uint64_t n;
    BlkStatus bst;
    check("... flush and block status work on the new connection",
          blk_flush(bs) == 0 &&
          blk_block_status(bs, 0, blk_size(bs), &n, &bst) == 0,
          blk_error(bs));

    /* 3: the server stays away: reconnect-delay=1 gives up. */
    stop();
    int r = blk_read(b1, 0, buf, 512);
    check("with the server gone, a read fails after reconnect-delay",
          r < 0 && strstr(blk_error(b1), "reconnect-delay=1") != NULL,
          blk_error(b1));
    printf("    (%s)\n", blk_error(b1));
    check("... and so does the next one (one more attempt, no new wait)",
          blk_read(b1, 0, buf, 512) < 0 &&
          strstr(blk_error(b1), "No such file") != NULL, blk_error(b1));
    /* 4: it comes back: the next request reconnects at once. */
    start();
    check("a later request reconnects once the server is back",
          pattern_ok(b1, 65536, 0x6b), blk_error(b1));
    blk_close(b0);
    blk_close(b1);
    blk_close(bs);
    stop();
    return fails ? 1 : 0;
}
