#!/bin/sh
# SPDX-License-Identifier: MIT
# Replays the GDB protocol fuzz corpus (crash = failure).
exec "${builddir:-.}/tests/fuzz/fuzz-gdb" "${srcdir:-.}"/tests/fuzz/corpus/gdb/*
