#!/bin/bash
# nettrail report end to end: a full mesh of system_network_icmp_rtt runs over three hosts
# on routed links (tests/lab/lab.sh lab_mesh), one run per ordered pair on the sending host, as
# deploy_full_mesh_icmp_tracer starts them; one pair has a fault the rig controls (every
# 4th echo request from host 1 to host 3 dropped at host 3), so the report must name that
# pair first with exactly its loss, and every other pair without loss.
. "$(dirname "$0")/lib.sh"

N=3
PINGS=20

mesh() {
	local p
	p=$(lab_prefix rp) || fail "no lab prefix"
	_NT_LABS+=("$p")
	lab_mesh "$p" $N || fail "mesh lab could not be built"
	# the fault: host 3 drops every 4th echo request from host 1 (5 of 20)
	ip netns exec "${MESH_NS[3]}" iptables -A INPUT -s "${MESH_IP[1]}" -p icmp --icmp-type echo-request \
		-m statistic --mode nth --every 4 --packet 0 -j DROP || fail "lab: iptables rule"
}

# every ordered pair: a tracer on the sender, then its pings
run_mesh() {
	local i j
	for ((i = 1; i <= N; i++)); do
		for ((j = 1; j <= N; j++)); do
			((i == j)) && continue
			nt_start "T$i$j" "${MESH_NS[i]}" system_network_icmp_rtt --src-ip "${MESH_IP[i]}" \
				--dst-ip "${MESH_IP[j]}" --phy-interface "${MESH_IF[i]}" --direction tx --json
		done
	done
	for ((i = 1; i <= N; i++)); do
		for ((j = 1; j <= N; j++)); do
			((i == j)) && continue
			ip netns exec "${MESH_NS[i]}" ping -n -q -c $PINGS -i 0.02 -W 1 "${MESH_IP[j]}" >/dev/null
		done
	done
	sleep 0.3
	mkdir -p "$W/mesh"
	for ((i = 1; i <= N; i++)); do
		for ((j = 1; j <= N; j++)); do
			((i == j)) && continue
			nt_stop "T$i$j" INT 10
			assert_exit "T$i$j" 0
			cp "$W/T$i$j.out" "$W/mesh/host$i-to-host$j.jsonl"
		done
	done
	echo "not json" >"$W/mesh/notes.json"      # passed over and counted, not fatal
}

case_mesh() {
	local svg=$W/mesh.svg
	mesh
	run_mesh
	"$NT" report --json --top 0 --svg "$svg" "$W/mesh" >"$W/R.out" 2>"$W/R.err" ||
		fail "report failed: $(cat "$W/R.err")"
	echo "+ report --json --top 0 --svg mesh.svg mesh/" >"$W/R.cmd"
	nt_check_json R report
	assert_jq R "\$all | map(select(.type == \"pair\")) | length == 6" "six pairs"
	assert_jq R "\$all | map(select(.type == \"pair\")) | .[0] | .src_ip == \"${MESH_IP[1]}\" and
		.dst_ip == \"${MESH_IP[3]}\" and .exchanges.started == $PINGS and
		.exchanges.completed == $((PINGS * 3 / 4)) and .loss_pct == 25" \
		"the faulty pair first: host 1 -> host 3, 5 of $PINGS lost"
	assert_jq R "\$all | map(select(.type == \"pair\")) | .[1:] | all(.loss_pct == 0 and
		.exchanges.completed == $PINGS and .rtt_us.count == $PINGS and .rtt_us.p99 > 0 and
		(.dominant.kind | length) > 0)" "the other five: every ping answered, RTT and segments"
	assert_jq R "\$all | map(select(.type == \"summary\")) | .[0] | (.hosts | length) == 3 and
		.pairs == 6 and .pairs_missing == 0 and .files == 6 and .files_without_summary == 1 and
		.worst.dst_ip == \"${MESH_IP[3]}\"" "summary: 3 hosts, 6 files used, the notes file passed over"
	python3 -c 'import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot();
n = sum(1 for e in r.iter() if e.tag.endswith("rect") and e.get("x"))
sys.exit(0 if n == 9 else "cells: %d" % n)' "$svg" || fail "the SVG is not the 3 x 3 matrix"
	command -v rsvg-convert >/dev/null || fail "rsvg-convert is missing (make deps installs librsvg2-bin)"
	rsvg-convert -o "$W/mesh.png" "$svg" && [[ -s $W/mesh.png ]] || fail "rsvg-convert could not render the SVG"
	echo "# heat map rendered: $(stat -c %s "$W/mesh.png") bytes of PNG"
	"$NT" report "$W/mesh" >"$W/Rt.out" 2>&1 || fail "text report failed"
	grep -q "^  1\. ${MESH_IP[1]} -> ${MESH_IP[3]}  loss 25.0% (5 of $PINGS)" "$W/Rt.out" ||
		fail "the text report does not put the faulty pair first: $(head -5 "$W/Rt.out")"
}

case_bad_input() {
	"$NT" report 2>"$W/e"
	assert_eq "exit status without DIR|FILE" "$?" 2
	"$NT" report "$W/nothing-here" 2>"$W/e"
	assert_eq "exit status for a missing path" "$?" 2
	grep -q "nothing-here" "$W/e" || fail "the missing path is not named: $(cat "$W/e")"
	mkdir -p "$W/empty"
	echo '{"tool":"eth_drop","type":"summary","time":"x"}' >"$W/empty/a.jsonl"
	"$NT" report "$W/empty" 2>"$W/e"
	assert_eq "exit status without an RTT run" "$?" 2
	[[ $(wc -l <"$W/e") == 1 ]] && grep -q "no system_network_icmp_rtt" "$W/e" ||
		fail "one line naming what is missing expected: $(cat "$W/e")"
	"$NT" report --top -1 "$W/empty" 2>/dev/null
	assert_eq "exit status for a bad --top" "$?" 2
	return 0
}

nt_case "report: a full mesh of system_network_icmp_rtt runs over 3 hosts, every 4th ping 1 -> 3 dropped -> that pair first with 25 % loss, the rest clean; JSON, text, SVG" case_mesh
nt_case "report: bad input exits 2 naming what is wrong" case_bad_input
nt_done
