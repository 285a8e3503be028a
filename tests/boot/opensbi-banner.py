#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""OpenSBI v1.1 (Debian's fw_dynamic) on the virt board: the banner shows
the platform, HART count, the model's base ISA, the ACLINT timer at 10 MHz
and the uart8250 console, and matches QEMU's line for line except for the
documented differences below. Runs with -bios FILE, with no -bios (the
default firmware) and with -smp 4.

Documented differences from qemu-system-riscv64 (7.2): QEMU's CPU has the
H extension (Base ISA rv64imafdch, extra MIDELEG/MEDELEG bits for
VS-mode) and 16 HPM counters; Tessera's model has neither. On spike,
QEMU's CPU lacks the time CSR and Sstc (ISA Extensions "none").
"""
import re
import sys

import bootexpect as bx

DIFFERENT = ("Boot HART Base ISA", "Boot HART MHPM Count",
             "Boot HART MIDELEG", "Boot HART MEDELEG")
# QEMU's spike CPU has no time CSR or Sstc; Tessera's model is the same CPU
# on both boards.
SPIKE_DIFFERENT = ("Boot HART ISA Extensions",)
# With several harts, QEMU's threads race for OpenSBI's boot-hart lottery,
# so its boot hart varies from run to run; Tessera's is always hart 0
# (checked above).
LOTTERY = ("Boot HART ID", "Domain0 Boot HART")
LAST = "Boot HART MEDELEG"


def banner(argv, name):
    c = bx.Console(argv, name)
    try:
        c.expect("OpenSBI v1.1")
        c.expect(re.compile(LAST + r"\s*:.*\n"))
        text = c.text()
    finally:
        c.close()
    fields = {}
    for line in text.replace("\r", "").splitlines():
        m = re.match(r"^(\S.*?)\s+: (.*)$", line)
        if m:
            fields[m.group(1)] = m.group(2).strip()
    return fields


def model_base_isa(tessera, smp):
    """The base ISA letters of the model, from the device tree it makes."""
    import subprocess
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        dtb = d + "/virt.dtb"
        r = subprocess.run([tessera, "-M", "virt,dumpdtb=" + dtb,
                            "-smp", str(smp), "-bios", bx.OPENSBI],
                           capture_output=True, text=True)
        if r.returncode:
            bx.fail("dumpdtb: " + r.stderr)
        with open(dtb, "rb") as f:
            data = f.read()
    m = re.search(rb"(rv64[a-z]+)(_|\0)", data)
    if not m:
        bx.fail("no riscv,isa in the device tree")
    return m.group(1).decode()


def check(opts, smp, qemu, tessera, board="virt"):
    what = "tessera -M %s %s" % (board, " ".join(opts) or
                                 "(no -bios: default firmware)")
    t = banner([tessera, "-M", board, "-nographic"] + opts, what)
    expect = {
        "Platform Name": {"virt": "riscv-virtio,qemu",
                          "spike": "ucbbar,spike-bare,qemu"}[board],
        "Platform HART Count": str(smp),
        "Platform Timer Device": "aclint-mtimer @ 10000000Hz",
        "Platform Console Device": {"virt": "uart8250",
                                    "spike": "htif"}[board],
        "Platform IPI Device": "aclint-mswi",
        "Domain0 Next Mode": "S-mode",
        "Boot HART ID": "0",
        "Boot HART Base ISA": model_base_isa(tessera, smp),
    }
    errors = 0
    for k, v in expect.items():
        if t.get(k) != v:
            print("FAIL %s: %s is %r, expected %r" % (what, k, t.get(k), v))
            errors += 1
    q = banner([qemu, "-M", board, "-nographic", "-smp", str(smp)], "qemu")
    for k in sorted(set(q) | set(t)):
        if k in DIFFERENT or (board == "spike" and k in SPIKE_DIFFERENT):
            continue
        if smp > 1 and k in LOTTERY:
            continue
        if q.get(k) != t.get(k):
            print("FAIL %s: %s: tessera %r, qemu %r" % (what, k, t.get(k),
                                                       q.get(k)))
            errors += 1
    if not errors:
        print("PASS %s: %d banner fields checked, same as QEMU except %s"
              % (what, len(t), ", ".join(DIFFERENT)))
    return errors


def main():
    tessera = bx.tessera()
    qemu = bx.qemu()
    bx.need_file(bx.OPENSBI)
    errors = 0
    try:
        errors += check(["-bios", bx.OPENSBI], 1, qemu, tessera)
        errors += check([], 1, qemu, tessera)  # the default firmware
        errors += check(["-smp", "4"], 4, qemu, tessera)
        # spike: HTIF console at the fixed address (stripped firmware).
        errors += check(["-smp", "2"], 2, qemu, tessera, "spike")
    except bx.Failure as e:
        bx.fail(str(e))
    sys.exit(1 if errors else 0)


main()
