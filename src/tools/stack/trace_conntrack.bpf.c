// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * trace_conntrack: connections entering the conntrack table (confirm),
 * refreshed by packets (update) and removed (destroy), with both tuples,
 * zone, mark, status bits and the timeout left. Event types not asked for
 * are dropped here, before anything is copied (heavy TCP traffic would
 * otherwise flood user space with updates). Conntrack has no tracepoints:
 * every stage is a function probe (fentry, else kprobe).
 */
#include "nt_common.bpf.h"
#include "nt_events.bpf.h"
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
	jiffies = bpf_jiffies64();
	if (e->status & 0x8 /* IPS_CONFIRMED */) {
		__s32 left = (__s32)(timeout - (__u32)jiffies);
		__u64 hz = targ_hz ? targ_hz : 250;

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

char LICENSE[] SEC("license") = "Dual BSD/GPL";
