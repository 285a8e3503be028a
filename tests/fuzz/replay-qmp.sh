#!/bin/sh
# SPDX-License-Identifier: MIT
# Replays the QMP fuzz corpus (crash = failure).
exec "${builddir:-.}/tests/fuzz/fuzz-qmp" "${srcdir:-.}"/tests/fuzz/corpus/qmp/*
