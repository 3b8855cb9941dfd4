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
	NT_OPT_INTERVAL('i', LAT_C, interval, "report every SEC seconds (default 5)"),
	NT_OPT_B("stage-latency", "histograms per pair of adjacent stages (adds the switch stages)",
		 LAT_C, stage_latency),
	NT_OPT_ROW("top", 't', "N", "flows listed per report (default 10)", NT_OPT_UINT, LAT_C, top,
		   0, 1, 1000, NULL),
	NT_OPT_E("sort-by", "KEY", "order flows by count, avg, p90 or p99 (default count)", LAT_C,
		 sort, lat_sort_names, 0),
};

NT_SKEL(vm_pair_latency);

static struct lat_config cfg = { LAT_VM_PAIR_CONFIG, .interval = 5, .top = 10, .sort = LAT_SORT_COUNT };
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
		.opts = options,
		.nopts = NT_ARRAY_SIZE(options),
		.handle = lat_handle_opt,
		.validate = lat_validate,
		.cfg = &cfg,
	},
	.stages = stages,
	.nstages = NT_ARRAY_SIZE(stages),
	.skel = &vm_pair_latency_skel,
	.hooks = &lat_tool_hooks,
	.ctx = (void *)&lat,
};
