# SPDX-License-Identifier: MIT
# AVR frontend plugin (avr5, avr51, avr6)
arch_LTLIBRARIES += plugins/arch/avr/avr.la
plugins_arch_avr_avr_la_SOURCES = \
	plugins/arch/avr/avr.h \
	plugins/arch/avr/exec.h \
	plugins/arch/avr/exec.c \
	plugins/arch/avr/translate.c \
	plugins/arch/avr/disas.c \
	plugins/arch/avr/cpu.c
plugins_arch_avr_avr_la_CFLAGS = $(PLUGIN_CC_FLAGS)
plugins_arch_avr_avr_la_LDFLAGS = $(PLUGIN_LD_FLAGS)
