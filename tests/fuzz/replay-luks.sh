#!/bin/sh
# SPDX-License-Identifier: MIT
# Replays the LUKS fuzz corpus (crash = failure).
exec "${builddir:-.}/tests/fuzz/fuzz-luks" "${srcdir:-.}"/tests/fuzz/corpus/luks/*
