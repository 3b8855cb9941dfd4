#!/bin/bash
# The vhost tools end to end (tests/lab/lab_tun.sh with vhost): a tap whose reader is
# vhost-net itself, the "guest" a virtio-net driver in user space (tests/lab/vhost_user.py)
# that posts receive buffers, queues frames and reads its queues' call eventfds. vhost's
# worker runs its real path (handle_rx, handle_tx, vhost_add_used_and_signal_n, the signal);
# the eventfd counters the driver reads are the ground truth of the signals, its fd numbers
# and pid that of who each queue is, the datagrams the lab sends (their lengths known) that
# of what vhost-net finds at the head of the tap's queue.
. "$(dirname "$0")/lib.sh"
. "$REPO/tests/lab/lab_tun.sh"
. "$E2E_DIR/prom_lib.sh"

vhost_usable() { [[ -c /dev/vhost-net ]] || modprobe vhost_net 2>/dev/null; [[ -c /dev/vhost-net ]]; }

# Where they cannot run, they say what they lack and exit 1: the host tier (no function
# probes, no vhost), 5.10 (vhost's types: modules carry BTF from 5.11 on).
expect_refusal() {
	local t ns=- args=()
	if [[ $1 == --tap ]]; then  # tools that need one: a tap without vhost behind it
		shift
		nt_case_lab vr tunlab_topology 8
		ns=$TUNLAB_NS args=(--device "$TUNLAB_TAP")
	fi
	for t in "$@"; do
		nt_run_bg V "$ns" "$t" "${args[@]}" --json
		nt_wait_exit V 15
		assert_exit V 1
		grep -Eq "cannot trace stage '[a-z_]+'.*(vhost_add_used_and_signal_n|vhost_net_buf_peek)|struct (vhost_virtqueue|tun_struct) is in no BTF of this kernel.*--btf FILE" "$W/V.err" ||
			fail "$t: no line naming the missing probe or BTF$(nt_show V)"
		echo "# $(uname -r): $(head -c 300 "$W/V.err")"
	done
}

# The --prometheus cases keep the guest tier's time small (every process start costs under
# TCG; python3, prom_lib's scrape, and promtool take seconds): a scrape is one bash through
# /dev/tcp, the wait for fresh counts reads the tools' JSON, promtool runs in the background
# while the tools end, the samples are compared in one jq per tool.
# scrape_tcp NS NAME PORT: the body of GET /metrics into $W/NAME.prom
scrape_tcp() {
	ip netns exec "$1" bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$0" || exit 1
		printf "GET /metrics HTTP/1.0\r\n\r\n" >&3
		IFS= read -r s <&3
		[[ $s == "HTTP/1."?" 200 "* ]] || { echo "$s"; exit 1; }
		while IFS= read -r h <&3 && [[ $h != $'"'"'\r'"'"' ]]; do :; done
		cat <&3' "$3" >"$W/$2.prom" 2>&1 || fail "GET /metrics on port $3 in $1: $(head -c 300 "$W/$2.prom")"
}

# scrape_fresh NS T:NAME:PORT...: scrape_tcp each tool T once it has published counts read
# after this moment: 3 more interval reports on its stdout (the second read them after now,
# and was published before the third was printed)
scrape_fresh() {
	local ns=$1 x i k ok=0 n0=() limit t name port
	shift
	for x; do n0+=("$(grep -c '"type":"interval"' "$W/${x%%:*}.out")"); done
	limit=$(_nt_scaled 100)
	for ((i = 0; i < limit && !ok; i++)); do
		((i)) && sleep 0.1
		ok=1 k=0
		for x; do
			(($(grep -c '"type":"interval"' "$W/${x%%:*}.out") >= n0[k++] + 3)) || ok=0
		done
	done
	((ok)) || fail "not three more interval reports from each of ${*%%:*} in $((limit / 10)) s"
	for x; do
		IFS=: read -r t name port <<<"$x"
		scrape_tcp "$ns" "$name" "$port"
	done
}

# lint_bg NAME...: promtool_check of each scrape in the background; lint_wait: their verdicts
lint_bg() {
	local n
	for n; do
		(promtool_check "$n") >"$W/$n.lint" 2>&1 &
		_LINT+=("$!:$n")
	done
}
lint_wait() {
	local x
	for x in "${_LINT[@]}"; do wait "${x%%:*}" || fail "${x#*:}: $(cat "$W/${x#*:}.lint")"; done
	_LINT=()
}

# prom_json NAME: the samples of the scrape NAME as a JSON array of {n: NAME, l: {LABELS}, v: VALUE}
prom_json() {
	sed -nE '/^nettrail_/{s/^([a-z_]+)\{(.*)\} (.*)$/{"n":"\1","l":{\2},"v":\3}/; s/([{,])([a-z_]+)="/\1"\2":"/g; p}' \
		"$W/$1.prom" | paste -sd, | sed 's/^/[/; s/$/]/'
}

# PICK: jq, with $p (prom_json) and $sel (label filter) bound: the scraped values of those
# samples by name, {NAME: VALUE}
PICK='([$p[] | select(.l as $l | all($sel | to_entries[]; $l[.key] == .value)) | {(.n): .v}] | add // {})'

# 20 datagrams into 32 posted buffers, then 5 frames out, then 10 more datagrams with the
# rx queue's interrupts off. vhost_eventfd_count: per queue signals == the call eventfd's
# count, buffers == what vhost used, the queue found as the driver has it (index, tap, qemu
# pid, the call eventfd's fd), kicks == the driver's kick eventfd writes; with interrupts
# off, completions without a signal.
# vhost_buf_peek_stats: on the rx queue, each datagram's length once (56 bytes: 20 of
# them, 57: 10), and the peeks that found nothing.
# The JSON instances with --prometheus, scraped after the traffic: per queue (its qemu, tap,
# tap queue and role) the counts of the summary, so those of the driver.
case_datapath() {
	local st pid rx tx
	if ! vhost_usable || { [[ ! -e /sys/kernel/btf/vhost ]] && [[ -e /sys/kernel/btf/vmlinux ]] &&
		grep -q '/vhost\.ko' "/lib/modules/$(uname -r)/modules.dep" 2>/dev/null; }; then
		expect_refusal vhost_eventfd_count vhost_buf_peek_stats
		return 0
	fi
	nt_case_lab ve tunlab_topology 64 vhost
	nt_start V "$TUNLAB_NS" vhost_eventfd_count --json --interval 0.25 --prometheus $PORT
	# the text instances by kprobe (kretprobe for the peek), the JSON ones in auto (fentry, fexit)
	nt_start X "$TUNLAB_NS" vhost_eventfd_count --device "$TUNLAB_TAP" --clear --interval 600 \
		--attach-mode kprobe
	nt_start P "$TUNLAB_NS" vhost_buf_peek_stats --json --interval 0.25 --prometheus $((PORT + 1))
	nt_start Q "$TUNLAB_NS" vhost_buf_peek_stats --device "$TUNLAB_TAP" --interval 600 \
		--attach-mode kprobe
	tunlab_vhost rx 32 || fail "lab: no receive buffers posted"
	tunlab_send 20 || fail "lab: datagrams not sent"
	tunlab_vhost_used rx 20 || fail "lab: vhost did not deliver the datagrams"
	tunlab_vhost tx 5 || fail "lab: no frames queued"
	tunlab_vhost_used tx 5 || fail "lab: vhost did not send the frames"
	tunlab_vhost irq rx off || fail "lab: interrupts not turned off"
	tunlab_send 10 || fail "lab: datagrams not sent"
	tunlab_vhost_used rx 30 || fail "lab: vhost did not deliver the datagrams"
	st=$(tunlab_vhost_state) || fail "lab: no driver state"
	echo "# the driver: $st"
	pid=$(jq .pid <<<"$st") rx=$(jq -c .rx <<<"$st") tx=$(jq -c .tx <<<"$st")
	scrape_fresh "$TUNLAB_NS" V:ve:$PORT P:peek:$((PORT + 1))
	lint_bg ve peek
	echo "# scraped: $(grep -h '^nettrail_vhost_' "$W/ve.prom" "$W/peek.prom" | grep "device=\"$TUNLAB_TAP\"" |
		sed 's/{.*role=/{role=/' | tr '\n' ' ')"
	nt_stop V INT 10
	nt_stop X INT 10
	nt_stop P INT 10
	nt_stop Q INT 10
	lint_wait
	assert_exit V 0
	assert_exit X 0
	assert_exit P 0
	assert_exit Q 0
	nt_check_json V vhost_eventfd_count
	local rows="\$sum.queues | map(select(.tap == \"$TUNLAB_TAP\"))"
	assert_jq V "$rows | length == 2" "two queues behind the tap"
	assert_jq V "$rows | .[0] | .role == \"rx\" and .index == 0 and .tap_queue == 0 and
		.owner_pid == $pid and .call_fd == $(jq .call_fd <<<"$rx") and .used == 30 and
		.signals == $(jq .signals <<<"$rx") and .signals > 0 and .calls > .signals and
		.kicks == $(jq .kicks <<<"$rx")" \
		"rx: 30 buffers, signals == the call eventfd's count, kicks == the driver's kick writes, its pid and call fd; completions without a signal while its interrupts were off"
	assert_jq V "$rows | .[1] | .role == \"tx\" and .index == 1 and .owner_pid == $pid and
		.call_fd == $(jq .call_fd <<<"$tx") and .used == 5 and .signals == $(jq .signals <<<"$tx") and
		.signals > 0 and .kicks == $(jq .kicks <<<"$tx")" \
		"tx: 5 buffers, signals == the call eventfd's count, kicks == the driver's, its call fd"
	grep -Eq "^  $pid +rx +$TUNLAB_TAP:0 +0x[0-9a-f]+ +0x[0-9a-f]+ +$(jq .call_fd <<<"$rx") " "$W/X.out" ||
		fail "the text table lacks the rx queue's row (owner, role, tap, pointers, fd)$(nt_show X)"
	grep -q 'vhost signals per virtqueue (whole run)' "$W/X.out" || fail "no final table$(nt_show X)"
	grep -q 'used=kprobe:vhost_add_used_and_signal_n signal=kprobe:eventfd_signal' "$W/X.err" ||
		fail "the text instance is not on kprobes$(nt_show X)"
	assert_jq V "$(prom_json ve) as \$p | [(\"rx\", \"tx\") as \$r |
		{owner_pid: \"$pid\", device: \"$TUNLAB_TAP\", queue: \"0\", role: \$r} as \$sel | $PICK as \$o |
		($rows | map(select(.role == \$r)) | .[0] | [.calls, .used, .signals, .kicks]) as \$want |
		[\$o.nettrail_vhost_completions_total, \$o.nettrail_vhost_used_buffers_total,
		 \$o.nettrail_vhost_signals_total, \$o.nettrail_vhost_kicks_total] as \$got |
		select(\$got != \$want) | {role: \$r, summary: \$want, scraped: \$got}] | if length == 0 then true else . end" \
		"per queue the scraped completions, buffers, signals, kicks == the summary's (nothing moved since)"
	assert_unloaded V
	# vhost_buf_peek_stats
	nt_check_json P vhost_buf_peek_stats
	local peeks="\$sum.queues | map(select(.tap == \"$TUNLAB_TAP\"))"
	assert_jq P "$peeks | length == 1 and (.[0] | .role == \"rx\" and .index == 0 and .owner_pid == $pid and
		([.returns[] | select(.ret > 0) | [.ret, .count]] == [[56, 20], [57, 10]]) and
		.empty > 0 and ([.returns[] | select(.ret == 0) | .count] == [.empty]) and
		.calls == 30 + .empty and .bytes == 20 * 56 + 10 * 57)" \
		"rx queue: each datagram's length once (56 x 20, 57 x 10), the empty peeks, calls == 30 + empty"
	assert_jq P "$(prom_json peek) as \$p |
		{owner_pid: \"$pid\", device: \"$TUNLAB_TAP\", queue: \"0\", role: \"rx\"} as \$sel | $PICK as \$o |
		($peeks | .[0] | [.calls, .empty, .bytes]) as \$want |
		[\$o.nettrail_vhost_peeks_total, \$o.nettrail_vhost_peeks_empty_total, \$o.nettrail_vhost_peeked_bytes_total] as \$got |
		if \$got == \$want and ([\$p[] | select(.l.role == \"tx\")] | length == 0) then true
		else {summary: \$want, scraped: \$got, tx: [\$p[] | select(.l.role == \"tx\")]} end" \
		"rx: the scraped peeks, empty peeks, bytes == the summary's; no tx queue"
	grep -Eq "^NVQ: 0x[0-9a-f]+ \(qemu $pid, rx, tap $TUNLAB_TAP:0\)" "$W/Q.out" &&
		grep -Eq '^  ret=56: 20 \([0-9.]+%\)' "$W/Q.out" ||
		fail "the text lacks the queue's block in the manual's shape (kretprobe)$(nt_show Q)"
	assert_unloaded P
}

# tun -> vhost queues with the rx backend detached (vhost leaves the tap alone): 20 datagrams
# wait in the tap's ring, each transmit finding 0..19 before it; then 32 buffers posted and
# the backend back: vhost takes the 20 in one batch (recv: the ring already empty) and
# completes them (signal: the 20 taken, 12 of the guest's buffers left). The JSON instances
# with --prometheus, scraped after it: per measure the samples, depths summed, zero depths
# and the deepest of the summary's distributions.
case_queues() {
	if ! vhost_usable || [[ ! -e /sys/kernel/btf/vhost ]]; then
		expect_refusal --tap tun_to_vhost_queue_status_simple_summary tun_to_vhost_queue_stats_full_summary
		return 0
	fi
	nt_case_lab tq tunlab_topology 64 vhost
	nt_start S "$TUNLAB_NS" tun_to_vhost_queue_status_simple_summary --device "$TUNLAB_TAP" --json \
		--interval 0.25 --prometheus $PORT
	nt_start F "$TUNLAB_NS" tun_to_vhost_queue_stats_full_summary --device "$TUNLAB_TAP" --json \
		--interval 0.25 --attach-mode kprobe --prometheus $((PORT + 1))
	nt_start X "$TUNLAB_NS" tun_to_vhost_queue_status_simple_summary --interface "$TUNLAB_TAP" \
		--queue 0 --interval 600
	tunlab_vhost backend rx off || fail "lab: the rx backend not detached"
	tunlab_send 20 || fail "lab: datagrams not sent"
	tunlab_vhost rx 32 || fail "lab: no receive buffers posted"
	tunlab_vhost backend rx on || fail "lab: the rx backend not attached"
	tunlab_vhost_used rx 20 || fail "lab: vhost did not deliver the datagrams"
	echo "# the driver: $(tunlab_vhost_state)"
	scrape_fresh "$TUNLAB_NS" S:simple:$PORT F:full:$((PORT + 1))
	lint_bg simple full
	echo "# scraped (full): $(grep '^nettrail_tun_vhost_' "$W/full.prom" | sed 's/{.*measure=/{measure=/' | tr '\n' ' ')"
	local t
	for t in S F X; do nt_stop $t INT 10; assert_exit $t 0; done
	lint_wait
	nt_check_json S tun_to_vhost_queue_status_simple_summary
	local m='$sum.queues | map(select(.interface == "'"$TUNLAB_TAP"'" and .queue == 0)) | .[0].measures'
	local depths='.xmit_ring_depth.count == 20 and .xmit_ring_depth.min == 0 and .xmit_ring_depth.max == 19 and
		([.xmit_ring_depth_hist[] | [.lo, .count]] == [[0, 1], [1, 1], [2, 2], [4, 4], [8, 8], [16, 4]])'
	assert_jq S "$m | $depths and (keys | sort) == [\"signal_avail\", \"signal_avail_hist\", \"signal_taken\",
		\"signal_taken_hist\", \"xmit_ring_depth\", \"xmit_ring_depth_hist\"]" \
		"simple: the 20 transmits found 0..19 waiting (log2 slots 1,1,2,4,8,4); two measures besides"
	assert_jq S "$m | (.signal_taken.avg * .signal_taken.count) == 20 and .signal_avail.min == 12" \
		"simple: the signals completed the 20 taken buffers, 12 of the 32 posted left"
	assert_jq F "$m | $depths and .recv_ring_depth.count == 20 and .recv_ring_depth.max == 0 and
		.handle_rx_avail.count >= 1 and .handle_rx_taken.count >= 1 and
		(.signal_taken.avg * .signal_taken.count) == 20" \
		"full (kprobes): the same depths; 20 reads, the ring emptied by vhost's batch; handle_rx seen"
	# scraped == the summary's distributions (nothing moved since): per measure the samples,
	# the depths summed, the zeros (slot 0), the deepest
	local tn sc keys
	for t in S:simple:xmit_ring_depth,signal_avail,signal_taken \
		F:full:xmit_ring_depth,signal_avail,signal_taken,recv_ring_depth,handle_rx_avail,handle_rx_taken; do
		IFS=: read -r tn sc keys <<<"$t"
		assert_jq "$tn" "$(prom_json "$sc") as \$p | ($m) as \$ms | [[\"${keys//,/\", \"}\"][] as \$k |
			{device: \"$TUNLAB_TAP\", queue: \"0\", measure: \$k} as \$sel | $PICK as \$o | \$ms[\$k] as \$d |
			[\$d.count, ((\$d.avg // 0) * (\$d.count // 0) | round),
			 ([\$ms[\$k + \"_hist\"][]? | select(.lo == 0) | .count] | add // 0), \$d.max] as \$want |
			[\$o.nettrail_tun_vhost_samples_total, \$o.nettrail_tun_vhost_depth_total,
			 \$o.nettrail_tun_vhost_zero_depth_samples_total, \$o.nettrail_tun_vhost_depth_max] as \$got |
			select(\$got != \$want) | {measure: \$k, summary: \$want, scraped: \$got}] |
			if length == 0 then true else . end" \
			"$sc: per measure the scraped samples, depths summed, zeros, deepest == the summary's"
	done
	local q=("device=\"$TUNLAB_TAP\"" 'queue="0"')
	cp "$W/simple.prom" "$W/last.prom"
	assert_eq "scraped depths at xmit (0 + 1 + ... + 19)" \
		"$(metric nettrail_tun_vhost_depth_total "${q[@]}" 'measure="xmit_ring_depth"')" 190
	cp "$W/full.prom" "$W/last.prom"
	assert_eq "scraped reads that found the ring emptied" \
		"$(metric nettrail_tun_vhost_zero_depth_samples_total "${q[@]}" 'measure="recv_ring_depth"')" 20
	grep -q "^TAP $TUNLAB_TAP queue 0" "$W/X.out" &&
		grep -Eq '^  tap ring depth at xmit \(packets waiting\): n=20 min 0 avg 9.5 max 19' "$W/X.out" &&
		grep -Eq '^ +16.0 -> 32.0 +: 4 +\( 20.0%\) \|' "$W/X.out" ||
		fail "the text lacks the tap's block, the depth line or its bars$(nt_show X)"
	assert_unloaded S
}

# the virtqueues behind the tap, event by event: 20 datagrams into 32 posted buffers, then
# the rx queue's interrupts off and 10 more, then 5 frames out. Each completion names its
# queue, the 32 the guest made available, the 256 descriptors, features 0 (the driver's);
# the completions add up to what vhost used; those the guest wanted signalled (avail flags
# 0) were, as many as its call eventfds counted, the others (NO_INTERRUPT) were not.
case_correlation() {
	if ! vhost_usable || [[ ! -e /sys/kernel/btf/vhost ]]; then
		expect_refusal --tap vhost_queue_correlation_simple vhost_queue_correlation_details
		return 0
	fi
	nt_case_lab vc tunlab_topology 64 vhost
	nt_start C "$TUNLAB_NS" vhost_queue_correlation_simple --device "$TUNLAB_TAP" --json
	nt_start D "$TUNLAB_NS" vhost_queue_correlation_details --device "$TUNLAB_TAP" --json \
		--attach-mode kprobe
	nt_start T "$TUNLAB_NS" vhost_queue_correlation_simple --vm-interface "$TUNLAB_TAP" --queue 0 \
		--verbose
	tunlab_vhost rx 32 || fail "lab: no receive buffers posted"
	tunlab_send 20 || fail "lab: datagrams not sent"
	tunlab_vhost_used rx 20 || fail "lab: vhost did not deliver the datagrams"
	tunlab_vhost irq rx off || fail "lab: interrupts not turned off"
	tunlab_send 10 || fail "lab: datagrams not sent"
	tunlab_vhost_used rx 30 || fail "lab: vhost did not deliver the datagrams"
	tunlab_vhost tx 5 || fail "lab: no frames queued"
	tunlab_vhost_used tx 5 || fail "lab: vhost did not send the frames"
	local st rxs txs t
	st=$(tunlab_vhost_state) || fail "lab: no driver state"
	echo "# the driver: $st"
	rxs=$(jq .rx.signals <<<"$st") txs=$(jq .tx.signals <<<"$st")
	for t in C D T; do nt_stop $t INT 10; assert_exit $t 0; done
	nt_check_json C vhost_queue_correlation_simple
	local sel='[$ev[] | select(.event == "signal" and .interface == "'"$TUNLAB_TAP"'" and .queue == 0'
	local rx="$sel and .role == \"rx\")]" tx="$sel and .role == \"tx\")]"
	local common="all(.[]; .num == 256 and .acked_features == 0 and .guest_readable)"
	assert_jq C "($rx | $common and all(.[]; .vq_index == 0 and .avail_idx == 32) and
		([.[].count] | add) == 30 and
		all(.[]; .signalled == (.guest_avail_flags == 0)) and
		([.[] | select(.signalled)] | length) == $rxs and ([.[] | select(.signalled | not)] | length) >= 1)" \
		"rx: completions of 30 buffers, 32 available; signalled exactly when the guest's flags asked ($rxs, == its call eventfd), NO_INTERRUPT ones not"
	assert_jq C "($tx | $common and all(.[]; .vq_index == 1) and ([.[].count] | add) == 5 and
		([.[] | select(.signalled)] | length) == $txs)" \
		"tx: completions of the 5 frames, $txs signalled (== its call eventfd)"
	assert_jq D "([\$ev[] | select(.event == \"recv\")] | length) == 30 and
		([\$ev[] | select(.event == \"handle_rx\" and .role == \"rx\")] | length) >= 1 and
		($rx | ([.[].count] | add) == 30) and \$sum.recv_events == 30 and \$sum.lost_events == 0" \
		"details (kprobes): 30 reads from the tap, handle_rx seen, the same completions"
	grep -q '^VHOST SIGNAL  Time: .*Device: '"$TUNLAB_TAP"'  Queue: 0' "$W/T.out" &&
		grep -q '^VQ State: avail_idx=32 last_avail=' "$W/T.out" &&
		grep -q '^Guest: avail_flags=0x1 (NO_INTERRUPT)' "$W/T.out" &&
		grep -q '^Completed: [0-9]* buffers, guest signalled: no' "$W/T.out" &&
		grep -q '^  features=0x0 used_event=' "$W/T.out" ||
		fail "the text blocks lack the banner, state, guest flags or --verbose line$(nt_show T)"
	assert_unloaded C
}

# bad input exits 2 before loading (one line naming the flag, nothing loaded)
case_bad_input() {
	usage_error - --device lo vhost_eventfd_count --device lo
	usage_error - --pid 0 vhost_eventfd_count --pid 0
	usage_error - --interval 0 vhost_eventfd_count --interval 0
	usage_error - --device lo vhost_buf_peek_stats --vm-interface lo
	usage_error - --pid x vhost_buf_peek_stats --pid x
	usage_error - --device "" tun_to_vhost_queue_status_simple_summary --interval 1
	usage_error - --device lo tun_to_vhost_queue_stats_full_summary --device lo
	usage_error - --queue 256 tun_to_vhost_queue_stats_full_summary --device lo --queue 256
	usage_error - --device lo vhost_queue_correlation_details --device lo
	usage_error - --device "" vhost_queue_correlation_simple --verbose
}

nt_case --tag guest --tag newer "vhost tools on vhost-net driven by a user-space virtio-net driver -> vhost_eventfd_count: per queue signals == its call eventfd's count, buffers == used, queue/tap/pid/fd as the driver has them; vhost_buf_peek_stats: each datagram's length once on the rx queue, the empty peeks (no vhost BTF or probes: exit 1 naming it)" case_datapath
nt_case --tag newer "tun_to_vhost_queue_*: the rx backend detached, 20 datagrams wait in the tap's ring -> each transmit's depth 0..19; attached with 32 buffers, one batch -> signals complete 20, 12 left; recv finds the ring emptied (simple, full on kprobes, text)" case_queues
nt_case --tag newer "vhost_queue_correlation_*: completions of the tap's virtqueues -> counts add up to what vhost used, 32 available, signalled exactly when the guest's flags asked (== its call eventfds); details: 30 reads, handle_rx (simple, details on kprobes, text)" case_correlation
nt_case "vhost tools: bad input exits 2 before loading" case_bad_input
nt_done
