#!/bin/sh
# SPDX-License-Identifier: MIT
# Replays the NBD client (reply parser) fuzz corpus (crash = failure).
exec "${builddir:-.}/tests/fuzz/fuzz-nbd-client" "${srcdir:-.}"/tests/fuzz/corpus/nbd-client/*
