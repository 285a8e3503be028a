#!/bin/sh
# SPDX-License-Identifier: MIT
# Replays the qcow2 fuzz corpus (crash = failure).
exec "${builddir:-.}/tests/fuzz/fuzz-qcow2" "${srcdir:-.}"/tests/fuzz/corpus/qcow2/*
