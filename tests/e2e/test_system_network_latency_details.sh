#!/bin/bash
# system_network_latency_details end to end: the kernel threshold lets only slow packets
# through (a known NIC -> socket-read delay D), 5-tuple filters, stage lines, bad input
# (manual 2.3 step 3, 3.3.3).
. "$(dirname "$0")/lib.sh"
. "$E2E_DIR/lat_flow_lib.sh"
S=system_network_latency_details

# server reads each TCP message 20 ms late: --latency-ms 10 reports them, 50 none
case_threshold() {
	local mode=$1 pid
	nt_lab router
	pid=$(latlab_tcp_sink "$LAB_SERVER_NS" "$LAB_SERVER_IP" 5000 20 "$W/K.log") || fail "no TCP sink"
	echo "$pid" >"$W/K.pid"
	_NT_TOOLS+=(K)
	# shellcheck disable=SC2046
	nt_start LO "$LAB_SERVER_NS" $S --phy-interface "$LAB_SERVER_IF" --direction rx --protocol tcp \
		--src-ip "$LAB_CLIENT_IP" --dst-port 5000 --latency-ms 10 --json $(nt_mode_args "$mode")
	# above D: 2.5 D on the host; TCG stretches a read past that now and then (53 ms on 6.1)
	local hi=50
	nt_in_guest && hi=200
	nt_start HI "$LAB_SERVER_NS" $S --phy-interface "$LAB_SERVER_IF" --direction rx --protocol tcp \
		--src-ip "$LAB_CLIENT_IP" --dst-port 5000 --latency-ms "$hi" --json
	latlab_tcp_send "$LAB_CLIENT_NS" "$LAB_SERVER_IP" 5000 10
	sleep 0.5
	nt_stop LO INT
	nt_stop HI INT
	nt_check_json LO $S
	if [[ $mode != auto ]]; then
		# a forced fentry/kprobe mode takes function probes only: the socket read is a
		# tracepoint-only stage, so the path ends at tcp_v4_rcv, before the reader's delay
		assert_jq LO "(\$ev | length) == 0 and \$sum.packets.completed >= 10" \
			"$mode: ends at tcp_v4_rcv, before the reader's delay: none reported"
		grep -q 'skb_copy_datagram_iovec=none .*tcp_v4_rcv=\|tcp_v4_rcv=[a-z]*:tcp_v4_rcv .*skb_copy_datagram_iovec=none' "$W/LO.err" ||
			fail "$mode: want tcp_v4_rcv traced and skb_copy_datagram_iovec=none$(nt_show LO)"
		assert_unloaded LO
		return
	fi
	assert_jq LO "(\$ev | length) == 10" "--latency-ms 10 < D: the 10 messages"
	# the reader's delay is a floor for every packet; a busy CPU can only add to it, so the
	# ceiling is checked on the median
	local med=30000
	nt_in_guest && med=50000       # TCG beside other guests: 31 ms medians seen on 5.10
	assert_jq LO "([\$ev[] | .total_us >= 18000] | all) and
		([\$ev[].total_us] | sort | .[length / 2 | floor] <= $med)" "each >= 18 ms, median <= $med us"
	assert_jq LO "[\$ev[] | .protocol == \"tcp\" and .dst_port == 5000 and .src_ip == \"$LAB_CLIENT_IP\" and .direction == \"rx\"] | all" \
		"5-tuple and direction"
	assert_jq LO "[\$ev[] | .stages[0].name == \"netif_receive_skb\" and .stages[0].iface == \"$LAB_SERVER_IF\"] | all" \
		"first stage on the physical interface"
	assert_jq LO "[\$ev[] | (.stack | length) > 0] | all" "a kernel stack with each"
	if nt_in_guest && [[ $mode != kprobe ]]; then
		assert_jq LO "[\$ev[] | [.stages[].name] | map(. == \"tcp_v4_rcv\") | any] | all" "guest: tcp_v4_rcv stage"
	fi
	assert_jq HI "(\$ev | length) == 0 and \$sum.packets.completed >= 10 and \$sum.packets.reported == 0" \
		"--latency-ms $hi > D: none crossed to user space"
	assert_unloaded LO
	assert_unloaded HI
}

# two flows; --dst-port 5001 -> only that one, every datagram, stages in order
case_filter() {
	nt_lab router
	nt_start T "$LAB_CLIENT_NS" $S --phy-interface "$LAB_CLIENT_IF" --direction tx --protocol udp \
		--dst-ip "$LAB_SERVER_IP" --dst-port 5001 --json --disable-kernel-stacks
	nt_start P "$LAB_CLIENT_NS" $S --phy-interface "$LAB_CLIENT_IF" --direction tx --protocol udp \
		--dst-ip "$LAB_SERVER_IP" --port 4001 --json --disable-kernel-stacks
	lab_udp_send "$LAB_CLIENT_NS" "$LAB_CLIENT_IP" 4000 "$LAB_SERVER_IP" 5000 10
	lab_udp_send "$LAB_CLIENT_NS" "$LAB_CLIENT_IP" 4001 "$LAB_SERVER_IP" 5001 20
	sleep 0.3
	nt_stop T TERM
	nt_stop P TERM
	assert_jq T "(\$ev | length) == 20" "20 datagrams to port 5001"
	assert_jq T "[\$ev[] | .dst_port] | unique == [5001]" "only --dst-port 5001"
	assert_jq T "[\$ev[] | .comm == \"python3\" and .pid > 0] | all" \
		"each datagram's task: the sender (its first stamp is in the send)"
	assert_jq P "[\$ev[] | .src_port] | (length == 20 and unique == [4001])" \
		"--port 4001 (either direction): the 20 datagrams from source port 4001"
	assert_unloaded P
	assert_jq T "[\$ev[] | has(\"stack\")] | any | not" "--disable-kernel-stacks"
	if ! nt_in_guest; then
		assert_jq T "[\$ev[] | [.stages[].name]] | unique == [[\"net_dev_queue\",\"net_dev_xmit\"]]" \
			"host: net_dev_queue -> net_dev_xmit"
	fi
	assert_unloaded T
}

case_text() {
	nt_lab router
	nt_start T "$LAB_CLIENT_NS" $S --phy-interface "$LAB_CLIENT_IF" --direction tx --protocol udp \
		--dst-port 5000
	lab_udp_send "$LAB_CLIENT_NS" "$LAB_CLIENT_IP" 4000 "$LAB_SERVER_IP" 5000 3
	sleep 0.3
	nt_stop T INT
	[[ $(grep -c '^=== System Network UDP Latency Trace' "$W/T.out") == 3 ]] || fail "3 traces$(nt_show T)"
	local first=net_dev_queue second=net_dev_xmit
	nt_in_guest && first=ip_send_skb second='(__)?ip_local_out'     # function stages first there
	grep -Eq "^  \\[0->1\\] $first -> $second: [0-9.]+ us" "$W/T.out" || fail "no stage line$(nt_show T)"
	grep -q '^Total One-Way Latency: ' "$W/T.out" || fail "no total$(nt_show T)"
	grep -q 'stack at net_dev_xmit' "$W/T.out" || fail "no stack$(nt_show T)"
	grep -q 'Lost events: 0' "$W/T.out" || fail "no lost-event count$(nt_show T)"
	assert_unloaded T
}

# guest tier: netem delay D = 20 ms on the client's interface: --latency-ms 10 reports every
# datagram with the time in net_dev_queue -> net_dev_xmit, --latency-ms 300 (15 D: a TCG guest on a busy host stalls for 100+ ms now and then) none
case_netem() {
	nt_in_guest || skip "netem exists in the guest tier only"
	nt_lab router
	ip netns exec "$LAB_CLIENT_NS" tc qdisc add dev "$LAB_CLIENT_IF" root netem delay 20ms ||
		skip "no netem"
	nt_start LO "$LAB_CLIENT_NS" $S --phy-interface "$LAB_CLIENT_IF" --direction tx --protocol udp \
		--dst-port 5000 --latency-ms 10 --json --disable-kernel-stacks
	nt_start HI "$LAB_CLIENT_NS" $S --phy-interface "$LAB_CLIENT_IF" --direction tx --protocol udp \
		--dst-port 5000 --latency-ms 300 --json --disable-kernel-stacks
	lab_udp_send "$LAB_CLIENT_NS" "$LAB_CLIENT_IP" 4000 "$LAB_SERVER_IP" 5000 10
	nt_wait_events LO 10 5
	nt_stop LO INT
	nt_stop HI INT
	assert_jq LO "(\$ev | length) == 10" "--latency-ms 10 < D: the 10 datagrams"
	assert_jq LO "[\$ev[] | .bottleneck == \"net_dev_queue -> net_dev_xmit\"] | all" "the delay is in the qdisc pair"
	assert_jq LO "[\$ev[] | .stages[] | select(.name == \"net_dev_xmit\") | .delta_us >= 18000] | all" "net_dev_xmit >= 18 ms after net_dev_queue"
	assert_jq LO "[\$ev[] | .stages[0].name] | unique == [\"ip_send_skb\"]" "timed from ip_send_skb"
	assert_jq HI "(\$ev | length) == 0 and \$sum.packets.completed >= 10 and \$sum.packets.reported == 0" \
		"--latency-ms 300 > D: none"
	assert_unloaded LO
	assert_unloaded HI
}

case_bad_input() {
	lat_bad_input $S "--direction tx" "--phy-interface lo" "--phy-interface lo --direction tx --latency-ms -1" \
		"--phy-interface lo --direction tx --latency-us abc" "--phy-interface lo --direction tx --dst-ip 300.1.1.1" \
		"--phy-interface lo --direction tx --protocol icmp --dst-port 53"
}

# guest: auto and fentry (on 6.1 the receive list walker calls the engine as a subprogram,
# within the verifier's 512 bytes of combined stack)
for m in $(nt_attach_modes); do
	nt_case --tag "$(nt_tags_for_mode "$m" guest=auto,fentry)" "$S: reader 20 ms late -> --latency-ms 10 reports the 10 messages, --latency-ms 50 none [$m]" case_threshold "$m"
done
nt_case --tag guest "$S: netem delay 20 ms -> --latency-ms 10 reports each datagram in the qdisc pair, 300 none (guest tier)" case_netem
nt_case "$S: --dst-port filter in the kernel -> only that flow, every datagram" case_filter
nt_case "$S: text output ([i->j] stage lines, total, stack, summary)" case_text
nt_case "$S: bad input exits 2 before loading" case_bad_input
nt_done
