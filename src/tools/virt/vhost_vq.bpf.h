/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * vhost's structures for the vhost tools, by CO-RE from the vhost module's BTF
 * (local flavours: the build host's vmlinux.h need not have them), and who a
 * virtqueue is (vq_ident_read). call_ctx is a struct vhost_vring_call from 5.8
 * on, a bare eventfd_ctx pointer before. A vhost-net queue (struct
 * vhost_net_virtqueue) starts with its struct vhost_virtqueue: one pointer.
 */
#ifndef VHOST_VQ_BPF_H
#define VHOST_VQ_BPF_H

#include "nt_common.bpf.h"
#include "vhost_vq.h"

struct vhost_vring_call___nt {
	struct eventfd_ctx *ctx;
} __attribute__((preserve_access_index));

/* a virtqueue's kick poll: its wait entry sits on the kick eventfd's wait queue */
struct vhost_poll___nt {
	struct wait_queue_entry wait;
} __attribute__((preserve_access_index));

struct vhost_dev___nt;
struct vhost_virtqueue___nt {
	struct vhost_dev___nt *dev;
	struct vhost_vring_call___nt call_ctx;
	void *private_data;
	struct vhost_poll___nt poll;
	unsigned int num;
	void *avail;            /* the guest's avail ring (user memory of the owner) */
	__u16 avail_idx;        /* the guest's avail index, as vhost last read it */
	__u16 last_avail_idx;   /* the next buffer vhost takes */
	__u16 last_used_idx;    /* the next used entry vhost writes */
	__u16 used_flags;
	__u16 signalled_used;
	bool signalled_used_valid;
	__u64 acked_features;
} __attribute__((preserve_access_index));

struct vhost_virtqueue___old {
	struct eventfd_ctx *call_ctx;
} __attribute__((preserve_access_index));

struct vhost_dev___nt {
	struct vhost_virtqueue___nt **vqs;
	int nvqs;
} __attribute__((preserve_access_index));

/* vhost-net's device: its rx queue (a vhost_net_virtqueue, which starts with its
 * vhost_virtqueue) is vqs[0] */
struct vhost_net_virtqueue___nt {
	struct vhost_virtqueue___nt vq;
} __attribute__((preserve_access_index));

struct vhost_net___nt {
	struct vhost_net_virtqueue___nt vqs[2];
} __attribute__((preserve_access_index));

/* the rx virtqueue of vhost-net device @net (a plain number: nt_untyped) */
static __always_inline const struct vhost_virtqueue___nt *vhost_net_rx_vq(__u64 net)
{
	return net ? (void *)(net + bpf_core_field_offset(struct vhost_net___nt, vqs)) : NULL;
}

static __always_inline struct eventfd_ctx *vq_call_ctx(const struct vhost_virtqueue___nt *vq)
{
	if (bpf_core_type_exists(struct vhost_vring_call___nt))
		return BPF_CORE_READ(vq, call_ctx.ctx);
	return BPF_CORE_READ((const struct vhost_virtqueue___old *)vq, call_ctx);
}

/* the queue's position in its device's vqs[] (vhost-net: 0 rx, 1 tx) */
static __always_inline void vq_index(const struct vhost_virtqueue___nt *vq, struct vq_ident *id)
{
	struct vhost_dev___nt *dev = BPF_CORE_READ(vq, dev);
	struct vhost_virtqueue___nt **vqs = BPF_CORE_READ(dev, vqs), *p = NULL;

	id->index = -1;
	id->nvqs = BPF_CORE_READ(dev, nvqs);
#pragma unroll
	for (int i = 0; i < VQ_MAX_SEARCH; i++) {
		if (i >= id->nvqs || !vqs)
			break;
		bpf_probe_read_kernel(&p, sizeof(p), vqs + i);
		if (p == vq) {
			id->index = i;
			break;
		}
	}
}

/* The tap queue behind a vhost-net queue, or NULL: private_data is the backend's
 * socket (NULL while qemu has set none); a tap's is embedded in its tun_file (the
 * queue), and its protocol is tun's ("tun"). */
static __always_inline struct tun_file *vq_tun_file(const struct vhost_virtqueue___nt *vq)
{
	struct socket *sock = BPF_CORE_READ(vq, private_data);
	struct proto *prot;
	char proto[4] = {};

	if (!sock)
		return NULL;
	prot = BPF_CORE_READ(sock, sk, __sk_common.skc_prot);
	if (!prot || bpf_core_read(proto, sizeof(proto), &prot->name))
		return NULL;
	if (proto[0] != 't' || proto[1] != 'u' || proto[2] != 'n' || proto[3])
		return NULL;
	return (void *)sock - bpf_core_field_offset(struct tun_file, socket);
}

static __always_inline void vq_tap(const struct vhost_virtqueue___nt *vq, struct vq_ident *id)
{
	struct tun_file *tfile = vq_tun_file(vq);
	struct tun_struct *tun = tfile ? BPF_CORE_READ(tfile, tun) : NULL;

	id->tap_queue = -1;
	if (!tun)
		return;
	id->tap_queue = BPF_CORE_READ(tfile, queue_index);
	BPF_CORE_READ_STR_INTO(&id->tap, tun, dev, name);
}

/* who @vq is, read in the worker that runs its work */
static __always_inline void vq_ident_read(const struct vhost_virtqueue___nt *vq, struct vq_ident *id)
{
	vq_index(vq, id);
	vq_tap(vq, id);
	id->tgid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(id->comm, sizeof(id->comm));
}

#endif
