# SPDX-License-Identifier: MIT
"""Linux with a BusyBox userland on the virt board, driven like a person at
the console (tests/boot/bootexpect.py underneath: wait for strings with a
timeout, type commands; never a fixed sleep).

The guest software comes from tests/linux/build.sh (make check builds it
once per build tree): LINUX_TESTS_DIR, default top_builddir/tests/linux.
"""
import os
import re
import select
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "boot"))
import bootexpect as bx  # noqa: E402

PROMPT = "guest# "
# The line /etc/init.d/rcS prints when the userland is up.
INIT_LINE = re.compile(r"rcS: userland up on (\d+) CPUs")
# Console messages and the early console: the same on both emulators.
APPEND = "console=ttyS0 earlycon=sbi"
MEMORY = "256M"

fail = bx.fail
Failure = bx.Failure


def host(argv, ok=(0,)):
    """Runs a host tool (qemu-img, e2fsck, ...); returns its standard
    output. An exit status not in ok fails the test with its output."""
    import subprocess
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode not in ok:
        raise Failure("%s exited with %d:\n%s%s"
                      % (" ".join(argv), r.returncode,
                         r.stdout.decode(errors="replace")[-2000:],
                         r.stderr.decode(errors="replace")[-2000:]))
    return r.stdout


def tool(name, package):
    """The path of a host tool, also found in /sbin and /usr/sbin; a
    missing one fails the test and names its Debian package."""
    import shutil
    for p in (shutil.which(name), os.path.join("/sbin", name),
              os.path.join("/usr/sbin", name)):
        if p and os.path.exists(p):
            return p
    fail("%s not found: apt-get install %s (tools/install-deps.sh)"
         % (name, package))


def verify_ext4(name, path, fmt, tmp, text, digest):
    """Checks an ext4 disk image after a guest session that wrote /seq.txt
    (text) and /random.bin (whose sha256 the guest printed, digest): for a
    qcow2, qemu-img check and a raw copy; then e2fsck replays the journal
    (what mounting it would do) and checks it all, 0 = clean, 1 = fixed
    (the journal replay alone counts as that); debugfs reads both files."""
    raw = path
    if fmt == "qcow2":
        qemu_img = tool("qemu-img", "qemu-utils")
        host([qemu_img, "check", "-f", "qcow2", path])
        raw = os.path.join(tmp, "check.raw")
        host([qemu_img, "convert", "-f", "qcow2", "-O", "raw", path, raw])
    out = host([tool("e2fsck", "e2fsprogs"), "-fy", raw], ok=(0, 1))
    if b"FIXED" in out or b"UNEXPECTED" in out:
        raise Failure("%s: e2fsck had to fix the file system:\n%s"
                      % (name, out.decode(errors="replace")))
    debugfs = tool("debugfs", "e2fsprogs")
    got = host([debugfs, "-R", "cat /seq.txt", raw]).decode()
    if got != text:
        raise Failure("%s: /seq.txt in the image is %d bytes, not the %d "
                      "the guest wrote" % (name, len(got), len(text)))
    dump = os.path.join(tmp, "random.bin")
    host([debugfs, "-R", "dump /random.bin %s" % dump, raw])
    got = host(["sha256sum", dump]).decode().split()[0]
    if got != digest:
        raise Failure("%s: /random.bin in the image has sha256 %s, the "
                      "guest's had %s" % (name, got, digest))
    os.unlink(dump)
    if raw != path:
        os.unlink(raw)


def images_dir():
    d = os.environ.get("LINUX_TESTS_DIR")
    if not d:
        top = os.environ.get("top_builddir") or os.path.join(
            os.path.dirname(os.path.abspath(__file__)), "..", "..")
        d = os.path.join(top, "tests", "linux", "build")
    return d


def image(name):
    """A file built by tests/linux/build.sh; a failure when missing."""
    path = os.path.join(images_dir(), name)
    if not os.path.exists(path):
        fail("%s was not built: make check builds the tiny kernel and the "
             "userland, make bench-linux the defconfig kernel "
             "(tests/linux/build.sh)" % path)
    return path


def kernel(kind="tiny"):
    return image("Image-" + kind)


def machine(emulator, smp=1, initrd=True, append=APPEND, extra=(),
            kind="tiny"):
    """argv for the virt board with Debian's OpenSBI and our kernel, the
    same on Tessera and on QEMU."""
    argv = [emulator, "-M", "virt", "-nographic", "-m", MEMORY,
            "-smp", str(smp), "-bios", bx.need_file(bx.OPENSBI),
            "-kernel", kernel(kind), "-append", append]
    if initrd:
        argv += ["-initrd", image("initramfs.cpio")]
    return argv + list(extra)


class Linux(bx.Console):
    """A booting Linux; shell() types a command at the BusyBox prompt."""

    def boot(self):
        """Waits for init's line and the first prompt; returns the number
        of CPUs init saw."""
        m = self.expect(INIT_LINE)
        self.init_time = self.elapsed()
        cpus = int(m.group(1))
        self.prompt()
        self.prompt_time = self.elapsed()
        return cpus

    def prompt(self):
        return self.expect(PROMPT)

    def shell(self, cmd, timeout=bx.TIMEOUT):
        """Types cmd, returns what it printed (no echo, no prompt, \\n line
        ends)."""
        self.send(cmd + "\n")
        self.expect(cmd + "\r\n", timeout)  # the tty's echo
        begin = self.pos
        m = self.expect(PROMPT, timeout)
        return self.text(begin, m.start()).replace("\r", "")

    def status(self, cmd, timeout=bx.TIMEOUT):
        """Runs cmd; returns (exit status, output)."""
        out = self.shell(cmd + "; echo \"[status $?]\"", timeout)
        m = re.search(r"\[status (\d+)\]\n?$", out)
        if not m:
            raise Failure("%s: no status after %r:\n%s" % (self.name, cmd, out))
        return int(m.group(1)), out[:m.start()]

    def check(self, cmd, timeout=bx.TIMEOUT):
        """Runs cmd, which must succeed; returns its output."""
        st, out = self.status(cmd, timeout)
        if st != 0:
            raise Failure("%s: %r exited with %d:\n%s"
                          % (self.name, cmd, st, out))
        return out

    def poweroff(self, cmd="poweroff"):
        """Types cmd and waits for the emulator to exit; its status must
        be 0."""
        self.send(cmd + "\n")
        try:
            status = self.proc.wait(timeout=bx.TIMEOUT)
        except Exception:
            raise Failure("%s: still running %.0f s after %r; last output:\n%s"
                          % (self.name, bx.TIMEOUT, cmd, self.text()[-1500:]))
        # Collect what it printed last (up to the end of the pipe).
        deadline = time.monotonic() + bx.TIMEOUT
        while self.exited is None and self._read(deadline):
            pass
        if status != 0:
            raise Failure("%s: exit status %d after %r; last output:\n%s"
                          % (self.name, status, cmd, self.text()[-1500:]))
        return status


def run(argv, name, body):
    """Boots argv, calls body(linux) at the first prompt, then makes sure
    the process is gone. Returns body's result."""
    c = Linux(argv, name)
    try:
        c.ncpus = c.boot()
        return body(c)
    finally:
        c.close()


def main(fn):
    """Runs fn(); a Failure becomes a FAIL line and exit status 1."""
    try:
        fn()
    except Failure as e:
        fail(str(e))


class SocketConsole:
    """The other end of a chardev socket (e.g. a virtconsole): expect and
    send as on the main console."""

    def __init__(self, sock, name):
        self.sock = sock
        self.name = name
        self.buf = b""
        self.pos = 0

    def text(self, start=0, end=None):
        return self.buf[start:end].decode("utf-8", "replace")

    def expect(self, pattern, timeout=bx.TIMEOUT):
        rx = re.compile(re.escape(pattern)) if isinstance(pattern, str) \
            else pattern
        deadline = time.monotonic() + timeout
        while True:
            m = rx.search(self.text(), self.pos)
            if m:
                self.pos = m.end()
                return m
            left = deadline - time.monotonic()
            r = select.select([self.sock], [], [], max(left, 0))[0] \
                if left > 0 else []
            data = self.sock.recv(65536) if r else b""
            if not data:
                raise Failure("%s: waiting for %r: %s; got:\n%s"
                              % (self.name, rx.pattern,
                                 "closed" if r else "no match in %.0f s"
                                 % timeout, self.text()[-1500:]))
            self.buf += data

    def send(self, text):
        self.sock.sendall(text.encode())
