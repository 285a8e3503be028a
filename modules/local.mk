# SPDX-License-Identifier: MIT
# Modules of the core that it loads on first use, so that tessera itself
# does not link their libraries: host-disas.so prints host code for
# -d out_asm with capstone (linked into tessera, capstone's relocations
# took some 6 ms of every start). Tied to this core's version, as ui/.
mod_LTLIBRARIES = modules/host-disas.la
modules_host_disas_la_SOURCES = modules/host-disas.c
modules_host_disas_la_CFLAGS = $(AM_CFLAGS) $(CAPSTONE_CFLAGS)
modules_host_disas_la_LDFLAGS = -module -avoid-version -shared
modules_host_disas_la_LIBADD = $(CAPSTONE_LIBS)
