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

devices_LTLIBRARIES += plugins/devices/cmsdk/cmsdk-apb-dualtimer.la
plugins_devices_cmsdk_cmsdk_apb_dualtimer_la_SOURCES = plugins/devices/cmsdk/cmsdk-apb-dualtimer.c
plugins_devices_cmsdk_cmsdk_apb_dualtimer_la_CFLAGS = $(PLUGIN_CC_FLAGS)
plugins_devices_cmsdk_cmsdk_apb_dualtimer_la_LDFLAGS = $(PLUGIN_LD_FLAGS)

devices_LTLIBRARIES += plugins/devices/cmsdk/cmsdk-ahb-gpio.la
plugins_devices_cmsdk_cmsdk_ahb_gpio_la_SOURCES = plugins/devices/cmsdk/cmsdk-ahb-gpio.c
plugins_devices_cmsdk_cmsdk_ahb_gpio_la_CFLAGS = $(PLUGIN_CC_FLAGS)
plugins_devices_cmsdk_cmsdk_ahb_gpio_la_LDFLAGS = $(PLUGIN_LD_FLAGS)

devices_LTLIBRARIES += plugins/devices/cmsdk/cmsdk-apb-watchdog.la
plugins_devices_cmsdk_cmsdk_apb_watchdog_la_SOURCES = plugins/devices/cmsdk/cmsdk-apb-watchdog.c
plugins_devices_cmsdk_cmsdk_apb_watchdog_la_CFLAGS = $(PLUGIN_CC_FLAGS)
plugins_devices_cmsdk_cmsdk_apb_watchdog_la_LDFLAGS = $(PLUGIN_LD_FLAGS)

# The MPS2 boards' own system blocks (packaged with the CMSDK ones)
devices_LTLIBRARIES += plugins/devices/cmsdk/mps2-fpgaio.la
plugins_devices_cmsdk_mps2_fpgaio_la_SOURCES = plugins/devices/cmsdk/mps2-fpgaio.c
plugins_devices_cmsdk_mps2_fpgaio_la_CFLAGS = $(PLUGIN_CC_FLAGS)
plugins_devices_cmsdk_mps2_fpgaio_la_LDFLAGS = $(PLUGIN_LD_FLAGS)

devices_LTLIBRARIES += plugins/devices/cmsdk/mps2-scc.la
plugins_devices_cmsdk_mps2_scc_la_SOURCES = plugins/devices/cmsdk/mps2-scc.c
plugins_devices_cmsdk_mps2_scc_la_CFLAGS = $(PLUGIN_CC_FLAGS)
plugins_devices_cmsdk_mps2_scc_la_LDFLAGS = $(PLUGIN_LD_FLAGS)

devices_LTLIBRARIES += plugins/devices/cmsdk/pl022.la
plugins_devices_cmsdk_pl022_la_SOURCES = plugins/devices/cmsdk/pl022.c
plugins_devices_cmsdk_pl022_la_CFLAGS = $(PLUGIN_CC_FLAGS)
plugins_devices_cmsdk_pl022_la_LDFLAGS = $(PLUGIN_LD_FLAGS)

devices_LTLIBRARIES += plugins/devices/cmsdk/sbcon-i2c.la
plugins_devices_cmsdk_sbcon_i2c_la_SOURCES = plugins/devices/cmsdk/sbcon-i2c.c
plugins_devices_cmsdk_sbcon_i2c_la_CFLAGS = $(PLUGIN_CC_FLAGS)
plugins_devices_cmsdk_sbcon_i2c_la_LDFLAGS = $(PLUGIN_LD_FLAGS)

devices_LTLIBRARIES += plugins/devices/cmsdk/lan9118.la
plugins_devices_cmsdk_lan9118_la_SOURCES = plugins/devices/cmsdk/lan9118.c
plugins_devices_cmsdk_lan9118_la_CFLAGS = $(PLUGIN_CC_FLAGS) $(ZLIB_CFLAGS)
plugins_devices_cmsdk_lan9118_la_LDFLAGS = $(PLUGIN_LD_FLAGS)
plugins_devices_cmsdk_lan9118_la_LIBADD = $(ZLIB_LIBS)

devices_LTLIBRARIES += plugins/devices/common/or-irq.la
plugins_devices_common_or_irq_la_SOURCES = plugins/devices/common/or-irq.c
plugins_devices_common_or_irq_la_CFLAGS = $(PLUGIN_CC_FLAGS)
plugins_devices_common_or_irq_la_LDFLAGS = $(PLUGIN_LD_FLAGS)

devices_LTLIBRARIES += plugins/devices/common/platform-bus.la
plugins_devices_common_platform_bus_la_SOURCES = plugins/devices/common/platform-bus.c
plugins_devices_common_platform_bus_la_CFLAGS = $(PLUGIN_CC_FLAGS)
plugins_devices_common_platform_bus_la_LDFLAGS = $(PLUGIN_LD_FLAGS)

devices_LTLIBRARIES += plugins/devices/common/simple-framebuffer.la
plugins_devices_common_simple_framebuffer_la_SOURCES = plugins/devices/common/simple-framebuffer.c
plugins_devices_common_simple_framebuffer_la_CFLAGS = $(PLUGIN_CC_FLAGS) $(FDT_CFLAGS)
plugins_devices_common_simple_framebuffer_la_LDFLAGS = $(PLUGIN_LD_FLAGS)
plugins_devices_common_simple_framebuffer_la_LIBADD = $(FDT_LIBS)
