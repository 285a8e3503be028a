#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Debugs guests on Tessera with the real gdb in batch mode (gdb-multiarch
for RISC-V, avr-gdb for AVR: Debian's gdb-multiarch lacks the AVR target).

    run-gdb.py rv64|rv32|smp|avr|arm|arm-fp|robust

Each scenario builds its guest (tests/gdb/target.c with the RISC-V cross
compiler, tests/gdb/avr-target.c with avr-gcc), starts tessera with a gdb
socket, runs gdb -batch with a command file and checks gdb's output for
the expected lines in order. No sleeps: we wait on tessera's stderr line
that names the socket, on the socket and on the processes, each with a
timeout.
"""
import os
import re
import select
import socket
import subprocess
import sys
import tempfile

TOP = os.environ.get("top_builddir", os.getcwd())
SRC = os.environ.get("srcdir", os.path.dirname(os.path.abspath(__file__)) + "/../..")
TESSERA = os.path.join(TOP, "tessera")
GDB = "gdb-multiarch"
TIMEOUT = 60


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def run(cmd, **kw):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=TIMEOUT, **kw)
    return r.returncode, r.stdout


def build_riscv(tmp, xlen):
    cc = os.environ.get("RISCV_CC") or "riscv64-unknown-elf-gcc"
    arch = ["-march=rv64imac_zicsr", "-mabi=lp64"] if xlen == 64 else \
        ["-march=rv32imac_zicsr", "-mabi=ilp32"]
    elf = os.path.join(tmp, "target-rv%d.elf" % xlen)
    rc, out = run([cc] + arch + [
        "-O1", "-g", "-ffreestanding", "-nostdlib", "-nostartfiles",
        "-mcmodel=medany", "-Wl,--no-warn-rwx-segments",
        "-T", SRC + "/tests/guest/rt/guest.ld", "-o", elf,
        SRC + "/tests/gdb/start.S", SRC + "/tests/gdb/target.c"])
    if rc:
        fail("building the RISC-V guest:\n" + out)
    return elf


def build_arm(tmp, fp=False):
    elf = os.path.join(tmp, "arm-fp-target.elf" if fp else "arm-target.elf")
    arm = SRC + "/tests/arm"
    cpu = (["-mcpu=cortex-m4", "-mfpu=fpv4-sp-d16", "-mfloat-abi=hard"]
           if fp else ["-mcpu=cortex-m3"])
    rc, out = run(["arm-none-eabi-gcc"] + cpu + ["-mthumb", "-O1",
                   "-g", "-nostdlib", "-ffreestanding", "-T",
                   arm + "/rt/guest.ld", "-I" + arm, "-o", elf,
                   arm + "/rt/crt0.S", arm + "/rt/rt.c",
                   SRC + "/tests/gdb/arm-target.c", "-lgcc"])
    if rc:
        fail("building the ARM guest:\n" + out)
    return elf


def build_avr(tmp):
    elf = os.path.join(tmp, "avr-target.elf")
    rc, out = run(["avr-gcc", "-mmcu=atmega328p", "-Og", "-g", "-o", elf,
                   SRC + "/tests/gdb/avr-target.c"])
    if rc:
        fail("building the AVR guest:\n" + out)
    return elf


class Tessera:
    """tessera started stopped (-S), with its gdb socket known."""

    def __init__(self, tmp, args, transport):
        self.err_path = os.path.join(tmp, "tessera.err")
        if transport == "tcp":
            gdb_opt = "tcp:127.0.0.1:0"
        else:
            self.path = os.path.join(tmp, "gdb.sock")
            gdb_opt = "unix:" + self.path
        self.proc = subprocess.Popen(
            [TESSERA] + args + ["-nographic", "-gdb", gdb_opt, "-S"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
            env=dict(os.environ, TESSERA_BOARD_PATH=SRC + "/config/boards"))
        line = self.stderr_line()
        m = re.search(r"listening on tcp:[^:]*:(\d+)", line) or \
            re.search(r"waiting for gdb on (unix:\S+)", line)
        if not m:
            self.kill()
            fail("tessera did not announce its gdb socket: %r" % line)
        if transport == "tcp":
            self.target = "127.0.0.1:" + m.group(1)
            self.addr = ("127.0.0.1", int(m.group(1)))
        else:
            self.target = self.path
            self.addr = self.path

    def stderr_line(self):
        r, _, _ = select.select([self.proc.stderr], [], [], TIMEOUT)
        return self.proc.stderr.readline() if r else ""

    def connect(self):
        fam = socket.AF_INET if isinstance(self.addr, tuple) else socket.AF_UNIX
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.settimeout(TIMEOUT)
        s.connect(self.addr)
        return s

    def wait(self):
        try:
            out, err = self.proc.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
            fail("tessera did not exit")
        return self.proc.returncode, out, err

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def gdb(tmp, elf, target, commands, gdb_prog=GDB):
    path = os.path.join(tmp, "cmds.gdb")
    with open(path, "w") as f:
        f.write("set pagination off\nset confirm off\nset width 0\n")
        f.write("target remote %s\n" % target)
        f.write(commands)
    try:
        rc, out = run([gdb_prog, "-nx", "-batch", "-x", path, elf])
    except subprocess.TimeoutExpired:
        fail("gdb did not finish in %d s" % TIMEOUT)
    return out


def expect_in_order(out, patterns, what):
    pos = 0
    for p in patterns:
        m = re.compile(p, re.M).search(out, pos)
        if not m:
            print(out)
            fail("%s: expected /%s/ after offset %d of gdb's output" %
                 (what, p, pos))
        pos = m.end()


# ---------------------------------------------------------------------------

RISCV_SESSION = """\
info registers pc
break add
continue
info registers a0 a1
next
step
finish
print $a0
set var $a0 = 77
print $a0
set var $a0 = 9
print/x watched
set var watched.b[1] = 0x11
x/2xb &watched
watch watched
continue
print/x watched.b[5]
delete
hbreak finish
continue
monitor info registers
delete
continue
"""

RISCV_EXPECT = [
    r"^pc\s+0x1000\b",                      # -S: stopped at the reset stub
    r"^Breakpoint 1 at 0x[0-9a-f]+: file .*target\.c",
    r"^Breakpoint 1, add \(a=[^,]*2, b=[^)]*3\)",
    r"^a0\s+0x2\s+2",
    r"^a1\s+0x3\s+3",
    r"^compute \(\) at .*target\.c:\d+",   # next returns to compute
    r"^Breakpoint 1, add \(a=5",            # step stepped into add again
    r"^Value returned is \$\d+ = 9",
    r"^\$\d+ = 9",                          # register read
    r"^\$\d+ = 77",                         # register write
    r"^\$\d+ = \{b = \{0x0 <repeats 16 times>\}\}",
    r"<watched>:\s+0x00\s+0x11",            # memory write, read back
    r"^Hardware watchpoint 2: watched",
    r"^Hardware watchpoint 2: watched\s+Old value = .*\s+New value = .*Z",
    r"poke \(i=i@entry=5\) at .*target\.c",
    r"^\$\d+ = 0x5a",
    r"^Hardware assisted breakpoint 3 at 0x[0-9a-f]+: file .*target\.c",
    r"^Breakpoint 3, finish \(code=0\)",    # Z1
    r"^CPU#0\n pc ",                        # monitor info registers
    r"^ a0 ",
    r"\[Inferior 1 \(Remote target\) exited normally\]",
]


def scenario_riscv(tmp, xlen, transport):
    elf = build_riscv(tmp, xlen)
    t = Tessera(tmp, ["-M", "virt", "-cpu", "rv%d" % xlen, "-bios", "none",
                      "-kernel", elf], transport)
    session, expect = RISCV_SESSION, list(RISCV_EXPECT)
    if xlen == 32:
        # End with detach instead: the guest must run on to its end.
        session = session[:session.rindex("continue")] + "detach\n"
        expect[-1] = r"^\[Inferior 1 \(Remote target\) detached\]"
    out = gdb(tmp, elf, t.target, session)
    expect_in_order(out, expect, "rv%d over %s" % (xlen, transport))
    rc, _, err = t.wait()
    if rc != 0:
        fail("tessera exited with %d: %s" % (rc, err))


SMP_SESSION = """\
break worker
continue
info threads
thread 3
set scheduler-locking on
print $pc
stepi
stepi
stepi
print $pc
thread 2
print $pc
thread 3
print $pc
set scheduler-locking off
delete
break target.c:{loop} thread 4
continue
continue
info threads
delete
kill
"""


def scenario_smp(tmp):
    elf = build_riscv(tmp, 64)
    t = Tessera(tmp, ["-M", "virt", "-smp", "4", "-bios", "none",
                      "-kernel", elf], "unix")
    with open(SRC + "/tests/gdb/target.c") as f:
        loop = [i + 1 for i, l in enumerate(f)
                if "counters[hart & 7]++" in l][0]
    out = gdb(tmp, elf, t.target, SMP_SESSION.replace("{loop}", str(loop)))
    expect_in_order(out, [
        r"Breakpoint 1, worker",
        r"^\s+Id\s+Target Id",
        r"Thread 1 \(CPU#0",
        r"Thread 2 \(CPU#1",
        r"Thread 3 \(CPU#2",
        r"Thread 4 \(CPU#3",
        r"^\[Switching to thread 3",
    ], "smp threads")
    expect_in_order(out, [r"^Breakpoint 2 at .*target\.c, line %d" % loop,
                          r"^Thread 4 .*hit Breakpoint 2, worker",
                          r"^Thread 4 .*hit Breakpoint 2, worker",
                          r"^\* 4\s+Thread 4"], "smp thread breakpoint")
    pcs = re.findall(r"^\$\d+ = \(void \(\*\)\(\)\) (0x[0-9a-f]+)", out, re.M)
    if len(pcs) != 4:
        print(out)
        fail("smp: expected 4 PC values, got %r" % pcs)
    t3_before, t3_after, t2, t3_again = pcs
    if t3_before == t3_after:
        print(out)
        fail("smp: stepi did not move thread 3 (%s)" % t3_before)
    if t3_again != t3_after:
        print(out)
        fail("smp: thread 3 moved while thread 2 was selected")
    rc, _, _ = t.wait()  # kill ends tessera
    print("smp: thread 3 stepped %s -> %s, thread 2 at %s" %
          (t3_before, t3_after, t2))


AVR_SESSION = """\
break twice
continue
print v
step
info registers pc
print/x $sp
print (int)buf[0] + (int)buf[1]
print msg
x/2xb twice
x/2xb 0x800100
watch buf[6]
continue
delete
continue
"""


def scenario_avr(tmp):
    elf = build_avr(tmp)
    t = Tessera(tmp, ["-M", "uno", "-bios", elf], "unix")
    # Debian's gdb-multiarch has no AVR target: gdb-avr's avr-gdb does.
    out = gdb(tmp, elf, t.target, AVR_SESSION, "avr-gdb")
    expect_in_order(out, [
        r"^Breakpoint 1 at 0x[0-9a-f]+: file .*avr-target\.c",
        r"^Breakpoint 1, twice \(v=1",
        r"^\$1 = 1 '\\001'",
        r"^pc\s+0x[0-9a-f]+\s+0x[0-9a-f]+ <main",
        r"^\$2 = 0x8[0-9a-f]{2}",                # SP inside SRAM
        r"^\$3 = 7",                             # buf[0] + buf[1] in SRAM
        r'^\$4 = "TESSERA"',                     # flash (PROGMEM)
        r"<twice>:\s+0x[0-9a-f]{2}\s+0x",         # flash (code)
        r"^0x800100 <buf>:\s+0x01\s+0x06",        # SRAM by address
        r"^Hardware watchpoint 2: buf\[6\]",
        r"^Old value = 0 '\\000'\nNew value = 65 'A'",
        r"exited normally",
    ], "avr")
    rc, _, err = t.wait()
    if rc != 0:
        fail("avr: tessera exited with %d: %s" % (rc, err))


ARM_SESSION = """\
info registers pc
break add
continue
info registers r0 r1
finish
print $r0
set var $r0 = 77
print $r0
set var $r0 = 5
info registers xpsr
print $msp == $sp
print $primask
print $control
delete
watch watched
continue
print/x watched
delete
continue
"""


def scenario_arm(tmp):
    elf = build_arm(tmp)
    t = Tessera(tmp, ["-M", "mps2-an385", "-semihosting", "-kernel", elf],
                "unix")
    out = gdb(tmp, elf, t.target, ARM_SESSION)
    expect_in_order(out, [
        r"^pc\s+0x[0-9a-f]+\s+0x[0-9a-f]+ <reset_handler>",  # -S: at reset
        r"^Breakpoint 1 at 0x[0-9a-f]+: file .*arm-target\.c",
        r"^Breakpoint 1, add \(a=[^,]*2, b=[^)]*3\)",
        r"^r0\s+0x2\s+2",
        r"^r1\s+0x3\s+3",
        r"^Value returned is \$\d+ = 5",
        r"^\$\d+ = 5",                          # register read
        r"^\$\d+ = 77",                         # register write
        r"^xpsr\s+0x[0-9a-f]*1000000\s",         # Thumb bit, thread mode
        r"^\$\d+ = 1",                          # msp is the current sp
        r"^\$\d+ = 0",                          # primask
        r"^\$\d+ = 0",                          # control
        r"^Hardware watchpoint 2: watched",
        r"^Hardware watchpoint 2: watched\s+Old value = 0\s+New value = 90",
        r"poke \(v=",                           # stopped after the store
        r"^\$\d+ = 0x5a",
        r"\[Inferior 1 \(Remote target\) exited normally\]",
    ], "arm")
    rc, _, err = t.wait()
    if rc != 0:
        fail("arm: tessera exited with %d: %s" % (rc, err))


ARM_FP_SESSION = """\
break fmuladd
continue
print $s0
print $s1
print $fpscr
set var $s1 = 4
print $d0
finish
print $s0
continue
"""


def scenario_arm_fp(tmp):
    """Cortex-M4 (mps2-an386): the org.gnu.gdb.arm.vfp registers."""
    elf = build_arm(tmp, fp=True)
    t = Tessera(tmp, ["-M", "mps2-an386", "-semihosting", "-kernel", elf],
                "unix")
    out = gdb(tmp, elf, t.target, ARM_FP_SESSION)
    expect_in_order(out, [
        r"^Breakpoint 1 at 0x[0-9a-f]+: file .*arm-target\.c",
        r"^Breakpoint 1, fmuladd \(a=(a@entry=)?1\.5, b=(b@entry=)?2, "
        r"c=(c@entry=)?0\.25\)",
        r"^\$\d+ = 1\.5",                       # s0 (from d0)
        r"^\$\d+ = 2",                           # s1
        r"^\$\d+ = 0",                           # fpscr
        r"^\$\d+ = 512\.000121",                  # d0 = s1:s0 (4.0:1.5)
        r"^\$\d+ = 6\.25",                        # s0 after: 1.5 * 4 + 0.25
        r"\[Inferior 1 \(Remote target\) exited normally\]",
    ], "arm-fp")
    rc, _, err = t.wait()
    if rc != 0:
        fail("arm-fp: tessera exited with %d: %s" % (rc, err))


def read_until(s, pattern):
    data = b""
    while not re.search(pattern, data):
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def packet(data):
    return b"$%s#%02x" % (data, sum(data) & 0xff)


def symbol(elf, name):
    cc = os.environ.get("RISCV_CC") or "riscv64-unknown-elf-gcc"
    nm = re.sub(r"gcc$", "nm", cc)
    rc, out = run([nm, elf])
    m = re.search(r"^([0-9a-f]+) T %s$" % name, out, re.M)
    if rc or not m:
        fail("no symbol %s in %s:\n%s" % (name, elf, out))
    return int(m.group(1), 16)


def scenario_robust(tmp):
    elf = build_riscv(tmp, 64)
    # 0. Ctrl-C stops a guest that never ends (hart 0 sent into worker(),
    # an endless loop, by writing the PC), and the stub answers T02.
    t = Tessera(tmp, ["-M", "virt", "-bios", "none", "-kernel", elf], "unix")
    s = t.connect()
    pc = symbol(elf, "worker").to_bytes(8, "little").hex().encode()
    s.sendall(packet(b"P20=" + pc))
    if b"$OK#" not in read_until(s, rb"\$OK#|\$E"):
        fail("Ctrl-C: writing the PC failed")
    s.sendall(packet(b"c"))
    s.sendall(b"\x03")
    data = read_until(s, rb"\$T02")
    if b"$T02thread:1;" not in data:
        fail("Ctrl-C: no T02 stop reply; got %r" % data[-200:])
    s.sendall(packet(b"k"))
    rc, _, err = t.wait()
    if rc != 0:
        fail("Ctrl-C then kill: tessera exited with %d: %s" % (rc, err))
    # 1. A client that leaves in the middle of a packet: the machine,
    # stopped by -S and by the attach, runs on to its end (status 0).
    t = Tessera(tmp, ["-M", "virt", "-bios", "none", "-kernel", elf], "unix")
    s = t.connect()
    s.sendall(b"$m80000000,1")
    s.close()
    rc, _, err = t.wait()
    if rc != 0:
        fail("disconnect mid-packet: tessera exited with %d: %s" % (rc, err))
    # 2. 1 MiB of garbage (no Ctrl-C byte, broken and overlong packets),
    # then a good 'c': the stub still answers and the guest runs to its
    # end, which the stub reports with a W packet.
    t = Tessera(tmp, ["-M", "virt", "-bios", "none", "-kernel", elf], "tcp")
    s = t.connect()
    junk = bytearray()
    seed = 12345
    while len(junk) < 1 << 20:
        seed = (seed * 1103515245 + 12345) & 0x7fffffff
        b = (seed >> 16) & 0xff
        junk.append(b if b != 3 else 4)
    junk[1000:1001] = b"$"  # an overlong packet
    s.sendall(bytes(junk))
    s.sendall(b"#00$c#63")
    data = read_until(s, rb"\$W00#")
    if b"$W00#" not in data:
        fail("garbage: no exit report; got %r" % data[-200:])
    s.close()
    rc, _, err = t.wait()
    if rc != 0:
        fail("garbage: tessera exited with %d: %s" % (rc, err))


def main():
    which = sys.argv[1] if len(sys.argv) > 1 else "rv64"
    for tool in [GDB, "avr-gdb" if which == "avr" else GDB, TESSERA]:
        if subprocess.run(["sh", "-c", "command -v " + tool],
                          stdout=subprocess.DEVNULL).returncode:
            fail("%s not found (tools/install-deps.sh installs gdb-multiarch "
                 "and gdb-avr)" % tool)
    with tempfile.TemporaryDirectory(prefix="tessera-gdb-") as tmp:
        if which == "rv64":
            scenario_riscv(tmp, 64, "tcp")
        elif which == "rv32":
            scenario_riscv(tmp, 32, "unix")
        elif which == "smp":
            scenario_smp(tmp)
        elif which == "avr":
            scenario_avr(tmp)
        elif which == "arm":
            scenario_arm(tmp)
        elif which == "arm-fp":
            scenario_arm_fp(tmp)
        elif which == "robust":
            scenario_robust(tmp)
        else:
            fail("unknown scenario " + which)
    print("PASS: gdb " + which)


if __name__ == "__main__":
    main()
