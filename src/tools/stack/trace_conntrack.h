/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef TRACE_CONNTRACK_H
#define TRACE_CONNTRACK_H

#include "nt_types.h"

enum tct_type {
	TCT_NEW = 1,             /* __nf_conntrack_confirm: a new connection enters the table */
	TCT_UPDATE,              /* __nf_ct_refresh_acct: a packet refreshes its timeout */
	TCT_DESTROY,             /* nf_ct_delete: removed (timeout, RST/FIN, flush) */
};

#define TCT_EV_BIT(t) (1u << (t))

/* Conntrack's verdicts on packets, counted in the kernel (no events). */
enum tct_verdict {
	TCT_V_INVALID,           /* nf_conntrack_in left the skb without an entry (ctstate INVALID) */
	TCT_V_DROP,              /* nf_conntrack_in returned NF_DROP */
	TCT_V_CONFIRM_DROP,      /* __nf_conntrack_confirm returned NF_DROP (insert refused) */
	TCT_V_MAX,
};

/* Per-CPU hash key of the verdict counts: per namespace (each has its own
 * table and its own verdicts) and protocol. */
struct tct_vkey {
	__u32 netns;
	__u8  family;            /* 4, 6, 0 not IP */
	__u8  proto;
	__u16 pad;
};

struct tct_vval {
	__u64 n[TCT_V_MAX];
};

#define TCT_VKEYS_MAX 1024

enum tct_counter {
	/* an exit probe found nothing its entry half had stashed (kretprobe
	 * instances exhausted, a task migrated between entry and exit) */
	TCT_CNT_UNPAIRED = NT_CNT_TOOL_BASE,
	/* + verdict: every verdict counted, also one the per-key table had no room
	 * for, so a full table never makes a total smaller */
	TCT_CNT_VERDICT,
	TCT_CNT_VERDICT_END = TCT_CNT_VERDICT + TCT_V_MAX,
};

struct tct_event {
	__u64 ts;
	__u64 ct;                /* kernel address of the nf_conn: ties events together */
	union nt_addr saddr;     /* original direction */
	union nt_addr daddr;
	union nt_addr reply_saddr;
	union nt_addr reply_daddr;
	__u16 sport, dport, reply_sport, reply_dport;
	__u64 status;            /* IPS_* bits */
	__s64 timeout_s;         /* seconds left (0 for unconfirmed) */
	__u32 mark;
	__u32 netns;             /* inode of the entry's network namespace (0 unknown) */
	__u16 zone;
	__u8  family;
	__u8  proto;
	__u8  type;
	__u8  pad[3];
	__u32 pid;
	char  comm[16];
};

#endif
