# shellcheck shell=bash
# nettrail latency lab: a host namespace whose "peer" is a userspace responder on a tap
# device, answering echo requests after an exact delay D (the host-tier ground truth for
# the ICMP RTT tools: everything between the request leaving the tap and the reply coming
# back is D plus the responder's own few microseconds).
#
# Source after tests/lab/lab.sh (uses its slots and name prefixes):
#
#   P=$(lab_prefix lt); trap 'latlab_cleanup "$P"' EXIT
#   latlab_tap "$P" 20            # responder answers after 20 ms
#   latlab_ping 10                # host pings the peer 10 times
#
#   ${P}r (host)  ${P}t0 (tap) LATLAB_HOST_IP/24  <->  responder (python, in ${P}r) LATLAB_PEER_IP
#
# latlab_tap PREFIX DELAY_MS [PING_COUNT PING_INTERVAL]: with PING_COUNT > 0 the responder
# also pings the host (PING_COUNT requests, PING_INTERVAL s apart, starting
# $LATLAB_PING_START s (default 1) after ready), for --direction rx.
# Exported: LATLAB_NS LATLAB_IF LATLAB_HOST_IP LATLAB_PEER_IP LATLAB_RESP_PID LATLAB_RESP_LOG
# The responder's log ($LATLAB_RESP_LOG) has one line per answered request
# ("reply id seq delay_us") and per reply it got to its own pings ("got id seq").

LATLAB_PEER_MAC=02:00:5e:10:00:02

# The responder: stdlib only (Debian's /usr/bin/python3).
_LATLAB_PY='
import fcntl, os, select, struct, sys, time, heapq, socket
name, delay, peer_ip, peer_mac, host_ip, npings, pint, log = sys.argv[1:9]
delay = float(delay) / 1000.0; npings = int(npings); pint = float(pint)
fd = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(fd, 0x400454ca, struct.pack("16sH", name.encode(), 0x0002 | 0x1000))
pip = socket.inet_aton(peer_ip); hip = socket.inet_aton(host_ip)
pmac = bytes.fromhex(peer_mac.replace(":", ""))
out = open(log, "w", buffering=1)
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff
def ip_icmp(src, dst, icmp, ident):
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), ident, 0, 64, 1, 0, src, dst)
    return ip[:10] + struct.pack("!H", csum(ip)) + ip[12:] + icmp
# optional 9th argument: the MAC its own pings go to before it has heard anyone (a peer "VM")
host_mac = bytes.fromhex(sys.argv[9].replace(":", "")) if len(sys.argv) > 9 else None
pending = []
out.write("ready\n")
start = time.monotonic(); nextping = start + float(os.environ.get("LATLAB_PING_START", "1")); sent = 0
go = os.environ.get("LATLAB_PING_GO"); armed = False
while True:
    now = time.monotonic()
    while pending and pending[0][0] <= now:
        due, n, frame, info = heapq.heappop(pending)
        tw = time.monotonic()
        os.write(fd, frame)
        # ident seq held_us read_ns write_ns (CLOCK_MONOTONIC, like the BPF timestamps)
        out.write("reply %d %d %d %d %d\n" % (info[0], info[1], int((tw - info[2]) * 1e6),
                                              int(info[2] * 1e9), int(tw * 1e9)))
    if go and not armed:
        # LATLAB_PING_GO: its pings start when this file appears (the tools are ready)
        if not os.path.exists(go): nextping = now + 0.2
        else: armed = True; nextping = now
    if npings and sent < npings and host_mac and now >= nextping and (armed or not go):
        sent += 1; nextping += pint
        icmp = struct.pack("!BBHHH", 8, 0, 0, 0x7e57, sent) + b"nettrail-lat" * 4
        icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
        os.write(fd, host_mac + pmac + b"\x08\x00" + ip_icmp(pip, hip, icmp, sent))
    waits = [0.2]
    if pending: waits.append(max(0.0, pending[0][0] - time.monotonic()))
    if npings and sent < npings and host_mac: waits.append(max(0.0, nextping - time.monotonic()))
    r, _, _ = select.select([fd], [], [], min(waits))
    if not r: continue
    f = os.read(fd, 65536); t = time.monotonic()
    if len(f) < 14: continue
    et = f[12:14]
    if et == b"\x08\x06" and len(f) >= 42 and f[38:42] == pip and f[20:22] == b"\x00\x01":
        host_mac = f[6:12]
        arp = f[14:20] + b"\x00\x02" + pmac + pip + f[22:28] + f[28:32]
        os.write(fd, f[6:12] + pmac + b"\x08\x06" + arp); continue
    if et != b"\x08\x00" or len(f) < 42: continue
    ip = f[14:]; ihl = (ip[0] & 15) * 4
    if ip[9] != 1 or ip[16:20] != pip: continue
    host_mac = f[6:12]
    icmp = ip[ihl:struct.unpack("!H", ip[2:4])[0]]
    typ = icmp[0]; ident, seq = struct.unpack("!HH", icmp[4:8])
    if typ == 0:
        out.write("got %d %d\n" % (ident, seq)); continue
    if typ != 8: continue
    rep = b"\x00" + icmp[1:2] + b"\0\0" + icmp[4:]
    rep = rep[:2] + struct.pack("!H", csum(rep)) + rep[4:]
    frame = f[6:12] + pmac + b"\x08\x00" + ip_icmp(pip, ip[12:16], rep, struct.unpack("!H", ip[4:6])[0])
    heapq.heappush(pending, (t + delay, len(pending) + seq * 1000003, frame, (ident, seq, t)))
'

# _latlab_responder NS LOG TAP DELAY_MS IP MAC HOST_IP NPINGS PINT [DST_MAC]: start the responder
# on TAP (its arguments in _LATLAB_PY's order), its log LOG, errors LOG.err, pid in
# ${LOG%.log}.pid (latlab_cleanup stops every responder*.pid) and _LATLAB_PID; wait for ready
_latlab_responder() {
	local ns=$1 log=$2 i
	shift 2
	rm -f "$log"
	mkdir -p "$(dirname "$log")" || return 1
	ip netns exec "$ns" /usr/bin/python3 -c "$_LATLAB_PY" "${@:1:7}" "$log" "${@:8}" \
		</dev/null >/dev/null 2>"$log.err" &
	_LATLAB_PID=$!
	echo "$_LATLAB_PID" >"${log%.log}.pid"
	for ((i = 0; i < 100; i++)); do
		grep -q '^ready' "$log" 2>/dev/null && return 0
		kill -0 "$_LATLAB_PID" 2>/dev/null || break
		sleep 0.05
	done
	_lab_err "responder on $1 not ready: $(cat "$log.err" 2>/dev/null)"
	return 1
}

# latlab_tap PREFIX DELAY_MS [PING_COUNT PING_INTERVAL]
latlab_tap() {
	local p=$1 d=$2 np=${3:-0} pi=${4:-0.2} s n i
	s=$(_lab_slot_take "$p") || return 1
	n=$((s * 4))
	LATLAB_NS=${p}r LATLAB_IF=${p}t0
	LATLAB_HOST_IP=$(_lab_net4 $n).1 LATLAB_PEER_IP=$(_lab_net4 $n).2
	LATLAB_RESP_LOG=$LAB_STATE_DIR/names/$p/responder.log
	export LATLAB_NS LATLAB_IF LATLAB_HOST_IP LATLAB_PEER_IP LATLAB_RESP_LOG
	_lab_ns_add "$LATLAB_NS" || return 1
	_lab_do ip -n "$LATLAB_NS" tuntap add dev "$LATLAB_IF" mode tap || return 1
	_lab_do ip -n "$LATLAB_NS" addr add "$LATLAB_HOST_IP/24" dev "$LATLAB_IF" || return 1
	_lab_do ip -n "$LATLAB_NS" link set "$LATLAB_IF" up || return 1
	ip netns exec "$LATLAB_NS" sysctl -qw net.ipv6.conf."$LATLAB_IF".disable_ipv6=1 2>/dev/null
	_lab_do ip -n "$LATLAB_NS" neigh replace "$LATLAB_PEER_IP" lladdr "$LATLAB_PEER_MAC" \
		dev "$LATLAB_IF" nud permanent || return 1
	_latlab_responder "$LATLAB_NS" "$LATLAB_RESP_LOG" "$LATLAB_IF" "$d" "$LATLAB_PEER_IP" \
		"$LATLAB_PEER_MAC" "$LATLAB_HOST_IP" "$np" "$pi" || return 1
	LATLAB_RESP_PID=$_LATLAB_PID
	export LATLAB_RESP_PID
	# the tap has carrier now; one ping proves the path (and is not measured)
	_lab_do ip netns exec "$LATLAB_NS" ping -n -q -c 1 -W 2 "$LATLAB_PEER_IP" >/dev/null
}

# latlab_ping COUNT [INTERVAL]: the host pings the peer
latlab_ping() {
	ip netns exec "$LATLAB_NS" ping -n -q -c "$1" -i "${2:-0.2}" -W 2 "$LATLAB_PEER_IP" >/dev/null
}

# latlab_ovs PREFIX: an Open vSwitch kernel datapath as a KVM host has it (needs the
# openvswitch module and ovs-dpctl; no ovs-vswitchd: two flows installed by hand). The
# host's address is on the datapath's internal port, its "physical" port is a veth whose
# peer answers pings:
#   ${P}r: datapath ${P}dp, internal port ${P}dp (port 0) OVSLAB_HOST_IP/24
#          ${P}v0 (port 1, OVSLAB_PHY)  <->  ${P}s: ${P}v1 OVSLAB_PEER_IP/24
# Flows: in_port(0) -> 1 and in_port(1) -> 0 for IPv4; neighbours are static (no ARP
# through the datapath). Exported: OVSLAB_NS OVSLAB_PHY OVSLAB_HOST_IP OVSLAB_PEER_IP.
# lab_cleanup removes it: a datapath goes with its namespace.
latlab_ovs() {
	local p=$1 s n dp
	s=$(_lab_slot_take "$p") || return 1
	n=$((s * 4))
	dp=${p}dp
	OVSLAB_NS=${p}r OVSLAB_PHY=${p}v0
	OVSLAB_HOST_IP=$(_lab_net4 $n).1 OVSLAB_PEER_IP=$(_lab_net4 $n).2
	export OVSLAB_NS OVSLAB_PHY OVSLAB_HOST_IP OVSLAB_PEER_IP
	_lab_ns_add "$OVSLAB_NS" && _lab_ns_add "${p}s" || return 1
	_lab_do ip netns exec "$OVSLAB_NS" ovs-dpctl add-dp "$dp" || return 1
	_lab_do ip link add "${p}v0" netns "$OVSLAB_NS" type veth peer name "${p}v1" netns "${p}s" ||
		return 1
	_lab_do ip netns exec "$OVSLAB_NS" ovs-dpctl add-if "$dp" "${p}v0" || return 1
	_lab_addr "$OVSLAB_NS" "$dp" "$OVSLAB_HOST_IP/24" && _lab_addr "${p}s" "${p}v1" "$OVSLAB_PEER_IP/24" &&
		_lab_do ip -n "$OVSLAB_NS" link set "${p}v0" up || return 1
	_lab_neigh "$OVSLAB_NS" "$dp" "$OVSLAB_PEER_IP" "${p}s" "${p}v1" &&
		_lab_neigh "${p}s" "${p}v1" "$OVSLAB_HOST_IP" "$OVSLAB_NS" "$dp" || return 1
	_lab_do ip netns exec "$OVSLAB_NS" ovs-dpctl add-flow "$dp" \
		"in_port(0),eth(),eth_type(0x0800),ipv4()" 1 || return 1
	_lab_do ip netns exec "$OVSLAB_NS" ovs-dpctl add-flow "$dp" \
		"in_port(1),eth(),eth_type(0x0800),ipv4()" 0 || return 1
	# one ping proves the path through the flows (and is not measured)
	_lab_do ip netns exec "$OVSLAB_NS" ping -n -q -c 1 -W 5 "$OVSLAB_PEER_IP" >/dev/null
}

# latlab_cleanup PREFIX...: stop the responder, remove the namespace and the reservation
latlab_cleanup() {
	local p pid f
	for p in "$@"; do
		[[ -n $p ]] || continue
		for f in "$LAB_STATE_DIR/names/$p"/responder*.pid; do
			pid=$(cat "$f" 2>/dev/null)
			if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
				kill "$pid" 2>/dev/null
				wait "$pid" 2>/dev/null
			fi
		done
		rm -f "$LAB_STATE_DIR/names/$p"/responder.* 2>/dev/null
		lab_cleanup "$p"
	done
}

# latlab_udp_sink NS IP PORT DELAY_MS LOG: UDP receiver that, for each datagram, waits
# DELAY_MS after the socket became readable before reading it (a known NIC -> socket-read
# delay for the one-way tools); logs "got N" per datagram. Runs in the background; its pid
# is printed.
latlab_udp_sink() {
	local ns=$1 ip=$2 port=$3 d=$4 log=$5
	ip netns exec "$ns" /usr/bin/python3 -c '
import select, socket, sys, time
ip, port, d, log = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]) / 1000, sys.argv[4]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((ip, port))
out = open(log, "w", buffering=1); out.write("ready\n"); n = 0
while True:
    select.select([s], [], [])
    if d: time.sleep(d)
    s.recv(65536); n += 1; out.write("got %d\n" % n)
' "$ip" "$port" "$d" "$log" </dev/null >/dev/null 2>&1 &
	echo $!
	local i
	for ((i = 0; i < 100; i++)); do
		grep -q ready "$log" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# latlab_tcp_sink NS IP PORT DELAY_MS LOG: TCP server taking one connection; each time data
# is readable it waits DELAY_MS, then reads. Background; pid printed.
latlab_tcp_sink() {
	local ns=$1 ip=$2 port=$3 d=$4 log=$5 i
	ip netns exec "$ns" /usr/bin/python3 -c '
import select, socket, sys, time
ip, port, d, log = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]) / 1000, sys.argv[4]
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); l.bind((ip, port)); l.listen(1)
out = open(log, "w", buffering=1); out.write("ready\n")
c, _ = l.accept()
while True:
    select.select([c], [], [])
    time.sleep(d)
    b = c.recv(65536)
    if not b: break
    out.write("got %d\n" % len(b))
' "$ip" "$port" "$d" "$log" </dev/null >/dev/null 2>&1 &
	echo $!
	for ((i = 0; i < 100; i++)); do
		grep -q ready "$log" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# latlab_tcp_send NS DST_IP PORT COUNT: COUNT small messages, 100 ms apart, one connection
latlab_tcp_send() {
	ip netns exec "$1" /usr/bin/python3 -c '
import socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
for i in range(int(sys.argv[3])):
    s.send(b"nettrail-lat %d" % i); time.sleep(0.1)
time.sleep(0.2); s.close()
' "$2" "$3" "$4"
}

# latlab_tapvm PREFIX bridge|ovs: a KVM host with a "VM" that is the responder on a tap (it
# answers ARP and pings at once), the tap and a "physical" veth in a switch, the veth's peer
# a remote host; IPv4 only. bridge: a Linux bridge ${P}br; ovs: an Open vSwitch kernel
# datapath ${P}dp (ovs-dpctl; port 1 the veth, port 2 the tap, IPv4 flows both ways, the
# remote host's neighbour entry for the VM static):
#   ${P}c: ${P}c0 TAPVM_REMOTE_IP/24  <->  ${P}r: ${P}r0 (TAPVM_PHY) -- switch -- ${P}t0 (TAPVM_TAP)
#                                                             <->  responder TAPVM_VM_IP
# Exported: TAPVM_NS TAPVM_REMOTE_NS TAPVM_PHY TAPVM_TAP TAPVM_REMOTE_IP TAPVM_VM_IP.
# latlab_cleanup PREFIX removes it.
latlab_tapvm() {
	local p=$1 kind=$2 s n i
	s=$(_lab_slot_take "$p") || return 1
	n=$((s * 4))
	TAPVM_NS=${p}r TAPVM_REMOTE_NS=${p}c TAPVM_PHY=${p}r0 TAPVM_TAP=${p}t0
	TAPVM_REMOTE_IP=$(_lab_net4 $n).1 TAPVM_VM_IP=$(_lab_net4 $n).2
	export TAPVM_NS TAPVM_REMOTE_NS TAPVM_PHY TAPVM_TAP TAPVM_REMOTE_IP TAPVM_VM_IP
	_lab_vm_host "$p" "$kind" "$TAPVM_REMOTE_IP" "$TAPVM_VM_IP" "$LATLAB_PEER_MAC" || return 1
	_latlab_responder "$TAPVM_NS" "$LAB_STATE_DIR/names/$p/responder.log" "$TAPVM_TAP" 0 \
		"$TAPVM_VM_IP" "$LATLAB_PEER_MAC" "$TAPVM_REMOTE_IP" 0 0 || return 1
	# the first ping resolves and proves the path (not measured)
	for ((i = 0; i < 10; i++)); do
		ip netns exec "$TAPVM_REMOTE_NS" ping -n -q -c 1 -W 1 "$TAPVM_VM_IP" >/dev/null 2>&1 && return 0
	done
	_lab_err "the tap VM does not answer pings through the $kind"
	return 1
}

# latlab_tappair PREFIX N INTERVAL: two "VMs" on one host, each a responder on a tap in a
# Linux bridge ${P}br: VM A (${P}t0, TAPPAIR_A_IP) pings VM B (${P}t1, TAPPAIR_B_IP) N times,
# INTERVAL s apart, starting LATLAB_PING_START s (default 1) after both are ready, or when
# the file LATLAB_PING_GO appears if that is set; B answers.
# TAPPAIR_A_LOG has a "got ID SEQ" line per reply A received. Exported: TAPPAIR_NS
# TAPPAIR_A TAPPAIR_B TAPPAIR_A_IP TAPPAIR_B_IP TAPPAIR_A_LOG; the responders' pids are in
# $LAB_STATE_DIR/names/$P/responder*.pid. latlab_cleanup PREFIX removes it.
latlab_tappair() {
	local p=$1 np=$2 pi=$3 s n t d mac_a=02:00:5e:10:00:0a mac_b=02:00:5e:10:00:0b
	s=$(_lab_slot_take "$p") || return 1
	n=$((s * 4))
	d=$LAB_STATE_DIR/names/$p
	TAPPAIR_NS=${p}r TAPPAIR_A=${p}t0 TAPPAIR_B=${p}t1
	TAPPAIR_A_IP=$(_lab_net4 $n).2 TAPPAIR_B_IP=$(_lab_net4 $n).3 TAPPAIR_A_LOG=$d/responder.log
	export TAPPAIR_NS TAPPAIR_A TAPPAIR_B TAPPAIR_A_IP TAPPAIR_B_IP TAPPAIR_A_LOG
	_lab_ns_add "$TAPPAIR_NS" || return 1
	ip netns exec "$TAPPAIR_NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null
	_lab_do ip -n "$TAPPAIR_NS" link add "${p}br" type bridge stp_state 0 forward_delay 0 || return 1
	for t in "$TAPPAIR_A" "$TAPPAIR_B"; do
		_lab_do ip -n "$TAPPAIR_NS" tuntap add dev "$t" mode tap &&
			_lab_do ip -n "$TAPPAIR_NS" link set "$t" master "${p}br" &&
			_lab_do ip -n "$TAPPAIR_NS" link set "$t" up || return 1
	done
	_lab_do ip -n "$TAPPAIR_NS" link set "${p}br" up || return 1
	_latlab_responder "$TAPPAIR_NS" "$d/responder-b.log" "$TAPPAIR_B" 0 "$TAPPAIR_B_IP" "$mac_b" \
		"$TAPPAIR_A_IP" 0 0 &&
		_latlab_responder "$TAPPAIR_NS" "$TAPPAIR_A_LOG" "$TAPPAIR_A" 0 "$TAPPAIR_A_IP" "$mac_a" \
			"$TAPPAIR_B_IP" "$np" "$pi" "$mac_b"
}
