# SPDX-License-Identifier: MIT
# ARM M-profile guests (the MPS2 boards) against qemu-system-arm, the
# instrumentation tools and lockstep on ARM. The scripts build the
# programs with arm-none-eabi-gcc into tests/arm/build.
TESTS += tests/arm/arm-guests.test tests/arm/arm-tools.test
TESTS += tests/arm/arm-devices.test tests/arm/arm-newlib.test \
	tests/arm/arm-gpio.test
EXTRA_DIST += tests/arm/arm-devices.test tests/arm/dev.c tests/arm/eth.c \
	tests/arm/arm-newlib.test tests/arm/newlib.c tests/arm/rt/newlib.ld \
	tests/arm/rt/newlib-crt0.S
EXTRA_DIST += tests/arm/arm-guests.test tests/arm/arm-tools.test \
	tests/arm/rt/crt0.S tests/arm/rt/guest.ld tests/arm/rt/rt.c \
	tests/arm/rt/rt.h tests/arm/rt/mpu.h tests/arm/rt/start.h \
	tests/arm/hello.c tests/arm/alu.c tests/arm/mem.c \
	tests/arm/exc.c tests/arm/uart.c tests/arm/semi.c tests/arm/sched.c tests/arm/count.S \
	tests/arm/dsp.c tests/arm/idregs.c tests/arm/mpu.c \
	tests/arm/arm-gpio.test tests/arm/gpio.c tests/arm/rt/guest-an511.ld \
	tests/arm/irqs.c tests/arm/fp.c tests/arm/fplazy.c tests/arm/fpstk.c \
	tests/arm/sys.c tests/arm/mirror.c

clean-local: clean-arm-tests
clean-arm-tests:
	rm -rf tests/arm/build
.PHONY: clean-arm-tests
