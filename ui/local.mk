# SPDX-License-Identifier: MIT
# Front-end modules of the core (-display NAME loads ui-NAME.so): built
# apart so that tessera itself does not link their libraries; they call
# the core's internal display and input functions (exported by the
# tessera executable), so they belong to this exact core version.
ui_LTLIBRARIES = ui/ui-sdl.la
ui_ui_sdl_la_SOURCES = ui/sdl.c ui/sdl-keymap.h
ui_ui_sdl_la_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) $(SDL2_CFLAGS)
ui_ui_sdl_la_LDFLAGS = -module -avoid-version -shared
ui_ui_sdl_la_LIBADD = $(SDL2_LIBS) $(GLIB_LIBS)
