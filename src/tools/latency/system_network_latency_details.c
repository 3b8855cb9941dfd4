// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * system_network_latency_details — every stage of each slow host packet
 * (manual 2.3 step 3, 3.3.3): the per-packet follow-up of the summary.
 *
 * Same stages as system_network_latency_summary (all of them, OVS included).
 * The kernel keeps each packet's stamps and sends it up only when it reached
 * its last stage at least --latency-ms/--latency-us after its first, and only
 * if it matched the 5-tuple filters, so only slow packets cross to user space;
 * its kernel stack is taken then, at the last stage (--disable-kernel-stacks
 * to skip it).
 */
#include "nt.h"
#include "tool.h"
#include "cli.h"
#include "lat.h"
#include "system_network_latency_details.skel.h"

/* its path (lat_paths.h): one stage per hook, stage i is slot i */
static const struct nt_stage stages[] = { LAT_PATH_SYSTEM_NETWORK_LATENCY_DETAILS(LAT_STAGE, LAT_STAGE_PER_IF) };

static const struct nt_opt options[] = {
	LAT_OPTS_FLOW,
	LAT_OPTS_THRESHOLD("report only packets at least MS slow (filtered in the kernel)"),
	LAT_OPT_NO_STACKS("no kernel stack with each packet"),
};

NT_SKEL(system_network_latency_details);

static struct lat_config cfg;
LAT_TOOL(system_network_latency_details, DETAILS, LAT_PATH_SYSTEM_NETWORK_LATENCY_DETAILS, HOST);


const struct nt_tool_def system_network_latency_details_tool = {
	.cli = {
		.tool = "system_network_latency_details",
		.synopsis = "--phy-interface IF[,IF] --direction tx|rx|both [filters] [--latency-ms MS] [options]",
		.description =
			"Per-packet stage breakdown of host TCP/UDP/ICMP packets: each packet that\n"
			"took at least --latency-ms (or --latency-us) from its first to its last stage\n"
			"is printed with every stage ([i->j] A -> B: x us, the largest marked\n"
			"BOTTLENECK) and the kernel stack at its last stage. Filtering (5-tuple and\n"
			"threshold) happens in the kernel; narrow it (addresses, ports, threshold)\n"
			"before running on a busy host. Overhead: variable (events that pass).",
		.examples =
			"  nettrail system_network_latency_details --phy-interface ens11 \\\n"
			"      --src-ip 10.132.114.11 --dst-ip 10.132.114.12 --protocol tcp --direction rx\n"
			"  nettrail system_network_latency_details --phy-interface ens11 --direction tx \\\n"
			"      --src-ip 10.0.0.1 --protocol udp --dst-port 53 --latency-us 100\n"
			"  nettrail system_network_latency_details --phy-interface ens11 --direction both \\\n"
			"      --latency-ms 1 --json | tee slow.jsonl\n",
		LAT_CLI_ROWS,
	},
	LAT_DEF_REST(system_network_latency_details),
};
