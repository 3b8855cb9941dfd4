/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The host-network latency family (system_network_icmp_rtt, kernel_icmp_rtt,
 * system_network_latency_summary, system_network_latency_details,
 * system_network_perfomance_metrics) shares one kernel engine
 * (lat_engine.bpf.h) and this header.
 *
 * A "hook" is one kernel point a packet passes (net_dev_queue, icmp_rcv, ...),
 * declared once in the catalogue below. Each tool is its ordered list of
 * hooks (lat_paths.h), one stage per hook; user space orders the planned
 * slots of each path into positions (targ_cfg.pos) and the kernel stamps a
 * packet's record at every hook, first stamp wins. Two paths: for the ICMP
 * RTT tools path 0 is the echo request and path 1 the reply; for the one-way
 * tools path 0 is transmit (socket -> NIC) and path 1 receive (NIC -> socket).
 */
#ifndef NT_LAT_H
#define NT_LAT_H

#include "nt_types.h"
#include "nt_hist.h"

/*
 * The hook catalogue: one row per kernel hook, expanded by both sides.
 *   X(ID, name, what, optional, class, tx_pos, rx_pos, candidates...)
 * class: LAT_CL_DEV hooks are matched against --phy-interface, LAT_CL_VM
 * against --vm-interface, LAT_CL_SOCK hooks have no device, LAT_CL_OVS hooks
 * (a switch: OVS or the Linux bridge) never open a record. tx_pos/rx_pos:
 * the hook's default position in the host's transmit/receive order (0: not
 * there); a path may give its own (P(ID, tx, rx), lat_paths.h).
 * Candidates are K##_KIND(ID, ...) items: each is one probe candidate and
 * the BPF program serving it, so K picks the side: LAT_U* gives the stage's
 * struct nt_candidate rows (lat_common.c), LAT_B* the programs
 * (lat_engine.bpf.h); the *T variants also expand K##_TC, the per-interface
 * tc candidate (a path lists the hook with T() for it). Kinds:
 *   TP(ID, tag, tracepoint, category, skb arg, trace_event_raw struct)
 *      tp_btf, raw_tp and classic tracepoint
 *   FN(ID, tag, function, skb arg, sock arg (-1: none), LAT_F_* flags)
 *      fentry and kprobe
 *   TC(ID, NT_PK_TC_*, "egress"|"ingress", tag, LAT_IFSET_*)
 *      tc on each interface of the set     RXC(ID): the receive core's function probes
 *   SKR(ID): sock:sk_data_ready (the socket's newest skb)
 * The skb argument of a program is the candidate's own (e.g. qdisc
 * tracepoints take it third): one hook, several signatures.
 */
#define LAT_CL_IP   0
#define LAT_CL_OVS  1
#define LAT_CL_DEV  2
#define LAT_CL_SOCK 3
#define LAT_CL_VM   4           /* a VM's tap: matched against --vm-interface */

/* The per-interface sets a tc candidate goes on (nt_plan_ctx): */
#define LAT_IFSET_PHY 0         /* --phy-interface */
#define LAT_IFSET_VM  1         /* --vm-interface */

#define LAT_H_IP_QUEUE_XMIT(X, K) X(IP_QUEUE_XMIT, "ip_queue_xmit", \
	"TCP segment handed to IP (__ip_queue_xmit)", true, LAT_CL_IP, 1, 0, \
	K##_FN(IP_QUEUE_XMIT, ipqx, __ip_queue_xmit, 1, 0, 0))
#define LAT_H_IP_SEND_SKB(X, K) X(IP_SEND_SKB, "ip_send_skb", \
	"UDP/ICMP datagram handed to IP (ip_send_skb)", true, LAT_CL_IP, 1, 0, \
	K##_FN(IP_SEND_SKB, ipss, ip_send_skb, 1, -1, 0))
#define LAT_H_IP_LOCAL_OUT(X, K) X(IP_LOCAL_OUT, "ip_local_out", \
	"locally generated packet enters IP output (ip_local_out)", true, LAT_CL_IP, 2, 0, \
	K##_FN(IP_LOCAL_OUT, iplo, ip_local_out, 2, -1, 0))
#define LAT_H___IP_LOCAL_OUT(X, K) X(__IP_LOCAL_OUT, "__ip_local_out", \
	"IP output called directly (__ip_local_out, some 5.10 builds)", true, LAT_CL_IP, 2, 0, \
	K##_FN(__IP_LOCAL_OUT, iplo2, __ip_local_out, 2, -1, 0))
#define LAT_H_IP_OUTPUT(X, K) X(IP_OUTPUT, "ip_output", \
	"IP output after netfilter OUTPUT (ip_output)", true, LAT_CL_IP, 3, 0, \
	K##_FN(IP_OUTPUT, ipout, ip_output, 2, -1, 0))
#define LAT_H_OVS_INT_XMIT(X, K) X(OVS_INT_XMIT, "internal_dev_xmit", \
	"host stack -> OVS internal port (openvswitch module)", true, LAT_CL_OVS, 4, 0, \
	K##_FN(OVS_INT_XMIT, ovsix, internal_dev_xmit, 0, -1, 0))
#define LAT_H_OVS_FRAME_HOOK(X, K) X(OVS_FRAME_HOOK, "netdev_frame_hook", \
	"NIC -> OVS bridge (openvswitch module)", true, LAT_CL_OVS, 0, 2, \
	K##_FN(OVS_FRAME_HOOK, ovsfh, netdev_frame_hook, 0, -1, LAT_F_PSKB))
#define LAT_H_OVS_DP_PROCESS(X, K) X(OVS_DP_PROCESS, "ovs_dp_process_packet", \
	"OVS datapath flow lookup (openvswitch module)", true, LAT_CL_OVS, 5, 3, \
	K##_FN(OVS_DP_PROCESS, ovsdp, ovs_dp_process_packet, 0, -1, 0))
#define LAT_H_OVS_DP_UPCALL(X, K) X(OVS_DP_UPCALL, "ovs_dp_upcall", \
	"OVS flow miss sent to ovs-vswitchd (openvswitch module)", true, LAT_CL_OVS, 6, 4, \
	K##_FN(OVS_DP_UPCALL, ovsup, ovs_dp_upcall, 1, -1, 0))
#define LAT_H_OVS_KEY_EXTRACT_US(X, K) X(OVS_KEY_EXTRACT_US, "ovs_flow_key_extract_userspace", \
	"packet back from ovs-vswitchd (openvswitch module)", true, LAT_CL_OVS, 7, 5, \
	K##_FN(OVS_KEY_EXTRACT_US, ovske, ovs_flow_key_extract_userspace, 2, -1, LAT_F_FROM_DATA))
#define LAT_H_OVS_VPORT_SEND(X, K) X(OVS_VPORT_SEND, "ovs_vport_send", \
	"OVS sends to a port (openvswitch module)", true, LAT_CL_OVS, 8, 6, \
	K##_FN(OVS_VPORT_SEND, ovsvs, ovs_vport_send, 1, -1, 0))
#define LAT_H_DEV_QUEUE(X, K) X(DEV_QUEUE, "net_dev_queue", \
	"packet queued to a physical interface (dev_queue_xmit)", true, LAT_CL_DEV, 9, 0, \
	K##_TC(DEV_QUEUE, NT_PK_TC_EGRESS, "egress", devq, LAT_IFSET_PHY) \
	K##_TP(DEV_QUEUE, devq, net_dev_queue, "net", 0, trace_event_raw_net_dev_template) \
	K##_FN(DEV_QUEUE, devq, __dev_queue_xmit, 0, -1, 0))
/* qdisc tracepoints: (qdisc, txq, skb) / (qdisc, txq, packets, skb) */
#define LAT_H_QDISC_ENQ(X, K) X(QDISC_ENQ, "qdisc_enqueue", \
	"packet enqueued to the physical interface's qdisc", true, LAT_CL_DEV, 10, 0, \
	K##_TP(QDISC_ENQ, qenq, qdisc_enqueue, "qdisc", 2, trace_event_raw_qdisc_enqueue))
#define LAT_H_QDISC_DEQ(X, K) X(QDISC_DEQ, "qdisc_dequeue", \
	"packet dequeued from the physical interface's qdisc", true, LAT_CL_DEV, 11, 0, \
	K##_TP(QDISC_DEQ, qdeq, qdisc_dequeue, "qdisc", 3, trace_event_raw_qdisc_dequeue))
#define LAT_H_DEV_XMIT(X, K) X(DEV_XMIT, "net_dev_xmit", \
	"packet handed to the physical interface's driver", false, LAT_CL_DEV, 12, 0, \
	K##_TP(DEV_XMIT, xmit, net_dev_start_xmit, "net", 0, trace_event_raw_net_dev_start_xmit) \
	K##_FN(DEV_XMIT, xmit, dev_hard_start_xmit, 0, -1, 0))
#define LAT_H_NETIF_RX(X, K) X(NETIF_RX, "netif_receive_skb", \
	"packet received on a physical interface", false, LAT_CL_DEV, 0, 1, \
	K##_TC(NETIF_RX, NT_PK_TC_INGRESS, "ingress", rx, LAT_IFSET_PHY) \
	K##_TP(NETIF_RX, rx, netif_receive_skb, "net", 0, trace_event_raw_net_dev_template) \
	K##_RXC(NETIF_RX))
#define LAT_H_IP_RCV(X, K) X(IP_RCV, "ip_rcv", \
	"IPv4 receive (ip_rcv_core, used by ip_rcv and ip_list_rcv)", true, LAT_CL_IP, 0, 7, \
	K##_FN(IP_RCV, iprcv, ip_rcv_core, 0, -1, 0) K##_FN(IP_RCV, iprcv2, ip_rcv, 0, -1, 0))
#define LAT_H_TCP_RCV(X, K) X(TCP_RCV, "tcp_v4_rcv", \
	"TCP receive (tcp_v4_rcv)", true, LAT_CL_IP, 0, 8, \
	K##_FN(TCP_RCV, tcprcv, tcp_v4_rcv, 0, -1, 0))
#define LAT_H_UDP_RCV(X, K) X(UDP_RCV, "__udp4_lib_rcv", \
	"UDP receive (__udp4_lib_rcv)", true, LAT_CL_IP, 0, 8, \
	K##_FN(UDP_RCV, udprcv, __udp4_lib_rcv, 0, -1, 0))
#define LAT_H_ICMP_RCV(X, K) X(ICMP_RCV, "icmp_rcv", \
	"ICMP receive (icmp_rcv)", true, LAT_CL_IP, 0, 8, \
	K##_FN(ICMP_RCV, icmprcv, icmp_rcv, 0, -1, 0))
#define LAT_H_SK_DATA_READY(X, K) X(SK_DATA_READY, "sk_data_ready", \
	"UDP datagram queued to its socket (sock:sk_data_ready, 6.6+)", true, LAT_CL_SOCK, 0, 9, \
	K##_SKR(SK_DATA_READY))
#define LAT_H_SOCK_COPY(X, K) X(SOCK_COPY, "skb_copy_datagram_iovec", \
	"a reader copies the packet out of its socket", true, LAT_CL_SOCK, 0, 10, \
	K##_TP(SOCK_COPY, copy, skb_copy_datagram_iovec, "skb", 0, trace_event_raw_skb_copy_datagram_iovec))
#define LAT_H_CONSUME(X, K) X(CONSUME, "consume_skb", \
	"packet freed after use (e.g. an echo request answered by the kernel)", true, LAT_CL_SOCK, 0, 10, \
	K##_TP(CONSUME, consume, consume_skb, "skb", 0, trace_event_raw_consume_skb))

/* A VM's side of the host (its tap, vnet) and the Linux bridge between it
 * and the physical interface. The tap's receive is the VM transmitting. They
 * have no host positions: a VM path gives its own (P(ID, tx, rx)). */
#define LAT_H_VNET_RX(X, K) X(VNET_RX, "vnet_rx", \
	"frame from the VM received on its tap (netif_receive_skb on --vm-interface)", false, \
	LAT_CL_VM, 0, 0, \
	K##_TC(VNET_RX, NT_PK_TC_INGRESS, "ingress", vrx, LAT_IFSET_VM) \
	K##_TP(VNET_RX, vrx, netif_receive_skb, "net", 0, trace_event_raw_net_dev_template))
#define LAT_H_VNET_QUEUE(X, K) X(VNET_QUEUE, "vnet_queue", \
	"frame queued to the VM's tap (dev_queue_xmit on --vm-interface)", true, LAT_CL_VM, 0, 0, \
	K##_TC(VNET_QUEUE, NT_PK_TC_EGRESS, "egress", vq, LAT_IFSET_VM) \
	K##_TP(VNET_QUEUE, vq, net_dev_queue, "net", 0, trace_event_raw_net_dev_template))
#define LAT_H_VNET_XMIT(X, K) X(VNET_XMIT, "tun_net_xmit", \
	"frame handed to the tap's driver, toward the VM (tun_net_xmit)", false, LAT_CL_VM, 0, 0, \
	K##_TP(VNET_XMIT, vxmit, net_dev_start_xmit, "net", 0, trace_event_raw_net_dev_start_xmit) \
	K##_FN(VNET_XMIT, vxmit, tun_net_xmit, 0, -1, 0))
#define LAT_H_BR_HANDLE_FRAME(X, K) X(BR_HANDLE_FRAME, "br_handle_frame", \
	"frame enters a Linux bridge port (rx_handler)", true, LAT_CL_OVS, 0, 0, \
	K##_FN(BR_HANDLE_FRAME, brhf, br_handle_frame, 0, -1, LAT_F_PSKB))
#define LAT_H_BR_FORWARD(X, K) X(BR_FORWARD, "br_forward", \
	"the bridge forwards the frame to its port", true, LAT_CL_OVS, 0, 0, \
	K##_FN(BR_FORWARD, brfw, br_forward, 1, -1, 0))
#define LAT_H_BR_FLOOD(X, K) X(BR_FLOOD, "br_flood", \
	"the bridge floods the frame (destination not learned yet, broadcast)", true, LAT_CL_OVS, 0, 0, \
	K##_FN(BR_FLOOD, brfl, br_flood, 1, -1, 0))

/* Every row, in catalogue (enum) order. */
#define LAT_HOOKS(X, K)                                                          \
	LAT_H_IP_QUEUE_XMIT(X, K) LAT_H_IP_SEND_SKB(X, K) LAT_H_IP_LOCAL_OUT(X, K)  \
	LAT_H___IP_LOCAL_OUT(X, K) LAT_H_IP_OUTPUT(X, K) LAT_H_OVS_INT_XMIT(X, K)  \
	LAT_H_OVS_FRAME_HOOK(X, K) LAT_H_OVS_DP_PROCESS(X, K)                      \
	LAT_H_OVS_DP_UPCALL(X, K) LAT_H_OVS_KEY_EXTRACT_US(X, K)                   \
	LAT_H_OVS_VPORT_SEND(X, K) LAT_H_DEV_QUEUE(X, K) LAT_H_QDISC_ENQ(X, K)     \
	LAT_H_QDISC_DEQ(X, K) LAT_H_DEV_XMIT(X, K) LAT_H_NETIF_RX(X, K)            \
	LAT_H_IP_RCV(X, K) LAT_H_TCP_RCV(X, K) LAT_H_UDP_RCV(X, K)                 \
	LAT_H_ICMP_RCV(X, K) LAT_H_SK_DATA_READY(X, K) LAT_H_SOCK_COPY(X, K)       \
	LAT_H_CONSUME(X, K) LAT_H_VNET_RX(X, K) LAT_H_VNET_QUEUE(X, K)              \
	LAT_H_VNET_XMIT(X, K) LAT_H_BR_HANDLE_FRAME(X, K) LAT_H_BR_FORWARD(X, K)      \
	LAT_H_BR_FLOOD(X, K)

#define LAT_HOOK_ENUM(id, ...) LH_##id,
enum lat_hook { LAT_HOOKS(LAT_HOOK_ENUM, LAT_U) LH_MAX };

/* The VM tap's hook on the same tracepoint as a physical interface's hook,
 * or -1: where a plan takes that tracepoint for both, one program serves
 * the two (lat_on_tp(), lat_engine.bpf.h). */
#define LAT_TWINS(X) X(DEV_QUEUE, VNET_QUEUE) X(DEV_XMIT, VNET_XMIT) X(NETIF_RX, VNET_RX)
#define LAT_TWIN_CASE(dev, vm) case LH_##dev: return LH_##vm;
static inline int lat_twin_hook(int hook)
{
	switch (hook) {
	LAT_TWINS(LAT_TWIN_CASE)
	}
	return -1;
}

/*
 * A path tool is its ordered list of hooks (lat_paths.h): P(ID), or T(ID) for
 * the hook's per-interface tc candidate first; P(ID, tx, rx) / T(ID, tx, rx)
 * give the hook's positions in this path's transmit and receive orders
 * instead of the catalogue's. A hook's place in the list is its slot:
 * records, positions and masks are indexed by slot, so they are sized by the
 * tool's list, not by the catalogue.
 */
#define LAT_MAX_HOOKS 64        /* hooks per path tool: the width of the slot masks */
#define LAT_NO_SLOT   0xff

#define LAT_NPATHS 2
#define LAT_MAX_PHY NT_MAX_IFACES

enum lat_mode {
	LAT_MODE_ICMP = 0,      /* echo exchanges: request path 0, reply path 1 */
	LAT_MODE_FLOW,          /* one-way packets: path 0 transmit, path 1 receive */
};

/* Everything user space tells the kernel, in one rodata struct so the common
 * code can fill it for every tool's skeleton. */
struct lat_kcfg {
	__u64 start_mask[LAT_NPATHS];    /* slots that may open a record of this path */
	__u64 open_mask[LAT_NPATHS];     /* flow mode: start slots at the path's first position,
					  * where any record of the key is stale: the new one
					  * is stored without looking it up first */
	__u64 threshold_ns;              /* report only packets at least this slow */
	__u64 twin_mask;                 /* VM slots served by their physical twin's program
					  * (one tracepoint for both: lat_on_tp()) */
	__u8  pos[LAT_NPATHS][LAT_MAX_HOOKS]; /* 1-based position of a slot in a path; 0: not in it */
	__u8  end_pos[LAT_NPATHS];       /* a stamp at this position (or later) ends the path */
	__u8  mode;                      /* enum lat_mode */
	__u8  final_path;                /* ICMP: the path whose end completes the exchange */
	__u8  stage_stacks;              /* ICMP: a stack id at every stage */
	__u8  final_stack;               /* reported packets carry the stack of their last stage */
	__u8  pair_hist;                 /* summary: histograms per adjacent stage pair */
	__u8  aggregate;                 /* summary: no events, histograms only */
	__u8  udp_end_slot;              /* a UDP packet's receive path ends here (LAT_NO_SLOT: at end_pos) */
	__u8  has_vm_ip;
	__u8  fwd_path;                  /* a forwarding path (VM <-> NIC): every packet reaches its end */
	__u8  pad;
	__u32 vm_ip;                     /* network order: the VM's address, either end of a packet */
	struct nt_filter filter;         /* IPv4; l4_proto 0 = tcp, udp and icmp. ICMP mode: the
					  * requests' source and destination */
	__u32 nphy;
	struct nt_ifref phy[LAT_MAX_PHY];
	__u32 nvm;                       /* LAT_CL_VM hooks: the VM's taps */
	struct nt_ifref vm[LAT_MAX_PHY];
};

/* A packet's identity across hooks. ICMP mode: id1 = echo id << 16 | seq.
 * Flow mode: the 5-tuple, plus TCP seq/ack, UDP IP id/fragment offset, ICMP
 * id<<16|seq / type. */
struct lat_key {
	__u32 saddr, daddr;
	__u16 sport, dport;
	__u8  proto;
	__u8  pad[3];
	__u32 id1, id2;
};

struct lat_stamp {
	__u64 ts;               /* bpf_ktime_get_ns(), 0 = not seen */
	__u32 ifindex;          /* skb->dev at the hook (0 if none) */
	__u16 cpu;
	__u16 qlen;             /* qdisc hooks: queue length at the hook */
};

/* Packet facts taken at the first stamp. */
struct lat_pkt {
	__u32 saddr, daddr;
	__u16 sport, dport;     /* ICMP: 0 */
	__u8  proto;
	__u8  tcp_flags;
	__u8  icmp_type;
	__u8  flags;            /* LAT_PKT_* */
	__u16 ip_id;
	__u16 frag_off;         /* host order, flags included */
	__u32 seq, ack;         /* TCP */
	__u16 icmp_id, icmp_seq;
	__u32 len;              /* skb->len */
	__u32 ip_len;           /* IP total length */
};

#define LAT_PKT_NO_PAYLOAD 1     /* TCP segment carrying no data (pure ACK, bare SYN/FIN) */

/*
 * A packet (or an echo exchange) in flight: this head, then the per-slot
 * arrays of the tool's list,
 *   struct lat_stamp st[rec_paths][nhooks];
 *   __s32 stack_id[rec_paths][nhooks];      ICMP stage stacks, -1 = none
 * rec_paths is 2 for the ICMP tools (an exchange has both paths) and 1 for
 * the one-way ones (a record is of one path). The engine declares the whole
 * record (lat_engine.bpf.h); user space reads the arrays with lat_geom.
 */
#define LAT_REC_HEAD_FIELDS                                                      \
	__u64 first_ts, last_ts;                                                 \
	__u32 pid[LAT_NPATHS];          /* task at each path's first stamp */    \
	char  comm[LAT_NPATHS][16];                                              \
	struct lat_pkt pkt;                                                      \
	__u8  path;                     /* flow mode: the packet's path */       \
	__u8  last_slot, last_pos;                                               \
	__u8  seen[LAT_NPATHS];         /* the engine's: a path has a stamp */   \
	__u8  pad[5 - LAT_NPATHS]
struct lat_rec_head {
	LAT_REC_HEAD_FIELDS;
};

#define LAT_REC_SIZE(nhooks, rec_paths)                                               \
	((sizeof(struct lat_rec_head) +                                               \
	  (rec_paths) * (nhooks) * (sizeof(struct lat_stamp) + sizeof(__s32)) + 7) & ~7ul)

/* The summary's record: only what the histograms need. */
struct lat_srec {
	__u64 first_ts, last_ts;
	__u8  path, last_slot, last_pos, pad[5];
};

/* An event: this head, then the record (LAT_REC_SIZE bytes). */
struct lat_event_head {
	struct lat_key key;
	__u64 total_ns;
	__s32 stack_bytes;       /* bytes of stack[] (last stage's stack), <0: none */
	__u32 pad;
	__u64 stack[NT_STACK_DEPTH];
};

#define LAT_EVENT_SIZE(nhooks, rec_paths) \
	(sizeof(struct lat_event_head) + LAT_REC_SIZE(nhooks, rec_paths))

/* A tool's record geometry, in its object's rodata (lat_geom): user space
 * reads its events with it. */
struct lat_geom {
	__u16 nhooks, rec_paths;
	__u32 event_size;
};

/* Summary aggregation (per interval generation) */
struct lat_pair_key {
	__u8 gen, path, prev, cur;
};

struct lat_flow_key {
	__u32 saddr, daddr;
	__u16 sport, dport;
	__u8  proto, path, gen, pad;
};

enum lat_gen_counter {
	LAT_GC_STARTED = 0,     /* records opened */
	LAT_GC_COMPLETED,       /* records that reached the path's end */
	LAT_GC_RESTARTED,       /* a record's key came back at a start hook before it ended */
	LAT_GC_MAX,
};
#define LAT_GEN_CNT_IDX(gen, path, c) (((gen) * LAT_NPATHS + (path)) * LAT_GC_MAX + (c))
#define LAT_GEN_CNT_N (2 * LAT_NPATHS * LAT_GC_MAX)

enum lat_counter {
	LAT_CNT_STARTED = NT_CNT_TOOL_BASE,   /* records opened */
	LAT_CNT_COMPLETED,                    /* records that reached their end */
	LAT_CNT_REPORTED,                     /* completed and slow enough: sent up */
	LAT_CNT_RESTARTED,                    /* key reused before the record ended */
};

#define LAT_MAX_RECS   10240
#define LAT_SLOT_SETS  4096             /* summary: in-flight table, 2 ways per set */
#define LAT_SLOT_WAYS  2
#define LAT_SLOT_LIVE_NS 1000000000ULL  /* a record idle this long left its path unseen */
#define LAT_MAX_PAIRS  512
#define LAT_MAX_FLOWS  4096
#define LAT_MAX_STACKS 2048

#ifndef __bpf__
/* ---- user space ---- */
#include <stdbool.h>
#include "attach.h"
#include "cli.h"

struct bpf_object;
struct bpf_object_open_opts;
struct nt_json;
struct ksyms;

/* A catalogue row as user space needs it (lat_hooks[], indexed by hook). */
struct lat_hook_info {
	int id;                 /* enum lat_hook */
	const char *name;
	int cls;                /* LAT_CL_* */
	int tx_pos, rx_pos;
};
extern const struct lat_hook_info lat_hooks[LH_MAX];
#define LAT_HOOK_INFO(id, name, what, opt, cls, tx, rx, ...) \
	[LH_##id] = { LH_##id, name, cls, tx, rx },

/* ---- a path tool's stages, from its list (src/tools/latency/lat_paths.h):
 *   static const struct nt_stage stages[] = { LAT_PATH_X(LAT_STAGE, LAT_STAGE_PER_IF) };
 *   static const int hooks[] = { LAT_PATH_X(LAT_HOOK_ID, LAT_HOOK_ID) };        */
#define LAT_STAGE_ROW(id, name, what, opt, cls, tx, rx, ...) { name, what, opt, { __VA_ARGS__ } },
#define LAT_STAGE(id, ...) LAT_H_##id(LAT_STAGE_ROW, LAT_U)
#define LAT_STAGE_PER_IF(id, ...) LAT_H_##id(LAT_STAGE_ROW, LAT_UT)
/* a slot: its hook and, when the list gives them, its positions */
struct lat_slot_def {
	int hook;               /* enum lat_hook */
	int tx_pos, rx_pos;     /* both 0: the catalogue's */
};
#define LAT_SLOT_DEF(id, ...) { LH_##id, ##__VA_ARGS__ },
#define LAT_HOOK_ID(id, ...) LH_##id,

/* candidates (program names as lat_engine.bpf.h defines them) */
/* first the stub handing off to the engine program (verified once for all
 * the tool's tracepoints; it reads through bpf_rdonly_cast), then a
 * program of its own per tracepoint */
#define LAT_U_TP(id, tag, tp, cat, argi, raw)                                    \
	{ NT_PK_RAW_TP, #tp, "nt_lat_" #tag "_hand", .shared = "nt_lat_engine",  \
	  .needs = "bpf_rdonly_cast" },                                          \
	{ NT_PK_TP_BTF, #tp, "nt_lat_" #tag "_btf" },                            \
	{ NT_PK_RAW_TP, #tp, "nt_lat_" #tag "_raw" },                            \
	{ NT_PK_TRACEPOINT, cat "/" #tp, "nt_lat_" #tag "_tp" },
#define LAT_U_FN(id, tag, fn, argi, ski, flags)                                  \
	{ NT_PK_FENTRY, #fn, "nt_lat_" #tag "_fe" },                             \
	{ NT_PK_KPROBE, #fn, "nt_lat_" #tag "_kp" },
#define LAT_U_TC(id, kind, dir, tag, set)
#define LAT_U_RXC(id)                                                            \
	{ NT_PK_FENTRY, "__netif_receive_skb_core", "nt_lat_rx_fe", 2 },         \
	{ NT_PK_FENTRY, "__netif_receive_skb_one_core", "nt_lat_rx_fe1", 0,      \
	  "__netif_receive_skb_list_core", "nt_lat_rx_fel" },                    \
	{ NT_PK_KPROBE, "__netif_receive_skb_core", "nt_lat_rx_kp", 2 },         \
	{ NT_PK_KPROBE, "__netif_receive_skb_core", "nt_lat_rx1_kp", 1 },        \
	{ NT_PK_KPROBE, "__netif_receive_skb_one_core", "nt_lat_rx_kp2", 0,      \
	  "__netif_receive_skb_list_core", "nt_lat_rx_kpl" },
#define LAT_U_SKR(id) LAT_U_TP(id, skready, sk_data_ready, "sock", 0, )
#define LAT_UT_TP LAT_U_TP
#define LAT_UT_FN LAT_U_FN
#define LAT_UT_TC(id, kind, dir, tag, set) { kind, dir, "nt_lat_" #tag "_tc", .ifset = set },
#define LAT_UT_RXC LAT_U_RXC
#define LAT_UT_SKR LAT_U_SKR

/* ---- the common runner */
enum lat_kind { LAT_KIND_RTT, LAT_KIND_SUMMARY, LAT_KIND_DETAILS, LAT_KIND_METRICS };

enum lat_dir { LAT_DIR_TX = 1, LAT_DIR_RX = 2, LAT_DIR_BOTH = 3 };

enum lat_sort { LAT_SORT_COUNT, LAT_SORT_AVG, LAT_SORT_P90, LAT_SORT_P99 };

struct lat_config {
	struct nt_filter filter;        /* IPv4 only: the kernel side matches IPv4 */
	const char *src_str, *dst_str;  /* the filter's addresses (lat_validate), NULL: any */
	char src_buf[INET6_ADDRSTRLEN], dst_buf[INET6_ADDRSTRLEN];
	int direction;                  /* enum lat_dir, 0 = not given */
	struct nt_iflist phy;           /* --phy-interface (or --interface) */
	struct nt_iflist vm;            /* --vm-interface: the VM's tap(s) (VM paths) */
	__u32 vm_ip;                    /* --vm-ip (network order): the VM's address, either end */
	bool has_vm_ip;
	struct nt_iface internal;       /* --internal-interface: checked, informational */
	double interval;                /* seconds */
	unsigned long long threshold_us;
	bool threshold_set;
	bool threshold_ms_given, threshold_us_given;    /* which flag set it */
	bool no_stacks, stage_latency, verbose;
	bool enable_ct;                 /* --enable-ct: accepted, as the reference (no effect) */
	unsigned long long top;
	int sort;
	unsigned needs;                 /* LAT_NEED_*: the member's cross-flag rules (lat_validate) */
};

/* A member's cross-flag rules, declared in its config's initialiser (its
 * required flags are NT_OPT_REQUIRED rows). */
enum lat_need {
	LAT_NEED_PAIR = 1 << 0,         /* --src-ip and --dst-ip, different */
	LAT_NEED_ONE_DIR = 1 << 1,      /* tx or rx, not both */
};

extern const struct nt_enum lat_dir_names[];     /* tx, rx, both */
extern const struct nt_enum lat_sort_names[];    /* count, avg, p90, p99 */

/* The family's option rows (cli.h typed rows into struct lat_config). The
 * threshold flags are custom rows (a member's handler: lat_handle_opt). */
#define LAT_C struct lat_config
#define LAT_OPT_IFLIST(name, help, fl) \
	NT_OPT_ROW(name, 0, "IF[,IF]", help, NT_OPT_IFLIST, LAT_C, phy, fl)
#define LAT_OPT_DIRECTION(meta, help, fl) \
	NT_OPT_E("direction", meta, help, LAT_C, direction, lat_dir_names, fl)
/* the 5-tuple filter; the kernel matches tcp, udp and icmp */
#define LAT_OPTS_FILTER NT_OPTS_FILTER(LAT_C, filter, NT_OPT_V4)
/* --src-ip/--dst-ip of an echo exchange (required; LAT_NEED_PAIR: different) */
#define LAT_OPTS_PAIR                                                                        \
	NT_OPT_ROW("src-ip", 0, "IP", "echo request source (required; this host with --direction tx)", \
		   NT_OPT_SRC_IP, LAT_C, filter, NT_OPT_V4 | NT_OPT_REQUIRED),                \
	NT_OPT_ROW("dst-ip", 0, "IP", "echo request destination (required)", NT_OPT_DST_IP,  \
		   LAT_C, filter, NT_OPT_V4 | NT_OPT_REQUIRED)
#define LAT_OPTS_THRESHOLD(ms_help)                                                          \
	{ "latency-ms", 0, "MS", ms_help, LAT_OPT_LAT_MS },                                  \
	{ "latency-us", 0, "US", "the same threshold in microseconds", LAT_OPT_LAT_US }
#define LAT_OPT_NO_STACKS(help) NT_OPT_B("disable-kernel-stacks", help, LAT_C, no_stacks)

/* VM members: the VM's tap and the physical interface(s), both required,
 * --direction in the VM's view, the VM's address and the 5-tuple filter. */
#define LAT_OPTS_VM(dir_flags)                                                               \
	NT_OPT_ROW("vm-interface", 0, "IF[,IF]", "the VM's tap(s) on this host, e.g. vnet0 (required)", \
		   NT_OPT_IFLIST, LAT_C, vm, NT_OPT_REQUIRED),                                \
	LAT_OPT_IFLIST("phy-interface", "physical interface(s), e.g. bond slaves (required)",  \
		       NT_OPT_REQUIRED),                                                      \
	LAT_OPT_DIRECTION("tx|rx|both", "the VM's view: tx leaves the VM (tap -> NIC), rx goes to it " \
			  "(NIC -> tap) (required)", dir_flags),                               \
	{ "vm-ip", 0, "IP", "the VM's address: packets from or to it", LAT_OPT_VM_IP },      \
	LAT_OPTS_FILTER

/* VM pair members: the two taps (the destination's is the path's far set) and the filter. */
#define LAT_OPTS_VM_PAIR                                                                     \
	NT_OPT_ROW("src-vm-interface", 0, "IF[,IF]", "the sending VM's tap(s), e.g. vnet100 (required)", \
		   NT_OPT_IFLIST, LAT_C, vm, NT_OPT_REQUIRED),                                \
	NT_OPT_ROW("dst-vm-interface", 0, "IF[,IF]", "the receiving VM's tap(s), e.g. vnet103 (required)", \
		   NT_OPT_IFLIST, LAT_C, phy, NT_OPT_REQUIRED),                               \
	LAT_OPTS_FILTER
#define LAT_VM_PAIR_CONFIG .direction = LAT_DIR_TX

/* Flow members (summary, details): --phy-interface and --direction, both
 * required, then the 5-tuple filter. */
#define LAT_OPTS_FLOW                                                                        \
	LAT_OPT_IFLIST("phy-interface", "physical interface(s), e.g. bond slaves (required)",  \
		       NT_OPT_REQUIRED),                                                      \
	LAT_OPT_DIRECTION("tx|rx|both", "tx: socket -> NIC, rx: NIC -> socket (required)",     \
			  NT_OPT_REQUIRED),                                                   \
	LAT_OPTS_FILTER
/* ICMP RTT members: the echo pair, the member's interface row @ifrow, one
 * direction, the threshold and the stack switch. */
#define LAT_OPTS_RTT(ifrow)                                                                  \
	LAT_OPTS_PAIR, ifrow,                                                                \
	LAT_OPT_DIRECTION("tx|rx", "tx: this host pings (default); rx: the peer pings this host", 0), \
	LAT_OPTS_THRESHOLD("report only exchanges whose RTT is at least MS"),                \
	LAT_OPT_NO_STACKS("no kernel stacks per stage")
/* Their config: tx unless --direction says otherwise; the pair differs. */
#define LAT_RTT_CONFIG { .direction = LAT_DIR_TX, .needs = LAT_NEED_PAIR | LAT_NEED_ONE_DIR }

enum lat_opt_key { LAT_OPT_LAT_MS = 1, LAT_OPT_LAT_US, LAT_OPT_VM_IP, LAT_OPT_THRESHOLD };
/* --latency-ms / --latency-us / --vm-ip / --threshold (us) */
int lat_handle_opt(int key, const char *arg, void *cfg);
/* Cross-flag checks (nt_cli.validate): 0, or -1 after nt_usage_error(). */
int lat_validate(void *cfg);

/* A family member: its name, kind and its list (the hook of each stage:
 * stage i is slot i). It is the ctx of the member's tool definition, whose
 * hooks are lat_tool_hooks. */
/* Where a member's path runs. */
enum lat_where {
	LAT_AT_HOST,            /* the host's own traffic: socket <-> physical interface */
	LAT_AT_VM,              /* a VM's: its tap <-> switch <-> physical interface */
	LAT_AT_VM_PAIR,         /* between two VMs: source tap -> switch -> destination tap
				 * (--dst-vm-interface is the path's far set, in cfg.phy) */
};

struct lat_tool {
	const char *name;
	enum lat_kind kind;
	const struct lat_slot_def *slots;       /* hook of each slot */
	int nhooks;
	enum lat_where where;
};
/* A member's struct lat_tool from its list, e.g.
 *   LAT_TOOL(system_network_latency_summary, SUMMARY, LAT_PATH_SYSTEM_..., HOST) */
#define LAT_TOOL(tname, tkind, list, at)                                             \
	static const struct lat_slot_def lat_slots_[] = { list(LAT_SLOT_DEF, LAT_SLOT_DEF) }; \
	static const struct lat_tool lat = { #tname, LAT_KIND_##tkind, lat_slots_,       \
					     NT_ARRAY_SIZE(lat_slots_), LAT_AT_##at }

extern const struct nt_tool_hooks lat_tool_hooks;
/* The summary members': lat_tool_hooks and --prometheus. */
extern const struct nt_tool_hooks lat_summary_hooks;

/* The parts of a member's struct nt_tool_def every member fills the same way,
 * from its statics `options`, `cfg`, `stages`, `lat` and its skeleton:
 *   .cli = { .tool = ..., .synopsis = ..., ..., LAT_CLI_ROWS }, LAT_DEF_REST(name) */
#define LAT_CLI_ROWS                                                                         \
	.opts = options, .nopts = NT_ARRAY_SIZE(options), .handle = lat_handle_opt,            \
	.validate = lat_validate, .cfg = &cfg
#define LAT_DEF_REST(tname)                                                                  \
	.stages = stages, .nstages = NT_ARRAY_SIZE(stages), .skel = &tname##_skel,             \
	.hooks = &lat_tool_hooks, .ctx = (void *)&lat
/* The same for a summary member (it serves metrics). */
#define LAT_SUMMARY_DEF_REST(tname)                                                          \
	.stages = stages, .nstages = NT_ARRAY_SIZE(stages), .skel = &tname##_skel,             \
	.hooks = &lat_summary_hooks, .ctx = (void *)&lat

/* A summary member's reporting rows: --interval, --stage-latency, --top, --sort-by. */
#define LAT_OPTS_SUMMARY(stage_help)                                                         \
	NT_OPT_INTERVAL('i', LAT_C, interval, "report every SEC seconds (default 5)"),         \
	NT_OPT_B("stage-latency", stage_help, LAT_C, stage_latency),                          \
	NT_OPT_ROW("top", 't', "N", "flows listed per report (default 10)", NT_OPT_UINT, LAT_C, top, \
		   0, 1, 1000, NULL),                                                          \
	NT_OPT_E("sort-by", "KEY", "order flows by count, avg, p90 or p99 (default count)", LAT_C, \
		 sort, lat_sort_names, 0)
#define LAT_SUMMARY_CONFIG .interval = 5, .top = 10, .sort = LAT_SORT_COUNT

/* ---- pure helpers (unit-tested) */
/* Fill pos/end_pos/start_mask of @k for @kind/@dir from a tool's list: the
 * catalogue row of each of its @n slots (positions: the list's), @planned[slot]
 * true when the slot's stage has a probe; @fwd: a forwarding (VM) path. */
void lat_layout(struct lat_kcfg *k, enum lat_kind kind, int dir, bool fwd,
		const struct lat_hook_info *const *slots, int n, const bool *planned);
/* Stamp @slot of @path in a record of geometry @g (its arrays follow the head). */
static inline const struct lat_stamp *lat_stamp(const struct lat_rec_head *r,
						const struct lat_geom *g, int path, int slot)
{
	const struct lat_stamp *st = (const void *)(r + 1);

	return &st[(path % g->rec_paths) * g->nhooks + slot];
}
static inline __s32 lat_stack_id(const struct lat_rec_head *r, const struct lat_geom *g,
				 int path, int slot)
{
	const __s32 *ids = (const void *)((const struct lat_stamp *)(r + 1) +
					  g->rec_paths * g->nhooks);

	return ids[(path % g->rec_paths) * g->nhooks + slot];
}
/* Stamped slots of @rec in time order over its paths: fills slots/paths
 * arrays (at most 2 * g->nhooks); returns how many. */
int lat_rec_order(const struct lat_rec_head *rec, const struct lat_geom *g, int *slots,
		  int *paths);
/* Index of the largest gap in ts[0..n-1] (segment i = ts[i] -> ts[i+1]); -1 if n < 2. */
int lat_bottleneck(const __u64 *ts, int n);
/* Median-based abnormality: true when @v >= 2 x median of @hist[0..n-1] (n >= 4). */
bool lat_abnormal(const double *hist, int n, double v);
const char *lat_sort_name(int s);
#endif

#include "lat_paths.h"

#endif
