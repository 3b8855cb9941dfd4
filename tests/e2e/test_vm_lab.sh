#!/bin/bash
# A real VM on this host (tests/lab/lab_vm.sh): a qemu guest whose virtio-net NIC is backed
# by a tap in a bridge with a "physical" veth to a remote host, as on a KVM host. Phase 1 of
# the manual's VM scenario (1.2 scenario 3) on it: icmp_path_tracer on the VM's host sees
# every exchange enter on the physical port, leave on the tap, and the VM's reply come back
# through the tap; a delay made inside the VM shows as the external segment, not the host's.
# The VM path on its host (vm_network_latency_*, vm_network_performance_metrics) on the VM's
# own traffic, and the pair tools between its two NICs (two VMs as far as the host sees).
# Inside the VM (its Debian kernel: fentry, module BTF), the virtio-net tools of 3.8.4 on a
# real virtio-net NIC: their counts against the guest kernel's own counters.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$E2E_DIR/prom_lib.sh"

nt_shared_lab vm || { nt_done; exit 1; }

tracer() {
	local t=$1
	shift
	nt_start "$t" "$LAB_ROUTER_NS" icmp_path_tracer --src-ip "$LAB_CLIENT_IP" \
		--dst-ip "$LAB_SERVER_IP" --rx-iface "$LAB_RX_IF" --tx-iface "$LAB_TX_IF" --json \
		--timeout-ms 2000 "$@"
}

finish() {
	nt_stop "$1" INT 10
	assert_exit "$1" 0
	nt_check_json "$1" icmp_path_tracer
	assert_unloaded "$1"
}

# pings N ID INTERVAL: N pings from the remote host to the VM with echo id ID, all answered
pings() {
	ip netns exec "$LAB_CLIENT_NS" ping -n -q -c "$1" -i "$3" -W 3 -e "$2" "$LAB_SERVER_IP" \
		>"$W/ping.$2" 2>&1 || fail "lab: pings to the VM lost replies: $(cat "$W/ping.$2")"
}

# the smallest external segment of T's COMPLETE exchanges, in us: a TCG guest answers late
# now and then (its vCPU is a host thread), never early, so minimums compare cleanly
min_external() {
	jq -s '[.[] | select(.type == "event" and .status == "COMPLETE") | .external_us] | min' \
		"$W/$1.out"
}

case_vm_path() {
	local id=$((RANDOM % 50000 + 10000))
	tracer T
	pings 10 "$id" 0.1
	nt_wait_events T 10 15
	finish T
	echo "# VM kernel $LAB_VM_KERNEL, tap $LAB_TX_IF, physical port $LAB_RX_IF"
	assert_jq T "\$ev | length == 10 and all(\$ev[]; .status == \"COMPLETE\" and .id == $id)" \
		"10 exchanges with echo id $id, all COMPLETE"
	assert_jq T "all(\$ev[]; [.stages[] | .name + \"@\" + .iface] == [\"REQ_RX@$LAB_RX_IF\", \"REQ_TX@$LAB_TX_IF\", \"REP_RX@$LAB_TX_IF\", \"REP_TX@$LAB_RX_IF\"])" \
		"request in on the physical port, out on the tap; the VM's reply in on the tap, out on the physical port"
	assert_jq T "\$sum.exchanges == 10 and \$sum.lost_events == 0" "summary: 10 exchanges, none lost"
}

# netem inside the VM delays its replies by D: every exchange's time outside the host (the
# VM) is at least D, the least of them grows by D (+-10 %), the host's segments stay far
# below it
case_vm_delay() {
	local d_ms=100 base with want id=$((RANDOM % 50000 + 10000))
	tracer B
	pings 20 "$id" 0.1
	nt_wait_events B 20 15
	finish B
	base=$(min_external B)
	labvm_exec "tc qdisc add dev eth0 root netem delay ${d_ms}ms" || fail "VM: cannot add netem"
	# shellcheck disable=SC2064 # the delay goes with the case, also when it fails
	trap "labvm_exec 'tc qdisc del dev eth0 root' >/dev/null; _nt_case_cleanup" EXIT
	tracer T
	pings 20 $((id + 1)) 0.2
	nt_wait_events T 20 20
	finish T
	with=$(min_external T)
	want=$((d_ms * 1000))
	echo "# least external segment: baseline ${base} us, with netem ${d_ms} ms in the VM ${with} us"
	assert_jq T "all(\$ev[]; .external_us >= $want)" "every exchange spent at least D outside the host"
	jq -n --argjson b "$base" --argjson w "$with" --argjson d "$want" \
		'(($w - $b) - $d) | fabs <= ($d * 0.10)' | grep -qx true ||
		fail "the least external segment grew by $(jq -n "$with - $base") us, want ${want} us +-10 %"
	assert_jq T "all(\$ev[]; .internal_req_us < $((want / 2)) and .internal_rep_us < $((want / 2)))" \
		"no exchange has the VM's delay in a host segment"
	assert_jq T "([\$ev[].internal_req_us] | sort | .[length / 2 | floor]) < $((want / 10)) and
		([\$ev[].internal_rep_us] | sort | .[length / 2 | floor]) < $((want / 10))" \
		"the median host segments are below D/10"
}

# ---- inside the VM ----------------------------------------------------------------------

# the shared directory the VM sees at the same path: the binary and the tools' output
vm_dir() { _lab_vm_dir "$LAB_PREFIX"; }

# vm_start T TOOL ARGS...: start nettrail TOOL in the VM (T.out, T.err and, when it ends,
# T.rc in the shared directory) and wait for its ready line
vm_start() {
	local t=$1 d i
	shift
	d=$(vm_dir)
	[[ -x $d/nettrail ]] || cp "$NT" "$d/nettrail" || fail "cannot copy the binary for the VM"
	rm -f "$d/$t.out" "$d/$t.err" "$d/$t.rc"
	echo "+ (in the VM) nettrail $*" >"$W/$t.cmd"
	labvm_exec "cd /; (${VM_ENV:+env $VM_ENV} $d/nettrail $* >$d/$t.out 2>$d/$t.err; echo \$? >$d/$t.rc) </dev/null >/dev/null 2>&1 &" ||
		fail "VM: cannot start $1"
	for ((i = 0; i < 300; i++)); do
		grep -q '^Tracing' "$d/$t.err" 2>/dev/null && return 0
		[[ -e $d/$t.rc ]] && break
		sleep 0.1
	done
	fail "VM: $1 did not get ready in 30 s: $(cat "$d/$t.err")"
}

# vm_stop T: SIGINT to the tool in the VM, wait for its end; T.out, T.err, T.rc to $W
vm_stop() {
	local t=$1 d i
	d=$(vm_dir)
	labvm_exec "pkill -INT -f '^$d/nettrail '" || fail "VM: no nettrail to stop"
	for ((i = 0; i < 100; i++)); do
		[[ -s $d/$t.rc ]] && break
		sleep 0.1
	done
	cp "$d/$t.out" "$W/$t.out"
	cp "$d/$t.err" "$W/$t.err"
	cp "$d/$t.rc" "$W/$t.rc" 2>/dev/null || fail "VM: $t did not end within 10 s of SIGINT$(nt_show "$t")"
}

# vm_counters: "rx_packets" and "IRQ calls" lines of the VM's eth0 now (its receive IRQ from /proc/interrupts)
vm_counters() {
	labvm_exec 'dev=$(basename $(readlink /sys/class/net/eth0/device));
		echo $(cat /sys/class/net/eth0/statistics/rx_packets)
		awk -v n="$dev-input.0" '"'"'$NF == n { s = 0; for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) s += $i; else break; print s }'"'"' /proc/interrupts'
}

# within N TRUTH PCT: |N - TRUTH| <= PCT % of TRUTH + 3 (the edges of the windows)
within() { jq -n --argjson n "$1" --argjson t "$2" --argjson p "$3" '(($n - $t) | fabs) <= ($t * $p / 100 + 3)' | grep -qx true; }

# vm_scrape NAME: /metrics of the tool in the VM (its 127.0.0.1:PORT) into $W/NAME.prom, also
# the "last" scrape that metric reads (prom_lib's scrape, through labvm_exec and bash's
# /dev/tcp: python3 takes seconds to start in the TCG guest)
vm_scrape() {
	labvm_exec "exec 3<>/dev/tcp/127.0.0.1/$PORT && printf 'GET /metrics HTTP/1.0\r\n\r\n' >&3 && cat <&3" \
		>"$W/$1.http" || fail "VM: GET /metrics failed: $(cat "$W/$1.http")"
	head -n 1 "$W/$1.http" | grep -q '^HTTP/1\.[01] 200 ' || fail "VM: GET /metrics: $(head -n 1 "$W/$1.http")"
	sed '1,/^\r$/d' "$W/$1.http" >"$W/$1.prom"
	[[ $1 == last ]] || cp "$W/$1.prom" "$W/last.prom"
}

# vm_scrape_fresh NAME: vm_scrape once the tool has published twice since now: the second
# of those reports read its counts after this moment, so the traffic sent before is in them
vm_scrape_fresh() {
	local u0 u i
	vm_scrape "$1"
	u0=$(metric nettrail_metric_updates_total)
	for ((i = 0; i < 100; i++)); do
		sleep 0.1
		vm_scrape "$1"
		u=$(metric nettrail_metric_updates_total)
		((u >= u0 + 2)) && return 0
	done
	fail "VM: no two reports in 10 s (metric updates $u0 -> $u)$(cat "$W/$1.prom")"
}

# traffic into the VM: 400 pings at 5 ms and 400 UDP datagrams (to a closed port: freed, and
# counted as received by the NIC all the same)
vm_traffic() {
	ip netns exec "$LAB_CLIENT_NS" ping -n -q -c 400 -i 0.005 -W 2 "$LAB_SERVER_IP" >/dev/null ||
		fail "lab: pings to the VM lost replies"
	lab_udp_send "$LAB_CLIENT_NS" "$LAB_CLIENT_IP" 40000 "$LAB_SERVER_IP" 9 400 ||
		fail "lab: UDP datagrams not sent"
}

# virtnet_poll_monitor inside the VM: the receive queue's packets == what the guest's eth0
# received (+-5 %), its receive interrupts (skb_recv_done by fentry) == the input IRQ's calls;
# --prometheus scraped in the VM while it runs: the same counts (+-5 %), those of the
# summary (+-1 %: the VM's own ARP may come in between)
case_virtnet_poll() {
	local before after rx irq got_rx got_irq s_rx s_irq s_polls q
	vm_start P virtnet_poll_monitor --interface eth0 --json --interval 0.5 --prometheus $PORT
	read -r -d '' before < <(vm_counters)
	vm_traffic
	read -r -d '' after < <(vm_counters)
	vm_scrape_fresh poll
	promtool_check poll
	q=('device="eth0"' 'direction="rx"' 'queue="0"')
	s_rx=$(metric nettrail_virtnet_poll_packets_total "${q[@]}")
	s_polls=$(metric nettrail_virtnet_polls_total "${q[@]}")
	s_irq=$(metric nettrail_virtnet_rx_interrupts_total 'device="eth0"' 'queue="0"')
	[[ $s_rx =~ ^[0-9]+$ && $s_polls =~ ^[0-9]+$ && $s_irq =~ ^[0-9]+$ ]] ||
		fail "no scraped polls, packets or receive interrupts of eth0's queue 0$(cat "$W/poll.prom")"
	vm_stop P
	assert_exit P 0
	rx=$(($(sed -n 1p <<<"$after") - $(sed -n 1p <<<"$before")))
	irq=$(($(sed -n 2p <<<"$after") - $(sed -n 2p <<<"$before")))
	echo "# the VM's eth0 received $rx packets; its input IRQ fired $irq times"
	assert_jq P "\$sum.queues | map(select(.direction == \"rx\" and .name == \"input-0\" and .interface == \"eth0\")) | length == 1" \
		"the summary has eth0's receive queue input-0"
	got_rx=$(jq -s '[.[] | select(.type == "summary")] | last | .queues[] | select(.name == "input-0") | .packets' "$W/P.out")
	got_irq=$(jq -s '[.[] | select(.type == "summary")] | last | .queues[] | select(.name == "input-0") | .recv_interrupts' "$W/P.out")
	echo "# virtnet_poll_monitor: $got_rx packets polled, $got_irq receive interrupts"
	within "$got_rx" "$rx" 5 || fail "polled $got_rx packets, the NIC received $rx (+-5 %)"
	within "$got_irq" "$irq" 5 || fail "$got_irq receive interrupts, the input IRQ fired $irq times (+-5 %)"
	assert_jq P "\$sum.queues[] | select(.name == \"input-0\") | .polls >= .recv_interrupts and .budget > 0" \
		"a poll per interrupt at least, and the budget is known"
	echo "# scraped: $s_polls polls, $s_rx packets, $s_irq receive interrupts"
	within "$s_rx" "$rx" 5 || fail "scraped $s_rx packets, the NIC received $rx (+-5 %)"
	within "$s_irq" "$irq" 5 || fail "scraped $s_irq receive interrupts, the input IRQ fired $irq times (+-5 %)"
	within "$s_rx" "$got_rx" 1 && within "$s_irq" "$got_irq" 1 && ((s_polls >= s_irq)) ||
		fail "scraped $s_rx packets, $s_irq interrupts, $s_polls polls; the summary $got_rx, $got_irq (+-1 %)"
}

# virtnet_poll_monitor where virtio_net's structs are in no BTF (5.10's modules; forced here with
# NT_TEST_BY_POLL=1): the poll functions' addresses from kallsyms tell receive from transmit,
# a row per NAPI instance (queue unknown); eth0's receive rows hold what it received (+-5 %)
case_virtnet_poll_by_function() {
	local before after rx got_rx
	VM_ENV=NT_TEST_BY_POLL=1 vm_start Q virtnet_poll_monitor --interface eth0 --json --interval 0.5
	read -r -d '' before < <(vm_counters)
	vm_traffic
	read -r -d '' after < <(vm_counters)
	vm_stop Q
	assert_exit Q 0
	rx=$(($(sed -n 1p <<<"$after") - $(sed -n 1p <<<"$before")))
	# (the receive interrupts' rows, from skb_recv_done's virtqueue, keep their queue)
	assert_jq Q "\$sum.queues | map(select(.interface == \"eth0\" and .direction == \"rx\" and .polls > 0)) | length >= 1 and all(.[]; .name | startswith(\"napi\"))" \
		"eth0's polled receive rows are per NAPI instance"
	got_rx=$(jq -s '[.[] | select(.type == "summary")] | last | [.queues[] | select(.interface == "eth0" and .direction == "rx") | .packets] | add' "$W/Q.out")
	echo "# the VM's eth0 received $rx packets; by poll function: $got_rx polled"
	within "$got_rx" "$rx" 5 || fail "polled $got_rx packets by poll function, the NIC received $rx (+-5 %)"
}

# virtnet_irq_monitor inside the VM: the input IRQ's calls == /proc/interrupts (+-5 %), named
# after the device, on eth0; --prometheus scraped in the VM while it runs: the same calls
# (+-5 %), those of the summary (+-1 %), handled + IRQ_NONE == calls, the CPUs' calls add up
case_virtnet_irq() {
	local before after irq got name s_calls s_handled s_none s_cpus
	vm_start Q virtnet_irq_monitor --interface eth0 --json --interval 0.5 --prometheus $PORT
	read -r -d '' before < <(vm_counters)
	vm_traffic
	read -r -d '' after < <(vm_counters)
	vm_scrape_fresh irq
	promtool_check irq
	vm_stop Q
	assert_exit Q 0
	irq=$(($(sed -n 2p <<<"$after") - $(sed -n 2p <<<"$before")))
	got=$(jq -s '[.[] | select(.type == "summary")] | last | .irqs[] | select(.name | test("^virtio[0-9]+-input\\.0$")) | .calls' "$W/Q.out")
	echo "# the input IRQ fired $irq times; virtnet_irq_monitor counted $got"
	[[ -n $got ]] || fail "no virtioN-input.0 IRQ in the summary$(nt_show Q)"
	within "$got" "$irq" 5 || fail "counted $got calls, /proc/interrupts says $irq (+-5 %)"
	assert_jq Q "\$sum.irqs | all(.interface == \"eth0\") and any(.name | test(\"-config\$\"))" \
		"every IRQ is eth0's, the config IRQ among them"
	assert_jq Q "\$sum.irqs[] | select(.name | test(\"input\\\\.0\$\")) | .handled == .calls - .none and .avg_us > 0" \
		"calls are handled or IRQ_NONE, and handler time is measured"
	name=$(jq -rs '[.[] | select(.type == "summary")] | last | .irqs[] | select(.name | test("^virtio[0-9]+-input\\.0$")) | .name' "$W/Q.out")
	s_calls=$(metric nettrail_virtnet_irq_calls_total "name=\"$name\"" 'device="eth0"')
	s_handled=$(metric nettrail_virtnet_irq_handled_total "name=\"$name\"" 'device="eth0"')
	s_none=$(metric nettrail_virtnet_irq_none_total "name=\"$name\"" 'device="eth0"')
	s_cpus=$(grep "^nettrail_virtnet_irq_cpu_calls_total{.*name=\"$name\"" "$W/irq.prom" | awk '{ s += $NF } END { print s + 0 }')
	echo "# scraped $name: $s_calls calls ($s_handled handled, $s_none IRQ_NONE), $s_cpus over the CPUs"
	[[ $s_calls =~ ^[0-9]+$ ]] || fail "no scraped calls of $name on eth0$(cat "$W/irq.prom")"
	within "$s_calls" "$irq" 5 || fail "scraped $s_calls calls, /proc/interrupts says $irq (+-5 %)"
	within "$s_calls" "$got" 1 || fail "scraped $s_calls calls, the summary $got (+-1 %)"
	((s_handled + s_none == s_calls && s_cpus == s_calls)) ||
		fail "scraped handled $s_handled + IRQ_NONE $s_none, per CPU $s_cpus: not the $s_calls calls"
	grep -q '^nettrail_virtnet_irq_calls_total{.*name="virtio[0-9]*-config",device="eth0"' "$W/irq.prom" ||
		fail "the config IRQ is not scraped$(cat "$W/irq.prom")"
}

# kernel_icmp_rtt inside the VM on its real virtio-net NIC (the manual's plan B for scenario
# 3): netem D on the VM's eth0 holds each request D in its qdisc; the VM pings the remote host
# and every exchange has the request path's net_dev_queue -> net_dev_xmit >= D as the
# bottleneck, the time outside the VM well below D, the stages from the IP layer to icmp_rcv
case_vm_icmp_rtt() {
	local d_ms=30 n=8
	labvm_exec "tc qdisc add dev eth0 root netem delay ${d_ms}ms" || fail "VM: cannot add netem"
	# shellcheck disable=SC2064
	trap "labvm_exec 'tc qdisc del dev eth0 root' >/dev/null; _nt_case_cleanup" EXIT
	vm_start K kernel_icmp_rtt --src-ip "$LAB_SERVER_IP" --dst-ip "$LAB_CLIENT_IP" --interface eth0 \
		--direction tx --json
	labvm_exec "ping -n -q -c $n -i 0.3 -W 3 $LAB_CLIENT_IP" >"$W/vmping.out" ||
		fail "VM: pings to the remote host lost replies: $(cat "$W/vmping.out")"
	vm_stop K
	assert_exit K 0
	nt_check_json K kernel_icmp_rtt
	echo "# request paths (ms): $(jq -s -c '[.[] | select(.type == "event") | .request_path_us / 1000 | floor]' "$W/K.out"), wire (us): $(jq -s -c '[.[] | select(.type == "event") | .wire_us | floor]' "$W/K.out")"
	assert_jq K "(\$ev | length) == $n and \$sum.exchanges.completed == $n" "$n exchanges, all complete"
	assert_jq K "all(\$ev[]; [.segments[] | select(.bottleneck)] | length == 1 and .[0].from == \"net_dev_queue\" and
		.[0].to == \"net_dev_xmit\" and .[0].us >= $((d_ms * 1000)) and .[0].us < $((d_ms * 1000 * 2)))" \
		"each request held D..2 D in eth0's qdisc, the bottleneck"
	assert_jq K "([\$ev[].wire_us] | sort | .[length / 2 | floor]) < $((d_ms * 1000 / 2))" \
		"the time outside the VM (median) is below D/2"
	assert_jq K "all(\$ev[]; ([.stages[].name] | index(\"icmp_rcv\") != null) and (.stages[0].name | test(\"ip_local_out|ip_output\")) and
		([.stages[] | select(.name == \"net_dev_xmit\" or .name == \"netif_receive_skb\") | .iface] | unique == [\"eth0\"]))" \
		"from the IP layer to icmp_rcv (the guest kernel's function stages), the device stages on eth0"
}

# ---- the VM path on its host: vm_network_latency_summary/details, vm_network_performance_metrics

# vmlat T TOOL ARGS...: a VM-path tool on the VM's host, tap and physical port of the lab
vmlat() {
	local t=$1 tool=$2
	shift 2
	nt_start "$t" "$LAB_ROUTER_NS" "$tool" --vm-interface "$LAB_TX_IF" --phy-interface "$LAB_RX_IF" \
		--json "$@"
}

vmlat_end() {
	nt_stop "$1" INT 10
	assert_exit "$1" 0
	nt_check_json "$1" "$2"
	assert_unloaded "$1"
}

# tbf QUALIFIER DEV ARGS...: a tbf as DEV's root qdisc on the VM's host, removed with the case
tbf_on() {
	local dev=$1
	shift
	ip netns exec "$LAB_ROUTER_NS" tc qdisc replace dev "$dev" root tbf "$@" || fail "lab: cannot add tbf on $dev"
	# shellcheck disable=SC2064 # the qdisc goes with the case, also when it fails
	trap "ip netns exec '$LAB_ROUTER_NS' tc qdisc del dev '$dev' root 2>/dev/null; _nt_case_cleanup" EXIT
}

# the last interval report of T
IV='($all | map(select(.type == "interval")) | last) as $iv'

# healthy VM traffic both ways: 100 pings from the remote host and 100 UDP echoes, each one
# packet into the VM and one out of it: the summary's tx (leaving the VM) and rx (to it)
# complete exactly those, per flow, +-2 %
case_vmlat_counts() {
	local mode=$1 echoes
	# shellcheck disable=SC2046
	vmlat S vm_network_latency_summary --direction both --vm-ip "$LAB_SERVER_IP" --stage-latency \
		--interval 600 $(nt_mode_args "$mode")
	pings 100 $((RANDOM % 50000 + 10000)) 0.01
	echoes=$(labvm_udp_bursts 100 1 64 0 0.01) || fail "lab: UDP echo failed"
	[[ $echoes -ge 98 ]] || fail "lab: only $echoes of 100 UDP echoes came back"
	vmlat_end S vm_network_latency_summary
	echo "# 100 pings answered, $echoes UDP echoes; mode $mode: $(grep -o '\[vnet_rx=[^ ]*' "$W/S.err")"
	if [[ $mode == auto ]]; then
		grep -q "vnet_rx=tc-ingress:$LAB_TX_IF .*vnet_queue=tc-egress:$LAB_TX_IF" "$W/S.err" ||
			fail "auto: the tap's stages are not tc hooks on $LAB_TX_IF$(nt_show S)"
	fi
	local want=$((100 + echoes)) tol=$(((100 + echoes) * 2 / 100 + 1))
	assert_jq S "$IV | [\$iv.tx.completed, \$iv.rx.completed] | all(. >= $want - $tol and . <= $want + $tol)" \
		"tx and rx each completed $want packets +-2 %"
	assert_jq S "$IV | [\$iv.tx, \$iv.rx] | all(.started == .completed)" "every packet started completed"
	assert_jq S "$IV | [\$iv.flows[] | select(.protocol == \"udp\") | .latency_us.count] | sort == [$echoes, $echoes]" \
		"one UDP flow each way, $echoes packets each"
	assert_jq S "$IV | [\$iv.flows[] | select(.protocol == \"icmp\") | {direction, src_ip, n: .latency_us.count}] | sort_by(.direction) ==
		[{direction: \"rx\", src_ip: \"$LAB_CLIENT_IP\", n: 100}, {direction: \"tx\", src_ip: \"$LAB_SERVER_IP\", n: 100}]" \
		"pings: 100 requests to the VM (rx), 100 replies from it (tx)"
	assert_jq S "$IV | ([\$iv.tx.stages[] | .from + \">\" + .to] | sort) == [\"net_dev_queue>net_dev_xmit\", \"vnet_rx>net_dev_queue\"] and
		([\$iv.rx.stages[] | .from + \">\" + .to] | sort) == [\"netif_receive_skb>vnet_queue\", \"vnet_queue>tun_net_xmit\"]" \
		"stage pairs: tap -> NIC for tx, NIC -> tap for rx"
}

# tbf on the physical port (800 kbit): bursts of ten 1000-byte echoes queue there on their way
# out of the VM, up to ten frames' time (~104 ms). Only tx's qdisc pair holds it; the
# summary names that pair and the VM's flow, and rx stays fast
case_vmlat_tbf_phy() {
	local echoes
	tbf_on "$LAB_RX_IF" rate 800kbit burst 1600 limit 30000
	vmlat S vm_network_latency_summary --direction both --protocol udp --stage-latency --interval 600
	echoes=$(labvm_udp_bursts 10 10 1000) || fail "lab: UDP echo failed"
	vmlat_end S vm_network_latency_summary
	echo "# $echoes echoes; tx pairs: $(jq -c -s '[.[] | select(.type == "interval")] | last | [.tx.stages[] | {from, to, p50: .latency_us.p50, max: .latency_us.max}]' "$W/S.out")"
	[[ $echoes -ge 50 ]] || fail "lab: the VM echoed $echoes of 100 datagrams"
	assert_jq S "$IV | \$iv.rx.completed == 100 and (\$iv.tx.completed - $echoes | fabs) <= 2" \
		"100 datagrams to the VM (rx), its $echoes echoes out (tx, +-2)"
	assert_jq S "$IV | \$iv.tx.stages[] | select(.from == \"net_dev_queue\") | .latency_us.max >= 40000 and .latency_us.max <= 115000" \
		"tx: the qdisc pair net_dev_queue -> net_dev_xmit holds the queueing (max 40-115 ms)"
	assert_jq S "$IV | \$iv.tx.stages[] | select(.from == \"vnet_rx\") | .latency_us.max < 20000" \
		"tx: tap -> net_dev_queue stays below 20 ms"
	assert_jq S "$IV | \$iv.rx.latency_us.max < 20000" "rx (toward the VM) stays below 20 ms"
	assert_jq S "$IV | \$iv.tx.p99_stage.from == \"net_dev_queue\" and \$iv.tx.p99_stage.to == \"net_dev_xmit\" and
		\$iv.tx.p99_flow.src_ip == \"$LAB_SERVER_IP\" and (\$iv.tx.p99_flow.next | test(\"vm_network_latency_details .*--src-ip $LAB_SERVER_IP .*--direction tx\"))" \
		"the finding: tx's P99 is in the qdisc pair, from the VM's flow, with the details command"
}

# tbf on the tap (100 kbit, 1600-byte bucket): each burst of two full frames and a 100-byte probe
# to the VM holds the probe ~125 ms on the tap ((2 x 1514 + 142 - 1600) bytes at 100 kbit).
# details --latency-ms 60 reports every probe with that time in the tap's pair, --latency-ms
# 300 none; the summary puts it in rx's vnet_queue -> tun_net_xmit, and tx stays fast
case_vmlat_tbf_tap() {
	local echoes
	tbf_on "$LAB_TX_IF" rate 100kbit burst 1600 limit 20000
	vmlat D vm_network_latency_details --direction rx --protocol udp --dst-port "$LAB_VM_ECHO_PORT" --latency-ms 60
	vmlat N vm_network_latency_details --direction rx --protocol udp --dst-port "$LAB_VM_ECHO_PORT" --latency-ms 300
	vmlat S vm_network_latency_summary --direction both --port "$LAB_VM_ECHO_PORT" --stage-latency --interval 600
	echoes=$(labvm_udp_bursts 8 1 100 2 0.6) || fail "lab: UDP echo failed"
	vmlat_end D vm_network_latency_details
	vmlat_end N vm_network_latency_details
	vmlat_end S vm_network_latency_summary
	# the 8 probes reach the tap whatever the VM echoes (under TCG it may miss one)
	echo "# $echoes probes echoed; details totals (us): $(jq -s -c '[.[] | select(.type == "event") | .total_us | floor]' "$W/D.out")"
	# every probe is accounted: reported, or counted incomplete when the kernel skipped a run
	# (a tracing program is not re-entered on a CPU; stderr says how many): one at most
	assert_jq D "\$sum.packets.started == 8 and (\$ev | length) >= 7 and (\$ev | length) + \$sum.packets.incomplete == 8 and
		all(\$ev[]; .direction == \"rx\" and .total_us >= 100000 and .total_us <= 150000)" \
		"--latency-ms 60: the 8 probes (7 at least, the rest counted incomplete), each 100-150 ms"
	assert_jq D "all(\$ev[]; .bottleneck == \"vnet_queue -> tun_net_xmit\" and .stages[0].name == \"netif_receive_skb\" and
		.stages[0].iface == \"$LAB_RX_IF\" and (.stages | last | .name == \"tun_net_xmit\" and .iface == \"$LAB_TX_IF\"))" \
		"each from the physical port to the tap, the tap's queue the bottleneck"
	assert_jq N "(\$ev | length) == 0 and \$sum.packets.started == 8" "--latency-ms 300: none of the 8"
	assert_jq S "$IV | (\$iv.rx.stages[] | select(.from == \"vnet_queue\") | .latency_us.p50 >= 100000) and
		\$iv.rx.p99_stage.from == \"vnet_queue\" and (\$iv.tx.completed - $echoes | fabs) <= 1 and
		(\$iv.tx.latency_us.max // 0) < 20000" \
		"summary: rx's tap pair holds it, tx (the echoes) stays below 20 ms"
}

# netem 50 ms inside the VM: pings take >= 50 ms, none of it in the host's VM path
case_vmlat_delay_in_vm() {
	labvm_exec "tc qdisc add dev eth0 root netem delay 50ms" || fail "VM: cannot add netem"
	# shellcheck disable=SC2064
	trap "labvm_exec 'tc qdisc del dev eth0 root' >/dev/null; _nt_case_cleanup" EXIT
	vmlat S vm_network_latency_summary --direction both --protocol icmp --stage-latency --interval 600
	ip netns exec "$LAB_CLIENT_NS" ping -n -c 20 -i 0.1 -W 3 "$LAB_SERVER_IP" >"$W/ping.out" 2>&1 ||
		fail "lab: pings lost: $(cat "$W/ping.out")"
	vmlat_end S vm_network_latency_summary
	awk -F'[/ ]' '/^rtt/ { exit !($7 >= 50) }' "$W/ping.out" || fail "the pings' minimum RTT is below 50 ms: $(tail -n 1 "$W/ping.out")"
	echo "# ping: $(tail -n 1 "$W/ping.out")"
	assert_jq S "$IV | \$iv.tx.completed == 20 and \$iv.rx.completed == 20" "20 requests in, 20 replies out"
	assert_jq S "$IV | \$iv.tx.latency_us.max < 25000 and \$iv.rx.latency_us.max < 25000" \
		"no packet spent D/2 in the host's VM path"
}

# vm_network_performance_metrics with the tbf on the physical port: one timeline per echo
# leaving the VM, tap -> qdisc -> NIC, the qdisc's sojourn and queue length with it
case_vm_metrics() {
	local echoes
	tbf_on "$LAB_RX_IF" rate 800kbit burst 1600 limit 30000
	vmlat M vm_network_performance_metrics --direction tx --protocol udp --vm-ip "$LAB_SERVER_IP"
	echoes=$(labvm_udp_bursts 5 10 1000) || fail "lab: UDP echo failed"
	vmlat_end M vm_network_performance_metrics
	echo "# $echoes echoes; sojourn (ms): $(jq -s -c '[.[] | select(.type == "event") | .qdisc_sojourn_us / 1000 | floor]' "$W/M.out")"
	assert_jq M "((\$ev | length) - $echoes | fabs) <= 1" "one timeline per echo ($echoes +-1)"
	assert_jq M "all(\$ev[]; [.stages[].name] == [\"vnet_rx\", \"net_dev_queue\", \"qdisc_enqueue\", \"qdisc_dequeue\", \"net_dev_xmit\"] and
		.stages[0].iface == \"$LAB_TX_IF\" and .stages[4].iface == \"$LAB_RX_IF\")" \
		"tap -> net_dev_queue -> qdisc -> NIC, on the lab's interfaces"
	assert_jq M "([\$ev[].qdisc_sojourn_us] | max) >= 40000 and ([\$ev[].qdisc_sojourn_us] | max) <= 115000 and
		([\$ev[].qdisc_qlen] | max) >= 3" "qdisc sojourn up to 40-115 ms, queue length seen"
}

# ---- two VMs on one host: the VM's two NICs (the second alone in a namespace of the VM) ---

# pair T TOOL ARGS...: a pair tool on the VM's host, from the first NIC's tap to the second's
pair() {
	local t=$1 tool=$2
	shift 2
	nt_start "$t" "$LAB_ROUTER_NS" "$tool" --src-vm-interface "$LAB_TX_IF" \
		--dst-vm-interface "$LAB_VM2_TAP" --json "$@"
}

# vm_pings N INTERVAL: VM A (the first NIC) pings VM B (the second), every one answered
vm_pings() {
	labvm_exec "ping -n -q -c $1 -i $2 -W 3 $LAB_VM2_IP" >"$W/vmping.out" ||
		fail "VM: pings A -> B lost replies: $(cat "$W/vmping.out")"
}

# A pings B 50 times: A -> B completes exactly the 50 requests, one flow (B's replies take the
# other way), and with nothing slow vm_pair_gap reports none
case_vm_pair_counts() {
	local n=50
	pair P vm_pair_latency --interval 600 --stage-latency
	pair G vm_pair_gap --threshold 100000
	vm_pings $n 0.02
	vmlat_end P vm_pair_latency
	vmlat_end G vm_pair_gap
	grep -q "from tap $LAB_TX_IF to tap $LAB_VM2_TAP" "$W/P.err" || fail "the ready line names the taps$(nt_show P)"
	assert_jq P "$IV | \$iv.tx.completed == $n and \$iv.tx.started == $n and (\$iv.flows | length) == 1 and
		\$iv.flows[0].src_ip == \"$LAB_SERVER_IP\" and \$iv.flows[0].dst_ip == \"$LAB_VM2_IP\"" \
		"$n requests A -> B in one flow, none of B's replies"
	assert_jq P "$IV | \$iv.tx.stages | map(.from + \">\" + .to) | index(\"net_dev_queue>net_dev_xmit\") != null" \
		"B's tap queue is a stage pair"
	assert_jq G "(\$ev | length) == 0 and \$sum.packets.completed == $n" "vm_pair_gap: none of the $n above 100 ms"
}

# tbf (8 kbit) on B's tap: A's 10 pings, 50 ms apart, need ~98 ms each there, so they queue
# (the k-th ~48k ms more): vm_pair_gap --threshold 100 ms reports the ones behind two others
# at least, each with its time in B's tap queue; vm_pair_latency has that pair holding it
case_vm_pair_gap() {
	local n=10
	tbf_on "$LAB_VM2_TAP" rate 8kbit burst 200 limit 10000
	pair G vm_pair_gap --threshold 100000
	pair P vm_pair_latency --interval 600 --stage-latency
	vm_pings $n 0.05
	vmlat_end G vm_pair_gap
	vmlat_end P vm_pair_latency
	echo "# gaps (ms): $(jq -s -c '[.[] | select(.type == "event") | .total_us / 1000 | floor]' "$W/G.out")"
	assert_jq G "(\$ev | length) >= 3 and \$sum.packets.started == $n and
		all(\$ev[]; .total_us >= 100000 and .bottleneck == \"net_dev_queue -> net_dev_xmit\" and
		.stages[0].iface == \"$LAB_TX_IF\" and (.stages | last | .iface == \"$LAB_VM2_TAP\"))" \
		"the slow ones (>= 100 ms), queued at B's tap, from A's tap"
	assert_jq G "(\$sum.packets.completed - (\$ev | length)) >= 1" "the first ones were faster than the threshold"
	assert_jq P "$IV | (\$iv.tx.stages[] | select(.from == \"net_dev_queue\") | .latency_us.max >= 150000 and
		.latency_us.max <= 900000) and \$iv.tx.p99_stage.from == \"net_dev_queue\"" \
		"vm_pair_latency: B's tap queue holds it (150-900 ms)"
}

nt_case "vm lab: vm_network_latency_summary, healthy traffic both ways -> tx and rx complete what was sent, per flow (+-2 %) [auto]" case_vmlat_counts auto
nt_case "vm lab: vm_network_latency_summary, healthy traffic both ways -> tx and rx complete what was sent, per flow (+-2 %) [tracepoint]" case_vmlat_counts tracepoint
nt_case "vm lab: tbf on the physical port -> only tx's qdisc pair holds the queueing; the finding names it and the VM's flow" case_vmlat_tbf_phy
nt_case "vm lab: tbf on the tap -> details reports each probe (>= 60 ms), none above 300 ms; rx's tap pair holds it" case_vmlat_tbf_tap
nt_case "vm lab: netem D inside the VM -> pings take D, no host stage of the VM path does" case_vmlat_delay_in_vm
nt_case "vm lab: vm_network_performance_metrics -> tap -> qdisc -> NIC timelines with the qdisc sojourn" case_vm_metrics
nt_case "vm lab: icmp_path_tracer on a real VM's host -> in on the physical port, out on the tap, the VM's reply back through the tap" case_vm_path
nt_case "vm lab: netem D inside the VM -> each exchange >= D outside the host, the least grows by D (+-10 %), the host's segments do not" case_vm_delay
nt_case "vm lab: virtnet_poll_monitor in the VM -> input-0 packets == eth0 rx_packets, receive interrupts == the input IRQ (+-5 %); the same scraped from --prometheus while it runs" case_virtnet_poll
nt_case "vm lab: virtnet_poll_monitor in the VM without the driver's BTF (forced) -> poll functions tell rx, eth0's rx rows == rx_packets (+-5 %)" case_virtnet_poll_by_function
nt_case "vm lab: vm_pair_latency on the VM's two NICs (two VMs to the host) -> A -> B completes exactly A's pings, one flow; vm_pair_gap reports none" case_vm_pair_counts
nt_case "vm lab: tbf on VM B's tap -> vm_pair_gap reports the pings behind others, queued at B's tap; vm_pair_latency's pair holds it" case_vm_pair_gap
nt_case "vm lab: kernel_icmp_rtt inside the VM on its virtio-net NIC -> netem D on eth0 is each request's bottleneck (net_dev_queue -> net_dev_xmit >= D), the wire stays below D/2" case_vm_icmp_rtt
nt_case "vm lab: virtnet_irq_monitor in the VM -> the input IRQ's calls == /proc/interrupts (+-5 %), IRQs named after the device; the same scraped from --prometheus while it runs" case_virtnet_irq
nt_done
