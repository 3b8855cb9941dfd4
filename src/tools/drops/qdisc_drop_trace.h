/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef QDISC_DROP_TRACE_H
#define QDISC_DROP_TRACE_H

#include "nt_drop.h"

#define QDT_MAX_REASONS 12       /* qdisc drop reasons of this kernel (by name from BTF) */
#define QDT_MAX_CALLERS 4        /* kernels without reasons: qdisc free sites */
#define QDT_MAX_KEYS 1024

/* The qdisc the drop belongs to: the root qdisc of the skb's tx queue. */
struct qdt_qdisc {
	char  kind[16];          /* Qdisc_ops->id: "tbf", "fq_codel", ... */
	__u32 handle;            /* tc handle, 0x80010000 = "8001:" */
	__u32 parent;
	__u32 qlen;              /* packets queued at the drop */
	__u32 backlog;           /* bytes queued */
	__u32 limit;             /* the qdisc's limit (tbf: bytes; fifo/fq_codel: packets); 0 unknown */
	__u32 qdisc_drops;       /* the qdisc's own drop counter at that moment */
};

struct qdt_event {
	__u64 ts;
	__u64 location;
	struct nt_pkt pkt;
	struct nt_ifref dev;
	struct qdt_qdisc q;
	__u32 reason;
	__u32 len;
	__u32 pid;
	__u32 cpu;
	__u16 queue;             /* skb->queue_mapping */
	__u16 pad;
	char  ifname[16];
	char  comm[16];
};

/* In-kernel counts per (device, qdisc handle, reason). */
struct qdt_key {
	struct nt_ifref dev;
	__u32 handle;
	__u32 reason;
};

struct qdt_val {
	__u64 drops;
	__u64 bytes;
	char  kind[16];
	__u32 limit;
	__u32 pad;
};

/* Totals counted apart from the bounded counts map, so a full map never
 * makes them smaller (drops: NT_DROP_CNT_SEEN). */
enum qdt_counter {
	QDT_CNT_BYTES = NT_DROP_CNT_TOOL_BASE,   /* bytes of every qdisc drop */
	QDT_CNT_UNATTR,                          /* drops without a row (map full) */
	QDT_CNT_UNATTR_BYTES,
};

#endif
