// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The runner: one sequence for every tool (see tool.h for the order).
 */
#include <errno.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "nt.h"
#include "btfinfo.h"
#include "core_target.h"
#include "output.h"
#include "run.h"
#include "ksyms.h"
#include "tool.h"

/* The skeleton's first two members, whatever the tool (bpftool's layout). */
struct skel_head {
	struct bpf_object_skeleton *skeleton;
	struct bpf_object *obj;
};

/* A hook returning int: 0 goes on, anything else is the exit code. */
#define CALL(r, hook) ((r)->def->hooks->hook ? (r)->def->hooks->hook(r) : 0)

/* Checks before anything is planned or opened: libbpf logging, a kernel BTF. */
static int runtime_init(const struct nt_common *common)
{
	const char *why = NULL;

	nt_libbpf_setup();
	nt_btf_set_path(common->btf_path);
	if (!nt_btf_vmlinux(&why)) {
		nt_err("%s", why);
		return NT_EXIT_RUNTIME;
	}
	nt_signals_setup();
	return 0;
}

/* --dry-run: what would attach, one stage a line (JSON: one object). */
static void print_plan(const struct nt_run *r)
{
	const struct nt_tool_def *d = r->def;
	char one[512];

	if (nt_out_json()) {
		struct nt_json *j = nt_json_begin("plan", 0);

		nt_json_str(j, "attach_mode", nt_mode_name(r->common.attach_mode));
		nt_json_arr(j, "stages");
		for (int i = 0; i < d->nstages; i++) {
			const struct nt_stage_plan *pl = &r->plans[i];

			nt_json_obj(j, NULL);
			nt_json_str(j, "stage", pl->stage->name);
			nt_json_bool(j, "optional", pl->stage->optional);
			nt_stages_describe(pl, 1, one, sizeof(one));
			nt_json_str(j, "probe", pl->cand ? strchr(one, '=') + 1 : "none");
			if (!pl->cand)
				nt_json_str(j, "why", pl->why);
			if (pl->cand && pl->served_by)
				nt_json_str(j, "served_by", pl->served_by->stage->name);
			if (pl->cand)   /* the BPF programs it would load */
				nt_json_str(j, "program", pl->cand->prog);
			if (pl->cand && pl->cand->shared)
				nt_json_str(j, "shared_program", pl->cand->shared);
			nt_json_obj_end(j);
		}
		nt_json_arr_end(j);
		nt_json_end(j);
		return;
	}
	nt_text("%s: dry run, attach mode %s: nothing loaded\n", d->cli.tool,
		nt_mode_name(r->common.attach_mode));
	for (int i = 0; i < d->nstages; i++) {
		const struct nt_stage_plan *pl = &r->plans[i];
		char shared[64] = "";

		nt_stages_describe(pl, 1, one, sizeof(one));
		if (pl->cand && pl->served_by)
			snprintf(shared, sizeof(shared), " (one program with %s)",
				 pl->served_by->stage->name);
		nt_text("  %-24s %s%s%s%s\n", pl->stage->name, pl->cand ? strchr(one, '=') + 1 : "none",
			pl->cand ? "" : ": ", pl->cand ? "" : pl->why, shared);
	}
}

/* --prometheus with a command line the tool cannot serve metrics for: exit 2. */
static int metrics_check(struct nt_run *r)
{
	const char *why;

	if (!r->common.prometheus.set || !r->def->hooks->metrics_refused)
		return 0;
	why = r->def->hooks->metrics_refused(r);
	if (!why)
		return 0;
	nt_usage_error("--prometheus", r->common.prometheus.shown, "%s", why);
	return NT_EXIT_USAGE;
}

/* libbpf's CO-RE target: the kernel types the object's relocations name, found
 * in the BTF the plan has mapped (core_target.c); not with --btf (that file is
 * the target). NT_CORE_TARGET=kernel: libbpf's own search (tests compare). */
static void core_target(struct nt_run *r)
{
	const char *force = getenv("NT_CORE_TARGET");
	const void *elf;
	size_t size;

	if (r->common.btf_path || (force && !strcmp(force, "kernel")))
		return;
	elf = r->def->skel->elf(&size);
	r->core_fd = nt_core_target(elf, size, r->core_path, sizeof(r->core_path), &r->kfuncs);
}

/* The kfuncs' ids the CO-RE target's pass found: libbpf need not load the
 * kernel's BTF to look them up (scripts/patches/libbpf/0002-*). */
static void kfuncs_give(struct nt_run *r)
{
	for (int i = 0; i < r->kfuncs.n; i++)
		if (r->kfuncs.f[i].id > 0 &&
		    bpf_object__set_kfunc_btf_id(r->obj, r->kfuncs.f[i].name, r->kfuncs.f[i].id))
			nt_dbg("kfunc %s: libbpf looks it up itself", r->kfuncs.f[i].name);
}

static void core_target_close(struct nt_run *r)
{
	if (r->core_fd >= 0)
		close(r->core_fd);
	r->core_fd = -1;
}

/* Parse, validate, check the runtime, plan. NT_TOOL_GO to go on. */
static int begin(struct nt_run *r, int argc, char **argv)
{
	const struct nt_tool_def *d = r->def;
	struct nt_cli cli = d->cli;
	int err;

	cli.metrics = d->hooks->metrics != NULL;
	err = nt_cli_parse(&cli, argc, argv, &r->common);
	if (err)        /* parsed and validated (cli.validate): nothing loaded yet */
		return err < 0 ? NT_EXIT_OK : err;
	err = metrics_check(r);
	if (err)
		return err;
	err = CALL(r, plan);
	if (err)
		return err;
	/* tc hooks known from the command line: begun before the BTF is read */
	if (!r->common.dry_run)
		nt_stages_reserve_early(d->stages, d->nstages, r->common.attach_mode, &r->plan_ctx);
	err = runtime_init(&r->common);
	if (err)
		return err;
	nt_out_init(d->cli.tool, r->common.json);
	r->plans = calloc(d->nstages ? d->nstages : 1, sizeof(*r->plans));
	if (!r->plans) {
		nt_err("out of memory");
		return NT_EXIT_RUNTIME;
	}
	if (nt_stages_plan(d->stages, d->nstages, r->common.attach_mode, &r->plan_ctx, r->plans,
			   d->quiet_plan || r->common.dry_run))         /* the plan says it all */
		err = NT_EXIT_RUNTIME;
	else
		err = CALL(r, planned);
	if (!err && !r->common.dry_run) {
		/* tc hooks whose creation waits for the kernel: begun before all else */
		nt_stages_reserve(r->plans, d->nstages);
		core_target(r);
	}
	nt_btf_release();
	if (r->common.dry_run) {
		print_plan(r);          /* also when the tool could not run here (exit 1) */
		return err ? err : NT_EXIT_OK;
	}
	return err ? err : NT_TOOL_GO;
}

/* Open, configure, load and attach. */
static int start(struct nt_run *r)
{
	const struct nt_tool_def *d = r->def;
	LIBBPF_OPTS(bpf_object_open_opts, open_opts, .btf_custom_path = r->common.btf_path);
	struct bpf_object_skeleton *skeleton;
	int load_err;
	int err;

	if (r->core_fd >= 0)
		open_opts.btf_custom_path = r->core_path;
	r->skel = d->skel->open(&open_opts);
	if (!r->skel) {
		nt_err("failed to open BPF object: %s", strerror(errno));
		return NT_EXIT_RUNTIME;
	}
	skeleton = ((struct skel_head *)r->skel)->skeleton;
	r->obj = ((struct skel_head *)r->skel)->obj;
	r->events = d->hooks->on_event ? bpf_object__find_map_by_name(r->obj, "nt_events") : NULL;
	kfuncs_give(r);
	err = CALL(r, configure);
	if (err)
		return err;
	if (nt_events_prepare(r->obj) || nt_stages_prepare(r->obj, r->plans, d->nstages))
		return NT_EXIT_RUNTIME;
	load_err = bpf_object__load_skeleton(skeleton) ? errno : 0;
	core_target_close(r);   /* libbpf has read it */
	if (load_err) {
		nt_report_load_failure(load_err);
		return NT_EXIT_RUNTIME;
	}
	if (nt_stages_attach(r->obj, r->plans, d->nstages))
		return NT_EXIT_RUNTIME;
	/* symbols a plan read lack our programs' frames: read again when first needed */
	nt_ksyms_stale();
	return CALL(r, attached);
}

/* The hooks of the run of this process (one tool a process): report_tick's. */
static const struct nt_tool_hooks *reporting;
/* --prometheus: the exposition the metrics hook fills, NULL without it. */
static struct nt_prom *metrics;

/* The whole run so far, handed to the endpoint. */
static void metrics_publish(void *ctx)
{
	static uint64_t updates;

	if (!metrics)
		return;
	nt_prom_reset(metrics);
	nt_prom_add(metrics, "nettrail_metric_updates_total", NT_PROM_COUNTER,
		    "times the tool brought these metrics up to date (at its reports)",
		    (double)++updates, NULL);
	reporting->metrics(ctx, metrics);
	nt_prom_publish(metrics);
}

static void report_tick(void *ctx)
{
	if (reporting->tick)
		reporting->tick(ctx);
	else
		reporting->report(ctx, false);
	metrics_publish(ctx);
}

static void (*tick_of(const struct nt_tool_hooks *h))(void *ctx)
{
	return h->tick || h->report ? report_tick : NULL;
}

/* --prometheus: listen before anything is loaded (a port in use fails early). */
static int metrics_start(struct nt_run *r)
{
	char host[256] = "";

	if (!r->common.prometheus.set)
		return 0;
	gethostname(host, sizeof(host) - 1);
	metrics = nt_prom_new(r->def->cli.tool, host);
	if (!metrics) {
		nt_err("out of memory");
		return NT_EXIT_RUNTIME;
	}
	return nt_prom_serve(&r->common.prometheus) ? NT_EXIT_RUNTIME : 0;
}

static void metrics_end(void)
{
	nt_prom_stop();
	nt_prom_free(metrics);
	metrics = NULL;
}

static void ready_line(struct nt_run *r)
{
	const struct nt_tool_def *d = r->def;
	char subject[512] = "", stages[1024];

	if (d->hooks->describe)
		d->hooks->describe(r, subject, sizeof(subject));
	nt_stages_describe(r->plans, d->nstages, stages, sizeof(stages));
	nt_info("Tracing %s [%s]. Ctrl-C to end.", subject, stages);
}

/* Runs the kernel skipped: a tracing program is not re-entered on a CPU where
 * it is already running (an interrupt's softirq hitting the same tracepoint),
 * so what those runs would have seen is missing. Said, never silent (5.12+;
 * older kernels report none). */
static void report_missed_runs(const struct nt_run *r)
{
	struct bpf_program *p;
	__u64 missed = 0;

	bpf_object__for_each_program(p, r->obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(p);

		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len))
			missed += info.recursion_misses;
	}
	if (missed)
		nt_info("the kernel skipped %llu runs of this tool's programs (already running on "
			"that CPU): what they would have seen is missing", (unsigned long long)missed);
}

int nt_tool_run(const struct nt_tool_def *d, int argc, char **argv)
{
	const struct nt_tool_hooks *h = d->hooks;       /* every BPF tool has hooks */
	struct nt_run r = { .def = d, .ctx = d->ctx, .core_fd = -1 };
	int err;

	if (d->main)
		return d->main(argc, argv);
	err = begin(&r, argc, argv);
	if (err != NT_TOOL_GO)
		goto out;
	reporting = h;
	err = metrics_start(&r) ?: start(&r);
	if (err)
		goto out;
	metrics_publish(r.ctx);
	ready_line(&r);
	if (r.common.prometheus.set)
		nt_info("Metrics at http://%s/metrics", r.common.prometheus.shown);
	if (h->header)
		h->header(&r);
	if (h->begun)
		h->begun(&r);
	err = nt_run_loop(r.events, h->on_event, r.ctx, r.common.duration, r.tick_ms,
			  r.tick_ms > 0 ? tick_of(h) : NULL) ? NT_EXIT_RUNTIME : NT_EXIT_OK;
	/* detached before the summary: nothing new comes in while it is made;
	 * what came in before the detach is read now */
	nt_stages_detach(r.plans, d->nstages);
	nt_events_drain_detached();
	if (h->finish)
		h->finish(&r);
	else if (h->report)
		h->report(r.ctx, true);
	metrics_publish(r.ctx);
	report_missed_runs(&r);
out:
	metrics_end();
	core_target_close(&r);
	if (r.plans)
		nt_stages_detach(r.plans, d->nstages);
	nt_tc_reservations_drop();
	if (h->cleanup)
		h->cleanup(&r);
	if (r.skel)
		d->skel->destroy(r.skel);
	free(r.plans);
	return err;
}
