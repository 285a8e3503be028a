#!/bin/sh
# SPDX-License-Identifier: MIT
# Replays the -netdev/-nic option fuzz corpus (crash = failure).
exec "${builddir:-.}/tests/fuzz/fuzz-netopts" "${srcdir:-.}"/tests/fuzz/corpus/netopts/*
