#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""U-Boot's own virtio drivers (Debian's u-boot-qemu, S-mode after
OpenSBI) on Tessera's virtio-blk-device and virtio-rng-device, compared
with qemu-system-riscv64 given the same devices (modern virtio-mmio:
-global virtio-mmio.force-legacy=false). U-Boot scans the slots, lists
the disk, reads sectors, writes one sector and reads it back, reads past
the end; the two emulators must answer alike and leave identical images.
(This U-Boot has no rng command; the rng device only has to coexist.)

usage: uboot-virtio.py
"""
import os
import shutil
import sys
import tempfile

import bootexpect as bx

COMMANDS = [
    "virtio scan",
    "virtio info",
    "virtio device 0",
    "virtio read 0x84000000 0 0x80",
    "md.b 0x84000000 0x10",
    "md.b 0x8400fdf8 0x10",
    "mw.b 0x85000000 0xa5 0x200; virtio write 0x85000000 0x42 1",
    "virtio read 0x86000000 0x40 4",
    "md.b 0x860003f8 0x10",
    "virtio read 0x86000000 0x7ff 2",
]


def session(argv, name):
    c = bx.Console(argv, name)
    try:
        c.expect("Hit any key to stop autoboot")
        c.send("\n")
        c.expect("=> ")
        answers = [c.command(cmd) for cmd in COMMANDS]
        c.send("poweroff\n")
        c.proc.wait(timeout=bx.TIMEOUT)
    finally:
        c.close()
    return answers


def main():
    tessera, qemu = bx.tessera(), bx.qemu()
    work = tempfile.mkdtemp(prefix="tessera-uboot-virtio-")
    base = os.path.join(work, "disk.raw")
    with open(base, "wb") as f:
        for n in range(2048):
            f.write(bytes([(n * 13) & 0xff]) * 512)
    boot = ["-bios", bx.need_file(bx.OPENSBI),
            "-kernel", bx.need_file(bx.UBOOT_S)]
    results = {}
    for who, exe in (("tessera", tessera), ("qemu", qemu)):
        img = os.path.join(work, who + ".raw")
        shutil.copy(base, img)
        opts = ["-M", "virt", "-nographic"] + boot + [
            "-drive", "if=none,id=hd0,format=raw,file=" + img,
            "-device", "virtio-blk-device,drive=hd0",
            "-device", "virtio-rng-device"]
        if who == "qemu":
            opts += ["-global", "virtio-mmio.force-legacy=false"]
        try:
            results[who] = session([exe] + opts, who)
        except bx.Failure as e:
            bx.fail("U-Boot virtio on %s: %s" % (who, e))
    errors = 0
    for cmd, t, q in zip(COMMANDS, results["tessera"], results["qemu"]):
        if t.strip() != q.strip():
            print("FAIL '%s' differs:\n  qemu:    %r\n  tessera: %r" % (cmd, q, t))
            errors += 1
    if "Device 0" not in results["tessera"][2] or \
            "a5 a5 a5 a5 a5 a5 a5 a5" not in results["tessera"][8]:
        print("FAIL: U-Boot found no virtio disk on tessera, or its write "
              "did not read back: %r" % results["tessera"])
        errors += 1
    a = open(os.path.join(work, "tessera.raw"), "rb").read()
    b = open(os.path.join(work, "qemu.raw"), "rb").read()
    if a != b:
        print("FAIL: the images differ after U-Boot's write")
        errors += 1
    elif a[0x42 * 512:0x43 * 512] != b"\xa5" * 512:
        print("FAIL: U-Boot's write did not reach sector 0x42")
        errors += 1
    if errors:
        print("(work files kept in %s)" % work)
        sys.exit(1)
    shutil.rmtree(work)
    print("PASS U-Boot's virtio-blk driver: %s answer as on QEMU"
          % ", ".join("'%s'" % c for c in COMMANDS))


main()
