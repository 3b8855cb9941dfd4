#!/bin/bash
# nettrail end-to-end test runner (root; builds namespace labs, runs the real binary).
#
#   tests/e2e/run.sh [-j N] [-k CASE_REGEX] [-T TAG[,TAG...]] [-l] [-v] [TEST ...]
#
#   TEST     a test file (tests/e2e/test_cli.sh) or a word matched against test file names
#            (icmp -> test_icmp_path_tracer.sh); none = every tests/e2e/test_*.sh
#   -j N     run N test files at once (labs use unique names and addresses)
#   -k RE    run only cases whose name matches the extended regex RE
#   -T TAGS  run only cases registered with one of these tags (nt_case --tag, lib.sh); with
#            -k both must hold. A TEST named here that has no selected case is one failure
#            ("not ok - FILE: no case selected"); with no TEST, only the files that have a
#            selected case run, and a selection of no case at all is a failure
#   -l       list the names of the cases that would run, one a line; run nothing (no root,
#            no binary, no lab needed); the same failures, on stderr, exit status 1
#   -v       show diagnostics of passing cases too
#   -t SEC   time limit per test file (default 300; 600 in a guest of the guest tier); a file that runs
#            longer is stopped (SIGTERM to its process group: its cases clean up) and
#            counted as failed
#
# Environment: NT (binary, default <repo>/build/nettrail; a snapshot copy is tested unless
# NT_E2E_NO_COPY=1), NT_GUEST=1 inside the qemu guest tier (case names and tags of the
# attach-mode variants depend on it: list with NT_GUEST=1 for the guest's selection),
# NT_E2E_FILTER / NT_E2E_TAGS (as -k / -T), NT_KEEP=1 keeps work directories of failed cases.
# Output: per case "ok - NAME # N ms" / "not ok - NAME # N ms" (+ "#" diagnostics) / "skip - NAME (why)";
# the last line is "N passed, N failed" (", N skipped" when some were skipped);
# exit status 1 if anything failed.
set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
export NT=${NT:-$REPO/build/nettrail}

. "$REPO/tests/lab/stuck.sh"

usage() { sed -n '2,/^set -u/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'; }

jobs=1 list=0
file_timeout=${NT_E2E_FILE_TIMEOUT:-$([[ ${NT_GUEST:-0} == 1 ]] && echo 600 || echo 300)}
while getopts "j:k:T:t:lvh" opt; do
	case $opt in
	j) jobs=$OPTARG ;;
	t) file_timeout=$OPTARG ;;
	k) export NT_E2E_FILTER=$OPTARG ;;
	T) export NT_E2E_TAGS=$OPTARG ;;
	l) list=1 ;;
	v) export NT_E2E_VERBOSE=1 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[[ $jobs =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: -j needs a positive number" >&2; exit 2; }
[[ $file_timeout =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: -t needs a positive number" >&2; exit 2; }
[[ -z ${NT_E2E_TAGS:-} || $NT_E2E_TAGS =~ ^[a-z0-9-]+(,[a-z0-9-]+)*$ ]] ||
	{ echo "run.sh: -T needs TAG[,TAG...] (lower-case letters, digits, -), not '$NT_E2E_TAGS'" >&2; exit 2; }

# ---- which files ----
all=("$HERE"/test_*.sh)
files=()
named=0
if [[ $# == 0 ]]; then
	files=("${all[@]}")
else
	named=1
	for a in "$@"; do
		if [[ -f $a ]]; then
			files+=("$(cd "$(dirname "$a")" && pwd)/$(basename "$a")")
			continue
		fi
		found=0
		for f in "${all[@]}"; do
			if [[ $(basename "$f") == *"$a"* ]]; then
				files+=("$f")
				found=1
			fi
		done
		[[ $found == 1 ]] || { echo "run.sh: no test file matches '$a'" >&2; exit 2; }
	done
fi

# ---- which cases ----
# With -k/-T (and for -l) each file first lists its selected cases (NT_E2E_LIST=1: only the
# registrations are evaluated, no lab is built). A file named on the command line with none
# is a failure, so that a renamed case or a lost tag cannot silently drop it; of all files
# (none named) those with none are left out. A file whose listing fails is run, to report it.
selection="${NT_E2E_TAGS:+tags $NT_E2E_TAGS}${NT_E2E_TAGS:+${NT_E2E_FILTER:+ and }}${NT_E2E_FILTER:+names matching '$NT_E2E_FILTER'}"
unselected=() listing= list_failed=0
if [[ -n $selection || $list == 1 ]]; then
	kept=()
	for f in "${files[@]}"; do
		if ! out=$(NT_E2E_LIST=1 bash "$f"); then
			echo "run.sh: $(basename "$f") failed while listing its cases" >&2
			kept+=("$f")
			list_failed=1
		elif [[ -n $out ]]; then
			kept+=("$f")
			listing+=$out$'\n'
		elif [[ $named == 1 ]]; then
			unselected+=("$f")
		fi
	done
	files=("${kept[@]}")
fi
no_case_at_all() { [[ ${#files[@]} == 0 && ${#unselected[@]} == 0 ]]; }

if [[ $list == 1 ]]; then
	printf '%s' "$listing"
	for f in "${unselected[@]}"; do echo "not ok - $(basename "$f"): no case selected" >&2; done
	no_case_at_all && echo "not ok - no case selected (${selection:-no case registered})" >&2
	[[ $list_failed == 0 && ${#unselected[@]} == 0 ]] && ! no_case_at_all
	exit
fi

# ---- preconditions: counted as failures, so that CI never reports a silent pass ----
pre_fail=0
precheck() { # WHAT COMMAND...
	local what=$1
	shift
	if ! "$@" >/dev/null 2>&1; then
		echo "not ok - precondition: $what"
		pre_fail=$((pre_fail + 1))
	fi
}
precheck "running as root" test "$(id -u)" = 0
precheck "nettrail binary at $NT" test -x "$NT"
for c in ip iptables ip6tables ping jq bpftool strace /usr/bin/python3; do
	precheck "command $c installed" command -v "$c"
done
if [[ $pre_fail != 0 ]]; then
	echo "0 passed, $pre_fail failed"
	exit 1
fi

# ---- run ----
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nt-run.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# each test file runs under timeout(1) in a process group of its own; on ^C / SIGTERM stop
# those groups (their cases' EXIT traps stop tools and delete labs), then leave
on_signal() {
	trap - INT TERM
	echo "run.sh: interrupted, stopping test files" >&2
	local g
	for g in $(cat "$tmp/pgids" 2>/dev/null); do kill -TERM -- "-$g" 2>/dev/null; done
	wait
	exit 130
}
trap on_signal INT TERM

# test a snapshot of the binary: a rebuild during the run must not change it under us
if [[ ${NT_E2E_NO_COPY:-0} != 1 ]]; then
	cp "$NT" "$tmp/nettrail" || { echo "not ok - copy $NT"; echo "0 passed, 1 failed"; exit 1; }
	echo "# testing $NT (snapshot $tmp/nettrail)"
	export NT=$tmp/nettrail
fi

run_file() { # FILE LOG
	local f=$1 log=$2 t0 rc pid
	t0=$(date +%s%N)
	# timeout(1) puts itself and the test file in a new process group and signals the whole
	# group when the time is up; started in the background so that this shell can still
	# take signals while it waits
	timeout -k 20 "$file_timeout" bash "$f" >"$log" 2>&1 &
	pid=$!
	echo "$pid" >>"$tmp/pgids"
	wait "$pid"
	rc=$?
	# stopped: whatever of it SIGKILL could not end is in the kernel (state D), and says where
	[[ $rc == 124 || $rc == 137 ]] && stuck_all >"$log.stuck"
	echo "$rc $(( ($(date +%s%N) - t0) / 1000000 ))" >"$log.status"
}

report_file() { # FILE LOG
	local f=$1 log=$2 rc ms
	read -r rc ms <"$log.status"
	cat "$log"
	local p fl s
	p=$(grep -c '^ok - ' "$log")
	fl=$(grep -c '^not ok - ' "$log")
	s=$(grep -c '^skip - ' "$log")
	if [[ $rc == 124 || $rc == 137 ]]; then
		echo "not ok - $(basename "$f") did not finish within ${file_timeout} s (stopped)"
		[[ -s $log.stuck ]] && sed 's/^/# stuck in the kernel: /' "$log.stuck"
		fl=$((fl + 1))
	elif [[ $rc != 0 && $fl == 0 ]]; then
		echo "not ok - $(basename "$f") exited with status $rc without a failed case"
		fl=1
	fi
	if [[ $((p + fl + s)) == 0 ]]; then
		if [[ -n $selection ]]; then
			echo "not ok - $(basename "$f"): no case selected"
		else
			echo "not ok - $(basename "$f") ran no case"
		fi
		fl=1
	fi
	echo "# $(basename "$f"): ${ms} ms"
	PASS=$((PASS + p)) FAIL=$((FAIL + fl)) SKIP=$((SKIP + s))
}

PASS=0 FAIL=0 SKIP=0
start=$(date +%s)
[[ -n $selection ]] && echo "# selected: $selection"
for f in "${unselected[@]}"; do
	echo "# $(basename "$f")"
	echo "not ok - $(basename "$f"): no case selected"
	FAIL=$((FAIL + 1))
done
if no_case_at_all; then
	echo "not ok - no case selected ($selection)"
	FAIL=$((FAIL + 1))
fi
if [[ $jobs == 1 ]]; then
	for f in "${files[@]}"; do
		log=$tmp/$(basename "$f").log
		echo "# $(basename "$f")"
		run_file "$f" "$log"
		report_file "$f" "$log"
	done
else
	i=0
	for f in "${files[@]}"; do
		while (($(jobs -rp | wc -l) >= jobs)); do wait -n; done
		run_file "$f" "$tmp/$i.log" &
		i=$((i + 1))
	done
	wait
	i=0
	for f in "${files[@]}"; do
		echo "# $(basename "$f")"
		report_file "$f" "$tmp/$i.log"
		i=$((i + 1))
	done
fi
echo "# total $(($(date +%s) - start)) s, binary $NT${NT_GUEST:+, guest tier}"
if [[ $SKIP != 0 ]]; then
	echo "$PASS passed, $FAIL failed, $SKIP skipped"
else
	echo "$PASS passed, $FAIL failed"
fi
[[ $FAIL == 0 ]]
