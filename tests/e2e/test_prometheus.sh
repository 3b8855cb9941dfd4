#!/bin/bash
# --prometheus end to end: a real Prometheus server (Debian's) scrapes a running summary
# tool and its HTTP API must give back the packets the rig sent (+-2 %); promtool accepts
# every tool's exposition; the counters of each summary tool equal what the rig did;
# broken, slow and flooding clients neither stall the tracing nor grow its memory; bad
# --prometheus values exit 2 before anything is loaded, a port in use exits 1.
. "$(dirname "$0")/lib.sh"
. "$E2E_DIR/lat_flow_lib.sh"
. "$REPO/tests/lab/lab_drops.sh"
. "$E2E_DIR/prom_lib.sh"

PROM_PORT=9490  # the Prometheus server's own

# prometheus_start NS: Prometheus in NS scraping the tool every second
prometheus_start() {
	nt_need prometheus
	cat >"$W/prometheus.yml" <<-EOF
		global: { scrape_interval: 1s, scrape_timeout: 900ms }
		scrape_configs:
		  - job_name: nettrail
		    static_configs: [ { targets: ['127.0.0.1:$PORT'] } ]
	EOF
	ip netns exec "$1" prometheus --config.file="$W/prometheus.yml" --storage.tsdb.path="$W/tsdb" \
		--web.listen-address="127.0.0.1:$PROM_PORT" --log.level=warn >"$W/P.out" 2>"$W/P.err" &
	echo $! >"$W/P.pid"
	_NT_TOOLS+=(P)
}

prometheus_stop() {
	kill -TERM "$(cat "$W/P.pid")" 2>/dev/null
	nt_wait_exit P 10
}

# prom_query NS EXPR: the value of the instant query EXPR (empty while there is none)
prom_query() {
	ip netns exec "$1" curl -sf --max-time 2 "http://127.0.0.1:$PROM_PORT/api/v1/query" \
		--data-urlencode "query=$2" 2>/dev/null | jq -r '.data.result[0].value[1] // empty' 2>/dev/null
}

# prom_wait NS EXPR WANT_MIN: poll EXPR until its value is >= WANT_MIN (15 s); prints it
prom_wait() {
	local v i
	for ((i = 0; i < 75; i++)); do
		v=$(prom_query "$1" "$2")
		[[ -n $v ]] && awk -v v="$v" -v w="$3" 'BEGIN { exit !(v >= w) }' && { echo "$v"; return; }
		sleep 0.2
	done
	echo "${v:-none}"
}

# 100 UDP datagrams client -> server; Prometheus scrapes the latency summary on the client
case_latency_scraped() {
	nt_lab router
	lat_sink K "$LAB_SERVER_NS" "$LAB_SERVER_IP" 5000 0
	nt_start T "$LAB_CLIENT_NS" system_network_latency_summary --phy-interface "$LAB_CLIENT_IF" \
		--direction tx --protocol udp --interval 1 --stage-latency --json --prometheus $PORT
	grep -q "Metrics at http://127.0.0.1:$PORT/metrics" "$W/T.err" || fail "no 'Metrics at' line$(nt_show T)"
	prometheus_start "$LAB_CLIENT_NS"
	lab_udp_send "$LAB_CLIENT_NS" "$LAB_CLIENT_IP" 4000 "$LAB_SERVER_IP" 5000 100
	local sel='nettrail_latency_packets_completed_total{tool="system_network_latency_summary",direction="tx"}'
	local got hcount
	got=$(prom_wait "$LAB_CLIENT_NS" "$sel" 98)
	awk -v v="$got" 'BEGIN { exit !(v >= 98 && v <= 102) }' ||
		fail "Prometheus has $sel = $got, want 100 (+-2 %)$(nt_show P)"
	hcount=$(prom_query "$LAB_CLIENT_NS" 'nettrail_latency_seconds_count{direction="tx"}')
	assert_eq "histogram count in Prometheus == completed" "$hcount" "$got"
	assert_eq "Prometheus: target up" "$(prom_query "$LAB_CLIENT_NS" 'up{job="nettrail"}')" 1
	nt_need promtool
	scrape "$LAB_CLIENT_NS" last
	promtool_check last
	[[ -n $(metric nettrail_stage_latency_seconds_count 'from="net_dev_queue"' 'to="net_dev_xmit"') ]] ||
		fail "--stage-latency: no net_dev_queue -> net_dev_xmit histogram in the scrape"
	prometheus_stop
	nt_stop T INT
	assert_exit T 0
	assert_jq T "\$sum.packets.completed == $got" "the run's summary == what Prometheus scraped ($got)"
	assert_unloaded T
}

# 7 datagrams dropped in the router's FORWARD chain, 4 to a closed port on the server
case_drops_scraped() {
	nt_lab router
	lab_drop_udp_forward 5555
	nt_start K "$LAB_ROUTER_NS" kernel_drop_stack_stats_summary_all --json -i 1 --protocol udp \
		--src-ip "$LAB_CLIENT_IP" --prometheus $PORT
	lab_udp_send "$LAB_CLIENT_NS" "$LAB_CLIENT_IP" 40011 "$LAB_SERVER_IP" 5555 7
	lab_udp_send "$LAB_CLIENT_NS" "$LAB_CLIENT_IP" 40012 "$LAB_SERVER_IP" 7777 4
	assert_eq "lab: router FORWARD drops" "$(lab_fault_packets)" 7
	sleep 2.2
	scrape "$LAB_ROUTER_NS" last
	promtool_check last
	assert_eq "NETFILTER_DROP on the router's rx interface" \
		"$(metric nettrail_drops_total 'reason="NETFILTER_DROP"' "device=\"$LAB_RX_IF\"")" 7
	# the server's interface is in another namespace: if<index> and that namespace
	assert_eq "NO_SOCKET on the server's interface" "$(metric nettrail_drops_total 'reason="NO_SOCKET"' \
		"device=\"if$(lab_ifindex "$LAB_SERVER_NS" "$LAB_SERVER_IF")\"" \
		"netns=\"$(nt_ns_inode "$LAB_SERVER_NS")\"")" 4
	assert_eq "nothing unattributed" "$(metric nettrail_drops_unattributed_total)" 0
	drop_finish K kernel_drop_stack_stats_summary_all
	assert_jq K "\$sum.drops == 11" "the summary counts the same 11 drops"
}

# broken and hostile clients for 8 s while the tool reports every 0.5 s
case_bad_clients() {
	nt_lab router
	nt_start K "$LAB_ROUTER_NS" kernel_drop_stack_stats_summary_all --json -i 0.5 --prometheus $PORT
	local pid hwm0 hwm1 t0 t1 n res
	pid=$(nt_pid K)
	scrape "$LAB_ROUTER_NS" before
	sleep 1.5       # past the first reports (the kernel's symbols are read at the first)
	hwm0=$(awk '/VmHWM/ { print $2 }' "/proc/$pid/status")
	t0=$(jq -s '[.[] | select(.type == "interval")] | length' "$W/K.out")
	res=$(ip netns exec "$LAB_ROUTER_NS" python3 "$E2E_DIR/prom_abuse.py" 127.0.0.1 $PORT 8) ||
		fail "prom_abuse.py failed: $res"
	echo "# clients: $res" >&2
	t1=$(jq -s '[.[] | select(.type == "interval")] | length' "$W/K.out")
	hwm1=$(awk '/VmHWM/ { print $2 }' "/proc/$pid/status")
	n=$((t1 - t0))
	echo "# intervals reported during 8 s of abuse: $n; VmHWM ${hwm0} -> ${hwm1} KiB" >&2
	((n >= 14)) || fail "tracing stalled: $n reports in 8 s at -i 0.5 (want >= 14)"
	((hwm1 - hwm0 < 4096)) || fail "peak memory grew by $((hwm1 - hwm0)) KiB under abuse (bound: 4 MiB)"
	jq -e '.garbage == 400 or .garbage == "closed"' <<<"$res" >/dev/null || fail "garbage request: $res"
	jq -e '.post == 405' <<<"$res" >/dev/null || fail "POST: want 405: $res"
	jq -e '.other_path == 404' <<<"$res" >/dev/null || fail "GET /nope: want 404: $res"
	jq -e '.huge_header != 200' <<<"$res" >/dev/null || fail "a 100 KiB header was served: $res"
	jq -e '.flood_connects > 0' <<<"$res" >/dev/null || fail "the flood never got an answer: $res"
	# the idle ones are closed within the idle timeout (5 s): a scrape works again
	local i
	for ((i = 0; i < 30; i++)); do
		ip netns exec "$LAB_ROUTER_NS" curl -sf --max-time 1 -o "$W/after.prom" \
			"http://127.0.0.1:$PORT/metrics" && break
		sleep 0.2
	done
	((i < 30)) || fail "no scrape answered within 6 s after the abuse ended"
	grep -q '^nettrail_metric_updates_total{' "$W/after.prom" || fail "scrape after abuse has no metrics"
	nt_stop K INT
	assert_exit K 0
	assert_unloaded K
}

case_bad_input() {
	local v
	for v in 0 70000 abc 1.2.3.4.5:80 '[::1' 'localhost:9464' ':9464'; do
		usage_error - --prometheus "$v" kernel_drop_stack_stats_summary_all --prometheus "$v"
	done
	usage_error - --prometheus 9464 system_network_latency_summary --phy-interface lo --prometheus 9464 --prometheus 9465
	# a tool without metrics does not have the option; trace_conntrack needs its reports
	usage_error - --prometheus "" eth_drop --prometheus 9464
	usage_error - --prometheus "--interval" trace_conntrack --prometheus 9464
	# the port taken: exit 1 naming the flag and the address, before any BPF object
	nt_lab router
	ip netns exec "$LAB_ROUTER_NS" python3 -c 'import socket,time
s=socket.socket(); s.bind(("127.0.0.1", '$PORT')); s.listen(); time.sleep(30)' &
	local holder=$!
	sleep 0.3
	ip netns exec "$LAB_ROUTER_NS" strace -f -qq -o "$W/strace" -e trace=bpf \
		"$NT" kernel_drop_stack_stats_summary_all --prometheus $PORT -d 1 >"$W/U.out" 2>"$W/U.err"
	local rc=$?
	kill "$holder" 2>/dev/null
	assert_eq "port in use: exit status" "$rc" 1
	grep -q -- "--prometheus 127.0.0.1:$PORT: cannot listen" "$W/U.err" ||
		fail "port in use: want '--prometheus 127.0.0.1:$PORT: cannot listen ...', got: $(cat "$W/U.err")"
	! grep -q 'BPF_PROG_LOAD' "$W/strace" || fail "port in use: a BPF program was loaded first"
}

nt_case "--prometheus: a real Prometheus scrapes system_network_latency_summary: 100 datagrams sent -> 100 (+-2 %) in its API; promtool accepts the text" case_latency_scraped
nt_case "--prometheus: kernel_drop_stack_stats_summary_all: 7 NETFILTER_DROP on the router's interface, 4 NO_SOCKET on the server's, as the rig dropped" case_drops_scraped
nt_case "--prometheus: idle, slow, never-reading, garbage, 100 KiB-header and flooding clients for 8 s: every report on time, peak memory < +4 MiB, scrapes answered after" case_bad_clients
nt_case "--prometheus: bad values exit 2 before loading; a port in use exits 1 naming it; tools without metrics refuse the flag" case_bad_input
nt_done
