# SPDX-License-Identifier: MIT
# Guest programs built with the RISC-V cross compiler
