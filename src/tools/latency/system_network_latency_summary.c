// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * system_network_latency_summary — log2 histograms of one-way latency through
 * the host's stack, per direction, per flow and (--stage-latency) per pair of
 * adjacent stages; one report every --interval whatever the traffic
 * (manual 2.3, 3.3.1, 5.2.3).
 *
 * Transmit: __ip_queue_xmit (TCP) / ip_send_skb (UDP, ICMP) -> ip_local_out /
 * __ip_local_out (where ping's datagrams start: ip_send_skb and ip_local_out are
 * inlined into ip_push_pending_frames on 5.10-6.12) -> [OVS] ->
 * net:net_dev_queue -> net:net_dev_start_xmit on --phy-interface. Receive:
 * net:netif_receive_skb on --phy-interface -> [OVS] -> ip_rcv_core ->
 * tcp_v4_rcv / __udp4_lib_rcv / icmp_rcv -> skb:skb_copy_datagram_iovec (a
 * reader takes it) or skb:consume_skb (e.g. echo requests). Where function
 * probes are missing a packet is timed from the first stage seen. In auto mode
 * net_dev_queue and netif_receive_skb are tc egress/ingress programs on the
 * --phy-interface list alone (per-interface hooks, see lat_engine.bpf.h): the
 * device tracepoints run for every device of every namespace. Everything
 * is aggregated in the kernel (per-CPU histograms, a flow table swapped per
 * interval): no per-packet events.
 */
#include "nt.h"
#include "tool.h"
#include "cli.h"
#include "lat.h"
#include "system_network_latency_summary.skel.h"

/* its path (lat_paths.h): one stage per hook, stage i is slot i */
static const struct nt_stage stages[] = { LAT_PATH_SYSTEM_NETWORK_LATENCY_SUMMARY(LAT_STAGE, LAT_STAGE_PER_IF) };

static const struct nt_opt options[] = {
	LAT_OPTS_FLOW,
	LAT_OPTS_SUMMARY("histograms per pair of adjacent stages (adds the OVS stages)"),
};

NT_SKEL(system_network_latency_summary);

static struct lat_config cfg = { LAT_SUMMARY_CONFIG };
LAT_TOOL(system_network_latency_summary, SUMMARY, LAT_PATH_SYSTEM_NETWORK_LATENCY_SUMMARY, HOST);


const struct nt_tool_def system_network_latency_summary_tool = {
	.cli = {
		.tool = "system_network_latency_summary",
		.synopsis = "--phy-interface IF[,IF] --direction tx|rx|both [filters] [--interval SEC] [options]",
		.description =
			"Histograms of the one-way latency of host TCP/UDP/ICMP packets through the\n"
			"kernel, aggregated in the kernel and printed every --interval (also when no\n"
			"packet came): total per direction, top-N flows, and with --stage-latency\n"
			"one histogram per pair of adjacent stages. Transmit: ip_queue_xmit /\n"
			"ip_send_skb -> net_dev_queue -> net_dev_xmit; receive: netif_receive_skb ->\n"
			"ip_rcv -> tcp_v4_rcv/__udp4_lib_rcv/icmp_rcv -> socket read (or consume_skb).\n"
			"Stages whose probe this kernel cannot attach are skipped (reason printed);\n"
			"a packet is then timed from the first stage seen. In auto mode net_dev_queue\n"
			"and netif_receive_skb are tc egress/ingress hooks on the --phy-interface list\n"
			"only (tcx on 6.6+, else a clsact filter removed at exit); --attach-mode\n"
			"tracepoint uses the device tracepoints instead. Overhead: low.",
		.examples =
			"  nettrail system_network_latency_summary --phy-interface ens11 --protocol tcp \\\n"
			"      --direction rx --interval 5\n"
			"  nettrail system_network_latency_summary --phy-interface ens11 --direction tx \\\n"
			"      --src-ip 10.0.0.1 --dst-ip 10.0.0.2 --stage-latency --top 5 --sort-by p99\n"
			"  nettrail system_network_latency_summary --phy-interface ens11 --direction both \\\n"
			"      --json --duration 60 > summary.jsonl\n",
		LAT_CLI_ROWS,
	},
	LAT_SUMMARY_DEF_REST(system_network_latency_summary),
};
