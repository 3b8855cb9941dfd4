#!/bin/bash
# The VM path's switch stages (vm_network_latency_summary/details): a "VM" that is a responder
# on a tap (tests/lab/lab_latency.sh latlab_tapvm), its tap and a "physical" veth in a Linux
# bridge or an Open vSwitch kernel datapath, a remote host pinging it. Where function probes
# work (the guest tier) the bridge stages (br_handle_frame, br_forward) or the OVS ones
# (netdev_frame_hook, ovs_dp_process_packet, ovs_vport_send) sit between the tap and the
# physical port on both paths, each with every packet; on this host the switch stages are
# skipped and the device stages still chain. The real VM's cases are in test_vm_lab.sh.
. "$(dirname "$0")/lib.sh"
. "$E2E_DIR/lat_flow_lib.sh"
S=vm_network_latency_summary

# tapvm KIND: the lab for this case
tapvm() {
	local p
	[[ $1 == ovs ]] && { { [[ -d /sys/module/openvswitch ]] || modprobe openvswitch 2>/dev/null; } ||
		skip "no openvswitch module on this kernel (the guest tier has it)"; nt_need ovs-dpctl; }
	p=$(lab_prefix lv) || fail "no lab prefix"
	_NT_LABS+=("$p")
	latlab_tapvm "$p" "$1" || fail "tap VM lab ($1) could not be built"
	cp "$LAB_STATE_DIR/names/$p/responder.pid" "$W/responder.pid"
	_NT_TOOLS+=(responder)          # stopped with the case's tools
}

# 20 pings from the remote host to the tap VM: 20 packets each way through the switch
case_switch() {
	local kind=$1 mode=$2 n=20
	tapvm "$kind"
	# shellcheck disable=SC2046
	nt_start T "$TAPVM_NS" $S --vm-interface "$TAPVM_TAP" --phy-interface "$TAPVM_PHY" \
		--direction both --protocol icmp --stage-latency --interval 600 --json $(nt_mode_args "$mode")
	ip netns exec "$TAPVM_REMOTE_NS" ping -n -q -c $n -i 0.05 -W 2 "$TAPVM_VM_IP" >/dev/null ||
		fail "lab: pings to the tap VM lost"
	nt_stop T INT 10
	assert_exit T 0
	nt_check_json T $S
	echo "# $(grep -o '^Tracing.*' "$W/T.err" | cut -c1-400)"
	assert_jq T "[\$all[] | select(.type == \"interval\")] | last | .tx.completed == $n and .rx.completed == $n" \
		"$n requests to the VM (rx), $n replies (tx)"
	if ! nt_in_guest; then
		# no function probes here: the switch stages are skipped, the device stages chain
		grep -q "skipping stage 'br_handle_frame'" "$W/T.err" || fail "the bridge stage's skip is not said$(nt_show T)"
		pairs_hold T tx $n "vnet_rx>net_dev_queue" "net_dev_queue>net_dev_xmit"
		pairs_hold T rx $n "netif_receive_skb>vnet_queue" "vnet_queue>tun_net_xmit"
	elif [[ $kind == bridge ]]; then
		pairs_hold T tx $n "vnet_rx>br_handle_frame" "br_handle_frame>br_forward|br_handle_frame>br_flood" \
			"br_forward>net_dev_queue|br_flood>net_dev_queue"
		pairs_hold T rx $n "netif_receive_skb>br_handle_frame" "br_handle_frame>br_forward|br_handle_frame>br_flood" \
			"br_forward>vnet_queue|br_flood>vnet_queue"
	else
		pairs_hold T tx $n "vnet_rx>netdev_frame_hook" "netdev_frame_hook>ovs_dp_process_packet" \
			"ovs_dp_process_packet>ovs_vport_send" "ovs_vport_send>net_dev_queue"
		pairs_hold T rx $n "netif_receive_skb>netdev_frame_hook" "ovs_vport_send>vnet_queue"
	fi
	assert_unloaded T
}

# The names of the BPF programs tool T held when it started (nt_start's T.progs), sorted,
# on one line.
progs_of() {
	local id
	while read -r id; do
		bpftool -j prog show id "$id" | jq -r .name
	done <"$W/$1.progs" | sort -u | tr '\n' ' '
}

# Without --stage-latency the summary needs only each path's ends; the two transmits share
# one net_dev_start_xmit program (auto), and in tracepoint mode the two receives one
# netif_receive_skb program: fewer programs, the same packets counted.
case_lean() {
	local mode=$1 n=20 want got
	tapvm bridge
	# shellcheck disable=SC2046
	nt_start T "$TAPVM_NS" $S --vm-interface "$TAPVM_TAP" --phy-interface "$TAPVM_PHY" \
		--direction both --protocol icmp --interval 600 --json $(nt_mode_args "$mode")
	# shellcheck disable=SC2046
	ip netns exec "$TAPVM_NS" "$NT" $S --vm-interface "$TAPVM_TAP" --phy-interface "$TAPVM_PHY" --direction both \
		--dry-run --json $(nt_mode_args "$mode") >"$W/P.out" 2>/dev/null ||
		fail "$mode: --dry-run failed"
	[[ $(jq -r '.stages[] | select(.stage == "tun_net_xmit") | .served_by' "$W/P.out") == net_dev_xmit ]] ||
		fail "$mode: --dry-run does not say tun_net_xmit is served by net_dev_xmit: $(cat "$W/P.out")"
	# the device tracepoints' programs: one of their own (tp_btf: _btf), or stubs (_hand)
	# handing off to the shared engine where the kernel has bpf_rdonly_cast (6.2+)
	local tp
	tp=$(jq -r '.stages[] | select(.stage == "net_dev_xmit") | .program | sub("^nt_lat_xmit"; "")' "$W/P.out")
	case $mode in
	auto) want="nt_lat_rx_tc nt_lat_vrx_tc nt_lat_xmit$tp " ;;
	tracepoint) want="nt_lat_rx$tp nt_lat_xmit$tp " ;;
	esac
	[[ $tp == _hand ]] && want="nt_lat_engine $want"
	want=$(tr ' ' '\n' <<<"$want" | sed '/^$/d' | sort | tr '\n' ' ')
	got=$(progs_of T)
	[[ $got == "$want" ]] || fail "$mode: programs '$got', want '$want'$(nt_show T)"
	ip netns exec "$TAPVM_REMOTE_NS" ping -n -q -c $n -i 0.05 -W 2 "$TAPVM_VM_IP" >/dev/null ||
		fail "lab: pings to the tap VM lost"
	nt_stop T INT 10
	assert_exit T 0
	echo "# $mode: $got"
	assert_jq T "[\$all[] | select(.type == \"interval\")] | last | .tx.completed == $n and .rx.completed == $n" \
		"$n requests to the VM (rx), $n replies (tx), with the path's ends only"
	assert_unloaded T
}

# details in the guest, through the bridge: every stage of each reply, in path order
case_details_bridge() {
	nt_in_guest || skip "the bridge's function stages need kprobe/fentry (the guest tier)"
	tapvm bridge
	nt_start D "$TAPVM_NS" vm_network_latency_details --vm-interface "$TAPVM_TAP" \
		--phy-interface "$TAPVM_PHY" --direction tx --protocol icmp --vm-ip "$TAPVM_VM_IP" --json
	ip netns exec "$TAPVM_REMOTE_NS" ping -n -q -c 5 -i 0.1 -W 2 "$TAPVM_VM_IP" >/dev/null ||
		fail "lab: pings to the tap VM lost"
	nt_wait_events D 5 10
	nt_stop D INT 10
	assert_exit D 0
	assert_jq D "(\$ev | length) == 5 and all(\$ev[]; [.stages[].name] == [\"vnet_rx\", \"br_handle_frame\", \"br_forward\", \"net_dev_queue\", \"net_dev_xmit\"] and .src_ip == \"$TAPVM_VM_IP\")" \
		"5 replies, each tap -> br_handle_frame -> br_forward -> net_dev_queue -> net_dev_xmit"
	assert_unloaded D
}

# auto only: the tap's receive is a tracepoint (or tc) stage; the switch stages take
# fentry where the bridge's module BTF is (6.1, 6.12), else kprobe (5.10)
nt_case --tag guest --tag newer "$S: a tap VM behind a Linux bridge -> both paths through the bridge's stages, each with every packet" case_switch bridge auto
nt_case "$S without --stage-latency: only the path's ends, one program for both transmits -> the same packets both ways [auto]" case_lean auto
nt_case "$S without --stage-latency, tracepoint mode: one program per device tracepoint -> the same packets both ways" case_lean tracepoint
nt_case --tag guest "$S: a tap VM behind an OVS kernel datapath -> both paths through the OVS stages (guest tier)" case_switch ovs auto
nt_case --tag guest "vm_network_latency_details: a tap VM behind a Linux bridge -> every stage of each reply in path order (guest tier)" case_details_bridge
# ---- two VMs on one host: vm_pair_latency through the switch (its gap cases: test_vm_lab.sh) ---

# tappair N INTERVAL: the pair lab for this case (VM A pings VM B N times)
tappair() {
	local p
	p=$(lab_prefix lp) || fail "no lab prefix"
	_NT_LABS+=("$p")
	latlab_tappair "$p" "$@" || fail "tap pair lab could not be built"
	cp "$LAB_STATE_DIR/names/$p/responder.pid" "$W/responder.pid"
	cp "$LAB_STATE_DIR/names/$p/responder-b.pid" "$W/responder-b.pid"
	_NT_TOOLS+=(responder responder-b)
}

# wait_replies N: VM A got N replies from VM B
wait_replies() {
	local i
	for ((i = 0; i < $(_nt_scaled 15) * 10; i++)); do
		(($(grep -c '^got' "$TAPPAIR_A_LOG") >= $1)) && return 0
		sleep 0.1
	done
	fail "VM A got $(grep -c '^got' "$TAPPAIR_A_LOG") of $1 replies"
}

pair_start() {
	local t=$1 tool=$2
	shift 2
	nt_start "$t" "$TAPPAIR_NS" "$tool" --src-vm-interface "$TAPPAIR_A" --dst-vm-interface "$TAPPAIR_B" \
		--json "$@"
}

# VM A pings VM B 20 times: A -> B holds exactly the 20 requests (not B's replies), as one flow
case_pair_counts() {
	local n=20
	LATLAB_PING_GO=$W/go tappair $n 0.05
	pair_start P vm_pair_latency --interval 600 --stage-latency
	touch "$W/go"
	wait_replies $n
	nt_stop P INT 10
	assert_exit P 0
	nt_check_json P vm_pair_latency
	grep -q "from tap $TAPPAIR_A to tap $TAPPAIR_B" "$W/P.err" || fail "the ready line names the taps$(nt_show P)"
	assert_jq P "[\$all[] | select(.type == \"interval\")] | last | .tx.completed == $n and .tx.started == $n and
		(.flows | length) == 1 and .flows[0].src_ip == \"$TAPPAIR_A_IP\" and .flows[0].dst_ip == \"$TAPPAIR_B_IP\"" \
		"$n requests A -> B in one flow, none of B's replies"
	if nt_in_guest; then
		# the first request floods: the bridge has not seen VM B's MAC yet
		pairs_hold P tx $n "vnet_rx>br_handle_frame" "br_handle_frame>br_forward|br_handle_frame>br_flood" \
			"br_forward>net_dev_queue|br_flood>net_dev_queue" "net_dev_queue>net_dev_xmit"
	else
		pairs_hold P tx $n "vnet_rx>net_dev_queue" "net_dev_queue>net_dev_xmit"
	fi
	assert_unloaded P
}

nt_case --tag guest "vm_pair_latency: VM A pings VM B through a bridge -> A -> B holds exactly the requests, one flow (the bridge's stages where function probes work)" case_pair_counts
nt_done
