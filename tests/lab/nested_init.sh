#!/bin/busybox sh
# /init of the nested VM (tests/lab/lab_nested.sh): busybox only. Loads virtio_net and its
# dependencies, gives eth0 the address on the kernel command line (nt_ip=A.B.C.D) and a
# static neighbour entry for its peer (nt_peer=IP,MAC: an OVS datapath without a daemon
# forwards no ARP), answers pings (the kernel), says "nested-ready" on the console, and idles
# until qemu is stopped.
/bin/busybox mkdir -p /bin /sbin /proc /sys /dev /tmp
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /mods/order); do
	insmod "/mods/$m" || echo "nested: insmod $m failed"
done
ip= peer=
for w in $(cat /proc/cmdline); do
	case $w in
	nt_ip=*) ip=${w#nt_ip=} ;;
	nt_peer=*) peer=${w#nt_peer=} ;;
	esac
done
ip link set lo up
ip addr add "$ip/24" dev eth0 && ip link set eth0 up || echo "nested: no eth0"
[ -n "$peer" ] && arp -i eth0 -s "${peer%,*}" "${peer#*,}"
echo "nested-ready $(cut -d' ' -f1 /proc/uptime)s"
while :; do sleep 3600; done
