/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* tun_ring_monitor: what the kernel half counts and reports (shared with user space). */
#ifndef TUN_RING_H
#define TUN_RING_H

#include "nt_types.h"

#define TR_MAX_ROWS  1024       /* (tap, queue) rows */
#define TR_MAX_QUEUES 256       /* MAX_TAP_QUEUES: tun_struct.tfiles[] */
#define TR_ANY_QUEUE 0xffffffffu

/* A tap's transmit queue = one tun_file and its ptr_ring (tx_ring), which the
 * reader (qemu, or vhost-net for the guest) drains. */
struct tr_key {
	struct nt_ifref dev;
	__u32 queue;            /* skb->queue_mapping: index into tun->tfiles[] */
};

/* The ring as one transmit found it (before its packet was produced). */
struct tr_ring {
	__u32 size;
	__u32 producer;
	__u32 consumer_head;
	__u32 consumer_tail;
	__u32 used;             /* entries waiting for the reader (size when full) */
	__u32 numqueues;        /* tun->numqueues */
	__u8  full;             /* queue[producer] != NULL: no room, the packet is dropped */
	__u8  pad[3];
};

struct tr_val {
	__u64 xmits;            /* packets handed to the tap's transmit */
	__u64 full;             /* ... that found the ring full */
	__u64 drops;            /* frees with SKB_DROP_REASON_FULL_RING (kernels that have it) */
	__u64 last_ns;          /* the last transmit */
	__u32 max_used;
	__u32 pad;
	struct tr_ring last;    /* at the last transmit */
};

struct tr_event {
	__u64 ts;
	struct tr_key k;
	struct tr_ring ring;
	struct nt_pkt pkt;
	__u32 pid;
	__u32 skb_len;
	char comm[16];
};

#endif
