#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""-drive discard=unmap and discard=ignore on virtio-blk, seen from the host.

Two 4 MiB qcow2 disks (64 KiB clusters) full of 0x55 bytes, made by
qemu-io: /dev/vda with discard=unmap, /dev/vdb with discard=ignore (the
default, said explicitly). A third disk, /dev/vdc, is a qcow2 copy of the
tests' ext4 image with discard=unmap. The guest runs BusyBox's
`blkdiscard -o 1M -l 2M` on vda and vdb; on vdc it mounts the file
system, writes a 2 MiB file, syncs, removes it and runs `fstrim`.

Afterwards qemu-img check is clean for all three; qemu-img map shows
1M..3M of vda as unallocated (no data, reads as zeroes, 0x55 around it),
while vdb still holds 4 MiB of data reading 0x55; vdc's allocated data
is less than 1 MiB above what it was before the session (without the
trim the removed file's 2 MiB would stay allocated), and e2fsck finds
nothing to fix.
"""
import json
import os
import shutil
import subprocess
import tempfile

import linuxexpect as lx

MiB = 1 << 20


host = lx.host


def qmap(path):
    return json.loads(host(["qemu-img", "map", "--output=json", "-f",
                            "qcow2", path]))


def data_bytes(path, lo=0, hi=1 << 62):
    """Bytes of [lo,hi) that qemu-img map shows as data."""
    n = 0
    for e in qmap(path):
        s, t = max(lo, e["start"]), min(hi, e["start"] + e["length"])
        if s < t and e["data"]:
            n += t - s
    return n


def main():
    for t in ("qemu-img", "qemu-io", "e2fsck"):
        if not shutil.which(t):
            lx.fail("%s not found: apt-get install qemu-utils e2fsprogs" % t)
    tessera = lx.bx.tessera()
    tmp = tempfile.mkdtemp(prefix="tessera-linux-discard-", dir="/var/tmp")
    try:
        a, b, fs = (os.path.join(tmp, n) for n in ("a.qcow2", "b.qcow2",
                                                  "fs.qcow2"))
        for p in (a, b):
            host(["qemu-img", "create", "-q", "-f", "qcow2", "-o",
                  "cluster_size=65536", p, "4M"])
            host(["qemu-io", "-f", "qcow2", "-c", "write -P 0x55 0 4M", p])
        host(["qemu-img", "convert", "-f", "raw", "-O", "qcow2", "-o",
              "cluster_size=65536", lx.image("rootfs.ext4"), fs])
        fs_before = data_bytes(fs)
        drives = ["-drive", "file=%s,format=qcow2,if=none,id=d0,"
                  "discard=unmap" % a,
                  "-device", "virtio-blk-device,drive=d0",
                  "-drive", "file=%s,format=qcow2,if=none,id=d1,"
                  "discard=ignore" % b,
                  "-device", "virtio-blk-device,drive=d1",
                  "-drive", "file=%s,format=qcow2,if=none,id=d2,"
                  "discard=unmap" % fs,
                  "-device", "virtio-blk-device,drive=d2"]

        def body(c):
            for dev in ("vda", "vdb", "vdc"):
                dmax = c.check("cat /sys/block/%s/queue/discard_max_bytes"
                               % dev).strip()
                if dmax == "0":
                    raise lx.Failure("/dev/%s: the guest sees no discard "
                                     "support" % dev)
            for dev in ("vda", "vdb"):
                c.check("blkdiscard -o 1048576 -l 2097152 /dev/%s" % dev)
            c.check("mount /dev/vdc /mnt")
            c.check("dd if=/dev/urandom of=/mnt/big bs=65536 count=32")
            c.check("sync")
            c.check("rm /mnt/big")
            c.check("sync")
            c.check("fstrim /mnt")
            c.check("umount /mnt")
            c.check("sync")
            c.poweroff()

        lx.run(lx.machine(tessera, 1, extra=drives), "tessera", body)
        for p in (a, b, fs):
            host(["qemu-img", "check", "-f", "qcow2", p])
        host(["qemu-io", "-f", "qcow2", "-c", "read -P 0x55 0 1M",
              "-c", "read -P 0 1M 2M", "-c", "read -P 0x55 3M 1M", a])
        host(["qemu-io", "-f", "qcow2", "-c", "read -P 0x55 0 4M", b])
        da = data_bytes(a, MiB, 3 * MiB)
        if da:
            raise lx.Failure("discard=unmap: %d bytes of 1M..3M of %s are "
                             "still allocated after blkdiscard:\n%s"
                             % (da, a, json.dumps(qmap(a))))
        if data_bytes(a) != 2 * MiB:
            raise lx.Failure("discard=unmap: %s holds %d bytes of data, "
                             "not 2 MiB" % (a, data_bytes(a)))
        db = data_bytes(b)
        if db != 4 * MiB:
            raise lx.Failure("discard=ignore: %s holds %d bytes of data "
                             "after blkdiscard, not 4 MiB" % (b, db))
        fs_after = data_bytes(fs)
        if fs_after >= fs_before + MiB:
            raise lx.Failure("fstrim: %s grew from %d to %d bytes of data "
                             "(the removed 2 MiB file was not discarded)"
                             % (fs, fs_before, fs_after))
        raw = os.path.join(tmp, "fs.raw")
        host(["qemu-img", "convert", "-f", "qcow2", "-O", "raw", fs, raw])
        host(["e2fsck", "-fy", raw])
        r = subprocess.run(["e2fsck", "-fn", raw], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
        if r.returncode:
            raise lx.Failure("e2fsck after fstrim:\n%s"
                             % r.stdout.decode(errors="replace"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("PASS -drive discard=unmap (blkdiscard deallocates 1M..3M; fstrim "
          "after rm keeps the file system image at %d+%d bytes of data), "
          "discard=ignore (4 MiB stay allocated); qemu-img check clean"
          % (fs_before, fs_after - fs_before))


lx.main(main)
