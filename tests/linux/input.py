#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Linux with virtio-keyboard-device and virtio-tablet-device, typed into
through QMP, on Tessera and on qemu-system-riscv64 (the oracle):

  - /proc/bus/input/devices: both devices, with the same ids (I: line)
    and the same capability bitmaps (B: lines) as QEMU's models; the
    names are QEMU's with "QEMU" replaced by "Tessera";
  - QMP send-key a: the guest's /dev/input/eventN gives KEY_A (30) down,
    SYN, KEY_A up, SYN;
  - HMP sendkey shift-a 10 (human-monitor-command): shift down, a down,
    then a up and shift up (reverse order), each with its SYN;
  - QMP input-send-event abs x=1000 y=2000 + left button: the tablet's
    node gives ABS_X 1000, ABS_Y 2000, BTN_LEFT 1 in one SYN group.

The guest holds the event node open (exec 3<) before anything is sent and
reads exactly the events expected (dd bs=24: struct input_event on
riscv64), so nothing depends on timing.

usage: input.py [qemu]
"""
import json
import os
import re
import shutil
import socket
import sys
import tempfile
import time

import linuxexpect as lx

EV_SYN, EV_KEY, EV_ABS = 0, 1, 3


class Qmp:
    def __init__(self, path, name):
        self.name = name
        deadline = time.monotonic() + lx.bx.TIMEOUT
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise lx.Failure("%s: no QMP socket %s" % (name, path))
                time.sleep(0.05)
        self.sock.settimeout(lx.bx.TIMEOUT)
        self.buf = b""
        self.read()  # greeting
        self.cmd("qmp_capabilities")

    def read(self):
        while b"\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise lx.Failure("%s: QMP closed" % self.name)
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def cmd(self, execute, **args):
        msg = {"execute": execute}
        if args:
            msg["arguments"] = args
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            r = self.read()
            if "return" in r:
                return r["return"]
            if "error" in r:
                raise lx.Failure("%s: QMP %s: %s" % (self.name, execute,
                                                     r["error"]))

    def close(self):
        self.sock.close()


def parse_devices(text):
    """/proc/bus/input/devices -> {name: {"I": ..., "B": {k: v}, "H": ...}}"""
    devs = {}
    for block in re.split(r"\r?\n\s*\r?\n", text.strip()):
        d = {"B": {}}
        for line in block.splitlines():
            line = line.strip()
            if line.startswith("I: "):
                d["I"] = line[3:].strip()
            elif line.startswith("N: Name="):
                d["name"] = line[8:].strip().strip('"')
            elif line.startswith("H: Handlers="):
                d["H"] = line[12:].split()
            elif line.startswith("B: "):
                k, v = line[3:].split("=", 1)
                d["B"][k] = v.strip()
        if "name" in d:
            devs[d["name"]] = d
    return devs


def read_events(c, fd, n):
    """Reads n events from the guest's fd (open on an event node)."""
    c.check("dd bs=24 count=%d of=/tmp/ev <&%d 2>/dev/null" % (n, fd))
    hexes = c.check("hexdump -v -e '1/1 \"%02x \"' /tmp/ev").split()
    raw = bytes(int(h, 16) for h in hexes)
    if len(raw) != 24 * n:
        raise lx.Failure("read %d bytes of events, not %d" % (len(raw), 24 * n))
    evs = []
    for i in range(n):
        r = raw[24 * i + 16:24 * i + 24]
        evs.append((r[0] | r[1] << 8, r[2] | r[3] << 8,
                    int.from_bytes(r[4:8], "little", signed=True)))
    return evs


def session(emulator, name, tmp):
    path = os.path.join(tmp, "qmp-%s.sock" % name)
    extra = ["-device", "virtio-keyboard-device",
             "-device", "virtio-tablet-device",
             "-qmp", "unix:%s,server=on,wait=off" % path]
    if name == "qemu":
        # QEMU's virtio-mmio is legacy (version 1) unless told otherwise,
        # and Linux's virtio_input wants virtio 1.x (VERSION_1).
        extra += ["-global", "virtio-mmio.force-legacy=false"]
    qmp = []

    def body(c):
        text = c.check("cat /proc/bus/input/devices")
        devs = parse_devices(text)
        kbd = [d for n, d in devs.items() if n.endswith("Virtio Keyboard")]
        tab = [d for n, d in devs.items() if n.endswith("Virtio Tablet")]
        if len(kbd) != 1 or len(tab) != 1:
            raise lx.Failure("%s: input devices %r in:\n%s"
                             % (name, list(devs), text))
        kev = [h for h in kbd[0]["H"] if h.startswith("event")][0]
        tev = [h for h in tab[0]["H"] if h.startswith("event")][0]
        c.check("exec 3</dev/input/%s 4</dev/input/%s" % (kev, tev))
        q = Qmp(path, name)
        qmp.append(q)
        got = {}

        q.cmd("send-key", keys=[{"type": "qcode", "data": "a"}])
        got["send-key a"] = read_events(c, 3, 4)
        want = [(EV_KEY, 30, 1), (EV_SYN, 0, 0), (EV_KEY, 30, 0),
                (EV_SYN, 0, 0)]
        if got["send-key a"] != want:
            raise lx.Failure("%s: send-key a gave %r, want %r"
                             % (name, got["send-key a"], want))

        q.cmd("human-monitor-command", **{"command-line": "sendkey shift-a 10"})
        got["sendkey shift-a"] = read_events(c, 3, 8)
        want = [(EV_KEY, 42, 1), (EV_SYN, 0, 0), (EV_KEY, 30, 1),
                (EV_SYN, 0, 0), (EV_KEY, 30, 0), (EV_SYN, 0, 0),
                (EV_KEY, 42, 0), (EV_SYN, 0, 0)]
        if got["sendkey shift-a"] != want:
            raise lx.Failure("%s: sendkey shift-a gave %r, want %r"
                             % (name, got["sendkey shift-a"], want))

        q.cmd("input-send-event", events=[
            {"type": "abs", "data": {"axis": "x", "value": 1000}},
            {"type": "abs", "data": {"axis": "y", "value": 2000}},
            {"type": "btn", "data": {"down": True, "button": "left"}}])
        got["tablet"] = read_events(c, 4, 4)
        want = {(EV_ABS, 0, 1000), (EV_ABS, 1, 2000), (EV_KEY, 0x110, 1)}
        if set(got["tablet"][:3]) != want or got["tablet"][3] != (0, 0, 0):
            raise lx.Failure("%s: tablet events %r, want %r then SYN"
                             % (name, got["tablet"], sorted(want)))
        c.poweroff()
        return {"kbd": kbd[0], "tab": tab[0], "names": sorted(devs)}

    try:
        return lx.run(lx.machine(emulator, 1, extra=extra), name, body)
    finally:
        for q in qmp:
            q.close()


def main():
    emulators = [("tessera", lx.bx.tessera())]
    if len(sys.argv) > 1 and sys.argv[1] == "qemu":
        emulators.append(("qemu", lx.bx.qemu()))
    tmp = tempfile.mkdtemp(prefix="tessera-linux-input-")
    res = {}
    try:
        for name, emu in emulators:
            res[name] = session(emu, name, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if "qemu" in res:
        t, q = res["tessera"], res["qemu"]
        tn = [n.replace("Tessera", "QEMU") for n in t["names"]]
        if tn != q["names"]:
            lx.fail("device names: tessera %r, qemu %r" % (t["names"],
                                                           q["names"]))
        diffs = ["%s %s: tessera %r, qemu %r" % (dev, k, t[dev][k], q[dev][k])
                 for dev in ("kbd", "tab") for k in ("I", "B")
                 if t[dev][k] != q[dev][k]]
        if diffs:
            lx.fail("/proc/bus/input/devices differs:\n" + "\n".join(diffs))
    print("PASS Linux input (keyboard, tablet) on %s"
          % " and ".join(n for n, _ in emulators))


lx.main(main)
