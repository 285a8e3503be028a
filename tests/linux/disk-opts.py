#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""-drive cache= and detect-zeroes= seen from the host. Two 4 MiB qcow2
disks (64 KiB clusters) full of 0x55 bytes, made by qemu-io: /dev/vda
with cache=none,detect-zeroes=unmap, /dev/vdb with the defaults. While
the guest runs, /proc/PID/fdinfo must show a descriptor of vda's image
opened with O_DIRECT and none of vdb's. The guest writes 2 MiB of zeroes
at 1 MiB on both disks with dd, sync, poweroff. Then qemu-img check is
clean for both, both read 0x55/zeroes/0x55, and qemu-img map shows
1M..3M as zero clusters without data on vda (detect-zeroes) but as data
on vdb.
"""
import json
import os
import shutil
import tempfile

import linuxexpect as lx

O_DIRECT = 0o40000
MiB = 1 << 20


host = lx.host


def fd_flags(pid, path):
    """Flags of pid's descriptors open on path."""
    out = []
    d = "/proc/%d/fd" % pid
    for fd in os.listdir(d):
        try:
            if os.readlink(os.path.join(d, fd)) != path:
                continue
            info = open("/proc/%d/fdinfo/%s" % (pid, fd)).read()
        except OSError:
            continue
        for line in info.splitlines():
            if line.startswith("flags:"):
                out.append(int(line.split()[1], 8))
    return out


def zero_bytes(path, lo, hi):
    """Bytes of [lo,hi) that qemu-img map shows as zero without data."""
    m = json.loads(host(["qemu-img", "map", "--output=json", "-f", "qcow2",
                         path]))
    n = 0
    for e in m:
        s, t = max(lo, e["start"]), min(hi, e["start"] + e["length"])
        if s < t and e["zero"] and not e["data"]:
            n += t - s
    return n


def main():
    if not shutil.which("qemu-img") or not shutil.which("qemu-io"):
        lx.fail("qemu-img/qemu-io not found: apt-get install qemu-utils")
    tessera = lx.bx.tessera()
    tmp = tempfile.mkdtemp(prefix="tessera-linux-dopts-", dir="/var/tmp")
    try:
        a, b = os.path.join(tmp, "a.qcow2"), os.path.join(tmp, "b.qcow2")
        for p in (a, b):
            host(["qemu-img", "create", "-q", "-f", "qcow2", "-o",
                  "cluster_size=65536", p, "4M"])
            host(["qemu-io", "-f", "qcow2", "-c", "write -P 0x55 0 4M", p])
        drives = ["-drive", "file=%s,format=qcow2,if=none,id=d0,cache=none,"
                  "detect-zeroes=unmap" % a,
                  "-device", "virtio-blk-device,drive=d0",
                  "-drive", "file=%s,format=qcow2,if=none,id=d1" % b,
                  "-device", "virtio-blk-device,drive=d1"]

        def body(c):
            fa, fb = fd_flags(c.proc.pid, a), fd_flags(c.proc.pid, b)
            if not any(f & O_DIRECT for f in fa):
                raise lx.Failure("cache=none: no O_DIRECT descriptor of %s "
                                 "(flags %s)" % (a, [oct(f) for f in fa]))
            if any(f & O_DIRECT for f in fb) or not fb:
                raise lx.Failure("default cache: flags of %s are %s"
                                 % (b, [oct(f) for f in fb]))
            for dev in ("vda", "vdb"):
                c.check("dd if=/dev/zero of=/dev/%s bs=65536 count=32 "
                        "seek=16" % dev)
            c.check("sync")
            c.poweroff()

        lx.run(lx.machine(tessera, 1, extra=drives), "tessera", body)
        for p in (a, b):
            host(["qemu-img", "check", "-f", "qcow2", p])
            host(["qemu-io", "-f", "qcow2", "-c", "read -P 0x55 0 1M",
                  "-c", "read -P 0 1M 2M", "-c", "read -P 0x55 3M 1M", p])
        # Linux splits the writeback into requests that do not all cover
        # whole clusters; a partial cluster gets zeroes written into it.
        za, zb = zero_bytes(a, MiB, 3 * MiB), zero_bytes(b, MiB, 3 * MiB)
        if za < MiB:
            raise lx.Failure("detect-zeroes=unmap: only %d bytes of 1M..3M "
                             "of %s are zero clusters without data" % (za, a))
        if zb:
            raise lx.Failure("detect-zeroes=off: %d bytes of 1M..3M of %s "
                             "are zero clusters" % (zb, b))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("PASS -drive cache=none (O_DIRECT descriptor), detect-zeroes=unmap "
          "(guest zeroes left as zero clusters, data with the default); "
          "qemu-img check clean")


lx.main(main)
