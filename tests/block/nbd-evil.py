#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A misbehaving NBD server for the client tests (tests/block/nbd-client.test).

usage: nbd-evil.py SOCKET   (serves until killed, one client at a time)

The export name the client asks for picks the fault (see FAULTS); "good"
is a correct 1 MiB export of bytes i % 251 with simple replies. With
--seeds DIR it writes what the server sends for each fault as a fuzz
corpus for tests/fuzz/fuzz-nbd-client.c instead.
"""
import os
import socket
import struct
import sys

NBDMAGIC = 0x4e42444d41474943
IHAVEOPT = 0x49484156454f5054
REPLY_MAGIC = 0x0003e889045565a9
SIZE = 1 << 20
DATA = bytes(i % 251 for i in range(SIZE))

FAULTS = [
    "good", "badmagic", "oldstyle", "nofixed", "optmagic", "optlen",
    "noexport", "infolen", "blocksize", "hugesize", "wrongopt", "errmsg",
    "ack-data", "replymagic", "handle", "structured", "shortread", "ioerr",
    "close", "unknownrep",
]


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
    c.send(struct.pack(">QQH", NBDMAGIC, IHAVEOPT,
                       0 if fault == "nofixed" else 3))
    if fault == "nofixed":
        return None
    c.recv(4)
    return True


def serve(c):
    c.send(struct.pack(">QQH", NBDMAGIC, IHAVEOPT, 3))
    c.recv(4)
    magic, opt, ln = struct.unpack(">QII", c.recv(16))
    data = c.recv(ln)
    name = data[4:4 + struct.unpack(">I", data[:4])[0]].decode() \
        if opt == 7 else data.decode()
    fault = name if name in FAULTS else "good"
    if fault in ("badmagic", "oldstyle", "close", "nofixed"):
        return  # these faults are in the greeting: see seeds()
    if opt != 7:
        return
    c.send(options_reply(fault))
    if fault not in ("good", "replymagic", "handle", "structured",
                     "shortread", "ioerr"):
        return
    transmission(c, fault)


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
            c.send(struct.pack(">IIQ", 0x67446698, 0, handle + 1))
            return
        if fault == "structured":
            c.send(struct.pack(">IHHQQI", 0x668e33ef, 1, 1, handle, off, 0))
            return
        if fault == "ioerr" and typ == 0:
            c.send(struct.pack(">IIQ", 0x67446698, 5, handle))
            continue
        c.send(struct.pack(">IIQ", 0x67446698, 0, handle))
        if typ == 0:
            if fault == "shortread":
                c.send(DATA[off:off + ln // 2])
                return
            c.send(DATA[off:off + ln])


def seeds(d):
    """What the server sends for each fault, for the client's fuzz corpus
    (the greeting, the option replies, then replies to the fuzz target's
    first requests)."""
    os.makedirs(d, exist_ok=True)
    for f in FAULTS:
        out = b""
        if f == "badmagic":
            out = b"NOTNBD!!" + struct.pack(">QH", IHAVEOPT, 3)
        elif f == "oldstyle":
            out = struct.pack(">QQ", NBDMAGIC, 0x00420281861253)
        elif f == "close":
            out = struct.pack(">Q", NBDMAGIC)
        else:
            out = struct.pack(">QQH", NBDMAGIC, IHAVEOPT,
                              0 if f == "nofixed" else 3)
            if f != "nofixed":
                out += options_reply(f)
                # a read of 4096 at 0 (handle 1), a write (2), a flush (3)
                out += struct.pack(">IIQ", 0x67446698, 0, 1) + DATA[:4096]
                out += struct.pack(">IIQ", 0x67446698, 0, 2)
                out += struct.pack(">IIQ", 0x67446698, 0, 3)
        open(os.path.join(d, f), "wb").write(out)
    # The fallback to NBD_OPT_EXPORT_NAME (GO unsupported), with padding.
    out = struct.pack(">QQH", NBDMAGIC, IHAVEOPT, 1)
    out += rep(7, 0x80000001) + struct.pack(">QH", SIZE, 0x45) + bytes(124)
    out += struct.pack(">IIQ", 0x67446698, 0, 1) + DATA[:4096]
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
            if os.path.exists(g):
                fault = open(g).read().strip()
                os.unlink(g)
                handshake(Conn(s), fault)
            else:
                serve(Conn(s))
        except (EOFError, OSError):
            pass
        s.close()


main()
