#!/bin/bash
# SPDX-License-Identifier: MIT
# Checks the split Debian packages as a user installs them, in a fresh root
# (dpkg -x, no root rights needed). Usage: tests/sdk/debs.sh DIR-WITH-DEBS
#  1. "installing" tessera-arch-riscv pulls, through the declared Depends,
#     everything the virt board needs, and virt runs;
#  2. an Arduino board then fails with the missing-plugin message that names
#     tessera-arch-avr;
#  3. after installing tessera-arch-avr (and what it depends on) it runs;
#  4. libtessera-plugin-dev builds the SDK example, which boots;
#  5. tessera-img, on its own (no emulator needed), makes a qcow2 image.
#  6. tessera-nbd, on its own, runs.
set -uo pipefail
debs=$(cd "${1:?usage: $0 DIR-WITH-DEBS}" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root="$work/root"
mkdir -p "$root"
fail=0

check() { # description, output file, expected text
    if grep -qF -- "$3" "$2"; then
        echo "ok: $1"
    else
        echo "FAIL: $1: expected '$3' in:"; sed 's/^/  | /' "$2"; fail=1
    fi
}

# Unpacks a package and, first, the packages of ours it depends on.
declare -A unpacked
install_pkg() {
    local name=$1 deb dep
    [ -n "${unpacked[$name]:-}" ] && return 0
    deb=$(ls "$debs/${name}_"*.deb 2>/dev/null | head -1)
    [ -n "$deb" ] || { echo "FAIL: no package $name in $debs"; fail=1; return 1; }
    unpacked[$name]=1
    for dep in $(dpkg-deb -f "$deb" Depends | tr ',' '\n' |
                 sed -n 's/^ *\(\(lib\)\{0,1\}tessera[a-z0-9-]*\).*/\1/p'); do
        install_pkg "$dep"
    done
    dpkg -x "$deb" "$root"
    echo "installed $name"
}

install_pkg tessera-arch-riscv
for p in tessera tessera-devices-riscv tessera-devices-common; do
    [ -n "${unpacked[$p]:-}" ] && echo "ok: tessera-arch-riscv pulled $p" ||
        { echo "FAIL: tessera-arch-riscv does not depend on $p"; fail=1; }
done
[ -z "${unpacked[tessera-arch-avr]:-}" ] || { echo "FAIL: riscv pulled avr"; fail=1; }

plugins=$(dirname "$(find "$root" -path '*/tessera/abi*/plugin-packages')")
export TESSERA_PLUGIN_PATH="$plugins"
export TESSERA_BOARD_PATH="$root/usr/share/tessera/boards"
tessera="$root/usr/bin/tessera"

# 1. virt with only the RISC-V packages.
mkdir -p "$work/rv"
riscv64-unknown-elf-gcc -march=rv64imac_zicsr -mabi=lp64 -nostdlib \
    -nostartfiles -Wl,--no-relax -Wl,--no-warn-rwx-segments \
    -T "$src/demo/link.ld" \
    -o "$work/rv/hello.elf" "$src/demo/start.S" "$src/demo/hello.c" \
    -mcmodel=medany -O2 -ffreestanding ||
    { echo "FAIL: cannot build the RISC-V demo (gcc-riscv64-unknown-elf)"; exit 1; }
"$tessera" -M virt -bios none -nographic -kernel "$work/rv/hello.elf" \
    </dev/null >"$work/out" 2>&1
status=$?
[ $status -eq 0 ] && echo "ok: virt runs from the packages" ||
    { echo "FAIL: virt exited $status"; fail=1; }
check "virt prints the demo's greeting" "$work/out" "Hello from a bare-metal RISC-V guest!"

# 2. The Arduino boards without the AVR packages.
ARDUINOS="arduino-uno arduino-duemilanove arduino-mega arduino-mega-2560-v3"
avr-gcc -mmcu=atmega328p -nostartfiles -nostdlib -o "$work/avr.elf" \
    "$src/tests/sdk/avr-hello.S" ||
    { echo "FAIL: cannot build the AVR guest (apt-get install gcc-avr)"; exit 1; }
for b in $ARDUINOS; do
    "$tessera" -M $b -nographic -bios "$work/avr.elf" </dev/null >"$work/out" 2>&1
    [ $? -ne 0 ] || { echo "FAIL: $b ran without the AVR packages"; fail=1; }
    check "$b: missing arch plugin" "$work/out" "no plugin provides arch 'avr'"
    check "$b: names the package" "$work/out" "it is in the package 'tessera-arch-avr'"
done

# 3. Install the AVR arch: its Depends bring the devices.
install_pkg tessera-arch-avr
[ -n "${unpacked[tessera-devices-avr]:-}" ] &&
    echo "ok: tessera-arch-avr pulled tessera-devices-avr" ||
    { echo "FAIL: tessera-arch-avr does not depend on tessera-devices-avr"; fail=1; }
for b in $ARDUINOS; do
    "$tessera" -M $b -nographic -bios "$work/avr.elf" </dev/null >"$work/out" 2>&1
    status=$?
    [ $status -eq 0 ] && echo "ok: $b runs with the AVR packages" ||
        { echo "FAIL: $b exited $status with the AVR packages"; fail=1; }
    check "$b prints the guest's USART output" "$work/out" "avr ok"
done

# 4. The SDK package builds and runs the example.
install_pkg libtessera-plugin-dev
pc=$(find "$root" -name tessera-plugin.pc)
ex="$work/ex"
cp -R "$root/usr/share/doc/libtessera-plugin-dev/examples/device" "$ex"
PKG_CONFIG="pkg-config --define-variable=prefix=$root/usr --define-variable=libdir=${pc%/pkgconfig/*}"
export PKG_CONFIG_PATH="${pc%/*}"
if make -C "$ex" PKG_CONFIG="$PKG_CONFIG" CFLAGS="-O2 -Werror" doorbell.so \
        guest.elf install >"$work/out" 2>&1; then
    echo "ok: the example builds against libtessera-plugin-dev"
else
    echo "FAIL: the example does not build against libtessera-plugin-dev"
    sed 's/^/  | /' "$work/out"; fail=1
fi
"$tessera" -M "$ex/doorbell.ini" -bios none -nographic -kernel "$ex/guest.elf" \
    </dev/null >"$work/out" 2>&1
status=$?
[ $status -eq 0 ] && echo "ok: the example board boots" ||
    { echo "FAIL: the example board exited $status"; fail=1; }
check "the example guest's output" "$work/out" "interrupt taken and acknowledged"

# 5. tessera-img stands alone.
install_pkg tessera-img
[ -z "$(dpkg-deb -f "$(ls "$debs"/tessera-img_*.deb | head -1)" Depends |
        grep -o 'tessera (')" ] && echo "ok: tessera-img does not need the emulator" ||
    { echo "FAIL: tessera-img depends on tessera"; fail=1; }
"$root/usr/bin/tessera-img" create -f qcow2 "$work/d.qcow2" 1M >/dev/null &&
    "$root/usr/bin/tessera-img" info "$work/d.qcow2" >"$work/out" 2>&1
check "the packaged tessera-img makes a qcow2 image" "$work/out" "file format: qcow2"

# 6. tessera-nbd stands alone too.
install_pkg tessera-nbd
[ -z "$(dpkg-deb -f "$(ls "$debs"/tessera-nbd_*.deb | head -1)" Depends |
        grep -o 'tessera (')" ] && echo "ok: tessera-nbd does not need the emulator" ||
    { echo "FAIL: tessera-nbd depends on tessera"; fail=1; }
"$root/usr/bin/tessera-nbd" --help >"$work/out" 2>&1
check "the packaged tessera-nbd runs" "$work/out" "Serve the disk image FILE"

[ $fail -eq 0 ] && echo "packages: all checks passed" || echo "packages: FAILED"
exit $fail
