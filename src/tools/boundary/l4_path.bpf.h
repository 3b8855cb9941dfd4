/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Kernel half shared by tcp_path_tracer and udp_path_tracer (see l4_path.h).
 * The including tool parses its packets into a key + l4pt_meta and calls
 * l4pt_in() or l4pt_out(); everything else (records, per-CPU statistics with
 * a log2 latency histogram, verbose events) is here. NT_NETDEV_PROGRAMS(handler,
 * prefix) defines the thin per-attach-type programs of both stages.
 */
#ifndef L4_PATH_BPF_H
#define L4_PATH_BPF_H

#include "nt_common.bpf.h"
#include "nt_events.bpf.h"
#include "nt_hist.bpf.h"
#include "nt_skb.bpf.h"
#include "l4_path.h"

/* Oriented src -> dst; a REP packet matches it with its pairs swapped. */
const volatile struct nt_filter targ_filter = {};
const volatile struct nt_ifref targ_rx[NT_MAX_IFACES] = {};
const volatile __u32 targ_nrx = 0;
const volatile struct nt_ifref targ_tx[NT_MAX_IFACES] = {};
const volatile __u32 targ_ntx = 0;
const volatile bool targ_verbose = false;   /* an event per completed packet */

/* Flipped by user space every interval: statistics go to slot dir*2 + epoch. */
volatile __u32 l4pt_epoch = 0;

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, L4PT_MAX_RECS);
	__type(key, struct l4pt_key);
	__type(value, struct l4pt_rec);
} l4pt_recs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, L4PT_NDIRS * 2);
	__type(key, __u32);
	__type(value, struct l4pt_stats);
} l4pt_stats SEC(".maps");

/* What the tool read from the headers besides the key. */
struct l4pt_meta {
	__u16 len;
	__u8  tcp_flags;
	__u8  ttl;
	__u32 ack;
	bool  retrans;
	bool  frag;             /* part of a fragmented datagram */
	bool  frag_first;       /* offset 0 */
	bool  frag_last;        /* MF clear */
};

static __always_inline struct l4pt_stats *l4pt_stats_of(__u8 dir)
{
	__u32 idx = (dir & 1) * 2 + (l4pt_epoch & 1);

	return bpf_map_lookup_elem(&l4pt_stats, &idx);
}

static __always_inline __u8 l4pt_frag_bits(const struct l4pt_meta *m, bool out)
{
	__u8 f = 0;

	if (!m->frag)
		return 0;
	f |= L4PT_F_FRAG;
	if (m->frag_first)
		f |= out ? L4PT_F_OUT_FIRST : L4PT_F_IN_FIRST;
	if (m->frag_last)
		f |= out ? L4PT_F_OUT_LAST : L4PT_F_IN_LAST;
	return f;
}

/* A packet of the traced pair enters the host. */
static __always_inline void l4pt_in(const struct l4pt_key *key, const struct l4pt_meta *m,
				    __u32 ifindex)
{
	static const struct l4pt_rec zero;
	struct l4pt_stats *st = l4pt_stats_of(key->dir);
	struct l4pt_rec *rec;
	__u64 now = bpf_ktime_get_ns();

	if (st)
		st->in_pkts++;
	rec = bpf_map_lookup_elem(&l4pt_recs, key);
	if (!rec) {
		/* LRU: never refused for room; user space derives evictions
		 * from created - completed - swept. */
		if (bpf_map_update_elem(&l4pt_recs, key, &zero, BPF_NOEXIST) == 0)
			nt_count(L4PT_CNT_CREATED);
		rec = bpf_map_lookup_elem(&l4pt_recs, key);
		if (!rec) {
			nt_count(NT_CNT_MAP_FULL);
			return;
		}
	}
	if (!rec->n_in) {
		rec->ts_in = now;
		rec->if_in = ifindex;
		rec->ack = m->ack;
		rec->tcp_flags = m->tcp_flags;
		rec->ttl = m->ttl;
		if (st) {
			st->groups++;
			if (m->retrans)
				st->retrans++;
		}
		if (m->retrans)
			rec->flags |= L4PT_F_RETRANS;
	}
	if (m->len && (!m->frag || m->frag_first))
		rec->len = m->len;
	rec->ts_last_in = now;
	rec->n_in++;
	rec->flags |= l4pt_frag_bits(m, false);
}

/* A packet of the traced pair leaves the host. */
static __always_inline void l4pt_out(const struct l4pt_key *key, const struct l4pt_meta *m,
				     __u32 ifindex)
{
	struct l4pt_stats *st = l4pt_stats_of(key->dir);
	struct l4pt_rec *rec = bpf_map_lookup_elem(&l4pt_recs, key);
	__u64 now = bpf_ktime_get_ns(), lat;
	__u8 f;

	if (!rec) {
		if (st)
			st->out_unmatched++;
		return;
	}
	if (st)
		st->out_pkts++;
	if (!rec->n_out) {
		rec->ts_out = now;
		rec->if_out = ifindex;
	}
	rec->ts_last_out = now;
	rec->n_out++;
	rec->flags |= l4pt_frag_bits(m, true);

	f = rec->flags;
	if (rec->n_out < rec->n_in)
		return;
	if ((f & L4PT_F_FRAG) &&
	    (f & (L4PT_F_IN_LAST | L4PT_F_OUT_FIRST | L4PT_F_OUT_LAST)) !=
		    (L4PT_F_IN_LAST | L4PT_F_OUT_FIRST | L4PT_F_OUT_LAST))
		return;
	/* Complete. A fragment group is timed from its first fragment in to
	 * its last out; a copy from its (last) entry. */
	lat = now - ((f & L4PT_F_FRAG) ? rec->ts_in : rec->ts_last_in);
	if (st) {
		st->complete++;
		nt_lat_add(&st->lat, lat);
	}
	if (targ_verbose) {
		struct l4pt_event *e = nt_event_reserve(struct l4pt_event);

		if (e) {
			e->key = *key;
			__builtin_memcpy(&e->rec, rec, sizeof(*rec));
			nt_event_submit(e);
		}
	}
	bpf_map_delete_elem(&l4pt_recs, key);
	nt_count(L4PT_CNT_COMPLETED);
}

/* Is @dev one of the rx (@set_rx) or tx interfaces? 1 rx, 2 tx, 0 neither. */
static __always_inline int l4pt_dev_side(const struct net_device *dev, __u32 *ifindex)
{
	struct nt_ifref ref;

	nt_dev_ref(dev, &ref);
	*ifindex = ref.ifindex;
	if (nt_ifset_find(targ_rx, targ_nrx, &ref) >= 0)
		return 1;
	if (nt_ifset_find(targ_tx, targ_ntx, &ref) >= 0)
		return 2;
	return 0;
}

#endif
