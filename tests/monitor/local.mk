# SPDX-License-Identifier: MIT
# Monitor (HMP), QMP and socket/pty character backend tests: a Python
# driver runs tessera with a small echo guest (built with the RISC-V cross
# compiler) and talks to it over stdio, UNIX and TCP sockets and a pty.
MONITOR_TESTS = tests/monitor/hmp.test tests/monitor/qmp.test \
	tests/monitor/chardev.test
TESTS += $(MONITOR_TESTS)
check_SCRIPTS += tests/monitor/echo.elf
CLEANFILES += tests/monitor/echo.elf
EXTRA_DIST += $(MONITOR_TESTS) tests/monitor/driver.py tests/monitor/echo.S

tests/monitor/echo.elf: $(srcdir)/tests/monitor/echo.S
	@mkdir -p tests/monitor
	$(AM_V_GEN)$(RISCV_CC) -march=rv64imac -mabi=lp64 -nostdlib \
		-nostartfiles -static -Wl,-N -Wl,-Ttext=0x80000000 \
		-Wl,--no-warn-rwx-segments -o $@ $(srcdir)/tests/monitor/echo.S
