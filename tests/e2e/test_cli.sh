#!/bin/bash
# nettrail command line end to end: bad input is refused before anything is loaded (exit 2,
# one stderr line naming the flag), help and multi-call symlinks work, and SIGINT / SIGTERM /
# --duration all end with exit 0, a final summary and no BPF program left loaded.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

nt_shared_lab router || { nt_done; exit 1; }

# ---- bad input ------------------------------------------------------------------------

icmp_ok() { # the valid icmp_path_tracer flags for the shared lab
	printf '%s\n' --src-ip "$LAB_CLIENT_IP" --dst-ip "$LAB_SERVER_IP" --rx-iface "$LAB_RX_IF" \
		--tx-iface "$LAB_TX_IF"
}
# icmp_bad FLAG VALUE ARGS...: icmp_path_tracer with valid flags + ARGS, in the router ns
icmp_bad() {
	local flag=$1 value=$2
	shift 2
	local ok=()
	mapfile -t ok < <(icmp_ok)
	usage_error "$LAB_ROUTER_NS" "$flag" "$value" icmp_path_tracer "${ok[@]}" "$@"
}
eth_bad() {
	local flag=$1 value=$2
	shift 2
	usage_error "$LAB_ROUTER_NS" "$flag" "$value" eth_drop "$@"
}

R=$LAB_ROUTER_NS
nt_case "usage: malformed IP (--src-ip 198.18.0.300) -> exit 2" \
	icmp_bad --src-ip 198.18.0.300 --src-ip 198.18.0.300
nt_case "usage: not an address (eth_drop --dst-ip nonsense) -> exit 2" \
	eth_bad --dst-ip nonsense --dst-ip nonsense
nt_case "usage: unknown interface (--rx-iface ntnosuch0) -> exit 2" \
	icmp_bad --rx-iface ntnosuch0 --rx-iface ntnosuch0
nt_case "usage: unknown item in an interface list (--rx-iface RX,ntnosuch1) -> exit 2" \
	icmp_bad --rx-iface ntnosuch1 --rx-iface "$LAB_RX_IF,ntnosuch1"
nt_case "usage: interface of another namespace (--tx-iface, tool in root netns) -> exit 2" \
	usage_error - --tx-iface "$LAB_TX_IF" icmp_path_tracer --src-ip "$LAB_CLIENT_IP" \
	--dst-ip "$LAB_SERVER_IP" --rx-iface lo --tx-iface "$LAB_TX_IF"
nt_case "usage: unknown interface (eth_drop --interface ntnosuch2) -> exit 2" \
	eth_bad --interface ntnosuch2 --interface ntnosuch2
nt_case "usage: port out of range (--src-port 70000) -> exit 2" \
	eth_bad --src-port 70000 --src-port 70000
nt_case "usage: negative port (--dst-port -1) -> exit 2" \
	eth_bad --dst-port -1 --dst-port -1
nt_case "usage: negative timeout (--timeout-ms -5) -> exit 2" \
	icmp_bad --timeout-ms -5 --timeout-ms -5
nt_case "usage: zero timeout (--timeout-ms 0) -> exit 2" \
	icmp_bad --timeout-ms 0 --timeout-ms 0
nt_case "usage: trailing garbage (--timeout-ms 12abc) -> exit 2" \
	icmp_bad --timeout-ms 12abc --timeout-ms 12abc
nt_case "usage: unknown flag (--frobnicate) -> exit 2" \
	icmp_bad --frobnicate "" --frobnicate
nt_case "usage: missing required flag (no --dst-ip) -> exit 2" \
	usage_error "$R" --dst-ip "" icmp_path_tracer --src-ip "$LAB_CLIENT_IP" \
	--rx-iface "$LAB_RX_IF" --tx-iface "$LAB_TX_IF"
nt_case "usage: missing required flag (no --rx-iface) -> exit 2" \
	usage_error "$R" --rx-iface "" icmp_path_tracer --src-ip "$LAB_CLIENT_IP" \
	--dst-ip "$LAB_SERVER_IP" --tx-iface "$LAB_TX_IF"
nt_case "usage: flag without its value (eth_drop --src-ip) -> exit 2" \
	eth_bad --src-ip "" --src-ip
nt_case "usage: unknown protocol (--protocol sctpx) -> exit 2" \
	eth_bad --protocol sctpx --protocol sctpx
nt_case "usage: bad --duration abc -> exit 2" \
	icmp_bad --duration abc --duration abc
nt_case "usage: negative --duration -3 -> exit 2" \
	eth_bad --duration -3 --duration -3
nt_case "usage: bad --attach-mode magic -> exit 2" \
	icmp_bad --attach-mode magic --attach-mode magic
nt_case "usage: unreadable --btf /nonexistent/vmlinux -> exit 2" \
	eth_bad --btf /nonexistent/vmlinux --btf /nonexistent/vmlinux
nt_case "usage: unknown tool name (no_such_tool) -> exit 2" \
	usage_error - no_such_tool "" no_such_tool --help

# ---- help and multi-call ----------------------------------------------------------------

case_help() {
	nt_need_binary
	"$NT" --help >"$W/H.out" 2>"$W/H.err"
	echo $? >"$W/H.rc"
	echo "+ $NT --help" >"$W/H.cmd"
	assert_exit H 0
	local t
	for t in icmp_path_tracer eth_drop doctor; do
		grep -q "$t" "$W/H.out" || fail "--help does not list $t$(nt_show H)"
	done
}

case_tool_help() {
	nt_need_binary
	local t f
	for t in icmp_path_tracer eth_drop; do
		"$NT" "$t" --help >"$W/H.out" 2>"$W/H.err"
		echo $? >"$W/H.rc"
		echo "+ $NT $t --help" >"$W/H.cmd"
		assert_exit H 0
		grep -q "nettrail $t\|^ *$t " "$W/H.out" || fail "$t --help shows no example$(nt_show H)"
	done
	for f in --src-ip --dst-ip --rx-iface --tx-iface --timeout-ms --verbose --json --duration --attach-mode; do
		"$NT" icmp_path_tracer --help | grep -q -- "$f" || fail "icmp_path_tracer --help lacks $f"
	done
	for f in --interface --src-ip --dst-ip --protocol --src-port --dst-port --no-stack --json; do
		"$NT" eth_drop --help | grep -q -- "$f" || fail "eth_drop --help lacks $f"
	done
}

# invoked through a symlink named like a tool, the binary runs that tool
case_symlink() {
	nt_need_binary
	mkdir "$W/bin"
	ln -s "$NT" "$W/bin/eth_drop"
	ln -s "$NT" "$W/bin/icmp_path_tracer"
	"$W/bin/icmp_path_tracer" --help 2>&1 | grep -q -- --rx-iface ||
		fail "symlink icmp_path_tracer --help does not show --rx-iface"
	"$W/bin/eth_drop" --protocol bogus >/dev/null 2>"$W/S.err"
	local rc=$?
	assert_eq "symlink eth_drop --protocol bogus: exit status" "$rc" 2
	grep -q -- --protocol "$W/S.err" || fail "symlink eth_drop usage error does not name --protocol"
	nt_lab router
	lab_drop_request_forward
	local nt_saved=$NT
	NT=$W/bin/eth_drop
	nt_start D "$LAB_ROUTER_NS" --json --src-ip "$LAB_CLIENT_IP"
	NT=$nt_saved
	ip netns exec "$LAB_CLIENT_NS" ping -n -q -c 1 -W 0.5 "$LAB_SERVER_IP" >/dev/null
	nt_wait_events D 1 5
	nt_stop D INT 5
	assert_exit D 0
	assert_jq D "\$ev | length == 1 and \$ev[0].tool == \"eth_drop\" and \$ev[0].reason == \"NETFILTER_DROP\"" \
		"the symlinked eth_drop reports the drop"
}

# ---- common options -------------------------------------------------------------------

# --btf FILE (external BTF, here the running kernel's own) and --debug still trace drops;
# --debug adds attach details on stderr
case_btf_debug() {
	nt_need_binary
	nt_lab router
	lab_drop_request_forward
	nt_start D "$LAB_ROUTER_NS" eth_drop --json --src-ip "$LAB_CLIENT_IP" \
		--btf /sys/kernel/btf/vmlinux --debug
	ip netns exec "$LAB_CLIENT_NS" ping -n -q -c 2 -i 0.2 -W 0.5 "$LAB_SERVER_IP" >/dev/null
	nt_wait_events D 2 5
	nt_stop D INT 5
	assert_exit D 0
	nt_check_json D eth_drop
	(($(grep -c . "$W/D.err") >= 2)) || fail "--debug printed no details besides 'Tracing'$(nt_show D)"
	assert_jq D "\$ev | length == 2 and all(\$ev[]; .reason == \"NETFILTER_DROP\")" \
		"2 NETFILTER_DROP events with --btf and --debug"
}

# ---- doctor ------------------------------------------------------------------------------

# doctor tells the truth about this machine: tp_btf works, fentry and kprobe do not on the
# host tier (testbed.md); in the guest tier both work
case_doctor() {
	nt_need_binary
	"$NT" doctor >"$W/D.out" 2>"$W/D.err"
	echo $? >"$W/D.rc"
	echo "+ $NT doctor" >"$W/D.cmd"
	assert_exit D 0
	grep -q "$(uname -r)" "$W/D.out" || fail "doctor does not show the kernel release$(nt_show D)"
	"$NT" doctor --json >"$W/J.out" 2>"$W/J.err"
	echo $? >"$W/J.rc"
	echo "+ $NT doctor --json" >"$W/J.cmd"
	assert_exit J 0
	assert_eq "doctor --json: stdout lines" "$(grep -c . "$W/J.out")" 1 J
	local dup
	dup=$($PY -c '
import json, sys
def hook(pairs):
    keys = [k for k, _ in pairs]
    for k in set(keys):
        if keys.count(k) > 1:
            print("duplicate key %r in object with keys %s" % (k, keys))
    return dict(pairs)
json.loads(open(sys.argv[1]).read(), object_pairs_hook=hook)' "$W/J.out" 2>&1)
	[[ -z $dup ]] || fail "doctor --json is not clean JSON: $(sort -u <<<"$dup" | head -n 3)"
	local want_f=false want_k=false
	if nt_in_guest; then want_f=true want_k=true; fi
	assert_jq J ".[0] | .tool == \"doctor\" and .attach_types.tp_btf.available == true" \
		"doctor reports tp_btf available"
	assert_jq J ".[0].attach_types.fentry.available == $want_f and .[0].attach_types.kprobe.available == $want_k" \
		"doctor reports fentry available=$want_f, kprobe available=$want_k"
	assert_jq J "[.[0].tools[].name] | index([\"icmp_path_tracer\"]) != null and index([\"eth_drop\"]) != null" \
		"doctor lists icmp_path_tracer and eth_drop"
	assert_jq J "all(.[0].tools[]; .auto.ok == true)" "every tool can attach all stages in auto mode"
}

# ---- streams ------------------------------------------------------------------------------

# results are written as they happen also when stdout is a pipe (manual: ... | tee log)
case_pipe_line_buffered() {
	nt_need_binary
	nt_lab router
	lab_drop_request_forward
	echo "+ ip netns exec $LAB_ROUTER_NS $NT eth_drop --json --src-ip $LAB_CLIENT_IP | cat" >"$W/P.cmd"
	env --default-signal=INT,TERM ip netns exec "$LAB_ROUTER_NS" "$NT" eth_drop --json \
		--src-ip "$LAB_CLIENT_IP" 2>"$W/P.err" > >(cat >"$W/P.out") &
	echo $! >"$W/P.pid"
	_NT_TOOLS+=(P)
	nt_wait_ready P 10
	ip netns exec "$LAB_CLIENT_NS" ping -n -q -c 2 -i 0.2 -W 0.5 "$LAB_SERVER_IP" >/dev/null
	nt_wait_events P 2 5
	nt_stop P INT 5
	assert_exit P 0
}

# ---- attach modes -----------------------------------------------------------------------

# on this host kprobes and fentry do not exist: forcing them fails cleanly (exit 1, the
# missing feature named, nothing left loaded)
case_forced_mode_unavailable() {
	local mode=$1
	nt_in_guest && skip "guest tier has $mode"
	nt_run_bg F "$LAB_ROUTER_NS" eth_drop --json --attach-mode "$mode"
	nt_wait_exit F 10
	assert_exit F 1
	grep -qi "$mode" "$W/F.err" || fail "stderr does not name '$mode'$(nt_show F)"
	[[ -s $W/F.out ]] && grep -qv '^{' "$W/F.out" && fail "non-JSON on stdout with --json$(nt_show F)"
	return 0
}

# ---- ending: SIGINT, SIGTERM, --duration --------------------------------------------------

# end_case TOOL HOW: run TOOL --json in the lab with 2 pings of traffic (dropped at the
# router for eth_drop), end it by HOW (INT | TERM | duration); expect exit 0, a summary
# as the last line that counts the traffic, all programs named nt_*, none left loaded.
end_case() {
	local tool=$1 how=$2 args=() t0 ms
	nt_lab router
	case $tool in
	icmp_path_tracer)
		args=(--src-ip "$LAB_CLIENT_IP" --dst-ip "$LAB_SERVER_IP" --rx-iface "$LAB_RX_IF"
			--tx-iface "$LAB_TX_IF" --timeout-ms 300)
		;;
	eth_drop)
		args=(--src-ip "$LAB_CLIENT_IP" --dst-ip "$LAB_SERVER_IP")
		lab_drop_request_forward
		;;
	esac
	[[ $how == duration ]] && args+=(--duration 3)
	t0=$(date +%s%N)
	nt_start E "$LAB_ROUTER_NS" "$tool" --json "${args[@]}"
	local names
	names=$(nt_prog_names E)
	[[ -n $names ]] || fail "no BPF program found for the running tool"
	grep -qv '^nt_' <<<"$names" && fail "BPF program names not starting with nt_: $(grep -v '^nt_' <<<"$names" | tr '\n' ' ')"
	ip netns exec "$LAB_CLIENT_NS" ping -n -q -c 2 -i 0.2 -W 0.5 "$LAB_SERVER_IP" >/dev/null
	nt_wait_events E 2 5
	case $how in
	INT | TERM) nt_stop E "$how" 5 ;;
	duration)
		nt_wait_exit E 8
		ms=$((($(date +%s%N) - t0) / 1000000))
		((ms >= 2900)) || fail "--duration 3 ended after only $ms ms$(nt_show E)"
		;;
	esac
	assert_exit E 0
	nt_check_json E "$tool"
	local last
	last=$(tail -n 1 "$W/E.out")
	jq -e '.type == "summary"' <<<"$last" >/dev/null || fail "last stdout line is not the summary$(nt_show E)"
	case $tool in
	icmp_path_tracer) assert_jq E "\$sum.exchanges == 2 and \$sum.statuses.COMPLETE == 2" "summary counts the 2 exchanges" ;;
	eth_drop) assert_jq E "\$sum.drops == 2 and \$sum.reasons.NETFILTER_DROP == 2" "summary counts the 2 drops" ;;
	esac
	assert_jq E "\$sum.lost_events | type == \"number\"" "summary has lost_events"
	assert_unloaded E
	assert_no_orphan_progs
}

# text mode: SIGTERM still prints the final summary to stdout
case_text_term() {
	nt_lab router
	nt_start E "$LAB_ROUTER_NS" eth_drop --src-ip "$LAB_CLIENT_IP"
	sleep 0.2
	local before
	before=$(wc -c <"$W/E.out")
	nt_stop E TERM 5
	assert_exit E 0
	(($(wc -c <"$W/E.out") > before)) || fail "nothing printed at SIGTERM in text mode$(nt_show E)"
	assert_unloaded E
}

nt_case "help: nettrail --help lists the tools" case_help
nt_case "help: per-tool --help shows flags and examples" case_tool_help
nt_case "multi-call: symlinks named eth_drop / icmp_path_tracer run that tool" case_symlink
nt_case "options: --btf FILE and --debug" case_btf_debug
nt_case --tag guest "doctor: truthful attach types (text and --json)" case_doctor
nt_case "streams: events arrive through a pipe while the tool runs" case_pipe_line_buffered
nt_case "attach: --attach-mode kprobe unavailable on the host -> exit 1 naming kprobe" \
	case_forced_mode_unavailable kprobe
nt_case "attach: --attach-mode fentry unavailable on the host -> exit 1 naming fentry" \
	case_forced_mode_unavailable fentry
nt_case "end: icmp_path_tracer SIGINT -> exit 0, summary, nothing loaded" end_case icmp_path_tracer INT
nt_case "end: icmp_path_tracer SIGTERM -> exit 0, summary, nothing loaded" end_case icmp_path_tracer TERM
nt_case "end: icmp_path_tracer --duration -> exit 0, summary, nothing loaded" end_case icmp_path_tracer duration
nt_case "end: eth_drop SIGINT -> exit 0, summary, nothing loaded" end_case eth_drop INT
nt_case "end: eth_drop SIGTERM -> exit 0, summary, nothing loaded" end_case eth_drop TERM
nt_case "end: eth_drop --duration -> exit 0, summary, nothing loaded" end_case eth_drop duration
nt_case "end: text mode SIGTERM prints a summary" case_text_term
nt_done
