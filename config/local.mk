# SPDX-License-Identifier: MIT
# Board files, installed to $(pkgdatadir)/boards.
dist_boardfiles_DATA += config/boards/virt.ini config/boards/spike.ini \
	config/boards/arduino-uno.ini config/boards/arduino-duemilanove.ini \
	config/boards/arduino-mega.ini config/boards/arduino-mega-2560-v3.ini \
	config/boards/mps2-an385.ini config/boards/mps2-an386.ini \
	config/boards/mps2-an500.ini config/boards/mps2-an511.ini
