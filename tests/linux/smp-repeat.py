#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Boots Linux with -smp N to the BusyBox prompt again and again: every
boot must see N CPUs, answer a command and power off with status 0. A hang
anywhere (the SMP IPI hang of issue 13 hung ~20% of -smp 4 boots) fails
the run at the timeout guard, with the console's last lines.

usage: smp-repeat.py BOOTS [NCPUS]   (make check: 5 boots; make
linux-smp-stress: 100)
"""
import sys
import time

import linuxexpect as lx


def main():
    boots = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    smp = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    tessera = lx.bx.tessera()
    times = []
    t0 = time.monotonic()
    for i in range(boots):
        def body(c):
            if c.ncpus != smp:
                raise lx.Failure("boot %d: init saw %d CPUs" % (i + 1, c.ncpus))
            online = c.check("cat /sys/devices/system/cpu/online").strip()
            if online != "0-%d" % (smp - 1):
                raise lx.Failure("boot %d: online CPUs %r" % (i + 1, online))
            c.poweroff("sync; poweroff -f")
            return c.prompt_time
        try:
            times.append(lx.run(lx.machine(tessera, smp), "tessera", body))
        except lx.Failure as e:
            lx.fail("-smp %d boot %d of %d: %s" % (smp, i + 1, boots, e))
        if boots > 10 and (i + 1) % 10 == 0:
            print("%d boots, no hang (%.0f s)" % (i + 1, time.monotonic() - t0),
                  flush=True)
    times.sort()
    print("PASS %d boots of -smp %d to the prompt and power-off, no hang "
          "(prompt after %.2f s min, %.2f s median, %.2f s max)"
          % (boots, smp, times[0], times[len(times) // 2], times[-1]))


lx.main(main)
