# SPDX-License-Identifier: MIT
# Prints the shape of an NBD server's structured read replies, one line a
# chunk (data OFFSET+LENGTH, hole OFFSET+LENGTH, none, error), so that
# two servers can be compared line by line; also checks that the chunks
# of each read cover it exactly once and that data chunks hold the bytes
# a read of the same range with NBD_CMD_FLAG_DF (one data chunk) returns.
# Usage: nbd-reads.py SOCKET OFFSET:LENGTH[:FLAGS]...  (FLAGS 4: DF)
import socket, struct, sys

IHAVEOPT = 0x49484156454F5054


def recv(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise EOFError("server closed the connection")
        b += c
    return b


def opt(s, o, d=b""):
    s.sendall(struct.pack(">QII", IHAVEOPT, o, len(d)) + d)
    while True:
        _, _, t, ln = struct.unpack(">QIII", recv(s, 20))
        recv(s, ln)
        if t == 1 or t & 0x80000000:
            return t


s = socket.socket(socket.AF_UNIX)
s.settimeout(60)
s.connect(sys.argv[1])
recv(s, 18)
s.sendall(struct.pack(">I", 3))
assert opt(s, 8) == 1, "structured replies refused"
assert opt(s, 7, struct.pack(">IH", 0, 0)) == 1, "NBD_OPT_GO refused"
handle = 0


def read(off, ln, fl, show):
    """The bytes read (None after an error), and whether each byte was
    covered exactly once."""
    global handle, bad
    handle += 1
    s.sendall(struct.pack(">IHHQQI", 0x25609513, fl, 0, handle, off, ln))
    got = bytearray(ln)
    seen = [0] * ln
    ok = True
    while True:
        m, f, t, hh, cl = struct.unpack(">IHHQI", recv(s, 20))
        assert m == 0x668E33EF and hh == handle, (hex(m), hh, handle)
        p = recv(s, cl)
        co, n = off, 0
        if t == 1:
            co, n = struct.unpack(">Q", p[:8])[0], cl - 8
            got[co - off:co - off + n] = p[8:]
            what = "data"
        elif t == 2:
            co, n = struct.unpack(">QI", p)
            what = "hole"
        else:
            what = "type 0x%x" % t
            ok = ok and not t & 0x8000
        if show:
            print("read %d+%d: %s" % (off, ln, what) +
                  (" %d+%d" % (co, n) if t in (1, 2) else ""))
        if t in (1, 2):
            if co < off or co + n > off + ln or n == 0:
                print("BAD: chunk %d+%d outside the read or empty" % (co, n))
                bad += 1
            else:
                for i in range(co - off, co - off + n):
                    seen[i] += 1
        if f & 1:
            break
    return (bytes(got) if ok else None), all(x == 1 for x in seen)


bad = 0
for a in sys.argv[2:]:
    off, ln, fl = (list(map(int, a.split(":"))) + [0])[:3]
    plain, _ = read(off, ln, 4, False)
    data, once = read(off, ln, fl, True)
    if plain is not None and (not once or data != plain):
        print("BAD: read %d+%d: chunks do not cover it once or differ "
              "from a read with DF" % (off, ln))
        bad += 1
sys.exit(1 if bad else 0)
