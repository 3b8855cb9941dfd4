// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * vhost_buf_peek_stats — what does vhost-net find when it looks for a tap's
 * next packet? (manual 3.8.2)
 *
 * Kernel events: vhost_net_buf_peek's return (fexit; kretprobe with its entry
 * half): the length of the packet at the head of a receive queue's batch (taken
 * from the tap's ring), 0 when nothing waits. Counted per (queue, value) in the
 * kernel; per queue the distribution, the calls and how many found nothing, with
 * who the queue is (its qemu, the tap behind it).
 */
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "nt.h"
#include "tool.h"
#include "cli.h"
#include "iface.h"
#include "output.h"
#include "run.h"
#include "vhost_common.h"
#include "vhost_peek.h"
#include "vhost_buf_peek_stats.skel.h"

static const struct nt_stage stages[] = {
	{ "peek", "vhost-net looks for a tap's next packet (vhost_net_buf_peek returns)", false, {
		{ NT_PK_FEXIT, "vhost_net_buf_peek", "nt_vp_peek_fx" },
		{ NT_PK_KRETPROBE, "vhost_net_buf_peek", "nt_vp_peek_krp", 0, "vhost_net_buf_peek",
		  "nt_vp_peek_kp" } } },
};

static const struct nt_opt options[] = { VQ_OPTS };
static struct vq_opts cfg = { .interval = 1 };

/* ---- counts ---------------------------------------------------------------- */

struct queue_row {
	__u64 nvq;
	struct vp_queue v, prev;
};

struct ret_row {
	struct vp_key k;
	__u64 n, prev;
};

static struct tool {
	struct vhost_buf_peek_stats_bpf *skel;
	struct queue_row queues[VP_MAX_QUEUES];
	struct ret_row rets[VP_MAX_RETURNS];
	int nqueues, nrets;
} tool;

static int queue_cmp(const void *a, const void *b)
{
	return vq_ident_cmp(&((const struct queue_row *)a)->v.id, &((const struct queue_row *)b)->v.id);
}

static int ret_cmp(const void *a, const void *b)
{
	const struct vp_key *x = &((const struct ret_row *)a)->k, *y = &((const struct ret_row *)b)->k;

	if (x->nvq != y->nvq)
		return x->nvq < y->nvq ? -1 : 1;
	return x->ret < y->ret ? -1 : x->ret > y->ret;
}

static void read_rows(struct tool *t)
{
	NT_MAP_MIRROR(bpf_map__fd(t->skel->maps.queues), t->queues, &t->nqueues, nvq, v);
	NT_MAP_MIRROR(bpf_map__fd(t->skel->maps.returns), t->rets, &t->nrets, k, n);
	qsort(t->queues, t->nqueues, sizeof(t->queues[0]), queue_cmp);
	qsort(t->rets, t->nrets, sizeof(t->rets[0]), ret_cmp);
}

/* ---- output ---------------------------------------------------------------- */

/* the interval's (--clear, not the whole run) or the run's count; the interval starts now */
static __u64 take(__u64 now, __u64 *prev, bool whole)
{
	__u64 d = !whole && cfg.clear ? now - *prev : now;

	if (!whole)
		*prev = now;
	return d;
}

/* one queue's block; returns whether it was shown */
static bool queue_out(struct nt_json *j, struct queue_row *q, bool whole)
{
	__u64 calls = take(q->v.calls, &q->prev.calls, whole);
	__u64 empty = take(q->v.empty, &q->prev.empty, whole);
	__u64 bytes = take(q->v.bytes, &q->prev.bytes, whole);
	char rb[16], tapq[32];
	bool wanted = vq_wanted(&q->v.id, &cfg);

	if (wanted && j) {
		nt_json_obj(j, NULL);
		vq_ident_json(j, q->nvq, &q->v.id);
		nt_json_u64(j, "calls", calls);
		nt_json_u64(j, "empty", empty);
		nt_json_u64(j, "bytes", bytes);
		nt_json_arr(j, "returns");
	} else if (wanted) {
		nt_text("NVQ: 0x%llx (qemu %u, %s, tap %s)\n  Total calls: %llu\n",
			(unsigned long long)q->nvq, vq_owner(&q->v.id), vq_role(&q->v.id, rb, sizeof(rb)),
			vq_tap_str(&q->v.id, tapq, sizeof(tapq)), (unsigned long long)calls);
	}
	for (int i = 0; i < tool.nrets; i++) {
		struct ret_row *r = &tool.rets[i];
		__u64 n;

		if (r->k.nvq != q->nvq)
			continue;
		n = take(r->n, &r->prev, whole);        /* every interval moves prev, shown or not */
		if (!wanted || !n)
			continue;
		if (j) {
			nt_json_obj(j, NULL);
			nt_json_i64(j, "ret", r->k.ret);
			nt_json_u64(j, "count", n);
			nt_json_obj_end(j);
		} else {
			nt_text("  ret=%lld: %llu (%.1f%%)\n", (long long)r->k.ret, (unsigned long long)n,
				calls ? 100.0 * (double)n / (double)calls : 0.0);
		}
	}
	if (wanted && j) {
		nt_json_arr_end(j);
		nt_json_obj_end(j);
	}
	return wanted;
}

static void report(void *ctx, bool whole)
{
	struct tool *t = ctx;
	uint64_t mfull = nt_counter_sum(t->skel->maps.nt_counters, NT_CNT_MAP_FULL);
	struct nt_json *j = NULL;
	char when[32];
	int shown = 0;

	read_rows(t);
	nt_fmt_clock(nt_mono_to_wall_ns(nt_mono_ns()), when, sizeof(when));
	if (nt_out_json()) {
		j = nt_json_begin(whole ? "summary" : "interval", 0);
		nt_json_arr(j, "queues");
	} else {
		nt_text("%s[%s] vhost_net_buf_peek returns (%s)\n", whole ? "\n" : "", when,
			whole ? "whole run" : cfg.clear ? "this interval" : "totals");
	}
	for (int i = 0; i < t->nqueues; i++)
		shown += queue_out(j, &t->queues[i], whole);
	nt_report_close(j, mfull, whole, shown, "no receive on the watched queues");
}

/* --prometheus: per receive queue (vhost_common.h's labels) the run's peeks, those
 * that found nothing and the bytes of the packets found, as of the last report. */
static void metrics(void *ctx, struct nt_prom *m)
{
	struct tool *t = ctx;

	for (int i = 0, end; i < t->nqueues; i = end) {
		struct vp_queue sum = {};
		struct vq_labels l;

		for (end = i; end < t->nqueues &&
			      !vq_ident_cmp(&t->queues[i].v.id, &t->queues[end].v.id); end++) {
			sum.calls += t->queues[end].v.calls;
			sum.empty += t->queues[end].v.empty;
			sum.bytes += t->queues[end].v.bytes;
		}
		if (!vq_wanted(&t->queues[i].v.id, &cfg))
			continue;
		vq_labels(&t->queues[i].v.id, &l);
		nt_prom_add(m, "nettrail_vhost_peeks_total", NT_PROM_COUNTER,
			    "times vhost-net looked for the tap's next packet (vhost_net_buf_peek)",
			    (double)sum.calls, VQ_PROM_LABELS(l), NULL);
		nt_prom_add(m, "nettrail_vhost_peeks_empty_total", NT_PROM_COUNTER,
			    "peeks that found nothing waiting", (double)sum.empty, VQ_PROM_LABELS(l),
			    NULL);
		nt_prom_add(m, "nettrail_vhost_peeked_bytes_total", NT_PROM_COUNTER,
			    "lengths of the packets the peeks found, summed", (double)sum.bytes,
			    VQ_PROM_LABELS(l), NULL);
	}
	nt_prom_losses(m, t->skel->maps.nt_counters, "peeks of a queue or return value the tables had no row for");
}

/* ---- the tool ------------------------------------------------------------- */

NT_SKEL(vhost_buf_peek_stats);

static int configure(struct nt_run *r)
{
	tool.skel = r->skel;
	r->ctx = &tool;
	r->tick_ms = (int)(cfg.interval * 1000);
	return 0;
}

static void describe(struct nt_run *r, char *buf, size_t len)
{
	snprintf(buf, len, "vhost-net's receive peeks%s%s, every %g s", cfg.devs.str ? " behind " : "",
		 cfg.devs.str ? cfg.devs.str : "", cfg.interval);
}

static const struct nt_tool_hooks hooks = {
	.planned = vq_need_btf,
	.configure = configure,
	.describe = describe,
	.report = report,
	.metrics = metrics,
};

const struct nt_tool_def vhost_buf_peek_stats_tool = {
	.cli = {
		.tool = "vhost_buf_peek_stats",
		.synopsis = "[--device TAP[,TAP]] [--pid PID] [--interval SEC] [--clear] [options]",
		.description =
			"Count what vhost-net's receive path finds when it looks for a tap's next\n"
			"packet (vhost_net_buf_peek): the length of the packet waiting at the head\n"
			"of the queue's batch, taken from the tap's ring, or 0 when nothing waits.\n"
			"Per receive queue: the calls, each value returned with its share, how many\n"
			"found nothing, with the queue's qemu and tap. Many 0s: the worker wakes\n"
			"for nothing; lengths without 0s: it never catches up with the tap. Needs\n"
			"function exit probes (fexit or kretprobe) and vhost's BTF. Overhead: low\n"
			"(one exit probe per packet received into a VM).",
		.examples =
			"  nettrail vhost_buf_peek_stats\n"
			"  nettrail vhost_buf_peek_stats --device vnet0 --interval 5 --clear\n"
			"  nettrail vhost_buf_peek_stats --pid 4242 --duration 10 --json\n",
		.opts = options,
		.nopts = NT_ARRAY_SIZE(options),
		.validate = vq_opts_validate,
		.cfg = &cfg,
	},
	.stages = stages,
	.nstages = NT_ARRAY_SIZE(stages),
	.skel = &vhost_buf_peek_stats_skel,
	.hooks = &hooks,
	.ctx = &tool,
};
