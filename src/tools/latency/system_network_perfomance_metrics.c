// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * system_network_perfomance_metrics (sic; also answers to
 * system_network_performance_metrics) — a full per-packet timeline of host
 * traffic with context at every stage: device, CPU, qdisc sojourn and queue
 * length, packet sizes, process (manual 3.5.1).
 *
 * Stages: ip_queue_xmit/ip_send_skb, ip_local_out, ip_output, OVS hooks,
 * net:net_dev_queue, qdisc:qdisc_enqueue, qdisc:qdisc_dequeue,
 * net:net_dev_start_xmit (transmit) and net:netif_receive_skb, OVS hooks,
 * ip_rcv_core, tcp_v4_rcv/__udp4_lib_rcv/icmp_rcv, skb_copy_datagram_iovec /
 * consume_skb (receive). One event per packet that completes its path and is
 * at least --latency-us slow (filtered in the kernel).
 */
#include "nt.h"
#include "tool.h"
#include "cli.h"
#include "lat.h"
#include "system_network_perfomance_metrics.skel.h"

static const struct nt_stage stages[] = {
	LAT_ST_IP_QUEUE_XMIT, LAT_ST_IP_SEND_SKB, LAT_ST_IP_LOCAL_OUT, LAT_ST___IP_LOCAL_OUT, LAT_ST_IP_OUTPUT,
	LAT_ST_OVS_INT_XMIT, LAT_ST_OVS_FRAME_HOOK, LAT_ST_OVS_DP_PROCESS, LAT_ST_OVS_DP_UPCALL,
	LAT_ST_OVS_KEY_EXTRACT_US, LAT_ST_OVS_VPORT_SEND, LAT_ST_DEV_QUEUE, LAT_ST_QDISC_ENQ,
	LAT_ST_QDISC_DEQ, LAT_ST_DEV_XMIT, LAT_ST_NETIF_RX, LAT_ST_IP_RCV, LAT_ST_TCP_RCV,
	LAT_ST_UDP_RCV, LAT_ST_ICMP_RCV, LAT_ST_SK_DATA_READY, LAT_ST_SOCK_COPY, LAT_ST_CONSUME,
};
static const int stage_hooks[] = {
	LH_IP_QUEUE_XMIT, LH_IP_SEND_SKB, LH_IP_LOCAL_OUT, LH___IP_LOCAL_OUT, LH_IP_OUTPUT,
	LH_OVS_INT_XMIT, LH_OVS_FRAME_HOOK, LH_OVS_DP_PROCESS, LH_OVS_DP_UPCALL,
	LH_OVS_KEY_EXTRACT_US, LH_OVS_VPORT_SEND, LH_DEV_QUEUE, LH_QDISC_ENQ,
	LH_QDISC_DEQ, LH_DEV_XMIT, LH_NETIF_RX, LH_IP_RCV, LH_TCP_RCV,
	LH_UDP_RCV, LH_ICMP_RCV, LH_SK_DATA_READY, LH_SOCK_COPY, LH_CONSUME,
};
_Static_assert(NT_ARRAY_SIZE(stage_hooks) == NT_ARRAY_SIZE(stages), "one hook per stage");

static const struct nt_opt options[] = {
	LAT_OPT_IFLIST("phy-interface", "physical interface(s), e.g. bond slaves (required)",
		       NT_OPT_REQUIRED),
	NT_OPT_ROW("internal-interface", 0, "IF", "OVS internal port of the host (checked; "
		   "informational)", NT_OPT_IFACE, LAT_C, internal, 0),
	LAT_OPT_DIRECTION("tx|rx|both", "tx, rx or both (default both)", 0),
	LAT_OPTS_FILTER,
	LAT_OPTS_THRESHOLD("report only packets at least MS slow (filtered in the kernel)"),
	LAT_OPT_NO_STACKS("no kernel stack with each packet"),
	NT_OPT_B("verbose", "accepted for compatibility (every stage is always printed)", LAT_C,
		 verbose),
};

NT_SKEL(system_network_perfomance_metrics);

static struct lat_config cfg = { .direction = LAT_DIR_BOTH };
static const struct lat_tool lat = { "system_network_perfomance_metrics", LAT_KIND_METRICS, stage_hooks };


const struct nt_tool_def system_network_perfomance_metrics_tool = {
	.cli = {
		.tool = "system_network_perfomance_metrics",
		.synopsis = "--phy-interface IF[,IF] [--direction tx|rx|both] [filters] [--latency-us US] [options]",
		.description =
			"A per-packet timeline of host traffic through the stack, OVS and the\n"
			"physical interface's qdisc: every stage with its time, device and CPU, the\n"
			"qdisc sojourn time and queue length, sizes and process. One block\n"
			"(=== FLOW COMPLETE ===) per packet that finished its path and is at least\n"
			"--latency-us slow; filters run in the kernel. Overhead: low with tight\n"
			"filters or a threshold (events that pass).",
		.examples =
			"  nettrail system_network_perfomance_metrics --phy-interface ens11 \\\n"
			"      --src-ip 10.0.0.1 --dst-ip 10.0.0.2 --protocol tcp --direction rx\n"
			"  nettrail system_network_performance_metrics --phy-interface ens11 \\\n"
			"      --protocol udp --dst-port 4789 --latency-us 200 --json\n",
		.opts = options,
		.nopts = NT_ARRAY_SIZE(options),
		.handle = lat_handle_opt,
		.validate = lat_validate,
		.cfg = &cfg,
	},
	.stages = stages,
	.nstages = NT_ARRAY_SIZE(stages),
	.skel = &system_network_perfomance_metrics_skel,
	.hooks = &lat_tool_hooks,
	.ctx = (void *)&lat,
};
