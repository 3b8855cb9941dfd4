// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * vm_network_performance_metrics — a full per-packet timeline of a VM's
 * traffic through this host with context at every stage: device, CPU, the
 * physical interface's qdisc sojourn and queue length, packet sizes
 * (manual 3.5.2). The VM path of vm_network_latency_details plus
 * qdisc:qdisc_enqueue/qdisc_dequeue on --phy-interface.
 */
#include "nt.h"
#include "tool.h"
#include "cli.h"
#include "lat.h"
#include "vm_network_performance_metrics.skel.h"

/* its path (lat_paths.h): one stage per hook, stage i is slot i */
static const struct nt_stage stages[] = { LAT_PATH_VM_NETWORK_PERFORMANCE_METRICS(LAT_STAGE, LAT_STAGE_PER_IF) };

static const struct nt_opt options[] = {
	LAT_OPTS_VM(NT_OPT_REQUIRED),
	LAT_OPTS_THRESHOLD("report only packets at least MS slow (filtered in the kernel)"),
	LAT_OPT_NO_STACKS("no kernel stack with each packet"),
	NT_OPT_B("verbose", "accepted for compatibility (every stage is always printed)", LAT_C,
		 verbose),
	NT_OPT_B("enable-ct", "accepted for compatibility (conntrack in OVS is a switch stage)",
		 LAT_C, enable_ct),
};

NT_SKEL(vm_network_performance_metrics);

static struct lat_config cfg;
LAT_TOOL(vm_network_performance_metrics, METRICS, LAT_PATH_VM_NETWORK_PERFORMANCE_METRICS, VM);

const struct nt_tool_def vm_network_performance_metrics_tool = {
	.cli = {
		.tool = "vm_network_performance_metrics",
		.synopsis = "--vm-interface IF --phy-interface IF[,IF] --direction tx|rx|both [filters] "
			    "[--latency-us US] [options]",
		.description =
			"Per-packet timeline of a VM's traffic through this host, from its tap to the\n"
			"physical interface (--direction tx) or back (rx): every stage with its time,\n"
			"device and CPU, the physical interface's qdisc sojourn and queue length, and\n"
			"the packet's sizes. One event per packet at least --latency-us slow (filtered\n"
			"in the kernel). Overhead: variable (events that pass).",
		.examples =
			"  nettrail vm_network_performance_metrics --vm-interface vnet0 \\\n"
			"      --phy-interface ens4f0 --direction tx --vm-ip 172.21.153.113 --latency-us 100\n"
			"  nettrail vm_network_performance_metrics --vm-interface vnet0 \\\n"
			"      --phy-interface ens4f0 --direction rx --protocol udp --json\n",
		LAT_CLI_ROWS,
	},
	LAT_DEF_REST(vm_network_performance_metrics),
};
