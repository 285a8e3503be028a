#!/bin/sh
# SPDX-License-Identifier: MIT
# Replays the board-file fuzz corpus (crash = failure).
exec "${builddir:-.}/tests/fuzz/fuzz-ini" "${srcdir:-.}"/tests/fuzz/corpus/ini/*
