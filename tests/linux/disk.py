#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A person's disk session on Linux, then the host checks the image:
boot the BusyBox initramfs with the test ext4 image (tests/linux/build.sh,
made with mkfs.ext4 -d) as a virtio-blk-device, `mount /dev/vda /mnt`, read a
file the host put there, write a text file and 256 KiB of random bytes,
`sync`, `poweroff`. Tessera must exit with 0; then the host (converting a
qcow2 to raw with qemu-img, after `qemu-img check`) replays the journal with
e2fsck, which must find the file system clean, and debugfs must show the
text file's exact content and the random file's sha256 as the guest printed
it.

usage: disk.py raw|qcow2-tessera|qcow2-qemu NCPUS [qemu]
  raw            the image as is
  qcow2-tessera  converted with tessera-img convert -O qcow2
  qcow2-qemu     converted with qemu-img convert -O qcow2
  qemu           also run the same session on qemu-system-riscv64
"""
import os
import re
import shutil
import sys
import tempfile

import linuxexpect as lx

# The text the guest writes: seq 1 N, which the host can compute.
SEQ = 20000
TEXT = "".join("%d\n" % i for i in range(1, SEQ + 1))


host = lx.host
tool = lx.tool

def make_image(kind, tmp):
    raw = os.path.join(tmp, "disk.raw")
    shutil.copyfile(lx.image("rootfs.ext4"), raw)
    if kind == "raw":
        return raw, "raw"
    qcow2 = os.path.join(tmp, "disk.qcow2")
    if kind == "qcow2-tessera":
        img = os.path.join(os.path.dirname(lx.bx.tessera()), "tessera-img")
        host([img, "convert", "-f", "raw", "-O", "qcow2", raw, qcow2])
    else:
        host([tool("qemu-img", "qemu-utils"), "convert", "-f", "raw", "-O",
              "qcow2", raw, qcow2])
    os.unlink(raw)
    return qcow2, "qcow2"


def session(emulator, name, smp, path, fmt):
    # virtio-mmio on both (QEMU's if=virtio on virt is virtio-blk-pci).
    drive = ["-drive", "file=%s,format=%s,if=none,id=d0" % (path, fmt),
             "-device", "virtio-blk-device,drive=d0"]

    def body(c):
        c.check("mount /dev/vda /mnt")
        mounts = c.check("grep ' /mnt ' /proc/mounts")
        if "ext4" not in mounts or "rw" not in mounts:
            raise lx.Failure("%s: /dev/vda on /mnt: %r" % (name, mounts))
        # A file the host wrote with mkfs.ext4 -d.
        index = c.check("cat /mnt/var/www/index.html")
        if index.strip() != "Tessera guest":
            raise lx.Failure("%s: /mnt/var/www/index.html: %r" % (name, index))
        c.check("seq 1 %d > /mnt/seq.txt" % SEQ)
        c.check("dd if=/dev/urandom of=/mnt/random.bin bs=1024 count=256")
        out = c.check("sha256sum /mnt/random.bin")
        m = re.match(r"([0-9a-f]{64})\s", out)
        if not m:
            raise lx.Failure("%s: sha256sum printed %r" % (name, out))
        c.check("sync")
        c.poweroff()
        return m.group(1)

    return lx.run(lx.machine(emulator, smp, extra=drive),
                  name, body)


def verify(name, path, fmt, tmp, digest):
    lx.verify_ext4(name, path, fmt, tmp, TEXT, digest)


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("raw", "qcow2-tessera",
                                                "qcow2-qemu"):
        lx.fail("usage: disk.py raw|qcow2-tessera|qcow2-qemu NCPUS [qemu]")
    kind, smp = sys.argv[1], int(sys.argv[2])
    emulators = [("tessera", lx.bx.tessera())]
    if len(sys.argv) > 3 and sys.argv[3] == "qemu":
        emulators.append(("qemu", lx.bx.qemu()))
    tmp = tempfile.mkdtemp(prefix="tessera-linux-disk-")
    try:
        for name, emu in emulators:
            path, fmt = make_image(kind, tmp)
            digest = session(emu, name, smp, path, fmt)
            verify(name, path, fmt, tmp, digest)
            os.unlink(path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("PASS Linux disk %s -smp %d on %s: mount, write, sync, poweroff; "
          "e2fsck clean, debugfs finds the exact content"
          % (kind, smp, " and ".join(n for n, _ in emulators)))


lx.main(main)
