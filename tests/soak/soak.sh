#!/bin/bash
# nettrail soak: the per-event and summary tools, all at once, under a flood in a lab for
# SOAK_SECS (default 600). Every second the resident set (VmRSS) of each tool is read from
# /proc; after the warm-up (the first minute, or a third of a shorter run) it must not grow
# by more than SOAK_RSS_SLACK_KB (default 1024). At the end the flood stops, every tool gets
# SIGINT and must exit 0 with a summary, and the drop tools' counts are compared with what
# the rig itself counted:
#   eth_drop                              events printed + lost_events == the drop rule's iptables counter
#   kernel_drop_stack_stats_summary_all   drops (+ map_full) == the same counter
#   qdisc_drop_trace                      events printed + lost_events == the tbf's own drop counter (tc -s)
#   drop_monitor_controller               drops_watched >= the iptables counter (it watches the
#                                         whole interface; reported, not exact)
#   icmp_path_tracer, system_network_latency_summary: RSS and a clean end (counts reported)
# The tools run concurrently in one flood (a run of ~SOAK_SECS in all, not one per tool).
#
# Traffic (client -> router -> server, tests/lab/lab.sh):
#   UDP to port 9999 at SOAK_PPS (default 5000/s), dropped by an iptables rule in FORWARD;
#   UDP to port 9998 at SOAK_QPPS (default 2000/s) through a tbf (1 mbit) on the router's
#   server-facing interface, which drops most of it; a ping every 10 ms.
#
# Usage: make soak  |  SOAK_SECS=120 bash tests/soak/soak.sh   (root; not part of make test)
# Prints one table; exit 1 if any check failed.
set -u
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
NT=${NT:-$REPO/build/nettrail}
SECS=${SOAK_SECS:-600}
PPS=${SOAK_PPS:-5000}
QPPS=${SOAK_QPPS:-2000}
SLACK_KB=${SOAK_RSS_SLACK_KB:-1024}
PY=/usr/bin/python3
. "$REPO/tests/lab/lab.sh"

[[ -x $NT ]] || { echo "soak: no binary at $NT (make)" >&2; exit 2; }
[[ $(id -u) == 0 ]] || { echo "soak: needs root" >&2; exit 2; }
WARM=$((SECS / 3 < 60 ? SECS / 3 : 60))

W=$(mktemp -d /tmp/nt-soak.XXXXXX)
P=$(lab_prefix so) || exit 1
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
	wait 2>/dev/null
	lab_cleanup "$P"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

lab_router_topology "$P" >/dev/null || { echo "soak: lab failed" >&2; exit 1; }
lab_drop_udp_forward 9999 || exit 1
ip netns exec "$LAB_ROUTER_NS" tc qdisc add dev "$LAB_TX_IF" root handle 8124: \
	tbf rate 1mbit burst 8kb limit 16kb || exit 1

# flood NS SRC DST PORT PPS: UDP datagrams at PPS, paced every 10 ms, until killed
flood() {
	ip netns exec "$1" "$PY" - "$2" "$3" "$4" "$5" <<'EOF' &
import socket, sys, time
sip, dip, port, pps = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sip, 0))
payload, step, t = b"nettrail-soak" * 4, 0.01, time.monotonic()
while True:
    for _ in range(max(1, pps // 100)):
        try:
            s.sendto(payload, (dip, port))
        except OSError:
            pass
    t += step
    d = t - time.monotonic()
    if d > 0:
        time.sleep(d)
    else:
        t = time.monotonic()
EOF
	PIDS+=($!)
	FLOODS+=($!)
}

# start NAME NS ARGS...: run a tool, wait for its Tracing line. Its stdout is a pipe to a
# reader that counts the event lines ($W/NAME.events) and keeps the others ($W/NAME.out):
# a 10-minute flood is gigabytes of events.
TOOLS=()
start() {
	local name=$1 ns=$2 i
	shift 2
	mkfifo "$W/$name.fifo"
	awk -v f="$W/$name.events" '/"type":"event"/ { n++; next } { print } END { print n + 0 > f }' \
		<"$W/$name.fifo" >"$W/$name.out" &
	PIDS+=($!)
	echo $! >"$W/$name.rpid"
	env --default-signal=INT,TERM ip netns exec "$ns" "$NT" "$@" --json >"$W/$name.fifo" 2>"$W/$name.err" &
	local pid=$!
	PIDS+=("$pid")
	echo "$pid" >"$W/$name.pid"
	TOOLS+=("$name")
	for ((i = 0; i < 200; i++)); do
		grep -q '^Tracing' "$W/$name.err" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	echo "soak: $name did not start: $(tail -n 3 "$W/$name.err")" >&2
	exit 1
}

R=$LAB_ROUTER_NS
start eth_drop "$R" eth_drop --src-ip "$LAB_CLIENT_IP" --protocol udp --dst-port 9999
start kernel_drop_stack_stats_summary_all "$R" kernel_drop_stack_stats_summary_all \
	--interval 1 --src-ip "$LAB_CLIENT_IP" --protocol udp --dst-port 9999
start qdisc_drop_trace "$R" qdisc_drop_trace --interface "$LAB_TX_IF"
start drop_monitor_controller "$R" drop_monitor_controller --interface "$LAB_RX_IF" \
	--threshold 1000 --sustain 2 --capture-seconds 5
start icmp_path_tracer "$R" icmp_path_tracer --src-ip "$LAB_CLIENT_IP" --dst-ip "$LAB_SERVER_IP" \
	--rx-iface "$LAB_RX_IF" --tx-iface "$LAB_TX_IF"
start system_network_latency_summary "$LAB_CLIENT_NS" system_network_latency_summary \
	--phy-interface "$LAB_CLIENT_IF" --direction tx --interval 1

FLOODS=()
flood "$LAB_CLIENT_NS" "$LAB_CLIENT_IP" "$LAB_SERVER_IP" 9999 "$PPS"
flood "$LAB_CLIENT_NS" "$LAB_CLIENT_IP" "$LAB_SERVER_IP" 9998 "$QPPS"
env --default-signal=INT ip netns exec "$LAB_CLIENT_NS" ping -n -q -i 0.01 "$LAB_SERVER_IP" \
	>"$W/ping.out" 2>&1 &
PING=$!
PIDS+=("$PING")

echo "soak: ${SECS} s, ${#TOOLS[@]} tools at once; flood ${PPS}/s dropped + ${QPPS}/s through tbf + ping 100/s; work dir $W" >&2
t0=$(date +%s)
for ((s = 1; s <= SECS; s++)); do
	for name in "${TOOLS[@]}"; do
		rss=$(awk '/^VmRSS:/ {print $2}' /proc/"$(cat "$W/$name.pid")"/status 2>/dev/null)
		echo "$s ${rss:-0}" >>"$W/$name.rss"
	done
	# one sample a second, whatever the sampling itself cost
	while (($(date +%s) - t0 < s)); do sleep 0.1; done
	((s % 60 == 0)) && echo "soak: ${s} s" >&2
done

# stop the traffic, let the last events arrive, then end every tool
kill -TERM "${FLOODS[@]}" 2>/dev/null
kill -INT "$PING"       # ping prints its count at SIGINT
for p in "${FLOODS[@]}" "$PING"; do wait "$p" 2>/dev/null; done
sleep 2
for name in "${TOOLS[@]}"; do kill -INT "$(cat "$W/$name.pid")"; done
for name in "${TOOLS[@]}"; do
	wait "$(cat "$W/$name.pid")"
	echo $? >"$W/$name.rc"
	wait "$(cat "$W/$name.rpid")"
done

IPT=$(lab_fault_packets "$R")
TCDROPS=$(ip netns exec "$R" tc -s -j qdisc show dev "$LAB_TX_IF" | jq '[.[] | select(.kind == "tbf") | .drops] | add')
SENT_PING=$(awk '/packets transmitted/ {print $1}' "$W/ping.out")

fails=0
printf '\n%-36s %8s %9s %9s %9s %8s  %-44s %s\n' tool "rss@${WARM}s" "max after" "end rss" growth "exit" "counts (tool vs rig)" verdict
for name in "${TOOLS[@]}"; do
	rc=$(cat "$W/$name.rc")
	read -r at_warm max_after end_rss < <(awk -v w="$WARM" '
		$1 == w { a = $2 } $1 > w && $2 > m { m = $2 } { e = $2 }
		END { print a + 0, m + 0, e + 0 }' "$W/$name.rss")
	growth=$((max_after - at_warm))
	sum=$(grep -h '"type":"summary"' "$W/$name.out" "$W/$name.err" | tail -n 1)
	events=$(cat "$W/$name.events")
	lost=$(jq -r '.lost_events // 0' <<<"$sum" 2>/dev/null)
	verdict=ok counts=
	case $name in
	eth_drop)
		counts="printed $events + lost $lost = $((events + lost)) vs iptables $IPT"
		((events + lost == IPT)) || verdict="COUNT MISMATCH"
		;;
	kernel_drop_stack_stats_summary_all)
		d=$(jq -r .drops <<<"$sum") mf=$(jq -r .map_full <<<"$sum")
		counts="drops $d (map_full $mf) vs iptables $IPT"
		((d + mf == IPT)) || verdict="COUNT MISMATCH"
		;;
	qdisc_drop_trace)
		counts="printed $events + lost $lost = $((events + lost)) vs tc drops $TCDROPS"
		((events + lost == TCDROPS)) || verdict="COUNT MISMATCH"
		;;
	drop_monitor_controller)
		d=$(jq -r .drops_watched <<<"$sum") c=$(jq -r .captures <<<"$sum")
		counts="watched $d >= iptables $IPT; $c captures, $events events + lost $lost"
		((d >= IPT)) || verdict="COUNT MISMATCH"
		;;
	icmp_path_tracer)
		counts="$(jq -r '"exchanges \(.exchanges) \(.statuses | tostring)"' <<<"$sum") vs pings $SENT_PING"
		;;
	system_network_latency_summary)
		counts="$(jq -r '"packets started \(.packets.started), completed \(.packets.completed)"' <<<"$sum")"
		;;
	esac
	[[ -n $sum ]] || verdict="NO SUMMARY"
	[[ $rc == 0 ]] || verdict="EXIT $rc"
	((growth <= SLACK_KB)) || verdict="RSS GROWTH"
	[[ $verdict == ok ]] || fails=$((fails + 1))
	printf '%-36s %6d KB %6d KB %6d KB %+6d KB %8s  %-44s %s\n' "$name" "$at_warm" "$max_after" \
		"$end_rss" "$growth" "$rc" "$counts" "$verdict"
done
echo "soak: ${SECS} s (RSS warm-up ${WARM} s, slack ${SLACK_KB} KB), flood ${PPS}/s + ${QPPS}/s + ping; $((fails)) failed"
[[ ${SOAK_KEEP:-0} == 1 ]] && echo "soak: work dir kept: $W" || rm -rf "$W"
((fails == 0))
