#!/bin/bash
# system_network_perfomance_metrics end to end: per-packet timeline with qdisc sojourn on
# the physical interface, both directions, the corrected spelling, bad input (manual 3.5.1).
. "$(dirname "$0")/lib.sh"
. "$E2E_DIR/lat_flow_lib.sh"
S=system_network_perfomance_metrics

# tbf (no bypass) on the client's interface: transmit timelines carry qdisc enqueue/dequeue and the
# sojourn; echo replies come back as receive timelines (direction both)
case_timeline() {
	local mode=$1
	nt_lab router
	ip netns exec "$LAB_CLIENT_NS" tc qdisc replace dev "$LAB_CLIENT_IF" root tbf rate 100mbit burst 32k latency 50ms ||
		fail "cannot add tbf"
	# shellcheck disable=SC2046
	nt_start T "$LAB_CLIENT_NS" $S --phy-interface "$LAB_CLIENT_IF" --protocol icmp \
		--src-ip "$LAB_CLIENT_IP" --json $(nt_mode_args "$mode")
	nt_start T2 "$LAB_CLIENT_NS" $S --phy-interface "$LAB_CLIENT_IF" --protocol icmp \
		--dst-ip "$LAB_CLIENT_IP" --json
	lab_ping 4 || fail "pings failed"
	sleep 0.3
	nt_stop T INT
	nt_stop T2 INT
	nt_check_json T $S
	assert_jq T "(\$ev | length) == 4 and ([\$ev[] | .direction] | unique == [\"tx\"])" "4 transmit timelines"
	if [[ $mode == auto && ! -d /sys/kernel/tracing/events/qdisc/qdisc_enqueue ]]; then
		# qdisc:qdisc_enqueue exists from 5.16 on (5.10: dequeue only, so no sojourn)
		assert_jq T "[\$ev[] | [.stages[].name] | (map(. == \"qdisc_dequeue\") | any) and (map(. == \"qdisc_enqueue\") | any | not)] | all" \
			"qdisc_dequeue stage only (no enqueue tracepoint here)"
	elif [[ $mode == auto ]]; then
		assert_jq T "[\$ev[] | [.stages[].name] | (map(. == \"qdisc_enqueue\") | any) and (map(. == \"qdisc_dequeue\") | any)] | all" \
			"qdisc stages"
		assert_jq T "[\$ev[] | .qdisc_sojourn_us >= 0 and has(\"qdisc_qlen\")] | all" "sojourn and qlen"
	else
		# the qdisc stages are tracepoints only: a forced fentry/kprobe mode goes without
		assert_jq T "[\$ev[] | [.stages[].name] | map(startswith(\"qdisc_\")) | any | not] | all" \
			"$mode: no qdisc stages"
		assert_jq T "[\$ev[] | .stages[] | select(.name == \"net_dev_queue\") | .probe | startswith(\"$mode:\")] | all" \
			"$mode: net_dev_queue by $mode"
	fi
	if nt_in_guest; then
		# ping's path: ip_send_skb and ip_local_out are inlined into ip_push_pending_frames
		# (5.10-6.12; the first stage was ip_output before __ip_local_out was a stage)
		assert_jq T "[\$ev[] | .stages[0].name | test(\"^(ip_send_skb|ip_local_out|__ip_local_out)$\")] | all" \
			"guest: timed from the IP layer"
	fi
	assert_jq T "[\$ev[] | .stages[-1].name] | unique == [\"net_dev_xmit\"]" "ends at the driver"
	assert_jq T "[\$ev[] | .stages[] | .cpu >= 0 and (.ts_ns > 0)] | all" "cpu and time per stage"
	assert_jq T2 "(\$ev | length) == 4 and ([\$ev[] | .direction] | unique == [\"rx\"])" "4 receive timelines (echo replies)"
	assert_jq T2 "[\$ev[] | .icmp_type] | unique == [0]" "echo replies"
	assert_unloaded T
	assert_unloaded T2
}

case_text_alias() {
	nt_lab router
	nt_start T "$LAB_CLIENT_NS" system_network_performance_metrics --phy-interface "$LAB_CLIENT_IF" \
		--direction tx --protocol icmp
	lab_ping 2 || fail "pings failed"
	sleep 0.3
	nt_stop T INT
	[[ $(grep -c '^=== FLOW COMPLETE: [0-9]* stages captured' "$W/T.out") == 2 ]] || fail "2 blocks$(nt_show T)"
	grep -q '^5-TUPLE: .* ICMP (id=.*) DIR=TX' "$W/T.out" || fail "no 5-TUPLE line$(nt_show T)"
	grep -Eq '^  Stage 0: net_dev_queue +\(KTIME=[0-9]+ns\) \+0.0us  DEV=' "$W/T.out" || fail "no stage line$(nt_show T)"
	grep -q '^TOTAL DURATION: ' "$W/T.out" || fail "no total$(nt_show T)"
	assert_unloaded T
}

case_bad_input() {
	lat_bad_input $S "--direction tx" "--phy-interface nosuchif0" "--phy-interface lo --internal-interface nosuchif1" \
		"--phy-interface lo --direction up" "--phy-interface lo --latency-us x"
}

# guest: the qdisc timeline with the function stages (auto) and forced fentry
for m in $(nt_attach_modes); do
	nt_case --tag "$(nt_tags_for_mode "$m" guest=auto,fentry)" "$S: tbf on the interface -> tx timelines with qdisc sojourn, replies as rx timelines [$m]" case_timeline "$m"
done
nt_case "$S: the corrected spelling runs it; FLOW COMPLETE blocks" case_text_alias
nt_case "$S: bad input exits 2 before loading" case_bad_input
nt_done
