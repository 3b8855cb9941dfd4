#!/bin/bash
# nettrail deploy_full_mesh_icmp_tracer end to end, through Ansible and ssh as on a fleet: three
# hosts on routed links, each a namespace with its own sshd (tests/lab/lab.sh lab_sshd_mesh),
# this namespace the controller; an inventory written here. The rig's fault: host 3 drops every
# 4th echo request from host 1. A dry run plans the 3*2*2 tracers and starts none; a run
# starts them, --status lists them while the test pings every pair, --stop ends them
# (nothing left running or loaded) and fetches their outputs, where `nettrail report` names
# the faulty pair first; a node that cannot be reached or has a bad inventory entry is named
# with its error while the run finishes for the others.
. "$(dirname "$0")/lib.sh"

N=3
PINGS=20
export NETTRAIL_DEPLOY_DIR=$REPO/deploy

# ---- the rig ------------------------------------------------------------------------------

# deploy_lab: this case's N ssh-reachable hosts (MESH_* of lab_sshd_mesh); Ansible's and ssh's
# home, and Ansible's temporary directory on the nodes (which share this file system), in $W.
# Cleaned up when the case ends: tracers started from $W, the sshds, the lab.
deploy_lab() {
	nt_need_binary
	nt_need ansible-playbook /usr/sbin/sshd ssh-keygen
	local p
	p=$(lab_prefix dp) || fail "no lab prefix"
	_NT_LABS+=("$p")
	trap 'deploy_cleanup; _nt_case_cleanup' EXIT
	lab_sshd_mesh "$p" $N "$W" || fail "the sshd mesh lab could not be built"
	mkdir -p "$W/home" "$W/remote" "$W/rtmp"
	export HOME=$W/home ANSIBLE_REMOTE_TEMP=$W/rtmp
	RUN_LIMIT=90 # s: a run of the playbook that takes longer is a failure
}

# tracers_left: the pids of tracers started under $W/remote still running (pid + start time
# of their pid files, as mesh.sh records them; a zombie has ended)
tracers_left() {
	local pf pid st now
	for pf in "$W"/remote/*/runs/*/*.pid; do
		[[ -e $pf ]] || continue
		read -r pid st <"$pf"
		now=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1,20)
		[[ -n $st && $now == [!Z]" $st" ]] && echo "$pid"
	done
	return 0
}

deploy_cleanup() {
	local pids
	pids=$(tracers_left)
	# shellcheck disable=SC2086
	[[ -n $pids ]] && kill -KILL $pids 2>/dev/null
	lab_sshd_stop "$W"
}

# inventory FILE [EXTRA_LINE...]: the N hosts as n1..nN, then the extra lines
inventory() {
	local f=$1 i
	shift
	{
		echo "[mesh]"
		for ((i = 1; i <= N; i++)); do
			echo "n$i ansible_host=${MESH_IP[i]}"
		done
		printf '%s\n' "$@"
		echo "[mesh:vars]"
		echo "ansible_user=root"
		echo "ansible_ssh_private_key_file=$MESH_SSH_KEY"
		echo "ansible_ssh_common_args='-o UserKnownHostsFile=$MESH_KNOWN_HOSTS'"
	} >"$f"
}

# deploy T ARGS...: nettrail deploy_full_mesh_icmp_tracer ARGS, its output as tool T's
# ($W/T.out, .err, .rc), bounded by RUN_LIMIT; its wall time in ms in $W/T.ms
deploy() {
	local t=$1 t0
	shift
	echo "+ $NT deploy_full_mesh_icmp_tracer $*" >"$W/$t.cmd"
	t0=$(date +%s%N)
	timeout -k 5 "$RUN_LIMIT" "$NT" deploy_full_mesh_icmp_tracer --remote-dir "$W/remote" "$@" \
		>"$W/$t.out" 2>"$W/$t.err"
	echo $? >"$W/$t.rc"
	echo $((($(date +%s%N) - t0) / 1000000)) >"$W/$t.ms"
	echo "# $t: exit $(cat "$W/$t.rc") in $(cat "$W/$t.ms") ms"
}

# every ordered pair of hosts, as jq tests of a tracer object: "tx on i" and "rx on j"
pair_checks() {
	local i j
	for ((i = 1; i <= N; i++)); do
		for ((j = 1; j <= N; j++)); do
			((i == j)) && continue
			echo "(.node == \"n$i\" and .direction == \"tx\" and .src_ip == \"${MESH_IP[i]}\" and .dst_ip == \"${MESH_IP[j]}\" and .interfaces == \"${MESH_IF[i]}\")"
			echo "(.node == \"n$j\" and .direction == \"rx\" and .src_ip == \"${MESH_IP[i]}\" and .dst_ip == \"${MESH_IP[j]}\" and .interfaces == \"${MESH_IF[j]}\")"
		done
	done
}

# assert_every_pair T: T's tracer objects are exactly one per line of pair_checks
assert_every_pair() {
	local t=$1 c
	assert_jq "$t" "[\$all[] | select(.type == \"tracer\")] | length == $((N * (N - 1) * 2))" \
		"$((N * (N - 1) * 2)) tracers"
	while read -r c; do
		assert_jq "$t" "[\$all[] | select(.type == \"tracer\") | select($c)] | length == 1" \
			"one tracer $c"
	done < <(pair_checks)
}

# PINGS echo requests between every ordered pair, the pairs at once
ping_every_pair() {
	local i j pids=()
	for ((i = 1; i <= N; i++)); do
		for ((j = 1; j <= N; j++)); do
			((i == j)) && continue
			ip netns exec "${MESH_NS[i]}" ping -n -q -c $PINGS -i 0.02 -W 1 "${MESH_IP[j]}" >/dev/null &
			pids+=($!)
		done
	done
	wait "${pids[@]}" # only these: the sshds are this shell's children too
}

# ---- cases --------------------------------------------------------------------------------

# a dry run looks at every node (addresses, interfaces) and prints the n*(n-1)*2 commands; it
# copies and starts nothing. The comma-list form with --ssh-key prints them as text.
case_dry_run() {
	deploy_lab
	inventory "$W/hosts.ini"
	deploy D --nodes "$W/hosts.ini" --dry-run --json
	assert_exit D 0
	nt_check_json D deploy_full_mesh_icmp_tracer
	assert_jq D "\$all[0].type == \"plan\" and \$all[0].tracers == 12 and
		(\$all[0].command | index(\"-i\")) == 1" "the plan line first: 12 tracers, the command"
	assert_jq D "[\$all[] | select(.type == \"node\")] | length == 3 and
		all(.status == \"ok\" and .discovered.phy_from == \"route\")" "3 nodes, interfaces by route"
	assert_every_pair D
	assert_jq D "[\$all[] | select(.type == \"tracer\")] | all(.command |
		test(\"^setsid $W/remote/n[0-9]/nettrail system_network_icmp_rtt --src-ip \") and
		test(\" --json --duration 60 \"))" "each command: setsid, the node's nettrail, --json --duration 60"
	[[ -z $(find "$W/remote" -mindepth 1 -print -quit) ]] ||
		fail "the dry run created $(find "$W/remote" -mindepth 1 | head -n 3)"
	# no inventory: ssh's options from Ansible's environment (ssh reads ~/.ssh from the
	# password database, not $HOME: the machine's own, not touched here)
	ANSIBLE_SSH_COMMON_ARGS="-o UserKnownHostsFile=$MESH_KNOWN_HOSTS" \
		deploy T --nodes "${MESH_IP[1]},${MESH_IP[2]},${MESH_IP[3]}" --user root \
		--ssh-key "$MESH_SSH_KEY" --tx-latency 4 --dry-run
	assert_exit T 0
	grep -q "^deploy_full_mesh_icmp_tracer: dry run: a full mesh of 3 nodes" "$W/T.out" ||
		fail "no dry run line$(nt_show T)"
	assert_eq "commands printed" "$(grep -c '^  [tr]x .*: setsid ' "$W/T.out")" 12 T
	assert_eq "tx commands with --latency-ms 4" "$(grep -c '^  tx .*--direction tx .*--latency-ms 4 ' "$W/T.out")" 6 T
	[[ -z $(find "$W/remote" -mindepth 1 -print -quit) ]] || fail "the dry run created files"
	[[ -z $(pgrep -f "$W/remote/") ]] || fail "a dry run left processes: $(pgrep -af "$W/remote/")"
}

# start, --status while running, pings, --stop: every tracer ended by SIGTERM with its summary,
# nothing left running or loaded, the outputs fetched; report names the faulty pair first
case_run_stop_report() {
	deploy_lab
	inventory "$W/hosts.ini"
	ip netns exec "${MESH_NS[3]}" iptables -A INPUT -s "${MESH_IP[1]}" -p icmp --icmp-type echo-request \
		-m statistic --mode nth --every 4 --packet 0 -j DROP || fail "lab: iptables rule"
	deploy S --nodes "$W/hosts.ini" --duration 60 --json
	assert_exit S 0
	nt_check_json S deploy_full_mesh_icmp_tracer
	assert_every_pair S
	assert_jq S "[\$all[] | select(.type == \"tracer\")] | all(.state == \"running\" and .pid > 0)" \
		"every tracer running, with its pid"
	local pids pid
	pids=$(tracers_left)
	assert_eq "tracers running after the start" "$(wc -w <<<"$pids")" 12 S
	: >"$W/R.progs"
	for pid in $pids; do
		grep -hs '^prog_id:' /proc/"$pid"/fdinfo/* | awk '{print $2}' >>"$W/R.progs"
	done
	sort -un -o "$W/R.progs" "$W/R.progs"
	[[ -s $W/R.progs ]] || fail "the tracers hold no BPF program"

	deploy T --nodes "$W/hosts.ini" --status --json
	assert_exit T 0
	assert_jq T "[\$all[] | select(.type == \"tracer\")] | length == 12 and
		all(.state == \"running\" and .seconds_left > 0 and .seconds_left <= 60)" \
		"--status: 12 running, seconds left of 60"

	ping_every_pair
	sleep 0.3
	deploy P --nodes "$W/hosts.ini" --stop --log-dir "$W/logs" --json
	assert_exit P 0
	nt_check_json P deploy_full_mesh_icmp_tracer
	assert_jq P "[\$all[] | select(.type == \"tracer\")] | length == 12 and
		all(.stop == \"SIGTERM\" and .summary == true and (.fetched | startswith(\"$W/logs/\")))" \
		"12 tracers ended by SIGTERM, each with its summary, fetched"
	assert_jq P "[\$all[] | select(.type == \"summary\")][0] | .nodes == 3 and .nodes_failed == 0 and
		.summaries == 12 and .log_dir == \"$W/logs\"" "summary: 3 nodes, 12 summaries"
	pids=$(tracers_left)
	[[ -z $pids ]] || fail "tracers still running after --stop: $pids"
	[[ -z $(pgrep -f "$W/remote/") ]] || fail "processes left: $(pgrep -af "$W/remote/")"
	assert_unloaded R
	assert_no_orphan_progs
	assert_eq "tx outputs fetched" "$(find "$W/logs" -maxdepth 1 -name '*.jsonl' | wc -l)" 6
	assert_eq "rx outputs fetched" "$(find "$W/logs/rx" -name '*.jsonl' | wc -l)" 6

	"$NT" report --json "$W/logs" >"$W/Q.out" 2>"$W/Q.err" || fail "report failed: $(cat "$W/Q.err")"
	echo "+ nettrail report --json $W/logs" >"$W/Q.cmd"
	assert_jq Q "[\$all[] | select(.type == \"pair\")] | length == 6" "six pairs"
	assert_jq Q "[\$all[] | select(.type == \"pair\")][0] | .src_ip == \"${MESH_IP[1]}\" and
		.dst_ip == \"${MESH_IP[3]}\" and .exchanges.started == $PINGS and
		.exchanges.completed == $((PINGS * 3 / 4)) and .loss_pct == 25" \
		"the faulty pair first: host 1 -> host 3, 5 of $PINGS lost"
	assert_jq Q "[\$all[] | select(.type == \"pair\")][1:] | all(.loss_pct == 0 and
		.exchanges.completed == $PINGS)" "the other five: every ping answered"
}

# an inventory with a node nothing answers at, one whose sshd port nothing listens on and one
# with a bad entry: each named with its error, the run (--wait) ends for the other two
case_failing_nodes() {
	deploy_lab
	local net=${MESH_IP[1]%.*}
	# gone: an address of the controller's own link that nobody has (ARP gets no answer)
	N=2 inventory "$W/hosts.ini" "gone ansible_host=$net.230" \
		"refused ansible_host=${MESH_IP[3]} ansible_port=2" \
		"bad ansible_host=${MESH_IP[3]} nt_trace_ip=$net.300"
	deploy W --nodes "$W/hosts.ini" --wait --duration 3 --timeout 20 --log-dir "$W/logs" --json
	assert_exit W 1
	nt_check_json W deploy_full_mesh_icmp_tracer
	(($(cat "$W/W.ms") < 60000)) || fail "the run took $(cat "$W/W.ms") ms"
	assert_jq W "[\$all[] | select(.type == \"node\" and .status == \"ok\") | .node] == [\"n1\", \"n2\"]" \
		"n1 and n2 ran"
	assert_jq W "[\$all[] | select(.type == \"node\" and .node == \"gone\")][0].error |
		test(\"^ssh: cannot connect: .*$net.230.*(No route to host|timed out)\")" \
		"gone: unreachable, named with ssh's reason"
	assert_jq W "[\$all[] | select(.type == \"node\" and .node == \"refused\")][0].error |
		test(\"^ssh: cannot connect: .*port 2: Connection refused\")" "refused: connection refused"
	assert_jq W "[\$all[] | select(.type == \"node\" and .node == \"bad\")][0].error ==
		\"inventory entry: nt_trace_ip '$net.300' is not an IPv4 address\"" "bad: its entry named"
	assert_jq W "[\$all[] | select(.type == \"tracer\")] | length == 4 and
		all(.stop == \"ended by itself\" and .summary == true)" \
		"the 4 tracers of n1 and n2 ended by themselves with their summary"
	assert_eq "error lines on stderr" "$(grep -c 'nodes failed' "$W/W.err")" 1 W
	[[ -z $(tracers_left) ]] || fail "tracers left: $(tracers_left)"
	assert_eq "tx outputs fetched" "$(find "$W/logs" -maxdepth 1 -name '*.jsonl' | wc -l)" 2
}

# bad input: one stderr line naming the flag, exit 2, nothing run
case_bad_input() {
	nt_need_binary
	nt_need ansible-inventory
	mkdir -p "$W/home" && export HOME=$W/home
	printf '[mesh\nn1 ansible_host=\n' >"$W/broken.ini"
	usage_error - --nodes "$W/broken.ini" deploy_full_mesh_icmp_tracer --nodes "$W/broken.ini"
	grep -q "not an inventory Ansible can read" "$W/U.err" || fail "no reason$(nt_show U)"
	printf '[mesh]\nn1 ansible_host=198.18.0.1\n' >"$W/one.ini"
	usage_error - --nodes "$W/one.ini" deploy_full_mesh_icmp_tracer --nodes "$W/one.ini"
	usage_error - --nodes 198.18.0.1 deploy_full_mesh_icmp_tracer --nodes 198.18.0.1
	usage_error - --nodes "198.18.0.1,bad host" deploy_full_mesh_icmp_tracer --nodes "198.18.0.1,bad host"
	usage_error - --nodes 198.18.0.1,198.18.0.1 deploy_full_mesh_icmp_tracer --nodes 198.18.0.1,198.18.0.1
	usage_error - --status "" deploy_full_mesh_icmp_tracer --nodes 198.18.0.1,198.18.0.2 --stop --status
	usage_error - --tool-path relative/nettrail deploy_full_mesh_icmp_tracer \
		--nodes 198.18.0.1,198.18.0.2 --tool-path relative/nettrail
	usage_error - --password "" deploy_full_mesh_icmp_tracer --nodes 198.18.0.1,198.18.0.2 \
		--password s3cret
	grep -q s3cret "$W/U.err" && fail "the password is echoed$(nt_show U)"
	usage_error - --tx-latency 1.5 deploy_full_mesh_icmp_tracer --nodes 198.18.0.1,198.18.0.2 \
		--tx-latency 1.5
	return 0
}

# fake_ovs DIR: ovs-vsctl and ovs-appctl in DIR answering as an OVS host whose port-storage
# sits on bridge ovsbr-storage, with an uplink bridge holding an active-backup bond (ens11,
# ens10), a system port ens12, a VM's tap vnet5 and a patch port
fake_ovs() {
	local d=$1
	mkdir -p "$d"
	cat >"$d/ovs-vsctl" <<'EOF2'
#!/bin/sh
case "$*" in
"port-to-br port-storage") echo ovsbr-storage ;;
"br-exists ovsbr-storage-uplink") exit 0 ;;
"list-ports ovsbr-storage-uplink") printf '%s\n' bond-storage ens12 vnet5 patch-uplink ;;
"get interface ens12 type" | "get interface vnet5 type") echo '""' ;;
"get interface patch-uplink type") echo patch ;;
*) exit 1 ;;
esac
EOF2
	cat >"$d/ovs-appctl" <<'EOF2'
#!/bin/sh
[ "$*" = "bond/show bond-storage" ] || exit 2
printf '%s\n' '---- bond-storage ----' 'bond_mode: active-backup' '' 'member ens11: enabled' \
	'  active member' 'member ens10: disabled'
EOF2
	chmod +x "$d/ovs-vsctl" "$d/ovs-appctl"
}

# discovery on an OVS host (files/mesh.sh discover, run as the playbook runs it, with
# Open vSwitch's tools faked): the address of port-storage, the bond's members and the
# uplink's system port; nt_phy_interfaces naming a missing interface is refused
case_discover_ovs() {
	local p ns out
	p=$(lab_prefix ov) || fail "no lab prefix"
	_NT_LABS+=("$p")
	ns=${p}c
	_lab_ns_add "$ns" || fail "no namespace"
	{ ip -n "$ns" link add port-storage type veth peer name "${p}x0" &&
		ip -n "$ns" link set port-storage up &&
		ip -n "$ns" addr add 198.18.255.7/24 dev port-storage; } || fail "no port-storage"
	fake_ovs "$W/bin"
	out=$(ip netns exec "$ns" env PATH="$W/bin:$PATH" sh "$REPO/deploy/files/mesh.sh" discover storage "" \
		198.18.254.1 "" 2>&1) || fail "discover failed: $out"
	echo "# $out"
	jq -e '.trace_ip == "198.18.255.7" and .trace_ip_from == "port-storage" and
		.ovs_bridge == "ovsbr-storage" and .uplink_bridge == "ovsbr-storage-uplink" and
		.phy_interfaces == "ens11,ens10,ens12" and .phy_from == "OVS bridge ovsbr-storage-uplink"' \
		<<<"$out" >/dev/null || fail "not the OVS host's address and NICs: $out"
	out=$(ip netns exec "$ns" sh "$REPO/deploy/files/mesh.sh" discover storage "" 198.18.254.1 \
		nosuch0 2>&1) && fail "a missing nt_phy_interfaces taken: $out"
	assert_eq "the error" "$out" "nt_phy_interfaces: no interface nosuch0 on this node"
}

# the node side of --stop (files/mesh.sh stop, as the playbook runs it) on a tracer that
# ignores SIGTERM: SIGKILL after the grace, reported so, nothing left running
case_stop_escalates() {
	local rd=$W/node/runs/r1 name=tx-198.18.0.1-to-198.18.0.2 pid st out t0
	mkdir -p "$rd" && ln -s runs/r1 "$W/node/current" || fail "no run directory"
	# not this shell's child (a zombie would look alive): setsid -f, its pid from the child
	setsid -f sh -c 'echo $$ >"$1"; trap "" TERM; exec sleep 60' _ "$W/fake.pid"
	for ((i = 0; i < 50; i++)); do [[ -s $W/fake.pid ]] && break; sleep 0.05; done
	pid=$(cat "$W/fake.pid")
	st=$(sed 's/^.*) //' "/proc/$pid/stat" | cut -d' ' -f20)
	echo "$pid $st" >"$rd/$name.pid" && : >"$rd/$name.jsonl"
	t0=$(date +%s%N)
	out=$(sh "$REPO/deploy/files/mesh.sh" stop "$W/node" 0 1 2>&1) || fail "stop failed: $out"
	echo "# $out ($((($(date +%s%N) - t0) / 1000000)) ms)"
	[[ -e /proc/$pid && $(_stuck_state "$pid") != Z ]] && { kill -KILL "$pid"; fail "the tracer still runs: $out"; }
	jq -e --argjson pid "$pid" '.name == "tx-198.18.0.1-to-198.18.0.2" and .pid == $pid and
		.stop == "SIGKILL" and .summary == false and .current == true' <<<"$out" >/dev/null ||
		fail "not reported as SIGKILLed: $out"
}

nt_case "deploy: --dry-run plans the 3*2*2 tracers (addresses, interfaces, commands), starts nothing" case_dry_run
nt_case "deploy: start 12 tracers on 3 hosts over ssh, --status, pings, --stop: all ended with their summary, nothing left, report names 1 -> 3 (25 % lost) first" case_run_stop_report
nt_case "deploy: an unreachable node, a refused one, a bad inventory entry: each named, the run ends for the others" case_failing_nodes
nt_case "deploy: discovery on an OVS host (tools faked): port-storage's address, the bond's members and the uplink's system port" case_discover_ovs
nt_case "deploy: --stop on a tracer that ignores SIGTERM: SIGKILL after the grace, said so" case_stop_escalates
nt_case "deploy: bad input (unreadable inventory, one node, bad names, --stop --status, --password) -> exit 2 naming the flag" case_bad_input
nt_done
