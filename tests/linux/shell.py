#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Linux (tests/linux/tiny.config) with the BusyBox initramfs boots to the
shell prompt on Tessera, answers commands typed at the console, and
`poweroff` ends Tessera with status 0. The same kernel and initramfs on
qemu-system-riscv64 is the oracle: the same prompt, the same `uname -a`,
hart count and online CPUs. /proc/cpuinfo's isa/mmu/vendor lines differ
by design (each CPU model lists what it implements) and are not compared.

usage: shell.py NCPUS [qemu]    (without "qemu": Tessera only)
"""
import sys

import linuxexpect as lx

COMMANDS = [
    "uname -a",
    "grep -c ^processor /proc/cpuinfo",
    "cat /sys/devices/system/cpu/online",
    "echo $((6 * 7)) | sha256sum",
    "ls /dev/console /dev/null /dev/ttyS0",
    "cat /proc/cmdline",
]


def session(emulator, name, smp):
    def body(c):
        answers = [c.check(cmd) for cmd in COMMANDS]
        c.poweroff()
        return c.ncpus, answers, c.prompt_time
    return lx.run(lx.machine(emulator, smp), name, body)


def main():
    if len(sys.argv) < 2:
        lx.fail("usage: shell.py NCPUS [qemu]")
    smp = int(sys.argv[1])
    oracle = len(sys.argv) > 2 and sys.argv[2] == "qemu"
    what = "Linux shell -smp %d" % smp
    tessera = lx.bx.tessera()
    ncpus, t_ans, t_time = session(tessera, "tessera", smp)
    errors = []
    if ncpus != smp:
        errors.append("init saw %d CPUs" % ncpus)
    if t_ans[1].strip() != str(smp):
        errors.append("/proc/cpuinfo lists %s harts" % t_ans[1].strip())
    online = "0" if smp == 1 else "0-%d" % (smp - 1)
    if t_ans[2].strip() != online:
        errors.append("online CPUs %r, not %r" % (t_ans[2].strip(), online))
    if not t_ans[0].startswith("Linux tessera-guest 6.1."):
        errors.append("uname -a: %r" % t_ans[0])
    # sha256 of "42\n"
    if not t_ans[3].startswith("084c799cd551dd1d8d5c5f9a5d593b2e931f5e36"
                               "122ee5c793c1d08a19839cc0"):
        errors.append("sha256sum: %r" % t_ans[3])
    q_time = None
    if oracle:
        q_ncpus, q_ans, q_time = session(lx.bx.qemu(), "qemu", smp)
        if q_ncpus != ncpus:
            errors.append("init saw %d CPUs on QEMU, %d on Tessera"
                          % (q_ncpus, ncpus))
        for cmd, t, q in zip(COMMANDS, t_ans, q_ans):
            if t != q:
                errors.append("%r: Tessera %r, QEMU %r" % (cmd, t, q))
    for e in errors:
        print("FAIL %s: %s" % (what, e))
    if errors:
        sys.exit(1)
    print("PASS %s: prompt after %.2f s%s; %d commands answer%s; "
          "poweroff exits with 0"
          % (what, t_time,
             " (QEMU %.2f s)" % q_time if q_time is not None else "",
             len(COMMANDS), " as on QEMU" if oracle else ""))


lx.main(main)
