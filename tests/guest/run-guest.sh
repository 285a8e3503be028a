#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs one guest program on Tessera and on QEMU and compares them.
#
#   run-guest.sh CONFIG PROGRAM XLEN BOARD
#
# CONFIG is the guest-config.sh written by guest.mk (tool paths, folders).
# Passes when both exit with status 0 (or what expect/PROGRAM.status says)
# and both print exactly the expected output (expect/PROGRAM-XLEN-BOARD.out,
# else PROGRAM-XLEN.out, else PROGRAM.out), which makes their outputs equal.
# A missing compiler, emulator or ELF is a failure, never a skip: the suite
# must not pass by not running.
#
# GUEST_TIMEOUT (seconds, default 20) bounds each run; the programs take
# well under a second on both emulators.

set -u

if [ $# -ne 4 ]; then
    echo "usage: $0 CONFIG PROGRAM XLEN BOARD" >&2
    exit 2
fi
config=$1 prog=$2 xlen=$3 board=$4
. "$config" || exit 1

timeout_s=${GUEST_TIMEOUT:-20}
name="$prog ($xlen, $board)"
elf="$ELFDIR/$xlen-$board/$prog.elf"
work="$ELFDIR/$xlen-$board/$prog.run"
status=0

fail() {
    echo "FAIL $name: $*"
    status=1
}

if [ -z "$RISCV_CC" ] || ! command -v "$RISCV_CC" >/dev/null 2>&1; then
    echo "FAIL $name: no RISC-V cross compiler (RISCV_CC='$RISCV_CC');" \
         "apt-get install gcc-riscv64-unknown-elf, then re-run configure"
    exit 1
fi
if [ ! -f "$elf" ]; then
    echo "FAIL $name: $elf was not built"
    exit 1
fi

expect=
for f in "$EXPECTDIR/$prog-$xlen-$board.out" "$EXPECTDIR/$prog-$xlen.out" \
         "$EXPECTDIR/$prog.out"; do
    if [ -f "$f" ]; then
        expect=$f
        break
    fi
done
if [ -z "$expect" ]; then
    echo "FAIL $name: no expected output in $EXPECTDIR for $prog"
    exit 1
fi

# Most programs exit with 0; one checks that other codes come through.
want_rc=0
if [ -f "$EXPECTDIR/$prog.status" ]; then
    want_rc=$(cat "$EXPECTDIR/$prog.status")
fi

case $xlen in
rv32) qemu=$QEMU_RISCV32 qemu_name=qemu-system-riscv32 cpu_opt="-cpu rv32" ;;
rv64) qemu=$QEMU_RISCV64 qemu_name=qemu-system-riscv64 cpu_opt= ;;
*) echo "FAIL $name: unknown xlen $xlen"; exit 1 ;;
esac

# Programs whose output needs deterministic counters on QEMU (whose
# minstret is a host tick count unless -icount is on).
qemu_extra=
case $prog in
csr) qemu_extra="-icount shift=0" ;;
esac
# Devices a program needs on both (QEMU's virtio-mmio is legacy unless told).
dev_opts=
host_driver=
case $prog in
virtnet)
    dev_opts="-netdev user,id=n -device virtio-net-device,netdev=n"
    qemu_extra="$qemu_extra -global virtio-mmio.force-legacy=false" ;;
netfwd)
    # netfwd-host.py picks the port, connects and reports what it read.
    dev_opts="-netdev user,id=n,hostfwd=tcp:127.0.0.1:@PORT@-:7 -device virtio-net-device,netdev=n"
    qemu_extra="$qemu_extra -global virtio-mmio.force-legacy=false"
    host_driver="python3 $(dirname "$0")/netfwd-host.py" ;;
esac

mkdir -p "$work" || exit 1

# run LABEL COMMAND...: output in $work/LABEL.out, stderr in LABEL.err,
# exit status in LABEL.rc.
run() {
    label=$1
    shift
    echo "run: $*"
    # shellcheck disable=SC2086 # host_driver is a command with arguments
    timeout -k 5 "$timeout_s" $host_driver "$@" </dev/null >"$work/$label.out" 2>"$work/$label.err"
    rc=$?
    echo "$rc" >"$work/$label.rc"
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        echo "  (timed out after ${timeout_s}s)"
    fi
    grep -v '^[[:space:]]*$' "$work/$label.err" | sed 's/^/  stderr: /' | head -n 20
}

# check LABEL WHAT: compares one run with the expectation; returns 1 if
# they differ.
check() {
    label=$1 what=$2
    before=$status
    rc=$(cat "$work/$label.rc")
    if [ "$rc" -ne "$want_rc" ]; then
        case $rc in
        124|137) fail "$what timed out after ${timeout_s}s" ;;
        *) fail "$what exit status $rc, expected $want_rc" ;;
        esac
    fi
    if ! cmp -s "$expect" "$work/$label.out"; then
        fail "$what output differs from $expect:"
        diff -u "$expect" "$work/$label.out" | sed 's/^/  /' | head -n 40
    fi
    [ "$before" = "$status" ]
}

tessera_state=ok
if [ -z "$TESSERA" ] || [ ! -x "$TESSERA" ]; then
    fail "tessera binary '$TESSERA' not found (build it with make)"
    tessera_state=missing
else
    # shellcheck disable=SC2086
    run tessera "$TESSERA" -M "$board" $cpu_opt -bios none -nographic $dev_opts -kernel "$elf"
    check tessera "tessera" || tessera_state=bad
fi

qemu_state=ok
if [ -z "$qemu" ] || [ ! -x "$qemu" ]; then
    fail "$qemu_name not found (apt-get install qemu-system-misc, then re-run configure)"
    qemu_state=missing
else
    # shellcheck disable=SC2086
    run qemu "$qemu" -M "$board" -bios none -nographic $qemu_extra $dev_opts -kernel "$elf"
    check qemu "$qemu_name" || qemu_state=bad
fi

# Tessera must behave as QEMU does. When Tessera was right, the expectation
# already covers that; when both went wrong, show how they differ.
if [ $tessera_state = bad ] && [ $qemu_state = bad ]; then
    if [ "$(cat "$work/tessera.rc")" != "$(cat "$work/qemu.rc")" ]; then
        fail "exit status: tessera $(cat "$work/tessera.rc"), qemu $(cat "$work/qemu.rc")"
    fi
    if ! cmp -s "$work/tessera.out" "$work/qemu.out"; then
        fail "output: tessera and qemu differ:"
        diff -u --label qemu --label tessera "$work/qemu.out" "$work/tessera.out" \
            | sed 's/^/  /' | head -n 40
    fi
fi

if [ $status -eq 0 ]; then
    echo "PASS $name"
    sed 's/^/  | /' "$work/tessera.out"
fi
exit $status
