/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The host-network latency family (system_network_icmp_rtt, kernel_icmp_rtt,
 * system_network_latency_summary, system_network_latency_details,
 * system_network_perfomance_metrics) shares one kernel engine
 * (lat_engine.bpf.h) and this header.
 *
 * A "hook" is one kernel point a packet passes (net_dev_queue, icmp_rcv, ...).
 * Each tool lists the hooks it wants as stages (src/tools/latency/lat_common.c
 * declares their candidates); user space orders the planned hooks of each
 * path into positions (targ_cfg.pos) and the kernel stamps a packet's record
 * at every hook, first stamp wins. Two paths: for the ICMP RTT tools path 0 is
 * the echo request and path 1 the reply; for the one-way tools path 0 is
 * transmit (socket -> NIC) and path 1 receive (NIC -> socket).
 */
#ifndef NT_LAT_H
#define NT_LAT_H

#include "nt_types.h"
#include "nt_hist.h"

enum lat_hook {
	LH_IP_QUEUE_XMIT = 0,   /* __ip_queue_xmit (TCP transmit; addresses from the socket) */
	LH_IP_SEND_SKB,         /* ip_send_skb (UDP, ICMP transmit) */
	LH_IP_LOCAL_OUT,        /* ip_local_out */
	LH___IP_LOCAL_OUT,      /* __ip_local_out (called directly by some 5.10 builds) */
	LH_IP_OUTPUT,           /* ip_output */
	LH_OVS_INT_XMIT,        /* internal_dev_xmit: host stack -> OVS internal port */
	LH_OVS_FRAME_HOOK,      /* netdev_frame_hook: NIC -> OVS */
	LH_OVS_DP_PROCESS,      /* ovs_dp_process_packet */
	LH_OVS_DP_UPCALL,       /* ovs_dp_upcall (flow miss) */
	LH_OVS_KEY_EXTRACT_US,  /* ovs_flow_key_extract_userspace (packet back from ovs-vswitchd) */
	LH_OVS_VPORT_SEND,      /* ovs_vport_send */
	LH_DEV_QUEUE,           /* net:net_dev_queue on a physical interface */
	LH_QDISC_ENQ,           /* qdisc:qdisc_enqueue on a physical interface */
	LH_QDISC_DEQ,           /* qdisc:qdisc_dequeue on a physical interface */
	LH_DEV_XMIT,            /* net:net_dev_start_xmit on a physical interface (driver) */
	LH_NETIF_RX,            /* net:netif_receive_skb on a physical interface */
	LH_IP_RCV,              /* ip_rcv_core / ip_rcv */
	LH_TCP_RCV,             /* tcp_v4_rcv */
	LH_UDP_RCV,             /* __udp4_lib_rcv */
	LH_ICMP_RCV,            /* icmp_rcv */
	LH_SK_DATA_READY,       /* sock:sk_data_ready on a UDP socket: the datagram queued to it (6.6+) */
	LH_SOCK_COPY,           /* skb:skb_copy_datagram_iovec: a reader copies it out of a socket */
	LH_CONSUME,             /* skb:consume_skb: freed after use (e.g. echo request answered) */
	LH_MAX,
};

#define LAT_NPATHS 2
#define LAT_MAX_PHY NT_MAX_IFACES

enum lat_mode {
	LAT_MODE_ICMP = 0,      /* echo exchanges: request path 0, reply path 1 */
	LAT_MODE_FLOW,          /* one-way packets: path 0 transmit, path 1 receive */
};

/* Everything user space tells the kernel, in one rodata struct so the common
 * code can fill it for every tool's skeleton. */
struct lat_kcfg {
	__u8  pos[LAT_NPATHS][LH_MAX];   /* 1-based position of a hook in a path; 0: not in it */
	__u8  end_pos[LAT_NPATHS];       /* a stamp at this position (or later) ends the path */
	__u32 start_mask[LAT_NPATHS];    /* hooks that may open a record of this path */
	__u32 open_mask[LAT_NPATHS];     /* flow mode: start hooks at the path's first position,
					  * where any record of the key is stale: the new one
					  * is stored without looking it up first */
	__u8  mode;                      /* enum lat_mode */
	__u8  final_path;                /* ICMP: the path whose end completes the exchange */
	__u8  stage_stacks;              /* ICMP: a stack id at every stage */
	__u8  final_stack;               /* reported packets carry the stack of their last stage */
	__u8  pair_hist;                 /* summary: histograms per adjacent stage pair */
	__u8  aggregate;                 /* summary: no events, histograms only */
	__u8  proto;                     /* 0 = tcp, udp and icmp */
	__u8  has_src, has_dst;
	__u8  udp_end_hook;              /* a UDP packet's receive path ends here (LH_MAX: at end_pos) */
	__u8  pad[2];
	__u32 src, dst;                  /* network order; ICMP: request source/destination */
	__u16 sport, dport;              /* host order, 0 = any */
	__u16 port;                      /* either sport or dport, 0 = any */
	__u16 pad2;
	__u32 nphy;
	struct nt_ifref phy[LAT_MAX_PHY];
	__u64 threshold_ns;              /* report only packets at least this slow */
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

/* A packet (or an echo exchange) in flight. */
struct lat_rec {
	struct lat_stamp st[LAT_NPATHS][LH_MAX];
	__s32 stack_id[LAT_NPATHS][LH_MAX];      /* ICMP stage stacks, -1 = none */
	__u64 first_ts, last_ts;
	__u32 pid[LAT_NPATHS];                   /* task at each path's first stamp */
	char  comm[LAT_NPATHS][16];
	struct lat_pkt pkt;
	__u8  path;                              /* flow mode: the packet's path */
	__u8  last_hook, last_pos;
	__u8  pad[5];
};

/* The summary's record: only what the histograms need. */
struct lat_srec {
	__u64 first_ts, last_ts;
	__u8  path, last_hook, last_pos, pad[5];
};

struct lat_event {
	struct lat_key key;
	struct lat_rec rec;
	__u64 total_ns;
	__s32 stack_bytes;       /* bytes of stack[] (last stage's stack), <0: none */
	__u32 pad;
	__u64 stack[NT_STACK_DEPTH];
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

/* What a stage is and where it sits: display name, and its position in the
 * transmit and the receive order (0 = not on that side). */
struct lat_hook_info {
	const char *name;
	int tx_pos, rx_pos;
	bool dev_filtered;      /* matched against --phy-interface */
};
extern const struct lat_hook_info lat_hooks[LH_MAX];

/* ---- stage candidates, one macro per hook (tools list the ones they use) */
#define LAT_TP_CANDS(tp, cat, tag)                                               \
	{ NT_PK_TP_BTF, #tp, "nt_lat_" #tag "_btf" },                            \
	{ NT_PK_RAW_TP, #tp, "nt_lat_" #tag "_raw" },                            \
	{ NT_PK_TRACEPOINT, cat "/" #tp, "nt_lat_" #tag "_tp" }
#define LAT_FN_CANDS(fn, tag)                                                    \
	{ NT_PK_FENTRY, #fn, "nt_lat_" #tag "_fe" },                             \
	{ NT_PK_KPROBE, #fn, "nt_lat_" #tag "_kp" }

#define LAT_ST_IP_QUEUE_XMIT { "ip_queue_xmit", "TCP segment handed to IP (__ip_queue_xmit)", true, { \
	LAT_FN_CANDS(__ip_queue_xmit, ipqx) } }
#define LAT_ST_IP_SEND_SKB { "ip_send_skb", "UDP/ICMP datagram handed to IP (ip_send_skb)", true, { \
	LAT_FN_CANDS(ip_send_skb, ipss) } }
#define LAT_ST_IP_LOCAL_OUT { "ip_local_out", "locally generated packet enters IP output (ip_local_out)", true, { \
	LAT_FN_CANDS(ip_local_out, iplo) } }
#define LAT_ST___IP_LOCAL_OUT { "__ip_local_out", "IP output called directly (__ip_local_out, some 5.10 builds)", true, { \
	LAT_FN_CANDS(__ip_local_out, iplo2) } }
#define LAT_ST_IP_OUTPUT { "ip_output", "IP output after netfilter OUTPUT (ip_output)", true, { \
	LAT_FN_CANDS(ip_output, ipout) } }
#define LAT_ST_OVS_INT_XMIT { "internal_dev_xmit", "host stack -> OVS internal port (openvswitch module)", true, { \
	LAT_FN_CANDS(internal_dev_xmit, ovsix) } }
#define LAT_ST_OVS_FRAME_HOOK { "netdev_frame_hook", "NIC -> OVS bridge (openvswitch module)", true, { \
	LAT_FN_CANDS(netdev_frame_hook, ovsfh) } }
#define LAT_ST_OVS_DP_PROCESS { "ovs_dp_process_packet", "OVS datapath flow lookup (openvswitch module)", true, { \
	LAT_FN_CANDS(ovs_dp_process_packet, ovsdp) } }
#define LAT_ST_OVS_DP_UPCALL { "ovs_dp_upcall", "OVS flow miss sent to ovs-vswitchd (openvswitch module)", true, { \
	LAT_FN_CANDS(ovs_dp_upcall, ovsup) } }
#define LAT_ST_OVS_KEY_EXTRACT_US { "ovs_flow_key_extract_userspace", "packet back from ovs-vswitchd (openvswitch module)", true, { \
	LAT_FN_CANDS(ovs_flow_key_extract_userspace, ovske) } }
#define LAT_ST_OVS_VPORT_SEND { "ovs_vport_send", "OVS sends to a port (openvswitch module)", true, { \
	LAT_FN_CANDS(ovs_vport_send, ovsvs) } }
#define LAT_DEV_QUEUE_WHAT "packet queued to a physical interface (dev_queue_xmit)"
#define LAT_DEV_QUEUE_CANDS LAT_TP_CANDS(net_dev_queue, "net", devq), LAT_FN_CANDS(__dev_queue_xmit, devq)
#define LAT_ST_DEV_QUEUE { "net_dev_queue", LAT_DEV_QUEUE_WHAT, true, { LAT_DEV_QUEUE_CANDS } }
/* the summary: tc egress on the --phy-interface list first (lat_engine.bpf.h) */
#define LAT_ST_DEV_QUEUE_PER_IF { "net_dev_queue", LAT_DEV_QUEUE_WHAT, true, { \
	{ NT_PK_TC_EGRESS, "egress", "nt_lat_devq_tc" }, LAT_DEV_QUEUE_CANDS } }
#define LAT_ST_QDISC_ENQ { "qdisc_enqueue", "packet enqueued to the physical interface's qdisc", true, { \
	LAT_TP_CANDS(qdisc_enqueue, "qdisc", qenq) } }
#define LAT_ST_QDISC_DEQ { "qdisc_dequeue", "packet dequeued from the physical interface's qdisc", true, { \
	LAT_TP_CANDS(qdisc_dequeue, "qdisc", qdeq) } }
#define LAT_ST_DEV_XMIT { "net_dev_xmit", "packet handed to the physical interface's driver", false, { \
	LAT_TP_CANDS(net_dev_start_xmit, "net", xmit), \
	LAT_FN_CANDS(dev_hard_start_xmit, xmit) } }
#define LAT_NETIF_RX_WHAT "packet received on a physical interface"
#define LAT_NETIF_RX_CANDS \
	LAT_TP_CANDS(netif_receive_skb, "net", rx), \
	{ NT_PK_FENTRY, "__netif_receive_skb_core", "nt_lat_rx_fe", 2 }, \
	{ NT_PK_FENTRY, "__netif_receive_skb_one_core", "nt_lat_rx_fe1", 0, \
	  "__netif_receive_skb_list_core", "nt_lat_rx_fel" }, \
	{ NT_PK_KPROBE, "__netif_receive_skb_core", "nt_lat_rx_kp", 2 }, \
	{ NT_PK_KPROBE, "__netif_receive_skb_core", "nt_lat_rx1_kp", 1 }, \
	{ NT_PK_KPROBE, "__netif_receive_skb_one_core", "nt_lat_rx_kp2", 0, \
	  "__netif_receive_skb_list_core", "nt_lat_rx_kpl" }
#define LAT_ST_NETIF_RX { "netif_receive_skb", LAT_NETIF_RX_WHAT, false, { LAT_NETIF_RX_CANDS } }
/* the summary: tc ingress on the --phy-interface list first (lat_engine.bpf.h) */
#define LAT_ST_NETIF_RX_PER_IF { "netif_receive_skb", LAT_NETIF_RX_WHAT, false, { \
	{ NT_PK_TC_INGRESS, "ingress", "nt_lat_rx_tc" }, LAT_NETIF_RX_CANDS } }
#define LAT_ST_IP_RCV { "ip_rcv", "IPv4 receive (ip_rcv_core, used by ip_rcv and ip_list_rcv)", true, { \
	LAT_FN_CANDS(ip_rcv_core, iprcv), \
	LAT_FN_CANDS(ip_rcv, iprcv2) } }
#define LAT_ST_TCP_RCV { "tcp_v4_rcv", "TCP receive (tcp_v4_rcv)", true, { \
	LAT_FN_CANDS(tcp_v4_rcv, tcprcv) } }
#define LAT_ST_UDP_RCV { "__udp4_lib_rcv", "UDP receive (__udp4_lib_rcv)", true, { \
	LAT_FN_CANDS(__udp4_lib_rcv, udprcv) } }
#define LAT_ST_ICMP_RCV { "icmp_rcv", "ICMP receive (icmp_rcv)", true, { \
	LAT_FN_CANDS(icmp_rcv, icmprcv) } }
#define LAT_ST_SK_DATA_READY { "sk_data_ready", "UDP datagram queued to its socket (sock:sk_data_ready, 6.6+)", true, { \
	LAT_TP_CANDS(sk_data_ready, "sock", skready) } }
#define LAT_ST_SOCK_COPY { "skb_copy_datagram_iovec", "a reader copies the packet out of its socket", true, { \
	LAT_TP_CANDS(skb_copy_datagram_iovec, "skb", copy) } }
#define LAT_ST_CONSUME { "consume_skb", "packet freed after use (e.g. an echo request answered by the kernel)", true, { \
	LAT_TP_CANDS(consume_skb, "skb", consume) } }

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
	struct nt_iface internal;       /* --internal-interface: checked, informational */
	double interval;                /* seconds */
	unsigned long long threshold_us;
	bool threshold_set;
	bool threshold_ms_given, threshold_us_given;    /* which flag set it */
	bool no_stacks, stage_latency, verbose;
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

enum lat_opt_key { LAT_OPT_LAT_MS = 1, LAT_OPT_LAT_US };
/* --latency-ms / --latency-us */
int lat_handle_opt(int key, const char *arg, void *cfg);
/* Cross-flag checks (nt_cli.validate): 0, or -1 after nt_usage_error(). */
int lat_validate(void *cfg);

/* A family member: its name, kind and the hook of each of its stages. It is
 * the ctx of the member's tool definition, whose hooks are lat_tool_hooks. */
struct lat_tool {
	const char *name;
	enum lat_kind kind;
	const int *hooks;               /* hook of each stage */
};

extern const struct nt_tool_hooks lat_tool_hooks;

/* ---- pure helpers (unit-tested) */
/* Fill pos/end_pos/start_mask of @k for @kind/@dir from the planned hooks
 * (@planned[h] true when hook h has a probe). */
void lat_layout(struct lat_kcfg *k, enum lat_kind kind, int dir, const bool *planned);
/* Stamped stages of @rec in time order over both paths: fills hooks/paths
 * arrays (at most 2*LH_MAX); returns how many. */
int lat_rec_order(const struct lat_rec *rec, int *hooks, int *paths);
/* Index of the largest gap in ts[0..n-1] (segment i = ts[i] -> ts[i+1]); -1 if n < 2. */
int lat_bottleneck(const __u64 *ts, int n);
/* Median-based abnormality: true when @v >= 2 x median of @hist[0..n-1] (n >= 4). */
bool lat_abnormal(const double *hist, int n, double v);
const char *lat_sort_name(int s);
#endif

#endif
