#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Linux boot time on the virt board: Tessera (native code and the IR
interpreter) against qemu-system-riscv64, the same kernel, initramfs,
firmware and options. Each run is timed from process start (wall clock)
to three marks on the console:

  init    the kernel's "Run /init as init process" (kernel boot done)
  prompt  the BusyBox shell prompt (init has mounted things and started sh)
  off     the process has exited after `poweroff -f` typed at the prompt

and the CPU time (user + system, all threads) the emulator process used
from start to exit, which a loaded machine disturbs much less than the
wall clock.

The emulators run alternately (tessera, interp, qemu, tessera, ...) so
that load changes on the machine hit all of them; min and median of RUNS.

usage: linux-boot.py [-n RUNS] [-k tiny,defconfig] [-s 1,4] [-e LIST]
  LIST: comma-separated of tessera, interp, qemu (default all three)
Run by `make bench-linux` (LINUX_BENCH_RUNS, LINUX_BENCH_KERNELS).
"""
import argparse
import os
import resource
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "tests", "linux"))
import linuxexpect as lx  # noqa: E402

MARKS = ("init", "prompt", "off", "CPU to off")


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def one_run(argv):
    cpu0 = children_cpu()
    c = lx.Linux(argv, os.path.basename(argv[0]))
    try:
        c.expect("Run /init as init process")
        t_init = c.elapsed()
        c.expect(lx.INIT_LINE)
        c.prompt()
        t_prompt = c.elapsed()
        c.poweroff("poweroff -f")
        t_off = c.elapsed()
    finally:
        c.close()
    return t_init, t_prompt, t_off, children_cpu() - cpu0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", type=int, default=5, help="runs of each (5)")
    ap.add_argument("-k", default="tiny", help="kernels: tiny,defconfig")
    ap.add_argument("-s", default="1,4", help="-smp values (1,4)")
    ap.add_argument("-e", default="tessera,interp,qemu", help="emulators")
    a = ap.parse_args()
    emus = {"tessera": [lx.bx.tessera()],
            "interp": [lx.bx.tessera(), "-accel", "interp"],
            "qemu": [lx.bx.qemu()]}
    chosen = a.e.split(",")
    for e in chosen:
        if e not in emus:
            lx.fail("unknown emulator %r (tessera, interp, qemu)" % e)
    print("Linux boot, wall time from start; min / median of %d runs, "
          "alternating" % a.n)
    for kind in a.k.split(","):
        for smp in [int(s) for s in a.s.split(",")]:
            times = {e: [] for e in chosen}
            for _ in range(a.n):
                for e in chosen:
                    base = lx.machine(emus[e][0], smp, kind=kind)
                    argv = base[:1] + emus[e][1:] + base[1:]
                    times[e].append(one_run(argv))
            print("\nkernel %s (%s), -smp %d" % (kind, lx.kernel(kind), smp))
            print("%-10s" % "" + "".join("%22s" % m for m in MARKS))
            for e in chosen:
                row = "%-10s" % e
                for i in range(len(MARKS)):
                    v = [t[i] * 1000 for t in times[e]]
                    row += "%22s" % ("%.0f / %.0f ms"
                                     % (min(v), statistics.median(v)))
                print(row)
            if "qemu" in chosen:
                def med(e, i):
                    return statistics.median(t[i] for t in times[e])
                for e in chosen:
                    if e != "qemu":
                        print("%s to power-off: %.2f of QEMU's time, %.2f of "
                              "its CPU time (medians)"
                              % (e, med(e, 2) / med("qemu", 2),
                                 med(e, 3) / med("qemu", 3)))
            sys.stdout.flush()


lx.main(main)
