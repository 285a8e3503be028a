#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A misbehaving NBD server for the client tests (tests/block/nbd-client.test).

usage: nbd-evil.py SOCKET   (serves until killed, one client at a time)

The export name the client asks for picks the fault (see FAULTS); "good"
is a correct 1 MiB export of bytes i % 251 except for a zero range
(HOLE), served with structured replies (data chunks out of order, hole
chunks for the zeroes) and block status. The faults before the export
name is known (greeting faults, and "structured": no structured replies
offered) are picked by the file SOCKET.greeting, which names the fault
for the next connection only. With --seeds DIR it writes what the server
sends for each fault as a fuzz corpus for tests/fuzz/fuzz-nbd-client.c
instead.
"""
import os
import socket
import struct
import sys

NBDMAGIC = 0x4e42444d41474943
IHAVEOPT = 0x49484156454f5054
REPLY_MAGIC = 0x0003e889045565a9
SIZE = 1 << 20
HOLE = (256 << 10, 512 << 10)
DATA = bytes(0 if HOLE[0] <= i < HOLE[1] else i % 251 for i in range(SIZE))
SIMPLE = 0x67446698
STRUCT = 0x668e33ef
META_ID = 7

FAULTS = [
    "good", "badmagic", "oldstyle", "nofixed", "optmagic", "optlen",
    "noexport", "infolen", "blocksize", "hugesize", "wrongopt", "errmsg",
    "ack-data", "replymagic", "handle", "structured", "shortread", "ioerr",
    "close", "unknownrep", "nosr-good",
    # structured replies to reads
    "s-flags", "s-type", "s-outside", "s-overlap", "s-short", "s-holelen",
    "s-errlen", "s-errzero", "s-error", "s-erroff", "s-nonelen",
    "s-notdone", "s-datalen", "s-huge", "s-stall",
    # block status and meta contexts
    "s-bsctx", "s-bszero", "s-bsbeyond", "s-bsexport", "s-bslen",
    "s-bsdata", "s-bssimple", "s-bsnone", "s-meta",
]
GREETING = ("badmagic", "oldstyle", "close", "nofixed", "stall")
NO_SR = ("structured", "nosr-good")


def rep(opt, typ, data=b""):
    return struct.pack(">QIII", REPLY_MAGIC, opt, typ, len(data)) + data


def info_export(size=SIZE, flags=0x1 | 0x4 | 0x20 | 0x40):
    return rep(7, 3, struct.pack(">HQH", 0, size, flags))


class Conn:
    def __init__(self, sock):
        self.s = sock

    def recv(self, n):
        b = b""
        while len(b) < n:
            c = self.s.recv(n - len(b))
            if not c:
                raise EOFError
            b += c
        return b

    def send(self, b):
        self.s.sendall(b)


def handshake(c, fault):
    """Greeting and options up to the transmission phase, or None."""
    if fault == "badmagic":
        c.send(b"NOTNBD!!" + struct.pack(">QH", IHAVEOPT, 3))
        return None
    if fault == "oldstyle":
        c.send(struct.pack(">QQ", NBDMAGIC, 0x00420281861253))
        return None
    if fault == "close":
        c.send(struct.pack(">Q", NBDMAGIC))
        return None
    if fault == "stall":  # half a greeting, then nothing
        c.send(struct.pack(">Q", NBDMAGIC))
        while True:
            c.recv(1)
    c.send(struct.pack(">QQH", NBDMAGIC, IHAVEOPT,
                       0 if fault == "nofixed" else 3))
    if fault == "nofixed":
        return None
    c.recv(4)
    return True


def serve(c, override=None):
    c.send(struct.pack(">QQH", NBDMAGIC, IHAVEOPT, 3))
    c.recv(4)
    while True:
        magic, opt, ln = struct.unpack(">QII", c.recv(16))
        data = c.recv(ln)
        if opt == 8:  # NBD_OPT_STRUCTURED_REPLY
            c.send(rep(8, 0x80000001 if override in NO_SR else 1))
            continue
        name = data[4:4 + struct.unpack(">I", data[:4])[0]].decode() \
            if opt in (7, 10) else data.decode()
        fault = override or (name if name in FAULTS else "good")
        if opt == 10:  # NBD_OPT_SET_META_CONTEXT (base:allocation)
            c.send(meta_reply(fault))
            continue
        break
    if fault in GREETING:
        return  # these faults are in the greeting: see seeds()
    if opt != 7:
        return
    c.send(options_reply(fault))
    if fault not in ("good", "replymagic", "handle", "structured",
                     "shortread", "ioerr", "nosr-good") and \
            not fault.startswith("s-"):
        return
    transmission(c, fault)


def meta_reply(fault):
    name = b"qemu:dirty-bitmap:x" if fault == "s-meta" \
        else b"base:allocation"
    return rep(10, 4, struct.pack(">I", META_ID) + name) + rep(10, 1)


def options_reply(fault):
    if fault == "optmagic":
        return struct.pack(">QIII", 0x1234, 7, 1, 0)
    if fault == "optlen":
        return struct.pack(">QIII", REPLY_MAGIC, 7, 3, 1 << 30)
    if fault == "noexport":
        return rep(7, 1)
    if fault == "infolen":
        return rep(7, 3, struct.pack(">HQ", 0, SIZE)) + rep(7, 1)
    if fault == "blocksize":
        return (info_export() + rep(7, 3, struct.pack(">HIII", 3, 3, 4096,
                                                       1 << 20)) + rep(7, 1))
    if fault == "hugesize":
        return info_export(size=(1 << 64) - 1) + rep(7, 1)
    if fault == "wrongopt":
        return rep(3, 1)
    if fault == "errmsg":
        return rep(7, 0x80000002, b"no \x1b[31mway\x00\xff")
    if fault == "ack-data":
        return info_export() + rep(7, 1, b"xx")
    if fault == "unknownrep":
        return info_export() + rep(7, 77, b"zz") + rep(7, 1)
    return (info_export() + rep(7, 3, struct.pack(">HIII", 3, 1, 4096,
                                                  1 << 20)) + rep(7, 1))


def chunk(flags, typ, handle, payload=b"", length=None):
    return struct.pack(">IHHQI", STRUCT, flags, typ, handle,
                       len(payload) if length is None else length) + payload


def read_reply(fault, handle, off, ln):
    """The structured reply to a read of [off, off+ln)."""
    if fault == "s-flags":
        return chunk(3, 0, handle)
    if fault == "s-type":
        return chunk(1, 9, handle, b"abcd")
    if fault == "s-outside":
        return chunk(1, 1, handle, struct.pack(">Q", off + ln) + b"x")
    if fault == "s-overlap":
        return (chunk(0, 1, handle, struct.pack(">Q", off + 16) +
                      DATA[off + 16:off + 32]) +
                chunk(1, 1, handle, struct.pack(">Q", off) + DATA[off:off + 32]))
    if fault == "s-short":
        return (chunk(0, 1, handle, struct.pack(">Q", off) +
                      DATA[off:off + ln // 2]) + chunk(1, 0, handle))
    if fault == "s-holelen":
        return chunk(1, 2, handle, struct.pack(">Q", off))
    if fault == "s-errlen":
        return chunk(1, 0x8001, handle, struct.pack(">IH", 5, 100) + b"abcd")
    if fault == "s-errzero":
        return chunk(1, 0x8001, handle, struct.pack(">IH", 0, 0))
    if fault == "s-error":
        msg = b"disk on \x1bfire"
        return (chunk(0, 1, handle, struct.pack(">Q", off) + DATA[off:off + 8])
                + chunk(0, 0x8001, handle, struct.pack(">IH", 5, len(msg)) + msg)
                + chunk(1, 0, handle))
    if fault == "s-erroff":
        return chunk(1, 0x8002, handle, struct.pack(">IH", 5, 0) +
                     struct.pack(">Q", off + ln))
    if fault == "s-nonelen":
        return chunk(1, 0, handle, b"abcd")
    if fault == "s-notdone":
        return chunk(0, 0, handle)
    if fault == "s-datalen":
        return chunk(1, 1, handle, struct.pack(">Q", off))
    if fault == "s-huge":
        return chunk(1, 1, handle, struct.pack(">Q", off), length=0xffffffff)
    # Correct: the second half first, hole chunks for the zero range.
    out = b""
    half = off + (ln // 2 if ln > 1 else 0)
    for a, b in ((half, off + ln), (off, half)):
        while a < b:
            z = HOLE[0] <= a < HOLE[1]
            e = min(b, HOLE[1] if z else (HOLE[0] if a < HOLE[0] else b))
            if z:
                out += chunk(0, 2, handle, struct.pack(">QI", a, e - a))
            else:
                out += chunk(0, 1, handle, struct.pack(">Q", a) + DATA[a:e])
            a = e
    return out + chunk(1, 0, handle)


def status_reply(fault, handle, off, ln):
    """The reply to NBD_CMD_BLOCK_STATUS of [off, off+ln)."""
    if fault == "s-bssimple":
        return struct.pack(">IIQ", SIMPLE, 0, handle)
    if fault == "s-bsnone":
        return chunk(1, 0, handle)
    if fault == "s-bsdata":
        return chunk(1, 1, handle, struct.pack(">Q", off) + b"x")
    ext = []
    a, end = off, off + ln
    while a < end:
        z = HOLE[0] <= a < HOLE[1]
        e = min(end, HOLE[1] if z else (HOLE[0] if a < HOLE[0] else end))
        ext.append((e - a, 3 if z else 0))
        a = e
    if fault == "s-bszero":
        ext.insert(0, (0, 0))
    if fault == "s-bsbeyond":
        ext.append((4096, 0))
    if fault == "s-bsexport":
        ext[-1] = (ext[-1][0] + SIZE, ext[-1][1])
    ctx = META_ID + 1 if fault == "s-bsctx" else META_ID
    payload = struct.pack(">I", ctx) + b"".join(struct.pack(">II", *x)
                                                for x in ext)
    if fault == "s-bslen":
        payload = payload[:10]
    return chunk(1, 5, handle, payload)


def transmission(c, fault):
    while True:
        magic, flags, typ, handle, off, ln = struct.unpack(">IHHQQI",
                                                           c.recv(28))
        if typ == 2:
            return
        if typ == 1:
            c.recv(ln)
        if fault == "replymagic":
            c.send(struct.pack(">IIQ", 0xdeadbeef, 0, handle))
            return
        if fault == "handle":
            c.send(struct.pack(">IIQ", SIMPLE, 0, handle + 1))
            return
        if fault == "structured":
            c.send(chunk(1, 1, handle, struct.pack(">Q", off)))
            return
        if fault == "ioerr" and typ == 0:
            c.send(struct.pack(">IIQ", SIMPLE, 5, handle))
            continue
        if fault == "s-stall":
            while True:
                c.recv(1)  # until the client gives up
        if typ == 7:
            c.send(status_reply(fault, handle, off, ln))
            continue
        if typ == 0 and (fault == "good" or fault.startswith("s-")):
            c.send(read_reply(fault, handle, off, ln))
            continue
        c.send(struct.pack(">IIQ", SIMPLE, 0, handle))
        if typ == 0:
            if fault == "shortread":
                c.send(DATA[off:off + ln // 2])
                return
            c.send(DATA[off:off + ln])


def seeds(d):
    """What the server sends for each fault, for the client's fuzz corpus
    (the greeting, the option replies, then replies to the fuzz target's
    first requests: a block status of 1 MiB at 0 (handle 1), a read of
    4096 at 0 (2), a write (3), a flush (4))."""
    os.makedirs(d, exist_ok=True)
    for f in FAULTS + ["stall"]:
        out = b""
        if f == "badmagic":
            out = b"NOTNBD!!" + struct.pack(">QH", IHAVEOPT, 3)
        elif f == "oldstyle":
            out = struct.pack(">QQ", NBDMAGIC, 0x00420281861253)
        elif f in ("close", "stall"):
            out = struct.pack(">Q", NBDMAGIC)
        else:
            out = struct.pack(">QQH", NBDMAGIC, IHAVEOPT,
                              0 if f == "nofixed" else 3)
            if f != "nofixed":
                sr = f not in NO_SR
                out += rep(8, 1 if sr else 0x80000001)
                if sr:
                    out += meta_reply(f)
                out += options_reply(f)
                if sr:
                    out += status_reply(f, 1, 0, SIZE)
                    out += read_reply(f, 2, 0, 4096)
                else:
                    out += struct.pack(">IIQ", SIMPLE, 0, 2) + DATA[:4096]
                out += struct.pack(">IIQ", SIMPLE, 0, 3)
                out += struct.pack(">IIQ", SIMPLE, 0, 4)
        open(os.path.join(d, f), "wb").write(out)
    # The fallback to NBD_OPT_EXPORT_NAME (GO unsupported), with padding.
    out = struct.pack(">QQH", NBDMAGIC, IHAVEOPT, 1)
    out += rep(8, 0x80000001)
    out += rep(7, 0x80000001) + struct.pack(">QH", SIZE, 0x45) + bytes(124)
    out += struct.pack(">IIQ", SIMPLE, 0, 1) + DATA[:4096]
    open(os.path.join(d, "export-name"), "wb").write(out)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--seeds":
        seeds(sys.argv[2])
        return
    path = sys.argv[1]
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(4)
    print("listening", flush=True)
    while True:
        s, _ = srv.accept()
        try:
            # The greeting faults are chosen by a marker file, since they
            # happen before the client names its export.
            g = path + ".greeting"
            fault = None
            if os.path.exists(g):
                fault = open(g).read().strip()
                os.unlink(g)
            if fault in GREETING:
                handshake(Conn(s), fault)
            else:
                serve(Conn(s), fault)
        except (EOFError, OSError, ConnectionError):
            pass
        s.close()


main()
