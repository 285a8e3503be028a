#!/bin/sh
# SPDX-License-Identifier: MIT
# Replays the ELF fuzz corpus (crash = failure).
exec "${builddir:-.}/tests/fuzz/fuzz-elf" "${srcdir:-.}"/tests/fuzz/corpus/elf/*
