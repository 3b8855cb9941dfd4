#!/bin/bash
# udp_path_tracer end to end: datagrams client -> server through host A of the two-host lab
# (tests/lab/lab_twohost.sh); the tracer runs on host A (rx a0, tx a1).
. "$(dirname "${BASH_SOURCE[0]}")/pt_lib.sh"
. "$E2E_DIR/prom_lib.sh"

T_MS=300

case_healthy() {
	nt_lab2
	pt_start T a udp_path_tracer --verbose --timeout-ms "$T_MS"
	udp_send 20 7001
	nt_wait_events T 20 5
	sleep 0.4
	pt_finish T udp_path_tracer
	assert_jq T "\$ev | length == 20 and all(\$ev[]; .status == \"COMPLETE\")" "20 events, all COMPLETE"
	assert_jq T "all(\$ev[]; .dir == \"FWD\" and .src_ip == \"$L2_CLIENT_IP\" and .dst_ip == \"$L2_SERVER_IP\" and .dst_port == 7001 and .fragmented == false and .rx == 1 and .tx == 1)" \
		"events carry the pair, port 7001, unfragmented, rx 1 tx 1"
	assert_jq T "all(\$ev[]; [.stages[] | \"\(.name)@\(.iface)\"] == [\"REQ_RX@$L2_A_RX\", \"REQ_TX@$L2_A_TX\"])" \
		"stages REQ_RX@$L2_A_RX, REQ_TX@$L2_A_TX"
	assert_jq T "all(\$ev[]; .internal_us >= 0 and .internal_us < 100000)" "internal_us present and sane"
	assert_jq T "[\$ev[].ip_id] | unique | length == 20" "20 distinct IP ids"
	assert_jq T "\$sum.fwd.packets == 20 and \$sum.fwd.complete == 20 and \$sum.fwd.internal_drops == 0 and \$sum.fwd.in_packets == 20 and \$sum.fwd.out_packets == 20" \
		"summary: 20 packets, 20 complete, 0 drops"
	assert_jq T "\$sum.fwd.latency_us.count == 20 and \$sum.fwd.latency_us.p50 > 0 and \$sum.fwd.latency_us.min <= \$sum.fwd.latency_us.p99 and (\$sum.fwd.hist_us | map(.count) | add) == 20" \
		"summary latency: 20 samples, P50/P99, histogram of 20"
	assert_jq T "\$sum.lost_events == 0" "lost_events 0"
}

case_drop_default_mode() {
	nt_lab2
	lab2_fault a -p udp --dport 7002 -m statistic --mode nth --every 4 --packet 0 ||
		fail "lab: fault rule"
	pt_start T a udp_path_tracer --timeout-ms "$T_MS"
	udp_send 20 7002
	local want
	want=$(lab2_fault_packets a)
	assert_eq "lab: datagrams dropped by host A's rule" "$want" 5
	nt_wait_events T 5 5
	sleep 0.4
	pt_finish T udp_path_tracer
	assert_jq T "\$ev | length == 5 and all(\$ev[]; .status == \"INTERNAL_DROP\" and .rx == 1 and .tx == 0 and .drops == 1)" \
		"default mode prints only the 5 drops (INTERNAL_DROP, rx 1, tx 0)"
	assert_jq T "all(\$ev[]; [.stages[].name] == [\"REQ_RX\"])" "dropped datagrams have only REQ_RX"
	assert_jq T "\$sum.fwd.internal_drops == 5 and \$sum.fwd.complete == 15 and \$sum.fwd.packets == 20" \
		"summary: 20 packets, 15 complete, 5 internal drops"
}

# manual 3.1.3: fragments of one datagram are one group; one lost fragment = datagram lost
case_fragment_dropped() {
	nt_lab2
	# 4000-byte datagrams: fragments of 1500, 1500 and 1068 bytes; every 5th middle
	# fragment is dropped by host A
	lab2_fault a -p udp -f -m length --length 1500 -m statistic --mode nth --every 5 --packet 0 ||
		fail "lab: fault rule"
	pt_start T a udp_path_tracer --verbose --timeout-ms "$T_MS"
	udp_send 10 7003 4000 0.02
	assert_eq "lab: fragments dropped by host A's rule" "$(lab2_fault_packets a)" 2
	nt_wait_events T 10 5
	sleep 0.4
	pt_finish T udp_path_tracer
	assert_jq T "\$ev | length == 10 and all(\$ev[]; .fragmented and .dst_port == 7003)" \
		"10 events (one per datagram, not per fragment), fragmented, port from the first fragment"
	assert_jq T "[\$ev[] | select(.status == \"COMPLETE\")] | length == 8 and all(.[]; .rx == 3 and .tx == 3)" \
		"8 datagrams COMPLETE with 3 fragments in and out"
	assert_jq T "[\$ev[] | select(.status == \"INTERNAL_DROP\")] | length == 2 and all(.[]; .rx == 3 and .tx == 2 and .drops == 1)" \
		"2 datagrams INTERNAL_DROP: 3 fragments in, 2 out"
	assert_jq T "\$sum.fwd.internal_drops == 2 and \$sum.fwd.complete == 8 and \$sum.fwd.in_packets == 30 and \$sum.fwd.out_packets == 28" \
		"summary: 2 internal drops, 8 complete, 30 fragments in, 28 out"
}

# port filters apply to the first fragment; later fragments follow their group
case_port_filter_fragments() {
	nt_lab2
	pt_start T a udp_path_tracer --verbose --dst-port 7004 --timeout-ms "$T_MS"
	udp_send 5 7005 4000 0.01
	udp_send 5 7004 4000 0.01
	nt_wait_events T 5 5
	sleep 0.4
	pt_finish T udp_path_tracer
	assert_jq T "\$ev | length == 5 and all(\$ev[]; .dst_port == 7004 and .status == \"COMPLETE\" and .rx == 3)" \
		"only the 5 datagrams to port 7004, each complete with 3 fragments"
	assert_jq T "\$sum.fwd.in_packets == 15 and \$sum.fwd.out_unmatched == 0" \
		"fragments of datagrams to port 7005 are not counted (15 fragments in)"
}

# random loss p=0.2 inside host A: counted within +-30 % of the rule's own counter
case_random_loss() {
	nt_lab2
	lab2_fault a -p udp --dport 7006 -m statistic --mode random --probability 0.2 ||
		fail "lab: fault rule"
	pt_start T a udp_path_tracer --timeout-ms "$T_MS"
	udp_send 300 7006 200 0.003
	sleep 0.5
	local want
	want=$(lab2_fault_packets a)
	pt_finish T udp_path_tracer TERM
	((want >= 30)) || fail "lab: only $want drops by the random rule"
	local got
	got=$(jq -s 'map(select(.type == "summary")) | last | .fwd.internal_drops' "$W/T.out")
	within 30 "$got" "$want" || fail "internal_drops $got not within 30 % of the rule's $want$(nt_show T)"
	assert_jq T "\$sum.fwd.packets == 300" "300 datagrams tracked"
}

# stats mode: aggregation in the kernel, one object per interval, counts = interface counters
case_stats_mode_load() {
	nt_lab2
	iperf_server 5201
	pt_start T a udp_path_tracer --stats-mode --stats-interval 1
	local rx0 rx1
	rx0=$(lab2_ifstat "$L2_A_NS" "$L2_A_RX" rx)
	iperf_client -u -b 200M -l 1200 -t 2
	sleep 0.3
	rx1=$(lab2_ifstat "$L2_A_NS" "$L2_A_RX" rx)
	pt_finish T udp_path_tracer
	local got want=$((rx1 - rx0))
	got=$(jq -s 'map(select(.type == "summary")) | last | .fwd.in_packets' "$W/T.out")
	((want > 5000)) || fail "lab: only $want packets from iperf3"
	within 5 "$got" "$want" || fail "fwd.in_packets $got not within 5 % of $L2_A_RX rx_packets delta $want$(nt_show T)"
	assert_jq T "\$ev | length == 0" "no per-packet events in stats mode"
	assert_jq T "[\$all[] | select(.type == \"interval\")] | length >= 2 and length <= 4" \
		"one interval object per second (2..4 in ~3 s)"
	assert_jq T "[\$all[] | select(.type == \"interval\")] | all(.[]; (.fwd.latency_us | has(\"count\")) and has(\"lost_events\"))" \
		"interval objects carry latency and lost_events"
	assert_jq T "\$sum.fwd.complete >= \$sum.fwd.packets * 0.99 and \$sum.fwd.internal_drops == 0" \
		"healthy load: complete, no internal drops"
	assert_jq T "\$sum.fwd.latency_us.p99 >= \$sum.fwd.latency_us.p50 and (\$sum.fwd.hist_us | length) > 0" \
		"P50/P99 and histogram present"
}

# stats intervals come also without traffic; --duration ends like SIGINT
case_stats_idle_duration() {
	nt_lab2
	pt_start T a udp_path_tracer --stats-mode --stats-interval 1 --duration 2.5
	nt_wait_exit T 6
	assert_exit T 0
	nt_check_json T udp_path_tracer
	assert_unloaded T
	assert_jq T "[\$all[] | select(.type == \"interval\")] | length == 2" "2 interval objects in 2.5 s without traffic"
	assert_jq T "\$sum.fwd.in_packets == 0" "summary with zero packets"
}

case_bad_input() {
	nt_lab2
	local args=(--src-ip "$L2_CLIENT_IP" --dst-ip "$L2_SERVER_IP" --rx-iface "$L2_A_RX" --tx-iface "$L2_A_TX")
	local bad rc
	for bad in "--stats-mode --verbose" "--dst-port 70000" "--src-port abc" "--stats-interval 5" \
		"--timeout-ms 0" "--dst-port -1"; do
		# shellcheck disable=SC2086
		ip netns exec "$L2_A_NS" "$NT" udp_path_tracer "${args[@]}" $bad >"$W/o" 2>"$W/e"
		rc=$?
		assert_eq "exit status for '$bad'" "$rc" 2
		[[ $(wc -l <"$W/e") == 1 ]] || fail "'$bad': want one line on stderr, got: $(cat "$W/e")"
		[[ -s $W/o ]] && fail "'$bad': output on stdout"
	done
	ip netns exec "$L2_A_NS" "$NT" udp_path_tracer --src-ip "$L2_CLIENT_IP" --dst-ip "$L2_SERVER_IP" \
		--rx-iface nosuchif0 --tx-iface "$L2_A_TX" 2>/dev/null
	assert_eq "exit status for an unknown interface" "$?" 2
	return 0
}

# --prometheus in stats mode: host A drops every 4th of 20 datagrams; the scraped counters
# are the rig's, and the summary says the same
case_prometheus() {
	nt_lab2
	lab2_fault a -p udp --dport 7003 -m statistic --mode nth --every 4 --packet 0 ||
		fail "lab: fault rule"
	pt_start T a udp_path_tracer --stats-mode --stats-interval 1 --timeout-ms "$T_MS" --prometheus $PORT
	udp_send 20 7003
	assert_eq "lab: datagrams dropped by host A's rule" "$(lab2_fault_packets a)" 5
	sleep 1.6       # past the timeout and the next interval
	scrape "$L2_A_NS" last
	promtool_check last
	assert_eq "scraped packets" "$(metric nettrail_path_packets_total 'direction="fwd"')" 20
	assert_eq "scraped complete" "$(metric nettrail_path_complete_total 'direction="fwd"')" 15
	assert_eq "scraped internal drops" "$(metric nettrail_path_internal_drops_total 'direction="fwd"')" 5
	assert_eq "scraped latency samples" "$(metric nettrail_path_latency_seconds_count 'direction="fwd"')" 15
	pt_finish T udp_path_tracer
	assert_jq T "\$sum.fwd.packets == 20 and \$sum.fwd.internal_drops == 5" "the summary says the same"
}

nt_case "udp_path_tracer: healthy datagrams -> COMPLETE, stages, latency" case_healthy
nt_case "udp_path_tracer: host A drops every 4th -> INTERNAL_DROP (drops-only default)" case_drop_default_mode
nt_case "udp_path_tracer: one fragment dropped -> that datagram INTERNAL_DROP" case_fragment_dropped
nt_case "udp_path_tracer: --dst-port filters on the first fragment" case_port_filter_fragments
nt_case "udp_path_tracer: random loss p=0.2 counted within 30 %" case_random_loss
nt_case "udp_path_tracer: --stats-mode under iperf3 load = interface counters, no events" case_stats_mode_load
nt_case "udp_path_tracer: --stats-mode intervals without traffic, --duration" case_stats_idle_duration
nt_case "udp_path_tracer: bad input exits 2" case_bad_input
nt_case "udp_path_tracer: --stats-mode --prometheus: 20 datagrams, host A drops 5 -> scraped packets 20, complete 15, internal drops 5" case_prometheus
nt_done
