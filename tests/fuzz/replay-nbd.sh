#!/bin/sh
# SPDX-License-Identifier: MIT
# Replays the NBD request-parser fuzz corpus (crash = failure).
exec "${builddir:-.}/tests/fuzz/fuzz-nbd" "${srcdir:-.}"/tests/fuzz/corpus/nbd/*
