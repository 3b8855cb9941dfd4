// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * qdisc_drop_trace: packets a qdisc refused (queue full, over limit, flow
 * limits), with the device, the qdisc (kind, handle, queue length, limit,
 * its own drop counter) and the flow.
 *
 * Where the kernel has drop reasons (5.17+; QDISC_DROP since 5.19 / 6.0) the
 * drop floor's kfree_skb programs see every qdisc drop with a qdisc reason:
 * qdisc_drop() parks the skb on to_free and __dev_xmit_skb frees it with the
 * reason. Before reasons, the same tracepoint tells qdisc drops by the caller
 * (location inside the qdisc free sites, resolved from kallsyms). The qdisc is
 * the root qdisc of the skb's tx queue (dev->_tx[queue_mapping].qdisc).
 */
#include "nt_common.bpf.h"
#include "nt_events.bpf.h"
#include "nt_skb.bpf.h"
#include "nt_drop.bpf.h"
#include "qdisc_drop_trace.h"

const volatile __u32 targ_reasons[QDT_MAX_REASONS] = {};
const volatile __u32 targ_nreasons = 0;
const volatile __u64 targ_caller_lo[QDT_MAX_CALLERS] = {};
const volatile __u64 targ_caller_hi[QDT_MAX_CALLERS] = {};
const volatile __u32 targ_ncallers = 0;
const volatile bool targ_events = true;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, QDT_MAX_KEYS);
	__type(key, struct qdt_key);
	__type(value, struct qdt_val);
} counts SEC(".maps");

static __always_inline bool is_qdisc_drop(__u64 location, __u32 reason)
{
	if (reason != NT_DROP_NO_REASON) {
#pragma unroll
		for (int i = 0; i < QDT_MAX_REASONS; i++) {
			if (i >= targ_nreasons)
				break;
			if (reason == targ_reasons[i])
				return true;
		}
		return false;
	}
#pragma unroll
	for (int i = 0; i < QDT_MAX_CALLERS; i++) {
		if (i >= targ_ncallers)
			break;
		if (location >= targ_caller_lo[i] && location < targ_caller_hi[i])
			return true;
	}
	return false;
}

static __always_inline void *qdisc_priv_of(struct Qdisc *q)
{
	if (bpf_core_field_exists(q->privdata))
		return (void *)q + bpf_core_field_offset(q->privdata);
	return (void *)q + ((bpf_core_type_size(struct Qdisc) + 63) & ~63);
}

static __always_inline void read_qdisc(const struct net_device *dev, __u16 queue,
				       struct qdt_qdisc *out)
{
	struct netdev_queue *txq;
	struct Qdisc *q;

	if (queue >= BPF_CORE_READ(dev, num_tx_queues))
		queue = 0;
	txq = (void *)BPF_CORE_READ(dev, _tx) + queue * bpf_core_type_size(struct netdev_queue);
	q = BPF_CORE_READ(txq, qdisc);
	if (!q)
		return;
	bpf_probe_read_kernel_str(out->kind, sizeof(out->kind), BPF_CORE_READ(q, ops, id));
	out->handle = BPF_CORE_READ(q, handle);
	out->parent = BPF_CORE_READ(q, parent);
	out->qlen = BPF_CORE_READ(q, q.qlen);
	out->backlog = BPF_CORE_READ(q, qstats.backlog);
	out->qdisc_drops = BPF_CORE_READ(q, qstats.drops);
	out->limit = BPF_CORE_READ(q, limit);
	/* tbf keeps its byte limit in its private data, not in sch->limit */
	if (bpf_core_type_exists(struct tbf_sched_data) && out->kind[0] == 't' &&
	    out->kind[1] == 'b' && out->kind[2] == 'f' && out->kind[3] == 0) {
		struct tbf_sched_data *tbf = qdisc_priv_of(q);

		out->limit = BPF_CORE_READ(tbf, limit);
	}
}

static __always_inline int handle(void *ctx, const struct sk_buff *skb, __u64 location,
				  __u32 reason)
{
	struct net_device *dev;
	struct qdt_event *e;
	struct qdt_qdisc q = {};
	struct qdt_key k = {};
	struct qdt_val *v;
	struct nt_pkt p = {};
	__u16 queue;
	__u32 len;

	if (!skb || !is_qdisc_drop(location, reason))
		return 0;
	dev = BPF_CORE_READ(skb, dev);
	if (!dev)
		return 0;
	nt_dev_ref(dev, &k.dev);
	if (!nt_drop_if_match(&k.dev))
		return 0;
	nt_parse_skb(skb, &p);
	if (targ_filter_l3 && !nt_filter_match(&targ_filter, &p))
		return 0;

	queue = BPF_CORE_READ(skb, queue_mapping);
	len = BPF_CORE_READ(skb, len);
	nt_count(NT_DROP_CNT_SEEN);
	nt_count_add(QDT_CNT_BYTES, len);
	read_qdisc(dev, queue, &q);
	k.handle = q.handle;
	k.reason = reason;
	v = bpf_map_lookup_elem(&counts, &k);
	if (!v) {
		struct qdt_val init = { .limit = q.limit };

		__builtin_memcpy(init.kind, q.kind, sizeof(init.kind));
		bpf_map_update_elem(&counts, &k, &init, BPF_NOEXIST);  /* EEXIST: another CPU won */
		v = bpf_map_lookup_elem(&counts, &k);
		if (!v) {
			nt_count(NT_CNT_MAP_FULL);
			nt_count(QDT_CNT_UNATTR);
			nt_count_add(QDT_CNT_UNATTR_BYTES, len);
		}
	}
	if (v) {
		__sync_fetch_and_add(&v->drops, 1);
		__sync_fetch_and_add(&v->bytes, len);
	}
	if (!targ_events)
		return 0;
	e = nt_event_reserve(struct qdt_event);
	if (!e)
		return 0;
	e->ts = bpf_ktime_get_ns();
	e->location = location;
	e->pkt = p;
	e->dev = k.dev;
	e->q = q;
	e->reason = reason;
	e->len = len;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->cpu = bpf_get_smp_processor_id();
	e->queue = queue;
	bpf_probe_read_kernel_str(e->ifname, sizeof(e->ifname), dev->name);
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	nt_event_submit(e);
	return 0;
}

NT_DROP_PROGRAMS(handle)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
