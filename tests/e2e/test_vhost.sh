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

vhost_usable() { [[ -c /dev/vhost-net ]] || modprobe vhost_net 2>/dev/null; [[ -c /dev/vhost-net ]]; }

# Where they cannot run, they say what they lack and exit 1: the host tier (no function
# probes, no vhost), 5.10 (vhost's types: modules carry BTF from 5.11 on).
expect_refusal() {
	local t
	for t in vhost_eventfd_count vhost_buf_peek_stats; do
		nt_run_bg V - $t --json
		nt_wait_exit V 15
		assert_exit V 1
		grep -Eq "cannot trace stage '(used|peek)'.*(vhost_add_used_and_signal_n|vhost_net_buf_peek)|struct vhost_virtqueue is in no BTF of this kernel.*--btf FILE" "$W/V.err" ||
			fail "$t: no line naming the missing probe or vhost's BTF$(nt_show V)"
		echo "# $(uname -r): $(head -c 300 "$W/V.err")"
	done
}

# 20 datagrams into 32 posted buffers, then 5 frames out, then 10 more datagrams with the
# rx queue's interrupts off. vhost_eventfd_count: per queue signals == the call eventfd's
# count, buffers == what vhost used, the queue found as the driver has it (index, tap, qemu
# pid, the call eventfd's fd); with interrupts off, completions without a signal.
# vhost_buf_peek_stats: on the rx queue, each datagram's length once (56 bytes: 20 of
# them, 57: 10), and the peeks that found nothing.
case_datapath() {
	local st pid rx tx
	if ! vhost_usable || { [[ ! -e /sys/kernel/btf/vhost ]] && [[ -e /sys/kernel/btf/vmlinux ]] &&
		grep -q '/vhost\.ko' "/lib/modules/$(uname -r)/modules.dep" 2>/dev/null; }; then
		expect_refusal
		return 0
	fi
	nt_case_lab ve tunlab_topology 64 vhost
	nt_start V "$TUNLAB_NS" vhost_eventfd_count --json --interval 600
	# the text instances by kprobe (kretprobe for the peek), the JSON ones in auto (fentry, fexit)
	nt_start X "$TUNLAB_NS" vhost_eventfd_count --device "$TUNLAB_TAP" --clear --interval 600 \
		--attach-mode kprobe
	nt_start P "$TUNLAB_NS" vhost_buf_peek_stats --json --interval 600
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
	nt_stop V INT 10
	nt_stop X INT 10
	nt_stop P INT 10
	nt_stop Q INT 10
	assert_exit V 0
	assert_exit X 0
	assert_exit P 0
	assert_exit Q 0
	nt_check_json V vhost_eventfd_count
	local rows="\$sum.queues | map(select(.tap == \"$TUNLAB_TAP\"))"
	assert_jq V "$rows | length == 2" "two queues behind the tap"
	assert_jq V "$rows | .[0] | .role == \"rx\" and .index == 0 and .tap_queue == 0 and
		.owner_pid == $pid and .call_fd == $(jq .call_fd <<<"$rx") and .used == 30 and
		.signals == $(jq .signals <<<"$rx") and .signals > 0 and .calls > .signals" \
		"rx: 30 buffers, signals == the call eventfd's count, the driver's pid and call fd; completions without a signal while its interrupts were off"
	assert_jq V "$rows | .[1] | .role == \"tx\" and .index == 1 and .owner_pid == $pid and
		.call_fd == $(jq .call_fd <<<"$tx") and .used == 5 and .signals == $(jq .signals <<<"$tx") and
		.signals > 0" "tx: 5 buffers, signals == the call eventfd's count, the driver's call fd"
	grep -Eq "^  $pid +rx +$TUNLAB_TAP:0 +0x[0-9a-f]+ +0x[0-9a-f]+ +$(jq .call_fd <<<"$rx") " "$W/X.out" ||
		fail "the text table lacks the rx queue's row (owner, role, tap, pointers, fd)$(nt_show X)"
	grep -q 'vhost signals per virtqueue (whole run)' "$W/X.out" || fail "no final table$(nt_show X)"
	grep -q 'used=kprobe:vhost_add_used_and_signal_n signal=kprobe:eventfd_signal' "$W/X.err" ||
		fail "the text instance is not on kprobes$(nt_show X)"
	assert_unloaded V
	# vhost_buf_peek_stats
	nt_check_json P vhost_buf_peek_stats
	local peeks="\$sum.queues | map(select(.tap == \"$TUNLAB_TAP\"))"
	assert_jq P "$peeks | length == 1 and (.[0] | .role == \"rx\" and .index == 0 and .owner_pid == $pid and
		([.returns[] | select(.ret > 0) | [.ret, .count]] == [[56, 20], [57, 10]]) and
		.empty > 0 and ([.returns[] | select(.ret == 0) | .count] == [.empty]) and
		.calls == 30 + .empty and .bytes == 20 * 56 + 10 * 57)" \
		"rx queue: each datagram's length once (56 x 20, 57 x 10), the empty peeks, calls == 30 + empty"
	grep -Eq "^NVQ: 0x[0-9a-f]+ \(qemu $pid, rx, tap $TUNLAB_TAP:0\)" "$W/Q.out" &&
		grep -Eq '^  ret=56: 20 \([0-9.]+%\)' "$W/Q.out" ||
		fail "the text lacks the queue's block in the manual's shape (kretprobe)$(nt_show Q)"
	assert_unloaded P
}

# bad input exits 2 before loading (one line naming the flag, nothing loaded)
case_bad_input() {
	usage_error - --device lo vhost_eventfd_count --device lo
	usage_error - --pid 0 vhost_eventfd_count --pid 0
	usage_error - --interval 0 vhost_eventfd_count --interval 0
	usage_error - --device lo vhost_buf_peek_stats --vm-interface lo
	usage_error - --pid x vhost_buf_peek_stats --pid x
}

nt_case --tag guest --tag newer "vhost tools on vhost-net driven by a user-space virtio-net driver -> vhost_eventfd_count: per queue signals == its call eventfd's count, buffers == used, queue/tap/pid/fd as the driver has them; vhost_buf_peek_stats: each datagram's length once on the rx queue, the empty peeks (no vhost BTF or probes: exit 1 naming it)" case_datapath
nt_case "vhost_eventfd_count, vhost_buf_peek_stats: bad input exits 2 before loading" case_bad_input
nt_done
