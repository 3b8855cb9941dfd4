/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The two stages every path tracer watches, as BPF programs: "rx" (a packet
 * enters an interface: net:netif_receive_skb, else __netif_receive_skb_core)
 * and "tx" (handed to an interface's driver: net:net_dev_start_xmit, else
 * dev_hard_start_xmit). net_dev_start_xmit rather than net_dev_xmit: the
 * latter fires after the driver took the skb (for veth it may already be
 * on its way up the peer's stack, on another CPU), so its fields may be reused.
 *
 * NT_NETDEV_PROGRAMS(handler, p) defines, per row of src/bpf/nt_netdev.h
 * (whose user side is the stages' candidates, src/lib/stages.h), a thin
 * program named nt_<p>_<row's program> calling handler(skb, dev, is_rx).
 */
#ifndef NT_NETDEV_BPF_H
#define NT_NETDEV_BPF_H

#include "nt_common.bpf.h"
#include "nt_netdev.h"

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

/* Programs by flavour (NT_NETDEV_P_<flavour>(name, target, handler)). */
#define NT_NETDEV_P_RX_BTF(N, T, H)                                                 \
	SEC("tp_btf/" T)                                                            \
	int BPF_PROG(N, struct sk_buff *skb)                                        \
	{ return H(skb, BPF_CORE_READ(skb, dev), true); }
#define NT_NETDEV_P_RX_RAW(N, T, H)                                                 \
	SEC("raw_tp/" T)                                                            \
	int BPF_PROG(N, struct sk_buff *skb)                                        \
	{ return H(skb, BPF_CORE_READ(skb, dev), true); }
#define NT_NETDEV_P_RX_TP(N, T, H)                                                  \
	SEC("tracepoint/" T)                                                        \
	int N(struct trace_event_raw_net_dev_template *ctx)                         \
	{                                                                           \
		const struct sk_buff *skb = (const struct sk_buff *)ctx->skbaddr;   \
		return H(skb, BPF_CORE_READ(skb, dev), true);                       \
	}
/* 5.10's verifier refuses a direct ctx read of a pointer-to-pointer argument
 * (newer kernels take it as a scalar): read arg 0 by copy. */
#define NT_NETDEV_P_RX_FE_PSKB(N, T, H)                                             \
	SEC("fentry/" T)                                                            \
	int N(unsigned long long *ctx)                                              \
	{                                                                           \
		struct sk_buff **pskb = NULL, *skb = NULL;                          \
		bpf_probe_read_kernel(&pskb, sizeof(pskb), ctx);                    \
		bpf_probe_read_kernel(&skb, sizeof(skb), pskb);                     \
		return skb ? H(skb, BPF_CORE_READ(skb, dev), true) : 0;             \
	}
#define NT_NETDEV_P_RX_KP_PSKB(N, T, H)                                             \
	SEC("kprobe/" T)                                                            \
	int BPF_KPROBE(N, struct sk_buff **pskb)                                    \
	{                                                                           \
		struct sk_buff *skb = NULL;                                         \
		bpf_probe_read_kernel(&skb, sizeof(skb), pskb);                     \
		return skb ? H(skb, BPF_CORE_READ(skb, dev), true) : 0;             \
	}
#define NT_NETDEV_P_RX_FE(N, T, H)                                                  \
	SEC("fentry/" T)                                                            \
	int BPF_PROG(N, struct sk_buff *skb)                                        \
	{ return H(skb, BPF_CORE_READ(skb, dev), true); }
#define NT_NETDEV_P_RX_KP(N, T, H)                                                  \
	SEC("kprobe/" T)                                                            \
	int BPF_KPROBE(N, struct sk_buff *skb)                                      \
	{ return H(skb, BPF_CORE_READ(skb, dev), true); }
#define NT_NETDEV_P_RX_FE_LIST(N, T, H)                                             \
	SEC("fentry/" T)                                                            \
	int BPF_PROG(N, struct list_head *head)                                     \
	{ NT_FOR_EACH_LISTED_SKB(head, H); return 0; }
#define NT_NETDEV_P_RX_KP_LIST(N, T, H)                                             \
	SEC("kprobe/" T)                                                            \
	int BPF_KPROBE(N, struct list_head *head)                                   \
	{ NT_FOR_EACH_LISTED_SKB(head, H); return 0; }
#define NT_NETDEV_P_TX_BTF(N, T, H)                                                 \
	SEC("tp_btf/" T)                                                            \
	int BPF_PROG(N, struct sk_buff *skb, struct net_device *dev)                \
	{ return H(skb, dev, false); }
#define NT_NETDEV_P_TX_RAW(N, T, H)                                                 \
	SEC("raw_tp/" T)                                                            \
	int BPF_PROG(N, struct sk_buff *skb, struct net_device *dev)                \
	{ return H(skb, dev, false); }
#define NT_NETDEV_P_TX_TP(N, T, H)                                                  \
	SEC("tracepoint/" T)                                                        \
	int N(struct trace_event_raw_net_dev_start_xmit *ctx)                       \
	{                                                                           \
		const struct sk_buff *skb = (const struct sk_buff *)ctx->skbaddr;   \
		return H(skb, BPF_CORE_READ(skb, dev), false);                      \
	}
#define NT_NETDEV_P_TX_FE(N, T, H)                                                  \
	SEC("fentry/" T)                                                            \
	int BPF_PROG(N, struct sk_buff *first, struct net_device *dev)              \
	{ return H(first, dev, false); }
#define NT_NETDEV_P_TX_KP(N, T, H)                                                  \
	SEC("kprobe/" T)                                                            \
	int BPF_KPROBE(N, struct sk_buff *first, struct net_device *dev)            \
	{ return H(first, dev, false); }

#define NT_NETDEV_PROG(kind, target, depth, prog, flavour, H, P) \
	NT_NETDEV_P_##flavour(nt_##P##_##prog, target, H)
#define NT_NETDEV_PROG2(kind, target, depth, prog, flavour, target2, prog2, flavour2, H, P) \
	NT_NETDEV_PROG(kind, target, depth, prog, flavour, H, P)                    \
	NT_NETDEV_PROG(kind, target2, depth, prog2, flavour2, H, P)
#define NT_NETDEV_PROGRAMS(H, P)                                                    \
	NT_NETDEV_RX_ROWS(NT_NETDEV_PROG, NT_NETDEV_PROG2, H, P)                    \
	NT_NETDEV_TX_ROWS(NT_NETDEV_PROG, NT_NETDEV_PROG2, H, P)

#endif
