// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * vm_pair_latency — one-way latency between two VMs on this host: from the
 * sending VM's tap (its frame received there) through the bridge or OVS to the
 * receiving VM's tap (queued to it and handed to tun_net_xmit), as log2
 * histograms every --interval, per flow and (--stage-latency) per stage pair.
 * The reference hard-codes its taps and port; here they are flags.
 */
#include "nt.h"
#include "tool.h"
#include "cli.h"
#include "lat.h"
#include "vm_pair_latency.skel.h"

/* its path (lat_paths.h): one stage per hook, stage i is slot i */
static const struct nt_stage stages[] = { LAT_PATH_VM_PAIR_LATENCY(LAT_STAGE, LAT_STAGE_PER_IF) };

static const struct nt_opt options[] = {
	LAT_OPTS_VM_PAIR,
	LAT_OPTS_SUMMARY("histograms per pair of adjacent stages (adds the switch stages)"),
};

NT_SKEL(vm_pair_latency);

static struct lat_config cfg = { LAT_VM_PAIR_CONFIG, LAT_SUMMARY_CONFIG };
LAT_TOOL(vm_pair_latency, SUMMARY, LAT_PATH_VM_PAIR_LATENCY, VM_PAIR);

const struct nt_tool_def vm_pair_latency_tool = {
	.cli = {
		.tool = "vm_pair_latency",
		.synopsis = "--src-vm-interface IF --dst-vm-interface IF [filters] [--interval SEC] [options]",
		.description =
			"Histograms of the one-way latency between two VMs on this host: from the\n"
			"sending VM's tap, through the bridge or OVS, to the receiving VM's tap\n"
			"(handed to tun_net_xmit), aggregated in the kernel and printed every\n"
			"--interval with the top-N flows; --stage-latency adds one histogram per pair\n"
			"of adjacent stages (the switch stages where function probes work).\n"
			"Overhead: low.",
		.examples =
			"  nettrail vm_pair_latency --src-vm-interface vnet100 --dst-vm-interface vnet103 \\\n"
			"      --protocol udp --dst-port 62109 --interval 5\n"
			"  nettrail vm_pair_latency --src-vm-interface vnet100 --dst-vm-interface vnet103 \\\n"
			"      --stage-latency --json --duration 60 > pair.jsonl\n",
		LAT_CLI_ROWS,
	},
	LAT_SUMMARY_DEF_REST(vm_pair_latency),
};
