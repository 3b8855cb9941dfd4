#!/usr/bin/env bash
# run-guest.sh — run one command as root inside a throw-away qemu (TCG) guest
# booted on a Debian kernel, with the host's root filesystem visible read-only
# (9p) under a tmpfs overlay, so the repository and every host tool appear at
# the same absolute paths as on the host.  See tests/vm/README.md.
#
#   tests/vm/run-guest.sh [options] -- COMMAND [ARG...]
#
# The command's stdout/stderr stream to this script's stdout/stderr; the script
# exits with the command's exit status.  Harness failures: 124 = timed out
# (guest or host side), 125 = the guest died (panic, boot failure) or the
# harness could not start it, 2 = usage error.
set -euo pipefail

PROG=${0##*/}
SELF_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
REPO=$(cd "$SELF_DIR/../.." && pwd -P)

CACHE=${NT_VM_CACHE:-/var/cache/nettrail-vm}
KERNEL=${NT_VM_KERNEL:-6.1}
FLAVOUR=${NT_VM_FLAVOUR:-amd64}
TIMEOUT=${NT_VM_TIMEOUT:-900}
MEM=${NT_VM_MEM:-2G}
SMP=${NT_VM_SMP:-2}
TAIL_LINES=${NT_VM_TAIL:-60}
MIRROR=${NT_VM_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${NT_VM_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
KEYRING=${NT_VM_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}
# Modules loaded in the guest before the command runs (failures are reported,
# not fatal).  Extend with --modules or NT_VM_MODULES.
DEFAULT_MODULES="veth bridge br_netfilter tun tap macvlan ipvlan vxlan dummy ifb 8021q bonding
 openvswitch vhost_net
 sch_netem sch_tbf sch_htb sch_prio sch_ingress sch_fq_codel cls_bpf cls_u32 cls_matchall
 act_mirred act_gact act_bpf
 nfnetlink nf_tables nft_compat nft_ct nft_chain_nat nft_reject_inet nft_limit nft_log
 nf_conntrack nf_nat nf_reject_ipv4 nf_reject_ipv6
 x_tables xt_statistic xt_tcpudp xt_conntrack xt_state xt_comment xt_mark xt_multiport xt_LOG
 xt_limit xt_addrtype xt_MASQUERADE ip_tables iptable_filter iptable_nat iptable_raw
 iptable_mangle ipt_REJECT ip6_tables ip6table_filter ip6t_REJECT ebtables ebtable_filter
 ipip ip_gre ip6_tunnel"
MODULES="$DEFAULT_MODULES ${NT_VM_MODULES:-}"
# Modules the initramfs itself needs to reach the host filesystem.
BOOT_MODULES="virtio_pci 9pnet_virtio 9p overlay"

REFRESH=0 INTERACTIVE=0 VERBOSE=0 HIDE_BTF=0 PREPARE_ONLY=0 QUIET=0
RW_PATHS=() NICS=()

usage() {
	cat <<EOF
usage: $PROG [options] -- COMMAND [ARG...]
       $PROG --prepare [--kernel K]

Boot a qemu TCG guest on a Debian kernel and run COMMAND in it as root, in the
current directory, with the host root filesystem visible read-only under a
tmpfs overlay (writes are discarded when the guest ends).

options:
  --kernel K     kernel series 5.10 (bullseye), 6.1 (bookworm, default) or
                 6.12 (bookworm-backports), or an exact Debian release such as
                 6.1.0-56-amd64                           [NT_VM_KERNEL=$KERNEL]
  --timeout SEC  hard bound for the whole guest run; 0 = none [NT_VM_TIMEOUT=$TIMEOUT]
  --mem SIZE     guest memory (qemu -m)                   [NT_VM_MEM=$MEM]
  --smp N        guest CPUs                               [NT_VM_SMP=$SMP]
  --modules "M…" extra modules to load in the guest       [NT_VM_MODULES]
  --rw DIR       share host directory DIR read-write at the same path
                 (repeatable; e.g. to collect artifacts)
  --nic TAP      a virtio-net NIC backed by the host tap TAP (an existing
                 persistent tap, or one qemu creates; vhost off), in the
                 network namespace this script runs in; the guest names the
                 NICs eth0, eth1, ... in order (repeatable)
  --hide-btf     hide /sys/kernel/btf/vmlinux in the guest; a copy is kept at
                 \$NT_GUEST_BTF (/run/nettrail-vm/vmlinux.btf)
  --refresh      re-resolve the newest kernel of the series (needs the mirror)
  --prepare      only download/extract the kernel; print its release
  -i, --interactive  attach the terminal to the command (e.g. a shell)
  -v, --verbose  also stream the guest kernel console to stderr
  -q, --quiet    no harness progress lines
  -h, --help     this text

The command sees NT_GUEST=1, NT_GUEST_KERNEL=<release> and every NT_* variable
of the caller.  Cache: \$NT_VM_CACHE (default /var/cache/nettrail-vm).
Exit status: the command's; 124 timeout; 125 guest/harness failure; 2 usage.
EOF
}

say() { [ "$QUIET" = 1 ] || printf '%s: %s\n' "$PROG" "$*" >&2; }
warn() { printf '%s: warning: %s\n' "$PROG" "$*" >&2; }
die() { printf '%s: error: %s\n' "$PROG" "$*" >&2; exit 125; }
usage_err() { printf '%s: %s (see --help)\n' "$PROG" "$*" >&2; exit 2; }

need_arg() { [ "$#" -ge 2 ] || usage_err "option $1 needs a value"; }
while [ "$#" -gt 0 ]; do
	case $1 in
	--kernel) need_arg "$@"; KERNEL=$2; shift 2 ;;
	--kernel=*) KERNEL=${1#*=}; shift ;;
	--timeout) need_arg "$@"; TIMEOUT=$2; shift 2 ;;
	--timeout=*) TIMEOUT=${1#*=}; shift ;;
	--mem) need_arg "$@"; MEM=$2; shift 2 ;;
	--smp) need_arg "$@"; SMP=$2; shift 2 ;;
	--modules) need_arg "$@"; MODULES="$MODULES $2"; shift 2 ;;
	--rw) need_arg "$@"; RW_PATHS+=("$2"); shift 2 ;;
	--nic) need_arg "$@"; NICS+=("$2"); shift 2 ;;
	--hide-btf) HIDE_BTF=1; shift ;;
	--refresh) REFRESH=1; shift ;;
	--prepare) PREPARE_ONLY=1; shift ;;
	-i | --interactive) INTERACTIVE=1; shift ;;
	-v | --verbose) VERBOSE=1; shift ;;
	-q | --quiet) QUIET=1; shift ;;
	-h | --help) usage; exit 0 ;;
	--) shift; break ;;
	*) usage_err "unknown option '$1'; put the guest command after --" ;;
	esac
done
[[ $TIMEOUT =~ ^[0-9]+$ ]] || usage_err "--timeout: '$TIMEOUT' is not a number of seconds"
[[ $SMP =~ ^[1-9][0-9]*$ ]] || usage_err "--smp: '$SMP' is not a CPU count"
[ "${#NICS[@]}" = 0 ] || MODULES="$MODULES virtio_net"
if [ "$PREPARE_ONLY" = 0 ] && [ "$#" -eq 0 ]; then
	usage_err "no command given; e.g. $PROG -- uname -r"
fi
[ "$(id -u)" = 0 ] || die "must run as root (apt-get, depmod on the cache, qemu 9p export of /)"
[ "$(uname -m)" = x86_64 ] || die "only x86_64 hosts are supported (uname -m: $(uname -m))"

# ---------------------------------------------------------------- host tools
apt_install() {
	export DEBIAN_FRONTEND=noninteractive
	local opts=(-y -q -o Dpkg::Use-Pty=0 -o DPkg::Lock::Timeout=300 --no-install-recommends)
	local log
	log=$(mktemp)
	say "installing missing host packages: $*"
	if ! compgen -G '/var/lib/apt/lists/*_Packages' >/dev/null ||
		! apt-get install "${opts[@]}" "$@" >"$log" 2>&1; then
		# Package lists missing or stale: refresh once, then retry.
		if ! { apt-get update -q -o DPkg::Lock::Timeout=300 >"$log" 2>&1 &&
			apt-get install "${opts[@]}" "$@" >>"$log" 2>&1; }; then
			tail -n 20 "$log" >&2
			rm -f "$log"
			die "apt-get install $* failed"
		fi
	fi
	rm -f "$log"
}

ensure_host_tools() {
	local pkgs=()
	command -v qemu-system-x86_64 >/dev/null || pkgs+=(qemu-system-x86)
	# The initramfs needs a statically linked busybox: the busybox-static package.
	if ! dpkg-query -W -f '${Status}' busybox-static 2>/dev/null | grep -q 'ok installed'; then
		pkgs+=(busybox-static)
	fi
	command -v depmod >/dev/null || pkgs+=(kmod)
	command -v cpio >/dev/null || pkgs+=(cpio)
	command -v apt-get >/dev/null || die "apt-get not found: this harness needs a Debian host"
	command -v flock >/dev/null || pkgs+=(util-linux)
	command -v xz >/dev/null || pkgs+=(xz-utils)
	command -v zstd >/dev/null || pkgs+=(zstd)
	if [ "${#pkgs[@]}" -gt 0 ]; then apt_install "${pkgs[@]}"; fi
	command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 still missing after install"
	[ -x /bin/busybox ] || die "/bin/busybox missing after installing busybox-static"
}

# ------------------------------------------------------------ kernel cache
# Kernels come from Debian's archive through a private apt configuration
# (own sources list, lists and cache directories) so the machine's apt setup
# is never read or changed.  Extracted, never installed.
series_of() { # 6.1.0-56-amd64 -> 6.1 ; 5.10.0-35-cloud-amd64 -> 5.10
	local r=$1
	[[ $r =~ ^([0-9]+\.[0-9]+)[.-] ]] || return 1
	printf '%s\n' "${BASH_REMATCH[1]}"
}

write_sources() { # series file
	local k="[signed-by=$KEYRING]"
	case $1 in
	5.10) printf 'deb %s %s bullseye main\ndeb %s %s bullseye-updates main\ndeb %s %s bullseye-security main\n' \
		"$k" "$MIRROR" "$k" "$MIRROR" "$k" "$SECURITY_MIRROR" >"$2" ;;
	6.1) printf 'deb %s %s bookworm main\ndeb %s %s bookworm-updates main\ndeb %s %s bookworm-security main\n' \
		"$k" "$MIRROR" "$k" "$MIRROR" "$k" "$SECURITY_MIRROR" >"$2" ;;
	6.12) printf 'deb %s %s bookworm-backports main\n' "$k" "$MIRROR" >"$2" ;;
	*) return 1 ;;
	esac
}

APT_OPTS=()
private_apt() { # series
	local dir=$CACHE/apt/$1
	mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
	write_sources "$1" "$dir/sources.list" ||
		die "no Debian suite known for kernel series '$1' (known: 5.10, 6.1, 6.12)"
	APT_OPTS=(-o "Dir::Etc::sourcelist=$dir/sources.list" -o Dir::Etc::sourceparts=/dev/null
		-o "Dir::State::Lists=$dir/lists" -o "Dir::Cache=$dir/cache"
		-o Dir::Etc::preferences=/dev/null -o Dir::Etc::preferencesparts=/dev/null
		-o APT::Sandbox::User=root -o Acquire::Retries=3)
	[ -r "$KEYRING" ] || apt_install debian-archive-keyring
}

resolve_release() { # series -> newest Debian kernel release of that series
	local series=$1 rel
	private_apt "$series"
	say "resolving the newest $series kernel ($FLAVOUR) from $MIRROR ..."
	apt-get "${APT_OPTS[@]}" -q update >"$WORK/apt-update.log" 2>&1 || {
		tail -n 20 "$WORK/apt-update.log" >&2
		return 1
	}
	rel=$(apt-cache "${APT_OPTS[@]}" depends "linux-image-$FLAVOUR" 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { sub(/^linux-image-/, "", $2); print $2; exit }')
	[ -n "$rel" ] || { warn "linux-image-$FLAVOUR has no kernel dependency in the $series suites"; return 1; }
	[ "$(series_of "$rel")" = "$series" ] || { warn "linux-image-$FLAVOUR points at $rel, not a $series kernel"; return 1; }
	printf '%s\n' "$rel"
}

fetch_kernel() { # release -> $CACHE/kernels/<release> (extracted, depmod'ed)
	local rel=$1 series dest tmp deb
	series=$(series_of "$rel") || die "cannot tell the series of kernel '$rel'"
	dest=$CACHE/kernels/$rel
	[ -e "$dest/.complete" ] && return 0
	private_apt "$series"
	tmp=$(mktemp -d "$CACHE/kernels/.fetch.XXXXXX")
	say "downloading linux-image-$rel ..."
	if ! (cd "$tmp" && apt-get "${APT_OPTS[@]}" -q download "linux-image-$rel") >"$WORK/apt-download.log" 2>&1; then
		# The package lists may be old or missing: refresh once.
		apt-get "${APT_OPTS[@]}" -q update >"$WORK/apt-update.log" 2>&1 || true
		if ! (cd "$tmp" && apt-get "${APT_OPTS[@]}" -q download "linux-image-$rel") >"$WORK/apt-download.log" 2>&1; then
			tail -n 20 "$WORK/apt-download.log" >&2
			rm -rf "$tmp"
			die "could not download linux-image-$rel"
		fi
	fi
	deb=$(ls "$tmp"/*.deb)
	mkdir "$tmp/root"
	dpkg-deb -x "$deb" "$tmp/root" || { rm -rf "$tmp"; die "dpkg-deb -x $deb failed"; }
	rm -f "$deb"
	# Merged-/usr packages ship /usr/lib/modules; depmod -b looks in <base>/lib/modules.
	if [ ! -d "$tmp/root/lib/modules/$rel" ] && [ -d "$tmp/root/usr/lib/modules/$rel" ]; then
		mkdir -p "$tmp/root/lib"
		ln -s ../usr/lib/modules "$tmp/root/lib/modules"
	fi
	[ -f "$tmp/root/boot/vmlinuz-$rel" ] || { rm -rf "$tmp"; die "linux-image-$rel has no /boot/vmlinuz-$rel"; }
	depmod -b "$tmp/root" "$rel" || { rm -rf "$tmp"; die "depmod -b failed for $rel"; }
	rm -rf "$dest"
	mv "$tmp/root" "$dest"
	rm -rf "$tmp"
	touch "$dest/.complete"
	say "cached kernel $rel in $dest ($(du -sh "$dest" | cut -f1))"
}

prepare_kernel() { # sets KVER KROOT
	local series pin
	mkdir -p "$CACHE/kernels" "$CACHE/series"
	exec 9>"$CACHE/.lock"
	flock -w 900 9 || die "timed out waiting for the cache lock $CACHE/.lock"
	if [[ $KERNEL =~ ^[0-9]+\.[0-9]+$ ]]; then
		series=$KERNEL
		pin=$CACHE/series/$series-$FLAVOUR
		KVER=
		if [ "$REFRESH" = 0 ] && [ -s "$pin" ]; then
			KVER=$(cat "$pin")
			[ -e "$CACHE/kernels/$KVER/.complete" ] || KVER=
		fi
		if [ -z "$KVER" ]; then
			if KVER=$(resolve_release "$series"); then
				printf '%s\n' "$KVER" >"$pin"
			elif [ -s "$pin" ] && [ -e "$CACHE/kernels/$(cat "$pin")/.complete" ]; then
				KVER=$(cat "$pin")
				warn "could not refresh the $series kernel; using cached $KVER"
			else
				die "could not resolve a $series kernel (mirror $MIRROR unreachable?)"
			fi
		fi
	elif series_of "$KERNEL" >/dev/null; then
		KVER=$KERNEL
	else
		usage_err "--kernel: '$KERNEL' is neither a series (5.10, 6.1, 6.12) nor a Debian kernel release"
	fi
	fetch_kernel "$KVER"
	KROOT=$CACHE/kernels/$KVER
	exec 9>&-
}

# ------------------------------------------------------------- initramfs
build_initramfs() { # -> $WORK/initramfs.cpio
	local ird=$WORK/initramfs moddir=$KROOT/lib/modules/$KVER
	local -A dep=() builtin=() seen=()
	local order=() line path name
	while IFS= read -r line; do
		path=${line%%:*}
		name=${path##*/}; name=${name%%.ko*}; name=${name//-/_}
		dep[$name]=$line
	done <"$moddir/modules.dep"
	while IFS= read -r path; do
		name=${path##*/}; name=${name%%.ko*}; name=${name//-/_}
		builtin[$name]=1
	done <"$moddir/modules.builtin"
	resolve() {
		local n=${1//-/_} d rest
		[ -z "${seen[$n]:-}" ] || return 0
		seen[$n]=1
		if [ -z "${dep[$n]:-}" ]; then
			[ -n "${builtin[$n]:-}" ] && return 0
			die "kernel $KVER has no module '$n' (and it is not built in)"
		fi
		rest=${dep[$n]#*:}
		for d in $rest; do
			d=${d##*/}; resolve "${d%%.ko*}"
		done
		order+=("${dep[$n]%%:*}")
	}
	for name in $BOOT_MODULES; do resolve "$name"; done

	mkdir -p "$ird"/{bin,dev,proc,sys,hostroot,rw,newroot,mods}
	cp /bin/busybox "$ird/bin/busybox"
	: >"$ird/mods/order"
	for path in "${order[@]}"; do
		name=${path##*/}
		case $name in
		*.ko) cp "$moddir/$path" "$ird/mods/$name" ;;
		*.ko.xz) xz -dc "$moddir/$path" >"$ird/mods/${name%.xz}" ;;
		*.ko.zst) zstd -qdc "$moddir/$path" >"$ird/mods/${name%.zst}" ;;
		*.ko.gz) gzip -dc "$moddir/$path" >"$ird/mods/${name%.gz}" ;;
		*) die "unexpected module file $path" ;;
		esac
		name=${name%.xz}; name=${name%.zst}; name=${name%.gz}
		echo "$name" >>"$ird/mods/order"
	done
	{
		printf 'REPO=%q\n' "$REPO"
		printf 'RW_PATHS=%q\n' "${RW_PATHS[*]:-}"
		printf 'KVER=%q\nKROOT=%q\nCWD=%q\n' "$KVER" "$KROOT" "$PWD"
	} >"$ird/nt.conf"
	cp "$SELF_DIR/initramfs-init.sh" "$ird/init"
	chmod 0755 "$ird/init" "$ird/bin/busybox"
	(cd "$ird" && find . -print0 | cpio -o -0 -H newc --quiet) >"$WORK/initramfs.cpio"
}

# ------------------------------------------------------------------- main
WORK=$(mktemp -d "${TMPDIR:-/tmp}/nettrail-vm.XXXXXX")
QEMU_PID='' CAT_PIDS=()
cleanup() {
	local p
	[ -z "$QEMU_PID" ] || kill "$QEMU_PID" 2>/dev/null || true
	for p in "${CAT_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	if [ "${NT_VM_KEEP:-0}" = 1 ]; then
		printf '%s: kept the run directory %s (NT_VM_KEEP=1)\n' "$PROG" "$WORK" >&2
	else
		rm -rf "$WORK"
	fi
}
# shellcheck disable=SC2317  # invoked by the EXIT trap
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ensure_host_tools
prepare_kernel
if [ "$PREPARE_ONLY" = 1 ]; then
	printf '%s %s\n' "$KVER" "$KROOT"
	exit 0
fi
for d in "${RW_PATHS[@]}"; do
	[[ $d == /* ]] || usage_err "--rw: '$d' is not an absolute path"
	[ -d "$d" ] || usage_err "--rw: '$d' is not a directory"
done

build_initramfs

CTL=$WORK/ctl
mkdir -p "$CTL"
# The command, quoted for bash, and the guest configuration (read by guest-init.sh).
{
	printf 'exec'
	printf ' %q' "$@"
	printf '\n'
} >"$CTL/cmd"
guest_timeout=0
if [ "$TIMEOUT" -gt 0 ] && [ "$INTERACTIVE" = 0 ]; then
	# Leave the guest time to report and power off before the host-side kill.
	margin=$((TIMEOUT / 10)); [ "$margin" -ge 15 ] || margin=15
	guest_timeout=$((TIMEOUT - margin)); [ "$guest_timeout" -ge 5 ] || guest_timeout=5
fi
{
	printf 'KVER=%q\nKROOT=%q\nREPO=%q\nCWD=%q\n' "$KVER" "$KROOT" "$REPO" "$PWD"
	printf 'MODULES=%q\nINTERACTIVE=%q\nHIDE_BTF=%q\n' "$(tr -s ' \n\t' '   ' <<<"$MODULES")" "$INTERACTIVE" "$HIDE_BTF"
	printf 'GUEST_TIMEOUT=%q\nHOST_TERM=%q\nQUIET=%q\n' "$guest_timeout" "${TERM:-dumb}" "$QUIET"
	# Caller's NT_* variables are passed on to the command.
	while IFS= read -r v; do
		printf 'export %s=%q\n' "$v" "${!v}"
	done < <(compgen -v NT_ || true)
} >"$CTL/conf"

qemu=(qemu-system-x86_64 -accel tcg -cpu max -machine pc -m "$MEM" -smp "$SMP"
	-nodefaults -no-user-config -display none -monitor none -nic none -no-reboot
	-kernel "$KROOT/boot/vmlinuz-$KVER" -initrd "$WORK/initramfs.cpio"
	-append "console=ttyS0 loglevel=5 panic=-1 rdinit=/init mitigations=off random.trust_cpu=on no_timer_check 8250.nr_uarts=4"
	-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
	-virtfs "local,path=$CTL,mount_tag=ntctl,security_model=none,multidevs=remap")
i=0
for d in "${RW_PATHS[@]}"; do
	qemu+=(-virtfs "local,path=$d,mount_tag=ntrw$i,security_model=none,multidevs=remap")
	i=$((i + 1))
done

# virtio-net NICs on host taps (the guest's eth0, eth1, ... in this order)
i=0
for t in "${NICS[@]}"; do
	qemu+=(-netdev "tap,id=nic$i,ifname=$t,script=no,downscript=no,vhost=off"
		-device "virtio-net-pci,netdev=nic$i,mac=52:54:00:6e:74:$(printf '%02x' "$i")")
	i=$((i + 1))
done

# ttyS0: kernel console -> console.log (and stderr with -v); ttyS1: command
# stdout (or the whole terminal with -i); ttyS2: command stderr.
mkfifo "$WORK/out" "$WORK/err" "$WORK/con"
qemu+=(-chardev "file,id=con,path=$WORK/con" -serial chardev:con)
if [ "$INTERACTIVE" = 1 ]; then
	qemu+=(-chardev "stdio,id=out,signal=off" -serial chardev:out)
else
	qemu+=(-chardev "file,id=out,path=$WORK/out" -serial chardev:out
		-chardev "file,id=err,path=$WORK/err" -serial chardev:err)
fi
start_readers() {
	if [ "$VERBOSE" = 1 ]; then
		tee "$WORK/console.log" <"$WORK/con" >&2 &
	else
		cat <"$WORK/con" >"$WORK/console.log" &
	fi
	CAT_PIDS+=($!)
	[ "$INTERACTIVE" = 1 ] && return
	cat <"$WORK/out" &
	CAT_PIDS+=($!)
	cat <"$WORK/err" >&2 &
	CAT_PIDS+=($!)
}

if [ "$TIMEOUT" -gt 0 ]; then
	if [ "$INTERACTIVE" = 1 ]; then
		# --foreground: stay in the terminal's process group, or qemu is
		# stopped (SIGTTIN/SIGTTOU) as soon as it touches the terminal.
		qemu=(timeout --foreground -k 5 "$TIMEOUT" "${qemu[@]}")
	else
		qemu=(timeout -k 5 "$TIMEOUT" "${qemu[@]}")
	fi
fi

# A TCG boot now and then hangs in the kernel's early init (seen once on 6.1,
# console silent after 1 s of uptime, both vCPUs busy for the 30 min
# timeout). The init writes its ready line after 7-12 s of uptime: a guest
# without it after BOOT_LIMIT s of wall time is killed and booted once more.
BOOT_LIMIT=${NT_VM_BOOT_LIMIT:-180}
booted_or_killed() {
	local t=0
	while kill -0 "$QEMU_PID" 2>/dev/null; do
		grep -aq 'ready after' "$WORK/console.log" 2>/dev/null && return 0
		if [ "$t" -ge "$BOOT_LIMIT" ]; then
			kill "$QEMU_PID" 2>/dev/null
			return 1
		fi
		sleep 1
		t=$((t + 1))
	done
	return 0
}

# drain_readers: let the stream readers drain; a reader whose fifo was never
# opened is killed.
drain_readers() {
	for _ in $(seq 50); do
		alive=0
		for p in "${CAT_PIDS[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
		[ "$alive" = 1 ] || break
		sleep 0.1
	done
	for p in "${CAT_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	CAT_PIDS=()
}

say "booting $KVER (tcg, ${SMP} cpu, $MEM, timeout ${TIMEOUT}s) ..."
start=$(date +%s.%N)
set +e
if [ "$INTERACTIVE" = 1 ]; then
	start_readers
	# Foreground: qemu owns the terminal (a background job would get /dev/null).
	"${qemu[@]}" 2>"$WORK/qemu.err"
	qrc=$?
else
	for attempt in 1 2; do
		start_readers
		"${qemu[@]}" </dev/null 2>"$WORK/qemu.err" &
		QEMU_PID=$!
		booted_or_killed
		booted=$?
		wait "$QEMU_PID"
		qrc=$?
		[ "$booted" = 0 ] && break
		drain_readers
		warn "the guest kernel did not reach the init's ready line within ${BOOT_LIMIT}s (attempt $attempt); console:"
		tail -n 5 "$WORK/console.log" | tr -d '\r' >&2
		[ "$attempt" = 2 ] || start=$(date +%s.%N)
	done
fi
set -e
QEMU_PID=
end=$(date +%s.%N)
drain_readers
wall=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')

console_tail() {
	printf '%s: ---- last %s lines of the guest console ----\n' "$PROG" "$TAIL_LINES" >&2
	tail -n "$TAIL_LINES" "$WORK/console.log" | tr -d '\r' >&2 || true
	printf '%s: ---- end of guest console ----\n' "$PROG" >&2
}
# Kernel trouble worth knowing about even when the command passed.
problems=$(grep -aE 'BUG:|WARNING:|Oops|general protection fault|Kernel panic|soft lockup|hung_task|rcu.*stall|Call Trace' \
	"$WORK/console.log" 2>/dev/null | tr -d '\r' | head -n 20 || true)

if [ -s "$CTL/rc" ]; then
	rc=$(cat "$CTL/rc")
	[[ $rc =~ ^[0-9]+$ ]] || die "guest wrote a malformed exit status '$rc'"
	if [ -e "$CTL/timed-out" ]; then
		printf '%s: error: command stopped by the guest watchdog at %ss of guest uptime (--timeout %s, run took %ss)\n' "$PROG" "$guest_timeout" "$TIMEOUT" "$wall" >&2
		console_tail
		exit 124
	fi
	if [ -n "$problems" ]; then
		warn "the guest kernel logged problems:"
		printf '%s\n' "$problems" >&2
	fi
	say "guest finished: exit status $rc, ${wall}s wall"
	exit "$rc"
fi

if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	printf '%s: error: guest did not finish within --timeout %ss; qemu killed\n' "$PROG" "$TIMEOUT" >&2
	console_tail
	exit 124
fi
if grep -aq 'Kernel panic' "$WORK/console.log" 2>/dev/null; then
	printf '%s: error: the guest kernel panicked (qemu exit %s, %ss)\n' "$PROG" "$qrc" "$wall" >&2
	# the first lines of trouble (the Oops line itself scrolls out of a long tail)
	printf '%s: the guest kernel logged:\n%s\n' "$PROG" "$problems" >&2
else
	printf '%s: error: the guest ended without reporting an exit status (qemu exit %s, %ss)\n' "$PROG" "$qrc" "$wall" >&2
fi
if [ -s "$WORK/qemu.err" ]; then
	printf '%s: qemu said:\n' "$PROG" >&2
	tail -n 20 "$WORK/qemu.err" >&2
fi
console_tail
exit 125
