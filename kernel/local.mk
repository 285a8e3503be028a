# SPDX-License-Identifier: MIT
# The runtime core: a static library linked whole into the tessera binary
# (so every tessera_* function is exported to plugins) and into unit tests.
noinst_LIBRARIES += kernel/libcore.a
kernel_libcore_a_CFLAGS = $(AM_CFLAGS) -fPIC $(GLIB_CFLAGS) \
	$(CAPSTONE_CFLAGS) $(ZSTD_CFLAGS) $(FDT_CFLAGS) $(JSON_GLIB_CFLAGS) \
	$(SLIRP_CFLAGS) $(PNG_CFLAGS)
kernel_libcore_a_SOURCES = \
	kernel/bus.c kernel/bus.h \
	kernel/cpu.c kernel/cpu.h kernel/cpu-internal.h \
	kernel/ir.c kernel/ir-internal.h \
	kernel/ir-opt.c \
	kernel/interp.c kernel/native.c kernel/backend.c kernel/backend.h \
	kernel/x86-emit.c kernel/x86-emit.h \
	kernel/tcache.c \
	kernel/sched.c kernel/sched.h \
	kernel/log.c kernel/log.h \
	kernel/chardev.c kernel/chardev.h \
	kernel/monitor.c kernel/monitor.h kernel/qmp.c kernel/qom.c \
	kernel/plugin.c kernel/plugin.h \
	kernel/device.c kernel/device.h \
	kernel/drive.c kernel/drive.h \
	kernel/object.c kernel/object.h \
	kernel/board.c kernel/board.h \
	kernel/machine.c kernel/machine.h \
	kernel/fdt.c kernel/fdt.h \
	kernel/util.c kernel/util.h \
	kernel/tool.c kernel/tool.h \
	kernel/debug.c kernel/debug.h \
	kernel/gdbproto.c kernel/gdbproto.h \
	kernel/gdbstub.c kernel/gdbstub.h \
	kernel/fdwatch.c kernel/fdwatch.h \
	kernel/display.c kernel/display.h kernel/screendump.c \
	kernel/net.c kernel/net.h kernel/netopts.c kernel/netopts.h \
	kernel/input.c kernel/input.h kernel/input-cmds.c kernel/input-cmds.h \
	loader/loader.h loader/elf.c loader/raw.c loader/ihex.c

# Link flag for programs that embed the core (tessera, unit tests).
CORE_LINK = -Wl,--whole-archive,kernel/libcore.a,--no-whole-archive
CORE_LIBS = $(GLIB_LIBS) $(JSON_GLIB_LIBS) $(BLOCK_LIBS) \
	$(ZSTD_LIBS) $(FDT_LIBS) $(SLIRP_LIBS) $(PNG_LIBS) $(LTDL_LIBS) -lm
CORE_CC_FLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS)

bin_PROGRAMS += tessera
tessera_SOURCES = kernel/main.c
tessera_CFLAGS = $(CORE_CC_FLAGS)
tessera_LDADD = $(CORE_LIBS) $(BLOCK_LIBS)
tessera_LDFLAGS = -export-dynamic $(CORE_LINK)
tessera_DEPENDENCIES = kernel/libcore.a block/libblock.a

tesserainclude_HEADERS = \
	plugin-api/tessera/tessera.h \
	plugin-api/tessera/ir.h \
	plugin-api/tessera/arch.h \
	plugin-api/tessera/device.h \
	plugin-api/tessera/board.h \
	plugin-api/tessera/tool.h \
	plugin-api/tessera/net.h \
	plugin-api/tessera/input.h \
	plugin-api/tessera/display.h
