# SPDX-License-Identifier: MIT
# Board logic plugins (tessera/board.h).

boards_LTLIBRARIES += plugins/boards/riscv-virt/riscv-virt.la
plugins_boards_riscv_virt_riscv_virt_la_SOURCES = plugins/boards/riscv-virt/virt.c
plugins_boards_riscv_virt_riscv_virt_la_CFLAGS = $(PLUGIN_CC_FLAGS) $(FDT_CFLAGS)
plugins_boards_riscv_virt_riscv_virt_la_LDFLAGS = $(PLUGIN_LD_FLAGS)
plugins_boards_riscv_virt_riscv_virt_la_LIBADD = $(FDT_LIBS)
