# shellcheck shell=bash
# Helpers for nettrail end-to-end tests. Sourced by tests/e2e/test_*.sh.
#
# A test file defines functions and registers them as cases:
#
#   . "$(dirname "$0")/lib.sh"
#   case_healthy() { nt_lab router; nt_start T "$LAB_ROUTER_NS" icmp_path_tracer ...; ... }
#   nt_case "healthy path -> every ping COMPLETE" case_healthy
#   nt_case --tag guest "request dropped ($m)" case_drop "$m"   # tagged: see nt_case
#   nt_done
#
# Each case runs in its own subshell with its own work directory ($W) and an EXIT trap that
# stops every tool it started and removes every lab it built, also when it fails. Inside a
# case: `fail MSG` ends the case as failed, `skip MSG` as skipped; the assert_* helpers call
# fail with the tool's captured output. nt_case prints exactly one of
#   ok - NAME | not ok - NAME | skip - NAME (reason)
# followed, for failures, by the case's diagnostics as "#" lines.
#
# Environment:
#   NT               the binary (default: <repo>/build/nettrail)
#   NT_GUEST=1       running inside the qemu guest tier (kprobe/fentry usable)
#   NT_E2E_FILTER    extended regex; only cases whose name matches run
#   NT_E2E_TAGS      TAG[,TAG...]; only cases carrying one of these tags run (and NT_E2E_FILTER)
#   NT_E2E_ATTACH_MODES  the guest's attach modes for the cases run per mode (default: all)
#   NT_E2E_LIST=1    print the names of the selected cases, run nothing (no lab is built)
#   NT_E2E_VERBOSE=1 print diagnostics of passing cases too
#   NT_KEEP=1        keep work directories of failed cases (path is printed)
#   NT_E2E_TIMESCALE multiply wait timeouts (default 1 on the host, 4 with NT_GUEST=1)

# listing evaluates only the registrations: a shared lab is not built, so the LAB_* values
# some registrations pass as arguments are unset then
[[ ${NT_E2E_LIST:-0} == 1 ]] || set -u

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$E2E_DIR/../.." && pwd)
NT=${NT:-$REPO/build/nettrail}
# shellcheck disable=SC2034 # used by test files
PY=/usr/bin/python3 # Debian's python (stdlib only), not the pyenv one on PATH
. "$REPO/tests/lab/lab.sh"
. "$REPO/tests/lab/lab_vm.sh"

NT_PASSED=0 NT_FAILED=0 NT_SKIPPED=0

# a SIGTERM to the test file (run.sh's time limit, ^C) reaches the running case too: it
# cleans up and ends with 130; nt_case then reports it and stops the file
trap '_NT_TERM=1' TERM

# ---- environment hooks ----------------------------------------------------------------

nt_in_guest() { [[ ${NT_GUEST:-0} == 1 ]]; }

# attach modes each tracing case should be run with. On the host only tracepoints/tp_btf
# work; the guest tier also has fentry and kprobe. NT_E2E_ATTACH_MODES narrows the guest's
# list (tests/run-all.sh: every mode on the users' 5.10, "auto" on 6.1 and 6.12).
nt_attach_modes() {
	if nt_in_guest; then echo "${NT_E2E_ATTACH_MODES:-auto fentry kprobe}"; else echo "auto"; fi
}

# timeouts of the wait helpers are multiplied by this (the guest tier is 10-50x slower)
NT_E2E_TIMESCALE=${NT_E2E_TIMESCALE:-$([[ ${NT_GUEST:-0} == 1 ]] && echo 4 || echo 1)}
_nt_scaled() { echo $(($1 * NT_E2E_TIMESCALE)); }

# nt_has_drop_reasons: does the running kernel have enum skb_drop_reason (5.17+)? Read from
# its BTF (NT_GUEST_BTF when the guest hides /sys/kernel/btf); cached for the test file.
nt_has_drop_reasons() {
	if [[ -z ${_NT_DROP_REASONS:-} ]]; then
		_NT_DROP_REASONS=no
		bpftool btf dump file "${NT_GUEST_BTF:-/sys/kernel/btf/vmlinux}" 2>/dev/null |
			grep -q "'SKB_DROP_REASON_NOT_SPECIFIED'" && _NT_DROP_REASONS=yes
	fi
	[[ $_NT_DROP_REASONS == yes ]]
}
# nt_reason NAME: the reason a drop must be reported with on this kernel: NAME, or
# NOT_SPECIFIED where the kernel has no drop reasons
nt_reason() { if nt_has_drop_reasons; then echo "$1"; else echo NOT_SPECIFIED; fi; }

# a command prefix that runs its command with /sys/kernel/btf hidden
NT_HIDE_BTF=(unshare -m --propagation private sh -c 'mount -t tmpfs nt-no-btf /sys/kernel/btf && exec "$@"' nt-no-btf)

# nt_mode_args MODE: the flags that select MODE ("auto" = the tool's default, no flag)
nt_mode_args() { [[ $1 == auto ]] || printf '%s\n' --attach-mode "$1"; }

# ---- cases ----------------------------------------------------------------------------

# nt_tags_for_mode MODE SPEC...: the tags of a case registered for attach mode MODE, as one
# comma list for nt_case --tag. SPEC is TAG (every mode) or TAG=MODE[,MODE...] (those modes):
#   nt_case --tag "$(nt_tags_for_mode "$m" guest nobtf=auto,kprobe)" "NAME ($m)" FUNC "$m"
nt_tags_for_mode() {
	local mode=$1 spec tags=()
	shift
	for spec in "$@"; do
		if [[ $spec != *=* || ,${spec#*=}, == *,"$mode",* ]]; then
			tags+=("${spec%%=*}")
		fi
	done
	# a case run per attach mode in the guest is about the kernel's probe points: every
	# guest kernel runs it, in the modes that kernel's NT_E2E_ATTACH_MODES lists
	[[ " ${tags[*]} " == *" guest "* ]] && tags+=(newer)
	local IFS=,
	echo "${tags[*]}"
}

# _nt_selected NAME TAGS: is the case selected by NT_E2E_TAGS (one tag in common with the
# comma list TAGS) and NT_E2E_FILTER (a regex on NAME)?
_nt_selected() {
	local name=$1 tags=,$2, t
	if [[ -n ${NT_E2E_FILTER:-} ]] && ! [[ $name =~ $NT_E2E_FILTER ]]; then
		return 1
	fi
	[[ -z ${NT_E2E_TAGS:-} ]] && return 0
	local IFS=,
	for t in $NT_E2E_TAGS; do
		[[ -n $t && $tags == *,"$t",* ]] && return 0
	done
	return 1
}

# nt_case [--tag TAG[,TAG...]]... NAME FUNCTION [ARGS...]
# Tags say which selections run the case besides the full suite (run.sh -T, NT_E2E_TAGS):
#   guest        the guest tier on the users' kernel, 5.10: every case that needs a guest
#                (kprobe, fentry, modules); make vmtest's default VM_CMD (tests/vm/vm.mk)
#   newer        also on the newer guest kernels, 6.1 and 6.12 (tests/run-all.sh): what
#                differs between kernels. nt_tags_for_mode adds it to every per-mode guest
#                case; each kernel runs those in its own NT_E2E_ATTACH_MODES
#   nobtf        both runs without kernel BTF (tests/run-all.sh: host, and guest 5.10)
#   guest-nobtf  the guest's run without kernel BTF only (function probes needed)
nt_case() {
	local tags=
	while [[ ${1:-} == --tag ]]; do
		tags+=${tags:+,}$2
		shift 2
	done
	local name=$1
	shift
	_nt_selected "$name" "$tags" || return 0
	if [[ ${NT_E2E_LIST:-0} == 1 ]]; then
		echo "$name"
		return 0
	fi
	local w rc t0 took
	w=$(mktemp -d "${TMPDIR:-/tmp}/nt-e2e.XXXXXX")
	t0=$(date +%s%N)
	(
		W=$w
		# shellcheck disable=SC2034 # for test functions
		NT_CASE_NAME=$name
		_NT_TOOLS=() _NT_LABS=()
		trap '_nt_case_cleanup' EXIT
		trap 'exit 130' INT TERM
		"$@"
	) >"$w/case.log" 2>&1
	rc=$?
	# the case's wall time, after its name as a TAP comment: what the CI budget is made of
	took="# $((($(date +%s%N) - t0) / 1000000)) ms"
	case $rc in
	0)
		echo "ok - $name $took"
		NT_PASSED=$((NT_PASSED + 1))
		[[ ${NT_E2E_VERBOSE:-0} == 1 ]] && sed 's/^/#   /' "$w/case.log"
		;;
	77)
		echo "skip - $name ($(tail -n 1 "$w/case.log"))"
		NT_SKIPPED=$((NT_SKIPPED + 1))
		;;
	*)
		echo "not ok - $name $took"
		NT_FAILED=$((NT_FAILED + 1))
		sed 's/^/#   /' "$w/case.log"
		[[ $rc == 130 ]] && echo "#   (interrupted)"
		;;
	esac
	if [[ $rc != 0 && $rc != 77 && ${NT_KEEP:-0} == 1 ]]; then
		echo "#   work directory kept: $w"
	else
		rm -rf "$w"
	fi
	[[ $rc == 130 ]] && exit 130
	return 0
}

# nt_done: end of a test file; exit status 1 if any case failed
nt_done() {
	[[ ${NT_E2E_LIST:-0} == 1 ]] && return 0
	echo "# $(basename "$0"): $NT_PASSED passed, $NT_FAILED failed, $NT_SKIPPED skipped"
	[[ $NT_FAILED == 0 ]]
}

_nt_case_cleanup() {
	local t pid
	for t in "${_NT_TOOLS[@]}"; do
		pid=$(cat "$W/$t.pid" 2>/dev/null) || continue
		kill -0 "$pid" 2>/dev/null && reap "$pid" 10
	done
	lab_cleanup "${_NT_LABS[@]}"
}

fail() {
	echo "FAIL: $*"
	exit 1
}
skip() {
	echo "$*"
	exit 77
}

# nt_need CMD...: skip the case unless every command exists
nt_need() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip "needs $c"
	done
}

# nt_need_binary: fail the case when the binary under test is missing
nt_need_binary() {
	[[ -x $NT ]] || fail "nettrail binary not found at $NT (set NT= or run make)"
}

# ---- labs -----------------------------------------------------------------------------

# nt_lab router|router2 [VAR]: build a lab for this case (cleaned up when the case ends);
# the prefix is stored in VAR (default LAB). LAB_* variables describe it afterwards.
nt_lab() {
	local kind=$1 var=${2:-LAB} p
	p=$(lab_prefix)
	_NT_LABS+=("$p")
	printf -v "$var" '%s' "$p"
	case $kind in
	router) lab_router_topology "$p" ;;
	router2) lab_router_topology2 "$p" ;;
	*) fail "nt_lab: unknown topology $kind" ;;
	esac || fail "lab $kind could not be built"
}

# nt_case_lab TAG BUILD ARGS...: a lab of this case built by BUILD PREFIX ARGS... (a lab.sh
# family's topology function), its prefix tagged TAG; cleaned up when the case ends
nt_case_lab() {
	local tag=$1 build=$2 p
	shift 2
	p=$(lab_prefix "$tag") || fail "no lab prefix"
	_NT_LABS+=("$p")
	"$build" "$p" "$@" || fail "lab $build could not be built"
}

# nt_ovs_lab VAR: an Open vSwitch kernel datapath lab for this case (latlab_ovs in
# tests/lab/lab_latency.sh, OVSLAB_* describe it; prefix in VAR); skips the case without
# the openvswitch module (the host tier) or ovs-dpctl
nt_ovs_lab() {
	local _ovs_p
	[[ -d /sys/module/openvswitch ]] || modprobe openvswitch 2>/dev/null ||
		skip "no openvswitch module on this kernel (the guest tier has it)"
	nt_need ovs-dpctl
	_ovs_p=$(lab_prefix lo) || fail "no lab prefix"
	_NT_LABS+=("$_ovs_p")
	printf -v "$1" '%s' "$_ovs_p"
	latlab_ovs "$_ovs_p" || fail "OVS lab could not be built"
}

# nt_twin: build a twin of the current lab (same names, ifindexes, addresses; other netns)
nt_twin() {
	local t
	t=$(lab_prefix)
	lab_twin_topology "$LAB_PREFIX" "$t" || fail "twin lab could not be built"
}

# ---- running the tool -----------------------------------------------------------------
# A started tool has a name T (a word): $W/T.out (stdout), $W/T.err (stderr), $W/T.pid,
# $W/T.rc once it ended, $W/T.progs (ids of its BPF programs while it ran).

# nt_run_bg T NS ARGS...: start `nettrail ARGS` in namespace NS (NS "-" = this namespace)
# without waiting. Signals start with default dispositions (as from a terminal, not the
# SIG_IGN that bash gives background jobs).
nt_run_bg() {
	local t=$1 ns=$2
	shift 2
	nt_need_binary
	# NT_E2E_TOOL_ARGS: appended to every tool started (e.g. "--btf FILE" in a guest whose
	# /sys/kernel/btf is hidden)
	# shellcheck disable=SC2206
	[[ -n ${NT_E2E_TOOL_ARGS:-} ]] && set -- "$@" ${NT_E2E_TOOL_ARGS}
	local pre=()
	[[ $ns != - ]] && pre=(ip netns exec "$ns")
	# NT_E2E_HIDE_BTF=1: the tool sees no /sys/kernel/btf (a kernel without BTF). Hidden in
	# a private mount namespace entered after `ip netns exec`, whose fresh sysfs shows it.
	[[ ${NT_E2E_HIDE_BTF:-0} == 1 ]] && pre+=("${NT_HIDE_BTF[@]}")
	echo "+ ${pre[*]} $NT $*" >"$W/$t.cmd"
	env --default-signal=INT,TERM,QUIT "${pre[@]}" "$NT" "$@" >"$W/$t.out" 2>"$W/$t.err" &
	echo $! >"$W/$t.pid"
	_NT_TOOLS+=("$t")
}

# nt_start T NS ARGS...: nt_run_bg, then wait (<= 10 s) for the readiness line "Tracing..."
# on stderr; fails the case if it does not come or the tool exits first. Records the ids
# of the BPF programs the process holds.
nt_start() {
	local t=$1
	nt_run_bg "$@"
	nt_wait_ready "$t" 10
	nt_record_progs "$t"
}

nt_pid() { cat "$W/$1.pid"; }

nt_wait_ready() {
	local t=$1 limit pid i
	limit=$(_nt_scaled "${2:-10}")
	pid=$(nt_pid "$t")
	for ((i = 0; i < limit * 20; i++)); do
		grep -q '^Tracing' "$W/$t.err" 2>/dev/null && return 0
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid"
			echo $? >"$W/$t.rc"
			fail "$t exited (status $(cat "$W/$t.rc")) before printing 'Tracing'$(nt_show "$t")"
		fi
		sleep 0.05
	done
	fail "$t printed no 'Tracing' line on stderr within ${limit} s$(nt_show "$t")"
}

# nt_record_progs T: ids of the BPF programs referenced by T's open fds (bpf-prog and
# bpf-link fds show "prog_id:" in fdinfo). Exact and safe with parallel runs.
nt_record_progs() {
	local t=$1 pid
	pid=$(nt_pid "$t")
	grep -hs '^prog_id:' /proc/"$pid"/fdinfo/* | awk '{print $2}' | sort -un >"$W/$t.progs"
}

# nt_stop T [SIGNAL] [TIMEOUT]: send SIGNAL (INT) and wait for the exit (<= TIMEOUT s, 5)
nt_stop() {
	local t=$1 sig=${2:-INT} limit=${3:-5} pid
	pid=$(nt_pid "$t")
	kill -"$sig" "$pid" 2>/dev/null
	nt_wait_exit "$t" "$limit"
}

# nt_wait_exit T TIMEOUT: wait for T to end by itself; its status goes to $W/T.rc
nt_wait_exit() {
	local t=$1 limit pid i
	limit=$(_nt_scaled "${2:-5}")
	pid=$(nt_pid "$t")
	for ((i = 0; i < limit * 20; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$pid" 2>/dev/null; then
		local story
		story=$(stuck_story "$pid")
		reap "$pid" 10 2>/dev/null || story="$story (SIGKILL did not end it either)"
		echo 137 >"$W/$t.rc"
		fail "$t did not exit within ${limit} s (killed): $story$(nt_show "$t")"
	fi
	wait "$pid"
	echo $? >"$W/$t.rc"
}

nt_rc() { cat "$W/$1.rc"; }

# nt_show T: tails of T's command, stdout and stderr (for failure messages)
nt_show() {
	local t=$1
	printf '\n--- %s command:\n%s' "$t" "$(cat "$W/$t.cmd" 2>/dev/null)"
	printf '\n--- %s stdout (last 25 of %s lines):\n%s' "$t" \
		"$(wc -l <"$W/$t.out" 2>/dev/null)" "$(tail -n 25 "$W/$t.out" 2>/dev/null)"
	printf '\n--- %s stderr (last 15 lines):\n%s\n---' "$t" "$(tail -n 15 "$W/$t.err" 2>/dev/null)"
}

# ---- JSON output ----------------------------------------------------------------------

# nt_json T [JQ_PROGRAM]: run jq -c over T's stdout (each line one object)
nt_json() {
	local t=$1 prog=${2:-.}
	jq -c "$prog" "$W/$t.out"
}

# nt_events T [JQ_SELECT]: the "event" objects of T, one per line (optionally narrowed)
nt_events() {
	local t=$1 sel=${2:-true}
	jq -c "select(.type == \"event\") | select($sel)" "$W/$t.out" 2>/dev/null
}

nt_count() { # T JQ_SELECT: number of event objects matching
	nt_events "$1" "${2:-true}" | grep -c .
}

# nt_wait_events T COUNT TIMEOUT [JQ_SELECT]: wait until T printed >= COUNT matching
# events (this also proves stdout is flushed per line while the tool runs)
nt_wait_events() {
	local t=$1 want=$2 limit sel=${4:-true} i n=0
	limit=$(_nt_scaled "$3")
	for ((i = 0; i < limit * 10; i++)); do
		n=$(nt_count "$t" "$sel")
		((n >= want)) && return 0
		sleep 0.1
	done
	fail "$t: expected $want events matching [$sel] within ${limit} s, got $n$(nt_show "$t")"
}

# nt_summary T: the last "summary" object of T
nt_summary() {
	jq -c 'select(.type == "summary")' "$W/$1.out" 2>/dev/null | tail -n 1
}

# nt_check_json T TOOL: every stdout line is a JSON object with "tool" == TOOL, a "type"
# string and "time" in RFC 3339 with microseconds
nt_check_json() {
	local t=$1 tool=$2 bad
	bad=$(jq -R -r --arg tool "$tool" '
		. as $line
		| (try fromjson catch null) as $o
		| if ($o | type) != "object" then "not a JSON object: \($line)"
		  elif $o.tool != $tool then "tool is not \($tool): \($line)"
		  elif ($o.type | type) != "string" then "no type: \($line)"
		  elif (($o.time | type) != "string") or
		       ($o.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}(Z|[+-][0-9]{2}:[0-9]{2})$") | not)
		    then "time not RFC 3339 with microseconds: \($line)"
		  else empty end' "$W/$t.out" | head -n 3)
	[[ -z $bad ]] || fail "$t: bad JSON output line(s):
$bad$(nt_show "$t")"
}

# ---- assertions -----------------------------------------------------------------------

# assert_eq WHAT GOT WANT [T]: on mismatch fail, showing T's output if given
assert_eq() {
	[[ $2 == "$3" ]] && return 0
	fail "$1: got '$2', want '$3'${4:+$(nt_show "$4")}"
}

# assert_jq T JQ_EXPR WHAT: JQ_EXPR (evaluated over the slurped array of T's stdout
# objects, as $all; events as $ev; summary as $sum) must be true
assert_jq() {
	local t=$1 expr=$2 what=$3 r
	r=$(jq -s "
		. as \$all
		| ([.[] | select(.type == \"event\")]) as \$ev
		| ([.[] | select(.type == \"summary\")] | last) as \$sum
		| ($expr)" "$W/$t.out" 2>&1)
	[[ $r == true ]] && return 0
	fail "$t: $what (jq: $expr -> $r)$(nt_show "$t")"
}

# usage_error NS FLAG VALUE ARGS...: `nettrail ARGS` in NS ("-" = this namespace) must exit
# 2 with empty stdout and exactly one stderr line naming FLAG (and VALUE, if not empty),
# without a single BPF object load or perf event open (checked with strace), within 10 s.
# Walks over every tool set NO_STRACE=1 (the startup cost adds up; the same parser is
# strace-checked by the single cases).
usage_error() {
	local ns=$1 flag=$2 value=$3
	shift 3
	nt_need_binary
	nt_need strace
	local pre=() trace=(strace -f -qq -o "$W/strace" -e trace=bpf,perf_event_open,open,openat)
	[[ $ns != - ]] && pre=(ip netns exec "$ns")
	[[ ${NO_STRACE:-0} == 1 ]] && trace=()
	: >"$W/strace"
	echo "+ ${pre[*]} $NT $(printf '%q ' "$@")" >"$W/U.cmd"
	"${pre[@]}" timeout -k 1 10 "${trace[@]}" "$NT" "$@" >"$W/U.out" 2>"$W/U.err"
	echo $? >"$W/U.rc"
	usage_check "$flag" "$value"
}

# usage_check FLAG VALUE: the checks of usage_error on $W/U.{out,err,rc} and $W/strace
# (shell builtins only: the walks run it hundreds of times)
usage_check() {
	local flag=$1 value=$2 rc err loads
	local -a lines
	read -r rc <"$W/U.rc"
	assert_eq "U exit status" "$rc" 2 U
	[[ -s $W/U.out ]] && fail "stdout not empty on a usage error$(nt_show U)"
	mapfile -t lines <"$W/U.err"
	assert_eq "stderr lines" "${#lines[@]}" 1 U
	err=${lines[0]}
	[[ $err == *"$flag"* ]] || fail "stderr does not name '$flag'$(nt_show U)"
	[[ -z $value || $err == *"$value"* ]] ||
		fail "stderr does not name the value '$value'$(nt_show U)"
	if [[ -s $W/strace ]]; then
		loads=$(grep -E 'bpf\((BPF_PROG_LOAD|BPF_MAP_CREATE|BPF_BTF_LOAD|BPF_LINK_CREATE|BPF_RAW_TRACEPOINT_OPEN)|perf_event_open\(' "$W/strace" | head -n 3)
		[[ -z $loads ]] || fail "BPF objects loaded before validation:
$loads"
	fi
	return 0
}

# assert_exit T WANT: T's exit status
assert_exit() {
	assert_eq "$1 exit status" "$(nt_rc "$1")" "$2" "$1"
}

# assert_unloaded T: none of the BPF programs T held while running is still loaded
# (fails too when T held none: then the premise of the check is broken). The kernel frees
# a program asynchronously after its last fd/link is closed (RCU, trampoline detach), so
# allow up to 3 s for it to disappear.
assert_unloaded() {
	local t=$1 id left=() i
	[[ -s $W/$t.progs ]] || fail "$t: held no BPF program while running (see nt_record_progs)"
	for ((i = 0; i < 30; i++)); do
		left=()
		while read -r id; do
			if bpftool prog show id "$id" >/dev/null 2>&1; then
				left+=("$(bpftool prog show id "$id" | head -n 1)")
			fi
		done <"$W/$t.progs"
		[[ ${#left[@]} == 0 ]] && return 0
		sleep 0.1
	done
	fail "$t: BPF programs still loaded 3 s after exit:
$(printf '%s\n' "${left[@]}")"
}

# assert_no_orphan_progs: no nt_* BPF program is loaded without a process holding it
# (an fd of a bpf-prog or bpf-link, "prog_id:" in fdinfo). Leaks that survive every
# process (pins, netlink-attached tc/XDP) show up here; safe with other runs in parallel.
assert_no_orphan_progs() {
	local round cand=() id held
	for round in 1 2; do
		local ids
		if [[ $round == 1 ]]; then
			ids=$(bpftool -j prog show 2>/dev/null | jq -r '.[] | select(.name // "" | startswith("nt_")) | .id')
		else
			ids=$(printf '%s\n' "${cand[@]}")
			sleep 0.5 # programs of a process that just exited are freed asynchronously
		fi
		held=$(grep -hs '^prog_id:' /proc/[0-9]*/fdinfo/* | awk '{print $2}' | sort -un)
		cand=()
		for id in $ids; do
			grep -qx "$id" <<<"$held" && continue
			bpftool prog show id "$id" >/dev/null 2>&1 && cand+=("$id")
		done
		[[ ${#cand[@]} == 0 ]] && return 0
	done
	fail "nt_* BPF programs loaded but held by no process:
$(for id in "${cand[@]}"; do bpftool prog show id "$id" | head -n 1; done)"
}

# nt_prog_names T: names of T's programs (call while T runs)
nt_prog_names() {
	local id
	while read -r id; do
		bpftool -j prog show id "$id" 2>/dev/null | jq -r '.name // empty'
	done <"$W/$1.progs"
}

# nt_ns_inode NS: netns inode of a lab namespace
nt_ns_inode() { lab_netns_inode "$1"; }

# nt_shared_lab router|router2|vm: build one lab for the whole test file (cases only read
# it, or undo what they change); removed when the test file's shell exits. vm: a real qemu
# guest behind a tap (tests/lab/lab_vm.sh), booted once per file; nested-ovs: in a guest, a
# KVM VM on vhost-net behind an OVS datapath (tests/lab/lab_nested.sh, sourced by the file)
nt_shared_lab() {
	[[ ${NT_E2E_LIST:-0} == 1 ]] && return 0
	local p
	p=$(lab_prefix)
	_NT_SHARED_LABS+=("$p")
	trap '_nt_shared_cleanup' EXIT
	trap 'exit 130' INT TERM
	case $1 in
	router) lab_router_topology "$p" ;;
	router2) lab_router_topology2 "$p" ;;
	vm) lab_vm_topology "$p" ;;
	nested-ovs) nested_vm_topology "$p" ovs ;;
	esac || { lab_cleanup "$p"; echo "not ok - shared lab $1 could not be built"; NT_FAILED=$((NT_FAILED + 1)); return 1; }
}
_NT_SHARED_LABS=()
_nt_shared_cleanup() { lab_cleanup "${_NT_SHARED_LABS[@]}"; }
