# shellcheck shell=bash
# A KVM host in miniature, with a real VM: sourced after tests/lab/lab.sh.
#
#   ${P}c (remote host)            ${P}r (the VM's host)                    the VM (qemu TCG)
#   ${P}c0 CLIENT_IP/24  <->  ${P}r0 (RX_IF, "physical") --+-- bridge ${P}br
#                                     ${P}t0 (TX_IF, tap) ---+    <->  eth0 (virtio-net) SERVER_IP/24
#                                     ${P}t1 (VM2_TAP) ------+    <->  eth1 (virtio-net) VM2_IP/24,
#                                                                      in the VM's namespace vmb
#
# lab_vm_topology PREFIX boots a guest of the guest tier (tests/vm/run-guest.sh; its Debian
# kernel, LABVM_KERNEL, default 6.1) whose virtio-net NIC is backed by the tap, in the host
# namespace: frames between the remote host and the VM cross the "physical" veth, the bridge
# and the tap as they do on a KVM host (vhost off: qemu's own thread serves the tap). The VM
# answers pings and runs iperf3 (5201), sockperf UDP (11111) and TCP (11112) servers and a
# UDP echo (7007, LAB_VM_ECHO_PORT). Its second NIC, alone in a namespace of the VM's own, is a
# second VM as far as the host sees (the pair tools: frames between the two cross tap ${P}t0,
# the bridge and tap ${P}t1). The
# LAB_* variables of lab.sh keep their meaning (client = remote host, router = the VM's
# host, server = the VM), so a case written for the router lab runs on it:
#   LAB_CLIENT_NS LAB_ROUTER_NS LAB_CLIENT_IF LAB_RX_IF LAB_TX_IF LAB_CLIENT_IP LAB_SERVER_IP
#   LAB_VM_BRIDGE, LAB_VM_KERNEL (the guest's release), LAB_VM2_TAP, LAB_VM2_IP
# labvm_exec CMD... runs a command in the VM (its stdout+stderr printed, its status
# returned). lab_cleanup PREFIX stops the VM (_lab_vm_stop in lab.sh) and removes the rest.
#
# A TCG guest boots in ~10-20 s and keeps one host CPU busy while it runs; 198.18.0.0/15 only.

LABVM_KERNEL=${LABVM_KERNEL:-6.1}
LAB_VM_ECHO_PORT=7007
_LABVM_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# lab_vm_topology PREFIX
lab_vm_topology() {
	local p=$1 s t
	s=$(_lab_slot_take "$p") || return 1
	_lab_vars "$p" "$s"
	local c=$LAB_CLIENT_NS h=$LAB_ROUTER_NS
	LAB_SERVER_NS= LAB_TX_IF=${p}t0 LAB_VM_BRIDGE=${p}br LAB_VM2_TAP=${p}t1
	LAB_SERVER_IP=$(_lab_net4 $((s * 4))).3    # the VM: on the remote host's L2
	LAB_VM2_IP=$(_lab_net4 $((s * 4))).4       # its second NIC, the same L2
	export LAB_SERVER_NS LAB_TX_IF LAB_VM_BRIDGE LAB_SERVER_IP LAB_VM2_TAP LAB_VM2_IP
	_lab_ns_add "$c" && _lab_ns_add "$h" || return 1
	_lab_veth "$c" "$LAB_CLIENT_IF" "$h" "$LAB_RX_IF" || return 1
	_lab_addr "$c" "$LAB_CLIENT_IF" "$LAB_CLIENT_IP/24" || return 1
	_lab_do ip -n "$h" link add "$LAB_VM_BRIDGE" type bridge stp_state 0 forward_delay 0 ||
		return 1
	_lab_do ip -n "$h" link set "$LAB_RX_IF" master "$LAB_VM_BRIDGE" || return 1
	_lab_do ip -n "$h" link set "$LAB_RX_IF" up || return 1
	for t in "$LAB_TX_IF" "$LAB_VM2_TAP"; do
		_lab_do ip -n "$h" tuntap add dev "$t" mode tap || return 1
		_lab_do ip -n "$h" link set "$t" master "$LAB_VM_BRIDGE" || return 1
		_lab_do ip -n "$h" link set "$t" up || return 1
	done
	_lab_do ip -n "$h" link set "$LAB_VM_BRIDGE" up || return 1
	lab_vm_start "$p"
}

# lab_vm_start PREFIX: boot the VM on ${PREFIX}t0, wait until the remote host pings it
lab_vm_start() {
	local p=$1 d i
	d=$(_lab_vm_dir "$p")
	rm -rf "$d" && mkdir -p "$d" || return 1
	"$_LABVM_REPO/tests/vm/run-guest.sh" --quiet --prepare --kernel "$LABVM_KERNEL" >/dev/null ||
		{ _lab_err "no guest kernel $LABVM_KERNEL (tests/vm/run-guest.sh --prepare)"; return 1; }
	# setsid: the VM is a process group of its own, stopped as one by _lab_vm_stop
	NT_LABVM_DIR=$d NT_LABVM_IP=$LAB_SERVER_IP NT_LABVM_IP2=$LAB_VM2_IP setsid \
		ip netns exec "$LAB_ROUTER_NS" "$_LABVM_REPO/tests/vm/run-guest.sh" --quiet \
		--kernel "$LABVM_KERNEL" --smp 1 --mem 1G --timeout 3600 --nic "$LAB_TX_IF" \
		--nic "$LAB_VM2_TAP" --rw "$d" -- bash "$_LABVM_REPO/tests/lab/vm_guest.sh" \
		>"$d/guest.log" 2>&1 </dev/null &
	echo $! >"$d/pid"
	for ((i = 0; i < 240; i++)); do
		[[ -e $d/ready ]] && break
		kill -0 "$(cat "$d/pid")" 2>/dev/null || break
		sleep 0.5
	done
	if [[ ! -e $d/ready ]]; then
		_lab_err "the lab VM did not come up: $(tail -n 5 "$d/guest.log" 2>/dev/null | tr '\n' ' ')"
		return 1
	fi
	LAB_VM_KERNEL=$(cat "$d/ready")
	export LAB_VM_KERNEL
	# first contact resolves ARP both ways; then the path is warm
	for ((i = 0; i < 20; i++)); do
		ip netns exec "$LAB_CLIENT_NS" ping -q -c 1 -W 2 "$LAB_SERVER_IP" >/dev/null 2>&1 || continue
		# the UDP echo's first bursts pay TCG's translation (echoes dropped): warm it up
		labvm_udp_bursts 3 10 1000 0 0.3 >/dev/null
		return 0
	done
	_lab_err "the lab VM is up but does not answer pings at $LAB_SERVER_IP"
	return 1
}

# labvm_exec CMD...: run CMD in the lab VM (bash); prints its output, returns its status
labvm_exec() {
	local d n i rc
	d=$(_lab_vm_dir "$LAB_PREFIX")
	n=$RANDOM$RANDOM
	# written aside, then renamed: the VM never runs half a file
	printf '%s\n' "$*" >"$d/.cmd.$n" && mv "$d/.cmd.$n" "$d/cmd.$n" || return 1
	for ((i = 0; i < 600; i++)); do
		if [[ -e $d/rc.$n ]]; then
			rc=$(cat "$d/rc.$n")
			cat "$d/out.$n"
			rm -f "$d/rc.$n" "$d/out.$n"
			return "$rc"
		fi
		sleep 0.1
	done
	_lab_err "the lab VM did not run '$*' within 60 s"
	return 1
}

# labvm_udp_bursts BURSTS PER SIZE [FILLERS [GAP]]: from the remote host, BURSTS times: FILLERS
# datagrams of 1472 bytes (full frames) to the VM's discard port 9, then PER datagrams of SIZE
# bytes back to back to its UDP echo, then GAP seconds (default 0.5) for the echoes. Prints how
# many echoes came back.
labvm_udp_bursts() {
	ip netns exec "$LAB_CLIENT_NS" /usr/bin/python3 - "$LAB_SERVER_IP" "$LAB_VM_ECHO_PORT" "$@" <<'PY'
import socket, sys, time
dip, port, bursts, per, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
fillers = int(sys.argv[6]) if len(sys.argv) > 6 else 0
gap = float(sys.argv[7]) if len(sys.argv) > 7 else 0.5
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setblocking(False)
got = 0

def drain(until):
    global got
    while time.time() < until:
        try:
            s.recvfrom(65535)
            got += 1
        except BlockingIOError:
            time.sleep(0.002)

for b in range(bursts):
    for i in range(fillers):
        s.sendto(b"f" * 1472, (dip, 9))
    for i in range(per):
        s.sendto(b"nettrail-lab %6d " % (b * per + i) + b"x" * max(0, size - 20), (dip, port))
    drain(time.time() + gap)
drain(time.time() + 1)
print(got)
PY
}
