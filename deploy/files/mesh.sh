#!/bin/sh
# The node side of deploy/full_mesh_icmp_tracer.yml, run on each node by Ansible's script
# module (POSIX sh, iproute2; Open vSwitch's tools where the node has them):
#
#   mesh.sh discover NETWORK_TYPE TRACE_IP MGMT_ADDR PHY_IFS
#       the address this node traces from and the physical interfaces to watch (JSON)
#   mesh.sh routes SRC PEER...     the device `ip route get PEER from SRC` leaves by (JSON)
#   mesh.sh start NODE_DIR RUN NETTRAIL READY_S "NAME ARGS..."...
#       start the tracers (nettrail ARGS, output NAME.*), detached (JSON a tracer)
#   mesh.sh stop NODE_DIR WAIT_S GRACE_S [plan]
#       let running tracers end by themselves for WAIT_S s, then SIGTERM, then SIGKILL
#       after GRACE_S s (JSON a tracer); "plan": say what would be done, touch nothing
#   mesh.sh status NODE_DIR         the tracers of this node, running or ended (JSON a tracer)
#   mesh.sh pack NODE_DIR NODE      the current run's outputs in one archive (its path)
#
# A run's directory NODE_DIR/runs/RUN holds per tracer NAME.jsonl (its --json output),
# NAME.err (its stderr) and NAME.pid ("PID STARTTIME": a later stop or status never takes a
# recycled pid for a tracer); NODE_DIR/current links to the newest run. A tracer's NAME is
# DIRECTION-SRC-to-DST: the echo requests go from SRC to DST; tx runs on SRC, rx on DST.
# Errors: one line on stderr, exit status 1. (Variables are global: helpers name theirs apart.)
export LC_ALL=C

die() {
	echo "$*" >&2
	exit 1
}

# json_str S: S as a JSON string (control characters dropped)
json_str() {
	printf '"%s"' "$(printf '%s' "$1" | tr -d '\000-\037' | sed 's/\\/\\\\/g; s/"/\\"/g')"
}

# safe_name S: is S an interface name or address we may put on a command line unquoted?
safe_name() {
	case $1 in
	'' | *[!A-Za-z0-9_.:@-]*) return 1 ;;
	esac
	return 0
}

# ---- discover -------------------------------------------------------------------------

# addr_dev ADDR: the device holding the IPv4 address ADDR on this node
addr_dev() {
	ip -o -4 addr show 2>/dev/null | awk -v a="$1" '
		{ split($4, p, "/"); if (p[1] == a) { sub(/@.*/, "", $2); print $2; found = 1; exit } }
		END { exit !found }'
}

# dev_addr DEV: the first IPv4 address of DEV
dev_addr() {
	ip -o -4 addr show dev "$1" 2>/dev/null | awk '{ split($4, p, "/"); print p[1]; exit }' | grep .
}

# ovs_bridge DEV: the OVS bridge DEV is a port of (fails when DEV is not on OVS)
ovs_bridge() {
	command -v ovs-vsctl >/dev/null 2>&1 || return 1
	ovs-vsctl port-to-br "$1" 2>/dev/null | grep .
}

# ovs_phys BRIDGE: the physical interfaces under BRIDGE: the members of its bonds
# (ovs-appctl bond/show), else its ports of type system that are no VM's tap (vnet*)
ovs_phys() {
	for port in $(ovs-vsctl list-ports "$1" 2>/dev/null); do
		if command -v ovs-appctl >/dev/null 2>&1 &&
			members=$(ovs-appctl bond/show "$port" 2>/dev/null); then
			printf '%s\n' "$members" | awk '$1 == "member" || $1 == "slave" { sub(/:$/, "", $2); print $2 }'
			continue
		fi
		type=$(ovs-vsctl get interface "$port" type 2>/dev/null | tr -d '"')
		case $type:$port in
		:vnet* | system:vnet*) ;;
		: | system:) ;;
		:* | system:*) echo "$port" ;;
		esac
	done
}

# discover NETWORK_TYPE TRACE_IP MGMT_ADDR PHY_IFS: which address to trace from (TRACE_IP
# when the inventory gives it; else the address of port-NETWORK_TYPE, the storage/management
# port of an OVS host; else MGMT_ADDR, the address Ansible reached the node at) and which
# physical interfaces to watch (PHY_IFS when the inventory gives them; else the bond members
# or physical ports of the OVS bridge the address sits on, its -uplink bridge where there is
# one; else none here: the routes step then takes per peer the device the route leaves by)
discover() {
	net_type=$1 hint=$2 mgmt=$3 phys=$4
	if [ -n "$hint" ]; then
		dev=$(addr_dev "$hint") || die "nt_trace_ip $hint is not an IPv4 address of this node"
		ip=$hint from="nt_trace_ip (inventory)"
	elif ip=$(dev_addr "port-$net_type"); then
		dev=port-$net_type from="port-$net_type"
	elif dev=$(addr_dev "$mgmt"); then
		ip=$mgmt from="the ssh address"
	else
		die "no address to trace from: no interface port-$net_type with an IPv4 address, and $mgmt (the ssh address) is not an IPv4 address of this node; set nt_trace_ip in the inventory"
	fi
	bridge='' uplink='' phys_from=''
	if [ -n "$phys" ]; then
		for i in $(echo "$phys" | tr ',' ' '); do
			ip link show dev "$i" >/dev/null 2>&1 || die "nt_phy_interfaces: no interface $i on this node"
		done
		phys_from="nt_phy_interfaces (inventory)"
	elif bridge=$(ovs_bridge "$dev"); then
		uplink=$bridge-uplink
		ovs-vsctl br-exists "$uplink" 2>/dev/null || uplink=$bridge
		phys=$(ovs_phys "$uplink" | paste -sd, -)
		[ -n "$phys" ] || die "$ip sits on OVS bridge $bridge, but $uplink has no physical interface (bond member or system port)"
		phys_from="OVS bridge $uplink"
	else
		phys_from="route"
	fi
	for i in $ip $dev $(echo "$phys" | tr ',' ' '); do
		safe_name "$i" || die "refusing the name '$i' (characters outside A-Z a-z 0-9 _ . : @ -)"
	done
	printf '{"trace_ip":%s,"trace_ip_from":%s,"device":%s,"ovs_bridge":%s,"uplink_bridge":%s,"phy_interfaces":%s,"phy_from":%s}\n' \
		"$(json_str "$ip")" "$(json_str "$from")" "$(json_str "$dev")" "$(json_str "$bridge")" \
		"$(json_str "$uplink")" "$(json_str "$phys")" "$(json_str "$phys_from")"
}

# routes SRC PEER...: {"PEER": "DEV", ...}: the device the route to each PEER leaves by
routes() {
	src=$1
	shift
	sep=''
	printf '{'
	for peer in "$@"; do
		out=$(ip -o -4 route get "$peer" from "$src" 2>&1) || die "no route from $src to $peer: $out"
		dev=$(printf '%s\n' "$out" | awk '{ for (i = 1; i < NF; i++) if ($i == "dev") { print $(i + 1); exit } }')
		[ -n "$dev" ] || die "no device in the route from $src to $peer: $out"
		[ "$dev" != lo ] || die "$peer is an address of this node too: two inventory entries for one node?"
		safe_name "$dev" || die "refusing the device name '$dev'"
		printf '%s%s:%s' "$sep" "$(json_str "$peer")" "$(json_str "$dev")"
		sep=,
	done
	printf '}\n'
}

# ---- tracers ----------------------------------------------------------------------------

# starttime PID: field 22 of /proc/PID/stat (after the name, which may hold spaces)
starttime() {
	sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20
}

# alive PIDFILE: is the tracer PIDFILE names still running (same pid, same start time, and
# not a zombie waiting for its parent)?
alive() {
	read -r pid st <"$1" 2>/dev/null || return 1
	[ -n "$st" ] || return 1
	state_start=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1,20)
	[ "$state_start" = "${state_start%% *} $st" ] && [ "${state_start%% *}" != Z ]
}

# tracer_json RUN_DIR NAME [KEY JSON_VALUE]...: one tracer as a JSON object
tracer_json() {
	rd=$1 name=$2
	shift 2
	dir=${name%%-*} rest=${name#*-}
	read -r pid st <"$rd/$name.pid" 2>/dev/null || pid=0
	current=false
	[ "$(readlink -f "$rd")" = "$(readlink -f "$rd/../../current")" ] && current=true
	printf '{"name":%s,"run":%s,"current":%s,"direction":%s,"src_ip":%s,"dst_ip":%s,"pid":%s,"output":%s' \
		"$(json_str "$name")" "$(json_str "${rd##*/}")" "$current" "$(json_str "$dir")" \
		"$(json_str "${rest%%-to-*}")" "$(json_str "${rest#*-to-}")" "${pid:-0}" \
		"$(json_str "$rd/$name.jsonl")"
	while [ $# -ge 2 ]; do
		printf ',"%s":%s' "$1" "$2"
		shift 2
	done
	printf '}\n'
}

# the pid files of every run of NODE_DIR, and of the current one
all_pidfiles() { ls "$1"/runs/*/*.pid 2>/dev/null; }
current_pidfiles() {
	cur=$(readlink "$1/current") && ls "$1/$cur"/*.pid 2>/dev/null
}

# last_error ERR_FILE: the last line of a tracer's stderr (why it ended)
last_error() { tail -n 1 "$1" 2>/dev/null; }

has_summary() { grep -q '"type":"summary"' "$1" 2>/dev/null && echo true || echo false; }

start() {
	node_dir=$1 run=$2 nettrail=$3 ready_s=$4
	shift 4
	rd=$node_dir/runs/$run
	out=$("$nettrail" --version 2>&1) || die "$nettrail does not run on this node: $(echo "$out" | tail -n 1)"
	for pf in $(all_pidfiles "$node_dir"); do
		alive "$pf" && die "tracers of run $(basename "$(dirname "$pf")") still run here (pid $(cut -d' ' -f1 "$pf")): stop them first (--stop)"
	done
	mkdir -p "$rd" || die "cannot create $rd"
	printf '%s\n' "$@" >"$rd/tracers.txt"
	ln -sfn "runs/$run" "$node_dir/current" || die "cannot link $node_dir/current"
	duration=$(sed -n 's/.* --duration \([0-9]*\).*/\1/p' "$rd/tracers.txt" | head -n 1)
	echo "$(date +%s) ${duration:-0}" >"$rd/run.info"
	names=''
	set -f # the arguments are split into words, never globbed
	while read -r name args; do
		[ -n "$name" ] || continue
		# setsid: its own session, no terminal, not ended with the ssh session; the
		# subshell is no process group leader, so setsid does not fork: $! is the tracer
		# shellcheck disable=SC2086 # the arguments are words (checked names and numbers)
		(exec setsid "$nettrail" $args </dev/null >"$rd/$name.jsonl" 2>"$rd/$name.err") &
		echo "$! $(starttime $!)" >"$rd/$name.pid"
		names="$names $name"
	done <"$rd/tracers.txt"
	set +f
	# shellcheck disable=SC2086 # names: words without spaces
	wait_ready "$rd" "$ready_s" $names
	for name in $names; do
		if grep -q '^Tracing' "$rd/$name.err" 2>/dev/null && alive "$rd/$name.pid"; then
			tracer_json "$rd" "$name" state '"running"'
		else
			tracer_json "$rd" "$name" state '"failed"' error "$(json_str "$(last_error "$rd/$name.err")")"
		fi
	done
}

# wait_ready RUN_DIR READY_S NAME...: until each tracer printed its ready line or ended
wait_ready() {
	rd=$1 end=$(($(date +%s) + $2))
	shift 2
	while [ "$(date +%s)" -le "$end" ]; do
		pending=0
		for name in "$@"; do
			grep -q '^Tracing' "$rd/$name.err" 2>/dev/null && continue
			alive "$rd/$name.pid" && pending=1
		done
		[ $pending = 0 ] && return 0
		sleep 0.1
	done
}

# signal_all SIGNAL PIDFILE...: send SIGNAL to those still running
signal_all() {
	sig=$1
	shift
	for pf in "$@"; do
		alive "$pf" && kill "-$sig" "$(cut -d' ' -f1 "$pf")" 2>/dev/null
	done
	return 0
}

# wait_gone SECONDS STEP PIDFILE...: until none of them runs, looking every STEP s (0.1 or
# 1: a long wait looks less often, not to load the node it measures); fails if some still run
wait_gone() {
	tries=$(($1 * 10)) step=$2 per_step=1
	[ "$step" = 1 ] && per_step=10
	shift 2
	while :; do
		left=0
		for pf in "$@"; do
			alive "$pf" && left=1 && break
		done
		[ $left = 0 ] && return 0
		[ "$tries" -gt 0 ] || return 1
		tries=$((tries - per_step))
		sleep "$step"
	done
}

stop() {
	node_dir=$1 wait_s=$2 grace_s=$3 plan=${4:-}
	running='' ended='' termed='' killed=''
	for pf in $(all_pidfiles "$node_dir"); do
		alive "$pf" && running="$running $pf"
	done
	for pf in $(current_pidfiles "$node_dir"); do
		case "$running " in *" $pf "*) ;; *) ended="$ended $pf" ;; esac
	done
	if [ "$plan" = plan ]; then
		for pf in $running; do
			tracer_json "$(dirname "$pf")" "$(basename "$pf" .pid)" state '"running"' \
				stop '"would send SIGTERM"'
		done
		return 0
	fi
	# shellcheck disable=SC2086 # lists of paths without spaces
	if [ -n "$running" ]; then
		[ "$wait_s" -gt 0 ] && wait_gone "$wait_s" 1 $running
		for pf in $running; do
			alive "$pf" && termed="$termed $pf"
		done
		signal_all TERM $termed
		if ! wait_gone "$grace_s" 0.1 $termed; then
			for pf in $termed; do
				alive "$pf" && killed="$killed $pf"
			done
			signal_all KILL $killed
			wait_gone 5 0.1 $killed
		fi
	fi
	for pf in $running; do
		how="ended by itself"
		case "$termed " in *" $pf "*) how=SIGTERM ;; esac
		case "$killed " in *" $pf "*) how=SIGKILL ;; esac
		alive "$pf" && how="still running after SIGKILL"
		tracer_json "$(dirname "$pf")" "$(basename "$pf" .pid)" stop "$(json_str "$how")" \
			summary "$(has_summary "${pf%.pid}.jsonl")"
	done
	for pf in $ended; do
		tracer_json "$(dirname "$pf")" "$(basename "$pf" .pid)" stop '"had ended"' \
			summary "$(has_summary "${pf%.pid}.jsonl")"
	done
}

status() {
	node_dir=$1
	now=$(date +%s)
	for pf in $(all_pidfiles "$node_dir"); do
		rd=$(dirname "$pf") name=$(basename "$pf" .pid)
		if alive "$pf"; then
			read -r started duration <"$rd/run.info" 2>/dev/null
			tracer_json "$rd" "$name" state '"running"' \
				seconds_left "$((${started:-$now} + ${duration:-0} - now))"
		elif [ "$(readlink -f "$rd")" = "$(readlink -f "$node_dir/current")" ]; then
			tracer_json "$rd" "$name" state '"ended"' summary "$(has_summary "$rd/$name.jsonl")"
		fi
	done
}

# pack NODE_DIR NODE: the current run's outputs in one archive, laid out as the controller
# keeps them: SRC-to-DST.jsonl (tx), rx/SRC-to-DST.jsonl, stderr/NODE/NAME.err; prints its path
pack() {
	node_dir=$1 node=$2
	safe_name "$node" || die "refusing the node name '$node'"
	cur=$(readlink "$node_dir/current") || die "no run on this node (no $node_dir/current)"
	rd=$node_dir/$cur
	st=$rd/pack
	rm -rf "$st"
	mkdir -p "$st/rx" "$st/stderr/$node" || die "cannot create $st"
	for f in "$rd"/*.jsonl; do
		[ -e "$f" ] || continue
		name=$(basename "$f" .jsonl)
		case $name in
		tx-*) cp "$f" "$st/${name#tx-}.jsonl" ;;
		rx-*) cp "$f" "$st/rx/${name#rx-}.jsonl" ;;
		esac
		[ -e "$rd/$name.err" ] && cp "$rd/$name.err" "$st/stderr/$node/"
	done
	(cd "$st" && tar -czf "$rd/outputs.tar.gz" -- *) || die "cannot pack $rd/outputs.tar.gz"
	rm -rf "$st"
	echo "$rd/outputs.tar.gz"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
discover) discover "$@" ;;
routes) routes "$@" ;;
start) start "$@" ;;
stop) stop "$@" ;;
status) status "$@" ;;
pack) pack "$@" ;;
*) die "usage: mesh.sh discover|routes|start|stop|status|pack ARGS" ;;
esac
