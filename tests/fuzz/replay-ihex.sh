#!/bin/sh
# SPDX-License-Identifier: MIT
# Replays the Intel HEX fuzz corpus (crash = failure).
exec "${builddir:-.}/tests/fuzz/fuzz-ihex" "${srcdir:-.}"/tests/fuzz/corpus/ihex/*
