/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* vhost_eventfd_count: what the kernel half counts (shared with user space). */
#ifndef VHOST_EVENTFD_H
#define VHOST_EVENTFD_H

#include "vhost_vq.h"

#define VE_MAX_ROWS 1024        /* (virtqueue, call eventfd) rows; virtqueues kicked */

/* One virtqueue with the call eventfd vhost signals the guest through (a queue's
 * eventfd changes when qemu sets a new one: a new row). */
struct ve_key {
	__u64 vq;               /* struct vhost_virtqueue * */
	__u64 ctx;              /* struct eventfd_ctx *: vq->call_ctx */
};

struct ve_val {
	__u64 calls;            /* vhost_add_used_and_signal_n: completions that may signal */
	__u64 used;             /* buffers those completed */
	__u64 signals;          /* eventfd signals on ctx: the guest's interrupts */
	__u64 last_ns;
	__u32 ctx_id;           /* the eventfd's id (fdinfo "eventfd-id"); 0: unknown */
	__u32 pad;
	struct vq_ident id;     /* who the queue is, read when its row is made */
};

#endif
