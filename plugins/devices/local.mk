# SPDX-License-Identifier: MIT
# Device plugins: one libtool module per device, named after its type.

devices_LTLIBRARIES += plugins/devices/common/ns16550a.la
plugins_devices_common_ns16550a_la_SOURCES = plugins/devices/common/ns16550a.c
plugins_devices_common_ns16550a_la_CFLAGS = $(PLUGIN_CC_FLAGS) $(FDT_CFLAGS)
plugins_devices_common_ns16550a_la_LDFLAGS = $(PLUGIN_LD_FLAGS)
plugins_devices_common_ns16550a_la_LIBADD = $(FDT_LIBS)

devices_LTLIBRARIES += plugins/devices/riscv/sifive-test.la
plugins_devices_riscv_sifive_test_la_SOURCES = plugins/devices/riscv/sifive-test.c \
	plugins/devices/riscv/riscv-fdt.h
plugins_devices_riscv_sifive_test_la_CFLAGS = $(PLUGIN_CC_FLAGS) $(FDT_CFLAGS)
plugins_devices_riscv_sifive_test_la_LDFLAGS = $(PLUGIN_LD_FLAGS)
plugins_devices_riscv_sifive_test_la_LIBADD = $(FDT_LIBS)

devices_LTLIBRARIES += plugins/devices/riscv/clint.la
plugins_devices_riscv_clint_la_SOURCES = plugins/devices/riscv/clint.c \
	plugins/devices/riscv/riscv-fdt.h
plugins_devices_riscv_clint_la_CFLAGS = $(PLUGIN_CC_FLAGS) $(FDT_CFLAGS)
plugins_devices_riscv_clint_la_LDFLAGS = $(PLUGIN_LD_FLAGS)
plugins_devices_riscv_clint_la_LIBADD = $(FDT_LIBS)

devices_LTLIBRARIES += plugins/devices/riscv/htif.la
plugins_devices_riscv_htif_la_SOURCES = plugins/devices/riscv/htif.c
plugins_devices_riscv_htif_la_CFLAGS = $(PLUGIN_CC_FLAGS) $(FDT_CFLAGS)
plugins_devices_riscv_htif_la_LDFLAGS = $(PLUGIN_LD_FLAGS)
plugins_devices_riscv_htif_la_LIBADD = $(FDT_LIBS)

devices_LTLIBRARIES += plugins/devices/riscv/sifive-plic.la
plugins_devices_riscv_sifive_plic_la_SOURCES = plugins/devices/riscv/sifive-plic.c plugins/devices/riscv/riscv-fdt.h
plugins_devices_riscv_sifive_plic_la_CFLAGS = $(PLUGIN_CC_FLAGS) $(FDT_CFLAGS)
plugins_devices_riscv_sifive_plic_la_LDFLAGS = $(PLUGIN_LD_FLAGS)
plugins_devices_riscv_sifive_plic_la_LIBADD = $(FDT_LIBS)

devices_LTLIBRARIES += plugins/devices/riscv/goldfish-rtc.la
plugins_devices_riscv_goldfish_rtc_la_SOURCES = plugins/devices/riscv/goldfish-rtc.c plugins/devices/riscv/riscv-fdt.h
plugins_devices_riscv_goldfish_rtc_la_CFLAGS = $(PLUGIN_CC_FLAGS) $(FDT_CFLAGS)
plugins_devices_riscv_goldfish_rtc_la_LDFLAGS = $(PLUGIN_LD_FLAGS)
plugins_devices_riscv_goldfish_rtc_la_LIBADD = $(FDT_LIBS)

devices_LTLIBRARIES += plugins/devices/riscv/virtio-mmio.la
plugins_devices_riscv_virtio_mmio_la_SOURCES = plugins/devices/riscv/virtio-mmio.c plugins/devices/riscv/riscv-fdt.h
plugins_devices_riscv_virtio_mmio_la_CFLAGS = $(PLUGIN_CC_FLAGS) $(FDT_CFLAGS)
plugins_devices_riscv_virtio_mmio_la_LDFLAGS = $(PLUGIN_LD_FLAGS)
plugins_devices_riscv_virtio_mmio_la_LIBADD = $(FDT_LIBS)

# ARM CMSDK peripherals (the MPS2 boards)
devices_LTLIBRARIES += plugins/devices/cmsdk/cmsdk-apb-uart.la
plugins_devices_cmsdk_cmsdk_apb_uart_la_SOURCES = plugins/devices/cmsdk/cmsdk-apb-uart.c
plugins_devices_cmsdk_cmsdk_apb_uart_la_CFLAGS = $(PLUGIN_CC_FLAGS)
plugins_devices_cmsdk_cmsdk_apb_uart_la_LDFLAGS = $(PLUGIN_LD_FLAGS)

devices_LTLIBRARIES += plugins/devices/cmsdk/cmsdk-apb-timer.la
plugins_devices_cmsdk_cmsdk_apb_timer_la_SOURCES = plugins/devices/cmsdk/cmsdk-apb-timer.c
plugins_devices_cmsdk_cmsdk_apb_timer_la_CFLAGS = $(PLUGIN_CC_FLAGS)
plugins_devices_cmsdk_cmsdk_apb_timer_la_LDFLAGS = $(PLUGIN_LD_FLAGS)

devices_LTLIBRARIES += plugins/devices/common/platform-bus.la
plugins_devices_common_platform_bus_la_SOURCES = plugins/devices/common/platform-bus.c
plugins_devices_common_platform_bus_la_CFLAGS = $(PLUGIN_CC_FLAGS)
plugins_devices_common_platform_bus_la_LDFLAGS = $(PLUGIN_LD_FLAGS)

devices_LTLIBRARIES += plugins/devices/common/simple-framebuffer.la
plugins_devices_common_simple_framebuffer_la_SOURCES = plugins/devices/common/simple-framebuffer.c
plugins_devices_common_simple_framebuffer_la_CFLAGS = $(PLUGIN_CC_FLAGS) $(FDT_CFLAGS)
plugins_devices_common_simple_framebuffer_la_LDFLAGS = $(PLUGIN_LD_FLAGS)
plugins_devices_common_simple_framebuffer_la_LIBADD = $(FDT_LIBS)
