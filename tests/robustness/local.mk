# SPDX-License-Identifier: MIT
# Bad inputs (issue 16 reproducers, seeded mutations of the shipped board
# files, images and command lines), each run with a time bound.
TESTS += tests/robustness/robustness.test tests/robustness/help.test
EXTRA_DIST += tests/robustness/robustness.test tests/robustness/help.test
