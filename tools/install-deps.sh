#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs what building and testing Tessera needs on Debian 12.
set -e
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive

# The Linux tests build BusyBox from Debian's source package (apt-get source
# busybox), which needs a deb-src entry for the mirror the binary packages
# come from. Add one (once) when no deb-src entry exists.
if ! grep -rqsE '^(deb-src[[:space:]]|Types:.*deb-src)' \
        /etc/apt/sources.list /etc/apt/sources.list.d/; then
    uri=$(sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/*.sources \
              2>/dev/null | grep -v security | head -n 1)
    [ -n "$uri" ] || uri=$(sed -n 's/^deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]*\)\{0,1\}\([^[:space:]]*\).*/\2/p' \
              /etc/apt/sources.list 2>/dev/null | grep -v security | head -n 1)
    [ -n "$uri" ] || uri=http://deb.debian.org/debian
    suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
    printf 'Types: deb-src\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
        "$uri" "$suite" | $SUDO tee /etc/apt/sources.list.d/tessera-deb-src.sources >/dev/null
fi
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends \
    build-essential autoconf automake libtool libltdl-dev pkg-config \
    libglib2.0-dev libjson-glib-dev libfdt-dev libzstd-dev zlib1g-dev nettle-dev libcapstone-dev \
    libslirp-dev libpng-dev libsdl2-dev xvfb xauth x11-apps libxtst6 \
    libcunit1-dev \
    gcc-riscv64-unknown-elf binutils-riscv64-unknown-elf \
    qemu-system-misc device-tree-compiler opensbi u-boot-qemu time \
    clang libclang-rt-14-dev valgrind git ca-certificates \
    qemu-utils libnbd-bin dpkg-dev debhelper gcc-avr binutils-avr avr-libc simavr \
    gdb-multiarch gdb-avr \
    gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm \
    linux-source-6.1 gcc-riscv64-linux-gnu libc6-dev-riscv64-cross \
    flex bison bc cpio xz-utils e2fsprogs python3
