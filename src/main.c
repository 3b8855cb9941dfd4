// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * nettrail: one multi-call binary. `nettrail TOOL [flags]`, or a symlink named
 * after a tool. Without a tool: the tool list grouped as the manual groups it.
 */
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include "nt.h"
#include "attach.h"

int nt_debug;
const char *nt_prog = "nettrail";

#define NT_TOOL(name, alias, group, overhead, manual, purpose) \
	int name##_main(int argc, char **argv);                 \
	extern const struct nt_stage name##_stages[];            \
	extern const int name##_nstages;
#include "tools.def"
#undef NT_TOOL

const struct nt_tool nt_tools[] = {
#define NT_TOOL(name, alias, group, overhead, manual, purpose) \
	{ #name, alias, group, overhead, manual, purpose, name##_main, name##_stages, &name##_nstages },
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

static void usage(FILE *f)
{
	fprintf(f, "nettrail — where is a packet lost or delayed, and why.\n\n"
		   "Usage: nettrail TOOL [options]     (or a symlink named TOOL)\n"
		   "       nettrail TOOL --help        options and examples of one tool\n"
		   "       nettrail doctor             what this kernel supports, per tool\n\n");
	for (int g = 0; g < NT_GROUP_MAX; g++) {
		bool any = false;

		for (int i = 0; i < nt_ntools; i++) {
			const struct nt_tool *t = &nt_tools[i];

			if (t->group != (enum nt_group)g)
				continue;
			if (!any)
				fprintf(f, "%s\n", nt_group_name(g));
			any = true;
			fprintf(f, "  %-36s %-9s %s\n", t->name, t->overhead, t->purpose);
		}
		if (any)
			fprintf(f, "\n");
	}
	fprintf(f, "Overhead classes follow the manual (2.1.2): low = aggregated or rare events;\n"
		   "variable = depends on the filtered event rate.\n"
		   "Common options: --json --duration SEC -v/--debug --attach-mode MODE --btf FILE\n");
}

int main(int argc, char **argv)
{
	char *self = basename(argv[0]);
	const struct nt_tool *t = nt_tool_find(self);

	if (t) {
		nt_prog = t->name;
		return t->main(argc, argv);
	}
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return argc < 2 ? NT_EXIT_USAGE : NT_EXIT_OK;
	}
	if (!strcmp(argv[1], "doctor")) {
		nt_prog = "doctor";
		return nt_doctor_main(argc - 1, argv + 1);
	}
	t = nt_tool_find(argv[1]);
	if (!t) {
		fprintf(stderr, "nettrail: unknown tool '%s' (run 'nettrail --help' for the list)\n",
			argv[1]);
		return NT_EXIT_USAGE;
	}
	nt_prog = t->name;
	return t->main(argc - 1, argv + 1);
}
