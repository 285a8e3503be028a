#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Time from start to OpenSBI's banner and to U-Boot's "=>" prompt, for
Tessera and qemu-system-riscv64 side by side (median of N runs, wall
clock, measured from process start to the first byte of the string).

usage: boot-time.py [RUNS]     (make bench-boot)
"""
import os
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "tests", "boot"))
import bootexpect as bx  # noqa: E402


def measure(argv, marks, autoboot):
    c = bx.Console(argv)
    times = []
    try:
        for m in marks:
            if autoboot and m == "=> ":
                # The prompt a user gets: stop autoboot at its countdown.
                c.expect("Hit any key to stop autoboot")
                c.send("\n")
            c.expect(m)
            times.append(c.elapsed())
    finally:
        c.close()
    return times


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    tessera, qemu = bx.tessera(), bx.qemu()
    sbi, uboot = bx.need_file(bx.OPENSBI), bx.need_file(bx.UBOOT_S)
    cases = [
        ("OpenSBI banner", ["-bios", sbi], ["OpenSBI v"], False),
        ("U-Boot prompt (S-mode)", ["-bios", sbi, "-kernel", uboot],
         ["=> "], True),
        ("U-Boot prompt (S-mode, -smp 4)",
         ["-smp", "4", "-bios", sbi, "-kernel", uboot], ["=> "], True),
    ]
    print("%-32s %12s %12s" % ("median of %d runs" % runs, "tessera", "qemu"))
    for name, opts, marks, autoboot in cases:
        row = []
        for emu in (tessera, qemu):
            argv = [emu, "-M", "virt", "-nographic"] + opts
            t = [measure(argv, marks, autoboot)[-1] for _ in range(runs)]
            row.append(statistics.median(t) * 1000)
        print("%-32s %9.0f ms %9.0f ms" % (name, row[0], row[1]))


try:
    main()
except bx.Failure as e:
    bx.fail(str(e))
