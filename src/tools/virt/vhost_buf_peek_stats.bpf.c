// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * vhost_buf_peek_stats: what vhost-net's receive path finds when it looks for
 * the next packet of a tap.
 *
 * handle_rx asks vhost_net_buf_peek(nvq) for the length of the next packet:
 * the head of the queue's batch buffer, refilled from the tap's ptr_ring (up to
 * 64 at a time) when empty; 0 means nothing waits and the worker stops. Each
 * return is counted per (queue, value) in the kernel: its exit by fexit, else
 * a kretprobe whose entry half stashes the queue per thread (the vhost worker:
 * no nesting). Who the queue is comes from vhost_vq.bpf.h, once per queue.
 */
#include "vhost_vq.bpf.h"
#include "vhost_peek.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VP_MAX_QUEUES);
	__type(key, __u64);
	__type(value, struct vp_queue);
} queues SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VP_MAX_RETURNS);
	__type(key, struct vp_key);
	__type(value, __u64);
} returns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);     /* pid_tgid of the worker */
	__type(value, __u64);   /* the queue */
} stash SEC(".maps");

static __always_inline struct vp_queue *vp_queue(__u64 nvq)
{
	struct vp_queue *q = bpf_map_lookup_elem(&queues, &nvq), init = {};

	if (q)
		return q;
	vq_ident_read((const struct vhost_virtqueue___nt *)nvq, &init.id);
	bpf_map_update_elem(&queues, &nvq, &init, BPF_NOEXIST);  /* EEXIST: another CPU's */
	q = bpf_map_lookup_elem(&queues, &nvq);
	if (!q)
		nt_count(NT_CNT_MAP_FULL);
	return q;
}

static __always_inline int on_peek(__u64 nvq, int ret)
{
	struct vp_key k = { .nvq = nvq, .ret = ret };
	struct vp_queue *q;
	__u64 zero = 0, *n;

	if (!nvq)
		return 0;
	q = vp_queue(nvq);
	if (!q)
		return 0;
	__sync_fetch_and_add(&q->calls, 1);
	if (ret > 0)
		__sync_fetch_and_add(&q->bytes, ret);
	else
		__sync_fetch_and_add(&q->empty, 1);
	n = bpf_map_lookup_elem(&returns, &k);
	if (!n) {
		bpf_map_update_elem(&returns, &k, &zero, BPF_NOEXIST);  /* EEXIST: another CPU's */
		n = bpf_map_lookup_elem(&returns, &k);
	}
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		nt_count(NT_CNT_MAP_FULL);
	return 0;
}

SEC("fexit/vhost_net_buf_peek")
int BPF_PROG(nt_vp_peek_fx, void *nvq, int ret)
{ return on_peek((__u64)nvq, ret); }

SEC("kprobe/vhost_net_buf_peek")
int BPF_KPROBE(nt_vp_peek_kp, void *nvq)
{
	__u64 tid = bpf_get_current_pid_tgid(), q = (__u64)nvq;

	bpf_map_update_elem(&stash, &tid, &q, BPF_ANY);
	return 0;
}

SEC("kretprobe/vhost_net_buf_peek")
int BPF_KRETPROBE(nt_vp_peek_krp, int ret)
{
	__u64 tid = bpf_get_current_pid_tgid(), *q = bpf_map_lookup_elem(&stash, &tid), nvq;

	if (!q)
		return 0;
	nvq = *q;
	bpf_map_delete_elem(&stash, &tid);
	return on_peek(nvq, ret);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
