#!/bin/sh
# SPDX-License-Identifier: MIT
# Replays the virtio fuzz corpus (crash = failure).
exec "${builddir:-.}/tests/fuzz/fuzz-virtio" "${srcdir:-.}"/tests/fuzz/corpus/virtio/*
