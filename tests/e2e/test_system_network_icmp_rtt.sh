#!/bin/bash
# system_network_icmp_rtt end-to-end (cases in lat_icmp_cases.sh)
. "$(dirname "$0")/lib.sh"
LAT_TOOL=system_network_icmp_rtt LAT_IFFLAG=--phy-interface LAT_GUEST_MODES=kprobe
. "$E2E_DIR/lat_icmp_cases.sh"
case_needs_phy() {
	"$NT" system_network_icmp_rtt --src-ip 198.18.0.1 --dst-ip 198.18.0.2 >"$W/out" 2>"$W/err"
	assert_eq "exit without --phy-interface" "$?" 2
	grep -q -- '--phy-interface' "$W/err" || fail "error does not name --phy-interface: $(cat "$W/err")"
}
nt_case "system_network_icmp_rtt: --phy-interface is required" case_needs_phy

# Open vSwitch (guest tier: the openvswitch module): the host's address on the datapath's
# internal port, the physical port a veth (tests/lab/lab_latency.sh latlab_ovs). The OVS
# stages attach and stamp each exchange in the datapath's order on both paths.
case_ovs() {
	local p n=5 want
	nt_ovs_lab p
	nt_start T "$OVSLAB_NS" system_network_icmp_rtt --src-ip "$OVSLAB_HOST_IP" \
		--dst-ip "$OVSLAB_PEER_IP" --phy-interface "$OVSLAB_PHY" --direction tx --json
	grep -q 'ovs_dp_process_packet=' "$W/T.err" || fail "the ready line names no OVS stage: $(cat "$W/T.err")"
	ip netns exec "$OVSLAB_NS" ping -n -q -c $n -i 0.2 -W 2 "$OVSLAB_PEER_IP" >/dev/null ||
		fail "pings through the datapath failed"
	nt_wait_events T $n 10
	nt_stop T INT
	assert_exit T 0
	nt_check_json T system_network_icmp_rtt
	want='["ip_output","internal_dev_xmit","ovs_dp_process_packet","ovs_vport_send","net_dev_queue","net_dev_xmit"]'
	assert_jq T "[\$ev[] | [.stages[] | select(.path == \"request\") | .name] | map(select(. as \$s | $want | index(\$s))) == $want] | all" \
		"request: ip_output -> internal_dev_xmit -> ovs_dp_process_packet -> ovs_vport_send -> net_dev_queue -> net_dev_xmit"
	want='["netif_receive_skb","netdev_frame_hook","ovs_dp_process_packet","ovs_vport_send","ip_rcv","icmp_rcv"]'
	assert_jq T "[\$ev[] | [.stages[] | select(.path == \"reply\") | .name] | map(select(. as \$s | $want | index(\$s))) == $want] | all" \
		"reply: netif_receive_skb -> netdev_frame_hook -> ovs_dp_process_packet -> ovs_vport_send -> ip_rcv -> icmp_rcv"
	assert_jq T "[\$ev[] | .stages[] | select(.name == \"internal_dev_xmit\" or .name == \"ip_rcv\") | .iface] | unique == [\"${p}dp\"]" \
		"internal port stages on the datapath's internal port"
	assert_jq T "[\$ev[] | .stages[] | select(.name == \"netdev_frame_hook\" or .name == \"net_dev_xmit\") | .iface] | unique == [\"$OVSLAB_PHY\"]" \
		"physical port stages on the veth"
	assert_jq T "\$sum.exchanges.completed == $n and \$sum.exchanges.reported == $n and \$sum.lost_events == 0" \
		"summary counts"
}
nt_case --tag guest --tag newer "system_network_icmp_rtt: OVS datapath (internal port -> flow -> physical port) -> OVS stages in order on both paths (guest tier)" case_ovs
nt_done
