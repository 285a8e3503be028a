# SPDX-License-Identifier: MIT
# Linux with a BusyBox userland on the virt board, driven at the console
# (tests/linux/linuxexpect.py on tests/boot/bootexpect.py). The kernel
# (Debian's linux-source-6.1, tinyconfig + tests/linux/tiny.config), BusyBox
# (Debian's source package, static) and the initramfs and ext4 image are
# built by tests/linux/build.sh once per build tree, into
# tests/linux/build/ or $LINUX_TESTS_DIR (one cache shared by build trees,
# as .ci/run does for distcheck); `make check` builds them first.
LINUX_TESTS = \
	tests/linux/shell-smp1.sh tests/linux/shell-smp4.sh \
	tests/linux/smp-repeat.sh
TESTS += $(LINUX_TESTS)
# The virtio device sessions (disk, network, hwrng, hvc0, input), each also run on
# qemu-system-riscv64 where it adds an oracle. Run one alone with:
# make linux-guest && top_builddir=. tests/linux/disk-raw.sh
LINUX_DEVICE_TESTS = \
	tests/linux/disk-raw.sh tests/linux/disk-qcow2-tessera.sh \
	tests/linux/disk-qcow2-qemu.sh tests/linux/disk-nbd.sh \
	tests/linux/disk-opts.sh tests/linux/disk-discard.sh tests/linux/net.sh \
	tests/linux/hwrng.sh tests/linux/hvc.sh tests/linux/input.sh
TESTS += $(LINUX_DEVICE_TESTS)
EXTRA_DIST += $(LINUX_DEVICE_TESTS)
LINUX_TESTS_FILES = tests/linux/linuxexpect.py tests/linux/shell.py \
	tests/linux/smp-repeat.py tests/linux/disk.py tests/linux/disk-nbd.py \
	tests/linux/disk-opts.py tests/linux/disk-discard.py tests/linux/net.py \
	tests/linux/devices.py tests/linux/input.py tests/linux/build.sh \
	tests/linux/tiny.config tests/linux/busybox.config \
	tests/linux/rootfs/etc/inittab tests/linux/rootfs/etc/init.d/rcS \
	tests/linux/rootfs/etc/profile \
	tests/linux/rootfs/usr/share/udhcpc/default.script
EXTRA_DIST += $(LINUX_TESTS) $(LINUX_TESTS_FILES)
AM_TESTS_ENVIRONMENT += \
	LINUX_TESTS_DIR="$${LINUX_TESTS_DIR:-$(abs_top_builddir)/tests/linux/build}"; \
	export LINUX_TESTS_DIR;
LINUX_GUEST_BUILD = $(SHELL) $(srcdir)/tests/linux/build.sh $(srcdir) \
	"$${LINUX_TESTS_DIR:-$(abs_top_builddir)/tests/linux/build}"

# The guest software of the tests (cached: seconds once built).
check_DATA += linux-guest
linux-guest:
	$(AM_V_GEN)$(LINUX_GUEST_BUILD) tiny

# 100 boots of -smp 4 in a row (make check does 5).
LINUX_STRESS_BOOTS = 100
linux-smp-stress: all linux-guest
	$(AM_TESTS_ENVIRONMENT) python3 $(srcdir)/tests/linux/smp-repeat.py \
		$(LINUX_STRESS_BOOTS) 4

distclean-local: linux-distclean
linux-distclean:
	rm -rf tests/linux/build
.PHONY: linux-guest linux-smp-stress linux-distclean
