#!/bin/bash
# nettrail merge end to end (manual Q7): the same path tracer on host A (sender's host) and
# host B (receiver's host) of the two-host lab; a fault in one segment (host A, the network
# namespace, host B) must give that segment's verdict, as many times as the rule dropped.
# Three hosts: the tracer also on the network namespace, a router host between A and B;
# faults on the router, on B and on the wire between A and the router at once, each counted
# on its own host or link, exactly as the rig counted it.
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

# ---- three hosts on one path: A -> the router (the lab's network namespace) -> B ----------
# The path tracers follow what a host forwards: on the client (the packets start there) they
# see nothing, on the server everything delivered to a socket looks like an internal drop.
# So the three hosts are the lab's three forwarding namespaces; the client and the server
# stay outside, as a VM behind each end's host.

# run_three TOOL [FLAGS]: tracers A, R (router) and B
run_three() {
	local tool=$1
	shift
	pt_start A a "$tool" --timeout-ms "$T_MS" "$@"
	nt_start R "$L2_NET_NS" "$tool" --src-ip "$L2_CLIENT_IP" --dst-ip "$L2_SERVER_IP" \
		--rx-iface "$L2_NET_A" --tx-iface "$L2_NET_B" --json --timeout-ms "$T_MS" "$@"
	pt_start B b "$tool" --timeout-ms "$T_MS" "$@"
}
stop_three() {
	sleep 0.6
	pt_finish A "$1"
	pt_finish R "$1"
	pt_finish B "$1"
}

# merge3 NAME ARGS...: nettrail merge ARGS > $W/NAME.out (must succeed, valid JSON lines)
merge3() {
	local t=$1
	shift
	echo "+ $NT merge $*" >"$W/$t.cmd"
	"$NT" merge "$@" >"$W/$t.out" 2>"$W/$t.err" || fail "merge $* failed: $(cat "$W/$t.err")"
	[[ " $* " == *" --json "* ]] && nt_check_json "$t" merge
	return 0
}

# merge3_check H1 H2 H3 L12 L23 [DELIVERED]: internal drops per host (A, R, B) and drops per
# link, in every file order, the path found from the packets, and as given (--sender-first);
# the per-packet lines say the same host by host and link by link
merge3_check() {
	local want=("$@") order files f h
	for order in "B R A" "R A B" "--sender-first A R B"; do
		files=()
		for f in $order; do
			[[ $f == --* ]] && files+=("$f") || files+=("$W/$f.out")
		done
		merge3 M --json "${files[@]}"
		assert_jq M "[\$sum.hosts[].file] == [\"$W/A.out\", \"$W/R.out\", \"$W/B.out\"]" \
			"merge $order: path A, R, B"
		if [[ $order == --* ]]; then
			assert_jq M '$sum.roles == "given"' "merge $order: path as given"
		else
			assert_jq M '$sum.roles | test("assumed") | not' "merge $order: path found from the packets"
		fi
		assert_jq M "\$sum.sender_file == \"$W/A.out\" and \$sum.receiver_file == \"$W/B.out\"" \
			"merge $order: A the sender's host, B the receiver's"
		for h in 1 2 3; do
			assert_jq M "\$sum.hosts[$((h - 1))].internal_drops == ${want[h - 1]}" \
				"merge $order: host $h lost ${want[h - 1]} inside"
			assert_jq M "(\$ev | map(select(.verdict | endswith(\"INTERNAL_DROP\")) | select(.last_seen_host == $h) | .count) | add // 0) == ${want[h - 1]}" \
				"merge $order: per-packet lines: ${want[h - 1]} lost inside host $h"
		done
		for h in 1 2; do
			assert_jq M "\$sum.links[$((h - 1))].drops == ${want[h + 2]} and \$sum.links[$((h - 1))].outside_window == 0" \
				"merge $order: link $h->$((h + 1)) lost ${want[h + 2]}"
			assert_jq M "(\$ev | map(select(.verdict == \"NETWORK_DROP\" and ([.last_seen_host, .next_host] | sort) == [$h, $((h + 1))]) | .count) | add // 0) == ${want[h + 2]}" \
				"merge $order: per-packet lines: ${want[h + 2]} lost between host $h and $((h + 1))"
		done
		assert_jq M "\$sum.verdicts.SENDER_INTERNAL_DROP == ${want[0]} and \$sum.verdicts.HOST_INTERNAL_DROP == ${want[1]} and \$sum.verdicts.RECEIVER_INTERNAL_DROP == ${want[2]} and \$sum.verdicts.NETWORK_DROP == $((want[3] + want[4]))" \
			"merge $order: verdict totals"
		[[ -n ${want[5]:-} ]] && assert_jq M "\$sum.verdicts.DELIVERED == ${want[5]}" \
			"merge $order: ${want[5]} delivered"
	done
	merge3 T "$W/R.out" "$W/B.out" "$W/A.out"
	grep -q '^Per link' "$W/T.out" && grep -q '^Conclusion (manual Q7): ' "$W/T.out" ||
		fail "text merge: no per-link summary or conclusion$(nt_show T)"
}

# ifdrops NS IF: packets IF dropped on receive (a frame longer than its MTU)
ifdrops() {
	ip netns exec "$1" cat "/sys/class/net/$2/statistics/rx_dropped"
}

# udp: the router drops every 5th datagram to 7100 (FORWARD), B every 7th of the rest
# (FORWARD: B forwards, its INPUT never sees them), the wire from A to the router every
# 1400-byte datagram (one in 8: the router's interface takes 1300 bytes), and the server, after
# the last traced host, every 6th it gets (INPUT): those left B, so they count as delivered
case_three_udp() {
	local r b l s d0 sent=48
	nt_lab2
	ip -n "$L2_NET_NS" link set "$L2_NET_A" mtu 1300 || fail "lab: mtu"
	lab2_fault net -p udp --dport 7100 -m statistic --mode nth --every 5 --packet 2 || fail "lab: fault rule"
	lab2_fault b -p udp --dport 7100 -m statistic --mode nth --every 7 --packet 3 || fail "lab: fault rule"
	ip netns exec "$L2_SERVER_NS" iptables -w -A INPUT -p udp --dport 7100 -m statistic --mode nth \
		--every 6 --packet 1 -m comment --comment "$LAB_COMMENT" -j DROP || fail "lab: fault rule"
	d0=$(ifdrops "$L2_NET_NS" "$L2_NET_A")
	run_three udp_path_tracer --verbose
	ip netns exec "$L2_CLIENT_NS" "$PY" - "$L2_SERVER_IP" 7100 "$sent" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect((sys.argv[1], int(sys.argv[2])))
for i in range(int(sys.argv[3])):
    n = 1400 if i % 8 == 5 else 64
    try:
        s.send(bytes(n))
    except ConnectionRefusedError:  # the server's port unreachable; nothing was sent
        s.send(bytes(n))
    time.sleep(0.005)
PY
	stop_three udp_path_tracer
	r=$(lab2_fault_packets net) b=$(lab2_fault_packets b)
	l=$(($(ifdrops "$L2_NET_NS" "$L2_NET_A") - d0))
	s=$(ip netns exec "$L2_SERVER_NS" iptables -w -S INPUT -v | awk '/nettrail-lab/ { for (i = 1; i < NF; i++) if ($i == "-c") print $(i + 1) }')
	echo "rig: router $r, B $b, wire A->router $l, server (after B) $s of $sent datagrams"
	assert_eq "lab: datagrams too long for the router's interface" "$l" $((sent / 8))
	((r >= 5 && b >= 3 && s >= 3)) || fail "lab: the rules dropped too few (router $r, B $b, server $s)"
	merge3_check 0 "$r" "$b" "$l" 0 $((sent - r - b - l))
}

# icmp: the router drops every 4th echo request (FORWARD), B every 3rd echo reply: replies
# cross B first, so that is the receiver's host losing them on their way back
case_three_icmp() {
	local r b
	nt_lab2
	lab2_fault net -p icmp --icmp-type echo-request -m statistic --mode nth --every 4 --packet 1 ||
		fail "lab: fault rule"
	lab2_fault b -p icmp --icmp-type echo-reply -m statistic --mode nth --every 3 --packet 0 ||
		fail "lab: fault rule"
	run_three icmp_path_tracer
	ip netns exec "$L2_CLIENT_NS" ping -n -q -c 16 -i 0.05 -W 0.5 "$L2_SERVER_IP" >/dev/null
	stop_three icmp_path_tracer
	r=$(lab2_fault_packets net) b=$(lab2_fault_packets b)
	echo "rig: router $r requests, B $b replies"
	assert_eq "lab: echo requests the router dropped" "$r" 4
	((b >= 3)) || fail "lab: B dropped only $b replies"
	merge3_check 0 "$r" "$b" 0 0
	assert_jq M "\$sum.hosts[2].rep == $b and \$sum.hosts[1].fwd == $r" "replies lost on B, requests on the router"
}

# tcp: the router drops every 20th data segment, B every 25th: retransmitted copies count
case_three_tcp() {
	local r b
	nt_lab2
	iperf_server
	lab2_fault net -p tcp --dport 5201 -m length --length 200:65535 -m statistic --mode nth --every 20 --packet 3 ||
		fail "lab: fault rule"
	lab2_fault b -p tcp --dport 5201 -m length --length 200:65535 -m statistic --mode nth --every 25 --packet 7 ||
		fail "lab: fault rule"
	run_three tcp_path_tracer --verbose
	iperf_client -t 1.5 -b 10M -l 1400 -N
	stop_three tcp_path_tracer
	r=$(lab2_fault_packets net) b=$(lab2_fault_packets b)
	echo "rig: router $r, B $b segments"
	((r >= 2 && b >= 2)) || fail "lab: only $r + $b segments dropped"
	merge3_check 0 "$r" "$b" 0 0
}

case_bad_input_many() {
	local i many=()
	echo '{"tool":"icmp_path_tracer","type":"event","time":"x","id":1,"seq":1,"stages":[{"name":"REQ_RX","ts_ns":1}]}' >"$W/i.jsonl"
	echo '{"tool":"udp_path_tracer","type":"event","time":"x","ip_id":1,"rx":1,"tx":1,"status":"COMPLETE","stages":[{"name":"REQ_RX","ts_ns":1}]}' >"$W/u.jsonl"
	"$NT" merge "$W/i.jsonl" "$W/i.jsonl" "$W/u.jsonl" 2>"$W/e"
	assert_eq "exit status for a third file of another tool" "$?" 2
	grep -q "u.jsonl.*holds udp_path_tracer" "$W/e" || fail "the odd file is not named: $(cat "$W/e")"
	for ((i = 0; i < 33; i++)); do
		many+=("$W/i.jsonl")
	done
	"$NT" merge "${many[@]}" 2>"$W/e"
	assert_eq "exit status for 33 files" "$?" 2
	[[ $(wc -l <"$W/e") == 1 ]] || fail "one line on stderr expected: $(cat "$W/e")"
	"$NT" merge --json "$W/i.jsonl" "$W/i.jsonl" "$W/i.jsonl" >"$W/o" || fail "three files of one tool refused"
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
nt_case "merge: bad input with three files or more exits 2" case_bad_input_many
nt_case "merge: three hosts (udp): router, last host and the wire to the router each lose their own" case_three_udp
nt_case "merge: three hosts (icmp): requests lost on the router, replies on the last host" case_three_icmp
nt_case "merge: three hosts (tcp): segments lost on the router and on the last host" case_three_tcp
nt_done
