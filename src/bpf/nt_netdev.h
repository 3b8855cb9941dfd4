/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The "rx" and "tx" stages of the path tracers as rows both sides expand,
 * one per candidate, first choice first:
 *   X(kind, target, arg-0 depth, program, flavour, H, P)
 *   X2(kind, target, depth, program, flavour, target2, program2, flavour2, H, P)
 * X2 has a companion hook needed together with the first. The user side
 * (src/lib/stages.h) makes the candidates, program names P "_" program with
 * P a string ("nt_udp"); the BPF side (nt_netdev.bpf.h) makes the programs
 * nt_<P>_<program> of flavour NT_NETDEV_P_<flavour> calling H(skb, dev, rx).
 *
 * rx: net:netif_receive_skb, else __netif_receive_skb_core, which takes
 * struct sk_buff ** since 5.x and struct sk_buff * before (the BTF argument
 * depth picks the program); where it exists only as a compiler clone (6.1:
 * .constprop.0, absent from BTF), fentry takes its two callers together:
 * __netif_receive_skb_one_core (one skb) and __netif_receive_skb_list_core
 * (GRO/list batches). tx: net:net_dev_start_xmit, else dev_hard_start_xmit.
 */
#ifndef NT_NETDEV_H
#define NT_NETDEV_H

#define NT_NETDEV_RX_ROWS(X, X2, H, P)                                                  \
	X(TP_BTF, "netif_receive_skb", 0, rx_btf, RX_BTF, H, P)                         \
	X(RAW_TP, "netif_receive_skb", 0, rx_raw, RX_RAW, H, P)                         \
	X(TRACEPOINT, "net/netif_receive_skb", 0, rx_tp, RX_TP, H, P)                   \
	X(FENTRY, "__netif_receive_skb_core", 2, rx_fe, RX_FE_PSKB, H, P)               \
	X2(FENTRY, "__netif_receive_skb_one_core", 0, rx_fe1, RX_FE,                    \
	   "__netif_receive_skb_list_core", rx_fel, RX_FE_LIST, H, P)                   \
	X(KPROBE, "__netif_receive_skb_core", 2, rx_kp, RX_KP_PSKB, H, P)               \
	X(KPROBE, "__netif_receive_skb_core", 1, rx_kp1, RX_KP, H, P)                   \
	X2(KPROBE, "__netif_receive_skb_one_core", 0, rx_kp2, RX_KP,                    \
	   "__netif_receive_skb_list_core", rx_kpl, RX_KP_LIST, H, P)

#define NT_NETDEV_TX_ROWS(X, X2, H, P)                                                  \
	X(TP_BTF, "net_dev_start_xmit", 0, tx_btf, TX_BTF, H, P)                        \
	X(RAW_TP, "net_dev_start_xmit", 0, tx_raw, TX_RAW, H, P)                        \
	X(TRACEPOINT, "net/net_dev_start_xmit", 0, tx_tp, TX_TP, H, P)                  \
	X(FENTRY, "dev_hard_start_xmit", 0, tx_fe, TX_FE, H, P)                         \
	X(KPROBE, "dev_hard_start_xmit", 0, tx_kp, TX_KP, H, P)

#endif
