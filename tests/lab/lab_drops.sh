# shellcheck shell=bash
# Helpers of the drop-family end-to-end tests (kernel_drop_stack_stats_summary_all,
# qdisc_drop_trace, drop_monitor_controller, trace_conntrack, trace_ip_defrag). Sourced
# after tests/e2e/lib.sh; uses its W, fail, nt_* helpers and the LAB_* variables of a lab.

# drop_usage_error FLAG VALUE ARGS...: `nettrail ARGS` (this namespace) must exit 2 with
# empty stdout, one stderr line naming FLAG (and VALUE if not empty), and no BPF object
# loaded (strace).
drop_usage_error() {
	local flag=$1 value=$2
	shift 2
	nt_need_binary
	nt_need strace
	echo "+ $NT $*" >"$W/U.cmd"
	strace -f -qq -o "$W/strace" -e trace=bpf,perf_event_open "$NT" "$@" >"$W/U.out" 2>"$W/U.err"
	echo $? >"$W/U.rc"
	assert_exit U 2
	[[ -s $W/U.out ]] && fail "stdout not empty on a usage error$(nt_show U)"
	assert_eq "stderr lines" "$(grep -c . "$W/U.err")" 1 U
	grep -qF -- "$flag" "$W/U.err" || fail "stderr does not name '$flag'$(nt_show U)"
	[[ -z $value ]] || grep -qF -- "$value" "$W/U.err" ||
		fail "stderr does not name the value '$value'$(nt_show U)"
	local loads
	loads=$(grep -E 'bpf\((BPF_PROG_LOAD|BPF_MAP_CREATE|BPF_LINK_CREATE|BPF_RAW_TRACEPOINT_OPEN)|perf_event_open\(' "$W/strace" | head -n 3)
	[[ -z $loads ]] || fail "BPF objects loaded before validation:
$loads"
	return 0
}

# drop_finish T TOOL: SIGINT, exit 0, JSON well formed, a summary, nothing left loaded
drop_finish() {
	local t=$1 tool=$2
	nt_stop "$t" INT 5
	assert_exit "$t" 0
	nt_check_json "$t" "$tool"
	[[ -n $(nt_summary "$t") ]] || fail "$t: no summary object$(nt_show "$t")"
	assert_unloaded "$t"
}

# drop_udp_burst NS SRC_IP DST_IP DST_PORT COUNT [FIRST_SRC_PORT] [NPORTS]: COUNT datagrams
# as fast as python sends them, source ports cycling over NPORTS ports from FIRST_SRC_PORT
drop_udp_burst() {
	local ns=$1 sip=$2 dip=$3 dport=$4 n=$5 sport=${6:-41000} nports=${7:-1}
	ip netns exec "$ns" /usr/bin/python3 - "$sip" "$dip" "$dport" "$n" "$sport" "$nports" <<'PY'
import socket, sys
sip, dip, dport, n, sport, nports = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
socks = []
for i in range(nports):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((sip, sport + i))
    socks.append(s)
for i in range(n):
    socks[i % nports].sendto(b"nettrail-drop %d" % i, (dip, dport))
PY
}

# drop_tc_dropped NS DEV: the "dropped" counter of DEV's root qdisc
drop_tc_dropped() { # (the root qdisc is listed first)
	ip netns exec "$1" tc -s qdisc show dev "$2" | sed -n 's/.*(dropped \([0-9]*\),.*/\1/p' | head -n 1
}

# drop_iperf_udp RATE SECONDS [LEN [IPERF3_ARGS...]]: (SECONDS a whole number: iperf3 reads "0.5" as 0 =
# forever) iperf3 UDP client -> server through the lab router (--bidir: both ways)
drop_iperf_udp() {
	local rate=$1 secs=$2 len=${3:-1000} port=$((5300 + LAB_SLOT)) i
	shift $(($# < 3 ? $# : 3))
	ip netns exec "$LAB_SERVER_NS" timeout 20 iperf3 -s -1 -B "$LAB_SERVER_IP" -p "$port" >"$W/iperf_s.out" 2>&1 &
	local srv=$!
	for ((i = 0; i < 50; i++)); do
		ip netns exec "$LAB_SERVER_NS" ss -ltn 2>/dev/null | grep -q ":$port " && break
		sleep 0.05
	done
	ip netns exec "$LAB_CLIENT_NS" timeout 15 iperf3 -c "$LAB_SERVER_IP" -p "$port" -u -b "$rate" -t "$secs" \
		-l "$len" "$@" >"$W/iperf_c.out" 2>&1 || fail "iperf3 client failed: $(tail -n 3 "$W/iperf_c.out")"
	wait "$srv"
}
