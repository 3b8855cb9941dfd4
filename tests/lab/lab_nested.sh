# shellcheck shell=bash
# A KVM host in miniature inside a guest of the guest tier: a nested VM under KVM whose
# virtio-net NIC rides on vhost-net over a tap, as on the users' hosts (tap, vhost worker,
# eventfd, KVM irqfd, the guest's virtio-net driver). Sourced after tests/lab/lab.sh, in a
# guest (NT_GUEST_KERNEL, NT_GUEST_KROOT: qemu TCG's -cpu max exposes SVM, so kvm_amd loads
# and /dev/kvm, /dev/vhost-net appear).
#
#   ${P}c (remote host)                ${P}r (the VM's host)                  nested VM (KVM)
#   ${P}c0 NESTED_REMOTE_IP/24  <->  ${P}r0 (NESTED_PHY) -- switch -- ${P}t0 (NESTED_TAP, vhost=on)
#                                                                     <->  eth0 NESTED_VM_IP/24
#
# nested_vm_topology PREFIX bridge|ovs: the switch is a Linux bridge ${P}br, or an Open vSwitch
# kernel datapath ${P}dp (_lab_vm_host in lab.sh; static neighbour entries both ways: no
# daemon answers the flow misses). The nested VM runs the guest's
# own kernel with a busybox initramfs (tests/lab/nested_init.sh: it answers pings)
# and is up in ~10-15 s. Exported: NESTED_NS NESTED_REMOTE_NS NESTED_PHY NESTED_TAP
# NESTED_REMOTE_IP NESTED_VM_IP NESTED_VM_MAC. nested_vm_monitor CMD sends a command to its
# qemu monitor ("stop": the VM's vCPU stops, so its driver posts no more receive buffers;
# "cont"). The tap's transmit ring has NESTED_RING slots (txqueuelen when qemu attaches).
# lab_cleanup PREFIX stops it with the rest.

NESTED_VM_MAC=52:54:00:6e:76:00
NESTED_RING=256
_NESTED_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# nested_kvm_ready: /dev/kvm and /dev/vhost-net, loading the modules if needed; else a reason
nested_kvm_ready() {
	[[ -c /dev/kvm ]] || modprobe kvm_amd 2>/dev/null || modprobe kvm_intel 2>/dev/null
	[[ -c /dev/kvm ]] || { echo "no /dev/kvm (kvm_amd/kvm_intel did not load: no SVM/VMX)"; return 1; }
	[[ -c /dev/vhost-net ]] || modprobe vhost_net 2>/dev/null
	[[ -c /dev/vhost-net ]] || { echo "no /dev/vhost-net (vhost_net did not load)"; return 1; }
	[[ -n ${NT_GUEST_KROOT:-} && -n ${NT_GUEST_KERNEL:-} ]] ||
		{ echo "not in a guest of the guest tier (no NT_GUEST_KROOT)"; return 1; }
}

# _nested_initramfs OUT: busybox, virtio_pci + virtio_net and what they need (the guest
# kernel's own modules, decompressed), tests/lab/nested_init.sh as /init
_nested_initramfs() {
	local out=$1 ird m name
	ird=$(mktemp -d) || return 1
	mkdir -p "$ird/bin" "$ird/mods" && cp /bin/busybox "$ird/bin/busybox" || return 1
	cp "$_NESTED_REPO/tests/lab/nested_init.sh" "$ird/init" && chmod 0755 "$ird/init" || return 1
	: >"$ird/mods/order"
	while read -r m; do
		name=${m##*/}
		case $name in
		*.ko) cp "$m" "$ird/mods/$name" ;;
		*.ko.xz) xz -dc "$m" >"$ird/mods/${name%.xz}" ;;
		*.ko.zst) zstd -qdc "$m" >"$ird/mods/${name%.zst}" ;;
		*) _lab_err "nested: unexpected module file $m"; return 1 ;;
		esac
		name=${name%.xz}; name=${name%.zst}
		grep -qx "$name" "$ird/mods/order" || echo "$name" >>"$ird/mods/order"
	done < <(for m in virtio_pci virtio_net; do modprobe --show-depends "$m"; done |
		awk '$1 == "insmod" { print $2 }')
	(cd "$ird" && find . -print0 | cpio -o -0 -H newc --quiet) >"$out" || return 1
	rm -rf "$ird"
}

# nested_vm_topology PREFIX bridge|ovs
nested_vm_topology() {
	local p=$1 kind=$2 s n why
	why=$(nested_kvm_ready) || { _lab_err "nested VM: $why"; return 1; }
	s=$(_lab_slot_take "$p") || return 1
	n=$((s * 4))
	LAB_PREFIX=$p NESTED_NS=${p}r NESTED_REMOTE_NS=${p}c NESTED_PHY=${p}r0 NESTED_TAP=${p}t0
	NESTED_REMOTE_IP=$(_lab_net4 $n).1 NESTED_VM_IP=$(_lab_net4 $n).2
	export LAB_PREFIX NESTED_NS NESTED_REMOTE_NS NESTED_PHY NESTED_TAP NESTED_REMOTE_IP NESTED_VM_IP
	# vnet_hdr: the tap as libvirt makes it for vhost-net
	_lab_vm_host "$p" "$kind" "$NESTED_REMOTE_IP" "$NESTED_VM_IP" "$NESTED_VM_MAC" vnet_hdr || return 1
	_lab_do ip -n "$NESTED_NS" link set "$NESTED_TAP" txqueuelen "$NESTED_RING" || return 1
	_nested_vm_start "$p" "$kind"
}

# _nested_vm_start PREFIX KIND: boot the nested VM on the tap, wait until the remote host pings it
_nested_vm_start() {
	local p=$1 kind=$2 d i remote_mac
	d=$(_lab_vm_dir "$p")
	rm -rf "$d" && mkdir -p "$d" || return 1
	_nested_initramfs "$d/initramfs.cpio" || { _lab_err "nested: no initramfs"; return 1; }
	# the VM's neighbour entry for the remote host is static (nt_peer): an OVS datapath
	# without a daemon forwards no ARP
	remote_mac=$(ip netns exec "$NESTED_REMOTE_NS" cat "/sys/class/net/${p}c0/address") || return 1
	setsid ip netns exec "$NESTED_NS" qemu-system-x86_64 -enable-kvm -cpu host -m 256 -smp 1 \
		-nodefaults -no-user-config -display none -monitor "unix:$d/monitor,server,nowait" -no-reboot \
		-kernel "$NT_GUEST_KROOT/boot/vmlinuz-$NT_GUEST_KERNEL" -initrd "$d/initramfs.cpio" \
		-append "console=ttyS0 panic=-1 quiet nt_ip=$NESTED_VM_IP nt_peer=$NESTED_REMOTE_IP,$remote_mac" \
		-serial "file:$d/console.log" \
		-netdev "tap,id=n0,ifname=$NESTED_TAP,script=no,downscript=no,vhost=on" \
		-device "virtio-net-pci,netdev=n0,mac=$NESTED_VM_MAC" \
		>"$d/qemu.log" 2>&1 </dev/null &
	echo $! >"$d/pid"
	for ((i = 0; i < 600; i++)); do
		grep -q nested-ready "$d/console.log" 2>/dev/null && break
		kill -0 "$(cat "$d/pid")" 2>/dev/null || break
		sleep 0.1
	done
	if ! grep -q nested-ready "$d/console.log" 2>/dev/null; then
		_lab_err "the nested VM did not come up: $(tail -n 5 "$d/qemu.log" "$d/console.log" 2>/dev/null | tr '\n' ' ')"
		return 1
	fi
	for ((i = 0; i < 20; i++)); do
		ip netns exec "$NESTED_REMOTE_NS" ping -n -q -c 1 -W 1 "$NESTED_VM_IP" >/dev/null 2>&1 && return 0
	done
	_lab_err "the nested VM is up but does not answer pings through the $kind: $(tail -n 3 "$d/console.log" | tr '\n' ' ')"
	return 1
}

# nested_vm_monitor CMD: one command to the nested VM's qemu monitor (human monitor protocol)
nested_vm_monitor() {
	/usr/bin/python3 - "$(_lab_vm_dir "$LAB_PREFIX")/monitor" "$1" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.settimeout(5)
s.recv(4096)                                   # the banner and prompt
s.sendall(sys.argv[2].encode() + b"\n")
time.sleep(0.3)
PY
}

