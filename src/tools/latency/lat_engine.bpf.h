/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Kernel engine of the latency family (see lat.h). Every hook program unpacks
 * its skb and calls lat_on(), which:
 *   1. drops everything not on a listed physical interface (dev-layer hooks)
 *      and not matching the filters, before any map access;
 *   2. finds the packet's path (ICMP: request/reply by type and addresses;
 *      flow: by which side the hook is on, or the open record's path);
 *   3. stamps the record (first stamp of a hook wins), opening it only at a
 *      start hook of the path;
 *   4. at the path's end: summary tools add the total to per-CPU log2
 *      histograms and the flow table; the others send the record up only when
 *      it is at least targ_cfg.threshold_ns slow (details/metrics filter here,
 *      so only slow packets cross to user space).
 * Include from a tool's .bpf.c after defining LAT_PATH as the tool's list
 * (lat_paths.h): only its hooks get programs, and its records, positions
 * and masks have one slot per entry. LAT_SMALL_REC: the summary's record;
 * LAT_REC_PATHS 1: a one-way tool's record holds one path's stamps.
 */
#ifndef LAT_ENGINE_BPF_H
#define LAT_ENGINE_BPF_H

#include "nt_common.bpf.h"
#include "nt_events.bpf.h"
#include "nt_hist.bpf.h"
#include "nt_netdev.bpf.h"
#include "nt_skb.bpf.h"
#include "nt_handoff.bpf.h"
#include "lat.h"

#ifndef LAT_PATH
#error "define LAT_PATH (the tool's list, lat_paths.h) before including lat_engine.bpf.h"
#endif

/* The tool's slots: LS_<hook> is the hook's place in its list. */
#define LAT_SLOT_ENUM(id, ...) LS_##id,
enum lat_path_slot { LAT_PATH(LAT_SLOT_ENUM, LAT_SLOT_ENUM) LAT_NHOOKS };
_Static_assert(LAT_NHOOKS <= LAT_MAX_HOOKS, "a path has at most LAT_MAX_HOOKS hooks (u64 masks)");

/*
 * What the engine asks of a hook, as tables indexed by hook. A program of its
 * own passes a constant hook and the compiler folds them; the shared program
 * (nt_lat_engine) has the hook as a value, and a value read from a table
 * gives the verifier nothing to split on: it walks the engine once, not once
 * per hook as it would through a switch or a comparison with each hook.
 */
#define LAT_HP_CLASS   0x07     /* LAT_CL_* */
#define LAT_HP_SK_ARG  0x08     /* the program's socket argument is the packet's socket */
#define LAT_HP_SK_TCP  0x10     /* addresses from the socket: no IP header yet (__ip_queue_xmit) */
#define LAT_HP_CONSUME 0x20     /* consume_skb: ends only what the kernel answers */
#define LAT_HP_QDISC   0x40     /* the argument before the skb is its qdisc */
#define LAT_HOOK_PROPS(h)                                                              \
	((h) == LH_IP_QUEUE_XMIT ? LAT_HP_SK_ARG | LAT_HP_SK_TCP :                     \
	 (h) == LH_SK_DATA_READY ? LAT_HP_SK_ARG :                                     \
	 (h) == LH_CONSUME ? LAT_HP_CONSUME :                                          \
	 (h) == LH_QDISC_ENQ || (h) == LH_QDISC_DEQ ? LAT_HP_QDISC : 0)
#define LAT_PROPS_INIT(id, name, what, opt, cls, ...) [LH_##id] = (cls) | LAT_HOOK_PROPS(LH_##id),
#define LAT_HOOK_TBL 64          /* tables' size, a power of 2 above LH_MAX: index & (size - 1) */
_Static_assert(LH_MAX <= LAT_HOOK_TBL, "LAT_HOOK_TBL below the catalogue");
const __u8 lat_hook_props[LAT_HOOK_TBL] = { LAT_HOOKS(LAT_PROPS_INIT, LAT_B) };
/* the hook's slot in the tool's list + 1; 0: not in it */
#define LAT_SLOT1_INIT(id, ...) [LH_##id] = LS_##id + 1,
const __u8 lat_hook_slot1[LAT_HOOK_TBL] = { LAT_PATH(LAT_SLOT1_INIT, LAT_SLOT1_INIT) };
/* the VM tap's twin hook + 1 (lat_twin_hook()); 0: none */
#define LAT_TWIN_INIT(dev, vm) [LH_##dev] = LH_##vm + 1,
const __u8 lat_hook_twin1[LAT_HOOK_TBL] = { LAT_TWINS(LAT_TWIN_INIT) };

static __always_inline __u32 lat_props(const int hook)
{
	return lat_hook_props[hook & (LAT_HOOK_TBL - 1)];
}

/* The hook's slot in the tool's list, >= LAT_NHOOKS for other hooks: one
 * unsigned value the caller checks and then uses (the register the verifier
 * sees checked). */
static __always_inline __u32 lat_slot(const int hook)
{
	__u32 s = (__u32)lat_hook_slot1[hook & (LAT_HOOK_TBL - 1)] - 1;

	/* a value: the compiler knows the table and would drop the check the
	 * verifier needs; a constant: let it fold */
	if (!__builtin_constant_p(hook))
		barrier_var(s);
	return s;
}

static __always_inline int lat_hook_class(const int hook)
{
	return lat_props(hook) & LAT_HP_CLASS;
}

#ifndef LAT_REC_PATHS
#define LAT_REC_PATHS LAT_NPATHS
#endif
/* row of a path's stamps in the record */
#define LAT_RP(path) (LAT_REC_PATHS == 1 ? 0 : (path))

/* The record, sized by the list (the layout lat.h describes). */
struct lat_rec {
	LAT_REC_HEAD_FIELDS;
	struct lat_stamp st[LAT_REC_PATHS][LAT_NHOOKS];
	__s32 stack_id[LAT_REC_PATHS][LAT_NHOOKS];
};
_Static_assert(__builtin_offsetof(struct lat_rec, st) == sizeof(struct lat_rec_head) &&
	       sizeof(struct lat_rec) == LAT_REC_SIZE(LAT_NHOOKS, LAT_REC_PATHS), "lat.h's layout");

struct lat_event {
	struct lat_event_head hd;
	struct lat_rec rec;
};

const volatile struct lat_kcfg targ_cfg = {};
const volatile struct lat_geom lat_geom = { LAT_NHOOKS, LAT_REC_PATHS, sizeof(struct lat_event) };
volatile __u8 cur_gen = 0;

#ifdef LAT_SMALL_REC
typedef struct lat_srec lat_rec_t;
#else
typedef struct lat_rec lat_rec_t;

/* A new record: zeros, and no stage stacks (-1). */
static const struct lat_rec lat_rec_init = {
	.stack_id = { [0 ... LAT_REC_PATHS - 1] = { [0 ... LAT_NHOOKS - 1] = -1 } },
};
#endif

#ifdef LAT_SMALL_REC
/*
 * The summary's packets in flight: a 2-way set-associative table in an array
 * (see lat_slot_set). Array lookups are inlined by the verifier; a hash map
 * costs a helper call, a bucket lock and an LRU list per insert and delete
 * (the array took 22 % off the summary's BPF time per round trip in the lab).
 * A record displaced while idle less than LAT_SLOT_LIVE_NS is counted
 * (map_full); older ones are packets that left the path unseen (dropped,
 * never read), replaced silently as an LRU map would. Two CPUs opening two
 * packets in one set at the same instant may keep only one: the other shows
 * as started, not completed.
 */
struct lat_slot {
	struct lat_key key;
	lat_rec_t rec;          /* rec.first_ts == 0: free */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LAT_SLOT_SETS * LAT_SLOT_WAYS);
	__type(key, __u32);
	__type(value, struct lat_slot);
} lat_slots SEC(".maps");
#else
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, LAT_MAX_RECS);
	__type(key, struct lat_key);
	__type(value, lat_rec_t);
} lat_recs SEC(".maps");
#endif

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, LAT_MAX_STACKS);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, NT_STACK_DEPTH * sizeof(__u64));
} lat_stacks SEC(".maps");

/* summary: totals per (gen, path), pairs per (gen, path, prev, cur), flows */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2 * LAT_NPATHS);
	__type(key, __u32);
	__type(value, struct nt_lat);
} lat_total SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, LAT_MAX_PAIRS);
	__type(key, struct lat_pair_key);
	__type(value, struct nt_lat);
} lat_pairs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LAT_MAX_FLOWS);
	__type(key, struct lat_flow_key);
	__type(value, struct nt_lat);
} lat_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LAT_GEN_CNT_N);
	__type(key, __u32);
	__type(value, __u64);
} lat_gen_cnt SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, lat_rec_t);
} lat_scratch SEC(".maps");

#define LAT_F_PSKB      1       /* the argument is struct sk_buff ** */
#define LAT_F_FROM_DATA 2       /* headers not set yet: parse skb->data as Ethernet */
#define LAT_F_BTF       4       /* skb/sk are typed pointers (tp_btf, fentry): see NT_RD */

#define LAT_ICMP_ECHOREPLY 0
#define LAT_ICMP_ECHO      8

static __always_inline void lat_gen_count(__u8 gen, __u8 path, __u32 c)
{
	__u32 idx = LAT_GEN_CNT_IDX(gen & 1, path & 1, c);
	__u64 *v = bpf_map_lookup_elem(&lat_gen_cnt, &idx);

	if (v)
		(*v)++;
}

static __always_inline bool lat_dev_hook(int hook)
{
	return lat_hook_class(hook) == LAT_CL_DEV;
}

static __always_inline bool lat_vm_hook(int hook)
{
	return lat_hook_class(hook) == LAT_CL_VM;
}

/* IP-layer and socket hooks: the host's own traffic */
static __always_inline bool lat_host_hook(int hook)
{
	return lat_hook_class(hook) == LAT_CL_IP || lat_hook_class(hook) == LAT_CL_SOCK;
}

static __always_inline bool lat_sock_hook(int hook)
{
	return lat_hook_class(hook) == LAT_CL_SOCK;
}

/* The network namespace an IP-layer or socket hook runs in, 0 when it cannot
 * tell: the owning socket's (the sending socket on the transmit IP layer, the
 * receiving one at socket hooks; @sk is the socket argument of
 * __ip_queue_xmit and sk_data_ready), else the device's (receive IP layer). */
static __always_inline __u32 lat_hook_netns(bool btf, int hook, const struct sk_buff *skb,
					    const struct sock *sk, const struct nt_ifref *ref)
{
	if (!(lat_props(hook) & LAT_HP_SK_ARG))
		sk = NT_RD(btf, skb, sk);
	if (!sk || !bpf_core_field_exists(sk->__sk_common.skc_net.net))
		return ref->netns;
	return NT_RD(btf, sk, __sk_common.skc_net.net, ns.inum);
}

static __always_inline bool lat_phy_netns(__u32 netns)
{
#pragma unroll
	for (int i = 0; i < LAT_MAX_PHY; i++) {
		if (i >= targ_cfg.nphy)
			break;
		if (targ_cfg.phy[i].netns == netns)
			return true;
	}
	return false;
}

struct lat_l4 {
	__be16 sport, dport;
	__be32 seq, ack;
	__u8 doff, flags;
};

struct lat_hdrs {
	struct nt_iphdr iph;
	struct lat_l4 l4;
};

#define LAT_L4_UNREAD 0xff      /* h.l4.doff: the L4 header is not read yet */

/* The IPv4 header's facts into @p. Returns the L4 header's offset when it
 * must still be read into h->l4, 0 when h->l4 holds it already or there is
 * none (later fragment: p->frag_off says), -1 when not IPv4. */
static __always_inline int lat_decode_iph(const struct lat_hdrs *h, struct lat_pkt *p)
{
	__u32 ihl = h->iph.ihl;

	if (h->iph.version != 4)
		return -1;
	p->saddr = h->iph.saddr;
	p->daddr = h->iph.daddr;
	p->proto = h->iph.protocol;
	p->ip_id = bpf_ntohs(h->iph.id);
	p->frag_off = bpf_ntohs(h->iph.frag_off);
	p->ip_len = bpf_ntohs(h->iph.tot_len);
	if (p->frag_off & 0x1fff)       /* later fragment: no L4 header */
		return 0;
	return ihl != 5 || h->l4.doff == LAT_L4_UNREAD ? ihl * 4 : 0;
}

static __always_inline void lat_decode_l4(const struct lat_hdrs *h, struct lat_pkt *p)
{
	if (p->frag_off & 0x1fff)
		return;
	if (p->proto == NT_IPPROTO_TCP || p->proto == NT_IPPROTO_UDP) {
		p->sport = bpf_ntohs(h->l4.sport);
		p->dport = bpf_ntohs(h->l4.dport);
		if (p->proto == NT_IPPROTO_TCP) {
			p->seq = bpf_ntohl(h->l4.seq);
			p->ack = bpf_ntohl(h->l4.ack);
			p->tcp_flags = h->l4.flags;
			if (p->ip_len <= h->iph.ihl * 4 + (h->l4.doff >> 4) * 4)
				p->flags |= LAT_PKT_NO_PAYLOAD;
		}
	} else if (p->proto == NT_IPPROTO_ICMP) {
		const struct nt_icmp_echo *ic = (const void *)&h->l4;

		p->icmp_type = ic->type;
		p->icmp_id = bpf_ntohs(ic->id);
		p->icmp_seq = bpf_ntohs(ic->seq);
	}
}

/* IPv4 header at @ip and the L4 header behind it, in one read when the IP
 * header has no options (reading 16 bytes past a short packet's end stays in
 * its buffer: the tailroom or skb_shared_info follows the data). */
static __always_inline int lat_parse_ip(const unsigned char *ip, struct lat_pkt *p)
{
	struct lat_hdrs h = {};
	int l4;

	if (bpf_probe_read_kernel(&h, sizeof(h), ip)) {
		if (bpf_probe_read_kernel(&h.iph, sizeof(h.iph), ip))
			return -1;
		h.l4.doff = LAT_L4_UNREAD;
	}
	l4 = lat_decode_iph(&h, p);
	if (l4 < 0)
		return -1;
	if (l4 > 0 && bpf_probe_read_kernel(&h.l4, sizeof(h.l4), ip + l4))
		return 0;
	lat_decode_l4(&h, p);
	return 0;
}

static __always_inline int lat_parse_eth(const unsigned char *mac, struct lat_pkt *p)
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
		off += 2;
	}
	if (proto != bpf_htons(NT_ETH_P_IP))
		return -1;
	return lat_parse_ip(mac + off, p);
}

static __always_inline int lat_parse_skb(const struct sk_buff *skb, __u32 flags, struct lat_pkt *p)
{
	const bool btf = flags & LAT_F_BTF;
	unsigned char *l3 = NULL;
	__u16 mh;

	if (flags & LAT_F_FROM_DATA)
		return lat_parse_eth(NT_RD(btf, skb, data), p);
	switch (nt_skb_ip_header_rd(btf, skb, &l3)) {
	case NT_ETH_P_IP:
		return lat_parse_ip(l3, p);
	case NT_ETH_P_IPV6:
		return -1;              /* IPv4 only */
	}
	mh = NT_RD(btf, skb, mac_header);
	if (mh != NT_HDR_UNSET)
		return lat_parse_eth(NT_RD(btf, skb, head) + mh, p);
	return -1;
}

/* __ip_queue_xmit: the IP header does not exist yet; addresses come from the
 * socket, seq/ack from the TCP header already built. */
static __always_inline int lat_parse_sock_tcp(bool btf, const struct sock *sk,
					      const struct sk_buff *skb, struct lat_pkt *p)
{
	unsigned char *head = NT_RD(btf, skb, head);
	__u16 th = NT_RD(btf, skb, transport_header);
	struct lat_l4 l4 = {};

	if (!sk || NT_RD(btf, sk, __sk_common.skc_family) != 2 /* AF_INET */)
		return -1;
	p->saddr = NT_RD(btf, sk, __sk_common.skc_rcv_saddr);
	p->daddr = NT_RD(btf, sk, __sk_common.skc_daddr);
	p->sport = NT_RD(btf, sk, __sk_common.skc_num);
	p->dport = bpf_ntohs(NT_RD(btf, sk, __sk_common.skc_dport));
	p->proto = NT_IPPROTO_TCP;
	if (th == NT_HDR_UNSET || bpf_probe_read_kernel(&l4, sizeof(l4), head + th))
		return -1;
	p->seq = bpf_ntohl(l4.seq);
	p->ack = bpf_ntohl(l4.ack);
	p->tcp_flags = l4.flags;
	return 0;
}

static __always_inline bool lat_flow_match(const struct lat_pkt *p)
{
	if (!targ_cfg.filter.l4_proto && p->proto != NT_IPPROTO_TCP &&
	    p->proto != NT_IPPROTO_UDP && p->proto != NT_IPPROTO_ICMP)
		return false;
	if (!nt_filter_match4(&targ_cfg.filter, p->proto, p->saddr, p->daddr, p->sport, p->dport))
		return false;
	if (targ_cfg.has_vm_ip && p->saddr != targ_cfg.vm_ip && p->daddr != targ_cfg.vm_ip)
		return false;
	return true;
}

static __always_inline void lat_flow_key(const struct lat_pkt *p, struct lat_key *k)
{
	k->saddr = p->saddr;
	k->daddr = p->daddr;
	k->sport = p->sport;
	k->dport = p->dport;
	k->proto = p->proto;
	if (p->proto == NT_IPPROTO_TCP) {
		k->id1 = p->seq;
		k->id2 = p->ack;
	} else if (p->proto == NT_IPPROTO_UDP) {
		k->id1 = p->ip_id;
		k->id2 = p->frag_off;
	} else {
		k->id1 = (__u32)p->icmp_id << 16 | p->icmp_seq;
		k->id2 = p->icmp_type;
	}
}

/* Summary accumulators: count/sum/min/max in ns, slots by log2 of the
 * microseconds (the manual's buckets). */
static __always_inline void lat_add_us(struct nt_lat *l, __u64 ns)
{
	__u32 slot = nt_hist_slot(ns / 1000);

	asm volatile("" : "+r"(slot));  /* keep the mask: the verifier needs it */
	slot &= NT_HIST_SLOTS - 1;
	if (!l->count || ns < l->min)
		l->min = ns;
	if (ns > l->max)
		l->max = ns;
	l->count++;
	l->sum += ns;
	l->slots[slot]++;
}

/* An empty histogram to insert from: read-only data, not a 288-byte stack
 * object (the engine's frame must stay under the verifier's 512 bytes with
 * the receive list walker's frame on top). */
const volatile struct nt_lat lat_hist_zero = {};

/* @map's histogram of @key, inserted empty if new; NULL (counted) if full. */
static __always_inline struct nt_lat *lat_hist_get(void *map, const void *key)
{
	struct nt_lat *l = bpf_map_lookup_elem(map, key);

	if (l)
		return l;
	bpf_map_update_elem(map, key, (const void *)&lat_hist_zero, BPF_NOEXIST);
	l = bpf_map_lookup_elem(map, key);
	if (!l)
		nt_count(NT_CNT_MAP_FULL);
	return l;
}

static __always_inline void lat_summary_done(const lat_rec_t *r, const struct lat_pkt *p,
					     __u8 gen, __u8 path, __u64 total)
{
	__u32 idx = (gen & 1) * LAT_NPATHS + (path & 1);
	struct nt_lat *l = bpf_map_lookup_elem(&lat_total, &idx);
	struct lat_flow_key fk = {};
	__u32 slot;

	if (l)
		lat_add_us(l, total);
	fk.saddr = p->saddr;
	fk.daddr = p->daddr;
	fk.sport = p->sport;
	fk.dport = p->dport;
	fk.proto = p->proto;
	fk.path = path;
	fk.gen = gen;
	l = lat_hist_get(&lat_flows, &fk);
	if (!l)
		return;
	/* shared between CPUs: counts are atomic, min/max best effort */
	slot = nt_hist_slot(total / 1000);
	asm volatile("" : "+r"(slot));
	slot &= NT_HIST_SLOTS - 1;
	__sync_fetch_and_add(&l->count, 1);
	__sync_fetch_and_add(&l->sum, total);
	__sync_fetch_and_add(&l->slots[slot], 1);
	if (!l->min || total < l->min)
		l->min = total;
	if (total > l->max)
		l->max = total;
}

static __always_inline void lat_pair(__u8 gen, __u8 path, __u8 prev, __u8 cur, __u64 d)
{
	struct lat_pair_key k = { gen, path, prev, cur };
	struct nt_lat *l = lat_hist_get(&lat_pairs, &k);

	if (l)
		lat_add_us(l, d);
}

static __always_inline void lat_count_restart(__u8 gen, int path)
{
	nt_count(LAT_CNT_RESTARTED);
	lat_gen_count(gen, path, LAT_GC_RESTARTED);
}

/*
 * The record table: lat_rec_find() returns the open record of a key,
 * lat_rec_drop() ends it, lat_store_new() stores a new one: @opens (the
 * path's first hook) replaces a record already there (stale: a restart if it
 * was of this path); otherwise a record there is another CPU's that opened the
 * key first, and it stands. 0 if @r was stored.
 */
#ifdef LAT_SMALL_REC
static __always_inline __u32 lat_key_hash(const struct lat_key *k)
{
	__u32 h = k->saddr ^ (k->daddr << 16 | k->daddr >> 16);

	h ^= ((__u32)k->sport << 16 | k->dport) * 0x9e3779b1u;
	h ^= k->id1 * 0x85ebca6bu ^ k->id2 * 0xc2b2ae35u ^ k->proto;
	h ^= h >> 16;                   /* murmur3's finaliser */
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	return h ^ (h >> 16);
}

/* Whole keys word by word (the padding is zero in both: keys start zeroed),
 * or-ed into one test: a branch per field is a state per field to verify. */
static __always_inline bool lat_key_eq(const struct lat_key *a, const struct lat_key *b)
{
	const __u32 *x = (const __u32 *)a, *y = (const __u32 *)b;
	__u32 d = 0;

	_Static_assert(sizeof(*a) % 4 == 0, "lat_key in 32-bit words");
	for (int i = 0; i < (int)(sizeof(*a) / 4); i++) {
		d |= x[i] ^ y[i];
		barrier_var(d);         /* or the compiler makes it a chain again */
	}
	return !d;
}

/* The two ways of @key's set in @w (NULL only if the array were short). */
static __always_inline bool lat_slot_set(const struct lat_key *key, struct lat_slot **w)
{
	__u32 i = (lat_key_hash(key) & (LAT_SLOT_SETS - 1)) * LAT_SLOT_WAYS;

	w[0] = bpf_map_lookup_elem(&lat_slots, &i);
	i++;
	w[1] = bpf_map_lookup_elem(&lat_slots, &i);
	return w[0] && w[1];
}

/* The way of set @w holding @key's open record, or NULL. */
static __always_inline struct lat_slot *lat_slot_match(struct lat_slot **w,
							const struct lat_key *key)
{
	if (w[0]->rec.first_ts && lat_key_eq(&w[0]->key, key))
		return w[0];
	if (w[1]->rec.first_ts && lat_key_eq(&w[1]->key, key))
		return w[1];
	return NULL;
}

static __always_inline lat_rec_t *lat_rec_find(const struct lat_key *key)
{
	struct lat_slot *w[LAT_SLOT_WAYS], *v;

	if (!lat_slot_set(key, w))
		return NULL;
	v = lat_slot_match(w, key);
	return v ? &v->rec : NULL;
}

static __always_inline void lat_rec_drop(const struct lat_key *key, lat_rec_t *r)
{
	r->first_ts = 0;
}

static __always_inline int lat_store_new(const struct lat_key *key, const lat_rec_t *r,
					 int path, bool opens, __u8 gen)
{
	struct lat_slot *w[LAT_SLOT_WAYS], *v;

	if (!lat_slot_set(key, w))
		return -1;
	v = lat_slot_match(w, key);
	if (v) {
		if (!opens)
			return -1;
		if ((v->rec.path & 1) == path)
			lat_count_restart(gen, path);
	} else {
		/* a free way, else the one idle longest */
		v = !w[0]->rec.first_ts ? w[0] : !w[1]->rec.first_ts ? w[1] :
		    w[0]->rec.last_ts <= w[1]->rec.last_ts ? w[0] : w[1];
		if (v->rec.first_ts && v->rec.last_ts + LAT_SLOT_LIVE_NS > r->last_ts)
			nt_count(NT_CNT_MAP_FULL);
	}
	v->key = *key;
	v->rec = *r;
	return 0;
}
#else
static __always_inline lat_rec_t *lat_rec_find(const struct lat_key *key)
{
	return bpf_map_lookup_elem(&lat_recs, key);
}

static __always_inline void lat_rec_drop(const struct lat_key *key, lat_rec_t *r)
{
	bpf_map_delete_elem(&lat_recs, key);
}

/* LRU: a full table evicts its oldest record */
static __always_inline int lat_store_new(const struct lat_key *key, const lat_rec_t *r,
					 int path, bool opens, __u8 gen)
{
	const lat_rec_t *old;

	if (!bpf_map_update_elem(&lat_recs, key, r, BPF_NOEXIST))
		return 0;
	old = bpf_map_lookup_elem(&lat_recs, key);
	if (!old) {
		nt_count(NT_CNT_MAP_FULL);
		return -1;
	}
	if (!opens)
		return -1;
	if ((old->path & 1) == path)
		lat_count_restart(gen, path);
	if (bpf_map_update_elem(&lat_recs, key, r, BPF_ANY)) {
		nt_count(NT_CNT_MAP_FULL);
		return -1;
	}
	return 0;
}
#endif

/* A hook's packet: filters that need no parsing (device, namespace), the
 * parse, the record. @pre: a packet the caller parsed already, on interface
 * @pre_ifindex (the per-interface tc hooks: no skb pointer there); NULL for
 * every other hook, where the compiler drops its branches. */
static __always_inline int lat_on(void *ctx, const struct sk_buff *skb, const struct sock *sk,
				  const int hook, const __u32 flags, const struct lat_pkt *pre,
				  __u32 pre_ifindex)
{
	const bool btf = flags & LAT_F_BTF;
	struct lat_pkt p = {};
	struct lat_key key = {};
	struct net_device *dev;
	struct nt_ifref ref = {};
	lat_rec_t *r;
	__u64 now;
	int path = -1;
	bool opens;
#ifdef LAT_SMALL_REC
	lat_rec_t small;                /* a new record before it is stored (24 bytes) */
#endif
	bool fresh = false;             /* r is a new record not stored yet (summary) */
	__u8 pos, gen = cur_gen & 1;
	const __u32 slot = lat_slot(hook);
	const __u64 bit = 1ull << (slot & (LAT_MAX_HOOKS - 1));

	if (slot >= LAT_NHOOKS || (!targ_cfg.pos[0][slot] && !targ_cfg.pos[1][slot]))
		return 0;
	if (pre) {
		p = *pre;
		ref.ifindex = pre_ifindex;
		goto parsed;
	}
	if (!skb)
		return 0;
	/* Socket-level hooks have no device: UDP reuses skb->dev as scratch
	 * once the datagram is queued to a socket (a read through it would
	 * fault, slowly), and a consumed skb's device is history. */
	dev = lat_sock_hook(hook) ? NULL : NT_RD(btf, skb, dev);
	if (dev)
		nt_dev_ref_rd(btf, dev, &ref);
	if (lat_dev_hook(hook) && targ_cfg.nphy &&
	    nt_ifset_find(targ_cfg.phy, targ_cfg.nphy, &ref) < 0)
		return 0;
	if (lat_vm_hook(hook) && nt_ifset_find(targ_cfg.vm, targ_cfg.nvm, &ref) < 0)
		return 0;
	/* One-way paths are the host's own traffic through its interfaces:
	 * sockets of the interfaces' namespaces send and receive it. Packets
	 * of other namespaces on this kernel (containers, lab peers) cost no
	 * parsing and no map lookup at the IP-layer and socket hooks. */
	if (targ_cfg.mode == LAT_MODE_FLOW && targ_cfg.nphy && lat_host_hook(hook)) {
		__u32 netns = lat_hook_netns(btf, hook, skb, sk, &ref);

		if (netns && !lat_phy_netns(netns))
			return 0;
	}
	if (lat_props(hook) & LAT_HP_SK_TCP) {
		if (lat_parse_sock_tcp(btf, sk, skb, &p))
			return 0;
	} else if (lat_parse_skb(skb, flags, &p)) {
		return 0;
	}
parsed:

	if (targ_cfg.mode == LAT_MODE_ICMP) {
		if (p.proto != NT_IPPROTO_ICMP)
			return 0;
		if (p.icmp_type == LAT_ICMP_ECHO &&
		    nt_filter_addrs4(&targ_cfg.filter, p.saddr, p.daddr))
			path = 0;
		else if (p.icmp_type == LAT_ICMP_ECHOREPLY &&
			 nt_filter_addrs4(&targ_cfg.filter, p.daddr, p.saddr))
			path = 1;
		else
			return 0;
		key.proto = NT_IPPROTO_ICMP;
		key.id1 = (__u32)p.icmp_id << 16 | p.icmp_seq;
	} else {
		if (!lat_flow_match(&p))
			return 0;
		/* consume_skb ends what the kernel itself answers (echo requests);
		 * TCP and UDP skbs are freed after the read, deferred to the
		 * allocating CPU since 5.19 (TCP) / 6.18 (UDP): not a delivery time */
		if ((lat_props(hook) & LAT_HP_CONSUME) && p.proto != NT_IPPROTO_ICMP)
			return 0;
		/* A TCP segment without data (pure ACK, bare SYN or FIN) is never
		 * copied to a reader: its receive path cannot end, so it gets no
		 * record there (and costs no map lookup at each receive hook). */
		if ((p.flags & LAT_PKT_NO_PAYLOAD) && !targ_cfg.fwd_path && targ_cfg.pos[1][slot] &&
		    !targ_cfg.pos[0][slot])
			return 0;
		lat_flow_key(&p, &key);
		if (targ_cfg.pos[0][slot] && !targ_cfg.pos[1][slot])
			path = 0;
		else if (targ_cfg.pos[1][slot] && !targ_cfg.pos[0][slot])
			path = 1;
	}

	now = bpf_ktime_get_ns();
	/* The path's first hook opens a new record whatever the key holds (a
	 * record of this key is a restart or another path's): it is stored
	 * without a lookup, see lat_store_new(). */
	opens = path >= 0 && (targ_cfg.open_mask[path & 1] & bit);
	r = opens ? NULL : lat_rec_find(&key);
	if (path < 0) {                 /* hook on both sides: the record says which */
		if (!r)
			return 0;
		path = r->path & 1;
	}
	path &= 1;
	pos = targ_cfg.pos[path][slot];
	if (!pos)
		return 0;
	if (targ_cfg.mode == LAT_MODE_FLOW && r && r->path != path) {
		/* IP-layer hooks see every namespace: a peer namespace on this
		 * kernel sending the packet (e.g. the echo reply) opened a transmit
		 * record under its key. It arriving at a receive start hook on the
		 * physical interface is authoritative; anything else (the tx skb
		 * freed at consume_skb) is ignored. */
		if (!(targ_cfg.start_mask[path] & bit))
			return 0;
		lat_rec_drop(&key, r);
		r = NULL;
	}

	/* A start hook seeing a key whose record already went past it: the key
	 * was reused (echo id/seq wrap, TCP retransmission): start over. */
	if (r && (targ_cfg.start_mask[path] & bit) &&
	    (targ_cfg.mode == LAT_MODE_FLOW ? pos <= r->last_pos : path == 0 && r->path == 1)) {
		lat_rec_drop(&key, r);
		lat_count_restart(gen, path);
		r = NULL;
	}
	if (!r) {
		if (!(targ_cfg.start_mask[path] & bit))
			return 0;
#ifdef LAT_SMALL_REC
		/* The summary's small record is built on the stack and stored
		 * once, after this hook's stamp: one hash update, no lookup back. */
		__builtin_memset(&small, 0, sizeof(small));
		r = &small;
		r->path = path;
		r->first_ts = now;
		fresh = true;
		nt_count(LAT_CNT_STARTED);
		lat_gen_count(gen, path, LAT_GC_STARTED);
#else
		/* The full record (1 KB) is built in the per-CPU scratch slot and
		 * stored at once: a program interrupting this one on the same CPU
		 * (a softirq's hook while a socket sends) may reuse the slot. */
		__u32 zero = 0;
		lat_rec_t *init = bpf_map_lookup_elem(&lat_scratch, &zero);

		if (!init)
			return 0;
		/* copies, not the stores a memset and a loop unroll to: the
		 * verifier walks this on every path that opens a record */
		bpf_probe_read_kernel(init, sizeof(*init), &lat_rec_init);
		init->path = path;
		init->first_ts = now;
		bpf_probe_read_kernel(&init->pkt, sizeof(init->pkt), &p);
		if (skb)                /* tc hooks: the caller's parse has it */
			init->pkt.len = NT_RD(btf, skb, len);
		if (lat_store_new(&key, init, path, opens, gen) == 0) {
			nt_count(LAT_CNT_STARTED);
			lat_gen_count(gen, path, LAT_GC_STARTED);
		}
		r = bpf_map_lookup_elem(&lat_recs, &key);
		if (!r) {
			nt_count(NT_CNT_MAP_FULL);
			return 0;
		}
#endif
	}

#ifndef LAT_SMALL_REC
	{
		struct lat_stamp *st = &r->st[LAT_RP(path)][slot];

		if (st->ts)
			return 0;       /* first stamp wins (looped, cloned, re-queued) */
		st->ts = now;
		st->ifindex = ref.ifindex;
		st->cpu = bpf_get_smp_processor_id();
		if (lat_props(hook) & LAT_HP_QDISC) {
			/* the tracepoint's qdisc, passed as @sk (typed anew: the
			 * shared program's casts it as a socket) */
			const struct Qdisc *q = btf ? NT_UNTRUSTED(struct Qdisc, sk) :
						      (const struct Qdisc *)sk;

			if (q)
				st->qlen = NT_RD(btf, q, q.qlen);
		}
		if (!r->seen[path]) {   /* the path's first stamp: its task */
			r->seen[path] = 1;
			r->pid[path] = bpf_get_current_pid_tgid() >> 32;
			bpf_get_current_comm(r->comm[path], sizeof(r->comm[path]));
		}
		if (targ_cfg.stage_stacks)
			r->stack_id[LAT_RP(path)][slot] = bpf_get_stackid(ctx, &lat_stacks, 0);
	}
#endif
	if (targ_cfg.pair_hist && r->last_pos && pos > r->last_pos && r->path == path)
		lat_pair(gen, path, r->last_slot, slot, now - r->last_ts);
	if (pos > r->last_pos || targ_cfg.mode == LAT_MODE_ICMP) {
		r->last_pos = pos;
		r->last_slot = slot;
		r->path = path;
	}
	r->last_ts = now;

	/* the end? UDP: see udp_end_slot in lat_layout() */
	if ((targ_cfg.mode == LAT_MODE_ICMP && path != targ_cfg.final_path) ||
	    (pos < targ_cfg.end_pos[path] &&
	     !(p.proto == NT_IPPROTO_UDP && slot == targ_cfg.udp_end_slot))) {
		if (fresh)
			lat_store_new(&key, r, path, opens, gen);
		return 0;
	}
	{
		__u64 total = now - r->first_ts;

		nt_count(LAT_CNT_COMPLETED);
		lat_gen_count(gen, path, LAT_GC_COMPLETED);
		if (targ_cfg.aggregate) {
#ifdef LAT_SMALL_REC
			lat_summary_done(r, &p, gen, path, total);
#endif
		} else if (total >= targ_cfg.threshold_ns) {
#ifndef LAT_SMALL_REC
			struct lat_event *e = nt_event_reserve(struct lat_event);

			if (e) {
				e->hd.key = key;
				bpf_probe_read_kernel(&e->rec, sizeof(e->rec), r);
				e->hd.total_ns = total;
				e->hd.pad = 0;
				if (targ_cfg.final_stack) {
					e->hd.stack_bytes = bpf_get_stack(ctx, e->hd.stack,
									  sizeof(e->hd.stack), 0);
					if (e->hd.stack_bytes < 0)
						nt_count(NT_CNT_STACK_LOST);
				} else {
					e->hd.stack_bytes = -1;
				}
				nt_event_submit(e);
				nt_count(LAT_CNT_REPORTED);
			}
#endif
		}
		if (!fresh)
			lat_rec_drop(&key, r);
	}
	return 0;
}

/* ---- programs: the candidates of the tool's hooks (LAT_B_* items of the
 * catalogue rows, lat.h), each only unpacks its arguments ---- */

/*
 * One tracepoint, two interface sets: net_dev_queue, net_dev_start_xmit and
 * netif_receive_skb carry a physical interface's hook and a VM tap's. When
 * the plan takes the same tracepoint for both (the VM slot in
 * targ_cfg.twin_mask, set by user space), the physical hook's program serves
 * both and picks by the device: one run per packet of every device of the
 * kernel instead of two, and the VM hook's own program stays unloaded.
 * Returns the hook the packet is for, -1 for neither.
 */
static __always_inline int lat_tp_hook(const struct sk_buff *skb, const int hook, const __u32 flags)
{
	const int twin = (int)lat_hook_twin1[hook & (LAT_HOOK_TBL - 1)] - 1;
	const __u32 tslot = twin < 0 ? LAT_NHOOKS : lat_slot(twin);
	const bool btf = flags & LAT_F_BTF;
	struct net_device *dev;
	struct nt_ifref ref = {};

	if (tslot >= LAT_NHOOKS || !(targ_cfg.twin_mask & (1ull << (tslot & (LAT_MAX_HOOKS - 1)))))
		return hook;
	dev = skb ? NT_RD(btf, skb, dev) : NULL;
	if (!dev)
		return -1;
	nt_dev_ref_rd(btf, dev, &ref);
	if (nt_ifset_find(targ_cfg.vm, targ_cfg.nvm, &ref) >= 0)
		return twin;
	if (targ_cfg.nphy && nt_ifset_find(targ_cfg.phy, targ_cfg.nphy, &ref) < 0)
		return -1;
	return hook;
}

/* @sk: the tracepoint's first argument (the qdisc tracepoints' qdisc) */
static __always_inline int lat_on_tp(void *ctx, const struct sk_buff *skb, const struct sock *sk,
				     const int hook, const __u32 flags)
{
	const int h = lat_tp_hook(skb, hook, flags);

	return h < 0 ? 0 : lat_on(ctx, skb, sk, h, flags, NULL, 0);
}

/* sock:sk_data_ready(sk) (SKR): for a UDP socket the datagram just queued is
 * the tail of sk_receive_queue (__udp_enqueue_schedule_skb queues, then wakes);
 * NULL when there is none to follow. */
static __always_inline const struct sk_buff *lat_sk_ready_skb(const struct sock *sk,
							      const __u32 flags)
{
	const bool btf = flags & LAT_F_BTF;
	unsigned long q;
	const struct sk_buff *skb;

	if (!sk || NT_RD(btf, sk, sk_protocol) != NT_IPPROTO_UDP)
		return NULL;
	q = (unsigned long)sk + bpf_core_field_offset(struct sock, sk_receive_queue);
	skb = NT_RD(btf, sk, sk_receive_queue.prev);
	if ((unsigned long)skb == q)
		return NULL;            /* already read (empty queue) */
	return skb;
}

static __always_inline int lat_on_sk_ready(void *ctx, const struct sock *sk, const int hook,
					   const __u32 flags)
{
	const struct sk_buff *skb = lat_sk_ready_skb(sk, flags);

	return skb ? lat_on(ctx, skb, sk, hook, flags, NULL, 0) : 0;
}

/*
 * The tracepoints' shared program (nt_handoff.bpf.h): each tracepoint's stub
 * (nt_lat_<tag>_hand) hands it the hook and the skb (or the socket), and
 * this one program, verified once, serves them all (the hook is a value
 * here, not a constant). Loaded where bpf_rdonly_cast makes the pointers
 * typed for plain loads (the candidate's .needs), as tp_btf arguments are.
 */
SEC("raw_tp")
int nt_lat_engine(unsigned long long *ctx)
{
	struct nt_handoff_frame f;
	const struct sk_buff *skb;
	const struct sock *sk;
	int hook;

	if (!nt_handoff_take(&f) || f.tag >= LH_MAX)
		return 0;
	hook = f.tag;
	skb = NT_UNTRUSTED(struct sk_buff, f.a0);
	sk = NT_UNTRUSTED(struct sock, f.a1);
	if (!f.a0)              /* sock:sk_data_ready: the socket's newest skb */
		skb = lat_sk_ready_skb(sk, LAT_F_BTF);
	else
		hook = lat_tp_hook(skb, hook, LAT_F_BTF);
	if (!skb || hook < 0)
		return 0;
	return lat_on(ctx, skb, sk, hook, LAT_F_BTF, NULL, 0);
}

#define LAT_B_TP(id, tag, tpname, cat, argi, raw_struct)                               \
SEC("raw_tp/" #tpname)                                                                 \
int nt_lat_##tag##_hand(unsigned long long *ctx)                                       \
{                                                                                      \
	return nt_handoff(ctx, ctx[argi], ctx[0], LH_##id);                            \
}                                                                                      \
SEC("tp_btf/" #tpname)                                                                 \
int nt_lat_##tag##_btf(unsigned long long *ctx)                                        \
{                                                                                      \
	return lat_on_tp(ctx, NT_UNTRUSTED(struct sk_buff, ctx[argi]), (const void *)ctx[0], \
			 LH_##id, LAT_F_BTF);                                          \
}                                                                                      \
SEC("raw_tp/" #tpname)                                                                 \
int nt_lat_##tag##_raw(unsigned long long *ctx)                                        \
{                                                                                      \
	return lat_on_tp(ctx, (const struct sk_buff *)ctx[argi], (const void *)ctx[0],  \
			 LH_##id, 0);                                                  \
}                                                                                      \
SEC("tracepoint/" cat "/" #tpname)                                                     \
int nt_lat_##tag##_tp(struct raw_struct *ctx)                                          \
{                                                                                      \
	return lat_on_tp(ctx, (const struct sk_buff *)BPF_CORE_READ(ctx, skbaddr), NULL, \
			 LH_##id, 0);                                                  \
}

static __always_inline unsigned long lat_kp_arg(struct pt_regs *ctx, int i)
{
	switch (i) {
	case 0: return PT_REGS_PARM1(ctx);
	case 1: return PT_REGS_PARM2(ctx);
	case 2: return PT_REGS_PARM3(ctx);
	default: return 0;
	}
}

static __always_inline const struct sk_buff *lat_deref(unsigned long pskb)
{
	struct sk_buff *skb = NULL;

	bpf_probe_read_kernel(&skb, sizeof(skb), (void *)pskb);
	return skb;
}

/* @ski: the socket argument (__ip_queue_xmit: addresses from the socket), -1: none */
#define LAT_B_FN(id, tag, fn, argi, ski, flags)                                        \
SEC("fentry/" #fn)                                                                     \
int nt_lat_##tag##_fe(unsigned long long *ctx)                                         \
{                                                                                      \
	const struct sock *sk = (ski) < 0 ? NULL : (const struct sock *)ctx[(ski) < 0 ? 0 : (ski)]; \
	unsigned long a = 0;                                                           \
	/* 5.10's verifier refuses a direct ctx read of a pointer-to-pointer arg */    \
	if ((flags) & LAT_F_PSKB)                                                      \
		bpf_probe_read_kernel(&a, sizeof(a), &ctx[argi]);                      \
	else                                                                           \
		a = ctx[argi];                                                         \
	if ((flags) & LAT_F_PSKB)                                                      \
		return lat_on(ctx, lat_deref(a), sk, LH_##id, flags, NULL, 0);         \
	return lat_on(ctx, (const struct sk_buff *)a, sk, LH_##id, (flags) | LAT_F_BTF, NULL, 0); \
}                                                                                      \
SEC("kprobe/" #fn)                                                                     \
int nt_lat_##tag##_kp(struct pt_regs *ctx)                                             \
{                                                                                      \
	unsigned long a = lat_kp_arg(ctx, argi);                                       \
	return lat_on(ctx, ((flags) & LAT_F_PSKB) ? lat_deref(a) : (const struct sk_buff *)a, \
		      (const struct sock *)lat_kp_arg(ctx, ski), LH_##id, flags, NULL, 0); \
}

/* The receive core (RXC): __netif_receive_skb_core takes struct sk_buff **
 * since 5.x (BTF picks by the argument's depth). 6.1: the core exists only as
 * a .constprop clone (absent from BTF): fentry takes its two callers, the
 * single skb and the GRO/list batch. The list walker calls the engine as a
 * subprogram: its frame and the engine's share the 512-byte stack. */
#define LAT_B_RXC(id)                                                                  \
LAT_B_FN(id, rx, __netif_receive_skb_core, 0, -1, LAT_F_PSKB)                          \
SEC("kprobe/__netif_receive_skb_core")                                                 \
int nt_lat_rx1_kp(struct pt_regs *ctx)                                                 \
{                                                                                      \
	return lat_on(ctx, (const struct sk_buff *)PT_REGS_PARM1(ctx), NULL, LH_##id, 0, NULL, 0); \
}                                                                                      \
static __noinline int lat_on_rx(void *ctx, const struct sk_buff *skb)                  \
{                                                                                      \
	return lat_on(ctx, skb, NULL, LH_##id, 0, NULL, 0);                            \
}                                                                                      \
SEC("fentry/__netif_receive_skb_one_core")                                             \
int nt_lat_rx_fe1(unsigned long long *ctx)                                             \
{                                                                                      \
	return lat_on(ctx, (const struct sk_buff *)ctx[0], NULL, LH_##id, LAT_F_BTF, NULL, 0); \
}                                                                                      \
SEC("fentry/__netif_receive_skb_list_core")                                            \
int nt_lat_rx_fel(unsigned long long *ctx)                                             \
{                                                                                      \
	struct list_head *head = (struct list_head *)ctx[0];                           \
	NT_FOR_EACH_LISTED_SKB(head, LAT_RX_LISTED);                                   \
	return 0;                                                                      \
}                                                                                      \
SEC("kprobe/__netif_receive_skb_one_core")                                             \
int nt_lat_rx_kp2(struct pt_regs *ctx)                                                 \
{                                                                                      \
	return lat_on(ctx, (const struct sk_buff *)PT_REGS_PARM1(ctx), NULL, LH_##id, 0, NULL, 0); \
}                                                                                      \
SEC("kprobe/__netif_receive_skb_list_core")                                            \
int nt_lat_rx_kpl(struct pt_regs *ctx)                                                 \
{                                                                                      \
	struct list_head *head = (struct list_head *)PT_REGS_PARM1(ctx);               \
	NT_FOR_EACH_LISTED_SKB(head, LAT_RX_LISTED);                                   \
	return 0;                                                                      \
}
#define LAT_RX_LISTED(skb, dev, rx) lat_on_rx(ctx, skb)

#define LAT_B_SKR(id)                                                                  \
SEC("raw_tp/sk_data_ready")                                                            \
int nt_lat_skready_hand(unsigned long long *ctx)                                       \
{                                                                                      \
	return nt_handoff(ctx, 0, ctx[0], LH_##id);                                    \
}                                                                                      \
SEC("tp_btf/sk_data_ready")                                                            \
int nt_lat_skready_btf(unsigned long long *ctx)                                        \
{                                                                                      \
	return lat_on_sk_ready(ctx, NT_UNTRUSTED(struct sock, ctx[0]), LH_##id, LAT_F_BTF); \
}                                                                                      \
SEC("raw_tp/sk_data_ready")                                                            \
int nt_lat_skready_raw(unsigned long long *ctx)                                        \
{                                                                                      \
	return lat_on_sk_ready(ctx, (const struct sock *)ctx[0], LH_##id, 0);          \
}                                                                                      \
SEC("tracepoint/sock/sk_data_ready")                                                   \
int nt_lat_skready_tp(struct trace_event_raw_sk_data_ready *ctx)                       \
{                                                                                      \
	return lat_on_sk_ready(ctx, (const struct sock *)BPF_CORE_READ(ctx, skaddr), LH_##id, 0); \
}

/*
 * Per-interface hooks (T() in a path: the summaries): tc programs on each
 * interface of the hook's set alone (--phy-interface or --vm-interface), in
 * place of the device tracepoints that run for every device of every
 * namespace and filter afterwards. Egress runs in __dev_queue_xmit just
 * before net:net_dev_queue, ingress in __netif_receive_skb_core just after
 * net:netif_receive_skb (and after a VLAN tag in the data is taken out).
 * Both see the network header set (IP output; the receive core's reset), so
 * the IP header is read relative to it whatever the link layer.
 */
#define LAT_TC_ACT_UNSPEC (-1)  /* on to the next filter or the default: as if absent */

static __always_inline int lat_parse_tc(struct __sk_buff *ctx, struct lat_pkt *p)
{
	__u32 start = BPF_HDR_START_NET, off = 0;
	__be16 proto = ctx->protocol;
	struct lat_hdrs h = {};
	int l4;

	/* egress through a VLAN device without tag offload: the tags are in
	 * the data after the MAC addresses, the IP header after them */
	if (proto == bpf_htons(NT_ETH_P_8021Q) || proto == bpf_htons(NT_ETH_P_8021AD)) {
		start = BPF_HDR_START_MAC;
		off = 12;
#pragma unroll
		for (int i = 0; i < 2; i++) {
			if (bpf_skb_load_bytes_relative(ctx, off + 4, &proto, sizeof(proto), start))
				return -1;
			off += 4;
			if (proto != bpf_htons(NT_ETH_P_8021Q) && proto != bpf_htons(NT_ETH_P_8021AD))
				break;
		}
		off += 2;
	}
	if (proto != bpf_htons(NT_ETH_P_IP))
		return -1;
	if (bpf_skb_load_bytes_relative(ctx, off, &h, sizeof(h), start)) {
		if (bpf_skb_load_bytes_relative(ctx, off, &h.iph, sizeof(h.iph), start))
			return -1;
		h.l4.doff = LAT_L4_UNREAD;
	}
	l4 = lat_decode_iph(&h, p);
	if (l4 < 0)
		return -1;
	/* a datagram of under 6 bytes ends before sizeof(h.l4): its 8-byte UDP
	 * (or ICMP echo) header alone, else it would go without its ports here
	 * and with them at the other hooks (read past the end there) */
	if (l4 > 0 && bpf_skb_load_bytes_relative(ctx, off + (l4 & 0x3c), &h.l4, sizeof(h.l4), start) &&
	    bpf_skb_load_bytes_relative(ctx, off + (l4 & 0x3c), &h.l4, 8, start))
		return 0;
	lat_decode_l4(&h, p);
	return 0;
}

static __always_inline int lat_on_tc(struct __sk_buff *ctx, const int hook)
{
	struct lat_pkt p = {};

	const __u32 slot = lat_slot(hook);

	if (slot < LAT_NHOOKS && (targ_cfg.pos[0][slot] || targ_cfg.pos[1][slot]) &&
	    !lat_parse_tc(ctx, &p)) {
		p.len = ctx->len;
		lat_on(ctx, NULL, NULL, hook, 0, &p, ctx->ifindex);
	}
	return LAT_TC_ACT_UNSPEC;
}

#define LAT_BT_TC(id, kind, dir, tag, set)                                                \
SEC("tc")                                                                              \
int nt_lat_##tag##_tc(struct __sk_buff *ctx)                                           \
{                                                                                      \
	return lat_on_tc(ctx, LH_##id);                                                \
}

/* B: a hook's programs; BT: with its per-interface tc program */
#define LAT_B_TC(id, kind, dir, tag, set)
#define LAT_PROG_ROW(id, name, what, opt, cls, tx, rx, ...) __VA_ARGS__
#define LAT_PROGS(id, ...) LAT_H_##id(LAT_PROG_ROW, LAT_B)
#define LAT_PROGS_PER_IF(id, ...) LAT_H_##id(LAT_PROG_ROW, LAT_BT)
#define LAT_BT_TP LAT_B_TP
#define LAT_BT_FN LAT_B_FN
#define LAT_BT_RXC LAT_B_RXC
#define LAT_BT_SKR LAT_B_SKR

LAT_PATH(LAT_PROGS, LAT_PROGS_PER_IF)

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#endif
