# SPDX-License-Identifier: MIT
"""An expect-like driver for console boots: start an emulator with its
console on a pipe, wait for strings or regular expressions with a timeout
(never a fixed sleep), type commands, capture what they print.

Also the common environment of the boot tests: where tessera, QEMU and the
Debian firmware are, and a failure (never a skip) when one is missing.
"""
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time

OPENSBI = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin"
UBOOT_S = "/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin"
UBOOT_M = "/usr/lib/u-boot/qemu-riscv64/u-boot.bin"
PACKAGES = {OPENSBI: "opensbi", UBOOT_S: "u-boot-qemu", UBOOT_M: "u-boot-qemu"}

# Seconds one wait may take; boots take a few seconds at most, so this only
# bounds a hang (sanitizer builds and loaded CI machines are slower).
TIMEOUT = float(os.environ.get("BOOT_TIMEOUT", "120"))


class Failure(Exception):
    pass


def fail(msg):
    print("FAIL: " + msg, flush=True)
    sys.exit(1)


def tessera():
    top = os.environ.get("top_builddir") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..")
    path = os.path.join(top, "tessera")
    if not os.access(path, os.X_OK):
        fail("%s was not built (run make first)" % path)
    return path


def qemu():
    q = os.environ.get("QEMU_RISCV64") or shutil.which("qemu-system-riscv64")
    if not q or not shutil.which(q):
        fail("qemu-system-riscv64 not found: apt-get install qemu-system-misc "
             "(tools/install-deps.sh)")
    return q


def need_file(path):
    if not os.path.exists(path):
        fail("%s is missing: apt-get install %s (tools/install-deps.sh)"
             % (path, PACKAGES.get(path, "?")))
    return path


def need_tool(name, package):
    path = shutil.which(name)
    if not path:
        fail("%s not found: apt-get install %s (tools/install-deps.sh)"
             % (name, package))
    return path


class Console:
    """One emulator process; its stdout+stderr is the console."""

    def __init__(self, argv, name=None):
        self.name = name or os.path.basename(argv[0])
        self.argv = argv
        self.buf = b""     # everything printed so far
        self.pos = 0       # where the next expect() starts looking
        self.start = time.monotonic()
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, start_new_session=True)
        self.exited = None

    def text(self, start=0, end=None):
        return self.buf[start:end].decode("utf-8", "replace")

    def _read(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        fd = self.proc.stdout.fileno()
        r, _, _ = select.select([fd], [], [], left)
        if not r:
            return False
        data = os.read(fd, 65536)
        if not data:
            self.exited = self.proc.wait()
            return False
        self.buf += data
        return True

    def expect(self, pattern, timeout=TIMEOUT):
        """Waits until pattern (str = literal, else compiled regex) appears
        after the last match; returns the match. Raises Failure."""
        rx = re.compile(re.escape(pattern)) if isinstance(pattern, str) \
            else pattern
        deadline = time.monotonic() + timeout
        while True:
            m = rx.search(self.text(), self.pos)
            if m:
                self.pos = m.end()
                return m
            if self.exited is not None or not self._read(deadline):
                why = ("exited with status %s" % self.exited
                       if self.exited is not None
                       else "no match in %.0f s" % timeout)
                tail = self.text()[-1500:]
                raise Failure("%s: waiting for %r: %s; last output:\n%s"
                              % (self.name, rx.pattern, why, tail))

    def elapsed(self):
        return time.monotonic() - self.start

    def send(self, text):
        self.proc.stdin.write(text.encode())
        self.proc.stdin.flush()

    def command(self, cmd, prompt="=> "):
        """Types cmd at a prompt and returns what it printed (without the
        echo and the next prompt)."""
        self.send(cmd + "\n")
        self.expect(cmd)  # the echo
        begin = self.pos
        m = self.expect(prompt)
        return self.text(begin, m.start()).lstrip("\r\n").replace("\r", "")

    def close(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait()
        self.proc.stdout.close()
        self.proc.stdin.close()
