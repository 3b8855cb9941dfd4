/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A synthetic 40-hook path tool (issue #14): the family's 23 catalogue hooks
 * and 17 synthetic transmit hooks after them (a longer path, e.g. through
 * OVS, tun and vhost). The engine builds on it (lat_path40.bpf.c, a build
 * test) and test_lat.c lays it out: records, masks and the event are sized
 * by a tool's list, not by 32-bit masks or the whole family.
 */
#ifndef LAT_PATH40_H
#define LAT_PATH40_H

#include "../../src/tools/latency/lat.h"

#define LAT_SYN_ROW(X, K, id, tag, pos) X(id, #tag, "synthetic hook", true, LAT_CL_IP, pos, 0, \
	K##_TP(id, tag, net_dev_queue, "net", 0, trace_event_raw_net_dev_template))
#define LAT_H_SYN00(X, K) LAT_SYN_ROW(X, K, SYN00, syn00, 13)
#define LAT_H_SYN01(X, K) LAT_SYN_ROW(X, K, SYN01, syn01, 14)
#define LAT_H_SYN02(X, K) LAT_SYN_ROW(X, K, SYN02, syn02, 15)
#define LAT_H_SYN03(X, K) LAT_SYN_ROW(X, K, SYN03, syn03, 16)
#define LAT_H_SYN04(X, K) LAT_SYN_ROW(X, K, SYN04, syn04, 17)
#define LAT_H_SYN05(X, K) LAT_SYN_ROW(X, K, SYN05, syn05, 18)
#define LAT_H_SYN06(X, K) LAT_SYN_ROW(X, K, SYN06, syn06, 19)
#define LAT_H_SYN07(X, K) LAT_SYN_ROW(X, K, SYN07, syn07, 20)
#define LAT_H_SYN08(X, K) LAT_SYN_ROW(X, K, SYN08, syn08, 21)
#define LAT_H_SYN09(X, K) LAT_SYN_ROW(X, K, SYN09, syn09, 22)
#define LAT_H_SYN10(X, K) LAT_SYN_ROW(X, K, SYN10, syn10, 23)
#define LAT_H_SYN11(X, K) LAT_SYN_ROW(X, K, SYN11, syn11, 24)
#define LAT_H_SYN12(X, K) LAT_SYN_ROW(X, K, SYN12, syn12, 25)
#define LAT_H_SYN13(X, K) LAT_SYN_ROW(X, K, SYN13, syn13, 26)
#define LAT_H_SYN14(X, K) LAT_SYN_ROW(X, K, SYN14, syn14, 27)
#define LAT_H_SYN15(X, K) LAT_SYN_ROW(X, K, SYN15, syn15, 28)
#define LAT_H_SYN16(X, K) LAT_SYN_ROW(X, K, SYN16, syn16, 29)
#define LAT_SYN_HOOKS(X, K)                                                      \
	LAT_H_SYN00(X, K) LAT_H_SYN01(X, K) LAT_H_SYN02(X, K) LAT_H_SYN03(X, K) \
	LAT_H_SYN04(X, K) LAT_H_SYN05(X, K) LAT_H_SYN06(X, K) LAT_H_SYN07(X, K) \
	LAT_H_SYN08(X, K) LAT_H_SYN09(X, K) LAT_H_SYN10(X, K) LAT_H_SYN11(X, K) \
	LAT_H_SYN12(X, K) LAT_H_SYN13(X, K) LAT_H_SYN14(X, K) LAT_H_SYN15(X, K) \
	LAT_H_SYN16(X, K)
/* their ids follow the catalogue's */
enum lat_syn_hook { LAT_SYN_BEFORE = LH_MAX - 1, LAT_SYN_HOOKS(LAT_HOOK_ENUM, LAT_U) LAT_SYN_END };

/* the path: every catalogue hook (catalogue order: slot == hook), then the 17 */
#define LAT_PATH40(P, T)                                                         \
	P(IP_QUEUE_XMIT) P(IP_SEND_SKB) P(IP_LOCAL_OUT) P(__IP_LOCAL_OUT)       \
	P(IP_OUTPUT) P(OVS_INT_XMIT) P(OVS_FRAME_HOOK) P(OVS_DP_PROCESS)        \
	P(OVS_DP_UPCALL) P(OVS_KEY_EXTRACT_US) P(OVS_VPORT_SEND) T(DEV_QUEUE)   \
	P(QDISC_ENQ) P(QDISC_DEQ) P(DEV_XMIT) T(NETIF_RX) P(IP_RCV) P(TCP_RCV)  \
	P(UDP_RCV) P(ICMP_RCV) P(SK_DATA_READY) P(SOCK_COPY) P(CONSUME)         \
	P(SYN00) P(SYN01) P(SYN02) P(SYN03) P(SYN04) P(SYN05) P(SYN06)          \
	P(SYN07) P(SYN08) P(SYN09) P(SYN10) P(SYN11) P(SYN12) P(SYN13)          \
	P(SYN14) P(SYN15) P(SYN16)
#define LAT_PATH40_N 40

#endif
