// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * nettrail: one multi-call binary. `nettrail TOOL [flags]`, or a symlink named
 * after a tool. The tool list, grouped as the manual groups it: asked for
 * (--help, -h, help) on stdout with exit 0; `nettrail` alone is a usage error
 * (no tool given), so the list goes to stderr with exit 2.
 */
#include <libgen.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include "nt.h"
#include "cli.h"
#include "output.h"
#include "tool.h"

/* the width of the longest tool name, so every row's columns line up */
static int name_width(void)
{
	int w = 0;

	for (int i = 0; i < nt_ntools; i++)
		if ((int)strlen(nt_tools[i].name) > w)
			w = (int)strlen(nt_tools[i].name);
	return w;
}

static void usage(FILE *f)
{
	int w = name_width();

	fprintf(f, "nettrail — where is a packet lost or delayed, and why.\n\n"
		   "Usage: nettrail TOOL [options]     (or a symlink named TOOL)\n"
		   "       nettrail TOOL --help        options and examples of one tool\n"
		   "       nettrail TOOL ... --dry-run which probe each stage would use; loads nothing\n"
		   "       nettrail doctor             what this kernel supports, per tool\n"
		   "       nettrail --version          this build and the libbpf inside\n\n");
	for (int g = 0; g < NT_GROUP_MAX; g++) {
		bool any = false;

		for (int i = 0; i < nt_ntools; i++) {
			const struct nt_tool *t = &nt_tools[i];

			if (t->group != (enum nt_group)g)
				continue;
			if (!any)
				fprintf(f, "%s\n", nt_group_name(g));
			any = true;
			fprintf(f, "  %-*s %-9s %s\n", w, t->name, t->overhead, t->purpose);
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

	/* libbpf parses ~5 MB of kernel BTF while loading and frees it after; a
	 * fixed mmap threshold (glibc otherwise raises it after the first large
	 * free) gives that memory back, so a long-running tool stays small. */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);

	if (t) {
		nt_prog = t->name;
		return nt_out_exit_code(nt_tool_run(t->def, argc, argv));
	}
	if (argc < 2) {
		usage(stderr);
		return NT_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return NT_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		nt_version_print(stdout);
		return NT_EXIT_OK;
	}
	t = nt_tool_find(argv[1]);
	if (!t) {
		char shown[NT_SHOW_LEN];

		fprintf(stderr, "nettrail: unknown tool '%s' (run 'nettrail --help' for the list)\n",
			nt_cli_show(argv[1], shown, sizeof(shown)));
		return NT_EXIT_USAGE;
	}
	nt_prog = t->name;
	return nt_out_exit_code(nt_tool_run(t->def, argc - 1, argv + 1));
}
