/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* vhost_eventfd_count: what the kernel half counts (shared with user space). */
#ifndef VHOST_EVENTFD_H
#define VHOST_EVENTFD_H

#include "nt_types.h"

#define VE_MAX_ROWS 1024        /* (virtqueue, call eventfd) rows */
#define VE_MAX_VQS  8           /* virtqueues searched for a queue's index in its device */

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
	/* who the queue is, read when its row is made */
	__s32 index;            /* in its vhost device's vqs[] (vhost-net: 0 rx, 1 tx); -1 */
	__u32 nvqs;
	__u32 ctx_id;           /* the eventfd's id (fdinfo "eventfd-id"); 0: unknown */
	__u32 tgid;             /* the completing thread's process (vhost worker) */
	__s32 tap_queue;        /* the backend tap's queue (tun_file.queue_index); -1: no tap */
	__u32 pad;
	char tap[16];           /* the backend tap's name ("" when not a tap) */
	char comm[16];          /* the completing thread ("vhost-<qemu pid>") */
};

#endif
