#!/bin/bash
# drop_monitor_controller end to end: quiet while a UDP flow is healthy; after a FORWARD
# drop rule appears, a trigger within --sustain + 1 s, then eth_drop's capture of the
# dropped flow (reason, location, stack) for --capture-seconds, then watching again.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$REPO/tests/lab/lab_drops.sh"

TOOL=drop_monitor_controller

# udp_flow PORT PPS SECONDS: a listener on the server and a steady flow client -> server
udp_flow() {
	local port=$1 pps=$2 secs=$3
	ip netns exec "$LAB_SERVER_NS" timeout $((secs + 3)) /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((sys.argv[1], int(sys.argv[2])))
while True: s.recv(2000)' "$LAB_SERVER_IP" "$port" >/dev/null 2>&1 &
	sleep 0.3
	ip netns exec "$LAB_CLIENT_NS" timeout $((secs + 2)) /usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((sys.argv[1], 40021))
pps, end = int(sys.argv[4]), time.time() + float(sys.argv[5])
while time.time() < end:
    s.sendto(b"flow", (sys.argv[2], int(sys.argv[3]))); time.sleep(1.0 / pps)' \
		"$LAB_CLIENT_IP" "$LAB_SERVER_IP" "$port" "$pps" "$secs" &
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

case_quiet_then_capture() {
	nt_lab router
	local sustain=1
	mkdir "$W/logs"
	nt_start M "$LAB_ROUTER_NS" $TOOL --json --threshold 20 --sustain $sustain --capture-seconds 1 \
		--src-ip "$LAB_CLIENT_IP" --log-dir "$W/logs"
	udp_flow 5601 100 5
	sleep 1.8
	[[ -s $W/M.out ]] && fail "output while the flow was healthy$(nt_show M)"
	local t0 t1 i
	lab_drop_udp_forward 5601
	t0=$(now_ms)
	for ((i = 0; i < 100; i++)); do
		grep -q '"type":"trigger"' "$W/M.out" && break
		sleep 0.05
	done
	t1=$(now_ms)
	grep -q '"type":"trigger"' "$W/M.out" || fail "no trigger within 5 s of the drop rule$(nt_show M)"
	echo "trigger $((t1 - t0)) ms after the drop rule"
	(((t1 - t0) <= (sustain + 1) * 1000)) || fail "trigger $((t1 - t0)) ms after the rule, > sustain+1 s$(nt_show M)"
	for ((i = 0; i < 60; i++)); do
		grep -q '"type":"capture_end"' "$W/M.out" && break
		sleep 0.05
	done
	sleep 0.2
	drop_finish M $TOOL
	assert_jq M "\$all[0].type == \"trigger\" and \$all[0].capture == 1 and \$all[0].source == \"kfree_skb\" and \$all[0].rate > 20" \
		"the first output is trigger #1 (kfree_skb rate above 20/s)"
	assert_jq M "[\$ev[] | select(.capture == 1)] | length >= 50" "capture #1 has the drops of ~1 s at 100 pps"
	assert_jq M "all(\$ev[]; .reason == \"NETFILTER_DROP\" and .src_ip == \"$LAB_CLIENT_IP\" and .dst_port == 5601 and .ifname == \"$LAB_RX_IF\")" \
		"captured drops: NETFILTER_DROP of client -> server:5601 on $LAB_RX_IF"
	assert_jq M "all(\$ev[]; (.location | test(\"^nft?_\")) and any(.stack[]; startswith(\"nf_hook_slow+\")))" \
		"captured drops have eth_drop's location and stack"
	assert_jq M "[\$all[] | select(.type == \"capture_end\")][0] | .capture == 1 and .drops >= 50 and .lost_events == 0" \
		"capture #1 ends with its drop count"
	assert_jq M "\$sum.captures >= 1 and \$sum.drops_watched >= (\$ev | length) and \$sum.lost_events == 0" \
		"summary: captures, watched >= captured, nothing lost"
	check_log_file M "$W/logs" jsonl "$(jq -s '[.[] | select(.type == "summary")][0].captures' "$W/M.out")"
}

# check_log_file T DIR EXT CAPTURES: --log-dir holds one file per capture (CAPTURES: what T's
# summary says), named capture-N-<UTC time>-<source>.EXT; capture #1's starts with its trigger, has
# >= 20 NETFILTER_DROP events of the client's flow, each also on stdout, and ends with the
# capture's end
check_log_file() {
	local t=$1 dir=$2 ext=$3 want=$4 f
	((want >= 1)) || fail "$t: no capture in the summary$(nt_show "$t")"
	assert_eq "files in --log-dir ($(ls "$dir" | tr '\n' ' '))" "$(ls "$dir" | grep -c .)" "$want"
	f=$(ls "$dir"/capture-1-*-kfree_skb."$ext" 2>/dev/null)
	[[ -f $f ]] || fail "no capture-1-<time>-kfree_skb.$ext in --log-dir: $(ls "$dir")"
	[[ $(basename "$f") =~ ^capture-1-[0-9]{8}T[0-9]{6}Z-kfree_skb\.$ext$ ]] || fail "file name $(basename "$f")"
	if [[ $ext == txt ]]; then
		head -n 1 "$f" | grep -q "TRIGGER #1: " || fail "the file does not start with the trigger: $(head -n 3 "$f")"
		(($(grep -c "NETFILTER_DROP" "$f") >= 20)) || fail "the file has < 20 captured drops: $(head -n 5 "$f")"
		tail -n 1 "$f" | grep -q "CAPTURE #1 END" || fail "the file does not end with the capture's end: $(tail -n 2 "$f")"
		return 0
	fi
	jq -se --arg ip "$LAB_CLIENT_IP" --arg f "$f" '
		.[0].type == "trigger" and .[0].capture == 1 and .[0].source == "kfree_skb" and .[0].log_file == $f
		and ([.[] | select(.type == "event")] | length >= 50
		     and all(.[]; .capture == 1 and .reason == "NETFILTER_DROP" and .src_ip == $ip))
		and (last | .type == "capture_end" and .capture == 1)' "$f" >/dev/null ||
		fail "capture file $f: not trigger, >= 50 NETFILTER_DROP events, capture_end: $(head -c 600 "$f")"
	# every line of the file was printed on stdout too
	local missing
	missing=$(grep -vxFf "$W/$t.out" "$f" | grep -c .)
	assert_eq "capture file lines missing from stdout" "$missing" 0
}

# a drop rate below the threshold never triggers; --max-captures ends the tool
case_below_threshold_and_max() {
	nt_lab router
	lab_drop_udp_forward 5602
	nt_start L "$LAB_ROUTER_NS" $TOOL --json --threshold 200 --sustain 0.5 --src-ip "$LAB_CLIENT_IP"
	nt_start H "$LAB_ROUTER_NS" $TOOL --json --threshold 10 --sustain 0.5 --capture-seconds 0.5 \
		--max-captures 1 --src-ip "$LAB_CLIENT_IP" --no-stack
	udp_flow 5602 60 3
	nt_wait_exit H 6
	assert_exit H 0
	assert_unloaded H
	drop_finish L $TOOL
	assert_jq L "[\$all[] | select(.type != \"summary\")] | length == 0 and \$sum.captures == 0 and \$sum.drops_watched > 50" \
		"60 drops/s under --threshold 200: watched, never triggered"
	assert_jq H "\$sum.captures == 1 and ([\$all[] | select(.type == \"trigger\")] | length) == 1" \
		"--max-captures 1: one capture, then the tool ends by itself"
	assert_jq H "all(\$ev[]; (.stack // []) | length == 0)" "--no-stack: captures without stacks"
}

case_text() {
	nt_lab router
	lab_drop_udp_forward 5603
	mkdir "$W/logs"
	nt_start T "$LAB_ROUTER_NS" $TOOL --threshold 10 --sustain 0.5 --capture-seconds 0.5 --src-ip "$LAB_CLIENT_IP" \
		--log-dir "$W/logs"
	udp_flow 5603 60 2
	sleep 2
	nt_stop T TERM 5
	assert_exit T 0
	assert_unloaded T
	local want
	for want in "TRIGGER #1" NETFILTER_DROP "CAPTURE #1 END" "$LAB_CLIENT_IP:40021" "=== $TOOL summary ==="; do
		grep -qF -- "$want" "$W/T.out" || fail "text output lacks '$want'$(nt_show T)"
	done
	check_log_file T "$W/logs" txt "$(sed -n 's/^Captures: \([0-9]*\).*/\1/p' "$W/T.out")"
}

case_usage() {
	drop_usage_error --threshold 0 $TOOL --threshold 0
	drop_usage_error --sustain 0.01 $TOOL --sustain 0.01
	drop_usage_error --capture-seconds abc $TOOL --capture-seconds abc
	drop_usage_error --interface ntnosuch5 $TOOL --interface ntnosuch5
	drop_usage_error --command "" $TOOL --command "eth_drop"
	drop_usage_error --log-dir "$W/nosuchdir" $TOOL --log-dir "$W/nosuchdir"
	: >"$W/afile"
	drop_usage_error --log-dir "$W/afile" $TOOL --log-dir "$W/afile"
}

nt_case "$TOOL: quiet while healthy, trigger within --sustain+1 s of a drop rule, eth_drop capture" case_quiet_then_capture
nt_case "$TOOL: below --threshold never triggers; --max-captures ends the tool" case_below_threshold_and_max
nt_case "$TOOL: text output, SIGTERM" case_text
nt_case "$TOOL: bad input -> exit 2 before loading" case_usage
nt_done
