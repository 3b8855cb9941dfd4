#!/usr/bin/env bash
# `make bench` (a benchmark, not a test): per tool, median start->attached wall
# time and peak RSS over several runs, and the kernel's own accounting
# (kernel.bpf_stats_enabled) of ns per BPF program run while iperf3 pushes
# traffic the tool filters out through a lab router; then the overhead part (see
# bench/measure.py), calibrated by empty programs (bench/calibrate.bpf.c).
set -euo pipefail
cd "$(dirname "$0")/.."
NT=${NT:-$PWD/build/nettrail}   # BENCH_PART=overhead: only the overhead comparison, =startup: only
# the start-up table (NT_OLD=OTHER_BINARY beside it; make bench builds Debian 12's libbpf one),
# =vm: only the VM path's overhead on a tap VM (bench/vmtap.py; NT_TAPVM: bench/tapvm.c built);
# OVH_TOOLS=all (or a comma list of tools) for the overhead part; STARTUP_TOOLS=a,b: only
# these tools in the start-up table; STARTUP_GAP=S: each start after S s of a quiet machine
RUNS=${RUNS:-7}
SECS=${SECS:-5}
. tests/lab/lab.sh
[ "$(id -u)" = 0 ] || { echo "bench: run as root" >&2; exit 2; }
command -v iperf3 >/dev/null || { echo "bench: needs iperf3 (make deps)" >&2; exit 2; }

P=$(lab_prefix bench)
V=$(lab_prefix benchvm)
trap 'lab_cleanup "$P" >/dev/null 2>&1 || true; lab_cleanup "$V" >/dev/null 2>&1 || true' EXIT

# The VM path (bench/vmtap.py): a KVM host in miniature (_lab_vm_host: the VM's tap and a
# "physical" veth in a Linux bridge, the veth's peer a remote host) whose VM is a network
# namespace behind bench/tapvm.c, which moves frames between the tap and the guest's own tap
# with virtio-net headers and TSO, as qemu does for a virtio-net NIC without vhost-net.
vm_part() {
	local s remote_ip vm_ip g=${V}g vm_pid
	[[ -x ${NT_TAPVM:-} ]] || { echo "bench: NT_TAPVM (bench/tapvm.c built) is needed for the VM part" >&2; exit 2; }
	s=$(_lab_slot_take "$V") || exit 1
	remote_ip=$(_lab_net4 $((s * 4))).1 vm_ip=$(_lab_net4 $((s * 4))).2
	_lab_vm_host "$V" bridge "$remote_ip" "$vm_ip" 00:00:00:00:00:00 vnet_hdr || exit 1
	_lab_ns_add "$g" || exit 1
	coproc VMNIC { exec ip netns exec "${V}r" "$NT_TAPVM" "${V}t0" "$g" "${V}g0"; }
	vm_pid=$VMNIC_PID
	read -r -t 5 ready <&"${VMNIC[0]}" && [[ $ready == ready ]] ||
		{ echo "bench: the tap VM's NIC did not start" >&2; exit 1; }
	_lab_addr "$g" "${V}g0" "$vm_ip/24" || exit 1
	ip netns exec "${V}c" ping -q -c 1 -W 2 "$vm_ip" >/dev/null ||
		{ echo "bench: the tap VM does not answer pings" >&2; exit 1; }
	VMT_HOST_NS=${V}r VMT_REMOTE_NS=${V}c VMT_GUEST_NS=$g VMT_PHY=${V}r0 VMT_TAP=${V}t0 \
		VMT_VM_IP=$vm_ip /usr/bin/python3 bench/vmtap.py "$NT" || { kill "$vm_pid"; exit 1; }
	kill "$vm_pid"
	wait "$vm_pid" 2>/dev/null
}
if [[ ${BENCH_PART:-} == vm ]]; then
	vm_part
	exit 0
fi
lab_router_topology "$P"
# UDP to port 9 is dropped in the router's FORWARD chain: drops eth_drop sees
# and filters out (it is told to watch another source address).
ip netns exec "$LAB_ROUTER_NS" iptables -A FORWARD -p udp --dport 9 -j DROP
# A conntrack match makes conntrack track the router's traffic (its hooks are
# registered per namespace on demand), as on a firewall trace_conntrack is
# pointed at; healthy traffic is never INVALID, so nothing else changes.
ip netns exec "$LAB_ROUTER_NS" iptables -A FORWARD -m conntrack --ctstate INVALID -j DROP

# Two taps in the router (no VM behind them): the interfaces the VM tools start on.
LAB_TAP0=${P}tap0 LAB_TAP1=${P}tap1
for t in "$LAB_TAP0" "$LAB_TAP1"; do
	ip netns exec "$LAB_ROUTER_NS" ip tuntap add dev "$t" mode tap &&
		ip netns exec "$LAB_ROUTER_NS" ip link set "$t" up || exit 1
done
export LAB_CLIENT_NS LAB_ROUTER_NS LAB_SERVER_NS LAB_CLIENT_IP LAB_SERVER_IP LAB_RX_IF LAB_TX_IF \
	LAB_CLIENT_IF LAB_SERVER_IF LAB_TAP0 LAB_TAP1
# the start-up table (bench/startup.py: every tool, NT_STARTUP (make bench: the static
# binary; default NT) beside NT_OLD and the NT_FLOOR skeleton), then ns per program run and
# the overhead part (bench/measure.py)
[[ ${BENCH_PART:-} == overhead ]] || /usr/bin/python3 bench/startup.py "${NT_STARTUP:-$NT}" "$RUNS"
[[ ${BENCH_PART:-} == startup ]] || /usr/bin/python3 bench/measure.py "$NT" "$RUNS" "$SECS"
[[ -n ${BENCH_PART:-} ]] || vm_part
