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

/*
 * The VM paths, in the VM's view: tx leaves the VM (its tap receives the
 * frame -> a switch -> the physical interface transmits it), rx goes to it
 * (the physical interface receives -> a switch -> the tap transmits it to the
 * VM's queue). Positions are the list's own, P(ID, tx, rx). The switch stages
 * are alternatives at the same positions: the Linux bridge
 * (br_handle_frame, then br_forward to a learned port or br_flood) or the OVS datapath; they need function
 * probes and are optional. The devices' hooks are tc hooks on the listed
 * interfaces in the summaries' auto mode, device tracepoints otherwise. The
 * tap's receive has no function candidate (netif_receive_skb's tracepoint
 * is in every kernel): a forced fentry or kprobe mode cannot run a VM path.
 */
#define LAT_PATH_VM_SWITCH(P)                                                    \
	P(BR_HANDLE_FRAME, 2, 2) P(OVS_FRAME_HOOK, 2, 2) P(OVS_DP_PROCESS, 3, 3)  \
	P(OVS_DP_UPCALL, 4, 4) P(OVS_KEY_EXTRACT_US, 5, 5)                        \
	P(OVS_VPORT_SEND, 6, 6) P(BR_FORWARD, 7, 7) P(BR_FLOOD, 7, 7)

#define LAT_PATH_VM_NETWORK_LATENCY_SUMMARY(P, T)                                \
	T(VNET_RX, 1, 0) LAT_PATH_VM_SWITCH(P) T(DEV_QUEUE, 8, 0) P(DEV_XMIT, 11, 0) \
	T(NETIF_RX, 0, 1) T(VNET_QUEUE, 0, 8) P(VNET_XMIT, 0, 12)

/* per-packet records: the device tracepoints (tc programs cannot take the
 * process, the comm or a stack) */
#define LAT_PATH_VM_NETWORK_LATENCY_DETAILS(P, T)                                \
	LAT_PATH_VM_NETWORK_LATENCY_SUMMARY(P, P)

#define LAT_PATH_VM_NETWORK_PERFORMANCE_METRICS(P, T)                            \
	P(VNET_RX, 1, 0) LAT_PATH_VM_SWITCH(P) P(DEV_QUEUE, 8, 0)               \
	P(QDISC_ENQ, 9, 0) P(QDISC_DEQ, 10, 0) P(DEV_XMIT, 11, 0)               \
	P(NETIF_RX, 0, 1) P(VNET_QUEUE, 0, 8) P(VNET_XMIT, 0, 12)

/* Between two VMs on this host: the source VM's tap receives (--src-vm-interface, the
 * VM set), a switch, the destination VM's tap queues and transmits it to that VM
 * (--dst-vm-interface, the path's far set: the DEV hooks). One direction. */
#define LAT_PATH_VM_PAIR(P, T)                                                   \
	T(VNET_RX, 1, 0) LAT_PATH_VM_SWITCH(P) T(DEV_QUEUE, 8, 0) P(DEV_XMIT, 11, 0)
#define LAT_PATH_VM_PAIR_LATENCY LAT_PATH_VM_PAIR
#define LAT_PATH_VM_PAIR_GAP(P, T) LAT_PATH_VM_PAIR(P, P)

#endif
