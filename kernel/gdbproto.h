/* SPDX-License-Identifier: MIT */
/*
 * The GDB remote serial protocol without a machine: packet framing
 * ($data#cs, acks, Ctrl-C) and the decoding of packets into commands.
 * Pure functions over bytes, so that the fuzz target (tests/fuzz/
 * fuzz-gdb.c) runs them alone; kernel/gdbstub.c executes the commands.
 */
#ifndef KERNEL_GDBPROTO_H
#define KERNEL_GDBPROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest packet we accept (qSupported's PacketSize, in hex there). */
#define GDB_MAX_PACKET 0x4000
/* vCont actions per packet (one per thread, plus a default). */
#define GDB_MAX_VCONT 72

typedef enum GdbEvent {
    GDB_EV_NONE,      /* byte consumed, nothing complete */
    GDB_EV_PACKET,    /* a packet with a good checksum: f->buf, f->len */
    GDB_EV_BAD,       /* checksum mismatch or too long: answer '-' */
    GDB_EV_INTERRUPT, /* Ctrl-C (0x03) outside a packet */
    GDB_EV_ACK,       /* '+' */
    GDB_EV_NAK,       /* '-': resend the last reply */
} GdbEvent;

typedef struct GdbFramer {
    int state; /* 0 idle, 1 data, 2 and 3 checksum digits */
    uint8_t sum;
    uint8_t csum;
    bool overflow;
    size_t len;
    char buf[GDB_MAX_PACKET + 1]; /* NUL-terminated packet data */
} GdbFramer;

void gdb_framer_init(GdbFramer *f);
/* Feeds one received byte. */
GdbEvent gdb_framer_byte(GdbFramer *f, uint8_t c);

typedef enum GdbCmdType {
    GDB_CMD_UNKNOWN = 0, /* answered with an empty packet */
    GDB_CMD_BAD,         /* known but malformed: answered E22 */
    GDB_CMD_STATUS,      /* ? */
    GDB_CMD_READ_REGS,   /* g */
    GDB_CMD_WRITE_REGS,  /* G data */
    GDB_CMD_READ_REG,    /* p n */
    GDB_CMD_WRITE_REG,   /* P n=data */
    GDB_CMD_READ_MEM,    /* m addr,len */
    GDB_CMD_WRITE_MEM,   /* M addr,len:hex and X addr,len:binary */
    GDB_CMD_CONT,        /* c [addr], C sig[;addr] */
    GDB_CMD_STEP,        /* s [addr], S sig[;addr] */
    GDB_CMD_VCONT,       /* vCont;action[:thread]... */
    GDB_CMD_VCONT_QUERY, /* vCont? */
    GDB_CMD_SET_THREAD,  /* H op thread */
    GDB_CMD_THREAD_ALIVE,/* T thread */
    GDB_CMD_INSERT,      /* Z type,addr,kind */
    GDB_CMD_REMOVE,      /* z type,addr,kind */
    GDB_CMD_DETACH,      /* D */
    GDB_CMD_KILL,        /* k */
    GDB_CMD_SUPPORTED,   /* qSupported[:features] (text: features) */
    GDB_CMD_XFER_FEATURES, /* qXfer:features:read:annex:off,len */
    GDB_CMD_THREAD_FIRST,  /* qfThreadInfo */
    GDB_CMD_THREAD_NEXT,   /* qsThreadInfo */
    GDB_CMD_CURRENT_THREAD,/* qC */
    GDB_CMD_ATTACHED,      /* qAttached */
    GDB_CMD_THREAD_EXTRA,  /* qThreadExtraInfo,thread */
    GDB_CMD_RCMD,          /* qRcmd,hex (text: the decoded command) */
    GDB_CMD_NO_ACK,        /* QStartNoAckMode */
    GDB_CMD_SSTEP_BITS,    /* qqemu.sstepbits */
    GDB_CMD_SSTEP_GET,     /* qqemu.sstep */
    GDB_CMD_SSTEP_SET,     /* Qqemu.sstep=n (addr: n) */
    GDB_CMD_MUST_REPLY_EMPTY, /* vMustReplyEmpty */
} GdbCmdType;

/* Thread ids: 1-based CPU numbers; these two are special. */
#define GDB_THREAD_ALL (-1)
#define GDB_THREAD_ANY 0

typedef struct GdbVContAction {
    char action;    /* 'c', 's', 't' (stop); C/S are 'c'/'s' */
    int64_t thread; /* GDB_THREAD_ALL when none given */
} GdbVContAction;

typedef struct GdbCmd {
    GdbCmdType type;
    char op;          /* H: 'g' or 'c' */
    int64_t thread;   /* H, T, qThreadExtraInfo */
    bool has_addr;    /* c/s with an address */
    uint64_t addr;    /* memory address, qXfer offset, Z address */
    uint64_t len;     /* memory length, qXfer length, Z kind */
    unsigned regno;   /* p, P */
    unsigned ztype;   /* Z/z: 0..4 */
    /* Decoded bytes (G, P, M, X) or text (qRcmd, qSupported, qXfer
     * annex; NUL-terminated): points into the caller's buffer. */
    uint8_t *data;
    size_t data_len;
    const char *text;
    unsigned nvcont;
    GdbVContAction vcont[GDB_MAX_VCONT];
} GdbCmd;

/*
 * Decodes packet pkt (len bytes, as the framer gives it). buf (at least
 * GDB_MAX_PACKET + 1 bytes) receives decoded data and text.
 */
void gdb_parse_cmd(const char *pkt, size_t len, GdbCmd *cmd, uint8_t *buf);

/* Hex helpers. */
int gdb_hex_digit(int c);
/* Writes len bytes as 2*len lowercase hex digits plus NUL. */
void gdb_hex_encode(char *out, const uint8_t *in, size_t len);

#endif
