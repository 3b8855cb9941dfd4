// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * eth_drop: every skb the kernel drops, with its headers, the drop reason, the
 * dropping function and the kernel stack.
 *
 * The skb:kfree_skb tracepoint carries (skb, location[, reason[, rx_sk]]):
 * the reason exists from 5.17 on, and from 6.4 on normal frees no longer pass
 * through it (SKB_CONSUMED goes to consume_skb). On older kernels the same
 * tracepoint also fires for normal frees, so user space passes the address
 * ranges of the known normal callers and we skip frees from there.
 * Filters run here, before anything is copied or a stack is walked. The logic
 * is the drop floor's (src/bpf/nt_drop.bpf.h), shared with
 * drop_monitor_controller.
 */
#include "nt_common.bpf.h"
#include "nt_events.bpf.h"
#include "nt_skb.bpf.h"
#include "nt_drop.bpf.h"
#include "eth_drop.h"

static __always_inline int handle(void *ctx, const struct sk_buff *skb, __u64 location,
				  __u32 reason)
{
	return nt_drop_capture(ctx, skb, location, reason);
}

NT_DROP_PROGRAMS(handle)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
