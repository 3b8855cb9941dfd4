#!/usr/bin/env bash
# Host-side self-test of tests/vm/run-guest.sh: exit status, stdout/stderr
# separation, argument quoting, working directory, NT_* pass-through,
# discarded writes, --rw, --hide-btf, guest-side timeout, kernel panic, hung
# kernel.  Each case boots a guest (~10-15 s each under TCG, ~2.5 min total).
#   tests/vm/selftest.sh [CASE_REGEX]        (kernel: NT_VM_KERNEL, default 6.1)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
REPO=$(cd "$HERE/../.." && pwd -P)
RUN=$HERE/run-guest.sh
FILTER=${1:-.}
T=$(mktemp -d "${TMPDIR:-/tmp}/nettrail-vm-selftest.XXXXXX")
trap 'rm -rf "$T"' EXIT
pass=0 fail=0

run() { # expected-rc name -- run-guest args...; output in $T/out $T/err
	local want=$1 name=$2 rc
	shift 2
	set +e
	"$RUN" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	set -e
	if [ "$rc" != "$want" ]; then
		echo "not ok - $name (exit $rc, wanted $want)"
		sed 's/^/#   /' "$T/err" | tail -n 15
		fail=$((fail + 1))
		return 1
	fi
}
ok() { echo "ok - $1"; pass=$((pass + 1)); }
nok() { echo "not ok - $1 ($2)"; sed 's/^/#   /' "$T/out" "$T/err" | tail -n 15; fail=$((fail + 1)); }
want() { [[ $1 =~ $FILTER ]]; }

if want status; then
	if run 7 "exit status and streams" -- sh -c 'echo to-out; echo to-err >&2; exit 7'; then
		if [ "$(cat "$T/out")" = to-out ] && grep -qx to-err "$T/err"; then ok "exit status and streams"
		else nok "exit status and streams" "stdout/stderr not separated"; fi
	fi
fi
if want args; then
	if run 0 "argument quoting, cwd, NT_* variables" -- printf '[%s]' 'a b' "c'd" '$HOME' '*'; then
		if [ "$(cat "$T/out")" = "[a b][c'd][\$HOME][*]" ]; then ok "argument quoting"
		else nok "argument quoting" "got $(cat "$T/out")"; fi
	fi
	cd "$REPO/tests"
	export NT_SELFTEST_VAR='x y'
	if run 0 "cwd and environment" -- sh -c 'echo "$PWD|$NT_SELFTEST_VAR|$NT_GUEST|$NT_GUEST_REPO"'; then
		if [ "$(cat "$T/out")" = "$REPO/tests|x y|1|$REPO" ]; then ok "cwd and environment"
		else nok "cwd and environment" "got $(cat "$T/out")"; fi
	fi
	unset NT_SELFTEST_VAR
	cd "$REPO"
fi
if want overlay; then
	mkdir -p "$T/share"
	if run 0 "writes: overlay discarded, --rw kept" --rw "$T/share" -- \
		sh -c "touch $REPO/tests/vm/.selftest-leak && echo kept >$T/share/file"; then
		if [ -e "$REPO/tests/vm/.selftest-leak" ]; then
			rm -f "$REPO/tests/vm/.selftest-leak"
			nok "writes: overlay discarded, --rw kept" "a guest write reached the host tree"
		elif [ "$(cat "$T/share/file" 2>/dev/null)" != kept ]; then
			nok "writes: overlay discarded, --rw kept" "the --rw share did not keep the file"
		else ok "writes: overlay discarded, --rw kept"; fi
	fi
fi
if want btf; then
	run 0 "--hide-btf" --hide-btf -- sh -c 'test ! -e /sys/kernel/btf/vmlinux && test -s "$NT_GUEST_BTF"' &&
		ok "--hide-btf"
fi
if want timeout; then
	if run 124 "command timeout in the guest" --timeout 25 -- sh -c 'echo started; sleep 1000'; then
		if grep -aq 'stopped by the guest watchdog' "$T/err" && grep -aq 'sleep 1000' "$T/err"; then
			ok "command timeout in the guest"
		else nok "command timeout in the guest" "no timeout message / task dump"; fi
	fi
fi
if want panic; then
	if run 125 "kernel panic" -- sh -c 'echo c >/proc/sysrq-trigger'; then
		if grep -aq 'guest kernel panicked' "$T/err" && grep -aq 'sysrq triggered crash' "$T/err"; then
			ok "kernel panic"
		else nok "kernel panic" "no panic message / console tail"; fi
	fi
fi
if want hung; then
	if run 124 "hung kernel killed at --timeout" --timeout 30 -- \
		sh -c 'echo 0 >/proc/sys/kernel/panic; echo c >/proc/sysrq-trigger'; then
		if grep -aq 'did not finish within --timeout 30s' "$T/err" && grep -aq 'Kernel panic' "$T/err"; then
			ok "hung kernel killed at --timeout"
		else nok "hung kernel killed at --timeout" "no timeout message / console tail"; fi
	fi
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
