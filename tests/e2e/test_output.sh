#!/bin/bash
# nettrail output that ends cleanly (issue 15): when the reader of stdout goes away (head,
# grep -m1, a dead tee) every tool ends as on SIGTERM, at once, whether events are flowing
# or nothing is written: probes detached, the summary on stderr, exit 141 (README "Ending").
# A SIGINT while a write is blocked on a stalled reader ends the tool within the 1 s grace,
# and every drop is either read by the reader or counted in lost_events. A watched
# interface that is deleted ends the tool with exit 1 naming it.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/../lab/lab_drops.sh"

PORT=9900

# pipe_start T NS READER ARGS...: `nettrail ARGS` in NS with stdout into a pipe read by the
# shell command READER (its output in $W/T.out, the time it ended, ns, in $W/T.rdone).
# Waits for the Tracing line and records T's programs, like nt_start; READER starts only
# then (a loaded machine may take longer than a reader's sleep to attach).
pipe_start() {
	local t=$1 ns=$2 reader=$3
	shift 3
	nt_need_binary
	mkfifo "$W/$t.fifo"
	bash -c "while [ ! -e '$W/$t.go' ]; do sleep 0.02; done; $reader; date +%s%N >'$W/$t.rdone'" \
		<"$W/$t.fifo" >"$W/$t.out" 2>/dev/null &
	echo $! >"$W/${t}r.pid"
	_NT_TOOLS+=("${t}r")
	echo "+ ip netns exec $ns $NT $* | $reader" >"$W/$t.cmd"
	env --default-signal=INT,TERM ip netns exec "$ns" "$NT" "$@" >"$W/$t.fifo" 2>"$W/$t.err" &
	echo $! >"$W/$t.pid"
	_NT_TOOLS+=("$t")
	nt_wait_ready "$t" 10
	nt_record_progs "$t"
	touch "$W/$t.go"
}

# ended_within T MS: T ends (status in $W/T.rc) at most MS ms after its reader ended
ended_within() {
	local t=$1 ms=$2 pid i late
	pid=$(nt_pid "$t")
	for ((i = 0; i < 200; i++)); do
		[[ -s $W/$t.rdone ]] && break
		sleep 0.05
	done
	[[ -s $W/$t.rdone ]] || fail "$t: the reader did not end within 10 s$(nt_show "$t")"
	while kill -0 "$pid" 2>/dev/null; do
		late=$((($(date +%s%N) - $(cat "$W/$t.rdone")) / 1000000))
		((late > ms + 3000)) && break
		sleep 0.02
	done
	late=$((($(date +%s%N) - $(cat "$W/$t.rdone")) / 1000000))
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid"
		wait "$pid" 2>/dev/null
		fail "$t: still running ${late} ms after its stdout reader exited (killed)$(nt_show "$t")"
	fi
	wait "$pid"
	echo $? >"$W/$t.rc"
	((late <= ms)) || fail "$t: ended ${late} ms after its reader exited (limit ${ms} ms)$(nt_show "$t")"
}

# reader_gone_checks T: exit 141, one line saying why, a summary on stderr, nothing loaded
reader_gone_checks() {
	local t=$1
	assert_exit "$t" 141
	grep -q 'stdout closed' "$W/$t.err" || fail "$t: stderr does not say stdout closed$(nt_show "$t")"
	assert_unloaded "$t"
	assert_no_orphan_progs
}

# drops flowing (router drops client->server UDP), as a background loop until the case ends
drop_flow() {
	lab_drop_udp_forward "$PORT" || fail "lab: iptables"
	(while :; do drop_udp_burst "$LAB_CLIENT_NS" "$LAB_CLIENT_IP" "$LAB_SERVER_IP" "$PORT" 50; sleep 0.02; done) &
	echo $! >"$W/flow.pid"
	_NT_TOOLS+=(flow)
}

# ---- the reader exits while events flow ------------------------------------------------

case_eth_drop_flowing() {
	local fmt=$1 reader
	nt_lab router
	# text: the header is the first line, so wait for the first drop line instead
	[[ $fmt == --json ]] && reader="head -n 1" || reader="grep -m 1 NETFILTER_DROP"
	pipe_start T "$LAB_ROUTER_NS" "$reader" eth_drop $([[ $fmt == --json ]] && echo --json) \
		--src-ip "$LAB_CLIENT_IP"
	drop_flow
	ended_within T 2000
	reader_gone_checks T
	[[ $fmt == --json ]] && { assert_jq T "\$ev | length == 1" "the reader got one event"; }
	grep -q '"type":"summary"\|=== eth_drop summary' "$W/T.err" ||
		fail "no summary on stderr$(nt_show T)"
}

case_summary_tool() {
	local fmt=$1
	nt_lab router
	pipe_start T "$LAB_ROUTER_NS" "head -n 1" kernel_drop_stack_stats_summary_all \
		$([[ $fmt == --json ]] && echo --json) --interval 1 --src-ip "$LAB_CLIENT_IP"
	drop_flow
	ended_within T 2000
	reader_gone_checks T
	grep -q '"type":"summary"\|kernel_drop_stack_stats_summary_all summary' "$W/T.err" ||
		fail "no summary on stderr$(nt_show T)"
}

case_icmp_flowing() {
	local fmt=$1
	nt_lab router
	pipe_start T "$LAB_ROUTER_NS" "head -n 1" icmp_path_tracer $([[ $fmt == --json ]] && echo --json) \
		--src-ip "$LAB_CLIENT_IP" --dst-ip "$LAB_SERVER_IP" --rx-iface "$LAB_RX_IF" \
		--tx-iface "$LAB_TX_IF"
	ip netns exec "$LAB_CLIENT_NS" ping -n -q -i 0.05 -c 100 "$LAB_SERVER_IP" >/dev/null 2>&1 &
	echo $! >"$W/ping.pid"
	_NT_TOOLS+=(ping)
	ended_within T 2000
	reader_gone_checks T
}

# ---- the reader exits while nothing is written ----------------------------------------

case_idle() {
	local tool=$1 fmt=$2 args=()
	nt_lab router
	case $tool in
	eth_drop) args=(--src-ip "$LAB_CLIENT_IP") ;;
	icmp_path_tracer) args=(--src-ip "$LAB_CLIENT_IP" --dst-ip "$LAB_SERVER_IP" --rx-iface "$LAB_RX_IF" --tx-iface "$LAB_TX_IF") ;;
	esac
	# a reader that takes nothing and exits after 1 s (text: eth_drop's header sits in the pipe)
	pipe_start T "$LAB_ROUTER_NS" "sleep 1" "$tool" $([[ $fmt == --json ]] && echo --json) "${args[@]}"
	ended_within T 1000
	reader_gone_checks T
}

# ---- SIGINT while a write is blocked on a stalled reader ------------------------------

# 3000 drops into a pipe whose reader sleeps 8 s: the pipe and the ring buffer fill, a
# write blocks. SIGINT must end the tool within the grace (1 s) + 1 s, detached while the
# reader still sleeps; afterwards the events the reader got + lost_events == iptables.
case_stalled_sigint() {
	local fmt=$1 n=3000 ipt t0 ms read lost sum
	nt_lab router
	lab_drop_udp_forward "$PORT" || fail "lab: iptables"
	pipe_start T "$LAB_ROUTER_NS" "sleep 8; cat" eth_drop $([[ $fmt == --json ]] && echo --json) \
		--src-ip "$LAB_CLIENT_IP" --protocol udp --dst-port "$PORT"
	drop_udp_burst "$LAB_CLIENT_NS" "$LAB_CLIENT_IP" "$LAB_SERVER_IP" "$PORT" "$n"
	ipt=$(lab_fault_packets "$LAB_ROUTER_NS")
	assert_eq "iptables counter after the burst" "$ipt" "$n"
	sleep 0.5
	t0=$(date +%s%N)
	kill -INT "$(nt_pid T)"
	nt_wait_exit T 5
	ms=$((($(date +%s%N) - t0) / 1000000))
	((ms <= 2000)) || fail "SIGINT with a stalled reader: the tool took ${ms} ms to end (limit 2000)$(nt_show T)"
	kill -0 "$(cat "$W/Tr.pid")" 2>/dev/null || fail "premise: the reader no longer sleeps"
	assert_exit T 0
	assert_unloaded T
	# now let the reader read what the pipe holds
	wait "$(cat "$W/Tr.pid")"
	if [[ $fmt == --json ]]; then
		read=$(grep -c '"type":"event"' "$W/T.out")
		sum=$(cat "$W/T.out" "$W/T.err" | grep '"type":"summary"' | tail -n 1)
		lost=$(jq -r .lost_events <<<"$sum")
	else
		read=$(grep -c 'NETFILTER_DROP' "$W/T.out")
		lost=$(sed -n 's/^Lost events: \([0-9]*\).*/\1/p' "$W/T.out" "$W/T.err" | tail -n 1)
	fi
	[[ -n $lost ]] || fail "no summary with lost events (stdout or stderr)$(nt_show T)"
	((lost > 0)) || fail "premise: nothing was lost, the reader was not stalled$(nt_show T)"
	assert_eq "events read ($read) + lost_events ($lost) vs the drops the rig made" \
		"$((read + lost))" "$ipt" T
}

# ---- a watched interface is deleted ---------------------------------------------------

case_iface_gone() {
	local tool=$1 ns args=() t0 ms
	nt_lab router
	case $tool in
	eth_drop)
		ns=$LAB_ROUTER_NS
		args=(eth_drop --json --interface "$LAB_RX_IF")
		;;
	system_network_latency_summary)
		ns=$LAB_ROUTER_NS
		args=(system_network_latency_summary --json --phy-interface "$LAB_TX_IF,$LAB_RX_IF"
			--direction both --interval 1)
		;;
	esac
	nt_start T "$ns" "${args[@]}"
	ip netns exec "$LAB_CLIENT_NS" ping -n -q -c 3 -i 0.2 "$LAB_SERVER_IP" >/dev/null 2>&1
	t0=$(date +%s%N)
	ip netns exec "$LAB_ROUTER_NS" ip link del "$LAB_RX_IF" || fail "lab: ip link del"
	nt_wait_exit T 5
	ms=$((($(date +%s%N) - t0) / 1000000))
	((ms <= 1500)) || fail "ended ${ms} ms after the interface was deleted (limit 1500)$(nt_show T)"
	assert_exit T 1
	grep -q -- "$LAB_RX_IF.*gone" "$W/T.err" || fail "stderr does not name $LAB_RX_IF as gone$(nt_show T)"
	[[ -n $(nt_summary T) ]] || fail "no summary$(nt_show T)"
	assert_unloaded T
	assert_no_orphan_progs
}

nt_case "reader exits, events flowing: eth_drop --json | head -1 -> 141, detached" case_eth_drop_flowing --json
nt_case "reader exits, events flowing: eth_drop | grep -m1 -> 141, detached" case_eth_drop_flowing text
nt_case "reader exits: kernel_drop_stack_stats_summary_all --json -i 1 | head -1 -> 141" case_summary_tool --json
nt_case "reader exits: kernel_drop_stack_stats_summary_all -i 1 | head -1 -> 141" case_summary_tool text
nt_case "reader exits, pings flowing: icmp_path_tracer --json | head -1 -> 141" case_icmp_flowing --json
nt_case "reader exits, pings flowing: icmp_path_tracer | head -1 -> 141" case_icmp_flowing text
nt_case "reader exits, idle: eth_drop --json -> ends within 1 s" case_idle eth_drop --json
nt_case "reader exits, idle: eth_drop (text) -> ends within 1 s" case_idle eth_drop text
nt_case "reader exits, idle: icmp_path_tracer --json -> ends within 1 s" case_idle icmp_path_tracer --json
nt_case "stalled reader + SIGINT: eth_drop --json ends, read + lost == iptables" case_stalled_sigint --json
nt_case "stalled reader + SIGINT: eth_drop (text) ends, read + lost == iptables" case_stalled_sigint text
nt_case "interface deleted: eth_drop --interface -> exit 1 naming it" case_iface_gone eth_drop
nt_case "interface deleted: system_network_latency_summary --phy-interface -> exit 1 naming it" \
	case_iface_gone system_network_latency_summary
nt_done
