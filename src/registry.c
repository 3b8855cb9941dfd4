// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The tool registry (from tools.def) and the process-wide logging knobs.
 */
#include <string.h>
#include "nt.h"

int nt_debug;
const char *nt_prog = "nettrail";

#define NT_TOOL(name, alias, group, overhead, manual, purpose) \
	extern const struct nt_tool_def name##_tool;
#include "tools.def"
#undef NT_TOOL

const struct nt_tool nt_tools[] = {
#define NT_TOOL(name, alias, group, overhead, manual, purpose) \
	{ #name, alias, group, overhead, manual, purpose, &name##_tool },
#include "tools.def"
#undef NT_TOOL
};
const int nt_ntools = NT_ARRAY_SIZE(nt_tools);

static const char *group_names[NT_GROUP_MAX] = {
	[NT_GROUP_BOUNDARY] = "Boundary (phase 1: inside or outside this host?)",
	[NT_GROUP_LATENCY] = "Latency (phase 2: which stage holds the time?)",
	[NT_GROUP_DROPS] = "Drops (phase 2: where and why packets die)",
	[NT_GROUP_OVS] = "Open vSwitch",
	[NT_GROUP_STACK] = "Kernel stack",
	[NT_GROUP_VIRT] = "Virtualisation (KVM, vhost-net, tun, virtio-net)",
	[NT_GROUP_CPU] = "CPU and scheduling",
	[NT_GROUP_TCP] = "TCP",
	[NT_GROUP_FLEET] = "Fleet",
	[NT_GROUP_HOST] = "This host",
};

const char *nt_group_name(enum nt_group g)
{
	return g < NT_GROUP_MAX ? group_names[g] : "?";
}

const struct nt_tool *nt_tool_find(const char *name)
{
	for (int i = 0; i < nt_ntools; i++) {
		if (!strcmp(nt_tools[i].name, name) ||
		    (nt_tools[i].alias && !strcmp(nt_tools[i].alias, name)))
			return &nt_tools[i];
	}
	return NULL;
}

