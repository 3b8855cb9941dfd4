// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tun_ring_monitor: the tap's transmit ring (host -> VM) at every transmit.
 *
 * tun_net_xmit(skb, dev) puts the packet into tun->tfiles[skb->queue_mapping]'s
 * ptr_ring (tx_ring), which the reader (qemu, or vhost-net's handle_rx) drains;
 * the ring is full when its slot at the producer index is still taken
 * (ptr_ring's __ptr_ring_full), and the packet is then dropped (reason
 * FULL_RING on kernels with drop reasons). The ring is read here just before
 * the packet is produced: at net:net_dev_start_xmit on the tap (the tracepoint
 * right before the driver's transmit), else at tun_net_xmit's entry. The tun
 * structures come by CO-RE from the kernel's or the tun module's BTF; the
 * driver's private area is dev->priv where the kernel has that member, else
 * right after struct net_device, aligned to 32 (NETDEV_ALIGN). The drop stage
 * counts the FULL_RING frees, the kernel's own verdict.
 */
#include "nt_common.bpf.h"
#include "nt_events.bpf.h"
#include "nt_skb.bpf.h"
#include "nt_drop.bpf.h"
#include "tun_ring.h"
#include "tun_ring.bpf.h"

const volatile bool targ_all = false;           /* an event per transmit, not only when full */
const volatile __u32 targ_full_ring = 0;        /* SKB_DROP_REASON_FULL_RING's value; 0: none */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, TR_MAX_ROWS);
	__type(key, struct tr_key);
	__type(value, struct tr_val);
} rings SEC(".maps");

static __always_inline struct tr_val *tr_row(const struct tr_key *k)
{
	struct tr_val *v = bpf_map_lookup_elem(&rings, k), init = {};

	if (v)
		return v;
	bpf_map_update_elem(&rings, k, &init, BPF_NOEXIST);     /* EEXIST: another CPU's */
	v = bpf_map_lookup_elem(&rings, k);
	if (!v)
		nt_count(NT_CNT_MAP_FULL);
	return v;
}

static __always_inline void tr_report(const struct sk_buff *skb, const struct tr_key *k,
				      const struct tr_ring *st)
{
	struct tr_event *e;
	struct nt_pkt p = {};

	nt_parse_skb(skb, &p);
	if (targ_filter_l3 && !nt_filter_match(&targ_filter, &p))
		return;
	e = nt_event_reserve(struct tr_event);
	if (!e)
		return;
	e->ts = bpf_ktime_get_ns();
	e->k = *k;
	e->ring = *st;
	e->pkt = p;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->skb_len = BPF_CORE_READ(skb, len);
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	nt_event_submit(e);
}

static __always_inline int on_xmit(const struct sk_buff *skb, const struct net_device *dev)
{
	struct tr_key k = {};
	struct tr_ring st = {};
	struct tr_val *v;

	if (!tr_watched(skb, dev, &k) || !tr_ring_read(skb, k.queue, &st))
		return 0;
	v = tr_row(&k);
	if (v) {
		__sync_fetch_and_add(&v->xmits, 1);
		if (st.full)
			__sync_fetch_and_add(&v->full, 1);
		if (st.used > v->max_used)
			v->max_used = st.used;
		v->last = st;
		v->last_ns = bpf_ktime_get_ns();
	}
	if (st.full || targ_all)
		tr_report(skb, &k, &st);
	return 0;
}

SEC("tp_btf/net_dev_start_xmit")
int BPF_PROG(nt_tr_xmit_btf, struct sk_buff *skb, struct net_device *dev)
{ return on_xmit(skb, dev); }
SEC("raw_tp/net_dev_start_xmit")
int BPF_PROG(nt_tr_xmit_raw, struct sk_buff *skb, struct net_device *dev)
{ return on_xmit(skb, dev); }
SEC("tracepoint/net/net_dev_start_xmit")
int nt_tr_xmit_tp(struct trace_event_raw_net_dev_start_xmit *ctx)
{
	const struct sk_buff *skb = (const void *)BPF_CORE_READ(ctx, skbaddr);

	return skb ? on_xmit(skb, BPF_CORE_READ(skb, dev)) : 0;
}
SEC("fentry/tun_net_xmit")
int BPF_PROG(nt_tr_xmit_fe, struct sk_buff *skb, struct net_device *dev)
{ return on_xmit(skb, dev); }
SEC("kprobe/tun_net_xmit")
int BPF_KPROBE(nt_tr_xmit_kp, struct sk_buff *skb, struct net_device *dev)
{ return on_xmit(skb, dev); }

/* The kernel's verdict: a free with reason FULL_RING on a watched queue. */
static __always_inline int on_drop(void *ctx, const struct sk_buff *skb, __u64 location,
				   __u32 reason)
{
	struct tr_key k = {};
	struct tr_val *v;

	if (!targ_full_ring || reason != targ_full_ring ||
	    !tr_watched(skb, skb ? BPF_CORE_READ(skb, dev) : NULL, &k))
		return 0;
	v = tr_row(&k);
	if (v)
		__sync_fetch_and_add(&v->drops, 1);
	return 0;
}

NT_DROP_PROGRAMS(on_drop)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
