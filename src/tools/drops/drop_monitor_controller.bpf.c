// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * drop_monitor_controller: a per-CPU count of drops (cheap enough to leave
 * running), and eth_drop's capture of each drop, switched on by user space
 * only while a trigger's capture window is open. Both use the drop floor
 * (nt_drop.bpf.h): the same programs, filters, normal-free skip and event.
 */
#include "nt_common.bpf.h"
#include "nt_events.bpf.h"
#include "nt_skb.bpf.h"
#include "nt_drop.bpf.h"
#include "drop_monitor_controller.h"

volatile bool capture_on = false;       /* set by user space during a capture window */

static __always_inline int handle(void *ctx, const struct sk_buff *skb, __u64 location,
				  __u32 reason)
{
	struct nt_ifref ref = {};
	struct net_device *dev;

	if (!skb || nt_drop_is_normal(ctx, location, reason))
		return 0;
	if (targ_has_if || targ_filter_l3) {
		dev = BPF_CORE_READ(skb, dev);
		if (dev)
			nt_dev_ref(dev, &ref);
		if (!nt_drop_if_match(&ref))
			return 0;
		if (targ_filter_l3) {
			struct nt_pkt p = {};

			nt_parse_skb(skb, &p);
			if (!nt_filter_match(&targ_filter, &p))
				return 0;
		}
	}
	nt_count(DMC_CNT_DROPS);
	if (capture_on)
		return nt_drop_capture(ctx, skb, location, reason);
	return 0;
}

NT_DROP_PROGRAMS(handle)

char LICENSE[] SEC("license") = "Dual BSD/GPL";
