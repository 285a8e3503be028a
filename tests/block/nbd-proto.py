# SPDX-License-Identifier: MIT
# tessera-nbd at the byte level: a client written from the NBD protocol
# specification sends good and bad options and requests and checks every
# answer. Usage: nbd-proto.py TESSERA_NBD WORKDIR
# Covers CVE-2020-10761 (long export names and queries must get error
# replies, not an assertion), 64-bit offsets beyond 2 and 4 GiB for
# write, write-zeroes, trim, cache and block status, request validation,
# several clients at once, read-only exports and the server's lifetime.
import os, select, socket, struct, subprocess, sys

nbd, work = sys.argv[1], sys.argv[2]
fails = 0
IHAVEOPT = 0x49484156454F5054
REP_MAGIC = 0x0003E889045565A9
ERR_UNSUP, ERR_INVALID, ERR_UNKNOWN, ERR_TOO_BIG = (
    0x80000001, 0x80000003, 0x80000006, 0x80000009)
EPERM, EINVAL, ENOSPC = 1, 22, 28
GiB = 1 << 30


def check(name, cond, detail=""):
    global fails
    if cond:
        print("ok: " + name)
    else:
        print("FAIL: %s %s" % (name, detail))
        fails += 1


class Client:
    def __init__(self, path, flags=3):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.settimeout(60)
        self.s.connect(path)
        hdr = self.recv(18)
        assert hdr[:16] == b"NBDMAGICIHAVEOPT", hdr
        self.hflags = struct.unpack(">H", hdr[16:])[0]
        self.s.sendall(struct.pack(">I", flags))
        self.structured = False
        self.handle = 0

    def recv(self, n):
        b = b""
        while len(b) < n:
            c = self.s.recv(n - len(b))
            if not c:
                raise EOFError("closed after %d of %d bytes" % (len(b), n))
            b += c
        return b

    def closed(self):
        try:
            return self.s.recv(1) == b""
        except OSError:
            return True

    def opt(self, o, data=b""):
        self.s.sendall(struct.pack(">QII", IHAVEOPT, o, len(data)) + data)

    def replies(self, o):
        """All replies to one option up to ACK or an error."""
        out = []
        while True:
            magic, ro, typ, ln = struct.unpack(">QIII", self.recv(20))
            assert magic == REP_MAGIC and ro == o, (hex(magic), ro, o)
            out.append((typ, self.recv(ln)))
            if typ == 1 or typ & 0x80000000:
                return out

    def go(self, name=b"", o=7):
        self.opt(o, struct.pack(">I", len(name)) + name +
                 struct.pack(">HH", 1, 3))
        return self.replies(o)

    def meta(self, o, name, queries):
        d = struct.pack(">I", len(name)) + name + struct.pack(">I", len(queries))
        for q in queries:
            d += struct.pack(">I", len(q)) + q
        self.opt(o, d)
        return self.replies(o)

    def start(self, structured=True, base=True):
        if structured:
            self.opt(8)
            assert self.replies(8)[-1][0] == 1
            self.structured = True
            if base:
                r = self.meta(10, b"", [b"base:allocation"])
                assert r[-1][0] == 1 and len(r) == 2, r
        r = self.go()
        assert r[-1][0] == 1, r
        info = [p for t, p in r if t == 3 and p[:2] == b"\0\0"][0]
        self.size, self.tflags = struct.unpack(">QH", info[2:])

    def request(self, typ, off, ln, flags=0, payload=b""):
        self.handle += 1
        self.s.sendall(struct.pack(">IHHQQI", 0x25609513, flags, typ,
                                   self.handle, off, ln) + payload)
        return self.reply(typ == 0, ln, off)

    def reply(self, is_read=False, ln=0, off=0):
        """(error, data, extents by context); the data of a structured
        read is placed by its chunks' offsets, holes read as zeroes"""
        magic = struct.unpack(">I", self.recv(4))[0]
        if magic == 0x67446698:
            err, h = struct.unpack(">IQ", self.recv(12))
            assert h == self.handle
            data = self.recv(ln) if is_read and not err else b""
            return err, data, {}
        assert magic == 0x668E33EF, hex(magic)
        data, ext, err = bytearray(ln if is_read else 0), {}, 0
        while True:
            fl, typ, h, ln = struct.unpack(">HHQI", self.recv(16))
            assert h == self.handle
            p = self.recv(ln)
            if typ == 1:
                co = struct.unpack(">Q", p[:8])[0] - off
                data[co:co + ln - 8] = p[8:]
            elif typ == 2:
                co, hl = struct.unpack(">QI", p)
                data[co - off:co - off + hl] = bytes(hl)
            elif typ == 5:
                ctx = struct.unpack(">I", p[:4])[0]
                ext[ctx] = [struct.unpack(">II", p[i:i + 8])
                            for i in range(4, len(p), 8)]
            elif typ & 0x8000:
                err = struct.unpack(">I", p[:4])[0]
            if fl & 1:
                return err, bytes(data if not err else b""), ext
            magic = struct.unpack(">I", self.recv(4))[0]
            assert magic == 0x668E33EF


def serve(img, *args):
    sock = os.path.join(work, "p.sock")
    r, w = os.pipe()
    p = subprocess.run([nbd, "--fork", "-k", sock, *args, img],
                       pass_fds=(w,))
    os.close(w)
    assert p.returncode == 0
    return sock, r


def exited(r):
    """True when every copy of the pipe the server holds is closed."""
    ready, _, _ = select.select([r], [], [], 60)
    ok = bool(ready) and os.read(r, 1) == b""
    os.close(r)
    return ok


img = os.path.join(work, "big.raw")
with open(img, "wb") as f:
    f.truncate(6 * GiB)

# --- CVE-2020-10761 and option validation ---
sock, pipe = serve(img, "-t", "-e", "0", "--discard=unmap", "--pid-file",
                  os.path.join(work, "nbd.pid"))
c = Client(sock)
check("handshake flags: fixed newstyle, no zeroes", c.hflags == 3)
r = c.go(b"x" * 4096)
check("GO with a 4096-byte unknown name: NBD_REP_ERR_UNKNOWN",
      r[-1][0] == ERR_UNKNOWN, r)
r = c.go(b"x" * 4097)
check("GO with a 4097-byte name: NBD_REP_ERR_INVALID",
      r[-1][0] == ERR_INVALID, r)
r = c.meta(9, b"y" * 4096, [b"base:allocation"])
check("LIST_META_CONTEXT, 4096-byte export name: unknown export",
      r[-1][0] == ERR_UNKNOWN, r)
r = c.meta(9, b"", [b"qemu:dirty-bitmap:" + b"q" * 4096])
check("LIST_META_CONTEXT, query over 4096 bytes: NBD_REP_ERR_TOO_BIG",
      r[-1][0] == ERR_TOO_BIG, r)
c.opt(9, b"\0\0\0\0" + b"\0" * 100000)
r = c.replies(9)
check("100000-byte option: read, dropped, NBD_REP_ERR_TOO_BIG",
      r[-1][0] == ERR_TOO_BIG, r)
c.opt(6, struct.pack(">I", 0xFFFFFFFF) + b"\0\0")
r = c.replies(6)
check("INFO with name length 2^32-1: NBD_REP_ERR_INVALID",
      r[-1][0] == ERR_INVALID, r)
c.opt(6, struct.pack(">IH", 0, 5) + b"\0\3")
r = c.replies(6)
check("INFO with more requests than bytes: NBD_REP_ERR_INVALID",
      r[-1][0] == ERR_INVALID, r)
r = c.meta(10, b"", [b"base:allocation"])
check("SET_META_CONTEXT before structured replies: NBD_REP_ERR_INVALID",
      r[-1][0] == ERR_INVALID, r)
c.opt(3, b"junk")
r = c.replies(3)
check("LIST with data: NBD_REP_ERR_INVALID", r[-1][0] == ERR_INVALID, r)
c.opt(3)
r = c.replies(3)
check("LIST names the default export",
      r[0] == (2, b"\0\0\0\0") and r[-1][0] == 1, r)
c.opt(5)
check("STARTTLS refused (NBD_REP_ERR_UNSUP)",
      c.replies(5)[-1][0] == ERR_UNSUP)
c.opt(4242, b"abc")
check("unknown option: NBD_REP_ERR_UNSUP", c.replies(4242)[-1][0] == ERR_UNSUP)
c.opt(8)
c.replies(8)
c.structured = True
r = c.meta(9, b"", [])
check("LIST_META_CONTEXT with no query lists base:allocation",
      [p[4:] for t, p in r if t == 4] == [b"base:allocation"], r)
r = c.meta(10, b"", [b"base:allocation"])
check("SET_META_CONTEXT base:allocation",
      len(r) == 2 and r[0][0] == 4 and r[0][1][4:] == b"base:allocation", r)
r = c.go()
info = [p for t, p in r if t == 3 and p[:2] == b"\0\0"]
blk = [p for t, p in r if t == 3 and p[:2] == b"\0\3"]
c.size, c.tflags = struct.unpack(">QH", info[0][2:])
check("GO after the bad options: size 6 GiB, flags, block sizes",
      r[-1][0] == 1 and c.size == 6 * GiB and c.tflags & 0x65 == 0x65 and
      blk == [b"\0\3" + struct.pack(">III", 1, 4096, 32 << 20)], r)

# --- transmission beyond 2 and 4 GiB ---
pat = bytes(range(256)) * 16
for off in (3 * GiB - 1024, 5 * GiB + 12345):
    e, _, _ = c.request(1, off, len(pat), payload=pat)
    e2, d, _ = c.request(0, off, len(pat))
    check("write and read at %d" % off, e == 0 and e2 == 0 and d == pat)
e, _, _ = c.request(6, 5 * GiB + 12345 + 100, 1000)
_, d, _ = c.request(0, 5 * GiB + 12345, len(pat))
check("write-zeroes beyond 4 GiB", e == 0 and
      d == pat[:100] + bytes(1000) + pat[1100:])
e, _, _ = c.request(6, 3 * GiB - 1024, 4096, flags=2)
_, d, _ = c.request(0, 3 * GiB - 1024, 4096)
check("write-zeroes NO_HOLE across 3 GiB", e == 0 and d == bytes(4096))
e, _, _ = c.request(1, 4 * GiB, 1 << 20, payload=b"\xaa" * (1 << 20))
e2, _, _ = c.request(4, 4 * GiB, 1 << 20)
_, d, _ = c.request(0, 4 * GiB, 1 << 20)
check("trim at 4 GiB punches the data out", e == 0 and e2 == 0 and
      d == bytes(1 << 20))
e, _, _ = c.request(5, 5 * GiB, 1 << 20)
check("cache beyond 4 GiB", e == 0)
e, _, ext = c.request(7, 5 * GiB + 12288, 1 << 20)
lens = sum(l for l, f in ext.get(1, []))
check("block status beyond 4 GiB: data then hole, within the range",
      e == 0 and ext[1][0][1] == 0 and ext[1][-1][1] == 3 and
      0 < lens <= 1 << 20, ext)
e, _, ext = c.request(7, 0, 0xFFFFFFFF, flags=8)
check("block status REQ_ONE: one extent", e == 0 and len(ext[1]) == 1, ext)
e, _, _ = c.request(3, 0, 0)
check("flush", e == 0)

# --- bad requests get errors, the connection lives on ---
cases = [
    ("read past the end", (0, 6 * GiB - 1, 2), EINVAL),
    ("read with offset+length overflowing 64 bits",
     (0, (1 << 64) - 512, 1024), EINVAL),
    ("read of 64 MiB (over the 32 MiB limit)", (0, 0, 64 << 20), EINVAL),
    ("read with an unknown flag", (0, 0, 512, 0x80), EINVAL),
    ("write-zeroes past the end", (6, 6 * GiB, 512), ENOSPC),
    ("trim with offset 2^63", (4, 1 << 63, 512), EINVAL),
    ("cache past the end", (5, 6 * GiB + 1, 1), EINVAL),
    ("block status of length 0", (7, 0, 0), EINVAL),
    ("block status past the end", (7, 6 * GiB, 1), EINVAL),
    ("flush with a flag", (3, 0, 0, 1), EINVAL),
    ("unknown command 42", (42, 0, 0), EINVAL),
]
for name, args, want in cases:
    e, _, _ = c.request(*args)
    check(name + ": error %d" % want, e == want, e)
e, _, _ = c.request(1, 6 * GiB - 2, 4, payload=b"abcd")
check("write past the end: ENOSPC", e == ENOSPC, e)
big = 33 << 20
e, _, _ = c.request(1, 0, big, payload=bytes(big))
check("write of 33 MiB: payload dropped, EINVAL", e == EINVAL, e)
_, d, _ = c.request(0, 5 * GiB + 12345, 100)
check("the connection still serves after the errors", d == pat[:100])

# --- several clients at once ---
c2 = Client(sock)
c2.start(structured=False)
e, _, _ = c2.request(1, 2 * GiB + 7, 5, flags=1, payload=b"hello")
_, d, _ = c.request(0, 2 * GiB + 7, 5)
check("two clients at once: a FUA write of one is read by the other",
      e == 0 and d == b"hello")
e, d, _ = c2.request(0, 2 * GiB + 7, 5)
check("simple replies for the client without structured replies",
      e == 0 and d == b"hello")
e, _, _ = c2.request(7, 0, 4096)
check("block status without structured replies: EINVAL", e == EINVAL, e)
c2.s.sendall(b"\xde\xad\xbe\xef" + bytes(24))
check("bad request magic closes that connection", c2.closed())
c3 = Client(sock, flags=0x10)
check("unknown client flags close the connection", c3.closed())
c4 = Client(sock, flags=1)  # no NO_ZEROES: EXPORT_NAME pads 124 bytes
c4.opt(1, b"")
size, tf = struct.unpack(">QH", c4.recv(10))
pad = c4.recv(124)
check("NBD_OPT_EXPORT_NAME: size, flags and 124 zero bytes",
      size == 6 * GiB and pad == bytes(124))
c5 = Client(sock)
c5.opt(1, b"nope")
check("NBD_OPT_EXPORT_NAME of an unknown export closes", c5.closed())
c6 = Client(sock)
c6.opt(2)
check("NBD_OPT_ABORT is acknowledged", c6.replies(2)[-1][0] == 1)
c.s.sendall(struct.pack(">IHHQQI", 0x25609513, 0, 2, 99, 0, 0))
check("NBD_CMD_DISC closes", c.closed())
for x in (c, c2, c3, c4, c5, c6):
    x.s.close()
c7 = Client(sock)
c7.start()
_, d, _ = c7.request(0, 2 * GiB + 7, 5)
check("-t: a new client after the others left", d == b"hello")
c7.s.close()
pid = int(open(os.path.join(work, "nbd.pid")).read())
os.kill(pid, 15)
check("SIGTERM stops the -t server", exited(pipe))
check("... which removes its socket and pid file",
      not os.path.exists(sock) and
      not os.path.exists(os.path.join(work, "nbd.pid")))

# --- a 4096-byte export name (the CVE's shape), read-only, one client ---
long_name = "n" * 4096
sock2 = os.path.join(work, "ro.sock")
r2, w2 = os.pipe()
p = subprocess.run([nbd, "--fork", "-k", sock2, "-r", "-x", long_name, img],
                   pass_fds=(w2,))
os.close(w2)
c = Client(sock2)
c.opt(3)
r = c.replies(3)
check("LIST returns the 4096-byte export name",
      r[0][0] == 2 and r[0][1] == struct.pack(">I", 4096) +
      long_name.encode(), [x[0] for x in r])
r = c.meta(9, long_name.encode(), [])
check("LIST_META_CONTEXT on the 4096-byte export name",
      r[-1][0] == 1 and r[0][1][4:] == b"base:allocation", r)
c.opt(8)
c.replies(8)
c.structured = True
c.meta(10, long_name.encode(), [b"base:allocation"])
r = c.go(long_name.encode())
info = [p for t, p in r if t == 3 and p[:2] == b"\0\0"][0]
c.size, c.tflags = struct.unpack(">QH", info[2:])
check("GO on the 4096-byte export name: read-only flag", c.tflags & 2, r)
for name, args in (("write", (1, 0, 4, 0, b"abcd")), ("trim", (4, 0, 512)),
                   ("write-zeroes", (6, 0, 512))):
    e, _, _ = c.request(*args)
    check("read-only export: %s gives EPERM" % name, e == EPERM, e)
_, d, _ = c.request(0, 2 * GiB + 7, 5)
check("read-only export reads", d == b"hello")
c.s.sendall(struct.pack(">IHHQQI", 0x25609513, 0, 2, 99, 0, 0))
c.s.close()
check("without -t the server exits when its client leaves", exited(r2))
check("... and removes its socket", not os.path.exists(sock2))

sys.exit(1 if fails else 0)
