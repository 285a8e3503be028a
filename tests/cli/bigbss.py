#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A 512 MiB .bss loads without touching host memory: the loader must not
zero fresh RAM byte by byte (which took seconds and RSS as large as the
.bss). Measured as the child's peak RSS, never as time."""
import os
import resource
import subprocess
import sys
import tempfile

top_builddir = os.environ.get("top_builddir", ".")
top_srcdir = os.environ.get("top_srcdir", ".")
LIMIT_MIB = 256

with tempfile.TemporaryDirectory() as work:
    elf = os.path.join(work, "bss.elf")
    dtb = os.path.join(work, "out.dtb")
    subprocess.run([sys.executable, os.path.join(top_srcdir, "tests/cli/mkelf.py"),
                    elf, "0x80000000", str(512 << 20)], check=True)
    env = dict(os.environ, TESSERA_BOARD_PATH=os.path.join(top_srcdir,
                                                             "config/boards"))
    # dumpdtb: build the machine, load the images, write the tree, stop.
    r = subprocess.run([os.path.join(top_builddir, "tessera"),
                        "-M", "virt,dumpdtb=" + dtb, "-m", "2G",
                        "-bios", "none", "-kernel", elf],
                       env=env, stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=120)
    rss_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
    if r.returncode != 0 or not os.path.exists(dtb):
        print("FAIL: a 512 MiB .bss did not load:", r.stderr.strip())
        sys.exit(1)
    if rss_mib > LIMIT_MIB:
        print(f"FAIL: loading a 512 MiB .bss took {rss_mib} MiB of RSS "
              f"(limit {LIMIT_MIB} MiB)")
        sys.exit(1)
    print(f"PASS: 512 MiB .bss loaded with a peak RSS of {rss_mib} MiB")
