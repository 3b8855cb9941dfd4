/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A tool is a declaration: its command line, its stages, its skeleton and a
 * few hooks. The runner owns the order every tool follows, once:
 *
 *   parse + validate -> the plan hook (the interfaces per-interface hooks go
 *   on; where the tool keeps them all, their tc hooks are reserved now) ->
 *   runtime checks, output -> plan the stages -> planned (BTF lookups while
 *   the kernel BTF is parsed; then the tc hooks reserved or the early
 *   reservations taken over, and the CO-RE target made with the object's
 *   kfunc ids, see core_target.h) -> open -> configure
 *   (rodata, map sizes) -> event transport -> load -> attach -> attached ->
 *   the ready line "Tracing <subject> [<stages>]. Ctrl-C to end." -> header ->
 *   loop (events, ticks) -> detach -> finish (final summary) -> destroy.
 *
 * `--dry-run` stops after planning: the stage plan is printed and nothing is
 * loaded. Every hook is optional; those returning int return 0 to go on, or an
 * exit code (a message printed).
 */
#ifndef NT_TOOL_H
#define NT_TOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <bpf/libbpf.h>
#include "attach.h"
#include "cli.h"
#include "core_target.h"
#include "prom.h"

/* A skeleton through the functions bpftool generates for it: NT_SKEL(name)
 * before the tool's definition, then .skel = &name##_skel. */
struct nt_skel_ops {
	void *(*open)(const struct bpf_object_open_opts *opts);
	void (*destroy)(void *skel);
	const void *(*elf)(size_t *size);       /* the object's ELF bytes */
};

#define NT_SKEL(name)                                                                     \
	static void *name##_skel_open(const struct bpf_object_open_opts *o)               \
	{ return name##_bpf__open_opts(o); }                                              \
	static void name##_skel_destroy(void *s) { name##_bpf__destroy(s); }              \
	static const struct nt_skel_ops name##_skel = { name##_skel_open, name##_skel_destroy,  \
							 name##_bpf__elf_bytes }

/* What one run of a tool holds; the hooks read and set it. */
struct nt_run {
	const struct nt_tool_def *def;
	struct nt_common common;
	struct nt_stage_plan *plans;            /* one per def->stages entry */
	struct nt_plan_ctx plan_ctx;            /* set by the plan hook */
	void *skel;                             /* struct <tool>_bpf *, after open */
	struct bpf_object *obj;
	struct bpf_map *events;                 /* polled with on_event; configure may clear it */
	int tick_ms;                            /* the tick hook's period; 0 = no ticks */
	void *ctx;                              /* def->ctx at first: handed to on_event and tick */
	int core_fd;                            /* the CO-RE target (core_target.h) until loaded */
	char core_path[32];
	struct nt_kfuncs kfuncs;                /* found with it: given to libbpf after open */
};

/* What a tool does at each step of the run; every hook is optional. A family
 * of tools shares one set (see lat.h, l4_path.h). */
struct nt_tool_hooks {
	int (*plan)(struct nt_run *r);          /* before planning, before the BTF: r->plan_ctx */
	int (*planned)(struct nt_run *r);       /* plans chosen, kernel BTF still parsed */
	int (*configure)(struct nt_run *r);     /* skeleton open: rodata, map sizes, tick_ms */
	int (*attached)(struct nt_run *r);      /* loaded and attached: map fds, symbols */
	/* The ready line's subject, e.g. "dropped packets". */
	void (*describe)(struct nt_run *r, char *buf, size_t len);
	void (*header)(struct nt_run *r);       /* after the ready line: a text header */
	/* After the header, before the first event is read: work that can wait
	 * until tracing has begun, kept off the start-up (reading kallsyms). */
	void (*begun)(struct nt_run *r);
	ring_buffer_sample_fn on_event;         /* ctx = r->ctx */
	void (*tick)(void *ctx);                /* every r->tick_ms, ctx = r->ctx */
	void (*finish)(struct nt_run *r);       /* detached: the final summary */
	/* A counting tool's one report: every r->tick_ms with @whole false (the
	 * interval), after detach with @whole true (the run); stands for tick and
	 * finish when those are not given. ctx = r->ctx. */
	void (*report)(void *ctx, bool whole);
	void (*cleanup)(struct nt_run *r);      /* always, last: free what hooks took */
	/* Metrics (--prometheus, prom.h): the whole run so far into @m, called
	 * once attached and after every report (tick or report hook) and the final
	 * one. A tool with this hook has the --prometheus option. ctx = r->ctx. */
	void (*metrics)(void *ctx, struct nt_prom *m);
	/* Why --prometheus cannot go with this command line (e.g. a mode without
	 * periodic reports), or NULL. Checked right after parsing: exit 2. */
	const char *(*metrics_refused)(struct nt_run *r);
};

struct nt_tool_def {
	struct nt_cli cli;
	const struct nt_stage *stages;
	int nstages;
	const struct nt_skel_ops *skel;
	const struct nt_tool_hooks *hooks;
	void *ctx;                              /* the tool's own state */
	bool quiet_plan;                        /* the planned hook explains missing stages */
	/* A tool without BPF programs (merge, doctor): its whole main. */
	int (*main)(int argc, char **argv);
};

/* Run @def with its command line; returns the process exit code. */
int nt_tool_run(const struct nt_tool_def *def, int argc, char **argv);

#endif
