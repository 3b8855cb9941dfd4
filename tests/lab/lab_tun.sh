# shellcheck shell=bash
# A VM that stops taking its packets, without a VM (sourced after tests/lab/lab.sh): in
# namespace ${P}h, a tap ${P}t0 (TUNLAB_TAP, TUNLAB_IP/24, IPv6 off, a static neighbour
# TUNLAB_PEER_IP so no ARP is sent) attached by a holder process that reads nothing until
# told. Every packet the host sends to the peer goes into the tap's transmit ring; once the
# ring (sized by the tap's txqueuelen when the holder attaches) is full, the kernel drops
# them (FULL_RING) and counts them in the tap's tx_dropped.
#   tunlab_topology P RING [vhost]
#                               build it, the ring RING slots; with vhost the reader is
#                               vhost-net itself, driven by tests/lab/vhost_user.py (a
#                               virtio-net driver in user space) instead of the holder
#   tunlab_send N [DPORT]       N UDP datagrams to the peer (port DPORT, default 9), back to back
#   tunlab_drain                the holder reads every waiting frame (the VM catches up)
#   tunlab_tx_dropped           the tap's tx_dropped counter
#   tunlab_vhost CMD, tunlab_vhost_state [JQ], tunlab_vhost_used Q N
#                               with vhost: a command to vhost_user.py, its state, a wait
# lab_cleanup P stops the holder (its pid in the lab's VM directory) and removes the rest.

TUNLAB_PEER_MAC=02:00:5e:10:00:77
_TUNLAB_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

tunlab_topology() {
	local p=$1 ring=$2 kind=${3:-holder} s d i
	if [[ $kind == vhost ]]; then
		[[ -c /dev/vhost-net ]] || modprobe vhost_net 2>/dev/null
		[[ -c /dev/vhost-net ]] || { _lab_err "no /dev/vhost-net (vhost_net did not load)"; return 1; }
	fi
	s=$(_lab_slot_take "$p") || return 1
	LAB_PREFIX=$p TUNLAB_NS=${p}h TUNLAB_TAP=${p}t0
	TUNLAB_IP=$(_lab_net4 $((s * 4))).1 TUNLAB_PEER_IP=$(_lab_net4 $((s * 4))).2
	export LAB_PREFIX TUNLAB_NS TUNLAB_TAP TUNLAB_IP TUNLAB_PEER_IP
	_lab_ns_add "$TUNLAB_NS" || return 1
	ip netns exec "$TUNLAB_NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null
	ip netns exec "$TUNLAB_NS" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 2>/dev/null
	_lab_do ip -n "$TUNLAB_NS" tuntap add dev "$TUNLAB_TAP" mode tap || return 1
	_lab_do ip -n "$TUNLAB_NS" link set "$TUNLAB_TAP" txqueuelen "$ring" || return 1
	d=$(_lab_vm_dir "$p")
	rm -rf "$d" && mkdir -p "$d" || return 1
	# setsid: a process group of its own, stopped as one by lab_cleanup (_lab_vm_stop)
	if [[ $kind == vhost ]]; then
		setsid ip netns exec "$TUNLAB_NS" /usr/bin/python3 "$_TUNLAB_REPO/tests/lab/vhost_user.py" \
			"$TUNLAB_TAP" "$d" >"$d/holder.log" 2>&1 </dev/null &
	else
		setsid ip netns exec "$TUNLAB_NS" /usr/bin/python3 - "$TUNLAB_TAP" "$d" >"$d/holder.log" 2>&1 <<'PY' &
import fcntl, os, signal, struct, sys
name, d = sys.argv[1], sys.argv[2]
TUNSETIFF, IFF_TAP, IFF_NO_PI = 0x400454CA, 0x0002, 0x1000
fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TAP | IFF_NO_PI))
drained = 0

def drain(*_):
    global drained
    while True:
        try:
            os.read(fd, 65536)
            drained += 1
        except BlockingIOError:
            break
    with open(d + "/drained.tmp", "w") as f:
        f.write("%d\n" % drained)
    os.rename(d + "/drained.tmp", d + "/drained")

signal.signal(signal.SIGUSR1, drain)
open(d + "/ready", "w").close()
while True:
    signal.pause()
PY
	fi
	echo $! >"$d/pid"
	for ((i = 0; i < 50; i++)); do
		[[ -e $d/ready ]] && break
		sleep 0.1
	done
	[[ -e $d/ready ]] || { _lab_err "the tap's holder did not attach: $(cat "$d/holder.log")"; return 1; }
	_lab_addr "$TUNLAB_NS" "$TUNLAB_TAP" "$TUNLAB_IP/24" || return 1
	_lab_do ip -n "$TUNLAB_NS" neigh replace "$TUNLAB_PEER_IP" lladdr "$TUNLAB_PEER_MAC" \
		dev "$TUNLAB_TAP" nud permanent
}

tunlab_send() {
	ip netns exec "$TUNLAB_NS" /usr/bin/python3 - "$TUNLAB_PEER_IP" "${2:-9}" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(int(sys.argv[3])):
    s.sendto(b"nettrail-tun %d" % i, (sys.argv[1], int(sys.argv[2])))
PY
}

tunlab_drain() {
	local d i
	d=$(_lab_vm_dir "$LAB_PREFIX")
	rm -f "$d/drained"
	kill -USR1 -- "$(cat "$d/pid")" 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		[[ -e $d/drained ]] && return 0
		sleep 0.1
	done
	_lab_err "the tap's holder did not drain"
	return 1
}

# tunlab_vhost CMD: one command to vhost_user.py (rx N, tx N, state); returns when done
tunlab_vhost() {
	local d seq i
	d=$(_lab_vm_dir "$LAB_PREFIX")
	seq=$(jq .seq "$d/state") || return 1
	echo "$*" >"$d/cmd"
	for ((i = 0; i < 100; i++)); do
		(($(jq .seq "$d/state" 2>/dev/null || echo "$seq") > seq)) && return 0
		sleep 0.05
	done
	_lab_err "vhost_user.py did not do '$*': $(cat "$d/holder.log")"
	return 1
}

# tunlab_vhost_state [JQ]: vhost_user.py's state (after a "state" command), through jq
tunlab_vhost_state() {
	tunlab_vhost state && jq -c "${1:-.}" "$(_lab_vm_dir "$LAB_PREFIX")/state"
}

# tunlab_vhost_used Q N: wait (<= 10 s) until vhost has used N buffers of queue Q (rx, tx)
tunlab_vhost_used() {
	local i
	for ((i = 0; i < 100; i++)); do
		(($(tunlab_vhost_state ".$1.used") >= $2)) && return 0
		sleep 0.1
	done
	_lab_err "vhost used $(tunlab_vhost_state ".$1.used") buffers of $1, not $2"
	return 1
}

tunlab_tx_dropped() { ip netns exec "$TUNLAB_NS" cat "/sys/class/net/$TUNLAB_TAP/statistics/tx_dropped"; }
