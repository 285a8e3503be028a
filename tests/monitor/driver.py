#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Monitor, QMP and socket character backend tests.

    driver.py hmp|qmp|chardev

runs tessera on virt with tests/monitor/echo.elf (prints "echo: ready",
then echoes every byte on the UART). Never sleeps: every wait is a
select() on a pipe or socket with a deadline, and a missed deadline fails
the test with what was read so far.
"""
import json
import os
import re
import select
import socket
import subprocess
import sys
import tempfile
import time

TOP = os.environ.get("top_builddir", ".")
TESSERA = os.path.join(TOP, "tessera")
ELF = os.path.join(TOP, "tests", "monitor", "echo.elf")
TIMEOUT = float(os.environ.get("MON_TIMEOUT", "20"))
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


class Reader:
    """Reads a file descriptor until a pattern shows up, with a deadline."""

    def __init__(self, fd, send=None):
        self.fd = fd
        self.buf = b""
        self.send_fn = send

    def until(self, pattern, timeout=TIMEOUT):
        end = time.monotonic() + timeout
        pat = pattern if isinstance(pattern, bytes) else pattern.encode()
        while pat not in self.buf:
            left = end - time.monotonic()
            if left <= 0:
                raise TimeoutError("waiting for %r, got %r" % (pat, self.buf[-400:]))
            r, _, _ = select.select([self.fd], [], [], left)
            if r:
                d = os.read(self.fd, 65536)
                if not d:
                    raise EOFError("EOF waiting for %r, got %r" % (pat, self.buf[-400:]))
                self.buf += d
        i = self.buf.index(pat) + len(pat)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out.decode(errors="replace")

    def send(self, data):
        self.send_fn(data if isinstance(data, bytes) else data.encode())


def start(args, stdin=True):
    cmd = [TESSERA, "-M", "virt", "-bios", "none", "-display", "none",
           "-kernel", ELF] + args
    return subprocess.Popen(cmd, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_path(proc, path):
    """Waits for tessera to create a socket file (select on its stderr)."""
    end = time.monotonic() + TIMEOUT
    while not os.path.exists(path):
        if proc.poll() is not None or time.monotonic() > end:
            raise TimeoutError("no socket %s: %r" % (path, proc.stderr.read()))
        select.select([proc.stderr], [], [], 0.02)


def connect_unix(proc, path):
    """Connects once tessera listens (the file exists from bind() on)."""
    wait_path(proc, path)
    end = time.monotonic() + TIMEOUT
    while True:
        s = socket.socket(socket.AF_UNIX)
        try:
            s.connect(path)
            return s
        except ConnectionRefusedError:
            s.close()
            if proc.poll() is not None or time.monotonic() > end:
                raise
            select.select([proc.stderr], [], [], 0.02)


def finish(proc, want=0):
    try:
        rc = proc.wait(TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        rc = "hang"
    check(rc == want, "tessera exit status %s (want %s)" % (rc, want))


PROMPT = "(tessera) "


class Hmp:
    def __init__(self, reader):
        self.r = reader
        self.banner = reader.until(PROMPT)

    def cmd(self, line):
        self.r.send(line + "\n")
        out = self.r.until(PROMPT)
        # the echoed line, then the output, then the prompt
        text = out[:-len(PROMPT)].replace("\r\n", "\n")
        first, _, rest = text.partition("\n")
        assert first == line, "echo %r != %r" % (first, line)
        return rest


def hmp_session(h, tmp):
    check("monitor - type 'help'" in h.banner, "HMP banner")
    check(h.cmd("info status") == "VM status: running\n", "info status running")
    check(h.cmd("stop") == "", "stop")
    check(h.cmd("info status") == "VM status: paused\n", "info status paused")
    regs = h.cmd("info registers")
    check(re.search(r"^ pc       [0-9a-f]{16}$", regs, re.M) is not None and " a0 " in regs,
          "info registers")
    check(re.fullmatch(r"\* CPU #0: thread_id=\d+\n", h.cmd("info cpus")) is not None, "info cpus")
    mtree = h.cmd("info mtree")
    check("address-space: memory" in mtree and
          "0000000080000000-0000000087ffffff (prio 0, ram)" in mtree, "info mtree")
    qtree = h.cmd("info qtree")
    check('dev: ns16550a, id "uart0"' in qtree and "base = 268435456 (0x10000000)" in qtree,
          "info qtree")
    tree = h.cmd("info qom-tree").splitlines()
    kids = [l.strip().split(" ")[0] for l in tree[1:]]
    check(tree[0].startswith("/machine (") and kids == sorted(kids) and "/uart0" in kids
          and "/cpu0" in kids, "info qom-tree sorted")
    check(re.fullmatch(r"\d+\.\d+\.\d+\n", h.cmd("info version")) is not None, "info version")
    check("ns16550a" in h.cmd("info plugins"), "info plugins")
    x = h.cmd("x /4xw 0x80000000")
    check(re.fullmatch(r"0000000080000000: 0x100002b7( 0x[0-9a-f]{8}){3}\n", x) is not None,
          "x /4xw")
    xp = h.cmd("xp /2xg 0x80000000")
    check(re.fullmatch(r"0000000080000000: 0x[0-9a-f]{8}100002b7 0x[0-9a-f]{16}\n", xp)
          is not None, "xp /2xg")
    check(h.cmd("xp /3xb 0x80000000") == "0000000080000000: 0xb7 0x02 0x00\n", "xp /3xb")
    check(h.cmd("xp /2c 0x80000056").startswith("0000000080000056:"), "xp /c")
    dis = h.cmd("x /2i 0x80000000")
    check(dis.startswith("0x0000000080000000:  100002b7  lui") and dis.count("\n") == 2, "x /2i")
    check(h.cmd("x /1xw $pc").startswith("00000000800000"), "x with $pc")
    check("invalid char in format" in h.cmd("x /z 0"), "x bad format")
    check("Cannot access memory" in h.cmd("xp /xw 0xf0000000"), "xp unmapped")
    lst = h.cmd("qom-list /machine/uart0")
    check("base (uint64)" in lst and "type (string)" in lst, "qom-list")
    check("uart0 (child<ns16550a>)" in h.cmd("qom-list /machine"), "qom-list /machine")
    check(h.cmd("qom-get /machine/uart0 base") == "268435456\n", "qom-get")
    check(h.cmd("qom-get /machine/uart0.chardev") == '"serial0"\n', "qom-get path.prop")
    check(h.cmd("qom-get /machine/peripheral/uart0 type") == '"ns16550a"\n',
          "qom-get /machine/peripheral path")
    check(h.cmd("qom-set -j /machine/cpu0 a0 4242") == "", "qom-set -j")
    check(h.cmd("qom-get /machine/cpu0 a0") == "4242\n", "qom-get after qom-set -j")
    check(h.cmd("qom-set /machine/cpu0 a1 0x10") == "" and
          h.cmd("qom-get /machine/cpu0.a1") == "16\n", "qom-set plain number")
    check("expected: integer" in h.cmd('qom-set -j /machine/cpu0 a0 "text"'), "qom-set -j type error")
    check("after it was realized" in h.cmd("qom-set /machine/uart0 base 5"), "qom-set device prop")
    check(h.cmd("qom-get /nope x") == "Error: Device '/nope' not found\n", "qom-get missing object")
    check(h.cmd("gdbserver unix:%s/gdb.sock,server=on,wait=off" % tmp)
          .startswith("Waiting for gdb connection on device 'unix:"),
          "gdbserver starts the gdb stub")
    check(os.path.exists(os.path.join(tmp, "gdb.sock")), "gdbserver: the socket")
    check(h.cmd("gdbserver none") == "Disabled gdbserver\n", "gdbserver none")
    check(not os.path.exists(os.path.join(tmp, "gdb.sock")),
          "gdbserver none: the socket is gone")
    mem = os.path.join(tmp, "mem.bin")
    pmem = os.path.join(tmp, "pmem.bin")
    check(h.cmd("memsave 0x80000000 16 %s" % mem) == "", "memsave")
    check(h.cmd("pmemsave 0x80000000 0x10 %s" % pmem) == "", "pmemsave")
    with open(mem, "rb") as f:
        m = f.read()
    with open(pmem, "rb") as f:
        p = f.read()
    check(len(m) == 16 and m == p and m[:4] == bytes.fromhex("b7020010"), "memsave contents")
    log = os.path.join(tmp, "log.txt")
    check(h.cmd("logfile %s" % log) == "", "logfile")
    check(h.cmd("log int") == "" and h.cmd("log none") == "", "log")
    check("unknown" in h.cmd("log bogus") or "bogus" in h.cmd("log bogus"), "log bad item")
    hl = h.cmd("help")
    for c in ["help", "info", "x ", "xp ", "stop", "cont", "system_reset", "quit",
              "qom-list", "qom-get", "qom-set", "gdbserver", "log ", "logfile",
              "memsave", "pmemsave", "sendkey"]:
        check(c in hl, "help lists " + c.strip())
    # sendkey: no input device on this board, so only the argument checks
    # show (the events go nowhere, as on a machine without a keyboard).
    check(h.cmd("sendkey ctrl-alt-f1") == "", "sendkey")
    check(h.cmd("sendkey ctrl-bogus") == "invalid parameter: 'bogus' is not "
          "a key name ('help sendkey' lists them)\n", "sendkey unknown key")
    check("invalid hold time" in h.cmd("sendkey a x"), "sendkey bad hold time")
    hs = h.cmd("help sendkey").split()
    check("kp_enter" in hs and "ctrl_r" in hs and "spc" in hs, "help sendkey lists key names")
    check("unknown command: 'bogus'" in h.cmd("bogus 1 2"), "unknown command")
    check(h.cmd("system_reset") == "", "system_reset")
    check(h.cmd("info status") == "VM status: paused\n", "still paused after reset")
    check(h.cmd("cont") == "", "cont")
    check(h.cmd("info status") == "VM status: running\n", "running after cont")


def test_hmp():
    tmp = tempfile.mkdtemp(prefix="tessera-mon-")
    # over stdio
    p = start(["-monitor", "stdio"])
    def send(d):
        p.stdin.write(d)
        p.stdin.flush()
    h = Hmp(Reader(p.stdout.fileno(), send))
    hmp_session(h, tmp)
    h.r.send("quit\n")
    finish(p)
    # over a UNIX socket
    path = os.path.join(tmp, "mon.sock")
    p = start(["-monitor", "unix:%s,server=on,wait=off" % path, "-serial", "null"])
    s = connect_unix(p, path)
    h = Hmp(Reader(s.fileno(), s.sendall))
    hmp_session(h, tmp)
    s.close()
    # the server takes the next client
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    h = Hmp(Reader(s.fileno(), s.sendall))
    check(h.cmd("info status") == "VM status: running\n", "second monitor client")
    s.sendall(b"quit\n")
    finish(p)
    check(not os.path.exists(path), "socket file removed at exit")
    # -serial mon:stdio: the console, then Ctrl-A c to the monitor and back
    p = start(["-serial", "mon:stdio"])
    r = Reader(p.stdout.fileno(), lambda d: (p.stdin.write(d), p.stdin.flush()))
    r.until("echo: ready\n")
    r.send("hello\n")
    check(r.until("hello\n").endswith("hello\n"), "mon:stdio: guest echo")
    r.send(b"\x01c")
    h = Hmp(r)
    check(h.cmd("info status") == "VM status: running\n", "mon:stdio: Ctrl-A c gives the monitor")
    r.send(b"\x01c")
    r.send("back\n")
    check(r.until("back\n").endswith("back\n"), "mon:stdio: Ctrl-A c back to the guest")
    r.send(b"\x01c")
    h = Hmp(r)
    r.send("quit\n")
    finish(p)


class Qmp:
    def __init__(self, sock):
        self.s = sock
        self.r = Reader(sock.fileno(), sock.sendall)
        self.events = []

    def recv(self):
        return json.loads(self.r.until("\n"))

    def send_raw(self, data):
        self.s.sendall(data if isinstance(data, bytes) else data.encode())

    def reply(self):
        while True:
            m = self.recv()
            if "event" in m:
                self.events.append(m)
            else:
                return m

    def cmd(self, name, **args):
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.send_raw(json.dumps(msg) + "\n")
        return self.reply()


def test_qmp():
    tmp = tempfile.mkdtemp(prefix="tessera-qmp-")
    path = os.path.join(tmp, "qmp.sock")
    p = start(["-qmp", "unix:%s,server=on,wait=off" % path, "-serial", "null"])
    s = connect_unix(p, path)
    q = Qmp(s)
    g = q.recv()
    check("QMP" in g and "version" in g["QMP"] and g["QMP"]["capabilities"] == [], "greeting")
    e = q.cmd("query-status")
    check(e.get("error", {}).get("class") == "CommandNotFound", "commands refused before negotiation")
    check(q.cmd("qmp_capabilities") == {"return": {}}, "qmp_capabilities")
    check(q.cmd("qmp_capabilities").get("error", {}).get("class") == "CommandNotFound",
          "second qmp_capabilities")
    q.send_raw('{"execute": "query-status", "id": 7}\n')
    check(q.reply() == {"return": {"status": "running", "singlestep": False, "running": True},
                        "id": 7}, "query-status with id")
    # malformed input: an error each, and the session goes on
    q.send_raw('{"execute": query-status}\n')
    r1 = q.reply()
    check(r1.get("error", {}).get("class") == "GenericError", "malformed JSON answered")
    q.send_raw("foo\n")
    check(q.reply().get("error", {}).get("class") == "GenericError", "bare word answered")
    q.send_raw("[1, 2]\n")
    check(q.reply()["error"]["desc"] == "QMP input must be a JSON object", "array refused")
    q.send_raw('{"arguments": {}}\n')
    check(q.reply()["error"]["desc"] == "QMP input lacks member 'execute'", "missing execute")
    check(q.cmd("bogus")["error"] == {"class": "CommandNotFound",
                                      "desc": "The command bogus has not been found"}, "unknown command")
    check(q.cmd("query-status")["return"]["running"] is True, "session usable after errors")
    check(q.cmd("query-status", foo=1)["error"]["desc"] == "Parameter 'foo' is unexpected",
          "unexpected argument")
    cpus = q.cmd("query-cpus-fast")["return"]
    check(len(cpus) == 1 and cpus[0]["cpu-index"] == 0 and cpus[0]["qom-path"] == "/machine/cpu0"
          and "thread-id" in cpus[0], "query-cpus-fast")
    v = q.cmd("query-version")["return"]
    check("qemu" in v and "major" in v["qemu"] and "package" in v, "query-version")
    names = [c["name"] for c in q.cmd("query-commands")["return"]]
    for c in ["query-status", "stop", "cont", "system_reset", "quit", "query-cpus-fast",
              "human-monitor-command", "qom-list", "qom-get", "qom-set", "query-version",
              "query-commands", "qmp_capabilities", "send-key", "input-send-event"]:
        check(c in names, "query-commands lists " + c)
    sk = q.cmd("send-key", keys=[{"type": "qcode", "data": "nope"}])
    check(sk.get("error", {}).get("desc") == "Parameter 'keys[0].data' does not "
          "accept value 'nope' (not a QEMU key name)", "send-key unknown key")
    check(q.cmd("send-key", keys=[{"type": "qcode", "data": "a"}]) == {"return": {}},
          "send-key")
    check(q.cmd("input-send-event", events=[{"type": "abs", "data": {"axis": "x",
          "value": 5}}]) == {"return": {}}, "input-send-event")
    hmc = q.cmd("human-monitor-command", **{"command-line": "info status"})
    check(hmc == {"return": "VM status: running\r\n"}, "human-monitor-command")
    lst = q.cmd("qom-list", path="/machine/uart0")["return"]
    check({"name": "base", "type": "uint64"} in lst, "qom-list")
    check(q.cmd("qom-get", path="/machine/uart0", property="base") == {"return": 268435456}, "qom-get")
    check(q.cmd("qom-get", path="/nope", property="x")["error"] ==
          {"class": "DeviceNotFound", "desc": "Device '/nope' not found"}, "qom-get DeviceNotFound")
    check(q.cmd("qom-get", path="/machine/uart0")["error"]["desc"] == "Parameter 'property' is missing",
          "qom-get missing argument")
    check(q.cmd("qom-get", path="/machine/uart0", property="nope")["error"]["class"] == "GenericError",
          "qom-get unknown property")
    check(q.cmd("qom-set", path="/machine/cpu0", property="a0", value=99) == {"return": {}}, "qom-set")
    check(q.cmd("qom-get", path="/machine/cpu0", property="a0") == {"return": 99}, "qom-get after qom-set")
    # events, in order
    q.events = []
    check(q.cmd("stop") == {"return": {}}, "stop")
    check(q.cmd("query-status")["return"]["status"] == "paused", "paused")
    check(q.cmd("system_reset") == {"return": {}}, "system_reset")
    check(q.cmd("cont") == {"return": {}}, "cont")
    check(q.cmd("quit") == {"return": {}}, "quit")
    # the rest up to EOF
    try:
        while True:
            q.events.append(q.recv())
    except (EOFError, TimeoutError, json.JSONDecodeError):
        pass
    names = [e["event"] for e in q.events if "event" in e]
    check(names == ["STOP", "RESET", "RESUME", "SHUTDOWN"], "events in order: %s" % names)
    ev = {e["event"]: e for e in q.events if "event" in e}
    check(ev.get("RESET", {}).get("data") == {"guest": False, "reason": "host-qmp-system-reset"},
          "RESET data")
    check(ev.get("SHUTDOWN", {}).get("data") == {"guest": False, "reason": "host-qmp-quit"},
          "SHUTDOWN data")
    check(all("seconds" in e.get("timestamp", {}) for e in q.events), "event timestamps")
    finish(p)


def serial_echo(r, what, banner=True):
    # a server socket connected after the guest printed its banner misses
    # it: output with no peer is dropped, as in QEMU
    if banner:
        r.until("echo: ready\n")
    r.send("ping\n")
    check(r.until("ping\n").endswith("ping\n"), what)


def test_chardev():
    tmp = tempfile.mkdtemp(prefix="tessera-chr-")
    name = "tessera-test-%d" % os.getpid()
    # abstract UNIX socket, tight (the default): the name's exact length
    p = start(["-chardev", "socket,id=c0,path=%s,server=on,wait=off,abstract=on" % name,
               "-serial", "chardev:c0", "-monitor", "stdio"])
    mon = Hmp(Reader(p.stdout.fileno(), lambda d: (p.stdin.write(d), p.stdin.flush())))
    s = socket.socket(socket.AF_UNIX)
    s.connect(b"\0" + name.encode())
    serial_echo(Reader(s.fileno(), s.sendall), "abstract socket, tight=on: echo", False)
    s.close()
    mon.r.send("quit\n")
    finish(p)
    # tight=off: the name is the whole zero-padded sun_path
    p = start(["-chardev", "socket,id=c0,path=%s,server=on,wait=off,abstract=on,tight=off" % name,
               "-serial", "chardev:c0", "-monitor", "stdio"])
    mon = Hmp(Reader(p.stdout.fileno(), lambda d: (p.stdin.write(d), p.stdin.flush())))
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(b"\0" + name.encode())
        short_ok = True
    except OSError:
        short_ok = False
    s.close()
    check(not short_ok, "abstract socket, tight=off: the short name is another socket")
    s = socket.socket(socket.AF_UNIX)
    padded = (b"\0" + name.encode()).ljust(108, b"\0")
    s.connect(padded)
    serial_echo(Reader(s.fileno(), s.sendall), "abstract socket, tight=off: echo", False)
    s.close()
    mon.r.send("quit\n")
    finish(p)
    # a client that reconnects after the peer closes
    path = os.path.join(tmp, "peer.sock")
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(path)
    srv.listen(1)
    p = start(["-chardev", "socket,id=c0,path=%s,reconnect=1" % path,
               "-serial", "chardev:c0", "-monitor", "stdio"])
    mon = Hmp(Reader(p.stdout.fileno(), lambda d: (p.stdin.write(d), p.stdin.flush())))
    srv.settimeout(TIMEOUT)
    c, _ = srv.accept()
    serial_echo(Reader(c.fileno(), c.sendall), "client socket: echo")
    c.close()
    c, _ = srv.accept()  # tessera comes back within reconnect=1
    r = Reader(c.fileno(), c.sendall)
    r.send("again\n")
    check(r.until("again\n").endswith("again\n"), "client socket: echo after reconnect")
    c.close()
    mon.r.send("quit\n")
    finish(p)
    # the guest's UART through TCP (-serial tcp:, tessera connects)
    srv = socket.socket(socket.AF_INET)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port = srv.getsockname()[1]
    p = start(["-serial", "tcp:127.0.0.1:%d" % port, "-monitor", "stdio"])
    mon = Hmp(Reader(p.stdout.fileno(), lambda d: (p.stdin.write(d), p.stdin.flush())))
    srv.settimeout(TIMEOUT)
    c, _ = srv.accept()
    serial_echo(Reader(c.fileno(), c.sendall), "tcp serial: guest UART echo")
    c.close()
    mon.r.send("quit\n")
    finish(p)
    # TCP server with wait=on: the guest starts only once we connect
    srv = socket.socket(socket.AF_INET)
    srv.bind(("127.0.0.1", 0))
    port = srv.getsockname()[1]
    srv.close()
    p = start(["-serial", "tcp:127.0.0.1:%d,server=on" % port, "-monitor", "none"], stdin=False)
    err = Reader(p.stderr.fileno())
    err.until("waiting for connection")
    c = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    serial_echo(Reader(c.fileno(), c.sendall), "tcp server wait=on: echo")
    c.close()
    p.kill()
    p.wait()
    # pty
    p = start(["-serial", "pty", "-monitor", "stdio"])
    err = Reader(p.stderr.fileno())
    line = err.until("\n")
    m = re.search(r"char device redirected to (\S+) \(label serial0\)", line)
    check(m is not None, "pty: QEMU's message")
    mon = Hmp(Reader(p.stdout.fileno(), lambda d: (p.stdin.write(d), p.stdin.flush())))
    fd = os.open(m.group(1), os.O_RDWR | os.O_NOCTTY)
    # tessera made the line raw; setting it again here would flush the banner
    serial_echo(Reader(fd, lambda d: os.write(fd, d)), "pty: echo")
    os.close(fd)
    mon.r.send("quit\n")
    finish(p)
    # errors name the option and the value
    for args, want in [(["-serial", "tcp:127.0.0.1:1"], "-serial tcp:127.0.0.1:1: cannot connect"),
                       (["-chardev", "socket,id=x,path=/tmp/x,bogus=1"], "unknown socket option 'bogus=1'"),
                       (["-chardev", "socket,id=x,path=/tmp/x,server=on,reconnect=2"], "reconnect=2 is for clients"),
                       (["-monitor", "chardev:nope"], "no character backend 'nope'"),
                       (["-serial", "mon:stdio", "-monitor", "stdio"], "stdio is already used")]:
        r = subprocess.run([TESSERA, "-M", "virt", "-bios", "none", "-kernel", ELF] + args,
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=TIMEOUT)
        check(r.returncode == 1 and want in r.stderr.decode(), "error for %s: %s" % (args, r.stderr.decode().strip()))


def main():
    what = sys.argv[1]
    try:
        {"hmp": test_hmp, "qmp": test_qmp, "chardev": test_chardev}[what]()
    except (TimeoutError, EOFError, AssertionError, OSError) as e:
        failures.append(repr(e))
        print("FAIL", repr(e))
    if failures:
        print("%d failure(s)" % len(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
