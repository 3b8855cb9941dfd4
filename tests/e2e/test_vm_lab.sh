#!/bin/bash
# A real VM on this host (tests/lab/lab_vm.sh): a qemu guest whose virtio-net NIC is backed
# by a tap in a bridge with a "physical" veth to a remote host, as on a KVM host. Phase 1 of
# the manual's VM scenario (1.2 scenario 3) on it: icmp_path_tracer on the VM's host sees
# every exchange enter on the physical port, leave on the tap, and the VM's reply come back
# through the tap; a delay made inside the VM shows as the external segment, not the host's.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

nt_shared_lab vm || { nt_done; exit 1; }

tracer() {
	local t=$1
	shift
	nt_start "$t" "$LAB_ROUTER_NS" icmp_path_tracer --src-ip "$LAB_CLIENT_IP" \
		--dst-ip "$LAB_SERVER_IP" --rx-iface "$LAB_RX_IF" --tx-iface "$LAB_TX_IF" --json \
		--timeout-ms 2000 "$@"
}

finish() {
	nt_stop "$1" INT 10
	assert_exit "$1" 0
	nt_check_json "$1" icmp_path_tracer
	assert_unloaded "$1"
}

# pings N ID INTERVAL: N pings from the remote host to the VM with echo id ID, all answered
pings() {
	ip netns exec "$LAB_CLIENT_NS" ping -n -q -c "$1" -i "$3" -W 3 -e "$2" "$LAB_SERVER_IP" \
		>"$W/ping.$2" 2>&1 || fail "lab: pings to the VM lost replies: $(cat "$W/ping.$2")"
}

# the smallest external segment of T's COMPLETE exchanges, in us: a TCG guest answers late
# now and then (its vCPU is a host thread), never early, so minimums compare cleanly
min_external() {
	jq -s '[.[] | select(.type == "event" and .status == "COMPLETE") | .external_us] | min' \
		"$W/$1.out"
}

case_vm_path() {
	local id=$((RANDOM % 50000 + 10000))
	tracer T
	pings 10 "$id" 0.1
	nt_wait_events T 10 15
	finish T
	echo "# VM kernel $LAB_VM_KERNEL, tap $LAB_TX_IF, physical port $LAB_RX_IF"
	assert_jq T "\$ev | length == 10 and all(\$ev[]; .status == \"COMPLETE\" and .id == $id)" \
		"10 exchanges with echo id $id, all COMPLETE"
	assert_jq T "all(\$ev[]; [.stages[] | .name + \"@\" + .iface] == [\"REQ_RX@$LAB_RX_IF\", \"REQ_TX@$LAB_TX_IF\", \"REP_RX@$LAB_TX_IF\", \"REP_TX@$LAB_RX_IF\"])" \
		"request in on the physical port, out on the tap; the VM's reply in on the tap, out on the physical port"
	assert_jq T "\$sum.exchanges == 10 and \$sum.lost_events == 0" "summary: 10 exchanges, none lost"
}

# netem inside the VM delays its replies by D: every exchange's time outside the host (the
# VM) is at least D, the least of them grows by D (+-10 %), the host's segments stay far
# below it
case_vm_delay() {
	local d_ms=100 base with want id=$((RANDOM % 50000 + 10000))
	tracer B
	pings 20 "$id" 0.1
	nt_wait_events B 20 15
	finish B
	base=$(min_external B)
	labvm_exec "tc qdisc add dev eth0 root netem delay ${d_ms}ms" || fail "VM: cannot add netem"
	# shellcheck disable=SC2064 # the delay goes with the case, also when it fails
	trap "labvm_exec 'tc qdisc del dev eth0 root' >/dev/null; _nt_case_cleanup" EXIT
	tracer T
	pings 20 $((id + 1)) 0.2
	nt_wait_events T 20 20
	finish T
	with=$(min_external T)
	want=$((d_ms * 1000))
	echo "# least external segment: baseline ${base} us, with netem ${d_ms} ms in the VM ${with} us"
	assert_jq T "all(\$ev[]; .external_us >= $want)" "every exchange spent at least D outside the host"
	jq -n --argjson b "$base" --argjson w "$with" --argjson d "$want" \
		'(($w - $b) - $d) | fabs <= ($d * 0.10)' | grep -qx true ||
		fail "the least external segment grew by $(jq -n "$with - $base") us, want ${want} us +-10 %"
	assert_jq T "all(\$ev[]; .internal_req_us < $((want / 2)) and .internal_rep_us < $((want / 2)))" \
		"no exchange has the VM's delay in a host segment"
	assert_jq T "([\$ev[].internal_req_us] | sort | .[length / 2 | floor]) < $((want / 10)) and
		([\$ev[].internal_rep_us] | sort | .[length / 2 | floor]) < $((want / 10))" \
		"the median host segments are below D/10"
}

nt_case "vm lab: icmp_path_tracer on a real VM's host -> in on the physical port, out on the tap, the VM's reply back through the tap" case_vm_path
nt_case "vm lab: netem D inside the VM -> each exchange >= D outside the host, the least grows by D (+-10 %), the host's segments do not" case_vm_delay
nt_done
