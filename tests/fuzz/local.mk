# SPDX-License-Identifier: MIT
# Fuzz targets
