/* SPDX-License-Identifier: MIT */
/*
 * GDB remote protocol framing and packet decoding (see gdbproto.h).
 * Written from the protocol description in gdb's manual ("Remote
 * Protocol"): packets are $data#xx with xx the modulo-256 sum of data in
 * hex; binary data escapes '#', '$', '}' and '*' as '}' then the byte
 * xor 0x20; Ctrl-C between packets asks for a stop.
 */
#include "kernel/gdbproto.h"

#include <string.h>

void gdb_framer_init(GdbFramer *f)
{
    memset(f, 0, sizeof(*f));
}

int gdb_hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void gdb_hex_encode(char *out, const uint8_t *in, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * len] = 0;
}

GdbEvent gdb_framer_byte(GdbFramer *f, uint8_t c)
{
    int d;

    switch (f->state) {
    case 0: /* between packets */
        if (c == '$') {
            f->state = 1;
            f->sum = 0;
            f->len = 0;
            f->overflow = false;
            return GDB_EV_NONE;
        }
        if (c == 0x03)
            return GDB_EV_INTERRUPT;
        if (c == '+')
            return GDB_EV_ACK;
        if (c == '-')
            return GDB_EV_NAK;
        return GDB_EV_NONE; /* noise */
    case 1: /* data */
        if (c == '#') {
            f->state = 2;
            return GDB_EV_NONE;
        }
        if (c == '$') { /* a new packet starts: drop the broken one */
            f->sum = 0;
            f->len = 0;
            f->overflow = false;
            return GDB_EV_NONE;
        }
        f->sum = (uint8_t)(f->sum + c);
        if (f->len < GDB_MAX_PACKET)
            f->buf[f->len++] = (char)c;
        else
            f->overflow = true;
        return GDB_EV_NONE;
    case 2: /* first checksum digit */
        d = gdb_hex_digit(c);
        f->csum = (uint8_t)((d < 0 ? 0 : d) << 4);
        f->state = d < 0 ? 0 : 3;
        return d < 0 ? GDB_EV_BAD : GDB_EV_NONE;
    default: /* second checksum digit */
        f->state = 0;
        d = gdb_hex_digit(c);
        if (d < 0 || f->overflow || (uint8_t)(f->csum | d) != f->sum)
            return GDB_EV_BAD;
        f->buf[f->len] = 0;
        return GDB_EV_PACKET;
    }
}

/* ---------------------------------------------------------------------- */
/* Decoding                                                                */

typedef struct Cursor {
    const char *p, *end;
} Cursor;

static bool at_end(const Cursor *c)
{
    return c->p >= c->end;
}

static bool eat(Cursor *c, char ch)
{
    if (!at_end(c) && *c->p == ch) {
        c->p++;
        return true;
    }
    return false;
}

static bool eat_str(Cursor *c, const char *s)
{
    size_t n = strlen(s);
    if ((size_t)(c->end - c->p) >= n && !memcmp(c->p, s, n)) {
        c->p += n;
        return true;
    }
    return false;
}

/* A hex number of at most 16 digits; false if none. */
static bool hex_u64(Cursor *c, uint64_t *out)
{
    uint64_t v = 0;
    unsigned n = 0;
    int d;
    while (!at_end(c) && (d = gdb_hex_digit((unsigned char)*c->p)) >= 0) {
        if (++n > 16)
            return false;
        v = v << 4 | (uint64_t)d;
        c->p++;
    }
    *out = v;
    return n > 0;
}

/* A thread id: -1, or hex (0 = any). */
static bool thread_id(Cursor *c, int64_t *out)
{
    uint64_t v;
    if (eat(c, '-')) {
        if (!eat(c, '1'))
            return false;
        *out = GDB_THREAD_ALL;
        return true;
    }
    if (!hex_u64(c, &v) || v > INT32_MAX)
        return false;
    *out = (int64_t)v;
    return true;
}

/* Hex pairs up to the end into buf; false on odd length or bad digit. */
static bool hex_bytes(Cursor *c, uint8_t *buf, size_t *len)
{
    size_t n = 0;
    while (!at_end(c)) {
        if (c->end - c->p < 2)
            return false;
        int hi = gdb_hex_digit((unsigned char)c->p[0]);
        int lo = gdb_hex_digit((unsigned char)c->p[1]);
        if (hi < 0 || lo < 0 || n >= GDB_MAX_PACKET)
            return false;
        buf[n++] = (uint8_t)(hi << 4 | lo);
        c->p += 2;
    }
    *len = n;
    return true;
}

/* "addr,len" */
static bool addr_len(Cursor *c, GdbCmd *cmd)
{
    return hex_u64(c, &cmd->addr) && eat(c, ',') && hex_u64(c, &cmd->len);
}

static void parse_mem_write(Cursor *c, GdbCmd *cmd, uint8_t *buf, bool bin)
{
    cmd->type = GDB_CMD_BAD;
    if (!addr_len(c, cmd) || !eat(c, ':') || cmd->len > GDB_MAX_PACKET)
        return;
    size_t n = 0;
    if (bin) {
        while (!at_end(c) && n < GDB_MAX_PACKET) {
            uint8_t b = (uint8_t)*c->p++;
            if (b == '}') {
                if (at_end(c))
                    return;
                b = (uint8_t)(*c->p++ ^ 0x20);
            }
            buf[n++] = b;
        }
        if (!at_end(c))
            return;
    } else if (!hex_bytes(c, buf, &n)) {
        return;
    }
    if (n != cmd->len)
        return;
    cmd->data = buf;
    cmd->data_len = n;
    cmd->type = GDB_CMD_WRITE_MEM;
}

static void parse_vcont(Cursor *c, GdbCmd *cmd)
{
    cmd->type = GDB_CMD_BAD;
    while (eat(c, ';')) {
        if (at_end(c) || cmd->nvcont == GDB_MAX_VCONT)
            return;
        char a = *c->p++;
        uint64_t sig;
        if (a == 'C' || a == 'S') {
            if (!hex_u64(c, &sig))
                return;
            a = a == 'C' ? 'c' : 's';
        } else if (a != 'c' && a != 's' && a != 't') {
            return;
        }
        GdbVContAction *v = &cmd->vcont[cmd->nvcont++];
        v->action = a;
        v->thread = GDB_THREAD_ALL;
        if (eat(c, ':') && !thread_id(c, &v->thread))
            return;
    }
    if (at_end(c) && cmd->nvcont)
        cmd->type = GDB_CMD_VCONT;
}

static void parse_query(Cursor *c, GdbCmd *cmd, uint8_t *buf)
{
    if (eat_str(c, "Supported")) {
        size_t n = 0;
        if (eat(c, ':'))
            for (; !at_end(c) && n < GDB_MAX_PACKET; n++)
                buf[n] = (uint8_t)*c->p++;
        buf[n] = 0;
        cmd->text = (const char *)buf;
        cmd->type = GDB_CMD_SUPPORTED;
    } else if (eat_str(c, "Xfer:features:read:")) {
        size_t n = 0;
        while (!at_end(c) && *c->p != ':' && n < 255)
            buf[n++] = (uint8_t)*c->p++;
        buf[n] = 0;
        cmd->text = (const char *)buf;
        cmd->type = eat(c, ':') && addr_len(c, cmd) && at_end(c)
                        ? GDB_CMD_XFER_FEATURES
                        : GDB_CMD_BAD;
    } else if (eat_str(c, "fThreadInfo") && at_end(c)) {
        cmd->type = GDB_CMD_THREAD_FIRST;
    } else if (eat_str(c, "sThreadInfo") && at_end(c)) {
        cmd->type = GDB_CMD_THREAD_NEXT;
    } else if (eat(c, 'C') && at_end(c)) {
        cmd->type = GDB_CMD_CURRENT_THREAD;
    } else if (eat_str(c, "Attached")) {
        cmd->type = GDB_CMD_ATTACHED;
    } else if (eat_str(c, "ThreadExtraInfo,")) {
        cmd->type = thread_id(c, &cmd->thread) && at_end(c)
                        ? GDB_CMD_THREAD_EXTRA
                        : GDB_CMD_BAD;
    } else if (eat_str(c, "Rcmd,")) {
        size_t n = 0;
        cmd->type = hex_bytes(c, buf, &n) ? GDB_CMD_RCMD : GDB_CMD_BAD;
        buf[n] = 0;
        if (memchr(buf, 0, n))
            cmd->type = GDB_CMD_BAD;
        cmd->text = (const char *)buf;
    } else if (eat_str(c, "qemu.sstepbits") && at_end(c)) {
        cmd->type = GDB_CMD_SSTEP_BITS;
    } else if (eat_str(c, "qemu.sstep") && at_end(c)) {
        cmd->type = GDB_CMD_SSTEP_GET;
    }
}

void gdb_parse_cmd(const char *pkt, size_t len, GdbCmd *cmd, uint8_t *buf)
{
    Cursor c = {pkt + 1, pkt + len};
    uint64_t v = 0;

    memset(cmd, 0, sizeof(*cmd));
    buf[0] = 0;
    if (len == 0)
        return;
    switch (pkt[0]) {
    case '?':
        cmd->type = GDB_CMD_STATUS;
        break;
    case 'g':
        cmd->type = at_end(&c) ? GDB_CMD_READ_REGS : GDB_CMD_BAD;
        break;
    case 'G':
        cmd->data = buf;
        cmd->type = hex_bytes(&c, buf, &cmd->data_len) ? GDB_CMD_WRITE_REGS
                                                       : GDB_CMD_BAD;
        break;
    case 'p':
        cmd->type = hex_u64(&c, &v) && v < 1u << 20 && at_end(&c)
                        ? GDB_CMD_READ_REG
                        : GDB_CMD_BAD;
        cmd->regno = (unsigned)v;
        break;
    case 'P':
        cmd->data = buf;
        cmd->type = hex_u64(&c, &v) && v < 1u << 20 && eat(&c, '=') &&
                            hex_bytes(&c, buf, &cmd->data_len)
                        ? GDB_CMD_WRITE_REG
                        : GDB_CMD_BAD;
        cmd->regno = (unsigned)v;
        break;
    case 'm':
        cmd->type = addr_len(&c, cmd) && at_end(&c) ? GDB_CMD_READ_MEM
                                                     : GDB_CMD_BAD;
        break;
    case 'M':
        parse_mem_write(&c, cmd, buf, false);
        break;
    case 'X':
        parse_mem_write(&c, cmd, buf, true);
        break;
    case 'c':
    case 's':
    case 'C':
    case 'S':
        cmd->type = (pkt[0] | 0x20) == 'c' ? GDB_CMD_CONT : GDB_CMD_STEP;
        if (pkt[0] == 'C' || pkt[0] == 'S') {
            if (!hex_u64(&c, &v)) { /* the signal, ignored */
                cmd->type = GDB_CMD_BAD;
                break;
            }
            if (!eat(&c, ';'))
                break;
        }
        if (!at_end(&c)) {
            cmd->has_addr = hex_u64(&c, &cmd->addr);
            if (!cmd->has_addr || !at_end(&c))
                cmd->type = GDB_CMD_BAD;
        }
        break;
    case 'v':
        if (eat_str(&c, "Cont?") && at_end(&c))
            cmd->type = GDB_CMD_VCONT_QUERY;
        else if (eat_str(&c, "Cont"))
            parse_vcont(&c, cmd);
        else if (eat_str(&c, "MustReplyEmpty"))
            cmd->type = GDB_CMD_MUST_REPLY_EMPTY;
        break;
    case 'H':
        if (at_end(&c)) {
            cmd->type = GDB_CMD_BAD;
            break;
        }
        cmd->op = *c.p++;
        cmd->type = (cmd->op == 'g' || cmd->op == 'c') &&
                            thread_id(&c, &cmd->thread) && at_end(&c)
                        ? GDB_CMD_SET_THREAD
                        : GDB_CMD_BAD;
        break;
    case 'T':
        cmd->type = thread_id(&c, &cmd->thread) && at_end(&c)
                        ? GDB_CMD_THREAD_ALIVE
                        : GDB_CMD_BAD;
        break;
    case 'Z':
    case 'z':
        cmd->type = GDB_CMD_BAD;
        if (hex_u64(&c, &v) && v <= 4 && eat(&c, ',') &&
            hex_u64(&c, &cmd->addr) && eat(&c, ',') &&
            hex_u64(&c, &cmd->len)) {
            /* Conditions and commands after ';' are not supported: we do
             * not claim ConditionalBreakpoints, so gdb sends none. */
            cmd->ztype = (unsigned)v;
            cmd->type = pkt[0] == 'Z' ? GDB_CMD_INSERT : GDB_CMD_REMOVE;
        }
        break;
    case 'D':
        cmd->type = GDB_CMD_DETACH;
        break;
    case 'k':
        cmd->type = GDB_CMD_KILL;
        break;
    case 'q':
        parse_query(&c, cmd, buf);
        break;
    case 'Q':
        if (eat_str(&c, "StartNoAckMode") && at_end(&c))
            cmd->type = GDB_CMD_NO_ACK;
        else if (eat_str(&c, "qemu.sstep=")) {
            cmd->type = hex_u64(&c, &cmd->addr) && at_end(&c)
                            ? GDB_CMD_SSTEP_SET
                            : GDB_CMD_BAD;
        }
        break;
    default:
        break;
    }
}
