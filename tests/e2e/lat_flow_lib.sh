# shellcheck shell=bash
# Helpers shared by the one-way latency tests (summary, details, metrics).
. "$REPO/tests/lab/lab_latency.sh"

# lat_sink NAME NS IP PORT DELAY_MS: start a UDP sink owned by the case (killed at its end)
lat_sink() {
	local name=$1 pid
	pid=$(latlab_udp_sink "$2" "$3" "$4" "$5" "$W/$name.log") || fail "UDP sink did not start"
	echo "$pid" >"$W/$name.pid"
	_NT_TOOLS+=("$name")
}

# lat_bad_input TOOL ARGS...: each argument string must exit 2 with one line on stderr
lat_bad_input() {
	local tool=$1 args rc
	shift
	for args in "$@"; do
		# shellcheck disable=SC2086
		"$NT" "$tool" $args >"$W/out" 2>"$W/err"
		rc=$?
		[[ $rc == 2 ]] || fail "'$args': exit $rc, want 2: $(cat "$W/err")"
		[[ $(wc -l <"$W/err") == 1 ]] || fail "'$args': want one line on stderr: $(cat "$W/err")"
	done
	"$NT" "$tool" --help | grep -q 'nettrail' || fail "--help has no examples"
}

# lat_iperf_server NS PORT: one-shot iperf3 server, bounded in time (a client that never
# connects must not hang the case), returned once it listens; prints its pid
lat_iperf_server() {
	local ns=$1 port=$2 pid i
	ip netns exec "$ns" timeout "$(_nt_scaled 20)" iperf3 -s -1 -p "$port" >/dev/null 2>&1 &
	pid=$!
	for ((i = 0; i < $(_nt_scaled 50); i++)); do
		ip netns exec "$ns" ss -Hltn "sport = :$port" 2>/dev/null | grep -q . && break
		sleep 0.1
	done
	echo "$pid"
}

# pairs_hold T PATH N FROM>TO[|FROM>TO]...: each pair of PATH (tx|rx) holds the N packets
# (alternatives joined by |: their sum, e.g. a bridge's br_forward or br_flood)
pairs_hold() {
	local t=$1 path=$2 n=$3 pair alt sel alts
	shift 3
	for pair in "$@"; do
		sel=false
		IFS='|' read -ra alts <<<"$pair"
		for alt in "${alts[@]}"; do
			sel+=" or (.from == \"${alt%%>*}\" and .to == \"${alt#*>}\")"
		done
		assert_jq "$t" "[\$all[] | select(.type == \"interval\") | .$path.stages[]? | select($sel) | .latency_us.count] | add == $n" \
			"$path: $pair holds the $n packets"
	done
}
