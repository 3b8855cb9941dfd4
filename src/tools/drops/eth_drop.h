/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef ETH_DROP_H
#define ETH_DROP_H

#include "nt_types.h"

#define ETH_DROP_MAX_NORMAL 16   /* caller ranges treated as normal frees */
#define ETH_DROP_MAX_NORMAL_REASONS 4

struct eth_drop_event {
	__u64 ts;
	__u64 location;          /* return address into the dropping function; 0 if unknown */
	struct nt_pkt pkt;
	struct nt_ifref dev;     /* skb->dev at the drop, 0/0 if none */
	__u32 reason;            /* enum skb_drop_reason, ETH_DROP_NO_REASON if the kernel has none */
	__u32 pid;
	__u32 cpu;
	__s32 stack_bytes;       /* bytes of stack[] filled, <0: not taken */
	__u32 len;
	char  ifname[16];
	char  comm[16];
	__u64 stack[NT_STACK_DEPTH];
};

#define ETH_DROP_NO_REASON 0xffffffffu

enum eth_drop_counter {
	ETH_DROP_CNT_SEEN = NT_CNT_TOOL_BASE,    /* drops that passed the filters */
	ETH_DROP_CNT_NORMAL,                     /* skipped as normal frees */
};

#ifndef __bpf__
/* ---- user-space logic (pure; unit-tested) ---- */
#include <stddef.h>
struct ksyms;
/* Reason name from the running kernel's BTF ("NETFILTER_DROP"); kernels
 * without reasons give "NOT_SPECIFIED", unknown numbers "UNKNOWN(<n>)". */
const char *eth_drop_reason_name(__u32 reason, char *buf, size_t len);
/* Read every reason name from BTF now (before our BTF copy is released). */
void eth_drop_load_reasons(void);
/* The dropping function: the tracepoint's location, else the first stack
 * frame outside the generic free/drop functions and BPF glue. */
__u64 eth_drop_location(const struct eth_drop_event *e, const struct ksyms *ks);
#endif

#endif
