// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * vhost_eventfd_count: how often vhost signals each virtqueue's guest.
 *
 * vhost (the vhost-net worker for a VM's virtio-net NIC) completes buffers with
 * vhost_add_used_and_signal_n(dev, vq, heads, count), which signals the queue's
 * call eventfd (vq->call_ctx) unless the guest asked for no interrupt; KVM's
 * irqfd turns that signal into the guest's interrupt. The completion is counted
 * per (vq, call eventfd), and the eventfd learnt; each eventfd_signal on a learnt
 * eventfd is then one signal of that queue (signals <= calls: the rest were
 * suppressed by the guest). Who the queue is (its index in the device, the tap
 * behind it, the worker: vhost_vq.bpf.h) is read once, when its row is made.
 * The other way, the guest kicks a queue by writing its kick eventfd, whose wait
 * queue holds the queue's vhost_poll: each vhost_poll_wakeup whose entry is a
 * virtqueue's (its index in its device found) is a kick of that queue; the
 * socket polls of vhost-net wake the same function and are told apart so.
 */
#include "vhost_vq.bpf.h"
#include "vhost_eventfd.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VE_MAX_ROWS);
	__type(key, struct ve_key);
	__type(value, struct ve_val);
} queues SEC(".maps");

/* call eventfd -> its virtqueue, learnt at the completions */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, VE_MAX_ROWS);
	__type(key, __u64);
	__type(value, __u64);
} call_vq SEC(".maps");

/* virtqueue -> kicks; and wait entries seen, whether a virtqueue's (1) or not (0) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VE_MAX_ROWS);
	__type(key, __u64);
	__type(value, __u64);
} kicks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, VE_MAX_ROWS);
	__type(key, __u64);
	__type(value, __u8);
} waits SEC(".maps");

static __always_inline struct ve_val *ve_row(const struct ve_key *k,
					     const struct vhost_virtqueue___nt *vq)
{
	struct ve_val *v = bpf_map_lookup_elem(&queues, k), init = {};
	struct eventfd_ctx *efd = (void *)k->ctx;

	if (v)
		return v;
	vq_ident_read(vq, &init.id);
	if (efd)
		init.ctx_id = BPF_CORE_READ(efd, id);
	bpf_map_update_elem(&queues, k, &init, BPF_NOEXIST);    /* EEXIST: another CPU's */
	v = bpf_map_lookup_elem(&queues, k);
	if (!v)
		nt_count(NT_CNT_MAP_FULL);
	return v;
}

static __always_inline int on_used(const struct vhost_virtqueue___nt *vq, __u32 count)
{
	struct ve_key k = { .vq = (__u64)vq };
	struct ve_val *v;

	if (!vq)
		return 0;
	k.ctx = (__u64)vq_call_ctx(vq);
	v = ve_row(&k, vq);
	if (!v)
		return 0;
	__sync_fetch_and_add(&v->calls, 1);
	__sync_fetch_and_add(&v->used, count);
	v->last_ns = bpf_ktime_get_ns();
	if (k.ctx && !bpf_map_lookup_elem(&call_vq, &k.ctx))
		bpf_map_update_elem(&call_vq, &k.ctx, &k.vq, BPF_ANY);
	return 0;
}

static __always_inline int on_signal(const struct eventfd_ctx *ctx)
{
	struct ve_key k = { .ctx = (__u64)ctx };
	struct ve_val *v;
	__u64 *vq = bpf_map_lookup_elem(&call_vq, &k.ctx);

	if (!vq)
		return 0;
	k.vq = *vq;
	v = bpf_map_lookup_elem(&queues, &k);
	if (v)
		__sync_fetch_and_add(&v->signals, 1);
	return 0;
}

/* vhost_poll_wakeup(wait, mode, sync, key): a kick when @wait is a virtqueue's poll */
static __always_inline int on_wakeup(__u64 wait)
{
	__u64 vq = wait - bpf_core_field_offset(struct vhost_poll___nt, wait) -
		   bpf_core_field_offset(struct vhost_virtqueue___nt, poll);
	__u8 *is_vq = bpf_map_lookup_elem(&waits, &wait), yes;
	__u64 one = 1, *n;

	if (!wait)
		return 0;
	if (!is_vq) {
		struct vq_ident id = {};

		vq_index((const struct vhost_virtqueue___nt *)vq, &id);
		yes = id.index >= 0;
		bpf_map_update_elem(&waits, &wait, &yes, BPF_ANY);
		is_vq = &yes;
	}
	if (!*is_vq)
		return 0;
	n = bpf_map_lookup_elem(&kicks, &vq);
	if (!n) {
		if (!bpf_map_update_elem(&kicks, &vq, &one, BPF_NOEXIST))
			return 0;
		n = bpf_map_lookup_elem(&kicks, &vq);   /* EEXIST: another CPU's */
	}
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		nt_count(NT_CNT_MAP_FULL);
	return 0;
}

SEC("fentry/vhost_poll_wakeup")
int BPF_PROG(nt_ve_kick_fe, void *wait)
{ return on_wakeup(nt_untyped(wait)); }
SEC("kprobe/vhost_poll_wakeup")
int BPF_KPROBE(nt_ve_kick_kp, void *wait)
{ return on_wakeup((__u64)wait); }

SEC("fentry/vhost_add_used_and_signal_n")
int BPF_PROG(nt_ve_used_fe, void *dev, struct vhost_virtqueue___nt *vq, void *heads, unsigned int count)
{ return on_used(vq, count); }
SEC("kprobe/vhost_add_used_and_signal_n")
int BPF_KPROBE(nt_ve_used_kp, void *dev, struct vhost_virtqueue___nt *vq, void *heads, unsigned int count)
{ return on_used(vq, count); }

/* eventfd_signal(ctx, n) up to 6.7, eventfd_signal_mask(ctx, mask) after: ctx first */
SEC("fentry/eventfd_signal")
int BPF_PROG(nt_ve_signal_fe, struct eventfd_ctx *efd)
{ return on_signal(efd); }
SEC("kprobe/eventfd_signal")
int BPF_KPROBE(nt_ve_signal_kp, struct eventfd_ctx *efd)
{ return on_signal(efd); }

char LICENSE[] SEC("license") = "Dual BSD/GPL";
