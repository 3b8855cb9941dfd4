#!/bin/bash
# Stage 2: PID 1 of the guest, run by the host's /bin/bash after switch_root
# into the overlay of the host root (see initramfs-init.sh, which also mounted
# the pseudo filesystems).  Loads the modules tests need, runs the command
# from /.nt-vm/cmd with stdout on ttyS1 and stderr on ttyS2, writes its exit status to /.nt-vm/rc
# and powers off.  Not meant to be run by hand.
set -u
CTL=/.nt-vm
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 LC_ALL=C.UTF-8
umask 022

con() { echo "nettrail-vm: $*" >/dev/console 2>/dev/null || true; }

poweroff_now() {
	sync
	echo o >/proc/sysrq-trigger
	sleep 60
	echo b >/proc/sysrq-trigger
}

finish() { # rc
	read -r up _ </proc/uptime; con "finishing at ${up}s"
	echo "$1" >"$CTL/rc.tmp" && mv "$CTL/rc.tmp" "$CTL/rc"
	poweroff_now
}

# shellcheck source=/dev/null
. "$CTL/conf" || { con "cannot read $CTL/conf"; poweroff_now; }

# proc, sys, dev, /run, /tmp, tracefs, bpffs, modules: mounted by stage 1.
echo nt-guest >/proc/sys/kernel/hostname
ip link set lo up 2>/dev/null || true

read -r up _ </proc/uptime
con "stage 2 started at ${up}s"
# Load what the tests need; optional, so failures are reported only.
# shellcheck disable=SC2086  # a word list
modprobe -a -q $MODULES 2>/dev/null
loaded=() failed=()
for m in $MODULES; do
	n=${m//-/_}
	if [ -d "/sys/module/$n" ] || grep -q "/$m.ko" "/lib/modules/$KVER/modules.builtin" 2>/dev/null; then
		loaded+=("$m")
	else
		failed+=("$m")
	fi
done
con "modules loaded: ${loaded[*]:-}"
con "modules failed: ${failed[*]:-none}"

export NT_GUEST=1 NT_GUEST_KERNEL=$KVER NT_GUEST_KROOT=$KROOT NT_GUEST_REPO=$REPO
if [ "$HIDE_BTF" = 1 ]; then
	# Keep a copy for --btf, then hide the kernel's own BTF from libbpf.
	if cp /sys/kernel/btf/vmlinux /run/nettrail-vm/vmlinux.btf &&
		mount -t tmpfs -o ro,mode=0755 nobtf /sys/kernel/btf; then
		export NT_GUEST_BTF=/run/nettrail-vm/vmlinux.btf
	else
		con "could not hide /sys/kernel/btf/vmlinux"
	fi
fi

read -r up _ </proc/uptime
con "ready after ${up}s of guest uptime; running the command in $CWD"
if [ "$QUIET" != 1 ]; then
	{
		echo "run-guest.sh: guest $KVER ready after ${up}s uptime; ${#loaded[@]} modules loaded${failed[*]:+; not loaded: ${failed[*]}}"
	} >/dev/ttyS2
fi

cd "$CWD" 2>/dev/null || cd "$REPO" || cd /

if [ "$INTERACTIVE" = 1 ]; then
	export TERM=$HOST_TERM
	stty -F /dev/ttyS1 sane 2>/dev/null
	# setsid -c: the serial line becomes the shell's controlling terminal.
	setsid -c -w bash "$CTL/cmd" <>/dev/ttyS1 >&0 2>&0
	finish $?
fi

export TERM=dumb
# Raw lines: no \n -> \r\n translation on the way to the host.
stty -F /dev/ttyS1 raw -echo 2>/dev/null
stty -F /dev/ttyS2 raw -echo 2>/dev/null
setsid bash "$CTL/cmd" </dev/null >/dev/ttyS1 2>/dev/ttyS2 &
cpid=$!
if [ "${GUEST_TIMEOUT:-0}" -gt 0 ]; then
	(
		# GUEST_TIMEOUT is counted from the guest's boot (its uptime), so a
		# slow boot does not push the watchdog past the host's hard limit.
		read -r up _ </proc/uptime
		left=$((GUEST_TIMEOUT - ${up%.*}))
		[ "$left" -ge 1 ] || left=1
		sleep "$left"
		kill -0 "$cpid" 2>/dev/null || exit 0
		: >"$CTL/timed-out"
		con "command still running at ${GUEST_TIMEOUT}s of guest uptime: dumping tasks, then killing it"
		{ ps --ppid 2 -p 2 --deselect -o pid,ppid,stat,wchan:24,etime,args 2>/dev/null || ls /proc; } >/dev/console 2>&1
		echo w >/proc/sysrq-trigger
		kill -TERM -- "-$cpid" 2>/dev/null
		sleep 5
		kill -KILL -- "-$cpid" 2>/dev/null
	) &
fi
wait "$cpid"
rc=$?
# Make sure the last bytes left the serial ports before the power goes.
perl -MPOSIX -e 'for (@ARGV) { open(my $f, ">", $_) or next; POSIX::tcdrain(fileno $f) }' \
	/dev/ttyS1 /dev/ttyS2 2>/dev/null || sleep 1
finish "$rc"
