# SPDX-License-Identifier: MIT
# Benchmarks (never run by make check)
