// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * icmp_path_tracer: where does a ping die on this forwarding host?
 *
 * Two probe points see every packet: "rx" (netif_receive_skb) and "tx"
 * (net_dev_start_xmit, before the driver owns the skb). Each echo packet of
 * the filtered pair is classified by interface and direction into one of four
 * stages and its timestamp is stored in an exchange entry keyed by echo
 * id/seq. A fragmented echo reaches a stage only when all its fragments have
 * (nt_frag.h): its fragments are followed as a group keyed by addresses,
 * protocol and IP id. A complete exchange is sent up and removed here;
 * incomplete ones are swept by user space after --timeout-ms and judged by
 * which stages they lack.
 */
#include "nt_common.bpf.h"
#include "nt_events.bpf.h"
#include "nt_skb.bpf.h"
#include "nt_netdev.bpf.h"
#include "nt_frag.h"
#include "icmp_path_tracer.h"

const volatile struct nt_filter targ_filter = {};   /* the echo requests' addresses */
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

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, ICMP_PT_MAX_FRAGS);
	__type(key, struct icmp_pt_frag_key);
	__type(value, struct icmp_pt_frag);
} frag_groups SEC(".maps");

#define ICMP_ECHOREPLY 0
#define ICMP_ECHO      8

/* The stage of an echo packet of the traced pair at this point, or -1:
 * requests enter an rx interface and leave by the tx one, replies the
 * other way round. */
static __always_inline int stage_of(bool reply, bool rx, bool on_rx, bool on_tx)
{
	if (!reply) {
		if (rx && on_rx)
			return ICMP_PT_REQ_RX;
		if (!rx && on_tx)
			return ICMP_PT_REQ_TX;
	} else {
		if (rx && on_tx)
			return ICMP_PT_REP_RX;
		if (!rx && on_rx)
			return ICMP_PT_REP_TX;
	}
	return -1;
}

/* The echo id/seq at @l4 if it is an echo of the expected kind. */
static __always_inline bool echo_key(const unsigned char *l4, bool reply, struct icmp_pt_key *key)
{
	struct nt_icmp_echo ic;

	if (bpf_probe_read_kernel(&ic, sizeof(ic), l4))
		return false;
	if (ic.type != (reply ? ICMP_ECHOREPLY : ICMP_ECHO))
		return false;
	key->id = bpf_ntohs(ic.id);
	key->seq = bpf_ntohs(ic.seq);
	return true;
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

/* The whole echo @key passed @stage on @ifindex (@frags: its fragments, 0 if
 * it was not fragmented here). */
static __always_inline void stage_passed(const struct icmp_pt_key *key, int stage, __u32 ifindex,
					 __u16 frags)
{
	struct icmp_pt_rec *rec;

	stage &= 3;
	/* keep the compiler from turning stack offset + index into an OR
	 * (the verifier refuses bitwise ops on pointers) */
	barrier_var(stage);
	rec = exchange_get(key, stage);
	if (!rec && stage != ICMP_PT_REQ_RX) {
		/* Late (after user space judged it) or never started here: user
		 * space tells which. Rare: only the filtered pair reaches this. */
		struct icmp_pt_rec one = {};

		one.ts[stage] = bpf_ktime_get_ns();
		one.ifindex[stage] = ifindex;
		one.frags[stage] = frags;
		nt_count(ICMP_PT_CNT_ORPHANS);
		emit(ICMP_PT_EV_ORPHAN, stage, key, &one);
		return;
	}
	if (!rec) {
		nt_count(NT_CNT_MAP_FULL);
		return;
	}
	if (rec->ts[stage])     /* seen already (looped or duplicated): first wins */
		return;
	rec->ts[stage] = bpf_ktime_get_ns();
	rec->ifindex[stage] = ifindex;
	rec->frags[stage] = frags;

	if (targ_verbose)
		emit(ICMP_PT_EV_STAGE, stage, key, rec);
	if (rec->ts[0] && rec->ts[1] && rec->ts[2] && rec->ts[3]) {
		emit(ICMP_PT_EV_DONE, stage, key, rec);
		bpf_map_delete_elem(&exchanges, key);
		nt_count(ICMP_PT_CNT_COMPLETED);
	}
}

/* The group of fragment @fk, created at its first fragment seen anywhere (a
 * group older than any reassembly starts over: its IP id came round again). */
static __always_inline struct icmp_pt_frag *frag_group(const struct icmp_pt_frag_key *fk, __u64 now)
{
	struct icmp_pt_frag *g = bpf_map_lookup_elem(&frag_groups, fk);
	struct icmp_pt_frag fresh = { .ts_first = now };

	if (g && now - g->ts_first < ICMP_PT_FRAG_MAX_AGE_NS)
		return g;
	/* EEXIST: another CPU created it first, use that one */
	bpf_map_update_elem(&frag_groups, fk, &fresh, g ? BPF_EXIST : BPF_NOEXIST);
	g = bpf_map_lookup_elem(&frag_groups, fk);
	if (!g)
		nt_count(NT_CNT_MAP_FULL);
	return g;
}

/* Some fragments of echo @ex passed @stage (not all): kept on its exchange,
 * if open, for the verdict to say what passed of the stage it lacks. */
static __always_inline void partial_passed(const struct icmp_pt_key *ex, int stage, __u32 frags,
					   __u32 ifindex)
{
	struct icmp_pt_rec *rec = bpf_map_lookup_elem(&exchanges, ex);

	stage &= 3;
	barrier_var(stage);
	if (rec && !rec->ts[stage]) {
		rec->frags[stage] = frags;
		rec->ifindex[stage] = ifindex;
	}
}

/* A fragment of an echo of the traced pair passed @stage. The echo passes the
 * stage with the fragment that makes its group whole there. */
static __always_inline void fragment_passed(const struct nt_iphdr *iph, const unsigned char *nh,
					    const struct nt_ipfrag *f, bool reply, int stage,
					    __u32 ifindex)
{
	struct icmp_pt_frag_key fk = { iph->saddr, iph->daddr, bpf_ntohs(iph->id), iph->protocol };
	struct nt_frag_acct *at;
	struct icmp_pt_frag *g;
	struct icmp_pt_key ex;
	int side = stage & 1;   /* REQ_RX/REP_RX: 0, REQ_TX/REP_TX: 1 */

	g = frag_group(&fk, bpf_ktime_get_ns());
	if (!g)
		return;
	if (f->first) {
		/* the key is set before the fragment is counted: whoever makes
		 * the group whole finds it */
		if (echo_key(nh + iph->ihl * 4, reply, &g->ex))
			g->echo = ICMP_PT_FRAG_ECHO;
		else
			g->echo = ICMP_PT_FRAG_NOT_ECHO;
	}
	if (g->echo == ICMP_PT_FRAG_NOT_ECHO)
		return;
	at = &g->at[side];
	g->ifindex[side] = ifindex;
	if (!nt_frag_pass(at, f)) {
		if (g->echo == ICMP_PT_FRAG_ECHO && stage != ICMP_PT_REQ_RX) {
			ex = g->ex;
			partial_passed(&ex, stage, at->frags, ifindex);
		}
		return;
	}
	if (g->echo != ICMP_PT_FRAG_ECHO)
		return;         /* "whole" without its first fragment: duplicates made up the sum */
	ex = g->ex;
	stage_passed(&ex, stage, ifindex, at->frags);
	if (side == 1) {        /* whole out: nothing of it comes any more */
		bpf_map_delete_elem(&frag_groups, &fk);
		return;
	}
	/* A forwarded fragment leaves before the next one enters: the first
	 * fragments of a request were out before its exchange opened. */
	if (stage == ICMP_PT_REQ_RX && g->at[1].frags)
		partial_passed(&ex, ICMP_PT_REQ_TX, g->at[1].frags, g->ifindex[1]);
}

static __always_inline int handle(const struct sk_buff *skb, const struct net_device *dev, bool rx)
{
	const unsigned char *nh;
	struct icmp_pt_key key;
	struct nt_ipfrag f;
	struct nt_ifref ref;
	struct nt_iphdr iph;
	bool on_rx, on_tx, reply;
	int stage;

	if (!skb || !dev)
		return 0;
	/* The interface test comes first: it rejects nearly all traffic
	 * before any header is read. */
	nt_dev_ref(dev, &ref);
	on_rx = nt_ifset_find(targ_rx, targ_nrx, &ref) >= 0;
	on_tx = nt_ifset_find(targ_tx, targ_ntx, &ref) >= 0;
	if (!on_rx && !on_tx)
		return 0;
	if (nt_skb_iphdr_v4(skb, &iph, &nh) || iph.protocol != NT_IPPROTO_ICMP)
		return 0;
	if (nt_filter_addrs4(&targ_filter, iph.saddr, iph.daddr))
		reply = false;
	else if (nt_filter_addrs4(&targ_filter, iph.daddr, iph.saddr))
		reply = true;
	else
		return 0;
	stage = stage_of(reply, rx, on_rx, on_tx);
	if (stage < 0)
		return 0;

	nt_ipfrag_of(bpf_ntohs(iph.frag_off), bpf_ntohs(iph.tot_len), iph.ihl, &f);
	if (f.frag) {
		fragment_passed(&iph, nh, &f, reply, stage, ref.ifindex);
		return 0;
	}
	if (echo_key(nh + iph.ihl * 4, reply, &key))
		stage_passed(&key, stage, ref.ifindex, 0);
	return 0;
}

NT_NETDEV_PROGRAMS(handle, icmp)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
