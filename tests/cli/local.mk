# SPDX-License-Identifier: MIT
# Issue 16: what the user asks for happens, or tessera says why not.
CLI_TESTS = tests/cli/riscv-boot.test tests/cli/avr-images.test \
	tests/cli/bigbss.py
TESTS += $(CLI_TESTS)
EXTRA_DIST += $(CLI_TESTS) tests/cli/common.sh tests/cli/mkelf.py
check_DATA += $(DEMO_ELF)
