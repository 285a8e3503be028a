/* SPDX-License-Identifier: MIT */
/*
 * ARM semihosting (the "Semihosting for AArch32 and AArch64" spec), as
 * M-profile guests call it with BKPT 0xab: r0 is the operation, r1 its
 * argument (usually the address of a parameter block), r0 the result.
 * Only with -semihosting; otherwise BKPT is a debug event.
 *
 * The console (SYS_WRITEC, SYS_WRITE0) is the host's stderr, where QEMU
 * 7.2 puts it; ":tt" opened for reading is stdin, for writing stdout, for
 * appending stderr (also as QEMU 7.2 does), and SYS_ISTTY asks the host
 * about them. ":semihosting-features" reads as the spec's feature bytes:
 * SYS_EXIT_EXTENDED and stdout/stderr through ":tt" (newlib's librdimon
 * looks there before it passes an exit status). Files are opened on the
 * host relative to the working directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "arm.h"

#define SYS_OPEN 0x01
#define SYS_CLOSE 0x02
#define SYS_WRITEC 0x03
#define SYS_WRITE0 0x04
#define SYS_WRITE 0x05
#define SYS_READ 0x06
#define SYS_READC 0x07
#define SYS_ISERROR 0x08
#define SYS_ISTTY 0x09
#define SYS_SEEK 0x0a
#define SYS_FLEN 0x0c
#define SYS_REMOVE 0x0e
#define SYS_CLOCK 0x10
#define SYS_TIME 0x11
#define SYS_ERRNO 0x13
#define SYS_GET_CMDLINE 0x15
#define SYS_HEAPINFO 0x16
#define SYS_EXIT 0x18
#define SYS_EXIT_EXTENDED 0x20

#define ADP_STOPPED_APPLICATION_EXIT 0x20026

/* Guest handles: 0..MAX_FD-1, each a host fd or a console handle. */
#define MAX_FD 32
#define CONSOLE_IN (-2)
#define CONSOLE_OUT (-3)
#define CONSOLE_ERR (-4)
#define FEATURES (-5)

/* The feature file: magic "SHFB", then EXIT_EXTENDED | STDOUT_STDERR. */
static const uint8_t features[5] = {'S', 'H', 'F', 'B', 0x03};
static uint32_t features_pos[MAX_FD];

static int fds[MAX_FD];
static bool fds_init;
static int last_errno;

bool arm_semihosting_enabled(void)
{
    return tessera_semihosting_enabled();
}

static uint32_t rd32(uint32_t a)
{
    uint8_t b[4] = {0};
    tessera_phys_read(a, b, 4);
    return b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
}

static void console_write(const void *buf, size_t n)
{
    tessera_console_flush(); /* the UARTs' earlier output first */
    fwrite(buf, 1, n, stderr);
    fflush(stderr);
}

static int new_handle(int hostfd)
{
    for (int i = 1; i < MAX_FD; i++)
        if (fds[i] == -1) {
            fds[i] = hostfd;
            return i;
        }
    return -1;
}

static int handle_fd(uint32_t h)
{
    if (h >= MAX_FD)
        return -1;
    return fds[h];
}

/* Reads a guest NUL-free string of len bytes (at most 4095). */
static char *guest_str(uint32_t a, uint32_t len)
{
    if (len > 4095)
        return NULL;
    char *s = calloc(1, len + 1);
    if (s && tessera_phys_read(a, s, len) < 0) {
        free(s);
        return NULL;
    }
    return s;
}

static uint32_t sys_open(uint32_t blk)
{
    uint32_t name = rd32(blk), mode = rd32(blk + 4), len = rd32(blk + 8);
    char *path = guest_str(name, len);
    if (!path || mode > 11) {
        free(path);
        last_errno = EINVAL;
        return (uint32_t)-1;
    }
    int fd;
    if (!strcmp(path, ":tt")) {
        fd = mode < 4 ? CONSOLE_IN : mode < 8 ? CONSOLE_OUT : CONSOLE_ERR;
    } else if (!strcmp(path, ":semihosting-features")) {
        if (mode >= 4) {
            free(path);
            last_errno = EACCES;
            return (uint32_t)-1;
        }
        fd = FEATURES;
    } else {
        static const int flags[3] = {O_RDONLY, O_WRONLY | O_CREAT | O_TRUNC,
                                     O_WRONLY | O_CREAT | O_APPEND};
        int f = flags[mode / 4];
        if (mode & 2)
            f = (f & ~(O_RDONLY | O_WRONLY)) | O_RDWR;
        fd = open(path, f, 0644);
        if (fd < 0) {
            last_errno = errno;
            free(path);
            return (uint32_t)-1;
        }
    }
    free(path);
    int h = new_handle(fd);
    if (h < 0) {
        if (fd >= 0)
            close(fd);
        last_errno = EMFILE;
        return (uint32_t)-1;
    }
    features_pos[h] = 0;
    return (uint32_t)h;
}

static uint32_t sys_write(uint32_t blk)
{
    uint32_t h = rd32(blk), buf = rd32(blk + 4), len = rd32(blk + 8);
    int fd = handle_fd(h);
    if (fd == -1 || fd == CONSOLE_IN || fd == FEATURES) {
        last_errno = EBADF;
        return len;
    }
    uint32_t done = 0;
    uint8_t tmp[1024];
    while (done < len) {
        uint32_t n = len - done < sizeof(tmp) ? len - done : sizeof(tmp);
        if (tessera_phys_read(buf + done, tmp, n) < 0)
            break;
        if (fd == CONSOLE_OUT || fd == CONSOLE_ERR) {
            FILE *out = fd == CONSOLE_OUT ? stdout : stderr;
            tessera_console_flush();
            fwrite(tmp, 1, n, out);
            fflush(out);
        } else {
            ssize_t w = write(fd, tmp, n);
            if (w <= 0) {
                last_errno = errno;
                break;
            }
            n = (uint32_t)w;
        }
        done += n;
    }
    return len - done;
}

static uint32_t sys_read(uint32_t blk)
{
    uint32_t h = rd32(blk), buf = rd32(blk + 4), len = rd32(blk + 8);
    int fd = handle_fd(h);
    if (fd == -1 || fd == CONSOLE_OUT || fd == CONSOLE_ERR) {
        last_errno = EBADF;
        return len;
    }
    if (fd == FEATURES) {
        uint32_t pos = features_pos[h], n = 0;
        if (pos < sizeof(features))
            n = (uint32_t)sizeof(features) - pos < len
                    ? (uint32_t)sizeof(features) - pos
                    : len;
        if (n && tessera_phys_write(buf, features + pos, n) < 0)
            n = 0;
        features_pos[h] = pos + n;
        return len - n;
    }
    if (fd == CONSOLE_IN)
        fd = 0;
    uint32_t done = 0;
    uint8_t tmp[1024];
    while (done < len) {
        uint32_t n = len - done < sizeof(tmp) ? len - done : sizeof(tmp);
        ssize_t r = read(fd, tmp, n);
        if (r < 0)
            last_errno = errno;
        if (r <= 0)
            break;
        if (tessera_phys_write(buf + done, tmp, (uint64_t)r) < 0)
            break;
        done += (uint32_t)r;
        if (fd == 0)
            break; /* the console returns what one read gives */
    }
    return len - done;
}

static void sys_exit(uint32_t reason, uint32_t code)
{
    int status = reason == ADP_STOPPED_APPLICATION_EXIT ? (int)code : 1;
    fflush(stdout);
    tessera_request_exit(status);
}

bool arm_semihost(ArmEnv *env)
{
    uint32_t op = env->r[0], arg = env->r[1], ret = 0;
    if (!fds_init) {
        for (int i = 0; i < MAX_FD; i++)
            fds[i] = -1;
        fds_init = true;
    }
    switch (op) {
    case SYS_OPEN:
        ret = sys_open(arg);
        break;
    case SYS_CLOSE: {
        uint32_t h = rd32(arg);
        int fd = handle_fd(h);
        if (fd == -1) {
            last_errno = EBADF;
            ret = (uint32_t)-1;
            break;
        }
        if (fd >= 0)
            close(fd);
        fds[h] = -1;
        ret = 0;
        break;
    }
    case SYS_WRITEC: {
        uint8_t ch = 0;
        tessera_phys_read(arg, &ch, 1);
        console_write(&ch, 1);
        return false; /* r0 is corrupted: left alone */
    }
    case SYS_WRITE0: {
        char buf[256];
        size_t n = 0;
        for (uint32_t a = arg;; a++) {
            uint8_t ch;
            if (tessera_phys_read(a, &ch, 1) < 0 || ch == 0)
                break;
            buf[n++] = (char)ch;
            if (n == sizeof(buf)) {
                console_write(buf, n);
                n = 0;
            }
        }
        console_write(buf, n);
        return false;
    }
    case SYS_WRITE:
        ret = sys_write(arg);
        break;
    case SYS_READ:
        ret = sys_read(arg);
        break;
    case SYS_READC: {
        int ch = getchar();
        ret = ch == EOF ? (uint32_t)-1 : (uint32_t)ch;
        break;
    }
    case SYS_ISERROR:
        ret = (int32_t)rd32(arg) < 0;
        break;
    case SYS_ISTTY: {
        int fd = handle_fd(rd32(arg));
        ret = fd == CONSOLE_IN    ? isatty(0)
              : fd == CONSOLE_OUT  ? isatty(1)
              : fd == CONSOLE_ERR  ? isatty(2)
              : fd >= 0            ? isatty(fd)
                                   : 0;
        break;
    }
    case SYS_SEEK: {
        uint32_t h = rd32(arg);
        int fd = handle_fd(h);
        if (fd == FEATURES) {
            features_pos[h] = rd32(arg + 4);
            break;
        }
        if (fd < 0 || lseek(fd, rd32(arg + 4), SEEK_SET) < 0) {
            last_errno = fd < 0 ? EBADF : errno;
            ret = (uint32_t)-1;
        }
        break;
    }
    case SYS_FLEN: {
        int fd = handle_fd(rd32(arg));
        struct stat st;
        if (fd == FEATURES) {
            ret = sizeof(features);
            break;
        }
        if (fd < 0 || fstat(fd, &st) < 0) {
            last_errno = fd < 0 ? EBADF : errno;
            ret = (uint32_t)-1;
        } else {
            ret = (uint32_t)st.st_size;
        }
        break;
    }
    case SYS_CLOCK: /* centiseconds of virtual time */
        ret = (uint32_t)(tessera_clock_ns() / 10000000u);
        break;
    case SYS_TIME:
        ret = (uint32_t)time(NULL);
        break;
    case SYS_ERRNO:
        ret = (uint32_t)last_errno;
        break;
    case SYS_GET_CMDLINE: {
        uint32_t buf = rd32(arg), len = rd32(arg + 4);
        if (len >= 1) {
            uint8_t z = 0;
            tessera_phys_write(buf, &z, 1);
            uint8_t b[4] = {0};
            tessera_phys_write(arg + 4, b, 4);
        }
        ret = 0;
        break;
    }
    case SYS_EXIT:
        sys_exit(arg, 0);
        return true;
    case SYS_EXIT_EXTENDED:
        sys_exit(rd32(arg), rd32(arg + 4));
        return true;
    default:
        tessera_warn("arm: semihosting call 0x%x not supported", op);
        ret = (uint32_t)-1;
        break;
    }
    env->r[0] = ret;
    return false;
}
