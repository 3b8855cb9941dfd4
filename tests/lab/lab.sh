# shellcheck shell=bash
# nettrail network-namespace lab: topologies and fault injection.
#
# Source this file from bash (it defines functions and variables only):
#
#   . tests/lab/lab.sh
#   P=$(lab_prefix)                    # short unique prefix, e.g. "nt1234a"
#   trap 'lab_cleanup "$P"' EXIT
#   lab_router_topology "$P"           # client -- router -- server
#   lab_drop_request_forward           # fault: router drops echo requests
#   ip netns exec "$LAB_CLIENT_NS" ping -c 3 "$LAB_SERVER_IP"
#
# Topology built by lab_router_topology PREFIX (all in namespaces of our own):
#
#   ${P}c (client)              ${P}r (router, ip_forward=1)           ${P}s (server)
#   ${P}c0  CLIENT_IP/24  <->  ${P}r0 (RX_IF)   ${P}r1 (TX_IF)  <->  ${P}s0  SERVER_IP/24
#
# lab_router_topology2 PREFIX adds a second client link (the manual's bond-slave case):
#
#   ${P}c1  198.18.<n+2>.2/24  <->  ${P}r2 (RX2_IF) 198.18.<n+2>.1/24
#
# and lab_use_link 2 steers client->server requests AND router->client replies over it,
# keeping the same client source address (rp_filter is off everywhere in the lab).
#
# lab_twin_topology PREFIX TWIN builds a copy of lab PREFIX in namespaces ${TWIN}c/r/s with
# the same interface names, the same ifindexes (ip link add ... index N) and the same IP
# addresses: identical traffic whose only difference is the network namespace.
#
# Addresses: IPv4 from 198.18.0.0/15 only (RFC 2544 benchmarking range), IPv6 from
# 2001:2::/48 (RFC 5180 benchmarking range). Each lab takes a "slot" (0..127) reserved
# atomically under $LAB_STATE_DIR, so labs running in parallel never share addresses and a
# tool filtering on one lab's addresses never sees another lab's packets.
#
# Exported after a topology call (names of the current/last lab):
#   LAB_PREFIX LAB_SLOT
#   LAB_CLIENT_NS LAB_ROUTER_NS LAB_SERVER_NS
#   LAB_CLIENT_IF LAB_CLIENT_IF2 (client side of link 1 / link 2)
#   LAB_RX_IF (router, faces client) LAB_RX2_IF (second link, topology2 only)
#   LAB_TX_IF (router, faces server)  LAB_SERVER_IF
#   LAB_CLIENT_IP LAB_SERVER_IP LAB_RX_IP LAB_TX_IP LAB_RX2_IP LAB_CLIENT_IP2
#   LAB_CLIENT_IP6 LAB_SERVER_IP6 LAB_RX_IP6 LAB_TX_IP6
#
# Functions: lab_prefix, lab_release_prefix, lab_router_topology, lab_router_topology2,
#   lab_use_link 1|2, lab_twin_topology, lab_ifindex, lab_netns_inode;
#   faults: lab_drop_request_forward, lab_drop_reply_forward, lab_drop_request_server_input,
#   lab_drop_request_frags_forward, lab_drop_reply_frags_forward,
#   lab_drop_udp_forward PORT[:PORT], lab_drop_request6_forward, lab_loss_request_forward P,
#   lab_fault_packets (iptables counter of the fault rules), lab_clear_faults;
#   traffic: lab_ping N [DEST] [ping args], lab_udp_send NS SIP SPORT DIP DPORT N;
#   lab_cleanup PREFIX... (namespaces, twins, address slot, name reservation).
# Every function returns non-zero (with a message on stderr) on failure; none calls exit.

LAB_STATE_DIR=${LAB_STATE_DIR:-/run/nettrail-lab}
. "$(dirname "${BASH_SOURCE[0]}")/stuck.sh"
LAB_SLOTS=128
LAB_COMMENT=nettrail-lab

_lab_err() { echo "lab: $*" >&2; }

# run a command, and on failure say which one failed (stderr of the command is kept)
_lab_do() {
	"$@" || { _lab_err "failed: $*"; return 1; }
}

# lab_prefix [TAG]: print a short unique name prefix (<= 8 chars, so that "${P}tr" and
# interface names "${P}r0" stay far below IFNAMSIZ-1 = 15). The name is reserved under
# $LAB_STATE_DIR/names until lab_cleanup, so concurrent runs never draw the same one.
lab_prefix() {
	local tag=${1:-} p r d i
	mkdir -p "$LAB_STATE_DIR/names" || return 1
	for ((i = 0; i < 100; i++)); do
		r=$(printf '%04x' $(( (RANDOM << 1 ^ $$ ^ BASHPID ^ i) & 0xffff )))
		p="nt${tag:0:2}$r"
		d=$LAB_STATE_DIR/names/$p
		if mkdir "$d" 2>/dev/null; then
			echo "$p"
			return 0
		fi
		# reclaim a reservation left behind (killed run, or a clean-up that did not call
		# lab_release_prefix): older than 2 minutes and no namespace of that name
		if [[ -z $(find "$d" -maxdepth 0 -mmin -2 2>/dev/null) ]] &&
			! compgen -G "/run/netns/$p?" >/dev/null; then
			rmdir "$d" 2>/dev/null
			if mkdir "$d" 2>/dev/null; then echo "$p"; return 0; fi
		fi
	done
	_lab_err "no free name prefix"
	return 1
}

# lab_release_prefix PREFIX: give back a name reserved by lab_prefix (lab_cleanup does it;
# call it from your own clean-up if you build namespaces without lab_cleanup)
lab_release_prefix() {
	rmdir "$LAB_STATE_DIR/names/$1" 2>/dev/null
	return 0
}

# IPv4 /24 number n (0..511) of the 198.18.0.0/15 range -> "198.18.x" or "198.19.x"
_lab_net4() { printf '198.%d.%d' $((18 + $1 / 256)) $(($1 % 256)); }
# IPv6 /64 number n -> "2001:2:0:<hex>" (inside 2001:2::/48)
_lab_net6() { printf '2001:2:0:%x' $((0x100 + $1)); }

# _lab_slot_take PREFIX: reserve a free slot, print its number.
_lab_slot_take() {
	local p=$1 s d owner
	mkdir -p "$LAB_STATE_DIR" || return 1
	for ((s = 0; s < LAB_SLOTS; s++)); do
		d=$LAB_STATE_DIR/slot.$s
		if mkdir "$d" 2>/dev/null; then
			echo "$p" >"$d/owner"
			echo "$s"
			return 0
		fi
		# reclaim a slot whose owner's namespaces are gone (owner killed by SIGKILL)
		owner=$(cat "$d/owner" 2>/dev/null) || continue
		[[ -n $owner ]] || continue
		if [[ ! -e /run/netns/${owner}r && ! -e /run/netns/${owner}c ]] &&
			[[ $(find "$d/owner" -mmin +1 2>/dev/null) ]]; then
			rm -rf "$d"
			mkdir "$d" 2>/dev/null || continue
			echo "$p" >"$d/owner"
			echo "$s"
			return 0
		fi
	done
	_lab_err "no free lab slot in $LAB_STATE_DIR"
	return 1
}

_lab_slot_release() {
	local p=$1 d
	for d in "$LAB_STATE_DIR"/slot.*; do
		[[ -e $d/owner ]] || continue
		[[ $(cat "$d/owner" 2>/dev/null) == "$p" ]] && rm -rf "$d"
	done
	return 0
}

# _lab_ns_add NS: create a namespace with lab sysctls (before any interface exists, so
# the "default" values apply to the interfaces created later).
_lab_ns_add() {
	local ns=$1
	_lab_do ip netns add "$ns" || return 1
	ip netns exec "$ns" sh -c '
		sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
			net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
			net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0 \
			net.ipv6.conf.all.router_solicitations=0 net.ipv6.conf.default.router_solicitations=0 \
			"net.ipv4.ping_group_range=0 2147483647" &&
		ip link set lo up' || { _lab_err "sysctl/lo setup failed in $ns"; return 1; }
}

# _lab_veth NS_A IF_A NS_B IF_B [INDEX_A INDEX_B]: veth pair, ends created directly in
# their namespaces (so names never collide in the caller's namespace).
_lab_veth() {
	local nsa=$1 ifa=$2 nsb=$3 ifb=$4 ia=${5:-} ib=${6:-}
	local idxa=() idxb=()
	[[ -n $ia ]] && idxa=(index "$ia")
	[[ -n $ib ]] && idxb=(index "$ib")
	_lab_do ip -n "$nsa" link add "$ifa" "${idxa[@]}" type veth \
		peer name "$ifb" "${idxb[@]}" netns "$nsb"
}

_lab_addr() { # NS IF ADDR4/24 ADDR6/64
	_lab_do ip -n "$1" addr add "$3" dev "$2" || return 1
	[[ -n ${4:-} ]] && { _lab_do ip -n "$1" addr add "$4" dev "$2" nodad || return 1; }
	_lab_do ip -n "$1" link set "$2" up
}

_lab_mac() { ip netns exec "$1" cat "/sys/class/net/$2/address"; }

# _lab_vm_host P KIND REMOTE_IP VM_IP VM_MAC [TUNTAP_ARG...]: the KVM host in miniature of the
# VM labs that switch with KIND: namespaces ${P}r (the VM's host) and ${P}c (a remote host,
# ${P}c0 REMOTE_IP/24), a veth ${P}c0 <-> ${P}r0 (the "physical" port) and the tap ${P}t0
# (ip tuntap add ... TUNTAP_ARG), both ports up in a Linux bridge ${P}br (KIND bridge) or an
# Open vSwitch kernel datapath ${P}dp (KIND ovs; ovs-dpctl: port 1 the veth, port 2 the tap,
# IPv4 flows both ways; no daemon answers the misses, so no ARP crosses it: the remote host's
# entry for VM_IP is static, VM_MAC). IPv6 off in both namespaces.
_lab_vm_host() {
	local p=$1 kind=$2 remote_ip=$3 vm_ip=$4 vm_mac=$5
	local h=${p}r c=${p}c
	shift 5
	_lab_ns_add "$h" && _lab_ns_add "$c" || return 1
	_lab_veth "$c" "${p}c0" "$h" "${p}r0" || return 1
	_lab_addr "$c" "${p}c0" "$remote_ip/24" || return 1
	ip netns exec "$c" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null
	ip netns exec "$h" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null
	_lab_do ip -n "$h" tuntap add dev "${p}t0" mode tap "$@" || return 1
	case $kind in
	bridge)
		_lab_do ip -n "$h" link add "${p}br" type bridge stp_state 0 forward_delay 0 &&
			_lab_do ip -n "$h" link set "${p}r0" master "${p}br" &&
			_lab_do ip -n "$h" link set "${p}t0" master "${p}br" &&
			_lab_do ip -n "$h" link set "${p}br" up || return 1
		;;
	ovs)
		_lab_do ip netns exec "$h" ovs-dpctl add-dp "${p}dp" &&
			_lab_do ip netns exec "$h" ovs-dpctl add-if "${p}dp" "${p}r0" &&
			_lab_do ip netns exec "$h" ovs-dpctl add-if "${p}dp" "${p}t0" &&
			_lab_do ip netns exec "$h" ovs-dpctl add-flow "${p}dp" \
				"in_port(1),eth(),eth_type(0x0800),ipv4()" 2 &&
			_lab_do ip netns exec "$h" ovs-dpctl add-flow "${p}dp" \
				"in_port(2),eth(),eth_type(0x0800),ipv4()" 1 || return 1
		_lab_do ip -n "$c" neigh replace "$vm_ip" lladdr "$vm_mac" dev "${p}c0" nud permanent ||
			return 1
		;;
	*) _lab_err "a VM's host switches with bridge or ovs, not '$kind'"; return 1 ;;
	esac
	_lab_do ip -n "$h" link set "${p}r0" up && _lab_do ip -n "$h" link set "${p}t0" up
}

# lab_mesh P N: N hosts (2 to 6) on routed links, for the fleet tools: namespaces
# ${P}n1..${P}nN, each with a veth ${P}hI (MESH_IF[I]) to the router namespace ${P}sw (its end
# ${P}pI), each link a /27 of one /24 of the lab's slot: host I at 198.18.x.(32(I-1)+1)
# (MESH_IP[I]), the router at .(32(I-1)+30), the host's default route through it. Arrays
# MESH_NS, MESH_IF, MESH_IP (1-based) in the caller's shell. lab_cleanup P removes it.
lab_mesh() {
	local p=$1 n=$2 s net i base
	((n >= 2 && n <= 6)) || { _lab_err "lab_mesh: 2 to 6 hosts, not $n"; return 1; }
	s=$(_lab_slot_take "$p") || return 1
	net=$(_lab_net4 $((s * 4)))
	MESH_NS=() MESH_IF=() MESH_IP=() MESH_NET=$net
	_lab_ns_add "${p}sw" || return 1
	ip netns exec "${p}sw" sysctl -qw net.ipv4.ip_forward=1 || return 1
	for ((i = 1; i <= n; i++)); do
		base=$((32 * (i - 1)))
		MESH_NS[i]=${p}n$i MESH_IF[i]=${p}h$i MESH_IP[i]=$net.$((base + 1))
		_lab_ns_add "${MESH_NS[i]}" || return 1
		ip netns exec "${MESH_NS[i]}" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null
		_lab_veth "${MESH_NS[i]}" "${MESH_IF[i]}" "${p}sw" "${p}p$i" || return 1
		_lab_addr "${p}sw" "${p}p$i" "$net.$((base + 30))/27" || return 1
		_lab_addr "${MESH_NS[i]}" "${MESH_IF[i]}" "${MESH_IP[i]}/27" || return 1
		_lab_do ip -n "${MESH_NS[i]}" route add default via "$net.$((base + 30))" || return 1
	done
}

# lab_sshd_mesh P N DIR: lab_mesh P N whose nodes are hosts a controller reaches over ssh, as
# deploy/ reaches a fleet. This namespace (the controller) gets a veth ${P}ct to the mesh's
# router with MESH_CTL_IP (198.18.x.225/27) and a route to the mesh's /24 through it (gone
# with the veth); every node runs its own sshd on MESH_IP[I]:22,
# with a host key made in DIR/ssh and root let in with the client key made there
# (MESH_SSH_KEY); MESH_KNOWN_HOSTS (DIR/ssh/known_hosts) holds every node's host key.
# Nothing of the machine's /etc/ssh or ~/.ssh is read or written (sshd -f, its own keys).
# sshd I's pid is in DIR/sshdI.pid, its log in DIR/ssh/sshdI.log. lab_cleanup P removes the
# namespaces (and the veth with them) but a running sshd keeps its namespace alive: stop the
# sshds first, with lab_sshd_stop DIR.
lab_sshd_mesh() {
	local p=$1 n=$2 dir=$3 i key
	local sd=$dir/ssh
	lab_mesh "$p" "$n" || return 1
	MESH_CTL_IP=$MESH_NET.225
	_lab_do ip link add "${p}ct" type veth peer name "${p}cp" netns "${p}sw" || return 1
	sysctl -qw "net.ipv6.conf.${p}ct.disable_ipv6=1" 2>/dev/null
	_lab_do ip addr add "$MESH_CTL_IP/27" dev "${p}ct" && _lab_do ip link set "${p}ct" up &&
		_lab_addr "${p}sw" "${p}cp" "$MESH_NET.254/27" &&
		_lab_do ip route add "$MESH_NET.0/24" via "$MESH_NET.254" dev "${p}ct" || return 1
	mkdir -p "$sd" && chmod 700 "$sd" || return 1
	MESH_SSH_KEY=$sd/id_ed25519 MESH_KNOWN_HOSTS=$sd/known_hosts
	_lab_do ssh-keygen -q -t ed25519 -N '' -C nettrail-lab-client -f "$MESH_SSH_KEY" &&
		_lab_do ssh-keygen -q -t ed25519 -N '' -C nettrail-lab-host -f "$sd/host_ed25519" || return 1
	cp "$MESH_SSH_KEY.pub" "$sd/authorized_keys" && : >"$MESH_KNOWN_HOSTS" || return 1
	# sshd's privilege separation directory, compiled in; what Debian's ssh service creates
	mkdir -p /run/sshd
	for ((i = 1; i <= n; i++)); do
		_lab_sshd_config "$sd" "${MESH_IP[i]}" >"$sd/sshd$i.conf" || return 1
		ip netns exec "${MESH_NS[i]}" /usr/sbin/sshd -D -f "$sd/sshd$i.conf" -E "$sd/sshd$i.log" &
		echo $! >"$dir/sshd$i.pid"
		key=$(cut -d' ' -f1,2 "$sd/host_ed25519.pub")
		echo "${MESH_IP[i]} $key" >>"$MESH_KNOWN_HOSTS"
	done
	for ((i = 1; i <= n; i++)); do
		_lab_sshd_wait "${MESH_NS[i]}" "${MESH_IP[i]}" ||
			{ _lab_err "sshd of node $i not listening: $(tail -n 3 "$sd/sshd$i.log")"; return 1; }
	done
}

# lab_sshd_stop DIR: stop the sshds of lab_sshd_mesh ... DIR and the sessions they serve
# (SIGTERM, SIGKILL after 2 s), by the pids of DIR/sshd*.pid and their descendants
lab_sshd_stop() {
	local dir=$1 pf pids=() tree pid i
	for pf in "$dir"/sshd*.pid; do
		[[ -e $pf ]] || continue
		mapfile -t tree < <(_lab_tree "$(cat "$pf")")
		pids+=("${tree[@]}")
		rm -f "$pf"
	done
	((${#pids[@]})) || return 0
	kill -TERM "${pids[@]}" 2>/dev/null
	for ((i = 0; i < 20; i++)); do
		kill -0 "${pids[@]}" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "${pids[@]}" 2>/dev/null
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null
	done
	return 0
}

# _lab_tree PID: PID and its descendants, children first
_lab_tree() {
	local c
	for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do
		_lab_tree "$c"
	done
	echo "$1"
}

# _lab_sshd_config DIR ADDR: an sshd configuration for one lab node, every file in DIR
_lab_sshd_config() {
	local sd=$1 addr=$2
	cat <<EOF
ListenAddress $addr
Port 22
HostKey $sd/host_ed25519
AuthorizedKeysFile $sd/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile none
PrintMotd no
Subsystem sftp /usr/lib/openssh/sftp-server
EOF
}

# _lab_sshd_wait NS ADDR: wait (<= 5 s) until something listens on ADDR:22 in NS
_lab_sshd_wait() {
	local i
	for ((i = 0; i < 50; i++)); do
		ip netns exec "$1" ss -Htln "src $2 sport = :22" 2>/dev/null | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

# _lab_neigh NS IF ADDR PEER_NS PEER_IF: permanent neighbour entry for ADDR (IPv4 or IPv6)
# with PEER_IF's MAC. For IPv6 the labs need it: without it the
# first packets wait ~1 s: IPv6 only installs the multicast routes that neighbour
# discovery needs once linkwatch (rate-limited to one run per second, system-wide) has
# reported the carrier, while IPv4/ARP works at once.
_lab_neigh() {
	local mac
	mac=$(_lab_mac "$4" "$5") || return 1
	_lab_do ip -n "$1" neigh replace "$3" lladdr "$mac" dev "$2" nud permanent
}

# lab_ifindex NS IF: print the ifindex of IF in NS
lab_ifindex() { ip netns exec "$1" cat "/sys/class/net/$2/ifindex"; }

# lab_netns_inode NS: print the network-namespace inode number of NS
lab_netns_inode() { stat -L -c %i "/run/netns/$1"; }

# _lab_vars PREFIX SLOT [NSPREFIX]: compute the names and addresses of lab PREFIX
# (namespaces named after NSPREFIX, default PREFIX; interfaces after PREFIX)
_lab_vars() {
	local p=$1 s=$2 q=${3:-$1}
	local n=$((s * 4))
	LAB_PREFIX=$p
	LAB_SLOT=$s
	LAB_CLIENT_NS=${q}c LAB_ROUTER_NS=${q}r LAB_SERVER_NS=${q}s
	LAB_CLIENT_IF=${p}c0 LAB_CLIENT_IF2=${p}c1
	LAB_RX_IF=${p}r0 LAB_TX_IF=${p}r1 LAB_RX2_IF=${p}r2
	LAB_SERVER_IF=${p}s0
	LAB_CLIENT_IP=$(_lab_net4 $n).2 LAB_RX_IP=$(_lab_net4 $n).1
	LAB_TX_IP=$(_lab_net4 $((n + 1))).1 LAB_SERVER_IP=$(_lab_net4 $((n + 1))).2
	LAB_CLIENT_IP2=$(_lab_net4 $((n + 2))).2 LAB_RX2_IP=$(_lab_net4 $((n + 2))).1
	LAB_CLIENT_NET=$(_lab_net4 $n).0/24 LAB_SERVER_NET=$(_lab_net4 $((n + 1))).0/24
	LAB_CLIENT_IP6=$(_lab_net6 $n)::2 LAB_RX_IP6=$(_lab_net6 $n)::1
	LAB_TX_IP6=$(_lab_net6 $((n + 1)))::1 LAB_SERVER_IP6=$(_lab_net6 $((n + 1)))::2
	LAB_SERVER_NET6=$(_lab_net6 $((n + 1)))::/64 LAB_CLIENT_NET6=$(_lab_net6 $n)::/64
	export LAB_PREFIX LAB_SLOT LAB_CLIENT_NS LAB_ROUTER_NS LAB_SERVER_NS LAB_CLIENT_IF \
		LAB_CLIENT_IF2 LAB_RX_IF LAB_TX_IF LAB_RX2_IF LAB_SERVER_IF LAB_CLIENT_IP LAB_RX_IP \
		LAB_TX_IP LAB_SERVER_IP LAB_CLIENT_IP2 LAB_RX2_IP LAB_CLIENT_NET LAB_SERVER_NET \
		LAB_CLIENT_IP6 LAB_RX_IP6 LAB_TX_IP6 LAB_SERVER_IP6 LAB_SERVER_NET6 LAB_CLIENT_NET6
}

# _lab_build PREFIX NSPREFIX SLOT WITH_LINK2 [ifindexes: c0 r0 r1 s0 c1 r2]
_lab_build() {
	local p=$1 q=$2 s=$3 two=$4
	shift 4
	local ic0=${1:-} ir0=${2:-} ir1=${3:-} is0=${4:-} ic1=${5:-} ir2=${6:-}
	_lab_vars "$p" "$s" "$q"
	local c=$LAB_CLIENT_NS r=$LAB_ROUTER_NS sv=$LAB_SERVER_NS
	_lab_ns_add "$c" && _lab_ns_add "$r" && _lab_ns_add "$sv" || return 1
	_lab_do ip netns exec "$r" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 ||
		return 1
	_lab_veth "$c" "$LAB_CLIENT_IF" "$r" "$LAB_RX_IF" "$ic0" "$ir0" || return 1
	_lab_veth "$r" "$LAB_TX_IF" "$sv" "$LAB_SERVER_IF" "$ir1" "$is0" || return 1
	_lab_addr "$c" "$LAB_CLIENT_IF" "$LAB_CLIENT_IP/24" "$LAB_CLIENT_IP6/64" || return 1
	_lab_addr "$r" "$LAB_RX_IF" "$LAB_RX_IP/24" "$LAB_RX_IP6/64" || return 1
	_lab_addr "$r" "$LAB_TX_IF" "$LAB_TX_IP/24" "$LAB_TX_IP6/64" || return 1
	_lab_addr "$sv" "$LAB_SERVER_IF" "$LAB_SERVER_IP/24" "$LAB_SERVER_IP6/64" || return 1
	_lab_do ip -n "$c" route add default via "$LAB_RX_IP" || return 1
	_lab_do ip -n "$sv" route add default via "$LAB_TX_IP" || return 1
	_lab_do ip -n "$c" -6 route add default via "$LAB_RX_IP6" || return 1
	_lab_do ip -n "$sv" -6 route add default via "$LAB_TX_IP6" || return 1
	_lab_neigh "$c" "$LAB_CLIENT_IF" "$LAB_RX_IP6" "$r" "$LAB_RX_IF" &&
		_lab_neigh "$r" "$LAB_RX_IF" "$LAB_CLIENT_IP6" "$c" "$LAB_CLIENT_IF" &&
		_lab_neigh "$r" "$LAB_TX_IF" "$LAB_SERVER_IP6" "$sv" "$LAB_SERVER_IF" &&
		_lab_neigh "$sv" "$LAB_SERVER_IF" "$LAB_TX_IP6" "$r" "$LAB_TX_IF" || return 1
	if [[ $two == 1 ]]; then
		_lab_veth "$c" "$LAB_CLIENT_IF2" "$r" "$LAB_RX2_IF" "$ic1" "$ir2" || return 1
		_lab_addr "$c" "$LAB_CLIENT_IF2" "$LAB_CLIENT_IP2/24" || return 1
		_lab_addr "$r" "$LAB_RX2_IF" "$LAB_RX2_IP/24" || return 1
	fi
	# forwarding is per interface too: make sure every router interface has it
	ip netns exec "$r" sysctl -qw net.ipv4.ip_forward=1 || return 1
	export LAB_TWO_LINKS=$two
}

# _lab_warm: one ping each way so that ARP/ND entries exist before tests run
# (keeps neighbour resolution out of the measured path); fails if the lab is broken.
_lab_warm() {
	_lab_do ip netns exec "$LAB_CLIENT_NS" ping -q -c 1 -W 2 "$LAB_SERVER_IP" >/dev/null || return 1
	_lab_do ip netns exec "$LAB_CLIENT_NS" ping -q -c 1 -W 2 "$LAB_SERVER_IP6" >/dev/null || return 1
}

# lab_router_topology PREFIX: client -- router -- server
lab_router_topology() {
	local p=$1 s
	s=$(_lab_slot_take "$p") || return 1
	_lab_build "$p" "$p" "$s" 0 && _lab_warm
}

# lab_router_topology2 PREFIX: like lab_router_topology plus a second client<->router link
# (router side LAB_RX2_IF); traffic starts on link 1, lab_use_link 2 switches it.
lab_router_topology2() {
	local p=$1 s
	s=$(_lab_slot_take "$p") || return 1
	_lab_build "$p" "$p" "$s" 1 && _lab_warm
}

# lab_use_link 1|2: steer client->server traffic and the router's replies to the client over
# link 1 (LAB_RX_IF) or link 2 (LAB_RX2_IF). The client's source address stays LAB_CLIENT_IP.
lab_use_link() {
	local c=$LAB_CLIENT_NS r=$LAB_ROUTER_NS
	case $1 in
	1)
		_lab_do ip -n "$c" route replace "$LAB_SERVER_NET" via "$LAB_RX_IP" dev "$LAB_CLIENT_IF" \
			src "$LAB_CLIENT_IP" || return 1
		ip -n "$r" route del "$LAB_CLIENT_IP/32" 2>/dev/null
		return 0
		;;
	2)
		[[ ${LAB_TWO_LINKS:-0} == 1 ]] || { _lab_err "lab_use_link 2 needs lab_router_topology2"; return 1; }
		_lab_do ip -n "$c" route replace "$LAB_SERVER_NET" via "$LAB_RX2_IP" dev "$LAB_CLIENT_IF2" \
			src "$LAB_CLIENT_IP" || return 1
		_lab_do ip -n "$r" route replace "$LAB_CLIENT_IP/32" via "$LAB_CLIENT_IP2" dev "$LAB_RX2_IF"
		;;
	*) _lab_err "lab_use_link: 1 or 2"; return 1 ;;
	esac
}

# lab_twin_topology PREFIX TWIN: build lab TWIN as an exact copy of the (already built)
# lab PREFIX: same interface names, same ifindexes, same addresses, other namespaces.
# Afterwards the LAB_* variables describe PREFIX again; the twin's namespaces are
# exported as LAB_TWIN_CLIENT_NS LAB_TWIN_ROUTER_NS LAB_TWIN_SERVER_NS.
lab_twin_topology() {
	local p=$1 t=$2 s two=${LAB_TWO_LINKS:-0}
	s=$(_lab_slot_of "$p") || return 1
	_lab_vars "$p" "$s"
	local c=$LAB_CLIENT_NS r=$LAB_ROUTER_NS sv=$LAB_SERVER_NS
	local ic0 ir0 ir1 is0 ic1="" ir2=""
	ic0=$(lab_ifindex "$c" "$LAB_CLIENT_IF") && ir0=$(lab_ifindex "$r" "$LAB_RX_IF") &&
		ir1=$(lab_ifindex "$r" "$LAB_TX_IF") && is0=$(lab_ifindex "$sv" "$LAB_SERVER_IF") || return 1
	if [[ $two == 1 ]]; then
		ic1=$(lab_ifindex "$c" "$LAB_CLIENT_IF2") && ir2=$(lab_ifindex "$r" "$LAB_RX2_IF") || return 1
	fi
	mkdir -p "$LAB_STATE_DIR/twins" && echo "$p" >"$LAB_STATE_DIR/twins/$t" || return 1
	local ok=0
	_lab_build "$p" "$t" "$s" "$two" "$ic0" "$ir0" "$ir1" "$is0" "$ic1" "$ir2" && _lab_warm || ok=1
	_lab_vars "$p" "$s"
	LAB_TWIN_CLIENT_NS=${t}c LAB_TWIN_ROUTER_NS=${t}r LAB_TWIN_SERVER_NS=${t}s
	export LAB_TWIN_CLIENT_NS LAB_TWIN_ROUTER_NS LAB_TWIN_SERVER_NS
	[[ $ok == 0 ]] || { _lab_err "twin lab $t failed"; return 1; }
	# prove the premise: same names, same ifindexes, other namespaces
	local i
	for i in RX_IF TX_IF; do
		local name=LAB_$i
		[[ $(lab_ifindex "$r" "${!name}") == $(lab_ifindex "$LAB_TWIN_ROUTER_NS" "${!name}") ]] ||
			{ _lab_err "twin $i ifindex differs"; return 1; }
	done
	[[ $(lab_netns_inode "$r") != $(lab_netns_inode "$LAB_TWIN_ROUTER_NS") ]] ||
		{ _lab_err "twin router netns equals main"; return 1; }
}

_lab_slot_of() {
	local p=$1 d
	for d in "$LAB_STATE_DIR"/slot.*; do
		[[ $(cat "$d/owner" 2>/dev/null) == "$p" ]] && { echo "${d##*.}"; return 0; }
	done
	_lab_err "no slot for lab $p"
	return 1
}

# ---- faults ---------------------------------------------------------------------------
# All fault rules carry the comment $LAB_COMMENT; lab_clear_faults removes them.

_lab_ipt() { # NS iptables-args...   (v4)
	local ns=$1
	shift
	_lab_do ip netns exec "$ns" iptables -w "$@"
}
_lab_ipt6() {
	local ns=$1
	shift
	_lab_do ip netns exec "$ns" ip6tables -w "$@"
}

# router FORWARD drops ICMP echo requests client -> server
lab_drop_request_forward() {
	_lab_ipt "$LAB_ROUTER_NS" -A FORWARD -p icmp --icmp-type echo-request \
		-s "$LAB_CLIENT_IP" -d "$LAB_SERVER_IP" -m comment --comment "$LAB_COMMENT" -j DROP
}
# router FORWARD drops ICMP echo replies server -> client
lab_drop_reply_forward() {
	_lab_ipt "$LAB_ROUTER_NS" -A FORWARD -p icmp --icmp-type echo-reply \
		-s "$LAB_SERVER_IP" -d "$LAB_CLIENT_IP" -m comment --comment "$LAB_COMMENT" -j DROP
}
# router FORWARD drops the non-first IPv4 fragments client -> server (iptables -f): the
# first fragment of a large echo request, the one with the ICMP header, still passes
lab_drop_request_frags_forward() {
	_lab_ipt "$LAB_ROUTER_NS" -A FORWARD -p icmp -f \
		-s "$LAB_CLIENT_IP" -d "$LAB_SERVER_IP" -m comment --comment "$LAB_COMMENT" -j DROP
}
# router FORWARD drops the non-first IPv4 fragments server -> client (large echo replies)
lab_drop_reply_frags_forward() {
	_lab_ipt "$LAB_ROUTER_NS" -A FORWARD -p icmp -f \
		-s "$LAB_SERVER_IP" -d "$LAB_CLIENT_IP" -m comment --comment "$LAB_COMMENT" -j DROP
}
# server INPUT drops ICMP echo requests from the client
lab_drop_request_server_input() {
	_lab_ipt "$LAB_SERVER_NS" -A INPUT -p icmp --icmp-type echo-request \
		-s "$LAB_CLIENT_IP" -d "$LAB_SERVER_IP" -m comment --comment "$LAB_COMMENT" -j DROP
}
# router FORWARD drops UDP client -> server to destination port(s) PORT (iptables syntax,
# "5555" or "5555:5556")
lab_drop_udp_forward() {
	_lab_ipt "$LAB_ROUTER_NS" -A FORWARD -p udp --dport "$1" \
		-s "$LAB_CLIENT_IP" -d "$LAB_SERVER_IP" -m comment --comment "$LAB_COMMENT" -j DROP
}
# router FORWARD drops ICMPv6 echo requests client -> server
lab_drop_request6_forward() {
	_lab_ipt6 "$LAB_ROUTER_NS" -A FORWARD -p ipv6-icmp --icmpv6-type echo-request \
		-s "$LAB_CLIENT_IP6" -d "$LAB_SERVER_IP6" -m comment --comment "$LAB_COMMENT" -j DROP
}
# router FORWARD drops a random fraction P (0..1) of echo requests client -> server
lab_loss_request_forward() {
	_lab_ipt "$LAB_ROUTER_NS" -A FORWARD -p icmp --icmp-type echo-request \
		-s "$LAB_CLIENT_IP" -d "$LAB_SERVER_IP" -m statistic --mode random --probability "$1" \
		-m comment --comment "$LAB_COMMENT" -j DROP
}

# lab_fault_packets [NS]: total packets matched by the lab's fault rules in NS
# (default: router and server together)
lab_fault_packets() {
	local ns total=0 n
	local list=("$@")
	[[ ${#list[@]} -gt 0 ]] || list=("$LAB_ROUTER_NS" "$LAB_SERVER_NS")
	for ns in "${list[@]}"; do
		for cmd in iptables ip6tables; do
			n=$(ip netns exec "$ns" "$cmd" -w -S -v 2>/dev/null |
				awk -v c="$LAB_COMMENT" 'index($0, c) { for (i = 1; i < NF; i++) if ($i == "-c") s += $(i + 1) } END { print s + 0 }')
			total=$((total + n))
		done
	done
	echo "$total"
}

# lab_clear_faults: remove every fault rule from router and server
lab_clear_faults() {
	local ns cmd chain
	for ns in "$LAB_ROUTER_NS" "$LAB_SERVER_NS"; do
		for cmd in iptables ip6tables; do
			for chain in INPUT FORWARD OUTPUT; do
				ip netns exec "$ns" "$cmd" -w -F "$chain" 2>/dev/null
			done
		done
	done
	return 0
}

# ---- traffic --------------------------------------------------------------------------

# lab_ping COUNT [DEST] [extra ping args...]: ping from the client, 0.2 s apart, waiting at
# most 1 s for the last reply. Exit status is ping's (1 when replies are missing).
lab_ping() {
	local n=$1 dst=${2:-$LAB_SERVER_IP}
	shift $(($# >= 2 ? 2 : 1))
	ip netns exec "$LAB_CLIENT_NS" ping -n -q -c "$n" -i 0.2 -W 1 "$@" "$dst" >/dev/null
}

# lab_udp_send NS SRC_IP SRC_PORT DST_IP DST_PORT COUNT [SIZE]: send COUNT UDP datagrams from
# a fixed source port (Debian's python3, stdlib only); SIZE: payload bytes (default ~15).
lab_udp_send() {
	local ns=$1 sip=$2 sport=$3 dip=$4 dport=$5 n=${6:-1} size=${7:-0}
	ip netns exec "$ns" /usr/bin/python3 - "$sip" "$sport" "$dip" "$dport" "$n" "$size" <<'EOF'
import socket, sys, time
sip, sport, dip, dport, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
size = int(sys.argv[6])
fam = socket.AF_INET6 if ":" in dip else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sip, sport))
for i in range(n):
    data = b"nettrail-lab %d" % i
    s.sendto(data[:size].ljust(size, b".") if size else data, (dip, dport))
    time.sleep(0.02)
EOF
}

# ---- clean-up -------------------------------------------------------------------------

# lab_cleanup PREFIX...: delete every namespace of lab PREFIX (and of its twins); the
# interfaces go with them. Idempotent; safe to call from a trap when nothing was built.
# _lab_vm_stop PREFIX: stop the VM of a lab_vm_topology lab (tests/lab/lab_vm.sh), if it
# has one: its process group, then its control directory
_lab_vm_dir() { echo "$LAB_STATE_DIR/vm.$1"; }
_lab_vm_stop() {
	local d pid i
	d=$(_lab_vm_dir "$1")
	[[ -e $d/pid ]] || return 0
	pid=$(cat "$d/pid")
	touch "$d/stop"
	kill -TERM -- "-$pid" 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL -- "-$pid" 2>/dev/null
	# a qemu that SIGKILL cannot end is stuck in the kernel (KVM, vhost): say where, move on
	for ((i = 0; i < 50; i++)); do
		[[ ! -e /proc/$pid || $(_stuck_state "$pid") == Z ]] && break
		sleep 0.1
	done
	[[ $i == 50 ]] && _lab_err "the VM of lab $1 did not end: $(stuck_story "$pid")"
	rm -rf "$d"
}

lab_cleanup() {
	local p t ns f
	for p in "$@"; do
		[[ -n $p ]] || continue
		_lab_vm_stop "$p"
		for f in "$LAB_STATE_DIR"/twins/*; do
			[[ -e $f ]] || continue
			if [[ $(cat "$f" 2>/dev/null) == "$p" ]]; then
				t=${f##*/}
				for ns in "${t}c" "${t}r" "${t}s"; do
					[[ -e /run/netns/$ns ]] && ip netns del "$ns" 2>/dev/null
				done
				rm -f "$f"
				lab_release_prefix "$t"
			fi
		done
		# the lab's own: client, router, server; the tun lab's host (h), a guest (g), a
		# switch (sw), mesh nodes (n1..)
		for ns in "${p}c" "${p}r" "${p}s" "${p}h" "${p}g" "${p}sw" /run/netns/"${p}"n[0-9]*; do
			ns=${ns##*/}
			[[ -e /run/netns/$ns ]] && ip netns del "$ns" 2>/dev/null
		done
		_lab_slot_release "$p"
		lab_release_prefix "$p"
	done
	return 0
}
