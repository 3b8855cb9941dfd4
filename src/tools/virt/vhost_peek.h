/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* vhost_buf_peek_stats: what the kernel half counts (shared with user space). */
#ifndef VHOST_PEEK_H
#define VHOST_PEEK_H

#include "vhost_vq.h"

#define VP_MAX_QUEUES 1024      /* receive virtqueues */
#define VP_MAX_RETURNS 4096     /* (queue, return value) rows */

/* One return value of vhost_net_buf_peek on one receive queue. */
struct vp_key {
	__u64 nvq;              /* struct vhost_net_virtqueue * (== its vhost_virtqueue) */
	__s64 ret;              /* the head packet's length; 0: nothing to receive */
};

struct vp_queue {
	__u64 calls;
	__u64 empty;            /* returned 0 */
	__u64 bytes;            /* sum of the lengths returned */
	struct vq_ident id;     /* who the queue is, read when its row is made */
};

#endif
