// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * vhost_queue_correlation_*: one tap queue and the vhost virtqueues behind it,
 * event by event.
 *
 * The tap queue's socket is the virtqueues' backend (tap_vq.bpf.h finds them once,
 * by CO-RE, no offsets). At each completion (vhost_add_used_and_signal_n) the
 * virtqueue's state is read at entry: vhost's indexes, its used flags and last
 * signalled index, the features, and the guest's side of the rings (avail flags,
 * used_event), read from the owner's memory in the worker, which runs in it. The
 * entry is kept per thread; an eventfd_signal on the queue's call eventfd inside
 * the call marks it signalled; the exit reports it (fexit, else kretprobe). The
 * details tool adds the worker's handle_rx (the rx virtqueue then) and its reads
 * from the tap (tun_recvmsg: the tap queue's ring).
 */
#include "tap_vq.bpf.h"
#include "nt_events.bpf.h"
#include "vhost_corr.h"

struct vc_pending {
	struct vc_event e;
	__u64 ctx;              /* the virtqueue's call eventfd */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);     /* pid_tgid of the worker */
	__type(value, struct vc_pending);
} pending SEC(".maps");

static __always_inline void vc_vring_read(const struct vhost_virtqueue___nt *vq, struct vc_vring *v)
{
	void *avail = BPF_CORE_READ(vq, avail);

	v->acked_features = BPF_CORE_READ(vq, acked_features);
	v->num = BPF_CORE_READ(vq, num);
	v->avail_idx = BPF_CORE_READ(vq, avail_idx);
	v->last_avail_idx = BPF_CORE_READ(vq, last_avail_idx);
	v->last_used_idx = BPF_CORE_READ(vq, last_used_idx);
	v->used_flags = BPF_CORE_READ(vq, used_flags);
	v->signalled_used = BPF_CORE_READ(vq, signalled_used);
	v->signalled_used_valid = BPF_CORE_READ(vq, signalled_used_valid);
	/* struct vring_avail { flags, idx, ring[num], used_event } */
	v->guest_ok = avail && v->num < 32768 &&
		      !bpf_probe_read_user(&v->guest_avail_flags, 2, avail) &&
		      !bpf_probe_read_user(&v->guest_used_event, 2, avail + 4 + 2 * v->num);
}

static __always_inline void vc_head(struct vc_event *e, __u32 type, __u64 vq)
{
	e->ts = bpf_ktime_get_ns();
	e->type = type;
	e->vq = vq;
	e->pid = bpf_get_current_pid_tgid();
	bpf_get_current_comm(e->comm, sizeof(e->comm));
}

static __always_inline void vc_emit(const struct vc_event *src)
{
	struct vc_event *e = nt_event_reserve(struct vc_event);

	if (!e)
		return;
	__builtin_memcpy(e, src, sizeof(*e));
	nt_event_submit(e);
}

/* ---- used: vhost_add_used_and_signal_n(dev, vq, heads, count), entry and exit */
static __always_inline int on_used_entry(const struct vhost_virtqueue___nt *vq, __u32 count)
{
	const struct tap_vq *tv = tap_vq_find(vq);
	__u64 tid = bpf_get_current_pid_tgid();
	struct vc_pending p = {};

	if (!tv)
		return 0;
	vc_head(&p.e, VC_SIGNAL, (__u64)vq);
	p.e.index = tv->index;
	p.e.q = tv->q;
	p.e.count = count;
	vc_vring_read(vq, &p.e.vr);
	p.ctx = (__u64)vq_call_ctx(vq);
	bpf_map_update_elem(&pending, &tid, &p, BPF_ANY);
	return 0;
}

static __always_inline int on_used_exit(void)
{
	__u64 tid = bpf_get_current_pid_tgid();
	struct vc_pending *p = bpf_map_lookup_elem(&pending, &tid);

	if (!p)
		return 0;
	vc_emit(&p->e);
	bpf_map_delete_elem(&pending, &tid);
	return 0;
}

SEC("fentry/vhost_add_used_and_signal_n")
int BPF_PROG(nt_vc_used_fe, void *vdev, struct vhost_virtqueue___nt *vq, void *heads, unsigned int count)
{ return on_used_entry(vq, count); }
SEC("fexit/vhost_add_used_and_signal_n")
int BPF_PROG(nt_vc_used_fx)
{ return on_used_exit(); }
SEC("kprobe/vhost_add_used_and_signal_n")
int BPF_KPROBE(nt_vc_used_kp, void *vdev, struct vhost_virtqueue___nt *vq, void *heads, unsigned int count)
{ return on_used_entry(vq, count); }
SEC("kretprobe/vhost_add_used_and_signal_n")
int BPF_KRETPROBE(nt_vc_used_krp)
{ return on_used_exit(); }

/* ---- signal: the call eventfd of the virtqueue being completed on this thread */
static __always_inline int on_signal(__u64 ctx)
{
	__u64 tid = bpf_get_current_pid_tgid();
	struct vc_pending *p = bpf_map_lookup_elem(&pending, &tid);

	if (p && p->ctx == ctx)
		p->e.signalled = 1;
	return 0;
}

SEC("fentry/eventfd_signal")
int BPF_PROG(nt_vc_signal_fe, struct eventfd_ctx *efd)
{ return on_signal((__u64)efd); }
SEC("kprobe/eventfd_signal")
int BPF_KPROBE(nt_vc_signal_kp, struct eventfd_ctx *efd)
{ return on_signal((__u64)efd); }

/* ---- handle_rx (details): the rx virtqueue when the worker starts */
static __always_inline int on_handle_rx(__u64 net)
{
	const struct vhost_virtqueue___nt *vq;
	const struct tap_vq *tv;
	struct vc_event e = {};

	if (!net)
		return 0;
	vq = vhost_net_rx_vq(net);
	tv = tap_vq_find(vq);
	if (!tv)
		return 0;
	vc_head(&e, VC_HANDLE_RX, (__u64)vq);
	e.index = tv->index;
	e.q = tv->q;
	vc_vring_read(vq, &e.vr);
	vc_emit(&e);
	return 0;
}

SEC("fentry/handle_rx")
int BPF_PROG(nt_vc_handle_rx_fe, void *net)
{ return on_handle_rx(nt_untyped(net)); }
SEC("kprobe/handle_rx")
int BPF_KPROBE(nt_vc_handle_rx_kp, void *net)
{ return on_handle_rx((__u64)net); }

/* ---- recv (details): vhost reads from the tap queue; its ring then */
static __always_inline int on_recv(__u64 sock)
{
	const struct tun_file *tfile = (void *)(sock - bpf_core_field_offset(struct tun_file, socket));
	struct vc_event e = {};

	if (!sock || !tap_tfile_watched(tfile, &e.q) || !tr_tfile_ring(tfile, &e.ring))
		return 0;
	vc_head(&e, VC_RECV, 0);
	e.index = -1;
	vc_emit(&e);
	return 0;
}

SEC("fentry/tun_recvmsg")
int BPF_PROG(nt_vc_recv_fe, struct socket *sock)
{ return on_recv(nt_untyped(sock)); }
SEC("kprobe/tun_recvmsg")
int BPF_KPROBE(nt_vc_recv_kp, struct socket *sock)
{ return on_recv((__u64)sock); }

char LICENSE[] SEC("license") = "Dual BSD/GPL";
