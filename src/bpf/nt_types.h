/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Types shared by every BPF program and its user-space half. Fixed-width
 * fields only, so both sides agree on the layout.
 */
#ifndef NT_TYPES_H
#define NT_TYPES_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define NT_MAX_IFACES   8       /* interfaces one tool may name (bond slaves) */
#define NT_STACK_DEPTH  32      /* kernel frames kept per stack */

/* An interface is identified by its network namespace and ifindex: ifindexes
 * start at 1 in every namespace, so ifindex alone matches strangers. */
struct nt_ifref {
	__u32 netns;            /* inode of the netns (/proc/self/ns/net) */
	__u32 ifindex;
};

/* Largest event any tool emits: the slot size of the queue-map transport used
 * on kernels without a ring buffer (src/bpf/nt_events.bpf.h). */
#define NT_EVENT_MAX 1536

/* Per-CPU counters every tool has (index into the nt_counters map). Tools may
 * add their own after NT_CNT_TOOL_BASE. */
enum nt_counter {
	NT_CNT_LOST_EVENTS = 0,     /* ring buffer full: event not delivered */
	NT_CNT_MAP_FULL,            /* flow/aggregation map refused an insert */
	NT_CNT_STACK_LOST,          /* stack id could not be taken */
	NT_CNT_LIST_TRUNC,          /* skbs of a receive list beyond NT_RX_LIST_MAX, not seen */
	NT_CNT_HOOK_MISSED,         /* a stub's run its shared program did not get (nt_handoff.bpf.h) */
	NT_CNT_TOOL_BASE,
	NT_CNT_MAX = 16,
};

/* An IPv4 or IPv6 address; IPv4 uses the first 4 bytes. Network byte order. */
union nt_addr {
	__u8  v6[16];
	__u32 v4;
	__u32 w[4];
};

/* The fields of a packet the tools filter and report on. */
struct nt_pkt {
	union nt_addr saddr;
	union nt_addr daddr;
	__u16 sport;            /* host order; ICMP echo: 0 */
	__u16 dport;
	__u16 l3_proto;         /* ETH_P_IP / ETH_P_IPV6 / other ethertype, host order */
	__u8  family;           /* 4, 6, or 0 when not IP */
	__u8  l4_proto;         /* IPPROTO_* */
	__u8  icmp_type;
	__u8  icmp_code;
	__u16 icmp_id;          /* echo id, host order */
	__u16 icmp_seq;
	__u16 ip_id;
	__u16 pad;
};

/* An in-kernel 5-tuple filter; zero fields match anything. */
struct nt_filter {
	union nt_addr saddr;
	union nt_addr daddr;
	__u16 sport;
	__u16 dport;
	__u8  family;           /* 0 any, 4, 6 */
	__u8  l4_proto;         /* 0 any */
	__u8  has_saddr;
	__u8  has_daddr;
	__u16 port;             /* either sport or dport */
	__u16 pad;
};

#endif
