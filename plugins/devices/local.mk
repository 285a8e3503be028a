# SPDX-License-Identifier: MIT
# Device plugins
