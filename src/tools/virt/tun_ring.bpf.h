/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A tap's transmit rings, for the tun tools' kernel halves: the watched taps and
 * queue (rodata the tool fills), and each queue's ptr_ring (tun_file.tx_ring) as a
 * transmit finds it. The tun structures come by CO-RE from the kernel's or the tun
 * module's BTF; the driver's private area is dev->priv where the kernel has that
 * member, else right after struct net_device, aligned to 32 (NETDEV_ALIGN).
 */
#ifndef TUN_RING_BPF_H
#define TUN_RING_BPF_H

#include "nt_common.bpf.h"
#include "tun_ring.h"

const volatile struct nt_ifref targ_devs[NT_MAX_IFACES] = {};
const volatile __u32 targ_ndevs = 0;
const volatile __u32 targ_queue = TR_ANY_QUEUE;

/* A watched tap's queue of @skb on @dev, in @k; false for anything else. */
static __always_inline bool tr_watched(const struct sk_buff *skb, const struct net_device *dev,
				       struct tr_key *k)
{
	if (!skb || !dev)
		return false;
	nt_dev_ref(dev, &k->dev);
	if (nt_ifset_find(targ_devs, targ_ndevs, &k->dev) < 0)
		return false;
	k->queue = BPF_CORE_READ(skb, queue_mapping);
	return targ_queue == TR_ANY_QUEUE || k->queue == targ_queue;
}

static __always_inline void *tr_netdev_priv(const struct net_device *dev)
{
	if (bpf_core_field_exists(dev->priv))
		return (void *)dev + bpf_core_field_offset(struct net_device, priv);
	return (void *)dev + ((bpf_core_type_size(struct net_device) + 31) & ~31);
}

/* The ring of the tap queue @tfile (its tx_ring, the packets waiting for the reader). */
static __always_inline bool tr_tfile_ring(const struct tun_file *tfile, struct tr_ring *st)
{
	struct ptr_ring *ring;
	void **slots, *slot = NULL;
	int producer, head, size;

	ring = (void *)tfile + bpf_core_field_offset(struct tun_file, tx_ring);
	producer = BPF_CORE_READ(ring, producer);
	head = BPF_CORE_READ(ring, consumer_head);
	size = BPF_CORE_READ(ring, size);
	slots = BPF_CORE_READ(ring, queue);
	if (size <= 0 || producer < 0 || producer >= size || !slots)
		return false;
	bpf_probe_read_kernel(&slot, sizeof(slot), slots + producer);
	st->size = size;
	st->producer = producer;
	st->consumer_head = head;
	st->consumer_tail = BPF_CORE_READ(ring, consumer_tail);
	st->full = slot != NULL;
	st->used = st->full ? size : (__u32)(producer - head + size) % size;
	return true;
}

/* The ring of queue @q of @skb's tap now; false when the queue has no tun_file. The
 * device pointer is read from the skb, not taken from a tp_btf/fentry argument: the
 * verifier (5.10) forbids arithmetic on typed pointers, and the private area is some. */
static __always_inline bool tr_ring_read(const struct sk_buff *skb, __u32 q, struct tr_ring *st)
{
	struct tun_struct *tun = tr_netdev_priv(BPF_CORE_READ(skb, dev));
	struct tun_file *tfile = NULL;

	if (q >= TR_MAX_QUEUES)
		return false;
	st->numqueues = BPF_CORE_READ(tun, numqueues);
	bpf_probe_read_kernel(&tfile, sizeof(tfile),
			      (void *)tun + bpf_core_field_offset(struct tun_struct, tfiles) +
				      q * sizeof(void *));
	if (!tfile)
		return false;
	return tr_tfile_ring(tfile, st);
}

#endif
