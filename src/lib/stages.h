/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Stage catalogue rows shared by several tools. NT_NETDEV_STAGES("nt_x")
 * declares the "rx" and "tx" stages whose programs NT_NETDEV_PROGRAMS(h, x)
 * (src/bpf/nt_netdev.bpf.h) defines: tracepoint flavours first, then
 * fentry, then kprobe. __netif_receive_skb_core takes struct sk_buff ** since
 * 5.x and struct sk_buff * before: the BTF argument check picks the program.
 * Where it exists only as a compiler clone (6.1: .constprop.0, absent from
 * BTF), fentry takes its two callers together: __netif_receive_skb_one_core
 * (one skb) and __netif_receive_skb_list_core (GRO/list batches).
 */
#ifndef NT_STAGES_H
#define NT_STAGES_H

#include "attach.h"

#define NT_NETDEV_STAGE_RX(P, WHAT)                                          \
	{ "rx", WHAT, false, {                                               \
		{ NT_PK_TP_BTF, "netif_receive_skb", P "_rx_btf" },          \
		{ NT_PK_RAW_TP, "netif_receive_skb", P "_rx_raw" },          \
		{ NT_PK_TRACEPOINT, "net/netif_receive_skb", P "_rx_tp" },   \
		{ NT_PK_FENTRY, "__netif_receive_skb_core", P "_rx_fe", 2 }, \
		{ NT_PK_FENTRY, "__netif_receive_skb_one_core", P "_rx_fe1", 0,\
		  "__netif_receive_skb_list_core", P "_rx_fel" },            \
		{ NT_PK_KPROBE, "__netif_receive_skb_core", P "_rx_kp", 2 }, \
		{ NT_PK_KPROBE, "__netif_receive_skb_core", P "_rx_kp1", 1 },\
		{ NT_PK_KPROBE, "__netif_receive_skb_one_core", P "_rx_kp2", 0,\
		  "__netif_receive_skb_list_core", P "_rx_kpl" },            \
	} }

#define NT_NETDEV_STAGE_TX(P, WHAT)                                          \
	{ "tx", WHAT, false, {                                               \
		{ NT_PK_TP_BTF, "net_dev_start_xmit", P "_tx_btf" },         \
		{ NT_PK_RAW_TP, "net_dev_start_xmit", P "_tx_raw" },         \
		{ NT_PK_TRACEPOINT, "net/net_dev_start_xmit", P "_tx_tp" },  \
		{ NT_PK_FENTRY, "dev_hard_start_xmit", P "_tx_fe" },         \
		{ NT_PK_KPROBE, "dev_hard_start_xmit", P "_tx_kp" },         \
	} }

#endif
