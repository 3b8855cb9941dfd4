/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Types of the drop floor shared by the drop tools (eth_drop,
 * kernel_drop_stack_stats_summary_all, qdisc_drop_trace,
 * drop_monitor_controller, trace_ip_defrag) and their user-space halves.
 */
#ifndef NT_DROP_H
#define NT_DROP_H

#include "nt_types.h"

#define NT_DROP_MAX_NORMAL 16           /* caller ranges treated as normal frees */
#define NT_DROP_MAX_NORMAL_REASONS 4
#define NT_DROP_NO_REASON 0xffffffffu   /* kernel without enum skb_drop_reason */

/*
 * Stage "drop": one row per candidate, first choice first: its probe kind
 * (NT_PK_<kind>), target, program name and the program's flavour. The user
 * side expands the rows into the stage's candidates (NT_DROP_CANDIDATES,
 * drops.h), the BPF side into the programs (NT_DROP_PROGRAMS, nt_drop.bpf.h:
 * flavour F is NT_DROP_P_<F>), so a candidate and its program are one line.
 */
#define NT_DROP_ROWS(X, A)                                                              \
	X(TP_BTF, "kfree_skb", nt_drop_btf, TP_BTF, A)                                  \
	X(RAW_TP, "kfree_skb", nt_drop_raw, RAW_TP, A)                                  \
	X(TRACEPOINT, "skb/kfree_skb", nt_drop_tp, TRACEPOINT, A)                       \
	X(FENTRY, "sk_skb_reason_drop", nt_drop_fe_sk, FE_SK, A)       /* 6.11+ */      \
	X(FENTRY, "kfree_skb_reason", nt_drop_fe_r, FE_REASON, A)      /* 5.17 - 6.10 */ \
	X(FENTRY, "kfree_skb", nt_drop_fe, FE, A)                      /* up to 5.16 */ \
	X(KPROBE, "sk_skb_reason_drop", nt_drop_kp_sk, KP_SK, A)                        \
	X(KPROBE, "kfree_skb_reason", nt_drop_kp_r, KP_REASON, A)                       \
	X(KPROBE, "kfree_skb", nt_drop_kp, KP, A)

/* One dropped packet as eth_drop reports it. */
struct nt_drop_event {
	__u64 ts;
	__u64 location;          /* return address into the dropping function; 0 if unknown */
	struct nt_pkt pkt;
	struct nt_ifref dev;     /* skb->dev at the drop, 0/0 if none */
	__u32 reason;            /* enum skb_drop_reason, NT_DROP_NO_REASON if the kernel has none */
	__u32 pid;
	__u32 cpu;
	__s32 stack_bytes;       /* bytes of stack[] filled, <0: not taken */
	__u32 len;
	char  ifname[16];
	char  comm[16];
	__u64 stack[NT_STACK_DEPTH];
};

/* Counters of the drop floor (tools add theirs after NT_DROP_CNT_TOOL_BASE). */
enum nt_drop_counter {
	NT_DROP_CNT_SEEN = NT_CNT_TOOL_BASE,     /* drops that passed the filters */
	NT_DROP_CNT_NORMAL,                      /* skipped as normal frees */
	NT_DROP_CNT_TOOL_BASE,
};

#endif
