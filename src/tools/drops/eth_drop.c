// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * eth_drop — which packets does the kernel drop, where, and why? (manual 3.4.1)
 *
 * Kernel event: skb:kfree_skb (tp_btf, raw_tp or classic tracepoint), else the
 * drop function of this kernel era via fentry/kprobe (sk_skb_reason_drop on
 * 6.11+, kfree_skb_reason on 5.17-6.10, kfree_skb before). The drop reason is
 * decoded by name from the running kernel's BTF (enum skb_drop_reason). All
 * filters (interface, addresses, ports, protocol) run in the kernel.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "nt.h"
#include "btfinfo.h"
#include "cli.h"
#include "drops.h"
#include "iface.h"
#include "ksyms.h"
#include "output.h"
#include "run.h"
#include "tool.h"
#include "eth_drop.h"
#include "eth_drop.skel.h"

static const struct nt_stage stages[] = {
	{ "drop", "the kernel frees an skb as dropped", false, { NT_DROP_CANDIDATES } },
};

static struct config {
	struct nt_drop_filters f;
	bool no_stack, no_normal_filter, verbose;
} cfg;

#define C struct config
static const struct nt_opt options[] = {
	NT_DROP_OPT_IFACE("interface", 'i', "only drops of skbs on this interface", C, f),
	NT_DROP_OPTS_FILTER(C, f),
	NT_OPTS_NO_STACK(C, no_stack, "do not take kernel stacks (cheaper)"),
	NT_OPT_B("no-stack-trace", "same as --no-stack (reference name)", C, no_stack),
	NT_OPT_B("disable-normal-filter", "also report normal frees (QUEUE_PURGE at socket "
		 "teardown; on kernels without reasons, frees from normal receive paths)",
		 C, no_normal_filter),
	NT_OPT_B("verbose", "also print pid, comm, cpu and length of each drop", C, verbose),
};
#undef C

/* ---- reporting ----------------------------------------------------------- */

#define MAX_REASONS 128

static struct tracer {
	struct config *cfg;
	struct eth_drop_bpf *skel;
	unsigned long long drops;
	struct { __u32 code; unsigned long long n; } reasons[MAX_REASONS];
	int nreasons;
} tracer = { .cfg = &cfg };

static void count_reason(struct tracer *t, __u32 code)
{
	t->drops++;
	for (int i = 0; i < t->nreasons; i++) {
		if (t->reasons[i].code == code) {
			t->reasons[i].n++;
			return;
		}
	}
	if (t->nreasons < MAX_REASONS) {
		t->reasons[t->nreasons].code = code;
		t->reasons[t->nreasons++].n = 1;
	}
}

static int on_event(void *ctx, void *data, size_t len)
{
	struct tracer *t = ctx;
	const struct nt_drop_event *e = data;
	const struct ksyms *ks = nt_ksyms();

	if (len < sizeof(*e))
		return 0;
	count_reason(t, e->reason);
	if (nt_out_json()) {
		struct nt_json *j = nt_json_begin("event", nt_mono_to_wall_ns(e->ts));

		nt_drop_event_json(j, e, ks);
		nt_json_end(j);
	} else {
		nt_drop_event_text(e, t->cfg->verbose, ks);
	}
	return 0;
}

static void report_summary(struct tracer *t)
{
	uint64_t lost = nt_counter_sum(t->skel->maps.nt_counters, NT_CNT_LOST_EVENTS);
	uint64_t nostack = nt_counter_sum(t->skel->maps.nt_counters, NT_CNT_STACK_LOST);
	uint64_t normal = nt_counter_sum(t->skel->maps.nt_counters, NT_DROP_CNT_NORMAL);
	char name[64];

	if (nt_out_json()) {
		struct nt_json *j = nt_json_begin("summary", 0);

		nt_json_u64(j, "drops", t->drops);
		nt_json_obj(j, "reasons");
		for (int i = 0; i < t->nreasons; i++)
			nt_json_u64(j, nt_drop_reason_name(t->reasons[i].code, name, sizeof(name)),
				    t->reasons[i].n);
		nt_json_obj_end(j);
		nt_json_u64(j, "lost_events", lost);
		nt_json_u64(j, "stacks_lost", nostack);
		nt_json_u64(j, "normal_frees_skipped", normal);
		nt_json_end(j);
		return;
	}
	nt_text("\n=== eth_drop summary ===\nDrops: %llu\n", t->drops);
	for (int i = 0; i < t->nreasons; i++)
		nt_text("  %-28s %llu\n", nt_drop_reason_name(t->reasons[i].code, name, sizeof(name)),
			t->reasons[i].n);
	nt_text("Lost events: %llu  Stacks lost: %llu\n", (unsigned long long)lost,
		(unsigned long long)nostack);
}

/* ---- the tool ------------------------------------------------------------- */

NT_SKEL(eth_drop);

static int configure(struct nt_run *r)
{
	struct eth_drop_bpf *skel = r->skel;

	tracer.skel = skel;
	NT_DROP_SET_FILTERS(skel->rodata, &cfg.f);
	skel->rodata->targ_stacks = !cfg.no_stack;
	NT_DROP_SET_NORMAL_FILTER(skel->rodata, cfg.no_normal_filter);
	return 0;
}

static void describe(struct nt_run *r, char *buf, size_t len)
{
	snprintf(buf, len, "dropped packets");
}

static void header(struct nt_run *r)
{
	if (!nt_out_json())
		nt_drop_text_header();
}

static void finish(struct nt_run *r)
{
	report_summary(&tracer);
}

static const struct nt_tool_hooks hooks = {
	.planned = nt_drop_planned,
	.configure = configure,
	.describe = describe,
	.header = header,
	.on_event = on_event,
	.finish = finish,
};

const struct nt_tool_def eth_drop_tool = {
	.cli = {
		.tool = "eth_drop",
		.synopsis = "[--interface IF] [--src-ip IP] [--dst-ip IP] [--protocol P] "
			    "[--src-port N] [--dst-port N] [--port N] [options]",
		.description =
			"Report every packet the kernel drops: interface, addresses, ports, the drop\n"
			"reason (by name, from this kernel's BTF), the dropping function and the\n"
			"kernel stack. Normal frees are not reported. Filters run in the kernel:\n"
			"on a busy host, give addresses or an interface. Overhead: low when drops\n"
			"are rare; each reported drop costs a stack walk (--no-stack to save it).",
		.examples =
			"  nettrail eth_drop                                   # every drop\n"
			"  nettrail eth_drop --src-ip 10.0.0.1 --dst-ip 10.0.0.2\n"
			"  nettrail eth_drop --interface ens4f0 --protocol udp --dst-port 4789\n"
			"  nettrail eth_drop --json --duration 30 > drops.jsonl\n",
		.opts = options,
		.nopts = NT_ARRAY_SIZE(options),
		.cfg = &cfg,
	},
	.stages = stages,
	.nstages = NT_ARRAY_SIZE(stages),
	.skel = &eth_drop_skel,
	.hooks = &hooks,
	.ctx = &tracer,
};
