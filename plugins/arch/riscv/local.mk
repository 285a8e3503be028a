# SPDX-License-Identifier: MIT
# RISC-V frontend plugin
