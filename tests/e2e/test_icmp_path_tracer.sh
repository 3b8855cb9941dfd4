#!/bin/bash
# icmp_path_tracer end to end: real pings through a client -- router -- server lab; the
# tracer runs in the router namespace and must localize each injected drop (manual 1.2
# scenario 1, 3.1.1).
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TIMEOUT_MS=300 # --timeout-ms for drop cases: verdicts come quickly

# tracer T [FLAGS...]: start icmp_path_tracer in the router namespace on the current lab
tracer() {
	local t=$1 rx=$LAB_RX_IF
	shift
	# a case may name the rx interfaces itself (a value option is given once)
	if [[ ${1:-} == --rx-iface ]]; then
		rx=$2
		shift 2
	fi
	nt_start "$t" "$LAB_ROUTER_NS" icmp_path_tracer --src-ip "$LAB_CLIENT_IP" \
		--dst-ip "$LAB_SERVER_IP" --rx-iface "$rx" --tx-iface "$LAB_TX_IF" --json "$@"
}

# ping_id: a fresh ICMP echo identifier for `ping -e`
ping_id() { echo $((RANDOM % 50000 + 10000)); }

# ping_ok N ID [PING ARGS...]: N pings that must all be answered (lab sanity)
ping_ok() {
	local n=$1 id=$2
	shift 2
	lab_ping "$n" "$LAB_SERVER_IP" -e "$id" "$@" || fail "lab: ping with id $id lost replies without a fault"
}
# ping_lost N ID [PING ARGS...]: N pings that must all go unanswered (the fault works)
ping_lost() {
	local n=$1 id=$2 out
	shift 2
	out=$(ip netns exec "$LAB_CLIENT_NS" ping -n -c "$n" -i 0.2 -W 0.5 -e "$id" "$@" "$LAB_SERVER_IP" 2>&1)
	[[ $out == *" 0 received"* ]] || fail "lab: fault did not drop every ping: $out"
}

# finish T: stop T with SIGINT; it must exit 0 with valid JSON, a summary, nothing loaded
finish() {
	local t=$1
	nt_stop "$t" INT 5
	assert_exit "$t" 0
	nt_check_json "$t" icmp_path_tracer
	[[ -n $(nt_summary "$t") ]] || fail "$t: no summary object$(nt_show "$t")"
	assert_unloaded "$t"
}

# expect_events T N ID STATUS: exactly N events, all for this lab's pair, with echo id ID,
# seq 1..N, status STATUS; summary agrees
expect_events() {
	local t=$1 n=$2 id=$3 st=$4 seqs
	seqs=$(seq -s, 1 "$n")
	assert_jq "$t" "\$ev | length == $n" "want exactly $n event objects"
	assert_jq "$t" "all(\$ev[]; .src_ip == \"$LAB_CLIENT_IP\" and .dst_ip == \"$LAB_SERVER_IP\")" \
		"every event has src_ip $LAB_CLIENT_IP, dst_ip $LAB_SERVER_IP"
	assert_jq "$t" "all(\$ev[]; .id == $id)" "every event has the ping's echo id $id"
	assert_jq "$t" "[\$ev[].seq] | sort == [$seqs]" "seq numbers are exactly 1..$n"
	assert_jq "$t" "all(\$ev[]; .status == \"$st\")" "every event has status $st"
	assert_jq "$t" "\$sum.exchanges == $n and \$sum.statuses.$st == $n" \
		"summary counts $n exchanges, $n $st"
	assert_jq "$t" "[\$sum.statuses[]] | add == $n" "summary has no other statuses"
	assert_jq "$t" "\$sum.lost_events == 0" "summary reports lost_events 0"
}

# expect_stages T NAME@IFACE...: every event has exactly these stages, in this order,
# with strictly increasing ts_ns; the *_us segment keys exist exactly for the stage pairs
# seen and equal the ts_ns differences (+-1 us)
expect_stages() {
	local t=$1
	shift
	local names="" ifs="" s k
	for s in "$@"; do
		names+="\"${s%@*}\","
		ifs+="\"${s#*@}\","
	done
	assert_jq "$t" "all(\$ev[]; [.stages[].name] == [${names%,}])" "stages are [${names%,}]"
	assert_jq "$t" "all(\$ev[]; [.stages[].iface] == [${ifs%,}])" "stage ifaces are [${ifs%,}]"
	assert_jq "$t" "all(\$ev[]; [.stages[].ts_ns] as \$ts | all(range(1; \$ts | length); \$ts[.] > \$ts[. - 1]))" \
		"stage timestamps strictly increase"
	local i=1
	for k in internal_req_us external_us internal_rep_us; do
		if (($# > i)); then
			assert_jq "$t" "all(\$ev[]; (.$k | type) == \"number\" and .$k >= 0 and
				((.$k - (.stages[$i].ts_ns - .stages[$((i - 1))].ts_ns) / 1000) | if . < 0 then -. else . end) <= 1)" \
				"$k present and equal to the stage difference"
		else
			assert_jq "$t" "all(\$ev[]; has(\"$k\") | not)" "$k absent (stage missing)"
		fi
		i=$((i + 1))
	done
}

# ---- cases ----------------------------------------------------------------------------

case_healthy() {
	local mode=$1 id
	nt_lab router
	# shellcheck disable=SC2046
	tracer T --timeout-ms 500 $(nt_mode_args "$mode")
	id=$(ping_id)
	ping_ok 5 "$id"
	nt_wait_events T 5 5
	sleep 0.6 # a wrong verdict for a finished exchange would come after the timeout
	finish T
	expect_events T 5 "$id" COMPLETE
	expect_stages T "REQ_RX@$LAB_RX_IF" "REQ_TX@$LAB_TX_IF" "REP_RX@$LAB_TX_IF" "REP_TX@$LAB_RX_IF"
	local k
	for k in internal_req_us external_us internal_rep_us; do
		assert_jq T "def near(a; b): ((a - b) | if . < 0 then -. else . end) <= 1;
			[\$ev[].$k] as \$v | \$sum.$k as \$s
			| near(\$s.min; \$v | min) and near(\$s.max; \$v | max)
			and near(\$s.avg; (\$v | add) / (\$v | length))
			and \$s.min <= \$s.avg and \$s.avg <= \$s.max" \
			"summary $k min/avg/max agree with the events (+-1 us)"
	done
}

case_verbose() {
	local id
	nt_lab router
	tracer T --verbose
	id=$(ping_id)
	ping_ok 3 "$id"
	nt_wait_events T 3 5
	finish T
	expect_events T 3 "$id" COMPLETE
	assert_jq T "[\$all[] | select(.type == \"stage\")] | length == 12" \
		"--verbose prints a \"stage\" object per stage (3 pings x 4 stages)"
	assert_jq T "[\$all[] | select(.type == \"stage\") | .. | strings] as \$s
		| all([\"REQ_RX\", \"REQ_TX\", \"REP_RX\", \"REP_TX\"][]; . as \$n | \$s | index(\$n) != null)" \
		"stage objects name all four stages"
}

case_drop_request() {
	local mode=${1:-auto} id
	nt_lab router
	lab_drop_request_forward
	# shellcheck disable=SC2046
	tracer T --timeout-ms "$TIMEOUT_MS" $(nt_mode_args "$mode")
	id=$(ping_id)
	ping_lost 4 "$id"
	assert_eq "lab: router FORWARD drops counted" "$(lab_fault_packets)" 4
	nt_wait_events T 4 5
	finish T
	expect_events T 4 "$id" INTERNAL_DROP_REQ
	expect_stages T "REQ_RX@$LAB_RX_IF"
}

case_drop_reply() {
	local mode=${1:-auto} id
	nt_lab router
	lab_drop_reply_forward
	# shellcheck disable=SC2046
	tracer T --timeout-ms "$TIMEOUT_MS" $(nt_mode_args "$mode")
	id=$(ping_id)
	ping_lost 4 "$id"
	assert_eq "lab: router FORWARD drops counted" "$(lab_fault_packets)" 4
	nt_wait_events T 4 5
	finish T
	expect_events T 4 "$id" INTERNAL_DROP_REP
	expect_stages T "REQ_RX@$LAB_RX_IF" "REQ_TX@$LAB_TX_IF" "REP_RX@$LAB_TX_IF"
}

case_drop_external() {
	local mode=${1:-auto} id
	nt_lab router
	lab_drop_request_server_input
	# shellcheck disable=SC2046
	tracer T --timeout-ms "$TIMEOUT_MS" $(nt_mode_args "$mode")
	id=$(ping_id)
	ping_lost 4 "$id"
	assert_eq "lab: server INPUT drops counted" "$(lab_fault_packets)" 4
	nt_wait_events T 4 5
	finish T
	expect_events T 4 "$id" EXTERNAL_DROP
	expect_stages T "REQ_RX@$LAB_RX_IF" "REQ_TX@$LAB_TX_IF"
}

# ---- large pings: IPv4 fragments ------------------------------------------------------
# `ping -s 3000` is a 3028-byte IP datagram: on the lab's 1500-byte links every request and
# every reply is 3 fragments (1480 + 1480 + 48 payload bytes), only the first carrying the
# ICMP header. A stage counts only when all 3 passed it.
BIG=3000
BIG_FRAGS=3

# expect_fragments T STAGE...: the listed (whole) stages each saw all BIG_FRAGS fragments
expect_fragments() {
	local t=$1 s
	shift
	for s in "$@"; do
		assert_jq "$t" "all(\$ev[]; [.stages[] | select(.name == \"$s\") | .fragments] == [$BIG_FRAGS])" \
			"$s passed whole: $BIG_FRAGS fragments"
	done
}

case_large_healthy() {
	local id
	nt_lab router
	tracer T --timeout-ms 500
	id=$(ping_id)
	ping_ok 4 "$id" -s "$BIG"
	nt_wait_events T 4 5
	sleep 0.6 # a wrong verdict would come after the timeout
	finish T
	expect_events T 4 "$id" COMPLETE
	expect_stages T "REQ_RX@$LAB_RX_IF" "REQ_TX@$LAB_TX_IF" "REP_RX@$LAB_TX_IF" "REP_TX@$LAB_RX_IF"
	expect_fragments T REQ_RX REQ_TX REP_RX REP_TX
	assert_jq T "all(\$ev[]; has(\"partial_stages\") | not)" "no partial stage"
	assert_jq T "\$sum.orphan_stages == 0" "no fragment counted as a stage without an exchange"
}

# the router drops the non-first fragments of each request: the first fragment (with the
# ICMP header) left, the echo did not
case_large_drop_request_frags() {
	local id
	nt_lab router
	lab_drop_request_frags_forward
	tracer T --timeout-ms "$TIMEOUT_MS"
	id=$(ping_id)
	ping_lost 4 "$id" -s "$BIG"
	assert_eq "lab: router FORWARD dropped the 2 later fragments of 4 requests" \
		"$(lab_fault_packets)" $((4 * (BIG_FRAGS - 1)))
	nt_wait_events T 4 5
	finish T
	expect_events T 4 "$id" INTERNAL_DROP_REQ
	expect_stages T "REQ_RX@$LAB_RX_IF"
	expect_fragments T REQ_RX
	assert_jq T "all(\$ev[]; .partial_stages == [{name: \"REQ_TX\", iface: \"$LAB_TX_IF\", fragments: 1}])" \
		"REQ_TX partial: 1 of the fragments left by $LAB_TX_IF"
}

# the router drops the non-first fragments of each reply
case_large_drop_reply_frags() {
	local id
	nt_lab router
	lab_drop_reply_frags_forward
	tracer T --timeout-ms "$TIMEOUT_MS"
	id=$(ping_id)
	ping_lost 4 "$id" -s "$BIG"
	assert_eq "lab: router FORWARD dropped the 2 later fragments of 4 replies" \
		"$(lab_fault_packets)" $((4 * (BIG_FRAGS - 1)))
	nt_wait_events T 4 5
	finish T
	expect_events T 4 "$id" INTERNAL_DROP_REP
	expect_stages T "REQ_RX@$LAB_RX_IF" "REQ_TX@$LAB_TX_IF" "REP_RX@$LAB_TX_IF"
	expect_fragments T REQ_RX REQ_TX REP_RX
	assert_jq T "all(\$ev[]; .partial_stages == [{name: \"REP_TX\", iface: \"$LAB_RX_IF\", fragments: 1}])" \
		"REP_TX partial: 1 of the fragments left by $LAB_RX_IF"
	assert_jq T "\$sum.orphan_stages == 0" "no fragment counted as a stage without an exchange"
}

# verdicts are per exchange: healthy pings then dropped ones in the same run
case_mixed() {
	local a b
	nt_lab router
	tracer T --timeout-ms "$TIMEOUT_MS"
	a=$(ping_id)
	b=$((a + 1))
	ping_ok 3 "$a"
	lab_drop_reply_forward
	ping_lost 2 "$b"
	nt_wait_events T 5 5
	finish T
	assert_jq T "[\$ev[] | select(.id == $a) | .status] == [\"COMPLETE\", \"COMPLETE\", \"COMPLETE\"]" \
		"3 healthy pings (id $a) COMPLETE"
	assert_jq T "[\$ev[] | select(.id == $b) | .status] == [\"INTERNAL_DROP_REP\", \"INTERNAL_DROP_REP\"]" \
		"2 pings with dropped replies (id $b) INTERNAL_DROP_REP"
	assert_jq T "\$ev | length == 5" "exactly 5 events"
	assert_jq T "\$sum.exchanges == 5 and \$sum.statuses.COMPLETE == 3 and \$sum.statuses.INTERNAL_DROP_REP == 2" \
		"summary: 5 exchanges, 3 COMPLETE, 2 INTERNAL_DROP_REP"
}

# an incomplete exchange is judged only after --timeout-ms
case_timeout() {
	local id
	nt_lab router
	lab_drop_request_forward
	tracer T --timeout-ms 2500
	id=$(ping_id)
	ping_lost 1 "$id" # returns ~0.5 s after the request
	sleep 0.7
	assert_eq "events before --timeout-ms 2500 elapsed" "$(nt_count T)" 0 T
	nt_wait_events T 1 5
	finish T
	expect_events T 1 "$id" INTERNAL_DROP_REQ
}

# exchanges still waiting for their timeout when the tool stops are flushed with their
# current verdict, marked pending
case_pending_flush() {
	local id
	nt_lab router
	lab_drop_request_forward
	tracer T --timeout-ms 10000
	id=$(ping_id)
	ping_lost 2 "$id"
	sleep 0.2
	assert_eq "events before the 10 s timeout" "$(nt_count T)" 0 T
	finish T
	assert_jq T "\$ev | length == 2 and all(\$ev[]; .id == $id and .status == \"INTERNAL_DROP_REQ\" and .pending == true)" \
		"the 2 pending exchanges are flushed at stop as INTERNAL_DROP_REQ, pending: true"
	assert_jq T "\$sum.pending == 2" "summary counts 2 pending"
}

# random loss (iptables statistic match): the verdicts agree exactly with the firewall's
# own count of dropped requests
case_random_loss() {
	local id n=30 dropped
	nt_lab router
	lab_loss_request_forward 0.3
	tracer T --timeout-ms "$TIMEOUT_MS"
	id=$(ping_id)
	ip netns exec "$LAB_CLIENT_NS" ping -n -q -c "$n" -i 0.05 -W 0.5 -e "$id" "$LAB_SERVER_IP" >/dev/null
	dropped=$(lab_fault_packets)
	((dropped > 0 && dropped < n)) || skip "random loss dropped $dropped of $n (need some but not all)"
	nt_wait_events T "$n" 5
	sleep 0.5
	finish T
	assert_jq T "\$ev | length == $n and ([\$ev[].seq] | sort) == [range(1; $((n + 1)))]" "one event per ping (seq 1..$n)"
	assert_jq T "[\$ev[] | select(.status == \"INTERNAL_DROP_REQ\")] | length == $dropped" \
		"INTERNAL_DROP_REQ count equals the iptables DROP counter ($dropped)"
	assert_jq T "[\$ev[] | select(.status == \"COMPLETE\")] | length == $((n - dropped))" \
		"COMPLETE count equals the pings not dropped ($((n - dropped)))"
}

# manual's bond case: --rx-iface a,b; requests and replies through the second link too
case_second_rx() {
	local a b
	nt_lab router2
	tracer T --rx-iface "$LAB_RX_IF,$LAB_RX2_IF" --timeout-ms 500
	a=$(ping_id)
	b=$((a + 1))
	ping_ok 3 "$a"
	lab_use_link 2 || fail "lab: cannot switch to link 2"
	ping_ok 3 "$b"
	nt_wait_events T 6 5
	sleep 0.6
	finish T
	assert_jq T "\$ev | length == 6 and all(\$ev[]; .status == \"COMPLETE\")" "6 COMPLETE events"
	assert_jq T "[\$ev[] | select(.id == $a) | [.stages[].iface]] | length == 3 and
		all(. == [\"$LAB_RX_IF\", \"$LAB_TX_IF\", \"$LAB_TX_IF\", \"$LAB_RX_IF\"])" \
		"pings over link 1 (id $a): stages on $LAB_RX_IF / $LAB_TX_IF"
	assert_jq T "[\$ev[] | select(.id == $b) | [.stages[].iface]] | length == 3 and
		all(. == [\"$LAB_RX2_IF\", \"$LAB_TX_IF\", \"$LAB_TX_IF\", \"$LAB_RX2_IF\"])" \
		"pings over link 2 (id $b): stages on $LAB_RX2_IF / $LAB_TX_IF"
}

# an rx interface that is not listed is not traced: pings in and out through link 2 while
# only link 1 is listed
unlisted_rx_run() {
	nt_lab router2
	tracer T --timeout-ms "$TIMEOUT_MS"
	A=$(ping_id)
	B=$((A + 1))
	lab_use_link 2 || fail "lab: cannot switch to link 2"
	ping_ok 3 "$B"
	lab_use_link 1
	ping_ok 2 "$A"
	nt_wait_events T 2 5 ".id == $A"
	sleep 0.6
	finish T
	assert_jq T "[\$ev[] | select(.id == $A)] | length == 2 and all(.[]; .status == \"COMPLETE\")" \
		"the 2 pings over the listed $LAB_RX_IF (id $A) are COMPLETE"
}
case_unlisted_rx_no_stage() {
	unlisted_rx_run
	assert_jq T "all(\$ev[].stages[]; .iface != \"$LAB_RX2_IF\")" \
		"no stage is reported on the unlisted $LAB_RX2_IF"
	assert_jq T "all(\$ev[] | select(.id == $B) | .stages[]; .name != \"REQ_RX\" and .name != \"REP_TX\")" \
		"pings over the unlisted interface (id $B) have no REQ_RX/REP_TX stage"
}
# exchanges whose request never entered a listed rx interface are not reported (as in the
# reference: "a flow must start at ReqRX"); their stages are counted as orphan_stages
case_unlisted_rx_not_reported() {
	unlisted_rx_run
	assert_jq T "[\$ev[] | select(.id == $B)] | length == 0" \
		"no exchange reported for the 3 pings (id $B) over the unlisted interface"
	assert_jq T "\$sum.exchanges == 2 and \$sum.statuses.COMPLETE == 2 and \$sum.statuses.TIMEOUT == 0" \
		"summary: 2 exchanges, both COMPLETE"
	assert_jq T "\$sum.orphan_stages == 6" \
		"summary: the 3 pings' REQ_TX + REP_RX counted as 6 orphan stages"
}

# a reply later than --timeout-ms: first judged EXTERNAL_DROP, then re-reported as TIMEOUT
# when the late reply shows up. The delay comes from a tbf on the server's egress: a large
# reply empties its bucket, the next (small) reply waits ~0.3 s for tokens.
case_late_reply_timeout() {
	local id
	nt_lab router
	ip netns exec "$LAB_SERVER_NS" tc qdisc add dev "$LAB_SERVER_IF" root tbf rate 1kbit \
		burst 1520 limit 10000 || fail "lab: cannot add tbf"
	tracer T --timeout-ms 50
	id=$(ping_id)
	ip netns exec "$LAB_CLIENT_NS" ping -n -q -c 1 -s 1472 -W 3 "$LAB_SERVER_IP" >/dev/null
	ip netns exec "$LAB_CLIENT_NS" ping -n -q -c 1 -e "$id" -W 3 "$LAB_SERVER_IP" >/dev/null ||
		fail "lab: the delayed ping got no reply"
	nt_wait_events T 1 5 ".id == $id and .status == \"TIMEOUT\""
	finish T
	ip netns exec "$LAB_SERVER_NS" tc qdisc del dev "$LAB_SERVER_IF" root 2>/dev/null
	assert_jq T "[\$ev[] | select(.id == $id) | .status] == [\"EXTERNAL_DROP\", \"TIMEOUT\"]" \
		"id $id: EXTERNAL_DROP at the timeout, then TIMEOUT when the reply arrived"
	assert_jq T "[\$ev[] | select(.id == $id and .status == \"TIMEOUT\")][0] |
		.late_stage == \"REP_RX\" and .previous_status == \"EXTERNAL_DROP\" and
		([.stages[].name] == [\"REQ_RX\", \"REQ_TX\", \"REP_RX\"]) and .external_us > 100000" \
		"the TIMEOUT event names the late REP_RX and its external segment (> 100 ms)"
	assert_jq T "\$sum.statuses.TIMEOUT >= 1 and \$sum.statuses.EXTERNAL_DROP == 0" \
		"summary counts it as TIMEOUT, not EXTERNAL_DROP"
}

# identical traffic in another namespace, on interfaces with the same names and ifindexes,
# is not reported: interfaces are matched by (netns, ifindex)
case_same_ifindex_other_netns() {
	local a b
	nt_lab router
	nt_twin
	tracer T --timeout-ms "$TIMEOUT_MS"
	a=$(ping_id)
	b=$((a + 1))
	ip netns exec "$LAB_TWIN_CLIENT_NS" ping -n -q -c 4 -i 0.2 -W 1 -e "$b" "$LAB_SERVER_IP" >/dev/null ||
		fail "lab: twin pings failed"
	ping_ok 2 "$a"
	nt_wait_events T 2 5
	sleep 0.5
	finish T
	assert_jq T "\$ev | length == 2 and all(\$ev[]; .id == $a)" \
		"only the 2 pings of this lab (id $a) are reported; the twin's 4 (id $b) are not"
	assert_jq T "\$sum.exchanges == 2" "summary counts 2 exchanges"
}

# the text output has the manual's shape (STATUS: lines, stage lines with interfaces)
case_text() {
	local a b lines
	nt_lab router
	nt_start T "$LAB_ROUTER_NS" icmp_path_tracer --src-ip "$LAB_CLIENT_IP" \
		--dst-ip "$LAB_SERVER_IP" --rx-iface "$LAB_RX_IF" --tx-iface "$LAB_TX_IF" \
		--timeout-ms "$TIMEOUT_MS"
	a=$(ping_id)
	b=$((a + 1))
	ping_ok 2 "$a"
	lab_drop_request_server_input
	ping_lost 1 "$b"
	local i
	for ((i = 0; i < 50; i++)); do
		grep -q 'STATUS: EXTERNAL_DROP' "$W/T.out" && break
		sleep 0.1
	done
	lines=$(wc -l <"$W/T.out")
	nt_stop T INT 5
	assert_exit T 0
	assert_eq "lines 'STATUS: COMPLETE'" "$(grep -c 'STATUS: COMPLETE' "$W/T.out")" 2 T
	assert_eq "lines 'STATUS: EXTERNAL_DROP'" "$(grep -c 'STATUS: EXTERNAL_DROP' "$W/T.out")" 1 T
	grep -q 'EXTERNAL_DROP.*REP_RX' "$W/T.out" ||
		fail "the EXTERNAL_DROP line does not name the missing stage REP_RX$(nt_show T)"
	assert_eq "stage lines 'REQ_RX <rx-iface>'" "$(grep -Ec "REQ_RX +$LAB_RX_IF" "$W/T.out")" 3 T
	assert_eq "stage lines 'REP_TX <rx-iface>'" "$(grep -Ec "REP_TX +$LAB_RX_IF" "$W/T.out")" 2 T
	assert_eq "stage lines 'REQ_TX <tx-iface>'" "$(grep -Ec "REQ_TX +$LAB_TX_IF" "$W/T.out")" 3 T
	grep -q "id=$a" "$W/T.out" || fail "no 'id=$a' in the text output$(nt_show T)"
	(($(wc -l <"$W/T.out") > lines)) || fail "nothing (no summary) printed at SIGINT$(nt_show T)"
	grep -q '^{' "$W/T.out" && fail "JSON in text mode$(nt_show T)"
	return 0
}

# guest: the function probes (fentry, kprobe); its auto mode takes the same tp_btf (raw_tp
# without BTF) tracepoints as the host tier, which runs them, so the guest does not repeat
# them (~35 s a case under TCG). nobtf: auto on the host, kprobe in the guest (fentry needs
# the kernel's own BTF).
for m in $(nt_attach_modes); do
	nt_in_guest && [[ $m == auto ]] && continue
	tags=$(nt_tags_for_mode "$m" guest nobtf=auto,kprobe)
	nt_case --tag "$tags" "icmp_path_tracer: healthy path -> every ping COMPLETE, 4 stages ($m)" \
		case_healthy "$m"
	nt_case --tag "$tags" "icmp_path_tracer: request dropped in router FORWARD -> INTERNAL_DROP_REQ ($m)" \
		case_drop_request "$m"
	nt_case --tag "$tags" "icmp_path_tracer: reply dropped in router FORWARD -> INTERNAL_DROP_REP ($m)" \
		case_drop_reply "$m"
	nt_case --tag "$tags" "icmp_path_tracer: server INPUT drops request -> EXTERNAL_DROP ($m)" \
		case_drop_external "$m"
done
nt_case "icmp_path_tracer: large ping (3 fragments each way) -> COMPLETE, every fragment at every stage" \
	case_large_healthy
nt_case "icmp_path_tracer: later fragments of requests dropped in router FORWARD -> INTERNAL_DROP_REQ" \
	case_large_drop_request_frags
nt_case "icmp_path_tracer: later fragments of replies dropped in router FORWARD -> INTERNAL_DROP_REP" \
	case_large_drop_reply_frags
nt_case "icmp_path_tracer: --verbose -> a stage object per stage" case_verbose
nt_case "icmp_path_tracer: healthy then dropped pings -> per-exchange verdicts" case_mixed
nt_case "icmp_path_tracer: drop verdict only after --timeout-ms" case_timeout
nt_case "icmp_path_tracer: pending exchanges flushed at stop" case_pending_flush
nt_case "icmp_path_tracer: random 30% request loss -> verdicts match the iptables counter" case_random_loss
nt_case "icmp_path_tracer: second rx interface (--rx-iface a,b) is traced" case_second_rx
nt_case "icmp_path_tracer: unlisted rx interface: no stage reported on it" case_unlisted_rx_no_stage
nt_case "icmp_path_tracer: unlisted rx interface: its exchanges are not reported" \
	case_unlisted_rx_not_reported
nt_case "icmp_path_tracer: reply later than --timeout-ms -> EXTERNAL_DROP then TIMEOUT" \
	case_late_reply_timeout
nt_case "icmp_path_tracer: same ifindex in another netns does not match" case_same_ifindex_other_netns
nt_case "icmp_path_tracer: text output in the manual's shape" case_text
nt_done
