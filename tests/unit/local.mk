# SPDX-License-Identifier: MIT
# CUnit suites: each area keeps its own fragment.
include tests/unit/core.mk
include tests/unit/engine.mk
include tests/unit/loader.mk
# The shared main() of the suites.
EXTRA_DIST += tests/unit/unit.h
