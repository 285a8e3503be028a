# SPDX-License-Identifier: MIT
# Instrumentation tools (-plugin NAME): one libtool module per tool.
TCG_TOOLS = insn bb hotblocks mem execlog hotpages lockstep

tools_LTLIBRARIES += plugins/tcg-tools/insn.la
plugins_tcg_tools_insn_la_SOURCES = plugins/tcg-tools/insn.c
plugins_tcg_tools_insn_la_CFLAGS = $(PLUGIN_CC_FLAGS)
plugins_tcg_tools_insn_la_LDFLAGS = $(PLUGIN_LD_FLAGS)

tools_LTLIBRARIES += plugins/tcg-tools/bb.la
plugins_tcg_tools_bb_la_SOURCES = plugins/tcg-tools/bb.c
plugins_tcg_tools_bb_la_CFLAGS = $(PLUGIN_CC_FLAGS)
plugins_tcg_tools_bb_la_LDFLAGS = $(PLUGIN_LD_FLAGS)

tools_LTLIBRARIES += plugins/tcg-tools/hotblocks.la
plugins_tcg_tools_hotblocks_la_SOURCES = plugins/tcg-tools/hotblocks.c
plugins_tcg_tools_hotblocks_la_CFLAGS = $(PLUGIN_CC_FLAGS)
plugins_tcg_tools_hotblocks_la_LDFLAGS = $(PLUGIN_LD_FLAGS)

tools_LTLIBRARIES += plugins/tcg-tools/mem.la
plugins_tcg_tools_mem_la_SOURCES = plugins/tcg-tools/mem.c
plugins_tcg_tools_mem_la_CFLAGS = $(PLUGIN_CC_FLAGS)
plugins_tcg_tools_mem_la_LDFLAGS = $(PLUGIN_LD_FLAGS)

tools_LTLIBRARIES += plugins/tcg-tools/execlog.la
plugins_tcg_tools_execlog_la_SOURCES = plugins/tcg-tools/execlog.c
plugins_tcg_tools_execlog_la_CFLAGS = $(PLUGIN_CC_FLAGS)
plugins_tcg_tools_execlog_la_LDFLAGS = $(PLUGIN_LD_FLAGS)

tools_LTLIBRARIES += plugins/tcg-tools/hotpages.la
plugins_tcg_tools_hotpages_la_SOURCES = plugins/tcg-tools/hotpages.c
plugins_tcg_tools_hotpages_la_CFLAGS = $(PLUGIN_CC_FLAGS)
plugins_tcg_tools_hotpages_la_LDFLAGS = $(PLUGIN_LD_FLAGS)

tools_LTLIBRARIES += plugins/tcg-tools/lockstep.la
plugins_tcg_tools_lockstep_la_SOURCES = plugins/tcg-tools/lockstep.c
plugins_tcg_tools_lockstep_la_CFLAGS = $(PLUGIN_CC_FLAGS)
plugins_tcg_tools_lockstep_la_LDFLAGS = $(PLUGIN_LD_FLAGS)
