#!/bin/bash
# kernel_drop_stack_stats_summary_all end to end: drops counted in the kernel per (stack,
# reason, device, flow). A netfilter drop in the router and a no-socket drop in the server
# must come out as distinct stacks with the right counts, reasons, devices and flows; the
# kernel map is bounded (overflow counted as map_full); one report per --interval.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$REPO/tests/lab/lab_drops.sh"

TOOL=kernel_drop_stack_stats_summary_all

# all_stacks T: every stack entry of every interval, one JSON object per line
all_stacks() { jq -c 'select(.type == "interval") | .stacks[]?' "$W/$1.out"; }
# sum_reason T REASON: drops of REASON over all intervals' stack entries
sum_reason() { jq -s "[.[] | select(.type == \"interval\") | .stacks[]? | select(.reason == \"$2\") | .count] | add // 0" "$W/$1.out"; }

case_two_stacks() {
	nt_lab router
	lab_drop_udp_forward 5555
	nt_start K "$LAB_ROUTER_NS" $TOOL --json -i 1 --protocol udp --src-ip "$LAB_CLIENT_IP" -t 20
	lab_udp_send "$LAB_CLIENT_NS" "$LAB_CLIENT_IP" 40011 "$LAB_SERVER_IP" 5555 7
	lab_udp_send "$LAB_CLIENT_NS" "$LAB_CLIENT_IP" 40012 "$LAB_SERVER_IP" 7777 4
	assert_eq "lab: router FORWARD drops" "$(lab_fault_packets)" 7
	sleep 1.2
	drop_finish K $TOOL
	local rx_idx srv_idx rns sns
	rx_idx=$(lab_ifindex "$LAB_ROUTER_NS" "$LAB_RX_IF")
	srv_idx=$(lab_ifindex "$LAB_SERVER_NS" "$LAB_SERVER_IF")
	rns=$(nt_ns_inode "$LAB_ROUTER_NS")
	sns=$(nt_ns_inode "$LAB_SERVER_NS")
	assert_eq "NETFILTER_DROP count over all stacks" "$(sum_reason K NETFILTER_DROP)" 7 K
	assert_eq "NO_SOCKET count over all stacks" "$(sum_reason K NO_SOCKET)" 4 K
	assert_jq K "[\$all[] | select(.type == \"interval\") | .drops] | add == 11" "intervals count 11 drops in all"
	assert_jq K "\$sum.drops == 11 and \$sum.reasons.NETFILTER_DROP == 7 and \$sum.reasons.NO_SOCKET == 4" \
		"summary: 11 drops, 7 NETFILTER_DROP, 4 NO_SOCKET"
	assert_jq K "\$sum.map_full == 0 and \$sum.stacks_lost == 0 and \$sum.lost_events == 0" \
		"summary: nothing lost"
	# the two drops are different stacks: nf_hook_slow in one, UDP receive in the other
	assert_jq K "[\$all[] | select(.type == \"interval\") | .stacks[] | select(.reason == \"NETFILTER_DROP\")] |
		all(.stack_id >= 0 and any(.stack[]; startswith(\"nf_hook_slow+\")) and (.location | test(\"^nft?_\")))" \
		"NETFILTER_DROP stacks run through nf_hook_slow, location a netfilter function"
	assert_jq K "[\$all[] | select(.type == \"interval\") | .stacks[] | select(.reason == \"NO_SOCKET\")] |
		all(.stack_id >= 0 and any(.stack[]; test(\"^__?udp4?_.*rcv\")) and (any(.stack[]; startswith(\"nf_hook_slow+\")) | not))" \
		"NO_SOCKET stacks run through the UDP receive path, not netfilter"
	assert_jq K "([\$all[] | select(.type == \"interval\") | .stacks[] | select(.reason == \"NETFILTER_DROP\") | .stack_id] | unique) as \$a |
		([\$all[] | select(.type == \"interval\") | .stacks[] | select(.reason == \"NO_SOCKET\") | .stack_id] | unique) as \$b |
		(\$a | length) > 0 and (\$b | length) > 0 and ((\$a - \$b) == \$a)" \
		"the two reasons have disjoint stack ids"
	# flows and devices behind each stack
	assert_jq K "[\$all[] | select(.type == \"interval\") | .stacks[] | select(.reason == \"NETFILTER_DROP\") | .flows[]] |
		(map(.count) | add) == 7 and all(.src_ip == \"$LAB_CLIENT_IP\" and .dst_ip == \"$LAB_SERVER_IP\" and
		.proto == \"UDP\" and .src_port == 40011 and .dst_port == 5555 and .ifname == \"$LAB_RX_IF\" and
		.ifindex == $rx_idx and .netns == $rns)" \
		"NETFILTER_DROP flows: 7 x UDP client:40011 -> server:5555 on the router's $LAB_RX_IF"
	assert_jq K "[\$all[] | select(.type == \"interval\") | .stacks[] | select(.reason == \"NO_SOCKET\") | .flows[]] |
		(map(.count) | add) == 4 and all(.src_port == 40012 and .dst_port == 7777 and .ifindex == $srv_idx and .netns == $sns)" \
		"NO_SOCKET flows: 4 x client:40012 -> server:7777 on the server's interface (its netns)"
	assert_jq K "[\$all[] | select(.type == \"interval\") | .flows[]] | (map(select(.dst_port == 5555) | .reasons.NETFILTER_DROP) | add) == 7 and
		(map(select(.dst_port == 7777) | .reasons.NO_SOCKET) | add) == 4" \
		"flow table: 5555 -> 7 NETFILTER_DROP, 7777 -> 4 NO_SOCKET"
}

# one report per --interval, also when nothing is dropped; --duration ends with a summary
case_intervals() {
	nt_lab router
	nt_start K "$LAB_ROUTER_NS" $TOOL --json -i 0.5 --duration 2.2 --src-ip "$LAB_CLIENT_IP"
	nt_wait_exit K 6
	assert_exit K 0
	nt_check_json K $TOOL
	assert_jq K "[\$all[] | select(.type == \"interval\")] | length >= 4 and length <= 6" \
		"4-6 interval reports in 2.2 s at -i 0.5 (last one partial)"
	assert_jq K "[\$all[] | select(.type == \"interval\") | .cycle] == ([\$all[] | select(.type == \"interval\")] | to_entries | map(.key + 1))" \
		"cycles numbered 1, 2, ..."
	assert_jq K "\$sum.drops == 0 and \$sum.cycles >= 4" "summary after --duration, no drops"
	assert_unloaded K
}

# --max-entries bounds the kernel map; a full table never makes the total smaller: every
# drop is in `drops`, the part without a cell is `unattributed` (== map_full)
case_map_full() {
	local n
	nt_lab router
	lab_drop_udp_forward 5556
	nt_start K "$LAB_ROUTER_NS" $TOOL --json -i 5 -t 20 --max-entries 16 --src-ip "$LAB_CLIENT_IP" --dst-port 5556
	# 40 distinct flows (source ports), each 3 times: more flows than cells
	drop_udp_burst "$LAB_CLIENT_NS" "$LAB_CLIENT_IP" "$LAB_SERVER_IP" 5556 120 42000 40
	n=$(lab_fault_packets)
	assert_eq "lab: router FORWARD drops" "$n" 120
	sleep 0.3
	drop_finish K $TOOL
	assert_jq K "\$sum.drops == $n" "summary drops == the firewall's count ($n), table full or not"
	assert_jq K "[\$all[] | select(.type == \"interval\") | .drops] | add == $n" \
		"interval drops add up to the firewall's count ($n)"
	assert_jq K "\$sum.unattributed > 0 and \$sum.unattributed == \$sum.map_full" \
		"the drops without a cell are shown as unattributed (== map_full > 0)"
	assert_jq K "\$sum.broken_down + \$sum.unattributed == \$sum.drops and ([\$sum.reasons[]] | add) == \$sum.broken_down" \
		"summary: by reason (broken_down) + unattributed == drops"
	assert_jq K "all(\$all[] | select(.type == \"interval\"); .broken_down + .unattributed == .drops and .cells <= 16)" \
		"every interval: broken_down + unattributed == drops, at most 16 cells"
	assert_jq K "[\$all[] | select(.type == \"interval\") | .flows[].count] | add == ([\$all[] | select(.type == \"interval\") | .broken_down] | add)" \
		"the flows listed are the broken-down part"
}

# SIGTERM ends like SIGINT; text output names reason, location, flow and stack
case_text_sigterm() {
	nt_lab router
	lab_drop_udp_forward 6001
	# resolve neighbours first: a datagram that waited for ARP is sent from the ARP
	# reply's softirq, a different (deeper) stack than the others
	lab_ping 1 || fail "lab: warm-up ping lost"
	nt_start K "$LAB_ROUTER_NS" $TOOL -i 30 --src-ip "$LAB_CLIENT_IP" --group-by stack
	lab_udp_send "$LAB_CLIENT_NS" "$LAB_CLIENT_IP" 40013 "$LAB_SERVER_IP" 6001 3
	sleep 0.3
	nt_stop K TERM 5
	assert_exit K 0
	assert_unloaded K
	grep -q '^{' "$W/K.out" && fail "JSON in text mode$(nt_show K)"
	local want
	for want in "Interval drops: 3" "Count: 3 calls" NETFILTER_DROP nf_hook_slow \
		"$LAB_CLIENT_IP:40013 -> $LAB_SERVER_IP:6001" "device: $LAB_RX_IF" "=== $TOOL summary ==="; do
		grep -qF -- "$want" "$W/K.out" || fail "text output lacks '$want'$(nt_show K)"
	done
	grep -q "Top flows" "$W/K.out" && fail "--group-by stack printed the flow table$(nt_show K)"
	return 0
}

# filters run in the kernel: --name (interface) and --protocol keep other drops out
case_filters() {
	nt_lab router
	lab_drop_udp_forward 5557
	nt_start A "$LAB_ROUTER_NS" $TOOL --json -i 5 --name "$LAB_TX_IF" --protocol udp
	nt_start B "$LAB_ROUTER_NS" $TOOL --json -i 5 --protocol tcp --src-ip "$LAB_CLIENT_IP"
	nt_start C "$LAB_ROUTER_NS" $TOOL --json -i 5 -n "$LAB_RX_IF" --src-ip "$LAB_CLIENT_IP" --no-stack
	lab_udp_send "$LAB_CLIENT_NS" "$LAB_CLIENT_IP" 40014 "$LAB_SERVER_IP" 5557 3
	sleep 0.3
	drop_finish A $TOOL
	drop_finish B $TOOL
	drop_finish C $TOOL
	assert_jq A "\$sum.drops == 0" "--name $LAB_TX_IF: none of the drops on $LAB_RX_IF"
	assert_jq B "\$sum.drops == 0" "--protocol tcp: none of the UDP drops"
	assert_jq C "\$sum.drops == 3 and \$sum.reasons.NETFILTER_DROP == 3" "--name $LAB_RX_IF: the 3 drops"
	assert_jq C "all(\$all[] | select(.type == \"interval\") | .stacks[]; .stack_id == -1 and (.stack | length) == 0)" \
		"--no-stack: no stack ids"
}

case_usage() {
	drop_usage_error --interval 0 $TOOL --interval 0
	drop_usage_error --group-by bogus $TOOL --group-by bogus
	drop_usage_error --top 0 $TOOL -t 0
	drop_usage_error --name ntnosuch9 $TOOL -n ntnosuch9
	drop_usage_error --max-entries 3 $TOOL --max-entries 3
	drop_usage_error --protocol "" $TOOL --protocol icmp --dst-port 80
}

case_help() {
	"$NT" $TOOL --help >"$W/h.out" 2>&1 || fail "--help exit status $?"
	grep -q "Examples" "$W/h.out" || grep -q "nettrail $TOOL" "$W/h.out" || fail "--help has no examples: $(cat "$W/h.out")"
	grep -q -- "--group-by" "$W/h.out" || fail "--help lacks --group-by"
}

nt_case "$TOOL: netfilter drop and no-socket drop -> distinct stacks, right counts, flows, devices" case_two_stacks
nt_case "$TOOL: one report per --interval, summary after --duration" case_intervals
nt_case "$TOOL: --max-entries bounds the kernel map, overflow counted as map_full" case_map_full
nt_case "$TOOL: text output and SIGTERM" case_text_sigterm
nt_case "$TOOL: --name/--protocol filters in the kernel, --no-stack" case_filters
nt_case "$TOOL: bad input -> exit 2 before loading" case_usage
nt_case "$TOOL: --help with examples" case_help
nt_done
