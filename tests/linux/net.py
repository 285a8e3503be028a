#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Linux on user-mode networking (-netdev user, virtio-net-device), at the
console: `udhcpc` gets 10.0.2.15 (router 10.0.2.2, DNS 10.0.2.3); the
guest's wget fetches 1 MiB of random bytes from an HTTP server this test
runs on 127.0.0.1 (reached as 10.0.2.2) and its sha256 matches; a hostfwd
port on 127.0.0.1 reaches BusyBox httpd in the guest, and the host reads
the page the guest serves.

usage: net.py NCPUS [qemu]
"""
import hashlib
import http.server
import os
import re
import shutil
import socket
import sys
import tempfile
import threading
import urllib.request

import linuxexpect as lx

GUEST_PORT = 8080


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def session(emulator, name, smp, http_port, digest):
    fwd = free_port()
    # virtio-mmio on both (QEMU's -nic on virt is virtio-net-pci).
    net = ["-netdev", "user,id=n0,hostfwd=tcp:127.0.0.1:%d-:%d"
           % (fwd, GUEST_PORT), "-device", "virtio-net-device,netdev=n0"]

    def body(c):
        out = c.check("udhcpc -i eth0 -n -q -t 5")
        lease = c.check("cat /proc/net/fib_trie")
        if "10.0.2.15" not in lease:
            raise lx.Failure("%s: udhcpc: %s\n/proc/net/fib_trie: %s"
                             % (name, out, lease))
        m = re.search(r"udhcpc: eth0 (\S+) router (\S+) dns (.*)", out)
        if not m or m.groups() != ("10.0.2.15", "10.0.2.2", "10.0.2.3"):
            raise lx.Failure("%s: the lease: %r" % (name, out))
        c.check("wget -q -O /tmp/blob http://10.0.2.2:%d/blob" % http_port)
        got = c.check("sha256sum /tmp/blob").split()[0]
        if got != digest:
            raise lx.Failure("%s: the guest's copy has sha256 %s, not %s"
                             % (name, got, digest))
        c.check("echo 'served by the guest' > /var/www/hello.txt")
        c.check("httpd -p %d -h /var/www" % GUEST_PORT)
        try:
            with urllib.request.urlopen(
                    "http://127.0.0.1:%d/hello.txt" % fwd,
                    timeout=lx.bx.TIMEOUT) as r:
                page = r.read().decode()
        except OSError as e:
            raise lx.Failure("%s: hostfwd 127.0.0.1:%d -> guest :%d: %s"
                             % (name, fwd, GUEST_PORT, e))
        if page != "served by the guest\n":
            raise lx.Failure("%s: hostfwd page %r" % (name, page))
        c.poweroff()
        return True

    return lx.run(lx.machine(emulator, smp, extra=net), name, body)


def main():
    if len(sys.argv) < 2:
        lx.fail("usage: net.py NCPUS [qemu]")
    smp = int(sys.argv[1])
    emulators = [("tessera", lx.bx.tessera())]
    if len(sys.argv) > 2 and sys.argv[2] == "qemu":
        emulators.append(("qemu", lx.bx.qemu()))
    tmp = tempfile.mkdtemp(prefix="tessera-linux-net-")
    blob = os.urandom(1 << 20)
    with open(os.path.join(tmp, "blob"), "wb") as f:
        f.write(blob)
    digest = hashlib.sha256(blob).hexdigest()
    handler = lambda *a: Quiet(*a, directory=tmp)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        for name, emu in emulators:
            session(emu, name, smp, server.server_address[1], digest)
    finally:
        server.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)
    print("PASS Linux net -smp %d on %s: udhcpc got 10.0.2.15, wget of 1 MiB "
          "from the host matches its sha256, hostfwd reaches httpd in the guest"
          % (smp, " and ".join(n for n, _ in emulators)))


lx.main(main)
