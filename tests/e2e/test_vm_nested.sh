#!/bin/bash
# The users' VM datapath end to end (tests/lab/lab_nested.sh): inside a guest of the guest
# tier, a KVM VM whose virtio-net NIC rides on vhost-net over a tap, the tap and a "physical"
# veth in an Open vSwitch kernel datapath, a remote host pinging the VM. Frames from the VM
# reach the tap by vhost's batched path (tun_sendmsg), frames to it leave by tun_net_xmit into
# the ring vhost drains. The VM path's tools trace both ways through the datapath's function
# stages. Guest tier only: the host has no /dev/kvm, vhost-net or openvswitch.
. "$(dirname "$0")/lib.sh"
. "$REPO/tests/lab/lab_nested.sh"

why=
if [[ ${NT_E2E_LIST:-0} != 1 ]]; then
	if ! command -v ovs-dpctl >/dev/null; then
		why="needs ovs-dpctl"
	elif why=$(nested_kvm_ready); then
		nt_shared_lab nested-ovs || { nt_done; exit 1; }
	fi
fi
need_nested() { [[ -z $why ]] || skip "$why"; }

# the OVS stages each packet of a path crosses, as pairs_hold alternatives
OVS_TX=("vnet_rx>netdev_frame_hook" "netdev_frame_hook>ovs_dp_process_packet"
	"ovs_dp_process_packet>ovs_vport_send" "ovs_vport_send>net_dev_queue" "net_dev_queue>net_dev_xmit")
OVS_RX=("netif_receive_skb>netdev_frame_hook" "netdev_frame_hook>ovs_dp_process_packet"
	"ovs_dp_process_packet>ovs_vport_send" "ovs_vport_send>vnet_queue" "vnet_queue>tun_net_xmit")

# pairs_hold T PATH N FROM>TO...: each stage pair of PATH (tx|rx) holds the N packets
pairs_hold() {
	local t=$1 path=$2 n=$3 pair
	shift 3
	for pair in "$@"; do
		assert_jq "$t" "[\$all[] | select(.type == \"interval\") | .$path.stages[]? |
			select(.from == \"${pair%%>*}\" and .to == \"${pair#*>}\") | .latency_us.count] | add == $n" \
			"$path: $pair holds the $n packets"
	done
}

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

nt_case --tag vmhost "vm nested: a KVM VM on vhost-net behind OVS -> vm_network_latency_summary completes every ping both ways, each through the OVS stages" case_nested_summary
nt_case --tag vmhost "vm nested: vm_network_latency_details toward a vhost-net VM -> every request's stages in path order, phy -> OVS -> tap" case_nested_details
nt_done
