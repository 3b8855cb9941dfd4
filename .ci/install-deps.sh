#!/usr/bin/env bash
# Installs what building, testing and the demo need on a fresh Debian 12
# machine (root). Quiet when everything is already there.
set -euo pipefail

pkgs=(
	make gcc clang llvm libelf-dev zlib1g-dev bpftool               # build
	dpkg-dev debian-archive-keyring libbpf-dev   # libbpf, libmicrohttpd from Debian's source (scripts/dep.sh); 1.1 for the bench
	iproute2 iptables nftables iputils-ping jq python3 strace       # lab + e2e
	iperf3 procps sockperf                                          # bench
	qemu-system-x86 busybox-static kmod cpio xz-utils zstd          # guest tier
	openvswitch-switch      # guest tier: ovs-dpctl builds a kernel datapath (no daemon runs)
	librsvg2-bin            # e2e: nettrail report's heat map rendered to PNG (rsvg-convert)
	prometheus curl         # e2e: a real Prometheus scrapes --prometheus; promtool checks the text
	ansible-core openssh-server  # deploy/ and its e2e: ansible-playbook over ssh to an sshd per lab node
)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
	echo "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
