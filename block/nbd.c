/* SPDX-License-Identifier: MIT */
/*
 * NBD client: an export of an NBD server (tessera-nbd, qemu-nbd, nbdkit...)
 * as a raw disk. Written from the NBD protocol specification
 * (doc/proto.md of the NBD project): fixed newstyle handshake,
 * NBD_OPT_GO with NBD_INFO_BLOCK_SIZE (NBD_OPT_EXPORT_NAME when the server
 * does not know GO), simple replies, one request at a time on a blocking
 * socket. URLs:
 *   nbd://HOST[:PORT][/EXPORT]   (also nbd+tcp://; port 10809 by default)
 *   nbd+unix:///EXPORT?socket=PATH
 * Everything the server sends is checked before use; a violation ends the
 * connection with a message saying what was wrong, and every later
 * request fails.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "block/block-int.h"
#include "block/nbd-wire.h"

#define NBDMAGIC        0x4e42444d41474943ull
#define IHAVEOPT        0x49484156454f5054ull
#define OLDSTYLE_MAGIC  0x0000420281861253ull
#define REPLY_MAGIC_OPT 0x0003e889045565a9ull
#define REQUEST_MAGIC   0x25609513u
#define SIMPLE_MAGIC    0x67446698u
#define STRUCT_MAGIC    0x668e33efu

#define FLAG_FIXED_NEWSTYLE 0x1
#define FLAG_NO_ZEROES      0x2

#define OPT_EXPORT_NAME 1
#define OPT_GO          7
#define OPT_ABORT       2
#define OPT_STRUCTURED_REPLY 8
#define OPT_SET_META_CONTEXT 10
#define REP_ACK         1
#define REP_INFO        3
#define REP_META_CONTEXT 4
#define REP_ERR_UNSUP   0x80000001u
#define INFO_EXPORT     0
#define INFO_BLOCK_SIZE 3

#define TF_HAS_FLAGS    (1u << 0)
#define TF_READ_ONLY    (1u << 1)
#define TF_FLUSH        (1u << 2)
#define TF_TRIM         (1u << 5)
#define TF_WRITE_ZEROES (1u << 6)

#define CMD_READ         0
#define CMD_WRITE        1
#define CMD_DISC         2
#define CMD_FLUSH        3
#define CMD_TRIM         4
#define CMD_WRITE_ZEROES 6
#define CMD_BLOCK_STATUS 7

#define REPLY_FLAG_DONE        1
#define REPLY_TYPE_NONE        0
#define REPLY_TYPE_OFFSET_DATA 1
#define REPLY_TYPE_OFFSET_HOLE 2
#define REPLY_TYPE_BLOCK_STATUS 5
#define REPLY_TYPE_ERROR       0x8001
#define REPLY_TYPE_ERROR_OFFSET 0x8002

#define STATE_HOLE 1
#define STATE_ZERO 2
#define META_BASE_ALLOCATION "base:allocation"

#define NBD_DEFAULT_PORT "10809"
#define MAX_OPT_REPLY    (64u << 10)   /* longest option reply we read */
#define MAX_PAYLOAD      (32u << 20)   /* the spec's default maximum */
#define MAX_EXPORT_NAME  4096
#define MAX_ERROR_MSG    4096          /* the spec's limit on error strings */
#define MAX_STATUS_CHUNK (4u + 8u * 1024 * 1024) /* 1 Mi extents */
#define STATUS_REQUEST   (1u << 30)    /* length asked for at once */


static int cl_error(NbdClient *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int cl_error(NbdClient *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, sizeof(c->err), fmt, ap);
    va_end(ap);
    return -1;
}

/* A request on a dead connection: the message that killed it stays
 * (formatting c->err into itself would be undefined). */
static int dead_error(NbdClient *c)
{
    if (!c->err[0])
        snprintf(c->err, sizeof(c->err), "NBD connection is closed");
    return -1;
}

/* A protocol violation: the connection cannot be trusted any more. */
static int cl_fatal(NbdClient *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int cl_fatal(NbdClient *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, sizeof(c->err), fmt, ap);
    va_end(ap);
    c->dead = true;
    return -1;
}

static int cl_recv(NbdClient *c, void *buf, size_t len, const char *what)
{
    int r = c->recv(c->ctx, buf, len);
    if (r == -2)
        return cl_fatal(c, "NBD server: no answer within %u s while reading "
                        "%s (timed out; see the timeout= and open-timeout= "
                        "URL options)", c->timeout, what);
    if (r < 0) {
        cl_fatal(c, "NBD server: connection lost while reading %s", what);
        c->lost = true;
        return -1;
    }
    return 0;
}

static int cl_send(NbdClient *c, const void *buf, size_t len)
{
    int r = c->send(c->ctx, buf, len);
    if (r == -2)
        return cl_fatal(c, "NBD server: not accepting data within %u s "
                        "(timed out)", c->timeout);
    if (r < 0) {
        cl_fatal(c, "NBD server: connection lost while sending");
        c->lost = true;
        return -1;
    }
    return 0;
}

/* Reads and drops len bytes. */
static int cl_skip(NbdClient *c, uint64_t len, const char *what)
{
    uint8_t buf[4096];
    while (len) {
        size_t n = len < sizeof(buf) ? (size_t)len : sizeof(buf);
        if (cl_recv(c, buf, n, what) < 0)
            return -1;
        len -= n;
    }
    return 0;
}

/* The server's text in an error reply, printable characters only. */
static void sanitize(char *dst, size_t dstlen, const uint8_t *src,
                     size_t len)
{
    size_t j = 0;
    for (size_t i = 0; i < len && j + 1 < dstlen; i++)
        dst[j++] = (src[i] >= 0x20 && src[i] < 0x7f) ? (char)src[i] : '?';
    dst[j] = 0;
}

static const char *rep_err_name(uint32_t t)
{
    switch (t) {
    case 0x80000001u: return "NBD_REP_ERR_UNSUP";
    case 0x80000002u: return "NBD_REP_ERR_POLICY";
    case 0x80000003u: return "NBD_REP_ERR_INVALID";
    case 0x80000004u: return "NBD_REP_ERR_PLATFORM";
    case 0x80000005u: return "NBD_REP_ERR_TLS_REQD";
    case 0x80000006u: return "NBD_REP_ERR_UNKNOWN";
    case 0x80000007u: return "NBD_REP_ERR_SHUTDOWN";
    case 0x80000008u: return "NBD_REP_ERR_BLOCK_SIZE_REQD";
    case 0x80000009u: return "NBD_REP_ERR_TOO_BIG";
    default: return "unknown error";
    }
}

static bool pow2(uint32_t v) { return v && !(v & (v - 1)); }

static int check_export(NbdClient *c)
{
    if (c->size > (uint64_t)INT64_MAX)
        return cl_fatal(c, "NBD server: export size %llu is too large",
                        (unsigned long long)c->size);
    if (!(c->tflags & TF_HAS_FLAGS))
        c->tflags = 0; /* the other flags mean nothing then */
    return 0;
}

static int send_option(NbdClient *c, uint32_t opt, const uint8_t *data,
                       uint32_t len)
{
    uint8_t h[16];
    nbd_put64(h, IHAVEOPT);
    nbd_put32(h + 8, opt);
    nbd_put32(h + 12, len);
    if (cl_send(c, h, sizeof(h)) < 0)
        return -1;
    return len ? cl_send(c, data, len) : 0;
}

/* One option reply: the header (its magic, and that it answers opt) and
 * its data (at most MAX_OPT_REPLY bytes) into data. */
static int read_opt_reply(NbdClient *c, uint32_t opt, const char *optname,
                          uint32_t *type, uint32_t *len, uint8_t *data)
{
    uint8_t h[20];
    if (cl_recv(c, h, sizeof(h), "an option reply") < 0)
        return -1;
    uint64_t magic = nbd_get64(h);
    uint32_t o = nbd_get32(h + 8);
    *type = nbd_get32(h + 12);
    *len = nbd_get32(h + 16);
    if (magic != REPLY_MAGIC_OPT)
        return cl_fatal(c, "NBD server: bad option reply magic 0x%016llx",
                        (unsigned long long)magic);
    if (o != opt)
        return cl_fatal(c, "NBD server: reply to option %u, not to %s", o,
                        optname);
    if (*len > MAX_OPT_REPLY)
        return cl_fatal(c, "NBD server: option reply of %u bytes (at most "
                        "%u)", *len, MAX_OPT_REPLY);
    return cl_recv(c, data, *len, "an option reply");
}

/* NBD_OPT_STRUCTURED_REPLY: c->structured when the server acknowledges;
 * an error reply means it does not offer them. */
static int opt_structured(NbdClient *c, uint8_t *data)
{
    uint32_t type, len;
    if (send_option(c, OPT_STRUCTURED_REPLY, NULL, 0) < 0 ||
        read_opt_reply(c, OPT_STRUCTURED_REPLY, "NBD_OPT_STRUCTURED_REPLY",
                       &type, &len, data) < 0)
        return -1;
    if (type & 0x80000000u)
        return 0;
    if (type != REP_ACK)
        return cl_fatal(c, "NBD server: unexpected reply type %u to "
                        "NBD_OPT_STRUCTURED_REPLY", type);
    if (len)
        return cl_fatal(c, "NBD server: NBD_REP_ACK with %u bytes of data",
                        len);
    c->structured = true;
    return 0;
}

/* NBD_OPT_SET_META_CONTEXT for base:allocation on export name. The
 * server may grant it (one NBD_REP_META_CONTEXT with that name) or not;
 * any other context is a violation, as we asked for none. */
static int opt_meta(NbdClient *c, const char *name, uint8_t *data)
{
    size_t nlen = strlen(name), qlen = strlen(META_BASE_ALLOCATION);
    uint8_t *d = malloc(12 + nlen + qlen);
    if (!d)
        return cl_error(c, "out of memory");
    nbd_put32(d, (uint32_t)nlen);
    memcpy(d + 4, name, nlen);
    nbd_put32(d + 4 + nlen, 1);
    nbd_put32(d + 8 + nlen, (uint32_t)qlen);
    memcpy(d + 12 + nlen, META_BASE_ALLOCATION, qlen);
    int r = send_option(c, OPT_SET_META_CONTEXT, d,
                        (uint32_t)(12 + nlen + qlen));
    free(d);
    if (r < 0)
        return -1;
    for (;;) {
        uint32_t type, len;
        if (read_opt_reply(c, OPT_SET_META_CONTEXT,
                           "NBD_OPT_SET_META_CONTEXT", &type, &len,
                           data) < 0)
            return -1;
        if (type & 0x80000000u) {
            c->has_meta = false; /* no block status then */
            return 0;
        }
        if (type == REP_ACK) {
            if (len)
                return cl_fatal(c, "NBD server: NBD_REP_ACK with %u bytes "
                                "of data", len);
            return 0;
        }
        if (type != REP_META_CONTEXT)
            return cl_fatal(c, "NBD server: unexpected reply type %u to "
                            "NBD_OPT_SET_META_CONTEXT", type);
        if (len < 4)
            return cl_fatal(c, "NBD server: NBD_REP_META_CONTEXT of %u "
                            "bytes", len);
        if (len - 4 != qlen || memcmp(data + 4, META_BASE_ALLOCATION, qlen)) {
            char msg[256];
            sanitize(msg, sizeof(msg), data + 4, len - 4);
            return cl_fatal(c, "NBD server: meta context '%s' was not asked "
                            "for", msg);
        }
        if (c->has_meta)
            return cl_fatal(c, "NBD server: meta context %s granted twice",
                            META_BASE_ALLOCATION);
        c->meta_id = nbd_get32(data);
        c->has_meta = true;
    }
}

/*
 * NBD_OPT_GO. Returns 0 when the export is open, 1 when the server does
 * not know the option (fall back to EXPORT_NAME), -1 on error.
 */
static int opt_go(NbdClient *c, const char *name, uint8_t *data)
{
    size_t nlen = strlen(name);
    uint8_t *d = malloc(4 + nlen + 4);
    if (!d)
        return cl_error(c, "out of memory");
    nbd_put32(d, (uint32_t)nlen);
    memcpy(d + 4, name, nlen);
    nbd_put16(d + 4 + nlen, 1);
    nbd_put16(d + 6 + nlen, INFO_BLOCK_SIZE);
    int r = send_option(c, OPT_GO, d, (uint32_t)(nlen + 8));
    free(d);
    if (r < 0)
        return -1;
    bool got_export = false, infos = false;
    for (;;) {
        uint32_t type, len;
        if (read_opt_reply(c, OPT_GO, "NBD_OPT_GO", &type, &len, data) < 0)
            return -1;
        if (type & 0x80000000u) {
            if (type == REP_ERR_UNSUP && !infos)
                return 1;
            char msg[256];
            sanitize(msg, sizeof(msg), data, len);
            return cl_fatal(c, "NBD server refused export '%.200s': %s%s%s",
                            name, rep_err_name(type), len ? ": " : "", msg);
        }
        if (type == REP_ACK) {
            if (len)
                return cl_fatal(c, "NBD server: NBD_REP_ACK with %u bytes "
                                "of data", len);
            if (!got_export)
                return cl_fatal(c, "NBD server: NBD_OPT_GO acknowledged "
                                "without NBD_INFO_EXPORT");
            return check_export(c);
        }
        if (type != REP_INFO)
            return cl_fatal(c, "NBD server: unexpected reply type %u to "
                            "NBD_OPT_GO", type);
        infos = true;
        if (len < 2)
            return cl_fatal(c, "NBD server: NBD_REP_INFO of %u bytes", len);
        uint16_t info = nbd_get16(data);
        if (info == INFO_EXPORT) {
            if (len != 12)
                return cl_fatal(c, "NBD server: NBD_INFO_EXPORT of %u bytes "
                                "(not 12)", len);
            c->size = nbd_get64(data + 2);
            c->tflags = nbd_get16(data + 10);
            got_export = true;
        } else if (info == INFO_BLOCK_SIZE) {
            if (len != 14)
                return cl_fatal(c, "NBD server: NBD_INFO_BLOCK_SIZE of %u "
                                "bytes (not 14)", len);
            uint32_t mn = nbd_get32(data + 2), pref = nbd_get32(data + 6),
                     mx = nbd_get32(data + 10);
            if (!pow2(mn) || mn > 65536 || !pow2(pref) || pref < mn ||
                mx < pref || (mx != 0xffffffffu && mx % mn))
                return cl_fatal(c, "NBD server: invalid block sizes minimum "
                                "%u, preferred %u, maximum %u", mn, pref,
                                mx);
            c->min_block = mn;
            c->max_payload = mx < MAX_PAYLOAD ? mx : MAX_PAYLOAD;
        } /* other information: not asked for, ignored */
    }
}

static int opt_export_name(NbdClient *c, const char *name, bool no_zeroes)
{
    if (send_option(c, OPT_EXPORT_NAME, (const uint8_t *)name,
                    (uint32_t)strlen(name)) < 0)
        return -1;
    uint8_t b[10];
    if (c->recv(c->ctx, b, sizeof(b)) < 0)
        return cl_fatal(c, "NBD server closed the connection after "
                        "NBD_OPT_EXPORT_NAME (no export '%.200s'?)", name);
    c->size = nbd_get64(b);
    c->tflags = nbd_get16(b + 8);
    if (!no_zeroes && cl_skip(c, 124, "the export's padding") < 0)
        return -1;
    return check_export(c);
}

int nbd_client_handshake(NbdClient *c, const char *name)
{
    uint8_t b[18];
    c->dead = false;
    c->lost = false;
    c->min_block = 1;
    c->max_payload = MAX_PAYLOAD;
    c->size = 0;
    c->tflags = 0;
    c->structured = false;
    c->has_meta = false;
    c->ext_n = 0;
    if (strlen(name) > MAX_EXPORT_NAME)
        return cl_fatal(c, "NBD export name longer than %d bytes",
                        MAX_EXPORT_NAME);
    if (cl_recv(c, b, 16, "the server greeting") < 0)
        return -1;
    if (nbd_get64(b) != NBDMAGIC)
        return cl_fatal(c, "not an NBD server (greeting 0x%016llx)",
                        (unsigned long long)nbd_get64(b));
    if (nbd_get64(b + 8) == OLDSTYLE_MAGIC)
        return cl_fatal(c, "NBD server uses the oldstyle handshake, which "
                        "is not supported");
    if (nbd_get64(b + 8) != IHAVEOPT)
        return cl_fatal(c, "NBD server: unknown handshake magic 0x%016llx",
                        (unsigned long long)nbd_get64(b + 8));
    if (cl_recv(c, b, 2, "the handshake flags") < 0)
        return -1;
    uint16_t hflags = nbd_get16(b);
    if (!(hflags & FLAG_FIXED_NEWSTYLE))
        return cl_fatal(c, "NBD server does not offer the fixed newstyle "
                        "handshake");
    bool no_zeroes = hflags & FLAG_NO_ZEROES;
    nbd_put32(b, FLAG_FIXED_NEWSTYLE | (no_zeroes ? FLAG_NO_ZEROES : 0));
    if (cl_send(c, b, 4) < 0)
        return -1;
    uint8_t *data = malloc(MAX_OPT_REPLY);
    if (!data)
        return cl_error(c, "out of memory");
    int r = opt_structured(c, data);
    if (r == 0 && c->structured)
        r = opt_meta(c, name, data);
    if (r == 0)
        r = opt_go(c, name, data);
    free(data);
    if (r == 1)
        r = opt_export_name(c, name, no_zeroes);
    return r;
}

static const char *cmd_name(uint16_t type)
{
    static const char *const names[] = {
        "read", "write", "disconnect", "flush", "trim", "cache",
        "write zeroes", "block status"
    };
    return type < sizeof(names) / sizeof(names[0]) ? names[type] : "?";
}

static const char *errno_text(uint32_t error)
{
    switch (error) {
    case 1: return "Operation not permitted";
    case 5: return "Input/output error";
    case 12: return "Cannot allocate memory";
    case 22: return "Invalid argument";
    case 28: return "No space left on device";
    case 75: return "Value too large";
    case 95: return "Operation not supported";
    case 108: return "Server shutting down";
    default: return "unknown error";
    }
}

/* The request a reply answers, and what the reply chunks gave so far. */
typedef struct Req {
    uint16_t type;
    uint64_t off, handle;
    uint32_t len;
    uint8_t *rbuf;          /* read data */
    /* Bytes of a read covered by data and hole chunks: in order up to
     * next; once a chunk comes out of order, one bit a byte in bits. */
    uint32_t next, covered;
    uint8_t *bits;
    bool got_status;
    uint32_t error;         /* the first error chunk's */
    char msg[300];
} Req;

static int cover(NbdClient *c, Req *q, uint32_t s, uint32_t n)
{
    if (!q->bits && s == q->next) {
        q->next += n;
        q->covered += n;
        return 0;
    }
    if (!q->bits) {
        q->bits = calloc(q->len / 8 + 1, 1);
        if (!q->bits)
            return cl_fatal(c, "out of memory");
        for (uint32_t i = 0; i < q->next; i++)
            q->bits[i / 8] |= (uint8_t)(1u << (i % 8));
    }
    for (uint32_t i = s; i < s + n; i++) {
        if (q->bits[i / 8] & (1u << (i % 8)))
            return cl_fatal(c, "NBD server: read reply chunks overlap at "
                            "offset %llu",
                            (unsigned long long)(q->off + i));
        q->bits[i / 8] |= (uint8_t)(1u << (i % 8));
    }
    q->covered += n;
    return 0;
}

/* Checks that [coff, coff+n) lies inside the request (n > 0). */
static int in_request(NbdClient *c, const Req *q, uint64_t coff, uint64_t n,
                      const char *what)
{
    if (n == 0 || coff < q->off || coff - q->off > q->len ||
        n > q->len - (coff - q->off))
        return cl_fatal(c, "NBD server: %s at offset %llu length %llu is "
                        "outside the request (offset %llu length %u)", what,
                        (unsigned long long)coff, (unsigned long long)n,
                        (unsigned long long)q->off, q->len);
    return 0;
}

/* A NBD_REPLY_TYPE_BLOCK_STATUS chunk of len bytes: the extents from the
 * request's offset go into c->ext. The last extent may reach past the
 * request (the spec allows it) but not past the export; nothing may
 * follow an extent that reaches the request's end. */
static int status_chunk(NbdClient *c, Req *q, uint32_t len)
{
    if (q->type != CMD_BLOCK_STATUS)
        return cl_fatal(c, "NBD server: block status chunk in the reply to "
                        "a %s", cmd_name(q->type));
    if (len < 12 || (len - 4) % 8 || len > MAX_STATUS_CHUNK)
        return cl_fatal(c, "NBD server: NBD_REPLY_TYPE_BLOCK_STATUS of %u "
                        "bytes", len);
    if (q->got_status)
        return cl_fatal(c, "NBD server: two block status chunks for one "
                        "context");
    q->got_status = true;
    uint8_t *d = malloc(len);
    if (!d)
        return cl_fatal(c, "out of memory");
    if (cl_recv(c, d, len, "a block status chunk") < 0) {
        free(d);
        return -1;
    }
    uint32_t id = nbd_get32(d);
    if (id != c->meta_id) {
        free(d);
        return cl_fatal(c, "NBD server: block status for context id %u, "
                        "but %s is %u", id, META_BASE_ALLOCATION,
                        c->meta_id);
    }
    uint32_t n = (len - 4) / 8, kept = 0;
    uint64_t pos = q->off, end = q->off + q->len;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t el = nbd_get32(d + 4 + 8 * i);
        uint32_t fl = nbd_get32(d + 8 + 8 * i);
        if (el == 0 || pos >= end || el > c->size - pos) {
            free(d);
            return cl_fatal(c, "NBD server: block status extent %u of %u "
                            "(length %u at offset %llu) is %s", i, n, el,
                            (unsigned long long)pos,
                            el == 0 ? "empty" : pos >= end ?
                            "past the end of the request" :
                            "past the end of the export");
        }
        if (kept < sizeof(c->ext) / sizeof(c->ext[0])) {
            c->ext[kept].len = el;
            c->ext[kept].flags = fl & (STATE_HOLE | STATE_ZERO);
            kept++;
        }
        pos += el;
    }
    free(d);
    c->ext_off = q->off;
    c->ext_n = kept;
    return 0;
}

/* An error chunk (bit 15 of the type) of len bytes. */
static int error_chunk(NbdClient *c, Req *q, uint16_t type, uint32_t len)
{
    uint8_t d[6 + MAX_ERROR_MSG + 8];
    if (len < 6 || len > sizeof(d))
        return cl_fatal(c, "NBD server: error chunk (type 0x%x) of %u "
                        "bytes", type, len);
    if (cl_recv(c, d, len, "an error chunk") < 0)
        return -1;
    uint32_t error = nbd_get32(d);
    uint16_t mlen = nbd_get16(d + 4);
    uint32_t want = 6u + mlen + (type == REPLY_TYPE_ERROR_OFFSET ? 8u : 0u);
    if (type == REPLY_TYPE_ERROR || type == REPLY_TYPE_ERROR_OFFSET
        ? len != want : len < want)
        return cl_fatal(c, "NBD server: error chunk (type 0x%x) of %u bytes "
                        "with a message of %u", type, len, mlen);
    if (error == 0)
        return cl_fatal(c, "NBD server: error chunk with error 0");
    char msg[256];
    sanitize(msg, sizeof(msg), d + 6, mlen);
    char where[64] = "";
    if (type == REPLY_TYPE_ERROR_OFFSET) {
        uint64_t eo = nbd_get64(d + 6 + mlen);
        if (q->type != CMD_READ ||
            in_request(c, q, eo, 1, "NBD_REPLY_TYPE_ERROR_OFFSET") < 0)
            return c->dead ? -1 :
                cl_fatal(c, "NBD server: NBD_REPLY_TYPE_ERROR_OFFSET in the "
                         "reply to a %s", cmd_name(q->type));
        snprintf(where, sizeof(where), " at offset %llu",
                 (unsigned long long)eo);
    }
    if (!q->error) {
        q->error = error;
        snprintf(q->msg, sizeof(q->msg), "%s%s%s", where, *msg ? ": " : "",
                 msg);
    }
    return 0;
}

/* The chunks of a structured reply whose first 4 bytes (the magic) are
 * in r, up to the one flagged done. */
static int structured_reply(NbdClient *c, Req *q, uint8_t *r)
{
    for (bool first = true;; first = false) {
        if (!first) {
            if (cl_recv(c, r, 4, "a reply") < 0)
                return -1;
            if (nbd_get32(r) != STRUCT_MAGIC)
                return cl_fatal(c, "NBD server: bad structured reply magic "
                                "0x%08x", nbd_get32(r));
        }
        if (cl_recv(c, r + 4, 16, "a reply") < 0)
            return -1;
        uint16_t flags = nbd_get16(r + 4), type = nbd_get16(r + 6);
        uint64_t rhandle = nbd_get64(r + 8);
        uint32_t len = nbd_get32(r + 16);
        if (rhandle != q->handle)
            return cl_fatal(c, "NBD server: reply for handle %llu, expected "
                            "%llu", (unsigned long long)rhandle,
                            (unsigned long long)q->handle);
        if (flags & ~REPLY_FLAG_DONE)
            return cl_fatal(c, "NBD server: unknown reply flags 0x%x", flags);
        if (type == REPLY_TYPE_NONE) {
            if (len)
                return cl_fatal(c, "NBD server: NBD_REPLY_TYPE_NONE of %u "
                                "bytes", len);
            if (!(flags & REPLY_FLAG_DONE))
                return cl_fatal(c, "NBD server: NBD_REPLY_TYPE_NONE without "
                                "NBD_REPLY_FLAG_DONE");
        } else if (type == REPLY_TYPE_OFFSET_DATA ||
                   type == REPLY_TYPE_OFFSET_HOLE) {
            const char *what = type == REPLY_TYPE_OFFSET_DATA
                ? "NBD_REPLY_TYPE_OFFSET_DATA" : "NBD_REPLY_TYPE_OFFSET_HOLE";
            if (q->type != CMD_READ)
                return cl_fatal(c, "NBD server: %s in the reply to a %s",
                                what, cmd_name(q->type));
            if (type == REPLY_TYPE_OFFSET_DATA ? len < 9 : len != 12)
                return cl_fatal(c, "NBD server: %s of %u bytes", what, len);
            uint8_t h[12];
            if (cl_recv(c, h, type == REPLY_TYPE_OFFSET_DATA ? 8 : 12,
                        "a reply chunk") < 0)
                return -1;
            uint64_t coff = nbd_get64(h);
            uint64_t n = type == REPLY_TYPE_OFFSET_DATA ? len - 8u
                                                        : nbd_get32(h + 8);
            if (in_request(c, q, coff, n, what) < 0 ||
                cover(c, q, (uint32_t)(coff - q->off), (uint32_t)n) < 0)
                return -1;
            uint8_t *dst = q->rbuf + (coff - q->off);
            if (type == REPLY_TYPE_OFFSET_HOLE)
                memset(dst, 0, n);
            else if (cl_recv(c, dst, n, "read data") < 0)
                return -1;
        } else if (type == REPLY_TYPE_BLOCK_STATUS) {
            if (status_chunk(c, q, len) < 0)
                return -1;
        } else if (type & 0x8000) {
            if (error_chunk(c, q, type, len) < 0)
                return -1;
        } else {
            return cl_fatal(c, "NBD server: unknown structured reply type %u",
                            type);
        }
        if (flags & REPLY_FLAG_DONE)
            break;
    }
    if (q->error)
        return 0;
    if (q->type == CMD_READ && q->covered != q->len)
        return cl_fatal(c, "NBD server: read reply covered %u of %u bytes",
                        q->covered, q->len);
    if (q->type == CMD_BLOCK_STATUS && !q->got_status)
        return cl_fatal(c, "NBD server: block status reply without "
                        "extents");
    return 0;
}

/* One request and its reply, simple or structured. rbuf receives a
 * read's data. */
static int cl_request(NbdClient *c, uint16_t type, uint16_t flags,
                      uint64_t off, uint32_t len, const void *wbuf,
                      void *rbuf)
{
    if (c->dead)
        return dead_error(c);
    uint8_t h[28];
    Req q = {.type = type, .off = off, .len = len, .rbuf = rbuf,
             .handle = ++c->handle};
    nbd_put32(h, REQUEST_MAGIC);
    nbd_put16(h + 4, flags);
    nbd_put16(h + 6, type);
    nbd_put64(h + 8, q.handle);
    nbd_put64(h + 16, off);
    nbd_put32(h + 24, len);
    if (cl_send(c, h, sizeof(h)) < 0 ||
        (type == CMD_WRITE && cl_send(c, wbuf, len) < 0))
        return -1;
    if (type == CMD_DISC)
        return 0;
    uint8_t r[20];
    if (cl_recv(c, r, 4, "a reply") < 0)
        return -1;
    uint32_t magic = nbd_get32(r);
    if (magic == STRUCT_MAGIC) {
        if (!c->structured)
            return cl_fatal(c, "NBD server sent a structured reply, which "
                            "was not negotiated");
        int ret = structured_reply(c, &q, r);
        free(q.bits);
        if (ret < 0)
            return -1;
    } else if (magic == SIMPLE_MAGIC) {
        if (cl_recv(c, r + 4, 12, "a reply") < 0)
            return -1;
        q.error = nbd_get32(r + 4);
        uint64_t rhandle = nbd_get64(r + 8);
        if (rhandle != q.handle)
            return cl_fatal(c, "NBD server: reply for handle %llu, expected "
                            "%llu", (unsigned long long)rhandle,
                            (unsigned long long)q.handle);
        if (!q.error && type == CMD_BLOCK_STATUS)
            return cl_fatal(c, "NBD server: simple reply to block status");
        if (!q.error && type == CMD_READ &&
            cl_recv(c, rbuf, len, "read data") < 0)
            return -1;
    } else {
        return cl_fatal(c, "NBD server: bad reply magic 0x%08x", magic);
    }
    if (q.error)
        return cl_error(c, "NBD server: %s of %u bytes at offset %llu "
                        "failed: %s (%u)%s", cmd_name(type), len,
                        (unsigned long long)off, errno_text(q.error),
                        q.error, q.msg);
    return 0;
}

static int cl_range(NbdClient *c, uint64_t off, uint64_t len)
{
    if (off > c->size || len > c->size - off)
        return cl_error(c, "NBD: access at offset %llu length %llu is past "
                        "the end of the export (%llu bytes)",
                        (unsigned long long)off, (unsigned long long)len,
                        (unsigned long long)c->size);
    return 0;
}

/* Aligned reads and writes, split at the maximum payload. */
static int rw_aligned(NbdClient *c, uint16_t type, uint64_t off, uint8_t *buf,
                      uint64_t len)
{
    uint32_t chunk = c->max_payload - c->max_payload % c->min_block;
    while (len) {
        uint32_t n = len < chunk ? (uint32_t)len : chunk;
        if (cl_request(c, type, 0, off, n, buf, buf) < 0)
            return -1;
        off += n;
        buf += n;
        len -= n;
    }
    return 0;
}

/* The block-aligned span around [off, off+len) through a bounce buffer;
 * writes read it first. The span is clipped to the export size (the last
 * block of an export whose size is not a multiple may be short). */
static int rw_unaligned(NbdClient *c, uint16_t type, uint64_t off,
                        uint8_t *buf, uint64_t len)
{
    uint64_t a = off & ~(uint64_t)(c->min_block - 1);
    uint64_t e = (off + len + c->min_block - 1) &
                 ~(uint64_t)(c->min_block - 1);
    if (e > c->size)
        e = c->size;
    uint8_t *b = malloc(e - a);
    if (!b)
        return cl_error(c, "out of memory");
    int r = rw_aligned(c, CMD_READ, a, b, e - a);
    if (r == 0 && type == CMD_WRITE) {
        memcpy(b + (off - a), buf, len);
        r = rw_aligned(c, CMD_WRITE, a, b, e - a);
    } else if (r == 0) {
        memcpy(buf, b + (off - a), len);
    }
    free(b);
    return r;
}

int nbd_client_read(NbdClient *c, uint64_t off, void *buf, uint64_t len)
{
    if (cl_range(c, off, len) < 0)
        return -1;
    if ((off | len) & (c->min_block - 1))
        return rw_unaligned(c, CMD_READ, off, buf, len);
    return rw_aligned(c, CMD_READ, off, buf, len);
}

int nbd_client_write(NbdClient *c, uint64_t off, const void *buf,
                     uint64_t len)
{
    c->ext_n = 0; /* the extents may change */
    if (cl_range(c, off, len) < 0)
        return -1;
    if (c->tflags & TF_READ_ONLY)
        return cl_error(c, "NBD export is read-only");
    if ((off | len) & (c->min_block - 1))
        return rw_unaligned(c, CMD_WRITE, off, (uint8_t *)buf, len);
    return rw_aligned(c, CMD_WRITE, off, (uint8_t *)buf, len);
}

int nbd_client_write_zeroes(NbdClient *c, uint64_t off, uint64_t len,
                            bool may_trim)
{
    c->ext_n = 0; /* the extents may change */
    if (cl_range(c, off, len) < 0)
        return -1;
    if (c->tflags & TF_READ_ONLY)
        return cl_error(c, "NBD export is read-only");
    uint64_t mask = c->min_block - 1;
    if (!(c->tflags & TF_WRITE_ZEROES) || ((off | len) & mask)) {
        /* Plain zero writes (of at most 1 MiB at a time). */
        static const uint8_t zero[1 << 20];
        while (len) {
            uint64_t n = len < sizeof(zero) ? len : sizeof(zero);
            if (nbd_client_write(c, off, zero, n) < 0)
                return -1;
            off += n;
            len -= n;
        }
        return 0;
    }
    /* NBD_CMD_FLAG_NO_HOLE unless the caller allows deallocation. */
    uint16_t flags = may_trim ? 0 : 2;
    uint64_t chunk = (1u << 30);
    while (len) {
        uint32_t n = len < chunk ? (uint32_t)len : (uint32_t)chunk;
        if (cl_request(c, CMD_WRITE_ZEROES, flags, off, n, NULL, NULL) < 0)
            return -1;
        off += n;
        len -= n;
    }
    return 0;
}

int nbd_client_trim(NbdClient *c, uint64_t off, uint64_t len)
{
    c->ext_n = 0; /* the extents may change */
    if (cl_range(c, off, len) < 0)
        return -1;
    if (c->tflags & TF_READ_ONLY)
        return cl_error(c, "NBD export is read-only");
    if (!(c->tflags & TF_TRIM))
        return 0; /* advisory */
    uint64_t mask = c->min_block - 1;
    uint64_t a = (off + mask) & ~mask, e = (off + len) & ~mask;
    while (a < e) {
        uint64_t n = e - a < (1u << 30) ? e - a : (1u << 30);
        if (cl_request(c, CMD_TRIM, 0, a, (uint32_t)n, NULL, NULL) < 0)
            return -1;
        a += n;
    }
    return 0;
}

int nbd_client_flush(NbdClient *c)
{
    if (!(c->tflags & TF_FLUSH) || (c->tflags & TF_READ_ONLY))
        return c->dead ? dead_error(c) : 0;
    return cl_request(c, CMD_FLUSH, 0, 0, 0, NULL, NULL);
}

int nbd_client_block_status(NbdClient *c, uint64_t off, uint64_t len,
                            uint64_t *pnum, uint32_t *flags)
{
    if (cl_range(c, off, len) < 0)
        return -1;
    if (c->dead)
        return dead_error(c);
    *pnum = len;
    *flags = 0;
    if (!c->has_meta || !len)
        return 0;
    for (int tries = 0;; tries++) {
        /* The extents of the last reply, if they cover off. */
        uint64_t pos = c->ext_off;
        for (uint32_t i = 0; i < c->ext_n && pos <= off; i++) {
            if (off < pos + c->ext[i].len) {
                uint64_t n = pos + c->ext[i].len - off;
                *pnum = n < len ? n : len;
                *flags = c->ext[i].flags;
                return 0;
            }
            pos += c->ext[i].len;
        }
        if (tries)
            return cl_fatal(c, "NBD server: block status reply does not "
                            "describe offset %llu",
                            (unsigned long long)off);
        /* Ask from the block containing off, up to STATUS_REQUEST. */
        uint64_t mask = c->min_block - 1;
        uint64_t a = off & ~mask;
        uint64_t e = c->size - a < STATUS_REQUEST ? c->size
                                                  : a + STATUS_REQUEST;
        uint64_t want = (off + len + mask) & ~mask;
        if (want < e)
            e = want;
        c->ext_n = 0;
        if (cl_request(c, CMD_BLOCK_STATUS, 0, a, (uint32_t)(e - a), NULL,
                       NULL) < 0)
            return -1;
    }
}

void nbd_client_disconnect(NbdClient *c)
{
    if (!c->dead)
        cl_request(c, CMD_DISC, 0, 0, 0, NULL, NULL);
    c->dead = true;
}

/* ---- URLs and sockets ---- */

bool blk_is_nbd_url(const char *filename)
{
    return !strncmp(filename, "nbd://", 6) ||
           !strncmp(filename, "nbd+tcp://", 10) ||
           !strncmp(filename, "nbd+unix://", 11);
}

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* Percent-decodes [s, s+n) into a new string; NULL on a bad escape. */
static char *pct_decode(const char *s, size_t n)
{
    char *out = malloc(n + 1), *o = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            int hi = i + 1 < n ? hexval((unsigned char)s[i + 1]) : -1;
            int lo = i + 2 < n ? hexval((unsigned char)s[i + 2]) : -1;
            int h = (hi < 0 || lo < 0) ? -1 : hi * 16 + lo;
            if (h <= 0) { /* bad escape or a NUL */
                free(out);
                return NULL;
            }
            *o++ = (char)h;
            i += 2;
        } else {
            *o++ = s[i];
        }
    }
    *o = 0;
    return out;
}

typedef struct NbdUrl {
    bool unix_socket;
    char *host, *port, *export_name, *socket_path;
    unsigned open_timeout, timeout; /* seconds, 0: none */
    unsigned reconnect_delay;       /* seconds, 0: no reconnection */
} NbdUrl;

#define DEFAULT_OPEN_TIMEOUT 30

/* A timeout option's value: 0..86400 seconds. */
static int parse_secs(const char *v, size_t n, unsigned *out)
{
    unsigned long x = 0;
    if (n == 0 || n > 5)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9')
            return -1;
        x = x * 10 + (unsigned long)(v[i] - '0');
    }
    if (x > 86400)
        return -1;
    *out = (unsigned)x;
    return 0;
}

static void url_free(NbdUrl *u)
{
    free(u->host);
    free(u->port);
    free(u->export_name);
    free(u->socket_path);
}

static int url_parse(BlockDev *bs, const char *url, NbdUrl *u)
{
    memset(u, 0, sizeof(*u));
    const char *p;
    if (!strncmp(url, "nbd+unix://", 11)) {
        u->unix_socket = true;
        p = url + 11;
    } else {
        p = strstr(url, "://") + 3;
    }
    const char *slash = strchr(p, '/'), *q = strchr(p, '?');
    const char *auth_end = slash ? slash : q ? q : p + strlen(p);
    if (q && slash && q < slash)
        auth_end = q;
    const char *path = auth_end, *path_end = q ? q : p + strlen(p);
    if (u->unix_socket) {
        if (auth_end != p)
            return blk_set_error(bs, "%s: nbd+unix:// takes no host "
                                 "(nbd+unix:///EXPORT?socket=PATH)", url);
    } else {
        if (auth_end == p)
            return blk_set_error(bs, "%s: no host in the NBD URL", url);
        const char *hs = p, *he, *colon;
        if (*p == '[') {
            he = memchr(p, ']', (size_t)(auth_end - p));
            if (!he)
                return blk_set_error(bs, "%s: unterminated [ in the host",
                                     url);
            hs = p + 1;
            colon = he + 1 < auth_end && he[1] == ':' ? he + 1 : NULL;
            if (!colon && he + 1 != auth_end)
                return blk_set_error(bs, "%s: bad host", url);
        } else {
            colon = memchr(p, ':', (size_t)(auth_end - p));
            he = colon ? colon : auth_end;
        }
        u->host = strndup(hs, (size_t)(he - hs));
        if (colon) {
            u->port = strndup(colon + 1, (size_t)(auth_end - colon - 1));
            char *end;
            long v = strtol(u->port ? u->port : "", &end, 10);
            if (!u->port || !*u->port || *end || v < 1 || v > 65535)
                return blk_set_error(bs, "%s: bad port", url);
        } else {
            u->port = strdup(NBD_DEFAULT_PORT);
        }
    }
    /* The export name is the path without its leading slash. */
    if (path < path_end && *path == '/')
        path++;
    u->export_name = pct_decode(path, (size_t)(path_end > path ?
                                                path_end - path : 0));
    if (!u->export_name)
        return blk_set_error(bs, "%s: bad %%-escape in the export name", url);
    u->open_timeout = DEFAULT_OPEN_TIMEOUT;
    /* Query: socket=PATH (nbd+unix:// only), open-timeout=SECONDS,
     * timeout=SECONDS, separated by &. */
    for (const char *k = q ? q + 1 : NULL; k && *k;) {
        const char *amp = strchr(k, '&');
        size_t n = amp ? (size_t)(amp - k) : strlen(k);
        const char *eq = memchr(k, '=', n);
        size_t kl = eq ? (size_t)(eq - k) : n;
        const char *v = eq ? eq + 1 : k + n;
        size_t vl = eq ? n - kl - 1 : 0;
        if (u->unix_socket && kl == 6 && !strncmp(k, "socket", 6) && vl &&
            !u->socket_path) {
            u->socket_path = pct_decode(v, vl);
            if (!u->socket_path)
                return blk_set_error(bs, "%s: bad %%-escape in the socket "
                                     "path", url);
        } else if (kl == 12 && !strncmp(k, "open-timeout", 12)) {
            if (parse_secs(v, vl, &u->open_timeout) < 0)
                return blk_set_error(bs, "%s: open-timeout must be 0..86400 "
                                     "seconds", url);
        } else if (kl == 15 && !strncmp(k, "reconnect-delay", 15)) {
            if (parse_secs(v, vl, &u->reconnect_delay) < 0)
                return blk_set_error(bs, "%s: reconnect-delay must be "
                                     "0..86400 seconds", url);
        } else if (kl == 7 && !strncmp(k, "timeout", 7)) {
            if (parse_secs(v, vl, &u->timeout) < 0)
                return blk_set_error(bs, "%s: timeout must be 0..86400 "
                                     "seconds", url);
        } else {
            return blk_set_error(bs, "%s: unsupported query '%.*s' (socket="
                                 "PATH for nbd+unix://, open-timeout=SECONDS,"
                                 " timeout=SECONDS, reconnect-delay="
                                 "SECONDS)", url, (int)n, k);
        }
        k = amp ? amp + 1 : NULL;
    }
    if (u->unix_socket && !u->socket_path)
        return blk_set_error(bs, "%s: nbd+unix:// needs ?socket=PATH", url);
    return 0;
}

/* Receive and send timeouts of fd (0: none); on Linux the send timeout
 * also bounds connect(). */
static void set_timeouts(int fd, unsigned secs)
{
    struct timeval tv = {.tv_sec = secs};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static const char *connect_error(int e)
{
    return e == EINPROGRESS || e == EAGAIN ? "timed out (open-timeout)"
                                           : strerror(e);
}

static int url_connect(BlockDev *bs, const NbdUrl *u)
{
    if (u->unix_socket) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        if (strlen(u->socket_path) >= sizeof(sa.sun_path))
            return blk_set_error(bs, "%s: socket path too long",
                                 bs->filename);
        strcpy(sa.sun_path, u->socket_path);
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0)
            set_timeouts(fd, u->open_timeout);
        if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
            int e = errno;
            if (fd >= 0)
                close(fd);
            return blk_set_error(bs, "%s: cannot connect to %s: %s",
                                 bs->filename, u->socket_path,
                                 connect_error(e));
        }
        return fd;
    }
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
    int g = getaddrinfo(u->host, u->port, &hints, &res);
    if (g)
        return blk_set_error(bs, "%s: cannot resolve %s: %s", bs->filename,
                             u->host, gai_strerror(g));
    int fd = -1, e = 0;
    for (ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
                    ai->ai_protocol);
        if (fd < 0) {
            e = errno;
            continue;
        }
        set_timeouts(fd, u->open_timeout);
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        e = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0)
        return blk_set_error(bs, "%s: cannot connect to %s port %s: %s",
                             bs->filename, u->host, u->port,
                             connect_error(e));
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

int nbd_sock_recv(void *ctx, void *buf, size_t len)
{
    int fd = *(int *)ctx;
    uint8_t *p = buf;
    while (len) {
        ssize_t n = recv(fd, p, len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return -2;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int nbd_sock_send(void *ctx, const void *buf, size_t len)
{
    int fd = *(int *)ctx;
    const uint8_t *p = buf;
    while (len) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return -2;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* ---- the block driver ---- */

/* The driver's state: the client first (bs->opaque is both), then the
 * URL, kept for reconnecting. */
typedef struct NbdDrv {
    NbdClient c;
    NbdUrl u;
    bool rdwr;
    bool gave_up;   /* the last reconnection failed: do not wait again */
} NbdDrv;

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Connects and shakes hands again after the connection broke, trying
 * until wait_ms have passed (0: once), with pauses from 10 ms doubling to
 * 1 s between attempts. The export must keep its size and stay writable
 * if it was. 0 when connected; -1 with the client still dead and lost
 * (a later request tries again), or no longer lost when the export
 * changed (then it is given up). */
static int nbd_reconnect(BlockDev *bs, uint64_t wait_ms)
{
    NbdDrv *d = bs->opaque;
    NbdClient *c = &d->c;
    uint64_t size = c->size, end = now_ms() + wait_ms;
    unsigned pause = 10;
    char why[512];
    snprintf(why, sizeof(why), "%s", c->err);
    for (;;) {
        if (bs->fd >= 0)
            close(bs->fd);
        bs->fd = url_connect(bs, &d->u);
        if (bs->fd >= 0) {
            c->timeout = d->u.open_timeout;
            if (nbd_client_handshake(c, d->u.export_name) == 0) {
                if (c->size != size) {
                    c->size = size;
                    cl_fatal(c, "NBD server: the export has %llu bytes "
                             "after reconnecting, %llu before",
                             (unsigned long long)c->size,
                             (unsigned long long)size);
                    return -1;
                }
                if (d->rdwr && (c->tflags & TF_READ_ONLY)) {
                    cl_fatal(c, "NBD server: the export is read-only "
                             "after reconnecting");
                    return -1;
                }
                set_timeouts(bs->fd, d->u.timeout);
                c->timeout = d->u.timeout;
                d->gave_up = false;
                return 0;
            }
            snprintf(why, sizeof(why), "%s", c->err);
            close(bs->fd);
            bs->fd = -1;
        } else { /* without the URL, which the caller prints */
            const char *e = blk_error(bs);
            size_t fl = strlen(bs->filename);
            if (!strncmp(e, bs->filename, fl) && !strncmp(e + fl, ": ", 2))
                e += fl + 2;
            snprintf(why, sizeof(why), "%s", e);
        }
        c->size = size; /* the handshake cleared it */
        uint64_t t = now_ms();
        if (t >= end) {
            d->gave_up = true;
            cl_fatal(c, "NBD server: connection lost; reconnecting "
                     "(reconnect-delay=%u) failed: %s",
                     d->u.reconnect_delay, why);
            c->lost = true;
            return -1;
        }
        uint64_t ms = end - t < pause ? end - t : pause;
        struct timespec ts = {(time_t)(ms / 1000),
                              (long)(ms % 1000) * 1000000};
        nanosleep(&ts, NULL);
        pause = pause * 2 > 1000 ? 1000 : pause * 2;
    }
}

static int nbd_open(BlockDev *bs, int flags)
{
    NbdDrv *d = calloc(1, sizeof(*d));
    if (!d)
        return blk_set_error(bs, "%s: out of memory", bs->filename);
    NbdClient *c = &d->c;
    NbdUrl *u = &d->u;
    bs->opaque = d;
    d->rdwr = flags & BLK_O_RDWR;
    if (url_parse(bs, bs->filename, u) < 0)
        return -1;
    int fd = url_connect(bs, u);
    if (fd < 0)
        return -1;
    bs->fd = fd;
    c->recv = nbd_sock_recv;
    c->send = nbd_sock_send;
    c->ctx = &bs->fd;
    c->timeout = u->open_timeout;
    if (nbd_client_handshake(c, u->export_name) < 0) {
        c->dead = true; /* no NBD_CMD_DISC during the handshake */
        blk_set_error(bs, "%s: %s", bs->filename, c->err);
        return -1;
    }
    set_timeouts(fd, u->timeout);
    c->timeout = u->timeout;
    if ((flags & BLK_O_RDWR) && (c->tflags & TF_READ_ONLY))
        return blk_set_error(bs, "%s: the NBD export is read-only (open it "
                             "read-only: readonly=on)", bs->filename);
    bs->size = c->size;
    return 0;
}

static void nbd_close(BlockDev *bs)
{
    NbdDrv *d = bs->opaque;
    if (!d)
        return;
    if (bs->fd >= 0)
        nbd_client_disconnect(&d->c);
    url_free(&d->u);
    free(d);
    bs->opaque = NULL;
}

static int nbd_create(const char *filename, const BlkCreateOpts *o,
                      char *err, size_t errlen)
{
    (void)o;
    snprintf(err, errlen, "%s: cannot create an NBD export (it exists on "
             "its server; use convert -n to write into it)", filename);
    return -1;
}

/* With reconnect-delay: a request on a connection that broke before
 * it tries one reconnection at once; a request that breaks it waits up
 * to reconnect-delay seconds for the server and is then sent again
 * (reads, writes, zeroes, trims and flushes can all be repeated). */
#define WRAP(call) \
    do { \
        NbdDrv *d_ = bs->opaque; \
        NbdClient *c = &d_->c; \
        unsigned delay_ = d_->u.reconnect_delay; \
        if (delay_ && c->dead && c->lost) \
            nbd_reconnect(bs, 0); \
        int r_ = (call); \
        if (r_ < 0 && delay_ && c->lost && !d_->gave_up && \
            nbd_reconnect(bs, (uint64_t)delay_ * 1000) == 0) \
            r_ = (call); \
        if (r_ < 0) \
            return blk_set_error(bs, "%s: %s", bs->filename, c->err); \
        return 0; \
    } while (0)

static int nbd_read(BlockDev *bs, uint64_t off, void *buf, size_t len)
{
    WRAP(nbd_client_read(c, off, buf, len));
}

static int nbd_write(BlockDev *bs, uint64_t off, const void *buf, size_t len)
{
    WRAP(nbd_client_write(c, off, buf, len));
}

static int nbd_write_zeroes(BlockDev *bs, uint64_t off, uint64_t len)
{
    WRAP(nbd_client_write_zeroes(c, off, len, true));
}

static int nbd_discard(BlockDev *bs, uint64_t off, uint64_t len)
{
    WRAP(nbd_client_trim(c, off, len));
}

static int nbd_flush(BlockDev *bs)
{
    WRAP(nbd_client_flush(c));
}

static int nbd_resize(BlockDev *bs, uint64_t size)
{
    (void)size;
    return blk_set_error(bs, "%s: an NBD export cannot be resized",
                         bs->filename);
}

/* base:allocation when the server gives it (data unless NBD_STATE_HOLE,
 * zero with NBD_STATE_ZERO, as QEMU's nbd driver reports them), else
 * everything is data. */
static int status(BlockDev *bs, uint64_t off, uint64_t len, uint64_t *pnum,
                  uint32_t *fl)
{
    WRAP(nbd_client_block_status(c, off, len, pnum, fl));
}

static int nbd_status(BlockDev *bs, uint64_t off, uint64_t len,
                      uint64_t *pnum, BlkStatus *st)
{
    uint32_t fl;
    if (status(bs, off, len, pnum, &fl) < 0)
        return -1;
    st->flags = BLK_ST_ALLOCATED | BLK_ST_OFFSET;
    if (!(fl & STATE_HOLE))
        st->flags |= BLK_ST_DATA;
    if (fl & STATE_ZERO)
        st->flags |= BLK_ST_ZERO;
    st->host_offset = off;
    return 0;
}

static void nbd_info(const BlockDev *bs, BlkInfo *info)
{
    (void)bs;
    info->format = "raw"; /* as qemu-img reports an NBD export */
}

const BlockDriver blk_nbd_driver = {
    .name = "nbd",
    .create = nbd_create,
    .open = nbd_open,
    .close = nbd_close,
    .read = nbd_read,
    .write = nbd_write,
    .write_zeroes = nbd_write_zeroes,
    .discard = nbd_discard,
    .flush = nbd_flush,
    .resize = nbd_resize,
    .status = nbd_status,
    .info = nbd_info,
};
