// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * vm_pair_gap — the packets between two VMs on this host whose one-way time
 * from the sending VM's tap to the receiving VM's tap is at least --threshold
 * microseconds (decided in the kernel), each with its stages and the largest
 * gap between them; the final summary gives the gaps' statistics per stage
 * pair. The per-packet follow-up of vm_pair_latency.
 */
#include "nt.h"
#include "tool.h"
#include "cli.h"
#include "lat.h"
#include "vm_pair_gap.skel.h"

/* its path (lat_paths.h): one stage per hook, stage i is slot i */
static const struct nt_stage stages[] = { LAT_PATH_VM_PAIR_GAP(LAT_STAGE, LAT_STAGE_PER_IF) };

static const struct nt_opt options[] = {
	LAT_OPTS_VM_PAIR,
	{ "threshold", 0, "US", "report packets at least US microseconds slow (default 1000)",
	  LAT_OPT_THRESHOLD },
	LAT_OPT_NO_STACKS("no kernel stack with each packet"),
};

NT_SKEL(vm_pair_gap);

static struct lat_config cfg = { LAT_VM_PAIR_CONFIG, .threshold_us = 1000, .threshold_set = true };
LAT_TOOL(vm_pair_gap, DETAILS, LAT_PATH_VM_PAIR_GAP, VM_PAIR);

const struct nt_tool_def vm_pair_gap_tool = {
	.cli = {
		.tool = "vm_pair_gap",
		.synopsis = "--src-vm-interface IF --dst-vm-interface IF [filters] [--threshold US] [options]",
		.description =
			"Every packet between two VMs on this host that took at least --threshold\n"
			"microseconds from the sending VM's tap to the receiving VM's tap, with each\n"
			"stage ([i->j] A -> B: x us, the largest gap marked BOTTLENECK) and the kernel\n"
			"stack at its last stage; the summary has the gaps' statistics per stage pair.\n"
			"Filtered in the kernel. Overhead: variable (events that pass).",
		.examples =
			"  nettrail vm_pair_gap --src-vm-interface vnet100 --dst-vm-interface vnet103 \\\n"
			"      --protocol udp --dst-port 62109 --threshold 500\n"
			"  nettrail vm_pair_gap --src-vm-interface vnet100 --dst-vm-interface vnet103 \\\n"
			"      --threshold 2000 --json\n",
		LAT_CLI_ROWS,
	},
	LAT_DEF_REST(vm_pair_gap),
};
