#!/bin/bash
# nettrail command line end to end: bad input is refused before anything is loaded (exit 2,
# one stderr line naming the flag), help and multi-call symlinks work, and SIGINT / SIGTERM /
# --duration all end with exit 0, a final summary and no BPF program left loaded. The rules
# of README "Command line" (bad --btf files, contradictory filters, value options given
# twice, empty list items, error names, escaping, limits, --log-dir) are walked over every
# tool `nettrail --help` lists where they apply.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

nt_shared_lab router || { nt_done; exit 1; }

# ---- bad input ------------------------------------------------------------------------

# err_has TEXT...: the usage error line holds every TEXT
err_has() {
	local t err
	read -r err <"$W/U.err"
	for t in "$@"; do
		[[ $err == *"$t"* ]] || fail "stderr does not say '$t'$(nt_show U)"
	done
}

# nt_tools: the tools `nettrail --help` lists (a walk over none would prove nothing); each
# tool's --help is kept in $W/help.TOOL
nt_tools() {
	local tools t
	tools=$("$NT" --help | awk '/^  [a-z_]+ +(low|variable) / { print $1 }')
	(($(wc -l <<<"$tools") >= 15)) && grep -qx eth_drop <<<"$tools" ||
		fail "nettrail --help lists too few tools: $(tr '\n' ' ' <<<"$tools")"
	for t in $tools; do
		"$NT" "$t" --help >"$W/help.$t"
	done
	echo "$tools"
}

# An option no tool has: a walk puts it after the option under test, so a tool that
# accepts that option names this one instead and the case fails.
SENTINEL=--nt-sentinel-option

icmp_ok() { # the valid icmp_path_tracer flags for the shared lab
	printf '%s\n' --src-ip "$LAB_CLIENT_IP" --dst-ip "$LAB_SERVER_IP" --rx-iface "$LAB_RX_IF" \
		--tx-iface "$LAB_TX_IF"
}
# icmp_bad FLAG VALUE ARGS...: icmp_path_tracer with valid flags + ARGS, in the router ns
icmp_bad() {
	local flag=$1 value=$2
	shift 2
	local ok=()
	mapfile -t ok < <(icmp_ok)
	usage_error "$LAB_ROUTER_NS" "$flag" "$value" icmp_path_tracer "${ok[@]}" "$@"
}
eth_bad() {
	local flag=$1 value=$2
	shift 2
	usage_error "$LAB_ROUTER_NS" "$flag" "$value" eth_drop "$@"
}

R=$LAB_ROUTER_NS
nt_case "usage: malformed IP (--src-ip 198.18.0.300) -> exit 2" \
	icmp_bad --src-ip 198.18.0.300 --src-ip 198.18.0.300
nt_case "usage: not an address (eth_drop --dst-ip nonsense) -> exit 2" \
	eth_bad --dst-ip nonsense --dst-ip nonsense
nt_case "usage: unknown interface (--rx-iface ntnosuch0) -> exit 2" \
	icmp_bad --rx-iface ntnosuch0 --rx-iface ntnosuch0
nt_case "usage: unknown item in an interface list (--rx-iface RX,ntnosuch1) -> exit 2" \
	icmp_bad --rx-iface ntnosuch1 --rx-iface "$LAB_RX_IF,ntnosuch1"
nt_case "usage: interface of another namespace (--tx-iface, tool in root netns) -> exit 2" \
	usage_error - --tx-iface "$LAB_TX_IF" icmp_path_tracer --src-ip "$LAB_CLIENT_IP" \
	--dst-ip "$LAB_SERVER_IP" --rx-iface lo --tx-iface "$LAB_TX_IF"
nt_case "usage: unknown interface (eth_drop --interface ntnosuch2) -> exit 2" \
	eth_bad --interface ntnosuch2 --interface ntnosuch2
nt_case "usage: port out of range (--src-port 70000) -> exit 2" \
	eth_bad --src-port 70000 --src-port 70000
nt_case "usage: negative port (--dst-port -1) -> exit 2" \
	eth_bad --dst-port -1 --dst-port -1
nt_case "usage: negative timeout (--timeout-ms -5) -> exit 2" \
	icmp_bad --timeout-ms -5 --timeout-ms -5
nt_case "usage: zero timeout (--timeout-ms 0) -> exit 2" \
	icmp_bad --timeout-ms 0 --timeout-ms 0
nt_case "usage: trailing garbage (--timeout-ms 12abc) -> exit 2" \
	icmp_bad --timeout-ms 12abc --timeout-ms 12abc
nt_case "usage: unknown flag (--frobnicate) -> exit 2" \
	icmp_bad --frobnicate "" --frobnicate
nt_case "usage: missing required flag (no --dst-ip) -> exit 2" \
	usage_error "$R" --dst-ip "" icmp_path_tracer --src-ip "$LAB_CLIENT_IP" \
	--rx-iface "$LAB_RX_IF" --tx-iface "$LAB_TX_IF"
nt_case "usage: missing required flag (no --rx-iface) -> exit 2" \
	usage_error "$R" --rx-iface "" icmp_path_tracer --src-ip "$LAB_CLIENT_IP" \
	--dst-ip "$LAB_SERVER_IP" --tx-iface "$LAB_TX_IF"
nt_case "usage: flag without its value (eth_drop --src-ip) -> exit 2" \
	eth_bad --src-ip "" --src-ip
nt_case "usage: unknown protocol (--protocol sctpx) -> exit 2" \
	eth_bad --protocol sctpx --protocol sctpx
nt_case "usage: bad --duration abc -> exit 2" \
	icmp_bad --duration abc --duration abc
nt_case "usage: negative --duration -3 -> exit 2" \
	eth_bad --duration -3 --duration -3
nt_case "usage: bad --attach-mode magic -> exit 2" \
	icmp_bad --attach-mode magic --attach-mode magic
nt_case "usage: unreadable --btf /nonexistent/vmlinux -> exit 2" \
	eth_bad --btf /nonexistent/vmlinux --btf /nonexistent/vmlinux
nt_case "usage: unknown tool name (no_such_tool) -> exit 2" \
	usage_error - no_such_tool "" no_such_tool --help

# ---- --btf FILE: checked before anything is read or loaded -------------------------------

# btf_files DIR: bad --btf files, one a line: a device, a fifo (opening it for reading
# would block), a directory, a text file, a truncated copy of the kernel's BTF, a sparse
# file above the size bound
btf_files() {
	local d=$1
	mkfifo "$d/fifo"
	echo "not BTF at all" >"$d/text"
	head -c 1000000 /sys/kernel/btf/vmlinux >"$d/truncated"
	truncate -s 300M "$d/huge"
	printf '%s\n' /dev/zero "$d/fifo" "$d" "$d/text" "$d/truncated" "$d/huge"
}

# every tool (and doctor) refuses the device, the fifo and the truncated copy: exit 2 at
# once, one line naming --btf and the file and what is wrong with it (not the kernel); a
# device or fifo is never opened. Each bad file has its own words.
case_btf_bad_files() {
	nt_need_binary
	local tools f t files
	tools=$(nt_tools) || fail "$tools"
	mkdir "$W/btf"
	files=$(btf_files "$W/btf")
	while read -r f; do
		[[ $f == /dev/zero || $f == */fifo || $f == */truncated ]] || continue
		for t in $tools doctor; do
			NO_STRACE=$([[ $f == */truncated ]] && echo 1 || echo 0) \
				usage_error - --btf "$f" "$t" --btf "$f"
			grep -qi "kernel needs\|CONFIG_DEBUG_INFO_BTF" "$W/U.err" &&
				fail "the error blames the kernel, not the file$(nt_show U)"
			if [[ $f == /dev/zero || $f == */fifo ]]; then
				grep -qF "\"$f\"" "$W/strace" &&
					fail "$t opened $f:$(grep -F "\"$f\"" "$W/strace" | head -n 2)"
			fi
		done
	done <<<"$files"
	# what is wrong, in words
	local want=(/dev/zero:device "$W/btf/fifo:fifo" "$W/btf:directory" "$W/btf/text:magic"
		"$W/btf/truncated:truncated" "$W/btf/huge:256 MiB")
	for f in "${want[@]}"; do
		usage_error - --btf "${f%%:*}" eth_drop --btf "${f%%:*}"
		err_has "${f##*:}"
	done
}
nt_case "btf: --btf device/fifo/directory/text/truncated/huge -> exit 2 at once, every tool" \
	case_btf_bad_files

# ---- contradictory or impossible filters (exit 2, both flags named) ----------------------

# both_named NS FLAG1 VALUE1 FLAG2 ARGS...: a usage error naming FLAG1 (with VALUE1) and FLAG2
both_named() {
	local ns=$1 f1=$2 v1=$3 f2=$4
	shift 4
	usage_error "$ns" "$f1" "$v1" "$@"
	err_has "$f2"
}

V4=198.18.0.1 V6=2001:2::1
nt_case "filters: eth_drop --protocol icmpv6 with an IPv4 --src-ip -> exit 2" \
	both_named - --protocol icmpv6 --src-ip eth_drop --protocol icmpv6 --src-ip $V4 --duration 1
nt_case "filters: eth_drop --protocol icmp6 (alias) with an IPv4 --dst-ip -> exit 2" \
	both_named - --protocol icmpv6 --dst-ip eth_drop --dst-ip $V4 --protocol icmp6 --duration 1
nt_case "filters: eth_drop --protocol icmp with an IPv6 --dst-ip -> exit 2" \
	both_named - --protocol icmp --dst-ip eth_drop --protocol icmp --dst-ip $V6 --duration 1
nt_case "filters: trace_conntrack --protocol ipv6-icmp with an IPv4 --src-ip -> exit 2" \
	both_named - --protocol icmpv6 --src-ip trace_conntrack --src-ip $V4 --protocol ipv6-icmp --duration 1
nt_case "filters: kernel_drop_stack_stats_summary_all --src-ip v4 --dst-ip v6 -> exit 2" \
	both_named - --dst-ip $V6 --src-ip kernel_drop_stack_stats_summary_all --src-ip $V4 --dst-ip $V6 --duration 1
nt_case "filters: eth_drop --protocol icmp --src-port 80 -> exit 2" \
	both_named - --src-port 80 --protocol eth_drop --protocol icmp --src-port 80 --duration 1
nt_case "filters: qdisc_drop_trace --dst-port 53 --protocol icmpv6 -> exit 2" \
	both_named - --dst-port 53 --protocol qdisc_drop_trace --dst-port 53 --protocol icmpv6 --duration 1
nt_case "filters: trace_conntrack --protocol icmp --dst-port 80 -> exit 2" \
	both_named - --dst-port 80 --protocol trace_conntrack --protocol icmp --dst-port 80 --duration 1
nt_case "filters: system_network_latency_details --protocol icmp --src-port 80 -> exit 2" \
	both_named - --src-port 80 --protocol system_network_latency_details --phy-interface lo \
	--direction rx --protocol icmp --src-port 80 --duration 1
nt_case "filters: system_network_latency_details --latency-ms with --latency-us -> exit 2" \
	both_named - --latency-us "" --latency-ms system_network_latency_details \
	--phy-interface lo --direction rx --latency-ms 5 --latency-us 7 --duration 1
nt_case "filters: kernel_icmp_rtt --latency-us with --latency-ms -> exit 2" \
	both_named - --latency-us "" --latency-ms kernel_icmp_rtt --src-ip $V4 \
	--dst-ip 198.18.0.2 --latency-us 7 --latency-ms 5 --duration 1

# every tool that takes --src-ip / --protocol either takes IPv6 or says it sees IPv4 only
case_ipv4_only_tools() {
	nt_need_binary
	local tools t flag value v4only=0
	tools=$(nt_tools) || fail "$tools"
	for t in $tools; do
		for flag in --src-ip --dst-ip --protocol; do
			grep -q -- "$flag " "$W/help.$t" || continue
			value=$V6
			[[ $flag == --protocol ]] && value=icmpv6
			: >"$W/strace"
			"$NT" "$t" "$flag" "$value" $SENTINEL >"$W/U.out" 2>"$W/U.err"
			echo $? >"$W/U.rc"
			echo "+ $NT $t $flag $value $SENTINEL" >"$W/U.cmd"
			grep -q -- "$SENTINEL" "$W/U.err" && continue   # the tool takes IPv6
			usage_check "$flag" "$value"
			err_has "$t sees IPv4 only"
			v4only=$((v4only + 1))
		done
	done
	((v4only >= 10)) || fail "only $v4only IPv4-only refusals: the walk saw too few tools"
}
nt_case "filters: IPv6 --src-ip/--dst-ip/--protocol on IPv4-only tools say so, every tool" \
	case_ipv4_only_tools

# the manual's generic --port (either direction) is taken wherever --src-port/--dst-port are,
# with the same range check; it names one side less than --src-port/--dst-port, not both
case_port_wherever_ports() {
	nt_need_binary
	local tools t n=0
	tools=$(nt_tools) || fail "$tools"
	for t in $tools; do
		grep -q -- "--src-port " "$W/help.$t" || continue
		grep -q -- "--port PORT" "$W/help.$t" || fail "$t has --src-port but no --port"
		NO_STRACE=1 usage_error - --port 70000 "$t" --port 70000 $SENTINEL
		n=$((n + 1))
	done
	((n >= 10)) || fail "only $n tools with --src-port: the walk saw too few tools"
	both_named - --port 80 --dst-port eth_drop --port 80 --dst-port 81 --duration 1
	both_named - --port 80 --protocol trace_conntrack --protocol icmp --port 80 --duration 1
}
nt_case "filters: --port (either direction) wherever --src-port is, every tool" \
	case_port_wherever_ports

# ---- generic rules: options given twice, empty list items ---------------------------------

# a value option given twice is refused (the last would win silently), every tool; a flag
# without a value may repeat
case_value_option_twice() {
	nt_need_binary
	local tools t
	tools=$(nt_tools) || fail "$tools"
	for t in $tools; do
		NO_STRACE=1 usage_error - --duration 7 "$t" --duration 5 --duration 7 $SENTINEL
		err_has "given twice" "'5'"
	done
	usage_error - $SENTINEL "" eth_drop --no-stack --disable-kernel-stacks -vv $SENTINEL
}
nt_case "twice: --duration 5 --duration 7 -> exit 2 naming both values, every tool" \
	case_value_option_twice
nt_case "twice: system_network_latency_details --latency-ms 5 --latency-ms 7 -> exit 2" \
	usage_error - --latency-ms 7 system_network_latency_details --latency-ms 5 --latency-ms 7 $SENTINEL
nt_case "twice: an alias with another value (eth_drop --protocol tcp --l4-protocol udp) -> exit 2" \
	both_named - --l4-protocol udp --protocol eth_drop --protocol tcp --l4-protocol udp $SENTINEL
nt_case "twice: an alias (drop_monitor_controller --capture-seconds 5 --interval 7) -> exit 2" \
	both_named - --interval 7 --capture-seconds drop_monitor_controller --capture-seconds 5 \
	--interval 7 $SENTINEL
nt_case "twice: an alias (kernel_drop_stack_stats_summary_all --name lo --interface lo) -> exit 2" \
	both_named - --interface lo --name kernel_drop_stack_stats_summary_all --name lo --interface lo \
	$SENTINEL

# every interface list (IF[,IF] in a tool's --help) and --events refuse an empty item
case_list_empty_items() {
	nt_need_binary
	local tools t flag n=0 v
	tools=$(nt_tools) || fail "$tools"
	for t in $tools; do
		for flag in $(grep -oE -- '--[a-z-]+ IF\[,IF\]' "$W/help.$t" | cut -d' ' -f1 | sort -u); do
			NO_STRACE=1 usage_error - "$flag" lo,,lo "$t" "$flag" lo,,lo $SENTINEL
			err_has "item 2 of the list is empty"
			n=$((n + 1))
		done
	done
	((n >= 10)) || fail "only $n interface-list options found in the tools' --help"
	for v in lo, ,lo; do
		usage_error - --phy-interface "$v" system_network_latency_summary --phy-interface "$v" \
			$SENTINEL
		err_has "is empty"
	done
	usage_error - --events new,,destroy trace_conntrack --events new,,destroy $SENTINEL
	err_has "item 2 of the list is empty"
}
nt_case "lists: an empty item (lo,,lo / lo, / ,lo) -> exit 2, every list option" \
	case_list_empty_items

# ---- error lines: the right name, safe to print ---------------------------------------------

# an unknown short option in a cluster is named itself; --flag=value for a flag without one
# says so; both for every tool
case_error_names() {
	nt_need_binary
	local tools t
	tools=$(nt_tools) || fail "$tools"
	for t in $tools; do
		NO_STRACE=1 usage_error - -Z "" "$t" -Zv
		err_has "$t: -Z: unknown option"
		NO_STRACE=1 usage_error - --json yes "$t" --json=yes
		err_has "takes no value"
	done
}
nt_case "errors: -Zv names -Z, --json=yes says 'takes no value', every tool" case_error_names
nt_case "errors: an ambiguous prefix (eth_drop --src) lists its candidates" \
	both_named - --src "" --src-ip eth_drop --src $V4
nt_case "errors: a unique prefix is taken and the error names the whole flag (--dst-i)" \
	usage_error - --dst-ip nonsense eth_drop --dst-i nonsense

# a value with a newline, an escape sequence or 200 characters is echoed escaped and cut:
# one line that cannot fake a 'Tracing' line or move the terminal, every tool
case_error_values_escaped() {
	nt_need_binary
	local tools t evil long x64 x65
	tools=$(nt_tools) || fail "$tools"
	evil=$'1\nTracing fake\e[2J\e]0;title\a\x9b'
	long=$(printf 'x%.0s' {1..200})
	x64=${long:0:64} x65=${long:0:65}
	for t in $tools; do
		NO_STRACE=1 usage_error - --duration '\nTracing fake\x1b[2J' "$t" --duration "$evil"
		LC_ALL=C grep -q $'[\x01-\x1f\x7f]' <(tr -d '\n' <"$W/U.err") &&
			fail "control characters in the error line$(nt_show U)"
		LC_ALL=C grep -q $'\x9b' "$W/U.err" && fail "a raw C1 CSI byte in the error line"
		NO_STRACE=1 usage_error - --duration "" "$t" --duration "$long"
		err_has "'$x64…'"
		grep -q "$x65" "$W/U.err" && fail "a value of 200 characters not cut$(nt_show U)"
	done
	usage_error - "unknown tool" 'no_\x1b[31mtool' $'no_\e[31mtool'
}
nt_case "errors: control characters escaped, long values cut, every tool" case_error_values_escaped

# limits and units in the message: the longest --duration, a rate in drops/s
case_duration_limit() {
	usage_error - --duration 99999999 eth_drop --duration 99999999
	err_has "at most 2678400 s (31 days)"
	usage_error - --interval 0.01 kernel_drop_stack_stats_summary_all --interval 0.01
	err_has "from 0.1 to 2678400 s"
}
nt_case "errors: --duration / --interval out of range state the limits" case_duration_limit
case_threshold_unit() {
	usage_error - --threshold 0 drop_monitor_controller --threshold 0
	grep -q second "$W/U.err" && fail "a rate threshold described in seconds$(nt_show U)"
	usage_error - --stats-interval "86400 s" tcp_path_tracer --stats-interval 0
}
nt_case "errors: units of --threshold and --stats-interval" case_threshold_unit

# `nettrail` alone is a usage error (list on stderr, exit 2); --help/-h/help print the list
# on stdout with exit 0
case_no_args() {
	nt_need_binary
	"$NT" >"$W/N.out" 2>"$W/N.err"
	echo $? >"$W/N.rc"
	echo "+ $NT" >"$W/N.cmd"
	assert_exit N 2
	[[ -s $W/N.out ]] && fail "nettrail alone printed on stdout$(nt_show N)"
	grep -q "^  eth_drop " "$W/N.err" || fail "nettrail alone does not list the tools on stderr$(nt_show N)"
	local h
	for h in --help -h help; do
		"$NT" $h >"$W/N.out" 2>"$W/N.err"
		echo $? >"$W/N.rc"
		echo "+ $NT $h" >"$W/N.cmd"
		assert_exit N 0
		[[ -s $W/N.err ]] && fail "nettrail $h printed on stderr$(nt_show N)"
		grep -q "^  eth_drop " "$W/N.out" || fail "nettrail $h does not list the tools$(nt_show N)"
	done
	return 0
}
nt_case "help: nettrail alone -> list on stderr, exit 2; --help/-h/help -> stdout, exit 0" case_no_args

# ---- --log-dir: tried by creating a file --------------------------------------------------

# log_dir_refused HOW: drop_monitor_controller --log-dir on a tmpfs of the case's own mount
# namespace that refuses new files: mounted read-only, or without a free inode (access()
# says writable there; only creating a file tells) -> exit 2 before anything is loaded
log_dir_refused() {
	local how=$1 opts want
	nt_need_binary
	nt_need unshare strace
	case $how in
	ro) opts=ro,size=1m want="Read-only file system" ;;
	full) opts=size=1m,nr_inodes=1 want="No space left on device" ;;
	esac
	mkdir "$W/logs"
	echo "+ unshare -m: mount -t tmpfs -o $opts nt-logdir $W/logs; $NT drop_monitor_controller --log-dir $W/logs --duration 1" >"$W/U.cmd"
	unshare -m --propagation private bash -c 'mount -t tmpfs -o "$1" nt-logdir "$2" || exit 99
		shift 2; exec "$@"' _ "$opts" "$W/logs" \
		timeout -k 1 10 strace -f -qq -o "$W/strace" -e trace=bpf,perf_event_open \
		"$NT" drop_monitor_controller --log-dir "$W/logs" --duration 1 >"$W/U.out" 2>"$W/U.err"
	echo $? >"$W/U.rc"
	usage_check --log-dir "$W/logs"
	err_has "cannot create a file there" "$want"
}
nt_case "log-dir: a read-only mount -> exit 2 at start" log_dir_refused ro
nt_case "log-dir: a file system without a free inode (access() says yes) -> exit 2 at start" \
	log_dir_refused full
case_log_dir_probe_removed() {
	mkdir "$W/logs"
	usage_error - $SENTINEL "" drop_monitor_controller --log-dir "$W/logs" $SENTINEL
	[[ -z $(ls -A "$W/logs") ]] || fail "the writability probe left a file: $(ls -A "$W/logs")"
}
nt_case "log-dir: a writable directory is taken and left as it was" case_log_dir_probe_removed

# ---- help and multi-call ----------------------------------------------------------------

case_help() {
	nt_need_binary
	"$NT" --help >"$W/H.out" 2>"$W/H.err"
	echo $? >"$W/H.rc"
	echo "+ $NT --help" >"$W/H.cmd"
	assert_exit H 0
	local t
	for t in icmp_path_tracer eth_drop doctor; do
		grep -q "$t" "$W/H.out" || fail "--help does not list $t$(nt_show H)"
	done
}

case_tool_help() {
	nt_need_binary
	local t f
	for t in icmp_path_tracer eth_drop; do
		"$NT" "$t" --help >"$W/H.out" 2>"$W/H.err"
		echo $? >"$W/H.rc"
		echo "+ $NT $t --help" >"$W/H.cmd"
		assert_exit H 0
		grep -q "nettrail $t\|^ *$t " "$W/H.out" || fail "$t --help shows no example$(nt_show H)"
	done
	for f in --src-ip --dst-ip --rx-iface --tx-iface --timeout-ms --verbose --json --duration --attach-mode; do
		"$NT" icmp_path_tracer --help | grep -q -- "$f" || fail "icmp_path_tracer --help lacks $f"
	done
	for f in --interface --src-ip --dst-ip --protocol --src-port --dst-port --no-stack --json; do
		"$NT" eth_drop --help | grep -q -- "$f" || fail "eth_drop --help lacks $f"
	done
}

# invoked through a symlink named like a tool, the binary runs that tool
case_symlink() {
	nt_need_binary
	mkdir "$W/bin"
	ln -s "$NT" "$W/bin/eth_drop"
	ln -s "$NT" "$W/bin/icmp_path_tracer"
	"$W/bin/icmp_path_tracer" --help 2>&1 | grep -q -- --rx-iface ||
		fail "symlink icmp_path_tracer --help does not show --rx-iface"
	"$W/bin/eth_drop" --protocol bogus >/dev/null 2>"$W/S.err"
	local rc=$?
	assert_eq "symlink eth_drop --protocol bogus: exit status" "$rc" 2
	grep -q -- --protocol "$W/S.err" || fail "symlink eth_drop usage error does not name --protocol"
	nt_lab router
	lab_drop_request_forward
	local nt_saved=$NT
	NT=$W/bin/eth_drop
	nt_start D "$LAB_ROUTER_NS" --json --src-ip "$LAB_CLIENT_IP"
	NT=$nt_saved
	ip netns exec "$LAB_CLIENT_NS" ping -n -q -c 1 -W 0.5 "$LAB_SERVER_IP" >/dev/null
	nt_wait_events D 1 5
	nt_stop D INT 5
	assert_exit D 0
	assert_jq D "\$ev | length == 1 and \$ev[0].tool == \"eth_drop\" and \$ev[0].reason == \"NETFILTER_DROP\"" \
		"the symlinked eth_drop reports the drop"
}

# ---- common options -------------------------------------------------------------------

# --btf FILE (external BTF, here the running kernel's own) and --debug still trace drops;
# --debug adds attach details on stderr
case_btf_debug() {
	nt_need_binary
	nt_lab router
	lab_drop_request_forward
	nt_start D "$LAB_ROUTER_NS" eth_drop --json --src-ip "$LAB_CLIENT_IP" \
		--btf /sys/kernel/btf/vmlinux --debug
	ip netns exec "$LAB_CLIENT_NS" ping -n -q -c 2 -i 0.2 -W 0.5 "$LAB_SERVER_IP" >/dev/null
	nt_wait_events D 2 5
	nt_stop D INT 5
	assert_exit D 0
	nt_check_json D eth_drop
	(($(grep -c . "$W/D.err") >= 2)) || fail "--debug printed no details besides 'Tracing'$(nt_show D)"
	assert_jq D "\$ev | length == 2 and all(\$ev[]; .reason == \"NETFILTER_DROP\")" \
		"2 NETFILTER_DROP events with --btf and --debug"
}

# ---- streams ------------------------------------------------------------------------------

# results are written as they happen also when stdout is a pipe (manual: ... | tee log)
case_pipe_line_buffered() {
	nt_need_binary
	nt_lab router
	lab_drop_request_forward
	echo "+ ip netns exec $LAB_ROUTER_NS $NT eth_drop --json --src-ip $LAB_CLIENT_IP | cat" >"$W/P.cmd"
	env --default-signal=INT,TERM ip netns exec "$LAB_ROUTER_NS" "$NT" eth_drop --json \
		--src-ip "$LAB_CLIENT_IP" 2>"$W/P.err" > >(cat >"$W/P.out") &
	echo $! >"$W/P.pid"
	_NT_TOOLS+=(P)
	nt_wait_ready P 10
	ip netns exec "$LAB_CLIENT_NS" ping -n -q -c 2 -i 0.2 -W 0.5 "$LAB_SERVER_IP" >/dev/null
	nt_wait_events P 2 5
	nt_stop P INT 5
	assert_exit P 0
}

# ---- attach modes -----------------------------------------------------------------------

# on this host kprobes and fentry do not exist: forcing them fails cleanly (exit 1, the
# missing feature named, nothing left loaded)
case_forced_mode_unavailable() {
	local mode=$1
	nt_in_guest && skip "guest tier has $mode"
	nt_run_bg F "$LAB_ROUTER_NS" eth_drop --json --attach-mode "$mode"
	nt_wait_exit F 10
	assert_exit F 1
	grep -qi "$mode" "$W/F.err" || fail "stderr does not name '$mode'$(nt_show F)"
	[[ -s $W/F.out ]] && grep -qv '^{' "$W/F.out" && fail "non-JSON on stdout with --json$(nt_show F)"
	return 0
}

# ---- ending: SIGINT, SIGTERM, --duration --------------------------------------------------

# end_case TOOL HOW: run TOOL --json in the lab with 2 pings of traffic (dropped at the
# router for eth_drop), end it by HOW (INT | TERM | duration); expect exit 0, a summary
# as the last line that counts the traffic, all programs named nt_*, none left loaded.
end_case() {
	local tool=$1 how=$2 args=() t0 ms
	nt_lab router
	case $tool in
	icmp_path_tracer)
		args=(--src-ip "$LAB_CLIENT_IP" --dst-ip "$LAB_SERVER_IP" --rx-iface "$LAB_RX_IF"
			--tx-iface "$LAB_TX_IF" --timeout-ms 300)
		;;
	eth_drop)
		args=(--src-ip "$LAB_CLIENT_IP" --dst-ip "$LAB_SERVER_IP")
		lab_drop_request_forward
		;;
	esac
	[[ $how == duration ]] && args+=(--duration 3)
	t0=$(date +%s%N)
	nt_start E "$LAB_ROUTER_NS" "$tool" --json "${args[@]}"
	local names
	names=$(nt_prog_names E)
	[[ -n $names ]] || fail "no BPF program found for the running tool"
	grep -qv '^nt_' <<<"$names" && fail "BPF program names not starting with nt_: $(grep -v '^nt_' <<<"$names" | tr '\n' ' ')"
	ip netns exec "$LAB_CLIENT_NS" ping -n -q -c 2 -i 0.2 -W 0.5 "$LAB_SERVER_IP" >/dev/null
	nt_wait_events E 2 5
	case $how in
	INT | TERM) nt_stop E "$how" 5 ;;
	duration)
		nt_wait_exit E 8
		ms=$((($(date +%s%N) - t0) / 1000000))
		((ms >= 2900)) || fail "--duration 3 ended after only $ms ms$(nt_show E)"
		;;
	esac
	assert_exit E 0
	nt_check_json E "$tool"
	local last
	last=$(tail -n 1 "$W/E.out")
	jq -e '.type == "summary"' <<<"$last" >/dev/null || fail "last stdout line is not the summary$(nt_show E)"
	case $tool in
	icmp_path_tracer) assert_jq E "\$sum.exchanges == 2 and \$sum.statuses.COMPLETE == 2" "summary counts the 2 exchanges" ;;
	eth_drop) assert_jq E "\$sum.drops == 2 and \$sum.reasons.NETFILTER_DROP == 2" "summary counts the 2 drops" ;;
	esac
	assert_jq E "\$sum.lost_events | type == \"number\"" "summary has lost_events"
	assert_unloaded E
	assert_no_orphan_progs
}

# text mode: SIGTERM still prints the final summary to stdout
case_text_term() {
	nt_lab router
	nt_start E "$LAB_ROUTER_NS" eth_drop --src-ip "$LAB_CLIENT_IP"
	sleep 0.2
	local before
	before=$(wc -c <"$W/E.out")
	nt_stop E TERM 5
	assert_exit E 0
	(($(wc -c <"$W/E.out") > before)) || fail "nothing printed at SIGTERM in text mode$(nt_show E)"
	assert_unloaded E
}

# Each tool's BPF object carries its BTF into the kernel: libbpf loads the programs without it
# when the kernel refuses it ("BTF is optional, ignoring"), slower and without function info
# (a .rodata layout the kernel rejects did so once). Every latency-family object and one of
# each other family, started on the lab router's interfaces. Their CO-RE relocations and kfunc
# ids come out the same from the target the tool makes as from the kernel's whole BTF.
case_object_btf_loads() {
	nt_lab router
	local ifs=(--phy-interface "$LAB_TX_IF") vm=(--vm-interface "$LAB_RX_IF" --phy-interface "$LAB_TX_IF")
	local pair=(--src-vm-interface "$LAB_RX_IF" --dst-vm-interface "$LAB_TX_IF") run
	local -a runs=(
		"system_network_latency_summary ${ifs[*]} --direction both"
		"system_network_latency_details ${ifs[*]} --direction both"
		"system_network_perfomance_metrics ${ifs[*]}"
		"system_network_icmp_rtt ${ifs[*]} --src-ip $LAB_CLIENT_IP --dst-ip $LAB_SERVER_IP"
		"kernel_icmp_rtt --interface $LAB_TX_IF --src-ip $LAB_CLIENT_IP --dst-ip $LAB_SERVER_IP"
		"vm_network_latency_summary ${vm[*]} --direction both"
		"vm_network_latency_details ${vm[*]} --direction rx"
		"vm_network_performance_metrics ${vm[*]} --direction tx"
		"vm_pair_latency ${pair[*]}" "vm_pair_gap ${pair[*]}"
		"eth_drop" "qdisc_drop_trace" "trace_ip_defrag"
		"tcp_path_tracer --src-ip $LAB_CLIENT_IP --dst-ip $LAB_SERVER_IP --rx-iface $LAB_RX_IF --tx-iface $LAB_TX_IF"
	)
	for run in "${runs[@]}"; do
		# shellcheck disable=SC2086
		ip netns exec "$LAB_ROUTER_NS" "$NT" $run -v --duration 0.2 >"$W/B.out" 2>"$W/B.err"
		echo $? >"$W/B.rc"
		echo "+ $NT $run -v --duration 0.2" >"$W/B.cmd"
		assert_exit B 0
		grep -q "BTF is optional" "$W/B.err" &&
			fail "${run%% *}: the kernel refused the object's BTF$(nt_show B)"
		# CO-RE: the target made from the object's relocations (core_target.c) is used,
		# and patches every instruction as libbpf's own search of the kernel's BTF does
		grep -q "debug: CO-RE target: " "$W/B.err" ||
			fail "${run%% *}: no CO-RE target made$(nt_show B)"
		for m in made kernel; do
			# shellcheck disable=SC2086
			NT_CORE_TARGET=$m ip netns exec "$LAB_ROUTER_NS" "$NT" $run -v -v --duration 0.1 \
				>/dev/null 2>"$W/libbpf.$m"
			grep -E "relo #[0-9]+: (patched|poison)" "$W/libbpf.$m" | sort >"$W/relo.$m"
			# kfunc ids: given with the target (libbpf patch 0002), found by libbpf without
			sed -nE "s/.*extern \(func ksym\) '([^']+)': (resolved to vmlinux|vmlinux) \[([0-9]+)\].*/\1 \3/p" \
				"$W/libbpf.$m" | sort >"$W/kfunc.$m"
		done
		[[ -s $W/relo.kernel ]] || fail "${run%% *}: no relocation in libbpf's messages"
		cmp -s "$W/relo.made" "$W/relo.kernel" ||
			fail "${run%% *}: the CO-RE target patches otherwise than the kernel's BTF:
$(diff "$W/relo.made" "$W/relo.kernel" | head -8)"
		cmp -s "$W/kfunc.made" "$W/kfunc.kernel" ||
			fail "${run%% *}: kfunc ids given otherwise than libbpf finds them:
$(diff "$W/kfunc.made" "$W/kfunc.kernel")"
		if grep -q "resolved to vmlinux" "$W/libbpf.kernel"; then
			grep -q "\], given" "$W/libbpf.made" ||
				fail "${run%% *}: the object's kfuncs were not given to libbpf$(head -c 600 "$W/libbpf.made")"
		fi
		# stubs hand off to a shared program only where 3 or more would (fewer: their own)
		# shellcheck disable=SC2086
		ip netns exec "$LAB_ROUTER_NS" "$NT" $run --dry-run --json 2>/dev/null |
			jq -e '[.stages[] | select(.shared_program)] | length == 0 or length >= 3' >/dev/null ||
			fail "${run%% *}: fewer than 3 stages share a program: $(ip netns exec "$LAB_ROUTER_NS" "$NT" $run --dry-run --json 2>&1)"
	done
	return 0
}
nt_case "objects: every latency tool's BPF object (and one per family) loads with its BTF; shared programs serve 3+ stubs" \
	case_object_btf_loads

nt_case "help: nettrail --help lists the tools" case_help
nt_case "help: per-tool --help shows flags and examples" case_tool_help
nt_case "multi-call: symlinks named eth_drop / icmp_path_tracer run that tool" case_symlink
nt_case "options: --btf FILE and --debug" case_btf_debug
nt_case "streams: events arrive through a pipe while the tool runs" case_pipe_line_buffered
nt_case "attach: --attach-mode kprobe unavailable on the host -> exit 1 naming kprobe" \
	case_forced_mode_unavailable kprobe
nt_case "attach: --attach-mode fentry unavailable on the host -> exit 1 naming fentry" \
	case_forced_mode_unavailable fentry
nt_case "end: icmp_path_tracer SIGINT -> exit 0, summary, nothing loaded" end_case icmp_path_tracer INT
nt_case "end: icmp_path_tracer SIGTERM -> exit 0, summary, nothing loaded" end_case icmp_path_tracer TERM
nt_case "end: icmp_path_tracer --duration -> exit 0, summary, nothing loaded" end_case icmp_path_tracer duration
nt_case "end: eth_drop SIGINT -> exit 0, summary, nothing loaded" end_case eth_drop INT
nt_case "end: eth_drop SIGTERM -> exit 0, summary, nothing loaded" end_case eth_drop TERM
nt_case "end: eth_drop --duration -> exit 0, summary, nothing loaded" end_case eth_drop duration
nt_case "end: text mode SIGTERM prints a summary" case_text_term
nt_done
