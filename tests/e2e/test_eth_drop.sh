#!/bin/bash
# eth_drop end to end: real drops injected in a client -- router -- server lab must be
# reported with the right 5-tuple, interface, reason (decoded by name from BTF) and a stack
# through the netfilter hook; healthy traffic must not be reported (manual 3.4.1).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# dropper T NS [FLAGS...]: start eth_drop --json in namespace NS
dropper() {
	local t=$1 ns=$2
	shift 2
	nt_start "$t" "$ns" eth_drop --json "$@"
}

ping_id() { echo $((RANDOM % 50000 + 10000)); }

ping_lost() { # N [DEST]
	local out
	out=$(ip netns exec "$LAB_CLIENT_NS" ping -n -c "$1" -i 0.2 -W 0.5 "${2:-$LAB_SERVER_IP}" 2>&1)
	[[ $out == *" 0 received"* ]] || fail "lab: fault did not drop every ping: $out"
}

finish() {
	local t=$1
	nt_stop "$t" INT 5
	assert_exit "$t" 0
	nt_check_json "$t" eth_drop
	[[ -n $(nt_summary "$t") ]] || fail "$t: no summary object$(nt_show "$t")"
	assert_unloaded "$t"
}

# lab_ips_sel: jq selector for events involving this lab's addresses
lab_ips_sel() {
	local ips=("$LAB_CLIENT_IP" "$LAB_SERVER_IP" "$LAB_CLIENT_IP6" "$LAB_SERVER_IP6" "$LAB_RX_IP" "$LAB_TX_IP")
	local ip sel=""
	for ip in "${ips[@]}"; do sel+=" or .src_ip == \"$ip\" or .dst_ip == \"$ip\""; done
	echo "false$sel"
}

# expect_drops T N SRC DST PROTO IFNAME NS REASON: exactly N events with this lab's
# addresses, each with these fields. Events without lab addresses (e.g. IPv6 MLD reports
# the kernel drops on any fresh interface) are ignored here; callers that filter on lab
# addresses assert that there are no others.
expect_drops() {
	local t=$1 n=$2 src=$3 dst=$4 proto=$5 ifn=$6 ns=$7 reason=$8 idx inode fam=ipv4 lab
	idx=$(lab_ifindex "$ns" "$ifn")
	inode=$(nt_ns_inode "$ns")
	lab="[\$ev[] | select($(lab_ips_sel))]"
	[[ $src == *:* ]] && fam=ipv6
	assert_jq "$t" "$lab | length == $n" "want exactly $n drop events with lab addresses"
	assert_jq "$t" "all(${lab}[]; .src_ip == \"$src\" and .dst_ip == \"$dst\")" \
		"every event has src_ip $src, dst_ip $dst"
	assert_jq "$t" "all(${lab}[]; .proto == \"$proto\" and .family == \"$fam\")" \
		"every event has proto $proto, family $fam"
	assert_jq "$t" "all(${lab}[]; .ifname == \"$ifn\" and .ifindex == $idx)" \
		"every event has ifname $ifn, ifindex $idx"
	assert_jq "$t" "all(${lab}[]; .netns == $inode)" "every event has netns $inode ($ns)"
	reason=$(nt_reason "$reason")
	if nt_has_drop_reasons; then
		assert_jq "$t" "all(${lab}[]; .reason == \"$reason\" and (.reason_code | type) == \"number\")" \
			"every event has reason $reason and a numeric reason_code"
	else
		assert_jq "$t" "all(${lab}[]; .reason == \"$reason\" and (has(\"reason_code\") | not))" \
			"every event has reason $reason and no reason_code (kernel without drop reasons)"
	fi
	assert_jq "$t" "all(${lab}[]; .location | type == \"string\" and test(\"^[A-Za-z_][A-Za-z0-9_.]*\\\\+0x[0-9a-f]+\$\"))" \
		"every event has a symbolized location (sym+0xoff)"
	assert_jq "$t" "\$sum.drops == (\$ev | length) and \$sum.reasons.$reason >= $n" \
		"summary counts every reported drop, >= $n $reason"
	assert_jq "$t" "\$sum.lost_events == 0" "summary reports lost_events 0"
}

# only_lab_events T: T reported nothing but this lab's packets (for runs filtered by IP)
only_lab_events() {
	assert_jq "$1" "all(\$ev[]; $(lab_ips_sel))" "no event without the lab's addresses"
}

# expect_nf_stack T: every lab event's stack runs through the netfilter hook, and the
# drop location is a netfilter function that is also on the stack
expect_nf_stack() {
	local lab
	lab="[\$ev[] | select($(lab_ips_sel))]"
	assert_jq "$1" "all(${lab}[]; .stack | type == \"array\" and any(.[]; startswith(\"nf_hook_slow+\")))" \
		"every stack has an nf_hook_slow frame"
	assert_jq "$1" "all(${lab}[]; (.location | test(\"^nft?_\")) and (.location as \$l | .stack | index([\$l]) != null))" \
		"every location is a netfilter function (nf_*/nft_*) found on the stack"
}

# ---- cases ----------------------------------------------------------------------------

case_request_drop() {
	local mode=$1
	nt_lab router
	lab_drop_request_forward
	# shellcheck disable=SC2046
	dropper D "$LAB_ROUTER_NS" --src-ip "$LAB_CLIENT_IP" --dst-ip "$LAB_SERVER_IP" \
		--protocol icmp $(nt_mode_args "$mode")
	ping_lost 4
	assert_eq "lab: router FORWARD drops counted" "$(lab_fault_packets)" 4
	nt_wait_events D 4 5
	sleep 0.3
	finish D
	only_lab_events D
	expect_drops D 4 "$LAB_CLIENT_IP" "$LAB_SERVER_IP" ICMP "$LAB_RX_IF" "$LAB_ROUTER_NS" NETFILTER_DROP
	expect_nf_stack D
}

# The queue-map event transport (kernels without a ring buffer, < 5.8), forced here: the
# tool must really use it (a BPF queue of 2048 slots; nt_events shrunk to a 1-slot array)
# and report the same drops.
case_queue_transport() {
	nt_lab router
	lab_drop_request_forward
	NT_EVENTS_TRANSPORT=queue dropper D "$LAB_ROUTER_NS" --src-ip "$LAB_CLIENT_IP" \
		--dst-ip "$LAB_SERVER_IP" --protocol icmp
	local maps
	maps=$(bpftool -j map show)
	jq -e '[.[] | select(.name == "nt_events_q" and .type == "queue" and .max_entries == 2048)] | length == 1' \
		<<<"$maps" >/dev/null || fail "no 2048-slot nt_events_q queue map while the tool runs"
	jq -e '[.[] | select(.name == "nt_events" and .type == "ringbuf")] | length == 0' <<<"$maps" >/dev/null ||
		fail "a ring buffer was created although the queue transport was forced"
	ping_lost 3
	assert_eq "lab: router FORWARD drops counted" "$(lab_fault_packets)" 3
	nt_wait_events D 3 5
	sleep 0.3
	finish D
	only_lab_events D
	expect_drops D 3 "$LAB_CLIENT_IP" "$LAB_SERVER_IP" ICMP "$LAB_RX_IF" "$LAB_ROUTER_NS" NETFILTER_DROP
	NT_EVENTS_TRANSPORT=bogus "$NT" eth_drop --duration 1 >/dev/null 2>"$W/bogus.err"
	assert_eq "NT_EVENTS_TRANSPORT=bogus exit status" "$?" 1
	grep -q "NT_EVENTS_TRANSPORT=bogus" "$W/bogus.err" || fail "no message naming the bad value: $(cat "$W/bogus.err")"
}

# --interface TX: request drops (skb on RX) are filtered out, reply drops (on TX) reported;
# --src-ip/--dst-ip match the packet's own direction only
case_reply_drop_filters() {
	nt_lab router
	dropper D "$LAB_ROUTER_NS" --interface "$LAB_TX_IF"
	dropper R "$LAB_ROUTER_NS" --src-ip "$LAB_SERVER_IP" --dst-ip "$LAB_CLIENT_IP"
	dropper P "$LAB_ROUTER_NS" --protocol tcp --src-ip "$LAB_CLIENT_IP"
	lab_drop_request_forward
	ping_lost 3
	sleep 0.3
	assert_eq "events of --interface $LAB_TX_IF for request drops on $LAB_RX_IF" \
		"$(nt_count D "$(lab_ips_sel)")" 0 D
	assert_jq D "all(\$ev[]; .ifname == \"$LAB_TX_IF\")" "--interface $LAB_TX_IF: no other interface"
	assert_eq "events of --src-ip SERVER --dst-ip CLIENT for CLIENT->SERVER drops" "$(nt_count R)" 0 R
	lab_clear_faults
	lab_drop_reply_forward
	ping_lost 2
	nt_wait_events D 2 5 "$(lab_ips_sel)"
	nt_wait_events R 2 5
	sleep 0.3
	finish D
	finish R
	finish P
	expect_drops D 2 "$LAB_SERVER_IP" "$LAB_CLIENT_IP" ICMP "$LAB_TX_IF" "$LAB_ROUTER_NS" NETFILTER_DROP
	expect_nf_stack D
	only_lab_events R
	expect_drops R 2 "$LAB_SERVER_IP" "$LAB_CLIENT_IP" ICMP "$LAB_TX_IF" "$LAB_ROUTER_NS" NETFILTER_DROP
	assert_jq P "\$ev | length == 0" "--protocol tcp reports none of the ICMP drops"
}

# UDP: ports reported, --src-port/--dst-port filter in the kernel
case_udp_ports() {
	nt_lab router
	lab_drop_udp_forward 5555:5556
	dropper D "$LAB_ROUTER_NS" --protocol udp --src-ip "$LAB_CLIENT_IP" --dst-ip "$LAB_SERVER_IP" \
		--src-port 40001 --dst-port 5555
	dropper A "$LAB_ROUTER_NS" --protocol udp --src-ip "$LAB_CLIENT_IP"
	dropper P "$LAB_ROUTER_NS" --protocol udp --src-ip "$LAB_CLIENT_IP" --port 40002
	lab_udp_send "$LAB_CLIENT_NS" "$LAB_CLIENT_IP" 40001 "$LAB_SERVER_IP" 5555 3
	lab_udp_send "$LAB_CLIENT_NS" "$LAB_CLIENT_IP" 40002 "$LAB_SERVER_IP" 5555 2
	lab_udp_send "$LAB_CLIENT_NS" "$LAB_CLIENT_IP" 40001 "$LAB_SERVER_IP" 5556 2
	assert_eq "lab: router FORWARD UDP drops counted" "$(lab_fault_packets)" 7
	nt_wait_events D 3 5
	nt_wait_events A 7 5
	nt_wait_events P 2 5
	sleep 0.3
	finish D
	finish A
	finish P
	only_lab_events D
	expect_drops D 3 "$LAB_CLIENT_IP" "$LAB_SERVER_IP" UDP "$LAB_RX_IF" "$LAB_ROUTER_NS" NETFILTER_DROP
	expect_nf_stack D
	assert_jq D "all(\$ev[]; .src_port == 40001 and .dst_port == 5555)" \
		"every event has src_port 40001, dst_port 5555"
	assert_jq A "[\$ev[] | \"\(.src_port)>\(.dst_port)\"] | sort ==
		[\"40001>5555\", \"40001>5555\", \"40001>5555\", \"40001>5556\", \"40001>5556\", \"40002>5555\", \"40002>5555\"]" \
		"unfiltered by port: all 7 drops with their ports"
	assert_jq P "[\$ev[] | \"\(.src_port)>\(.dst_port)\"] == [\"40002>5555\", \"40002>5555\"]" \
		"--port 40002 (either direction): the 2 drops from source port 40002"
}

# UDP to a closed port on the server: reason NO_SOCKET, seen in the server's namespace
case_no_socket() {
	nt_lab router
	dropper D "$LAB_SERVER_NS" --interface "$LAB_SERVER_IF" --protocol udp --dst-port 7777
	lab_udp_send "$LAB_CLIENT_NS" "$LAB_CLIENT_IP" 40003 "$LAB_SERVER_IP" 7777 3
	nt_wait_events D 3 5
	sleep 0.3
	finish D
	expect_drops D 3 "$LAB_CLIENT_IP" "$LAB_SERVER_IP" UDP "$LAB_SERVER_IF" "$LAB_SERVER_NS" NO_SOCKET
	assert_jq D "all(\$ev[]; .src_port == 40003 and .dst_port == 7777)" "ports 40003 -> 7777"
	assert_jq D "all(\$ev[]; .stack | type == \"array\" and length > 0)" "every event has a stack"
}

case_ipv6() {
	nt_lab router
	lab_drop_request6_forward
	dropper D "$LAB_ROUTER_NS" --src-ip "$LAB_CLIENT_IP6" --dst-ip "$LAB_SERVER_IP6"
	ping_lost 3 "$LAB_SERVER_IP6"
	assert_eq "lab: router FORWARD ICMPv6 drops counted" "$(lab_fault_packets)" 3
	nt_wait_events D 3 5
	sleep 0.3
	finish D
	only_lab_events D
	expect_drops D 3 "$LAB_CLIENT_IP6" "$LAB_SERVER_IP6" ICMPv6 "$LAB_RX_IF" "$LAB_ROUTER_NS" NETFILTER_DROP
	expect_nf_stack D
}

# healthy traffic is not reported; then one injected drop is (the tool was listening)
case_healthy_silent() {
	local sel n
	nt_lab router
	sel=$(lab_ips_sel)
	dropper D "$LAB_ROUTER_NS"
	lab_ping 5 || fail "lab: healthy IPv4 pings lost"
	lab_ping 3 "$LAB_SERVER_IP6" || fail "lab: healthy IPv6 pings lost"
	# UDP to a listening socket
	ip netns exec "$LAB_SERVER_NS" timeout 5 /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((sys.argv[1], 5201))
print("ready", flush=True)
for i in range(3): s.recv(100)' "$LAB_SERVER_IP" >"$W/udp_srv.out" &
	local srv=$! i
	for ((i = 0; i < 50; i++)); do
		grep -q ready "$W/udp_srv.out" && break
		sleep 0.05
	done
	lab_udp_send "$LAB_CLIENT_NS" "$LAB_CLIENT_IP" 40005 "$LAB_SERVER_IP" 5201 3
	wait "$srv" || fail "lab: UDP listener did not receive 3 datagrams"
	# a short TCP exchange with an orderly close on both sides
	ip netns exec "$LAB_SERVER_NS" timeout 5 /usr/bin/python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 5202)); s.listen(1); print("ready", flush=True)
c, _ = s.accept()
while c.recv(100): pass
c.close()' "$LAB_SERVER_IP" >"$W/tcp_srv.out" &
	srv=$!
	for ((i = 0; i < 50; i++)); do
		grep -q ready "$W/tcp_srv.out" && break
		sleep 0.05
	done
	ip netns exec "$LAB_CLIENT_NS" /usr/bin/python3 -c '
import socket, sys, time
c = socket.create_connection((sys.argv[1], 5202), timeout=2)
c.sendall(b"x" * 5000); c.shutdown(socket.SHUT_WR)
while c.recv(100): pass
c.close()' "$LAB_SERVER_IP" || fail "lab: TCP exchange failed"
	wait "$srv" || fail "lab: TCP server failed"
	sleep 0.5
	n=$(nt_count D "$sel")
	assert_eq "drop events with lab addresses during healthy ping/TCP traffic" "$n" 0 D
	lab_drop_request_forward
	ping_lost 1
	nt_wait_events D 1 5 "$sel"
	sleep 0.3
	finish D
	assert_jq D "[\$ev[] | select($sel)] | length == 1" "exactly the one injected drop is reported"
}

# random loss: one event per packet the firewall dropped, no more, no less
case_random_loss() {
	local n=30 dropped
	nt_lab router
	lab_loss_request_forward 0.3
	dropper D "$LAB_ROUTER_NS" --src-ip "$LAB_CLIENT_IP" --dst-ip "$LAB_SERVER_IP" --no-stack
	ip netns exec "$LAB_CLIENT_NS" ping -n -q -c "$n" -i 0.05 -W 0.5 "$LAB_SERVER_IP" >/dev/null
	dropped=$(lab_fault_packets)
	((dropped > 0 && dropped < n)) || skip "random loss dropped $dropped of $n (need some but not all)"
	nt_wait_events D "$dropped" 5
	sleep 0.3
	finish D
	assert_jq D "\$ev | length == $dropped and all(\$ev[]; .reason == \"$(nt_reason NETFILTER_DROP)\")" \
		"exactly one NETFILTER_DROP event per dropped packet ($dropped, iptables counter)"
	assert_jq D "\$sum.drops == $dropped" "summary counts $dropped drops"
}

# a flood of drops: every drop is either delivered as an event or counted in lost_events
# (ring buffer full) -- events + lost_events equals the firewall's own counter exactly
case_flood_accounting() {
	local sent dropped ev lost
	nt_lab router
	lab_drop_udp_forward 6001
	dropper D "$LAB_ROUTER_NS" --src-ip "$LAB_CLIENT_IP" --protocol udp --dst-port 6001
	sent=$(ip netns exec "$LAB_CLIENT_NS" /usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
t, n = time.time(), 0
while time.time() - t < 1.0:
    for i in range(500):
        s.sendto(b"x", (sys.argv[1], 6001))
    n += 500
print(n)' "$LAB_SERVER_IP")
	dropped=$(lab_fault_packets)
	assert_eq "lab: datagrams sent = dropped by the router" "$dropped" "$sent"
	sleep 1
	finish D
	ev=$(nt_count D)
	lost=$(jq -r 'select(.type == "summary") | .lost_events' "$W/D.out")
	echo "flood: $sent sent, $dropped dropped, $ev events, $lost lost"
	assert_eq "events + lost_events" "$((ev + lost))" "$dropped" D
	assert_jq D "\$sum.drops == $ev or \$sum.drops == $dropped" \
		"summary drops counts either the delivered events ($ev) or all drops ($dropped)"
}

case_no_stack() {
	nt_lab router
	lab_drop_request_forward
	dropper D "$LAB_ROUTER_NS" --src-ip "$LAB_CLIENT_IP" --no-stack
	dropper K "$LAB_ROUTER_NS" --src-ip "$LAB_CLIENT_IP" --disable-kernel-stacks
	ping_lost 2
	nt_wait_events D 2 5
	nt_wait_events K 2 5
	finish D
	finish K
	assert_jq D "\$ev | length == 2" "2 events"
	assert_jq D "all(\$ev[]; (.stack // []) | length == 0)" "--no-stack: no stack frames"
	assert_jq K "\$ev | length == 2 and all(\$ev[]; (.stack // []) | length == 0)" \
		"--disable-kernel-stacks (the manual's name): 2 events, no stack frames"
	assert_jq D "all(\$ev[]; .location | test(\"^nft?_[A-Za-z0-9_.]*\\\\+0x[0-9a-f]+\$\"))" \
		"location (a netfilter function) still reported"
}

# --interface matches (netns, ifindex): identical drops on the twin's same-ifindex
# interface in another namespace are not reported
case_same_ifindex_other_netns() {
	nt_lab router
	nt_twin
	dropper D "$LAB_ROUTER_NS" --interface "$LAB_RX_IF"
	ip netns exec "$LAB_TWIN_ROUTER_NS" iptables -w -A FORWARD -p icmp -j DROP || fail "lab: twin fault"
	ip netns exec "$LAB_TWIN_CLIENT_NS" ping -n -q -c 3 -i 0.2 -W 0.5 "$LAB_SERVER_IP" >/dev/null &&
		fail "lab: twin fault did not drop"
	sleep 0.3
	# (the twin uses the same addresses: lab_ips_sel matches its packets too)
	assert_eq "events for drops in the twin namespace" "$(nt_count D "$(lab_ips_sel)")" 0 D
	lab_drop_request_forward
	ping_lost 2
	nt_wait_events D 2 5 "$(lab_ips_sel)"
	sleep 0.3
	finish D
	expect_drops D 2 "$LAB_CLIENT_IP" "$LAB_SERVER_IP" ICMP "$LAB_RX_IF" "$LAB_ROUTER_NS" NETFILTER_DROP
}

case_text() {
	nt_lab router
	lab_drop_udp_forward 6000
	nt_start D "$LAB_ROUTER_NS" eth_drop --src-ip "$LAB_CLIENT_IP" --protocol udp
	lab_udp_send "$LAB_CLIENT_NS" "$LAB_CLIENT_IP" 40004 "$LAB_SERVER_IP" 6000 1
	local i
	for ((i = 0; i < 50; i++)); do
		grep -q 'nf_hook_slow' "$W/D.out" && break
		sleep 0.1
	done
	nt_stop D INT 5
	assert_exit D 0
	grep -q '^{' "$W/D.out" && fail "JSON in text mode$(nt_show D)"
	local want
	for want in "$LAB_CLIENT_IP" "$LAB_SERVER_IP" 40004 6000 "$(nt_reason NETFILTER_DROP)" "$LAB_RX_IF" nf_hook_slow; do
		grep -q -- "$want" "$W/D.out" || fail "text output lacks '$want'$(nt_show D)"
	done
}

# guest: every attach mode; nobtf: auto and kprobe (fentry needs the kernel's own BTF)
for m in $(nt_attach_modes); do
	nt_case --tag "$(nt_tags_for_mode "$m" guest nobtf=auto,kprobe)" \
		"eth_drop: request dropped in router FORWARD -> 5-tuple, iface, NETFILTER_DROP, nf stack ($m)" \
		case_request_drop "$m"
done
nt_case "eth_drop: reply drops; --interface, direction-exact IP and protocol filters" case_reply_drop_filters
nt_case "eth_drop: UDP drops with ports; --src-port/--dst-port/--port filters" case_udp_ports
nt_case "eth_drop: UDP to a closed port -> NO_SOCKET" case_no_socket
nt_case "eth_drop: IPv6 drop reported with IPv6 addresses" case_ipv6
nt_case "eth_drop: healthy ping/UDP/TCP traffic not reported, one injected drop is" case_healthy_silent
nt_case "eth_drop: random 30% loss -> one event per dropped packet (iptables counter)" case_random_loss
nt_case "eth_drop: flood -> events + lost_events == dropped packets" case_flood_accounting
nt_case "eth_drop: --no-stack omits the stack" case_no_stack
nt_case "eth_drop: queue-map event transport (kernels < 5.8), forced -> same drops" case_queue_transport
nt_case "eth_drop: same ifindex in another netns does not match --interface" case_same_ifindex_other_netns
nt_case "eth_drop: text output names tuple, reason, location" case_text
nt_done
