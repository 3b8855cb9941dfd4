#!/bin/bash
# Self-test of the lab itself (no nettrail needed): every topology forwards pings, every
# fault drops exactly what it should (checked with ping results and iptables counters),
# link switching and the twin lab work, and clean-up leaves nothing behind.
# Usage: bash tests/lab/selftest.sh      (root)
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lab.sh"

pass=0 fail=0
ok() { echo "ok - $1"; pass=$((pass + 1)); }
notok() { echo "not ok - $1${2:+ ($2)}"; fail=$((fail + 1)); }
check() { # NAME COMMAND...
	local name=$1
	shift
	if "$@"; then ok "$name"; else notok "$name"; fi
}

P=$(lab_prefix l)
T=$(lab_prefix t)
trap 'lab_cleanup "$P"' EXIT

t0=$(date +%s%N)
if ! lab_router_topology2 "$P"; then
	notok "lab_router_topology2 builds"
	echo "0 passed, 1 failed"
	exit 1
fi
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
check "setup of 3 namespaces + 3 links took ${ms} ms (< 1000)" test "$ms" -lt 1000
check "addresses are inside 198.18.0.0/15" bash -c \
	"[[ $LAB_CLIENT_IP == 198.1[89].* && $LAB_SERVER_IP == 198.1[89].* ]]"
check "healthy IPv4 path: 3/3 replies" lab_ping 3
check "healthy IPv6 path: 3/3 replies" lab_ping 3 "$LAB_SERVER_IP6"

counter_is() { [[ $(lab_fault_packets) == "$1" ]]; }
ping_fails() { ! lab_ping "$@"; }

lab_drop_request_forward
check "request drop in router FORWARD: no replies" ping_fails 3
check "request drop counter = 3" counter_is 3
lab_clear_faults
check "faults cleared: replies again" lab_ping 2

lab_drop_reply_forward
check "reply drop in router FORWARD: no replies" ping_fails 3
check "reply drop counter = 3" counter_is 3
lab_clear_faults

lab_drop_request_server_input
check "request drop at server INPUT: no replies" ping_fails 3
check "server INPUT counter = 3" counter_is 3
lab_clear_faults

lab_drop_request6_forward
check "ICMPv6 request drop in router FORWARD: no replies" ping_fails 2 "$LAB_SERVER_IP6"
check "ICMPv6 drop counter = 2" counter_is 2
lab_clear_faults

lab_drop_udp_forward 5555
lab_udp_send "$LAB_CLIENT_NS" "$LAB_CLIENT_IP" 40001 "$LAB_SERVER_IP" 5555 3
lab_udp_send "$LAB_CLIENT_NS" "$LAB_CLIENT_IP" 40001 "$LAB_SERVER_IP" 5556 2
check "UDP drop to port 5555 only: counter = 3" counter_is 3
lab_clear_faults

rx_packets() { ip netns exec "$LAB_ROUTER_NS" cat "/sys/class/net/$1/statistics/rx_packets"; }
tx_packets() { ip netns exec "$LAB_ROUTER_NS" cat "/sys/class/net/$1/statistics/tx_packets"; }
a0=$(rx_packets "$LAB_RX2_IF") b0=$(tx_packets "$LAB_RX2_IF") c0=$(rx_packets "$LAB_RX_IF")
lab_use_link 2
check "link 2: replies" lab_ping 4
a1=$(rx_packets "$LAB_RX2_IF") b1=$(tx_packets "$LAB_RX2_IF") c1=$(rx_packets "$LAB_RX_IF")
check "link 2: requests entered $LAB_RX2_IF (rx +$((a1 - a0)) >= 4)" test $((a1 - a0)) -ge 4
check "link 2: replies left $LAB_RX2_IF (tx +$((b1 - b0)) >= 4)" test $((b1 - b0)) -ge 4
check "link 2: nothing entered $LAB_RX_IF (rx +$((c1 - c0)) < 4)" test $((c1 - c0)) -lt 4
src=$(ip -n "$LAB_CLIENT_NS" route get "$LAB_SERVER_IP" | grep -o 'src [0-9.]*')
check "link 2: client source stays $LAB_CLIENT_IP ($src)" test "$src" = "src $LAB_CLIENT_IP"
lab_use_link 1
a2=$(rx_packets "$LAB_RX2_IF")
check "back on link 1: replies" lab_ping 2
check "back on link 1: $LAB_RX2_IF unused" test "$(rx_packets "$LAB_RX2_IF")" -lt $((a2 + 2))

if lab_twin_topology "$P" "$T"; then
	ok "twin lab builds"
	check "twin: same RX ifindex" test "$(lab_ifindex "$LAB_ROUTER_NS" "$LAB_RX_IF")" = \
		"$(lab_ifindex "$LAB_TWIN_ROUTER_NS" "$LAB_RX_IF")"
	check "twin: same TX ifindex" test "$(lab_ifindex "$LAB_ROUTER_NS" "$LAB_TX_IF")" = \
		"$(lab_ifindex "$LAB_TWIN_ROUTER_NS" "$LAB_TX_IF")"
	check "twin: same client address" test "$(ip -n "$LAB_TWIN_CLIENT_NS" -4 -o addr show dev "$LAB_CLIENT_IF" | awk '{print $4}')" = "$LAB_CLIENT_IP/24"
	check "twin: other netns inode" test "$(lab_netns_inode "$LAB_ROUTER_NS")" != "$(lab_netns_inode "$LAB_TWIN_ROUTER_NS")"
	twin_ping() { ip netns exec "$LAB_TWIN_CLIENT_NS" ping -q -c 2 -i 0.2 -W 1 "$LAB_SERVER_IP" >/dev/null; }
	check "twin: pings" twin_ping
else
	notok "twin lab builds"
fi

# a second lab in parallel gets other addresses
P2=$(lab_prefix m)
if lab_router_topology "$P2"; then
	ip2=$LAB_CLIENT_IP
	lab_cleanup "$P2"
	_lab_vars "$P" "$(_lab_slot_of "$P")"
	check "second lab got other addresses ($ip2 vs $LAB_CLIENT_IP)" test "$ip2" != "$LAB_CLIENT_IP"
else
	notok "second lab builds"
	lab_cleanup "$P2"
fi

t0=$(date +%s%N)
lab_cleanup "$P"
t1=$(date +%s%N)
left=$(ip netns list | grep -c -e "^$P" -e "^$T")
check "cleanup removes all namespaces ($left left, $(((t1 - t0) / 1000000)) ms)" test "$left" = 0
check "cleanup releases the slot" bash -c "! grep -qsx '$P' '$LAB_STATE_DIR'/slot.*/owner"

echo "$pass passed, $fail failed"
[[ $fail == 0 ]]
