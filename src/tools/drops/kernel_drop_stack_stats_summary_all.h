/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef KERNEL_DROP_STACK_STATS_SUMMARY_ALL_H
#define KERNEL_DROP_STACK_STATS_SUMMARY_ALL_H

#include "nt_drop.h"

/* One aggregation cell: drops counted in the kernel per (stack, reason,
 * device, 5-tuple). @gen alternates per interval so user space reads and
 * clears one interval while the kernel counts into the next. */
struct kds_key {
	__s32 stack_id;          /* <0: no stack (not taken, or the stack map refused it) */
	__u32 reason;            /* enum skb_drop_reason or NT_DROP_NO_REASON */
	struct nt_ifref dev;
	union nt_addr saddr;
	union nt_addr daddr;
	__u16 sport;
	__u16 dport;
	__u8  family;            /* 4, 6, 0: not IP */
	__u8  l4_proto;
	__u8  gen;
	__u8  pad;
};

/* Every drop counted, per interval generation and CPU, before its cell is
 * looked for: the cells break the total down, the drops whose cell could not
 * be made (table full) are the part not broken down. */
struct kds_total {
	__u64 drops;
	__u64 unattributed;
};

#define KDS_DEFAULT_ENTRIES 10240
#define KDS_DEFAULT_STACKS  1024

#ifndef __bpf__
/* ---- user-space logic (pure; unit-tested) ---- */
#include <stdint.h>

struct kds_rec {                 /* one cell read back from the kernel */
	struct kds_key key;
	uint64_t count;
};

/* A group of cells: by (stack_id, reason) for stacks, by (dev, tuple) for flows. */
struct kds_group {
	struct kds_key key;      /* fields that define the group; others of the first cell */
	uint64_t count;
	int first;               /* index of the first member in the sorted record array */
	int n;                   /* members */
};

enum kds_by { KDS_BY_STACK, KDS_BY_FLOW };

/* Sort @recs so that members of a group are adjacent (and by count inside),
 * fill @groups (at most @max, largest first) and return how many. */
int kds_group(struct kds_rec *recs, int n, enum kds_by by, struct kds_group *groups, int max);
#endif

#endif
