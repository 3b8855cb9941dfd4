#!/bin/busybox sh
# Stage 1, /init of the guest initramfs (busybox).  Copied into the initramfs
# by run-guest.sh together with busybox, the boot modules and nt.conf.
#  - insmod the modules needed to reach the host: virtio_pci, 9p, overlay ...
#  - mount the host root (9p "hostroot", read-only) under a tmpfs overlay
#  - mount the per-run control directory (9p "ntctl", read-write) at /.nt-vm
#  - mount the --rw shares at their host paths
#  - mount proc, sys, dev, tmpfs on /run /tmp /var/tmp, tracefs, debugfs,
#    bpffs, cgroup2, and bind the guest kernel's modules to /lib/modules/<rel>
#  - switch_root into the overlay and exec stage 2 (tests/vm/guest-init.sh)
# On any failure: explain on the console and power off; the host then reports
# "no exit status" and prints the console tail.
/bin/busybox mkdir -p /bin /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin

mount -t devtmpfs devtmpfs /dev
mount -t proc proc /proc
mount -t sysfs sysfs /sys

fail() {
	echo "nettrail-vm: stage1: $*" >/dev/console
	poweroff -f
	sleep 30
}

. /nt.conf
echo "nettrail-vm: stage1 start at $(cut -d" " -f1 /proc/uptime)s" >/dev/console

while read -r m; do
	insmod "/mods/$m" || fail "insmod $m failed"
done </mods/order

# 9p needs the virtio transport device to be probed; it is, synchronously,
# by the time insmod virtio_pci returns.
mount -t 9p -o ro,trans=virtio,version=9p2000.L,cache=loose,msize=262144 hostroot /hostroot ||
	fail "cannot mount the host root over 9p"
mount -t tmpfs -o mode=0755 tmpfs /rw || fail "cannot mount tmpfs"
mkdir -p /rw/upper /rw/work
mount -t overlay overlay -o lowerdir=/hostroot,upperdir=/rw/upper,workdir=/rw/work /newroot ||
	fail "cannot mount the overlay root"
mkdir -p /newroot/.nt-vm
mount -t 9p -o trans=virtio,version=9p2000.L,cache=none,msize=262144 ntctl /newroot/.nt-vm ||
	fail "cannot mount the control share"
[ -f "/newroot$REPO/tests/vm/guest-init.sh" ] || fail "$REPO/tests/vm/guest-init.sh not visible in the guest"
[ -x /newroot/bin/bash ] || fail "/bin/bash missing on the host root"

# A second view of the overlay root: paths that the fresh tmpfs mounts below
# would hide (a clone in /tmp, a cache in /run ...) are bound back from it.
mkdir -p /ovl
mount --bind /newroot /ovl || fail "cannot bind the overlay root"

# Pseudo filesystems of the new root, mounted here with busybox: far cheaper
# than exec'ing the host's dynamically linked mount(8) over 9p under TCG.
mnt() { # type source target [options]
	mkdir -p "/newroot$3"
	mount -t "$1" ${4:+-o "$4"} "$2" "/newroot$3" || echo "nettrail-vm: mount -t $1 $3 failed" >/dev/console
}
mount --move /dev /newroot/dev || fail "cannot move /dev"
mount --move /proc /newroot/proc || fail "cannot move /proc"
mount --move /sys /newroot/sys || fail "cannot move /sys"
mnt devpts devpts /dev/pts gid=5,mode=0620,ptmxmode=0666
mnt tmpfs tmpfs /dev/shm mode=1777,nosuid,nodev
ln -sfn /proc/self/fd /newroot/dev/fd
ln -sfn /proc/self/fd/0 /newroot/dev/stdin
ln -sfn /proc/self/fd/1 /newroot/dev/stdout
ln -sfn /proc/self/fd/2 /newroot/dev/stderr
# Fresh /run, /tmp and /var/tmp: the host's (netns bind mounts, sockets, pid
# files, other people's lab files) must not leak into the guest.
mnt tmpfs tmpfs /run mode=0755,nosuid,nodev
mnt tmpfs tmpfs /tmp mode=1777,nosuid,nodev
mnt tmpfs tmpfs /var/tmp mode=1777,nosuid,nodev
mkdir -p /newroot/run/lock /newroot/run/nettrail-vm
mnt securityfs securityfs /sys/kernel/security
mnt tracefs tracefs /sys/kernel/tracing
mnt debugfs debugfs /sys/kernel/debug
mnt bpf bpf /sys/fs/bpf mode=0700
mnt cgroup2 cgroup2 /sys/fs/cgroup nsdelegate
# Bring back what the tmpfs mounts hid: the repository, the kernel cache, the
# working directory.
bound=
for p in "$REPO" "$KROOT" "$CWD"; do
	case $p in /tmp | /tmp/* | /var/tmp | /var/tmp/* | /run | /run/*) ;; *) continue ;; esac
	skip=
	for b in $bound; do case $p/ in "$b"/*) skip=1 ;; esac; done
	[ -z "$skip" ] || continue
	mkdir -p "/newroot$p"
	mount --bind "/ovl$p" "/newroot$p" || fail "cannot bind $p back over the fresh tmpfs"
	bound="$bound $p"
done
umount /ovl
# The guest kernel's modules at the standard place, so modprobe (the host's
# kmod) and the kernel's own request_module() find them.
mkdir -p "/newroot/lib/modules/$KVER"
mount --bind "/newroot$KROOT/lib/modules/$KVER" "/newroot/lib/modules/$KVER" ||
	fail "cannot bind the modules of $KVER"
# --rw shares last, so that the tmpfs on /tmp or /run does not hide them.
i=0
for d in $RW_PATHS; do
	mkdir -p "/newroot$d"
	mount -t 9p -o trans=virtio,version=9p2000.L,cache=none,msize=262144 "ntrw$i" "/newroot$d" ||
		fail "cannot mount the read-write share $d"
	i=$((i + 1))
done

echo "nettrail-vm: stage1 done at $(cut -d' ' -f1 /newroot/proc/uptime)s" >/dev/console
exec switch_root /newroot /bin/bash "$REPO/tests/vm/guest-init.sh"
