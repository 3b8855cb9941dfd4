/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The two stages every path tracer watches, as BPF programs: "rx" (a packet
 * enters an interface: net:netif_receive_skb, else __netif_receive_skb_core)
 * and "tx" (handed to an interface's driver: net:net_dev_start_xmit, else
 * dev_hard_start_xmit). net_dev_start_xmit rather than net_dev_xmit: the
 * latter fires after the driver took the skb (for veth it may already be
 * on its way up the peer's stack, on another CPU), so its fields may be reused.
 *
 * NT_NETDEV_PROGRAMS(handler, p) defines, per candidate of the stage table
 * NT_NETDEV_STAGES("nt_p", ...) (src/lib/stages.h), a thin program named
 * nt_<p>_{rx,tx}_{btf,raw,tp,fe,kp,kp1} calling handler(skb, dev, is_rx).
 */
#ifndef NT_NETDEV_BPF_H
#define NT_NETDEV_BPF_H

#include "nt_common.bpf.h"

/* skbs handled per __netif_receive_skb_list_core call (GRO flushes up to
 * gro_normal_batch, 8 by default); more are counted in NT_CNT_LIST_TRUNC. */
#define NT_RX_LIST_MAX 16

/* Walk a list of skbs (a list_head threaded through skb->list), calling
 * H(skb, dev, true) on each. */
#define NT_FOR_EACH_LISTED_SKB(head, H)                                             \
	do {                                                                        \
		struct list_head *__pos = NULL;                                     \
		bpf_probe_read_kernel(&__pos, sizeof(__pos), &(head)->next);        \
		for (int __i = 0; __i < NT_RX_LIST_MAX; __i++) {                    \
			struct sk_buff *__skb;                                      \
			if (!__pos || __pos == (head))                              \
				break;                                              \
			__skb = (void *)__pos -                                     \
				bpf_core_field_offset(struct sk_buff, list);        \
			H(__skb, BPF_CORE_READ(__skb, dev), true);                  \
			bpf_probe_read_kernel(&__pos, sizeof(__pos), &__pos->next); \
		}                                                                   \
		if (__pos && __pos != (head))                                       \
			nt_count(NT_CNT_LIST_TRUNC);                                \
	} while (0)

#define NT_NETDEV_PROGRAMS(HANDLER, P)                                                   \
	SEC("tp_btf/netif_receive_skb")                                             \
	int BPF_PROG(nt_##P##_rx_btf, struct sk_buff *skb)                          \
	{ return HANDLER(skb, BPF_CORE_READ(skb, dev), true); }                     \
	SEC("raw_tp/netif_receive_skb")                                             \
	int BPF_PROG(nt_##P##_rx_raw, struct sk_buff *skb)                          \
	{ return HANDLER(skb, BPF_CORE_READ(skb, dev), true); }                     \
	SEC("tracepoint/net/netif_receive_skb")                                     \
	int nt_##P##_rx_tp(struct trace_event_raw_net_dev_template *ctx)            \
	{                                                                           \
		const struct sk_buff *skb = (const struct sk_buff *)ctx->skbaddr;   \
		return HANDLER(skb, BPF_CORE_READ(skb, dev), true);                 \
	}                                                                           \
	/* __netif_receive_skb_core takes struct sk_buff ** since 5.x */           \
	/* 5.10's verifier refuses a direct ctx read of a pointer-to-pointer   \
	 * argument (newer kernels take it as a scalar): read arg 0 by copy. */ \
	SEC("fentry/__netif_receive_skb_core")                                      \
	int nt_##P##_rx_fe(unsigned long long *ctx)                                 \
	{                                                                           \
		struct sk_buff **pskb = NULL, *skb = NULL;                          \
		bpf_probe_read_kernel(&pskb, sizeof(pskb), ctx);                    \
		bpf_probe_read_kernel(&skb, sizeof(skb), pskb);                     \
		return skb ? HANDLER(skb, BPF_CORE_READ(skb, dev), true) : 0;       \
	}                                                                           \
	SEC("kprobe/__netif_receive_skb_core")                                      \
	int BPF_KPROBE(nt_##P##_rx_kp, struct sk_buff **pskb)                       \
	{                                                                           \
		struct sk_buff *skb = NULL;                                         \
		bpf_probe_read_kernel(&skb, sizeof(skb), pskb);                     \
		return skb ? HANDLER(skb, BPF_CORE_READ(skb, dev), true) : 0;       \
	}                                                                           \
	SEC("kprobe/__netif_receive_skb_core")                                      \
	int BPF_KPROBE(nt_##P##_rx_kp1, struct sk_buff *skb)                        \
	{ return HANDLER(skb, BPF_CORE_READ(skb, dev), true); }                     \
	SEC("fentry/__netif_receive_skb_one_core")                                  \
	int BPF_PROG(nt_##P##_rx_fe1, struct sk_buff *skb)                          \
	{ return HANDLER(skb, BPF_CORE_READ(skb, dev), true); }                     \
	SEC("fentry/__netif_receive_skb_list_core")                                 \
	int BPF_PROG(nt_##P##_rx_fel, struct list_head *head)                       \
	{ NT_FOR_EACH_LISTED_SKB(head, HANDLER); return 0; }                        \
	SEC("kprobe/__netif_receive_skb_one_core")                                  \
	int BPF_KPROBE(nt_##P##_rx_kp2, struct sk_buff *skb)                        \
	{ return HANDLER(skb, BPF_CORE_READ(skb, dev), true); }                     \
	SEC("kprobe/__netif_receive_skb_list_core")                                 \
	int BPF_KPROBE(nt_##P##_rx_kpl, struct list_head *head)                     \
	{ NT_FOR_EACH_LISTED_SKB(head, HANDLER); return 0; }                        \
	SEC("tp_btf/net_dev_start_xmit")                                            \
	int BPF_PROG(nt_##P##_tx_btf, struct sk_buff *skb, struct net_device *dev)  \
	{ return HANDLER(skb, dev, false); }                                        \
	SEC("raw_tp/net_dev_start_xmit")                                            \
	int BPF_PROG(nt_##P##_tx_raw, struct sk_buff *skb, struct net_device *dev)  \
	{ return HANDLER(skb, dev, false); }                                        \
	SEC("tracepoint/net/net_dev_start_xmit")                                    \
	int nt_##P##_tx_tp(struct trace_event_raw_net_dev_start_xmit *ctx)          \
	{                                                                           \
		const struct sk_buff *skb = (const struct sk_buff *)ctx->skbaddr;   \
		return HANDLER(skb, BPF_CORE_READ(skb, dev), false);                \
	}                                                                           \
	SEC("fentry/dev_hard_start_xmit")                                           \
	int BPF_PROG(nt_##P##_tx_fe, struct sk_buff *first, struct net_device *dev) \
	{ return HANDLER(first, dev, false); }                                      \
	SEC("kprobe/dev_hard_start_xmit")                                           \
	int BPF_KPROBE(nt_##P##_tx_kp, struct sk_buff *first, struct net_device *dev) \
	{ return HANDLER(first, dev, false); }

#endif
