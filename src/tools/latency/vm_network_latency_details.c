// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * vm_network_latency_details — every stage of each slow VM packet between
 * its tap and the physical interface (manual 3.3.3): the per-packet
 * follow-up of vm_network_latency_summary, on the same VM path.
 *
 * The kernel keeps each packet's stamps and sends it up only when it reached
 * its last stage at least --latency-ms/--latency-us after its first and
 * matched the filters; its kernel stack is taken at the last stage
 * (--disable-kernel-stacks to skip it).
 */
#include "nt.h"
#include "tool.h"
#include "cli.h"
#include "lat.h"
#include "vm_network_latency_details.skel.h"

/* its path (lat_paths.h): one stage per hook, stage i is slot i */
static const struct nt_stage stages[] = { LAT_PATH_VM_NETWORK_LATENCY_DETAILS(LAT_STAGE, LAT_STAGE_PER_IF) };

static const struct nt_opt options[] = {
	LAT_OPTS_VM(NT_OPT_REQUIRED),
	LAT_OPTS_THRESHOLD("report only packets at least MS slow (filtered in the kernel)"),
	LAT_OPT_NO_STACKS("no kernel stack with each packet"),
};

NT_SKEL(vm_network_latency_details);

static struct lat_config cfg;
LAT_TOOL(vm_network_latency_details, DETAILS, LAT_PATH_VM_NETWORK_LATENCY_DETAILS, VM);

const struct nt_tool_def vm_network_latency_details_tool = {
	.cli = {
		.tool = "vm_network_latency_details",
		.synopsis = "--vm-interface IF --phy-interface IF[,IF] --direction tx|rx|both [filters] "
			    "[--latency-ms MS] [options]",
		.description =
			"Per-packet stage breakdown of a VM's packets through this host: each packet\n"
			"that took at least --latency-ms (or --latency-us) from the VM's tap to the\n"
			"physical interface (--direction tx) or back (rx) is printed with every stage\n"
			"([i->j] A -> B: x us, the largest marked BOTTLENECK) and the kernel stack at\n"
			"its last stage. Filtering happens in the kernel; narrow it (addresses, ports,\n"
			"threshold) before running on a busy host. Overhead: variable.",
		.examples =
			"  nettrail vm_network_latency_details --vm-interface vnet0 --phy-interface ens4f0 \\\n"
			"      --src-ip 172.21.153.113 --dst-ip 172.21.153.114 --protocol tcp --direction rx\n"
			"  nettrail vm_network_latency_details --vm-interface vnet0 --phy-interface ens4f0 \\\n"
			"      --direction tx --vm-ip 172.21.153.113 --latency-us 200 --json\n",
		LAT_CLI_ROWS,
	},
	LAT_DEF_REST(vm_network_latency_details),
};
