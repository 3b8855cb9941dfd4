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
 * behind it, the worker) is read once, when its row is made. vhost's structures
 * come by CO-RE from the vhost module's BTF (flavours below: the host's own
 * vmlinux.h need not have them); call_ctx is a struct vhost_vring_call from 5.8
 * on, a bare eventfd_ctx pointer before.
 */
#include "nt_common.bpf.h"
#include "vhost_eventfd.h"

struct vhost_vring_call___nt {
	struct eventfd_ctx *ctx;
} __attribute__((preserve_access_index));

struct vhost_dev___nt;
struct vhost_virtqueue___nt {
	struct vhost_dev___nt *dev;
	struct vhost_vring_call___nt call_ctx;
	void *private_data;
} __attribute__((preserve_access_index));

struct vhost_virtqueue___old {
	struct eventfd_ctx *call_ctx;
} __attribute__((preserve_access_index));

struct vhost_dev___nt {
	struct vhost_virtqueue___nt **vqs;
	int nvqs;
} __attribute__((preserve_access_index));

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

static __always_inline struct eventfd_ctx *ve_call_ctx(const struct vhost_virtqueue___nt *vq)
{
	if (bpf_core_type_exists(struct vhost_vring_call___nt))
		return BPF_CORE_READ(vq, call_ctx.ctx);
	return BPF_CORE_READ((const struct vhost_virtqueue___old *)vq, call_ctx);
}

/* the queue's position in its device's vqs[] (vhost-net: 0 rx, 1 tx) */
static __always_inline void ve_index(const struct vhost_virtqueue___nt *vq, struct ve_val *v)
{
	struct vhost_dev___nt *dev = BPF_CORE_READ(vq, dev);
	struct vhost_virtqueue___nt **vqs = BPF_CORE_READ(dev, vqs), *p = NULL;

	v->index = -1;
	v->nvqs = BPF_CORE_READ(dev, nvqs);
#pragma unroll
	for (int i = 0; i < VE_MAX_VQS; i++) {
		if (i >= v->nvqs || !vqs)
			break;
		bpf_probe_read_kernel(&p, sizeof(p), vqs + i);
		if (p == vq) {
			v->index = i;
			break;
		}
	}
}

/* The tap behind a vhost-net queue: private_data is the backend's socket; a tap's is
 * embedded in its tun_file (the queue), and its protocol is tun's ("tun"). */
static __always_inline void ve_tap(const struct vhost_virtqueue___nt *vq, struct ve_val *v)
{
	struct socket *sock = BPF_CORE_READ(vq, private_data);
	struct tun_file *tfile;
	struct tun_struct *tun;
	struct proto *prot;
	char proto[4] = {};

	v->tap_queue = -1;
	if (!sock)
		return;
	prot = BPF_CORE_READ(sock, sk, __sk_common.skc_prot);
	if (!prot || bpf_core_read(proto, sizeof(proto), &prot->name))
		return;
	if (proto[0] != 't' || proto[1] != 'u' || proto[2] != 'n' || proto[3])
		return;
	tfile = (void *)sock - bpf_core_field_offset(struct tun_file, socket);
	tun = BPF_CORE_READ(tfile, tun);
	if (!tun)
		return;
	v->tap_queue = BPF_CORE_READ(tfile, queue_index);
	BPF_CORE_READ_STR_INTO(&v->tap, tun, dev, name);
}

static __always_inline struct ve_val *ve_row(const struct ve_key *k,
					     const struct vhost_virtqueue___nt *vq)
{
	struct ve_val *v = bpf_map_lookup_elem(&queues, k), init = {};
	struct eventfd_ctx *efd = (void *)k->ctx;

	if (v)
		return v;
	ve_index(vq, &init);
	ve_tap(vq, &init);
	if (efd)
		init.ctx_id = BPF_CORE_READ(efd, id);
	init.tgid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(init.comm, sizeof(init.comm));
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
	k.ctx = (__u64)ve_call_ctx(vq);
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
