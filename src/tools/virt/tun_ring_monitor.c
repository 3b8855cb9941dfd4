// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tun_ring_monitor — is a tap's transmit ring (host -> VM) full, so that the
 * VM loses packets at its tap? (manual 3.8.3)
 *
 * Kernel events: net:net_dev_start_xmit on the watched taps (tp_btf, raw_tp or
 * tracepoint), else tun_net_xmit (fentry, kprobe): each transmit reads its
 * queue's ptr_ring (size, producer and consumer indexes, the slot at the
 * producer) by CO-RE, counts it per (tap, queue) and reports it when the ring
 * is full (--all: always). skb:kfree_skb with the FULL_RING drop reason
 * (kernels from 5.19 on) counts the kernel's own verdict beside it. Status per
 * queue every --interval and for the whole run.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/btf.h>
#include <bpf/bpf.h>
#include "nt.h"
#include "tool.h"
#include "addr.h"
#include "btfinfo.h"
#include "cli.h"
#include "drops.h"
#include "iface.h"
#include "output.h"
#include "run.h"
#include "tun_common.h"
#include "tun_ring.h"
#include "tun_ring_monitor.skel.h"

static const struct nt_stage stages[] = {
	{ "xmit", "a packet is handed to the tap (its ring read just before)", false, {
		{ NT_PK_TP_BTF, "net_dev_start_xmit", "nt_tr_xmit_btf" },
		{ NT_PK_RAW_TP, "net_dev_start_xmit", "nt_tr_xmit_raw" },
		{ NT_PK_TRACEPOINT, "net/net_dev_start_xmit", "nt_tr_xmit_tp" },
		{ NT_PK_FENTRY, "tun_net_xmit", "nt_tr_xmit_fe" },
		{ NT_PK_KPROBE, "tun_net_xmit", "nt_tr_xmit_kp" } } },
	{ "drop", "the kernel frees an skb with reason FULL_RING", true, { NT_DROP_CANDIDATES } },
};
enum { STAGE_XMIT, STAGE_DROP };

struct config {
	struct tr_taps taps;
	struct nt_filter filter;
	double interval;
	bool all, verbose;
};

#define C struct config
static const struct nt_opt options[] = {
	TR_OPTS_TAPS(C, taps),
	NT_OPTS_FILTER(C, filter, 0),
	NT_OPT_B("all", "report every transmit, not only those that find the ring full "
		 "(costly at high rates)", C, all),
	NT_OPT_B("verbose", "print the ring's indexes with each event", C, verbose),
	NT_OPT_INTERVAL(0, C, interval, "print each queue's ring status every SEC seconds "
			"(default 5)"),
};
#undef C

static struct config cfg = { .taps.queue = TR_ANY_QUEUE, .interval = 5 };

static int validate(void *c_)
{
	const struct config *c = c_;

	return tr_taps_validate(&c->taps);
}

/* ---- counts ---------------------------------------------------------------- */

struct row {
	struct tr_key k;
	struct tr_val v, prev;
};

static struct tool {
	struct tun_ring_monitor_bpf *skel;
	struct row rows[TR_MAX_ROWS];
	int nrows;
	uint64_t events, full_events;
	bool drop_stage;                /* the FULL_RING drops are counted */
} tool;

static int row_cmp(const void *a, const void *b)
{
	const struct tr_key *x = &((const struct row *)a)->k, *y = &((const struct row *)b)->k;

	if (x->dev.ifindex != y->dev.ifindex)
		return x->dev.ifindex < y->dev.ifindex ? -1 : 1;
	return x->queue < y->queue ? -1 : x->queue > y->queue;
}

static void read_rows(struct tool *t)
{
	NT_MAP_MIRROR(bpf_map__fd(t->skel->maps.rings), t->rows, &t->nrows, k, v);
	qsort(t->rows, t->nrows, sizeof(t->rows[0]), row_cmp);
}

static unsigned pct(uint32_t used, uint32_t size)
{
	return size ? (unsigned)((uint64_t)used * 100 / size) : 0;
}

static void row_json(struct nt_json *j, const struct row *r, const struct tr_val *d)
{
	char ifn[32];

	nt_json_obj(j, NULL);
	nt_json_str(j, "interface", nt_iface_name(&r->k.dev, ifn, sizeof(ifn)));
	nt_json_u64(j, "queue", r->k.queue);
	nt_json_u64(j, "size", r->v.last.size);
	nt_json_u64(j, "producer", r->v.last.producer);
	nt_json_u64(j, "consumer_head", r->v.last.consumer_head);
	nt_json_u64(j, "consumer_tail", r->v.last.consumer_tail);
	nt_json_u64(j, "used", r->v.last.used);
	nt_json_u64(j, "max_used", r->v.max_used);
	nt_json_u64(j, "xmits", d->xmits);
	nt_json_u64(j, "full", d->full);
	if (tool.drop_stage)
		nt_json_u64(j, "drops_full_ring", d->drops);
	nt_json_obj_end(j);
}

/* every --interval (whole false: what changed since the last one) and for the run */
static void report(void *ctx, bool whole)
{
	struct tool *t = ctx;
	uint64_t lost = nt_counter_sum(t->skel->maps.nt_counters, NT_CNT_LOST_EVENTS);
	uint64_t mfull = nt_counter_sum(t->skel->maps.nt_counters, NT_CNT_MAP_FULL);
	struct nt_json *j = NULL;
	char when[32], ifn[32], drops[24];

	read_rows(t);
	nt_fmt_clock(nt_mono_to_wall_ns(nt_mono_ns()), when, sizeof(when));
	if (nt_out_json()) {
		j = nt_json_begin(whole ? "summary" : "interval", 0);
		if (whole) {
			nt_json_u64(j, "events", t->events);
			nt_json_u64(j, "full_events", t->full_events);
		}
		nt_json_arr(j, "queues");
	} else {
		nt_text("%s[%s] TUN Ring Status%s\n", whole ? "\n" : "", when,
			whole ? " (whole run)" : "");
		nt_text("  %-14s %5s %6s %6s %5s %6s %10s %10s %10s\n", "DEVICE", "QUEUE", "SIZE",
			"USED", "USE%", "MAX", "XMITS", "FULL", t->drop_stage ? "DROPS" : "");
	}
	for (int i = 0; i < t->nrows; i++) {
		struct row *r = &t->rows[i];
		struct tr_val d = r->v;

		if (!whole) {
			d.xmits -= r->prev.xmits;
			d.full -= r->prev.full;
			d.drops -= r->prev.drops;
			r->prev = r->v;
		}
		if (j) {
			row_json(j, r, &d);
			continue;
		}
		snprintf(drops, sizeof(drops), "%llu", (unsigned long long)d.drops);
		nt_text("  %-14s %5u %6u %6u %4u%% %6u %10llu %10llu %10s\n",
			nt_iface_name(&r->k.dev, ifn, sizeof(ifn)), r->k.queue, r->v.last.size,
			r->v.last.used, pct(r->v.last.used, r->v.last.size), r->v.max_used,
			(unsigned long long)d.xmits, (unsigned long long)d.full,
			t->drop_stage ? drops : "");
	}
	if (j) {
		nt_json_arr_end(j);
		nt_json_u64(j, "lost_events", lost);
		nt_json_u64(j, "map_full", mfull);
		nt_json_end(j);
	} else if (!t->nrows) {
		nt_text("  no transmit on the watched taps\n");
	}
	if (!j && (whole || lost || mfull))
		nt_text("Lost events: %llu  Map full: %llu\n", (unsigned long long)lost,
			(unsigned long long)mfull);
}

/* --prometheus: per tap queue the run's transmits, full rings and the kernel's
 * FULL_RING drops (where it has them), the ring's size and use, as of the last
 * report; events the kernel could not hand over, rows the table refused. */
static void metrics(void *ctx, struct nt_prom *m)
{
	struct tool *t = ctx;
	char ifn[32], q[12];

	for (int i = 0; i < t->nrows; i++) {
		const struct row *r = &t->rows[i];

		nt_iface_name(&r->k.dev, ifn, sizeof(ifn));
		snprintf(q, sizeof(q), "%u", r->k.queue);
		nt_prom_add(m, "nettrail_tun_xmits_total", NT_PROM_COUNTER,
			    "packets handed to the tap's transmit (into the VM), per tap queue",
			    (double)r->v.xmits, "device", ifn, "queue", q, NULL);
		nt_prom_add(m, "nettrail_tun_ring_full_total", NT_PROM_COUNTER,
			    "transmits that found the queue's ring full (the packet is dropped)",
			    (double)r->v.full, "device", ifn, "queue", q, NULL);
		if (t->drop_stage)
			nt_prom_add(m, "nettrail_tun_full_ring_drops_total", NT_PROM_COUNTER,
				    "packets the kernel freed with drop reason FULL_RING",
				    (double)r->v.drops, "device", ifn, "queue", q, NULL);
		nt_prom_add(m, "nettrail_tun_ring_size", NT_PROM_GAUGE,
			    "slots of the queue's ring (the tap's txqueuelen when attached)",
			    (double)r->v.last.size, "device", ifn, "queue", q, NULL);
		nt_prom_add(m, "nettrail_tun_ring_used", NT_PROM_GAUGE,
			    "entries waiting for the reader at the last transmit",
			    (double)r->v.last.used, "device", ifn, "queue", q, NULL);
		nt_prom_add(m, "nettrail_tun_ring_used_max", NT_PROM_GAUGE,
			    "most entries waiting at a transmit in the run",
			    (double)r->v.max_used, "device", ifn, "queue", q, NULL);
	}
	nt_prom_losses(m, t->skel->maps.nt_counters,
		       "transmits of a tap queue the table had no row for");
}

/* ---- events ---------------------------------------------------------------- */

static void flow_str(const struct nt_pkt *p, char *buf, size_t len)
{
	char src[64], dst[64];

	if (!p->family) {
		snprintf(buf, len, "non-IP (ethertype 0x%04x)", p->l3_proto);
		return;
	}
	nt_drop_endpoint(p, true, src, sizeof(src));
	nt_drop_endpoint(p, false, dst, sizeof(dst));
	snprintf(buf, len, "%s -> %s %s", src, dst, nt_l4_name(p->family, p->l4_proto));
}

static void event_json(const struct tr_event *e)
{
	struct nt_json *j = nt_json_begin("event", nt_mono_to_wall_ns(e->ts));
	char ifn[32], a[INET6_ADDRSTRLEN], proto[16];

	/* "protocol" as the latency tools spell it: tcp, udp, icmp */
	snprintf(proto, sizeof(proto), "%s", nt_l4_name(e->pkt.family, e->pkt.l4_proto));
	for (char *c = proto; *c; c++)
		*c = (char)tolower((unsigned char)*c);

	nt_json_str(j, "status", e->ring.full ? "FULL" : "OK");
	nt_json_str(j, "interface", nt_iface_name(&e->k.dev, ifn, sizeof(ifn)));
	nt_json_u64(j, "queue", e->k.queue);
	nt_json_u64(j, "numqueues", e->ring.numqueues);
	nt_json_u64(j, "size", e->ring.size);
	nt_json_u64(j, "producer", e->ring.producer);
	nt_json_u64(j, "consumer_head", e->ring.consumer_head);
	nt_json_u64(j, "consumer_tail", e->ring.consumer_tail);
	nt_json_u64(j, "used", e->ring.used);
	nt_json_str(j, "protocol", proto);
	nt_json_str(j, "src_ip", e->pkt.family ? nt_addr_str(&e->pkt.saddr, e->pkt.family, a, sizeof(a)) : "");
	nt_json_str(j, "dst_ip", e->pkt.family ? nt_addr_str(&e->pkt.daddr, e->pkt.family, a, sizeof(a)) : "");
	nt_json_u64(j, "src_port", e->pkt.sport);
	nt_json_u64(j, "dst_port", e->pkt.dport);
	nt_json_u64(j, "len", e->skb_len);
	nt_json_u64(j, "pid", e->pid);
	nt_json_str(j, "comm", e->comm);
	nt_json_end(j);
}

/* the manual's block: a banner, then time, process, device, queue, flow, ring */
static void event_text(const struct tr_event *e)
{
	char when[32], ifn[32], flow[200];

	nt_fmt_clock(nt_mono_to_wall_ns(e->ts), when, sizeof(when));
	flow_str(&e->pkt, flow, sizeof(flow));
	nt_text("================================================================================\n"
		"%s\nTime: %s\nProcess: %s (PID: %u)\nDevice: %s\nQueue: %u (numqueues: %u)\n"
		"Flow: %s, %u bytes\nPTR Ring: size %u, used %u (%u%%)%s\n",
		e->ring.full ? "TUN RING FULL DETECTED!" : "TUN Ring Status", when, e->comm, e->pid,
		nt_iface_name(&e->k.dev, ifn, sizeof(ifn)), e->k.queue, e->ring.numqueues, flow,
		e->skb_len, e->ring.size, e->ring.used, pct(e->ring.used, e->ring.size),
		e->ring.full ? ": FULL (the slot at the producer is taken), the packet is dropped" : "");
	if (cfg.verbose)
		nt_text("  producer %u, consumer_head %u, consumer_tail %u\n", e->ring.producer,
			e->ring.consumer_head, e->ring.consumer_tail);
}

static int on_event(void *ctx, void *data, size_t len)
{
	struct tool *t = ctx;
	const struct tr_event *e = data;

	if (len < sizeof(*e))
		return 0;
	t->events++;
	t->full_events += e->ring.full;
	if (nt_out_json())
		event_json(e);
	else
		event_text(e);
	return 0;
}

/* ---- the tool ------------------------------------------------------------- */

NT_SKEL(tun_ring_monitor);

/* The drop stage needs the FULL_RING reason (5.19+); without it the xmit
 * stage's full events are the drops. */
static int planned(struct nt_run *r)
{
	struct nt_stage_plan *pl = &r->plans[STAGE_DROP];

	if (nt_btf_need_struct("tun_struct", "tun", "the taps' rings"))
		return NT_EXIT_RUNTIME;
	nt_drop_load_reasons();
	if (pl->cand && nt_drop_reason_value("FULL_RING") < 0) {
		pl->cand = NULL;
		snprintf(pl->why, sizeof(pl->why), "this kernel has no FULL_RING drop reason (the "
			 "xmit stage's ring-full count is the drops)");
		fprintf(stderr, "%s: skipping stage 'drop' (%s): %s\n", nt_prog, pl->stage->what,
			pl->why);
	}
	tool.drop_stage = pl->cand != NULL;
	return 0;
}

static int configure(struct nt_run *r)
{
	struct tun_ring_monitor_bpf *skel = r->skel;

	tool.skel = skel;
	r->ctx = &tool;
	tr_taps_rodata(&cfg.taps, skel->rodata->targ_devs, &skel->rodata->targ_ndevs,
		       &skel->rodata->targ_queue);
	skel->rodata->targ_all = cfg.all;
	skel->rodata->targ_filter = cfg.filter;
	skel->rodata->targ_filter_l3 = nt_filter_any(&cfg.filter);
	skel->rodata->targ_full_ring = tool.drop_stage ? (__u32)nt_drop_reason_value("FULL_RING") : 0;
	r->tick_ms = (int)(cfg.interval * 1000);
	return 0;
}

static void describe(struct nt_run *r, char *buf, size_t len)
{
	snprintf(buf, len, "the transmit rings of %s%s, status every %g s", cfg.taps.devs.str,
		 cfg.taps.queue == TR_ANY_QUEUE ? "" : " (one queue)", cfg.interval);
}

static const struct nt_tool_hooks hooks = {
	.planned = planned,
	.configure = configure,
	.describe = describe,
	.on_event = on_event,
	.report = report,
	.metrics = metrics,
};

const struct nt_tool_def tun_ring_monitor_tool = {
	.cli = {
		.tool = "tun_ring_monitor",
		.synopsis = "--device TAP[,TAP] [--queue N] [filters] [--all] [--interval SEC] "
			    "[options]",
		.description =
			"Watch a tap's transmit rings (host -> VM): each packet handed to the tap\n"
			"goes into its queue's ring, which the VM's reader (qemu, or vhost-net)\n"
			"drains; when the ring is full the packet is dropped. Reports every packet\n"
			"that finds its ring full (the banner TUN RING FULL DETECTED!, with the\n"
			"flow and the ring's size, indexes and use), counts transmits, full rings\n"
			"and the kernel's FULL_RING drops per queue, and prints each queue's ring\n"
			"status every --interval. A ring that stays full means the VM does not\n"
			"take its packets: look inside it (virtnet_poll_monitor) or at its vhost\n"
			"worker. Filters apply to the events. Overhead: low (the taps' transmits).",
		.examples =
			"  nettrail tun_ring_monitor --device vnet0\n"
			"  nettrail tun_ring_monitor --interface vnet0,vnet1 --interval 1\n"
			"  nettrail tun_ring_monitor --device vnet0 --queue 2 --protocol tcp --verbose\n"
			"  nettrail tun_ring_monitor --device vnet0 --all --duration 5 --json\n",
		.opts = options,
		.nopts = NT_ARRAY_SIZE(options),
		.validate = validate,
		.cfg = &cfg,
	},
	.stages = stages,
	.nstages = NT_ARRAY_SIZE(stages),
	.skel = &tun_ring_monitor_skel,
	.hooks = &hooks,
	.ctx = &tool,
};
