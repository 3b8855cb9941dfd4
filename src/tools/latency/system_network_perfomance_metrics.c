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

/* its path (lat_paths.h): one stage per hook, stage i is slot i */
static const struct nt_stage stages[] = { LAT_PATH_SYSTEM_NETWORK_PERFOMANCE_METRICS(LAT_STAGE, LAT_STAGE_PER_IF) };

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
LAT_TOOL(system_network_perfomance_metrics, METRICS, LAT_PATH_SYSTEM_NETWORK_PERFOMANCE_METRICS, HOST);


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
		LAT_CLI_ROWS,
	},
	LAT_DEF_REST(system_network_perfomance_metrics),
};
