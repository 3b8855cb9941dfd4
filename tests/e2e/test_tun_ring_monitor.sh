#!/bin/bash
# tun_ring_monitor end to end (tests/lab/lab_tun.sh): a tap whose reader takes nothing, as a
# VM that stopped draining its receive ring. The host sends N datagrams to the VM; the first
# RING fill the tap's transmit ring, every later one finds it full and is dropped (the tap's
# tx_dropped counter is the ground truth); once the reader drains the ring, packets pass again.
. "$(dirname "$0")/lib.sh"
. "$REPO/tests/lab/lab_tun.sh"
. "$E2E_DIR/prom_lib.sh"

# tunlab RING: the lab for this case
tunlab() { nt_case_lab tr tunlab_topology "$1"; }

IV='($all | map(select(.type == "interval")) | last) as $iv'

# a ring of 64, 200 datagrams: 64 queued, 136 dropped, each of those reported FULL with its
# flow; the counts per queue match the tap's counter and, where the kernel has the FULL_RING
# reason, its own drops. Drained, 20 more pass without a full ring.
case_full_ring() {
	local ring=64 n=200 before after dropped
	tunlab $ring
	if [[ ! -e /sys/kernel/btf/tun ]] && grep -q '/tun\.ko' "/lib/modules/$(uname -r)/modules.dep" 2>/dev/null; then
		# tun is a module without BTF (5.10: modules carry BTF from 5.11 on): no ring to read
		nt_run_bg T "$TUNLAB_NS" tun_ring_monitor --device "$TUNLAB_TAP" --json
		nt_wait_exit T 10
		assert_exit T 1
		grep -q "struct tun_struct is in no BTF of this kernel.*--btf FILE" "$W/T.err" ||
			fail "no line naming tun_struct and --btf$(nt_show T)"
		echo "# $(uname -r): $(cat "$W/T.err")"
		return 0
	fi
	nt_start T "$TUNLAB_NS" tun_ring_monitor --device "$TUNLAB_TAP" --json --interval 600
	before=$(tunlab_tx_dropped)
	tunlab_send $n || fail "lab: datagrams not sent"
	after=$(tunlab_tx_dropped)
	dropped=$((after - before))
	echo "# $n datagrams into a ring of $ring: the tap dropped $dropped"
	((dropped == n - ring)) || fail "lab: the tap dropped $dropped, want $((n - ring))"
	nt_wait_events T $dropped 10
	tunlab_drain || fail "lab: the reader did not drain"
	tunlab_send 20 || fail "lab: datagrams not sent"
	nt_stop T INT 10
	assert_exit T 0
	nt_check_json T tun_ring_monitor
	assert_jq T "(\$ev | length) == $dropped and all(\$ev[]; .status == \"FULL\" and .size == $ring and
		.used == $ring and .interface == \"$TUNLAB_TAP\" and .queue == 0 and .protocol == \"udp\" and
		.dst_ip == \"$TUNLAB_PEER_IP\" and .dst_port == 9)" \
		"$dropped events, each FULL (ring $ring, all used) with the flow, on the tap's queue 0"
	assert_jq T "\$sum.queues | length == 1 and .[0].xmits == $((n + 20)) and .[0].full == $dropped and
		.[0].max_used == $ring and .[0].size == $ring" \
		"summary: $((n + 20)) transmits, $dropped found the ring full, at most $ring used"
	if grep -q "skipping stage 'drop'" "$W/T.err"; then
		echo "# no FULL_RING drop reason on this kernel: $(grep -o "skipping stage 'drop'.*" "$W/T.err")"
	else
		assert_jq T "\$sum.queues[0].drops_full_ring == $dropped" "the kernel's FULL_RING drops: $dropped"
	fi
	assert_jq T "\$sum.queues[0].used < $ring" "after the drain the ring is no longer full"
	assert_unloaded T
}

# --dst-port filters the events, not the counts; text output in the manual's shape
case_filter_text() {
	local ring=16 n=40
	tunlab $ring
	nt_start F "$TUNLAB_NS" tun_ring_monitor --interface "$TUNLAB_TAP" --dst-port 7 --json --interval 600
	nt_start X "$TUNLAB_NS" tun_ring_monitor --device "$TUNLAB_TAP" --verbose --interval 600
	tunlab_send $n 9 || fail "lab: datagrams not sent"
	tunlab_send 5 7 || fail "lab: datagrams not sent"
	nt_wait_events F 5 10
	nt_stop F INT 10
	nt_stop X INT 10
	assert_exit F 0
	assert_exit X 0
	assert_jq F "(\$ev | length) == 5 and all(\$ev[]; .dst_port == 7) and \$sum.queues[0].full == $((n + 5 - ring))" \
		"--dst-port 7: its 5 events only; every full ring counted"
	grep -q '^TUN RING FULL DETECTED!' "$W/X.out" || fail "no banner in the text output$(nt_show X)"
	grep -q "^Device: $TUNLAB_TAP" "$W/X.out" && grep -q '^PTR Ring: size 16, used 16 (100%): FULL' "$W/X.out" &&
		grep -q '^  producer [0-9]*, consumer_head' "$W/X.out" ||
		fail "the event block lacks the device, ring or indexes$(nt_show X)"
	grep -q 'TUN Ring Status (whole run)' "$W/X.out" || fail "no final status$(nt_show X)"
	assert_unloaded F
}

# scrape_fresh NS NAME: scrape once the tool has published twice since now: the second of
# those reports read its counts after this moment, so what the rig did before is in them
scrape_fresh() {
	local u0 u i
	scrape "$1" "$2"
	u0=$(metric nettrail_metric_updates_total)
	for ((i = 0; i < $(_nt_scaled 50); i++)); do
		sleep 0.2
		scrape "$1" "$2"
		u=$(metric nettrail_metric_updates_total)
		((u >= u0 + 2)) && return 0
	done
	fail "no two reports in $(_nt_scaled 10) s (metric updates $u0 -> $u)$(cat "$W/$2.prom")"
}

# --prometheus while it runs (the rig of case_full_ring: a ring of 64, 200 datagrams): the
# scraped transmits, full rings and FULL_RING drops of the tap's queue 0 == what the tap
# dropped == the tool's own summary; the ring's size and most used 64
case_prometheus() {
	local ring=64 n=200 before dropped q
	tunlab $ring
	nt_start T "$TUNLAB_NS" tun_ring_monitor --device "$TUNLAB_TAP" --json --interval 0.5 \
		--prometheus $PORT
	before=$(tunlab_tx_dropped)
	tunlab_send $n || fail "lab: datagrams not sent"
	dropped=$(($(tunlab_tx_dropped) - before))
	((dropped == n - ring)) || fail "lab: the tap dropped $dropped, want $((n - ring))"
	scrape_fresh "$TUNLAB_NS" last
	promtool_check last
	echo "# scraped: $(grep '^nettrail_tun_' "$W/last.prom" | sed 's/{.*queue=/{queue=/' | tr '\n' ' ')"
	q=("device=\"$TUNLAB_TAP\"" 'queue="0"')
	assert_eq "scraped transmits" "$(metric nettrail_tun_xmits_total "${q[@]}")" $n
	assert_eq "scraped full rings" "$(metric nettrail_tun_ring_full_total "${q[@]}")" $dropped
	assert_eq "scraped ring size" "$(metric nettrail_tun_ring_size "${q[@]}")" $ring
	assert_eq "scraped most used" "$(metric nettrail_tun_ring_used_max "${q[@]}")" $ring
	assert_eq "scraped lost events" "$(metric nettrail_lost_events_total)" 0
	nt_stop T INT 10
	assert_exit T 0
	if grep -q "skipping stage 'drop'" "$W/T.err"; then
		[[ -z $(metric nettrail_tun_full_ring_drops_total "${q[@]}") ]] ||
			fail "FULL_RING drops scraped without the drop stage$(cat "$W/last.prom")"
	else
		assert_eq "scraped FULL_RING drops" "$(metric nettrail_tun_full_ring_drops_total "${q[@]}")" $dropped
	fi
	assert_jq T "\$sum.queues | length == 1 and .[0].xmits == $n and .[0].full == $dropped and
		.[0].max_used == $ring" "the summary == what was scraped ($n transmits, $dropped full)"
	assert_unloaded T
}

# bad input exits 2 before loading (one line naming the flag, nothing loaded): not a tap, none given
case_bad_input() {
	tunlab 8
	usage_error "$TUNLAB_NS" --device lo tun_ring_monitor --device lo
	usage_error "$TUNLAB_NS" --device "" tun_ring_monitor --interval 1
	usage_error "$TUNLAB_NS" --queue 256 tun_ring_monitor --device "$TUNLAB_TAP" --queue 256
}

nt_case --tag guest --tag vmhost "tun_ring_monitor: a tap whose reader stalls -> one FULL event per dropped packet == tx_dropped, counts per queue, the kernel's FULL_RING drops (tun without BTF: exit 1 naming it)" case_full_ring
nt_case "tun_ring_monitor: --dst-port filters the events, not the counts; text blocks in the manual's shape" case_filter_text
nt_case "tun_ring_monitor: --prometheus: a ring of 64, 200 datagrams -> scraped transmits 200, full rings and FULL_RING drops == tx_dropped == the summary" case_prometheus
nt_case "tun_ring_monitor: bad input exits 2 before loading" case_bad_input
nt_done
