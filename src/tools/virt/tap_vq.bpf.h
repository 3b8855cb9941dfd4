/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Which vhost virtqueues serve a watched tap queue (tun_ring.bpf.h's targ_devs and
 * targ_queue): a vhost-net virtqueue's backend is its tap queue's socket. Found once
 * per virtqueue and kept (LRU), not while the queue has no backend (qemu sets it
 * after the rings).
 */
#ifndef TAP_VQ_BPF_H
#define TAP_VQ_BPF_H

#include "vhost_vq.bpf.h"
#include "tun_ring.bpf.h"

struct tap_vq {
	struct tr_key q;        /* the tap and its queue */
	__s32 index;            /* in the vhost device: 0 rx, 1 tx */
	__u32 watched;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct tap_vq);
} tap_vqs SEC(".maps");

/* the tap queue @tfile is, in @q; is it watched? */
static __always_inline bool tap_tfile_watched(const struct tun_file *tfile, struct tr_key *q)
{
	struct net_device *dev = BPF_CORE_READ(tfile, tun, dev);

	if (!dev)
		return false;
	nt_dev_ref(dev, &q->dev);
	q->queue = BPF_CORE_READ(tfile, queue_index);
	return nt_ifset_find(targ_devs, targ_ndevs, &q->dev) >= 0 &&
	       (targ_queue == TR_ANY_QUEUE || q->queue == targ_queue);
}

/* @vq's tap queue and index if it serves a watched tap queue, else NULL */
static __always_inline const struct tap_vq *tap_vq_find(const struct vhost_virtqueue___nt *vq)
{
	__u64 key = (__u64)vq;
	struct tap_vq *c = bpf_map_lookup_elem(&tap_vqs, &key), init = {};
	struct vq_ident id = {};
	struct tun_file *tfile;

	if (c)
		return c->watched ? c : NULL;
	tfile = vq_tun_file(vq);
	if (!tfile)
		return NULL;
	vq_index(vq, &id);
	init.index = id.index;
	init.watched = tap_tfile_watched(tfile, &init.q);
	bpf_map_update_elem(&tap_vqs, &key, &init, BPF_ANY);
	c = bpf_map_lookup_elem(&tap_vqs, &key);
	return c && c->watched ? c : NULL;
}

#endif
