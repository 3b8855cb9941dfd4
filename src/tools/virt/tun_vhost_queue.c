// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tun_to_vhost_queue_status_simple_summary, tun_to_vhost_queue_stats_full_summary
 * — where do a VM's incoming packets wait: in the tap's ring, or for the guest's
 * buffers? (manual 3.8.3)
 *
 * One BPF object (tun_vhost_queue.bpf.c), two tools: the simple one watches the
 * tap's transmits (ring depth) and vhost's completions (the rx virtqueue's
 * room); the full one adds vhost's reads from the tap (ring depth left) and the
 * start of each handle_rx (the room then). Log2 distributions per (tap, queue),
 * per interval and for the run.
 */
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <bpf/bpf.h>
#include "nt.h"
#include "tool.h"
#include "cli.h"
#include "hist.h"
#include "iface.h"
#include "output.h"
#include "run.h"
#include "tun_common.h"
#include "vhost_common.h"
#include "tun_vhost.h"
#include "tun_vhost_queue.skel.h"

#define XMIT_STAGE { "xmit", "a packet is handed to the tap (its ring read just before)", false, { \
		{ NT_PK_TP_BTF, "net_dev_start_xmit", "nt_tq_xmit_btf" },                      \
		{ NT_PK_RAW_TP, "net_dev_start_xmit", "nt_tq_xmit_raw" },                      \
		{ NT_PK_TRACEPOINT, "net/net_dev_start_xmit", "nt_tq_xmit_tp" },               \
		{ NT_PK_FENTRY, "tun_net_xmit", "nt_tq_xmit_fe" },                             \
		{ NT_PK_KPROBE, "tun_net_xmit", "nt_tq_xmit_kp" } } }
#define SIGNAL_STAGE { "signal", "vhost completes rx buffers and signals the guest", false, { \
		{ NT_PK_FENTRY, "vhost_add_used_and_signal_n", "nt_tq_signal_fe" },            \
		{ NT_PK_KPROBE, "vhost_add_used_and_signal_n", "nt_tq_signal_kp" } } }

static const struct nt_stage simple_stages[] = { XMIT_STAGE, SIGNAL_STAGE };
static const struct nt_stage full_stages[] = {
	XMIT_STAGE,
	SIGNAL_STAGE,
	{ "recv", "vhost reads a packet from the tap", false, {
		{ NT_PK_FENTRY, "tun_recvmsg", "nt_tq_recv_fe" },
		{ NT_PK_KPROBE, "tun_recvmsg", "nt_tq_recv_kp" } } },
	{ "handle_rx", "the vhost worker starts moving the tap's packets to the guest", false, {
		{ NT_PK_FENTRY, "handle_rx", "nt_tq_handle_rx_fe" },
		{ NT_PK_KPROBE, "handle_rx", "nt_tq_handle_rx_kp" } } },
};

/* each measure: its JSON key and its line in the text */
static const struct {
	const char *key, *label;
} measures[TQ_MEASURES] = {
	[TQ_XMIT_DEPTH] = { "xmit_ring_depth", "tap ring depth at xmit (packets waiting)" },
	[TQ_SIGNAL_AVAIL] = { "signal_avail", "rx vring at signal: avail - last_avail (guest buffers not taken)" },
	[TQ_SIGNAL_TAKEN] = { "signal_taken", "rx vring at signal: last_avail - last_used (taken, being completed)" },
	[TQ_RECV_DEPTH] = { "recv_ring_depth", "tap ring depth at vhost's read (packets left)" },
	[TQ_HANDLE_AVAIL] = { "handle_rx_avail", "rx vring at handle_rx: avail - last_avail" },
	[TQ_HANDLE_TAKEN] = { "handle_rx_taken", "rx vring at handle_rx: last_avail - last_used" },
};

struct config {
	struct tr_taps taps;
	double interval;
};

#define C struct config
static const struct nt_opt options[] = {
	TR_OPTS_TAPS(C, taps),
	NT_OPT_INTERVAL('i', C, interval, "print the interval's distributions every SEC seconds "
			"(default 1)"),
};
#undef C

static struct config cfg = { .taps.queue = TR_ANY_QUEUE, .interval = 1 };

static int validate(void *c_)
{
	const struct config *c = c_;

	return tr_taps_validate(&c->taps);
}

/* ---- distributions --------------------------------------------------------- */

struct row {
	struct tq_key k;
	struct nt_lat v, prev;  /* the run so far (CPUs merged); at the last interval */
};

static struct tool {
	struct tun_vhost_queue_bpf *skel;
	struct row rows[TQ_MAX_ROWS];
	int nrows;
	int ncpus;
	struct nt_lat *percpu;
} tool;

static int row_cmp(const void *a, const void *b)
{
	const struct tq_key *x = &((const struct row *)a)->k, *y = &((const struct row *)b)->k;

	if (x->q.dev.ifindex != y->q.dev.ifindex)
		return x->q.dev.ifindex < y->q.dev.ifindex ? -1 : 1;
	if (x->q.queue != y->q.queue)
		return x->q.queue < y->q.queue ? -1 : 1;
	return x->measure < y->measure ? -1 : x->measure > y->measure;
}

static struct row *row_of(struct tool *t, const struct tq_key *k)
{
	for (int i = 0; i < t->nrows; i++)
		if (!memcmp(&t->rows[i].k, k, sizeof(*k)))
			return &t->rows[i];
	if (t->nrows == TQ_MAX_ROWS)
		return NULL;
	memset(&t->rows[t->nrows], 0, sizeof(t->rows[0]));
	t->rows[t->nrows].k = *k;
	return &t->rows[t->nrows++];
}

/* the per-CPU accumulators, merged into the rows' running totals */
static void read_rows(struct tool *t)
{
	int fd = bpf_map__fd(t->skel->maps.dists);
	struct tq_key k, next, *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		struct row *r;

		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(fd, &k, t->percpu) || !(r = row_of(t, &k)))
			continue;
		memset(&r->v, 0, sizeof(r->v));
		for (int c = 0; c < t->ncpus; c++)
			nt_lat_merge(&r->v, &t->percpu[c]);
	}
	qsort(t->rows, t->nrows, sizeof(t->rows[0]), row_cmp);
}

/* ---- output ---------------------------------------------------------------- */

static void report(void *ctx, bool whole)
{
	struct tool *t = ctx;
	uint64_t mfull = nt_counter_sum(t->skel->maps.nt_counters, NT_CNT_MAP_FULL);
	struct nt_json *j = NULL;
	char when[32], ifn[32];
	const struct tr_key *open = NULL;

	read_rows(t);
	nt_fmt_clock(nt_mono_to_wall_ns(nt_mono_ns()), when, sizeof(when));
	if (nt_out_json()) {
		j = nt_json_begin(whole ? "summary" : "interval", 0);
		nt_json_arr(j, "queues");
	} else {
		nt_text("%s[%s] tun -> vhost queues (%s)\n", whole ? "\n" : "", when,
			whole ? "whole run" : "this interval");
	}
	for (int i = 0; i < t->nrows; i++) {
		struct row *r = &t->rows[i];
		struct nt_lat d = r->v;

		if (!whole) {
			nt_lat_sub(&d, &r->prev);
			r->prev = r->v;
		}
		if (!open || memcmp(open, &r->k.q, sizeof(*open))) {
			if (open && j) {
				nt_json_obj_end(j);
				nt_json_obj_end(j);
			}
			open = &r->k.q;
			nt_iface_name(&r->k.q.dev, ifn, sizeof(ifn));
			if (j) {
				nt_json_obj(j, NULL);
				nt_json_str(j, "interface", ifn);
				nt_json_u64(j, "queue", r->k.q.queue);
				nt_json_obj(j, "measures");
			} else {
				nt_text("TAP %s queue %u\n", ifn, r->k.q.queue);
			}
		}
		if (r->k.measure >= TQ_MEASURES)
			continue;
		if (j) {
			char hk[48];

			snprintf(hk, sizeof(hk), "%s_hist", measures[r->k.measure].key);
			nt_lat_json(j, measures[r->k.measure].key, hk, &d, 1);
		} else
			nt_dist_text("  ", measures[r->k.measure].label, &d);
	}
	if (j && open) {
		nt_json_obj_end(j);
		nt_json_obj_end(j);
	}
	nt_report_close(j, mfull, whole, t->nrows, "nothing on the watched taps yet");
}

/* --prometheus: per tap queue and measure (its JSON key) the run's samples, the
 * depths summed (their mean: depth / samples), the samples that found 0 and the
 * deepest, as of the last report: the log2 slots stay in the JSON. */
static void metrics(void *ctx, struct nt_prom *m)
{
	struct tool *t = ctx;
	char ifn[32], q[12];

	for (int i = 0; i < t->nrows; i++) {
		const struct row *r = &t->rows[i];
		const char *ms;

		if (r->k.measure >= TQ_MEASURES)
			continue;
		ms = measures[r->k.measure].key;
		nt_iface_name(&r->k.q.dev, ifn, sizeof(ifn));
		snprintf(q, sizeof(q), "%u", r->k.q.queue);
		nt_prom_add(m, "nettrail_tun_vhost_samples_total", NT_PROM_COUNTER,
			    "times the measure was taken (a transmit, a signal, a read, a handle_rx), "
			    "per tap queue", (double)r->v.count, "device", ifn, "queue", q, "measure",
			    ms, NULL);
		nt_prom_add(m, "nettrail_tun_vhost_depth_total", NT_PROM_COUNTER,
			    "the measured depths (packets in the tap's ring, rx vring entries) summed",
			    (double)r->v.sum, "device", ifn, "queue", q, "measure", ms, NULL);
		nt_prom_add(m, "nettrail_tun_vhost_zero_depth_samples_total", NT_PROM_COUNTER,
			    "samples that found 0 (an empty tap ring; no guest buffer left)",
			    (double)r->v.slots[0], "device", ifn, "queue", q, "measure", ms, NULL);
		nt_prom_add(m, "nettrail_tun_vhost_depth_max", NT_PROM_GAUGE,
			    "the deepest sample of the run", (double)r->v.max, "device", ifn, "queue", q,
			    "measure", ms, NULL);
	}
	nt_prom_losses(m, t->skel->maps.nt_counters, "samples of a tap queue the table had no row for");
}

/* ---- the tools ------------------------------------------------------------- */

NT_SKEL(tun_vhost_queue);

static int configure(struct nt_run *r)
{
	struct tun_vhost_queue_bpf *skel = r->skel;

	tool.skel = skel;
	r->ctx = &tool;
	tool.ncpus = libbpf_num_possible_cpus();
	tool.percpu = calloc(tool.ncpus > 0 ? tool.ncpus : 1, sizeof(*tool.percpu));
	if (tool.ncpus <= 0 || !tool.percpu) {
		nt_err("cannot size the per-CPU distributions");
		return NT_EXIT_RUNTIME;
	}
	tr_taps_rodata(&cfg.taps, skel->rodata->targ_devs, &skel->rodata->targ_ndevs,
		       &skel->rodata->targ_queue);
	r->tick_ms = (int)(cfg.interval * 1000);
	return 0;
}

static void describe(struct nt_run *r, char *buf, size_t len)
{
	snprintf(buf, len, "the queues from %s to vhost%s, every %g s", cfg.taps.devs.str,
		 cfg.taps.queue == TR_ANY_QUEUE ? "" : " (one queue)", cfg.interval);
}

static void cleanup(struct nt_run *r)
{
	free(tool.percpu);
	tool.percpu = NULL;
}

static const struct nt_tool_hooks hooks = {
	.planned = vq_tap_need_btf,
	.configure = configure,
	.describe = describe,
	.report = report,
	.cleanup = cleanup,
	.metrics = metrics,
};

#define TQ_SYNOPSIS "--device TAP[,TAP] [--queue N] [--interval SEC] [options]"
#define TQ_CLI(name, what, cost)                                                             \
	.tool = name,                                                                        \
	.synopsis = TQ_SYNOPSIS,                                                             \
	.description =                                                                       \
		"Where a VM's incoming packets wait, per tap queue: in the tap's ring (the\n"  \
		"vhost worker is late taking them) or for the guest's buffers (the rx\n"       \
		"virtqueue's avail - last_avail is 0: the guest does not post them).\n"        \
		what                                                                         \
		"Log2 distributions for each interval and the whole run. Needs function\n"     \
		"probes (fentry or kprobe) and the tun and vhost BTF.\nOverhead: " cost,     \
	.examples =                                                                          \
		"  nettrail " name " --device vnet0\n"                                        \
		"  nettrail " name " --vm-interface vnet0 --queue 0 --interval 5\n"           \
		"  nettrail " name " --device vnet0 --duration 10 --json\n",                  \
	.opts = options,                                                                     \
	.nopts = NT_ARRAY_SIZE(options),                                                     \
	.validate = validate,                                                                \
	.cfg = &cfg

const struct nt_tool_def tun_to_vhost_queue_status_simple_summary_tool = {
	.cli = { TQ_CLI("tun_to_vhost_queue_status_simple_summary",
			"Measured at the tap's transmits and at vhost's completions (signals).\n",
			"low (two probes).") },
	.stages = simple_stages,
	.nstages = NT_ARRAY_SIZE(simple_stages),
	.skel = &tun_vhost_queue_skel,
	.hooks = &hooks,
	.ctx = &tool,
};

const struct nt_tool_def tun_to_vhost_queue_stats_full_summary_tool = {
	.cli = { TQ_CLI("tun_to_vhost_queue_stats_full_summary",
			"Measured at the tap's transmits, vhost's reads from the tap, the start\n"
			"of each handle_rx and vhost's completions (signals).\n",
			"moderate (four probes, two per packet).") },
	.stages = full_stages,
	.nstages = NT_ARRAY_SIZE(full_stages),
	.skel = &tun_vhost_queue_skel,
	.hooks = &hooks,
	.ctx = &tool,
};
