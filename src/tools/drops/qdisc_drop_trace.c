// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * qdisc_drop_trace — which qdisc drops packets, of which flow, how full was
 * it? (manual 3.4)
 *
 * Kernel event: skb:kfree_skb (tp_btf, raw_tp or tracepoint; fentry/kprobe
 * on the drop function elsewhere) filtered in the kernel to the qdisc drop
 * reasons of the running kernel, read by name from BTF (QDISC_DROP,
 * QDISC_OVERLIMIT, QDISC_CONGESTED, FQ_*_LIMIT, CAKE_FLOOD, ...). Kernels
 * without drop reasons: drops freed from the qdisc free sites
 * (__dev_xmit_skb, dev_qdisc_enqueue, __dev_queue_xmit), by the tracepoint's
 * location. Per-drop events (unless --summary) and per-(device, qdisc,
 * reason) counts kept in the kernel, reported every --interval.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "nt.h"
#include "tool.h"
#include "addr.h"
#include "btfinfo.h"
#include "cli.h"
#include "drops.h"
#include "iface.h"
#include "ksyms.h"
#include "output.h"
#include "run.h"
#include "qdisc_drop_trace.h"
#include "qdisc_drop_trace.skel.h"

static const struct nt_stage stages[] = {
	{ "drop", "the kernel frees an skb a qdisc refused", false, { NT_DROP_CANDIDATES } },
};

/* Drop reasons that mean "a qdisc refused the packet" (those this kernel has). */
static const char *qdisc_reasons[] = {
	"QDISC_DROP", "QDISC_OVERLIMIT", "QDISC_CONGESTED", "CAKE_FLOOD", "FQ_BAND_LIMIT",
	"FQ_HORIZON_LIMIT", "FQ_FLOW_LIMIT", "QDISC_EGRESS", "QDISC_INGRESS",
};
/* Where qdisc drops are freed on kernels without reasons. */
static const char *qdisc_callers[] = { "__dev_xmit_skb", "dev_qdisc_enqueue", "__dev_queue_xmit" };

struct config {
	struct nt_drop_filters f;
	double interval;
	bool summary, verbose, drops_only;
	unsigned long long max_entries;  /* rows of the device/qdisc/reason table */
};

#define C struct config
static const struct nt_opt options[] = {
	NT_DROP_OPT_IFACE("interface", 'i', "only drops on this (egress) interface", C, f),
	NT_DROP_OPTS_FILTER(C, f),
	NT_OPT_INTERVAL(0, C, interval, "print per-qdisc drop counts every SEC seconds (default 10)"),
	NT_OPT_B("summary", "no per-drop events, only the counts (cheapest)", C, summary),
	NT_OPT_B("verbose", "also print pid, comm, cpu, tx queue, parent and location", C, verbose),
	NT_OPT_B("drops-only", "accepted for the reference's command lines (only drops are "
		 "ever reported)", C, drops_only),
	NT_OPT_U("max-entries", "N", "rows of the device/qdisc/reason count table (1-1024, default "
		 "1024); drops beyond it are counted as not broken down", C, max_entries,
		 1, QDT_MAX_KEYS, "rows"),
};
#undef C

static int validate(void *cfg)
{
	const struct config *c = cfg;

	if (c->summary && c->verbose)
		return nt_usage_error("--verbose", NULL, "conflicts with --summary (no events)");
	return 0;
}

static void handle_str(__u32 h, char *buf, size_t len)
{
	if (h == 0xffffffffu)
		snprintf(buf, len, "root");
	else if (h & 0xffff)
		snprintf(buf, len, "%x:%x", h >> 16, h & 0xffff);
	else
		snprintf(buf, len, "%x:", h >> 16);
}

/* ---- counts ---------------------------------------------------------------- */

#define MAX_ROWS QDT_MAX_KEYS

/* Every qdisc drop, counted in the kernel apart from the rows: the rows break
 * it down, unattributed is the part without a row (counts map full). */
struct qdt_totals {
	uint64_t drops, bytes, unattr, unattr_bytes;
};

static struct qdt_totals read_totals(struct bpf_map *cnt)
{
	return (struct qdt_totals){
		nt_counter_sum(cnt, NT_DROP_CNT_SEEN), nt_counter_sum(cnt, QDT_CNT_BYTES),
		nt_counter_sum(cnt, QDT_CNT_UNATTR), nt_counter_sum(cnt, QDT_CNT_UNATTR_BYTES),
	};
}

struct row {
	struct qdt_key k;
	struct qdt_val v;
	uint64_t prev_drops, prev_bytes;
};

struct tool {
	struct config *cfg;
	struct qdisc_drop_trace_bpf *skel;
	struct row rows[MAX_ROWS];
	int nrows;
	uint64_t events;
	struct qdt_totals prev;         /* kernel totals at the last interval */
};

static void read_counts(struct tool *t)
{
	NT_MAP_MIRROR(bpf_map__fd(t->skel->maps.counts), t->rows, &t->nrows, k, v);
}

static void row_json(struct nt_json *j, const struct row *r, uint64_t drops, uint64_t bytes)
{
	char b[64];

	nt_json_obj(j, NULL);
	nt_json_str(j, "ifname", nt_iface_name(&r->k.dev, b, sizeof(b)));
	nt_json_u64(j, "ifindex", r->k.dev.ifindex);
	nt_json_u64(j, "netns", r->k.dev.netns);
	nt_json_str(j, "kind", r->v.kind);
	handle_str(r->k.handle, b, sizeof(b));
	nt_json_str(j, "handle", b);
	nt_json_u64(j, "limit", r->v.limit);
	nt_json_str(j, "reason", nt_drop_reason_name(r->k.reason, b, sizeof(b)));
	nt_json_u64(j, "drops", drops);
	nt_json_u64(j, "bytes", bytes);
	nt_json_obj_end(j);
}

/* every --interval (summary false) and for the whole run (true) */
static void report_counts(void *ctx, bool summary)
{
	struct tool *t = ctx;
	uint64_t lost = nt_counter_sum(t->skel->maps.nt_counters, NT_CNT_LOST_EVENTS);
	uint64_t full = nt_counter_sum(t->skel->maps.nt_counters, NT_CNT_MAP_FULL);
	uint64_t rows = 0, total, tbytes, unattr, ubytes;
	char ifn[32], h[32], reason[64];
	struct nt_json *j = NULL;
	struct qdt_totals now;

	read_counts(t);
	now = read_totals(t->skel->maps.nt_counters);
	for (int i = 0; i < t->nrows; i++) {
		const struct row *r = &t->rows[i];

		rows += summary ? r->v.drops : r->v.drops - r->prev_drops;
	}
	total = now.drops - (summary ? 0 : t->prev.drops);
	tbytes = now.bytes - (summary ? 0 : t->prev.bytes);
	unattr = now.unattr - (summary ? 0 : t->prev.unattr);
	ubytes = now.unattr_bytes - (summary ? 0 : t->prev.unattr_bytes);
	t->prev = now;
	if (nt_out_json()) {
		j = nt_json_begin(summary ? "summary" : "interval", 0);
		nt_json_u64(j, "drops", total);
		nt_json_u64(j, "bytes", tbytes);
		nt_json_u64(j, "broken_down", rows);
		nt_json_u64(j, "unattributed", unattr);
		nt_json_u64(j, "unattributed_bytes", ubytes);
		if (summary) {
			nt_json_obj(j, "reasons");
			for (int i = 0; i < t->nrows; i++) {
				uint64_t n = 0;
				bool seen = false;

				for (int q = 0; q < i; q++)
					seen |= t->rows[q].k.reason == t->rows[i].k.reason;
				if (seen)
					continue;
				for (int q = i; q < t->nrows; q++)
					if (t->rows[q].k.reason == t->rows[i].k.reason)
						n += t->rows[q].v.drops;
				nt_json_u64(j, nt_drop_reason_name(t->rows[i].k.reason, reason,
								   sizeof(reason)), n);
			}
			nt_json_obj_end(j);
			nt_json_u64(j, "events", t->events);
		}
		nt_json_arr(j, "qdiscs");
	} else if (summary) {
		nt_text("\n=== qdisc_drop_trace summary ===\nDrops: %llu (%llu bytes)\n",
			(unsigned long long)total, (unsigned long long)tbytes);
	} else {
		char when[32];

		nt_fmt_clock(nt_mono_to_wall_ns(nt_mono_ns()), when, sizeof(when));
		nt_text("[%s] STATISTICS SUMMARY: %llu qdisc drops (%llu bytes) in this interval\n",
			when, (unsigned long long)total, (unsigned long long)tbytes);
	}
	for (int i = 0; i < t->nrows; i++) {
		struct row *r = &t->rows[i];
		uint64_t d = summary ? r->v.drops : r->v.drops - r->prev_drops;
		uint64_t b = summary ? r->v.bytes : r->v.bytes - r->prev_bytes;

		if (!d && !summary)
			continue;
		if (j) {
			row_json(j, r, d, b);
		} else {
			handle_str(r->k.handle, h, sizeof(h));
			nt_text("  %-12s %-10s %-8s limit %-8u %-18s %llu drops, %llu bytes\n",
				nt_iface_name(&r->k.dev, ifn, sizeof(ifn)), r->v.kind, h, r->v.limit,
				nt_drop_reason_name(r->k.reason, reason, sizeof(reason)),
				(unsigned long long)d, (unsigned long long)b);
		}
		r->prev_drops = r->v.drops;
		r->prev_bytes = r->v.bytes;
	}
	if (unattr && !j)
		nt_text("  not broken down (table full): %llu drops, %llu bytes\n",
			(unsigned long long)unattr, (unsigned long long)ubytes);
	if (j) {
		nt_json_arr_end(j);
		nt_json_u64(j, "lost_events", lost);
		nt_json_u64(j, "map_full", full);
		nt_json_end(j);
	} else if (summary || lost || full) {
		nt_text("Lost events: %llu  Map full: %llu\n", (unsigned long long)lost,
			(unsigned long long)full);
	}
}

/* ---- events ---------------------------------------------------------------- */

static int on_event(void *ctx, void *data, size_t len)
{
	struct tool *t = ctx;
	const struct qdt_event *e = data;
	const struct ksyms *ks = nt_ksyms();
	char a[INET6_ADDRSTRLEN], h[32], ph[32], reason[64], where[160];

	if (len < sizeof(*e))
		return 0;
	t->events++;
	handle_str(e->q.handle, h, sizeof(h));
	handle_str(e->q.parent, ph, sizeof(ph));
	nt_drop_reason_name(e->reason, reason, sizeof(reason));
	if (e->location)
		ksyms__fmt(ks, e->location, where, sizeof(where));
	else
		snprintf(where, sizeof(where), "-");
	if (nt_out_json()) {
		struct nt_json *j = nt_json_begin("event", nt_mono_to_wall_ns(e->ts));

		nt_json_str(j, "ifname", e->ifname);
		nt_json_u64(j, "ifindex", e->dev.ifindex);
		nt_json_u64(j, "netns", e->dev.netns);
		nt_json_u64(j, "queue", e->queue);
		nt_json_str(j, "kind", e->q.kind);
		nt_json_str(j, "handle", h);
		nt_json_str(j, "parent", ph);
		nt_json_u64(j, "qlen", e->q.qlen);
		nt_json_u64(j, "backlog", e->q.backlog);
		nt_json_u64(j, "limit", e->q.limit);
		nt_json_u64(j, "qdisc_drops", e->q.qdisc_drops);
		nt_json_str(j, "reason", reason);
		if (e->reason != NT_DROP_NO_REASON)
			nt_json_u64(j, "reason_code", e->reason);
		nt_json_str(j, "family", e->pkt.family == 4 ? "ipv4" : e->pkt.family == 6 ? "ipv6" : "other");
		nt_json_str(j, "proto", nt_l4_name(e->pkt.family, e->pkt.l4_proto));
		nt_json_str(j, "src_ip", e->pkt.family ? nt_addr_str(&e->pkt.saddr, e->pkt.family, a, sizeof(a)) : "");
		nt_json_str(j, "dst_ip", e->pkt.family ? nt_addr_str(&e->pkt.daddr, e->pkt.family, a, sizeof(a)) : "");
		nt_json_u64(j, "src_port", e->pkt.sport);
		nt_json_u64(j, "dst_port", e->pkt.dport);
		nt_json_u64(j, "len", e->len);
		nt_json_str(j, "location", where);
		nt_json_u64(j, "pid", e->pid);
		nt_json_str(j, "comm", e->comm);
		nt_json_u64(j, "cpu", e->cpu);
		nt_json_end(j);
		return 0;
	}
	{
		char when[32], src[64], dst[64];

		nt_fmt_clock(nt_mono_to_wall_ns(e->ts), when, sizeof(when));
		if (e->pkt.family) {
			nt_drop_endpoint(&e->pkt, true, src, sizeof(src));
			nt_drop_endpoint(&e->pkt, false, dst, sizeof(dst));
		} else {
			snprintf(src, sizeof(src), "-");
			snprintf(dst, sizeof(dst), "0x%04x", e->pkt.l3_proto);
		}
		nt_text("%-12s %-10s %-8s %-8s %5u/%-8u %-16s %-5s %s -> %s len %u\n", when, e->ifname,
			e->q.kind, h, e->q.qlen, e->q.limit, reason,
			nt_l4_name(e->pkt.family, e->pkt.l4_proto), src, dst, e->len);
		if (t->cfg->verbose)
			nt_text("  pid=%u comm=%s cpu=%u queue=%u parent=%s backlog=%u qdisc_drops=%u "
				"location=%s\n", e->pid, e->comm, e->cpu, e->queue, ph, e->q.backlog,
				e->q.qdisc_drops, where);
	}
	return 0;
}

/* Which drops are qdisc drops: by reason name, else by the free site. */
static int set_qdisc_filter(struct qdisc_drop_trace_bpf *skel)
{
	__u32 n = 0;

	if (nt_drop_has_reasons()) {
		for (size_t i = 0; i < NT_ARRAY_SIZE(qdisc_reasons) && n < QDT_MAX_REASONS; i++) {
			long long v = nt_drop_reason_value(qdisc_reasons[i]);

			if (v >= 0)
				((__u32 *)skel->rodata->targ_reasons)[n++] = (__u32)v;
		}
		skel->rodata->targ_nreasons = n;
		if (!n) {
			nt_err("this kernel's enum skb_drop_reason has no qdisc reason (QDISC_DROP ...)");
			return -1;
		}
		return 0;
	}
	for (size_t i = 0; i < NT_ARRAY_SIZE(qdisc_callers) && n < QDT_MAX_CALLERS; i++) {
		uint64_t lo, hi;

		if (!nt_ksyms() || !ksyms__range(nt_ksyms(), qdisc_callers[i], &lo, &hi))
			continue;
		((__u64 *)skel->rodata->targ_caller_lo)[n] = lo;
		((__u64 *)skel->rodata->targ_caller_hi)[n] = hi;
		n++;
	}
	skel->rodata->targ_ncallers = n;
	if (!n) {
		nt_err("no drop reasons and none of the qdisc free sites (__dev_xmit_skb, ...) "
		       "in kallsyms");
		return -1;
	}
	nt_dbg("no drop reasons in this kernel: qdisc drops by %u free sites", n);
	return 0;
}

NT_SKEL(qdisc_drop_trace);

static struct config cfg = { .interval = 10, .max_entries = QDT_MAX_KEYS };
static struct tool *tool;

static int configure(struct nt_run *r)
{
	struct qdisc_drop_trace_bpf *skel = r->skel;

	tool = calloc(1, sizeof(*tool));
	if (!tool) {
		nt_err("out of memory");
		return NT_EXIT_RUNTIME;
	}
	r->ctx = tool;
	tool->cfg = &cfg;
	tool->skel = skel;
	NT_DROP_SET_FILTERS(skel->rodata, &cfg.f);
	skel->rodata->targ_events = !cfg.summary;
	bpf_map__set_max_entries(skel->maps.counts, cfg.max_entries);
	if (set_qdisc_filter(skel))
		return NT_EXIT_RUNTIME;
	if (cfg.summary)
		r->events = NULL;       /* counts only */
	r->tick_ms = (int)(cfg.interval * 1000);
	return 0;
}

static void describe(struct nt_run *r, char *buf, size_t len)
{
	snprintf(buf, len, "qdisc drops, counts every %g s", cfg.interval);
}

static void header(struct nt_run *r)
{
	if (!nt_out_json() && !cfg.summary)
		nt_text("%-12s %-10s %-8s %-8s %14s %-16s %-5s %s\n", "TIME", "DEVICE", "QDISC",
			"HANDLE", "QLEN/LIMIT", "REASON", "PROTO", "SRC -> DST");
}

static void cleanup(struct nt_run *r)
{
	free(tool);
}

/* --prometheus: drops and bytes per device, qdisc and reason as of the last
 * report (the rows are the kernel's running counts), and what had no row. */
static void metrics(void *ctx, struct nt_prom *m)
{
	struct tool *t = ctx;
	char dev[32], netns[16], handle[32], reason[64];

	for (int i = 0; i < t->nrows; i++) {
		const struct row *r = &t->rows[i];

		nt_iface_name(&r->k.dev, dev, sizeof(dev));
		snprintf(netns, sizeof(netns), "%u", r->k.dev.netns);
		handle_str(r->k.handle, handle, sizeof(handle));
		nt_drop_reason_name(r->k.reason, reason, sizeof(reason));
		nt_prom_add(m, "nettrail_qdisc_drops_total", NT_PROM_COUNTER,
			    "packets a qdisc dropped, per device, qdisc and reason", (double)r->v.drops,
			    "device", dev, "netns", netns, "qdisc", r->v.kind, "handle", handle,
			    "reason", reason, NULL);
		nt_prom_add(m, "nettrail_qdisc_dropped_bytes_total", NT_PROM_COUNTER,
			    "bytes of the packets a qdisc dropped", (double)r->v.bytes,
			    "device", dev, "netns", netns, "qdisc", r->v.kind, "handle", handle,
			    "reason", reason, NULL);
	}
	nt_prom_add(m, "nettrail_qdisc_drops_unattributed_total", NT_PROM_COUNTER,
		    "qdisc drops counted but not broken down (the table was full)",
		    (double)t->prev.unattr, NULL);
	nt_prom_losses(m, t->skel->maps.nt_counters, "drops the table had no row for");
}

static const struct nt_tool_hooks hooks = {
	.planned = nt_drop_planned,
	.configure = configure,
	.describe = describe,
	.header = header,
	.on_event = on_event,
	.report = report_counts,
	.cleanup = cleanup,
	.metrics = metrics,
};

const struct nt_tool_def qdisc_drop_trace_tool = {
	.cli = {
		.tool = "qdisc_drop_trace",
		.synopsis = "[--interface IF] [--src-ip IP] [--dst-ip IP] [--protocol P] "
			    "[--interval SEC] [--summary] [options]",
		.description =
			"Report packets a qdisc dropped (queue full, over limit, flow limits): the\n"
			"device, the qdisc (kind, handle, queue length, limit, its own drop\n"
			"counter), the drop reason and the flow. Counts per device, qdisc and\n"
			"reason are kept in the kernel and printed every --interval; --summary\n"
			"prints only those (no per-drop events). Filters run in the kernel.",
		.examples =
			"  nettrail qdisc_drop_trace                                # every qdisc drop\n"
			"  nettrail qdisc_drop_trace --interface vnet0 --interval 5\n"
			"  nettrail qdisc_drop_trace --summary --interval 1 --json\n"
			"  nettrail qdisc_drop_trace --protocol udp --dst-ip 10.0.0.2 --verbose\n",
		.opts = options,
		.nopts = NT_ARRAY_SIZE(options),
		.validate = validate,
		.cfg = &cfg,
	},
	.stages = stages,
	.nstages = NT_ARRAY_SIZE(stages),
	.skel = &qdisc_drop_trace_skel,
	.hooks = &hooks,
};
