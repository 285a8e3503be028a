#!/bin/sh
# SPDX-License-Identifier: MIT
# Replays the HMP fuzz corpus (crash = failure).
exec "${builddir:-.}/tests/fuzz/fuzz-hmp" "${srcdir:-.}"/tests/fuzz/corpus/hmp/*
