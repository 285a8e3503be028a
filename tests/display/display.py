#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Display tests: Linux's fbcon on -device simple-framebuffer, read back
from screendumps (tests/display/fbtext.py decodes the text).

    display.py console [FORMAT]
                         boot with the framebuffer and -display none: the
                         console text is on the screen (HMP PPM and QMP PNG
                         screendumps, the same pixels); shell output sent
                         to /dev/tty1 appears (FORMAT: the framebuffer's,
                         e.g. r5g6b5); without FORMAT also a command
                         typed with sendkey on a virtio keyboard
    display.py sdl       the same with -display sdl (run under xvfb-run):
                         the real window (xwd) shows the screendump's pixels
    display.py none      no display device: screendump fails clearly;
                         -display none changes nothing on the serial port

Never sleeps: every wait is a select() with a deadline (bootexpect) or a
bounded retry of a comparison.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "linux"))
import linuxexpect as lx  # noqa: E402
import fbtext  # noqa: E402

bx = lx.bx
TIMEOUT = bx.TIMEOUT
# Kernel messages on the framebuffer too (the last console is /dev/console).
APPEND = "console=tty0 console=ttyS0 earlycon=sbi"


class Monitor:
    """HMP or QMP on a UNIX socket."""

    def __init__(self, path, qmp):
        deadline = time.monotonic() + TIMEOUT
        while True:
            try:
                self.s = socket.socket(socket.AF_UNIX)
                self.s.connect(path)
                break
            except OSError:
                self.s.close()
                if time.monotonic() > deadline:
                    raise lx.Failure("no monitor at %s" % path)
                select_wait(0.05)
        self.s.settimeout(TIMEOUT)
        self.buf = b""
        self.qmp = qmp
        if qmp:
            self.until(b"\n")
            self.call("qmp_capabilities")
        else:
            self.until(b"(tessera) ")

    def until(self, pat):
        while pat not in self.buf:
            data = self.s.recv(65536)
            if not data:
                raise lx.Failure("monitor closed; got %r" % self.buf[-300:])
            self.buf += data
        i = self.buf.index(pat) + len(pat)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out.decode()

    def hmp(self, line):
        self.s.sendall(line.encode() + b"\n")
        out = self.until(b"(tessera) ")
        return out[:-len("(tessera) ")].replace("\r", "").split("\n", 1)[-1]

    def call(self, name, **args):
        self.s.sendall(json.dumps({"execute": name,
                                   "arguments": args}).encode() + b"\n")
        while True:
            r = json.loads(self.until(b"\n"))
            if "return" in r or "error" in r:
                return r


def select_wait(seconds):
    """Waits on nothing for a moment (a retry's back-off, not a timing)."""
    import select
    select.select([], [], [], seconds)


def text_of(path, font):
    return fbtext.screen_text(fbtext.read_image(path), font)


def boot(tmp, extra, env=None, fb="simple-framebuffer"):
    mon, qmp = os.path.join(tmp, "hmp.sock"), os.path.join(tmp, "qmp.sock")
    argv = lx.machine(bx.tessera(), append=APPEND, extra=[
        "-device", fb,
        "-monitor", "unix:%s,server=on,wait=off" % mon,
        "-qmp", "unix:%s,server=on,wait=off" % qmp] + extra)
    if env:
        os.environ.update(env)
    c = lx.Linux(argv, "tessera")
    c.boot()
    return c, Monitor(mon, False), Monitor(qmp, True)


def check_console(c, hmp, qmp, tmp, font):
    # The kernel's messages are on the screen.
    ppm, png = os.path.join(tmp, "s.ppm"), os.path.join(tmp, "s.png")
    out = hmp.hmp("screendump %s" % ppm)
    if out.strip():
        raise lx.Failure("screendump printed %r" % out)
    screen = "\n".join(text_of(ppm, font))
    for want in ("simplefb registered!", "Run /init as init process"):
        if want not in screen:
            raise lx.Failure("%r is not on the screen:\n%s" % (want, screen))
    # Shell output on the framebuffer's tty; the cursor hidden so that the
    # screen stays still.
    c.check("printf '\\033[?25lHELLO%d\\n' $((6*7)) >/dev/tty1")
    deadline = time.monotonic() + TIMEOUT
    while True:
        r = qmp.call("screendump", filename=png, format="png")
        if "error" in r:
            raise lx.Failure("QMP screendump: %r" % r)
        lines = text_of(png, font)
        if "HELLO42" in lines:
            break
        if time.monotonic() > deadline:
            raise lx.Failure("HELLO42 not on the screen:\n%s"
                             % "\n".join(lines))
        select_wait(0.1)
    # The same pixels as PPM, from HMP, with the format option.
    hmp.hmp("screendump %s -f ppm" % ppm)
    if fbtext.read_ppm(ppm) != fbtext.read_png(png):
        raise lx.Failure("the PPM and PNG screendumps differ")
    err = qmp.call("screendump", filename=png, format="bmp")
    if "unknown image format" not in json.dumps(err):
        raise lx.Failure("format bmp: %r" % err)
    print("ok   fbcon text on the framebuffer, HELLO42 typed on tty1")


# QEMU key names (qcodes) for the characters typed with sendkey, on a US
# layout (the guest's default keymap).
SHIFTED = {"$": "4", "(": "9", ")": "0", "*": "8"}


def qcode(ch):
    if ch.isdigit() or ch.islower():
        return ch
    if ch.isupper():
        return "shift-" + ch.lower()
    if ch in SHIFTED:
        return "shift-" + SHIFTED[ch]
    return {" ": "spc", "\n": "ret"}[ch]


def check_typing(c, hmp, tmp, font):
    """A shell on tty1 (the framebuffer's console) runs a command typed
    with sendkey on the virtio keyboard; its output is on the screen."""
    c.check("(setsid sh -c 'exec sh -i </dev/tty1 >/dev/tty1 2>&1' &)")
    for ch in "echo TYPED$((6*7))\n":
        out = hmp.hmp("sendkey " + qcode(ch))
        if out.strip():
            raise lx.Failure("sendkey %s: %r" % (qcode(ch), out))
    ppm = os.path.join(tmp, "t.ppm")
    deadline = time.monotonic() + TIMEOUT
    while True:
        hmp.hmp("screendump %s" % ppm)
        lines = text_of(ppm, font)
        if "TYPED42" in lines:
            break
        if time.monotonic() > deadline:
            raise lx.Failure("TYPED42 not on the screen after sendkey:\n%s"
                             % "\n".join(lines))
        select_wait(0.1)
    print("ok   echo TYPED$((6*7)) typed with sendkey printed TYPED42 on fbcon")


def x_type(text, at):
    """Types text on the X server's keyboard (XTEST, libXtst) with the
    pointer at (x, y), over the window: X gives it the keys."""
    import ctypes
    try:
        x11 = ctypes.CDLL("libX11.so.6")
        xt = ctypes.CDLL("libXtst.so.6")
    except OSError as e:
        raise lx.Failure("%s: apt-get install libx11-6 libxtst6" % e)
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XStringToKeysym.restype = ctypes.c_ulong
    d = ctypes.c_void_p(x11.XOpenDisplay(None))
    if not d:
        raise lx.Failure("cannot open $DISPLAY")
    xt.XTestFakeMotionEvent(d, -1, at[0], at[1], 0)

    def key(name, down):
        sym = ctypes.c_ulong(x11.XStringToKeysym(name.encode()))
        xt.XTestFakeKeyEvent(d, x11.XKeysymToKeycode(d, sym), down, 0)

    names = {" ": "space", "\n": "Return"}
    for ch in text:
        q = qcode(ch)
        shift = q.startswith("shift-")
        name = names.get(ch) or (q[6:] if shift else ch)
        if shift:
            key("Shift_L", 1)
        key(name, 1)
        key(name, 0)
        if shift:
            key("Shift_L", 0)
    x11.XSync(d, 0)
    x11.XCloseDisplay(d)


def wait_screen(hmp, path, font, cond, what):
    """Screendumps until cond(lines) holds; a failure after TIMEOUT."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        hmp.hmp("screendump %s" % path)
        lines = text_of(path, font)
        if cond(lines):
            return lines
        if time.monotonic() > deadline:
            raise lx.Failure("%s not on the screen:\n%s"
                             % (what, "\n".join(lines)))
        select_wait(0.05)


def check_window_keys(c, hmp, tmp, font):
    """Keys typed into the SDL window reach the guest's keyboard. One key
    at a time, each after the echo of the previous one: a burst of
    synthetic events would overrun the guest's event queue, as no hand
    types that fast."""
    c.check("(setsid sh -c 'exec sh -i </dev/tty1 >/dev/tty1 2>&1' &)")
    ppm = os.path.join(tmp, "k.ppm")
    wait_screen(hmp, ppm, font, lambda ls: any(
        ln.endswith("guest#") for ln in ls), "the tty1 prompt")
    x, y = fbtext.read_xwd.origin
    cmd = "echo XKEYS$((6*7))"
    for i, ch in enumerate(cmd):
        x_type(ch, (x + 320, y + 240))
        typed = "guest# " + cmd[:i + 1]
        wait_screen(hmp, ppm, font, lambda ls: any(
            ln == typed.rstrip() for ln in ls), repr(typed))
    x_type("\n", (x + 320, y + 240))
    wait_screen(hmp, ppm, font, lambda ls: "XKEYS42" in ls, "XKEYS42")
    print("ok   keys typed in the SDL window ran a command on fbcon")


def check_window(hmp, tmp):
    """The SDL window shows what screendump sees (1:1, no scaling)."""
    xwd = bx.need_tool("xwd", "x11-apps")
    ppm, dump = os.path.join(tmp, "w.ppm"), os.path.join(tmp, "w.xwd")
    deadline = time.monotonic() + TIMEOUT
    while True:
        hmp.hmp("screendump %s" % ppm)
        r = subprocess.run([xwd, "-silent", "-name", "Tessera - Ctrl-Alt-G "
                            "grabs, Ctrl-Alt-F full screen", "-out", dump],
                           capture_output=True, text=True)
        if r.returncode == 0:
            want, got = fbtext.read_ppm(ppm), fbtext.read_xwd(dump)
            if want == got:
                break
            why = "window %dx%d differs from the screendump %dx%d" % (
                got[0], got[1], want[0], want[1])
        else:
            why = "xwd: " + r.stderr.strip()
        if time.monotonic() > deadline:
            raise lx.Failure(why)
        select_wait(0.1)
    print("ok   the SDL window has the screendump's pixels")


def run_fb(sdl, fmt=None):
    font = fbtext.linux_font(os.path.join(lx.images_dir(),
                                          "linux-source-6.1"))
    tmp = tempfile.mkdtemp(prefix="display-")
    extra = ["-display", "sdl"] if sdl else ["-display", "none"]
    typing = not sdl and not fmt
    if typing or sdl:
        extra += ["-device", "virtio-keyboard-device"]
    # Software rendering, and the window's framebuffer drawn by X11 itself
    # rather than through an OpenGL texture: otherwise SDL loads Mesa (under
    # Xvfb its swrast driver), then unloads it, and LeakSanitizer reports
    # what Mesa left behind from a module no longer mapped, which no
    # suppression can name (docs/testing.md, "Sanitizer runs").
    env = {"SDL_RENDER_DRIVER": "software",
           "SDL_FRAMEBUFFER_ACCELERATION": "0"} if sdl else None
    if sdl and not os.environ.get("DISPLAY"):
        raise lx.Failure("no $DISPLAY: run under xvfb-run (package xvfb)")
    fb = "simple-framebuffer" + (",format=" + fmt if fmt else "")
    c, hmp, qmp = boot(tmp, extra, env, fb)
    try:
        check_console(c, hmp, qmp, tmp, font)
        if typing:
            check_typing(c, hmp, tmp, font)
        if sdl:
            check_window(hmp, tmp)
            check_window_keys(c, hmp, tmp, font)
        c.poweroff()
    finally:
        c.close()
        shutil.rmtree(tmp)


def run_none():
    """No display device: a clear error; -display none and -nographic
    print the same bytes on the serial port."""
    elf = os.path.join(os.environ.get("top_builddir", "."), "tests",
                       "monitor", "echo.elf")
    tmp = tempfile.mkdtemp(prefix="display-")
    try:
        outs = []
        for opts in (["-nographic"], ["-display", "none", "-nographic"],
                     ["-display", "none", "-serial", "stdio"]):
            mon = os.path.join(tmp, "m%d.sock" % len(outs))
            argv = [bx.tessera(), "-M", "virt", "-bios", "none", "-kernel",
                    elf, "-monitor", "unix:%s,server=on,wait=off" % mon,
                    "-qmp", "unix:%sq,server=on,wait=off" % mon]
            c = bx.Console(argv + opts, "tessera " + " ".join(opts))
            try:
                c.expect("echo: ready")
                c.send("abc\n")
                c.expect("abc\n")
                m = Monitor(mon, False)
                out = m.hmp("screendump %s/x.ppm" % tmp)
                if "no display device" not in out:
                    raise lx.Failure("screendump without a display: %r"
                                     % out)
                r = Monitor(mon + "q", True).call(
                    "screendump", filename=tmp + "/x.ppm")
                if "no display device" not in json.dumps(r):
                    raise lx.Failure("QMP screendump without a display: %r"
                                     % r)
                m.s.sendall(b"quit\n")
                c.proc.wait(timeout=TIMEOUT)
                while c._read(time.monotonic() + TIMEOUT):
                    pass
                outs.append(c.buf)
            finally:
                c.close()
        if len(set(outs)) != 1:
            raise lx.Failure("serial output differs: %r" % outs)
        print("ok   no display: screendump says so; -display none and "
              "-nographic print the same serial bytes")
    finally:
        shutil.rmtree(tmp)


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode == "console":
        run_fb(False, sys.argv[2] if len(sys.argv) > 2 else None)
    elif mode == "sdl":
        run_fb(True)
    elif mode == "none":
        run_none()
    else:
        lx.fail("usage: display.py console|sdl|none")


if __name__ == "__main__":
    lx.main(main)
