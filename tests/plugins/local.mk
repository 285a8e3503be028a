# SPDX-License-Identifier: MIT
# Plugin loading as an installed tessera sees it.
check_LTLIBRARIES = tests/plugins/bad-abi.la tests/plugins/unresolved.la \
	tests/plugins/null-mmio.la
tests_plugins_bad_abi_la_SOURCES = tests/plugins/bad-abi.c
tests_plugins_bad_abi_la_CFLAGS = $(PLUGIN_CC_FLAGS)
tests_plugins_bad_abi_la_LDFLAGS = $(PLUGIN_LD_FLAGS) -rpath /nowhere
tests_plugins_unresolved_la_SOURCES = tests/plugins/unresolved.c
tests_plugins_unresolved_la_CFLAGS = $(PLUGIN_CC_FLAGS)
tests_plugins_unresolved_la_LDFLAGS = $(PLUGIN_LD_FLAGS) -rpath /nowhere
tests_plugins_null_mmio_la_SOURCES = tests/plugins/null-mmio.c
tests_plugins_null_mmio_la_CFLAGS = $(PLUGIN_CC_FLAGS)
tests_plugins_null_mmio_la_LDFLAGS = $(PLUGIN_LD_FLAGS) -rpath /nowhere
TESTS += tests/plugins/plugins.test
EXTRA_DIST += tests/plugins/plugins.test
# The test boots the demo guest.
check_DATA = $(DEMO_ELF)
