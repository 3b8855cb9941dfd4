// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * virtnet_poll_monitor: NAPI polls of virtio-net queues (napi:napi_poll fires
 * after each poll with the packets it processed and its budget), and the
 * receive virtqueue callbacks (skb_recv_done: the device's receive interrupt
 * reaching the driver), counted per device, direction and queue.
 *
 * Which queue a poll belongs to: virtio-net embeds the napi_struct in its
 * struct receive_queue (poll function virtnet_poll) or struct send_queue
 * (virtnet_poll_tx); the queue's virtqueue index is 2 * queue (rx) or
 * 2 * queue + 1 (tx). The structs come by CO-RE from the driver's BTF
 * (vmlinux, or virtio_net's module BTF); where the kernel has none (5.10
 * modules) rows are per NAPI instance with the queue unknown.
 */
#include "nt_common.bpf.h"
#include "virtnet.h"

const volatile bool targ_by_poll = false;       /* direction by poll function, not structs */
const volatile __u64 targ_rx_poll = 0;          /* address of virtnet_poll */
const volatile __u64 targ_tx_poll = 0;          /* address of virtnet_poll_tx */
const volatile __u32 targ_nifs = 0;
const volatile struct nt_ifref targ_ifs[NT_MAX_IFACES] = {};
const volatile __s32 targ_queue = -1;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VN_MAX_ROWS);
	__type(key, struct vn_napi_key);
	__type(value, struct vn_napi_val);
} queues SEC(".maps");

static __always_inline struct vn_napi_val *row_of(const struct vn_napi_key *k)
{
	struct vn_napi_val *v = bpf_map_lookup_elem(&queues, k), init = {};

	if (v)
		return v;
	bpf_map_update_elem(&queues, k, &init, BPF_NOEXIST);   /* EEXIST: another CPU won */
	v = bpf_map_lookup_elem(&queues, k);
	if (!v)
		nt_count(NT_CNT_MAP_FULL);
	return v;
}

/* @dev is a watched virtio-net interface (its identity into @k) */
static __always_inline bool watched(struct vn_napi_key *k, const struct net_device *dev)
{
	nt_dev_ref(dev, &k->dev);
	return dev && nt_ifset_find(targ_ifs, targ_nifs, &k->dev) >= 0;
}

static __always_inline bool queue_wanted(const struct vn_napi_key *k)
{
	return targ_queue < 0 || k->queue == targ_queue;
}

/* netdev_priv(dev): the driver's struct behind the net_device, at its own
 * member (priv[], 6.12+) or after the struct aligned to NETDEV_ALIGN (32) */
static __always_inline __u64 vn_priv(__u64 dev)
{
	if (bpf_core_field_exists(struct net_device, priv))
		return dev + bpf_core_field_offset(struct net_device, priv);
	return dev + ((bpf_core_type_size(struct net_device) + 31) & ~31ull);
}

/* The queue whose napi_struct is @napi, when it lies in the array @base of @n
 * queues of @size bytes with the napi at @off; -1 when outside. */
static __always_inline int vn_index(__u64 napi, __u64 base, __u32 n, __u64 size, __u64 off)
{
	__u64 at = napi - off;

	if (!base || at < base || at >= base + (__u64)n * size || (at - base) % size)
		return -1;
	return (int)((at - base) / size);
}

/*
 * Which queue of @dev (a watched virtio-net interface) @napi polls: its
 * struct virtnet_info (netdev_priv) holds the receive and send queue arrays,
 * each queue with its napi_struct, so the address says both the direction
 * and the queue. The structs come by CO-RE from the driver's BTF (vmlinux,
 * or virtio_net's module BTF). Where the kernel has none (5.10 modules:
 * targ_by_poll) the poll function tells the direction (its address from
 * kallsyms: targ_*_poll) and rows are per NAPI instance with the queue
 * unknown. 0, or -1 for a NAPI that is none of the driver's queues.
 */
static __always_inline int queue_of(struct vn_napi_key *k, __u64 napi, __u64 poll, __u64 dev)
{
	k->queue = VN_QUEUE_UNKNOWN;
	k->napi = napi;
	if (!targ_by_poll && bpf_core_type_exists(struct virtnet_info) &&
	    bpf_core_type_exists(struct receive_queue) && bpf_core_type_exists(struct send_queue)) {
		const struct virtnet_info *vi = (const void *)vn_priv(dev);
		__u32 n = BPF_CORE_READ(vi, max_queue_pairs);
		int q = vn_index(napi, (__u64)BPF_CORE_READ(vi, rq), n,
				 bpf_core_type_size(struct receive_queue),
				 bpf_core_field_offset(struct receive_queue, napi));

		k->dir = VN_RX;
		if (q < 0) {
			q = vn_index(napi, (__u64)BPF_CORE_READ(vi, sq), n,
				     bpf_core_type_size(struct send_queue),
				     bpf_core_field_offset(struct send_queue, napi));
			k->dir = VN_TX;
		}
		if (q < 0)
			return -1;
		k->queue = q;
		k->napi = 0;
		return 0;
	}
	if (!poll || (poll != targ_rx_poll && poll != targ_tx_poll))
		return -1;
	k->dir = poll == targ_rx_poll ? VN_RX : VN_TX;
	return 0;
}

static __always_inline int on_poll(struct napi_struct *napi, int work, int budget)
{
	struct net_device *dev = BPF_CORE_READ(napi, dev);
	struct vn_napi_key k = {};
	struct vn_napi_val *v;

	if (!watched(&k, dev) ||
	    queue_of(&k, nt_untyped(napi), (__u64)BPF_CORE_READ(napi, poll), nt_untyped(dev)) ||
	    !queue_wanted(&k) || !(v = row_of(&k)))
		return 0;
	__sync_fetch_and_add(&v->polls, 1);
	__sync_fetch_and_add(&v->work, work);
	if (work >= budget)
		__sync_fetch_and_add(&v->full, 1);
	if (work == 0)
		__sync_fetch_and_add(&v->idle, 1);
	v->budget = budget;
	return 0;
}

SEC("tp_btf/napi_poll")
int BPF_PROG(nt_vnp_poll_btf, struct napi_struct *napi, int work, int budget)
{ return on_poll(napi, work, budget); }
SEC("raw_tp/napi_poll")
int BPF_PROG(nt_vnp_poll_raw, struct napi_struct *napi, int work, int budget)
{ return on_poll(napi, work, budget); }
SEC("tracepoint/napi/napi_poll")
int nt_vnp_poll_tp(struct trace_event_raw_napi_poll *ctx)
{ return on_poll(ctx->napi, ctx->work, ctx->budget); }

/* skb_recv_done(rvq): the receive virtqueue's callback, run from the device's interrupt */
static __always_inline int on_recv_done(struct virtqueue *vq)
{
	struct vn_napi_key k = { .dir = VN_RX };
	struct virtnet_info *vi;
	struct vn_napi_val *v;

	if (!bpf_core_type_exists(struct virtnet_info))
		return 0;
	vi = BPF_CORE_READ(vq, vdev, priv);
	k.queue = BPF_CORE_READ(vq, index) / 2;
	if (!vi || !watched(&k, BPF_CORE_READ(vi, dev)) || !queue_wanted(&k) || !(v = row_of(&k)))
		return 0;
	__sync_fetch_and_add(&v->recv_done, 1);
	return 0;
}

SEC("fentry/skb_recv_done")
int BPF_PROG(nt_vnp_done_fe, struct virtqueue *vq) { return on_recv_done(vq); }
SEC("kprobe/skb_recv_done")
int BPF_KPROBE(nt_vnp_done_kp, struct virtqueue *vq) { return on_recv_done(vq); }

char LICENSE[] SEC("license") = "Dual BSD/GPL";
