// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * trace_conntrack: connections entering the conntrack table (confirm),
 * refreshed by packets (update) and removed (destroy), with both tuples,
 * zone, mark, status bits and the timeout left. Event types not asked for
 * are dropped here, before anything is copied (heavy TCP traffic would
 * otherwise flood user space with updates). Conntrack has no tracepoints:
 * every stage is a function probe (fentry, else kprobe).
 *
 * Verdicts (INVALID, dropped, refused at confirm) are counted here per
 * (netns, family, protocol) from exit probes on nf_conntrack_in and
 * __nf_conntrack_confirm, and never become events.
 */
#include "nt_common.bpf.h"
#include "nt_events.bpf.h"
#include "nt_skb.bpf.h"
#include "trace_conntrack.h"

const volatile struct nt_filter targ_filter = {};
const volatile bool targ_filter_on = false;
const volatile __u32 targ_types = TCT_EV_BIT(TCT_NEW) | TCT_EV_BIT(TCT_DESTROY);
const volatile __u64 targ_hz = 250;          /* kernel CONFIG_HZ, from user space */

static __always_inline void read_tuple(const struct nf_conntrack_tuple *t, union nt_addr *s,
				       union nt_addr *d, __u16 *sp, __u16 *dp)
{
	bpf_probe_read_kernel(s, sizeof(*s), &t->src.u3);
	bpf_probe_read_kernel(d, sizeof(*d), &t->dst.u3);
	*sp = bpf_ntohs(BPF_CORE_READ(t, src.u.all));
	*dp = bpf_ntohs(BPF_CORE_READ(t, dst.u.all));
}

static __always_inline int handle(struct nf_conn *ct, __u8 type)
{
	struct nf_conntrack_tuple *orig, *reply;
	struct tct_event *e;
	struct nt_pkt p = {};
	__u64 jiffies;
	__u32 timeout;
	__u16 l3;

	if (!ct || !(targ_types & TCT_EV_BIT(type)))
		return 0;
	if (type == TCT_DESTROY && !(BPF_CORE_READ(ct, status) & 0x8 /* IPS_CONFIRMED */))
		return 0;
	orig = &ct->tuplehash[0].tuple;
	reply = &ct->tuplehash[1].tuple;
	l3 = BPF_CORE_READ(orig, src.l3num);
	p.family = l3 == 2 ? 4 : l3 == 10 ? 6 : 0;
	p.l4_proto = BPF_CORE_READ(orig, dst.protonum);
	if (targ_filter_on) {
		read_tuple(orig, &p.saddr, &p.daddr, &p.sport, &p.dport);
		if (p.family == 4) {
			p.saddr.w[1] = p.saddr.w[2] = p.saddr.w[3] = 0;
			p.daddr.w[1] = p.daddr.w[2] = p.daddr.w[3] = 0;
		}
		if (!nt_filter_match(&targ_filter, &p))
			return 0;
	}
	e = nt_event_reserve(struct tct_event);
	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	e->ts = bpf_ktime_get_ns();
	e->ct = (__u64)ct;
	e->type = type;
	e->family = p.family;
	e->proto = p.l4_proto;
	read_tuple(orig, &e->saddr, &e->daddr, &e->sport, &e->dport);
	read_tuple(reply, &e->reply_saddr, &e->reply_daddr, &e->reply_sport, &e->reply_dport);
	e->status = BPF_CORE_READ(ct, status);
	if (bpf_core_field_exists(ct->mark))
		e->mark = BPF_CORE_READ(ct, mark);
	if (bpf_core_field_exists(ct->zone))
		e->zone = BPF_CORE_READ(ct, zone.id);
	/* every namespace has its own table (and conntrack may be active in all of
	 * them): the same flow crossing three namespaces is three entries */
	if (bpf_core_field_exists(ct->ct_net.net))
		e->netns = BPF_CORE_READ(ct, ct_net.net, ns.inum);
	/* ct->timeout is an absolute jiffies value once confirmed */
	timeout = BPF_CORE_READ(ct, timeout);
	/* bpf_jiffies64 is 5.5+: before, the branch is dead (CO-RE enum check)
	 * and the timeout stays 0 */
	if (bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_jiffies64) &&
	    (e->status & 0x8 /* IPS_CONFIRMED */)) {
		__u64 hz = targ_hz ? targ_hz : 250;
		__s32 left;

		jiffies = bpf_jiffies64();
		left = (__s32)(timeout - (__u32)jiffies);
		e->timeout_s = left > 0 ? (__s64)((__u64)left / hz) : 0;
	}
	e->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	nt_event_submit(e);
	return 0;
}

static __always_inline struct nf_conn *skb_ct(const struct sk_buff *skb)
{
	return (struct nf_conn *)(BPF_CORE_READ(skb, _nfct) & ~7UL);
}

/* ---- stage "new": __nf_conntrack_confirm(skb) */
SEC("fentry/__nf_conntrack_confirm")
int BPF_PROG(nt_ct_confirm_fe, struct sk_buff *skb)
{
	return handle(skb_ct(skb), TCT_NEW);
}

SEC("kprobe/__nf_conntrack_confirm")
int BPF_KPROBE(nt_ct_confirm_kp, struct sk_buff *skb)
{
	return handle(skb_ct(skb), TCT_NEW);
}

/* ---- stage "update": __nf_ct_refresh_acct(ct, ctinfo, skb, extra_jiffies, ...) */
SEC("fentry/__nf_ct_refresh_acct")
int BPF_PROG(nt_ct_refresh_fe, struct nf_conn *ct)
{
	return handle(ct, TCT_UPDATE);
}

SEC("kprobe/__nf_ct_refresh_acct")
int BPF_KPROBE(nt_ct_refresh_kp, struct nf_conn *ct)
{
	return handle(ct, TCT_UPDATE);
}

/* ---- stage "destroy": the entry's last reference is dropped.
 * nf_ct_destroy (6.x) / destroy_conntrack (older) are only reached through
 * the nf_ct_hook/nf_ct_destroy pointer, so no caller can inline them or call
 * a clone: every path that frees an entry (timeout, GC, flush, kill) passes
 * here exactly once. nf_ct_delete is not such a point: 5.10 splits it into
 * nf_ct_delete + nf_ct_delete.part.0 and its callers in the module jump to the
 * clone. Unconfirmed entries (never in the table) are skipped in handle(). */
SEC("fentry/nf_ct_destroy")
int BPF_PROG(nt_ct_destroy_fe, struct nf_conntrack *nfct)
{
	return handle((struct nf_conn *)nfct, TCT_DESTROY);
}

SEC("kprobe/nf_ct_destroy")
int BPF_KPROBE(nt_ct_destroy_kp, struct nf_conntrack *nfct)
{
	return handle((struct nf_conn *)nfct, TCT_DESTROY);
}

/* fallback when neither free hook exists: removal from the table */
SEC("fentry/nf_ct_delete")
int BPF_PROG(nt_ct_delete_fe, struct nf_conn *ct)
{
	return handle(ct, TCT_DESTROY);
}

SEC("kprobe/nf_ct_delete")
int BPF_KPROBE(nt_ct_delete_kp, struct nf_conn *ct)
{
	return handle(ct, TCT_DESTROY);
}

/* ---- verdict counting -------------------------------------------------------- */

#define NF_DROP 0

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, TCT_VKEYS_MAX);
	__type(key, struct tct_vkey);
	__type(value, struct tct_vval);
} tct_verdicts SEC(".maps");

/* A kretprobe sees only the return value: its entry half stashes the skb (and
 * the netns) here. Keyed by task *and* CPU: softirq processing runs in
 * whatever task it interrupted, and the idle tasks of all CPUs share pid 0.
 * A softirq can interrupt a task inside nf_conntrack_in (LOCAL_OUT) on the
 * same CPU, so each key holds a small stack: entries and exits nest. */
#define TCT_STASH_DEPTH 4

struct tct_skey {
	__u64 pid_tgid;
	__u32 cpu;
	__u32 fn;                /* 0 nf_conntrack_in, 1 __nf_conntrack_confirm */
};

struct tct_sval {
	__u32 depth;
	__u32 netns[TCT_STASH_DEPTH];
	__u64 skb[TCT_STASH_DEPTH];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct tct_skey);
	__type(value, struct tct_sval);
} tct_stash SEC(".maps");

static __always_inline void stash_key(struct tct_skey *k, __u32 fn)
{
	k->pid_tgid = bpf_get_current_pid_tgid();
	k->cpu = bpf_get_smp_processor_id();
	k->fn = fn;
}

/* The mask must survive the compiler (it folds it into the bounds check it
 * knows about, the verifier does not): apply it after a barrier. */
static __always_inline __u32 stash_index(__u32 d)
{
	barrier_var(d);
	return d & (TCT_STASH_DEPTH - 1);
}

static __always_inline void stash_push(__u32 fn, const struct sk_buff *skb, __u32 netns)
{
	struct tct_skey k = {};
	struct tct_sval zero = {}, *v;
	__u32 d;

	stash_key(&k, fn);
	v = bpf_map_lookup_elem(&tct_stash, &k);
	if (!v) {
		if (bpf_map_update_elem(&tct_stash, &k, &zero, BPF_NOEXIST) &&
		    !bpf_map_lookup_elem(&tct_stash, &k)) {
			nt_count(NT_CNT_MAP_FULL);
			return;
		}
		v = bpf_map_lookup_elem(&tct_stash, &k);
		if (!v)
			return;
	}
	d = v->depth;
	if (d >= TCT_STASH_DEPTH) {     /* exits were missed: what is there is stale */
		nt_count(TCT_CNT_UNPAIRED);
		d = 0;
	}
	v->depth = d + 1;
	d = stash_index(d);
	v->skb[d] = (__u64)skb;
	v->netns[d] = netns;
}

static __always_inline const struct sk_buff *stash_pop(__u32 fn, __u32 *netns)
{
	struct tct_skey k = {};
	struct tct_sval *v;
	__u32 d;

	stash_key(&k, fn);
	v = bpf_map_lookup_elem(&tct_stash, &k);
	if (!v || !v->depth || v->depth > TCT_STASH_DEPTH) {
		nt_count(TCT_CNT_UNPAIRED);
		return NULL;
	}
	d = --v->depth;
	d = stash_index(d);
	*netns = v->netns[d];
	return (const struct sk_buff *)v->skb[d];
}

/* Count verdict @v for @skb in namespace @netns, if the packet passes the filter. */
static __always_inline void count_verdict(const struct sk_buff *skb, __u32 netns, __u32 v)
{
	struct tct_vkey k = {};
	struct tct_vval zero = {}, *val;
	struct nt_pkt p = {};

	if (nt_parse_skb(skb, &p) && targ_filter_on)
		return;
	if (targ_filter_on && !nt_filter_match(&targ_filter, &p))
		return;
	if (v < TCT_V_MAX)
		nt_count(TCT_CNT_VERDICT + v);  /* the total, before the table */
	k.netns = netns;
	k.family = p.family;
	k.proto = p.family ? p.l4_proto : 0;
	val = bpf_map_lookup_elem(&tct_verdicts, &k);
	if (!val) {
		if (bpf_map_update_elem(&tct_verdicts, &k, &zero, BPF_NOEXIST) &&
		    !bpf_map_lookup_elem(&tct_verdicts, &k)) {
			nt_count(NT_CNT_MAP_FULL);
			return;
		}
		val = bpf_map_lookup_elem(&tct_verdicts, &k);
		if (!val)
			return;
	}
	if (v < TCT_V_MAX)
		val->n[v]++;
}

/* nf_conntrack_in has returned @ret for @skb. NF_DROP: conntrack dropped it
 * (table full, protocol tracker said drop; the kernel counts it as invalid
 * too). NF_ACCEPT with skb->_nfct == 0: no entry was attached, the packet is
 * INVALID to every later ctstate match (an untracked skb keeps its
 * IP_CT_UNTRACKED value, and a loopback skb its entry). */
static __always_inline int ct_in_exit(const struct sk_buff *skb, __u32 netns, unsigned int ret)
{
	if (!skb)
		return 0;
	if (ret == NF_DROP)
		count_verdict(skb, netns, TCT_V_DROP);
	else if (!BPF_CORE_READ(skb, _nfct))
		count_verdict(skb, netns, TCT_V_INVALID);
	return 0;
}

static __always_inline __u32 state_netns(const struct nf_hook_state *state)
{
	return state ? BPF_CORE_READ(state, net, ns.inum) : 0;
}

static __always_inline __u32 skb_ct_netns(const struct sk_buff *skb)
{
	struct nf_conn *ct = skb_ct(skb);

	if (!ct || !bpf_core_field_exists(ct->ct_net.net))
		return 0;
	return BPF_CORE_READ(ct, ct_net.net, ns.inum);
}

/* ---- stage "verdict": nf_conntrack_in(skb, state) exit */
SEC("fexit/nf_conntrack_in")
int BPF_PROG(nt_ct_in_fx, struct sk_buff *skb, const struct nf_hook_state *state,
	     unsigned int ret)
{
	return ct_in_exit(skb, state_netns(state), ret);
}

SEC("kprobe/nf_conntrack_in")
int BPF_KPROBE(nt_ct_in_kp, struct sk_buff *skb, const struct nf_hook_state *state)
{
	stash_push(0, skb, state_netns(state));
	return 0;
}

SEC("kretprobe/nf_conntrack_in")
int BPF_KRETPROBE(nt_ct_in_krp, unsigned int ret)
{
	__u32 netns = 0;
	const struct sk_buff *skb = stash_pop(0, &netns);

	return ct_in_exit(skb, netns, ret);
}

/* ---- stage "confirm-drop": __nf_conntrack_confirm(skb) exit. NF_DROP means
 * the entry could not be inserted (a clash, or the entry died meanwhile); the
 * skb still holds it until the caller frees the packet. */
SEC("fexit/__nf_conntrack_confirm")
int BPF_PROG(nt_ct_confirm_fx, struct sk_buff *skb, int ret)
{
	if (ret == NF_DROP)
		count_verdict(skb, skb_ct_netns(skb), TCT_V_CONFIRM_DROP);
	return 0;
}

SEC("kprobe/__nf_conntrack_confirm")
int BPF_KPROBE(nt_ct_confirm_kp2, struct sk_buff *skb)
{
	stash_push(1, skb, skb_ct_netns(skb));
	return 0;
}

SEC("kretprobe/__nf_conntrack_confirm")
int BPF_KRETPROBE(nt_ct_confirm_krp, int ret)
{
	__u32 netns = 0;
	const struct sk_buff *skb = stash_pop(1, &netns);

	if (skb && ret == NF_DROP)
		count_verdict(skb, netns, TCT_V_CONFIRM_DROP);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
