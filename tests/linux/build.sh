#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds the guest software of the Linux tests, once per build tree:
#
#   tests/linux/build.sh SRCDIR CACHEDIR [tiny|defconfig]...
#
#   CACHEDIR/Image-tiny       Linux 6.1 (Debian's linux-source-6.1), tinyconfig
#                             plus tests/linux/tiny.config
#   CACHEDIR/Image-defconfig  the same source with defconfig (benchmark only)
#   CACHEDIR/busybox          static riscv64 BusyBox from Debian's source
#                             package, allnoconfig plus tests/linux/busybox.config
#   CACHEDIR/initramfs.cpio   BusyBox and tests/linux/rootfs/, /init = BusyBox init
#   CACHEDIR/rootfs.ext4      the same tree as an ext4 image (mkfs.ext4 -d)
#
# Each step writes a stamp holding a checksum of its inputs (the config
# fragments, the source package versions, this script) and is skipped when
# the stamp matches, so a second run costs a second. Nothing is downloaded
# but the BusyBox source (apt-get source busybox, which needs a deb-src entry:
# tools/install-deps.sh adds one); BUSYBOX_SOURCE=DIR uses an unpacked source
# tree instead. LINUX_JOBS sets the parallel jobs (default: the CPU count).
set -eu

if [ $# -lt 2 ]; then
    sed -n '3,19p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
srcdir=$(cd "$1" && pwd)
mkdir -p "$2"
cache=$(cd "$2" && pwd)
shift 2
kernels=${*:-tiny}
here=$srcdir/tests/linux
jobs=${LINUX_JOBS:-$(nproc 2>/dev/null || echo 2)}
cross=riscv64-linux-gnu-
log=$cache/build.log
# Our make's job server and options are not the kernel's.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
PATH=$PATH:/sbin:/usr/sbin
export PATH

die() {
    echo "tests/linux/build.sh: $*" >&2
    exit 1
}

need() {
    command -v "$1" >/dev/null 2>&1 ||
        die "$1 not found: apt-get install $2 (tools/install-deps.sh)"
}

# run WHAT CMD...: runs CMD with its output in the log; on failure shows
# the end of the log.
run() {
    what=$1
    shift
    echo "== $what: $*" >>"$log"
    if ! "$@" >>"$log" 2>&1; then
        tail -n 40 "$log" >&2
        die "$what failed (whole log: $log)"
    fi
}

# sum FILE...: one checksum over the names and contents of the files (base
# names: a tarball's copy in another directory has the same sum)
sum() {
    for f in "$@"; do
        basename "$f"
        cat "$f"
    done | sha256sum | cut -c1-16
}

# fresh STAMP KEY: true when STAMP already holds KEY
fresh() {
    [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]
}

need ${cross}gcc gcc-riscv64-linux-gnu
need make make
need flex flex
need bison bison
need bc bc
need xz xz-utils
need mkfs.ext4 e2fsprogs
need cc build-essential
[ -f /usr/riscv64-linux-gnu/lib/libc.a ] ||
    die "no static riscv64 C library: apt-get install libc6-dev-riscv64-cross (tools/install-deps.sh)"

# Serialize concurrent builds into the same cache (e.g. two make processes).
exec 9>"$cache/.lock"
if command -v flock >/dev/null 2>&1; then
    flock 9
fi
: >"$log"

# --- Linux source -----------------------------------------------------------
tarball=/usr/src/linux-source-6.1.tar.xz
[ -f "$tarball" ] ||
    die "$tarball is missing: apt-get install linux-source-6.1 (tools/install-deps.sh)"
ksrc=$cache/linux-source-6.1
key=$(ls -l --time-style=+%s "$tarball" | awk '{ print $5, $6 }')
if ! fresh "$cache/linux-source.stamp" "$key"; then
    echo "linux: unpacking $tarball (once per build tree)"
    rm -rf "$ksrc" "$cache/linux-source.stamp"
    run "unpacking the Linux source" tar -C "$cache" -xJf "$tarball"
    echo "$key" >"$cache/linux-source.stamp"
fi

# --- kernels ------------------------------------------------------------------
# kmake OUTDIR TARGET...
kmake() {
    kout=$1
    shift
    nice make -C "$ksrc" O="$kout" ARCH=riscv CROSS_COMPILE=$cross -j"$jobs" "$@"
}

build_kernel() {
    name=$1
    out=$cache/kernel-$name
    if [ "$name" = tiny ]; then
        inputs="$here/tiny.config"
    else
        inputs=
    fi
    # shellcheck disable=SC2086
    key="$(cat "$cache/linux-source.stamp") $(sum $inputs "$0")"
    if fresh "$out.stamp" "$key" && [ -f "$cache/Image-$name" ]; then
        return 0
    fi
    echo "linux: building the $name kernel with $jobs jobs (minutes, once per build tree; log: $log)"
    rm -f "$out.stamp"
    mkdir -p "$out"
    if [ "$name" = tiny ]; then
        run "tinyconfig" kmake "$out" tinyconfig
        run "merging tiny.config" "$ksrc/scripts/kconfig/merge_config.sh" \
            -m -O "$out" "$out/.config" "$here/tiny.config"
        run "olddefconfig" kmake "$out" olddefconfig
        # Every option of the fragment must have survived (a dependency
        # missing from the fragment silently drops an option).
        grep '^CONFIG_' "$here/tiny.config" | while read -r line; do
            grep -qx "$line" "$out/.config" ||
                die "tiny.config: '$line' is not in the resulting .config (a dependency missing?)"
        done
    else
        run "$name" kmake "$out" "$name"
    fi
    run "building the $name kernel" kmake "$out" Image
    cp "$out/arch/riscv/boot/Image" "$cache/Image-$name.tmp"
    mv "$cache/Image-$name.tmp" "$cache/Image-$name"
    echo "$key" >"$out.stamp"
}

for k in $kernels; do
    case $k in
    tiny | defconfig) build_kernel "$k" ;;
    *) die "unknown kernel '$k' (tiny, defconfig)" ;;
    esac
done

# --- BusyBox ----------------------------------------------------------------
# busybox_tree: the unpacked source under busybox-source/, if any
busybox_tree() {
    for d in "$cache"/busybox-source/busybox-*/; do
        if [ -f "$d/Makefile" ]; then
            echo "${d%/}"
            return
        fi
    done
}

if [ -n "${BUSYBOX_SOURCE:-}" ]; then
    bsrc=$(cd "$BUSYBOX_SOURCE" && pwd)
else
    bsrc=$(busybox_tree)
    if [ -z "$bsrc" ]; then
        need apt-get apt
        need dpkg-source dpkg-dev
        echo "linux: fetching BusyBox's source (apt-get source busybox)"
        rm -rf "$cache/busybox-source"
        mkdir -p "$cache/busybox-source"
        if ! (cd "$cache/busybox-source" && apt-get source busybox) >>"$log" 2>&1; then
            tail -n 20 "$log" >&2
            die "apt-get source busybox failed: it needs a deb-src entry for the Debian mirror (tools/install-deps.sh adds one, then apt-get update), or set BUSYBOX_SOURCE to an unpacked source tree"
        fi
        bsrc=$(busybox_tree)
        [ -n "$bsrc" ] || die "apt-get source busybox unpacked nothing"
    fi
fi
bout=$cache/busybox-build
key="$bsrc $(sum "$here/busybox.config" "$0")"
if ! fresh "$cache/busybox.stamp" "$key" || [ ! -x "$cache/busybox" ]; then
    echo "linux: building BusyBox ($(basename "$bsrc"), static riscv64)"
    rm -rf "$bout" "$cache/busybox.stamp"
    mkdir -p "$bout"
    bbmake() {
        nice make -C "$bsrc" O="$bout" CROSS_COMPILE=$cross "$@"
    }
    run "busybox allnoconfig" bbmake allnoconfig
    # BusyBox's kconfig drops KCONFIG_ALLCONFIG on its second allnoconfig
    # pass, so the fragment replaces the lines, then oldconfig takes the
    # defaults of what the fragment brings in.
    grep -o '^CONFIG_[A-Z0-9_]*' "$here/busybox.config" | while read -r o; do
        sed -i "/^$o=/d;/^# $o is not set/d" "$bout/.config"
    done
    grep '^CONFIG_' "$here/busybox.config" |
        sed 's/^\(CONFIG_[A-Z0-9_]*\)=n$/# \1 is not set/' >>"$bout/.config"
    yes "" | run "busybox oldconfig" bbmake oldconfig
    grep '^CONFIG_.*=[^n]' "$here/busybox.config" | while read -r line; do
        grep -qx "$line" "$bout/.config" ||
            die "busybox.config: '$line' is not in the resulting .config"
    done
    run "building BusyBox" bbmake -j"$jobs" busybox
    cp "$bout/busybox" "$cache/busybox.tmp"
    mv "$cache/busybox.tmp" "$cache/busybox"
    echo "$key" >"$cache/busybox.stamp"
fi

# --- root file system: an initramfs and an ext4 image -----------------------
rootfiles=$(cd "$here/rootfs" && find . -type f | LC_ALL=C sort)
# shellcheck disable=SC2086
key="$(cat "$cache/busybox.stamp") $(cd "$here/rootfs" && sum $rootfiles) $(sum "$0")"
if ! fresh "$cache/rootfs.stamp" "$key" || [ ! -f "$cache/initramfs.cpio" ] ||
        [ ! -f "$cache/rootfs.ext4" ]; then
    echo "linux: making the initramfs and the ext4 image"
    rm -f "$cache/rootfs.stamp"
    tree=$cache/rootfs
    rm -rf "$tree"
    mkdir -p "$tree"
    for d in bin sbin usr/bin usr/sbin dev proc sys tmp mnt root etc/init.d \
             usr/share/udhcpc var/www; do
        mkdir -p "$tree/$d"
    done
    cp "$cache/busybox" "$tree/bin/busybox"
    # One link per applet, where BusyBox would install it.
    (cd "$bout" && make -s -C "$bsrc" O="$bout" CROSS_COMPILE=$cross \
         CONFIG_PREFIX="$cache/rootfs-links" install) >>"$log" 2>&1 ||
        die "busybox install failed (log: $log)"
    (cd "$cache/rootfs-links" && find . -type l) | while read -r l; do
        target=$(readlink "$cache/rootfs-links/$l")
        mkdir -p "$(dirname "$tree/$l")"
        ln -sf "$target" "$tree/$l"
    done
    rm -rf "$cache/rootfs-links"
    (cd "$here/rootfs" && tar -cf - .) | (cd "$tree" && tar -xf -)
    ln -sf bin/busybox "$tree/init"
    echo "Tessera guest" >"$tree/var/www/index.html"

    # The initramfs: gen_init_cpio from the kernel source (owners root,
    # /dev/console present before devtmpfs).
    run "gen_init_cpio" cc -O2 -o "$cache/gen_init_cpio" "$ksrc/usr/gen_init_cpio.c"
    list=$cache/initramfs.list
    {
        echo "nod /dev/console 0600 0 0 c 5 1"
        (cd "$tree" && find . -mindepth 1 | LC_ALL=C sort) | while read -r p; do
            p=${p#.}
            mode=$(stat -c %a "$tree$p")
            if [ -L "$tree$p" ]; then
                echo "slink $p $(readlink "$tree$p") 777 0 0"
            elif [ -d "$tree$p" ]; then
                echo "dir $p $mode 0 0"
            else
                echo "file $p $tree$p $mode 0 0"
            fi
        done
    } >"$list"
    run "initramfs" sh -c "'$cache/gen_init_cpio' '$list' >'$cache/initramfs.cpio.tmp'"
    mv "$cache/initramfs.cpio.tmp" "$cache/initramfs.cpio"

    # The disk: the same tree, 64 MiB of ext4 (root_owner: files are root's).
    rm -f "$cache/rootfs.ext4.tmp"
    run "mkfs.ext4" mkfs.ext4 -q -F -L tessera -E root_owner=0:0 \
        -d "$tree" "$cache/rootfs.ext4.tmp" 64M
    mv "$cache/rootfs.ext4.tmp" "$cache/rootfs.ext4"
    echo "$key" >"$cache/rootfs.stamp"
fi
