// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * virtnet_poll_monitor — inside a guest: how often does virtio-net poll each
 * queue, and how much does a poll take (packets vs its budget)? (manual 3.8.4)
 *
 * Kernel events: napi:napi_poll (tp_btf, raw_tp or tracepoint) after every
 * NAPI poll, kept when the poll function is virtio-net's (virtnet_poll for
 * receive, virtnet_poll_tx for transmit completions; addresses from kallsyms)
 * and the device is watched; and, where function probes work, skb_recv_done
 * (fentry, else kprobe): the receive virtqueue's callback, i.e. the receive
 * interrupts that reached the driver. Counted in the kernel per device,
 * direction and queue; printed every --interval and for the whole run.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <linux/btf.h>
#include "nt.h"
#include "tool.h"
#include "btfinfo.h"
#include "cli.h"
#include "iface.h"
#include "ksyms.h"
#include "output.h"
#include "run.h"
#include "virtnet_common.h"
#include "virtnet_poll_monitor.skel.h"

static const struct nt_stage stages[] = {
	{ "poll", "a NAPI poll ends (packets processed, budget)", false, {
		{ NT_PK_TP_BTF, "napi_poll", "nt_vnp_poll_btf" },
		{ NT_PK_RAW_TP, "napi_poll", "nt_vnp_poll_raw" },
		{ NT_PK_TRACEPOINT, "napi/napi_poll", "nt_vnp_poll_tp" } } },
	{ "recv_done", "the receive virtqueue's callback (skb_recv_done): a receive interrupt",
	  true, {
		{ NT_PK_FENTRY, "skb_recv_done", "nt_vnp_done_fe" },
		{ NT_PK_KPROBE, "skb_recv_done", "nt_vnp_done_kp" } } },
};
enum { STAGE_POLL, STAGE_RECV_DONE };

struct config {
	struct nt_iface iface;
	unsigned long long queue;       /* VN_QUEUE_UNKNOWN: every queue */
	double interval;
};

static const struct nt_opt options[] = {
	NT_OPT_ROW("interface", 0, "IF", "the virtio-net interface (default: every one)",
		   NT_OPT_IFACE, struct config, iface, 0),
	NT_OPT_ROW("device", 0, "IF", "same as --interface (reference name)", NT_OPT_IFACE,
		   struct config, iface, 0),
	NT_OPT_ROW("queue", 'q', "N", "only queue N (receive and transmit)", NT_OPT_UINT,
		   struct config, queue, 0, 0, VN_QUEUE_UNKNOWN - 1, NULL),
	NT_OPT_INTERVAL(0, struct config, interval, "print the counts every SEC seconds (default 5)"),
};

/* ---- counts ---------------------------------------------------------------- */

struct row {
	struct vn_napi_key k;
	struct vn_napi_val v, prev;
};

struct tool {
	struct virtnet_poll_monitor_bpf *skel;
	struct vn_if ifs[NT_MAX_IFACES];
	int nifs;
	struct row rows[VN_MAX_ROWS];
	int nrows;
	uint64_t last_ns, start_ns;
	bool recv_stage;                /* skb_recv_done is probed: the receive interrupts */
};

static int row_cmp(const void *a, const void *b)
{
	const struct vn_napi_key *x = &((const struct row *)a)->k, *y = &((const struct row *)b)->k;

	if (x->dev.ifindex != y->dev.ifindex)
		return x->dev.ifindex < y->dev.ifindex ? -1 : 1;
	if (x->dir != y->dir)
		return x->dir - y->dir;
	if (x->queue != y->queue)
		return x->queue - y->queue;
	return x->napi < y->napi ? -1 : x->napi > y->napi;
}

static void read_rows(struct tool *t)
{
	NT_MAP_MIRROR(bpf_map__fd(t->skel->maps.queues), t->rows, &t->nrows, k, v);
	qsort(t->rows, t->nrows, sizeof(t->rows[0]), row_cmp);
}

static const char *dir_name(int d)
{
	return d == VN_RX ? "rx" : d == VN_TX ? "tx" : "?";
}

static void queue_name(const struct vn_napi_key *k, char *buf, size_t len)
{
	if (k->queue == VN_QUEUE_UNKNOWN)
		snprintf(buf, len, "napi@%llx", (unsigned long long)k->napi);
	else
		snprintf(buf, len, "%s-%u", k->dir == VN_RX ? "input" : "output", k->queue);
}

static void row_out(struct nt_json *j, const struct row *r, bool whole, double secs)
{
	struct vn_napi_val d = r->v;
	char ifn[32], q[40], irqs[24];

	if (!whole) {
		d.polls -= r->prev.polls;
		d.work -= r->prev.work;
		d.full -= r->prev.full;
		d.idle -= r->prev.idle;
		d.recv_done -= r->prev.recv_done;
	}
	nt_iface_name(&r->k.dev, ifn, sizeof(ifn));
	queue_name(&r->k, q, sizeof(q));
	if (j) {
		nt_json_obj(j, NULL);
		nt_json_str(j, "interface", ifn);
		nt_json_str(j, "direction", dir_name(r->k.dir));
		if (r->k.queue != VN_QUEUE_UNKNOWN)
			nt_json_u64(j, "queue", r->k.queue);
		nt_json_str(j, "name", q);
		nt_json_u64(j, "polls", d.polls);
		nt_json_u64(j, "packets", d.work);
		nt_json_f64(j, "per_poll", d.polls ? (double)d.work / d.polls : 0);
		nt_json_u64(j, "budget", r->v.budget);
		nt_json_u64(j, "budget_exhausted", d.full);
		nt_json_u64(j, "idle_polls", d.idle);
		nt_json_f64(j, "polls_per_s", secs > 0 ? d.polls / secs : 0);
		if (r->k.dir == VN_RX)
			nt_json_u64(j, "recv_interrupts", d.recv_done);
		nt_json_obj_end(j);
		return;
	}
	if (r->k.dir == VN_RX)
		snprintf(irqs, sizeof(irqs), "%llu", (unsigned long long)d.recv_done);
	else
		snprintf(irqs, sizeof(irqs), "-");
	nt_text("  %-10s %-10s %8llu %9.1f %9llu %8.2f %6llu %10llu %8llu %10s\n", ifn, q,
		(unsigned long long)d.polls, secs > 0 ? d.polls / secs : 0,
		(unsigned long long)d.work, d.polls ? (double)d.work / d.polls : 0,
		(unsigned long long)r->v.budget, (unsigned long long)d.full,
		(unsigned long long)d.idle, irqs);
}

static void report(void *ctx, bool whole)
{
	struct tool *t = ctx;

	uint64_t now = nt_mono_ns(), since = whole ? t->start_ns : t->last_ns;
	double secs = (now - since) / 1e9;
	struct nt_json *j = NULL;
	char when[32];

	read_rows(t);
	if (nt_out_json()) {
		j = nt_json_begin(whole ? "summary" : "interval", 0);
		nt_json_f64(j, "seconds", secs);
		nt_json_arr(j, "queues");
	} else {
		nt_fmt_clock(nt_mono_to_wall_ns(now), when, sizeof(when));
		nt_text("%s[%s] virtio-net NAPI polls, %s %.1f s\n", whole ? "\n" : "", when,
			whole ? "whole run" : "last", secs);
		nt_text("  %-10s %-10s %8s %9s %9s %8s %6s %10s %8s %10s\n", "IF", "QUEUE", "POLLS",
			"POLLS/s", "PACKETS", "PER_POLL", "BUDGET", "EXHAUSTED", "IDLE", "RX_IRQS");
	}
	for (int i = 0; i < t->nrows; i++)
		row_out(j, &t->rows[i], whole, secs);
	if (j) {
		nt_json_arr_end(j);
		nt_json_u64(j, "map_full",
			    nt_counter_sum(t->skel->maps.nt_counters, NT_CNT_MAP_FULL));
		nt_json_end(j);
	}
	if (!whole)
		for (int i = 0; i < t->nrows; i++)
			t->rows[i].prev = t->rows[i].v;
	t->last_ns = now;
}

/* --prometheus: per interface, direction and queue the run's polls, packets,
 * polls that used their whole budget or found nothing, and (where
 * skb_recv_done is probed) the receive interrupts, as of the last report. */
static void metrics(void *ctx, struct nt_prom *m)
{
	struct tool *t = ctx;
	char ifn[32], q[40];

	for (int i = 0; i < t->nrows; i++) {
		const struct row *r = &t->rows[i];
		const char *dir = dir_name(r->k.dir);

		nt_iface_name(&r->k.dev, ifn, sizeof(ifn));
		if (r->k.queue == VN_QUEUE_UNKNOWN)
			/* one per NAPI instance, named by a hash: no kernel address in a label */
			snprintf(q, sizeof(q), "napi-%08x", (unsigned)((r->k.napi * 0x9e3779b97f4a7c15ull) >> 32));
		else
			snprintf(q, sizeof(q), "%u", r->k.queue);
		nt_prom_add(m, "nettrail_virtnet_polls_total", NT_PROM_COUNTER,
			    "virtio-net NAPI polls, per interface, direction and queue",
			    (double)r->v.polls, "device", ifn, "direction", dir, "queue", q, NULL);
		nt_prom_add(m, "nettrail_virtnet_poll_packets_total", NT_PROM_COUNTER,
			    "packets the polls processed", (double)r->v.work, "device", ifn,
			    "direction", dir, "queue", q, NULL);
		nt_prom_add(m, "nettrail_virtnet_polls_budget_exhausted_total", NT_PROM_COUNTER,
			    "polls that used their whole budget (more was waiting)", (double)r->v.full,
			    "device", ifn, "direction", dir, "queue", q, NULL);
		nt_prom_add(m, "nettrail_virtnet_polls_idle_total", NT_PROM_COUNTER,
			    "polls that found nothing to do", (double)r->v.idle, "device", ifn,
			    "direction", dir, "queue", q, NULL);
		if (t->recv_stage && r->k.dir == VN_RX)
			nt_prom_add(m, "nettrail_virtnet_rx_interrupts_total", NT_PROM_COUNTER,
				    "receive virtqueue callbacks (skb_recv_done): the receive interrupts "
				    "that reached the driver", (double)r->v.recv_done, "device", ifn,
				    "queue", q, NULL);
	}
	nt_prom_losses(m, t->skel->maps.nt_counters, "polls of a queue the table had no row for");
}

/* ---- the run --------------------------------------------------------------- */

NT_SKEL(virtnet_poll_monitor);

static struct config cfg = { .queue = VN_QUEUE_UNKNOWN, .interval = 5 };
static struct tool tool_state;      /* one run a process */
static struct tool *const tool = &tool_state;

/* virtio_net's queue structs in the kernel's or the module's BTF (CO-RE finds them
 * where this does); looked up once. NT_TEST_BY_POLL=1: as if absent (the
 * tests' way to the 5.10 path on a kernel with them). */
static bool driver_btf(void)
{
	static int has = -1;
	const char *by_poll = getenv("NT_TEST_BY_POLL");

	if (has < 0)
		has = !(by_poll && !strcmp(by_poll, "1")) &&
		      nt_btf_has_type("virtnet_info", BTF_KIND_STRUCT) &&
		      nt_btf_has_type("receive_queue", BTF_KIND_STRUCT) &&
		      nt_btf_has_type("send_queue", BTF_KIND_STRUCT);
	return has;
}

static int configure(struct nt_run *r)
{
	struct virtnet_poll_monitor_bpf *skel = r->skel;
	static const char *const polls[] = { "virtnet_poll", "virtnet_poll_tx" };
	uint64_t addr[2];

	r->ctx = tool;
	tool->skel = skel;
	tool->nifs = vn_find_ifs("--interface", cfg.iface.name, tool->ifs, NT_MAX_IFACES);
	if (tool->nifs < 0)
		return NT_EXIT_RUNTIME;
	if (!tool->nifs) {
		nt_err("no virtio-net interface here (this tool runs inside a guest)");
		return NT_EXIT_RUNTIME;
	}
	/* The driver's structs tell a NAPI's direction and queue by its address
	 * (the BPF side's queue_of()). Without them in any BTF (5.10 modules) the
	 * poll functions do: /proc/kallsyms, ~40 ms to read, only then; two
	 * addresses, so no symbol table is kept (~4.5 MiB). */
	if (!driver_btf()) {
		if (ksyms__scan("/proc/kallsyms", polls, addr, NULL, 2) < 0 || !addr[0]) {
			nt_err("virtnet_poll is not in /proc/kallsyms: the virtio_net driver's poll "
			       "function is needed to tell its NAPI polls");
			return NT_EXIT_RUNTIME;
		}
		skel->rodata->targ_by_poll = true;
		skel->rodata->targ_rx_poll = addr[0];
		skel->rodata->targ_tx_poll = addr[1];
	}
	for (int i = 0; i < tool->nifs; i++)
		((struct nt_ifref *)skel->rodata->targ_ifs)[i] = tool->ifs[i].ref;
	skel->rodata->targ_nifs = tool->nifs;
	skel->rodata->targ_queue = cfg.queue == VN_QUEUE_UNKNOWN ? -1 : (__s32)cfg.queue;
	r->tick_ms = (int)(cfg.interval * 1000);
	tool->recv_stage = r->plans[STAGE_RECV_DONE].cand != NULL;
	return 0;
}

static int attached(struct nt_run *r)
{
	tool->start_ns = tool->last_ns = nt_mono_ns();
	return 0;
}

static void describe(struct nt_run *r, char *buf, size_t len)
{
	size_t off = snprintf(buf, len, "virtio-net NAPI polls of ");

	for (int i = 0; i < tool->nifs && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%s (%s)", i ? ", " : "", tool->ifs[i].name,
				tool->ifs[i].vdev);
	if (off < len)
		snprintf(buf + off, len - off, ", counts every %g s", cfg.interval);
}

static const struct nt_tool_hooks hooks = {
	.configure = configure,
	.attached = attached,
	.describe = describe,
	.report = report,
	.metrics = metrics,
};

const struct nt_tool_def virtnet_poll_monitor_tool = {
	.cli = {
		.tool = "virtnet_poll_monitor",
		.synopsis = "[--interface IF] [--queue N] [--interval SEC] [options]",
		.description =
			"Inside a guest: virtio-net's NAPI polls per interface and queue - polls and\n"
			"polls/s, packets processed and per poll, the budget and how many polls used\n"
			"all of it (more was waiting), idle polls - and the receive interrupts that\n"
			"reached the driver (skb_recv_done, where function probes work). Receive\n"
			"queues are input-N, transmit completions output-N. Counted in the kernel;\n"
			"printed every --interval and for the whole run at the end.",
		.examples =
			"  nettrail virtnet_poll_monitor --interface eth0\n"
			"  nettrail virtnet_poll_monitor --interface eth0 --queue 0 --interval 1\n"
			"  nettrail virtnet_poll_monitor --json --duration 30\n",
		.opts = options,
		.nopts = NT_ARRAY_SIZE(options),
		.cfg = &cfg,
	},
	.stages = stages,
	.nstages = NT_ARRAY_SIZE(stages),
	.skel = &virtnet_poll_monitor_skel,
	.hooks = &hooks,
};
