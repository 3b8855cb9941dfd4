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
 * Filters run here, before anything is copied or a stack is walked.
 */
#include "nt_common.bpf.h"
#include "nt_events.bpf.h"
#include "nt_skb.bpf.h"
#include "eth_drop.h"

const volatile struct nt_filter targ_filter = {};
const volatile bool targ_filter_l3 = false;     /* any address/port/proto filter set */
const volatile struct nt_ifref targ_if = {};
const volatile bool targ_has_if = false;
const volatile bool targ_stacks = true;
const volatile __u64 targ_normal_lo[ETH_DROP_MAX_NORMAL] = {};
const volatile __u64 targ_normal_hi[ETH_DROP_MAX_NORMAL] = {};
const volatile __u32 targ_nnormal = 0;
const volatile __u32 targ_normal_reason[ETH_DROP_MAX_NORMAL_REASONS] = {};
const volatile __u32 targ_nnormal_reasons = 0;

/* Reasons that mark housekeeping, not a lost packet (e.g. QUEUE_PURGE when a
 * socket is torn down). Numbers differ per kernel: user space resolves them
 * by name from BTF. */
static __always_inline bool is_normal_reason(__u32 reason)
{
#pragma unroll
	for (int i = 0; i < ETH_DROP_MAX_NORMAL_REASONS; i++) {
		if (i >= targ_nnormal_reasons)
			break;
		if (reason == targ_normal_reason[i])
			return true;
	}
	return false;
}

static __always_inline bool is_normal_free(__u64 location)
{
#pragma unroll
	for (int i = 0; i < ETH_DROP_MAX_NORMAL; i++) {
		if (i >= targ_nnormal)
			break;
		if (location >= targ_normal_lo[i] && location < targ_normal_hi[i])
			return true;
	}
	return false;
}

static __always_inline int handle(void *ctx, const struct sk_buff *skb, __u64 location,
				  __u32 reason)
{
	struct net_device *dev;
	struct eth_drop_event *e;
	struct nt_ifref ref = {};
	struct nt_pkt p = {};

	if (!skb)
		return 0;
	if (reason == ETH_DROP_NO_REASON ? location && is_normal_free(location)
					 : is_normal_reason(reason)) {
		nt_count(ETH_DROP_CNT_NORMAL);
		return 0;
	}
	dev = BPF_CORE_READ(skb, dev);
	if (dev)
		nt_dev_ref(dev, &ref);
	if (targ_has_if && (ref.ifindex != targ_if.ifindex || ref.netns != targ_if.netns))
		return 0;
	nt_parse_skb(skb, &p);
	if (targ_filter_l3 && !nt_filter_match(&targ_filter, &p))
		return 0;

	nt_count(ETH_DROP_CNT_SEEN);
	e = nt_event_reserve(struct eth_drop_event);
	if (!e)
		return 0;
	e->ts = bpf_ktime_get_ns();
	e->location = location;
	e->pkt = p;
	e->dev = ref;
	e->reason = reason;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->cpu = bpf_get_smp_processor_id();
	e->len = BPF_CORE_READ(skb, len);
	e->ifname[0] = 0;
	if (dev)
		bpf_probe_read_kernel_str(e->ifname, sizeof(e->ifname), dev->name);
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	if (targ_stacks) {
		e->stack_bytes = bpf_get_stack(ctx, e->stack, sizeof(e->stack), 0);
		if (e->stack_bytes < 0)
			nt_count(NT_CNT_STACK_LOST);
	} else {
		e->stack_bytes = -1;
	}
	nt_event_submit(e);
	return 0;
}

/* The reason argument exists exactly when the kernel has enum skb_drop_reason
 * (5.17+). This is a CO-RE constant, so on older kernels the branch reading
 * ctx[2] is dead code the verifier never walks. */
#define HAS_REASON bpf_core_enum_value_exists(enum skb_drop_reason, SKB_DROP_REASON_NOT_SPECIFIED)

/* Function probes also see frees the tracepoint would send to consume_skb. */
static __always_inline bool is_consumed(__u32 reason)
{
	if (bpf_core_enum_value_exists(enum skb_drop_reason, SKB_CONSUMED))
		return reason == bpf_core_enum_value(enum skb_drop_reason, SKB_CONSUMED);
	return false;
}

/* ---- stage "drop": tracepoint flavours */

SEC("tp_btf/kfree_skb")
int nt_drop_btf(unsigned long long *ctx)
{
	__u32 reason = ETH_DROP_NO_REASON;

	if (HAS_REASON)
		reason = (__u32)ctx[2];
	return handle(ctx, (const struct sk_buff *)ctx[0], ctx[1], reason);
}

SEC("raw_tp/kfree_skb")
int nt_drop_raw(unsigned long long *ctx)
{
	__u32 reason = ETH_DROP_NO_REASON;

	if (HAS_REASON)
		reason = (__u32)ctx[2];
	return handle(ctx, (const struct sk_buff *)ctx[0], ctx[1], reason);
}

SEC("tracepoint/skb/kfree_skb")
int nt_drop_tp(struct trace_event_raw_kfree_skb *ctx)
{
	__u32 reason = ETH_DROP_NO_REASON;

	if (bpf_core_field_exists(ctx->reason))
		reason = BPF_CORE_READ(ctx, reason);
	return handle(ctx, (const struct sk_buff *)ctx->skbaddr,
		      (__u64)BPF_CORE_READ(ctx, location), reason);
}

/* ---- function flavours, one per kernel era; location comes from the stack
 * in user space (the first frame outside the drop functions). */

SEC("fentry/sk_skb_reason_drop")          /* 6.11+ */
int BPF_PROG(nt_drop_fe_sk, struct sock *sk, struct sk_buff *skb, int reason)
{
	return is_consumed(reason) ? 0 : handle(ctx, skb, 0, reason);
}

SEC("fentry/kfree_skb_reason")            /* 5.17 - 6.10 */
int BPF_PROG(nt_drop_fe_r, struct sk_buff *skb, int reason)
{
	return is_consumed(reason) ? 0 : handle(ctx, skb, 0, reason);
}

SEC("fentry/kfree_skb")                   /* up to 5.16 */
int BPF_PROG(nt_drop_fe, struct sk_buff *skb)
{
	return handle(ctx, skb, 0, ETH_DROP_NO_REASON);
}

SEC("kprobe/sk_skb_reason_drop")
int BPF_KPROBE(nt_drop_kp_sk, struct sock *sk, struct sk_buff *skb, int reason)
{
	return is_consumed(reason) ? 0 : handle(ctx, skb, 0, reason);
}

SEC("kprobe/kfree_skb_reason")
int BPF_KPROBE(nt_drop_kp_r, struct sk_buff *skb, int reason)
{
	return is_consumed(reason) ? 0 : handle(ctx, skb, 0, reason);
}

SEC("kprobe/kfree_skb")
int BPF_KPROBE(nt_drop_kp, struct sk_buff *skb)
{
	return handle(ctx, skb, 0, ETH_DROP_NO_REASON);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
