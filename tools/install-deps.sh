#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs what building and testing Tessera needs on Debian 12.
set -e
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends \
    build-essential autoconf automake libtool libltdl-dev pkg-config \
    libglib2.0-dev libjson-glib-dev libfdt-dev libzstd-dev zlib1g-dev libcapstone-dev \
    libslirp-dev \
    libcunit1-dev \
    gcc-riscv64-unknown-elf binutils-riscv64-unknown-elf \
    qemu-system-misc device-tree-compiler opensbi u-boot-qemu \
    clang libclang-rt-14-dev valgrind git ca-certificates \
    qemu-utils libnbd-bin dpkg-dev debhelper gcc-avr binutils-avr avr-libc simavr \
    gdb-multiarch gdb-avr \
    gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm
