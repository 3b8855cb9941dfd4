// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * icmp_path_tracer: where does a ping die on this forwarding host?
 *
 * Two probe points see every packet: "rx" (netif_receive_skb) and "tx"
 * (net_dev_start_xmit, before the driver owns the skb). Each echo packet of
 * the filtered pair is classified by interface and ICMP type into one of four
 * stages and its timestamp is stored in an exchange entry keyed by echo
 * id/seq. A complete exchange is sent up and removed here; incomplete ones are
 * swept by user space after --timeout-ms and judged by which stages they lack.
 */
#include "nt_common.bpf.h"
#include "nt_events.bpf.h"
#include "nt_skb.bpf.h"
#include "nt_netdev.bpf.h"
#include "icmp_path_tracer.h"

const volatile __u32 targ_src = 0;     /* echo request source, network order */
const volatile __u32 targ_dst = 0;
const volatile struct nt_ifref targ_rx[NT_MAX_IFACES] = {};
const volatile __u32 targ_nrx = 0;
const volatile struct nt_ifref targ_tx[NT_MAX_IFACES] = {};
const volatile __u32 targ_ntx = 0;
const volatile bool targ_verbose = false;

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, ICMP_PT_MAX_EXCHANGES);
	__type(key, struct icmp_pt_key);
	__type(value, struct icmp_pt_rec);
} exchanges SEC(".maps");

#define ICMP_ECHOREPLY 0
#define ICMP_ECHO      8

/* Which stage is this packet at this point, or -1. The interface test comes
 * first: it rejects nearly all traffic before any header is read. */
static __always_inline int classify(const struct sk_buff *skb, const struct net_device *dev,
				    bool rx, struct nt_pkt *p)
{
	struct nt_ifref ref;
	bool on_rx, on_tx;

	nt_dev_ref(dev, &ref);
	on_rx = nt_ifset_find(targ_rx, targ_nrx, &ref) >= 0;
	on_tx = nt_ifset_find(targ_tx, targ_ntx, &ref) >= 0;
	if (!on_rx && !on_tx)
		return -1;
	if (nt_parse_skb_ipv4(skb, p) || p->l4_proto != NT_IPPROTO_ICMP)
		return -1;

	if (p->icmp_type == ICMP_ECHO && p->saddr.v4 == targ_src && p->daddr.v4 == targ_dst) {
		if (rx && on_rx)
			return ICMP_PT_REQ_RX;
		if (!rx && on_tx)
			return ICMP_PT_REQ_TX;
	} else if (p->icmp_type == ICMP_ECHOREPLY && p->saddr.v4 == targ_dst &&
		   p->daddr.v4 == targ_src) {
		if (rx && on_tx)
			return ICMP_PT_REP_RX;
		if (!rx && on_rx)
			return ICMP_PT_REP_TX;
	}
	return -1;
}

static __always_inline void emit(__u8 kind, __u8 stage, const struct icmp_pt_key *key,
				 const struct icmp_pt_rec *rec)
{
	struct icmp_pt_event *e = nt_event_reserve(struct icmp_pt_event);

	if (!e)
		return;
	e->kind = kind;
	e->stage = stage;
	e->pad = 0;
	e->key = *key;
	__builtin_memcpy(&e->rec, rec, sizeof(*rec));
	nt_event_submit(e);
}

/* An exchange starts at REQ_RX: later stages only update an open one, so
 * pings entering by an interface that was not named are not reported. */
static __always_inline struct icmp_pt_rec *exchange_get(const struct icmp_pt_key *key, int stage)
{
	static const struct icmp_pt_rec zero;
	struct icmp_pt_rec *rec = bpf_map_lookup_elem(&exchanges, key);

	if (rec || stage != ICMP_PT_REQ_RX)
		return rec;
	/* LRU: an insert never fails for lack of room, it evicts the oldest;
	 * user space derives evictions from the created/completed counters. */
	if (bpf_map_update_elem(&exchanges, key, &zero, BPF_NOEXIST) == 0)
		nt_count(ICMP_PT_CNT_CREATED);
	return bpf_map_lookup_elem(&exchanges, key);
}

static __always_inline int handle(const struct sk_buff *skb, const struct net_device *dev, bool rx)
{
	struct nt_pkt p = {};
	struct icmp_pt_key key;
	struct icmp_pt_rec *rec;
	int stage;

	if (!skb || !dev)
		return 0;
	stage = classify(skb, dev, rx, &p);
	if (stage < 0)
		return 0;

	key.id = p.icmp_id;
	key.seq = p.icmp_seq;
	stage &= 3;
	rec = exchange_get(&key, stage);
	if (!rec && stage != ICMP_PT_REQ_RX) {
		/* Late (after user space judged it) or never started here: user
		 * space tells which. Rare: only the filtered pair reaches this. */
		struct icmp_pt_rec one = {};

		one.ts[stage] = bpf_ktime_get_ns();
		one.ifindex[stage] = BPF_CORE_READ(dev, ifindex);
		nt_count(ICMP_PT_CNT_ORPHANS);
		emit(ICMP_PT_EV_ORPHAN, stage, &key, &one);
		return 0;
	}
	if (!rec) {
		nt_count(NT_CNT_MAP_FULL);
		return 0;
	}
	if (rec->ts[stage])     /* seen already (looped or duplicated): first wins */
		return 0;
	rec->ts[stage] = bpf_ktime_get_ns();
	rec->ifindex[stage] = BPF_CORE_READ(dev, ifindex);

	if (targ_verbose)
		emit(ICMP_PT_EV_STAGE, stage, &key, rec);
	if (rec->ts[0] && rec->ts[1] && rec->ts[2] && rec->ts[3]) {
		emit(ICMP_PT_EV_DONE, stage, &key, rec);
		bpf_map_delete_elem(&exchanges, &key);
		nt_count(ICMP_PT_CNT_COMPLETED);
	}
	return 0;
}

NT_NETDEV_PROGRAMS(handle, icmp)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
