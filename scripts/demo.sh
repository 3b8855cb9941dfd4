#!/usr/bin/env bash
# `make demo`: the two-phase method on a lab with an injected fault.
#   client -- router -- server in network namespaces; the router's firewall
#   starts dropping echo replies. icmp_path_tracer (phase 1, boundary) says the
#   loss is inside the router on the reply path; eth_drop (phase 2, details)
#   names the reason, the dropping function and the kernel stack.
set -euo pipefail
cd "$(dirname "$0")/.."
NT=${NT:-$PWD/build/nettrail}
. tests/lab/lab.sh

[ "$(id -u)" = 0 ] || { echo "demo: run as root (BPF programs, namespaces)" >&2; exit 2; }
P=$(lab_prefix demo)
work=$(mktemp -d)
cleanup() {
	[ -n "${tracer_pid:-}" ] && kill "$tracer_pid" 2>/dev/null || true
	[ -n "${drop_pid:-}" ] && kill "$drop_pid" 2>/dev/null || true
	wait 2>/dev/null || true
	lab_cleanup "$P" || true
	rm -rf "$work"
}
trap cleanup EXIT
lab_router_topology "$P"

banner() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
wait_ready() { for _ in $(seq 100); do grep -q '^Tracing' "$1" 2>/dev/null && return 0; sleep 0.05; done; cat "$1" >&2; return 1; }

banner "Lab: client $LAB_CLIENT_IP -- [$LAB_RX_IF  router  $LAB_TX_IF] -- server $LAB_SERVER_IP"
echo "Fault injected: the router's FORWARD chain drops ICMP echo replies (after ping 3)."

banner "Phase 1 (boundary): nettrail icmp_path_tracer --src-ip $LAB_CLIENT_IP --dst-ip $LAB_SERVER_IP --rx-iface $LAB_RX_IF --tx-iface $LAB_TX_IF"
ip netns exec "$LAB_ROUTER_NS" "$NT" icmp_path_tracer --src-ip "$LAB_CLIENT_IP" \
	--dst-ip "$LAB_SERVER_IP" --rx-iface "$LAB_RX_IF" --tx-iface "$LAB_TX_IF" \
	--timeout-ms 500 >"$work/tracer.out" 2>"$work/tracer.err" &
tracer_pid=$!
ip netns exec "$LAB_ROUTER_NS" "$NT" eth_drop --src-ip "$LAB_SERVER_IP" \
	--dst-ip "$LAB_CLIENT_IP" >"$work/drop.out" 2>"$work/drop.err" &
drop_pid=$!
wait_ready "$work/tracer.err"
wait_ready "$work/drop.err"

lab_ping 3 || true
lab_drop_reply_forward
lab_ping 2 || true
sleep 0.8
kill -INT "$tracer_pid" "$drop_pid"
wait "$tracer_pid" "$drop_pid" || true
tracer_pid= drop_pid=
cat "$work/tracer.out"
echo "-> Replies reach the router (REP_RX) but never leave it (no REP_TX): INTERNAL_DROP_REP."
echo "   The loss is inside this host, on the reply path. Next: why?"

banner "Phase 2 (details): nettrail eth_drop --src-ip $LAB_SERVER_IP --dst-ip $LAB_CLIENT_IP"
cat "$work/drop.out"
echo "-> Each lost reply was dropped by netfilter (reason NETFILTER_DROP) in the forward path:"
echo "   check the router's firewall rules:"
ip netns exec "$LAB_ROUTER_NS" iptables -S FORWARD | grep -i drop | sed 's/^/     /'
