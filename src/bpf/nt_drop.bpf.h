/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The drop floor: everything a tool needs to watch the kernel drop packets.
 *
 *  - NT_DROP_PROGRAMS(handler) defines the programs of every kernel era that
 *    unpack (skb, location, reason) and call handler(ctx, skb, location,
 *    reason): skb:kfree_skb as tp_btf / raw_tp / classic tracepoint, and the
 *    drop function as fentry / kprobe (sk_skb_reason_drop on 6.11+,
 *    kfree_skb_reason on 5.17-6.10, kfree_skb before), one per row of
 *    NT_DROP_ROWS (nt_drop.h), whose user side is the stage's candidates.
 *  - nt_drop_is_normal(): frees that are housekeeping, not lost packets (by
 *    reason where the kernel has reasons, else by the caller's address range).
 *  - nt_drop_capture(): the eth_drop filters and event (headers, reason,
 *    location, stack) into the ring buffer (with nt_events.bpf.h only).
 *
 * Include after nt_common.bpf.h, nt_skb.bpf.h (and nt_events.bpf.h). The knobs
 * below are filled by user space (src/lib/drops.c) before load.
 */
#ifndef NT_DROP_BPF_H
#define NT_DROP_BPF_H

#include "nt_drop.h"

const volatile struct nt_filter targ_filter = {};
const volatile bool targ_filter_l3 = false;     /* any address/port/proto filter set */
const volatile struct nt_ifref targ_if = {};
const volatile bool targ_has_if = false;
const volatile bool targ_stacks = true;
const volatile __u64 targ_normal_lo[NT_DROP_MAX_NORMAL] = {};
const volatile __u64 targ_normal_hi[NT_DROP_MAX_NORMAL] = {};
const volatile __u32 targ_nnormal = 0;
const volatile __u32 targ_normal_reason[NT_DROP_MAX_NORMAL_REASONS] = {};
const volatile __u32 targ_nnormal_reasons = 0;

/* Reasons that mark housekeeping, not a lost packet (e.g. QUEUE_PURGE when a
 * socket is torn down). Numbers differ per kernel: user space resolves them
 * by name from BTF. */
static __always_inline bool nt_drop_normal_reason(__u32 reason)
{
#pragma unroll
	for (int i = 0; i < NT_DROP_MAX_NORMAL_REASONS; i++) {
		if (i >= targ_nnormal_reasons)
			break;
		if (reason == targ_normal_reason[i])
			return true;
	}
	return false;
}

static __always_inline bool nt_drop_normal_caller(__u64 location)
{
#pragma unroll
	for (int i = 0; i < NT_DROP_MAX_NORMAL; i++) {
		if (i >= targ_nnormal)
			break;
		if (location >= targ_normal_lo[i] && location < targ_normal_hi[i])
			return true;
	}
	return false;
}

/* fentry has no location argument: on kernels without reasons (where the
 * caller decides whether a free is normal) look for a normal caller among the
 * first frames (our program, the trampoline and kfree_skb come first). */
#define NT_DROP_CALLER_FRAMES 6
static __always_inline bool nt_drop_normal_stack(void *ctx)
{
	__u64 frames[NT_DROP_CALLER_FRAMES] = {};
	long n;

	if (!targ_nnormal)
		return false;
	n = bpf_get_stack(ctx, frames, sizeof(frames), 0);
	for (int i = 0; i < NT_DROP_CALLER_FRAMES; i++)
		if (i * 8 < n && nt_drop_normal_caller(frames[i]))
			return true;
	return false;
}

/* True (and counted) when this free is not a lost packet. */
static __always_inline bool nt_drop_is_normal(void *ctx, __u64 location, __u32 reason)
{
	bool normal;

	if (reason != NT_DROP_NO_REASON)
		normal = nt_drop_normal_reason(reason);
	else if (location)
		normal = nt_drop_normal_caller(location);
	else
		normal = nt_drop_normal_stack(ctx);
	if (normal)
		nt_count(NT_DROP_CNT_NORMAL);
	return normal;
}

/* A kprobe at function entry: the caller's return address (the tracepoint's
 * "location"). x86 keeps it at the stack pointer; arm64 in the link register. */
static __always_inline __u64 nt_kprobe_caller(struct pt_regs *regs)
{
#if defined(__TARGET_ARCH_x86)
	__u64 ret = 0;

	bpf_probe_read_kernel(&ret, sizeof(ret), (void *)PT_REGS_SP(regs));
	return ret;
#else
	return PT_REGS_RET(regs);
#endif
}

/* Interface filter (--interface): (netns, ifindex) of skb->dev. */
static __always_inline bool nt_drop_if_match(const struct nt_ifref *ref)
{
	return !targ_has_if || (ref->ifindex == targ_if.ifindex && ref->netns == targ_if.netns);
}

#ifdef NT_EVENTS_BPF_H
/* eth_drop's logic for one free: normal-free skip, filters, then one event
 * with headers, reason, location and (optionally) the stack. */
static __always_inline int nt_drop_capture(void *ctx, const struct sk_buff *skb, __u64 location,
					   __u32 reason)
{
	struct net_device *dev;
	struct nt_drop_event *e;
	struct nt_ifref ref = {};
	struct nt_pkt p = {};

	if (!skb)
		return 0;
	if (nt_drop_is_normal(ctx, location, reason))
		return 0;
	dev = BPF_CORE_READ(skb, dev);
	if (dev)
		nt_dev_ref(dev, &ref);
	if (!nt_drop_if_match(&ref))
		return 0;
	nt_parse_skb(skb, &p);
	if (targ_filter_l3 && !nt_filter_match(&targ_filter, &p))
		return 0;

	nt_count(NT_DROP_CNT_SEEN);
	e = nt_event_reserve(struct nt_drop_event);
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
#endif /* NT_EVENTS_BPF_H */

/* The reason argument exists exactly when the kernel has enum skb_drop_reason
 * (5.17+). This is a CO-RE constant, so on older kernels the branch reading
 * ctx[2] is dead code the verifier never walks. */
#define NT_DROP_HAS_REASON \
	bpf_core_enum_value_exists(enum skb_drop_reason, SKB_DROP_REASON_NOT_SPECIFIED)

/* Function probes also see frees the tracepoint would send to consume_skb. */
static __always_inline bool nt_drop_consumed(__u32 reason)
{
	if (bpf_core_enum_value_exists(enum skb_drop_reason, SKB_CONSUMED))
		return reason == bpf_core_enum_value(enum skb_drop_reason, SKB_CONSUMED);
	return false;
}

/* Programs of stage "drop" by flavour (NT_DROP_ROWS names, targets and
 * orders them). kprobes read the caller as the location; fentry has none:
 * user space takes it from the stack (and the normal-free check looks at
 * the first frames). */
#define NT_DROP_P_TP_BTF(prog, target, handler)                                        \
SEC("tp_btf/" target)                                                                 \
int prog(unsigned long long *ctx)                                                     \
{                                                                                     \
	__u32 reason = NT_DROP_NO_REASON;                                             \
	if (NT_DROP_HAS_REASON)                                                       \
		reason = (__u32)ctx[2];                                               \
	return handler(ctx, (const struct sk_buff *)ctx[0], ctx[1], reason);          \
}
#define NT_DROP_P_RAW_TP(prog, target, handler)                                        \
SEC("raw_tp/" target)                                                                 \
int prog(unsigned long long *ctx)                                                     \
{                                                                                     \
	__u32 reason = NT_DROP_NO_REASON;                                             \
	if (NT_DROP_HAS_REASON)                                                       \
		reason = (__u32)ctx[2];                                               \
	return handler(ctx, (const struct sk_buff *)ctx[0], ctx[1], reason);          \
}
#define NT_DROP_P_TRACEPOINT(prog, target, handler)                                    \
SEC("tracepoint/" target)                                                             \
int prog(struct trace_event_raw_kfree_skb *ctx)                                       \
{                                                                                     \
	__u32 reason = NT_DROP_NO_REASON;                                             \
	if (bpf_core_field_exists(ctx->reason))                                       \
		reason = BPF_CORE_READ(ctx, reason);                                  \
	return handler(ctx, (const struct sk_buff *)ctx->skbaddr,                     \
		       (__u64)BPF_CORE_READ(ctx, location), reason);                  \
}
#define NT_DROP_P_FE_SK(prog, target, handler)                                         \
SEC("fentry/" target)                                                                 \
int BPF_PROG(prog, struct sock *sk, struct sk_buff *skb, int reason)                  \
{                                                                                     \
	return nt_drop_consumed(reason) ? 0 : handler(ctx, skb, 0, reason);           \
}
#define NT_DROP_P_FE_REASON(prog, target, handler)                                     \
SEC("fentry/" target)                                                                 \
int BPF_PROG(prog, struct sk_buff *skb, int reason)                                   \
{                                                                                     \
	return nt_drop_consumed(reason) ? 0 : handler(ctx, skb, 0, reason);           \
}
#define NT_DROP_P_FE(prog, target, handler)                                            \
SEC("fentry/" target)                                                                 \
int BPF_PROG(prog, struct sk_buff *skb)                                               \
{                                                                                     \
	return handler(ctx, skb, 0, NT_DROP_NO_REASON);                               \
}
#define NT_DROP_P_KP_SK(prog, target, handler)                                         \
SEC("kprobe/" target)                                                                 \
int BPF_KPROBE(prog, struct sock *sk, struct sk_buff *skb, int reason)                \
{                                                                                     \
	return nt_drop_consumed(reason) ? 0                                           \
		: handler(ctx, skb, nt_kprobe_caller(ctx), reason);                   \
}
#define NT_DROP_P_KP_REASON(prog, target, handler)                                     \
SEC("kprobe/" target)                                                                 \
int BPF_KPROBE(prog, struct sk_buff *skb, int reason)                                 \
{                                                                                     \
	return nt_drop_consumed(reason) ? 0                                           \
		: handler(ctx, skb, nt_kprobe_caller(ctx), reason);                   \
}
#define NT_DROP_P_KP(prog, target, handler)                                            \
SEC("kprobe/" target)                                                                 \
int BPF_KPROBE(prog, struct sk_buff *skb)                                             \
{                                                                                     \
	return handler(ctx, skb, nt_kprobe_caller(ctx), NT_DROP_NO_REASON);           \
}
#define NT_DROP_PROGRAM(kind, target, prog, flavour, handler) \
	NT_DROP_P_##flavour(prog, target, handler)
#define NT_DROP_PROGRAMS(handler) NT_DROP_ROWS(NT_DROP_PROGRAM, handler)

#endif
