/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Reading packet headers out of an skb from any hook.
 *
 * Which offsets are valid depends on where we are:
 *  - netif_receive_skb (rx): __netif_receive_skb_core has just reset the
 *    network header, skb->data points at it, the MAC header is behind it;
 *  - net_dev_start_xmit / dev_hard_start_xmit (tx): skb->data is the MAC
 *    header; network_header was set by the IP layer (or kept from rx when
 *    forwarding);
 *  - kfree_skb (drops): anything. A fresh driver skb may have no network
 *    header yet (0 on old kernels, ~0 on new ones), so we fall back to the
 *    MAC header and parse Ethernet (+ up to two VLAN tags) ourselves.
 * So the rule is: head + network_header when it is set and skb->protocol is
 * IP, else head + mac_header as Ethernet. Transport offsets are computed from
 * the IP header (transport_header is often unset on rx).
 */
#ifndef NT_SKB_BPF_H
#define NT_SKB_BPF_H

#include "nt_common.bpf.h"

#define NT_HDR_UNSET 0xffff

struct nt_l4_ports {
	__be16 source;
	__be16 dest;
};

/*
 * The IP headers as on the wire: formats the protocols fix, so they are read
 * without CO-RE. (vmlinux.h's struct iphdr would be relocated like a kernel
 * struct, and each type CO-RE relocates costs libbpf a search over the
 * kernel's ~126k BTF types at every start.)
 */
struct nt_iphdr {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	__u8 ihl:4, version:4;
#else
	__u8 version:4, ihl:4;
#endif
	__u8 tos;
	__be16 tot_len;
	__be16 id;
	__be16 frag_off;
	__u8 ttl;
	__u8 protocol;
	__sum16 check;
	__be32 saddr;
	__be32 daddr;
};

struct nt_ipv6hdr {
	__u8 vtc_flow[4];       /* version, traffic class, flow label */
	__be16 payload_len;
	__u8 nexthdr;
	__u8 hop_limit;
	__u8 saddr[16];
	__u8 daddr[16];
};

_Static_assert(sizeof(struct nt_iphdr) == 20 && sizeof(struct nt_ipv6hdr) == 40, "wire sizes");

struct nt_icmp_echo {
	__u8 type;
	__u8 code;
	__sum16 csum;
	__be16 id;
	__be16 seq;
};

static __always_inline void nt_parse_l4(const unsigned char *l4, struct nt_pkt *p)
{
	if (p->l4_proto == NT_IPPROTO_TCP || p->l4_proto == NT_IPPROTO_UDP) {
		struct nt_l4_ports ports;

		if (bpf_probe_read_kernel(&ports, sizeof(ports), l4) == 0) {
			p->sport = bpf_ntohs(ports.source);
			p->dport = bpf_ntohs(ports.dest);
		}
	} else if (p->l4_proto == NT_IPPROTO_ICMP || p->l4_proto == NT_IPPROTO_ICMPV6) {
		struct nt_icmp_echo ic;

		if (bpf_probe_read_kernel(&ic, sizeof(ic), l4) == 0) {
			p->icmp_type = ic.type;
			p->icmp_code = ic.code;
			p->icmp_id = bpf_ntohs(ic.id);
			p->icmp_seq = bpf_ntohs(ic.seq);
		}
	}
}

/* Parse an IPv4/IPv6 header at @nh (and the L4 header behind it). */
static __always_inline int nt_parse_ip(const unsigned char *nh, __u16 l3_proto, struct nt_pkt *p)
{
	p->l3_proto = l3_proto;
	if (l3_proto == NT_ETH_P_IP) {
		struct nt_iphdr iph;

		if (bpf_probe_read_kernel(&iph, sizeof(iph), nh))
			return -1;
		if (iph.version != 4)
			return -1;
		p->family = 4;
		p->l4_proto = iph.protocol;
		p->saddr.v4 = iph.saddr;
		p->daddr.v4 = iph.daddr;
		p->ip_id = bpf_ntohs(iph.id);
		/* Non-first fragments carry no L4 header. */
		if (bpf_ntohs(iph.frag_off) & 0x1fff)
			return 0;
		nt_parse_l4(nh + iph.ihl * 4, p);
		return 0;
	}
	if (l3_proto == NT_ETH_P_IPV6) {
		struct nt_ipv6hdr ip6;

		if (bpf_probe_read_kernel(&ip6, sizeof(ip6), nh))
			return -1;
		p->family = 6;
		p->l4_proto = ip6.nexthdr;
		__builtin_memcpy(p->saddr.v6, &ip6.saddr, 16);
		__builtin_memcpy(p->daddr.v6, &ip6.daddr, 16);
		nt_parse_l4(nh + sizeof(ip6), p);
		return 0;
	}
	return -1;
}

/* Ethernet at @mac, skipping up to two VLAN tags, then IP. */
static __always_inline int nt_parse_eth(const unsigned char *mac, struct nt_pkt *p)
{
	__be16 proto;
	int off = 12;

#pragma unroll
	for (int i = 0; i < 3; i++) {
		if (bpf_probe_read_kernel(&proto, sizeof(proto), mac + off))
			return -1;
		off += 2;
		if (proto != bpf_htons(NT_ETH_P_8021Q) && proto != bpf_htons(NT_ETH_P_8021AD))
			break;
		off += 2;       /* the tag's TCI; the next ethertype follows */
	}
	p->l3_proto = bpf_ntohs(proto);
	return nt_parse_ip(mac + off, p->l3_proto, p);
}

/* The IP header of @skb from any hook: head + network_header when it is set
 * and the packet is IP — skb->protocol says so, or it is still 0 on a locally
 * built packet that has not reached ip_output (ip_send_skb, ip_local_out, a
 * raw IP_HDRINCL send freed or defragmented at LOCAL_OUT) and the version
 * nibble decides. Returns the ethertype (host order) with *@l3 set, or 0 when
 * only the MAC header can tell. */
static __always_inline __u16 nt_skb_ip_header_rd(bool btf, const struct sk_buff *skb,
						  unsigned char **l3)
{
	unsigned char *head = NT_RD(btf, skb, head);
	__u16 nh = NT_RD(btf, skb, network_header);
	__u16 proto = bpf_ntohs(NT_RD(btf, skb, protocol));
	__u8 v = 0;

	if (nh == NT_HDR_UNSET || nh == 0)
		return 0;
	*l3 = head + nh;
	if (proto == NT_ETH_P_IP || proto == NT_ETH_P_IPV6)
		return proto;
	if (proto || NT_RD(btf, skb, mac_header) != NT_HDR_UNSET)
		return 0;
	bpf_probe_read_kernel(&v, 1, head + nh);
	return v >> 4 == 4 ? NT_ETH_P_IP : v >> 4 == 6 ? NT_ETH_P_IPV6 : 0;
}

static __always_inline __u16 nt_skb_ip_header(const struct sk_buff *skb, unsigned char **l3)
{
	return nt_skb_ip_header_rd(false, skb, l3);
}

/* Fill @p from @skb wherever we are in the stack. Returns 0 when an IP header
 * was found, -1 otherwise (p->l3_proto still says what the frame was). */
static __always_inline int nt_parse_skb(const struct sk_buff *skb, struct nt_pkt *p)
{
	unsigned char *l3 = NULL;
	__u16 mh = BPF_CORE_READ(skb, mac_header);
	__u16 l3_proto = nt_skb_ip_header(skb, &l3);

	if (l3_proto)
		return nt_parse_ip(l3, l3_proto, p);
	if (mh != NT_HDR_UNSET)
		return nt_parse_eth(BPF_CORE_READ(skb, head) + mh, p);
	p->l3_proto = bpf_ntohs(BPF_CORE_READ(skb, protocol));
	return -1;
}

/* The raw IPv4 header at the network offset, for hooks where that offset is
 * set (rx after the core reset it, tx of IP packets): *@nh points at it, so
 * the transport header is at *@nh + ihl * 4. */
static __always_inline int nt_skb_iphdr_v4(const struct sk_buff *skb, struct nt_iphdr *iph,
					   const unsigned char **nh)
{
	unsigned char *head = BPF_CORE_READ(skb, head);
	__u16 off = BPF_CORE_READ(skb, network_header);

	if (off == NT_HDR_UNSET || off == 0 ||
	    BPF_CORE_READ(skb, protocol) != bpf_htons(NT_ETH_P_IP))
		return -1;
	*nh = head + off;
	if (bpf_probe_read_kernel(iph, sizeof(*iph), *nh) || iph->version != 4 || iph->ihl < 5)
		return -1;
	return 0;
}

/* Only the IPv4 header at the network offset: the cheap path for hooks where
 * it is known to be set (rx after the core reset it, IP-layer tx). */
static __always_inline int nt_parse_skb_ipv4(const struct sk_buff *skb, struct nt_pkt *p)
{
	unsigned char *head = BPF_CORE_READ(skb, head);
	__u16 nh = BPF_CORE_READ(skb, network_header);

	if (nh == NT_HDR_UNSET || nh == 0 ||
	    BPF_CORE_READ(skb, protocol) != bpf_htons(NT_ETH_P_IP))
		return -1;
	return nt_parse_ip(head + nh, NT_ETH_P_IP, p);
}

#endif
