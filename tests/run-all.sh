#!/usr/bin/env bash
# `make test`: unit tests, the end-to-end suite against real packets on this
# host, then the guest tier (qemu; NT_SKIP_GUEST=1 skips it), then one closing
# line with the totals so CI reads a single verdict.
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
	count() { grep -oE "[0-9]+ $1" <<<"$line" | grep -oE '^[0-9]+' || echo 0; }
	total_pass=$((total_pass + $(count passed)))
	total_fail=$((total_fail + $(count failed)))
	total_skip=$((total_skip + $(count skipped)))
}

log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

echo "== unit tests"
"$BUILD/unit_tests" | tee "$log/unit"
tally "$log/unit" unit

echo "== end-to-end tests (host tier: $(uname -r))"
NT="$PWD/$BUILD/nettrail" bash tests/e2e/run.sh | tee "$log/e2e"
tally "$log/e2e" e2e

if [ "${NT_SKIP_GUEST:-0}" != 1 ]; then
	echo "== guest tier (qemu TCG, Debian ${KERNEL:-6.1} kernel: kprobe, fentry, modules)"
	make --no-print-directory vmtest KERNEL="${KERNEL:-6.1}" 2>&1 | tee "$log/guest"
	tally "$log/guest" "guest tier"
fi

echo
if ((total_skip)); then
	echo "$total_pass passed, $total_fail failed, $total_skip skipped"
else
	echo "$total_pass passed, $total_fail failed"
fi
((total_fail == 0))
