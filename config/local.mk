# SPDX-License-Identifier: MIT
# Board files
