#!/usr/bin/env bash
# `make bench-vhost [KERNEL=6.1]` (in a guest of the guest tier; a benchmark, not a test):
# what the tun/vhost tools cost on vhost-net's real path. vhost-net is driven by the lab's
# user-space virtio-net driver (tests/lab/vhost_user.py): PACKETS datagrams cross the tap
# into its posted buffers and as many frames leave it, in bursts of BATCH. Per tool, from
# the kernel's own accounting (kernel.bpf_stats_enabled, read from the tool's program fds):
# BPF program runs per packet and ns per run. Under TCG the ns are indicative only; the
# runs per packet are what the tool costs on any machine.
set -euo pipefail
cd "$(dirname "$0")/.."
NT=${NT:-$PWD/build/nettrail}
PACKETS=${PACKETS:-1024}
BATCH=${BATCH:-128}
. tests/lab/lab.sh
. tests/lab/lab_tun.sh
[ "$(id -u)" = 0 ] || { echo "bench-vhost: run as root" >&2; exit 2; }
((PACKETS % BATCH == 0 && BATCH <= 200)) || { echo "bench-vhost: PACKETS must be a multiple of BATCH (<= 200)" >&2; exit 2; }

P=$(lab_prefix bv)
trap 'lab_cleanup "$P" >/dev/null 2>&1 || true' EXIT
tunlab_topology "$P" 256 vhost
was=$(cat /proc/sys/kernel/bpf_stats_enabled)
trap 'sysctl -qw kernel.bpf_stats_enabled="$was"; lab_cleanup "$P" >/dev/null 2>&1 || true' EXIT
sysctl -qw kernel.bpf_stats_enabled=1

TOOLS=(
	"vhost_eventfd_count --interval 600"
	"vhost_buf_peek_stats --interval 600"
	"tun_to_vhost_queue_status_simple_summary --device $TUNLAB_TAP --interval 600"
	"tun_to_vhost_queue_stats_full_summary --device $TUNLAB_TAP --interval 600"
	"vhost_queue_correlation_simple --device $TUNLAB_TAP --json"
	"vhost_queue_correlation_details --device $TUNLAB_TAP --json"
	"tun_ring_monitor --device $TUNLAB_TAP --interval 600"
)

# runs ns: the sums of run_cnt and run_time_ns over the BPF programs process PID holds
prog_stats() {
	awk '/^run_time_ns:/ { ns += $2 } /^run_cnt:/ { n += $2 }
		END { printf "%d %d\n", n, ns }' /proc/"$1"/fdinfo/* 2>/dev/null
}

rx_used=0 tx_used=0
traffic() {
	local i
	for ((i = 0; i < PACKETS / BATCH; i++)); do
		tunlab_vhost rx "$BATCH" >/dev/null
		tunlab_send "$BATCH"
		tunlab_vhost tx "$BATCH" >/dev/null
		rx_used=$(((rx_used + BATCH) & 0xffff)) tx_used=$(((tx_used + BATCH) & 0xffff))
		tunlab_vhost_used rx "$rx_used" && tunlab_vhost_used tx "$tx_used" ||
			{ echo "bench-vhost: vhost did not move the burst" >&2; return 1; }
	done
}

out=$(mktemp -d)
printf '%-42s %10s %12s %10s %14s\n' TOOL RUNS RUNS/PACKET NS/RUN "NS/PACKET"
for spec in "${TOOLS[@]}"; do
	read -r -a args <<<"$spec"
	ip netns exec "$TUNLAB_NS" "$NT" "${args[@]}" >"$out/out" 2>"$out/err" &
	pid=$!
	for ((i = 0; i < 300; i++)); do
		grep -q '^Tracing' "$out/err" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if ! grep -q '^Tracing' "$out/err"; then
		echo "bench-vhost: ${args[0]} did not start: $(head -c 300 "$out/err")" >&2
		kill -INT "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		continue
	fi
	read -r n0 ns0 < <(prog_stats "$pid")
	traffic
	read -r n1 ns1 < <(prog_stats "$pid")
	kill -INT "$pid" 2>/dev/null || true
	wait "$pid" || true
	awk -v t="${args[0]}" -v n=$((n1 - n0)) -v ns=$((ns1 - ns0)) -v p=$((2 * PACKETS)) \
		'BEGIN { printf "%-42s %10d %12.2f %10.0f %14.0f\n", t, n, n / p, n ? ns / n : 0, ns / p }'
done
echo "# $((2 * PACKETS)) packets ($PACKETS datagrams into the guest, $PACKETS frames out), bursts of $BATCH, $(uname -r)"
echo "# TCG: the ns are indicative only; runs per packet are the tool's cost on any machine"
rm -rf "$out"
