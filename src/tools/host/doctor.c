// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * nettrail doctor — what this kernel offers, found by trying: kernel release,
 * BTF source, which attach types load and attach here, and per tool and
 * attach mode whether every stage can attach (and with what).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <bpf/libbpf.h>
#include "nt.h"
#include "attach.h"
#include "btfinfo.h"
#include "cli.h"
#include "output.h"
#include "tool.h"

static const enum nt_probe_kind kinds[] = {
	NT_PK_TRACEPOINT, NT_PK_TP_BTF, NT_PK_RAW_TP, NT_PK_FENTRY, NT_PK_FEXIT, NT_PK_KPROBE,
	NT_PK_KRETPROBE, NT_PK_UPROBE, NT_PK_TC_INGRESS, NT_PK_TC_EGRESS,
};
static const enum nt_attach_mode modes[] = {
	NT_MODE_AUTO, NT_MODE_TRACEPOINT, NT_MODE_FENTRY, NT_MODE_KPROBE,
};

/* Plan @t under @mode; true when every essential stage has a candidate. */
static bool plan_tool(const struct nt_tool *t, enum nt_attach_mode mode,
		      struct nt_stage_plan *plans)
{
	return nt_stages_plan(t->def->stages, t->def->nstages, mode, NULL, plans, true) == 0;
}

/* Room for the largest stage catalogue. */
static struct nt_stage_plan *plans_for(const struct nt_tool *t)
{
	static struct nt_stage_plan *plans;
	static int cap;

	if (t->def->nstages > cap) {
		cap = t->def->nstages;
		plans = realloc(plans, cap * sizeof(*plans));
		if (!plans) {
			nt_err("out of memory");
			exit(NT_EXIT_RUNTIME);
		}
	}
	return plans;
}

static void doctor_json(const struct utsname *u, const void *btf)
{
	struct nt_json *j = nt_json_begin("doctor", 0);
	struct nt_stage_plan *plans;
	char desc[2048];

	nt_json_str(j, "kernel", u->release);
	nt_json_str(j, "libbpf", libbpf_version_string());
	nt_json_str(j, "libbpf_build", nt_libbpf_build());
	nt_json_str(j, "machine", u->machine);
	nt_json_str(j, "btf", btf ? nt_btf_path() : "");
	nt_json_obj(j, "attach_types");
	for (size_t i = 0; i < NT_ARRAY_SIZE(kinds); i++) {
		const char *why = NULL;
		bool ok = nt_kind_works(kinds[i], &why);

		nt_json_obj(j, nt_kind_name(kinds[i]));
		nt_json_bool(j, "available", ok);
		if (!ok)
			nt_json_str(j, "why", why ? why : "");
		nt_json_obj_end(j);
	}
	nt_json_obj_end(j);
	nt_json_arr(j, "tools");
	for (int i = 0; i < nt_ntools; i++) {
		const struct nt_tool *t = &nt_tools[i];

		if (!t->def->nstages)
			continue;       /* no BPF programs (merge, doctor) */
		plans = plans_for(t);
		nt_json_obj(j, NULL);
		nt_json_str(j, "name", t->name);
		for (size_t m = 0; m < NT_ARRAY_SIZE(modes); m++) {
			bool ok = plan_tool(t, modes[m], plans);

			nt_json_obj(j, nt_mode_name(modes[m]));
			nt_json_bool(j, "ok", ok);
			nt_stages_describe(plans, t->def->nstages, desc, sizeof(desc));
			nt_json_str(j, "stages", desc);
			if (!ok) {
				nt_json_obj(j, "why");
				for (int s = 0; s < t->def->nstages; s++)
					if (!plans[s].cand)
						nt_json_str(j, plans[s].stage->name, plans[s].why);
				nt_json_obj_end(j);
			}
			nt_json_obj_end(j);
		}
		nt_json_obj_end(j);
	}
	nt_json_arr_end(j);
	nt_json_end(j);
}

static void doctor_text(const struct utsname *u, const void *btf, const char *btf_why)
{
	struct nt_stage_plan *plans;
	char desc[2048];

	printf("Kernel:  %s (%s)\n", u->release, u->machine);
	if (btf)
		printf("BTF:     %s (%u types)\n", nt_btf_path(), nt_btf_type_count());
	else
		printf("BTF:     none: %s\n", btf_why);
	printf("libbpf:  %s (%s)\n", libbpf_version_string(), nt_libbpf_build());
	printf("\nAttach types (each tried by loading and attaching a test program):\n");
	for (size_t i = 0; i < NT_ARRAY_SIZE(kinds); i++) {
		const char *why = NULL;
		bool ok = nt_kind_works(kinds[i], &why);

		printf("  %-11s %-4s %s\n", nt_kind_name(kinds[i]), ok ? "yes" : "no",
		       !ok ? why : kinds[i] >= NT_PK_TC_INGRESS ?
		       "(loaded; attached per interface at run time: tcx on 6.6+, else clsact)" : "");
	}
	printf("\nTools (stage=attach-type:target chosen per --attach-mode):\n");
	for (int i = 0; i < nt_ntools; i++) {
		const struct nt_tool *t = &nt_tools[i];

		if (!t->def->nstages)
			continue;       /* no BPF programs (merge, doctor) */
		plans = plans_for(t);
		printf("  %s\n", t->name);
		for (size_t m = 0; m < NT_ARRAY_SIZE(modes); m++) {
			bool ok = plan_tool(t, modes[m], plans);

			nt_stages_describe(plans, t->def->nstages, desc, sizeof(desc));
			printf("    %-10s %-4s %s\n", nt_mode_name(modes[m]), ok ? "ok" : "no", desc);
			for (int s = 0; !ok && s < t->def->nstages; s++)
				if (!plans[s].cand)
					printf("               %s: %s\n", plans[s].stage->name,
					       plans[s].why);
		}
	}
}

static int doctor_main(int argc, char **argv);

const struct nt_tool_def doctor_tool = {
	.cli = {
		.tool = "doctor",
		.synopsis = "[--json] [--btf FILE]",
		.description = "Report the kernel release, the BTF in use, which attach types work on\n"
			       "this kernel (found by trying) and, per tool and --attach-mode, whether\n"
			       "every stage can attach and with which probe point.",
		.examples = "  nettrail doctor\n  nettrail doctor --json | jq .\n",
	},
	.main = doctor_main,
};

static int doctor_main(int argc, char **argv)
{
	struct nt_common common;
	struct utsname u;
	const char *why = "";
	const void *btf;
	int err;

	err = nt_cli_parse(&doctor_tool.cli, argc, argv, &common);
	if (err)
		return err < 0 ? NT_EXIT_OK : err;
	nt_libbpf_setup();
	nt_btf_set_path(common.btf_path);
	nt_out_init("doctor", common.json);
	uname(&u);
	btf = nt_btf_vmlinux(&why);
	if (common.json)
		doctor_json(&u, btf);
	else
		doctor_text(&u, btf, why);
	return NT_EXIT_OK;
}
