/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef TRACE_IP_DEFRAG_H
#define TRACE_IP_DEFRAG_H

#include "nt_drop.h"

#define TID_MAX_REASONS 6
#define TID_MAX_CALLERS 4

enum tid_type {
	TID_QUEUE = 1,           /* a fragment enters reassembly (ip_defrag) */
	TID_REASM,               /* a datagram was reassembled (inet_frag_reasm_finish) */
	TID_EXPIRE,              /* a reassembly queue timed out (ip_expire) */
	TID_DROP,                /* a fragment was dropped with a fragment reason (kfree_skb) */
};

/* The datagram identity is (saddr, daddr, IP id, protocol). */
struct tid_event {
	__u64 ts;
	__u64 location;
	__u32 saddr;             /* network order */
	__u32 daddr;
	__u16 id;                /* host order */
	__u16 offset;            /* fragment offset in bytes (queue/drop) */
	__u32 len;               /* fragment length; reassembled: datagram length */
	__u32 reason;            /* drop: enum skb_drop_reason */
	__u32 user;              /* ip_defrag user (IP_DEFRAG_LOCAL_DELIVER, CONNTRACK_IN, ...) */
	__u32 netns;             /* inode of the namespace that queued/reassembled/expired it
				  * (drop: skb->dev's; 0 unknown) */
	struct nt_ifref dev;
	__u32 pid;
	__u8  type;              /* enum tid_type */
	__u8  proto;
	__u8  more;              /* MF flag */
	__u8  unspecific;        /* drop without a fragment reason, sent before the
				  * reassembly code's ranges were known: user space
				  * keeps it if @location is in that code */
	char  ifname[16];
	char  comm[16];
};

#endif
