/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The virtio-net tools that run inside a guest (manual 3.8.4):
 * virtnet_poll_monitor (NAPI polls per virtio-net queue) and
 * virtnet_irq_monitor (the device's interrupts). Counted in the kernel,
 * read every --interval.
 */
#ifndef NT_VIRTNET_H
#define NT_VIRTNET_H

#include "nt_types.h"

#define VN_MAX_IRQS 64          /* IRQ numbers watched */
#define VN_MAX_ROWS 1024        /* rows of a count table */
#define VN_QUEUE_UNKNOWN 0xffff /* the driver's structs are not in this kernel's BTF */

/* virtnet_irq_monitor: per IRQ and CPU */
struct vn_irq_key {
	__u32 irq;
	__u32 cpu;
};

struct vn_irq_val {
	__u64 calls;
	__u64 handled;          /* the handler returned IRQ_HANDLED (or WAKE_THREAD) */
	__u64 none;             /* IRQ_NONE: the device had nothing (shared line, spurious) */
	__u64 ns_sum, ns_max;   /* handler time */
};

/* virtnet_poll_monitor: per device, direction and queue */
enum vn_dir { VN_RX = 0, VN_TX = 1, VN_DIR_UNKNOWN = 2 };

struct vn_napi_key {
	struct nt_ifref dev;
	__u16 queue;            /* virtqueue index / 2; VN_QUEUE_UNKNOWN */
	__u8 dir;               /* enum vn_dir */
	__u8 pad;
	__u64 napi;             /* kernels without the driver's BTF: rows by NAPI instance */
};

struct vn_napi_val {
	__u64 polls;
	__u64 work;             /* packets processed, summed */
	__u64 full;             /* polls that used their whole budget (more was waiting) */
	__u64 idle;             /* polls that found nothing */
	__u64 budget;           /* the budget of the last poll */
	__u64 recv_done;        /* receive virtqueue callbacks (skb_recv_done): interrupts */
};

#endif
