#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Linux on disks that live on NBD servers: the test ext4 image (see
disk.py) is served twice, as a qcow2 by tessera-nbd and as a raw file by
Debian's qemu-nbd, each on a UNIX socket; Tessera opens both as
`-drive file=nbd+unix:///EXPORT?socket=PATH` (the block library's NBD
client). The guest mounts /dev/vda and /dev/vdb, reads the file the host
put there, writes a text file and 256 KiB of random bytes on each,
`sync`, `poweroff`. Then the servers stop and the host checks each image
(qemu-img check for the qcow2, e2fsck, debugfs: exact content and the
sha256 the guest printed). Finally `tessera-img convert` of an export
equals the image it serves.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

import linuxexpect as lx

SEQ = 5000
TEXT = "".join("%d\n" % i for i in range(1, SEQ + 1))


host = lx.host
tool = lx.tool

class Server:
    def __init__(self, argv, pidfile):
        # The daemon keeps what it inherits open: no pipes to wait on.
        log = pidfile + ".log"
        with open(log, "w") as f:
            r = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=f,
                               stderr=f)
        if r.returncode:
            raise lx.Failure("%s exited with %d: %s"
                             % (" ".join(argv), r.returncode,
                                open(log).read()[-2000:]))
        self.pid = int(open(pidfile).read())

    def stop(self):
        if self.pid:
            os.kill(self.pid, 15)
            while True:  # until it has let go of the image
                try:
                    os.kill(self.pid, 0)
                except ProcessLookupError:
                    break
            self.pid = 0


def verify(name, path, fmt, tmp, digest):
    lx.verify_ext4(name, path, fmt, tmp, TEXT, digest)


def main():
    tessera = lx.bx.tessera()
    bindir = os.path.dirname(tessera)
    img = os.path.join(bindir, "tessera-img")
    nbd = os.path.join(bindir, "tessera-nbd")
    qemu_nbd = tool("qemu-nbd", "qemu-utils")
    tmp = tempfile.mkdtemp(prefix="tessera-linux-nbd-")
    servers = []
    try:
        raw = os.path.join(tmp, "q.raw")
        shutil.copyfile(lx.image("rootfs.ext4"), raw)
        qcow2 = os.path.join(tmp, "t.qcow2")
        host([img, "convert", "-f", "raw", "-O", "qcow2", raw, qcow2])
        ts, qs = os.path.join(tmp, "t.sock"), os.path.join(tmp, "q.sock")
        servers.append(Server([nbd, "--fork", "-t", "-f", "qcow2", "-x",
                               "tdisk", "-k", ts, "--pid-file",
                               os.path.join(tmp, "t.pid"), qcow2],
                              os.path.join(tmp, "t.pid")))
        servers.append(Server([qemu_nbd, "--fork", "-t", "-f", "raw", "-x",
                               "qdisk", "-k", qs, "--pid-file",
                               os.path.join(tmp, "q.pid"), raw],
                              os.path.join(tmp, "q.pid")))
        drives = ["-drive", "file=nbd+unix:///tdisk?socket=%s,format=raw,"
                  "if=none,id=d0" % ts,
                  "-device", "virtio-blk-device,drive=d0",
                  "-drive", "file=nbd+unix:///qdisk?socket=%s,if=none,id=d1"
                  % qs,
                  "-device", "virtio-blk-device,drive=d1"]

        def body(c):
            digests = []
            for dev in ("vda", "vdb"):
                c.check("mount /dev/%s /mnt" % dev)
                index = c.check("cat /mnt/var/www/index.html")
                if index.strip() != "Tessera guest":
                    raise lx.Failure("/dev/%s: index.html: %r" % (dev, index))
                c.check("seq 1 %d > /mnt/seq.txt" % SEQ)
                c.check("dd if=/dev/urandom of=/mnt/random.bin bs=1024 "
                        "count=256")
                out = c.check("sha256sum /mnt/random.bin")
                m = re.match(r"([0-9a-f]{64})\s", out)
                if not m:
                    raise lx.Failure("sha256sum printed %r" % out)
                digests.append(m.group(1))
                c.check("umount /mnt")
            c.check("sync")
            c.poweroff()
            return digests

        digests = lx.run(lx.machine(tessera, 1, extra=drives), "tessera",
                         body)
        # tessera-img reads an export as the file it serves.
        out = os.path.join(tmp, "conv.raw")
        host([img, "convert", "-O", "raw",
              "nbd+unix:///qdisk?socket=%s" % qs, out])
        host(["cmp", out, raw])
        os.unlink(out)
        for s in servers:
            s.stop()
        verify("tessera-nbd (qcow2)", qcow2, "qcow2", tmp, digests[0])
        verify("qemu-nbd (raw)", raw, "raw", tmp, digests[1])
    finally:
        for s in servers:
            try:
                s.stop()
            except OSError:
                pass
        shutil.rmtree(tmp, ignore_errors=True)
    print("PASS Linux on NBD disks (tessera-nbd qcow2, qemu-nbd raw): mount, "
          "write, sync, poweroff; images clean with the exact content; "
          "tessera-img convert nbd+unix:// equals the served image")


lx.main(main)
