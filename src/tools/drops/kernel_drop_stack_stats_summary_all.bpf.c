// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * kernel_drop_stack_stats_summary_all: drops counted in the kernel per
 * (kernel stack, drop reason, device, 5-tuple). No per-drop event leaves the
 * kernel: one hash-map cell per distinct key, a stack id from a stack-trace
 * map. Both maps are bounded; a refused insert is counted (NT_CNT_MAP_FULL,
 * NT_CNT_STACK_LOST), never silent. The drop programs and filters are the
 * drop floor's (nt_drop.bpf.h), as in eth_drop.
 */
#include "nt_common.bpf.h"
#include "nt_skb.bpf.h"
#include "nt_drop.bpf.h"
#include "kernel_drop_stack_stats_summary_all.h"

/* Interval generation, flipped by user space (0/1). */
volatile __u8 cur_gen = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KDS_DEFAULT_ENTRIES);      /* --max-entries */
	__type(key, struct kds_key);
	__type(value, __u64);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);                        /* per generation */
	__type(key, __u32);
	__type(value, struct kds_total);
} totals SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, KDS_DEFAULT_STACKS);       /* --max-stacks */
	__uint(key_size, sizeof(__u32));
	__uint(value_size, NT_STACK_DEPTH * sizeof(__u64));
} stacks SEC(".maps");

static __always_inline int handle(void *ctx, const struct sk_buff *skb, __u64 location,
				  __u32 reason)
{
	struct net_device *dev;
	struct kds_key k = {};
	struct nt_pkt p = {};
	struct kds_total *tot;
	__u64 one = 1, *v;
	__u32 gen;
	long err;

	if (!skb)
		return 0;
	if (nt_drop_is_normal(ctx, location, reason))
		return 0;
	dev = BPF_CORE_READ(skb, dev);
	if (dev)
		nt_dev_ref(dev, &k.dev);
	if (!nt_drop_if_match(&k.dev))
		return 0;
	nt_parse_skb(skb, &p);
	if (targ_filter_l3 && !nt_filter_match(&targ_filter, &p))
		return 0;

	nt_count(NT_DROP_CNT_SEEN);
	/* the generation is read once: the drop and its cell count in the same one */
	gen = cur_gen & 1;
	tot = bpf_map_lookup_elem(&totals, &gen);
	if (tot)
		tot->drops++;
	k.stack_id = -1;
	if (targ_stacks) {
		k.stack_id = bpf_get_stackid(ctx, &stacks, 0);
		if (k.stack_id < 0)
			nt_count(NT_CNT_STACK_LOST);
	}
	k.reason = reason;
	k.family = p.family;
	k.l4_proto = p.l4_proto;
	if (p.family) {
		k.saddr = p.saddr;
		k.daddr = p.daddr;
		k.sport = p.sport;
		k.dport = p.dport;
	}
	k.gen = gen;

	v = bpf_map_lookup_elem(&counts, &k);
	if (v) {
		__sync_fetch_and_add(v, 1);
		return 0;
	}
	err = bpf_map_update_elem(&counts, &k, &one, BPF_NOEXIST);
	if (err == -17 /* EEXIST: another CPU inserted it first */) {
		v = bpf_map_lookup_elem(&counts, &k);
		if (v) {
			__sync_fetch_and_add(v, 1);
			return 0;
		}
	}
	if (err) {
		nt_count(NT_CNT_MAP_FULL);
		if (tot)
			tot->unattributed++;
	}
	return 0;
}

NT_DROP_PROGRAMS(handle)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
