/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Kernel-side floor shared by every nettrail tool: per-CPU counters, device
 * identity (netns + ifindex), interface sets and 5-tuple filters.
 */
#ifndef NT_COMMON_BPF_H
#define NT_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "nt_types.h"

#define NT_ETH_P_IP     0x0800
#define NT_ETH_P_IPV6   0x86DD
#define NT_ETH_P_8021Q  0x8100
#define NT_ETH_P_8021AD 0x88A8
#define NT_IPPROTO_ICMP   1
#define NT_IPPROTO_TCP    6
#define NT_IPPROTO_UDP    17
#define NT_IPPROTO_ICMPV6 58

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NT_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} nt_counters SEC(".maps");

/* A typed pointer (a fentry/tp_btf argument) as a plain number: the verifier forbids
 * arithmetic on such pointers (all of it on 5.10, going below the object later), and
 * container_of needs some. Copied through the stack, the value loses its type. */
static __always_inline __u64 nt_untyped(const void *p)
{
	__u64 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), &p);
	return v;
}

static __always_inline void nt_count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&nt_counters, &idx);

	if (v)
		(*v)++;
}

static __always_inline void nt_count_add(__u32 idx, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&nt_counters, &idx);

	if (v)
		*v += n;
}

/*
 * Field reads from kernel objects, two ways. tp_btf and fentry programs get
 * typed (BTF) pointers as arguments: a field is a plain load, relocated by
 * CO-RE and guarded by the JIT against faults (about 1 ns). raw_tp,
 * tracepoint and kprobe programs get untyped values: every read is a
 * bpf_probe_read_kernel() call (about 40 ns on a VM, several per packet).
 * Helpers serving both kinds take `btf`, a constant once inlined into a
 * program (the other branch is compiled out), and read with
 * NT_RD(btf, ptr, field, ...), same arguments as BPF_CORE_READ. Only pointers
 * to structs stay typed: packet bytes (skb->head + offset) are always read
 * with bpf_probe_read_kernel().
 */
#define NT_RD(btf, src, ...) \
	((btf) ? ___arrow(src, __VA_ARGS__) : BPF_CORE_READ(src, __VA_ARGS__))

/*
 * A tp_btf program's typed arguments are trusted pointers (6.0+). For every
 * load of a pointer field through one, the verifier (6.3+) looks up
 * "<struct>__safe_trusted" and three more names with a linear scan of the
 * kernel's BTF: milliseconds per program at start-up. A read-only cast
 * (bpf_rdonly_cast, 6.2+; a register move once loaded) makes the argument an
 * untrusted typed pointer: the same plain loads, none of the lookups. Where
 * the kfunc is missing the branch is dead and the argument stays as it is.
 */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;
#ifndef bpf_ksym_exists         /* libbpf < 1.2 (the bench's Debian 12 build) */
#define bpf_ksym_exists(sym) (!!(sym))
#endif
#define NT_UNTRUSTED(type, ptr)                                                        \
	((const type *)(bpf_ksym_exists(bpf_rdonly_cast) ?                             \
		bpf_rdonly_cast((const void *)(ptr), bpf_core_type_id_kernel(type)) :  \
		(const void *)(ptr)))

/* Inode of the device's network namespace; 0 on kernels built without
 * CONFIG_NET_NS (there is only one namespace then). */
static __always_inline __u32 nt_dev_netns_rd(bool btf, const struct net_device *dev)
{
	if (!bpf_core_field_exists(dev->nd_net.net))
		return 0;
	return NT_RD(btf, dev, nd_net.net, ns.inum);
}

static __always_inline __u32 nt_dev_netns(const struct net_device *dev)
{
	return nt_dev_netns_rd(false, dev);
}

static __always_inline void nt_dev_ref_rd(bool btf, const struct net_device *dev,
					  struct nt_ifref *ref)
{
	ref->ifindex = NT_RD(btf, dev, ifindex);
	ref->netns = ref->ifindex ? nt_dev_netns_rd(btf, dev) : 0;
}

static __always_inline void nt_dev_ref(const struct net_device *dev, struct nt_ifref *ref)
{
	nt_dev_ref_rd(false, dev, ref);
}

/* Index of @ref in @set (first @n entries), or -1. */
static __always_inline int nt_ifset_find(const volatile struct nt_ifref *set, __u32 n,
					 const struct nt_ifref *ref)
{
#pragma unroll
	for (int i = 0; i < NT_MAX_IFACES; i++) {
		if (i >= n)
			break;
		if (set[i].ifindex == ref->ifindex && set[i].netns == ref->netns)
			return i;
	}
	return -1;
}

static __always_inline bool nt_addr_eq(const union nt_addr *a, const volatile union nt_addr *b,
				       __u8 family)
{
	if (family == 4)
		return a->v4 == b->v4;
	return a->w[0] == b->w[0] && a->w[1] == b->w[1] &&
	       a->w[2] == b->w[2] && a->w[3] == b->w[3];
}

/*
 * The 5-tuple filter (struct nt_filter, filled by the shared CLI rows): fields
 * left zero match anything. One match, in pieces for the parsers that need
 * them: nt_filter_match() for a parsed nt_pkt (IPv4 or IPv6); for IPv4-only
 * parsers that keep an address in one word, nt_filter_match4(), or its two
 * halves when the addresses decide the flow's orientation before the L4
 * header is read (the boundary tools follow both directions of one
 * conversation: the reverse direction is matched with both pairs swapped).
 */
static __always_inline bool nt_filter_ports(const volatile struct nt_filter *f,
					    __u16 sport, __u16 dport)
{
	if (f->sport && f->sport != sport)
		return false;
	if (f->dport && f->dport != dport)
		return false;
	if (f->port && f->port != sport && f->port != dport)
		return false;
	return true;
}

/* @saddr/@daddr in network order */
static __always_inline bool nt_filter_addrs4(const volatile struct nt_filter *f,
					     __u32 saddr, __u32 daddr)
{
	if (f->family && f->family != 4)
		return false;
	if (f->has_saddr && f->saddr.v4 != saddr)
		return false;
	if (f->has_daddr && f->daddr.v4 != daddr)
		return false;
	return true;
}

static __always_inline bool nt_filter_match4(const volatile struct nt_filter *f, __u8 l4_proto,
					     __u32 saddr, __u32 daddr, __u16 sport, __u16 dport)
{
	if (f->l4_proto && f->l4_proto != l4_proto)
		return false;
	return nt_filter_addrs4(f, saddr, daddr) && nt_filter_ports(f, sport, dport);
}

static __always_inline bool nt_filter_match(const volatile struct nt_filter *f,
					    const struct nt_pkt *p)
{
	if (p->family == 4)
		return nt_filter_match4(f, p->l4_proto, p->saddr.v4, p->daddr.v4, p->sport,
					p->dport);
	if (f->family && f->family != p->family)
		return false;
	if (f->l4_proto && f->l4_proto != p->l4_proto)
		return false;
	if (f->has_saddr && !nt_addr_eq(&p->saddr, &f->saddr, p->family))
		return false;
	if (f->has_daddr && !nt_addr_eq(&p->daddr, &f->daddr, p->family))
		return false;
	return nt_filter_ports(f, p->sport, p->dport);
}

#endif
