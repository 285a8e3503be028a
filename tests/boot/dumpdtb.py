#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""-machine dumpdtb=FILE and -dtb FILE on the virt and spike boards.

The blob is decompiled with dtc and checked against the board file it came
from: every [device] with a base has its node at that address with the
compatible of its type, its interrupt number and interrupt parent as wired
(irq = plic0:N), the CLINT and PLIC list each hart's interrupt inputs, and
/memory, /cpus (-smp), /chosen (-append, stdout-path) follow the options.
With clint0.aclint=on the CLINT appears as ACLINT MSWI and MTIMER nodes.
Then a -dtb FILE replaces the generated tree: dumpdtb gives it back byte
for byte and OpenSBI reports the model it names.
"""
import configparser
import os
import re
import subprocess
import sys
import tempfile

import bootexpect as bx

COMPATIBLE = {
    "ns16550a": "ns16550a",
    "sifive-test": "sifive,test1",
    "goldfish-rtc": "google,goldfish-rtc",
    "virtio-mmio": "virtio,mmio",
    "sifive-plic": "sifive,plic-1.0.0",
    "clint": "sifive,clint0",
}
errors = 0


def check(cond, msg):
    global errors
    if not cond:
        print("FAIL dumpdtb: " + msg)
        errors += 1


def board(path):
    cp = configparser.ConfigParser(inline_comment_prefixes=(";",),
                                   comment_prefixes=(";", "#"))
    cp.read(path)
    return cp


def num(text):
    m = re.match(r"^(0x[0-9a-f]+|\d+)([KMG]?)$", text.strip(), re.I)
    v = int(m.group(1), 0)
    return v << {"": 0, "K": 10, "M": 20, "G": 30}[m.group(2).upper()]


def dump(tessera, d, opts, name):
    dtb = os.path.join(d, name + ".dtb")
    r = subprocess.run([tessera, "-M", opts[0] + ",dumpdtb=" + dtb] +
                       opts[1:], capture_output=True, text=True)
    if r.returncode != 0:
        bx.fail("tessera %s: %s" % (" ".join(opts), r.stderr.strip()))
    dts = subprocess.run(["dtc", "-q", "-I", "dtb", "-O", "dts", dtb],
                         capture_output=True, text=True)
    if dts.returncode != 0:
        bx.fail("dtc cannot read the blob: " + dts.stderr)
    return dtb, dts.stdout


def node(dts, name):
    """The text of node NAME (its own lines, children included)."""
    m = re.search(r"\n(\t+)" + re.escape(name) + r" \{\n(.*?)\n\1\};",
                  dts, re.S)
    return m.group(2) if m else None


def prop(text, name):
    m = re.search(r"^\s*" + re.escape(name) + r"(?: = (.*))?;$", text or "",
                  re.M)
    return (m.group(1) or "") if m else None


def cells(value):
    return [int(x, 16) for x in re.findall(r"0x[0-9a-f]+", value or "")]


def phandles_by_node(dts):
    """phandle -> node name."""
    out = {}
    for m in re.finditer(r"\n\t+([^\s{}]+) \{\n(?:\t+[^\n{}]*;\n)*?"
                         r"\t+phandle = <(0x[0-9a-f]+)>;", dts):
        out[int(m.group(2), 16)] = m.group(1)
    return out


def check_virt(tessera, d):
    ini = os.path.join(os.environ.get("top_srcdir", "../.."),
                       "config/boards/virt.ini")
    cp = board(ini)
    smp, append = 3, "console=ttyS0 earlycon"
    initrd = os.path.join(d, "initrd.img")
    with open(initrd, "wb") as f:
        f.write(b"\0" * 1000)
    dtb, dts = dump(tessera, d, ["virt", "-smp", str(smp), "-m", "256M",
                                 "-append", append, "-bios", bx.OPENSBI,
                                 "-kernel", bx.need_file(bx.UBOOT_S),
                                 "-initrd", initrd], "virt")
    ph = phandles_by_node(dts)
    intc = {n: p for p, n in ph.items()}
    for sec in cp.sections():
        if not sec.startswith("device ") or "base" not in cp[sec]:
            continue
        if cp[sec]["type"] == "platform-bus":
            continue  # a free slot: nothing there, no node
        dev, s = sec.split()[1], cp[sec]
        base = num(s["base"])
        found = [n for n in re.findall(r"\t\t([a-z_]+@%x) \{" % base, dts)]
        check(len(found) == 1, "%s: %d nodes at 0x%x" % (dev, len(found),
                                                          base))
        if not found:
            continue
        text = node(dts, found[0])
        want = COMPATIBLE.get(s["type"])
        check(want and want in (prop(text, "compatible") or ""),
              "%s: compatible %s, expected %s" % (dev, prop(text, "compatible"),
                                                  want))
        check(cells(prop(text, "reg"))[:2] == [0, base],
              "%s: reg %s" % (dev, prop(text, "reg")))
        irq = s.get("irq", "")
        m = re.match(r"^(\w+):(\d+)$", irq.strip())
        if m and s["type"] != "sifive-plic":
            check(cells(prop(text, "interrupts")) == [int(m.group(2))],
                  "%s: interrupts %s, board says %s" %
                  (dev, prop(text, "interrupts"), irq))
            parent = cells(prop(text, "interrupt-parent"))
            check(parent and ph.get(parent[0], "").startswith("plic@"),
                  "%s: interrupt-parent %s is not the PLIC" % (dev, parent))
        if s["type"] == "sifive-plic":
            check(cells(prop(text, "riscv,ndev")) == [num(s["num-sources"])],
                  "plic: riscv,ndev %s" % prop(text, "riscv,ndev"))
            ext = cells(prop(text, "interrupts-extended"))
            check(ext[1::2] == [11, 9] * smp,
                  "plic: interrupts-extended causes %s" % ext[1::2])
            check(len(set(ext[0::2])) == smp and
                  all(ph.get(p) == "interrupt-controller" for p in ext[0::2]),
                  "plic: contexts do not go to %d cpu-intc nodes" % smp)
        if s["type"] == "clint":
            ext = cells(prop(text, "interrupts-extended"))
            check(ext[1::2] == [3, 7] * smp,
                  "clint: interrupts-extended causes %s" % ext[1::2])
    mem = node(dts, "memory@80000000")
    check(cells(prop(mem, "reg")) == [0, 0x80000000, 0, 256 << 20],
          "memory reg %s (expected -m 256M)" % prop(mem, "reg"))
    cpus = re.findall(r"\n\t\tcpu@(\d+) \{", dts)
    check(cpus == [str(i) for i in range(smp)], "cpus %s for -smp %d"
          % (cpus, smp))
    check(prop(node(dts, "cpus"), "timebase-frequency") == "<0x989680>",
          "timebase-frequency")
    isa = prop(node(dts, "cpu@0"), "riscv,isa") or ""
    check(re.match(r'^"rv64i', isa), "riscv,isa %s" % isa)
    chosen = node(dts, "chosen")
    check(prop(chosen, "bootargs") == '"%s"' % append,
          "bootargs %s" % prop(chosen, "bootargs"))
    # As QEMU: 128 MiB (half of RAM at most) above the kernel at 2 MiB.
    start = 0x80200000 + (128 << 20)
    check(cells(prop(chosen, "linux,initrd-start")) == [start] and
          cells(prop(chosen, "linux,initrd-end")) == [start + 1000],
          "initrd range %s-%s" % (prop(chosen, "linux,initrd-start"),
                                  prop(chosen, "linux,initrd-end")))
    check(prop(chosen, "stdout-path") == '"/soc/serial@10000000"',
          "stdout-path %s" % prop(chosen, "stdout-path"))
    for n, value in (("poweroff", 0x5555), ("reboot", 0x7777)):
        t = node(dts, n)
        check(t and cells(prop(t, "value")) == [value] and
              ph.get(cells(prop(t, "regmap"))[0], "").startswith("test@"),
              "/%s does not drive the test device" % n)
    return dtb


def check_spike(tessera, d):
    _, dts = dump(tessera, d, ["spike", "-smp", "2", "-bios", bx.OPENSBI],
                  "spike")
    check(node(dts, "htif") and "ucb,htif0" in prop(node(dts, "htif"),
                                                    "compatible"),
          "spike: no /htif node")
    # Stripped firmware: the fixed fromhost/tohost pair at the board's base.
    check(cells(prop(node(dts, "htif"), "reg")) == [0, 0x1000000, 0, 16],
          "spike: /htif reg %s" % prop(node(dts, "htif"), "reg"))
    check(re.findall(r"\n\t\tcpu@(\d+) \{", dts) == ["0", "1"],
          "spike: not 2 cpus")
    check(node(dts, "clint@2000000") is not None, "spike: no CLINT node")


def check_aclint(tessera, d):
    """clint0.aclint=on: the same registers described as ACLINT devices."""
    _, dts = dump(tessera, d, ["virt", "-smp", "2", "-bios", bx.OPENSBI,
                               "-set", "clint0.aclint=on"], "aclint")
    mswi, mtimer = node(dts, "mswi@2000000"), node(dts, "mtimer@2004000")
    check(node(dts, "clint@2000000") is None, "aclint: CLINT node remains")
    check(mswi and "riscv,aclint-mswi" in prop(mswi, "compatible") and
          cells(prop(mswi, "interrupts-extended"))[1::2] == [3, 3],
          "aclint: MSWI node %r" % mswi)
    check(mtimer and "riscv,aclint-mtimer" in prop(mtimer, "compatible") and
          cells(prop(mtimer, "reg")) == [0, 0x200bff8, 0, 8,
                                         0, 0x2004000, 0, 0x7ff8] and
          cells(prop(mtimer, "interrupts-extended"))[1::2] == [7, 7],
          "aclint: MTIMER node %r" % mtimer)


def check_dtb_option(tessera, d, dtb):
    dts = subprocess.run(["dtc", "-q", "-I", "dtb", "-O", "dts", dtb],
                         capture_output=True, text=True).stdout
    dts = dts.replace('model = "riscv-virtio,qemu"', 'model = "tessera-test,dtb"')
    mine = os.path.join(d, "mine.dtb")
    r = subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", mine],
                       input=dts, capture_output=True, text=True)
    if r.returncode:
        bx.fail("dtc: " + r.stderr)
    out, _ = dump(tessera, d, ["virt", "-smp", "3", "-m", "256M",
                               "-bios", bx.OPENSBI, "-dtb", mine], "again")
    with open(mine, "rb") as a, open(out, "rb") as b:
        check(a.read() == b.read(), "-dtb FILE: dumpdtb is not FILE")
    c = bx.Console([tessera, "-M", "virt", "-nographic", "-smp", "3", "-m",
                    "256M", "-bios", bx.OPENSBI, "-dtb", mine])
    try:
        c.expect("Platform Name             : tessera-test,dtb")
    except bx.Failure as e:
        check(False, "-dtb FILE: OpenSBI did not use it: %s" % e)
    finally:
        c.close()
    r = subprocess.run([tessera, "-M", "virt", "-bios", bx.OPENSBI, "-dtb",
                        os.path.join(d, "missing.dtb")],
                       capture_output=True, text=True)
    check(r.returncode == 1 and "missing.dtb" in r.stderr,
          "-dtb of a missing file: %r" % r.stderr)


def main():
    tessera = bx.tessera()
    bx.need_tool("dtc", "device-tree-compiler")
    bx.need_file(bx.OPENSBI)
    with tempfile.TemporaryDirectory() as d:
        dtb = check_virt(tessera, d)
        check_spike(tessera, d)
        check_aclint(tessera, d)
        check_dtb_option(tessera, d, dtb)
    if errors:
        sys.exit(1)
    print("PASS dumpdtb: virt and spike trees match their board files; "
          "-dtb replaces the tree")


main()
