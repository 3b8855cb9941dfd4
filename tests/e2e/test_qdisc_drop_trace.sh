#!/bin/bash
# qdisc_drop_trace end to end: a tbf with a tiny limit on the router's egress interface
# under iperf3 UDP must give as many drops as the qdisc's own `tc -s` counter (+-5 %), all
# attributed to that device and qdisc (kind, handle, limit) and to the iperf3 flow.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$REPO/tests/lab/lab_drops.sh"
. "$E2E_DIR/prom_lib.sh"

TOOL=qdisc_drop_trace

# tbf_on_tx: tbf with a tiny limit on the router's server-facing interface
tbf_on_tx() {
	ip netns exec "$LAB_ROUTER_NS" tc qdisc add dev "$LAB_TX_IF" root handle 8123: \
		tbf rate 4mbit burst 8kb limit 6kb || fail "lab: tc tbf"
}

# within5 GOT WANT: |GOT - WANT| <= 5 % of WANT (and WANT > 0)
within5() { (($2 > 0 && ($1 - $2) * 100 <= $2 * 5 && ($2 - $1) * 100 <= $2 * 5)); }

case_tbf_iperf() {
	local mode=$1
	nt_need iperf3 tc
	nt_lab router
	tbf_on_tx
	# shellcheck disable=SC2046
	nt_start Q "$LAB_ROUTER_NS" $TOOL --json --interval 1 --interface "$LAB_TX_IF" $(nt_mode_args "$mode")
	nt_start S "$LAB_ROUTER_NS" $TOOL --json --summary --interval 1 --interface "$LAB_TX_IF"
	drop_iperf_udp 40M 1 1000
	sleep 0.5
	local tc_drops idx inode
	tc_drops=$(drop_tc_dropped "$LAB_ROUTER_NS" "$LAB_TX_IF")
	[[ $tc_drops =~ ^[0-9]+$ ]] && ((tc_drops > 100)) ||
		fail "lab: tbf dropped too little to test ('$tc_drops'): $(ip netns exec "$LAB_ROUTER_NS" tc -s qdisc show dev "$LAB_TX_IF")"
	drop_finish Q $TOOL
	drop_finish S $TOOL
	idx=$(lab_ifindex "$LAB_ROUTER_NS" "$LAB_TX_IF")
	inode=$(nt_ns_inode "$LAB_ROUTER_NS")
	echo "tc dropped $tc_drops"
	local sum_q sum_s ev_q
	sum_q=$(jq -s '[.[] | select(.type == "summary") | .qdiscs[] | select(.kind == "tbf") | .drops] | add // 0' "$W/Q.out")
	sum_s=$(jq -s '[.[] | select(.type == "summary")] | last | .drops' "$W/S.out")
	ev_q=$(nt_count Q '.kind == "tbf"')
	within5 "$sum_q" "$tc_drops" || fail "kernel count $sum_q vs tc -s dropped $tc_drops: more than 5 % apart$(nt_show Q)"
	within5 "$sum_s" "$tc_drops" || fail "--summary --interface: $sum_s vs tc -s dropped $tc_drops$(nt_show S)"
	within5 "$ev_q" "$tc_drops" || fail "events $ev_q vs tc -s dropped $tc_drops$(nt_show Q)"
	assert_jq Q "\$sum.lost_events == 0 and \$sum.map_full == 0" "nothing lost"
	assert_jq Q "all(\$ev[]; .ifname == \"$LAB_TX_IF\" and .ifindex == $idx and .netns == $inode)" \
		"every drop on the router's $LAB_TX_IF ($idx, netns $inode)"
	assert_jq Q "all(\$ev[]; .kind == \"tbf\" and .handle == \"8123:\" and .limit == 6144 and .reason == \"QDISC_DROP\")" \
		"every drop: tbf 8123:, limit 6144 bytes, reason QDISC_DROP"
	assert_jq Q "all(\$ev[]; .qlen >= 0 and .backlog <= .limit)" "backlog within the limit"
	assert_jq Q "[\$ev[] | select(.proto == \"UDP\" and .src_ip == \"$LAB_CLIENT_IP\" and .dst_ip == \"$LAB_SERVER_IP\" and .dst_port == $((5300 + LAB_SLOT)))] | length >= (\$ev | length) * 0.95" \
		"(nearly) every drop is the iperf3 UDP flow client -> server:$((5300 + LAB_SLOT))"
	assert_jq S "\$ev | length == 0" "--summary: no events"
	assert_jq S "\$sum.qdiscs | length >= 1 and all(.[]; .ifname == \"$LAB_TX_IF\" and .kind == \"tbf\" and .handle == \"8123:\")" \
		"--summary counts are per device/qdisc"
	assert_jq Q "[\$all[] | select(.type == \"interval\") | .drops] | add + 0 <= \$sum.drops" \
		"interval reports are deltas (their sum never exceeds the total)"
	# the totals are counted apart from the (bounded) table: the rows break them down
	assert_jq S "\$sum.broken_down + \$sum.unattributed == \$sum.drops and \$sum.unattributed == \$sum.map_full and
		([\$sum.qdiscs[].drops] | add) == \$sum.broken_down and ([\$sum.reasons[]] | add) == \$sum.broken_down" \
		"summary: rows (broken_down) + unattributed == drops; reasons add up to the rows"
	assert_jq S "([\$sum.qdiscs[].bytes] | add) + \$sum.unattributed_bytes == \$sum.bytes" \
		"summary: bytes of the rows + unattributed_bytes == bytes"
}

# A full table never makes the total smaller: a tbf on each of the router's interfaces, UDP
# both ways, one row (--max-entries 1): one qdisc gets the row, the other's drops are counted
# as not broken down, and the total is both tbfs' own counters.
case_table_full() {
	nt_need iperf3 tc
	nt_lab router
	tbf_on_tx
	ip netns exec "$LAB_ROUTER_NS" tc qdisc add dev "$LAB_RX_IF" root handle 8124: \
		tbf rate 4mbit burst 8kb limit 6kb || fail "lab: tc tbf"
	nt_start S "$LAB_ROUTER_NS" $TOOL --json --summary --interval 1 --max-entries 1
	drop_iperf_udp 40M 1 1000 --bidir
	sleep 0.5
	local tx rx total
	tx=$(drop_tc_dropped "$LAB_ROUTER_NS" "$LAB_TX_IF")
	rx=$(drop_tc_dropped "$LAB_ROUTER_NS" "$LAB_RX_IF")
	[[ $tx =~ ^[0-9]+$ && $rx =~ ^[0-9]+$ ]] && ((tx > 100 && rx > 100)) ||
		fail "lab: both tbfs must drop (server side '$tx', client side '$rx')"
	drop_finish S $TOOL
	total=$(jq -s '[.[] | select(.type == "summary")] | last | .drops' "$W/S.out")
	echo "tc dropped $tx + $rx, tool total $total"
	within5 "$total" "$((tx + rx))" ||
		fail "total $total vs both tbf counters $((tx + rx)): more than 5 % apart$(nt_show S)"
	assert_jq S "(\$sum.qdiscs | length) == 1 and \$sum.unattributed > 0 and
		\$sum.unattributed == \$sum.map_full and \$sum.broken_down + \$sum.unattributed == \$sum.drops" \
		"one row; the other qdisc's drops not broken down; rows + unattributed == total"
}

# the filters keep other drops out: another interface, another protocol
case_filters() {
	nt_need iperf3 tc
	nt_lab router
	tbf_on_tx
	nt_start A "$LAB_ROUTER_NS" $TOOL --json --interface "$LAB_RX_IF"
	nt_start B "$LAB_ROUTER_NS" $TOOL --json --protocol tcp --src-ip "$LAB_CLIENT_IP"
	drop_iperf_udp 20M 1 1000
	sleep 0.3
	drop_finish A $TOOL
	drop_finish B $TOOL
	assert_jq A "\$sum.drops == 0" "--interface $LAB_RX_IF: none of the drops on $LAB_TX_IF"
	assert_jq B "\$sum.drops == 0" "--protocol tcp --src-ip client: none of the UDP drops"
}

case_text() {
	nt_need iperf3 tc
	nt_lab router
	tbf_on_tx
	nt_start T "$LAB_ROUTER_NS" $TOOL --interface "$LAB_TX_IF" --verbose --interval 30
	drop_iperf_udp 20M 1 1000
	sleep 0.3
	nt_stop T TERM 5
	assert_exit T 0
	assert_unloaded T
	local want
	for want in "$LAB_TX_IF" tbf "8123:" QDISC_DROP "$LAB_CLIENT_IP" "pid=" "=== $TOOL summary ==="; do
		grep -qF -- "$want" "$W/T.out" || fail "text output lacks '$want'$(nt_show T)"
	done
}

case_usage() {
	drop_usage_error --interface ntnosuch7 $TOOL --interface ntnosuch7
	drop_usage_error --interval -1 $TOOL --interval -1
	drop_usage_error --verbose "" $TOOL --summary --verbose
	drop_usage_error --src-ip 1.2.3 $TOOL --src-ip 1.2.3
}

for m in $(nt_attach_modes); do
	nt_case "$TOOL: tbf tiny limit under iperf3 UDP -> drops == tc -s counter +-5 %, device, qdisc, flow ($m)" \
		case_tbf_iperf "$m"
done
# --summary --prometheus: the scraped drops of the tbf are its own `tc -s` counter (+-5 %)
case_prometheus() {
	nt_need iperf3 tc
	nt_lab router
	tbf_on_tx
	nt_start S "$LAB_ROUTER_NS" $TOOL --json --summary --interval 0.5 --interface "$LAB_TX_IF" \
		--prometheus $PORT
	drop_iperf_udp 40M 1 1000
	sleep 1.2
	local tc_drops got
	tc_drops=$(drop_tc_dropped "$LAB_ROUTER_NS" "$LAB_TX_IF")
	scrape "$LAB_ROUTER_NS" last
	promtool_check last
	got=$(metric nettrail_qdisc_drops_total "device=\"$LAB_TX_IF\"" 'qdisc="tbf"' 'handle="8123:"' \
		'reason="QDISC_DROP"')
	[[ $got =~ ^[0-9]+$ ]] && within5 "$got" "$tc_drops" ||
		fail "scraped tbf drops '$got' vs tc -s dropped $tc_drops: more than 5 % apart$(cat "$W/last.prom")"
	drop_finish S $TOOL
	assert_jq S "\$sum.drops == $got" "the summary's total == what was scraped ($got)"
}

nt_case "$TOOL: a full table (--max-entries 1, two dropping qdiscs) -> total == both tc counters, the rest not broken down" case_table_full
nt_case "$TOOL: --interface/--protocol filters keep other drops out" case_filters
nt_case "$TOOL: text output with --verbose, SIGTERM" case_text
nt_case "$TOOL: bad input -> exit 2 before loading" case_usage
nt_case "$TOOL: --summary --prometheus: scraped tbf drops == tc -s counter (+-5 %) == the summary" case_prometheus
nt_done
