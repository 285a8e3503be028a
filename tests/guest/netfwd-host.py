#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The host side of the netfwd guest test: runs an emulator command line
# (with @PORT@ replaced by a free local TCP port, for its hostfwd), passes
# its output through, connects to the port once the guest prints
# "netfwd: ready", reads until the guest closes, and after the emulator has
# exited prints what it received. Exits with the emulator's status.
import socket
import subprocess
import sys

s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()

cmd = [a.replace("@PORT@", str(port)) for a in sys.argv[1:]]
p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
got = None
for raw in p.stdout:
    sys.stdout.buffer.write(raw)
    sys.stdout.flush()
    if raw.strip() == b"netfwd: ready" and got is None:
        got = b""
        try:
            c = socket.create_connection(("127.0.0.1", port), timeout=15)
            while True:
                d = c.recv(4096)
                if not d:
                    break
                got += d
            c.close()
        except OSError as e:
            got = ("error: %s" % e).encode()
rc = p.wait()
print("host: received %r" % (got,))
sys.exit(rc)
