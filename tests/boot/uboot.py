#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""U-Boot from Debian's u-boot-qemu on the virt board, driven through its
console: S-mode U-Boot as -kernel after OpenSBI, or M-mode U-Boot as -bios.
It must reach the "=>" prompt, and `version`, `bdinfo` and
`fdt addr $fdtcontroladdr; fdt print /cpus` must answer as on
qemu-system-riscv64 with the same options; then `reset` must reboot the
machine to the prompt again and `poweroff` end it with status 0 (the
syscon nodes of the test device). Documented differences from QEMU:

  - riscv,isa / "CPU:": QEMU's CPU also has H in its ISA string;
    Tessera's string lists what its model implements (the rest of QEMU
    7.2's: Zicsr, Zifencei, Zihintpause, Zba, Zbb, Zbc, Zbs, Sstc).
  - QEMU's virt board has a CFI flash, fw-cfg, PCIe and a PMU node, which
    Tessera's does not: U-Boot's device count, "Flash:", flashstart and
    flashsize differ, and the smaller device tree moves fdt_blob, new_fdt,
    fdt_size and the lmb regions U-Boot reserves around it by a few KiB.
    These lines are left out of the comparison.

usage: uboot.py smode|mmode NCPUS
"""
import re
import sys

import bootexpect as bx

COMMANDS = ["version", "bdinfo", "fdt addr $fdtcontroladdr; fdt print /cpus"]

# Lines (regexes) whose values differ for the reasons in the docstring.
DIFFERENT = [
    r"^CPU: ", r"^Core: ", r"^Flash: ", r"^Working FDT set to ",
    r"^flashstart\s", r"^flashsize\s", r"^fdt_blob\s", r"^new_fdt\s",
    r"^fdt_size\s", r"^\s*reserved\[\d\]", r"^\s*riscv,isa = ",
]


def normalize(text):
    out = []
    for line in text.replace("\r", "").split("\n"):
        if any(re.search(rx, line) for rx in DIFFERENT):
            continue
        out.append(line.rstrip())
    return "\n".join(out).strip("\n")


def session(argv, name, reboot=False):
    c = bx.Console(argv, name)
    try:
        c.expect("U-Boot 20")
        head_start = c.pos
        # Stop autoboot so the prompt comes at once, as a user would.
        c.expect("Hit any key to stop autoboot")
        head = c.text(head_start, c.pos)
        c.send("\n")
        c.expect("=> ")
        ready = c.elapsed()
        answers = [c.command(cmd) for cmd in COMMANDS]
        if reboot:
            # syscon-reboot, then syscon-poweroff, through the test device.
            c.send("reset\n")
            c.expect("U-Boot 20")
            c.expect("Hit any key to stop autoboot")
            c.send("\n")
            c.expect("=> ")
            c.send("poweroff\n")
            status = c.proc.wait(timeout=bx.TIMEOUT)
            if status != 0:
                raise bx.Failure("%s: exit status %d after poweroff"
                                 % (name, status))
    finally:
        c.close()
    return head, answers, ready


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("smode", "mmode"):
        bx.fail("usage: uboot.py smode|mmode NCPUS")
    mode, smp = sys.argv[1], sys.argv[2]
    tessera, qemu = bx.tessera(), bx.qemu()
    if mode == "smode":
        boot = ["-bios", bx.need_file(bx.OPENSBI),
                "-kernel", bx.need_file(bx.UBOOT_S)]
    else:
        boot = ["-bios", bx.need_file(bx.UBOOT_M)]
    opts = ["-M", "virt", "-nographic", "-smp", smp] + boot
    what = "U-Boot %s -smp %s" % (mode, smp)
    try:
        t_head, t_ans, t_time = session([tessera] + opts, "tessera", True)
        q_head, q_ans, q_time = session([qemu] + opts, "qemu")
    except bx.Failure as e:
        bx.fail("%s: %s" % (what, e))
    errors = 0
    for name, t, q in [("banner", t_head, q_head)] + \
            list(zip(COMMANDS, t_ans, q_ans)):
        nt, nq = normalize(t), normalize(q)
        if nt != nq:
            import difflib
            print("FAIL %s: '%s' differs from QEMU:" % (what, name))
            for line in difflib.unified_diff(nq.split("\n"), nt.split("\n"),
                                             "qemu", "tessera", lineterm=""):
                print("  " + line)
            errors += 1
        elif not nt:
            print("FAIL %s: '%s' printed nothing" % (what, name))
            errors += 1
    cpus = re.findall(r"cpu@(\d+) \{", t_ans[2])
    if cpus != [str(i) for i in range(int(smp))]:
        print("FAIL %s: /cpus lists %s" % (what, cpus))
        errors += 1
    if errors:
        sys.exit(1)
    print("PASS %s: prompt after %.2f s (QEMU %.2f s); %s answer as on "
          "QEMU; reset and poweroff work"
          % (what, t_time, q_time, ", ".join("'%s'" % c for c in COMMANDS)))


main()
