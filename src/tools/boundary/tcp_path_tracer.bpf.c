// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tcp_path_tracer: does each TCP segment of a pair that enters this host
 * leave it again? Both directions: src->dst enters --rx-iface and leaves
 * --tx-iface (FWD), dst->src enters --tx-iface and leaves --rx-iface (REP).
 * A segment is its ports + sequence number (pure ACKs: + ack number); a
 * segment whose sequence range was already seen entering is a
 * retransmission. Records, statistics and events: l4_path.bpf.h.
 */
#include "nt_netdev.bpf.h"
#include "l4_path.bpf.h"
#include "tcp_path_tracer.h"

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TCPPT_MAX_FLOWS);
	__type(key, struct tcppt_flow_key);
	__type(value, __u32);
} tcppt_next SEC(".maps");

struct tcp_min {                /* the part of struct tcphdr we need */
	__be16 source;
	__be16 dest;
	__be32 seq;
	__be32 ack_seq;
	__u8   doff_res;
	__u8   flags;
};

/* Retransmission test (at IN only): does [seq, end) end at or before the
 * highest end seen so far in this direction? Advances the high mark. */
static __always_inline bool seen_before(const struct l4pt_key *key, __u32 end)
{
	struct tcppt_flow_key fk = { key->sport, key->dport, key->dir };
	__u32 *next = bpf_map_lookup_elem(&tcppt_next, &fk);

	if (!next) {
		bpf_map_update_elem(&tcppt_next, &fk, &end, BPF_ANY);
		return false;
	}
	if ((__s32)(end - *next) <= 0)
		return true;
	*next = end;
	return false;
}

static __always_inline int handle(const struct sk_buff *skb, const struct net_device *dev,
				  bool rx)
{
	struct l4pt_key key = {};
	struct l4pt_meta m = {};
	const unsigned char *nh;
	struct tcp_min th;
	struct nt_iphdr iph;
	__u32 ifindex, hl, seq;
	__u16 tot;
	int side;
	bool out;

	if (!skb || !dev)
		return 0;
	side = l4pt_dev_side(dev, &ifindex);
	if (!side)
		return 0;
	if (nt_skb_iphdr_v4(skb, &iph, &nh) || iph.protocol != NT_IPPROTO_TCP ||
	    (bpf_ntohs(iph.frag_off) & 0x1fff))
		return 0;
	if (nt_filter_addrs4(&targ_filter, iph.saddr, iph.daddr))
		key.dir = L4PT_FWD;
	else if (nt_filter_addrs4(&targ_filter, iph.daddr, iph.saddr))
		key.dir = L4PT_REP;
	else
		return 0;
	/* FWD: in at rx, out at tx. REP: in at tx, out at rx. */
	if (key.dir == L4PT_FWD) {
		if (rx && side == 1)
			out = false;
		else if (!rx && side == 2)
			out = true;
		else
			return 0;
	} else {
		if (rx && side == 2)
			out = false;
		else if (!rx && side == 1)
			out = true;
		else
			return 0;
	}
	if (bpf_probe_read_kernel(&th, sizeof(th), nh + iph.ihl * 4))
		return 0;
	key.sport = bpf_ntohs(th.source);
	key.dport = bpf_ntohs(th.dest);
	if (key.dir == L4PT_FWD ? !nt_filter_ports(&targ_filter, key.sport, key.dport) :
				  !nt_filter_ports(&targ_filter, key.dport, key.sport))
		return 0;

	tot = bpf_ntohs(iph.tot_len);
	hl = iph.ihl * 4 + (th.doff_res >> 4) * 4;
	m.len = tot > hl ? tot - hl : 0;
	m.tcp_flags = th.flags;
	m.ttl = iph.ttl;
	m.ack = bpf_ntohl(th.ack_seq);
	seq = bpf_ntohl(th.seq);
	key.seq = seq;
	if (m.len || (th.flags & (TCPPT_SYN | TCPPT_FIN | TCPPT_RST))) {
		key.kind = L4PT_K_DATA;
	} else {
		key.kind = L4PT_K_ACK;
		key.ack = m.ack;
	}

	if (out) {
		l4pt_out(&key, &m, ifindex);
		return 0;
	}
	if (key.kind == L4PT_K_DATA && !(th.flags & TCPPT_RST)) {
		__u32 end = seq + m.len + !!(th.flags & TCPPT_SYN) + !!(th.flags & TCPPT_FIN);

		m.retrans = seen_before(&key, end);
	}
	l4pt_in(&key, &m, ifindex);
	return 0;
}

NT_NETDEV_PROGRAMS(handle, tcp)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
