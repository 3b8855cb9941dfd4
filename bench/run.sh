#!/usr/bin/env bash
# `make bench` (a benchmark, not a test): per tool, median start->attached wall
# time and peak RSS over several runs, and the kernel's own accounting
# (kernel.bpf_stats_enabled) of ns per BPF program run while iperf3 pushes
# traffic the tool filters out through a lab router; then the overhead part (see
# bench/measure.py), calibrated by empty programs (bench/calibrate.bpf.c).
set -euo pipefail
cd "$(dirname "$0")/.."
NT=${NT:-$PWD/build/nettrail}   # BENCH_PART=overhead: only the overhead comparison, =startup: only
# the start-up table (NT_OLD=OTHER_BINARY beside it; make bench builds Debian 12's libbpf one);
# OVH_TOOLS=all (or a comma list of tools) for the overhead part
RUNS=${RUNS:-7}
SECS=${SECS:-5}
. tests/lab/lab.sh
[ "$(id -u)" = 0 ] || { echo "bench: run as root" >&2; exit 2; }
command -v iperf3 >/dev/null || { echo "bench: needs iperf3 (make deps)" >&2; exit 2; }

P=$(lab_prefix bench)
trap 'lab_cleanup "$P" >/dev/null 2>&1 || true' EXIT
lab_router_topology "$P"
# UDP to port 9 is dropped in the router's FORWARD chain: drops eth_drop sees
# and filters out (it is told to watch another source address).
ip netns exec "$LAB_ROUTER_NS" iptables -A FORWARD -p udp --dport 9 -j DROP
# A conntrack match makes conntrack track the router's traffic (its hooks are
# registered per namespace on demand), as on a firewall trace_conntrack is
# pointed at; healthy traffic is never INVALID, so nothing else changes.
ip netns exec "$LAB_ROUTER_NS" iptables -A FORWARD -m conntrack --ctstate INVALID -j DROP

export LAB_CLIENT_NS LAB_ROUTER_NS LAB_SERVER_NS LAB_CLIENT_IP LAB_SERVER_IP LAB_RX_IF LAB_TX_IF \
	LAB_CLIENT_IF LAB_SERVER_IF
# the start-up table (bench/startup.py: every tool, this build beside NT_OLD and the
# NT_FLOOR skeleton), then ns per program run and the overhead part (bench/measure.py)
[[ ${BENCH_PART:-} == overhead ]] || /usr/bin/python3 bench/startup.py "$NT" "$RUNS"
[[ ${BENCH_PART:-} == startup ]] || /usr/bin/python3 bench/measure.py "$NT" "$RUNS" "$SECS"
