#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Linux with the small virtio devices, at the console:

  hwrng  -object rng-random + -device virtio-rng-device: the kernel
         registers virtio_rng as the current hw_random source, and
         /dev/hwrng gives bytes (as many as asked, not zeros, two
         reads differ).
  hvc    -device virtio-serial-device + -device virtconsole on a chardev
         socket the test listens on: /dev/hvc0 exists, a shell started on
         it from ttyS0 prints its prompt there and answers a command typed
         on the socket; ttyS0 still works, poweroff exits with 0.

usage: devices.py hwrng|hvc NCPUS [qemu]
"""
import os
import re
import shutil
import socket
import sys
import tempfile

import linuxexpect as lx


def hwrng(emulator, name, smp, tmp):
    extra = ["-object", "rng-random,id=rng0,filename=/dev/urandom",
             "-device", "virtio-rng-device,rng=rng0"]

    def body(c):
        avail = c.check("cat /sys/class/misc/hw_random/rng_available")
        current = c.check("cat /sys/class/misc/hw_random/rng_current")
        if "virtio_rng" not in avail or "virtio_rng" not in current:
            raise lx.Failure("%s: hw_random: available %r, current %r"
                             % (name, avail, current))
        zero = c.check("dd if=/dev/zero bs=256 count=1 2>/dev/null | "
                       "sha256sum").split()[0]
        sums = []
        for i in range(2):
            c.check("dd if=/dev/hwrng of=/tmp/r%d bs=256 count=1" % i)
            size = c.check("wc -c < /tmp/r%d" % i).strip()
            if size != "256":
                raise lx.Failure("%s: /dev/hwrng gave %s bytes, not 256"
                                 % (name, size))
            sums.append(c.check("sha256sum /tmp/r%d" % i).split()[0])
        if zero in sums:
            raise lx.Failure("%s: /dev/hwrng gave zeros" % name)
        if sums[0] == sums[1]:
            raise lx.Failure("%s: two reads of /dev/hwrng are equal" % name)
        c.poweroff()
        return current.strip()

    return lx.run(lx.machine(emulator, smp, extra=extra), name, body)


def hvc(emulator, name, smp, tmp):
    path = os.path.join(tmp, "hvc-%s.sock" % name)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)
    extra = ["-chardev", "socket,id=hvc0,path=%s" % path,
             "-device", "virtio-serial-device",
             "-device", "virtconsole,chardev=hvc0"]
    conn = []

    def body(c):
        listener.settimeout(lx.bx.TIMEOUT)
        try:
            sock, _ = listener.accept()
        except socket.timeout:
            raise lx.Failure("%s: never connected to the virtconsole socket"
                             % name)
        conn.append(sock)
        hvc = lx.SocketConsole(sock, name + " hvc0")
        c.check("ls /dev/hvc0")
        # In a subshell: no job of the console's shell, no "Done" later.
        c.check("(setsid sh -c 'export PS1=\"hvc# \"; "
                "exec sh -i </dev/hvc0 >/dev/hvc0 2>&1' &)")
        hvc.expect("hvc# ")
        hvc.send("echo \"$((6 * 7)) on hvc0 of $(uname -n)\"\n")
        hvc.expect(re.compile(r"\n42 on hvc0 of tessera-guest\r?\n"))
        hvc.expect("hvc# ")
        # The first console is still there.
        out = c.check("echo ttyS0 still here")
        if out.strip() != "ttyS0 still here":
            raise lx.Failure("%s: ttyS0 answered %r" % (name, out))
        c.poweroff()
        return "ok"

    try:
        return lx.run(lx.machine(emulator, smp, extra=extra), name, body)
    finally:
        for s in conn:
            s.close()
        listener.close()


def main():
    tests = {"hwrng": hwrng, "hvc": hvc}
    if len(sys.argv) < 3 or sys.argv[1] not in tests:
        lx.fail("usage: devices.py hwrng|hvc NCPUS [qemu]")
    what, smp = sys.argv[1], int(sys.argv[2])
    emulators = [("tessera", lx.bx.tessera())]
    if len(sys.argv) > 3 and sys.argv[3] == "qemu":
        emulators.append(("qemu", lx.bx.qemu()))
    tmp = tempfile.mkdtemp(prefix="tessera-linux-dev-")
    try:
        for name, emu in emulators:
            tests[what](emu, name, smp, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("PASS Linux %s -smp %d on %s" % (what, smp,
                                           " and ".join(n for n, _ in emulators)))


lx.main(main)
