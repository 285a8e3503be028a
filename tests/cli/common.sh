# SPDX-License-Identifier: MIT
# Shared by the tests/cli/*.test scripts: a scratch directory, and run /
# check helpers. A run is guarded by a timeout only so that a regression
# (a hang) fails instead of blocking make check; no check depends on time.
set -u
top_builddir=${top_builddir:-.}
top_srcdir=${top_srcdir:-.}
export TESSERA_BOARD_PATH="$top_srcdir/config/boards"
tessera=$top_builddir/tessera
fail=0
work=$(mktemp -d) || exit 99
trap 'rm -rf "$work"' EXIT

# run ARGS...: tessera's output (both streams) in $work/out, status in $status.
run() {
    timeout 60 "$tessera" "$@" </dev/null >"$work/out" 2>&1
    status=$?
}

show() { sed 's/^/  | /' "$work/out"; }

# refused DESCRIPTION TEXT: the last run failed with status 1 and said TEXT.
refused() {
    if [ "$status" -eq 1 ] && grep -qF -- "$2" "$work/out"; then
        echo "ok: $1"
    else
        echo "FAIL: $1: expected status 1 and '$2', got status $status:"
        show
        fail=1
    fi
}

# ran DESCRIPTION TEXT: the last run ended with status 0 and printed TEXT.
ran() {
    if [ "$status" -eq 0 ] && { [ -z "$2" ] || grep -qF -- "$2" "$work/out"; }; then
        echo "ok: $1"
    else
        echo "FAIL: $1: expected status 0 and '$2', got status $status:"
        show
        fail=1
    fi
}

# lacks DESCRIPTION TEXT: the last run's output does not contain TEXT.
lacks() {
    if grep -qF -- "$2" "$work/out"; then
        echo "FAIL: $1: '$2' should not appear in:"
        show
        fail=1
    else
        echo "ok: $1"
    fi
}

# setup COMMAND...: a step the checks need; its failure fails the test.
setup() {
    if ! "$@" >"$work/setup.out" 2>&1; then
        echo "FAIL: setup: $*"
        sed 's/^/  | /' "$work/setup.out"
        exit 1
    fi
}
