/* SPDX-License-Identifier: MIT */
/*
 * Semihosting calls: the console through ":tt", a host file written,
 * measured and read back, errno of a failed open, the clock and time,
 * and SYS_EXIT_EXTENDED with a code (checked by the runner).
 */
#include "rt/rt.h"

static int sh_open(const char *name, int mode)
{
    uint32_t len = 0;
    while (name[len])
        len++;
    uint32_t blk[3] = {(uint32_t)name, (uint32_t)mode, len};
    return rt_semihost(0x01, blk);
}

static int sh_rw(int op, int fd, void *buf, uint32_t len)
{
    uint32_t blk[3] = {(uint32_t)fd, (uint32_t)buf, len};
    return rt_semihost(op, blk);
}

static int sh_fd(int op, int fd)
{
    uint32_t blk[1] = {(uint32_t)fd};
    return rt_semihost(op, blk);
}

int main(void)
{
    int tt = sh_open(":tt", 4);
    rt_print("tt-is-handle", tt > 0);
    rt_print("tt-write", sh_rw(0x05, tt, "written to :tt\n", 15));
    rt_print("istty", sh_fd(0x09, tt));

    int fd = sh_open("semi-test.txt", 4);
    rt_print("open-w-ok", fd > 0);
    rt_print("istty-file", sh_fd(0x09, fd));
    rt_print("write", sh_rw(0x05, fd, "0123456789abcdef", 16));
    rt_print("close", sh_fd(0x02, fd));

    fd = sh_open("semi-test.txt", 0);
    rt_print("open-r-ok", fd > 0);
    rt_print("flen", sh_fd(0x0c, fd));
    uint32_t seek[2] = {(uint32_t)fd, 10};
    rt_print("seek", rt_semihost(0x0a, seek));
    char buf[16] = {0};
    rt_print("read-left", sh_rw(0x06, fd, buf, 8));
    rt_puts(buf);
    rt_putc('\n');
    rt_print("close", sh_fd(0x02, fd));

    rt_print("open-missing", sh_open("no/such/file", 0));
    rt_print("errno", rt_semihost(0x13, 0));
    rt_print("clock-ok", rt_semihost(0x10, 0) >= 0);
    rt_print("time-ok", (uint32_t)rt_semihost(0x11, 0) > 1600000000u);
    return 42;
}
