#!/bin/bash
# Guest-side smoke check of the guest tier: run inside the guest with
#   tests/vm/run-guest.sh -- bash tests/vm/smoke.sh
# Checks that what the guest-tier tests rely on is there: kernel BTF, kprobes,
# fentry-capable kernel, tracefs, bpffs, veth + netns lab, netfilter (iptables
# and nft), netem, bonding, the OVS kernel datapath, host tools through the
# overlay.  Prints "ok - X" / "not ok - X" per check and "N passed, N failed".
set -u
pass=0 fail=0
P=ntvmsmk$$ # unique prefix for namespaces and links
ok() { echo "ok - $1"; pass=$((pass + 1)); }
nok() { echo "not ok - $1${2:+ ($2)}"; fail=$((fail + 1)); }
check() { # name command...
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then ok "$name"; else nok "$name" "$(echo "$out" | tail -n 1)"; fi
}
cleanup() {
	ip netns del "${P}a" 2>/dev/null
	ip netns del "${P}b" 2>/dev/null
	ip link del "${P}br" 2>/dev/null
	ip link del "${P}bond" 2>/dev/null
	true
}
trap cleanup EXIT

[ "${NT_GUEST:-}" = 1 ] || { echo "smoke.sh: run me inside the guest (tests/vm/run-guest.sh -- bash $0)" >&2; exit 2; }
echo "# kernel $(uname -r), $(nproc) cpus, $(awk '/MemTotal/ {print $2 " kB"}' /proc/meminfo)"

check "running as root" test "$(id -u)" = 0
check "kernel BTF at /sys/kernel/btf/vmlinux" test -s /sys/kernel/btf/vmlinux
check "kprobe PMU" test -d /sys/bus/event_source/devices/kprobe
check "tracefs kprobe_events" test -w /sys/kernel/tracing/kprobe_events
check "available_filter_functions readable" grep -qm1 . /sys/kernel/tracing/available_filter_functions
# The skb drop function has a different name per kernel: kfree_skb (< 5.17),
# kfree_skb_reason (5.17 .. 6.10), sk_skb_reason_drop (6.11 on).
drop_fn=$(grep -owE 'sk_skb_reason_drop|kfree_skb_reason|kfree_skb' /sys/kernel/tracing/available_filter_functions | sort -u | tr '\n' ' ' | sed 's/ $//')
check "an skb drop function is traceable (${drop_fn:-none})" test -n "$drop_fn"
check "bpffs mounted" grep -q ' /sys/fs/bpf bpf ' /proc/mounts
check "no lockdown" sh -c '! grep -q "\[integrity\]\|\[confidentiality\]" /sys/kernel/security/lockdown 2>/dev/null'
check "classic kprobe via kprobe_events" sh -c '
	cd /sys/kernel/tracing &&
	echo "p:ntvm_smoke ip_rcv" >> kprobe_events &&
	test -d events/kprobes/ntvm_smoke &&
	echo "-:ntvm_smoke" >> kprobe_events'
check "repository at the host path" test -f "$NT_GUEST_REPO/tests/vm/run-guest.sh"
check "/usr/bin/python3 runs" /usr/bin/python3 -c 'import json'
check "tmp is a fresh tmpfs" sh -c 'grep -q " /tmp tmpfs " /proc/mounts'

# Two namespaces over veth, addresses from the benchmarking range.
check "netns + veth lab" sh -c "
	ip netns add ${P}a && ip netns add ${P}b &&
	ip link add ${P}x netns ${P}a type veth peer name ${P}y netns ${P}b &&
	ip -n ${P}a addr add 198.18.0.1/24 dev ${P}x && ip -n ${P}a link set ${P}x up &&
	ip -n ${P}b addr add 198.18.0.2/24 dev ${P}y && ip -n ${P}b link set ${P}y up &&
	ip netns exec ${P}a ping -c 2 -i 0.2 -W 2 198.18.0.2"
check "iptables DROP in a namespace" sh -c "
	ip netns exec ${P}b iptables -A INPUT -p icmp -j DROP &&
	! ip netns exec ${P}a ping -c 1 -W 1 198.18.0.2 &&
	ip netns exec ${P}b iptables -D INPUT -p icmp -j DROP"
check "iptables statistic match" ip netns exec "${P}b" iptables -A INPUT -m statistic --mode random --probability 0.5 -j ACCEPT
check "nft table" ip netns exec "${P}b" nft add table inet "${P}t"
check "netem delay" sh -c "
	ip netns exec ${P}b tc qdisc add dev ${P}y root netem delay 50ms &&
	ip netns exec ${P}a ping -c 2 -i 0.2 -W 2 198.18.0.2 | grep -q 'time=[5-9][0-9]'"
check "bonding device" sh -c "ip link add ${P}bond type bond mode active-backup && ip link del ${P}bond"
check "bridge device" sh -c "ip link add ${P}br type bridge && ip link del ${P}br"
check "openvswitch datapath module" test -d /sys/module/openvswitch
if command -v ovs-dpctl >/dev/null; then
	check "OVS kernel datapath" sh -c "ovs-dpctl add-dp ${P}dp && ovs-dpctl del-dp ${P}dp"
fi
check "tun device" sh -c "ip tuntap add ${P}t mode tap && ip link del ${P}t"
if command -v bpftool >/dev/null; then
	check "bpftool sees the kernel" bpftool -j feature probe kernel
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
