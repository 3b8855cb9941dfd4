#!/bin/bash
# nettrail merge end to end (manual Q7): the same path tracer on host A (sender's host) and
# host B (receiver's host) of the two-host lab; a fault in one segment (host A, the network
# namespace, host B) must give that segment's verdict, as many times as the rule dropped.
. "$(dirname "${BASH_SOURCE[0]}")/pt_lib.sh"

T_MS=400

verdict_of() { # SEG -> verdict name
	case $1 in
	a) echo SENDER_INTERNAL_DROP ;;
	net) echo NETWORK_DROP ;;
	b) echo RECEIVER_INTERNAL_DROP ;;
	esac
}

# run_both TOOL [FLAGS]: tracers A and B
run_both() {
	local tool=$1
	shift
	pt_start A a "$tool" --timeout-ms "$T_MS" "$@"
	pt_start B b "$tool" --timeout-ms "$T_MS" "$@"
}
stop_both() {
	sleep 0.6
	pt_finish A "$1"
	pt_finish B "$1"
}

# merge_check SEG WANT: merge in both argument orders; WANT drops with SEG's verdict, no
# other drop verdict, roles found from the packets (not assumed)
merge_check() {
	local seg=$1 want=$2 v order out
	v=$(verdict_of "$seg")
	for order in "A B" "B A"; do
		set -- $order
		"$NT" merge --json "$W/$1.out" "$W/$2.out" >"$W/M.out" 2>"$W/M.err" ||
			fail "merge $order failed: $(cat "$W/M.err")"
		echo "+ merge $order" >"$W/M.cmd"
		nt_check_json M merge
		assert_jq M "\$sum.sender_file == \"$W/A.out\" and \$sum.receiver_file == \"$W/B.out\"" \
			"merge $order: host A's file is the sender's host"
		assert_jq M "\$sum.roles != \"assumed\"" "merge $order: roles found from the packets"
		assert_jq M "\$sum.verdicts.$v == $want" "merge $order: $want packets $v"
		assert_jq M "[\$sum.verdicts | to_entries[] | select(.key != \"DELIVERED\" and .key != \"$v\") | .value] | add == 0" \
			"merge $order: no other drop verdict"
		assert_jq M "(\$ev | map(select(.verdict == \"$v\") | .count) | add) == $want" \
			"merge $order: per-packet $v lines add up to $want"
		assert_jq M "(\$sum.examples.$v | length) >= 1" "merge $order: examples of $v"
		assert_jq M "\$sum.verdicts.DELIVERED > 0" "merge $order: delivered packets counted"
	done
	out=$("$NT" merge "$W/B.out" "$W/A.out")
	[[ $out == *"Conclusion (manual Q7): "* ]] || fail "text merge: no conclusion line: $out"
}

case_icmp() {
	local seg=$1 want
	nt_lab2
	lab2_fault "$seg" -p icmp -m statistic --mode nth --every 4 --packet 1 || fail "lab: fault rule"
	run_both icmp_path_tracer
	ip netns exec "$L2_CLIENT_NS" ping -n -q -c 12 -i 0.05 -W 0.5 "$L2_SERVER_IP" >/dev/null
	stop_both icmp_path_tracer
	want=$(lab2_fault_packets "$seg")
	((want >= 3)) || fail "lab: only $want pings dropped"
	merge_check "$seg" "$want"
}

case_udp() {
	local seg=$1 want
	nt_lab2
	lab2_fault "$seg" -p udp --dport 7100 -m statistic --mode nth --every 5 --packet 2 || fail "lab: fault rule"
	run_both udp_path_tracer --verbose
	udp_send 30 7100 100 0.005
	stop_both udp_path_tracer
	want=$(lab2_fault_packets "$seg")
	assert_eq "lab: datagrams dropped in $seg" "$want" 6
	merge_check "$seg" "$want"
}

case_tcp() {
	local seg=$1 want
	nt_lab2
	iperf_server
	lab2_fault "$seg" -p tcp --dport 5201 -m length --length 200:65535 -m statistic --mode nth --every 20 --packet 3 ||
		fail "lab: fault rule"
	run_both tcp_path_tracer --verbose
	iperf_client -t 1.5 -b 10M -l 1400 -N
	stop_both tcp_path_tracer
	want=$(lab2_fault_packets "$seg")
	((want >= 2)) || fail "lab: only $want segments dropped"
	merge_check "$seg" "$want"
}

# random loss p=0.2 in the network: merge counts it within 30 % of the rule's counter
case_random_network_udp() {
	nt_lab2
	lab2_fault net -p udp --dport 7101 -m statistic --mode random --probability 0.2 || fail "lab: fault rule"
	run_both udp_path_tracer --verbose
	udp_send 200 7101 100 0.003
	stop_both udp_path_tracer
	local want got
	want=$(lab2_fault_packets net)
	"$NT" merge --json "$W/A.out" "$W/B.out" >"$W/M.out" || fail "merge failed"
	got=$(jq -s 'map(select(.type == "summary")) | last | .verdicts.NETWORK_DROP' "$W/M.out")
	within 30 "$got" "$want" || fail "NETWORK_DROP $got not within 30 % of the rule's $want"
}

case_healthy() {
	nt_lab2
	run_both udp_path_tracer --verbose
	udp_send 10 7102
	stop_both udp_path_tracer
	"$NT" merge --json --all "$W/B.out" "$W/A.out" >"$W/M.out" || fail "merge failed"
	assert_jq M "\$sum.conclusion == \"no loss\" and \$sum.verdicts.DELIVERED == 10" "10 delivered, no loss"
	assert_jq M "[\$ev[] | select(.verdict == \"DELIVERED\")] | length == 10" "--all prints the delivered packets"
}

case_bad_input() {
	local rc
	echo '{"tool":"eth_drop","type":"summary","time":"x"}' >"$W/x.jsonl"
	"$NT" merge "$W/x.jsonl" 2>/dev/null
	assert_eq "exit status with one file" "$?" 2
	"$NT" merge "$W/x.jsonl" "$W/x.jsonl" 2>/dev/null
	assert_eq "exit status without path-tracer events" "$?" 2
	"$NT" merge "$W/nonexistent" "$W/x.jsonl" 2>/dev/null
	assert_eq "exit status for a missing file" "$?" 2
	echo '{"tool":"icmp_path_tracer","type":"event","time":"x","id":1,"seq":1,"stages":[{"name":"REQ_RX","ts_ns":1}]}' >"$W/i.jsonl"
	echo '{"tool":"udp_path_tracer","type":"event","time":"x","ip_id":1,"rx":1,"tx":1,"status":"COMPLETE","stages":[{"name":"REQ_RX","ts_ns":1}]}' >"$W/u.jsonl"
	"$NT" merge "$W/i.jsonl" "$W/u.jsonl" 2>"$W/e"
	rc=$?
	assert_eq "exit status for outputs of two different tools" "$rc" 2
	[[ $(wc -l <"$W/e") == 1 ]] || fail "one line on stderr expected: $(cat "$W/e")"
	"$NT" merge --bogus "$W/i.jsonl" "$W/i.jsonl" 2>/dev/null
	assert_eq "exit status for an unknown option" "$?" 2
	return 0
}

for tool in icmp udp tcp; do
	for seg in a net b; do
		nt_case "merge: $tool, drop in $seg -> $(verdict_of "$seg")" "case_$tool" "$seg"
	done
done
nt_case "merge: random loss p=0.2 in the network (udp) counted within 30 %" case_random_network_udp
nt_case "merge: healthy udp -> no loss, --all lists delivered packets" case_healthy
nt_case "merge: bad input exits 2" case_bad_input
nt_done
