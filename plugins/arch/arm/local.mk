# SPDX-License-Identifier: MIT
# ARM M-profile frontend plugin (Cortex-M0/M3/M4), with the System Control
# Space device (armv7m-scs) that belongs to the CPU.
arch_LTLIBRARIES += plugins/arch/arm/arm.la
plugins_arch_arm_arm_la_SOURCES = \
	plugins/arch/arm/arm.h \
	plugins/arch/arm/cpu.c \
	plugins/arch/arm/gdb.c \
	plugins/arch/arm/scs.c \
	plugins/arch/arm/semihost.c \
	plugins/arch/arm/sleep.c \
	plugins/arch/arm/translate.c \
	plugins/arch/arm/dsp.c \
	plugins/arch/arm/fpu.c \
	plugins/arch/arm/mpu.c \
	plugins/arch/arm/disas.c
# fpu.c changes the host's rounding mode around its operations.
plugins_arch_arm_arm_la_CFLAGS = $(PLUGIN_CC_FLAGS) $(CAPSTONE_CFLAGS) \
	-frounding-math -ffp-contract=off
plugins_arch_arm_arm_la_LDFLAGS = $(PLUGIN_LD_FLAGS)
plugins_arch_arm_arm_la_LIBADD = $(CAPSTONE_LIBS) -lm
