# SPDX-License-Identifier: MIT
# Device plugins: one libtool module per device, named after its type.

devices_LTLIBRARIES += plugins/devices/common/ns16550a.la
plugins_devices_common_ns16550a_la_SOURCES = plugins/devices/common/ns16550a.c
plugins_devices_common_ns16550a_la_CFLAGS = $(PLUGIN_CC_FLAGS)
plugins_devices_common_ns16550a_la_LDFLAGS = $(PLUGIN_LD_FLAGS)

devices_LTLIBRARIES += plugins/devices/riscv/sifive-test.la
plugins_devices_riscv_sifive_test_la_SOURCES = plugins/devices/riscv/sifive-test.c
plugins_devices_riscv_sifive_test_la_CFLAGS = $(PLUGIN_CC_FLAGS)
plugins_devices_riscv_sifive_test_la_LDFLAGS = $(PLUGIN_LD_FLAGS)

devices_LTLIBRARIES += plugins/devices/riscv/clint.la
plugins_devices_riscv_clint_la_SOURCES = plugins/devices/riscv/clint.c
plugins_devices_riscv_clint_la_CFLAGS = $(PLUGIN_CC_FLAGS)
plugins_devices_riscv_clint_la_LDFLAGS = $(PLUGIN_LD_FLAGS)

devices_LTLIBRARIES += plugins/devices/riscv/htif.la
plugins_devices_riscv_htif_la_SOURCES = plugins/devices/riscv/htif.c
plugins_devices_riscv_htif_la_CFLAGS = $(PLUGIN_CC_FLAGS)
plugins_devices_riscv_htif_la_LDFLAGS = $(PLUGIN_LD_FLAGS)
