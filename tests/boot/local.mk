# SPDX-License-Identifier: MIT
# Firmware boots on the virt board (Debian's opensbi and u-boot-qemu),
# each compared with qemu-system-riscv64, and the device-tree checks.
# Driven by tests/boot/bootexpect.py (waits for strings with timeouts).
BOOT_TESTS = \
	tests/boot/opensbi-banner.py \
	tests/boot/uboot-smode.sh tests/boot/uboot-smode-smp4.sh \
	tests/boot/uboot-mmode.sh tests/boot/uboot-mmode-smp4.sh \
	tests/boot/dumpdtb.py tests/boot/uboot-virtio.py
TESTS += $(BOOT_TESTS)
EXTRA_DIST += $(BOOT_TESTS) tests/boot/bootexpect.py tests/boot/uboot.py

# The new device plugins on their own source with the fake core of the
# device unit tests (tests/unit/fake-core.c).
BOOT_DEVICE_TESTS = tests/boot/test-plic tests/boot/test-goldfish-rtc \
	tests/boot/test-virtio-mmio
check_PROGRAMS += $(BOOT_DEVICE_TESTS)
TESTS += $(BOOT_DEVICE_TESTS)
tests_boot_test_plic_SOURCES = tests/boot/test-plic.c tests/unit/fake-core.c
tests_boot_test_plic_CFLAGS = $(AM_CFLAGS) $(CUNIT_CFLAGS) $(FDT_CFLAGS)
tests_boot_test_plic_LDADD = $(CUNIT_LIBS) $(FDT_LIBS)
tests_boot_test_goldfish_rtc_SOURCES = tests/boot/test-goldfish-rtc.c \
	tests/unit/fake-core.c
tests_boot_test_goldfish_rtc_CFLAGS = $(AM_CFLAGS) $(CUNIT_CFLAGS) $(FDT_CFLAGS)
tests_boot_test_goldfish_rtc_LDADD = $(CUNIT_LIBS) $(FDT_LIBS)
tests_boot_test_virtio_mmio_SOURCES = tests/boot/test-virtio-mmio.c \
	tests/unit/fake-core.c
tests_boot_test_virtio_mmio_CFLAGS = $(AM_CFLAGS) $(CUNIT_CFLAGS) $(FDT_CFLAGS)
tests_boot_test_virtio_mmio_LDADD = $(CUNIT_LIBS) $(FDT_LIBS)
