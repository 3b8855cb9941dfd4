// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * trace_ip_defrag: IPv4 reassembly — fragments queued, datagrams
 * reassembled, queues expired, fragments dropped — each with the datagram
 * identity (saddr, daddr, IP id, protocol) and the fragment offset.
 *
 * Drops come from the drop floor: kfree_skb with the fragment reasons of this
 * kernel (FRAG_REASM_TIMEOUT, FRAG_TOO_FAR, DUP_FRAG), and frees of fragments
 * without a specific reason (kernels before reasons, and those whose enum has
 * no fragment reasons yet: 6.1 frees the timed-out head in ip_expire with
 * NOT_SPECIFIED) from the reassembly functions. Their address ranges come from
 * kallsyms, which user space reads once tracing has begun: until it has set
 * them (callers_known), every unspecific free of a fragment is sent with its
 * location and judged there; from then on, here. Queueing,
 * reassembly and expiry are function probes (ip_defrag,
 * inet_frag_reasm_finish, ip_expire): optional stages. Every event carries
 * the namespace whose queue it is (conntrack reassembles at every hop where
 * it is active).
 * Queued fragments share skb->dev with the rb-tree node, so drops of queued
 * fragments report no device.
 */
#include "nt_common.bpf.h"
#include "nt_events.bpf.h"
#include "nt_skb.bpf.h"
#include "nt_drop.bpf.h"
#include "trace_ip_defrag.h"

const volatile __u32 targ_saddr = 0;    /* network order, 0 = any */
const volatile __u32 targ_daddr = 0;
const volatile __u8 targ_proto = 0;
const volatile __u32 targ_reasons[TID_MAX_REASONS] = {};
const volatile __u32 targ_nreasons = 0;
/* written by user space after attach, callers_known last */
__u64 caller_lo[TID_MAX_CALLERS] = {};
__u64 caller_hi[TID_MAX_CALLERS] = {};
__u32 ncallers = 0;
volatile __u32 callers_known = 0;

static __always_inline bool match(__u32 saddr, __u32 daddr, __u8 proto)
{
	return (!targ_saddr || saddr == targ_saddr) && (!targ_daddr || daddr == targ_daddr) &&
	       (!targ_proto || proto == targ_proto);
}

static __always_inline void emit(struct tid_event *t)
{
	struct tid_event *e = nt_event_reserve(struct tid_event);

	if (!e)
		return;
	*e = *t;
	e->ts = bpf_ktime_get_ns();
	e->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	nt_event_submit(e);
}

/* Fill identity and fragment fields from the IPv4 header of @skb. */
static __always_inline int from_skb(const struct sk_buff *skb, struct tid_event *t)
{
	unsigned char *head = BPF_CORE_READ(skb, head);
	__u16 nh = BPF_CORE_READ(skb, network_header);
	struct nt_iphdr iph;
	__u16 fo;

	if (nh == NT_HDR_UNSET || bpf_probe_read_kernel(&iph, sizeof(iph), head + nh) ||
	    iph.version != 4)
		return -1;
	fo = bpf_ntohs(iph.frag_off);
	t->saddr = iph.saddr;
	t->daddr = iph.daddr;
	t->id = bpf_ntohs(iph.id);
	t->proto = iph.protocol;
	t->offset = (fo & 0x1fff) * 8;
	t->more = !!(fo & 0x2000);
	t->len = bpf_ntohs(iph.tot_len);
	return 0;
}

static __always_inline bool in_callers(__u64 location)
{
	__u32 n = ncallers;
	bool in = false;

#pragma unroll
	for (int i = 0; i < TID_MAX_CALLERS; i++)
		in |= i < n && location >= caller_lo[i] && location < caller_hi[i];
	return in;
}

/* A drop with one of this kernel's fragment reasons, or an unspecific free
 * from the reassembly code; @unspecific: not judged yet (callers unknown). */
static __always_inline bool is_frag_drop(__u64 location, __u32 reason, bool *unspecific)
{
	*unspecific = false;
	if (reason != NT_DROP_NO_REASON) {
#pragma unroll
		for (int i = 0; i < TID_MAX_REASONS; i++) {
			if (i >= targ_nreasons)
				break;
			if (reason == targ_reasons[i])
				return true;
		}
		if (!NT_DROP_HAS_REASON ||
		    reason != bpf_core_enum_value(enum skb_drop_reason,
						  SKB_DROP_REASON_NOT_SPECIFIED))
			return false;
	}
	if (callers_known)
		return in_callers(location);
	*unspecific = true;
	return true;
}

static __always_inline int handle_drop(void *ctx, const struct sk_buff *skb, __u64 location,
				       __u32 reason)
{
	struct tid_event t = {};
	struct net_device *dev;
	unsigned char *l3 = NULL;
	bool unspecific;

	if (!skb || !is_frag_drop(location, reason, &unspecific))
		return 0;
	/* also a locally built datagram (protocol still 0) queued at LOCAL_OUT by
	 * conntrack's defrag, as raw IP_HDRINCL sends are on 5.10 */
	if (nt_skb_ip_header(skb, &l3) != NT_ETH_P_IP || from_skb(skb, &t))
		return 0;
	if (unspecific && !t.offset && !t.more)
		return 0;       /* not a fragment: not the reassembly code's */
	if (!match(t.saddr, t.daddr, t.proto))
		return 0;
	t.type = TID_DROP;
	t.reason = reason;
	t.location = location;
	t.unspecific = unspecific;
	dev = BPF_CORE_READ(skb, dev);
	if (dev)
		t.netns = nt_dev_netns(dev);
	emit(&t);
	return 0;
}

NT_DROP_PROGRAMS(handle_drop)

static __always_inline __u32 net_inum(const struct net *net)
{
	return net ? BPF_CORE_READ(net, ns.inum) : 0;
}

/* The namespace of a reassembly queue (q->fqdir->net, 5.3+; 0 before). */
static __always_inline __u32 queue_netns(const struct inet_frag_queue *q)
{
	if (!bpf_core_field_exists(q->fqdir))
		return 0;
	return net_inum(BPF_CORE_READ(q, fqdir, net));
}

/* ---- stage "queue": ip_defrag(net, skb, user) */
static __always_inline int handle_queue(struct net *net, struct sk_buff *skb, __u32 user)
{
	struct tid_event t = {};
	struct net_device *dev;

	if (from_skb(skb, &t) || !match(t.saddr, t.daddr, t.proto))
		return 0;
	t.type = TID_QUEUE;
	t.user = user;
	t.netns = net_inum(net);    /* also for local output (conntrack), where dev is unset */
	dev = BPF_CORE_READ(skb, dev);
	if (dev) {
		nt_dev_ref(dev, &t.dev);
		bpf_probe_read_kernel_str(t.ifname, sizeof(t.ifname), dev->name);
	}
	emit(&t);
	return 0;
}

SEC("fentry/ip_defrag")
int BPF_PROG(nt_defrag_fe, struct net *net, struct sk_buff *skb, u32 user)
{
	return handle_queue(net, skb, user);
}

SEC("kprobe/ip_defrag")
int BPF_KPROBE(nt_defrag_kp, struct net *net, struct sk_buff *skb, u32 user)
{
	return handle_queue(net, skb, user);
}

/* ---- stage "reasm": inet_frag_reasm_finish(q, head, reasm_data, try_coalesce) */
static __always_inline int handle_reasm(struct inet_frag_queue *q, struct sk_buff *head)
{
	struct tid_event t = {};

	if (BPF_CORE_READ(head, protocol) != bpf_htons(NT_ETH_P_IP))
		return 0;       /* IPv6 reassembly shares this function */
	t.saddr = BPF_CORE_READ(q, key.v4.saddr);
	t.daddr = BPF_CORE_READ(q, key.v4.daddr);
	t.id = bpf_ntohs(BPF_CORE_READ(q, key.v4.id));
	t.proto = BPF_CORE_READ(q, key.v4.protocol);
	t.user = BPF_CORE_READ(q, key.v4.user);
	if (!match(t.saddr, t.daddr, t.proto))
		return 0;
	t.type = TID_REASM;
	t.len = BPF_CORE_READ(q, len);
	t.netns = queue_netns(q);
	emit(&t);
	return 0;
}

SEC("fentry/inet_frag_reasm_finish")
int BPF_PROG(nt_reasm_fe, struct inet_frag_queue *q, struct sk_buff *head)
{
	return handle_reasm(q, head);
}

SEC("kprobe/inet_frag_reasm_finish")
int BPF_KPROBE(nt_reasm_kp, struct inet_frag_queue *q, struct sk_buff *head)
{
	return handle_reasm(q, head);
}

/* ---- stage "expire": ip_expire(timer) — the timer is inside the queue */
static __always_inline int handle_expire(void *timer)
{
	struct inet_frag_queue *q = timer - bpf_core_field_offset(struct inet_frag_queue, timer);
	struct tid_event t = {};

	t.saddr = BPF_CORE_READ(q, key.v4.saddr);
	t.daddr = BPF_CORE_READ(q, key.v4.daddr);
	t.id = bpf_ntohs(BPF_CORE_READ(q, key.v4.id));
	t.proto = BPF_CORE_READ(q, key.v4.protocol);
	t.user = BPF_CORE_READ(q, key.v4.user);
	if (!match(t.saddr, t.daddr, t.proto))
		return 0;
	t.type = TID_EXPIRE;
	t.len = BPF_CORE_READ(q, meat);         /* bytes received before the timeout */
	t.netns = queue_netns(q);
	emit(&t);
	return 0;
}

SEC("fentry/ip_expire")
int BPF_PROG(nt_expire_fe, struct timer_list *timer)
{
	return handle_expire(timer);
}

SEC("kprobe/ip_expire")
int BPF_KPROBE(nt_expire_kp, struct timer_list *timer)
{
	return handle_expire(timer);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
