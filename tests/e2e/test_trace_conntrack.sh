#!/bin/bash
# trace_conntrack end to end. Conntrack has no tracepoints: on a host without fentry and
# kprobe the tool must exit 1 naming both attach types (and load nothing that stays). With
# function probes (guest tier): NEW and DESTROY events, with tuples, for a TCP connection
# and a UDP exchange through a conntrack-enabled router. Conntrack may be active in every
# namespace (it is in the 6.1 guest: client, router and server each confirm the flow), so
# the router's events are selected by their netns.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$REPO/tests/lab/lab_drops.sh"
. "$E2E_DIR/prom_lib.sh"

TOOL=trace_conntrack

fn_probes_work() { "$NT" doctor --json 2>/dev/null | jq -e '.attach_types.fentry.available or .attach_types.kprobe.available' >/dev/null; }

case_host_no_probes() {
	fn_probes_work && skip "function probes work here: covered by the events case"
	"$NT" $TOOL --json >"$W/C.out" 2>"$W/C.err"
	local rc=$?
	assert_eq "exit status without fentry/kprobe" "$rc" 1
	grep -q fentry "$W/C.err" && grep -q kprobe "$W/C.err" ||
		fail "the message does not name fentry and kprobe: $(cat "$W/C.err")"
	grep -q "__nf_conntrack_confirm" "$W/C.err" || fail "the message does not name the function: $(cat "$W/C.err")"
	[[ -s $W/C.out ]] && fail "stdout not empty: $(cat "$W/C.out")"
	return 0
}

case_events() {
	fn_probes_work || skip "needs fentry or kprobe (guest tier)"
	nt_lab router
	# conntrack in the router: a rule with a state match registers its hooks in that netns
	ip netns exec "$LAB_ROUTER_NS" iptables -w -A FORWARD -m conntrack --ctstate INVALID -j DROP ||
		fail "lab: conntrack rule"
	local rns
	rns=$(nt_ns_inode "$LAB_ROUTER_NS")
	nt_start C "$LAB_ROUTER_NS" $TOOL --json --src-ip "$LAB_CLIENT_IP"
	ip netns exec "$LAB_SERVER_NS" timeout "$(_nt_scaled 8)" /usr/bin/python3 -c '
import socket, sys
t = socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); t.bind((sys.argv[1], 6200)); t.listen(1)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind((sys.argv[1], 6201))
print("ready", flush=True)
c, _ = t.accept(); c.recv(10); c.close()
d, a = u.recvfrom(100); u.sendto(d, a)' "$LAB_SERVER_IP" >"$W/srv.out" &
	local i
	for ((i = 0; i < $(_nt_scaled 100); i++)); do grep -q ready "$W/srv.out" && break; sleep 0.05; done
	grep -q ready "$W/srv.out" || fail "lab: the listener did not start"
	ip netns exec "$LAB_CLIENT_NS" /usr/bin/python3 -c '
import socket, sys, time
c = socket.create_connection((sys.argv[1], 6200), source_address=(sys.argv[2], 40041), timeout=5)
c.sendall(b"hi"); c.recv(10); c.close()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind((sys.argv[2], 40042)); u.settimeout(5)
u.sendto(b"ping", (sys.argv[1], 6201)); u.recv(100)' "$LAB_SERVER_IP" "$LAB_CLIENT_IP" || fail "lab: TCP/UDP exchange"
	# Entries only leave the table when garbage collection finds them expired (up to 60 s
	# apart on 6.1) or on a flush: flush the router's IPv4 table over ctnetlink (what
	# `conntrack -F` does; the conntrack tool is not a dependency)
	modprobe -q nf_conntrack_netlink 2>/dev/null
	ip netns exec "$LAB_ROUTER_NS" /usr/bin/python3 -c '
import os, socket, struct
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)            # NETLINK_NETFILTER
# nlmsghdr: IPCTNL_MSG_CT_DELETE (2) of NFNL_SUBSYS_CTNETLINK (1), REQUEST|ACK; nfgenmsg AF_INET
s.send(struct.pack("=LHHLL", 20, 1 << 8 | 2, 1 | 4, 1, 0) + struct.pack("=BBH", socket.AF_INET, 0, 0))
err = struct.unpack("=i", s.recv(4096)[16:20])[0]
if err: raise SystemExit("ctnetlink flush: " + os.strerror(-err))' || fail "lab: conntrack flush in the router"
	for ((i = 0; i < $(_nt_scaled 50); i++)); do
		(($(nt_count C ".event == \"destroy\" and .netns == $rns and (.proto == \"TCP\" or .proto == \"UDP\")") >= 2)) && break
		sleep 0.1
	done
	drop_finish C $TOOL
	local sel
	for sel in "proto == \"TCP\" and .src_port == 40041 and .dst_port == 6200" \
		"proto == \"UDP\" and .src_port == 40042 and .dst_port == 6201"; do
		sel="$sel and .netns == $rns"
		assert_jq C "[\$ev[] | select(.$sel and .event == \"new\" and .src_ip == \"$LAB_CLIENT_IP\" and .dst_ip == \"$LAB_SERVER_IP\" and
			.reply_src_ip == \"$LAB_SERVER_IP\" and (.status | test(\"CONFIRMED\") | not))] | length == 1" "one NEW event in the router: $sel"
		assert_jq C "[\$ev[] | select(.$sel and .event == \"destroy\")] | length == 1" "one DESTROY event in the router: $sel"
		assert_jq C "([\$ev[] | select(.$sel) | .ct] | unique | length) == 1" "NEW and DESTROY of the same entry: $sel"
	done
}

# send_synfin N: N TCP segments with SYN+FIN from the client to the server (raw socket)
send_synfin() {
	local n=$1
	ip netns exec "$LAB_CLIENT_NS" /usr/bin/python3 - "$LAB_CLIENT_IP" "$LAB_SERVER_IP" "$n" <<'PY' ||
import socket, struct, sys
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    return ~(s + (s >> 16)) & 0xffff
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
s.bind((src, 0))
for i in range(n):
    # SYN|FIN (0x03), data offset 5, correct checksum: invalid only for its flags
    h = struct.pack("!HHIIBBHHH", 40100 + i, 6300, 1000 + i, 0, 5 << 4, 0x03, 8192, 0, 0)
    ph = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(h))
    h = h[:16] + struct.pack("!H", csum(ph + h)) + h[18:]
    s.sendto(h, (dst, 0))
PY
		fail "lab: raw SYN+FIN send"
}

# INVALID counted in the kernel: N TCP segments with SYN+FIN (a flag combination the TCP
# tracker rejects, so nf_conntrack_in attaches no entry) from the client through the
# router, whose FORWARD chain drops ctstate INVALID. With --events none nothing reaches
# user space but the counts: the router's netns must count exactly N, as the rule does.
# invalid_lab: the router lab whose router drops what conntrack finds INVALID
invalid_lab() {
	nt_lab router
	ip netns exec "$LAB_ROUTER_NS" iptables -w -A FORWARD -m conntrack --ctstate INVALID -j DROP ||
		fail "lab: conntrack rule"
}

# router_invalid_count N: the router's INVALID DROP rule counter once it reaches N (2 s)
router_invalid_count() {
	local i rule
	for ((i = 0; i < $(_nt_scaled 20); i++)); do
		rule=$(ip netns exec "$LAB_ROUTER_NS" iptables -w -nvxL FORWARD | awk '/INVALID/ {print $1}')
		((rule >= $1)) && break
		sleep 0.1
	done
	echo "$rule"
}

case_invalid_counts() {
	fn_probes_work || skip "needs fentry or kprobe (guest tier)"
	local n=7 rns
	invalid_lab
	rns=$(nt_ns_inode "$LAB_ROUTER_NS")
	nt_start C "$LAB_ROUTER_NS" $TOOL --json --events none --interval 1 --src-ip "$LAB_CLIENT_IP"
	send_synfin $n
	assert_eq "iptables INVALID DROP counter in the router" "$(router_invalid_count "$n")" "$n"
	sleep 1.2       # at least one interval report after the sends
	drop_finish C $TOOL
	assert_jq C "\$ev | length == 0" "no events with --events none"
	assert_jq C "\$sum.verdicts_counted == true" "the verdict stage attached"
	assert_jq C "[\$sum.verdicts_by_netns[] | select(.netns == $rns and .proto == \"TCP\")] |
		length == 1 and .[0].invalid == $n and .[0].drop == 0" \
		"the router's netns counts exactly $n INVALID TCP packets, none dropped by conntrack"
	assert_jq C "[\$all[] | select(.type == \"interval\") | .verdicts_by_netns[] |
		select(.netns == $rns and .proto == \"TCP\") | .invalid] | add == $n" \
		"the interval reports add up to the same $n"
	assert_jq C "\$sum.map_full == 0 and \$sum.unpaired_exits == 0" "no map-full, no unpaired exits"
}

# A full verdict table never makes a total smaller: one row (--max-entries 1) and INVALID
# packets in two namespaces (conntrack runs in the client's OUTPUT and in the router's
# FORWARD, each through a ctstate rule): one namespace gets the row, the other's verdicts
# are reported as not broken down, and the total is both rules' counters together.
case_invalid_table_full() {
	fn_probes_work || skip "needs fentry or kprobe (guest tier)"
	local n=5 rr rc i
	nt_lab router
	ip netns exec "$LAB_ROUTER_NS" iptables -w -A FORWARD -m conntrack --ctstate INVALID -j DROP &&
		ip netns exec "$LAB_CLIENT_NS" iptables -w -A OUTPUT -m conntrack --ctstate INVALID -j ACCEPT ||
		fail "lab: conntrack rules"
	nt_start C "$LAB_ROUTER_NS" $TOOL --json --events none --interval 1 --max-entries 1 \
		--src-ip "$LAB_CLIENT_IP"
	send_synfin $n
	for ((i = 0; i < $(_nt_scaled 20); i++)); do
		rr=$(ip netns exec "$LAB_ROUTER_NS" iptables -w -nvxL FORWARD | awk '/INVALID/ {print $1}')
		rc=$(ip netns exec "$LAB_CLIENT_NS" iptables -w -nvxL OUTPUT | awk '/INVALID/ {print $1}')
		((rr >= n && rc >= n)) && break
		sleep 0.1
	done
	assert_eq "INVALID rule counters (client OUTPUT + router FORWARD)" "$((rc + rr))" "$((2 * n))"
	sleep 1.2       # at least one interval report after the sends
	drop_finish C $TOOL
	assert_jq C "\$sum.verdicts.invalid == $((2 * n))" \
		"the total counts every INVALID packet of both namespaces ($((2 * n)))"
	assert_jq C "([\$sum.verdicts_by_netns[].invalid] | add) == $n and
		\$sum.verdicts_unattributed.invalid == $n" \
		"one namespace in the table's one row, the other's $n not broken down"
	assert_jq C "\$sum.map_full >= 1" "the refused rows are counted as map_full"
	assert_jq C "[\$all[] | select(.type == \"interval\") | .verdicts.invalid] | add == $((2 * n))" \
		"the interval reports add up to the same total"
}

case_usage() {
	drop_usage_error --events bogus $TOOL --events new,bogus
	drop_usage_error --src-ip 1.2.3.4.5 $TOOL --src-ip 1.2.3.4.5
	drop_usage_error --protocol "" $TOOL --protocol icmp --dst-port 80
	drop_usage_error --events none,new $TOOL --events none,new
	drop_usage_error --interval 0.01 $TOOL --interval 0.01
	drop_usage_error --max-entries 0 $TOOL --max-entries 0
}

# --prometheus: INVALID verdicts scraped per namespace == the iptables INVALID counter;
# without --interval the flag is refused
case_prometheus() {
	fn_probes_work || skip "needs fentry or kprobe (guest tier)"
	local n=5 rns
	invalid_lab
	rns=$(nt_ns_inode "$LAB_ROUTER_NS")
	nt_start C "$LAB_ROUTER_NS" $TOOL --json --events none --interval 0.5 --src-ip "$LAB_CLIENT_IP" \
		--prometheus $PORT
	send_synfin $n
	assert_eq "iptables INVALID DROP counter in the router" "$(router_invalid_count "$n")" "$n"
	sleep 1.2
	scrape "$LAB_ROUTER_NS" last
	promtool_check last
	assert_eq "scraped INVALID TCP verdicts in the router's namespace" \
		"$(metric nettrail_conntrack_verdicts_total 'verdict="invalid"' "netns=\"$rns\"" 'proto="TCP"')" "$n"
	drop_finish C $TOOL
}

nt_case "$TOOL: without fentry and kprobe -> exit 1 naming the missing attach types" case_host_no_probes
nt_case --tag guest --tag newer --tag guest-nobtf "$TOOL: NEW/DESTROY with tuples for a TCP connection and a UDP exchange (function probes)" case_events
nt_case --tag guest --tag newer "$TOOL: INVALID counted in the kernel == iptables INVALID counter (exit probes)" case_invalid_counts
nt_case --tag guest "$TOOL: a full verdict table (--max-entries 1) -> totals == both INVALID rules, the rest not broken down" case_invalid_table_full
nt_case "$TOOL: bad input -> exit 2 before loading" case_usage
nt_case --tag newer "$TOOL: --interval --prometheus: scraped INVALID verdicts of the router's namespace == the iptables counter" case_prometheus
nt_done
