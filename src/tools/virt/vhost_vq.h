/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Who a vhost virtqueue is, as the vhost tools' kernel halves read it once per queue
 * (vhost_vq.bpf.h) and their user halves print it (vhost_common.h). */
#ifndef VHOST_VQ_H
#define VHOST_VQ_H

#include "nt_types.h"

#define VQ_MAX_SEARCH 8         /* virtqueues searched for a queue's index in its device */

struct vq_ident {
	__s32 index;            /* in its vhost device's vqs[] (vhost-net: 0 rx, 1 tx); -1 */
	__u32 nvqs;
	__u32 tgid;             /* the thread that ran vhost's work (the worker) */
	__s32 tap_queue;        /* the backend tap's queue (tun_file.queue_index); -1: no tap */
	char tap[16];           /* the backend tap's name ("" when not a tap) */
	char comm[16];          /* the worker ("vhost-<qemu pid>") */
};

#endif
