#!/bin/bash
# The users' VM datapath end to end (tests/lab/lab_nested.sh): inside a guest of the guest
# tier, a KVM VM whose virtio-net NIC rides on vhost-net over a tap, the tap and a "physical"
# veth in an Open vSwitch kernel datapath, a remote host pinging the VM. Frames from the VM
# reach the tap by vhost's batched path (tun_sendmsg), frames to it leave by tun_net_xmit into
# the ring vhost drains. The VM path's tools trace both ways through the datapath's function
# stages. Guest tier only: the host has no /dev/kvm, vhost-net or openvswitch.
. "$(dirname "$0")/lib.sh"
. "$REPO/tests/lab/lab_nested.sh"
. "$E2E_DIR/lat_flow_lib.sh"

why=
if [[ ${NT_E2E_LIST:-0} != 1 ]]; then
	if ! command -v ovs-dpctl >/dev/null; then
		why="needs ovs-dpctl"
	elif why=$(nested_kvm_ready); then
		nt_shared_lab nested-ovs || { nt_case --tag vmhost "vm nested: tun_ring_monitor on a paused vhost-net VM's tap -> one FULL event per dropped packet == the tap's tx_dropped == FULL_RING drops; resumed, it answers" case_nested_ring_full
nt_done; exit 1; }
	fi
fi
need_nested() { [[ -z $why ]] || skip "$why"; }

# the OVS stages each packet of a path crosses, as pairs_hold alternatives
OVS_TX=("vnet_rx>netdev_frame_hook" "netdev_frame_hook>ovs_dp_process_packet"
	"ovs_dp_process_packet>ovs_vport_send" "ovs_vport_send>net_dev_queue" "net_dev_queue>net_dev_xmit")
OVS_RX=("netif_receive_skb>netdev_frame_hook" "netdev_frame_hook>ovs_dp_process_packet"
	"ovs_dp_process_packet>ovs_vport_send" "ovs_vport_send>vnet_queue" "vnet_queue>tun_net_xmit")

# pings N INTERVAL: the remote host pings the nested VM, every one answered
pings() {
	ip netns exec "$NESTED_REMOTE_NS" ping -n -q -c "$1" -i "$2" -W 3 "$NESTED_VM_IP" >"$W/ping.out" 2>&1 ||
		fail "lab: pings to the nested VM lost replies: $(cat "$W/ping.out")"
}

# 30 pings from the remote host: the VM's 30 replies leave it (tx: vhost -> tap -> OVS -> the
# physical port), the 30 requests reach it (rx: the physical port -> OVS -> the tap's ring),
# every packet through each OVS stage
case_nested_summary() {
	local n=30
	need_nested
	nt_start S "$NESTED_NS" vm_network_latency_summary --vm-interface "$NESTED_TAP" \
		--phy-interface "$NESTED_PHY" --direction both --protocol icmp --stage-latency \
		--interval 600 --json
	pings $n 0.05
	nt_stop S INT 10
	assert_exit S 0
	nt_check_json S vm_network_latency_summary
	echo "# $(grep -o '^Tracing.*' "$W/S.err" | cut -c1-400)"
	assert_jq S "[\$all[] | select(.type == \"interval\")] | last | .tx.completed == $n and .rx.completed == $n and
		.tx.started == $n and .rx.started == $n" "$n replies out of the VM (tx), $n requests into it (rx)"
	pairs_hold S tx $n "${OVS_TX[@]}"
	pairs_hold S rx $n "${OVS_RX[@]}"
	assert_unloaded S
}

# details, toward the VM: each request's every stage in path order, on the lab's devices
case_nested_details() {
	need_nested
	nt_start D "$NESTED_NS" vm_network_latency_details --vm-interface "$NESTED_TAP" \
		--phy-interface "$NESTED_PHY" --direction rx --protocol icmp --vm-ip "$NESTED_VM_IP" --json
	pings 5 0.1
	nt_wait_events D 5 10
	nt_stop D INT 10
	assert_exit D 0
	assert_jq D "(\$ev | length) == 5 and all(\$ev[]; .direction == \"rx\" and .dst_ip == \"$NESTED_VM_IP\" and
		[.stages[].name] == [\"netif_receive_skb\", \"netdev_frame_hook\", \"ovs_dp_process_packet\", \"ovs_vport_send\", \"vnet_queue\", \"tun_net_xmit\"] and
		.stages[0].iface == \"$NESTED_PHY\" and (.stages | last | .iface == \"$NESTED_TAP\"))" \
		"5 requests, physical port -> OVS -> the tap's queue -> tun_net_xmit"
	assert_unloaded D
}

tap_dropped() { ip netns exec "$NESTED_NS" cat "/sys/class/net/$NESTED_TAP/statistics/tx_dropped"; }

# The VM stops taking its packets (its vCPU paused, so its driver posts no receive buffers):
# vhost-net fills the buffers the VM had posted, then the tap's ring fills, and every later
# packet finds it full and is dropped. tun_ring_monitor reports each one FULL, as many as the
# tap's tx_dropped counter (and the kernel's FULL_RING drops); resumed, the VM answers again.
case_nested_ring_full() {
	local n=1500 before after dropped
	need_nested
	nt_start T "$NESTED_NS" tun_ring_monitor --device "$NESTED_TAP" --json --interval 600
	nested_vm_monitor stop || fail "lab: cannot pause the nested VM"
	# shellcheck disable=SC2064
	trap "nested_vm_monitor cont; _nt_case_cleanup" EXIT
	before=$(tap_dropped)
	ip netns exec "$NESTED_REMOTE_NS" /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(int(sys.argv[2])):
    s.sendto(b"nettrail-ring %d" % i, (sys.argv[1], 9))' "$NESTED_VM_IP" $n || fail "lab: datagrams not sent"
	sleep 1
	after=$(tap_dropped)
	dropped=$((after - before))
	echo "# the paused VM's tap dropped $dropped of $n datagrams (ring $NESTED_RING)"
	((dropped > 0 && dropped < n)) || fail "lab: the paused VM's tap dropped $dropped of $n"
	nt_wait_events T $dropped 15
	nested_vm_monitor cont || fail "lab: cannot resume the nested VM"
	pings 3 0.2
	nt_stop T INT 10
	assert_exit T 0
	nt_check_json T tun_ring_monitor
	assert_jq T "(\$ev | length) == $dropped and all(\$ev[]; .status == \"FULL\" and .size == $NESTED_RING and
		.used == $NESTED_RING and .dst_ip == \"$NESTED_VM_IP\" and .dst_port == 9)" \
		"one FULL event per dropped datagram ($dropped), ring $NESTED_RING all used, the VM's flow"
	assert_jq T "\$sum.queues | length == 1 and .[0].full == $dropped and .[0].drops_full_ring == $dropped and
		.[0].max_used == $NESTED_RING" "summary: $dropped full, the kernel's FULL_RING drops the same"
	assert_unloaded T
}

nt_case --tag vmhost "vm nested: a KVM VM on vhost-net behind OVS -> vm_network_latency_summary completes every ping both ways, each through the OVS stages" case_nested_summary
nt_case --tag vmhost "vm nested: vm_network_latency_details toward a vhost-net VM -> every request's stages in path order, phy -> OVS -> tap" case_nested_details
nt_case --tag vmhost "vm nested: tun_ring_monitor on a paused vhost-net VM's tap -> one FULL event per dropped packet == the tap's tx_dropped == FULL_RING drops; resumed, it answers" case_nested_ring_full
nt_done
