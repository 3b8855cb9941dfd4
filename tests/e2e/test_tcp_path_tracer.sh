#!/bin/bash
# tcp_path_tracer end to end: iperf3 TCP client -> server through host A of the two-host lab
# (tests/lab/lab_twohost.sh); the tracer runs on host A: FWD (client -> server) enters a0 and
# leaves a1, REP (server -> client) enters a1 and leaves a0.
. "$(dirname "${BASH_SOURCE[0]}")/pt_lib.sh"

T_MS=500

# a TCP flow of modest rate (few hundred segments)
tcp_flow() { iperf_client -t "${1:-2}" -b "${2:-20M}" -l 1400 -N; }

case_healthy_verbose() {
	nt_lab2
	iperf_server
	pt_start T a tcp_path_tracer --verbose --dst-port 5201 --timeout-ms "$T_MS"
	tcp_flow 2
	sleep 0.7
	pt_finish T tcp_path_tracer
	assert_jq T "\$ev | length > 100" "more than 100 segment events"
	assert_jq T "all(\$ev[]; .status == \"COMPLETE\")" "every segment COMPLETE"
	assert_jq T "[\$ev[] | select(.dir == \"FWD\")] | length > 50 and all(.[]; .src_ip == \"$L2_CLIENT_IP\" and .dst_port == 5201 and [.stages[] | \"\(.name)@\(.iface)\"] == [\"REQ_RX@$L2_A_RX\", \"REQ_TX@$L2_A_TX\"])" \
		"FWD segments: client -> server:5201, REQ_RX@$L2_A_RX -> REQ_TX@$L2_A_TX"
	assert_jq T "[\$ev[] | select(.dir == \"REP\")] | length > 20 and all(.[]; .src_ip == \"$L2_SERVER_IP\" and .src_port == 5201 and [.stages[] | \"\(.name)@\(.iface)\"] == [\"REP_RX@$L2_A_TX\", \"REP_TX@$L2_A_RX\"])" \
		"REP segments: server:5201 -> client, REP_RX@$L2_A_TX -> REP_TX@$L2_A_RX"
	assert_jq T "any(\$ev[]; .kind == \"ack\" and .dir == \"REP\") and any(\$ev[]; .flags == \"SYN\")" \
		"pure ACKs (REP) and the SYN are tracked"
	assert_jq T "\$sum.fwd.internal_drops == 0 and \$sum.rep.internal_drops == 0 and \$sum.fwd.complete == \$sum.fwd.packets and \$sum.rep.complete == \$sum.rep.packets" \
		"summary: everything complete in both directions"
	assert_jq T "(\$ev | length) == \$sum.fwd.packets + \$sum.rep.packets and \$sum.lost_events == 0" \
		"one event per tracked segment, no lost events"
	assert_jq T "\$sum.fwd.latency_us.count == \$sum.fwd.complete and \$sum.fwd.latency_us.p50 > 0" \
		"summary latency per direction"
}

# segments lost in the network: host A sees the retransmissions as such
case_retrans() {
	nt_lab2
	iperf_server
	lab2_fault net -p tcp --dport 5201 -m length --length 200:65535 -m statistic --mode nth --every 15 --packet 0 ||
		fail "lab: fault rule"
	pt_start T a tcp_path_tracer --verbose --timeout-ms "$T_MS"
	tcp_flow 2 10M
	sleep 0.7
	pt_finish T tcp_path_tracer
	local lost
	lost=$(lab2_fault_packets net)
	((lost >= 2)) || fail "lab: only $lost segments dropped in the network"
	assert_jq T "\$sum.fwd.retrans >= $lost" "summary counts >= $lost retransmissions"
	assert_jq T "[\$ev[] | select(.retrans)] | length == \$sum.fwd.retrans + \$sum.rep.retrans" \
		"retransmitted segments are flagged in their events"
	assert_jq T "all(\$ev[]; .status == \"COMPLETE\") and \$sum.fwd.internal_drops == 0" \
		"nothing lost inside host A"
}

# random loss p=0.2 inside host A (data segments): counted within 30 % of the rule's counter
case_random_loss_internal() {
	nt_lab2
	iperf_server
	lab2_fault a -p tcp --dport 5201 -m length --length 200:65535 -m statistic --mode random --probability 0.2 ||
		fail "lab: fault rule"
	pt_start T a tcp_path_tracer --timeout-ms "$T_MS"
	tcp_flow 2 5M
	sleep 0.8
	pt_finish T tcp_path_tracer
	local want got
	want=$(lab2_fault_packets a)
	((want >= 10)) || fail "lab: only $want drops by the random rule"
	got=$(jq -s 'map(select(.type == "summary")) | last | .fwd.internal_drops' "$W/T.out")
	within 30 "$got" "$want" || fail "fwd.internal_drops $got not within 30 % of the rule's $want$(nt_show T)"
	# (a segment still inside --timeout-ms when the tool stops, e.g. iperf3's closing
	# exchange, is reported as "pending": shown, but not counted in the summary)
	assert_jq T "(\$ev | map(select(.pending != true) | .drops) | add) == \$sum.fwd.internal_drops + \$sum.rep.internal_drops and all(\$ev[]; .status == \"INTERNAL_DROP\")" \
		"default mode: drop events only, the judged ones adding up to the summary"
	assert_jq T "[\$ev[] | select(.dir == \"FWD\")] | all(.[]; .stages[0].name == \"REQ_RX\")" \
		"drop events name the stage seen (REQ_RX)"
}

# drops of the reply direction (server's ACKs) inside host A are REP internal drops
case_reply_drop() {
	nt_lab2
	iperf_server
	lab2_fault a -p tcp --sport 5201 -m statistic --mode nth --every 10 --packet 5 || fail "lab: fault rule"
	pt_start T a tcp_path_tracer --timeout-ms "$T_MS"
	tcp_flow 2 5M
	sleep 0.8
	pt_finish T tcp_path_tracer
	local want got
	want=$(lab2_fault_packets a)
	((want >= 3)) || fail "lab: only $want replies dropped"
	got=$(jq -s 'map(select(.type == "summary")) | last | .rep.internal_drops' "$W/T.out")
	assert_eq "rep.internal_drops (host A's rule dropped $want)" "$got" "$want" T
	assert_jq T "\$sum.fwd.internal_drops == 0" "no FWD drops"
	assert_jq T "all(\$ev[]; .dir == \"REP\" and .stages[0].name == \"REP_RX\" and .stages[0].iface == \"$L2_A_TX\")" \
		"drop events: REP, entered at $L2_A_TX (REP_RX)"
}

# stats mode under iperf3 load: counts = interface counters (+-5 %), one object per interval
case_stats_load() {
	nt_lab2
	iperf_server
	pt_start T a tcp_path_tracer --stats-mode --stats-interval 1
	local a0 a1 b0 b1
	a0=$(lab2_ifstat "$L2_A_NS" "$L2_A_RX" rx)
	b0=$(lab2_ifstat "$L2_A_NS" "$L2_A_TX" rx)
	iperf_client -t 2
	sleep 0.3
	a1=$(lab2_ifstat "$L2_A_NS" "$L2_A_RX" rx)
	b1=$(lab2_ifstat "$L2_A_NS" "$L2_A_TX" rx)
	pt_finish T tcp_path_tracer
	local f r
	f=$(jq -s 'map(select(.type == "summary")) | last | .fwd.in_packets' "$W/T.out")
	r=$(jq -s 'map(select(.type == "summary")) | last | .rep.in_packets' "$W/T.out")
	(((a1 - a0) > 2000)) || fail "lab: only $((a1 - a0)) packets"
	within 5 "$f" $((a1 - a0)) || fail "fwd.in_packets $f not within 5 % of $L2_A_RX rx_packets delta $((a1 - a0))$(nt_show T)"
	within 5 "$r" $((b1 - b0)) || fail "rep.in_packets $r not within 5 % of $L2_A_TX rx_packets delta $((b1 - b0))$(nt_show T)"
	assert_jq T "\$ev | length == 0" "no per-packet events in stats mode"
	assert_jq T "[\$all[] | select(.type == \"interval\")] | length >= 2 and length <= 4 and all(.[]; has(\"fwd\") and has(\"rep\") and has(\"lost_events\"))" \
		"one interval object per second with fwd, rep, lost_events"
	assert_jq T "\$sum.fwd.internal_drops == 0 and \$sum.fwd.complete >= \$sum.fwd.packets * 0.99" \
		"healthy load: no internal drops"
	assert_jq T "\$sum.fwd.latency_us | (.min <= .p50 and .p50 <= .p99 and .p99 <= .max)" \
		"latency min <= P50 <= P99 <= max"
}

case_text_stats() {
	nt_lab2
	nt_start T "$L2_A_NS" tcp_path_tracer --src-ip "$L2_CLIENT_IP" --dst-ip "$L2_SERVER_IP" \
		--rx-iface "$L2_A_RX" --tx-iface "$L2_A_TX" --stats-mode --stats-interval 1
	sleep 1.3
	nt_stop T INT 5
	assert_exit T 0
	grep -q '=== TCP Stats \[' "$W/T.out" || fail "no '=== TCP Stats [' block$(nt_show T)"
	grep -q 'Forward (' "$W/T.out" && grep -q 'Reply (' "$W/T.out" ||
		fail "no Forward/Reply sections$(nt_show T)"
	grep -q '^{' "$W/T.out" && fail "JSON in text mode$(nt_show T)"
	return 0
}

case_bad_input() {
	nt_lab2
	local args=(--src-ip "$L2_CLIENT_IP" --dst-ip "$L2_SERVER_IP" --rx-iface "$L2_A_RX" --tx-iface "$L2_A_TX")
	local bad rc
	for bad in "--verbose --stats-mode" "--src-port 65536" "--dst-port 5x" "--stats-interval 0" \
		"--rx-iface $L2_A_TX"; do
		# shellcheck disable=SC2086
		ip netns exec "$L2_A_NS" "$NT" tcp_path_tracer "${args[@]}" $bad >"$W/o" 2>"$W/e"
		rc=$?
		assert_eq "exit status for '$bad'" "$rc" 2
		[[ $(wc -l <"$W/e") == 1 ]] || fail "'$bad': want one line on stderr, got: $(cat "$W/e")"
	done
	ip netns exec "$L2_A_NS" "$NT" tcp_path_tracer --dst-ip "$L2_SERVER_IP" --rx-iface "$L2_A_RX" \
		--tx-iface "$L2_A_TX" 2>/dev/null
	assert_eq "exit status without --src-ip" "$?" 2
	return 0
}

nt_case "tcp_path_tracer: healthy iperf3 flow -> every segment COMPLETE, both directions" case_healthy_verbose
nt_case "tcp_path_tracer: network drops -> retransmissions recognised, no internal drop" case_retrans
nt_case "tcp_path_tracer: random loss p=0.2 in host A counted within 30 %" case_random_loss_internal
nt_case "tcp_path_tracer: reply (ACK) drops in host A -> REP internal drops" case_reply_drop
nt_case "tcp_path_tracer: --stats-mode under iperf3 load = interface counters, no events" case_stats_load
nt_case "tcp_path_tracer: --stats-mode text blocks in the manual's shape" case_text_stats
nt_case "tcp_path_tracer: bad input exits 2" case_bad_input
nt_done
