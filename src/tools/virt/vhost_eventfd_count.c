// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * vhost_eventfd_count — how often does vhost interrupt each VM queue? (manual
 * 3.8.2; the guest's notification rate)
 *
 * Kernel events: vhost_add_used_and_signal_n (fentry, kprobe): a vhost worker
 * completed buffers on a virtqueue and signals the guest unless told not to;
 * counted per (virtqueue, call eventfd), the eventfd learnt. eventfd_signal
 * (eventfd_signal_mask from 6.8): each signal of a learnt eventfd, the guest's
 * interrupt through KVM's irqfd. Per queue: completions, buffers, signals, and
 * who it is — its index in the vhost device (vhost-net: 0 rx, 1 tx), the tap
 * behind it, the qemu that owns it and the call eventfd's fd number in that
 * qemu (matched by the eventfd's id in /proc/PID/fdinfo), never typed in.
 * vhost_poll_wakeup (fentry, kprobe; optional): the guest's kicks per queue.
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
#include "vhost_eventfd.h"
#include "vhost_eventfd_count.skel.h"

static const struct nt_stage stages[] = {
	{ "used", "vhost completes a virtqueue's buffers (and may signal the guest)", false, {
		{ NT_PK_FENTRY, "vhost_add_used_and_signal_n", "nt_ve_used_fe" },
		{ NT_PK_KPROBE, "vhost_add_used_and_signal_n", "nt_ve_used_kp" } } },
	{ "signal", "an eventfd is signalled (a queue's call eventfd: the guest's interrupt)",
	  false, {
		{ NT_PK_FENTRY, "eventfd_signal", "nt_ve_signal_fe" },
		{ NT_PK_KPROBE, "eventfd_signal", "nt_ve_signal_kp" },
		{ NT_PK_FENTRY, "eventfd_signal_mask", "nt_ve_signal_fe" },
		{ NT_PK_KPROBE, "eventfd_signal_mask", "nt_ve_signal_kp" } } },
	{ "kick", "a vhost poll wakes (a virtqueue's kick eventfd written: the guest kicks)", true, {
		{ NT_PK_FENTRY, "vhost_poll_wakeup", "nt_ve_kick_fe" },
		{ NT_PK_KPROBE, "vhost_poll_wakeup", "nt_ve_kick_kp" } } },
};
enum { STAGE_USED, STAGE_SIGNAL, STAGE_KICK };

static const struct nt_opt options[] = { VQ_OPTS };
static struct vq_opts cfg = { .interval = 1 };

/* ---- rows ------------------------------------------------------------------ */

struct row {
	struct ve_key k;
	struct ve_val v, prev;
	__u64 kicks, prev_kicks;        /* the virtqueue's (every row of it shows them) */
	int call_fd;                    /* the eventfd's fd in its owner; -1 none, 0 not looked up */
};

static struct tool {
	struct vhost_eventfd_count_bpf *skel;
	struct row rows[VE_MAX_ROWS];
	int nrows;
	uint64_t start_ns, last_ns;     /* the run's start, the last report (monotonic) */
	bool kick_stage;                /* kicks are counted */
} tool;

static int row_cmp(const void *a, const void *b)
{
	return vq_ident_cmp(&((const struct row *)a)->v.id, &((const struct row *)b)->v.id);
}

static void read_rows(struct tool *t)
{
	NT_MAP_MIRROR(bpf_map__fd(t->skel->maps.queues), t->rows, &t->nrows, k, v);
	for (int i = 0; i < t->nrows; i++) {
		if (bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.kicks), &t->rows[i].k.vq,
					&t->rows[i].kicks))
			t->rows[i].kicks = 0;
		if (!t->rows[i].call_fd)
			t->rows[i].call_fd = t->rows[i].v.ctx_id ?
				vq_eventfd_fd(vq_owner(&t->rows[i].v.id), t->rows[i].v.ctx_id) : -1;
	}
	qsort(t->rows, t->nrows, sizeof(t->rows[0]), row_cmp);
}

/* ---- output ---------------------------------------------------------------- */

static void row_json(struct nt_json *j, const struct row *r, const struct ve_val *d, __u64 kicks,
		     double rate)
{
	char hex[24];

	nt_json_obj(j, NULL);
	vq_ident_json(j, r->k.vq, &r->v.id);
	snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)r->k.ctx);
	nt_json_str(j, "eventfd", hex);
	nt_json_u64(j, "eventfd_id", r->v.ctx_id);
	nt_json_i64(j, "call_fd", r->call_fd);
	nt_json_u64(j, "calls", d->calls);
	nt_json_u64(j, "used", d->used);
	nt_json_u64(j, "signals", d->signals);
	nt_json_f64(j, "signals_per_sec", rate);
	if (tool.kick_stage)
		nt_json_u64(j, "kicks", kicks);
	nt_json_obj_end(j);
}

static void row_text(const struct row *r, const struct ve_val *d, __u64 kicks, double rate)
{
	char tapq[32], fd[16] = "-", rb[16], k[24] = "-";

	if (r->call_fd >= 0)
		snprintf(fd, sizeof(fd), "%d", r->call_fd);
	if (tool.kick_stage)
		snprintf(k, sizeof(k), "%llu", (unsigned long long)kicks);
	nt_text("  %-8u %-5s %-16s 0x%-16llx 0x%-16llx %5s %10llu %10llu %10.1f %10s\n",
		vq_owner(&r->v.id), vq_role(&r->v.id, rb, sizeof(rb)),
		vq_tap_str(&r->v.id, tapq, sizeof(tapq)), (unsigned long long)r->k.vq,
		(unsigned long long)r->k.ctx, fd, (unsigned long long)d->calls,
		(unsigned long long)d->signals, rate, k);
}

/* every --interval (whole false) and for the run: counts (the interval's with
 * --clear, else the totals) and the signal rate over the interval (the run) */
static void report(void *ctx, bool whole)
{
	struct tool *t = ctx;
	uint64_t now = nt_mono_ns(), mfull = nt_counter_sum(t->skel->maps.nt_counters, NT_CNT_MAP_FULL);
	double secs = (double)(now - t->last_ns) / 1e9;
	struct nt_json *j = NULL;
	char when[32];
	int n = 0;

	read_rows(t);
	nt_fmt_clock(nt_mono_to_wall_ns(now), when, sizeof(when));
	if (whole)
		secs = (double)(now - t->start_ns) / 1e9;
	if (nt_out_json()) {
		j = nt_json_begin(whole ? "summary" : "interval", 0);
		nt_json_f64(j, "seconds", secs);
		nt_json_arr(j, "queues");
	} else {
		nt_text("%s[%s] vhost signals per virtqueue (%s)\n", whole ? "\n" : "", when,
			whole ? "whole run" : cfg.clear ? "this interval" : "totals");
		nt_text("  %-8s %-5s %-16s %-18s %-18s %5s %10s %10s %10s %10s\n", "OWNER", "VQ",
			"TAP:QUEUE", "VQ_PTR", "EVENTFD_PTR", "FD", "CALLS", "SIGNALS", "SIGNALS/s",
			"KICKS");
	}
	for (int i = 0; i < t->nrows; i++) {
		struct row *r = &t->rows[i];
		struct ve_val d = r->v;
		double rate = secs > 0 ? (double)(r->v.signals - (whole ? 0 : r->prev.signals)) / secs : 0;
		__u64 kicks = r->kicks;

		if (!whole && cfg.clear) {
			d.calls -= r->prev.calls;
			d.used -= r->prev.used;
			d.signals -= r->prev.signals;
			kicks -= r->prev_kicks;
		}
		if (!whole) {
			r->prev = r->v;
			r->prev_kicks = r->kicks;
		}
		if (!vq_wanted(&r->v.id, &cfg))
			continue;
		n++;
		if (j)
			row_json(j, r, &d, kicks, rate);
		else
			row_text(r, &d, kicks, rate);
	}
	t->last_ns = now;
	nt_report_close(j, mfull, whole, n, "no vhost completion on the watched queues");
}

/* --prometheus: per queue (vhost_common.h's labels; a queue's rows of each call
 * eventfd it had summed, its kicks once per virtqueue) the run's completions,
 * buffers, signals and kicks, as of the last report. */
static void metrics(void *ctx, struct nt_prom *m)
{
	struct tool *t = ctx;

	for (int i = 0, end; i < t->nrows; i = end) {
		struct ve_val sum = {};
		struct vq_labels l;
		__u64 kicks = 0;

		for (end = i; end < t->nrows && !vq_ident_cmp(&t->rows[i].v.id, &t->rows[end].v.id); end++) {
			const struct row *r = &t->rows[end];
			bool again = false;

			sum.calls += r->v.calls;
			sum.used += r->v.used;
			sum.signals += r->v.signals;
			for (int k = i; k < end; k++)
				again |= t->rows[k].k.vq == r->k.vq;
			if (!again)
				kicks += r->kicks;
		}
		if (!vq_wanted(&t->rows[i].v.id, &cfg))
			continue;
		vq_labels(&t->rows[i].v.id, &l);
		nt_prom_add(m, "nettrail_vhost_completions_total", NT_PROM_COUNTER,
			    "times vhost completed a virtqueue's buffers and may have signalled the guest",
			    (double)sum.calls, VQ_PROM_LABELS(l), NULL);
		nt_prom_add(m, "nettrail_vhost_used_buffers_total", NT_PROM_COUNTER,
			    "buffers those completions returned to the guest", (double)sum.used,
			    VQ_PROM_LABELS(l), NULL);
		nt_prom_add(m, "nettrail_vhost_signals_total", NT_PROM_COUNTER,
			    "signals of the queue's call eventfd (the guest's interrupts)",
			    (double)sum.signals, VQ_PROM_LABELS(l), NULL);
		if (t->kick_stage)
			nt_prom_add(m, "nettrail_vhost_kicks_total", NT_PROM_COUNTER,
				    "the guest's kicks (writes to the queue's kick eventfd)", (double)kicks,
				    VQ_PROM_LABELS(l), NULL);
	}
	nt_prom_losses(m, t->skel->maps.nt_counters, "completions or kicks of a queue the tables had no row for");
}

/* ---- the tool ------------------------------------------------------------- */

NT_SKEL(vhost_eventfd_count);

static int configure(struct nt_run *r)
{
	tool.skel = r->skel;
	r->ctx = &tool;
	r->tick_ms = (int)(cfg.interval * 1000);
	tool.start_ns = tool.last_ns = nt_mono_ns();
	tool.kick_stage = r->plans[STAGE_KICK].cand != NULL;
	return 0;
}

static void describe(struct nt_run *r, char *buf, size_t len)
{
	snprintf(buf, len, "vhost's signals per virtqueue%s%s, every %g s",
		 cfg.devs.str ? " behind " : "", cfg.devs.str ? cfg.devs.str : "", cfg.interval);
}

static const struct nt_tool_hooks hooks = {
	.planned = vq_need_btf,
	.configure = configure,
	.describe = describe,
	.report = report,
	.metrics = metrics,
};

const struct nt_tool_def vhost_eventfd_count_tool = {
	.cli = {
		.tool = "vhost_eventfd_count",
		.synopsis = "[--device TAP[,TAP]] [--pid PID] [--interval SEC] [--clear] [options]",
		.description =
			"Count how often vhost signals each virtqueue's guest: the vhost worker\n"
			"completes the buffers of a queue and signals its call eventfd, which KVM\n"
			"turns into the guest's interrupt. Per (virtqueue, eventfd): completions\n"
			"(CALLS), buffers, signals and the signal rate, and the other way the\n"
			"guest's kicks (writes to the queue's kick eventfd), with who the queue is:\n"
			"its qemu, its role (vhost-net: rx into the guest, tx out of it), the tap\n"
			"behind it and the eventfd's fd in that qemu (/proc/PID/fd). Signals fewer\n"
			"than completions: the guest asked for no interrupt (it is polling). Needs\n"
			"function probes (fentry or kprobe) and vhost's BTF. Overhead: low (a probe\n"
			"per completion batch, per vhost wakeup and per eventfd signal).",
		.examples =
			"  nettrail vhost_eventfd_count\n"
			"  nettrail vhost_eventfd_count --device vnet0 --interval 5 --clear\n"
			"  nettrail vhost_eventfd_count --pid 4242 --duration 10 --json\n",
		.opts = options,
		.nopts = NT_ARRAY_SIZE(options),
		.validate = vq_opts_validate,
		.cfg = &cfg,
	},
	.stages = stages,
	.nstages = NT_ARRAY_SIZE(stages),
	.skel = &vhost_eventfd_count_skel,
	.hooks = &hooks,
	.ctx = &tool,
};
