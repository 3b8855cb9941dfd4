/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Each latency tool's path: its hooks (catalogue rows of lat.h) in its own
 * order, P(ID), or T(ID) for the hook's per-interface tc candidate first.
 * The tool's .bpf.c defines LAT_PATH as its list before including the
 * engine (programs, record arrays and masks come from it); its .c expands
 * the same list into its stages. Slot i of a tool is its i-th entry.
 */
#ifndef NT_LAT_PATHS_H
#define NT_LAT_PATHS_H

#define LAT_PATH_KERNEL_ICMP_RTT(P, T)                                           \
	P(IP_LOCAL_OUT) P(__IP_LOCAL_OUT) P(DEV_QUEUE) P(DEV_XMIT)              \
	P(NETIF_RX) P(IP_RCV) P(ICMP_RCV) P(SOCK_COPY)

#define LAT_PATH_SYSTEM_NETWORK_ICMP_RTT(P, T)                                   \
	P(IP_LOCAL_OUT) P(IP_OUTPUT) P(OVS_INT_XMIT) P(OVS_FRAME_HOOK)          \
	P(OVS_DP_PROCESS) P(OVS_DP_UPCALL) P(OVS_KEY_EXTRACT_US)                \
	P(OVS_VPORT_SEND) P(DEV_QUEUE) P(DEV_XMIT) P(NETIF_RX)                  \
	P(IP_RCV) P(ICMP_RCV) P(SOCK_COPY)

/* net_dev_queue and netif_receive_skb: tc on the --phy-interface list first */
#define LAT_PATH_SYSTEM_NETWORK_LATENCY_SUMMARY(P, T)                            \
	P(IP_QUEUE_XMIT) P(IP_SEND_SKB) P(IP_LOCAL_OUT) P(__IP_LOCAL_OUT)       \
	P(OVS_INT_XMIT) P(OVS_FRAME_HOOK) P(OVS_DP_PROCESS) P(OVS_DP_UPCALL)    \
	P(OVS_KEY_EXTRACT_US) P(OVS_VPORT_SEND) T(DEV_QUEUE) P(DEV_XMIT)        \
	T(NETIF_RX) P(IP_RCV) P(TCP_RCV) P(UDP_RCV) P(ICMP_RCV)                 \
	P(SK_DATA_READY) P(SOCK_COPY) P(CONSUME)

#define LAT_PATH_SYSTEM_NETWORK_LATENCY_DETAILS(P, T)                            \
	P(IP_QUEUE_XMIT) P(IP_SEND_SKB) P(IP_LOCAL_OUT) P(__IP_LOCAL_OUT)       \
	P(OVS_INT_XMIT) P(OVS_FRAME_HOOK) P(OVS_DP_PROCESS) P(OVS_DP_UPCALL)    \
	P(OVS_KEY_EXTRACT_US) P(OVS_VPORT_SEND) P(DEV_QUEUE) P(DEV_XMIT)        \
	P(NETIF_RX) P(IP_RCV) P(TCP_RCV) P(UDP_RCV) P(ICMP_RCV)                 \
	P(SK_DATA_READY) P(SOCK_COPY) P(CONSUME)

#define LAT_PATH_SYSTEM_NETWORK_PERFOMANCE_METRICS(P, T)                         \
	P(IP_QUEUE_XMIT) P(IP_SEND_SKB) P(IP_LOCAL_OUT) P(__IP_LOCAL_OUT)       \
	P(IP_OUTPUT) P(OVS_INT_XMIT) P(OVS_FRAME_HOOK) P(OVS_DP_PROCESS)        \
	P(OVS_DP_UPCALL) P(OVS_KEY_EXTRACT_US) P(OVS_VPORT_SEND) P(DEV_QUEUE)   \
	P(QDISC_ENQ) P(QDISC_DEQ) P(DEV_XMIT) P(NETIF_RX) P(IP_RCV) P(TCP_RCV)  \
	P(UDP_RCV) P(ICMP_RCV) P(SK_DATA_READY) P(SOCK_COPY) P(CONSUME)

#endif
