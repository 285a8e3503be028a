# SPDX-License-Identifier: MIT
# AVR peripherals: one plugin per peripheral kind, configured by board files.
devices_LTLIBRARIES += plugins/devices/avr/avr-usart.la
plugins_devices_avr_avr_usart_la_SOURCES = plugins/devices/avr/avr-usart.c \
	plugins/devices/avr/avr-dev.h
plugins_devices_avr_avr_usart_la_CFLAGS = $(PLUGIN_CC_FLAGS)
plugins_devices_avr_avr_usart_la_LDFLAGS = $(PLUGIN_LD_FLAGS)

devices_LTLIBRARIES += plugins/devices/avr/avr-timer.la
plugins_devices_avr_avr_timer_la_SOURCES = plugins/devices/avr/avr-timer.c \
	plugins/devices/avr/avr-dev.h
plugins_devices_avr_avr_timer_la_CFLAGS = $(PLUGIN_CC_FLAGS)
plugins_devices_avr_avr_timer_la_LDFLAGS = $(PLUGIN_LD_FLAGS)

devices_LTLIBRARIES += plugins/devices/avr/avr-gpio.la
plugins_devices_avr_avr_gpio_la_SOURCES = plugins/devices/avr/avr-gpio.c \
	plugins/devices/avr/avr-dev.h
plugins_devices_avr_avr_gpio_la_CFLAGS = $(PLUGIN_CC_FLAGS)
plugins_devices_avr_avr_gpio_la_LDFLAGS = $(PLUGIN_LD_FLAGS)

devices_LTLIBRARIES += plugins/devices/avr/avr-eeprom.la
plugins_devices_avr_avr_eeprom_la_SOURCES = plugins/devices/avr/avr-eeprom.c \
	plugins/devices/avr/avr-dev.h
plugins_devices_avr_avr_eeprom_la_CFLAGS = $(PLUGIN_CC_FLAGS)
plugins_devices_avr_avr_eeprom_la_LDFLAGS = $(PLUGIN_LD_FLAGS)

devices_LTLIBRARIES += plugins/devices/avr/avr-wdt.la
plugins_devices_avr_avr_wdt_la_SOURCES = plugins/devices/avr/avr-wdt.c \
	plugins/devices/avr/avr-dev.h
plugins_devices_avr_avr_wdt_la_CFLAGS = $(PLUGIN_CC_FLAGS)
plugins_devices_avr_avr_wdt_la_LDFLAGS = $(PLUGIN_LD_FLAGS)

devices_LTLIBRARIES += plugins/devices/avr/avr-extint.la
plugins_devices_avr_avr_extint_la_SOURCES = plugins/devices/avr/avr-extint.c \
	plugins/devices/avr/avr-dev.h
plugins_devices_avr_avr_extint_la_CFLAGS = $(PLUGIN_CC_FLAGS)
plugins_devices_avr_avr_extint_la_LDFLAGS = $(PLUGIN_LD_FLAGS)

devices_LTLIBRARIES += plugins/devices/avr/avr-power.la
plugins_devices_avr_avr_power_la_SOURCES = plugins/devices/avr/avr-power.c \
	plugins/devices/avr/avr-dev.h
plugins_devices_avr_avr_power_la_CFLAGS = $(PLUGIN_CC_FLAGS)
plugins_devices_avr_avr_power_la_LDFLAGS = $(PLUGIN_LD_FLAGS)

devices_LTLIBRARIES += plugins/devices/avr/avr-vcd.la
plugins_devices_avr_avr_vcd_la_SOURCES = plugins/devices/avr/avr-vcd.c \
	plugins/devices/avr/avr-dev.h
plugins_devices_avr_avr_vcd_la_CFLAGS = $(PLUGIN_CC_FLAGS)
plugins_devices_avr_avr_vcd_la_LDFLAGS = $(PLUGIN_LD_FLAGS)
