#!/bin/sh
# SPDX-License-Identifier: MIT
# CPU-bound AVR benchmark: the same ELF on Tessera, simavr and
# qemu-system-avr (Arduino Uno, ATmega328P at 16 MHz), reported as
# simulated MHz = simulated cycles / host seconds.
#   bench/avr/run.sh [ROUNDS]     (from the build tree; default 200)
set -eu
rounds=${1:-200}
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILDDIR:-$top}
work=$(mktemp -d "${TMPDIR:-/tmp}/tessera-avr-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
avr-gcc -mmcu=atmega328p -O2 -DROUNDS="$rounds" -o "$work/bench.elf" \
    "$top/bench/avr/workload.c"
export TESSERA_BOARD_PATH=$top/config/boards
python3 - "$work/bench.elf" "$build/tessera" <<'PY'
import os, re, subprocess, sys, time
elf, tessera = sys.argv[1], sys.argv[2]
runs = [
    ("tessera native", [tessera, "-accel", "native", "-M", "uno",
                        "-nographic", "-bios", elf], "stdout"),
    ("tessera interp", [tessera, "-accel", "interp", "-M", "uno",
                        "-nographic", "-bios", elf], "stdout"),
    ("simavr", ["simavr", "-m", "atmega328p", "-f", "16000000", elf], "stderr"),
    ("qemu-system-avr", ["qemu-system-avr", "-M", "uno", "-nographic",
                         "-bios", elf], "stdout"),
]
ref = None
ref_cycles = None
REPEAT = int(os.environ.get("REPEAT", "3"))
best = {}
outs = {}

def once(name, cmd, stream):
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE if stream == "stdout" else subprocess.DEVNULL,
                         stderr=subprocess.PIPE if stream == "stderr" else subprocess.DEVNULL)
    f = p.stdout if stream == "stdout" else p.stderr
    text = b""
    while b"done" not in text:
        chunk = os.read(f.fileno(), 4096)
        if not chunk:
            break
        text += chunk
    elapsed = time.monotonic() - t0
    p.kill()
    p.wait()
    return elapsed, re.sub(rb"\x1b\[[0-9;]*m", b"", text).decode(errors="replace")

# Alternating runs; the fastest of each counts (shared, noisy machines).
for _ in range(REPEAT):
    for name, cmd, stream in runs:
        elapsed, out = once(name, cmd, stream)
        if name not in best or elapsed < best[name]:
            best[name] = elapsed
        outs[name] = out
for name, cmd, stream in runs:
    elapsed, out = best[name], outs[name]
    m = re.search(r"cycles=(\d+)", out)
    if not m:
        print(f"{name:16s} failed: {out!r}")
        continue
    # QEMU's timers follow the host clock, not cycles: use the cycle
    # count the cycle-exact simulators measured for the same program.
    own = int(m.group(1))
    cycles = ref_cycles or own
    ref_cycles = ref_cycles or cycles
    res = re.search(r"crc=\S+ primes=\d+ acc=[0-9a-f]+", out).group(0)
    ref = ref or res
    same = "same result" if res == ref else "DIFFERENT RESULT"
    print(f"{name:16s} {cycles / elapsed / 1e6:7.1f} simulated MHz "
          f"({elapsed:.3f} s; Timer1 counted {own} cycles; {same})")
PY
