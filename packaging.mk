# SPDX-License-Identifier: MIT
# What the packager and the outside plugin author get: man pages, the table
# naming the package of each plugin, the SDK example and its test.

dist_man_MANS = doc/tessera.1 doc/tessera-board.5 doc/tessera-img.1 doc/tessera-nbd.1

# "KIND/FILE.so PACKAGE" for every plugin we build, so that an installed
# tessera can say which package to install when a board needs a plugin that
# is missing. The package follows the source folder:
#   plugins/arch/ISA/*         -> tessera-arch-ISA
#   plugins/devices/FAMILY/*   -> tessera-devices-FAMILY (common if flat)
#   plugins/boards/ISA[-X]/*   -> tessera-arch-ISA when ISA is an arch we
#                                 build (board logic goes with its ISA), else
#                                 tessera
#   plugins/tcg-tools/*        -> tessera-tools
# debian/rules splits the plugins with this same table.
nodist_plugins_DATA = plugins/plugin-packages
CLEANFILES += plugins/plugin-packages
plugins/plugin-packages: Makefile
	$(AM_V_GEN)$(MKDIR_P) plugins && { \
	for la in $(arch_LTLIBRARIES); do d=$${la%/*}; \
		echo "arch/$${la##*/} tessera-arch-$${d##*/}"; done; \
	for la in $(devices_LTLIBRARIES); do d=$${la%/*}; d=$${d#plugins/devices}; \
		d=$${d#/}; echo "devices/$${la##*/} tessera-devices-$${d:-common}"; done; \
	archs=" "; for la in $(arch_LTLIBRARIES); do d=$${la%/*}; \
		archs="$$archs$${d##*/} "; done; \
	for la in $(boards_LTLIBRARIES); do d=$${la#plugins/boards/}; \
		isa=$${d%%/*}; isa=$${isa%%-*}; \
		case $$archs in *" $$isa "*) p=tessera-arch-$$isa ;; *) p=tessera ;; esac; \
		echo "boards/$${la##*/} $$p"; done; \
	for la in $(tools_LTLIBRARIES); do \
		echo "tools/$${la##*/} tessera-tools"; done; \
	} | sed 's/\.la /.so /' | LC_ALL=C sort >$@-t && mv $@-t $@

# The out-of-tree example, installed as documentation for plugin authors.
exampledir = $(docdir)/examples/device
dist_example_DATA = examples/device/Makefile examples/device/README.md \
	examples/device/doorbell.c examples/device/doorbell.ini \
	examples/device/guest.S examples/device/link.ld

# The guides for plugin and arch authors, beside the examples ($(docdir)).
dist_doc_DATA = docs/writing-plugins.md docs/writing-an-arch.md

# The out-of-tree arch example of docs/writing-an-arch.md, likewise.
examplearchdir = $(docdir)/examples/arch
dist_examplearch_DATA = examples/arch/Makefile examples/arch/README.md \
	examples/arch/mini.c examples/arch/mini.inc examples/arch/mini.ini \
	examples/arch/hello.s

# Installs into a DESTDIR, builds the examples against it, boots them.
TESTS += tests/sdk/sdk.test tests/sdk/arch-example.test
EXTRA_DIST += tests/sdk/arch-example.test
EXTRA_DIST += tests/sdk/sdk.test tests/sdk/debs.sh tests/sdk/avr-hello.S \
	docs/board-files.md debian

# The tarball must build as cleanly as the tree.
AM_DISTCHECK_CONFIGURE_FLAGS = --enable-werror
