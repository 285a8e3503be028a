# SPDX-License-Identifier: MIT
# Display tests: Linux's fbcon on -device simple-framebuffer read back from
# screendumps (text decoded with the Linux source's 8x16 font), the SDL
# window under Xvfb, and machines without a display.
DISPLAY_TESTS = tests/display/fb-console.sh tests/display/fb-rgb565.sh tests/display/fb-sdl.sh \
	tests/display/no-display.sh
TESTS += $(DISPLAY_TESTS)
EXTRA_DIST += $(DISPLAY_TESTS) tests/display/display.py tests/display/fbtext.py
