# SPDX-License-Identifier: MIT
# Board files, installed to $(pkgdatadir)/boards.
dist_boardfiles_DATA += config/boards/virt.ini config/boards/spike.ini
