// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * trace_conntrack — what does conntrack do with a flow: when is its entry
 * created, refreshed, destroyed, with which tuples, zone, mark, status and
 * timeout? (manual 3.7)
 *
 * Kernel events: function probes only (conntrack has no tracepoints):
 * __nf_conntrack_confirm (a new entry enters the table), __nf_ct_refresh_acct
 * (a packet refreshes it), nf_ct_destroy (it is freed) — fentry, else
 * kprobe. Address/port/protocol filters and the event-type filter run in the
 * kernel. On a kernel where neither fentry nor kprobe works the tool says so
 * and exits 1.
 *
 * Verdicts are counted in the kernel, never sent as events: packets
 * conntrack found INVALID or dropped (exit of nf_conntrack_in) and entries
 * refused at confirm (exit of __nf_conntrack_confirm) — fexit, else kretprobe
 * with a kprobe stashing the skb. Reported per interval and in the summary;
 * `--events none` keeps only these counts.
 */
#include <errno.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include <string.h>
#include <sys/utsname.h>
#include "nt.h"
#include "tool.h"
#include "addr.h"
#include "btfinfo.h"
#include "cli.h"
#include "output.h"
#include "run.h"
#include "trace_conntrack.h"
#include "trace_conntrack.skel.h"

static const struct nt_stage stages[] = {
	{ "new", "a new connection is confirmed into the table", true, {
		{ NT_PK_FENTRY, "__nf_conntrack_confirm", "nt_ct_confirm_fe" },
		{ NT_PK_KPROBE, "__nf_conntrack_confirm", "nt_ct_confirm_kp" },
	} },
	{ "update", "a packet refreshes a connection's timeout", true, {
		{ NT_PK_FENTRY, "__nf_ct_refresh_acct", "nt_ct_refresh_fe" },
		{ NT_PK_KPROBE, "__nf_ct_refresh_acct", "nt_ct_refresh_kp" },
	} },
	{ "destroy", "a connection leaves the table (its entry is freed)", true, {
		{ NT_PK_FENTRY, "nf_ct_destroy", "nt_ct_destroy_fe", 1 },
		{ NT_PK_FENTRY, "destroy_conntrack", "nt_ct_destroy_fe", 1 },
		{ NT_PK_KPROBE, "nf_ct_destroy", "nt_ct_destroy_kp" },
		{ NT_PK_KPROBE, "destroy_conntrack", "nt_ct_destroy_kp" },
		{ NT_PK_FENTRY, "nf_ct_delete", "nt_ct_delete_fe" },
		{ NT_PK_KPROBE, "nf_ct_delete", "nt_ct_delete_kp" },
	} },
	/* counting stages (no events): exit probes, the kretprobe's companion is
	 * its entry kprobe (it stashes the skb the return cannot show) */
	{ "verdict", "packets conntrack found INVALID or dropped (counted)", true, {
		{ NT_PK_FEXIT, "nf_conntrack_in", "nt_ct_in_fx", 1 },
		{ NT_PK_KRETPROBE, "nf_conntrack_in", "nt_ct_in_krp", 0, "nf_conntrack_in",
		  "nt_ct_in_kp" },
	} },
	{ "confirm-drop", "entries refused at confirm, their packet dropped (counted)", true, {
		{ NT_PK_FEXIT, "__nf_conntrack_confirm", "nt_ct_confirm_fx", 1 },
		{ NT_PK_KRETPROBE, "__nf_conntrack_confirm", "nt_ct_confirm_krp", 0,
		  "__nf_conntrack_confirm", "nt_ct_confirm_kp2" },
	} },
};
/* stages 0..2 serve event types 1..3; the rest count verdicts */
#define TCT_EVENT_STAGES 3

static const char *type_names[] = { "?", "new", "update", "destroy" };
/* JSON keys of the verdict counts (enum tct_verdict order) */
static const char *verdict_names[TCT_V_MAX] = { "invalid", "drop", "confirm_drop" };

struct config {
	struct nt_filter filter;
	__u32 types;
	double interval;         /* 0: no interval reports */
	unsigned long long max_entries;  /* rows of the per-key verdict table */
};

/* --events: new, update, destroy, all or none (alone) */
static const struct nt_enum event_names[] = {
	{ "new", TCT_EV_BIT(TCT_NEW) }, { "update", TCT_EV_BIT(TCT_UPDATE) },
	{ "destroy", TCT_EV_BIT(TCT_DESTROY) },
	{ "all", TCT_EV_BIT(TCT_NEW) | TCT_EV_BIT(TCT_UPDATE) | TCT_EV_BIT(TCT_DESTROY) },
	{ "none", 0 }, { NULL },
};

#define C struct config
static const struct nt_opt options[] = {
	NT_OPTS_FILTER(C, filter, 0),
	NT_OPT_L("events", "LIST", "new,update,destroy, all or none (default new,destroy; update "
		 "fires per packet; none: only the verdict counts)", C, types, event_names),
	NT_OPT_INTERVAL(0, C, interval, "print the verdict counts (INVALID, dropped) every SEC seconds"),
	NT_OPT_U("max-entries", "N", "rows of the per-namespace/protocol verdict table (1-1024, "
		 "default 1024); verdicts beyond it are counted as not broken down", C, max_entries,
		 1, TCT_VKEYS_MAX, "rows"),
};
#undef C

/* The kernel's HZ (ct->timeout is in jiffies): from its config if readable, else 250. */
static __u64 kernel_hz(void)
{
	struct utsname u;
	char path[300], line[128];
	__u64 hz = 0;
	FILE *f;

	if (uname(&u))
		return 250;
	snprintf(path, sizeof(path), "/boot/config-%s", u.release);
	f = fopen(path, "r");
	if (!f)
		return 250;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CONFIG_HZ=%llu", (unsigned long long *)&hz) == 1)
			break;
	fclose(f);
	return hz ? hz : 250;
}

struct vrow {
	struct tct_vkey k;
	struct tct_vval v, prev;        /* totals now, at the last interval report */
};

struct tool {
	struct trace_conntrack_bpf *skel;
	/* every verdict counted (kernel counters, not the bounded table): now, at the
	 * last interval report */
	uint64_t vtotal[TCT_V_MAX], vtotal_prev[TCT_V_MAX];
	uint64_t counts[4];
	bool counting;                  /* a verdict stage is attached */
	struct vrow rows[TCT_VKEYS_MAX];
	int nrows;
};

static void status_str(__u64 st, char *buf, size_t len)
{
	static const char *bits[] = { "EXPECTED", "SEEN_REPLY", "ASSURED", "CONFIRMED", "SRC_NAT",
				      "DST_NAT", "SEQ_ADJUST", "SRC_NAT_DONE", "DST_NAT_DONE",
				      "DYING", "FIXED_TIMEOUT", "TEMPLATE", "UNTRACKED", "HELPER",
				      "OFFLOAD", "HW_OFFLOAD" };
	size_t o = 0;

	buf[0] = 0;
	for (int i = 0; i < 16; i++)
		if (st & (1ull << i))
			o += snprintf(buf + o, o < len ? len - o : 0, "%s%s", o ? "|" : "", bits[i]);
	if (!o)
		snprintf(buf, len, "0");
}

/* ---- verdict counts ----------------------------------------------------------- */

static struct vrow *vrow_find(struct tool *t, const struct tct_vkey *k)
{
	for (int i = 0; i < t->nrows; i++)
		if (!memcmp(&t->rows[i].k, k, sizeof(*k)))
			return &t->rows[i];
	if (t->nrows == TCT_VKEYS_MAX)
		return NULL;
	memset(&t->rows[t->nrows], 0, sizeof(t->rows[0]));
	t->rows[t->nrows].k = *k;
	return &t->rows[t->nrows++];
}

/* Sum the per-CPU verdict counts into t->rows. */
static void verdicts_read(struct tool *t)
{
	int fd = bpf_map__fd(t->skel->maps.tct_verdicts), ncpu = libbpf_num_possible_cpus();
	struct tct_vkey k, *prev = NULL;
	struct tct_vval vals[ncpu > 0 ? ncpu : 1];

	if (ncpu <= 0)
		return;
	for (int v = 0; v < TCT_V_MAX; v++)
		t->vtotal[v] = nt_counter_sum(t->skel->maps.nt_counters, TCT_CNT_VERDICT + v);
	while (!bpf_map_get_next_key(fd, prev, &k)) {
		struct vrow *r;

		prev = &k;
		if (bpf_map_lookup_elem(fd, &k, vals) || !(r = vrow_find(t, &k)))
			continue;
		memset(&r->v, 0, sizeof(r->v));
		for (int c = 0; c < ncpu; c++)
			for (int v = 0; v < TCT_V_MAX; v++)
				r->v.n[v] += vals[c].n[v];
	}
}

static uint64_t vdelta(const struct vrow *r, int v, bool summary)
{
	return summary ? r->v.n[v] : r->v.n[v] - r->prev.n[v];
}

/* Per verdict: @tot every one counted, @other those no table row holds (full). */
static void verdict_totals(const struct tool *t, bool summary, uint64_t *tot, uint64_t *other)
{
	for (int v = 0; v < TCT_V_MAX; v++) {
		uint64_t rows = 0;

		for (int i = 0; i < t->nrows; i++)
			rows += vdelta(&t->rows[i], v, summary);
		tot[v] = summary ? t->vtotal[v] : t->vtotal[v] - t->vtotal_prev[v];
		/* a verdict counted between the two reads can be in the total only */
		other[v] = tot[v] > rows ? tot[v] - rows : 0;
	}
}

static void verdicts_json(struct nt_json *j, struct tool *t, bool summary)
{
	uint64_t tot[TCT_V_MAX], other[TCT_V_MAX];

	verdict_totals(t, summary, tot, other);
	nt_json_obj(j, "verdicts");
	for (int v = 0; v < TCT_V_MAX; v++)
		nt_json_u64(j, verdict_names[v], tot[v]);
	nt_json_obj_end(j);
	nt_json_obj(j, "verdicts_unattributed");     /* no row for their netns/protocol */
	for (int v = 0; v < TCT_V_MAX; v++)
		nt_json_u64(j, verdict_names[v], other[v]);
	nt_json_obj_end(j);
	nt_json_arr(j, "verdicts_by_netns");
	for (int i = 0; i < t->nrows; i++) {
		const struct vrow *r = &t->rows[i];
		uint64_t any = 0;

		for (int v = 0; v < TCT_V_MAX; v++)
			any += vdelta(r, v, summary);
		if (!any)
			continue;
		nt_json_obj(j, NULL);
		nt_json_u64(j, "netns", r->k.netns);
		nt_json_str(j, "family", r->k.family == 4 ? "ipv4" : r->k.family == 6 ? "ipv6" : "other");
		nt_json_str(j, "proto", nt_l4_name(r->k.family, r->k.proto));
		for (int v = 0; v < TCT_V_MAX; v++)
			nt_json_u64(j, verdict_names[v], vdelta(r, v, summary));
		nt_json_obj_end(j);
	}
	nt_json_arr_end(j);
}

static void verdicts_text(struct tool *t, bool summary)
{
	uint64_t tot[TCT_V_MAX], other[TCT_V_MAX];

	verdict_totals(t, summary, tot, other);
	nt_text("verdicts: invalid %llu  dropped %llu  confirm-dropped %llu\n",
		(unsigned long long)tot[0], (unsigned long long)tot[1], (unsigned long long)tot[2]);
	if (other[0] || other[1] || other[2])
		nt_text("  not broken down (table full): invalid %llu  dropped %llu  "
			"confirm-dropped %llu\n", (unsigned long long)other[0],
			(unsigned long long)other[1], (unsigned long long)other[2]);
	for (int i = 0; i < t->nrows; i++) {
		const struct vrow *r = &t->rows[i];

		if (!vdelta(r, 0, summary) && !vdelta(r, 1, summary) && !vdelta(r, 2, summary))
			continue;
		nt_text("  netns=%u %-5s invalid %llu  dropped %llu  confirm-dropped %llu\n",
			r->k.netns, nt_l4_name(r->k.family, r->k.proto),
			(unsigned long long)vdelta(r, 0, summary),
			(unsigned long long)vdelta(r, 1, summary),
			(unsigned long long)vdelta(r, 2, summary));
	}
}

/* The per-interval report: counts since the last one. */
static void on_tick(void *ctx)
{
	struct tool *t = ctx;
	struct bpf_map *cnt = t->skel->maps.nt_counters;

	verdicts_read(t);
	if (nt_out_json()) {
		struct nt_json *j = nt_json_begin("interval", 0);

		verdicts_json(j, t, false);
		nt_json_u64(j, "lost_events", nt_counter_sum(cnt, NT_CNT_LOST_EVENTS));
		nt_json_u64(j, "map_full", nt_counter_sum(cnt, NT_CNT_MAP_FULL));
		nt_json_end(j);
	} else {
		char when[32];

		nt_fmt_clock(nt_mono_to_wall_ns(nt_mono_ns()), when, sizeof(when));
		nt_text("[%s] ", when);
		verdicts_text(t, false);
	}
	for (int i = 0; i < t->nrows; i++)
		t->rows[i].prev = t->rows[i].v;
	memcpy(t->vtotal_prev, t->vtotal, sizeof(t->vtotal));
}

static int on_event(void *ctx, void *data, size_t len)
{
	struct tool *t = ctx;
	const struct tct_event *e = data;
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], rs[INET6_ADDRSTRLEN], rd[INET6_ADDRSTRLEN];
	char st[256];
	const char *type = e->type < 4 ? type_names[e->type] : "?";

	if (len < sizeof(*e))
		return 0;
	if (e->type < 4)
		t->counts[e->type]++;
	nt_addr_str(&e->saddr, e->family, s, sizeof(s));
	nt_addr_str(&e->daddr, e->family, d, sizeof(d));
	nt_addr_str(&e->reply_saddr, e->family, rs, sizeof(rs));
	nt_addr_str(&e->reply_daddr, e->family, rd, sizeof(rd));
	status_str(e->status, st, sizeof(st));
	if (nt_out_json()) {
		struct nt_json *j = nt_json_begin("event", nt_mono_to_wall_ns(e->ts));
		char ct[32];

		nt_json_str(j, "event", type);
		snprintf(ct, sizeof(ct), "0x%llx", (unsigned long long)e->ct);
		nt_json_str(j, "ct", ct);
		nt_json_str(j, "family", e->family == 4 ? "ipv4" : e->family == 6 ? "ipv6" : "other");
		nt_json_str(j, "proto", nt_l4_name(e->family, e->proto));
		nt_json_str(j, "src_ip", s);
		nt_json_str(j, "dst_ip", d);
		nt_json_u64(j, "src_port", e->sport);
		nt_json_u64(j, "dst_port", e->dport);
		nt_json_str(j, "reply_src_ip", rs);
		nt_json_str(j, "reply_dst_ip", rd);
		nt_json_u64(j, "reply_src_port", e->reply_sport);
		nt_json_u64(j, "reply_dst_port", e->reply_dport);
		nt_json_u64(j, "netns", e->netns);
		nt_json_u64(j, "zone", e->zone);
		nt_json_u64(j, "mark", e->mark);
		nt_json_str(j, "status", st);
		nt_json_i64(j, "timeout_s", e->timeout_s);
		nt_json_u64(j, "pid", e->pid);
		nt_json_str(j, "comm", e->comm);
		nt_json_end(j);
	} else {
		char when[32];

		nt_fmt_clock(nt_mono_to_wall_ns(e->ts), when, sizeof(when));
		nt_text("%-12s %-8s %-5s %s:%u -> %s:%u  reply %s:%u -> %s:%u  netns=%u zone=%u "
			"mark=%u timeout=%llds status=%s\n", when, type,
			nt_l4_name(e->family, e->proto), s, e->sport, d, e->dport, rs, e->reply_sport,
			rd, e->reply_dport, e->netns, e->zone, e->mark, (long long)e->timeout_s, st);
	}
	return 0;
}

/* Event stages attach when their type is asked for; counting stages always. */
static bool stage_wanted(const struct config *c, int i)
{
	return i >= TCT_EVENT_STAGES || (c->types & TCT_EV_BIT(i + 1));
}

static void print_summary(struct tool *t)
{
	struct bpf_map *cnt = t->skel->maps.nt_counters;
	uint64_t lost = nt_counter_sum(cnt, NT_CNT_LOST_EVENTS);
	uint64_t full = nt_counter_sum(cnt, NT_CNT_MAP_FULL);
	uint64_t unpaired = nt_counter_sum(cnt, TCT_CNT_UNPAIRED);

	verdicts_read(t);
	if (nt_out_json()) {
		struct nt_json *j = nt_json_begin("summary", 0);

		nt_json_obj(j, "events");
		for (int i = 1; i < 4; i++)
			nt_json_u64(j, type_names[i], t->counts[i]);
		nt_json_obj_end(j);
		nt_json_bool(j, "verdicts_counted", t->counting);
		verdicts_json(j, t, true);
		nt_json_u64(j, "lost_events", lost);
		nt_json_u64(j, "map_full", full);
		nt_json_u64(j, "unpaired_exits", unpaired);
		nt_json_end(j);
		return;
	}
	nt_text("\n=== trace_conntrack summary ===\nnew %llu  update %llu  destroy %llu  "
		"lost events %llu\n", (unsigned long long)t->counts[1],
		(unsigned long long)t->counts[2], (unsigned long long)t->counts[3],
		(unsigned long long)lost);
	if (t->counting)
		verdicts_text(t, true);
	else
		nt_text("verdicts: not counted (no exit probe on nf_conntrack_in here)\n");
	if (full || unpaired)
		nt_text("map full %llu  unpaired exits %llu\n", (unsigned long long)full,
			(unsigned long long)unpaired);
}

NT_SKEL(trace_conntrack);

static struct config cfg = { .types = TCT_EV_BIT(TCT_NEW) | TCT_EV_BIT(TCT_DESTROY),
			     .max_entries = TCT_VKEYS_MAX };
static struct tool tool;

/* Stages of event types not asked for are not attached; without any usable
 * stage the tool cannot run (conntrack has no tracepoints). */
static int planned(struct nt_run *r)
{
	struct nt_stage_plan *plans = r->plans;
	int n = r->def->nstages, usable = 0, first_why = -1;

	for (int i = 0; i < n; i++) {
		if (!stage_wanted(&cfg, i))
			plans[i].cand = NULL;   /* not asked for: not attached at all */
		else if (plans[i].cand)
			usable++;
		else if (first_why < 0)
			first_why = i;
	}
	if (!usable) {
		nt_err("no conntrack probe point can attach here: conntrack has no tracepoints and "
		       "needs fentry or kprobe on __nf_conntrack_confirm / __nf_ct_refresh_acct / "
		       "nf_ct_destroy (fexit or kretprobe on nf_conntrack_in for the verdict "
		       "counts); %s", first_why >= 0 ? plans[first_why].why : "none available");
		return NT_EXIT_RUNTIME;
	}
	for (int i = 0; i < n; i++)
		if (!plans[i].cand && stage_wanted(&cfg, i))
			nt_warn("stage '%s' cannot attach: %s", plans[i].stage->name, plans[i].why);
	tool.counting = plans[3].cand || plans[4].cand;
	return 0;
}

static int configure(struct nt_run *r)
{
	struct trace_conntrack_bpf *skel = r->skel;

	tool.skel = skel;
	skel->rodata->targ_filter = cfg.filter;
	skel->rodata->targ_filter_on = nt_filter_any(&cfg.filter);
	skel->rodata->targ_types = cfg.types;
	skel->rodata->targ_hz = kernel_hz();
	bpf_map__set_max_entries(skel->maps.tct_verdicts, cfg.max_entries);
	if (cfg.interval > 0 && (tool.counting || r->common.prometheus.set))
		r->tick_ms = (int)(cfg.interval * 1000);
	return 0;
}

static void describe(struct nt_run *r, char *buf, size_t len)
{
	snprintf(buf, len, "conntrack");
}

static void finish(struct nt_run *r)
{
	print_summary(&tool);
}

/* --prometheus: the run's events by type and verdicts by namespace and protocol,
 * as of the last --interval report. */
static void metrics(void *ctx, struct nt_prom *m)
{
	struct tool *t = ctx;
	uint64_t tot[TCT_V_MAX], other[TCT_V_MAX];
	char netns[16];

	for (int i = 1; i < 4; i++)
		nt_prom_add(m, "nettrail_conntrack_events_total", NT_PROM_COUNTER,
			    "conntrack entries created (new), refreshed (update) and destroyed",
			    (double)t->counts[i], "event", type_names[i], NULL);
	if (!t->counting)
		return;
	for (int i = 0; i < t->nrows; i++) {
		const struct vrow *r = &t->rows[i];

		snprintf(netns, sizeof(netns), "%u", r->k.netns);
		for (int v = 0; v < TCT_V_MAX; v++)
			nt_prom_add(m, "nettrail_conntrack_verdicts_total", NT_PROM_COUNTER,
				    "packets conntrack found invalid or dropped, per namespace and protocol",
				    (double)r->v.n[v], "verdict", verdict_names[v], "netns", netns,
				    "proto", nt_l4_name(r->k.family, r->k.proto), NULL);
	}
	verdict_totals(t, true, tot, other);
	for (int v = 0; v < TCT_V_MAX; v++)
		nt_prom_add(m, "nettrail_conntrack_verdicts_unattributed_total", NT_PROM_COUNTER,
			    "verdicts counted but not broken down (the table was full)", (double)other[v],
			    "verdict", verdict_names[v], NULL);
}

static const char *metrics_refused(struct nt_run *r)
{
	return cfg.interval > 0 ? NULL : "needs --interval SEC: the metrics advance at each report";
}

static const struct nt_tool_hooks hooks = {
	.planned = planned,
	.configure = configure,
	.describe = describe,
	.on_event = on_event,
	.tick = on_tick,
	.finish = finish,
	.metrics = metrics,
	.metrics_refused = metrics_refused,
};

const struct nt_tool_def trace_conntrack_tool = {
	.cli = {
		.tool = "trace_conntrack",
		.synopsis = "[--src-ip IP] [--dst-ip IP] [--protocol P] [--src-port N] "
			    "[--dst-port N] [--port N] [--events LIST] [--interval SEC]",
		.description =
			"Follow conntrack entries: created (confirmed into the table), refreshed by\n"
			"packets (--events update), destroyed — with both tuples, zone, mark,\n"
			"status bits and the timeout left. Packets conntrack finds INVALID or\n"
			"drops are counted in the kernel (per netns and protocol; every --interval\n"
			"and in the summary), never sent one by one. Filters run in the kernel.\n"
			"Conntrack has no tracepoints: needs fentry or kprobe (exit 1 naming them\n"
			"if the kernel offers neither).",
		.examples =
			"  nettrail trace_conntrack --protocol tcp --dst-port 80\n"
			"  nettrail trace_conntrack --src-ip 10.0.0.1 --events all\n"
			"  nettrail trace_conntrack --json --events destroy\n"
			"  nettrail trace_conntrack --events none --interval 5\n",
		.opts = options,
		.nopts = NT_ARRAY_SIZE(options),
		.cfg = &cfg,
	},
	.stages = stages,
	.nstages = NT_ARRAY_SIZE(stages),
	.skel = &trace_conntrack_skel,
	.hooks = &hooks,
	.ctx = &tool,
	.quiet_plan = true,
};
