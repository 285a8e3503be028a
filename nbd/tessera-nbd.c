/* SPDX-License-Identifier: MIT */
/*
 * tessera-nbd: serves a disk image (any format the block library opens)
 * over the NBD protocol, on TCP or a UNIX socket. Options follow
 * qemu-nbd's. One thread a client; the image is shared under one lock.
 */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "block/block.h"
#include "block/nbd-wire.h"
#include "nbd/nbd-server.h"

static NbdExport export;
static pthread_mutex_t count_lock = PTHREAD_MUTEX_INITIALIZER;
static int clients;          /* connected now */
static int wake_pipe[2];     /* threads and signals wake the accept loop */

static void usage(FILE *f)
{
    fprintf(f,
"Usage: tessera-nbd [OPTIONS] FILE\n"
"Serve the disk image FILE over the NBD protocol (fixed newstyle).\n"
"\n"
"  -p, --port=PORT          TCP port to listen on (default 10809)\n"
"  -b, --bind=ADDR          address to listen on (default 0.0.0.0)\n"
"  -k, --socket=PATH        listen on a UNIX socket instead of TCP\n"
"  -x, --export-name=NAME   name of the export (default \"\")\n"
"  -D, --description=TEXT   description of the export\n"
"  -f, --format=FMT         image format (raw, qcow2; default: probed)\n"
"  -r, --read-only          export read-only\n"
"  -s, --snapshot           writes go to a temporary overlay (in $TMPDIR,\n"
"                           default /var/tmp), deleted at exit; FILE\n"
"                           itself is opened read-only\n"
"  -l, --load-snapshot=SNAPSHOT\n"
"                           export the internal snapshot SNAPSHOT (ID or\n"
"                           name; or snapshot.id=ID[,snapshot.name=NAME])\n"
"                           read-only\n"
"      --cache=MODE         writeback (default), none, writethrough,\n"
"                           directsync or unsafe\n"
"  -n, --nocache            the same as --cache=none\n"
"      --discard=MODE       ignore (default; trims succeed and change\n"
"                           nothing) or unmap (trims deallocate)\n"
"      --detect-zeroes=MODE off (default), on (a write of zeroes becomes\n"
"                           a write-zeroes) or unmap (which may also\n"
"                           deallocate; needs --discard=unmap)\n"
"  -A, --allocation-depth   also export the context qemu:allocation-depth\n"
"                           (0: unallocated, 1: this image, 2...: backing)\n"
"  -B, --bitmap=NAME        also export the persistent dirty bitmap NAME\n"
"                           as the context qemu:dirty-bitmap:NAME\n"
"  -e, --shared=N           serve up to N clients at once (default 1,\n"
"                           0: no limit)\n"
"  -t, --persistent         keep serving after the last client leaves\n"
"      --object secret,id=ID,data=TEXT|file=PATH[,format=raw|base64]\n"
"                           a password for an encrypted image\n"
"      --image-opts         FILE is driver=FMT,file.filename=PATH\n"
"                           [,key-secret=ID][,encrypt.key-secret=ID]\n"
"                           [,backing.key-secret=ID|backing.encrypt.\n"
"                           key-secret=ID...]: secrets of encrypted\n"
"                           backing files\n"
"      --fork               go to the background once listening (the\n"
"                           caller's stdout and stderr are closed then)\n"
"      --pid-file=PATH      write the server's process id to PATH\n"
"  -h, --help               show this help\n"
"  -V, --version            show the version\n"
"\n"
"Without -t the server exits when its last client disconnects.\n");
}

static void wake(void)
{
    char b = 0;
    ssize_t r = write(wake_pipe[1], &b, 1);
    (void)r;
}

static void *client_thread(void *arg)
{
    int fd = (int)(intptr_t)arg;
    NbdStream st = {nbd_sock_recv, nbd_sock_send, &fd};
    nbd_serve(&export, &st);
    close(fd);
    pthread_mutex_lock(&count_lock);
    clients--;
    pthread_mutex_unlock(&count_lock);
    wake();
    return NULL;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
    wake();
}

static int listen_unix(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sa.sun_path)) {
        fprintf(stderr, "tessera-nbd: socket path too long: %s\n", path);
        return -1;
    }
    strcpy(sa.sun_path, path);
    struct stat sb;
    if (lstat(path, &sb) == 0 && S_ISSOCK(sb.st_mode))
        unlink(path); /* a stale socket of an earlier server */
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        listen(fd, 16) < 0) {
        fprintf(stderr, "tessera-nbd: cannot listen on %s: %s\n", path,
                strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

static int listen_tcp(const char *addr, const char *port)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res;
    int e = getaddrinfo(addr, port, &hints, &res);
    if (e) {
        fprintf(stderr, "tessera-nbd: cannot resolve %s port %s: %s\n",
                addr, port, gai_strerror(e));
        return -1;
    }
    int fd = -1, err = 0;
    for (struct addrinfo *a = res; a; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC,
                    a->ai_protocol);
        if (fd < 0) {
            err = errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, a->ai_addr, a->ai_addrlen) == 0 && listen(fd, 16) == 0)
            break;
        err = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0)
        fprintf(stderr, "tessera-nbd: cannot listen on %s port %s: %s\n",
                addr, port, strerror(err));
    return fd;
}

/* Reads the bitmap before the image is opened for writing (which marks
 * its bitmaps in use): it must exist and be consistent. */
static int load_bitmap(const char *file, const char *fmt,
                       const char *const *keys, const char *name)
{
    char err[1024];
    BlockDev *bs = blk_open_keys(file, fmt, 0, keys, BLK_MAX_KEY_LAYERS, err,
                                 sizeof(err));
    if (!bs) {
        fprintf(stderr, "tessera-nbd: %s\n", err);
        return -1;
    }
    BlkBitmap *list;
    int n, found = -1;
    if (blk_bitmap_list(bs, &list, &n) < 0) {
        fprintf(stderr, "tessera-nbd: %s\n", blk_error(bs));
        blk_close(bs);
        return -1;
    }
    for (int i = 0; i < n; i++)
        if (strcmp(list[i].name, name) == 0)
            found = i;
    int ret = -1;
    if (found < 0)
        fprintf(stderr, "tessera-nbd: %s: no bitmap named '%s'\n", file,
                name);
    else if (list[found].flags & BLK_BITMAP_IN_USE)
        fprintf(stderr, "tessera-nbd: %s: bitmap '%s' is inconsistent (in "
                "use flag set) and cannot be exported\n", file, name);
    else if (blk_bitmap_load(bs, name, &export.bitmap, &export.bitmap_bits,
                             &export.bitmap_gran) < 0)
        fprintf(stderr, "tessera-nbd: %s\n", blk_error(bs));
    else
        ret = 0;
    blk_bitmap_list_free(list, n);
    blk_close(bs);
    return ret;
}

/* path made absolute against the starting directory (the forked server
 * runs in /), or NULL. */
static char *absolute(const char *path)
{
    if (path[0] == '/')
        return strdup(path);
    char *cwd = getcwd(NULL, 0), *out = NULL;
    if (cwd && asprintf(&out, "%s/%s", cwd, path) < 0)
        out = NULL;
    free(cwd);
    return out;
}

int main(int argc, char **argv)
{
    enum { OPT_FORK = 256, OPT_PIDFILE, OPT_OBJECT, OPT_IMAGE_OPTS,
           OPT_CACHE, OPT_DISCARD, OPT_DETECT_ZEROES };
    static const struct option longopts[] = {
        {"port", required_argument, NULL, 'p'},
        {"bind", required_argument, NULL, 'b'},
        {"socket", required_argument, NULL, 'k'},
        {"export-name", required_argument, NULL, 'x'},
        {"description", required_argument, NULL, 'D'},
        {"format", required_argument, NULL, 'f'},
        {"read-only", no_argument, NULL, 'r'},
        {"snapshot", no_argument, NULL, 's'},
        {"load-snapshot", required_argument, NULL, 'l'},
        {"bitmap", required_argument, NULL, 'B'},
        {"allocation-depth", no_argument, NULL, 'A'},
        {"shared", required_argument, NULL, 'e'},
        {"persistent", no_argument, NULL, 't'},
        {"fork", no_argument, NULL, OPT_FORK},
        {"pid-file", required_argument, NULL, OPT_PIDFILE},
        {"object", required_argument, NULL, OPT_OBJECT},
        {"image-opts", no_argument, NULL, OPT_IMAGE_OPTS},
        {"cache", required_argument, NULL, OPT_CACHE},
        {"nocache", no_argument, NULL, 'n'},
        {"discard", required_argument, NULL, OPT_DISCARD},
        {"detect-zeroes", required_argument, NULL, OPT_DETECT_ZEROES},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    const char *port = "10809", *addr = "0.0.0.0", *sock = NULL;
    const char *fmt = NULL;
    BlkImageOpts iopts = {NULL};
    char *pidfile = NULL;
    bool persistent = false, do_fork = false, image_opts = false;
    bool temp_overlay = false;
    char *snap_id = NULL, *snap_name = NULL;
    const char *snap_id_or_name = NULL;
    int cache_flags = 0;
    char err[1024];
    long shared = 1;
    export.name = "";
    int c;
    while ((c = getopt_long(argc, argv, "p:b:k:x:D:f:rsl:nAB:e:thV", longopts,
                            NULL)) != -1) {
        switch (c) {
        case 'p': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || end == optarg || v < 1 || v > 65535) {
                fprintf(stderr, "tessera-nbd: invalid port '%s'\n", optarg);
                return 1;
            }
            port = optarg;
            break;
        }
        case 'b': addr = optarg; break;
        case 'k': sock = optarg; break;
        case 'x': export.name = optarg; break;
        case 'D': export.description = optarg; break;
        case 'f': fmt = optarg; break;
        case 'r': export.read_only = true; break;
        case 'A': export.alloc_depth = true; break;
        case 's': temp_overlay = true; break;
        case 'l':
            free(snap_id);
            free(snap_name);
            if (blk_parse_snapshot_spec(optarg, &snap_id, &snap_name,
                                        &snap_id_or_name, err,
                                        sizeof(err)) < 0) {
                fprintf(stderr, "tessera-nbd: -l %s: %s\n", optarg, err);
                return 1;
            }
            export.read_only = true; /* as qemu-nbd: -l implies -r */
            break;
        case 'B': export.bitmap_name = optarg; break;
        case 'e': {
            char *end;
            shared = strtol(optarg, &end, 10);
            if (*end || end == optarg || shared < 0 || shared > 65535) {
                fprintf(stderr, "tessera-nbd: invalid --shared '%s'\n",
                        optarg);
                return 1;
            }
            break;
        }
        case 't': persistent = true; break;
        case OPT_FORK: do_fork = true; break;
        case OPT_PIDFILE:
            free(pidfile);
            pidfile = absolute(optarg);
            if (!pidfile) {
                perror("tessera-nbd: --pid-file");
                return 1;
            }
            break;
        case OPT_OBJECT:
            if (blk_object_add(optarg, err, sizeof(err)) < 0) {
                fprintf(stderr, "tessera-nbd: --object %s: %s\n", optarg,
                        err);
                return 1;
            }
            break;
        case OPT_IMAGE_OPTS: image_opts = true; break;
        case 'n': cache_flags = BLK_O_DIRECT; break;
        case OPT_CACHE:
            /* The -drive cache= modes, as qemu-nbd's --cache. */
            if (!strcmp(optarg, "writeback")) {
                cache_flags = 0;
            } else if (!strcmp(optarg, "none")) {
                cache_flags = BLK_O_DIRECT;
            } else if (!strcmp(optarg, "writethrough")) {
                cache_flags = BLK_O_WRITETHROUGH;
            } else if (!strcmp(optarg, "directsync")) {
                cache_flags = BLK_O_DIRECT | BLK_O_WRITETHROUGH;
            } else if (!strcmp(optarg, "unsafe")) {
                cache_flags = BLK_O_UNSAFE;
            } else {
                fprintf(stderr, "tessera-nbd: invalid cache mode '%s' "
                        "(writeback, none, writethrough, directsync, "
                        "unsafe)\n", optarg);
                return 1;
            }
            break;
        case OPT_DISCARD: /* qemu's names and their aliases */
            if (!strcmp(optarg, "ignore") || !strcmp(optarg, "off")) {
                export.discard_unmap = false;
            } else if (!strcmp(optarg, "unmap") || !strcmp(optarg, "on")) {
                export.discard_unmap = true;
            } else {
                fprintf(stderr, "tessera-nbd: invalid discard mode '%s' "
                        "(ignore, unmap)\n", optarg);
                return 1;
            }
            break;
        case OPT_DETECT_ZEROES:
            if (!strcmp(optarg, "off")) {
                export.detect_zeroes = NBD_DZ_OFF;
            } else if (!strcmp(optarg, "on")) {
                export.detect_zeroes = NBD_DZ_ON;
            } else if (!strcmp(optarg, "unmap")) {
                export.detect_zeroes = NBD_DZ_UNMAP;
            } else {
                fprintf(stderr, "tessera-nbd: invalid detect-zeroes mode "
                        "'%s' (off, on, unmap)\n", optarg);
                return 1;
            }
            break;
        case 'h': usage(stdout); return 0;
        case 'V': printf("tessera-nbd " PACKAGE_VERSION "\n"); return 0;
        default: usage(stderr); return 1;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "tessera-nbd: expected one image file "
                "(see --help)\n");
        return 1;
    }
    if (export.detect_zeroes == NBD_DZ_UNMAP && !export.discard_unmap) {
        fprintf(stderr, "tessera-nbd: --detect-zeroes=unmap is not allowed "
                "without --discard=unmap (as qemu-nbd)\n");
        return 1;
    }
    const char *file = argv[optind];
    if (image_opts) {
        if (fmt) {
            fprintf(stderr, "tessera-nbd: --image-opts and -f cannot be "
                    "combined (use driver=)\n");
            return 1;
        }
        if (blk_parse_image_opts(file, &iopts, err, sizeof(err)) < 0) {
            fprintf(stderr, "tessera-nbd: %s\n", err);
            return 1;
        }
        file = iopts.filename;
        fmt = iopts.fmt;
    }
    if (strlen(export.name) > NBD_MAX_STRING) {
        fprintf(stderr, "tessera-nbd: export name longer than %d bytes\n",
                NBD_MAX_STRING);
        return 1;
    }
    if (export.description && strlen(export.description) > NBD_MAX_STRING) {
        fprintf(stderr, "tessera-nbd: description longer than %d bytes\n",
                NBD_MAX_STRING);
        return 1;
    }
    if (export.bitmap_name && strlen(export.bitmap_name) > 1023) {
        fprintf(stderr, "tessera-nbd: bitmap name longer than 1023 bytes\n");
        return 1;
    }
    const char *const *keys = (const char *const *)iopts.keys;
    if (export.bitmap_name &&
        load_bitmap(file, fmt, keys, export.bitmap_name) < 0)
        return 1;
    bool load = snap_id || snap_name || snap_id_or_name;
    if (load && temp_overlay) {
        /* qemu-nbd looks for the snapshot in the empty overlay and fails */
        fprintf(stderr, "tessera-nbd: -s and -l cannot be combined\n");
        return 1;
    }
    export.bs = blk_open_keys(file, fmt,
                              (export.read_only || temp_overlay || load ? 0 :
                               BLK_O_RDWR) | cache_flags,
                              keys, BLK_MAX_KEY_LAYERS, err, sizeof(err));
    if (!export.bs) {
        fprintf(stderr, "tessera-nbd: %s\n", err);
        return 1;
    }
    if (load) {
        int r;
        if (snap_id_or_name) { /* an id first, then a name (qemu-nbd) */
            r = blk_snapshot_load(export.bs, snap_id_or_name, NULL);
            if (r < 0)
                r = blk_snapshot_load(export.bs, NULL, snap_id_or_name);
        } else {
            r = blk_snapshot_load(export.bs, snap_id, snap_name);
        }
        if (r < 0) {
            fprintf(stderr, "tessera-nbd: Failed to load snapshot: %s\n",
                    blk_error(export.bs));
            return 1;
        }
    }
    if (temp_overlay) {
        export.bs = blk_open_temp_overlay(export.bs, cache_flags, err,
                                          sizeof(err));
        if (!export.bs) {
            fprintf(stderr, "tessera-nbd: %s\n", err);
            return 1;
        }
    }
    /* One process serves every connection from one image state and
     * flush flushes it all: safe for clients to spread their requests. */
    export.multi_conn = shared != 1;
    pthread_mutex_init(&export.lock, NULL);
    int lfd = sock ? listen_unix(sock) : listen_tcp(addr, port);
    char *sock_abs = sock ? absolute(sock) : NULL; /* removed at exit */
    if (lfd < 0) {
        blk_close(export.bs);
        return 1;
    }
    if (pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
        perror("tessera-nbd: pipe");
        return 1;
    }
    int ready[2] = {-1, -1};
    if (do_fork) {
        /* The parent returns once the child has written its pid file. */
        if (pipe2(ready, O_CLOEXEC) < 0) {
            perror("tessera-nbd: pipe");
            return 1;
        }
        pid_t pid = fork();
        if (pid < 0) {
            perror("tessera-nbd: fork");
            return 1;
        }
        if (pid > 0) { /* the child owns the image and the socket */
            char b;
            close(ready[1]);
            _exit(read(ready[0], &b, 1) == 1 ? 0 : 1);
        }
        close(ready[0]);
        setsid();
        if (chdir("/") < 0) { /* do not keep the directory busy */
            perror("tessera-nbd: chdir /");
            return 1;
        }
    }
    if (pidfile) {
        FILE *pf = fopen(pidfile, "w");
        if (!pf || fprintf(pf, "%d\n", (int)getpid()) < 0 || fclose(pf)) {
            fprintf(stderr, "tessera-nbd: cannot write %s\n", pidfile);
            return 1;
        }
    }
    if (ready[1] >= 0) {
        /* Ready: let go of the caller's terminal or pipes (a caller
         * reading our output until EOF would wait for the server's end
         * otherwise), then release the parent. Later errors are lost, as
         * with qemu-nbd --fork. */
        int nul = open("/dev/null", O_RDWR);
        if (nul >= 0) {
            dup2(nul, 0);
            dup2(nul, 1);
            dup2(nul, 2);
            close(nul);
        }
        ssize_t w = write(ready[1], "", 1);
        (void)w;
        close(ready[1]);
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    bool served = false;
    while (!stop) {
        pthread_mutex_lock(&count_lock);
        int now = clients;
        pthread_mutex_unlock(&count_lock);
        if (served && now == 0 && !persistent)
            break;
        /* At the limit, new clients wait in the listen backlog. */
        bool full = shared && now >= shared;
        struct pollfd p[2] = {{.fd = wake_pipe[0], .events = POLLIN},
                              {.fd = lfd, .events = POLLIN}};
        if (poll(p, full ? 1 : 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            perror("tessera-nbd: poll");
            break;
        }
        if (p[0].revents) {
            char b[64];
            while (read(wake_pipe[0], b, sizeof(b)) > 0)
                ;
        }
        if (full || !(p[1].revents & POLLIN))
            continue;
        int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
            continue;
        pthread_mutex_lock(&count_lock);
        clients++;
        pthread_mutex_unlock(&count_lock);
        served = true;
        pthread_t t;
        pthread_attr_t at;
        pthread_attr_init(&at);
        pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&t, &at, client_thread, (void *)(intptr_t)fd)) {
            close(fd);
            pthread_mutex_lock(&count_lock);
            clients--;
            pthread_mutex_unlock(&count_lock);
        }
        pthread_attr_destroy(&at);
    }
    close(lfd);
    if (sock)
        unlink(sock_abs ? sock_abs : sock);
    /* No request is in flight while we hold the lock; the image is
     * flushed and closed clean (dirty flag cleared). */
    pthread_mutex_lock(&export.lock);
    int ret = blk_flush(export.bs) < 0 ? 1 : 0;
    if (ret)
        fprintf(stderr, "tessera-nbd: %s\n", blk_error(export.bs));
    blk_close(export.bs);
    if (pidfile)
        unlink(pidfile);
    _exit(ret); /* client threads may still be blocked in recv */
}
