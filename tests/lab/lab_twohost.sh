# shellcheck shell=bash
# nettrail two-host lab (manual Q7: path tracers on the sender's and the receiver's host).
# Source after tests/lab/lab.sh (uses its slots, namespace and veth helpers):
#
#   P=$(lab_prefix 2h); trap 'lab2_cleanup "$P"' EXIT
#   lab2_topology "$P"
#
#   ${P}c client        ${P}a host A (sender's host)   ${P}n network      ${P}b host B (receiver's host)    ${P}s server
#   c0 ----------------- a0 (A rx)  a1 (A tx) -------- n0   n1 -------------- b0 (B rx)  b1 (B tx) ------------ s0
#   L2_CLIENT_IP                                                                                   L2_SERVER_IP
#
# Hosts A, B and the network namespace forward; client->server traffic enters each host at
# its rx interface and leaves at its tx interface (replies the other way). IPv4 only
# (198.18.0.0/15, one lab slot = four /24s), IPv6 disabled on lab interfaces (no ND/MLD
# noise in interface counters). MTU 1500 everywhere.
#
# Exported: L2_PREFIX L2_CLIENT_NS L2_A_NS L2_NET_NS L2_B_NS L2_SERVER_NS L2_CLIENT_IF
#   L2_A_RX L2_A_TX L2_NET_A L2_NET_B L2_B_RX L2_B_TX L2_SERVER_IF L2_CLIENT_IP L2_SERVER_IP
# Faults (iptables FORWARD in one segment's namespace, comment $LAB_COMMENT):
#   lab2_fault SEG RULE...   SEG = a | net | b; RULE = iptables match args (e.g. -p udp --dport 9)
#   lab2_fault_packets SEG   packets matched by SEG's fault rules so far

_lab2_ns() { # name suffix -> namespace
	echo "${L2_PREFIX}$1"
}

lab2_topology() {
	local p=$1 s n ns
	s=$(_lab_slot_take "$p") || return 1
	n=$((s * 4))
	L2_PREFIX=$p
	L2_CLIENT_NS=${p}c L2_A_NS=${p}a L2_NET_NS=${p}n L2_B_NS=${p}b L2_SERVER_NS=${p}s
	L2_CLIENT_IF=${p}c0 L2_A_RX=${p}a0 L2_A_TX=${p}a1 L2_NET_A=${p}n0 L2_NET_B=${p}n1
	L2_B_RX=${p}b0 L2_B_TX=${p}b1 L2_SERVER_IF=${p}s0
	local n0 n1 n2 n3
	n0=$(_lab_net4 $n) n1=$(_lab_net4 $((n + 1))) n2=$(_lab_net4 $((n + 2))) n3=$(_lab_net4 $((n + 3)))
	L2_CLIENT_IP=$n0.2 L2_SERVER_IP=$n3.2
	export L2_PREFIX L2_CLIENT_NS L2_A_NS L2_NET_NS L2_B_NS L2_SERVER_NS L2_CLIENT_IF L2_A_RX \
		L2_A_TX L2_NET_A L2_NET_B L2_B_RX L2_B_TX L2_SERVER_IF L2_CLIENT_IP L2_SERVER_IP
	for ns in "$L2_CLIENT_NS" "$L2_A_NS" "$L2_NET_NS" "$L2_B_NS" "$L2_SERVER_NS"; do
		_lab_ns_add "$ns" || return 1
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 net.ipv4.ip_forward=1 || return 1
	done
	_lab_veth "$L2_CLIENT_NS" "$L2_CLIENT_IF" "$L2_A_NS" "$L2_A_RX" &&
		_lab_veth "$L2_A_NS" "$L2_A_TX" "$L2_NET_NS" "$L2_NET_A" &&
		_lab_veth "$L2_NET_NS" "$L2_NET_B" "$L2_B_NS" "$L2_B_RX" &&
		_lab_veth "$L2_B_NS" "$L2_B_TX" "$L2_SERVER_NS" "$L2_SERVER_IF" || return 1
	_lab_addr "$L2_CLIENT_NS" "$L2_CLIENT_IF" "$n0.2/24" &&
		_lab_addr "$L2_A_NS" "$L2_A_RX" "$n0.1/24" &&
		_lab_addr "$L2_A_NS" "$L2_A_TX" "$n1.1/24" &&
		_lab_addr "$L2_NET_NS" "$L2_NET_A" "$n1.2/24" &&
		_lab_addr "$L2_NET_NS" "$L2_NET_B" "$n2.1/24" &&
		_lab_addr "$L2_B_NS" "$L2_B_RX" "$n2.2/24" &&
		_lab_addr "$L2_B_NS" "$L2_B_TX" "$n3.1/24" &&
		_lab_addr "$L2_SERVER_NS" "$L2_SERVER_IF" "$n3.2/24" || return 1
	_lab_do ip -n "$L2_CLIENT_NS" route add default via "$n0.1" &&
		_lab_do ip -n "$L2_A_NS" route add default via "$n1.2" &&
		_lab_do ip -n "$L2_NET_NS" route add "$n0.0/24" via "$n1.1" &&
		_lab_do ip -n "$L2_NET_NS" route add "$n3.0/24" via "$n2.2" &&
		_lab_do ip -n "$L2_B_NS" route add default via "$n2.1" &&
		_lab_do ip -n "$L2_SERVER_NS" route add default via "$n3.1" || return 1
	_lab_do ip netns exec "$L2_CLIENT_NS" ping -q -c 1 -W 2 "$L2_SERVER_IP" >/dev/null
}

_lab2_seg_ns() {
	case $1 in
	a) echo "$L2_A_NS" ;;
	net) echo "$L2_NET_NS" ;;
	b) echo "$L2_B_NS" ;;
	*) _lab_err "lab2: segment a|net|b, not '$1'"; return 1 ;;
	esac
}

lab2_fault() {
	local ns
	ns=$(_lab2_seg_ns "$1") || return 1
	shift
	_lab_do ip netns exec "$ns" iptables -w -A FORWARD "$@" -m comment --comment "$LAB_COMMENT" -j DROP
}

lab2_fault_packets() {
	local ns
	ns=$(_lab2_seg_ns "$1") || return 1
	ip netns exec "$ns" iptables -w -S FORWARD -v 2>/dev/null |
		awk -v c="$LAB_COMMENT" 'index($0, c) { for (i = 1; i < NF; i++) if ($i == "-c") s += $(i + 1) } END { print s + 0 }'
}

# lab2_ifstat NS IF rx|tx: packet counter of an interface
lab2_ifstat() {
	ip netns exec "$1" cat "/sys/class/net/$2/statistics/${3}_packets"
}

lab2_cleanup() {
	local p ns
	for p in "$@"; do
		[[ -n $p ]] || continue
		for ns in c a n b s; do
			[[ -e /run/netns/$p$ns ]] && ip netns del "$p$ns" 2>/dev/null
		done
		_lab_slot_release "$p"
		lab_release_prefix "$p"
	done
	return 0
}
