// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * virtnet_irq_monitor — inside a guest: how often do the virtio-net device's
 * interrupts fire, on which CPUs, how long do their handlers take, and how
 * many find nothing to do (IRQ_NONE)? (manual 3.8.4)
 *
 * Kernel events: irq:irq_handler_entry / irq_handler_exit (tp_btf, raw_tp or
 * tracepoint), filtered in the kernel to the watched IRQ numbers and counted
 * per IRQ and CPU. The IRQs are the device's own, found in /proc/interrupts
 * by its virtio device name (virtio0-input.0, ...), or --irqs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "nt.h"
#include "tool.h"
#include "cli.h"
#include "output.h"
#include "run.h"
#include "virtnet_common.h"
#include "virtnet_irq_monitor.skel.h"

#define IRQ_STAGE(P, TP) { NT_PK_TP_BTF, TP, P "_btf" }, { NT_PK_RAW_TP, TP, P "_raw" }, \
			 { NT_PK_TRACEPOINT, "irq/" TP, P "_tp" }

static const struct nt_stage stages[] = {
	{ "entry", "a hard IRQ handler starts", false, { IRQ_STAGE("nt_vni_entry", "irq_handler_entry") } },
	{ "exit", "a hard IRQ handler returns", false, { IRQ_STAGE("nt_vni_exit", "irq_handler_exit") } },
};

struct config {
	struct nt_iface iface;
	char irq_buf[256];
	char *irq_items[VN_MAX_IRQS];
	int nirq_items;
	double interval;
	bool trace_cpu;                 /* the reference's switch: CPUs are always shown */
};

enum { OPT_IRQS = 1 };

static const struct nt_opt options[] = {
	NT_OPT_ROW("interface", 0, "IF", "the virtio-net interface whose IRQs to watch (default: "
		   "every virtio-net interface)", NT_OPT_IFACE, struct config, iface, 0),
	NT_OPT_ROW("device", 0, "IF", "same as --interface (reference name)", NT_OPT_IFACE,
		   struct config, iface, 0),
	{ "irqs", 0, "N[,N]", "watch these IRQ numbers instead (/proc/interrupts)", OPT_IRQS },
	NT_OPT_INTERVAL(0, struct config, interval, "print the counts every SEC seconds (default 5)"),
	NT_OPT_B("trace-cpu", "accepted for the reference's command lines (CPUs are always shown)",
		 struct config, trace_cpu),
};

/* --irqs: a comma list of IRQ numbers (the one row that is not a shared type) */
static int handle_opt(int key, const char *arg, void *data)
{
	struct config *c = data;

	c->nirq_items = nt_arg_list("--irqs", arg, c->irq_buf, sizeof(c->irq_buf), c->irq_items,
				    VN_MAX_IRQS);
	for (int i = 0; i < c->nirq_items; i++) {
		unsigned long long v;

		if (nt_arg_uint("--irqs", c->irq_items[i], 0, 1u << 20, NULL, &v))
			return -1;
	}
	return c->nirq_items < 0 ? -1 : 0;
}

static int validate(void *data)
{
	const struct config *c = data;

	if (c->iface.name && c->nirq_items)
		return nt_usage_error("--irqs", NULL, "conflicts with --interface (the interface's "
				      "IRQs are found from the device)");
	return 0;
}

/* ---- counts ---------------------------------------------------------------- */

struct row {                    /* one IRQ on one CPU */
	struct vn_irq_key k;
	struct vn_irq_val v, prev;
};

struct tool {
	struct virtnet_irq_monitor_bpf *skel;
	struct vn_if ifs[NT_MAX_IFACES];
	int nifs;
	struct vn_irq irqs[VN_MAX_IRQS];
	int nirqs;
	struct row rows[VN_MAX_ROWS];
	int nrows;
	uint64_t last_ns, start_ns;
};

static void read_rows(struct tool *t)
{
	NT_MAP_MIRROR(bpf_map__fd(t->skel->maps.irqs), t->rows, &t->nrows, k, v);
}

/* An IRQ's totals over CPUs since @since (prev, or zero for the whole run). */
struct irq_sum {
	uint64_t calls, handled, none, ns_sum, ns_max;
};

static struct irq_sum sum_irq(const struct tool *t, unsigned int irq, bool whole)
{
	struct irq_sum s = {};

	for (int i = 0; i < t->nrows; i++) {
		const struct row *r = &t->rows[i];

		if (r->k.irq != irq)
			continue;
		s.calls += r->v.calls - (whole ? 0 : r->prev.calls);
		s.handled += r->v.handled - (whole ? 0 : r->prev.handled);
		s.none += r->v.none - (whole ? 0 : r->prev.none);
		s.ns_sum += r->v.ns_sum - (whole ? 0 : r->prev.ns_sum);
		if (r->v.ns_max > s.ns_max)
			s.ns_max = r->v.ns_max;         /* the max is since the start */
	}
	return s;
}

static void cpus_text(const struct tool *t, unsigned int irq, bool whole, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = 0;
	for (int i = 0; i < t->nrows && off < len; i++) {
		const struct row *r = &t->rows[i];
		uint64_t n = r->v.calls - (whole ? 0 : r->prev.calls);

		if (r->k.irq == irq && n)
			off += snprintf(buf + off, len - off, "%s%u:%llu", off ? " " : "", r->k.cpu,
					(unsigned long long)n);
	}
	if (!buf[0])
		snprintf(buf, len, "-");
}

static void cpus_json(struct nt_json *j, const struct tool *t, unsigned int irq, bool whole)
{
	char key[16];

	nt_json_obj(j, "cpus");
	for (int i = 0; i < t->nrows; i++) {
		const struct row *r = &t->rows[i];
		uint64_t n = r->v.calls - (whole ? 0 : r->prev.calls);

		if (r->k.irq != irq || !n)
			continue;
		snprintf(key, sizeof(key), "%u", r->k.cpu);
		nt_json_u64(j, key, n);
	}
	nt_json_obj_end(j);
}

static const char *irq_iface(const struct tool *t, const struct vn_irq *q)
{
	return q->ifi >= 0 ? t->ifs[q->ifi].name : "";
}

static void report(void *ctx, bool whole)
{
	struct tool *t = ctx;

	uint64_t now = nt_mono_ns(), since = whole ? t->start_ns : t->last_ns;
	double secs = (now - since) / 1e9;
	struct nt_json *j = NULL;
	char when[32], cpus[256];

	read_rows(t);
	if (nt_out_json()) {
		j = nt_json_begin(whole ? "summary" : "interval", 0);
		nt_json_f64(j, "seconds", secs);
		nt_json_arr(j, "irqs");
	} else {
		nt_fmt_clock(nt_mono_to_wall_ns(now), when, sizeof(when));
		nt_text("%s[%s] IRQ statistics, %s %.1f s\n", whole ? "\n" : "", when,
			whole ? "whole run" : "last", secs);
		nt_text("%5s  %-22s %-8s %8s %9s %6s %8s %8s  %s\n", "IRQ", "NAME", "IF", "CALLS",
			"RATE/s", "NONE%", "AVG_US", "MAX_US", "CPU:CALLS");
	}
	for (int i = 0; i < t->nirqs; i++) {
		const struct vn_irq *q = &t->irqs[i];
		struct irq_sum s = sum_irq(t, q->irq, whole);
		double none_pct = s.calls ? 100.0 * s.none / s.calls : 0;
		double avg_us = s.calls ? s.ns_sum / 1e3 / s.calls : 0;

		if (j) {
			nt_json_obj(j, NULL);
			nt_json_u64(j, "irq", q->irq);
			nt_json_str(j, "name", q->name);
			nt_json_str(j, "interface", irq_iface(t, q));
			nt_json_u64(j, "calls", s.calls);
			nt_json_f64(j, "rate", secs > 0 ? s.calls / secs : 0);
			nt_json_u64(j, "handled", s.handled);
			nt_json_u64(j, "none", s.none);
			nt_json_f64(j, "none_pct", none_pct);
			nt_json_f64(j, "avg_us", avg_us);
			nt_json_f64(j, "max_us", s.ns_max / 1e3);
			cpus_json(j, t, q->irq, whole);
			nt_json_obj_end(j);
			continue;
		}
		cpus_text(t, q->irq, whole, cpus, sizeof(cpus));
		nt_text("%5u  %-22s %-8s %8llu %9.1f %5.1f%% %8.1f %8.1f  %s%s\n", q->irq, q->name,
			irq_iface(t, q)[0] ? irq_iface(t, q) : "-", (unsigned long long)s.calls,
			secs > 0 ? s.calls / secs : 0, none_pct, avg_us, s.ns_max / 1e3, cpus,
			none_pct >= 1 ? "  <- IRQ_NONE >= 1 %" : "");
	}
	if (j) {
		nt_json_arr_end(j);
		nt_json_u64(j, "map_full", nt_counter_sum(t->skel->maps.nt_counters, NT_CNT_MAP_FULL));
		nt_json_end(j);
	}
	if (!whole)
		for (int i = 0; i < t->nrows; i++)
			t->rows[i].prev = t->rows[i].v;
	t->last_ns = now;
}

/* --prometheus: per watched IRQ the run's calls, handled and IRQ_NONE, handler
 * time (summed, the longest), and the calls per CPU, as of the last report. */
static void metrics(void *ctx, struct nt_prom *m)
{
	struct tool *t = ctx;
	char irq[12], cpu[12];

	for (int i = 0; i < t->nirqs; i++) {
		const struct vn_irq *q = &t->irqs[i];
		struct irq_sum s = sum_irq(t, q->irq, true);
		const char *name = q->name[0] ? q->name : NULL, *dev = q->ifi >= 0 ? irq_iface(t, q) : NULL;
		bool seen = false;

		for (int k = 0; k < i; k++)
			seen |= t->irqs[k].irq == q->irq;
		if (seen)
			continue;       /* --irqs 24,24: one set of samples */
		snprintf(irq, sizeof(irq), "%u", q->irq);
		nt_prom_add(m, "nettrail_virtnet_irq_calls_total", NT_PROM_COUNTER,
			    "hard IRQ handler runs of the virtio-net device's IRQs (name: its action)",
			    (double)s.calls, "irq", irq, "name", name, "device", dev, NULL);
		nt_prom_add(m, "nettrail_virtnet_irq_handled_total", NT_PROM_COUNTER,
			    "handler runs that returned IRQ_HANDLED (or WAKE_THREAD)", (double)s.handled,
			    "irq", irq, "name", name, "device", dev, NULL);
		nt_prom_add(m, "nettrail_virtnet_irq_none_total", NT_PROM_COUNTER,
			    "handler runs that returned IRQ_NONE (nothing to do: shared line, spurious)",
			    (double)s.none, "irq", irq, "name", name, "device", dev, NULL);
		nt_prom_add(m, "nettrail_virtnet_irq_handler_seconds_total", NT_PROM_COUNTER,
			    "time in the handler, summed", (double)s.ns_sum / 1e9, "irq", irq, "name",
			    name, "device", dev, NULL);
		nt_prom_add(m, "nettrail_virtnet_irq_handler_max_seconds", NT_PROM_GAUGE,
			    "the longest handler run of the run", (double)s.ns_max / 1e9, "irq", irq,
			    "name", name, "device", dev, NULL);
		for (int c = 0; c < t->nrows; c++) {
			const struct row *r = &t->rows[c];

			if (r->k.irq != q->irq)
				continue;
			snprintf(cpu, sizeof(cpu), "%u", r->k.cpu);
			nt_prom_add(m, "nettrail_virtnet_irq_cpu_calls_total", NT_PROM_COUNTER,
				    "handler runs per CPU", (double)r->v.calls, "irq", irq, "name", name,
				    "device", dev, "cpu", cpu, NULL);
		}
	}
	nt_prom_losses(m, t->skel->maps.nt_counters, "handler runs of an (IRQ, CPU) the table had no row for");
}

/* ---- the run --------------------------------------------------------------- */

NT_SKEL(virtnet_irq_monitor);

static struct config cfg = { .interval = 5 };
static struct tool tool_state;      /* one run a process */
static struct tool *const tool = &tool_state;

static int find_irqs(struct tool *t)
{
	if (cfg.nirq_items) {
		for (int i = 0; i < cfg.nirq_items; i++) {
			t->irqs[i].irq = strtoul(cfg.irq_items[i], NULL, 10);
			t->irqs[i].ifi = -1;
			vn_irq_name(t->irqs[i].irq, t->irqs[i].name, sizeof(t->irqs[i].name));
		}
		t->nirqs = cfg.nirq_items;
		return 0;
	}
	t->nifs = vn_find_ifs("--interface", cfg.iface.name, t->ifs, NT_MAX_IFACES);
	if (t->nifs < 0)
		return NT_EXIT_RUNTIME;
	if (!t->nifs) {
		nt_err("no virtio-net interface here (this tool runs inside a guest; --irqs N "
		       "watches given IRQs)");
		return NT_EXIT_RUNTIME;
	}
	t->nirqs = vn_find_irqs(t->ifs, t->nifs, t->irqs, 0, VN_MAX_IRQS);
	if (!t->nirqs) {
		nt_err("no IRQ of %s (%s) in /proc/interrupts", t->ifs[0].name, t->ifs[0].vdev);
		return NT_EXIT_RUNTIME;
	}
	return 0;
}

static int configure(struct nt_run *r)
{
	struct virtnet_irq_monitor_bpf *skel = r->skel;
	int err;

	r->ctx = tool;
	tool->skel = skel;
	err = find_irqs(tool);
	if (err)
		return err;
	for (int i = 0; i < tool->nirqs; i++)
		((__u32 *)skel->rodata->targ_irqs)[i] = tool->irqs[i].irq;
	skel->rodata->targ_nirqs = tool->nirqs;
	r->tick_ms = (int)(cfg.interval * 1000);
	return 0;
}

static int attached(struct nt_run *r)
{
	tool->start_ns = tool->last_ns = nt_mono_ns();
	return 0;
}

static void describe(struct nt_run *r, char *buf, size_t len)
{
	size_t off = snprintf(buf, len, "%d IRQ%s (", tool->nirqs, tool->nirqs == 1 ? "" : "s");

	for (int i = 0; i < tool->nirqs && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%u %s", i ? ", " : "", tool->irqs[i].irq,
				tool->irqs[i].name);
	if (off < len)
		snprintf(buf + off, len - off, "), counts every %g s", cfg.interval);
}

static const struct nt_tool_hooks hooks = {
	.configure = configure,
	.attached = attached,
	.describe = describe,
	.report = report,
	.metrics = metrics,
};

const struct nt_tool_def virtnet_irq_monitor_tool = {
	.cli = {
		.tool = "virtnet_irq_monitor",
		.synopsis = "[--interface IF | --irqs N[,N]] [--interval SEC] [options]",
		.description =
			"Inside a guest: the virtio-net device's interrupts (found in /proc/interrupts\n"
			"by the device's name: virtio0-input.0, virtio0-output.0, virtio0-config) -\n"
			"calls per IRQ and CPU, rate, handler time (average, maximum) and the share\n"
			"that found nothing to do (IRQ_NONE, flagged at 1 % and more). Counted in the\n"
			"kernel from the irq:irq_handler_entry/exit tracepoints; printed every\n"
			"--interval and for the whole run at the end.",
		.examples =
			"  nettrail virtnet_irq_monitor                      # every virtio-net NIC\n"
			"  nettrail virtnet_irq_monitor --interface eth0 --interval 1\n"
			"  nettrail virtnet_irq_monitor --irqs 24,25 --json --duration 30\n",
		.opts = options,
		.nopts = NT_ARRAY_SIZE(options),
		.handle = handle_opt,
		.validate = validate,
		.cfg = &cfg,
	},
	.stages = stages,
	.nstages = NT_ARRAY_SIZE(stages),
	.skel = &virtnet_irq_monitor_skel,
	.hooks = &hooks,
};
