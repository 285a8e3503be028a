#!/bin/sh
# SPDX-License-Identifier: MIT
# Replays the --image-opts fuzz corpus (crash = failure).
exec "${builddir:-.}/tests/fuzz/fuzz-image-opts" "${srcdir:-.}"/tests/fuzz/corpus/image-opts/*
