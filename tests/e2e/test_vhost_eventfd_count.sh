#!/bin/bash
# vhost_eventfd_count end to end (tests/lab/lab_tun.sh with vhost): a tap whose reader is
# vhost-net itself, the "guest" a virtio-net driver in user space (tests/lab/vhost_user.py)
# that posts receive buffers, queues frames and reads its queues' call eventfds. vhost's
# worker runs its real path (handle_rx, handle_tx, vhost_add_used_and_signal_n, the signal);
# the eventfd counters the driver reads are the ground truth of the signals, its fd numbers
# and pid that of who each queue is.
. "$(dirname "$0")/lib.sh"
. "$REPO/tests/lab/lab_tun.sh"

vhost_usable() { [[ -c /dev/vhost-net ]] || modprobe vhost_net 2>/dev/null; [[ -c /dev/vhost-net ]]; }

# Where it cannot run, it says what it lacks and exits 1: the host tier (no function
# probes, no vhost), 5.10 (vhost's types: modules carry BTF from 5.11 on).
expect_refusal() {
	nt_run_bg V - vhost_eventfd_count --json
	nt_wait_exit V 15
	assert_exit V 1
	grep -Eq "cannot trace stage 'used'.*vhost_add_used_and_signal_n|struct vhost_virtqueue is in no BTF of this kernel.*--btf FILE" "$W/V.err" ||
		fail "no line naming the missing probe or vhost's BTF$(nt_show V)"
	echo "# $(uname -r): $(head -c 300 "$W/V.err")"
}

# 20 datagrams into 32 posted buffers, then 5 frames out, then 10 more datagrams with the
# rx queue's interrupts off: per queue the tool's signals == the call eventfd's count, its
# buffers == what vhost used, and the queue is found as the driver has it (index, tap,
# qemu pid, the call eventfd's fd); with interrupts off, completions without a signal.
case_signals() {
	local st pid rx tx
	if ! vhost_usable || { [[ ! -e /sys/kernel/btf/vhost ]] && [[ -e /sys/kernel/btf/vmlinux ]] &&
		grep -q '/vhost\.ko' "/lib/modules/$(uname -r)/modules.dep" 2>/dev/null; }; then
		expect_refusal
		return 0
	fi
	nt_case_lab ve tunlab_topology 64 vhost
	nt_start V "$TUNLAB_NS" vhost_eventfd_count --json --interval 600
	nt_start X "$TUNLAB_NS" vhost_eventfd_count --device "$TUNLAB_TAP" --clear --interval 600
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
	assert_exit V 0
	assert_exit X 0
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
	assert_unloaded V
}

# bad input exits 2 before loading (one line naming the flag, nothing loaded)
case_bad_input() {
	usage_error - --device lo vhost_eventfd_count --device lo
	usage_error - --pid 0 vhost_eventfd_count --pid 0
	usage_error - --interval 0 vhost_eventfd_count --interval 0
}

nt_case --tag guest --tag newer "vhost_eventfd_count: a user-space virtio-net driver on vhost-net -> per queue signals == its call eventfd's count, buffers == used, queue/tap/pid/fd as the driver has them (no vhost BTF or probes: exit 1 naming it)" case_signals
nt_case "vhost_eventfd_count: bad input exits 2 before loading" case_bad_input
nt_done
