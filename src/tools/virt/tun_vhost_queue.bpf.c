// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tun_to_vhost_queue_*: the queues between a tap and the vhost-net worker that
 * feeds a VM, as distributions per tap queue.
 *
 * Host -> VM, a packet goes into the tap queue's ptr_ring (tun_net_xmit; its
 * depth then: tun_ring.bpf.h), vhost's handle_rx takes it (tun_recvmsg; the
 * depth left) into a buffer the guest posted on the rx virtqueue, and completes
 * the buffers with vhost_add_used_and_signal_n, signalling the guest. At
 * handle_rx and at the signal the virtqueue's indexes say how many buffers the
 * guest has posted that vhost has not taken (avail_idx - last_avail_idx: the
 * guest's room; 0 = vhost waits for the guest) and how many are taken but not yet
 * completed (last_avail_idx - last_used_idx). Each is a log2 distribution per
 * (tap, queue), per CPU, no events. A virtqueue's tap queue is found once
 * (tap_vq.bpf.h); only rx virtqueues (index 0) of watched taps count.
 */
#include "tap_vq.bpf.h"
#include "nt_hist.bpf.h"
#include "tun_vhost.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, TQ_MAX_ROWS);
	__type(key, struct tq_key);
	__type(value, struct nt_lat);
} dists SEC(".maps");

/* a zeroed accumulator to make new rows from (never written) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nt_lat);
} zero_lat SEC(".maps");

static __always_inline void tq_add(const struct tr_key *q, __u32 measure, __u64 v)
{
	struct tq_key k = { .q = *q, .measure = measure };
	struct nt_lat *l = bpf_map_lookup_elem(&dists, &k);
	__u32 zero = 0;

	if (!l) {
		l = bpf_map_lookup_elem(&zero_lat, &zero);
		if (l)
			bpf_map_update_elem(&dists, &k, l, BPF_NOEXIST);
		l = bpf_map_lookup_elem(&dists, &k);
		if (!l) {
			nt_count(NT_CNT_MAP_FULL);
			return;
		}
	}
	nt_lat_add(l, v);
}

static __always_inline void tq_vring(const struct vhost_virtqueue___nt *vq, __u32 avail_m,
				     __u32 taken_m)
{
	const struct tap_vq *tv = tap_vq_find(vq);
	const struct tr_key *q = tv && tv->index == 0 ? &tv->q : NULL;  /* rx only */
	__u16 avail, last_avail, last_used;

	if (!q)
		return;
	avail = BPF_CORE_READ(vq, avail_idx);
	last_avail = BPF_CORE_READ(vq, last_avail_idx);
	last_used = BPF_CORE_READ(vq, last_used_idx);
	tq_add(q, avail_m, (__u16)(avail - last_avail));
	tq_add(q, taken_m, (__u16)(last_avail - last_used));
}

/* ---- xmit: the tap's ring at each transmit (as tun_ring_monitor reads it) */
static __always_inline int on_xmit(const struct sk_buff *skb, const struct net_device *dev)
{
	struct tr_key q = {};
	struct tr_ring st = {};

	if (tr_watched(skb, dev, &q) && tr_ring_read(skb, q.queue, &st))
		tq_add(&q, TQ_XMIT_DEPTH, st.used);
	return 0;
}

SEC("tp_btf/net_dev_start_xmit")
int BPF_PROG(nt_tq_xmit_btf, struct sk_buff *skb, struct net_device *dev)
{ return on_xmit(skb, dev); }
SEC("raw_tp/net_dev_start_xmit")
int BPF_PROG(nt_tq_xmit_raw, struct sk_buff *skb, struct net_device *dev)
{ return on_xmit(skb, dev); }
SEC("tracepoint/net/net_dev_start_xmit")
int nt_tq_xmit_tp(struct trace_event_raw_net_dev_start_xmit *ctx)
{
	const struct sk_buff *skb = (const void *)BPF_CORE_READ(ctx, skbaddr);

	return skb ? on_xmit(skb, BPF_CORE_READ(skb, dev)) : 0;
}
SEC("fentry/tun_net_xmit")
int BPF_PROG(nt_tq_xmit_fe, struct sk_buff *skb, struct net_device *dev)
{ return on_xmit(skb, dev); }
SEC("kprobe/tun_net_xmit")
int BPF_KPROBE(nt_tq_xmit_kp, struct sk_buff *skb, struct net_device *dev)
{ return on_xmit(skb, dev); }

/* ---- signal: vhost completes buffers and signals the guest */
SEC("fentry/vhost_add_used_and_signal_n")
int BPF_PROG(nt_tq_signal_fe, void *vdev, struct vhost_virtqueue___nt *vq)
{ tq_vring(vq, TQ_SIGNAL_AVAIL, TQ_SIGNAL_TAKEN); return 0; }
SEC("kprobe/vhost_add_used_and_signal_n")
int BPF_KPROBE(nt_tq_signal_kp, void *vdev, struct vhost_virtqueue___nt *vq)
{ tq_vring(vq, TQ_SIGNAL_AVAIL, TQ_SIGNAL_TAKEN); return 0; }

/* ---- recv: vhost reads a packet from the tap (tun_recvmsg on the queue's socket) */
static __always_inline int on_recv(__u64 sock)
{
	const struct tun_file *tfile = (void *)(sock - bpf_core_field_offset(struct tun_file, socket));
	struct tr_key q = {};
	struct tr_ring st = {};

	if (sock && tap_tfile_watched(tfile, &q) && tr_tfile_ring(tfile, &st))
		tq_add(&q, TQ_RECV_DEPTH, st.used);
	return 0;
}

SEC("fentry/tun_recvmsg")
int BPF_PROG(nt_tq_recv_fe, struct socket *sock)
{ return on_recv(nt_untyped(sock)); }
SEC("kprobe/tun_recvmsg")
int BPF_KPROBE(nt_tq_recv_kp, struct socket *sock)
{ return on_recv((__u64)sock); }

/* ---- handle_rx: the worker starts moving the tap's packets into the rx queue */
static __always_inline int on_handle_rx(__u64 net)
{
	if (net)
		tq_vring(vhost_net_rx_vq(net), TQ_HANDLE_AVAIL, TQ_HANDLE_TAKEN);
	return 0;
}

SEC("fentry/handle_rx")
int BPF_PROG(nt_tq_handle_rx_fe, void *net)
{ return on_handle_rx(nt_untyped(net)); }
SEC("kprobe/handle_rx")
int BPF_KPROBE(nt_tq_handle_rx_kp, void *net)
{ return on_handle_rx((__u64)net); }

char LICENSE[] SEC("license") = "Dual BSD/GPL";
