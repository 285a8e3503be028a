#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Guest I/O throughput on the virt board: Tessera (native code) against
qemu-system-riscv64, the same kernel, BusyBox initramfs, firmware and
options, alternating, RUNS boots of each. In every boot, at the shell
prompt:

  blk-write  dd if=/dev/zero of=/dev/vda bs=1M count=DISK oflag=direct
  blk-read   dd if=/dev/vda of=/dev/null bs=1M count=DISK iflag=direct
  http       wget -O /dev/null http://10.0.2.2:PORT/blob (HTTP bytes)

/dev/vda is a scratch raw image of DISK MiB made here (in /dev/shm when
there is one, so the host's disk is not what is measured), attached as
-drive file=...,format=raw,if=none,id=d0 -device virtio-blk-device,drive=d0
on both (virtio-mmio: QEMU's if=virtio on virt is PCI). The network is
-netdev user,id=n0 -device virtio-net-device,netdev=n0 on both, the guest
runs udhcpc first; the HTTP server is this script's, on 127.0.0.1, it
serves HTTP MiB from memory and counts the bytes it sent.

Each transfer is timed two ways: on the host, between the arrival on the
console of a line the guest prints just before the command and one it
prints just after (this is the figure reported: it does not depend on the
emulator's notion of time), and with the guest's clock (/proc/uptime,
10 ms resolution, read before and after, printed as a cross-check).
A third column divides the bytes by the CPU time the emulator process
(all its threads) used over the same interval (/proc/PID/stat): MB per
host CPU second, which a loaded machine disturbs much less than the wall
clock. MB/s are 10^6 bytes per second; the table gives median and best
(from the shortest time) of RUNS.

usage: io.py [-n RUNS] [-k tiny|defconfig] [-s SMP] [-e tessera,qemu]
             [--disk MiB] [--http MiB]
Run by `make bench-linux` (LINUX_BENCH_RUNS, LINUX_BENCH_IO_KERNEL).
"""
import argparse
import http.server
import os
import re
import shutil
import statistics
import sys
import tempfile
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "tests", "linux"))
import linuxexpect as lx  # noqa: E402

TESTS = ("blk-write", "blk-read", "http")
# The timeout for one transfer: a slow emulator on a loaded machine still
# moves more than 1 MB/s; this only bounds a hang.
XFER_TIMEOUT = 600
MARK = 0  # makes every marker line unique within a boot


class Blob(http.server.BaseHTTPRequestHandler):
    """GET /blob: the server's payload; records how many bytes each
    transfer wrote."""
    payload = b""
    sent = []
    done = threading.Condition()

    def do_GET(self):
        if self.path != "/blob":
            self.send_error(404)
            return
        data = self.payload
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        view = memoryview(data)
        done = 0
        try:
            while done < len(data):
                done += self.wfile.write(view[done:done + (1 << 20)])
        finally:
            with Blob.done:
                Blob.sent.append(done)
                Blob.done.notify_all()

    def log_message(self, *args):
        pass


def cpu_seconds(pid):
    """User + system time of process pid, all its threads (/proc)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(c, cmd, name):
    """Runs cmd at the prompt between two marker lines; returns (host
    seconds, guest seconds, the emulator's CPU seconds, its output). The
    markers are printed by the guest (the tty's echo of the command line
    holds $((...)), not the number), so the host's time is from the first
    marker's arrival to the second's."""
    global MARK
    MARK += 1
    up = "$(cut -d' ' -f1 /proc/uptime)"
    line = ("t0=%s; echo \"BEGIN-$((%d))\"; %s >/tmp/out 2>&1; st=$?; "
            "t1=%s; echo \"END-$((%d)) $st $t0 $t1\""
            % (up, MARK, cmd, up, MARK))
    c.send(line + "\n")
    c.expect("BEGIN-%d\r\n" % MARK, XFER_TIMEOUT)
    h0 = c.elapsed()
    c0 = cpu_seconds(c.proc.pid)
    m = c.expect(re.compile(r"END-%d (\d+) ([\d.]+) ([\d.]+)\r\n" % MARK),
                 XFER_TIMEOUT)
    h1 = c.elapsed()
    c1 = cpu_seconds(c.proc.pid)
    c.prompt()
    out = c.check("cat /tmp/out")
    if int(m.group(1)) != 0:
        raise lx.Failure("%s: %r exited with %s:\n%s"
                         % (name, cmd, m.group(1), out))
    return h1 - h0, float(m.group(3)) - float(m.group(2)), c1 - c0, out


def session(argv, name, disk_mib, http_port, http_bytes):
    """One boot; returns {test: (bytes, host s, guest s, CPU s)}."""
    def body(c):
        res = {}
        n = disk_mib << 20
        records = "%d+0 records out" % disk_mib
        h, g, u, out = timed(c, "dd if=/dev/zero of=/dev/vda bs=1M "
                             "count=%d oflag=direct" % disk_mib, name)
        if records not in out:
            raise lx.Failure("%s: dd to /dev/vda: %r" % (name, out))
        res["blk-write"] = (n, h, g, u)
        h, g, u, out = timed(c, "dd if=/dev/vda of=/dev/null bs=1M "
                             "count=%d iflag=direct" % disk_mib, name)
        if records not in out:
            raise lx.Failure("%s: dd from /dev/vda: %r" % (name, out))
        res["blk-read"] = (n, h, g, u)
        lease = c.check("udhcpc -i eth0 -n -q -t 5")
        if "10.0.2.15" not in lease:
            raise lx.Failure("%s: udhcpc: %r" % (name, lease))
        before = len(Blob.sent)
        h, g, u, out = timed(c, "wget -q -O /dev/null "
                             "http://10.0.2.2:%d/blob" % http_port, name)
        # The handler thread records the transfer after its last write,
        # which may come after the guest's last read on a loaded machine.
        with Blob.done:
            Blob.done.wait_for(lambda: len(Blob.sent) > before, lx.bx.TIMEOUT)
            sent = Blob.sent[before:]
        if sent != [http_bytes]:
            raise lx.Failure("%s: the server sent %r bytes, not [%d]: %r"
                             % (name, sent, http_bytes, out))
        res["http"] = (http_bytes, h, g, u)
        c.poweroff("poweroff -f")
        return res
    return lx.run(argv, name, body)


def shm_dir():
    return "/dev/shm" if os.access("/dev/shm", os.W_OK) else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", type=int, default=3, help="boots of each (3)")
    ap.add_argument("-k", default="tiny", help="kernel: tiny or defconfig")
    ap.add_argument("-s", type=int, default=1, help="-smp (1)")
    ap.add_argument("-e", default="tessera,qemu", help="emulators")
    ap.add_argument("--disk", type=int, default=128,
                    help="MiB dd writes and reads (128)")
    ap.add_argument("--http", type=int, default=64,
                    help="MiB the guest downloads (64)")
    a = ap.parse_args()
    emus = {"tessera": [lx.bx.tessera()],
            "interp": [lx.bx.tessera(), "-accel", "interp"],
            "qemu": [lx.bx.qemu()]}
    chosen = a.e.split(",")
    for e in chosen:
        if e not in emus:
            lx.fail("unknown emulator %r (tessera, interp, qemu)" % e)
    if a.n < 1 or a.disk < 1 or a.http < 1:
        lx.fail("-n, --disk and --http must be positive")

    tmp = tempfile.mkdtemp(prefix="tessera-bench-io-", dir=shm_dir())
    Blob.payload = os.urandom(1 << 20) * a.http
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Blob)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    results = {e: [] for e in chosen}
    try:
        disk = os.path.join(tmp, "scratch.raw")
        with open(disk, "wb") as f:
            f.truncate(a.disk << 20)
        extra = ["-drive", "file=%s,format=raw,if=none,id=d0" % disk,
                 "-device", "virtio-blk-device,drive=d0",
                 "-netdev", "user,id=n0",
                 "-device", "virtio-net-device,netdev=n0"]
        for _ in range(a.n):
            for e in chosen:
                base = lx.machine(emus[e][0], a.s, kind=a.k, extra=extra)
                argv = base[:1] + emus[e][1:] + base[1:]
                results[e].append(session(argv, e, a.disk,
                                          server.server_address[1],
                                          len(Blob.payload)))
    finally:
        server.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)

    print("Linux guest I/O, kernel %s (%s), -smp %d: MB/s (10^6 B/s), "
          "median / best of %d boots, alternating"
          % (a.k, lx.kernel(a.k), a.s, a.n))
    print("dd %d MiB to and from a raw virtio-blk image (O_DIRECT); wget of "
          "%d MiB over -netdev user" % (a.disk, a.http))
    print("%-20s%16s%16s%16s" % ("", "host console", "guest clock",
                                  "per CPU second"))
    for t in TESTS:
        for e in chosen:
            row = "%-10s%-10s" % (t, e)
            for col in (1, 2, 3):
                rates = []
                for r in results[e]:
                    n, secs = r[t][0], r[t][col]
                    if secs <= 0:
                        lx.fail("%s %s: a time of %.3f s" % (e, t, secs))
                    rates.append(n / secs / 1e6)
                row += "%16s" % ("%.1f / %.1f" % (statistics.median(rates),
                                                   max(rates)))
            print(row)
        if "qemu" in chosen:
            def med(e, col):
                return statistics.median(r[t][0] / r[t][col]
                                         for r in results[e])
            for e in chosen:
                if e != "qemu":
                    print("%-10s%s: %.2f of QEMU's throughput, %.2f per CPU "
                          "second (medians)"
                          % ("", e, med(e, 1) / med("qemu", 1),
                             med(e, 3) / med("qemu", 3)))
    sys.stdout.flush()


lx.main(main)
