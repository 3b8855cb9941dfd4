#!/usr/bin/env bash
# `make test`: unit tests, then the end-to-end suite against real packets, then
# one closing line with the totals so CI reads a single verdict.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}

if [ "$(id -u)" != 0 ]; then
	echo "make test needs root (BPF programs, network namespaces)" >&2
	exit 2
fi

total_pass=0 total_fail=0 total_skip=0
tally() {   # parse "N passed, N failed[, N skipped]" from a log
	local line
	line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$1" | tail -1)
	if [ -z "$line" ]; then
		echo "no result line from $2: counting it as one failure" >&2
		total_fail=$((total_fail + 1))
		return
	fi
	total_pass=$((total_pass + $(sed -E 's/.*[^0-9]?([0-9]+) passed.*/\1/' <<<"$line")))
	total_fail=$((total_fail + $(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")))
	if grep -q skipped <<<"$line"; then
		total_skip=$((total_skip + $(sed -E 's/.* ([0-9]+) skipped.*/\1/' <<<"$line")))
	fi
}

log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

echo "== unit tests"
"$BUILD/unit_tests" | tee "$log/unit"
tally "$log/unit" unit

echo "== end-to-end tests (host tier: $(uname -r))"
NT="$PWD/$BUILD/nettrail" bash tests/e2e/run.sh | tee "$log/e2e"
tally "$log/e2e" e2e

echo
if ((total_skip)); then
	echo "$total_pass passed, $total_fail failed, $total_skip skipped"
else
	echo "$total_pass passed, $total_fail failed"
fi
((total_fail == 0))
