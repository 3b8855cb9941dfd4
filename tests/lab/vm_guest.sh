#!/bin/bash
# Runs inside the lab VM (tests/lab/lab_vm.sh boots it with tests/vm/run-guest.sh): brings
# up its virtio-net NIC with NT_LABVM_IP/24 and its second one, alone in namespace vmb (a second
# VM to the host), with NT_LABVM_IP2/24, starts the servers a test talks to (the kernel
# answers pings itself; iperf3, sockperf, a UDP echo), says ready, then runs the command
# files the host drops into NT_LABVM_DIR (labvm_exec) one at a time, until the host stops it.
set -u
dir=${NT_LABVM_DIR:?}
ip link set lo up
ip addr add "${NT_LABVM_IP:?}/24" dev eth0 || { echo "vm: no eth0" >"$dir/failed"; exit 1; }
ip link set eth0 up
if [[ -n ${NT_LABVM_IP2:-} ]]; then
	ip netns add vmb && ip link set eth1 netns vmb &&
		ip -n vmb addr add "$NT_LABVM_IP2/24" dev eth1 && ip -n vmb link set eth1 up &&
		ip -n vmb link set lo up || { echo "vm: no eth1 in vmb" >"$dir/failed"; exit 1; }
fi
# the remote host's neighbour entry is resolved by its first ping; no gateway needed (one L2)
iperf3 -s -D >/dev/null 2>&1
sockperf server -i "$NT_LABVM_IP" -p 11111 >/dev/null 2>&1 &
sockperf server --tcp -i "$NT_LABVM_IP" -p 11112 >/dev/null 2>&1 &
# UDP echo on 7007: every datagram back to its sender (a known count each way)
python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 7007))
while True:
    d, a = s.recvfrom(65535)
    s.sendto(d, a)
' "$NT_LABVM_IP" >/dev/null 2>&1 &
echo "$(uname -r)" >"$dir/ready"

# command files: cmd.N (a bash script) -> out.N (stdout+stderr), then rc.N (exit status)
while [[ ! -e $dir/stop ]]; do
	for f in "$dir"/cmd.*; do
		[[ -e $f ]] || continue
		n=${f##*.}
		bash "$f" >"$dir/out.$n" 2>&1
		echo $? >"$dir/rc.$n.tmp"
		mv "$dir/rc.$n.tmp" "$dir/rc.$n"
		rm -f "$f"
	done
	sleep 0.1
done
