// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * vm_network_latency_summary — log2 histograms of a VM's one-way latency
 * through this host, between its tap (vnet) and the physical interface, per
 * direction, per flow and (--stage-latency) per pair of adjacent stages;
 * one report every --interval (manual 2.3.3, 3.3.2).
 *
 * The VM's view: tx leaves the VM (its tap receives the frame -> bridge or
 * OVS -> net_dev_queue -> net_dev_start_xmit on --phy-interface), rx goes to
 * it (netif_receive_skb on --phy-interface -> bridge or OVS -> dev_queue_xmit
 * on the tap -> tun_net_xmit). The device stages are tc hooks on the listed
 * interfaces in auto mode; the switch stages need function probes and come
 * with --stage-latency. Aggregated in the kernel, like its host counterpart.
 */
#include "nt.h"
#include "tool.h"
#include "cli.h"
#include "lat.h"
#include "vm_network_latency_summary.skel.h"

/* its path (lat_paths.h): one stage per hook, stage i is slot i */
static const struct nt_stage stages[] = { LAT_PATH_VM_NETWORK_LATENCY_SUMMARY(LAT_STAGE, LAT_STAGE_PER_IF) };

static const struct nt_opt options[] = {
	LAT_OPTS_VM(NT_OPT_REQUIRED),
	LAT_OPTS_SUMMARY("histograms per pair of adjacent stages (adds the switch stages)"),
	NT_OPT_B("enable-ct", "accepted for compatibility (conntrack in OVS is a switch stage)",
		 LAT_C, enable_ct),
};

NT_SKEL(vm_network_latency_summary);

static struct lat_config cfg = { LAT_SUMMARY_CONFIG };
LAT_TOOL(vm_network_latency_summary, SUMMARY, LAT_PATH_VM_NETWORK_LATENCY_SUMMARY, VM);

const struct nt_tool_def vm_network_latency_summary_tool = {
	.cli = {
		.tool = "vm_network_latency_summary",
		.synopsis = "--vm-interface IF --phy-interface IF[,IF] --direction tx|rx|both [filters] "
			    "[--interval SEC] [options]",
		.description =
			"Histograms of a VM's one-way latency through this host, from its tap to the\n"
			"physical interface (--direction tx: leaving the VM) or back (rx: toward it),\n"
			"aggregated in the kernel and printed every --interval: total per direction,\n"
			"top-N flows, and with --stage-latency one histogram per pair of adjacent\n"
			"stages (bridge or OVS stages where function probes work) and the pair that\n"
			"holds the P99. The device stages are tc hooks on the given interfaces in auto\n"
			"mode (the device tracepoints with --attach-mode tracepoint). Overhead: low.",
		.examples =
			"  nettrail vm_network_latency_summary --vm-interface vnet0 --phy-interface ens4f0 \\\n"
			"      --protocol tcp --direction rx --interval 5\n"
			"  nettrail vm_network_latency_summary --vm-interface vnet0 --phy-interface ens4f0 \\\n"
			"      --direction tx --vm-ip 172.21.153.113 --stage-latency --top 5 --sort-by p99\n"
			"  nettrail vm_network_latency_summary --vm-interface vnet0 --phy-interface ens4f0 \\\n"
			"      --direction both --json --duration 60 > vm-summary.jsonl\n",
		LAT_CLI_ROWS,
	},
	LAT_SUMMARY_DEF_REST(vm_network_latency_summary),
};
