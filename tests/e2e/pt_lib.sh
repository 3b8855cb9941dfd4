# shellcheck shell=bash
# Glue for the path-tracer / merge end-to-end tests (test_tcp_path_tracer.sh,
# test_udp_path_tracer.sh, test_merge.sh): the two-host lab of tests/lab/lab_twohost.sh
# per case, tracers on host A (sender's) and host B (receiver's), traffic generators.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$REPO/tests/lab/lab_twohost.sh"

# nt_lab2: build a two-host lab for this case; removed (with iperf3 servers) when it ends
nt_lab2() {
	L2P=$(lab_prefix 2h)
	trap '_nt_case_cleanup; _pt_cleanup' EXIT
	lab2_topology "$L2P" || fail "two-host lab could not be built"
}
_pt_cleanup() {
	local pid
	for pid in $(cat "$W"/iperf.pid 2>/dev/null); do
		kill "$pid" 2>/dev/null
	done
	lab2_cleanup "$L2P"
}

# pt_start T a|b TOOL [FLAGS...]: start TOOL (--json) on host A or B of the lab for the
# client -> server pair
pt_start() {
	local t=$1 host=$2 tool=$3 ns rx tx
	shift 3
	case $host in
	a) ns=$L2_A_NS rx=$L2_A_RX tx=$L2_A_TX ;;
	b) ns=$L2_B_NS rx=$L2_B_RX tx=$L2_B_TX ;;
	*) fail "pt_start: host a or b" ;;
	esac
	nt_start "$t" "$ns" "$tool" --src-ip "$L2_CLIENT_IP" --dst-ip "$L2_SERVER_IP" \
		--rx-iface "$rx" --tx-iface "$tx" --json "$@"
}

# pt_finish T TOOL [SIGNAL]: stop T; exit 0, valid JSON, a summary, nothing left loaded
pt_finish() {
	local t=$1 tool=$2
	nt_stop "$t" "${3:-INT}" 5
	assert_exit "$t" 0
	nt_check_json "$t" "$tool"
	[[ -n $(nt_summary "$t") ]] || fail "$t: no summary object$(nt_show "$t")"
	assert_unloaded "$t"
}

# udp_send COUNT DPORT [SIZE] [GAP_S]: COUNT datagrams of SIZE bytes (default 64) from the
# client to the server (connected socket: the IP id increments), GAP_S apart (0.01); nothing
# listens on the server (its port-unreachable replies are ignored)
udp_send() {
	ip netns exec "$L2_CLIENT_NS" /usr/bin/python3 - "$L2_SERVER_IP" "$2" "$1" "${3:-64}" "${4:-0.01}" <<'PY'
import socket, sys, time
dst, port, n, size, gap = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect((dst, port))
for i in range(n):
    try:
        s.send(bytes(size))
    except ConnectionRefusedError:  # reports the server's port unreachable; nothing was sent
        s.send(bytes(size))
    time.sleep(gap)
PY
}

# iperf_server [PORT]: a one-off iperf3 server in the server namespace (killed at the end)
iperf_server() {
	nt_need iperf3
	ip netns exec "$L2_SERVER_NS" iperf3 -s -1 -p "${1:-5201}" >/dev/null 2>&1 &
	echo $! >>"$W/iperf.pid"
	local i
	for ((i = 0; i < 40; i++)); do
		ip netns exec "$L2_SERVER_NS" ss -ltn 2>/dev/null | grep -q ":${1:-5201} " && return 0
		sleep 0.05
	done
	fail "iperf3 server did not start"
}

# iperf_client ARGS...: iperf3 client from the client namespace (fails the case on error)
iperf_client() {
	ip netns exec "$L2_CLIENT_NS" iperf3 -c "$L2_SERVER_IP" "$@" >"$W/iperf.out" 2>&1 ||
		fail "iperf3 client failed: $(tail -n 3 "$W/iperf.out")"
}

# within PCT GOT WANT: |GOT - WANT| <= PCT % of WANT (and WANT > 0)
within() {
	awk -v p="$1" -v g="$2" -v w="$3" 'BEGIN { d = g - w; if (d < 0) d = -d; exit !(w > 0 && d <= w * p / 100) }'
}
