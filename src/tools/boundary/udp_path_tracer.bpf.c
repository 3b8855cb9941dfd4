// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * udp_path_tracer: does each UDP datagram src->dst that enters this host at
 * --rx-iface leave it at --tx-iface? A datagram is its ports + IP id; the
 * fragments of one datagram form one group, complete only when every
 * fragment that entered has left (first and last included). Port filters
 * apply to the first fragment; later fragments follow the group.
 * Records, statistics and events: l4_path.bpf.h.
 */
#include "nt_netdev.bpf.h"
#include "l4_path.bpf.h"
#include "nt_frag.h"
#include "udp_path_tracer.h"

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, L4PT_MAX_FRAGS);
	__type(key, __u32);             /* IP id */
	__type(value, struct udppt_ports);
} udppt_frag_ports SEC(".maps");

struct udp_min {
	__be16 source;
	__be16 dest;
	__be16 len;
};

static __always_inline int handle(const struct sk_buff *skb, const struct net_device *dev,
				  bool rx)
{
	struct l4pt_key key = { .dir = L4PT_FWD, .kind = L4PT_K_DGRAM };
	struct l4pt_meta m = {};
	const unsigned char *nh;
	struct nt_iphdr iph;
	struct nt_ipfrag frag;
	__u32 ifindex, id;
	int side;

	if (!skb || !dev)
		return 0;
	side = l4pt_dev_side(dev, &ifindex);
	if (!(rx && side == 1) && !(!rx && side == 2))
		return 0;
	if (nt_skb_iphdr_v4(skb, &iph, &nh) || iph.protocol != NT_IPPROTO_UDP ||
	    !nt_filter_addrs4(&targ_filter, iph.saddr, iph.daddr))
		return 0;

	nt_ipfrag_of(bpf_ntohs(iph.frag_off), bpf_ntohs(iph.tot_len), iph.ihl, &frag);
	id = bpf_ntohs(iph.id);
	key.ip_id = id;
	m.ttl = iph.ttl;
	m.frag = frag.frag;
	m.frag_first = frag.first;
	m.frag_last = frag.last;

	if (m.frag_first) {
		struct udp_min uh;

		if (bpf_probe_read_kernel(&uh, sizeof(uh), nh + iph.ihl * 4))
			return 0;
		key.sport = bpf_ntohs(uh.source);
		key.dport = bpf_ntohs(uh.dest);
		if (!nt_filter_ports(&targ_filter, key.sport, key.dport)) {
			/* its later fragments must not join an older group */
			if (m.frag && rx)
				bpf_map_delete_elem(&udppt_frag_ports, &id);
			return 0;
		}
		m.len = bpf_ntohs(uh.len);
		if (m.frag && rx) {
			struct udppt_ports p = { key.sport, key.dport };

			bpf_map_update_elem(&udppt_frag_ports, &id, &p, BPF_ANY);
		}
	} else {
		/* A later fragment: only of a group whose first fragment passed
		 * the filter (and entered before it). */
		struct udppt_ports *p = bpf_map_lookup_elem(&udppt_frag_ports, &id);

		if (!p)
			return 0;
		key.sport = p->sport;
		key.dport = p->dport;
	}

	if (rx)
		l4pt_in(&key, &m, ifindex);
	else
		l4pt_out(&key, &m, ifindex);
	return 0;
}

NT_NETDEV_PROGRAMS(handle, udp)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
